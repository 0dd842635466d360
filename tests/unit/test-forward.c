// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests for the SOC forwarder: destination parsing, the RFC 5424 and
 * journald wire formats, and delivery over loopback sockets the test owns
 * (UDP, unix datagram, TCP) including a destination that is down, a queue
 * that overflows, a peer that stops reading and a peer that goes away.
 * Every loop is bounded in count and in time.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "forward.h"

#define TS "2026-11-23T09:10:11.123456Z"

static uint64_t now_usec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000ULL + (uint64_t)ts.tv_nsec / 1000ULL;
}

static void sleep_ms(unsigned ms)
{
	struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L};

	nanosleep(&ts, NULL);
}

static json_t *make_record(int seq, const char *action, const char *kind, size_t pad)
{
	json_t *r = json_pack("{s:s, s:{s:s, s:s}, s:i}", "@timestamp", TS, "event", "action",
	                      action, "kind", kind, "seq", seq);
	char *p;

	assert_non_null(r);
	if (pad) {
		p = malloc(pad + 1);
		assert_non_null(p);
		memset(p, 'x', pad);
		p[pad] = 0;
		json_object_set_new(r, "pad", json_string(p));
		free(p);
	}
	return r;
}

static void send_seq(struct forwarder *f, int seq, size_t pad)
{
	json_t *r = make_record(seq, "syscall-denied", "alert", pad);
	char *line = json_dumps(r, JSON_COMPACT | JSON_SORT_KEYS);

	assert_non_null(line);
	forward_record(f, line, strlen(line), r);
	free(line);
	json_decref(r);
}

/* ------------------------------------------------------------------------ */
/* parsing */

static void test_parse_good(void **state)
{
	struct forward_destination d;
	struct sockaddr_in *in = (struct sockaddr_in *)&d.addr;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&d.addr;
	struct sockaddr_un *un = (struct sockaddr_un *)&d.addr;
	char path[200], *err = NULL;

	(void)state;
	assert_int_equal(forward_parse_destination("unix:/dev/log", &d, &err), 0);
	assert_null(err);
	assert_int_equal(d.transport, FORWARD_UNIX);
	assert_int_equal(un->sun_family, AF_UNIX);
	assert_string_equal(un->sun_path, "/dev/log");
	assert_int_equal(d.addr_len, offsetof(struct sockaddr_un, sun_path) + 9);

	assert_int_equal(forward_parse_destination("udp:127.0.0.1:514", &d, &err), 0);
	assert_int_equal(d.transport, FORWARD_UDP);
	assert_int_equal(in->sin_family, AF_INET);
	assert_int_equal(ntohs(in->sin_port), 514);
	assert_int_equal(ntohl(in->sin_addr.s_addr), INADDR_LOOPBACK);
	assert_int_equal(d.addr_len, sizeof(struct sockaddr_in));

	assert_int_equal(forward_parse_destination("udp:[::1]:514", &d, &err), 0);
	assert_int_equal(d.transport, FORWARD_UDP);
	assert_int_equal(in6->sin6_family, AF_INET6);
	assert_int_equal(ntohs(in6->sin6_port), 514);
	assert_true(IN6_IS_ADDR_LOOPBACK(&in6->sin6_addr));
	assert_int_equal(d.addr_len, sizeof(struct sockaddr_in6));

	assert_int_equal(forward_parse_destination("tcp:127.0.0.1:6514", &d, &err), 0);
	assert_int_equal(d.transport, FORWARD_TCP);
	assert_int_equal(ntohs(in->sin_port), 6514);
	assert_int_equal(forward_parse_destination("tcp:[::1]:514", &d, &err), 0);
	assert_int_equal(d.transport, FORWARD_TCP);
	assert_int_equal(in6->sin6_family, AF_INET6);

	/* a real collector is the admin's choice: parsed, never contacted here */
	assert_int_equal(forward_parse_destination("tcp:192.0.2.7:65535", &d, &err), 0);
	assert_int_equal(ntohs(in->sin_port), 65535);
	assert_int_equal(forward_parse_destination("udp:[2001:db8::1]:1", &d, &err), 0);
	assert_int_equal(ntohs(in6->sin6_port), 1);

	/* the longest path sun_path holds */
	memset(path, 'a', sizeof(un->sun_path) - 1);
	path[0] = '/';
	path[sizeof(un->sun_path) - 1] = 0;
	{
		char s[256];

		snprintf(s, sizeof(s), "unix:%s", path);
		assert_int_equal(forward_parse_destination(s, &d, &err), 0);
		assert_string_equal(un->sun_path, path);
	}
	assert_null(err);
	assert_string_equal(forward_transport_to_string(FORWARD_TCP), "tcp");
	assert_null(forward_transport_to_string(_FORWARD_TRANSPORT_MAX));
}

static void test_parse_bad(void **state)
{
	static const char *const bad[] = {
		"",
		"garbage",
		"sctp:127.0.0.1:514",
		"TCP:127.0.0.1:514",
		" tcp:127.0.0.1:514",
		"unix:",
		"unix:dev/log",
		"udp:127.0.0.1",
		"udp:127.0.0.1:",
		"udp:127.0.0.1:0",
		"udp:127.0.0.1:65536",
		"udp:127.0.0.1:99999999999",
		"tcp:127.0.0.1:+514",
		"tcp:127.0.0.1:-1",
		"tcp:127.0.0.1:514x",
		"tcp:127.0.0.1: 514",
		"tcp:127.0.0.1:514:1",
		"tcp::514",
		"tcp:localhost:514",
		"tcp:127.1:514",
		"tcp:1.2.3.256:514",
		"tcp:::1:514",
		"tcp:[::1:514",
		"tcp:[::1]514",
		"tcp:[::1]",
		"tcp:[::1]:",
		"tcp:::1]:514",
		"tcp:[]:514",
		"tcp:[[::1]]:514",
		"tcp:[127.0.0.1]:514",
		"tcp:[fe80::1%lo]:514",
		"tcp:[::1]:0",
		"udp:[::1]:65536",
	};
	struct forward_destination d, orig;
	char *err = NULL, s[300];

	(void)state;
	memset(&orig, 0x5a, sizeof(orig));
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		d = orig;
		err = NULL;
		if (forward_parse_destination(bad[i], &d, &err) != -EINVAL)
			fail_msg("'%s' accepted", bad[i]);
		assert_non_null(err);
		assert_true(strlen(err) > 5);
		/* untouched on failure */
		assert_memory_equal(&d, &orig, sizeof(d));
		free(err);
	}
	assert_int_equal(forward_parse_destination(NULL, &d, &err), -EINVAL);
	free(err);
	/* without a message wanted */
	assert_int_equal(forward_parse_destination("tcp:x", &d, NULL), -EINVAL);

	/* one byte over what sun_path holds */
	memset(s, 'a', sizeof(s));
	memcpy(s, "unix:/", 6);
	s[5 + sizeof(((struct sockaddr_un *)0)->sun_path)] = 0;
	assert_int_equal(forward_parse_destination(s, &d, &err), -EINVAL);
	assert_non_null(strstr(err, "too long"));
	free(err);
}

