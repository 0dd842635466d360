// SPDX-License-Identifier: GPL-2.0-or-later
#include <arpa/inet.h>
#include <errno.h>
#include <linux/sockios.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "forward.h"
#include "log.h"
#include "util.h"

/*
 * At least this long between two connection attempts to a TCP destination,
 * doubling after each attempt up to the maximum while the destination stays
 * down; forward_flush() only honours the minimum, it is the last chance.
 */
#define BACKOFF_MIN_USEC (200 * USEC_PER_MSEC)
#define BACKOFF_MAX_USEC (10 * USEC_PER_SEC)
/* A connect() still pending after this (a black-holed SYN) is abandoned. */
#define CONNECT_TIMEOUT_USEC (5 * USEC_PER_SEC)
/*
 * Data unacknowledged for this long breaks the connection (TCP_USER_TIMEOUT),
 * so a collector that vanished is noticed in seconds, not after the kernel's
 * ~15 minutes of retransmissions, and its records go to the next connection.
 */
#define TCP_USER_TIMEOUT_MSEC 30000U
/* How often forward_flush() retries what no poll() event announces. */
#define FLUSH_RETRY_USEC (10 * USEC_PER_MSEC)

static const char *const transport_names[_FORWARD_TRANSPORT_MAX] = {
	[FORWARD_UNIX] = "unix",
	[FORWARD_UDP] = "udp",
	[FORWARD_TCP] = "tcp",
};

const char *forward_transport_to_string(enum forward_transport t)
{
	return t >= 0 && t < _FORWARD_TRANSPORT_MAX ? transport_names[t] : NULL;
}

/* RFC 5424's numbering; 12-15 have no LOG_* name in syslog(3), these are rsyslog's */
static const char *const facility_names[24] = {
	"kern",   "user",   "mail",     "daemon", "auth",   "syslog",   "lpr",     "news",
	"uucp",   "cron",   "authpriv", "ftp",    "ntp",    "security", "console", "solaris-cron",
	"local0", "local1", "local2",   "local3", "local4", "local5",   "local6",  "local7",
};

int forward_facility_from_string(const char *s)
{
	for (int i = 0; i < (int)ELEMENTSOF(facility_names); i++)
		if (streq(facility_names[i], s))
			return i;
	return -EINVAL;
}

const char *forward_facility_to_string(int facility)
{
	return facility >= 0 && facility < (int)ELEMENTSOF(facility_names)
	               ? facility_names[facility]
	               : NULL;
}

/* ------------------------------------------------------------------------ */
/* destinations */

static int fail(char **ret_error, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(char **ret_error, const char *fmt, ...)
{
	va_list ap;
	int r;

	if (!ret_error)
		return -EINVAL;
	va_start(ap, fmt);
	r = vasprintf(ret_error, fmt, ap);
	va_end(ap);
	if (r < 0) {
		*ret_error = NULL;
		return -ENOMEM;
	}
	return -EINVAL;
}

static int parse_unix_path(const char *path, struct forward_destination *ret, char **ret_error)
{
	struct forward_destination d = {.transport = FORWARD_UNIX};
	struct sockaddr_un *un = (struct sockaddr_un *)&d.addr;
	size_t n = strlen(path);

	if (path[0] != '/')
		return fail(ret_error, "unix socket path '%s' is not absolute", path);
	if (n >= sizeof(un->sun_path))
		return fail(ret_error, "unix socket path '%s' is too long (at most %zu bytes)",
		            path, sizeof(un->sun_path) - 1);
	un->sun_family = AF_UNIX;
	memcpy(un->sun_path, path, n + 1);
	d.addr_len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n + 1);
	*ret = d;
	return 0;
}

