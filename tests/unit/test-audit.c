// SPDX-License-Identifier: GPL-2.0-or-later
/* Unit tests for the audit log: the chain, tampering, HMAC, rotation, retention, recovery. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "audit.h"
#include "util.h"

#define DAY_USEC (86400LL * 1000000)

static char dir[64];
static char log_path[128], head_path[160];
static int64_t fake_now;

static int64_t clock_fake(void)
{
	return fake_now;
}

static int setup(void **state)
{
	(void)state;
	strcpy(dir, "/tmp/nbw-audit-XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(log_path, sizeof(log_path), "%s/audit.jsonl", dir);
	snprintf(head_path, sizeof(head_path), "%s.head", log_path);
	/* in the future: files written now are older than any cutoff, names decide */
	fake_now = 1893456000LL * 1000000; /* 2030-01-01 */
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
	return 0;
}

static struct audit_config cfg(void)
{
	return (struct audit_config){.path = log_path,
	                             .fsync = AUDIT_FSYNC_BATCH,
	                             .rotate_size = VALUE_MAX,
	                             .retention_days = 180,
	                             .now_usec = clock_fake};
}

static void append_n(const struct audit_config *c, int n, const char *action)
{
	struct audit *a = NULL;
	char *err = NULL;

	assert_int_equal(audit_open(c, &a, &err), 0);
	for (int i = 0; i < n; i++) {
		char ts[40];
		time_t t = (time_t)(fake_now / 1000000);
		struct tm tm;
		json_t *ev;
		const char *line = NULL;
		size_t len = 0;

		gmtime_r(&t, &tm);
		strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S.000000Z", &tm);
		ev = json_pack("{s:s, s:{s:s}, s:i}", "@timestamp", ts, "event", "action", action,
		               "i", i);
		assert_int_equal(audit_append(a, ev, &line, &len), 0);
		assert_int_equal(strlen(line), len);
		assert_non_null(strstr(line, c->key_len ? ",\"hmac\":\"" : ",\"hash\":\""));
		json_decref(ev);
	}
	assert_int_equal(audit_close(a), 0);
}

/* 0 if the chain holds; 1 and the FILE:LINE error otherwise */
static int verify(const unsigned char *key, size_t key_len, bool with_head, char **ret_error)
{
	struct audit_verify_options o = {.key = key,
	                                 .key_len = key_len,
	                                 .head = with_head ? head_path : NULL,
	                                 .since_usec = INT64_MIN,
	                                 .until_usec = INT64_MAX};
	struct audit_verify_result res;
	char **files = NULL;
	int r;

	assert_int_equal(audit_list_files(log_path, &files), 0);
	r = audit_verify(files, &o, &res);
	strv_free(files);
	*ret_error = res.error ? strdup(res.error) : NULL;
	audit_verify_result_done(&res);
	return r;
}

static void expect_broken(const char *where, const char *what)
{
	char *err = NULL;

	assert_int_equal(verify(NULL, 0, true, &err), 1);
	assert_non_null(err);
	if (!strstr(err, where) || !strstr(err, what))
		fail_msg("expected '%s' ... '%s', got: %s", where, what, err);
	free(err);
}

static char *slurp(const char *path, size_t *ret_len)
{
	FILE *f = fopen(path, "re");
	char *buf = NULL;
	size_t cap = 0;

	assert_non_null(f);
	assert_int_equal(getdelim(&buf, &cap, 0, f) >= 0 || feof(f), 1);
	*ret_len = buf ? strlen(buf) : 0;
	fclose(f);
	return buf;
}

