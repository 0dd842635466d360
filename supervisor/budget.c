// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The budget ledger and the launch rate limits.
 *
 * Per uid the ledger keeps its buckets in a small array sorted by slot index,
 * at most BUDGET_SLOTS of them: memory follows use (an idle user costs a few
 * bytes, a busy one 2.3 KiB), and every operation on one uid walks at most
 * BUDGET_SLOTS buckets. Users and sandboxes are found through chained hash
 * tables (FNV-1a), so 10,000 users and 1,000 sandboxes cost no more per call
 * than ten.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "budget.h"
#include "cleanup.h"
#include "util.h"

#define LEDGER_FILE_MAX      (64ULL * 1024 * 1024)
#define SANDBOX_ID_MAX       64
#define RATELIMIT_WINDOW     (60ULL * USEC_PER_SEC)
#define RATELIMIT_MAX        100000U
#define UID_INVALID          ((uid_t)-1)
#define SLOT_INDEX_MAX       (UINT64_MAX / BUDGET_SLOT_USEC)
#define HASH_INITIAL_BUCKETS 64

static uint64_t sat_add(uint64_t a, uint64_t b)
{
	uint64_t r;

	return __builtin_add_overflow(a, b, &r) ? UINT64_MAX : r;
}

static uint64_t sat_mul(uint64_t a, uint64_t b)
{
	uint64_t r;

	return __builtin_mul_overflow(a, b, &r) ? UINT64_MAX : r;
}

static uint64_t hash_uid(uid_t uid)
{
	uint32_t u = (uint32_t)uid;

	return fnv1a(&u, sizeof(u));
}

/* Sandbox ids: 1-64 of [A-Za-z0-9_-]. */
static bool sandbox_id_is_valid(const char *id)
{
	size_t n = 0;

	if (!id)
		return false;
	for (; id[n]; n++) {
		char c = id[n];

		if (n >= SANDBOX_ID_MAX)
			return false;
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '-'))
			return false;
	}
	return n > 0;
}

/* ------------------------------------------------------------------------ */
/* the ledger */

struct bucket {
	uint64_t slot; /* T / BUDGET_SLOT_USEC */
	uint64_t cpu_usec;
	uint64_t io_bytes;
};

struct user {
	struct user *next;
	uid_t uid;
	size_t n_buckets;
	size_t n_allocated;
	struct bucket *buckets; /* ascending by slot, at most BUDGET_SLOTS */
};

struct charged {
	struct charged *next;
	uint64_t hash;
	uint64_t cpu_usec;
	uint64_t io_bytes;
	char id[];
};

struct ledger {
	struct user **users; /* n_user_heads chains */
	size_t n_user_heads;
	size_t n_users;
	struct charged **charged;
	size_t n_charged_heads;
	size_t n_charged;
};

int ledger_new(struct ledger **ret)
{
	_cleanup_free_ struct ledger *l = NULL;

	if (!ret)
		return -EINVAL;
	l = calloc(1, sizeof(*l));
	if (!l)
		return -ENOMEM;
	l->users = calloc(HASH_INITIAL_BUCKETS, sizeof(struct user *));
	if (!l->users)
		return -ENOMEM;
	l->n_user_heads = HASH_INITIAL_BUCKETS;
	l->charged = calloc(HASH_INITIAL_BUCKETS, sizeof(struct charged *));
	if (!l->charged) {
		free(l->users);
		return -ENOMEM;
	}
	l->n_charged_heads = HASH_INITIAL_BUCKETS;
	*ret = TAKE_PTR(l);
	return 0;
}

void ledger_free(struct ledger *l)
{
	if (!l)
		return;
	for (size_t i = 0; i < l->n_user_heads; i++)
		for (struct user *u = l->users[i], *next; u; u = next) {
			next = u->next;
			free(u->buckets);
			free(u);
		}
	for (size_t i = 0; i < l->n_charged_heads; i++)
		for (struct charged *c = l->charged[i], *next; c; c = next) {
			next = c->next;
			free(c);
		}
	free(l->users);
	free(l->charged);
	free(l);
}

static struct user *user_find(const struct ledger *l, uid_t uid)
{
	struct user *u = l->users[hash_uid(uid) & (l->n_user_heads - 1)];

	while (u && u->uid != uid)
		u = u->next;
	return u;
}

