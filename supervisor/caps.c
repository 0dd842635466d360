// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <linux/securebits.h>
#include <sys/capability.h>
#include <sys/prctl.h>

#include "caps.h"
#include "cleanup.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(cap_t, cap_free)

int caps_drop_bounding(void)
{
	int max = cap_max_bits();

	for (int c = 0; c < max; c++)
		if (cap_drop_bound((cap_value_t)c) < 0 && errno != EINVAL)
			return -errno;
	/* Even a uid 0 inside would get no capabilities back from exec or setuid. */
	if (prctl(PR_SET_SECUREBITS,
	          SECBIT_NOROOT | SECBIT_NOROOT_LOCKED | SECBIT_KEEP_CAPS_LOCKED |
	                  SECBIT_NO_CAP_AMBIENT_RAISE | SECBIT_NO_CAP_AMBIENT_RAISE_LOCKED,
	          0, 0, 0) < 0)
		return -errno;
	return 0;
}

int caps_drop_all(void)
{
	_cleanup_(cap_freep) cap_t empty = NULL;

	if (cap_reset_ambient() < 0)
		return -errno;
	empty = cap_init();
	if (!empty)
		return -ENOMEM;
	if (cap_set_proc(empty) < 0)
		return -errno;
	return 0;
}
