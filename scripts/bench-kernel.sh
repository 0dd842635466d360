#!/bin/bash
# Jupyter kernel start-to-ready time (root), sandboxed vs unsandboxed, side by
# side in one run: jupyter_client's KernelManager.start_kernel() plus the
# client's wait_for_ready(), for
#   - a kernelspec "nbwarden kernelspec install" wrote: ipykernel under
#     nbwarden run with the analyst profile (as the test user), and
#   - the same ipykernel started directly, as Jupyter does without nbwarden.
# The two alternate, ROUNDS rounds (the first 2 are warm-up and discarded), so
# the noise of a shared machine falls on both alike. Prints the medians, the
# ratio of medians (goal <= 1.2x) and the time each took to shut down
# (informative). A private audit log and cgroup parent; every kernel is
# stopped by pid and every cgroup removed at the end, and the run fails if a
# kernel did not start or anything it started was left behind (not when the
# goal is missed: the figure is printed with "met" or "missed").
# Usage: scripts/bench-kernel.sh [BUILD] [ROUNDS]   (defaults: build 15)
set -eu

build=${1:-build}
rounds=${2:-15}
# warm-up: the first start_kernel() in a process also loads jupyter_client's
# provisioners (~0.5 s), and the first kernels warm the page cache
warmup=2
py=/usr/bin/python3
user=nbwtest

[ "$(id -u)" -eq 0 ] || { echo "bench-kernel.sh: must run as root" >&2; exit 1; }
case "$rounds" in
'' | *[!0-9]*) echo "bench-kernel.sh: ROUNDS must be a number, not '$rounds'" >&2; exit 1 ;;
esac
[ "$rounds" -gt "$warmup" ] || { echo "bench-kernel.sh: ROUNDS must be more than the $warmup warm-up rounds" >&2; exit 1; }
[ -d "$build" ] || { echo "bench-kernel.sh: no build directory $build (run make)" >&2; exit 1; }
nbw=$(cd "$build" && pwd)/nbwarden
[ -x "$nbw" ] || { echo "bench-kernel.sh: $nbw not built (run make)" >&2; exit 1; }
"$py" -c 'import jupyter_client, ipykernel' 2>/dev/null ||
	{ echo "bench-kernel.sh: $py cannot import jupyter_client and ipykernel (scripts/install-deps.sh)" >&2; exit 1; }
pw=$(getent passwd "$user") ||
	{ echo "bench-kernel.sh: test user $user missing (run scripts/setup-test-env.sh)" >&2; exit 1; }
home=$(echo "$pw" | cut -d: -f6)
[ -d "$home/notebooks" ] ||
	{ echo "bench-kernel.sh: $home/notebooks missing (run scripts/setup-test-env.sh)" >&2; exit 1; }
cgmount=$(awk '$9 == "cgroup2" { print $5; exit }' /proc/self/mountinfo)
[ -n "$cgmount" ] || { echo "bench-kernel.sh: no cgroup2 mount" >&2; exit 1; }

mkdir -p /var/cache/nbwarden-tests
dir=$(mktemp -d /var/cache/nbwarden-tests/bench-kernel.XXXXXX)
chmod 755 "$dir"
cgp=nbwarden-bench-kernel-$$
prefix=$dir/prefix
# connection files, named after this run: they are in every kernel's command line
runtime=$dir/runtime
sandboxed=nbwarden-bench
bare=bench-bare

# the kernels this run started and that still run: every kernel's command line
# (and its nbwarden run's) names its connection file in $runtime
kernel_pids() {
	local p c
	for p in /proc/[0-9]*; do
		c=$(tr '\0' ' ' 2>/dev/null <"$p/cmdline") || continue
		case "$c" in *"$runtime/"*) echo "${p#/proc/}" ;; esac
	done
}

