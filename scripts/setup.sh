#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Provision a Debian bookworm machine for ktstr, idempotently:
#  1. install the packages listed in scripts/debian-packages.txt that are
#     missing (needs root; without root the missing ones are named);
#  2. when no KDIR is given and ktstr is not inside a kernel tree, unpack
#     Debian's linux-source-6.12 into ${XDG_CACHE_HOME:-~/.cache}/ktstr;
#  3. run 'make headers_install' in the kernel tree, so uapi headers
#     (linux/kvm.h, virtio) come from its usr/include;
#  4. with ARCH=aarch64 (or arm64) on another host: the cross compiler,
#     the arm64 -dev libraries (dpkg multiarch) and qemu-system-arm from
#     bookworm-backports for scripts/emulated-host-arm64.sh.
# A second run does nothing but check.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

PKGS=$(grep -v '^[[:space:]]*\(#\|$\)' "$KTSTR_ROOT/scripts/debian-packages.txt")

missing_pkgs() {
	local p
	for p in $PKGS; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
			printf '%s ' "$p"
	done
}

install_pkgs() {
	local miss
	miss=$(missing_pkgs)
	[ -n "$miss" ] || return 0
	command -v apt-get >/dev/null || die "missing packages ($miss) and no apt-get: install them by hand"
	[ "$(id -u)" = 0 ] || die "missing packages: $miss(run as root, or: apt-get install $miss)"
	info "installing: $miss"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -q >/dev/null || die "apt-get update failed"
	# shellcheck disable=SC2086
	apt-get install -y -q --no-install-recommends $miss >/dev/null ||
		die "apt-get install failed for: $miss"
	miss=$(missing_pkgs)
	[ -z "$miss" ] || die "still missing after apt-get install: $miss"
}

unpack_source() {
	local dst=$1 tarball
	[ -f "$dst/.ktstr-unpacked" ] && return 0
	tarball=$(ls /usr/src/$KTSTR_SRC_PKG.tar.* 2>/dev/null | head -n 1)
	[ -n "$tarball" ] || die "/usr/src/$KTSTR_SRC_PKG.tar.* not found (apt-get install $KTSTR_SRC_PKG)"
	info "unpacking $tarball into $KTSTR_CACHE"
	mkdir -p "$KTSTR_CACHE"
	rm -rf "$dst"
	tar -C "$KTSTR_CACHE" -xf "$tarball" || die "cannot unpack $tarball"
	[ -d "$dst" ] || die "$tarball did not unpack to $dst"
	touch "$dst/.ktstr-unpacked"
}

headers_install() {
	local kdir=$1
	[ -f "$kdir/usr/include/linux/kvm.h" ] && return 0
	info "make headers_install in $kdir"
	if [ -f "$kdir/.config" ]; then
		make -C "$kdir" -s headers_install >/dev/null ||
			die "'make headers_install' failed in $kdir"
	else
		# A clean tree must stay clean for the O= guest kernel build:
		# generate out of tree, install into the tree's usr/include.
		make -C "$kdir" -s O="$KTSTR_CACHE/headers-build" \
			INSTALL_HDR_PATH="$kdir/usr" headers_install >/dev/null ||
			die "'make headers_install' failed in $kdir"
	fi
}

# A cross build for arm64 and its emulated KVM host (QEMU 10 of
# bookworm-backports: 7.2 is 2-3 times slower to boot the host).
ARM64_PKGS="gcc-aarch64-linux-gnu libc6-dev-arm64-cross zlib1g-dev:arm64 libelf-dev:arm64 cpio device-tree-compiler"
ARM64_BPO=/etc/apt/sources.list.d/ktstr-bookworm-backports.list
install_arm64() {
	local p miss=
	for p in $ARM64_PKGS qemu-system-arm; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
			miss+="$p "
	done
	[ -n "$miss" ] || return 0
	[ "$(id -u)" = 0 ] || die "missing packages for ARCH=aarch64: $miss(run as root)"
	info "installing for ARCH=aarch64: $miss"
	export DEBIAN_FRONTEND=noninteractive
	dpkg --print-foreign-architectures | grep -qx arm64 || dpkg --add-architecture arm64
	grep -qs bookworm-backports /etc/apt/sources.list /etc/apt/sources.list.d/* ||
		echo "deb http://deb.debian.org/debian bookworm-backports main" >"$ARM64_BPO"
	apt-get update -q >/dev/null || die "apt-get update failed"
	# shellcheck disable=SC2086
	apt-get install -y -q --no-install-recommends $ARM64_PKGS >/dev/null ||
		die "apt-get install failed for: $ARM64_PKGS"
	apt-get install -y -q --no-install-recommends -t bookworm-backports qemu-system-arm >/dev/null ||
		die "apt-get install -t bookworm-backports qemu-system-arm failed"
}

install_pkgs
case ${ARCH:-} in
aarch64|arm64) [ "$(uname -m)" = aarch64 ] || install_arm64 ;;
esac
kdir=$(ktstr_kdir)
if [ -z "${KDIR:-}" ] && [ "$kdir" = "$KTSTR_CACHE/$KTSTR_SRC_PKG" ]; then
	unpack_source "$kdir"
fi
ktstr_check_kdir "$kdir"
headers_install "$kdir"
for h in usr/include/linux/kvm.h tools/testing/selftests/kselftest_harness.h; do
	[ -f "$kdir/$h" ] || die "KDIR=$kdir lacks $h"
done
info "ready: KDIR=$kdir"
