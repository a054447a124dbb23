// SPDX-License-Identifier: GPL-2.0
/*
 * Per-test result files: the identity of a run and one file per test run,
 * written atomically (temp file and rename()).
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/results.h"
#include "ktstr_version.h"
#include "util/json.h"

const char *ktstr_version(void)
{
	return KTSTR_VERSION;
}

/* FNV-1a 64: enough to tell two configs apart, not a security hash. */
static uint64_t fnv1a(const void *p, size_t n)
{
	const unsigned char *c = p;
	uint64_t h = 0xcbf29ce484222325ULL;

	while (n--) {
		h ^= *c++;
		h *= 0x100000001b3ULL;
	}
	return h;
}

/* @dir/@name read into @out, NUL-terminated; 0 or -errno. */
static int read_near(const char *dir, const char *name, struct buf *out)
{
	char *p = xasprintf("%s/%s", dir, name);
	int r = read_file(p, out);

	free(p);
	if (!r)
		buf_putc(out, 0);
	return r;
}

/*
 * The kernel cache (scripts/kernel.sh) keeps "config" and "info"
 * (version=...) beside the image; a kernel tree keeps .config three
 * levels up from arch/ARCH/boot/IMAGE.
 */
static void kernel_identity(struct buf *b, const char *kernel)
{
	const char *slash = kernel ? strrchr(kernel, '/') : NULL;
	char *dir = slash ? xasprintf("%.*s", (int)(slash - kernel), kernel) :
			    xstrdup(".");
	struct buf cfg = {}, info = {};
	char *ver = NULL;

	buf_printf(b, ", \"kernel\": ");
	json_put_string(b, kernel ? : "");
	if (!read_near(dir, "info", &info)) {
		char *v = strstr((char *)info.data, "version=");

		if (v && (v == (char *)info.data || v[-1] == '\n'))
			ver = xasprintf("%.*s", (int)strcspn(v + 8, "\n"), v + 8);
	}
	buf_printf(b, ", \"kernel_version\": ");
	if (ver)
		json_put_string(b, ver);
	else
		buf_printf(b, "null");
	if (!read_near(dir, "config", &cfg) ||
	    !read_near(dir, "../../../.config", &cfg))
		buf_printf(b, ", \"kernel_config_hash\": \"fnv1a64:%016llx\"",
			   (unsigned long long)fnv1a(cfg.data, cfg.len - 1));
	else
		buf_printf(b, ", \"kernel_config_hash\": null");
	free(ver);
	free(dir);
	buf_free(&cfg);
	buf_free(&info);
}

static void cpu_model(struct buf *b)
{
	struct buf ci = {};
	char *m = NULL;

	if (!read_file("/proc/cpuinfo", &ci)) {
		buf_putc(&ci, 0);
		m = strstr((char *)ci.data, "model name");
		m = m ? strchr(m, ':') : NULL;
		if (m)
			m += 1 + strspn(m + 1, " \t");
	}
	buf_printf(b, ", \"host_cpu_model\": ");
	if (m)
		json_put_stringn(b, m, strcspn(m, "\n"));
	else
		buf_printf(b, "null");
	buf_free(&ci);
}

void results_identity(struct buf *b, const char *kernel)
{
	const char *emu = getenv("KTSTR_EMULATED_HOST");
	char date[32];
	time_t now = time(NULL);
	struct tm tm;

	buf_printf(b, "\"ktstr_version\": ");
	json_put_string(b, ktstr_version());
	kernel_identity(b, kernel);
	cpu_model(b);
	buf_printf(b, ", \"host_cpus\": %ld, \"emulated_host\": %s",
		   sysconf(_SC_NPROCESSORS_ONLN),
		   emu && !strcmp(emu, "1") ? "true" : "false");
	gmtime_r(&now, &tm);
	strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%SZ", &tm);
	buf_printf(b, ", \"date\": \"%s\"", date);
}

int results_write(const char *dir, const char *test, int repeat,
		  const struct buf *identity, const struct buf *body)
{
	struct buf b = {};
	char *path;
	int r;

	buf_printf(&b, "{\"schema\": %d, ", RESULTS_SCHEMA);
	buf_put(&b, identity->data, identity->len);
	buf_printf(&b, ", ");
	buf_put(&b, body->data, body->len);
	buf_printf(&b, "}\n");
	if (!json_valid((char *)b.data, b.len)) {
		buf_free(&b);
		return -EINVAL;
	}
	path = repeat ? xasprintf("%s/%s.%d.json", dir, test, repeat) :
			xasprintf("%s/%s.json", dir, test);
	r = write_file_atomic(path, b.data, b.len);
	free(path);
	buf_free(&b);
	return r;
}
