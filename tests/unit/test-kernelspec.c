// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests for kernelspecs: the exact argv and metadata of kernel.json,
 * key order, the name, display-name and profile validators, defaults, the
 * nbwarden marker, and writing/removing in a scratch directory.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "cleanup.h"
#include "kernelspec.h"
#include "util.h"

#ifndef NBW_VERSION
#error "NBW_VERSION must be defined"
#endif

#define NBW    "/usr/local/bin/nbwarden"
#define PYTHON "/opt/venv/bin/python"

static const struct kernelspec base = {
	.nbwarden = NBW,
	.profile = "analyst",
	.python = PYTHON,
	.display_name = "Python 3 (nbwarden analyst)",
};

static json_t *build_ok(const struct kernelspec *k)
{
	json_t *spec = NULL;

	assert_int_equal(kernelspec_build(k, &spec), 0);
	assert_non_null(spec);
	return spec;
}

/* The spec's argv is exactly want (NULL-terminated). */
static void assert_argv(const json_t *spec, const char *const *want)
{
	const json_t *argv = json_object_get(spec, "argv");
	size_t n = 0;

	assert_true(json_is_array(argv));
	for (; want[n]; n++) {
		const json_t *a = json_array_get(argv, n);

		if (!json_is_string(a) || !streq(json_string_value(a), want[n]))
			fail_msg("argv[%zu]: expected '%s', got '%s'", n, want[n],
			         json_is_string(a) ? json_string_value(a) : "(not a string)");
	}
	assert_int_equal(json_array_size(argv), n);
}

static void test_argv(void **state)
{
	static const char *const plain[] = {
		NBW,    "run", "--profile",          "analyst", "--",
		PYTHON, "-m",  "ipykernel_launcher", "-f",      "{connection_file}",
		NULL};
	static const char *const with_socket[] = {NBW,         "run",
	                                          "--profile", "analyst",
	                                          "--socket",  "/run/nbwarden/nbwarden.sock",
	                                          "--",        PYTHON,
	                                          "-m",        "ipykernel_launcher",
	                                          "-f",        "{connection_file}",
	                                          NULL};
	static const char *const with_config[] = {NBW,         "run",
	                                          "--profile", "/etc/nbwarden/profiles/x.conf",
	                                          "--config",  "/etc/nbwarden/other.conf",
	                                          "--",        PYTHON,
	                                          "-m",        "ipykernel_launcher",
	                                          "-f",        "{connection_file}",
	                                          NULL};
	static const char *const with_both[] = {NBW,         "run",
	                                        "--profile", "analyst",
	                                        "--socket",  "/s",
	                                        "--config",  "/c",
	                                        "--",        PYTHON,
	                                        "-m",        "ipykernel_launcher",
	                                        "-f",        "{connection_file}",
	                                        NULL};
	static const char *const with_parent[] = {NBW,
	                                          "run",
	                                          "--profile",
	                                          "analyst",
	                                          "--config",
	                                          "/c",
	                                          "--cgroup-parent",
	                                          "lab/kernels",
	                                          "--",
	                                          PYTHON,
	                                          "-m",
	                                          "ipykernel_launcher",
	                                          "-f",
	                                          "{connection_file}",
	                                          NULL};
	struct kernelspec k = base;
	json_t *spec;

	(void)state;
	spec = build_ok(&k);
	assert_argv(spec, plain);
	json_decref(spec);

	k.socket = "/run/nbwarden/nbwarden.sock";
	spec = build_ok(&k);
	assert_argv(spec, with_socket);
	json_decref(spec);

	k = base;
	k.profile = "/etc/nbwarden/profiles/x.conf";
	k.config = "/etc/nbwarden/other.conf";
	spec = build_ok(&k);
	assert_argv(spec, with_config);
	json_decref(spec);

	/* the builder passes both through, in this order (the command refuses the pair) */
	k = base;
	k.socket = "/s";
	k.config = "/c";
	spec = build_ok(&k);
	assert_argv(spec, with_both);
	json_decref(spec);

	/* embedded: the kernels' cgroups below a chosen parent */
	k = base;
	k.config = "/c";
	k.cgroup_parent = "lab/kernels";
	spec = build_ok(&k);
	assert_argv(spec, with_parent);
	json_decref(spec);
}

