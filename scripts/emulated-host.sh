#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# emulated-host.sh [--arch ARCH] [--timeout SECS] [--rw DIR]... [--mem SIZE] [--smp N] [-v]
#                  -- CMD [ARGS...]
#
# Runs CMD where /dev/kvm is missing (CI, containers) inside an *emulated KVM
# host*: QEMU TCG with -cpu max boots a Debian kernel with KVM, whose
# initramfs mounts the --rw dirs (default: the cwd) read-write over
# virtio-9p, at the same paths, and runs CMD there. CMD gets the caller's
# cwd, uid and environment plus KTSTR_EMULATED_HOST=1, stdin /dev/null;
# stdout and stderr come back separately. /tmp, /run and /dev/shm are fresh
# tmpfs. Exit status: CMD's, 124 when --timeout fires, 125 when the emulated
# host fails. Own messages are "# " lines (TAP comments) on stderr.
#
# --arch x86_64 (default): the host's own kernel (kvm_amd nested, AMD SVM +
#   NPT from -cpu max), with the host root mounted read-only and chrooted
#   into, so CMD sees the host's programs.
# --arch aarch64: QEMU -M virt,virtualization=on,gic-version=3 boots
#   Debian's arm64 kernel (KVM built in: VHE, vGICv3, PSCI, pvtime); CMD runs
#   in an arm64 userland of busybox, bash and script(1) from Debian's arm64
#   packages, fetched once (dpkg multiarch; scripts/setup.sh prepares it),
#   so CMD and what it runs from the --rw dirs must be arm64 programs.
# --smp N, or QEMU's "N,sockets=S,cores=C": an x86 socket is one LLC, so
#   "6,sockets=2,cores=3" is a host of 2 LLCs of 3 CPUs for performance mode.
# --hugepages N: N 2 MiB hugepages reserved at the emulated host's boot.
# Env: KTSTR_EMU_ARCH (--arch), KTSTR_EMU_SMP (1), KTSTR_EMU_MEM (4G),
# KTSTR_EMU_HUGEPAGES (0),
# KTSTR_EMU_BOOT_TIMEOUT (120 s), KTSTR_EMU_QEMU (the QEMU to run),
# KTSTR_EMU_KVM_AMD ("param=value ..." for kvm_amd, e.g. "vgif=0 avic=0",
# to test what the emulated host's wedges depend on; x86_64 only).
set -euo pipefail

. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
say() { printf '# emulated-host: %s\n' "$*" >&2; }
die() { say "error: $*"; exit 125; }
trap 'exit 130' INT; trap 'exit 143' TERM HUP	# runs the EXIT trap

# Default 1 vCPU: with 2+, QEMU 7.2 TCG now and then wedges when the emulated
# host live-patches code another vCPU runs (static keys of KVM VM creation).
ARCH=${KTSTR_EMU_ARCH:-x86_64}
SMP=${KTSTR_EMU_SMP:-1}
MEM=${KTSTR_EMU_MEM:-4G}
HUGEPAGES=${KTSTR_EMU_HUGEPAGES:-0}
BOOT_TIMEOUT=${KTSTR_EMU_BOOT_TIMEOUT:-120}
TIMEOUT=0 VERBOSE=0 RWS=()
USAGE="${0##*/} [--arch ARCH] [--timeout SECS] [--rw DIR]... [--mem SIZE] [--smp N] [--hugepages N] [-v] -- CMD [ARGS...]"
while [ $# -gt 0 ]; do
	case $1 in
	--arch|--timeout|--rw|--mem|--smp|--hugepages) [ $# -ge 2 ] || die "$1 needs a value" ;;&
	--arch) ARCH=$2; shift 2 ;;
	--timeout) TIMEOUT=$2; shift 2 ;;
	--rw) RWS+=("$2"); shift 2 ;;
	--mem) MEM=$2; shift 2 ;;
	--smp) SMP=$2; shift 2 ;;
	--hugepages) HUGEPAGES=$2; shift 2 ;;
	-v) VERBOSE=1; shift ;;
	--) shift; break ;;
	*) die "unknown option '$1'; usage: $USAGE" ;;
	esac
