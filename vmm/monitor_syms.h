/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the host monitor (vmm/monitor.h) knows of the guest kernel, from
 * its vmlinux alone: symbol addresses (libelf) and struct member offsets
 * (BTF, libbpf), and how to turn a kernel virtual address into a guest
 * physical one. Nothing here is hard-coded per kernel version.
 */
#ifndef KTSTR_VMM_MONITOR_SYMS_H
#define KTSTR_VMM_MONITOR_SYMS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ksym {
	uint64_t addr, size;
	const char *name;
};

/* Byte offsets of the members the monitor reads; -1: not in this kernel. */
struct kofs {
	long rq_nr_running, rq_clock, rq_curr, rq_scx;
	long scx_rq_local_dsq, scx_rq_nr_running, scx_rq_flags;
	long dsq_nr;
	long task_pid, task_comm;
	size_t comm_len;
};

struct ksyms {
	struct ksym *funcs;		/* text symbols, sorted by address */
	size_t nr_funcs;
	char *strtab;			/* names, one copy */
	/* Data symbols; 0: absent. */
	uint64_t runqueues, per_cpu_offset, page_offset_base, phys_base;
	uint64_t nr_cpu_ids, scx_enable_state, global_dsqs;
	long scx_enabled_val;		/* SCX_OPS_ENABLED from BTF, -1: none */
	struct kofs ofs;
};

/*
 * Reads @vmlinux's symbols and BTF. 0, or -errno and a one-line reason in
 * @err (no such file, no symbols, no BTF, a member missing).
 */
int ksyms_load(struct ksyms *ks, const char *vmlinux, char *err, size_t errlen);
void ksyms_free(struct ksyms *ks);
/*
 * e_machine of the 64-bit ELF file @path (EM_X86_64, EM_AARCH64), or
 * -errno: the address translation below is x86_64's.
 */
int ksyms_elf_machine(const char *path);
/* The text symbol containing @addr, its offset in *@off; NULL: none. */
const struct ksym *ksyms_lookup(const struct ksyms *ks, uint64_t addr,
				uint64_t *off);
/* "func+0x1a", or "0x..." (user or unknown address), into @out. */
void ksyms_format(const struct ksyms *ks, uint64_t addr, char *out, size_t len);

/*
 * Guest memory as the monitor reads it: @read copies @len bytes at guest
 * physical @gpa, 0 or -EFAULT outside guest RAM (never a host fault).
 */
struct kmem {
	int (*read)(void *opaque, uint64_t gpa, void *buf, size_t len);
	void *opaque;
	uint64_t page_offset_base;	/* read from the guest, 0: not yet */
	uint64_t phys_base;
};

#define X86_START_KERNEL_MAP	0xffffffff80000000ULL

/*
 * Kernel virtual @va to guest physical: the kernel image mapping
 * (va - __START_KERNEL_map + phys_base), else the direct map
 * (va - page_offset_base). -EFAULT for anything else.
 */
int kmem_va_to_pa(const struct kmem *m, uint64_t va, uint64_t *pa);
int kmem_read(const struct kmem *m, uint64_t va, void *buf, size_t len);
int kmem_read_u64(const struct kmem *m, uint64_t va, uint64_t *v);
int kmem_read_u32(const struct kmem *m, uint64_t va, uint32_t *v);

#endif