/* "127.0.0.1:514" or "[::1]:514" */
static int parse_ip_port(const char *s, enum forward_transport t, struct forward_destination *ret,
                         char **ret_error)
{
	struct forward_destination d = {.transport = t};
	char host[INET6_ADDRSTRLEN];
	const char *port, *end;
	uint32_t p;
	size_t n;

	if (s[0] == '[') {
		end = strchr(s, ']');
		if (!end)
			return fail(ret_error, "'%s': missing ']' after the IPv6 address", s);
		if (end[1] != ':')
			return fail(ret_error, "'%s': expected ':PORT' after ']'", s);
		port = end + 2;
		s++;
	} else {
		end = strchr(s, ':');
		if (end && strchr(end + 1, ':'))
			return fail(ret_error, "'%s': an IPv6 address goes in brackets: [::1]:514",
			            s);
		if (strpbrk(s, "[]"))
			return fail(ret_error, "'%s': misplaced bracket", s);
		if (!end)
			return fail(ret_error, "'%s': missing ':PORT'", s);
		port = end + 1;
	}
	n = (size_t)(end - s);
	if (n == 0)
		return fail(ret_error, "missing address before ':%s'", port);
	if (n >= sizeof(host))
		return fail(ret_error, "'%.*s' is not a numeric IP address", (int)n, s);
	memcpy(host, s, n);
	host[n] = 0;

	if (isempty(port))
		return fail(ret_error, "'%s': missing port", host);
	if (parse_uint32(port, &p) < 0 || p < 1 || p > 65535)
		return fail(ret_error, "invalid port '%s' (1-65535)", port);

	if (s[-1] == '[') {
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&d.addr;

		if (inet_pton(AF_INET6, host, &in6->sin6_addr) != 1)
			return fail(ret_error, "'%s' is not a numeric IPv6 address", host);
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons((uint16_t)p);
		d.addr_len = sizeof(*in6);
	} else {
		struct sockaddr_in *in = (struct sockaddr_in *)&d.addr;

		if (inet_pton(AF_INET, host, &in->sin_addr) != 1)
			return fail(ret_error,
			            "'%s' is not a numeric IPv4 address (host names are not "
			            "resolved)",
			            host);
		in->sin_family = AF_INET;
		in->sin_port = htons((uint16_t)p);
		d.addr_len = sizeof(*in);
	}
	*ret = d;
	return 0;
}

int forward_parse_destination(const char *s, struct forward_destination *ret, char **ret_error)
{
	static const char usage[] = "expected unix:/PATH, udp:IP:PORT or tcp:IP:PORT";

	if (isempty(s))
		return fail(ret_error, "empty syslog destination, %s", usage);
	if (strncmp(s, "unix:", 5) == 0)
		return parse_unix_path(s + 5, ret, ret_error);
	if (strncmp(s, "udp:", 4) == 0)
		return parse_ip_port(s + 4, FORWARD_UDP, ret, ret_error);
	if (strncmp(s, "tcp:", 4) == 0)
		return parse_ip_port(s + 4, FORWARD_TCP, ret, ret_error);
	return fail(ret_error, "invalid syslog destination '%s', %s", s, usage);
}

/* ------------------------------------------------------------------------ */
/* formatting */

static const char *event_string(const json_t *record, const char *key)
{
	return json_string_value(json_object_get(json_object_get(record, "event"), key));
}

int forward_severity(const json_t *record)
{
	if (streq(event_string(record, "action"), "sandbox-killed"))
		return FORWARD_SEVERITY_ERR;
	if (streq(event_string(record, "kind"), "alert"))
		return FORWARD_SEVERITY_WARNING;
	return FORWARD_SEVERITY_NOTICE;
}

/* RFC 5424 header fields: 1..max printable US-ASCII characters, no space. */
static bool header_field_is_valid(const char *s, size_t max)
{
	size_t n = 0;

	if (isempty(s))
		return false;
	for (; s[n]; n++)
		if (n >= max || (unsigned char)s[n] < 33 || (unsigned char)s[n] > 126)
			return false;
	return true;
}

