// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ECS events -> OCSF 1.1.0 (https://schema.ocsf.io/1.1.0/). One table picks
 * the class and activity for each event.action; the builders below fill in
 * the attributes of that class. Every attribute name used outside
 * "unmapped" exists in OCSF 1.1.0 for its class or object (the unit test
 * checks them against allow-lists taken from the schema).
 *
 * Nothing is lost: the conversion works on a deep copy of the input and
 * removes from it each field it has represented exactly; what is left
 * (nbwarden.*, the audit chain fields, fields of an unexpected type, ...)
 * becomes "unmapped".
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ocsf.h"
#include "util.h"

#ifndef NBW_VERSION
#define NBW_VERSION "0.1.0"
#endif

enum ocsf_class {
	OCSF_BASE_EVENT,
	OCSF_PROCESS_ACTIVITY,
	OCSF_DETECTION_FINDING,
	OCSF_NETWORK_ACTIVITY,
	OCSF_APPLICATION_LIFECYCLE,
	_OCSF_CLASS_MAX,
};

/* activity_id values of OCSF 1.1.0, per class. 99 is "Other" in every class. */
enum {
	ACTIVITY_UNKNOWN = 0,
	ACTIVITY_OTHER = 99,
	PROCESS_LAUNCH = 1,
	PROCESS_TERMINATE = 2,
	FINDING_CREATE = 1,
	FINDING_CLOSE = 3,
	NETWORK_OPEN = 1,
	NETWORK_REFUSE = 5,
	NETWORK_TRAFFIC = 6,
	APPLICATION_START = 3,
	APPLICATION_STOP = 4,
};

static const char *const process_activities[] = {"Unknown", "Launch", "Terminate",
                                                 "Open",    "Inject", "Set User ID"};
static const char *const finding_activities[] = {"Unknown", "Create", "Update", "Close"};
/* 1.1.0 has no "Listen" (7): it came with 1.2.0. */
static const char *const network_activities[] = {"Unknown", "Open",   "Close",  "Reset",
                                                 "Fail",    "Refuse", "Traffic"};
/* 1.1.0 has no "Restart" or "Update" (5, 8): they came with 1.3.0. */
static const char *const application_activities[] = {"Unknown", "Install", "Remove", "Start",
                                                     "Stop"};
static const char *const base_activities[] = {"Unknown"};

static const struct {
	const char *name;
	const char *category_name;
	const char *const *activities; /* captions, by activity_id */
	size_t n_activities;
	const char *const *profiles; /* NULL-terminated: metadata.profiles */
	int uid;
	int category_uid;
} classes[_OCSF_CLASS_MAX] = {
	[OCSF_BASE_EVENT] =
		{
			.name = "Base Event",
			.category_name = "Uncategorized",
			.activities = base_activities,
			.n_activities = ELEMENTSOF(base_activities),
			.uid = 0,
			.category_uid = 0,
		},
	[OCSF_PROCESS_ACTIVITY] =
		{
			.name = "Process Activity",
			.category_name = "System Activity",
			.activities = process_activities,
			.n_activities = ELEMENTSOF(process_activities),
			/* actor and device belong to the System Activity category itself */
			.profiles = (const char *const[]){"container", "security_control", NULL},
			.uid = 1007,
			.category_uid = 1,
		},
	[OCSF_DETECTION_FINDING] =
		{
			.name = "Detection Finding",
			.category_name = "Findings",
			.activities = finding_activities,
			.n_activities = ELEMENTSOF(finding_activities),
			/* the "host" profile brings actor and device to findings */
			.profiles = (const char *const[]){"host", "security_control", NULL},
			.uid = 2004,
			.category_uid = 2,
		},
	[OCSF_NETWORK_ACTIVITY] =
		{
			.name = "Network Activity",
			.category_name = "Network Activity",
			.activities = network_activities,
			.n_activities = ELEMENTSOF(network_activities),
			.profiles = (const char *const[]){"host", "security_control", NULL},
			.uid = 4001,
			.category_uid = 4,
		},
	[OCSF_APPLICATION_LIFECYCLE] =
		{
			.name = "Application Lifecycle",
			.category_name = "Application Activity",
			.activities = application_activities,
			.n_activities = ELEMENTSOF(application_activities),
			.profiles = (const char *const[]){"host", NULL},
			.uid = 6002,
			.category_uid = 6,
		},
};

enum {
	SEVERITY_UNKNOWN = 0,
	SEVERITY_INFORMATIONAL = 1,
	SEVERITY_MEDIUM = 3,
	SEVERITY_HIGH = 4,
};
static const char *const severities[] = {"Unknown", "Informational", "Low",  "Medium",
                                         "High",    "Critical",      "Fatal"};

enum {
	ACTION_ALLOWED = 1,
	ACTION_DENIED = 2,
	ACTION_OTHER = 99,
};

/* The security_control profile's disposition_id values nbwarden uses. */
enum {
	DISPOSITION_ALLOWED = 1,
	DISPOSITION_BLOCKED = 2,
	DISPOSITION_DROPPED = 6,
	/* "A custom action was executed": a budget throttle slows the sandbox down */
	DISPOSITION_CUSTOM_ACTION = 7,
	/*
	 * "The requestor's access has been revoked due to security policy
	 * enforcements": a kill verdict ends the whole sandbox, not only the
	 * one operation.
	 */
	DISPOSITION_ACCESS_REVOKED = 24,
};

