// SPDX-License-Identifier: GPL-2.0
/*
 * The host monitor (vmm/monitor.h): per CPU, the guest's struct rq read out
 * of guest RAM through the VMM's own mapping, every interval, while the
 * vCPUs run; the not_stuck, imbalance and DSQ depth checks; the vCPUs'
 * symbolized program counters on a timeout.
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "util/json.h"
#include "vmm/monitor.h"
#include "vmm/monitor_syms.h"
#include "vmm/vm.h"

struct monitor {
	struct vm *vm;
	struct monitor_config cfg;
	struct monitor_outcome *out;
	struct ksyms ks;
	struct kmem mem;
	struct monitor_stall *track;
	int *stat_fd;			/* per vCPU: its schedstat, or -1 */
	uint32_t imbalance_run;
	bool loaded;			/* ks read: the samples are real */
	pthread_t thread;
};

static int gpa_read(void *opaque, uint64_t gpa, void *buf, size_t len)
{
	void *p = vm_gpa_to_hva(opaque, gpa, len);

	if (!p)
		return -EFAULT;
	memcpy(buf, p, len);
	return 0;
}

/*
 * vCPU @cpu's thread's on-CPU time so far; 0 when unknown. Its schedstat
 * stays open: one pread() per sample.
 */
static uint64_t vcpu_run_ns(struct monitor *m, int cpu)
{
	const struct vcpu *v = &m->vm->vcpus[cpu];
	char buf[96];
	ssize_t n;

	if (m->stat_fd[cpu] < 0 && v->tid) {
		snprintf(buf, sizeof(buf), "/proc/self/task/%d/schedstat", v->tid);
		m->stat_fd[cpu] = open(buf, O_RDONLY | O_CLOEXEC);
	}
	if (m->stat_fd[cpu] < 0)
		return 0;
	n = pread(m->stat_fd[cpu], buf, sizeof(buf) - 1, 0);
	if (n <= 0)
		return 0;
	buf[n] = 0;
	return strtoull(buf, NULL, 10);
}

/* page_offset_base and phys_base as the guest set them (KASLR-proof). */
static void read_bases(struct monitor *m)
{
	uint64_t v;

	if (m->ks.phys_base && !kmem_read_u64(&m->mem, m->ks.phys_base, &v))
		m->mem.phys_base = v;
	if (!kmem_read_u64(&m->mem, m->ks.page_offset_base, &v))
		m->mem.page_offset_base = v;
}

static int read_task(struct monitor *m, uint64_t task, int32_t *pid,
		     char *comm)
{
	const struct kofs *o = &m->ks.ofs;
	size_t n = MIN(o->comm_len, (size_t)15);
	uint32_t p;

	if (kmem_read_u32(&m->mem, task + o->task_pid, &p) ||
	    kmem_read(&m->mem, task + o->task_comm, comm, n))
		return -EFAULT;
	comm[n] = 0;
	*pid = p;
	return 0;
}

/* @cpu's rq: per_cpu_ptr(&runqueues, cpu). */
static int read_cpu(struct monitor *m, int cpu, struct monitor_cpu *c)
{
	const struct kofs *o = &m->ks.ofs;
	uint64_t off, rq, curr;
	uint32_t nr;

	memset(c, 0, sizeof(*c));
	c->pid = -1;
	if (kmem_read_u64(&m->mem, m->ks.per_cpu_offset + 8 * cpu, &off))
		return -EFAULT;
	rq = m->ks.runqueues + off;
	if (kmem_read_u32(&m->mem, rq + o->rq_nr_running, &c->nr_running) ||
	    kmem_read_u64(&m->mem, rq + o->rq_clock, &c->clock) ||
	    kmem_read_u64(&m->mem, rq + o->rq_curr, &curr))
		return -EFAULT;
	if (curr && read_task(m, curr, &c->pid, c->comm))
		return -EFAULT;
	if (o->rq_scx >= 0 && o->scx_rq_local_dsq >= 0 && o->dsq_nr >= 0 &&
	    !kmem_read_u32(&m->mem, rq + o->rq_scx + o->scx_rq_local_dsq +
			   o->dsq_nr, &nr))
		c->local_dsq = nr;
	if (o->rq_scx >= 0 && o->scx_rq_nr_running >= 0 &&
	    !kmem_read_u32(&m->mem, rq + o->rq_scx + o->scx_rq_nr_running, &nr))
		c->scx_nr_running = nr;
	c->ok = true;
	return 0;
}

