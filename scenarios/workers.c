// SPDX-License-Identifier: GPL-2.0
/* Worker processes and their work loops (see workers.h). */
#include <errno.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "scenarios/cgroup.h"
#include "scenarios/sysfs.h"
#include "scenarios/workers.h"
#include "util/util.h"

#define READY_TIMEOUT_NS (30ULL * 1000000000ULL)	/* fork is slow under TCG */
#define CACHE_DEFAULT (8ULL << 20)
#define CACHE_CHUNK (64U << 10)
#define CACHE_LINE 64
#define FAULT_BYTES (256U << 10)
#define PAGE_BYTES 4096
#define MIXED_SLEEP_NS 200000ULL

static const char *const type_names[NR_WORK_TYPES] = {
	[WORK_SPIN] = "spin", [WORK_YIELD] = "yield", [WORK_SLEEP] = "sleep",
	[WORK_PINGPONG] = "pingpong", [WORK_BURSTY] = "bursty",
	[WORK_CACHE] = "cache", [WORK_FORK] = "fork", [WORK_LOCK] = "lock",
	[WORK_WAKEE] = "wakee", [WORK_PIPE] = "pipe", [WORK_FANOUT] = "fanout",
	[WORK_CONTEND] = "contend", [WORK_MIXED] = "mixed",
	[WORK_CACHE_YIELD] = "cache_yield", [WORK_PAGEFAULT] = "pagefault",
	[WORK_AFFINITY] = "affinity", [WORK_POLICY] = "policy",
	[WORK_NICE] = "nice",
};

const char *work_type_name(enum work_type t)
{
	return (unsigned int)t < NR_WORK_TYPES ? type_names[t] : "?";
}

int work_type_parse(const char *s, enum work_type *t)
{
	int i;

	for (i = 0; i < NR_WORK_TYPES; i++)
		if (!strcmp(s, type_names[i])) {
			*t = i;
			return 0;
		}
	return -EINVAL;
}

bool work_type_paired(enum work_type t)
{
	return t == WORK_PINGPONG || t == WORK_LOCK || t == WORK_PIPE;
}

/* A generator process drives the group: WAKEE and FANOUT. */
static bool work_type_generated(enum work_type t)
{
	return t == WORK_WAKEE || t == WORK_FANOUT;
}

/* The group shares a mutex: LOCK pairs, CONTEND all together. */
static bool work_type_mutex(enum work_type t)
{
	return t == WORK_LOCK || t == WORK_CONTEND;
}

int workers_count(enum work_type type, int n)
{
	return work_type_generated(type) ? n + 1 : n;
}

uint64_t worker_iters(const struct worker *w)
{
	return __atomic_load_n(&w->sh->iters, __ATOMIC_RELAXED);
}

/* Futexes are in MAP_SHARED memory: no FUTEX_PRIVATE_FLAG. */
static void futex_wait(uint32_t *word, uint32_t val, const struct timespec *to)
{
	syscall(SYS_futex, word, FUTEX_WAIT, val, to, NULL, 0);
}

static void futex_wake(uint32_t *word)
{
	syscall(SYS_futex, word, FUTEX_WAKE, INT32_MAX, NULL, NULL, 0);
}

static uint32_t load(uint32_t *p)
{
	return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}

static void store_wake(uint32_t *p, uint32_t v)
{
	__atomic_store_n(p, v, __ATOMIC_RELEASE);
	futex_wake(p);
}

/* Blocks until *@word == @want. */
static void wait_for(uint32_t *word, uint32_t want)
{
	uint32_t v;

	while ((v = load(word)) != want)
		futex_wait(word, v, NULL);
}

/* One unit of CPU work the compiler cannot remove. */
static void spin(uint32_t loops)
{
	uint32_t i;

	for (i = 0; i < loops; i++)
		asm volatile("" : : "r"(i) : "memory");
}

/*
 * An iteration is done: the timestamp comes before sched_getcpu() so a
 * sample stamped after a cpuset change can only show an allowed CPU.
 */
static void tick(struct worker_shared *sh)
{
	uint64_t now = now_ns();

	gap_log_tick(&sh->gaps, now);
	cpu_log_sample(&sh->cpus, now, sched_getcpu(), CPU_SAMPLE_NS);
	__atomic_store_n(&sh->iters, sh->iters + 1, __ATOMIC_RELAXED);
}

