// SPDX-License-Identifier: GPL-2.0-or-later
/* Unit tests for supervisor/env.c: the command's environment and the debug checks. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "env.h"
#include "profile.h"
#include "user.h"
#include "util.h"

/* ------------------------------------------------------------------------ */
/* helpers */

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

static struct identity alice(void)
{
	return (struct identity){
		.uid = 1000,
		.gid = 1000,
		.groups = NULL,
		.n_groups = 0,
		.name = (char *)"alice",
		.home = (char *)"/home/alice",
	};
}

/* Exactly these "NAME=value" entries, in any order. */
static void assert_env_is(char **env, size_t n, ...)
{
	va_list ap;
	bool ok = strv_length(env) == n;

	va_start(ap, n);
	for (size_t i = 0; i < n; i++) {
		const char *want = va_arg(ap, const char *);

		if (!strv_contains(env, want)) {
			print_error("  missing %s\n", want);
			ok = false;
		}
	}
	va_end(ap);
	if (!ok) {
		print_error("  environment (%zu entries, want %zu):\n", strv_length(env), n);
		for (char **e = env; e && *e; e++)
			print_error("    %s\n", *e);
	}
	assert_true(ok);
}

/* ------------------------------------------------------------------------ */
/* env_build */

static void test_build_keep_set_cli(void **state)
{
	char *caller[] = {
		"LANG=C.UTF-8",      "LC_ALL=C",       "LC_TIME=de_DE",
		"JPY_PARENT_PID=42", "HOME=/root",     "USER=root",
		"LOGNAME=root",      "PATH=/evil/bin", "SECRET_TOKEN=hunter2",
		"LD_PRELOAD=/x.so",  "MPLBACKEND=Qt",  "LANGUAGE=de",
		"NOEQUALS",          "=weird",         NULL,
	};
	char *cli[] = {"DEBUG_LEVEL=3", "MPLBACKEND=TkAgg", NULL};
	struct identity id = alice();
	struct profile *p;
	char **env = NULL;

	(void)state;
	p = load("[environment]\n"
	         "keep = LANG LC_* JPY_*\n"
	         "set = MPLBACKEND=Agg LANG=en_US.UTF-8 \"GREETING=hello world\"\n");

	/* no --env: set overrides keep, nothing else of the caller passes */
	assert_int_equal(env_build(caller, p, &id, NULL, &env), 0);
	assert_env_is(env, 10, "LANG=en_US.UTF-8", "LC_ALL=C", "LC_TIME=de_DE", "JPY_PARENT_PID=42",
	              "HOME=/home/alice", "USER=alice", "LOGNAME=alice", "PATH=" ENV_DEFAULT_PATH,
	              "MPLBACKEND=Agg", "GREETING=hello world");
	strv_free(env);

	/* --env overrides set, and adds */
	env = NULL;
	assert_int_equal(env_build(caller, p, &id, cli, &env), 0);
	assert_int_equal(strv_length(env), 11);
	assert_true(strv_contains(env, "GREETING=hello world"));
	assert_true(strv_contains(env, "MPLBACKEND=TkAgg"));
	assert_false(strv_contains(env, "MPLBACKEND=Agg"));
	assert_true(strv_contains(env, "DEBUG_LEVEL=3"));
	assert_false(strv_contains(env, "SECRET_TOKEN=hunter2"));
	assert_false(strv_contains(env, "LD_PRELOAD=/x.so"));
	assert_false(strv_contains(env, "LANGUAGE=de"));
	assert_false(strv_contains(env, "PATH=/evil/bin"));
	assert_false(strv_contains(env, "HOME=/root"));
	strv_free(env);
	profile_free(p);
}

static void test_build_exact(void **state)
{
	char *caller[] = {"LANG=C", "TERM=xterm", "SECRET=1", NULL};
	struct identity id = alice();
	struct profile *p;
	char **env = NULL;

	(void)state;
	p = load("[environment]\nkeep = LANG\nset = GREETING=\"hello world\"\n");
	assert_int_equal(env_build(caller, p, &id, NULL, &env), 0);
	assert_env_is(env, 6, "LANG=C", "HOME=/home/alice", "USER=alice", "LOGNAME=alice",
	              "PATH=" ENV_DEFAULT_PATH, "GREETING=hello world");
	strv_free(env);

	/* no caller environment at all */
	env = NULL;
	assert_int_equal(env_build(NULL, p, &id, NULL, &env), 0);
	assert_env_is(env, 5, "HOME=/home/alice", "USER=alice", "LOGNAME=alice",
	              "PATH=" ENV_DEFAULT_PATH, "GREETING=hello world");
	strv_free(env);
	profile_free(p);
}

