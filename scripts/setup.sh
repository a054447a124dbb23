#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Provision a Debian bookworm machine for ktstr, idempotently:
#  1. install the packages listed in scripts/debian-packages.txt that are
#     missing (needs root; without root the missing ones are named);
#  2. on Debian bookworm, QEMU from bookworm-backports (10.x): bookworm's
#     QEMU 7.2 livelocks the emulated KVM host now and then (README);
#  3. when no KDIR is given and ktstr is not inside a kernel tree, unpack
#     Debian's linux-source-6.12 into ${XDG_CACHE_HOME:-~/.cache}/ktstr;
#  4. run 'make headers_install' in the kernel tree, so uapi headers
#     (linux/kvm.h, virtio) come from its usr/include;
#  5. on an x86_64 host, for the arm64 build and its emulated arm64 KVM
#     host ('make check', 'make ARCH=arm64 ... run_tests'): the cross
#     compiler, the arm64 -dev libraries (dpkg multiarch, which also lets
#     scripts/emulated-host.sh fetch Debian's arm64 kernel and userland)
#     and qemu-system-arm from bookworm-backports. KTSTR_ARM64=0 skips it.
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

# The Debian mirror this machine already uses for bookworm, to add the
# backports suite from the same place.
debian_mirror() {
	{ grep -hs '^deb .* bookworm main' /etc/apt/sources.list /etc/apt/sources.list.d/*.list |
		awk '{ print $2 }'
	  grep -hs -A3 '^URIs:' /etc/apt/sources.list.d/*.sources |
		awk '/^URIs:/ { u = $2 } /^Suites:.*bookworm( |$)/ { print u }'
	} | grep -v security | head -n 1
}

# QEMU 7.2 TCG (bookworm) wedges the emulated KVM host: its vCPU spins in
# the TCG loop without running guest code (README). bookworm-backports
# carries QEMU 10, which does not. KTSTR_QEMU_BACKPORTS=0 keeps bookworm's.
BPO_LIST=/etc/apt/sources.list.d/ktstr-bookworm-backports.list
QEMU_PKGS="qemu-system-x86 qemu-system-data"
# The backports suite, from the mirror the machine uses for bookworm,
# unless some source has it already.
add_backports() {
	local mirror
	grep -qshr '^[^#]*bookworm-backports' /etc/apt/sources.list /etc/apt/sources.list.d && return 0
	mirror=$(debian_mirror)
	[ -n "$mirror" ] || die "no Debian bookworm source in /etc/apt/sources.list*: add bookworm-backports by hand"
	info "adding bookworm-backports ($mirror) in $BPO_LIST"
	echo "deb $mirror bookworm-backports main" >"$BPO_LIST"
}

qemu_from_backports() {
	local v
	[ "${KTSTR_QEMU_BACKPORTS:-1}" = 1 ] || return 0
	[ "$(. /etc/os-release 2>/dev/null; echo "${VERSION_CODENAME:-}")" = bookworm ] || return 0
	v=$(dpkg-query -W -f='${Version}' qemu-system-x86 2>/dev/null || true)
	[ -z "$v" ] || ! dpkg --compare-versions "$v" lt 1:8 || v=
	[ -z "$v" ] || return 0
	[ "$(id -u)" = 0 ] || die "QEMU from bookworm-backports needed (bookworm's 7.2 wedges the emulated KVM host): run as root, or KTSTR_QEMU_BACKPORTS=0"
	add_backports
	info "installing $QEMU_PKGS from bookworm-backports"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -q >/dev/null || die "apt-get update failed"
	# shellcheck disable=SC2086
	apt-get install -y -q --no-install-recommends -t bookworm-backports $QEMU_PKGS >/dev/null ||
		die "apt-get install -t bookworm-backports failed for: $QEMU_PKGS"
	v=$(dpkg-query -W -f='${Version}' qemu-system-x86)
	! dpkg --compare-versions "$v" lt 1:8 || die "qemu-system-x86 is still $v after the backports install"
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
	add_backports
	apt-get update -q >/dev/null || die "apt-get update failed"
	# shellcheck disable=SC2086
	apt-get install -y -q --no-install-recommends $ARM64_PKGS >/dev/null ||
		die "apt-get install failed for: $ARM64_PKGS"
	apt-get install -y -q --no-install-recommends -t bookworm-backports qemu-system-arm >/dev/null ||
		die "apt-get install -t bookworm-backports qemu-system-arm failed"
}

install_pkgs
qemu_from_backports
if [ "$(uname -m)" = x86_64 ] && [ "${KTSTR_ARM64:-1}" != 0 ]; then
	install_arm64
fi
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
