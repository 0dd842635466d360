#!/bin/sh
# Launch latency, side by side in one hyperfine run (root):
#   nbwarden run --profile default -- /usr/bin/true
#   bare /usr/bin/true
#   bwrap --ro-bind / / --dev /dev --proc /proc --unshare-all --die-with-parent /usr/bin/true
# Prints each median and the nbwarden/bwrap ratio (goal: <= 1.0).
# Usage: scripts/bench-launch.sh [path/to/nbwarden] [runs]
set -eu

nbw=${1:-build/nbwarden}
runs=${2:-50}
json=$(mktemp /tmp/nbwarden-bench.XXXXXX.json)
trap 'rm -f "$json"' EXIT

for tool in hyperfine bwrap; do
	command -v "$tool" >/dev/null || { echo "bench-launch.sh: $tool missing (scripts/install-deps.sh)" >&2; exit 1; }
done

hyperfine -N --style basic --warmup 5 --runs "$runs" --export-json "$json" \
	-n nbwarden "$nbw run --profile default -- /usr/bin/true" \
	-n true "/usr/bin/true" \
	-n bwrap "bwrap --ro-bind / / --dev /dev --proc /proc --unshare-all --die-with-parent /usr/bin/true" \
	>/dev/null 2>&1

/usr/bin/python3 - "$json" <<'PY'
import json, sys
res = {r["command"]: r for r in json.load(open(sys.argv[1]))["results"]}
med = {k: v["median"] * 1000 for k, v in res.items()}
for k in ("true", "bwrap", "nbwarden"):
    r = res[k]
    print("%-9s median %7.2f ms   mean %7.2f ms ± %5.2f   (%d runs)" % (
        k, med[k], r["mean"] * 1000, r["stddev"] * 1000, len(r["times"])))
ratio = med["nbwarden"] / med["bwrap"]
print("nbwarden/bwrap ratio (medians): %.2f  (goal <= 1.0: %s)" % (ratio, "met" if ratio <= 1.0 else "missed"))
PY
