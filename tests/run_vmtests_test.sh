#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# run_vmtests.sh's emulated-host runner, without KVM or QEMU: a stand-in
# for scripts/emulated-host.sh (KTSTR_EMU_HOST) plays each test's fate
# from its name, and the runner must number, count, retry a wedged or
# dead host's test exactly once, fail it the second time, and never turn
# a hang into a pass. A wedge is a test's deadline passing, or the host's
# heartbeat file going stale.
#   pass_* ok   skip_* SKIP   fail_* not ok   wedge_* never answers
#   slow_* ok, its result line written in two parts 6 s apart
#   wedge_once_* / die_once_* never answers / host exits 125, first time only
set -u
here=$(cd "$(dirname "$0")/.." && pwd)
helpers=${KDIR:-$here/../../..}/tools/testing/selftests/kselftest/ktap_helpers.sh
if [ ! -r "$helpers" ]; then
	echo "TAP version 13"
	echo "1..0 # SKIP no kselftest ktap_helpers.sh (set KDIR to a kernel tree)"
	exit 4
fi
# shellcheck source=/dev/null
. "$helpers"

T=$(mktemp -d "${TMPDIR:-/tmp}/ktstr-rvt.XXXXXX")
trap 'rm -rf "$T"' EXIT
TESTS="pass_a pass_b skip_c fail_d wedge_e wedge_once_f die_once_g slow_h"
TESTS+=" wedge_once_i wedge_once_j wedge_once_k wedge_once_l perf_m"

# `ktstr list --long`: every test in "topo" (no host checks), watchdog 1 s;
# perf_* are performance-mode tests wanting a host of 1 LLC x 3 CPUs.
cat >"$T/ktstr" <<EOF
#!/bin/bash
for t in $TESTS; do
	shape=-; [[ \$t != perf_* ]] || shape=1x3
	printf '%-28s topo   1n1l2c1t      1s %-5s fake %s\n' \$t \$shape \$t
done
EOF
# The emulated host: runs the tests it is given, as run_vmtests.sh inside
# one would print them.
cat >"$T/host" <<'EOF'
#!/bin/bash
[ -z "${FAKE_BROKEN:-}" ] || { echo "# emulated-host: error: cannot boot"; exit 125; }
echo $$ >"$FAKE_STATE/host.pid"
echo "smp ${KTSTR_EMU_SMP:-1} hugepages ${KTSTR_EMU_HUGEPAGES:-0} want ${KTSTR_PERF_WANT_HUGEPAGES:-no}: $KTSTR_VMTESTS" >>"$FAKE_STATE/hosts"
k=$KTSTR_VMTESTS_FIRST
for e in $KTSTR_VMTESTS; do
	t=${e#*:}
	echo "$t $k" >"$KTSTR_EMU_HEARTBEAT_FILE"
	echo "# start $t"
	echo "# # output of $t"
	once=$FAKE_STATE/$t
	case $t in
	pass_*|perf_*) echo "ok $k $t" ;;
	slow_*) printf 'ok %s' $k; sleep 6; echo " $t" ;;
	skip_*) echo "ok $k $t # SKIP nothing to do" ;;
	fail_*) echo "not ok $k $t # exit=1" ;;
	wedge_once_*) [ -e $once ] && echo "ok $k $t" || { : >$once; exec sleep 30; } ;;
	wedge_*) exec sleep 30 ;;
	die_once_*) [ -e $once ] && echo "ok $k $t" || { : >$once; exit 125; } ;;
	esac
	k=$((k + 1))
done
EOF
chmod +x "$T/ktstr" "$T/host"