/* Back from a wait that started at @sent: a wake latency, not a gap. */
static void woken(struct worker_shared *sh, uint64_t sent)
{
	uint64_t now = now_ns();

	lat_log_add(&sh->lat, now > sent ? now - sent : 0);
	gap_log_resume(&sh->gaps, now);
}

static void sleep_until(uint64_t ns)
{
	struct timespec ts = { ns / 1000000000ULL, ns % 1000000000ULL };

	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
		;
}

static void loop_spin(struct worker *w)
{
	for (;;) {
		spin(w->p.spin_loops);
		tick(w->sh);
	}
}

static void loop_yield(struct worker *w)
{
	for (;;) {
		spin(w->p.spin_loops / 10);
		sched_yield();
		tick(w->sh);
	}
}

static void loop_sleep(struct worker *w)
{
	uint64_t period = w->p.period_us * 1000ULL;
	uint64_t deadline = now_ns() + period;

	for (;;) {
		sleep_until(deadline);
		woken(w->sh, deadline);
		spin(w->p.spin_loops / 10);
		tick(w->sh);
		deadline += period;
		/* Overran a period: keep the cadence from now, not a burst. */
		if (deadline < w->sh->gaps.last_ns)
			deadline = w->sh->gaps.last_ns + period;
	}
}

static void loop_bursty(struct worker *w)
{
	uint64_t period = w->p.period_us * 1000ULL;
	uint64_t burst = w->p.burst_us * 1000ULL;

	for (;;) {
		uint64_t end = now_ns() + burst, deadline;

		while (now_ns() < end) {
			spin(w->p.spin_loops / 10);
			tick(w->sh);
		}
		deadline = now_ns() + period;
		sleep_until(deadline);
		woken(w->sh, deadline);
	}
}

/* Pairs: the leader pings (word 1), the follower pongs (word 2). */
static void loop_pingpong(struct worker *w)
{
	struct worker_shared *c = w->chan;
	uint32_t mine = w->leader ? 2 : 1, theirs = w->leader ? 1 : 2;

	if (w->leader) {
		c->send_ns = now_ns();
		store_wake(&c->word, theirs);
	}
	for (;;) {
		wait_for(&c->word, mine);
		woken(w->sh, c->send_ns);
		spin(w->p.spin_loops / 10);
		tick(w->sh);
		c->send_ns = now_ns();
		store_wake(&c->word, theirs);
	}
}

/*
 * Lock pairs: the holder keeps the mutex for a unit of work; the waiter's
 * latency is from the release it waited for to owning the mutex.
 */
static void loop_lock(struct worker *w)
{
	struct worker_shared *c = w->chan;

	for (;;) {
		uint64_t t0 = now_ns(), rel;

		pthread_mutex_lock(&c->lock);
		rel = __atomic_load_n(&c->send_ns, __ATOMIC_RELAXED);
		if (!w->leader && rel > t0)
			woken(w->sh, rel);
		else
			gap_log_resume(&w->sh->gaps, now_ns());
		spin(w->leader ? w->p.spin_loops : w->p.spin_loops / 10);
		__atomic_store_n(&c->send_ns, now_ns(), __ATOMIC_RELAXED);
		pthread_mutex_unlock(&c->lock);
		tick(w->sh);
		spin(w->p.spin_loops / 10);
	}
}

static uint64_t llc_size(void)
{
	char path[96], buf[32];
	long level, best = 0;
	uint64_t size, best_size = CACHE_DEFAULT;
	int i;

	for (i = 0; i < 10; i++) {
		snprintf(path, sizeof(path),
			 "/sys/devices/system/cpu/cpu0/cache/index%d/level", i);
		if (sysfs_read_long(path, &level))
			break;
		snprintf(path, sizeof(path),
			 "/sys/devices/system/cpu/cpu0/cache/index%d/size", i);
		if (sysfs_read(path, buf, sizeof(buf)))
			continue;
		buf[strcspn(buf, "\n")] = '\0';
		if (level > best && !parse_size(buf, &size) && size) {
			best = level;
			best_size = size;
		}
	}
	return best_size;
}

