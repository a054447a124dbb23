/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Where guest->host bytes go: the data port, hvc (virtio-console port 0),
 * COM1 and COM2 are each kept in memory up to a cap, so a guest that floods
 * a channel cannot exhaust the host. Bytes past the cap are counted, not
 * kept, and the run FAILs naming the cap.
 */
#ifndef KTSTR_VMM_SINK_H
#define KTSTR_VMM_SINK_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/util.h"

/* Bytes kept per channel and run. */
#define VMM_DATA_CAP	(64 * SZ_1M)	/* TLV stream: results, metrics, profraw */
#define VMM_HVC_CAP	(16 * SZ_1M)	/* hvc0: the shell's output */
#define VMM_COM1_CAP	(16 * SZ_1M)	/* the kernel log */
#define VMM_COM2_CAP	(16 * SZ_1M)	/* PID 1's log and result block */

enum vmm_chan {
	VMM_CHAN_COM1,
	VMM_CHAN_COM2,
	VMM_CHAN_DATA,
	VMM_CHAN_HVC,
	VMM_NR_CHANS,
};

struct vmm_sink {
	struct buf *buf;
	size_t cap;
	uint64_t *dropped;		/* bytes past the cap */
	int fd;				/* stream here too, or -1 */
	pthread_mutex_t lock;
	uint64_t first_ns;		/* when the first byte came */
};

/* Sets up @s to keep at most @cap bytes in @b; @fd: also stream there. */
void vmm_sink_init(struct vmm_sink *s, struct buf *b, size_t cap,
		   uint64_t *dropped, int fd);
void vmm_sink_put(struct vmm_sink *s, const uint8_t *data, size_t len);

/* The channel's name ("data port (ktstr.data)") and cap in bytes. */
const char *vmm_chan_name(enum vmm_chan c);
size_t vmm_chan_cap(enum vmm_chan c);

/*
 * "" when nothing was dropped, else one line naming each channel over its
 * cap: "guest output over the cap: COM1 dropped 123 bytes past 16 MiB".
 */
void vmm_cap_errors(const uint64_t dropped[VMM_NR_CHANS], char *out,
		    size_t len);

/*
 * Host input (the shell's stdin) forwarded to the guest by a thread of its
 * own. Stopped through a pipe it polls, never cancelled: a cancel could
 * land while @send holds the console's lock.
 */
typedef int (*vmm_input_send_fn)(void *opaque, const void *data, size_t len);

struct vmm_input {
	int fd;
	int stop[2];			/* written to by vmm_input_stop() */
	vmm_input_send_fn send;
	void *opaque;
	pthread_t thread;
	bool started;
};

/* 0, or -errno (nothing started). */
int vmm_input_start(struct vmm_input *in, int fd, vmm_input_send_fn send,
		    void *opaque);
/* Waits for a @send under way to return; a no-op if never started. */
void vmm_input_stop(struct vmm_input *in);

#endif
