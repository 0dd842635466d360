// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests for policy.conf parsing: defaults, every key, every error
 * message, role lookup, printing, the owner check and the shipped example.
 */
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
#include <unistd.h>

#include "policy.h"
#include "util.h"

#ifndef NBW_SOURCE_DIR
#error "NBW_SOURCE_DIR must name the source tree"
#endif

#define MIN      (60 * USEC_PER_SEC)
#define MAX_FILE ((size_t)POLICY_MAX_FILE_SIZE)

static struct policy *load_ok(const char *text)
{
	struct policy *p = NULL;
	char **errors = NULL;

	if (policy_load_string(text, "t.conf", &p, &errors) < 0) {
		STRV_FOREACH (e, errors)
			print_error("%s\n", *e);
		fail_msg("policy did not load");
	}
	assert_null(errors);
	assert_non_null(p);
	assert_string_equal(p->file, "t.conf");
	return p;
}

/* The load fails and the first error is exactly want. */
static void load_bad(const char *text, const char *want)
{
	struct policy *p = NULL;
	char **errors = NULL;

	assert_int_equal(policy_load_string(text, "t.conf", &p, &errors), -EINVAL);
	assert_null(p);
	assert_non_null(errors);
	if (!streq(errors[0], want))
		fail_msg("expected '%s', got '%s'", want, errors[0]);
	strv_free(errors);
}

/* A role that sets only what it must: members and profiles. */
#define ROLE_A "[role a]\nmembers = alice\nprofiles = default\n"

static void test_budget_action_names(void **state)
{
	(void)state;
	assert_string_equal(budget_action_to_string(BUDGET_ACTION_DENY), "deny");
	assert_string_equal(budget_action_to_string(BUDGET_ACTION_THROTTLE), "throttle");
	assert_string_equal(budget_action_to_string(BUDGET_ACTION_KILL), "kill");
	assert_null(budget_action_to_string(_BUDGET_ACTION_MAX));
	assert_null(budget_action_to_string(_BUDGET_ACTION_INVALID));
	assert_int_equal(budget_action_from_string("throttle"), BUDGET_ACTION_THROTTLE);
	assert_int_equal(budget_action_from_string("kill"), BUDGET_ACTION_KILL);
	assert_int_equal(budget_action_from_string("Kill"), _BUDGET_ACTION_INVALID);
	assert_int_equal(budget_action_from_string(""), _BUDGET_ACTION_INVALID);
	assert_int_equal(budget_action_from_string(NULL), _BUDGET_ACTION_INVALID);
}

static void test_defaults(void **state)
{
	struct policy *p = load_ok(ROLE_A);
	const struct role *r;

	(void)state;
	assert_int_equal(p->n_roles, 1);
	r = &p->roles[0];
	assert_string_equal(r->name, "a");
	assert_int_equal(r->line, 1);
	assert_int_equal(strv_length(r->users), 1);
	assert_string_equal(r->users[0], "alice");
	/* every list is there, perhaps empty */
	assert_non_null(r->groups);
	assert_null(r->groups[0]);
	assert_int_equal(strv_length(r->profiles), 1);
	assert_string_equal(r->profiles[0], "default");
	assert_int_equal(r->max_concurrent, POLICY_DEFAULT_MAX_CONCURRENT);
	assert_int_equal(r->max_concurrent, 3);
	assert_int_equal(r->queue_timeout, POLICY_DEFAULT_QUEUE_TIMEOUT);
	assert_int_equal(r->queue_timeout, 10 * MIN);
	assert_int_equal(r->launches_per_minute, POLICY_DEFAULT_LAUNCHES_PER_MINUTE);
	assert_int_equal(r->launches_per_minute, 30);
	assert_int_equal(r->cpu_budget, VALUE_MAX);
	assert_int_equal(r->io_budget, VALUE_MAX);
	assert_int_equal(r->on_budget_exhausted, BUDGET_ACTION_DENY);
	assert_false(r->admin);
	policy_free(p);

	/* no roles at all: valid, and nobody has a role */
	p = load_ok("; nothing here yet\n\n# really\n");
	assert_int_equal(p->n_roles, 0);
	assert_null(p->roles);
	assert_null(policy_find_role(p, "root", NULL));
	policy_free(p);
	p = load_ok("");
	assert_int_equal(p->n_roles, 0);
	policy_free(p);
}