/* One chunk of the walk over the LLC-sized buffer, from *@off on. */
static void cache_chunk(struct worker *w, uint64_t *off)
{
	uint8_t *buf = w->cache;
	uint32_t i;

	for (i = 0; i < CACHE_CHUNK; i += CACHE_LINE) {
		buf[*off]++;
		*off = (*off + CACHE_LINE) % w->cache_size;
	}
	/* The stores must happen: nothing reads them. */
	asm volatile("" : : "r"(buf) : "memory");
}

static void loop_cache(struct worker *w)
{
	uint64_t off = 0;

	for (;;) {
		cache_chunk(w, &off);
		tick(w->sh);
	}
}

/* A chunk of the cache walk, then the CPU goes to whoever wants it. */
static void loop_cache_yield(struct worker *w)
{
	uint64_t off = 0;

	for (;;) {
		cache_chunk(w, &off);
		sched_yield();
		tick(w->sh);
	}
}

/* Faulting the buffer in is setup, not work: done before ready. */
static int cache_setup(struct worker *w)
{
	w->cache_size = w->p.cache_bytes ? : llc_size();
	w->cache = malloc(w->cache_size);
	if (!w->cache)
		return -ENOMEM;
	memset(w->cache, 1, w->cache_size);
	return 0;
}

static void loop_fork(struct worker *w)
{
	for (;;) {
		pid_t pid = fork();

		if (!pid)
			_exit(0);
		if (pid > 0)
			waitpid(pid, NULL, 0);
		/* Waiting for the child is blocking, not a scheduling gap. */
		gap_log_resume(&w->sh->gaps, now_ns());
		spin(w->p.spin_loops / 10);
		tick(w->sh);
	}
}

/* Pairs over two pipes: the leader writes first; a read is a wake-up. */
static void loop_pipe(struct worker *w)
{
	struct worker_shared *c = w->chan;
	char b = 0;

	if (w->leader) {
		c->send_ns = now_ns();
		if (write(w->wfd, &b, 1) != 1)
			_exit(1);
	}
	for (;;) {
		if (read(w->rfd, &b, 1) != 1)
			_exit(1);
		woken(w->sh, __atomic_load_n(&c->send_ns, __ATOMIC_ACQUIRE));
		spin(w->p.spin_loops / 10);
		tick(w->sh);
		__atomic_store_n(&c->send_ns, now_ns(), __ATOMIC_RELEASE);
		if (write(w->wfd, &b, 1) != 1)
			_exit(1);
	}
}

/* Everyone on the first worker's mutex: a unit of work while holding it. */
static void loop_contend(struct worker *w)
{
	struct worker_shared *c = w->chan;

	for (;;) {
		pthread_mutex_lock(&c->lock);
		/* Waiting for the mutex is blocking, not a scheduling gap. */
		gap_log_resume(&w->sh->gaps, now_ns());
		spin(w->p.spin_loops / 10);
		pthread_mutex_unlock(&c->lock);
		tick(w->sh);
		spin(w->p.spin_loops / 10);
	}
}

/* Spin, yield, sleep: one of each per three iterations. */
static void loop_mixed(struct worker *w)
{
	uint64_t i, deadline;

	for (i = 0;; i++) {
		switch (i % 3) {
		case 0:
			spin(w->p.spin_loops);
			break;
		case 1:
			spin(w->p.spin_loops / 10);
			sched_yield();
			break;
		default:
			deadline = now_ns() + MIXED_SLEEP_NS;
			sleep_until(deadline);
			woken(w->sh, deadline);
			break;
		}
		tick(w->sh);
	}
}

static void loop_pagefault(struct worker *w)
{
	uint32_t off;
	uint8_t *p;

	for (;;) {
		p = mmap(NULL, FAULT_BYTES, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED)
			_exit(1);
		for (off = 0; off < FAULT_BYTES; off += PAGE_BYTES)
			p[off] = 1;
		munmap(p, FAULT_BYTES);
		tick(w->sh);
	}
}

/*
 * Round-robin over the CPUs it was allowed at start, one at a time; one
 * the cpuset no longer allows is skipped, and when none is left the
 * allowed set is read again (the kernel reset it to the new cpuset).
 */
