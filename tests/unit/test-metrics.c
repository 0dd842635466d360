// SPDX-License-Identifier: GPL-2.0-or-later
/* Unit tests for metrics: the exposition text, labels, the histogram, alerts and the HTTP answer.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metrics.h"
#include "util.h"

#define SEC   USEC_PER_SEC
#define T0    (1000 * SEC)
#define KILLS (1U << ALERT_KILLS_PER_MINUTE)
#define P95   (1U << ALERT_QUEUE_WAIT_P95)

static struct metrics *new_metrics(unsigned kills, uint64_t p95)
{
	struct metrics *m = NULL;

	assert_int_equal(metrics_new(kills, p95, &m), 0);
	assert_non_null(m);
	return m;
}

/* not inlined: gcc 12 then takes the returned text for a pointer to the local */
static __attribute__((noinline)) char *render(const struct metrics *m,
                                              const struct metrics_snapshot *s)
{
	char *text = NULL;

	assert_int_equal(metrics_render(m, s, &text), 0);
	assert_non_null(text);
	return text;
}

/* The text holds line as a whole line. */
static bool has_line(const char *text, const char *line)
{
	size_t n = strlen(line);

	for (const char *p = text; (p = strstr(p, line)); p++)
		if ((p == text || p[-1] == '\n') && p[n] == '\n')
			return true;
	return false;
}

static void assert_line(const char *text, const char *line)
{
	if (!has_line(text, line))
		fail_msg("no line '%s' in:\n%s", line, text);
}

static void test_render_scenario(void **state)
{
	struct metrics *m = new_metrics(5, 120 * SEC);
	const struct metrics_budget budgets[] = {
		{.user = "alice", .cpu_usec = 3600 * SEC + SEC / 2, .io_bytes = 1048576},
		{.user = "b\"o\\b\n", .cpu_usec = 1, .io_bytes = 0},
	};
	const struct metrics_snapshot snap = {
		.running = 2, .queued = 1, .budgets = budgets, .n_budgets = 2};
	char *text;

	(void)state;
	for (int i = 0; i < 3; i++)
		metrics_launch(m);
	assert_int_equal(metrics_count(m, METRIC_DENIALS, "rate", T0), 0);
	assert_int_equal(metrics_count(m, METRIC_DENIALS, "budget", T0), 0);
	assert_int_equal(metrics_count(m, METRIC_DENIALS, "rate", T0), 0);
	assert_int_equal(metrics_count(m, METRIC_KILLS, "limits.cpu_time", T0), 0);
	assert_int_equal(metrics_queue_wait(m, SEC / 10, T0), 0);
	assert_int_equal(metrics_queue_wait(m, 1400 * USEC_PER_MSEC, T0), 0);
	assert_int_equal(metrics_queue_wait(m, 700 * SEC, T0), 0);
	text = render(m, &snap);
	assert_string_equal(
		text,
		"# HELP nbwarden_sandboxes_running Sandboxes running now.\n"
		"# TYPE nbwarden_sandboxes_running gauge\n"
		"nbwarden_sandboxes_running 2\n"
		"# HELP nbwarden_sandboxes_queued Launches waiting in the queue now.\n"
		"# TYPE nbwarden_sandboxes_queued gauge\n"
		"nbwarden_sandboxes_queued 1\n"
		"# HELP nbwarden_launches_total Sandboxes launched.\n"
		"# TYPE nbwarden_launches_total counter\n"
		"nbwarden_launches_total 3\n"
		"# HELP nbwarden_denials_total Launch requests refused, by reason.\n"
		"# TYPE nbwarden_denials_total counter\n"
		"nbwarden_denials_total{reason=\"budget\"} 1\n"
		"nbwarden_denials_total{reason=\"rate\"} 2\n"
		"# HELP nbwarden_kills_total Sandboxes killed, by rule.\n"
		"# TYPE nbwarden_kills_total counter\n"
		"nbwarden_kills_total{reason=\"limits.cpu_time\"} 1\n"
		"# HELP nbwarden_violations_total Policy violations seen in sandboxes, by event.\n"
		"# TYPE nbwarden_violations_total counter\n"
		"# HELP nbwarden_queue_wait_seconds Time launches waited in the queue.\n"
		"# TYPE nbwarden_queue_wait_seconds histogram\n"
		"nbwarden_queue_wait_seconds_bucket{le=\"0.1\"} 1\n"
		"nbwarden_queue_wait_seconds_bucket{le=\"0.5\"} 1\n"
		"nbwarden_queue_wait_seconds_bucket{le=\"1\"} 1\n"
		"nbwarden_queue_wait_seconds_bucket{le=\"2\"} 2\n"
		"nbwarden_queue_wait_seconds_bucket{le=\"5\"} 2\n"
		"nbwarden_queue_wait_seconds_bucket{le=\"10\"} 2\n"
		"nbwarden_queue_wait_seconds_bucket{le=\"30\"} 2\n"
		"nbwarden_queue_wait_seconds_bucket{le=\"60\"} 2\n"
		"nbwarden_queue_wait_seconds_bucket{le=\"120\"} 2\n"
		"nbwarden_queue_wait_seconds_bucket{le=\"300\"} 2\n"
		"nbwarden_queue_wait_seconds_bucket{le=\"600\"} 2\n"
		"nbwarden_queue_wait_seconds_bucket{le=\"1800\"} 3\n"
		"nbwarden_queue_wait_seconds_bucket{le=\"+Inf\"} 3\n"
		"nbwarden_queue_wait_seconds_sum 701.5\n"
		"nbwarden_queue_wait_seconds_count 3\n"
		"# HELP nbwarden_budget_cpu_seconds CPU time used in the rolling 24 hours, by "
		"user.\n"
		"# TYPE nbwarden_budget_cpu_seconds gauge\n"
		"nbwarden_budget_cpu_seconds{user=\"alice\"} 3600.5\n"
		"nbwarden_budget_cpu_seconds{user=\"b\\\"o\\\\b\\n\"} 0.000001\n"
		"# HELP nbwarden_budget_io_bytes Bytes read and written in the rolling 24 hours, "
		"by "
		"user.\n"
		"# TYPE nbwarden_budget_io_bytes gauge\n"
		"nbwarden_budget_io_bytes{user=\"alice\"} 1048576\n"
		"nbwarden_budget_io_bytes{user=\"b\\\"o\\\\b\\n\"} 0\n"
		"# HELP nbwarden_alerts_total Alerts raised by the daemon.\n"
		"# TYPE nbwarden_alerts_total counter\n");
	free(text);
	metrics_free(m);
	metrics_free(NULL);
}

