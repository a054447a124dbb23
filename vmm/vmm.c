// SPDX-License-Identifier: GPL-2.0
/* One VM run: files in, VM built, guest run to its end, output collected. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "virtio/console.h"
#include "vmm/serial.h"
#include "vmm/sink.h"
#include "vmm/vmm.h"

static void sink_out(void *opaque, const uint8_t *data, size_t len)
{
	vmm_sink_put(opaque, data, len);
}

struct con_sinks {
	struct vmm_sink data, hvc;
	struct stats_relay *relay;	/* set before the guest runs */
};

/* Runs on the console's I/O thread; ports 0 and 1 have one writer each. */
static void con_out(void *opaque, unsigned int port, const uint8_t *data,
		    size_t len)
{
	struct con_sinks *s = opaque;

	if (port == CON_PORT_DATA)
		vmm_sink_put(&s->data, data, len);
	else if (port == CON_PORT_CONSOLE)
		vmm_sink_put(&s->hvc, data, len);
	else if (port == CON_PORT_STATS && s->relay)
		stats_relay_input(s->relay, data, len);
}

/* Host stdin to the guest's console port, for `ktstr shell`. */
static int input_send(void *opaque, const void *data, size_t len)
{
	return virtio_console_send(opaque, CON_PORT_CONSOLE, data, len);
}

/* Peak RSS of the process and how much of it is guest RAM (for bench). */
static void vmm_measure_rss(struct vm *vm, struct vmm_outcome *out)
{
	long long kib;
	int i;

	if (!read_proc_value("/proc/self/status", "VmHWM:", &kib))
		out->peak_rss = kib << 10;
	for (i = 0; i < vm->nr_regions; i++) {
		struct mem_region *m = &vm->regions[i];
		size_t pages = m->size >> 12, j;
		unsigned char *vec = xmalloc(pages);

		/* Hugetlb pages are not in VmHWM: counted apart. */
		if (!mincore(m->hva, m->size, vec))
			for (j = 0; j < pages; j++)
				*(vm->ram_hugetlb && m->node >= 0 ?
				  &out->guest_hugetlb : &out->guest_rss) +=
					(vec[j] & 1) << 12;
		free(vec);
	}
}

/*
 * Opens the kernel and initramfs and reads only the kernel's head: the
 * rest goes straight from the files into guest RAM, never through the
 * VMM's heap.
 */
static int open_inputs(const struct vmm_config *cfg, struct vmm_boot_files *f,
		       uint8_t *head, char *err, size_t errlen)
{
	const char *paths[2] = { cfg->kernel, cfg->initrd };
	int *fds[2] = { &f->kernel_fd, &f->initrd_fd };
	uint64_t *sizes[2] = { &f->kernel_size, &f->initrd_size };
	ssize_t n;
	int i;

	for (i = 0; i < 2 && paths[i]; i++) {
		struct stat st;

		*fds[i] = open(paths[i], O_RDONLY | O_CLOEXEC);
		if (*fds[i] < 0 || fstat(*fds[i], &st)) {
			snprintf(err, errlen, "cannot read %s %s: %s",
				 i ? "initramfs" : "kernel", paths[i], strerror(errno));
			return -errno;
		}
		*sizes[i] = st.st_size;
	}
	n = pread(f->kernel_fd, head, VMM_KERNEL_HEAD, 0);
	if (n < 0) {
		snprintf(err, errlen, "cannot read kernel %s: %s", cfg->kernel,
			 strerror(errno));
		return -errno;
	}
	f->kernel_head = head;
	f->head_len = n;
	return 0;
}

static void close_inputs(struct vmm_boot_files *f)
{
	if (f->kernel_fd >= 0)
		close(f->kernel_fd);
	if (f->initrd_fd >= 0)
		close(f->initrd_fd);
}

static char *build_cmdline(const struct vmm_config *cfg,
			   struct virtio_console *con)
{
	struct buf devs = {};
	char *s;