static bool digits(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

/*
 * The shape of an RFC 5424 TIMESTAMP (RFC 3339, at most 6 fraction digits).
 * A record's own @timestamp is passed through only if it has it: anything
 * else would corrupt the header.
 */
static bool timestamp_is_valid(const char *s)
{
	size_t n;

	if (!s || strlen(s) < 20 || !digits(s, 4) || s[4] != '-' || !digits(s + 5, 2) ||
	    s[7] != '-' || !digits(s + 8, 2) || s[10] != 'T' || !digits(s + 11, 2) ||
	    s[13] != ':' || !digits(s + 14, 2) || s[16] != ':' || !digits(s + 17, 2))
		return false;
	s += 19;
	if (*s == '.') {
		for (n = 1; s[n] >= '0' && s[n] <= '9'; n++)
			;
		if (n < 2 || n > 7)
			return false;
		s += n;
	}
	if (streq(s, "Z"))
		return true;
	return (s[0] == '+' || s[0] == '-') && strlen(s) == 6 && digits(s + 1, 2) && s[3] == ':' &&
	       digits(s + 4, 2);
}

/* RFC 3339, UTC, microseconds, as the events carry it. */
static void timestamp_now(char buf[static 40])
{
	struct timespec ts;
	struct tm tm;
	size_t n;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	n = strftime(buf, 40, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf + n, 40 - n, ".%06uZ", (unsigned)(ts.tv_nsec / 1000) % 1000000U);
}

int forward_format_syslog(int facility, const char *hostname, long pid, const char *line,
                          size_t len, const json_t *record, char **ret, size_t *ret_len)
{
	const char *ts = json_string_value(json_object_get(record, "@timestamp"));
	const char *msgid = event_string(record, "action");
	char now[40], *m;
	int h;

	if (facility < 0 || facility > 23 || (!line && len > 0))
		return -EINVAL;
	if (!timestamp_is_valid(ts)) {
		timestamp_now(now);
		ts = now;
	}
	if (!header_field_is_valid(hostname, 255))
		hostname = "-";
	if (!header_field_is_valid(msgid, 32))
		msgid = "-";

	/* STRUCTURED-DATA is "-": everything is in the JSON */
	h = snprintf(NULL, 0, "<%d>1 %s %s " FORWARD_APP_NAME " %ld %s - ",
	             facility * 8 + forward_severity(record), ts, hostname, pid, msgid);
	if (h < 0)
		return -EINVAL;
	m = malloc((size_t)h + len + 1);
	if (!m)
		return -ENOMEM;
	snprintf(m, (size_t)h + 1, "<%d>1 %s %s " FORWARD_APP_NAME " %ld %s - ",
	         facility * 8 + forward_severity(record), ts, hostname, pid, msgid);
	if (len > 0)
		memcpy(m + h, line, len);
	m[(size_t)h + len] = 0;
	*ret = m;
	*ret_len = (size_t)h + len;
	return 0;
}

static char *put(char *p, const void *s, size_t n)
{
	memcpy(p, s, n);
	return p + n;
}

struct jfield {
	const char *name, *value;
	size_t len;
	bool binary;
};

/* One field of the journal's native protocol, at p (NULL: only measure). */
static size_t journal_field(char *p, const struct jfield *f)
{
	size_t n = strlen(f->name);
	char le[8];

	/*
	 * NAME=value\n only works for values without a newline; the binary form
	 * (NAME\n, 64-bit little-endian length, value, \n) takes anything.
	 */
	if (!f->binary && !memchr(f->value, '\n', f->len)) {
		if (p) {
			p = put(p, f->name, n);
			p = put(p, "=", 1);
			p = put(p, f->value, f->len);
			put(p, "\n", 1);
		}
		return n + 1 + f->len + 1;
	}
	if (p) {
		for (int i = 0; i < 8; i++)
			le[i] = (char)((uint64_t)f->len >> (8 * i));
		p = put(p, f->name, n);
		p = put(p, "\n", 1);
		p = put(p, le, sizeof(le));
		p = put(p, f->value, f->len);
		put(p, "\n", 1);
	}
	return n + 1 + sizeof(le) + f->len + 1;
}

int forward_format_journald(int facility, const char *line, size_t len, const json_t *record,
                            char **ret, size_t *ret_len)
{
	const char *action = event_string(record, "action");
	json_t *seq = json_object_get(record, "seq");
	char prio[8], fac[8], seqs[24] = "";
	struct jfield f[6];
	size_t nf = 0, total = 0;
	char *m, *p;

	if (facility < 0 || facility > 23 || (!line && len > 0))
		return -EINVAL;
	snprintf(prio, sizeof(prio), "%d", forward_severity(record));
	snprintf(fac, sizeof(fac), "%d", facility);
	if (json_is_integer(seq))
		snprintf(seqs, sizeof(seqs), "%" JSON_INTEGER_FORMAT, json_integer_value(seq));

	/* always the binary form for MESSAGE: the line is not ours to vouch for */
	f[nf++] = (struct jfield){"MESSAGE", line ? line : "", len, true};
	f[nf++] = (struct jfield){"PRIORITY", prio, strlen(prio), false};
	f[nf++] = (struct jfield){"SYSLOG_FACILITY", fac, strlen(fac), false};
	f[nf++] = (struct jfield){"SYSLOG_IDENTIFIER", FORWARD_APP_NAME, strlen(FORWARD_APP_NAME),
	                          false};
	if (!isempty(action))
		f[nf++] = (struct jfield){"NBWARDEN_ACTION", action, strlen(action), false};
	if (seqs[0])
		f[nf++] = (struct jfield){"NBWARDEN_SEQ", seqs, strlen(seqs), false};

	for (size_t i = 0; i < nf; i++)
		total += journal_field(NULL, &f[i]);
	m = malloc(total + 1);
	if (!m)
		return -ENOMEM;
	p = m;
	for (size_t i = 0; i < nf; i++)
		p += journal_field(p, &f[i]);
	*p = 0;
	*ret = m;
	*ret_len = total;
	return 0;
}

/* ------------------------------------------------------------------------ */
/* queues */

/* One record, shared by the destinations that still hold it. */
struct rec {
	unsigned pending; /* destinations not done with it */
	bool lost;        /* one of them gave up on it */
};

/* One record's bytes for one destination. */
struct item {
	struct rec *rec; /* NULL: given up on, kept only to finish a frame on the wire */
	char *data;
	size_t len;
};

/* A FIFO that can also take back at the front. */
struct ring {
	struct item *v;
	size_t cap, head, n;
};

static struct item *ring_at(struct ring *r, size_t i)
{
	return &r->v[(r->head + i) % r->cap];
}

static int ring_reserve(struct ring *r, size_t n)
{
	struct item *v;
	size_t cap;

	if (n <= r->cap)
		return 0;
	cap = r->cap ? r->cap : 16;
	while (cap < n)
		cap *= 2;
	v = calloc(cap, sizeof(*v));
	if (!v)
		return -ENOMEM;
	for (size_t i = 0; i < r->n; i++)
		v[i] = *ring_at(r, i);
	free(r->v);
	r->v = v;
	r->cap = cap;
	r->head = 0;
	return 0;
}

static void ring_push_back(struct ring *r, struct item it)
{
	*ring_at(r, r->n++) = it; /* the caller has reserved room */
}

static void ring_push_front(struct ring *r, struct item it)
{
	r->head = (r->head + r->cap - 1) % r->cap;
	r->v[r->head] = it;
	r->n++;
}

static struct item ring_pop_front(struct ring *r)
{
	struct item it = r->v[r->head];

	r->head = (r->head + 1) % r->cap;
	r->n--;
	return it;
}

static struct item ring_pop_back(struct ring *r)
{
	return *ring_at(r, --r->n);
}

enum conn_state {
	CONN_DOWN,
	CONN_CONNECTING,
	CONN_UP,
};

struct dest {
	char *name; /* for debug logs */
	bool journald;
	struct forward_destination where;
	int fd;
	enum conn_state state;

	/*
	 * Records not yet started, oldest first. Allocated for queue_max + 1
	 * up front: a new record goes in before the oldest is dropped, and
	 * what a broken connection hands back always fits.
	 */
	struct ring pending;
	/*
	 * TCP only: records written on the current connection and not yet
	 * acknowledged, oldest first. The last one has woff of its bytes
	 * written (maybe all). Records given up on stay here as long as
	 * their bytes are on the wire, so the acknowledgement count lines up.
	 */
	struct ring inflight;
	size_t woff;
	size_t unacked; /* bytes written, not yet matched to acknowledgements */
	size_t acked;   /* acknowledged bytes of the first inflight record */
	size_t live;    /* records held, pending and inflight, not given up */

	uint64_t last_attempt, next_attempt, backoff; /* CLOCK_MONOTONIC µs */
	bool said_down, said_full;                    /* debug log once per episode */
};

struct forwarder {
	struct dest dests[2];
	size_t n_dests;
	int facility;
	unsigned queue_max;
	char hostname[256];
	uint64_t sent, dropped;
};

static void rec_release(struct forwarder *f, struct rec *r)
{
	if (--r->pending > 0)
		return;
	if (!r->lost)
		f->sent++;
	free(r);
}

/* This destination is done with the record: delivered, or given up on. */
static void rec_done(struct forwarder *f, struct rec *r, bool delivered)
{
	if (!delivered) {
		r->lost = true;
		f->dropped++;
	}
	rec_release(f, r);
}

/* Take a record off a ring for good. */
static void item_done(struct forwarder *f, struct dest *d, struct item *it, bool delivered)
{
	if (it->rec) {
		rec_done(f, it->rec, delivered);
		d->live--;
	}
	free(it->data);
	*it = (struct item){0};
}

/* Give up on the oldest record the destination holds. */
static void drop_oldest(struct forwarder *f, struct dest *d)
{
	struct item it;

	if (!d->said_full) {
		log_debug("forward: %s: queue full (%u records), dropping the oldest", d->name,
		          f->queue_max);
		d->said_full = true;
	}
	/* already on the wire: keep the bytes, the frame may be half sent */
	for (size_t i = 0; i < d->inflight.n; i++) {
		struct item *p = ring_at(&d->inflight, i);

		if (p->rec) {
			rec_done(f, p->rec, false);
			p->rec = NULL;
			d->live--;
			return;
		}
	}
	if (d->pending.n > 0) {
		it = ring_pop_front(&d->pending);
		item_done(f, d, &it, false);
	}
}

/* ------------------------------------------------------------------------ */
/* datagrams: unix /dev/log, UDP, journald */

static void datagram_service(struct forwarder *f, struct dest *d)
{
	if (d->fd < 0 || d->pending.n == 0)
		return;
	/* UDP is connected, so an ICMP port unreachable comes back as ECONNREFUSED */
	if (d->where.transport == FORWARD_UDP && d->state != CONN_UP) {
		if (connect(d->fd, (const struct sockaddr *)&d->where.addr, d->where.addr_len) <
		    0) {
			if (!d->said_down)
				log_debug_errno(-errno, "forward: %s: %m, queueing", d->name);
			d->said_down = true;
			return;
		}
		d->state = CONN_UP;
	}
	while (d->pending.n > 0) {
		struct item *it = ring_at(&d->pending, 0);
		struct item done;
		ssize_t w;

		/*
		 * unix sockets stay unconnected: a syslog daemon or journald that
		 * restarts binds a new socket, which a connected socket would miss.
		 */
		if (d->where.transport == FORWARD_UDP)
			w = send(d->fd, it->data, it->len, MSG_DONTWAIT | MSG_NOSIGNAL);
		else
			w = sendto(d->fd, it->data, it->len, MSG_DONTWAIT | MSG_NOSIGNAL,
			           (const struct sockaddr *)&d->where.addr, d->where.addr_len);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && errno == EMSGSIZE) {
			/* larger than the socket takes: retrying cannot help */
			log_debug_errno(-errno, "forward: %s: record of %zu bytes: %m, dropped",
			                d->name, it->len);
			done = ring_pop_front(&d->pending);
			item_done(f, d, &done, false);
			continue;
		}
		if (w < 0) {
			/*
			 * EAGAIN, ENOBUFS: the receiver is behind; ECONNREFUSED,
			 * ENOENT: it is not there. Anything else may pass as well
			 * (a permission fixed, a route back): keep it for later.
			 */
			if (!d->said_down)
				log_debug_errno(-errno, "forward: %s: %m, queueing", d->name);
			d->said_down = true;
			return;
		}
		done = ring_pop_front(&d->pending);
		item_done(f, d, &done, true);
		d->said_down = false;
	}
	d->said_full = false;
}

