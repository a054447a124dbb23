#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Boot benchmark, ktstr against QEMU microvm, in one run: the same kernel,
# the same initramfs (ktstr as /init running boot_pid1), 1 vCPU, 256 MiB.
# For each, N runs of: process start -> guest PID 1 (first byte on COM2)
# and process start -> result (process exit). Prints the medians, their
# ratio, the split of ktstr's time (VMM setup, kernel boot to PID 1, PID 1
# to result; QEMU's setup is inside its boot), and ktstr's own costs (time
# and CPU before the first KVM_RUN, peak RSS besides guest RAM).
#   bench/boot.sh [RUNS]        (make bench)
# Without usable KVM it re-runs itself in the emulated KVM host, like the
# VM suite; numbers there are ratios between two VMMs under the same
# emulation, not hardware timings.
set -u
here=$(cd "$(dirname "$0")/.." && pwd)
KTSTR=${KTSTR:-$here/ktstr}
RUNS=${1:-5}
CACHE=${KTSTR_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/ktstr}

die() { echo "bench: $*" >&2; exit 1; }
command -v qemu-system-x86_64 >/dev/null || die "qemu-system-x86_64 not found (apt-get install qemu-system-x86)"
[ -x "$KTSTR" ] || die "$KTSTR not built (make)"
KTSTR_KERNEL=${KTSTR_KERNEL:-$("$here/scripts/kernel.sh" default)} || exit 1
export KTSTR_KERNEL

if [ "${KTSTR_EMULATED_HOST:-}" != 1 ] &&
   { [ ! -w /dev/kvm ] || { [ ! -d /sys/module/kvm_amd ] && [ ! -d /sys/module/kvm_intel ]; }; }; then
	echo "# bench: no hardware KVM here: running inside the emulated KVM host"
	exec "$here/scripts/emulated-host.sh" --timeout 1800 --rw "$CACHE" \
		--rw "$(dirname "$(readlink -f "$KTSTR")")" -- "$0" "$@"
fi

tmp=$(mktemp -d "$CACHE/bench.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
ms() { echo $(( ${EPOCHREALTIME/./} / 1000 )); }
median() { sort -n | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }

# One ktstr run also leaves the initramfs it used in the cache.
"$KTSTR" run -t boot_pid1 --json "$tmp/warm.json" >/dev/null 2>&1 ||
	die "ktstr run -t boot_pid1 failed: run it by hand to see why"
initrd=$(ls -t "$CACHE"/initramfs/*.cpio.gz | head -n 1)
cmdline="console=ttyS0 reboot=k panic=-1 loglevel=4 rdinit=/init -- test boot_pid1 -"

for i in $(seq "$RUNS"); do
	t0=$(ms)
	"$KTSTR" run -t boot_pid1 --json "$tmp/k.json" >/dev/null 2>&1 || die "ktstr run $i failed"
	t1=$(ms)
	echo $((t1 - t0)) >>"$tmp/k.result"
	sed -n 's/.*"pid1_since_start_ms": \([0-9.]*\).*/\1/p' "$tmp/k.json" >>"$tmp/k.pid1"
	sed -n 's/.*"setup_ms": \([0-9.]*\).*/\1/p' "$tmp/k.json" >>"$tmp/k.setup"
	sed -n 's/.*"pid1_ms": \([0-9.]*\).*/\1/p' "$tmp/k.json" >>"$tmp/k.pid1v"
	sed -n 's/.*"vmm_rss": \([0-9]*\).*/\1/p' "$tmp/k.json" >>"$tmp/k.rss"
	sed -n 's/.*"cpu_before_run_ms": \([0-9.]*\).*/\1/p' "$tmp/k.json" >>"$tmp/k.cpu"

	: >"$tmp/com2"
	t0=$(ms)
	qemu-system-x86_64 -M microvm,acpi=on -enable-kvm -cpu host -smp 1 -m 256M \
		-nodefaults -no-user-config -display none -no-reboot \
		-kernel "$KTSTR_KERNEL" -initrd "$initrd" -append "$cmdline" \
		-chardev file,id=c1,path=/dev/null -device isa-serial,chardev=c1,index=0 \
		-chardev file,id=c2,path="$tmp/com2" -device isa-serial,chardev=c2,index=1 \
		</dev/null >"$tmp/qemu.out" 2>&1 &
	qpid=$! pid1=
	while kill -0 $qpid 2>/dev/null; do
		[ -n "$pid1" ] || { [ -s "$tmp/com2" ] && pid1=$(($(ms) - t0)); }
		sleep 0.002
	done
	wait $qpid
	t1=$(ms)
	grep -q 'verdict=PASS' "$tmp/com2" || { cat "$tmp/qemu.out" >&2; die "QEMU run $i: no PASS on COM2"; }
	echo $((t1 - t0)) >>"$tmp/q.result"
	echo "${pid1:-$((t1 - t0))}" >>"$tmp/q.pid1"
done

kp=$(median <"$tmp/k.pid1") kr=$(median <"$tmp/k.result")
qp=$(median <"$tmp/q.pid1") qr=$(median <"$tmp/q.result")
printf '# %d runs each, medians; kernel %s\n' "$RUNS" "$KTSTR_KERNEL"
printf '%-34s %10s %10s %8s\n' "" ktstr "qemu-microvm" ratio
printf '%-34s %8.0f ms %8.0f ms %8.2f\n' "process start -> guest PID 1" "$kp" "$qp" "$(echo "$kp / $qp" | bc -l)"
printf '%-34s %8.0f ms %8.0f ms %8.2f\n' "process start -> result" "$kr" "$qr" "$(echo "$kr / $qr" | bc -l)"
# ktstr's split, per run then the medians: process start -> VM ready to
# run (initramfs, VM setup), the guest kernel's boot (ready -> PID 1's
# first byte), PID 1 to the result (process exit). setup_ms and pid1_ms
# count from the VMM's start, pid1_since_start_ms from the process's.
# QEMU's setup and boot are one span here.
paste "$tmp/k.setup" "$tmp/k.pid1v" "$tmp/k.pid1" "$tmp/k.result" |
	awk '{print $3 - $2 + $1 > "'"$tmp"'/k.s1"; print $2 - $1 > "'"$tmp"'/k.s2"; print $4 - $3 > "'"$tmp"'/k.s3"}'
paste "$tmp/q.pid1" "$tmp/q.result" | awk '{print $2 - $1}' >"$tmp/q.s3"
printf '%-34s %8.1f ms %10s\n' "split: start -> VM ready" "$(median <"$tmp/k.s1")" "-"
printf '%-34s %8.1f ms %8.0f ms\n' "split: boot to PID 1 (QEMU +setup)" "$(median <"$tmp/k.s2")" "$qp"
printf '%-34s %8.1f ms %8.0f ms\n' "split: PID 1 to result" "$(median <"$tmp/k.s3")" "$(median <"$tmp/q.s3")"
printf '%-34s %8.1f ms\n' "ktstr: start -> VM ready to run" "$(median <"$tmp/k.setup")"
printf '%-34s %8.1f ms\n' "ktstr: CPU time before 1st KVM_RUN" "$(median <"$tmp/k.cpu")"
printf '%-34s %8.1f MiB\n' "ktstr: peak RSS besides guest RAM" "$(echo "$(median <"$tmp/k.rss") / 1048576" | bc -l)"
# A halt-only guest: KVM_RUN round trip per exit (real mode, 1000 OUTs, HLT).
"$here/tests/vm_smoke" 2>/dev/null | sed -n 's/^# KVM_RUN round trip: /KVM_RUN round trip (vm_smoke): /p'
