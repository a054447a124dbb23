// SPDX-License-Identifier: GPL-2.0
/*
 * Legacy x86 ports the guest touches on its way up and down: the i8042
 * reset line, POST/delay port 0x80, CMOS, and the ACPI hardware-reduced
 * sleep control register that powers the VM off.
 */
#include <string.h>

#include "vmm/vm.h"
#include "vmm/x86_64/x86.h"

#define I8042_DATA		0x60
#define I8042_CMD		0x64
#define I8042_CMD_RESET		0xfe
#define ACPI_SLP_EN		(1 << 5)

static void i8042_io(struct vcpu *v, uint64_t off, uint8_t *data, uint32_t len,
		     bool is_write, void *opaque)
{
	if (!is_write) {
		/* Status: output buffer empty, input buffer empty. */
		memset(data, 0, len);
		return;
	}
	if (off == I8042_CMD - I8042_DATA && data[0] == I8042_CMD_RESET)
		vm_request_stop(v->vm, VM_EXIT_REBOOT, "guest reset via i8042");
}

static void sleep_ctl_io(struct vcpu *v, uint64_t off, uint8_t *data,
			 uint32_t len, bool is_write, void *opaque)
{
	if (!is_write) {
		memset(data, 0, len);
		return;
	}
	if (off == 0 && (data[0] & ACPI_SLP_EN))
		vm_request_stop(v->vm, VM_EXIT_POWEROFF,
				"ACPI power-off (SLP_TYP %u)", (data[0] >> 2) & 7);
}

/* Ports whose reads must not float high and whose writes mean nothing. */
static void zero_io(struct vcpu *v, uint64_t off, uint8_t *data, uint32_t len,
		    bool is_write, void *opaque)
{
	if (!is_write)
		memset(data, 0, len);
}

void x86_legacy_ports_init(struct vm *vm)
{
	vm_register_pio(vm, I8042_DATA, 5, i8042_io, NULL);
	vm_register_pio(vm, X86_SLEEP_CTL_PORT, 2, sleep_ctl_io, NULL);
	vm_register_pio(vm, 0x80, 1, zero_io, NULL);		/* POST */
	vm_register_pio(vm, 0x70, 2, zero_io, NULL);		/* CMOS */
}