static void test_fields_and_metadata(void **state)
{
	struct kernelspec k = base;
	const json_t *meta, *mark, *env;
	json_t *spec;

	(void)state;
	k.display_name = "Sandboxed Python — ünïcode";
	k.profile = "/srv/profiles/team.conf";
	spec = build_ok(&k);
	assert_string_equal(json_string_value(json_object_get(spec, "display_name")),
	                    "Sandboxed Python — ünïcode");
	assert_string_equal(json_string_value(json_object_get(spec, "language")), "python");
	assert_string_equal(json_string_value(json_object_get(spec, "interrupt_mode")), "signal");
	env = json_object_get(spec, "env");
	assert_true(json_is_object(env));
	assert_int_equal(json_object_size(env), 0);

	meta = json_object_get(spec, "metadata");
	assert_true(json_is_object(meta));
	assert_int_equal(json_object_size(meta), 2);
	assert_true(json_is_false(json_object_get(meta, "debugger")));
	mark = json_object_get(meta, "nbwarden");
	assert_true(json_is_object(mark));
	assert_int_equal(json_object_size(mark), 2);
	assert_string_equal(json_string_value(json_object_get(mark, "profile")),
	                    "/srv/profiles/team.conf");
	assert_string_equal(json_string_value(json_object_get(mark, "version")), NBW_VERSION);
	assert_int_equal(json_object_size(spec), 6);
	assert_true(kernelspec_is_nbwarden(spec));
	json_decref(spec);
}

static void test_format(void **state)
{
	static const char *const order[] = {
		"\"argv\"",    "\"display_name\"", "\"language\"", "\"interrupt_mode\"",
		"\"env\"",     "\"metadata\"",     "\"debugger\"", "\"nbwarden\"",
		"\"profile\"", "\"version\""};
	_cleanup_free_ char *text = NULL, *again = NULL;
	json_t *parsed;
	const char *at;

	(void)state;
	assert_int_equal(kernelspec_format(&base, &text), 0);
	/* keys in a stable order, indented, one trailing newline */
	at = text;
	for (size_t i = 0; i < ELEMENTSOF(order); i++) {
		const char *p = strstr(at, order[i]);

		if (!p)
			fail_msg("key %s missing or out of order in:\n%s", order[i], text);
		at = p;
	}
	assert_non_null(strstr(text, "\n \"argv\": [\n  \"" NBW "\",\n"));
	assert_int_equal(text[strlen(text) - 1], '\n');
	assert_int_not_equal(text[strlen(text) - 2], '\n');
	/* slashes are not escaped, so paths read as they are */
	assert_null(strstr(text, "\\/"));
	parsed = json_loads(text, 0, NULL);
	assert_non_null(parsed);
	assert_true(kernelspec_is_nbwarden(parsed));
	json_decref(parsed);
	assert_true(kernelspec_text_is_nbwarden(text, strlen(text)));
	/* stable: the same options give the same bytes */
	assert_int_equal(kernelspec_format(&base, &again), 0);
	assert_string_equal(text, again);
}

static void check_refused(const struct kernelspec *k, const char *want_in_error)
{
	_cleanup_free_ char *error = NULL;
	json_t *spec = NULL;

	assert_int_equal(kernelspec_check(k, &error), -EINVAL);
	assert_non_null(error);
	if (!strstr(error, want_in_error))
		fail_msg("expected '%s' in '%s'", want_in_error, error);
	assert_int_equal(kernelspec_build(k, &spec), -EINVAL);
	assert_null(spec);
}