static void test_facility_names(void **state)
{
	(void)state;
	assert_int_equal(forward_facility_from_string("kern"), 0);
	assert_int_equal(forward_facility_from_string("auth"), 4);
	assert_int_equal(forward_facility_from_string("authpriv"), 10);
	assert_int_equal(forward_facility_from_string("ftp"), 11);
	assert_int_equal(forward_facility_from_string("local0"), 16);
	assert_int_equal(forward_facility_from_string("local7"), 23);
	assert_int_equal(forward_facility_from_string("local8"), -EINVAL);
	assert_int_equal(forward_facility_from_string("ntp"), 12);
	assert_int_equal(forward_facility_from_string("solaris-cron"), 15);
	assert_int_equal(forward_facility_from_string("AUTHPRIV"), -EINVAL);
	assert_int_equal(forward_facility_from_string(""), -EINVAL);
	assert_int_equal(forward_facility_from_string(NULL), -EINVAL);
	assert_string_equal(forward_facility_to_string(10), "authpriv");
	assert_null(forward_facility_to_string(24));
	assert_null(forward_facility_to_string(-1));
}

/* ------------------------------------------------------------------------ */
/* formatting */

static char *syslog_for(int facility, const char *host, const json_t *rec, const char *line)
{
	char *m = NULL;
	size_t n = 0;

	assert_int_equal(
		forward_format_syslog(facility, host, 1234, line, strlen(line), rec, &m, &n), 0);
	assert_int_equal(n, strlen(m));
	return m;
}

static void test_syslog_exact(void **state)
{
	json_t *rec = make_record(7, "sandbox-killed", "alert", 0);
	char *line = json_dumps(rec, JSON_COMPACT | JSON_SORT_KEYS), *m, *want;

	(void)state;
	m = syslog_for(10, "jupyter01", rec, line);
	/* authpriv (10) * 8 + err (3) */
	assert_true(asprintf(&want, "<83>1 " TS " jupyter01 nbwarden 1234 sandbox-killed - %s",
	                     line) > 0);
	assert_string_equal(m, want);
	assert_string_equal(want,
	                    "<83>1 2026-11-23T09:10:11.123456Z jupyter01 nbwarden 1234 "
	                    "sandbox-killed - {\"@timestamp\":\"2026-11-23T09:10:11.123456Z\","
	                    "\"event\":{\"action\":\"sandbox-killed\",\"kind\":\"alert\"},"
	                    "\"seq\":7}");
	free(want);
	free(m);
	free(line);
	json_decref(rec);
}

static void test_syslog_severity(void **state)
{
	static const struct {
		const char *action, *kind;
		int facility, pri;
	} cases[] = {
		{"syscall-denied", "alert", 10, 84},       {"sandbox-start", "event", 10, 85},
		{"sandbox-killed", "event", 10, 83},       {"sandbox-killed", "alert", 16, 131},
		{"network-connect-denied", "alert", 0, 4}, {"sandbox-exit", "event", 23, 189},
	};
	char want[16];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		json_t *rec = make_record(1, cases[i].action, cases[i].kind, 0);
		char *m = syslog_for(cases[i].facility, "h", rec, "{}");

		snprintf(want, sizeof(want), "<%d>1 ", cases[i].pri);
		assert_true(strncmp(m, want, strlen(want)) == 0);
		free(m);
		json_decref(rec);
	}
	/* no event at all: notice */
	{
		json_t *rec = json_object();
		char *m = syslog_for(10, "h", rec, "{}");

		assert_true(strncmp(m, "<85>1 ", 6) == 0);
		assert_int_equal(forward_severity(NULL), 5);
		free(m);
		json_decref(rec);
	}
	{
		char *m = NULL;
		size_t n;

		assert_int_equal(forward_format_syslog(24, "h", 1, "{}", 2, NULL, &m, &n), -EINVAL);
		assert_int_equal(forward_format_syslog(-1, "h", 1, "{}", 2, NULL, &m, &n), -EINVAL);
		assert_null(m);
	}
}

/* The n-th space-separated header field (0: "<PRI>1"). */
static char *field(const char *m, int n)
{
	const char *e;

	for (int i = 0; i < n; i++) {
		m = strchr(m, ' ');
		assert_non_null(m);
		m++;
	}
	e = strchr(m, ' ');
	assert_non_null(e);
	return strndup(m, (size_t)(e - m));
}

static void check_field(const char *m, int n, const char *want)
{
	char *f = field(m, n);

	assert_string_equal(f, want);
	free(f);
}

static bool looks_like_now(const char *ts)
{
	int y, mo, d, h, mi, s, us;
	char z;

	/* events' own form: 2026-11-23T09:10:11.123456Z */
	return strlen(ts) == 27 &&
	       sscanf(ts, "%4d-%2d-%2dT%2d:%2d:%2d.%6d%c", &y, &mo, &d, &h, &mi, &s, &us, &z) ==
	               8 &&
	       z == 'Z' && y >= 2024;
}