enum {
	STATUS_UNKNOWN = 0,
	STATUS_SUCCESS = 1,
	STATUS_FAILURE = 2,
	/* a finding's status is its review state: one just raised is "New" */
	STATUS_NEW = 1,
	STATUS_RESOLVED = 4, /* ... and one whose condition ended "Resolved" */
};

enum {
	F_OUTBOUND = 1 << 0,  /* the sandbox initiated it: direction Outbound */
	F_INBOUND = 1 << 1,   /* someone else did, towards the sandbox: Inbound */
	F_DROPPED = 1 << 2,   /* a packet was dropped rather than a call refused */
	F_CONTROL = 1 << 3,   /* a policy decided it: action_id, disposition_id */
	F_LIFECYCLE = 1 << 4, /* nbwarden itself launched, ended, queued, ... the command */
	F_REQUEST = 1 << 5,   /* a client asked the daemon: process.* is the client, the actor */
	F_PER_USER = 1 << 6,  /* a state of one user's: one finding per user, opened and closed */
};

/*
 * Network Activity: OCSF 1.1.0 has no bind, socket or listen activity.
 * Every denial is "Refuse" (the network operation was refused) and
 * action_id/disposition_id tell how; an admitted connect() is "Open", an
 * admitted datagram "Traffic".
 *
 * The daemon's events: a refused request is a refused Launch, like
 * sandbox-refused; what the daemon does to one sandbox (queue, adopt,
 * throttle, kill on request) is Process Activity; a user's budget running
 * out (and coming back) and the daemon's alerts are findings; the daemon's
 * own start, stop and policy reload are Application Lifecycle.
 */
static const struct mapping {
	const char *action;
	enum ocsf_class cls;
	int activity_id;
	unsigned flags;
	const char *other; /* activity_name for ACTIVITY_OTHER */
} mappings[] = {
	{"sandbox-start", OCSF_PROCESS_ACTIVITY, PROCESS_LAUNCH, F_LIFECYCLE, NULL},
	{"sandbox-exit", OCSF_PROCESS_ACTIVITY, PROCESS_TERMINATE, F_LIFECYCLE, NULL},
	{"sandbox-refused", OCSF_PROCESS_ACTIVITY, PROCESS_LAUNCH, F_LIFECYCLE, NULL},
	{"sandbox-setup-failed", OCSF_PROCESS_ACTIVITY, PROCESS_LAUNCH, F_LIFECYCLE, NULL},
	{"exec-denied", OCSF_PROCESS_ACTIVITY, PROCESS_LAUNCH, F_CONTROL, NULL},
	{"exec-allowed", OCSF_PROCESS_ACTIVITY, PROCESS_LAUNCH, F_CONTROL, NULL},
	{"network-connect-denied", OCSF_NETWORK_ACTIVITY, NETWORK_REFUSE, F_CONTROL | F_OUTBOUND,
         NULL},
	{"network-connect-allowed", OCSF_NETWORK_ACTIVITY, NETWORK_OPEN, F_CONTROL | F_OUTBOUND,
         NULL},
	{"network-send-denied", OCSF_NETWORK_ACTIVITY, NETWORK_REFUSE, F_CONTROL | F_OUTBOUND,
         NULL},
	{"network-send-allowed", OCSF_NETWORK_ACTIVITY, NETWORK_TRAFFIC, F_CONTROL | F_OUTBOUND,
         NULL},
	{"network-bind-denied", OCSF_NETWORK_ACTIVITY, NETWORK_REFUSE, F_CONTROL, NULL},
	{"network-socket-denied", OCSF_NETWORK_ACTIVITY, NETWORK_REFUSE, F_CONTROL | F_OUTBOUND,
         NULL},
	{"network-packet-dropped", OCSF_NETWORK_ACTIVITY, NETWORK_REFUSE,
         F_CONTROL | F_OUTBOUND | F_DROPPED, NULL},
	{"network-listen-dropped", OCSF_NETWORK_ACTIVITY, NETWORK_REFUSE,
         F_CONTROL | F_INBOUND | F_DROPPED, NULL},
	{"sandbox-killed", OCSF_DETECTION_FINDING, FINDING_CREATE, F_CONTROL, NULL},
	{"syscall-denied", OCSF_DETECTION_FINDING, FINDING_CREATE, F_CONTROL, NULL},
	/* the daemon's */
	{"launch-denied", OCSF_PROCESS_ACTIVITY, PROCESS_LAUNCH, F_CONTROL | F_REQUEST, NULL},
	{"sandbox-queued", OCSF_PROCESS_ACTIVITY, PROCESS_LAUNCH, F_LIFECYCLE, NULL},
	{"sandbox-adopted", OCSF_PROCESS_ACTIVITY, ACTIVITY_OTHER, F_LIFECYCLE, "Adopt"},
	{"sandbox-kill-requested", OCSF_PROCESS_ACTIVITY, PROCESS_TERMINATE, F_LIFECYCLE, NULL},
	{"budget-throttle", OCSF_PROCESS_ACTIVITY, ACTIVITY_OTHER, F_LIFECYCLE | F_CONTROL,
         "Throttle"},
	{"budget-unthrottle", OCSF_PROCESS_ACTIVITY, ACTIVITY_OTHER, F_LIFECYCLE | F_CONTROL,
         "Unthrottle"},
	{"budget-exhausted", OCSF_DETECTION_FINDING, FINDING_CREATE, F_PER_USER, NULL},
	{"budget-restored", OCSF_DETECTION_FINDING, FINDING_CLOSE, F_PER_USER, NULL},
	{"alert", OCSF_DETECTION_FINDING, FINDING_CREATE, 0, NULL},
	{"policy-reload", OCSF_APPLICATION_LIFECYCLE, ACTIVITY_OTHER, 0, "Reload"},
	{"daemon-start", OCSF_APPLICATION_LIFECYCLE, APPLICATION_START, 0, NULL},
	{"daemon-stop", OCSF_APPLICATION_LIFECYCLE, APPLICATION_STOP, 0, NULL},
};

