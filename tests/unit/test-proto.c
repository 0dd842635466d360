// SPDX-License-Identifier: GPL-2.0-or-later
/* Unit tests for supervisor/proto.c: datagram parsing, the writer, requests. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto.h"
#include "util.h"

/* A datagram from a string literal that spells out every NUL, e.g. D("op=ps\0"). */
#define D(s) s, sizeof(s) - 1

/* The limits as sizes. */
#define MAX_MESSAGE ((size_t)PROTO_MAX_MESSAGE)
#define MAX_FIELDS  ((size_t)PROTO_MAX_FIELDS)

/* ------------------------------------------------------------------------ */
/* helpers */

/* A growable byte buffer, to build datagrams without proto_writer. */
struct bytes {
	char *p;
	size_t len;
};

static void bytes_add(struct bytes *b, const void *data, size_t n)
{
	b->p = realloc(b->p, b->len + n + 1);
	assert_non_null(b->p);
	memcpy(b->p + b->len, data, n);
	b->len += n;
}

/* Append "key=value\0". */
static void bytes_field(struct bytes *b, const char *key, const char *value)
{
	bytes_add(b, key, strlen(key));
	bytes_add(b, "=", 1);
	bytes_add(b, value, strlen(value) + 1);
}

static void bytes_free(struct bytes *b)
{
	free(b->p);
	*b = (struct bytes){NULL, 0};
}

static bool request_is_zero(const struct request *r)
{
	return r->op == 0 && !r->profile && !r->id && !r->cwd && !r->argv && !r->env &&
	       !r->setenv && !r->stats && !r->events_fd && !r->all && !r->json && !r->follow &&
	       !r->target && r->signo == 0;
}

/* Parse must fail with want_r and exactly want_msg, leaving *ret zeroed. */
static void expect_request_error(const void *data, size_t len, int want_r, const char *want_msg)
{
	struct request req;
	char *error = NULL;
	int r;

	memset(&req, 0x5a, sizeof(req));
	r = request_parse(data, len, &req, &error);
	if (r != want_r)
		fail_msg("request_parse returned %d, want %d (message '%s')", r, want_r,
		         error ? error : "(null)");
	assert_true(request_is_zero(&req));
	assert_non_null(error);
	if (!streq(error, want_msg))
		fail_msg("message '%s', want '%s'", error, want_msg);
	free(error);

	/* ret_error may be NULL */
	memset(&req, 0x5a, sizeof(req));
	assert_int_equal(request_parse(data, len, &req, NULL), want_r);
	assert_true(request_is_zero(&req));
}

static void expect_request_ok(const void *data, size_t len, struct request *ret)
{
	char *error = NULL;
	int r = request_parse(data, len, ret, &error);

	if (r != 0)
		fail_msg("request_parse returned %d: %s", r, error ? error : "(null)");
	assert_null(error);
}

static void assert_strv_equal(char **a, char **b)
{
	assert_int_equal(strv_length(a), strv_length(b));
	for (size_t i = 0; a && a[i]; i++)
		assert_string_equal(a[i], b[i]);
}

static void assert_str_or_null_equal(const char *a, const char *b)
{
	if (!a || !b)
		assert_true(a == b);
	else
		assert_string_equal(a, b);
}

static void assert_request_equal(const struct request *a, const struct request *b)
{
	assert_int_equal(a->op, b->op);
	assert_str_or_null_equal(a->profile, b->profile);
	assert_str_or_null_equal(a->id, b->id);
	assert_str_or_null_equal(a->cwd, b->cwd);
	assert_strv_equal(a->argv, b->argv);
	assert_strv_equal(a->env, b->env);
	assert_strv_equal(a->setenv, b->setenv);
	assert_int_equal(a->stats, b->stats);
	assert_int_equal(a->events_fd, b->events_fd);
	assert_int_equal(a->all, b->all);
	assert_int_equal(a->json, b->json);
	assert_int_equal(a->follow, b->follow);
	assert_str_or_null_equal(a->target, b->target);
	assert_int_equal(a->signo, b->signo);
}

/* r builds to exactly want, and that parses back to r. */
static void round_trip(const struct request *r, const char *want, size_t want_len)
{
	struct request back;
	char *data = NULL;
	size_t len = 0;

	assert_int_equal(request_build(r, &data, &len), 0);
	assert_int_equal(len, want_len);
	assert_memory_equal(data, want, want_len);
	expect_request_ok(data, len, &back);
	assert_request_equal(r, &back);
	request_done(&back);
	assert_true(request_is_zero(&back));
	free(data);
}

#define V(...) ((char *[]){__VA_ARGS__, NULL})

/* ------------------------------------------------------------------------ */
/* proto_parse */