static void test_every_key(void **state)
{
	struct policy *p = load_ok("; comment\n"
	                           "# another\n"
	                           "[role analysts]\n"
	                           "members = alice bob @quants\n"
	                           "  members =\tcarol\t @risk-team  \n"
	                           "members = host01$ d.e_f-g\n"
	                           "profiles = default\n"
	                           "profiles = python analyst.v2\n"
	                           "max_concurrent = 1000\n"
	                           "queue_timeout = 1h30min\n"
	                           "launches_per_minute = 100000\n"
	                           "cpu_budget = 8h\n"
	                           "io_budget = 200G\n"
	                           "on_budget_exhausted = throttle\n"
	                           "admin = no\n"
	                           "\n"
	                           "[ role   ops ]\n"
	                           "members: @wheel ; who may sudo\n"
	                           "profiles = *\n"
	                           "max_concurrent = 1\n"
	                           "queue_timeout = 0\n"
	                           "launches_per_minute = 0\n"
	                           "cpu_budget = none\n"
	                           "io_budget = none\n"
	                           "on_budget_exhausted = kill\n"
	                           "admin = yes\n"
	                           "[role x.y_Z-9]\n"
	                           "members = zed\n"
	                           "profiles = * *\n"
	                           "cpu_budget = infinity\n"
	                           "io_budget = max\n"
	                           "on_budget_exhausted = deny\n");
	const struct role *r;

	(void)state;
	assert_int_equal(p->n_roles, 3);
	r = &p->roles[0];
	assert_string_equal(r->name, "analysts");
	assert_int_equal(r->line, 3);
	/* members lines append, users and groups apart, in order */
	assert_int_equal(strv_length(r->users), 5);
	assert_string_equal(r->users[0], "alice");
	assert_string_equal(r->users[1], "bob");
	assert_string_equal(r->users[2], "carol");
	assert_string_equal(r->users[3], "host01$");
	assert_string_equal(r->users[4], "d.e_f-g");
	assert_int_equal(strv_length(r->groups), 2);
	assert_string_equal(r->groups[0], "quants");
	assert_string_equal(r->groups[1], "risk-team");
	assert_int_equal(strv_length(r->profiles), 3);
	assert_string_equal(r->profiles[0], "default");
	assert_string_equal(r->profiles[1], "python");
	assert_string_equal(r->profiles[2], "analyst.v2");
	assert_int_equal(r->max_concurrent, 1000);
	assert_int_equal(r->queue_timeout, 90 * MIN);
	assert_int_equal(r->launches_per_minute, 100000);
	assert_int_equal(r->cpu_budget, MIN * 8 * 60);
	assert_int_equal(r->io_budget, 200ULL << 30);
	assert_int_equal(r->on_budget_exhausted, BUDGET_ACTION_THROTTLE);
	assert_false(r->admin);

	r = &p->roles[1];
	assert_string_equal(r->name, "ops");
	assert_int_equal(r->line, 17);
	assert_int_equal(strv_length(r->users), 0);
	assert_int_equal(strv_length(r->groups), 1);
	assert_string_equal(r->groups[0], "wheel"); /* the inline comment is gone */
	assert_int_equal(strv_length(r->profiles), 1);
	assert_string_equal(r->profiles[0], "*");
	assert_int_equal(r->max_concurrent, 1);
	assert_int_equal(r->queue_timeout, 0);
	assert_int_equal(r->launches_per_minute, 0);
	assert_int_equal(r->cpu_budget, VALUE_MAX);
	assert_int_equal(r->io_budget, VALUE_MAX);
	assert_int_equal(r->on_budget_exhausted, BUDGET_ACTION_KILL);
	assert_true(r->admin);

	r = &p->roles[2];
	assert_string_equal(r->name, "x.y_Z-9");
	assert_int_equal(strv_length(r->profiles), 1); /* "*" once */
	assert_int_equal(r->cpu_budget, VALUE_MAX);
	assert_int_equal(r->io_budget, VALUE_MAX);
	assert_int_equal(r->on_budget_exhausted, BUDGET_ACTION_DENY);
	policy_free(p);

	/* a BOM, CRLF line ends, no newline at the end, the longest names */
	p = load_ok("\xEF\xBB\xBF[role "
	            "r234567890123456789012345678901234567890123456789012345678901234]\r\n"
	            "members = u2345678901234567890123456789012 "
	            "u234567890123456789012345678901$ @g2345678901234567890123456789012\r\n"
	            "profiles = p234567890123456789012345678901234567890123456789012345678901234");
	assert_int_equal(p->n_roles, 1);
	assert_int_equal(strlen(p->roles[0].name), 64);
	assert_int_equal(strv_length(p->roles[0].users), 2);
	assert_int_equal(strlen(p->roles[0].groups[0]), 32);
	assert_int_equal(strlen(p->roles[0].profiles[0]), 64);
	policy_free(p);

	/* a comment after a header */
	p = load_ok("[role a] ; the A team\nmembers = alice\nprofiles = default\n"
	            "[role b]\t# the B team\nmembers = bob\nprofiles = default\n");
	assert_int_equal(p->n_roles, 2);
	assert_string_equal(p->roles[1].name, "b");
	assert_int_equal(p->roles[1].line, 4);
	policy_free(p);
}

static void test_untouched_on_failure(void **state)
{
	struct policy dummy = {0}, *p = &dummy;
	char **errors = NULL;

	(void)state;
	assert_int_equal(policy_load_string("[role a]\n", "t.conf", &p, &errors), -EINVAL);
	assert_ptr_equal(p, &dummy);
	strv_free(errors);
	errors = NULL;
	assert_int_equal(policy_load("/nonexistent/policy.conf", false, &p, &errors), -ENOENT);
	assert_ptr_equal(p, &dummy);
	assert_string_equal(errors[0], "/nonexistent/policy.conf: No such file or directory");
	strv_free(errors);
	/* and success leaves no error list behind */
	errors = (char **)&dummy;
	assert_int_equal(policy_load_string(ROLE_A, "t.conf", &p, &errors), 0);
	assert_null(errors);
	policy_free(p);
}

