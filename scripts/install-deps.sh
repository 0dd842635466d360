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
	libcmocka-dev libinih-dev libjansson-dev libssl-dev
	python3 python3-jsonschema iproute2 procps util-linux
	bubblewrap hyperfine
	prometheus clang-14 libclang-rt-14-dev systemd
	python3-ipykernel jupyter-client python3-nbclient python3-nbformat python3-matplotlib curl
	qemu-system-x86 busybox-static kmod e2fsprogs
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

# rsyslog for the audit forwarding tests, which run their own rsyslogd on a
# loopback port: installing it must not start (or change) a system service.
if ! dpkg-query -W -f='${Status}' rsyslog 2>/dev/null | grep -q 'install ok installed'; then
	echo "install-deps.sh: installing rsyslog (its service is not started)"
	own_policy=
	if [ ! -e /usr/sbin/policy-rc.d ]; then
		printf '#!/bin/sh\n# scripts/install-deps.sh: no service starts during this install\nexit 101\n' \
			> /usr/sbin/policy-rc.d
		chmod 755 /usr/sbin/policy-rc.d
		own_policy=1
	fi
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends rsyslog \
		</dev/null || { [ -n "$own_policy" ] && rm -f /usr/sbin/policy-rc.d; exit 1; }
	[ -n "$own_policy" ] && rm -f /usr/sbin/policy-rc.d
fi

# The VM test tier's kernel (scripts/vmtest.sh): Debian's linux-image-amd64,
# unpacked under /var/cache/nbwarden-vm/VERSION rather than installed, so this
# host's /boot, boot loader and /lib/modules are left alone.
vmdir=/var/cache/nbwarden-vm
pkg=$(apt-cache depends linux-image-amd64 2>/dev/null |
	awk '$1 == "Depends:" && $2 ~ /^linux-image-[0-9]/ { print $2; exit }')
if [ -z "$pkg" ]; then
	echo "install-deps.sh: no linux-image-amd64 in the package lists (apt-get update?)" >&2
	exit 1
fi
ver=${pkg#linux-image-}
if [ -f "$vmdir/$ver/boot/vmlinuz-$ver" ] && [ -f "$vmdir/$ver/lib/modules/$ver/modules.dep" ]; then
	echo "install-deps.sh: VM kernel $ver present"
else
	echo "install-deps.sh: fetching the VM kernel $pkg into $vmdir"
	mkdir -p "$vmdir"
	tmp=$(mktemp -d "$vmdir/fetch.XXXXXX")
	trap 'rm -rf "$tmp"' EXIT
	chmod 755 "$tmp"
	chown _apt "$tmp" 2>/dev/null || true # apt-get download drops to _apt
	# stale package lists: refresh once and retry
	(cd "$tmp" && apt-get download -q "$pkg" </dev/null) ||
		{ apt-get update -q && (cd "$tmp" && apt-get download -q "$pkg" </dev/null); }
	dpkg-deb -x "$tmp"/"$pkg"_*.deb "$tmp/root"
	depmod -b "$tmp/root" "$ver"
	rm -rf "${vmdir:?}/$ver"
	mv "$tmp/root" "$vmdir/$ver"
fi
ln -sfn "$ver" "$vmdir/current"
