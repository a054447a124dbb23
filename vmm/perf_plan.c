// SPDX-License-Identifier: GPL-2.0
/*
 * The pinning plan of performance mode: which host LLC group carries each
 * virtual LLC, which host CPU each vCPU thread owns, where the service
 * threads run and which host nodes back each guest node's memory.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "vmm/perf.h"

const char *perf_status_name(enum perf_status s)
{
	switch (s) {
	case PERF_OK:
		return "ok";
	case PERF_UNAVAILABLE:
		return "PerfModeUnavailable";
	case PERF_CONTENTION:
		return "ResourceContention";
	}
	return "?";
}

/* CPUs of group @llc, ordered core by core; @rank: SMT rank in its core. */
static int group_cpus(const struct host_info *h, int llc, int *cpus, int *rank,
		      int *nr_cores)
{
	int i, j, n = 0;

	*nr_cores = 0;
	for (i = 0; i < h->nr_cpus; i++) {
		const struct host_cpu *c = &h->cpus[i];

		if (c->llc != llc)
			continue;
		rank[n] = 0;
		for (j = 0; j < n; j++)
			if (h->cpus[cpus[j]].core == c->core)
				rank[n]++;
		*nr_cores += !rank[n];
		cpus[n++] = i;
	}
	return n;
}

/*
 * Host CPU indexes (into h->cpus) for the @cpl cores x @tpc threads of one
 * virtual LLC in group @llc, or -ENOSPC. Virtual SMT siblings share a host
 * core when the host has as many threads per core; otherwise every vCPU
 * gets a core of its own first, SMT siblings only after all cores are used.
 */
static int fit_group(const struct host_info *h, int llc, uint32_t cpl,
		     uint32_t tpc, int *out)
{
	int cpus[HOST_MAX_CPUS], rank[HOST_MAX_CPUS];
	int cores, n = group_cpus(h, llc, cpus, rank, &cores);
	uint32_t want = cpl * tpc, got = 0, c, t;
	int i, r;

	if ((int)want > n)
		return -ENOSPC;
	if (tpc > 1 && (uint32_t)cores >= cpl) {
		for (c = 0, i = 0; c < cpl && i < n; i++) {
			if (rank[i])
				continue;
			for (t = 0, r = i; t < tpc && r < n; r++)
				if (h->cpus[cpus[r]].core == h->cpus[cpus[i]].core)
					out[c * tpc + t++] = cpus[r];
			if (t < tpc)
				break;
			c++;
		}
		if (c == cpl)
			return 0;
	}
	for (r = 0; got < want; r++)
		for (i = 0; i < n && got < want; i++)
			if (rank[i] == r)
				out[got++] = cpus[i];
	return 0;
}

static bool group_used(const struct perf_plan *p, int llc, int upto)
{
	int i;

	for (i = 0; i < upto; i++)
		if (p->host_llc[i] == llc)
			return true;
	return false;
}

static int group_node(const struct host_info *h, int llc)
{
	int i;

	for (i = 0; i < h->nr_cpus; i++)
		if (h->cpus[i].llc == llc)
			return h->cpus[i].node;
	return 0;
}

/* Guest node of virtual LLC @v. */
static uint32_t vllc_node(const struct topology *t, int v)
{
	uint32_t n;

	for (n = 0; n < t->numa_nodes; n++)
		if ((uint32_t)v < topology_node_first_llc(t, n) + t->nodes[n].llcs)
			return n;
	return 0;
}

/*
 * Preference for virtual LLC @v (lower is better): 0, a group on the host
 * node its guest node already uses; 1, a node no guest node uses yet; 2,
 * a node another guest node uses.
 */
static int group_score(const struct host_info *h, const struct perf_plan *p,
		       const struct topology *t, int v, int llc)
{
	int node = group_node(h, llc), i, score = 1;

	for (i = 0; i < v; i++) {
		if (group_node(h, p->host_llc[i]) != node)
			continue;
		if (vllc_node(t, i) == vllc_node(t, v))
			return 0;
		score = 2;
	}
	return score;
}

/* Takes a group for virtual LLC @v; -ENOSPC none fits, -EBUSY all busy. */
static int pick_group(const struct host_info *h, const struct topology *t,
		      struct perf_plan *p, int v, perf_claim_fn claim,
		      void *opaque, int *busy)
{
	int best_score, g, out[HOST_MAX_CPUS], saw_fit = 0;
	bool tried[HOST_MAX_CPUS] = { false };

	for (;;) {
		int best = -1;

		best_score = 99;
		for (g = 0; g < h->nr_llcs; g++) {
			int s;

			if (tried[g] || group_used(p, g, v) ||
			    fit_group(h, g, t->cores_per_llc,
				      t->threads_per_core, out))
				continue;
			s = group_score(h, p, t, v, g);
			if (s < best_score) {
				best_score = s;
				best = g;
			}
		}
		if (best < 0)
			return saw_fit ? -EBUSY : -ENOSPC;
		saw_fit = 1;
		tried[best] = true;
		if (!claim || claim(best, opaque)) {
			p->host_llc[v] = best;
			return 0;
		}
		if (*busy < 0)
			*busy = best;
	}
}

