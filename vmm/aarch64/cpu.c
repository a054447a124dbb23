// SPDX-License-Identifier: GPL-2.0
/*
 * aarch64 vCPU: KVM_ARM_VCPU_INIT with PSCI 0.2 (secondaries start powered
 * off until the guest's PSCI CPU_ON), its pvtime record (pvtime.c),
 * registers by KVM_{GET,SET}_ONE_REG, register dumps.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>

#include "vmm/aarch64/arm64.h"
#include "vmm/vm.h"

int arm64_get_reg(struct vcpu *v, uint64_t id, uint64_t *val)
{
	struct kvm_one_reg r = { .id = id, .addr = (uint64_t)(uintptr_t)val };

	return __vcpu_ioctl(v, KVM_GET_ONE_REG, &r) < 0 ? -errno : 0;
}

int arm64_set_reg(struct vcpu *v, uint64_t id, uint64_t val)
{
	struct kvm_one_reg r = { .id = id, .addr = (uint64_t)(uintptr_t)&val };

	return __vcpu_ioctl(v, KVM_SET_ONE_REG, &r) < 0 ? -errno : 0;
}

int vcpu_arch_init(struct vcpu *v)
{
	struct kvm_vcpu_init init = v->vm->arch->init;
	int r;

	init.features[0] |= 1U << KVM_ARM_VCPU_PSCI_0_2;
	if (v->vm->arch->pmu)
		init.features[0] |= 1U << KVM_ARM_VCPU_PMU_V3;
	if (v->id)
		init.features[0] |= 1U << KVM_ARM_VCPU_POWER_OFF;
	vcpu_ioctl(v, KVM_ARM_VCPU_INIT, &init);
	r = arm64_pvtime_init(v);
	if (r)
		return r;
	/*
	 * The vGIC sizes its redistributors by the vCPUs that exist, and
	 * KVM_IRQFD (virtio) waits for it: initialise it after the last one.
	 */
	if (v->id == v->vm->nr_vcpus - 1)
		return arm64_gic_finalize(v->vm);
	return 0;
}

bool vcpu_arch_handle_exit(struct vcpu *v)
{
	if (v->run->exit_reason == KVM_EXIT_ARM_NISV) {
		vm_request_stop(v->vm, VM_EXIT_ERROR,
				"vCPU %d: MMIO access at %#llx without a decodable syndrome",
				v->id, (unsigned long long)v->run->arm_nisv.fault_ipa);
		return false;
	}
	vm_request_stop(v->vm, VM_EXIT_ERROR, "vCPU %d: unhandled exit reason %u",
			v->id, v->run->exit_reason);
	return false;
}

int vcpu_arch_pc(struct vcpu *v, uint64_t *pc)
{
	return arm64_get_reg(v, ARM64_CORE_REG(regs.pc), pc);
}

void vcpu_arch_dump(struct vcpu *v, struct buf *out)
{
	uint64_t pc, pstate, sp, x[31];
	int i, r;

	r = arm64_get_reg(v, ARM64_CORE_REG(regs.pc), &pc);
	r = r ? : arm64_get_reg(v, ARM64_CORE_REG(regs.pstate), &pstate);
	r = r ? : arm64_get_reg(v, ARM64_CORE_REG(sp_el1), &sp);
	for (i = 0; !r && i < 31; i++)
		r = arm64_get_reg(v, ARM64_CORE_REG(regs.regs[i]), &x[i]);
	if (r) {
		buf_printf(out, "  (registers unavailable: %s)", strerror(-r));
		return;
	}
	buf_printf(out, "  pc %016llx pstate %016llx sp_el1 %016llx",
		   (unsigned long long)pc, (unsigned long long)pstate,
		   (unsigned long long)sp);
	for (i = 0; i < 31; i++)
		buf_printf(out, "%sx%-2d %016llx", i % 4 ? " " : "\n  ", i,
			   (unsigned long long)x[i]);
}