static void test_render_empty(void **state)
{
	static const char *const families[] = {
		"nbwarden_sandboxes_running gauge",      "nbwarden_sandboxes_queued gauge",
		"nbwarden_launches_total counter",       "nbwarden_denials_total counter",
		"nbwarden_kills_total counter",          "nbwarden_violations_total counter",
		"nbwarden_queue_wait_seconds histogram", "nbwarden_budget_cpu_seconds gauge",
		"nbwarden_budget_io_bytes gauge",        "nbwarden_alerts_total counter",
	};
	struct metrics *m = new_metrics(5, 120 * SEC);
	char *text = render(m, NULL), line[128];

	(void)state;
	for (size_t i = 0; i < ELEMENTSOF(families); i++) {
		snprintf(line, sizeof(line), "# TYPE %s", families[i]);
		assert_line(text, line);
		snprintf(line, sizeof(line), "# HELP %.*s ", (int)strcspn(families[i], " "),
		         families[i]);
		assert_non_null(strstr(text, line));
	}
	assert_line(text, "nbwarden_sandboxes_running 0");
	assert_line(text, "nbwarden_sandboxes_queued 0");
	assert_line(text, "nbwarden_launches_total 0");
	assert_line(text, "nbwarden_queue_wait_seconds_bucket{le=\"+Inf\"} 0");
	assert_line(text, "nbwarden_queue_wait_seconds_sum 0");
	assert_line(text, "nbwarden_queue_wait_seconds_count 0");
	assert_null(strstr(text, "_total{"));
	assert_null(strstr(text, "{user="));
	free(text);
	assert_int_equal(metrics_render(NULL, NULL, &text), -EINVAL);
	metrics_free(m);
}

