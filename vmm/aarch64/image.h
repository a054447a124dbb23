/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The arm64 kernel Image header (Documentation/arch/arm64/booting.rst):
 * 64 bytes at the start of the file, magic "ARM\x64" at offset 0x38.
 */
#ifndef KTSTR_VMM_AARCH64_IMAGE_H
#define KTSTR_VMM_AARCH64_IMAGE_H

#include <stddef.h>
#include <stdint.h>

#define ARM64_IMAGE_MAGIC	0x644d5241U	/* "ARM\x64", little-endian */
#define ARM64_IMAGE_HDR_SIZE	64
/* The Image goes text_offset bytes above a 2 MiB aligned base. */
#define ARM64_IMAGE_ALIGN	(2ULL << 20)
/* Larger than any real kernel: a bigger image_size is a corrupt header. */
#define ARM64_IMAGE_MAX		(1ULL << 30)

struct arm64_image {
	uint64_t text_offset;	/* load offset from a 2 MiB aligned base */
	uint64_t image_size;	/* bytes the kernel occupies, bss included */
	uint64_t file_size;
};

/*
 * Parses the first @head_len bytes of a kernel file of @size bytes.
 * Returns 0, or -ENOEXEC with one line in @err (a bzImage is named as one).
 */
int arm64_image_parse(const uint8_t *head, size_t head_len, uint64_t size,
		      struct arm64_image *img, char *err, size_t errlen);

#endif
