#!/bin/bash
# Run nbwarden's test tiers and print one closing line:
#   N passed, N failed, N skipped
# Usage: tests/run-all.sh [[BUILD:]TIER ...]
#   TIER is unit, integration, escape, e2e, bench, fuzz, vm or qemu (default:
#   the first three); BUILD is a build directory (default: $O, or build), e.g.
#   "build/sanitize:unit". qemu boots scripts/vmtest.sh's VM and runs the vm,
#   integration and escape tiers of BUILD inside it, then boots it again
#   without Landlock for tests/vm/check_no_landlock.py.
# The integration, escape, e2e (real Jupyter kernels through the daemon and
# embedded), bench and vm tiers need root; the vm tier runs in
# scripts/vmtest.sh's guest (its tests skip, saying why, without the controllers).
set -u

top=$(cd "$(dirname "$0")/.." && pwd)
default_build=${O:-build}

tiers=("$@")
[ ${#tiers[@]} -eq 0 ] && tiers=(unit integration escape)

passed=0 failed=0 skipped=0

# add the counts from a closing line "N passed, N failed[, N skipped]"
tally() {
	local line=$1 p f s
	p=$(sed -n 's/^\([0-9]\+\) passed.*/\1/p' <<<"$line")
	f=$(sed -n 's/.* \([0-9]\+\) failed.*/\1/p' <<<"$line")
	s=$(sed -n 's/.* \([0-9]\+\) skipped.*/\1/p' <<<"$line")
	passed=$((passed + ${p:-0}))
	failed=$((failed + ${f:-0}))
	skipped=$((skipped + ${s:-0}))
}

run_unit() {
	local t out rc n_pass n_fail
	for t in "$build"/tests/unit/test-*; do
		[ -x "$t" ] || continue
		[[ $t == *.d ]] && continue
		echo "== unit: $(basename "$t")"
		out=$(timeout 300 "$t" 2>&1)
		rc=$?
		echo "$out"
		n_pass=$(sed -n 's/^\[  PASSED  \] \([0-9]\+\) test.*/\1/p' <<<"$out" | tail -1)
		n_fail=$(sed -n 's/^\[  FAILED  \] \([0-9]\+\) test.*/\1/p' <<<"$out" | tail -1)
		if [ -z "$n_pass" ] && [ -z "$n_fail" ]; then
			# crashed before cmocka could summarise (sanitizer abort, timeout)
			echo "unit: $(basename "$t") exited $rc without a summary"
			n_fail=1
		elif [ "$rc" -ne 0 ] && [ "${n_fail:-0}" -eq 0 ]; then
			echo "unit: $(basename "$t") exited $rc"
			n_fail=1
		fi
		tally "${n_pass:-0} passed, ${n_fail:-0} failed"
	done
}

# run a command that ends with a closing line, streaming its output, and tally it
run_closing() {
	local tier=$1 log rc
	shift
	echo "== $tier"
	log=$(mktemp)
	"$@" 2>&1 | tee "$log"
	rc=${PIPESTATUS[0]}
	tally_closing "$tier" "$rc" "$(cat "$log")"
	rm -f "$log"
}

run_py() {
	local tier=$1 script=$2 out rc
	echo "== $tier"
	out=$(timeout 1200 /usr/bin/python3 "$script" 2>&1)
	rc=$?
	echo "$out"
	tally_closing "$tier" "$rc" "$out"
}

tally_closing() {
	local tier=$1 rc=$2 out=$3 line
	line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' <<<"$out" | tail -1)
	if [ -z "$line" ]; then
		echo "$tier: exited $rc without a summary"
		line="0 passed, 1 failed"
	elif [ "$rc" -ne 0 ] && ! grep -q ' [1-9][0-9]* failed' <<<"$line"; then
		# it failed without saying so: count that as one failure
		echo "$tier: exited $rc"
		tally "0 passed, 1 failed"
	fi
	tally "$line"
}

for spec in "${tiers[@]}"; do
	case "$spec" in
	*:*) b=${spec%%:*} tier=${spec#*:} ;;
	*) b=$default_build tier=$spec ;;
	esac
	case "$b" in /*) build=$b ;; *) build=$top/$b ;; esac
	export O=$build
	echo "### $tier tier, build $build"
	case "$tier" in
	unit) run_unit ;;
	integration | escape | e2e | bench | vm)
		for script in "$top"/tests/"$tier"/test_*.py; do
			run_py "$tier: $(basename "$script" .py)" "$script"
		done
		;;
	fuzz)
		# the daemon's request parser under libFuzzer, bounded in time
		run_closing "fuzz: scripts/fuzz.sh" "$top/scripts/fuzz.sh" \
			-t "${NBW_FUZZ_SECONDS:-60}" -o "$build/fuzz"
		;;
	qemu)
		run_closing "qemu: scripts/vmtest.sh" "$top/scripts/vmtest.sh" -b "$build"
		# the same kernel booted without Landlock: every launch must be refused
		run_closing "qemu: scripts/vmtest.sh, no Landlock" "$top/scripts/vmtest.sh" -t 300 \
			-l lockdown,yama,integrity,apparmor,bpf \
			/usr/bin/python3 tests/vm/check_no_landlock.py
		;;
	*) echo "unknown tier: $tier" >&2; exit 2 ;;
	esac
done

echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
