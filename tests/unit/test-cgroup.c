// SPDX-License-Identifier: GPL-2.0-or-later
/* Unit tests for the pure parts of supervisor/cgroup.c: mountinfo, names, settings. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cgroup.h"
#include "profile.h"
#include "util.h"

/* ------------------------------------------------------------------------ */
/* cgroup_find_mount_in */

static void expect_mount(const char *mountinfo, const char *want)
{
	char *m = NULL;
	int r = cgroup_find_mount_in(mountinfo, &m);

	if (r != 0)
		fail_msg("cgroup_find_mount_in() = %d, want %s", r, want);
	assert_non_null(m);
	assert_string_equal(m, want);
	free(m);
}

static void expect_no_mount(const char *mountinfo)
{
	char *m = (char *)0x1;

	assert_int_equal(cgroup_find_mount_in(mountinfo, &m), -ENOENT);
	assert_ptr_equal(m, (char *)0x1);
}

/* Debian on a hybrid host: v1 controllers, cgroup2 (no controllers) at unified. */
static const char hybrid[] =
	"21 26 0:20 / /proc rw,relatime - proc proc rw\n"
	"22 26 0:21 / /sys rw,relatime - sysfs sysfs rw\n"
	"26 1 254:0 / / rw,relatime - ext4 /dev/vda rw,discard\n"
	"30 22 0:27 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"
	"31 30 0:28 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu\n"
	"34 30 0:31 / /sys/fs/cgroup/memory rw,nosuid,nodev,noexec,relatime shared:14 - cgroup "
	"cgroup rw,memory\n"
	"38 30 0:35 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids\n"
	"39 30 0:36 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd\n"
	"40 30 0:37 / /sys/fs/cgroup/unified rw,nosuid,nodev,noexec,relatime shared:10 - cgroup2 "
	"cgroup2 rw,nsdelegate\n"
	"41 22 0:38 / /sys/fs/bpf rw,relatime - bpf bpf rw\n";

static void test_find_mount_hybrid(void **state)
{
	(void)state;
	expect_mount(hybrid, "/sys/fs/cgroup/unified");
}

static void test_find_mount_pure_v2(void **state)
{
	(void)state;
	expect_mount("22 1 0:21 / /sys rw,nosuid,nodev,noexec,relatime shared:7 - sysfs sysfs rw\n"
	             "26 22 0:23 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:9 - "
	             "cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot\n"
	             "27 22 0:6 / /sys/kernel/security rw,nosuid,nodev,noexec,relatime shared:8 - "
	             "securityfs securityfs rw\n",
	             "/sys/fs/cgroup");
	/* last line without a newline, no optional fields */
	expect_mount("26 22 0:23 / /sys/fs/cgroup rw,relatime - cgroup2 cgroup2 rw",
	             "/sys/fs/cgroup");
	/* the first of several cgroup2 mounts */
	expect_mount("26 22 0:23 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n"
	             "90 26 0:23 /sub /mnt/other rw - cgroup2 cgroup2 rw\n",
	             "/sys/fs/cgroup");
}

static void test_find_mount_escapes(void **state)
{
	(void)state;
	expect_mount("40 30 0:37 / /mnt/my\\040cgroup rw,relatime - cgroup2 cgroup2 rw\n",
	             "/mnt/my cgroup");
	expect_mount("40 30 0:37 / /mnt/a\\011tab\\134back\\012nl rw - cgroup2 none rw\n",
	             "/mnt/a\ttab\\back\nnl");
	/* an escaped " - " inside the mount point is not the separator */
	expect_mount("40 30 0:37 / /mnt/x\\040-\\040y rw - cgroup2 cgroup2 rw\n", "/mnt/x - y");
	/* a backslash that is not an octal escape stays */
	expect_mount("40 30 0:37 / /mnt/back\\slash rw - cgroup2 cgroup2 rw\n", "/mnt/back\\slash");
}

static void test_find_mount_none(void **state)
{
	(void)state;
	expect_no_mount("");
	expect_no_mount("\n\n");
	expect_no_mount("21 26 0:20 / /proc rw,relatime - proc proc rw\n"
	                "31 30 0:28 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu\n"
	                "39 30 0:36 / /sys/fs/cgroup/systemd rw - cgroup cgroup rw,name=systemd\n");
	/* the source or the options naming cgroup2 do not make a cgroup2 mount */
	expect_no_mount("50 26 0:40 / /mnt/fake rw - tmpfs cgroup2 rw\n"
	                "51 26 0:41 / /mnt/cgroup2 rw - cgroup cgroup rw,cgroup2\n");
	/* a line without the separator is skipped, not misread */
	expect_no_mount("50 26 0:40 / /mnt/fake rw cgroup2 cgroup2 rw\n");
}

