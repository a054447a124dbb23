// SPDX-License-Identifier: GPL-2.0
/*
 * Guest-side sysfs readers. The parsers take text, not paths, so the unit
 * tests (tests/sysfs_test.c) exercise them without a guest.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "harness/test.h"
#include "scenarios/sysfs.h"
#include "util/util.h"

void cpuset_zero(struct cpuset *s)
{
	memset(s, 0, sizeof(*s));
}

void cpuset_set(struct cpuset *s, unsigned int n)
{
	if (n < CPUSET_MAX)
		s->bits[n / 64] |= 1ULL << (n % 64);
}

bool cpuset_test(const struct cpuset *s, unsigned int n)
{
	return n < CPUSET_MAX && (s->bits[n / 64] >> (n % 64) & 1);
}

bool cpuset_equal(const struct cpuset *a, const struct cpuset *b)
{
	return !memcmp(a->bits, b->bits, sizeof(a->bits));
}

unsigned int cpuset_count(const struct cpuset *s)
{
	unsigned int i, nr = 0;

	for (i = 0; i < ARRAY_SIZE(s->bits); i++)
		nr += __builtin_popcountll(s->bits[i]);
	return nr;
}

static const char *skip_space(const char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	return s;
}

/*
 * Reads the digits at *@s into *@v, saturating at @limit so huge numbers
 * cannot overflow; -EINVAL if there is no digit.
 */
static int parse_digits(const char **s, uint64_t limit, uint64_t *v)
{
	const char *p = *s;
	uint64_t n = 0, d;

	if (!isdigit((unsigned char)*p))
		return -EINVAL;
	for (; isdigit((unsigned char)*p); p++) {
		d = *p - '0';
		n = n > (limit - d) / 10 ? limit : n * 10 + d;
	}
	*s = p;
	*v = n;
	return 0;
}

/* One "a" or "a-b" element; *@s is left after it. */
static int parse_range(const char **s, struct cpuset *set)
{
	uint64_t a, b, i;

	if (parse_digits(s, CPUSET_MAX, &a))
		return -EINVAL;
	b = a;
	if (**s == '-') {
		(*s)++;
		if (parse_digits(s, CPUSET_MAX, &b))
			return -EINVAL;
		if (b < a)
			return -EINVAL;
	}
	if (b >= CPUSET_MAX)
		return -ERANGE;
	for (i = a; i <= b; i++)
		cpuset_set(set, i);
	return 0;
}

int cpuset_parse(const char *s, struct cpuset *set)
{
	int ret;

	cpuset_zero(set);
	s = skip_space(s);
	if (!*s)
		return 0;
	for (;;) {
		ret = parse_range(&s, set);
		if (ret)
			return ret;
		if (*s != ',')
			break;
		s++;
	}
	return *skip_space(s) ? -EINVAL : 0;
}

static int put_range(char *out, size_t len, size_t *off, bool first,
		     unsigned int a, unsigned int b)
{
	int n;

	if (a == b)
		n = snprintf(out + *off, len - *off, "%s%u", first ? "" : ",", a);
	else
		n = snprintf(out + *off, len - *off, "%s%u-%u",
			     first ? "" : ",", a, b);
	if (n < 0 || (size_t)n >= len - *off)
		return -ENOSPC;
	*off += n;
	return 0;
}

int cpuset_format(const struct cpuset *set, char *out, size_t len)
{
	unsigned int a, b;
	size_t off = 0;
	int ret;

	if (!len)
		return -ENOSPC;
	out[0] = '\0';
	for (a = 0; a < CPUSET_MAX; a = b + 1) {
		if (!cpuset_test(set, a)) {
			b = a;
			continue;
		}
		for (b = a; b + 1 < CPUSET_MAX && cpuset_test(set, b + 1); b++)
			;
		ret = put_range(out, len, &off, !off, a, b);
		if (ret)
			return ret;
	}
	return 0;
}

int sysfs_parse_long(const char *s, long *v)
{
	uint64_t n;
	bool neg;

	s = skip_space(s);
	neg = *s == '-';
	if (neg)
		s++;
	if (parse_digits(&s, (uint64_t)LONG_MAX + 1, &n))
		return -EINVAL;
	if (*skip_space(s))
		return -EINVAL;
	if (n > (uint64_t)LONG_MAX + neg)
		return -ERANGE;
	*v = neg ? (long)(0 - n) : (long)n;
	return 0;
}

int sysfs_parse_u32s(const char *s, uint32_t *v, size_t max, size_t *nr)
{
	uint64_t n;

	*nr = 0;
	for (s = skip_space(s); *s; s = skip_space(s)) {
		if (parse_digits(&s, (uint64_t)UINT32_MAX + 1, &n))
			return -EINVAL;
		if (n > UINT32_MAX)
			return -ERANGE;
		if (*s && !isspace((unsigned char)*s))
			return -EINVAL;
		if (*nr >= max)
			return -E2BIG;
		v[(*nr)++] = n;
	}
	return 0;
}

/* Parses the rest of a meminfo line after "Key:": " <n> kB". */
static int meminfo_value(const char *p, uint64_t *kb)
{
	p = skip_space(p);
	if (parse_digits(&p, UINT64_MAX / 10, kb))
		return -EINVAL;
	if (strncmp(p, " kB", 3) || (p[3] && p[3] != '\n'))
		return -EINVAL;
	return 0;
}

int sysfs_meminfo_kb(const char *text, unsigned int node, const char *key,
		     uint64_t *kb)
{
	char prefix[96];
	const char *line;
	size_t n;

	n = snprintf(prefix, sizeof(prefix), "Node %u %s:", node, key);
	if (n >= sizeof(prefix))
		return -EINVAL;
	for (line = text; line && *line; line = strchr(line, '\n')) {
		if (*line == '\n')
			line++;
		if (!strncmp(line, prefix, n))
			return meminfo_value(line + n, kb);
	}
	return -ENOENT;
}

int sysfs_read(const char *path, char *out, size_t len)
{
	size_t off = 0;
	ssize_t r;
	int fd, ret = 0;

	if (!len)
		return -EINVAL;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	/* Read one byte past @len - 1 to tell "fits" from "truncated". */
	while (off < len) {
		r = read(fd, out + off, len - off);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			ret = -errno;
			break;
		}
		if (!r)
			break;
		off += r;
	}
	close(fd);
	if (!ret && off >= len)
		ret = -EFBIG;
	out[ret ? 0 : off] = '\0';
	return ret;
}

int sysfs_read_long(const char *path, long *v)
{
	char s[64];
	int ret = sysfs_read(path, s, sizeof(s));

	return ret ? ret : sysfs_parse_long(s, v);
}

int sysfs_read_cpulist(const char *path, struct cpuset *set)
{
	char s[4096];
	int ret = sysfs_read(path, s, sizeof(s));

	return ret ? ret : cpuset_parse(s, set);
}

bool guest_cmdline_value(const char *key, char *val, size_t len)
{
	struct buf b = {};
	const char *p = NULL;

	if (!read_file("/proc/cmdline", &b)) {
		buf_putc(&b, 0);
		p = strstr((char *)b.data, key);
		if (p && val) {
			p += strlen(key);
			snprintf(val, len, "%.*s", (int)strcspn(p, "\n\t "), p);
		}
	}
	buf_free(&b);
	return p;
}

bool guest_on_emulated_host(void)
{
	return guest_cmdline_value(EMULATED_CMDLINE, NULL, 0);
}
