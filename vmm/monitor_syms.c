// SPDX-License-Identifier: GPL-2.0
/*
 * The guest kernel as the host monitor sees it: text and data symbols from
 * the vmlinux's ELF symbol table (libelf), member offsets from its BTF
 * (libbpf's btf API), kernel virtual to guest physical translation.
 */
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "util/util.h"
#include "vmm/monitor_syms.h"

static int cmp_ksym(const void *a, const void *b)
{
	const struct ksym *x = a, *y = b;

	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

static void data_sym(struct ksyms *ks, const char *name, uint64_t addr)
{
	static const struct {
		const char *name;
		size_t off;
	} want[] = {
		{ "runqueues", offsetof(struct ksyms, runqueues) },
		{ "__per_cpu_offset", offsetof(struct ksyms, per_cpu_offset) },
		{ "page_offset_base", offsetof(struct ksyms, page_offset_base) },
		{ "phys_base", offsetof(struct ksyms, phys_base) },
		{ "nr_cpu_ids", offsetof(struct ksyms, nr_cpu_ids) },
		{ "scx_ops_enable_state_var", offsetof(struct ksyms, scx_enable_state) },
		{ "global_dsqs", offsetof(struct ksyms, global_dsqs) },
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(want); i++)
		if (!strcmp(name, want[i].name))
			*(uint64_t *)((char *)ks + want[i].off) = addr;
}

/* Text symbols (STT_FUNC) and the data symbols of data_sym(). */
static int load_elf(struct ksyms *ks, int fd, char *err, size_t errlen)
{
	Elf *e = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	Elf_Scn *scn = NULL;
	size_t cap = 0, strsz = 0, strcap = 0;
	int r = -ENOENT;

	if (!e) {
		snprintf(err, errlen, "not an ELF file: %s", elf_errmsg(-1));
		return -EINVAL;
	}
	while ((scn = elf_nextscn(e, scn))) {
		GElf_Shdr sh;
		Elf_Data *d;
		size_t i, n;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_SYMTAB ||
		    !sh.sh_entsize)
			continue;
		d = elf_getdata(scn, NULL);
		if (!d)
			break;
		n = sh.sh_size / sh.sh_entsize;
		for (i = 0; i < n; i++) {
			GElf_Sym s;
			const char *name;
			size_t len;

			if (!gelf_getsym(d, i, &s))
				continue;
			name = elf_strptr(e, sh.sh_link, s.st_name);
			if (!name || !*name)
				continue;
			if (GELF_ST_TYPE(s.st_info) != STT_FUNC) {
				data_sym(ks, name, s.st_value);
				continue;
			}
			if (ks->nr_funcs == cap) {
				cap = cap ? cap * 2 : 4096;
				ks->funcs = xrealloc(ks->funcs, cap * sizeof(*ks->funcs));
			}
			len = strlen(name) + 1;
			if (strsz + len > strcap) {
				strcap = (strsz + len) * 2;
				ks->strtab = xrealloc(ks->strtab, strcap);
			}
			memcpy(ks->strtab + strsz, name, len);
			/* An offset until the table stops moving. */
			ks->funcs[ks->nr_funcs++] = (struct ksym){
				.addr = s.st_value, .size = s.st_size,
				.name = (const char *)(uintptr_t)strsz,
			};
			strsz += len;
		}
		r = 0;
	}
	elf_end(e);
	if (r || !ks->nr_funcs) {
		snprintf(err, errlen, "no symbol table");
		return -ENOENT;
	}
	for (size_t i = 0; i < ks->nr_funcs; i++)
		ks->funcs[i].name = ks->strtab + (uintptr_t)ks->funcs[i].name;
	qsort(ks->funcs, ks->nr_funcs, sizeof(*ks->funcs), cmp_ksym);
	return 0;
}

/*
 * Byte offset of member @name of the struct or union @id, looking into
 * anonymous members; -1 if it has none. *@type_id: the member's type.
 */
static long member_off(const struct btf *btf, __u32 id, const char *name,
		       __u32 *type_id)
{
	const struct btf_type *t = btf__type_by_id(btf, id);
	const struct btf_member *m;
	int i;

	if (!t || !(btf_is_struct(t) || btf_is_union(t)))
		return -1;
	m = btf_members(t);
	for (i = 0; i < btf_vlen(t); i++, m++) {
		const char *mn = btf__name_by_offset(btf, m->name_off);
		long off = btf_member_bit_offset(t, i) / 8, sub;

		if (mn && *mn) {
			if (strcmp(mn, name))
				continue;
			if (type_id)
				*type_id = m->type;
			return off;
		}
		sub = member_off(btf, btf__resolve_type(btf, m->type), name,
				 type_id);
		if (sub >= 0)
			return off + sub;
	}
	return -1;
}

static long struct_member(const struct btf *btf, const char *st,
			  const char *name, __u32 *type_id)
{
	int id = btf__find_by_name_kind(btf, st, BTF_KIND_STRUCT);

	return id < 0 ? -1 : member_off(btf, id, name, type_id);
}

/* The value of enumerator @name, -1 if no enum has it. */
static long enum_val(const struct btf *btf, const char *name)
{
	__u32 id, n = btf__type_cnt(btf);

	for (id = 1; id < n; id++) {
		const struct btf_type *t = btf__type_by_id(btf, id);
		const struct btf_enum *e;
		int i;

		if (!btf_is_enum(t))
			continue;
		e = btf_enum(t);
		for (i = 0; i < btf_vlen(t); i++, e++)
			if (!strcmp(btf__name_by_offset(btf, e->name_off), name))
				return e->val;
	}
	return -1;
}

