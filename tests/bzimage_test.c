// SPDX-License-Identifier: GPL-2.0
/* x86 boot protocol: bzImage checks, RAM layout, e820, boot_params. */
#include <errno.h>
#include <string.h>

#include "util/util.h"
#include "vmm/x86_64/bzimage.h"

#include "kselftest_harness.h"

#define IMG_SIZE 0x10000

/* A minimal image that passes the header checks: 4 setup sectors. */
static uint8_t *fake_bzimage(uint16_t version, uint16_t xloadflags)
{
	uint8_t *img = xzalloc(IMG_SIZE);
	struct setup_header *h = (void *)(img + 0x1f1);

	h->setup_sects = 4;
	h->boot_flag = 0xaa55;
	h->header = 0x53726448;
	h->version = version;
	h->loadflags = LOADED_HIGH;
	h->xloadflags = xloadflags;
	h->initrd_addr_max = 0x7fffffff;
	h->init_size = 0x2000000;
	h->cmdline_size = 2047;
	img[0x201] = 0x6a;	/* jump: header runs to 0x26c */
	return img;
}

TEST(accepts_64bit_bzimage)
{
	uint8_t *img = fake_bzimage(0x020f, XLF_KERNEL_64);
	struct bzimage bz;
	char err[128];

	ASSERT_EQ(0, bzimage_parse(img, IMG_SIZE, &bz, err, sizeof(err)));
	EXPECT_EQ(5 * 512, bz.setup_size);
	EXPECT_EQ(0x020f, bz.version);
	free(img);
}

/* The release at the head of the kernel_version string, as uname -r says. */
TEST(version_from_header)
{
	static const char s[] = "6.1.0-57-amd64 (debian-kernel@lists.debian.org) #1 SMP";
	uint8_t *img = fake_bzimage(0x020f, XLF_KERNEL_64);
	struct setup_header *h = (void *)(img + 0x1f1);
	char ver[64];

	/* No kernel_version: none. */
	EXPECT_EQ(-ENOEXEC, bzimage_version(img, IMG_SIZE, ver, sizeof(ver)));
	h->kernel_version = 0x3000;
	memcpy(img + 0x3200, s, sizeof(s));
	ASSERT_EQ(0, bzimage_version(img, IMG_SIZE, ver, sizeof(ver)));
	EXPECT_STREQ("6.1.0-57-amd64", ver);
	/* Only the release: a bare string ending in NUL is one too. */
	img[0x3200 + 14] = '\0';
	ASSERT_EQ(0, bzimage_version(img, IMG_SIZE, ver, sizeof(ver)));
	EXPECT_STREQ("6.1.0-57-amd64", ver);
	/* Too long for @ver, cut by the image's end, empty, or odd bytes. */
	EXPECT_EQ(-ENOEXEC, bzimage_version(img, IMG_SIZE, ver, 10));
	EXPECT_EQ(-ENOEXEC, bzimage_version(img, 0x3200 + 8, ver, sizeof(ver)));
	img[0x3205] = '/';
	EXPECT_EQ(-ENOEXEC, bzimage_version(img, IMG_SIZE, ver, sizeof(ver)));
	img[0x3200] = ' ';
	EXPECT_EQ(-ENOEXEC, bzimage_version(img, IMG_SIZE, ver, sizeof(ver)));
	h->kernel_version = 0xff00;	/* points past the image */
	EXPECT_EQ(-ENOEXEC, bzimage_version(img, IMG_SIZE, ver, sizeof(ver)));
	h->kernel_version = 0x3000;
	h->header = 0;
	EXPECT_EQ(-ENOEXEC, bzimage_version(img, IMG_SIZE, ver, sizeof(ver)));
	free(img);
}

TEST(rejects_non_bzimages)
{
	uint8_t *img = fake_bzimage(0x020f, XLF_KERNEL_64);
	struct bzimage bz;
	char err[128];

	EXPECT_EQ(-ENOEXEC, bzimage_parse(img, 100, &bz, err, sizeof(err)));
	EXPECT_NE(NULL, strstr(err, "not a bzImage"));
	img[0x202] = 'X';
	EXPECT_EQ(-ENOEXEC, bzimage_parse(img, IMG_SIZE, &bz, err, sizeof(err)));
	EXPECT_NE(NULL, strstr(err, "not a bzImage"));
	free(img);
	img = fake_bzimage(0x0209, XLF_KERNEL_64);
	EXPECT_EQ(-ENOEXEC, bzimage_parse(img, IMG_SIZE, &bz, err, sizeof(err)));
	EXPECT_NE(NULL, strstr(err, "2.09 too old"));
	free(img);
	img = fake_bzimage(0x020f, 0);
	EXPECT_EQ(-ENOEXEC, bzimage_parse(img, IMG_SIZE, &bz, err, sizeof(err)));
	EXPECT_NE(NULL, strstr(err, "64-bit"));
	free(img);
}

