// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests for supervisor/profile.c: parsing, defaults, includes, every
 * error path ("FILE:LINE: message"), printing and re-parsing.
 * Files are written below a private mkdtemp() directory, removed at the end.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "profile.h"
#include "util.h"

/* The parser keeps at most this many messages (profile.c's MAX_ERRORS). */
#define MAX_ERRORS 100

static char tmpdir[] = "/tmp/nbw-test-profile-XXXXXX";

/* ------------------------------------------------------------------------ */
/* helpers */

static void dump_errors(char **errors)
{
	for (char **e = errors; e && *e; e++)
		print_error("  error: %s\n", *e);
}

/* Does err read exactly "FILE:LINE: ..." (or "FILE: ..." for line 0) and contain what? */
static bool error_is(const char *err, const char *file, unsigned line, const char *what)
{
	char prefix[4096];

	if (line > 0)
		snprintf(prefix, sizeof(prefix), "%s:%u: ", file, line);
	else
		snprintf(prefix, sizeof(prefix), "%s: ", file);
	return err && strncmp(err, prefix, strlen(prefix)) == 0 &&
	       strstr(err + strlen(prefix), what) != NULL;
}

/* Frees errors and p; returns whether they were as expected (printing why not). */
static bool check_errors_v(int r, int want_r, struct profile *p, char **errors, const char *file,
                           size_t n, va_list ap)
{
	bool ok = r == want_r && p == NULL && strv_length(errors) == n;

	for (size_t i = 0; ok && i < n; i++) {
		unsigned line = va_arg(ap, unsigned);
		const char *what = va_arg(ap, const char *);

		ok = error_is(errors[i], file, line, what);
		if (!ok)
			print_error("  expected error %zu: %s:%u: ...%s...\n", i, file, line, what);
	}
	if (!ok) {
		print_error("  r = %d (want %d), %zu errors (want %zu)\n", r, want_r,
		            strv_length(errors), n);
		dump_errors(errors);
	}
	strv_free(errors);
	profile_free(p);
	return ok;
}

/*
 * Load text as "t.conf" and expect it to fail with exactly n errors, given
 * as (unsigned line, const char *substring) pairs.
 */
static void expect_errors(const char *text, size_t n, ...)
{
	struct profile *p = NULL;
	char **errors = NULL;
	va_list ap;
	bool ok;
	int r;

	r = profile_load_string(text, "t.conf", NULL, &p, &errors);
	va_start(ap, n);
	ok = check_errors_v(r, -EINVAL, p, errors, "t.conf", n, ap);
	va_end(ap);
	assert_true(ok);
}

static void expect_error(const char *text, unsigned line, const char *what)
{
	expect_errors(text, 1, line, what);
}

/* Same for profile_load() on a file. */
static void expect_file_errors(const char *path, unsigned flags, int want_r, size_t n, ...)
{
	struct profile *p = NULL;
	char **errors = NULL;
	va_list ap;
	bool ok;
	int r;

	r = profile_load(path, NULL, flags, &p, &errors);
	va_start(ap, n);
	ok = check_errors_v(r, want_r, p, errors, path, n, ap);
	va_end(ap);
	assert_true(ok);
}

static struct profile *load_string_ok(const char *text, const char *filename)
{
	struct profile *p = NULL;
	char **errors = NULL;
	int r;

	r = profile_load_string(text, filename, NULL, &p, &errors);
	if (r != 0 || !p || strv_length(errors) != 0) {
		print_error("  profile_load_string() = %d\n", r);
		dump_errors(errors);
		strv_free(errors);
		profile_free(p);
		fail();
	}
	strv_free(errors);
	return p;
}

static struct profile *load_ok(const char *text)
{
	return load_string_ok(text, "t.conf");
}

static struct profile *load_file_ok(const char *path, const struct profile_search *search,
                                    unsigned flags)
{
	struct profile *p = NULL;
	char **errors = NULL;
	int r;

	r = profile_load(path, search, flags, &p, &errors);
	if (r != 0 || !p || strv_length(errors) != 0) {
		print_error("  profile_load(%s) = %d\n", path, r);
		dump_errors(errors);
		strv_free(errors);
		profile_free(p);
		fail();
	}
	strv_free(errors);
	return p;
}

/* tmpdir/rel, malloc'ed */
static char *tpath(const char *rel)
{
	char *s = path_join(tmpdir, rel);

	assert_non_null(s);
	return s;
}

static void make_dir(const char *rel)
{
	char *d = tpath(rel);

	assert_int_equal(mkdir(d, 0755), 0);
	free(d);
}

/* Write len bytes to tmpdir/rel with the given mode; returns the full path. */
static char *write_bytes(const char *rel, const char *data, size_t len, mode_t mode)
{
	char *path = tpath(rel);
	int fd;

	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	assert_int_equal(fchmod(fd, mode), 0); /* explicit: independent of the umask */
	assert_int_equal(close(fd), 0);
	return path;
}

static char *write_mode(const char *rel, const char *text, mode_t mode)
{
	return write_bytes(rel, text, strlen(text), mode);
}

static char *write_text(const char *rel, const char *text)
{
	return write_mode(rel, text, 0644);
}

static void write_text_free(const char *rel, const char *text)
{
	free(write_text(rel, text));
}

/* Join lines with '\n' (each line terminated). */
static char *join_lines(const char *const *lines, size_t n)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	for (size_t i = 0; i < n; i++)
		fprintf(f, "%s\n", lines[i]);
	assert_int_equal(fclose(f), 0);
	return buf;
}

/* 1-based number of the line that is exactly s. */
static unsigned line_of(const char *const *lines, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++)
		if (streq(lines[i], s))
			return (unsigned)i + 1;
	fail_msg("no line '%s'", s);
	return 0;
}

static void assert_list(const struct list *l, size_t n, ...)
{
	va_list ap;
	bool ok = l->n == n;

	va_start(ap, n);
	for (size_t i = 0; ok && i < n; i++)
		ok = streq(l->items[i].value, va_arg(ap, const char *));
	va_end(ap);
	if (!ok) {
		print_error("  list has %zu entries (want %zu):\n", l->n, n);
		for (size_t i = 0; i < l->n; i++)
			print_error("    '%s'\n", l->items[i].value);
	}
	assert_true(ok);
}

static void assert_origin(const struct origin *o, const char *file, unsigned line)
{
	if (!streq(o->file, file) || o->line != line)
		fail_msg("origin %s:%u, want %s:%u", o->file ? o->file : "(null)", o->line, file,
		         line);
}

static void v4mapped(const char *a, uint8_t out[16])
{
	memset(out, 0, 16);
	out[10] = out[11] = 0xff;
	assert_int_equal(inet_pton(AF_INET, a, out + 12), 1);
}

static void v6(const char *a, uint8_t out[16])
{
	assert_int_equal(inet_pton(AF_INET6, a, out), 1);
}

static void assert_rule(const struct net_rule *r, const char *host, const uint8_t addr[16],
                        unsigned prefix, enum net_proto proto, unsigned lo, unsigned hi)
{
	if (host) {
		assert_non_null(r->host);
		assert_string_equal(r->host, host);
	} else {
		assert_null(r->host);
		assert_memory_equal(r->addr, addr, 16);
		assert_int_equal(r->prefix, prefix);
	}
	assert_int_equal(r->proto, proto);
	assert_int_equal(r->port_lo, lo);
	assert_int_equal(r->port_hi, hi);
}

/* ------------------------------------------------------------------------ */
/* a full profile: every section and key of the key table */

static const char *const full_lines[] = {
	"; full profile: every key of the key table",
	"[profile]",
	"include = extra",
	"description = Everything",
	"environment = development",
	"user = analyst",
	"allow_root = yes",
	"",
	"[exec]",
	"allow = /usr/bin/python3 //usr/bin/./env",
	"allow = /bin/sh",
	"log = all",
	"",
	"[filesystem]",
	"read_only = / /opt/data",
	"hide = /home \"/srv/with space\" ~/.ssh",
	"writable = ~/notebooks ~",
	"tmpfs = /tmp size=256M",
	"tmpfs = ~/cache size=64k mode=0700",
	"",
	"[network]",
	"mode = host",
	"bind = any",
	"log = all",
	"allow = 10.0.0.0/8 tcp 443",
	"allow = 192.168.1.7 udp 53",
	"allow = 2001:db8::/32 any any",
	"allow = pypi.org tcp 8000-8100",
	"allow = ::1 tcp 22",
	"",
	"[syscalls]",
	"deny = @mount ptrace",
	"deny = @bpf",
	"action = kill",
	"",
	"[limits]",
	"memory = 2G",
	"memory_high = 1536M",
	"swap = 0",
	"cpus = 1.5",
	"pids = 256",
	"io_read = 100M",
	"io_write = 10M",
	"io_device = /dev/sda",
	"wall_time = 1h30min",
	"cpu_time = 10min",
	"io_bytes = 5G",
	"runaway = 120s",
	"nofile = 4096",
	"enforce = best-effort",
	"",
	"[environment]",
	"keep = LANG LC_* JPY_*",
	"set = MPLBACKEND=Agg \"GREETING=hello world\"",
	"",
	"[debug]",
	"deny_env = PYTHONDEVMODE PYDEVD_*",
	"deny_args = --debug \"--host 0.0.0.0\"",
	"",
	"[violations]",
	"exec = deny",
	"network = kill",
};