done
case $ARCH in
x86|x86_64|amd64) ARCH=x86_64 ;;
arm64|aarch64) ARCH=aarch64 ;;
*) die "bad --arch/KTSTR_EMU_ARCH '$ARCH' (x86_64 or aarch64)" ;;
esac
[ $# -gt 0 ] || die "no command given (put it after --)"
[[ $SMP =~ ^[1-9][0-9]*(,(sockets|cores|threads)=[1-9][0-9]*)*$ ]] || die "bad --smp/KTSTR_EMU_SMP '$SMP'"
[[ $HUGEPAGES =~ ^[0-9]+$ ]] || die "bad --hugepages/KTSTR_EMU_HUGEPAGES '$HUGEPAGES'"
[[ $MEM =~ ^[1-9][0-9]*[KMGT]?$ ]] || die "bad --mem/KTSTR_EMU_MEM '$MEM'"
[[ $TIMEOUT =~ ^[0-9]+$ ]] || die "bad --timeout '$TIMEOUT'"
[[ $BOOT_TIMEOUT =~ ^[1-9][0-9]*$ ]] || die "bad KTSTR_EMU_BOOT_TIMEOUT '$BOOT_TIMEOUT'"
[ "${KTSTR_EMULATED_HOST:-}" != 1 ] || die "already inside an emulated host"
[ ${#RWS[@]} -gt 0 ] || RWS=("$PWD")
RW=()
for d in "${RWS[@]}"; do
	r=$(cd -- "$d" 2>/dev/null && pwd -P) || die "--rw: '$d' is not a directory"
	case $r in
	*,*|*$'\n'*) die "--rw: '$r' contains a comma or newline" ;;
	/|/proc|/proc/*|/sys|/sys/*|/dev|/dev/*) die "--rw: '$r' cannot be shared" ;;
	esac
	RW+=("$r")
done
# Sorted, a directory mounts before the --rw directories inside it.
mapfile -t RW < <(printf '%s\n' "${RW[@]}" | LC_ALL=C sort -u)

# ---- prerequisites: a missing piece names its Debian package
CACHE_ROOT=${XDG_CACHE_HOME:-$HOME/.cache}/ktstr
MODPROBE=$(command -v modprobe || echo /sbin/modprobe)
command -v cpio >/dev/null || die "cpio not found; install cpio"
[ -x "$MODPROBE" ] || die "modprobe not found; install kmod"
# The modules for the output ports and the 9p shares.
WANT=(virtio_pci virtio_console 9pnet_virtio 9p)

# x86_64: the newest kernel of /boot with the modules for /dev/kvm too.
host_kernel_x86_64() {
	QEMU=${KTSTR_EMU_QEMU:-qemu-system-x86_64} QPKG=qemu-system-x86
	BUSYBOX=/bin/busybox
	case $(LC_ALL=C ldd $BUSYBOX 2>&1 || true) in
	*'not a dynamic executable'*|*'statically linked'*) ;;
	*) die "no static $BUSYBOX; install busybox-static" ;;
	esac
	KVER=
	for k in $(find /boot -maxdepth 1 -name 'vmlinuz-*' | sort -rV); do
		KVER=${k#/boot/vmlinuz-}
		MODS=$("$MODPROBE" -S "$KVER" -a --show-depends kvm-amd "${WANT[@]}" 2>/dev/null) && break
		KVER=
	done
	[ -n "$KVER" ] || die "no /boot/vmlinuz-* with a kvm-amd module; install linux-image-amd64"
	KIMG=/boot/vmlinuz-$KVER KCONFIG=/boot/config-$KVER USERLAND=
}

# aarch64: Debian's arm64 kernel, busybox and bash (+ its libraries and
# script(1)), fetched once with apt-get download into emulated-arm64/.
ARM64_CACHE=$CACHE_ROOT/emulated-arm64
ARM64_USERLAND="busybox-static bash libc6 libtinfo6 bsdutils"
fetch_arm64() { # fetch_arm64 PKG DIR: PKG:arm64 unpacked into DIR
	local pkg=$1 dir=$ARM64_CACHE/$2 deb
	[ ! -e "$dir/.$pkg" ] || return 0
	dpkg --print-foreign-architectures | grep -qx arm64 ||
		die "dpkg has no arm64 architecture: run scripts/setup.sh (or dpkg --add-architecture arm64 && apt-get update)"
	rm -f "$ARM64_CACHE/${pkg}"_*_arm64.deb
	(cd "$ARM64_CACHE" && apt-get download -q "$pkg:arm64" >/dev/null 2>&1) ||
		die "apt-get download $pkg:arm64 failed (apt-get update?)"
	deb=$(ls "$ARM64_CACHE/${pkg}"_*_arm64.deb)
	mkdir -p "$dir"
	dpkg-deb -x "$deb" "$dir" || die "cannot unpack $deb"
	rm -f "$deb"
	touch "$dir/.$pkg"
}
host_kernel_aarch64() {
	local kpkg p
	QEMU=${KTSTR_EMU_QEMU:-qemu-system-aarch64} QPKG=qemu-system-arm
	mkdir -p "$ARM64_CACHE"
	exec {lockfd}>"$ARM64_CACHE/.lock"
	flock "$lockfd"
	if ! ls "$ARM64_CACHE"/kimg/boot/vmlinuz-* >/dev/null 2>&1; then
		kpkg=$(apt-cache depends linux-image-arm64:arm64 2>/dev/null |
		       sed -n 's/.*Depends: \(linux-image-[0-9].*-arm64\):arm64/\1/p' | head -n 1)
		[ -n "$kpkg" ] || die "no linux-image-arm64:arm64 in apt's lists: run scripts/setup.sh"
		rm -rf "$ARM64_CACHE/kimg"
		fetch_arm64 "$kpkg" kimg
	fi
	for p in $ARM64_USERLAND; do fetch_arm64 "$p" userland; done
	KIMG=$(ls "$ARM64_CACHE"/kimg/boot/vmlinuz-* | sort -V | tail -n 1)
	KVER=${KIMG##*/vmlinuz-} KCONFIG=$ARM64_CACHE/kimg/boot/config-$KVER
	[ -s "$ARM64_CACHE/kimg/lib/modules/$KVER/modules.dep" ] ||
		depmod -b "$ARM64_CACHE/kimg" "$KVER" || die "depmod of $KVER failed"
	flock -u "$lockfd"
	MODS=$("$MODPROBE" -d "$ARM64_CACHE/kimg" -S "$KVER" -a --show-depends "${WANT[@]}") ||
		die "$KVER lacks a module of: ${WANT[*]}"
	BUSYBOX=$ARM64_CACHE/userland/bin/busybox USERLAND=$ARM64_CACHE/userland
}
host_kernel_$ARCH
command -v "$QEMU" >/dev/null || die "$QEMU not found; install $QPKG"
case $("$QEMU" --version | head -n 1) in
*" version "[1-7].*) say "warning: $("$QEMU" --version | head -n 1): QEMU before 8 livelocks the emulated host now and then (README); scripts/setup.sh installs QEMU 10 from bookworm-backports" ;;
esac
MODS=$(awk '$1 == "insmod" && !seen[$2]++ { print $2 }' <<<"$MODS")

