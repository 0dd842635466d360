// SPDX-License-Identifier: GPL-2.0-or-later
/* Unit tests for mount_plan_compile() in supervisor/mount.c (pure: no mount is made). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "mount.h"
#include "profile.h"
#include "util.h"

static struct profile *load(const char *text)
{
	struct profile *p = NULL;
	char **errors = NULL;
	int r;

	r = profile_load_string(text, "t.conf", NULL, &p, &errors);
	if (r != 0) {
		for (char **e = errors; e && *e; e++)
			print_error("  %s\n", *e);
		strv_free(errors);
		fail_msg("profile_load_string() = %d", r);
	}
	strv_free(errors);
	return p;
}

static void expect_op(const struct mount_plan *m, size_t i, enum mount_op_type type,
                      const char *target, unsigned line)
{
	assert_true(i < m->n_ops);
	if (m->ops[i].type != type || !streq(m->ops[i].target, target) ||
	    m->ops[i].origin.line != line)
		fail_msg("op %zu is %s %s (line %u), want %s %s (line %u)", i,
		         mount_op_type_to_string(m->ops[i].type), m->ops[i].target,
		         m->ops[i].origin.line, mount_op_type_to_string(type), target, line);
	assert_string_equal(m->ops[i].origin.file, "t.conf");
	assert_int_equal(m->ops[i].source_fd, -1);
}

/* No operation may come before one of its parents. */
static void assert_parents_first(const struct mount_plan *m)
{
	for (size_t i = 0; i < m->n_ops; i++)
		for (size_t j = i + 1; j < m->n_ops; j++)
			if (path_startswith(m->ops[i].target, m->ops[j].target))
				fail_msg("%s comes before its parent %s", m->ops[i].target,
				         m->ops[j].target);
}

/* Compile and expect failure with an error "t.conf:LINE: ..." containing what. */
static void expect_compile_error(const char *text, const char *home, unsigned line,
                                 const char *what)
{
	struct profile *p = load(text);
	struct mount_plan m = {.ops = (struct mount_op *)0x1, .n_ops = 77};
	char *err = NULL, prefix[32];
	int r;
	bool ok;

	r = mount_plan_compile(p, home, &m, &err);
	snprintf(prefix, sizeof(prefix), "t.conf:%u: ", line);
	ok = r == -EINVAL && err && strncmp(err, prefix, strlen(prefix)) == 0 && strstr(err, what);
	if (!ok)
		print_error("  r = %d, error '%s'; want -EINVAL, '%s...%s'\n", r,
		            err ? err : "(null)", prefix, what);
	if (r == 0)
		mount_plan_done(&m);
	else
		assert_true(m.ops == (struct mount_op *)0x1 && m.n_ops == 77);
	free(err);
	profile_free(p);
	assert_true(ok);
}

static void test_plan_sorted_and_expanded(void **state)
{
	struct profile *p;
	struct mount_plan m = {NULL, 0};
	char *err = NULL;

	(void)state;
	p = load("[filesystem]\n"
	         "read_only = / /usr/share ~/notebooks/reference\n" /* 2 */
	         "hide = /home ~/.ssh /srv\n"                       /* 3 */
	         "writable = ~/notebooks ~/.cache/pip\n"            /* 4 */
	         "tmpfs = /tmp size=256M\n"                         /* 5 */
	         "tmpfs = ~/scratch size=64M mode=0700\n"           /* 6 */
	         "tmpfs = /dev/shm size=64M\n");                    /* 7 */
	assert_int_equal(mount_plan_compile(p, "/home/alice", &m, &err), 0);
	assert_null(err);
	assert_int_equal(m.n_ops, 10); /* read_only "/" is dropped */
	expect_op(&m, 0, MOUNT_OP_TMPFS, "/dev/shm", 7);
	expect_op(&m, 1, MOUNT_OP_HIDE, "/home", 3);
	expect_op(&m, 2, MOUNT_OP_BIND_RW, "/home/alice/.cache/pip", 4);
	expect_op(&m, 3, MOUNT_OP_HIDE, "/home/alice/.ssh", 3);
	expect_op(&m, 4, MOUNT_OP_BIND_RW, "/home/alice/notebooks", 4);
	expect_op(&m, 5, MOUNT_OP_BIND_RO, "/home/alice/notebooks/reference", 2);
	expect_op(&m, 6, MOUNT_OP_TMPFS, "/home/alice/scratch", 6);
	expect_op(&m, 7, MOUNT_OP_HIDE, "/srv", 3);
	expect_op(&m, 8, MOUNT_OP_TMPFS, "/tmp", 5);
	expect_op(&m, 9, MOUNT_OP_BIND_RO, "/usr/share", 2);
	assert_parents_first(&m);

	/* tmpfs size and mode carried through */
	assert_true(m.ops[0].size == 64ULL << 20);
	assert_int_equal(m.ops[0].mode, 01777);
	assert_true(m.ops[6].size == 64ULL << 20);
	assert_int_equal(m.ops[6].mode, 0700);
	assert_true(m.ops[8].size == 256ULL << 20);
	assert_int_equal(m.ops[8].mode, 01777);
	mount_plan_done(&m);
	assert_null(m.ops);
	assert_int_equal(m.n_ops, 0);
	profile_free(p);
}

