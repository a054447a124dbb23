// SPDX-License-Identifier: GPL-2.0
/* Distribution kernel modules: modules.dep, modules.builtin, load order. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "init/init.h"
#include "util/util.h"
#include "vmm/kmod.h"

#include "kselftest_harness.h"

/* Debian 6.1's lines, plus a made-up chain listed in no useful order. */
static const char dep_text[] =
	"kernel/drivers/virtio/virtio.ko: kernel/drivers/virtio/virtio_ring.ko\n"
	"kernel/drivers/virtio/virtio_ring.ko:\n"
	"kernel/drivers/virtio/virtio_mmio.ko: kernel/drivers/virtio/virtio.ko kernel/drivers/virtio/virtio_ring.ko\n"
	"kernel/drivers/char/virtio_console.ko: kernel/drivers/virtio/virtio.ko kernel/drivers/virtio/virtio_ring.ko\n"
	"\n"
	"junk without a colon\n"
	"extra/a-b.ko.xz: extra/c.ko.xz\textra/d.ko.xz\n"
	"extra/c.ko.xz: extra/d.ko.xz\n"
	"extra/d.ko.xz:\n"
	"extra/loop1.ko: extra/loop2.ko\n"
	"extra/loop2.ko: extra/loop1.ko\n"
	"extra/orphan.ko: extra/missing.ko";

static const char builtin_text[] =
	"kernel/drivers/tty/serial/8250/8250.ko\n"
	"kernel/drivers/virtio/virtio_anchor.ko\n";

TEST(names)
{
	char n[32];

	kmod_name("kernel/drivers/virtio/virtio_mmio.ko", n, sizeof(n));
	EXPECT_STREQ("virtio_mmio", n);
	kmod_name("/lib/modules/x/kernel/drivers/char/hw_random/virtio-rng.ko.xz",
		  n, sizeof(n));
	EXPECT_STREQ("virtio_rng", n);
	kmod_name("03-virtio_console.ko.zst", n, sizeof(n));
	EXPECT_STREQ("03_virtio_console", n);
	kmod_name("averyveryverylongname.ko", n, 5);
	EXPECT_STREQ("aver", n);
}

TEST(dep_parse)
{
	const struct kmod_dep_line *l;
	struct kmod_dep dep;

	ASSERT_EQ(0, kmod_dep_parse(dep_text, strlen(dep_text), &dep));
	EXPECT_EQ(10, dep.nr);
	l = kmod_dep_find(&dep, "virtio_mmio");
	ASSERT_NE(NULL, l);
	EXPECT_STREQ("kernel/drivers/virtio/virtio_mmio.ko", l->path);
	ASSERT_EQ(2, l->nr_deps);
	EXPECT_STREQ("kernel/drivers/virtio/virtio_ring.ko", l->deps[1]);
	l = kmod_dep_find(&dep, "virtio_ring");
	ASSERT_NE(NULL, l);
	EXPECT_EQ(0, l->nr_deps);
	l = kmod_dep_find(&dep, "a_b");		/* '-' and '_' are one */
	ASSERT_NE(NULL, l);
	EXPECT_EQ(2, l->nr_deps);
	EXPECT_STREQ("extra/d.ko.xz", l->deps[1]);
	l = kmod_dep_find(&dep, "orphan");	/* the last line, no newline */
	ASSERT_NE(NULL, l);
	EXPECT_STREQ("extra/missing.ko", l->deps[0]);
	EXPECT_EQ(NULL, kmod_dep_find(&dep, "virtio_pci"));
	kmod_dep_free(&dep);
	EXPECT_EQ(0, dep.nr);
}

TEST(builtin)
{
	size_t len = strlen(builtin_text);

	EXPECT_TRUE(kmod_builtin(builtin_text, len, "8250"));
	EXPECT_TRUE(kmod_builtin(builtin_text, len, "virtio_anchor"));
	EXPECT_FALSE(kmod_builtin(builtin_text, len, "virtio"));
	EXPECT_FALSE(kmod_builtin(builtin_text, len, "virtio_mmio"));
	EXPECT_FALSE(kmod_builtin("", 0, "virtio_mmio"));
}

static void expect_order(struct __test_metadata *_metadata,
			 const struct kmod_plan *p, const char *const *want,
			 int nr)
{
	int i;

	ASSERT_EQ(nr, p->nr);
	for (i = 0; i < nr; i++)
		EXPECT_STREQ(want[i], p->v[i].name);
}

