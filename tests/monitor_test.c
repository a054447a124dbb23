// SPDX-License-Identifier: GPL-2.0
/*
 * The host monitor's view of a guest kernel: BTF offsets and symbols of
 * the built guest's vmlinux (skipped without one), the symbolizer, kernel
 * virtual to guest physical translation over fake guest memory, bad guest
 * pointers rejected, the not_stuck rule and the JSON member.
 */
#include <elf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/json.h"
#include "util/util.h"
#include "vmm/monitor.h"
#include "vmm/monitor_syms.h"

#include "kselftest_harness.h"

#ifndef KTSTR_VMLINUX
#define KTSTR_VMLINUX ""
#endif

static const char *vmlinux(void)
{
	const char *p = getenv("KTSTR_VMLINUX");

	p = p && *p ? p : KTSTR_VMLINUX;
	return *p && !access(p, R_OK) ? p : NULL;
}

TEST(guest_vmlinux_offsets)
{
	const char *path = vmlinux();
	const struct ksym *s = NULL;
	struct ksyms ks;
	char err[256], out[128];
	uint64_t off;
	size_t i;

	if (!path)
		SKIP(return, "no guest vmlinux (make kernel, or KTSTR_VMLINUX=)");
	if (ksyms_elf_machine(path) != EM_X86_64)
		SKIP(return, "%s: not x86_64 (the monitor reads x86_64 guests)", path);
	ASSERT_EQ(0, ksyms_load(&ks, path, err, sizeof(err))) TH_LOG("%s", err);
	/* Every member the monitor reads resolves, sched_ext's included. */
	EXPECT_LT(0, ks.ofs.rq_nr_running);
	EXPECT_LT(0, ks.ofs.rq_clock);
	EXPECT_LT(0, ks.ofs.rq_curr);
	EXPECT_LT(0, ks.ofs.rq_scx);
	EXPECT_LE(0, ks.ofs.scx_rq_local_dsq);
	EXPECT_LT(0, ks.ofs.scx_rq_nr_running);
	EXPECT_LT(ks.ofs.scx_rq_nr_running, ks.ofs.scx_rq_flags);
	EXPECT_LT(0, ks.ofs.dsq_nr);
	EXPECT_LT(0, ks.ofs.task_pid);
	EXPECT_LT(ks.ofs.task_pid, ks.ofs.task_comm);
	/* TASK_COMM_LEN */
	EXPECT_EQ(16, ks.ofs.comm_len);
	/* Per-CPU symbols are section offsets, the rest image addresses. */
	EXPECT_GT(X86_START_KERNEL_MAP, ks.runqueues);
	EXPECT_LE(X86_START_KERNEL_MAP, ks.per_cpu_offset);
	EXPECT_LE(X86_START_KERNEL_MAP, ks.page_offset_base);
	EXPECT_NE(0, ks.scx_enable_state);
	EXPECT_LE(0, ks.scx_enabled_val);
	for (i = 0; i < ks.nr_funcs && !s; i++)
		if (!strcmp(ks.funcs[i].name, "schedule"))
			s = &ks.funcs[i];
	ASSERT_NE(NULL, s);
	ksyms_format(&ks, s->addr + 1, out, sizeof(out));
	EXPECT_STREQ("schedule+0x1", out);
	EXPECT_EQ(s, ksyms_lookup(&ks, s->addr, &off));
	EXPECT_EQ(0, off);
	ksyms_free(&ks);
}

TEST(missing_vmlinux_is_an_error)
{
	struct ksyms ks;
	char err[256];

	EXPECT_EQ(-ENOENT, ksyms_load(&ks, "/nonexistent/vmlinux", err, sizeof(err)));
	EXPECT_NE(NULL, strstr(err, "/nonexistent/vmlinux"));
	EXPECT_EQ(-ENOENT, ksyms_elf_machine("/nonexistent/vmlinux"));
	EXPECT_EQ(-ENOEXEC, ksyms_elf_machine("/proc/self/cmdline"));
	EXPECT_LT(0, ksyms_elf_machine("/proc/self/exe"));
}

