// SPDX-License-Identifier: GPL-2.0
/* Port and MMIO dispatch by address range. */
#include <string.h>

#include "vmm/vm.h"

bool io_bus_dispatch(struct io_bus *bus, struct vcpu *vcpu, uint64_t addr,
		     uint8_t *data, uint32_t len, bool is_write)
{
	int i;

	for (i = 0; i < bus->nr; i++) {
		struct io_range *r = &bus->ranges[i];

		if (addr < r->base || addr - r->base >= r->len)
			continue;
		r->fn(vcpu, addr - r->base, data, len, is_write, r->opaque);
		return true;
	}
	/* Unclaimed: reads float high, as on a real bus. */
	if (!is_write)
		memset(data, 0xff, len);
	return false;
}