static void test_syslog_fields(void **state)
{
	char action32[33], action33[34], *m, *f;
	json_t *rec;

	(void)state;
	memset(action32, 'a', 32);
	action32[32] = 0;
	memset(action33, 'a', 33);
	action33[33] = 0;

	/* MSGID: event.action if 1-32 printable ASCII characters */
	rec = make_record(1, action32, "event", 0);
	m = syslog_for(10, "h", rec, "{}");
	check_field(m, 5, action32);
	free(m);
	json_decref(rec);
	rec = make_record(1, action33, "event", 0);
	m = syslog_for(10, "h", rec, "{}");
	check_field(m, 5, "-");
	free(m);
	json_decref(rec);
	rec = make_record(1, "two words", "event", 0);
	m = syslog_for(10, "h", rec, "{}");
	check_field(m, 5, "-");
	check_field(m, 6, "-"); /* no structured data */
	free(m);
	json_decref(rec);
	rec = make_record(1, "caf\xc3\xa9", "event", 0);
	m = syslog_for(10, "h", rec, "{}");
	check_field(m, 5, "-");
	free(m);
	json_decref(rec);

	/* APP-NAME, PROCID */
	rec = make_record(1, "sandbox-start", "event", 0);
	m = syslog_for(10, "h", rec, "{}");
	check_field(m, 3, "nbwarden");
	check_field(m, 4, "1234");
	free(m);

	/* HOSTNAME: "-" when unknown or not valid in a header */
	m = syslog_for(10, NULL, rec, "{}");
	check_field(m, 2, "-");
	free(m);
	m = syslog_for(10, "", rec, "{}");
	check_field(m, 2, "-");
	free(m);
	m = syslog_for(10, "two words", rec, "{}");
	check_field(m, 2, "-");
	free(m);
	m = syslog_for(10, "node-1.example.org", rec, "{}");
	check_field(m, 2, "node-1.example.org");
	free(m);

	/* TIMESTAMP: the record's own, passed through, in any valid RFC 3339 form */
	json_object_set_new(rec, "@timestamp", json_string("2026-01-02T03:04:05+01:00"));
	m = syslog_for(10, "h", rec, "{}");
	check_field(m, 1, "2026-01-02T03:04:05+01:00");
	free(m);
	json_object_set_new(rec, "@timestamp", json_string("2026-01-02T03:04:05.1Z"));
	m = syslog_for(10, "h", rec, "{}");
	check_field(m, 1, "2026-01-02T03:04:05.1Z");
	free(m);
	/* ... or now, when it has none or one that would break the header */
	{
		static const char *const bad[] = {
			"yesterday",
			"2026-11-23 09:10:11.123456Z",
			"2026-11-23T09:10:11.1234567Z",
			"2026-11-23T09:10:11.Z",
			"2026-11-23T09:10:11",
			"2026-11-23T09:10:11.123456Z ",
			"2026-11-23T09:10:11+0100",
		};

		for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			json_object_set_new(rec, "@timestamp", json_string(bad[i]));
			m = syslog_for(10, "h", rec, "{}");
			f = field(m, 1);
			if (!looks_like_now(f))
				fail_msg("'%s' gave timestamp '%s'", bad[i], f);
			free(f);
			free(m);
		}
	}
	json_object_set_new(rec, "@timestamp", json_integer(5));
	m = syslog_for(10, "h", rec, "{}");
	f = field(m, 1);
	assert_true(looks_like_now(f));
	free(f);
	free(m);
	json_object_del(rec, "@timestamp");
	m = syslog_for(10, "h", rec, "{}");
	f = field(m, 1);
	assert_true(looks_like_now(f));
	free(f);
	/* MSG: the line as given, after the header */
	assert_string_equal(strstr(m, " - ") + 3, "{}");
	free(m);
	json_decref(rec);
}

/* ------------------------------------------------------------------------ */
/* journald native protocol */

struct jfields {
	char *name[16], *value[16];
	size_t len[16], n;
};

static void jfields_done(struct jfields *j)
{
	for (size_t i = 0; i < j->n; i++) {
		free(j->name[i]);
		free(j->value[i]);
	}
	j->n = 0;
}

/* Strict parser of the native protocol: NAME=value\n or NAME\n<le64 len>value\n. */
static void jparse(const char *p, size_t n, struct jfields *j)
{
	const char *end = p + n;

	j->n = 0;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *eq = memchr(p, '=', nl ? (size_t)(nl - p) : (size_t)(end - p));
		size_t i = j->n++;

		assert_true(i < 16);
		assert_non_null(nl);
		if (eq) {
			j->name[i] = strndup(p, (size_t)(eq - p));
			j->value[i] = strndup(eq + 1, (size_t)(nl - eq - 1));
			j->len[i] = (size_t)(nl - eq - 1);
			p = nl + 1;
		} else {
			uint64_t l = 0;

			j->name[i] = strndup(p, (size_t)(nl - p));
			p = nl + 1;
			assert_true(end - p >= 9);
			for (int b = 0; b < 8; b++)
				l |= (uint64_t)(unsigned char)p[b] << (8 * b);
			p += 8;
			assert_true((uint64_t)(end - p) >= l + 1);
			j->value[i] = malloc(l + 1);
			memcpy(j->value[i], p, l);
			j->value[i][l] = 0;
			j->len[i] = l;
			p += l;
			assert_int_equal(*p, '\n');
			p++;
		}
		/* journald field names: [A-Z0-9_], not starting with '_' */
		assert_true(strlen(j->name[i]) > 0 && j->name[i][0] != '_');
		assert_int_equal(strspn(j->name[i], "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_"),
		                 strlen(j->name[i]));
	}
}

static const char *jget(const struct jfields *j, const char *name)
{
	for (size_t i = 0; i < j->n; i++)
		if (strcmp(j->name[i], name) == 0)
			return j->value[i];
	return NULL;
}

