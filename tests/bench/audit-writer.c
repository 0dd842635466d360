// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * audit-writer: drives the audit log alone, for the tests and the benchmark.
 *
 *   audit-writer LOG POLICY N [KEYFILE]
 *       append N records (fsync POLICY: always, batch or none) to LOG, and
 *       print "acked SEQ" each time records are acknowledged: after every
 *       record under always, at every sync point under batch. The tests
 *       SIGKILL it mid-stream and check that every acknowledged record is
 *       in a log that verifies.
 *   audit-writer --bench LOG POLICY N [GROUP]
 *       append N records as fast as possible; print "records=N seconds=S
 *       rate=R" (records/s, sync at close included). The records are
 *       serialized before the clock starts (1,000 variants): what is timed is
 *       the audit layer alone: chain, hash, lock, write, sync. With GROUP, the lock
 *       is taken once per GROUP records (audit_hold), as nbwarden does for
 *       a drained event ring; without, once per record.
 *
 * The records look like nbwarden's events (about 500 bytes).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "audit.h"
#include "util.h"

static json_t *record(unsigned long i)
{
	return json_pack("{s:s, s:{s:s}, s:{s:s, s:[s], s:s, s:s, s:[s]}, s:{s:s}, "
	                 "s:{s:s, s:I, s:i, s:s, s:s, s:s, s:s}, s:{s:s, s:i}, s:{s:s, s:s}, "
	                 "s:{s:s, s:i, s:{s:i}}}",
	                 "@timestamp", "2026-11-23T10:21:19.076480Z", "ecs", "version", "8.11.0",
	                 "event", "action", "network-connect-denied", "category", "network", "kind",
	                 "alert", "outcome", "failure", "type", "denied", "host", "hostname",
	                 "jupyter01", "nbwarden", "sandbox_id", "kernel-7f49", "cgroup_id",
	                 (json_int_t)296444, "events_lost", 0, "profile", "analyst-net-strict",
	                 "rule", "network.allow", "verdict", "deny", "enforcer", "ebpf",
	                 "destination", "ip", "10.9.8.7", "port", 443, "network", "transport",
	                 "tcp", "type", "ipv4", "process", "name", "python3.11", "pid",
	                 (int)(27752 + i % 1000), "thread", "id", 27752);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	bool bench = argc > 1 && streq(argv[1], "--bench");
	struct audit_config c = {.rotate_size = VALUE_MAX, .retention_days = 0};
	unsigned char *key = NULL;
	struct audit *a = NULL;
	char *error = NULL;
	unsigned long n, group = 0;
	double t0;
	int r;

	if (bench) {
		argv++;
		argc--;
	}
	if (argc < 4 || argc > 5) {
		fprintf(stderr, "usage: audit-writer LOG POLICY N [KEYFILE]\n"
		                "       audit-writer --bench LOG POLICY N [GROUP]\n");
		return 2;
	}
	if (bench && argc == 5) {
		group = strtoul(argv[4], NULL, 10);
		argc--;
	}
	c.path = argv[1];
	c.fsync = audit_fsync_from_string(argv[2]);
	n = strtoul(argv[3], NULL, 10);
	if ((int)c.fsync < 0 || n == 0) {
		fprintf(stderr, "audit-writer: bad POLICY or N\n");
		return 2;
	}
	if (argc == 5 && audit_read_key(argv[4], &key, &c.key_len, &error) < 0) {
		fprintf(stderr, "audit-writer: %s\n", error);
		return 1;
	}
	c.key = key;
	r = audit_open(&c, &a, &error);
	if (r < 0) {
		fprintf(stderr, "audit-writer: %s\n", error ? error : strerror(-r));
		return 1;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (bench) {
		enum { VARIANTS = 1000 };
		char *json[VARIANTS];

		for (unsigned long i = 0; i < VARIANTS; i++) {
			json_t *ev = record(i);

			json[i] = ev ? json_dumps(ev, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
			json_decref(ev);
			if (!json[i])
				return 1;
		}
		t0 = now_s();
		for (unsigned long i = 0; i < n; i++) {
			const char *j = json[i % VARIANTS];

			if (group && i % group == 0) {
				audit_release(a);
				if (audit_hold(a) < 0)
					return 1;
			}
			r = audit_append_json(a, j, strlen(j), NULL, NULL);
			if (r < 0) {
				fprintf(stderr, "audit-writer: append: %s\n", strerror(-r));
				return 1;
			}
		}
		r = audit_close(a);
		printf("records=%lu seconds=%.3f rate=%.0f\n", n, now_s() - t0,
		       (double)n / (now_s() - t0));
		for (unsigned long i = 0; i < VARIANTS; i++)
			free(json[i]);
		return r < 0 ? 1 : 0;
	}
	for (unsigned long i = 0; i < n; i++) {
		json_t *ev = record(i);
		uint64_t before = audit_appended(a);

		r = ev ? audit_append(a, ev, NULL, NULL) : -ENOMEM;
		json_decref(ev);
		if (r < 0) {
			fprintf(stderr, "audit-writer: append: %s\n", strerror(-r));
			return 1;
		}
		/* under always every append synced; under batch, sync every 64 records */
		if (c.fsync == AUDIT_FSYNC_BATCH && (before + 1) % 64 == 0 && audit_sync(a) < 0)
			return 1;
		if (c.fsync == AUDIT_FSYNC_ALWAYS || (before + 1) % 64 == 0)
			printf("acked %lu\n", i + 1);
	}
	r = audit_close(a);
	if (r < 0) {
		fprintf(stderr, "audit-writer: close: %s\n", strerror(-r));
		return 1;
	}
	printf("acked %lu\n", n);
	free(key);
	return 0;
}