static void test_full_profile(void **state)
{
	char *text, *path, *extra;
	struct profile *p;
	uint8_t a[16];
	unsigned n = ELEMENTSOF(full_lines);

	(void)state;
	make_dir("full");
	extra = write_text("full/extra.conf", "[exec]\n"
	                                      "allow = /usr/bin/extra\n"
	                                      "[network]\n"
	                                      "allow = 172.16.0.0/12 udp 123\n");
	text = join_lines(full_lines, n);
	path = write_text("full/full.conf", text);
	p = load_file_ok(path, NULL, 0);

	assert_string_equal(p->name, path);
	assert_int_equal(strv_length(p->files), 2);
	assert_string_equal(p->files[0], path);
	assert_string_equal(p->files[1], extra);

	/* [profile] */
	assert_string_equal(p->description, "Everything");
	assert_int_equal(p->environment, ENVIRONMENT_DEVELOPMENT);
	assert_string_equal(p->user, "analyst");
	assert_true(p->allow_root);
	assert_origin(&p->origin[PKEY_DESCRIPTION], path,
	              line_of(full_lines, n, "description = Everything"));
	assert_origin(&p->origin[PKEY_ALLOW_ROOT], path,
	              line_of(full_lines, n, "allow_root = yes"));

	/* [exec]: the included file's entries first, canonicalized */
	assert_list(&p->exec_allow, 4, "/usr/bin/extra", "/usr/bin/python3", "/usr/bin/env",
	            "/bin/sh");
	assert_origin(&p->exec_allow.items[0].origin, extra, 2);
	assert_origin(&p->exec_allow.items[1].origin, path,
	              line_of(full_lines, n, "allow = /usr/bin/python3 //usr/bin/./env"));
	assert_origin(&p->exec_allow.items[3].origin, path,
	              line_of(full_lines, n, "allow = /bin/sh"));
	assert_int_equal(p->exec_log, LOG_ALL);

	/* [filesystem] */
	assert_list(&p->read_only, 2, "/", "/opt/data");
	assert_list(&p->hide, 3, "/home", "/srv/with space", "~/.ssh");
	assert_list(&p->writable, 2, "~/notebooks", "~");
	assert_int_equal(p->n_tmpfs, 2);
	assert_string_equal(p->tmpfs[0].path, "/tmp");
	assert_true(p->tmpfs[0].size == 256ULL << 20);
	assert_int_equal(p->tmpfs[0].mode, 01777);
	assert_origin(&p->tmpfs[0].origin, path, line_of(full_lines, n, "tmpfs = /tmp size=256M"));
	assert_string_equal(p->tmpfs[1].path, "~/cache");
	assert_true(p->tmpfs[1].size == 64ULL << 10);
	assert_int_equal(p->tmpfs[1].mode, 0700);

	/* [network] */
	assert_int_equal(p->net_mode, NET_MODE_HOST);
	assert_int_equal(p->net_bind, NET_BIND_ANY);
	assert_int_equal(p->net_log, LOG_ALL);
	assert_int_equal(p->n_net_allow, 6);
	v4mapped("172.16.0.0", a);
	assert_rule(&p->net_allow[0], NULL, a, 96 + 12, NET_PROTO_UDP, 123, 123);
	assert_origin(&p->net_allow[0].origin, extra, 4);
	v4mapped("10.0.0.0", a);
	assert_rule(&p->net_allow[1], NULL, a, 96 + 8, NET_PROTO_TCP, 443, 443);
	assert_origin(&p->net_allow[1].origin, path,
	              line_of(full_lines, n, "allow = 10.0.0.0/8 tcp 443"));
	v4mapped("192.168.1.7", a);
	assert_rule(&p->net_allow[2], NULL, a, 128, NET_PROTO_UDP, 53, 53);
	v6("2001:db8::", a);
	assert_rule(&p->net_allow[3], NULL, a, 32, NET_PROTO_ANY, 1, 65535);
	assert_rule(&p->net_allow[4], "pypi.org", NULL, 0, NET_PROTO_TCP, 8000, 8100);
	v6("::1", a);
	assert_rule(&p->net_allow[5], NULL, a, 128, NET_PROTO_TCP, 22, 22);

	/* [syscalls]: assigned, so no "@default" */
	assert_list(&p->syscall_deny, 3, "@mount", "ptrace", "@bpf");
	assert_int_equal(p->syscall_action, SYSCALL_ACTION_KILL);

	/* [limits] */
	assert_true(p->limits.memory == 2ULL << 30);
	assert_true(p->limits.memory_high == 1536ULL << 20);
	assert_true(p->limits.swap == 0);
	assert_int_equal(p->limits.cpus_milli, 1500);
	assert_true(p->limits.pids == 256);
	assert_true(p->limits.io_read == 100ULL << 20);
	assert_true(p->limits.io_write == 10ULL << 20);
	assert_string_equal(p->limits.io_device, "/dev/sda");
	assert_true(p->limits.wall_time == 5400 * USEC_PER_SEC);
	assert_true(p->limits.cpu_time == 600 * USEC_PER_SEC);
	assert_true(p->limits.io_bytes == 5ULL << 30);
	assert_true(p->limits.runaway == 120 * USEC_PER_SEC);
	assert_true(p->limits.nofile == 4096);
	assert_int_equal(p->limits.enforce, LIMITS_ENFORCE_BEST_EFFORT);
	assert_origin(&p->origin[PKEY_RUNAWAY], path, line_of(full_lines, n, "runaway = 120s"));
	assert_origin(&p->origin[PKEY_MEMORY], path, line_of(full_lines, n, "memory = 2G"));
	assert_origin(&p->origin[PKEY_ENFORCE], path,
	              line_of(full_lines, n, "enforce = best-effort"));

	/* [environment], [debug] */
	assert_list(&p->env_keep, 3, "LANG", "LC_*", "JPY_*");
	assert_list(&p->env_set, 2, "MPLBACKEND=Agg", "GREETING=hello world");
	assert_list(&p->debug_deny_env, 2, "PYTHONDEVMODE", "PYDEVD_*");
	assert_list(&p->debug_deny_args, 2, "--debug", "--host 0.0.0.0");

	/* [violations] */
	assert_int_equal(p->violation_exec, VIOLATION_DENY);
	assert_int_equal(p->violation_net, VIOLATION_KILL);
	assert_origin(&p->origin[PKEY_VIOLATION_NET], path,
	              line_of(full_lines, n, "network = kill"));

	profile_free(p);
	free(text);
	free(path);
	free(extra);
}

static void test_defaults(void **state)
{
	struct profile *p;

	(void)state;
	p = load_ok("; nothing but a comment\n");
	assert_string_equal(p->name, "t.conf");
	assert_int_equal(strv_length(p->files), 1);
	assert_string_equal(p->files[0], "t.conf");
	assert_string_equal(p->description, "");
	assert_int_equal(p->environment, ENVIRONMENT_PRODUCTION);
	assert_string_equal(p->user, "nobody");
	assert_false(p->allow_root);
	assert_int_equal(p->exec_allow.n, 0);
	assert_int_equal(p->read_only.n, 0);
	assert_int_equal(p->hide.n, 0);
	assert_int_equal(p->writable.n, 0);
	assert_int_equal(p->n_tmpfs, 0);
	assert_int_equal(p->net_mode, NET_MODE_NONE);
	assert_int_equal(p->net_bind, NET_BIND_LOOPBACK);
	assert_int_equal(p->n_net_allow, 0);
	assert_list(&p->syscall_deny, 1, "@default");
	assert_int_equal(p->syscall_deny.items[0].origin.line, 0);
	assert_int_equal(p->syscall_action, SYSCALL_ACTION_ERRNO);
	assert_true(p->limits.memory == VALUE_MAX);
	assert_true(p->limits.memory_high == VALUE_MAX);
	assert_true(p->limits.swap == VALUE_MAX);
	assert_int_equal(p->limits.cpus_milli, 0);
	assert_true(p->limits.pids == VALUE_MAX);
	assert_true(p->limits.io_read == VALUE_MAX);
	assert_true(p->limits.io_write == VALUE_MAX);
	assert_null(p->limits.io_device);
	assert_true(p->limits.wall_time == VALUE_MAX);
	assert_true(p->limits.cpu_time == VALUE_MAX);
	assert_true(p->limits.io_bytes == VALUE_MAX);
	assert_true(p->limits.runaway == VALUE_MAX);
	assert_true(p->limits.nofile == 1024);
	assert_int_equal(p->limits.enforce, LIMITS_ENFORCE_STRICT);
	assert_int_equal(p->exec_log, LOG_DENIED);
	assert_int_equal(p->net_log, LOG_DENIED);
	assert_int_equal(p->violation_exec, VIOLATION_KILL);
	assert_int_equal(p->violation_net, VIOLATION_DENY);
	for (int k = 0; k < _PKEY_MAX; k++)
		assert_int_equal(p->origin[k].line, 0);
	assert_int_equal(p->env_keep.n, 0);
	assert_int_equal(p->env_set.n, 0);
	assert_int_equal(p->debug_deny_env.n, 0);
	assert_int_equal(p->debug_deny_args.n, 0);
	profile_free(p);

	/* an empty text is a valid, empty profile */
	p = load_ok("");
	assert_list(&p->syscall_deny, 1, "@default");
	profile_free(p);

	/* [syscalls] present without deny: still "@default" */
	p = load_ok("[syscalls]\naction = kill\n");
	assert_list(&p->syscall_deny, 1, "@default");
	profile_free(p);

	/* an explicit empty "deny =" leaves the list empty */
	p = load_ok("[syscalls]\ndeny =\n");
	assert_int_equal(p->syscall_deny.n, 0);
	profile_free(p);

	/* explicit deny replaces the default rather than adding to it */
	p = load_ok("[syscalls]\ndeny = ptrace\n");
	assert_list(&p->syscall_deny, 1, "ptrace");
	profile_free(p);
}

