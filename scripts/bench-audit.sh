#!/bin/sh
# The audit log's sustained write rate for each fsync policy (root not
# needed; the log goes to /var/cache, a disk, not a tmpfs):
#   always  every record forced to the disk
#   batch   forced every 100 ms (the default; goal: >= 100,000 records/s)
#   none    left to the kernel's writeback
# Records are ~600-byte events, hashed (SHA-256) and chained as nbwarden
# writes them. Each policy runs RUNS times; the median is reported.
#
# Usage: scripts/bench-audit.sh [BUILD_DIR] [RECORDS] [RUNS]   (defaults: build 300000 3)
set -eu

build=$(realpath "${1:-build}")
records=${2:-300000}
runs=${3:-3}
writer=$build/tests/bench/audit-writer
[ -x "$writer" ] || { echo "bench-audit.sh: $writer missing: run 'make build-tests'" >&2; exit 1; }

work=$(mktemp -d /var/cache/nbwarden-bench-audit.XXXXXX)
trap 'rm -rf "$work"' EXIT

rate_of() { # POLICY RECORDS [GROUP] -> median records/s over $runs runs
	i=0
	while [ "$i" -lt "$runs" ]; do
		i=$((i + 1))
		rm -f "$work"/audit.jsonl*
		"$writer" --bench "$work/audit.jsonl" "$1" "$2" ${3:-} | sed -n 's/.*rate=\([0-9]*\).*/\1/p'
		# the log it wrote must verify
		"$build/nbwarden" audit verify "$work/audit.jsonl" >/dev/null ||
			{ echo "bench-audit.sh: the $1 log does not verify" >&2; exit 1; }
	done | sort -n | awk '{ r[NR] = $1 } END { print r[int((NR + 1) / 2)] }'
}

# Two ways to write: the lock taken for every record (one event at a time),
# and once per 256 records (nbwarden takes it once per drained event ring).
# "always" does one disk flush per record: fewer records, same measure.
for policy in always batch none; do
	n=$records
	[ "$policy" = always ] && n=$((records / 100))
	one=$(rate_of "$policy" "$n")
	grouped=$(rate_of "$policy" "$n" 256)
	printf '%-7s %9s records/s one by one, %9s grouped (%d records, median of %d runs)\n' \
		"$policy" "$one" "$grouped" "$n" "$runs"
	[ "$policy" = batch ] && batch=$grouped && batch_one=$one
done
if [ "$batch" -ge 100000 ]; then verdict=met; else verdict=missed; fi
echo "RESULT audit log, fsync=batch: $batch records/s grouped, $batch_one one by one" \
	"(goal >= 100000: $verdict)"
