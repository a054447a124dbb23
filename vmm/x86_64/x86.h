/* SPDX-License-Identifier: GPL-2.0 */
#ifndef KTSTR_VMM_X86_64_X86_H
#define KTSTR_VMM_X86_64_X86_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vmm/x86_64/bzimage.h"

struct vm;
struct topology;

/* ISA interrupt lines of the legacy devices. */
#define X86_COM1_PORT	0x3f8
#define X86_COM2_PORT	0x2f8
#define X86_COM1_GSI	4
#define X86_COM2_GSI	3
/* ACPI PM1a event (status, enable) and control blocks. */
#define X86_PM1A_EVT_PORT 0x600
#define X86_PM1A_CNT_PORT 0x604

struct x86_boot {
	int kernel_fd, initrd_fd;
	uint64_t kernel_size, initrd_size;
	const uint8_t *kernel_head;	/* at least the setup sectors */
	size_t head_len;
	const char *cmdline;
	const struct x86_ram_range *ram;
	int nr_ram;
	uint64_t rsdp_gpa;		/* 0: no ACPI tables */
};

struct vm_arch {
	struct kvm_cpuid2 *cpuid;	/* KVM_GET_SUPPORTED_CPUID */
	const struct topology *topo;
	bool realtime_hint;		/* KVM_HINTS_REALTIME in CPUID */
	bool hlt_exits_disabled;	/* KVM_CAP_X86_DISABLE_EXITS HLT */
};

int x86_boot_linux(struct vm *vm, const struct x86_boot *b, char *err,
		   size_t errlen);
/* Legacy ports: i8042 reset, POST, CMOS, ACPI PM1a blocks. */
void x86_legacy_ports_init(struct vm *vm);

#endif
