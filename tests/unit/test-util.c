// SPDX-License-Identifier: GPL-2.0-or-later
/* Unit tests for supervisor/util.c: strict parsers, formatters, paths, string vectors. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

#define KiB (1ULL << 10)
#define MiB (1ULL << 20)
#define GiB (1ULL << 30)
#define TiB (1ULL << 40)
#define PiB (1ULL << 50)

/* A value the parsers never produce, to show an output parameter was left alone. */
#define UNTOUCHED 0xdeadbeefcafef00dULL

static void assert_size(const char *s, uint64_t want)
{
	uint64_t v = UNTOUCHED;

	if (parse_size(s, &v) != 0 || v != want)
		fail_msg("parse_size(\"%s\"): got %llu, want %llu", s, (unsigned long long)v,
		         (unsigned long long)want);
}

static void assert_size_fails(const char *s, int want_r)
{
	uint64_t v = UNTOUCHED;
	int r = parse_size(s, &v);

	if (r != want_r)
		fail_msg("parse_size(\"%s\") returned %d, want %d", s, r, want_r);
	assert_true(v == UNTOUCHED);
}

static void test_parse_size(void **state)
{
	(void)state;
	assert_size("2G", 2 * GiB);
	assert_size("512M", 512 * MiB);
	assert_size("64k", 64 * KiB);
	assert_size("64K", 64 * KiB);
	assert_size("1.5G", GiB + GiB / 2);
	assert_size("0.5K", 512);
	assert_size("1GiB", GiB);
	assert_size("1GB", GiB);
	assert_size("3T", 3 * TiB);
	assert_size("2P", 2 * PiB);
	assert_size("max", VALUE_MAX);
	assert_size("infinity", VALUE_MAX);
	assert_size("1073741824", GiB);
	assert_size("0", 0);
	assert_size("1.000", 1); /* three zero decimals are still whole bytes */

	assert_size_fails("", -EINVAL);
	assert_size_fails("-1", -EINVAL);
	assert_size_fails("+1", -EINVAL);
	assert_size_fails(" 1G", -EINVAL);
	assert_size_fails("1G ", -EINVAL);
	assert_size_fails("1.5", -EINVAL); /* fractional bytes */
	assert_size_fails("2X", -EINVAL);
	assert_size_fails("2GX", -EINVAL);
	assert_size_fails("2Gi", -EINVAL);
	assert_size_fails("G", -EINVAL);
	assert_size_fails("1.", -EINVAL);
	assert_size_fails(".5G", -EINVAL);
	assert_size_fails("1.2345G", -EINVAL);
	assert_size_fails("MAX", -EINVAL);
	assert_size_fails("99999999999999999999", -ERANGE);
	assert_size_fails("18446744073709551615P", -ERANGE);
	assert_size_fails("20000P", -ERANGE);
}

static void assert_duration(const char *s, uint64_t want)
{
	uint64_t v = UNTOUCHED;

	if (parse_duration(s, &v) != 0 || v != want)
		fail_msg("parse_duration(\"%s\"): got %llu, want %llu", s, (unsigned long long)v,
		         (unsigned long long)want);
}

static void assert_duration_fails(const char *s, int want_r)
{
	uint64_t v = UNTOUCHED;
	int r = parse_duration(s, &v);

	if (r != want_r)
		fail_msg("parse_duration(\"%s\") returned %d, want %d", s, r, want_r);
	assert_true(v == UNTOUCHED);
}

