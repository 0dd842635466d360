/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Relaunch strikes: a kernel that policy keeps killing must not be restarted
 * forever (Jupyter's auto-restarter restarts a kernel that lived 10 s without
 * end). Every policy kill of a kernel is a strike; with [violations]
 * relaunch_strikes strikes, a launch of the same kernel within
 * relaunch_cooldown of the last kill is refused. An exit on its own clears
 * the strikes; they are also forgotten 10 x relaunch_cooldown after the last
 * kill. "The same kernel": the same uid, profile and key (the connection
 * file's path, or else the command line).
 *
 * State: one small file per kernel in a root-only directory
 * (NBW_RUNTIME_DIR/strikes), replaced atomically.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#define STRIKES_FORGET_FACTOR 10

struct strikes {
	uint64_t count;
	uint64_t last_usec; /* CLOCK_REALTIME of the last kill */
	char rule[64];      /* its rule, e.g. "violations.exec" */
};

/* Does a kill with this rule count? (policy: violations and most limits) */
bool strikes_rule_counts(const char *rule);

/*
 * May the kernel start now? 0 if so; otherwise the seconds until it may
 * (at least 1). Pure.
 */
uint64_t strikes_wait(const struct strikes *s, uint64_t now_usec, uint64_t limit,
                      uint64_t cooldown_usec);

/* The file name for a kernel: 16 hex digits of a hash of uid, profile and key. */
void strikes_name(uid_t uid, const char *profile, const char *key, char ret[static 17]);

/* Text form, "COUNT LAST_USEC RULE\n"; parse returns -EINVAL on anything else. */
int strikes_format(const struct strikes *s, char *buf, size_t size);
int strikes_parse(const char *text, struct strikes *ret);

/* Files in dir (created 0700 if missing). Load: a missing file is zero strikes. */
int strikes_load(const char *dir, const char *name, struct strikes *ret);
/* One more strike; strikes older than forget_usec before now start again from zero. */
int strikes_add(const char *dir, const char *name, const char *rule, uint64_t now_usec,
                uint64_t forget_usec);
int strikes_clear(const char *dir, const char *name);
