// SPDX-License-Identifier: GPL-2.0
/* x86_64 vCPU: CPUID, MSRs, FPU and LAPIC setup; register dumps. */
#include <errno.h>
#include <stdio.h>
#include <linux/kvm.h>
#include <asm/kvm_para.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "vmm/vm.h"
#include "vmm/x86_64/cpuid_topo.h"
#include "vmm/x86_64/x86.h"

#define MSR_IA32_MISC_ENABLE		0x000001a0
#define MISC_ENABLE_FAST_STRING		(1ULL << 0)
#define APIC_LVT0			0x350
#define APIC_LVT1			0x360
#define APIC_MODE_NMI			0x4
#define APIC_MODE_EXTINT		0x7

static void set_cpuid_bits(struct kvm_cpuid2 *c, bool realtime,
			   bool tsc_deadline)
{
	uint32_t i;

	for (i = 0; i < c->nent; i++) {
		struct kvm_cpuid_entry2 *e = &c->entries[i];

		if (e->function == 1) {
			/*
			 * KVM does not set CPUID.1:ECX.HYPERVISOR; without it
			 * Linux ignores the KVM leaves (kvmclock, steal time,
			 * PV EOI) and calibrates the TSC against the PIT.
			 */
			e->ecx |= 1U << 31;
			/*
			 * KVM emulates the TSC-deadline timer but leaves
			 * the bit to userspace. Without it the guest
			 * calibrates the LAPIC timer against the PIT, which
			 * fails under nested emulation ("APIC timer disabled
			 * due to verification failure"): no ticks, no CPU
			 * time or steal accounting.
			 */
			if (tsc_deadline)
				e->ecx |= 1U << 24;
		}
		/*
		 * Dedicated cores (performance mode): the guest drops PV
		 * yields and polls before halting. The KVM features leaf
		 * itself (steal time, PV EOI, ...) passes through as KVM
		 * supports it.
		 */
		if (e->function == KVM_CPUID_FEATURES && realtime)
			e->edx |= 1U << KVM_HINTS_REALTIME;
	}
}

static int setup_cpuid(struct vcpu *v)
{
	struct vm_arch *arch = v->vm->arch;
	size_t sz = sizeof(*arch->cpuid) +
		    arch->cpuid->nent * sizeof(arch->cpuid->entries[0]);
	struct kvm_cpuid2 *c = xmalloc(sz);
	int r = 0;

	memcpy(c, arch->cpuid, sz);
	set_cpuid_bits(c, arch->realtime_hint,
		       vm_check_cap(v->vm, KVM_CAP_TSC_DEADLINE_TIMER));
	/* APIC IDs, cache sharing and 0xB/0x1F levels of the topology. */
	r = cpuid_topo_apply(&c, arch->topo, v->id);
	if (!r)
		vcpu_ioctl(v, KVM_SET_CPUID2, c);
	free(c);
	return r;
}

static int setup_msrs(struct vcpu *v)
{
	struct {
		struct kvm_msrs hdr;
		struct kvm_msr_entry e[1];
	} m = {
		.hdr.nmsrs = 1,
		.e[0] = { .index = MSR_IA32_MISC_ENABLE,
			  .data = MISC_ENABLE_FAST_STRING },
	};

	return vcpu_ioctl(v, KVM_SET_MSRS, &m) == 1 ? 0 : -EIO;
}

static int setup_fpu(struct vcpu *v)
{
	struct kvm_fpu fpu = { .fcw = 0x37f, .mxcsr = 0x1f80 };

	vcpu_ioctl(v, KVM_SET_FPU, &fpu);
	return 0;
}

static void lvt_set_mode(struct kvm_lapic_state *l, int reg, uint32_t mode)
{
	uint32_t *p = (uint32_t *)&l->regs[reg];

	*p = (*p & ~0x700U) | (mode << 8);
}