static void test_labels(void **state)
{
	struct metrics *m = new_metrics(5, 120 * SEC);
	char *text, label[32];
	unsigned lines = 0;

	(void)state;
	assert_int_equal(metrics_count(m, METRIC_VIOLATIONS, "a\\b\"c\nd", T0), 0);
	assert_int_equal(metrics_count(m, METRIC_VIOLATIONS, "", T0), 0);
	assert_int_equal(metrics_count(m, METRIC_VIOLATIONS, "x{y}=z,", T0), 0);
	assert_int_equal(metrics_count(m, METRIC_VIOLATIONS, NULL, T0), -EINVAL);
	assert_int_equal(metrics_count(m, _METRIC_COUNTER_MAX, "x", T0), -EINVAL);
	assert_int_equal(metrics_count(m, _METRIC_COUNTER_INVALID, "x", T0), -EINVAL);
	assert_int_equal(metrics_count(NULL, METRIC_KILLS, "x", T0), -EINVAL);
	text = render(m, NULL);
	assert_line(text, "nbwarden_violations_total{type=\"a\\\\b\\\"c\\nd\"} 1");
	assert_line(text, "nbwarden_violations_total{type=\"\"} 1");
	assert_line(text, "nbwarden_violations_total{type=\"x{y}=z,\"} 1");
	free(text);

	/* 256 distinct labels, then "other" */
	for (int i = 0; i < 300; i++) {
		snprintf(label, sizeof(label), "r%03d", i);
		assert_int_equal(metrics_count(m, METRIC_DENIALS, label, T0), 0);
	}
	/* a label seen before the cap still counts under its own name */
	assert_int_equal(metrics_count(m, METRIC_DENIALS, "r000", T0), 0);
	assert_int_equal(metrics_count(m, METRIC_DENIALS, "late", T0), 0);
	text = render(m, NULL);
	for (const char *p = text; (p = strstr(p, "\nnbwarden_denials_total{")); p++)
		lines++;
	assert_int_equal(lines, 257);
	assert_line(text, "nbwarden_denials_total{reason=\"r000\"} 2");
	assert_line(text, "nbwarden_denials_total{reason=\"r255\"} 1");
	assert_null(strstr(text, "reason=\"r256\""));
	assert_null(strstr(text, "reason=\"late\""));
	assert_line(text, "nbwarden_denials_total{reason=\"other\"} 45");
	free(text);
	metrics_free(m);
}

/* The cumulative count of the bucket with bound le in the rendered text. */
static unsigned long long bucket(const struct metrics *m, const char *le)
{
	char *text = render(m, NULL), key[96], num[32] = "";
	const char *p;

	snprintf(key, sizeof(key), "\nnbwarden_queue_wait_seconds_bucket{le=\"%s\"} ", le);
	p = strstr(text, key);
	if (p)
		snprintf(num, sizeof(num), "%.31s", p + strlen(key));
	free(text);
	if (!num[0])
		fail_msg("no bucket le=%s", le);
	return strtoull(num, NULL, 10);
}

static void test_histogram_bounds(void **state)
{
	static const char *const les[] = {"0.1", "0.5", "1",   "2",   "5",    "10",  "30",
	                                  "60",  "120", "300", "600", "1800", "+Inf"};
	static const double bounds[] = {METRICS_QUEUE_BUCKETS};

	(void)state;
	assert_int_equal(ELEMENTSOF(les), ELEMENTSOF(bounds) + 1);
	for (size_t i = 0; i < ELEMENTSOF(bounds); i++) {
		uint64_t b = (uint64_t)(bounds[i] * 1e6 + 0.5);
		struct metrics *m = new_metrics(5, 120 * SEC);

		/* exactly on the bound: in that bucket; one microsecond more: the next */
		assert_int_equal(metrics_queue_wait(m, b, T0), 0);
		assert_int_equal(bucket(m, les[i]), 1);
		if (i > 0)
			assert_int_equal(bucket(m, les[i - 1]), 0);
		assert_int_equal(metrics_queue_wait(m, b + 1, T0), 0);
		assert_int_equal(bucket(m, les[i]), 1);
		assert_int_equal(bucket(m, les[i + 1]), 2);
		metrics_free(m);
	}
	{
		struct metrics *m = new_metrics(5, 120 * SEC);
		char *text;

		assert_int_equal(metrics_queue_wait(m, 0, T0), 0);
		assert_int_equal(metrics_queue_wait(m, UINT64_MAX, T0), 0);
		assert_int_equal(bucket(m, "0.1"), 1);
		assert_int_equal(bucket(m, "1800"), 1);
		assert_int_equal(bucket(m, "+Inf"), 2);
		text = render(m, NULL);
		assert_line(text, "nbwarden_queue_wait_seconds_sum 18446744073709.551615");
		assert_line(text, "nbwarden_queue_wait_seconds_count 2");
		free(text);
		metrics_free(m);
	}
	assert_int_equal(metrics_queue_wait(NULL, 1, T0), -EINVAL);
}

