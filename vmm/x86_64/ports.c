// SPDX-License-Identifier: GPL-2.0
/*
 * Legacy x86 ports the guest touches on its way up and down: the i8042
 * reset line, POST/delay port 0x80, CMOS, and the ACPI PM1a blocks whose
 * control register powers the VM off.
 */
#include <string.h>

#include "acpi/acpi.h"
#include "vmm/vm.h"
#include "vmm/x86_64/x86.h"

#define I8042_DATA		0x60
#define I8042_CMD		0x64
#define I8042_CMD_RESET		0xfe

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

/*
 * PM1a: status (off 0) never has events; enable (off 2) keeps what ACPICA
 * writes, since it reads fixed-event enables back to check them; control
 * (off 4) with SLP_EN ends the VM.
 */
static uint8_t pm1a_regs[X86_PM1A_CNT_PORT + ACPI_PM1_CNT_LEN - X86_PM1A_EVT_PORT];

static void pm1a_io(struct vcpu *v, uint64_t off, uint8_t *data, uint32_t len,
		    bool is_write, void *opaque)
{
	uint16_t val;
	uint32_t i;

	for (i = 0; i < len && off + i < sizeof(pm1a_regs); i++) {
		bool status = off + i < 2, enable = !status && off + i < 4;

		if (!is_write)
			data[i] = status ? 0 : pm1a_regs[off + i];
		else if (enable)
			pm1a_regs[off + i] = data[i];
	}
	if (!is_write || off != X86_PM1A_CNT_PORT - X86_PM1A_EVT_PORT || len < 2)
		return;
	val = data[0] | data[1] << 8;
	if (val & ACPI_SLP_EN)
		vm_request_stop(v->vm, VM_EXIT_POWEROFF,
				"ACPI power-off (PM1a_CNT SLP_TYP %u)",
				(val & ACPI_SLP_TYP_MASK) >> ACPI_SLP_TYP_SHIFT);
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
	vm_register_pio(vm, X86_PM1A_EVT_PORT,
			X86_PM1A_CNT_PORT + ACPI_PM1_CNT_LEN - X86_PM1A_EVT_PORT,
			pm1a_io, NULL);
	vm_register_pio(vm, 0x80, 1, zero_io, NULL);		/* POST */
	vm_register_pio(vm, 0x70, 2, zero_io, NULL);		/* CMOS */
}
