// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Metrics and alerts: counters by label, the queue-wait histogram, the
 * Prometheus text rendering and a minimal HTTP answer for the listener.
 *
 * Memory is bounded: at most METRICS_LABELS_MAX labels per counter (then
 * "other"), and at most METRICS_WINDOW_MAX timestamps per alert window (the
 * oldest dropped first).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "metrics.h"
#include "util.h"

#define METRICS_LABELS_MAX 256
#define METRICS_OTHER      "other"
#define METRICS_WINDOW_MAX 4096
#define HTTP_HEAD_MAX      8192

static const char *const alert_names[_ALERT_KIND_MAX] = {
	[ALERT_KILLS_PER_MINUTE] = "kills_per_minute",
	[ALERT_QUEUE_WAIT_P95] = "queue_wait_p95",
};

const char *alert_kind_to_string(enum alert_kind a)
{
	return a >= 0 && a < _ALERT_KIND_MAX ? alert_names[a] : NULL;
}

static const struct {
	const char *name, *label, *help;
} counter_info[_METRIC_COUNTER_MAX] = {
	[METRIC_DENIALS] = {"nbwarden_denials_total", "reason",
                            "Launch requests refused, by reason."},
	[METRIC_KILLS] = {"nbwarden_kills_total", "reason", "Sandboxes killed, by rule."},
	[METRIC_VIOLATIONS] = {"nbwarden_violations_total", "type",
                               "Policy violations seen in sandboxes, by event."},
	[METRIC_ALERTS] = {"nbwarden_alerts_total", "alert", "Alerts raised by the daemon."},
};

static const double queue_bounds[] = {METRICS_QUEUE_BUCKETS};
#define N_QUEUE_BUCKETS ELEMENTSOF(queue_bounds)

struct label_count {
	char *label;
	uint64_t hash;
	uint64_t value;
};

struct counter {
	struct label_count *labels; /* in the order first seen */
	size_t n_labels;
	size_t n_allocated;
};

/* A ring of the newest METRICS_WINDOW_MAX events: when, and a value. */
struct window {
	uint64_t at[METRICS_WINDOW_MAX];
	uint64_t value[METRICS_WINDOW_MAX];
	size_t head, n;
};

struct metrics {
	unsigned alert_kills;
	uint64_t alert_p95_usec;
	bool alert_active[_ALERT_KIND_MAX];

	uint64_t launches;
	struct counter counters[_METRIC_COUNTER_MAX];

	uint64_t queue_bound_usec[N_QUEUE_BUCKETS];
	uint64_t queue_buckets[N_QUEUE_BUCKETS + 1]; /* per bucket, the last one +Inf */
	uint64_t queue_sum_usec;
	uint64_t queue_count;

	struct window kills;
	struct window waits;
};

static uint64_t sat_add(uint64_t a, uint64_t b)
{
	uint64_t r;

	return __builtin_add_overflow(a, b, &r) ? UINT64_MAX : r;
}

int metrics_new(unsigned alert_kills_per_minute, uint64_t alert_queue_p95_usec,
                struct metrics **ret)
{
	struct metrics *m;

	if (!ret)
		return -EINVAL;
	m = calloc(1, sizeof(*m));
	if (!m)
		return -ENOMEM;
	m->alert_kills = alert_kills_per_minute;
	m->alert_p95_usec = alert_queue_p95_usec;
	for (size_t i = 0; i < N_QUEUE_BUCKETS; i++)
		m->queue_bound_usec[i] = (uint64_t)(queue_bounds[i] * (double)USEC_PER_SEC + 0.5);
	*ret = m;
	return 0;
}

void metrics_free(struct metrics *m)
{
	if (!m)
		return;
	for (size_t c = 0; c < _METRIC_COUNTER_MAX; c++) {
		for (size_t i = 0; i < m->counters[c].n_labels; i++)
			free(m->counters[c].labels[i].label);
		free(m->counters[c].labels);
	}
	free(m);
}

void metrics_set_thresholds(struct metrics *m, unsigned alert_kills_per_minute,
                            uint64_t alert_queue_p95_usec)
{
	if (!m)
		return;
	m->alert_kills = alert_kills_per_minute;
	m->alert_p95_usec = alert_queue_p95_usec;
}

