/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The wire format between unprivileged clients, the daemon and the per-sandbox
 * supervisors it forks. One message is one SOCK_SEQPACKET datagram: a list of
 * fields, each "key=value" followed by a NUL byte. Keys are 1-32 of [a-z_];
 * a value is any bytes but NUL. Keys may repeat where a list is meant
 * ("arg", "env", "setenv"), in order.
 *
 * The parser is the daemon's first line of defence: it treats every byte as
 * hostile, bounds every count and size, and answers with a short message fit
 * for the (unprivileged) client. Fuzzed by tests/fuzz/fuzz-request.c.
 *
 * Requests (client -> daemon), by "op":
 *   run      profile=NAME [id=ID] cwd=/ABS arg=... (>=1) env=N=V... setenv=N=V...
 *            [stats=0|1] [events_fd=0|1]; stdin, stdout, stderr (and the
 *            events file when events_fd=1) come along by SCM_RIGHTS
 *   ps       [all=0|1] [json=0|1]
 *   kill     id=ID
 *   reload
 *   events   [follow=0|1] [json=0|1]
 *   metrics
 *   signal   signo=N (client -> its sandbox's supervisor, after "started")
 *
 * Replies (daemon or supervisor -> client), by "type":
 *   error    code=N message=TEXT        the request failed; exit with code
 *   queued   position=N running=N limit=N
 *   started  id=ID
 *   exit     code=N [message=TEXT] [stats=TEXT]
 *   data     text=TEXT                  a piece of output (ps, metrics, events)
 *   end      code=N                     output complete
 */
#pragma once

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>

/* Fits one datagram at the default socket buffer size (212992 - overhead). */
#define PROTO_MAX_MESSAGE 131072 /* 128 KiB */
#define PROTO_MAX_FIELDS  8192
#define PROTO_MAX_KEY     32
#define PROTO_MAX_ARGS    4096 /* "arg" fields */
#define PROTO_MAX_ENV     4096 /* "env" plus "setenv" fields */
#define PROTO_MAX_NAME    64   /* profile names and ids */

struct proto_field {
	const char *key;   /* NUL-terminated, points into the message's copy */
	const char *value; /* NUL-terminated, points into the message's copy */
	size_t value_len;
};

struct proto_msg {
	char *buf; /* owned copy of the datagram */
	struct proto_field *fields;
	size_t n;
};

/*
 * Split a datagram into fields. -EMSGSIZE if len exceeds PROTO_MAX_MESSAGE
 * or the fields exceed PROTO_MAX_FIELDS; -EBADMSG if it is empty, a field is
 * not NUL-terminated, has no '=' or has a bad key; -ENOMEM.
 */
int proto_parse(const void *data, size_t len, struct proto_msg *ret);
void proto_msg_done(struct proto_msg *m);
/* The value of key, NULL if absent. */
const char *proto_get(const struct proto_msg *m, const char *key);
size_t proto_count(const struct proto_msg *m, const char *key);

/* Building a message; the first error sticks and proto_finish() returns it. */
struct proto_writer {
	char *buf;
	size_t len, cap;
	int error; /* -E2BIG past PROTO_MAX_MESSAGE, -EINVAL bad key, -ENOMEM */
};

void proto_add(struct proto_writer *w, const char *key, const char *value);
void proto_addf(struct proto_writer *w, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Hands over the buffer; the writer is reset either way. */
int proto_finish(struct proto_writer *w, char **ret_buf, size_t *ret_len);
void proto_writer_done(struct proto_writer *w);

enum request_op {
	REQUEST_RUN,
	REQUEST_PS,
	REQUEST_KILL,
	REQUEST_RELOAD,
	REQUEST_EVENTS,
	REQUEST_METRICS,
	REQUEST_SIGNAL,
	_REQUEST_OP_MAX,
	_REQUEST_OP_INVALID = -EINVAL,
};

const char *request_op_to_string(enum request_op op);
enum request_op request_op_from_string(const char *s);

struct request {
	enum request_op op;
	/* run */
	char *profile; /* a NAME, never a path: 1-64 of [A-Za-z0-9_.-], not starting with '.' */
	char *id;      /* NULL or a valid sandbox id (cgroup_id_is_valid()) */
	char *cwd;     /* absolute and canonical (path_canonicalize()) */
	char **argv;   /* 1..PROTO_MAX_ARGS entries, argv[0] not empty */
	char **env;    /* the caller's environment: NAME=value, valid NAME */
	char **setenv; /* --env: NAME=value, valid NAME */
	bool stats;
	bool events_fd;
	/* ps, events */
	bool all;
	bool json;
	bool follow;
	/* kill */
	char *target; /* a valid sandbox id */
	/* signal */
	int signo; /* one of the signals "nbwarden run" forwards */
};

/*
 * Parse and validate a request: every required field present, singletons
 * not repeated, no field the op does not take, every value well-formed.
 * On failure *ret is zeroed and *ret_error (if not NULL) is a short message
 * for the client, e.g. "malformed request: unknown field 'foo'" or
 * "request too large (at most 131072 bytes)"; returns -EMSGSIZE, -EBADMSG,
 * -EINVAL or -ENOMEM.
 */
int request_parse(const void *data, size_t len, struct request *ret, char **ret_error);
/* The datagram for r (client side); request_parse() gives r back. */
int request_build(const struct request *r, char **ret_data, size_t *ret_len);
void request_done(struct request *r);

/* The signals the client forwards ("signal" requests accept only these). */
bool proto_signal_is_forwarded(int signo);
