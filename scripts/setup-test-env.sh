#!/bin/sh
# Prepare this host for the root test tiers: an unprivileged test user with a
# home, ~/notebooks and a supplementary group. Idempotent.
set -eu

if [ "$(id -u)" -ne 0 ]; then
	echo "setup-test-env.sh: must run as root" >&2
	exit 1
fi

user=nbwtest
if ! id "$user" >/dev/null 2>&1; then
	useradd --create-home --shell /usr/sbin/nologin --comment "nbwarden test user" "$user"
	echo "setup-test-env.sh: created user $user"
fi
group=nbwtestgrp
getent group "$group" >/dev/null || groupadd "$group"
id -nG "$user" | grep -qw "$group" || usermod -aG "$group" "$user"
home=$(getent passwd "$user" | cut -d: -f6)
install -d -o "$user" -g "$(id -gn "$user")" -m 0755 "$home" "$home/notebooks"

