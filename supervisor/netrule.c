// SPDX-License-Identifier: GPL-2.0-or-later
/* Network allow rules: parsing, matching and printing (pure). */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "netrule.h"
#include "profile.h" /* profile_split_words */
#include "util.h"

static const char *const net_proto_names[_NET_PROTO_MAX + 1] = {
	[NET_PROTO_ANY] = "any",
	[NET_PROTO_TCP] = "tcp",
	[NET_PROTO_UDP] = "udp",
};
const char *net_proto_to_string(enum net_proto p)
{
	return p >= 0 && p < _NET_PROTO_MAX ? net_proto_names[p] : NULL;
}
static int proto_from_string(const char *s)
{
	for (int i = 0; i < _NET_PROTO_MAX; i++)
		if (streq(net_proto_names[i], s))
			return i;
	return -EINVAL;
}

static int parse_port(const char *s, uint16_t *ret)
{
	uint32_t v;

	if (parse_uint32(s, &v) < 0 || v > 65535)
		return -EINVAL;
	*ret = (uint16_t)v;
	return 0;
}

static bool hostname_is_valid(const char *s)
{
	size_t n = strlen(s), label = 0;

	if (n == 0 || n > 253 || s[0] == '.' || s[0] == '-')
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (ch == '.') {
			if (label == 0)
				return false;
			label = 0;
			continue;
		}
		if (!isalnum(ch) && ch != '-')
			return false;
		if (++label > 63)
			return false;
	}
	return true;
}

int net_rule_parse(const char *value, struct net_rule *ret, char **ret_error)
{
	char **w = NULL;
	struct net_rule n = {0};
	int r = -EINVAL;

	if (profile_split_words(value, &w) < 0 || strv_length(w) != 3) {
		*ret_error = strdup("expected: <CIDR|hostname> <tcp|udp|any> <port|lo-hi|any>");
		goto out;
	}

	/* destination */
	{
		_cleanup_free_ char *addr = strdup(w[0]);
		char *slash;
		int maxlen;
		struct in_addr a4;

		if (!addr) {
			r = -ENOMEM;
			goto out;
		}
		slash = strchr(addr, '/');
		if (slash)
			*slash++ = 0;
		if (inet_pton(AF_INET, addr, &a4) == 1) {
			memset(n.addr, 0, 10);
			n.addr[10] = n.addr[11] = 0xff;
			memcpy(n.addr + 12, &a4, 4);
			maxlen = 32;
		} else if (inet_pton(AF_INET6, addr, n.addr) == 1) {
			maxlen = 128;
		} else if (!slash && hostname_is_valid(addr) &&
		           !isdigit((unsigned char)addr[strlen(addr) - 1])) {
			n.host = strdup(addr);
			if (!n.host) {
				r = -ENOMEM;
				goto out;
			}
			maxlen = -1;
		} else {
			if (asprintf(ret_error, "invalid address, CIDR or hostname '%s'", w[0]) < 0)
				*ret_error = NULL;
			goto out;
		}
		if (maxlen >= 0) {
			uint32_t len = (uint32_t)maxlen;

			if (slash && (parse_uint32(slash, &len) < 0 || len > (uint32_t)maxlen)) {
				if (asprintf(ret_error, "invalid prefix length '/%s' (0-%d)", slash,
				             maxlen) < 0)
					*ret_error = NULL;
				goto out;
			}
			n.prefix = (uint8_t)(maxlen == 32 ? 96 + len : len);
			/* host bits must be zero: "10.0.0.1/8" is almost always a typo */
			for (int bit = n.prefix; bit < 128; bit++)
				if (n.addr[bit / 8] & (0x80 >> (bit % 8))) {
					if (asprintf(ret_error,
					             "'%s' has host bits set beyond the prefix "
					             "length",
					             w[0]) < 0)
						*ret_error = NULL;
					goto out;
				}
		}
	}

	/* protocol */
	r = proto_from_string(w[1]);
	if (r < 0) {
		if (asprintf(ret_error, "invalid protocol '%s' (tcp, udp or any)", w[1]) < 0)
			*ret_error = NULL;
		goto out;
	}
	n.proto = (enum net_proto)r;
	r = -EINVAL;

	/* ports */
	if (streq(w[2], "any")) {
		n.port_lo = 1;
		n.port_hi = 65535;
	} else {
		char *dash = strchr(w[2], '-');

		if (dash) {
			*dash = 0;
			if (parse_port(w[2], &n.port_lo) < 0 ||
			    parse_port(dash + 1, &n.port_hi) < 0)
				n.port_lo = 0;
			*dash = '-';
		} else if (parse_port(w[2], &n.port_lo) == 0) {
			n.port_hi = n.port_lo;
		}
		if (n.port_lo == 0 || n.port_hi < n.port_lo) {
			if (asprintf(ret_error,
			             "invalid port or range '%s' (1-65535, lo-hi or any)",
			             w[2]) < 0)
				*ret_error = NULL;
			goto out;
		}
	}
	*ret = n;
	n.host = NULL;
	r = 0;
out:
	free(n.host);
	strv_free(w);
	return r;
}

void net_rule_done(struct net_rule *r)
{
	free(r->host);
	r->host = NULL;
}

bool net_rule_match_addr(const struct net_rule *r, const uint8_t addr[16])
{
	int full = r->prefix / 8, rest = r->prefix % 8;

	if (r->host)
		return false;
	if (memcmp(r->addr, addr, (size_t)full) != 0)
		return false;
	if (rest) {
		uint8_t mask = (uint8_t)(0xff << (8 - rest));

		if ((r->addr[full] & mask) != (addr[full] & mask))
			return false;
	}
	return true;
}

const char *net_rule_format(const struct net_rule *r, char *buf, size_t size)
{
	char addr[INET6_ADDRSTRLEN], ports[16];

	if (r->port_lo == 1 && r->port_hi == 65535)
		snprintf(ports, sizeof(ports), "any");
	else if (r->port_lo == r->port_hi)
		snprintf(ports, sizeof(ports), "%u", r->port_lo);
	else
		snprintf(ports, sizeof(ports), "%u-%u", r->port_lo, r->port_hi);
	if (r->host)
		snprintf(buf, size, "%s %s %s", r->host, net_proto_names[r->proto], ports);
	else if (r->prefix >= 96 && memcmp(r->addr, "\0\0\0\0\0\0\0\0\0\0\xff\xff", 12) == 0)
		snprintf(buf, size, "%s/%u %s %s",
		         inet_ntop(AF_INET, r->addr + 12, addr, sizeof(addr)),
		         (unsigned)r->prefix - 96, net_proto_names[r->proto], ports);
	else
		snprintf(buf, size, "%s/%u %s %s", inet_ntop(AF_INET6, r->addr, addr, sizeof(addr)),
		         (unsigned)r->prefix, net_proto_names[r->proto], ports);
	return buf;
}