void metrics_launch(struct metrics *m)
{
	if (m)
		m->launches = sat_add(m->launches, 1);
}

static struct label_count *counter_find(struct counter *c, const char *label, uint64_t hash)
{
	for (size_t i = 0; i < c->n_labels; i++)
		if (c->labels[i].hash == hash && streq(c->labels[i].label, label))
			return &c->labels[i];
	return NULL;
}

/*
 * The entry for label, created if needed. Past METRICS_LABELS_MAX distinct
 * labels a new one counts under "other", which may become the
 * METRICS_LABELS_MAX + 1st.
 */
static int counter_get(struct counter *c, const char *label, struct label_count **ret)
{
	uint64_t hash = fnv1a(label, strlen(label));
	struct label_count *e = counter_find(c, label, hash);
	char *copy;

	if (e) {
		*ret = e;
		return 0;
	}
	if (c->n_labels >= METRICS_LABELS_MAX) {
		label = METRICS_OTHER;
		hash = fnv1a(label, strlen(label));
		e = counter_find(c, label, hash);
		if (e) {
			*ret = e;
			return 0;
		}
	}
	if (c->n_labels == c->n_allocated) {
		size_t n = c->n_allocated ? c->n_allocated * 2 : 8;

		if (n > METRICS_LABELS_MAX + 1)
			n = METRICS_LABELS_MAX + 1;
		e = reallocarray(c->labels, n, sizeof(*e));
		if (!e)
			return -ENOMEM;
		c->labels = e;
		c->n_allocated = n;
	}
	copy = strdup(label);
	if (!copy)
		return -ENOMEM;
	e = &c->labels[c->n_labels++];
	*e = (struct label_count){.label = copy, .hash = hash};
	*ret = e;
	return 0;
}

static void window_add(struct window *w, uint64_t at, uint64_t value)
{
	size_t i = (w->head + w->n) % METRICS_WINDOW_MAX;

	if (w->n == METRICS_WINDOW_MAX) {
		/* full: the oldest goes */
		w->head = (w->head + 1) % METRICS_WINDOW_MAX;
		w->n--;
	}
	w->at[i] = at;
	w->value[i] = value;
	w->n++;
}

/* Whether at lies in (now - span, now]. */
static bool in_span(uint64_t at, uint64_t now, uint64_t span)
{
	return at <= now && now - at < span;
}

int metrics_count(struct metrics *m, enum metric_counter c, const char *label, uint64_t now)
{
	struct label_count *e;
	int r;

	if (!m || c < 0 || c >= _METRIC_COUNTER_MAX || !label)
		return -EINVAL;
	/* the alert window first: a kill counts there even if its label cannot be stored */
	if (c == METRIC_KILLS)
		window_add(&m->kills, now, 0);
	r = counter_get(&m->counters[c], label, &e);
	if (r < 0)
		return r;
	e->value = sat_add(e->value, 1);
	return 0;
}

int metrics_queue_wait(struct metrics *m, uint64_t wait_usec, uint64_t now)
{
	size_t i = 0;

	if (!m)
		return -EINVAL;
	/* le: a wait equal to a bound is in that bucket */
	while (i < N_QUEUE_BUCKETS && wait_usec > m->queue_bound_usec[i])
		i++;
	m->queue_buckets[i] = sat_add(m->queue_buckets[i], 1);
	m->queue_sum_usec = sat_add(m->queue_sum_usec, wait_usec);
	m->queue_count = sat_add(m->queue_count, 1);
	window_add(&m->waits, now, wait_usec);
	return 0;
}

unsigned metrics_kills_in_window(const struct metrics *m, uint64_t now)
{
	unsigned n = 0;

	if (!m)
		return 0;
	for (size_t i = 0; i < m->kills.n; i++)
		if (in_span(m->kills.at[(m->kills.head + i) % METRICS_WINDOW_MAX], now,
		            ALERT_KILLS_WINDOW_USEC))
			n++;
	return n;
}

static int u64_cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

