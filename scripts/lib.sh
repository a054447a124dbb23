# SPDX-License-Identifier: GPL-2.0
# Shared helpers for ktstr's shell scripts; source it, don't run it.

KTSTR_CACHE=${KTSTR_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/ktstr}
KTSTR_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
KTSTR_SRC_PKG=linux-source-6.12

die() { printf '%s: error: %s\n' "${0##*/}" "$*" >&2; exit 1; }
info() { printf '%s: %s\n' "${0##*/}" "$*" >&2; }

# The kernel tree: $KDIR, else the tree ktstr sits in (tools/testing/ktstr),
# else the Debian source unpacked into the cache by scripts/setup.sh.
ktstr_kdir() {
	if [ -n "${KDIR:-}" ]; then
		(cd "$KDIR" 2>/dev/null && pwd) || die "KDIR=$KDIR is not a directory"
	elif [ -f "$KTSTR_ROOT/../../../scripts/kconfig/merge_config.sh" ]; then
		(cd "$KTSTR_ROOT/../../.." && pwd)
	else
		echo "$KTSTR_CACHE/$KTSTR_SRC_PKG"
	fi
}

# Fails naming what is wrong when $1 is not a usable kernel source tree.
ktstr_check_kdir() {
	[ -f "$1/Makefile" ] && [ -f "$1/scripts/kconfig/merge_config.sh" ] ||
		die "KDIR=$1 is not a kernel source tree (no Makefile or scripts/kconfig/merge_config.sh); run scripts/setup.sh or pass KDIR="
}

# The architecture an ELF executable was built for (e_machine): x86_64,
# aarch64, "script" for a #! script (a wrapper: the host's), or "unknown".
ktstr_elf_arch() {
	[ "$(head -c 2 "$1" 2>/dev/null)" != '#!' ] || { echo script; return; }
	case $(od -An -tx1 -j18 -N2 "$1" 2>/dev/null | tr -d ' \n') in
	3e00) echo x86_64 ;;
	b700) echo aarch64 ;;
	*) echo unknown ;;
	esac
}

# ktstr_pdeath SIG CMD [ARGS...]: execs CMD with the parent-death signal
# SIG (setpriv, util-linux), so CMD gets SIG when the shell that forked it
# dies, even by SIGKILL, which runs no trap. Call it in the child: after
# '&', or in a subshell that is itself a child of that shell. A parent
# that died before the signal was set (the child starting up) is seen
# after: CMD then gets SIG at once. Plain CMD where setpriv lacks
# --pdeathsig.
ktstr_pdeath() {
	local sig=$1 st
	shift
	read -r -a st </proc/self/stat	# st[3]: our parent, first thing
	# Not '| grep -q': under pipefail an early grep exit fails the test.
	if [[ $(setpriv --help 2>/dev/null) == *--pdeathsig* ]]; then
		exec setpriv --pdeathsig "$sig" -- bash -c \
			'[ "$PPID" = "$1" ] || kill -s "$2" $$; shift 2; exec "$@"' \
			ktstr_pdeath "${st[3]}" "$sig" "$@"
	fi
	exec "$@"
}
