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
};

/* Returns the exit code nbwarden should exit with. */
int run_main(const struct run_options *o);