static void test_errors(void **state)
{
	(void)state;
	/* sections */
	load_bad("[roles a]\n", "t.conf:1: unknown section [roles a] (expected [role NAME])");
	load_bad("\n[profile]\nmembers = x\n",
	         "t.conf:2: unknown section [profile] (expected [role NAME])");
	load_bad("[role a\n", "t.conf:1: syntax error (expected [role NAME])");
	load_bad("[role a] b\n", "t.conf:1: syntax error (expected [role NAME])");
	load_bad("[role]\n", "t.conf:1: [role] without a name (expected [role NAME])");
	load_bad("[role  ]\n", "t.conf:1: [role] without a name (expected [role NAME])");
	load_bad("[role a b]\n",
	         "t.conf:1: invalid role name 'a b' (1 to 64 letters, digits, '_', '.', '-')");
	load_bad("[role caf\xc3\xa9]\n", "t.conf:1: invalid role name 'caf\xc3\xa9' (1 to 64 "
	                                 "letters, digits, '_', '.', '-')");
	load_bad("[role "
	         "r2345678901234567890123456789012345678901234567890123456789012345]\n",
	         "t.conf:1: invalid role name "
	         "'r2345678901234567890123456789012345678901234567890123456789012345' (1 to 64 "
	         "letters, digits, '_', '.', '-')");
	load_bad(ROLE_A "\n[role a]\nmembers = bob\nprofiles = x\n",
	         "t.conf:5: duplicate role 'a' (first defined on line 1)");
	/* keys */
	load_bad("members = alice\n" ROLE_A,
	         "t.conf:1: 'members' appears before any [role NAME] section");
	load_bad(ROLE_A "colour = blue\n", "t.conf:4: unknown key 'colour' in [role a]");
	load_bad(ROLE_A "Admin = yes\n", "t.conf:4: unknown key 'Admin' in [role a]");
	load_bad(ROLE_A "just words\n", "t.conf:4: syntax error (expected key = value)");
	load_bad(ROLE_A "admin ; = yes\n", "t.conf:4: syntax error (expected key = value)");
	load_bad(ROLE_A "= yes\n", "t.conf:4: syntax error (expected key = value)");
	load_bad(ROLE_A "admin = no\nadmin = yes\n",
	         "t.conf:5: duplicate key 'admin' in [role a] (first set on line 4)");
	load_bad(ROLE_A "cpu_budget = 1h\n\ncpu_budget = bad\n",
	         "t.conf:6: duplicate key 'cpu_budget' in [role a] (first set on line 4)");
	load_bad(ROLE_A "max_concurrent =\n", "t.conf:4: max_concurrent: empty value");
	load_bad(ROLE_A "admin = ; nothing\n", "t.conf:4: admin: empty value");
	/* values */
	load_bad(ROLE_A "max_concurrent = 0\n",
	         "t.conf:4: max_concurrent: '0' is not a number from 1 to 1000");
	load_bad(ROLE_A "max_concurrent = 1001\n",
	         "t.conf:4: max_concurrent: '1001' is not a number from 1 to 1000");
	load_bad(ROLE_A "max_concurrent = +3\n",
	         "t.conf:4: max_concurrent: '+3' is not a number from 1 to 1000");
	load_bad(ROLE_A "max_concurrent = 3x\n",
	         "t.conf:4: max_concurrent: '3x' is not a number from 1 to 1000");
	load_bad(ROLE_A "queue_timeout = soon\n",
	         "t.conf:4: queue_timeout: 'soon' is not a duration from 0 (never queue) to 24h");
	load_bad(ROLE_A "queue_timeout = 25h\n",
	         "t.conf:4: queue_timeout: '25h' is not a duration from 0 (never queue) to 24h");
	load_bad(ROLE_A "queue_timeout = max\n",
	         "t.conf:4: queue_timeout: 'max' is not a duration from 0 (never queue) to 24h");
	load_bad(ROLE_A "launches_per_minute = -1\n",
	         "t.conf:4: launches_per_minute: '-1' is not a number from 0 (no limit) to "
	         "100000");
	load_bad(ROLE_A "launches_per_minute = 100001\n",
	         "t.conf:4: launches_per_minute: '100001' is not a number from 0 (no limit) to "
	         "100000");
	load_bad(ROLE_A "cpu_budget = lots\n", "t.conf:4: cpu_budget: 'lots' is not a CPU time "
	                                       "above 0 (e.g. 90min, 8h), max or none");
	load_bad(ROLE_A "cpu_budget = 0\n", "t.conf:4: cpu_budget: '0' is not a CPU time above 0 "
	                                    "(e.g. 90min, 8h), max or none");
	load_bad(ROLE_A "io_budget = 10X\n", "t.conf:4: io_budget: '10X' is not a size above 0 "
	                                     "(e.g. 500M, 200G), max or none");
	load_bad(ROLE_A "io_budget = 0\n", "t.conf:4: io_budget: '0' is not a size above 0 (e.g. "
	                                   "500M, 200G), max or none");
	load_bad(ROLE_A "on_budget_exhausted = warn\n",
	         "t.conf:4: on_budget_exhausted: 'warn' is not one of deny, throttle, kill");
	load_bad(ROLE_A "admin = true\n", "t.conf:4: admin: 'true' is not yes or no");
	/* names */
	load_bad("[role a]\nmembers = alice -bob\nprofiles = x\n",
	         "t.conf:2: members: '-bob' is not a valid user name (1 to 32 letters, digits, "
	         "'_', '.', '-', not starting with '-', perhaps ending in '$')");
	load_bad("[role a]\nmembers = al/ice\nprofiles = x\n",
	         "t.conf:2: members: 'al/ice' is not a valid user name (1 to 32 letters, digits, "
	         "'_', '.', '-', not starting with '-', perhaps ending in '$')");
	load_bad("[role a]\nmembers = $\nprofiles = x\n",
	         "t.conf:2: members: '$' is not a valid user name (1 to 32 letters, digits, "
	         "'_', '.', '-', not starting with '-', perhaps ending in '$')");
	load_bad("[role a]\nmembers = a$b\nprofiles = x\n",
	         "t.conf:2: members: 'a$b' is not a valid user name (1 to 32 letters, digits, "
	         "'_', '.', '-', not starting with '-', perhaps ending in '$')");
	load_bad("[role a]\nmembers = u23456789012345678901234567890123\nprofiles = x\n",
	         "t.conf:2: members: 'u23456789012345678901234567890123' is not a valid user "
	         "name (1 to 32 letters, digits, '_', '.', '-', not starting with '-', perhaps "
	         "ending in '$')");
	load_bad("[role a]\nmembers = @\nprofiles = x\n",
	         "t.conf:2: members: '@' is not a valid group name ('@' and 1 to 32 letters, "
	         "digits, '_', '.', '-', not starting with '-')");
	load_bad("[role a]\nmembers = @-staff\nprofiles = x\n",
	         "t.conf:2: members: '@-staff' is not a valid group name ('@' and 1 to 32 "
	         "letters, digits, '_', '.', '-', not starting with '-')");
	load_bad("[role a]\nmembers = @staff$\nprofiles = x\n",
	         "t.conf:2: members: '@staff$' is not a valid group name ('@' and 1 to 32 "
	         "letters, digits, '_', '.', '-', not starting with '-')");
	load_bad("[role a]\nmembers =\nprofiles = x\n",
	         "t.conf:2: members: expected user names and @group names");
	load_bad("[role a]\nmembers = alice\nprofiles = ../etc/passwd\n",
	         "t.conf:3: profiles: '../etc/passwd' is not a valid profile name (1 to 64 "
	         "letters, digits, '_', '.', '-', not starting with '.') or *");
	load_bad("[role a]\nmembers = alice\nprofiles = .hidden\n",
	         "t.conf:3: profiles: '.hidden' is not a valid profile name (1 to 64 letters, "
	         "digits, '_', '.', '-', not starting with '.') or *");
	load_bad("[role a]\nmembers = alice\nprofiles = py*\n",
	         "t.conf:3: profiles: 'py*' is not a valid profile name (1 to 64 letters, "
	         "digits, '_', '.', '-', not starting with '.') or *");
	load_bad("[role a]\nmembers = alice\nprofiles =\n",
	         "t.conf:3: profiles: expected profile names or *");
	load_bad("[role a]\nmembers = alice\nprofiles = * default\n",
	         "t.conf:3: profiles: '*' (every profile) cannot be combined with profile names");
	load_bad("[role a]\nmembers = alice\nprofiles = default\nprofiles = *\n",
	         "t.conf:4: profiles: '*' (every profile) cannot be combined with profile names");
	/* roles that cannot match or allow anything */
	load_bad("[role a]\nprofiles = x\n", "t.conf:1: role 'a' has no members");
	load_bad("[role a]\nmembers = x\n", "t.conf:1: role 'a' has no profiles");
	load_bad(ROLE_A "[role b]\n", "t.conf:4: role 'b' has no members");
}

