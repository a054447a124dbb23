// SPDX-License-Identifier: GPL-2.0
/* The x86_64 machine: RAM per NUMA node, COM1/COM2, boot of a bzImage. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "acpi/acpi.h"
#include "virtio/mmio.h"
#include "vmm/serial.h"
#include "vmm/vmm.h"
#include "vmm/x86_64/apic.h"
#include "vmm/x86_64/x86.h"

#define MAX_RAM_RANGES 32

/*
 * reboot=k: the guest resets through the i8042, which stops the VM with a
 * recorded reason; panic=-1 turns a panic into that reset at once.
 */
const char *vm_arch_cmdline(void)
{
	return "console=ttyS0 earlyprintk=serial,ttyS0 reboot=k panic=-1 oops=panic loglevel=4 rdinit=/init i8042.noaux";
}

static int node_sizes(const struct topology *t, uint64_t *sizes)
{
	uint32_t i;

	for (i = 0; i < t->numa_nodes; i++)
		sizes[i] = t->nodes[i].mem_bytes;
	return t->numa_nodes;
}

int vm_arch_setup_memory(struct vm *vm, const struct topology *topo)
{
	struct x86_ram_range r[MAX_RAM_RANGES];
	uint64_t sizes[TOPO_MAX_NODES];
	int i, n, err;

	n = x86_ram_layout(sizes, node_sizes(topo, sizes), r, MAX_RAM_RANGES);
	for (i = 0; i < n; i++) {
		err = vm_add_ram(vm, r[i].gpa, r[i].size, r[i].node);
		if (err)
			return err;
	}
	vm->arch->topo = topo;
	return 0;
}

/* ISA IRQs 5, 10, 11, ... are free: no other legacy device uses them. */
uint64_t vm_arch_virtio_base(int i)
{
	return X86_MMIO_BASE + (uint64_t)i * 0x1000;
}

uint32_t vm_arch_virtio_gsi(int i)
{
	static const uint32_t gsis[] = { 5, 10, 11, 7 };

	return gsis[i % ARRAY_SIZE(gsis)];
}

bool vm_arch_virtio_on_cmdline(void)
{
	return true;
}

uint32_t vm_arch_vcpu_id(const struct topology *t, uint32_t cpu)
{
	return apic_id(t, cpu);
}

const char *vm_arch_vcpu_id_name(void)
{
	return "apic_id";
}

const char *vm_arch_topo_note(const struct topology *t)
{
	return apic_needs_x2apic(t) ? ", x2APIC" : "";
}

/* The APIC ID says it all: no more columns. */
const char *vm_arch_topo_columns(void)
{
	return "";
}

void vm_arch_topo_cpu(const struct topology *t, uint32_t cpu, char *out,
		      size_t len)
{
	if (len)
		out[0] = '\0';
}

const char *vm_arch_kernel_default(void)
{
	return "arch/x86/boot/bzImage";
}

int vm_arch_check_kernel(const uint8_t *head, size_t head_len, uint64_t size,
			 char *err, size_t errlen)
{
	struct bzimage bz;

	return bzimage_parse(head, size, &bz, err, errlen);
}

int vm_arch_kernel_version(const uint8_t *head, size_t head_len, char *ver,
			   size_t len)
{
	return bzimage_version(head, head_len, ver, len);
}

void vm_arch_serials(struct vm *vm, struct serial *com1, struct serial *com2,
		     void (*out)(void *, const uint8_t *, size_t),
		     void *com1_opaque, void *com2_opaque)
{
	serial_init(com1, vm, X86_COM1_PORT, X86_COM1_GSI, out, com1_opaque);
	serial_init(com2, vm, X86_COM2_PORT, X86_COM2_GSI, out, com2_opaque);
}

#define X86_MPTABLE_GPA 0xf0000ULL	/* where Linux scans for it */

/*
 * ACPI tables in [0xe0000, 0xf0000), the MP table in [0xf0000, 0x100000):
 * both in the e820-reserved BIOS area; the RSDP goes in boot_params.
 */
static int build_firmware_tables(struct vm *vm, const struct vmm_config *vc,
				 uint64_t *rsdp, char *err, size_t errlen)
{
	const struct topology *t = &vc->topo;
	struct acpi_virtio_mmio virtio = {
		.base = vm_arch_virtio_base(0), .size = VIRTIO_MMIO_SIZE,
		.irq = vm_arch_virtio_gsi(0),
	};
	struct acpi_mem_range mem[VM_MAX_REGIONS];
	uint32_t ids[TOPO_MAX_CPUS];
	struct acpi_config cfg = {
		.topo = t, .apic_ids = ids, .ioapic_id = apic_ioapic_id(t),
		.mem = mem, .nr_mem = vm->nr_regions,
		.pm1a_evt_port = X86_PM1A_EVT_PORT,
		.pm1a_cnt_port = X86_PM1A_CNT_PORT,
		/* vmm.c's one virtio-console, device 0. */
		.virtio = &virtio,
		.nr_virtio = vc->virtio_in_firmware && !vc->no_virtio,
	};
	uint64_t mp_size = X86_TABLES_GPA + X86_TABLES_SIZE - X86_MPTABLE_GPA;
	void *acpi = vm_gpa_to_hva(vm, X86_TABLES_GPA, X86_MPTABLE_GPA - X86_TABLES_GPA);
	void *mp = vm_gpa_to_hva(vm, X86_MPTABLE_GPA, mp_size);
	ssize_t n;
	int i;

	for (i = 0; i < (int)topology_nr_cpus(t); i++)
		ids[i] = apic_id(t, i);
	for (i = 0; i < vm->nr_regions; i++)
		mem[i] = (struct acpi_mem_range){ vm->regions[i].gpa,
						  vm->regions[i].size,
						  vm->regions[i].node };
	if (!acpi || !mp) {
		snprintf(err, errlen, "no guest RAM for the firmware tables");
		return -EFAULT;
	}
	n = acpi_build(&cfg, acpi, X86_TABLES_GPA,
		       X86_MPTABLE_GPA - X86_TABLES_GPA, rsdp);
	if (n < 0) {
		snprintf(err, errlen, "ACPI tables: %s", strerror(-n));
		return n;
	}
	/* Only for acpi=off kernels; x2APIC-sized topologies have none. */
	n = mptable_build(&cfg, mp, X86_MPTABLE_GPA, mp_size);
	if (n < 0 && n != -E2BIG) {
		snprintf(err, errlen, "MP table: %s", strerror(-n));
		return n;
	}
	return 0;
}

int vm_arch_boot(struct vm *vm, const struct vmm_config *cfg,
		 const struct vmm_boot_files *f, const char *cmdline,
		 char *err, size_t errlen)
{
	struct x86_ram_range r[MAX_RAM_RANGES];
	uint64_t rsdp = 0;
	int i;

	for (i = 0; i < vm->nr_regions && i < MAX_RAM_RANGES; i++)
		r[i] = (struct x86_ram_range){ vm->regions[i].gpa,
					       vm->regions[i].size,
					       vm->regions[i].node };
	if (build_firmware_tables(vm, cfg, &rsdp, err, errlen))
		return -EINVAL;
	return x86_boot_linux(vm, &(struct x86_boot){
				.kernel_fd = f->kernel_fd,
				.initrd_fd = f->initrd_fd,
				.kernel_size = f->kernel_size,
				.initrd_size = f->initrd_size,
				.kernel_head = f->kernel_head,
				.head_len = f->head_len,
				.cmdline = cmdline,
				.ram = r,
				.nr_ram = i,
				.rsdp_gpa = rsdp,
			      }, err, errlen);
}
