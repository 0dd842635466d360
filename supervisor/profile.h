/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Profiles: INI files (libinih) describing what a sandbox may execute, read,
 * write, reach and consume. Loading is pure apart from reading the files:
 * it never looks at the paths a profile names. Every error carries
 * "FILE:LINE: message". The format is documented in nbwarden.profile(5).
 */
#pragma once

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "netrule.h"

#define PROFILE_MAX_FILE_SIZE     1048576 /* 1 MiB */
#define PROFILE_MAX_LINE          4096
#define PROFILE_MAX_LIST          4096
#define PROFILE_MAX_INCLUDE_DEPTH 8

struct item {
	char *value;
	struct origin origin;
};

struct list {
	struct item *items;
	size_t n;
};

struct tmpfs_mount {
	char *path; /* canonical, absolute, may start with "~" */
	uint64_t size;
	uint32_t mode;
	struct origin origin;
};

enum environment_kind {
	ENVIRONMENT_PRODUCTION,
	ENVIRONMENT_DEVELOPMENT,
	_ENVIRONMENT_MAX,
	_ENVIRONMENT_INVALID = -EINVAL,
};

enum net_mode {
	NET_MODE_NONE,
	NET_MODE_HOST,
	_NET_MODE_MAX,
	_NET_MODE_INVALID = -EINVAL,
};

enum net_bind {
	NET_BIND_LOOPBACK,
	NET_BIND_ANY,
	NET_BIND_NONE,
	_NET_BIND_MAX,
	_NET_BIND_INVALID = -EINVAL,
};

enum syscall_action {
	SYSCALL_ACTION_ERRNO,
	SYSCALL_ACTION_KILL,
	_SYSCALL_ACTION_MAX,
	_SYSCALL_ACTION_INVALID = -EINVAL,
};

enum log_scope {
	LOG_DENIED, /* events for what was refused */
	LOG_ALL,    /* and for what was allowed */
	_LOG_SCOPE_MAX,
	_LOG_SCOPE_INVALID = -EINVAL,
};

enum violation_action {
	VIOLATION_DENY, /* refuse the call (an exec: kill that process) */
	VIOLATION_KILL, /* and end the whole sandbox */
	_VIOLATION_MAX,
	_VIOLATION_INVALID = -EINVAL,
};

enum limits_enforce {
	LIMITS_ENFORCE_STRICT,
	LIMITS_ENFORCE_BEST_EFFORT,
	_LIMITS_ENFORCE_MAX,
	_LIMITS_ENFORCE_INVALID = -EINVAL,
};

/* Scalar keys, in the order "profile show" prints them. */
enum profile_key {
	PKEY_DESCRIPTION,
	PKEY_ENVIRONMENT,
	PKEY_USER,
	PKEY_ALLOW_ROOT,
	PKEY_EXEC_LOG,
	PKEY_NET_MODE,
	PKEY_NET_BIND,
	PKEY_NET_LOG,
	PKEY_SYSCALL_ACTION,
	PKEY_MEMORY,
	PKEY_MEMORY_HIGH,
	PKEY_SWAP,
	PKEY_CPUS,
	PKEY_PIDS,
	PKEY_IO_READ,
	PKEY_IO_WRITE,
	PKEY_IO_DEVICE,
	PKEY_WALL_TIME,
	PKEY_CPU_TIME,
	PKEY_IO_BYTES,
	PKEY_RUNAWAY,
	PKEY_NOFILE,
	PKEY_ENFORCE,
	PKEY_VIOLATION_EXEC,
	PKEY_VIOLATION_NET,
	PKEY_RELAUNCH_STRIKES,
	PKEY_RELAUNCH_COOLDOWN,
	PKEY_JUPYTER_CONNECTION_FILE,
	_PKEY_MAX,
};

