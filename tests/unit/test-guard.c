// SPDX-License-Identifier: GPL-2.0-or-later
/* Unit tests for the pure parts of the eBPF layer: policy flags and map entries. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "guard.h"
#include "profile.h"
#include "util.h"

static struct profile *load(const char *text)
{
	struct profile *p = NULL;
	char **errors = NULL;

	if (profile_load_string(text, "t.conf", NULL, &p, &errors) < 0) {
		for (char **e = errors; e && *e; e++)
			print_error("%s\n", *e);
		fail_msg("profile did not load");
	}
	strv_free(errors);
	return p;
}

static void test_policy_defaults(void **state)
{
	struct profile *p = load("[profile]\ndescription = x\n");
	struct nbw_policy pol = guard_policy_from_profile(p);

	(void)state;
	/* the exec guard always; an exec violation ends the sandbox; no network filter in mode none
	 */
	assert_int_equal(pol.flags, NBW_EXEC_GUARD | NBW_EXEC_KILL);
	assert_int_equal(pol.bind, NBW_BIND_LOOPBACK);
	profile_free(p);
}

static void test_policy_flags(void **state)
{
	struct profile *p = load("[network]\nmode = host\nbind = any\nlog = all\n"
	                         "[exec]\nlog = all\n"
	                         "[violations]\nexec = deny\nnetwork = kill\n");
	struct nbw_policy pol = guard_policy_from_profile(p);

	(void)state;
	assert_int_equal(pol.flags, NBW_NET_FILTER | NBW_NET_LOG_ALL | NBW_EXEC_GUARD |
	                                    NBW_EXEC_LOG_ALL | NBW_NET_KILL);
	assert_int_equal(pol.bind, NBW_BIND_ANY);
	profile_free(p);
	p = load("[network]\nmode = host\nbind = none\n");
	assert_int_equal(guard_policy_from_profile(p).bind, NBW_BIND_NONE);
	profile_free(p);
}

static struct guard_net_rule rule4(const char *addr, uint8_t len, uint8_t protos, uint16_t lo,
                                   uint16_t hi)
{
	struct guard_net_rule r = {
		.prefix = (uint8_t)(96 + len), .protos = protos, .port_lo = lo, .port_hi = hi};

	r.addr[10] = r.addr[11] = 0xff;
	assert_int_equal(inet_pton(AF_INET, addr, r.addr + 12), 1);
	return r;
}

static const struct nbw_trie_value *entry(const struct guard_plan *p, uint64_t cgid,
                                          const char *addr, uint8_t len)
{
	uint8_t a[16] = {0};

	a[10] = a[11] = 0xff;
	assert_int_equal(inet_pton(AF_INET, addr, a + 12), 1);
	for (size_t i = 0; i < p->n_trie; i++)
		if (p->trie_keys[i].prefixlen == 64u + 96 + len &&
		    memcmp(p->trie_keys[i].data, &cgid, 8) == 0 &&
		    memcmp(p->trie_keys[i].data + 8, a, 16) == 0)
			return &p->trie_values[i];
	fail_msg("no trie entry for %s/%u", addr, len);
	return NULL;
}

static void expect_range(const struct nbw_trie_value *v, uint32_t i, uint8_t protos, uint16_t lo,
                         uint16_t hi)
{
	assert_true(i < v->n);
	assert_int_equal(v->ranges[i].protos, protos);
	assert_int_equal(v->ranges[i].lo, lo);
	assert_int_equal(v->ranges[i].hi, hi);
}

/* A longest-prefix lookup only sees the most specific entry: it must carry the wider rules. */
static void test_trie_inheritance(void **state)
{
	struct guard_net_rule rules[] = {
		rule4("10.0.0.0", 8, NBW_PROTO_TCP, 443, 443),
		rule4("10.1.0.0", 16, NBW_PROTO_TCP, 5432, 5432),
		rule4("192.168.0.0", 16, NBW_PROTO_UDP, 53, 53),
	};
	struct guard_plan p = {0};
	const struct nbw_trie_value *v;
	char *err = NULL;

	(void)state;
	assert_int_equal(guard_plan_net(&p, 77, rules, ELEMENTSOF(rules), &err), 0);
	assert_null(err);
	assert_int_equal(p.n_trie, 3);
	v = entry(&p, 77, "10.0.0.0", 8);
	assert_int_equal(v->n, 1);
	expect_range(v, 0, NBW_PROTO_TCP, 443, 443);
	v = entry(&p, 77, "10.1.0.0", 16);
	assert_int_equal(v->n, 2);
	expect_range(v, 0, NBW_PROTO_TCP, 443, 443);
	expect_range(v, 1, NBW_PROTO_TCP, 5432, 5432);
	/* unrelated prefixes inherit nothing */
	v = entry(&p, 77, "192.168.0.0", 16);
	assert_int_equal(v->n, 1);
	expect_range(v, 0, NBW_PROTO_UDP, 53, 53);
	guard_plan_done(&p);
}