/* Double the chains once the load passes 1; a failed resize only costs speed. */
static void users_maybe_grow(struct ledger *l)
{
	size_t n = l->n_user_heads * 2;
	struct user **heads;

	if (l->n_users < l->n_user_heads)
		return;
	heads = calloc(n, sizeof(struct user *));
	if (!heads)
		return;
	for (size_t i = 0; i < l->n_user_heads; i++)
		for (struct user *u = l->users[i], *next; u; u = next) {
			size_t h = hash_uid(u->uid) & (n - 1);

			next = u->next;
			u->next = heads[h];
			heads[h] = u;
		}
	free(l->users);
	l->users = heads;
	l->n_user_heads = n;
}

static int user_get(struct ledger *l, uid_t uid, struct user **ret)
{
	struct user *u = user_find(l, uid);
	size_t h;

	if (!u) {
		users_maybe_grow(l);
		u = calloc(1, sizeof(*u));
		if (!u)
			return -ENOMEM;
		u->uid = uid;
		h = hash_uid(uid) & (l->n_user_heads - 1);
		u->next = l->users[h];
		l->users[h] = u;
		l->n_users++;
	}
	*ret = u;
	return 0;
}

/* Make room for one more bucket at position i (the array stays sorted). */
static int user_insert_bucket(struct user *u, size_t i, uint64_t slot)
{
	if (u->n_buckets == u->n_allocated) {
		size_t n = u->n_allocated ? u->n_allocated * 2 : 4;
		struct bucket *b;

		if (n > BUDGET_SLOTS)
			n = BUDGET_SLOTS;
		b = reallocarray(u->buckets, n, sizeof(*b));
		if (!b)
			return -ENOMEM;
		u->buckets = b;
		u->n_allocated = n;
	}
	memmove(u->buckets + i + 1, u->buckets + i, (u->n_buckets - i) * sizeof(*u->buckets));
	u->buckets[i] = (struct bucket){.slot = slot};
	u->n_buckets++;
	return 0;
}

/* Drop the buckets that left the window of every time from slot cur on. */
static void user_prune(struct user *u, uint64_t cur)
{
	size_t k = 0;

	while (k < u->n_buckets && u->buckets[k].slot + BUDGET_SLOTS <= cur)
		k++;
	if (k > 0) {
		memmove(u->buckets, u->buckets + k, (u->n_buckets - k) * sizeof(*u->buckets));
		u->n_buckets -= k;
	}
}

/*
 * The bucket for slot, created if needed. Only when the clock went back by
 * more than a day can the array be full of buckets newer than slot: the use
 * then goes into the first bucket after slot, counted late rather than
 * forgotten.
 */
static int user_bucket(struct user *u, uint64_t slot, struct bucket **ret)
{
	size_t i;
	int r;

	user_prune(u, slot);
	i = u->n_buckets;
	/* use arrives in time order: the newest bucket is the usual answer */
	while (i > 0 && u->buckets[i - 1].slot > slot)
		i--;
	if (i > 0 && u->buckets[i - 1].slot == slot) {
		*ret = &u->buckets[i - 1];
		return 0;
	}
	if (u->n_buckets == BUDGET_SLOTS) {
		/*
		 * Full, without slot: at most BUDGET_SLOTS - 1 buckets fit in
		 * (slot - BUDGET_SLOTS, slot), so buckets[i] lies after slot.
		 */
		*ret = &u->buckets[i];
		return 0;
	}
	r = user_insert_bucket(u, i, slot);
	if (r < 0)
		return r;
	*ret = &u->buckets[i];
	return 0;
}

static bool in_window(uint64_t slot, uint64_t cur)
{
	return slot <= cur && slot + BUDGET_SLOTS > cur;
}

int ledger_charge(struct ledger *l, uid_t uid, uint64_t now, uint64_t cpu_usec, uint64_t io_bytes)
{
	struct bucket *b;
	struct user *u;
	int r;

	if (!l || uid == UID_INVALID)
		return -EINVAL;
	if (cpu_usec == 0 && io_bytes == 0)
		return 0;
	r = user_get(l, uid, &u);
	if (r < 0)
		return r;
	r = user_bucket(u, now / BUDGET_SLOT_USEC, &b);
	if (r < 0)
		return r;
	b->cpu_usec = sat_add(b->cpu_usec, cpu_usec);
	b->io_bytes = sat_add(b->io_bytes, io_bytes);
	return 0;
}

static void user_usage(const struct user *u, uint64_t cur, uint64_t *ret_cpu, uint64_t *ret_io)
{
	uint64_t cpu = 0, io = 0;

	for (size_t i = 0; u && i < u->n_buckets; i++)
		if (in_window(u->buckets[i].slot, cur)) {
			cpu = sat_add(cpu, u->buckets[i].cpu_usec);
			io = sat_add(io, u->buckets[i].io_bytes);
		}
	*ret_cpu = cpu;
	*ret_io = io;
}