	if (con && vm_arch_virtio_on_cmdline() && !cfg->virtio_in_firmware)
		virtio_mmio_cmdline(&con->mmio, &devs);
	buf_putc(&devs, 0);
	s = xasprintf("%s%s%s%s%s%s", vm_arch_cmdline(), (char *)devs.data,
		      cfg->cmdline_extra ? " " : "",
		      cfg->cmdline_extra ? : "",
		      cfg->init_args ? " -- " : "",
		      cfg->init_args ? : "");
	buf_free(&devs);
	return s;
}

/*
 * On a timeout the verdict names where each vCPU was (the monitor's
 * symbolized PC and current task); -v adds vCPU 0's registers.
 */
static void timeout_pcs(struct vm *vm, struct vmm_outcome *out)
{
	const struct monitor_outcome *mo = &out->monitor;
	size_t len = strlen(out->exit_msg);
	struct buf regs = {};
	int i;

	for (i = 0; i < mo->nr_pcs && len < sizeof(out->exit_msg); i++) {
		const struct monitor_pc *p = &mo->pcs[i];

		len += snprintf(out->exit_msg + len, sizeof(out->exit_msg) - len,
				"%s vCPU %d in %s", i ? "," : ";", i, p->sym);
		if (p->task && len < sizeof(out->exit_msg))
			len += snprintf(out->exit_msg + len,
					sizeof(out->exit_msg) - len, " (%s %d)",
					p->comm, p->pid);
	}
	if (!ktstr_verbose)
		return;
	vcpu_arch_dump(&vm->vcpus[0], &regs);
	buf_putc(&regs, 0);
	pr_info("vCPU 0 at timeout:\n%s", (char *)regs.data);
	buf_free(&regs);
	if (mo->nr_pcs) {
		monitor_format_pcs(mo, &regs);
		buf_putc(&regs, 0);
		pr_info("monitor at timeout:\n%s", (char *)regs.data);
		buf_free(&regs);
	}
}