static void fail(struct monitor *m, const char *fmt, ...) __printf(2, 3);
static void fail(struct monitor *m, const char *fmt, ...)
{
	va_list ap;

	if (m->out->failed)
		return;
	m->out->failed = true;
	va_start(ap, fmt);
	vsnprintf(m->out->fail, sizeof(m->out->fail), fmt, ap);
	va_end(ap);
}

/*
 * not_stuck: a CPU with runnable tasks whose rq clock has not moved while
 * its vCPU thread ran stall_ms on the host. Host run time, not wall time:
 * a descheduled vCPU (an emulated host, a busy machine) is not stuck. An
 * idle CPU may stop its tick, so only CPUs with work count: runnable
 * tasks, or a current task other than the idle task (pid 0; a CPU stuck
 * on its way to idle has nr_running 0 and its last task current).
 */
bool monitor_stall_step(struct monitor_stall *s, const struct monitor_cpu *c,
			uint64_t run_ns, uint32_t t_ms, uint32_t stall_ms)
{
	bool idle = !c->nr_running && c->pid <= 0;

	if (!c->ok || idle || c->clock != s->clock || !run_ns || !s->run_ns) {
		s->clock = c->clock;
		s->run_ns = run_ns;
		s->since_ms = t_ms;
		return false;
	}
	return run_ns - s->run_ns > stall_ms * 1000000ULL;
}

static void check_stall(struct monitor *m, int cpu, const struct monitor_cpu *c,
			uint32_t t_ms)
{
	struct monitor_stall *s = &m->track[cpu];
	uint64_t run = vcpu_run_ns(m, cpu);

	if (!monitor_stall_step(s, c, run, t_ms, m->out->stall_ms))
		return;
	if (cpu < 64)
		m->out->stuck_cpus |= 1ULL << cpu;
	fail(m, "not_stuck: CPU %d rq clock stuck at %llu ns for %u ms (vCPU ran %llu ms meanwhile) at t=%u ms, nr_running %u, current %s/%d",
	     cpu, (unsigned long long)c->clock, t_ms - s->since_ms,
	     (unsigned long long)(run - s->run_ns) / 1000000, t_ms,
	     c->nr_running, c->comm, c->pid);
}

static void check_sample(struct monitor *m, const struct monitor_cpu *cs,
			 uint32_t t_ms)
{
	struct monitor_outcome *out = m->out;
	uint32_t lo = UINT32_MAX, hi = 0;
	int i, lo_cpu = 0, hi_cpu = 0;

	for (i = 0; i < out->nr_cpus; i++) {
		const struct monitor_cpu *c = &cs[i];

		check_stall(m, i, c, t_ms);
		if (!c->ok)
			continue;
		out->max_nr_running = MAX(out->max_nr_running, c->nr_running);
		out->max_local_dsq = MAX(out->max_local_dsq, c->local_dsq);
		if (m->cfg.max_dsq_depth && c->local_dsq > m->cfg.max_dsq_depth)
			fail(m, "max_dsq_depth: CPU %d local DSQ %u deep at t=%u ms, limit %u",
			     i, c->local_dsq, t_ms, m->cfg.max_dsq_depth);
		if (c->nr_running < lo) {
			lo = c->nr_running;
			lo_cpu = i;
		}
		if (c->nr_running > hi) {
			hi = c->nr_running;
			hi_cpu = i;
		}
	}
	if (!m->cfg.max_imbalance || !hi)
		return;
	if (hi <= m->cfg.max_imbalance * MAX(lo, 1U)) {
		m->imbalance_run = 0;
		return;
	}
	if (++m->imbalance_run >= MONITOR_IMBALANCE_RUN)
		fail(m, "max_imbalance: CPU %d nr_running %u vs CPU %d %u for %u samples to t=%u ms, limit %ux",
		     hi_cpu, hi, lo_cpu, lo, m->imbalance_run, t_ms,
		     m->cfg.max_imbalance);
}

