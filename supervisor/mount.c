// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "mount.h"
#include "sys.h"
#include "util.h"

static const char *const op_names[_MOUNT_OP_MAX] = {
	[MOUNT_OP_HIDE] = "hide",        [MOUNT_OP_TMPFS] = "tmpfs",
	[MOUNT_OP_BIND_RW] = "writable", [MOUNT_OP_BIND_RO] = "read_only",
	[MOUNT_OP_FILE] = "file",
};

const char *mount_op_type_to_string(enum mount_op_type t)
{
	return t >= 0 && t < _MOUNT_OP_MAX ? op_names[t] : NULL;
}

/* ------------------------------------------------------------------------ */
/* compile (pure) */

static int expand_home(const char *path, const char *home, char **ret)
{
	if (path[0] != '~')
		return (*ret = strdup(path)) ? 0 : -ENOMEM;
	if (!home)
		return -ENOENT;
	if (path[1] == 0)
		return (*ret = strdup(home)) ? 0 : -ENOMEM;
	if (streq(home, "/"))
		return (*ret = strdup(path + 1)) ? 0 : -ENOMEM;
	return asprintf(ret, "%s%s", home, path + 1) < 0 ? -ENOMEM : 0;
}

static int plan_add(struct mount_plan *m, enum mount_op_type type, const char *path,
                    const char *home, uint64_t size, uint32_t mode, struct origin origin,
                    char **ret_error)
{
	struct mount_op *n;
	char *target = NULL;
	int r;

	r = expand_home(path, home, &target);
	if (r == -ENOENT) {
		if (asprintf(ret_error, "%s:%u: %s '%s' uses ~ but the user has no usable home",
		             origin.file, origin.line, op_names[type], path) < 0)
			*ret_error = NULL;
		return -EINVAL;
	}
	if (r < 0)
		return r;
	if (type == MOUNT_OP_BIND_RO && streq(target, "/")) {
		free(target); /* the root is always read-only */
		return 0;
	}
	for (size_t i = 0; i < m->n_ops; i++)
		if (streq(m->ops[i].target, target)) {
			if (asprintf(ret_error, "%s:%u: %s '%s' names the same place as %s (%s:%u)",
			             origin.file, origin.line, op_names[type], target,
			             op_names[m->ops[i].type], m->ops[i].origin.file,
			             m->ops[i].origin.line) < 0)
				*ret_error = NULL;
			free(target);
			return -EINVAL;
		}
	if (path_startswith(target, "/proc") || path_startswith(target, "/sys") ||
	    streq(target, "/dev")) {
		if (asprintf(ret_error,
		             "%s:%u: %s '%s': /proc, /sys and /dev are set up by nbwarden",
		             origin.file, origin.line, op_names[type], target) < 0)
			*ret_error = NULL;
		free(target);
		return -EINVAL;
	}
	n = realloc(m->ops, (m->n_ops + 1) * sizeof(*n));
	if (!n) {
		free(target);
		return -ENOMEM;
	}
	m->ops = n;
	m->ops[m->n_ops++] = (struct mount_op){
		.type = type,
		.target = target,
		.size = size,
		.mode = mode,
		.source_fd = -1,
		.origin = origin,
	};
	return 0;
}

static int op_cmp(const void *a, const void *b)
{
	return strcmp(((const struct mount_op *)a)->target, ((const struct mount_op *)b)->target);
}

int mount_plan_compile(const struct profile *p, const char *home, struct mount_plan *ret,
                       char **ret_error)
{
	struct mount_plan m = {0};
	const struct {
		const struct list *l;
		enum mount_op_type type;
	} lists[] = {
		{&p->hide, MOUNT_OP_HIDE},
		{&p->writable, MOUNT_OP_BIND_RW},
		{&p->read_only, MOUNT_OP_BIND_RO},
	};
	int r = 0;

	*ret_error = NULL;
	for (size_t l = 0; l < ELEMENTSOF(lists) && r >= 0; l++)
		for (size_t i = 0; i < lists[l].l->n && r >= 0; i++)
			r = plan_add(&m, lists[l].type, lists[l].l->items[i].value, home, 0, 0,
			             lists[l].l->items[i].origin, ret_error);
	for (size_t i = 0; i < p->n_tmpfs && r >= 0; i++)
		r = plan_add(&m, MOUNT_OP_TMPFS, p->tmpfs[i].path, home, p->tmpfs[i].size,
		             p->tmpfs[i].mode, p->tmpfs[i].origin, ret_error);
	if (r < 0) {
		mount_plan_done(&m);
		return r;
	}
	if (m.n_ops > 0)
		qsort(m.ops, m.n_ops, sizeof(*m.ops), op_cmp);
	*ret = m;
	return 0;
}

