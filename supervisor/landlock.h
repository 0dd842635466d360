/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Landlock: the filesystem write and execute allow-lists. Read access is not
 * handled here (the mount namespace decides what is visible at all).
 *
 * Degradation by ABI (probed, never by kernel version):
 *   none  -> fatal: the [exec] allow-list could not be enforced.
 *   1     -> no REFER: renames/links across directories are refused outright.
 *   < 3   -> no TRUNCATE right: truncate(2) is bounded by the read-only mounts only.
 *   < 6   -> no signal / abstract-socket scoping: the pid and network namespaces
 *            are then what keeps signals and abstract sockets inside.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>

struct landlock_rule {
	char *path;      /* inside the sandbox */
	uint64_t access; /* LANDLOCK_ACCESS_FS_* */
	bool optional;   /* a missing path is skipped rather than fatal */
};

struct landlock_plan {
	int abi;
	uint64_t handled_fs;
	uint64_t scoped;
	struct landlock_rule *rules;
	size_t n_rules;
};

/* Landlock ABI version, or -EOPNOTSUPP when Landlock is unavailable. */
int landlock_probe_abi(void);

/* The write rights a "writable" path receives under this ABI. */
uint64_t landlock_write_access(int abi);

int landlock_plan_init(struct landlock_plan *p, int abi);
int landlock_plan_add(struct landlock_plan *p, const char *path, uint64_t access, bool optional);
void landlock_plan_done(struct landlock_plan *p);

/*
 * In the child, after pivot_root and no_new_privs: build the ruleset from
 * the plan's paths as they appear inside the sandbox and restrict self.
 * On failure *ret_path names the path that failed, if any.
 */
int landlock_apply(const struct landlock_plan *p, const char **ret_path);