/* ------------------------------------------------------------------------ */
/* TCP */

/* Match bytes the peer acknowledged to records: those are delivered. */
static void stream_credit(struct forwarder *f, struct dest *d)
{
	int outq = 0;

	if (ioctl(d->fd, SIOCOUTQ, &outq) < 0 || outq < 0 || (size_t)outq > d->unacked)
		return;
	if ((size_t)outq < d->unacked)
		d->backoff = BACKOFF_MIN_USEC; /* the peer is taking data: a healthy link */
	d->acked += d->unacked - (size_t)outq;
	d->unacked = (size_t)outq;
	while (d->inflight.n > 0 && d->acked >= ring_at(&d->inflight, 0)->len) {
		struct item it = ring_pop_front(&d->inflight);

		d->acked -= it.len;
		item_done(f, d, &it, true);
	}
	if (d->inflight.n == 0)
		d->woff = 0;
}

static void stream_reset(struct dest *d, int error)
{
	log_debug_errno(error, "forward: %s: connection lost: %m", d->name);
	d->fd = safe_close(d->fd);
	d->state = CONN_DOWN;
	/* what the peer has not acknowledged goes again, whole, on the next connection */
	while (d->inflight.n > 0) {
		struct item it = ring_pop_back(&d->inflight);

		if (it.rec)
			ring_push_front(&d->pending, it);
		else
			free(it.data);
	}
	d->woff = d->unacked = d->acked = 0;
}

