// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cgroup.h"
#include "cleanup.h"
#include "proto.h"
#include "util.h"

/* PROTO_MAX_MESSAGE as a size_t, to compare sizes with. */
#define MAX_MESSAGE ((size_t)PROTO_MAX_MESSAGE)

/* At most this many bytes of client input are echoed into an error message. */
#define ECHO_MAX 64

/* ------------------------------------------------------------------------ */
/* error messages for the client */

static int fail(char **ret_error, int r, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(char **ret_error, int r, const char *fmt, ...)
{
	va_list ap;

	if (!ret_error)
		return r;
	va_start(ap, fmt);
	if (vasprintf(ret_error, fmt, ap) < 0)
		*ret_error = NULL;
	va_end(ap);
	return r;
}

/*
 * Client input made fit for a message: at most ECHO_MAX bytes, every byte
 * outside printable ASCII replaced with '?', "..." when cut short.
 */
static const char *echo(char buf[static ECHO_MAX + 4], const char *s, size_t len)
{
	size_t n = len < ECHO_MAX ? len : ECHO_MAX;

	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		buf[i] = c >= 0x20 && c < 0x7f ? (char)c : '?';
	}
	if (len > n) {
		memcpy(buf + n, "...", 3);
		n += 3;
	}
	buf[n] = 0;
	return buf;
}

/* ------------------------------------------------------------------------ */
/* messages */

static bool key_is_valid(const char *key, size_t len)
{
	if (len == 0 || len > PROTO_MAX_KEY)
		return false;
	for (size_t i = 0; i < len; i++)
		if (!((key[i] >= 'a' && key[i] <= 'z') || key[i] == '_'))
			return false;
	return true;
}

static int msg_parse(const void *data, size_t len, struct proto_msg *ret, char **ret_error)
{
	_cleanup_free_ char *buf = NULL;
	_cleanup_free_ struct proto_field *fields = NULL;
	char e[ECHO_MAX + 4];
	const char *d = data;
	size_t n = 0;
	char *p;

	if (len > MAX_MESSAGE)
		return fail(ret_error, -EMSGSIZE, "request too large (at most %d bytes)",
		            PROTO_MAX_MESSAGE);
	if (len == 0)
		return fail(ret_error, -EBADMSG, "malformed request: empty");
	if (!d)
		return fail(ret_error, -EINVAL, "malformed request: no data");

	/* One field per NUL, and the last byte must be one. */
	for (size_t i = 0; i < len; i++)
		if (d[i] == 0)
			n++;
	if (n == 0 || d[len - 1] != 0)
		return fail(ret_error, -EBADMSG, "malformed request: no NUL after the last field");
	if (n > PROTO_MAX_FIELDS)
		return fail(ret_error, -EMSGSIZE, "request too large (at most %d fields)",
		            PROTO_MAX_FIELDS);

	buf = malloc(len);
	fields = calloc(n, sizeof(*fields));
	if (!buf || !fields)
		return fail(ret_error, -ENOMEM, "out of memory");
	memcpy(buf, d, len);

	/* The last byte is NUL, so every strlen() below stays inside buf. */
	p = buf;
	for (size_t i = 0; i < n; i++) {
		size_t flen = strlen(p), klen;
		char *eq = memchr(p, '=', flen);

		if (!eq)
			return fail(ret_error, -EBADMSG,
			            "malformed request: field '%s' without '='", echo(e, p, flen));
		klen = (size_t)(eq - p);
		if (!key_is_valid(p, klen))
			return fail(ret_error, -EBADMSG, "malformed request: invalid key '%s'",
			            echo(e, p, klen));
		*eq = 0;
		fields[i] = (struct proto_field){
			.key = p,
			.value = eq + 1,
			.value_len = flen - klen - 1,
		};
		p += flen + 1;
	}

	*ret = (struct proto_msg){
		.buf = TAKE_PTR(buf),
		.fields = TAKE_PTR(fields),
		.n = n,
	};
	return 0;
}

int proto_parse(const void *data, size_t len, struct proto_msg *ret)
{
	return msg_parse(data, len, ret, NULL);
}

