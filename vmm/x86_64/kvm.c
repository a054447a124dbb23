// SPDX-License-Identifier: GPL-2.0
/* x86_64 VM setup: TSS/identity map, in-kernel irqchip and PIT, CPUID. */
#include <errno.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "vmm/vm.h"
#include "vmm/x86_64/x86.h"

/* Just below the 4 GiB boundary, outside RAM and the MMIO window. */
#define TSS_GPA			0xfffbd000ULL
#define IDENTITY_MAP_GPA	0xfffbc000ULL

static struct kvm_cpuid2 *get_supported_cpuid(struct vm *vm)
{
	int nent = 128;

	for (;;) {
		struct kvm_cpuid2 *c = xzalloc(sizeof(*c) +
					       nent * sizeof(c->entries[0]));

		c->nent = nent;
		if (__kvm_ioctl(vm, KVM_GET_SUPPORTED_CPUID, c) == 0)
			return c;
		free(c);
		if (errno != E2BIG)
			kvm_ioctl_die("KVM_GET_SUPPORTED_CPUID", "/dev/kvm", -1);
		nent *= 2;
	}
}

void vm_arch_destroy(struct vm *vm)
{
	free(vm->arch->cpuid);
	free(vm->arch);
	vm->arch = NULL;
}

int vm_arch_init(struct vm *vm)
{
	struct kvm_pit_config pit = { .flags = 0 };
	struct vm_arch *arch = xzalloc(sizeof(*arch));

	vm->arch = arch;
	VM_REQUIRE_CAP(vm, KVM_CAP_IRQCHIP);
	VM_REQUIRE_CAP(vm, KVM_CAP_PIT2);
	VM_REQUIRE_CAP(vm, KVM_CAP_EXT_CPUID);
	VM_REQUIRE_CAP(vm, KVM_CAP_SET_TSS_ADDR);
	VM_REQUIRE_CAP(vm, KVM_CAP_SET_IDENTITY_MAP_ADDR);
	VM_REQUIRE_CAP(vm, KVM_CAP_USER_MEMORY);
	VM_REQUIRE_CAP(vm, KVM_CAP_IRQFD);
	VM_REQUIRE_CAP(vm, KVM_CAP_IOEVENTFD);
	VM_REQUIRE_CAP(vm, KVM_CAP_IMMEDIATE_EXIT);
	vm_ioctl(vm, KVM_SET_TSS_ADDR, TSS_GPA);
	vm_ioctl(vm, KVM_SET_IDENTITY_MAP_ADDR, &(uint64_t){ IDENTITY_MAP_GPA });
	vm_ioctl(vm, KVM_CREATE_IRQCHIP, 0);
	vm_ioctl(vm, KVM_CREATE_PIT2, &pit);
	arch->cpuid = get_supported_cpuid(vm);
	x86_legacy_ports_init(vm);
	return 0;
}

/*
 * Dedicated cores make PAUSE and HLT exits pure overhead. KVM offers HLT
 * only when the host's SMT-RSB mitigation allows it; PAUSE goes alone then.
 * Must run before any vCPU exists.
 */
int vm_arch_perf_exits(struct vm *vm, char *note, size_t len)
{
	int allowed = vm_check_cap(vm, KVM_CAP_X86_DISABLE_EXITS);
	struct kvm_enable_cap cap = { .cap = KVM_CAP_X86_DISABLE_EXITS };
	int want = allowed & (KVM_X86_DISABLE_EXITS_PAUSE |
			      KVM_X86_DISABLE_EXITS_HLT);

	if (!want) {
		snprintf(note, len, "KVM cannot disable PAUSE or HLT exits here (mask %#x)",
			 allowed);
		return 0;
	}
	cap.args[0] = want;
	if (__vm_ioctl(vm, KVM_ENABLE_CAP, &cap) < 0)
		return -errno;
	vm->arch->hlt_exits_disabled = want & KVM_X86_DISABLE_EXITS_HLT;
	vm->arch->realtime_hint = true;
	snprintf(note, len, "exits disabled: PAUSE%s%s",
		 vm->arch->hlt_exits_disabled ? " HLT" : "",
		 vm->arch->hlt_exits_disabled ? "" :
		 " (HLT refused by the host: SMT-RSB mitigation)");
	return want;
}

bool vm_arch_halt_observable(struct vm *vm)
{
	return !vm->arch->hlt_exits_disabled;
}
