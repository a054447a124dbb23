/* SPDX-License-Identifier: GPL-2.0 */
#ifndef KTSTR_VMM_SERIAL_H
#define KTSTR_VMM_SERIAL_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct vm;

typedef void (*serial_out_t)(void *opaque, const uint8_t *data, size_t len);

/* A 16550A UART: transmit is instant, receive from a small FIFO. */
struct serial {
	struct vm *vm;
	uint32_t gsi;			/* as KVM_IRQ_LINE takes it */
	pthread_mutex_t lock;
	uint8_t ier, lcr, mcr, scr, dll, dlm, fcr;
	uint8_t rx[256];
	unsigned int rx_head, rx_len;
	bool thri_pending;		/* cleared by an IIR read reporting it */
	int irq_level;
	serial_out_t out;
	void *opaque;
	uint64_t tx_bytes;
};

void serial_init(struct serial *s, struct vm *vm, uint64_t port, uint32_t gsi,
		 serial_out_t out, void *opaque);
/* The same UART at MMIO @base, one byte per register (reg-shift 0). */
void serial_init_mmio(struct serial *s, struct vm *vm, uint64_t base,
		      uint32_t gsi, serial_out_t out, void *opaque);
/* Queues host input for the guest; returns bytes accepted. */
size_t serial_input(struct serial *s, const uint8_t *data, size_t len);

#endif