static void test_parse_fields(void **state)
{
	struct proto_msg m = {0};

	(void)state;
	assert_int_equal(proto_parse(D("op=run\0arg=a\0arg=\0env=A=B=C\0x_y=\t\n\xff\0"), &m), 0);
	assert_int_equal(m.n, 5);
	assert_string_equal(m.fields[0].key, "op");
	assert_string_equal(m.fields[0].value, "run");
	assert_int_equal(m.fields[0].value_len, 3);
	assert_string_equal(m.fields[2].key, "arg");
	assert_string_equal(m.fields[2].value, "");
	assert_int_equal(m.fields[2].value_len, 0);
	assert_string_equal(m.fields[3].key, "env");
	assert_string_equal(m.fields[3].value, "A=B=C");
	assert_int_equal(m.fields[3].value_len, 5);
	assert_string_equal(m.fields[4].key, "x_y");
	assert_string_equal(m.fields[4].value, "\t\n\xff");

	assert_string_equal(proto_get(&m, "arg"), "a");
	assert_string_equal(proto_get(&m, "op"), "run");
	assert_null(proto_get(&m, "nope"));
	assert_null(proto_get(&m, "a"));
	assert_int_equal(proto_count(&m, "arg"), 2);
	assert_int_equal(proto_count(&m, "op"), 1);
	assert_int_equal(proto_count(&m, "nope"), 0);

	proto_msg_done(&m);
	assert_null(m.buf);
	assert_null(m.fields);
	assert_int_equal(m.n, 0);
	proto_msg_done(&m);
	proto_msg_done(NULL);
}

static void test_parse_copies(void **state)
{
	char data[] = "k=v";
	struct proto_msg m = {0};

	(void)state;
	assert_int_equal(proto_parse(data, sizeof(data), &m), 0);
	data[2] = 'w';
	assert_string_equal(proto_get(&m, "k"), "v");
	proto_msg_done(&m);
}

static void expect_parse_error(const void *data, size_t len, int want_r)
{
	struct proto_msg m = {(char *)0x1, (struct proto_field *)0x2, 3};
	int r = proto_parse(data, len, &m);

	if (r != want_r)
		fail_msg("proto_parse returned %d, want %d", r, want_r);
	/* untouched on failure */
	assert_true(m.buf == (char *)0x1 && m.fields == (struct proto_field *)0x2 && m.n == 3);
}

static void test_parse_errors(void **state)
{
	char key32[64], key33[64];

	(void)state;
	expect_parse_error(NULL, 0, -EBADMSG);
	expect_parse_error("", 0, -EBADMSG);
	expect_parse_error(D("\0"), -EBADMSG);            /* an empty field */
	expect_parse_error(D("a=b\0\0"), -EBADMSG);       /* ... after a good one */
	expect_parse_error(D("a=b"), -EBADMSG);           /* no trailing NUL */
	expect_parse_error(D("a=b\0c=d"), -EBADMSG);      /* last field without NUL */
	expect_parse_error(D("ab\0"), -EBADMSG);          /* no '=' */
	expect_parse_error(D("a=b\0cd\0"), -EBADMSG);     /* no '=' in a later field */
	expect_parse_error(D("=b\0"), -EBADMSG);          /* empty key */
	expect_parse_error(D("Op=run\0"), -EBADMSG);      /* uppercase */
	expect_parse_error(D("a1=x\0"), -EBADMSG);        /* digit */
	expect_parse_error(D("a-b=x\0"), -EBADMSG);       /* dash */
	expect_parse_error(D(" a=x\0"), -EBADMSG);        /* space */
	expect_parse_error(D("\xe9t\xe9=x\0"), -EBADMSG); /* high bytes */

	memset(key32, 'k', 32);
	strcpy(key32 + 32, "=v");
	memset(key33, 'k', 33);
	strcpy(key33 + 33, "=v");
	expect_parse_error(key33, strlen(key33) + 1, -EBADMSG);

	struct proto_msg m = {0};
	assert_int_equal(proto_parse(key32, strlen(key32) + 1, &m), 0);
	assert_int_equal(strlen(m.fields[0].key), PROTO_MAX_KEY);
	proto_msg_done(&m);
}

static void test_parse_sizes(void **state)
{
	struct proto_msg m = {0};
	char *big = malloc(MAX_MESSAGE + 2);

	(void)state;
	assert_non_null(big);

	/* one field of exactly MAX_MESSAGE bytes */
	memcpy(big, "a=", 2);
	memset(big + 2, 'x', MAX_MESSAGE - 3);
	big[MAX_MESSAGE - 1] = 0;
	assert_int_equal(proto_parse(big, MAX_MESSAGE, &m), 0);
	assert_int_equal(m.n, 1);
	assert_int_equal(m.fields[0].value_len, MAX_MESSAGE - 3);
	proto_msg_done(&m);

	/* one byte more */
	memset(big + 2, 'x', MAX_MESSAGE - 2);
	big[MAX_MESSAGE] = 0;
	expect_parse_error(big, MAX_MESSAGE + 1, -EMSGSIZE);
	/* refused before anything is read */
	expect_parse_error(NULL, SIZE_MAX, -EMSGSIZE);

	/* exactly PROTO_MAX_FIELDS fields "a=\0", then one more */
	for (size_t i = 0; i < PROTO_MAX_FIELDS + 1; i++)
		memcpy(big + 3 * i, "a=", 3);
	assert_int_equal(proto_parse(big, 3 * MAX_FIELDS, &m), 0);
	assert_int_equal(m.n, PROTO_MAX_FIELDS);
	assert_int_equal(proto_count(&m, "a"), PROTO_MAX_FIELDS);
	proto_msg_done(&m);
	expect_parse_error(big, 3 * (MAX_FIELDS + 1), -EMSGSIZE);

	free(big);
}

/* ------------------------------------------------------------------------ */
/* proto_writer */

