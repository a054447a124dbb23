// SPDX-License-Identifier: GPL-2.0
/*
 * 16550A UART as Linux's 8250 driver probes and drives it: FIFO detection
 * through IIR bits 7:6, THRE and RX-data interrupts on a level-triggered
 * line, modem loopback for the probe, DLAB-banked divisor latch.
 */
#include <string.h>

#include "vmm/serial.h"
#include "vmm/vm.h"

enum {
	UART_RX = 0, UART_TX = 0, UART_DLL = 0, UART_IER = 1, UART_DLM = 1,
	UART_IIR = 2, UART_FCR = 2, UART_LCR = 3, UART_MCR = 4, UART_LSR = 5,
	UART_MSR = 6, UART_SCR = 7,
};

#define IER_RDI		0x01
#define IER_THRI	0x02
#define IIR_NO_INT	0x01
#define IIR_THRI	0x02
#define IIR_RDI		0x04
#define IIR_FIFO	0xc0
#define LCR_DLAB	0x80
#define LSR_DR		0x01
#define LSR_THRE	0x20
#define LSR_TEMT	0x40
#define MCR_LOOP	0x10
#define FCR_CLEAR_RX	0x02

static uint8_t serial_iir(struct serial *s)
{
	uint8_t fifo = (s->fcr & 1) ? IIR_FIFO : 0;

	if ((s->ier & IER_RDI) && s->rx_len)
		return IIR_RDI | fifo;
	if ((s->ier & IER_THRI) && s->thri_pending)
		return IIR_THRI | fifo;
	return IIR_NO_INT | fifo;
}

static void serial_update_irq(struct serial *s)
{
	int level = !(serial_iir(s) & IIR_NO_INT);

	if (level != s->irq_level) {
		s->irq_level = level;
		vm_irq_line(s->vm, s->gsi, level);
	}
}

static uint8_t serial_read(struct serial *s, unsigned int reg)
{
	uint8_t v, iir;

	switch (reg) {
	case UART_RX:
		if (s->lcr & LCR_DLAB)
			return s->dll;
		if (!s->rx_len)
			return 0;
		v = s->rx[s->rx_head];
		s->rx_head = (s->rx_head + 1) % sizeof(s->rx);
		s->rx_len--;
		return v;
	case UART_IER:
		return (s->lcr & LCR_DLAB) ? s->dlm : s->ier;
	case UART_IIR:
		iir = serial_iir(s);
		/* Reading IIR acknowledges a THRE interrupt (16550 spec). */
		if ((iir & 0x0f) == IIR_THRI)
			s->thri_pending = false;
		return iir;
	case UART_LCR:
		return s->lcr;
	case UART_MCR:
		return s->mcr;
	case UART_LSR:
		return LSR_THRE | LSR_TEMT | (s->rx_len ? LSR_DR : 0);
	case UART_MSR:
		/* In loopback, OUT2/OUT1/RTS/DTR read back as DCD/RI/CTS/DSR. */
		if (s->mcr & MCR_LOOP)
			return ((s->mcr & 0x0c) << 4) | ((s->mcr & 0x01) << 5) |
			       ((s->mcr & 0x02) << 3);
		return 0xb0;	/* DCD, DSR, CTS */
	default:
		return s->scr;
	}
}

static void serial_write(struct serial *s, unsigned int reg, uint8_t v)
{
	switch (reg) {
	case UART_TX:
		if (s->lcr & LCR_DLAB) {
			s->dll = v;
			break;
		}
		if (s->mcr & MCR_LOOP) {
			if (s->rx_len < sizeof(s->rx))
				s->rx[(s->rx_head + s->rx_len++) % sizeof(s->rx)] = v;
		} else if (s->out) {
			s->out(s->opaque, &v, 1);
		}
		s->tx_bytes++;
		s->thri_pending = true;
		break;
	case UART_IER:
		if (s->lcr & LCR_DLAB) {
			s->dlm = v;
			break;
		}
		/* Enabling THRI with an empty THR raises the interrupt. */
		if ((v & IER_THRI) && !(s->ier & IER_THRI))
			s->thri_pending = true;
		s->ier = v & 0x0f;
		break;
	case UART_FCR:
		s->fcr = v;
		if (v & FCR_CLEAR_RX)
			s->rx_len = 0;
		break;
	case UART_LCR:
		s->lcr = v;
		break;
	case UART_MCR:
		s->mcr = v & 0x1f;
		break;
	case UART_SCR:
		s->scr = v;
		break;
	}
}

static void serial_io(struct vcpu *v, uint64_t off, uint8_t *data,
		      uint32_t len, bool is_write, void *opaque)
{
	struct serial *s = opaque;

	pthread_mutex_lock(&s->lock);
	if (is_write)
		serial_write(s, off, data[0]);
	else
		data[0] = serial_read(s, off);
	if (!is_write && len > 1)
		memset(data + 1, 0, len - 1);
	serial_update_irq(s);
	pthread_mutex_unlock(&s->lock);
}

static void serial_setup(struct serial *s, struct vm *vm, uint32_t gsi,
			 serial_out_t out, void *opaque)
{
	memset(s, 0, sizeof(*s));
	s->vm = vm;
	s->gsi = gsi;
	s->out = out;
	s->opaque = opaque;
	pthread_mutex_init(&s->lock, NULL);
}

void serial_init(struct serial *s, struct vm *vm, uint64_t port, uint32_t gsi,
		 serial_out_t out, void *opaque)
{
	serial_setup(s, vm, gsi, out, opaque);
	vm_register_pio(vm, port, 8, serial_io, s);
}

void serial_init_mmio(struct serial *s, struct vm *vm, uint64_t base,
		      uint32_t gsi, serial_out_t out, void *opaque)
{
	serial_setup(s, vm, gsi, out, opaque);
	vm_register_mmio(vm, base, 8, serial_io, s);
}

size_t serial_input(struct serial *s, const uint8_t *data, size_t len)
{
	size_t n = 0;

	pthread_mutex_lock(&s->lock);
	while (n < len && s->rx_len < sizeof(s->rx))
		s->rx[(s->rx_head + s->rx_len++) % sizeof(s->rx)] = data[n++];
	serial_update_irq(s);
	pthread_mutex_unlock(&s->lock);
	return n;
}
