// SPDX-License-Identifier: GPL-2.0
/*
 * Guest-visible CPU topology. KVM_GET_SUPPORTED_CPUID hands back the host's
 * cache leaves and empty topology leaves; each vCPU gets a copy patched with
 * its own APIC ID and the layout of apic.h. The comments name the Linux code
 * (v6.12, arch/x86/kernel/cpu/) that reads each field.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "vmm/x86_64/apic.h"
#include "vmm/x86_64/cpuid_topo.h"

#define CPUID_LEAF1_EDX_HTT	(1U << 28)
#define CPUID_LEAF1_ECX_X2APIC	(1U << 21)
#define CPUID_EXT_TOPO_LEVEL	0x1f	/* highest topology leaf we publish */

/* Level types of leaves 0xb/0x1f ECX[15:8] (topology_ext.c: topo_types). */
#define TOPO_TYPE_INVALID	0
#define TOPO_TYPE_SMT		1
#define TOPO_TYPE_CORE		2
#define TOPO_TYPE_DIE		5

/* Where vCPU @cpu sits, in APIC ID terms. */
struct topo_ids {
	struct apic_layout l;
	uint32_t x2apic_id;
	uint32_t pkg;		/* CPU-bearing node ordinal */
	uint32_t core_in_pkg;	/* die * cores_per_llc + core */
	uint32_t core_cpus;	/* logical CPUs per core */
	uint32_t die_cpus;	/* logical CPUs per die (LLC) */
	uint32_t pkg_cpus;	/* logical CPUs in this vCPU's package */
	uint32_t llc;		/* global LLC (die) index */
	uint32_t pkg_dies;	/* LLCs in this vCPU's package */
};

static void topo_ids(const struct topology *t, uint32_t cpu,
		     struct topo_ids *ids)
{
	uint32_t first, die, llcs;
	struct topo_cpu c;

	topology_cpu(t, cpu, &c);
	apic_layout(t, &ids->l);
	first = topology_node_first_llc(t, c.node);
	llcs = topology_node_first_llc(t, c.node + 1) - first;
	die = c.llc - first;
	ids->x2apic_id = apic_id(t, cpu);
	ids->pkg = apic_node_pkg(t, c.node);
	ids->core_in_pkg = die * t->cores_per_llc + c.core;
	ids->core_cpus = t->threads_per_core;
	ids->die_cpus = t->threads_per_core * t->cores_per_llc;
	ids->pkg_cpus = ids->die_cpus * llcs;
	ids->llc = c.llc;
	ids->pkg_dies = llcs;
}

struct kvm_cpuid_entry2 *cpuid_topo_find(struct kvm_cpuid2 *cpuid,
					 uint32_t function, uint32_t index)
{
	uint32_t i;

	for (i = 0; i < cpuid->nent; i++) {
		struct kvm_cpuid_entry2 *e = &cpuid->entries[i];

		if (e->function != function)
			continue;
		if (!(e->flags & KVM_CPUID_FLAG_SIGNIFCANT_INDEX) ||
		    e->index == index)
			return e;
	}
	return NULL;
}

enum cpuid_vendor cpuid_topo_vendor(const struct kvm_cpuid2 *cpuid)
{
	struct kvm_cpuid_entry2 *e;
	char v[12];

	e = cpuid_topo_find((struct kvm_cpuid2 *)cpuid, 0, 0);
	if (!e)
		return CPUID_VENDOR_INTEL;
	memcpy(v, &e->ebx, 4);
	memcpy(v + 4, &e->edx, 4);
	memcpy(v + 8, &e->ecx, 4);
	/* common.c: get_cpu_vendor() -> amd.c / hygon.c cpu_dev */
	if (!memcmp(v, "AuthenticAMD", 12) || !memcmp(v, "HygonGenuine", 12))
		return CPUID_VENDOR_AMD;
	return CPUID_VENDOR_INTEL;
}

/* Drops every subleaf of @function. */
static void cpuid_strip(struct kvm_cpuid2 *cpuid, uint32_t function)
{
	uint32_t i, j = 0;

	for (i = 0; i < cpuid->nent; i++)
		if (cpuid->entries[i].function != function)
			cpuid->entries[j++] = cpuid->entries[i];
	cpuid->nent = j;
}

