/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * nbwarden's own configuration, /etc/nbwarden/nbwarden.conf (INI): where the
 * audit log goes and how it is kept ([audit]), where it is forwarded
 * ([forward]), and the daemon's sockets, files and alert thresholds ([daemon]). A missing file
 * means every default; a bad one is an error with FILE:LINE. Documented in nbwarden.conf(5).
 */
#pragma once

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "audit.h"

#define CONFIG_DEFAULT_PATH  "/etc/nbwarden/nbwarden.conf"
#define CONFIG_MAX_FILE_SIZE 65536
#define CONFIG_MAX_LINE      4096

enum forward_format {
	FORWARD_FORMAT_ECS,
	FORWARD_FORMAT_OCSF,
	_FORWARD_FORMAT_MAX,
	_FORWARD_FORMAT_INVALID = -EINVAL,
};

struct config {
	char *file; /* where it came from, or NULL for the defaults */

	/* [audit] */
	char *audit_path; /* NULL: no audit log ("path = none") */
	char *audit_key_file;
	enum audit_fsync audit_fsync;
	uint64_t audit_fsync_interval; /* usec */
	uint64_t audit_rotate_size;    /* bytes or VALUE_MAX */
	bool audit_rotate_daily;
	unsigned audit_retention_days;

	/* [forward] */
	char *forward_syslog; /* destination, or NULL */
	int forward_facility;
	bool forward_journald;
	char *forward_journald_socket;
	enum forward_format forward_format;
	unsigned forward_queue;

	/* [daemon] */
	char *daemon_socket;
	char *daemon_policy;
	char *daemon_state_dir;
	char *daemon_run_dir;
	char *daemon_profile_dir;    /* searched before the usual profile directories, or NULL */
	char *daemon_cgroup_parent;  /* relative to the cgroup2 mount, or NULL: delegated */
	char *daemon_metrics_listen; /* "127.0.0.1:PORT", "[::1]:PORT", a socket path, or NULL */
	unsigned daemon_alert_kills_per_minute;
	uint64_t daemon_alert_queue_p95; /* usec */
	uint64_t daemon_client_timeout;  /* usec */
	unsigned daemon_max_clients;
};

const char *forward_format_to_string(enum forward_format f);

struct sockaddr_storage;
/* "127.0.0.1:9464" or "[::1]:9464": loopback addresses only. */
int config_parse_loopback(const char *s, struct sockaddr_storage *ret);

/* The defaults, as nbwarden.conf(5) lists them. */
int config_new_default(struct config **ret);

/*
 * Load path. A missing file gives the defaults when missing_ok. With
 * strict_owner, the file must be owned by root and not writable by group or
 * others. Errors are "FILE:LINE: message" in *ret_errors.
 */
int config_load(const char *path, bool missing_ok, bool strict_owner, struct config **ret,
                char ***ret_errors);
int config_load_string(const char *text, const char *file, struct config **ret, char ***ret_errors);
void config_free(struct config *c);

/* The effective configuration, as a file that loads back to the same. */
int config_print(const struct config *c, FILE *f);
