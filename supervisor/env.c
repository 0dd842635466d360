// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "env.h"
#include "util.h"

static size_t name_len(const char *kv)
{
	const char *eq = strchr(kv, '=');

	return eq ? (size_t)(eq - kv) : strlen(kv);
}

/* Set "NAME=value", replacing an existing NAME. Takes ownership of kv. */
static int env_put(char ***env, char *kv)
{
	size_t n;

	if (!kv)
		return -ENOMEM;
	n = name_len(kv);
	for (char **e = *env; e && *e; e++)
		if (name_len(*e) == n && strncmp(*e, kv, n) == 0) {
			free(*e);
			*e = kv;
			return 0;
		}
	return strv_consume(env, kv);
}

static bool env_has(char *const *env, const char *name)
{
	size_t n = strlen(name);

	for (; env && *env; env++)
		if (name_len(*env) == n && strncmp(*env, name, n) == 0)
			return true;
	return false;
}

static bool matches_any(const struct list *patterns, const char *name)
{
	for (size_t i = 0; i < patterns->n; i++)
		if (fnmatch(patterns->items[i].value, name, 0) == 0)
			return true;
	return false;
}

static char *kv(const char *name, const char *value)
{
	char *s;

	return asprintf(&s, "%s=%s", name, value) < 0 ? NULL : s;
}

int env_build(char *const *caller_env, const struct profile *p, const struct identity *id,
              char *const *cli_env, char ***ret)
{
	char **env = calloc(1, sizeof(char *));
	int r = 0;

	if (!env)
		return -ENOMEM;
	for (char *const *e = caller_env; e && *e && r >= 0; e++) {
		_cleanup_free_ char *name = NULL;
		size_t n = name_len(*e);

		if (n == 0 || !strchr(*e, '='))
			continue;
		name = strndup(*e, n);
		if (!name)
			r = -ENOMEM;
		else if (matches_any(&p->env_keep, name))
			r = env_put(&env, strdup(*e));
	}
	/* who the command is: never taken from the caller */
	if (r >= 0)
		r = env_put(&env, kv("HOME", id->home ? id->home : "/"));
	if (r >= 0)
		r = env_put(&env, kv("USER", id->name));
	if (r >= 0)
		r = env_put(&env, kv("LOGNAME", id->name));
	if (r >= 0 && !env_has(env, "PATH"))
		r = env_put(&env, kv("PATH", ENV_DEFAULT_PATH));
	for (size_t i = 0; i < p->env_set.n && r >= 0; i++)
		r = env_put(&env, strdup(p->env_set.items[i].value));
	for (char *const *e = cli_env; e && *e && r >= 0; e++)
		r = env_put(&env, strdup(*e));
	if (r < 0) {
		strv_free(env);
		return r;
	}
	*ret = env;
	return 0;
}

bool env_args_match(const char *pattern, char *const *argv)
{
	char **words = strv_split_ws(pattern);
	size_t k = strv_length(words), n = strv_length(argv);
	bool found = false;

	if (!words || k == 0)
		goto out;
	for (size_t i = 0; i < n && !found; i++) {
		size_t j;

		/* "--debug" also catches "--debug=1"; "--host 0.0.0.0" also "--host=0.0.0.0" */
		if (k <= 2) {
			char joined[512];
			const char *eq = strchr(argv[i], '=');

			if (k == 1 && eq) {
				snprintf(joined, sizeof(joined), "%.*s", (int)(eq - argv[i]),
				         argv[i]);
				if (fnmatch(words[0], joined, 0) == 0) {
					found = true;
					break;
				}
			}
			if (k == 2) {
				snprintf(joined, sizeof(joined), "%s=%s", words[0], words[1]);
				if (fnmatch(joined, argv[i], 0) == 0) {
					found = true;
					break;
				}
			}
		}
		for (j = 0; j < k && i + j < n; j++)
			if (fnmatch(words[j], argv[i + j], 0) != 0)
				break;
		found = j == k;
	}
out:
	strv_free(words);
	return found;
}

int env_check_debug(const struct profile *p, char *const *envp, char *const *argv, char **ret_error)
{
	*ret_error = NULL;
	if (p->environment != ENVIRONMENT_PRODUCTION)
		return 0;
	for (char *const *e = envp; e && *e; e++) {
		_cleanup_free_ char *name = strndup(*e, name_len(*e));

		if (!name)
			return -ENOMEM;
		for (size_t i = 0; i < p->debug_deny_env.n; i++)
			if (fnmatch(p->debug_deny_env.items[i].value, name, 0) == 0) {
				const struct item *it = &p->debug_deny_env.items[i];

				if (asprintf(
					    ret_error,
					    "debug setting refused in a production profile: "
					    "environment variable %s matches deny_env '%s' (%s:%u)",
					    name, it->value, it->origin.file, it->origin.line) < 0)
					*ret_error = NULL;
				return -EPERM;
			}
	}
	for (size_t i = 0; i < p->debug_deny_args.n; i++) {
		const struct item *it = &p->debug_deny_args.items[i];

		/* argv[0] is the program, not a switch */
		if (argv && argv[0] && env_args_match(it->value, argv + 1)) {
			if (asprintf(ret_error,
			             "debug setting refused in a production profile: arguments "
			             "match deny_args '%s' (%s:%u)",
			             it->value, it->origin.file, it->origin.line) < 0)
				*ret_error = NULL;
			return -EPERM;
		}
	}
	return 0;
}