static void test_kill_alert_edges(void **state)
{
	struct metrics *m = new_metrics(5, 120 * SEC);
	uint64_t value[_ALERT_KIND_MAX];
	char *text;

	(void)state;
	assert_string_equal(alert_kind_to_string(ALERT_KILLS_PER_MINUTE), "kills_per_minute");
	assert_string_equal(alert_kind_to_string(ALERT_QUEUE_WAIT_P95), "queue_wait_p95");
	assert_null(alert_kind_to_string(_ALERT_KIND_MAX));
	assert_null(alert_kind_to_string(_ALERT_KIND_INVALID));

	for (int i = 0; i < 5; i++)
		assert_int_equal(metrics_count(m, METRIC_KILLS, "limits.memory", T0 + i), 0);
	/* 5 is not above 5 */
	assert_int_equal(metrics_check_alerts(m, T0 + 10, value), 0);
	assert_int_equal(value[ALERT_KILLS_PER_MINUTE], 5);
	assert_int_equal(metrics_count(m, METRIC_KILLS, "budget.cpu", T0 + 10), 0);
	assert_int_equal(metrics_check_alerts(m, T0 + 10, value), KILLS);
	assert_int_equal(value[ALERT_KILLS_PER_MINUTE], 6);
	/* it holds: no repeat, even as it grows */
	assert_int_equal(metrics_count(m, METRIC_KILLS, "budget.cpu", T0 + 11), 0);
	assert_int_equal(metrics_check_alerts(m, T0 + 11, value), 0);
	assert_int_equal(value[ALERT_KILLS_PER_MINUTE], 7);
	/* the window is (now - 60 s, now]: the kill at T0 leaves at T0 + 60 s exactly */
	assert_int_equal(metrics_kills_in_window(m, T0 + 60 * SEC - 1), 7);
	assert_int_equal(metrics_kills_in_window(m, T0 + 60 * SEC), 6);
	assert_int_equal(metrics_check_alerts(m, T0 + 60 * SEC, value), 0); /* 6: still above */
	assert_int_equal(metrics_check_alerts(m, T0 + 60 * SEC + 1, value), 0);
	assert_int_equal(value[ALERT_KILLS_PER_MINUTE], 5); /* false: re-armed */
	/* a kill before the check is in the window; one after now is not */
	assert_int_equal(metrics_count(m, METRIC_KILLS, "x", T0 + 60 * SEC + 1), 0);
	assert_int_equal(metrics_check_alerts(m, T0 + 60 * SEC + 1, NULL), KILLS);
	assert_int_equal(metrics_kills_in_window(m, T0), 1);
	text = render(m, NULL);
	assert_line(text, "nbwarden_alerts_total{alert=\"kills_per_minute\"} 2");
	assert_line(text, "nbwarden_kills_total{reason=\"budget.cpu\"} 2");
	assert_line(text, "nbwarden_kills_total{reason=\"limits.memory\"} 5");
	assert_null(strstr(text, "queue_wait_p95"));
	free(text);

	/* a higher threshold: false, re-armed; lower again: fires */
	metrics_set_thresholds(m, 100, 120 * SEC);
	assert_int_equal(metrics_check_alerts(m, T0 + 60 * SEC + 1, NULL), 0);
	metrics_set_thresholds(m, 0, 120 * SEC);
	assert_int_equal(metrics_check_alerts(m, T0 + 60 * SEC + 1, NULL), KILLS);
	/* no kills, threshold 0: 0 is not above 0 */
	assert_int_equal(metrics_check_alerts(m, T0 + 200 * SEC, value), 0);
	assert_int_equal(value[ALERT_KILLS_PER_MINUTE], 0);

	/* bounded: the newest 4096 kills are kept */
	for (int i = 0; i < 5000; i++)
		assert_int_equal(metrics_count(m, METRIC_KILLS, "x", T0 + 300 * SEC), 0);
	assert_int_equal(metrics_kills_in_window(m, T0 + 300 * SEC), 4096);
	assert_int_equal(metrics_check_alerts(NULL, T0, value), 0);
	metrics_free(m);
}

