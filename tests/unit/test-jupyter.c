// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests for the Jupyter connection-file checks (jupyter.c) and the
 * relaunch strikes (strikes.c): finding the file in a command, every
 * refusal, loopback detection, the strike arithmetic and its file format.
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
#include <sys/stat.h>
#include <unistd.h>

#include "jupyter.h"
#include "netrule.h"
#include "strikes.h"
#include "util.h"

#define GOOD                                                                                    \
	"{\"shell_port\": 5001, \"iopub_port\": 5002, \"stdin_port\": 5003, \"control_port\": " \
	"5004, \"hb_port\": 5005, \"ip\": \"127.0.0.1\", \"key\": \"k3y\", \"transport\": "     \
	"\"tcp\", \"signature_scheme\": \"hmac-sha256\", \"kernel_name\": \"\"}"

static void test_find(void **state)
{
	char *a1[] = {"/usr/bin/python3", "-m", "ipykernel_launcher", "-f", "/r/k.json", NULL};
	char *a2[] = {"/usr/bin/python3", "-m", "ipykernel_launcher", "-f=/r/k2.json", NULL};
	char *a3[] = {"/usr/bin/python3", "-m", "ipykernel_launcher", NULL};
	char *a4[] = {"/usr/bin/python3", "-f", NULL};
	char *a5[] = {"/usr/bin/python3", "-f=", NULL};
	char *a6[] = {"-f", "/argv0/is/not/searched", NULL};
	char *a7[] = {"prog", "--", "-f", "/after/dashdash", NULL};
	char *a8[] = {"prog", "-ff", "/x", "-f", "/first", "-f", "/second", NULL};
	const char *p = NULL;

	(void)state;
	assert_int_equal(jupyter_find_connection_file(a1, "-f", &p), 0);
	assert_string_equal(p, "/r/k.json");
	assert_int_equal(jupyter_find_connection_file(a2, "-f", &p), 0);
	assert_string_equal(p, "/r/k2.json");
	assert_int_equal(jupyter_find_connection_file(a3, "-f", &p), -ENOENT);
	assert_int_equal(jupyter_find_connection_file(a4, "-f", &p), -EINVAL);
	assert_int_equal(jupyter_find_connection_file(a5, "-f", &p), -EINVAL);
	assert_int_equal(jupyter_find_connection_file(a6, "-f", &p), -ENOENT);
	assert_int_equal(jupyter_find_connection_file(a7, "-f", &p), -ENOENT);
	assert_int_equal(jupyter_find_connection_file(a8, "-f", &p), 0);
	assert_string_equal(p, "/first");
}

static void test_option_valid(void **state)
{
	(void)state;
	assert_true(jupyter_option_is_valid("-f"));
	assert_true(jupyter_option_is_valid("--connection-file"));
	assert_false(jupyter_option_is_valid("-"));
	assert_false(jupyter_option_is_valid("f"));
	assert_false(jupyter_option_is_valid("-f=x"));
	assert_false(jupyter_option_is_valid("-f x"));
	assert_false(jupyter_option_is_valid("-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")); /* 34 */
	assert_false(jupyter_option_is_valid(NULL));
}

static void test_parse_good(void **state)
{
	struct jupyter_connection c;
	char *err = NULL;

	(void)state;
	assert_int_equal(jupyter_connection_parse(GOOD, strlen(GOOD), &c, &err), 0);
	assert_null(err);
	assert_string_equal(c.ip, "127.0.0.1");
	assert_true(c.loopback);
	assert_int_equal(c.ports[JUPYTER_SHELL], 5001);
	assert_int_equal(c.ports[JUPYTER_HB], 5005);
}

static void test_allow_rules(void **state)
{
	struct jupyter_connection c;
	struct net_rule nr;
	char **rules = NULL;

	(void)state;
	assert_int_equal(jupyter_connection_parse(GOOD, strlen(GOOD), &c, NULL), 0);
	assert_int_equal(jupyter_connection_allow_rules(&c, &rules), 0);
	assert_int_equal(strv_length(rules), 5);
	assert_string_equal(rules[0], "127.0.0.1 tcp 5001");
	assert_string_equal(rules[4], "127.0.0.1 tcp 5005");
	/* each one a valid "[network] allow" value: one address, one port, TCP */
	STRV_FOREACH (r, rules) {
		assert_int_equal(net_rule_parse(*r, &nr, NULL), 0);
		assert_int_equal(nr.prefix, 128);
		assert_int_equal(nr.proto, NET_PROTO_TCP);
		assert_int_equal(nr.port_lo, nr.port_hi);
		net_rule_done(&nr);
	}
	strv_free(rules);

	/* localhost: both loopback addresses */
	snprintf(c.ip, sizeof(c.ip), "localhost");
	rules = NULL;
	assert_int_equal(jupyter_connection_allow_rules(&c, &rules), 0);
	assert_int_equal(strv_length(rules), 10);
	assert_string_equal(rules[5], "::1 tcp 5001");
	strv_free(rules);

	/* a host name other than localhost gets nothing: it would be resolved, not the kernel */
	snprintf(c.ip, sizeof(c.ip), "kernels.example");
	rules = NULL;
	assert_int_equal(jupyter_connection_allow_rules(&c, &rules), 0);
	assert_null(rules);
}

