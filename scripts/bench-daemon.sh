#!/bin/bash
# Daemon mode figures, in one run (root):
#   1. launch latency through the daemon vs embedded mode (hyperfine, side by
#      side; goal <= 1.3x),
#   2. the daemon's RSS with N concurrent sleeping sandboxes (goal < 64 MiB),
#   3. launch latency through the daemon at N running sandboxes vs at 1
#      (goal <= 1.2x).
# A private daemon with its own socket, policy, audit log and cgroup parent;
# everything it starts is stopped by pid and removed at the end.
# Usage: scripts/bench-daemon.sh [BUILD] [N] [RUNS]   (defaults: build 500 30)
set -eu

build=${1:-build}
n=${2:-500}
runs=${3:-30}
nbw=$(cd "$build" && pwd)/nbwarden
top=$(cd "$(dirname "$0")/.." && pwd)

[ "$(id -u)" -eq 0 ] || { echo "bench-daemon.sh: must run as root" >&2; exit 1; }
command -v hyperfine >/dev/null || { echo "bench-daemon.sh: hyperfine missing (scripts/install-deps.sh)" >&2; exit 1; }
[ -x "$nbw" ] || { echo "bench-daemon.sh: $nbw not built" >&2; exit 1; }

mkdir -p /var/cache/nbwarden-tests
dir=$(mktemp -d /var/cache/nbwarden-tests/bench-daemon.XXXXXX)
chmod 755 "$dir"
cgp=nbwarden-bench-$$
cgmount=$(awk '$9 == "cgroup2" { print $5; exit }' /proc/self/mountinfo)
json=$dir/hyperfine.json
dpid=
clients=()

cleanup() {
	set +e
	for p in "${clients[@]}"; do kill -KILL "$p" 2>/dev/null; done
	for p in "${clients[@]}"; do wait "$p" 2>/dev/null; done
	[ -n "$dpid" ] && kill -TERM "$dpid" 2>/dev/null && wait "$dpid" 2>/dev/null
	for parent in "$cgmount/$cgp" "$cgmount/$cgp-embedded"; do
		[ -d "$parent" ] || continue
		for leaf in "$parent"/*/; do
			[ -d "$leaf" ] || continue
			echo 1 >"$leaf/cgroup.kill" 2>/dev/null
			for _ in $(seq 50); do [ -d "$leaf" ] || break; rmdir "$leaf" 2>/dev/null && break; sleep 0.1; done
		done
		rmdir "$parent" 2>/dev/null
	done
	rm -rf "$dir"
}
trap cleanup EXIT
[ -n "${NBW_BENCH_DEBUG:-}" ] && trap 'cat "$dir/daemon.log" "$dir/clients.log"; cleanup' EXIT

cat >"$dir/nbwarden.conf" <<EOF
[audit]
path = $dir/audit.jsonl
[daemon]
socket = $dir/nbwarden.sock
policy = $dir/policy.conf
state_dir = $dir/state
run_dir = $dir/run
profile_dir = $dir
cgroup_parent = $cgp
EOF
cat >"$dir/policy.conf" <<EOF
[role bench]
members = root
profiles = *
max_concurrent = 1000
queue_timeout = 5m
launches_per_minute = 0
admin = yes
EOF
# the callers are root here (no setpriv in the measured command): both modes
# then run the sandbox as uid 0, which only a development profile may allow
cat >"$dir/bench.conf" <<EOF
[profile]
include = default
environment = development
allow_root = yes
[exec]
allow = /usr/bin/sleep
EOF
chmod 644 "$dir"/*.conf

"$nbw" daemon --config "$dir/nbwarden.conf" 2>"$dir/daemon.log" &
dpid=$!
for _ in $(seq 100); do [ -S "$dir/nbwarden.sock" ] && break; sleep 0.05; done
[ -S "$dir/nbwarden.sock" ] || { echo "bench-daemon.sh: the daemon did not start:" >&2; cat "$dir/daemon.log" >&2; exit 1; }

client="$nbw run --socket $dir/nbwarden.sock"
embedded="$nbw run --config $dir/nbwarden.conf --cgroup-parent $cgp-embedded --user 0"

running() {
	"$nbw" ps --all --json --socket "$dir/nbwarden.sock" | grep -c '"state": "running"' || true
}

start_sleepers() {
	local want=$1
	while [ "${#clients[@]}" -lt "$want" ]; do
		$client --profile bench -- /usr/bin/sleep 3600 </dev/null >/dev/null 2>>"$dir/clients.log" &
		clients+=($!)
	done
	for _ in $(seq 240); do
		[ "$(running)" -ge "$want" ] && return 0
		sleep 0.5
	done
	echo "bench-daemon.sh: only $(running) of $want sandboxes started" >&2
	exit 1
}

median() { # hyperfine json, command name -> median ms
	/usr/bin/python3 -c '
import json, sys
r = {x["command"]: x for x in json.load(open(sys.argv[1]))["results"]}[sys.argv[2]]
print("%.3f" % (r["median"] * 1000))' "$json" "$1"
}

# 1 running, then embedded and daemon launches side by side
start_sleepers 1
hyperfine -N --style basic --warmup 5 --runs "$runs" --export-json "$json" \
	-n embedded "$embedded --profile $dir/bench.conf -- /usr/bin/true" \
	-n daemon "$client --profile bench -- /usr/bin/true" >/dev/null 2>&1
emb=$(median embedded)
at1=$(median daemon)

# N running: the daemon's memory, then the same launch again
t0=$(date +%s.%N)
start_sleepers "$n"
t1=$(date +%s.%N)
rss=$(awk '/^VmRSS:/ { print $2 }' "/proc/$dpid/status")
hwm=$(awk '/^VmHWM:/ { print $2 }' "/proc/$dpid/status")
hyperfine -N --style basic --warmup 5 --runs "$runs" --export-json "$json" \
	-n embedded "$embedded --profile $dir/bench.conf -- /usr/bin/true" \
	-n daemon "$client --profile bench -- /usr/bin/true" >/dev/null 2>&1
atn=$(median daemon)
embn=$(median embedded)

/usr/bin/python3 - "$emb" "$at1" "$atn" "$rss" "$hwm" "$n" "$t0" "$t1" "$embn" <<'PY'
import sys
emb, at1, atn = (float(x) for x in sys.argv[1:4])
rss, hwm, n = (int(x) for x in sys.argv[4:7])
t0, t1, embn = float(sys.argv[7]), float(sys.argv[8]), float(sys.argv[9])
def verdict(ok):
    return "met" if ok else "missed"
print("launch: embedded median %.2f ms, through the daemon %.2f ms" % (emb, at1))
print("daemon/embedded ratio (medians): %.2f  (goal <= 1.3: %s)" % (at1 / emb, verdict(at1 / emb <= 1.3)))
print("daemon RSS with %d sandboxes running: %.1f MiB (peak %.1f MiB)  (goal < 64 MiB: %s)"
      % (n, rss / 1024, hwm / 1024, verdict(rss < 64 * 1024)))
print("started %d sleeping sandboxes in %.1f s" % (n - 1, t1 - t0))
print("launch at %d running: median %.2f ms vs %.2f ms at 1" % (n, atn, at1))
print("at-%d/at-1 ratio (medians): %.2f  (goal <= 1.2: %s)" % (n, atn / at1, verdict(atn / at1 <= 1.2)))
print("for comparison, embedded mode at %d running: median %.2f ms (%.2fx its figure at 1)"
      % (n, embn, embn / emb))
PY
