/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The identity a sandbox runs as: uid, gid, supplementary groups, home. */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

struct identity {
	uid_t uid;
	gid_t gid;
	gid_t *groups;
	int n_groups;
	char *name;
	char *home; /* canonical absolute path, or NULL when unusable */
};

/* Resolve a user name or numeric uid from the user database. -ESRCH if unknown. */
int identity_resolve(const char *user, struct identity *ret);
void identity_done(struct identity *id);
