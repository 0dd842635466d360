// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Profile loading. Each file is read into memory (size-capped, no NUL bytes),
 * then parsed twice with libinih: the first pass only follows "include"
 * lines, so that included files are applied before the including file
 * wherever the include line stands; the second pass applies every other key
 * through a table of key definitions. Lists append across files, an empty
 * assignment clears a list, scalars override.
 */
#include <ctype.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <ini.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "jupyter.h"
#include "profile.h"
#include "seccomp.h"
#include "util.h"

#ifndef NBW_DATADIR
#define NBW_DATADIR "/usr/local/share/nbwarden"
#endif

#define MAX_ERRORS 100

/* ------------------------------------------------------------------------ */
/* enum names */

static const char *const environment_names[_ENVIRONMENT_MAX + 1] = {
	[ENVIRONMENT_PRODUCTION] = "production",
	[ENVIRONMENT_DEVELOPMENT] = "development",
};
static const char *const net_mode_names[_NET_MODE_MAX + 1] = {
	[NET_MODE_NONE] = "none",
	[NET_MODE_HOST] = "host",
};
static const char *const net_bind_names[_NET_BIND_MAX + 1] = {
	[NET_BIND_LOOPBACK] = "loopback",
	[NET_BIND_ANY] = "any",
	[NET_BIND_NONE] = "none",
};
static const char *const syscall_action_names[_SYSCALL_ACTION_MAX + 1] = {
	[SYSCALL_ACTION_ERRNO] = "errno",
	[SYSCALL_ACTION_KILL] = "kill",
};
static const char *const enforce_names[_LIMITS_ENFORCE_MAX + 1] = {
	[LIMITS_ENFORCE_STRICT] = "strict",
	[LIMITS_ENFORCE_BEST_EFFORT] = "best-effort",
};
static const char *const log_scope_names[_LOG_SCOPE_MAX + 1] = {
	[LOG_DENIED] = "denied",
	[LOG_ALL] = "all",
};
static const char *const violation_names[_VIOLATION_MAX + 1] = {
	[VIOLATION_DENY] = "deny",
	[VIOLATION_KILL] = "kill",
};
static const char *const bool_names[] = {"no", "yes", NULL};

const char *environment_kind_to_string(enum environment_kind k)
{
	return k >= 0 && k < _ENVIRONMENT_MAX ? environment_names[k] : NULL;
}
const char *net_mode_to_string(enum net_mode m)
{
	return m >= 0 && m < _NET_MODE_MAX ? net_mode_names[m] : NULL;
}
const char *net_bind_to_string(enum net_bind b)
{
	return b >= 0 && b < _NET_BIND_MAX ? net_bind_names[b] : NULL;
}
const char *syscall_action_to_string(enum syscall_action a)
{
	return a >= 0 && a < _SYSCALL_ACTION_MAX ? syscall_action_names[a] : NULL;
}
const char *limits_enforce_to_string(enum limits_enforce e)
{
	return e >= 0 && e < _LIMITS_ENFORCE_MAX ? enforce_names[e] : NULL;
}

const char *log_scope_to_string(enum log_scope s)
{
	return s >= 0 && s < _LOG_SCOPE_MAX ? log_scope_names[s] : NULL;
}
const char *violation_action_to_string(enum violation_action a)
{
	return a >= 0 && a < _VIOLATION_MAX ? violation_names[a] : NULL;
}

static int lookup_name(const char *const *names, const char *s)
{
	for (int i = 0; names[i]; i++)
		if (streq(names[i], s))
			return i;
	return -EINVAL;
}

/* ------------------------------------------------------------------------ */
/* key table */

enum key_type {
	KT_INCLUDE,
	KT_STRING,
	KT_OPTION, /* a command-line option such as "-f", or "none" */
	KT_USER,
	KT_BOOL,
	KT_ENUM,
	KT_SIZE,
	KT_CPUS,
	KT_COUNT,
	KT_DURATION,
	KT_NOFILE,
	KT_DEVICE,
	KT_PATHS,      /* absolute paths */
	KT_HOME_PATHS, /* absolute or "~/..." paths */
	KT_ENV_PATTERNS,
	KT_ENV_SET,
	KT_ARG_PATTERNS,
	KT_SYSCALLS,
	KT_TMPFS,
	KT_NET_RULE,
};

struct key_def {
	const char *section;
	const char *name;
	enum key_type type;
	int pkey;      /* scalar slot, or -1 */
	size_t offset; /* into struct profile */
	const char *const *enum_names;
};

#define OFF(f) offsetof(struct profile, f)

