// SPDX-License-Identifier: GPL-2.0-or-later
#include <arpa/inet.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jupyter.h"
#include "util.h"

static const char *const port_keys[_JUPYTER_CHANNEL_MAX] = {
	[JUPYTER_SHELL] = "shell_port", [JUPYTER_IOPUB] = "iopub_port",
	[JUPYTER_STDIN] = "stdin_port", [JUPYTER_CONTROL] = "control_port",
	[JUPYTER_HB] = "hb_port",
};

bool jupyter_option_is_valid(const char *opt)
{
	size_t n = opt ? strlen(opt) : 0;

	if (n < 2 || n > JUPYTER_MAX_OPTION || opt[0] != '-')
		return false;
	for (size_t i = 0; i < n; i++)
		if (opt[i] == '=' || opt[i] <= ' ' || opt[i] == 0x7f)
			return false;
	return true;
}

int jupyter_find_connection_file(char *const *argv, const char *opt, const char **ret_path)
{
	size_t n = strlen(opt);

	if (!argv[0])
		return -ENOENT;
	for (char *const *a = argv + 1; *a; a++) {
		if (streq(*a, "--"))
			break; /* what follows is the program's own operands */
		if (strncmp(*a, opt, n) == 0 && (*a)[n] == '=') {
			if (!(*a)[n + 1])
				return -EINVAL;
			*ret_path = *a + n + 1;
			return 0;
		}
		if (streq(*a, opt)) {
			if (!a[1] || !a[1][0])
				return -EINVAL;
			*ret_path = a[1];
			return 0;
		}
	}
	return -ENOENT;
}

bool jupyter_ip_is_loopback(const char *ip)
{
	struct in6_addr a6;
	struct in_addr a4;

	if (streq(ip, "localhost"))
		return true;
	if (inet_pton(AF_INET, ip, &a4) == 1)
		return (ntohl(a4.s_addr) >> 24) == 127;
	if (inet_pton(AF_INET6, ip, &a6) == 1) {
		if (IN6_IS_ADDR_LOOPBACK(&a6))
			return true;
		return IN6_IS_ADDR_V4MAPPED(&a6) && a6.s6_addr[12] == 127;
	}
	return false;
}

int jupyter_connection_allow_rules(const struct jupyter_connection *c, char ***ret)
{
	static const char *const localhost[] = {"127.0.0.1", "::1"};
	const char *one[] = {c->ip};
	const char *const *ips = one;
	size_t n_ips = 1;
	char **rules = NULL;
	struct in6_addr a6;
	struct in_addr a4;

	if (streq(c->ip, "localhost")) {
		ips = localhost;
		n_ips = ELEMENTSOF(localhost);
	} else if (inet_pton(AF_INET, c->ip, &a4) != 1 && inet_pton(AF_INET6, c->ip, &a6) != 1) {
		n_ips = 0;
	}
	for (size_t i = 0; i < n_ips; i++)
		for (int ch = 0; ch < _JUPYTER_CHANNEL_MAX; ch++) {
			char *rule = NULL;

			if (asprintf(&rule, "%s tcp %u", ips[i], c->ports[ch]) < 0 ||
			    strv_consume(&rules, rule) < 0) {
				strv_free(rules);
				return -ENOMEM;
			}
		}
	*ret = rules;
	return 0;
}

const char *jupyter_channel_key(int channel)
{
	return channel >= 0 && channel < _JUPYTER_CHANNEL_MAX ? port_keys[channel] : NULL;
}

int jupyter_proc_net_listen_port(const char *line)
{
	unsigned port, state;
	char local[80];

	/* "  0: 0100007F:1F90 00000000:0000 0A ...": slot, local, remote, state */
	if (sscanf(line, " %*u: %79s %*s %x", local, &state) != 2 || state != 0x0A)
		return -1;
	const char *colon = strrchr(local, ':');
	if (!colon || sscanf(colon + 1, "%4x", &port) != 1 || port > 65535)
		return -1;
	return (int)port;
}

static int fail(char **ret_error, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int fail(char **ret_error, const char *fmt, ...)
{
	va_list ap;

	if (ret_error) {
		va_start(ap, fmt);
		if (vasprintf(ret_error, fmt, ap) < 0)
			*ret_error = NULL;
		va_end(ap);
	}
	return -EINVAL;
}

int jupyter_connection_parse(const char *data, size_t len, struct jupyter_connection *ret,
                             char **ret_error)
{
	struct jupyter_connection c = {0};
	const char *transport, *ip, *key;
	json_error_t err;
	json_t *root;
	int r = 0;

	if (ret_error)
		*ret_error = NULL;
	if (len > JUPYTER_MAX_CONNECTION_FILE)
		return fail(ret_error, "larger than %d bytes", JUPYTER_MAX_CONNECTION_FILE);
	root = json_loadb(data, len, JSON_REJECT_DUPLICATES, &err);
	if (!root)
		return fail(ret_error, "not JSON (line %d: %s)", err.line, err.text);
	if (!json_is_object(root)) {
		r = fail(ret_error, "not a JSON object");
		goto out;
	}
	transport = json_string_value(json_object_get(root, "transport"));
	if (!transport || !streq(transport, "tcp")) {
		r = fail(ret_error, "transport must be \"tcp\"%s",
		         transport ? " (the ipc transport would need a writable socket directory)"
		                   : "");
		goto out;
	}
	ip = json_string_value(json_object_get(root, "ip"));
	if (!ip || !*ip || strlen(ip) >= sizeof(c.ip)) {
		r = fail(ret_error, "no valid \"ip\"");
		goto out;
	}
	snprintf(c.ip, sizeof(c.ip), "%s", ip);
	c.loopback = jupyter_ip_is_loopback(ip);
	for (int i = 0; i < _JUPYTER_CHANNEL_MAX; i++) {
		json_t *v = json_object_get(root, port_keys[i]);
		json_int_t port = json_is_integer(v) ? json_integer_value(v) : -1;

		if (port < 1 || port > 65535) {
			r = fail(ret_error, "\"%s\" must be a port number from 1 to 65535",
			         port_keys[i]);
			goto out;
		}
		c.ports[i] = (uint16_t)port;
		for (int j = 0; j < i; j++)
			if (c.ports[j] == c.ports[i]) {
				r = fail(ret_error, "\"%s\" and \"%s\" are the same port",
				         port_keys[j], port_keys[i]);
				goto out;
			}
	}
	key = json_string_value(json_object_get(root, "key"));
	if (!key || !*key) {
		r = fail(ret_error, "no \"key\": the kernel's messages would not be signed");
		goto out;
	}
	*ret = c;
out:
	json_decref(root);
	return r;
}