static bool cpu_taken(const struct perf_plan *p, int cpu)
{
	int i;

	for (i = 0; i < p->nr_vcpus; i++)
		if (p->vcpu_cpu[i] == cpu)
			return true;
	return false;
}

/* A CPU of our groups no vCPU uses, else a whole further free group. */
static int pick_service(const struct host_info *h, struct perf_plan *p,
			perf_claim_fn claim, void *opaque, int *busy)
{
	int i, g;

	p->service_llc = -1;
	for (i = 0; i < h->nr_cpus; i++)
		if (group_used(p, h->cpus[i].llc, p->nr_llcs) &&
		    !cpu_taken(p, h->cpus[i].cpu)) {
			p->service_cpu = h->cpus[i].cpu;
			return 0;
		}
	for (g = 0; g < h->nr_llcs; g++) {
		if (group_used(p, g, p->nr_llcs))
			continue;
		if (claim && !claim(g, opaque)) {
			if (*busy < 0)
				*busy = g;
			continue;
		}
		p->service_llc = g;
		for (i = 0; i < h->nr_cpus; i++)
			if (h->cpus[i].llc == g)
				break;
		p->service_cpu = h->cpus[i].cpu;
		return 0;
	}
	return *busy >= 0 ? -EBUSY : -ENOSPC;
}

static void fill_vcpus(const struct host_info *h, const struct topology *t,
		       struct perf_plan *p)
{
	uint32_t per = t->cores_per_llc * t->threads_per_core, v, i;
	int out[HOST_MAX_CPUS];
	struct topo_cpu tc;

	memset(p->node_mask, 0, sizeof(p->node_mask));
	for (v = 0; v < t->llcs; v++) {
		fit_group(h, p->host_llc[v], t->cores_per_llc,
			  t->threads_per_core, out);
		for (i = 0; i < per; i++) {
			uint32_t cpu = v * per + i;

			p->vcpu_cpu[cpu] = h->cpus[out[i]].cpu;
			topology_cpu(t, cpu, &tc);
			p->node_mask[tc.node] |= 1ULL << (h->cpus[out[i]].node & 63);
		}
	}
	/* Memory-only guest nodes: wherever the vCPUs are. */
	for (v = 0; v < t->numa_nodes; v++)
		if (!t->nodes[v].llcs)
			for (i = 0; i < t->numa_nodes; i++)
				p->node_mask[v] |= p->node_mask[i];
}

static enum perf_status try_plan(const struct host_info *h,
				 const struct topology *t, perf_claim_fn claim,
				 void *opaque, struct perf_plan *p,
				 char *reason, size_t len)
{
	int busy = -1, v, r;

	memset(p, 0, sizeof(*p));
	p->nr_vcpus = topology_nr_cpus(t);
	p->nr_llcs = t->llcs;
	if (h->nr_cpus < p->nr_vcpus + 1) {
		snprintf(reason, len,
			 "host has %d usable CPUs, performance mode needs %d (%d vCPUs + 1 service CPU)",
			 h->nr_cpus, p->nr_vcpus + 1, p->nr_vcpus);
		return PERF_UNAVAILABLE;
	}
	if (h->nr_llcs < p->nr_llcs) {
		snprintf(reason, len,
			 "host has %d LLC groups, the topology declares %d LLCs",
			 h->nr_llcs, p->nr_llcs);
		return PERF_UNAVAILABLE;
	}
	for (v = 0; v < p->nr_llcs; v++) {
		r = pick_group(h, t, p, v, claim, opaque, &busy);
		if (r == -EBUSY)
			goto busy;
		if (r) {
			snprintf(reason, len,
				 "no free host LLC group has %u CPUs for virtual LLC %d (no pinning plan)",
				 t->cores_per_llc * t->threads_per_core, v);
			return PERF_UNAVAILABLE;
		}
	}
	fill_vcpus(h, t, p);
	r = pick_service(h, p, claim, opaque, &busy);
	if (r == -EBUSY)
		goto busy;
	if (r) {
		snprintf(reason, len,
			 "no host CPU left for the service threads: every CPU of the %d LLC groups taken is a vCPU's and no other group is free",
			 p->nr_llcs);
		return PERF_UNAVAILABLE;
	}
	return PERF_OK;
busy:
	snprintf(reason, len, "LLC %d busy (held by another ktstr run)", busy);
	return PERF_CONTENTION;
}

enum perf_status perf_cap_check(const struct topology *t, uint32_t cap,
				char *reason, size_t len)
{
	uint32_t need = topology_nr_cpus(t) + 1;

	if (!cap || need <= cap)
		return PERF_OK;
	snprintf(reason, len,
		 "performance mode needs %u host CPUs (%u vCPUs + 1 service CPU), the CPU cap (--cpu-cap / KTSTR_CPU_CAP) allows %u",
		 need, need - 1, cap);
	return PERF_UNAVAILABLE;
}

enum perf_status perf_plan_build(const struct host_info *h,
				 const struct topology *t, perf_claim_fn claim,
				 void *opaque, struct perf_plan *p,
				 char *reason, size_t len)
{
	enum perf_status s;

	/* Whether the host could ever do it decides skip kind and reason. */
	s = try_plan(h, t, NULL, NULL, p, reason, len);
	if (s != PERF_OK || !claim)
		return s;
	return try_plan(h, t, claim, opaque, p, reason, len);
}