int mount_plan_add_file(struct mount_plan *m, const char *path, const char *data, size_t len,
                        uid_t uid, gid_t gid, char **ret_error)
{
	struct origin origin = {.file = "nbwarden", .line = 0};
	_cleanup_free_ char *dir = NULL;
	const char *slash = strrchr(path, '/');
	bool into_tmpfs = false;
	struct mount_op *op;
	int r;

	*ret_error = NULL;
	if (path[0] != '/' || !slash || !slash[1])
		return -EINVAL;
	dir = slash == path ? strdup("/") : strndup(path, (size_t)(slash - path));
	if (!dir)
		return -ENOMEM;
	if (streq(dir, "/"))
		return -EINVAL; /* a tmpfs on / would hide everything */
	for (size_t i = 0; i < m->n_ops; i++)
		if (m->ops[i].type == MOUNT_OP_TMPFS && streq(m->ops[i].target, dir))
			into_tmpfs = true;
	if (into_tmpfs) {
		/* the file goes into the profile's tmpfs, which stays what it is */
		char *d = strdup(dir);

		if (!d)
			return -ENOMEM;
		op = realloc(m->ops, (m->n_ops + 1) * sizeof(*op));
		if (!op) {
			free(d);
			return -ENOMEM;
		}
		m->ops = op;
		m->ops[m->n_ops++] = (struct mount_op){
			.type = MOUNT_OP_FILE, .target = d, .source_fd = -1, .origin = origin};
	} else {
		r = plan_add(m, MOUNT_OP_FILE, dir, NULL, 0, 0700, origin, ret_error);
		if (r < 0)
			return r;
	}
	op = &m->ops[m->n_ops - 1];
	op->into_tmpfs = into_tmpfs;
	op->uid = uid;
	op->gid = gid;
	op->name = strdup(slash + 1);
	op->data = malloc(len ? len : 1);
	if (!op->name || !op->data)
		return -ENOMEM; /* freed with the plan */
	memcpy(op->data, data, len);
	op->data_len = len;
	/* stable: a file op into a tmpfs stays after that tmpfs */
	for (size_t i = m->n_ops - 1; i > 0 && op_cmp(&m->ops[i - 1], &m->ops[i]) > 0; i--) {
		struct mount_op t = m->ops[i - 1];

		m->ops[i - 1] = m->ops[i];
		m->ops[i] = t;
	}
	return 0;
}

void mount_plan_done(struct mount_plan *m)
{
	for (size_t i = 0; i < m->n_ops; i++) {
		free(m->ops[i].target);
		free(m->ops[i].name);
		free(m->ops[i].data);
		safe_close(m->ops[i].source_fd);
	}
	free(m->ops);
	m->ops = NULL;
	m->n_ops = 0;
}

static int set_attr(int mnt, uint64_t set, uint64_t clr, bool recursive)
{
	struct mount_attr attr = {.attr_set = set, .attr_clr = clr};

	if (mount_setattr(mnt, "", AT_EMPTY_PATH | (recursive ? AT_RECURSIVE : 0), &attr,
	                  sizeof(attr)) < 0)
		return -errno;
	return 0;
}

/* ------------------------------------------------------------------------ */
/* parent: bind sources */