void proto_msg_done(struct proto_msg *m)
{
	if (!m)
		return;
	free(m->buf);
	free(m->fields);
	*m = (struct proto_msg){0};
}

const char *proto_get(const struct proto_msg *m, const char *key)
{
	for (size_t i = 0; i < m->n; i++)
		if (streq(m->fields[i].key, key))
			return m->fields[i].value;
	return NULL;
}

size_t proto_count(const struct proto_msg *m, const char *key)
{
	size_t c = 0;

	for (size_t i = 0; i < m->n; i++)
		if (streq(m->fields[i].key, key))
			c++;
	return c;
}

/* ------------------------------------------------------------------------ */
/* writer */

static int writer_reserve(struct proto_writer *w, size_t need)
{
	size_t cap;
	char *b;

	if (need <= w->cap)
		return 0;
	cap = w->cap ? w->cap : 256;
	while (cap < need)
		cap *= 2;
	if (cap > MAX_MESSAGE)
		cap = MAX_MESSAGE; /* need never exceeds it */
	b = realloc(w->buf, cap);
	if (!b)
		return -ENOMEM;
	w->buf = b;
	w->cap = cap;
	return 0;
}

static void writer_add(struct proto_writer *w, const char *key, const char *value, size_t vlen)
{
	size_t klen;
	int r;

	klen = strnlen(key, PROTO_MAX_KEY + 1);
	if (!key_is_valid(key, klen)) {
		w->error = -EINVAL;
		return;
	}
	/* w->len <= PROTO_MAX_MESSAGE, so the sum cannot overflow once vlen is bounded. */
	if (vlen > MAX_MESSAGE || w->len + klen + 1 + vlen + 1 > MAX_MESSAGE) {
		w->error = -E2BIG;
		return;
	}
	r = writer_reserve(w, w->len + klen + 1 + vlen + 1);
	if (r < 0) {
		w->error = r;
		return;
	}
	memcpy(w->buf + w->len, key, klen);
	w->buf[w->len + klen] = '=';
	memcpy(w->buf + w->len + klen + 1, value, vlen);
	w->buf[w->len + klen + 1 + vlen] = 0;
	w->len += klen + 1 + vlen + 1;
}

void proto_add(struct proto_writer *w, const char *key, const char *value)
{
	if (w->error)
		return;
	if (!key || !value) {
		w->error = -EINVAL;
		return;
	}
	writer_add(w, key, value, strlen(value));
}

void proto_addf(struct proto_writer *w, const char *key, const char *fmt, ...)
{
	_cleanup_free_ char *value = NULL;
	va_list ap;
	int n;

	if (w->error)
		return;
	if (!key || !fmt) {
		w->error = -EINVAL;
		return;
	}
	va_start(ap, fmt);
	n = vasprintf(&value, fmt, ap);
	va_end(ap);
	if (n < 0) {
		value = NULL;
		w->error = -ENOMEM;
		return;
	}
	/* A "%c" of 0 would put a NUL inside the value. */
	if (strlen(value) != (size_t)n) {
		w->error = -EINVAL;
		return;
	}
	writer_add(w, key, value, (size_t)n);
}

int proto_finish(struct proto_writer *w, char **ret_buf, size_t *ret_len)
{
	size_t n = 0;
	int r = w->error;

	if (r == 0 && w->len == 0)
		r = -ENODATA; /* the parser refuses an empty message */
	if (r == 0) {
		for (size_t i = 0; i < w->len; i++)
			if (w->buf[i] == 0)
				n++;
		if (n > PROTO_MAX_FIELDS)
			r = -E2BIG;
	}
	if (r < 0) {
		proto_writer_done(w);
		return r;
	}
	*ret_buf = w->buf;
	*ret_len = w->len;
	*w = (struct proto_writer){0};
	return 0;
}

void proto_writer_done(struct proto_writer *w)
{
	if (!w)
		return;
	free(w->buf);
	*w = (struct proto_writer){0};
}

/* ------------------------------------------------------------------------ */
/* requests */

static const char *const op_names[_REQUEST_OP_MAX] = {
	[REQUEST_RUN] = "run",       [REQUEST_PS] = "ps",         [REQUEST_KILL] = "kill",
	[REQUEST_RELOAD] = "reload", [REQUEST_EVENTS] = "events", [REQUEST_METRICS] = "metrics",
	[REQUEST_SIGNAL] = "signal",
};

