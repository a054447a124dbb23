// SPDX-License-Identifier: GPL-2.0
/* Messages, allocation, buffers and file helpers shared by host and guest. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "util/hostsig.h"
#include "util/util.h"

int ktstr_verbose;
uint64_t ktstr_start_ns;

static void __attribute__((constructor)) record_start(void)
{
	ktstr_start_ns = now_ns();
}

static void vmsg(const char *level, const char *fmt, va_list ap)
{
	char line[4096];

	vsnprintf(line, sizeof(line), fmt, ap);
	fprintf(stderr, "ktstr: %s%s\n", level, line);
}

#define VMSG(level)				\
	do {					\
		va_list ap;			\
						\
		va_start(ap, fmt);		\
		vmsg(level, fmt, ap);		\
		va_end(ap);			\
	} while (0)

void pr_err(const char *fmt, ...)
{
	VMSG("error: ");
}

void pr_warn(const char *fmt, ...)
{
	VMSG("warning: ");
}

void pr_info(const char *fmt, ...)
{
	VMSG("");
}

void pr_debug(const char *fmt, ...)
{
	if (ktstr_verbose)
		VMSG("");
}

void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg("error: ", fmt, ap);
	va_end(ap);
	exit(1);
}

void die_perror(const char *what)
{
	die("%s: %s", what, strerror(errno));
}

void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (!p)
		die("out of memory (%zu bytes)", n);
	return p;
}

void *xzalloc(size_t n)
{
	void *p = calloc(1, n ? n : 1);

	if (!p)
		die("out of memory (%zu bytes)", n);
	return p;
}

void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p)
		die("out of memory (%zu bytes)", n);
	return p;
}

char *xstrdup(const char *s)
{
	char *p = strdup(s);

	if (!p)
		die("out of memory");
	return p;
}

char *xvasprintf(const char *fmt, va_list ap)
{
	char *s;

	if (vasprintf(&s, fmt, ap) < 0)
		die("out of memory");
	return s;
}

int err_inval(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

char *xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	s = xvasprintf(fmt, ap);
	va_end(ap);
	return s;
}

void buf_put(struct buf *b, const void *p, size_t n)
{
	if (!n)		/* nothing to copy, maybe to or from NULL */
		return;
	if (b->len + n > b->cap) {
		b->cap = MAX(b->cap * 2, b->len + n + 256);
		b->data = xrealloc(b->data, b->cap);
	}
	memcpy(b->data + b->len, p, n);
	b->len += n;
}

size_t buf_put_capped(struct buf *b, const void *p, size_t n, size_t cap)
{
	size_t take = b->len < cap ? MIN(n, cap - b->len) : 0;

	if (b->len + take > b->cap) {
		size_t want = MIN(MAX(b->cap * 2, b->len + take + 256), cap);
		void *d = realloc(b->data, want);

		if (!d)
			return n;
		b->data = d;
		b->cap = want;
	}
	if (take)
		memcpy(b->data + b->len, p, take);
	b->len += take;
	return n - take;
}

void buf_putc(struct buf *b, uint8_t c)
{
	buf_put(b, &c, 1);
}

void buf_vprintf(struct buf *b, const char *fmt, va_list ap)
{
	char *s = xvasprintf(fmt, ap);

	buf_put(b, s, strlen(s));
	free(s);
}

void buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	buf_vprintf(b, fmt, ap);
	va_end(ap);
}

void buf_free(struct buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}

int read_file(const char *path, struct buf *out)
{
	char chunk[65536];
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	while ((n = read(fd, chunk, sizeof(chunk))) > 0)
		buf_put(out, chunk, n);
	if (n < 0) {
		n = -errno;
		close(fd);
		return n;
	}
	close(fd);
	return 0;
}

int read_proc_value(const char *path, const char *key, long long *val)
{
	size_t n = strlen(key);
	struct buf b = {};
	const char *p;
	int r = read_file(path, &b);

	if (r)
		return r;
	buf_putc(&b, 0);
	r = -ENOENT;
	for (p = (char *)b.data; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : p) {
		if (!strncmp(p, key, n)) {
			*val = strtoll(p + n, NULL, 10);
			r = 0;
			break;
		}
	}
	buf_free(&b);
	return r;
}

int write_all(int fd, const void *data, size_t len)
{
	const uint8_t *p = data;

	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		p += n;
		len -= n;
	}
	return 0;
}

/*
 * PATH.tmp.PID, created afresh (never through a symlink someone left
 * there) and removed on die() or a second signal while it exists.
 */
int write_file_atomic(const char *path, const void *data, size_t len)
{
	char *tmp = xasprintf("%s.tmp.%d", path, getpid());
	int fd, err = 0, slot;

	unlink(tmp);
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
		  0644);
	if (fd < 0) {
		err = -errno;
		goto out;
	}
	slot = hostsig_add_tmp(tmp);
	err = write_all(fd, data, len);
	if (close(fd) && !err)
		err = -errno;
	if (!err && rename(tmp, path))
		err = -errno;
	if (err)
		unlink(tmp);
	hostsig_drop_tmp(slot);
out:
	free(tmp);
	return err;
}

bool pid_dead(int pid)
{
	return pid > 0 && kill(pid, 0) && errno == ESRCH;
}

int tmp_file_owner(const char *name)
{
	const char *t = strstr(name, ".tmp.");
	char *end;
	long pid;

	while (t && strstr(t + 1, ".tmp."))
		t = strstr(t + 1, ".tmp.");
	if (!t || !t[5] || t[5] < '0' || t[5] > '9')
		return 0;
	pid = strtol(t + 5, &end, 10);
	if (*end || pid <= 0 || pid > INT_MAX)
		return 0;
	return pid;
}