static void stream_connect(struct dest *d, uint64_t now)
{
	int fd, one = 1;
	unsigned tmo = TCP_USER_TIMEOUT_MSEC;

	d->last_attempt = now;
	d->next_attempt = now + d->backoff;
	d->backoff = d->backoff * 2 > BACKOFF_MAX_USEC ? BACKOFF_MAX_USEC : d->backoff * 2;

	fd = socket(d->where.addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	            IPPROTO_TCP);
	if (fd < 0) {
		log_debug_errno(-errno, "forward: %s: cannot create socket: %m", d->name);
		return;
	}
	/* both are refinements: without them the connection still works */
	(void)setsockopt(fd, IPPROTO_TCP, TCP_USER_TIMEOUT, &tmo, sizeof(tmo));
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (connect(fd, (const struct sockaddr *)&d->where.addr, d->where.addr_len) == 0) {
		d->state = CONN_UP;
	} else if (errno == EINPROGRESS) {
		d->state = CONN_CONNECTING;
	} else {
		if (!d->said_down)
			log_debug_errno(-errno, "forward: %s: cannot connect: %m, queueing",
			                d->name);
		d->said_down = true;
		safe_close(fd);
		return;
	}
	d->fd = fd;
}

/* A connect() in progress: done, failed, or still waiting. */
static void stream_check_connect(struct dest *d, uint64_t now)
{
	struct pollfd p = {.fd = d->fd, .events = POLLOUT};
	int error = 0;
	socklen_t sl = sizeof(error);

	if (poll(&p, 1, 0) <= 0) {
		if (now - d->last_attempt < CONNECT_TIMEOUT_USEC)
			return;
		error = ETIMEDOUT;
	} else if (getsockopt(d->fd, SOL_SOCKET, SO_ERROR, &error, &sl) < 0) {
		error = errno;
	}
	if (error == 0) {
		d->state = CONN_UP;
		return;
	}
	if (!d->said_down)
		log_debug_errno(-error, "forward: %s: cannot connect: %m, queueing", d->name);
	d->said_down = true;
	d->fd = safe_close(d->fd);
	d->state = CONN_DOWN;
}

