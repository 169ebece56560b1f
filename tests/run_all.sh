#!/bin/bash
# run_all.sh: every test `make test` runs after the build, with one total.
#
#   1. build/tests/test_*       cmocka unit tests
#   2. build/asan/tests/test_*  the same under ASan + UBSan
#   3. tests/integration/run.py with PKTD=build/pktd
#   4. tests/integration/run.py with PKTD=build/asan/pktd
#
# Each binary's own output is shown. Passed/failed are summed from cmocka's
# "[  PASSED  ] N test(s)." / "[  FAILED  ] N test(s)" lines (a binary that
# crashes or exits non-zero without a FAILED line counts as 1 failed) and
# from the runner's "integration: N passed, N failed, N skipped" line. The
# last line is exactly "N passed, N failed"; exit 1 if anything failed.
set -u
cd "$(dirname "$0")/.."

passed=0
failed=0
log=$(mktemp)
trap 'rm -f "$log"' EXIT

# run_cmocka BINARY: run one cmocka binary, show its output, add its counts.
run_cmocka() {
	local bin=$1 rc p f
	echo "=== $bin"
	timeout 600 "$bin" >"$log" 2>&1
	rc=$?
	cat "$log"
	p=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test(s)\..*/\1/p' "$log" | tail -n 1)
	f=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test(s).*/\1/p' "$log" | tail -n 1)
	passed=$((passed + ${p:-0}))
	if [ -n "$f" ]; then
		failed=$((failed + f))
	elif [ "$rc" -ne 0 ]; then
		echo "run_all: $bin exited $rc without a FAILED line: counted as 1 failed"
		failed=$((failed + 1))
	fi
}

# run_integration PKTD: the integration runner against one daemon binary.
run_integration() {
	local pktd=$1 rc line p f
	echo "=== integration with PKTD=$pktd"
	PKTD=$pktd /usr/bin/python3 tests/integration/run.py 2>&1 | tee "$log"
	rc=${PIPESTATUS[0]}
	line=$(grep -E '^integration: [0-9]+ passed, [0-9]+ failed, [0-9]+ skipped$' "$log" | tail -n 1)
	if [ -z "$line" ]; then
		echo "run_all: integration runner (PKTD=$pktd) exited $rc without a summary: counted as 1 failed"
		failed=$((failed + 1))
		return
	fi
	p=$(echo "$line" | sed 's/^integration: \([0-9]*\) passed.*/\1/')
	f=$(echo "$line" | sed 's/.* \([0-9]*\) failed.*/\1/')
	passed=$((passed + p))
	failed=$((failed + f))
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		echo "run_all: integration runner (PKTD=$pktd) exited $rc: counted as 1 failed"
		failed=$((failed + 1))
	fi
}

for bin in build/tests/test_*; do
	[ -x "$bin" ] && [ -f "$bin" ] && run_cmocka "$bin"
done

# Leaks are checked; libpython's own exit-time allocations are suppressed
# (tests/lsan.supp), so a leak in pktd's code still fails the run.
export ASAN_OPTIONS=detect_leaks=1
export LSAN_OPTIONS=suppressions=$PWD/tests/lsan.supp:print_suppressions=0
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
for bin in build/asan/tests/test_*; do
	[ -x "$bin" ] && [ -f "$bin" ] && run_cmocka "$bin"
done

run_integration build/pktd
run_integration build/asan/pktd

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