static void test_p95_nearest_rank(void **state)
{
	struct metrics *m = new_metrics(5, 120 * SEC);

	(void)state;
	assert_int_equal(metrics_queue_p95(m, T0), 0);
	assert_int_equal(metrics_queue_wait(m, 42, T0), 0);
	assert_int_equal(metrics_queue_p95(m, T0), 42);
	metrics_free(m);

	/* 20 samples 1..20, in a shuffled order: rank ceil(19) = 19 */
	m = new_metrics(5, 120 * SEC);
	for (int i = 0; i < 20; i++)
		assert_int_equal(metrics_queue_wait(m, (uint64_t)((i * 7) % 20 + 1), T0), 0);
	assert_int_equal(metrics_queue_p95(m, T0), 19);
	metrics_free(m);

	/* 100 samples 1..100: the 95th */
	m = new_metrics(5, 120 * SEC);
	for (int i = 0; i < 100; i++)
		assert_int_equal(metrics_queue_wait(m, (uint64_t)((i * 37) % 100 + 1), T0 + i), 0);
	assert_int_equal(metrics_queue_p95(m, T0 + 100), 95);
	assert_int_equal(metrics_queue_p95(m, T0 + 300 * SEC - 1), 95);
	/*
	 * The window is (now - 300 s, now]: the wait of 1 that ended at T0
	 * leaves at T0 + 300 s, and of the 99 left (2..100) the p95 is the
	 * ceil(94.05) = 95th: 96.
	 */
	assert_int_equal(metrics_queue_p95(m, T0 + 300 * SEC), 96);
	/* waits that end after now are not in its window: at T0 only the first, 1 */
	assert_int_equal(metrics_queue_p95(m, T0), 1);
	assert_int_equal(metrics_queue_p95(m, T0 + 400 * SEC), 0);
	assert_int_equal(metrics_queue_p95(NULL, T0), 0);
	metrics_free(m);
}

static void test_p95_alert_edges(void **state)
{
	struct metrics *m = new_metrics(5, 120 * SEC);
	uint64_t value[_ALERT_KIND_MAX];
	char *text;

	(void)state;
	/* no waits at all, threshold 0: never fires */
	metrics_set_thresholds(m, 5, 0);
	assert_int_equal(metrics_check_alerts(m, T0, value), 0);
	assert_int_equal(value[ALERT_QUEUE_WAIT_P95], 0);
	/* a wait of 0 is not above 0 */
	assert_int_equal(metrics_queue_wait(m, 0, T0), 0);
	assert_int_equal(metrics_check_alerts(m, T0, value), 0);
	metrics_set_thresholds(m, 5, 120 * SEC);

	/* 19 short waits and one long: the p95 (19th) is short */
	for (int i = 0; i < 18; i++)
		assert_int_equal(metrics_queue_wait(m, SEC, T0), 0);
	assert_int_equal(metrics_queue_wait(m, 200 * SEC, T0), 0);
	assert_int_equal(metrics_check_alerts(m, T0, value), 0);
	assert_int_equal(value[ALERT_QUEUE_WAIT_P95], SEC);
	/* exactly the threshold is not above it */
	assert_int_equal(metrics_queue_wait(m, 120 * SEC, T0 + 1), 0);
	assert_int_equal(metrics_check_alerts(m, T0 + 1, value), 0);
	assert_int_equal(value[ALERT_QUEUE_WAIT_P95], 120 * SEC);
	/* one more long one: the 21st of 22 is 200 s */
	assert_int_equal(metrics_queue_wait(m, 200 * SEC, T0 + 2), 0);
	assert_int_equal(metrics_check_alerts(m, T0 + 2, value), P95);
	assert_int_equal(value[ALERT_QUEUE_WAIT_P95], 200 * SEC);
	assert_int_equal(metrics_check_alerts(m, T0 + 3, value), 0);
	/* everything leaves the window: false, re-armed */
	assert_int_equal(metrics_check_alerts(m, T0 + 2 + 300 * SEC, value), 0);
	assert_int_equal(value[ALERT_QUEUE_WAIT_P95], 0);
	assert_int_equal(metrics_queue_wait(m, 121 * SEC, T0 + 400 * SEC), 0);
	assert_int_equal(metrics_check_alerts(m, T0 + 400 * SEC, value), P95);
	text = render(m, NULL);
	assert_line(text, "nbwarden_alerts_total{alert=\"queue_wait_p95\"} 2");
	free(text);
	metrics_free(m);
}

