/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Events: one JSON object per line, field names after the Elastic Common
 * Schema (docs/events.md). The sink is a file opened O_APPEND; each event is
 * written with a single write(2) so concurrent supervisors never interleave
 * within a line.
 */
#pragma once

#include <jansson.h>
#include <stdint.h>
#include <sys/types.h>

/* The Elastic Common Schema version the field names follow. */
#define EVENTS_ECS_VERSION "8.11.0"

struct events;

/* Identity shared by every event of one sandbox. */
struct events_context {
	const char *sandbox_id;
	const char *profile;
	const char *user_name;
	uid_t uid;
	uint64_t cgroup_id;
};

/* Open path for appending ("-" is stderr). A NULL path: no events file. */
int events_open(const char *path, const struct events_context *ctx, struct events **ret);
/* The same on an fd opened for writing by someone else (the daemon's client); fd is taken. */
int events_open_fd(int fd, const struct events_context *ctx, struct events **ret);
struct config;
/*
 * Also write every event to the audit log and forward it, as the
 * configuration says (both optional). Fails, with a message, when either
 * cannot be set up: the caller refuses to launch then.
 */
int events_attach_audit(struct events *e, const struct config *c, char **ret_error);
/* Now and then (the supervisor's tick): sync a due audit batch, retry forwarding. */
void events_tick(struct events *e);
/* Around a burst of events (a drained ring): the audit log's lock taken once. */
void events_hold(struct events *e);
void events_release(struct events *e);
/* Records the forwarder gave up on so far. */
uint64_t events_forward_dropped(const struct events *e);

/* Replace the context (its strings must outlive the sink). */
void events_set_context(struct events *e, const struct events_context *ctx);
void events_close(struct events *e);

/*
 * Start an event: {"event": {kind, category: [category], type: [type],
 * action, outcome}}. Returns NULL on OOM; the caller adds fields and
 * passes it to events_emit(), which always consumes it.
 */
json_t *event_new(const char *kind, const char *category, const char *type, const char *action,
                  const char *outcome);
/* The object ev[key] ("nbwarden", "user", ...), created empty if missing. */
json_t *event_object(json_t *ev, const char *key);
/* Set nbwarden.rule and nbwarden.verdict. */
void event_set_rule(json_t *ev, const char *rule, const char *verdict);

/* Add @timestamp, ecs.version, host, user and nbwarden.* and write the line. */
int events_emit(struct events *e, json_t *ev);

/*
 * Events the kernel side could not deliver (its ring was full), as last
 * counted: every later event carries written failures + these.
 */
void events_set_kernel_lost(struct events *e, uint64_t n);

struct nbw_event;
/*
 * The JSON form of an event from the eBPF programs (bpf/guard.h). rule is
 * the profile rule that decided; boot_to_real_ns converts the event's
 * CLOCK_BOOTTIME stamp to wall-clock time.
 */
json_t *event_from_guard(const struct nbw_event *e, const char *rule, int64_t boot_to_real_ns);
/* Its event.action ("network-connect-denied"), or NULL for an unknown type. */
const char *event_guard_action(const struct nbw_event *e);

/* Events written and failed so far (for the exit summary). */
uint64_t events_written(const struct events *e);
uint64_t events_lost(const struct events *e);
