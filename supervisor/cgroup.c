// SPDX-License-Identifier: GPL-2.0-or-later
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cgroup.h"
#include "cleanup.h"
#include "util.h"

static const char *const controller_names[_CGROUP_CONTROLLER_MAX] = {
	[CGROUP_CONTROLLER_MEMORY] = "memory",
	[CGROUP_CONTROLLER_CPU] = "cpu",
	[CGROUP_CONTROLLER_PIDS] = "pids",
	[CGROUP_CONTROLLER_IO] = "io",
};

const char *cgroup_controller_to_string(enum cgroup_controller c)
{
	return c >= 0 && c < _CGROUP_CONTROLLER_MAX ? controller_names[c] : NULL;
}

/* ------------------------------------------------------------------------ */
/* pure parts */

static void add_setting(struct cgroup_settings *s, enum cgroup_controller c, const char *file,
                        const char *limit, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

static void add_setting(struct cgroup_settings *s, enum cgroup_controller c, const char *file,
                        const char *limit, const char *fmt, ...)
{
	struct cgroup_setting *it = &s->items[s->n++];
	va_list ap;

	it->controller = c;
	it->file = file;
	it->limit = limit;
	va_start(ap, fmt);
	vsnprintf(it->value, sizeof(it->value), fmt, ap);
	va_end(ap);
}

static const char *num_or_max(uint64_t v, char buf[static 32])
{
	if (v == VALUE_MAX)
		return "max";
	snprintf(buf, 32, "%llu", (unsigned long long)v);
	return buf;
}

int cgroup_settings_compile(const struct profile_limits *l, const char *io_devnum,
                            struct cgroup_settings *ret)
{
	struct cgroup_settings s = {.n = 0};
	char a[32], b[32];

	if (l->memory != VALUE_MAX) {
		add_setting(&s, CGROUP_CONTROLLER_MEMORY, "memory.max", "memory", "%s",
		            num_or_max(l->memory, a));
		/* an OOM kill ends the whole sandbox, not one process of it */
		add_setting(&s, CGROUP_CONTROLLER_MEMORY, "memory.oom.group", "memory", "1");
	}
	if (l->memory_high != VALUE_MAX)
		add_setting(&s, CGROUP_CONTROLLER_MEMORY, "memory.high", "memory_high", "%s",
		            num_or_max(l->memory_high, a));
	if (l->swap != VALUE_MAX)
		add_setting(&s, CGROUP_CONTROLLER_MEMORY, "memory.swap.max", "swap", "%s",
		            num_or_max(l->swap, a));
	if (l->cpus_milli > 0)
		/* period 100 ms; quota in microseconds per period */
		add_setting(&s, CGROUP_CONTROLLER_CPU, "cpu.max", "cpus", "%u 100000",
		            l->cpus_milli * 100);
	if (l->pids != VALUE_MAX)
		add_setting(&s, CGROUP_CONTROLLER_PIDS, "pids.max", "pids", "%s",
		            num_or_max(l->pids, a));
	if (l->io_read != VALUE_MAX || l->io_write != VALUE_MAX) {
		if (!io_devnum)
			return -EINVAL;
		add_setting(&s, CGROUP_CONTROLLER_IO, "io.max",
		            l->io_read != VALUE_MAX ? "io_read" : "io_write", "%s rbps=%s wbps=%s",
		            io_devnum, num_or_max(l->io_read, a), num_or_max(l->io_write, b));
	}
	if (l->io_bytes != VALUE_MAX)
		/* counted from io.stat, which only the io controller provides */
		add_setting(&s, CGROUP_CONTROLLER_IO, NULL, "io_bytes", "%s", "");
	*ret = s;
	return 0;
}

static void unescape_octal(char *s)
{
	char *o = s;

	for (; *s; s++) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' &&
		    s[3] >= '0' && s[3] <= '7') {
			*o++ = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0'));
			s += 3;
		} else {
			*o++ = *s;
		}
	}
	*o = 0;
}

