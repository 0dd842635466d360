// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cleanup.h"
#include "user.h"
#include "util.h"

int identity_resolve(const char *user, struct identity *ret)
{
	struct passwd pw, *res = NULL;
	_cleanup_free_ char *buf = NULL;
	struct identity id = {0};
	long size = sysconf(_SC_GETPW_R_SIZE_MAX);
	uint64_t uid;
	int r;

	if (size <= 0)
		size = 16384;
	buf = malloc((size_t)size);
	if (!buf)
		return -ENOMEM;
	if (parse_uint64(user, &uid) == 0) {
		if (uid >= (uid_t)-1)
			return -EINVAL;
		r = getpwuid_r((uid_t)uid, &pw, buf, (size_t)size, &res);
	} else {
		r = getpwnam_r(user, &pw, buf, (size_t)size, &res);
	}
	if (r != 0)
		return -r;
	if (!res)
		return -ESRCH;

	id.uid = pw.pw_uid;
	id.gid = pw.pw_gid;
	id.name = strdup(pw.pw_name);
	if (!id.name)
		return -ENOMEM;
	/* a home that is not a clean absolute path is treated as no home at all */
	if (path_canonicalize(pw.pw_dir, &id.home) < 0)
		id.home = NULL;

	*ret = id;
	return 0;
}

int identity_resolve_groups(struct identity *id)
{
	int n = 64;

	for (;;) {
		gid_t *g = realloc(id->groups, (size_t)n * sizeof(gid_t));
		int want = n;

		if (!g)
			return -ENOMEM;
		id->groups = g;
		if (getgrouplist(id->name, id->gid, id->groups, &want) >= 0) {
			id->n_groups = want;
			return 0;
		}
		if (want <= n || want > 65536)
			return -E2BIG;
		n = want;
	}
}

void identity_done(struct identity *id)
{
	free(id->groups);
	free(id->name);
	free(id->home);
	*id = (struct identity){0};
}
