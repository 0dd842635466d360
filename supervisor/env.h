/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The command's environment (pure): the caller's variables that match
 * [environment] keep, then HOME/USER/LOGNAME of the target user and a
 * default PATH, then [environment] set, then --env. Nothing else passes.
 */
#pragma once

#include "profile.h"
#include "user.h"

#define ENV_DEFAULT_PATH "/usr/local/bin:/usr/bin:/bin"

int env_build(char *const *caller_env, const struct profile *p, const struct identity *id,
              char *const *cli_env, char ***ret);

/*
 * For production profiles: refuse debug switches. Returns -EPERM and a
 * message naming the rule when a variable in envp matches [debug] deny_env or
 * an argument in argv matches [debug] deny_args. 0 otherwise.
 */
int env_check_debug(const struct profile *p, char *const *envp, char *const *argv,
                    char **ret_error);

/* Does argv contain the (space-separated) argument sequence in pattern? (pure) */
bool env_args_match(const char *pattern, char *const *argv);