static void test_plan_parents_first_whatever_the_key(void **state)
{
	struct profile *p;
	struct mount_plan m = {NULL, 0};
	char *err = NULL;

	(void)state;
	/* children listed before parents, under every key, with look-alike siblings */
	p = load("[filesystem]\n"
	         "read_only = /a/b/c/d /a-b /a.b\n"
	         "writable = /a/b/c /a/b\n"
	         "hide = /a/b/c/d/e /a/bb\n"
	         "tmpfs = /a size=1M\n");
	assert_int_equal(mount_plan_compile(p, NULL, &m, &err), 0);
	assert_int_equal(m.n_ops, 8);
	assert_parents_first(&m);
	expect_op(&m, 0, MOUNT_OP_TMPFS, "/a", 5);
	expect_op(&m, 3, MOUNT_OP_BIND_RW, "/a/b", 3);
	expect_op(&m, 4, MOUNT_OP_BIND_RW, "/a/b/c", 3);
	expect_op(&m, 5, MOUNT_OP_BIND_RO, "/a/b/c/d", 2);
	expect_op(&m, 6, MOUNT_OP_HIDE, "/a/b/c/d/e", 4);
	expect_op(&m, 7, MOUNT_OP_HIDE, "/a/bb", 4);
	mount_plan_done(&m);
	profile_free(p);
}

static void test_plan_home(void **state)
{
	struct profile *p;
	struct mount_plan m = {NULL, 0};
	char *err = NULL;

	(void)state;
	/* "~" alone is the home itself */
	p = load("[filesystem]\nwritable = ~\nhide = ~/.ssh\n");
	assert_int_equal(mount_plan_compile(p, "/home/alice", &m, &err), 0);
	assert_int_equal(m.n_ops, 2);
	expect_op(&m, 0, MOUNT_OP_BIND_RW, "/home/alice", 2);
	expect_op(&m, 1, MOUNT_OP_HIDE, "/home/alice/.ssh", 3);
	mount_plan_done(&m);

	profile_free(p);

	/* a home of "/" does not produce "//" */
	p = load("[filesystem]\nwritable = ~/work\nhide = ~/.ssh\n");
	assert_int_equal(mount_plan_compile(p, "/", &m, &err), 0);
	assert_int_equal(m.n_ops, 2);
	expect_op(&m, 0, MOUNT_OP_HIDE, "/.ssh", 3);
	expect_op(&m, 1, MOUNT_OP_BIND_RW, "/work", 2);
	mount_plan_done(&m);
	profile_free(p);

	/* a profile without "~" needs no home */
	p = load("[filesystem]\nhide = /srv\n");
	assert_int_equal(mount_plan_compile(p, NULL, &m, &err), 0);
	assert_int_equal(m.n_ops, 1);
	expect_op(&m, 0, MOUNT_OP_HIDE, "/srv", 2);
	mount_plan_done(&m);
	profile_free(p);

	/* read_only "~" where the home is "/" is the root: dropped */
	p = load("[filesystem]\nread_only = ~ /opt\n");
	assert_int_equal(mount_plan_compile(p, "/", &m, &err), 0);
	assert_int_equal(m.n_ops, 1);
	expect_op(&m, 0, MOUNT_OP_BIND_RO, "/opt", 2);
	mount_plan_done(&m);
	profile_free(p);
}

