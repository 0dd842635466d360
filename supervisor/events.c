// SPDX-License-Identifier: GPL-2.0-or-later
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <openssl/crypto.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "audit.h"
#include "cleanup.h"
#include "../bpf/guard.h"
#include "config.h"
#include "events.h"
#include "forward.h"
#include "log.h"
#include "ocsf.h"
#include "util.h"

/* At exit, how long forwarding may try to deliver what is still queued. */
#define FORWARD_EXIT_FLUSH_USEC (2 * USEC_PER_SEC)

struct events {
	int fd; /* -1: no events file */
	bool own_fd;
	struct audit *audit;   /* the audit log, or NULL */
	struct forwarder *fwd; /* syslog/journald, or NULL */
	enum forward_format format;
	struct events_context ctx;
	char hostname[256];
	uint64_t written, lost, kernel_lost;
	bool audit_failed; /* warned once */
};

int events_open_fd(int fd, const struct events_context *ctx, struct events **ret)
{
	struct events *e;
	int fl = fcntl(fd, F_GETFL);
	int r;

	/* the client's file: it opened it, for writing, as itself */
	if (fl < 0)
		return -errno;
	if ((fl & O_ACCMODE) == O_RDONLY)
		return -EBADF;
	r = events_open(NULL, ctx, &e);
	if (r < 0)
		return r;
	e->fd = fd;
	e->own_fd = true;
	*ret = e;
	return 0;
}

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

int events_attach_audit(struct events *e, const struct config *c, char **ret_error)
{
	_cleanup_free_ unsigned char *key = NULL;
	size_t key_len = 0;
	int r;

	*ret_error = NULL;
	if (c->audit_path) {
		struct audit_config ac = {
			.path = c->audit_path,
			.fsync = c->audit_fsync,
			.batch_usec = c->audit_fsync_interval,
			.rotate_size = c->audit_rotate_size,
			.rotate_daily = c->audit_rotate_daily,
			.retention_days = c->audit_retention_days,
		};

		if (c->audit_key_file) {
			r = audit_read_key(c->audit_key_file, &key, &key_len, ret_error);
			if (r < 0)
				return r;
			ac.key = key;
			ac.key_len = key_len;
		}
		r = audit_open(&ac, &e->audit, ret_error);
		if (key)
			OPENSSL_cleanse(key, key_len);
		if (r < 0)
			return r;
	}
	if (c->forward_syslog || c->forward_journald) {
		struct forward_config fc = {
			.syslog = c->forward_syslog,
			.syslog_facility = c->forward_facility,
			.journald_socket = c->forward_journald ? c->forward_journald_socket : NULL,
			.queue_max = c->forward_queue,
		};

		r = forward_open(&fc, &e->fwd, ret_error);
		if (r < 0)
			return r;
		e->format = c->forward_format;
	}
	return 0;
}

void events_tick(struct events *e)
{
	int r;

	if (!e)
		return;
	r = audit_tick(e->audit);
	if (r < 0)
		log_warning_errno(r, "cannot sync the audit log: %m, retrying at the next tick");
	if (e->fwd)
		(void)forward_flush(e->fwd, 0);
}

void events_hold(struct events *e)
{
	/* if the lock cannot be had now, each record takes it itself */
	if (e && e->audit)
		(void)audit_hold(e->audit);
}

void events_release(struct events *e)
{
	if (e)
		audit_release(e->audit);
}

uint64_t events_forward_dropped(const struct events *e)
{
	return e && e->fwd ? forward_dropped(e->fwd) : 0;
}

void events_set_context(struct events *e, const struct events_context *ctx)
{
	if (e)
		e->ctx = *ctx;
}

void events_set_kernel_lost(struct events *e, uint64_t n)
{
	if (e)
		e->kernel_lost = n;
}

void events_close(struct events *e)
{
	int r;

	if (!e)
		return;
	if (e->own_fd)
		safe_close(e->fd);
	r = audit_close(e->audit);
	if (r < 0)
		log_warning_errno(r, "cannot sync the audit log: %m");
	if (e->fwd) {
		size_t left = forward_flush(e->fwd, FORWARD_EXIT_FLUSH_USEC);

		if (left > 0 || forward_dropped(e->fwd) > 0)
			log_warning("audit forwarding: %zu record(s) undelivered at exit, %llu "
			            "dropped (the local audit log has them all)",
			            left, (unsigned long long)forward_dropped(e->fwd));
		forward_close(e->fwd);
	}
	free(e);
}

json_t *event_new(const char *kind, const char *category, const char *type, const char *action,
                  const char *outcome)
{
	return json_pack("{s:{s:s, s:[s], s:[s], s:s, s:s}}", "event", "kind", kind, "category",
	                 category, "type", type, "action", action, "outcome", outcome);
}

json_t *event_object(json_t *ev, const char *key)
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
	json_t *n = event_object(ev, "nbwarden");

	if (rule)
		json_object_set_new(n, "rule", json_string(rule));
	if (verdict)
		json_object_set_new(n, "verdict", json_string(verdict));
}