TEST(symbolizer)
{
	struct ksym f[] = {
		{ 0xffffffff81000000, 0x100, "a" },
		{ 0xffffffff81000100, 0x10, "b" },
		{ 0xffffffff81000200, 0, "c" },	/* no size: to the next */
	};
	static const struct {
		uint64_t addr;
		const char *want;
	} cases[] = {
		{ 0xffffffff81000000, "a+0x0" },
		{ 0xffffffff810000ff, "a+0xff" },
		{ 0xffffffff8100010f, "b+0xf" },
		/* Past b's size, below c: not b's. */
		{ 0xffffffff81000110, "0xffffffff81000110" },
		{ 0xffffffff81000234, "c+0x34" },
		/* A user address, below every symbol. */
		{ 0x401000, "0x401000" },
	};
	struct ksyms ks = { .funcs = f, .nr_funcs = ARRAY_SIZE(f) };
	char out[64];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		ksyms_format(&ks, cases[i].addr, out, sizeof(out));
		EXPECT_STREQ(cases[i].want, out);
	}
	ksyms_format(NULL, 0x10, out, sizeof(out));
	EXPECT_STREQ("0x10", out);
}

/* 4 MiB of fake guest RAM at guest physical 0. */
#define FAKE_RAM	(4 << 20)
#define FAKE_POB	0xff11000000000000ULL

static int fake_read(void *opaque, uint64_t gpa, void *buf, size_t len)
{
	if (gpa >= FAKE_RAM || len > FAKE_RAM - gpa)
		return -EFAULT;
	memcpy(buf, (uint8_t *)opaque + gpa, len);
	return 0;
}

TEST(translation_and_bad_pointers)
{
	uint8_t *ram = xzalloc(FAKE_RAM);
	struct kmem m = { .read = fake_read, .opaque = ram,
			  .page_offset_base = FAKE_POB };
	uint64_t pa, v;
	uint32_t w;

	/* The kernel image: va - __START_KERNEL_map (+ phys_base). */
	ASSERT_EQ(0, kmem_va_to_pa(&m, 0xffffffff81000000ULL, &pa));
	EXPECT_EQ(0x1000000, pa);
	m.phys_base = 0x200000;
	ASSERT_EQ(0, kmem_va_to_pa(&m, 0xffffffff80001000ULL, &pa));
	EXPECT_EQ(0x201000, pa);
	m.phys_base = 0;
	/* The direct map: va - page_offset_base. */
	ASSERT_EQ(0, kmem_va_to_pa(&m, FAKE_POB + 0x1234, &pa));
	EXPECT_EQ(0x1234, pa);
	*(uint64_t *)(ram + 0x1000) = 0x1122334455667788ULL;
	ASSERT_EQ(0, kmem_read_u64(&m, FAKE_POB + 0x1000, &v));
	EXPECT_EQ(0x1122334455667788ULL, v);
	ASSERT_EQ(0, kmem_read_u32(&m, 0xffffffff80001004ULL, &w));
	EXPECT_EQ(0x11223344, w);
	/* User, vmalloc-below-the-map, NULL: no translation. */
	EXPECT_EQ(-EFAULT, kmem_va_to_pa(&m, 0x400000, &pa));
	EXPECT_EQ(-EFAULT, kmem_read_u64(&m, 0, &v));
	EXPECT_EQ(-EFAULT, kmem_read_u64(&m, FAKE_POB - 8, &v));
	/* Past guest RAM, straddling its end, wrapping around. */
	EXPECT_EQ(-EFAULT, kmem_read_u64(&m, FAKE_POB + FAKE_RAM, &v));
	EXPECT_EQ(-EFAULT, kmem_read_u64(&m, FAKE_POB + FAKE_RAM - 4, &v));
	EXPECT_EQ(-EFAULT, kmem_read_u64(&m, 0xfffffffffffffffcULL, &v));
	/* Before the guest set page_offset_base, only the image maps. */
	m.page_offset_base = 0;
	EXPECT_EQ(-EFAULT, kmem_va_to_pa(&m, FAKE_POB + 0x1000, &pa));
	free(ram);
}