static void test_proc_net_listen_port(void **state)
{
	(void)state;
	assert_int_equal(jupyter_proc_net_listen_port("  sl  local_address rem_address   st "
	                                              "tx_queue rx_queue"),
	                 -1);
	assert_int_equal(jupyter_proc_net_listen_port("   0: 0100007F:1F90 00000000:0000 0A "
	                                              "00000000:00000000 00:00000000 00000000"),
	                 8080);
	/* established (01) and TIME_WAIT (06) sockets listen on nothing */
	assert_int_equal(jupyter_proc_net_listen_port("  12: 0100007F:1F90 0100007F:D431 01 0"),
	                 -1);
	assert_int_equal(jupyter_proc_net_listen_port("  13: 0100007F:1F90 0100007F:D431 06 0"),
	                 -1);
	/* tcp6: a 32-digit address */
	assert_int_equal(jupyter_proc_net_listen_port(
				 "   1: 00000000000000000000000001000000:E2D3 "
				 "00000000000000000000000000000000:0000 0A 00000000:00000000"),
	                 58067);
	assert_int_equal(jupyter_proc_net_listen_port(""), -1);
	assert_int_equal(jupyter_proc_net_listen_port("   0: garbage"), -1);
	assert_string_equal(jupyter_channel_key(JUPYTER_SHELL), "shell_port");
	assert_null(jupyter_channel_key(_JUPYTER_CHANNEL_MAX));
}

static void expect_refused(const char *text, const char *why)
{
	struct jupyter_connection c;
	char *err = NULL;

	assert_int_equal(jupyter_connection_parse(text, strlen(text), &c, &err), -EINVAL);
	assert_non_null(err);
	if (!strstr(err, why))
		fail_msg("'%s' does not say '%s'", err, why);
	free(err);
}

static void test_parse_refusals(void **state)
{
	char *big = malloc(JUPYTER_MAX_CONNECTION_FILE + 2);

	(void)state;
	expect_refused("", "not JSON");
	expect_refused("[1]", "not a JSON object");
	expect_refused("{\"transport\": \"ipc\"}", "ipc transport");
	expect_refused("{\"transport\": \"tcp\"}", "\"ip\"");
	expect_refused("{\"transport\": \"tcp\", \"ip\": \"127.0.0.1\", \"shell_port\": 0}",
	               "shell_port");
	expect_refused("{\"transport\": \"tcp\", \"ip\": \"127.0.0.1\", \"shell_port\": 70000}",
	               "shell_port");
	expect_refused("{\"transport\": \"tcp\", \"ip\": \"127.0.0.1\", \"shell_port\": \"1\"}",
	               "shell_port");
	expect_refused("{\"transport\": \"tcp\", \"ip\": \"127.0.0.1\", \"shell_port\": 1, "
	               "\"iopub_port\": 1}",
	               "the same port");
	expect_refused("{\"shell_port\": 5001, \"iopub_port\": 5002, \"stdin_port\": 5003, "
	               "\"control_port\": 5004, \"hb_port\": 5005, \"ip\": \"127.0.0.1\", "
	               "\"key\": \"\", \"transport\": \"tcp\"}",
	               "not be signed");
	expect_refused("{\"ip\": \"a\", \"ip\": \"b\", \"transport\": \"tcp\"}", "not JSON");
	assert_non_null(big);
	memset(big, ' ', JUPYTER_MAX_CONNECTION_FILE + 1);
	big[JUPYTER_MAX_CONNECTION_FILE + 1] = 0;
	expect_refused(big, "larger than");
	free(big);
}

static void test_loopback(void **state)
{
	(void)state;
	assert_true(jupyter_ip_is_loopback("127.0.0.1"));
	assert_true(jupyter_ip_is_loopback("127.255.0.9"));
	assert_true(jupyter_ip_is_loopback("::1"));
	assert_true(jupyter_ip_is_loopback("::ffff:127.0.0.1"));
	assert_true(jupyter_ip_is_loopback("localhost"));
	assert_false(jupyter_ip_is_loopback("0.0.0.0"));
	assert_false(jupyter_ip_is_loopback("*"));
	assert_false(jupyter_ip_is_loopback("::"));
	assert_false(jupyter_ip_is_loopback("10.0.0.1"));
	assert_false(jupyter_ip_is_loopback("128.0.0.1"));
	assert_false(jupyter_ip_is_loopback("::ffff:10.0.0.1"));
	assert_false(jupyter_ip_is_loopback("localhost.example.com"));
}

