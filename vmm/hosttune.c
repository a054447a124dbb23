// SPDX-License-Identifier: GPL-2.0
/* Performance or budget mode for one VM run, and its per-vCPU telemetry. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/json.h"
#include "vmm/hosttune.h"
#include "vmm/vm.h"

static int vcpu_hook(struct vcpu *v, void *opaque)
{
	struct host_tune *h = opaque;

	if (h->perf)
		return perf_vcpu_thread(&h->perf_st, v);
	if (h->budget)
		return budget_vcpu_thread(&h->bud, v);
	return 0;
}

static void service_hook(void *opaque)
{
	struct host_tune *h = opaque;

	if (h->perf)
		perf_service_thread(&h->perf_st);
}

/* Performance mode checked against its plan once every vCPU is placed. */
static void service_tick(struct vm *vm, void *opaque)
{
	struct host_tune *h = opaque;

	if (h->perf && !h->perf_st.check.ran &&
	    __atomic_load_n(&h->perf_st.placed, __ATOMIC_ACQUIRE) ==
	    vm->nr_vcpus)
		perf_verify_running(&h->perf_st, vm);
}

/* Budget mode: min(cpu_budget or all usable CPUs, cap) host CPUs. */
static void budget_prepare(struct host_tune *h, uint32_t cpu_budget,
			   uint32_t cpu_cap, struct tune_outcome *o)
{
	int usable = budget_usable_cpus();
	uint32_t want = budget_effective(cpu_budget, cpu_cap, usable);
	char base[64];

	if (!want)
		return;
	budget_setup(&h->bud, want, NULL);
	h->budget = o->budget_mode = true;
	o->cpu_budget = h->bud.nr_cpus;
	o->cpu_cap = cpu_cap;
	if (cpu_budget)
		snprintf(base, sizeof(base), "cpu_budget %u", cpu_budget);
	else
		snprintf(base, sizeof(base), "all %d usable host CPUs", usable);
	if (cpu_cap)
		buf_printf(&o->notes, "budget: %u host CPU(s) for the vCPUs = min(%s, --cpu-cap %u)\n",
			   o->cpu_budget, base, cpu_cap);
	else
		buf_printf(&o->notes, "budget: %u host CPU(s) for the vCPUs (%s)\n",
			   o->cpu_budget, base);
}

int tune_prepare(struct host_tune *h, bool perf_mode, uint32_t cpu_budget,
		 uint32_t cpu_cap, const struct topology *t,
		 struct tune_outcome *o)
{
	enum perf_status st;

	memset(h, 0, sizeof(*h));
	memset(o, 0, sizeof(*o));
	o->halt_observable = true;
	if (perf_mode && perf_mode_forced_off()) {
		buf_printf(&o->notes, "performance mode forced off (--no-perf-mode / KTSTR_NO_PERF_MODE=1)\n");
		perf_mode = false;
	}
	if (perf_mode) {
		o->cpu_cap = cpu_cap;
		/* The user's cap first: it holds on any host, emulated too. */
		st = perf_cap_check(t, cpu_cap, o->perf_reason,
				    sizeof(o->perf_reason));
		if (st == PERF_OK) {
			st = perf_prepare(&h->perf_st, t, topology_mem_bytes(t),
					  o->perf_reason, sizeof(o->perf_reason));
			if (st != PERF_OK)
				perf_release(&h->perf_st);
		}
		o->perf_status = st;
		if (st != PERF_OK)
			return -EAGAIN;
		if (cpu_cap)
			perf_note(&h->perf_st, "perf mode: %u host CPUs, within --cpu-cap %u",
				  topology_nr_cpus(t) + 1, cpu_cap);
		h->perf = o->performance_mode = true;
		return 0;
	}
	budget_prepare(h, cpu_budget, cpu_cap, o);
	return 0;
}

static void set_halt_poll(struct host_tune *h, struct vm *vm, int nr_vcpus,
			  struct tune_outcome *o)
{
	/* In budget mode, the effective budget (cpu_budget and the cap). */
	int cpus = h->budget ? h->bud.nr_cpus : budget_usable_cpus();
	uint64_t ns = budget_halt_poll_ns(nr_vcpus, cpus);
	int r = vm_set_halt_poll(vm, ns);

	if (r)
		buf_printf(&o->notes, "halt polling left at the host default: %s\n",
			   strerror(-r));
	else if (ns)
		buf_printf(&o->notes, "halt polling %llu us\n",
			   (unsigned long long)ns / 1000);
	else
		buf_printf(&o->notes, "halt polling off: %d vCPUs > %d %s CPUs\n",
			   nr_vcpus, cpus, h->budget ? "budget" : "host");
}

