/* SPDX-License-Identifier: GPL-2.0 */
#ifndef KTSTR_UTIL_H
#define KTSTR_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include <sys/types.h>

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#endif
#define ALIGN_UP(x, a) (((x) + (a) - 1) & ~((typeof(x))(a) - 1))
#define MIN(a, b) ((a) < (b) ? (a) : (b))
#define MAX(a, b) ((a) > (b) ? (a) : (b))
#define SZ_1K 0x400ULL
#define SZ_1M 0x100000ULL
#define SZ_1G 0x40000000ULL
#ifndef __printf
#define __printf(a, b) __attribute__((__format__(printf, a, b)))
#endif
#ifndef __packed
#define __packed __attribute__((__packed__))
#endif
#ifndef __noreturn
#define __noreturn __attribute__((__noreturn__))
#endif

/* Messages go to stderr prefixed "ktstr: "; die() exits 1. */
void pr_err(const char *fmt, ...) __printf(1, 2);
void pr_warn(const char *fmt, ...) __printf(1, 2);
void pr_info(const char *fmt, ...) __printf(1, 2);
void pr_debug(const char *fmt, ...) __printf(1, 2);
void die(const char *fmt, ...) __printf(1, 2) __noreturn;
void die_perror(const char *what) __noreturn;
extern int ktstr_verbose;

void *xmalloc(size_t n);
void *xzalloc(size_t n);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xasprintf(const char *fmt, ...) __printf(1, 2);
char *xvasprintf(const char *fmt, va_list ap) __printf(1, 0);
/*
 * A one-line reason into @err (when it has room) for a function that
 * returns -EINVAL: "return err_inval(err, errlen, "bad %s", x);".
 */
int err_inval(char *err, size_t errlen, const char *fmt, ...) __printf(3, 4);

/* Growable byte buffer. */
struct buf {
	uint8_t *data;
	size_t len;
	size_t cap;
};
void buf_put(struct buf *b, const void *p, size_t n);
void buf_putc(struct buf *b, uint8_t c);
void buf_printf(struct buf *b, const char *fmt, ...) __printf(2, 3);
/* The same from a va_list: what a variadic function's own printf uses. */
void buf_vprintf(struct buf *b, const char *fmt, va_list ap) __printf(2, 0);
void buf_free(struct buf *b);
/*
 * Appends what fits below @cap bytes in all, and never exits: the rest, or
 * all of it when the allocation fails, is dropped. Returns the bytes
 * dropped. For data from the guest, which must not exhaust the host.
 */
size_t buf_put_capped(struct buf *b, const void *p, size_t n, size_t cap);

/* Whole-file helpers; return -errno on failure. */
int read_file(const char *path, struct buf *out);
/*
 * The number after @key at the start of a line of @path, as in
 * /proc/self/status ("Threads:") or /proc/stat ("procs_running");
 * -ENOENT without one.
 */
int read_proc_value(const char *path, const char *key, long long *val);
/* Writes all @len bytes (retrying short writes and EINTR); 0 or -errno. */
int write_all(int fd, const void *data, size_t len);
int write_file_atomic(const char *path, const void *data, size_t len);
/*
 * Removes NAME.tmp.PID files in @dir whose PID no longer exists (a run
 * killed mid-write) and that were not written for a minute (a PID of
 * another namespace: an emulated host sharing the cache); returns how
 * many.
 */
int prune_stale_tmp(const char *dir);
/* True when no process @pid exists (kill(pid, 0) fails with ESRCH). */
bool pid_dead(int pid);
/* The PID of a NAME.tmp.PID file name, else 0. */
int tmp_file_owner(const char *name);
/*
 * PATH.tmp.PID files only, of dead PIDs, at once (a killed run's --json,
 * removed by the next run writing PATH).
 */
int prune_stale_tmp_of(const char *path);
int mkdir_p(const char *path, unsigned int mode);

/* ${KTSTR_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/ktstr}, created. */
const char *ktstr_cache_dir(void);
/* @uid's home directory from /etc/passwd (malloc'ed), or NULL. */
char *passwd_home(uid_t uid);

uint64_t now_ns(void);		/* CLOCK_MONOTONIC */
extern uint64_t ktstr_start_ns;	/* now_ns() when the process started */
/* Parses "512", "64M", "2G" into bytes; -EINVAL on garbage or overflow. */
int parse_size(const char *s, uint64_t *out);
/*
 * A decimal number from the user in [@min, @max]: digits only (no sign,
 * space, base prefix or suffix), checked for overflow. -EINVAL when it is
 * not a number, -ERANGE when it is out of range.
 */
int parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out);

#endif