int cgroup_find_mount_in(const char *mountinfo, char **ret)
{
	const char *line = mountinfo;

	while (line && *line) {
		const char *end = strchr(line, '\n');
		size_t len = end ? (size_t)(end - line) : strlen(line);
		_cleanup_free_ char *copy = strndup(line, len);
		char *fields[6] = {0}, *sep, *save = NULL, *tok;
		int n = 0;

		if (!copy)
			return -ENOMEM;
		/* "ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTS [optional...] - FSTYPE SOURCE SUPER" */
		sep = strstr(copy, " - ");
		if (sep) {
			*sep = 0;
			for (tok = strtok_r(copy, " ", &save); tok && n < 6;
			     tok = strtok_r(NULL, " ", &save))
				fields[n++] = tok;
			tok = strtok_r(sep + 3, " ", &save);
			if (n >= 5 && tok && streq(tok, "cgroup2")) {
				unescape_octal(fields[4]);
				*ret = strdup(fields[4]);
				return *ret ? 0 : -ENOMEM;
			}
		}
		line = end ? end + 1 : NULL;
	}
	return -ENOENT;
}

int cgroup_find_mount(char **ret)
{
	_cleanup_fclose_ FILE *f = NULL;
	_cleanup_free_ char *text = NULL;
	size_t size = 0;

	f = fopen("/proc/self/mountinfo", "re");
	if (!f)
		return -errno;
	if (getdelim(&text, &size, 0, f) < 0)
		return feof(f) ? -ENOENT : -errno;
	return cgroup_find_mount_in(text, ret);
}

static bool name_char_ok(char c)
{
	return isalnum((unsigned char)c) || c == '_' || c == '-';
}

bool cgroup_id_is_valid(const char *id)
{
	size_t n = strlen(id);

	if (n == 0 || n > 64)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!name_char_ok(id[i]))
			return false;
	return true;
}

int cgroup_id_generate(char **ret)
{
	uint8_t b[6];

	if (getrandom(b, sizeof(b), 0) != sizeof(b))
		return -errno;
	if (asprintf(ret, "nbw-%02x%02x%02x%02x%02x%02x", b[0], b[1], b[2], b[3], b[4], b[5]) < 0)
		return -ENOMEM;
	return 0;
}

int cgroup_parent_canonicalize(const char *s, char **ret)
{
	_cleanup_free_ char *abs = NULL, *c = NULL;
	int r;

	if (isempty(s))
		return -EINVAL;
	if (s[0] != '/') {
		if (asprintf(&abs, "/%s", s) < 0)
			return -ENOMEM;
		s = abs;
	}
	r = path_canonicalize(s, &c);
	if (r < 0)
		return r;
	/*
	 * Components are plain names. Dots are allowed (systemd's "system.slice"),
	 * but not at the start, nor a controller's prefix: "cgroup.procs" or
	 * "memory.max" name interface files, not cgroups.
	 */
	for (const char *p = c; *p; p++)
		if (*p != '/' && !name_char_ok(*p) && *p != '.')
			return -EINVAL;
	for (const char *p = c; (p = strchr(p, '/')); p++) {
		static const char *const prefixes[] = {"cgroup.",  "memory.", "cpu.",
		                                       "cpuset.",  "io.",     "pids.",
		                                       "hugetlb.", "rdma.",   "misc."};

		if (p[1] == '.' || p[1] == 0)
			return -EINVAL;
		for (size_t i = 0; i < ELEMENTSOF(prefixes); i++)
			if (strncmp(p + 1, prefixes[i], strlen(prefixes[i])) == 0)
				return -EINVAL;
	}
	if (streq(c, "/"))
		*ret = strdup("");
	else
		*ret = strdup(c + 1);
	return *ret ? 0 : -ENOMEM;
}

/* ------------------------------------------------------------------------ */
/* filesystem side */