int tune_vm(struct host_tune *h, struct vm *vm, struct tune_outcome *o,
	    char *err, size_t errlen)
{
	char note[256];
	int r;

	h->nr_vcpus = h->perf ? h->perf_st.plan.nr_vcpus : 0;
	if (!h->perf)
		return 0;
	r = vm_arch_perf_exits(vm, note, sizeof(note));
	if (r < 0) {
		snprintf(err, errlen, "performance mode: disabling exits (vm_arch_perf_exits): %s",
			 strerror(-r));
		return r;
	}
	buf_printf(&o->notes, "perf mode: %s\n", note);
	o->halt_observable = vm_arch_halt_observable(vm);
	vm->ram_hugetlb = h->perf_st.hugepages;
	vm->ram_node_mask = h->perf_st.plan.node_mask;
	vm->ram_nr_nodes = TOPO_MAX_NODES;
	return 0;
}

void tune_vcpus(struct host_tune *h, struct vm *vm, struct tune_outcome *o)
{
	int i, r = 0;

	set_halt_poll(h, vm, vm->nr_vcpus, o);
	if (h->perf)
		buf_printf(&o->notes, "perf mode: guest RAM on %s\n",
			   vm->ram_hugetlb ? "2 MiB hugepages" :
			   "regular pages (not enough free hugepages)");
	h->nr_vcpus = vm->nr_vcpus;
	h->stats = xzalloc(vm->nr_vcpus * sizeof(*h->stats));
	h->start = xzalloc(vm->nr_vcpus * sizeof(*h->start));
	for (i = 0; i < vm->nr_vcpus; i++) {
		h->stats[i].fd = -1;
		r = kvm_stats_open(&h->stats[i], vm->vcpus[i].fd);
		if (!r)
			kvm_stats_read(&h->stats[i], h->start[i]);
	}
	if (r)
		buf_printf(&o->notes, "KVM binary stats unavailable (%s): no exit or halt counts from KVM\n",
			   strerror(-r));
	vm->vcpu_thread_hook = vcpu_hook;
	vm->service_thread_hook = service_hook;
	vm->service_tick_hook = service_tick;
	vm->hook_opaque = h;
}

static void vcpu_sample(struct host_tune *h, struct vcpu *v,
			struct vcpu_telemetry *t)
{
	uint64_t end[KS_NR], *s = h->start[v->id];

	t->busy_ns = v->host_run_ns;
	t->steal_ns = v->host_wait_ns;
	t->user_exits = v->exits;
	t->guest_steal = !vcpu_arch_guest_steal(v, &t->guest_steal_ns);
	if (kvm_stats_read(&h->stats[v->id], end))
		return;
	t->kvm_stats = true;
	t->exits = end[KS_EXITS] - s[KS_EXITS];
	t->halt_exits = end[KS_HALT_EXITS] - s[KS_HALT_EXITS];
	t->halted_ns = end[KS_HALT_WAIT_NS] - s[KS_HALT_WAIT_NS];
	t->poll_ns = end[KS_HALT_POLL_SUCCESS_NS] - s[KS_HALT_POLL_SUCCESS_NS] +
		     end[KS_HALT_POLL_FAIL_NS] - s[KS_HALT_POLL_FAIL_NS];
}

void tune_finish(struct host_tune *h, struct vm *vm, struct tune_outcome *o)
{
	int i;

	o->nr_vcpus = vm->nr_vcpus;
	o->vcpus = xzalloc(vm->nr_vcpus * sizeof(*o->vcpus));
	for (i = 0; i < vm->nr_vcpus && h->stats; i++)
		vcpu_sample(h, &vm->vcpus[i], &o->vcpus[i]);
	if (!h->budget)
		return;
	if (budget_teardown(&h->bud))
		o->budget_failed = true;
	buf_put(&o->notes, h->bud.notes.data, h->bud.notes.len);
	h->bud.notes.len = 0;
	if (h->bud.failed) {
		o->budget_failed = true;
		buf_printf(&o->notes, "budget: %d of %d vCPU threads not confined to CPUs %s\n",
			   h->bud.failed, vm->nr_vcpus, h->bud.cpus);
	} else {
		buf_printf(&o->notes, "budget: %d vCPU threads confined to CPUs %s (checked on each thread)\n",
			   h->bud.verified, h->bud.cpus);
	}
}