static void test_parse_duration(void **state)
{
	(void)state;
	assert_duration("8h", 8 * 3600 * USEC_PER_SEC);
	assert_duration("90s", 90 * USEC_PER_SEC);
	assert_duration("1h30min", 5400 * USEC_PER_SEC);
	assert_duration("1h30m", 5400 * USEC_PER_SEC);
	assert_duration("500ms", 500 * USEC_PER_MSEC);
	assert_duration("250us", 250);
	assert_duration("2d", 2 * 86400 * USEC_PER_SEC);
	assert_duration("1w", 7 * 86400 * USEC_PER_SEC);
	assert_duration("1.5h", 5400 * USEC_PER_SEC);
	assert_duration("1.5ms", 1500);
	assert_duration("30", 30 * USEC_PER_SEC);
	assert_duration("0", 0);
	assert_duration("1d2h3min4s5ms6us",
	                ((86400 + 2 * 3600 + 3 * 60 + 4) * USEC_PER_SEC) + 5 * USEC_PER_MSEC + 6);
	assert_duration("max", VALUE_MAX);
	assert_duration("infinity", VALUE_MAX);

	assert_duration_fails("", -EINVAL);
	assert_duration_fails("1h30", -EINVAL); /* bare number after a unit */
	assert_duration_fails("h", -EINVAL);
	assert_duration_fails("5y", -EINVAL);
	assert_duration_fails("1h 30min", -EINVAL);
	assert_duration_fails("-1s", -EINVAL);
	assert_duration_fails("1.2345s", -EINVAL);
	assert_duration_fails("1mi", -EINVAL);
	assert_duration_fails("99999999999999999999", -ERANGE);
	assert_duration_fails("300000000000d", -ERANGE);
	assert_duration_fails("200000000d200000000d", -ERANGE);
}

static void assert_cpus(const char *s, uint32_t want)
{
	uint32_t v = 0xdeadbeef;

	if (parse_cpus(s, &v) != 0 || v != want)
		fail_msg("parse_cpus(\"%s\"): got %u, want %u", s, v, want);
}

static void assert_cpus_fails(const char *s)
{
	uint32_t v = 0xdeadbeef;

	if (parse_cpus(s, &v) >= 0)
		fail_msg("parse_cpus(\"%s\") accepted (%u)", s, v);
	assert_int_equal(v, 0xdeadbeef);
}

static void test_parse_cpus(void **state)
{
	(void)state;
	assert_cpus("1.5", 1500);
	assert_cpus("0.01", 10);
	assert_cpus("0.5", 500);
	assert_cpus("1", 1000);
	assert_cpus("2.25", 2250);
	assert_cpus("4096", 4096000);

	assert_cpus_fails("0");
	assert_cpus_fails("0.001");
	assert_cpus_fails("0.009");
	assert_cpus_fails("1.2345");
	assert_cpus_fails("5000");
	assert_cpus_fails("4096.001");
	assert_cpus_fails("abc");
	assert_cpus_fails("");
	assert_cpus_fails("1.5x");
	assert_cpus_fails("-1");
	assert_cpus_fails("max");
}

static void test_parse_count(void **state)
{
	uint64_t v = UNTOUCHED;

	(void)state;
	assert_int_equal(parse_count("128", &v), 0);
	assert_true(v == 128);
	assert_int_equal(parse_count("0", &v), 0);
	assert_true(v == 0);
	assert_int_equal(parse_count("max", &v), 0);
	assert_true(v == VALUE_MAX);
	assert_int_equal(parse_count("infinity", &v), 0);
	assert_true(v == VALUE_MAX);

	v = UNTOUCHED;
	assert_int_equal(parse_count("", &v), -EINVAL);
	assert_int_equal(parse_count("-1", &v), -EINVAL);
	assert_int_equal(parse_count("12k", &v), -EINVAL);
	assert_int_equal(parse_count("1.0", &v), -EINVAL);
	assert_true(v == UNTOUCHED);
}

static void test_parse_uint(void **state)
{
	uint64_t v = UNTOUCHED;
	uint32_t w = 7;

	(void)state;
	assert_int_equal(parse_uint64("0", &v), 0);
	assert_true(v == 0);
	assert_int_equal(parse_uint64("42", &v), 0);
	assert_true(v == 42);
	assert_int_equal(parse_uint64("18446744073709551615", &v), 0);
	assert_true(v == UINT64_MAX);

	v = UNTOUCHED;
	assert_int_equal(parse_uint64("18446744073709551616", &v), -ERANGE);
	assert_int_equal(parse_uint64("+1", &v), -EINVAL);
	assert_int_equal(parse_uint64("-1", &v), -EINVAL);
	assert_int_equal(parse_uint64(" 1", &v), -EINVAL);
	assert_int_equal(parse_uint64("1 ", &v), -EINVAL);
	assert_int_equal(parse_uint64("0x10", &v), -EINVAL);
	assert_int_equal(parse_uint64("", &v), -EINVAL);
	assert_int_equal(parse_uint64(NULL, &v), -EINVAL);
	assert_int_equal(parse_uint64("1e3", &v), -EINVAL);
	assert_true(v == UNTOUCHED);

	assert_int_equal(parse_uint32("4294967295", &w), 0);
	assert_int_equal(w, UINT32_MAX);
	w = 7;
	assert_int_equal(parse_uint32("4294967296", &w), -ERANGE);
	assert_int_equal(parse_uint32("+5", &w), -EINVAL);
	assert_int_equal(w, 7);
}

