/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Forwarding of audit records to the SOC: RFC 5424 syslog over a unix
 * datagram socket, UDP or TCP (RFC 6587 octet counting), and the journal's
 * native protocol (docs/soc.md).
 *
 * The local audit log is the authoritative copy; forwarding is best effort
 * and never blocks the supervisor. Every socket is non-blocking. A record a
 * destination cannot take now waits in that destination's bounded queue and
 * is retried by every later forward_record() and forward_flush(); when the
 * queue is full the oldest record is given up on. Every record given up on
 * is counted; what can still vanish unseen is what UDP loses on the wire and
 * what a receiver loses after acknowledging it (the records' seq shows it).
 *
 * Over TCP a record counts as delivered once the peer's TCP has acknowledged
 * all of its bytes (SIOCOUTQ). What was written but not acknowledged when a
 * connection breaks is sent again, whole, on the next connection: the SIEM
 * may see a record twice, never half a record, and can tell duplicates by
 * their seq and hash.
 *
 * A forwarder belongs to one thread of one process: no locking, and a forked
 * child must not use its parent's.
 */
#pragma once

#include <errno.h>
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#define FORWARD_QUEUE_DEFAULT    4096U
#define FORWARD_QUEUE_LIMIT      1048576U /* per destination; a sanity bound for the config */
#define FORWARD_FACILITY_DEFAULT 10       /* authpriv: audit data */
#define FORWARD_JOURNALD_SOCKET  "/run/systemd/journal/socket"
#define FORWARD_APP_NAME         "nbwarden"

/* Syslog severities the records are sent with. */
#define FORWARD_SEVERITY_ERR     3 /* sandbox-killed */
#define FORWARD_SEVERITY_WARNING 4 /* event.kind "alert": a denial */
#define FORWARD_SEVERITY_NOTICE  5 /* everything else */

enum forward_transport {
	FORWARD_UNIX,
	FORWARD_UDP,
	FORWARD_TCP,
	_FORWARD_TRANSPORT_MAX,
	_FORWARD_TRANSPORT_INVALID = -EINVAL,
};

struct forward_destination {
	enum forward_transport transport;
	struct sockaddr_storage addr;
	socklen_t addr_len;
};

const char *forward_transport_to_string(enum forward_transport t);

/*
 * "unix:/dev/log", "udp:127.0.0.1:514", "tcp:[::1]:6514" (pure). Addresses
 * are numeric (IPv6 in brackets), ports 1-65535, unix paths absolute and
 * short enough for sun_path. On error -EINVAL and *ret_error = a message
 * (malloc'd; ret_error may be NULL), -ENOMEM if the message cannot be made.
 */
int forward_parse_destination(const char *s, struct forward_destination *ret, char **ret_error);

/* "authpriv" -> 10, "local0" -> 16 ...; -EINVAL for an unknown name (pure). */
int forward_facility_from_string(const char *s);
const char *forward_facility_to_string(int facility);

struct forward_config {
	const char *syslog;  /* destination string, or NULL: no syslog */
	int syslog_facility; /* 0..23, taken as is (0 is kern): set FORWARD_FACILITY_DEFAULT */
	const char *journald_socket; /* socket path, or NULL: no journald */
	unsigned queue_max;          /* per destination; FORWARD_QUEUE_DEFAULT if 0 */
};

struct forwarder;

/*
 * Never fails because a destination is down; fails on bad config (-EINVAL,
 * *ret_error says why; ret_error may be NULL) or ENOMEM. With neither
 * destination configured the forwarder accepts records and does nothing.
 */
int forward_open(const struct forward_config *c, struct forwarder **ret, char **ret_error);

/*
 * Hand one record over: line is what is sent (ECS or OCSF JSON, no trailing
 * newline); record is the event it was made from, read for the header only:
 * event.action, event.kind, @timestamp and seq (ECS names; a record without
 * them is sent with MSGID "-", severity notice and the current time). The
 * line is copied. Never blocks; also retries what is queued.
 */
void forward_record(struct forwarder *f, const char *line, size_t len, const json_t *record);

/*
 * Try to deliver what is queued for at most timeout_usec (poll()-bounded),
 * e.g. before exit. Returns the number of records still queued, summed over
 * the destinations: they are lost if the forwarder is closed now.
 */
size_t forward_flush(struct forwarder *f, uint64_t timeout_usec);

/* Records queued now, summed over the destinations. */
size_t forward_queued(const struct forwarder *f);
/* Records delivered to all configured destinations. */
uint64_t forward_sent(const struct forwarder *f);
/* Records given up on (per destination, summed): queue overflow, too large, out of memory. */
uint64_t forward_dropped(const struct forwarder *f);
/* NULL ok; does not flush: what is still queued is freed, and not counted. */
void forward_close(struct forwarder *f);

/*
 * Pure, for tests: the RFC 5424 message for a record (malloc'd and
 * NUL-terminated, *ret_len set):
 *	<PRI>1 TIMESTAMP HOSTNAME nbwarden PID MSGID - LINE
 * An invalid or missing hostname is sent as "-".
 */
int forward_format_syslog(int facility, const char *hostname, long pid, const char *line,
                          size_t len, const json_t *record, char **ret, size_t *ret_len);

/* Pure, for tests: the journal's native-protocol datagram for a record. */
int forward_format_journald(int facility, const char *line, size_t len, const json_t *record,
                            char **ret, size_t *ret_len);

/* The syslog severity for a record: err, warning or notice (see above). */
int forward_severity(const json_t *record);