static void test_list_syntax(void **state)
{
	struct profile *p;

	(void)state;
	/* "key =" resets a list; later entries append again */
	p = load_ok("[exec]\n"
	            "allow = /a /b\n"
	            "allow =\n"
	            "allow = /c\n"
	            "[environment]\n"
	            "keep = A\n"
	            "keep =\n");
	assert_list(&p->exec_allow, 1, "/c");
	assert_origin(&p->exec_allow.items[0].origin, "t.conf", 4);
	assert_int_equal(p->env_keep.n, 0);
	profile_free(p);

	/* quoted words keep their spaces, backslash escapes inside quotes */
	p = load_ok("[debug]\n"
	            "deny_args = \"--a b\" plain \"q\\\"uote\" \"back\\\\slash\" x\"y z\"\n");
	assert_list(&p->debug_deny_args, 5, "--a b", "plain", "q\"uote", "back\\slash", "xy z");
	profile_free(p);

	/* inline "; comment" stripped from lists and scalars */
	p = load_ok("[environment]\n"
	            "keep = A B ; C D\n"
	            "[limits]\n"
	            "memory = 1G ; one gigabyte\n"
	            "[profile]\n"
	            "description = text ; comment\n");
	assert_list(&p->env_keep, 2, "A", "B");
	assert_true(p->limits.memory == 1ULL << 30);
	assert_string_equal(p->description, "text");
	profile_free(p);

	/* the same entry twice is kept once; entries keep their first origin */
	p = load_ok("[exec]\nallow = /a /b\nallow = /a\n");
	assert_list(&p->exec_allow, 2, "/a", "/b");
	assert_origin(&p->exec_allow.items[0].origin, "t.conf", 2);
	profile_free(p);

	/* a later tmpfs on the same mount point replaces the earlier one */
	p = load_ok("[filesystem]\ntmpfs = /tmp size=1M\ntmpfs = //tmp/ size=2M mode=0755\n");
	assert_int_equal(p->n_tmpfs, 1);
	assert_true(p->tmpfs[0].size == 2ULL << 20);
	assert_int_equal(p->tmpfs[0].mode, 0755);
	assert_origin(&p->tmpfs[0].origin, "t.conf", 3);
	profile_free(p);

	/* "~" forms in [filesystem] */
	p = load_ok("[filesystem]\nwritable = ~ ~/ ~/a/./b/ ~//c\n");
	assert_list(&p->writable, 3, "~", "~/a/b", "~/c"); /* "~/" is "~": kept once */
	profile_free(p);

	/* "tmpfs =" and "allow =" clear too */
	p = load_ok("[filesystem]\ntmpfs = /tmp size=1M\ntmpfs =\n"
	            "[network]\nmode = host\nallow = 10.0.0.0/8 tcp 1\nallow =\n");
	assert_int_equal(p->n_tmpfs, 0);
	assert_int_equal(p->n_net_allow, 0);
	profile_free(p);

	/* a line starting with blanks continues the last key: one more assignment */
	p = load_ok("[exec]\nallow = /a\n  /b\n; comment\n\t/c\n[limits]\nmemory = 1G\n  2G\n");
	assert_list(&p->exec_allow, 3, "/a", "/b", "/c");
	assert_origin(&p->exec_allow.items[2].origin, "t.conf", 5);
	assert_true(p->limits.memory == 2ULL << 30);
	profile_free(p);

	/* a UTF-8 byte-order mark is ignored */
	p = load_ok("\xef\xbb\xbf[limits]\npids = 7\n");
	assert_true(p->limits.pids == 7);
	profile_free(p);

	/* scalars are literal unless wholly quoted */
	p = load_ok("[profile]\ndescription = say \"hi\" now\n");
	assert_string_equal(p->description, "say \"hi\" now");
	profile_free(p);
	p = load_ok("[profile]\ndescription = \"  padded \\\" \\\\ \"\n");
	assert_string_equal(p->description, "  padded \" \\ ");
	profile_free(p);
	p = load_ok("[profile]\ndescription = \"\"\n");
	assert_string_equal(p->description, "");
	assert_origin(&p->origin[PKEY_DESCRIPTION], "t.conf", 2);
	profile_free(p);

	/* "cpus = max" and "io_device = auto" reset an earlier value */
	p = load_ok("[limits]\ncpus = 2\nio_device = /dev/vda\ncpus = max\nio_device = auto\n");
	assert_int_equal(p->limits.cpus_milli, 0);
	assert_null(p->limits.io_device);
	assert_origin(&p->origin[PKEY_CPUS], "t.conf", 4);
	profile_free(p);

	/* scalars: the last assignment wins and is the origin */
	p = load_ok("[limits]\nmemory = 1G\nmemory = 3G\n");
	assert_true(p->limits.memory == 3ULL << 30);
	assert_origin(&p->origin[PKEY_MEMORY], "t.conf", 3);
	profile_free(p);
}

static void test_split_words(void **state)
{
	char **w = NULL;

	(void)state;
	assert_int_equal(profile_split_words("  a \t\"b c\"  d\\e \"f\\\"g\" \"\" ", &w), 0);
	assert_int_equal(strv_length(w), 5);
	assert_string_equal(w[0], "a");
	assert_string_equal(w[1], "b c");
	assert_string_equal(w[2], "d\\e"); /* outside quotes a backslash is literal */
	assert_string_equal(w[3], "f\"g");
	assert_string_equal(w[4], "");
	strv_free(w);

	w = NULL;
	assert_int_equal(profile_split_words("", &w), 0);
	assert_int_equal(strv_length(w), 0);
	strv_free(w);

	w = (char **)0x1;
	assert_int_equal(profile_split_words("a \"b", &w), -EBADMSG);
	assert_ptr_equal(w, (char **)0x1);
	assert_int_equal(profile_split_words("\"a\\\"", &w), -EBADMSG);
	assert_ptr_equal(w, (char **)0x1);
}

static void test_enum_names(void **state)
{
	(void)state;
	assert_string_equal(environment_kind_to_string(ENVIRONMENT_PRODUCTION), "production");
	assert_string_equal(environment_kind_to_string(ENVIRONMENT_DEVELOPMENT), "development");
	assert_null(environment_kind_to_string(_ENVIRONMENT_MAX));
	assert_null(environment_kind_to_string(_ENVIRONMENT_INVALID));
	assert_string_equal(net_mode_to_string(NET_MODE_HOST), "host");
	assert_string_equal(net_bind_to_string(NET_BIND_ANY), "any");
	assert_string_equal(net_bind_to_string(NET_BIND_NONE), "none");
	assert_string_equal(net_proto_to_string(NET_PROTO_UDP), "udp");
	assert_string_equal(syscall_action_to_string(SYSCALL_ACTION_KILL), "kill");
	assert_string_equal(limits_enforce_to_string(LIMITS_ENFORCE_BEST_EFFORT), "best-effort");
	assert_null(limits_enforce_to_string(_LIMITS_ENFORCE_MAX));
}

/* ------------------------------------------------------------------------ */
/* includes */

static void test_include_order(void **state)
{
	char *main_path, *base_path;
	struct profile *p;

	(void)state;
	make_dir("inc");
	base_path = write_text("inc/base.conf", "[exec]\n"
	                                        "allow = /base1 /base2\n"
	                                        "[limits]\n"
	                                        "memory = 2G\n"
	                                        "pids = 64\n"
	                                        "[filesystem]\n"
	                                        "hide = /srv\n");
	/* scalars set before and after the include line both win over base's */
	main_path = write_text("inc/main.conf", "[limits]\n"
	                                        "memory = 1G\n"
	                                        "[exec]\n"
	                                        "allow = /main1\n"
	                                        "[profile]\n"
	                                        "include = base\n"
	                                        "[filesystem]\n"
	                                        "hide = /opt\n"
	                                        "[limits]\n"
	                                        "swap = 0\n");
	p = load_file_ok(main_path, NULL, 0);
	assert_int_equal(strv_length(p->files), 2);
	assert_string_equal(p->files[0], main_path);
	assert_string_equal(p->files[1], base_path);
	assert_list(&p->exec_allow, 3, "/base1", "/base2", "/main1");
	assert_origin(&p->exec_allow.items[0].origin, base_path, 2);
	assert_origin(&p->exec_allow.items[2].origin, main_path, 4);
	assert_list(&p->hide, 2, "/srv", "/opt");
	assert_true(p->limits.memory == 1ULL << 30);
	assert_origin(&p->origin[PKEY_MEMORY], main_path, 2);
	assert_true(p->limits.pids == 64);
	assert_origin(&p->origin[PKEY_PIDS], base_path, 5);
	assert_true(p->limits.swap == 0);
	profile_free(p);
	free(main_path);

	/* an empty assignment in the including file clears what the include added */
	main_path = write_text("inc/reset.conf", "[exec]\n"
	                                         "allow =\n"
	                                         "allow = /only\n"
	                                         "[profile]\n"
	                                         "include = base\n");
	p = load_file_ok(main_path, NULL, 0);
	assert_list(&p->exec_allow, 1, "/only");
	assert_list(&p->hide, 1, "/srv");
	profile_free(p);
	free(main_path);

	/* several names on one include line apply in order */
	write_text_free("inc/second.conf", "[exec]\nallow = /second\n[limits]\npids = 99\n");
	main_path = write_text("inc/multi.conf", "[profile]\ninclude = base second\n");
	p = load_file_ok(main_path, NULL, 0);
	assert_list(&p->exec_allow, 3, "/base1", "/base2", "/second");
	assert_true(p->limits.pids == 99);
	profile_free(p);
	free(main_path);

	/* a deny list assigned only in the include replaces "@default" */
	write_text_free("inc/denybase.conf", "[syscalls]\ndeny = @bpf\n");
	main_path = write_text("inc/deny.conf", "[profile]\ninclude = denybase\n");
	p = load_file_ok(main_path, NULL, 0);
	assert_list(&p->syscall_deny, 1, "@bpf");
	profile_free(p);
	free(main_path);
	free(base_path);
}