/* ------------------------------------------------------------------------ */
/* HTTP */

/* Answer a request given as exactly len bytes, not NUL-terminated (ASan sees overreads). */
static int http(const char *req, size_t len, const char *body, char **ret, size_t *ret_len)
{
	char *copy = malloc(len ? len : 1);
	int r;

	assert_non_null(copy);
	memcpy(copy, req, len);
	r = metrics_http_answer(copy, len, body, ret, ret_len);
	free(copy);
	return r;
}

static void http_is(const char *req, int want_status, const char *want)
{
	char *out = NULL;
	size_t len = 0;

	assert_int_equal(http(req, strlen(req), "x 1\n", &out, &len), want_status);
	assert_non_null(out);
	assert_int_equal(len, strlen(out));
	if (strncmp(out, want, strlen(want)) != 0)
		fail_msg("for %s\nexpected:\n%s\ngot:\n%s", req, want, out);
	free(out);
}

#define ERR(code, reason, extra)                                                       \
	"HTTP/1.1 " #code " " reason "\r\nContent-Type: text/plain; charset=utf-8\r\n" \
	"Content-Length: " extra

static void test_http(void **state)
{
	static const char ok[] = "HTTP/1.1 200 OK\r\n"
				 "Content-Type: text/plain; version=0.0.4; charset=utf-8\r\n"
				 "Content-Length: 4\r\n"
				 "Connection: close\r\n\r\n";
	char full[256];

	(void)state;
	snprintf(full, sizeof(full), "%sx 1\n", ok);
	http_is("GET /metrics HTTP/1.1\r\nHost: localhost:9464\r\nAccept: */*\r\n\r\n", 200, full);
	http_is("GET /metrics HTTP/1.0\r\n\r\n", 200, full);
	http_is("GET /metrics?name[]=x HTTP/1.1\r\n\r\n", 200, full);
	http_is("GET /metrics HTTP/1.1\n\n", 200, full);
	/* HEAD: the same head, no body */
	{
		char *out = NULL;
		size_t len = 0;
		const char *req = "HEAD /metrics HTTP/1.1\r\n\r\n";

		assert_int_equal(http(req, strlen(req), "x 1\n", &out, &len), 200);
		assert_int_equal(len, strlen(ok));
		assert_memory_equal(out, ok, len);
		free(out);
	}
	http_is("GET / HTTP/1.1\r\n\r\n", 404,
	        ERR(404, "Not Found", "14\r\nConnection: close\r\n\r\n404 Not Found\n"));
	http_is("GET /metricsx HTTP/1.1\r\n\r\n", 404, ERR(404, "Not Found", "14\r\n"));
	http_is("GET /metrics/ HTTP/1.1\r\n\r\n", 404, ERR(404, "Not Found", "14\r\n"));
	http_is("POST /other HTTP/1.1\r\n\r\n", 404, ERR(404, "Not Found", "14\r\n"));
	http_is("POST /metrics HTTP/1.1\r\nContent-Length: 0\r\n\r\n", 405,
	        ERR(405, "Method Not Allowed",
	            "23\r\nAllow: GET, HEAD\r\nConnection: close\r\n\r\n405 Method Not Allowed\n"));
	http_is("get /metrics HTTP/1.1\r\n\r\n", 405, ERR(405, "Method Not Allowed", "23\r\n"));
	http_is("GET /metrics\r\n\r\n", 400,
	        ERR(400, "Bad Request", "16\r\nConnection: close\r\n\r\n400 Bad Request\n"));
	http_is("GET  /metrics HTTP/1.1\r\n\r\n", 400, ERR(400, "Bad Request", "16\r\n"));
	http_is("GET metrics HTTP/1.1\r\n\r\n", 400, ERR(400, "Bad Request", "16\r\n"));
	http_is("GET /metrics HTTP/2.0\r\n\r\n", 400, ERR(400, "Bad Request", "16\r\n"));
	http_is("GET /metrics HTTP/1.1 x\r\n\r\n", 400, ERR(400, "Bad Request", "16\r\n"));
	http_is("GET /metrics HTTP/1.\r\n\r\n", 400, ERR(400, "Bad Request", "16\r\n"));
	http_is("G(T /metrics HTTP/1.1\r\n\r\n", 400, ERR(400, "Bad Request", "16\r\n"));
	http_is("GET /met\trics HTTP/1.1\r\n\r\n", 400, ERR(400, "Bad Request", "16\r\n"));
	http_is("\r\n\r\n", 400, ERR(400, "Bad Request", "16\r\n"));
	{
		static const char nul[] = "GET /met\0rics HTTP/1.1\r\n\r\n";
		char *out = NULL;
		size_t len = 0;

		assert_int_equal(http(nul, sizeof(nul) - 1, "", &out, &len), 400);
		free(out);
	}
}

