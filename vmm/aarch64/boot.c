// SPDX-License-Identifier: GPL-2.0
/*
 * arm64 boot (Documentation/arch/arm64/booting.rst): the Image text_offset
 * bytes above the 2 MiB aligned start of RAM, the device tree in the last
 * 2 MiB aligned block of node 0's RAM, the initramfs just below it; the
 * boot vCPU enters the Image at EL1h with DAIF masked and x0 = the FDT.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fdt/fdt.h"
#include "harness/test.h"
#include "vmm/aarch64/arm64.h"
#include "vmm/aarch64/image.h"
#include "vmm/vm.h"
#include "vmm/vmm.h"

/* booting.rst: the dtb must not exceed 2 MiB. */
#define FDT_MAX_SIZE	(2ULL << 20)
#define PSTATE_BOOT	(PSR_MODE_EL1h | PSR_D_BIT | PSR_A_BIT | PSR_I_BIT | \
			 PSR_F_BIT)

struct arm64_layout {
	uint64_t kernel, kernel_end, fdt, initrd;
};

/* File bytes [0, len) straight into guest RAM at @gpa. */
static int file_to_guest(struct vm *vm, uint64_t gpa, int fd, uint64_t len)
{
	uint8_t *dst = vm_gpa_to_hva(vm, gpa, len);
	uint64_t off = 0;

	if (!dst)
		return -EFAULT;
	while (off < len) {
		ssize_t n = pread(fd, dst + off, len - off, off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		off += n;
	}
	return 0;
}

static int place(struct vm *vm, const struct arm64_image *img,
		 uint64_t initrd_size, struct arm64_layout *l, char *err,
		 size_t errlen)
{
	const struct mem_region *m = &vm->regions[0];
	uint64_t end = m->gpa + m->size;

	l->kernel = m->gpa + img->text_offset;
	l->kernel_end = l->kernel + img->image_size;
	l->fdt = (end - FDT_MAX_SIZE) & ~(ARM64_IMAGE_ALIGN - 1);
	if (m->size < FDT_MAX_SIZE || l->fdt < l->kernel_end) {
		snprintf(err, errlen, "kernel of %llu bytes and the device tree do not fit in %llu MiB of node 0 RAM",
			 (unsigned long long)img->image_size,
			 (unsigned long long)(m->size >> 20));
		return -ENOMEM;
	}
	l->initrd = (l->fdt - initrd_size) & ~4095ULL;
	if (initrd_size && (initrd_size > l->fdt || l->initrd < l->kernel_end)) {
		snprintf(err, errlen, "initramfs of %llu bytes does not fit in %llu MiB of node 0 RAM beside the kernel",
			 (unsigned long long)initrd_size,
			 (unsigned long long)(m->size >> 20));
		return -ENOMEM;
	}
	return 0;
}

/* The virtio-mmio transports the generic code registered. */
static uint32_t virtio_devs(struct vm *vm, struct fdt_mmio_dev *out)
{
	uint32_t n = 0;
	int i, j;

	for (i = 0; i < ARM64_NR_VIRTIO; i++)
		for (j = 0; j < vm->mmio.nr; j++)
			if (vm->mmio.ranges[j].base == vm_arch_virtio_base(i))
				out[n++] = (struct fdt_mmio_dev){
					.base = vm_arch_virtio_base(i),
					.size = vm->mmio.ranges[j].len,
					.irq = ARM64_SPI_BASE + vm_arch_virtio_gsi(i),
				};
	return n;
}

static int build_fdt(struct vm *vm, const struct vmm_config *cfg,
		     const struct arm64_layout *l, uint64_t initrd_size,
		     const char *cmdline, char *err, size_t errlen)
{
	struct arm64_dt dt;
	uint64_t mpidr[TOPO_MAX_CPUS];
	struct fdt_mmio_dev virtio[ARM64_NR_VIRTIO];
	struct arm64_dt_input in = {
		.topo = &cfg->topo, .mpidr = mpidr, .nr_cpus = vm->nr_vcpus,
		.virtio = virtio, .cmdline = cmdline,
		.initrd_start = l->initrd, .initrd_size = initrd_size,
		.pmu = vm->arch->pmu,
	};
	void *dtb = vm_gpa_to_hva(vm, l->fdt, FDT_MAX_SIZE);
	char *args = NULL;
	int i, r;

	if (!dtb || vm->nr_vcpus > TOPO_MAX_CPUS)
		return -EFAULT;
	for (i = 0; i < vm->nr_vcpus; i++) {
		r = arm64_get_reg(&vm->vcpus[i], ARM64_MPIDR_EL1, &mpidr[i]);
		if (r) {
			snprintf(err, errlen, "KVM_GET_ONE_REG MPIDR_EL1 of vCPU %d: %s",
				 i, strerror(-r));
			return r;
		}
	}
	/* The guest's steal tests skip naming what the host lacks. */
	if (vm->arch->pvtime_missing) {
		args = xasprintf("%s " NO_STEAL_CMDLINE "%s", cmdline,
				 vm->arch->pvtime_missing);
		in.cmdline = args;
	}
	in.nr_virtio = virtio_devs(vm, virtio);
	arm64_dt_machine(&dt, &in);
	r = fdt_build(&dt.m, dtb, FDT_MAX_SIZE, err, errlen);
	free(args);
	return r;
}

static int setup_boot_vcpu(struct vcpu *v, uint64_t pc, uint64_t fdt)
{
	int r, i;

	r = arm64_set_reg(v, ARM64_CORE_REG(regs.pstate), PSTATE_BOOT);
	r = r ? : arm64_set_reg(v, ARM64_CORE_REG(regs.pc), pc);
	r = r ? : arm64_set_reg(v, ARM64_CORE_REG(regs.regs[0]), fdt);
	for (i = 1; !r && i < 4; i++)
		r = arm64_set_reg(v, ARM64_CORE_REG(regs.regs[i]), 0);
	return r;
}

int vm_arch_boot(struct vm *vm, const struct vmm_config *cfg,
		 const struct vmm_boot_files *f, const char *cmdline,
		 char *err, size_t errlen)
{
	struct arm64_image img;
	struct arm64_layout l;
	uint64_t initrd_size = f->initrd_fd >= 0 ? f->initrd_size : 0;
	int r;

	r = arm64_image_parse(f->kernel_head, f->head_len, f->kernel_size,
				    &img, err, errlen);
	r = r ? : place(vm, &img, initrd_size, &l, err, errlen);
	r = r ? : build_fdt(vm, cfg, &l, initrd_size, cmdline, err, errlen);
	if (r)
		return r;
	if (file_to_guest(vm, l.kernel, f->kernel_fd, f->kernel_size) ||
	    (initrd_size &&
	     file_to_guest(vm, l.initrd, f->initrd_fd, initrd_size))) {
		snprintf(err, errlen, "cannot load the kernel or initramfs into guest RAM");
		return -EIO;
	}
	r = setup_boot_vcpu(&vm->vcpus[0], l.kernel, l.fdt);
	if (r)
		snprintf(err, errlen, "boot vCPU registers: %s", strerror(-r));
	return r;
}