static void spit(const char *path, const char *text, size_t len)
{
	FILE *f = fopen(path, "we");

	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

/* Start of line n (1-based) in text. */
static char *line_at(char *text, int n)
{
	for (int i = 1; i < n; i++) {
		text = strchr(text, '\n');
		assert_non_null(text);
		text++;
	}
	return text;
}

static void test_clean_log_verifies(void **state)
{
	struct audit_config c = cfg();
	char *err = NULL, *text;
	size_t len;

	(void)state;
	append_n(&c, 10, "sandbox-start");
	append_n(&c, 5, "sandbox-exit"); /* a second writer goes on where the first stopped */
	assert_int_equal(verify(NULL, 0, true, &err), 0);
	assert_null(err);
	text = slurp(log_path, &len);
	/* the first record starts the chain; keys sorted; seq runs 1..15 */
	assert_non_null(strstr(text, "\"prev_hash\":\"0000000000000000000000000000000000000000"
	                             "000000000000000000000000\",\"seq\":1,"));
	assert_non_null(strstr(line_at(text, 15), "\"seq\":15,"));
	free(text);
}

static void test_edited_byte_detected(void **state)
{
	struct audit_config c = cfg();
	char *text, *p;
	size_t len;

	(void)state;
	append_n(&c, 10, "network-connect-denied");
	text = slurp(log_path, &len);
	p = strstr(line_at(text, 5), "connect");
	*p = 'k'; /* one byte of the 5th record */
	spit(log_path, text, len);
	free(text);
	expect_broken("audit.jsonl:5:", "altered");
}

static void test_deleted_line_detected(void **state)
{
	struct audit_config c = cfg();
	char *text, *l4, *l5;
	size_t len;

	(void)state;
	append_n(&c, 10, "exec-denied");
	text = slurp(log_path, &len);
	l4 = line_at(text, 4);
	l5 = line_at(text, 5);
	memmove(l4, l5, len - (size_t)(l5 - text) + 1);
	spit(log_path, text, strlen(text));
	free(text);
	expect_broken("audit.jsonl:4:", "missing or reordered");
}

static void test_reordered_lines_detected(void **state)
{
	struct audit_config c = cfg();
	char *text, *l3, *l4, *l5, *copy;
	size_t len, n3, n4;

	(void)state;
	append_n(&c, 10, "exec-denied");
	text = slurp(log_path, &len);
	l3 = line_at(text, 3);
	l4 = line_at(text, 4);
	l5 = line_at(text, 5);
	n3 = (size_t)(l4 - l3);
	n4 = (size_t)(l5 - l4);
	copy = malloc(n3 + n4);
	memcpy(copy, l4, n4);
	memcpy(copy + n4, l3, n3);
	memcpy(l3, copy, n3 + n4);
	free(copy);
	spit(log_path, text, len);
	free(text);
	expect_broken("audit.jsonl:3:", "missing or reordered");
}

static void test_truncated_tail_detected(void **state)
{
	struct audit_config c = cfg();
	char *text;
	size_t len;

	(void)state;
	append_n(&c, 10, "syscall-denied");
	text = slurp(log_path, &len);
	/* whole records cut off: only the head can tell */
	spit(log_path, text, (size_t)(line_at(text, 9) - text));
	expect_broken("audit.jsonl:8:", "cut off");
	/* cut in the middle of the last record */
	spit(log_path, text, (size_t)(line_at(text, 10) - text) + 20);
	expect_broken("audit.jsonl:10:", "cut short");
	free(text);
}

static void test_removed_first_records_detected(void **state)
{
	struct audit_config c = cfg();
	char *text, *err = NULL;
	size_t len;

	(void)state;
	append_n(&c, 6, "sandbox-start");
	text = slurp(log_path, &len);
	spit(log_path, line_at(text, 3), len - (size_t)(line_at(text, 3) - text));
	free(text);
	expect_broken("audit.jsonl:1:", "missing");
	/* without a head the chain is merely unanchored: the rest still verifies */
	assert_int_equal(verify(NULL, 0, false, &err), 0);
}

static void test_hmac_chain(void **state)
{
	static const unsigned char key[32] = "0123456789abcdef0123456789abcde";
	static const unsigned char other[32] = "fedcba9876543210fedcba987654321";
	struct audit_config c = cfg();
	char *err = NULL, *text, *p;
	struct audit *a = NULL;
	size_t len;

	(void)state;
	c.key = key;
	c.key_len = sizeof(key);
	append_n(&c, 5, "sandbox-start");
	if (verify(key, sizeof(key), true, &err) != 0)
		fail_msg("%s", err);
	/* the wrong key, or none, does not verify */
	assert_int_equal(verify(other, sizeof(other), true, &err), 1);
	assert_non_null(strstr(err, "altered"));
	free(err);
	assert_int_equal(verify(NULL, 0, true, &err), 1);
	assert_non_null(strstr(err, "key is needed"));
	free(err);

	/* someone without the key edits record 3 and rebuilds a plain-hash chain */
	text = slurp(log_path, &len);
	p = strstr(line_at(text, 3), "sandbox-start");
	p[8] = 'X';
	spit(log_path, text, (size_t)(line_at(text, 3) - text)); /* keep records 1-2 */
	free(text);
	unlink(head_path);
	c.key = NULL;
	c.key_len = 0;
	assert_int_equal(audit_open(&c, &a, &err), 0);
	for (int i = 0; i < 3; i++) {
		json_t *ev = json_pack("{s:{s:s}}", "event", "action", "forged");

		assert_int_equal(audit_append(a, ev, NULL, NULL), 0);
		json_decref(ev);
	}
	audit_close(a);
	assert_int_equal(verify(key, sizeof(key), false, &err), 1);
	assert_non_null(strstr(err, "audit.jsonl:3:"));
	assert_non_null(strstr(err, "without the key"));
	free(err);
}

static void test_rotation_chains_files(void **state)
{
	struct audit_config c = cfg();
	char **files = NULL, *err = NULL, *text;
	size_t len;

	(void)state;
	c.rotate_size = 4096;
	for (int i = 0; i < 5; i++) {
		append_n(&c, 12, "network-send-denied");
		fake_now += 1000000; /* rotated names are a second apart */
	}
	assert_int_equal(audit_list_files(log_path, &files), 0);
	assert_true(strv_length(files) >= 3);
	assert_string_equal(files[strv_length(files) - 1], log_path);
	/* every file but the first starts where the previous one ended */
	text = slurp(files[1], &len);
	assert_null(strstr(text, "\"seq\":1,"));
	free(text);
	strv_free(files);
	assert_int_equal(verify(NULL, 0, true, &err), 0);

	/* the live file deleted after a rotation: the head notices */
	unlink(log_path);
	{
		char **left = NULL;
		struct stat st;

		assert_int_equal(audit_list_files(log_path, &left), 0);
		assert_int_equal(stat(left[0], &st), 0);
		strv_free(left);
	}
	expect_broken("audit.jsonl.", "cut off");
}

static void test_daily_rotation(void **state)
{
	struct audit_config c = cfg();
	char **files = NULL, *err = NULL;

	(void)state;
	c.rotate_daily = true;
	append_n(&c, 3, "sandbox-start");
	fake_now += DAY_USEC;
	append_n(&c, 3, "sandbox-start");
	assert_int_equal(audit_list_files(log_path, &files), 0);
	assert_int_equal(strv_length(files), 2);
	strv_free(files);
	assert_int_equal(verify(NULL, 0, true, &err), 0);
}

static void test_retention_removes_only_old_files(void **state)
{
	struct audit_config c = cfg();
	char **files = NULL, *err = NULL;

	(void)state;
	c.rotate_daily = true;
	/* files for days 0..3, then 178, 179, 181 and 200 days later */
	for (int d = 0; d < 4; d++) {
		append_n(&c, 2, "sandbox-start");
		fake_now += DAY_USEC;
	}
	fake_now += 174 * DAY_USEC; /* day 178 */
	append_n(&c, 2, "sandbox-start");
	assert_int_equal(audit_list_files(log_path, &files), 0);
	/* nothing is past 180 days yet: all day files are kept */
	if (strv_length(files) != 5)
		for (char **f = files; *f; f++)
			print_message("%s\n", *f);
	assert_int_equal(strv_length(files), 5);
	strv_free(files);

	fake_now += 4 * DAY_USEC; /* day 182: the cutoff is day 2 */
	append_n(&c, 2, "sandbox-start");
	assert_int_equal(audit_list_files(log_path, &files), 0);
	/* the files of days 0 and 1 went; day 2 (exactly 180 days old) stays */
	assert_int_equal(strv_length(files), 4);
	assert_non_null(strstr(files[0], ".2030010")); /* rotated on day 3 */
	strv_free(files);
	/* the chain now starts past the removed files, anchored by the head */
	assert_int_equal(verify(NULL, 0, true, &err), 0);

	fake_now += 20 * DAY_USEC; /* day 202: the cutoff is day 22 */
	append_n(&c, 2, "sandbox-start");
	assert_int_equal(audit_list_files(log_path, &files), 0);
	/* days 2 and 3 went; the files of days 178 and 182 stay, and the live one */
	assert_int_equal(strv_length(files), 3);
	strv_free(files);
	assert_int_equal(verify(NULL, 0, true, &err), 0);
}

static void test_torn_tail_recovered(void **state)
{
	struct audit_config c = cfg();
	char *err = NULL, *text;
	struct audit_verify_result res;
	struct audit_verify_options o = {
		.head = head_path, .since_usec = INT64_MIN, .until_usec = INT64_MAX};
	char *files[] = {log_path, NULL};
	size_t len;
	int fd;

	(void)state;
	append_n(&c, 4, "sandbox-start");
	/* a writer killed in the middle of a record it had not acknowledged */
	fd = open(log_path, O_WRONLY | O_APPEND | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "{\"@timestamp\":\"2026", 19), 19);
	close(fd);
	assert_int_equal(audit_verify(files, &o, &res), 0);
	assert_true(res.torn_tail);
	assert_int_equal(res.last_seq, 4);
	audit_verify_result_done(&res);
	/* the next writer cuts it off and goes on */
	append_n(&c, 2, "sandbox-exit");
	assert_int_equal(verify(NULL, 0, true, &err), 0);
	text = slurp(log_path, &len);
	assert_null(strstr(text, "{\"@timestamp\":\"2026{"));
	free(text);
}

