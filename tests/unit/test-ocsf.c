// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests for the OCSF form of events: every example line of
 * docs/events.md is converted and checked against OCSF 1.1.0 (class,
 * activity, type_uid, time to the millisecond, required attributes, every
 * attribute name outside "unmapped" against the schema) and against the
 * input (nothing lost). Plus unknown actions and malformed input.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ocsf.h"
#include "util.h"

#ifndef NBW_SOURCE_DIR
#error "NBW_SOURCE_DIR must name the source tree (-DNBW_SOURCE_DIR='\"/path\"')"
#endif

/* cmocka's fail_msg() does not return, without saying so: this says so. */
#define FAIL(...)                      \
	do {                           \
		fail_msg(__VA_ARGS__); \
		abort();               \
	} while (0)

#define CHECK(ctx, cond)                                                                \
	do {                                                                            \
		if (!(cond))                                                            \
			FAIL("%s: check failed: %s (line %d)", (ctx), #cond, __LINE__); \
	} while (0)

/* ------------------------------------------------------------------------ */
/*
 * Attribute names of OCSF 1.1.0, from the schema as published at
 * https://schema.ocsf.io/1.1.0/ (the ocsf/ocsf-schema v1.1.0 class and
 * object definitions, dictionary.json, and the profiles host,
 * security_control, container, network_proxy, load_balancer and cloud).
 * Each list is the complete set of attributes of that class or object in
 * 1.1.0, space-separated, each as "name", or "name:type" where it holds an
 * object (or a list of them) of that type.
 */
struct schema_type {
	const char *name;
	const char *attrs;
};

static const struct schema_type schema[] = {
	/* classes/base_event, with the cloud profile */
	{"base_event",
         "activity_id activity_name api:api category_name category_uid class_name "
         "class_uid cloud:cloud count duration end_time enrichments:enrichment message "
         "metadata:metadata observables:observable raw_data severity severity_id "
         "start_time status status_code status_detail status_id time timezone_offset "
         "type_name type_uid unmapped"},
	/* classes/process_activity (System Activity 1007), security_control, cloud */
	{"process_activity",
         "action action_id activity_id activity_name actor:actor actual_permissions "
         "api:api attacks:attack authorizations:authorization category_name category_uid "
         "class_name class_uid cloud:cloud count device:device disposition disposition_id "
         "duration end_time enrichments:enrichment exit_code firewall_rule:firewall_rule "
         "injection_type injection_type_id malware:malware message metadata:metadata "
         "module:module observables:observable process:process raw_data "
         "requested_permissions severity severity_id start_time status status_code "
         "status_detail status_id time timezone_offset type_name type_uid unmapped"},
	/* classes/detection_finding (Findings 2004), host, security_control, cloud */
	{"detection_finding",
         "action action_id activity_id activity_name actor:actor api:api attacks:attack "
         "authorizations:authorization category_name category_uid class_name class_uid "
         "cloud:cloud comment confidence confidence_id confidence_score count "
         "device:device disposition disposition_id duration end_time "
         "enrichments:enrichment evidences:evidences finding_info:finding_info "
         "firewall_rule:firewall_rule impact impact_id impact_score malware:malware "
         "message metadata:metadata observables:observable raw_data "
         "remediation:remediation resources:resource_details risk_level risk_level_id "
         "risk_score severity severity_id start_time status status_code status_detail "
         "status_id time timezone_offset type_name type_uid unmapped "
         "vulnerabilities:vulnerability"},
	/* classes/network_activity (4001), host, security_control, cloud, ... */
	{"network_activity",
         "action action_id activity_id activity_name actor:actor api:api app_name "
         "attacks:attack authorizations:authorization category_name category_uid "
         "class_name class_uid cloud:cloud connection_info:network_connection_info count "
         "device:device disposition disposition_id dst_endpoint:network_endpoint duration "
         "end_time enrichments:enrichment firewall_rule:firewall_rule "
         "load_balancer:load_balancer malware:malware message metadata:metadata "
         "observables:observable proxy:network_endpoint "
         "proxy_connection_info:network_connection_info proxy_endpoint:network_endpoint "
         "proxy_http_request:http_request proxy_http_response:http_response proxy_tls:tls "
         "proxy_traffic:network_traffic raw_data severity severity_id "
         "src_endpoint:network_endpoint start_time status status_code status_detail "
         "status_id time timezone_offset tls:tls traffic:network_traffic type_name "
         "type_uid unmapped url:url"},
	/* classes/application_lifecycle (Application Activity 6002), host, cloud */
	{"application_lifecycle",
         "activity_id activity_name actor:actor api:api app:product category_name "
         "category_uid class_name class_uid cloud:cloud count device:device duration "
         "end_time enrichments:enrichment message metadata:metadata observables:observable "
         "raw_data severity severity_id start_time status status_code status_detail "
         "status_id time timezone_offset type_name type_uid unmapped"},
	{"actor", "authorizations:authorization idp:idp invoked_by process:process session:session "
                  "user:user"},
	/* with the container and linux_users profiles */
	{"process",
         "auid cmd_line container:container created_time egid euid file:file group:group "
         "integrity integrity_id lineage loaded_modules name namespace_pid "
         "parent_process:process pid sandbox session:session terminated_time tid uid "
         "user:user xattributes"},
	{"user", "account:account credential_uid domain email_addr full_name groups:group "
                 "ldap_person:ldap_person name org:organization type type_id uid uid_alt"},
	{"device",
         "autoscale_uid container:container created_time desc domain first_seen_time "
         "groups:group hostname hw_info:device_hw_info hypervisor image:image imei "
         "instance_uid interface_name interface_uid ip is_compliant is_managed is_personal "
         "is_trusted last_seen_time location:location mac modified_time name namespace_pid "
         "network_interfaces:network_interface org:organization os:os region risk_level "
         "risk_level_id risk_score subnet subnet_uid type type_id uid uid_alt vlan_uid "
         "vpc_uid zone"},
	{"metadata", "correlation_uid event_code extension:extension extensions:extension labels "
                     "log_level log_name log_provider log_version logged_time loggers:logger "
                     "modified_time original_time processed_time product:product profiles sequence "
                     "tenant_uid uid version"},
	{"product", "cpe_name feature:feature lang name path uid url_string vendor_name version"},
	{"network_endpoint",
         "container:container domain hostname hw_info:device_hw_info instance_uid "
         "interface_name interface_uid intermediate_ips ip location:location mac name "
         "namespace_pid os:os port proxy_endpoint:network_endpoint subnet_uid svc_name "
         "type type_id uid vlan_uid vpc_uid zone"},
	{"network_connection_info",
         "boundary boundary_id direction direction_id protocol_name protocol_num "
         "protocol_ver protocol_ver_id session:session tcp_flags uid"},
	{"file", "accessed_time accessor:user attributes company_name confidentiality "
                 "confidentiality_id created_time creator:user desc hashes:fingerprint is_system "
                 "mime_type modified_time modifier:user name owner:user parent_folder path "
                 "product:product security_descriptor signature:digital_signature size type "
                 "type_id uid version xattributes"},
	{"finding_info",
         "analytic:analytic attacks:attack created_time data_sources desc first_seen_time "
         "kill_chain:kill_chain_phase last_seen_time modified_time product_uid "
         "related_analytics:analytic related_events:related_event src_url title types uid"},
	{"analytic", "category desc name related_analytics:analytic type type_id uid version"},
	{"resource_details",
         "cloud_partition criticality data group:group labels name namespace owner:user "
         "region type uid version"},
};

/* The type of attribute name in the type called owner: "" for a scalar, NULL if unknown. */
static const char *attr_type(const char *owner, const char *name, char buf[static 64])
{
	for (size_t i = 0; i < ELEMENTSOF(schema); i++) {
		const char *p;
		size_t n = strlen(name);

		if (!streq(schema[i].name, owner))
			continue;
		for (p = schema[i].attrs; *p;) {
			size_t len = strcspn(p, " ");

			if (len >= n && strncmp(p, name, n) == 0 && (len == n || p[n] == ':')) {
				snprintf(buf, 64, "%.*s", len == n ? 0 : (int)(len - n - 1),
				         p + n + 1);
				return buf;
			}
			p += len;
			p += strspn(p, " ");
		}
		return NULL;
	}
	FAIL("no attribute list for the type '%s'", owner);
	return NULL;
}

/*
 * Every attribute name in obj must be one its type has; objects nested in
 * it are checked against their own type's list, so any object the output
 * holds must be of a type the table above describes.
 */
static void check_names(const char *ctx, const char *where, const json_t *obj, const char *type,
                        bool top)
{
	for (void *it = json_object_iter((json_t *)obj); it;
	     it = json_object_iter_next((json_t *)obj, it)) {
		const char *key = json_object_iter_key(it);
		json_t *v = json_object_iter_value(it);
		char path[256], buf[64];
		const char *sub = attr_type(type, key, buf);

		snprintf(path, sizeof(path), "%s%s%s", where, *where ? "." : "", key);
		if (!sub)
			FAIL("%s: '%s' is not an OCSF 1.1.0 attribute of %s", ctx, path, type);
		if (top && streq(key, "unmapped")) {
			CHECK(ctx, json_is_object(v));
			continue;
		}
		if (!top && streq(key, "unmapped"))
			FAIL("%s: 'unmapped' below the top level at %s", ctx, path);
		if (json_is_object(v) ||
		    (json_is_array(v) && json_is_object(json_array_get(v, 0)))) {
			if (!*sub)
				FAIL("%s: '%s' holds an object, but is a scalar", ctx, path);
			if (json_is_object(v)) {
				check_names(ctx, path, v, sub, false);
			} else {
				for (size_t i = 0; i < json_array_size(v); i++) {
					CHECK(ctx, json_is_object(json_array_get(v, i)));
					check_names(ctx, path, json_array_get(v, i), sub, false);
				}
			}
		}
	}
}

/* ------------------------------------------------------------------------ */
/* the expected mapping, as docs/ocsf.md states it */

struct ocsf_class_def {
	const char *name;
	const char *category_name;
	const char *type; /* its attribute list in schema[] */
	/* the activity_id enum of 1.1.0 (99 Other is in every class) */
	const char *const *activities;
	size_t n_activities;
	const int *status_ids; /* the status_id enum, terminated by -1 */
	int uid;
	int category_uid;
};

static const char *const base_acts[] = {"Unknown"};
static const char *const process_acts[] = {"Unknown", "Launch", "Terminate",
                                           "Open",    "Inject", "Set User ID"};
static const char *const finding_acts[] = {"Unknown", "Create", "Update", "Close"};
static const char *const network_acts[] = {"Unknown", "Open",   "Close",  "Reset",
                                           "Fail",    "Refuse", "Traffic"};
/* 1.1.0's: Restart, Enable, Disable and Update came with 1.3.0 */
static const char *const application_acts[] = {"Unknown", "Install", "Remove", "Start", "Stop"};
/* the base event's Unknown/Success/Failure/Other; a finding's New/In Progress/... */
static const int event_status_ids[] = {0, 1, 2, 99, -1};
static const int finding_status_ids[] = {0, 1, 2, 3, 4, 99, -1};

static const struct ocsf_class_def class_defs[] = {
	{"Base Event", "Uncategorized", "base_event", base_acts, ELEMENTSOF(base_acts),
         event_status_ids, 0, 0},
	{"Process Activity", "System Activity", "process_activity", process_acts,
         ELEMENTSOF(process_acts), event_status_ids, 1007, 1},
	{"Detection Finding", "Findings", "detection_finding", finding_acts,
         ELEMENTSOF(finding_acts), finding_status_ids, 2004, 2},
	{"Network Activity", "Network Activity", "network_activity", network_acts,
         ELEMENTSOF(network_acts), event_status_ids, 4001, 4},
	{"Application Lifecycle", "Application Activity", "application_lifecycle", application_acts,
         ELEMENTSOF(application_acts), event_status_ids, 6002, 6},
};

static const struct ocsf_class_def *class_def(int uid)
{
	for (size_t i = 0; i < ELEMENTSOF(class_defs); i++)
		if (class_defs[i].uid == uid)
			return &class_defs[i];
	return NULL;
}

static const struct expected {
	const char *action;
	int class_uid;
	int activity_id;
} expected[] = {
	{"sandbox-refused", 1007, 1},
	{"sandbox-start", 1007, 1},
	{"sandbox-exit", 1007, 2},
	{"sandbox-setup-failed", 1007, 1},
	{"exec-denied", 1007, 1},
	{"exec-allowed", 1007, 1},
	{"network-connect-denied", 4001, 5},
	{"network-send-denied", 4001, 5},
	{"network-connect-allowed", 4001, 1},
	{"network-send-allowed", 4001, 6},
	{"network-bind-denied", 4001, 5},
	{"network-listen-dropped", 4001, 5},
	{"network-socket-denied", 4001, 5},
	{"network-packet-dropped", 4001, 5},
	{"syscall-denied", 2004, 1},
	{"sandbox-killed", 2004, 1},
	/* the daemon's */
	{"launch-denied", 1007, 1},
	{"sandbox-queued", 1007, 1},
	{"sandbox-adopted", 1007, 99},
	{"sandbox-kill-requested", 1007, 2},
	{"budget-throttle", 1007, 99},
	{"budget-unthrottle", 1007, 99},
	{"budget-exhausted", 2004, 1},
	{"budget-restored", 2004, 3},
	{"alert", 2004, 1},
	{"policy-reload", 6002, 99},
	{"daemon-start", 6002, 3},
	{"daemon-stop", 6002, 4},
	/* the docs' "ACTION-suppressed": any action with that suffix */
	{"ACTION-suppressed", 2004, 1},
};

static bool endswith(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && streq(s + n - m, suffix);
}

static const struct expected *expected_for(const char *action)
{
	for (size_t i = 0; i < ELEMENTSOF(expected); i++)
		if (streq(expected[i].action, action))
			return &expected[i];
	if (endswith(action, "-suppressed"))
		return expected_for("ACTION-suppressed");
	return NULL;
}

static json_t *get(const json_t *obj, const char *path)
{
	char buf[128], *save = NULL, *tok;
	const json_t *v = obj;

	snprintf(buf, sizeof(buf), "%s", path);
	/* a number indexes an array: "resources.0.uid" */
	for (tok = strtok_r(buf, ".", &save); tok && v; tok = strtok_r(NULL, ".", &save))
		v = json_is_object(v)  ? json_object_get(v, tok)
		    : json_is_array(v) ? json_array_get(v, strtoul(tok, NULL, 10))
		                       : NULL;
	return (json_t *)v;
}

static const char *gets(const json_t *obj, const char *path)
{
	return json_string_value(get(obj, path));
}

static json_int_t geti(const json_t *obj, const char *path)
{
	json_t *v = get(obj, path);

	if (!json_is_integer(v))
		FAIL("'%s' is not an integer", path);
	return json_integer_value(v);
}

/* "2026-11-23T10:21:19.076480Z" the plain way, for comparison */
static int64_t expected_msec(const char *ts)
{
	struct tm tm = {0};
	int usec = 0, n = 0;

	if (sscanf(ts, "%4d-%2d-%2dT%2d:%2d:%2d.%6dZ%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
	           &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &usec, &n) != 7 ||
	    (size_t)n != strlen(ts))
		FAIL("unexpected @timestamp '%s'", ts);
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	return (int64_t)timegm(&tm) * 1000 + usec / 1000;
}

/* What the verdict (or the action's name) says: action_id, disposition_id. */
static void expected_control(const json_t *ev, const char *action, int *ret_action,
                             int *ret_disposition)
{
	const char *verdict = gets(ev, "nbwarden.verdict");
	char subject[128];

	snprintf(subject, sizeof(subject), "%s", action);
	if (endswith(subject, "-suppressed"))
		subject[strlen(subject) - strlen("-suppressed")] = 0;
	*ret_action = *ret_disposition = -1;
	if (streq(verdict, "throttle")) {
		*ret_action = 99;     /* Other */
		*ret_disposition = 7; /* Custom Action */
	} else if (streq(verdict, "allow") || (!verdict && endswith(subject, "-allowed"))) {
		*ret_action = 1;
		*ret_disposition = 1;
	} else if (streq(verdict, "kill") || (!verdict && streq(subject, "sandbox-killed"))) {
		*ret_action = 2;
		*ret_disposition = 24; /* Access Revoked */
	} else if (endswith(subject, "-dropped")) {
		*ret_action = 2;
		*ret_disposition = 6; /* Dropped */
	} else if (streq(verdict, "deny") || endswith(subject, "-denied")) {
		*ret_action = 2;
		*ret_disposition = 2; /* Blocked */
	}
}

/* The leaves of an event the mapping represents outside "unmapped". */
static const char *const mapped_paths[] = {
	"@timestamp",     "event.action",       "event.kind",
	"event.category", "event.type",         "event.outcome",
	"host.hostname",  "user.name",          "user.id",
	"message",        "process.pid",        "process.thread.id",
	"process.name",   "process.executable", "process.exit_code",
	"destination.ip", "destination.port",   "server.ip",
	"server.port",    "network.transport",  "network.type",
};

/* The process the input's process.* is: the event's, or else its actor's (a client's request). */
static json_t *out_process(const json_t *out)
{
	json_t *p = get(out, "process");

	return p && get(p, "pid") ? p : get(out, "actor.process");
}

/* A mapped leaf of the input is where docs/ocsf.md says, with its value. */
static bool mapped_leaf_ok(const json_t *out, const char *path, const json_t *v)
{
	int cls = (int)geti(out, "class_uid");

	if (streq(path, "@timestamp"))
		return json_equal(v, get(out, "metadata.original_time")) &&
		       geti(out, "time") == expected_msec(json_string_value(v));
	if (streq(path, "event.action"))
		return json_equal(v, get(out, "metadata.event_code"));
	if (streq(path, "event.kind") || streq(path, "event.category") || streq(path, "event.type"))
		return true; /* checked as severity and classification */
	if (streq(path, "event.outcome"))
		return cls != 2004 && get(out, "status_id"); /* a finding keeps it unmapped */
	if (streq(path, "host.hostname"))
		return json_equal(v, get(out, "device.hostname"));
	if (streq(path, "user.name"))
		return json_equal(v, get(out, "actor.user.name"));
	if (streq(path, "user.id"))
		return json_equal(v, get(out, "actor.user.uid"));
	if (streq(path, "message"))
		return json_equal(v, get(out, "message"));
	if (streq(path, "process.pid"))
		return json_equal(v, get(out_process(out), "pid"));
	if (streq(path, "process.thread.id"))
		return json_equal(v, get(out_process(out), "tid"));
	if (streq(path, "process.name"))
		return json_equal(v, get(out_process(out), "name"));
	if (streq(path, "process.executable"))
		return json_equal(v, get(out, "process.file.path"));
	if (streq(path, "process.exit_code"))
		return json_equal(v, get(out, "exit_code"));
	if (streq(path, "destination.ip") || streq(path, "server.ip"))
		return json_equal(v, get(out, "dst_endpoint.ip"));
	if (streq(path, "destination.port") || streq(path, "server.port"))
		return json_equal(v, get(out, "dst_endpoint.port"));
	if (streq(path, "network.transport"))
		return json_equal(v, get(out, "connection_info.protocol_name")) ||
		       atoi(json_string_value(v)) == geti(out, "connection_info.protocol_num");
	if (streq(path, "network.type"))
		return geti(out, "connection_info.protocol_ver_id") ==
		       (streq(json_string_value(v), "ipv4") ? 4 : 6);
	return false;
}

/* Nothing lost: each leaf of ev is in "unmapped" as it was, or mapped as documented. */
static void check_nothing_lost(const char *ctx, const json_t *ev, const json_t *out,
                               const char *prefix)
{
	const json_t *obj = *prefix ? get(ev, prefix) : ev;

	for (void *it = json_object_iter((json_t *)obj); it;
	     it = json_object_iter_next((json_t *)obj, it)) {
		const char *key = json_object_iter_key(it);
		json_t *v = json_object_iter_value(it);
		char path[256];
		json_t *u;

		snprintf(path, sizeof(path), "%s%s%s", prefix, *prefix ? "." : "", key);
		if (json_is_object(v) && json_object_size(v) > 0) {
			check_nothing_lost(ctx, ev, out, path);
			continue;
		}
		u = get(get(out, "unmapped"), path);
		/* mapped, and then not repeated under "unmapped" */
		for (size_t i = 0; i < ELEMENTSOF(mapped_paths); i++)
			if (streq(mapped_paths[i], path) && mapped_leaf_ok(out, path, v)) {
				if (u)
					FAIL("%s: '%s' is mapped and unmapped", ctx, path);
				goto next;
			}
		if (!u || !json_equal(u, v))
			FAIL("%s: '%s' was lost", ctx, path);
	next:;
	}
}

/* What holds for any output, whatever the input. */
static void check_valid(const char *ctx, const json_t *out)
{
	const struct ocsf_class_def *k;
	json_int_t cls, act, type_uid;
	const char *caption;
	char type_name[128];
	bool found = false;

	CHECK(ctx, json_is_object(out));
	cls = geti(out, "class_uid");
	k = class_def((int)cls);
	CHECK(ctx, k);
	CHECK(ctx, streq(gets(out, "class_name"), k->name));
	CHECK(ctx, geti(out, "category_uid") == k->category_uid);
	CHECK(ctx, streq(gets(out, "category_name"), k->category_name));
	act = geti(out, "activity_id");
	CHECK(ctx, act == 99 || (act >= 0 && (size_t)act < k->n_activities));
	caption = act == 99 ? "Other" : k->activities[act];
	if (act != 99) /* for Other, activity_name is the source's own word */
		CHECK(ctx, streq(gets(out, "activity_name"), caption));
	type_uid = geti(out, "type_uid");
	CHECK(ctx, type_uid == cls * 100 + act);
	snprintf(type_name, sizeof(type_name), "%s: %s", k->name, caption);
	CHECK(ctx, streq(gets(out, "type_name"), type_name));

	/* required in every class: severity, time, metadata with version and product */
	CHECK(ctx, geti(out, "severity_id") >= 0 &&
	                   (geti(out, "severity_id") <= 6 || geti(out, "severity_id") == 99));
	CHECK(ctx, geti(out, "time") > 0);
	CHECK(ctx, streq(gets(out, "metadata.version"), "1.1.0"));
	CHECK(ctx, streq(gets(out, "metadata.product.name"), "nbwarden"));
	CHECK(ctx, streq(gets(out, "metadata.product.vendor_name"), "nbwarden"));
	CHECK(ctx, gets(out, "metadata.product.version"));
	if (get(out, "status_id")) {
		for (const int *s = k->status_ids; *s >= 0; s++)
			found |= *s == geti(out, "status_id");
		CHECK(ctx, found);
	}
	if (get(out, "action_id"))
		CHECK(ctx, geti(out, "action_id") == 1 || geti(out, "action_id") == 2 ||
		                   geti(out, "action_id") == 99);
	if (get(out, "disposition_id"))
		CHECK(ctx,
		      (geti(out, "disposition_id") >= 0 && geti(out, "disposition_id") <= 27) ||
		              geti(out, "disposition_id") == 99);

	/* required by the class */
	switch (cls) {
	case 1007:
		CHECK(ctx, json_is_object(get(out, "process")));
		CHECK(ctx, json_is_object(get(out, "device")));
		CHECK(ctx, json_is_integer(get(out, "device.type_id")));
		break;
	case 2004:
		CHECK(ctx, gets(out, "finding_info.uid"));
		CHECK(ctx, gets(out, "finding_info.title"));
		CHECK(ctx, json_is_object(get(out, "device")));
		break;
	case 4001:
		CHECK(ctx, json_is_object(get(out, "device")));
		break;
	case 6002:
		CHECK(ctx, json_is_object(get(out, "app")));
		CHECK(ctx, gets(out, "app.name"));
		break;
	default:
		break;
	}
	check_names(ctx, "", out, k->type, true);
}

/* Convert one event with a known action and check it against the docs. */
static void check_event(const json_t *ev)
{
	const char *action = gets(ev, "event.action"), *kind = gets(ev, "event.kind");
	const char *outcome = gets(ev, "event.outcome"), *sandbox;
	const struct expected *x;
	int want_action, want_disposition;
	json_t *out;
	char ctx[256];

	assert_non_null(action);
	snprintf(ctx, sizeof(ctx), "%s@%s", action, gets(ev, "@timestamp"));
	x = expected_for(action);
	if (!x)
		FAIL("%s: no expected mapping in this test", ctx);
	out = ocsf_from_event(ev);
	assert_non_null(out);
	check_valid(ctx, out);

	CHECK(ctx, geti(out, "class_uid") == x->class_uid);
	CHECK(ctx, geti(out, "activity_id") == x->activity_id);
	CHECK(ctx, geti(out, "time") == expected_msec(gets(ev, "@timestamp")));
	CHECK(ctx, streq(gets(out, "metadata.event_code"), action));
	CHECK(ctx, streq(gets(out, "metadata.original_time"), gets(ev, "@timestamp")));
	sandbox = gets(ev, "nbwarden.sandbox_id");
	/* the daemon's events about no one sandbox have none */
	CHECK(ctx, sandbox ? streq(gets(out, "metadata.correlation_uid"), sandbox)
	                   : !get(out, "metadata.correlation_uid"));

	/* severity: alert Medium, a kill High, event Informational */
	if (streq(kind, "alert"))
		CHECK(ctx, geti(out, "severity_id") ==
		                   (streq(gets(ev, "nbwarden.verdict"), "kill") ? 4 : 3));
	else
		CHECK(ctx, geti(out, "severity_id") == 1);

	/* status: a finding is New (Resolved when closed); an activity succeeded, failed or ... */
	if (x->class_uid == 2004)
		CHECK(ctx, geti(out, "status_id") == (x->activity_id == 3 ? 4 : 1));
	else
		CHECK(ctx, geti(out, "status_id") == (streq(outcome, "success")   ? 1
		                                      : streq(outcome, "failure") ? 2
		                                                                  : 0));

	/* a policy decision says so; nbwarden's own lifecycle events do not */
	expected_control(ev, action, &want_action, &want_disposition);
	if (strncmp(action, "sandbox-", 8) == 0 && !streq(action, "sandbox-killed")) {
		CHECK(ctx, !get(out, "action_id"));
		CHECK(ctx, !get(out, "disposition_id"));
	} else if (want_action >= 0) {
		CHECK(ctx, geti(out, "action_id") == want_action);
		CHECK(ctx, geti(out, "disposition_id") == want_disposition);
	}

	/* actor.user, device.hostname, the sandbox */
	if (gets(ev, "user.name")) {
		CHECK(ctx, streq(gets(out, "actor.user.name"), gets(ev, "user.name")));
		CHECK(ctx, streq(gets(out, "actor.user.uid"), gets(ev, "user.id")));
	}
	CHECK(ctx, streq(gets(out, "device.hostname"), gets(ev, "host.hostname")));
	if (gets(ev, "message"))
		CHECK(ctx, streq(gets(out, "message"), gets(ev, "message")));

	switch (x->class_uid) {
	case 1007:
		CHECK(ctx, sandbox ? streq(gets(out, "process.sandbox"), sandbox)
		                   : !get(out, "process.sandbox"));
		if (streq(action, "sandbox-exit"))
			CHECK(ctx, geti(out, "exit_code") == geti(ev, "process.exit_code"));
		if (get(ev, "process.args"))
			CHECK(ctx, gets(out, "process.cmd_line"));
		if (get(ev, "nbwarden.sandbox_pid"))
			CHECK(ctx, geti(out, "process.namespace_pid") ==
			                   geti(ev, "nbwarden.sandbox_pid"));
		if (gets(ev, "process.executable")) {
			CHECK(ctx, streq(gets(out, "process.file.path"),
			                 gets(ev, "process.executable")));
			CHECK(ctx, gets(out, "process.file.name"));
			CHECK(ctx, json_is_integer(get(out, "process.file.type_id")));
		}
		break;
	case 4001:
		CHECK(ctx, get(out, "dst_endpoint") || get(out, "src_endpoint"));
		CHECK(ctx, json_is_object(get(out, "connection_info")));
		CHECK(ctx, geti(out, "connection_info.protocol_ver_id") ==
		                   (streq(gets(ev, "network.type"), "ipv6") ? 6 : 4));
		CHECK(ctx, geti(out, "connection_info.protocol_num") > 0);
		if (get(ev, "process"))
			CHECK(ctx, streq(gets(out, "actor.process.sandbox"), sandbox));
		break;
	case 2004: {
		const char *uid = gets(out, "finding_info.uid");
		const char *prefix = sandbox ?: "nbwarden";

		CHECK(ctx, strncmp(uid, prefix, strlen(prefix)) == 0 &&
		                   strlen(uid) > strlen(prefix) + 1);
		CHECK(ctx, geti(out, "finding_info.created_time") == geti(out, "time"));
		if (gets(ev, "message"))
			CHECK(ctx, streq(gets(out, "finding_info.title"), gets(ev, "message")));
		if (gets(ev, "nbwarden.rule"))
			CHECK(ctx, streq(gets(out, "finding_info.analytic.name"),
			                 gets(ev, "nbwarden.rule")));
		if (get(ev, "nbwarden.suppressed"))
			CHECK(ctx, geti(out, "count") == geti(ev, "nbwarden.suppressed"));
		break;
	}
	case 6002:
		CHECK(ctx, json_equal(get(out, "app"), get(out, "metadata.product")));
		break;
	default:
		break;
	}

	/* nbwarden.* whole under unmapped; every other field accounted for */
	CHECK(ctx, json_equal(get(out, "unmapped.nbwarden"), get(ev, "nbwarden")));
	check_nothing_lost(ctx, ev, out, "");
	json_decref(out);
}

/* ------------------------------------------------------------------------ */
/* docs/events.md */

struct docs {
	json_t *examples;  /* every example line, parsed */
	char **documented; /* every action the ### headings of "## Events" name */
};

static void docs_free(struct docs *d)
{
	json_decref(d->examples);
	strv_free(d->documented);
}

static void docs_load(struct docs *d)
{
	FILE *f = fopen(NBW_SOURCE_DIR "/docs/events.md", "re");
	bool in_json = false, in_events = false;
	char *line = NULL;
	size_t size = 0;
	ssize_t n;

	if (!f)
		FAIL("cannot open %s: %s", NBW_SOURCE_DIR "/docs/events.md", strerror(errno));
	d->examples = json_array();
	d->documented = NULL;
	while ((n = getline(&line, &size, f)) >= 0) {
		if (n > 0 && line[n - 1] == '\n')
			line[--n] = 0;
		if (strncmp(line, "```", 3) == 0) {
			in_json = !in_json && streq(line, "```json");
			continue;
		}
		if (in_json && line[0] == '{') {
			json_error_t err;
			json_t *ev = json_loads(line, 0, &err);

			if (!ev)
				FAIL("docs/events.md example does not parse: %s", err.text);
			json_array_append_new(d->examples, ev);
			continue;
		}
		if (strncmp(line, "## ", 3) == 0)
			in_events = streq(line, "## Events");
		else if (in_events && strncmp(line, "### ", 4) == 0) {
			char *save = NULL, *tok;

			for (tok = strtok_r(line + 4, ", ", &save); tok;
			     tok = strtok_r(NULL, ", ", &save))
				assert_int_equal(strv_extend(&d->documented, tok), 0);
		}
	}
	free(line);
	fclose(f);
	/* the test must not pass by finding nothing */
	assert_true(json_array_size(d->examples) >= 17);
	assert_true(strv_length(d->documented) >= 16);
}

static json_t *example_of(const struct docs *d, const char *action)
{
	for (size_t i = 0; i < json_array_size(d->examples); i++)
		if (streq(gets(json_array_get(d->examples, i), "event.action"), action))
			return json_array_get(d->examples, i);
	return NULL;
}

static void test_every_example(void **state)
{
	struct docs d;

	(void)state;
	docs_load(&d);
	for (size_t i = 0; i < json_array_size(d.examples); i++)
		check_event(json_array_get(d.examples, i));
	docs_free(&d);
}

/* Every documented action maps to its class, with or without an example line. */
static void test_every_documented_action(void **state)
{
	struct docs d;

	(void)state;
	docs_load(&d);
	STRV_FOREACH (a, d.documented) {
		const struct expected *x = expected_for(*a);
		json_t *ev, *out;

		if (!x)
			FAIL("docs/events.md documents '%s': add it to the mapping", *a);
		ev = example_of(&d, *a);
		if (!ev && streq(*a, "ACTION-suppressed"))
			ev = example_of(&d, "syscall-denied-suppressed");
		if (!ev && streq(*a, "network-connect-allowed"))
			ev = example_of(&d, "network-send-allowed");
		if (!ev)
			FAIL("no example to build '%s' from", *a);
		ev = json_deep_copy(ev);
		if (!streq(*a, "ACTION-suppressed"))
			json_object_set_new(json_object_get(ev, "event"), "action",
			                    json_string(*a));
		check_event(ev);
		out = ocsf_from_event(ev);
		assert_int_not_equal(geti(out, "class_uid"), 0);
		json_decref(out);
		json_decref(ev);
	}
	/* and every example's action is one the headings document */
	for (size_t i = 0; i < json_array_size(d.examples); i++) {
		const char *a = gets(json_array_get(d.examples, i), "event.action");

		if (!strv_contains(d.documented, a) &&
		    !(endswith(a, "-suppressed") &&
		      strv_contains(d.documented, "ACTION-suppressed")))
			FAIL("example action '%s' has no heading", a);
	}
	docs_free(&d);
}

/* Suppressed reports of other kinds: the kind's action gives action_id. */
static void test_suppressed_kinds(void **state)
{
	static const char *const kinds[] = {"events-suppressed", "exec-denied-suppressed",
	                                    "network-listen-dropped-suppressed",
	                                    "network-connect-allowed-suppressed"};
	struct docs d;

	(void)state;
	docs_load(&d);
	for (size_t i = 0; i < ELEMENTSOF(kinds); i++) {
		json_t *ev = json_deep_copy(example_of(&d, "syscall-denied-suppressed")), *out;

		json_object_set_new(json_object_get(ev, "event"), "action", json_string(kinds[i]));
		check_event(ev);
		out = ocsf_from_event(ev);
		if (streq(kinds[i], "events-suppressed")) {
			/* the shared bucket: no single decision to name */
			assert_null(get(out, "action_id"));
		} else if (endswith(kinds[i], "-dropped-suppressed")) {
			assert_int_equal(geti(out, "disposition_id"), 6);
		} else if (endswith(kinds[i], "-allowed-suppressed")) {
			assert_int_equal(geti(out, "action_id"), 1);
		} else {
			assert_int_equal(geti(out, "disposition_id"), 2);
		}
		json_decref(out);
		json_decref(ev);
	}
	docs_free(&d);
}

/* Spot checks of single values, straight from the examples. */
static void test_examples_in_detail(void **state)
{
	struct docs d;
	json_t *out;

	(void)state;
	docs_load(&d);

	out = ocsf_from_event(example_of(&d, "network-connect-denied"));
	assert_int_equal(geti(out, "type_uid"), 400105);
	assert_string_equal(gets(out, "type_name"), "Network Activity: Refuse");
	assert_int_equal(geti(out, "time"), 1795435157268LL); /* 2026-11-23T11:59:17.268428Z */
	assert_string_equal(gets(out, "dst_endpoint.ip"), "127.0.0.1");
	assert_int_equal(geti(out, "dst_endpoint.port"), 9);
	assert_string_equal(gets(out, "connection_info.protocol_name"), "tcp");
	assert_int_equal(geti(out, "connection_info.protocol_num"), 6);
	assert_int_equal(geti(out, "connection_info.direction_id"), 2);
	assert_int_equal(geti(out, "actor.process.pid"), 27726);
	assert_int_equal(geti(out, "actor.process.tid"), 27726);
	assert_string_equal(gets(out, "actor.process.name"), "attack");
	assert_string_equal(gets(out, "unmapped.nbwarden.rule"), "network.allow");
	assert_string_equal(gets(out, "unmapped.ecs.version"), "8.11.0");
	assert_int_equal(geti(out, "action_id"), 2);
	assert_int_equal(geti(out, "disposition_id"), 2);
	json_decref(out);

	out = ocsf_from_event(example_of(&d, "network-listen-dropped"));
	assert_string_equal(gets(out, "dst_endpoint.ip"), "10.213.9.1");
	assert_int_equal(geti(out, "connection_info.direction_id"), 1);
	assert_int_equal(geti(out, "disposition_id"), 6);
	assert_null(get(out, "actor.process"));
	json_decref(out);

	out = ocsf_from_event(example_of(&d, "network-packet-dropped"));
	assert_string_equal(gets(out, "connection_info.protocol_name"), "udplite");
	assert_int_equal(geti(out, "connection_info.protocol_num"), 136);
	assert_null(get(out, "dst_endpoint.port"));
	json_decref(out);

	out = ocsf_from_event(example_of(&d, "sandbox-exit"));
	assert_int_equal(geti(out, "type_uid"), 100702);
	assert_int_equal(geti(out, "exit_code"), 0);
	assert_int_equal(geti(out, "process.pid"), 29541);
	assert_int_equal(geti(out, "process.namespace_pid"), 2);
	assert_string_equal(gets(out, "process.cmd_line"), "./attack udp-send 127.0.0.2 5555");
	assert_string_equal(gets(out, "process.sandbox"), "kernel-7f51");
	assert_true(json_equal(get(out, "unmapped.process.args"),
	                       get(example_of(&d, "sandbox-exit"), "process.args")));
	assert_int_equal(geti(out, "unmapped.nbwarden.stats.net_tx_bytes"), 29);
	json_decref(out);

	out = ocsf_from_event(example_of(&d, "sandbox-refused"));
	assert_int_equal(geti(out, "status_id"), 2);
	assert_string_equal(gets(out, "actor.process.name"), "nbwarden");
	json_decref(out);

	/* the first exec-denied example: ld.so, verdict deny */
	out = ocsf_from_event(example_of(&d, "exec-denied"));
	assert_string_equal(gets(out, "process.file.path"), "/lib64/ld-linux-x86-64.so.2");
	assert_string_equal(gets(out, "process.file.name"), "ld-linux-x86-64.so.2");
	assert_int_equal(geti(out, "process.file.type_id"), 1);
	assert_string_equal(gets(out, "unmapped.file.inode"), "332383");
	assert_int_equal(geti(out, "severity_id"), 3);
	json_decref(out);

	/* the first sandbox-killed example: the memfd run through /dev/fd/4 */
	out = ocsf_from_event(example_of(&d, "sandbox-killed"));
	assert_int_equal(geti(out, "type_uid"), 200401);
	assert_int_equal(geti(out, "severity_id"), 4);
	assert_int_equal(geti(out, "disposition_id"), 24);
	assert_string_equal(gets(out, "finding_info.title"), "execution of '/dev/fd/4' denied");
	assert_string_equal(gets(out, "finding_info.analytic.name"), "violations.exec");
	assert_string_equal(gets(out, "resources.0.uid"), "kernel-7f53");
	assert_string_equal(gets(out, "unmapped.event.outcome"), "success");
	assert_string_equal(gets(out, "unmapped.nbwarden.reason"), "exec");
	json_decref(out);

	out = ocsf_from_event(example_of(&d, "syscall-denied"));
	assert_string_equal(gets(out, "finding_info.title"), "system call 'unshare' denied");
	assert_string_equal(gets(out, "finding_info.analytic.name"), "syscalls.deny:unshare");
	assert_int_equal(geti(out, "actor.process.pid"), 29609);
	json_decref(out);

	/* the daemon's: a refused request, its client the actor; no sandbox yet */
	out = ocsf_from_event(example_of(&d, "launch-denied"));
	assert_int_equal(geti(out, "type_uid"), 100701);
	assert_int_equal(geti(out, "actor.process.pid"), 41230);
	assert_null(get(out, "process.pid"));
	assert_int_equal(geti(out, "action_id"), 2);
	assert_int_equal(geti(out, "disposition_id"), 2);
	assert_null(get(out, "metadata.correlation_uid"));
	json_decref(out);

	out = ocsf_from_event(example_of(&d, "sandbox-queued"));
	assert_int_equal(geti(out, "status_id"), 0); /* event.outcome unknown */
	json_decref(out);

	out = ocsf_from_event(example_of(&d, "budget-throttle"));
	assert_int_equal(geti(out, "type_uid"), 100799);
	assert_string_equal(gets(out, "activity_name"), "Throttle");
	assert_int_equal(geti(out, "action_id"), 99);
	assert_int_equal(geti(out, "disposition_id"), 7);
	assert_string_equal(gets(out, "process.sandbox"), "nbw-3f9c2a71d0b4");
	json_decref(out);

	out = ocsf_from_event(example_of(&d, "sandbox-kill-requested"));
	assert_int_equal(geti(out, "type_uid"), 100702);
	assert_string_equal(gets(out, "actor.user.name"), "carol");
	assert_string_equal(gets(out, "process.user.name"), "alice");
	json_decref(out);

	/* a budget spent, then available again: one finding of the user's, created and closed */
	out = ocsf_from_event(example_of(&d, "budget-exhausted"));
	assert_int_equal(geti(out, "type_uid"), 200401);
	assert_string_equal(gets(out, "finding_info.uid"), "nbwarden-budget-1001");
	assert_string_equal(gets(out, "finding_info.analytic.name"), "policy.cpu_budget");
	json_decref(out);
	out = ocsf_from_event(example_of(&d, "budget-restored"));
	assert_int_equal(geti(out, "type_uid"), 200403);
	assert_int_equal(geti(out, "status_id"), 4);
	assert_string_equal(gets(out, "finding_info.uid"), "nbwarden-budget-1002");
	json_decref(out);

	out = ocsf_from_event(example_of(&d, "alert"));
	assert_int_equal(geti(out, "severity_id"), 3);
	assert_null(get(out, "resources"));
	assert_true(strncmp(gets(out, "finding_info.uid"), "nbwarden-", 9) == 0);
	json_decref(out);

	out = ocsf_from_event(example_of(&d, "daemon-start"));
	assert_int_equal(geti(out, "type_uid"), 600203);
	assert_string_equal(gets(out, "type_name"), "Application Lifecycle: Start");
	assert_string_equal(gets(out, "app.name"), "nbwarden");
	json_decref(out);

	/* the first policy-reload example: rejected */
	out = ocsf_from_event(example_of(&d, "policy-reload"));
	assert_int_equal(geti(out, "type_uid"), 600299);
	assert_string_equal(gets(out, "activity_name"), "Reload");
	assert_int_equal(geti(out, "status_id"), 2);
	assert_string_equal(gets(out, "actor.user.name"), "carol");
	json_decref(out);

	docs_free(&d);
}

/* The audit chain's fields: metadata.sequence and .uid, and all of them unmapped. */
static void test_audit_fields(void **state)
{
	struct docs d;
	json_t *ev, *out;

	(void)state;
	docs_load(&d);
	ev = json_deep_copy(example_of(&d, "sandbox-killed"));
	json_object_set_new(ev, "seq", json_integer(4711));
	json_object_set_new(ev, "prev_hash", json_string("ab12"));
	json_object_set_new(ev, "hash", json_string("cd34"));
	json_object_set_new(ev, "hmac", json_string("ef56"));
	check_event(ev);
	out = ocsf_from_event(ev);
	assert_int_equal(geti(out, "metadata.sequence"), 4711);
	assert_string_equal(gets(out, "metadata.uid"), "cd34");
	assert_int_equal(geti(out, "unmapped.seq"), 4711);
	assert_string_equal(gets(out, "unmapped.prev_hash"), "ab12");
	assert_string_equal(gets(out, "unmapped.hash"), "cd34");
	assert_string_equal(gets(out, "unmapped.hmac"), "ef56");
	json_decref(out);
	/* a keyed chain writes "hmac" instead of "hash" */
	json_object_del(ev, "hash");
	out = ocsf_from_event(ev);
	assert_string_equal(gets(out, "metadata.uid"), "ef56");
	json_decref(out);
	json_decref(ev);
	docs_free(&d);
}

/* A finding's uid is stable for one event and differs between events. */
static void test_finding_uid(void **state)
{
	struct docs d;
	json_t *a, *b, *ev;
	char *uid;

	(void)state;
	docs_load(&d);
	ev = json_deep_copy(example_of(&d, "network-connect-denied-suppressed"));
	a = ocsf_from_event(ev);
	b = ocsf_from_event(ev);
	assert_string_equal(gets(a, "finding_info.uid"), gets(b, "finding_info.uid"));
	uid = strdup(gets(a, "finding_info.uid"));
	json_decref(a);
	json_decref(b);
	json_object_set_new(json_object_get(ev, "nbwarden"), "suppressed", json_integer(16));
	a = ocsf_from_event(ev);
	assert_string_not_equal(gets(a, "finding_info.uid"), uid);
	assert_true(strncmp(uid, "kernel-7f48-", 12) == 0);
	free(uid);
	json_decref(a);
	json_decref(ev);
	docs_free(&d);
}

static void test_unknown_action(void **state)
{
	json_t *ev =
		json_pack("{s:s, s:{s:s, s:s, s:s}, s:{s:s}, s:{s:s}, s:s}", "@timestamp",
	                  "2026-11-23T10:21:19.076480Z", "event", "action", "sandbox-teleported",
	                  "kind", "alert", "outcome", "success", "nbwarden", "sandbox_id",
	                  "kernel-7f00", "host", "hostname", "jupyter01", "message", "beam me up");
	json_t *out = ocsf_from_event(ev);

	(void)state;
	assert_non_null(out);
	check_valid("unknown", out);
	assert_int_equal(geti(out, "class_uid"), 0);
	assert_int_equal(geti(out, "category_uid"), 0);
	assert_int_equal(geti(out, "activity_id"), 99);
	assert_string_equal(gets(out, "activity_name"), "sandbox-teleported");
	assert_int_equal(geti(out, "type_uid"), 99);
	assert_string_equal(gets(out, "type_name"), "Base Event: Other");
	assert_int_equal(geti(out, "time"), expected_msec("2026-11-23T10:21:19.076480Z"));
	assert_int_equal(geti(out, "severity_id"), 3);
	assert_int_equal(geti(out, "status_id"), 1);
	assert_string_equal(gets(out, "message"), "beam me up");
	assert_string_equal(gets(out, "metadata.event_code"), "sandbox-teleported");
	/* the original, whole */
	assert_true(json_equal(get(out, "unmapped"), ev));
	json_decref(out);

	/* no action at all: Unknown */
	json_object_del(json_object_get(ev, "event"), "action");
	out = ocsf_from_event(ev);
	check_valid("no action", out);
	assert_int_equal(geti(out, "class_uid"), 0);
	assert_int_equal(geti(out, "activity_id"), 0);
	assert_int_equal(geti(out, "type_uid"), 0);
	assert_true(json_equal(get(out, "unmapped"), ev));
	json_decref(out);
	json_decref(ev);
}

static int64_t now_msec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void test_malformed(void **state)
{
	static const char *const bad[] = {
		/* no @timestamp */
		"{\"event\":{\"action\":\"network-connect-denied\",\"kind\":\"alert\"}}",
		/* @timestamp of the wrong type, or not RFC 3339 */
		"{\"@timestamp\":12345,\"event\":{\"action\":\"sandbox-exit\"}}",
		"{\"@timestamp\":\"yesterday\",\"event\":{\"action\":\"sandbox-exit\"}}",
		"{\"@timestamp\":\"2026-02-30T00:00:00Z\",\"event\":{\"action\":\"sandbox-exit\"}}",
		/* fields of the wrong types */
		"{\"@timestamp\":\"2026-11-23T10:21:19.076480Z\",\"event\":{\"action\":"
		"\"network-connect-denied\",\"kind\":7,\"outcome\":[]},\"process\":{\"pid\":\"12\","
		"\"thread\":5,\"name\":{}},\"destination\":{\"ip\":1,\"port\":\"80\"},\"network\":"
		"{\"transport\":\"bogus\",\"type\":\"ipv5\"},\"user\":[1],\"host\":\"h\","
		"\"nbwarden\":\"x\",\"seq\":\"1\",\"hash\":2}",
		"{\"event\":{\"action\":\"sandbox-start\"},\"process\":{\"args\":[1,\"a\"],"
		"\"exit_code\":\"0\"},\"nbwarden\":{\"sandbox_pid\":\"2\",\"sandbox_id\":[]}}",
		"{\"event\":{\"action\":\"sandbox-killed\"},\"message\":5,\"nbwarden\":"
		"{\"rule\":3,\"verdict\":true}}",
		"{\"event\":{\"action\":\"-suppressed\"}}",
		"{\"event\":{\"action\":\"syscall-denied-suppressed\"},\"nbwarden\":{"
		"\"suppressed\":"
		"\"many\",\"similar\":1}}",
		"{\"event\":{\"action\":\"exec-denied\"},\"process\":{\"executable\":\"\"}}",
		"{\"event\":{\"action\":42}}",
		"{\"event\":\"network-connect-denied\"}",
		"{}",
		"[1,2]",
		"\"just a string\"",
		"null",
	};

	(void)state;
	for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
		json_t *ev = json_loads(bad[i], JSON_DECODE_ANY, NULL), *out;
		int64_t before = now_msec();

		assert_true(ev || streq(bad[i], "null"));
		out = ocsf_from_event(ev);
		assert_non_null(out);
		check_valid(bad[i], out);
		/* no usable @timestamp: the time of the conversion */
		if (!json_is_object(ev) || !gets(ev, "@timestamp") ||
		    !streq(gets(ev, "@timestamp"), "2026-11-23T10:21:19.076480Z"))
			assert_true(geti(out, "time") >= before && geti(out, "time") <= now_msec());
		/* what was of the wrong type is still there */
		if (json_is_object(ev)) {
			json_t *unmapped = get(out, "unmapped");

			for (void *it = json_object_iter(ev); it;
			     it = json_object_iter_next(ev, it)) {
				const char *key = json_object_iter_key(it);
				json_t *v = json_object_iter_value(it);

				if (!streq(key, "event") && !streq(key, "@timestamp") &&
				    !json_is_object(v))
					assert_true(json_equal(json_object_get(unmapped, key), v));
			}
		} else if (ev) {
			assert_true(json_equal(get(out, "unmapped.original"), ev));
		}
		json_decref(out);
		json_decref(ev);
	}
}

