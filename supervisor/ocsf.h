/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The Open Cybersecurity Schema Framework (OCSF) form of nbwarden's events,
 * for a SOC that ingests OCSF rather than ECS (docs/ocsf.md has the mapping).
 * Pure: one event object in, one new object out; nothing is written, logged
 * or looked up.
 */
#pragma once

#include <jansson.h>
#include <stdint.h>

/* The OCSF version every converted event claims in metadata.version. */
#define OCSF_SCHEMA_VERSION "1.1.0"

/*
 * The OCSF form of an nbwarden event (new reference), or NULL on ENOMEM.
 * Never fails for an unknown event.action, a missing field or a field of the
 * wrong type: an unknown action maps to Base Event (class_uid 0) with the
 * original under "unmapped", and whatever cannot be mapped exactly stays
 * under "unmapped" too, so nothing of the input is lost.
 */
json_t *ocsf_from_event(const json_t *ev);

/*
 * An RFC 3339 date-time ("2026-11-23T10:21:19.076480Z", any number of
 * fraction digits, "Z" or a "+01:00" offset) as milliseconds since the
 * epoch, the fraction truncated. -EINVAL for anything else.
 */
int ocsf_parse_timestamp(const char *s, int64_t *ret_msec);