/* RFC 3339, UTC, microseconds: 2026-11-23T09:10:11.123456Z */
static void format_time(const struct timespec *ts, char buf[static 40])
{
	struct tm tm;
	size_t n;

	gmtime_r(&ts->tv_sec, &tm);
	n = strftime(buf, 40, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf + n, 40 - n, ".%06uZ", (unsigned)(ts->tv_nsec / 1000) % 1000000U);
}

static void timestamp(char buf[static 40])
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	format_time(&ts, buf);
}

/*
 * The event (json: its compact serialization, len bytes) into the audit log,
 * then, as written there, to the forwarder.
 */
static int audit_and_forward(struct events *e, json_t *ev, const char *json, size_t json_len)
{
	const char *line = json;
	size_t len = json_len;
	int r;

	if (e->audit) {
		r = audit_append_json(e->audit, json, json_len, &line, &len);
		if (r < 0) {
			if (!e->audit_failed)
				log_warning_errno(r, "cannot write the audit log: %m");
			e->audit_failed = true;
			return r;
		}
	}
	if (!e->fwd)
		return 0;
	/* the chain's fields, for the syslog/journald headers and the OCSF form */
	if (e->audit) {
		bool hmac;
		const char *hash = audit_last_hash(e->audit, &hmac);

		json_object_set_new(ev, "seq", json_integer((json_int_t)audit_last_seq(e->audit)));
		json_object_set_new(ev, hmac ? "hmac" : "hash", json_string(hash));
	}
	if (e->format == FORWARD_FORMAT_OCSF) {
		json_t *o = ocsf_from_event(ev);
		_cleanup_free_ char *s = o ? json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS) : NULL;

		/* the headers come from the event (action, kind, time), the message is OCSF */
		if (s)
			forward_record(e->fwd, s, strlen(s), ev);
		json_decref(o);
		return s ? 0 : -ENOMEM;
	}
	forward_record(e->fwd, line, len, ev);
	return 0;
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
	if (!e || (e->fd < 0 && !e->audit && !e->fwd)) {
		json_decref(ev);
		return 0;
	}
	if (!json_object_get(ev, "@timestamp")) {
		timestamp(ts);
		json_object_set_new(ev, "@timestamp", json_string(ts));
	}
	json_object_set_new(event_object(ev, "ecs"), "version", json_string(EVENTS_ECS_VERSION));
	json_object_set_new(event_object(ev, "host"), "hostname", json_string(e->hostname));
	if (e->ctx.user_name) {
		json_t *u = event_object(ev, "user");

		json_object_set_new(u, "name", json_string(e->ctx.user_name));
		json_object_set_new(u, "id", json_sprintf("%u", (unsigned)e->ctx.uid));
	}
	n = event_object(ev, "nbwarden");
	if (e->ctx.sandbox_id)
		json_object_set_new(n, "sandbox_id", json_string(e->ctx.sandbox_id));
	if (e->ctx.profile)
		json_object_set_new(n, "profile", json_string(e->ctx.profile));
	if (e->ctx.cgroup_id)
		json_object_set_new(n, "cgroup_id", json_integer((json_int_t)e->ctx.cgroup_id));
	json_object_set_new(n, "events_lost",
	                    json_integer((json_int_t)e->lost + (json_int_t)e->kernel_lost));

	/* serialized once, for the events file and the audit log alike */
	line = json_dumps(ev, JSON_COMPACT | JSON_SORT_KEYS);
	if (!line) {
		json_decref(ev);
		e->lost++;
		return -ENOMEM;
	}
	len = strlen(line);
	if (e->audit || e->fwd)
		r = audit_and_forward(e, ev, line, len);
	if (e->fd >= 0) {
		line[len++] = '\n'; /* json_dumps leaves room: we overwrite the NUL */
		do
			w = write(e->fd, line, len);
		while (w < 0 && errno == EINTR);
		if (w < 0)
			r = -errno;
		else if ((size_t)w != len)
			r = -EIO;
	}
	free(line);
	json_decref(ev);
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

/* ------------------------------------------------------------------------ */
/* events from the eBPF programs */

static const char *transport(uint8_t proto, char buf[static 8])
{
	switch (proto) {
	case IPPROTO_TCP:
		return "tcp";
	case IPPROTO_UDP:
		return "udp";
	case IPPROTO_ICMP:
		return "icmp";
	case IPPROTO_ICMPV6:
		return "ipv6-icmp";
	case IPPROTO_SCTP:
		return "sctp";
	case IPPROTO_UDPLITE:
		return "udplite";
	default:
		snprintf(buf, 8, "%u", proto);
		return buf;
	}
}

static json_t *ip_string(const uint8_t a[16])
{
	static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
	char buf[INET6_ADDRSTRLEN];

	if (memcmp(a, mapped, 12) == 0)
		inet_ntop(AF_INET, a + 12, buf, sizeof(buf));
	else
		inet_ntop(AF_INET6, a, buf, sizeof(buf));
	return json_string(buf);
}

