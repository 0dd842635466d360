// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "strikes.h"
#include "util.h"

bool strikes_rule_counts(const char *rule)
{
	static const char *const rules[] = {
		"syscalls.action", "violations.exec", "violations.network", "limits.memory",
		"limits.cpu_time", "limits.runaway",  "limits.io_bytes",
	};

	for (size_t i = 0; i < ELEMENTSOF(rules); i++)
		if (streq(rule, rules[i]))
			return true;
	return false;
}

uint64_t strikes_wait(const struct strikes *s, uint64_t now_usec, uint64_t limit,
                      uint64_t cooldown_usec)
{
	uint64_t until;

	if (limit == VALUE_MAX || s->count < limit)
		return 0;
	if (s->last_usec > now_usec) /* the clock went back: count from now */
		return (cooldown_usec + USEC_PER_SEC - 1) / USEC_PER_SEC;
	until = s->last_usec + cooldown_usec;
	if (now_usec >= until)
		return 0;
	return (until - now_usec + USEC_PER_SEC - 1) / USEC_PER_SEC;
}

void strikes_name(uid_t uid, const char *profile, const char *key, char ret[static 17])
{
	char head[32];
	uint64_t h;

	snprintf(head, sizeof(head), "%u", (unsigned)uid);
	/* fnv1a over "uid\0profile\0key" */
	h = fnv1a(head, strlen(head) + 1);
	h ^= fnv1a(profile, strlen(profile) + 1) * 31;
	h ^= fnv1a(key, strlen(key)) * 131;
	snprintf(ret, 17, "%016" PRIx64, h);
}

int strikes_format(const struct strikes *s, char *buf, size_t size)
{
	int n = snprintf(buf, size, "%" PRIu64 " %" PRIu64 " %s\n", s->count, s->last_usec,
	                 s->rule[0] ? s->rule : "-");

	return n < 0 || (size_t)n >= size ? -ENOBUFS : n;
}

int strikes_parse(const char *text, struct strikes *ret)
{
	struct strikes s = {0};
	char rule[sizeof(s.rule)] = "";
	int end = 0;

	if (sscanf(text, "%" SCNu64 " %" SCNu64 " %63[a-z_.-]%n", &s.count, &s.last_usec, rule,
	           &end) != 3 ||
	    !streq(text + end, "\n"))
		return -EINVAL;
	snprintf(s.rule, sizeof(s.rule), "%s", streq(rule, "-") ? "" : rule);
	*ret = s;
	return 0;
}

static int open_dir(const char *dir)
{
	int fd;

	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		return -errno;
	fd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	return fd < 0 ? -errno : fd;
}

int strikes_load(const char *dir, const char *name, struct strikes *ret)
{
	_cleanup_close_ int d = -1, f = -1;
	char buf[160];
	ssize_t n;

	*ret = (struct strikes){0};
	d = open_dir(dir);
	if (d < 0)
		return d;
	f = openat(d, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (f < 0)
		return errno == ENOENT ? 0 : -errno;
	n = read(f, buf, sizeof(buf) - 1);
	if (n < 0)
		return -errno;
	buf[n] = 0;
	return strikes_parse(buf, ret);
}

int strikes_add(const char *dir, const char *name, const char *rule, uint64_t now_usec,
                uint64_t forget_usec)
{
	_cleanup_close_ int d = -1, f = -1;
	struct strikes s;
	char tmp[32], buf[160];
	int n, r;

	r = strikes_load(dir, name, &s);
	if (r < 0 || s.last_usec > now_usec || now_usec - s.last_usec >= forget_usec)
		s = (struct strikes){0}; /* damaged, from the future or forgotten: start again */
	s.count++;
	s.last_usec = now_usec;
	snprintf(s.rule, sizeof(s.rule), "%s", rule);
	n = strikes_format(&s, buf, sizeof(buf));
	if (n < 0)
		return n;
	d = open_dir(dir);
	if (d < 0)
		return d;
	snprintf(tmp, sizeof(tmp), ".%s.tmp", name);
	f = openat(d, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (f < 0)
		return -errno;
	r = write_all(f, buf, (size_t)n);
	if (r < 0)
		return r;
	if (renameat(d, tmp, d, name) < 0)
		return -errno;
	return 0;
}

int strikes_clear(const char *dir, const char *name)
{
	_cleanup_close_ int d = -1;

	d = open_dir(dir);
	if (d < 0)
		return d;
	if (unlinkat(d, name, 0) < 0 && errno != ENOENT)
		return -errno;
	return 0;
}
