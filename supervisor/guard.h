/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The eBPF layer (bpf/guard.bpf.c), user-space side: load, pin and attach the
 * programs once, then per sandbox a handful of map updates.
 *
 * Everything lives under /sys/fs/bpf/nbwarden/<tag>, <tag> naming the build of
 * the programs, so that a new nbwarden never mixes its maps with an older
 * one's: maps/ and progs/ (the loaded object), links/global/ (the exec
 * tracing programs), links/<cgroup id>/ (the cgroup hooks, attached to a
 * sandboxes' parent cgroup), ready (set up completely) and users/ (locked
 * shared by every supervisor of the build while it runs). Pins keep the
 * programs enforcing after nbwarden exits or is killed; the next nbwarden
 * reuses them instead of attaching again.
 *
 * The compile step (guard_plan_*) is pure: it turns resolved network rules
 * and exec inodes into map entries.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>

#include "../bpf/guard.h"
#include "profile.h"

#define GUARD_PIN_ROOT "/sys/fs/bpf/nbwarden"

/* A network rule with its address resolved (hostname rules yield one per address). */
struct guard_net_rule {
	uint8_t addr[16]; /* IPv4 as ::ffff:a.b.c.d */
	uint8_t prefix;   /* 0..128 */
	uint8_t protos;   /* NBW_PROTO_* */
	uint16_t port_lo, port_hi;
};

struct guard_exec_entry {
	uint32_t dev; /* kernel encoding: major << 20 | minor */
	uint64_t ino;
	uint8_t kind; /* NBW_EXEC_* */
};

struct guard_plan {
	struct nbw_policy policy;
	struct nbw_trie_key *trie_keys;
	struct nbw_trie_value *trie_values;
	size_t n_trie;
	struct guard_exec_entry *exec;
	size_t n_exec;
};

/*
 * Compile the allow-list into trie entries for cgroup cgid. Every entry
 * carries the port ranges of all rules whose prefix contains it, because a
 * longest-prefix lookup only ever sees the most specific match. Fails with
 * -E2BIG (and *ret_error) when more than NBW_PORT_RANGES ranges apply at one
 * prefix after merging.
 */
int guard_plan_net(struct guard_plan *p, uint64_t cgid, const struct guard_net_rule *rules,
                   size_t n, char **ret_error);
int guard_plan_add_exec(struct guard_plan *p, uint32_t dev, uint64_t ino, uint8_t kind);
void guard_plan_done(struct guard_plan *p);

/* Profile settings to policy flags (pure). */
struct nbw_policy guard_policy_from_profile(const struct profile *p);

/*
 * The profile's [network] allow rules with hostnames resolved (getaddrinfo,
 * now: see nbwarden.profile(5) on DNS changes). A name that does not resolve
 * grants nothing and is reported in *ret_unresolved (one line per name).
 */
int guard_resolve_rules(const struct profile *p, struct guard_net_rule **ret, size_t *ret_n,
                        char ***ret_unresolved);

/*
 * The [exec] allow set by device and inode: files, directories, and the ELF
 * interpreters the allowed files name (PT_INTERP), which may then only be
 * loaded as interpreters, never run directly ("ld.so /bin/sh").
 * Missing entries are skipped (they grant nothing).
 */
int guard_plan_exec(struct guard_plan *p, const struct list *allow, char **ret_error);

struct guard;

/*
 * Make sure the programs are loaded, pinned and attached to the cgroup at
 * parent_fd (whose id is parent_id); open the maps. Mounts bpffs and tracefs
 * when they are missing. Serialised with other nbwardens by a lock.
 */
int guard_open(int parent_fd, uint64_t parent_id, struct guard **ret, char **ret_error);
void guard_close(struct guard *g);

/* Is the kill of a denied connection done in the hook itself (kernel >= 6.16)? */
bool guard_kills_in_hook(const struct guard *g);

/*
 * Install a sandbox's entries (before it starts) and create its event ring;
 * *ret_ring_fd is the ring's map fd, for guard_ring_*(). Nothing is left
 * behind on failure.
 */
int guard_install(struct guard *g, uint64_t cgid, const struct guard_plan *p, int *ret_ring_fd);
/* Remove every entry of a sandbox. */
int guard_remove(struct guard *g, uint64_t cgid, const struct guard_plan *p);
int guard_read_stats(const struct guard *g, uint64_t cgid, struct nbw_stats *ret);

/*
 * Remove the entries of sandboxes whose cgroup no longer exists (their
 * supervisor was killed) and detach from parent cgroups that were removed:
 * a few syscalls per running sandbox. cgroup_mount_fd is an fd of the
 * cgroup2 mount. Returns how many went.
 */
int guard_sweep(struct guard *g, int cgroup_mount_fd);
/* Retire other builds' programs that nothing uses any more (cheap: per build). */
int guard_retire_builds(struct guard *g, int cgroup_mount_fd);

/* Detach the cgroup hooks from a parent cgroup (unpin its links). */
int guard_detach(struct guard *g, uint64_t parent_id);

/* Kernel dev_t encoding (MKDEV) from user-space major/minor. */
static inline uint32_t guard_kdev(unsigned major, unsigned minor)
{
	return (uint32_t)(major << 20 | minor);
}
