#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The guest kernel: 'config' and then 'config.$ARCH' merged onto tinyconfig,
# built from KDIR and cached under ${XDG_CACHE_HOME:-~/.cache}/ktstr/kernels/,
# keyed by a hash of (kernel source version, both fragments, arch).
# KTSTR_CONFIG="FILE..." replaces the two fragments.
#
#   kernel.sh default        the kernel to test: in a kernel tree built for
#                            ARCH its freshly built image (under O= if set),
#                            checked against 'config'; else 'build'
#   kernel.sh vmlinux        the vmlinux whose BTF the BPF schedulers are
#                            built against: that tree's, else the cache's
#                            (built or not)
#   kernel.sh build          build unless cached; prints the image path
#   kernel.sh path           prints the cached image path, fails if not built
#   kernel.sh dir            prints the cache directory of this (source,
#                            config), built or not
#   kernel.sh check IMAGE    checks the .config next to a built tree's IMAGE
#                            against 'config', naming every missing option
#   kernel.sh list | clean
set -euo pipefail
. "$(dirname "$0")/lib.sh"

ARCH=${ARCH:-$(uname -m)}
case $ARCH in
x86_64|x86) ARCH=x86_64 KARCH=x86; IMAGE=arch/x86/boot/bzImage; TARGET=bzImage ;;
aarch64|arm64) ARCH=aarch64 KARCH=arm64; IMAGE=arch/arm64/boot/Image; TARGET=Image ;;
*) die "ARCH=$ARCH is not supported (x86_64, aarch64)" ;;
esac
# Another arch than the host's is cross-compiled (Debian's gcc-aarch64-linux-gnu).
if [ "$ARCH" != "$(uname -m)" ] && [ -z "${CROSS_COMPILE:-}" ]; then
	case $ARCH in
	aarch64) CROSS_COMPILE=aarch64-linux-gnu- ;;
	x86_64) CROSS_COMPILE=x86_64-linux-gnu- ;;
	esac
fi
export CROSS_COMPILE=${CROSS_COMPILE:-}
if [ -n "$CROSS_COMPILE" ] && ! command -v "${CROSS_COMPILE}gcc" >/dev/null; then
	die "CROSS_COMPILE=$CROSS_COMPILE: ${CROSS_COMPILE}gcc not found (scripts/setup.sh installs gcc-aarch64-linux-gnu with ARCH=aarch64)"
fi
if [ -n "${KTSTR_CONFIG:-}" ]; then
	read -ra FRAGMENTS <<<"$KTSTR_CONFIG"
else
	FRAGMENTS=("$KTSTR_ROOT/config" "$KTSTR_ROOT/config.$ARCH")
fi
for f in "${FRAGMENTS[@]}"; do [ -f "$f" ] || die "config fragment $f not found"; done

# A quick query of the kernel's Makefile. Without the MAKEFLAGS of a parent
# make, which would name a jobserver this command cannot reach.
kmake() { env -u MAKEFLAGS -u MFLAGS -u OUTPUT make -s ARCH="$KARCH" "$@"; }

# Source identity: the kernel version, plus the commit and dirty state when
# KDIR is a git tree, so a patched tree gets a new key.
source_id() {
	local kdir=$1
	kmake -C "$kdir" kernelversion 2>/dev/null || die "KDIR=$kdir: 'make kernelversion' failed"
	if git -C "$kdir" rev-parse --git-dir >/dev/null 2>&1; then
		git -C "$kdir" describe --always --dirty 2>/dev/null || true
	fi
}

cache_key() {
	{ source_id "$1"; echo "$KARCH tinyconfig"; cat "${FRAGMENTS[@]}"; } |
		sha256sum | cut -c1-16
}

# Options the fragment asks for, as 'CONFIG_X=v' or 'CONFIG_X=n'.
wanted_options() {
	sed -n -e 's/^\(CONFIG_[A-Za-z0-9_]*=.*\)$/\1/p' \
	       -e 's/^# \(CONFIG_[A-Za-z0-9_]*\) is not set$/\1=n/p' "${FRAGMENTS[@]}"
}