static const struct key_def keys[] = {
	{"profile", "include", KT_INCLUDE, -1, 0, NULL},
	{"profile", "description", KT_STRING, PKEY_DESCRIPTION, OFF(description), NULL},
	{"profile", "environment", KT_ENUM, PKEY_ENVIRONMENT, OFF(environment), environment_names},
	{"profile", "user", KT_USER, PKEY_USER, OFF(user), NULL},
	{"profile", "allow_root", KT_BOOL, PKEY_ALLOW_ROOT, OFF(allow_root), NULL},
	{"exec", "allow", KT_PATHS, -1, OFF(exec_allow), NULL},
	{"exec", "log", KT_ENUM, PKEY_EXEC_LOG, OFF(exec_log), log_scope_names},
	{"filesystem", "read_only", KT_HOME_PATHS, -1, OFF(read_only), NULL},
	{"filesystem", "hide", KT_HOME_PATHS, -1, OFF(hide), NULL},
	{"filesystem", "writable", KT_HOME_PATHS, -1, OFF(writable), NULL},
	{"filesystem", "tmpfs", KT_TMPFS, -1, OFF(tmpfs), NULL},
	{"network", "mode", KT_ENUM, PKEY_NET_MODE, OFF(net_mode), net_mode_names},
	{"network", "bind", KT_ENUM, PKEY_NET_BIND, OFF(net_bind), net_bind_names},
	{"network", "log", KT_ENUM, PKEY_NET_LOG, OFF(net_log), log_scope_names},
	{"network", "allow", KT_NET_RULE, -1, OFF(net_allow), NULL},
	{"syscalls", "deny", KT_SYSCALLS, -1, OFF(syscall_deny), NULL},
	{"syscalls", "action", KT_ENUM, PKEY_SYSCALL_ACTION, OFF(syscall_action),
         syscall_action_names},
	{"limits", "memory", KT_SIZE, PKEY_MEMORY, OFF(limits.memory), NULL},
	{"limits", "memory_high", KT_SIZE, PKEY_MEMORY_HIGH, OFF(limits.memory_high), NULL},
	{"limits", "swap", KT_SIZE, PKEY_SWAP, OFF(limits.swap), NULL},
	{"limits", "cpus", KT_CPUS, PKEY_CPUS, OFF(limits.cpus_milli), NULL},
	{"limits", "pids", KT_COUNT, PKEY_PIDS, OFF(limits.pids), NULL},
	{"limits", "io_read", KT_SIZE, PKEY_IO_READ, OFF(limits.io_read), NULL},
	{"limits", "io_write", KT_SIZE, PKEY_IO_WRITE, OFF(limits.io_write), NULL},
	{"limits", "io_device", KT_DEVICE, PKEY_IO_DEVICE, OFF(limits.io_device), NULL},
	{"limits", "wall_time", KT_DURATION, PKEY_WALL_TIME, OFF(limits.wall_time), NULL},
	{"limits", "cpu_time", KT_DURATION, PKEY_CPU_TIME, OFF(limits.cpu_time), NULL},
	{"limits", "io_bytes", KT_SIZE, PKEY_IO_BYTES, OFF(limits.io_bytes), NULL},
	{"limits", "runaway", KT_DURATION, PKEY_RUNAWAY, OFF(limits.runaway), NULL},
	{"limits", "nofile", KT_NOFILE, PKEY_NOFILE, OFF(limits.nofile), NULL},
	{"limits", "enforce", KT_ENUM, PKEY_ENFORCE, OFF(limits.enforce), enforce_names},
	{"environment", "keep", KT_ENV_PATTERNS, -1, OFF(env_keep), NULL},
	{"environment", "set", KT_ENV_SET, -1, OFF(env_set), NULL},
	{"debug", "deny_env", KT_ENV_PATTERNS, -1, OFF(debug_deny_env), NULL},
	{"debug", "deny_args", KT_ARG_PATTERNS, -1, OFF(debug_deny_args), NULL},
	{"violations", "exec", KT_ENUM, PKEY_VIOLATION_EXEC, OFF(violation_exec), violation_names},
	{"violations", "network", KT_ENUM, PKEY_VIOLATION_NET, OFF(violation_net), violation_names},
	{"violations", "relaunch_strikes", KT_COUNT, PKEY_RELAUNCH_STRIKES, OFF(relaunch_strikes),
         NULL},
	{"violations", "relaunch_cooldown", KT_DURATION, PKEY_RELAUNCH_COOLDOWN,
         OFF(relaunch_cooldown), NULL},
	{"jupyter", "connection_file", KT_OPTION, PKEY_JUPYTER_CONNECTION_FILE,
         OFF(jupyter_connection_file), NULL},
};

static const char *const known_sections[] = {"profile",    "exec",    "filesystem",  "network",
                                             "syscalls",   "limits",  "environment", "debug",
                                             "violations", "jupyter", NULL};

/* ------------------------------------------------------------------------ */
/* parse context */

struct ctx {
	struct profile *p;
	const struct profile_search *search;
	unsigned flags;
	char ***errors;
	size_t n_errors;
	/* current file */
	const char *file; /* interned in p->files */
	unsigned line;
	int pass;
	bool deny_assigned;
	/* include stack, for cycle detection */
	const char *stack[PROFILE_MAX_INCLUDE_DEPTH + 1];
	int depth;
};

static void ctx_error(struct ctx *c, unsigned line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void ctx_error(struct ctx *c, unsigned line, const char *fmt, ...)
{
	char msg[512], *s;
	va_list ap;

	c->n_errors++;
	if (c->n_errors > MAX_ERRORS)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (c->n_errors == MAX_ERRORS)
		snprintf(msg, sizeof(msg), "too many errors, giving up");
	if (line > 0) {
		if (asprintf(&s, "%s:%u: %s", c->file, line, msg) < 0)
			s = NULL;
	} else if (asprintf(&s, "%s: %s", c->file, msg) < 0) {
		s = NULL;
	}
	(void)strv_consume(c->errors, s);
}

/* ------------------------------------------------------------------------ */
/* value parsers */

int profile_split_words(const char *value, char ***ret)
{
	char **l = calloc(1, sizeof(char *));
	const char *s = value;

	if (!l)
		return -ENOMEM;
	for (;;) {
		_cleanup_free_ char *w = NULL;
		size_t n = 0;
		bool quoted = false, any = false;

		while (*s == ' ' || *s == '\t')
			s++;
		if (!*s)
			break;
		w = malloc(strlen(s) + 1);
		if (!w)
			goto oom;
		while (*s && (quoted || (*s != ' ' && *s != '\t'))) {
			any = true;
			if (*s == '"') {
				quoted = !quoted;
				s++;
			} else if (*s == '\\' && quoted && (s[1] == '"' || s[1] == '\\')) {
				w[n++] = s[1];
				s += 2;
			} else {
				w[n++] = *s++;
			}
		}
		if (quoted) {
			strv_free(l);
			return -EBADMSG;
		}
		w[n] = 0;
		if (any && strv_consume(&l, TAKE_PTR(w)) < 0) {
			l = NULL;
			goto oom;
		}
	}
	*ret = l;
	return 0;
oom:
	strv_free(l);
	return -ENOMEM;
}

static int parse_home_path(const char *w, bool tilde_ok, char **ret)
{
	_cleanup_free_ char *c = NULL;
	int r;

	if (tilde_ok && (streq(w, "~") || strncmp(w, "~/", 2) == 0)) {
		r = path_canonicalize(w[1] ? w + 1 : "/", &c);
		if (r < 0)
			return r;
		if (streq(c, "/"))
			*ret = strdup("~");
		else if (asprintf(ret, "~%s", c) < 0)
			*ret = NULL;
		return *ret ? 0 : -ENOMEM;
	}
	return path_canonicalize(w, ret);
}

int tmpfs_parse(const char *value, struct tmpfs_mount *ret, char **ret_error)
{
	char **words = NULL;
	struct tmpfs_mount t = {.size = 0, .mode = 01777};
	int r;

	r = profile_split_words(value, &words);
	if (r < 0) {
		*ret_error = strdup(r == -EBADMSG ? "unterminated quote" : "out of memory");
		return r;
	}
	if (!words[0]) {
		*ret_error = strdup("expected: PATH size=SIZE [mode=OCTAL]");
		r = -EINVAL;
		goto out;
	}
	r = parse_home_path(words[0], true, &t.path);
	if (r < 0) {
		if (asprintf(ret_error, "tmpfs path '%s' must be absolute (or ~/...) without '..'",
		             words[0]) < 0)
			*ret_error = NULL;
		goto out;
	}
	for (char **w = words + 1; *w; w++) {
		if (strncmp(*w, "size=", 5) == 0) {
			r = parse_size(*w + 5, &t.size);
			if (r < 0 || t.size == VALUE_MAX || t.size < 4096) {
				if (asprintf(ret_error,
				             "invalid tmpfs size '%s' (a size of at least 4K, e.g. "
				             "256M)",
				             *w + 5) < 0)
					*ret_error = NULL;
				r = -EINVAL;
				goto out;
			}
		} else if (strncmp(*w, "mode=", 5) == 0) {
			char *end;
			unsigned long m;

			errno = 0;
			m = strtoul(*w + 5, &end, 8);
			if (errno || *end || end == *w + 5 || m > 07777 || (m & 06000)) {
				if (asprintf(ret_error,
				             "invalid tmpfs mode '%s' (octal, no setuid/setgid "
				             "bits)",
				             *w + 5) < 0)
					*ret_error = NULL;
				r = -EINVAL;
				goto out;
			}
			t.mode = (uint32_t)m;
		} else {
			if (asprintf(ret_error,
			             "unknown tmpfs option '%s' (expected size= or mode=)", *w) < 0)
				*ret_error = NULL;
			r = -EINVAL;
			goto out;
		}
	}
	if (t.size == 0) {
		*ret_error = strdup("tmpfs needs an explicit size= (it is charged to memory)");
		r = -EINVAL;
		goto out;
	}
	*ret = t;
	t.path = NULL;
	r = 0;
out:
	free(t.path);
	strv_free(words);
	return r;
}

static bool env_pattern_is_valid(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && !strchr("_*?[]!-", *s))
			return false;
	return true;
}

