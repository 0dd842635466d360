/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * seccomp: named syscall groups, compilation of a profile's deny list into a
 * classic BPF program (with libseccomp, in the parent, before fork), and the
 * one-syscall load in the child.
 *
 * Denied syscalls return SECCOMP_RET_USER_NOTIF: the supervisor receives each
 * one on the listener fd, logs it, and answers EPERM (action = errno) or kills
 * the sandbox (action = kill). If the supervisor is gone the kernel answers
 * ENOSYS, so a denial never turns into an allowed call.
 */
#pragma once

#include <linux/filter.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "profile.h"

struct seccomp_program {
	struct sock_filter *insns;
	size_t n_insns;
};

/* "@group" known, or a syscall name the native ABI has. */
bool seccomp_name_is_valid(const char *name);

/*
 * Expand deny entries (groups and names) into a sorted, de-duplicated list of
 * entries: plain syscall names, plus the special rules "clone:namespaces",
 * "ioctl:TIOCSTI", "ioctl:TIOCLINUX", "personality:change", "socket:packet",
 * "socket:raw" and "socket:ping".
 */
int seccomp_expand(char *const *entries, char ***ret);

/* All group names, for documentation and tests. */
const char *const *seccomp_group_names(void);
/* Members of one group (names, special rules, or nested "@groups"), or NULL. */
const char *const *seccomp_group_members(const char *group);

/* Compile a deny list (struct list from the profile) into BPF. */
int seccomp_compile(const struct list *deny, struct seccomp_program *ret);

/*
 * The same, through a cache of compiled programs in cache_dir (which must be
 * owned by us and not writable by group or others, or the cache is not used).
 * Entries are keyed by the expanded deny list, the libseccomp version and the
 * kernel API level libseccomp detected, and store the whole key, so a hash
 * collision or a stale entry is recompiled, never used. Cache I/O failures
 * only cost the compile. *ret_hit says whether the cache answered.
 */
int seccomp_compile_cached(const struct list *deny, const char *cache_dir,
                           struct seccomp_program *ret, bool *ret_hit);
void seccomp_program_done(struct seccomp_program *p);

/*
 * In the child: load the program (no_new_privs must already be set) and
 * return the user-notification listener fd. Async-signal-safe, no allocation.
 */
int seccomp_apply(const struct seccomp_program *p, int *ret_listener);

/*
 * Describe a syscall from a notification for the event log: its name and,
 * when it is not the native ABI, the ABI ("getpid", "getpid/i386",
 * "getpid/x32"). Writes "nr:N" when the number is unknown.
 */
void seccomp_describe_syscall(uint32_t audit_arch, int nr, char *buf, size_t size);