static void test_check(void **state)
{
	struct kernelspec k;

	(void)state;
	assert_int_equal(kernelspec_check(&base, NULL), 0);

	k = base;
	k.python = "python3";
	check_refused(&k, "--python 'python3' is not an absolute path");
	k = base;
	k.python = "/usr/bin/{prefix}/python";
	check_refused(&k, "Jupyter would substitute");
	k = base;
	k.socket = "run/x.sock";
	check_refused(&k, "--socket");
	k = base;
	k.config = "nbwarden.conf";
	check_refused(&k, "--config");
	k = base;
	k.config = "/etc/{x}.conf";
	check_refused(&k, "--config");
	k = base;
	k.cgroup_parent = "lab/../x";
	check_refused(&k, "--cgroup-parent 'lab/../x'");
	k = base;
	k.cgroup_parent = "/lab";
	check_refused(&k, "not a canonical cgroup path");
	k = base;
	k.cgroup_parent = "lab";
	k.socket = "/s";
	check_refused(&k, "--cgroup-parent and --socket cannot be combined");
	k = base;
	k.nbwarden = "nbwarden";
	check_refused(&k, "the nbwarden binary");
	k = base;
	k.profile = "../analyst";
	check_refused(&k, "neither a profile name");
	k = base;
	k.profile = "/srv/{connection_file}.conf";
	check_refused(&k, "profile '/srv/{connection_file}.conf' contains");
	k = base;
	k.python = "/usr/bin/py\xff";
	check_refused(&k, "not valid UTF-8");
	k = base;
	k.display_name = "two\nlines";
	check_refused(&k, "display name");
	k = base;
	k.display_name = NULL;
	check_refused(&k, "incomplete");
	k = base;
	k.python = NULL;
	check_refused(&k, "incomplete");
	assert_int_equal(kernelspec_check(NULL, NULL), -EINVAL);
}

static void test_name(void **state)
{
	char s[KERNELSPEC_NAME_MAX + 2];

	(void)state;
	assert_true(kernelspec_name_is_valid("nbwarden-analyst"));
	assert_true(kernelspec_name_is_valid("Py_3.11-x"));
	assert_true(kernelspec_name_is_valid("a"));
	assert_true(kernelspec_name_is_valid("-"));
	assert_true(kernelspec_name_is_valid("..."));
	assert_true(kernelspec_name_is_valid(".hidden"));
	memset(s, 'k', KERNELSPEC_NAME_MAX);
	s[KERNELSPEC_NAME_MAX] = 0;
	assert_true(kernelspec_name_is_valid(s));
	s[KERNELSPEC_NAME_MAX] = 'k';
	s[KERNELSPEC_NAME_MAX + 1] = 0;
	assert_false(kernelspec_name_is_valid(s));

	assert_false(kernelspec_name_is_valid(NULL));
	assert_false(kernelspec_name_is_valid(""));
	assert_false(kernelspec_name_is_valid("."));
	assert_false(kernelspec_name_is_valid(".."));
	assert_false(kernelspec_name_is_valid("a/b"));
	assert_false(kernelspec_name_is_valid("/abs"));
	assert_false(kernelspec_name_is_valid("a b"));
	assert_false(kernelspec_name_is_valid("a\tb"));
	assert_false(kernelspec_name_is_valid("a\n"));
	assert_false(kernelspec_name_is_valid("caf\xc3\xa9")); /* é: ASCII only */
	assert_false(kernelspec_name_is_valid("a+b"));
	assert_false(kernelspec_name_is_valid("a:b"));
	assert_false(kernelspec_name_is_valid("{connection_file}"));
}

static void test_display_name(void **state)
{
	char s[KERNELSPEC_DISPLAY_NAME_MAX + 2];

	(void)state;
	assert_true(kernelspec_display_name_is_valid("Python 3 (nbwarden analyst)"));
	assert_true(kernelspec_display_name_is_valid("x"));
	assert_true(kernelspec_display_name_is_valid("Caf\xc3\xa9 \xe2\x80\x94 \xf0\x9f\x90\x8d"));
	assert_true(kernelspec_display_name_is_valid("{connection_file}")); /* not substituted */
	memset(s, 'd', KERNELSPEC_DISPLAY_NAME_MAX);
	s[KERNELSPEC_DISPLAY_NAME_MAX] = 0;
	assert_true(kernelspec_display_name_is_valid(s));
	s[KERNELSPEC_DISPLAY_NAME_MAX] = 'd';
	s[KERNELSPEC_DISPLAY_NAME_MAX + 1] = 0;
	assert_false(kernelspec_display_name_is_valid(s));

	assert_false(kernelspec_display_name_is_valid(NULL));
	assert_false(kernelspec_display_name_is_valid(""));
	/* control characters: C0, DEL, C1 */
	assert_false(kernelspec_display_name_is_valid("a\tb"));
	assert_false(kernelspec_display_name_is_valid("a\nb"));
	assert_false(kernelspec_display_name_is_valid("a\rb"));
	assert_false(kernelspec_display_name_is_valid("\x1b[31mred"));
	assert_false(kernelspec_display_name_is_valid("a\x7f"));
	assert_false(kernelspec_display_name_is_valid("a\xc2\x85")); /* U+0085 NEL */
	assert_false(kernelspec_display_name_is_valid("a\xc2\x9b")); /* U+009B CSI */
	assert_true(kernelspec_display_name_is_valid("a\xc2\xa0"));  /* U+00A0: not a control */
	/* kernel.json is JSON: UTF-8 only */
	assert_false(kernelspec_display_name_is_valid("\xff"));
	assert_false(kernelspec_display_name_is_valid("a\xc3"));            /* cut short */
	assert_false(kernelspec_display_name_is_valid("\xc0\xaf"));         /* overlong '/' */
	assert_false(kernelspec_display_name_is_valid("\xed\xa0\x80"));     /* surrogate */
	assert_false(kernelspec_display_name_is_valid("\xf4\x90\x80\x80")); /* > U+10FFFF */
}