/* Every error of a file, in file order. */
static void load_bad_all(const char *text, const char *const *want, size_t n)
{
	struct policy *p = NULL;
	char **errors = NULL;

	assert_int_equal(policy_load_string(text, "t.conf", &p, &errors), -EINVAL);
	assert_null(p);
	for (size_t i = 0; i < n && errors[i]; i++)
		if (!streq(errors[i], want[i]))
			fail_msg("error %zu: expected '%s', got '%s'", i, want[i], errors[i]);
	assert_int_equal(strv_length(errors), n);
	strv_free(errors);
}

static void test_errors_in_file_order(void **state)
{
	static const char *const want1[] = {
		"t.conf:1: role 'a' has no members",
		"t.conf:3: max_concurrent: '0' is not a number from 1 to 1000",
		"t.conf:4: unknown section [b] (expected [role NAME])",
		"t.conf:6: role 'c' has no profiles",
		"t.conf:8: admin: 'maybe' is not yes or no",
	};
	static const char *const want2[] = {
		"t.conf:1: role 'a' has no members",
		"t.conf:1: role 'a' has no profiles",
	};

	(void)state;
	/* a role's missing members are found at its end, reported at its header */
	load_bad_all("[role a]\n"
	             "profiles = x\n"
	             "max_concurrent = 0\n"
	             "[b]\n"
	             "junk = silently skipped under a reported header\n"
	             "[role c]\n"
	             "members = alice\n"
	             "admin = maybe\n",
	             want1, ELEMENTSOF(want1));
	load_bad_all("[role a]\n", want2, ELEMENTSOF(want2));
	/* a bad members line is reported once: the role is not also "without members" */
	{
		static const char *const want3[] = {
			"t.conf:2: members: expected user names and @group names",
		};

		load_bad_all("[role a]\nmembers = ; nobody yet\nprofiles = x\n", want3,
		             ELEMENTSOF(want3));
	}
}