void ledger_usage(const struct ledger *l, uid_t uid, uint64_t now, uint64_t *ret_cpu_usec,
                  uint64_t *ret_io_bytes)
{
	uint64_t cpu = 0, io = 0;

	if (l)
		user_usage(user_find(l, uid), now / BUDGET_SLOT_USEC, &cpu, &io);
	if (ret_cpu_usec)
		*ret_cpu_usec = cpu;
	if (ret_io_bytes)
		*ret_io_bytes = io;
}

static bool over(uint64_t use, uint64_t limit)
{
	return limit != VALUE_MAX && use >= limit;
}

/*
 * Saturated sums cannot be taken apart bucket by bucket, so the walk below
 * recomputes what is left after each bucket from the newer ones: O(n^2) on
 * at most BUDGET_SLOTS buckets only when a sum saturated, O(n) otherwise.
 */
static void usage_after(const struct user *u, size_t from, uint64_t cur, uint64_t *ret_cpu,
                        uint64_t *ret_io)
{
	uint64_t cpu = 0, io = 0;

	for (size_t i = from; i < u->n_buckets; i++)
		if (in_window(u->buckets[i].slot, cur)) {
			cpu = sat_add(cpu, u->buckets[i].cpu_usec);
			io = sat_add(io, u->buckets[i].io_bytes);
		}
	*ret_cpu = cpu;
	*ret_io = io;
}

bool ledger_exhausted(const struct ledger *l, uid_t uid, uint64_t now, uint64_t cpu_limit,
                      uint64_t io_limit, uint64_t *ret_retry_usec)
{
	uint64_t cur = now / BUDGET_SLOT_USEC, cpu, io, retry = VALUE_MAX;
	const struct user *u = l ? user_find(l, uid) : NULL;
	bool saturated;

	user_usage(u, cur, &cpu, &io);
	if (!over(cpu, cpu_limit) && !over(io, io_limit)) {
		if (ret_retry_usec)
			*ret_retry_usec = 0;
		return false;
	}
	saturated = cpu == UINT64_MAX || io == UINT64_MAX;
	/* the oldest buckets leave first; find the first whose leaving is enough */
	for (size_t i = 0; u && i < u->n_buckets; i++) {
		const struct bucket *b = &u->buckets[i];

		if (!in_window(b->slot, cur))
			continue;
		if (saturated)
			usage_after(u, i + 1, cur, &cpu, &io);
		else {
			cpu -= b->cpu_usec;
			io -= b->io_bytes;
		}
		if (!over(cpu, cpu_limit) && !over(io, io_limit)) {
			/* bucket b is in the window while NOW/SLOT < b->slot + BUDGET_SLOTS */
			retry = sat_mul(b->slot + BUDGET_SLOTS, BUDGET_SLOT_USEC) - now;
			break;
		}
	}
	/* a limit of 0 is reached even with no use: retry stays VALUE_MAX, never */
	if (ret_retry_usec)
		*ret_retry_usec = retry;
	return true;
}

static int uid_cmp(const void *a, const void *b)
{
	uid_t x = *(const uid_t *)a, y = *(const uid_t *)b;

	return x < y ? -1 : x > y;
}

int ledger_users(const struct ledger *l, uint64_t now, uid_t **ret, size_t *ret_n)
{
	uint64_t cur = now / BUDGET_SLOT_USEC;
	_cleanup_free_ uid_t *uids = NULL;
	size_t n = 0;

	if (!l || !ret || !ret_n)
		return -EINVAL;
	uids = calloc(l->n_users > 0 ? l->n_users : 1, sizeof(*uids));
	if (!uids)
		return -ENOMEM;
	for (size_t i = 0; i < l->n_user_heads; i++)
		for (const struct user *u = l->users[i]; u; u = u->next) {
			uint64_t cpu, io;

			user_usage(u, cur, &cpu, &io);
			if (cpu > 0 || io > 0)
				uids[n++] = u->uid;
		}
	if (n > 1)
		qsort(uids, n, sizeof(*uids), uid_cmp);
	*ret = TAKE_PTR(uids);
	*ret_n = n;
	return 0;
}

/* ------------------------------------------------------------------------ */
/* what running sandboxes were charged already */

static struct charged **charged_slot(const struct ledger *l, const char *id, uint64_t hash)
{
	struct charged **p = &l->charged[hash & (l->n_charged_heads - 1)];

