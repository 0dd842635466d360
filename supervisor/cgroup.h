/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cgroup v2: find the hierarchy, create one leaf per sandbox under a parent,
 * write the profile's limits, kill and remove the leaf.
 *
 * The hierarchy is found from /proc/self/mountinfo (the first cgroup2
 * mount), never assumed: on hybrid hosts it is /sys/fs/cgroup/unified and
 * usually has no memory/cpu/pids/io controllers; on pure v2 hosts it is
 * /sys/fs/cgroup. The default parent is "nbwarden" below the mount point.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "profile.h"

#define CGROUP_DEFAULT_PARENT "nbwarden"

enum cgroup_controller {
	CGROUP_CONTROLLER_MEMORY,
	CGROUP_CONTROLLER_CPU,
	CGROUP_CONTROLLER_PIDS,
	CGROUP_CONTROLLER_IO,
	_CGROUP_CONTROLLER_MAX,
	_CGROUP_CONTROLLER_INVALID = -EINVAL,
};

const char *cgroup_controller_to_string(enum cgroup_controller c);

/* One interface file write, compiled from the profile. */
struct cgroup_setting {
	enum cgroup_controller controller;
	const char *file;  /* "memory.max", or NULL: only the controller is needed */
	char value[96];    /* "2147483648", "150000 100000", "254:0 wbps=10485760" */
	const char *limit; /* the profile key it came from, for messages */
};

struct cgroup_settings {
	struct cgroup_setting items[10];
	unsigned n;
};

/*
 * Compile the profile's [limits] into interface file writes (pure).
 * io_devnum is the "MAJ:MIN" of the IO device, or NULL if there are no IO limits.
 */
int cgroup_settings_compile(const struct profile_limits *l, const char *io_devnum,
                            struct cgroup_settings *ret);

/* Parse mountinfo text for the first cgroup2 mount point (pure). */
int cgroup_find_mount_in(const char *mountinfo, char **ret);
int cgroup_find_mount(char **ret);

/* "nbwarden", "/nbwarden/test" -> canonical relative path; rejects "..", "." and odd names. */
int cgroup_parent_canonicalize(const char *s, char **ret);
/* Sandbox ids name the leaf: [A-Za-z0-9_-], 1..64 characters. */
bool cgroup_id_is_valid(const char *id);
/* A fresh random id, "nbw-" and 12 hex digits. */
int cgroup_id_generate(char **ret);

struct cgroup {
	char *mount;  /* cgroup2 mount point */
	char *parent; /* absolute path of the parent directory */
	char *path;   /* absolute path of the leaf */
	int fd;       /* O_DIRECTORY fd of the leaf */
	uint64_t id;  /* cgroup id (inode number), for BPF maps and events */
};

/*
 * Create the leaf, enabling what the settings need in the parent and
 * writing them. A controller the host's hierarchy lacks is fatal under
 * enforce = strict; under best-effort the setting is skipped and described
 * in *ret_skipped (one line each). Any other failure removes the leaf again.
 */
int cgroup_create(const char *mount, const char *parent_rel, const char *id,
                  const struct cgroup_settings *s, enum limits_enforce enforce, struct cgroup **ret,
                  char ***ret_skipped, char **ret_error);

/* Kill everything in the leaf (cgroup.kill) and wait until it is empty. */
int cgroup_kill(struct cgroup *cg, unsigned timeout_ms);
/* Kill, wait, remove the leaf and free. NULL-safe. */
int cgroup_destroy(struct cgroup *cg);
void cgroup_free(struct cgroup *cg);

/* Open an existing leaf (the daemon's view of a sandbox it did not create itself). */
int cgroup_open(const char *mount, const char *parent_rel, const char *id, struct cgroup **ret);
/* Write one interface file of the leaf. */
int cgroup_write(const struct cgroup *cg, const char *file, const char *value);

/* Read a "key value" line from a flat-keyed file such as cpu.stat. */
int cgroup_read_keyed(const struct cgroup *cg, const char *file, const char *key, uint64_t *ret);
/* Bytes read and written on every device, from io.stat (needs the io controller). */
int cgroup_read_io(const struct cgroup *cg, uint64_t *ret_read, uint64_t *ret_written);
/*
 * Microseconds in which some process of the leaf was runnable but had no CPU
 * ("some total" of cpu.pressure; -ENOENT without PSI).
 */
int cgroup_read_cpu_stall(const struct cgroup *cg, uint64_t *ret);

/* Read a single-number file such as memory.peak. */
int cgroup_read_u64(const struct cgroup *cg, const char *file, uint64_t *ret);