/* An arm64 Image given to the x86 build is named as one. */
TEST(rejects_arm64_image)
{
	uint8_t *img = calloc(1, IMG_SIZE);
	struct bzimage bz;
	char err[128];

	ASSERT_NE(NULL, img);
	memcpy(img + 0x38, "ARM\x64", 4);
	EXPECT_EQ(-ENOEXEC, bzimage_parse(img, IMG_SIZE, &bz, err, sizeof(err)));
	EXPECT_STREQ("an arm64 Image, not an x86 bzImage (this ktstr is x86_64)", err);
	free(img);
}

TEST(ram_layout_skips_the_hole)
{
	uint64_t nodes[] = { 2 * SZ_1G, 2 * SZ_1G, 512 * SZ_1M };
	struct x86_ram_range r[8];
	int n = x86_ram_layout(nodes, 3, r, 8);

	ASSERT_EQ(4, n);
	EXPECT_EQ(0, r[0].gpa);
	EXPECT_EQ(2 * SZ_1G, r[0].size);
	EXPECT_EQ(0, r[0].node);
	/* Node 1 crosses 3 GiB: 1 GiB below, 1 GiB from 4 GiB on. */
	EXPECT_EQ(2 * SZ_1G, r[1].gpa);
	EXPECT_EQ(SZ_1G, r[1].size);
	EXPECT_EQ(1, r[1].node);
	EXPECT_EQ(X86_HIGHMEM_BASE, r[2].gpa);
	EXPECT_EQ(SZ_1G, r[2].size);
	EXPECT_EQ(1, r[2].node);
	EXPECT_EQ(X86_HIGHMEM_BASE + SZ_1G, r[3].gpa);
	EXPECT_EQ(2, r[3].node);
}

TEST(e820_has_legacy_holes)
{
	struct x86_ram_range r[] = {
		{ 0, 256 * SZ_1M, 0 },
		{ X86_HIGHMEM_BASE, SZ_1G, 1 },
	};
	static struct boot_params bp;

	ASSERT_EQ(0, x86_build_e820(&bp, r, 2));
	ASSERT_EQ(5, bp.e820_entries);
	EXPECT_EQ(0, bp.e820_table[0].addr);
	EXPECT_EQ(X86_EBDA_GPA, bp.e820_table[0].size);
	EXPECT_EQ(1, bp.e820_table[0].type);
	EXPECT_EQ(2, bp.e820_table[1].type);		/* EBDA */
	EXPECT_EQ(X86_TABLES_GPA, bp.e820_table[2].addr);	/* ACPI, MP */
	EXPECT_EQ(2, bp.e820_table[2].type);
	EXPECT_EQ(X86_KERNEL_GPA, bp.e820_table[3].addr);
	EXPECT_EQ(256 * SZ_1M - X86_KERNEL_GPA, bp.e820_table[3].size);
	EXPECT_EQ(X86_HIGHMEM_BASE, bp.e820_table[4].addr);
	EXPECT_EQ(1, bp.e820_table[4].type);
}

TEST(boot_params_point_at_cmdline_initrd_rsdp)
{
	uint8_t *img = fake_bzimage(0x020f, XLF_KERNEL_64);
	static struct boot_params bp;
	struct bzimage bz;
	char err[128];

	ASSERT_EQ(0, bzimage_parse(img, IMG_SIZE, &bz, err, sizeof(err)));
	memset(&bp, 0xaa, sizeof(bp));
	x86_build_boot_params(&bp, &bz, X86_CMDLINE_GPA, 0x5000000, 12345,
			      0xe0000);
	EXPECT_EQ(0xff, bp.hdr.type_of_loader);
	EXPECT_EQ(0x53726448, bp.hdr.header);
	EXPECT_EQ(X86_CMDLINE_GPA, bp.hdr.cmd_line_ptr);
	EXPECT_EQ(0, bp.ext_cmd_line_ptr);
	EXPECT_EQ(0x5000000, bp.hdr.ramdisk_image);
	EXPECT_EQ(12345, bp.hdr.ramdisk_size);
	EXPECT_EQ(0xe0000, bp.acpi_rsdp_addr);
	EXPECT_TRUE(bp.hdr.loadflags & CAN_USE_HEAP);
	/* Fields outside the copied header are zeroed. */
	EXPECT_EQ(0, bp.screen_info.orig_video_lines);
	free(img);
}

TEST(initrd_goes_high_and_fits)
{
	uint8_t *img = fake_bzimage(0x020f, XLF_KERNEL_64);
	struct x86_ram_range low = { 0, 256 * SZ_1M, 0 };
	struct bzimage bz;
	char err[128];
	uint64_t a;

	ASSERT_EQ(0, bzimage_parse(img, IMG_SIZE, &bz, err, sizeof(err)));
	a = x86_initrd_addr(&bz, &low, 10 * SZ_1M + 5);
	EXPECT_EQ(0, a & 0xfff);
	EXPECT_LE(a + 10 * SZ_1M + 5, 256 * SZ_1M);
	EXPECT_GE(a, X86_KERNEL_GPA + 0x2000000);
	/* Too big to sit above the kernel's init_size: refused. */
	EXPECT_EQ(0, x86_initrd_addr(&bz, &low, 250 * SZ_1M));
	free(img);
}

TEST_HARNESS_MAIN