static void test_journald_format(void **state)
{
	json_t *rec = make_record(42, "sandbox-killed", "alert", 0);
	const char *line = "{\"a\":1}\n{\"b\":2}"; /* not JSON-lines, but must survive */
	struct jfields j = {0};
	char *m = NULL;
	size_t n = 0;

	(void)state;
	assert_int_equal(forward_format_journald(10, line, strlen(line), rec, &m, &n), 0);
	jparse(m, n, &j);
	assert_string_equal(jget(&j, "MESSAGE"), line);
	assert_string_equal(jget(&j, "SYSLOG_IDENTIFIER"), "nbwarden");
	assert_string_equal(jget(&j, "PRIORITY"), "3");
	assert_string_equal(jget(&j, "SYSLOG_FACILITY"), "10");
	assert_string_equal(jget(&j, "NBWARDEN_ACTION"), "sandbox-killed");
	assert_string_equal(jget(&j, "NBWARDEN_SEQ"), "42");
	/* MESSAGE always in the binary form */
	assert_true(strncmp(m, "MESSAGE\n", 8) == 0);
	jfields_done(&j);
	free(m);

	/* no seq, a seq that is not an integer, no action: fields left out */
	json_object_set_new(rec, "seq", json_string("42"));
	json_object_del(json_object_get(rec, "event"), "action");
	json_object_set_new(json_object_get(rec, "event"), "kind", json_string("event"));
	assert_int_equal(forward_format_journald(16, "{}", 2, rec, &m, &n), 0);
	jparse(m, n, &j);
	assert_int_equal(j.n, 4);
	assert_string_equal(jget(&j, "MESSAGE"), "{}");
	assert_string_equal(jget(&j, "PRIORITY"), "5");
	assert_string_equal(jget(&j, "SYSLOG_FACILITY"), "16");
	assert_null(jget(&j, "NBWARDEN_SEQ"));
	assert_null(jget(&j, "NBWARDEN_ACTION"));
	jfields_done(&j);
	free(m);
	json_decref(rec);
}

/* ------------------------------------------------------------------------ */
/* sockets */

struct tmpdir {
	char dir[64];
	char path[128];
};

static void tmpdir_make(struct tmpdir *t)
{
	snprintf(t->dir, sizeof(t->dir), "/tmp/nbw-test-forward-XXXXXX");
	assert_non_null(mkdtemp(t->dir));
	snprintf(t->path, sizeof(t->path), "%s/log", t->dir);
}

static void tmpdir_remove(struct tmpdir *t)
{
	unlink(t->path);
	rmdir(t->dir);
}

static int unix_dgram_bind(const char *path)
{
	struct sockaddr_un un = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	snprintf(un.sun_path, sizeof(un.sun_path), "%s", path);
	assert_int_equal(bind(fd, (struct sockaddr *)&un, sizeof(un)), 0);
	return fd;
}

/* One datagram, waiting at most timeout_ms; returns its length, -1 if none came. */
static ssize_t recv_dgram(int fd, char *buf, size_t size, int timeout_ms)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};
	ssize_t n;

	if (poll(&p, 1, timeout_ms) <= 0)
		return -1;
	n = recv(fd, buf, size - 1, MSG_DONTWAIT);
	if (n >= 0)
		buf[n] = 0;
	return n;
}

static char *expected_syslog(int seq, size_t pad)
{
	json_t *r = make_record(seq, "syscall-denied", "alert", pad);
	char *line = json_dumps(r, JSON_COMPACT | JSON_SORT_KEYS), host[256] = "", *m;
	size_t n;

	gethostname(host, sizeof(host) - 1);
	assert_int_equal(
		forward_format_syslog(10, host, (long)getpid(), line, strlen(line), r, &m, &n), 0);
	free(line);
	json_decref(r);
	return m;
}

static struct forwarder *open_fwd(const char *syslog, const char *journald, unsigned queue_max)
{
	struct forward_config c = {
		.syslog = syslog,
		.syslog_facility = FORWARD_FACILITY_DEFAULT,
		.journald_socket = journald,
		.queue_max = queue_max,
	};
	struct forwarder *f = NULL;
	char *err = NULL;
	int r = forward_open(&c, &f, &err);

	if (r < 0)
		fail_msg("forward_open: %d %s", r, err ? err : "");
	return f;
}

static void test_open_bad_config(void **state)
{
	struct forward_config c = {.syslog = "tcp:127.0.0.1", .syslog_facility = 10};
	struct forwarder *f = NULL;
	char *err = NULL;

	(void)state;
	assert_int_equal(forward_open(&c, &f, &err), -EINVAL);
	assert_non_null(err);
	assert_null(f);
	free(err);
	c.syslog = "udp:127.0.0.1:514";
	c.syslog_facility = 24;
	assert_int_equal(forward_open(&c, &f, &err), -EINVAL);
	free(err);
	c.syslog_facility = 10;
	c.journald_socket = "run/journal";
	assert_int_equal(forward_open(&c, &f, &err), -EINVAL);
	free(err);
	c.journald_socket = NULL;
	c.queue_max = FORWARD_QUEUE_LIMIT + 1;
	assert_int_equal(forward_open(&c, &f, &err), -EINVAL);
	free(err);

	/* nothing configured: accepted, does nothing */
	memset(&c, 0, sizeof(c));
	assert_int_equal(forward_open(&c, &f, &err), 0);
	send_seq(f, 0, 0);
	assert_int_equal(forward_flush(f, 0), 0);
	assert_int_equal(forward_sent(f), 0);
	assert_int_equal(forward_dropped(f), 0);
	forward_close(f);
	forward_close(NULL);
	forward_record(NULL, "{}", 2, NULL);
	assert_int_equal(forward_flush(NULL, 0), 0);
}

static void test_udp(void **state)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t al = sizeof(a);
	char dest[64], buf[4096];
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	struct forwarder *f;

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &al), 0);
	snprintf(dest, sizeof(dest), "udp:127.0.0.1:%u", ntohs(a.sin_port));
	f = open_fwd(dest, NULL, 0);
	for (int i = 0; i < 3; i++)
		send_seq(f, i, 0);
	for (int i = 0; i < 3; i++) {
		char *want = expected_syslog(i, 0);

		assert_int_equal(recv_dgram(fd, buf, sizeof(buf), 2000), (ssize_t)strlen(want));
		assert_string_equal(buf, want);
		free(want);
	}
	assert_int_equal(forward_flush(f, 0), 0);
	assert_int_equal(forward_sent(f), 3);
	assert_int_equal(forward_dropped(f), 0);
	forward_close(f);
	close(fd);
}

