// SPDX-License-Identifier: GPL-2.0-or-later
#include <stdio.h>
#include <string.h>

#include "repeats.h"
#include "util.h"

#define OVERFLOW REPEATS_KINDS_MAX

static struct repeat *find(struct repeats *r, const char *key, const char *action)
{
	/* in a flood every event is looked up, and keys share long prefixes */
	uint64_t h = fnv1a(key, strlen(key));

	for (size_t i = 0; i < r->n; i++)
		if (r->kinds[i].hash == h && strcmp(r->kinds[i].key, key) == 0)
			return &r->kinds[i];
	if (r->n < REPEATS_KINDS_MAX) {
		struct repeat *k = &r->kinds[r->n++];

		k->hash = h;
		snprintf(k->key, sizeof(k->key), "%s", key);
		snprintf(k->action, sizeof(k->action), "%s", action);
		return k;
	}
	/* too many kinds: the rest is counted together, and never logged in full */
	snprintf(r->kinds[OVERFLOW].key, REPEATS_KEY_MAX, "%s", "other kinds");
	snprintf(r->kinds[OVERFLOW].action, sizeof(r->kinds[OVERFLOW].action), "%s", "events");
	return &r->kinds[OVERFLOW];
}

static uint64_t suppressed(const struct repeats *r, const struct repeat *k)
{
	if (k == &r->kinds[OVERFLOW])
		return k->seen;
	return k->seen > REPEATS_DETAIL_MAX ? k->seen - REPEATS_DETAIL_MAX : 0;
}

bool repeats_note(struct repeats *r, const char *key, const char *action)
{
	struct repeat *k = find(r, key, action);

	k->seen++;
	return k != &r->kinds[OVERFLOW] && k->seen <= REPEATS_DETAIL_MAX;
}

void repeats_flush(struct repeats *r, void (*fn)(void *ctx, const struct repeat *k, uint64_t n),
                   void *ctx)
{
	for (size_t i = 0; i <= OVERFLOW; i++) {
		struct repeat *k = &r->kinds[i];
		uint64_t s;

		if (i >= r->n && i != OVERFLOW)
			continue;
		s = suppressed(r, k);
		if (s > k->reported) {
			fn(ctx, k, s - k->reported);
			k->reported = s;
		}
	}
}
