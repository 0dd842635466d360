// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * nbwarden kernelspec: Jupyter kernelspecs that run ipykernel through
 * "nbwarden run". Building kernel.json and the validators are pure; writing
 * and removing work relative to directory fds and never follow a symbolic
 * link at the kernel's directory or its kernel.json.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "cgroup.h"
#include "cleanup.h"
#include "config.h"
#include "kernelspec.h"
#include "log.h"
#include "profile.h"
#include "user.h"
#include "util.h"

#ifndef NBW_VERSION
#define NBW_VERSION "0.1.0"
#endif

DEFINE_TRIVIAL_CLEANUP_FUNC(DIR *, closedir)

static int fail_internal(char **ret_error, int error, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Return error, with the message in *ret_error (-ENOMEM if it cannot be made). */
static int fail_internal(char **ret_error, int error, const char *fmt, ...)
{
	char *msg = NULL;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&msg, fmt, ap);
	va_end(ap);
	if (n < 0)
		return -ENOMEM;
	if (ret_error)
		*ret_error = msg;
	else
		free(msg);
	return error;
}

/* An error path never turns into success, even with errno 0 (and the analyzer sees it). */
#define fail(ret_error, error, ...)                                         \
	({                                                                  \
		int _r_ = fail_internal((ret_error), (error), __VA_ARGS__); \
		_r_ < 0 ? _r_ : -EIO;                                       \
	})

/* ------------------------------------------------------------------------ */
/* validation (pure) */

static bool ascii_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/* Decode one UTF-8 sequence: its length, or 0 if it is not valid UTF-8. */
static size_t utf8_decode(const unsigned char *s, size_t n, uint32_t *ret)
{
	uint32_t cp, min;
	size_t len;

	if (s[0] < 0x80) {
		*ret = s[0];
		return 1;
	}
	if ((s[0] & 0xe0) == 0xc0) {
		len = 2, cp = s[0] & 0x1f, min = 0x80;
	} else if ((s[0] & 0xf0) == 0xe0) {
		len = 3, cp = s[0] & 0x0f, min = 0x800;
	} else if ((s[0] & 0xf8) == 0xf0) {
		len = 4, cp = s[0] & 0x07, min = 0x10000;
	} else {
		return 0;
	}
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	/* overlong forms, surrogates and beyond Unicode are not UTF-8 */
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	*ret = cp;
	return len;
}

/* Valid UTF-8; with no_controls, also without C0, DEL and C1 control characters. */
static bool utf8_is_valid(const char *s, bool no_controls)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s);

	for (size_t i = 0; i < n;) {
		uint32_t cp;
		size_t len = utf8_decode(p + i, n - i, &cp);

		if (len == 0)
			return false;
		if (no_controls && (cp < 0x20 || (cp >= 0x7f && cp <= 0x9f)))
			return false;
		i += len;
	}
	return true;
}

bool kernelspec_name_is_valid(const char *name)
{
	size_t n;

	if (!name)
		return false;
	n = strlen(name);
	/* Jupyter's pattern allows "." and "..": as directory names they are not kernels */
	if (n == 0 || n > KERNELSPEC_NAME_MAX || streq(name, ".") || streq(name, ".."))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!ascii_alnum(name[i]) && !strchr("._-", name[i]))
			return false;
	return true;
}

bool kernelspec_display_name_is_valid(const char *s)
{
	size_t n;

	if (!s)
		return false;
	n = strlen(s);
	return n > 0 && n <= KERNELSPEC_DISPLAY_NAME_MAX && utf8_is_valid(s, true);
}

bool kernelspec_profile_is_valid(const char *s)
{
	size_t n;

	if (isempty(s))
		return false;
	if (s[0] == '/')
		return true;
	n = strlen(s);
	if (n > KERNELSPEC_PROFILE_NAME_MAX || s[0] == '.')
		return false;
	for (size_t i = 0; i < n; i++)
		if (!ascii_alnum(s[i]) && !strchr("_.-", s[i]))
			return false;
	return true;
}