static void test_format_exact(void **state)
{
	char buf[32];

	(void)state;
	assert_string_equal(format_size(2 * GiB, buf), "2G");
	assert_string_equal(format_size(512 * MiB, buf), "512M");
	assert_string_equal(format_size(1536 * MiB, buf), "1536M");
	assert_string_equal(format_size(64 * KiB, buf), "64K");
	assert_string_equal(format_size(1000, buf), "1000");
	assert_string_equal(format_size(0, buf), "0");
	assert_string_equal(format_size(VALUE_MAX, buf), "max");

	assert_string_equal(format_duration(5400 * USEC_PER_SEC, buf), "1h30min");
	assert_string_equal(format_duration(90 * USEC_PER_SEC, buf), "1min30s");
	assert_string_equal(format_duration(500 * USEC_PER_MSEC, buf), "500ms");
	assert_string_equal(format_duration(2 * 86400 * USEC_PER_SEC, buf), "2d");
	assert_string_equal(format_duration(0, buf), "0");
	assert_string_equal(format_duration(VALUE_MAX, buf), "max");

	assert_string_equal(format_cpus(1500, buf), "1.5");
	assert_string_equal(format_cpus(10, buf), "0.01");
	assert_string_equal(format_cpus(1000, buf), "1");
	assert_string_equal(format_cpus(1234, buf), "1.234");
	assert_string_equal(format_cpus(4096000, buf), "4096");

	assert_string_equal(format_count(256, buf), "256");
	assert_string_equal(format_count(VALUE_MAX, buf), "max");
}

static void test_format_round_trip(void **state)
{
	static const uint64_t sizes[] = {
		0,
		1,
		1023,
		1024,
		1536,
		4096,
		64 * KiB,
		512 * MiB,
		1536 * MiB,
		2 * GiB,
		3 * TiB + GiB,
		5 * PiB,
		VALUE_MAX,
		123456789,
		1000000000000ULL,
	};
	static const uint64_t durations[] = {
		0,
		1,
		999,
		USEC_PER_MSEC,
		1500,
		90 * USEC_PER_SEC,
		5400 * USEC_PER_SEC,
		8 * 3600 * USEC_PER_SEC,
		2 * 86400 * USEC_PER_SEC + 1,
		((86400 + 2 * 3600 + 3 * 60 + 4) * USEC_PER_SEC) + 5 * USEC_PER_MSEC + 6,
		VALUE_MAX - 1,
		VALUE_MAX,
	};
	static const uint32_t cpus[] = {10, 11, 100, 150, 999, 1000, 1500, 2250, 1234, 4096000};
	char buf[32];

	(void)state;
	for (size_t i = 0; i < ELEMENTSOF(sizes); i++) {
		uint64_t v = UNTOUCHED;

		format_size(sizes[i], buf);
		if (parse_size(buf, &v) != 0 || v != sizes[i])
			fail_msg("size %llu -> \"%s\" -> %llu", (unsigned long long)sizes[i], buf,
			         (unsigned long long)v);
	}
	for (size_t i = 0; i < ELEMENTSOF(durations); i++) {
		uint64_t v = UNTOUCHED;

		format_duration(durations[i], buf);
		if (parse_duration(buf, &v) != 0 || v != durations[i])
			fail_msg("duration %llu -> \"%s\" -> %llu",
			         (unsigned long long)durations[i], buf, (unsigned long long)v);
	}
	for (size_t i = 0; i < ELEMENTSOF(cpus); i++) {
		uint32_t v = 0;

		format_cpus(cpus[i], buf);
		if (parse_cpus(buf, &v) != 0 || v != cpus[i])
			fail_msg("cpus %u -> \"%s\" -> %u", cpus[i], buf, v);
	}
}

/*
 * Every value parse_size() accepts must print as something parse_size()
 * accepts again: "profile show" output is meant to be loadable.
 */
