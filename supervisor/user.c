// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
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

/* In the forked child: only async-signal-safe calls; the exit status is the errno. */
static _Noreturn void read_as_child(uid_t uid, gid_t gid, const char *path, size_t max, int out)
{
	char buf[4096];
	struct stat st;
	size_t total = 0;
	int fd, r;

	if ((getuid() != uid || getgid() != gid || geteuid() != uid) &&
	    (setgroups(0, NULL) < 0 || setresgid(gid, gid, gid) < 0 ||
	     setresuid(uid, uid, uid) < 0))
		_exit(EPERM);
	/* O_NONBLOCK: a FIFO planted at the path must not hang us */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		_exit(errno);
	if (fstat(fd, &st) < 0)
		_exit(errno);
	if (!S_ISREG(st.st_mode))
		_exit(EINVAL);
	for (;;) {
		ssize_t n = read(fd, buf, sizeof(buf));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			_exit(errno);
		if (n == 0)
			break;
		total += (size_t)n;
		if (total > max)
			_exit(EFBIG);
		r = write_all(out, buf, (size_t)n);
		if (r < 0)
			_exit(-r);
	}
	_exit(0);
}

int read_file_as(uid_t uid, gid_t gid, const char *path, size_t max, char **ret, size_t *ret_len)
{
	_cleanup_free_ char *data = NULL;
	size_t len = 0;
	int p[2], status, r = 0;
	pid_t pid;

	data = malloc(max + 1);
	if (!data)
		return -ENOMEM;
	if (pipe2(p, O_CLOEXEC) < 0)
		return -errno;
	pid = fork();
	if (pid < 0) {
		r = -errno;
		close(p[0]);
		close(p[1]);
		return r;
	}
	if (pid == 0) {
		close(p[0]);
		read_as_child(uid, gid, path, max, p[1]);
	}
	close(p[1]);
	for (;;) {
		ssize_t n = read(p[0], data + len, max + 1 - len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
		if (len > max)
			break; /* the child fails with EFBIG */
	}
	close(p[0]);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	if (len > max)
		return -EFBIG; /* the child may have died of SIGPIPE meanwhile */
	if (!WIFEXITED(status))
		return -EIO;
	if (WEXITSTATUS(status) != 0)
		return -WEXITSTATUS(status);
	data[len] = 0;
	*ret = TAKE_PTR(data);
	*ret_len = len;
	return 0;
}