	while (*p && ((*p)->hash != hash || !streq((*p)->id, id)))
		p = &(*p)->next;
	return p;
}

static void charged_maybe_grow(struct ledger *l)
{
	size_t n = l->n_charged_heads * 2;
	struct charged **heads;

	if (l->n_charged < l->n_charged_heads)
		return;
	heads = calloc(n, sizeof(struct charged *));
	if (!heads)
		return;
	for (size_t i = 0; i < l->n_charged_heads; i++)
		for (struct charged *c = l->charged[i], *next; c; c = next) {
			next = c->next;
			c->next = heads[c->hash & (n - 1)];
			heads[c->hash & (n - 1)] = c;
		}
	free(l->charged);
	l->charged = heads;
	l->n_charged_heads = n;
}

void ledger_get_charged(const struct ledger *l, const char *sandbox_id, uint64_t *ret_cpu_usec,
                        uint64_t *ret_io_bytes)
{
	const struct charged *c = NULL;

	if (l && sandbox_id_is_valid(sandbox_id))
		c = *charged_slot(l, sandbox_id, fnv1a(sandbox_id, strlen(sandbox_id)));
	if (ret_cpu_usec)
		*ret_cpu_usec = c ? c->cpu_usec : 0;
	if (ret_io_bytes)
		*ret_io_bytes = c ? c->io_bytes : 0;
}

int ledger_set_charged(struct ledger *l, const char *sandbox_id, uint64_t cpu_usec,
                       uint64_t io_bytes)
{
	struct charged **p, *c;
	uint64_t hash;
	size_t len;

	if (!l || !sandbox_id_is_valid(sandbox_id))
		return -EINVAL;
	len = strlen(sandbox_id);
	hash = fnv1a(sandbox_id, len);
	p = charged_slot(l, sandbox_id, hash);
	if (!*p) {
		charged_maybe_grow(l);
		c = malloc(sizeof(*c) + len + 1);
		if (!c)
			return -ENOMEM;
		*c = (struct charged){.hash = hash};
		memcpy(c->id, sandbox_id, len + 1);
		p = charged_slot(l, sandbox_id, hash); /* the table may have grown */
		*p = c;
		l->n_charged++;
	}
	(*p)->cpu_usec = cpu_usec;
	(*p)->io_bytes = io_bytes;
	return 0;
}

void ledger_forget(struct ledger *l, const char *sandbox_id)
{
	struct charged **p, *c;

	if (!l || !sandbox_id_is_valid(sandbox_id))
		return;
	p = charged_slot(l, sandbox_id, fnv1a(sandbox_id, strlen(sandbox_id)));
	c = *p;
	if (!c)
		return;
	*p = c->next;
	free(c);
	l->n_charged--;
}

/* ------------------------------------------------------------------------ */
/* saving */

/*
 * The file is written directly rather than built as a jansson tree: with
 * 10,000 busy users the tree would be a million objects (300 MB, seconds)
 * for a ~30 MB text. No escaping is needed: keys are decimal uids and
 * sandbox ids of [A-Za-z0-9_-]. ledger_load() reads it with jansson.
 */

/* JSON integers are signed 64-bit for jansson: a saturated value is stored as the largest. */
static unsigned long long json_u64(uint64_t v)
{
	return v > INT64_MAX ? (unsigned long long)INT64_MAX : (unsigned long long)v;
}

static int user_ptr_cmp(const void *a, const void *b)
{
	uid_t x = (*(const struct user *const *)a)->uid, y = (*(const struct user *const *)b)->uid;

	return x < y ? -1 : x > y;
}

static int charged_ptr_cmp(const void *a, const void *b)
{
	return strcmp((*(const struct charged *const *)a)->id,
	              (*(const struct charged *const *)b)->id);
}

static void put_user(FILE *f, const struct user *u, uint64_t cur, bool *first)
{
	bool any = false;

	for (size_t k = 0; k < u->n_buckets; k++) {
		const struct bucket *b = &u->buckets[k];

		/* left the window by now: dropped; a bucket ahead of now stays */
		if (b->slot + BUDGET_SLOTS <= cur || (b->cpu_usec == 0 && b->io_bytes == 0))
			continue;
		if (!any)
			fprintf(f, "%s\"%u\":[", *first ? "" : ",", (unsigned)u->uid);
		fprintf(f, "%s[%llu,%llu,%llu]", any ? "," : "", json_u64(b->slot),
		        json_u64(b->cpu_usec), json_u64(b->io_bytes));
		any = true;
		*first = false;
	}
	if (any)
		fputc(']', f);
}