static void sample(struct monitor *m)
{
	struct monitor_outcome *out = m->out;
	struct monitor_cpu *cs, tmp[64], *heap = NULL;
	uint32_t t_ms = (now_ns() - m->vm->t_first_run_ns) / 1000000;
	bool keep = out->nr_samples < out->cap;
	uint64_t v, p;
	int i, n = out->nr_cpus;

	read_bases(m);
	if (keep)
		cs = &out->cpus[(size_t)out->nr_samples * n];
	else
		cs = n <= (int)ARRAY_SIZE(tmp) ? tmp :
		     (heap = xmalloc(n * sizeof(*heap)));
	for (i = 0; i < n; i++)
		if (read_cpu(m, i, &cs[i]))
			out->read_errors++;
	check_sample(m, cs, t_ms);
	free(heap);
	if (!keep) {
		out->dropped++;
		return;
	}
	out->t_ms[out->nr_samples] = t_ms;
	out->scx_enabled[out->nr_samples] = -1;
	if (m->ks.scx_enable_state && m->ks.scx_enabled_val >= 0 &&
	    !kmem_read_u32(&m->mem, m->ks.scx_enable_state, (uint32_t *)&i))
		out->scx_enabled[out->nr_samples] = i == m->ks.scx_enabled_val;
	/* global_dsqs[0]->nr: node 0's global DSQ, once sched_ext made it. */
	out->global_dsq[out->nr_samples] = -1;
	if (m->ks.global_dsqs && m->ks.ofs.dsq_nr >= 0 &&
	    !kmem_read_u64(&m->mem, m->ks.global_dsqs, &p) && p &&
	    !kmem_read_u64(&m->mem, p, &v) && v &&
	    !kmem_read_u32(&m->mem, v + m->ks.ofs.dsq_nr, (uint32_t *)&i))
		out->global_dsq[out->nr_samples] = (uint32_t)i;
	out->nr_samples++;
}

static uint64_t thread_cpu_ns(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts))
		return 0;
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static void *monitor_thread(void *arg)
{
	struct monitor *m = arg;
	struct vm *vm = m->vm;
	uint64_t next, t0;
	char err[200];

	pthread_setname_np(pthread_self(), "ktstr-monitor");
	/* Where the other service threads run (performance mode). */
	if (vm->service_thread_hook)
		vm->service_thread_hook(vm->hook_opaque);
	/* Here, not before the run: the guest boots meanwhile. */
	t0 = now_ns();
	if (ksyms_load(&m->ks, m->cfg.vmlinux, err, sizeof(err))) {
		snprintf(m->out->off_reason, sizeof(m->out->off_reason), "%s: %s",
			 m->cfg.vmlinux, err);
		return NULL;
	}
	m->out->load_ns = now_ns() - t0;
	m->loaded = true;
	while (!vm_stopping(vm) &&
	       !__atomic_load_n(&vm->t_first_run_ns, __ATOMIC_ACQUIRE))
		usleep(1000);
	next = now_ns();
	while (!vm_stopping(vm)) {
		if (now_ns() >= next) {
			t0 = thread_cpu_ns();
			sample(m);
			m->out->sample_cpu_ns += thread_cpu_ns() - t0;
			next += m->out->interval_ms * 1000000ULL;
		}
		usleep(MIN(10000ULL, next > now_ns() ?
			   (next - now_ns()) / 1000 + 1 : 1));
	}
	m->out->cost_ns = thread_cpu_ns();
	return NULL;
}


struct monitor *monitor_start(struct vm *vm, const struct monitor_config *cfg,
			      struct monitor_outcome *out)
{
	struct monitor *m;
	size_t n = vm->nr_vcpus;