# Prints every wanted option the .config $1 lacks; fails if there is one.
check_config() {
	local dotconfig=$1 opt name val bad=()
	[ -f "$dotconfig" ] || die "$dotconfig not found"
	while IFS= read -r opt; do
		name=${opt%%=*} val=${opt#*=}
		if [ "$val" = n ]; then
			grep -q "^$name=[ym]" "$dotconfig" && bad+=("$name=n")
		else
			grep -qx "$name=$val" "$dotconfig" || bad+=("$opt")
		fi
	done < <(wanted_options)
	if [ ${#bad[@]} -gt 0 ]; then
		printf '%s: error: %s lacks %d option(s) of %s: %s\n' "${0##*/}" \
			"$dotconfig" ${#bad[@]} "${FRAGMENTS[*]##*/}" "${bad[*]}" >&2
		return 1
	fi
}

# make "$@" with kbuild's own lines in LOG; on stderr, one progress line
# every KTSTR_PROGRESS seconds (60), or all of kbuild's lines with V=1.
# Jobs: the parent make's jobserver when there is one (a '+' recipe),
# else one per CPU.
build_logged() {
	local log=$1 pid n=0 t0=$SECONDS every=${KTSTR_PROGRESS:-60} rc
	shift
	# A parent make's command-line variables ('make check' builds arm64
	# with OUTPUT=build/aarch64) must not reach kbuild, whose tools
	# (resolve_btfids) build into $(OUTPUT): the jobserver stays, the
	# variables after MAKEFLAGS' " -- " and OUTPUT in the environment go.
	[ -z "${MAKEFLAGS:-}" ] || export MAKEFLAGS=${MAKEFLAGS%%-- *}
	unset OUTPUT
	case " ${MAKEFLAGS:-} " in *jobserver*) ;; *) set -- -j"$(nproc)" "$@" ;; esac
	if [ "${V:-}" = 1 ]; then
		make "$@" 2>&1 | tee "$log" >&2
		return "${PIPESTATUS[0]}"
	fi
	make "$@" >"$log" 2>&1 &
	pid=$!
	while kill -0 $pid 2>/dev/null; do
		sleep 1
		n=$((n + 1))
		[ $((n % every)) = 0 ] || continue
		info "still building: $(grep -c '^  CC ' "$log") files compiled in $((SECONDS - t0)) s (log: $log)"
	done
	wait $pid; rc=$?
	return $rc
}

cmd_build() {
	local kdir key ver out b t0 lock
	kdir=$(ktstr_kdir)
	ktstr_check_kdir "$kdir"
	key=$(cache_key "$kdir")
	ver=$(kmake -C "$kdir" kernelversion)
	out=$KTSTR_CACHE/kernels/$ver-$KARCH-$key
	if [ -s "$out/$TARGET" ]; then
		echo "$out/$TARGET"
		return 0
	fi
	b=$KTSTR_CACHE/build/$KARCH-$key
	mkdir -p "$b"
	# One build per (source, config): a second caller waits for it.
	exec {lock}>"$b.lock"
	if ! flock -n $lock; then
		info "waiting for another build of $ver ($KARCH) in $b"
		flock $lock
	fi
	if [ -s "$out/$TARGET" ]; then
		echo "$out/$TARGET"
		return 0
	fi
	t0=$SECONDS
	info "building $ver ($KARCH) from $kdir in $b: about 10 minutes on 2 CPUs, once; a line every ${KTSTR_PROGRESS:-60} s (V=1: all of kbuild's)"
	kmake -C "$kdir" O="$b" ARCH=$KARCH tinyconfig >/dev/null
	"$kdir/scripts/kconfig/merge_config.sh" -m -O "$b" "$b/.config" "${FRAGMENTS[@]}" >/dev/null
	kmake -C "$kdir" O="$b" ARCH=$KARCH olddefconfig >/dev/null
	check_config "$b/.config" || die "requested options did not survive olddefconfig (unmet dependencies?)"
	build_logged "$b/build.log" -C "$kdir" O="$b" ARCH=$KARCH $TARGET ||
		{ tail -n 30 "$b/build.log" >&2; die "kernel build failed, log: $b/build.log"; }
	mkdir -p "$out.tmp"
	cp "$b/$IMAGE" "$out.tmp/$TARGET"
	cp "$b/.config" "$out.tmp/config"
	[ ! -f "$b/vmlinux" ] || cp "$b/vmlinux" "$out.tmp/vmlinux"
	printf 'source=%s\nversion=%s\narch=%s\n' "$kdir" "$ver" "$KARCH" >"$out.tmp/info"
	rm -rf "$out" && mv "$out.tmp" "$out"
	info "built in $((SECONDS - t0)) s: $out/$TARGET"
	echo "$out/$TARGET"
}

cache_dir() {
	local kdir
	kdir=$(ktstr_kdir)
	ktstr_check_kdir "$kdir"
	echo "$KTSTR_CACHE/kernels/$(kmake -C "$kdir" kernelversion)-$KARCH-$(cache_key "$kdir")"
}

cmd_path() {
	local kdir key out
	kdir=$(ktstr_kdir)
	ktstr_check_kdir "$kdir"
	key=$(cache_key "$kdir")
	out=$KTSTR_CACHE/kernels/$(kmake -C "$kdir" kernelversion)-$KARCH-$key/$TARGET
	[ -s "$out" ] || die "no cached kernel for KDIR=$kdir and ${FRAGMENTS[*]##*/}: run 'make kernel'"
	echo "$out"
}

# A built tree keeps .config at its top ($1 is <top>/arch/<arch>/boot/<image>);
# a cached kernel keeps it as 'config' next to the image.
cmd_check() {
	local img=${1:?usage: kernel.sh check IMAGE} top
	[ -f "$img" ] || die "kernel image $img not found"
	top=$(cd "$(dirname "$img")/../../.." && pwd)
	if [ -f "$top/.config" ]; then
		check_config "$top/.config"
	elif [ -f "$(dirname "$img")/config" ]; then
		check_config "$(dirname "$img")/config"
	else
		die "no .config found for $img"
	fi
}

cmd_list() {
	local d
	for d in "$KTSTR_CACHE"/kernels/*/; do
		[ -f "$d/info" ] || continue
		printf '%s\t%s\n' "$(basename "$d")" "$(ls "$d" | grep -v -e info -e config -e vmlinux)"
	done
}

# In a kernel tree (ktstr at tools/testing/ktstr, no KDIR elsewhere) that
# is configured for ARCH, prints its build directory (O= or the tree).
# Another arch's guest (make check's arm64 part beside an x86 tree) comes
# from the cache, built from the tree's sources.
tree_build() {
	local kdir=$1 tree dir sym
	tree=$(cd "$KTSTR_ROOT/../../.." 2>/dev/null && pwd)
	[ "$kdir" = "$tree" ] || return 1
	dir=${O:-$kdir}
	case $KARCH in x86) sym=CONFIG_X86_64 ;; arm64) sym=CONFIG_ARM64 ;; esac
	# An unconfigured tree is the developer's to build: say so below.
	[ ! -f "$dir/.config" ] || grep -qx "$sym=y" "$dir/.config" || return 1
	echo "$dir"
}

cmd_vmlinux() {
	local kdir dir
	kdir=$(ktstr_kdir)
	if dir=$(tree_build "$kdir"); then
		echo "$dir/vmlinux"
	else
		echo "$(cache_dir)/vmlinux"
	fi
}

# The tree's own image is what the developer just built: use it, if its
# .config has everything 'config' asks for.
cmd_default() {
	local kdir dir img
	kdir=$(ktstr_kdir)
	if dir=$(tree_build "$kdir"); then
		img=$dir/$IMAGE
		[ -f "$img" ] || die "no $img: build the kernel tree first (with 'config' merged), or 'make kernel'"
		cmd_check "$img" || die "$img lacks options ktstr needs: merge 'config' (scripts/kconfig/merge_config.sh) and rebuild"
		echo "$img"
		return
	fi
	cmd_build
}

case ${1:-} in
default) cmd_default ;;
vmlinux) cmd_vmlinux ;;
dir) cache_dir ;;
build) cmd_build ;;
path) cmd_path ;;
check) cmd_check "${2:-}" ;;
list) cmd_list ;;
clean) rm -rf "$KTSTR_CACHE/kernels" "$KTSTR_CACHE/build"; info "removed cached kernels" ;;
*) die "usage: kernel.sh default|build|path|dir|vmlinux|check IMAGE|list|clean" ;;
esac
