// SPDX-License-Identifier: GPL-2.0
/* Performance-mode pinning plans on fake host sysfs trees. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "vmm/hostinfo.h"
#include "vmm/perf.h"

static void put(const char *root, const char *rel, const char *fmt, ...)
{
	char *path = xasprintf("%s/sys/devices/system/%s", root, rel);
	char *dir = xstrdup(path);
	va_list ap;
	FILE *f;

	*strrchr(dir, '/') = '\0';
	mkdir_p(dir, 0755);
	f = fopen(path, "w");
	if (!f)
		die("cannot write %s", path);
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	fclose(f);
	free(path);
	free(dir);
}

/*
 * @cpus CPUs in LLC groups of @per_llc; SMT siblings are cpu and cpu +
 * cpus / 2 when @smt (Intel numbering); LLC g on node g / @llcs_per_node.
 */
static char *fake_host(int cpus, int per_llc, bool smt, int llcs_per_node)
{
	char tmpl[] = "/tmp/ktstr-hostXXXXXX", rel[128];
	char *root = xstrdup(mkdtemp(tmpl));
	int half = cpus / 2, c, n, nodes;

	put(root, "cpu/online", "0-%d\n", cpus - 1);
	for (c = 0; c < cpus; c++) {
		int core = smt ? c % half : c;
		int llc = core / (smt ? per_llc / 2 : per_llc);
		int first = llc * (smt ? per_llc / 2 : per_llc);
		int last = first + (smt ? per_llc / 2 : per_llc) - 1;

		snprintf(rel, sizeof(rel), "cpu/cpu%d/topology/thread_siblings_list", c);
		if (smt)
			put(root, rel, "%d,%d\n", core, core + half);
		else
			put(root, rel, "%d\n", c);
		snprintf(rel, sizeof(rel), "cpu/cpu%d/cache/index3/shared_cpu_list", c);
		if (smt)
			put(root, rel, "%d-%d,%d-%d\n", first, last, first + half,
			    last + half);
		else
			put(root, rel, "%d-%d\n", first, last);
	}
	if (!llcs_per_node)
		return root;
	nodes = cpus / per_llc / llcs_per_node;
	for (n = 0; n < nodes; n++) {
		int span = per_llc * llcs_per_node;

		snprintf(rel, sizeof(rel), "node/node%d/cpulist", n);
		put(root, rel, "%d-%d\n", n * span, n * span + span - 1);
	}
	return root;
}

static void rm_tree(char *root)
{
	char *cmd = xasprintf("rm -rf '%s'", root);

	if (system(cmd))
		fprintf(stderr, "cannot remove %s\n", root);
	free(cmd);
	free(root);
}

struct plan_env {
	struct host_info h;
	struct topology t;
	struct perf_plan p;
	char reason[256];
};

static enum perf_status plan_for(struct plan_env *e, const char *spec,
				 perf_claim_fn claim, void *opaque)
{
	char err[256];

	if (topology_parse(spec, 256ULL << 20, &e->t, err, sizeof(err)))
		die("bad spec %s: %s", spec, err);
	e->reason[0] = '\0';
	return perf_plan_build(&e->h, &e->t, claim, opaque, &e->p, e->reason,
			       sizeof(e->reason));
}

static bool distinct(const struct perf_plan *p)
{
	int i, j;

	for (i = 0; i < p->nr_vcpus; i++) {
		if (p->vcpu_cpu[i] == p->service_cpu)
			return false;
		for (j = 0; j < i; j++)
			if (p->vcpu_cpu[i] == p->vcpu_cpu[j])
				return false;
	}
	return true;
}

FIXTURE(host) {
	char *root;
	struct plan_env e;
};

FIXTURE_SETUP(host)
{
	self->root = NULL;
}

FIXTURE_TEARDOWN(host)
{
	host_info_free(&self->e.h);
	if (self->root)
		rm_tree(self->root);
}

static void load(struct __test_metadata *_metadata, char **root,
		 struct host_info *h, char *r)
{
	char err[256];

	*root = r;
	ASSERT_EQ(0, host_info_read(r, h, err, sizeof(err))) TH_LOG("%s", err);
}

TEST_F(host, one_llc)
{
	struct plan_env *e = &self->e;

	load(_metadata, &self->root, &e->h, fake_host(8, 8, false, 0));
	ASSERT_EQ(8, e->h.nr_cpus);
	ASSERT_EQ(1, e->h.nr_llcs);
	ASSERT_EQ(PERF_OK, plan_for(e, "1n1l4c1t", NULL, NULL));
	EXPECT_TRUE(distinct(&e->p));
	EXPECT_EQ(0, e->p.host_llc[0]);
	EXPECT_EQ(-1, e->p.service_llc);
	EXPECT_EQ(4, e->p.service_cpu);
	/* 7 vCPUs + 1 service CPU fill the host exactly. */
	ASSERT_EQ(PERF_OK, plan_for(e, "1n1l7c1t", NULL, NULL));
	EXPECT_EQ(7, e->p.service_cpu);
	EXPECT_EQ(PERF_UNAVAILABLE, plan_for(e, "1n1l8c1t", NULL, NULL));
	EXPECT_NE(NULL, strstr(e->reason, "needs 9")) TH_LOG("%s", e->reason);
	EXPECT_EQ(PERF_UNAVAILABLE, plan_for(e, "1n2l2c1t", NULL, NULL));
	EXPECT_NE(NULL, strstr(e->reason, "1 LLC groups")) TH_LOG("%s", e->reason);
}

