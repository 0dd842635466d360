/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Network allow rules ("[network] allow"): <CIDR|hostname> <tcp|udp|any>
 * <port|lo-hi|any>. Addresses live in one 128-bit space, IPv4 as
 * ::ffff:a.b.c.d, so one LPM trie can serve both families. Pure.
 */
#pragma once

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Where a profile value came from. */
struct origin {
	const char *file; /* points into profile->files */
	unsigned line;    /* 0: built-in default */
};

enum net_proto {
	NET_PROTO_ANY,
	NET_PROTO_TCP,
	NET_PROTO_UDP,
	_NET_PROTO_MAX,
	_NET_PROTO_INVALID = -EINVAL,
};

struct net_rule {
	char *host;       /* hostname to resolve at launch, or NULL for a CIDR */
	uint8_t addr[16]; /* IPv4 stored as ::ffff:a.b.c.d */
	uint8_t prefix;   /* in the 128-bit space */
	enum net_proto proto;
	uint16_t port_lo, port_hi;
	struct origin origin;
};

const char *net_proto_to_string(enum net_proto p);

/* Parse one "[network] allow" value; pure, exported for unit tests. */
int net_rule_parse(const char *value, struct net_rule *ret, char **ret_error);
void net_rule_done(struct net_rule *r);
/* Does this 128-bit address (v4 as ::ffff:0:0/96) fall inside the rule's CIDR? */
bool net_rule_match_addr(const struct net_rule *r, const uint8_t addr[16]);

/* "10.0.0.0/8 tcp 5432": the rule in profile syntax. */
#define NET_RULE_FORMAT_MAX 320
const char *net_rule_format(const struct net_rule *r, char *buf, size_t size);