static void test_include_diamond(void **state)
{
	char *main_path, *common, *a, *b;
	struct profile *p;

	(void)state;
	make_dir("diamond");
	/* net rules are not de-duplicated: applying common twice would show */
	common = write_text("diamond/common.conf", "[network]\n"
	                                           "mode = host\n"
	                                           "allow = 10.0.0.0/8 tcp 443\n"
	                                           "[limits]\n"
	                                           "memory = 4G\n");
	a = write_text("diamond/a.conf", "[profile]\ninclude = common\n[limits]\nmemory = 1G\n");
	b = write_text("diamond/b.conf", "[profile]\ninclude = common\n[exec]\nallow = /b\n");
	main_path = write_text("diamond/main.conf", "[profile]\ninclude = a b\n");
	p = load_file_ok(main_path, NULL, 0);
	assert_int_equal(p->n_net_allow, 1);
	/* common was not re-applied after a: a's memory stands */
	assert_true(p->limits.memory == 1ULL << 30);
	assert_origin(&p->origin[PKEY_MEMORY], a, 4);
	assert_list(&p->exec_allow, 1, "/b");
	assert_int_equal(strv_length(p->files), 4);
	assert_string_equal(p->files[0], main_path);
	assert_string_equal(p->files[1], a);
	assert_string_equal(p->files[2], common);
	assert_string_equal(p->files[3], b);
	profile_free(p);
	free(main_path);
	free(common);
	free(a);
	free(b);
}

static void test_include_search_path(void **state)
{
	char *lib, *sub, *main_path, *local, *inlib;
	const char *dirs[3];
	struct profile_search search = {dirs};
	struct profile *p;

	(void)state;
	make_dir("search");
	make_dir("search/lib");
	make_dir("search/sub");
	lib = tpath("search/lib");
	sub = tpath("search/sub");
	dirs[0] = lib;
	dirs[1] = NULL;
	inlib = write_text("search/lib/onlylib.conf", "[exec]\nallow = /from-lib\n");
	write_text_free("search/lib/both.conf", "[exec]\nallow = /lib-both\n");
	local = write_text("search/sub/both.conf", "[exec]\nallow = /local-both\n");
	main_path = write_text("search/sub/main.conf", "[profile]\ninclude = onlylib both\n");

	/* same directory first, then the search path */
	p = load_file_ok(main_path, &search, 0);
	assert_list(&p->exec_allow, 2, "/from-lib", "/local-both");
	assert_string_equal(p->files[1], inlib);
	assert_string_equal(p->files[2], local);
	profile_free(p);

	/* by name through the search path */
	dirs[0] = sub;
	dirs[1] = lib;
	dirs[2] = NULL;
	p = load_file_ok("main", &search, 0);
	assert_string_equal(p->name, "main");
	assert_string_equal(p->files[0], main_path);
	profile_free(p);

	/* not found: -ENOENT and a message naming the profile */
	{
		char **errors = NULL;

		p = NULL;
		assert_int_equal(profile_load("nosuchprofile", &search, 0, &p, &errors), -ENOENT);
		assert_null(p);
		assert_int_equal(strv_length(errors), 1);
		assert_true(error_is(errors[0], "nosuchprofile", 0, "not found"));
		strv_free(errors);

		errors = NULL;
		assert_int_equal(profile_load(".hidden", &search, 0, &p, &errors), -EINVAL);
		assert_int_equal(strv_length(errors), 1);
		assert_true(error_is(errors[0], ".hidden", 0, "not a valid profile name"));
		assert_null(p);
		strv_free(errors);
	}
	free(lib);
	free(sub);
	free(main_path);
	free(local);
	free(inlib);
}

static void test_include_errors(void **state)
{
	char *a, *b, *self, *missing, *bad, *inner, *outer, *empty;

	(void)state;
	make_dir("incerr");

	/* a cycle names the include line that closes it */
	a = write_text("incerr/cyca.conf", "[profile]\ninclude = cycb\n");
	b = write_text("incerr/cycb.conf", "; b\n[profile]\ninclude = cyca\n");
	{
		/* the message is reported against cycb.conf:3 */
		struct profile *p = NULL;
		char **errors = NULL;

		assert_int_equal(profile_load(a, NULL, 0, &p, &errors), -EINVAL);
		assert_null(p);
		assert_int_equal(strv_length(errors), 1);
		assert_true(error_is(errors[0], b, 3, "include cycle"));
		assert_non_null(strstr(errors[0], "cyca.conf"));
		strv_free(errors);
	}

	self = write_text("incerr/self.conf", "[profile]\n\ninclude = self\n");
	expect_file_errors(self, 0, -EINVAL, 1, 3, "include cycle");

	missing = write_text("incerr/missing.conf", "[profile]\ninclude = nosuch\n");
	expect_file_errors(missing, 0, -EINVAL, 1, 2, "include: profile 'nosuch' not found");

	bad = write_text("incerr/badname.conf", "[profile]\ninclude = ../incerr/cyca\n");
	expect_file_errors(bad, 0, -EINVAL, 1, 2, "is not a profile name");

	empty = write_text("incerr/empty.conf", "[profile]\ninclude =\n");
	expect_file_errors(empty, 0, -EINVAL, 1, 2, "include: expected");

	/* an error inside an included file is reported against that file */
	inner = write_text("incerr/inner.conf", "[limits]\n\nbogus = 1\n");
	outer = write_text("incerr/outer.conf", "[profile]\ninclude = inner\n");
	{
		struct profile *p = NULL;
		char **errors = NULL;

		assert_int_equal(profile_load(outer, NULL, 0, &p, &errors), -EINVAL);
		assert_null(p);
		assert_int_equal(strv_length(errors), 1);
		assert_true(error_is(errors[0], inner, 3, "unknown key 'bogus' in [limits]"));
		strv_free(errors);
	}
	free(a);
	free(b);
	free(self);
	free(missing);
	free(bad);
	free(inner);
	free(outer);
	free(empty);
}

static void test_include_depth(void **state)
{
	char name[64], text[128], *top, *d8;
	char **errors = NULL;
	struct profile *p;

	(void)state;
	make_dir("deep");
	/* d0 -> d1 -> ... -> d9 */
	for (int i = 0; i <= 9; i++) {
		snprintf(name, sizeof(name), "deep/d%d.conf", i);
		if (i < 9)
			snprintf(text, sizeof(text),
			         "[exec]\nallow = /d%d\n[profile]\ninclude = d%d\n", i, i + 1);
		else
			snprintf(text, sizeof(text), "[exec]\nallow = /d%d\n", i);
		write_text_free(name, text);
	}
	/* eight files deep (d2 .. d9) is allowed */
	top = tpath("deep/d2.conf");
	p = load_file_ok(top, NULL, 0);
	assert_int_equal(p->exec_allow.n, 8);
	assert_string_equal(p->exec_allow.items[0].value, "/d9");
	assert_string_equal(p->exec_allow.items[7].value, "/d2");
	profile_free(p);
	free(top);

	/* nine (d1 .. d9) is not: d9 is refused at d8's include line (line 4) */
	top = tpath("deep/d1.conf");
	d8 = tpath("deep/d8.conf");
	p = NULL;
	assert_int_equal(profile_load(top, NULL, 0, &p, &errors), -EINVAL);
	assert_null(p);
	if (strv_length(errors) != 1 || !error_is(errors[0], d8, 4, "nested too deeply (max 8)"))
		dump_errors(errors);
	assert_int_equal(strv_length(errors), 1);
	assert_true(error_is(errors[0], d8, 4, "nested too deeply (max 8)"));
	strv_free(errors);
	free(top);
	free(d8);
}

/* ------------------------------------------------------------------------ */
/* error paths */

static void test_errors_structure(void **state)
{
	(void)state;
	/* reported at the header, once, even for an empty section */
	expect_error("[profile]\ndescription = x\n[bogus]\nx = 1\ny = 2\n", 3,
	             "unknown section [bogus]");
	expect_error("[profile]\ndescription = x\n\n[empty-but-unknown]\n", 4,
	             "unknown section [empty-but-unknown]");
	expect_error("[profile]\n\nbogus = 1\n", 3, "unknown key 'bogus' in [profile]");
	expect_error("[exec]\ninclude = base\n", 2, "unknown key 'include' in [exec]");
	expect_error("; comment\nmemory = 1G\n", 2, "'memory' appears before any [section]");
	expect_error("[profile]\ndescription = x\nthis is not ini\n", 3, "syntax error");
	expect_error("[profile]\nuser = nobody\n[limits\n", 3, "syntax error");
	expect_error("[limits]\nmemory =\n", 2, "memory: empty value");
	expect_error("[profile]\nuser =\n", 2, "user: empty value");
}

static void test_error_long_line(void **state)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f;
	struct profile *p;

	(void)state;
	/* 4097 bytes of value on line 2, and line counting stays right after it */
	f = open_memstream(&text, &len);
	assert_non_null(f);
	fprintf(f, "[profile]\ndescription = ");
	for (int i = 0; i < 4097; i++)
		fputc('x', f);
	fprintf(f, "\nbogus = 1\n");
	assert_int_equal(fclose(f), 0);
	expect_errors(text, 2, 2, "line too long (max 4096 bytes)", 3,
	              "unknown key 'bogus' in [profile]");
	free(text);

	/* 4096 bytes counting the newline is the longest line read whole */
	text = NULL;
	f = open_memstream(&text, &len);
	assert_non_null(f);
	fprintf(f, "[profile]\ndescription = ");
	for (int i = 0; i < PROFILE_MAX_LINE - 15; i++)
		fputc('y', f);
	fprintf(f, "\n");
	assert_int_equal(fclose(f), 0);
	p = load_ok(text);
	assert_int_equal(strlen(p->description), PROFILE_MAX_LINE - 15);
	assert_int_equal(p->description[PROFILE_MAX_LINE - 16], 'y');
	profile_free(p);

	/* one byte more is refused */
	text[strlen(text) - 1] = 'y';
	{
		char *longer = NULL;

		assert_true(asprintf(&longer, "%s\n", text) > 0);
		expect_error(longer, 2, "line too long");
		free(longer);
	}
	free(text);
}