/* ------------------------------------------------------------------------ */
/* applying values */

static void list_clear(struct list *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->items[i].value);
	free(l->items);
	l->items = NULL;
	l->n = 0;
}

static int list_add(struct list *l, char *value, struct origin o)
{
	struct item *n;

	for (size_t i = 0; i < l->n; i++)
		if (streq(l->items[i].value, value)) {
			free(value);
			return 0; /* idempotent: the same entry from two files */
		}
	if (l->n >= PROFILE_MAX_LIST) {
		free(value);
		return -E2BIG;
	}
	n = realloc(l->items, (l->n + 1) * sizeof(*n));
	if (!n) {
		free(value);
		return -ENOMEM;
	}
	l->items = n;
	l->items[l->n++] = (struct item){.value = value, .origin = o};
	return 0;
}

static void tmpfs_clear(struct profile *p)
{
	for (size_t i = 0; i < p->n_tmpfs; i++)
		free(p->tmpfs[i].path);
	free(p->tmpfs);
	p->tmpfs = NULL;
	p->n_tmpfs = 0;
}

static void net_allow_clear(struct profile *p)
{
	for (size_t i = 0; i < p->n_net_allow; i++)
		net_rule_done(&p->net_allow[i]);
	free(p->net_allow);
	p->net_allow = NULL;
	p->n_net_allow = 0;
}

static void apply_list(struct ctx *c, const struct key_def *k, const char *value)
{
	struct list *l = (struct list *)((char *)c->p + k->offset);
	struct origin o = {c->file, c->line};
	char **words = NULL;
	int r;

	r = profile_split_words(value, &words);
	if (r == -EBADMSG) {
		ctx_error(c, c->line, "%s: unterminated quote", k->name);
		return;
	}
	if (r < 0) {
		ctx_error(c, c->line, "out of memory");
		return;
	}
	if (!words[0]) {
		list_clear(l); /* "key =" resets the list, as in systemd units */
		strv_free(words);
		return;
	}
	STRV_FOREACH (w, words) {
		char *v = NULL;

		switch (k->type) {
		case KT_PATHS:
		case KT_HOME_PATHS:
			r = parse_home_path(*w, k->type == KT_HOME_PATHS, &v);
			if (r < 0) {
				ctx_error(c, c->line,
				          "%s: '%s' must be an absolute path%s without '..'",
				          k->name, *w,
				          k->type == KT_HOME_PATHS ? " (or ~/...)" : "");
				continue;
			}
			break;
		case KT_ENV_PATTERNS:
			if (!env_pattern_is_valid(*w)) {
				ctx_error(c, c->line, "%s: '%s' is not a variable name or glob",
				          k->name, *w);
				continue;
			}
			v = strdup(*w);
			break;
		case KT_ENV_SET: {
			const char *eq = strchr(*w, '=');

			if (!eq || !env_name_is_valid(*w, (size_t)(eq - *w))) {
				ctx_error(c, c->line, "%s: '%s' is not NAME=value", k->name, *w);
				continue;
			}
			v = strdup(*w);
			break;
		}
		case KT_ARG_PATTERNS:
			v = strdup(*w);
			break;
		case KT_SYSCALLS:
			if (!seccomp_name_is_valid(*w)) {
				ctx_error(
					c, c->line,
					"%s: unknown %s '%s' (see nbwarden.profile(5) for groups)",
					k->name, (*w)[0] == '@' ? "syscall group" : "syscall", *w);
				continue;
			}
			v = strdup(*w);
			break;
		default:
			abort();
		}
		r = list_add(l, v, o);
		if (r == -E2BIG) {
			ctx_error(c, c->line, "%s: too many entries (max %d)", k->name,
			          PROFILE_MAX_LIST);
			break;
		}
		if (r < 0)
			ctx_error(c, c->line, "out of memory");
	}
	strv_free(words);
}

/* Append one element to a typed array, within the list limit. */
static int array_append(void *items_ptr, size_t *n, size_t size, const void *elem)
{
	void **items = items_ptr;
	char *grown;

	if (*n >= PROFILE_MAX_LIST)
		return -E2BIG;
	grown = realloc(*items, (*n + 1) * size);
	if (!grown)
		return -ENOMEM;
	memcpy(grown + *n * size, elem, size);
	*items = grown;
	(*n)++;
	return 0;
}

static void apply_tmpfs(struct ctx *c, const char *value)
{
	struct profile *p = c->p;
	_cleanup_free_ char *err = NULL;
	struct tmpfs_mount t;
	int r;

	if (isempty(value)) {
		tmpfs_clear(p);
		return;
	}
	if (tmpfs_parse(value, &t, &err) < 0) {
		ctx_error(c, c->line, "tmpfs: %s", err ? err : "out of memory");
		return;
	}
	t.origin = (struct origin){c->file, c->line};
	for (size_t i = 0; i < p->n_tmpfs; i++)
		if (streq(p->tmpfs[i].path, t.path)) {
			/* a later definition of the same mount point replaces the earlier one */
			free(p->tmpfs[i].path);
			p->tmpfs[i] = t;
			return;
		}
	r = array_append(&p->tmpfs, &p->n_tmpfs, sizeof(t), &t);
	if (r < 0) {
		ctx_error(c, c->line, r == -E2BIG ? "tmpfs: too many entries" : "out of memory");
		free(t.path);
	}
}

