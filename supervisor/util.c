// SPDX-License-Identifier: GPL-2.0-or-later
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/pidfd.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

void strv_free(char **l)
{
	STRV_FOREACH (s, l)
		free(*s);
	free(l);
}

size_t strv_length(char *const *l)
{
	size_t n = 0;

	while (l && l[n])
		n++;
	return n;
}

bool strv_contains(char *const *l, const char *s)
{
	for (size_t i = 0; l && l[i]; i++)
		if (streq(l[i], s))
			return true;
	return false;
}

int strv_consume(char ***l, char *s)
{
	size_t n = strv_length(*l);
	char **c;

	if (!s)
		return -ENOMEM;
	c = realloc(*l, (n + 2) * sizeof(char *));
	if (!c) {
		free(s);
		return -ENOMEM;
	}
	c[n] = s;
	c[n + 1] = NULL;
	*l = c;
	return 0;
}

int strv_extend(char ***l, const char *s)
{
	return strv_consume(l, strdup(s));
}

char **strv_copy(char *const *l)
{
	char **c = calloc(1, sizeof(char *));

	if (!c)
		return NULL;
	for (size_t i = 0; l && l[i]; i++)
		if (strv_extend(&c, l[i]) < 0) {
			strv_free(c);
			return NULL;
		}
	return c;
}

char **strv_split_ws(const char *s)
{
	char **l = calloc(1, sizeof(char *));

	if (!l)
		return NULL;
	while (*s) {
		size_t n;

		s += strspn(s, " \t\r\n");
		n = strcspn(s, " \t\r\n");
		if (n == 0)
			break;
		if (strv_consume(&l, strndup(s, n)) < 0) {
			strv_free(l);
			return NULL;
		}
		s += n;
	}
	return l;
}

int parse_uint64(const char *s, uint64_t *ret)
{
	unsigned long long v;
	char *end;

	if (isempty(s) || !isdigit((unsigned char)s[0]))
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno == ERANGE)
		return -ERANGE;
	if (*end)
		return -EINVAL;
	*ret = v;
	return 0;
}

int parse_uint32(const char *s, uint32_t *ret)
{
	uint64_t v;
	int r = parse_uint64(s, &v);

	if (r < 0)
		return r;
	if (v > UINT32_MAX)
		return -ERANGE;
	*ret = (uint32_t)v;
	return 0;
}

/*
 * Parse "<digits>[.<digits>]" into a whole part and thousandths, and return
 * the position after the number. At most three decimals are significant;
 * more is an error rather than a silent rounding.
 */
struct decimal {
	uint64_t whole;
	uint64_t milli; /* 0..999 */
};

static int parse_decimal(const char *s, struct decimal *ret, const char **ret_end)
{
	struct decimal d = {0, 0};
	int digits = 0;

	if (!isdigit((unsigned char)*s))
		return -EINVAL;
	for (; isdigit((unsigned char)*s); s++) {
		uint64_t digit = (uint64_t)(*s - '0');

		if (d.whole > (UINT64_MAX - digit) / 10)
			return -ERANGE;
		d.whole = d.whole * 10 + digit;
	}
	if (*s == '.') {
		s++;
		if (!isdigit((unsigned char)*s))
			return -EINVAL;
		for (; isdigit((unsigned char)*s); s++) {
			if (++digits > 3)
				return -EINVAL;
			d.milli = d.milli * 10 + (uint64_t)(*s - '0');
		}
		for (; digits < 3; digits++)
			d.milli *= 10;
	}
	*ret = d;
	*ret_end = s;
	return 0;
}

/* d * unit, or -ERANGE if that does not fit below limit */
static int scale(struct decimal d, uint64_t unit, uint64_t limit, uint64_t *ret)
{
	uint64_t frac;

	if (d.whole > limit / unit)
		return -ERANGE;
	/* milli < 1000, so this only overflows for units above 2^54: compute it in parts */
	frac = d.milli * (unit / 1000) + d.milli * (unit % 1000) / 1000;
	if (frac > limit || d.whole * unit > limit - frac)
		return -ERANGE;
	*ret = d.whole * unit + frac;
	return 0;
}