static void test_concurrent_writers(void **state)
{
	struct audit_config c = cfg();
	struct audit_verify_result res;
	struct audit_verify_options o = {
		.head = head_path, .since_usec = INT64_MIN, .until_usec = INT64_MAX};
	char **files = NULL;

	(void)state;
	c.rotate_size = 64 * 1024;
	for (int k = 0; k < 4; k++) {
		pid_t pid = fork();

		assert_true(pid >= 0);
		if (pid == 0) {
			struct audit *a = NULL;
			char *err = NULL;

			if (audit_open(&c, &a, &err) < 0)
				_exit(1);
			for (int i = 0; i < 300; i++) {
				json_t *ev = json_pack("{s:i, s:i}", "writer", k, "i", i);

				if (audit_append(a, ev, NULL, NULL) < 0)
					_exit(2);
				json_decref(ev);
			}
			_exit(audit_close(a) < 0 ? 3 : 0);
		}
	}
	for (int k = 0; k < 4; k++) {
		int status;

		assert_true(wait(&status) > 0);
		assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	}
	assert_int_equal(audit_list_files(log_path, &files), 0);
	assert_int_equal(audit_verify(files, &o, &res), 0);
	assert_int_equal(res.records, 1200);
	assert_int_equal(res.last_seq, 1200);
	audit_verify_result_done(&res);
	strv_free(files);
}