const char *request_op_to_string(enum request_op op)
{
	return op >= 0 && op < _REQUEST_OP_MAX ? op_names[op] : NULL;
}

enum request_op request_op_from_string(const char *s)
{
	for (int i = 0; i < _REQUEST_OP_MAX; i++)
		if (streq(op_names[i], s))
			return (enum request_op)i;
	return _REQUEST_OP_INVALID;
}

bool proto_signal_is_forwarded(int signo)
{
	switch (signo) {
	case SIGINT:
	case SIGTERM:
	case SIGHUP:
	case SIGQUIT:
	case SIGUSR1:
	case SIGUSR2:
	case SIGWINCH:
	case SIGCONT:
		return true;
	default:
		return false;
	}
}

enum field_kind {
	FIELD_STRING, /* char *, singleton */
	FIELD_BOOL,   /* bool, singleton, "0" or "1" */
	FIELD_SIGNO,  /* int, singleton, a forwarded signal */
	FIELD_LIST,   /* char **, repeatable */
};

enum field_rule {
	RULE_NONE,
	RULE_PROFILE,
	RULE_ID,
	RULE_CWD,
	RULE_ARG,
	RULE_ENV,
};

struct field_spec {
	const char *key;
	enum field_kind kind;
	enum field_rule rule;
	bool required;
	size_t offset; /* in struct request */
};

#define SPEC(k, kind, rule, req, member)                             \
	{                                                            \
		k, kind, rule, req, offsetof(struct request, member) \
	}

static const struct field_spec run_fields[] = {
	SPEC("profile", FIELD_STRING, RULE_PROFILE, true, profile),
	SPEC("id", FIELD_STRING, RULE_ID, false, id),
	SPEC("cwd", FIELD_STRING, RULE_CWD, true, cwd),
	SPEC("arg", FIELD_LIST, RULE_ARG, true, argv),
	SPEC("env", FIELD_LIST, RULE_ENV, false, env),
	SPEC("setenv", FIELD_LIST, RULE_ENV, false, setenv),
	SPEC("stats", FIELD_BOOL, RULE_NONE, false, stats),
	SPEC("events_fd", FIELD_BOOL, RULE_NONE, false, events_fd),
};

static const struct field_spec ps_fields[] = {
	SPEC("all", FIELD_BOOL, RULE_NONE, false, all),
	SPEC("json", FIELD_BOOL, RULE_NONE, false, json),
};

static const struct field_spec kill_fields[] = {
	SPEC("id", FIELD_STRING, RULE_ID, true, target),
};

static const struct field_spec events_fields[] = {
	SPEC("follow", FIELD_BOOL, RULE_NONE, false, follow),
	SPEC("json", FIELD_BOOL, RULE_NONE, false, json),
};

static const struct field_spec signal_fields[] = {
	SPEC("signo", FIELD_SIGNO, RULE_NONE, true, signo),
};

/* Every member of struct request but op, to check a request to build has only its op's. */
static const struct field_spec all_members[] = {
	SPEC("profile", FIELD_STRING, RULE_NONE, false, profile),
	SPEC("id", FIELD_STRING, RULE_NONE, false, id),
	SPEC("cwd", FIELD_STRING, RULE_NONE, false, cwd),
	SPEC("arg", FIELD_LIST, RULE_NONE, false, argv),
	SPEC("env", FIELD_LIST, RULE_NONE, false, env),
	SPEC("setenv", FIELD_LIST, RULE_NONE, false, setenv),
	SPEC("stats", FIELD_BOOL, RULE_NONE, false, stats),
	SPEC("events_fd", FIELD_BOOL, RULE_NONE, false, events_fd),
	SPEC("all", FIELD_BOOL, RULE_NONE, false, all),
	SPEC("json", FIELD_BOOL, RULE_NONE, false, json),
	SPEC("follow", FIELD_BOOL, RULE_NONE, false, follow),
	SPEC("id", FIELD_STRING, RULE_NONE, false, target),
	SPEC("signo", FIELD_SIGNO, RULE_NONE, false, signo),
};

