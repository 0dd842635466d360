// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libFuzzer target for supervisor/proto.c, the daemon's first line of
 * defence. Oracles, each an abort() on failure:
 *  - request_parse() either succeeds, or zeroes the request and answers
 *    with a short, printable message;
 *  - a parsed request builds, and the build parses back to the same request
 *    (and builds again to the same bytes);
 *  - proto_parse() of a datagram, written again field by field with
 *    proto_writer, gives back the datagram byte for byte.
 * Built and run by scripts/fuzz.sh.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Longest message request_parse() may produce: fixed text plus two echoes of 64+3 bytes. */
#define MAX_ERROR_MESSAGE 200

static void check(bool ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz-request: %s\n", what);
		abort();
	}
}

static bool str_equal(const char *a, const char *b)
{
	return (!a && !b) || streq(a, b);
}

static bool strv_equal(char **a, char **b)
{
	size_t n = strv_length(a);

	if (n != strv_length(b))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!streq(a[i], b[i]))
			return false;
	return true;
}

static bool request_equal(const struct request *a, const struct request *b)
{
	return a->op == b->op && str_equal(a->profile, b->profile) && str_equal(a->id, b->id) &&
	       str_equal(a->cwd, b->cwd) && strv_equal(a->argv, b->argv) &&
	       strv_equal(a->env, b->env) && strv_equal(a->setenv, b->setenv) &&
	       a->stats == b->stats && a->events_fd == b->events_fd && a->all == b->all &&
	       a->json == b->json && a->follow == b->follow && str_equal(a->target, b->target) &&
	       a->signo == b->signo;
}

static bool request_is_zero(const struct request *r)
{
	return r->op == 0 && !r->profile && !r->id && !r->cwd && !r->argv && !r->env &&
	       !r->setenv && !r->stats && !r->events_fd && !r->all && !r->json && !r->follow &&
	       !r->target && r->signo == 0;
}

static void check_error_message(const char *e)
{
	size_t n;

	check(e != NULL, "failure without a message");
	n = strlen(e);
	check(n > 0 && n <= MAX_ERROR_MESSAGE, "error message empty or too long");
	for (size_t i = 0; i < n; i++)
		check(e[i] >= 0x20 && e[i] < 0x7f, "error message not printable");
}

static void fuzz_request(const uint8_t *data, size_t size)
{
	struct request r, back;
	char *error = NULL, *built = NULL, *built2 = NULL;
	size_t len = 0, len2 = 0;
	int k;

	memset(&r, 0xa5, sizeof(r));
	k = request_parse(data, size, &r, &error);
	if (k < 0) {
		check(k == -EMSGSIZE || k == -EBADMSG || k == -EINVAL || k == -ENOMEM,
		      "request_parse: unexpected error code");
		check(request_is_zero(&r), "request_parse: request not zeroed on failure");
		check_error_message(error);
		free(error);
		return;
	}
	check(error == NULL, "request_parse: message on success");
	check(r.op >= 0 && r.op < _REQUEST_OP_MAX, "request_parse: bad op");

	k = request_build(&r, &built, &len);
	check(k == 0, "request_build refused a parsed request");
	check(len <= size, "request_build grew the request");

	k = request_parse(built, len, &back, &error);
	if (k < 0)
		fprintf(stderr, "fuzz-request: %s\n", error ? error : "(no message)");
	check(k == 0, "request_parse refused request_build's output");
	check(request_equal(&r, &back), "round trip changed the request");

	k = request_build(&back, &built2, &len2);
	check(k == 0, "request_build refused its own round trip");
	check(len == len2 && memcmp(built, built2, len) == 0, "request_build not deterministic");

	free(built);
	free(built2);
	request_done(&back);
	request_done(&r);
	check(request_is_zero(&r), "request_done did not zero");
}

static void fuzz_msg(const uint8_t *data, size_t size)
{
	struct proto_msg m = {0};
	struct proto_writer w = {0};
	char *buf = NULL;
	size_t len = 0;
	int k;

	k = proto_parse(data, size, &m);
	if (k < 0) {
		check(k == -EMSGSIZE || k == -EBADMSG || k == -ENOMEM,
		      "proto_parse: unexpected error code");
		return;
	}
	check(m.n >= 1 && m.n <= PROTO_MAX_FIELDS, "proto_parse: field count");
	for (size_t i = 0; i < m.n; i++) {
		const struct proto_field *f = &m.fields[i];

		check(strlen(f->value) == f->value_len, "proto_parse: value_len");
		check(proto_count(&m, f->key) >= 1, "proto_count");
		check(proto_get(&m, f->key) != NULL, "proto_get");
		proto_add(&w, f->key, f->value);
	}
	k = proto_finish(&w, &buf, &len);
	check(k == 0, "proto_writer refused a parsed message");
	check(len == size && memcmp(buf, data, size) == 0, "proto_writer changed the message");
	free(buf);
	proto_msg_done(&m);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_request(data, size);
	fuzz_msg(data, size);
	return 0;
}