static void test_writer(void **state)
{
	struct proto_writer w = {0};
	struct proto_msg m = {0};
	char *buf = NULL;
	size_t len = 0;

	(void)state;
	proto_add(&w, "type", "exit");
	proto_addf(&w, "code", "%d", 137);
	proto_add(&w, "message", "");
	proto_add(&w, "text", "a=b\tc\n");
	assert_int_equal(proto_finish(&w, &buf, &len), 0);
	assert_null(w.buf);
	assert_int_equal(w.len, 0);
	assert_int_equal(w.cap, 0);
	assert_int_equal(w.error, 0);
	/* the literal's own NUL ends the last field */
	assert_int_equal(len, sizeof("type=exit\0code=137\0message=\0text=a=b\tc\n"));
	assert_memory_equal(buf, "type=exit\0code=137\0message=\0text=a=b\tc\n", len);

	assert_int_equal(proto_parse(buf, len, &m), 0);
	assert_int_equal(m.n, 4);
	assert_string_equal(proto_get(&m, "code"), "137");
	assert_string_equal(proto_get(&m, "text"), "a=b\tc\n");
	proto_msg_done(&m);
	free(buf);

	/* the writer grows past its first allocation */
	for (int i = 0; i < 1000; i++)
		proto_addf(&w, "n", "%d", i);
	assert_int_equal(proto_finish(&w, &buf, &len), 0);
	assert_int_equal(proto_parse(buf, len, &m), 0);
	assert_int_equal(m.n, 1000);
	assert_string_equal(m.fields[999].value, "999");
	proto_msg_done(&m);
	free(buf);
}

static void expect_writer_error(struct proto_writer *w, int want_r)
{
	char *buf = (char *)0x1;
	size_t len = 7;

	assert_int_equal(w->error, want_r);
	/* sticky: a good field afterwards changes nothing */
	proto_add(w, "ok", "fine");
	proto_addf(w, "ok", "%s", "fine");
	assert_int_equal(w->error, want_r);
	assert_int_equal(proto_finish(w, &buf, &len), want_r);
	assert_true(buf == (char *)0x1 && len == 7);
	/* reset */
	assert_null(w->buf);
	assert_int_equal(w->len, 0);
	assert_int_equal(w->error, 0);
}

static void test_writer_errors(void **state)
{
	struct proto_writer w = {0};
	char key33[40], *big, *buf = NULL;
	size_t len = 0;

	(void)state;
	proto_add(&w, "ok", "1");
	proto_add(&w, "Bad", "1");
	expect_writer_error(&w, -EINVAL);

	proto_add(&w, "", "1");
	expect_writer_error(&w, -EINVAL);

	memset(key33, 'k', 33);
	key33[33] = 0;
	proto_add(&w, key33, "1");
	expect_writer_error(&w, -EINVAL);

	proto_add(&w, "a=b", "1");
	expect_writer_error(&w, -EINVAL);

	proto_add(&w, NULL, "1");
	expect_writer_error(&w, -EINVAL);

	proto_add(&w, "k", NULL);
	expect_writer_error(&w, -EINVAL);

	proto_addf(&w, "Bad", "%d", 1);
	expect_writer_error(&w, -EINVAL);

	/* a NUL inside a formatted value */
	proto_addf(&w, "k", "a%cb", 0);
	expect_writer_error(&w, -EINVAL);

	/* nothing to send */
	assert_int_equal(proto_finish(&w, &buf, &len), -ENODATA);

	/* exactly MAX_MESSAGE, then one byte more */
	big = malloc(MAX_MESSAGE);
	assert_non_null(big);
	memset(big, 'x', MAX_MESSAGE - 4);
	big[MAX_MESSAGE - 4] = 0;
	proto_add(&w, "a", "b");     /* 4 bytes */
	proto_add(&w, "c", big + 8); /* 2 + (MAX_MESSAGE - 12) + 1 */
	proto_add(&w, "d", "xx");    /* 5 bytes: exactly MAX_MESSAGE */
	assert_int_equal(w.error, 0);
	assert_int_equal(w.len, MAX_MESSAGE);
	assert_int_equal(proto_finish(&w, &buf, &len), 0);
	assert_int_equal(len, MAX_MESSAGE);
	struct proto_msg m = {0};
	assert_int_equal(proto_parse(buf, len, &m), 0);
	assert_int_equal(m.n, 3);
	proto_msg_done(&m);
	free(buf);

	proto_add(&w, "a", "b");
	proto_add(&w, "c", big + 8);
	proto_add(&w, "d", "xxx");
	expect_writer_error(&w, -E2BIG);

	memset(big, 'x', MAX_MESSAGE - 2);
	big[MAX_MESSAGE - 2] = 0;
	proto_add(&w, "a", big); /* one field one byte too large on its own */
	expect_writer_error(&w, -E2BIG);
	free(big);

	/* PROTO_MAX_FIELDS fields, then one more */
	for (int i = 0; i < PROTO_MAX_FIELDS; i++)
		proto_add(&w, "a", "");
	assert_int_equal(proto_finish(&w, &buf, &len), 0);
	assert_int_equal(len, 3 * MAX_FIELDS);
	free(buf);
	for (int i = 0; i < PROTO_MAX_FIELDS + 1; i++)
		proto_add(&w, "a", "");
	assert_int_equal(w.error, 0);
	assert_int_equal(proto_finish(&w, &buf, &len), -E2BIG);
	assert_null(w.buf);

	/* done on a half-built writer frees it */
	proto_add(&w, "a", "b");
	proto_writer_done(&w);
	assert_null(w.buf);
	proto_writer_done(&w);
	proto_writer_done(NULL);
}