/*
 * Is the connection still good? A syslog collector never talks back, so a
 * FIN, an error or a hangup means it is gone; whatever it sent is read and
 * discarded, bounded.
 */
static int stream_check_peer(struct dest *d)
{
	struct pollfd p = {.fd = d->fd, .events = POLLIN | POLLRDHUP};
	char buf[4096];
	int error = 0;
	socklen_t sl = sizeof(error);

	if (poll(&p, 1, 0) <= 0)
		return 0;
	if (p.revents & (POLLERR | POLLHUP | POLLRDHUP)) {
		if (getsockopt(d->fd, SOL_SOCKET, SO_ERROR, &error, &sl) < 0 || error == 0)
			error = ECONNRESET;
		return -error;
	}
	for (int i = 0; i < 16; i++) {
		ssize_t n = recv(d->fd, buf, sizeof(buf), MSG_DONTWAIT);

		if (n == 0)
			return -ECONNRESET;
		if (n < 0)
			return errno == EAGAIN || errno == EINTR ? 0 : -errno;
	}
	return 0;
}

/* Write until the socket is full; a frame cut short is finished first next time. */
static int stream_write(struct dest *d)
{
	for (;;) {
		struct item *it =
			d->inflight.n > 0 ? ring_at(&d->inflight, d->inflight.n - 1) : NULL;
		ssize_t w;

		if (!it || d->woff == it->len) {
			if (d->pending.n == 0)
				return 0;
			if (ring_reserve(&d->inflight, d->inflight.n + 1) < 0)
				return 0; /* try again later: nothing is lost */
			ring_push_back(&d->inflight, ring_pop_front(&d->pending));
			it = ring_at(&d->inflight, d->inflight.n - 1);
			d->woff = 0;
		}
		w = send(d->fd, it->data + d->woff, it->len - d->woff, MSG_DONTWAIT | MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return 0;
		if (w < 0)
			return -errno;
		d->woff += (size_t)w;
		d->unacked += (size_t)w;
	}
}

static void stream_service(struct forwarder *f, struct dest *d, uint64_t now, bool flushing)
{
	int r;

	if (d->state == CONN_UP) {
		stream_credit(f, d);
		r = stream_check_peer(d);
		if (r < 0)
			stream_reset(d, r);
	}
	if (d->state == CONN_DOWN && d->pending.n > 0 &&
	    (now >= d->next_attempt || (flushing && now >= d->last_attempt + BACKOFF_MIN_USEC)))
		stream_connect(d, now);
	if (d->state == CONN_CONNECTING)
		stream_check_connect(d, now);
	if (d->state != CONN_UP)
		return;
	if (d->said_down)
		log_debug("forward: %s: connected", d->name);
	d->said_down = false;
	r = stream_write(d);
	stream_credit(f, d);
	if (r < 0)
		stream_reset(d, r);
	if (d->live == 0)
		d->said_full = false;
}

static void dest_service(struct forwarder *f, struct dest *d, uint64_t now, bool flushing)
{
	if (d->where.transport == FORWARD_TCP)
		stream_service(f, d, now, flushing);
	else
		datagram_service(f, d);
}

/* ------------------------------------------------------------------------ */

static int dest_init(struct dest *d, const char *name, bool journald,
                     const struct forward_destination *where, unsigned queue_max)
{
	d->fd = -1;
	d->journald = journald;
	d->where = *where;
	d->backoff = BACKOFF_MIN_USEC;
	d->name = strdup(name);
	if (!d->name || ring_reserve(&d->pending, (size_t)queue_max + 1) < 0)
		return -ENOMEM;
	if (where->transport == FORWARD_TCP)
		return 0;
	/* a datagram socket does not depend on the destination being there */
	d->fd = socket(where->addr.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	return d->fd < 0 ? -errno : 0;
}

static void dest_done(struct forwarder *f, struct dest *d)
{
	struct item it;

	while (d->inflight.n > 0) {
		it = ring_pop_front(&d->inflight);
		if (it.rec)
			rec_release(f, it.rec);
		free(it.data);
	}
	while (d->pending.n > 0) {
		it = ring_pop_front(&d->pending);
		rec_release(f, it.rec);
		free(it.data);
	}
	free(d->inflight.v);
	free(d->pending.v);
	free(d->name);
	safe_close(d->fd);
}

int forward_open(const struct forward_config *c, struct forwarder **ret, char **ret_error)
{
	struct forwarder *f;
	struct forward_destination where = {0};
	unsigned queue_max = c->queue_max ? c->queue_max : FORWARD_QUEUE_DEFAULT;
	int r;

	/* journald gets the facility too (SYSLOG_FACILITY) */
	if (c->syslog_facility < 0 || c->syslog_facility > 23)
		return fail(ret_error, "invalid syslog facility %d (0-23)", c->syslog_facility);
	if (queue_max > FORWARD_QUEUE_LIMIT)
		return fail(ret_error, "forward queue of %u records is too large (at most %u)",
		            queue_max, FORWARD_QUEUE_LIMIT);

	f = calloc(1, sizeof(*f));
	if (!f)
		return -ENOMEM;
	f->facility = c->syslog_facility;
	f->queue_max = queue_max;
	/* RFC 5424: HOSTNAME is "-" when unknown; forward_format_syslog() checks */
	if (gethostname(f->hostname, sizeof(f->hostname) - 1) < 0)
		strcpy(f->hostname, "-");

	if (c->syslog) {
		r = forward_parse_destination(c->syslog, &where, ret_error);
		if (r < 0)
			goto fail;
		r = dest_init(&f->dests[f->n_dests++], c->syslog, false, &where, queue_max);
		if (r < 0)
			goto fail_errno;
	}
	if (c->journald_socket) {
		r = parse_unix_path(c->journald_socket, &where, ret_error);
		if (r < 0)
			goto fail;
		r = dest_init(&f->dests[f->n_dests++], c->journald_socket, true, &where, queue_max);
		if (r < 0)
			goto fail_errno;
	}
	*ret = f;
	return 0;

fail_errno:
	if (ret_error)
		*ret_error = NULL;
fail:
	forward_close(f);
	return r;
}

void forward_close(struct forwarder *f)
{
	if (!f)
		return;
	for (size_t i = 0; i < f->n_dests; i++)
		dest_done(f, &f->dests[i]);
	free(f);
}

void forward_record(struct forwarder *f, const char *line, size_t len, const json_t *record)
{
	uint64_t now;
	struct rec *rec;

	if (!f || f->n_dests == 0)
		return;
	rec = calloc(1, sizeof(*rec));
	if (rec)
		rec->pending = (unsigned)f->n_dests;
	else
		f->dropped += f->n_dests;

	for (size_t i = 0; rec && i < f->n_dests; i++) {
		struct dest *d = &f->dests[i];
		char *m = NULL, *frame = NULL;
		size_t n = 0;
		int r;

		if (d->journald)
			r = forward_format_journald(f->facility, line, len, record, &m, &n);
		else
			r = forward_format_syslog(f->facility, f->hostname, (long)getpid(), line,
			                          len, record, &m, &n);
		if (r >= 0 && d->where.transport == FORWARD_TCP) {
			/* RFC 6587 octet counting: "LEN SP MSG", no trailer */
			char head[24];
			int h = snprintf(head, sizeof(head), "%zu ", n);

			frame = malloc((size_t)h + n + 1);
			if (!frame) {
				r = -ENOMEM;
			} else {
				memcpy(frame, head, (size_t)h);
				memcpy(frame + h, m, n + 1);
				free(m);
				m = frame;
				n += (size_t)h;
			}
		}
		if (r < 0) {
			log_debug_errno(r, "forward: %s: cannot format record: %m, dropped",
			                d->name);
			free(m);
			rec_done(f, rec, false);
			continue;
		}
		ring_push_back(&d->pending, (struct item){.rec = rec, .data = m, .len = n});
		if (++d->live > f->queue_max)
			drop_oldest(f, d);
	}

	now = monotonic_usec();
	for (size_t i = 0; i < f->n_dests; i++)
		dest_service(f, &f->dests[i], now, false);
}

size_t forward_queued(const struct forwarder *f)
{
	size_t n = 0;

	for (size_t i = 0; f && i < f->n_dests; i++)
		n += f->dests[i].live;
	return n;
}

size_t forward_flush(struct forwarder *f, uint64_t timeout_usec)
{
	uint64_t now = monotonic_usec();
	uint64_t deadline = timeout_usec > UINT64_MAX - now ? UINT64_MAX : now + timeout_usec;

	if (!f)
		return 0;
	for (;;) {
		struct pollfd p[ELEMENTSOF(f->dests)] = {{0}};
		uint64_t wait;
		nfds_t np = 0;
		size_t queued;

		for (size_t i = 0; i < f->n_dests; i++)
			dest_service(f, &f->dests[i], now, true);
		queued = forward_queued(f);
		if (queued == 0 || now >= deadline)
			return queued;

		/* sleep until something can move, or the next retry, or the deadline */
		wait = deadline - now < USEC_PER_SEC ? deadline - now : USEC_PER_SEC;
		for (size_t i = 0; i < f->n_dests; i++) {
			struct dest *d = &f->dests[i];
			bool writing = d->pending.n > 0 ||
			               (d->inflight.n > 0 &&
			                d->woff < ring_at(&d->inflight, d->inflight.n - 1)->len);
			uint64_t retry = FLUSH_RETRY_USEC;

			if (d->live == 0)
				continue;
			if (d->where.transport == FORWARD_TCP && d->state == CONN_DOWN)
				retry = d->last_attempt + BACKOFF_MIN_USEC > now
				                ? d->last_attempt + BACKOFF_MIN_USEC - now
				                : 0;
			else if (d->where.transport == FORWARD_TCP &&
			         (d->state == CONN_CONNECTING || writing)) {
				/* the socket says when it is writable; no timer needed */
				p[np++] = (struct pollfd){.fd = d->fd, .events = POLLOUT};
				retry = d->state == CONN_CONNECTING ? CONNECT_TIMEOUT_USEC
				                                    : deadline - now;
			}
			/* otherwise: datagrams and acknowledgements announce nothing, poll them */
			if (retry < wait)
				wait = retry;
		}
		if (poll(p, np, (int)((wait + USEC_PER_MSEC - 1) / USEC_PER_MSEC)) < 0 &&
		    errno != EINTR)
			return queued;
		now = monotonic_usec();
	}
}

uint64_t forward_sent(const struct forwarder *f)
{
	return f ? f->sent : 0;
}

uint64_t forward_dropped(const struct forwarder *f)
{
	return f ? f->dropped : 0;
}