static void test_unix_dgram(void **state)
{
	struct tmpdir t;
	char dest[160], buf[4096];
	struct forwarder *f;
	int fd;

	(void)state;
	tmpdir_make(&t);
	fd = unix_dgram_bind(t.path);
	snprintf(dest, sizeof(dest), "unix:%s", t.path);
	f = open_fwd(dest, NULL, 0);
	send_seq(f, 0, 0);
	{
		char *want = expected_syslog(0, 0);

		assert_int_equal(recv_dgram(fd, buf, sizeof(buf), 2000), (ssize_t)strlen(want));
		assert_string_equal(buf, want);
		free(want);
	}
	assert_int_equal(forward_sent(f), 1);

	/* larger than a datagram can be: dropped and counted, the next one passes */
	send_seq(f, 1, 512 * 1024);
	send_seq(f, 2, 0);
	assert_int_equal(forward_dropped(f), 1);
	assert_true(recv_dgram(fd, buf, sizeof(buf), 2000) > 0);
	assert_non_null(strstr(buf, "\"seq\":2"));
	assert_int_equal(forward_sent(f), 2);

	/* a stale socket (nobody behind it): queued, delivered once someone binds */
	close(fd);
	send_seq(f, 3, 0);
	send_seq(f, 4, 0);
	assert_int_equal(forward_queued(f), 2);
	assert_int_equal(forward_sent(f), 2);
	unlink(t.path);
	fd = unix_dgram_bind(t.path);
	assert_int_equal(forward_flush(f, 2000000), 0);
	for (int i = 3; i <= 4; i++) {
		char *want = expected_syslog(i, 0);

		assert_true(recv_dgram(fd, buf, sizeof(buf), 2000) > 0);
		assert_string_equal(buf, want);
		free(want);
	}
	assert_int_equal(forward_sent(f), 4);
	assert_int_equal(forward_dropped(f), 1);
	forward_close(f);
	close(fd);
	tmpdir_remove(&t);
}

static void test_journald_socket(void **state)
{
	struct tmpdir t;
	char buf[8192];
	struct jfields j = {0};
	struct forwarder *f;
	ssize_t n;
	int fd;

	(void)state;
	tmpdir_make(&t);
	fd = unix_dgram_bind(t.path);
	f = open_fwd(NULL, t.path, 0);
	for (int i = 0; i < 3; i++)
		send_seq(f, i, 0);
	for (int i = 0; i < 3; i++) {
		json_t *r = make_record(i, "syscall-denied", "alert", 0);
		char *line = json_dumps(r, JSON_COMPACT | JSON_SORT_KEYS), seq[16];

		n = recv_dgram(fd, buf, sizeof(buf), 2000);
		assert_true(n > 0);
		jparse(buf, (size_t)n, &j);
		assert_string_equal(jget(&j, "MESSAGE"), line);
		assert_string_equal(jget(&j, "SYSLOG_IDENTIFIER"), "nbwarden");
		assert_string_equal(jget(&j, "PRIORITY"), "4");
		assert_string_equal(jget(&j, "NBWARDEN_ACTION"), "syscall-denied");
		snprintf(seq, sizeof(seq), "%d", i);
		assert_string_equal(jget(&j, "NBWARDEN_SEQ"), seq);
		jfields_done(&j);
		free(line);
		json_decref(r);
	}
	assert_int_equal(forward_sent(f), 3);
	forward_close(f);
	close(fd);
	tmpdir_remove(&t);
}

/* A destination that is down: oldest dropped first, counted exactly; the rest delivered in order.
 */
static void test_unix_overflow(void **state)
{
	struct tmpdir t;
	char dest[160], buf[4096];
	struct forwarder *f;
	int fd;

	(void)state;
	tmpdir_make(&t);
	snprintf(dest, sizeof(dest), "unix:%s", t.path);
	f = open_fwd(dest, NULL, 8);
	for (int i = 0; i < 20; i++)
		send_seq(f, i, 0);
	assert_int_equal(forward_queued(f), 8);
	assert_int_equal(forward_dropped(f), 12);
	assert_int_equal(forward_sent(f), 0);
	fd = unix_dgram_bind(t.path);
	assert_int_equal(forward_flush(f, 2000000), 0);
	for (int i = 12; i < 20; i++) {
		char *want = expected_syslog(i, 0);

		assert_true(recv_dgram(fd, buf, sizeof(buf), 2000) > 0);
		assert_string_equal(buf, want);
		free(want);
	}
	assert_int_equal(recv_dgram(fd, buf, sizeof(buf), 50), -1);
	assert_int_equal(forward_sent(f), 8);
	assert_int_equal(forward_dropped(f), 12);
	forward_close(f);
	close(fd);
	tmpdir_remove(&t);
}

/* A receiver that falls behind (EAGAIN): the rest waits, in order, nothing is dropped. */
static void test_unix_receiver_behind(void **state)
{
	enum { N = 2000 };
	struct tmpdir t;
	char dest[160], buf[4096];
	struct forwarder *f;
	int fd, got = 0;

	(void)state;
	tmpdir_make(&t);
	fd = unix_dgram_bind(t.path);
	snprintf(dest, sizeof(dest), "unix:%s", t.path);
	f = open_fwd(dest, NULL, 0);
	for (int i = 0; i < N; i++)
		send_seq(f, i, 0);
	/* more than a unix datagram socket queues (net.unix.max_dgram_qlen) */
	assert_true(forward_queued(f) > 0);
	assert_int_equal(forward_dropped(f), 0);
	for (int i = 0; i < 10 * N && got < N; i++) {
		char want[32];

		if (recv_dgram(fd, buf, sizeof(buf), 0) < 0) {
			forward_flush(f, 1000);
			continue;
		}
		snprintf(want, sizeof(want), "\"seq\":%d}", got);
		if (!strstr(buf, want))
			fail_msg("expected seq %d, got %s", got, strstr(buf, "\"seq\""));
		got++;
	}
	assert_int_equal(got, N);
	assert_int_equal(forward_flush(f, 0), 0);
	assert_int_equal(forward_sent(f), N);
	assert_int_equal(forward_dropped(f), 0);
	forward_close(f);
	close(fd);
	tmpdir_remove(&t);
}

/* ------------------------------------------------------------------------ */
/* TCP */

