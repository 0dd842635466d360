/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The daemon's access policy, /etc/nbwarden/policy.conf (INI): roles that say
 * who may launch which profiles, how many at once, how often, with how much
 * CPU and IO per rolling 24 hours, and who may administer. Pure: parsing and
 * lookups only. Documented in nbwarden.policy(5).
 *
 *   [role analysts]
 *   members = alice bob @quants
 *   profiles = default python
 *   max_concurrent = 3
 *   queue_timeout = 10m
 *   launches_per_minute = 20
 *   cpu_budget = 8h
 *   io_budget = 200G
 *   on_budget_exhausted = throttle
 *   admin = no
 *
 * A caller's role is the first role, in file order, that names the user;
 * failing that, the first that names one of the user's groups. A caller in
 * no role is denied everything.
 */
#pragma once

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define POLICY_DEFAULT_PATH  "/etc/nbwarden/policy.conf"
#define POLICY_MAX_FILE_SIZE (1024 * 1024)
#define POLICY_MAX_ROLES     1024
#define POLICY_MAX_LINE      4096 /* bytes, without the newline */

/* Defaults for keys a role leaves out (nbwarden.policy(5)). */
#define POLICY_DEFAULT_MAX_CONCURRENT      3
#define POLICY_DEFAULT_QUEUE_TIMEOUT       (600ULL * 1000000ULL) /* 10 min, usec */
#define POLICY_DEFAULT_LAUNCHES_PER_MINUTE 30

enum budget_action {
	BUDGET_ACTION_DENY,     /* new launches refused; running sandboxes go on */
	BUDGET_ACTION_THROTTLE, /* new and running sandboxes throttled */
	BUDGET_ACTION_KILL,     /* running sandboxes killed, new launches refused */
	_BUDGET_ACTION_MAX,
	_BUDGET_ACTION_INVALID = -EINVAL,
};

const char *budget_action_to_string(enum budget_action a);
enum budget_action budget_action_from_string(const char *s);

struct role {
	char *name;
	unsigned line;                /* of its [role NAME] header */
	char **users;                 /* user names */
	char **groups;                /* group names, without the '@' */
	char **profiles;              /* profile names; "*" alone means every profile */
	unsigned max_concurrent;      /* >= 1 */
	uint64_t queue_timeout;       /* usec; 0: never queue, refuse at once */
	unsigned launches_per_minute; /* 0: no rate limit */
	uint64_t cpu_budget;          /* CPU usec per rolling 24h, or VALUE_MAX (none) */
	uint64_t io_budget;           /* bytes per rolling 24h, or VALUE_MAX (none) */
	enum budget_action on_budget_exhausted;
	bool admin;
};

struct policy {
	char *file; /* where it came from */
	struct role *roles;
	size_t n_roles;
};

/*
 * Load path. With strict_owner the file must be a regular file owned by root
 * and not writable by group or others. On failure *ret is untouched and
 * *ret_errors holds "FILE:LINE: message" lines (at most 20), the first one
 * being the first problem in the file.
 */
int policy_load(const char *path, bool strict_owner, struct policy **ret, char ***ret_errors);
int policy_load_string(const char *text, const char *file, struct policy **ret, char ***ret_errors);
void policy_free(struct policy *p);

/* The caller's role (see above), or NULL. groups: the names of its groups. */
const struct role *policy_find_role(const struct policy *p, const char *user, char *const *groups);
bool role_allows_profile(const struct role *r, const char *profile);

/* The effective policy, defaults filled in, as a file that loads back to the same. */
int policy_print(const struct policy *p, FILE *f);
