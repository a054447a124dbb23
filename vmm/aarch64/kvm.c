// SPDX-License-Identifier: GPL-2.0
/*
 * aarch64 VM setup: the in-kernel vGICv3 (distributor and one
 * redistributor region sized by the vCPU count), the preferred vCPU
 * target and PMUv3 where KVM offers it. The arch timer is KVM's own,
 * wired to the default PPIs.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "fdt/fdt.h"
#include "vmm/aarch64/arm64.h"
#include "vmm/vm.h"

static int gic_attr(struct vm *vm, uint32_t group, uint64_t attr, void *val)
{
	struct kvm_device_attr a = {
		.group = group, .attr = attr, .addr = (uint64_t)(uintptr_t)val,
	};

	return ioctl(vm->arch->gic_fd, KVM_SET_DEVICE_ATTR, &a) < 0 ? -errno : 0;
}

static void create_gic(struct vm *vm)
{
	struct kvm_create_device dev = { .type = KVM_DEV_TYPE_ARM_VGIC_V3 };
	uint64_t dist = ARM64_GICD_BASE, redist = ARM64_GICR_BASE;

	vm_ioctl(vm, KVM_CREATE_DEVICE, &dev);
	vm->arch->gic_fd = dev.fd;
	if (gic_attr(vm, KVM_DEV_ARM_VGIC_GRP_ADDR, KVM_VGIC_V3_ADDR_TYPE_DIST,
		     &dist) ||
	    gic_attr(vm, KVM_DEV_ARM_VGIC_GRP_ADDR,
		     KVM_VGIC_V3_ADDR_TYPE_REDIST, &redist))
		kvm_ioctl_die("KVM_SET_DEVICE_ATTR (vGICv3 addresses)", "the VM", -1);
}

void vm_arch_destroy(struct vm *vm)
{
	if (vm->arch->gic_fd >= 0)
		close(vm->arch->gic_fd);
	free(vm->arch);
	vm->arch = NULL;
}

int vm_arch_init(struct vm *vm)
{
	struct vm_arch *arch = xzalloc(sizeof(*arch));

	vm->arch = arch;
	arch->gic_fd = -1;
	VM_REQUIRE_CAP(vm, KVM_CAP_IRQCHIP);
	VM_REQUIRE_CAP(vm, KVM_CAP_ARM_PSCI_0_2);
	VM_REQUIRE_CAP(vm, KVM_CAP_ONE_REG);
	VM_REQUIRE_CAP(vm, KVM_CAP_DEVICE_CTRL);
	VM_REQUIRE_CAP(vm, KVM_CAP_USER_MEMORY);
	VM_REQUIRE_CAP(vm, KVM_CAP_IRQFD);
	VM_REQUIRE_CAP(vm, KVM_CAP_IOEVENTFD);
	VM_REQUIRE_CAP(vm, KVM_CAP_IMMEDIATE_EXIT);
	vm_ioctl(vm, KVM_ARM_PREFERRED_TARGET, &arch->init);
	arch->pmu = vm_check_cap(vm, KVM_CAP_ARM_PMU_V3);
	create_gic(vm);
	return 0;
}

static int pmu_attr(struct vcpu *v, uint64_t attr, void *val)
{
	struct kvm_device_attr a = {
		.group = KVM_ARM_VCPU_PMU_V3_CTRL, .attr = attr,
		.addr = (uint64_t)(uintptr_t)val,
	};

	return __vcpu_ioctl(v, KVM_SET_DEVICE_ATTR, &a) < 0 ? -errno : 0;
}

/*
 * A vCPU created with KVM_ARM_VCPU_PMU_V3 does not run until its PMU is
 * initialised, which needs the vGIC initialised first (devices/vcpu.rst):
 * every vCPU gets the same overflow PPI, then PMU_V3_INIT.
 */
static int pmu_init(struct vm *vm)
{
	int irq = ARM64_PMU_PPI, i, r;
	const char *what;

	for (i = 0; i < vm->nr_vcpus; i++) {
		what = "KVM_ARM_VCPU_PMU_V3_IRQ";
		r = pmu_attr(&vm->vcpus[i], KVM_ARM_VCPU_PMU_V3_IRQ, &irq);
		if (!r) {
			what = "KVM_ARM_VCPU_PMU_V3_INIT";
			r = pmu_attr(&vm->vcpus[i], KVM_ARM_VCPU_PMU_V3_INIT,
				     NULL);
		}
		if (r) {
			pr_err("KVM_SET_DEVICE_ATTR %s on vCPU %d: %s", what,
			       i, strerror(-r));
			return r;
		}
	}
	return 0;
}

int arm64_gic_finalize(struct vm *vm)
{
	uint32_t nr_irqs = ARM64_NR_IRQS;
	int r;

	if ((uint64_t)vm->nr_vcpus * FDT_GICR_FRAME_SIZE > ARM64_GICR_MAX)
		return -E2BIG;
	r = gic_attr(vm, KVM_DEV_ARM_VGIC_GRP_NR_IRQS, 0, &nr_irqs);
	r = r ? : gic_attr(vm, KVM_DEV_ARM_VGIC_GRP_CTRL,
			   KVM_DEV_ARM_VGIC_CTRL_INIT, NULL);
	if (r) {
		pr_err("vGICv3 init for %d vCPUs: %s", vm->nr_vcpus,
		       strerror(-r));
		return r;
	}
	return vm->arch->pmu ? pmu_init(vm) : 0;
}

/* No exit to disable: WFI/WFE trapping is KVM's policy on arm64. */
int vm_arch_perf_exits(struct vm *vm, char *note, size_t len)
{
	snprintf(note, len, "no exits to disable on aarch64");
	return 0;
}

bool vm_arch_halt_observable(struct vm *vm)
{
	return true;
}