TEST(load_order)
{
	static const char *const virtio[] = {
		"virtio_ring", "virtio", "virtio_mmio", "virtio_console",
	};
	static const char *const chain[] = { "d", "c", "a_b" };
	struct kmod_plan p = {};
	struct kmod_dep dep;

	ASSERT_EQ(0, kmod_dep_parse(dep_text, strlen(dep_text), &dep));
	EXPECT_EQ(0, kmod_add(&p, &dep, "/lib/modules/v", "virtio_mmio"));
	EXPECT_EQ(0, kmod_add(&p, &dep, "/lib/modules/v", "virtio_console"));
	expect_order(_metadata, &p, virtio, 4);
	EXPECT_STREQ("/lib/modules/v/kernel/drivers/virtio/virtio_ring.ko",
		     p.v[0].path);
	kmod_plan_free(&p);
	/* d before c although a_b's line names c first. */
	EXPECT_EQ(0, kmod_add(&p, &dep, "/m", "a_b"));
	expect_order(_metadata, &p, chain, 3);
	EXPECT_STREQ("/m/extra/a-b.ko.xz", p.v[2].path);
	kmod_plan_free(&p);
	EXPECT_EQ(-ELOOP, kmod_add(&p, &dep, "/m", "loop1"));
	kmod_plan_free(&p);
	EXPECT_EQ(-ENOENT, kmod_add(&p, &dep, "/m", "orphan"));
	EXPECT_EQ(-ENOENT, kmod_add(&p, &dep, "/m", "virtio_pci"));
	kmod_plan_free(&p);
	kmod_dep_free(&dep);
}

/* Which cmdline words reach which module, as modprobe would pass them. */
TEST(module_params)
{
	static const char cmdline[] =
		"console=ttyS0 virtio_mmio.device=0x200@0xd0000000:5 virtio-mmio.x=1\n"
		"virtio_mmio.flag virtio_console.y=2 virtio_mmiox.z=3 -- shell virtio_mmio.device=no";
	struct buf b = {};

	guest_module_params(cmdline, "virtio_mmio", &b);
	EXPECT_STREQ("device=0x200@0xd0000000:5 x=1", (char *)b.data);
	buf_free(&b);
	guest_module_params(cmdline, "virtio_console", &b);
	EXPECT_STREQ("y=2", (char *)b.data);
	buf_free(&b);
	guest_module_params(cmdline, "virtio", &b);
	EXPECT_STREQ("", (char *)b.data);
	buf_free(&b);
}

static char *write_tmp(const char *suffix, const void *data, size_t len)
{
	char *path = xasprintf("/tmp/ktstr-kmod-%d%s", getpid(), suffix);

	if (write_file_atomic(path, data, len)) {
		free(path);
		return NULL;
	}
	return path;
}

