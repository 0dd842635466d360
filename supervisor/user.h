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

/*
 * Resolve a user name or numeric uid from the user database: uid, gid, name,
 * home. -ESRCH if unknown. Fast: the passwd lookup stops at the first source
 * that knows the user.
 */
int identity_resolve(const char *user, struct identity *ret);

/*
 * Fill in the supplementary groups. Slower: every group source configured in
 * nsswitch.conf is asked (on Debian that loads nss-systemd), so the
 * supervisor does this while the sandbox is being built.
 */
int identity_resolve_groups(struct identity *id);

void identity_done(struct identity *id);

/*
 * Read a regular file of at most max bytes with the rights of uid and gid (no
 * supplementary groups): a forked child drops to them and opens it, so a
 * privileged caller cannot be made to read what that user could not. -EFBIG
 * past max, -EINVAL if it is not a regular file, else the open's -errno.
 */
int read_file_as(uid_t uid, gid_t gid, const char *path, size_t max, char **ret, size_t *ret_len);