int parse_size(const char *s, uint64_t *ret)
{
	static const struct {
		char suffix;
		unsigned shift;
	} units[] = {{'K', 10}, {'M', 20}, {'G', 30}, {'T', 40}, {'P', 50}};
	uint64_t mult = 1;
	struct decimal d;
	const char *end;
	int r;

	if (streq(s, "max") || streq(s, "infinity")) {
		*ret = VALUE_MAX;
		return 0;
	}
	if (isempty(s))
		return -EINVAL;
	r = parse_decimal(s, &d, &end);
	if (r < 0)
		return r;
	if (*end) {
		size_t i;

		for (i = 0; i < ELEMENTSOF(units); i++)
			if (toupper((unsigned char)*end) == units[i].suffix)
				break;
		if (i == ELEMENTSOF(units))
			return -EINVAL;
		mult = 1ULL << units[i].shift;
		end++;
		/* Accept "2G", "2GB" and "2GiB". */
		if (streq(end, "iB") || streq(end, "B"))
			end += strlen(end);
		if (*end)
			return -EINVAL;
	}
	if (d.milli && mult == 1)
		return -EINVAL; /* fractional bytes */
	/* VALUE_MAX itself means "max": a number may only come below it */
	return scale(d, mult, VALUE_MAX - 1, ret);
}

int parse_duration(const char *s, uint64_t *ret_usec)
{
	static const struct {
		const char *suffix;
		uint64_t usec;
	} units[] = {
		/* longest suffix first so "ms" is not read as "m" */
		{"min", 60 * USEC_PER_SEC},
		{"ms", USEC_PER_MSEC},
		{"us", 1},
		{"s", USEC_PER_SEC},
		{"m", 60 * USEC_PER_SEC},
		{"h", 3600 * USEC_PER_SEC},
		{"d", 86400 * USEC_PER_SEC},
		{"w", 604800 * USEC_PER_SEC},
	};
	uint64_t total = 0;
	bool any = false;

	if (streq(s, "max") || streq(s, "infinity")) {
		*ret_usec = VALUE_MAX;
		return 0;
	}
	if (isempty(s))
		return -EINVAL;
	while (*s) {
		uint64_t unit = USEC_PER_SEC, add;
		struct decimal d;
		const char *end;
		int r;

		r = parse_decimal(s, &d, &end);
		if (r < 0)
			return r;
		if (*end) {
			size_t i, n = 0;

			for (i = 0; i < ELEMENTSOF(units); i++) {
				n = strlen(units[i].suffix);
				if (strncmp(end, units[i].suffix, n) == 0)
					break;
			}
			if (i == ELEMENTSOF(units))
				return -EINVAL;
			unit = units[i].usec;
			end += n;
		} else if (any) {
			return -EINVAL; /* "1h30": a bare number only on its own */
		}
		r = scale(d, unit, VALUE_MAX - 1 - total, &add);
		if (r < 0)
			return r;
		total += add;
		any = true;
		s = end;
	}
	*ret_usec = total;
	return 0;
}

int parse_cpus(const char *s, uint32_t *ret_milli)
{
	uint64_t milli;
	struct decimal d;
	const char *end;
	int r;

	if (isempty(s))
		return -EINVAL;
	r = parse_decimal(s, &d, &end);
	if (r < 0)
		return r;
	if (*end)
		return -EINVAL;
	if (d.whole > 4096)
		return -ERANGE;
	milli = d.whole * 1000 + d.milli;
	if (milli < 10 || milli > 4096000)
		return -ERANGE;
	*ret_milli = (uint32_t)milli;
	return 0;
}

int parse_count(const char *s, uint64_t *ret)
{
	if (streq(s, "max") || streq(s, "infinity")) {
		*ret = VALUE_MAX;
		return 0;
	}
	return parse_uint64(s, ret);
}

const char *format_size(uint64_t v, char buf[static 32])
{
	static const char suffixes[] = "KMGTP";
	int i;

	if (v == VALUE_MAX)
		return strcpy(buf, "max");
	for (i = 4; i >= 0; i--) {
		uint64_t m = 1ULL << (10 * (i + 1));

		if (v >= m && v % m == 0) {
			snprintf(buf, 32, "%llu%c", (unsigned long long)(v / m), suffixes[i]);
			return buf;
		}
	}
	snprintf(buf, 32, "%llu", (unsigned long long)v);
	return buf;
}

const char *format_duration(uint64_t usec, char buf[static 32])
{
	static const struct {
		const char *suffix;
		uint64_t usec;
	} units[] = {{"d", 86400 * USEC_PER_SEC}, {"h", 3600 * USEC_PER_SEC},
	             {"min", 60 * USEC_PER_SEC},  {"s", USEC_PER_SEC},
	             {"ms", USEC_PER_MSEC},       {"us", 1}};
	size_t off = 0;

	if (usec == VALUE_MAX)
		return strcpy(buf, "max");
	if (usec == 0)
		return strcpy(buf, "0");
	for (size_t i = 0; i < ELEMENTSOF(units); i++) {
		uint64_t unit = units[i].usec;

		if (usec < unit)
			continue;
		off += (size_t)snprintf(buf + off, 32 - off, "%llu%s",
		                        (unsigned long long)(usec / unit), units[i].suffix);
		usec %= unit;
	}
	return buf;
}