static void test_find_mount_optional_fields(void **state)
{
	(void)state;
	/* several optional fields between the options and " - " */
	expect_mount("40 30 0:37 / /sys/fs/cgroup rw,nosuid shared:10 master:3 "
	             "propagate_from:2 unbindable - cgroup2 cgroup2 rw\n",
	             "/sys/fs/cgroup");
	expect_mount("40 30 0:37 /nested/root /run/cg rw master:1 - cgroup2 cgroup2 rw\n",
	             "/run/cg");
	/* inside a container: the root field is a path below the hierarchy */
	expect_mount("700 650 0:37 /../../.. /sys/fs/cgroup ro,nosuid,nodev,noexec,relatime - "
	             "cgroup2 cgroup rw,nsdelegate\n",
	             "/sys/fs/cgroup");
}

/* ------------------------------------------------------------------------ */
/* names */

static void expect_parent(const char *in, const char *want)
{
	char *c = NULL;
	int r = cgroup_parent_canonicalize(in, &c);

	if (r != 0)
		fail_msg("cgroup_parent_canonicalize(\"%s\") = %d", in, r);
	assert_string_equal(c, want);
	free(c);
}

static void expect_bad_parent(const char *in)
{
	char *c = (char *)0x1;
	int r = cgroup_parent_canonicalize(in, &c);

	if (r != -EINVAL) {
		print_error("  cgroup_parent_canonicalize(\"%s\") = %d (%s), want -EINVAL\n", in, r,
		            r == 0 ? c : "-");
		if (r == 0)
			free(c);
		fail();
	}
	assert_ptr_equal(c, (char *)0x1);
}

static void test_parent_canonicalize(void **state)
{
	(void)state;
	expect_parent("nbwarden", "nbwarden");
	expect_parent("/nbwarden", "nbwarden");
	expect_parent("/a/b/", "a/b");
	expect_parent("a//b", "a/b");
	expect_parent("./a/./b", "a/b");
	expect_parent("nbwarden/test-1_x", "nbwarden/test-1_x");
	/* systemd-delegated subtrees have dots inside names */
	expect_parent("system.slice/nbwarden.service", "system.slice/nbwarden.service");

	expect_bad_parent("");
	expect_bad_parent(NULL);
	expect_bad_parent("..");
	expect_bad_parent("/..");
	expect_bad_parent("a/../b");
	expect_bad_parent("a/..");
	expect_bad_parent("a/.hidden");
	expect_bad_parent(".hidden");
	expect_bad_parent("/.x/y");
	expect_bad_parent("a b");
	expect_bad_parent("nbwarden/with space");
	expect_bad_parent("a\tb");
	expect_bad_parent("a\nb");
	expect_bad_parent("a:b");
	expect_bad_parent("a*");
	expect_bad_parent("caf\xc3\xa9");
}

/* The comment in cgroup_parent_canonicalize(): no interface-file look-alikes. */
static void test_parent_rejects_interface_names(void **state)
{
	(void)state;
	expect_bad_parent("cgroup.procs");
	expect_bad_parent("nbwarden/cgroup.subtree_control");
	expect_bad_parent("cgroup.kill");
}

static void test_id_is_valid(void **state)
{
	char id[66];

	(void)state;
	assert_true(cgroup_id_is_valid("a"));
	assert_true(cgroup_id_is_valid("abc-123_XYZ"));
	assert_true(cgroup_id_is_valid("nbw-20261123-0001"));
	memset(id, 'a', 64);
	id[64] = 0;
	assert_true(cgroup_id_is_valid(id));
	id[64] = 'a';
	id[65] = 0;
	assert_false(cgroup_id_is_valid(id));
	assert_false(cgroup_id_is_valid(""));
	assert_false(cgroup_id_is_valid("a.b"));
	assert_false(cgroup_id_is_valid("."));
	assert_false(cgroup_id_is_valid(".."));
	assert_false(cgroup_id_is_valid("a/b"));
	assert_false(cgroup_id_is_valid("a b"));
	assert_false(cgroup_id_is_valid("cgroup.procs"));
	assert_false(cgroup_id_is_valid("a\n"));
}

/* ------------------------------------------------------------------------ */
/* settings */