int mount_plan_open_sources(struct mount_plan *m, char **ret_error)
{
	for (size_t i = 0; i < m->n_ops; i++) {
		struct mount_op *op = &m->ops[i];
		_cleanup_close_ int fd = -1;
		struct stat st;
		const char *why = NULL;
		int r;

		if (op->type != MOUNT_OP_BIND_RW || op->source_fd >= 0)
			continue;
		fd = sys_openat2(AT_FDCWD, op->target, O_PATH | O_CLOEXEC, 0,
		                 RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS);
		if (fd < 0) {
			r = -errno;
			why = r == -ENOENT  ? "does not exist (writable paths must exist)"
			      : r == -ELOOP ? "goes through a symlink (name the real path)"
			                    : NULL;
			goto fail;
		}
		if (fstat(fd, &st) < 0) {
			r = -errno;
			goto fail;
		}
		if (!S_ISDIR(st.st_mode) && !S_ISREG(st.st_mode)) {
			r = -EINVAL;
			why = "is neither a directory nor a regular file";
			goto fail;
		}
		op->source_fd =
			open_tree(fd, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH);
		if (op->source_fd < 0) {
			r = -errno;
			goto fail;
		}
		/* writable, but never a place to run or escalate from */
		r = set_attr(op->source_fd,
		             MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC,
		             MOUNT_ATTR_RDONLY, false);
		if (r < 0)
			goto fail;
		continue;
	fail:
		if (asprintf(ret_error, "%s:%u: writable path '%s' %s%s", op->origin.file,
		             op->origin.line, op->target,
		             why ? why : "cannot be opened: ", why ? "" : strerror(-r)) < 0)
			*ret_error = NULL;
		return r;
	}
	return 0;
}

/* ------------------------------------------------------------------------ */
/* child */

struct apply {
	int root;      /* the new tree, attached on top of / */
	int empty;     /* template for hidden directories (detached), or -1 */
	int *ro_later; /* mounts made read-only once populated */
	size_t n_ro_later;
	const char **own; /* tmpfs targets we created: mount points may be made below */
	size_t n_own;
	char *what;
	size_t what_size;
};

static int fail(struct apply *a, int r, const char *fmt, const char *arg)
{
	snprintf(a->what, a->what_size, fmt, arg);
	return r;
}

/* Open a path inside the new tree, never following a symlink. */
static int open_in_root(struct apply *a, const char *path, int flags)
{
	while (*path == '/')
		path++;
	if (!*path)
		path = ".";
	return sys_openat2(a->root, path, (uint64_t)(flags | O_CLOEXEC), 0,
	                   RESOLVE_IN_ROOT | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS);
}

static bool below_own_tmpfs(struct apply *a, const char *target)
{
	for (size_t i = 0; i < a->n_own; i++)
		if (path_startswith(target, a->own[i]) && !streq(target, a->own[i]))
			return true;
	return false;
}

/* Create a missing mount point (and its parents) inside one of our own tmpfs mounts. */
static int make_mount_point(struct apply *a, const char *target, bool directory)
{
	_cleanup_close_ int dfd = -1;
	char buf[4096];
	const char *p = target;

	if (strlen(target) >= sizeof(buf))
		return -ENAMETOOLONG;
	dfd = open_in_root(a, "/", O_PATH | O_DIRECTORY);
	if (dfd < 0)
		return -errno;
	while (*p) {
		size_t n;
		bool last;
		int next;

		p += strspn(p, "/");
		n = strcspn(p, "/");
		if (n == 0)
			break;
		memcpy(buf, p, n);
		buf[n] = 0;
		p += n;
		last = p[strspn(p, "/")] == 0;
		if (last && !directory) {
			next = openat(dfd, buf,
			              O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC | O_NOFOLLOW, 0644);
			if (next < 0 && errno == EEXIST)
				return 0;
			if (next < 0)
				return -errno;
			close(next);
			return 0;
		}
		if (mkdirat(dfd, buf, 0755) < 0 && errno != EEXIST)
			return -errno;
		next = sys_openat2(dfd, buf, O_PATH | O_DIRECTORY | O_CLOEXEC, 0,
		                   RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS);
		if (next < 0)
			return -errno;
		close(dfd);
		dfd = next;
	}
	return 0;
}