static void test_build_identity_forced(void **state)
{
	char *caller[] = {"HOME=/root",       "USER=root", "LOGNAME=root",
	                  "PATH=/caller/bin", "X=1",       NULL};
	struct identity id = alice();
	struct profile *p;
	char **env = NULL;

	(void)state;
	/* even when the profile keeps everything */
	p = load("[environment]\nkeep = *\n");
	assert_int_equal(env_build(caller, p, &id, NULL, &env), 0);
	assert_env_is(env, 5, "HOME=/home/alice", "USER=alice", "LOGNAME=alice", "PATH=/caller/bin",
	              "X=1");
	strv_free(env);
	profile_free(p);

	/* and when it keeps them by name */
	p = load("[environment]\nkeep = HOME USER LOGNAME\n");
	env = NULL;
	assert_int_equal(env_build(caller, p, &id, NULL, &env), 0);
	assert_env_is(env, 4, "HOME=/home/alice", "USER=alice", "LOGNAME=alice",
	              "PATH=" ENV_DEFAULT_PATH);
	strv_free(env);

	/* a user without a usable home gets HOME=/ */
	id.home = NULL;
	env = NULL;
	assert_int_equal(env_build(caller, p, &id, NULL, &env), 0);
	assert_true(strv_contains(env, "HOME=/"));
	assert_false(strv_contains(env, "HOME=/root"));
	strv_free(env);
	profile_free(p);
}

static void test_build_path(void **state)
{
	char *caller[] = {"PATH=/caller/bin", NULL};
	struct identity id = alice();
	struct profile *p;
	char **env = NULL;

	(void)state;
	/* default PATH when neither kept nor set */
	p = load("[environment]\nkeep = LANG\n");
	assert_int_equal(env_build(caller, p, &id, NULL, &env), 0);
	assert_true(strv_contains(env, "PATH=" ENV_DEFAULT_PATH));
	assert_false(strv_contains(env, "PATH=/caller/bin"));
	strv_free(env);
	profile_free(p);

	/* kept: the caller's, no default next to it */
	p = load("[environment]\nkeep = PATH\n");
	env = NULL;
	assert_int_equal(env_build(caller, p, &id, NULL, &env), 0);
	assert_env_is(env, 4, "PATH=/caller/bin", "HOME=/home/alice", "USER=alice",
	              "LOGNAME=alice");
	strv_free(env);
	profile_free(p);

	/* set in the profile: the profile's, once */
	p = load("[environment]\nkeep = PATH\nset = PATH=/opt/tool/bin\n");
	env = NULL;
	assert_int_equal(env_build(caller, p, &id, NULL, &env), 0);
	assert_env_is(env, 4, "PATH=/opt/tool/bin", "HOME=/home/alice", "USER=alice",
	              "LOGNAME=alice");
	strv_free(env);

	/* --env beats both */
	env = NULL;
	assert_int_equal(env_build(caller, p, &id, (char *[]){"PATH=/cli", NULL}, &env), 0);
	assert_env_is(env, 4, "PATH=/cli", "HOME=/home/alice", "USER=alice", "LOGNAME=alice");
	strv_free(env);
	profile_free(p);
}

static void test_build_globs(void **state)
{
	char *caller[] = {"LC_ALL=C", "LC_CTYPE=C", "LCX=1", "JPY_A=1", "XJPY_A=1",
	                  "A1=1",     "A22=1",      "B1=1",  NULL};
	struct identity id = alice();
	struct profile *p;
	char **env = NULL;

	(void)state;
	p = load("[environment]\nkeep = LC_* JPY_* A?\n");
	assert_int_equal(env_build(caller, p, &id, NULL, &env), 0);
	assert_env_is(env, 8, "LC_ALL=C", "LC_CTYPE=C", "JPY_A=1", "A1=1", "HOME=/home/alice",
	              "USER=alice", "LOGNAME=alice", "PATH=" ENV_DEFAULT_PATH);
	strv_free(env);
	profile_free(p);

	/* nothing kept by default */
	p = load("");
	env = NULL;
	assert_int_equal(env_build(caller, p, &id, NULL, &env), 0);
	assert_env_is(env, 4, "HOME=/home/alice", "USER=alice", "LOGNAME=alice",
	              "PATH=" ENV_DEFAULT_PATH);
	strv_free(env);
	profile_free(p);
}

