/* SPDX-License-Identifier: GPL-2.0 */
#ifndef KTSTR_VMM_ELFDEPS_H
#define KTSTR_VMM_ELFDEPS_H

#include <stdbool.h>

/*
 * What a dynamically linked ELF needs at run time: its PT_INTERP loader
 * and the DT_NEEDED closure, resolved the way ld.so would on this host
 * (DT_RUNPATH/DT_RPATH with $ORIGIN, the standard directories, then the
 * directories of /etc/ld.so.conf), so the files can be packed into a guest
 * that has nothing else.
 */
struct elf_dep {
	char *path;		/* host path where found (interp: PT_INTERP) */
	char *soname;		/* DT_NEEDED name (interp: its basename) */
	int elf_class;		/* ELFCLASS32/64 */
	unsigned int machine;	/* EM_* */
	bool interp;		/* the PT_INTERP loader */
	bool std_dir;		/* found in a standard library directory */
};

struct elf_deps {
	struct elf_dep *v;
	int nr;
	int cap;
	/* Private: /etc/ld.so.conf directories, read on first need. */
	char **conf_dirs;
	int nr_conf_dirs;
	bool conf_loaded;
};

/*
 * Appends to @d the loader and library closure of the ELF at @path,
 * skipping what @d already holds, so several binaries can share one set.
 * A static ELF adds nothing. Returns 0, -ENOENT (@path, its loader or a
 * needed soname not found; one error line names it), -ENOEXEC (@path is
 * not ELF; no message, callers may treat it as "no dependencies") or
 * another -errno. On error @d may hold a partial set; elf_deps_free() it.
 */
int elf_deps_add(struct elf_deps *d, const char *path);
void elf_deps_free(struct elf_deps *d);

/* Multiarch triplet ("x86_64-linux-gnu") for an ELF class/machine, or NULL. */
const char *elf_multiarch_triplet(int elf_class, unsigned int machine);

#endif
