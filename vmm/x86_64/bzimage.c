// SPDX-License-Identifier: GPL-2.0
/* Linux x86 boot protocol: header checks, memory map, boot_params. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "util/util.h"
#include "vmm/x86_64/bzimage.h"

#define SETUP_HDR_OFF	0x1f1
#define HDRS_MAGIC	0x53726448	/* "HdrS" */
#define MIN_PROTOCOL	0x020c		/* 2.12: xloadflags, 64-bit entry */

int bzimage_parse(const uint8_t *data, size_t size, struct bzimage *bz,
		  char *err, size_t errlen)
{
	const struct setup_header *h;
	uint32_t sects;

	if (size < 0x1000) {
		snprintf(err, errlen, "not a bzImage (only %zu bytes)", size);
		return -ENOEXEC;
	}
	h = (const struct setup_header *)(data + SETUP_HDR_OFF);
	/* booting.rst: the arm64 Image header's magic "ARM\x64" at 0x38. */
	if (!memcmp(data + 0x38, "ARM\x64", 4)) {
		snprintf(err, errlen, "an arm64 Image, not an x86 bzImage (this ktstr is x86_64)");
		return -ENOEXEC;
	}
	if (h->boot_flag != 0xaa55 || h->header != HDRS_MAGIC) {
		snprintf(err, errlen, "not a bzImage (no boot sector signature or \"HdrS\" header)");
		return -ENOEXEC;
	}
	if (h->version < MIN_PROTOCOL) {
		snprintf(err, errlen, "boot protocol %u.%02u too old (need 2.12+)",
			 h->version >> 8, h->version & 0xff);
		return -ENOEXEC;
	}
	if (!(h->xloadflags & XLF_KERNEL_64) || !(h->loadflags & LOADED_HIGH)) {
		snprintf(err, errlen, "not a 64-bit bzImage (no XLF_KERNEL_64)");
		return -ENOEXEC;
	}
	sects = h->setup_sects ? h->setup_sects : 4;
	bz->setup_size = (sects + 1) * 512;
	if (bz->setup_size >= size) {
		snprintf(err, errlen, "setup_sects=%u exceeds the file size", sects);
		return -ENOEXEC;
	}
	bz->data = data;
	bz->size = size;
	bz->version = h->version;
	bz->hdr = h;
	return 0;
}

int x86_ram_layout(const uint64_t *node_bytes, int nr_nodes,
		   struct x86_ram_range *out, int max)
{
	uint64_t gpa = 0;
	int i, n = 0;

	for (i = 0; i < nr_nodes; i++) {
		uint64_t left = node_bytes[i];

		while (left && n < max) {
			uint64_t chunk = left;

			if (gpa < X86_LOWMEM_LIMIT)
				chunk = MIN(left, X86_LOWMEM_LIMIT - gpa);
			out[n++] = (struct x86_ram_range){ gpa, chunk, i };
			left -= chunk;
			gpa += chunk;
			if (gpa == X86_LOWMEM_LIMIT)
				gpa = X86_HIGHMEM_BASE;
		}
	}
	return n;
}

static int e820_add(struct boot_params *bp, uint64_t addr, uint64_t size,
		    uint32_t type)
{
	struct boot_e820_entry *e;

	if (!size)
		return 0;
	if (bp->e820_entries >= E820_MAX_ENTRIES_ZEROPAGE)
		return -ENOSPC;
	e = &bp->e820_table[bp->e820_entries++];
	e->addr = addr;
	e->size = size;
	e->type = type;
	return 0;
}

/* e820 types (arch/x86/include/asm/e820/types.h is not uapi) */
#define E820_RAM	1
#define E820_RESERVED	2

int x86_build_e820(struct boot_params *bp, const struct x86_ram_range *r,
		   int nr)
{
	int i, err = 0;

	bp->e820_entries = 0;
	for (i = 0; i < nr && !err; i++) {
		uint64_t start = r[i].gpa, end = r[i].gpa + r[i].size;

		if (start == 0) {
			/* Real-mode IVT/BDA and low RAM, EBDA, BIOS area. */
			err = e820_add(bp, 0, X86_EBDA_GPA, E820_RAM);
			err = err ? : e820_add(bp, X86_EBDA_GPA,
					       0xa0000 - X86_EBDA_GPA,
					       E820_RESERVED);
			err = err ? : e820_add(bp, X86_TABLES_GPA,
					       X86_TABLES_SIZE, E820_RESERVED);
			start = X86_KERNEL_GPA;
		}
		if (end > start && !err)
			err = e820_add(bp, start, end - start, E820_RAM);
	}
	return err;
}

void x86_build_boot_params(struct boot_params *bp, const struct bzimage *bz,
			   uint64_t cmdline_gpa, uint64_t initrd_gpa,
			   uint32_t initrd_size, uint64_t rsdp_gpa)
{
	/* The setup header runs from 0x1f1 to 0x202 + the byte at 0x201. */
	size_t hdr_len = 0x202 + bz->data[0x201] - SETUP_HDR_OFF;

	memset(bp, 0, offsetof(struct boot_params, e820_table));
	memcpy(&bp->hdr, bz->hdr, MIN(hdr_len, sizeof(bp->hdr)));
	bp->hdr.type_of_loader = 0xff;
	bp->hdr.loadflags |= CAN_USE_HEAP;
	bp->hdr.loadflags &= ~QUIET_FLAG;
	bp->hdr.heap_end_ptr = 0xfe00;
	bp->hdr.vid_mode = 0xffff;
	bp->hdr.cmd_line_ptr = (uint32_t)cmdline_gpa;
	bp->ext_cmd_line_ptr = cmdline_gpa >> 32;
	bp->hdr.ramdisk_image = (uint32_t)initrd_gpa;
	bp->ext_ramdisk_image = initrd_gpa >> 32;
	bp->hdr.ramdisk_size = initrd_size;
	bp->acpi_rsdp_addr = rsdp_gpa;
}

uint64_t x86_initrd_addr(const struct bzimage *bz,
			 const struct x86_ram_range *low, uint64_t size)
{
	uint64_t top = low->gpa + low->size, lowest;

	if (bz->hdr->initrd_addr_max && top > (uint64_t)bz->hdr->initrd_addr_max + 1)
		top = (uint64_t)bz->hdr->initrd_addr_max + 1;
	lowest = X86_KERNEL_GPA + ALIGN_UP((uint64_t)bz->hdr->init_size, 0x1000);
	if (size > top || ((top - size) & ~0xfffULL) < lowest)
		return 0;
	return (top - size) & ~0xfffULL;
}

int bzimage_version(const uint8_t *data, size_t size, char *ver, size_t len)
{
	const struct setup_header *h;
	size_t off, n = 0;

	if (!len || size < 0x1000)
		return -ENOEXEC;
	h = (const struct setup_header *)(data + SETUP_HDR_OFF);
	/* boot.rst: kernel_version, since protocol 2.00, is 0x200 short. */
	if (h->boot_flag != 0xaa55 || h->header != HDRS_MAGIC ||
	    h->version < 0x0200 || !h->kernel_version)
		return -ENOEXEC;
	off = (size_t)h->kernel_version + 0x200;
	/* "6.1.0-57-amd64 (debian-kernel@...) #1 SMP ...": the first word. */
	while (off + n < size && n + 1 < len && data[off + n] > ' ' &&
	       data[off + n] < 0x7f && data[off + n] != '/')
		n++;
	if (!n || off + n >= size || (data[off + n] != ' ' && data[off + n]))
		return -ENOEXEC;
	memcpy(ver, data + off, n);
	ver[n] = '\0';
	return 0;
}