/* ------------------------------------------------------------------------ */
/* requests: round trips */

static void test_round_trip_run(void **state)
{
	struct request r = {
		.op = REQUEST_RUN,
		.profile = (char *)"data-science_1.2",
		.cwd = (char *)"/home/u/work dir",
		.argv = V("python3", "-m", "ipykernel", "", "a=b\n"),
	};

	(void)state;
	round_trip(&r, D("op=run\0profile=data-science_1.2\0cwd=/home/u/work dir\0arg=python3\0"
	                 "arg=-m\0arg=ipykernel\0arg=\0arg=a=b\n\0"));

	r.id = (char *)"nb-1_X";
	r.env = V("HOME=/home/u", "EMPTY=", "_X=a=b");
	r.setenv = V("LANG=C.UTF-8");
	r.stats = true;
	r.events_fd = true;
	r.cwd = (char *)"/";
	round_trip(&r, D("op=run\0profile=data-science_1.2\0id=nb-1_X\0cwd=/\0arg=python3\0"
	                 "arg=-m\0arg=ipykernel\0arg=\0arg=a=b\n\0env=HOME=/home/u\0env=EMPTY=\0"
	                 "env=_X=a=b\0setenv=LANG=C.UTF-8\0stats=1\0events_fd=1\0"));
}

static void test_round_trip_others(void **state)
{
	struct request r;

	(void)state;
	r = (struct request){.op = REQUEST_PS};
	round_trip(&r, D("op=ps\0"));
	r = (struct request){.op = REQUEST_PS, .all = true, .json = true};
	round_trip(&r, D("op=ps\0all=1\0json=1\0"));
	r = (struct request){.op = REQUEST_KILL, .target = (char *)"abc-123"};
	round_trip(&r, D("op=kill\0id=abc-123\0"));
	r = (struct request){.op = REQUEST_RELOAD};
	round_trip(&r, D("op=reload\0"));
	r = (struct request){.op = REQUEST_EVENTS};
	round_trip(&r, D("op=events\0"));
	r = (struct request){.op = REQUEST_EVENTS, .follow = true, .json = true};
	round_trip(&r, D("op=events\0follow=1\0json=1\0"));
	r = (struct request){.op = REQUEST_METRICS};
	round_trip(&r, D("op=metrics\0"));
	r = (struct request){.op = REQUEST_SIGNAL, .signo = SIGINT};
	round_trip(&r, D("op=signal\0signo=2\0"));
	r = (struct request){.op = REQUEST_SIGNAL, .signo = SIGWINCH};
	round_trip(&r, D("op=signal\0signo=28\0"));
}

static void test_parse_request_fields(void **state)
{
	struct request r;

	(void)state;
	/* order does not matter, "0" is false, lists keep their order */
	expect_request_ok(D("arg=b\0env=Z=1\0stats=0\0cwd=/x\0arg=c\0op=run\0"
	                    "profile=p\0setenv=A=2\0env=Y=\0events_fd=0\0"),
	                  &r);
	assert_int_equal(r.op, REQUEST_RUN);
	assert_string_equal(r.profile, "p");
	assert_string_equal(r.cwd, "/x");
	assert_null(r.id);
	assert_strv_equal(r.argv, V("b", "c"));
	assert_strv_equal(r.env, V("Z=1", "Y="));
	assert_strv_equal(r.setenv, V("A=2"));
	assert_false(r.stats);
	assert_false(r.events_fd);
	request_done(&r);
	assert_true(request_is_zero(&r));
	request_done(&r);
	request_done(NULL);
}

/* ------------------------------------------------------------------------ */
/* requests: errors */

static void test_request_malformed(void **state)
{
	(void)state;
	expect_request_error(NULL, 0, -EBADMSG, "malformed request: empty");
	expect_request_error(D("op=ps"), -EBADMSG,
	                     "malformed request: no NUL after the last field");
	expect_request_error(D("op=ps\0json"), -EBADMSG,
	                     "malformed request: no NUL after the last field");
	expect_request_error(D("op=ps\0json\0"), -EBADMSG,
	                     "malformed request: field 'json' without '='");
	expect_request_error(D("op=ps\0\0"), -EBADMSG, "malformed request: field '' without '='");
	expect_request_error(D("op=ps\0\x01\x7f\xff\0"), -EBADMSG,
	                     "malformed request: field '??"
	                     "?' without '='");
	expect_request_error(D("OP=ps\0"), -EBADMSG, "malformed request: invalid key 'OP'");
	expect_request_error(D("=ps\0"), -EBADMSG, "malformed request: invalid key ''");
	expect_request_error(D("op=ps\0abcdefghijklmnopqrstuvwxyzabcdefg=1\0"), -EBADMSG,
	                     "malformed request: invalid key "
	                     "'abcdefghijklmnopqrstuvwxyzabcdefg'");
	expect_request_error(D("o\np=ps\0"), -EBADMSG, "malformed request: invalid key 'o?p'");
}

