/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Shared between bpf/guard.bpf.c and user space (supervisor/bpf.c): map keys
 * and values, event records. Fixed-width fields only: no pointers, no bool.
 * Both sides see the same layout; padding is explicit.
 */
#ifndef NBW_GUARD_H
#define NBW_GUARD_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

#define NBW_MAX_SANDBOXES   4096
#define NBW_MAX_NET_RULES   65536 /* trie entries, all sandboxes together */
#define NBW_MAX_EXEC_RULES  65536
#define NBW_PORT_RANGES     8 /* per trie entry */
#define NBW_EVENT_RING_SIZE (1 << 20)
#define NBW_PATH_MAX        256

/* struct nbw_policy.flags */
#define NBW_NET_FILTER   (1U << 0) /* [network] mode = host: hooks enforce the allow-list */
#define NBW_NET_LOG_ALL  (1U << 1) /* log allowed connections too */
#define NBW_EXEC_GUARD   (1U << 2) /* check every exec against the allow set */
#define NBW_EXEC_LOG_ALL (1U << 3) /* log allowed execs too */
#define NBW_NET_KILL     (1U << 4) /* [violations] network = kill */
#define NBW_EXEC_KILL    (1U << 5) /* [violations] exec = kill */
#define NBW_NET_PRIVATE  (1U << 6) /* mode = none: only the sandbox's own loopback is there */

/* struct nbw_policy.bind */
#define NBW_BIND_LOOPBACK 0
#define NBW_BIND_ANY      1
#define NBW_BIND_NONE     2

/* protocol bits in a port range */
#define NBW_PROTO_TCP 1
#define NBW_PROTO_UDP 2

/* Per-sandbox policy, keyed by the leaf's cgroup id (__u64). */
struct nbw_policy {
	__u32 flags;
	__u32 bind;
};

/*
 * The allow-list trie: one LPM trie for all sandboxes and both families.
 * The data are the cgroup id (8 bytes, always fully matched) followed by
 * the 128-bit address, IPv4 as ::ffff:a.b.c.d. prefixlen = 64 + the rule's
 * prefix in the 128-bit space.
 */
struct nbw_trie_key {
	__u32 prefixlen;
	__u8 data[24];
};

struct nbw_port_range {
	__u16 lo, hi; /* host byte order */
	__u8 protos;  /* NBW_PROTO_* */
	__u8 pad[3];
};

/* Every range that applies at this prefix, inherited ones included. */
struct nbw_trie_value {
	struct nbw_port_range ranges[NBW_PORT_RANGES];
	__u32 n;
	__u32 pad;
};

/* The exec allow set: files and directories by device and inode. */
#define NBW_EXEC_FILE   1 /* may be executed */
#define NBW_EXEC_DIR    2 /* files below it may be executed */
#define NBW_EXEC_INTERP 3 /* only as the ELF interpreter of an allowed file */

struct nbw_exec_key {
	__u64 cgroup_id;
	__u64 ino;
	__u32 dev; /* the kernel's s_dev: MKDEV(major, minor) with 20 minor bits */
	__u32 pad;
};

/* Per-sandbox counters, keyed by cgroup id. Updated atomically. */
struct nbw_stats {
	__u64 net_tx_bytes;
	__u64 net_rx_bytes;
	__u64 net_denied;  /* connect/sendmsg/bind/socket/packet denials */
	__u64 exec_denied; /* exec guard kills and refused execs */
	__u64 events_lost; /* events that did not fit in the ring */
};

enum nbw_event_type {
	NBW_EV_CONNECT = 1,
	NBW_EV_SENDMSG,
	NBW_EV_BIND,
	NBW_EV_SOCKET,       /* raw or ping socket refused at creation */
	NBW_EV_PACKET,       /* a packet the socket hooks cannot see, dropped */
	NBW_EV_LISTEN,       /* a connection to a listener on a non-loopback address, dropped */
	NBW_EV_EXEC,         /* exec guard verdict (file by device and inode) */
	NBW_EV_EXEC_REFUSED, /* execve() failed with EACCES/EPERM (Landlock, noexec) */
};

#define NBW_VERDICT_ALLOW 0
#define NBW_VERDICT_DENY  1
#define NBW_VERDICT_KILL  2

struct nbw_event {
	__u64 ts_ns; /* CLOCK_BOOTTIME */
	__u64 cgroup_id;
	__u64 dev;
	__u64 ino;
	__u32 type; /* enum nbw_event_type */
	__u32 pid;  /* thread id, host view */
	__u32 tgid; /* process id, host view */
	__u32 uid;
	__u32 family;  /* AF_INET, AF_INET6 */
	__u16 port;    /* host byte order */
	__u8 proto;    /* IPPROTO_* */
	__u8 verdict;  /* NBW_VERDICT_* */
	__u8 addr[16]; /* IPv4 as ::ffff:a.b.c.d */
	char comm[16];
	char path[NBW_PATH_MAX];
};

#endif