TEST_F(host, two_llcs_of_8)
{
	struct plan_env *e = &self->e;
	int i;

	load(_metadata, &self->root, &e->h, fake_host(16, 8, false, 0));
	ASSERT_EQ(2, e->h.nr_llcs);
	ASSERT_EQ(PERF_OK, plan_for(e, "1n2l4c1t", NULL, NULL));
	EXPECT_TRUE(distinct(&e->p));
	EXPECT_NE(e->p.host_llc[0], e->p.host_llc[1]);
	for (i = 0; i < 8; i++)
		EXPECT_EQ(e->p.host_llc[i / 4], e->p.vcpu_cpu[i] / 8)
			TH_LOG("vCPU %d on CPU %d", i, e->p.vcpu_cpu[i]);
	/* A full group for the vCPUs: the service CPU takes the other one. */
	ASSERT_EQ(PERF_OK, plan_for(e, "1n1l8c1t", NULL, NULL));
	EXPECT_EQ(1, e->p.service_llc);
	EXPECT_EQ(8, e->p.service_cpu);
	/* Two full groups: no CPU is left for the service threads. */
	EXPECT_EQ(PERF_UNAVAILABLE, plan_for(e, "1n2l8c1t", NULL, NULL));
	/* 7 of 8 in each group: the service CPU is a leftover of one. */
	ASSERT_EQ(PERF_OK, plan_for(e, "1n2l7c1t", NULL, NULL));
	EXPECT_EQ(-1, e->p.service_llc);
	EXPECT_EQ(7, e->p.service_cpu);
	EXPECT_TRUE(distinct(&e->p));
	/* A virtual LLC larger than any host group has no plan. */
	EXPECT_EQ(PERF_UNAVAILABLE, plan_for(e, "1n1l9c1t", NULL, NULL));
	EXPECT_NE(NULL, strstr(e->reason, "no pinning plan")) TH_LOG("%s", e->reason);
}

TEST_F(host, smt)
{
	struct plan_env *e = &self->e;
	int i, j;

	/* 8 cores x 2 threads, siblings c and c + 8, one LLC. */
	load(_metadata, &self->root, &e->h, fake_host(16, 16, true, 0));
	ASSERT_EQ(1, e->h.nr_llcs);
	ASSERT_EQ(PERF_OK, plan_for(e, "1n1l4c1t", NULL, NULL));
	for (i = 0; i < 4; i++)
		EXPECT_EQ(i, e->p.vcpu_cpu[i]);		/* a core each */
	/* Virtual SMT siblings share a host core. */
	ASSERT_EQ(PERF_OK, plan_for(e, "1n1l2c2t", NULL, NULL));
	EXPECT_EQ(0, e->p.vcpu_cpu[0]);
	EXPECT_EQ(8, e->p.vcpu_cpu[1]);
	EXPECT_EQ(1, e->p.vcpu_cpu[2]);
	EXPECT_EQ(9, e->p.vcpu_cpu[3]);
	EXPECT_TRUE(distinct(&e->p));
	/* More vCPUs than cores: every core first, then siblings. */
	ASSERT_EQ(PERF_OK, plan_for(e, "1n1l12c1t", NULL, NULL));
	EXPECT_TRUE(distinct(&e->p));
	for (i = 0; i < 8; i++)
		for (j = 0; j < i; j++)
			EXPECT_NE(e->p.vcpu_cpu[i] % 8, e->p.vcpu_cpu[j] % 8);
}

TEST_F(host, two_nodes)
{
	struct plan_env *e = &self->e;
	int i;

	/* 4 LLCs of 4 CPUs; LLCs 0-1 on node 0, 2-3 on node 1. */
	load(_metadata, &self->root, &e->h, fake_host(16, 4, false, 2));
	ASSERT_EQ(2, e->h.nr_nodes);
	ASSERT_EQ(4, e->h.nr_llcs);
	ASSERT_EQ(1, e->h.cpus[8].node);
	ASSERT_EQ(PERF_OK, plan_for(e, "2n4l2c1t", NULL, NULL));
	EXPECT_TRUE(distinct(&e->p));
	/* Guest node 0 (LLCs 0, 1) on one host node, guest node 1 on the other. */
	EXPECT_EQ(e->p.host_llc[0] / 2, e->p.host_llc[1] / 2);
	EXPECT_EQ(e->p.host_llc[2] / 2, e->p.host_llc[3] / 2);
	EXPECT_NE(e->p.host_llc[0] / 2, e->p.host_llc[2] / 2);
	EXPECT_EQ(1ULL << (e->p.host_llc[0] / 2), e->p.node_mask[0]);
	EXPECT_EQ(1ULL << (e->p.host_llc[2] / 2), e->p.node_mask[1]);
	for (i = 0; i < 8; i++)
		EXPECT_EQ(e->p.host_llc[i / 2], e->p.vcpu_cpu[i] / 4);
}