/* Appends a zeroed entry; *@cpuid may move. NULL on allocation failure. */
static struct kvm_cpuid_entry2 *cpuid_append(struct kvm_cpuid2 **cpuid,
					     uint32_t function, uint32_t index,
					     uint32_t flags)
{
	struct kvm_cpuid_entry2 *e;
	struct kvm_cpuid2 *c;

	c = realloc(*cpuid, sizeof(*c) + ((*cpuid)->nent + 1) * sizeof(*e));
	if (!c)
		return NULL;
	*cpuid = c;
	e = &c->entries[c->nent++];
	memset(e, 0, sizeof(*e));
	e->function = function;
	e->index = index;
	e->flags = flags;
	return e;
}

/*
 * Leaf 1. EBX[31:24] initial APIC ID: topology_common.c: parse_topology()
 * (topo.initial_apicid). EBX[23:16] addressable IDs per package and EDX.HTT:
 * topology_common.c: parse_legacy() (ebx1_nproc_shift) when neither 0xb nor
 * 0x1f is usable, and cpu_detect_cache_sizes()-era code.
 */
static void patch_leaf1(struct kvm_cpuid2 *cpuid, const struct topo_ids *ids)
{
	struct kvm_cpuid_entry2 *e = cpuid_topo_find(cpuid, 1, 0);
	uint32_t nproc = 1U << ids->l.pkg_shift;

	if (!e)
		return;
	if (nproc > 0xff)
		nproc = 0xff;
	e->ebx &= 0x0000ffff;
	e->ebx |= (ids->x2apic_id & 0xff) << 24 | nproc << 16;
	if (ids->pkg_cpus > 1)
		e->edx |= CPUID_LEAF1_EDX_HTT;
	else
		e->edx &= ~CPUID_LEAF1_EDX_HTT;
	/* x2APIC IDs above 254 are only reachable in x2APIC mode. */
	if (ids->x2apic_id > APIC_XAPIC_MAX_ID)
		e->ecx |= CPUID_LEAF1_ECX_X2APIC;
}

/*
 * Cache leaves 4 (Intel) and 0x8000001d (AMD/Hygon), EAX[25:14] = number of
 * APIC IDs sharing the cache - 1. Linux masks the APIC ID with it to name
 * each cache: cacheinfo.c: init_intel_cacheinfo() (l2_id, l3_id -> llc_id),
 * cacheinfo_amd_init_llc_id() (llc_id from the last 0x8000001d leaf) and
 * get_cache_id()/__cache_amd_cpumap_setup() for the sysfs shared_cpu_map.
 * L1/L2 are private to a core, L3 (any level >= 3) to one LLC.
 * Intel EAX[31:26] = addressable core IDs per package - 1 is read by
 * topology_common.c: parse_num_cores_legacy().
 */
static void patch_cache_leaves(struct kvm_cpuid2 *cpuid, uint32_t function,
			       const struct topo_ids *ids)
{
	uint32_t core_ids = (1U << ids->l.pkg_shift) >> ids->l.smt_bits;
	uint32_t i, share, level;

	if (core_ids > 64)
		core_ids = 64;
	for (i = 0; i < cpuid->nent; i++) {
		struct kvm_cpuid_entry2 *e = &cpuid->entries[i];

		if (e->function != function || !(e->eax & 0x1f))
			continue;
		level = (e->eax >> 5) & 0x7;
		if (level <= 2)
			share = 1U << ids->l.smt_bits;
		else
			share = 1U << ids->l.die_shift;
		if (share > 4096)
			share = 4096;
		e->eax &= ~(0xfffU << 14);
		e->eax |= (share - 1) << 14;
		if (function == 4) {
			e->eax &= ~(0x3fU << 26);
			e->eax |= (core_ids - 1) << 26;
		}
	}
}

struct ext_level {
	uint32_t shift, cpus, type;
};

/*
 * Leaves 0xb and 0x1f: per level EAX[4:0] = shift to the next level's ID,
 * EBX = logical CPUs in this level's domain, ECX[7:0] = subleaf, ECX[15:8]
 * = type, EDX = x2APIC ID. Consumed by topology_ext.c: topo_subleaf() ->
 * topology_set_dom(); the last level's shift becomes the package shift and
 * topology_common.c: topo_set_ids() splits APIC IDs into pkg/die/core.
 * 0xb has only SMT and core levels, so its core level spans the package.
 * A final invalid level (type 0) ends the walk.
 */