static void test_error_file_content(void **state)
{
	static const char nul_text[] = "[profile]\ndescription = a\0b\n";
	char *path, *big, *block;
	struct profile *p;

	(void)state;
	make_dir("content");
	path = write_bytes("content/nul.conf", nul_text, sizeof(nul_text) - 1, 0644);
	expect_file_errors(path, 0, -EINVAL, 1, 2, "NUL byte in file");
	free(path);

	/* exactly 1 MiB of comment lines loads; one byte more does not */
	big = malloc(PROFILE_MAX_FILE_SIZE + 2);
	assert_non_null(big);
	for (size_t i = 0; i < PROFILE_MAX_FILE_SIZE; i += 1024) {
		block = big + i;
		memset(block, ';', 1023);
		block[1023] = '\n';
	}
	path = write_bytes("content/max.conf", big, PROFILE_MAX_FILE_SIZE, 0644);
	p = load_file_ok(path, NULL, 0);
	profile_free(p);
	free(path);

	big[PROFILE_MAX_FILE_SIZE] = '\n';
	path = write_bytes("content/big.conf", big, PROFILE_MAX_FILE_SIZE + 1, 0644);
	expect_file_errors(path, 0, -EFBIG, 1, 0, "file too large (max 1048576 bytes)");
	free(path);

	/* the same through profile_load_string() */
	big[PROFILE_MAX_FILE_SIZE + 1] = 0;
	{
		char **errors = NULL;

		p = NULL;
		assert_int_equal(profile_load_string(big, "big.conf", NULL, &p, &errors), -EFBIG);
		assert_null(p);
		assert_int_equal(strv_length(errors), 1);
		assert_true(error_is(errors[0], "big.conf", 0, "file too large"));
		strv_free(errors);
	}
	free(big);

	/* not a regular file */
	path = tpath("content");
	expect_file_errors(path, 0, -EINVAL, 1, 0, "not a regular file");
	free(path);

	/* missing file */
	path = tpath("content/does-not-exist.conf");
	expect_file_errors(path, 0, -ENOENT, 1, 0, "cannot open");
	free(path);
}

static void test_error_too_many_entries(void **state)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f;
	struct profile *p;
	int n = 0;

	(void)state;
	f = open_memstream(&text, &len);
	assert_non_null(f);
	fprintf(f, "[debug]\n");
	/* 256 lines of 16 distinct entries: exactly PROFILE_MAX_LIST */
	for (int line = 0; line < PROFILE_MAX_LIST / 16; line++) {
		fprintf(f, "deny_args =");
		for (int i = 0; i < 16; i++)
			fprintf(f, " --opt%d", n++);
		fputc('\n', f);
	}
	assert_int_equal(fflush(f), 0);
	p = load_ok(text);
	assert_int_equal(p->debug_deny_args.n, PROFILE_MAX_LIST);
	profile_free(p);

	/* one more, on line 2 + 256 */
	fprintf(f, "deny_args = --one-too-many\n");
	assert_int_equal(fclose(f), 0);
	expect_error(text, 2 + PROFILE_MAX_LIST / 16, "deny_args: too many entries (max 4096)");
	free(text);
}

static void test_error_values(void **state)
{
	(void)state;
	/* enums and booleans */
	expect_error("[network]\nmode = bridge\n", 2, "mode: invalid value 'bridge'");
	expect_error("[network]\nbind = everywhere\n", 2, "bind: invalid value 'everywhere'");
	expect_error("[profile]\nenvironment = staging\n", 2, "environment: invalid value");
	expect_error("[syscalls]\naction = trap\n", 2, "action: invalid value 'trap'");
	expect_error("[limits]\nenforce = lax\n", 2, "enforce: invalid value 'lax'");
	expect_error("[profile]\nallow_root = maybe\n", 2, "allow_root: expected yes or no");
	expect_error("[network]\nmode = HOST\n", 2, "mode: invalid value 'HOST'");
	expect_error("[network]\nlog = everything\n", 2, "log: invalid value 'everything'");
	expect_error("[exec]\nlog = none\n", 2, "log: invalid value 'none'");
	expect_error("[violations]\nexec = warn\n", 2, "exec: invalid value 'warn'");
	expect_error("[violations]\nnetwork = allow\n", 2, "network: invalid value 'allow'");
	expect_error("[violations]\nsyscalls = kill\n", 2,
	             "unknown key 'syscalls' in [violations]");

	/* numbers */
	expect_error("[limits]\nmemory = 2X\n", 2, "memory: invalid size '2X'");
	expect_error("[limits]\nio_read = 1.5\n", 2, "io_read: invalid size '1.5'");
	expect_error("[limits]\ncpus = 0.001\n", 2, "cpus: invalid CPU count '0.001'");
	expect_error("[limits]\ncpus = 5000\n", 2, "cpus: invalid CPU count '5000'");
	expect_error("[limits]\nwall_time = 5y\n", 2, "wall_time: invalid duration '5y'");
	expect_error("[limits]\nwall_time = 0\n", 2, "wall_time: invalid duration '0'");
	expect_error("[limits]\nwall_time = 1h30\n", 2, "wall_time: invalid duration '1h30'");
	expect_error("[limits]\ncpu_time = 0\n", 2, "cpu_time: invalid duration '0'");
	expect_error("[limits]\nruntime = 5s\n", 2, "unknown key 'runtime' in [limits]");
	expect_error("[limits]\nrunaway = fast\n", 2, "runaway: invalid duration 'fast'");
	expect_error("[limits]\nio_bytes = 1T5\n", 2, "io_bytes: invalid size '1T5'");
	expect_error("[limits]\nnofile = 8\n", 2, "nofile: invalid value '8'");
	expect_error("[limits]\nnofile = 2000000\n", 2, "nofile: invalid value '2000000'");
	expect_error("[limits]\nnofile = max\n", 2, "nofile: invalid value 'max'");
	expect_error("[limits]\npids = 0\n", 2, "pids: invalid count '0'");
	expect_error("[limits]\npids = -5\n", 2, "pids: invalid count '-5'");
	expect_error("[limits]\nio_device = sda\n", 2, "io_device: 'sda' must be a block device");
	expect_error("[limits]\nio_device = /devil\n", 2, "must be a block device under /dev");
	expect_error("[limits]\nio_device = /dev/../etc/shadow\n", 2, "must be a block device");

	/* names */
	expect_error("[profile]\nuser = bad!name\n", 2,
	             "user: 'bad!name' is not a valid user name");
	expect_error("[profile]\nuser = -root\n", 2, "user: '-root' is not a valid user name");
	expect_error("[profile]\nuser = aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n", 2,
	             "is not a valid user name");
}

static void test_error_lists(void **state)
{
	(void)state;
	expect_error("[exec]\nallow = usr/bin/python3\n", 2,
	             "allow: 'usr/bin/python3' must be an absolute path without '..'");
	expect_error("[exec]\nallow = ~/bin/tool\n", 2, "allow: '~/bin/tool' must be an absolute");
	expect_error("[filesystem]\nread_only = data\n", 2,
	             "read_only: 'data' must be an absolute path (or ~/...) without '..'");
	expect_error("[filesystem]\nhide = /usr/../etc\n", 2, "hide: '/usr/../etc' must be");
	expect_error("[filesystem]\nwritable = ~/../other\n", 2, "writable: '~/../other' must be");
	expect_error("[filesystem]\nwritable = ~user/x\n", 2, "writable: '~user/x' must be");
	expect_error("[environment]\nkeep = GOOD FOO=bar\n", 2,
	             "keep: 'FOO=bar' is not a variable name or glob");
	expect_error("[debug]\ndeny_env = $HOME\n", 2, "deny_env: '$HOME' is not a variable name");
	expect_error("[environment]\nset = NOEQUALS\n", 2, "set: 'NOEQUALS' is not NAME=value");
	expect_error("[environment]\nset = 1X=y\n", 2, "set: '1X=y' is not NAME=value");
	expect_error("[environment]\nset = =y\n", 2, "set: '=y' is not NAME=value");
	expect_error("[syscalls]\ndeny = ptrace notasyscall\n", 2,
	             "deny: unknown syscall 'notasyscall'");
	expect_error("[syscalls]\ndeny = @nope\n", 2, "deny: unknown syscall group '@nope'");
	expect_error("[environment]\nkeep = \"FOO\n", 2, "keep: unterminated quote");
	expect_error("[filesystem]\nhide = /a \"/b\n", 2, "hide: unterminated quote");
	expect_error("[filesystem]\ntmpfs = \"/tmp size=1M\n", 2, "tmpfs: unterminated quote");

	/* one message per bad word, all on that line */
	expect_errors("[exec]\n\nallow = a /ok b\n", 2, 3, "'a' must be", 3, "'b' must be");
}

