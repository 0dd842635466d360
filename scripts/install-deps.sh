#!/bin/sh
# Install everything nbwarden needs to build, test and demo, from Debian's
# packages only. Idempotent; safe to run as part of `make demo` / `make test`.
set -eu

if [ "$(id -u)" -ne 0 ]; then
	echo "install-deps.sh: must run as root (it calls apt-get)" >&2
	exit 1
fi

PKGS="
	build-essential pkg-config make gcc clang llvm
	libseccomp-dev libcap-dev libnl-3-dev libnl-route-3-dev
	libbpf-dev bpftool libelf-dev zlib1g-dev
	libcmocka-dev libinih-dev libjansson-dev
	python3 python3-jsonschema iproute2 procps util-linux
	bubblewrap hyperfine
"

missing=""
for p in $PKGS; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
		missing="$missing $p"
	fi
done

if [ -n "$missing" ]; then
	echo "install-deps.sh: installing:$missing"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -q
	# shellcheck disable=SC2086
	apt-get install -y -q --no-install-recommends $missing </dev/null
else
	echo "install-deps.sh: all packages present"
fi
