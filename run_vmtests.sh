#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Runs ktstr's VM test suite by category and reports kselftest TAP: one
# result line per test, each test booting its own VM.
#
#   run_vmtests.sh [-t "boot topo sched perf"] [-T "NAME..."] [-i "NAME..."] [-a] [-n] [-k KERNEL]
#	-t CATS   categories to run (default: all)
#	-T NAMES  only these tests (of the selected categories)
#	-i NAMES  these tests too, of any category
#	          (NAMES: separated by spaces or commas)
#	-a        all categories (the default)
#	-n        no TAP: plain "PASS name" lines
#	-k PATH   guest kernel (default: $KTSTR_KERNEL, the tree's, or 'make kernel')
#
# The guest's architecture is ktstr's (KTSTR: the binary under test); a
# cross-built one (make ARCH=arm64 CROSS_COMPILE=aarch64-linux-gnu-) runs
# in emulated KVM hosts of its architecture, as does every build without a
# usable /dev/kvm (QEMU TCG, scripts/emulated-host.sh); the run says so on
# its first line. Without QEMU either, the suite is skipped (exit 4). There, each test has a deadline (its
# watchdog plus a margin) and the host a heartbeat: an emulated host that
# lets either lapse has wedged (README); it is replaced by a fresh one,
# where that test runs once more, said in the diagnostics; a second wedge
# on it is a failure, and the rest still run. The exit status is 1 if any
# test failed, whatever came after; else 4 if everything was skipped;
# else 0. SIGINT/SIGTERM stop the run, its VMs and emulated hosts with it.
set -u

here=$(cd "$(dirname "$0")" && pwd)
KTSTR=${KTSTR:-$here/ktstr}
export KTSTR
ksft_pass=0 ksft_fail=1 ksft_skip=4
CATEGORIES="boot topo sched perf"
categories=$CATEGORIES
tap=1
kernel=${KTSTR_KERNEL:-}
emulate=0
only=

usage() { sed -n '7,14s/^# \?//p' "$0"; exit "${1:-0}"; }
also=
while getopts "t:T:i:ank:h" opt; do
	case $opt in
	t) categories=$OPTARG ;;
	T) only=${OPTARG//,/ } ;;
	i) also=${OPTARG//,/ } ;;
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

. "$here/scripts/lib.sh"
# The guest's architecture is ktstr's.
arch=$(ktstr_elf_arch "$KTSTR")
[ "$arch" != script ] || arch=$(uname -m)
case $arch in
x86_64) qemu_pkg=qemu-system-x86 ;;
aarch64) qemu_pkg=qemu-system-arm ;;
*) echo "run_vmtests.sh: $KTSTR is not an x86_64 or aarch64 ELF executable" >&2; exit $ksft_fail ;;
esac
foreign=0
[ "$arch" = "$(uname -m)" ] || foreign=1
if [ $foreign = 1 ] && [ "${KTSTR_EMULATED_HOST:-}" = 1 ]; then
	echo "run_vmtests.sh: $KTSTR is an $arch binary, this emulated host is $(uname -m)" >&2
	exit $ksft_fail
fi
export KTSTR_EMU_ARCH=$arch

# Tests of the selected categories, in `ktstr list` order, and each one's
# watchdog; or, inside an emulated host, the share of them it was given.
declare -A watchdog hostshape
names=()
# A cross-built ktstr lists its tests in an emulated host of its own
# architecture, once per binary (the list is cached by its hash).
list_tests() {
	local cache f
	if [ $foreign = 0 ]; then
		"$KTSTR" list --long
		return
	fi
	cache=${KTSTR_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/ktstr}
	f=$cache/test-list.$(sha256sum <"$KTSTR" | cut -c1-16)
	if [ ! -s "$f" ]; then
		mkdir -p "$cache"
		(ktstr_pdeath TERM "${KTSTR_EMU_HOST:-$here/scripts/emulated-host.sh}" --timeout 600 \
			--rw "$(dirname "$(readlink -f "$KTSTR")")" -- "$KTSTR" list --long) >"$f.$$" &&
			[ -s "$f.$$" ] || { rm -f "$f.$$"; return 1; }
		find "$cache" -maxdepth 1 -name 'test-list.*' ! -name "${f##*/}.$$" -delete
		mv "$f.$$" "$f"
	fi
	cat "$f"
}
list=$(list_tests) ||
	{ echo "run_vmtests.sh: cannot list the tests of $KTSTR ($arch)" >&2; exit $ksft_fail; }
all=()
while read -r name cat _ wd shape _; do
	watchdog[$name]=${wd%s}
	# LxC: a performance-mode test's host, L LLCs of C CPUs (ktstr list).
	[[ ! $shape =~ ^[1-9][0-9]*x[1-9][0-9]*$ ]] || hostshape[$name]=$shape
	all+=("$cat:$name")
	case " $categories " in *" $cat "*) names+=("$cat:$name") ;; esac