/* .ko as it is, .ko.gz inflated, .ko.xz only when the kernel inflates. */
TEST(pack_files)
{
	static const char elf[] = "\177ELF fake module";
	struct kmod_module m[3];
	struct kmod_plan p = { .v = m, .nr = 3 };
	uint8_t gz[256];
	uLongf gzlen = sizeof(gz);
	struct buf out = {};
	char err[256], *guest = NULL;
	z_stream zs = {};

	/* A gzip stream: deflate with windowBits 15 + 16. */
	ASSERT_EQ(Z_OK, deflateInit2(&zs, 9, Z_DEFLATED, 15 + 16, 8,
				     Z_DEFAULT_STRATEGY));
	zs.next_in = (Bytef *)elf;
	zs.avail_in = sizeof(elf);
	zs.next_out = gz;
	zs.avail_out = sizeof(gz);
	ASSERT_EQ(Z_STREAM_END, deflate(&zs, Z_FINISH));
	gzlen = zs.total_out;
	deflateEnd(&zs);
	m[0] = (struct kmod_module){ "virtio_ring", write_tmp(".ko", elf, sizeof(elf)) };
	m[1] = (struct kmod_module){ "virtio", write_tmp(".ko.gz", gz, gzlen) };
	m[2] = (struct kmod_module){ "virtio_mmio", write_tmp(".ko.xz", gz, gzlen) };
	ASSERT_NE(NULL, m[0].path);
	ASSERT_NE(NULL, m[1].path);
	ASSERT_NE(NULL, m[2].path);

	ASSERT_EQ(0, kmod_pack_file(&p, 0, &out, &guest, err, sizeof(err)));
	EXPECT_STREQ(KMOD_GUEST_DIR "/00-virtio_ring.ko", guest);
	EXPECT_EQ(sizeof(elf), out.len);
	free(guest);
	buf_free(&out);
	ASSERT_EQ(0, kmod_pack_file(&p, 1, &out, &guest, err, sizeof(err)))
		TH_LOG("%s", err);
	EXPECT_STREQ(KMOD_GUEST_DIR "/01-virtio.ko", guest);
	ASSERT_EQ(sizeof(elf), out.len);
	EXPECT_EQ(0, memcmp(elf, out.data, out.len));
	free(guest);
	buf_free(&out);
	EXPECT_EQ(-EOPNOTSUPP, kmod_pack_file(&p, 2, &out, &guest, err,
					      sizeof(err)));
	EXPECT_NE(NULL, strstr(err, "CONFIG_MODULE_DECOMPRESS")) TH_LOG("%s", err);
	buf_free(&out);
	p.can_decompress = true;
	ASSERT_EQ(0, kmod_pack_file(&p, 2, &out, &guest, err, sizeof(err)));
	EXPECT_STREQ(KMOD_GUEST_DIR "/02-virtio_mmio.ko.xz", guest);
	EXPECT_EQ(gzlen, out.len);
	free(guest);
	buf_free(&out);
	/* Corrupt gzip: one line naming the file. */
	gz[gzlen / 2] ^= 0xff;
	gz[gzlen - 5] ^= 0xff;
	write_file_atomic(m[1].path, gz, gzlen);
	EXPECT_NE(0, kmod_pack_file(&p, 1, &out, &guest, err, sizeof(err)));
	EXPECT_NE(NULL, strstr(err, m[1].path));
	buf_free(&out);
	for (int i = 0; i < 3; i++) {
		unlink(m[i].path);
		free(m[i].path);
	}
}

/* A kernel /lib/modules and /boot know nothing of: ktstr's own. */
TEST(unknown_kernel_needs_nothing)
{
	uint8_t *img = xzalloc(0x10000);
	struct kmod_plan p;
	char err[256] = "", *path;

	/* A bzImage header whose release no directory is named after. */
	img[0x1fe] = 0x55;
	img[0x1ff] = 0xaa;
	memcpy(img + 0x202, "HdrS", 4);
	img[0x206] = 0x0f;
	img[0x207] = 0x02;
	img[0x20e] = 0x00;
	img[0x20f] = 0x30;	/* kernel_version 0x3000 */
	memcpy(img + 0x3200, "0.0.0-ktstr-test-none #1", 25);
	path = write_tmp(".img", img, 0x10000);
	ASSERT_NE(NULL, path);
	ASSERT_EQ(0, kmod_plan_kernel(path, &p, err, sizeof(err))) TH_LOG("%s", err);
#ifdef __x86_64__
	EXPECT_STREQ("0.0.0-ktstr-test-none", p.version);
#endif
	EXPECT_EQ(0, p.nr);
	EXPECT_FALSE(p.virtio_in_firmware);
	kmod_plan_free(&p);
	/* Not a kernel at all: nothing either, vmm_run says why. */
	ASSERT_EQ(0, kmod_plan_kernel("/dev/null", &p, err, sizeof(err)));
	EXPECT_EQ(0, p.nr);
	unlink(path);
	free(path);
	free(img);
}

static void put(struct __test_metadata *_metadata, const char *dir,
		const char *name, const char *text)
{
	char *path = xasprintf("%s/%s", dir, name);

	ASSERT_EQ(0, mkdir_p(dir, 0755));
	ASSERT_EQ(0, write_file_atomic(path, text, strlen(text)));
	free(path);
}