static void test_format_size_round_trip_of_parsed(void **state)
{
	static const char *const inputs[] = {"1.001P", "20.001P", "16000.5P", "1.999T", "7.3G"};

	(void)state;
	for (size_t i = 0; i < ELEMENTSOF(inputs); i++) {
		uint64_t a = UNTOUCHED, b = UNTOUCHED;
		char buf[32];
		int r;

		assert_int_equal(parse_size(inputs[i], &a), 0);
		format_size(a, buf);
		r = parse_size(buf, &b);
		if (r != 0 || a != b)
			fail_msg("\"%s\" = %llu prints as \"%s\", which parses as r=%d %llu",
			         inputs[i], (unsigned long long)a, buf, r, (unsigned long long)b);
	}
}

static void assert_canon(const char *in, const char *want)
{
	char *out = NULL;
	int r = path_canonicalize(in, &out);

	if (r != 0)
		fail_msg("path_canonicalize(\"%s\") = %d", in, r);
	assert_string_equal(out, want);
	free(out);
}

static void assert_canon_fails(const char *in, int want_r)
{
	char *out = (char *)0x1;
	int r = path_canonicalize(in, &out);

	if (r != want_r)
		fail_msg("path_canonicalize(\"%s\") = %d, want %d", in, r, want_r);
	assert_ptr_equal(out, (char *)0x1);
}

static void test_path_canonicalize(void **state)
{
	char *long_path;

	(void)state;
	assert_canon("//a/./b/", "/a/b");
	assert_canon("/", "/");
	assert_canon("///", "/");
	assert_canon("/.", "/");
	assert_canon("/./.", "/");
	assert_canon("/usr/bin", "/usr/bin");
	assert_canon("/a//b///c", "/a/b/c");
	assert_canon("/a/.b/..c/...", "/a/.b/..c/...");
	assert_canon("/a b/c", "/a b/c");

	assert_canon_fails("relative/path", -EINVAL);
	assert_canon_fails("./a", -EINVAL);
	assert_canon_fails("~/a", -EINVAL);
	assert_canon_fails("..", -EINVAL);
	assert_canon_fails("/..", -EINVAL);
	assert_canon_fails("/a/..", -EINVAL);
	assert_canon_fails("/a/../b", -EINVAL);
	assert_canon_fails("", -EINVAL);
	assert_canon_fails(NULL, -EINVAL);

	/* PATH_MAX - 1 characters is the longest accepted */
	long_path = malloc(PATH_MAX + 1);
	assert_non_null(long_path);
	memset(long_path, 'a', PATH_MAX);
	long_path[0] = '/';
	long_path[PATH_MAX - 1] = 0;
	assert_canon(long_path, long_path);
	long_path[PATH_MAX - 1] = 'a';
	long_path[PATH_MAX] = 0;
	assert_canon_fails(long_path, -ENAMETOOLONG);
	free(long_path);
}

static void test_path_startswith(void **state)
{
	(void)state;
	assert_true(path_startswith("/a", "/a"));
	assert_true(path_startswith("/a/b", "/a"));
	assert_true(path_startswith("/a/b/c", "/a/b"));
	assert_false(path_startswith("/ab", "/a"));
	assert_false(path_startswith("/a", "/a/b"));
	assert_false(path_startswith("/b/a", "/a"));
	assert_false(path_startswith("/proc2", "/proc"));
	assert_true(path_startswith("/", "/"));
	assert_true(path_startswith("/anything", "/"));
	assert_true(path_startswith("/deep/er/path", "/"));
}

static void assert_join(const char *a, const char *b, const char *want)
{
	char *j = path_join(a, b);

	assert_non_null(j);
	assert_string_equal(j, want);
	free(j);
}

static void test_path_join(void **state)
{
	(void)state;
	assert_join("/a", "b", "/a/b");
	assert_join("/a/", "b", "/a/b");
	assert_join("/a", "/b", "/a/b");
	assert_join("/a//", "//b/c", "/a/b/c");
	assert_join("/", "x.conf", "/x.conf");
	assert_join("dir", "x.conf", "dir/x.conf");
	assert_join(".", "base.conf", "./base.conf");
}