/* {"version":1,"saved":N,"users":{"UID":[[slot,cpu,io],...]},"sandboxes":{"ID":[cpu,io]}} */
static int ledger_to_json(const struct ledger *l, uint64_t now, char **ret, size_t *ret_len)
{
	_cleanup_free_ const struct user **users = NULL;
	_cleanup_free_ const struct charged **charged = NULL;
	_cleanup_free_ char *text = NULL;
	uint64_t cur = now / BUDGET_SLOT_USEC;
	size_t n = 0, size = 0;
	bool first = true;
	FILE *f;
	int r = 0;

	users = calloc(l->n_users + 1, sizeof(struct user *));
	charged = calloc(l->n_charged + 1, sizeof(struct charged *));
	if (!users || !charged)
		return -ENOMEM;
	for (size_t i = 0; i < l->n_user_heads; i++)
		for (const struct user *u = l->users[i]; u && n < l->n_users; u = u->next)
			users[n++] = u;
	qsort(users, n, sizeof(struct user *), user_ptr_cmp);
	f = open_memstream(&text, &size);
	if (!f)
		return -ENOMEM;
	fprintf(f, "{\"version\":1,\"saved\":%llu,\"users\":{", json_u64(now));
	for (size_t i = 0; i < n; i++)
		put_user(f, users[i], cur, &first);
	fputs("},\"sandboxes\":{", f);
	n = 0;
	for (size_t i = 0; i < l->n_charged_heads; i++)
		for (const struct charged *c = l->charged[i]; c && n < l->n_charged; c = c->next)
			charged[n++] = c;
	qsort(charged, n, sizeof(struct charged *), charged_ptr_cmp);
	for (size_t i = 0; i < n; i++)
		fprintf(f, "%s\"%s\":[%llu,%llu]", i ? "," : "", charged[i]->id,
		        json_u64(charged[i]->cpu_usec), json_u64(charged[i]->io_bytes));
	fputs("}}\n", f);
	if (ferror(f))
		r = -ENOMEM;
	if (fclose(f) != 0 && r >= 0)
		r = -ENOMEM;
	if (r < 0)
		return r;
	*ret_len = size;
	*ret = TAKE_PTR(text);
	return 0;
}

/* A new temporary file next to BUDGET_FILE: "budgets.json.tmp-<random hex>". */
static int open_temp(int dirfd, char name[static 64])
{
	for (int attempt = 0; attempt < 16; attempt++) {
		uint64_t rnd;
		int fd;

		if (getrandom(&rnd, sizeof(rnd), GRND_NONBLOCK) != sizeof(rnd))
			rnd = ((uint64_t)getpid() << 32) ^ (uint64_t)attempt;
		snprintf(name, 64, "%s.tmp-%016" PRIx64, BUDGET_FILE, rnd);
		fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW,
		            0600);
		if (fd >= 0)
			return fd;
		if (errno != EEXIST)
			return -errno;
	}
	return -EEXIST;
}

int ledger_save(const struct ledger *l, int dirfd, uint64_t now)
{
	_cleanup_free_ char *text = NULL;
	_cleanup_close_ int fd = -1;
	char name[64];
	size_t len = 0;
	int r;

	if (!l || dirfd < 0)
		return -EINVAL;
	r = ledger_to_json(l, now, &text, &len);
	if (r < 0)
		return r;
	fd = open_temp(dirfd, name);
	if (fd < 0)
		return fd;
	r = write_all(fd, text, len);
	if (r >= 0 && fsync(fd) < 0)
		r = -errno;
	if (r >= 0) {
		int k = close(TAKE_FD(fd));

		if (k < 0 && errno != EINTR)
			r = -errno;
	}
	if (r >= 0 && renameat(dirfd, name, dirfd, BUDGET_FILE) < 0)
		r = -errno;
	if (r < 0) {
		/* the old file was not touched; the temporary one goes */
		(void)unlinkat(dirfd, name, 0);
		return r;
	}
	/* renamed: the new ledger is in place, the directory entry must reach the disk */
	if (fsync(dirfd) < 0)
		return -errno;
	return 0;
}

/* ------------------------------------------------------------------------ */
/* loading */

static int bad(char **ret_error, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int bad(char **ret_error, const char *fmt, ...)
{
	_cleanup_free_ char *msg = NULL;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&msg, fmt, ap);
	va_end(ap);
	if (n < 0)
		return -ENOMEM;
	if (ret_error)
		*ret_error = TAKE_PTR(msg);
	return -EBADMSG;
}

