/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The unprivileged side of daemon mode: "nbwarden run" as a non-root user
 * sends its request and stdio to the daemon and then behaves like embedded
 * mode (signals forwarded exactly once, the command's exit status); the
 * admin and SOC commands (ps, kill, reload, events, metrics) print what the
 * daemon answers.
 */
#pragma once

#include "proto.h"
#include "run.h"

#define CLIENT_DEFAULT_SOCKET "/run/nbwarden/nbwarden.sock"

/* --socket if given, else $NBWARDEN_SOCKET, else the default. */
const char *client_socket_path(const char *option);

/* "nbwarden run" through the daemon. Returns the exit code. */
int client_run(const struct run_options *o, const char *socket_path);

/* ps, kill, reload, events, metrics: the request's output on stdout. Returns the exit code. */
int client_command(const struct request *r, const char *socket_path);