static int tcp_listen(uint16_t port, int rcvbuf, uint16_t *ret_port)
{
	struct sockaddr_in a = {
		.sin_family = AF_INET,
		.sin_addr.s_addr = htonl(INADDR_LOOPBACK),
		.sin_port = htons(port),
	};
	socklen_t al = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), one = 1;

	assert_true(fd >= 0);
	assert_int_equal(setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)), 0);
	if (rcvbuf)
		assert_int_equal(setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf)), 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(listen(fd, 8), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &al), 0);
	if (ret_port)
		*ret_port = ntohs(a.sin_port);
	return fd;
}

/* A loopback port nobody listens on (the kernel's pick, released). */
static uint16_t closed_port(void)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t al = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &al), 0);
	close(fd);
	return ntohs(a.sin_port);
}

static int accept_within(int lfd, int timeout_ms)
{
	struct pollfd p = {.fd = lfd, .events = POLLIN};

	if (poll(&p, 1, timeout_ms) <= 0)
		return -1;
	return accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
}

/* Everything the peer sends until it has been quiet for idle_ms (at most 10 s). */
struct bytes {
	char *p;
	size_t n, cap;
};

static void read_until_idle(int fd, struct bytes *b, int idle_ms)
{
	uint64_t end = now_usec() + 10000000ULL;

	while (now_usec() < end) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		ssize_t n;

		if (poll(&p, 1, idle_ms) <= 0)
			return;
		if (b->cap - b->n < 65536) {
			b->cap = b->cap * 2 + 65536;
			b->p = realloc(b->p, b->cap);
			assert_non_null(b->p);
		}
		n = recv(fd, b->p + b->n, b->cap - b->n, MSG_DONTWAIT);
		if (n <= 0)
			return;
		b->n += (size_t)n;
	}
}

/*
 * Parse octet-counted frames strictly: "LEN SP MSG" with LEN a decimal
 * without leading zeros, MSG an RFC 5424 message from nbwarden whose JSON
 * carries a seq. Returns the seqs; the stream must end on a frame boundary
 * unless allow_cut (a peer that hung up mid-frame), in which case
 * *ret_rest is what was left over.
 */
static size_t parse_frames(const struct bytes *b, int *seqs, size_t max, bool allow_cut,
                           size_t *ret_rest)
{
	size_t pos = 0, n = 0;

	while (pos < b->n) {
		size_t len = 0, start = pos, j;
		const char *msg, *js;
		json_t *v;

		while (pos < b->n && b->p[pos] >= '0' && b->p[pos] <= '9' && pos - start < 10) {
			len = len * 10 + (size_t)(b->p[pos] - '0');
			pos++;
		}
		if (allow_cut && (pos == b->n || pos + len >= b->n)) {
			*ret_rest = b->n - start;
			return n;
		}
		assert_true(pos > start);
		assert_true(b->p[start] != '0');
		assert_true(pos < b->n);
		assert_int_equal(b->p[pos], ' ');
		pos++;
		assert_true(pos + len <= b->n);
		msg = b->p + pos;
		assert_true(len > 7 && strncmp(msg, "<84>1 ", 6) == 0);
		/* the JSON starts after the 7 header fields */
		js = msg;
		for (j = 0; j < 7; j++) {
			js = memchr(js, ' ', len - (size_t)(js - msg));
			assert_non_null(js);
			js++;
		}
		assert_int_equal(*js, '{');
		v = json_loadb(js, len - (size_t)(js - msg), 0, NULL);
		assert_non_null(v);
		assert_true(json_is_integer(json_object_get(v, "seq")));
		assert_true(n < max);
		seqs[n++] = (int)json_integer_value(json_object_get(v, "seq"));
		json_decref(v);
		pos += len;
	}
	if (ret_rest)
		*ret_rest = 0;
	return n;
}

static void test_tcp(void **state)
{
	uint16_t port;
	int lfd = tcp_listen(0, 0, &port), cfd, seqs[8];
	struct bytes b = {0};
	char dest[64];
	struct forwarder *f;

	(void)state;
	snprintf(dest, sizeof(dest), "tcp:127.0.0.1:%u", port);
	f = open_fwd(dest, NULL, 0);
	for (int i = 0; i < 3; i++)
		send_seq(f, i, 0);
	assert_int_equal(forward_flush(f, 2000000), 0);
	assert_int_equal(forward_sent(f), 3);
	cfd = accept_within(lfd, 2000);
	assert_true(cfd >= 0);
	read_until_idle(cfd, &b, 200);
	assert_int_equal(parse_frames(&b, seqs, 8, false, NULL), 3);
	for (int i = 0; i < 3; i++)
		assert_int_equal(seqs[i], i);
	/* the exact bytes of the first frame */
	{
		char *want = expected_syslog(0, 0), head[16];
		int h = snprintf(head, sizeof(head), "%zu ", strlen(want));

		assert_memory_equal(b.p, head, (size_t)h);
		assert_memory_equal(b.p + h, want, strlen(want));
		free(want);
	}
	assert_int_equal(forward_dropped(f), 0);
	forward_close(f);
	free(b.p);
	close(cfd);
	close(lfd);
}

/* Down, then up on the same port: the queue goes out in order on the first flush. */
static void test_tcp_down_then_up(void **state)
{
	uint16_t port = closed_port();
	int lfd, cfd, seqs[16];
	struct bytes b = {0};
	char dest[64];
	struct forwarder *f;
	uint64_t t0;

	(void)state;
	snprintf(dest, sizeof(dest), "tcp:127.0.0.1:%u", port);
	f = open_fwd(dest, NULL, 0);
	for (int i = 0; i < 5; i++)
		send_seq(f, i, 0);
	assert_int_equal(forward_queued(f), 5);
	assert_int_equal(forward_sent(f), 0);
	/* a flush against a dead destination ends at its deadline */
	t0 = now_usec();
	assert_int_equal(forward_flush(f, 300000), 5);
	assert_true(now_usec() - t0 >= 300000);
	assert_true(now_usec() - t0 < 1000000);

	lfd = tcp_listen(port, 0, NULL);
	assert_int_equal(forward_flush(f, 3000000), 0);
	assert_int_equal(forward_sent(f), 5);
	assert_int_equal(forward_dropped(f), 0);
	cfd = accept_within(lfd, 2000);
	assert_true(cfd >= 0);
	read_until_idle(cfd, &b, 200);
	assert_int_equal(parse_frames(&b, seqs, 16, false, NULL), 5);
	for (int i = 0; i < 5; i++)
		assert_int_equal(seqs[i], i);
	forward_close(f);
	free(b.p);
	close(cfd);
	close(lfd);
}

