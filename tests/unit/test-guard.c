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
#include <time.h>

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
	/*
	 * The exec guard always; an exec violation ends the sandbox; in mode none
	 * only the private loopback, no allow-list
	 */
	assert_int_equal(pol.flags, NBW_EXEC_GUARD | NBW_EXEC_KILL | NBW_NET_PRIVATE);
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

static bool bit_prefix_match(const uint8_t *a, const uint8_t *b, unsigned len)
{
	for (unsigned bit = 0; bit < len; bit++)
		if ((a[bit / 8] ^ b[bit / 8]) & (0x80 >> (bit % 8)))
			return false;
	return true;
}

/* What the kernel does: the longest entry containing the address, then its ranges. */
static bool trie_allows(const struct guard_plan *p, const uint8_t addr[16], uint8_t proto,
                        uint16_t port)
{
	const struct nbw_trie_value *best = NULL;
	unsigned best_len = 0;

	for (size_t i = 0; i < p->n_trie; i++) {
		unsigned len = p->trie_keys[i].prefixlen - 64;

		if (bit_prefix_match(p->trie_keys[i].data + 8, addr, len) &&
		    (!best || len > best_len)) {
			best = &p->trie_values[i];
			best_len = len;
		}
	}
	for (uint32_t i = 0; best && i < best->n; i++)
		if ((best->ranges[i].protos & proto) && best->ranges[i].lo <= port &&
		    port <= best->ranges[i].hi)
			return true;
	return false;
}

/* What the rules say, read literally. */
static bool rules_allow(const struct guard_net_rule *r, size_t n, const uint8_t addr[16],
                        uint8_t proto, uint16_t port)
{
	for (size_t i = 0; i < n; i++)
		if (bit_prefix_match(r[i].addr, addr, r[i].prefix) && (r[i].protos & proto) &&
		    r[i].port_lo <= port && port <= r[i].port_hi)
			return true;
	return false;
}

/*
 * Random rule sets in a small IPv4 space (many nested and repeated
 * prefixes): every address and port probed gets the same answer from the
 * planned trie as from the rules, and no prefix gets two entries.
 */
static void test_trie_matches_rules(void **state)
{
	static const uint8_t lens[] = {96, 104, 112, 120, 124, 126, 128};
	unsigned planned = 0, seed = 12345;

	(void)state;
	for (int set = 0; set < 300; set++) {
		struct guard_net_rule rules[30];
		size_t n = 1 + (size_t)(rand_r(&seed) % ELEMENTSOF(rules));
		struct guard_plan p = {0};
		char *err = NULL;
		int r;

		for (size_t i = 0; i < n; i++) {
			uint16_t lo = (uint16_t)(rand_r(&seed) % 3 * 300);

			rules[i] = (struct guard_net_rule){
				.prefix = lens[rand_r(&seed) % ELEMENTSOF(lens)],
				.protos = (uint8_t)(1 + rand_r(&seed) % 3),
				.port_lo = lo,
				.port_hi = (uint16_t)(lo + rand_r(&seed) % 150)};
			rules[i].addr[10] = rules[i].addr[11] = 0xff;
			rules[i].addr[12] = 10;
			rules[i].addr[14] = (uint8_t)(rand_r(&seed) % 4);
			rules[i].addr[15] = (uint8_t)(rand_r(&seed) % 8);
		}
		r = guard_plan_net(&p, 9, rules, n, &err);
		if (r == -E2BIG) {
			free(err);
			guard_plan_done(&p);
			continue;
		}
		assert_int_equal(r, 0);
		planned++;
		for (size_t i = 0; i < p.n_trie; i++)
			for (size_t j = i + 1; j < p.n_trie; j++)
				assert_false(p.trie_keys[i].prefixlen == p.trie_keys[j].prefixlen &&
				             memcmp(p.trie_keys[i].data, p.trie_keys[j].data, 24) ==
				                     0);
		for (int probe = 0; probe < 200; probe++) {
			uint8_t a[16] = {[10] = 0xff, [11] = 0xff, [12] = 10};
			uint16_t port = (uint16_t)(rand_r(&seed) % 1000);
			uint8_t proto = (uint8_t)(1 + rand_r(&seed) % 2);

			a[14] = (uint8_t)(rand_r(&seed) % 5);
			a[15] = (uint8_t)(rand_r(&seed) % 10);
			if (trie_allows(&p, a, proto, port) !=
			    rules_allow(rules, n, a, proto, port))
				fail_msg("set %d: 10.0.%u.%u proto %u port %u answered differently",
				         set, a[14], a[15], proto, port);
		}
		guard_plan_done(&p);
	}
	/* most sets fit within the ranges limit, so the comparison did run */
	print_message("%u of 300 rule sets planned\n", planned);
	assert_true(planned > 200);
}

static uint64_t mono_usec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

/* Planning a large allow-list stays fast (it runs at every launch). */
static void test_trie_large_plan(void **state)
{
	enum { N = 20000 };
	struct guard_net_rule *rules = calloc(N, sizeof(*rules));
	struct guard_plan p = {0};
	char *err = NULL;
	uint64_t t0;

	(void)state;
	assert_non_null(rules);
	for (size_t i = 0; i < N; i++) {
		rules[i] = rule4("10.0.0.0", 32, NBW_PROTO_TCP, 443, 443);
		rules[i].addr[13] = (uint8_t)(i >> 8);
		rules[i].addr[14] = (uint8_t)i;
		rules[i].prefix = (uint8_t)(i % 3 == 0 ? 120 : 128);
	}
	rules[0].prefix = 96 + 8; /* 10/8 covers all of them */
	t0 = mono_usec();
	assert_int_equal(guard_plan_net(&p, 1, rules, N, &err), 0);
	/* a quadratic plan takes seconds here; a sorted one milliseconds */
	assert_true(mono_usec() - t0 < 1000000);
	assert_true(trie_allows(&p, rules[N - 1].addr, NBW_PROTO_TCP, 443));
	guard_plan_done(&p);
	free(rules);
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
		cmocka_unit_test(test_trie_matches_rules),
		cmocka_unit_test(test_trie_large_plan),
		cmocka_unit_test(test_exec_entries),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