	memset(out, 0, sizeof(*out));
	if (!cfg->vmlinux) {
		snprintf(out->off_reason, sizeof(out->off_reason),
			 "no vmlinux beside the kernel");
		return NULL;
	}
	if (ksyms_elf_machine(cfg->vmlinux) != EM_X86_64) {
		snprintf(out->off_reason, sizeof(out->off_reason),
			 "%s: not an x86_64 vmlinux (other guests: not yet)",
			 cfg->vmlinux);
		return NULL;
	}
	m = xzalloc(sizeof(*m));
	m->vm = vm;
	m->cfg = *cfg;
	m->out = out;
	m->mem = (struct kmem){ .read = gpa_read, .opaque = vm };
	m->track = xzalloc(n * sizeof(*m->track));
	m->stat_fd = xmalloc(n * sizeof(*m->stat_fd));
	for (size_t i = 0; i < n; i++)
		m->stat_fd[i] = -1;
	out->nr_cpus = n;
	out->interval_ms = cfg->interval_ms ? : MONITOR_INTERVAL_MS;
	out->stall_ms = cfg->stall_ms ? : MONITOR_STALL_MS;
	out->cap = MAX(1UL, MONITOR_MAX_RECORDS / n);
	out->t_ms = xzalloc(out->cap * sizeof(*out->t_ms));
	out->scx_enabled = xzalloc(out->cap);
	out->global_dsq = xzalloc(out->cap * sizeof(*out->global_dsq));
	out->cpus = xzalloc(out->cap * n * sizeof(*out->cpus));
	if (pthread_create(&m->thread, NULL, monitor_thread, m))
		die("cannot start the monitor thread");
	return m;
}

static void symbolize(struct monitor *m)
{
	struct monitor_outcome *out = m->out;
	int i;

	read_bases(m);
	out->nr_pcs = m->vm->nr_vcpus;
	out->pcs = xzalloc(out->nr_pcs * sizeof(*out->pcs));
	for (i = 0; i < out->nr_pcs; i++) {
		struct monitor_pc *p = &out->pcs[i];
		struct monitor_cpu c;

		if (vcpu_arch_pc(&m->vm->vcpus[i], &p->pc)) {
			snprintf(p->sym, sizeof(p->sym), "(no registers)");
			continue;
		}
		ksyms_format(&m->ks, p->pc, p->sym, sizeof(p->sym));
		if (!read_cpu(m, i, &c) && c.pid >= 0) {
			p->task = true;
			p->pid = c.pid;
			memcpy(p->comm, c.comm, sizeof(p->comm));
		}
	}
}

void monitor_stop(struct monitor *m, bool timeout)
{
	if (!m)
		return;
	pthread_join(m->thread, NULL);
	m->out->enabled = m->loaded;
	if (m->loaded && timeout)
		symbolize(m);
	ksyms_free(&m->ks);
	for (int i = 0; i < m->vm->nr_vcpus; i++)
		if (m->stat_fd[i] >= 0)
			close(m->stat_fd[i]);
	free(m->stat_fd);
	free(m->track);
	free(m);
}

void monitor_outcome_free(struct monitor_outcome *out)
{
	free(out->t_ms);
	free(out->cpus);
	free(out->scx_enabled);
	free(out->global_dsq);
	free(out->pcs);
	memset(out, 0, sizeof(*out));
}

void monitor_format_pcs(const struct monitor_outcome *out, struct buf *b)
{
	int i;

	for (i = 0; i < out->nr_pcs; i++) {
		const struct monitor_pc *p = &out->pcs[i];

		buf_printf(b, "vCPU %d in %s", i, p->sym);
		if (p->task)
			buf_printf(b, " (%s %d)", p->comm, p->pid);
		buf_putc(b, '\n');
	}
}

/* "0,3" of the bits of @mask. */
static const char *cpu_list(uint64_t mask, char *out, size_t len)
{
	size_t n = 0;
	int i;

	out[0] = 0;
	for (i = 0; i < 64 && n < len; i++)
		if (mask & (1ULL << i))
			n += snprintf(out + n, len - n, "%s%d", n ? "," : "", i);
	return out;
}

