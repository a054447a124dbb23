/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Topology in CPUID: rewrites one vCPU's copy of KVM_GET_SUPPORTED_CPUID so
 * the guest sees the APIC ID layout of apic.h, per-core L1/L2 and one L3
 * per LLC.
 */
#ifndef KTSTR_VMM_X86_64_CPUID_TOPO_H
#define KTSTR_VMM_X86_64_CPUID_TOPO_H

#include <stdint.h>
#include <linux/kvm.h>

#include "harness/topology.h"

enum cpuid_vendor {
	CPUID_VENDOR_INTEL,	/* GenuineIntel and anything not AMD-like */
	CPUID_VENDOR_AMD,	/* AuthenticAMD, HygonGenuine */
};

enum cpuid_vendor cpuid_topo_vendor(const struct kvm_cpuid2 *cpuid);
/* The entry for @function/@index, or NULL. */
struct kvm_cpuid_entry2 *cpuid_topo_find(struct kvm_cpuid2 *cpuid,
					 uint32_t function, uint32_t index);

/*
 * Patches *@cpuid for vCPU @cpu of @t. Leaves 0xb and 0x1f are replaced
 * (and appended when KVM lacks them), so *@cpuid must come from malloc():
 * it may be reallocated. Returns 0, -EINVAL for @cpu out of range or a
 * list without leaf 0, or -ENOMEM.
 */
int cpuid_topo_apply(struct kvm_cpuid2 **cpuid, const struct topology *t,
		     uint32_t cpu);

#endif
