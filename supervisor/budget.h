/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Per-user accounting for the daemon: rolling-24h CPU and IO budgets and
 * launch rate limits. Pure bookkeeping plus an atomic save/load of the
 * ledger (the only part that touches the disk).
 *
 * The ledger keeps, per uid, BUDGET_SLOTS buckets of BUDGET_SLOT_USEC each
 * (15-minute buckets over 24 hours): use charged at time T lands in bucket
 * T / BUDGET_SLOT_USEC, and the use "in the last 24 hours" at time NOW is the
 * sum of the buckets whose index is in (NOW/SLOT - BUDGET_SLOTS, NOW/SLOT].
 * Times are CLOCK_REALTIME microseconds (the ledger outlives reboots).
 *
 * It also remembers, per running sandbox, the CPU and IO totals already
 * charged, so a restarted daemon charges only what is new; both live in the
 * same file, so a save is consistent.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#define BUDGET_WINDOW_USEC (24ULL * 3600 * 1000000)
#define BUDGET_SLOTS       96
#define BUDGET_SLOT_USEC   (BUDGET_WINDOW_USEC / BUDGET_SLOTS)
#define BUDGET_FILE        "budgets.json"

struct ledger;

int ledger_new(struct ledger **ret);
void ledger_free(struct ledger *l);

/* Add use to uid's bucket for now. */
int ledger_charge(struct ledger *l, uid_t uid, uint64_t now, uint64_t cpu_usec, uint64_t io_bytes);
/* Use in the window ending at now (0 for an unknown uid). */
void ledger_usage(const struct ledger *l, uid_t uid, uint64_t now, uint64_t *ret_cpu_usec,
                  uint64_t *ret_io_bytes);
/*
 * Whether uid's use at now has reached either limit (VALUE_MAX: none), and if
 * so, in how many microseconds enough buckets age out for it to be below
 * both again (0 when not exhausted).
 */
bool ledger_exhausted(const struct ledger *l, uid_t uid, uint64_t now, uint64_t cpu_limit,
                      uint64_t io_limit, uint64_t *ret_retry_usec);
/* Every uid with use in the window ending at now, ascending; *ret freed by the caller. */
int ledger_users(const struct ledger *l, uint64_t now, uid_t **ret, size_t *ret_n);

/* The totals already charged for a running sandbox (0, 0 if unknown). */
void ledger_get_charged(const struct ledger *l, const char *sandbox_id, uint64_t *ret_cpu_usec,
                        uint64_t *ret_io_bytes);
int ledger_set_charged(struct ledger *l, const char *sandbox_id, uint64_t cpu_usec,
                       uint64_t io_bytes);
void ledger_forget(struct ledger *l, const char *sandbox_id);

/*
 * Write the ledger as JSON to BUDGET_FILE in dirfd atomically: a temporary
 * file, fsync, rename over the old one, fsync of the directory. Buckets that
 * left the window by now are dropped.
 */
int ledger_save(const struct ledger *l, int dirfd, uint64_t now);
/*
 * Read BUDGET_FILE from dirfd. A missing file gives an empty ledger; a file
 * that does not parse is an error (-EBADMSG) with a message in *ret_error:
 * the daemon refuses to start rather than forget what was spent.
 */
int ledger_load(int dirfd, struct ledger **ret, char **ret_error);

/*
 * Launch rate limits: a sliding 60-second window of launch times per uid
 * (CLOCK_MONOTONIC microseconds).
 */
struct ratelimit;

int ratelimit_new(struct ratelimit **ret);
void ratelimit_free(struct ratelimit *rl);
/*
 * With fewer than per_minute launches by uid in (now - 60 s, now], record one
 * at now and return 0. Otherwise record nothing, set *ret_retry_usec to when
 * the oldest of them leaves the window and return -EBUSY. per_minute 0: no
 * limit (always 0, nothing recorded).
 */
int ratelimit_take(struct ratelimit *rl, uid_t uid, unsigned per_minute, uint64_t now,
                   uint64_t *ret_retry_usec);
