#!/bin/bash
# Build tests/fuzz/fuzz-request.c with libFuzzer (ASan+UBSan) and run it for a
# while on a copy of tests/fuzz/corpus, then print one closing line:
#   1 passed, 0 failed    or    0 passed, 1 failed
# Usage: scripts/fuzz.sh [-t SECONDS] [-o OUTDIR]
#   -t  how long to fuzz (default 60, or $NBW_FUZZ_SECONDS)
#   -o  where the binary, the working corpus, the log and any crash input go
#       (default build/fuzz in the source tree; nothing else is written)
# CLANG= overrides the compiler. A crash, leak, timeout or out-of-memory
# counts as failed; the input that caused it stays in OUTDIR/artifacts/ and
# replays with: OUTDIR/fuzz-request ARTIFACT
set -u

top=$(cd "$(dirname "$0")/.." && pwd)
seconds=${NBW_FUZZ_SECONDS:-60}
outdir=$top/build/fuzz
clang=${CLANG:-clang}

usage() {
	echo "usage: $0 [-t SECONDS] [-o OUTDIR]" >&2
	exit 2
}

while getopts "t:o:h" opt; do
	case $opt in
	t) seconds=$OPTARG ;;
	o) outdir=$OPTARG ;;
	*) usage ;;
	esac
done
shift $((OPTIND - 1))
[ $# -eq 0 ] || usage
if ! [[ $seconds =~ ^[1-9][0-9]{0,6}$ ]]; then
	echo "fuzz: SECONDS must be a positive whole number, not '$seconds'" >&2
	exit 2
fi

result() {
	if [ "$1" = pass ]; then
		echo "1 passed, 0 failed"
		exit 0
	fi
	echo "0 passed, 1 failed"
	exit 1
}

mkdir -p "$outdir/corpus" "$outdir/artifacts" || result fail
outdir=$(cd "$outdir" && pwd)
bin=$outdir/fuzz-request
log=$outdir/fuzz.log

echo "== fuzz: building $bin"
if ! "$clang" -std=gnu11 -D_GNU_SOURCE -Wall -Wextra -Wshadow -Wstrict-prototypes \
	-Wmissing-prototypes -Wformat=2 -Wimplicit-fallthrough -Werror=undef \
	-Wno-format-nonliteral -Werror \
	-g -O1 -fno-omit-frame-pointer \
	-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
	-I"$top/supervisor" \
	"$top/tests/fuzz/fuzz-request.c" "$top/supervisor/proto.c" \
	"$top/supervisor/util.c" "$top/supervisor/cgroup.c" \
	-o "$bin"; then
	echo "fuzz: build failed"
	result fail
fi

# The seeds are copied; libFuzzer adds what it finds to the copy only, which
# is kept for the next run.
cp -f "$top"/tests/fuzz/corpus/* "$outdir/corpus/" || result fail

echo "== fuzz: running for ${seconds}s, log in $log"
ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1} \
UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1} \
	"$bin" -max_total_time="$seconds" -timeout=5 -rss_limit_mb=1024 -max_len=140000 \
	-print_final_stats=1 -artifact_prefix="$outdir/artifacts/" \
	"$outdir/corpus" >"$log" 2>&1
rc=$?

# the last status line (coverage, corpus) and the final statistics
grep -E '^#[0-9]+[[:space:]]' "$log" | tail -1
grep -E '^(Done [0-9]+ runs|stat::(number_of_executed_units|new_units_added|peak_rss_mb))' "$log"

if [ $rc -ne 0 ]; then
	# from the first report (sanitizer, libFuzzer, or the target's own oracle)
	sed -n '/^==[0-9]*== *ERROR\|runtime error:\|^fuzz-request: /,$p' "$log" |
		grep -v '^stat::' | head -60
	artifact=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -1)
	echo "fuzz: the target failed (exit $rc); full log: $log"
	if [ -n "$artifact" ]; then
		echo "fuzz: crash input: $artifact"
		echo "fuzz: replay with: $bin $artifact"
	fi
	result fail
fi
result pass
