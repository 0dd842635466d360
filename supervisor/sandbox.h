/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The launch plan and the sandbox side of a launch: the first process in
 * the sandbox applies the plan in one fixed order (sandbox_child), becomes
 * the sandbox's PID 1 (a minimal init) and forks the command.
 *
 * The child reports to the supervisor over a SOCK_SEQPACKET socket, one
 * struct sandbox_msg per datagram.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "landlock.h"
#include "mount.h"
#include "profile.h"
#include "seccomp.h"
#include "user.h"

struct sandbox_plan {
	struct profile *profile;
	char *id;
	struct identity ident;
	char **argv;
	char **envp;
	char *cwd;        /* --cwd: must exist inside, or NULL */
	char *caller_cwd; /* tried first when cwd is NULL, then home, then / */
	bool private_net;
	char hostname[64];
	char strikes_name[17]; /* this kernel's relaunch strikes (strikes.h) */
	bool relaunch_refused; /* refused: too many policy kills in a row, too recently */
	/*
	 * The refusal is about what the caller asked for (the connection file it
	 * named, its kernel's relaunch cooldown): through the daemon the client is
	 * told the reason, not only the operator's log.
	 */
	bool refusal_for_caller;
	struct mount_plan mounts;
	struct landlock_plan landlock;
	struct seccomp_program seccomp;
	uint64_t nofile;
	int stdio[3]; /* daemon mode: the client's stdin/out/err for the command; -1: ours */
};

void sandbox_plan_done(struct sandbox_plan *p);

enum sandbox_msg_type {
	SANDBOX_MSG_SETUP_FAILED = 1, /* error, what */
	SANDBOX_MSG_LISTENER,         /* seccomp listener fd attached (SCM_RIGHTS) */
	SANDBOX_MSG_STARTED,     /* value: command pid (in the sandbox); answered with 1 byte */
	SANDBOX_MSG_EXEC_FAILED, /* error, what: command */
	SANDBOX_MSG_EXITED,      /* value: the command's wait status */
};

struct sandbox_msg {
	uint32_t type;
	int32_t error; /* positive errno */
	int32_t value;
	char what[244];
};

/*
 * The one message the supervisor sends the sandbox: everything it prepared
 * while the sandbox built its mounts (loopback up, supplementary groups).
 * The sandbox waits for it before changing identity; error != 0 aborts.
 */
/*
 * How long a sandbox outlives a supervisor that died without tearing it down
 * (SIGKILL, crash): init sends the command SIGTERM at once, and ends the
 * sandbox when it exits or this has passed.
 */
#define SANDBOX_ORPHAN_GRACE_MS 2000

#define SANDBOX_MAX_GROUPS 4096

struct sandbox_go {
	int32_t error; /* positive errno of what failed, or 0 */
	uint32_t n_groups;
	uint32_t groups[SANDBOX_MAX_GROUPS];
};

/* Steps of the documented order; named in SETUP_FAILED messages. */
enum sandbox_step {
	STEP_NAMESPACES,
	STEP_MOUNTS,
	STEP_RLIMITS,
	STEP_IDENTITY,
	STEP_CAPABILITIES,
	STEP_NO_NEW_PRIVS,
	STEP_LANDLOCK,
	STEP_SESSION,
	STEP_SECCOMP,
	STEP_COMMAND,
	_STEP_MAX,
};

const char *sandbox_step_to_string(enum sandbox_step s);

/* Runs in the child of clone3(). Never returns. */
_Noreturn void sandbox_child(const struct sandbox_plan *plan, int sock);

/* Exit code for a failed exec errno: 127 for "not found", 126 otherwise. */
int sandbox_exec_exit_code(int error);