static void loop_affinity(struct worker *w)
{
	cpu_set_t allowed, one;
	int cpu = -1, tries;

	if (sched_getaffinity(0, sizeof(allowed), &allowed))
		_exit(1);
	for (;;) {
		for (tries = 0; tries < CPU_SETSIZE; tries++) {
			cpu = (cpu + 1) % CPU_SETSIZE;
			if (!CPU_ISSET(cpu, &allowed))
				continue;
			CPU_ZERO(&one);
			CPU_SET(cpu, &one);
			if (!sched_setaffinity(0, sizeof(one), &one))
				break;
			CPU_CLR(cpu, &allowed);
		}
		if (tries == CPU_SETSIZE &&
		    (sched_getaffinity(0, sizeof(allowed), &allowed) ||
		     !CPU_COUNT(&allowed)))
			_exit(1);
		spin(w->p.spin_loops / 10);
		tick(w->sh);
	}
}

static void loop_policy(struct worker *w)
{
	static const int policies[] = { SCHED_OTHER, SCHED_BATCH, SCHED_IDLE };
	struct sched_param sp = {};
	uint64_t i;

	for (i = 0;; i++) {
		if (sched_setscheduler(0, policies[i % 3], &sp))
			_exit(1);
		spin(w->p.spin_loops / 10);
		tick(w->sh);
	}
}

/*
 * Up one nice level per iteration to 19, then back to where it started
 * when allowed (lowering nice needs CAP_SYS_NICE), else it stays at 19.
 */
static void loop_nice(struct worker *w)
{
	int base = getpriority(PRIO_PROCESS, 0), n = base;

	for (;;) {
		n = n >= 19 ? base : n + 1;
		if (setpriority(PRIO_PROCESS, 0, n))
			n = 19;
		spin(w->p.spin_loops / 10);
		tick(w->sh);
	}
}

static void loop_wakee(struct worker *w)
{
	struct worker_shared *c = w->chan;
	uint32_t seen = load(&c->word);

	for (;;) {
		uint32_t v;

		while ((v = load(&c->word)) == seen)
			futex_wait(&c->word, v, NULL);
		seen = v;
		woken(w->sh, __atomic_load_n(&c->send_ns, __ATOMIC_ACQUIRE));
		spin(w->p.spin_loops / 10);
		tick(w->sh);
	}
}

/*
 * The stimulus generator: wakes every target once per period, WAKEE's one
 * by one on their own words, FANOUT's all at once.
 */
static void loop_stimulus(struct worker *w)
{
	uint64_t period = w->p.period_us * 1000ULL;
	uint64_t deadline = now_ns() + period;
	int i;

	for (;;) {
		sleep_until(deadline);
		if (w->type == WORK_FANOUT) {
			/* One broadcast: every wakee waits on our word. */
			__atomic_store_n(&w->sh->send_ns, now_ns(),
					 __ATOMIC_RELEASE);
			__atomic_fetch_add(&w->sh->word, 1, __ATOMIC_RELEASE);
			futex_wake(&w->sh->word);
		}
		for (i = 0; w->type == WORK_WAKEE && i < w->nr_targets; i++) {
			struct worker_shared *t = w->targets[i]->chan;

			__atomic_store_n(&t->send_ns, now_ns(), __ATOMIC_RELEASE);
			__atomic_fetch_add(&t->word, 1, __ATOMIC_RELEASE);
			futex_wake(&t->word);
		}
		tick(w->sh);
		deadline += period;
		if (deadline < now_ns())
			deadline = now_ns() + period;
	}
}

static void (*const loops[NR_WORK_TYPES])(struct worker *w) = {
	[WORK_SPIN] = loop_spin, [WORK_YIELD] = loop_yield,
	[WORK_SLEEP] = loop_sleep, [WORK_PINGPONG] = loop_pingpong,
	[WORK_BURSTY] = loop_bursty, [WORK_CACHE] = loop_cache,
	[WORK_FORK] = loop_fork, [WORK_LOCK] = loop_lock,
	[WORK_WAKEE] = loop_wakee, [WORK_PIPE] = loop_pipe,
	[WORK_FANOUT] = loop_wakee, [WORK_CONTEND] = loop_contend,
	[WORK_MIXED] = loop_mixed, [WORK_CACHE_YIELD] = loop_cache_yield,
	[WORK_PAGEFAULT] = loop_pagefault, [WORK_AFFINITY] = loop_affinity,
	[WORK_POLICY] = loop_policy, [WORK_NICE] = loop_nice,
};