/* Every ACTION-suppressed report (events-suppressed included). */
static const struct mapping suppressed_mapping = {"*-suppressed", OCSF_DETECTION_FINDING,
                                                  FINDING_CREATE, F_CONTROL, NULL};

#define SUPPRESSED_SUFFIX "-suppressed"

static bool endswith(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && memcmp(s + n - m, suffix, m) == 0;
}

static const struct mapping *mapping_find(const char *action)
{
	if (!action)
		return NULL;
	for (size_t i = 0; i < ELEMENTSOF(mappings); i++)
		if (streq(mappings[i].action, action))
			return &mappings[i];
	if (endswith(action, SUPPRESSED_SUFFIX) && strlen(action) > strlen(SUPPRESSED_SUFFIX))
		return &suppressed_mapping;
	return NULL;
}

/* ------------------------------------------------------------------------ */
/* RFC 3339 */

static bool digits(const char **p, int n, int *ret)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		if ((*p)[i] < '0' || (*p)[i] > '9')
			return false;
		v = v * 10 + ((*p)[i] - '0');
	}
	*p += n;
	*ret = v;
	return true;
}

static bool expect(const char **p, const char *any)
{
	if (!**p || !strchr(any, **p))
		return false;
	(*p)++;
	return true;
}

/* Days from 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's algorithm). */
static int64_t days_from_civil(int64_t y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static int days_in_month(int y, int m)
{
	static const int dim[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

	return m == 2 && leap ? 29 : dim[m - 1];
}

int ocsf_parse_timestamp(const char *s, int64_t *ret_msec)
{
	int year, mon, day, hour, min, sec, msec = 0, off = 0;
	const char *p = s;
	int64_t t;

	if (!s)
		return -EINVAL;
	if (!digits(&p, 4, &year) || !expect(&p, "-") || !digits(&p, 2, &mon) || !expect(&p, "-") ||
	    !digits(&p, 2, &day) || !expect(&p, "Tt") || !digits(&p, 2, &hour) ||
	    !expect(&p, ":") || !digits(&p, 2, &min) || !expect(&p, ":") || !digits(&p, 2, &sec))
		return -EINVAL;
	if (*p == '.') {
		int n = 0;

		for (p++; *p >= '0' && *p <= '9'; p++, n++)
			if (n < 3)
				msec = msec * 10 + (*p - '0');
		if (n == 0)
			return -EINVAL;
		for (; n < 3; n++)
			msec *= 10;
	}
	if (*p == 'Z' || *p == 'z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		int sign = *p == '-' ? -1 : 1, oh, om;

		p++;
		if (!digits(&p, 2, &oh) || !expect(&p, ":") || !digits(&p, 2, &om) || oh > 23 ||
		    om > 59)
			return -EINVAL;
		off = sign * (oh * 60 + om);
	} else {
		return -EINVAL;
	}
	/* sec may be 60 (a leap second): it counts as the next minute's first */
	if (*p || mon < 1 || mon > 12 || day < 1 || day > days_in_month(year, mon) || hour > 23 ||
	    min > 59 || sec > 60)
		return -EINVAL;
	t = days_from_civil(year, mon, day) * 86400 + (int64_t)hour * 3600 + (int64_t)min * 60 +
	    sec - (int64_t)off * 60;
	*ret_msec = t * 1000 + msec;
	return 0;
}

/* ------------------------------------------------------------------------ */
/* the conversion */

struct conv {
	const json_t *ev;   /* the input, read only */
	json_t *rest;       /* what of a copy of it is not mapped yet: "unmapped" */
	json_t *out;        /* the OCSF event */
	const char *action; /* event.action, or NULL */
	/*
	 * An OCSF event is some 60 insertions, any of which can fail for lack
	 * of memory: they latch this instead of each being checked, and
	 * ocsf_from_event() gives up once at the end.
	 */
	bool oom;
};

/* The value at a dotted path ("process.thread.id"), borrowed, or NULL. */
static json_t *lookup(const json_t *obj, const char *path)
{
	const char *dot = strchr(path, '.');
	char key[32];
	size_t n;

	if (!json_is_object(obj))
		return NULL;
	if (!dot)
		return json_object_get(obj, path);
	n = (size_t)(dot - path);
	if (n >= sizeof(key))
		return NULL;
	memcpy(key, path, n);
	key[n] = 0;
	return lookup(json_object_get(obj, key), dot + 1);
}

/* Remove the value at a dotted path, and the objects it leaves empty. */
static void drop(json_t *obj, const char *path)
{
	const char *dot = strchr(path, '.');
	json_t *child;
	char key[32];
	size_t n;

	if (!json_is_object(obj))
		return;
	if (!dot) {
		json_object_del(obj, path);
		return;
	}
	n = (size_t)(dot - path);
	if (n >= sizeof(key))
		return;
	memcpy(key, path, n);
	key[n] = 0;
	child = json_object_get(obj, key);
	drop(child, dot + 1);
	if (json_is_object(child) && json_object_size(child) == 0)
		json_object_del(obj, key);
}

/* A string field; one with a NUL inside would lose its tail as a C string: none. */
static const char *peek_string(const struct conv *c, const char *path)
{
	json_t *v = lookup(c->ev, path);
	const char *s = json_string_value(v);

	return s && strlen(s) == json_string_length(v) ? s : NULL;
}

static bool peek_int(const struct conv *c, const char *path, json_int_t *ret)
{
	json_t *v = lookup(c->ev, path);

	if (!json_is_integer(v))
		return false;
	*ret = json_integer_value(v);
	return true;
}

/*
 * The take_*() variants also mark the field as mapped. Only a value of the
 * expected type is taken: one of another type stays in "unmapped".
 */
static const char *take_string(struct conv *c, const char *path)
{
	const char *s = peek_string(c, path);

	if (s)
		drop(c->rest, path);
	return s;
}

static bool take_int(struct conv *c, const char *path, json_int_t *ret)
{
	if (!peek_int(c, path, ret))
		return false;
	drop(c->rest, path);
	return true;
}

/* Set obj[key] = v, consuming v; a NULL v is taken for an allocation failure. */
static void put(struct conv *c, json_t *obj, const char *key, json_t *v)
{
	if (!v || json_object_set_new(obj, key, v) < 0)
		c->oom = true;
}

static void put_int(struct conv *c, json_t *obj, const char *key, json_int_t v)
{
	put(c, obj, key, json_integer(v));
}

static void put_str(struct conv *c, json_t *obj, const char *key, const char *s)
{
	if (s)
		put(c, obj, key, json_string(s));
}

/* obj[key] as an object, created empty if missing. */
static json_t *child(struct conv *c, json_t *obj, const char *key)
{
	json_t *o = json_object_get(obj, key);

	if (json_is_object(o))
		return o;
	o = json_object();
	put(c, obj, key, o);
	return c->oom ? NULL : o;
}

/* Attach o as obj[key] if it has anything in it; consumes o. */
static void put_nonempty(struct conv *c, json_t *obj, const char *key, json_t *o)
{
	if (!o) {
		c->oom = true;
		return;
	}
	if (json_object_size(o) == 0) {
		json_decref(o);
		return;
	}
	put(c, obj, key, o);
}

/* Remove obj[key] if it is an empty object: one that says nothing. */
static void prune(json_t *obj, const char *key)
{
	json_t *o = json_object_get(obj, key);

	if (json_is_object(o) && json_object_size(o) == 0)
		json_object_del(obj, key);
}

static const char *activity_caption(enum ocsf_class cls, int activity_id)
{
	if (activity_id == ACTIVITY_OTHER)
		return "Other";
	if (activity_id < 0 || (size_t)activity_id >= classes[cls].n_activities)
		return "Unknown";
	return classes[cls].activities[activity_id];
}

/* class, category, activity and type: type_uid = class_uid * 100 + activity_id */
static void put_classification(struct conv *c, enum ocsf_class cls, int activity_id,
                               const char *activity_name)
{
	put_int(c, c->out, "class_uid", classes[cls].uid);
	put_str(c, c->out, "class_name", classes[cls].name);
	put_int(c, c->out, "category_uid", classes[cls].category_uid);
	put_str(c, c->out, "category_name", classes[cls].category_name);
	put_int(c, c->out, "activity_id", activity_id);
	put_str(c, c->out, "activity_name", activity_name);
	put_int(c, c->out, "type_uid", (json_int_t)classes[cls].uid * 100 + activity_id);
	put(c, c->out, "type_name",
	    json_sprintf("%s: %s", classes[cls].name, activity_caption(cls, activity_id)));
}

/*
 * event.kind: an "event" is informational; an "alert" (a denial) needs
 * action, and one that ends the sandbox needs it now.
 */
static void put_severity(struct conv *c, bool take)
{
	const char *kind = peek_string(c, "event.kind");
	int id = SEVERITY_UNKNOWN;

	if (streq(kind, "alert"))
		id = streq(peek_string(c, "nbwarden.verdict"), "kill") ? SEVERITY_HIGH
		                                                       : SEVERITY_MEDIUM;
	else if (streq(kind, "event"))
		id = SEVERITY_INFORMATIONAL;
	if (take && id != SEVERITY_UNKNOWN)
		drop(c->rest, "event.kind");
	put_int(c, c->out, "severity_id", id);
	put_str(c, c->out, "severity", severities[id]);
}

/* event.outcome as the success/failure status of an activity. */
static void put_outcome_status(struct conv *c, bool take)
{
	const char *outcome = peek_string(c, "event.outcome");
	int id;

	if (streq(outcome, "success"))
		id = STATUS_SUCCESS;
	else if (streq(outcome, "failure"))
		id = STATUS_FAILURE;
	else if (streq(outcome, "unknown"))
		id = STATUS_UNKNOWN;
	else
		return; /* anything else stays in "unmapped" */
	if (take)
		drop(c->rest, "event.outcome");
	put_int(c, c->out, "status_id", id);
	put_str(c, c->out, "status",
	        id == STATUS_SUCCESS   ? "Success"
	        : id == STATUS_FAILURE ? "Failure"
	                               : "Unknown");
}

/*
 * time from @timestamp. The microseconds OCSF's milliseconds cannot hold
 * survive in metadata.original_time, so a parsed @timestamp counts as
 * mapped. Without one the event still needs a time (it is required): the
 * time of the conversion, with whatever @timestamp was kept in "unmapped".
 */
static void put_time(struct conv *c, bool take)
{
	const char *s = peek_string(c, "@timestamp");
	int64_t msec;

	if (ocsf_parse_timestamp(s, &msec) >= 0) {
		if (take)
			drop(c->rest, "@timestamp");
	} else {
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		msec = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
	}
	put_int(c, c->out, "time", msec);
}

static void put_metadata(struct conv *c, enum ocsf_class cls, bool take)
{
	json_t *md = child(c, c->out, "metadata"), *product;
	const char *action = take ? take_string(c, "event.action") : c->action;
	json_int_t seq;

	put_str(c, md, "version", OCSF_SCHEMA_VERSION);
	product = child(c, md, "product");
	put_str(c, product, "name", "nbwarden");
	put_str(c, product, "vendor_name", "nbwarden");
	put_str(c, product, "version", NBW_VERSION);
	put_str(c, md, "event_code", action);
	put_str(c, md, "original_time", peek_string(c, "@timestamp"));
	/* every event of one sandbox carries its id: the key to correlate them */
	put_str(c, md, "correlation_uid", peek_string(c, "nbwarden.sandbox_id"));
	/* the audit chain's fields, where present, stay in "unmapped" as well */
	if (peek_int(c, "seq", &seq))
		put_int(c, md, "sequence", seq);
	/* the record's chain digest identifies it: "hash", or "hmac" when keyed */
	put_str(c, md, "uid", peek_string(c, "hash") ?: peek_string(c, "hmac"));
	if (classes[cls].profiles) {
		json_t *a = json_array();

		for (const char *const *p = classes[cls].profiles; *p; p++)
			if (json_array_append_new(a, json_string(*p)) < 0)
				c->oom = true;
		put(c, md, "profiles", a);
	}
}

/* device: the machine running the supervisor. Its type is not known. */
static void put_device(struct conv *c)
{
	json_t *dev = child(c, c->out, "device");

	put_str(c, dev, "hostname", take_string(c, "host.hostname"));
	put_int(c, dev, "type_id", 0);
	put_str(c, dev, "type", "Unknown");
}

/* The user the sandbox runs as. */
static json_t *user_object(struct conv *c)
{
	json_t *u = json_object();

	if (!u)
		return NULL;
	put_str(c, u, "name", take_string(c, "user.name"));
	put_str(c, u, "uid", take_string(c, "user.id")); /* ECS keeps it a string too */
	return u;
}

/* The process of the event, as the kernel or the supervisor saw it. */
static json_t *process_object(struct conv *c)
{
	json_t *p = json_object();
	json_int_t v;

	if (!p)
		return NULL;
	if (take_int(c, "process.pid", &v))
		put_int(c, p, "pid", v);
	if (take_int(c, "process.thread.id", &v))
		put_int(c, p, "tid", v);
	put_str(c, p, "name", take_string(c, "process.name"));
	return p;
}

/* Give a process object the sandbox it ran in, once it says anything. */
static void put_process_sandbox(struct conv *c, json_t *p)
{
	if (json_object_size(p) > 0)
		put_str(c, p, "sandbox", peek_string(c, "nbwarden.sandbox_id"));
}

/*
 * action_id and disposition_id from nbwarden.verdict, or else from the
 * action's name (a *-suppressed report has no verdict: its kind's action
 * tells). disposition_id: a refused call is "Blocked", a dropped packet
 * "Dropped", a kill "Access Revoked". A budget throttle neither allows nor
 * denies: action "Other", disposition "Custom Action".
 */
static void put_control(struct conv *c, const char *subject, unsigned flags)
{
	const char *verdict = peek_string(c, "nbwarden.verdict");
	bool dropped = (flags & F_DROPPED) || (subject && endswith(subject, "-dropped"));
	int action, disposition;

	if (streq(verdict, "throttle")) {
		put_int(c, c->out, "action_id", ACTION_OTHER);
		put_str(c, c->out, "action", "Throttled"); /* Other: the source's own word */
		put_int(c, c->out, "disposition_id", DISPOSITION_CUSTOM_ACTION);
		put_str(c, c->out, "disposition", "Custom Action");
		return;
	}
	if (!streq(verdict, "allow") && !streq(verdict, "deny") && !streq(verdict, "kill")) {
		if (subject && endswith(subject, "-allowed"))
			verdict = "allow";
		else if (subject && (endswith(subject, "-denied") || dropped))
			verdict = "deny";
		else if (streq(subject, "sandbox-killed"))
			verdict = "kill";
		else
			return;
	}
	if (streq(verdict, "allow")) {
		action = ACTION_ALLOWED;
		disposition = DISPOSITION_ALLOWED;
	} else {
		action = ACTION_DENIED;
		disposition = streq(verdict, "kill") ? DISPOSITION_ACCESS_REVOKED
		              : dropped              ? DISPOSITION_DROPPED
		                                     : DISPOSITION_BLOCKED;
	}
	put_int(c, c->out, "action_id", action);
	put_str(c, c->out, "action", action == ACTION_ALLOWED ? "Allowed" : "Denied");
	put_int(c, c->out, "disposition_id", disposition);
	put_str(c, c->out, "disposition",
	        disposition == DISPOSITION_ALLOWED   ? "Allowed"
	        : disposition == DISPOSITION_BLOCKED ? "Blocked"
	        : disposition == DISPOSITION_DROPPED ? "Dropped"
	                                             : "Access Revoked");
}

static const char *basename_of(const char *path)
{
	const char *s = strrchr(path, '/');

	return s ? s + 1 : path;
}

/* The command line of process.args. Lossy (spaces), so the array stays unmapped. */
static json_t *cmd_line(const json_t *args)
{
	size_t n = json_array_size(args), len = 0;
	json_t *r;
	char *s, *p;

	for (size_t i = 0; i < n; i++) {
		if (!json_is_string(json_array_get(args, i)))
			return json_null(); /* not an argv: no command line */
		len += json_string_length(json_array_get(args, i)) + 1;
	}
	if (len == 0)
		return json_null();
	s = malloc(len);
	if (!s)
		return NULL;
	p = s;
	for (size_t i = 0; i < n; i++) {
		const json_t *v = json_array_get(args, i);

		if (i > 0)
			*p++ = ' ';
		memcpy(p, json_string_value(v), json_string_length(v));
		p += json_string_length(v);
	}
	*p = 0;
	r = json_stringn(s, (size_t)(p - s));
	free(s);
	return r;
}

static void convert_process_activity(struct conv *c, const struct mapping *m)
{
	json_t *proc = process_object(c), *actor = child(c, c->out, "actor"), *cmd;
	const char *exe;
	json_int_t v;

	if (!proc) {
		c->oom = true;
		return;
	}
	if (m->flags & F_REQUEST) {
		/*
		 * The process of a request to the daemon is its client, which
		 * asked for the launch: the actor. The launch itself never ran.
		 */
		put_process_sandbox(c, proc);
		put_nonempty(c, actor, "process", proc);
		proc = json_object();
		if (!proc) {
			c->oom = true;
			return;
		}
	}
	/* even a refused launch was for one sandbox */
	put_str(c, proc, "sandbox", peek_string(c, "nbwarden.sandbox_id"));
	/* sandbox-kill-requested: the sandbox's owner; the user is who asked */
	if (peek_string(c, "nbwarden.owner"))
		put_str(c, child(c, proc, "user"), "name", peek_string(c, "nbwarden.owner"));
	if (m->flags & F_LIFECYCLE) {
		/* nbwarden's own view of the command it ran (sandbox-start, -exit) */
		cmd = cmd_line(lookup(c->ev, "process.args"));
		if (json_is_string(cmd))
			put(c, proc, "cmd_line", cmd);
		else if (!cmd)
			c->oom = true;
		else
			json_decref(cmd);
		if (peek_int(c, "nbwarden.sandbox_pid", &v))
			put_int(c, proc, "namespace_pid", v); /* container profile */
		if (take_int(c, "process.exit_code", &v))
			put_int(c, c->out, "exit_code", v);
		/* the supervisor acted, on behalf of the user */
		put_str(c, child(c, actor, "process"), "name", "nbwarden");
	}
	exe = take_string(c, "process.executable");
	if (exe) {
		json_t *file = child(c, proc, "file");

		put_str(c, file, "path", exe);
		put_str(c, file, "name", basename_of(exe));
		/*
		 * execve() runs regular files only, so what the exec guard saw
		 * about to run is one; Landlock refuses before that is known.
		 */
		if (streq(peek_string(c, "nbwarden.enforcer"), "ebpf")) {
			put_int(c, file, "type_id", 1);
			put_str(c, file, "type", "Regular File");
		} else {
			put_int(c, file, "type_id", 0);
			put_str(c, file, "type", "Unknown");
		}
	}
	put(c, c->out, "process", proc); /* required, even when nothing is known */
	put_nonempty(c, actor, "user", user_object(c));
	prune(c->out, "actor");
	put_outcome_status(c, true);
	if (m->flags & F_CONTROL)
		put_control(c, c->action, m->flags);
}

/*
 * The daemon's own start and stop, and its policy reloads: the application
 * is nbwarden, the product reporting the event; the actor the admin who
 * asked for a reload.
 */
static void convert_application_lifecycle(struct conv *c)
{
	json_t *actor = child(c, c->out, "actor");
	json_t *product = lookup(c->out, "metadata.product");

	put(c, c->out, "app", json_deep_copy(product)); /* required */
	put_nonempty(c, actor, "user", user_object(c));
	prune(c->out, "actor");
	put_outcome_status(c, true);
}

static const struct {
	const char *name;
	int num;
} transports[] = {
	{"icmp", 1}, {"tcp", 6}, {"udp", 17}, {"ipv6-icmp", 58}, {"sctp", 132}, {"udplite", 136},
};

static void put_connection_info(struct conv *c, unsigned flags)
{
	json_t *ci = json_object();
	const char *transport = peek_string(c, "network.transport");
	const char *type = peek_string(c, "network.type");
	uint32_t num;

	if (!ci) {
		c->oom = true;
		return;
	}
	if (transport) {
		bool known = false;

		for (size_t i = 0; i < ELEMENTSOF(transports); i++)
			if (streq(transports[i].name, transport)) {
				/* ECS and OCSF both use IANA's lowercase keywords */
				put_str(c, ci, "protocol_name", transport);
				put_int(c, ci, "protocol_num", transports[i].num);
				known = true;
				break;
			}
		/* nbwarden writes the bare number for the protocols it has no name for */
		if (!known && parse_uint32(transport, &num) >= 0 && num <= 255) {
			put_int(c, ci, "protocol_num", num);
			known = true;
		}
		if (known)
			drop(c->rest, "network.transport");
	}
	if (streq(type, "ipv4") || streq(type, "ipv6")) {
		put_int(c, ci, "protocol_ver_id", streq(type, "ipv4") ? 4 : 6);
		drop(c->rest, "network.type");
	}
	if (flags & (F_OUTBOUND | F_INBOUND)) {
		put_int(c, ci, "direction_id", flags & F_OUTBOUND ? 2 : 1);
		put_str(c, ci, "direction", flags & F_OUTBOUND ? "Outbound" : "Inbound");
	}
	put_nonempty(c, c->out, "connection_info", ci);
}

static json_t *endpoint_object(struct conv *c, const char *prefix)
{
	json_t *ep = json_object();
	char path[32];
	json_int_t port;

	if (!ep)
		return NULL;
	snprintf(path, sizeof(path), "%s.ip", prefix);
	put_str(c, ep, "ip", take_string(c, path));
	snprintf(path, sizeof(path), "%s.port", prefix);
	if (take_int(c, path, &port))
		put_int(c, ep, "port", port);
	return ep;
}

static void convert_network_activity(struct conv *c, const struct mapping *m)
{
	json_t *actor = child(c, c->out, "actor"), *proc = process_object(c), *ep;

	/*
	 * ECS destination (connect, send, packet) and server (bind, listen)
	 * are both the responder of the connection: OCSF's dst_endpoint.
	 */
	ep = endpoint_object(c, "destination");
	if (ep && json_object_size(ep) == 0) {
		json_decref(ep);
		ep = endpoint_object(c, "server");
	}
	put_nonempty(c, c->out, "dst_endpoint", ep);
	/*
	 * The sandbox initiated an outbound operation from this machine; for a
	 * socket() refused there is no other endpoint to name at all.
	 */
	if ((m->flags & F_OUTBOUND) && peek_string(c, "host.hostname"))
		put_str(c, child(c, c->out, "src_endpoint"), "hostname",
		        peek_string(c, "host.hostname"));
	put_connection_info(c, m->flags);
	put_process_sandbox(c, proc);
	put_nonempty(c, actor, "process", proc);
	put_nonempty(c, actor, "user", user_object(c));
	prune(c->out, "actor");
	put_outcome_status(c, true);
	put_control(c, c->action, m->flags);
}

/*
 * A finding's uid: its sandbox, and a hash of the event unique within it.
 * A state of one user's (a budget spent, then available again) is one
 * finding, created and closed: the user's, by uid.
 */
static void put_finding_uid(struct conv *c, json_t *fi, unsigned flags)
{
	const char *sandbox = peek_string(c, "nbwarden.sandbox_id");
	const char *uid = peek_string(c, "user.id");
	char *dump;

	if ((flags & F_PER_USER) && uid) {
		put(c, fi, "uid", json_sprintf("nbwarden-budget-%s", uid));
		return;
	}
	dump = json_dumps(c->ev, JSON_COMPACT | JSON_SORT_KEYS);

	if (!dump) {
		c->oom = true;
		return;
	}
	put(c, fi, "uid",
	    json_sprintf("%s-%016" PRIx64, sandbox ?: "nbwarden", fnv1a(dump, strlen(dump))));
	free(dump);
}

static void convert_detection_finding(struct conv *c, const struct mapping *m)
{
	json_t *fi = child(c, c->out, "finding_info"), *actor = child(c, c->out, "actor");
	const char *message = peek_string(c, "message"), *rule = peek_string(c, "nbwarden.rule");
	const char *sandbox = peek_string(c, "nbwarden.sandbox_id");
	bool suppressed = m == &suppressed_mapping;
	char *subject = NULL;
	json_int_t count;
	json_t *proc;

	put_finding_uid(c, fi, m->flags);
	if (message) {
		put_str(c, fi, "title", message);
	} else if (streq(c->action, "syscall-denied") && peek_string(c, "nbwarden.syscall.name")) {
		put(c, fi, "title",
		    json_sprintf("system call '%s' denied",
		                 peek_string(c, "nbwarden.syscall.name")));
	} else {
		put_str(c, fi, "title", c->action); /* title is required */
	}
	/* nbwarden raises the finding as it writes the event */
	put(c, fi, "created_time", json_incref(json_object_get(c->out, "time")));
	put(c, fi, "types", json_pack("[s]", c->action));
	if (rule) {
		json_t *an = child(c, fi, "analytic");

		/* the profile setting that decided: a rule, in OCSF's terms */
		put_str(c, an, "name", rule);
		put_int(c, an, "type_id", 1);
		put_str(c, an, "type", "Rule");
	}
	if (suppressed) {
		put_str(c, fi, "desc", peek_string(c, "nbwarden.similar"));
		if (peek_int(c, "nbwarden.suppressed", &count))
			put_int(c, c->out, "count", count);
		/* the kind's own action decides allowed or denied */
		subject = strndup(c->action, strlen(c->action) - strlen(SUPPRESSED_SUFFIX));
		if (!subject)
			c->oom = true;
	}
	if (sandbox)
		put(c, c->out, "resources",
		    json_pack("[{s:s, s:s}]", "uid", sandbox, "type", "sandbox"));
	proc = process_object(c); /* syscall-denied: the thread that made the call */
	put_process_sandbox(c, proc);
	put_nonempty(c, actor, "process", proc);
	put_nonempty(c, actor, "user", user_object(c));
	prune(c->out, "actor");
	if (m->activity_id == FINDING_CLOSE) {
		put_int(c, c->out, "status_id", STATUS_RESOLVED);
		put_str(c, c->out, "status", "Resolved");
	} else {
		put_int(c, c->out, "status_id", STATUS_NEW);
		put_str(c, c->out, "status", "New");
	}
	if (m->flags & F_CONTROL)
		put_control(c, subject ?: c->action, m->flags);
	free(subject);
}

/*
 * An action this version does not know: Base Event, "Other" activity named
 * after the action, and all of the input under "unmapped".
 */
static void convert_base_event(struct conv *c)
{
	int activity = c->action ? ACTIVITY_OTHER : ACTIVITY_UNKNOWN;

	put_classification(c, OCSF_BASE_EVENT, activity,
	                   c->action ?: activity_caption(OCSF_BASE_EVENT, activity));
	put_severity(c, false);
	put_time(c, false);
	put_metadata(c, OCSF_BASE_EVENT, false);
	put_outcome_status(c, false);
	put_str(c, c->out, "message", peek_string(c, "message"));
}

json_t *ocsf_from_event(const json_t *ev)
{
	struct conv c = {.ev = ev};
	const struct mapping *m;

	c.out = json_object();
	if (json_is_object(ev))
		c.rest = json_deep_copy(ev);
	else if (ev)
		/* not even an object: keep it whole, under a name */
		c.rest = json_pack("{s:o}", "original", json_deep_copy(ev));
	else
		c.rest = json_object();
	if (!c.out || !c.rest)
		goto fail;

	c.action = peek_string(&c, "event.action");
	m = mapping_find(c.action);
	if (!m) {
		convert_base_event(&c);
	} else {
		put_classification(&c, m->cls, m->activity_id,
		                   m->other ?: activity_caption(m->cls, m->activity_id));
		put_severity(&c, true);
		put_time(&c, true);
		put_metadata(&c, m->cls, true);
		put_device(&c);
		put_str(&c, c.out, "message", take_string(&c, "message"));
		/* event.category and event.type are what chose class and activity */
		drop(c.rest, "event.category");
		drop(c.rest, "event.type");
		switch (m->cls) {
		case OCSF_PROCESS_ACTIVITY:
			convert_process_activity(&c, m);
			break;
		case OCSF_NETWORK_ACTIVITY:
			convert_network_activity(&c, m);
			break;
		case OCSF_DETECTION_FINDING:
			convert_detection_finding(&c, m);
			break;
		case OCSF_APPLICATION_LIFECYCLE:
			convert_application_lifecycle(&c);
			break;
		default:
			break;
		}
	}
	if (c.oom)
		goto fail;
	if (json_object_size(c.rest) == 0) {
		json_decref(c.rest);
	} else if (json_object_set_new(c.out, "unmapped", c.rest) < 0) {
		c.rest = NULL; /* consumed even on failure */
		goto fail;
	}
	return c.out;
fail:
	json_decref(c.rest);
	json_decref(c.out);
	return NULL;
}