void tune_release(struct host_tune *h, struct tune_outcome *o)
{
	int i;

	if (h->perf) {
		perf_locks_release(&h->perf_st.locks);
		perf_verify_released(&h->perf_st);
		buf_put(&o->notes, h->perf_st.notes.data, h->perf_st.notes.len);
		buf_put(&o->perf_diffs, h->perf_st.check.diffs.data,
			h->perf_st.check.diffs.len);
		o->perf_checked = h->perf_st.check.ran;
		perf_release(&h->perf_st);
	}
	if (h->budget) {
		if (budget_teardown(&h->bud))
			o->budget_failed = true;
		buf_put(&o->notes, h->bud.notes.data, h->bud.notes.len);
		budget_free(&h->bud);
	}
	for (i = 0; h->stats && i < h->nr_vcpus; i++)
		kvm_stats_close(&h->stats[i]);
	free(h->stats);
	free(h->start);
	h->stats = NULL;
	h->start = NULL;
	h->perf = h->budget = false;
}

void tune_outcome_free(struct tune_outcome *o)
{
	buf_free(&o->notes);
	buf_free(&o->perf_diffs);
	free(o->vcpus);
	o->vcpus = NULL;
}

static double sec(uint64_t ns)
{
	return ns / 1e9;
}

void tune_format_diag(const struct tune_outcome *o, struct buf *out)
{
	int i;

	buf_put(out, o->notes.data, o->notes.len);
	if (!o->nr_vcpus)
		return;
	buf_printf(out, "vcpu telemetry (host side; steal = vCPU thread runnable but waiting%s):\n",
		   o->halt_observable ? "" :
		   "; HLT exits disabled: host-side halt time is not observable");
	for (i = 0; i < o->nr_vcpus; i++) {
		const struct vcpu_telemetry *t = &o->vcpus[i];
		char halted[48] = "n/a";
		char gsteal[48] = "n/a";

		if (t->guest_steal)
			snprintf(gsteal, sizeof(gsteal), "%.3f s",
				 sec(t->guest_steal_ns));
		if (t->kvm_stats && o->halt_observable)
			snprintf(halted, sizeof(halted), "%.3f s", sec(t->halted_ns));
		buf_printf(out, "vcpu%d: busy %.3f s, steal %.3f s (guest clock %s), halted %s, exits %llu (hlt %llu, vmm %llu)\n",
			   i, sec(t->busy_ns), sec(t->steal_ns), gsteal, halted,
			   (unsigned long long)t->exits,
			   (unsigned long long)t->halt_exits,
			   (unsigned long long)t->user_exits);
	}
}

static void json_notes(const struct tune_outcome *o, struct buf *out)
{
	const char *p = (const char *)o->notes.data;
	const char *end = p + o->notes.len;
	bool first = true;

	buf_printf(out, ", \"host_notes\": [");
	while (p && p < end) {
		const char *nl = memchr(p, '\n', end - p);
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);

		if (!first)
			buf_printf(out, ", ");
		json_put_stringn(out, p, n);
		first = false;
		p += n + 1;
	}
	buf_printf(out, "]");
}

void tune_format_json(const struct tune_outcome *o, struct buf *out)
{
	int i;

	buf_printf(out, "\"perf_mode\": %s, \"budget_mode\": %s, \"halt_observable\": %s",
		   o->performance_mode ? "true" : "false",
		   o->budget_mode ? "true" : "false",
		   o->halt_observable ? "true" : "false");
	if (o->budget_mode)
		buf_printf(out, ", \"cpu_budget\": %u", o->cpu_budget);
	else
		buf_printf(out, ", \"cpu_budget\": null");
	if (o->cpu_cap)
		buf_printf(out, ", \"cpu_cap\": %u", o->cpu_cap);
	else
		buf_printf(out, ", \"cpu_cap\": null");
	json_notes(o, out);
	buf_printf(out, ", \"vcpus\": [");
	for (i = 0; i < o->nr_vcpus; i++) {
		const struct vcpu_telemetry *t = &o->vcpus[i];

		buf_printf(out, "%s{\"vcpu\": %d, \"busy_ns\": %llu, \"steal_ns\": %llu, ",
			   i ? ", " : "", i, (unsigned long long)t->busy_ns,
			   (unsigned long long)t->steal_ns);
		if (t->kvm_stats && o->halt_observable)
			buf_printf(out, "\"halted_ns\": %llu, ",
				   (unsigned long long)t->halted_ns);
		else
			buf_printf(out, "\"halted_ns\": null, ");
		if (t->guest_steal)
			buf_printf(out, "\"guest_steal_ns\": %llu, ",
				   (unsigned long long)t->guest_steal_ns);
		else
			buf_printf(out, "\"guest_steal_ns\": null, ");
		buf_printf(out, "\"halt_poll_ns\": %llu, \"exits\": %llu, \"halt_exits\": %llu, \"vmm_exits\": %llu}",
			   (unsigned long long)t->poll_ns,
			   (unsigned long long)t->exits,
			   (unsigned long long)t->halt_exits,
			   (unsigned long long)t->user_exits);
	}
	buf_printf(out, "]");
}
