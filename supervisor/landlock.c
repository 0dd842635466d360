// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cleanup.h"
#include "landlock.h"
#include "sys.h"

#define ACCESS_FILE                                                   \
	(LANDLOCK_ACCESS_FS_EXECUTE | LANDLOCK_ACCESS_FS_WRITE_FILE | \
	 LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_TRUNCATE)

int landlock_probe_abi(void)
{
	int abi = sys_landlock_create_ruleset(NULL, 0, LANDLOCK_CREATE_RULESET_VERSION);

	if (abi < 0)
		return errno == ENOSYS || errno == EOPNOTSUPP ? -EOPNOTSUPP : -errno;
	return abi;
}

static uint64_t handled_write(int abi)
{
	uint64_t a = LANDLOCK_ACCESS_FS_WRITE_FILE | LANDLOCK_ACCESS_FS_REMOVE_DIR |
	             LANDLOCK_ACCESS_FS_REMOVE_FILE | LANDLOCK_ACCESS_FS_MAKE_CHAR |
	             LANDLOCK_ACCESS_FS_MAKE_DIR | LANDLOCK_ACCESS_FS_MAKE_REG |
	             LANDLOCK_ACCESS_FS_MAKE_SOCK | LANDLOCK_ACCESS_FS_MAKE_FIFO |
	             LANDLOCK_ACCESS_FS_MAKE_BLOCK | LANDLOCK_ACCESS_FS_MAKE_SYM;

	if (abi >= 2)
		a |= LANDLOCK_ACCESS_FS_REFER;
	if (abi >= 3)
		a |= LANDLOCK_ACCESS_FS_TRUNCATE;
	return a;
}

uint64_t landlock_write_access(int abi)
{
	/* device nodes are never created, even in writable places */
	return handled_write(abi) & ~(LANDLOCK_ACCESS_FS_MAKE_CHAR | LANDLOCK_ACCESS_FS_MAKE_BLOCK);
}

int landlock_plan_init(struct landlock_plan *p, int abi)
{
	*p = (struct landlock_plan){.abi = abi};
	if (abi < 1)
		return -EOPNOTSUPP;
	p->handled_fs = LANDLOCK_ACCESS_FS_EXECUTE | handled_write(abi);
	if (abi >= 6)
		p->scoped = LANDLOCK_SCOPE_SIGNAL | LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET;
	return 0;
}

int landlock_plan_add(struct landlock_plan *p, const char *path, uint64_t access, bool optional)
{
	struct landlock_rule *n;

	for (size_t i = 0; i < p->n_rules; i++)
		if (strcmp(p->rules[i].path, path) == 0) {
			p->rules[i].access |= access;
			p->rules[i].optional &= optional;
			return 0;
		}
	n = realloc(p->rules, (p->n_rules + 1) * sizeof(*n));
	if (!n)
		return -ENOMEM;
	p->rules = n;
	n[p->n_rules].path = strdup(path);
	if (!n[p->n_rules].path)
		return -ENOMEM;
	n[p->n_rules].access = access & p->handled_fs;
	n[p->n_rules].optional = optional;
	p->n_rules++;
	return 0;
}

void landlock_plan_done(struct landlock_plan *p)
{
	for (size_t i = 0; i < p->n_rules; i++)
		free(p->rules[i].path);
	free(p->rules);
	p->rules = NULL;
	p->n_rules = 0;
}

int landlock_apply(const struct landlock_plan *p, const char **ret_path)
{
	struct nbw_landlock_ruleset_attr attr = {
		.handled_access_fs = p->handled_fs,
		.scoped = p->scoped,
	};
	_cleanup_close_ int ruleset = -1;

	*ret_path = NULL;
	ruleset = sys_landlock_create_ruleset(&attr, sizeof(attr), 0);
	if (ruleset < 0)
		return -errno;

	for (size_t i = 0; i < p->n_rules; i++) {
		const struct landlock_rule *r = &p->rules[i];
		struct landlock_path_beneath_attr pb = {.allowed_access = r->access};
		_cleanup_close_ int fd = -1;
		struct stat st;

		fd = sys_openat2(AT_FDCWD, r->path, O_PATH | O_CLOEXEC, 0,
		                 RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS);
		if (fd < 0) {
			if (errno == ENOENT && r->optional)
				continue;
			*ret_path = r->path;
			return -errno;
		}
		if (fstat(fd, &st) < 0) {
			*ret_path = r->path;
			return -errno;
		}
		if (!S_ISDIR(st.st_mode))
			pb.allowed_access &= ACCESS_FILE;
		if (pb.allowed_access == 0)
			continue;
		pb.parent_fd = fd;
		if (sys_landlock_add_rule(ruleset, LANDLOCK_RULE_PATH_BENEATH, &pb, 0) < 0) {
			*ret_path = r->path;
			return -errno;
		}
	}
	if (sys_landlock_restrict_self(ruleset, 0) < 0)
		return -errno;
	return 0;
}