/* A key from the file, safe to print: at most 64 characters, non-printable ones as '?'. */
static const char *printable(const char *s, char buf[static 72])
{
	size_t n = 0;

	for (; n < 64 && s[n]; n++)
		buf[n] = s[n] >= 0x20 && s[n] < 0x7f ? s[n] : '?';
	if (s[n]) {
		memcpy(buf + n, "...", 3);
		n += 3;
	}
	buf[n] = 0;
	return buf;
}

/* A uid key: canonical decimal ("0", "1001"; no sign, no leading zero), not (uid_t)-1. */
static int parse_uid_key(const char *s, uid_t *ret)
{
	uint32_t v;

	if (s[0] == '0' && s[1])
		return -EINVAL;
	if (parse_uint32(s, &v) < 0 || (uid_t)v == UID_INVALID)
		return -EINVAL;
	*ret = (uid_t)v;
	return 0;
}

/* An array of n non-negative integers. -EINVAL: wrong shape; -ERANGE: negative. */
static int unpack_u64s(const json_t *a, uint64_t *ret, size_t n)
{
	uint64_t v[3];

	if (!json_is_array(a) || json_array_size(a) != n || n > ELEMENTSOF(v))
		return -EINVAL;
	for (size_t i = 0; i < n; i++) {
		const json_t *e = json_array_get(a, i);

		if (!json_is_integer(e))
			return -EINVAL;
		if (json_integer_value(e) < 0)
			return -ERANGE;
		v[i] = (uint64_t)json_integer_value(e);
	}
	memcpy(ret, v, n * sizeof(*v));
	return 0;
}

static int load_user(struct ledger *l, const char *key, const json_t *list, char **ret_error)
{
	char pbuf[72];
	struct user *u;
	uid_t uid;
	size_t i;
	json_t *e;
	int r;

	if (parse_uid_key(key, &uid) < 0)
		return bad(ret_error, "%s: users.%s: not a uid", BUDGET_FILE, printable(key, pbuf));
	if (!json_is_array(list))
		return bad(ret_error, "%s: users.%s: expected an array of [slot, cpu, io]",
		           BUDGET_FILE, key);
	if (json_array_size(list) > BUDGET_SLOTS)
		return bad(ret_error, "%s: users.%s: more than %d buckets", BUDGET_FILE, key,
		           BUDGET_SLOTS);
	r = user_get(l, uid, &u);
	if (r < 0)
		return r;
	json_array_foreach(list, i, e)
	{
		uint64_t v[3];
		size_t k;

		r = unpack_u64s(e, v, 3);
		if (r == -ERANGE)
			return bad(ret_error, "%s: users.%s[%zu]: negative number", BUDGET_FILE,
			           key, i);
		if (r < 0)
			return bad(ret_error, "%s: users.%s[%zu]: expected [slot, cpu, io]",
			           BUDGET_FILE, key, i);
		if (v[0] > SLOT_INDEX_MAX)
			return bad(ret_error, "%s: users.%s[%zu]: slot %" PRIu64 " out of range",
			           BUDGET_FILE, key, i, v[0]);
		for (k = 0; k < u->n_buckets && u->buckets[k].slot < v[0]; k++)
			;
		if (k < u->n_buckets && u->buckets[k].slot == v[0])
			return bad(ret_error, "%s: users.%s[%zu]: slot %" PRIu64 " appears twice",
			           BUDGET_FILE, key, i, v[0]);
		r = user_insert_bucket(u, k, v[0]);
		if (r < 0)
			return r;
		u->buckets[k].cpu_usec = v[1];
		u->buckets[k].io_bytes = v[2];
	}
	return 0;
}