static int write_file_at(int dfd, const char *file, const char *value)
{
	_cleanup_close_ int fd = -1;
	size_t len = strlen(value);
	ssize_t n;

	fd = openat(dfd, file, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return -errno;
	n = write(fd, value, len);
	if (n < 0)
		return -errno;
	return (size_t)n == len ? 0 : -EIO;
}

static int read_file_at(int dfd, const char *file, char *buf, size_t size)
{
	_cleanup_close_ int fd = -1;
	ssize_t n;

	fd = openat(dfd, file, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, size - 1);
	if (n < 0)
		return -errno;
	buf[n] = 0;
	return 0;
}

static bool word_in(const char *list, const char *word)
{
	size_t n = strlen(word);

	for (const char *p = list; (p = strstr(p, word)); p += n)
		if ((p == list || isspace((unsigned char)p[-1])) &&
		    (p[n] == 0 || isspace((unsigned char)p[n])))
			return true;
	return false;
}

/* mkdir -p below the mount point, one component at a time, never through a symlink. */
static int open_parent(const char *mount, const char *rel, int *ret_fd)
{
	_cleanup_close_ int dfd = -1;
	const char *p = rel;
	char name[256];

	dfd = open(mount, O_DIRECTORY | O_RDONLY | O_CLOEXEC);
	if (dfd < 0)
		return -errno;
	while (*p) {
		size_t n = strcspn(p, "/");
		int next;

		if (n == 0 || n >= sizeof(name))
			return -EINVAL;
		memcpy(name, p, n);
		name[n] = 0;
		if (mkdirat(dfd, name, 0755) < 0 && errno != EEXIST)
			return -errno;
		next = openat(dfd, name, O_DIRECTORY | O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
		if (next < 0)
			return -errno;
		close(dfd);
		dfd = next;
		p += n;
		p += strspn(p, "/");
	}
	*ret_fd = TAKE_FD(dfd);
	return 0;
}

/*
 * A leaf nobody holds the lock of and nothing runs in was left by a
 * supervisor that was killed before it could clean up: remove it. A leaf
 * created less than min_age seconds ago is left alone: its supervisor may be
 * between mkdir() and flock(). Returns 0 when it was removed.
 */
static int remove_stale(int pfd, const char *id, time_t min_age)
{
	_cleanup_close_ int fd = -1;
	struct stat st;
	char buf[256];
	const char *p;

	fd = openat(pfd, id, O_DIRECTORY | O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return -errno;
	if (min_age > 0 && (fstat(fd, &st) < 0 || st.st_ctime + min_age > time(NULL)))
		return -EBUSY;
	if (flock(fd, LOCK_EX | LOCK_NB) < 0)
		return -EBUSY; /* its supervisor is alive */
	if (read_file_at(fd, "cgroup.events", buf, sizeof(buf)) < 0)
		return -EIO;
	p = strstr(buf, "populated ");
	if (!p || p[10] != '0')
		return -EBUSY;
	if (unlinkat(pfd, id, AT_REMOVEDIR) < 0)
		return -errno;
	return 0;
}

/*
 * Remove the leaves of supervisors that were killed (jupyter_server ends a
 * kernel with SIGKILL to its process group, nbwarden included): every leaf
 * below the parent that nobody holds and nothing runs in. Bounded, so that a
 * parent with very many sandboxes costs a launch little.
 */
#define SWEEP_MAX     256
#define SWEEP_MIN_AGE 2 /* seconds: far more than mkdir() to flock() takes */

static void sweep_stale(int pfd)
{
	_cleanup_close_ int dfd = -1;
	DIR *d;
	struct dirent *de;
	unsigned seen = 0;

	dfd = openat(pfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return;
	d = fdopendir(dfd);
	if (!d)
		return;
	dfd = -1; /* owned by d now */
	while ((de = readdir(d)) && seen++ < SWEEP_MAX)
		if (de->d_type == DT_DIR && cgroup_id_is_valid(de->d_name))
			(void)remove_stale(pfd, de->d_name, SWEEP_MIN_AGE);
	closedir(d);
}

void cgroup_free(struct cgroup *cg)
{
	if (!cg)
		return;
	safe_close(cg->fd);
	free(cg->mount);
	free(cg->parent);
	free(cg->path);
	free(cg);
}

int cgroup_create(const char *mount, const char *parent_rel, const char *id,
                  const struct cgroup_settings *s, enum limits_enforce enforce, struct cgroup **ret,
                  char ***ret_skipped, char **ret_error)
{
	_cleanup_close_ int pfd = -1, rootfd = -1;
	struct cgroup *cg = NULL;
	char root_ctrl[512] = "", parent_ctrl[512] = "", subtree[512] = "";
	bool skip[_CGROUP_CONTROLLER_MAX] = {false};
	struct stat st;
	int r;

	*ret_error = NULL;
	r = open_parent(mount, parent_rel, &pfd);
	if (r < 0) {
		if (asprintf(ret_error, "cannot create cgroup parent '%s/%s': %s", mount,
		             parent_rel, strerror(-r)) < 0)
			*ret_error = NULL;
		return r;
	}

	/* Which controllers does the hierarchy have at all, and the parent? */
	rootfd = open(mount, O_DIRECTORY | O_RDONLY | O_CLOEXEC);
	if (rootfd < 0)
		return -errno;
	(void)read_file_at(rootfd, "cgroup.controllers", root_ctrl, sizeof(root_ctrl));
	(void)read_file_at(pfd, "cgroup.controllers", parent_ctrl, sizeof(parent_ctrl));
	(void)read_file_at(pfd, "cgroup.subtree_control", subtree, sizeof(subtree));

	for (unsigned i = 0; i < s->n; i++) {
		enum cgroup_controller c = s->items[i].controller;
		const char *name = controller_names[c];
		char plus[32];

		if (skip[c] || word_in(subtree, name))
			continue;
		if (!word_in(root_ctrl, name) && !word_in(parent_ctrl, name)) {
			if (enforce == LIMITS_ENFORCE_BEST_EFFORT) {
				char *line = NULL;

				skip[c] = true;
				if (asprintf(&line,
				             "limit '%s' not enforced: this host's cgroup v2 "
				             "hierarchy "
				             "(%s) has no '%s' controller",
				             s->items[i].limit, mount, name) >= 0)
					(void)strv_consume(ret_skipped, line);
				continue;
			}
			if (asprintf(ret_error,
			             "limit '%s' needs the cgroup v2 '%s' controller, which this "
			             "host's cgroup2 hierarchy at %s does not have (it is bound to "
			             "cgroup v1). Boot with systemd.unified_cgroup_hierarchy=1 or "
			             "cgroup_no_v1=%s to move it to v2, or set [limits] enforce = "
			             "best-effort to run without this limit",
			             s->items[i].limit, name, mount, name) < 0)
				*ret_error = NULL;
			return -EOPNOTSUPP;
		}
		if (!word_in(parent_ctrl, name)) {
			if (asprintf(ret_error,
			             "limit '%s' needs the '%s' controller, which is not delegated "
			             "to "
			             "%s/%s: enable it in the grandparent's cgroup.subtree_control",
			             s->items[i].limit, name, mount, parent_rel) < 0)
				*ret_error = NULL;
			return -EOPNOTSUPP;
		}
		snprintf(plus, sizeof(plus), "+%s", name);
		r = write_file_at(pfd, "cgroup.subtree_control", plus);
		if (r < 0) {
			if (asprintf(ret_error, "cannot enable the '%s' controller in %s/%s: %s%s",
			             name, mount, parent_rel, strerror(-r),
			             r == -EBUSY ? " (the parent has processes of its own)" : "") <
			    0)
				*ret_error = NULL;
			return r;
		}
		strncat(subtree, " ", sizeof(subtree) - strlen(subtree) - 1);
		strncat(subtree, name, sizeof(subtree) - strlen(subtree) - 1);
	}

	cg = calloc(1, sizeof(*cg));
	if (!cg)
		return -ENOMEM;
	cg->fd = -1;
	cg->mount = strdup(mount);
	if (asprintf(&cg->parent, "%s%s%s", mount, *parent_rel ? "/" : "", parent_rel) < 0)
		cg->parent = NULL;
	if (asprintf(&cg->path, "%s/%s", cg->parent ? cg->parent : "", id) < 0)
		cg->path = NULL;
	if (!cg->mount || !cg->parent || !cg->path) {
		cgroup_free(cg);
		return -ENOMEM;
	}
	sweep_stale(pfd);
	r = mkdirat(pfd, id, 0755) < 0 ? -errno : 0;
	/* our own id: a second launch with it at the same moment is the caller's mistake */
	if (r == -EEXIST && remove_stale(pfd, id, 0) == 0)
		r = mkdirat(pfd, id, 0755) < 0 ? -errno : 0;
	if (r < 0) {
		if (asprintf(ret_error, "cannot create cgroup '%s': %s%s", cg->path, strerror(-r),
		             r == -EEXIST ? " (a sandbox with this id is running)" : "") < 0)
			*ret_error = NULL;
		cgroup_free(cg);
		return r;
	}
	cg->fd = openat(pfd, id, O_DIRECTORY | O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (cg->fd < 0 || fstat(cg->fd, &st) < 0) {
		r = -errno;
		goto fail;
	}
	/* held for our lifetime: a leaf nobody holds is one a killed supervisor left */
	if (flock(cg->fd, LOCK_EX | LOCK_NB) < 0) {
		r = -errno;
		goto fail;
	}
	cg->id = (uint64_t)st.st_ino;

	for (unsigned i = 0; i < s->n; i++) {
		if (skip[s->items[i].controller] || !s->items[i].file)
			continue;
		r = write_file_at(cg->fd, s->items[i].file, s->items[i].value);
		if (r < 0) {
			if (asprintf(ret_error, "cannot set %s (%s = %s) in %s: %s",
			             s->items[i].file, s->items[i].limit, s->items[i].value,
			             cg->path, strerror(-r)) < 0)
				*ret_error = NULL;
			goto fail;
		}
	}
	*ret = cg;
	return 0;
fail:
	if (!*ret_error &&
	    asprintf(ret_error, "cannot set up cgroup '%s': %s", cg->path, strerror(-r)) < 0)
		*ret_error = NULL;
	(void)cgroup_destroy(cg);
	return r;
}

static int populated(const struct cgroup *cg)
{
	char buf[256];
	const char *p;
	int r;

	r = read_file_at(cg->fd, "cgroup.events", buf, sizeof(buf));
	if (r < 0)
		return r;
	p = strstr(buf, "populated ");
	if (!p)
		return -EIO;
	return p[10] == '1';
}

/* Fallback for kernels without cgroup.kill: SIGKILL every listed pid until empty. */
static int kill_procs(const struct cgroup *cg)
{
	_cleanup_close_ int fd = -1;
	_cleanup_fclose_ FILE *f = NULL;
	unsigned long pid;

	fd = openat(cg->fd, "cgroup.procs", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	f = fdopen(fd, "r");
	if (!f)
		return -errno;
	fd = -1;
	while (fscanf(f, "%lu", &pid) == 1)
		(void)kill((pid_t)pid, SIGKILL);
	return 0;
}

int cgroup_kill(struct cgroup *cg, unsigned timeout_ms)
{
	_cleanup_close_ int ev = -1;
	uint64_t deadline = monotonic_usec() / 1000 + timeout_ms;
	bool have_kill;
	int r;

	r = write_file_at(cg->fd, "cgroup.kill", "1");
	have_kill = r >= 0;
	if (r < 0 && r != -ENOENT)
		return r;
	ev = openat(cg->fd, "cgroup.events", O_RDONLY | O_CLOEXEC);
	for (;;) {
		uint64_t now;
		struct pollfd p = {.fd = ev, .events = POLLPRI};

		r = populated(cg);
		if (r <= 0)
			return r;
		if (!have_kill)
			(void)kill_procs(cg);
		now = monotonic_usec() / 1000;
		if (now >= deadline)
			return -ETIMEDOUT;
		/* cgroup.events signals POLLPRI on change; bounded by the deadline */
		(void)poll(&p, ev >= 0 ? 1 : 0, (int)(deadline - now > 50 ? 50 : deadline - now));
	}
}

int cgroup_destroy(struct cgroup *cg)
{
	int r = 0, k;
	char *slash;

	if (!cg)
		return 0;
	if (cg->fd >= 0) {
		k = cgroup_kill(cg, 5000);
		if (k < 0)
			r = k;
	}
	slash = strrchr(cg->path, '/');
	if (slash && cg->fd >= 0) {
		_cleanup_close_ int pfd = open(cg->parent, O_DIRECTORY | O_RDONLY | O_CLOEXEC);

		if (pfd < 0 || unlinkat(pfd, slash + 1, AT_REMOVEDIR) < 0) {
			if (errno != ENOENT && r == 0)
				r = -errno;
		}
	}
	cgroup_free(cg);
	return r;
}

int cgroup_open(const char *mount, const char *parent_rel, const char *id, struct cgroup **ret)
{
	struct cgroup *cg = calloc(1, sizeof(*cg));
	struct stat st;

	if (!cg)
		return -ENOMEM;
	cg->fd = -1;
	cg->mount = strdup(mount);
	cg->parent = path_join(mount, parent_rel);
	cg->path = cg->parent ? path_join(cg->parent, id) : NULL;
	if (!cg->mount || !cg->parent || !cg->path) {
		cgroup_free(cg);
		return -ENOMEM;
	}
	cg->fd = open(cg->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (cg->fd < 0 || fstat(cg->fd, &st) < 0) {
		int r = -errno;

		cgroup_free(cg);
		return r;
	}
	cg->id = (uint64_t)st.st_ino;
	*ret = cg;
	return 0;
}

int cgroup_write(const struct cgroup *cg, const char *file, const char *value)
{
	return write_file_at(cg->fd, file, value);
}

int cgroup_read_keyed(const struct cgroup *cg, const char *file, const char *key, uint64_t *ret)
{
	char buf[4096] = "";
	size_t klen = strlen(key);
	int r;

	r = read_file_at(cg->fd, file, buf, sizeof(buf));
	if (r < 0)
		return r;
	for (char *line = buf; line && *line;) {
		char *nl = strchr(line, '\n');

		if (nl)
			*nl = 0;
		if (strncmp(line, key, klen) == 0 && line[klen] == ' ')
			return parse_uint64(line + klen + 1, ret);
		line = nl ? nl + 1 : NULL;
	}
	return -ENOENT;
}

int cgroup_read_cpu_stall(const struct cgroup *cg, uint64_t *ret)
{
	char buf[256] = "";
	const char *p;
	int r;

	r = read_file_at(cg->fd, "cpu.pressure", buf, sizeof(buf));
	if (r < 0)
		return r;
	/* "some avg10=0.00 avg60=0.00 avg300=0.00 total=N" comes first */
	buf[strcspn(buf, "\n")] = 0;
	p = strstr(buf, " total=");
	if (strncmp(buf, "some ", 5) != 0 || !p)
		return -ENOENT;
	return parse_uint64(p + strlen(" total="), ret);
}

int cgroup_read_u64(const struct cgroup *cg, const char *file, uint64_t *ret)
{
	char buf[64];
	int r;

	r = read_file_at(cg->fd, file, buf, sizeof(buf));
	if (r < 0)
		return r;
	buf[strcspn(buf, "\n")] = 0;
	if (streq(buf, "max")) {
		*ret = VALUE_MAX;
		return 0;
	}
	return parse_uint64(buf, ret);
}

int cgroup_read_io(const struct cgroup *cg, uint64_t *ret_read, uint64_t *ret_written)
{
	char buf[4096];
	uint64_t rd = 0, wr = 0;
	int r;

	r = read_file_at(cg->fd, "io.stat", buf, sizeof(buf));
	if (r < 0)
		return r;
	/* "MAJ:MIN rbytes=N wbytes=N rios=N wios=N dbytes=N dios=N", a line per device */
	for (char *p = buf; (p = strstr(p, "bytes=")); p += 6) {
		unsigned long long v = strtoull(p + 6, NULL, 10);

		if (p - buf >= 1 && p[-1] == 'r')
			rd += v;
		else if (p - buf >= 1 && p[-1] == 'w')
			wr += v;
	}
	*ret_read = rd;
	*ret_written = wr;
	return 0;
}