void monitor_format_diag(const struct monitor_outcome *out, struct buf *diag)
{
	char list[200];

	if (!out->enabled) {
		if (out->off_reason[0])
			buf_printf(diag, "monitor: off: %s\n", out->off_reason);
		return;
	}
	buf_printf(diag, "monitor: %u samples of %d CPUs every %u ms",
		   out->nr_samples, out->nr_cpus, out->interval_ms);
	buf_printf(diag, " (vmlinux read in %.1f ms)", out->load_ns / 1e6);
	if (out->dropped)
		buf_printf(diag, " (%u more past the cap of %u, not kept)",
			   out->dropped, out->cap);
	buf_printf(diag, "; max nr_running %u, max local DSQ %u; %llu read errors; host CPU %.1f ms, %.0f us per sample; %s\n",
		   out->max_nr_running, out->max_local_dsq,
		   (unsigned long long)out->read_errors, out->cost_ns / 1e6,
		   out->nr_samples + out->dropped ? out->sample_cpu_ns / 1e3 /
		   (out->nr_samples + out->dropped) : 0.0,
		   out->failed ? out->fail : "no stall");
	if (out->stuck_cpus)
		buf_printf(diag, "monitor: stuck CPUs (not_stuck): %s\n",
			   cpu_list(out->stuck_cpus, list, sizeof(list)));
	if (out->nr_pcs) {
		buf_printf(diag, "monitor: at the timeout:\n");
		monitor_format_pcs(out, diag);
	}
}

void monitor_format_json(const struct monitor_outcome *out, struct buf *json)
{
	uint32_t s;
	int i;

	if (!out->enabled)
		return;
	buf_printf(json, "%s\"monitor\": {\"interval_ms\": %u, \"stall_ms\": %u, \"nr_cpus\": %d, \"samples\": %u, \"dropped\": %u, \"read_errors\": %llu, \"cost_ns\": %llu, \"sample_cpu_ns\": %llu, \"load_ns\": %llu, \"failure\": ",
		   json->len ? ", " : "", out->interval_ms, out->stall_ms,
		   out->nr_cpus, out->nr_samples, out->dropped,
		   (unsigned long long)out->read_errors,
		   (unsigned long long)out->cost_ns,
		   (unsigned long long)out->sample_cpu_ns,
		   (unsigned long long)out->load_ns);
	if (out->failed)
		json_put_string(json, out->fail);
	else
		buf_printf(json, "null");
	buf_printf(json, ", \"stuck_cpus\": [");
	for (i = 0; i < 64; i++)
		if (out->stuck_cpus & (1ULL << i))
			buf_printf(json, "%s%d", out->stuck_cpus & ((1ULL << i) - 1) ?
				   ", " : "", i);
	buf_printf(json, "], \"series\": [");
	for (s = 0; s < out->nr_samples; s++) {
		const struct monitor_cpu *cs = &out->cpus[(size_t)s * out->nr_cpus];

		buf_printf(json, "%s{\"t_ms\": %llu, \"scx_enabled\": %s, \"global_dsq\": %lld, \"cpus\": [",
			   s ? ", " : "", (unsigned long long)out->t_ms[s],
			   out->scx_enabled[s] < 0 ? "null" :
			   out->scx_enabled[s] ? "true" : "false",
			   (long long)out->global_dsq[s]);
		for (i = 0; i < out->nr_cpus; i++) {
			const struct monitor_cpu *c = &cs[i];

			if (!c->ok) {
				buf_printf(json, "%snull", i ? ", " : "");
				continue;
			}
			buf_printf(json, "%s{\"nr_running\": %u, \"clock\": %llu, \"pid\": %d, \"comm\": ",
				   i ? ", " : "", c->nr_running,
				   (unsigned long long)c->clock, c->pid);
			/* Guest data: a JSON string, never raw. */
			json_put_string(json, c->comm);
			buf_printf(json, ", \"scx_nr_running\": %u, \"local_dsq\": %u}",
				   c->scx_nr_running, c->local_dsq);
		}
		buf_printf(json, "]}");
	}
	buf_printf(json, "]");
	if (out->nr_pcs) {
		buf_printf(json, ", \"timeout_pcs\": [");
		for (i = 0; i < out->nr_pcs; i++) {
			buf_printf(json, "%s{\"pc\": %llu, \"sym\": ", i ? ", " : "",
				   (unsigned long long)out->pcs[i].pc);
			json_put_string(json, out->pcs[i].sym);
			buf_printf(json, ", \"comm\": ");
			json_put_string(json, out->pcs[i].task ? out->pcs[i].comm : "");
			buf_printf(json, ", \"pid\": %d}", out->pcs[i].task ?
				   out->pcs[i].pid : -1);
		}
		buf_printf(json, "]");
	}
	buf_printf(json, "}");
}
