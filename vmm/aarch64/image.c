// SPDX-License-Identifier: GPL-2.0
/* The arm64 Image header, checked before anything is loaded. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "vmm/aarch64/image.h"

/* flags bit 0: big-endian kernel. */
#define IMAGE_FLAG_BE		(1ULL << 0)

static uint64_t le64(const uint8_t *p)
{
	uint64_t v = 0;
	int i;

	for (i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

static uint32_t le32(const uint8_t *p)
{
	return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

/* An x86 boot sector: 0xaa55 at 0x1fe and "HdrS" at 0x202. */
static int is_bzimage(const uint8_t *head, size_t len)
{
	return len >= 0x206 && head[0x1fe] == 0x55 && head[0x1ff] == 0xaa &&
	       !memcmp(head + 0x202, "HdrS", 4);
}

int arm64_image_parse(const uint8_t *head, size_t head_len, uint64_t size,
		      struct arm64_image *img, char *err, size_t errlen)
{
	uint64_t flags;

	if (is_bzimage(head, head_len)) {
		snprintf(err, errlen, "an x86 bzImage, not an arm64 Image");
		return -ENOEXEC;
	}
	if (head_len < ARM64_IMAGE_HDR_SIZE || size < ARM64_IMAGE_HDR_SIZE ||
	    le32(head + 0x38) != ARM64_IMAGE_MAGIC) {
		snprintf(err, errlen, "no arm64 Image magic \"ARM\\x64\" at offset 0x38");
		return -ENOEXEC;
	}
	img->text_offset = le64(head + 8);
	img->image_size = le64(head + 16);
	img->file_size = size;
	flags = le64(head + 24);
	if (flags & IMAGE_FLAG_BE) {
		snprintf(err, errlen, "a big-endian arm64 Image");
		return -ENOEXEC;
	}
	if (!img->image_size) {
		/* Before Linux 3.17; its bss size is unknown. */
		snprintf(err, errlen, "arm64 Image with image_size 0 (Linux before 3.17)");
		return -ENOEXEC;
	}
	if (img->image_size < size || img->image_size > ARM64_IMAGE_MAX) {
		snprintf(err, errlen, "arm64 Image size %llu is out of range for a file of %llu bytes",
			 (unsigned long long)img->image_size,
			 (unsigned long long)size);
		return -ENOEXEC;
	}
	if (img->text_offset >= ARM64_IMAGE_ALIGN || img->text_offset % 4096) {
		snprintf(err, errlen, "arm64 Image text_offset %#llx is not a 4 KiB multiple below 2 MiB",
			 (unsigned long long)img->text_offset);
		return -ENOEXEC;
	}
	return 0;
}