/*
 * NAME.tmp.PID in @dir of a dead PID, unchanged for @min_age seconds;
 * any NAME when @name is NULL.
 */
static int prune_tmp(const char *dir, const char *name, time_t min_age)
{
	DIR *d = opendir(dir);
	time_t now = time(NULL);
	struct dirent *e;
	struct stat st;
	int n = 0;

	while (d && (e = readdir(d))) {
		int pid = tmp_file_owner(e->d_name);
		size_t len = pid ? strrchr(e->d_name, '.') - e->d_name - 4 : 0;

		if (!pid || pid == getpid() || !pid_dead(pid))
			continue;
		if (name && (len != strlen(name) ||
			     strncmp(e->d_name, name, len)))
			continue;
		if (min_age && (fstatat(dirfd(d), e->d_name, &st,
					AT_SYMLINK_NOFOLLOW) ||
				st.st_mtime > now - min_age))
			continue;
		if (!unlinkat(dirfd(d), e->d_name, 0))
			n++;
	}
	if (d)
		closedir(d);
	return n;
}

/*
 * The cache is shared with ktstr runs in other PID namespaces (emulated
 * KVM hosts mount it over 9p): their PIDs mean nothing here, so a temp
 * file goes only once a minute has passed since its last write, which
 * write_file_atomic() finishes in far less.
 */
#define TMP_MIN_AGE 60

int prune_stale_tmp(const char *dir)
{
	return prune_tmp(dir, NULL, TMP_MIN_AGE);
}

int prune_stale_tmp_of(const char *path)
{
	char *dir = xstrdup(path), *slash = strrchr(dir, '/');
	const char *name = slash ? slash + 1 : path;
	int n;

	if (slash)
		*slash = '\0';
	n = *name ? prune_tmp(slash ? (*dir ? dir : "/") : ".", name, 0) : 0;
	free(dir);
	return n;
}

int mkdir_p(const char *path, unsigned int mode)
{
	char *p = xstrdup(path), *s;
	int err = 0;

	for (s = p + 1; ; s++) {
		char c = *s;

		if (c != '/' && c != '\0')
			continue;
		*s = '\0';
		if (mkdir(p, mode) && errno != EEXIST) {
			err = -errno;
			break;
		}
		*s = c;
		if (!c)
			break;
	}
	free(p);
	return err;
}

/*
 * The home directory /etc/passwd gives @uid, or NULL. Read directly, not
 * through getpwuid(), which a static binary (a cross build) can only call
 * with the glibc's NSS modules at run time.
 */
char *passwd_home(uid_t uid)
{
	FILE *f = fopen("/etc/passwd", "re");
	char line[1024], *home = NULL;

	if (!f)
		return NULL;
	while (!home && fgets(line, sizeof(line), f)) {
		char *field[7], *p = line;
		int n = 0;

		line[strcspn(line, "\n")] = 0;
		/* name:passwd:uid:gid:gecos:dir:shell, empty fields kept */
		while (n < 7 && (field[n] = strsep(&p, ":")))
			n++;
		if (n >= 6 && *field[2] && strtoul(field[2], NULL, 10) == uid &&
		    *field[5])
			home = xstrdup(field[5]);
	}
	fclose(f);
	return home;
}

const char *ktstr_cache_dir(void)
{
	static char *dir;
	const char *e;
	char *home;

	if (dir)
		return dir;
	e = getenv("KTSTR_CACHE");
	home = passwd_home(getuid());
	if (e && *e)
		dir = xstrdup(e);
	else if (getenv("XDG_CACHE_HOME") && *getenv("XDG_CACHE_HOME"))
		dir = xasprintf("%s/ktstr", getenv("XDG_CACHE_HOME"));
	else if (getenv("HOME") && *getenv("HOME"))
		dir = xasprintf("%s/.cache/ktstr", getenv("HOME"));
	else if (home)
		dir = xasprintf("%s/.cache/ktstr", home);
	else	/* never a directory other users share */
		die("no cache directory: HOME is not set and user %d has no home; set KTSTR_CACHE",
		    (int)getuid());
	free(home);
	if (mkdir_p(dir, 0755))
		die("cannot create cache directory %s: %s", dir, strerror(errno));
	return dir;
}

uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

int parse_size(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;
	int shift = 0;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || end == s)
		return -EINVAL;
	switch (*end | 0x20) {		/* lower case */
	case 'k':
		shift = 10;
		break;
	case 'm':
		shift = 20;
		break;
	case 'g':
		shift = 30;
		break;
	default:
		if (*end)
			return -EINVAL;
	}
	if (shift) {
		if (v > ULLONG_MAX >> shift)
			return -EINVAL;
		v <<= shift;
		end++;
	}
	if (*end == 'B' || *end == 'b')
		end++;
	if (*end)
		return -EINVAL;
	*out = v;
	return 0;
}

int parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;
	bool big = false;
	const char *p;

	if (!s || !*s)
		return -EINVAL;
	for (p = s; *p; p++) {
		if (*p < '0' || *p > '9')
			return -EINVAL;
		if (v > (UINT64_MAX - (*p - '0')) / 10)
			big = true;
		else
			v = v * 10 + (*p - '0');
	}
	if (big || v < min || v > max)
		return -ERANGE;
	*out = v;
	return 0;
}