static struct profile_limits no_limits(void)
{
	return (struct profile_limits){
		.memory = VALUE_MAX,
		.memory_high = VALUE_MAX,
		.swap = VALUE_MAX,
		.cpus_milli = 0,
		.pids = VALUE_MAX,
		.io_read = VALUE_MAX,
		.io_write = VALUE_MAX,
		.io_device = NULL,
		.wall_time = VALUE_MAX,
		.cpu_time = VALUE_MAX,
		.io_bytes = VALUE_MAX,
		.runaway = VALUE_MAX,
		.nofile = 1024,
		.enforce = LIMITS_ENFORCE_STRICT,
	};
}

static const struct cgroup_setting *find(const struct cgroup_settings *s, const char *file)
{
	for (unsigned i = 0; i < s->n; i++)
		if (s->items[i].file && streq(s->items[i].file, file))
			return &s->items[i];
	return NULL;
}

static void expect_setting(const struct cgroup_settings *s, const char *file,
                           enum cgroup_controller c, const char *value, const char *limit)
{
	const struct cgroup_setting *it = find(s, file);

	if (!it)
		fail_msg("no %s", file);
	assert_int_equal(it->controller, c);
	assert_string_equal(it->value, value);
	assert_string_equal(it->limit, limit);
}

/* compile with one change from "no limits" and expect exactly one write */
static void expect_single(struct profile_limits l, const char *devnum, const char *file,
                          enum cgroup_controller c, const char *value, const char *limit)
{
	struct cgroup_settings s;

	memset(&s, 0x5a, sizeof(s));
	assert_int_equal(cgroup_settings_compile(&l, devnum, &s), 0);
	assert_int_equal(s.n, 1);
	expect_setting(&s, file, c, value, limit);
}

static void test_settings_compile(void **state)
{
	struct profile_limits l;
	struct cgroup_settings s;

	(void)state;
	/* nothing set: nothing to write, and no device needed */
	l = no_limits();
	memset(&s, 0x5a, sizeof(s));
	assert_int_equal(cgroup_settings_compile(&l, NULL, &s), 0);
	assert_int_equal(s.n, 0);

	/* memory.max comes with memory.oom.group: an OOM kill ends the whole sandbox */
	l = no_limits();
	l.memory = 2ULL << 30;
	assert_int_equal(cgroup_settings_compile(&l, NULL, &s), 0);
	assert_int_equal(s.n, 2);
	expect_setting(&s, "memory.max", CGROUP_CONTROLLER_MEMORY, "2147483648", "memory");
	expect_setting(&s, "memory.oom.group", CGROUP_CONTROLLER_MEMORY, "1", "memory");

	/* io_bytes writes nothing but needs the io controller (for io.stat) */
	l = no_limits();
	l.io_bytes = 10ULL << 20;
	memset(&s, 0x5a, sizeof(s));
	assert_int_equal(cgroup_settings_compile(&l, NULL, &s), 0);
	assert_int_equal(s.n, 1);
	assert_null(s.items[0].file);
	assert_int_equal(s.items[0].controller, CGROUP_CONTROLLER_IO);
	assert_string_equal(s.items[0].limit, "io_bytes");

	/* cpu_time and runaway are the supervisor's: no cgroup file */
	l = no_limits();
	l.cpu_time = 5 * USEC_PER_SEC;
	l.runaway = 120 * USEC_PER_SEC;
	assert_int_equal(cgroup_settings_compile(&l, NULL, &s), 0);
	assert_int_equal(s.n, 0);

	l = no_limits();
	l.memory_high = 1536ULL << 20;
	expect_single(l, NULL, "memory.high", CGROUP_CONTROLLER_MEMORY, "1610612736",
	              "memory_high");

	l = no_limits();
	l.swap = 0;
	expect_single(l, NULL, "memory.swap.max", CGROUP_CONTROLLER_MEMORY, "0", "swap");

	l = no_limits();
	l.cpus_milli = 1500;
	expect_single(l, NULL, "cpu.max", CGROUP_CONTROLLER_CPU, "150000 100000", "cpus");
	l.cpus_milli = 10;
	expect_single(l, NULL, "cpu.max", CGROUP_CONTROLLER_CPU, "1000 100000", "cpus");
	l.cpus_milli = 4096000;
	expect_single(l, NULL, "cpu.max", CGROUP_CONTROLLER_CPU, "409600000 100000", "cpus");

	l = no_limits();
	l.pids = 256;
	expect_single(l, NULL, "pids.max", CGROUP_CONTROLLER_PIDS, "256", "pids");

	/* io: one io.max line for the device, the unset direction is max */
	l = no_limits();
	l.io_write = 10ULL << 20;
	expect_single(l, "8:0", "io.max", CGROUP_CONTROLLER_IO, "8:0 rbps=max wbps=10485760",
	              "io_write");
	l = no_limits();
	l.io_read = 100ULL << 20;
	expect_single(l, "254:16", "io.max", CGROUP_CONTROLLER_IO, "254:16 rbps=104857600 wbps=max",
	              "io_read");
	l.io_write = 1ULL << 20;
	expect_single(l, "8:0", "io.max", CGROUP_CONTROLLER_IO, "8:0 rbps=104857600 wbps=1048576",
	              "io_read");

	/* io limits without a device number: refused, output untouched */
	l = no_limits();
	l.io_write = 10ULL << 20;
	memset(&s, 0x5a, sizeof(s));
	assert_int_equal(cgroup_settings_compile(&l, NULL, &s), -EINVAL);
	{
		struct cgroup_settings pattern;

		memset(&pattern, 0x5a, sizeof(pattern));
		assert_memory_equal(&s, &pattern, sizeof(s));
	}

	/* everything at once */
	l = no_limits();
	l.memory = 1ULL << 30;
	l.memory_high = 768ULL << 20;
	l.swap = 0;
	l.cpus_milli = 1000;
	l.pids = 128;
	l.io_read = 1ULL << 20;
	l.wall_time = 3600 * USEC_PER_SEC; /* not a cgroup setting */
	l.nofile = 4096;                   /* nor this */
	assert_int_equal(cgroup_settings_compile(&l, "8:16", &s), 0);
	assert_int_equal(s.n, 7);
	expect_setting(&s, "memory.max", CGROUP_CONTROLLER_MEMORY, "1073741824", "memory");
	expect_setting(&s, "memory.oom.group", CGROUP_CONTROLLER_MEMORY, "1", "memory");
	expect_setting(&s, "memory.high", CGROUP_CONTROLLER_MEMORY, "805306368", "memory_high");
	expect_setting(&s, "memory.swap.max", CGROUP_CONTROLLER_MEMORY, "0", "swap");
	expect_setting(&s, "cpu.max", CGROUP_CONTROLLER_CPU, "100000 100000", "cpus");
	expect_setting(&s, "pids.max", CGROUP_CONTROLLER_PIDS, "128", "pids");
	expect_setting(&s, "io.max", CGROUP_CONTROLLER_IO, "8:16 rbps=1048576 wbps=max", "io_read");
}

