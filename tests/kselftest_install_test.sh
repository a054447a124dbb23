#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# ktstr run the way kselftest runs an installed suite: 'make install' into
# a collection directory, 'make emit_tests' as kselftest-list.txt, and the
# kernel tree's run_kselftest.sh with its runner.sh. Checks the list, the
# settings timeout the runner applies, the nesting of TAP, and how exit
# statuses become results, for a unit test and for run_vmtests.sh (one VM
# test, in an emulated KVM host where there is no KVM; left out with
# KTSTR_UNIT_ONLY=1).
set -u
here=$(cd "$(dirname "$0")/.." && pwd)
kdir=${KDIR:-$here/../../..}
ksft=$kdir/tools/testing/selftests
. "$ksft/kselftest/ktap_helpers.sh" 2>/dev/null || {
	printf 'TAP version 13\n1..0 # SKIP no kselftest ktap_helpers.sh (set KDIR to a kernel tree)\n'
	exit 4
}
[ -f "$here/Makefile" ] || {
	printf 'TAP version 13\n1..0 # SKIP not in the source tree (nothing to install from)\n'
	exit 4
}

# The installed suite runs its own binary and scripts, not the ones that
# 'make run_tests' exported for the tree's.
unset KTSTR
T=$(mktemp -d "${TMPDIR:-/tmp}/ktstr-ksft.XXXXXX")
trap 'rm -rf "$T"' EXIT
root=$T/kselftest
vm=1
[ "${KTSTR_UNIT_ONLY:-}" != 1 ] || vm=0

ktap_print_header
ktap_set_plan $((4 + vm * 2))

check() { # check DESCRIPTION CONDITION...: prints $out on failure
	local d=$1
	shift
	if "$@"; then ktap_test_pass "$d"
	else printf '%s\n' "$out" | tail -n 40 | sed 's/^/# | /'; ktap_test_fail "$d"
	fi
}
has() { [[ $out == *"$1"* ]] || { echo "# missing: $1"; false; }; }

# As tools/testing/selftests/Makefile's install does for a target.
make_vars=(KDIR="$kdir")
[ -z "${OUTPUT:-}" ] || make_vars+=(OUTPUT="$OUTPUT")
out=$(make -s -C "$here" "${make_vars[@]}" install INSTALL_PATH="$root/ktstr" 2>&1 &&
      make -s -C "$here" "${make_vars[@]}" emit_tests >"$root/kselftest-list.txt" 2>&1 &&
      cp "$ksft/run_kselftest.sh" "$root/" && mkdir "$root/kselftest" &&
      cp "$ksft"/kselftest/{runner.sh,prefix.pl,module.sh,ktap_helpers.sh} "$root/kselftest/" 2>&1)
rc=$?
out+=$'\n'$(cd "$root" && ./run_kselftest.sh -l 2>&1)
check "make install and emit_tests give run_kselftest.sh the suite" \
	eval '[ $rc = 0 ] && has "ktstr:run_vmtests.sh" && has "ktstr:tests/tap_test" &&
	      [ -x "$root/ktstr/run_vmtests.sh" ] && [ -x "$root/ktstr/ktstr" ] &&
	      [ -r "$root/ktstr/settings" ]'

# The runner must apply the settings file's timeout, not its 45 s default;
# and the bound must cover run_vmtests.sh's own suite deadline.
limit=$(sed -n 's/^timeout=//p' "$root/ktstr/settings")
suite=$(sed -n 's/.*KTSTR_EMU_TIMEOUT:-\([0-9]*\)}.*/\1/p' "$here/run_vmtests.sh" | head -n 1)
out=$(cd "$root" && ./run_kselftest.sh -s -t ktstr:tests/tap_test 2>&1; cat "$root/output.log")
check "the settings timeout ($limit s) is applied and covers the suite's deadline ($suite s) plus a kernel build" \
	eval '[ -n "$limit" ] && [ -n "$suite" ] && [ "$limit" -ge $((suite + 1500)) ] &&
	      has "# timeout set to $limit"'

out=$(cd "$root" && ./run_kselftest.sh -t ktstr:tests/tap_test 2>&1)
rc=$?
check "a unit test: one kselftest result, its own TAP nested as '# ' lines" \
	eval '[ $rc = 0 ] && has "ok 1 selftests: ktstr: tap_test" && has "# TAP version 13" &&
	      grep -qE "^# (# )?ok [0-9]+ " <<<"$out" && ! grep -q "^not ok" <<<"$out"'

# A failing program is "not ok ... # exit=N": an unknown test name makes
# run_vmtests.sh fail before any VM.
out=$(cd "$root" && KSELFTEST_RUN_VMTESTS_SH_ARGS="-T no_such_test" \
	./run_kselftest.sh -t ktstr:run_vmtests.sh 2>&1)
check "a failing program is 'not ok ... # exit=1'" \
	eval 'has "not ok 1 selftests: ktstr: run_vmtests.sh # exit=1" && has "no test '\''no_such_test'\''"'

[ $vm = 1 ] || ktap_finished

out=$(cd "$root" && KSELFTEST_RUN_VMTESTS_SH_ARGS="-T boot_pid1" \
	./run_kselftest.sh -t ktstr:run_vmtests.sh 2>&1)
check "run_vmtests.sh (boot_pid1 in a VM): ok, with the VM test's TAP nested" \
	eval 'has "ok 1 selftests: ktstr: run_vmtests.sh" && has "# ok 1 boot_pid1" &&
	      has "# 1..1" && ! grep -q "^not ok" <<<"$out"'

# A suite whose every test SKIPs exits 4 and kselftest says SKIP:
# perf_pmu_cycles has nothing to check off arm64 (performance-mode tests
# run for real in a sized emulated host now).
out=$(cd "$root" && KSELFTEST_RUN_VMTESTS_SH_ARGS="-T perf_pmu_cycles" \
	./run_kselftest.sh -t ktstr:run_vmtests.sh 2>&1)
if [[ $out == *"# ok 1 perf_pmu_cycles # SKIP"* ]]; then
	check "a skipped VM suite is 'ok ... # SKIP'" \
		has "ok 1 selftests: ktstr: run_vmtests.sh # SKIP"
else
	ktap_test_skip "a skipped VM suite is 'ok ... # SKIP' (perf_pmu_cycles ran: an arm64 host)"
fi
ktap_finished