void kernelspec_name_normalize(char *name)
{
	for (char *p = name; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
}

int kernelspec_profile_short_name(const char *profile, char **ret)
{
	const char *base;
	size_t n;
	char *s;

	if (isempty(profile))
		return -EINVAL;
	base = strrchr(profile, '/');
	base = base ? base + 1 : profile;
	n = strlen(base);
	if (base != profile && n >= 5 && streq(base + n - 5, ".conf"))
		n -= 5;
	if (n == 0)
		return -EINVAL;
	s = strndup(base, n);
	if (!s)
		return -ENOMEM;
	*ret = s;
	return 0;
}

int kernelspec_default_name(const char *profile, char **ret)
{
	_cleanup_free_ char *short_name = NULL;
	char *s;
	int r;

	r = kernelspec_profile_short_name(profile, &short_name);
	if (r < 0)
		return r;
	if (asprintf(&s, "nbwarden-%s", short_name) < 0)
		return -ENOMEM;
	kernelspec_name_normalize(s);
	*ret = s;
	return 0;
}

int kernelspec_default_display_name(const char *profile, char **ret)
{
	_cleanup_free_ char *short_name = NULL;
	char *s;
	int r;

	r = kernelspec_profile_short_name(profile, &short_name);
	if (r < 0)
		return r;
	if (asprintf(&s, "Python 3 (nbwarden %s)", short_name) < 0)
		return -ENOMEM;
	*ret = s;
	return 0;
}

/*
 * s to quote in a message: bytes outside printable ASCII become '?' so that
 * no terminal control reaches the screen; long values are cut.
 */
#define PRINTABLE_MAX 160
static const char *printable(const char *s, char buf[static PRINTABLE_MAX + 4])
{
	size_t n = s ? strnlen(s, PRINTABLE_MAX) : 0;

	for (size_t i = 0; i < n; i++)
		buf[i] = s[i] >= 0x20 && s[i] < 0x7f ? s[i] : '?';
	strcpy(buf + n, s && s[n] ? "..." : "");
	return buf;
}

/* An argv path: absolute, UTF-8 (JSON), and nothing Jupyter would substitute. */
static int check_path(const char *what, const char *path, char **ret_error)
{
	char q[PRINTABLE_MAX + 4];

	if (path[0] != '/')
		return fail(ret_error, -EINVAL, "%s '%s' is not an absolute path", what,
		            printable(path, q));
	if (!utf8_is_valid(path, false))
		return fail(ret_error, -EINVAL, "%s '%s' is not valid UTF-8", what,
		            printable(path, q));
	/* Jupyter replaces {NAME} in every argv element, not just {connection_file} */
	if (strpbrk(path, "{}"))
		return fail(ret_error, -EINVAL,
		            "%s '%s' contains '{' or '}', which Jupyter would substitute", what,
		            printable(path, q));
	return 0;
}

int kernelspec_check(const struct kernelspec *k, char **ret_error)
{
	char q[PRINTABLE_MAX + 4];
	int r;

	if (!k || !k->nbwarden || !k->profile || !k->python || !k->display_name)
		return fail(ret_error, -EINVAL, "incomplete kernelspec");
	r = check_path("the nbwarden binary", k->nbwarden, ret_error);
	if (r < 0)
		return r;
	if (!kernelspec_profile_is_valid(k->profile))
		return fail(ret_error, -EINVAL,
		            "profile '%s' is neither a profile name (1-64 letters, digits, '_', "
		            "'-', '.'; not starting with '.') nor an absolute path",
		            printable(k->profile, q));
	if (k->profile[0] == '/') {
		r = check_path("profile", k->profile, ret_error);
		if (r < 0)
			return r;
	}
	r = check_path("--python", k->python, ret_error);
	if (r >= 0 && k->socket)
		r = check_path("--socket", k->socket, ret_error);
	if (r >= 0 && k->config)
		r = check_path("--config", k->config, ret_error);
	if (r < 0)
		return r;
	if (k->cgroup_parent) {
		_cleanup_free_ char *canon = NULL;

		r = cgroup_parent_canonicalize(k->cgroup_parent, &canon);
		if (r == -ENOMEM)
			return r;
		if (r < 0 || !streq(canon, k->cgroup_parent) || strpbrk(canon, "{}"))
			return fail(ret_error, -EINVAL,
			            "--cgroup-parent '%s' is not a canonical cgroup path below the "
			            "cgroup2 mount",
			            printable(k->cgroup_parent, q));
		if (k->socket)
			return fail(ret_error, -EINVAL,
			            "--cgroup-parent and --socket cannot be combined: the daemon "
			            "places its sandboxes");
	}
	if (!kernelspec_display_name_is_valid(k->display_name))
		return fail(ret_error, -EINVAL,
		            "the display name must be 1-%d bytes of UTF-8 without control "
		            "characters",
		            KERNELSPEC_DISPLAY_NAME_MAX);
	return 0;
}

/* ------------------------------------------------------------------------ */
/* kernel.json (pure) */

int kernelspec_build(const struct kernelspec *k, json_t **ret)
{
	_cleanup_(json_decrefp) json_t *argv = NULL;
	const char *args[16];
	size_t n = 0;
	json_t *spec;
	int r;

	r = kernelspec_check(k, NULL);
	if (r < 0)
		return r;
	args[n++] = k->nbwarden;
	args[n++] = "run";
	args[n++] = "--profile";
	args[n++] = k->profile;
	if (k->socket) {
		args[n++] = "--socket";
		args[n++] = k->socket;
	}
	if (k->config) {
		args[n++] = "--config";
		args[n++] = k->config;
	}
	if (k->cgroup_parent) {
		args[n++] = "--cgroup-parent";
		args[n++] = k->cgroup_parent;
	}
	args[n++] = "--";
	args[n++] = k->python;
	args[n++] = "-m";
	args[n++] = "ipykernel_launcher";
	args[n++] = "-f";
	args[n++] = "{connection_file}"; /* the only thing Jupyter fills in */

	argv = json_array();
	if (!argv)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		if (json_array_append_new(argv, json_string(args[i])) < 0)
			return -ENOMEM; /* the strings were checked: UTF-8 */

	/* objects keep their insertion order: this is the order in the file */
	spec = json_pack("{s:O, s:s, s:s, s:s, s:{}, s:{s:b, s:{s:s, s:s}}}", "argv", argv,
	                 "display_name", k->display_name, "language", "python", "interrupt_mode",
	                 "signal", "env", "metadata", "debugger", 0, "nbwarden", "profile",
	                 k->profile, "version", NBW_VERSION);
	if (!spec)
		return -ENOMEM;
	*ret = spec;
	return 0;
}

int kernelspec_format(const struct kernelspec *k, char **ret)
{
	_cleanup_(json_decrefp) json_t *spec = NULL;
	_cleanup_free_ char *text = NULL;
	char *s;
	int r;

	r = kernelspec_build(k, &spec);
	if (r < 0)
		return r;
	/* indent 1, as ipykernel and "jupyter kernelspec" write it */
	text = json_dumps(spec, JSON_INDENT(1) | JSON_PRESERVE_ORDER);
	if (!text)
		return -ENOMEM;
	if (asprintf(&s, "%s\n", text) < 0)
		return -ENOMEM;
	*ret = s;
	return 0;
}

bool kernelspec_is_nbwarden(const json_t *spec)
{
	const json_t *meta = json_is_object(spec) ? json_object_get(spec, "metadata") : NULL;
	const json_t *mark = json_is_object(meta) ? json_object_get(meta, "nbwarden") : NULL;

	return json_is_object(mark);
}

bool kernelspec_text_is_nbwarden(const char *text, size_t len)
{
	_cleanup_(json_decrefp) json_t *spec = NULL;

	if (!text)
		return false;
	spec = json_loadb(text, len, 0, NULL);
	return kernelspec_is_nbwarden(spec);
}

/* ------------------------------------------------------------------------ */
/* the filesystem */

int kernelspec_kernels_dir(enum kernelspec_location loc, const char *prefix, char **ret,
                           char **ret_error)
{
	struct identity id = {0};
	char uid[32], *dir = NULL;
	int r;

	switch (loc) {
	case KERNELSPEC_SYSTEM:
		dir = strdup(KERNELSPEC_SYSTEM_DIR);
		break;
	case KERNELSPEC_USER:
		/* the caller is its uid: $HOME is whatever the environment says */
		snprintf(uid, sizeof(uid), "%u", (unsigned)getuid());
		r = identity_resolve(uid, &id);
		if (r == -ENOMEM)
			return r;
		if (r < 0)
			return fail(ret_error, r, "uid %s is not in the user database", uid);
		if (!id.home) {
			identity_done(&id);
			return fail(ret_error, -ENOTDIR,
			            "the home directory of uid %s is not a clean absolute path",
			            uid);
		}
		dir = path_join(id.home, KERNELSPEC_USER_SUBDIR);
		identity_done(&id);
		break;
	case KERNELSPEC_PREFIX:
		if (!prefix || prefix[0] != '/')
			return fail(ret_error, -EINVAL, "--prefix needs an absolute path");
		dir = path_join(prefix, KERNELSPEC_PREFIX_SUBDIR);
		break;
	default:
		return -EINVAL;
	}
	if (!dir)
		return -ENOMEM;
	*ret = dir;
	return 0;
}

/* mkdir -p, each new directory 0755 whatever the umask. path: canonical, absolute. */
static int mkdir_parents(const char *path, char **ret_error)
{
	_cleanup_free_ char *buf = strdup(path);
	char *slash;

	if (!buf)
		return -ENOMEM;
	slash = buf;
	do {
		_cleanup_close_ int fd = -1;
		struct stat st;

		slash = strchr(slash + 1, '/');
		if (slash)
			*slash = 0;
		if (mkdir(buf, 0755) == 0) {
			/* the one we just made: only a directory, never through a link */
			fd = open(buf, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (fd < 0 || fchmod(fd, 0755) < 0)
				return fail(ret_error, -errno, "cannot set up directory %s: %s",
				            buf, strerror(errno));
		} else if (errno != EEXIST) {
			return fail(ret_error, -errno, "cannot create directory %s: %s", buf,
			            strerror(errno));
		} else if (stat(buf, &st) < 0 || !S_ISDIR(st.st_mode)) {
			return fail(ret_error, -ENOTDIR, "%s is not a directory", buf);
		}
		if (slash)
			*slash = '/';
	} while (slash);
	return 0;
}

enum spec_owner {
	SPEC_NONE,     /* no kernel.json */
	SPEC_NBWARDEN, /* written by nbwarden */
	SPEC_FOREIGN,  /* anything else: another tool's, a link, not JSON, too large */
};

/* Who wrote DFD/kernel.json. */
static int spec_owner(int dfd, const char *dir, enum spec_owner *ret, char **ret_error)
{
	_cleanup_free_ char *buf = NULL;
	_cleanup_close_ int fd = -1;
	size_t len = 0;
	struct stat st;

	fd = openat(dfd, KERNELSPEC_FILE,
	            O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT) {
		*ret = SPEC_NONE;
		return 0;
	}
	if (fd < 0 && errno == ELOOP) {
		*ret = SPEC_FOREIGN; /* nbwarden never writes a link */
		return 0;
	}
	if (fd < 0 || fstat(fd, &st) < 0)
		return fail(ret_error, -errno, "cannot read %s/%s: %s", dir, KERNELSPEC_FILE,
		            strerror(errno));
	if (!S_ISREG(st.st_mode) || st.st_size > KERNELSPEC_MAX_FILE_SIZE) {
		*ret = SPEC_FOREIGN;
		return 0;
	}
	buf = malloc(KERNELSPEC_MAX_FILE_SIZE + 1);
	if (!buf)
		return -ENOMEM;
	for (;;) {
		ssize_t n = read(fd, buf + len, KERNELSPEC_MAX_FILE_SIZE + 1 - len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return fail(ret_error, -errno, "cannot read %s/%s: %s", dir,
			            KERNELSPEC_FILE, strerror(errno));
		if (n == 0)
			break;
		len += (size_t)n;
		if (len > KERNELSPEC_MAX_FILE_SIZE) {
			*ret = SPEC_FOREIGN; /* it grew while we read */
			return 0;
		}
	}
	*ret = kernelspec_text_is_nbwarden(buf, len) ? SPEC_NBWARDEN : SPEC_FOREIGN;
	return 0;
}

/* Write text to a new temporary file in dfd and rename it over kernel.json. */
static int replace_file(int dfd, const char *dir, const char *text, char **ret_error)
{
	_cleanup_close_ int fd = -1;
	char tmp[64];
	int r;

	for (int attempt = 0; fd < 0 && attempt < 16; attempt++) {
		uint32_t rnd;

		if (getrandom(&rnd, sizeof(rnd), 0) != sizeof(rnd))
			return fail(ret_error, -EIO, "cannot get random bytes for a file name");
		snprintf(tmp, sizeof(tmp), ".%s.%08x", KERNELSPEC_FILE, (unsigned)rnd);
		fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
		if (fd < 0 && errno != EEXIST)
			return fail(ret_error, -errno, "cannot create a file in %s: %s", dir,
			            strerror(errno));
	}
	if (fd < 0)
		return fail(ret_error, -EEXIST, "cannot create a file in %s: %s", dir,
		            strerror(EEXIST));
	r = fchmod(fd, 0644) < 0 ? -errno : 0;
	if (r >= 0)
		r = write_all(fd, text, strlen(text));
	if (r >= 0 && fsync(fd) < 0)
		r = -errno;
	if (r >= 0 && close(TAKE_FD(fd)) < 0)
		r = -errno;
	if (r >= 0 && renameat(dfd, tmp, dfd, KERNELSPEC_FILE) < 0)
		r = -errno;
	if (r < 0) {
		(void)unlinkat(dfd, tmp, 0);
		return fail(ret_error, r, "cannot write %s/%s: %s", dir, KERNELSPEC_FILE,
		            strerror(-r));
	}
	/* the rename itself */
	if (fsync(dfd) < 0)
		return fail(ret_error, -errno, "cannot sync %s: %s", dir, strerror(errno));
	return 0;
}

int kernelspec_write(const char *kernels_dir, const char *name, const char *text, bool replace,
                     char **ret_error)
{
	_cleanup_close_ int kfd = -1, dfd = -1;
	_cleanup_free_ char *dir = NULL;
	enum spec_owner owner = SPEC_NONE;
	bool created;
	int r;

	if (!kernelspec_name_is_valid(name))
		return fail(ret_error, -EINVAL, "invalid kernel name");
	dir = path_join(kernels_dir, name);
	if (!dir)
		return -ENOMEM;
	r = mkdir_parents(kernels_dir, ret_error);
	if (r < 0)
		return r;
	kfd = open(kernels_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (kfd < 0)
		return fail(ret_error, -errno, "cannot open %s: %s", kernels_dir, strerror(errno));

	created = mkdirat(kfd, name, 0755) == 0;
	if (!created && errno != EEXIST)
		return fail(ret_error, -errno, "cannot create directory %s: %s", dir,
		            strerror(errno));
	dfd = openat(kfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dfd < 0 && (errno == ENOTDIR || errno == ELOOP))
		return fail(ret_error, -ENOTDIR, "%s is not a directory", dir);
	if (dfd < 0)
		return fail(ret_error, -errno, "cannot open %s: %s", dir, strerror(errno));

	r = 0;
	if (created && fchmod(dfd, 0755) < 0)
		r = fail(ret_error, -errno, "cannot set up directory %s: %s", dir, strerror(errno));
	else if (!created)
		r = spec_owner(dfd, dir, &owner, ret_error);
	if (r >= 0 && owner == SPEC_FOREIGN && !replace)
		r = fail(ret_error, -EEXIST,
		         "%s/%s is a kernelspec nbwarden did not write; --replace overwrites it",
		         dir, KERNELSPEC_FILE);
	if (r >= 0)
		r = replace_file(dfd, dir, text, ret_error);
	if (r < 0 && created)
		(void)unlinkat(kfd, name, AT_REMOVEDIR); /* leave nothing half-made */
	return r;
}

int kernelspec_delete(const char *kernels_dir, const char *name, char **ret_error)
{
	_cleanup_(closedirp) DIR *d = NULL;
	_cleanup_close_ int kfd = -1, dfd = -1, fd = -1;
	_cleanup_free_ char *dir = NULL, *others = NULL;
	enum spec_owner owner = SPEC_NONE;
	size_t n_others = 0;
	struct dirent *de;
	int r;

	if (!kernelspec_name_is_valid(name))
		return fail(ret_error, -EINVAL, "invalid kernel name");
	dir = path_join(kernels_dir, name);
	if (!dir)
		return -ENOMEM;
	kfd = open(kernels_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (kfd < 0 && errno == ENOENT)
		return fail(ret_error, -ENOENT, "no kernelspec %s in %s", name, kernels_dir);
	if (kfd < 0)
		return fail(ret_error, -errno, "cannot open %s: %s", kernels_dir, strerror(errno));
	dfd = openat(kfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dfd < 0 && errno == ENOENT)
		return fail(ret_error, -ENOENT, "no kernelspec %s in %s", name, kernels_dir);
	if (dfd < 0 && (errno == ENOTDIR || errno == ELOOP))
		return fail(ret_error, -EPERM,
		            "%s is not an nbwarden kernelspec (not a directory); remove it with "
		            "jupyter kernelspec remove",
		            dir);
	if (dfd < 0)
		return fail(ret_error, -errno, "cannot open %s: %s", dir, strerror(errno));

	r = spec_owner(dfd, dir, &owner, ret_error);
	if (r < 0)
		return r;
	if (owner == SPEC_NONE)
		return fail(ret_error, -ENOENT, "no kernelspec %s in %s (no %s)", name, kernels_dir,
		            KERNELSPEC_FILE);
	if (owner == SPEC_FOREIGN)
		return fail(ret_error, -EPERM,
		            "%s is not an nbwarden kernelspec; remove it with jupyter kernelspec "
		            "remove",
		            dir);

	/* nbwarden wrote kernel.json, nothing else: anything more is someone else's */
	fd = fcntl(dfd, F_DUPFD_CLOEXEC, 3);
	if (fd >= 0)
		d = fdopendir(fd);
	if (!d)
		return fail(ret_error, -errno, "cannot read %s: %s", dir, strerror(errno));
	fd = -1; /* the DIR has it */
	errno = 0;
	while ((de = readdir(d))) {
		char *more;

		if (streq(de->d_name, ".") || streq(de->d_name, "..") ||
		    streq(de->d_name, KERNELSPEC_FILE))
			continue;
		if (++n_others > 3)
			continue;
		if (asprintf(&more, "%s%s%s", others ? others : "", others ? ", " : "",
		             de->d_name) < 0)
			return -ENOMEM;
		free(others);
		others = more;
	}
	if (errno != 0)
		return fail(ret_error, -errno, "cannot read %s: %s", dir, strerror(errno));
	if (n_others > 0) {
		char q[PRINTABLE_MAX + 4];

		return fail(ret_error, -ENOTEMPTY,
		            "%s holds files nbwarden did not write (%s%s); nothing removed", dir,
		            printable(others, q), n_others > 3 ? ", ..." : "");
	}

	if (unlinkat(dfd, KERNELSPEC_FILE, 0) < 0)
		return fail(ret_error, -errno, "cannot remove %s/%s: %s", dir, KERNELSPEC_FILE,
		            strerror(errno));
	if (unlinkat(kfd, name, AT_REMOVEDIR) < 0)
		return fail(ret_error, -errno, "removed %s/%s, but not the directory: %s", dir,
		            KERNELSPEC_FILE, strerror(errno));
	return 0;
}

/* ------------------------------------------------------------------------ */
/* the command */

/* An absolute path option, lexically canonical ("//" and "." dropped). */
static int canonical_arg(const char *option, const char *value, char **ret)
{
	char q[PRINTABLE_MAX + 4];
	int r;

	r = path_canonicalize(value, ret);
	if (r == -ENOMEM)
		return log_oom();
	if (r < 0)
		return log_error_errno(r,
		                       "kernelspec: %s '%s' must be an absolute path without '..'",
		                       option, printable(value, q));
	return 0;
}

static int invalid_name(const char *name)
{
	char q[PRINTABLE_MAX + 4];

	return log_error_errno(-EINVAL,
	                       "kernelspec: invalid kernel name '%s': 1-%d ASCII letters, digits, "
	                       "'.', '_', '-'",
	                       printable(name, q), KERNELSPEC_NAME_MAX);
}

/*
 * Load the profile as "nbwarden run --profile" would find it: the [daemon]
 * profile_dir of nbwarden.conf first, then the usual search path. Through the
 * daemon (via_daemon), a profile name this machine cannot find or read is the
 * daemon's to resolve (its profile_dir may be private to it): a warning, not
 * an error. A profile that is found must load cleanly either way.
 */
static int check_profile(const char *profile, const char *config_path, bool via_daemon)
{
	const struct profile_search *def = profile_search_default();
	const char *dirs[8];
	struct profile_search search = {dirs};
	struct profile *p = NULL;
	struct config *c = NULL;
	char **errors = NULL;
	size_t n = 0;
	int r;

	config_path = config_path ? config_path : CONFIG_DEFAULT_PATH;
	r = config_load(config_path, true, false, &c, &errors);
	if (r < 0)
		log_warning("kernelspec: %s, looking for the profile without its profile_dir, "
		            "ignoring",
		            errors && errors[0] ? errors[0] : strerror(-r));
	else if (c->daemon_profile_dir)
		dirs[n++] = c->daemon_profile_dir;
	strv_free(errors);
	errors = NULL;
	for (size_t i = 0; def->dirs[i] && n < ELEMENTSOF(dirs) - 1; i++)
		dirs[n++] = def->dirs[i];
	dirs[n] = NULL;

	r = profile_load(profile, &search, PROFILE_LOAD_STRICT_OWNER, &p, &errors);
	config_free(c);
	if (via_daemon && profile[0] != '/' && (r == -ENOENT || r == -EACCES)) {
		log_warning("kernelspec: profile '%s' is not %s here; the daemon resolves it when "
		            "a kernel starts",
		            profile, r == -ENOENT ? "found" : "readable");
		r = 0;
	} else if (r == -ENOENT) {
		log_error("kernelspec: no profile '%s' on this machine", profile);
	} else if (r < 0) {
		STRV_FOREACH (e, errors)
			log_error("kernelspec: %s", *e);
		if (!errors || !errors[0])
			log_error_errno(r, "kernelspec: cannot load profile '%s': %m", profile);
	}
	strv_free(errors);
	profile_free(p);
	return r < 0 ? r : 0;
}

/* An existing regular file the caller may execute (links followed). */
static int check_python(const char *python)
{
	struct stat st;

	if (stat(python, &st) < 0)
		return log_error_errno(-errno, "kernelspec: --python %s: %m", python);
	if (!S_ISREG(st.st_mode))
		return log_error_errno(-EINVAL, "kernelspec: --python %s is not a regular file",
		                       python);
	if (faccessat(AT_FDCWD, python, X_OK, AT_EACCESS) < 0)
		return log_error_errno(-errno, "kernelspec: --python %s is not executable: %m",
		                       python);
	return 0;
}

/* The running binary's absolute path: what the kernelspec will start. */
static int self_path(char **ret)
{
	char buf[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);
	char *s;

	if (n < 0)
		return log_error_errno(-errno, "kernelspec: cannot read /proc/self/exe: %m");
	buf[n] = 0;
	if (buf[0] != '/' || (n > 10 && streq(buf + n - 10, " (deleted)")))
		return log_error_errno(-ENOENT,
		                       "kernelspec: the running nbwarden binary (%s) is gone", buf);
	s = strdup(buf);
	if (!s)
		return log_oom();
	*ret = s;
	return 0;
}

/* The options as they go into kernel.json: all usage errors are found here. */
static int install_args(const struct kernelspec_options *o, char **profile, char **python,
                        char **socket, char **config, char **cgroup_parent, char **name,
                        char **display)
{
	const char *p = o->profile ? o->profile : KERNELSPEC_DEFAULT_PROFILE;
	char q[PRINTABLE_MAX + 4];
	int r;

	if (!kernelspec_profile_is_valid(p))
		return log_error_errno(-EINVAL,
		                       "kernelspec: profile '%s' is neither a profile name (1-64 "
		                       "letters, digits, '_', '-', '.'; not starting with '.') nor "
		                       "an absolute path",
		                       printable(p, q));
	if (p[0] == '/')
		r = canonical_arg("--profile", p, profile);
	else
		r = (*profile = strdup(p)) ? 0 : log_oom();
	if (r >= 0)
		r = canonical_arg("--python", o->python ? o->python : KERNELSPEC_DEFAULT_PYTHON,
		                  python);
	if (r >= 0 && o->socket)
		r = canonical_arg("--socket", o->socket, socket);
	if (r >= 0 && o->config)
		r = canonical_arg("--config", o->config, config);
	if (r >= 0 && o->cgroup_parent) {
		r = cgroup_parent_canonicalize(o->cgroup_parent, cgroup_parent);
		if (r == -ENOMEM)
			return log_oom();
		if (r < 0)
			return log_error_errno(r, "kernelspec: invalid --cgroup-parent '%s'",
			                       printable(o->cgroup_parent, q));
	}
	if (r < 0)
		return r;
	if (*socket && *cgroup_parent)
		return log_error_errno(
			-EINVAL, "kernelspec: --socket and --cgroup-parent cannot be combined: "
				 "the daemon places its sandboxes");
	if (*socket && *config)
		/* through the daemon, "run" refuses --config: such a kernel would never start */
		return log_error_errno(-EINVAL,
		                       "kernelspec: --socket and --config cannot be combined: "
		                       "through the daemon, the daemon's configuration applies");

	if (o->name) {
		if (!kernelspec_name_is_valid(o->name))
			return invalid_name(o->name);
		*name = strdup(o->name);
		if (!*name)
			return log_oom();
		kernelspec_name_normalize(*name);
	} else {
		r = kernelspec_default_name(*profile, name);
		if (r == -ENOMEM)
			return log_oom();
		if (r < 0 || !kernelspec_name_is_valid(*name))
			return log_error_errno(
				-EINVAL,
				"kernelspec: profile '%s' gives no valid kernel name: "
				"choose one with --name",
				printable(*profile, q));
	}

	if (o->display_name) {
		*display = strdup(o->display_name);
		r = *display ? 0 : -ENOMEM;
	} else {
		r = kernelspec_default_display_name(*profile, display);
	}
	if (r == -ENOMEM)
		return log_oom();
	if (r < 0 || !kernelspec_display_name_is_valid(*display))
		return log_error_errno(-EINVAL,
		                       "kernelspec: the display name must be 1-%d bytes of UTF-8 "
		                       "without control characters",
		                       KERNELSPEC_DISPLAY_NAME_MAX);
	return 0;
}

int kernelspec_install_main(const struct kernelspec_options *o)
{
	_cleanup_free_ char *name = NULL, *display = NULL, *profile = NULL, *python = NULL,
			    *socket = NULL, *config = NULL, *cgroup_parent = NULL, *prefix = NULL,
			    *self = NULL, *kernels = NULL, *dir = NULL, *text = NULL, *error = NULL;
	struct kernelspec k;
	int r;

	/* usage errors first: nothing on this machine is looked at before the options make sense */
	r = install_args(o, &profile, &python, &socket, &config, &cgroup_parent, &name, &display);
	if (r >= 0 && o->location == KERNELSPEC_PREFIX)
		r = canonical_arg("--prefix", o->prefix, &prefix);
	if (r < 0)
		return r == -ENOMEM ? 1 : KERNELSPEC_EXIT_USAGE;
	if (self_path(&self) < 0)
		return 1;
	k = (struct kernelspec){
		.nbwarden = self,
		.profile = profile,
		.python = python,
		.socket = socket,
		.config = config,
		.cgroup_parent = cgroup_parent,
		.display_name = display,
	};
	r = kernelspec_check(&k, &error);
	if (r == -ENOMEM)
		return log_oom(), 1;
	if (r < 0) {
		log_error("kernelspec: %s", error);
		return KERNELSPEC_EXIT_USAGE;
	}

	/* then what this machine has: the profile, the interpreter, the directory */
	if (check_profile(profile, config, socket != NULL) < 0 || check_python(python) < 0)
		return 1;
	r = kernelspec_kernels_dir(o->location, prefix, &kernels, &error);
	if (r >= 0)
		r = kernelspec_format(&k, &text);
	if (r >= 0)
		r = kernelspec_write(kernels, name, text, o->replace, &error);
	if (r == -ENOMEM)
		return log_oom(), 1;
	if (r < 0) {
		log_error("kernelspec: %s", error);
		return 1;
	}
	dir = path_join(kernels, name);
	printf("installed kernelspec %s in %s\n", name, dir ? dir : kernels);
	return fflush(stdout) != 0 ? 1 : 0;
}

int kernelspec_remove_main(const struct kernelspec_options *o)
{
	_cleanup_free_ char *name = NULL, *prefix = NULL, *kernels = NULL, *error = NULL;
	int r;

	if (!kernelspec_name_is_valid(o->name))
		return invalid_name(o->name), KERNELSPEC_EXIT_USAGE;
	if (o->location == KERNELSPEC_PREFIX && canonical_arg("--prefix", o->prefix, &prefix) < 0)
		return KERNELSPEC_EXIT_USAGE;
	name = strdup(o->name);
	if (!name)
		return log_oom(), 1;
	kernelspec_name_normalize(name);

	r = kernelspec_kernels_dir(o->location, prefix, &kernels, &error);
	if (r >= 0)
		r = kernelspec_delete(kernels, name, &error);
	if (r == -ENOMEM)
		return log_oom(), 1;
	if (r < 0) {
		log_error("kernelspec: %s", error);
		return 1;
	}
	printf("removed kernelspec %s from %s\n", name, kernels);
	return fflush(stdout) != 0 ? 1 : 0;
}