static void test_trie_host_bits_and_dedupe(void **state)
{
	/* the same prefix twice becomes one entry with both ranges, merged */
	struct guard_net_rule rules[] = {
		rule4("10.2.0.0", 16, NBW_PROTO_TCP, 1, 10),
		rule4("10.2.0.0", 16, NBW_PROTO_TCP, 5, 20),
		rule4("10.2.0.0", 16, NBW_PROTO_TCP, 21, 30), /* adjacent: merged too */
		rule4("10.2.0.0", 16, NBW_PROTO_UDP, 1, 10),
		rule4("10.2.0.0", 16, NBW_PROTO_TCP | NBW_PROTO_UDP, 100, 100),
	};
	struct guard_plan p = {0};
	const struct nbw_trie_value *v;
	char *err = NULL;

	(void)state;
	assert_int_equal(guard_plan_net(&p, 5, rules, ELEMENTSOF(rules), &err), 0);
	assert_int_equal(p.n_trie, 1);
	v = entry(&p, 5, "10.2.0.0", 16);
	assert_int_equal(v->n, 3);
	expect_range(v, 0, NBW_PROTO_TCP, 1, 30);
	expect_range(v, 1, NBW_PROTO_UDP, 1, 10);
	expect_range(v, 2, NBW_PROTO_TCP | NBW_PROTO_UDP, 100, 100);
	guard_plan_done(&p);
}

static void test_trie_too_many_ranges(void **state)
{
	struct guard_net_rule rules[NBW_PORT_RANGES + 1];
	struct guard_plan p = {0};
	char *err = NULL;

	(void)state;
	for (size_t i = 0; i < ELEMENTSOF(rules); i++)
		rules[i] = rule4("10.3.0.0", 16, NBW_PROTO_TCP, (uint16_t)(10 * i + 1),
		                 (uint16_t)(10 * i + 1));
	assert_int_equal(guard_plan_net(&p, 5, rules, ELEMENTSOF(rules), &err), -E2BIG);
	assert_non_null(err);
	assert_non_null(strstr(err, "port ranges"));
	free(err);
	guard_plan_done(&p);
	/* exactly the limit is fine */
	assert_int_equal(guard_plan_net(&p, 5, rules, NBW_PORT_RANGES, &err), 0);
	assert_int_equal(entry(&p, 5, "10.3.0.0", 16)->n, NBW_PORT_RANGES);
	guard_plan_done(&p);
}

static void test_trie_ipv6_and_keys(void **state)
{
	struct guard_net_rule r = {
		.prefix = 64, .protos = NBW_PROTO_TCP, .port_lo = 1, .port_hi = 65535};
	struct guard_plan p = {0};
	char *err = NULL;
	uint64_t cgid = 0x0102030405060708ULL;

	(void)state;
	assert_int_equal(inet_pton(AF_INET6, "2001:db8:1:2::", r.addr), 1);
	assert_int_equal(guard_plan_net(&p, cgid, &r, 1, &err), 0);
	assert_int_equal(p.n_trie, 1);
	assert_int_equal(p.trie_keys[0].prefixlen, 64 + 64);
	assert_memory_equal(p.trie_keys[0].data, &cgid, 8);
	assert_memory_equal(p.trie_keys[0].data + 8, r.addr, 16);
	guard_plan_done(&p);
	/* no rules, no entries */
	assert_int_equal(guard_plan_net(&p, cgid, NULL, 0, &err), 0);
	assert_int_equal(p.n_trie, 0);
}

static void test_exec_entries(void **state)
{
	struct guard_plan p = {0};

	(void)state;
	assert_int_equal(guard_plan_add_exec(&p, 1, 10, NBW_EXEC_FILE), 0);
	assert_int_equal(guard_plan_add_exec(&p, 1, 11, NBW_EXEC_DIR), 0);
	assert_int_equal(guard_plan_add_exec(&p, 1, 10, NBW_EXEC_FILE), 0);
	assert_int_equal(p.n_exec, 2);
	/* "only as an interpreter" wins, whichever comes first */
	assert_int_equal(guard_plan_add_exec(&p, 1, 10, NBW_EXEC_INTERP), 0);
	assert_int_equal(guard_plan_add_exec(&p, 1, 10, NBW_EXEC_FILE), 0);
	assert_int_equal(p.exec[0].kind, NBW_EXEC_INTERP);
	assert_int_equal(guard_plan_add_exec(&p, 2, 10, NBW_EXEC_FILE), 0); /* other device */
	assert_int_equal(p.n_exec, 3);
	assert_int_equal(guard_kdev(254, 1), (254u << 20) | 1);
	guard_plan_done(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_policy_defaults),
		cmocka_unit_test(test_policy_flags),
		cmocka_unit_test(test_trie_inheritance),
		cmocka_unit_test(test_trie_host_bits_and_dedupe),
		cmocka_unit_test(test_trie_too_many_ranges),
		cmocka_unit_test(test_trie_ipv6_and_keys),
		cmocka_unit_test(test_exec_entries),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
