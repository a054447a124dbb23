// SPDX-License-Identifier: GPL-2.0
/*
 * vm_smoke: the first VM smoke test, raw KVM, no VMM. One VM with 64 KiB of
 * RAM and one vCPU runs a loop of exactly 1000 one-byte writes of 'k' to a
 * device, then stops, and every exit is checked:
 *
 * x86_64, real mode:
 *	mov cx, 1000; mov dx, 0x10; mov al, 'k'; 1: out dx, al; dec cx; jnz 1b; hlt
 *   1000 port-I/O exits (KVM_EXIT_IO to port 0x10), then KVM_EXIT_HLT.
 * aarch64, EL1 with the MMU off:
 *	mov w0, 1000; mov w1, 'k'; mov x2, 0x100000; 1: strb w1, [x2];
 *	subs w0, w0, 1; b.ne 1b; mov w0, PSCI_SYSTEM_OFF; hvc 0
 *   1000 MMIO exits (KVM_EXIT_MMIO at 0x100000, outside RAM), then PSCI
 *   SYSTEM_OFF as KVM_EXIT_SYSTEM_EVENT (shutdown).
 *
 * The mean KVM_RUN round trip is printed as a TAP diagnostic: about 1 us on
 * bare metal, tens to hundreds of us in an emulated host.
 *
 * Exit status: 0 pass, 1 mismatch or KVM error, 4 (skip) without /dev/kvm.
 */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <linux/kvm.h>

#include "kselftest.h"

#define GUEST_MEM_SIZE	0x10000
#define CODE_GPA	0x1000
#define OUT_COUNT	1000
#define OUT_BYTE	'k'

struct smoke {
	int kvm_fd;
	int vm_fd;
	int vcpu_fd;
	uint8_t *mem;
	struct kvm_run *run;
	int run_size;
};

#if defined(__x86_64__)
#define OUT_PORT	0x10
#define EXIT_KIND	"port-I/O"
#define END_KIND	"hlt"
static const uint8_t guest_code[] = {
	0xb9, OUT_COUNT & 0xff, OUT_COUNT >> 8,	/* mov cx, OUT_COUNT */
	0xba, OUT_PORT & 0xff, OUT_PORT >> 8,	/* mov dx, OUT_PORT */
	0xb0, OUT_BYTE,				/* mov al, OUT_BYTE */
	0xee,					/* 1: out dx, al */
	0x49,					/* dec cx */
	0x75, 0xfc,				/* jnz 1b */
	0xf4,					/* hlt */
};
#elif defined(__aarch64__)
#define OUT_MMIO	0x100000
#define EXIT_KIND	"MMIO"
#define END_KIND	"PSCI SYSTEM_OFF"
#define PSCI_SYSTEM_OFF	0x84000008u
static const uint32_t guest_code[] = {
	0x52800000 | OUT_COUNT << 5,		/* mov w0, #OUT_COUNT */
	0x52800001 | OUT_BYTE << 5,		/* mov w1, #OUT_BYTE */
	0xd2a00002 | (OUT_MMIO >> 16) << 5,	/* mov x2, #OUT_MMIO (lsl 16) */
	0x39000041,				/* 1: strb w1, [x2] */
	0x71000400,				/* subs w0, w0, #1 */
	0x54ffffc1,				/* b.ne 1b */
	0x52800000 | (PSCI_SYSTEM_OFF & 0xffff) << 5,	/* mov w0, #lo16 */
	0x72a00000 | (PSCI_SYSTEM_OFF >> 16) << 5,	/* movk w0, #hi16, lsl 16 */
	0xd4000002,				/* hvc #0 */
	0x14000000,				/* b . */
};
#else
#error "vm_smoke: no guest code for this architecture"
#endif

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static void check_api_version(struct smoke *s)
{
	int api = ioctl(s->kvm_fd, KVM_GET_API_VERSION, 0);

	if (api != KVM_API_VERSION)
		ksft_exit_fail_msg("KVM_GET_API_VERSION returned %d, expected %d\n",
				   api, KVM_API_VERSION);
	ksft_test_result_pass("KVM_GET_API_VERSION is %d\n", api);
}

static void create_vm(struct smoke *s)
{
	s->vm_fd = ioctl(s->kvm_fd, KVM_CREATE_VM, 0UL);
	if (s->vm_fd < 0)
		ksft_exit_fail_msg("KVM_CREATE_VM: %s\n", strerror(errno));
	ksft_test_result_pass("KVM_CREATE_VM\n");
}

