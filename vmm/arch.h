/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Every hook an architecture implements, in vmm/<arch>/. They are resolved
 * at link time, as in kvmtool and the KVM selftests library: one binary
 * serves one architecture, and generic code never names an arch file.
 * Arch state hangs off vm->arch (struct vm_arch, defined by the arch).
 */
#ifndef KTSTR_VMM_ARCH_H
#define KTSTR_VMM_ARCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct buf;
struct serial;
struct topology;
struct vcpu;
struct vm;
struct vmm_boot_files;
struct vmm_config;

/* The VM: irqchip, timers, legacy devices; vm->arch allocated here. */
int vm_arch_init(struct vm *vm);
/* Frees vm->arch and what it holds (fds, tables); from vm_destroy(). */
void vm_arch_destroy(struct vm *vm);
/* Guest RAM for @topo's nodes (vm_add_ram()); before the vCPUs exist. */
int vm_arch_setup_memory(struct vm *vm, const struct topology *topo);
/* Firmware tables, kernel, initrd, command line, boot vCPU registers. */
int vm_arch_boot(struct vm *vm, const struct vmm_config *cfg,
		 const struct vmm_boot_files *f, const char *cmdline,
		 char *err, size_t errlen);
/* Where virtio-mmio device @i sits and which GSI it interrupts. */
uint64_t vm_arch_virtio_base(int i);
uint32_t vm_arch_virtio_gsi(int i);
/*
 * Whether the kernel command line names the virtio-mmio devices (x86: no
 * firmware table lists them; aarch64: the device tree does).
 */
bool vm_arch_virtio_on_cmdline(void);
/* Arch defaults for the kernel command line (console, reboot method). */
const char *vm_arch_cmdline(void);
/* The arch's two serial ports; @out receives their bytes. */
void vm_arch_serials(struct vm *vm, struct serial *com1, struct serial *com2,
		     void (*out)(void *, const uint8_t *, size_t),
		     void *com1_opaque, void *com2_opaque);

/* KVM vCPU id of vCPU @cpu (x86: the APIC ID). */
uint32_t vm_arch_vcpu_id(const struct topology *t, uint32_t cpu);
/* `ktstr topo`: the name of that id ("apic_id"), a note on @t or "". */
const char *vm_arch_vcpu_id_name(void);
const char *vm_arch_topo_note(const struct topology *t);
/*
 * `ktstr topo`: the header of the arch's columns after the id, and vCPU
 * @cpu's values for them in @out (x86: none; aarch64: the MPIDR KVM
 * gives it and its cpu-map node).
 */
const char *vm_arch_topo_columns(void);
void vm_arch_topo_cpu(const struct topology *t, uint32_t cpu, char *out,
		      size_t len);

/*
 * The kernel image a kernel build leaves, relative to its tree
 * ("arch/x86/boot/bzImage"); its file name is the cached kernel's too.
 */
const char *vm_arch_kernel_default(void);
/*
 * Whether the first @head_len bytes of a kernel file of @size bytes are a
 * bootable image; 0, or -errno with one line in @err.
 */
int vm_arch_check_kernel(const uint8_t *head, size_t head_len, uint64_t size,
			 char *err, size_t errlen);

/*
 * The kernel release (uname -r) of the image whose first @head_len bytes
 * are @head, into @ver; -ENOENT when the format does not carry it there.
 */
int vm_arch_kernel_version(const uint8_t *head, size_t head_len, char *ver,
			   size_t len);

/*
 * Performance mode: disable the exits a dedicated core makes pure overhead
 * (x86: PAUSE, and HLT when the host allows), before any vCPU exists.
 * Returns the exits disabled (arch bits), or -errno; @note gets a line
 * saying what was done.
 */
int vm_arch_perf_exits(struct vm *vm, char *note, size_t len);
/* False once halts no longer exit to the host (HLT exits disabled). */
bool vm_arch_halt_observable(struct vm *vm);

/* The vCPU: registers, CPUID, MSRs; after KVM_CREATE_VCPU. */
int vcpu_arch_init(struct vcpu *vcpu);
/* An exit the generic loop does not route; false ends the vCPU's loop. */
bool vcpu_arch_handle_exit(struct vcpu *vcpu);
/* Registers, for a failure message. */
void vcpu_arch_dump(struct vcpu *vcpu, struct buf *out);
/* The guest's program counter (x86 RIP, arm64 PC), for the monitor. */
int vcpu_arch_pc(struct vcpu *vcpu, uint64_t *pc);
/*
 * The steal time the guest's PV steal clock shows for @v (x86:
 * MSR_KVM_STEAL_TIME's record); -ENOENT when the guest registered none.
 */
int vcpu_arch_guest_steal(struct vcpu *v, uint64_t *ns);

#endif