static void test_tcp_overflow(void **state)
{
	uint16_t port = closed_port();
	int lfd, cfd, seqs[16];
	struct bytes b = {0};
	char dest[64];
	struct forwarder *f;

	(void)state;
	snprintf(dest, sizeof(dest), "tcp:127.0.0.1:%u", port);
	f = open_fwd(dest, NULL, 4);
	for (int i = 0; i < 10; i++)
		send_seq(f, i, 0);
	assert_int_equal(forward_queued(f), 4);
	assert_int_equal(forward_dropped(f), 6);
	lfd = tcp_listen(port, 0, NULL);
	assert_int_equal(forward_flush(f, 3000000), 0);
	cfd = accept_within(lfd, 2000);
	assert_true(cfd >= 0);
	read_until_idle(cfd, &b, 200);
	assert_int_equal(parse_frames(&b, seqs, 16, false, NULL), 4);
	for (int i = 0; i < 4; i++)
		assert_int_equal(seqs[i], 6 + i);
	assert_int_equal(forward_sent(f), 4);
	assert_int_equal(forward_dropped(f), 6);
	forward_close(f);
	free(b.p);
	close(cfd);
	close(lfd);
}

/*
 * A peer that stops reading: forward_record() never blocks, the queue
 * overflows and counts, and once the peer reads again every frame on the
 * wire is whole (a frame cut by a full socket was finished, not abandoned).
 */
static void test_tcp_stalled_peer(void **state)
{
	enum { N = 3000, PAD = 4000, QMAX = 64 };
	uint16_t port;
	int lfd = tcp_listen(0, 4096, &port), cfd = -1, *seqs;
	struct bytes b = {0};
	char dest[64];
	struct forwarder *f;
	uint64_t worst = 0, t0 = now_usec();
	size_t n;
	int sent = 0;

	(void)state;
	snprintf(dest, sizeof(dest), "tcp:127.0.0.1:%u", port);
	f = open_fwd(dest, NULL, QMAX);
	for (int i = 0; i < N && now_usec() - t0 < 20000000ULL; i++) {
		uint64_t s = now_usec(), d;

		send_seq(f, i, PAD);
		d = now_usec() - s;
		if (d > worst)
			worst = d;
		sent++;
		if (cfd < 0)
			cfd = accept_within(lfd, 0);
	}
	assert_int_equal(sent, N);
	if (worst >= 50000)
		fail_msg("forward_record() took %llu µs", (unsigned long long)worst);
	/* 12 MB against a 4 kB receive buffer: the queue must have overflowed */
	assert_true(forward_dropped(f) > 0);
	assert_true(forward_queued(f) <= QMAX);
	assert_int_equal(forward_sent(f) + forward_dropped(f) + forward_queued(f), N);

	/* the peer reads again: everything still held arrives, whole */
	if (cfd < 0)
		cfd = accept_within(lfd, 2000);
	assert_true(cfd >= 0);
	for (int i = 0; i < 200 && forward_flush(f, 20000) > 0; i++)
		read_until_idle(cfd, &b, 5);
	assert_int_equal(forward_flush(f, 1000000), 0);
	read_until_idle(cfd, &b, 200);
	assert_int_equal(forward_sent(f) + forward_dropped(f), N);

	seqs = calloc(N, sizeof(*seqs));
	assert_non_null(seqs);
	n = parse_frames(&b, seqs, N, false, NULL);
	assert_true(n >= forward_sent(f));
	for (size_t i = 1; i < n; i++)
		assert_true(seqs[i] > seqs[i - 1]);
	assert_int_equal(seqs[n - 1], N - 1);
	free(seqs);
	forward_close(f);
	free(b.p);
	close(cfd);
	close(lfd);
}

/*
 * A peer that hangs up mid-frame: the forwarder reconnects after its
 * backoff, and the new connection starts on a frame boundary with whatever
 * the old one did not get acknowledged, then the rest, in order.
 */
static void test_tcp_peer_closes(void **state)
{
	enum { N1 = 50, N2 = 50 };
	uint16_t port;
	int lfd = tcp_listen(0, 0, &port), c1, c2 = -1, seqs[N1 + N2 + 8], n1, n2;
	struct bytes b = {0};
	char dest[64], *cut;
	struct forwarder *f;
	size_t rest = 0;
	uint64_t t0;

	(void)state;
	snprintf(dest, sizeof(dest), "tcp:127.0.0.1:%u", port);
	f = open_fwd(dest, NULL, 0);
	for (int i = 0; i < N1; i++)
		send_seq(f, i, 100);
	assert_int_equal(forward_flush(f, 2000000), 0);
	c1 = accept_within(lfd, 2000);
	assert_true(c1 >= 0);

	/* read one and a half frames, then hang up with the rest unread */
	read_until_idle(c1, &b, 200);
	cut = memchr(b.p, ' ', b.n);
	assert_non_null(cut);
	b.n = (size_t)(cut - b.p) + 1 + (size_t)strtoul(b.p, NULL, 10);
	b.n += 40;
	n1 = (int)parse_frames(&b, seqs, N1, true, &rest);
	assert_int_equal(n1, 1);
	assert_int_equal(rest, 40);
	assert_int_equal(seqs[0], 0);
	close(c1);
	b.n = 0;

	/* the writer carries on; every call returns, none blocks */
	t0 = now_usec();
	for (int i = 0; i < N2; i++) {
		uint64_t s = now_usec();

		send_seq(f, N1 + i, 100);
		assert_true(now_usec() - s < 50000);
		sleep_ms(10);
		if (c2 < 0)
			c2 = accept_within(lfd, 0);
	}
	assert_true(now_usec() - t0 < 5000000);
	assert_int_equal(forward_flush(f, 3000000), 0);
	if (c2 < 0)
		c2 = accept_within(lfd, 2000);
	assert_true(c2 >= 0);
	read_until_idle(c2, &b, 200);
	/*
	 * The first connection had acknowledged all it got before hanging up
	 * (the flush waited for that): the second one carries exactly what
	 * came after, even what was written into the dying connection.
	 */
	n2 = (int)parse_frames(&b, seqs, N1 + N2 + 8, false, NULL);
	assert_int_equal(n2, N2);
	for (int i = 0; i < n2; i++)
		assert_int_equal(seqs[i], N1 + i);
	assert_int_equal(forward_sent(f), N1 + N2);
	assert_int_equal(forward_dropped(f), 0);
	forward_close(f);
	free(b.p);
	close(c2);
	close(lfd);
}

