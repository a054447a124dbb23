// SPDX-License-Identifier: GPL-2.0
/*
 * What the guest can learn about sched_ext without libbpf: the sysfs state,
 * the kernel's exit lines in the log, exit kind names, per-task "is it on
 * sched_ext", and which CPUs share a last-level cache.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sched/scx.h"
#include "util/util.h"

/* kernel/sched/ext.c: scx_exit_reason() */
static const struct {
	int kind;
	const char *name, *reason;
} exit_kinds[] = {
	{ KTSTR_SCX_EXIT_NONE, "SCX_EXIT_NONE", "" },
	{ KTSTR_SCX_EXIT_DONE, "SCX_EXIT_DONE", "" },
	{ KTSTR_SCX_EXIT_UNREG, "SCX_EXIT_UNREG", "unregistered from user space" },
	{ KTSTR_SCX_EXIT_UNREG_BPF, "SCX_EXIT_UNREG_BPF", "unregistered from BPF" },
	{ KTSTR_SCX_EXIT_UNREG_KERN, "SCX_EXIT_UNREG_KERN",
	  "unregistered from the main kernel" },
	{ KTSTR_SCX_EXIT_SYSRQ, "SCX_EXIT_SYSRQ", "disabled by sysrq-S" },
	{ KTSTR_SCX_EXIT_ERROR, "SCX_EXIT_ERROR", "runtime error" },
	{ KTSTR_SCX_EXIT_ERROR_BPF, "SCX_EXIT_ERROR_BPF", "scx_bpf_error" },
	{ KTSTR_SCX_EXIT_ERROR_STALL, "SCX_EXIT_ERROR_STALL",
	  "runnable task stall" },
};

const char *scx_exit_kind_name(int kind)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(exit_kinds); i++)
		if (exit_kinds[i].kind == kind)
			return exit_kinds[i].name;
	return "SCX_EXIT_UNKNOWN";
}

int scx_exit_kind_from_reason(const char *reason)
{
	size_t i;

	for (i = 0; reason && *reason && i < ARRAY_SIZE(exit_kinds); i++)
		if (!strcmp(exit_kinds[i].reason, reason))
			return exit_kinds[i].kind;
	return 0;
}

void scx_exit_format(const struct scx_exit *e, char *out, size_t len)
{
	snprintf(out, len, "SCHED_EXIT %s: %s (%s)%s%s", e->ops[0] ? e->ops : "?",
		 scx_exit_kind_name(e->kind), e->reason[0] ? e->reason : "no reason",
		 e->msg[0] ? ": " : "", e->msg);
}

/*
 * Copies at most @n bytes of @src into @dst, NUL-terminated. @src may be
 * NULL when @n is 0 (an empty file's buffer): memcpy() must not see it.
 */
static void copy_upto(char *dst, size_t size, const char *src, size_t n)
{
	if (!size)
		return;
	n = MIN(n, size - 1);
	if (n)
		memcpy(dst, src, n);
	dst[n] = '\0';
}

#define KMSG_DISABLED_PFX "sched_ext: BPF scheduler \""
#define KMSG_DISABLED_MID "\" disabled ("

int scx_kmsg_parse(const char *rec, const char *ops, struct scx_exit *e)
{
	const char *text = rec, *semi = strchr(rec, ';');
	const char *name, *q, *r;
	size_t n;

	/* /dev/kmsg: "pri,seq,usec,flags[,more];text" */
	if (semi && isdigit((unsigned char)rec[0]) && memchr(rec, ',', semi - rec))
		text = semi + 1;
	if (strncmp(text, "sched_ext: ", 11))
		return 0;
	if (!strncmp(text, KMSG_DISABLED_PFX, strlen(KMSG_DISABLED_PFX))) {
		name = text + strlen(KMSG_DISABLED_PFX);
		q = strstr(name, KMSG_DISABLED_MID);
		if (!q)
			return 0;
		n = q - name;
		if (ops && *ops && (strlen(ops) != n || strncmp(ops, name, n)))
			return 0;
		r = q + strlen(KMSG_DISABLED_MID);
		copy_upto(e->ops, sizeof(e->ops), name, n);
		n = strcspn(r, "\n");
		if (n && r[n - 1] == ')')
			n--;
		copy_upto(e->reason, sizeof(e->reason), r, n);
		if (!e->kind)
			e->kind = scx_exit_kind_from_reason(e->reason);
		return 1;
	}
	/* "sched_ext: <ops>: <msg>", printed right after "disabled" */
	name = text + 11;
	n = strlen(e->ops);
	if (!n || strncmp(name, e->ops, n) || strncmp(name + n, ": ", 2))
		return 0;
	r = name + n + 2;
	copy_upto(e->msg, sizeof(e->msg), r, strcspn(r, "\n"));
	return 1;
}