static void apply_net_rule(struct ctx *c, const char *value)
{
	struct profile *p = c->p;
	_cleanup_free_ char *err = NULL;
	struct net_rule nr;
	int r;

	if (isempty(value)) {
		net_allow_clear(p);
		return;
	}
	if (net_rule_parse(value, &nr, &err) < 0) {
		ctx_error(c, c->line, "allow: %s", err ? err : "out of memory");
		return;
	}
	nr.origin = (struct origin){c->file, c->line};
	r = array_append(&p->net_allow, &p->n_net_allow, sizeof(nr), &nr);
	if (r < 0) {
		ctx_error(c, c->line, r == -E2BIG ? "allow: too many entries" : "out of memory");
		net_rule_done(&nr);
	}
}

int profile_add_net_rule(struct profile *p, const char *rule, const char *origin)
{
	struct net_rule nr;
	int r;

	r = net_rule_parse(rule, &nr, NULL);
	if (r < 0)
		return r;
	nr.origin = (struct origin){origin, 0};
	r = array_append(&p->net_allow, &p->n_net_allow, sizeof(nr), &nr);
	if (r < 0)
		net_rule_done(&nr);
	return r;
}

static bool user_name_is_valid(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 32 || s[0] == '-')
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && !strchr("_.-", s[i]))
			return false;
	return true;
}

/*
 * A scalar string is taken literally, unless it is wholly in double quotes:
 * then the quotes go and \" and \\ are unescaped ("profile show" writes that
 * form for values with spaces at either end, or none at all).
 */
static int unquote(const char *value, char **ret)
{
	size_t n = strlen(value);
	char *o;

	if (n < 2 || value[0] != '"' || value[n - 1] != '"')
		return (*ret = strdup(value)) ? 0 : -ENOMEM;
	*ret = o = malloc(n);
	if (!o)
		return -ENOMEM;
	for (size_t i = 1; i < n - 1; i++) {
		if (value[i] == '\\' && i + 1 < n - 1 &&
		    (value[i + 1] == '"' || value[i + 1] == '\\'))
			i++;
		*o++ = value[i];
	}
	*o = 0;
	return 0;
}

static void apply_scalar(struct ctx *c, const struct key_def *k, const char *value)
{
	void *field = (char *)c->p + k->offset;
	int r = 0;

	switch (k->type) {
	case KT_STRING:
	case KT_USER:
	case KT_DEVICE:
	case KT_OPTION: {
		char *v = NULL;

		if ((k->type == KT_DEVICE && streq(value, "auto")) ||
		    (k->type == KT_OPTION && streq(value, "none"))) {
			free(*(char **)field);
			*(char **)field = NULL; /* the device holding / */
			break;
		}
		if (k->type == KT_OPTION && !jupyter_option_is_valid(value)) {
			ctx_error(c, c->line,
			          "%s: '%s' is not an option (1-32 characters starting with '-', "
			          "no '=' or spaces) or none",
			          k->name, value);
			return;
		}
		if (k->type == KT_USER && !user_name_is_valid(value)) {
			ctx_error(c, c->line, "%s: '%s' is not a valid user name", k->name, value);
			return;
		}
		if (k->type == KT_DEVICE) {
			if (path_canonicalize(value, &v) < 0 || !path_startswith(v, "/dev")) {
				free(v);
				ctx_error(c, c->line, "%s: '%s' must be a block device under /dev",
				          k->name, value);
				return;
			}
		} else if (k->type == KT_STRING) {
			(void)unquote(value, &v); /* v stays NULL on OOM */
		} else {
			v = strdup(value);
		}
		if (!v) {
			ctx_error(c, c->line, "out of memory");
			return;
		}
		free(*(char **)field);
		*(char **)field = v;
		break;
	}
	case KT_BOOL:
		r = lookup_name(bool_names, value);
		if (r < 0) {
			ctx_error(c, c->line, "%s: expected yes or no, not '%s'", k->name, value);
			return;
		}
		*(bool *)field = r;
		break;
	case KT_ENUM:
		r = lookup_name(k->enum_names, value);
		if (r < 0) {
			char choices[128] = "";

			for (int i = 0; k->enum_names[i]; i++) {
				strcat(choices, i ? ", " : "");
				strcat(choices, k->enum_names[i]);
			}
			ctx_error(c, c->line, "%s: invalid value '%s' (one of: %s)", k->name, value,
			          choices);
			return;
		}
		*(int *)field = r;
		break;
	case KT_SIZE:
		r = parse_size(value, (uint64_t *)field);
		if (r < 0) {
			ctx_error(c, c->line, "%s: invalid size '%s' (e.g. 512M, 2G or max)",
			          k->name, value);
			return;
		}
		break;
	case KT_CPUS:
		if (streq(value, "max")) {
			*(uint32_t *)field = 0; /* no limit */
			break;
		}
		r = parse_cpus(value, (uint32_t *)field);
		if (r < 0) {
			ctx_error(c, c->line,
			          "%s: invalid CPU count '%s' (0.01 to 4096, at most 3 decimals)",
			          k->name, value);
			return;
		}
		break;
	case KT_COUNT:
		r = parse_count(value, (uint64_t *)field);
		if (r < 0 || *(uint64_t *)field == 0) {
			ctx_error(c, c->line, "%s: invalid count '%s' (a positive number or max)",
			          k->name, value);
			return;
		}
		break;
	case KT_DURATION:
		r = parse_duration(value, (uint64_t *)field);
		if (r < 0 || *(uint64_t *)field == 0) {
			ctx_error(c, c->line,
			          "%s: invalid duration '%s' (e.g. 90s, 30min, 8h, 1h30min or max)",
			          k->name, value);
			return;
		}
		break;
	case KT_NOFILE: {
		uint64_t v;

		r = parse_uint64(value, &v);
		if (r < 0 || v < 16 || v > 1048576) {
			ctx_error(c, c->line, "%s: invalid value '%s' (16 to 1048576)", k->name,
			          value);
			return;
		}
		*(uint64_t *)field = v;
		break;
	}
	default:
		abort();
	}
	c->p->origin[k->pkey] = (struct origin){c->file, c->line};
}

/* ------------------------------------------------------------------------ */
/* files */