# /init of the initramfs (busybox sh): modules, mounts, then CMD; on x86_64
# chrooted into the host root, on aarch64 in the initramfs' own userland.
# /job is this run's share (see "job" below).
guest_init() {
	echo '#!/bin/busybox sh'
	echo "ROOT=$([ -z "$USERLAND" ] && echo 1 || echo 0)"
	cat <<'EOF'
/bin/busybox mount -t devtmpfs dev /dev
exec </dev/null >/dev/console 2>&1
/bin/busybox --install -s /bin
export PATH=/bin
echo "emulated-host: /init started"
fail() { echo "$*" >/job/error; echo "emulated-host: FATAL: $*"; reboot -f; }
if [ $ROOT = 1 ]; then
	mount -t proc none /proc; mount -t sysfs none /sys
fi
for m in /modules/*.ko; do
	insmod $m $(cat ${m%.ko}.params 2>/dev/null) || echo "insmod $m failed"
done
O=trans=virtio,version=9p2000.L,msize=512000
mount -t 9p -o $O ekjob /job || fail "cannot mount the job share"
[ -e /dev/kvm ] || fail "no /dev/kvm: KVM did not load"
R=
if [ $ROOT = 1 ]; then
	R=/newroot
	mount -t 9p -o $O,ro,cache=loose ekroot $R || fail "cannot mount the host root"
fi
mnt() { mkdir -p $R$2; mount -t $1 -o ${3:-defaults} $1 $R$2; }
mnt proc /proc; mnt sysfs /sys
[ -z "$R" ] || mnt devtmpfs /dev
mnt devpts /dev/pts mode=620,ptmxmode=666; mnt tmpfs /dev/shm mode=1777
mnt tmpfs /tmp mode=1777; mnt tmpfs /run mode=755
mnt cgroup2 /sys/fs/cgroup; mnt bpf /sys/fs/bpf
mnt debugfs /sys/kernel/debug; mnt tracefs /sys/kernel/tracing
for i in 0:stdin 1:stdout 2:stderr; do ln -sf /proc/self/fd/${i%:*} $R/dev/${i#*:}; done
ln -sf /proc/self/fd $R/dev/fd
i=0
while IFS= read -r d; do
	mkdir -p "$R$d"
	mount -t 9p -o $O,cache=mmap ekrw$i "$R$d" || fail "cannot mount $d read-write"
	i=$((i + 1))
done </job/rw
mkdir $R/run/ktstr-emu
mount --bind /job $R/run/ktstr-emu
ip link set lo up
# Port 1 is stdout, 2 stderr. A port opens only once: pipes in between
# let CMD reopen /dev/stdout.
mkfifo /o /e
OUT=$(echo /dev/vport*p1) ERR=$(echo /dev/vport*p2)
cat /o >$OUT & po=$!
cat /e >$ERR & pe=$!
: >/job/started
echo "emulated-host: starting the command"
chroot ${R:-/} /bin/bash /run/ktstr-emu/run.sh </dev/null >/o 2>/e &
wait $!
rc=$?
echo "emulated-host: the command exited with status $rc"
# Leftover background processes of CMD get 5 s to close stdout and stderr.
(sleep 5; kill $po $pe) 2>/dev/null &
wait $po $pe
echo $rc >/job/status
reboot -f
EOF
}

# ---- cache: initramfs and vmlinux, keyed by kernel, busybox, userland and
# this script
CACHE=$CACHE_ROOT/emulated-host
[ $ARCH = x86_64 ] || CACHE=$ARM64_CACHE
mkdir -p "$CACHE" || die "cannot create $CACHE"
KEY=$({ echo "$ARCH $KVER $MODS ${KTSTR_EMU_KVM_AMD:-}"; stat -Lc '%s %Y' "$KIMG" $BUSYBOX
	[ -z "$USERLAND" ] || find "$USERLAND" -maxdepth 1 -name '.*' -type f | sort
	cat "${BASH_SOURCE[0]}"; } | sha256sum | cut -c1-16)
INITRD=$CACHE/initramfs-$KEY.cpio
VMLINUX=$CACHE/vmlinux-$KEY

build_initrd() {
	local b=$1 m i=0 out
	mkdir -p "$b"/{bin,dev,proc,sys,job,newroot,modules,run,tmp}
	# aarch64: bash, its libraries and script(1), without docs, locales
	# and gconv modules.
	[ -z "$USERLAND" ] ||
		(cd "$USERLAND" && find . ! -path './usr/share/*' ! -path '*/gconv/*' ! -name '.*' \
			\( -type f -o -type l \) | cpio --quiet -pdm "$b") || return
	cp $BUSYBOX "$b/bin/busybox"
	guest_init >"$b/init"
	chmod 755 "$b/init"
	for m in $MODS; do
		i=$((i + 1))
		out=$b/modules/$(printf %02d $i)-${m##*/}
		case $m in
		*.xz) xz -dc ;; *.zst) zstd -qdc ;; *.gz) gzip -dc ;; *) cat ;;
		esac <"$m" >"${out%.ko*}.ko" || return
		case ${m##*/} in kvm-amd.ko*)
			printf '%s\n' "${KTSTR_EMU_KVM_AMD:-}" >"${out%.ko*}.params" ;;
		esac
	done
	(cd "$b" && find . -mindepth 1 | LC_ALL=C sort | cpio --quiet -o -H newc -R 0:0)
}