TEST(not_stuck)
{
	struct monitor_cpu c = { .clock = 100, .nr_running = 1, .ok = true };
	struct monitor_stall st = {};
	const uint64_t ms = 1000000;

	/* First sight, then the clock held while the vCPU ran 2000 ms. */
	EXPECT_FALSE(monitor_stall_step(&st, &c, 1 * ms, 0, 2000));
	EXPECT_FALSE(monitor_stall_step(&st, &c, 2001 * ms, 100, 2000));
	EXPECT_TRUE(monitor_stall_step(&st, &c, 2002 * ms, 200, 2000));
	EXPECT_EQ(0, st.since_ms);
	/* The clock moves: the count starts again. */
	c.clock = 200;
	EXPECT_FALSE(monitor_stall_step(&st, &c, 2003 * ms, 300, 2000));
	EXPECT_FALSE(monitor_stall_step(&st, &c, 3000 * ms, 400, 2000));
	/* Wall time alone (a descheduled vCPU) is no stall. */
	EXPECT_FALSE(monitor_stall_step(&st, &c, 3000 * ms, 60000, 2000));
	/* An idle CPU (tick stopped) or an unread one resets it. */
	c.nr_running = 0;
	EXPECT_FALSE(monitor_stall_step(&st, &c, 9000 * ms, 60100, 2000));
	c.nr_running = 2;
	EXPECT_FALSE(monitor_stall_step(&st, &c, 10000 * ms, 60200, 2000));
	c.ok = false;
	EXPECT_FALSE(monitor_stall_step(&st, &c, 13000 * ms, 60300, 2000));
	c.ok = true;
	EXPECT_FALSE(monitor_stall_step(&st, &c, 13000 * ms, 60400, 2000));
	/* No host run time known: never a stall. */
	EXPECT_FALSE(monitor_stall_step(&st, &c, 0, 60500, 2000));
	EXPECT_FALSE(monitor_stall_step(&st, &c, 0, 90000, 2000));
	/* Stuck on the way to idle: no runnable task, its last one current. */
	c.nr_running = 0;
	c.pid = 40;
	EXPECT_FALSE(monitor_stall_step(&st, &c, 20000 * ms, 90100, 2000));
	EXPECT_TRUE(monitor_stall_step(&st, &c, 22001 * ms, 90200, 2000));
	c.pid = 0;
	EXPECT_FALSE(monitor_stall_step(&st, &c, 30000 * ms, 90300, 2000));
}

TEST(json_member)
{
	struct monitor_cpu cpus[2] = {
		{ .clock = 5, .nr_running = 2, .pid = 7, .comm = "a\"b\x01", .ok = true },
		{ .ok = false },
	};
	uint64_t t = 100;
	int8_t scx = -1;
	int64_t gd = -1;
	struct monitor_pc pc = { .pc = 1, .sym = "f+0x1", .comm = "x", .task = true };
	struct monitor_outcome o = {
		.enabled = true, .nr_cpus = 2, .nr_samples = 1, .interval_ms = 100,
		.t_ms = &t, .cpus = cpus, .scx_enabled = &scx, .global_dsq = &gd,
		.failed = true, .fail = "not_stuck: CPU 1", .pcs = &pc, .nr_pcs = 1,
	};
	struct buf m = {}, b = {}, d = {};

	/* The first member of the result's extra members. */
	monitor_format_json(&o, &m);
	buf_printf(&b, "{%.*s}", (int)m.len, (char *)m.data);
	EXPECT_TRUE(json_valid((char *)b.data, b.len)) TH_LOG("%.*s", (int)b.len, b.data);
	buf_free(&m);
	monitor_format_diag(&o, &d);
	buf_putc(&d, 0);
	EXPECT_NE(NULL, strstr((char *)d.data, "1 samples of 2 CPUs every 100 ms"));
	EXPECT_NE(NULL, strstr((char *)d.data, "vCPU 0 in f+0x1 (x 0)"));
	buf_free(&b);
	buf_free(&d);
}

TEST_HARNESS_MAIN