static void test_profile(void **state)
{
	char s[KERNELSPEC_PROFILE_NAME_MAX + 2];

	(void)state;
	assert_true(kernelspec_profile_is_valid("analyst"));
	assert_true(kernelspec_profile_is_valid("team_a.v2-x"));
	assert_true(kernelspec_profile_is_valid("/etc/nbwarden/profiles/x.conf"));
	memset(s, 'p', KERNELSPEC_PROFILE_NAME_MAX);
	s[KERNELSPEC_PROFILE_NAME_MAX] = 0;
	assert_true(kernelspec_profile_is_valid(s));
	s[KERNELSPEC_PROFILE_NAME_MAX] = 'p';
	s[KERNELSPEC_PROFILE_NAME_MAX + 1] = 0;
	assert_false(kernelspec_profile_is_valid(s));
	assert_false(kernelspec_profile_is_valid(NULL));
	assert_false(kernelspec_profile_is_valid(""));
	assert_false(kernelspec_profile_is_valid(".analyst"));
	assert_false(kernelspec_profile_is_valid("profiles/analyst.conf"));
	assert_false(kernelspec_profile_is_valid("./analyst.conf"));
	assert_false(kernelspec_profile_is_valid("ana lyst"));
}

static void test_defaults(void **state)
{
	char *s = NULL;

	(void)state;
	assert_int_equal(kernelspec_default_name("analyst", &s), 0);
	assert_string_equal(s, "nbwarden-analyst");
	free(s);
	assert_int_equal(kernelspec_default_name("/srv/profiles/Team.A.conf", &s), 0);
	assert_string_equal(s, "nbwarden-team.a");
	free(s);
	/* a name is used as it is: only a path loses ".conf" */
	assert_int_equal(kernelspec_default_name("x.conf", &s), 0);
	assert_string_equal(s, "nbwarden-x.conf");
	free(s);
	assert_int_equal(kernelspec_default_display_name("analyst", &s), 0);
	assert_string_equal(s, "Python 3 (nbwarden analyst)");
	free(s);
	assert_int_equal(kernelspec_default_display_name("/srv/profiles/Team.conf", &s), 0);
	assert_string_equal(s, "Python 3 (nbwarden Team)");
	free(s);
	s = NULL;
	assert_int_equal(kernelspec_default_name("/srv/profiles/.conf", &s), -EINVAL);
	assert_int_equal(kernelspec_default_name("/srv/profiles/", &s), -EINVAL);
	assert_int_equal(kernelspec_default_name("", &s), -EINVAL);
	assert_null(s);

	s = strdup("Nbwarden-Team_A.X");
	assert_non_null(s);
	kernelspec_name_normalize(s);
	assert_string_equal(s, "nbwarden-team_a.x");
	free(s);
}