done <<<"$list"
[[ " $categories " != *" boot "* ]] ||
	names=("boot:vm_smoke" "boot:bad_kernel_path" "boot:shell_interactive" "boot:shell_tty"
	       "boot:shell_distro_kernel" "boot:interrupt_cleanup" "boot:results_compare"
	       "${names[@]}")
[[ " $categories " != *" sched "* ]] || names+=("sched:stats_cli" "sched:shell_scheduler")
[[ " $categories " != *" perf "* ]] || names+=("perf:no_skip_exit" "perf:perf_contention")
hostshape[perf_contention]=${hostshape[perf_mode_isolated]:-}
if [ -n "$only" ]; then
	sel=()
	for want in $only; do
		for entry in "${names[@]}"; do [ "${entry#*:}" != "$want" ] || sel+=("$entry"); done
		[[ " ${sel[*]} " == *":$want "* ]] ||
			{ echo "run_vmtests.sh: no test '$want' in categories '$categories' (see ktstr list)" >&2; exit $ksft_fail; }
	done
	names=("${sel[@]}")
fi
for want in $also; do
	found=
	for entry in "${all[@]}"; do [ "${entry#*:}" != "$want" ] || found=$entry; done
	[ -n "$found" ] ||
		{ echo "run_vmtests.sh: no test '$want' (see ktstr list)" >&2; exit $ksft_fail; }
	[[ " ${names[*]} " == *" $found "* ]] || names+=("$found")
done
# The kernel is built (or found in the cache) here, never inside the
# emulated host, where a build would take hours.
if [ -z "$kernel" ]; then
	kernel=$(KDIR=${KDIR:-} ARCH=$arch "$here/scripts/kernel.sh" default) || exit $ksft_fail
fi
export KTSTR_KERNEL=$kernel

if [ "${KTSTR_EMULATED_HOST:-}" != 1 ]; then
	if [ $foreign = 1 ]; then
		why="an $arch ktstr on an $(uname -m) host"
	else
		why=$(kvm_problem)
	fi
	[ "${KTSTR_EMULATE:-}" != 1 ] || why=${why:-KTSTR_EMULATE=1}
	if [ -n "$why" ]; then
		if [ -z "${KTSTR_EMU_HOST:-}" ] && ! command -v "qemu-system-$arch" >/dev/null; then
			echo "# ktstr: SKIP the VM suite: $why and no qemu-system-$arch for an emulated KVM host (apt-get install $qemu_pkg)"
			[ $tap = 0 ] || printf 'TAP version 13\n1..0 # SKIP %s\n' "$why"
			exit $ksft_skip
		fi
		echo "# ktstr: $why: running the VM suite inside emulated $arch KVM hosts (QEMU TCG, 1 CPU); timings are not meaningful"
		emulate=1
	fi
fi

share=0
if [ -n "${KTSTR_VMTESTS:-}" ]; then
	read -ra names <<<"$KTSTR_VMTESTS"
	share=1 tap=1
fi