static void test_strv(void **state)
{
	char **l = NULL, **c, **w;

	(void)state;
	assert_int_equal(strv_length(NULL), 0);
	assert_false(strv_contains(NULL, "a"));
	strv_free(NULL);

	assert_int_equal(strv_extend(&l, "one"), 0);
	assert_int_equal(strv_extend(&l, "two"), 0);
	assert_int_equal(strv_consume(&l, strdup("three")), 0);
	assert_int_equal(strv_consume(&l, NULL), -ENOMEM);
	assert_int_equal(strv_length(l), 3);
	assert_string_equal(l[0], "one");
	assert_string_equal(l[1], "two");
	assert_string_equal(l[2], "three");
	assert_null(l[3]);
	assert_true(strv_contains(l, "two"));
	assert_false(strv_contains(l, "tw"));
	assert_false(strv_contains(l, NULL));

	c = strv_copy(l);
	assert_non_null(c);
	assert_int_equal(strv_length(c), 3);
	for (size_t i = 0; i < 3; i++) {
		assert_string_equal(c[i], l[i]);
		assert_ptr_not_equal(c[i], l[i]); /* deep copy */
	}
	strv_free(c);

	c = strv_copy(NULL);
	assert_non_null(c);
	assert_int_equal(strv_length(c), 0);
	strv_free(c);

	{
		size_t n = 0;

		/* the macro itself */
		STRV_FOREACH (s, l) {
			n++;
		}
		assert_int_equal(n, 3);
	}
	strv_free(l);

	w = strv_split_ws("  a\tbb \n ccc  ");
	assert_non_null(w);
	assert_int_equal(strv_length(w), 3);
	assert_string_equal(w[0], "a");
	assert_string_equal(w[1], "bb");
	assert_string_equal(w[2], "ccc");
	strv_free(w);

	w = strv_split_ws("");
	assert_non_null(w);
	assert_int_equal(strv_length(w), 0);
	strv_free(w);

	w = strv_split_ws(" \t ");
	assert_non_null(w);
	assert_int_equal(strv_length(w), 0);
	strv_free(w);
}

static void test_streq_isempty(void **state)
{
	(void)state;
	assert_true(streq("a", "a"));
	assert_false(streq("a", "b"));
	assert_false(streq(NULL, "a"));
	assert_false(streq("a", NULL));
	assert_false(streq(NULL, NULL));
	assert_true(isempty(NULL));
	assert_true(isempty(""));
	assert_false(isempty("x"));
}

/* The published FNV-1a 64 test vectors: the pin tag must stay stable across builds. */
static void test_fnv1a(void **state)
{
	(void)state;
	assert_true(fnv1a("", 0) == 0xcbf29ce484222325ULL);
	assert_true(fnv1a("a", 1) == 0xaf63dc4c8601ec8cULL);
	assert_true(fnv1a("foobar", 6) == 0x85944171f73967e8ULL);
}

static void test_env_name_is_valid(void **state)
{
	(void)state;
	assert_true(env_name_is_valid("PATH", 4));
	assert_true(env_name_is_valid("_", 1));
	assert_true(env_name_is_valid("_x1", 3));
	assert_true(env_name_is_valid("lower_case9", 11));
	assert_true(env_name_is_valid("FOO=bar", 3)); /* only the first len bytes count */
	assert_false(env_name_is_valid("FOO=bar", 4));
	assert_false(env_name_is_valid("", 0));
	assert_false(env_name_is_valid("X", 0));
	assert_false(env_name_is_valid("1A", 2));
	assert_false(env_name_is_valid("A-B", 3));
	assert_false(env_name_is_valid("A.B", 3));
	assert_false(env_name_is_valid("A B", 3));
	assert_false(env_name_is_valid("LC_*", 4));
	assert_false(env_name_is_valid("\xc3\xa9", 2));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_size),
		cmocka_unit_test(test_parse_duration),
		cmocka_unit_test(test_parse_cpus),
		cmocka_unit_test(test_parse_count),
		cmocka_unit_test(test_parse_uint),
		cmocka_unit_test(test_format_exact),
		cmocka_unit_test(test_format_round_trip),
		cmocka_unit_test(test_format_size_round_trip_of_parsed),
		cmocka_unit_test(test_path_canonicalize),
		cmocka_unit_test(test_path_startswith),
		cmocka_unit_test(test_path_join),
		cmocka_unit_test(test_strv),
		cmocka_unit_test(test_streq_isempty),
		cmocka_unit_test(test_env_name_is_valid),
		cmocka_unit_test(test_fnv1a),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
