#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# emulated-host-arm64.sh [--timeout SECS] [--file PATH]... -- CMD [ARGS...]
#
# Runs CMD inside an *emulated arm64 KVM host* on a machine without one:
# QEMU TCG (-M virt,virtualization=on,gic-version=3 -cpu max) boots
# Debian's arm64 kernel (KVM built in, VHE), whose busybox initramfs
# carries each --file at /work/<basename> (a static arm64 ktstr, the arm64
# guest Image). CMD runs in /work with PATH=/work:/bin; its output comes
# back on the console. Exit status: CMD's, 124 when --timeout fires, 125
# when the emulated host fails. Own messages are "# " lines on stderr.
# Env: KTSTR_EMU_SMP (1), KTSTR_EMU_MEM (2G); the Debian packages are
# fetched once into ~/.cache/ktstr/emulated-arm64 (scripts/setup.sh with
# ARCH=aarch64 installs qemu-system-arm).
set -euo pipefail

say() { printf '# emulated-host-arm64: %s\n' "$*" >&2; }
die() { say "error: $*"; exit 125; }

SMP=${KTSTR_EMU_SMP:-1}
MEM=${KTSTR_EMU_MEM:-2G}
TIMEOUT=600 FILES=()
while [ $# -gt 0 ]; do
	case $1 in
	--timeout|--file) [ $# -ge 2 ] || die "$1 needs a value" ;;&
	--timeout) TIMEOUT=$2; shift 2 ;;
	--file) FILES+=("$2"); shift 2 ;;
	--) shift; break ;;
	*) die "unknown option '$1'; usage: ${0##*/} [--timeout SECS] [--file PATH]... -- CMD [ARGS...]" ;;
	esac
done
[ $# -gt 0 ] || die "no command given (put it after --)"
[[ $SMP =~ ^[1-9][0-9]*$ ]] || die "bad KTSTR_EMU_SMP '$SMP'"
[[ $MEM =~ ^[1-9][0-9]*[MG]$ ]] || die "bad KTSTR_EMU_MEM '$MEM'"
[[ $TIMEOUT =~ ^[1-9][0-9]*$ ]] || die "bad --timeout '$TIMEOUT'"
for f in "${FILES[@]}"; do [ -f "$f" ] || die "--file: '$f' not found"; done
command -v qemu-system-aarch64 >/dev/null ||
	die "qemu-system-aarch64 not found; install qemu-system-arm (bookworm-backports)"
command -v cpio >/dev/null || die "cpio not found; install cpio"

# ---- Debian's arm64 kernel and busybox, fetched once (dpkg multiarch)
CACHE=${XDG_CACHE_HOME:-$HOME/.cache}/ktstr/emulated-arm64
mkdir -p "$CACHE"
fetch() {
	local pkg=$1 dir=$2
	[ -d "$CACHE/$dir" ] && return
	dpkg --print-foreign-architectures | grep -qx arm64 ||
		die "dpkg has no arm64 architecture: dpkg --add-architecture arm64 && apt-get update"
	(cd "$CACHE" && apt-get download "$pkg:arm64" >/dev/null 2>&1) ||
		die "apt-get download $pkg:arm64 failed"
	dpkg-deb -x "$CACHE/${pkg}"_*_arm64.deb "$CACHE/$dir.tmp" &&
		mv "$CACHE/$dir.tmp" "$CACHE/$dir"
}
KPKG=$(apt-cache depends linux-image-arm64:arm64 2>/dev/null |
       sed -n 's/.*Depends: \(linux-image-[0-9].*-arm64\):arm64/\1/p' | head -1)
[ -n "$KPKG" ] || [ -d "$CACHE/kimg" ] || die "no linux-image-arm64:arm64 in apt's lists (apt-get update)"
fetch "$KPKG" kimg
fetch busybox-static bb
KIMG=$(ls "$CACHE"/kimg/boot/vmlinuz-* | sort -V | tail -1)

# ---- initramfs: busybox, the files, CMD in /init
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
R=$W/root
mkdir -p "$R"/bin "$R"/work "$R"/dev "$R"/proc "$R"/sys "$R"/tmp
cp "$CACHE/bb/bin/busybox" "$R/bin/busybox"
for f in "${FILES[@]}"; do cp "$f" "$R/work/"; done
printf '%s\n' "$*" >"$R/cmd"
cat >"$R/init" <<'EOI'
#!/bin/busybox sh
/bin/busybox mount -t devtmpfs dev /dev
/bin/busybox --install -s /bin
export PATH=/work:/bin HOME=/tmp
mount -t proc none /proc; mount -t sysfs none /sys; mount -t tmpfs none /tmp
mkdir -p /sys/fs/cgroup; mount -t cgroup2 none /sys/fs/cgroup
echo "EMU-INIT uptime $(cut -d' ' -f1 /proc/uptime) kvm $([ -e /dev/kvm ] && echo yes || echo no)"
cd /work
sh -c "$(cat /cmd)" </dev/null 2>&1
echo "EMU-EXIT $?"
poweroff -f
EOI
chmod +x "$R/init"
(cd "$R" && find . | cpio -o -H newc 2>/dev/null | gzip -1) >"$W/initrd.gz"

# ---- run; the exit line carries CMD's status
t0=$SECONDS
set +e
timeout "$TIMEOUT" qemu-system-aarch64 -M virt,virtualization=on,gic-version=3 \
	-cpu max -smp "$SMP" -m "$MEM" -nographic -no-reboot \
	-kernel "$KIMG" -initrd "$W/initrd.gz" \
	-append 'console=ttyAMA0 quiet loglevel=4 panic=-1' </dev/null | tee "$W/console"
qrc=${PIPESTATUS[0]}
set -e
say "QEMU ran $((SECONDS - t0)) s"
[ "$qrc" != 124 ] || { say "timeout after $TIMEOUT s"; exit 124; }
rc=$(sed -n 's/^EMU-EXIT \([0-9]*\).*/\1/p' "$W/console" | tail -1)
[ -n "$rc" ] || die "the emulated host ended without running the command (QEMU status $qrc)"
exit "$rc"
