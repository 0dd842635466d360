// SPDX-License-Identifier: GPL-2.0-or-later
#include <arpa/inet.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cgroup.h"
#include "cleanup.h"
#include "config.h"
#include "forward.h"
#include "util.h"

#define MAX_ERRORS 20

static const char *const format_names[_FORWARD_FORMAT_MAX] = {
	[FORWARD_FORMAT_ECS] = "ecs",
	[FORWARD_FORMAT_OCSF] = "ocsf",
};

const char *forward_format_to_string(enum forward_format f)
{
	return f >= 0 && f < _FORWARD_FORMAT_MAX ? format_names[f] : NULL;
}

int config_new_default(struct config **ret)
{
	struct config *c = calloc(1, sizeof(*c));

	if (!c)
		return -ENOMEM;
	c->audit_path = strdup("/var/log/nbwarden/audit.jsonl");
	c->forward_journald_socket = strdup("/run/systemd/journal/socket");
	c->daemon_socket = strdup("/run/nbwarden/nbwarden.sock");
	c->daemon_policy = strdup("/etc/nbwarden/policy.conf");
	c->daemon_state_dir = strdup("/var/lib/nbwarden");
	c->daemon_run_dir = strdup("/run/nbwarden");
	if (!c->audit_path || !c->forward_journald_socket || !c->daemon_socket ||
	    !c->daemon_policy || !c->daemon_state_dir || !c->daemon_run_dir) {
		config_free(c);
		return -ENOMEM;
	}
	c->audit_fsync = AUDIT_FSYNC_BATCH;
	c->audit_fsync_interval = 100 * USEC_PER_MSEC;
	c->audit_rotate_size = 100ULL << 20;
	c->audit_rotate_daily = true;
	c->audit_retention_days = 180;
	c->forward_facility = 10; /* authpriv: audit data */
	c->forward_format = FORWARD_FORMAT_ECS;
	c->forward_queue = 4096;
	c->daemon_alert_kills_per_minute = 5;
	c->daemon_alert_queue_p95 = 120 * USEC_PER_SEC;
	c->daemon_client_timeout = 5 * USEC_PER_SEC;
	c->daemon_max_clients = 4096;
	*ret = c;
	return 0;
}

void config_free(struct config *c)
{
	if (!c)
		return;
	free(c->file);
	free(c->audit_path);
	free(c->audit_key_file);
	free(c->forward_syslog);
	free(c->forward_journald_socket);
	free(c->daemon_socket);
	free(c->daemon_policy);
	free(c->daemon_state_dir);
	free(c->daemon_run_dir);
	free(c->daemon_profile_dir);
	free(c->daemon_cgroup_parent);
	free(c->daemon_metrics_listen);
	free(c);
}

struct parse {
	struct config *c;
	const char *file;
	unsigned line;
	char ***errors;
	unsigned n_errors;
};