static int worker_setup(struct worker *w, const char *cgroup)
{
	struct sched_param sp = {};

	if (cgroup) {
		int r = cgroup_attach(cgroup, getpid());

		if (r)
			return r;
	}
	if (w->p.policy && sched_setscheduler(0, w->p.policy, &sp))
		return -errno;
	if (w->p.nice && setpriority(PRIO_PROCESS, 0, w->p.nice))
		return -errno;
	return (w->type == WORK_CACHE || w->type == WORK_CACHE_YIELD) &&
	       !w->stimulus ? cache_setup(w) : 0;
}

static void __noreturn worker_main(struct worker *w, const char *cgroup,
				   pid_t parent)
{
	struct worker_shared *sh = w->sh;
	int r;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(1);
	r = worker_setup(w, cgroup);
	if (r) {
		sh->err = r;
		store_wake(&sh->state, WORKER_FAILED);
		_exit(1);
	}
	store_wake(&sh->state, WORKER_READY);
	wait_for(&sh->go, 1);
	if (w->stimulus)
		loop_stimulus(w);
	else
		loops[w->type](w);
	_exit(0);
}

static struct worker *worker_alloc(enum work_type type,
				   const struct work_params *p)
{
	struct worker *w = xzalloc(sizeof(*w));

	w->type = type;
	w->p = *p;
	w->p.spin_loops = w->p.spin_loops ? : WORK_SPIN_LOOPS;
	w->p.period_us = w->p.period_us ? : 1000;
	w->p.burst_us = w->p.burst_us ? : 2000;
	w->sh = mmap(NULL, sizeof(*w->sh), PROT_READ | PROT_WRITE,
		     MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (w->sh == MAP_FAILED) {
		free(w);
		return NULL;
	}
	cpu_log_init(&w->sh->cpus);
	gap_log_init(&w->sh->gaps, now_ns(), GAP_LOG_MIN_NS);
	w->chan = w->sh;
	w->rfd = w->wfd = -1;
	return w;
}

static int init_shared_mutex(pthread_mutex_t *m)
{
	pthread_mutexattr_t a;
	int r;

	pthread_mutexattr_init(&a);
	pthread_mutexattr_setpshared(&a, PTHREAD_PROCESS_SHARED);
	r = -pthread_mutex_init(m, &a);
	pthread_mutexattr_destroy(&a);
	return r;
}

/* Pipe pairs: the leader writes what its partner reads, and back. */
static int link_pipes(struct worker *a, struct worker *b)
{
	int ab[2], ba[2];

	if (pipe2(ab, O_CLOEXEC))
		return -errno;
	if (pipe2(ba, O_CLOEXEC)) {
		close(ab[0]);
		close(ab[1]);
		return -errno;
	}
	a->wfd = ab[1];
	b->rfd = ab[0];
	b->wfd = ba[1];
	a->rfd = ba[0];
	return 0;
}

/* The engine's copies of the pipe ends, once the workers have theirs. */
static void close_pipes(struct worker **w, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		if (!w[i])
			continue;
		if (w[i]->rfd >= 0)
			close(w[i]->rfd);
		if (w[i]->wfd >= 0)
			close(w[i]->wfd);
		w[i]->rfd = w[i]->wfd = -1;
	}
}

/*
 * Pairs share the leader's channel, CONTEND the first worker's; the
 * generator points at the wakees (FANOUT's wait on the generator's word).
 */