/*
 * A peer that stops reading and then hangs up, so the forwarder is likely
 * cut in the middle of a frame: the next connection starts with that
 * record whole, and everything on it parses.
 */
static void test_tcp_broken_mid_frame(void **state)
{
	enum { N = 1000, PAD = 4000, QMAX = 64 };
	uint16_t port;
	int lfd = tcp_listen(0, 4096, &port), c1 = -1, c2 = -1, *seqs;
	struct bytes b = {0};
	char dest[64];
	struct forwarder *f;
	size_t n;

	(void)state;
	snprintf(dest, sizeof(dest), "tcp:127.0.0.1:%u", port);
	f = open_fwd(dest, NULL, QMAX);
	for (int i = 0; i < N; i++) {
		send_seq(f, i, PAD);
		if (c1 < 0)
			c1 = accept_within(lfd, 0);
	}
	assert_true(c1 >= 0);
	assert_true(forward_queued(f) > 0);
	close(c1); /* unread data: a reset */

	for (int i = 0; i < 300 && c2 < 0; i++) {
		forward_flush(f, 10000);
		c2 = accept_within(lfd, 0);
	}
	assert_true(c2 >= 0);
	for (int i = 0; i < 200 && forward_flush(f, 20000) > 0; i++)
		read_until_idle(c2, &b, 5);
	assert_int_equal(forward_flush(f, 1000000), 0);
	read_until_idle(c2, &b, 200);
	assert_int_equal(forward_sent(f) + forward_dropped(f), N);

	seqs = calloc(N, sizeof(*seqs));
	assert_non_null(seqs);
	n = parse_frames(&b, seqs, N, false, NULL);
	assert_true(n > 0);
	for (size_t i = 1; i < n; i++)
		assert_true(seqs[i] > seqs[i - 1]);
	assert_int_equal(seqs[n - 1], N - 1);
	free(seqs);
	forward_close(f);
	free(b.p);
	close(c2);
	close(lfd);
}

/*
 * A collector that accepts and hangs up at once: the forwarder keeps
 * reconnecting, but at most once per 200 ms.
 */
static void test_tcp_backoff(void **state)
{
	uint16_t port;
	int lfd = tcp_listen(0, 0, &port), accepted = 0;
	char dest[64];
	struct forwarder *f;
	uint64_t t0 = now_usec();

	(void)state;
	snprintf(dest, sizeof(dest), "tcp:127.0.0.1:%u", port);
	f = open_fwd(dest, NULL, 0);
	for (int i = 0; i < 400 && now_usec() - t0 < 1000000; i++) {
		int c;

		send_seq(f, i, 0);
		for (int k = 0; k < 16 && (c = accept_within(lfd, 0)) >= 0; k++) {
			accepted++;
			close(c);
		}
		sleep_ms(2);
	}
	/* a connection at 0 ms, then one per 200 ms at most */
	if (accepted < 2 || accepted > 6)
		fail_msg("%d connections in one second", accepted);
	forward_close(f);
	close(lfd);
}

/* Two destinations, two queues: journald takes a record TCP still holds. */
static void test_two_destinations(void **state)
{
	uint16_t port = closed_port();
	struct tmpdir t;
	char dest[64], buf[8192];
	struct forwarder *f;
	int fd, lfd, cfd, seqs[4];
	struct bytes b = {0};

	(void)state;
	tmpdir_make(&t);
	fd = unix_dgram_bind(t.path);
	snprintf(dest, sizeof(dest), "tcp:127.0.0.1:%u", port);
	f = open_fwd(dest, t.path, 0);
	send_seq(f, 0, 0);
	send_seq(f, 1, 0);
	assert_true(recv_dgram(fd, buf, sizeof(buf), 2000) > 0);
	assert_true(recv_dgram(fd, buf, sizeof(buf), 2000) > 0);
	assert_int_equal(forward_queued(f), 2); /* TCP's */
	assert_int_equal(forward_sent(f), 0);   /* not yet delivered everywhere */
	lfd = tcp_listen(port, 0, NULL);
	assert_int_equal(forward_flush(f, 3000000), 0);
	assert_int_equal(forward_sent(f), 2);
	cfd = accept_within(lfd, 2000);
	assert_true(cfd >= 0);
	read_until_idle(cfd, &b, 200);
	assert_int_equal(parse_frames(&b, seqs, 4, false, NULL), 2);
	forward_close(f);
	free(b.p);
	close(cfd);
	close(lfd);
	close(fd);
	tmpdir_remove(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_good),
		cmocka_unit_test(test_parse_bad),
		cmocka_unit_test(test_facility_names),
		cmocka_unit_test(test_syslog_exact),
		cmocka_unit_test(test_syslog_severity),
		cmocka_unit_test(test_syslog_fields),
		cmocka_unit_test(test_journald_format),
		cmocka_unit_test(test_open_bad_config),
		cmocka_unit_test(test_udp),
		cmocka_unit_test(test_unix_dgram),
		cmocka_unit_test(test_journald_socket),
		cmocka_unit_test(test_unix_overflow),
		cmocka_unit_test(test_unix_receiver_behind),
		cmocka_unit_test(test_tcp),
		cmocka_unit_test(test_tcp_down_then_up),
		cmocka_unit_test(test_tcp_overflow),
		cmocka_unit_test(test_tcp_stalled_peer),
		cmocka_unit_test(test_tcp_peer_closes),
		cmocka_unit_test(test_tcp_broken_mid_frame),
		cmocka_unit_test(test_tcp_backoff),
		cmocka_unit_test(test_two_destinations),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