static void test_request_op(void **state)
{
	char long_op[200];

	(void)state;
	expect_request_error(D("json=1\0"), -EINVAL, "missing field 'op'");
	expect_request_error(D("op=ps\0op=ps\0"), -EINVAL, "field 'op' given twice");
	expect_request_error(D("op=x\0"), -EINVAL, "unknown op 'x'");
	expect_request_error(D("op=\0"), -EINVAL, "unknown op ''");
	expect_request_error(D("op=PS\0"), -EINVAL, "unknown op 'PS'");
	expect_request_error(D("op=ps \0"), -EINVAL, "unknown op 'ps '");
	expect_request_error(D("op=\x1b[31m\0"), -EINVAL, "unknown op '?[31m'");

	/* at most 64 bytes of client input are echoed */
	strcpy(long_op, "op=");
	memset(long_op + 3, 'A', 150);
	long_op[153] = 0;
	expect_request_error(
		long_op, 154, -EINVAL,
		"unknown op "
		"'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA...'");
}

static void test_request_fields(void **state)
{
	(void)state;
	expect_request_error(D("op=ps\0foo=1\0"), -EINVAL,
	                     "malformed request: unknown field 'foo'");
	expect_request_error(D("op=ps\0profile=x\0"), -EINVAL,
	                     "malformed request: field 'profile' not allowed with op 'ps'");
	expect_request_error(D("op=reload\0json=1\0"), -EINVAL,
	                     "malformed request: field 'json' not allowed with op 'reload'");
	expect_request_error(D("op=metrics\0all=0\0"), -EINVAL,
	                     "malformed request: field 'all' not allowed with op 'metrics'");
	expect_request_error(D("op=kill\0id=a\0signo=2\0"), -EINVAL,
	                     "malformed request: field 'signo' not allowed with op 'kill'");
	expect_request_error(D("op=events\0all=1\0"), -EINVAL,
	                     "malformed request: field 'all' not allowed with op 'events'");
	expect_request_error(D("op=signal\0signo=2\0arg=x\0"), -EINVAL,
	                     "malformed request: field 'arg' not allowed with op 'signal'");
	expect_request_error(D("op=ps\0json=1\0json=1\0"), -EINVAL, "field 'json' given twice");
	expect_request_error(D("op=kill\0id=a\0id=a\0"), -EINVAL, "field 'id' given twice");
	expect_request_error(D("op=run\0profile=p\0cwd=/\0arg=x\0profile=p\0"), -EINVAL,
	                     "field 'profile' given twice");
	expect_request_error(D("op=run\0profile=p\0cwd=/\0arg=x\0cwd=/\0"), -EINVAL,
	                     "field 'cwd' given twice");
	expect_request_error(D("op=run\0profile=p\0cwd=/\0arg=x\0id=a\0id=b\0"), -EINVAL,
	                     "field 'id' given twice");
	expect_request_error(D("op=run\0profile=p\0cwd=/\0arg=x\0stats=1\0stats=1\0"), -EINVAL,
	                     "field 'stats' given twice");
	expect_request_error(D("op=signal\0signo=2\0signo=2\0"), -EINVAL,
	                     "field 'signo' given twice");

	expect_request_error(D("op=run\0cwd=/\0arg=x\0"), -EINVAL, "missing field 'profile'");
	expect_request_error(D("op=run\0profile=p\0arg=x\0"), -EINVAL, "missing field 'cwd'");
	expect_request_error(D("op=run\0profile=p\0cwd=/\0"), -EINVAL, "missing field 'arg'");
	expect_request_error(D("op=kill\0"), -EINVAL, "missing field 'id'");
	expect_request_error(D("op=signal\0"), -EINVAL, "missing field 'signo'");
}

/* A run request with one field added. */
static void run_with(struct bytes *b, const char *key, const char *value)
{
	bytes_field(b, "op", "run");
	if (!streq(key, "profile"))
		bytes_field(b, "profile", "p");
	bytes_field(b, "cwd", "/");
	bytes_field(b, "arg", "x");
	bytes_field(b, key, value);
}