int scx_read_line(const char *path, char *out, size_t len)
{
	struct buf b = {};
	int err = read_file(path, &b);

	if (err) {
		buf_free(&b);
		if (len)
			out[0] = '\0';
		return err;
	}
	copy_upto(out, len, (char *)b.data, b.len);
	out[strcspn(out, "\n")] = '\0';
	buf_free(&b);
	return 0;
}

int scx_sysfs_read(const char *dir, char *state, size_t slen, char *ops,
		   size_t olen)
{
	char path[512];
	int err;

	dir = dir ? dir : SCX_SYSFS;
	snprintf(path, sizeof(path), "%s/state", dir);
	err = scx_read_line(path, state, slen);
	if (err)
		return err;
	snprintf(path, sizeof(path), "%s/root/ops", dir);
	/* root/ goes away with the scheduler: no ops is not an error. */
	scx_read_line(path, ops, olen);
	return 0;
}

int scx_cpulist_parse(const char *s, uint8_t *mask, uint32_t nr)
{
	const char *p = s;
	char *end;

	memset(mask, 0, (nr + 7) / 8);
	while (*p && *p != '\n') {
		unsigned long a, b;

		if (!isdigit((unsigned char)*p))
			return -EINVAL;
		a = strtoul(p, &end, 10);
		b = a;
		if (*end == '-') {
			if (!isdigit((unsigned char)end[1]))
				return -EINVAL;
			b = strtoul(end + 1, &end, 10);
		}
		if (a > b || b >= nr)
			return -EINVAL;
		for (; a <= b; a++)
			mask[a / 8] |= 1 << (a % 8);
		if (*end == ',')
			end++;
		else if (*end && *end != '\n')
			return -EINVAL;
		p = end;
	}
	return 0;
}

/* shared_cpu_list of @cpu's highest-level cache, or -ENOENT. */
static int llc_cpulist(const char *root, uint32_t cpu, char *out, size_t len)
{
	char path[512], level[16];
	int idx, best = -1, best_level = -1;

	for (idx = 0; idx < 8; idx++) {
		snprintf(path, sizeof(path),
			 "%s/devices/system/cpu/cpu%u/cache/index%d/level",
			 root, cpu, idx);
		if (scx_read_line(path, level, sizeof(level)))
			continue;
		if (atoi(level) > best_level) {
			best_level = atoi(level);
			best = idx;
		}
	}
	if (best < 0)
		return -ENOENT;
	snprintf(path, sizeof(path),
		 "%s/devices/system/cpu/cpu%u/cache/index%d/shared_cpu_list",
		 root, cpu, best);
	return scx_read_line(path, out, len);
}

int scx_llc_map_sysfs(const char *root, uint32_t *cpu_llc, uint32_t nr_cpus)
{
	char (*lists)[256] = xzalloc(sizeof(*lists) * KTSTR_SCX_MAX_LLCS);
	uint32_t cpu, nr_llcs = 0, i;
	char list[256];

	root = root ? root : "/sys";
	for (cpu = 0; cpu < nr_cpus; cpu++) {
		cpu_llc[cpu] = 0;
		if (llc_cpulist(root, cpu, list, sizeof(list)))
			continue;
		for (i = 0; i < nr_llcs && strcmp(lists[i], list); i++)
			;
		if (i == nr_llcs && nr_llcs < KTSTR_SCX_MAX_LLCS)
			snprintf(lists[nr_llcs++], sizeof(lists[0]), "%s", list);
		cpu_llc[cpu] = i < nr_llcs ? i : 0;
	}
	free(lists);
	return nr_llcs ? (int)nr_llcs : 1;
}

int scx_parse_ext_enabled(const char *text)
{
	const char *p = text;

	while ((p = strstr(p, "ext.enabled"))) {
		if (p == text || p[-1] == '\n') {
			p = strchr(p, ':');
			if (!p)
				return -ENOENT;
			return strtol(p + 1, NULL, 10) ? 1 : 0;
		}
		p++;
	}
	return -ENOENT;
}

int scx_task_on_scx(pid_t pid)
{
	char path[64];
	struct buf b = {};
	int r;

	snprintf(path, sizeof(path), "/proc/%d/sched", (int)pid);
	r = read_file(path, &b);
	if (r)
		return r;
	buf_putc(&b, 0);
	r = scx_parse_ext_enabled((char *)b.data);
	buf_free(&b);
	return r;
}