static void error(struct parse *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void error(struct parse *p, const char *fmt, ...)
{
	char msg[512], *s = NULL;
	va_list ap;

	if (++p->n_errors > MAX_ERRORS)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (p->n_errors == MAX_ERRORS)
		snprintf(msg, sizeof(msg), "too many errors, giving up");
	if (asprintf(&s, "%s:%u: %s", p->file, p->line, msg) < 0)
		s = NULL;
	(void)strv_consume(p->errors, s);
}

static int parse_bool(const char *v, bool *ret)
{
	if (streq(v, "yes") || streq(v, "true") || streq(v, "on") || streq(v, "1"))
		*ret = true;
	else if (streq(v, "no") || streq(v, "false") || streq(v, "off") || streq(v, "0"))
		*ret = false;
	else
		return -EINVAL;
	return 0;
}

static void set_string(struct parse *p, char **field, const char *v)
{
	char *dup = strdup(v);

	if (!dup) {
		error(p, "out of memory");
		return;
	}
	free(*field);
	*field = dup;
}

/* An absolute, canonical path that names a file (not "/" or a directory form). */
static void set_path(struct parse *p, const char *key, char **field, const char *v)
{
	_cleanup_free_ char *canon = NULL;

	if (path_canonicalize(v, &canon) < 0 || streq(canon, "/")) {
		error(p, "%s: '%s' is not an absolute path to a file", key, v);
		return;
	}
	free(*field);
	*field = TAKE_PTR(canon);
}

static void apply_audit(struct parse *p, const char *key, const char *v)
{
	struct config *c = p->c;
	uint64_t u;
	bool b;

	if (streq(key, "path")) {
		if (streq(v, "none")) {
			free(c->audit_path);
			c->audit_path = NULL;
		} else {
			set_path(p, key, &c->audit_path, v);
		}
	} else if (streq(key, "hmac_key_file")) {
		if (streq(v, "none")) {
			free(c->audit_key_file);
			c->audit_key_file = NULL;
		} else {
			set_path(p, key, &c->audit_key_file, v);
		}
	} else if (streq(key, "fsync")) {
		int f = audit_fsync_from_string(v);

		if (f < 0)
			error(p, "fsync: '%s' is not one of always, batch, none", v);
		else
			c->audit_fsync = f;
	} else if (streq(key, "fsync_interval")) {
		if (parse_duration(v, &u) < 0 || u == 0 || u > 60 * USEC_PER_SEC)
			error(p, "fsync_interval: '%s' is not a duration from 1ms to 60s", v);
		else
			c->audit_fsync_interval = u;
	} else if (streq(key, "rotate_size")) {
		if (parse_size(v, &u) < 0 || (u != VALUE_MAX && u < 4096))
			error(p, "rotate_size: '%s' is not a size of at least 4k, or max", v);
		else
			c->audit_rotate_size = u;
	} else if (streq(key, "rotate_daily")) {
		if (parse_bool(v, &b) < 0)
			error(p, "rotate_daily: '%s' is not yes or no", v);
		else
			c->audit_rotate_daily = b;
	} else if (streq(key, "retention_days")) {
		if (parse_uint64(v, &u) < 0 || u > 36500)
			error(p,
			      "retention_days: '%s' is not a number of days from 0 (keep "
			      "forever) to 36500",
			      v);
		else
			c->audit_retention_days = (unsigned)u;
	} else {
		error(p, "unknown key '%s' in [audit]", key);
	}
}

static void apply_forward(struct parse *p, const char *key, const char *v)
{
	struct config *c = p->c;
	uint64_t u;
	bool b;

	if (streq(key, "syslog")) {
		struct forward_destination d;
		_cleanup_free_ char *why = NULL;

		if (streq(v, "none")) {
			free(c->forward_syslog);
			c->forward_syslog = NULL;
		} else if (forward_parse_destination(v, &d, &why) < 0) {
			error(p, "syslog: %s", why ? why : "bad destination");
		} else {
			set_string(p, &c->forward_syslog, v);
		}
	} else if (streq(key, "syslog_facility")) {
		int f = forward_facility_from_string(v);

		if (f < 0)
			error(p,
			      "syslog_facility: unknown facility '%s' (auth, authpriv, daemon, "
			      "local0..local7, ...)",
			      v);
		else
			c->forward_facility = f;
	} else if (streq(key, "journald")) {
		if (parse_bool(v, &b) < 0)
			error(p, "journald: '%s' is not yes or no", v);
		else
			c->forward_journald = b;
	} else if (streq(key, "journald_socket")) {
		set_path(p, key, &c->forward_journald_socket, v);
	} else if (streq(key, "format")) {
		int f = -1;

		for (int i = 0; i < _FORWARD_FORMAT_MAX; i++)
			if (streq(v, format_names[i]))
				f = i;
		if (f < 0)
			error(p, "format: '%s' is not ecs or ocsf", v);
		else
			c->forward_format = f;
	} else if (streq(key, "queue")) {
		if (parse_uint64(v, &u) < 0 || u < 1 || u > 1000000)
			error(p, "queue: '%s' is not a number of records from 1 to 1000000", v);
		else
			c->forward_queue = (unsigned)u;
	} else {
		error(p, "unknown key '%s' in [forward]", key);
	}
}

static void apply_daemon(struct parse *p, const char *key, const char *v)
{
	struct config *c = p->c;
	uint64_t u;

	if (streq(key, "socket")) {
		if (strlen(v) >= 108)
			error(p, "socket: '%s' is too long for a unix socket path (max 107)", v);
		else
			set_path(p, key, &c->daemon_socket, v);
	} else if (streq(key, "policy")) {
		set_path(p, key, &c->daemon_policy, v);
	} else if (streq(key, "state_dir")) {
		set_path(p, key, &c->daemon_state_dir, v);
	} else if (streq(key, "profile_dir")) {
		if (streq(v, "none")) {
			free(c->daemon_profile_dir);
			c->daemon_profile_dir = NULL;
		} else {
			set_path(p, key, &c->daemon_profile_dir, v);
		}
	} else if (streq(key, "run_dir")) {
		set_path(p, key, &c->daemon_run_dir, v);
	} else if (streq(key, "cgroup_parent")) {
		_cleanup_free_ char *canon = NULL;

		if (streq(v, "delegated")) {
			free(c->daemon_cgroup_parent);
			c->daemon_cgroup_parent = NULL;
		} else if (cgroup_parent_canonicalize(v, &canon) < 0) {
			error(p, "cgroup_parent: '%s' is not delegated or a cgroup path", v);
		} else {
			free(c->daemon_cgroup_parent);
			c->daemon_cgroup_parent = TAKE_PTR(canon);
		}
	} else if (streq(key, "metrics_listen")) {
		if (streq(v, "none")) {
			free(c->daemon_metrics_listen);
			c->daemon_metrics_listen = NULL;
		} else if (v[0] == '/') {
			set_path(p, key, &c->daemon_metrics_listen, v);
		} else if (config_parse_loopback(v, NULL) < 0) {
			error(p,
			      "metrics_listen: '%s' is not none, a socket path, or a loopback "
			      "127.x.y.z:PORT or [::1]:PORT",
			      v);
		} else {
			set_string(p, &c->daemon_metrics_listen, v);
		}
	} else if (streq(key, "alert_kills_per_minute")) {
		if (parse_uint64(v, &u) < 0 || u > 1000000)
			error(p, "alert_kills_per_minute: '%s' is not a number from 0 to 1000000",
			      v);
		else
			c->daemon_alert_kills_per_minute = (unsigned)u;
	} else if (streq(key, "alert_queue_p95")) {
		if (parse_duration(v, &u) < 0)
			error(p, "alert_queue_p95: '%s' is not a duration", v);
		else
			c->daemon_alert_queue_p95 = u;
	} else if (streq(key, "client_timeout")) {
		if (parse_duration(v, &u) < 0 || u < 100 * USEC_PER_MSEC || u > 600 * USEC_PER_SEC)
			error(p, "client_timeout: '%s' is not a duration from 100ms to 10min", v);
		else
			c->daemon_client_timeout = u;
	} else if (streq(key, "max_clients")) {
		if (parse_uint64(v, &u) < 0 || u < 1 || u > 65536)
			error(p, "max_clients: '%s' is not a number from 1 to 65536", v);
		else
			c->daemon_max_clients = (unsigned)u;
	} else {
		error(p, "unknown key '%s' in [daemon]", key);
	}
}

int config_parse_loopback(const char *s, struct sockaddr_storage *ret)
{
	struct sockaddr_storage ss = {0};
	const char *colon = strrchr(s, ':');
	char host[64];
	uint32_t port;

	if (!colon || (size_t)(colon - s) >= sizeof(host) || parse_uint32(colon + 1, &port) < 0 ||
	    port == 0 || port > 65535)
		return -EINVAL;
	snprintf(host, sizeof(host), "%.*s", (int)(colon - s), s);
	if (host[0] == '[') {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;
		size_t n = strlen(host);

		if (n < 3 || host[n - 1] != ']')
			return -EINVAL;
		host[n - 1] = 0;
		if (inet_pton(AF_INET6, host + 1, &a->sin6_addr) != 1 ||
		    !IN6_IS_ADDR_LOOPBACK(&a->sin6_addr))
			return -EINVAL;
		a->sin6_family = AF_INET6;
		a->sin6_port = htons((uint16_t)port);
	} else {
		struct sockaddr_in *a = (struct sockaddr_in *)&ss;

		if (inet_pton(AF_INET, host, &a->sin_addr) != 1 ||
		    (ntohl(a->sin_addr.s_addr) >> 24) != 127)
			return -EINVAL;
		a->sin_family = AF_INET;
		a->sin_port = htons((uint16_t)port);
	}
	if (ret)
		*ret = ss;
	return 0;
}

static char *strip(char *s)
{
	char *e;

	s += strspn(s, " \t");
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
		*--e = 0;
	return s;
}

/* "[section]", "key = value", blank lines and ";" or "#" comment lines. */
static void parse_text(struct parse *p, const char *text, size_t len)
{
	char section[32] = "";
	bool bad_section = false; /* reported at its header: its keys are not */
	const char *pos = text, *end = text + len;

	if (memchr(text, 0, len)) {
		p->line = 1;
		error(p, "the file contains a NUL byte");
		return;
	}
	for (p->line = 1; pos < end; p->line++) {
		const char *nl = memchr(pos, '\n', (size_t)(end - pos));
		size_t n = nl ? (size_t)(nl - pos) : (size_t)(end - pos);
		_cleanup_free_ char *raw = NULL;
		char *l, *eq;

		if (n > CONFIG_MAX_LINE) {
			error(p, "line too long (max %d bytes)", CONFIG_MAX_LINE);
			pos += n + 1;
			continue;
		}
		raw = strndup(pos, n);
		pos += n + 1;
		if (!raw) {
			error(p, "out of memory");
			return;
		}
		l = strip(raw);
		if (!*l || *l == ';' || *l == '#')
			continue;
		if (*l == '[') {
			char *close = strchr(l, ']');

			if (!close || close[1] || close - l - 1 <= 0 ||
			    (size_t)(close - l - 1) >= sizeof(section)) {
				error(p, "syntax error (expected [section])");
				section[0] = 0;
				bad_section = true;
				continue;
			}
			snprintf(section, sizeof(section), "%.*s", (int)(close - l - 1), l + 1);
			bad_section = !streq(section, "audit") && !streq(section, "forward") &&
			              !streq(section, "daemon");
			if (bad_section) {
				error(p,
				      "unknown section [%s] (known: [audit], [forward], [daemon])",
				      section);
				section[0] = 0;
			}
			continue;
		}
		eq = strchr(l, '=');
		if (!eq) {
			error(p, "syntax error (expected key = value)");
			continue;
		}
		*eq = 0;
		l = strip(l);
		eq = strip(eq + 1);
		if (!*section) {
			if (!bad_section)
				error(p, "'%s' appears before any [section]", l);
			continue;
		}
		if (!*eq) {
			error(p, "%s: empty value", l);
			continue;
		}
		if (streq(section, "audit"))
			apply_audit(p, l, eq);
		else if (streq(section, "forward"))
			apply_forward(p, l, eq);
		else
			apply_daemon(p, l, eq);
	}
}

int config_load_string(const char *text, const char *file, struct config **ret, char ***ret_errors)
{
	struct config *c = NULL;
	struct parse p;
	int r;

	*ret_errors = NULL;
	r = config_new_default(&c);
	if (r < 0)
		return r;
	c->file = strdup(file);
	if (!c->file) {
		config_free(c);
		return -ENOMEM;
	}
	p = (struct parse){.c = c, .file = file, .errors = ret_errors};
	parse_text(&p, text, strlen(text));
	if (p.n_errors > 0) {
		config_free(c);
		return -EINVAL;
	}
	*ret = c;
	return 0;
}

int config_load(const char *path, bool missing_ok, bool strict_owner, struct config **ret,
                char ***ret_errors)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	_cleanup_free_ char *buf = NULL;
	struct stat st;
	ssize_t n;
	char *e = NULL;

	*ret_errors = NULL;
	if (fd < 0) {
		int r = -errno;

		if (r == -ENOENT && missing_ok)
			return config_new_default(ret);
		if (asprintf(&e, "%s: %s", path, strerror(-r)) >= 0)
			(void)strv_consume(ret_errors, e);
		return r;
	}
	if (fstat(fd, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode) || st.st_size > CONFIG_MAX_FILE_SIZE) {
		if (asprintf(&e, "%s: not a regular file of at most %d bytes", path,
		             CONFIG_MAX_FILE_SIZE) >= 0)
			(void)strv_consume(ret_errors, e);
		return -EINVAL;
	}
	if (strict_owner && (st.st_uid != 0 || (st.st_mode & 022))) {
		if (asprintf(&e,
		             "%s: refusing a configuration that is not owned by root or is "
		             "writable by group or others",
		             path) >= 0)
			(void)strv_consume(ret_errors, e);
		return -EPERM;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf)
		return -ENOMEM;
	n = read(fd, buf, (size_t)st.st_size);
	if (n < 0)
		return -errno;
	buf[n] = 0;
	if (memchr(buf, 0, (size_t)n)) {
		if (asprintf(&e, "%s:1: the file contains a NUL byte", path) >= 0)
			(void)strv_consume(ret_errors, e);
		return -EINVAL;
	}
	return config_load_string(buf, path, ret, ret_errors);
}