/* Virtual wire mode on the BSP, as firmware leaves it: LINT0 ExtINT, LINT1 NMI. */
static int setup_lapic(struct vcpu *v)
{
	struct kvm_lapic_state l;

	vcpu_ioctl(v, KVM_GET_LAPIC, &l);
	lvt_set_mode(&l, APIC_LVT0, APIC_MODE_EXTINT);
	lvt_set_mode(&l, APIC_LVT1, APIC_MODE_NMI);
	vcpu_ioctl(v, KVM_SET_LAPIC, &l);
	return 0;
}

int vcpu_arch_init(struct vcpu *v)
{
	int r;

	r = setup_cpuid(v);
	if (r)
		return r;
	r = setup_msrs(v);
	r = r ? : setup_fpu(v);
	if (!r && v->id == 0)
		r = setup_lapic(v);
	return r;
}

bool vcpu_arch_handle_exit(struct vcpu *v)
{
	char what[64];

	if (v->run->exit_reason == KVM_EXIT_HLT) {
		/* The in-kernel LAPIC handles HLT; seeing one is a VMM bug. */
		vm_request_stop(v->vm, VM_EXIT_ERROR, "vCPU %d: unexpected HLT exit",
				v->id);
		return false;
	}
	snprintf(what, sizeof(what), "unhandled exit reason %u",
		 v->run->exit_reason);
	vm_request_stop(v->vm, VM_EXIT_ERROR, "vCPU %d: %s", v->id, what);
	return false;
}

void vcpu_arch_dump(struct vcpu *v, struct buf *out)
{
	struct kvm_regs r;
	struct kvm_sregs s;

	if (__vcpu_ioctl(v, KVM_GET_REGS, &r) < 0 ||
	    __vcpu_ioctl(v, KVM_GET_SREGS, &s) < 0) {
		buf_printf(out, "  (registers unavailable: %s)", strerror(errno));
		return;
	}
	buf_printf(out,
		   "  rip %016llx rsp %016llx rflags %016llx\n"
		   "  rax %016llx rbx %016llx rcx %016llx rdx %016llx\n"
		   "  rsi %016llx rdi %016llx rbp %016llx\n"
		   "  cr0 %016llx cr2 %016llx cr3 %016llx cr4 %016llx efer %llx\n"
		   "  cs %04x ss %04x",
		   r.rip, r.rsp, r.rflags, r.rax, r.rbx, r.rcx, r.rdx,
		   r.rsi, r.rdi, r.rbp, s.cr0, s.cr2, s.cr3, s.cr4, s.efer,
		   s.cs.selector, s.ss.selector);
}

int vcpu_arch_pc(struct vcpu *v, uint64_t *pc)
{
	struct kvm_regs r;

	if (__vcpu_ioctl(v, KVM_GET_REGS, &r) < 0)
		return -errno;
	*pc = r.rip;
	return 0;
}

/*
 * What the guest itself sees as steal: the kvm_steal_time record that
 * MSR_KVM_STEAL_TIME points at, in guest memory (untrusted, so looked up
 * through the memslots and only read). -ENOENT while the guest has none.
 */
int vcpu_arch_guest_steal(struct vcpu *v, uint64_t *ns)
{
	struct {
		struct kvm_msrs hdr;
		struct kvm_msr_entry e[1];
	} m = {
		.hdr.nmsrs = 1,
		.e[0].index = MSR_KVM_STEAL_TIME,
	};
	uint64_t gpa;
	void *st;

	if (__vcpu_ioctl(v, KVM_GET_MSRS, &m) != 1)
		return -EIO;
	if (!(m.e[0].data & KVM_MSR_ENABLED))
		return -ENOENT;
	gpa = m.e[0].data & ~63ULL;
	st = vm_gpa_to_hva(v->vm, gpa, sizeof(struct kvm_steal_time));
	if (!st)
		return -EFAULT;
	memcpy(ns, &((struct kvm_steal_time *)st)->steal, sizeof(*ns));
	return 0;
}
