/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Jupyter kernelspecs that start ipykernel through "nbwarden run": building
 * kernel.json (pure, unit-tested) and writing or removing it in a kernels
 * directory (system-wide, the caller's ~/.local/share/jupyter/kernels, or
 * PREFIX/share/jupyter/kernels). A kernelspec nbwarden wrote carries
 * metadata.nbwarden; only those are replaced or removed without asking.
 * Documented under "kernelspec" in nbwarden(8).
 */
#pragma once

#include <errno.h>
#include <stdbool.h>

#include <jansson.h>

#define KERNELSPEC_SYSTEM_DIR       "/usr/local/share/jupyter/kernels"
#define KERNELSPEC_USER_SUBDIR      ".local/share/jupyter/kernels"
#define KERNELSPEC_PREFIX_SUBDIR    "share/jupyter/kernels"
#define KERNELSPEC_FILE             "kernel.json"
#define KERNELSPEC_DEFAULT_PROFILE  "analyst"
#define KERNELSPEC_DEFAULT_PYTHON   "/usr/bin/python3"
#define KERNELSPEC_NAME_MAX         64
#define KERNELSPEC_DISPLAY_NAME_MAX 256
#define KERNELSPEC_PROFILE_NAME_MAX 64
#define KERNELSPEC_MAX_FILE_SIZE    1048576 /* a kernel.json we read back */
#define KERNELSPEC_EXIT_USAGE       2

enum kernelspec_location {
	KERNELSPEC_SYSTEM, /* KERNELSPEC_SYSTEM_DIR */
	KERNELSPEC_USER,   /* HOME/KERNELSPEC_USER_SUBDIR, HOME from the user database */
	KERNELSPEC_PREFIX, /* PREFIX/KERNELSPEC_PREFIX_SUBDIR */
	_KERNELSPEC_LOCATION_MAX,
	_KERNELSPEC_LOCATION_INVALID = -EINVAL,
};

/* What kernel.json says. socket and config may be NULL; the rest may not. */
struct kernelspec {
	const char *nbwarden;      /* absolute path of the nbwarden binary */
	const char *profile;       /* profile name or absolute path */
	const char *python;        /* absolute path of the interpreter */
	const char *socket;        /* passed as "run --socket", or NULL */
	const char *config;        /* passed as "run --config", or NULL */
	const char *cgroup_parent; /* passed as "run --cgroup-parent" (canonical), or NULL */
	const char *display_name;
};

/* Jupyter's rule (1-64 of [A-Za-z0-9._-]), but never "." or "..". */
bool kernelspec_name_is_valid(const char *name);
/* Non-empty, at most 256 bytes of UTF-8 without control characters (C0, DEL, C1). */
bool kernelspec_display_name_is_valid(const char *s);
/* A profile name (1-64 of [A-Za-z0-9_.-], not starting with '.') or an absolute path. */
bool kernelspec_profile_is_valid(const char *s);

/*
 * The profile's short name: a name as it is, a path's file name without
 * ".conf". -EINVAL if nothing is left.
 */
int kernelspec_profile_short_name(const char *profile, char **ret);
/* "nbwarden-SHORT", in lower case like every kernel name (see kernelspec_name_normalize()). */
int kernelspec_default_name(const char *profile, char **ret);
/* "Python 3 (nbwarden SHORT)". */
int kernelspec_default_display_name(const char *profile, char **ret);
/* Jupyter installs and looks kernels up in lower case: do the same. In place. */
void kernelspec_name_normalize(char *name);

/*
 * Check every field of k for kernel.json: on -EINVAL, *ret_error says
 * which and why (a usage error). Pure.
 */
int kernelspec_check(const struct kernelspec *k, char **ret_error);
/*
 * The kernel.json object: argv, display_name, language, interrupt_mode,
 * env, metadata (debugger, nbwarden.profile, nbwarden.version), in that
 * order. Checks k first (-EINVAL).
 */
int kernelspec_build(const struct kernelspec *k, json_t **ret);
/* kernelspec_build() as indented text with a final newline. */
int kernelspec_format(const struct kernelspec *k, char **ret);

/* True if spec is a kernel.json object that nbwarden wrote (metadata.nbwarden). */
bool kernelspec_is_nbwarden(const json_t *spec);
/* The same for the text of a kernel.json; text that is not JSON is not nbwarden's. */
bool kernelspec_text_is_nbwarden(const char *text, size_t len);

/*
 * The kernels directory of a location: PREFIX/share/jupyter/kernels for
 * KERNELSPEC_PREFIX (prefix: a canonical absolute path), and for
 * KERNELSPEC_USER the calling uid's home from the user database (never
 * $HOME) + .local/share/jupyter/kernels. Every failure but -ENOMEM comes
 * with *ret_error, here and below.
 */
int kernelspec_kernels_dir(enum kernelspec_location loc, const char *prefix, char **ret,
                           char **ret_error);

/*
 * Write text as KERNELS_DIR/NAME/kernel.json atomically (a temporary file in
 * that directory, fsync, rename; mode 0644), creating missing directories
 * 0755. An existing kernel.json that nbwarden did not write is refused with
 * -EEXIST unless replace. Never follows a symbolic link at NAME or
 * kernel.json. Other files in the directory are left alone.
 */
int kernelspec_write(const char *kernels_dir, const char *name, const char *text, bool replace,
                     char **ret_error);

/*
 * Remove KERNELS_DIR/NAME (its kernel.json, then the directory) if nbwarden
 * wrote it: -ENOENT when there is no kernelspec NAME, -EPERM when its
 * kernel.json is not nbwarden's, -ENOTEMPTY when the directory holds other
 * files (nothing is removed then).
 */
int kernelspec_delete(const char *kernels_dir, const char *name, char **ret_error);

/* The command: options as parsed by main(). */
struct kernelspec_options {
	const char *name;         /* NULL: kernelspec_default_name() */
	const char *display_name; /* NULL: kernelspec_default_display_name() */
	const char *profile;      /* NULL: KERNELSPEC_DEFAULT_PROFILE */
	const char *python;       /* NULL: KERNELSPEC_DEFAULT_PYTHON */
	const char *socket;
	const char *config;
	const char *cgroup_parent;
	enum kernelspec_location location;
	const char *prefix; /* for KERNELSPEC_PREFIX */
	bool replace;
};

/*
 * "nbwarden kernelspec install" and "remove": log what fails, and return the
 * exit status (0, 1, or KERNELSPEC_EXIT_USAGE).
 */
int kernelspec_install_main(const struct kernelspec_options *o);
int kernelspec_remove_main(const struct kernelspec_options *o);