static void test_marker(void **state)
{
	static const struct {
		const char *text;
		bool nbwarden;
	} cases[] = {
		{"{\"metadata\": {\"nbwarden\": {\"profile\": \"analyst\"}}}", true},
		{"{\"metadata\": {\"nbwarden\": {}}}", true},
		{"{\"argv\": [\"python3\"], \"display_name\": \"x\", \"language\": \"python\"}",
	         false},
		{"{\"metadata\": {}}", false},
		{"{\"metadata\": {\"debugger\": true}}", false},
		{"{\"metadata\": {\"nbwarden\": true}}", false},
		{"{\"metadata\": {\"nbwarden\": \"yes\"}}", false},
		{"{\"metadata\": {\"nbwarden\": null}}", false},
		{"{\"metadata\": [\"nbwarden\"]}", false},
		{"{\"nbwarden\": {}}", false},
		{"[{\"metadata\": {\"nbwarden\": {}}}]", false},
		{"{\"metadata\": {\"nbwarden\": {}}", false}, /* cut short */
		{"", false},
		{"not json", false},
		{"{\"metadata\": {\"nbwarden\": {}}} trailing", false},
	};
	json_t *j;

	(void)state;
	for (size_t i = 0; i < ELEMENTSOF(cases); i++)
		if (kernelspec_text_is_nbwarden(cases[i].text, strlen(cases[i].text)) !=
		    cases[i].nbwarden)
			fail_msg("marker of '%s': expected %d", cases[i].text, cases[i].nbwarden);
	assert_false(kernelspec_text_is_nbwarden(NULL, 0));
	assert_false(kernelspec_is_nbwarden(NULL));
	j = json_string("metadata");
	assert_false(kernelspec_is_nbwarden(j));
	json_decref(j);
}

static void test_kernels_dir(void **state)
{
	_cleanup_free_ char *want = NULL;
	struct passwd *pw = getpwuid(getuid());
	char *dir = NULL, *error = NULL;

	(void)state;
	assert_int_equal(kernelspec_kernels_dir(KERNELSPEC_SYSTEM, NULL, &dir, &error), 0);
	assert_string_equal(dir, "/usr/local/share/jupyter/kernels");
	free(dir);
	assert_int_equal(kernelspec_kernels_dir(KERNELSPEC_PREFIX, "/opt/venv", &dir, &error), 0);
	assert_string_equal(dir, "/opt/venv/share/jupyter/kernels");
	free(dir);
	assert_int_equal(kernelspec_kernels_dir(KERNELSPEC_PREFIX, "/", &dir, &error), 0);
	assert_string_equal(dir, "/share/jupyter/kernels");
	free(dir);
	dir = NULL;
	assert_int_equal(kernelspec_kernels_dir(KERNELSPEC_PREFIX, "venv", &dir, &error), -EINVAL);
	assert_null(dir);
	assert_non_null(error);
	free(error);

	/* the home of the uid, from the user database: $HOME does not matter */
	assert_non_null(pw);
	assert_int_equal(setenv("HOME", "/tmp/elsewhere", 1), 0);
	assert_int_equal(kernelspec_kernels_dir(KERNELSPEC_USER, NULL, &dir, &error), 0);
	assert_true(asprintf(&want, "%s/.local/share/jupyter/kernels",
	                     streq(pw->pw_dir, "/") ? "" : pw->pw_dir) > 0);
	assert_string_equal(dir, want);
	free(dir);
}

/* ------------------------------------------------------------------------ */
/* the filesystem, in a scratch directory */

static char scratch[] = "/tmp/test-kernelspec-XXXXXX";

static int scratch_setup(void **state)
{
	(void)state;
	return mkdtemp(scratch) ? 0 : -1;
}

static int scratch_teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", scratch);
	return system(cmd) == 0 ? 0 : -1;
}

/* scratch/rel, in one of a few static buffers (no allocation to free) */
static const char *sp(const char *rel)
{
	static char bufs[4][PATH_MAX];
	static unsigned next;
	char *b = bufs[next++ % ELEMENTSOF(bufs)];

	assert_true((size_t)snprintf(b, PATH_MAX, "%s/%s", scratch, rel) < PATH_MAX);
	return b;
}

static void put(const char *rel, const char *text)
{
	FILE *f = fopen(sp(rel), "we");

	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
}

static bool exists(const char *rel)
{
	return access(sp(rel), F_OK) == 0;
}