static int add_ext_leaf(struct kvm_cpuid2 **cpuid, uint32_t function,
			const struct ext_level *lv, uint32_t nr,
			const struct topo_ids *ids)
{
	struct kvm_cpuid_entry2 *e;
	uint32_t i;

	cpuid_strip(*cpuid, function);
	for (i = 0; i <= nr; i++) {
		e = cpuid_append(cpuid, function, i,
				 KVM_CPUID_FLAG_SIGNIFCANT_INDEX);
		if (!e)
			return -ENOMEM;
		e->ecx = i;
		e->edx = ids->x2apic_id;
		if (i == nr)
			continue;
		e->eax = lv[i].shift;
		e->ebx = lv[i].cpus;
		e->ecx |= lv[i].type << 8;
	}
	return 0;
}

static int add_ext_leaves(struct kvm_cpuid2 **cpuid,
			  const struct topo_ids *ids)
{
	const struct apic_layout *l = &ids->l;
	const struct ext_level lv_1f[] = {
		{ l->smt_bits, ids->core_cpus, TOPO_TYPE_SMT },
		{ l->die_shift, ids->die_cpus, TOPO_TYPE_CORE },
		{ l->pkg_shift, ids->pkg_cpus, TOPO_TYPE_DIE },
	};
	const struct ext_level lv_0b[] = {
		{ l->smt_bits, ids->core_cpus, TOPO_TYPE_SMT },
		{ l->pkg_shift, ids->pkg_cpus, TOPO_TYPE_CORE },
	};
	struct kvm_cpuid_entry2 *e;
	int ret;

	ret = add_ext_leaf(cpuid, 0xb, lv_0b, 2, ids);
	if (!ret)
		ret = add_ext_leaf(cpuid, 0x1f, lv_1f, 3, ids);
	if (ret)
		return ret;
	/*
	 * topology_ext.c: cpu_parse_topology_ext() reads 0x1f only when
	 * cpuid_level (leaf 0 EAX) reaches it; the leaves in between that
	 * KVM does not list read as zero, i.e. "absent".
	 */
	e = cpuid_topo_find(*cpuid, 0, 0);
	if (e->eax < CPUID_EXT_TOPO_LEVEL)
		e->eax = CPUID_EXT_TOPO_LEVEL;
	return 0;
}

/* Finds or appends @function if the extended range reaches it. */
static struct kvm_cpuid_entry2 *ext_leaf(struct kvm_cpuid2 **cpuid,
					 uint32_t function, bool *nomem)
{
	struct kvm_cpuid_entry2 *e = cpuid_topo_find(*cpuid, 0x80000000, 0);

	if (!e || e->eax < function)
		return NULL;
	e = cpuid_topo_find(*cpuid, function, 0);
	if (!e) {
		e = cpuid_append(cpuid, function, 0, 0);
		*nomem = !e;
	}
	return e;
}

/*
 * AMD/Hygon extras.
 * 0x8000001e: EAX extended APIC ID, EBX[7:0] core ID, EBX[15:8] threads per
 * core - 1, ECX[7:0] node ID, ECX[10:8] nodes per package - 1. Read by
 * topology_amd.c: parse_8000_001e() (SMT shift when 0xb is absent,
 * amd_node_id) and cacheinfo_amd_init_llc_id() (node ID as LLC on pre-Zen).
 * 0x80000008 ECX[7:0] NC = threads per package - 1, ECX[15:12] ApicIdSize:
 * topology_amd.c: parse_8000_0008(), used only without leaf 0xb.
 */

/*
 * 0x8000001e ECX[10:8], nodes per package - 1. Linux (family < 0x17,
 * cpu_topology_fixup_amd()) divides the core domain's CPU count by the
 * node count: with fewer CPUs per LLC than LLCs per package that is 0 and
 * the guest dies of a divide error before its console is up. Report one
 * node per package then; the LLC id still comes from the node id.
 */