static void test_error_tmpfs(void **state)
{
	(void)state;
	expect_error("[filesystem]\ntmpfs = /tmp\n", 2, "tmpfs: tmpfs needs an explicit size=");
	expect_error("[filesystem]\ntmpfs = /tmp mode=0700\n", 2, "needs an explicit size=");
	expect_error("[filesystem]\ntmpfs = /tmp size=1X\n", 2, "tmpfs: invalid tmpfs size '1X'");
	expect_error("[filesystem]\ntmpfs = /tmp size=1k\n", 2, "invalid tmpfs size '1k'");
	expect_error("[filesystem]\ntmpfs = /tmp size=max\n", 2, "invalid tmpfs size 'max'");
	expect_error("[filesystem]\ntmpfs = /tmp size=\n", 2, "invalid tmpfs size ''");
	expect_error("[filesystem]\ntmpfs = /tmp size=1M mode=999\n", 2,
	             "tmpfs: invalid tmpfs mode '999'");
	expect_error("[filesystem]\ntmpfs = /tmp size=1M mode=\n", 2, "invalid tmpfs mode ''");
	expect_error("[filesystem]\ntmpfs = /tmp size=1M mode=17777\n", 2, "invalid tmpfs mode");
	expect_error("[filesystem]\ntmpfs = /tmp size=1M mode=4755\n", 2,
	             "invalid tmpfs mode '4755'");
	expect_error("[filesystem]\ntmpfs = /tmp size=1M mode=2777\n", 2,
	             "invalid tmpfs mode '2777'");
	expect_error("[filesystem]\ntmpfs = /tmp size=1M uid=0\n", 2,
	             "tmpfs: unknown tmpfs option 'uid=0'");
	expect_error("[filesystem]\ntmpfs = tmp size=1M\n", 2, "tmpfs: tmpfs path 'tmp' must be");
	expect_error("[filesystem]\ntmpfs = /a/../tmp size=1M\n", 2, "tmpfs path '/a/../tmp'");
}

static void test_error_network(void **state)
{
	static const char *const bad[][2] = {
		{"10.0.0.0/33 tcp 1", "invalid prefix length '/33' (0-32)"},
		{"::/129 tcp 1", "invalid prefix length '/129' (0-128)"},
		{"10.0.0.0/ tcp 1", "invalid prefix length"},
		{"10.0.0.0/x tcp 1", "invalid prefix length"},
		{"10.0.0.0/-1 tcp 1", "invalid prefix length"},
		{"10.0.0.1/8 tcp 1", "'10.0.0.1/8' has host bits set beyond the prefix length"},
		{"2001:db8::1/32 tcp 1", "'2001:db8::1/32' has host bits set"},
		{"300.1.1.1 tcp 1", "invalid address, CIDR or hostname '300.1.1.1'"},
		{"host.example/24 tcp 1", "invalid address, CIDR or hostname"},
		{"bad_host tcp 1", "invalid address, CIDR or hostname"},
		{"-bad.example tcp 1", "invalid address, CIDR or hostname"},
		{"a..b tcp 1", "invalid address, CIDR or hostname"},
		{"10.0.0.0/8 icmp 1", "invalid protocol 'icmp'"},
		{"10.0.0.0/8 TCP 1", "invalid protocol 'TCP'"},
		{"10.0.0.0/8 tcp 0", "invalid port or range '0'"},
		{"10.0.0.0/8 tcp 70000", "invalid port or range '70000'"},
		{"10.0.0.0/8 tcp 65536", "invalid port or range"},
		{"10.0.0.0/8 tcp 200-100", "invalid port or range '200-100'"},
		{"10.0.0.0/8 tcp 0-100", "invalid port or range"},
		{"10.0.0.0/8 tcp 1-", "invalid port or range"},
		{"10.0.0.0/8 tcp -5", "invalid port or range"},
		{"10.0.0.0/8 tcp http", "invalid port or range"},
		{"10.0.0.0/8 tcp", "expected: <CIDR|hostname> <tcp|udp|any> <port|lo-hi|any>"},
		{"10.0.0.0/8 tcp 1 2", "expected: <CIDR|hostname>"},
		{"10.0.0.0/8", "expected: <CIDR|hostname>"},
		{"\"10.0.0.0/8 tcp 1", "expected: <CIDR|hostname>"},
	};

	(void)state;
	for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
		char text[256], what[256];

		snprintf(text, sizeof(text), "[network]\nmode = host\nallow = %s\n", bad[i][0]);
		snprintf(what, sizeof(what), "allow: %s", bad[i][1]);
		expect_error(text, 3, what);
	}
}

static void test_error_whole_profile(void **state)
{
	(void)state;
	/* allow rules need mode = host (reported at the first rule) */
	expect_error("[network]\n\nallow = 10.0.0.0/8 tcp 443\nallow = ::1 tcp 1\n", 3,
	             "allow rules need [network] mode = host");
	expect_error("[network]\nmode = none\nallow = example.org tcp 443\n", 3,
	             "allow rules need [network] mode = host");

	expect_error("[limits]\nmemory = 1G\nmemory_high = 2G\n", 3, "memory_high is above memory");
	expect_error("[limits]\nmemory_high = 2G\n\nmemory = 1G\n", 2,
	             "memory_high is above memory");

	expect_error("[profile]\n\nallow_root = yes\n", 3,
	             "allow_root = yes is refused in a production profile");
	expect_error("[profile]\nallow_root = yes\nenvironment = production\n", 2,
	             "allow_root = yes is refused");

	/* one treatment per path */
	expect_error("[filesystem]\nhide = /srv\nwritable = //srv/\n", 3,
	             "'/srv' is both hide (t.conf:2) and writable");
	expect_error("[filesystem]\nwritable = ~/.ssh\nread_only = ~/.ssh\n", 3,
	             "'~/.ssh' is both writable (t.conf:2) and read_only");
	expect_error("[filesystem]\nhide = /tmp\n\ntmpfs = /tmp size=1M\n", 4,
	             "'/tmp' is both hide (t.conf:2) and tmpfs");
	expect_error("[filesystem]\ntmpfs = / size=1M\n", 2, "tmpfs cannot replace '/'");
	expect_error("[filesystem]\nhide = /home //\n", 2, "hide cannot hide '/'");

	/* several whole-profile problems are all reported */
	expect_errors("[filesystem]\nhide = /x\nwritable = /x\n[limits]\nmemory = 1G\n"
	              "memory_high = 2G\n",
	              2, 3, "is both hide", 6, "memory_high is above memory");
}

static void test_error_cap(void **state)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f;
	struct profile *p = NULL;
	char **errors = NULL;

	(void)state;
	f = open_memstream(&text, &len);
	assert_non_null(f);
	fprintf(f, "[profile]\n");
	for (int i = 1; i <= 150; i++)
		fprintf(f, "bogus%d = 1\n", i);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(profile_load_string(text, "t.conf", NULL, &p, &errors), -EINVAL);
	assert_null(p);
	assert_int_equal(strv_length(errors), MAX_ERRORS);
	assert_string_equal(errors[0], "t.conf:2: unknown key 'bogus1' in [profile]");
	assert_string_equal(errors[MAX_ERRORS - 2],
	                    "t.conf:100: unknown key 'bogus99' in [profile]");
	assert_true(error_is(errors[MAX_ERRORS - 1], "t.conf", 101, "too many errors"));
	strv_free(errors);
	free(text);
}

static void test_strict_owner_and_symlink(void **state)
{
	char *good, *gw, *ow, *link, *via_link, *inc_main;
	struct profile *p;

	(void)state;
	make_dir("owner");
	good = write_mode("owner/good.conf", "[limits]\nmemory = 1G\n", 0644);
	gw = write_mode("owner/groupw.conf", "[limits]\nmemory = 1G\n", 0664);
	ow = write_mode("owner/otherw.conf", "[limits]\nmemory = 1G\n", 0646);

	/* without the flag, modes do not matter */
	p = load_file_ok(gw, NULL, 0);
	profile_free(p);

	if (geteuid() == 0) {
		/* our files are root's: only the mode decides */
		p = load_file_ok(good, NULL, PROFILE_LOAD_STRICT_OWNER);
		assert_true(p->limits.memory == 1ULL << 30);
		profile_free(p);
		expect_file_errors(gw, PROFILE_LOAD_STRICT_OWNER, -EPERM, 1, 0,
		                   "refusing a profile that is not owned by root or is writable");
		expect_file_errors(ow, PROFILE_LOAD_STRICT_OWNER, -EPERM, 1, 0,
		                   "refusing a profile");

		/* an included file is held to the same rule, reported at its include line */
		inc_main = write_mode("owner/incmain.conf", "[profile]\ninclude = incw\n", 0644);
		{
			char **errors = NULL;
			char *incw = write_mode("owner/incw.conf", "[exec]\nallow = /x\n", 0664);

			p = NULL;
			assert_int_equal(profile_load(inc_main, NULL, PROFILE_LOAD_STRICT_OWNER, &p,
			                              &errors),
			                 -EINVAL);
			assert_null(p);
			assert_int_equal(strv_length(errors), 1);
			assert_true(error_is(errors[0], inc_main, 2, "include '"));
			assert_non_null(strstr(errors[0], incw));
			assert_non_null(strstr(errors[0], "': refusing a profile"));
			strv_free(errors);
			free(incw);
		}
		free(inc_main);
	} else {
		/* not root: our own files are refused for their owner */
		expect_file_errors(good, PROFILE_LOAD_STRICT_OWNER, -EPERM, 1, 0,
		                   "refusing a profile that is not owned by root");
	}

	/* a symlinked profile is refused (O_NOFOLLOW), with or without the flag */
	link = tpath("owner/link.conf");
	assert_int_equal(symlink(good, link), 0);
	expect_file_errors(link, 0, -ELOOP, 1, 0, "profiles must not be symlinks");
	expect_file_errors(link, PROFILE_LOAD_STRICT_OWNER, -ELOOP, 1, 0,
	                   "profiles must not be symlinks");

	/* and so is an include that resolves to a symlink */
	via_link = write_text("owner/viasym.conf", "[profile]\n\ninclude = link\n");
	{
		struct profile *q = NULL;
		char **errors = NULL;

		assert_int_equal(profile_load(via_link, NULL, 0, &q, &errors), -EINVAL);
		assert_null(q);
		assert_int_equal(strv_length(errors), 1);
		assert_true(error_is(errors[0], via_link, 3, "include '"));
		assert_non_null(strstr(errors[0], "': cannot open"));
		assert_non_null(strstr(errors[0], "profiles must not be symlinks"));
		strv_free(errors);
	}
	free(good);
	free(gw);
	free(ow);
	free(link);
	free(via_link);
}

