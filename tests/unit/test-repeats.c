// SPDX-License-Identifier: GPL-2.0-or-later
/* Unit tests for the aggregation of repeated events: nothing uncounted. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "repeats.h"

struct seen {
	uint64_t total;
	unsigned calls;
	char last_key[REPEATS_KEY_MAX];
};

static void collect(void *ctx, const struct repeat *k, uint64_t n)
{
	struct seen *s = ctx;

	s->total += n;
	s->calls++;
	snprintf(s->last_key, sizeof(s->last_key), "%s", k->key);
}

static void test_detail_then_count(void **state)
{
	struct repeats *r = calloc(1, sizeof(*r));
	struct seen s = {0};
	unsigned logged = 0;

	(void)state;
	for (int i = 0; i < 15; i++)
		logged += repeats_note(r, "connect 10.0.0.1:443", "network-connect-denied");
	assert_int_equal(logged, REPEATS_DETAIL_MAX);
	repeats_flush(r, collect, &s);
	assert_int_equal(s.total, 5);
	assert_int_equal(s.calls, 1);
	/* a flush reports only what is new since the last one */
	repeats_flush(r, collect, &s);
	assert_int_equal(s.calls, 1);
	for (int i = 0; i < 3; i++)
		assert_false(repeats_note(r, "connect 10.0.0.1:443", "network-connect-denied"));
	repeats_flush(r, collect, &s);
	assert_int_equal(s.total, 8);
	/* another kind gets its own detail */
	assert_true(repeats_note(r, "syscall ptrace", "syscall-denied"));
	free(r);
}

static void test_overflow_kinds_counted(void **state)
{
	struct repeats *r = calloc(1, sizeof(*r));
	struct seen s = {0};
	uint64_t logged = 0, n = REPEATS_KINDS_MAX + 50;
	char key[32];

	(void)state;
	for (uint64_t i = 0; i < n; i++) {
		snprintf(key, sizeof(key), "kind %llu", (unsigned long long)i);
		logged += repeats_note(r, key, "network-connect-denied");
	}
	/* every tracked kind logs its first event; the kinds beyond are only counted */
	assert_int_equal(logged, REPEATS_KINDS_MAX);
	repeats_flush(r, collect, &s);
	assert_int_equal(s.total, 50);
	assert_string_equal(s.last_key, "other kinds");
	assert_int_equal(logged + s.total, n);
	free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_detail_then_count),
		cmocka_unit_test(test_overflow_kinds_counted),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
