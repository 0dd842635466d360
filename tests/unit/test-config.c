// SPDX-License-Identifier: GPL-2.0-or-later
/* Unit tests for nbwarden.conf parsing: defaults, every key, every error path. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "util.h"

static struct config *load_ok(const char *text)
{
	struct config *c = NULL;
	char **errors = NULL;

	if (config_load_string(text, "t.conf", &c, &errors) < 0) {
		STRV_FOREACH (e, errors)
			print_error("%s\n", *e);
		fail_msg("config did not load");
	}
	assert_null(errors);
	return c;
}

/* The load fails and the first error is exactly want. */
static void load_bad(const char *text, const char *want)
{
	struct config *c = NULL;
	char **errors = NULL;

	assert_int_equal(config_load_string(text, "t.conf", &c, &errors), -EINVAL);
	assert_null(c);
	assert_non_null(errors);
	if (!streq(errors[0], want))
		fail_msg("expected '%s', got '%s'", want, errors[0]);
	strv_free(errors);
}

static void test_defaults(void **state)
{
	struct config *c = load_ok("");

	(void)state;
	assert_string_equal(c->audit_path, "/var/log/nbwarden/audit.jsonl");
	assert_null(c->audit_key_file);
	assert_int_equal(c->audit_fsync, AUDIT_FSYNC_BATCH);
	assert_int_equal(c->audit_fsync_interval, 100 * USEC_PER_MSEC);
	assert_int_equal(c->audit_rotate_size, 100ULL << 20);
	assert_true(c->audit_rotate_daily);
	assert_int_equal(c->audit_retention_days, 180);
	assert_null(c->forward_syslog);
	assert_false(c->forward_journald);
	assert_int_equal(c->forward_facility, 10);
	assert_int_equal(c->forward_format, FORWARD_FORMAT_ECS);
	assert_int_equal(c->forward_queue, 4096);
	config_free(c);
}

static void test_every_key(void **state)
{
	struct config *c = load_ok("; comment\n"
	                           "# another\n"
	                           "[audit]\n"
	                           "path = /srv/audit//nbw.jsonl\n"
	                           "hmac_key_file = /etc/nbwarden/audit.key\n"
	                           "fsync = always\n"
	                           "fsync_interval = 250ms\n"
	                           "rotate_size = 1G\n"
	                           "rotate_daily = no\n"
	                           "retention_days = 365\n"
	                           "\n"
	                           "[forward]\n"
	                           "  syslog = tcp:127.0.0.1:6514  \n"
	                           "syslog_facility = local3\n"
	                           "journald = yes\n"
	                           "journald_socket = /run/test/journal.sock\n"
	                           "format = ocsf\n"
	                           "queue = 100\n");

	(void)state;
	assert_string_equal(c->audit_path, "/srv/audit/nbw.jsonl");
	assert_string_equal(c->audit_key_file, "/etc/nbwarden/audit.key");
	assert_int_equal(c->audit_fsync, AUDIT_FSYNC_ALWAYS);
	assert_int_equal(c->audit_fsync_interval, 250 * USEC_PER_MSEC);
	assert_int_equal(c->audit_rotate_size, 1ULL << 30);
	assert_false(c->audit_rotate_daily);
	assert_int_equal(c->audit_retention_days, 365);
	assert_string_equal(c->forward_syslog, "tcp:127.0.0.1:6514");
	assert_int_equal(c->forward_facility, 19);
	assert_true(c->forward_journald);
	assert_string_equal(c->forward_journald_socket, "/run/test/journal.sock");
	assert_int_equal(c->forward_format, FORWARD_FORMAT_OCSF);
	assert_int_equal(c->forward_queue, 100);
	config_free(c);

	/* "none" turns the audit log, the key and syslog off */
	c = load_ok("[audit]\npath = none\nhmac_key_file = none\n[forward]\nsyslog = none\n");
	assert_null(c->audit_path);
	assert_null(c->audit_key_file);
	assert_null(c->forward_syslog);
	config_free(c);
}