# x86_64: the uncompressed vmlinux, booted through its PVH entry, saves ~3 s
# of in-guest decompression under TCG. Without PVH (and on aarch64, whose
# QEMU unpacks the gzipped Image itself), a link to the kernel image.
extract_vmlinux() {
	local z off
	[ $ARCH = x86_64 ] && grep -qx 'CONFIG_PVH=y' "$KCONFIG" 2>/dev/null &&
	for z in xz:$'\xfd7zXZ' zstd:$'\x28\xb5\x2f\xfd' gzip:$'\x1f\x8b\x08'; do
		command -v "${z%%:*}" >/dev/null || continue
		for off in $(LC_ALL=C grep -aboF "${z#*:}" "$KIMG" | cut -d: -f1); do
			tail -c +$((off + 1)) "$KIMG" | "${z%%:*}" -dc >"$1" 2>/dev/null || true
			[ "$(head -c 4 "$1")" != $'\x7fELF' ] || return 0
		done
	done
	ln -sf "$KIMG" "$1"
}

if [ ! -s "$INITRD" ] || [ ! -e "$VMLINUX" ]; then
	say "building the initramfs and vmlinux of $KVER in $CACHE"
	T=$(mktemp -d "$CACHE/build.XXXXXX")
	trap 'rm -rf "$T"' EXIT
	build_initrd "$T/root" >"$T/initrd" || die "cannot build the initramfs"
	extract_vmlinux "$T/vmlinux"
	# Others unused for an hour go (a concurrent run with other
	# parameters may be booting from its own).
	find "$CACHE" -maxdepth 1 \( -name 'initramfs-*' -o -name 'vmlinux-*' \) \
		! -name "*-$KEY*" -mmin +60 -delete
	mv -f "$T/initrd" "$INITRD"
	mv -f "$T/vmlinux" "$VMLINUX"
	rm -rf "$T"
