// SPDX-License-Identifier: GPL-2.0
/*
 * KVM's paravirtualized stolen time for arm64 (Documentation/virt/kvm/
 * arm/pvtime.rst, devices/vcpu.rst): each vCPU's record lives at
 * ARM64_PVTIME_IPA(id) in a 64 KiB memslot outside the guest's RAM, as in
 * kvmtool's arm/aarch64/pvtime.c. The guest finds it with the
 * PV_TIME_ST hypercall and accounts its steal from it (/proc/stat); the
 * VMM reads the same record for its telemetry.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>

#include "vmm/aarch64/arm64.h"
#include "vmm/vm.h"

/* Before the vCPUs: KVM checks the IPA against the memslots. */
int arm64_pvtime_setup(struct vm *vm)
{
	int r = vm_add_ram(vm, ARM64_PVTIME_BASE, ARM64_PVTIME_SIZE, -1);

	if (r) {
		pr_err("pvtime memslot at %#llx: %s",
		       (unsigned long long)ARM64_PVTIME_BASE, strerror(-r));
		return r;
	}
	vm->arch->pvtime = vm_gpa_to_hva(vm, ARM64_PVTIME_BASE,
					 ARM64_PVTIME_SIZE);
	return 0;
}

int arm64_pvtime_init(struct vcpu *v)
{
	struct vm_arch *arch = v->vm->arch;
	uint64_t ipa = ARM64_PVTIME_IPA(v->id);
	struct kvm_device_attr a = {
		.group = KVM_ARM_VCPU_PVTIME_CTRL,
		.attr = KVM_ARM_VCPU_PVTIME_IPA,
		.addr = (uint64_t)(uintptr_t)&ipa,
	};

	if ((uint64_t)v->id >= ARM64_PVTIME_SIZE / ARM64_PVTIME_REC)
		return -E2BIG;
	/* ENXIO: no pvtime (a host kernel without CONFIG_SCHED_INFO). */
	if (__vcpu_ioctl(v, KVM_HAS_DEVICE_ATTR, &a)) {
		if (!arch->pvtime_missing)
			pr_warn("host KVM lacks KVM_ARM_VCPU_PVTIME_IPA (%s): the guest gets no steal clock",
				strerror(errno));
		arch->pvtime_missing = "KVM_ARM_VCPU_PVTIME_IPA";
		return 0;
	}
	if (__vcpu_ioctl(v, KVM_SET_DEVICE_ATTR, &a) < 0) {
		pr_err("KVM_SET_DEVICE_ATTR KVM_ARM_VCPU_PVTIME_IPA %#llx on vCPU %d: %s",
		       (unsigned long long)ipa, v->id, strerror(errno));
		return -errno;
	}
	return 0;
}

int vcpu_arch_guest_steal(struct vcpu *v, uint64_t *ns)
{
	struct vm_arch *arch = v->vm->arch;

	if (!arch->pvtime || arch->pvtime_missing)
		return -ENOENT;
	*ns = arm64_pvtime_stolen(&arch->pvtime[v->id]);
	return 0;
}