static bool busy_llc0(int llc, void *opaque)
{
	int *claims = opaque;

	(*claims)++;
	return llc != 0;
}

TEST_F(host, contention)
{
	struct plan_env *e = &self->e;
	int claims = 0;

	load(_metadata, &self->root, &e->h, fake_host(16, 4, false, 0));
	/* LLC 0 busy: another group serves, no skip. */
	ASSERT_EQ(PERF_OK, plan_for(e, "1n1l3c1t", busy_llc0, &claims));
	EXPECT_EQ(1, e->p.host_llc[0]);
	EXPECT_EQ(2, claims);
	/* Every group needed: the busy one is named. */
	EXPECT_EQ(PERF_CONTENTION, plan_for(e, "1n4l3c1t", busy_llc0, &claims));
	EXPECT_STREQ("LLC 0 busy (held by another ktstr run)", e->reason);
	/* Impossible anyway: unavailable, whatever is busy. */
	EXPECT_EQ(PERF_UNAVAILABLE, plan_for(e, "1n5l3c1t", busy_llc0, &claims));
}

TEST(cpulist)
{
	uint64_t set[HOST_MAX_CPUS / 64];
	int cpus[] = { 0, 1, 2, 5, 7, 8 };
	char out[64];

	EXPECT_EQ(6, cpulist_parse("0-2,5,7-8\n", set, HOST_MAX_CPUS));
	EXPECT_EQ(0x1a7ULL, set[0]);
	EXPECT_EQ(-EINVAL, cpulist_parse("3-1", set, HOST_MAX_CPUS));
	EXPECT_EQ(-EINVAL, cpulist_parse("1,,x", set, HOST_MAX_CPUS));
	EXPECT_EQ(-ERANGE, cpulist_parse("0-4096", set, HOST_MAX_CPUS));
	cpulist_format(cpus, 6, out, sizeof(out));
	EXPECT_STREQ("0-2,5,7-8", out);
}

TEST(no_sysfs)
{
	struct host_info h;
	char err[256];

	EXPECT_EQ(-ENOENT, host_info_read("/nonexistent", &h, err, sizeof(err)));
	EXPECT_NE(NULL, strstr(err, "/nonexistent/sys/devices/system/cpu/online"));
}

/* A lock directory and the lock files in it. */
static void remove_lock_dir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;

	while (d && (e = readdir(d)))
		if (e->d_name[0] != '.')
			unlinkat(dirfd(d), e->d_name, 0);
	if (d)
		closedir(d);
	rmdir(dir);
}

/*
 * An emulated KVM host is planned on like any other: its CPUs decide, and
 * a plan made there says that timing is not checked.
 */
TEST(emulated_host_plans)
{
	char tmpl[] = "/tmp/ktstr-locks-XXXXXX", err[256], reason[256];
	enum perf_status st;
	struct perf_state s;
	struct topology t;
	char *dir = mkdtemp(tmpl);

	ASSERT_NE(NULL, dir);
	ASSERT_EQ(0, topology_parse("1n1l1c1t", 256ULL << 20, &t, err, sizeof(err)));
	setenv("KTSTR_LOCK_DIR", dir, 1);
	setenv("KTSTR_EMULATED_HOST", "1", 1);
	st = perf_prepare(&s, &t, 256ULL << 20, reason, sizeof(reason));
	if (st == PERF_OK) {
		EXPECT_NE(NULL, memmem(s.notes.data, s.notes.len,
				       "timing is not", 13));
	} else {
		EXPECT_EQ(PERF_UNAVAILABLE, st);
		EXPECT_EQ(NULL, strstr(reason, "emulated"));
		TH_LOG("not planned here: %s", reason);
	}
	perf_release(&s);
	unsetenv("KTSTR_EMULATED_HOST");
	unsetenv("KTSTR_LOCK_DIR");
	remove_lock_dir(dir);
	setenv("KTSTR_NO_PERF_MODE", "1", 1);
	EXPECT_TRUE(perf_mode_forced_off());
	unsetenv("KTSTR_NO_PERF_MODE");
	EXPECT_FALSE(perf_mode_forced_off());
	perf_mode_force_off(true);
	EXPECT_TRUE(perf_mode_forced_off());
}

TEST_HARNESS_MAIN
