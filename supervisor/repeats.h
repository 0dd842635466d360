/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Aggregation of repeated events (pure): the first few events of each kind
 * are logged in full, later ones of that kind are only counted, and the
 * counts are reported as "N similar events suppressed". Nothing is dropped
 * without being counted: logged + suppressed always equals what was seen.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define REPEATS_DETAIL_MAX 10  /* events logged in full per kind */
#define REPEATS_KINDS_MAX  128 /* distinct kinds tracked; more share one bucket */
#define REPEATS_KEY_MAX    300

struct repeat {
	char key[REPEATS_KEY_MAX]; /* what makes events "similar" */
	uint64_t hash;             /* of key */
	char action[48];           /* the event.action they carry */
	uint64_t seen, reported;   /* reported: suppressed events already summarised */
};

struct repeats {
	struct repeat kinds[REPEATS_KINDS_MAX + 1]; /* the last one is the overflow bucket */
	size_t n;
};

/* Note one event; true if it is to be logged in full. */
bool repeats_note(struct repeats *r, const char *key, const char *action);

/*
 * Call fn for every kind with suppressed events not yet summarised, with
 * their number, then mark them summarised.
 */
void repeats_flush(struct repeats *r, void (*fn)(void *ctx, const struct repeat *k, uint64_t n),
                   void *ctx);
