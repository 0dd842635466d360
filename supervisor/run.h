/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * "nbwarden run": prepare the launch plan (profile, identity, environment,
 * mounts, Landlock, seccomp, cgroup), spawn the sandbox and supervise it:
 * forward signals, answer denied syscalls, enforce the wall-clock limit,
 * follow the caller's death, tear down and map the outcome to an exit code.
 */
#pragma once

#include <stdbool.h>

/* Exit codes of "nbwarden run" besides the command's own status. */
#define EXIT_SETUP_FAILED 125 /* nothing ran */
#define EXIT_CANNOT_EXEC  126
#define EXIT_NOT_FOUND    127
#define EXIT_TEMPFAIL     75  /* refused for now: try again later (relaunch cooldown) */
#define EXIT_KILLED       137 /* nbwarden killed the sandbox (limit or violation) */

struct run_options {
	const char *profile; /* name or path */
	const char *user;    /* name or uid, or NULL for the profile's user */
	const char *id;      /* sandbox id, or NULL to generate one */
	const char *cgroup_parent;
	const char *cwd;
	char **env;  /* "NAME=value" from --env */
	char **argv; /* the command */
	const char *events_path;
	const char *config_path; /* nbwarden.conf, or NULL for the default (may be missing) */
	bool show_stats;         /* --stats */
	/*
	 * Daemon mode: the daemon forked us for an unprivileged client. Set by
	 * run_options_init() to "not the daemon" (-1 and NULL).
	 */
	int client_fd;           /* the client's connection: "signal" in, "started"/"exit" out;
	                            its hangup kills the sandbox */
	int stdio[3];            /* the client's stdin, stdout, stderr, for the command */
	int events_fd;           /* the client's --events file, opened by the client */
	char **caller_env;       /* the client's environment, used instead of ours */
	const char *caller_cwd;  /* the client's working directory (entered as the caller) */
	const char *exit_record; /* written at the end: code, cpu_usec, io_bytes */
	const char *profile_dir; /* searched first for profile names ([daemon] profile_dir) */
};

/* Embedded-mode defaults: no client, our own stdio, environment and directory. */
void run_options_init(struct run_options *o);

/*
 * How a daemon-mode supervisor reads SIGTERM: sigqueue()'s value says why
 * the daemon asks for the sandbox's end (a plain SIGTERM: RUN_STOP_OTHER).
 */
enum run_stop_reason {
	RUN_STOP_OTHER,
	RUN_STOP_ADMIN,      /* "nbwarden kill" */
	RUN_STOP_BUDGET_CPU, /* on_budget_exhausted = kill */
	RUN_STOP_BUDGET_IO,
	_RUN_STOP_REASON_MAX,
};

/* Returns the exit code nbwarden should exit with. */
int run_main(const struct run_options *o);