static void test_many_errors_capped(void **state)
{
	char text[8192] = "";
	struct policy *p = NULL;
	char **errors = NULL;

	(void)state;
	/* exactly 20: all of them */
	strcat(text, ROLE_A);
	for (int i = 0; i < 20; i++)
		strcat(text, "x = 1\n");
	assert_int_equal(policy_load_string(text, "t.conf", &p, &errors), -EINVAL);
	assert_int_equal(strv_length(errors), 20);
	assert_string_equal(errors[0], "t.conf:4: unknown key 'x' in [role a]");
	assert_string_equal(errors[19], "t.conf:23: unknown key 'x' in [role a]");
	strv_free(errors);
	errors = NULL;

	/* more: the 20th says so; a late role-end error still comes first */
	strcpy(text, "[role a]\nprofiles = p\n");
	for (int i = 0; i < 50; i++)
		strcat(text, "x = 1\n");
	assert_int_equal(policy_load_string(text, "t.conf", &p, &errors), -EINVAL);
	assert_int_equal(strv_length(errors), 20);
	assert_string_equal(errors[0], "t.conf:1: role 'a' has no members");
	assert_string_equal(errors[1], "t.conf:3: unknown key 'x' in [role a]");
	assert_string_equal(errors[18], "t.conf:20: unknown key 'x' in [role a]");
	assert_string_equal(errors[19], "t.conf:21: too many errors, giving up");
	strv_free(errors);
}

static void test_limits(void **state)
{
	char *text = malloc(MAX_FILE + 64);
	struct policy *p = NULL;
	char **errors = NULL;
	size_t n;

	(void)state;
	assert_non_null(text);

	/* a line of POLICY_MAX_LINE bytes is fine, one more is not */
	strcpy(text, "[role a]\nprofiles = x\nmembers = ");
	n = strlen(text);
	for (size_t i = 10; i < POLICY_MAX_LINE; i += 2)
		memcpy(text + n + i - 10, i + 2 < POLICY_MAX_LINE ? "u " : "uu", 2);
	n += POLICY_MAX_LINE - 10;
	strcpy(text + n, "\n");
	p = load_ok(text);
	assert_int_equal(strv_length(p->roles[0].users), (POLICY_MAX_LINE - 10) / 2);
	policy_free(p);
	strcpy(text + n, "u\n");
	load_bad(text, "t.conf:3: line too long (max 4096 bytes)");

	/* an over-long header does not hand its keys to the role before it */
	{
		static const char *const want[] = {
			"t.conf:4: line too long (max 4096 bytes)",
		};

		strcpy(text, ROLE_A "[role ");
		n = strlen(text);
		memset(text + n, 'b', POLICY_MAX_LINE);
		strcpy(text + n + POLICY_MAX_LINE, "]\nadmin = yes\n");
		load_bad_all(text, want, ELEMENTSOF(want));
	}

	/* the file size */
	memset(text, '\n', MAX_FILE);
	text[MAX_FILE] = 0;
	p = load_ok(text);
	assert_int_equal(p->n_roles, 0);
	policy_free(p);
	p = NULL;
	text[MAX_FILE] = '\n';
	text[MAX_FILE + 1] = 0;
	assert_int_equal(policy_load_string(text, "t.conf", &p, &errors), -EFBIG);
	assert_null(p);
	assert_string_equal(errors[0], "t.conf: file too large (max 1048576 bytes)");
	assert_null(errors[1]);
	strv_free(errors);
	errors = NULL;

	/* the number of roles */
	text[0] = 0;
	n = 0;
	for (int i = 0; i <= POLICY_MAX_ROLES; i++)
		n += (size_t)sprintf(text + n, "[role r%d]\nmembers = u\nprofiles = p\n", i);
	assert_int_equal(policy_load_string(text, "t.conf", &p, &errors), -EINVAL);
	assert_string_equal(errors[0], "t.conf:3073: too many roles (max 1024)");
	assert_null(errors[1]); /* its keys are not reported */
	strv_free(errors);
	errors = NULL;
	text[n - 38] = 0; /* without the last role */
	assert_true(strncmp(text + n - 38 - 13, "profiles = p\n", 13) == 0);
	p = load_ok(text);
	assert_int_equal(p->n_roles, POLICY_MAX_ROLES);
	assert_string_equal(p->roles[POLICY_MAX_ROLES - 1].name, "r1023");
	policy_free(p);
	free(text);
}