static int ledger_from_json(const json_t *root, struct ledger **ret, char **ret_error)
{
	struct ledger *l = NULL;
	const json_t *users, *sandboxes, *version, *saved, *v;
	const char *key;
	char pbuf[72];
	int r;

	if (!json_is_object(root))
		return bad(ret_error, "%s: expected an object", BUDGET_FILE);
	json_object_foreach(
		(json_t *)root, key,
		v) if (!streq(key, "version") && !streq(key, "saved") && !streq(key, "users") &&
	               !streq(key, "sandboxes")) return bad(ret_error, "%s: unknown key '%s'",
	                                                    BUDGET_FILE, printable(key, pbuf));
	version = json_object_get(root, "version");
	if (!json_is_integer(version) || json_integer_value(version) != 1)
		return bad(ret_error, "%s: version: expected 1", BUDGET_FILE);
	saved = json_object_get(root, "saved");
	if (!json_is_integer(saved) || json_integer_value(saved) < 0)
		return bad(ret_error, "%s: saved: expected a time in microseconds", BUDGET_FILE);
	users = json_object_get(root, "users");
	if (!json_is_object(users))
		return bad(ret_error, "%s: users: expected an object", BUDGET_FILE);
	sandboxes = json_object_get(root, "sandboxes");
	if (!json_is_object(sandboxes))
		return bad(ret_error, "%s: sandboxes: expected an object", BUDGET_FILE);

	r = ledger_new(&l);
	if (r < 0)
		return r;
	json_object_foreach((json_t *)users, key, v)
	{
		r = load_user(l, key, v, ret_error);
		if (r < 0)
			goto fail;
	}
	json_object_foreach((json_t *)sandboxes, key, v)
	{
		uint64_t t[2];

		if (!sandbox_id_is_valid(key)) {
			r = bad(ret_error, "%s: sandboxes.%s: not a sandbox id", BUDGET_FILE,
			        printable(key, pbuf));
			goto fail;
		}
		r = unpack_u64s(v, t, 2);
		if (r == -ERANGE) {
			r = bad(ret_error, "%s: sandboxes.%s: negative number", BUDGET_FILE, key);
			goto fail;
		}
		if (r < 0) {
			r = bad(ret_error, "%s: sandboxes.%s: expected [cpu, io]", BUDGET_FILE,
			        key);
			goto fail;
		}
		r = ledger_set_charged(l, key, t[0], t[1]);
		if (r < 0)
			goto fail;
	}
	*ret = l;
	return 0;
fail:
	ledger_free(l);
	return r;
}