static int link_workers(enum work_type type, int n, struct worker **w)
{
	int i, r;

	for (i = 0; work_type_paired(type) && i < n; i += 2) {
		w[i]->leader = true;
		w[i + 1]->chan = w[i]->sh;
		r = type == WORK_PIPE ? link_pipes(w[i], w[i + 1]) : 0;
		if (!r && type == WORK_LOCK)
			r = init_shared_mutex(&w[i]->sh->lock);
		if (r)
			return r;
	}
	if (type == WORK_CONTEND) {
		w[0]->leader = true;
		for (i = 1; i < n; i++)
			w[i]->chan = w[0]->sh;
		r = init_shared_mutex(&w[0]->sh->lock);
		if (r)
			return r;
	}
	if (work_type_generated(type)) {
		w[n]->stimulus = true;
		w[n]->leader = true;
		w[n]->targets = w;
		w[n]->nr_targets = n;
		for (i = 0; type == WORK_FANOUT && i < n; i++)
			w[i]->chan = w[n]->sh;
	}
	return 0;
}

/* Waits until @w left WORKER_CREATED; its setup error or 0. */
static int wait_ready(struct worker *w)
{
	struct timespec to = { 0, 100000000 };
	uint64_t deadline = now_ns() + READY_TIMEOUT_NS;
	uint32_t s;

	while ((s = load(&w->sh->state)) == WORKER_CREATED) {
		if (now_ns() > deadline)
			return -ETIMEDOUT;
		if (waitpid(w->pid, NULL, WNOHANG) == w->pid) {
			w->dead = true;
			return -ECHILD;
		}
		futex_wait(&w->sh->state, s, &to);
	}
	return s == WORKER_READY ? 0 : (w->sh->err ? : -EIO);
}

int workers_spawn(enum work_type type, const struct work_params *p, int n,
		  const char *cgroup, struct worker **out)
{
	int i, total = workers_count(type, n), r = 0;
	pid_t self = getpid();

	if (n <= 0 || (unsigned int)type >= NR_WORK_TYPES ||
	    (work_type_paired(type) && n % 2))
		return -EINVAL;
	memset(out, 0, sizeof(*out) * total);
	for (i = 0; i < total; i++) {
		out[i] = worker_alloc(type, p);
		if (!out[i]) {
			r = -ENOMEM;
			goto fail;
		}
	}
	r = link_workers(type, n, out);
	for (i = 0; !r && i < total; i++) {
		out[i]->pid = fork();
		if (out[i]->pid < 0) {
			r = -errno;
			out[i]->pid = 0;
		} else if (!out[i]->pid) {
			/* The generator stays in the engine's cgroup. */
			worker_main(out[i], out[i]->stimulus ? NULL : cgroup, self);
		}
	}
	close_pipes(out, total);
	for (i = 0; !r && i < total; i++)
		r = wait_ready(out[i]);
	if (!r)
		return 0;
fail:
	close_pipes(out, total);
	for (i = 0; i < total; i++)
		if (out[i])
			worker_kill(out[i]);
	memset(out, 0, sizeof(*out) * total);
	return r;
}

/*
 * The wait from here to the worker's first iteration is a scheduling
 * delay like any other gap, so the gap log starts now, not when it runs.
 */
void worker_go(struct worker *w)
{
	uint64_t now = now_ns();

	w->sh->go_ns = now;
	w->sh->gaps.last_ns = now;
	store_wake(&w->sh->go, 1);
}

int worker_stop(struct worker *w)
{
	int status;

	if (w->stopped || w->dead)
		return 0;
	if (kill(w->pid, SIGSTOP))
		return -errno;
	while (waitpid(w->pid, &status, WUNTRACED) < 0)
		if (errno != EINTR)
			return -errno;
	if (WIFSTOPPED(status))
		w->stopped = true;
	else
		w->dead = true;
	return 0;
}

int worker_cont(struct worker *w)
{
	if (!w->stopped || w->dead)
		return 0;
	if (kill(w->pid, SIGCONT))
		return -errno;
	w->stopped = false;
	return 0;
}

void worker_end(struct worker *w)
{
	if (w->pid > 0 && !w->dead) {
		kill(w->pid, SIGKILL);
		while (waitpid(w->pid, NULL, 0) < 0 && errno == EINTR)
			;
	}
	w->dead = true;
}

void worker_kill(struct worker *w)
{
	worker_end(w);
	if (work_type_mutex(w->type) && w->leader)
		pthread_mutex_destroy(&w->sh->lock);
	munmap(w->sh, sizeof(*w->sh));
	free(w);
}