static void write_file(const char *path, const char *data, size_t len, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	assert_int_equal(fchmod(fd, mode), 0);
	close(fd);
}

static void test_load_file(void **state)
{
	char dir[] = "/tmp/nbw-policy-XXXXXX", path[64], link[64], want[160];
	struct policy *p = NULL;
	char **errors = NULL;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/policy.conf", dir);
	snprintf(link, sizeof(link), "%s/link.conf", dir);

	/* strict: root's, not writable by group or others */
	write_file(path, ROLE_A, strlen(ROLE_A), 0644);
	if (geteuid() == 0) {
		assert_int_equal(policy_load(path, true, &p, &errors), 0);
		assert_null(errors);
		assert_string_equal(p->file, path);
		assert_int_equal(p->n_roles, 1);
		policy_free(p);
		p = NULL;

		assert_int_equal(chmod(path, 0664), 0);
		assert_int_equal(policy_load(path, true, &p, &errors), -EPERM);
		snprintf(want, sizeof(want),
		         "%s: refusing a policy that is not owned by root or is writable by group "
		         "or others",
		         path);
		assert_string_equal(errors[0], want);
		assert_null(p);
		strv_free(errors);
		errors = NULL;
		assert_int_equal(chmod(path, 0646), 0);
		assert_int_equal(policy_load(path, true, &p, &errors), -EPERM);
		strv_free(errors);
		errors = NULL;
		assert_int_equal(chmod(path, 0644), 0);
		assert_int_equal(chown(path, 65534, 0), 0);
	}
	/* owned by someone else (or by us, not root) */
	assert_int_equal(policy_load(path, true, &p, &errors), -EPERM);
	snprintf(want, sizeof(want),
	         "%s: refusing a policy that is not owned by root or is writable by group or "
	         "others",
	         path);
	assert_string_equal(errors[0], want);
	assert_null(errors[1]);
	strv_free(errors);
	errors = NULL;
	/* without strict_owner it loads */
	assert_int_equal(policy_load(path, false, &p, &errors), 0);
	assert_null(errors);
	policy_free(p);
	p = NULL;

	/* never through a symbolic link */
	assert_int_equal(symlink(path, link), 0);
	assert_int_equal(policy_load(link, false, &p, &errors), -ELOOP);
	snprintf(want, sizeof(want), "%s: refusing to follow a symbolic link", link);
	assert_string_equal(errors[0], want);
	strv_free(errors);
	errors = NULL;
	assert_int_equal(unlink(link), 0);

	/* not a regular file: a directory, a FIFO (which must not block us) */
	assert_int_equal(policy_load(dir, false, &p, &errors), -EINVAL);
	snprintf(want, sizeof(want), "%s: not a regular file", dir);
	assert_string_equal(errors[0], want);
	strv_free(errors);
	errors = NULL;
	assert_int_equal(mkfifo(link, 0600), 0);
	assert_int_equal(policy_load(link, false, &p, &errors), -EINVAL);
	snprintf(want, sizeof(want), "%s: not a regular file", link);
	assert_string_equal(errors[0], want);
	strv_free(errors);
	errors = NULL;
	assert_int_equal(unlink(link), 0);

	/* NUL bytes: where they are */
	write_file(path, ROLE_A "ad\0min = yes\n", strlen(ROLE_A) + 13, 0644);
	assert_int_equal(policy_load(path, false, &p, &errors), -EINVAL);
	snprintf(want, sizeof(want), "%s:4: NUL byte in file", path);
	assert_string_equal(errors[0], want);
	assert_null(errors[1]);
	strv_free(errors);
	errors = NULL;

	/* errors name the file */
	write_file(path, ROLE_A "admin = maybe\n", strlen(ROLE_A) + 14, 0644);
	assert_int_equal(policy_load(path, false, &p, &errors), -EINVAL);
	snprintf(want, sizeof(want), "%s:4: admin: 'maybe' is not yes or no", path);
	assert_string_equal(errors[0], want);
	strv_free(errors);
	errors = NULL;

	/* too large */
	{
		char *big = malloc(MAX_FILE + 1);

		assert_non_null(big);
		memset(big, '\n', MAX_FILE + 1);
		write_file(path, big, MAX_FILE + 1, 0644);
		free(big);
		assert_int_equal(policy_load(path, false, &p, &errors), -EFBIG);
		snprintf(want, sizeof(want), "%s: file too large (max 1048576 bytes)", path);
		assert_string_equal(errors[0], want);
		strv_free(errors);
		errors = NULL;
	}

	/* missing */
	assert_int_equal(unlink(path), 0);
	assert_int_equal(policy_load(path, false, &p, &errors), -ENOENT);
	snprintf(want, sizeof(want), "%s: No such file or directory", path);
	assert_string_equal(errors[0], want);
	strv_free(errors);
	assert_null(p);
	assert_int_equal(rmdir(dir), 0);
}