#undef SPEC

struct op_spec {
	const struct field_spec *fields;
	size_t n;
};

static const struct op_spec op_specs[_REQUEST_OP_MAX] = {
	[REQUEST_RUN] = {run_fields, ELEMENTSOF(run_fields)},
	[REQUEST_PS] = {ps_fields, ELEMENTSOF(ps_fields)},
	[REQUEST_KILL] = {kill_fields, ELEMENTSOF(kill_fields)},
	[REQUEST_RELOAD] = {NULL, 0},
	[REQUEST_EVENTS] = {events_fields, ELEMENTSOF(events_fields)},
	[REQUEST_METRICS] = {NULL, 0},
	[REQUEST_SIGNAL] = {signal_fields, ELEMENTSOF(signal_fields)},
};

/* The largest op_spec; counts[] in request_parse() is sized by it. */
#define MAX_OP_FIELDS ELEMENTSOF(run_fields)

static const struct field_spec *op_find(const struct op_spec *o, const char *key)
{
	for (size_t i = 0; i < o->n; i++)
		if (streq(o->fields[i].key, key))
			return &o->fields[i];
	return NULL;
}

static bool key_is_known(const char *key)
{
	for (size_t i = 0; i < ELEMENTSOF(all_members); i++)
		if (streq(all_members[i].key, key))
			return true;
	return false;
}

/* Bytes a path or a name has no business holding: controls other than tab and newline. */
static bool has_control(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if ((c < 0x20 && c != '\t' && c != '\n') || c == 0x7f)
			return true;
	}
	return false;
}

static bool profile_name_is_valid(const char *s, size_t len)
{
	if (len == 0 || len > PROTO_MAX_NAME || s[0] == '.')
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '.' || c == '-'))
			return false;
	}
	return true;
}

static int check_value(const struct field_spec *s, const struct proto_field *f, char **ret_error)
{
	_cleanup_free_ char *canon = NULL;
	char e[ECHO_MAX + 4];
	const char *eq;
	int r;

	switch (s->rule) {
	case RULE_NONE:
		return 0;
	case RULE_PROFILE:
		if (has_control(f->value, f->value_len) ||
		    !profile_name_is_valid(f->value, f->value_len))
			return fail(ret_error, -EINVAL, "invalid profile name");
		return 0;
	case RULE_ID:
		if (has_control(f->value, f->value_len) || f->value_len > PROTO_MAX_NAME ||
		    !cgroup_id_is_valid(f->value))
			return fail(ret_error, -EINVAL, "invalid sandbox id");
		return 0;
	case RULE_CWD:
		if (has_control(f->value, f->value_len))
			return fail(ret_error, -EINVAL,
			            "invalid working directory (must be absolute and canonical)");
		r = path_canonicalize(f->value, &canon);
		if (r == -ENOMEM)
			return fail(ret_error, r, "out of memory");
		if (r == -ENAMETOOLONG)
			return fail(ret_error, -EINVAL, "working directory too long");
		if (r < 0 || !streq(canon, f->value))
			return fail(ret_error, -EINVAL,
			            "invalid working directory (must be absolute and canonical)");
		return 0;
	case RULE_ARG:
		return 0; /* any bytes; argv[0] is checked by the caller */
	case RULE_ENV:
		eq = memchr(f->value, '=', f->value_len);
		if (!eq)
			return fail(ret_error, -EINVAL,
			            "invalid entry in '%s' (expected NAME=value)", f->key);
		if (!env_name_is_valid(f->value, (size_t)(eq - f->value)))
			return fail(ret_error, -EINVAL, "invalid variable name '%s' in '%s'",
			            echo(e, f->value, (size_t)(eq - f->value)), f->key);
		return 0;
	}
	return -EINVAL;
}

