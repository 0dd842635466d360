// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * nbwarden's kernel side. Attached once (cgroup hooks to the sandboxes'
 * parent cgroup, the tracing programs globally) and pinned; every program
 * looks up the sandbox of the current task or socket by cgroup id and does
 * nothing for cgroups that are not sandboxes.
 *
 *   net_sock_create            raw and ICMP "ping" sockets refused at creation
 *   egress_connect4/6          connect(): the allow-list (TCP, connected UDP)
 *   egress_sendmsg4/6          sendto()/sendmsg() on unconnected UDP
 *   egress_bind4/6             bind(): loopback | any | none
 *   net_egress                 byte count; drops non-TCP/UDP packets (backstop)
 *   net_ingress                byte count; drops SYNs to listeners on public addresses
 *   exec_guard(_raw)           every exec checked by device and inode, killed if not allowed
 *   exec_enter/exit(_at)       execve()/execveat() refused (by Landlock): logged
 */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "guard.h"

#define AF_INET        2
#define AF_INET6       10
#define SOCK_STREAM    1
#define SOCK_DGRAM     2
#define SOCK_RAW       3
#define IPPROTO_ICMP   1
#define IPPROTO_TCP    6
#define IPPROTO_UDP    17
#define IPPROTO_ICMPV6 58
#define ETH_P_IP       0x0800
#define ETH_P_IPV6     0x86DD
#define TCP_LISTEN     10
#define EACCES         13
#define EPERM          1
#define SIGKILL        9

/* Set by user space before loading, after probing through the verifier. */
const volatile __u32 kill_in_sock_hooks = 0; /* bpf_send_signal() in cgroup sock_addr programs */

char LICENSE[] SEC("license") = "Dual BSD/GPL";

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, NBW_MAX_SANDBOXES);
	__type(key, __u64);
	__type(value, struct nbw_policy);
} policy_map SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, NBW_MAX_SANDBOXES);
	__type(key, __u64);
	__type(value, struct nbw_stats);
} stats_map SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, NBW_MAX_NET_RULES);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct nbw_trie_key);
	__type(value, struct nbw_trie_value);
} allow_map SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, NBW_MAX_EXEC_RULES);
	__type(key, struct nbw_exec_key);
	__type(value, __u8);
} exec_map SEC(".maps");

/* One ring per sandbox: a flood in one cannot drown another's events. */
struct ring {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, NBW_EVENT_RING_SIZE);
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH_OF_MAPS);
	__uint(max_entries, NBW_MAX_SANDBOXES);
	__type(key, __u64);
	__array(values, struct ring);
} ring_map SEC(".maps");

/* execve() arguments between syscall entry and exit, by thread id */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32);
	__type(value, __u64);
} exec_args SEC(".maps");

/* ------------------------------------------------------------------------ */

static __always_inline struct nbw_stats *stats_of(__u64 cgid)
{
	return bpf_map_lookup_elem(&stats_map, &cgid);
}

/* Reserve an event in the sandbox's ring (*ret_ring), or count it as lost. */
/*
 * A zeroed event in the sandbox's ring. with_task fills in the current task;
 * packet programs pass 0 (a packet is not always handled in its sender's
 * context, and before Linux 6.x cgroup_skb programs cannot ask).
 */
static __always_inline struct nbw_event *event_new(__u64 cgid, __u32 type, int with_task,
                                                   void **ret_ring)
{
	struct nbw_stats *st;
	struct nbw_event *e = NULL;
	void *ring;
	__u64 id;

	ring = bpf_map_lookup_elem(&ring_map, &cgid);
	*ret_ring = ring;
	if (ring)
		e = bpf_ringbuf_reserve(ring, sizeof(*e), 0);
	if (!e) {
		st = stats_of(cgid);
		if (st)
			__sync_fetch_and_add(&st->events_lost, 1);
		return NULL;
	}
	__builtin_memset(e, 0, sizeof(*e));
	e->ts_ns = bpf_ktime_get_boot_ns();
	e->cgroup_id = cgid;
	e->type = type;
	if (with_task) {
		id = bpf_get_current_pid_tgid();
		e->pid = (__u32)id;
		e->tgid = id >> 32;
		e->uid = (__u32)bpf_get_current_uid_gid();
		bpf_get_current_comm(e->comm, sizeof(e->comm));
	}
	return e;
}