static void test_find_role(void **state)
{
	struct policy *p = load_ok("[role first]\n"
	                           "members = @staff\n"
	                           "profiles = a\n"
	                           "[role second]\n"
	                           "members = @ops @staff bob\n"
	                           "profiles = b\n"
	                           "[role third]\n"
	                           "members = carol bob\n"
	                           "profiles = c\n");
	char *staff[] = {"users", "staff", NULL};
	char *ops_staff[] = {"ops", "staff", NULL};
	char *ops[] = {"ops", NULL};
	char *none[] = {"users", NULL};

	(void)state;
	/* the user by name beats any group, even in an earlier role */
	assert_string_equal(policy_find_role(p, "bob", staff)->name, "second");
	assert_string_equal(policy_find_role(p, "carol", staff)->name, "third");
	/* by name: the first role in file order */
	assert_string_equal(policy_find_role(p, "bob", NULL)->name, "second");
	/* by group: the first role (in file order) naming any of the groups */
	assert_string_equal(policy_find_role(p, "dave", staff)->name, "first");
	assert_string_equal(policy_find_role(p, "dave", ops_staff)->name, "first");
	assert_string_equal(policy_find_role(p, "dave", ops)->name, "second");
	/* nobody */
	assert_null(policy_find_role(p, "dave", none));
	assert_null(policy_find_role(p, "dave", NULL));
	assert_null(policy_find_role(p, NULL, NULL));
	assert_null(policy_find_role(NULL, "bob", staff));
	/* a user name is not a group name, nor the other way round */
	assert_null(policy_find_role(p, "staff", NULL));
	assert_string_equal(policy_find_role(p, "eve", (char *[]){"carol", "ops", NULL})->name,
	                    "second");
	policy_free(p);
}

static void test_profiles(void **state)
{
	struct policy *p = load_ok("[role some]\n"
	                           "members = alice\n"
	                           "profiles = default analyst\n"
	                           "[role all]\n"
	                           "members = root\n"
	                           "profiles = *\n");
	const struct role *some = &p->roles[0], *all = &p->roles[1];

	(void)state;
	assert_true(role_allows_profile(some, "default"));
	assert_true(role_allows_profile(some, "analyst"));
	assert_false(role_allows_profile(some, "analys"));
	assert_false(role_allows_profile(some, "analyst2"));
	assert_false(role_allows_profile(some, "Default"));
	assert_false(role_allows_profile(some, "*"));
	assert_false(role_allows_profile(some, ""));
	assert_false(role_allows_profile(some, NULL));
	assert_true(role_allows_profile(all, "default"));
	assert_true(role_allows_profile(all, "anything.else"));
	assert_false(role_allows_profile(NULL, "default"));
	policy_free(p);
}

static char *print(const struct policy *p)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	assert_non_null(f);
	assert_int_equal(policy_print(p, f), 0);
	fclose(f);
	return text;
}

static void assert_strv_equal(char **a, char **b)
{
	assert_int_equal(strv_length(a), strv_length(b));
	for (size_t i = 0; a[i]; i++)
		assert_string_equal(a[i], b[i]);
}

static void assert_policy_equal(const struct policy *a, const struct policy *b)
{
	assert_int_equal(a->n_roles, b->n_roles);
	for (size_t i = 0; i < a->n_roles; i++) {
		const struct role *x = &a->roles[i], *y = &b->roles[i];

		assert_string_equal(x->name, y->name);
		assert_strv_equal(x->users, y->users);
		assert_strv_equal(x->groups, y->groups);
		assert_strv_equal(x->profiles, y->profiles);
		assert_int_equal(x->max_concurrent, y->max_concurrent);
		assert_int_equal(x->queue_timeout, y->queue_timeout);
		assert_int_equal(x->launches_per_minute, y->launches_per_minute);
		assert_int_equal(x->cpu_budget, y->cpu_budget);
		assert_int_equal(x->io_budget, y->io_budget);
		assert_int_equal(x->on_budget_exhausted, y->on_budget_exhausted);
		assert_int_equal(x->admin, y->admin);
	}
}

static void round_trip(const char *text)
{
	struct policy *p = load_ok(text), *back;
	char *printed = print(p), *again;

	back = load_ok(printed);
	assert_policy_equal(p, back);
	/* and printing is stable */
	again = print(back);
	assert_string_equal(printed, again);
	free(printed);
	free(again);
	policy_free(p);
	policy_free(back);
}