fi
touch -h "$INITRD" "$VMLINUX"

# ---- job: this run's share with argv, env, cwd, ids, --rw list and run.sh
H='' QPID='' TPID='' ROUT='' RERR=''
# shellcheck disable=SC2317 # called from the EXIT trap
cleanup() {
	[ -n "$H" ] || return 0
	for p in $QPID $TPID; do kill -KILL "$p" 2>/dev/null || true; done
	[ -z "$QPID$TPID" ] || wait $QPID $TPID 2>/dev/null || true	# no "Killed" notice
	stop_relays
	cp -f "$H/console" "$CACHE/last-console.log" 2>/dev/null || true
	rm -rf "$H"
}
trap cleanup EXIT
# The temp dirs of runs that were SIGKILLed, whose lock nobody holds any
# more (neither they nor their QEMU). Ours is locked before it is named
# "lock", so no run ever sees it unlocked.
for d in "${TMPDIR:-/tmp}"/ktstr-emu.*; do
	[ -f "$d/lock" ] || continue
	(exec 8<"$d/lock" && flock -n 8) 2>/dev/null && rm -rf "$d"
done
H=$(mktemp -d "${TMPDIR:-/tmp}/ktstr-emu.XXXXXX")
exec {LOCKFD}>"$H/lock.new"
flock "$LOCKFD"
mv "$H/lock.new" "$H/lock"
S=$H/job
mkdir "$S"
mkfifo "$H/out" "$H/err" "$H/nap"
printf '%s\0' "$@" >"$S/argv"
env -0 >"$S/env"
printf '%s\0' "$(pwd -P)" >"$S/cwd"
echo "$(id -u) $(id -g)" >"$S/ids"
# run.sh runs in the chroot with the host's bash: the caller's cwd, env, uid.
cat >"$S/run.sh" <<'EOF'
J=/run/ktstr-emu
mapfile -d '' -t envv <$J/env
mapfile -d '' -t argv <$J/argv
IFS= read -r -d '' cwd <$J/cwd || true
read -r uid gid <$J/ids
cd -- "$cwd" 2>/dev/null || { echo "emulated-host: no cwd $cwd (under /tmp or /run? add it to --rw)" >&2; exit 125; }
[ "$uid" = 0 ] || { chmod 666 /dev/kvm; set -- setpriv --reuid="$uid" --regid="$gid" --clear-groups --; }
exec env -i -- "${envv[@]}" KTSTR_EMULATED_HOST=1 "$@" "${argv[@]}"
EOF
printf '%s\n' "${RW[@]}" >"$S/rw"

