// SPDX-License-Identifier: GPL-2.0
/*
 * vmm/aarch64/image.c: the arm64 Image header as the aarch64 VMM checks it
 * before loading (a good header, a bad magic, bad sizes and offsets, a
 * big-endian kernel, an x86 bzImage). Runs on every host.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "kselftest_harness.h"
#include "vmm/aarch64/image.h"

#define HEAD_LEN	4096
#define FILE_SIZE	(20ULL << 20)

static void put64(uint8_t *p, uint64_t v)
{
	int i;

	for (i = 0; i < 8; i++)
		p[i] = v >> (8 * i);
}

/* A header as arch/arm64/kernel/head.S writes it. */
static void fill_header(uint8_t *h)
{
	memset(h, 0, HEAD_LEN);
	put64(h + 8, 0);			/* text_offset */
	put64(h + 16, FILE_SIZE + (1 << 20));	/* image_size: bss too */
	put64(h + 24, 0xa);			/* LE, 4K pages, anywhere */
	memcpy(h + 0x38, "ARM\x64", 4);
}

static int parse(uint8_t *h, size_t len, uint64_t size, char *err)
{
	struct arm64_image img;

	return arm64_image_parse(h, len, size, &img, err, 256);
}

TEST(good_header)
{
	uint8_t h[HEAD_LEN];
	struct arm64_image img;
	char err[256] = "";

	fill_header(h);
	put64(h + 8, 0x80000);
	ASSERT_EQ(0, arm64_image_parse(h, sizeof(h), FILE_SIZE, &img, err,
				       sizeof(err))) TH_LOG("%s", err);
	EXPECT_EQ(0x80000ULL, img.text_offset);
	EXPECT_EQ(FILE_SIZE + (1 << 20), img.image_size);
	EXPECT_EQ(FILE_SIZE, img.file_size);
}

TEST(bad_magic)
{
	uint8_t h[HEAD_LEN];
	char err[256];

	fill_header(h);
	h[0x3b] = 0x65;
	EXPECT_EQ(-ENOEXEC, parse(h, sizeof(h), FILE_SIZE, err));
	EXPECT_NE(NULL, strstr(err, "magic")) TH_LOG("%s", err);
}

TEST(short_file)
{
	uint8_t h[HEAD_LEN];
	char err[256];

	fill_header(h);
	EXPECT_EQ(-ENOEXEC, parse(h, 32, 32, err));
	EXPECT_NE(NULL, strstr(err, "magic")) TH_LOG("%s", err);
}

TEST(bad_sizes)
{
	uint8_t h[HEAD_LEN];
	char err[256];

	fill_header(h);
	put64(h + 16, 0);
	EXPECT_EQ(-ENOEXEC, parse(h, sizeof(h), FILE_SIZE, err));
	EXPECT_NE(NULL, strstr(err, "image_size 0")) TH_LOG("%s", err);
	put64(h + 16, FILE_SIZE - 1);
	EXPECT_EQ(-ENOEXEC, parse(h, sizeof(h), FILE_SIZE, err));
	EXPECT_NE(NULL, strstr(err, "out of range")) TH_LOG("%s", err);
	put64(h + 16, ARM64_IMAGE_MAX + 1);
	EXPECT_EQ(-ENOEXEC, parse(h, sizeof(h), FILE_SIZE, err));
	EXPECT_NE(NULL, strstr(err, "out of range")) TH_LOG("%s", err);
}

TEST(bad_text_offset)
{
	uint8_t h[HEAD_LEN];
	char err[256];

	fill_header(h);
	put64(h + 8, ARM64_IMAGE_ALIGN);
	EXPECT_EQ(-ENOEXEC, parse(h, sizeof(h), FILE_SIZE, err));
	EXPECT_NE(NULL, strstr(err, "text_offset")) TH_LOG("%s", err);
	put64(h + 8, 0x80001);
	EXPECT_EQ(-ENOEXEC, parse(h, sizeof(h), FILE_SIZE, err));
}

TEST(big_endian)
{
	uint8_t h[HEAD_LEN];
	char err[256];

	fill_header(h);
	put64(h + 24, 0xb);
	EXPECT_EQ(-ENOEXEC, parse(h, sizeof(h), FILE_SIZE, err));
	EXPECT_NE(NULL, strstr(err, "big-endian")) TH_LOG("%s", err);
}

TEST(bzimage)
{
	uint8_t h[HEAD_LEN];
	char err[256];

	memset(h, 0, sizeof(h));
	h[0x1fe] = 0x55;
	h[0x1ff] = 0xaa;
	memcpy(h + 0x202, "HdrS", 4);
	EXPECT_EQ(-ENOEXEC, parse(h, sizeof(h), FILE_SIZE, err));
	EXPECT_NE(NULL, strstr(err, "bzImage")) TH_LOG("%s", err);
}

TEST_HARNESS_MAIN
