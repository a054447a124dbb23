// SPDX-License-Identifier: GPL-2.0
/*
 * The virtio-mmio transport and the console device (virtio/mmio.c,
 * virtio/console.c) as a hostile driver drives them: register accesses
 * of any size, offset and value, with rings and buffers in fake guest RAM
 * filled from the input. No KVM: the device alone, as in
 * tests/virtio_console_test.c. The guest->host output goes through the
 * capped sink, which must never grow past its cap.
 *
 * Input: u16 n, then n bytes copied to guest RAM at 0, then accesses of
 * 8 bytes each: u8 op (bit 0 write, bits 1-2 size 1/2/4/8), u8 pad,
 * u16 offset, u32 value.
 */
#include "fuzz/fuzz.h"
#include "virtio/console.h"
#include "vmm/sink.h"
#include "vmm/vm.h"

#define RAM	0x100000ULL
#define RAM_SZ	0x40000ULL
#define CAP	4096

static uint8_t ram[RAM_SZ] __aligned(4096);

struct outs {
	struct buf b[CON_NR_PORTS];
	uint64_t dropped[CON_NR_PORTS];
};

static void on_output(void *opaque, unsigned int port, const uint8_t *data,
		      size_t len)
{
	struct outs *o = opaque;

	FUZZ_CHECK(port < CON_NR_PORTS);
	FUZZ_CHECK((data >= ram && data + len <= ram + RAM_SZ) || !len);
	o->dropped[port] += buf_put_capped(&o->b[port], data, len, CAP);
	FUZZ_CHECK(o->b[port].len <= CAP);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct virtio_console *con;
	struct outs o = {};
	struct vm vm = {};
	size_t n, i;
	unsigned int p;

	if (size < 2)
		return 0;
	n = data[0] | data[1] << 8;
	data += 2;
	size -= 2;
	n = n < size ? n : size;
	n = n < RAM_SZ ? n : RAM_SZ;
	memset(ram, 0, sizeof(ram));
	memcpy(ram, data, n);
	data += n;
	size -= n;
	vm.regions[0] = (struct mem_region){ .gpa = RAM, .size = RAM_SZ,
					     .hva = ram };
	vm.nr_regions = 1;
	con = virtio_console_new(&vm, on_output, &o);
	if (!con)
		return 0;
	for (i = 0; i + 8 <= size && i < 8 * 4096; i += 8) {
		uint8_t op = data[i], v[8] = {};
		uint32_t len = 1U << ((op >> 1) & 3);
		uint64_t off = data[i + 2] | data[i + 3] << 8;

		memcpy(v, data + i + 4, 4);
		virtio_mmio_io(NULL, off % 0x200, v, len, op & 1, &con->mmio);
		/* Now and then, host output to the guest. */
		if ((op & 0xf0) == 0xf0)
			virtio_console_send(con, (op & 3) % CON_NR_PORTS, v, 4);
	}
	virtio_console_destroy(con);
	for (p = 0; p < CON_NR_PORTS; p++)
		buf_free(&o.b[p]);
	return 0;
}
