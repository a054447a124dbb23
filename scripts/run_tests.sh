#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# `make run_tests`: the unit tests (no KVM), then the VM suite
# (run_vmtests.sh), as kselftest's runner does: one top-level TAP line per
# program, its own output indented as "# " lines. Ends with the counts of
# the individual tests and the line "N passed, N failed, N skipped".
#   run_tests.sh [--unit-only] UNIT_TEST_BINARY...
set -u
here=$(cd "$(dirname "$0")/.." && pwd)
unit_only=0
[ "${1:-}" != --unit-only ] || { unit_only=1; shift; }
progs=("$@")
[ $unit_only = 1 ] || progs+=("$here/run_vmtests.sh")

log=$(mktemp "${TMPDIR:-/tmp}/ktstr-run.XXXXXX")
trap 'rm -f "$log"' EXIT
echo "TAP version 13"
echo "1..${#progs[@]}"
n=0 fail=0
for p in "${progs[@]}"; do
	n=$((n + 1))
	name=${p#"$here"/}
	name=${name#"${OUTPUT:-}"/}
	"$p" 2>&1 | tee -a "$log" | sed -u -e 's/^/# /'
	rc=${PIPESTATUS[0]}
	case $rc in
	0) echo "ok $n ktstr: $name" ;;
	4) echo "ok $n ktstr: $name # SKIP" ;;
	*) echo "not ok $n ktstr: $name # exit=$rc"; fail=1 ;;
	esac
done
# Individual results: each program's own top-level "ok"/"not ok" lines.
passed=$(grep -cE '^ok [0-9]+ .*' "$log" | head -n 1)
skipped=$(grep -cE '^ok [0-9]+ .*# SKIP' "$log")
failed=$(grep -cE '^not ok [0-9]+ ' "$log")
passed=$((passed - skipped))
echo "# Totals of individual tests: pass:$passed fail:$failed skip:$skipped"
echo "$passed passed, $failed failed, $skipped skipped"
[ $fail = 0 ] && [ "$failed" = 0 ]
