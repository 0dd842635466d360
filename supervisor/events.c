// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "events.h"
#include "util.h"

struct events {
	int fd; /* -1: drop everything */
	bool own_fd;
	struct events_context ctx;
	char hostname[256];
	uint64_t written, lost;
};

int events_open(const char *path, const struct events_context *ctx, struct events **ret)
{
	struct events *e = calloc(1, sizeof(*e));

	if (!e)
		return -ENOMEM;
	e->fd = -1;
	e->ctx = *ctx;
	if (gethostname(e->hostname, sizeof(e->hostname) - 1) < 0)
		strcpy(e->hostname, "localhost");
	if (streq(path, "-")) {
		e->fd = STDERR_FILENO;
	} else if (path) {
		e->fd = open(path,
		             O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY,
		             0640);
		if (e->fd < 0) {
			int r = -errno;

			free(e);
			return r;
		}
		e->own_fd = true;
	}
	*ret = e;
	return 0;
}

void events_set_context(struct events *e, const struct events_context *ctx)
{
	if (e)
		e->ctx = *ctx;
}

void events_close(struct events *e)
{
	if (!e)
		return;
	if (e->own_fd)
		safe_close(e->fd);
	free(e);
}

json_t *event_new(const char *kind, const char *category, const char *type, const char *action,
                  const char *outcome)
{
	return json_pack("{s:{s:s, s:[s], s:[s], s:s, s:s}}", "event", "kind", kind, "category",
	                 category, "type", type, "action", action, "outcome", outcome);
}

static json_t *object_at(json_t *ev, const char *key)
{
	json_t *o = json_object_get(ev, key);

	if (!json_is_object(o)) {
		o = json_object();
		json_object_set_new(ev, key, o);
	}
	return o;
}

void event_set_rule(json_t *ev, const char *rule, const char *verdict)
{
	json_t *n = object_at(ev, "nbwarden");

	if (rule)
		json_object_set_new(n, "rule", json_string(rule));
	if (verdict)
		json_object_set_new(n, "verdict", json_string(verdict));
}

/* RFC 3339, UTC, microseconds: 2026-11-23T09:10:11.123456Z */
static void timestamp(char buf[static 40])
{
	struct timespec ts;
	struct tm tm;
	size_t n;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	n = strftime(buf, 40, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf + n, 40 - n, ".%06uZ", (unsigned)(ts.tv_nsec / 1000) % 1000000U);
}

int events_emit(struct events *e, json_t *ev)
{
	char ts[40], *line = NULL;
	json_t *n;
	size_t len;
	ssize_t w;
	int r = 0;

	if (!ev) {
		if (e)
			e->lost++;
		return -ENOMEM;
	}
	if (!e || e->fd < 0) {
		json_decref(ev);
		return 0;
	}
	timestamp(ts);
	json_object_set_new(ev, "@timestamp", json_string(ts));
	json_object_set_new(object_at(ev, "ecs"), "version", json_string(EVENTS_ECS_VERSION));
	json_object_set_new(object_at(ev, "host"), "hostname", json_string(e->hostname));
	if (e->ctx.user_name) {
		json_t *u = object_at(ev, "user");

		json_object_set_new(u, "name", json_string(e->ctx.user_name));
		json_object_set_new(u, "id", json_sprintf("%u", (unsigned)e->ctx.uid));
	}
	n = object_at(ev, "nbwarden");
	if (e->ctx.sandbox_id)
		json_object_set_new(n, "sandbox_id", json_string(e->ctx.sandbox_id));
	if (e->ctx.profile)
		json_object_set_new(n, "profile", json_string(e->ctx.profile));
	if (e->ctx.cgroup_id)
		json_object_set_new(n, "cgroup_id", json_integer((json_int_t)e->ctx.cgroup_id));
	json_object_set_new(n, "events_lost", json_integer((json_int_t)e->lost));

	line = json_dumps(ev, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(ev);
	if (!line) {
		e->lost++;
		return -ENOMEM;
	}
	len = strlen(line);
	line[len++] = '\n'; /* json_dumps leaves room: we overwrite the NUL */
	do
		w = write(e->fd, line, len);
	while (w < 0 && errno == EINTR);
	if (w < 0)
		r = -errno;
	else if ((size_t)w != len)
		r = -EIO;
	free(line);
	if (r < 0)
		e->lost++;
	else
		e->written++;
	return r;
}

uint64_t events_written(const struct events *e)
{
	return e ? e->written : 0;
}

uint64_t events_lost(const struct events *e)
{
	return e ? e->lost : 0;
}
