#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# `make run_tests`: the unit tests (no KVM), then the VM suite
# (run_vmtests.sh), as kselftest's runner does: one top-level TAP line per
# program, its own output indented as "# " lines. Ends with the counts of
# the individual tests and the line "N passed, N failed, N skipped".
#   run_tests.sh [--unit-only] [--vm 'VAR=VALUE... ARGS']... UNIT_TEST...
# Each --vm runs one more VM suite after the first: run_vmtests.sh with
# that environment and those arguments (split at spaces), as `make check`
# does for the arm64 build. Unit test binaries of another architecture (a
# cross build's) run together in one emulated host of theirs, as one
# program whose own tests are counted.
set -u
here=$(cd "$(dirname "$0")/.." && pwd)
. "$here/scripts/lib.sh"
unit_only=0 suites=()
while [ $# -gt 0 ]; do
	case $1 in
	--unit-only) unit_only=1; shift ;;
	--vm) [ $# -ge 2 ] || { echo "run_tests.sh: --vm needs a value" >&2; exit 2; }
	      suites+=("$2"); shift 2 ;;
	*) break ;;
	esac
done
progs=() foreign=() farch=
for p in "$@"; do
	a=$(ktstr_elf_arch "$p")
	if [ "$a" = unknown ] || [ "$a" = script ] || [ "$a" = "$(uname -m)" ] || [ "${KTSTR_EMULATED_HOST:-}" = 1 ]; then
		progs+=("$p")
	else
		foreign+=("$p") farch=$a
	fi
done
# The wrapper's name ends in "--unit-only": see "nested" below.
[ ${#foreign[@]} = 0 ] ||
	progs+=("$here/scripts/emulated-host.sh --arch $farch --timeout 1200 --rw $here --rw $(dirname "$(dirname "${foreign[0]}")") -- $here/scripts/run_tests.sh --unit-only ${foreign[*]}")
if [ $unit_only = 0 ]; then
	progs+=("$here/run_vmtests.sh")
	for s in "${suites[@]}"; do
		read -ra words <<<"$s"
		vars=()
		while [ ${#words[@]} -gt 0 ] && [[ ${words[0]} == [A-Za-z_]*=* ]]; do
			vars+=("${words[0]}") words=("${words[@]:1}")
		done
		progs+=("env ${vars[*]} $here/run_vmtests.sh ${words[*]}")
	done
fi

# "# " before each line, as it comes (busybox's sed has no -u).
indent() { local l; while IFS= read -r l; do printf '# %s\n' "$l"; done; }

log=$(mktemp "${TMPDIR:-/tmp}/ktstr-run.XXXXXX")
trap 'rm -f "$log"' EXIT
echo "TAP version 13"
echo "1..${#progs[@]}"
n=0 fail=0
# Each program (an emulated host, run_vmtests.sh) dies with this runner,
# even a SIGKILLed one: ktstr_pdeath.
for p in "${progs[@]}"; do
	n=$((n + 1))
	name=${p#"$here"/}
	name=${name#"${OUTPUT:-}"/}
	name=${name//"$here"\//}
	read -ra cmd <<<"$p"
	case $p in
	*" --unit-only "*)
		# nested: the emulated host's runner; its programs' own lines
		# (one level in) are the individual results.
		ktstr_pdeath TERM "${cmd[@]}" 2>&1 | tee "$log.nested" | indent
		rc=${PIPESTATUS[0]}
		sed -n 's/^# //p' "$log.nested" >>"$log"
		rm -f "$log.nested"
		name="unit tests ($farch, in an emulated host)" ;;
	*)	ktstr_pdeath TERM "${cmd[@]}" 2>&1 | tee -a "$log" | indent
		rc=${PIPESTATUS[0]} ;;
	esac
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