const char *format_cpus(uint32_t milli, char buf[static 32])
{
	if (milli % 1000 == 0)
		snprintf(buf, 32, "%u", milli / 1000);
	else if (milli % 100 == 0)
		snprintf(buf, 32, "%u.%u", milli / 1000, (milli % 1000) / 100);
	else if (milli % 10 == 0)
		snprintf(buf, 32, "%u.%02u", milli / 1000, (milli % 1000) / 10);
	else
		snprintf(buf, 32, "%u.%03u", milli / 1000, milli % 1000);
	return buf;
}

const char *format_count(uint64_t v, char buf[static 32])
{
	if (v == VALUE_MAX)
		return strcpy(buf, "max");
	snprintf(buf, 32, "%llu", (unsigned long long)v);
	return buf;
}

int path_canonicalize(const char *path, char **ret)
{
	char *out, *o;
	const char *p = path;

	if (isempty(path) || path[0] != '/')
		return -EINVAL;
	if (strlen(path) >= PATH_MAX)
		return -ENAMETOOLONG;
	out = malloc(strlen(path) + 1);
	if (!out)
		return -ENOMEM;
	o = out;
	while (*p) {
		size_t n;

		p += strspn(p, "/");
		n = strcspn(p, "/");
		if (n == 0)
			break;
		if (n == 1 && p[0] == '.') {
			p += n;
			continue;
		}
		if (n == 2 && p[0] == '.' && p[1] == '.') {
			free(out);
			return -EINVAL;
		}
		*o++ = '/';
		memcpy(o, p, n);
		o += n;
		p += n;
	}
	if (o == out)
		*o++ = '/';
	*o = 0;
	*ret = out;
	return 0;
}

bool path_startswith(const char *path, const char *prefix)
{
	size_t n = strlen(prefix);

	if (streq(prefix, "/"))
		return path[0] == '/';
	return strncmp(path, prefix, n) == 0 && (path[n] == 0 || path[n] == '/');
}

char *path_join(const char *a, const char *b)
{
	size_t la = strlen(a);
	char *r;

	while (la > 0 && a[la - 1] == '/')
		la--;
	while (*b == '/')
		b++;
	r = malloc(la + 1 + strlen(b) + 1);
	if (!r)
		return NULL;
	memcpy(r, a, la);
	r[la] = '/';
	strcpy(r + la + 1, b);
	return r;
}

bool env_name_is_valid(const char *name, size_t len)
{
	if (len == 0 || !(isalpha((unsigned char)name[0]) || name[0] == '_'))
		return false;
	for (size_t i = 1; i < len; i++)
		if (!(isalnum((unsigned char)name[i]) || name[i] == '_'))
			return false;
	return true;
}

uint64_t fnv1a(const void *data, size_t n)
{
	const uint8_t *p = data;
	uint64_t h = 0xcbf29ce484222325ULL;

	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 0x100000001b3ULL;
	return h;
}

uint64_t monotonic_usec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * USEC_PER_SEC + (uint64_t)ts.tv_nsec / NSEC_PER_USEC;
}

uint64_t realtime_usec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * USEC_PER_SEC + (uint64_t)ts.tv_nsec / NSEC_PER_USEC;
}

char *strv_join(char *const *l, const char *sep)
{
	size_t n = 1, seplen = strlen(sep);
	char *r, *p;

	for (char *const *e = l; e && *e; e++)
		n += strlen(*e) + seplen;
	r = malloc(n);
	if (!r)
		return NULL;
	p = r;
	for (char *const *e = l; e && *e; e++) {
		if (e != l)
			p = stpcpy(p, sep);
		p = stpcpy(p, *e);
	}
	*p = 0;
	return r;
}

int write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t k = write(fd, p, n);

		if (k < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (k == 0)
			return -EIO;
		p += k;
		n -= (size_t)k;
	}
	return 0;
}

int parent_pidfd_open(void)
{
	pid_t ppid = getppid();
	int fd;

	if (ppid <= 1)
		return -1; /* started by init or already orphaned: nobody to follow */
	fd = pidfd_open(ppid, 0);
	if (fd < 0)
		return -1;
	if (getppid() != ppid) {
		/* the parent died in between: treat it as gone */
		close(fd);
		return -2;
	}
	return fd;
}