int vmm_run(const struct vmm_config *cfg, struct vmm_outcome *out, char *err,
	    size_t errlen)
{
	struct vmm_boot_files f = { .kernel_fd = -1, .initrd_fd = -1 };
	uint8_t *head = xmalloc(VMM_KERNEL_HEAD);
	struct vmm_sink s1, s2;
	struct con_sinks cs = {};
	struct vmm_input in = {};
	struct virtio_console *con = NULL;
	struct serial com1, com2;
	struct vm *vm = NULL;
	char *cmdline = NULL;
	uint32_t *ids = NULL;
	uint64_t t0 = now_ns();
	struct host_tune tune;
	struct monitor *mon = NULL;
	int r;

	memset(out, 0, sizeof(*out));
	out->start_ns = t0 - ktstr_start_ns;
	vmm_sink_init(&s1, &out->com1, VMM_COM1_CAP,
		      &out->dropped[VMM_CHAN_COM1], cfg->console_fd);
	vmm_sink_init(&s2, &out->com2, VMM_COM2_CAP,
		      &out->dropped[VMM_CHAN_COM2], cfg->com2_fd);
	vmm_sink_init(&cs.data, &out->data, VMM_DATA_CAP,
		      &out->dropped[VMM_CHAN_DATA], -1);
	vmm_sink_init(&cs.hvc, &out->hvc, VMM_HVC_CAP,
		      &out->dropped[VMM_CHAN_HVC], cfg->hvc_fd);
	r = open_inputs(cfg, &f, head, err, errlen);
	if (!r)
		r = tune_prepare(&tune, cfg->performance_mode, cfg->cpu_budget,
				 cfg->cpu_cap, &cfg->topo, &out->tune);
	else
		memset(&tune, 0, sizeof(tune));
	if (r == -EAGAIN)
		snprintf(err, errlen, "%s: %s",
			 perf_status_name(out->tune.perf_status),
			 out->tune.perf_reason);
	if (r)
		goto out;
	vm = vm_create();
	vm_arch_init(vm);
	r = tune_vm(&tune, vm, &out->tune, err, errlen);
	if (r)
		goto out;
	r = vm_arch_setup_memory(vm, &cfg->topo);
	if (r) {
		snprintf(err, errlen, "cannot set up %llu MiB of guest RAM: %s",
			 (unsigned long long)(topology_mem_bytes(&cfg->topo) >> 20),
			 strerror(-r));
		goto out;
	}
	ids = xmalloc(topology_nr_cpus(&cfg->topo) * sizeof(*ids));
	for (uint32_t i = 0; i < topology_nr_cpus(&cfg->topo); i++)
		ids[i] = vm_arch_vcpu_id(&cfg->topo, i);
	r = vm_create_vcpus(vm, topology_nr_cpus(&cfg->topo), ids);
	if (r) {
		snprintf(err, errlen, "cannot create %u vCPUs: %s",
			 topology_nr_cpus(&cfg->topo), strerror(-r));
		goto out;
	}
	tune_vcpus(&tune, vm, &out->tune);
	vm_arch_serials(vm, &com1, &com2, sink_out, &s1, &s2);
	/* The TLV data channel; without it the guest falls back to COM2. */
	if (!cfg->no_virtio)
		con = virtio_console_create(vm, vm_arch_virtio_base(0),
					    vm_arch_virtio_gsi(0), con_out, &cs);
	if (!con && !cfg->no_virtio)
		pr_warn("no virtio-console: results come back on COM2 only");
	out->has_virtio_console = con;
	if (con && (cfg->stats_sock || cfg->stats_interval_ms)) {
		struct stats_relay_config sc = {
			.sock_path = cfg->stats_sock,
			.interval_ms = cfg->stats_interval_ms,
		};

		cs.relay = stats_relay_start(con, &sc, err, errlen);
		if (!cs.relay) {
			r = -EINVAL;
			goto out;
		}
	}
	cmdline = build_cmdline(cfg, con);
	r = vm_arch_boot(vm, cfg, &f, cmdline, err, errlen);
	if (r)
		goto out;
	out->setup_ns = now_ns() - t0;
	if (con && cfg->stdin_fd >= 0)
		vmm_input_start(&in, cfg->stdin_fd, input_send, con);
	mon = monitor_start(vm, &cfg->monitor, &out->monitor);
	vm_run(vm, cfg->timeout_ms ? now_ns() + cfg->timeout_ms * 1000000ULL : 0);
	monitor_stop(mon, vm->exit_kind == VM_EXIT_TIMEOUT);
	out->run_ns = now_ns() - (vm->t_first_run_ns ? : t0);
	out->pid1_ns = s2.first_ns ? s2.first_ns - ktstr_start_ns : 0;
	out->cpu_before_run_ns = vm->cpu_before_run_ns;
	vmm_measure_rss(vm, out);
	out->exit_kind = vm->exit_kind;
	snprintf(out->exit_msg, sizeof(out->exit_msg), "%s", vm->exit_msg);
	if (out->exit_kind == VM_EXIT_TIMEOUT)
		timeout_pcs(vm, out);
	for (int i = 0; i < vm->nr_vcpus; i++)
		out->exits += vm->vcpus[i].exits;
	tune_finish(&tune, vm, &out->tune);
	vmm_input_stop(&in);
out:
	if (con) {
		struct virtio_console_stats st;

		virtio_console_get_stats(con, &st);
		out->console_driven = st.ctrl_msgs > 0;
	}
	stats_relay_stop(cs.relay, &out->stats);
	virtio_console_destroy(con);
	vm_destroy(vm);
	tune_release(&tune, &out->tune);
	free(ids);
	free(cmdline);
	close_inputs(&f);
	free(head);
	return r;
}

void vmm_outcome_free(struct vmm_outcome *out)
{
	buf_free(&out->com1);
	buf_free(&out->com2);
	tune_outcome_free(&out->tune);
	buf_free(&out->data);
	buf_free(&out->hvc);
	stats_relay_outcome_free(&out->stats);
	monitor_outcome_free(&out->monitor);
}