# run NAMES [ARGS...]: the runner's output in $out, its status in $rc.
run() {
	local names=$1
	shift
	rm -rf "$T/state"; mkdir "$T/state"
	out=$(KTSTR="$T/ktstr" KTSTR_EMU_HOST="$T/host" KTSTR_EMULATE=1 \
	      KTSTR_EMU_SLACK=${KTSTR_EMU_SLACK:-1} KTSTR_CACHE="$T/cache" FAKE_STATE="$T/state" \
	      timeout 60 "$here/run_vmtests.sh" -t topo -T "$names" -k /none "$@" 2>&1)
	rc=$?
}
has() { [[ $out == *"$1"* ]] || { echo "# missing: $1"; false; }; }
hasnt() { [[ $out != *"$1"* ]] || { echo "# unexpected: $1"; false; }; }
check() { # check DESCRIPTION CONDITION...: prints the output on failure
	local d=$1
	shift
	if "$@"; then ktap_test_pass "$d"
	else printf '%s\n' "$out" | sed 's/^/# | /'; ktap_test_fail "$d"
	fi
}

ktap_print_header
ktap_set_plan 15

run "pass_a skip_c pass_b"
check "results pass through, numbered and counted" \
	eval 'has "1..3" && has "ok 1 pass_a" && has "ok 2 skip_c # SKIP nothing to do" &&
	      has "ok 3 pass_b" && has "# Totals: pass:2 fail:0 xfail:0 xpass:0 skip:1" &&
	      has "# # output of pass_b" && [ $rc = 0 ]'

KTSTR_EMU_SLACK=20 run "slow_h pass_a"
check "a line that arrives in parts is read whole" \
	eval 'has "ok 1 slow_h" && has "ok 2 pass_a" && [ $rc = 0 ]'

run "pass_a fail_d"
check "a failing test fails the run" \
	eval 'has "not ok 2 fail_d # exit=1" && [ $rc = 1 ] && hasnt "runs once more"'

run "pass_a wedge_once_f pass_b"
check "a wedged host is replaced and its test runs once more, aloud" \
	eval 'has "no result from wedge_once_f in 2 s: the emulated KVM host wedged" &&
	      has "wedge_once_f runs once more in a fresh emulated host" &&
	      has "emulated KVM host 2 starts with wedge_once_f (2 test(s) left)" &&
	      has "ok 2 wedge_once_f" && has "ok 3 pass_b" && [ $rc = 0 ]'

run "wedge_e pass_b"
check "a test that wedges two hosts fails, and the rest still runs" \
	eval 'has "not ok 1 wedge_e # no result from wedge_e in 2 s: the emulated KVM host wedged (README), twice" &&
	      has "ok 2 pass_b" && has "pass:1 fail:1" && [ $rc = 1 ]'

KTSTR_EMU_SLACK=100 KTSTR_EMU_HEARTBEAT=2 run "pass_a wedge_once_f"
check "a host whose heartbeat stops is replaced before the test's deadline" \
	eval 'has "no sign of life from the emulated host for " &&
	      has "during wedge_once_f: it wedged (README); wedge_once_f runs once more" &&
	      has "ok 2 wedge_once_f" && [ $rc = 0 ]'

run "die_once_g pass_a"
check "a host that dies mid-test is replaced the same way" \
	eval 'has "the emulated KVM host stopped (exit 125) before a result; die_once_g runs once more" &&
	      has "ok 1 die_once_g" && has "ok 2 pass_a" && [ $rc = 0 ]'

FAKE_BROKEN=1 run "pass_a pass_b"
check "a host that never runs a test fails every test, without retries" \
	eval 'has "not ok 1 pass_a # not run: the emulated KVM host stopped (exit 125)" &&
	      has "not ok 2 pass_b # not run:" && hasnt "runs once more" && [ $rc = 1 ]'

run "wedge_once_f wedge_once_i wedge_once_j wedge_once_k wedge_once_l pass_a"
check "hosts are replaced as often as it takes: 5 wedges, 6 hosts, all pass" \
	eval 'has "emulated KVM host 6 starts with wedge_once_l" && has "ok 6 pass_a" &&
	      has "# ktstr: 6 emulated KVM host(s), 5 wedged" && has "pass:6 fail:0" && [ $rc = 0 ]'

