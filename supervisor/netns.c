// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <unistd.h>
#include <net/if.h>
#include <netlink/errno.h>
#include <netlink/netlink.h>
#include <netlink/route/link.h>

#include "cleanup.h"
#include "netns.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(struct nl_sock *, nl_socket_free)
DEFINE_TRIVIAL_CLEANUP_FUNC(struct rtnl_link *, rtnl_link_put)

/* libnl speaks NLE_*; the rest of nbwarden speaks -errno. */
static int nle_to_errno(int nle)
{
	switch (abs(nle)) {
	case 0:
		return 0;
	case NLE_NOMEM:
		return -ENOMEM;
	case NLE_PERM:
		return -EPERM;
	case NLE_NODEV:
	case NLE_OBJ_NOTFOUND:
		return -ENODEV;
	case NLE_INVAL:
		return -EINVAL;
	case NLE_OPNOTSUPP:
		return -EOPNOTSUPP;
	default:
		return -EIO;
	}
}

/* In a network namespace we just created, "lo" is always interface 1. */
#define LOOPBACK_IFINDEX 1

int netns_loopback_up(void)
{
	_cleanup_(nl_socket_freep) struct nl_sock *sk = NULL;
	_cleanup_(rtnl_link_putp) struct rtnl_link *link = NULL, *change = NULL;
	int r;

	sk = nl_socket_alloc();
	link = rtnl_link_alloc();
	change = rtnl_link_alloc();
	if (!sk || !link || !change)
		return -ENOMEM;
	r = nl_connect(sk, NETLINK_ROUTE);
	if (r < 0)
		return nle_to_errno(r);
	/* no RTM_GETLINK round trip: the index is known */
	rtnl_link_set_ifindex(link, LOOPBACK_IFINDEX);
	rtnl_link_set_flags(change, IFF_UP);
	r = rtnl_link_change(sk, link, change, 0);
	return nle_to_errno(r);
}

int netns_loopback_up_in(int pidfd)
{
	_cleanup_close_ int self = -1;
	int r;

	self = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (self < 0)
		return -errno;
	if (setns(pidfd, CLONE_NEWNET) < 0)
		return -errno;
	r = netns_loopback_up();
	/* not getting back would leave us in the sandbox's network: fatal to the caller */
	if (setns(self, CLONE_NEWNET) < 0)
		return -errno;
	return r;
}