# softlockup_panic + panic=-1 + -no-reboot: a wedged emulated host makes
# qemu exit (status 125) instead of hanging.
APPEND="loglevel=$((VERBOSE ? 7 : 4)) panic=-1 softlockup_panic=1"
[ "$HUGEPAGES" = 0 ] || APPEND+=" hugepagesz=2M hugepages=$HUGEPAGES"
# shellcheck disable=SC2054 # commas are qemu's
QARGS=(-nodefaults -no-user-config -display none -no-reboot
	-accel tcg,thread=multi -cpu max -smp "$SMP" -m "$MEM"
	-kernel "$VMLINUX" -initrd "$INITRD"
	-chardev "file,id=con,path=$H/console" -serial chardev:con
	-device virtio-serial-pci
	-chardev "file,id=out,path=$H/out" -device virtserialport,chardev=out,nr=1
	-chardev "file,id=err,path=$H/err" -device virtserialport,chardev=err,nr=2)
share() {
	QARGS+=(-fsdev "local,id=$1,path=$2,security_model=none,multidevs=remap${3:-}"
		-device "virtio-9p-pci,fsdev=$1,mount_tag=$1")
}
if [ $ARCH = x86_64 ]; then
	APPEND+=" console=ttyS0 reboot=t mitigations=off 8250.nr_uarts=1"
	QARGS+=(-machine q35)
	# qboot starts faster than SeaBIOS; found in QEMU's own data directory.
	[ ! -r /usr/share/qemu/qboot.rom ] || QARGS+=(-bios qboot.rom)
	share ekroot / ,readonly=on
else
	# EL2 for the emulated host's KVM (VHE), an in-kernel-able GICv3.
	APPEND+=" console=ttyAMA0"
	QARGS+=(-machine virt,virtualization=on,gic-version=3)
fi
QARGS+=(-append "$APPEND")
share ekjob "$S"
for i in "${!RW[@]}"; do share "ekrw$i" "${RW[$i]}"; done