static void test_plan_empty(void **state)
{
	struct profile *p;
	struct mount_plan m = {(struct mount_op *)0x1, 5};
	char *err = (char *)0x1;

	(void)state;
	p = load("[filesystem]\nread_only = /\n");
	assert_int_equal(mount_plan_compile(p, "/home/alice", &m, &err), 0);
	assert_null(err);
	assert_int_equal(m.n_ops, 0);
	mount_plan_done(&m);
	profile_free(p);
}

static void test_plan_errors(void **state)
{
	(void)state;
	/* "~" without a usable home, reported where it was written */
	expect_compile_error("[filesystem]\nhide = /srv\n\nwritable = ~/notebooks\n", NULL, 4,
	                     "writable '~/notebooks' uses ~ but the user has no usable home");
	expect_compile_error("[filesystem]\ntmpfs = ~ size=1M\n", NULL, 2, "tmpfs '~' uses ~");

	/* the same place twice once "~" is expanded */
	expect_compile_error("[filesystem]\nhide = /home/alice/x\nwritable = ~/x\n", "/home/alice",
	                     3, "writable '/home/alice/x' names the same place as hide (t.conf:2)");
	expect_compile_error("[filesystem]\nread_only = /home/alice/cache\n"
	                     "tmpfs = ~/cache size=1M\n",
	                     "/home/alice", 3, "names the same place as read_only (t.conf:2)");
	expect_compile_error("[filesystem]\nwritable = ~\nhide = /home/alice\n", "/home/alice", 2,
	                     "writable '/home/alice' names the same place as hide (t.conf:3)");

	/* /proc, /sys and /dev are nbwarden's */
	expect_compile_error("[filesystem]\nhide = /proc/kcore\n", "/home/alice", 2,
	                     "hide '/proc/kcore': /proc, /sys and /dev are set up by nbwarden");
	expect_compile_error("[filesystem]\nhide = /proc\n", "/", 2, "/proc, /sys and /dev");
	expect_compile_error("[filesystem]\nread_only = /sys\n", "/", 2, "read_only '/sys'");
	expect_compile_error("[filesystem]\nwritable = /sys/fs/cgroup\n", "/", 2,
	                     "writable '/sys/fs/cgroup'");
	expect_compile_error("[filesystem]\nwritable = /dev\n", "/", 2, "writable '/dev'");
	expect_compile_error("[filesystem]\ntmpfs = /proc/sys size=1M\n", "/", 2,
	                     "tmpfs '/proc/sys'");
	expect_compile_error("[filesystem]\n\nwritable = ~/x\n", "/proc", 3, "writable '/proc/x'");
}

static void test_plan_near_reserved(void **state)
{
	struct profile *p;
	struct mount_plan m = {NULL, 0};
	char *err = NULL;

	(void)state;
	/* below /dev is allowed (base mounts a tmpfs on /dev/shm); look-alikes too */
	p = load("[filesystem]\ntmpfs = /dev/shm size=64M\nhide = /procfoo /system /devices\n");
	assert_int_equal(mount_plan_compile(p, NULL, &m, &err), 0);
	assert_null(err);
	assert_int_equal(m.n_ops, 4);
	expect_op(&m, 0, MOUNT_OP_TMPFS, "/dev/shm", 2);
	expect_op(&m, 1, MOUNT_OP_HIDE, "/devices", 3);
	expect_op(&m, 2, MOUNT_OP_HIDE, "/procfoo", 3);
	expect_op(&m, 3, MOUNT_OP_HIDE, "/system", 3);
	mount_plan_done(&m);
	profile_free(p);
}

static void test_op_names(void **state)
{
	(void)state;
	assert_string_equal(mount_op_type_to_string(MOUNT_OP_HIDE), "hide");
	assert_string_equal(mount_op_type_to_string(MOUNT_OP_TMPFS), "tmpfs");
	assert_string_equal(mount_op_type_to_string(MOUNT_OP_BIND_RW), "writable");
	assert_string_equal(mount_op_type_to_string(MOUNT_OP_BIND_RO), "read_only");
	assert_null(mount_op_type_to_string(_MOUNT_OP_MAX));
	assert_null(mount_op_type_to_string(_MOUNT_OP_INVALID));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plan_sorted_and_expanded),
		cmocka_unit_test(test_plan_parents_first_whatever_the_key),
		cmocka_unit_test(test_plan_home),
		cmocka_unit_test(test_plan_empty),
		cmocka_unit_test(test_plan_errors),
		cmocka_unit_test(test_plan_near_reserved),
		cmocka_unit_test(test_op_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
