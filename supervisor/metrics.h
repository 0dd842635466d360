/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The daemon's metrics and alerts. Counters by label, a queue-wait
 * histogram and gauges, rendered in the Prometheus text exposition format
 * (version 0.0.4); the two alert conditions the daemon watches itself
 * (kills per minute, p95 queue wait), defined exactly as the shipped rules in
 * packaging/prometheus/nbwarden-rules.yml define them. Pure: no I/O.
 *
 * Series (all prefixed nbwarden_):
 *   sandboxes_running, sandboxes_queued                       gauges
 *   launches_total                                            counter
 *   denials_total{reason}                                     counter
 *   kills_total{reason}                                       counter
 *   violations_total{type}                                    counter
 *   queue_wait_seconds{le} _sum _count                        histogram
 *   budget_cpu_seconds{user}, budget_io_bytes{user}           gauges (use in the
 *                                                             rolling 24h)
 *   alerts_total{alert}                                       counter
 */
#pragma once

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum metric_counter {
	METRIC_DENIALS,    /* label "reason": role, profile, rate, budget, queue_timeout, ... */
	METRIC_KILLS,      /* label "reason": the kill rule, e.g. limits.cpu_time, budget.cpu */
	METRIC_VIOLATIONS, /* label "type": the event action, e.g. network-connect-denied */
	METRIC_ALERTS,     /* label "alert": kills_per_minute, queue_wait_p95 */
	_METRIC_COUNTER_MAX,
	_METRIC_COUNTER_INVALID = -EINVAL,
};

enum alert_kind {
	ALERT_KILLS_PER_MINUTE,
	ALERT_QUEUE_WAIT_P95,
	_ALERT_KIND_MAX,
	_ALERT_KIND_INVALID = -EINVAL,
};

const char *alert_kind_to_string(enum alert_kind a);

/* Upper bounds of the queue-wait histogram buckets, in seconds (+Inf implied). */
#define METRICS_QUEUE_BUCKETS 0.1, 0.5, 1, 2, 5, 10, 30, 60, 120, 300, 600, 1800
/* The windows of the two alerts. */
#define ALERT_KILLS_WINDOW_USEC (60ULL * 1000000)
#define ALERT_QUEUE_WINDOW_USEC (300ULL * 1000000)

struct metrics;

struct metrics_budget {
	const char *user;
	uint64_t cpu_usec;
	uint64_t io_bytes;
};

/* The gauges and per-user budget use, filled in by the daemon before rendering. */
struct metrics_snapshot {
	unsigned running;
	unsigned queued;
	const struct metrics_budget *budgets;
	size_t n_budgets;
};

/* Thresholds: kills in the last minute above kills_per_minute; p95 above queue_p95_usec. */
int metrics_new(unsigned alert_kills_per_minute, uint64_t alert_queue_p95_usec,
                struct metrics **ret);
void metrics_free(struct metrics *m);
void metrics_set_thresholds(struct metrics *m, unsigned alert_kills_per_minute,
                            uint64_t alert_queue_p95_usec);

void metrics_launch(struct metrics *m);
/*
 * Count one under label (any string; escaped when rendered). A kill also
 * enters the kills-per-minute window at now (CLOCK_MONOTONIC usec).
 */
int metrics_count(struct metrics *m, enum metric_counter c, const char *label, uint64_t now);
/* A queued launch left the queue (started or timed out) after wait_usec. */
int metrics_queue_wait(struct metrics *m, uint64_t wait_usec, uint64_t now);

/*
 * Evaluate both alerts at now. An alert fires when its condition becomes
 * true, and again only after it has been false once (no repeats while it
 * holds). Returns a bitmask of enum alert_kind that fire now, and counts
 * each in alerts_total. *ret_value gets, per kind, the value that fired
 * (kills in the window; p95 in usec).
 */
unsigned metrics_check_alerts(struct metrics *m, uint64_t now, uint64_t ret_value[_ALERT_KIND_MAX]);
/* The current value of each condition, for tests and "nbwarden metrics". */
unsigned metrics_kills_in_window(const struct metrics *m, uint64_t now);
/* p95 of the queue waits that ended in the window; 0 if none. Nearest-rank. */
uint64_t metrics_queue_p95(const struct metrics *m, uint64_t now);

/* The exposition text; *ret freed by the caller. */
int metrics_render(const struct metrics *m, const struct metrics_snapshot *s, char **ret);

/*
 * A minimal HTTP/1.x answer for the metrics listener: request is what the
 * peer sent (at most len bytes, maybe not NUL-terminated). "GET /metrics"
 * gets 200 with body; another path 404, another method 405, anything
 * malformed 400. Returns -EAGAIN if the request head is not complete yet
 * (no blank line) and len is below 8192; a longer incomplete head is 431.
 */
int metrics_http_answer(const char *request, size_t len, const char *body, char **ret,
                        size_t *ret_len);