/* ------------------------------------------------------------------------ */
/* pure helpers */

static struct net_rule parse_rule(const char *s)
{
	struct net_rule r;
	char *err = NULL;

	memset(&r, 0x5a, sizeof(r));
	if (net_rule_parse(s, &r, &err) != 0)
		fail_msg("net_rule_parse(\"%s\"): %s", s, err ? err : "?");
	assert_null(err);
	return r;
}

static bool match4(const struct net_rule *r, const char *a)
{
	uint8_t x[16];

	v4mapped(a, x);
	return net_rule_match_addr(r, x);
}

static bool match6(const struct net_rule *r, const char *a)
{
	uint8_t x[16];

	v6(a, x);
	return net_rule_match_addr(r, x);
}

static void test_net_rules(void **state)
{
	struct net_rule r;
	char *err = NULL;
	uint8_t a[16];

	(void)state;
	r = parse_rule("10.0.0.0/8 tcp 443");
	v4mapped("10.0.0.0", a);
	assert_rule(&r, NULL, a, 104, NET_PROTO_TCP, 443, 443);
	assert_true(match4(&r, "10.0.0.0"));
	assert_true(match4(&r, "10.1.2.3"));
	assert_true(match4(&r, "10.255.255.255"));
	assert_false(match4(&r, "11.0.0.0"));
	assert_false(match4(&r, "9.255.255.255"));
	assert_false(match6(&r, "a00::")); /* 10.x as the first IPv6 byte is not v4 */
	assert_false(match6(&r, "::10.0.0.1"));
	net_rule_done(&r);

	r = parse_rule("10.0.0.0/9 udp 1-1024");
	assert_int_equal(r.prefix, 105);
	assert_int_equal(r.port_lo, 1);
	assert_int_equal(r.port_hi, 1024);
	assert_true(match4(&r, "10.127.255.255"));
	assert_false(match4(&r, "10.128.0.0"));
	net_rule_done(&r);

	r = parse_rule("192.168.1.7 any 53");
	assert_int_equal(r.prefix, 128);
	assert_int_equal(r.proto, NET_PROTO_ANY);
	assert_true(match4(&r, "192.168.1.7"));
	assert_false(match4(&r, "192.168.1.6"));
	net_rule_done(&r);

	r = parse_rule("0.0.0.0/0 tcp any");
	assert_int_equal(r.prefix, 96);
	assert_int_equal(r.port_lo, 1);
	assert_int_equal(r.port_hi, 65535);
	assert_true(match4(&r, "1.2.3.4"));
	assert_true(match4(&r, "255.255.255.255"));
	assert_false(match6(&r, "2001:db8::1"));
	net_rule_done(&r);

	r = parse_rule("::/0 any any");
	assert_int_equal(r.prefix, 0);
	assert_true(match6(&r, "2001:db8::1"));
	assert_true(match4(&r, "1.2.3.4"));
	net_rule_done(&r);

	r = parse_rule("2001:db8::/32 tcp 80");
	assert_true(match6(&r, "2001:db8::1"));
	assert_true(match6(&r, "2001:db8:ffff::1"));
	assert_false(match6(&r, "2001:db9::"));
	assert_false(match4(&r, "32.1.13.184"));
	net_rule_done(&r);

	r = parse_rule("2001:db8::/33 tcp 80");
	assert_true(match6(&r, "2001:db8:7fff::"));
	assert_false(match6(&r, "2001:db8:8000::"));
	net_rule_done(&r);

	r = parse_rule("::1 tcp 22");
	assert_int_equal(r.prefix, 128);
	assert_true(match6(&r, "::1"));
	assert_false(match6(&r, "::2"));
	net_rule_done(&r);

	/* hostnames are resolved at launch: never match an address here */
	r = parse_rule("pypi.org tcp 443");
	assert_string_equal(r.host, "pypi.org");
	assert_false(match4(&r, "0.0.0.0"));
	net_rule_done(&r);
	assert_null(r.host);

	r = parse_rule("files.pythonhosted-1.org udp 65535");
	assert_string_equal(r.host, "files.pythonhosted-1.org");
	assert_int_equal(r.port_lo, 65535);
	net_rule_done(&r);

	memset(&r, 0x5a, sizeof(r));
	assert_int_equal(net_rule_parse("10.0.0.1/8 tcp 1", &r, &err), -EINVAL);
	assert_non_null(err);
	assert_non_null(strstr(err, "host bits"));
	free(err);
	err = NULL;
	assert_int_equal(net_rule_parse("10.0.0.0/8 tcp 9-8", &r, &err), -EINVAL);
	assert_non_null(strstr(err, "invalid port or range"));
	free(err);
	err = NULL;
	assert_int_equal(net_rule_parse("a.example tcp x", &r, &err), -EINVAL);
	assert_non_null(strstr(err, "invalid port or range"));
	free(err);
	/* output untouched on failure */
	{
		struct net_rule pattern;

		memset(&pattern, 0x5a, sizeof(pattern));
		assert_memory_equal(&r, &pattern, sizeof(r));
	}
}

/* A valid hostname may have up to 253 characters: it must be kept whole, never cut short. */
static void test_net_rule_long_hostname(void **state)
{
	static const char *const hosts[] = {
		"files.pythonhosted.org.mirror.internal.corp.example.com",
		"a-rather-long-label-for-a-package-mirror.team.example.org",
	};

	(void)state;
	for (size_t i = 0; i < ELEMENTSOF(hosts); i++) {
		struct net_rule r;
		char value[512], *err = NULL;
		int k;

		snprintf(value, sizeof(value), "%s tcp 443", hosts[i]);
		k = net_rule_parse(value, &r, &err);
		if (k == 0) {
			bool same = streq(r.host, hosts[i]);

			if (!same)
				print_error("  '%s' was stored as '%s'\n", hosts[i], r.host);
			net_rule_done(&r);
			assert_true(same);
		} else {
			print_error("  valid hostname '%s' refused: %s\n", hosts[i],
			            err ? err : "?");
			free(err);
			fail();
		}
	}
}

static void test_tmpfs_parse(void **state)
{
	struct tmpfs_mount t;
	char *err = NULL;

	(void)state;
	assert_int_equal(tmpfs_parse("/tmp size=256M", &t, &err), 0);
	assert_null(err);
	assert_string_equal(t.path, "/tmp");
	assert_true(t.size == 256ULL << 20);
	assert_int_equal(t.mode, 01777);
	free(t.path);

	assert_int_equal(tmpfs_parse("~ mode=0700 size=4096", &t, &err), 0);
	assert_string_equal(t.path, "~");
	assert_true(t.size == 4096);
	assert_int_equal(t.mode, 0700);
	free(t.path);

	assert_int_equal(tmpfs_parse("//var/./cache/ size=1.5G mode=755", &t, &err), 0);
	assert_string_equal(t.path, "/var/cache");
	assert_true(t.size == (3ULL << 30) / 2);
	assert_int_equal(t.mode, 0755);
	free(t.path);

	assert_int_equal(tmpfs_parse("\"/with space\" size=4K", &t, &err), 0);
	assert_string_equal(t.path, "/with space");
	free(t.path);

	assert_int_equal(tmpfs_parse("~/x/ size=1M mode=1777", &t, &err), 0);
	assert_string_equal(t.path, "~/x");
	assert_int_equal(t.mode, 01777);
	free(t.path);

	{
		static const struct {
			const char *in, *err;
			int r;
		} bad[] = {
			{"", "expected: PATH", -EINVAL},
			{"/tmp", "explicit size=", -EINVAL},
			{"/tmp size=4095", "invalid tmpfs size '4095'", -EINVAL},
			{"/tmp size=2Q", "invalid tmpfs size '2Q'", -EINVAL},
			{"/tmp size=1M mode=8", "invalid tmpfs mode '8'", -EINVAL},
			{"/tmp size=1M mode=06777", "invalid tmpfs mode", -EINVAL},
			{"/tmp size=1M mode=-1", "invalid tmpfs mode", -EINVAL},
			{"/tmp size=1M ro", "unknown tmpfs option 'ro'", -EINVAL},
			{"relative size=1M", "must be absolute", -EINVAL},
			{"/a/.. size=1M", "without '..'", -EINVAL},
			{"\"/tmp size=1M", "unterminated quote", -EBADMSG},
		};

		for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
			struct tmpfs_mount u = {.path = (char *)0x1, .size = 7, .mode = 7};

			int r;

			err = NULL;
			r = tmpfs_parse(bad[i].in, &u, &err);
			if (r != bad[i].r)
				fail_msg("tmpfs_parse(\"%s\") = %d, want %d", bad[i].in, r,
				         bad[i].r);
			if (!err || !strstr(err, bad[i].err))
				fail_msg("tmpfs_parse(\"%s\"): error '%s', want '%s'", bad[i].in,
				         err ? err : "(null)", bad[i].err);
			assert_ptr_equal(u.path, (char *)0x1);
			assert_true(u.size == 7 && u.mode == 7);
			free(err);
		}
	}
}

/* ------------------------------------------------------------------------ */
/* printing */

static bool lists_equal(const struct list *a, const struct list *b, const char *what)
{
	bool ok = a->n == b->n;

	for (size_t i = 0; ok && i < a->n; i++)
		ok = streq(a->items[i].value, b->items[i].value);
	if (!ok) {
		print_error("  list %s differs:\n", what);
		for (size_t i = 0; i < a->n; i++)
			print_error("    a: '%s'\n", a->items[i].value);
		for (size_t i = 0; i < b->n; i++)
			print_error("    b: '%s'\n", b->items[i].value);
	}
	return ok;
}