# stop SIGNAL: the runner gets SIGNAL while its host runs a wedging test;
# it must end at once with 128 + SIGNAL, and take the host with it (after
# SIGKILL, through the host's parent-death signal: it may stay a zombie
# for a moment, until its new parent reaps it).
stop() {
	local sig=$1 pid i
	rm -rf "$T/state"; mkdir "$T/state"
	set -m	# a background job that is not deaf to SIGINT
	KTSTR="$T/ktstr" KTSTR_EMU_HOST="$T/host" KTSTR_EMULATE=1 KTSTR_EMU_SLACK=100 \
		KTSTR_CACHE="$T/cache" FAKE_STATE="$T/state" \
		"$here/run_vmtests.sh" -t topo -T "pass_a wedge_e" -k /none >"$T/out" 2>&1 &
	pid=$!
	set +m
	for i in $(seq 50); do
		grep -q "# start wedge_e" "$T/out" 2>/dev/null && break
		sleep 0.1
	done
	kill -"$sig" $pid
	for i in $(seq 50); do kill -0 $pid 2>/dev/null || break; sleep 0.1; done
	wait $pid 2>/dev/null; rc=$?
	out=$(<"$T/out")
	host=$(<"$T/state/host.pid")
	sleep 0.2
	for i in $(seq 20); do kill -0 "$host" 2>/dev/null || break; sleep 0.1; done
	! kill -0 "$host" 2>/dev/null || { echo "# the emulated host $host still runs"; kill "$host"; rc=0; }
}
stop KILL
check "SIGKILL of the runner takes its emulated host too (parent-death signal)" \
	eval '[ $rc = 137 ]'
stop TERM
check "SIGTERM stops the runner and its emulated host (exit 143)" \
	eval 'has "ok 1 pass_a" && has "stopped by signal 15" && [ $rc = 143 ]'
stop INT
check "SIGINT stops the runner and its emulated host (exit 130)" \
	eval 'has "stopped by signal 2" && [ $rc = 130 ]'

# The runner's reader goes away while a host runs: the next line it
# writes brings SIGPIPE, and the host must go with the runner.
rm -rf "$T/state"; mkdir "$T/state"
start=$SECONDS
KTSTR="$T/ktstr" KTSTR_EMU_HOST="$T/host" KTSTR_EMULATE=1 KTSTR_EMU_SLACK=100 \
	KTSTR_CACHE="$T/cache" FAKE_STATE="$T/state" \
	timeout 60 "$here/run_vmtests.sh" -t topo -T "pass_a wedge_e pass_b" -k /none 2>&1 |
	head -n 6 >"$T/out"	# up to "ok 1 pass_a"; "# start wedge_e" hits the pipe
rc=${PIPESTATUS[0]}
took=$((SECONDS - start))
out=$(<"$T/out")
host=$(<"$T/state/host.pid")
# TERMed, it may still be a zombie for a moment (kill -0 sees those),
# until its new parent reaps it: 2 s.
for _ in $(seq 20); do kill -0 "$host" 2>/dev/null || break; sleep 0.1; done
kill -0 "$host" 2>/dev/null && alive=yes || alive=no
out+=$'\n'"(exit $rc, $took s, host $host alive: $alive)"
check "a runner whose reader is gone (SIGPIPE) takes its emulated host with it" \
	eval 'has "ok 1 pass_a" && [ $rc = 141 ] && [ $took -lt 20 ] && [ $alive = no ]'

run "pass_a wedge_once_f fail_d" -n
check "plain output (-n) too" \
	eval 'has "PASS pass_a" && has "PASS wedge_once_f" && has "FAIL fail_d" &&
	      has "# # output of fail_d" && hasnt "# # output of pass_a" && [ $rc = 1 ]'

run "pass_a perf_m pass_b"
out+=$'\n'$(<"$T/state/hosts")
check "a performance-mode test runs in a host of its shape, after the 1-CPU one" \
	eval 'has "1 performance-mode test(s) in emulated hosts of 1 LLC(s) x 3 CPUs" &&
	      has "smp 1 hugepages 0 want no: topo:pass_a topo:pass_b" &&
	      has "smp 3,sockets=1,cores=3 hugepages 512 want 1: topo:perf_m" &&
	      has "ok 1 pass_a" && has "ok 2 pass_b" && has "ok 3 perf_m" && [ $rc = 0 ]'

ktap_finished