const char *event_guard_action(const struct nbw_event *g)
{
	bool allowed = g->verdict == NBW_VERDICT_ALLOW;

	switch (g->type) {
	case NBW_EV_CONNECT:
		return allowed ? "network-connect-allowed" : "network-connect-denied";
	case NBW_EV_SENDMSG:
		return allowed ? "network-send-allowed" : "network-send-denied";
	case NBW_EV_BIND:
		return "network-bind-denied";
	case NBW_EV_SOCKET:
		return "network-socket-denied";
	case NBW_EV_PACKET:
		return "network-packet-dropped";
	case NBW_EV_LISTEN:
		return "network-listen-dropped";
	case NBW_EV_EXEC:
		return allowed ? "exec-allowed" : "exec-denied";
	case NBW_EV_EXEC_REFUSED:
		return "exec-denied";
	default:
		return NULL;
	}
}

json_t *event_from_guard(const struct nbw_event *g, const char *rule, int64_t boot_to_real_ns)
{
	static const char *const verdicts[] = {"allow", "deny", "kill"};
	const char *verdict = g->verdict < ELEMENTSOF(verdicts) ? verdicts[g->verdict] : "deny";
	bool allowed = g->verdict == NBW_VERDICT_ALLOW;
	const char *action, *category = "network", *where = "destination";
	char tbuf[8], ts[40], comm[sizeof(g->comm) + 1];
	struct timespec when;
	int64_t real = (int64_t)g->ts_ns + boot_to_real_ns;
	json_t *ev, *proc = NULL, *net = NULL;

	action = event_guard_action(g);
	if (!action)
		return NULL;
	switch (g->type) {
	case NBW_EV_BIND:
	case NBW_EV_LISTEN:
		where = "server";
		break;
	case NBW_EV_SOCKET:
		where = NULL;
		break;
	case NBW_EV_EXEC:
	case NBW_EV_EXEC_REFUSED:
		category = "process";
		where = NULL;
		break;
	default:
		break;
	}
	ev = json_pack("{s:{s:s, s:[s], s:[s], s:s, s:s}}", "event", "kind",
	               allowed ? "event" : "alert", "category", category, "type",
	               allowed ? (g->type >= NBW_EV_EXEC ? "start" : "allowed") : "denied",
	               "action", action, "outcome", allowed ? "success" : "failure");
	if (!ev)
		return NULL;
	when.tv_sec = (time_t)(real / 1000000000);
	when.tv_nsec = (long)(real % 1000000000);
	format_time(&when, ts);
	json_object_set_new(ev, "@timestamp", json_string(ts));

	/*
	 * Packets are judged in softirq context, on behalf of whichever task the
	 * CPU was running: no process to name.
	 */
	if (g->type != NBW_EV_LISTEN && g->type != NBW_EV_PACKET) {
		memcpy(comm, g->comm, sizeof(g->comm));
		comm[sizeof(g->comm)] = 0;
		proc = json_pack("{s:i, s:{s:i}, s:s}", "pid", (int)g->tgid, "thread", "id",
		                 (int)g->pid, "name", comm);
	}
	if (proc && (g->type == NBW_EV_EXEC || g->type == NBW_EV_EXEC_REFUSED) && g->path[0]) {
		char path[sizeof(g->path) + 1];

		memcpy(path, g->path, sizeof(g->path));
		path[sizeof(g->path)] = 0;
		json_object_set_new(proc, "executable", json_string(path));
	}
	if (proc)
		json_object_set_new(ev, "process", proc);
	if (g->type == NBW_EV_EXEC)
		/* ECS: file.inode and file.device are strings; the kernel's dev_t is MAJ<<20|MIN */
		json_object_set_new(
			ev, "file",
			json_pack("{s:o, s:o}", "inode",
		                  json_sprintf("%llu", (unsigned long long)g->ino), "device",
		                  json_sprintf("%llu:%llu", (unsigned long long)(g->dev >> 20),
		                               (unsigned long long)(g->dev & 0xfffff))));
	if (g->type <= NBW_EV_LISTEN) {
		/* a v4-mapped address on an IPv6 socket is IPv4 on the wire */
		bool v6 = g->family == AF_INET6 &&
		          memcmp(g->addr, "\0\0\0\0\0\0\0\0\0\0\xff\xff", 12) != 0;

		net = json_pack("{s:s, s:s}", "transport", transport(g->proto, tbuf), "type",
		                v6 ? "ipv6" : "ipv4");
		json_object_set_new(ev, "network", net);
		/* a dropped packet's ports are not parsed: not every protocol has them */
		if (where && g->type == NBW_EV_PACKET)
			json_object_set_new(ev, where,
			                    json_pack("{s:o}", "ip", ip_string(g->addr)));
		else if (where)
			json_object_set_new(ev, where,
			                    json_pack("{s:o, s:i}", "ip", ip_string(g->addr),
			                              "port", (int)g->port));
	}
	event_set_rule(ev, rule, verdict);
	json_object_set_new(json_object_get(ev, "nbwarden"), "enforcer",
	                    json_string(g->type == NBW_EV_EXEC_REFUSED ? "landlock" : "ebpf"));
	return ev;
}