static int store_value(struct request *req, const struct field_spec *s, const struct proto_field *f,
                       size_t *list_pos, char **ret_error)
{
	char *base = (char *)req + s->offset;
	char e[ECHO_MAX + 4];
	uint32_t u;
	char *v;
	int r;

	r = check_value(s, f, ret_error);
	if (r < 0)
		return r;

	switch (s->kind) {
	case FIELD_STRING:
		v = strdup(f->value);
		if (!v)
			return fail(ret_error, -ENOMEM, "out of memory");
		*(char **)(void *)base = v;
		return 0;
	case FIELD_BOOL:
		if (streq(f->value, "0"))
			*(bool *)(void *)base = false;
		else if (streq(f->value, "1"))
			*(bool *)(void *)base = true;
		else
			return fail(ret_error, -EINVAL, "invalid value for '%s' (expected 0 or 1)",
			            f->key);
		return 0;
	case FIELD_SIGNO:
		if (parse_uint32(f->value, &u) < 0)
			return fail(ret_error, -EINVAL, "invalid signal number '%s'",
			            echo(e, f->value, f->value_len));
		if (u > INT_MAX || !proto_signal_is_forwarded((int)u))
			return fail(ret_error, -EINVAL, "signal %u is not forwarded", (unsigned)u);
		*(int *)(void *)base = (int)u;
		return 0;
	case FIELD_LIST:
		/* The vector was sized by the first pass; list_pos counts its entries. */
		v = strdup(f->value);
		if (!v)
			return fail(ret_error, -ENOMEM, "out of memory");
		(*(char ***)(void *)base)[(*list_pos)++] = v;
		return 0;
	}
	return -EINVAL;
}

int request_parse(const void *data, size_t len, struct request *ret, char **ret_error)
{
	struct proto_msg m = {0};
	struct request req = {0};
	const struct op_spec *o;
	size_t counts[MAX_OP_FIELDS] = {0}, pos[MAX_OP_FIELDS] = {0};
	size_t n_op = 0, n_env = 0;
	const char *op = NULL;
	char e[ECHO_MAX + 4];
	int r;

	r = msg_parse(data, len, &m, ret_error);
	if (r < 0)
		goto finish;

	for (size_t i = 0; i < m.n; i++)
		if (streq(m.fields[i].key, "op")) {
			if (++n_op == 1)
				op = m.fields[i].value;
		}
	if (n_op == 0) {
		r = fail(ret_error, -EINVAL, "missing field 'op'");
		goto finish;
	}
	if (n_op > 1) {
		r = fail(ret_error, -EINVAL, "field 'op' given twice");
		goto finish;
	}
	req.op = request_op_from_string(op);
	if (req.op < 0) {
		r = fail(ret_error, -EINVAL, "unknown op '%s'", echo(e, op, strlen(op)));
		goto finish;
	}
	o = &op_specs[req.op];

	/* First pass: every field known and allowed, singletons once, counts. */
	for (size_t i = 0; i < m.n; i++) {
		const struct proto_field *f = &m.fields[i];
		const struct field_spec *s;
		size_t k;

		if (streq(f->key, "op"))
			continue;
		s = op_find(o, f->key);
		if (!s) {
			if (key_is_known(f->key))
				r = fail(ret_error, -EINVAL,
				         "malformed request: field '%s' not allowed with op '%s'",
				         echo(e, f->key, strlen(f->key)), op_names[req.op]);
			else
				r = fail(ret_error, -EINVAL,
				         "malformed request: unknown field '%s'",
				         echo(e, f->key, strlen(f->key)));
			goto finish;
		}
		k = (size_t)(s - o->fields);
		if (++counts[k] > 1 && s->kind != FIELD_LIST) {
			r = fail(ret_error, -EINVAL, "field '%s' given twice", s->key);
			goto finish;
		}
	}
	for (size_t k = 0; k < o->n; k++) {
		const struct field_spec *s = &o->fields[k];

		if (s->required && counts[k] == 0) {
			r = fail(ret_error, -EINVAL, "missing field '%s'", s->key);
			goto finish;
		}
		if (s->rule == RULE_ARG && counts[k] > PROTO_MAX_ARGS) {
			r = fail(ret_error, -EINVAL, "too many arguments (at most %d)",
			         PROTO_MAX_ARGS);
			goto finish;
		}
		if (s->rule == RULE_ENV)
			n_env += counts[k];
	}
	if (n_env > PROTO_MAX_ENV) {
		r = fail(ret_error, -EINVAL, "too many environment variables (at most %d)",
		         PROTO_MAX_ENV);
		goto finish;
	}

	/* Lists get their final size now; counts are bounded by PROTO_MAX_FIELDS. */
	for (size_t k = 0; k < o->n; k++) {
		const struct field_spec *s = &o->fields[k];
		char ***l = (char ***)(void *)((char *)&req + s->offset);

		if (s->kind != FIELD_LIST || counts[k] == 0)
			continue;
		*l = calloc(counts[k] + 1, sizeof(char *));
		if (!*l) {
			r = fail(ret_error, -ENOMEM, "out of memory");
			goto finish;
		}
	}

	/* Second pass: validate and copy, in the message's order. */
	for (size_t i = 0; i < m.n; i++) {
		const struct proto_field *f = &m.fields[i];
		const struct field_spec *s;

		if (streq(f->key, "op"))
			continue;
		s = op_find(o, f->key);
		r = store_value(&req, s, f, &pos[s - o->fields], ret_error);
		if (r < 0)
			goto finish;
	}

	if (req.op == REQUEST_RUN && (!req.argv || isempty(req.argv[0]))) {
		r = fail(ret_error, -EINVAL, "empty program name (first 'arg')");
		goto finish;
	}
	r = 0;

finish:
	proto_msg_done(&m);
	if (r < 0) {
		request_done(&req);
		memset(ret, 0, sizeof(*ret));
		return r;
	}
	*ret = req;
	return 0;
}