n=0 npass=0 nfail=0 nskip=0
[ $share = 0 ] || n=$((${KTSTR_VMTESTS_FIRST:-1} - 1))
[ $tap = 0 ] || [ $share = 1 ] || printf 'TAP version 13\n1..%d\n' ${#names[@]}

# Host-side checks that are not VM tests of the registry: raw KVM first
# (tests/vm_smoke, built beside ktstr).
run_vm_smoke() { "$(dirname "$KTSTR")/tests/vm_smoke"; }
# A file that is no kernel (and, on aarch64, an x86 kernel) is refused in
# one line naming it.
run_bad_kernel_path() {
	local out rc f=$here/run_vmtests.sh want="not a bzImage"
	[ "$arch" = x86_64 ] || want="no arm64 Image magic"
	out=$("$KTSTR" run -t boot_pid1 --kernel "$f" 2>&1); rc=$?
	echo "$out"
	[ $rc = 1 ] && [ "$(echo "$out" | wc -l)" = 1 ] && [[ $out == *"$want"* ]] && [[ $out == *$f* ]]
}

# `ktstr shell` without CMD: typed lines run in the guest's shell, and the
# shell's exit status is ktstr's; the guest has the --topo's 2 CPUs.
run_shell_interactive() {
	local out rc
	out=$(printf 'echo ktstr-$((6 * 7)) cpus=$(nproc)\nexit 3\n' |
		timeout 600 "$KTSTR" shell --kernel "$kernel" --topo 1n1l2c1t --timeout 300 2>&1); rc=$?
	printf '%s\n' "$out" | tail -n 20
	echo "exit status $rc (want 3)"
	[ $rc = 3 ] && [[ $out == *"ktstr-42 cpus=2"* ]]
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

# `ktstr shell` on the newest Debian kernel in /boot (an emulated host's
# own): its virtio_mmio and virtio_console are modules, which ktstr packs
# from /lib/modules/VERSION and PID 1 loads; the command's output and exit
# status come back as with ktstr's own kernel.
run_shell_distro_kernel() {
	local out err rc k
	[ "$arch" = x86_64 ] ||
		{ echo "# SKIP distribution kernels: x86_64 only (an arm64 Image names no version)"; return 4; }
	k=$(ls /boot/vmlinuz-*-amd64 2>/dev/null | sort -V | tail -n 1)
	[ -n "$k" ] || { echo "# SKIP no Debian kernel in /boot (vmlinuz-*-amd64)"; return 4; }
	err=$(mktemp)
	out=$(timeout 300 "$KTSTR" shell --kernel "$k" --topo 1n1l2c1t --timeout 240 \
		-- nproc 2>"$err"); rc=$?
	tail -n 20 "$err"; rm -f "$err"
	out=$(printf '%s' "$out" | tr -d '\r')
	echo "$k: output '$out', exit status $rc (want '2', 0)"
	[ $rc = 0 ] && [ "$out" = 2 ]
}

# `ktstr run --results DIR --repeat 2`: a result file per run; `ktstr stats
# compare` of the directory against itself finds no regression (exit 0),
# and a truncated file is a one-line error naming it (exit 1).
run_results_compare() {
	local d out rc n
	d=$(mktemp -d "${TMPDIR:-/tmp}/ktstr-results.XXXXXX")
	"$KTSTR" run --results "$d/base" --repeat 2 -t boot_pid1 --kernel "$kernel" 2>&1 | tail -n 3
	n=$(ls "$d/base" | grep -c '^boot_pid1\.[12]\.json$')
	out=$("$KTSTR" stats compare "$d/base" "$d/base" 2>&1); rc=$?
	printf '%s\n' "$out"
	echo "$n result file(s) (want 2), compare exit $rc (want 0)"
	[ "$n" = 2 ] && [ $rc = 0 ] && [[ $out == *"# 0 regressed"* ]] || { rm -rf "$d"; return 1; }
	mkdir "$d/cand" && head -c 100 "$d/base/boot_pid1.1.json" >"$d/cand/boot_pid1.1.json"
	out=$("$KTSTR" stats compare "$d/base" "$d/cand" 2>&1); rc=$?
	rm -rf "$d"
	echo "truncated: exit $rc (want 1): $out"
	[ $rc = 1 ] && [ "$(echo "$out" | wc -l)" = 1 ] && [[ $out == *"boot_pid1.1.json: not valid JSON"* ]]
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

# `ktstr shell --scheduler`: the command runs with the built-in FIFO, then
# with the scx_simple binary packed as /scheduler (when built), enabled;
# each stopped after.
run_shell_scheduler() {
	local s ops out rc ok=0 dir scheds=(fifo:ktstr_fifo)
	dir=$(dirname "$(readlink -f "$KTSTR")")
	for s in "$dir/sched/build/scx_simple" "$dir/scx_simple"; do
		[ ! -x "$s" ] || { scheds+=("$s:simple"); break; }
	done
	[ ${#scheds[@]} = 2 ] || echo "no scx_simple beside $KTSTR: the built-in FIFO only"
	for s in "${scheds[@]}"; do
		ops=${s##*:}
		out=$(timeout 400 "$KTSTR" shell --kernel "$kernel" --topo 1n1l2c1t --timeout 300 \
			--scheduler "${s%:*}" -- cat /sys/kernel/sched_ext/state \
			/sys/kernel/sched_ext/root/ops 2>&1); rc=$?
		printf '%s\n' "$out"
		echo "exit status $rc (want 0)"
		out=$(printf '%s\n' "$out" | tr -d '\r')
		[ $rc = 0 ] && grep -qx enabled <<<"$out" && grep -qx "$ops" <<<"$out" &&
			grep -q "enabled as $ops " <<<"$out" && grep -q "$ops stopped" <<<"$out" ||
			ok=1
	done
	return $ok
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

# What a run may leave behind: ktstr processes, ktstr cgroups, held LLC
# locks, the hugepage pool's free and reserved counts.
perf_leftovers() {
	local f held=0 hp=/sys/kernel/mm/hugepages/hugepages-2048kB
	for f in "${KTSTR_LOCK_DIR:-/run/ktstr}"/llc-*.lock; do
		[ ! -e "$f" ] || flock -n "$f" true || held=$((held + 1))
	done
	echo "processes $(pgrep -c -x ktstr) cgroups $(find /sys/fs/cgroup -maxdepth 2 -name 'ktstr-*' 2>/dev/null | wc -l) locks-held $held hugepages $(cat $hp/free_hugepages 2>/dev/null)/$(cat $hp/resv_hugepages 2>/dev/null)"
}

# Two performance-mode runs wanting the same host LLC: while the first one
# holds it (stopped with SIGSTOP, so the window is certain), the second
# SKIPs with ResourceContention, and FAILs so under KTSTR_NO_SKIP_MODE=1;
# neither leaves anything behind. Needs a host that can honour it.
run_perf_contention() {
	local f l pid i rc out first before after ok=0
	local lockdir=${KTSTR_LOCK_DIR:-/run/ktstr}
	f=$(mktemp)
	before=$(perf_leftovers)
	"$KTSTR" run -t perf_mode_isolated --kernel "$kernel" >"$f" 2>&1 &
	pid=$!
	for i in $(seq 1 1200); do
		# It writes its PID into a lock once it holds it; a probe
		# with flock(1) could take the lock from under it.
		for l in "$lockdir"/llc-*.lock; do
			[ "$(cat "$l" 2>/dev/null)" != "$pid" ] || break 2
		done
		kill -0 $pid 2>/dev/null || break
		sleep 0.1
	done
	if ! kill -0 $pid 2>/dev/null; then
		wait $pid
		first=$(<"$f"); rm -f "$f"
		echo "$first"
		[[ $first != *PerfModeUnavailable* ]] ||
			{ echo "# SKIP performance mode unavailable on this host"; return 4; }
		echo "the first run ended before it held an LLC lock"
		return 1
	fi
	kill -STOP $pid
	echo "first run (pid $pid) holds its LLC lock: stopped"
	out=$("$KTSTR" run -t perf_mode_isolated --kernel "$kernel" 2>&1); rc=$?
	echo "$out" | sed 's/^/second: /'
	[ $rc = 4 ] && [[ $out == *"ok 1 perf_mode_isolated # SKIP ResourceContention"* ]] ||
		{ echo "second run: exit $rc, want 4, a ResourceContention SKIP"; ok=1; }
	out=$(KTSTR_NO_SKIP_MODE=1 "$KTSTR" run -t perf_mode_isolated --kernel "$kernel" 2>&1); rc=$?
	echo "$out" | sed 's/^/no-skip: /'
	[ $rc = 1 ] && [[ $out == *"not ok 1 perf_mode_isolated"* ]] &&
		[[ $out == *"ResourceContention: LLC"* ]] ||
		{ echo "no-skip run: exit $rc, want a ResourceContention FAIL"; ok=1; }
	kill -CONT $pid
	wait $pid; rc=$?
	first=$(<"$f"); rm -f "$f"
	echo "$first" | sed 's/^/first: /'
	[ $rc = 0 ] && [[ $first == *"ok 1 perf_mode_isolated"* ]] ||
		{ echo "first run: exit $rc, want it to pass after the others"; ok=1; }
	after=$(perf_leftovers)
	echo "before: $before"
	echo "after:  $after"
	[ "$before" = "$after" ] || { echo "something was left behind"; ok=1; }
	return $ok
}

# What an interrupted ktstr run could leave behind, one sorted line each:
# its processes (any whose command line names DIR, the runs' own dir), the
# budget cpusets (ktstr-PID-vcpus), temp files (*.tmp.PID: --json,
# initramfs cache), lock files, sockets and ktstr's temp dirs and files.
# Not all the cache: in the emulated host it is a 9p share holding kernel
# trees, which find would crawl for minutes.
leftovers() { # leftovers DIR
	local cache=${KTSTR_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/ktstr} p
	for p in $(pgrep -f -- "$1"); do
		[ "$p" = "$BASHPID" ] || echo "process $p $(tr '\0' ' ' </proc/"$p"/cmdline 2>/dev/null)"
	done
	# No find -printf: busybox's (the arm64 emulated host) lacks it.
	{
		find /sys/fs/cgroup -maxdepth 8 -type d -name 'ktstr-*' | sed 's/^/cgroup /'
		find "$1" "$cache" /tmp /dev/shm /run \
			-maxdepth 2 -xdev -name '*.tmp.*' | sed 's/^/temp /'
		find "$1" "$cache" /tmp /dev/shm /run \
			-maxdepth 2 -xdev -name '*.lock' | sed 's/^/lock /'
		find "$1" /tmp /dev/shm /run -maxdepth 3 -xdev -type s | sed 's/^/socket /'
		find /tmp /dev/shm -maxdepth 1 -name 'ktstr*' | sed 's/^/tempdir /'
		find "$1" -mindepth 1 | sed 's/^/file /'
	} 2>/dev/null
}
# SIGKILL, then SIGINT, of `ktstr run --json F --stats-sock S --cpu-cap 1`
# while its VM runs (boot_hang: until its watchdog). After the SIGKILL,
# nothing of it runs and F does not exist (what it left, the cpuset, F's
# temp file and S, is printed); the SIGINTed run, given the same F and S,
# removes those, exits 130 with the test after it not run, and leaves F
# valid JSON and nothing else: the leftovers are those from before.
interrupt_once() { # interrupt_once SIGNAL TESTS...: $pid, $irc, $iout
	local sig=$1 i old
	shift
	old=$(stat -c %i "$sock" 2>/dev/null)
	"$KTSTR" run "${@/#/-t}" --kernel "$kernel" --cpu-cap 1 --json "$json" \
		--stats-sock "$sock" >"$dir/log" 2>&1 &
	pid=$!
	# The socket is the VM's: made afresh when it starts (replacing one
	# a killed run left), removed when it ends.
	for i in $(seq 1 1200); do
		[ ! -S "$sock" ] || [ "$(stat -c %i "$sock")" = "$old" ] || break
		kill -0 $pid 2>/dev/null || break
		sleep 0.1
	done
	if [ -S "$sock" ] && [ "$(stat -c %i "$sock")" != "$old" ]; then
		sleep 1
		echo "$sig to ktstr run $pid with its VM running"
	else
		echo "ktstr run $pid never started its VM"
	fi
	kill -"$sig" $pid
	wait $pid 2>/dev/null; irc=$?
	iout=$(<"$dir/log")
	rm -f "$dir/log"
	printf '%s\n' "$iout" | tail -n 8
	echo "exit status $irc"
}
run_interrupt_cleanup() {
	local dir json sock before after pid irc iout ok=0 d=/dev/shm
	[ -d "$d" ] && [ -w "$d" ] || d=${TMPDIR:-/tmp}
	dir=$(mktemp -d "$d/ktstr-intr.XXXXXX")
	json=$dir/out.json sock=$dir/stats.sock
	before=$(leftovers "$dir" | sort -u)
	interrupt_once KILL boot_hang
	after=$(leftovers "$dir" | sort -u)
	echo "left by the SIGKILLed run (removed by the next):"
	comm -13 <(echo "$before") <(echo "$after") | sed 's/^/  /'
	[ $irc = 137 ] && [ ! -e "$json" ] && ! kill -0 $pid 2>/dev/null || ok=1
	interrupt_once INT boot_hang boot_pid1
	[ $irc = 130 ] && [[ $iout == *"ok 2 boot_pid1 # SKIP not run"* ]] || ok=1
	# Whole: valid, and ending with what ktstr writes last.
	if command -v python3 >/dev/null; then
		python3 -c 'import json, sys; assert json.load(open(sys.argv[1]))["interrupted"] == "SIGINT"' \
			"$json" || { echo "$json: not valid JSON, or no \"interrupted\": \"SIGINT\""; ok=1; }
	else	# the arm64 emulated host: no python
		[[ $(<"$json") == '{"kernel": '*'"interrupted": "SIGINT"}' ]] ||
			{ echo "$json looks truncated"; ok=1; }
	fi
	rm -f "$json"
	after=$(leftovers "$dir" | sort -u)
	if [ "$before" != "$after" ]; then
		echo "left behind:"
		diff <(echo "$before") <(echo "$after") | sed -n 's/^[<>]/  &/p'
		ok=1
	fi
	rmdir "$dir"
	return $ok
}

# SIGHUP/SIGINT/SIGPIPE/SIGTERM: the running check (and the VM it runs), or
# the emulated host (and its QEMU), goes first, then the runner, with 128 +
# the signal. SIGPIPE too: a runner whose reader died must not leave them.
kill_tree() { # kill_tree PID: the process and its descendants, deepest first
	local c
	for c in $(pgrep -P "$1" 2>/dev/null); do kill_tree "$c"; done
	kill -TERM "$1" 2>/dev/null
}
on_signal() { # on_signal SIGNUM
	local p
	trap - INT TERM HUP PIPE
	for p in ${child:-} ${hpid:-} ${hbpid:-}; do kill_tree "$p"; done
	wait 2>/dev/null
	rm -f -- ${bgout:+"$bgout"} ${hb:+"$hb"}
	# Our reader may be gone (SIGPIPE, SIGHUP): say it last.
	echo "# ktstr: run_vmtests.sh stopped by signal $1" 2>/dev/null
	exit $((128 + $1))
}
child='' hpid='' hbpid='' bgout='' hb=''
trap 'on_signal 1' HUP
trap 'on_signal 2' INT
trap 'on_signal 13' PIPE
trap 'on_signal 15' TERM
trap '[ -z "$hbpid" ] || kill "$hbpid" 2>/dev/null' EXIT

# One result line; RC 0 pass, 4 skip (REASON), else fail (REASON or exit=RC).
result() { # result NAME RC [REASON]
	local name=$1 rc=$2 reason=${3:-}
	n=$((n + 1))
	case $rc in
	0) npass=$((npass + 1)); [ $tap = 1 ] && echo "ok $n $name" || echo "PASS $name" ;;
	4) nskip=$((nskip + 1))
	   [ $tap = 1 ] && echo "ok $n $name # SKIP $reason" || echo "SKIP $name: $reason" ;;
	*) nfail=$((nfail + 1)); reason=${reason:-exit=$rc}
	   [ $tap = 1 ] && echo "not ok $n $name # $reason" || echo "FAIL $name ($reason)" ;;
	esac
}

report() { # report NAME RC OUTPUT
	local name=$1 rc=$2 out=$3
	if [ $tap = 1 ]; then
		printf '%s\n' "$out" | sed -e 's/^/# /'
	elif [ $rc != 0 ]; then
		printf '%s\n' "$out" | tail -n 40
	fi
	result "$name" "$rc" "$([ "$rc" != 4 ] || printf '%s\n' "$out" | sed -n 's/.*# SKIP //p' | head -n 1)"
}

heartbeat() {
	local i=0
	exec >/dev/null 2>&1
	while echo $((i += 1)) >"$1"; do sleep 2; done
}

# Runs one check in the background, so that a signal reaches its trap at
# once (bash defers traps while a foreground command runs).
run_bg() { # run_bg FUNCTION [ARGS]: its output in $out, its status in $rc
	bgout=$(mktemp "${TMPDIR:-/tmp}/ktstr-vmt.XXXXXX")
	"$@" >"$bgout" 2>&1 &
	child=$!
	wait $child; rc=$?
	child=
	out=$(<"$bgout")
	rm -f "$bgout"
	bgout=''
}

run_here() {
	local entry name out rc
	# Inside an emulated host: a sign of life the runner outside watches,
	# a counter on a shared directory, written every 2 s. At SCHED_FIFO 99
	# it runs ahead of any vCPU thread, however busy the guests.
	if [ $share = 1 ] && [ -n "${KTSTR_EMU_HEARTBEAT_FILE:-}" ]; then
		heartbeat "$KTSTR_EMU_HEARTBEAT_FILE" &
		hbpid=$!
		chrt -f -p 99 $hbpid >/dev/null 2>&1 || renice -n -20 -p $hbpid >/dev/null 2>&1
	fi
	for entry in "${names[@]}"; do
		name=${entry#*:}
		# Inside an emulated host: the suite's runner outside starts
		# this test's deadline.
		[ $share = 0 ] || echo "# start $name"
		case $name in
		vm_smoke|bad_kernel_path|shell_interactive|shell_tty|stats_cli|\
		shell_scheduler|no_skip_exit|perf_contention|shell_distro_kernel|interrupt_cleanup|\
		results_compare)
			run_bg "run_$name" ;;
		*) run_bg "$KTSTR" run -t "$name" --kernel "$kernel" ;;
		esac
		report "$name" $rc "$out"
	done
}

# ---- The suite in emulated KVM hosts.
# An emulated host counts as wedged when its heartbeat (run_here: a counter
# rewritten every 2 s at SCHED_FIFO 99) has not changed for
# KTSTR_EMU_HEARTBEAT (90 s) of our own clock: the whole host stopped, as a
# wedge does.
# Independently, a test must give a result within its own bounds (its
# watchdog, or the host check's timeouts) plus KTSTR_EMU_SLACK (150 s) for
# the host side, and a host must start a test within 300 s of its boot
# (two tries of 120 s) or of the previous result.
EMU_IDLE=300
EMU_SLACK=${KTSTR_EMU_SLACK:-150}
EMU_HEARTBEAT=${KTSTR_EMU_HEARTBEAT:-90}
[[ $EMU_SLACK =~ ^-?[0-9]+$ ]] || { echo "run_vmtests.sh: bad KTSTR_EMU_SLACK '$EMU_SLACK'" >&2; exit $ksft_fail; }
[[ $EMU_HEARTBEAT =~ ^[1-9][0-9]*$ ]] || { echo "run_vmtests.sh: bad KTSTR_EMU_HEARTBEAT '$EMU_HEARTBEAT'" >&2; exit $ksft_fail; }
test_limit() {
	local base
	case $1 in
	vm_smoke|bad_kernel_path) base=150 ;;
	shell_interactive|shell_tty|shell_scheduler) base=600 ;;
	shell_distro_kernel) base=300 ;;
	interrupt_cleanup) base=300 ;;
	stats_cli) base=${watchdog[stats_builtin]:-60} ;;
	results_compare) base=$((2 * ${watchdog[boot_pid1]:-60})) ;;
	no_skip_exit) base=${watchdog[perf_mode_isolated]:-60} ;;
	perf_contention) base=$((2 * ${watchdog[perf_mode_isolated]:-60})) ;;
	*) base=${watchdog[$1]:-60} ;;
	esac
	echo $((base + EMU_SLACK > 1 ? base + EMU_SLACK : 1))
}

