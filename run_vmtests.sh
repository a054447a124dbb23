#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Runs ktstr's VM test suite by category and reports kselftest TAP: one
# result line per test, each test booting its own VM.
#
#   run_vmtests.sh [-t "boot topo sched perf"] [-a] [-n] [-k KERNEL]
#	-t CATS   categories to run (default: all)
#	-a        all categories (the default)
#	-n        no TAP: plain "PASS name" lines
#	-k PATH   guest kernel (default: $KTSTR_KERNEL, the tree's, or 'make kernel')
#
# Without a usable /dev/kvm the suite re-runs itself inside an emulated KVM
# host (QEMU TCG, scripts/emulated-host.sh) and says so on its first line;
# with neither, it is skipped (exit 4). The exit status is 1 if any test
# failed, whatever came after; else 4 if everything was skipped; else 0.
set -u

here=$(cd "$(dirname "$0")" && pwd)
KTSTR=${KTSTR:-$here/ktstr}
ksft_pass=0 ksft_fail=1 ksft_skip=4
CATEGORIES="boot topo sched perf"
categories=$CATEGORIES
tap=1
kernel=${KTSTR_KERNEL:-}
args=("$@")

usage() { sed -n '5,11s/^# \?//p' "$0"; exit "${1:-0}"; }
while getopts "t:ank:h" opt; do
	case $opt in
	t) categories=$OPTARG ;;
	a) categories=$CATEGORIES ;;
	n) tap=0 ;;
	k) kernel=$OPTARG ;;
	h) usage 0 ;;
	*) usage 2 >&2 ;;
	esac
done
for c in $categories; do
	case " $CATEGORIES " in *" $c "*) ;; *)
		echo "run_vmtests.sh: unknown category '$c' (one of: $CATEGORIES)" >&2; exit 2 ;;
	esac
done

# A stock guest needs hardware-assisted KVM; kvm_pvm (a paravirtual KVM
# found on some cloud sandboxes) runs real-mode code but crawls through a
# kernel boot, so it counts as no KVM.
kvm_problem() {
	[ -e /dev/kvm ] || { echo "no /dev/kvm"; return; }
	[ -r /dev/kvm ] && [ -w /dev/kvm ] || { echo "/dev/kvm not accessible"; return; }
	case $(uname -m) in x86_64)
		[ -d /sys/module/kvm_intel ] || [ -d /sys/module/kvm_amd ] ||
			echo "/dev/kvm is not hardware KVM (no kvm_intel/kvm_amd; $(ls -d /sys/module/kvm_* 2>/dev/null | xargs -rn1 basename | tr '\n' ' '))"
	esac
}

[ -x "$KTSTR" ] || { echo "run_vmtests.sh: $KTSTR not built (make)" >&2; exit $ksft_fail; }
# The kernel is built (or found in the cache) here, never inside the
# emulated host, where a build would take hours.
if [ -z "$kernel" ]; then
	kernel=$(KDIR=${KDIR:-} "$here/scripts/kernel.sh" default) || exit $ksft_fail
fi
export KTSTR_KERNEL=$kernel

if [ "${KTSTR_EMULATED_HOST:-}" != 1 ]; then
	why=$(kvm_problem)
	[ "${KTSTR_EMULATE:-}" != 1 ] || why=${why:-KTSTR_EMULATE=1}
	if [ -n "$why" ]; then
		if ! command -v qemu-system-x86_64 >/dev/null; then
			echo "# ktstr: SKIP the VM suite: $why and no qemu-system-x86_64 for an emulated KVM host (apt-get install qemu-system-x86)"
			[ $tap = 0 ] || printf 'TAP version 13\n1..0 # SKIP %s\n' "$why"
			exit $ksft_skip
		fi
		echo "# ktstr: $why: running the VM suite inside an emulated KVM host (QEMU TCG, 1 CPU); timings are not meaningful"
		cache=${KTSTR_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/ktstr}
		mkdir -p "$cache"
		rws=(--rw "$cache" --rw "$(dirname "$(readlink -f "$KTSTR")")")
		exec "$here/scripts/emulated-host.sh" --timeout "${KTSTR_EMU_TIMEOUT:-3000}" \
			"${rws[@]}" -- "$here/run_vmtests.sh" "${args[@]}"
	fi