static void test_request_values(void **state)
{
	struct bytes b = {NULL, 0};
	struct request r;
	char name[66];

	(void)state;
	expect_request_error(D("op=ps\0json=2\0"), -EINVAL,
	                     "invalid value for 'json' (expected 0 or 1)");
	expect_request_error(D("op=ps\0all=\0"), -EINVAL,
	                     "invalid value for 'all' (expected 0 or 1)");
	expect_request_error(D("op=events\0follow=yes\0"), -EINVAL,
	                     "invalid value for 'follow' (expected 0 or 1)");
	expect_request_error(D("op=events\0follow=01\0"), -EINVAL,
	                     "invalid value for 'follow' (expected 0 or 1)");
	expect_request_error(D("op=run\0profile=p\0cwd=/\0arg=x\0events_fd=true\0"), -EINVAL,
	                     "invalid value for 'events_fd' (expected 0 or 1)");

	expect_request_error(D("op=signal\0signo=9\0"), -EINVAL, "signal 9 is not forwarded");
	expect_request_error(D("op=signal\0signo=0\0"), -EINVAL, "signal 0 is not forwarded");
	expect_request_error(D("op=signal\0signo=4294967295\0"), -EINVAL,
	                     "signal 4294967295 is not forwarded");
	expect_request_error(D("op=signal\0signo=2x\0"), -EINVAL, "invalid signal number '2x'");
	expect_request_error(D("op=signal\0signo=-2\0"), -EINVAL, "invalid signal number '-2'");
	expect_request_error(D("op=signal\0signo= 2\0"), -EINVAL, "invalid signal number ' 2'");
	expect_request_error(D("op=signal\0signo=\0"), -EINVAL, "invalid signal number ''");
	expect_request_error(D("op=signal\0signo=4294967298\0"), -EINVAL,
	                     "invalid signal number '4294967298'");

	expect_request_error(D("op=run\0profile=\0cwd=/\0arg=x\0"), -EINVAL,
	                     "invalid profile name");
	expect_request_error(D("op=run\0profile=.hidden\0cwd=/\0arg=x\0"), -EINVAL,
	                     "invalid profile name");
	expect_request_error(D("op=run\0profile=../etc/passwd\0cwd=/\0arg=x\0"), -EINVAL,
	                     "invalid profile name");
	expect_request_error(D("op=run\0profile=a/b\0cwd=/\0arg=x\0"), -EINVAL,
	                     "invalid profile name");
	expect_request_error(D("op=run\0profile=a\nb\0cwd=/\0arg=x\0"), -EINVAL,
	                     "invalid profile name");
	expect_request_error(D("op=run\0profile=a b\0cwd=/\0arg=x\0"), -EINVAL,
	                     "invalid profile name");
	memset(name, 'n', 65);
	name[65] = 0;
	run_with(&b, "profile", name);
	expect_request_error(b.p, b.len, -EINVAL, "invalid profile name");
	bytes_free(&b);
	name[64] = 0; /* 64 characters: fine */
	run_with(&b, "profile", name);
	expect_request_ok(b.p, b.len, &r);
	assert_string_equal(r.profile, name);
	request_done(&r);
	bytes_free(&b);

	expect_request_error(D("op=run\0profile=p\0id=\0cwd=/\0arg=x\0"), -EINVAL,
	                     "invalid sandbox id");
	expect_request_error(D("op=run\0profile=p\0id=a.b\0cwd=/\0arg=x\0"), -EINVAL,
	                     "invalid sandbox id");
	expect_request_error(D("op=run\0profile=p\0id=a\tb\0cwd=/\0arg=x\0"), -EINVAL,
	                     "invalid sandbox id");
	expect_request_error(D("op=kill\0id=../x\0"), -EINVAL, "invalid sandbox id");
	name[64] = 'n';
	bytes_field(&b, "op", "kill");
	bytes_field(&b, "id", name);
	expect_request_error(b.p, b.len, -EINVAL, "invalid sandbox id");
	bytes_free(&b);
	name[64] = 0;
	bytes_field(&b, "op", "kill");
	bytes_field(&b, "id", name);
	expect_request_ok(b.p, b.len, &r);
	assert_string_equal(r.target, name);
	request_done(&r);
	bytes_free(&b);

	expect_request_error(D("op=run\0profile=p\0cwd=rel\0arg=x\0"), -EINVAL,
	                     "invalid working directory (must be absolute and canonical)");
	expect_request_error(D("op=run\0profile=p\0cwd=\0arg=x\0"), -EINVAL,
	                     "invalid working directory (must be absolute and canonical)");
	expect_request_error(D("op=run\0profile=p\0cwd=/a/../b\0arg=x\0"), -EINVAL,
	                     "invalid working directory (must be absolute and canonical)");
	expect_request_error(D("op=run\0profile=p\0cwd=/a//b\0arg=x\0"), -EINVAL,
	                     "invalid working directory (must be absolute and canonical)");
	expect_request_error(D("op=run\0profile=p\0cwd=/a/./b\0arg=x\0"), -EINVAL,
	                     "invalid working directory (must be absolute and canonical)");
	expect_request_error(D("op=run\0profile=p\0cwd=/a/\0arg=x\0"), -EINVAL,
	                     "invalid working directory (must be absolute and canonical)");
	expect_request_error(D("op=run\0profile=p\0cwd=//\0arg=x\0"), -EINVAL,
	                     "invalid working directory (must be absolute and canonical)");
	expect_request_error(D("op=run\0profile=p\0cwd=/a\x1b"
	                       "b\0arg=x\0"),
	                     -EINVAL, "invalid working directory (must be absolute and canonical)");
	expect_request_error(D("op=run\0profile=p\0cwd=/a\x7f\0arg=x\0"), -EINVAL,
	                     "invalid working directory (must be absolute and canonical)");
	/* tab, newline and UTF-8 are allowed in a directory name */
	expect_request_ok(D("op=run\0profile=p\0cwd=/a\tb/c\nd/\xc3\xa9\0arg=x\0"), &r);
	assert_string_equal(r.cwd, "/a\tb/c\nd/\xc3\xa9");
	request_done(&r);

	expect_request_error(D("op=run\0profile=p\0cwd=/\0arg=\0arg=x\0"), -EINVAL,
	                     "empty program name (first 'arg')");
	expect_request_error(D("op=run\0profile=p\0cwd=/\0arg=x\0env=A\0"), -EINVAL,
	                     "invalid entry in 'env' (expected NAME=value)");
	expect_request_error(D("op=run\0profile=p\0cwd=/\0arg=x\0setenv=\0"), -EINVAL,
	                     "invalid entry in 'setenv' (expected NAME=value)");
	expect_request_error(D("op=run\0profile=p\0cwd=/\0arg=x\0env==x\0"), -EINVAL,
	                     "invalid variable name '' in 'env'");
	expect_request_error(D("op=run\0profile=p\0cwd=/\0arg=x\0setenv=1A=x\0"), -EINVAL,
	                     "invalid variable name '1A' in 'setenv'");
	expect_request_error(D("op=run\0profile=p\0cwd=/\0arg=x\0env=A-B=x\0"), -EINVAL,
	                     "invalid variable name 'A-B' in 'env'");
	expect_request_error(D("op=run\0profile=p\0cwd=/\0arg=x\0env=A\nB=x\0"), -EINVAL,
	                     "invalid variable name 'A?B' in 'env'");
}