uint64_t metrics_queue_p95(const struct metrics *m, uint64_t now)
{
	uint64_t v[METRICS_WINDOW_MAX];
	size_t n = 0;

	if (!m)
		return 0;
	for (size_t i = 0; i < m->waits.n; i++) {
		size_t k = (m->waits.head + i) % METRICS_WINDOW_MAX;

		if (in_span(m->waits.at[k], now, ALERT_QUEUE_WINDOW_USEC))
			v[n++] = m->waits.value[k];
	}
	if (n == 0)
		return 0;
	qsort(v, n, sizeof(*v), u64_cmp);
	/* nearest rank: the ceil(0.95 n)-th smallest */
	return v[(95 * n + 99) / 100 - 1];
}

unsigned metrics_check_alerts(struct metrics *m, uint64_t now, uint64_t ret_value[_ALERT_KIND_MAX])
{
	uint64_t value[_ALERT_KIND_MAX];
	bool cond[_ALERT_KIND_MAX];
	unsigned fired = 0;
	bool any_wait = false;

	if (!m)
		return 0;
	value[ALERT_KILLS_PER_MINUTE] = metrics_kills_in_window(m, now);
	cond[ALERT_KILLS_PER_MINUTE] = value[ALERT_KILLS_PER_MINUTE] > m->alert_kills;
	for (size_t i = 0; i < m->waits.n && !any_wait; i++)
		any_wait = in_span(m->waits.at[(m->waits.head + i) % METRICS_WINDOW_MAX], now,
		                   ALERT_QUEUE_WINDOW_USEC);
	value[ALERT_QUEUE_WAIT_P95] = metrics_queue_p95(m, now);
	cond[ALERT_QUEUE_WAIT_P95] = any_wait && value[ALERT_QUEUE_WAIT_P95] > m->alert_p95_usec;

	for (int a = 0; a < _ALERT_KIND_MAX; a++) {
		if (cond[a] && !m->alert_active[a]) {
			struct label_count *e;

			fired |= 1U << a;
			/* the alert fires even if its counter cannot take a new label */
			if (counter_get(&m->counters[METRIC_ALERTS], alert_names[a], &e) >= 0)
				e->value = sat_add(e->value, 1);
		}
		m->alert_active[a] = cond[a];
	}
	if (ret_value)
		memcpy(ret_value, value, sizeof(value));
	return fired;
}

/* ------------------------------------------------------------------------ */
/* rendering */

/* A label value with backslash, double quote and newline escaped. */
static void put_label_value(FILE *f, const char *s)
{
	for (; *s; s++)
		switch (*s) {
		case '\\':
			fputs("\\\\", f);
			break;
		case '"':
			fputs("\\\"", f);
			break;
		case '\n':
			fputs("\\n", f);
			break;
		default:
			fputc(*s, f);
		}
}

/* Microseconds as seconds, exactly: "0.1", "1.5", "1800", "0.000001". */
static void put_seconds(FILE *f, uint64_t usec)
{
	uint64_t frac = (uint64_t)(usec % USEC_PER_SEC);
	int digits = 6;

	fprintf(f, "%" PRIu64, (uint64_t)(usec / USEC_PER_SEC));
	if (frac == 0)
		return;
	while (frac % 10 == 0) {
		frac /= 10;
		digits--;
	}
	fprintf(f, ".%0*" PRIu64, digits, frac);
}

