// SPDX-License-Identifier: GPL-2.0
/*
 * 64-bit boot of a bzImage: kernel, command line, initrd and zero page in
 * guest RAM, then the BSP enters startup_64 with paging, a flat GDT and
 * RSI pointing at boot_params (boot protocol "64-bit BOOT PROTOCOL").
 */
#include <errno.h>
#include <stdio.h>
#include <linux/kvm.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "vmm/vm.h"
#include "vmm/x86_64/bzimage.h"
#include "vmm/x86_64/x86.h"

#define PTE_P		(1ULL << 0)
#define PTE_RW		(1ULL << 1)
#define PTE_PS		(1ULL << 7)
#define BOOT_CS		0x10
#define BOOT_DS		0x18

/* Identity map of the low 4 GiB with 2 MiB pages: PML4, PDPT, 4 PDs. */
static int setup_page_tables(struct vm *vm)
{
	uint64_t *pml4 = vm_gpa_to_hva(vm, X86_PML4_GPA, 6 * 0x1000);
	uint64_t *pdpt, *pd;
	int i;

	if (!pml4)
		return -EFAULT;
	memset(pml4, 0, 6 * 0x1000);
	pdpt = pml4 + 512;
	pd = pdpt + 512;
	pml4[0] = (X86_PML4_GPA + 0x1000) | PTE_P | PTE_RW;
	for (i = 0; i < 4; i++)
		pdpt[i] = (X86_PML4_GPA + 0x2000 + i * 0x1000) | PTE_P | PTE_RW;
	for (i = 0; i < 4 * 512; i++)
		pd[i] = ((uint64_t)i << 21) | PTE_P | PTE_RW | PTE_PS;
	return 0;
}

static int setup_gdt(struct vm *vm)
{
	uint64_t *gdt = vm_gpa_to_hva(vm, X86_GDT_GPA, 4 * sizeof(uint64_t));

	if (!gdt)
		return -EFAULT;
	gdt[0] = 0;
	gdt[1] = 0;
	gdt[BOOT_CS / 8] = 0x00af9b000000ffffULL;	/* 64-bit code */
	gdt[BOOT_DS / 8] = 0x00cf93000000ffffULL;	/* flat data */
	return 0;
}

static void seg(struct kvm_segment *s, uint16_t sel, uint8_t type, bool code)
{
	*s = (struct kvm_segment){
		.base = 0, .limit = 0xffffffff, .selector = sel,
		.type = type, .present = 1, .dpl = 0, .s = 1, .g = 1,
		.l = code, .db = !code,
	};
}

static int setup_bsp(struct vcpu *v, uint64_t entry)
{
	struct kvm_sregs sregs;
	struct kvm_regs regs = {
		.rip = entry, .rsi = X86_BOOT_PARAMS_GPA, .rflags = 2,
	};

	vcpu_ioctl(v, KVM_GET_SREGS, &sregs);
	sregs.gdt.base = X86_GDT_GPA;
	sregs.gdt.limit = 4 * 8 - 1;
	seg(&sregs.cs, BOOT_CS, 0xb, true);
	seg(&sregs.ds, BOOT_DS, 0x3, false);
	sregs.es = sregs.fs = sregs.gs = sregs.ss = sregs.ds;
	sregs.cr0 = 0x80000001 | 0x10;		/* PG | PE | ET */
	sregs.cr3 = X86_PML4_GPA;
	sregs.cr4 = 0x20;			/* PAE */
	sregs.efer = 0x500;			/* LME | LMA */
	vcpu_ioctl(v, KVM_SET_SREGS, &sregs);
	vcpu_ioctl(v, KVM_SET_REGS, &regs);
	return 0;
}

static int copy_to_guest(struct vm *vm, uint64_t gpa, const void *p,
			 uint64_t len)
{
	void *dst = vm_gpa_to_hva(vm, gpa, len);

	if (!dst)
		return -EFAULT;
	memcpy(dst, p, len);
	return 0;
}

/* File bytes [off, off+len) straight into guest RAM at @gpa. */
static int file_to_guest(struct vm *vm, uint64_t gpa, int fd, uint64_t off,
			 uint64_t len)
{
	uint8_t *dst = vm_gpa_to_hva(vm, gpa, len);

	if (!dst)
		return -EFAULT;
	while (len) {
		ssize_t n = pread(fd, dst, len, off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		dst += n;
		off += n;
		len -= n;
	}
	return 0;
}

int x86_boot_linux(struct vm *vm, const struct x86_boot *b, char *err,
		   size_t errlen)
{
	struct x86_ram_range low = { vm->regions[0].gpa, vm->regions[0].size };
	struct bzimage bz;
	struct boot_params *bp;
	uint64_t initrd_gpa = 0;
	size_t cmdlen = strlen(b->cmdline) + 1;
	int r;

	r = bzimage_parse(b->kernel_head, b->kernel_size, &bz, err, errlen);
	if (r)
		return r;
	if (bz.setup_size > b->head_len) {
		snprintf(err, errlen, "setup of %u bytes is larger than read", bz.setup_size);
		return -ENOEXEC;
	}
	if (cmdlen > X86_CMDLINE_MAX || cmdlen > bz.hdr->cmdline_size + 1u) {
		snprintf(err, errlen, "command line of %zu bytes exceeds the kernel's %u",
			 cmdlen, bz.hdr->cmdline_size);
		return -E2BIG;
	}
	if (file_to_guest(vm, X86_KERNEL_GPA, b->kernel_fd, bz.setup_size,
			  bz.size - bz.setup_size)) {
		snprintf(err, errlen, "kernel of %zu bytes does not fit in guest RAM",
			 bz.size);
		return -ENOMEM;
	}
	if (b->initrd_size) {
		/* Above the kernel's init_size, below initrd_addr_max. */
		initrd_gpa = x86_initrd_addr(&bz, &low, b->initrd_size);
		if (!initrd_gpa ||
		    file_to_guest(vm, initrd_gpa, b->initrd_fd, 0, b->initrd_size)) {
			snprintf(err, errlen, "initramfs of %zu bytes does not fit in the first %llu MiB of guest RAM",
				 b->initrd_size, (unsigned long long)(low.size >> 20));
			return -ENOMEM;
		}
	}
	if (copy_to_guest(vm, X86_CMDLINE_GPA, b->cmdline, cmdlen))
		return -EFAULT;
	bp = vm_gpa_to_hva(vm, X86_BOOT_PARAMS_GPA, sizeof(*bp));
	if (!bp)
		return -EFAULT;
	x86_build_boot_params(bp, &bz, X86_CMDLINE_GPA, initrd_gpa,
			      b->initrd_size, b->rsdp_gpa);
	r = x86_build_e820(bp, b->ram, b->nr_ram);
	if (r) {
		snprintf(err, errlen, "too many RAM ranges for the e820 map");
		return r;
	}
	r = setup_gdt(vm);
	r = r ? : setup_page_tables(vm);
	/* 64-bit entry: startup_64 is 0x200 past the protected-mode code. */
	r = r ? : setup_bsp(&vm->vcpus[0], X86_KERNEL_GPA + 0x200);
	if (r)
		snprintf(err, errlen, "BSP setup failed: %s", strerror(-r));
	return r;
}