/* Attach a detached mount at target inside the new tree. */
static int attach(struct apply *a, int mnt, const char *target)
{
	_cleanup_close_ int t = -1;

	t = open_in_root(a, target, O_PATH);
	if (t < 0)
		return -errno;
	if (move_mount(mnt, "", t, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
		return -errno;
	return 0;
}

static int new_fs(const char *type, const char *const *opts, unsigned attrs)
{
	_cleanup_close_ int fs = -1;
	int m;

	fs = fsopen(type, FSOPEN_CLOEXEC);
	if (fs < 0)
		return -errno;
	for (size_t i = 0; opts && opts[i]; i += 2)
		if (fsconfig(fs, FSCONFIG_SET_STRING, opts[i], opts[i + 1], 0) < 0)
			return -errno;
	if (fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
		return -errno;
	m = fsmount(fs, FSMOUNT_CLOEXEC, attrs);
	return m < 0 ? -errno : m;
}

/* Clone the mount at an absolute path of the *old* root (for device nodes). */
static int clone_host(const char *path, uint64_t attrs)
{
	int m = open_tree(AT_FDCWD, path, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
	int r;

	if (m < 0)
		return -errno;
	r = set_attr(m, attrs, 0, false);
	if (r < 0) {
		close(m);
		return r;
	}
	return m;
}

/*
 * Clone of the shared empty, read-only tmpfs: one superblock serves every
 * hidden directory that no mount point needs to be created in. The first
 * caller gets the new mount itself (a duplicate descriptor) and attaches it:
 * before Linux 6.15, open_tree() cannot clone a mount that is not attached
 * in our namespace, so later callers clone it where the first one put it.
 */
static int clone_empty(struct apply *a)
{
	static const char *const opts[] = {"size", "4k", "nr_inodes", "16", "mode", "0755", NULL};
	int m;

	if (a->empty < 0) {
		a->empty = new_fs("tmpfs", opts,
		                  MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV |
		                          MOUNT_ATTR_NOEXEC);
		if (a->empty < 0)
			return a->empty;
		m = fcntl(a->empty, F_DUPFD_CLOEXEC, 3);
		return m < 0 ? -errno : m;
	}
	m = open_tree(a->empty, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH);
	return m < 0 ? -errno : m;
}

/*
 * Hide a path: an empty read-only tmpfs over a directory, an unopenable node
 * over anything else. With own set, mount points for later operations will be
 * created inside it, so it gets a tmpfs of its own, read-only only at the end.
 */
static int mask(struct apply *a, const char *target, bool own)
{
	_cleanup_close_ int t = -1, m = -1;
	struct stat st;

	t = open_in_root(a, target, O_PATH);
	if (t < 0)
		return errno == ENOENT ? 0 : -errno; /* nothing there to hide */
	if (fstat(t, &st) < 0)
		return -errno;
	if (S_ISDIR(st.st_mode) && own) {
		static const char *const opts[] = {"size", "4k",   "nr_inodes", "64",
		                                   "mode", "0755", NULL};

		m = new_fs("tmpfs", opts, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC);
	} else if (S_ISDIR(st.st_mode)) {
		m = clone_empty(a);
	} else {
		/* /dev/null on a nodev mount: any open() fails with EACCES */
		m = clone_host("/dev/null", MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID |
		                                    MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC);
	}
	if (m < 0)
		return m;
	if (move_mount(m, "", t, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
		return -errno;
	if (S_ISDIR(st.st_mode) && own) {
		a->ro_later[a->n_ro_later++] = TAKE_FD(m);
		a->own[a->n_own++] = target;
	}
	return 0;
}

/* Re-bind a path onto itself read-only (recursively); a missing path is left alone. */
static int rebind_ro(struct apply *a, const char *target)
{
	_cleanup_close_ int t = -1, m = -1;
	int r;

	t = open_in_root(a, target, O_PATH);
	if (t < 0)
		return errno == ENOENT ? 0 : -errno;
	m = open_tree(t, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH | AT_RECURSIVE);
	if (m < 0)
		return -errno;
	r = set_attr(m, MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV, 0, true);
	if (r < 0)
		return r;
	if (move_mount(m, "", t, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
		return -errno;
	return 0;
}

/*
 * Replace whatever the copied tree has at /proc, /sys or /dev: detach it (and
 * everything below). Our cwd is the new root, so the relative name is inside it.
 */
static int detach_copy(const char *rel)
{
	if (umount2(rel, MNT_DETACH | UMOUNT_NOFOLLOW) < 0 && errno != EINVAL)
		return -errno;
	return 0;
}

/*
 * Mount a new instance of a kernel filesystem at target inside the new tree.
 * With ret_fd, the mount stays open for the caller (to change it later).
 */
static int mount_fresh(struct apply *a, const char *type, const char *const *opts, unsigned attrs,
                       const char *target, int *ret_fd)
{
	_cleanup_close_ int m = -1;
	char what[64];
	int r;

	snprintf(what, sizeof(what), "mount %s on %%s", type);
	m = new_fs(type, opts, attrs);
	if (m < 0)
		return fail(a, m, what, target);
	r = attach(a, m, target);
	if (r < 0)
		return fail(a, r, what, target);
	if (ret_fd)
		*ret_fd = TAKE_FD(m);
	return 0;
}

static int mask_all(struct apply *a, const char *const *paths, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		int r = mask(a, paths[i], false);

		if (r < 0)
			return fail(a, r, "mask %s", paths[i]);
	}
	return 0;
}

static int setup_proc(struct apply *a)
{
	static const char *const ro[] = {"/proc/sys", "/proc/sysrq-trigger", "/proc/irq",
	                                 "/proc/bus", "/proc/fs"};
	/*
	 * Readable without privileges and telling about the host. (kcore,
	 * kallsyms and kpage* need capabilities a sandbox never has, even as
	 * uid 0: no need to mask them.)
	 */
	static const char *const masked[] = {
		"/proc/keys", "/proc/timer_list", "/proc/sched_debug", "/proc/latency_stats",
		"/proc/acpi", "/proc/scsi",       "/proc/asound"};
	int r;

	r = detach_copy("proc");
	if (r < 0)
		return fail(a, r, "detach the host's %s", "/proc");
	r = mount_fresh(a, "proc", NULL, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC,
	                "/proc", NULL);
	if (r < 0)
		return r;
	for (size_t i = 0; i < ELEMENTSOF(ro); i++) {
		r = rebind_ro(a, ro[i]);
		if (r < 0)
			return fail(a, r, "make %s read-only", ro[i]);
	}
	return mask_all(a, masked, ELEMENTSOF(masked));
}

static int setup_sys(struct apply *a)
{
	/*
	 * Firmware tables and RAPL energy counters (a power side channel). A
	 * fresh sysfs has nothing mounted on kernel/debug or kernel/tracing.
	 */
	static const char *const masked[] = {"/sys/firmware", "/sys/devices/virtual/powercap"};
	const unsigned ro =
		MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC;
	int r;

	r = detach_copy("sys");
	if (r < 0)
		return fail(a, r, "detach the host's %s", "/sys");
	r = mount_fresh(a, "sysfs", NULL, ro, "/sys", NULL);
	/* the sandbox's own cgroup (we are in a new cgroup namespace), read-only */
	if (r >= 0)
		r = mount_fresh(a, "cgroup2", NULL, ro, "/sys/fs/cgroup", NULL);
	if (r >= 0)
		r = mask_all(a, masked, ELEMENTSOF(masked));
	return r;
}

static int setup_dev(struct apply *a)
{
	static const char *const nodes[] = {"null", "zero", "full", "random", "urandom", "tty"};
	static const char *const links[][2] = {
		{"fd", "/proc/self/fd"},       {"stdin", "/proc/self/fd/0"},
		{"stdout", "/proc/self/fd/1"}, {"stderr", "/proc/self/fd/2"},
		{"ptmx", "pts/ptmx"},
	};
	static const char *const dev_opts[] = {"size", "64k",  "nr_inodes", "128",
	                                       "mode", "0755", NULL};
	static const char *const pts_opts[] = {"ptmxmode", "0666", "mode", "0620", NULL};
	_cleanup_close_ int m = -1, d = -1;
	int r;

	r = detach_copy("dev");
	if (r < 0)
		return fail(a, r, "detach the host's %s", "/dev");
	r = mount_fresh(a, "tmpfs", dev_opts, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC, "/dev", &m);
	if (r < 0)
		return r;
	d = open_in_root(a, "/dev", O_PATH | O_DIRECTORY);
	if (d < 0)
		return fail(a, -errno, "open %s", "/dev");

	for (size_t i = 0; i < ELEMENTSOF(nodes); i++) {
		_cleanup_close_ int f = -1, n = -1;
		char host[32];

		f = openat(d, nodes[i], O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC | O_NOFOLLOW, 0666);
		if (f < 0)
			return fail(a, -errno, "create /dev/%s", nodes[i]);
		snprintf(host, sizeof(host), "/dev/%s", nodes[i]);
		n = clone_host(host, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC);
		if (n < 0)
			return fail(a, n, "clone %s", host);
		if (move_mount(n, "", d, nodes[i], MOVE_MOUNT_F_EMPTY_PATH) < 0)
			return fail(a, -errno, "bind %s", host);
	}
	for (size_t i = 0; i < ELEMENTSOF(links); i++) {
		if (symlinkat(links[i][1], d, links[i][0]) < 0)
			return fail(a, -errno, "symlink /dev/%s", links[i][0]);
	}
	if (mkdirat(d, "pts", 0755) < 0 || mkdirat(d, "shm", 01777) < 0)
		return fail(a, -errno, "create %s", "/dev/pts and /dev/shm");
	r = mount_fresh(a, "devpts", pts_opts, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC, "/dev/pts",
	                NULL);
	if (r < 0)
		return r;

	a->ro_later[a->n_ro_later++] = TAKE_FD(m);
	a->own[a->n_own++] = "/dev";
	return 0;
}

static int write_copy(int dfd, const struct mount_op *op)
{
	_cleanup_close_ int f = -1;
	int r;

	f = openat(dfd, op->name, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (f < 0)
		return -errno;
	r = write_all(f, op->data, op->data_len);
	if (r < 0)
		return r;
	if (fchown(f, op->uid, op->gid) < 0 || fchmod(f, 0600) < 0)
		return -errno;
	return 0;
}

/* A private tmpfs on the file's directory, owned by the sandbox's user, holding the copy. */
static int place_file(struct apply *a, const struct mount_op *op)
{
	char uid[16], gid[16];
	const char *opts[] = {"size", "1m", "nr_inodes", "64", "mode", "0700",
	                      "uid",  uid,  "gid",       gid,  NULL};
	_cleanup_close_ int m = -1, t = -1;
	int r;

	if (op->into_tmpfs) {
		t = open_in_root(a, op->target, O_PATH | O_DIRECTORY);
		return t < 0 ? -errno : write_copy(t, op);
	}
	snprintf(uid, sizeof(uid), "%u", (unsigned)op->uid);
	snprintf(gid, sizeof(gid), "%u", (unsigned)op->gid);
	m = new_fs("tmpfs", opts, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC);
	if (m < 0)
		return m;
	r = write_copy(m, op);
	if (r < 0)
		return r;
	t = open_in_root(a, op->target, O_PATH | O_DIRECTORY);
	if (t < 0 && errno == ENOENT && below_own_tmpfs(a, op->target)) {
		r = make_mount_point(a, op->target, true);
		if (r < 0)
			return r;
	} else if (t < 0) {
		return -errno;
	}
	return attach(a, m, op->target);
}

/* Does a later operation mount something below op i? (ops are sorted parents first) */
static bool has_children(const struct mount_plan *m, size_t i)
{
	for (size_t j = i + 1; j < m->n_ops; j++)
		if (path_startswith(m->ops[j].target, m->ops[i].target))
			return true;
	return false;
}

static int apply_op(struct apply *a, const struct mount_plan *plan, size_t i)
{
	const struct mount_op *op = &plan->ops[i];
	_cleanup_close_ int m = -1, t = -1;
	int r;

	switch (op->type) {
	case MOUNT_OP_HIDE:
		r = mask(a, op->target, has_children(plan, i));
		if (r < 0)
			return fail(a, r, "hide %s", op->target);
		return 0;

	case MOUNT_OP_BIND_RO:
		r = rebind_ro(a, op->target);
		if (r < 0)
			return fail(a, r, "make %s read-only", op->target);
		return 0;

	case MOUNT_OP_TMPFS: {
		char size[32], mode[16];
		const char *opts[] = {"size", size, "mode", mode, NULL};

		snprintf(size, sizeof(size), "%llu", (unsigned long long)op->size);
		snprintf(mode, sizeof(mode), "%o", op->mode);
		t = open_in_root(a, op->target, O_PATH | O_DIRECTORY);
		if (t < 0 && errno == ENOENT && below_own_tmpfs(a, op->target)) {
			r = make_mount_point(a, op->target, true);
			if (r < 0)
				return fail(a, r, "create mount point %s", op->target);
		} else if (t < 0) {
			return fail(a, -errno, "tmpfs mount point %s", op->target);
		}
		m = new_fs("tmpfs", opts, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC);
		if (m < 0)
			return fail(a, m, "mount tmpfs on %s", op->target);
		r = attach(a, m, op->target);
		if (r < 0)
			return fail(a, r, "attach tmpfs on %s", op->target);
		a->own[a->n_own++] = op->target;
		return 0;
	}

	case MOUNT_OP_BIND_RW: {
		struct stat st;

		if (op->source_fd < 0)
			return fail(a, -EBADF, "writable %s: source not opened", op->target);
		if (fstat(op->source_fd, &st) < 0)
			return fail(a, -errno, "stat writable source %s", op->target);
		t = open_in_root(a, op->target, O_PATH);
		if (t < 0 && errno == ENOENT && below_own_tmpfs(a, op->target)) {
			r = make_mount_point(a, op->target, S_ISDIR(st.st_mode));
			if (r < 0)
				return fail(a, r, "create mount point %s", op->target);
		} else if (t < 0) {
			return fail(a, -errno, "writable mount point %s", op->target);
		}
		r = attach(a, op->source_fd, op->target);
		if (r < 0)
			return fail(a, r, "bind writable %s", op->target);
		return 0;
	}

	case MOUNT_OP_FILE:
		r = place_file(a, op);
		if (r < 0)
			return fail(a, r, "place a copy at %s", op->target);
		return 0;

	default:
		return fail(a, -EINVAL, "unknown mount operation for %s", op->target);
	}
}

int mount_apply(const struct mount_plan *m, char *ret_what, size_t what_size)
{
	struct apply a = {.root = -1, .empty = -1, .what = ret_what, .what_size = what_size};
	_cleanup_free_ int *ro_later = NULL;
	_cleanup_free_ const char **own = NULL;
	int r;

	/* at most: every op, /dev, plus the proc and sys masks */
	ro_later = calloc(m->n_ops + 32, sizeof(int));
	own = calloc(m->n_ops + 32, sizeof(char *));
	if (!ro_later || !own)
		return fail(&a, -ENOMEM, "%s", "allocate mount state");
	a.ro_later = ro_later;
	a.own = own;

	/* 1. nothing we do may propagate back to the host */
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return fail(&a, -errno, "make %s private", "/");

	/* 2. a read-only copy of the whole tree, stacked on / */
	a.root = open_tree(AT_FDCWD, "/", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE);
	if (a.root < 0)
		return fail(&a, -errno, "clone %s", "/");
	r = set_attr(a.root, MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV, 0, true);
	if (r < 0) {
		fail(&a, r, "make %s read-only", "/");
		goto out;
	}
	if (move_mount(a.root, "", AT_FDCWD, "/", MOVE_MOUNT_F_EMPTY_PATH) < 0) {
		r = fail(&a, -errno, "attach new root on %s", "/");
		goto out;
	}
	if (fchdir(a.root) < 0) {
		r = fail(&a, -errno, "enter %s", "the new root");
		goto out;
	}

	/* 3. kernel filesystems */
	r = setup_proc(&a);
	if (r >= 0)
		r = setup_sys(&a);
	if (r >= 0)
		r = setup_dev(&a);
	if (r < 0)
		goto out;

	/* 4. the profile, parents first */
	for (size_t i = 0; i < m->n_ops; i++) {
		r = apply_op(&a, m, i);
		if (r < 0)
			goto out;
	}
	for (size_t i = 0; i < a.n_ro_later; i++) {
		r = set_attr(a.ro_later[i], MOUNT_ATTR_RDONLY, 0, false);
		if (r < 0) {
			fail(&a, r, "make %s read-only", "a hidden path");
			goto out;
		}
	}

	/* 5. switch: the old root ends up stacked on top of the new one, then detached */
	if (sys_pivot_root(".", ".") < 0) {
		r = fail(&a, -errno, "pivot_root into %s", "the new root");
		goto out;
	}
	if (umount2(".", MNT_DETACH) < 0) {
		r = fail(&a, -errno, "detach %s", "the old root");
		goto out;
	}
	if (chdir("/") < 0) {
		r = fail(&a, -errno, "chdir %s", "/");
		goto out;
	}
	r = 0;
out:
	for (size_t i = 0; i < a.n_ro_later; i++)
		close(a.ro_later[i]);
	safe_close(a.empty);
	safe_close(a.root);
	return r;
}