static void put_family(FILE *f, const char *name, const char *type, const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static int label_cmp(const void *a, const void *b)
{
	const struct label_count *x = *(const struct label_count *const *)a;
	const struct label_count *y = *(const struct label_count *const *)b;

	return strcmp(x->label, y->label);
}

/* A counter's samples, sorted by label so the text is stable. */
static int put_counter(FILE *f, const struct metrics *m, enum metric_counter c)
{
	const struct counter *ctr = &m->counters[c];
	_cleanup_free_ const struct label_count **sorted = NULL;

	put_family(f, counter_info[c].name, "counter", counter_info[c].help);
	if (ctr->n_labels == 0)
		return 0;
	sorted = calloc(ctr->n_labels, sizeof(const struct label_count *));
	if (!sorted)
		return -ENOMEM;
	for (size_t i = 0; i < ctr->n_labels; i++)
		sorted[i] = &ctr->labels[i];
	qsort(sorted, ctr->n_labels, sizeof(const struct label_count *), label_cmp);
	for (size_t i = 0; i < ctr->n_labels; i++) {
		fprintf(f, "%s{%s=\"", counter_info[c].name, counter_info[c].label);
		put_label_value(f, sorted[i]->label);
		fprintf(f, "\"} %" PRIu64 "\n", sorted[i]->value);
	}
	return 0;
}

static void put_histogram(FILE *f, const struct metrics *m)
{
	static const char name[] = "nbwarden_queue_wait_seconds";
	uint64_t cumulative = 0;

	put_family(f, name, "histogram", "Time launches waited in the queue.");
	for (size_t i = 0; i <= N_QUEUE_BUCKETS; i++) {
		cumulative = sat_add(cumulative, m->queue_buckets[i]);
		fprintf(f, "%s_bucket{le=\"", name);
		if (i < N_QUEUE_BUCKETS)
			put_seconds(f, m->queue_bound_usec[i]);
		else
			fputs("+Inf", f);
		fprintf(f, "\"} %" PRIu64 "\n", cumulative);
	}
	fprintf(f, "%s_sum ", name);
	put_seconds(f, m->queue_sum_usec);
	fprintf(f, "\n%s_count %" PRIu64 "\n", name, m->queue_count);
}

static void put_budgets(FILE *f, const struct metrics_snapshot *s, bool cpu)
{
	const char *name = cpu ? "nbwarden_budget_cpu_seconds" : "nbwarden_budget_io_bytes";

	put_family(f, name, "gauge",
	           cpu ? "CPU time used in the rolling 24 hours, by user."
	               : "Bytes read and written in the rolling 24 hours, by user.");
	for (size_t i = 0; s && i < s->n_budgets; i++) {
		const struct metrics_budget *b = &s->budgets[i];

		if (!b->user)
			continue;
		fprintf(f, "%s{user=\"", name);
		put_label_value(f, b->user);
		fputs("\"} ", f);
		if (cpu)
			put_seconds(f, b->cpu_usec);
		else
			fprintf(f, "%" PRIu64, b->io_bytes);
		fputc('\n', f);
	}
}

int metrics_render(const struct metrics *m, const struct metrics_snapshot *s, char **ret)
{
	_cleanup_free_ char *text = NULL;
	size_t size = 0;
	FILE *f;
	int r = 0;

	if (!m || !ret)
		return -EINVAL;
	f = open_memstream(&text, &size);
	if (!f)
		return -ENOMEM;
	put_family(f, "nbwarden_sandboxes_running", "gauge", "Sandboxes running now.");
	fprintf(f, "nbwarden_sandboxes_running %u\n", s ? s->running : 0);
	put_family(f, "nbwarden_sandboxes_queued", "gauge", "Launches waiting in the queue now.");
	fprintf(f, "nbwarden_sandboxes_queued %u\n", s ? s->queued : 0);
	put_family(f, "nbwarden_launches_total", "counter", "Sandboxes launched.");
	fprintf(f, "nbwarden_launches_total %" PRIu64 "\n", m->launches);
	for (int c = 0; c < _METRIC_COUNTER_MAX && r >= 0; c++)
		if (c != METRIC_ALERTS)
			r = put_counter(f, m, c);
	if (r >= 0) {
		put_histogram(f, m);
		put_budgets(f, s, true);
		put_budgets(f, s, false);
		r = put_counter(f, m, METRIC_ALERTS);
	}
	if (r >= 0 && ferror(f))
		r = -ENOMEM;
	if (fclose(f) != 0 && r >= 0)
		r = -ENOMEM;
	if (r < 0)
		return r;
	*ret = TAKE_PTR(text);
	return 0;
}

/* ------------------------------------------------------------------------ */
/* HTTP */

/* RFC 9110 token characters, for the method. */
static bool is_tchar(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       (c && strchr("!#$%&'*+-.^_`|~", c));
}

static int answer(int status, const char *reason, const char *extra_headers, const char *body,
                  size_t body_len, bool with_body, char **ret, size_t *ret_len)
{
	_cleanup_free_ char *head = NULL;
	size_t total;
	char *text;
	int n;

	n = asprintf(&head,
	             "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n%s"
	             "Connection: close\r\n\r\n",
	             status, reason,
	             status == 200 ? "text/plain; version=0.0.4; charset=utf-8"
	                           : "text/plain; charset=utf-8",
	             body_len, extra_headers);
	if (n < 0)
		return -ENOMEM;
	if (!with_body)
		body_len = 0;
	if (__builtin_add_overflow((size_t)n, body_len, &total) || total == SIZE_MAX)
		return -ENOMEM;
	text = malloc(total + 1);
	if (!text)
		return -ENOMEM;
	memcpy(text, head, (size_t)n);
	if (body_len > 0)
		memcpy(text + n, body, body_len);
	text[total] = 0;
	*ret = text;
	*ret_len = total;
	return status;
}

static int answer_error(int status, const char *reason, const char *extra_headers, char **ret,
                        size_t *ret_len)
{
	_cleanup_free_ char *body = NULL;
	int n = asprintf(&body, "%d %s\n", status, reason);

	if (n < 0)
		return -ENOMEM;
	return answer(status, reason, extra_headers, body, (size_t)n, true, ret, ret_len);
}

/*
 * Only the request line counts; header fields are skipped. The head ends at
 * the first empty line ("\r\n" or a bare "\n"); it must fit in HTTP_HEAD_MAX
 * bytes. The target is origin-form: "/metrics", a query string allowed.
 * HEAD is answered like GET, without the body. Returns the status code.
 */
int metrics_http_answer(const char *request, size_t len, const char *body, char **ret,
                        size_t *ret_len)
{
	size_t line_end = 0, pos = 0, limit = len < HTTP_HEAD_MAX ? len : HTTP_HEAD_MAX;
	size_t body_len, method_len, target_len, path_len;
	const char *method, *target, *version, *sp1, *sp2;
	bool complete = false, first = true, head;

	if ((!request && len > 0) || !ret || !ret_len)
		return -EINVAL;
	/* find the empty line that ends the head */
	while (pos < limit) {
		const char *nl = memchr(request + pos, '\n', limit - pos);
		size_t l;

		if (!nl)
			break;
		l = (size_t)(nl - (request + pos));
		if (first) {
			line_end = l > 0 && request[pos + l - 1] == '\r' ? l - 1 : l;
			first = false;
		} else if (l == 0 || (l == 1 && request[pos] == '\r')) {
			complete = true;
			break;
		}
		pos += l + 1;
	}
	if (!complete) {
		if (len < HTTP_HEAD_MAX)
			return -EAGAIN;
		return answer_error(431, "Request Header Fields Too Large", "", ret, ret_len);
	}

	/* METHOD SP TARGET SP VERSION */
	method = request;
	sp1 = memchr(request, ' ', line_end);
	sp2 = sp1 ? memchr(sp1 + 1, ' ', line_end - (size_t)(sp1 + 1 - request)) : NULL;
	if (!sp1 || !sp2)
		return answer_error(400, "Bad Request", "", ret, ret_len);
	method_len = (size_t)(sp1 - method);
	target = sp1 + 1;
	target_len = (size_t)(sp2 - target);
	version = sp2 + 1;
	if (method_len == 0 || target_len == 0 || target[0] != '/')
		return answer_error(400, "Bad Request", "", ret, ret_len);
	for (size_t i = 0; i < method_len; i++)
		if (!is_tchar(method[i]))
			return answer_error(400, "Bad Request", "", ret, ret_len);
	for (size_t i = 0; i < target_len; i++)
		if ((unsigned char)target[i] <= 0x20 || (unsigned char)target[i] >= 0x7f)
			return answer_error(400, "Bad Request", "", ret, ret_len);
	if (request + line_end - version != 8 ||
	    (memcmp(version, "HTTP/1.0", 8) != 0 && memcmp(version, "HTTP/1.1", 8) != 0))
		return answer_error(400, "Bad Request", "", ret, ret_len);

	for (path_len = 0; path_len < target_len; path_len++)
		if (target[path_len] == '?' || target[path_len] == '#')
			break;
	if (path_len != strlen("/metrics") || memcmp(target, "/metrics", path_len) != 0)
		return answer_error(404, "Not Found", "", ret, ret_len);
	head = method_len == 4 && memcmp(method, "HEAD", 4) == 0;
	if (!head && !(method_len == 3 && memcmp(method, "GET", 3) == 0))
		return answer_error(405, "Method Not Allowed", "Allow: GET, HEAD\r\n", ret,
		                    ret_len);
	body_len = body ? strlen(body) : 0;
	return answer(200, "OK", "", body ? body : "", body_len, !head, ret, ret_len);
}