cleanup() {
	set +e
	for p in $(kernel_pids); do kill -KILL "$p" 2>/dev/null; done
	parent=$cgmount/$cgp
	if [ -d "$parent" ]; then
		for leaf in "$parent"/*/; do
			[ -d "$leaf" ] || continue
			echo 1 >"$leaf/cgroup.kill" 2>/dev/null
			for _ in $(seq 50); do [ -d "$leaf" ] || break; rmdir "$leaf" 2>/dev/null && break; sleep 0.1; done
		done
		rmdir "$parent" 2>/dev/null
	fi
	rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP
[ -n "${NBW_BENCH_DEBUG:-}" ] && trap 'cat "$dir/kernels.log"; cleanup' EXIT

cat >"$dir/nbwarden.conf" <<EOF
[audit]
path = $dir/audit.jsonl
EOF
# analyst as shipped, but as the test user: base.conf's user (nobody, when root
# starts a sandbox in embedded mode) has no ~/notebooks
cat >"$dir/bench.conf" <<EOF
[profile]
include = analyst
user = $user
EOF
chmod 644 "$dir"/*.conf
mkdir -p "$runtime" "$dir/ipython" "$dir/config" "$dir/data"

"$nbw" kernelspec install --prefix "$prefix" --name "$sandboxed" --profile "$dir/bench.conf" \
	--config "$dir/nbwarden.conf" --cgroup-parent "$cgp" >/dev/null
mkdir -p "$prefix/share/jupyter/kernels/$bare"
cat >"$prefix/share/jupyter/kernels/$bare/kernel.json" <<EOF
{
 "argv": ["$py", "-m", "ipykernel_launcher", "-f", "{connection_file}"],
 "display_name": "Python 3 (unsandboxed bench)",
 "language": "python",
 "interrupt_mode": "signal",
 "env": {},
 "metadata": {"debugger": false}
}
EOF

echo "kernel start-to-ready, $rounds rounds ($warmup warm-up), sandboxed (analyst as $user) and bare alternating"
t0=$(date +%s.%N)
rc=0
(
	cd "$dir"
	env JUPYTER_PATH="$prefix/share/jupyter" JUPYTER_RUNTIME_DIR="$runtime" \
		JUPYTER_CONFIG_DIR="$dir/config" JUPYTER_DATA_DIR="$dir/data" IPYTHONDIR="$dir/ipython" \
		"$py" - "$rounds" "$warmup" "$sandboxed" "$bare" "$dir/samples.json" "$dir/kernels.log" <<'PY'
import json, os, signal, sys, time
from jupyter_client import KernelManager

rounds, warmup = int(sys.argv[1]), int(sys.argv[2])
names = {"sandboxed": sys.argv[3], "bare": sys.argv[4]}
out, log = sys.argv[5], open(sys.argv[6], "a")
runtime = os.environ["JUPYTER_RUNTIME_DIR"]
signal.signal(signal.SIGTERM, lambda *_: sys.exit("bench-kernel.sh: terminated"))
samples = {k: {"ready": [], "shutdown": [], "signalled": 0} for k in names}


def start_to_ready(kind, rnd):
    """One kernel: ms from start_kernel() to ready, ms to shut down, whether
    it needed a signal after the shutdown request."""
    cf = os.path.join(runtime, "kernel-%s-%d.json" % (kind, rnd))
    km = KernelManager(kernel_name=names[kind], connection_file=cf)
    kc = None
    try:
        t0 = time.monotonic()
        km.start_kernel(stdout=log, stderr=log)
        kc = km.client()
        kc.start_channels()
        kc.wait_for_ready(timeout=60)
        t1 = time.monotonic()
        kc.stop_channels()
        kc = None
        km.shutdown_kernel(now=False)
        t2 = time.monotonic()
        # jupyter_client 7 keeps how far the shutdown went (request, SIGTERM, SIGKILL)
        signalled = "Sig" in str(getattr(km, "_shutdown_status", ""))
    except Exception as e:
        sys.exit("bench-kernel.sh: the %s kernel failed in round %d: %s" % (kind, rnd + 1, e))
    finally:
        if kc is not None:
            kc.stop_channels()
        if km.has_kernel:
            km.shutdown_kernel(now=True)
    return (t1 - t0) * 1000, (t2 - t1) * 1000, signalled


for rnd in range(rounds):
    # alternate which goes first too
    order = ("sandboxed", "bare") if rnd % 2 == 0 else ("bare", "sandboxed")
    got = {}
    for kind in order:
        got[kind] = start_to_ready(kind, rnd)
    if rnd >= warmup:
        for kind, (ready, down, sig) in got.items():
            samples[kind]["ready"].append(ready)
            samples[kind]["shutdown"].append(down)
            samples[kind]["signalled"] += sig
    print("round %2d: sandboxed %6.0f ms, bare %6.0f ms%s" % (
        rnd + 1, got["sandboxed"][0], got["bare"][0], "  (warm-up)" if rnd < warmup else ""),
        flush=True)
with open(out, "w") as f:
    json.dump(samples, f)
PY
) || rc=$?
t1=$(date +%s.%N)
if [ "$rc" -ne 0 ]; then
	echo "bench-kernel.sh: the measurement failed; the kernels' output:" >&2
	tail -n 40 "$dir/kernels.log" >&2
	exit 1
fi

# nothing may be left: no kernel, no sandbox cgroup below this run's parent
left=$(kernel_pids | tr '\n' ' ')
leaves=
[ -d "$cgmount/$cgp" ] && leaves=$(find "$cgmount/$cgp" -mindepth 1 -maxdepth 1 -type d | tr '\n' ' ')
if [ -n "$left" ] || [ -n "$leaves" ]; then
	echo "bench-kernel.sh: left behind: processes [ $left] cgroups below $cgmount/$cgp [ $leaves]" >&2
	exit 1
fi
"$nbw" kernelspec remove "$sandboxed" --prefix "$prefix" >/dev/null

"$py" - "$dir/samples.json" "$t0" "$t1" "$rounds" <<'PY'
import json, statistics, sys
s = json.load(open(sys.argv[1]))
elapsed, rounds = float(sys.argv[3]) - float(sys.argv[2]), int(sys.argv[4])
med = {k: statistics.median(v["ready"]) for k, v in s.items()}
for k in ("sandboxed", "bare"):
    r, d = s[k]["ready"], s[k]["shutdown"]
    print("%-9s start-to-ready median %7.1f ms (min %7.1f, max %7.1f); shutdown median %6.1f ms"
          " (max %6.1f, %d of %d needed a signal after the shutdown request)" % (
              k, med[k], min(r), max(r), statistics.median(d), max(d), s[k]["signalled"], len(r)))
ratio = med["sandboxed"] / med["bare"]
print("sandboxed/bare ratio (medians): %.2f  (goal <= 1.2: %s)" % (ratio, "met" if ratio <= 1.2 else "missed"))
print("%d kernels in %.0f s; no kernel process or sandbox cgroup left" % (2 * rounds, elapsed))
print("RESULT kernel start-to-ready ratio: %.3f (sandboxed %.1f ms, bare %.1f ms)" % (
    ratio, med["sandboxed"], med["bare"]))
PY