/* Limits as a profile writes them, through the parser. */
static void test_settings_from_profile(void **state)
{
	struct profile *p = NULL;
	char **errors = NULL;
	struct cgroup_settings s;

	(void)state;
	assert_int_equal(profile_load_string("[limits]\nmemory = 2G\ncpus = 1.5\npids = 256\n",
	                                     "t.conf", NULL, &p, &errors),
	                 0);
	strv_free(errors);
	assert_int_equal(cgroup_settings_compile(&p->limits, NULL, &s), 0);
	profile_free(p);
	assert_int_equal(s.n, 4);
	expect_setting(&s, "memory.max", CGROUP_CONTROLLER_MEMORY, "2147483648", "memory");
	expect_setting(&s, "cpu.max", CGROUP_CONTROLLER_CPU, "150000 100000", "cpus");
	expect_setting(&s, "pids.max", CGROUP_CONTROLLER_PIDS, "256", "pids");
}

static void test_controller_names(void **state)
{
	(void)state;
	assert_string_equal(cgroup_controller_to_string(CGROUP_CONTROLLER_MEMORY), "memory");
	assert_string_equal(cgroup_controller_to_string(CGROUP_CONTROLLER_CPU), "cpu");
	assert_string_equal(cgroup_controller_to_string(CGROUP_CONTROLLER_PIDS), "pids");
	assert_string_equal(cgroup_controller_to_string(CGROUP_CONTROLLER_IO), "io");
	assert_null(cgroup_controller_to_string(_CGROUP_CONTROLLER_MAX));
	assert_null(cgroup_controller_to_string(_CGROUP_CONTROLLER_INVALID));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_find_mount_hybrid),
		cmocka_unit_test(test_find_mount_pure_v2),
		cmocka_unit_test(test_find_mount_escapes),
		cmocka_unit_test(test_find_mount_none),
		cmocka_unit_test(test_find_mount_optional_fields),
		cmocka_unit_test(test_parent_canonicalize),
		cmocka_unit_test(test_parent_rejects_interface_names),
		cmocka_unit_test(test_id_is_valid),
		cmocka_unit_test(test_settings_compile),
		cmocka_unit_test(test_settings_from_profile),
		cmocka_unit_test(test_controller_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
