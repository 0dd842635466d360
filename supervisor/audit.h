/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The audit log: every event, one JSON line each, hash-chained so that an
 * edited, deleted, reordered or truncated record is detectable.
 *
 * A record is the event's compact JSON with two fields added before its
 * closing brace, "prev_hash" (the previous record's hash; 64 zeros before
 * the first) and "seq" (1, 2, 3, ... across every file of the log); the line
 * is those bytes with the closing brace replaced by ,"hash":"HEX"} where HEX
 * is the SHA-256 of the record's bytes (or ,"hmac":"HEX"}, the HMAC-SHA-256
 * under a key, when one is configured). The hash covers the exact bytes, so
 * verification never re-serializes.
 *
 * Several processes may append to one log (every "nbwarden run" and the
 * daemon): each record is written under an exclusive lock on PATH.lock,
 * after learning the chain's end. PATH.head holds the last acknowledged
 * record (seq, hash, file offset), rewritten at each sync point: it is the
 * anchor that makes a truncated tail detectable, and where the chain
 * resumes after files are removed for retention. Rotated files are named
 * PATH.YYYYMMDDTHHMMSSZ; the first record of a new file chains to the last
 * of the previous one.
 */
#pragma once

#include <errno.h>
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define AUDIT_HASH_HEX 64
#define AUDIT_MAX_LINE ((size_t)1024 * 1024)

enum audit_fsync {
	AUDIT_FSYNC_ALWAYS, /* fdatasync after every record */
	AUDIT_FSYNC_BATCH,  /* after batch_records records or batch_usec, and at close */
	AUDIT_FSYNC_NONE,   /* never: the page cache decides */
	_AUDIT_FSYNC_MAX,
	_AUDIT_FSYNC_INVALID = -EINVAL,
};

const char *audit_fsync_to_string(enum audit_fsync f);
enum audit_fsync audit_fsync_from_string(const char *s);

struct audit_config {
	const char *path; /* the live file, e.g. /var/log/nbwarden/audit.jsonl */
	const unsigned char *key;
	size_t key_len; /* 0: SHA-256 chain; else HMAC-SHA-256 under key */
	enum audit_fsync fsync;
	uint64_t batch_usec;       /* default 100 ms */
	unsigned batch_records;    /* default 1024 */
	uint64_t rotate_size;      /* bytes; VALUE_MAX: no size rotation */
	bool rotate_daily;         /* a new file each UTC day */
	unsigned retention_days;   /* rotated files older than this are removed; 0: never */
	int64_t (*now_usec)(void); /* wall clock (tests); NULL: CLOCK_REALTIME */
};

struct audit;

/*
 * Open (creating PATH, its directory must exist) and recover: a torn last
 * line, from a writer killed mid-write, is cut off (it was never
 * acknowledged). Errors come with a message.
 */
int audit_open(const struct audit_config *c, struct audit **ret, char **ret_error);

/*
 * Append an event, given as one compact JSON object (no newline; it must not
 * have top-level "seq", "prev_hash", "hash" or "hmac" keys), as the next
 * record. Returns the written line (without its newline) in *ret_line,
 * valid until the next call. Syncs per the fsync policy.
 */
int audit_append_json(struct audit *a, const char *json, size_t len, const char **ret_line,
                      size_t *ret_len);
/* The same from a JSON object, which then also gets "seq" and "prev_hash". */
int audit_append(struct audit *a, json_t *ev, const char **ret_line, size_t *ret_len);

/*
 * For a burst of records (a drained event ring): take the lock once, append
 * them all, release. Between the two, other writers wait: keep it short.
 */
int audit_hold(struct audit *a);
void audit_release(struct audit *a); /* NULL or not held: nothing */

/* A sync point: fdatasync (unless fsync = none) and rewrite the head. */
int audit_sync(struct audit *a);
/* Call now and then (the supervisor's tick): syncs a batch that is due. */
int audit_tick(struct audit *a);
/* Sync and close; NULL is fine. */
int audit_close(struct audit *a);

/* Records appended by this handle. */
uint64_t audit_appended(const struct audit *a);
/* The last record appended: its seq, and its hash (or HMAC: *ret_hmac). */
uint64_t audit_last_seq(const struct audit *a);
const char *audit_last_hash(const struct audit *a, bool *ret_hmac);

/* ---- verification -------------------------------------------------------- */

struct audit_verify_options {
	const unsigned char *key; /* needed when the records carry "hmac" */
	size_t key_len;
	const char *head;   /* a PATH.head to check the chain's ends against, or NULL */
	int64_t since_usec; /* only records with @timestamp in [since, until] are */
	int64_t until_usec; /* checked (INT64_MIN / INT64_MAX: all) */
};

struct audit_verify_result {
	uint64_t records; /* records checked */
	uint64_t first_seq, last_seq;
	bool torn_tail; /* the last file ends in an unacknowledged partial line */
	char *error;    /* the first problem: "FILE:LINE: what", or NULL */
};

/*
 * Check the chain across files, oldest first. Returns 0 when it holds, 1
 * when a record is broken, missing, reordered, edited or the tail is cut
 * (result->error says where), -errno when a file cannot be read.
 */
int audit_verify(char *const *files, const struct audit_verify_options *o,
                 struct audit_verify_result *ret);
void audit_verify_result_done(struct audit_verify_result *r);

/* The files of the log at path, oldest first (rotated ones, then path itself). */
int audit_list_files(const char *path, char ***ret);

/* A key file: root-owned, not readable by group or others, at least 32 bytes. */
int audit_read_key(const char *path, unsigned char **ret, size_t *ret_len, char **ret_error);