static void test_request_cwd_too_long(void **state)
{
	struct bytes b = {NULL, 0};
	char *cwd = malloc(5000);

	(void)state;
	assert_non_null(cwd);
	for (size_t i = 0; i < 4998; i += 2)
		memcpy(cwd + i, "/a", 2);
	cwd[4998] = 0;
	bytes_field(&b, "op", "run");
	bytes_field(&b, "profile", "p");
	bytes_field(&b, "cwd", cwd);
	bytes_field(&b, "arg", "x");
	expect_request_error(b.p, b.len, -EINVAL, "working directory too long");
	bytes_free(&b);
	free(cwd);
}

static void run_with_args(struct bytes *b, size_t n_args, size_t n_env, size_t n_setenv)
{
	bytes_field(b, "op", "run");
	bytes_field(b, "profile", "p");
	bytes_field(b, "cwd", "/");
	for (size_t i = 0; i < n_args; i++)
		bytes_field(b, "arg", "x");
	for (size_t i = 0; i < n_env; i++)
		bytes_field(b, "env", "A=1");
	for (size_t i = 0; i < n_setenv; i++)
		bytes_field(b, "setenv", "B=2");
}

static void test_request_limits(void **state)
{
	struct bytes b = {NULL, 0};
	struct request r, r2;
	char *data = NULL;
	size_t len = 0;

	(void)state;
	run_with_args(&b, PROTO_MAX_ARGS, 0, 0);
	expect_request_ok(b.p, b.len, &r);
	assert_int_equal(strv_length(r.argv), PROTO_MAX_ARGS);
	assert_int_equal(request_build(&r, &data, &len), 0);
	assert_int_equal(len, b.len);
	assert_memory_equal(data, b.p, len);
	free(data);
	request_done(&r);
	bytes_free(&b);

	run_with_args(&b, PROTO_MAX_ARGS + 1, 0, 0);
	expect_request_error(b.p, b.len, -EINVAL, "too many arguments (at most 4096)");
	bytes_free(&b);

	run_with_args(&b, 1, PROTO_MAX_ENV / 2, PROTO_MAX_ENV / 2);
	expect_request_ok(b.p, b.len, &r);
	assert_int_equal(strv_length(r.env) + strv_length(r.setenv), PROTO_MAX_ENV);
	assert_int_equal(request_build(&r, &data, &len), 0);
	expect_request_ok(data, len, &r2);
	assert_request_equal(&r, &r2);
	request_done(&r2);
	free(data);
	request_done(&r);
	bytes_free(&b);

	run_with_args(&b, 1, PROTO_MAX_ENV / 2 + 1, PROTO_MAX_ENV / 2);
	expect_request_error(b.p, b.len, -EINVAL, "too many environment variables (at most 4096)");
	bytes_free(&b);
	run_with_args(&b, 1, 0, PROTO_MAX_ENV + 1);
	expect_request_error(b.p, b.len, -EINVAL, "too many environment variables (at most 4096)");
	bytes_free(&b);

	/* PROTO_MAX_FIELDS + 1 fields: refused as a whole */
	run_with_args(&b, PROTO_MAX_ARGS, PROTO_MAX_ENV, 1);
	expect_request_error(b.p, b.len, -EMSGSIZE, "request too large (at most 8192 fields)");
	bytes_free(&b);

	/* a request of exactly MAX_MESSAGE bytes, then one more */
	{
		size_t fixed = sizeof("op=run\0profile=p\0cwd=/\0arg=\0") - 1;
		char *arg = malloc(MAX_MESSAGE);

		assert_non_null(arg);
		memset(arg, 'y', MAX_MESSAGE - fixed);
		arg[MAX_MESSAGE - fixed] = 0;
		bytes_field(&b, "op", "run");
		bytes_field(&b, "profile", "p");
		bytes_field(&b, "cwd", "/");
		bytes_field(&b, "arg", arg);
		assert_int_equal(b.len, MAX_MESSAGE);
		expect_request_ok(b.p, b.len, &r);
		assert_int_equal(strlen(r.argv[0]), MAX_MESSAGE - fixed);
		assert_int_equal(request_build(&r, &data, &len), 0);
		assert_int_equal(len, MAX_MESSAGE);
		free(data);
		request_done(&r);
		bytes_free(&b);

		arg[MAX_MESSAGE - fixed] = 'y';
		arg[MAX_MESSAGE - fixed + 1] = 0;
		bytes_field(&b, "op", "run");
		bytes_field(&b, "profile", "p");
		bytes_field(&b, "cwd", "/");
		bytes_field(&b, "arg", arg);
		assert_int_equal(b.len, MAX_MESSAGE + 1);
		expect_request_error(b.p, b.len, -EMSGSIZE,
		                     "request too large (at most 131072 bytes)");

		/* and the builder refuses it too */
		r = (struct request){.op = REQUEST_RUN,
		                     .profile = (char *)"p",
		                     .cwd = (char *)"/",
		                     .argv = V(arg)};
		data = (char *)0x1;
		assert_int_equal(request_build(&r, &data, &len), -E2BIG);
		assert_true(data == (char *)0x1);
		bytes_free(&b);
		free(arg);
	}
}