/* ------------------------------------------------------------------------ */
/* debug checks */

static const char debug_profile[] = "[debug]\n"
				    "deny_env = PYTHONDEVMODE PYDEVD_*\n"
				    "deny_args = --debug \"--host 0.0.0.0\" \"-X dev\"\n";

static void expect_refused(const struct profile *p, char *const *envp, char *const *argv,
                           const char *what)
{
	char *err = NULL;
	int r = env_check_debug(p, envp, argv, &err);
	bool ok = r == -EPERM && err && strstr(err, what);

	if (!ok)
		print_error("  r = %d, error '%s', want -EPERM and '%s'\n", r, err ? err : "(null)",
		            what);
	free(err);
	assert_true(ok);
}

static void expect_allowed(const struct profile *p, char *const *envp, char *const *argv)
{
	char *err = (char *)0x1;
	int r = env_check_debug(p, envp, argv, &err);
	bool ok = r == 0 && err == NULL;

	if (!ok) {
		print_error("  r = %d, error '%s'\n", r, err && err != (char *)0x1 ? err : "-");
		if (err != (char *)0x1)
			free(err);
	}
	assert_true(ok);
}

#define V(...) ((char *const[]){__VA_ARGS__, NULL})

static void test_check_debug_production(void **state)
{
	struct profile *p;

	(void)state;
	p = load(debug_profile);
	assert_int_equal(p->environment, ENVIRONMENT_PRODUCTION);

	/* environment: exact names and globs; the message names the rule and its origin */
	expect_refused(p, V("PYTHONDEVMODE=1"), V("python3"),
	               "environment variable PYTHONDEVMODE matches deny_env 'PYTHONDEVMODE' "
	               "(t.conf:2)");
	expect_refused(p, V("LANG=C", "PYDEVD_LOAD_VALUES_ASYNC=1"), V("python3"),
	               "PYDEVD_LOAD_VALUES_ASYNC matches deny_env 'PYDEVD_*'");
	expect_refused(p, V("PYDEVD_="), NULL, "deny_env 'PYDEVD_*'");
	expect_allowed(p, V("PYTHONPATH=/x", "PYTHONDEVMODEX=1", "XPYDEVD_A=1"), V("python3"));

	/* arguments */
	expect_refused(p, NULL, V("python3", "--debug"),
	               "arguments match deny_args '--debug' "
	               "(t.conf:3)");
	expect_refused(p, NULL, V("python3", "-m", "app", "--debug=1"), "deny_args '--debug'");
	expect_refused(p, NULL, V("python3", "--host", "0.0.0.0"), "deny_args '--host 0.0.0.0'");
	expect_refused(p, NULL, V("python3", "--host=0.0.0.0"), "deny_args '--host 0.0.0.0'");
	expect_refused(p, NULL, V("python3", "-X", "dev", "app.py"), "deny_args '-X dev'");
	expect_allowed(p, NULL, V("python3", "--debugger"));
	expect_allowed(p, NULL, V("python3", "--host", "127.0.0.1"));
	expect_allowed(p, NULL, V("python3", "--host=127.0.0.1"));
	expect_allowed(p, NULL, V("python3", "0.0.0.0", "--host"));
	expect_allowed(p, NULL, V("python3", "--host"));
	expect_allowed(p, NULL, V("python3", "-X", "utf8"));

	/* argv[0] is the program, never a switch */
	expect_allowed(p, NULL, V("--debug"));
	expect_allowed(p, NULL, V("--debug=1", "app"));
	expect_allowed(p, NULL, V("--host", "0.0.0.0"));
	expect_allowed(p, NULL, NULL);
	expect_allowed(p, NULL, (char *const[]){NULL});
	profile_free(p);

	/* a production profile without debug rules refuses nothing */
	p = load("");
	expect_allowed(p, V("PYTHONDEVMODE=1"), V("python3", "--debug"));
	profile_free(p);
}