int config_print(const struct config *c, FILE *f)
{
	char a[32], b[32];

	fprintf(f, "[audit]\npath = %s\nhmac_key_file = %s\nfsync = %s\nfsync_interval = %s\n",
	        c->audit_path ? c->audit_path : "none",
	        c->audit_key_file ? c->audit_key_file : "none",
	        audit_fsync_to_string(c->audit_fsync), format_duration(c->audit_fsync_interval, a));
	fprintf(f, "rotate_size = %s\nrotate_daily = %s\nretention_days = %u\n",
	        format_size(c->audit_rotate_size, b), c->audit_rotate_daily ? "yes" : "no",
	        c->audit_retention_days);
	fprintf(f,
	        "\n[forward]\nsyslog = %s\nsyslog_facility = %s\njournald = %s\n"
	        "journald_socket = %s\nformat = %s\nqueue = %u\n",
	        c->forward_syslog ? c->forward_syslog : "none",
	        forward_facility_to_string(c->forward_facility), c->forward_journald ? "yes" : "no",
	        c->forward_journald_socket, forward_format_to_string(c->forward_format),
	        c->forward_queue);
	fprintf(f,
	        "\n[daemon]\nsocket = %s\npolicy = %s\nstate_dir = %s\nrun_dir = %s\n"
	        "profile_dir = %s\ncgroup_parent = %s\nmetrics_listen = %s\nalert_kills_per_minute "
	        "= %u\n"
	        "alert_queue_p95 = %s\nclient_timeout = %s\nmax_clients = %u\n",
	        c->daemon_socket, c->daemon_policy, c->daemon_state_dir, c->daemon_run_dir,
	        c->daemon_profile_dir ? c->daemon_profile_dir : "none",
	        c->daemon_cgroup_parent ? c->daemon_cgroup_parent : "delegated",
	        c->daemon_metrics_listen ? c->daemon_metrics_listen : "none",
	        c->daemon_alert_kills_per_minute, format_duration(c->daemon_alert_queue_p95, a),
	        format_duration(c->daemon_client_timeout, b), c->daemon_max_clients);
	return ferror(f) ? -EIO : 0;
}
