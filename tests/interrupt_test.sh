#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# run_vmtests.sh interrupted in the middle of a VM test (boot_hang, whose
# guest runs until its watchdog): SIGKILL, SIGTERM, then SIGINT. Each time
# nothing it started may be left: not one of the processes under it at
# the signal (the emulated host's script, its QEMU and relays, or, with
# KVM, ktstr), no emulated-host temp dir (named in QEMU's command line),
# no run_vmtests.sh temp file or heartbeat file. A SIGKILLed runner's
# heartbeat file can only go with the next run, which must remove it.
# First, emulated-host.sh itself gets SIGKILL once its QEMU runs: QEMU
# must die with it, and the temp dir it left must go with the next
# emulated host (the run_vmtests.sh one).
# (ktstr itself gets SIGKILL and SIGINT mid-test in the VM suite's
# interrupt_cleanup.) Left out with KTSTR_UNIT_ONLY=1: it boots VMs.
set -u
here=$(cd "$(dirname "$0")/.." && pwd)
helpers=${KDIR:-$here/../../..}/tools/testing/selftests/kselftest/ktap_helpers.sh
skip() { printf 'TAP version 13\n1..0 # SKIP %s\n' "$1"; exit 4; }
[ -r "$helpers" ] || skip "no kselftest ktap_helpers.sh (set KDIR to a kernel tree)"
[ "${KTSTR_UNIT_ONLY:-}" != 1 ] || skip "boots VMs (KTSTR_UNIT_ONLY=1)"
[ -x "${KTSTR:-$here/ktstr}" ] || skip "no ktstr built"
# shellcheck source=/dev/null
. "$helpers"

T=$(mktemp -d "${TMPDIR:-/tmp}/ktstr-intr.XXXXXX")
trap 'rm -rf "$T"' EXIT
cache=${KTSTR_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/ktstr}

tree() { # tree PID: its descendants, deepest first
	local c
	for c in $(pgrep -P "$1"); do tree "$c"; echo "$c"; done
}
alive() { # alive PID: running, not a zombie waiting for its new parent
	local s
	s=$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null) && [ "$s" != Z ]
}

# interrupt SIGNAL: runs run_vmtests.sh -T boot_hang, sends SIGNAL when
# the test starts, and sets $rc, $out and $left (what stayed, one a line).
interrupt() {
	local sig=$1 pid pids='' p dirs='' q
	set -m	# a background job that is not deaf to SIGINT
	"$here/run_vmtests.sh" -t boot -T boot_hang >"$T/out" 2>&1 &
	pid=$! runner=$!
	set +m
	for _ in $(seq 1 3000); do
		grep -q "^# start boot_hang" "$T/out" && break
		kill -0 $pid 2>/dev/null || break
		sleep 0.1
	done
	pids=$(tree $pid)
	for q in $pids; do
		dirs+=" $(tr '\0' '\n' </proc/"$q"/cmdline 2>/dev/null |
			  sed -n 's|^file,id=con,path=\(.*\)/console$|\1|p')"
	done
	kill -"$sig" $pid
	wait $pid 2>/dev/null
	rc=$?
	# The emulated host's own trap stops QEMU: 5 s at most.
	for _ in $(seq 50); do
		left=''
		for p in $pids; do ! alive "$p" || left+="process $p $(tr '\0' ' ' </proc/"$p"/cmdline)"$'\n'; done
		[ -n "$left" ] || break
		sleep 0.1
	done
	for p in $dirs; do [ ! -e "$p" ] || left+="temp dir $p"$'\n'; done
	for p in "$cache"/emu-heartbeat.$pid.* "${TMPDIR:-/tmp}"/ktstr-vmt.*; do
		[ ! -e "$p" ] || left+="file $p"$'\n'
	done
	out=$(cat "$T/out")
	out+=$'\n'"(signal $sig at the test's start, exit $rc; processes under it then: ${pids//$'\n'/ }; emulated-host temp dirs:$dirs)"
	[ -z "$left" ] || out+=$'\n'"left behind:"$'\n'"$left"
	[[ $out == *"# start boot_hang"* ]] || { out+=$'\n'"(the test never started)"; rc=0; }
}
check() { # check DESCRIPTION CONDITION...: prints the output on failure
	local d=$1
	shift
	if "$@"; then ktap_test_pass "$d"
	else printf '%s\n' "$out" | tail -n 30 | sed 's/^/# | /'; ktap_test_fail "$d"
	fi
}

ktap_print_header
ktap_set_plan 4

# SIGKILL of emulated-host.sh once its QEMU runs: $edir, the temp dir it
# leaves (named in QEMU's command line).
"$here/scripts/emulated-host.sh" --timeout 120 -- sleep 100 >/dev/null 2>&1 &
epid=$! qpid='' edir=''
for _ in $(seq 1 600); do
	qpid=$(pgrep -P $epid -f qemu-system) && break
	sleep 0.1
done
edir=$(tr '\0' '\n' </proc/"$qpid"/cmdline 2>/dev/null |
       sed -n 's|^file,id=con,path=\(.*\)/console$|\1|p')
{ kill -KILL $epid; wait $epid; } 2>/dev/null
for _ in $(seq 20); do ! alive "$qpid" && break; sleep 0.1; done
out="emulated-host.sh $epid, QEMU ${qpid:-not found}, temp dir ${edir:-unknown}"
alive "$qpid" && out+=", QEMU still runs" && kill -KILL "$qpid"
check "SIGKILL of emulated-host.sh: its QEMU goes too (parent-death signal)" \
	eval '[ -n "$qpid" ] && [ -n "$edir" ] && ! alive "$qpid"'

interrupt KILL
killed=$runner
[ -z "$edir" ] || [ ! -e "$edir" ] || left+="temp dir $edir (of the SIGKILLed emulated-host.sh)"$'\n'
check "SIGKILL mid-test: the emulated host and QEMU go too; a SIGKILLed one's temp dir is gone" \
	eval '[ $rc = 137 ] && [ -z "$(echo "$left" | grep -v "^file .*/emu-heartbeat\.")" ]'
interrupt TERM
check "SIGTERM mid-test: exit 143, nothing left (the SIGKILLed run's heartbeat file removed)" \
	eval '[ $rc = 143 ] && [ -z "$left" ] && ! ls "$cache"/emu-heartbeat.'"$killed"'.* >/dev/null 2>&1'
interrupt INT
check "SIGINT mid-test: exit 130, nothing left" eval '[ $rc = 130 ] && [ -z "$left" ]'
ktap_finished