/* A variable too long for a fixed buffer must still be checked: never fail open. */
static void test_check_debug_long_name(void **state)
{
	struct profile *p;
	char *var = NULL;
	char name[301];

	(void)state;
	memset(name, 'A', sizeof(name) - 1);
	name[sizeof(name) - 1] = 0;
	memcpy(name, "PYDEVD_", 7);
	assert_true(asprintf(&var, "%s=1", name) > 0);
	p = load(debug_profile);
	{
		char *err = NULL;
		int r = env_check_debug(p, (char *const[]){var, NULL}, V("python3"), &err);

		free(err);
		free(var);
		profile_free(p);
		assert_int_equal(r, -EPERM);
	}
}

static void test_check_debug_development(void **state)
{
	struct profile *p;
	char *text = NULL;

	(void)state;
	assert_true(asprintf(&text, "%s[profile]\nenvironment = development\n", debug_profile) > 0);
	p = load(text);
	free(text);
	assert_int_equal(p->environment, ENVIRONMENT_DEVELOPMENT);
	expect_allowed(p, V("PYTHONDEVMODE=1", "PYDEVD_X=1"),
	               V("python3", "--debug", "--host", "0.0.0.0", "-X", "dev"));
	expect_allowed(p, NULL, V("python3", "--host=0.0.0.0"));
	profile_free(p);
}

static void test_args_match(void **state)
{
	(void)state;
	/* one word: an argument, or its part before the first '=' */
	assert_true(env_args_match("--debug", V("--debug")));
	assert_true(env_args_match("--debug", V("a", "--debug=yes")));
	assert_true(env_args_match("--debug", V("a", "--debug=")));
	assert_false(env_args_match("--debug", V("--debugger")));
	assert_false(env_args_match("--debug", V("x--debug")));
	assert_false(env_args_match("--debug", V("-debug")));
	assert_false(env_args_match("--debug", V("a", "b")));
	assert_false(env_args_match("--debug", (char *const[]){NULL}));
	assert_false(env_args_match("--debug", NULL));

	/* globs */
	assert_true(env_args_match("--inspect*", V("--inspect-brk=0.0.0.0:9229")));
	assert_true(env_args_match("--NotebookApp.token *", V("--NotebookApp.token", "")));
	assert_true(env_args_match("--NotebookApp.token *", V("--NotebookApp.token=abc")));

	/* two words: consecutive, or joined with '=' */
	assert_true(env_args_match("--host 0.0.0.0", V("--host", "0.0.0.0")));
	assert_true(env_args_match("--host 0.0.0.0", V("--host=0.0.0.0")));
	assert_true(env_args_match("--host 0.0.0.0", V("a", "--host", "0.0.0.0", "b")));
	assert_false(env_args_match("--host 0.0.0.0", V("--host")));
	assert_false(env_args_match("--host 0.0.0.0", V("--host", "x", "0.0.0.0")));
	assert_false(env_args_match("--host 0.0.0.0", V("0.0.0.0", "--host")));
	assert_false(env_args_match("--host 0.0.0.0", V("--host=127.0.0.1")));
	assert_false(env_args_match("--host 0.0.0.0", V("--host")));

	/* three words: consecutive only */
	assert_true(env_args_match("a b c", V("x", "a", "b", "c")));
	assert_false(env_args_match("a b c", V("a", "b")));
	assert_false(env_args_match("a b c", V("a", "b", "x", "c")));

	/* an empty pattern matches nothing */
	assert_false(env_args_match("", V("")));
	assert_false(env_args_match("   ", V("a")));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_build_keep_set_cli),
		cmocka_unit_test(test_build_exact),
		cmocka_unit_test(test_build_identity_forced),
		cmocka_unit_test(test_build_path),
		cmocka_unit_test(test_build_globs),
		cmocka_unit_test(test_check_debug_production),
		cmocka_unit_test(test_check_debug_long_name),
		cmocka_unit_test(test_check_debug_development),
		cmocka_unit_test(test_args_match),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