static void add_guest_memory(struct smoke *s)
{
	struct kvm_userspace_memory_region region = {
		.slot = 0,
		.guest_phys_addr = 0,
		.memory_size = GUEST_MEM_SIZE,
	};

	s->mem = mmap(NULL, GUEST_MEM_SIZE, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (s->mem == MAP_FAILED)
		ksft_exit_fail_msg("mmap of %d bytes of guest RAM: %s\n",
				   GUEST_MEM_SIZE, strerror(errno));
	memcpy(s->mem + CODE_GPA, guest_code, sizeof(guest_code));
	region.userspace_addr = (uint64_t)(uintptr_t)s->mem;
	if (ioctl(s->vm_fd, KVM_SET_USER_MEMORY_REGION, &region) < 0)
		ksft_exit_fail_msg("KVM_SET_USER_MEMORY_REGION: %s\n", strerror(errno));
}

static void map_run(struct smoke *s)
{
	s->run_size = ioctl(s->kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (s->run_size < (int)sizeof(struct kvm_run))
		ksft_exit_fail_msg("KVM_GET_VCPU_MMAP_SIZE returned %d\n",
				   s->run_size);
	s->run = mmap(NULL, s->run_size, PROT_READ | PROT_WRITE, MAP_SHARED,
		      s->vcpu_fd, 0);
	if (s->run == MAP_FAILED)
		ksft_exit_fail_msg("mmap of kvm_run: %s\n", strerror(errno));
}

#if defined(__x86_64__)
/* A fresh vCPU sits at the reset vector (CS base 0xffff0000): point it at the code. */
static void create_vcpu(struct smoke *s)
{
	struct kvm_regs regs = { .rip = CODE_GPA, .rflags = 0x2 };
	struct kvm_sregs sregs;

	s->vcpu_fd = ioctl(s->vm_fd, KVM_CREATE_VCPU, 0UL);
	if (s->vcpu_fd < 0)
		ksft_exit_fail_msg("KVM_CREATE_VCPU: %s\n", strerror(errno));
	map_run(s);
	if (ioctl(s->vcpu_fd, KVM_GET_SREGS, &sregs) < 0)
		ksft_exit_fail_msg("KVM_GET_SREGS: %s\n", strerror(errno));
	sregs.cs.base = 0;
	sregs.cs.selector = 0;
	if (ioctl(s->vcpu_fd, KVM_SET_SREGS, &sregs) < 0)
		ksft_exit_fail_msg("KVM_SET_SREGS: %s\n", strerror(errno));
	if (ioctl(s->vcpu_fd, KVM_SET_REGS, &regs) < 0)
		ksft_exit_fail_msg("KVM_SET_REGS: %s\n", strerror(errno));
	ksft_test_result_pass("real-mode vCPU with %d KiB of guest RAM\n",
			      GUEST_MEM_SIZE >> 10);
}

/* The exit must be one 1-byte OUT of OUT_BYTE to OUT_PORT. */
static int out_exit_ok(const struct kvm_run *run, int run_size)
{
	if (run->io.direction != KVM_EXIT_IO_OUT || run->io.port != OUT_PORT ||
	    run->io.size != 1 || run->io.count != 1)
		return 0;
	if (run->io.data_offset >= (uint64_t)run_size)
		return 0;
	return ((const uint8_t *)run)[run->io.data_offset] == OUT_BYTE;
}

static void report_bad_exit(const struct kvm_run *run, int run_size,
			    unsigned int n)
{
	int data = -1;

	if (run->io.data_offset < (uint64_t)run_size)
		data = ((const uint8_t *)run)[run->io.data_offset];
	ksft_print_msg("bad port-I/O exit %u: dir %u port %#x size %u count %u data %#x\n",
		       n, run->io.direction, run->io.port, run->io.size,
		       run->io.count, data);
}

static int is_out_exit(const struct kvm_run *run)
{
	return run->exit_reason == KVM_EXIT_IO;
}

static int is_end_exit(const struct kvm_run *run)
{
	return run->exit_reason == KVM_EXIT_HLT;
}
#elif defined(__aarch64__)
/* The preferred target with PSCI 0.2 (SYSTEM_OFF), PC at the code. */
static void create_vcpu(struct smoke *s)
{
	struct kvm_vcpu_init init;
	uint64_t pc = CODE_GPA;
	struct kvm_one_reg reg = {
		.id = KVM_REG_ARM64 | KVM_REG_SIZE_U64 | KVM_REG_ARM_CORE |
		      KVM_REG_ARM_CORE_REG(regs.pc),
		.addr = (uint64_t)(uintptr_t)&pc,
	};

	s->vcpu_fd = ioctl(s->vm_fd, KVM_CREATE_VCPU, 0UL);
	if (s->vcpu_fd < 0)
		ksft_exit_fail_msg("KVM_CREATE_VCPU: %s\n", strerror(errno));
	map_run(s);
	if (ioctl(s->vm_fd, KVM_ARM_PREFERRED_TARGET, &init) < 0)
		ksft_exit_fail_msg("KVM_ARM_PREFERRED_TARGET: %s\n", strerror(errno));
	init.features[0] |= 1u << KVM_ARM_VCPU_PSCI_0_2;
	if (ioctl(s->vcpu_fd, KVM_ARM_VCPU_INIT, &init) < 0)
		ksft_exit_fail_msg("KVM_ARM_VCPU_INIT: %s\n", strerror(errno));
	if (ioctl(s->vcpu_fd, KVM_SET_ONE_REG, &reg) < 0)
		ksft_exit_fail_msg("KVM_SET_ONE_REG (pc): %s\n", strerror(errno));
	ksft_test_result_pass("EL1 vCPU (target %u) with %d KiB of guest RAM\n",
			      init.target, GUEST_MEM_SIZE >> 10);
}

/* The exit must be one 1-byte write of OUT_BYTE to OUT_MMIO. */
static int out_exit_ok(const struct kvm_run *run, int run_size)
{
	return run->mmio.phys_addr == OUT_MMIO && run->mmio.is_write &&
	       run->mmio.len == 1 && run->mmio.data[0] == OUT_BYTE;
}

static void report_bad_exit(const struct kvm_run *run, int run_size,
			    unsigned int n)
{
	ksft_print_msg("bad MMIO exit %u: addr %#llx write %u len %u data %#x\n",
		       n, (unsigned long long)run->mmio.phys_addr,
		       run->mmio.is_write, run->mmio.len, run->mmio.data[0]);
}

static int is_out_exit(const struct kvm_run *run)
{
	return run->exit_reason == KVM_EXIT_MMIO;
}

static int is_end_exit(const struct kvm_run *run)
{
	return run->exit_reason == KVM_EXIT_SYSTEM_EVENT &&
	       run->system_event.type == KVM_SYSTEM_EVENT_SHUTDOWN;
}
#endif

struct run_stats {
	unsigned int outs;	/* port-I/O or MMIO exits */
	unsigned int runs;	/* completed KVM_RUN calls */
	uint64_t first_ns;	/* the first KVM_RUN also sets up the vCPU */
	uint64_t sum_ns;	/* all the others */
};

static void account(struct run_stats *st, uint64_t ns)
{
	if (st->runs++ == 0)
		st->first_ns = ns;
	else
		st->sum_ns += ns;
}

/* Runs the guest to its end; returns the number of bad exits seen. */
static int run_guest(struct smoke *s, struct run_stats *st)
{
	unsigned int *outs = &st->outs;
	int bad = 0;

	/* One more than expected is already wrong; don't spin on a bad guest. */
	while (*outs <= OUT_COUNT) {
		uint64_t t0 = mono_ns();

		if (ioctl(s->vcpu_fd, KVM_RUN, 0) < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			ksft_print_msg("KVM_RUN: %s\n", strerror(errno));
			return bad + 1;
		}
		account(st, mono_ns() - t0);
		if (is_end_exit(s->run))
			return bad;
		if (!is_out_exit(s->run)) {
			ksft_print_msg("unexpected exit reason %u after %u %s exits\n",
				       s->run->exit_reason, *outs, EXIT_KIND);
			return bad + 1;
		}
		if (!out_exit_ok(s->run, s->run_size) && bad++ == 0)
			report_bad_exit(s->run, s->run_size, *outs);
		(*outs)++;
	}
	ksft_print_msg("no %s after %u %s exits\n", END_KIND, *outs, EXIT_KIND);
	return bad + 1;
}

static void check_run(struct smoke *s)
{
	struct run_stats st = { 0 };
	int bad = run_guest(s, &st);

	if (st.runs > 1)
		ksft_print_msg("KVM_RUN round trip: mean %.1f us per exit over %u exits (first %.1f us)\n",
			       st.sum_ns / 1e3 / (st.runs - 1), st.runs - 1,
			       st.first_ns / 1e3);
	ksft_test_result(bad == 0 && st.outs == OUT_COUNT,
			 "%u %s exits (expected %d), then %s\n",
			 st.outs, EXIT_KIND, OUT_COUNT, END_KIND);
}

int main(void)
{
	struct smoke s = { .kvm_fd = -1, .vm_fd = -1, .vcpu_fd = -1 };

	ksft_print_header();
	s.kvm_fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (s.kvm_fd < 0)
		ksft_exit_skip("no /dev/kvm: %s\n", strerror(errno));
	ksft_set_plan(4);
	check_api_version(&s);
	create_vm(&s);
	add_guest_memory(&s);
	create_vcpu(&s);
	check_run(&s);
	ksft_finished();
}
