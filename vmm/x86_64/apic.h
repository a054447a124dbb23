/* SPDX-License-Identifier: GPL-2.0 */
/*
 * x86 APIC ID layout for a declared topology, packed the way hardware does
 * it: [ package | die | core | SMT ], each field ceil(log2(count)) bits
 * wide. One CPU-bearing NUMA node is one package and one LLC is one die, so
 * Linux sees a package per node (per-package TSC sync and calibration
 * happen once per node) and an L3 per die.
 *
 * KVM derives a vCPU's APIC ID from its vcpu_id: create vCPU @cpu with
 * KVM_CREATE_VCPU(apic_id(t, cpu)), and enable KVM_CAP_X2APIC_API
 * (KVM_X2APIC_API_USE_32BIT_IDS) when apic_needs_x2apic().
 */
#ifndef KTSTR_VMM_X86_64_APIC_H
#define KTSTR_VMM_X86_64_APIC_H

#include <stdbool.h>
#include <stdint.h>

#include "harness/topology.h"

#define APIC_XAPIC_MAX_ID 254	/* 0xff is the xAPIC broadcast ID */

struct apic_layout {
	uint8_t smt_bits, core_bits, die_bits;
	/* Bit where each field starts; pkg_shift is the width of a package. */
	uint8_t core_shift, die_shift, pkg_shift;
};

/* ceil(log2(n)), 0 for n <= 1: the width of a field holding 0..n-1. */
uint8_t apic_order(uint32_t n);
void apic_layout(const struct topology *t, struct apic_layout *l);
/* LLCs of the largest CPU-bearing node: what the die field must hold. */
uint32_t apic_max_llcs_per_pkg(const struct topology *t);
/* Package of @node: its index among CPU-bearing nodes, in node order. */
uint32_t apic_node_pkg(const struct topology *t, uint32_t node);
uint32_t apic_id(const struct topology *t, uint32_t cpu);
uint32_t apic_max_id(const struct topology *t);
/* True when some APIC ID cannot be expressed as an xAPIC ID (> 254). */
bool apic_needs_x2apic(const struct topology *t);
/* An IOAPIC ID just above the LAPIC IDs when that fits in 8 bits, else 0. */
uint8_t apic_ioapic_id(const struct topology *t);

#endif