static void test_since_until(void **state)
{
	struct audit_config c = cfg();
	struct audit_verify_result res;
	struct audit_verify_options o = {.since_usec = INT64_MIN, .until_usec = INT64_MAX};
	char **files = NULL;
	int64_t t1;

	(void)state;
	append_n(&c, 3, "a");
	fake_now += 3600LL * 1000000;
	t1 = fake_now;
	append_n(&c, 4, "b");
	fake_now += 3600LL * 1000000;
	append_n(&c, 5, "c");
	assert_int_equal(audit_list_files(log_path, &files), 0);
	o.since_usec = t1;
	o.until_usec = t1 + 60 * 1000000;
	assert_int_equal(audit_verify(files, &o, &res), 0);
	assert_int_equal(res.records, 4);
	assert_int_equal(res.first_seq, 4);
	assert_int_equal(res.last_seq, 7);
	audit_verify_result_done(&res);
	strv_free(files);
}

static void test_not_a_record(void **state)
{
	(void)state;
	spit(log_path, "hello\n", 6);
	expect_broken("audit.jsonl:1:", "not an audit record");
}

static void test_key_file_checks(void **state)
{
	char path[160], *err = NULL;
	unsigned char *key = NULL;
	size_t len = 0;

	(void)state;
	snprintf(path, sizeof(path), "%s/key", dir);
	spit(path, "short", 5);
	chmod(path, 0600);
	if (geteuid() == 0) {
		assert_int_equal(audit_read_key(path, &key, &len, &err), -EINVAL);
		free(err);
		spit(path, "0123456789abcdef0123456789abcdef", 32);
		chmod(path, 0644);
		assert_int_equal(audit_read_key(path, &key, &len, &err), -EPERM);
		free(err);
		chmod(path, 0600);
		assert_int_equal(audit_read_key(path, &key, &len, &err), 0);
		assert_int_equal(len, 32);
		free(key);
	} else {
		/* not root: a key we own is never acceptable */
		assert_int_equal(audit_read_key(path, &key, &len, &err), -EPERM);
		free(err);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_clean_log_verifies, setup, teardown),
		cmocka_unit_test_setup_teardown(test_edited_byte_detected, setup, teardown),
		cmocka_unit_test_setup_teardown(test_deleted_line_detected, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reordered_lines_detected, setup, teardown),
		cmocka_unit_test_setup_teardown(test_truncated_tail_detected, setup, teardown),
		cmocka_unit_test_setup_teardown(test_removed_first_records_detected, setup,
	                                        teardown),
		cmocka_unit_test_setup_teardown(test_hmac_chain, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rotation_chains_files, setup, teardown),
		cmocka_unit_test_setup_teardown(test_daily_rotation, setup, teardown),
		cmocka_unit_test_setup_teardown(test_retention_removes_only_old_files, setup,
	                                        teardown),
		cmocka_unit_test_setup_teardown(test_torn_tail_recovered, setup, teardown),
		cmocka_unit_test_setup_teardown(test_concurrent_writers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_since_until, setup, teardown),
		cmocka_unit_test_setup_teardown(test_not_a_record, setup, teardown),
		cmocka_unit_test_setup_teardown(test_key_file_checks, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
