// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Policy loading. The file is read whole (size-capped, no NUL bytes) and
 * parsed with libinih through our own line reader. The reader counts lines,
 * refuses over-long ones, strips leading blanks (so libinih never takes an
 * indented line for the continuation of the previous value), and handles
 * [role NAME] headers and lines that are not "key = value" itself: libinih
 * reports sections only through their keys, and only its first syntax error.
 * libinih then splits "key = value" and drops comments.
 *
 * Errors are kept in file order (a role's missing members are only known at
 * its end but belong to its header line), at most MAX_ERRORS of them.
 */
#include <fcntl.h>
#include <ini.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "policy.h"
#include "util.h"

#define MAX_ERRORS        20
#define MAX_QUEUE_TIMEOUT (24ULL * 3600 * USEC_PER_SEC)
#define PRINT_WIDTH       80
#define MAX_FILE_SIZE     ((size_t)POLICY_MAX_FILE_SIZE)

static const char *const budget_action_names[_BUDGET_ACTION_MAX] = {
	[BUDGET_ACTION_DENY] = "deny",
	[BUDGET_ACTION_THROTTLE] = "throttle",
	[BUDGET_ACTION_KILL] = "kill",
};

const char *budget_action_to_string(enum budget_action a)
{
	return a >= 0 && a < _BUDGET_ACTION_MAX ? budget_action_names[a] : NULL;
}

enum budget_action budget_action_from_string(const char *s)
{
	for (int i = 0; i < _BUDGET_ACTION_MAX; i++)
		if (streq(s, budget_action_names[i]))
			return (enum budget_action)i;
	return _BUDGET_ACTION_INVALID;
}

/* Keys that may be set once per role. */
enum scalar_key {
	KEY_MAX_CONCURRENT,
	KEY_QUEUE_TIMEOUT,
	KEY_LAUNCHES_PER_MINUTE,
	KEY_CPU_BUDGET,
	KEY_IO_BUDGET,
	KEY_ON_BUDGET_EXHAUSTED,
	KEY_ADMIN,
	_KEY_MAX,
	_KEY_INVALID = -EINVAL,
};

static const char *const scalar_key_names[_KEY_MAX] = {
	[KEY_MAX_CONCURRENT] = "max_concurrent",
	[KEY_QUEUE_TIMEOUT] = "queue_timeout",
	[KEY_LAUNCHES_PER_MINUTE] = "launches_per_minute",
	[KEY_CPU_BUDGET] = "cpu_budget",
	[KEY_IO_BUDGET] = "io_budget",
	[KEY_ON_BUDGET_EXHAUSTED] = "on_budget_exhausted",
	[KEY_ADMIN] = "admin",
};

static enum scalar_key scalar_key_from_string(const char *s)
{
	for (int i = 0; i < _KEY_MAX; i++)
		if (streq(s, scalar_key_names[i]))
			return (enum scalar_key)i;
	return _KEY_INVALID;
}

/* ------------------------------------------------------------------------ */
/* names */

static bool is_name_char(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
	       ch == '_' || ch == '.' || ch == '-';
}

static bool name_chars_ok(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!is_name_char(s[i]))
			return false;
	return true;
}

static bool role_name_is_valid(const char *s, size_t n)
{
	return n >= 1 && n <= 64 && name_chars_ok(s, n);
}

/* As useradd(8) allows: at most 32 bytes, no leading '-'; Debian also a trailing '$'. */
static bool user_name_is_valid(const char *s, size_t n)
{
	if (n > 32)
		return false;
	if (n > 1 && s[n - 1] == '$')
		n--;
	return n >= 1 && s[0] != '-' && name_chars_ok(s, n);
}

static bool group_name_is_valid(const char *s, size_t n)
{
	return n >= 1 && n <= 32 && s[0] != '-' && name_chars_ok(s, n);
}

/* The rule profile.c applies to the names it looks up. */
static bool profile_name_is_valid(const char *s, size_t n)
{
	return n >= 1 && n <= 64 && s[0] != '.' && name_chars_ok(s, n);
}

/* ------------------------------------------------------------------------ */
/* parse state */

enum section {
	SECTION_NONE, /* before the first header */
	SECTION_ROLE, /* in the last role of p->roles */
	SECTION_BAD,  /* after a header that was reported: its keys are not */
};