static int load_btf(struct ksyms *ks, const char *vmlinux, char *err,
		    size_t errlen)
{
	struct btf *btf = btf__parse_elf(vmlinux, NULL);
	struct kofs *o = &ks->ofs;
	__u32 comm_type = 0;
	long sz;

	if (!btf) {
		snprintf(err, errlen, "no BTF: %s", strerror(errno));
		return -ENOENT;
	}
	o->rq_nr_running = struct_member(btf, "rq", "nr_running", NULL);
	o->rq_clock = struct_member(btf, "rq", "clock", NULL);
	o->rq_curr = struct_member(btf, "rq", "curr", NULL);
	o->rq_scx = struct_member(btf, "rq", "scx", NULL);
	o->scx_rq_local_dsq = struct_member(btf, "scx_rq", "local_dsq", NULL);
	o->scx_rq_nr_running = struct_member(btf, "scx_rq", "nr_running", NULL);
	o->scx_rq_flags = struct_member(btf, "scx_rq", "flags", NULL);
	o->dsq_nr = struct_member(btf, "scx_dispatch_q", "nr", NULL);
	o->task_pid = struct_member(btf, "task_struct", "pid", NULL);
	o->task_comm = struct_member(btf, "task_struct", "comm", &comm_type);
	ks->scx_enabled_val = enum_val(btf, "SCX_OPS_ENABLED");
	sz = comm_type ? btf__resolve_size(btf, comm_type) : -1;
	o->comm_len = sz > 0 ? sz : 0;
	btf__free(btf);
	/* sched_ext is optional; the rest is what the monitor is made of. */
	if (o->rq_nr_running < 0 || o->rq_clock < 0 || o->rq_curr < 0 ||
	    o->task_pid < 0 || o->task_comm < 0 || !o->comm_len) {
		snprintf(err, errlen, "BTF lacks struct rq or task_struct members");
		return -ENOENT;
	}
	return 0;
}

int ksyms_load(struct ksyms *ks, const char *vmlinux, char *err, size_t errlen)
{
	int fd, r;

	memset(ks, 0, sizeof(*ks));
	elf_version(EV_CURRENT);
	fd = open(vmlinux, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(err, errlen, "%s: %s", vmlinux, strerror(errno));
		return -errno;
	}
	r = load_elf(ks, fd, err, errlen);
	close(fd);
	if (!r && (!ks->runqueues || !ks->per_cpu_offset ||
		   !ks->page_offset_base || !ks->nr_cpu_ids)) {
		snprintf(err, errlen, "no runqueues, __per_cpu_offset, page_offset_base or nr_cpu_ids symbol");
		r = -ENOENT;
	}
	if (!r)
		r = load_btf(ks, vmlinux, err, errlen);
	if (r)
		ksyms_free(ks);
	return r;
}

void ksyms_free(struct ksyms *ks)
{
	free(ks->funcs);
	free(ks->strtab);
	memset(ks, 0, sizeof(*ks));
}

const struct ksym *ksyms_lookup(const struct ksyms *ks, uint64_t addr,
				uint64_t *off)
{
	size_t lo = 0, hi = ks->nr_funcs;
	const struct ksym *s;

	/* The last symbol at or below @addr. */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (ks->funcs[mid].addr <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (!lo)
		return NULL;
	s = &ks->funcs[lo - 1];
	if (s->size && addr - s->addr >= s->size)
		return NULL;
	*off = addr - s->addr;
	return s;
}

void ksyms_format(const struct ksyms *ks, uint64_t addr, char *out, size_t len)
{
	const struct ksym *s;
	uint64_t off;

	s = ks ? ksyms_lookup(ks, addr, &off) : NULL;
	if (s)
		snprintf(out, len, "%s+0x%llx", s->name, (unsigned long long)off);
	else
		snprintf(out, len, "0x%llx", (unsigned long long)addr);
}

int ksyms_elf_machine(const char *path)
{
	Elf64_Ehdr eh;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	bool ok;

	if (fd < 0)
		return -errno;
	ok = pread(fd, &eh, sizeof(eh), 0) == sizeof(eh) &&
	     !memcmp(eh.e_ident, ELFMAG, SELFMAG) &&
	     eh.e_ident[EI_CLASS] == ELFCLASS64;
	close(fd);
	return ok ? eh.e_machine : -ENOEXEC;
}

int kmem_va_to_pa(const struct kmem *m, uint64_t va, uint64_t *pa)
{
	if (va >= X86_START_KERNEL_MAP) {
		*pa = va - X86_START_KERNEL_MAP + m->phys_base;
		return 0;
	}
	if (m->page_offset_base && va >= m->page_offset_base) {
		*pa = va - m->page_offset_base;
		return 0;
	}
	return -EFAULT;
}

int kmem_read(const struct kmem *m, uint64_t va, void *buf, size_t len)
{
	uint64_t pa;

	if (kmem_va_to_pa(m, va, &pa) || pa + len < pa)
		return -EFAULT;
	return m->read(m->opaque, pa, buf, len);
}

int kmem_read_u64(const struct kmem *m, uint64_t va, uint64_t *v)
{
	return kmem_read(m, va, v, sizeof(*v));
}

int kmem_read_u32(const struct kmem *m, uint64_t va, uint32_t *v)
{
	return kmem_read(m, va, v, sizeof(*v));
}