# Passes a line of an emulated host's output on: a result through result(),
# which counts it (the host numbers from KTSTR_VMTESTS_FIRST, as we do).
emu_line() {
	local re='^(not )?ok [0-9]+ ([^ ]+)( # (.*))?$' rc=0 reason
	if [[ ! $1 =~ $re ]]; then
		if [ $tap = 1 ]; then
			printf '%s\n' "$1"
		else
			tailbuf+=("$1")
			[ ${#tailbuf[@]} -le 40 ] || tailbuf=("${tailbuf[@]:1}")
		fi
		return
	fi
	reason=${BASH_REMATCH[4]}
	if [ -n "${BASH_REMATCH[1]}" ]; then
		rc=1
		[ $tap = 1 ] || printf '%s\n' "${tailbuf[@]}"
	elif [[ $reason == SKIP* ]]; then
		rc=4 reason=${reason#SKIP}
		reason=${reason# }
	fi
	tailbuf=()
	result "${BASH_REMATCH[2]}" $rc "$reason"
}

# Runs the tests left in emulated hosts, one after another, until the
# suite's deadline: a host that wedges is replaced, as often as it takes,
# and the test it was running gets one more try.
# KTSTR_EMU_HOST replaces scripts/emulated-host.sh (tests/run_vmtests_test.sh).
run_emulated() {
	local cache rws retried=" " hosts=0 wedges=0 started fd line cur left
	local deadline rc why partial t age=0 hbv hbseen maxgap ntests
	cache=${KTSTR_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/ktstr}
	mkdir -p "$cache"
	# The heartbeat files of runners that were SIGKILLed (no trap ran).
	for line in "$cache"/emu-heartbeat.*.*; do
		t=${line#"$cache"/emu-heartbeat.}
		t=${t%%.*}
		[[ $t =~ ^[0-9]+$ ]] && [ "$t" != $$ ] || continue
		kill -0 "$t" 2>/dev/null || [ -d "/proc/$t" ] || rm -f "$line"
	done
	rws=(--rw "$cache" --rw "$(dirname "$(readlink -f "$KTSTR")")")
	# An emulated host of another architecture cannot see the host root:
	# this script and the kernel (under the cache) come in as shares too.
	[ $foreign = 0 ] || rws+=(--rw "$here")
	pending=("$@") tailbuf=()
	while [ ${#pending[@]} -gt 0 ]; do
		left=$((suite_end - EPOCHSECONDS))
		if [ $left -le 0 ]; then
			for line in "${pending[@]}"; do
				result "${line#*:}" 1 "not run: the suite's deadline (KTSTR_EMU_TIMEOUT=${KTSTR_EMU_TIMEOUT:-3000} s) passed"
			done
			break
		fi
		hosts=$((hosts + 1))
		[ $hosts = 1 ] || echo "# ktstr: emulated KVM host $hosts starts with ${pending[0]#*:} (${#pending[@]} test(s) left)"
		hb=$cache/emu-heartbeat.$$.$hosts
		rm -f "$hb"
		exec {fd}< <(export "${emu_env[@]}"
			KTSTR_EMU_HEARTBEAT_FILE=$hb KTSTR_VMTESTS="${pending[*]}" \
			KTSTR_VMTESTS_FIRST=$((n + 1)) \
			ktstr_pdeath TERM "${KTSTR_EMU_HOST:-$here/scripts/emulated-host.sh}" --timeout "$left" "${rws[@]}" \
			-- "$here/run_vmtests.sh" -k "$kernel" 2>&1)
		hpid=$!
		cur='' started=0 why='' partial='' ntests=0
		deadline=$((EPOCHSECONDS + EMU_IDLE))
		# The heartbeat's value, and when (our clock) it last changed;
		# the host's own clock is never compared with ours.
		hbv='' hbseen=$EPOCHSECONDS maxgap=0
		while :; do
			[ $EPOCHSECONDS -lt $deadline ] || { why=deadline; break; }
			line=''
			[ ! -r "$hb" ] || read -r line <"$hb"
			if [ -n "$line" ] && [ "$line" != "$hbv" ]; then
				hbv=$line hbseen=$EPOCHSECONDS
			fi
			# Until the first beat, the host is booting: EMU_IDLE.
			if [ -n "$hbv" ]; then
				age=$((EPOCHSECONDS - hbseen))
				[ $age -le $maxgap ] || maxgap=$age
				[ $age -lt $EMU_HEARTBEAT ] || { why=silent; break; }
			fi
			t=$((deadline - EPOCHSECONDS))
			[ $t -le 2 ] || t=2
			# A timeout keeps what it read of a line for the next read.
			IFS= read -r -t "$t" -u "$fd" line
			rc=$?
			if [ $rc != 0 ]; then
				partial+=$line
				[ $rc -gt 128 ] && continue
				[ -z "$partial" ] || emu_handle "$partial"
				break
			fi
			emu_handle "$partial$line"
			partial=''
		done
		[ -z "$why" ] || kill_tree "$hpid"
		exec {fd}<&-
		wait "$hpid"; rc=$?
		hpid=''
		rm -f "$hb"
		hb=''
		echo "# ktstr: emulated KVM host $hosts: $ntests result(s), longest heartbeat gap ${maxgap} s${why:+, wedged}"
		[ -z "$why" ] || wedges=$((wedges + 1))
		[ ${#pending[@]} -gt 0 ] || break
		case $why in
		deadline)
			why="no result from ${cur:-the emulated host} in $([ -n "$cur" ] && test_limit "$cur" || echo $EMU_IDLE) s: the emulated KVM host wedged (README)" ;;
		silent)
			why="no sign of life from the emulated host for $age s${cur:+ during $cur}: it wedged (README)" ;;
		*)	why="the emulated KVM host stopped (exit $rc) before a result" ;;
		esac
		if [ $started = 0 ]; then
			# It never ran a test: a broken emulated host, not a wedge.
			for line in "${pending[@]}"; do result "${line#*:}" 1 "not run: $why"; done
			break
		elif [ -z "$cur" ]; then
			echo "# ktstr: $why, between tests; a fresh one runs the rest"
		elif [[ $retried == *" $cur "* ]]; then
			result "$cur" 1 "$why, twice"
			pending=("${pending[@]:1}")
		else
			echo "# ktstr: $why; $cur runs once more in a fresh emulated host"
			retried+="$cur "
		fi
	done
	echo "# ktstr: $hosts emulated KVM host(s), $wedges wedged"
}

# One line from an emulated host: a test starts (its deadline), or ends.
emu_handle() {
	case $1 in
	"# start "*)
		cur=${1#"# start "} started=1
		deadline=$((EPOCHSECONDS + $(test_limit "$cur"))) ;;
	"ok "*|"not ok "*)
		cur='' ntests=$((ntests + 1))
		pending=("${pending[@]:1}")
		deadline=$((EPOCHSECONDS + EMU_IDLE)) ;;
	esac
	emu_line "$1"
}

# The tests by emulated host shape, each group in the order its first test
# was selected: the 1-CPU host, or for a performance-mode test its shape LxC
# (ktstr list --long): a host of L sockets (an x86 socket is an LLC) of C CPUs with
# 1 GiB of hugepages, where performance mode can be planned and checked
# for real. arm64's emulated host describes no shared caches to plan on:
# its performance-mode tests stay in the 1-CPU host (PerfModeUnavailable).
run_emulated_groups() {
	local entry shape l c order=() emu_env
	declare -A group
	for entry in "${names[@]}"; do
		shape=${hostshape[${entry#*:}]:-1}
		[ "$arch" = x86_64 ] && [ -z "${KTSTR_EMU_SMP:-}" ] || shape=1
		[ -n "${group[$shape]:-}" ] || order+=("$shape")
		group[$shape]+="$entry "
	done
	suite_end=$((EPOCHSECONDS + ${KTSTR_EMU_TIMEOUT:-3000}))
	for shape in "${order[@]}"; do
		emu_env=(KTSTR_EMU_UNUSED=)
		if [ "$shape" != 1 ]; then
			l=${shape%x*} c=${shape#*x}
			emu_env=(KTSTR_EMU_SMP="$((l * c)),sockets=$l,cores=$c"
				 KTSTR_EMU_HUGEPAGES=512 KTSTR_PERF_WANT_HUGEPAGES=1)
			echo "# ktstr: $(wc -w <<<"${group[$shape]}") performance-mode test(s) in emulated hosts of $l LLC(s) x $c CPUs, 512 hugepages"
		fi
		# shellcheck disable=SC2086 # the group's names, by spaces
		run_emulated ${group[$shape]}
	done
}

if [ $emulate = 1 ]; then
	run_emulated_groups
else
	run_here
fi
[ $share = 0 ] || exit 0
# From the counts, so a later skip never hides an earlier failure.
if [ $nfail -gt 0 ]; then status=$ksft_fail
elif [ $npass = 0 ] && [ $nskip -gt 0 ]; then status=$ksft_skip
else status=$ksft_pass
fi
echo "# Totals: pass:$npass fail:$nfail xfail:0 xpass:0 skip:$nskip error:0"
exit $status
