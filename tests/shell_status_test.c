// SPDX-License-Identifier: GPL-2.0
/*
 * `ktstr shell`'s exit status: never 0 with the command's output gone (a
 * distro kernel whose virtio console is a module powers off cleanly and
 * still reports KTSTR_EXIT=0 on COM2), 128 + a host signal, 125 without
 * an exit status.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "cli/shell.h"
#include "vmm/vmm.h"

#include "kselftest_harness.h"

TEST(status)
{
	struct vmm_outcome out = { .exit_kind = VM_EXIT_POWEROFF,
				   .has_virtio_console = true,
				   .console_driven = true };
	char err[512];

	EXPECT_EQ(3, shell_status(&out, 3, 0, err, sizeof(err)));
	EXPECT_STREQ("", err);
	EXPECT_EQ(0, shell_status(&out, 0, 0, err, sizeof(err)));
	EXPECT_EQ(130, shell_status(&out, -1, SIGINT, err, sizeof(err)));
	EXPECT_STREQ("", err);
	EXPECT_EQ(143, shell_status(&out, 0, SIGTERM, err, sizeof(err)));
	snprintf(out.exit_msg, sizeof(out.exit_msg), "watchdog");
	EXPECT_EQ(125, shell_status(&out, -1, 0, err, sizeof(err)));
	EXPECT_NE(NULL, strstr(err, "without an exit status"));
	EXPECT_NE(NULL, strstr(err, "watchdog"));
}

/* Debian's stock kernel: the console never driven, exit 0 on COM2. */
TEST(output_lost_is_not_success)
{
	struct vmm_outcome out = { .exit_kind = VM_EXIT_POWEROFF,
				   .has_virtio_console = true };
	char err[512];

	EXPECT_EQ(125, shell_status(&out, 0, 0, err, sizeof(err)));
	EXPECT_NE(NULL, strstr(err, "never drove ktstr's virtio console"));
	EXPECT_NE(NULL, strstr(err, "CONFIG_VIRTIO_CONSOLE must be built in"));
	EXPECT_NE(NULL, strstr(err, "(exit status 0)"));
	EXPECT_EQ(NULL, strchr(err, '\n'));
	/* Without a virtio console (none was offered) COM2 is the channel. */
	out.has_virtio_console = false;
	EXPECT_EQ(0, shell_status(&out, 0, 0, err, sizeof(err)));
	EXPECT_STREQ("", err);
}

TEST_HARNESS_MAIN