/* A wrong-typed field stays unmapped rather than vanishing. */
static void test_wrong_types_kept(void **state)
{
	json_t *ev = json_loads(
		"{\"@timestamp\":\"2026-11-23T10:21:19.076480Z\",\"event\":{\"action\":"
		"\"network-connect-denied\",\"kind\":\"alert\"},\"process\":{\"pid\":\"12\"},"
		"\"destination\":{\"ip\":\"10.0.0.1\",\"port\":\"80\"},\"network\":{\"transport\":"
		"\"bogus\",\"type\":\"ipv4\"}}",
		0, NULL);
	json_t *out = ocsf_from_event(ev);

	(void)state;
	check_valid("wrong types", out);
	assert_string_equal(gets(out, "unmapped.process.pid"), "12");
	assert_string_equal(gets(out, "unmapped.destination.port"), "80");
	assert_string_equal(gets(out, "unmapped.network.transport"), "bogus");
	assert_string_equal(gets(out, "dst_endpoint.ip"), "10.0.0.1");
	assert_null(get(out, "unmapped.destination.ip"));
	assert_null(get(out, "unmapped.network.type"));
	json_decref(out);
	json_decref(ev);
}

static void test_parse_timestamp(void **state)
{
	static const struct {
		const char *s;
		int64_t msec;
	} good[] = {
		{"1970-01-01T00:00:00Z", 0},
		{"1970-01-01T00:00:00.999999Z", 999},
		{"1970-01-01T00:00:01.5Z", 1500},
		{"2026-11-23T10:21:19.076480Z", 1795429279076LL},
		{"2026-11-23T11:21:19.076480+01:00", 1795429279076LL},
		{"2026-11-23T09:51:19.076480-00:30", 1795429279076LL},
		{"2024-02-29T23:59:59.123456789z", 1709251199123LL},
		{"1969-12-31T23:59:59.500Z", -500},
		{"2000-03-01t00:00:00Z", 951868800000LL},
	};
	static const char *const bad[] = {
		"",
		"2026-11-23",
		"2026-11-23T10:21:19",
		"2026-11-23T10:21:19.Z",
		"2026-11-23T10:21:19.076480",
		"2026-11-23T10:21:19.076480Zx",
		"2026-13-01T00:00:00Z",
		"2026-00-01T00:00:00Z",
		"2025-02-29T00:00:00Z",
		"2026-11-31T00:00:00Z",
		"2026-11-23T24:00:00Z",
		"2026-11-23T10:60:00Z",
		"2026-11-23T10:21:61Z",
		"2026-11-23T10:21:19+0100",
		"2026-11-23T10:21:19+24:00",
		" 2026-11-23T10:21:19Z",
		"2026-11-23 10:21:19Z",
		"+026-11-23T10:21:19Z",
	};
	int64_t v;

	(void)state;
	for (size_t i = 0; i < ELEMENTSOF(good); i++) {
		if (ocsf_parse_timestamp(good[i].s, &v) < 0)
			FAIL("'%s' refused", good[i].s);
		if (v != good[i].msec)
			FAIL("'%s' gave %lld", good[i].s, (long long)v);
	}
	for (size_t i = 0; i < ELEMENTSOF(bad); i++)
		if (ocsf_parse_timestamp(bad[i], &v) != -EINVAL)
			FAIL("'%s' accepted", bad[i]);
	assert_int_equal(ocsf_parse_timestamp(NULL, &v), -EINVAL);
	/* the examples' format, against the C library */
	assert_int_equal(ocsf_parse_timestamp("2026-11-23T10:21:19.076480Z", &v), 0);
	assert_int_equal(v, expected_msec("2026-11-23T10:21:19.076480Z"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_timestamp),
		cmocka_unit_test(test_every_example),
		cmocka_unit_test(test_every_documented_action),
		cmocka_unit_test(test_suppressed_kinds),
		cmocka_unit_test(test_examples_in_detail),
		cmocka_unit_test(test_audit_fields),
		cmocka_unit_test(test_finding_uid),
		cmocka_unit_test(test_unknown_action),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_wrong_types_kept),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