/* "\r\n\r\n" at p, no terminator */
static void blank_line(char *p)
{
	p[0] = '\r';
	p[1] = '\n';
	p[2] = '\r';
	p[3] = '\n';
}

static void test_http_incomplete(void **state)
{
	const char *partial[] = {"",
	                         "GET",
	                         "GET /metrics HTTP/1.1",
	                         "GET /metrics HTTP/1.1\r\n",
	                         "GET /metrics HTTP/1.1\r\nHost: x\r\n",
	                         "GET /metrics HTTP/1.1\r\nHost: x\r\n\r"};
	char *out = (char *)"untouched", *big;
	size_t len = 99;

	(void)state;
	for (size_t i = 0; i < ELEMENTSOF(partial); i++) {
		assert_int_equal(http(partial[i], strlen(partial[i]), "b", &out, &len), -EAGAIN);
		assert_string_equal(out, "untouched");
		assert_int_equal(len, 99);
	}
	assert_int_equal(metrics_http_answer(NULL, 0, "b", &out, &len), -EAGAIN);

	/* a head that does not end within 8192 bytes */
	big = malloc(9000);
	assert_non_null(big);
	memcpy(big, "GET /metrics HTTP/1.1\r\nX-Long: ", 31);
	memset(big + 31, 'a', 9000 - 31);
	assert_int_equal(http(big, 8191, "b", &out, &len), -EAGAIN);
	assert_int_equal(http(big, 8192, "b", &out, &len), 431);
	assert_non_null(strstr(out, "HTTP/1.1 431 Request Header Fields Too Large\r\n"));
	free(out);
	/* its blank line comes too late */
	blank_line(big + 8500);
	assert_int_equal(http(big, 9000, "b", &out, &len), 431);
	free(out);
	/* within the limit, fine */
	blank_line(big + 8000);
	assert_int_equal(http(big, 9000, "b", &out, &len), 200);
	free(out);
	free(big);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_render_scenario),  cmocka_unit_test(test_render_empty),
		cmocka_unit_test(test_labels),           cmocka_unit_test(test_histogram_bounds),
		cmocka_unit_test(test_kill_alert_edges), cmocka_unit_test(test_p95_nearest_rank),
		cmocka_unit_test(test_p95_alert_edges),  cmocka_unit_test(test_http),
		cmocka_unit_test(test_http_incomplete),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
