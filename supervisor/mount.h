/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The sandbox's filesystem view. Compiled from the profile into a sorted list
 * of operations (pure), then applied in the child inside its new mount
 * namespace with the fd-based mount API (open_tree, move_mount,
 * mount_setattr, fsopen), so that no path is followed through a symlink:
 *
 *   1. make every inherited mount private (nothing propagates to the host);
 *   2. clone the whole tree, mark it read-only, nosuid, nodev, stack it on /;
 *   3. fresh /proc (sandbox pids only, sensitive files masked), read-only
 *      /sys with a cgroup2 view of the sandbox's own cgroup, a minimal /dev;
 *   4. the profile's operations, parents before children: hide (empty
 *      read-only tmpfs, or an unopenable node for files), tmpfs (private,
 *      size-capped, noexec), writable binds (noexec), read_only re-binds,
 *      files the supervisor wrote (in a private tmpfs on their directory);
 *   5. pivot_root into the new tree and detach the old one.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>
#include <sys/types.h>

#include "profile.h"

enum mount_op_type {
	MOUNT_OP_HIDE,
	MOUNT_OP_TMPFS,
	MOUNT_OP_BIND_RW,
	MOUNT_OP_BIND_RO,
	MOUNT_OP_FILE,
	_MOUNT_OP_MAX,
	_MOUNT_OP_INVALID = -EINVAL,
};

struct mount_op {
	enum mount_op_type type;
	char *target;  /* absolute, canonical, inside the sandbox */
	uint64_t size; /* tmpfs */
	uint32_t mode; /* tmpfs */
	int source_fd; /* BIND_RW: detached mount from open_tree() in the parent, or -1 */
	struct origin origin;
	/* FILE: a private directory (or the tmpfs at target) with the file name holding data */
	char *name;
	bool into_tmpfs;
	char *data;
	size_t data_len;
	uid_t uid;
	gid_t gid;
};

struct mount_plan {
	struct mount_op *ops;
	size_t n_ops;
};

/*
 * Build the operations from the profile, expanding "~" to home (canonical,
 * absolute). Sorted so that a mount point's parents are mounted first.
 */
int mount_plan_compile(const struct profile *p, const char *home, struct mount_plan *ret,
                       char **ret_error);
void mount_plan_done(struct mount_plan *m);

const char *mount_op_type_to_string(enum mount_op_type t);

/*
 * Add a file the supervisor wrote (a copy of a Jupyter connection file), at
 * path (absolute, canonical; not below /proc, /sys or /dev). Its directory
 * becomes a private tmpfs owned by uid:gid (mode 0700) that holds only the
 * copy (mode 0600, uid:gid), so the kernel may rewrite it, as ipykernel does,
 * without touching the host's file; if the directory is a tmpfs of the
 * profile, the copy is written into it. A missing directory is created if it
 * is below a hidden path or a tmpfs; elsewhere it must exist.
 */
int mount_plan_add_file(struct mount_plan *m, const char *path, const char *data, size_t len,
                        uid_t uid, gid_t gid, char **ret_error);

/*
 * In the parent: open every writable bind source without following
 * symlinks and clone it into a detached mount the child will attach.
 * On failure *ret_error says which path and why.
 */
int mount_plan_open_sources(struct mount_plan *m, char **ret_error);

/*
 * In the child (new mount namespace, still privileged): build and enter the
 * new root. On failure *ret_what describes the step ("mount tmpfs on /tmp").
 */
int mount_apply(const struct mount_plan *m, char *ret_what, size_t what_size);