fi


# Tests of the selected categories, in `ktstr list` order.
names=()
while read -r name cat _; do
	case " $categories " in *" $cat "*) names+=("$cat:$name") ;; esac
done < <("$KTSTR" list)
[[ " $categories " != *" boot "* ]] ||
	names=("boot:vm_smoke" "boot:bad_kernel_path" "boot:shell_interactive" "boot:shell_tty"
	       "${names[@]}")
[[ " $categories " != *" sched "* ]] || names+=("sched:stats_cli")
[[ " $categories " != *" perf "* ]] || names+=("perf:no_skip_exit")

n=0 npass=0 nfail=0 nskip=0
[ $tap = 0 ] || printf 'TAP version 13\n1..%d\n' ${#names[@]}
[ $tap = 0 ] || [ "${KTSTR_EMULATED_HOST:-}" != 1 ] || echo "# running inside the emulated KVM host"

# Host-side checks that are not VM tests of the registry.
run_vm_smoke() { "$here/tests/vm_smoke"; }
run_bad_kernel_path() {
	local out rc
	out=$("$KTSTR" run -t boot_pid1 --kernel /etc/hostname 2>&1); rc=$?
	echo "$out"
	[ $rc = 1 ] && [ "$(echo "$out" | wc -l)" = 1 ] && [[ $out == *"not a bzImage"* ]]
}

# `ktstr shell` without CMD: typed lines run in the guest's shell, and the
# shell's exit status is ktstr's.
run_shell_interactive() {
	local out rc
	out=$(printf 'echo ktstr-$((6 * 7))\nexit 3\n' |
		timeout 600 "$KTSTR" shell --kernel "$kernel" --timeout 300 2>&1); rc=$?
	printf '%s\n' "$out" | tail -n 20
	echo "exit status $rc (want 3)"
	[ $rc = 3 ] && [[ $out == *ktstr-42* ]]
}

# The same on a terminal (a pty from script(1)): ktstr puts it in raw mode
# and the guest shell does the echo and line editing. In the emulated host a
# guest that never printed anything (not even its shell's banner) within
# the deadline is the known emulated-host hang (README): tried once more,
# and said so; the second try must pass on its own.
shell_tty_once() {
	local in
	in=$(mktemp)
	printf 'echo ktstr-$((6 * 7))\rexit 5\r' >"$in"
	out=$(timeout 300 script -qefc "'$KTSTR' shell --kernel '$kernel' --timeout 120" \
		/dev/null <"$in" 2>&1); rc=$?
	rm -f "$in"
}
run_shell_tty() {
	local out rc
	command -v script >/dev/null ||
		{ echo "# SKIP no script(1) for a pty (bsdutils)"; return 4; }
	shell_tty_once
	if [ $rc != 5 ] && [ "${KTSTR_EMULATED_HOST:-}" = 1 ] &&
	   [[ $out != *BusyBox* ]]; then
		printf '%s\n' "$out" | tail -n 5
		echo "retrying: the guest never started its shell (exit $rc): emulated-host hang"
		shell_tty_once
	fi
	printf '%s\n' "$out" | tail -n 20
	echo "exit status $rc (want 5)"
	[ $rc = 5 ] && [[ $out == *ktstr-42* ]]
}

# `ktstr stats` against a running test's --stats-sock: the host socket,
# port 2 and the guest relay carry a request to the built-in scheduler.
run_stats_cli() {
	local sock out="" rc=1 vrc pid i dir=/dev/shm
	# A local filesystem: a shared one (9p, virtiofs) refuses sockets.
	[ -d "$dir" ] && [ -w "$dir" ] || dir=${TMPDIR:-/tmp}
	sock=$(mktemp -u "$dir/ktstr-stats.XXXXXX")
	"$KTSTR" run -t stats_builtin --kernel "$kernel" --stats-sock "$sock" \
		>"$sock.log" 2>&1 &
	pid=$!
	for i in $(seq 1 1200); do
		out=$("$KTSTR" stats --sock "$sock" --timeout 20 stats 2>&1) && { rc=0; break; }
		kill -0 $pid 2>/dev/null || break
		sleep 0.5
	done
	wait $pid; vrc=$?
	tail -n 5 "$sock.log"; rm -f "$sock.log"
	echo "ktstr stats: exit $rc: $out"
	[ $rc = 0 ] && [ $vrc = 0 ] && [[ $out == *'"ops":"ktstr_fifo"'* ]] &&
		[[ $out == *'"dispatched":'* ]] && [ ! -e "$sock" ]
}

# KTSTR_NO_SKIP_MODE=1 end to end: a refused performance-mode run exits 1,
# TAP "not ok", naming PerfModeUnavailable; nothing to prove where the host
# can do it.
run_no_skip_exit() {
	local out rc
	out=$(KTSTR_NO_SKIP_MODE=1 "$KTSTR" run -t perf_mode_isolated --kernel "$kernel" 2>&1); rc=$?
	echo "$out"
	if [ $rc = 0 ] && [[ $out == *"ok 1 perf_mode_isolated"* ]]; then
		echo "# SKIP host can honour performance mode; nothing to prove"; return 4
	fi
	if [[ $out == *ResourceContention* ]]; then
		echo "# SKIP an LLC is busy: the host can honour performance mode; nothing to prove"; return 4
	fi
	[ $rc = 1 ] && [[ $out == *"not ok 1 perf_mode_isolated"* ]] && [[ $out == *PerfModeUnavailable* ]]
}

report() { # report NAME RC OUTPUT
	local name=$1 rc=$2 out=$3 reason
	n=$((n + 1))
	if [ $tap = 1 ]; then
		printf '%s\n' "$out" | sed -e 's/^/# /'
	elif [ $rc != 0 ]; then
		printf '%s\n' "$out" | tail -n 40
	fi
	case $rc in
	0) npass=$((npass + 1)); [ $tap = 1 ] && echo "ok $n $name" || echo "PASS $name" ;;
	4) nskip=$((nskip + 1))
	   reason=$(printf '%s\n' "$out" | sed -n 's/.*# SKIP //p' | head -n 1)
	   [ $tap = 1 ] && echo "ok $n $name # SKIP $reason" || echo "SKIP $name: $reason" ;;
	*) nfail=$((nfail + 1))
	   [ $tap = 1 ] && echo "not ok $n $name # exit=$rc" || echo "FAIL $name (exit $rc)" ;;
	esac
}

for entry in "${names[@]}"; do
	name=${entry#*:}
	case $name in
	vm_smoke) out=$(run_vm_smoke 2>&1); rc=$? ;;
	bad_kernel_path) out=$(run_bad_kernel_path 2>&1); rc=$? ;;
	shell_interactive) out=$(run_shell_interactive 2>&1); rc=$? ;;
	shell_tty) out=$(run_shell_tty 2>&1); rc=$? ;;
	stats_cli) out=$(run_stats_cli 2>&1); rc=$? ;;
	no_skip_exit) out=$(run_no_skip_exit 2>&1); rc=$? ;;
	*) out=$("$KTSTR" run -t "$name" --kernel "$kernel" 2>&1); rc=$? ;;
	esac
	report "$name" $rc "$out"
done
# From the counts, so a later skip never hides an earlier failure.
if [ $nfail -gt 0 ]; then status=$ksft_fail
elif [ $npass = 0 ] && [ $nskip -gt 0 ]; then status=$ksft_skip
else status=$ksft_pass
fi
echo "# Totals: pass:$npass fail:$nfail xfail:0 xpass:0 skip:$nskip error:0"
exit $status