struct profile_limits {
	uint64_t memory;      /* bytes or VALUE_MAX */
	uint64_t memory_high; /* bytes or VALUE_MAX */
	uint64_t swap;        /* bytes or VALUE_MAX */
	uint32_t cpus_milli;  /* 1500 == 1.5 CPUs */
	uint64_t pids;        /* count or VALUE_MAX */
	uint64_t io_read;     /* bytes/s or VALUE_MAX */
	uint64_t io_write;    /* bytes/s or VALUE_MAX */
	char *io_device;      /* block device; NULL: the one holding "/" */
	uint64_t wall_time;   /* usec or VALUE_MAX */
	uint64_t cpu_time;    /* usec of CPU, the whole sandbox, or VALUE_MAX */
	uint64_t io_bytes;    /* bytes read + written, or VALUE_MAX */
	uint64_t runaway;     /* usec continuously busy on a CPU, or VALUE_MAX */
	uint64_t nofile;      /* RLIMIT_NOFILE */
	enum limits_enforce enforce;
};

struct profile {
	char *name;   /* name or path it was loaded as */
	char **files; /* every file read, outermost first; origins point here */

	/* scalars: origin[k].line == 0 means "default" */
	struct origin origin[_PKEY_MAX];
	char *description;
	enum environment_kind environment;
	char *user;
	bool allow_root;

	struct list exec_allow;
	enum log_scope exec_log;

	struct list read_only;
	struct list hide;
	struct list writable;
	struct tmpfs_mount *tmpfs;
	size_t n_tmpfs;

	enum net_mode net_mode;
	enum net_bind net_bind;
	enum log_scope net_log;
	struct net_rule *net_allow;
	size_t n_net_allow;

	struct list syscall_deny;
	enum syscall_action syscall_action;

	struct profile_limits limits;

	struct list env_keep;
	struct list env_set; /* "NAME=value" */

	struct list debug_deny_env;
	struct list debug_deny_args;

	enum violation_action violation_exec;
	enum violation_action violation_net;
	uint64_t relaunch_strikes; /* policy kills in a row before relaunches wait; VALUE_MAX: never
	                            */
	uint64_t relaunch_cooldown; /* usec */

	char *jupyter_connection_file; /* the option naming it ("-f"), or NULL */
};

struct profile_search {
	const char *const *dirs; /* NULL-terminated, searched in order */
};

/* The built-in search path: /etc/nbwarden/profiles, the data dir, the source tree. */
const struct profile_search *profile_search_default(void);

enum profile_load_flags {
	/* Refuse files not owned by root or writable by group/others (for "run"). */
	PROFILE_LOAD_STRICT_OWNER = 1 << 0,
};

/*
 * Load a profile by name ("analyst") or path (anything with a '/'). On
 * failure *ret_errors holds one string per problem: "FILE:LINE: message", or
 * "FILE: message" for a file as a whole (an included file's whole-file
 * problems are reported at its include line), and
 * the return value is negative: -EINVAL for bad content, -ENOENT when the
 * profile is not found, other -errno for I/O failures.
 */
/*
 * Add one "[network] allow" rule that is not the admin's (a Jupyter kernel's
 * own ports): origin names where it came from. -EINVAL if it does not parse.
 */
int profile_add_net_rule(struct profile *p, const char *rule, const char *origin);
int profile_load(const char *name_or_path, const struct profile_search *search, unsigned flags,
                 struct profile **ret, char ***ret_errors);

/* Parse text as if it were the file "filename" (for tests and stdin). */
int profile_load_string(const char *text, const char *filename, const struct profile_search *search,
                        struct profile **ret, char ***ret_errors);

void profile_free(struct profile *p);

/* Print the effective profile in the same INI syntax it was read from. */
int profile_print(const struct profile *p, FILE *f);

const char *environment_kind_to_string(enum environment_kind k);
const char *net_mode_to_string(enum net_mode m);
const char *net_bind_to_string(enum net_bind b);
const char *syscall_action_to_string(enum syscall_action a);
const char *limits_enforce_to_string(enum limits_enforce e);
const char *log_scope_to_string(enum log_scope s);
const char *violation_action_to_string(enum violation_action a);

/* Parse "PATH size=SIZE [mode=OCTAL]"; pure, exported for unit tests. */
int tmpfs_parse(const char *value, struct tmpfs_mount *ret, char **ret_error);

/* Split a list value into words; double quotes group, backslash escapes. */
int profile_split_words(const char *value, char ***ret);
