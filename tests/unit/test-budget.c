// SPDX-License-Identifier: GPL-2.0-or-later
/* Unit tests for the budget ledger (window, retry times, saturation, save/load) and rate limits. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "budget.h"
#include "util.h"

#define SLOT  BUDGET_SLOT_USEC
#define S0    20000ULL /* a slot index: 2027-01-25 */
#define T0    (S0 * SLOT)
#define MIN60 (60 * USEC_PER_SEC)

static char dir[64];
static int dfd = -1;

static int setup(void **state)
{
	(void)state;
	strcpy(dir, "/tmp/nbw-budget-XXXXXX");
	assert_non_null(mkdtemp(dir));
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_true(dfd >= 0);
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	close(dfd);
	dfd = -1;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
	return 0;
}

static struct ledger *new_ledger(void)
{
	struct ledger *l = NULL;

	assert_int_equal(ledger_new(&l), 0);
	assert_non_null(l);
	return l;
}

static void usage_is(const struct ledger *l, uid_t uid, uint64_t now, uint64_t cpu, uint64_t io)
{
	uint64_t c = 1, i = 1;

	ledger_usage(l, uid, now, &c, &i);
	assert_int_equal(c, cpu);
	assert_int_equal(i, io);
}

static void write_file(const char *name, const char *text)
{
	int fd = openat(dfd, name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
}

static char *read_whole(const char *name)
{
	char *buf = calloc(1, 1 << 20);
	int fd = openat(dfd, name, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	assert_non_null(buf);
	assert_true(fd >= 0);
	n = read(fd, buf, (1 << 20) - 1);
	assert_true(n >= 0);
	close(fd);
	return buf;
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The names in the test directory, sorted, joined with spaces. */
static void dir_is(const char *want)
{
	char got[512] = "";
	char **names = NULL;
	struct dirent *de;
	DIR *d = opendir(dir);

	assert_non_null(d);
	while ((de = readdir(d)))
		if (de->d_name[0] != '.' ||
		    (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0))
			assert_int_equal(strv_extend(&names, de->d_name), 0);
	closedir(d);
	if (names)
		qsort(names, strv_length(names), sizeof(char *), name_cmp);
	STRV_FOREACH (n, names) {
		if (got[0])
			strcat(got, " ");
		strcat(got, *n);
	}
	strv_free(names);
	assert_string_equal(got, want);
}

/* ------------------------------------------------------------------------ */

static void test_window_rollover(void **state)
{
	struct ledger *l = new_ledger();

	(void)state;
	usage_is(l, 1001, T0, 0, 0);
	assert_int_equal(ledger_charge(l, 1001, T0, 10, 100), 0);
	assert_int_equal(ledger_charge(l, 1001, T0 + SLOT - 1, 5, 50), 0); /* same bucket */
	assert_int_equal(ledger_charge(l, 1001, T0 + SLOT, 1, 1), 0);      /* the next one */
	assert_int_equal(ledger_charge(l, 1002, T0, 7, 0), 0);
	assert_int_equal(ledger_charge(l, 1003, T0, 0, 0), 0); /* nothing: no user */
	usage_is(l, 1001, T0, 15, 150);
	usage_is(l, 1001, T0 + SLOT, 16, 151);
	/* the first bucket is in the window up to its start + 24h, exclusive */
	usage_is(l, 1001, T0 + BUDGET_WINDOW_USEC - 1, 16, 151);
	usage_is(l, 1001, T0 + BUDGET_WINDOW_USEC, 1, 1);
	usage_is(l, 1001, T0 + SLOT + BUDGET_WINDOW_USEC - 1, 1, 1);
	usage_is(l, 1001, T0 + SLOT + BUDGET_WINDOW_USEC, 0, 0);
	/* before the use, it is not counted either */
	usage_is(l, 1001, T0 - 1, 0, 0);
	usage_is(l, 1002, T0, 7, 0);
	usage_is(l, 4242, T0, 0, 0);
	/* a charge a day later lands in a fresh bucket; the old ones are gone */
	assert_int_equal(ledger_charge(l, 1001, T0 + BUDGET_WINDOW_USEC + SLOT, 3, 3), 0);
	usage_is(l, 1001, T0 + BUDGET_WINDOW_USEC + SLOT, 3, 3);
	/* a bad uid */
	assert_int_equal(ledger_charge(l, (uid_t)-1, T0, 1, 1), -EINVAL);
	ledger_free(l);
	ledger_free(NULL);
}

static void test_every_slot_of_a_day(void **state)
{
	struct ledger *l = new_ledger();

	(void)state;
	/* one unit per bucket for two days: always 96 units in the window */
	for (uint64_t s = 0; s < 2ULL * BUDGET_SLOTS; s++) {
		assert_int_equal(ledger_charge(l, 7, T0 + s * SLOT + s, 1, 2), 0);
		usage_is(l, 7, T0 + s * SLOT + SLOT - 1, s < BUDGET_SLOTS ? s + 1 : BUDGET_SLOTS,
		         2 * (s < BUDGET_SLOTS ? s + 1 : BUDGET_SLOTS));
	}
	ledger_free(l);
}

static void test_clock_back(void **state)
{
	struct ledger *l = new_ledger();
	uint64_t cpu, io;

	(void)state;
	/* buckets for a whole day, then the clock goes back two days */
	for (uint64_t s = 0; s < BUDGET_SLOTS; s++)
		assert_int_equal(ledger_charge(l, 7, T0 + s * SLOT, 1, 0), 0);
	assert_int_equal(ledger_charge(l, 7, T0 - 2 * BUDGET_WINDOW_USEC, 5, 0), 0);
	/* not forgotten: the use went into the first bucket after it */
	ledger_usage(l, 7, T0 + (BUDGET_SLOTS - 1) * SLOT, &cpu, &io);
	assert_int_equal(cpu, BUDGET_SLOTS + 5);
	ledger_free(l);
}

static void exhausted_is(const struct ledger *l, uint64_t now, uint64_t cpu_limit,
                         uint64_t io_limit, bool want, uint64_t want_retry)
{
	uint64_t retry = 12345;

	assert_int_equal(ledger_exhausted(l, 1001, now, cpu_limit, io_limit, &retry), want);
	assert_int_equal(retry, want_retry);
}

static void test_exhausted_retry(void **state)
{
	struct ledger *l = new_ledger();
	uint64_t now = T0 + 10 * SLOT + 123, retry;

	(void)state;
	assert_int_equal(ledger_charge(l, 1001, T0 + 17, 10, 1), 0);
	assert_int_equal(ledger_charge(l, 1001, T0 + SLOT, 20, 1), 0);
	assert_int_equal(ledger_charge(l, 1001, T0 + 5 * SLOT + 99, 30, 1), 0);
	/* 60 in all: below 61, reached at 60 */
	exhausted_is(l, now, 61, VALUE_MAX, false, 0);
	/* at 50, two buckets must go: the second leaves at its start + 24h */
	exhausted_is(l, now, 50, VALUE_MAX, true, (S0 + 1 + BUDGET_SLOTS) * SLOT - now);
	exhausted_is(l, now, 60, VALUE_MAX, true, (S0 + BUDGET_SLOTS) * SLOT - now);
	/* exactly at the boundary: one microsecond before, one to go; at it, free */
	exhausted_is(l, (S0 + 1 + BUDGET_SLOTS) * SLOT - 1, 50, VALUE_MAX, true, 1);
	exhausted_is(l, (S0 + 1 + BUDGET_SLOTS) * SLOT, 50, VALUE_MAX, false, 0);
	/* the newest bucket alone reaches 25: it must leave too */
	exhausted_is(l, now, 25, VALUE_MAX, true, (S0 + 5 + BUDGET_SLOTS) * SLOT - now);
	exhausted_is(l, now, 30, VALUE_MAX, true, (S0 + 5 + BUDGET_SLOTS) * SLOT - now);
	exhausted_is(l, now, 31, VALUE_MAX, true, (S0 + 1 + BUDGET_SLOTS) * SLOT - now);
	/* the later of the two limits decides */
	exhausted_is(l, now, 60, 2, true, (S0 + 1 + BUDGET_SLOTS) * SLOT - now);
	exhausted_is(l, now, VALUE_MAX, 3, true, (S0 + BUDGET_SLOTS) * SLOT - now);
	exhausted_is(l, now, VALUE_MAX, 4, false, 0);
	exhausted_is(l, now, VALUE_MAX, VALUE_MAX, false, 0);
	/* a limit of 0 is always reached: never again below it */
	exhausted_is(l, now, 0, VALUE_MAX, true, VALUE_MAX);
	/* an unknown uid is below any limit but 0 */
	assert_false(ledger_exhausted(l, 99, now, 1, 1, &retry));
	assert_int_equal(retry, 0);
	assert_true(ledger_exhausted(l, 99, now, 0, 1, NULL));
	ledger_free(l);
}

static void test_saturation(void **state)
{
	struct ledger *l = new_ledger();
	uint64_t now = T0 + 3 * SLOT, retry = 0;

	(void)state;
	assert_int_equal(ledger_charge(l, 1001, T0, UINT64_MAX - 1, 1), 0);
	assert_int_equal(ledger_charge(l, 1001, T0, 5, UINT64_MAX), 0);
	usage_is(l, 1001, now, UINT64_MAX, UINT64_MAX);
	/* two buckets whose sum saturates */
	assert_int_equal(ledger_charge(l, 1002, T0, UINT64_MAX / 2 + 1, 0), 0);
	assert_int_equal(ledger_charge(l, 1002, T0 + SLOT, UINT64_MAX / 2 + 1, 0), 0);
	assert_int_equal(ledger_charge(l, 1002, T0 + 2 * SLOT, 10, 0), 0);
	usage_is(l, 1002, now, UINT64_MAX, 0);
	/* no limit is no limit, even at the saturated sum */
	assert_false(ledger_exhausted(l, 1002, now, VALUE_MAX, VALUE_MAX, &retry));
	/* after the two huge buckets leave, 10 is left */
	assert_true(ledger_exhausted(l, 1002, now, 100, VALUE_MAX, &retry));
	assert_int_equal(retry, (S0 + 1 + BUDGET_SLOTS) * SLOT - now);
	assert_true(ledger_exhausted(l, 1002, now, 10, VALUE_MAX, &retry));
	assert_int_equal(retry, (S0 + 2 + BUDGET_SLOTS) * SLOT - now);
	ledger_free(l);
}

static void test_many_users(void **state)
{
	struct ledger *l = new_ledger();
	uid_t *uids = NULL;
	size_t n = 0;
	char id[32];

	(void)state;
	/* 10,000 users, each with use in 24 buckets; 1,000 sandboxes */
	for (uint64_t s = 0; s < 24; s++)
		for (uid_t u = 0; u < 10000; u++)
			assert_int_equal(ledger_charge(l, 10000 - u, T0 + s * SLOT, 1, u), 0);
	for (unsigned i = 0; i < 1000; i++) {
		snprintf(id, sizeof(id), "sb-%u", i);
		assert_int_equal(ledger_set_charged(l, id, i, 2ULL * i), 0);
	}
	for (uid_t u = 1; u <= 10000; u++)
		usage_is(l, u, T0 + 24 * SLOT, 24, 24 * (10000 - (uint64_t)u));
	assert_int_equal(ledger_users(l, T0 + 24 * SLOT, &uids, &n), 0);
	assert_int_equal(n, 10000);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(uids[i], i + 1);
	free(uids);
	for (unsigned i = 0; i < 1000; i++) {
		uint64_t cpu, io;

		snprintf(id, sizeof(id), "sb-%u", i);
		ledger_get_charged(l, id, &cpu, &io);
		assert_int_equal(cpu, i);
		assert_int_equal(io, 2 * i);
		if (i % 2)
			ledger_forget(l, id);
	}
	for (unsigned i = 0; i < 1000; i++) {
		uint64_t cpu = 1, io = 1;

		snprintf(id, sizeof(id), "sb-%u", i);
		ledger_get_charged(l, id, &cpu, &io);
		assert_int_equal(cpu, i % 2 ? 0 : i);
	}
	/* a day after the last use, nobody */
	assert_int_equal(ledger_users(l, T0 + 24 * SLOT + BUDGET_WINDOW_USEC, &uids, &n), 0);
	assert_int_equal(n, 0);
	free(uids);
	ledger_free(l);
}

static void test_users_in_window(void **state)
{
	struct ledger *l = new_ledger();
	uid_t *uids = NULL;
	size_t n = 7;

	(void)state;
	assert_int_equal(ledger_users(l, T0, &uids, &n), 0);
	assert_int_equal(n, 0);
	free(uids);
	assert_int_equal(ledger_charge(l, 30, T0, 1, 0), 0);
	assert_int_equal(ledger_charge(l, 0, T0 + SLOT, 0, 1), 0);
	assert_int_equal(ledger_charge(l, 20, T0 + 2 * SLOT, 1, 1), 0);
	assert_int_equal(ledger_users(l, T0 + 2 * SLOT, &uids, &n), 0);
	assert_int_equal(n, 3);
	assert_int_equal(uids[0], 0);
	assert_int_equal(uids[1], 20);
	assert_int_equal(uids[2], 30);
	free(uids);
	/* uid 30's bucket left */
	assert_int_equal(ledger_users(l, T0 + BUDGET_WINDOW_USEC, &uids, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(uids[0], 0);
	assert_int_equal(uids[1], 20);
	free(uids);
	ledger_free(l);
}

static void test_charged(void **state)
{
	struct ledger *l = new_ledger();
	char id64[65], id65[66];
	uint64_t cpu = 9, io = 9;

	(void)state;
	memset(id64, 'a', 64);
	id64[64] = 0;
	memset(id65, 'b', 65);
	id65[65] = 0;
	ledger_get_charged(l, "nb-1", &cpu, &io);
	assert_int_equal(cpu, 0);
	assert_int_equal(io, 0);
	assert_int_equal(ledger_set_charged(l, "nb-1", 5, 6), 0);
	assert_int_equal(ledger_set_charged(l, "nb-1", 7, 8), 0); /* replaces */
	assert_int_equal(ledger_set_charged(l, id64, 1, 1), 0);
	assert_int_equal(ledger_set_charged(l, "A_z-09", 1, 1), 0);
	ledger_get_charged(l, "nb-1", &cpu, &io);
	assert_int_equal(cpu, 7);
	assert_int_equal(io, 8);
	assert_int_equal(ledger_set_charged(l, "", 1, 1), -EINVAL);
	assert_int_equal(ledger_set_charged(l, NULL, 1, 1), -EINVAL);
	assert_int_equal(ledger_set_charged(l, id65, 1, 1), -EINVAL);
	assert_int_equal(ledger_set_charged(l, "a/b", 1, 1), -EINVAL);
	assert_int_equal(ledger_set_charged(l, "a b", 1, 1), -EINVAL);
	assert_int_equal(ledger_set_charged(l, "a.b", 1, 1), -EINVAL);
	assert_int_equal(ledger_set_charged(l, "é", 1, 1), -EINVAL);
	ledger_get_charged(l, id65, &cpu, &io);
	assert_int_equal(cpu, 0);
	ledger_forget(l, "nb-1");
	ledger_forget(l, "nb-1");
	ledger_forget(l, "no/such");
	ledger_get_charged(l, "nb-1", &cpu, &io);
	assert_int_equal(cpu, 0);
	assert_int_equal(io, 0);
	ledger_get_charged(l, id64, &cpu, &io);
	assert_int_equal(cpu, 1);
	ledger_free(l);
}

/* ------------------------------------------------------------------------ */
/* save and load */

static void test_round_trip(void **state)
{
	struct ledger *l = new_ledger(), *back = NULL;
	uint64_t now = T0 + BUDGET_WINDOW_USEC + 5 * SLOT, cpu, io;
	char *error = NULL, *text;
	struct stat st;

	(void)state;
	/* a missing file is an empty ledger */
	assert_int_equal(ledger_load(dfd, &back, &error), 0);
	assert_null(error);
	usage_is(back, 1001, now, 0, 0);
	ledger_free(back);
	back = NULL;

	assert_int_equal(ledger_charge(l, 1001, T0, 111, 222), 0); /* out of the window by now */
	assert_int_equal(ledger_charge(l, 1001, T0 + 6 * SLOT, 10, 20), 0);
	assert_int_equal(ledger_charge(l, 1001, now, 30, 40), 0);
	assert_int_equal(ledger_charge(l, 0, now, UINT64_MAX, 1), 0); /* saturated */
	assert_int_equal(ledger_charge(l, 4294967294U, now - 1, 1, 1), 0);
	assert_int_equal(ledger_set_charged(l, "nb-1", 5, 6), 0);
	assert_int_equal(ledger_set_charged(l, "x", 0, 0), 0);
	assert_int_equal(ledger_save(l, dfd, now), 0);
	dir_is("budgets.json");
	assert_int_equal(fstatat(dfd, BUDGET_FILE, &st, 0), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	text = read_whole(BUDGET_FILE);
	{
		char want[512];

		snprintf(want, sizeof(want),
		         "{\"version\":1,\"saved\":%llu,\"users\":{"
		         "\"0\":[[%llu,9223372036854775807,1]],"
		         "\"1001\":[[%llu,10,20],[%llu,30,40]],"
		         "\"4294967294\":[[%llu,1,1]]},"
		         "\"sandboxes\":{\"nb-1\":[5,6],\"x\":[0,0]}}\n",
		         (unsigned long long)now, S0 + BUDGET_SLOTS + 5, S0 + 6,
		         S0 + BUDGET_SLOTS + 5, S0 + BUDGET_SLOTS + 4);
		assert_string_equal(text, want);
	}
	free(text);

	assert_int_equal(ledger_load(dfd, &back, &error), 0);
	assert_null(error);
	usage_is(back, 1001, now, 40, 60);
	usage_is(back, 1001, now - 6 * SLOT, 10, 20); /* the old bucket was dropped */
	usage_is(back, 0, now, INT64_MAX, 1);
	usage_is(back, 4294967294U, now, 1, 1);
	ledger_get_charged(back, "nb-1", &cpu, &io);
	assert_int_equal(cpu, 5);
	assert_int_equal(io, 6);
	/* and it goes on charging */
	assert_int_equal(ledger_charge(back, 1001, now, 1, 1), 0);
	usage_is(back, 1001, now, 41, 61);
	/* saving what was loaded gives the same ledger */
	assert_int_equal(ledger_save(back, dfd, now), 0);
	ledger_free(back);
	back = NULL;
	assert_int_equal(ledger_load(dfd, &back, &error), 0);
	usage_is(back, 1001, now, 41, 61);
	ledger_free(back);
	ledger_free(l);
}

static void test_failed_save_keeps_old(void **state)
{
	struct ledger *l = new_ledger();
	struct rlimit saved_limit, small = {.rlim_cur = 64, .rlim_max = RLIM_INFINITY};
	char *before, *after, gone[80];
	int gone_fd;

	(void)state;
	assert_int_equal(ledger_charge(l, 1001, T0, 1, 1), 0);
	assert_int_equal(ledger_save(l, dfd, T0), 0);
	before = read_whole(BUDGET_FILE);
	for (uid_t u = 0; u < 100; u++)
		assert_int_equal(ledger_charge(l, u, T0, 1000000, 1000000), 0);

	/* writes past 64 bytes fail (EFBIG): deterministic, and root is no exception */
	signal(SIGXFSZ, SIG_IGN);
	assert_int_equal(getrlimit(RLIMIT_FSIZE, &saved_limit), 0);
	small.rlim_max = saved_limit.rlim_max;
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &small), 0);
	assert_int_equal(ledger_save(l, dfd, T0), -EFBIG);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &saved_limit), 0);
	signal(SIGXFSZ, SIG_DFL);
	after = read_whole(BUDGET_FILE);
	assert_string_equal(after, before);
	dir_is("budgets.json"); /* no temporary file left */
	free(after);

	/* rename fails: BUDGET_FILE is a non-empty directory; the temporary file goes */
	assert_int_equal(renameat(dfd, BUDGET_FILE, dfd, "keep"), 0);
	assert_int_equal(mkdirat(dfd, BUDGET_FILE, 0700), 0);
	write_file(BUDGET_FILE "/inside", "x");
	assert_true(ledger_save(l, dfd, T0) < 0);
	dir_is("budgets.json keep");
	after = read_whole(BUDGET_FILE "/inside");
	assert_string_equal(after, "x");
	free(after);

	/* a directory that was removed: nothing can be created in it */
	snprintf(gone, sizeof(gone), "%s/gone", dir);
	assert_int_equal(mkdir(gone, 0700), 0);
	gone_fd = open(gone, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_true(gone_fd >= 0);
	assert_int_equal(rmdir(gone), 0);
	assert_int_equal(ledger_save(l, gone_fd, T0), -ENOENT);
	close(gone_fd);
	assert_int_equal(ledger_save(l, -1, T0), -EINVAL);
	free(before);
	ledger_free(l);
}

/* The load fails with -EBADMSG, *ret untouched, and the message is want (a prefix if it ends in
 * '*'). */
static void load_bad(const char *text, const char *want)
{
	struct ledger *sentinel = (struct ledger *)&dfd, *l = sentinel;
	char *error = NULL;
	size_t n = strlen(want);

	if (text)
		write_file(BUDGET_FILE, text);
	assert_int_equal(ledger_load(dfd, &l, &error), -EBADMSG);
	assert_ptr_equal(l, sentinel);
	assert_non_null(error);
	if (want[n - 1] == '*' ? strncmp(error, want, n - 1) != 0 : strcmp(error, want) != 0)
		fail_msg("expected '%s', got '%s'", want, error);
	free(error);
}

#define HEAD "{\"version\":1,\"saved\":5,"

static void test_load_errors(void **state)
{
	char big[1024], path[128];
	int fd;

	(void)state;
	load_bad("", "budgets.json:1:0: *");
	load_bad("{", "budgets.json:1:1: *");
	load_bad("{} x", "budgets.json:1:4: end of file expected*");
	load_bad(HEAD "\"users\":{},\"users\":{},\"sandboxes\":{}}", "budgets.json:1:*");
	load_bad("[]", "budgets.json: expected an object");
	load_bad("{\"saved\":5,\"users\":{},\"sandboxes\":{}}",
	         "budgets.json: version: expected 1");
	load_bad("{\"version\":2,\"saved\":5,\"users\":{},\"sandboxes\":{}}",
	         "budgets.json: version: expected 1");
	load_bad("{\"version\":\"1\",\"saved\":5,\"users\":{},\"sandboxes\":{}}",
	         "budgets.json: version: expected 1");
	load_bad("{\"version\":1,\"saved\":-5,\"users\":{},\"sandboxes\":{}}",
	         "budgets.json: saved: expected a time in microseconds");
	load_bad("{\"version\":1,\"users\":{},\"sandboxes\":{}}",
	         "budgets.json: saved: expected a time in microseconds");
	load_bad(HEAD "\"users\":{},\"sandboxes\":{},\"extra\":1}",
	         "budgets.json: unknown key 'extra'");
	load_bad(HEAD "\"users\":[],\"sandboxes\":{}}", "budgets.json: users: expected an object");
	load_bad(HEAD "\"sandboxes\":{}}", "budgets.json: users: expected an object");
	load_bad(HEAD "\"users\":{}}", "budgets.json: sandboxes: expected an object");
	load_bad(HEAD "\"users\":{\"abc\":[]},\"sandboxes\":{}}",
	         "budgets.json: users.abc: not a uid");
	load_bad(HEAD "\"users\":{\"01001\":[]},\"sandboxes\":{}}",
	         "budgets.json: users.01001: not a uid");
	load_bad(HEAD "\"users\":{\"-1\":[]},\"sandboxes\":{}}",
	         "budgets.json: users.-1: not a uid");
	load_bad(HEAD "\"users\":{\"\":[]},\"sandboxes\":{}}", "budgets.json: users.: not a uid");
	load_bad(HEAD "\"users\":{\"4294967295\":[]},\"sandboxes\":{}}",
	         "budgets.json: users.4294967295: not a uid");
	load_bad(HEAD "\"users\":{\"4294967296\":[]},\"sandboxes\":{}}",
	         "budgets.json: users.4294967296: not a uid");
	load_bad(HEAD "\"users\":{\"a\\nb\":[]},\"sandboxes\":{}}",
	         "budgets.json: users.a?b: not a uid");
	load_bad(HEAD "\"users\":{\"1001\":{}},\"sandboxes\":{}}",
	         "budgets.json: users.1001: expected an array of [slot, cpu, io]");
	load_bad(HEAD "\"users\":{\"1001\":[[1,2,3],[2,2]]},\"sandboxes\":{}}",
	         "budgets.json: users.1001[1]: expected [slot, cpu, io]");
	load_bad(HEAD "\"users\":{\"1001\":[[1,2,3,4]]},\"sandboxes\":{}}",
	         "budgets.json: users.1001[0]: expected [slot, cpu, io]");
	load_bad(HEAD "\"users\":{\"1001\":[[1,2.5,3]]},\"sandboxes\":{}}",
	         "budgets.json: users.1001[0]: expected [slot, cpu, io]");
	load_bad(HEAD "\"users\":{\"1001\":[[1,2,\"3\"]]},\"sandboxes\":{}}",
	         "budgets.json: users.1001[0]: expected [slot, cpu, io]");
	load_bad(HEAD "\"users\":{\"1001\":[1]},\"sandboxes\":{}}",
	         "budgets.json: users.1001[0]: expected [slot, cpu, io]");
	load_bad(HEAD "\"users\":{\"1001\":[[1,2,3],[2,-2,3]]},\"sandboxes\":{}}",
	         "budgets.json: users.1001[1]: negative number");
	load_bad(HEAD "\"users\":{\"1001\":[[-1,2,3]]},\"sandboxes\":{}}",
	         "budgets.json: users.1001[0]: negative number");
	load_bad(HEAD "\"users\":{\"1001\":[[1,18446744073709551616,3]]},\"sandboxes\":{}}",
	         "budgets.json:1:63: too big integer*");
	load_bad(HEAD "\"users\":{\"1001\":[[20496382305,1,1]]},\"sandboxes\":{}}",
	         "budgets.json: users.1001[0]: slot 20496382305 out of range");
	load_bad(HEAD "\"users\":{\"1001\":[[7,1,1],[3,1,1],[7,2,2]]},\"sandboxes\":{}}",
	         "budgets.json: users.1001[2]: slot 7 appears twice");
	strcpy(big, HEAD "\"users\":{\"1\":[");
	for (int i = 0; i <= BUDGET_SLOTS; i++)
		strcat(big, i ? ",[0,0,0]" : "[0,0,0]");
	strcat(big, "]},\"sandboxes\":{}}");
	load_bad(big, "budgets.json: users.1: more than 96 buckets");
	load_bad(HEAD "\"users\":{},\"sandboxes\":[]}",
	         "budgets.json: sandboxes: expected an object");
	load_bad(HEAD "\"users\":{},\"sandboxes\":{\"a/b\":[1,2]}}",
	         "budgets.json: sandboxes.a/b: not a sandbox id");
	load_bad(HEAD "\"users\":{},\"sandboxes\":{\"\":[1,2]}}",
	         "budgets.json: sandboxes.: not a sandbox id");
	load_bad(HEAD "\"users\":{},\"sandboxes\":{\"nb\":[1]}}",
	         "budgets.json: sandboxes.nb: expected [cpu, io]");
	load_bad(HEAD "\"users\":{},\"sandboxes\":{\"nb\":[1,null]}}",
	         "budgets.json: sandboxes.nb: expected [cpu, io]");
	load_bad(HEAD "\"users\":{},\"sandboxes\":{\"nb\":[1,-1]}}",
	         "budgets.json: sandboxes.nb: negative number");

	/* not a regular file, a symbolic link, too large */
	assert_int_equal(unlinkat(dfd, BUDGET_FILE, 0), 0);
	assert_int_equal(mkdirat(dfd, BUDGET_FILE, 0700), 0);
	load_bad(NULL, "budgets.json: not a regular file");
	assert_int_equal(unlinkat(dfd, BUDGET_FILE, AT_REMOVEDIR), 0);
	assert_int_equal(mkfifoat(dfd, BUDGET_FILE, 0600), 0);
	load_bad(NULL, "budgets.json: not a regular file");
	assert_int_equal(unlinkat(dfd, BUDGET_FILE, 0), 0);
	write_file("real.json", HEAD "\"users\":{},\"sandboxes\":{}}");
	assert_int_equal(symlinkat("real.json", dfd, BUDGET_FILE), 0);
	load_bad(NULL, "budgets.json: is a symbolic link");
	assert_int_equal(unlinkat(dfd, BUDGET_FILE, 0), 0);
	snprintf(path, sizeof(path), "%s/%s", dir, BUDGET_FILE);
	fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, 64 * 1024 * 1024 + 1), 0); /* sparse */
	close(fd);
	load_bad(NULL, "budgets.json: larger than 67108864 bytes");
}

static void test_load_accepts(void **state)
{
	struct ledger *l = NULL;
	char *error = NULL;

	(void)state;
	write_file(BUDGET_FILE, HEAD "\"users\":{\"0\":[],\"1001\":[[20005,3,4],[20001,1,2]]},"
	                             "\"sandboxes\":{\"nb-1\":[9223372036854775807,0]}}");
	assert_int_equal(ledger_load(dfd, &l, &error), 0);
	assert_null(error);
	usage_is(l, 1001, 20005 * SLOT, 4, 6);
	usage_is(l, 1001, 20004 * SLOT, 1, 2);
	usage_is(l, 0, 20005 * SLOT, 0, 0);
	ledger_free(l);
	assert_int_equal(ledger_load(-1, &l, &error), -EINVAL);
}

/* ------------------------------------------------------------------------ */
/* rate limits */

static void test_ratelimit_window(void **state)
{
	struct ratelimit *rl = NULL;
	uint64_t t = 1000 * USEC_PER_SEC, retry = 0;

	(void)state;
	assert_int_equal(ratelimit_new(&rl), 0);
	assert_int_equal(ratelimit_take(rl, 1001, 3, t, &retry), 0);
	assert_int_equal(ratelimit_take(rl, 1001, 3, t + 1, &retry), 0);
	assert_int_equal(ratelimit_take(rl, 1001, 3, t + 2, &retry), 0);
	assert_int_equal(ratelimit_take(rl, 1001, 3, t + 3, &retry), -EBUSY);
	assert_int_equal(retry, MIN60 - 3);
	/* another user is not affected */
	assert_int_equal(ratelimit_take(rl, 1002, 3, t + 3, &retry), 0);
	/* one microsecond before the oldest leaves; then exactly when it leaves */
	assert_int_equal(ratelimit_take(rl, 1001, 3, t + MIN60 - 1, &retry), -EBUSY);
	assert_int_equal(retry, 1);
	assert_int_equal(ratelimit_take(rl, 1001, 3, t + MIN60, &retry), 0);
	/* full again: t + 1 leaves next */
	assert_int_equal(ratelimit_take(rl, 1001, 3, t + MIN60, &retry), -EBUSY);
	assert_int_equal(retry, 1);
	/* a refused launch is not recorded: at t + 1 + 60 s one place frees */
	assert_int_equal(ratelimit_take(rl, 1001, 3, t + MIN60 + 1, &retry), 0);
	/* a lowered limit: only the newest launch matters, it leaves at t + 2 min + 1 */
	assert_int_equal(ratelimit_take(rl, 1001, 1, t + MIN60 + 1, &retry), -EBUSY);
	assert_int_equal(retry, MIN60);
	/* a raised one */
	assert_int_equal(ratelimit_take(rl, 1001, 5, t + MIN60 + 2, &retry), 0);
	assert_int_equal(ratelimit_take(rl, 1001, 5, t + MIN60 + 2, &retry), 0);
	assert_int_equal(ratelimit_take(rl, 1001, 5, t + MIN60 + 2, &retry), 0);
	assert_int_equal(ratelimit_take(rl, 1001, 5, t + MIN60 + 2, &retry), 0);
	assert_int_equal(ratelimit_take(rl, 1001, 5, t + MIN60 + 2, &retry), -EBUSY);
	assert_int_equal(retry, MIN60 - 1);
	/* no limit: always, and nothing recorded */
	for (int i = 0; i < 10; i++)
		assert_int_equal(ratelimit_take(rl, 1003, 0, t, &retry), 0);
	assert_int_equal(ratelimit_take(rl, 1003, 1, t, &retry), 0);
	assert_int_equal(ratelimit_take(rl, 1003, 1, t, &retry), -EBUSY);
	assert_int_equal(retry, MIN60);
	/* early in the monotonic clock: no underflow */
	assert_int_equal(ratelimit_take(rl, 1004, 1, 0, &retry), 0);
	assert_int_equal(ratelimit_take(rl, 1004, 1, 5, &retry), -EBUSY);
	assert_int_equal(retry, MIN60 - 5);
	assert_int_equal(ratelimit_take(rl, 1004, 1, MIN60, &retry), 0);
	assert_int_equal(ratelimit_take(NULL, 1004, 1, 0, &retry), -EINVAL);
	ratelimit_free(rl);
	ratelimit_free(NULL);
}

static void test_ratelimit_cap(void **state)
{
	struct ratelimit *rl = NULL;
	uint64_t retry = 0;

	(void)state;
	assert_int_equal(ratelimit_new(&rl), 0);
	/* per_minute is capped at 100000 */
	for (unsigned i = 0; i < 100000; i++)
		assert_int_equal(ratelimit_take(rl, 1, UINT32_MAX, 5000 + i / 1000, &retry), 0);
	assert_int_equal(ratelimit_take(rl, 1, UINT32_MAX, 5100, &retry), -EBUSY);
	assert_int_equal(retry, MIN60 - 100);
	/* many users */
	for (uid_t u = 2; u < 10002; u++)
		assert_int_equal(ratelimit_take(rl, u, 2, 7, &retry), 0);
	for (uid_t u = 2; u < 10002; u++)
		assert_int_equal(ratelimit_take(rl, u, 2, 8, &retry), 0);
	for (uid_t u = 2; u < 10002; u++) {
		assert_int_equal(ratelimit_take(rl, u, 2, 9, &retry), -EBUSY);
		assert_int_equal(retry, MIN60 - 2);
	}
	ratelimit_free(rl);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_window_rollover),
		cmocka_unit_test(test_every_slot_of_a_day),
		cmocka_unit_test(test_clock_back),
		cmocka_unit_test(test_exhausted_retry),
		cmocka_unit_test(test_saturation),
		cmocka_unit_test(test_many_users),
		cmocka_unit_test(test_users_in_window),
		cmocka_unit_test(test_charged),
		cmocka_unit_test_setup_teardown(test_round_trip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_failed_save_keeps_old, setup, teardown),
		cmocka_unit_test_setup_teardown(test_load_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_load_accepts, setup, teardown),
		cmocka_unit_test(test_ratelimit_window),
		cmocka_unit_test(test_ratelimit_cap),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