struct error {
	unsigned line;
	char *text; /* "FILE:LINE: message" */
};

struct parse {
	struct policy *p;
	const char *file;
	unsigned line;
	enum section section;
	size_t roles_cap;
	bool too_many_roles;

	/* the current role: list lengths and capacities, where its keys were set */
	size_t n_users, cap_users, n_groups, cap_groups, n_profiles, cap_profiles;
	unsigned key_line[_KEY_MAX];
	bool members_seen, profiles_seen;

	/* the MAX_ERRORS first errors in file order; n_errors counts them all */
	struct error errors[MAX_ERRORS];
	size_t n_kept, n_errors;
	bool oom;
};

static void error_at(struct parse *c, unsigned line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void error_at(struct parse *c, unsigned line, const char *fmt, ...)
{
	char msg[512], *text = NULL;
	va_list ap;
	size_t i;

	c->n_errors++;
	/* a later line cannot be among the first MAX_ERRORS any more */
	if (c->n_kept == MAX_ERRORS && line >= c->errors[MAX_ERRORS - 1].line)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (asprintf(&text, "%s:%u: %s", c->file, line, msg) < 0) {
		c->oom = true;
		return;
	}
	if (c->n_kept == MAX_ERRORS)
		free(c->errors[--c->n_kept].text);
	/* after every error on the same line: they stay in the order found */
	for (i = c->n_kept; i > 0 && c->errors[i - 1].line > line; i--)
		c->errors[i] = c->errors[i - 1];
	c->errors[i] = (struct error){line, text};
	c->n_kept++;
}

static void errors_free(struct parse *c)
{
	for (size_t i = 0; i < c->n_kept; i++)
		free(c->errors[i].text);
	c->n_kept = 0;
}

/* Hand the kept errors over as a vector; past MAX_ERRORS the last says so. */
static void errors_take(struct parse *c, char ***ret_errors)
{
	char **l;

	if (c->n_kept == 0)
		return;
	l = calloc(MAX_ERRORS + 1, sizeof(char *));
	if (!l) {
		errors_free(c);
		return;
	}
	for (size_t i = 0; i < c->n_kept; i++)
		l[i] = TAKE_PTR(c->errors[i].text);
	if (c->n_errors > MAX_ERRORS && c->n_kept == MAX_ERRORS) {
		char *s = NULL;

		if (asprintf(&s, "%s:%u: too many errors, giving up", c->file,
		             c->errors[MAX_ERRORS - 1].line) >= 0) {
			free(l[MAX_ERRORS - 1]);
			l[MAX_ERRORS - 1] = s;
		}
	}
	c->n_kept = 0;
	*ret_errors = l;
}

/* A problem with the file as a whole: "FILE: message". */
static void file_error(char ***errors, const char *file, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void file_error(char ***errors, const char *file, const char *fmt, ...)
{
	char msg[512], *s = NULL;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (asprintf(&s, "%s: %s", file, msg) < 0)
		s = NULL;
	(void)strv_consume(errors, s);
}

/* ------------------------------------------------------------------------ */
/* roles */

static struct role *current_role(struct parse *c)
{
	return &c->p->roles[c->p->n_roles - 1];
}

/* Append a copy of s[0..len) to a NULL-terminated list of known length and capacity. */
static int list_add(char ***l, size_t *n, size_t *cap, const char *s, size_t len)
{
	char *dup;

	if (*n + 2 > *cap) {
		size_t bigger = *cap ? *cap * 2 : 8;
		char **v = reallocarray(*l, bigger, sizeof(char *));

		if (!v)
			return -ENOMEM;
		*l = v;
		*cap = bigger;
	}
	dup = strndup(s, len);
	if (!dup)
		return -ENOMEM;
	(*l)[*n] = dup;
	(*l)[++*n] = NULL;
	return 0;
}

static int ensure_list(char ***l)
{
	if (!*l)
		*l = calloc(1, sizeof(char *));
	return *l ? 0 : -ENOMEM;
}

/* The current role is complete: check it and leave it. */
static void finish_role(struct parse *c)
{
	struct role *r;

	if (c->section != SECTION_ROLE)
		return;
	c->section = SECTION_NONE;
	r = current_role(c);
	if (!c->members_seen)
		error_at(c, r->line, "role '%s' has no members", r->name);
	if (!c->profiles_seen)
		error_at(c, r->line, "role '%s' has no profiles", r->name);
	/* loaded roles always have the three lists, perhaps empty */
	if (ensure_list(&r->users) < 0 || ensure_list(&r->groups) < 0 ||
	    ensure_list(&r->profiles) < 0)
		c->oom = true;
}

static void start_role(struct parse *c, const char *name, size_t n)
{
	struct policy *p = c->p;
	struct role *r;

	for (size_t i = 0; i < p->n_roles; i++)
		if (strlen(p->roles[i].name) == n && memcmp(p->roles[i].name, name, n) == 0) {
			error_at(c, c->line, "duplicate role '%.*s' (first defined on line %u)",
			         (int)n, name, p->roles[i].line);
			return;
		}
	if (p->n_roles >= POLICY_MAX_ROLES) {
		if (!c->too_many_roles)
			error_at(c, c->line, "too many roles (max %d)", POLICY_MAX_ROLES);
		c->too_many_roles = true;
		return;
	}
	if (p->n_roles == c->roles_cap) {
		size_t bigger = c->roles_cap ? c->roles_cap * 2 : 8;
		struct role *v = reallocarray(p->roles, bigger, sizeof(struct role));

		if (!v) {
			c->oom = true;
			return;
		}
		p->roles = v;
		c->roles_cap = bigger;
	}
	r = &p->roles[p->n_roles];
	*r = (struct role){
		.name = strndup(name, n),
		.line = c->line,
		.max_concurrent = POLICY_DEFAULT_MAX_CONCURRENT,
		.queue_timeout = POLICY_DEFAULT_QUEUE_TIMEOUT,
		.launches_per_minute = POLICY_DEFAULT_LAUNCHES_PER_MINUTE,
		.cpu_budget = VALUE_MAX,
		.io_budget = VALUE_MAX,
		.on_budget_exhausted = BUDGET_ACTION_DENY,
		.admin = false,
	};
	if (!r->name) {
		c->oom = true;
		return;
	}
	p->n_roles++;
	c->section = SECTION_ROLE;
	c->n_users = c->cap_users = c->n_groups = c->cap_groups = 0;
	c->n_profiles = c->cap_profiles = 0;
	memset(c->key_line, 0, sizeof(c->key_line));
	c->members_seen = c->profiles_seen = false;
}

/* Blanks within a line (as isspace() in the C locale, but for '\n'). */
static bool is_blank(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\v' || ch == '\f';
}

/* s[0..len) starts with '[' and has no blanks at either end. */
static void parse_header(struct parse *c, const char *s, size_t len)
{
	const char *close = memchr(s, ']', len), *end = s + len, *in, *in_end, *rest;

	finish_role(c);
	c->section = SECTION_BAD;
	if (close) {
		/* after the ']' only a comment */
		for (rest = close + 1; rest < end && is_blank(*rest); rest++)
			;
		if (rest < end && *rest != ';' && *rest != '#')
			close = NULL;
	}
	if (!close) {
		error_at(c, c->line, "syntax error (expected [role NAME])");
		return;
	}
	for (in = s + 1; in < close && is_blank(*in); in++)
		;
	for (in_end = close; in_end > in && is_blank(in_end[-1]); in_end--)
		;
	if (in_end - in < 4 || memcmp(in, "role", 4) != 0 ||
	    (in_end - in > 4 && !is_blank(in[4]))) {
		error_at(c, c->line, "unknown section [%.*s] (expected [role NAME])",
		         (int)(in_end - in), in);
		return;
	}
	for (in += 4; in < in_end && is_blank(*in); in++)
		;
	if (in == in_end) {
		error_at(c, c->line, "[role] without a name (expected [role NAME])");
		return;
	}
	if (!role_name_is_valid(in, (size_t)(in_end - in))) {
		error_at(c, c->line,
		         "invalid role name '%.*s' (1 to 64 letters, digits, '_', '.', '-')",
		         (int)(in_end - in), in);
		return;
	}
	start_role(c, in, (size_t)(in_end - in));
}

/* ------------------------------------------------------------------------ */
/* keys */

/* Call fn for each whitespace-separated word of v; returns how many there were. */
static size_t for_each_word(struct parse *c, const char *v,
                            void (*fn)(struct parse *c, const char *w, size_t n, bool *flag))
{
	size_t count = 0;
	bool flag = false;

	for (;;) {
		size_t n;

		while (*v && is_blank(*v))
			v++;
		if (!*v)
			break;
		for (n = 0; v[n] && !is_blank(v[n]); n++)
			;
		fn(c, v, n, &flag);
		count++;
		v += n;
	}
	return count;
}

static void add_member(struct parse *c, const char *w, size_t n, bool *flag)
{
	struct role *r = current_role(c);
	int k = 0;

	(void)flag;
	if (w[0] == '@') {
		if (!group_name_is_valid(w + 1, n - 1))
			error_at(c, c->line,
			         "members: '%.*s' is not a valid group name ('@' and 1 to 32 "
			         "letters, digits, '_', '.', '-', not starting with '-')",
			         (int)n, w);
		else
			k = list_add(&r->groups, &c->n_groups, &c->cap_groups, w + 1, n - 1);
	} else if (!user_name_is_valid(w, n)) {
		error_at(c, c->line,
		         "members: '%.*s' is not a valid user name (1 to 32 letters, digits, "
		         "'_', '.', '-', not starting with '-', perhaps ending in '$')",
		         (int)n, w);
	} else {
		k = list_add(&r->users, &c->n_users, &c->cap_users, w, n);
	}
	if (k < 0)
		c->oom = true;
}

static void add_profile(struct parse *c, const char *w, size_t n, bool *mixed)
{
	struct role *r = current_role(c);
	bool star = n == 1 && w[0] == '*';
	bool have_star = c->n_profiles > 0 && streq(r->profiles[0], "*");

	if (!star && !profile_name_is_valid(w, n)) {
		error_at(c, c->line,
		         "profiles: '%.*s' is not a valid profile name (1 to 64 letters, "
		         "digits, '_', '.', '-', not starting with '.') or *",
		         (int)n, w);
		return;
	}
	if (c->n_profiles > 0 && star != have_star) {
		if (!*mixed)
			error_at(c, c->line,
			         "profiles: '*' (every profile) cannot be combined with profile "
			         "names");
		*mixed = true;
		return;
	}
	if (star && have_star)
		return;
	if (list_add(&r->profiles, &c->n_profiles, &c->cap_profiles, w, n) < 0)
		c->oom = true;
}

static void apply_scalar(struct parse *c, enum scalar_key k, const char *v)
{
	struct role *r = current_role(c);
	uint64_t u64 = 0;
	uint32_t u32 = 0;

	switch (k) {
	case KEY_MAX_CONCURRENT:
		if (parse_uint32(v, &u32) < 0 || u32 < 1 || u32 > 1000)
			error_at(c, c->line, "max_concurrent: '%s' is not a number from 1 to 1000",
			         v);
		else
			r->max_concurrent = u32;
		break;
	case KEY_QUEUE_TIMEOUT:
		if (parse_duration(v, &u64) < 0 || u64 > MAX_QUEUE_TIMEOUT)
			error_at(
				c, c->line,
				"queue_timeout: '%s' is not a duration from 0 (never queue) to 24h",
				v);
		else
			r->queue_timeout = u64;
		break;
	case KEY_LAUNCHES_PER_MINUTE:
		if (parse_uint32(v, &u32) < 0 || u32 > 100000)
			error_at(c, c->line,
			         "launches_per_minute: '%s' is not a number from 0 (no limit) to "
			         "100000",
			         v);
		else
			r->launches_per_minute = u32;
		break;
	case KEY_CPU_BUDGET:
		if (streq(v, "none"))
			u64 = VALUE_MAX;
		else if (parse_duration(v, &u64) < 0)
			u64 = 0;
		if (u64 == 0)
			error_at(c, c->line,
			         "cpu_budget: '%s' is not a CPU time above 0 (e.g. 90min, 8h), max "
			         "or none",
			         v);
		else
			r->cpu_budget = u64;
		break;
	case KEY_IO_BUDGET:
		if (streq(v, "none"))
			u64 = VALUE_MAX;
		else if (parse_size(v, &u64) < 0)
			u64 = 0;
		if (u64 == 0)
			error_at(c, c->line,
			         "io_budget: '%s' is not a size above 0 (e.g. 500M, 200G), max or "
			         "none",
			         v);
		else
			r->io_budget = u64;
		break;
	case KEY_ON_BUDGET_EXHAUSTED: {
		enum budget_action a = budget_action_from_string(v);

		if (a < 0)
			error_at(c, c->line,
			         "on_budget_exhausted: '%s' is not one of deny, throttle, kill", v);
		else
			r->on_budget_exhausted = a;
		break;
	}
	case KEY_ADMIN:
		if (streq(v, "yes") || streq(v, "no"))
			r->admin = streq(v, "yes");
		else
			error_at(c, c->line, "admin: '%s' is not yes or no", v);
		break;
	default:
		abort();
	}
}

static int on_key(void *user, const char *section, const char *name, const char *value)
{
	struct parse *c = user;
	enum scalar_key k;

	(void)section; /* ours is in c->section: the reader keeps headers from libinih */
	if (isempty(name)) {
		error_at(c, c->line, "syntax error (expected key = value)");
		return 1;
	}
	if (c->section == SECTION_BAD)
		return 1;
	if (c->section == SECTION_NONE) {
		error_at(c, c->line, "'%s' appears before any [role NAME] section", name);
		return 1;
	}
	if (streq(name, "members")) {
		c->members_seen = true;
		if (for_each_word(c, value, add_member) == 0)
			error_at(c, c->line, "members: expected user names and @group names");
		return 1;
	}
	if (streq(name, "profiles")) {
		c->profiles_seen = true;
		if (for_each_word(c, value, add_profile) == 0)
			error_at(c, c->line, "profiles: expected profile names or *");
		return 1;
	}
	k = scalar_key_from_string(name);
	if (k < 0) {
		error_at(c, c->line, "unknown key '%s' in [role %s]", name, current_role(c)->name);
		return 1;
	}
	if (c->key_line[k]) {
		error_at(c, c->line, "duplicate key '%s' in [role %s] (first set on line %u)", name,
		         current_role(c)->name, c->key_line[k]);
		return 1;
	}
	c->key_line[k] = c->line;
	if (isempty(value))
		error_at(c, c->line, "%s: empty value", name);
	else
		apply_scalar(c, k, value);
	return 1;
}

/* ------------------------------------------------------------------------ */
/* text */

struct reader {
	struct parse *c;
	const char *pos, *end;
};

/* What libinih takes for "key = value": a '=' or ':' before any inline comment. */
static bool looks_like_key(const char *s, size_t len)
{
	bool was_space = false;

	for (size_t i = 0; i < len; i++) {
		if (s[i] == '=' || s[i] == ':')
			return true;
		if (was_space && s[i] == ';')
			return false;
		was_space = is_blank(s[i]);
	}
	return false;
}

/* fgets()-style reader for libinih: hands it only "key = value" lines. */
static char *read_line(char *str, int num, void *stream)
{
	struct reader *rd = stream;
	struct parse *c = rd->c;
	const char *s = rd->pos, *nl;
	size_t len;

	if (rd->pos >= rd->end)
		return NULL;
	c->line++;
	nl = memchr(s, '\n', (size_t)(rd->end - s));
	len = nl ? (size_t)(nl - s) : (size_t)(rd->end - s);
	rd->pos = nl ? nl + 1 : rd->end;
	strcpy(str, "\n");
	if (len > POLICY_MAX_LINE || len + 2 > (size_t)num) {
		error_at(c, c->line, "line too long (max %d bytes)", POLICY_MAX_LINE);
		s += strspn(s, " \t");
		if (*s == '[') {
			/* a lost header: its keys must not land in the role before it */
			finish_role(c);
			c->section = SECTION_BAD;
		} else {
			/* a lost key: the role may not be "without members" for it */
			c->members_seen = c->profiles_seen = true;
		}
		return str;
	}
	if (c->line == 1 && len >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0) {
		s += 3;
		len -= 3;
	}
	while (len > 0 && is_blank(*s)) {
		s++;
		len--;
	}
	while (len > 0 && is_blank(s[len - 1]))
		len--;
	if (len == 0 || *s == ';' || *s == '#')
		return str;
	if (*s == '[') {
		parse_header(c, s, len);
		return str;
	}
	if (!looks_like_key(s, len)) {
		error_at(c, c->line, "syntax error (expected key = value)");
		return str;
	}
	memcpy(str, s, len);
	str[len] = '\n';
	str[len + 1] = 0;
	return str;
}

static int parse_text(const char *text, size_t len, const char *file, struct policy **ret,
                      char ***ret_errors)
{
	struct parse c = {.file = file};
	struct reader rd = {&c, text, text + len};
	const char *nul;
	int r;

	if (len > MAX_FILE_SIZE) {
		file_error(ret_errors, file, "file too large (max %d bytes)", POLICY_MAX_FILE_SIZE);
		return -EFBIG;
	}
	nul = memchr(text, 0, len);
	if (nul) {
		unsigned line = 1;

		for (const char *s = text; s < nul; s++)
			line += *s == '\n';
		error_at(&c, line, "NUL byte in file");
		errors_take(&c, ret_errors);
		return -EINVAL;
	}
	c.p = calloc(1, sizeof(struct policy));
	if (!c.p)
		return -ENOMEM;
	c.p->file = strdup(file);
	if (!c.p->file) {
		policy_free(c.p);
		return -ENOMEM;
	}

	/* libinih's settings are process-wide: set the ones we rely on every time */
	ini_max_line = POLICY_MAX_LINE + 3;
	ini_use_stack = true;
	ini_allow_inline_comments = true;
	ini_allow_no_value = false;
	ini_stop_on_first_error = false;
	r = ini_parse_stream(read_line, &rd, on_key, &c);
	finish_role(&c);
	if (r > 0 && c.n_errors == 0)
		/* the reader lets no line through that libinih refuses; just in case */
		error_at(&c, (unsigned)r, "syntax error (expected key = value)");
	else if (r < 0)
		c.oom = true;

	if (c.oom || c.n_errors > 0) {
		policy_free(c.p);
		errors_take(&c, ret_errors);
		return c.oom ? -ENOMEM : -EINVAL;
	}
	*ret = c.p;
	return 0;
}

int policy_load_string(const char *text, const char *file, struct policy **ret, char ***ret_errors)
{
	*ret_errors = NULL;
	return parse_text(text, strnlen(text, MAX_FILE_SIZE + 1), file, ret, ret_errors);
}

/* Read fd to its end, at most POLICY_MAX_FILE_SIZE bytes (-EFBIG past that). */
static int read_all(int fd, size_t size_hint, char **ret, size_t *ret_len)
{
	_cleanup_free_ char *buf = NULL;
	size_t len = 0, size = size_hint + 1;

	buf = malloc(size + 1);
	if (!buf)
		return -ENOMEM;
	for (;;) {
		ssize_t n;

		if (len == size) {
			size_t bigger = size * 2 > MAX_FILE_SIZE + 1 ? MAX_FILE_SIZE + 1 : size * 2;
			char *v;

			if (size > MAX_FILE_SIZE)
				return -EFBIG;
			v = realloc(buf, bigger + 1);
			if (!v)
				return -ENOMEM;
			buf = v;
			size = bigger;
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
	if (len > MAX_FILE_SIZE)
		return -EFBIG;
	buf[len] = 0;
	*ret = TAKE_PTR(buf);
	*ret_len = len;
	return 0;
}

int policy_load(const char *path, bool strict_owner, struct policy **ret, char ***ret_errors)
{
	_cleanup_close_ int fd = -1;
	_cleanup_free_ char *buf = NULL;
	struct stat st;
	size_t len = 0;
	int r;

	*ret_errors = NULL;
	/* O_NONBLOCK: a FIFO must not hang us before fstat() finds it is not a file */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NOFOLLOW | O_NONBLOCK);
	if (fd < 0) {
		r = -errno;
		if (r == -ELOOP)
			file_error(ret_errors, path, "refusing to follow a symbolic link");
		else
			file_error(ret_errors, path, "%s", strerror(-r));
		return r;
	}
	if (fstat(fd, &st) < 0) {
		r = -errno;
		file_error(ret_errors, path, "%s", strerror(-r));
		return r;
	}
	if (!S_ISREG(st.st_mode)) {
		file_error(ret_errors, path, "not a regular file");
		return -EINVAL;
	}
	if (strict_owner && (st.st_uid != 0 || (st.st_mode & 022))) {
		file_error(ret_errors, path,
		           "refusing a policy that is not owned by root or is writable by group or "
		           "others");
		return -EPERM;
	}
	if ((uint64_t)st.st_size > MAX_FILE_SIZE) {
		file_error(ret_errors, path, "file too large (max %d bytes)", POLICY_MAX_FILE_SIZE);
		return -EFBIG;
	}
	r = read_all(fd, (size_t)st.st_size, &buf, &len);
	if (r == -EFBIG)
		file_error(ret_errors, path, "file too large (max %d bytes)", POLICY_MAX_FILE_SIZE);
	else if (r < 0)
		file_error(ret_errors, path, "%s", strerror(-r));
	if (r < 0)
		return r;
	return parse_text(buf, len, path, ret, ret_errors);
}

void policy_free(struct policy *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->n_roles; i++) {
		free(p->roles[i].name);
		strv_free(p->roles[i].users);
		strv_free(p->roles[i].groups);
		strv_free(p->roles[i].profiles);
	}
	free(p->roles);
	free(p->file);
	free(p);
}

/* ------------------------------------------------------------------------ */
/* lookups */

const struct role *policy_find_role(const struct policy *p, const char *user, char *const *groups)
{
	if (!p)
		return NULL;
	if (user)
		for (size_t i = 0; i < p->n_roles; i++)
			if (strv_contains(p->roles[i].users, user))
				return &p->roles[i];
	for (size_t i = 0; i < p->n_roles; i++)
		for (size_t g = 0; groups && groups[g]; g++)
			if (strv_contains(p->roles[i].groups, groups[g]))
				return &p->roles[i];
	return NULL;
}

bool role_allows_profile(const struct role *r, const char *profile)
{
	if (!r || !profile)
		return false;
	STRV_FOREACH (s, r->profiles)
		if (streq(*s, "*") || streq(*s, profile))
			return true;
	return false;
}

/* ------------------------------------------------------------------------ */
/* printing */

/* "key = a b c" lines of at most PRINT_WIDTH columns (lists append on load). */
static void print_list(FILE *f, const char *key, char *const *plain, char *const *groups)
{
	char *const *lists[2] = {plain, groups};
	size_t col = 0;

	for (size_t l = 0; l < ELEMENTSOF(lists); l++) {
		const char *prefix = l == 0 ? "" : "@";

		for (size_t i = 0; lists[l] && lists[l][i]; i++) {
			const char *w = lists[l][i];
			size_t n = strlen(prefix) + strlen(w);

			if (col > 0 && col + 1 + n > PRINT_WIDTH) {
				fputc('\n', f);
				col = 0;
			}
			if (col == 0) {
				fprintf(f, "%s =", key);
				col = strlen(key) + 2;
			}
			fprintf(f, " %s%s", prefix, w);
			col += 1 + n;
		}
	}
	if (col > 0)
		fputc('\n', f);
}

int policy_print(const struct policy *p, FILE *f)
{
	char a[32], b[32], d[32];

	if (p->n_roles == 0)
		fputs("; no roles: every caller is denied\n", f);
	for (size_t i = 0; i < p->n_roles; i++) {
		const struct role *r = &p->roles[i];

		fprintf(f, "%s[role %s]\n", i > 0 ? "\n" : "", r->name);
		print_list(f, "members", r->users, r->groups);
		print_list(f, "profiles", r->profiles, NULL);
		fprintf(f, "max_concurrent = %u\nqueue_timeout = %s\nlaunches_per_minute = %u\n",
		        r->max_concurrent, format_duration(r->queue_timeout, a),
		        r->launches_per_minute);
		fprintf(f,
		        "cpu_budget = %s\nio_budget = %s\non_budget_exhausted = %s\nadmin = %s\n",
		        format_duration(r->cpu_budget, b), format_size(r->io_budget, d),
		        budget_action_to_string(r->on_budget_exhausted), r->admin ? "yes" : "no");
	}
	return ferror(f) ? -EIO : 0;
}