static uint32_t amd_nodes_field(const struct topo_ids *ids)
{
	return ids->die_cpus >= ids->pkg_dies ? ids->pkg_dies - 1 : 0;
}
static int patch_amd(struct kvm_cpuid2 **cpuid, const struct topo_ids *ids)
{
	struct kvm_cpuid_entry2 *e;
	bool nomem = false;
	uint32_t nc = ids->pkg_cpus - 1;

	e = ext_leaf(cpuid, 0x8000001e, &nomem);
	if (e) {
		e->eax = ids->x2apic_id;
		e->ebx = ((ids->core_cpus - 1) & 0xff) << 8 |
			 (ids->core_in_pkg & 0xff);
		/*
		 * Node = die = LLC: family < 0x17 takes the LLC ID from it
		 * (cacheinfo_amd_init_llc_id()).
		 */
		e->ecx = (ids->llc & 0xff) | (amd_nodes_field(ids) & 7) << 8;
		e->edx = 0;
	}
	e = nomem ? NULL : ext_leaf(cpuid, 0x80000008, &nomem);
	if (e) {
		if (nc > 0xff)
			nc = 0xff;
		e->ecx &= ~0xf0ffU;
		e->ecx |= (ids->l.pkg_shift & 0xfU) << 12 | nc;
	}
	return nomem ? -ENOMEM : 0;
}

#define CPUID_EXT1_ECX_TOPOEXT	(1U << 22)

/* One 0x8000001d subleaf; sharing is set later by patch_cache_leaves(). */
static void amd_cache_leaf(struct kvm_cpuid_entry2 *e, uint32_t type,
			   uint32_t level, uint32_t size_kb, uint32_t ways)
{
	const uint32_t line = 64;

	e->eax = type | level << 5 | 1U << 8;
	e->ebx = (line - 1) | (ways - 1) << 22;
	e->ecx = size_kb * 1024 / (ways * line) - 1;
	e->edx = 0;
}

/*
 * Without TOPOEXT Linux derives caches from 0x80000005/6 (amd_cpuid4())
 * and finds no LLC ID at all (llc_id stays BAD_APICID, so no MC domain);
 * some KVMs return 0x80000005 as zero, which kills cacheinfo entirely.
 * Publish TOPOEXT with 0x8000001d (L1d, L1i, L2, L3) like QEMU's topoext.
 */
static int synth_amd_topoext(struct kvm_cpuid2 **cpuid)
{
	static const uint32_t lv[4][4] = {	/* type, level, KiB, ways */
		{ 1, 1, 32, 8 }, { 2, 1, 32, 8 }, { 3, 2, 512, 8 },
		{ 3, 3, 16384, 16 },
	};
	struct kvm_cpuid_entry2 *e1 = cpuid_topo_find(*cpuid, 0x80000001, 0);
	struct kvm_cpuid_entry2 *e;
	uint32_t i;

	if (!e1 || (e1->ecx & CPUID_EXT1_ECX_TOPOEXT))
		return 0;
	e = cpuid_topo_find(*cpuid, 0x80000000, 0);
	if (!e)
		return 0;
	if (e->eax < 0x8000001e)
		e->eax = 0x8000001e;
	cpuid_strip(*cpuid, 0x8000001d);
	for (i = 0; i <= 4; i++) {
		e = cpuid_append(cpuid, 0x8000001d, i,
				 KVM_CPUID_FLAG_SIGNIFCANT_INDEX);
		if (!e)
			return -ENOMEM;
		if (i < 4)
			amd_cache_leaf(e, lv[i][0], lv[i][1], lv[i][2], lv[i][3]);
	}
	e = cpuid_topo_find(*cpuid, 0x80000001, 0);
	e->ecx |= CPUID_EXT1_ECX_TOPOEXT;
	return 0;
}

int cpuid_topo_apply(struct kvm_cpuid2 **cpuid, const struct topology *t,
		     uint32_t cpu)
{
	enum cpuid_vendor vendor;
	struct topo_ids ids;
	int ret;

	if (cpu >= topology_nr_cpus(t) || !cpuid_topo_find(*cpuid, 0, 0))
		return -EINVAL;
	vendor = cpuid_topo_vendor(*cpuid);
	topo_ids(t, cpu, &ids);
	patch_leaf1(*cpuid, &ids);
	if (vendor == CPUID_VENDOR_AMD && synth_amd_topoext(cpuid))
		return -ENOMEM;
	if (vendor == CPUID_VENDOR_AMD)
		patch_cache_leaves(*cpuid, 0x8000001d, &ids);
	else
		patch_cache_leaves(*cpuid, 4, &ids);
	ret = add_ext_leaves(cpuid, &ids);
	if (!ret && vendor == CPUID_VENDOR_AMD)
		ret = patch_amd(cpuid, &ids);
	return ret;
}
