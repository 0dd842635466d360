/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Jupyter kernels: the connection file a kernel is started with. Pure:
 * finding it in the command line and checking what it asks the kernel to do.
 *
 * jupyter_client writes the connection file (JSON: transport, ip, five
 * ports, the HMAC key) before it starts the kernel, and passes its path in
 * the command ("ipykernel_launcher -f PATH"). With [jupyter] connection_file
 * set, nbwarden reads that file as the caller, checks it here, and gives the
 * sandbox a read-only copy at the same path (docs/jupyter.md).
 */
#pragma once

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define JUPYTER_MAX_CONNECTION_FILE 16384 /* bytes; real ones are about 300 */
#define JUPYTER_MAX_OPTION          32    /* the option's length, e.g. "-f" */

enum jupyter_channel {
	JUPYTER_SHELL,
	JUPYTER_IOPUB,
	JUPYTER_STDIN,
	JUPYTER_CONTROL,
	JUPYTER_HB,
	_JUPYTER_CHANNEL_MAX,
};

struct jupyter_connection {
	char ip[64]; /* as written: "127.0.0.1", "::1", "localhost", ... */
	bool loopback;
	uint16_t ports[_JUPYTER_CHANNEL_MAX];
};

/* An option a profile may name: 1-32 bytes, starts with '-', no '=' or whitespace. */
bool jupyter_option_is_valid(const char *opt);

/*
 * Find the connection file in a command's arguments (argv[0], the program,
 * is not searched): "OPT PATH" or "OPT=PATH", the first occurrence. *ret_path
 * points into argv. -ENOENT if the option is absent, -EINVAL if it is the last
 * argument or has an empty value.
 */
int jupyter_find_connection_file(char *const *argv, const char *opt, const char **ret_path);

/*
 * Check a connection file's content: a JSON object with transport "tcp", an
 * ip, the five *_port numbers (1-65535, all different) and a non-empty key
 * (unsigned messages would let any local process drive the kernel). On
 * failure *ret_error (if not NULL) says why, without the file's content.
 */
int jupyter_connection_parse(const char *data, size_t len, struct jupyter_connection *ret,
                             char **ret_error);

/*
 * "[network] allow" rules for the kernel's own five ports on the connection
 * file's ip, "IP tcp PORT" each ("localhost": on 127.0.0.1 and ::1), which
 * ipykernel connects to itself (its debugger's socket to its shell port).
 * An ip that is neither an address nor "localhost" gets none. Pure.
 */
int jupyter_connection_allow_rules(const struct jupyter_connection *c, char ***ret);

/*
 * One line of /proc/net/tcp or /proc/net/tcp6: the local port of a listening
 * socket (state 0A), or -1 for any other line (the header, other states).
 * The connection file's ports must be free on the host: the five rules above
 * would otherwise let the kernel reach whatever listens there. Pure.
 */
int jupyter_proc_net_listen_port(const char *line);
/* "shell_port", ...: a channel's key in the connection file. */
const char *jupyter_channel_key(int channel);

/* 127.0.0.0/8, ::1, ::ffff:127.0.0.0/104 or "localhost". */
bool jupyter_ip_is_loopback(const char *ip);
