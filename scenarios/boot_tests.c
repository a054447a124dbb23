// SPDX-License-Identifier: GPL-2.0
/*
 * "boot" category: the guest reaches PID 1 and the host's verdict is right
 * for every way a guest can end: pass, a reported failure, a kernel panic,
 * a crash of the guest side, a hang, and garbage instead of a result.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include "harness/test.h"

static int boot_pid1(struct ktstr_ctx *ctx)
{
	static const char *const must_exist[] = {
		"/proc/self/stat", "/sys/kernel", "/dev/null",
		"/sys/fs/cgroup/cgroup.controllers", "/tmp",
	};
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	size_t i;

	if (getppid() != 1)
		return ktstr_fail(ctx, "body's parent is pid %d, not init", getppid());
	for (i = 0; i < ARRAY_SIZE(must_exist); i++)
		if (access(must_exist[i], F_OK))
			return ktstr_fail(ctx, "%s missing: %s", must_exist[i],
					  strerror(errno));
	if (cpus != 1)
		return ktstr_fail(ctx, "%ld CPUs online, declared 1", cpus);
	ktstr_diag(ctx, "cpus online %ld", cpus);
	return KTSTR_PASS;
}
KTSTR_TEST(boot_pid1, .category = "boot",
	   .description = "guest reaches PID 1 with proc, sys, dev, cgroup2 mounted");

/*
 * Every declared vCPU comes online: the boot CPU starts the others (x86:
 * INIT-SIPI through the local APIC; arm64: PSCI CPU_ON from the device
 * tree's enable-method), and the kernel's online mask says so.
 */
static int boot_smp_online(struct ktstr_ctx *ctx)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	const char *path = "/sys/devices/system/cpu/online";
	char buf[32] = "";
	FILE *f;

	if (cpus != 4)
		return ktstr_fail(ctx, "%ld CPUs online, declared 4", cpus);
	f = fopen(path, "r");
	if (!f)
		return ktstr_fail(ctx, "%s: %s", path, strerror(errno));
	if (!fgets(buf, sizeof(buf), f))
		buf[0] = 0;
	fclose(f);
	buf[strcspn(buf, "\n")] = 0;
	if (strcmp(buf, "0-3"))
		return ktstr_fail(ctx, "%s reads '%s', not 0-3", path, buf);
	ktstr_diag(ctx, "cpus online %s, brought up by the boot CPU", buf);
	return KTSTR_PASS;
}
KTSTR_TEST(boot_smp_online, .category = "boot", .topology = "1n1l4c1t",
	   .description = "4 vCPUs: the boot CPU brings up the 3 others (INIT-SIPI / PSCI CPU_ON)");

static int boot_fail_reported(struct ktstr_ctx *ctx)
{
	return ktstr_fail(ctx, "deliberate failure, code %d", 42);
}
KTSTR_TEST(boot_fail_reported, .category = "boot",
	   .description = "a failing guest test is a FAIL carrying its message",
	   .expect = KTSTR_EXPECT_FAIL,
	   .expect_msg = "deliberate failure, code 42");

static int boot_kernel_panic(struct ktstr_ctx *ctx)
{
	int fd = open("/proc/sysrq-trigger", O_WRONLY);

	if (fd < 0)
		return ktstr_fail(ctx, "open /proc/sysrq-trigger: %s",
				  strerror(errno));
	if (write(fd, "c", 1) != 1)
		return ktstr_fail(ctx, "sysrq c: %s", strerror(errno));
	return ktstr_fail(ctx, "still alive after sysrq c");
}
KTSTR_TEST(boot_kernel_panic, .category = "boot",
	   .description = "echo c > /proc/sysrq-trigger is a FAIL naming the panic",
	   .expect = KTSTR_EXPECT_FAIL,
	   .expect_msg = "Kernel panic - not syncing: sysrq triggered crash");

static int boot_guest_crash(struct ktstr_ctx *ctx)
{
	raise(SIGSEGV);
	return ktstr_fail(ctx, "survived SIGSEGV");
}
KTSTR_TEST(boot_guest_crash, .category = "boot",
	   .description = "a crash of the guest side is a FAIL with its PANIC: line",
	   .expect = KTSTR_EXPECT_FAIL,
	   .expect_msg = "PANIC: ktstr guest pid");

static int boot_hang(struct ktstr_ctx *ctx)
{
	for (;;)
		pause();
	return KTSTR_PASS;
}
KTSTR_TEST(boot_hang, .category = "boot",
	   .description = "a hanging guest is stopped by the watchdog: TIMEOUT",
	   .timeout_ms = 8000, .expect = KTSTR_EXPECT_TIMEOUT);

static int boot_garbage_result(struct ktstr_ctx *ctx)
{
	static const char noise[] =
		"\x01\xfe KTSTR_EXIT\x00 garbage\n===KTSTR_TEST_RESULT_START===\nverdict=PA";

	if (write(ctx->result_fd, noise, sizeof(noise) - 1) < 0)
		return ktstr_fail(ctx, "write COM2: %s", strerror(errno));
	tcdrain(ctx->result_fd);
	reboot(RB_AUTOBOOT);
	return ktstr_fail(ctx, "reboot failed: %s", strerror(errno));
}
KTSTR_TEST(boot_garbage_result, .category = "boot",
	   .description = "garbage instead of a result on COM2 is a FAIL (no result)",
	   .expect = KTSTR_EXPECT_FAIL, .expect_msg = "no result");