static void test_errors(void **state)
{
	(void)state;
	load_bad("[audit]\nfsync = sometimes\n", "t.conf:2: fsync: 'sometimes' is not one of "
	                                         "always, batch, none");
	load_bad("\n[audit]\npath = relative/log\n",
	         "t.conf:3: path: 'relative/log' is not an absolute path to a file");
	load_bad("[audit]\npath = /\n", "t.conf:2: path: '/' is not an absolute path to a file");
	load_bad("[audit]\npath = /var/../etc/x\n",
	         "t.conf:2: path: '/var/../etc/x' is not an absolute path to a file");
	load_bad("[audit]\nfsync_interval = 0\n",
	         "t.conf:2: fsync_interval: '0' is not a duration from 1ms to 60s");
	load_bad("[audit]\nrotate_size = 10\n",
	         "t.conf:2: rotate_size: '10' is not a size of at least 4k, or max");
	load_bad("[audit]\nrotate_daily = maybe\n", "t.conf:2: rotate_daily: 'maybe' is not yes "
	                                            "or no");
	load_bad("[audit]\nretention_days = -1\n",
	         "t.conf:2: retention_days: '-1' is not a number of days from 0 (keep forever) "
	         "to 36500");
	load_bad("[audit]\ncolour = blue\n", "t.conf:2: unknown key 'colour' in [audit]");
	load_bad("[forward]\nsyslog_facility = mars\n",
	         "t.conf:2: syslog_facility: unknown facility 'mars' (auth, authpriv, daemon, "
	         "local0..local7, ...)");
	load_bad("[forward]\nformat = cef\n", "t.conf:2: format: 'cef' is not ecs or ocsf");
	load_bad("[forward]\nqueue = 0\n",
	         "t.conf:2: queue: '0' is not a number of records from 1 to 1000000");
	load_bad("[forward]\njournald = 2\n", "t.conf:2: journald: '2' is not yes or no");
	load_bad("[daemons]\nsocket = /run/x\n",
	         "t.conf:1: unknown section [daemons] (known: [audit], [forward], [daemon])");
	load_bad("path = /x\n", "t.conf:1: 'path' appears before any [section]");
	load_bad("[audit\n", "t.conf:1: syntax error (expected [section])");
	load_bad("[audit]\njust words\n", "t.conf:2: syntax error (expected key = value)");
	load_bad("[audit]\npath =\n", "t.conf:2: path: empty value");
	/* a bad syslog destination is explained by the forwarding module */
	{
		struct config *c = NULL;
		char **errors = NULL;

		assert_int_equal(config_load_string("[forward]\nsyslog = carrier-pigeon\n",
		                                    "t.conf", &c, &errors),
		                 -EINVAL);
		assert_non_null(strstr(errors[0], "t.conf:2: syslog: "));
		strv_free(errors);
	}
}

static void test_many_errors_capped(void **state)
{
	char text[4096] = "[audit]\n";
	struct config *c = NULL;
	char **errors = NULL;

	(void)state;
	for (int i = 0; i < 50; i++)
		strcat(text, "x = 1\n");
	assert_int_equal(config_load_string(text, "t.conf", &c, &errors), -EINVAL);
	assert_int_equal(strv_length(errors), 20);
	assert_string_equal(errors[19], "t.conf:21: too many errors, giving up");
	strv_free(errors);
}

static void test_long_line_and_nul(void **state)
{
	char *text = malloc(CONFIG_MAX_LINE + 32);
	struct config *c = NULL;
	char **errors = NULL;
	char path[] = "/tmp/nbw-config-XXXXXX", want[96];
	int fd;

	(void)state;
	strcpy(text, "[audit]\npath = /");
	memset(text + strlen(text), 'a', CONFIG_MAX_LINE);
	text[8 + CONFIG_MAX_LINE + 8] = 0;
	load_bad(text, "t.conf:2: line too long (max 4096 bytes)");
	free(text);

	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "[audit]\n\0", 9), 9);
	close(fd);
	assert_int_equal(config_load(path, false, false, &c, &errors), -EINVAL);
	snprintf(want, sizeof(want), "%s:1: the file contains a NUL byte", path);
	assert_string_equal(errors[0], want);
	strv_free(errors);
	errors = NULL;
	unlink(path);
	/* missing: an error, unless the caller says a missing file means the defaults */
	assert_int_equal(config_load(path, false, false, &c, &errors), -ENOENT);
	strv_free(errors);
	errors = NULL;
	assert_int_equal(config_load(path, true, false, &c, &errors), 0);
	assert_null(c->file);
	config_free(c);
}