static bool strs_equal(const char *a, const char *b, const char *what)
{
	if ((!a && !b) || streq(a, b))
		return true;
	print_error("  %s differs: '%s' vs '%s'\n", what, a ? a : "(null)", b ? b : "(null)");
	return false;
}

#define SAME(field)                                                                              \
	do {                                                                                     \
		if (a->field != b->field) {                                                      \
			print_error("  %s differs: %llu vs %llu\n", #field,                      \
			            (unsigned long long)a->field, (unsigned long long)b->field); \
			ok = false;                                                              \
		}                                                                                \
	} while (0)

/* Compare everything a profile says (not where it was said); print what differs. */
static bool profiles_equal(const struct profile *a, const struct profile *b)
{
	bool ok = true;

	ok &= strs_equal(a->description, b->description, "description");
	ok &= strs_equal(a->user, b->user, "user");
	SAME(environment);
	SAME(allow_root);
	ok &= lists_equal(&a->exec_allow, &b->exec_allow, "exec allow");
	ok &= lists_equal(&a->read_only, &b->read_only, "read_only");
	ok &= lists_equal(&a->hide, &b->hide, "hide");
	ok &= lists_equal(&a->writable, &b->writable, "writable");
	SAME(n_tmpfs);
	for (size_t i = 0; ok && i < a->n_tmpfs; i++) {
		ok &= strs_equal(a->tmpfs[i].path, b->tmpfs[i].path, "tmpfs path");
		SAME(tmpfs[i].size);
		SAME(tmpfs[i].mode);
	}
	SAME(net_mode);
	SAME(net_bind);
	SAME(n_net_allow);
	for (size_t i = 0; ok && i < a->n_net_allow; i++) {
		ok &= strs_equal(a->net_allow[i].host, b->net_allow[i].host, "allow host");
		if (memcmp(a->net_allow[i].addr, b->net_allow[i].addr, 16) != 0) {
			print_error("  allow %zu: addresses differ\n", i);
			ok = false;
		}
		SAME(net_allow[i].prefix);
		SAME(net_allow[i].proto);
		SAME(net_allow[i].port_lo);
		SAME(net_allow[i].port_hi);
	}
	ok &= lists_equal(&a->syscall_deny, &b->syscall_deny, "syscalls deny");
	SAME(syscall_action);
	SAME(limits.memory);
	SAME(limits.memory_high);
	SAME(limits.swap);
	SAME(limits.cpus_milli);
	SAME(limits.pids);
	SAME(limits.io_read);
	SAME(limits.io_write);
	ok &= strs_equal(a->limits.io_device, b->limits.io_device, "io_device");
	SAME(limits.wall_time);
	SAME(limits.nofile);
	SAME(limits.enforce);
	ok &= lists_equal(&a->env_keep, &b->env_keep, "environment keep");
	ok &= lists_equal(&a->env_set, &b->env_set, "environment set");
	ok &= lists_equal(&a->debug_deny_env, &b->debug_deny_env, "debug deny_env");
	ok &= lists_equal(&a->debug_deny_args, &b->debug_deny_args, "debug deny_args");
	return ok;
}

static char *print_to_string(const struct profile *p)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	int r;

	assert_non_null(f);
	r = profile_print(p, f);
	assert_int_equal(fclose(f), 0);
	if (r != 0)
		free(buf);
	assert_int_equal(r, 0);
	return buf;
}

/* load, print, re-load the printed text, compare */
static void round_trip(const char *text)
{
	struct profile *a, *b = NULL;
	char **errors = NULL;
	char *printed;
	bool ok;
	int r;

	a = load_ok(text);
	printed = print_to_string(a);
	r = profile_load_string(printed, "printed.conf", NULL, &b, &errors);
	ok = r == 0 && profiles_equal(a, b);
	if (!ok) {
		print_error("  printed profile (re-load: %d):\n%s", r, printed);
		dump_errors(errors);
	}
	strv_free(errors);
	profile_free(a);
	profile_free(b);
	free(printed);
	assert_true(ok);
}

/* the full profile without its include line (strings have no files to include) */
static char *full_without_include(void)
{
	const char *lines[ELEMENTSOF(full_lines)];
	size_t n = 0;

	for (size_t i = 0; i < ELEMENTSOF(full_lines); i++)
		if (!streq(full_lines[i], "include = extra"))
			lines[n++] = full_lines[i];
	return join_lines(lines, n);
}

static void test_print_round_trip(void **state)
{
	char *text = full_without_include(), *printed;
	struct profile *p;

	(void)state;
	round_trip(text);

	/* the printed text carries the values and their origins */
	p = load_ok(text);
	printed = print_to_string(p);
	assert_non_null(strstr(printed, "[limits]\n"));
	assert_non_null(strstr(printed, "memory = 2G\t; t.conf:"));
	assert_non_null(strstr(printed, "memory_high = 1536M"));
	assert_non_null(strstr(printed, "cpus = 1.5"));
	assert_non_null(strstr(printed, "wall_time = 1h30min"));
	assert_non_null(strstr(printed, "allow = 10.0.0.0/8 tcp 443"));
	assert_non_null(strstr(printed, "allow = 2001:db8::/32 any any"));
	assert_non_null(strstr(printed, "allow = pypi.org tcp 8000-8100"));
	assert_non_null(strstr(printed, "tmpfs = ~/cache size=64K mode=0700"));
	assert_non_null(strstr(printed, "hide = \"/srv/with space\""));
	profile_free(p);
	free(printed);
	free(text);

	/* defaults too (deny = @default is printed and read back) */
	round_trip("[profile]\ndescription = defaults\n");
	/* and "max" values */
	round_trip("[profile]\ndescription = max\n[limits]\nmemory = max\npids = max\n"
	           "wall_time = max\ncpu_time = max\nio_bytes = max\nrunaway = max\n");
	/* the eBPF layer's keys, printed and read back */
	round_trip("[exec]\nlog = all\n[network]\nmode = host\nlog = all\n"
	           "[limits]\ncpu_time = 90s\nio_bytes = 1536M\nrunaway = 2min\n"
	           "[violations]\nexec = deny\nnetwork = kill\n");
}

/* Descriptions are free text: "profile show" must print them so they read back the same. */
static void test_print_round_trip_description(void **state)
{
	(void)state;
	round_trip("[profile]\ndescription = Analyst notebook kernel (Python 3.11)\n");
	round_trip("[filesystem]\nhide = /srv\n"); /* default, empty description */
	round_trip("[profile]\ndescription = \" padded \\\"quoted\\\" \\\\ \"\n");
	round_trip("[limits]\ncpus = 0.25\nio_device = /dev/nvme0n1\n");
}

/*
 * nbwarden.profile(5), SYNTAX: "A scalar value is taken literally, unless it
 * is wholly enclosed in double quotes". A value that only starts with a quote
 * is therefore literal (and profile_print() quotes such values on output).
 */
static void test_scalar_leading_quote_is_literal(void **state)
{
	struct profile *p;

	(void)state;
	p = load_ok("[profile]\ndescription = \"Quoted\" title, then more\n");
	assert_string_equal(p->description, "\"Quoted\" title, then more");
	profile_free(p);
	p = load_ok("[profile]\ndescription = \"half\n");
	assert_string_equal(p->description, "\"half");
	profile_free(p);
	round_trip("[profile]\ndescription = \"starts with a quote\" only\n");
}

/* An explicitly empty deny list must not come back as "@default". */
static void test_print_round_trip_empty_deny(void **state)
{
	(void)state;
	round_trip("[profile]\ndescription = nodeny\n[syscalls]\ndeny =\n");
}

/* A tmpfs mount point with a space must be printed quoted, like the other paths. */
static void test_print_round_trip_tmpfs_space(void **state)
{
	(void)state;
	round_trip("[profile]\ndescription = x\n[filesystem]\ntmpfs = \"/with space\" size=1M\n");
}

/* ------------------------------------------------------------------------ */

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	return flag == FTW_DP ? rmdir(path) : unlink(path);
}

static int group_setup(void **state)
{
	(void)state;
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int group_teardown(void **state)
{
	(void)state;
	return nftw(tmpdir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_full_profile),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_list_syntax),
		cmocka_unit_test(test_split_words),
		cmocka_unit_test(test_enum_names),
		cmocka_unit_test(test_include_order),
		cmocka_unit_test(test_include_diamond),
		cmocka_unit_test(test_include_search_path),
		cmocka_unit_test(test_include_errors),
		cmocka_unit_test(test_include_depth),
		cmocka_unit_test(test_errors_structure),
		cmocka_unit_test(test_error_long_line),
		cmocka_unit_test(test_error_file_content),
		cmocka_unit_test(test_error_too_many_entries),
		cmocka_unit_test(test_error_values),
		cmocka_unit_test(test_error_lists),
		cmocka_unit_test(test_error_tmpfs),
		cmocka_unit_test(test_error_network),
		cmocka_unit_test(test_error_whole_profile),
		cmocka_unit_test(test_error_cap),
		cmocka_unit_test(test_strict_owner_and_symlink),
		cmocka_unit_test(test_net_rules),
		cmocka_unit_test(test_net_rule_long_hostname),
		cmocka_unit_test(test_tmpfs_parse),
		cmocka_unit_test(test_print_round_trip),
		cmocka_unit_test(test_print_round_trip_description),
		cmocka_unit_test(test_scalar_leading_quote_is_literal),
		cmocka_unit_test(test_print_round_trip_empty_deny),
		cmocka_unit_test(test_print_round_trip_tmpfs_space),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