static int read_file(int fd, char **ret, size_t *ret_len)
{
	_cleanup_free_ char *buf = NULL;
	size_t len = 0, size = 0;
	struct stat st;

	if (fstat(fd, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode))
		return -EBADFD;
	if ((uint64_t)st.st_size > LEDGER_FILE_MAX)
		return -EFBIG;
	size = (size_t)st.st_size + 1;
	buf = malloc(size);
	if (!buf)
		return -ENOMEM;
	for (;;) {
		ssize_t n;

		if (len == size) {
			char *p;

			if (size > LEDGER_FILE_MAX)
				return -EFBIG; /* it grew while we read */
			p = realloc(buf, size * 2);
			if (!p)
				return -ENOMEM;
			buf = p;
			size *= 2;
		}
		n = read(fd, buf + len, size - len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	if (len > LEDGER_FILE_MAX)
		return -EFBIG;
	*ret = TAKE_PTR(buf);
	*ret_len = len;
	return 0;
}

int ledger_load(int dirfd, struct ledger **ret, char **ret_error)
{
	_cleanup_(json_decrefp) json_t *root = NULL;
	_cleanup_free_ char *text = NULL;
	_cleanup_close_ int fd = -1;
	json_error_t err;
	size_t len = 0;
	int r;

	if (dirfd < 0 || !ret)
		return -EINVAL;
	fd = openat(dirfd, BUDGET_FILE, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY);
	if (fd < 0) {
		if (errno == ENOENT)
			return ledger_new(ret);
		if (errno == ELOOP)
			return bad(ret_error, "%s: is a symbolic link", BUDGET_FILE);
		if (errno == ENOMEM)
			return -ENOMEM;
		return bad(ret_error, "%s: cannot open: %s", BUDGET_FILE, strerror(errno));
	}
	r = read_file(fd, &text, &len);
	if (r == -ENOMEM)
		return r;
	if (r == -EBADFD)
		return bad(ret_error, "%s: not a regular file", BUDGET_FILE);
	if (r == -EFBIG)
		return bad(ret_error, "%s: larger than %llu bytes", BUDGET_FILE,
		           (unsigned long long)LEDGER_FILE_MAX);
	if (r < 0)
		return bad(ret_error, "%s: cannot read: %s", BUDGET_FILE, strerror(-r));
	root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &err);
	if (!root)
		return bad(ret_error, "%s:%d:%d: %s", BUDGET_FILE, err.line, err.column, err.text);
	return ledger_from_json(root, ret, ret_error);
}

/* ------------------------------------------------------------------------ */
/* launch rate limits */

struct rl_user {
	struct rl_user *next;
	uid_t uid;
	uint64_t *times; /* a ring, oldest at head */
	size_t head, n, n_allocated;
};

struct ratelimit {
	struct rl_user **heads;
	size_t n_heads;
	size_t n_users;
};

int ratelimit_new(struct ratelimit **ret)
{
	_cleanup_free_ struct ratelimit *rl = NULL;

	if (!ret)
		return -EINVAL;
	rl = calloc(1, sizeof(*rl));
	if (!rl)
		return -ENOMEM;
	rl->heads = calloc(HASH_INITIAL_BUCKETS, sizeof(struct rl_user *));
	if (!rl->heads)
		return -ENOMEM;
	rl->n_heads = HASH_INITIAL_BUCKETS;
	*ret = TAKE_PTR(rl);
	return 0;
}

void ratelimit_free(struct ratelimit *rl)
{
	if (!rl)
		return;
	for (size_t i = 0; i < rl->n_heads; i++)
		for (struct rl_user *u = rl->heads[i], *next; u; u = next) {
			next = u->next;
			free(u->times);
			free(u);
		}
	free(rl->heads);
	free(rl);
}

static void rl_maybe_grow(struct ratelimit *rl)
{
	size_t n = rl->n_heads * 2;
	struct rl_user **heads;

	if (rl->n_users < rl->n_heads)
		return;
	heads = calloc(n, sizeof(struct rl_user *));
	if (!heads)
		return;
	for (size_t i = 0; i < rl->n_heads; i++)
		for (struct rl_user *u = rl->heads[i], *next; u; u = next) {
			size_t h = hash_uid(u->uid) & (n - 1);

			next = u->next;
			u->next = heads[h];
			heads[h] = u;
		}
	free(rl->heads);
	rl->heads = heads;
	rl->n_heads = n;
}

static int rl_user_get(struct ratelimit *rl, uid_t uid, struct rl_user **ret)
{
	struct rl_user *u = rl->heads[hash_uid(uid) & (rl->n_heads - 1)];
	size_t h;

	while (u && u->uid != uid)
		u = u->next;
	if (!u) {
		rl_maybe_grow(rl);
		u = calloc(1, sizeof(*u));
		if (!u)
			return -ENOMEM;
		u->uid = uid;
		h = hash_uid(uid) & (rl->n_heads - 1);
		u->next = rl->heads[h];
		rl->heads[h] = u;
		rl->n_users++;
	}
	*ret = u;
	return 0;
}

static uint64_t rl_at(const struct rl_user *u, size_t i)
{
	return u->times[(u->head + i) % u->n_allocated];
}

static void rl_drop_oldest(struct rl_user *u, size_t k)
{
	u->head = (u->head + k) % u->n_allocated;
	u->n -= k;
}

/* Room for one more launch time, the ring growing up to cap entries. */
static int rl_reserve(struct rl_user *u, size_t cap)
{
	size_t n;
	uint64_t *t;

	if (u->n < u->n_allocated)
		return 0;
	n = u->n_allocated ? u->n_allocated * 2 : 4;
	if (n > cap)
		n = cap;
	t = calloc(n, sizeof(*t));
	if (!t)
		return -ENOMEM;
	for (size_t i = 0; i < u->n; i++)
		t[i] = rl_at(u, i);
	free(u->times);
	u->times = t;
	u->head = 0;
	u->n_allocated = n;
	return 0;
}

int ratelimit_take(struct ratelimit *rl, uid_t uid, unsigned per_minute, uint64_t now,
                   uint64_t *ret_retry_usec)
{
	size_t cap = per_minute < RATELIMIT_MAX ? per_minute : RATELIMIT_MAX;
	struct rl_user *u;
	int r;

	if (!rl)
		return -EINVAL;
	if (per_minute == 0)
		return 0;
	r = rl_user_get(rl, uid, &u);
	if (r < 0)
		return r;
	/* launches at or before now - 60 s are out of (now - 60 s, now] */
	while (u->n > 0 && rl_at(u, 0) <= now && now - rl_at(u, 0) >= RATELIMIT_WINDOW)
		rl_drop_oldest(u, 1);
	/* a lowered limit: only the newest per_minute launches matter */
	if (u->n > cap)
		rl_drop_oldest(u, u->n - cap);
	if (u->n == cap) {
		uint64_t leaves = sat_add(rl_at(u, 0), RATELIMIT_WINDOW);

		if (ret_retry_usec)
			*ret_retry_usec = leaves > now ? leaves - now : 0;
		return -EBUSY;
	}
	r = rl_reserve(u, cap);
	if (r < 0)
		return r;
	u->times[(u->head + u->n) % u->n_allocated] = now;
	u->n++;
	return 0;
}