# ---- run: relays from the guest's ports to our stdout and stderr; if our
# reader goes away, keep draining so the guest never blocks on a full port.
# Each relay and its cat die with this script too: SIGKILLed before QEMU
# opened a port's fifo, it would leave a cat blocked in open() for good,
# holding the temp dir's lock.
export -f ktstr_pdeath
RELAY='(ktstr_pdeath KILL cat "$1") || (ktstr_pdeath KILL cat "$1" >/dev/null)'
start_relays() {
	ktstr_pdeath KILL bash -c "$RELAY" relay "$H/out" & ROUT=$!
	ktstr_pdeath KILL bash -c "$RELAY" relay "$H/err" >&2 & RERR=$!
}
stop_relays() {	# unblock relays still waiting in open(), then reap them
	for f in "$H/out" "$H/err"; do [ ! -p "$f" ] || { exec 9<>"$f"; exec 9>&-; }; done
	[ -z "$ROUT$RERR" ] || wait $ROUT $RERR 2>/dev/null || true
	ROUT='' RERR=''
}
exec {NAPFD}<>"$H/nap"
nap() { read -r -t 0.1 -u $NAPFD || true; }		# sleeps without a fork
now() { NOW=$((${EPOCHREALTIME//[.,]/} / 1000)); }	# ms

# One boot of the emulated host; sets STATE to exited, timeout or hung.
boot() {
	local boot_end off_end=0
	start_relays
	# QEMU dies with this script, even a SIGKILLed one (the child forked
	# here execs setpriv, then QEMU: its parent is this script).
	ktstr_pdeath KILL "$QEMU" "${QARGS[@]}" </dev/null >"$H/qemu.log" 2>&1 & QPID=$!
	[ $VERBOSE = 0 ] || { tail -n +1 -F --pid=$QPID "$H/console" 2>/dev/null |
		sed -u 's/^/# /' >&2 & TPID=$!; }
	now
	boot_end=$((NOW + BOOT_TIMEOUT * 1000))
	STATE=exited
	while kill -0 $QPID 2>/dev/null; do
		nap
		now
		if [ $END != 0 ] && [ $NOW -ge $END ]; then
			STATE=timeout; break
		elif [ -e "$S/status" ]; then
			# CMD is done; the emulated host gets 10 s to power off.
			[ $off_end != 0 ] || off_end=$((NOW + 10000))
			[ $NOW -lt $off_end ] || break
		elif [ ! -e "$S/started" ] && [ $NOW -ge $boot_end ]; then
			STATE=hung; break
		fi
	done
	kill -KILL $QPID 2>/dev/null || true
	wait $QPID $TPID 2>/dev/null || true
	QPID='' TPID=''
	stop_relays
}

now
START=$NOW END=0
[ "$TIMEOUT" = 0 ] || END=$((NOW + TIMEOUT * 1000))
boot
# A hung boot is retried once. The marker is checked again after the kill,
# so CMD never runs twice.
if [ $STATE = hung ] && [ ! -e "$S/started" ]; then
	cp -f "$H/console" "$CACHE/hung-boot-console.log"
	say "boot hung after $BOOT_TIMEOUT s, retrying (2/2); console: $CACHE/hung-boot-console.log"
	boot
fi
now; [ $VERBOSE = 0 ] || say "emulated host ran $(((NOW - START) / 1000)).$(((NOW - START) % 1000 / 100)) s"

[ ! -s "$S/status" ] || exit "$(<"$S/status")"
case $STATE in
timeout) say "timed out after $TIMEOUT s"; rc=124 ;;
hung) say "error: boot hung after $BOOT_TIMEOUT s"; rc=125 ;;
*)	say "error: the emulated host stopped without an exit status"; rc=125
	sed 's/^/# qemu: /' "$H/qemu.log" >&2
	[ ! -e "$S/error" ] || say "$(<"$S/error")" ;;
esac
say "last console lines ($CACHE/last-console.log):"
tail -n 20 "$H/console" | sed 's/^/# /' >&2
exit $rc
