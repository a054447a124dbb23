/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Linux x86 boot protocol (Documentation/arch/x86/boot.rst): bzImage
 * header checks, the guest memory map, boot_params and its e820 table.
 * Pure functions over buffers, so unit tests need no KVM.
 */
#ifndef KTSTR_VMM_X86_64_BZIMAGE_H
#define KTSTR_VMM_X86_64_BZIMAGE_H

#include <asm/bootparam.h>
#include <stddef.h>
#include <stdint.h>

/* Fixed guest-physical layout below 1 MiB and in the 32-bit hole. */
#define X86_GDT_GPA		0x500ULL
#define X86_BOOT_PARAMS_GPA	0x7000ULL
#define X86_PML4_GPA		0x9000ULL	/* + PDPT, 4 PDs: 0x9000-0xefff */
#define X86_CMDLINE_GPA		0x20000ULL
#define X86_CMDLINE_MAX		0x10000ULL
#define X86_EBDA_GPA		0x9fc00ULL
#define X86_TABLES_GPA		0xe0000ULL	/* ACPI tables, MP table */
#define X86_TABLES_SIZE		0x20000ULL
#define X86_KERNEL_GPA		0x100000ULL
#define X86_LOWMEM_LIMIT	0xc0000000ULL	/* RAM above goes to 4 GiB+ */
#define X86_HIGHMEM_BASE	0x100000000ULL
#define X86_MMIO_BASE		0xd0000000ULL	/* virtio-mmio devices */

struct bzimage {
	const uint8_t *data;
	size_t size;
	uint32_t setup_size;		/* real-mode part incl. boot sector */
	uint16_t version;		/* boot protocol */
	const struct setup_header *hdr;	/* inside data */
};

/*
 * Checks @data is a 64-bit bzImage (boot sector signature, "HdrS", protocol
 * >= 2.12, XLF_KERNEL_64); -ENOEXEC with @err set to a one-line reason.
 */
int bzimage_parse(const uint8_t *data, size_t size, struct bzimage *bz,
		  char *err, size_t errlen);

/*
 * The release (uname -r) at the start of the header's kernel_version
 * string, e.g. "6.1.0-57-amd64", into @ver (@len bytes with the NUL);
 * -ENOEXEC when there is none or it does not fit.
 */
int bzimage_version(const uint8_t *data, size_t size, char *ver, size_t len);

/* A RAM range and the NUMA node it belongs to. */
struct x86_ram_range {
	uint64_t gpa, size;
	uint32_t node;
};

/*
 * Lays @nr_nodes node sizes out in order from 0, skipping the 32-bit hole
 * [X86_LOWMEM_LIMIT, 4 GiB); a node crossing the hole gets two ranges.
 * Returns the number of ranges written (at most @max).
 */
int x86_ram_layout(const uint64_t *node_bytes, int nr_nodes,
		   struct x86_ram_range *out, int max);

/* Fills the e820 table of @bp from the RAM ranges, with the legacy holes. */
int x86_build_e820(struct boot_params *bp, const struct x86_ram_range *r,
		   int nr);

/*
 * Zero page for @bz: copies its setup header, sets loader type, command
 * line and initrd pointers, the e820 map and the ACPI RSDP address.
 */
void x86_build_boot_params(struct boot_params *bp, const struct bzimage *bz,
			   uint64_t cmdline_gpa, uint64_t initrd_gpa,
			   uint32_t initrd_size, uint64_t rsdp_gpa);

/*
 * Where the initrd goes: the highest page-aligned address below both the
 * kernel's initrd_addr_max and the end of the first RAM range; 0 if it
 * does not fit above the kernel's init_size.
 */
uint64_t x86_initrd_addr(const struct bzimage *bz,
			 const struct x86_ram_range *low, uint64_t size);

#endif