static const struct key_def *key_find(const char *section, const char *name, bool *ret_section_ok)
{
	*ret_section_ok = false;
	for (size_t i = 0; known_sections[i]; i++)
		if (streq(known_sections[i], section))
			*ret_section_ok = true;
	for (size_t i = 0; i < ELEMENTSOF(keys); i++)
		if (streq(keys[i].section, section) && streq(keys[i].name, name))
			return &keys[i];
	return NULL;
}

static int load_file(struct ctx *c, const char *path, unsigned include_line);

static bool profile_name_is_valid(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 64 || s[0] == '.')
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && !strchr("_.-", s[i]))
			return false;
	return true;
}

/* Find NAME.conf: next to the including file first, then along the search path. */
static char *find_profile(const struct profile_search *search, const char *first_dir,
                          const char *name)
{
	_cleanup_free_ char *file = NULL;

	if (asprintf(&file, "%s.conf", name) < 0)
		return NULL;
	if (first_dir) {
		char *p = path_join(first_dir, file);

		if (p && access(p, F_OK) == 0)
			return p;
		free(p);
	}
	for (size_t i = 0; search && search->dirs[i]; i++) {
		char *p = path_join(search->dirs[i], file);

		if (p && access(p, F_OK) == 0)
			return p;
		free(p);
	}
	return NULL;
}

static void handle_include(struct ctx *c, const char *value)
{
	char **words = NULL;

	if (profile_split_words(value, &words) < 0 || !words[0]) {
		ctx_error(c, c->line, "include: expected one or more profile names");
		strv_free(words);
		return;
	}
	STRV_FOREACH (w, words) {
		_cleanup_free_ char *dir = NULL, *path = NULL;
		const char *saved_file = c->file;
		unsigned saved_line = c->line;
		int saved_pass = c->pass;
		char *slash;

		if (!profile_name_is_valid(*w)) {
			ctx_error(c, c->line, "include: '%s' is not a profile name", *w);
			continue;
		}
		dir = strdup(c->file);
		if (!dir) {
			ctx_error(c, c->line, "out of memory");
			break;
		}
		slash = strrchr(dir, '/');
		if (slash)
			*slash = 0;
		path = find_profile(c->search, slash ? dir : ".", *w);
		if (!path) {
			ctx_error(c, c->line, "include: profile '%s' not found", *w);
			continue;
		}
		(void)load_file(c, path, c->line);
		c->file = saved_file;
		c->line = saved_line;
		c->pass = saved_pass;
	}
	strv_free(words);
}

static int on_key(void *user, const char *section, const char *name, const char *value)
{
	struct ctx *c = user;
	const struct key_def *k;
	bool section_ok;

	k = key_find(section, name, &section_ok);
	if (c->pass == 1) {
		if (k && k->type == KT_INCLUDE)
			handle_include(c, value);
		return 1;
	}
	if (!section_ok) {
		/* an unknown [section] header was reported where it stands (read_line) */
		if (isempty(section))
			ctx_error(c, c->line, "'%s' appears before any [section]", name);
		return 1;
	}
	if (!k) {
		ctx_error(c, c->line, "unknown key '%s' in [%s]", name, section);
		return 1;
	}
	switch (k->type) {
	case KT_INCLUDE:
		break;
	case KT_TMPFS:
		apply_tmpfs(c, value);
		break;
	case KT_NET_RULE:
		apply_net_rule(c, value);
		break;
	case KT_PATHS:
	case KT_HOME_PATHS:
	case KT_ENV_PATTERNS:
	case KT_ENV_SET:
	case KT_ARG_PATTERNS:
	case KT_SYSCALLS:
		if (k->type == KT_SYSCALLS)
			c->deny_assigned = true;
		apply_list(c, k, value);
		break;
	default:
		if (isempty(value)) {
			ctx_error(c, c->line, "%s: empty value", name);
			break;
		}
		apply_scalar(c, k, value);
	}
	return 1;
}

struct reader {
	struct ctx *c;
	const char *pos, *end;
};

/*
 * fgets()-style reader for inih. It keeps our own line counter in step with
 * inih's, so handlers know their line, and turns an over-long line into an
 * error instead of letting inih split it into two.
 */
/*
 * libinih only tells us about sections through their keys: check headers as
 * lines go by, so that an unknown (even empty) section is reported at its line.
 */
static void check_section_header(struct ctx *c, const char *line)
{
	const char *end;
	char name[64];

	line += strspn(line, " \t");
	if (*line != '[')
		return;
	end = strchr(line, ']');
	if (!end)
		return; /* inih reports the syntax error */
	if ((size_t)(end - line - 1) >= sizeof(name)) {
		ctx_error(c, c->line, "unknown section [%.*s]", (int)(end - line - 1), line + 1);
		return;
	}
	snprintf(name, sizeof(name), "%.*s", (int)(end - line - 1), line + 1);
	for (size_t i = 0; known_sections[i]; i++)
		if (streq(known_sections[i], name))
			return;
	ctx_error(c, c->line, "unknown section [%s]", name);
}

static char *read_line(char *str, int num, void *stream)
{
	struct reader *rd = stream;
	const char *nl;
	size_t len = 0;

	if (rd->pos >= rd->end)
		return NULL;
	rd->c->line++;
	nl = memchr(rd->pos, '\n', (size_t)(rd->end - rd->pos));
	len = nl ? (size_t)(nl - rd->pos) + 1 : (size_t)(rd->end - rd->pos);
	if (len + 1 > (size_t)num || len > PROFILE_MAX_LINE) {
		if (rd->c->pass == 2)
			ctx_error(rd->c, rd->c->line, "line too long (max %d bytes)",
			          PROFILE_MAX_LINE);
		strcpy(str, "\n");
	} else {
		memcpy(str, rd->pos, len);
		str[len] = 0;
		if (rd->c->pass == 2)
			check_section_header(rd->c, str);
	}
	rd->pos += len;
	return str;
}

static int parse_text(struct ctx *c, const char *text, size_t len)
{
	for (c->pass = 1; c->pass <= 2; c->pass++) {
		struct reader rd = {c, text, text + len};
		int r;

		c->line = 0;
		/* Debian's libinih reads these at run time; lines are bounded by our reader. */
		ini_max_line = PROFILE_MAX_LINE + 3;
		ini_use_stack = true;
		r = ini_parse_stream(read_line, &rd, on_key, c);
		if (r > 0 && c->pass == 2)
			ctx_error(c, (unsigned)r,
			          "syntax error (expected [section] or key = value)");
		else if (r < 0 && c->pass == 2)
			ctx_error(c, 0, "parser failed");
	}
	return 0;
}

static const char *intern_file(struct profile *p, const char *path)
{
	if (strv_extend(&p->files, path) < 0)
		return NULL;
	return p->files[strv_length(p->files) - 1];
}