#define S (USEC_PER_SEC)

static void test_strikes_wait(void **state)
{
	struct strikes st = {.count = 1, .last_usec = 1000 * S};

	(void)state;
	/* one strike of two: may start at once */
	assert_int_equal(strikes_wait(&st, 1001 * S, 2, 60 * S), 0);
	st.count = 2;
	assert_int_equal(strikes_wait(&st, 1001 * S, 2, 60 * S), 59);
	assert_int_equal(strikes_wait(&st, 1059 * S + 1, 2, 60 * S), 1);
	assert_int_equal(strikes_wait(&st, 1060 * S, 2, 60 * S), 0);
	/* max: never refused */
	st.count = 1000;
	assert_int_equal(strikes_wait(&st, 1001 * S, VALUE_MAX, 60 * S), 0);
	/* a clock that went back waits a whole cooldown */
	assert_int_equal(strikes_wait(&st, 10 * S, 2, 60 * S), 60);
}

static void test_strikes_rules(void **state)
{
	(void)state;
	assert_true(strikes_rule_counts("violations.exec"));
	assert_true(strikes_rule_counts("violations.network"));
	assert_true(strikes_rule_counts("syscalls.action"));
	assert_true(strikes_rule_counts("limits.runaway"));
	assert_true(strikes_rule_counts("limits.memory"));
	assert_false(strikes_rule_counts("limits.wall_time"));
	assert_false(strikes_rule_counts("admin"));
	assert_false(strikes_rule_counts("client"));
	assert_false(strikes_rule_counts("budget.cpu"));
	assert_false(strikes_rule_counts("oom"));
}

static void test_strikes_names_and_text(void **state)
{
	char a[17], b[17], c[17], d[17], buf[160];
	struct strikes st = {.count = 3, .last_usec = 42}, back;

	(void)state;
	strikes_name(1000, "analyst", "/r/k.json", a);
	strikes_name(1000, "analyst", "/r/k.json", b);
	strikes_name(1001, "analyst", "/r/k.json", c);
	strikes_name(1000, "analyst", "/r/k2.json", d);
	assert_int_equal(strlen(a), 16);
	assert_string_equal(a, b);
	assert_string_not_equal(a, c);
	assert_string_not_equal(a, d);
	snprintf(st.rule, sizeof(st.rule), "violations.exec");
	assert_true(strikes_format(&st, buf, sizeof(buf)) > 0);
	assert_int_equal(strikes_parse(buf, &back), 0);
	assert_int_equal(back.count, 3);
	assert_int_equal(back.last_usec, 42);
	assert_string_equal(back.rule, "violations.exec");
	assert_int_equal(strikes_parse("3 42 violations.exec", &back), -EINVAL);
	assert_int_equal(strikes_parse("x 42 a\n", &back), -EINVAL);
	assert_int_equal(strikes_parse("3 42 a\njunk", &back), -EINVAL);
}

static void test_strikes_files(void **state)
{
	char dir[] = "/tmp/nbw-strikes-XXXXXX", sub[64];
	struct strikes st;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(sub, sizeof(sub), "%s/s", dir);
	assert_int_equal(strikes_load(sub, "k", &st), 0);
	assert_int_equal(st.count, 0);
	assert_int_equal(strikes_add(sub, "k", "violations.exec", 100 * S, 600 * S), 0);
	assert_int_equal(strikes_add(sub, "k", "limits.runaway", 110 * S, 600 * S), 0);
	assert_int_equal(strikes_load(sub, "k", &st), 0);
	assert_int_equal(st.count, 2);
	assert_int_equal(st.last_usec, 110 * S);
	assert_string_equal(st.rule, "limits.runaway");
	/* forgotten after forget_usec: the next kill is the first again */
	assert_int_equal(strikes_add(sub, "k", "violations.exec", 710 * S, 600 * S), 0);
	assert_int_equal(strikes_load(sub, "k", &st), 0);
	assert_int_equal(st.count, 1);
	assert_int_equal(strikes_clear(sub, "k"), 0);
	assert_int_equal(strikes_load(sub, "k", &st), 0);
	assert_int_equal(st.count, 0);
	assert_int_equal(strikes_clear(sub, "k"), 0);
	assert_int_equal(rmdir(sub), 0);
	assert_int_equal(rmdir(dir), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_find),
		cmocka_unit_test(test_option_valid),
		cmocka_unit_test(test_parse_good),
		cmocka_unit_test(test_parse_refusals),
		cmocka_unit_test(test_loopback),
		cmocka_unit_test(test_strikes_wait),
		cmocka_unit_test(test_strikes_rules),
		cmocka_unit_test(test_strikes_names_and_text),
		cmocka_unit_test(test_strikes_files),
		cmocka_unit_test(test_allow_rules),
		cmocka_unit_test(test_proc_net_listen_port),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