/*
 * Hand an event to user space. Waking the supervisor for each one would cost
 * an interrupt per event (on a paravirtualised guest, a hypercall): only a
 * kill, or a ring filling up, wakes it; it drains the rest every 100 ms.
 */
static __always_inline void event_submit(void *ring, struct nbw_event *e)
{
	__u64 flags = BPF_RB_NO_WAKEUP;

	if (e->verdict == NBW_VERDICT_KILL ||
	    bpf_ringbuf_query(ring, BPF_RB_AVAIL_DATA) >= NBW_EVENT_RING_SIZE / 8)
		flags = BPF_RB_FORCE_WAKEUP;
	bpf_ringbuf_submit(e, flags);
}

static __always_inline void count_denial(__u64 cgid, int exec)
{
	struct nbw_stats *st = stats_of(cgid);

	if (!st)
		return;
	if (exec)
		__sync_fetch_and_add(&st->exec_denied, 1);
	else
		__sync_fetch_and_add(&st->net_denied, 1);
}

static __always_inline void set_v4(__u8 addr[16], __u32 ip4_be)
{
	__builtin_memset(addr, 0, 10);
	addr[10] = 0xff;
	addr[11] = 0xff;
	__builtin_memcpy(addr + 12, &ip4_be, 4);
}

static __always_inline void set_v6(__u8 addr[16], const __u32 ip6_be[4])
{
	__builtin_memcpy(addr, ip6_be, 16);
}