/* What a release needs, from a fake /lib/modules and /boot. */
TEST(plan_release)
{
	char root[] = "/tmp/ktstr-kmod-XXXXXX", err[512] = "", *mods, *boot,
	     *dir, *cmd;
	static const char *const virtio[] = {
		"virtio_ring", "virtio", "virtio_mmio", "virtio_console",
	};
	struct kmod_plan p;

	ASSERT_NE(NULL, mkdtemp(root));
	mods = xasprintf("%s/lib", root);
	boot = xasprintf("%s/boot", root);
	dir = xasprintf("%s/6.1.0-t", mods);
	/* Debian's: both modules, no virtio_mmio.device= support. */
	put(_metadata, dir, "modules.dep", dep_text);
	put(_metadata, dir, "modules.builtin", builtin_text);
	put(_metadata, boot, "config-6.1.0-t",
	    "CONFIG_VIRTIO_MMIO=m\n# CONFIG_VIRTIO_MMIO_CMDLINE_DEVICES is not set\n"
	    "CONFIG_VIRTIO_CONSOLE=m\n");
	ASSERT_EQ(0, kmod_plan_release("6.1.0-t", mods, boot, &p, err,
				       sizeof(err))) TH_LOG("%s", err);
	expect_order(_metadata, &p, virtio, 4);
	EXPECT_TRUE(p.virtio_in_firmware);
	EXPECT_FALSE(p.can_decompress);
	EXPECT_NE(NULL, strstr(p.no_sched_ext, "CONFIG_SCHED_CLASS_EXT is not set in "));
	kmod_plan_free(&p);
	/* .ko.xz the kernel cannot inflate: refused before any packing. */
	put(_metadata, dir, "modules.dep",
	    "kernel/drivers/virtio/virtio_mmio.ko.xz:\nkernel/drivers/char/virtio_console.ko:\n");
	EXPECT_EQ(-EOPNOTSUPP, kmod_plan_release("6.1.0-t", mods, boot, &p,
						 err, sizeof(err)));
	EXPECT_NE(NULL, strstr(err, "virtio_mmio.ko.xz is compressed and the kernel has no CONFIG_MODULE_DECOMPRESS")) TH_LOG("%s", err);
	EXPECT_EQ(0, p.nr);
	/* A module missing: one line naming it and where it was looked for. */
	put(_metadata, dir, "modules.dep",
	    "kernel/drivers/virtio/virtio_mmio.ko:\n");
	EXPECT_EQ(-ENOENT, kmod_plan_release("6.1.0-t", mods, boot, &p, err,
					     sizeof(err)));
	EXPECT_NE(NULL, strstr(err, "no virtio_console (a module, no module in ")) TH_LOG("%s", err);
	EXPECT_NE(NULL, strstr(err, dir)) TH_LOG("%s", err);
	EXPECT_EQ(NULL, strchr(err, '\n'));
	EXPECT_EQ(0, p.nr);
	/* Built in, with command-line devices: nothing to pack. */
	put(_metadata, dir, "modules.builtin",
	    "kernel/drivers/virtio/virtio_mmio.ko\nkernel/drivers/char/virtio_console.ko\n");
	put(_metadata, boot, "config-6.1.0-t",
	    "CONFIG_VIRTIO_MMIO=y\nCONFIG_VIRTIO_MMIO_CMDLINE_DEVICES=y\n"
	    "CONFIG_VIRTIO_CONSOLE=y\nCONFIG_MODULE_DECOMPRESS=y\nCONFIG_SCHED_CLASS_EXT=y\n");
	ASSERT_EQ(0, kmod_plan_release("6.1.0-t", mods, boot, &p, err,
				       sizeof(err))) TH_LOG("%s", err);
	EXPECT_EQ(0, p.nr);
	EXPECT_FALSE(p.virtio_in_firmware);
	EXPECT_TRUE(p.can_decompress);
	EXPECT_STREQ("", p.no_sched_ext);
	/* Only a config, without a virtio console at all. */
	put(_metadata, boot, "config-6.1.0-u",
	    "CONFIG_VIRTIO_MMIO=y\nCONFIG_VIRTIO_MMIO_CMDLINE_DEVICES=y\n"
	    "# CONFIG_VIRTIO_CONSOLE is not set\n");
	EXPECT_EQ(-ENOENT, kmod_plan_release("6.1.0-u", mods, boot, &p, err,
					     sizeof(err)));
	EXPECT_NE(NULL, strstr(err, "no virtio_console (not built in, no module in ")) TH_LOG("%s", err);
	/* Neither: ktstr's own kernel, as before. */
	ASSERT_EQ(0, kmod_plan_release("6.1.0-v", mods, boot, &p, err,
				       sizeof(err)));
	EXPECT_EQ(0, p.nr);
	EXPECT_FALSE(p.virtio_in_firmware);
	cmd = xasprintf("rm -rf %s", root);
	EXPECT_EQ(0, system(cmd));
	free(cmd);
	free(dir);
	free(boot);
	free(mods);
}

TEST_HARNESS_MAIN