static void test_print(void **state)
{
	struct policy *p = load_ok(ROLE_A "queue_timeout = 90s\n"
	                                  "\n"
	                                  "[role b]\n"
	                                  "members = @g1 bob @g2\n"
	                                  "profiles = *\n"
	                                  "max_concurrent = 7\n"
	                                  "queue_timeout = 0\n"
	                                  "launches_per_minute = 0\n"
	                                  "cpu_budget = 1h30m\n"
	                                  "io_budget = 1536M\n"
	                                  "on_budget_exhausted = kill\n"
	                                  "admin = yes\n");
	char *text = print(p);

	(void)state;
	/* defaults filled in; users before groups */
	assert_string_equal(text, "[role a]\n"
	                          "members = alice\n"
	                          "profiles = default\n"
	                          "max_concurrent = 3\n"
	                          "queue_timeout = 1min30s\n"
	                          "launches_per_minute = 30\n"
	                          "cpu_budget = max\n"
	                          "io_budget = max\n"
	                          "on_budget_exhausted = deny\n"
	                          "admin = no\n"
	                          "\n"
	                          "[role b]\n"
	                          "members = bob @g1 @g2\n"
	                          "profiles = *\n"
	                          "max_concurrent = 7\n"
	                          "queue_timeout = 0\n"
	                          "launches_per_minute = 0\n"
	                          "cpu_budget = 1h30min\n"
	                          "io_budget = 1536M\n"
	                          "on_budget_exhausted = kill\n"
	                          "admin = yes\n");
	free(text);
	policy_free(p);

	/* no roles */
	p = load_ok("");
	text = print(p);
	assert_string_equal(text, "; no roles: every caller is denied\n");
	free(text);
	policy_free(p);
}

static void test_print_round_trip(void **state)
{
	char *text = malloc((size_t)256 * 1024);
	size_t n;

	(void)state;
	round_trip("");
	round_trip(ROLE_A);
	round_trip("[role x]\nmembers = @only-groups\nprofiles = *\nqueue_timeout = 1us\n"
	           "cpu_budget = 1d2h3m4s5ms6us\nio_budget = 1\non_budget_exhausted = throttle\n"
	           "[role y]\nmembers = only$ users\nprofiles = p1 p2 p3\nio_budget = 1025K\n"
	           "launches_per_minute = 99999\nmax_concurrent = 999\nadmin = yes\n");

	/* long lists are printed on several lines, each loading back */
	assert_non_null(text);
	strcpy(text, "[role big]\nprofiles = p\n");
	n = strlen(text);
	for (int i = 0; i < 3000; i++)
		n += (size_t)sprintf(text + n, "members = user%d @group%d\n", i, i);
	for (int i = 0; i < 200; i++)
		n += (size_t)sprintf(text + n, "profiles = profile%d\n", i);
	round_trip(text);
	free(text);
}

static void test_shipped_example(void **state)
{
	struct policy *p = NULL;
	char **errors = NULL;
	const struct role *r;
	char *analysts[] = {"users", "nbwarden-analysts", NULL};
	char *admins[] = {"nbwarden-admins", "nbwarden-analysts", NULL};

	(void)state;
	if (policy_load(NBW_SOURCE_DIR "/profiles/policy.conf", false, &p, &errors) < 0) {
		STRV_FOREACH (e, errors)
			print_error("%s\n", *e);
		fail_msg("the shipped policy does not load");
	}
	assert_int_equal(p->n_roles, 2);

	r = policy_find_role(p, "alice", analysts);
	assert_non_null(r);
	assert_string_equal(r->name, "analysts");
	assert_true(role_allows_profile(r, "default"));
	assert_true(role_allows_profile(r, "analyst"));
	assert_false(role_allows_profile(r, "base"));
	assert_int_equal(r->max_concurrent, 3);
	assert_int_equal(r->queue_timeout, 10 * MIN);
	assert_int_equal(r->launches_per_minute, 20);
	assert_int_equal(r->cpu_budget, MIN * 8 * 60);
	assert_int_equal(r->io_budget, 200ULL << 30);
	assert_int_equal(r->on_budget_exhausted, BUDGET_ACTION_THROTTLE);
	assert_false(r->admin);

	/* an admin who is also an analyst is an analyst: the first role wins */
	r = policy_find_role(p, "root", admins);
	assert_string_equal(r->name, "analysts");
	r = policy_find_role(p, "root", (char *[]){"nbwarden-admins", NULL});
	assert_string_equal(r->name, "admins");
	assert_true(r->admin);
	assert_true(role_allows_profile(r, "anything"));
	assert_true(r->max_concurrent > 3);
	assert_int_equal(r->cpu_budget, VALUE_MAX);
	assert_int_equal(r->io_budget, VALUE_MAX);

	assert_null(policy_find_role(p, "mallory", (char *[]){"users", NULL}));
	policy_free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_budget_action_names),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_every_key),
		cmocka_unit_test(test_untouched_on_failure),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_errors_in_file_order),
		cmocka_unit_test(test_many_errors_capped),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_load_file),
		cmocka_unit_test(test_find_role),
		cmocka_unit_test(test_profiles),
		cmocka_unit_test(test_print),
		cmocka_unit_test(test_print_round_trip),
		cmocka_unit_test(test_shipped_example),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