static __always_inline int is_loopback(const __u8 a[16])
{
	static const __u8 v6lo[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
	int i;

	/* ::ffff:127.0.0.0/104 (IPv4 loopback, as we store it) */
	if (a[10] == 0xff && a[11] == 0xff && a[12] == 127) {
		for (i = 0; i < 10; i++)
			if (a[i])
				return 0;
		return 1;
	}
	for (i = 0; i < 16; i++)
		if (a[i] != v6lo[i])
			return 0;
	return 1;
}

/* Does the allow-list of this sandbox admit addr/proto/port? */
static __always_inline int allowed(__u64 cgid, const __u8 addr[16], __u8 proto, __u16 port)
{
	struct nbw_trie_key key = {.prefixlen = 64 + 128};
	struct nbw_trie_value *v;
	__u8 bit = proto == IPPROTO_TCP ? NBW_PROTO_TCP : proto == IPPROTO_UDP ? NBW_PROTO_UDP : 0;
	int i;

	__builtin_memcpy(key.data, &cgid, 8);
	__builtin_memcpy(key.data + 8, addr, 16);
	v = bpf_map_lookup_elem(&allow_map, &key);
	if (!v)
		return 0;
	for (i = 0; i < NBW_PORT_RANGES; i++) {
		if (i >= v->n)
			break;
		if ((v->ranges[i].protos & bit) && port >= v->ranges[i].lo &&
		    port <= v->ranges[i].hi)
			return 1;
	}
	return 0;
}

static __always_inline void emit_net(__u64 cgid, __u32 type, __u32 family, const __u8 addr[16],
                                     __u16 port, __u8 proto, __u8 verdict, int with_task)
{
	void *ring;
	struct nbw_event *e = event_new(cgid, type, with_task, &ring);

	if (!e)
		return;
	e->family = family;
	__builtin_memcpy(e->addr, addr, 16);
	e->port = port;
	e->proto = proto;
	e->verdict = verdict;
	event_submit(ring, e);
}

/* The verdict on a network violation of the sandbox's own: [violations] network. */
static __always_inline __u8 net_verdict(const struct nbw_policy *pol)
{
	return (pol->flags & NBW_NET_KILL) ? NBW_VERDICT_KILL : NBW_VERDICT_DENY;
}

static __always_inline __u8 sock_proto(struct bpf_sock_addr *ctx)
{
	if (ctx->type == SOCK_STREAM)
		return IPPROTO_TCP;
	if (ctx->type == SOCK_DGRAM)
		return IPPROTO_UDP;
	return (__u8)ctx->protocol;
}

/*
 * The verdict for one connect()/sendmsg(): 1 allows, 0 fails the call with
 * EPERM. A "kill" policy also kills the caller here when the kernel lets
 * sock_addr programs send signals (user space ends the rest of the sandbox).
 */
static __always_inline int egress_check(struct bpf_sock_addr *ctx, __u32 type, int v6)
{
	__u64 cgid = bpf_get_current_cgroup_id();
	struct nbw_policy *pol = bpf_map_lookup_elem(&policy_map, &cgid);
	__u8 addr[16];
	__u8 proto;
	__u16 port;

	if (!pol || !(pol->flags & (NBW_NET_FILTER | NBW_NET_PRIVATE)))
		return 1;
	if (v6) {
		__u32 ip6[4] = {ctx->user_ip6[0], ctx->user_ip6[1], ctx->user_ip6[2],
		                ctx->user_ip6[3]};

		set_v6(addr, ip6);
	} else {
		set_v4(addr, ctx->user_ip4);
	}
	proto = sock_proto(ctx);
	port = bpf_ntohs((__u16)ctx->user_port);
	/*
	 * In a private namespace the sandbox's own loopback is all there is, and
	 * anything else could not be reached anyway: refused here, it is seen.
	 */
	if ((pol->flags & NBW_NET_PRIVATE) ? is_loopback(addr) : allowed(cgid, addr, proto, port)) {
		if (pol->flags & NBW_NET_LOG_ALL)
			emit_net(cgid, type, v6 ? AF_INET6 : AF_INET, addr, port, proto,
			         NBW_VERDICT_ALLOW, 1);
		return 1;
	}
	count_denial(cgid, 0);
	if ((pol->flags & NBW_NET_KILL) && kill_in_sock_hooks)
		bpf_send_signal(SIGKILL);
	emit_net(cgid, type, v6 ? AF_INET6 : AF_INET, addr, port, proto, net_verdict(pol), 1);
	return 0;
}

SEC("cgroup/connect4")
int egress_connect4(struct bpf_sock_addr *ctx)
{
	return egress_check(ctx, NBW_EV_CONNECT, 0);
}

SEC("cgroup/connect6")
int egress_connect6(struct bpf_sock_addr *ctx)
{
	return egress_check(ctx, NBW_EV_CONNECT, 1);
}

SEC("cgroup/sendmsg4")
int egress_sendmsg4(struct bpf_sock_addr *ctx)
{
	return egress_check(ctx, NBW_EV_SENDMSG, 0);
}

SEC("cgroup/sendmsg6")
int egress_sendmsg6(struct bpf_sock_addr *ctx)
{
	return egress_check(ctx, NBW_EV_SENDMSG, 1);
}

static __always_inline int bind_check(struct bpf_sock_addr *ctx, int v6)
{
	__u64 cgid = bpf_get_current_cgroup_id();
	struct nbw_policy *pol = bpf_map_lookup_elem(&policy_map, &cgid);
	__u8 addr[16];
	__u16 port;

	/* in both network modes: bind = none holds in a private namespace too */
	if (!pol || pol->bind == NBW_BIND_ANY)
		return 1;
	if (v6) {
		__u32 ip6[4] = {ctx->user_ip6[0], ctx->user_ip6[1], ctx->user_ip6[2],
		                ctx->user_ip6[3]};

		set_v6(addr, ip6);
	} else {
		set_v4(addr, ctx->user_ip4);
	}
	if (pol->bind == NBW_BIND_LOOPBACK && is_loopback(addr))
		return 1;
	port = bpf_ntohs((__u16)ctx->user_port);
	count_denial(cgid, 0);
	if ((pol->flags & NBW_NET_KILL) && kill_in_sock_hooks)
		bpf_send_signal(SIGKILL);
	emit_net(cgid, NBW_EV_BIND, v6 ? AF_INET6 : AF_INET, addr, port, sock_proto(ctx),
	         net_verdict(pol), 1);
	return 0;
}

SEC("cgroup/bind4")
int egress_bind4(struct bpf_sock_addr *ctx)
{
	return bind_check(ctx, 0);
}

SEC("cgroup/bind6")
int egress_bind6(struct bpf_sock_addr *ctx)
{
	return bind_check(ctx, 1);
}

/* Raw sockets and ICMP datagram ("ping") sockets: refused, whatever the capabilities. */
SEC("cgroup/sock_create")
int net_sock_create(struct bpf_sock *sk)
{
	__u64 cgid = bpf_get_current_cgroup_id();
	struct nbw_policy *pol = bpf_map_lookup_elem(&policy_map, &cgid);
	__u8 none[16] = {};

	if (!pol)
		return 1;
	if (sk->type != SOCK_RAW && !(sk->type == SOCK_DGRAM && (sk->protocol == IPPROTO_ICMP ||
	                                                         sk->protocol == IPPROTO_ICMPV6)))
		return 1;
	count_denial(cgid, 0);
	emit_net(cgid, NBW_EV_SOCKET, sk->family, none, 0, (__u8)sk->protocol, net_verdict(pol), 1);
	return 0;
}

static __always_inline void add_bytes(__u64 cgid, __u64 len, int tx)
{
	struct nbw_stats *st = stats_of(cgid);

	if (!st)
		return;
	if (tx)
		__sync_fetch_and_add(&st->net_tx_bytes, len);
	else
		__sync_fetch_and_add(&st->net_rx_bytes, len);
}

/*
 * The L4 protocol and the addresses of an IP packet (no extension headers);
 * the family, or -1. One exit: with early returns clang 14 merges paths in a
 * way the verifier rejects (a register read before it is written).
 */
static __always_inline int packet_info(struct __sk_buff *skb, __u8 *proto, __u8 saddr[16],
                                       __u8 daddr[16])
{
	struct ipv6hdr ip6 = {};
	struct iphdr ip = {};
	int family = -1;

	if (skb->protocol == bpf_htons(ETH_P_IP)) {
		if (bpf_skb_load_bytes(skb, 0, &ip, sizeof(ip)) == 0) {
			*proto = ip.protocol;
			set_v4(saddr, ip.saddr);
			set_v4(daddr, ip.daddr);
			family = AF_INET;
		}
	} else if (skb->protocol == bpf_htons(ETH_P_IPV6)) {
		if (bpf_skb_load_bytes(skb, 0, &ip6, sizeof(ip6)) == 0) {
			*proto = ip6.nexthdr;
			__builtin_memcpy(saddr, &ip6.saddr, 16);
			__builtin_memcpy(daddr, &ip6.daddr, 16);
			family = AF_INET6;
		}
	}
	return family;
}

/*
 * Backstop for what the socket hooks cannot see: under a filtered network,
 * only TCP and UDP leave a sandbox (ICMP and raw IP would bypass connect()).
 */
SEC("cgroup_skb/egress")
int net_egress(struct __sk_buff *skb)
{
	__u64 cgid = bpf_skb_cgroup_id(skb);
	struct nbw_policy *pol = bpf_map_lookup_elem(&policy_map, &cgid);
	__u8 saddr[16], daddr[16], proto = 0;
	int family;

	if (!pol)
		return 1;
	add_bytes(cgid, skb->len, 1);
	if (!(pol->flags & NBW_NET_FILTER))
		return 1;
	family = packet_info(skb, &proto, saddr, daddr);
	if (family < 0 || proto == IPPROTO_TCP || proto == IPPROTO_UDP)
		return 1;
	count_denial(cgid, 0);
	emit_net(cgid, NBW_EV_PACKET, family, daddr, 0, proto, net_verdict(pol), 0);
	return 0;
}

/*
 * The bind policy, whatever bind() was told (listen() on an unbound socket
 * binds to the wildcard address without calling the bind hook): under
 * bind = loopback a listener never accepts a connection that did not arrive
 * on a loopback address; under bind = none, none at all.
 */
SEC("cgroup_skb/ingress")
int net_ingress(struct __sk_buff *skb)
{
	__u64 cgid = bpf_skb_cgroup_id(skb);
	struct nbw_policy *pol = bpf_map_lookup_elem(&policy_map, &cgid);
	__u8 saddr[16], daddr[16], proto = 0;
	struct bpf_sock *sk;
	int family;

	if (!pol)
		return 1;
	add_bytes(cgid, skb->len, 0);
	if (pol->bind == NBW_BIND_ANY)
		return 1;
	sk = skb->sk;
	if (!sk)
		return 1;
	sk = bpf_sk_fullsock(sk);
	if (!sk || sk->state != TCP_LISTEN)
		return 1;
	family = packet_info(skb, &proto, saddr, daddr);
	if (family < 0 || (pol->bind == NBW_BIND_LOOPBACK && is_loopback(daddr)))
		return 1;
	/*
	 * Someone else's attempt, not the sandbox's: logged, but neither
	 * counted as a violation nor ever a reason to kill (that would let
	 * anyone on the network end a sandbox).
	 */
	emit_net(cgid, NBW_EV_LISTEN, family, daddr, (__u16)sk->src_port, proto, NBW_VERDICT_DENY,
	         0);
	return 0;
}

/* ------------------------------------------------------------------------ */
/* exec */

static __always_inline __u8 exec_lookup(__u64 cgid, __u32 dev, __u64 ino)
{
	struct nbw_exec_key key = {.cgroup_id = cgid, .ino = ino, .dev = dev};
	__u8 *kind = bpf_map_lookup_elem(&exec_map, &key);

	return kind ? *kind : 0;
}

/* Is this file in the sandbox's exec allow set, directly or below an allowed directory? */
static __always_inline __u8 exec_verdict(__u64 cgid, struct file *file)
{
	struct dentry *d = BPF_CORE_READ(file, f_path.dentry);
	struct inode *inode = BPF_CORE_READ(file, f_inode);
	__u32 dev = BPF_CORE_READ(inode, i_sb, s_dev);
	__u8 kind;
	int i;

	kind = exec_lookup(cgid, dev, BPF_CORE_READ(inode, i_ino));
	if (kind == NBW_EXEC_FILE)
		return NBW_VERDICT_ALLOW;
	if (kind == NBW_EXEC_INTERP)
		return NBW_VERDICT_KILL; /* ld.so run directly: "ld.so /bin/sh" */
	/* bounded walk up the directory tree of this filesystem */
	for (i = 0; i < 32; i++) {
		struct dentry *parent = BPF_CORE_READ(d, d_parent);

		if (!parent || parent == d)
			break;
		d = parent;
		inode = BPF_CORE_READ(d, d_inode);
		if (exec_lookup(cgid, dev, BPF_CORE_READ(inode, i_ino)) == NBW_EXEC_DIR)
			return NBW_VERDICT_ALLOW;
	}
	return NBW_VERDICT_KILL;
}

static __always_inline int guard(struct linux_binprm *bprm)
{
	__u64 cgid = bpf_get_current_cgroup_id();
	struct nbw_policy *pol = bpf_map_lookup_elem(&policy_map, &cgid);
	struct file *file;
	struct nbw_event *e;
	__u8 verdict;
	void *ring;

	if (!pol || !(pol->flags & NBW_EXEC_GUARD))
		return 0;
	file = BPF_CORE_READ(bprm, file);
	verdict = exec_verdict(cgid, file);
	if (verdict != NBW_VERDICT_ALLOW) {
		/*
		 * The new image never runs a single instruction. "deny" ends this
		 * process only; "kill" has user space end the whole sandbox.
		 */
		bpf_send_signal(SIGKILL);
		count_denial(cgid, 1);
		verdict = (pol->flags & NBW_EXEC_KILL) ? NBW_VERDICT_KILL : NBW_VERDICT_DENY;
	} else if (!(pol->flags & NBW_EXEC_LOG_ALL)) {
		return 0;
	}
	e = event_new(cgid, NBW_EV_EXEC, 1, &ring);
	if (!e)
		return 0;
	e->verdict = verdict;
	e->dev = BPF_CORE_READ(file, f_inode, i_sb, s_dev);
	e->ino = BPF_CORE_READ(file, f_inode, i_ino);
	bpf_probe_read_kernel_str(e->path, sizeof(e->path), BPF_CORE_READ(bprm, filename));
	event_submit(ring, e);
	return 0;
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(exec_guard, struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm)
{
	return guard(bprm);
}

/* The same where BTF-typed tracepoints cannot be used. */
SEC("raw_tp/sched_process_exec")
int BPF_PROG(exec_guard_raw, struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm)
{
	return guard(bprm);
}

/* An execve() that fails with EACCES or EPERM inside a sandbox: Landlock or noexec said no. */
static __always_inline int exec_enter(const char *filename)
{
	__u64 cgid = bpf_get_current_cgroup_id();
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	__u64 ptr = (__u64)filename;

	if (!bpf_map_lookup_elem(&policy_map, &cgid))
		return 0;
	bpf_map_update_elem(&exec_args, &tid, &ptr, BPF_ANY);
	return 0;
}

static __always_inline int exec_exit(long ret)
{
	__u64 cgid = bpf_get_current_cgroup_id();
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct nbw_policy *pol;
	struct nbw_event *e;
	void *ring;
	__u64 *ptr;

	ptr = bpf_map_lookup_elem(&exec_args, &tid);
	if (!ptr)
		return 0;
	if (ret == -EACCES || ret == -EPERM) {
		pol = bpf_map_lookup_elem(&policy_map, &cgid);
		if (pol) {
			count_denial(cgid, 1);
			e = event_new(cgid, NBW_EV_EXEC_REFUSED, 1, &ring);
			if (e) {
				e->verdict = (pol->flags & NBW_EXEC_KILL) ? NBW_VERDICT_KILL
				                                          : NBW_VERDICT_DENY;
				bpf_probe_read_user_str(e->path, sizeof(e->path),
				                        (const char *)*ptr);
				event_submit(ring, e);
			}
		}
	}
	bpf_map_delete_elem(&exec_args, &tid);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_execve")
int exec_enter_execve(struct trace_event_raw_sys_enter *ctx)
{
	return exec_enter((const char *)ctx->args[0]);
}

SEC("tracepoint/syscalls/sys_enter_execveat")
int exec_enter_execveat(struct trace_event_raw_sys_enter *ctx)
{
	return exec_enter((const char *)ctx->args[1]);
}

SEC("tracepoint/syscalls/sys_exit_execve")
int exec_exit_execve(struct trace_event_raw_sys_exit *ctx)
{
	return exec_exit(ctx->ret);
}

SEC("tracepoint/syscalls/sys_exit_execveat")
int exec_exit_execveat(struct trace_event_raw_sys_exit *ctx)
{
	return exec_exit(ctx->ret);
}
