/* SPDX-License-Identifier: GPL-2.0 */
/* The aarch64 VMM's state in vm->arch and its KVM register helpers. */
#ifndef KTSTR_VMM_AARCH64_ARM64_H
#define KTSTR_VMM_AARCH64_ARM64_H

#include <linux/kvm.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vmm/aarch64/layout.h"

struct topology;
struct vcpu;
struct vm;

struct vm_arch {
	int gic_fd;			/* KVM_DEV_TYPE_ARM_VGIC_V3 */
	struct kvm_vcpu_init init;	/* KVM_ARM_PREFERRED_TARGET */
	bool pmu;			/* KVM_CAP_ARM_PMU_V3: vCPUs get PMUv3 */
	const struct topology *topo;
	/*
	 * The pvtime records (ARM64_PVTIME_BASE), and the KVM attribute a
	 * host lacks for them (NULL: every vCPU has its record).
	 */
	struct arm64_pvtime_rec *pvtime;
	const char *pvtime_missing;
};

/* The pvtime memslot; before the vCPUs exist. */
int arm64_pvtime_setup(struct vm *vm);
/*
 * Points vCPU @v's stolen-time record at ARM64_PVTIME_IPA(id), after
 * KVM_ARM_VCPU_INIT; a host without pvtime is noted in pvtime_missing.
 */
int arm64_pvtime_init(struct vcpu *v);

/*
 * Sets up the vGIC once every vCPU exists (KVM_DEV_ARM_VGIC_CTRL_INIT);
 * -E2BIG for more vCPUs than the redistributor region holds.
 */
int arm64_gic_finalize(struct vm *vm);
/* A 64-bit vCPU register by KVM_{GET,SET}_ONE_REG id; -errno. */
int arm64_get_reg(struct vcpu *v, uint64_t id, uint64_t *val);
int arm64_set_reg(struct vcpu *v, uint64_t id, uint64_t val);
/* The core register ids of struct kvm_regs. */
#define ARM64_CORE_REG(name)	(KVM_REG_ARM64 | KVM_REG_SIZE_U64 | \
				 KVM_REG_ARM_CORE | KVM_REG_ARM_CORE_REG(name))
#define ARM64_MPIDR_EL1		ARM64_SYS_REG(3, 0, 0, 0, 5)

#endif