static bool member_is_zero(const struct request *r, const struct field_spec *s)
{
	const char *base = (const char *)r + s->offset;

	switch (s->kind) {
	case FIELD_STRING:
		return !*(char *const *)(const void *)base;
	case FIELD_LIST:
		return !*(char **const *)(const void *)base;
	case FIELD_BOOL:
		return !*(const bool *)(const void *)base;
	case FIELD_SIGNO:
		return *(const int *)(const void *)base == 0;
	}
	return false;
}

int request_build(const struct request *r, char **ret_data, size_t *ret_len)
{
	struct proto_writer w = {0};
	_cleanup_free_ char *buf = NULL;
	struct request check;
	const struct op_spec *o;
	size_t len = 0;
	int k;

	if (!r || r->op < 0 || r->op >= _REQUEST_OP_MAX)
		return -EINVAL;
	o = &op_specs[r->op];

	/* Members the op does not take must be unset, or the parser would not give r back. */
	for (size_t i = 0; i < ELEMENTSOF(all_members); i++) {
		const struct field_spec *s = &all_members[i];
		bool taken = false;

		for (size_t j = 0; j < o->n; j++)
			if (o->fields[j].offset == s->offset)
				taken = true;
		if (!taken && !member_is_zero(r, s))
			return -EINVAL;
	}

	proto_add(&w, "op", op_names[r->op]);
	for (size_t j = 0; j < o->n; j++) {
		const struct field_spec *s = &o->fields[j];
		const char *base = (const char *)r + s->offset;

		switch (s->kind) {
		case FIELD_STRING:
			if (*(char *const *)(const void *)base)
				proto_add(&w, s->key, *(char *const *)(const void *)base);
			break;
		case FIELD_BOOL:
			if (*(const bool *)(const void *)base)
				proto_add(&w, s->key, "1");
			break;
		case FIELD_SIGNO:
			proto_addf(&w, s->key, "%d", *(const int *)(const void *)base);
			break;
		case FIELD_LIST:
			STRV_FOREACH (v, *(char **const *)(const void *)base)
				proto_add(&w, s->key, *v);
			break;
		}
	}
	k = proto_finish(&w, &buf, &len);
	if (k < 0)
		return k;

	/* Refuse what the daemon would refuse. */
	k = request_parse(buf, len, &check, NULL);
	if (k == -ENOMEM)
		return k;
	if (k < 0)
		return -EINVAL;
	request_done(&check);

	*ret_data = TAKE_PTR(buf);
	*ret_len = len;
	return 0;
}

void request_done(struct request *r)
{
	if (!r)
		return;
	free(r->profile);
	free(r->id);
	free(r->cwd);
	strv_free(r->argv);
	strv_free(r->env);
	strv_free(r->setenv);
	free(r->target);
	memset(r, 0, sizeof(*r));
}