static void expect_build_refused(const struct request *r)
{
	char *data = (char *)0x1;
	size_t len = 7;

	assert_int_equal(request_build(r, &data, &len), -EINVAL);
	assert_true(data == (char *)0x1 && len == 7);
}

static void test_request_build_invalid(void **state)
{
	struct request r;

	(void)state;
	r = (struct request){.op = _REQUEST_OP_MAX};
	expect_build_refused(&r);
	r = (struct request){.op = _REQUEST_OP_INVALID};
	expect_build_refused(&r);
	/* a member the op does not take */
	r = (struct request){.op = REQUEST_PS, .profile = (char *)"p"};
	expect_build_refused(&r);
	r = (struct request){.op = REQUEST_PS, .follow = true};
	expect_build_refused(&r);
	r = (struct request){.op = REQUEST_RELOAD, .signo = SIGINT};
	expect_build_refused(&r);
	r = (struct request){.op = REQUEST_KILL, .target = (char *)"a", .id = (char *)"a"};
	expect_build_refused(&r);
	r = (struct request){.op = REQUEST_RUN,
	                     .profile = (char *)"p",
	                     .cwd = (char *)"/",
	                     .argv = V("x"),
	                     .target = (char *)"a"};
	expect_build_refused(&r);
	/* values the daemon would refuse */
	r = (struct request){.op = REQUEST_RUN, .profile = (char *)"p", .cwd = (char *)"/"};
	expect_build_refused(&r);
	r = (struct request){
		.op = REQUEST_RUN, .profile = (char *)"a/b", .cwd = (char *)"/", .argv = V("x")};
	expect_build_refused(&r);
	r = (struct request){
		.op = REQUEST_RUN, .profile = (char *)"p", .cwd = (char *)"/a/", .argv = V("x")};
	expect_build_refused(&r);
	r = (struct request){
		.op = REQUEST_RUN, .profile = (char *)"p", .cwd = (char *)"/", .argv = V("")};
	expect_build_refused(&r);
	r = (struct request){.op = REQUEST_RUN,
	                     .profile = (char *)"p",
	                     .cwd = (char *)"/",
	                     .argv = V("x"),
	                     .env = V("NOEQUALS")};
	expect_build_refused(&r);
	r = (struct request){.op = REQUEST_KILL};
	expect_build_refused(&r);
	r = (struct request){.op = REQUEST_SIGNAL, .signo = SIGKILL};
	expect_build_refused(&r);
	r = (struct request){.op = REQUEST_SIGNAL};
	expect_build_refused(&r);
	r = (struct request){.op = REQUEST_SIGNAL, .signo = -2};
	expect_build_refused(&r);
}

static void test_ops_and_signals(void **state)
{
	(void)state;
	for (int i = 0; i < _REQUEST_OP_MAX; i++) {
		const char *s = request_op_to_string((enum request_op)i);

		assert_non_null(s);
		assert_int_equal(request_op_from_string(s), i);
	}
	assert_string_equal(request_op_to_string(REQUEST_SIGNAL), "signal");
	assert_null(request_op_to_string(_REQUEST_OP_MAX));
	assert_null(request_op_to_string(_REQUEST_OP_INVALID));
	assert_int_equal(request_op_from_string("nope"), -EINVAL);
	assert_int_equal(request_op_from_string(""), -EINVAL);
	assert_int_equal(request_op_from_string(NULL), -EINVAL);

	for (int s = -1; s < 70; s++) {
		bool want = s == SIGINT || s == SIGTERM || s == SIGHUP || s == SIGQUIT ||
		            s == SIGUSR1 || s == SIGUSR2 || s == SIGWINCH || s == SIGCONT;

		assert_int_equal(proto_signal_is_forwarded(s), want);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_fields),
		cmocka_unit_test(test_parse_copies),
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_parse_sizes),
		cmocka_unit_test(test_writer),
		cmocka_unit_test(test_writer_errors),
		cmocka_unit_test(test_round_trip_run),
		cmocka_unit_test(test_round_trip_others),
		cmocka_unit_test(test_parse_request_fields),
		cmocka_unit_test(test_request_malformed),
		cmocka_unit_test(test_request_op),
		cmocka_unit_test(test_request_fields),
		cmocka_unit_test(test_request_values),
		cmocka_unit_test(test_request_cwd_too_long),
		cmocka_unit_test(test_request_limits),
		cmocka_unit_test(test_request_build_invalid),
		cmocka_unit_test(test_ops_and_signals),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
