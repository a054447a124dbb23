// SPDX-License-Identifier: GPL-2.0
/* The test registry: constructor-registered tests, kept sorted by name. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "harness/test.h"

static struct ktstr_test *tests;
static int nr_tests;

void ktstr_test_register(struct ktstr_test *t)
{
	struct ktstr_test **p = &tests;

	if (!t->name || !t->run || !t->category) {
		fprintf(stderr, "ktstr: test %s lacks a name, category or body\n",
			t->name ? t->name : "(null)");
		return;
	}
	while (*p && strcmp((*p)->name, t->name) < 0)
		p = &(*p)->next;
	if (*p && !strcmp((*p)->name, t->name)) {
		fprintf(stderr, "ktstr: test %s declared twice\n", t->name);
		return;
	}
	t->next = *p;
	*p = t;
	nr_tests++;
}

struct ktstr_test *ktstr_tests(void)
{
	return tests;
}

int ktstr_nr_tests(void)
{
	return nr_tests;
}

struct ktstr_test *ktstr_test_find(const char *name)
{
	struct ktstr_test *t;

	for (t = tests; t; t = t->next)
		if (!strcmp(t->name, name))
			return t;
	return NULL;
}

static void vbuf_set(struct buf *b, const char *fmt, va_list ap)
{
	b->len = 0;
	buf_vprintf(b, fmt, ap);
}

int ktstr_fail(struct ktstr_ctx *ctx, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vbuf_set(&ctx->msg, fmt, ap);
	va_end(ap);
	return KTSTR_FAIL;
}

int ktstr_skip(struct ktstr_ctx *ctx, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vbuf_set(&ctx->msg, fmt, ap);
	va_end(ap);
	return KTSTR_SKIP;
}

void ktstr_diag(struct ktstr_ctx *ctx, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	buf_vprintf(&ctx->diag, fmt, ap);
	va_end(ap);
	buf_putc(&ctx->diag, '\n');
}

static const char *const verdict_names[] = {
	[KTSTR_PASS] = "PASS", [KTSTR_FAIL] = "FAIL", [KTSTR_SKIP] = "SKIP",
	[KTSTR_TIMEOUT] = "TIMEOUT", [KTSTR_XFAIL] = "XFAIL",
	[KTSTR_XPASS] = "XPASS", [KTSTR_ERROR] = "ERROR",
};

static const struct {
	const char *name, *ops;
} builtin_scheds[] = {
	{ "fifo", "ktstr_fifo" },
	{ "llc", "ktstr_llc" },
	{ "fail", "ktstr_fail" },
	{ "stall", "ktstr_stall" },
};

const char *scx_builtin_ops(const char *name)
{
	size_t i;

	for (i = 0; name && i < ARRAY_SIZE(builtin_scheds); i++)
		if (!strcmp(name, builtin_scheds[i].name))
			return builtin_scheds[i].ops;
	return NULL;
}

#define DEFAULT_MEMORY_MB 256

int ktstr_test_topology(const struct ktstr_test *t, const char *spec,
			struct topology *topo, char *err, size_t errlen)
{
	uint64_t mem = (uint64_t)(t->memory_mb ? : DEFAULT_MEMORY_MB) << 20;
	int r;

	r = topology_parse(spec ? : t->topology ? : "1n1l1c1t", mem, topo,
			   err, errlen);
	if (r)
		return r;
	if (t->topology_fn)
		t->topology_fn(topo);
	return topology_validate(topo, TOPO_MAX_CPUS, err, errlen);
}

const char *ktstr_verdict_name(enum ktstr_verdict v)
{
	return v < ARRAY_SIZE(verdict_names) ? verdict_names[v] : "?";
}
