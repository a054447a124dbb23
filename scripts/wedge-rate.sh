#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# wedge-rate.sh [-m MINUTES] [-T "TEST..."] [-o LOG]
#
# Measures how often the emulated KVM host wedges: runs the given VM tests
# (default: the multi-vCPU ones that wedged QEMU 7.2) through
# run_vmtests.sh in emulated hosts, again and again, until MINUTES (60)
# have passed, and counts the hosts the runner declared wedged (its
# "# ktstr: N emulated KVM host(s), W wedged" line). KTSTR_EMU_QEMU picks
# the QEMU, KTSTR_EMU_KVM_AMD the emulated host's kvm_amd parameters
# (scripts/emulated-host.sh): run two side by side to compare. Prints:
#   wedge-rate: QEMU VERSION, kvm_amd 'PARAMS': W wedge(s) in H h of emulated hosts (R/h); ...
# and keeps every round's output in LOG.
set -u
. "$(dirname "$0")/lib.sh"

minutes=60
tests="topo_1n2l4c2t sched_numa_spread sched_steady_llc sched_toggle_fifo"
log=
while getopts "m:T:o:h" opt; do
	case $opt in
	m) minutes=$OPTARG ;;
	T) tests=$OPTARG ;;
	o) log=$OPTARG ;;
	h) sed -n '4,15s/^# \?//p' "$0"; exit 0 ;;
	*) exit 2 ;;
	esac
done
[[ $minutes =~ ^[1-9][0-9]*$ ]] || die "bad -m '$minutes' (whole minutes)"
[ -n "$log" ] || log=$(mktemp "${TMPDIR:-/tmp}/wedge-rate.XXXXXX")
qemu=${KTSTR_EMU_QEMU:-qemu-system-x86_64}
version=$("$qemu" --version 2>/dev/null | head -n 1 | sed 's/.*version \([^ ]*\).*/\1/')
[ -n "$version" ] || die "cannot run $qemu --version"

end=$((SECONDS + minutes * 60))
hosts=0 wedges=0 runs=0 failed=0 round=0
: >"$log"
while [ $SECONDS -lt $end ]; do
	round=$((round + 1))
	out=$(KTSTR_EMULATE=1 "$KTSTR_ROOT/run_vmtests.sh" -T "$tests" 2>&1)
	printf '### round %d\n%s\n' $round "$out" >>"$log"
	line=$(grep -E '^# ktstr: [0-9]+ emulated KVM host\(s\), [0-9]+ wedged' <<<"$out" | tail -n 1)
	[ -n "$line" ] || die "round $round: no summary line from run_vmtests.sh (log: $log)"
	! grep -q '# not run: the emulated KVM host stopped' <<<"$out" ||
		die "round $round: the emulated host does not start with $qemu (log: $log)"
	read -r h w < <(sed -E 's/^# ktstr: ([0-9]+) .*, ([0-9]+) wedged.*/\1 \2/' <<<"$line")
	hosts=$((hosts + h)) wedges=$((wedges + w))
	runs=$((runs + $(grep -cE '^(not )?ok [0-9]+ ' <<<"$out")))
	failed=$((failed + $(grep -cE '^not ok [0-9]+ ' <<<"$out")))
done
hours=$(awk -v s=$SECONDS 'BEGIN { printf "%.2f", s / 3600 }')
printf 'wedge-rate: QEMU %s, kvm_amd '"'%s'"': %d wedge(s) in %s h of emulated hosts (%s/h); %d hosts, %d test runs, %d failed; log %s\n' \
	"$version" "${KTSTR_EMU_KVM_AMD:-}" $wedges "$hours" "$(awk -v w=$wedges -v h="$hours" 'BEGIN { printf "%.1f", w / h }')" \
	$hosts $runs $failed "$log"