static void test_daemon_section(void **state)
{
	struct config *c = load_ok("");
	struct config *d;

	(void)state;
	assert_string_equal(c->daemon_socket, "/run/nbwarden/nbwarden.sock");
	assert_string_equal(c->daemon_policy, "/etc/nbwarden/policy.conf");
	assert_string_equal(c->daemon_state_dir, "/var/lib/nbwarden");
	assert_string_equal(c->daemon_run_dir, "/run/nbwarden");
	assert_null(c->daemon_profile_dir);
	assert_null(c->daemon_cgroup_parent); /* delegated */
	assert_null(c->daemon_metrics_listen);
	assert_int_equal(c->daemon_alert_kills_per_minute, 5);
	assert_int_equal(c->daemon_alert_queue_p95, 120 * USEC_PER_SEC);
	assert_int_equal(c->daemon_client_timeout, 5 * USEC_PER_SEC);
	config_free(c);

	d = load_ok("[daemon]\nsocket = /tmp/x.sock\npolicy = /etc/p.conf\nstate_dir = /s\n"
	            "run_dir = /r\nprofile_dir = /pd\ncgroup_parent = a/b\n"
	            "metrics_listen = [::1]:9464\nalert_kills_per_minute = 0\n"
	            "alert_queue_p95 = 2m\nclient_timeout = 250ms\nmax_clients = 10\n");
	assert_string_equal(d->daemon_socket, "/tmp/x.sock");
	assert_string_equal(d->daemon_profile_dir, "/pd");
	assert_string_equal(d->daemon_cgroup_parent, "a/b");
	assert_string_equal(d->daemon_metrics_listen, "[::1]:9464");
	assert_int_equal(d->daemon_alert_kills_per_minute, 0);
	assert_int_equal(d->daemon_alert_queue_p95, 120 * USEC_PER_SEC);
	assert_int_equal(d->daemon_client_timeout, 250 * USEC_PER_MSEC);
	assert_int_equal(d->daemon_max_clients, 10);
	config_free(d);

	load_bad("[daemon]\nmetrics_listen = 0.0.0.0:9464\n",
	         "t.conf:2: metrics_listen: '0.0.0.0:9464' is not none, a socket path, or a "
	         "loopback 127.x.y.z:PORT or [::1]:PORT");
	load_bad("[daemon]\ncgroup_parent = ../up\n",
	         "t.conf:2: cgroup_parent: '../up' is not delegated or a cgroup path");
	load_bad("[daemon]\nclient_timeout = 1ms\n",
	         "t.conf:2: client_timeout: '1ms' is not a duration from 100ms to 10min");
	load_bad("[daemon]\nsocket = relative\n",
	         "t.conf:2: socket: 'relative' is not an absolute path to a file");
	load_bad("[daemon]\nbogus = 1\n", "t.conf:2: unknown key 'bogus' in [daemon]");
}

static void test_print_round_trip(void **state)
{
	struct config *c = load_ok("[audit]\nfsync = none\nrotate_size = max\nretention_days = 0\n"
	                           "[forward]\nsyslog = udp:[::1]:514\nformat = ocsf\n"
	                           "[daemon]\ncgroup_parent = x/y\nmetrics_listen = 127.0.0.1:1\n");
	struct config *back;
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	(void)state;
	assert_int_equal(config_print(c, f), 0);
	fclose(f);
	back = load_ok(text);
	assert_int_equal(back->audit_fsync, AUDIT_FSYNC_NONE);
	assert_int_equal(back->audit_rotate_size, VALUE_MAX);
	assert_int_equal(back->audit_retention_days, 0);
	assert_string_equal(back->forward_syslog, "udp:[::1]:514");
	assert_int_equal(back->forward_format, FORWARD_FORMAT_OCSF);
	assert_string_equal(back->audit_path, c->audit_path);
	assert_string_equal(back->daemon_cgroup_parent, "x/y");
	assert_string_equal(back->daemon_metrics_listen, "127.0.0.1:1");
	assert_null(back->daemon_profile_dir);
	free(text);
	config_free(c);
	config_free(back);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_every_key),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_many_errors_capped),
		cmocka_unit_test(test_long_line_and_nul),
		cmocka_unit_test(test_daemon_section),
		cmocka_unit_test(test_print_round_trip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