static void test_write_and_delete(void **state)
{
	_cleanup_free_ char *kernels = strdup(sp("p/share/jupyter/kernels"));
	_cleanup_free_ char *json = strdup(sp("p/share/jupyter/kernels/nbw/kernel.json"));
	_cleanup_free_ char *text = NULL, *error = NULL;
	struct stat st;
	mode_t old_umask;

	(void)state;
	assert_non_null(kernels);
	assert_non_null(json);
	assert_int_equal(kernelspec_format(&base, &text), 0);
	old_umask = umask(077);
	assert_int_equal(kernelspec_write(kernels, "nbw", text, false, &error), 0);
	umask(old_umask);
	assert_int_equal(lstat(json, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0644); /* whatever the umask */
	assert_int_equal(lstat(kernels, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0755);
	assert_true(exists("p/share/jupyter/kernels/nbw"));

	/* ours: replaced without --replace, no temporary file left */
	assert_int_equal(kernelspec_write(kernels, "nbw", text, false, &error), 0);
	assert_int_equal(kernelspec_delete(kernels, "nbw", &error), 0);
	assert_false(exists("p/share/jupyter/kernels/nbw"));
	assert_true(exists("p/share/jupyter/kernels"));

	/* gone: -ENOENT with the message the command prints */
	assert_int_equal(kernelspec_delete(kernels, "nbw", &error), -ENOENT);
	assert_non_null(strstr(error, "no kernelspec nbw in "));
	free(error);
	error = NULL;
}

static void test_foreign(void **state)
{
	_cleanup_free_ char *kernels = strdup(sp("f")), *text = NULL, *error = NULL;
	static const char foreign[] = "{\"argv\": [\"python3\"], \"display_name\": \"Python 3\"}\n";

	(void)state;
	assert_non_null(kernels);
	assert_int_equal(mkdir(kernels, 0755), 0);
	assert_int_equal(mkdir(sp("f/py"), 0755), 0);
	put("f/py/kernel.json", foreign);
	put("f/py/logo-64x64.png", "png");
	assert_int_equal(kernelspec_format(&base, &text), 0);

	/* another tool's kernelspec: refused, untouched */
	assert_int_equal(kernelspec_write(kernels, "py", text, false, &error), -EEXIST);
	assert_non_null(strstr(error, "--replace"));
	free(TAKE_PTR(error));
	assert_int_equal(kernelspec_delete(kernels, "py", &error), -EPERM);
	assert_non_null(strstr(error, "not an nbwarden kernelspec"));
	free(TAKE_PTR(error));
	assert_true(exists("f/py/kernel.json"));

	/* --replace: kernel.json is ours now, the other file stays */
	assert_int_equal(kernelspec_write(kernels, "py", text, true, &error), 0);
	assert_true(exists("f/py/logo-64x64.png"));
	/* and remove refuses a directory with files nbwarden did not write */
	assert_int_equal(kernelspec_delete(kernels, "py", &error), -ENOTEMPTY);
	assert_non_null(strstr(error, "logo-64x64.png"));
	free(TAKE_PTR(error));
	assert_true(exists("f/py/kernel.json"));
	unlink(sp("f/py/logo-64x64.png"));
	assert_int_equal(kernelspec_delete(kernels, "py", &error), 0);
	assert_false(exists("f/py"));

	/* a link is never followed, and never nbwarden's */
	assert_int_equal(mkdir(sp("f/ln"), 0755), 0);
	assert_int_equal(symlink("/etc/hostname", sp("f/ln/kernel.json")), 0);
	assert_int_equal(kernelspec_write(kernels, "ln", text, false, &error), -EEXIST);
	free(TAKE_PTR(error));
	assert_int_equal(kernelspec_delete(kernels, "ln", &error), -EPERM);
	free(TAKE_PTR(error));
	assert_int_equal(symlink(scratch, sp("f/dirlink")), 0);
	assert_int_equal(kernelspec_write(kernels, "dirlink", text, true, &error), -ENOTDIR);
	free(TAKE_PTR(error));
	assert_int_equal(kernelspec_delete(kernels, "dirlink", &error), -EPERM);
	free(TAKE_PTR(error));

	/* a name that is not a kernel name never reaches the filesystem */
	assert_int_equal(kernelspec_write(kernels, "..", text, true, &error), -EINVAL);
	free(TAKE_PTR(error));
	assert_int_equal(kernelspec_delete(kernels, "..", &error), -EINVAL);
	free(TAKE_PTR(error));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_argv),
		cmocka_unit_test(test_fields_and_metadata),
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_check),
		cmocka_unit_test(test_name),
		cmocka_unit_test(test_display_name),
		cmocka_unit_test(test_profile),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_marker),
		cmocka_unit_test(test_kernels_dir),
		cmocka_unit_test(test_write_and_delete),
		cmocka_unit_test(test_foreign),
	};

	return cmocka_run_group_tests(tests, scratch_setup, scratch_teardown);
}
