// SPDX-License-Identifier: GPL-2.0
/*
 * The aarch64 machine: RAM per NUMA node from 0x40000000, two ns16550a
 * UARTs and the virtio-mmio transports on GIC SPIs, vCPU ids, kernel
 * checks. The boot itself is in boot.c.
 */
#include <errno.h>
#include <stdio.h>

#include "fdt/fdt.h"
#include "vmm/aarch64/arm64.h"
#include "vmm/aarch64/image.h"
#include "vmm/serial.h"
#include "vmm/vm.h"

/*
 * panic=-1 turns a panic into PSCI SYSTEM_RESET at once, which KVM
 * reports as a reset system event: the same verdict as x86's i8042 reset.
 */
const char *vm_arch_cmdline(void)
{
	return "console=ttyS0 earlycon=uart8250,mmio,0x9000000 panic=-1 oops=panic loglevel=4 rdinit=/init";
}

int vm_arch_setup_memory(struct vm *vm, const struct topology *topo)
{
	struct fdt_mem_range r[TOPO_MAX_NODES];
	uint32_t i, n = fdt_mem_layout(topo, ARM64_RAM_BASE, r);
	int err;

	for (i = 0; i < n; i++) {
		err = vm_add_ram(vm, r[i].base, r[i].size, r[i].node);
		if (err)
			return err;
	}
	vm->arch->topo = topo;
	return arm64_pvtime_setup(vm);
}

uint64_t vm_arch_virtio_base(int i)
{
	return ARM64_VIRTIO_BASE + (uint64_t)(i % ARM64_NR_VIRTIO) *
	       ARM64_VIRTIO_STRIDE;
}

/* KVM_IRQFD numbers SPIs from 0: GSI n is INTID 32 + n. */
uint32_t vm_arch_virtio_gsi(int i)
{
	return ARM64_VIRTIO_SPI(i % ARM64_NR_VIRTIO) - ARM64_SPI_BASE;
}

/* The device tree lists the transports; Linux needs no cmdline devices. */
bool vm_arch_virtio_on_cmdline(void)
{
	return false;
}

/* KVM derives each vCPU's MPIDR from its id: arm64_kvm_mpidr(). */
uint32_t vm_arch_vcpu_id(const struct topology *t, uint32_t cpu)
{
	return cpu;
}

const char *vm_arch_vcpu_id_name(void)
{
	return "vcpu_id";
}

const char *vm_arch_topo_note(const struct topology *t)
{
	return "";
}

const char *vm_arch_topo_columns(void)
{
	return " mpidr      cpu-map";
}

void vm_arch_topo_cpu(const struct topology *t, uint32_t cpu, char *out,
		      size_t len)
{
	char path[FDT_CPU_MAP_PATH_MAX];

	fdt_cpu_map_path(t, cpu, path, sizeof(path));
	snprintf(out, len, " %#-10llx %s",
		 (unsigned long long)arm64_kvm_mpidr(vm_arch_vcpu_id(t, cpu)),
		 path);
}

const char *vm_arch_kernel_default(void)
{
	return "arch/arm64/boot/Image";
}

/* The arm64 Image header carries no version string. */
int vm_arch_kernel_version(const uint8_t *head, size_t head_len, char *ver,
			   size_t len)
{
	return -ENOENT;
}

int vm_arch_check_kernel(const uint8_t *head, size_t head_len, uint64_t size,
			 char *err, size_t errlen)
{
	struct arm64_image img;

	return arm64_image_parse(head, head_len, size, &img, err, errlen);
}

/* KVM_IRQ_LINE takes an SPI as its type and INTID. */
static uint32_t spi_line(uint32_t intid)
{
	return KVM_ARM_IRQ_TYPE_SPI << KVM_ARM_IRQ_TYPE_SHIFT | intid;
}

void vm_arch_serials(struct vm *vm, struct serial *com1, struct serial *com2,
		     void (*out)(void *, const uint8_t *, size_t),
		     void *com1_opaque, void *com2_opaque)
{
	serial_init_mmio(com1, vm, ARM64_UART_BASE, spi_line(ARM64_UART_SPI(0)),
			 out, com1_opaque);
	serial_init_mmio(com2, vm, ARM64_UART_BASE + ARM64_UART_STRIDE,
			 spi_line(ARM64_UART_SPI(1)), out, com2_opaque);
}