/*
 * A problem with a file as a whole: "FILE: message", or for an included file
 * "INCLUDER:LINE: include 'FILE': message".
 */
static void file_error(struct ctx *c, const char *path, unsigned include_line, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void file_error(struct ctx *c, const char *path, unsigned include_line, const char *fmt, ...)
{
	const char *saved = c->file;
	char msg[384];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (include_line) {
		ctx_error(c, include_line, "include '%s': %s", path, msg);
		return;
	}
	c->file = path;
	ctx_error(c, 0, "%s", msg);
	c->file = saved;
}

static int read_text(struct ctx *c, int fd, const char *path, unsigned include_line, char **ret,
                     size_t *ret_len)
{
	_cleanup_free_ char *buf = NULL;
	struct stat st;
	size_t len = 0, size;

	if (fstat(fd, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode)) {
		file_error(c, path, include_line, "not a regular file");
		return -EINVAL;
	}
	if ((c->flags & PROFILE_LOAD_STRICT_OWNER) && (st.st_uid != 0 || (st.st_mode & 022))) {
		file_error(c, path, include_line,
		           "refusing a profile that is not owned by root or is writable by group "
		           "or others");
		return -EPERM;
	}
	if (st.st_size > PROFILE_MAX_FILE_SIZE) {
		file_error(c, path, include_line, "file too large (max %d bytes)",
		           PROFILE_MAX_FILE_SIZE);
		return -EFBIG;
	}
	/* sized from fstat, grown if the file grows while we read it; never past the cap */
	size = (size_t)st.st_size + 1;
	buf = malloc(size + 1);
	if (!buf)
		return -ENOMEM;
	for (;;) {
		ssize_t n;

		if (len == size) {
			char *bigger;

			if (size > PROFILE_MAX_FILE_SIZE) {
				file_error(c, path, include_line, "file too large (max %d bytes)",
				           PROFILE_MAX_FILE_SIZE);
				return -EFBIG;
			}
			size = size * 2 > PROFILE_MAX_FILE_SIZE + 1 ? PROFILE_MAX_FILE_SIZE + 1
			                                            : size * 2;
			bigger = realloc(buf, size + 1);
			if (!bigger)
				return -ENOMEM;
			buf = bigger;
		}
		n = read(fd, buf + len, size - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			break;
		len += (size_t)n;
	}
	if (len > PROFILE_MAX_FILE_SIZE) {
		file_error(c, path, include_line, "file too large (max %d bytes)",
		           PROFILE_MAX_FILE_SIZE);
		return -EFBIG;
	}
	buf[len] = 0;
	*ret = TAKE_PTR(buf);
	*ret_len = len;
	return 0;
}

static int check_text(struct ctx *c, const char *text, size_t len)
{
	unsigned line = 1;

	for (size_t i = 0; i < len; i++) {
		if (text[i] == '\n')
			line++;
		else if (text[i] == 0) {
			ctx_error(c, line, "NUL byte in file");
			return -EINVAL;
		}
	}
	return 0;
}

static int load_text(struct ctx *c, const char *file, const char *text, size_t len,
                     unsigned include_line)
{
	const char *saved = c->file;
	int r;

	for (int i = 0; i < c->depth; i++)
		if (streq(c->stack[i], file)) {
			ctx_error(c, include_line, "include cycle through '%s'", file);
			return -ELOOP;
		}
	STRV_FOREACH (f, c->p->files)
		if (streq(*f, file))
			return 0; /* already included (diamond): apply once */
	if (c->depth >= PROFILE_MAX_INCLUDE_DEPTH) {
		ctx_error(c, include_line, "includes nested too deeply (max %d)",
		          PROFILE_MAX_INCLUDE_DEPTH);
		return -ELOOP;
	}
	c->file = intern_file(c->p, file);
	if (!c->file) {
		c->file = saved;
		return -ENOMEM;
	}
	c->stack[c->depth++] = c->file;
	r = check_text(c, text, len);
	if (r >= 0)
		r = parse_text(c, text, len);
	c->depth--;
	c->file = saved;
	return r;
}

static int load_file(struct ctx *c, const char *path, unsigned include_line)
{
	_cleanup_close_ int fd = -1;
	_cleanup_free_ char *text = NULL;
	size_t len = 0;
	int r;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NOFOLLOW | O_NONBLOCK);
	if (fd < 0) {
		r = -errno;
		file_error(c, path, include_line, "cannot open: %s%s", strerror(-r),
		           r == -ELOOP ? " (profiles must not be symlinks)" : "");
		return r;
	}
	r = read_text(c, fd, path, include_line, &text, &len);
	if (r < 0)
		return r;
	return load_text(c, path, text, len, include_line);
}

/* ------------------------------------------------------------------------ */
/* whole-profile checks and defaults */

static void set_defaults(struct profile *p)
{
	p->environment = ENVIRONMENT_PRODUCTION;
	p->net_mode = NET_MODE_NONE;
	p->net_bind = NET_BIND_LOOPBACK;
	p->syscall_action = SYSCALL_ACTION_ERRNO;
	p->net_log = LOG_DENIED;
	p->exec_log = LOG_DENIED;
	/* an exec the guard catches is an attack (ld.so, memfd): end the sandbox */
	p->violation_exec = VIOLATION_KILL;
	p->violation_net = VIOLATION_DENY;
	/* the first policy kill costs one restart, the second stops a restart loop */
	p->relaunch_strikes = 2;
	p->relaunch_cooldown = 60 * USEC_PER_SEC;
	p->limits = (struct profile_limits){
		.memory = VALUE_MAX,
		.memory_high = VALUE_MAX,
		.swap = VALUE_MAX,
		.cpus_milli = 0,
		.pids = VALUE_MAX,
		.io_read = VALUE_MAX,
		.io_write = VALUE_MAX,
		.wall_time = VALUE_MAX,
		.cpu_time = VALUE_MAX,
		.io_bytes = VALUE_MAX,
		.runaway = VALUE_MAX,
		.nofile = 1024,
		.enforce = LIMITS_ENFORCE_STRICT,
	};
}

static int apply_late_defaults(struct profile *p)
{
	if (!p->user) {
		p->user = strdup("nobody");
		if (!p->user)
			return -ENOMEM;
	}
	if (!p->description) {
		p->description = strdup("");
		if (!p->description)
			return -ENOMEM;
	}
	return 0;
}

/* A path may be given one treatment only: hide, writable, read_only or tmpfs. */
static void check_path_conflicts(struct ctx *c)
{
	struct profile *p = c->p;
	const struct {
		const char *name;
		const struct list *l;
	} lists[] = {{"hide", &p->hide}, {"writable", &p->writable}, {"read_only", &p->read_only}};

	for (size_t a = 0; a < ELEMENTSOF(lists); a++)
		for (size_t i = 0; i < lists[a].l->n; i++) {
			const struct item *x = &lists[a].l->items[i];

			for (size_t b = a + 1; b < ELEMENTSOF(lists); b++)
				for (size_t j = 0; j < lists[b].l->n; j++) {
					const struct item *y = &lists[b].l->items[j];

					if (!streq(x->value, y->value))
						continue;
					c->file = y->origin.file;
					ctx_error(c, y->origin.line,
					          "'%s' is both %s (%s:%u) and %s", y->value,
					          lists[a].name, x->origin.file, x->origin.line,
					          lists[b].name);
				}
			for (size_t t = 0; t < p->n_tmpfs; t++)
				if (streq(x->value, p->tmpfs[t].path)) {
					c->file = p->tmpfs[t].origin.file;
					ctx_error(c, p->tmpfs[t].origin.line,
					          "'%s' is both %s (%s:%u) and tmpfs", x->value,
					          lists[a].name, x->origin.file, x->origin.line);
				}
		}
	for (size_t t = 0; t < p->n_tmpfs; t++)
		if (streq(p->tmpfs[t].path, "/")) {
			c->file = p->tmpfs[t].origin.file;
			ctx_error(c, p->tmpfs[t].origin.line, "tmpfs cannot replace '/'");
		}
	for (size_t i = 0; i < p->hide.n; i++)
		if (streq(p->hide.items[i].value, "/")) {
			c->file = p->hide.items[i].origin.file;
			ctx_error(c, p->hide.items[i].origin.line, "hide cannot hide '/'");
		}
}

static void check_profile(struct ctx *c)
{
	struct profile *p = c->p;
	const char *top = c->file;

	check_path_conflicts(c);

	if (p->net_mode == NET_MODE_NONE && p->n_net_allow > 0) {
		c->file = p->net_allow[0].origin.file;
		ctx_error(
			c, p->net_allow[0].origin.line,
			"allow rules need [network] mode = host (mode is none: no network at all)");
	}
	if (p->limits.memory_high != VALUE_MAX && p->limits.memory != VALUE_MAX &&
	    p->limits.memory_high > p->limits.memory) {
		c->file = p->origin[PKEY_MEMORY_HIGH].file;
		ctx_error(c, p->origin[PKEY_MEMORY_HIGH].line,
		          "memory_high is above memory: it would never apply");
	}
	if (p->relaunch_cooldown > 24ULL * 3600 * USEC_PER_SEC) {
		c->file = p->origin[PKEY_RELAUNCH_COOLDOWN].file;
		ctx_error(c, p->origin[PKEY_RELAUNCH_COOLDOWN].line,
		          "relaunch_cooldown: at most 24h (to turn it off, set relaunch_strikes = "
		          "max)");
	}
	if (p->jupyter_connection_file && p->net_bind == NET_BIND_NONE) {
		c->file = p->origin[PKEY_JUPYTER_CONNECTION_FILE].file;
		ctx_error(c, p->origin[PKEY_JUPYTER_CONNECTION_FILE].line,
		          "a Jupyter kernel listens on its ports: connection_file needs [network] "
		          "bind = loopback or any (bind is none)");
	}
	if (p->allow_root && p->environment == ENVIRONMENT_PRODUCTION) {
		c->file = p->origin[PKEY_ALLOW_ROOT].file;
		ctx_error(c, p->origin[PKEY_ALLOW_ROOT].line,
		          "allow_root = yes is refused in a production profile");
	}
	c->file = top;
}

static int profile_new(const char *name, struct profile **ret)
{
	struct profile *p = calloc(1, sizeof(*p));

	if (!p)
		return -ENOMEM;
	p->name = strdup(name);
	p->files = calloc(1, sizeof(char *));
	if (!p->name || !p->files) {
		profile_free(p);
		return -ENOMEM;
	}
	set_defaults(p);
	*ret = p;
	return 0;
}

static int finish(struct ctx *c, int r, struct profile **ret)
{
	struct profile *p = c->p;

	/* The syscall deny list is "@default" unless some file assigned it (even empty). */
	if (r >= 0 && !c->deny_assigned) {
		char *v = strdup("@default");

		r = v ? list_add(&p->syscall_deny, v, (struct origin){NULL, 0}) : -ENOMEM;
	}
	if (r >= 0 && c->n_errors == 0)
		check_profile(c);
	if (r >= 0 && c->n_errors == 0)
		r = apply_late_defaults(p);
	if (r >= 0 && c->n_errors > 0)
		r = -EINVAL;
	if (r < 0) {
		if (strv_length(*c->errors) == 0)
			ctx_error(c, 0, "%s", strerror(-r));
		profile_free(p);
		return r;
	}
	*ret = p;
	return 0;
}

static int errors_init(char ***ret_errors)
{
	*ret_errors = calloc(1, sizeof(char *));
	return *ret_errors ? 0 : -ENOMEM;
}

int profile_load(const char *name_or_path, const struct profile_search *search, unsigned flags,
                 struct profile **ret, char ***ret_errors)
{
	_cleanup_free_ char *path = NULL;
	struct ctx c = {.search = search, .flags = flags, .file = name_or_path};
	int r;

	r = errors_init(ret_errors);
	if (r < 0)
		return r;
	c.errors = ret_errors;

	if (strchr(name_or_path, '/')) {
		path = strdup(name_or_path);
		if (!path)
			return -ENOMEM;
	} else {
		if (!profile_name_is_valid(name_or_path)) {
			ctx_error(&c, 0,
			          "not a valid profile name (letters, digits, '_', '-', '.')");
			return -EINVAL;
		}
		path = find_profile(search, NULL, name_or_path);
		if (!path) {
			ctx_error(&c, 0, "profile not found in the profile search path");
			return -ENOENT;
		}
	}
	r = profile_new(name_or_path, &c.p);
	if (r < 0)
		return r;
	r = load_file(&c, path, 0);
	return finish(&c, r, ret);
}

int profile_load_string(const char *text, const char *filename, const struct profile_search *search,
                        struct profile **ret, char ***ret_errors)
{
	struct ctx c = {.search = search, .file = filename};
	int r;

	r = errors_init(ret_errors);
	if (r < 0)
		return r;
	c.errors = ret_errors;
	if (strlen(text) > PROFILE_MAX_FILE_SIZE) {
		ctx_error(&c, 0, "file too large (max %d bytes)", PROFILE_MAX_FILE_SIZE);
		return -EFBIG;
	}
	r = profile_new(filename, &c.p);
	if (r < 0)
		return r;
	r = load_text(&c, filename, text, strlen(text), 0);
	return finish(&c, r, ret);
}

void profile_free(struct profile *p)
{
	if (!p)
		return;
	free(p->name);
	free(p->description);
	free(p->user);
	free(p->jupyter_connection_file);
	list_clear(&p->exec_allow);
	list_clear(&p->read_only);
	list_clear(&p->hide);
	list_clear(&p->writable);
	tmpfs_clear(p);
	net_allow_clear(p);
	list_clear(&p->syscall_deny);
	free(p->limits.io_device);
	list_clear(&p->env_keep);
	list_clear(&p->env_set);
	list_clear(&p->debug_deny_env);
	list_clear(&p->debug_deny_args);
	strv_free(p->files);
	free(p);
}

/* ------------------------------------------------------------------------ */
/* search path */

#ifndef NBW_SOURCE_DIR
#define NBW_SOURCE_DIR ""
#endif
#ifndef NBW_BUILD_DIR
#define NBW_BUILD_DIR ""
#endif

const struct profile_search *profile_search_default(void)
{
	static const char build_dir[] = NBW_BUILD_DIR, source_dir[] = NBW_SOURCE_DIR;
	static const char *dirs[4];
	static struct profile_search s = {dirs};
	static bool done;
	size_t n = 0;

	if (done)
		return &s;
	dirs[n++] = "/etc/nbwarden/profiles";
	dirs[n++] = NBW_DATADIR "/profiles";
	/* When running straight from the build directory, the source tree's profiles/. */
	if (build_dir[0] && source_dir[0]) {
		char exe[PATH_MAX];
		ssize_t l = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

		if (l > 0) {
			exe[l] = 0;
			if (path_startswith(exe, build_dir))
				dirs[n++] = NBW_SOURCE_DIR "/profiles";
		}
	}
	dirs[n] = NULL;
	done = true;
	return &s;
}

/* ------------------------------------------------------------------------ */
/* printing */

/*
 * Print a value so that it reads back the same: list words with blanks or
 * quotes, and scalars that are empty or have blanks at either end, are
 * written in double quotes with \" and \\ escaped.
 */
static void print_value(FILE *f, const char *v, bool list_word)
{
	size_t n = strlen(v);
	bool quote = n == 0 || v[0] == '"' || isspace((unsigned char)v[0]) ||
	             isspace((unsigned char)v[n - 1]) || (list_word && strpbrk(v, " \t\""));

	if (!quote) {
		fputs(v, f);
		return;
	}
	fputc('"', f);
	for (; *v; v++) {
		if (*v == '"' || *v == '\\')
			fputc('\\', f);
		fputc(*v, f);
	}
	fputc('"', f);
}

static void print_origin(FILE *f, const struct origin *o)
{
	if (o->line)
		fprintf(f, "\t; %s:%u", o->file, o->line);
	else
		fputs("\t; default", f);
}

static void print_scalar(FILE *f, const struct profile *p, const struct key_def *k)
{
	const void *field = (const char *)p + k->offset;
	char buf[32];
	const char *v = NULL;

	switch (k->type) {
	case KT_STRING:
	case KT_USER:
	case KT_DEVICE:
	case KT_OPTION:
		v = *(char *const *)field;
		if (!v && k->type == KT_DEVICE)
			v = "auto"; /* the device holding / */
		if (!v && k->type == KT_OPTION)
			v = "none";
		if (!v)
			return;
		break;
	case KT_BOOL:
		v = *(const bool *)field ? "yes" : "no";
		break;
	case KT_ENUM:
		v = k->enum_names[*(const int *)field];
		break;
	case KT_SIZE:
		v = format_size(*(const uint64_t *)field, buf);
		break;
	case KT_CPUS:
		v = *(const uint32_t *)field ? format_cpus(*(const uint32_t *)field, buf) : "max";
		break;
	case KT_COUNT:
	case KT_NOFILE:
		v = format_count(*(const uint64_t *)field, buf);
		break;
	case KT_DURATION:
		v = format_duration(*(const uint64_t *)field, buf);
		break;
	default:
		abort();
	}
	fprintf(f, "%s = ", k->name);
	if (k->type == KT_STRING)
		print_value(f, v, false);
	else
		fputs(v, f);
	print_origin(f, &p->origin[k->pkey]);
	fputc('\n', f);
}

static void print_list(FILE *f, const struct list *l, const char *name)
{
	for (size_t i = 0; i < l->n; i++) {
		fprintf(f, "%s = ", name);
		print_value(f, l->items[i].value, true);
		print_origin(f, &l->items[i].origin);
		fputc('\n', f);
	}
}

int profile_print(const struct profile *p, FILE *f)
{
	const char *section = NULL;

	fprintf(f, "; effective profile '%s'\n", p->name);
	STRV_FOREACH (file, p->files)
		fprintf(f, "; read %s\n", *file);
	for (size_t i = 0; i < ELEMENTSOF(keys); i++) {
		const struct key_def *k = &keys[i];

		if (k->type == KT_INCLUDE)
			continue; /* already applied */
		if (!streq(section, k->section)) {
			fprintf(f, "\n[%s]\n", k->section);
			section = k->section;
		}
		switch (k->type) {
		case KT_TMPFS:
			for (size_t t = 0; t < p->n_tmpfs; t++) {
				char sz[32];

				fputs("tmpfs = ", f);
				print_value(f, p->tmpfs[t].path, true);
				fprintf(f, " size=%s mode=%04o", format_size(p->tmpfs[t].size, sz),
				        p->tmpfs[t].mode);
				print_origin(f, &p->tmpfs[t].origin);
				fputc('\n', f);
			}
			break;
		case KT_NET_RULE:
			for (size_t t = 0; t < p->n_net_allow; t++) {
				char rule[NET_RULE_FORMAT_MAX];

				fprintf(f, "allow = %s",
				        net_rule_format(&p->net_allow[t], rule, sizeof(rule)));
				print_origin(f, &p->net_allow[t].origin);
				fputc('\n', f);
			}
			break;
		case KT_SYSCALLS:
			/* an empty deny list was assigned: otherwise it would be "@default" */
			if (p->syscall_deny.n == 0)
				fprintf(f, "%s =\n", k->name);
			print_list(f, &p->syscall_deny, k->name);
			break;
		case KT_PATHS:
		case KT_HOME_PATHS:
		case KT_ENV_PATTERNS:
		case KT_ENV_SET:
		case KT_ARG_PATTERNS:
			print_list(f, (const struct list *)((const char *)p + k->offset), k->name);
			break;
		default:
			print_scalar(f, p, k);
		}
	}
	return ferror(f) ? -EIO : 0;
}
