// SPDX-License-Identifier: GPL-2.0-or-later
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <libgen.h>
#include <limits.h>
#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/inotify.h>
#include <sys/pidfd.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "budget.h"
#include "cgroup.h"
#include "cleanup.h"
#include "config.h"
#include "daemon.h"
#include "events.h"
#include "log.h"
#include "metrics.h"
#include "policy.h"
#include "proto.h"
#include "run.h"
#include "util.h"

#define EXIT_DENIED  77 /* the policy says no */
#define EXIT_REFUSED 125

#define TICK_USEC        (100 * USEC_PER_MSEC)
#define CHARGE_TICKS     10 /* charge budgets and check alerts every second */
#define SAVE_TICKS       50 /* save the ledger at least every 5 s while it changes */
#define THROTTLE_PERIOD  10 /* freezer fallback: thawed 1 tick in 10 */
#define THROTTLE_CPU_MAX "10000 100000"
#define EVENT_RING       1024
#define TAIL_CHUNK       65536
#define MAX_TAIL_LINE    (1024 * 1024)

/* What an epoll entry is: the first member of everything registered. */
enum source_kind {
	SRC_LISTEN,
	SRC_METRICS_LISTEN,
	SRC_SIGNAL,
	SRC_TICK,
	SRC_INOTIFY,
	SRC_CONN,
	SRC_SANDBOX,
};

struct source {
	enum source_kind kind;
	int fd;
};

enum conn_state {
	CONN_NEW,    /* waiting for its request */
	CONN_QUEUED, /* a run request waiting for a slot */
	CONN_FOLLOW, /* "events --follow" */
	CONN_HTTP,   /* the metrics listener */
};

struct user;

struct conn {
	struct source src;
	enum conn_state state;
	struct ucred cred;
	struct user *user; /* for CONN_QUEUED and CONN_FOLLOW */
	bool admin;
	uint64_t deadline; /* CLOCK_MONOTONIC usec: request or queue timeout */
	uint64_t queued_at;
	unsigned last_position, last_running;
	struct request req;
	int fds[4];
	unsigned n_fds;
	char *http; /* CONN_HTTP: what arrived so far */
	size_t http_len;
	struct conn *next, *prev;
};

/* A caller we have seen: identity, role, running count and queue. */
struct user {
	uid_t uid;
	gid_t gid;
	char *name;
	char **groups;
	const struct role *role; /* in the current policy, or NULL */
	unsigned running;
	struct conn **queue; /* FIFO */
	size_t n_queue;
	bool exhausted;     /* budget state last tick, for the events on each change */
	bool exhausted_cpu; /* which budget it was */
	struct user *next;
};

struct sandbox {
	struct source src; /* the supervisor's pidfd */
	char *id;
	struct user *user;
	char *profile;
	pid_t pid;
	uint64_t pid_start; /* /proc/PID/stat starttime: a reused pid is not ours */
	bool child;         /* forked by this daemon (reaped), or adopted */
	uint64_t started;   /* CLOCK_REALTIME usec */
	struct cgroup *cg;
	bool throttled, frozen, use_cpu_max;
	char cpu_max[64]; /* the profile's cpu.max, restored when a throttle ends */
	bool kill_sent;
	struct sandbox *next, *prev;
};

struct daemon {
	const char *config_path;
	struct config *config;
	struct policy *policy;
	struct events *ev;
	struct ledger *ledger;
	struct ratelimit *rl;
	struct metrics *metrics;
	int epfd;
	struct source listen, metrics_listen, signal, tick, inotify;
	char *cg_mount;
	char *cg_parent; /* relative to cg_mount */
	int state_dirfd;
	char *records; /* run_dir/sandboxes */
	struct conn *conns;
	unsigned n_conns;
	struct user *users;
	struct sandbox *sandboxes;
	unsigned n_sandboxes;
	uint64_t ticks;
	bool ledger_dirty;
	bool stop;
	/* the audit log, followed */
	int tail_fd;
	ino_t tail_ino;
	char *tail_buf;
	size_t tail_len;
	char *ring[EVENT_RING];
	uid_t ring_uid[EVENT_RING];
	size_t ring_head, ring_n;
};

static inline void closedirp(DIR **d)
{
	if (*d)
		closedir(*d);
}

static int epoll_add(struct daemon *d, struct source *src, uint32_t events)
{
	struct epoll_event e = {.events = events, .data.ptr = src};

	return epoll_ctl(d->epfd, EPOLL_CTL_ADD, src->fd, &e) < 0 ? -errno : 0;
}

/* ------------------------------------------------------------------------ */
/* events of the daemon's own */

static json_t *daemon_event(const char *kind, const char *type, const char *action,
                            const char *outcome, const struct user *u, const char *message)
{
	json_t *ev = event_new(kind, "process", type, action, outcome);

	if (!ev)
		return NULL;
	if (u) {
		json_t *o = json_object();

		json_object_set_new(o, "name", json_string(u->name));
		json_object_set_new(o, "id", json_sprintf("%u", (unsigned)u->uid));
		json_object_set_new(ev, "user", o);
	}
	if (message)
		json_object_set_new(ev, "message", json_string(message));
	return ev;
}

static void emit(struct daemon *d, json_t *ev)
{
	if (ev)
		(void)events_emit(d->ev, ev);
}

/* ------------------------------------------------------------------------ */
/* users */

static int user_groups(const char *name, gid_t gid, char ***ret)
{
	int n = 64;
	_cleanup_free_ gid_t *gids = NULL;
	char **l = NULL;

	for (int tries = 0; tries < 4; tries++) {
		int want = n;

		free(gids);
		gids = calloc((size_t)n, sizeof(gid_t));
		if (!gids)
			return -ENOMEM;
		if (getgrouplist(name, gid, gids, &want) >= 0) {
			n = want;
			break;
		}
		if (want <= n)
			want = n * 4;
		n = want;
		if (tries == 3)
			return -E2BIG;
	}
	for (int i = 0; i < n; i++) {
		struct group gr, *res = NULL;
		char buf[16384];

		if (getgrgid_r(gids[i], &gr, buf, sizeof(buf), &res) == 0 && res &&
		    strv_extend(&l, res->gr_name) < 0) {
			strv_free(l);
			return -ENOMEM;
		}
	}
	*ret = l;
	return 0;
}

static struct user *user_find(struct daemon *d, uid_t uid)
{
	for (struct user *u = d->users; u; u = u->next)
		if (u->uid == uid)
			return u;
	return NULL;
}

/*
 * The caller's user, looked up anew (groups may have changed since): a uid
 * the user database does not know is nobody the policy can name.
 */
static int user_get(struct daemon *d, uid_t uid, struct user **ret)
{
	struct passwd pw, *res = NULL;
	char buf[16384];
	struct user *u = user_find(d, uid);
	char **groups = NULL;
	int r;

	if (getpwuid_r(uid, &pw, buf, sizeof(buf), &res) != 0 || !res)
		return -ESRCH;
	r = user_groups(res->pw_name, res->pw_gid, &groups);
	if (r < 0)
		return r;
	if (!u) {
		u = calloc(1, sizeof(*u));
		if (!u) {
			strv_free(groups);
			return -ENOMEM;
		}
		u->uid = uid;
		u->next = d->users;
		d->users = u;
	}
	if (!streq(u->name, res->pw_name)) {
		char *n = strdup(res->pw_name);

		if (!n) {
			strv_free(groups);
			return -ENOMEM;
		}
		free(u->name);
		u->name = n;
	}
	u->gid = res->pw_gid;
	strv_free(u->groups);
	u->groups = groups;
	u->role = d->policy ? policy_find_role(d->policy, u->name, u->groups) : NULL;
	*ret = u;
	return 0;
}

/* ------------------------------------------------------------------------ */
/* connections */

static void conn_send(struct conn *c, struct proto_writer *w)
{
	_cleanup_free_ char *buf = NULL;
	size_t len;

	if (proto_finish(w, &buf, &len) < 0)
		return;
	if (send(c->src.fd, buf, len, MSG_NOSIGNAL | MSG_DONTWAIT) < 0)
		log_debug_errno(-errno, "cannot answer uid %u: %m", (unsigned)c->cred.uid);
}

static void conn_error(struct conn *c, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void conn_error(struct conn *c, int code, const char *fmt, ...)
{
	struct proto_writer w = {0};
	_cleanup_free_ char *msg = NULL;
	va_list ap;

	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	va_end(ap);
	proto_add(&w, "type", "error");
	proto_addf(&w, "code", "%d", code);
	proto_add(&w, "message", msg ? msg : "error");
	conn_send(c, &w);
}

static void conn_close_fds(struct conn *c)
{
	for (unsigned i = 0; i < c->n_fds; i++)
		safe_close(c->fds[i]);
	c->n_fds = 0;
}

static void queue_remove(struct user *u, struct conn *c)
{
	for (size_t i = 0; i < u->n_queue; i++)
		if (u->queue[i] == c) {
			memmove(u->queue + i, u->queue + i + 1,
			        (u->n_queue - i - 1) * sizeof(struct conn *));
			u->n_queue--;
			return;
		}
}

static void conn_free(struct daemon *d, struct conn *c)
{
	if (!c)
		return;
	if (c->state == CONN_QUEUED && c->user)
		queue_remove(c->user, c);
	if (c->prev)
		c->prev->next = c->next;
	else
		d->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	d->n_conns--;
	/* explicitly: a forked supervisor holds a copy, which would keep the entry alive */
	(void)epoll_ctl(d->epfd, EPOLL_CTL_DEL, c->src.fd, NULL);
	safe_close(c->src.fd);
	conn_close_fds(c);
	request_done(&c->req);
	free(c->http);
	free(c);
}

static void send_queue_positions(struct daemon *d, struct user *u);

/* ------------------------------------------------------------------------ */
/* sandbox records: run_dir/sandboxes/ID.json, and ID.exit from the supervisor */

static char *record_path(struct daemon *d, const char *id, const char *suffix)
{
	char *p = NULL;

	if (asprintf(&p, "%s/%s%s", d->records, id, suffix) < 0)
		return NULL;
	return p;
}

static int proc_start_time(pid_t pid, uint64_t *ret)
{
	char path[64], buf[1024];
	_cleanup_close_ int fd = -1;
	ssize_t n;
	char *p;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	if (n <= 0)
		return -EIO;
	buf[n] = 0;
	/* after "(comm)", which may hold spaces: state is field 3, starttime field 22 */
	p = strrchr(buf, ')');
	if (!p)
		return -EIO;
	for (int field = 2; field < 22 && p; field++)
		p = strchr(p + 1, ' ');
	if (!p)
		return -EIO;
	*ret = strtoull(p + 1, NULL, 10);
	return 0;
}

static int record_write(struct daemon *d, const struct sandbox *s)
{
	_cleanup_free_ char *path = record_path(d, s->id, ".json");
	_cleanup_free_ char *tmp = record_path(d, s->id, ".json.tmp");
	_cleanup_free_ char *text = NULL;
	json_t *o;
	int fd, r = 0;

	if (!path || !tmp)
		return -ENOMEM;
	o = json_pack("{s:s, s:I, s:s, s:s, s:I, s:I, s:I}", "id", s->id, "uid",
	              (json_int_t)s->user->uid, "user", s->user->name, "profile", s->profile, "pid",
	              (json_int_t)s->pid, "pid_start", (json_int_t)s->pid_start, "started",
	              (json_int_t)s->started);
	if (!o)
		return -ENOMEM;
	text = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	if (!text)
		return -ENOMEM;
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return -errno;
	if (write(fd, text, strlen(text)) != (ssize_t)strlen(text) || fsync(fd) < 0)
		r = -EIO;
	close(fd);
	if (r == 0 && rename(tmp, path) < 0)
		r = -errno;
	if (r < 0)
		unlink(tmp);
	return r;
}

/* code, cpu_usec, io_bytes from the supervisor's ID.exit; -ENOENT if it left none. */
static int exit_record_read(struct daemon *d, const char *id, int *ret_code, uint64_t *ret_cpu,
                            uint64_t *ret_io)
{
	_cleanup_free_ char *path = record_path(d, id, ".exit");
	_cleanup_fclose_ FILE *f = NULL;
	char line[128];
	uint64_t v;

	if (!path)
		return -ENOMEM;
	f = fopen(path, "re");
	if (!f)
		return -errno;
	*ret_code = -1;
	*ret_cpu = *ret_io = 0;
	while (fgets(line, sizeof(line), f)) {
		char *eq = strchr(line, '=');

		if (!eq)
			continue;
		*eq++ = 0;
		eq[strcspn(eq, "\n")] = 0;
		if (streq(line, "code") && parse_uint64(eq, &v) >= 0 && v < 256)
			*ret_code = (int)v;
		else if (streq(line, "cpu_usec") && parse_uint64(eq, &v) >= 0)
			*ret_cpu = v;
		else if (streq(line, "io_bytes") && parse_uint64(eq, &v) >= 0)
			*ret_io = v;
	}
	return 0;
}

static void records_remove(struct daemon *d, const char *id)
{
	static const char *const suffixes[] = {".json", ".exit", ".exit.tmp", ".json.tmp"};

	for (size_t i = 0; i < ELEMENTSOF(suffixes); i++) {
		_cleanup_free_ char *p = record_path(d, id, suffixes[i]);

		if (p)
			(void)unlink(p);
	}
}

/* ------------------------------------------------------------------------ */
/* budgets */

static void charge(struct daemon *d, struct sandbox *s, uint64_t cpu, uint64_t io)
{
	uint64_t c0, i0;

	ledger_get_charged(d->ledger, s->id, &c0, &i0);
	if (cpu < c0)
		cpu = c0;
	if (io < i0)
		io = i0;
	if (cpu == c0 && io == i0)
		return;
	(void)ledger_charge(d->ledger, s->user->uid, realtime_usec(), cpu - c0, io - i0);
	(void)ledger_set_charged(d->ledger, s->id, cpu, io);
	d->ledger_dirty = true;
}

/* What a running leaf used so far; an unreadable total stays where it was (charge() clamps). */
static void charge_running(struct daemon *d, struct sandbox *s)
{
	uint64_t cpu = 0, rd = 0, wr = 0;

	if (!s->cg)
		return;
	if (cgroup_read_keyed(s->cg, "cpu.stat", "usage_usec", &cpu) < 0)
		cpu = 0;
	if (cgroup_read_io(s->cg, &rd, &wr) < 0)
		rd = wr = 0;
	charge(d, s, cpu, rd + wr);
}

static void save_ledger(struct daemon *d)
{
	int r;

	if (!d->ledger_dirty)
		return;
	r = ledger_save(d->ledger, d->state_dirfd, realtime_usec());
	if (r < 0) {
		log_warning_errno(r, "cannot save the budget ledger in %s: %m, retrying",
		                  d->config->daemon_state_dir);
		return;
	}
	d->ledger_dirty = false;
}

static bool budget_exhausted(struct daemon *d, const struct user *u, uint64_t *ret_retry,
                             bool *ret_cpu)
{
	uint64_t cpu, io;
	bool ex;

	if (!u->role)
		return false;
	ex = ledger_exhausted(d->ledger, u->uid, realtime_usec(), u->role->cpu_budget,
	                      u->role->io_budget, ret_retry);
	if (ret_cpu) {
		ledger_usage(d->ledger, u->uid, realtime_usec(), &cpu, &io);
		*ret_cpu = u->role->cpu_budget != VALUE_MAX && cpu >= u->role->cpu_budget;
	}
	return ex;
}

/* The leaf's cpu.max as the profile set it ("max 100000" or a quota). */
static int read_cpu_max(struct sandbox *s)
{
	char path[64];
	_cleanup_close_ int fd = -1;
	ssize_t n;

	snprintf(path, sizeof(path), "cpu.max");
	fd = openat(s->cg->fd, path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return -errno;
	n = read(fd, s->cpu_max, sizeof(s->cpu_max) - 1);
	if (n <= 0)
		return -EIO;
	s->cpu_max[n] = 0;
	s->cpu_max[strcspn(s->cpu_max, "\n")] = 0;
	return 0;
}

static void throttle(struct daemon *d, struct sandbox *s, bool on)
{
	json_t *ev;

	if (s->throttled == on || !s->cg)
		return;
	s->throttled = on;
	if (on) {
		/* cpu.max where the cpu controller is on; otherwise the freezer, a duty cycle */
		if (read_cpu_max(s) >= 0)
			s->use_cpu_max = cgroup_write(s->cg, "cpu.max", THROTTLE_CPU_MAX) >= 0;
		else
			s->use_cpu_max = false;
	} else {
		if (s->use_cpu_max)
			(void)cgroup_write(s->cg, "cpu.max", s->cpu_max);
		if (s->frozen)
			(void)cgroup_write(s->cg, "cgroup.freeze", "0");
		s->frozen = false;
	}
	ev = daemon_event("event", "change", on ? "budget-throttle" : "budget-unthrottle",
	                  "success", s->user,
	                  on ? "budget exhausted: sandbox throttled to 10% of one CPU"
	                     : "budget available again: throttle lifted");
	if (ev) {
		json_object_set_new(event_object(ev, "nbwarden"), "sandbox_id", json_string(s->id));
		json_object_set_new(event_object(ev, "nbwarden"), "throttle",
		                    json_string(s->use_cpu_max ? "cpu.max" : "freezer"));
		event_set_rule(ev, "policy.on_budget_exhausted", on ? "throttle" : "allow");
	}
	emit(d, ev);
}

static void stop_sandbox(struct sandbox *s, enum run_stop_reason why)
{
	union sigval v = {.sival_int = (int)why};

	if (s->kill_sent && why != RUN_STOP_ADMIN)
		return;
	s->kill_sent = true;
	/* the supervisor kills, logs the reason and reports the exit as always */
	if (sigqueue(s->pid, SIGTERM, v) < 0)
		log_warning_errno(-errno, "cannot signal the supervisor of %s: %m", s->id);
}

/* Per user, each second: charge, then apply on_budget_exhausted to what runs. */
static void enforce_budgets(struct daemon *d)
{
	for (struct user *u = d->users; u; u = u->next) {
		uint64_t retry = 0, cpu = 0, io = 0;
		bool is_cpu = false, ex;

		if (!u->role)
			continue;
		ex = budget_exhausted(d, u, &retry, &is_cpu);
		if (!ex)
			is_cpu = u->exhausted_cpu; /* restored: the one that was spent */
		if (ex != u->exhausted) {
			char msg[160];
			json_t *ev;

			ledger_usage(d->ledger, u->uid, realtime_usec(), &cpu, &io);
			snprintf(msg, sizeof(msg), "%s budget %s for %s", is_cpu ? "CPU" : "IO",
			         ex ? "exhausted" : "available again", u->name);
			ev = daemon_event("event", "change",
			                  ex ? "budget-exhausted" : "budget-restored", "success", u,
			                  msg);
			if (ev) {
				json_object_set_new(
					event_object(ev, "nbwarden"), "budget",
					json_pack("{s:I, s:I, s:s}", "cpu_usec", (json_int_t)cpu,
				                  "io_bytes", (json_int_t)io, "action",
				                  u->role ? budget_action_to_string(
								    u->role->on_budget_exhausted)
				                          : "deny"));
				event_set_rule(ev,
				               is_cpu ? "policy.cpu_budget" : "policy.io_budget",
				               ex ? "exhausted" : "restored");
			}
			emit(d, ev);
			u->exhausted = ex;
			u->exhausted_cpu = is_cpu;
		}
		for (struct sandbox *s = d->sandboxes; s; s = s->next) {
			if (s->user != u)
				continue;
			if (!ex) {
				throttle(d, s, false);
				continue;
			}
			switch (u->role ? u->role->on_budget_exhausted : BUDGET_ACTION_DENY) {
			case BUDGET_ACTION_THROTTLE:
				throttle(d, s, true);
				break;
			case BUDGET_ACTION_KILL:
				stop_sandbox(s, is_cpu ? RUN_STOP_BUDGET_CPU : RUN_STOP_BUDGET_IO);
				break;
			default:
				break; /* deny: what runs goes on; new launches are refused */
			}
		}
	}
}

/* The freezer fallback of a throttle: frozen 9 ticks, thawed 1. */
static void throttle_duty_cycle(struct daemon *d)
{
	bool thaw = d->ticks % THROTTLE_PERIOD == 0;

	for (struct sandbox *s = d->sandboxes; s; s = s->next) {
		if (!s->throttled || s->use_cpu_max || !s->cg || s->frozen == !thaw)
			continue;
		if (cgroup_write(s->cg, "cgroup.freeze", thaw ? "0" : "1") >= 0)
			s->frozen = !thaw;
	}
}

/* ------------------------------------------------------------------------ */
/* launching */

static struct sandbox *sandbox_find(struct daemon *d, const char *id)
{
	for (struct sandbox *s = d->sandboxes; s; s = s->next)
		if (streq(s->id, id))
			return s;
	return NULL;
}

/* Move fds to 3, 4, ... and close everything else (the forked supervisor's start). */
static int keep_fds(int *fds, unsigned n)
{
	struct rlimit rl;
	int high;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur < 64)
		return -EMFILE;
	high = (int)(rl.rlim_cur > 1 << 20 ? 1 << 20 : rl.rlim_cur) - 8;
	for (unsigned i = 0; i < n; i++) {
		int fd = fcntl(fds[i], F_DUPFD_CLOEXEC, high + (int)i);

		if (fd < 0)
			return -errno;
		fds[i] = fd;
	}
	if (close_range(3, (unsigned)high - 1, 0) < 0)
		return -errno;
	for (unsigned i = 0; i < n; i++) {
		if (dup3(fds[i], 3 + (int)i, O_CLOEXEC) < 0)
			return -errno;
		fds[i] = 3 + (int)i;
	}
	if (close_range(3 + n, ~0U, 0) < 0)
		return -errno;
	return 0;
}

static _Noreturn void supervisor_child(struct daemon *d, struct conn *c, const char *id)
{
	struct run_options o;
	sigset_t none;
	char uid[16];
	int fds[5], code;
	unsigned n = 0;
	_cleanup_free_ char *exit_record = record_path(d, id, ".exit");

	sigemptyset(&none);
	for (int sig = 1; sig < NSIG; sig++)
		signal(sig, SIG_DFL);
	(void)sigprocmask(SIG_SETMASK, &none, NULL);
	(void)setsid();
	(void)prctl(PR_SET_NAME, "nbwarden-sv");
	fds[n++] = c->src.fd;
	for (unsigned i = 0; i < c->n_fds; i++)
		fds[n++] = c->fds[i];
	if (!exit_record || keep_fds(fds, n) < 0)
		_exit(EXIT_REFUSED);

	run_options_init(&o);
	snprintf(uid, sizeof(uid), "%u", (unsigned)c->cred.uid);
	o.profile = c->req.profile;
	o.user = uid; /* always the caller's own */
	o.id = id;
	o.cgroup_parent = d->cg_parent;
	o.config_path = d->config_path;
	o.argv = c->req.argv;
	o.env = c->req.setenv;
	o.caller_env = c->req.env ? c->req.env : (char *[]){NULL};
	o.caller_cwd = c->req.cwd;
	o.show_stats = c->req.stats;
	o.client_fd = fds[0];
	o.stdio[0] = fds[1];
	o.stdio[1] = fds[2];
	o.stdio[2] = fds[3];
	o.events_fd = c->req.events_fd ? fds[4] : -1;
	o.exit_record = exit_record;
	o.profile_dir = d->config->daemon_profile_dir;
	log_set_prefix("nbwarden-sv");
	code = run_main(&o);
	_exit(code);
}

static int launch(struct daemon *d, struct conn *c)
{
	_cleanup_free_ char *id = NULL;
	struct sandbox *s;
	pid_t pid;
	int pidfd, r;

	if (c->req.id) {
		if (sandbox_find(d, c->req.id)) {
			conn_error(c, EXIT_REFUSED, "a sandbox with id '%s' is running already",
			           c->req.id);
			return -EEXIST;
		}
		id = strdup(c->req.id);
	} else {
		do {
			free(id);
			id = NULL;
			r = cgroup_id_generate(&id);
			if (r < 0)
				return r;
		} while (sandbox_find(d, id));
	}
	if (!id)
		return -ENOMEM;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->id = TAKE_PTR(id);
	s->profile = strdup(c->req.profile);
	s->user = c->user;
	s->started = realtime_usec();
	s->child = true;
	if (!s->profile) {
		free(s->id);
		free(s);
		return -ENOMEM;
	}
	records_remove(d, s->id); /* leftovers of an earlier sandbox of that name */
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		r = -errno;
		free(s->id);
		free(s->profile);
		free(s);
		return r;
	}
	if (pid == 0)
		supervisor_child(d, c, s->id);
	s->pid = pid;
	(void)proc_start_time(pid, &s->pid_start);
	pidfd = (int)pidfd_open(pid, 0);
	s->src = (struct source){.kind = SRC_SANDBOX, .fd = pidfd};
	if (pidfd < 0 || epoll_add(d, &s->src, EPOLLIN) < 0)
		log_error_errno(-errno, "cannot watch the supervisor of %s (pid %d): %m", s->id,
		                (int)pid);
	s->next = d->sandboxes;
	if (d->sandboxes)
		d->sandboxes->prev = s;
	d->sandboxes = s;
	d->n_sandboxes++;
	s->user->running++;
	(void)ledger_set_charged(d->ledger, s->id, 0, 0);
	d->ledger_dirty = true;
	r = record_write(d, s);
	if (r < 0)
		log_warning_errno(r,
		                  "cannot record sandbox %s in %s: %m (a restarted daemon will "
		                  "not see it), ignoring",
		                  s->id, d->records);
	/* the cgroup leaf appears once the supervisor made it; opened at the first charge */
	metrics_launch(d->metrics);
	log_info("sandbox %s: %s (uid %u) profile %s, supervisor pid %d", s->id, s->user->name,
	         (unsigned)s->user->uid, s->profile, (int)pid);
	return 0;
}

static void deny(struct daemon *d, struct conn *c, int code, const char *reason, const char *rule,
                 const char *fmt, ...) __attribute__((format(printf, 6, 7)));

/* Refuse a request: the client's message, a denial counted by reason, an event. */
static void deny(struct daemon *d, struct conn *c, int code, const char *reason, const char *rule,
                 const char *fmt, ...)
{
	_cleanup_free_ char *msg = NULL;
	json_t *ev;
	va_list ap;

	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	va_end(ap);
	conn_error(c, code, "%s", msg ? msg : reason);
	(void)metrics_count(d->metrics, METRIC_DENIALS, reason, monotonic_usec());
	ev = daemon_event("event", "denied", "launch-denied", "failure", c->user, msg);
	if (ev) {
		event_set_rule(ev, rule, "deny");
		json_object_set_new(event_object(ev, "nbwarden"), "reason", json_string(reason));
		if (c->req.profile)
			json_object_set_new(event_object(ev, "nbwarden"), "profile",
			                    json_string(c->req.profile));
		json_object_set_new(ev, "process", json_pack("{s:i}", "pid", (int)c->cred.pid));
	}
	emit(d, ev);
}

static void format_retry(uint64_t usec, char buf[static 32])
{
	snprintf(buf, 32, "%llu", (unsigned long long)((usec + USEC_PER_SEC - 1) / USEC_PER_SEC));
}

/*
 * A launch that is next in line (or was never queued): the budget is
 * checked again, as it may have run out meanwhile. Returns true if the
 * connection was handed over (or answered) and can go.
 */
static void start_or_refuse(struct daemon *d, struct conn *c)
{
	struct user *u = c->user;
	uint64_t retry = 0;
	bool is_cpu = false;
	int r;

	if (u->role && u->role->on_budget_exhausted != BUDGET_ACTION_THROTTLE &&
	    budget_exhausted(d, u, &retry, &is_cpu)) {
		char b[32], lim[32];

		format_retry(retry, b);
		if (is_cpu)
			format_duration(u->role->cpu_budget, lim);
		else
			format_size(u->role->io_budget, lim);
		deny(d, c, EXIT_TEMPFAIL, "budget",
		     is_cpu ? "policy.cpu_budget" : "policy.io_budget",
		     "budget exhausted: %s budget of %s per 24h used up, retry in %s s",
		     is_cpu ? "CPU" : "IO", lim, b);
		return;
	}
	r = launch(d, c);
	if (r < 0 && r != -EEXIST) {
		log_error_errno(r, "cannot start a sandbox for %s: %m", u->name);
		conn_error(c, EXIT_REFUSED, "the sandbox could not be started");
	}
}

/* Start what a user's free slots allow, in FIFO order; tell the rest where they stand. */
static void dispatch(struct daemon *d, struct user *u)
{
	while (u->n_queue > 0 && u->role && u->running < u->role->max_concurrent) {
		struct conn *c = u->queue[0];

		queue_remove(u, c);
		c->state = CONN_NEW;
		(void)metrics_queue_wait(d->metrics, monotonic_usec() - c->queued_at,
		                         monotonic_usec());
		start_or_refuse(d, c);
		conn_free(d, c);
	}
	send_queue_positions(d, u);
}

static void send_queue_positions(struct daemon *d, struct user *u)
{
	(void)d;
	for (size_t i = 0; i < u->n_queue; i++) {
		struct conn *c = u->queue[i];
		struct proto_writer w = {0};

		if (c->last_position == i + 1 && c->last_running == u->running)
			continue;
		c->last_position = (unsigned)i + 1;
		c->last_running = u->running;
		proto_add(&w, "type", "queued");
		proto_addf(&w, "position", "%zu", i + 1);
		proto_addf(&w, "running", "%u", u->running);
		proto_addf(&w, "limit", "%u", u->role ? u->role->max_concurrent : 0);
		conn_send(c, &w);
	}
}

static void request_run(struct daemon *d, struct conn *c)
{
	struct user *u = c->user;
	const struct role *role = u->role;
	uint64_t retry = 0;
	unsigned want = 3 + (c->req.events_fd ? 1 : 0);
	char b[32];
	json_t *ev;

	if (c->n_fds != want) {
		conn_error(c, EXIT_REFUSED,
		           "malformed request: expected %u file descriptors, got %u", want,
		           c->n_fds);
		return;
	}
	if (!role_allows_profile(role, c->req.profile)) {
		deny(d, c, EXIT_DENIED, "profile", "policy.profiles",
		     "denied: role '%s' does not allow profile '%s'", role->name, c->req.profile);
		return;
	}
	if (ratelimit_take(d->rl, u->uid, role->launches_per_minute, monotonic_usec(), &retry) <
	    0) {
		format_retry(retry, b);
		deny(d, c, EXIT_TEMPFAIL, "rate", "policy.launches_per_minute",
		     "rate limited: %u launches/min, retry in %s s", role->launches_per_minute, b);
		return;
	}
	if (u->running < role->max_concurrent && u->n_queue == 0) {
		start_or_refuse(d, c);
		return;
	}
	if (role->queue_timeout == 0) {
		deny(d, c, EXIT_TEMPFAIL, "concurrency", "policy.max_concurrent",
		     "too many kernels: %u of %u running, and role '%s' does not queue", u->running,
		     role->max_concurrent, role->name);
		return;
	}
	/* queued: the connection stays, waiting for a slot or its deadline */
	{
		struct conn **q = realloc(u->queue, (u->n_queue + 1) * sizeof(struct conn *));

		if (!q) {
			conn_error(c, EXIT_REFUSED, "out of memory");
			return;
		}
		u->queue = q;
		u->queue[u->n_queue++] = c;
	}
	c->state = CONN_QUEUED;
	c->queued_at = monotonic_usec();
	c->deadline = c->queued_at + role->queue_timeout;
	ev = daemon_event("event", "start", "sandbox-queued", "unknown", u, NULL);
	if (ev) {
		json_object_set_new(event_object(ev, "nbwarden"), "queue",
		                    json_pack("{s:I, s:i, s:i}", "position", (json_int_t)u->n_queue,
		                              "running", (int)u->running, "limit",
		                              (int)role->max_concurrent));
		json_object_set_new(event_object(ev, "nbwarden"), "profile",
		                    json_string(c->req.profile));
	}
	emit(d, ev);
	send_queue_positions(d, u);
}

/* ------------------------------------------------------------------------ */
/* ps, kill, reload, events, metrics */

static void send_text(struct conn *c, const char *text)
{
	/* in pieces that fit a datagram with room to spare */
	size_t len = strlen(text), chunk = PROTO_MAX_MESSAGE / 2;

	for (size_t off = 0; off < len; off += chunk) {
		struct proto_writer w = {0};
		_cleanup_free_ char *piece = strndup(text + off, chunk);

		if (!piece)
			return;
		proto_add(&w, "type", "data");
		proto_add(&w, "text", piece);
		conn_send(c, &w);
	}
}

static void send_end(struct conn *c, int code)
{
	struct proto_writer w = {0};

	proto_add(&w, "type", "end");
	proto_addf(&w, "code", "%d", code);
	conn_send(c, &w);
}

static bool may_see(const struct conn *c, uid_t owner)
{
	return c->admin || c->cred.uid == owner;
}

static void request_ps(struct daemon *d, struct conn *c)
{
	_cleanup_free_ char *text = NULL;
	json_t *arr;
	size_t len = 0;
	FILE *f;

	if (c->req.all && !c->admin) {
		deny(d, c, EXIT_DENIED, "admin", "policy.admin",
		     "denied: ps --all needs an admin role");
		return;
	}
	arr = json_array();
	f = open_memstream(&text, &len);
	if (!arr || !f) {
		json_decref(arr);
		if (f)
			fclose(f);
		conn_error(c, EXIT_REFUSED, "out of memory");
		return;
	}
	if (!c->req.json)
		fprintf(f, "%-20s %-12s %-12s %8s %8s %10s %10s %-10s %s\n", "ID", "USER",
		        "PROFILE", "PID", "AGE", "CPU", "MEMORY", "STATE", "QUEUED");
	for (struct sandbox *s = d->sandboxes; s; s = s->next) {
		uint64_t cpu = 0, mem = VALUE_MAX,
			 age = (realtime_usec() - s->started) / USEC_PER_SEC;
		const char *state = s->kill_sent   ? "killing"
		                    : s->throttled ? "throttled"
		                                   : "running";
		char a[32], m[32];

		if (!(c->req.all ? c->admin : c->cred.uid == s->user->uid))
			continue;
		if (s->cg) {
			(void)cgroup_read_keyed(s->cg, "cpu.stat", "usage_usec", &cpu);
			if (cgroup_read_u64(s->cg, "memory.current", &mem) < 0)
				mem = VALUE_MAX;
		}
		if (c->req.json) {
			json_t *o = json_pack("{s:s, s:s, s:I, s:s, s:i, s:I, s:f, s:s, s:b}", "id",
			                      s->id, "user", s->user->name, "uid",
			                      (json_int_t)s->user->uid, "profile", s->profile,
			                      "pid", (int)s->pid, "age_s", (json_int_t)age, "cpu_s",
			                      (double)cpu / 1e6, "state", state, "queued", 0);

			if (o && mem != VALUE_MAX)
				json_object_set_new(o, "memory_bytes",
				                    json_integer((json_int_t)mem));
			json_array_append_new(arr, o);
		} else {
			snprintf(a, sizeof(a), "%llu.%02llus",
			         (unsigned long long)(cpu / USEC_PER_SEC),
			         (unsigned long long)(cpu % USEC_PER_SEC / 10000));
			fprintf(f, "%-20s %-12s %-12s %8d %7llus %10s %10s %-10s %s\n", s->id,
			        s->user->name, s->profile, (int)s->pid, (unsigned long long)age, a,
			        mem == VALUE_MAX ? "-" : format_size(mem, m), state, "-");
		}
	}
	for (struct user *u = d->users; u; u = u->next) {
		if (!(c->req.all ? c->admin : c->cred.uid == u->uid))
			continue;
		for (size_t i = 0; i < u->n_queue; i++) {
			struct conn *q = u->queue[i];
			uint64_t age = (monotonic_usec() - q->queued_at) / USEC_PER_SEC;

			if (c->req.json)
				json_array_append_new(
					arr, json_pack("{s:n, s:s, s:I, s:s, s:I, s:s, "
				                       "s:i}",
				                       "id", "user", u->name, "uid",
				                       (json_int_t)u->uid, "profile",
				                       q->req.profile, "age_s", (json_int_t)age,
				                       "state", "queued", "queued", (int)i + 1));
			else
				fprintf(f, "%-20s %-12s %-12s %8s %7llus %10s %10s %-10s %zu\n",
				        "-", u->name, q->req.profile, "-", (unsigned long long)age,
				        "-", "-", "queued", i + 1);
		}
	}
	if (c->req.json) {
		char *s = json_dumps(arr, JSON_INDENT(2));

		if (s) {
			fputs(s, f);
			fputc('\n', f);
			free(s);
		}
	}
	json_decref(arr);
	fclose(f);
	send_text(c, text ? text : "");
	send_end(c, 0);
}

static void request_kill(struct daemon *d, struct conn *c)
{
	struct sandbox *s = sandbox_find(d, c->req.target);
	json_t *ev;

	/* another user's sandbox is as absent as one that does not exist */
	if (!s || !may_see(c, s->user->uid)) {
		conn_error(c, 1, "no such sandbox: %s", c->req.target);
		return;
	}
	stop_sandbox(s, RUN_STOP_ADMIN);
	ev = daemon_event("event", "end", "sandbox-kill-requested", "success", c->user, NULL);
	if (ev) {
		json_object_set_new(event_object(ev, "nbwarden"), "sandbox_id", json_string(s->id));
		json_object_set_new(event_object(ev, "nbwarden"), "owner",
		                    json_string(s->user->name));
	}
	emit(d, ev);
	send_text(c, "");
	send_end(c, 0);
}

static int load_policy(struct daemon *d, struct policy **ret, char **ret_errors_text)
{
	char **errors = NULL;
	int r;

	r = policy_load(d->config->daemon_policy, true, ret, &errors);
	if (r < 0) {
		_cleanup_free_ char *text = NULL;
		size_t len = 0;
		FILE *f = open_memstream(&text, &len);

		if (f) {
			STRV_FOREACH (e, errors)
				fprintf(f, "%s\n", *e);
			if (!errors)
				fprintf(f, "%s: %s\n", d->config->daemon_policy, strerror(-r));
			fclose(f);
		}
		*ret_errors_text = TAKE_PTR(text);
	}
	strv_free(errors);
	return r;
}

static void reresolve_roles(struct daemon *d)
{
	for (struct user *u = d->users; u; u = u->next)
		u->role = policy_find_role(d->policy, u->name, u->groups);
}

static void request_reload(struct daemon *d, struct conn *c)
{
	struct policy *p = NULL;
	_cleanup_free_ char *errors = NULL;
	json_t *ev;
	int r;

	if (!c->admin) {
		deny(d, c, EXIT_DENIED, "admin", "policy.admin",
		     "denied: reload needs an admin role");
		return;
	}
	r = load_policy(d, &p, &errors);
	ev = daemon_event("event", "change", "policy-reload", r < 0 ? "failure" : "success",
	                  c->user, r < 0 ? errors : NULL);
	emit(d, ev);
	if (r < 0) {
		log_error("policy reload refused, keeping the old policy:\n%s",
		          errors ? errors : "");
		conn_error(c, 1, "policy rejected, the old one stays in force:\n%s",
		           errors ? errors : "");
		return;
	}
	policy_free(d->policy);
	d->policy = p;
	reresolve_roles(d);
	for (struct user *u = d->users; u; u = u->next)
		dispatch(d, u);
	log_info("policy reloaded from %s (%zu roles)", d->config->daemon_policy, p->n_roles);
	send_text(c, "policy reloaded\n");
	send_end(c, 0);
}

static void send_event_line(struct conn *c, const char *line)
{
	struct proto_writer w = {0};

	proto_add(&w, "type", "data");
	proto_add(&w, "text", line);
	conn_send(c, &w);
}

static void request_events(struct daemon *d, struct conn *c)
{
	if (!d->config->audit_path) {
		conn_error(c, 1, "the event stream needs the audit log, which is off here");
		return;
	}
	for (size_t i = 0; i < d->ring_n; i++) {
		size_t k = (d->ring_head + EVENT_RING - d->ring_n + i) % EVENT_RING;

		if (may_see(c, d->ring_uid[k]))
			send_event_line(c, d->ring[k]);
	}
	if (!c->req.follow) {
		send_end(c, 0);
		return;
	}
	c->state = CONN_FOLLOW;
	c->deadline = 0;
}

static int metrics_text(struct daemon *d, char **ret)
{
	_cleanup_free_ uid_t *uids = NULL;
	_cleanup_free_ struct metrics_budget *b = NULL;
	_cleanup_free_ char *names = NULL;
	size_t n = 0, queued = 0;
	struct metrics_snapshot snap;
	int r;

	r = ledger_users(d->ledger, realtime_usec(), &uids, &n);
	if (r < 0)
		return r;
	b = calloc(n ? n : 1, sizeof(*b));
	names = calloc(n ? n : 1, 64);
	if (!b || !names)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		struct user *u = user_find(d, uids[i]);
		struct passwd pw, *res = NULL;
		char buf[4096];

		if (u) {
			b[i].user = u->name;
		} else {
			/* charged before a restart, not seen since: the name, else the uid */
			if (getpwuid_r(uids[i], &pw, buf, sizeof(buf), &res) == 0 && res)
				snprintf(names + 64 * i, 64, "%s", res->pw_name);
			else
				snprintf(names + 64 * i, 64, "%u", (unsigned)uids[i]);
			b[i].user = names + 64 * i;
		}
		ledger_usage(d->ledger, uids[i], realtime_usec(), &b[i].cpu_usec, &b[i].io_bytes);
	}
	for (struct user *u = d->users; u; u = u->next)
		queued += u->n_queue;
	snap = (struct metrics_snapshot){.running = d->n_sandboxes,
	                                 .queued = (unsigned)queued,
	                                 .budgets = b,
	                                 .n_budgets = n};
	return metrics_render(d->metrics, &snap, ret);
}

static void request_metrics(struct daemon *d, struct conn *c)
{
	_cleanup_free_ char *text = NULL;
	int r;

	if (!c->admin) {
		deny(d, c, EXIT_DENIED, "admin", "policy.admin",
		     "denied: metrics needs an admin role");
		return;
	}
	r = metrics_text(d, &text);
	if (r < 0) {
		conn_error(c, 1, "cannot render the metrics");
		return;
	}
	send_text(c, text);
	send_end(c, 0);
}

/* ------------------------------------------------------------------------ */
/* requests */

static void handle_request(struct daemon *d, struct conn *c)
{
	_cleanup_free_ char *buf = malloc(PROTO_MAX_MESSAGE + 1);
	_cleanup_free_ char *error = NULL;
	char cbuf[CMSG_SPACE(sizeof(int) * 8)];
	struct iovec iov;
	struct msghdr mh = {.msg_iov = &iov,
	                    .msg_iovlen = 1,
	                    .msg_control = cbuf,
	                    .msg_controllen = sizeof(cbuf)};
	ssize_t n;
	int r;

	if (!buf) {
		conn_free(d, c);
		return;
	}
	iov = (struct iovec){.iov_base = buf, .iov_len = PROTO_MAX_MESSAGE + 1};
	n = recvmsg(c->src.fd, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC | MSG_TRUNC);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		conn_free(d, c);
		return;
	}
	for (struct cmsghdr *cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm)) {
		if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
			continue;
		for (size_t i = 0; i < (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int); i++) {
			int fd;

			memcpy(&fd, CMSG_DATA(cm) + i * sizeof(int), sizeof(int));
			if (c->n_fds < ELEMENTSOF(c->fds))
				c->fds[c->n_fds++] = fd;
			else
				close(fd);
		}
	}
	if ((size_t)n > PROTO_MAX_MESSAGE || (mh.msg_flags & MSG_TRUNC)) {
		(void)metrics_count(d->metrics, METRIC_DENIALS, "malformed", monotonic_usec());
		conn_error(c, EXIT_REFUSED, "request too large (at most %d bytes)",
		           PROTO_MAX_MESSAGE);
		{
			conn_free(d, c);
			return;
		}
	}
	if (mh.msg_flags & MSG_CTRUNC) {
		conn_error(c, EXIT_REFUSED, "malformed request: too many file descriptors");
		{
			conn_free(d, c);
			return;
		}
	}
	r = request_parse(buf, (size_t)n, &c->req, &error);
	if (r < 0 || c->req.op == REQUEST_SIGNAL) {
		(void)metrics_count(d->metrics, METRIC_DENIALS, "malformed", monotonic_usec());
		log_info("malformed request from uid %u (pid %d): %s", (unsigned)c->cred.uid,
		         (int)c->cred.pid, error ? error : "signal before a sandbox");
		conn_error(c, EXIT_REFUSED, "%s", error ? error : "malformed request");
		{
			conn_free(d, c);
			return;
		}
	}
	if (c->req.op != REQUEST_RUN)
		conn_close_fds(c);
	r = user_get(d, c->cred.uid, &c->user);
	if (r < 0 || !c->user->role) {
		struct user nobody = {.uid = c->cred.uid, .name = (char *)"unknown"};

		if (r < 0)
			c->user = &nobody;
		deny(d, c, EXIT_DENIED, "role", "policy.role",
		     "denied: user %s is in no role of the nbwarden policy", c->user->name);
		c->user = NULL;
		{
			conn_free(d, c);
			return;
		}
	}
	c->admin = c->user->role->admin;
	switch (c->req.op) {
	case REQUEST_RUN:
		request_run(d, c);
		if (c->state == CONN_QUEUED)
			return;
		break;
	case REQUEST_PS:
		request_ps(d, c);
		break;
	case REQUEST_KILL:
		request_kill(d, c);
		break;
	case REQUEST_RELOAD:
		request_reload(d, c);
		break;
	case REQUEST_EVENTS:
		request_events(d, c);
		if (c->state == CONN_FOLLOW)
			return;
		break;
	case REQUEST_METRICS:
		request_metrics(d, c);
		break;
	default:
		break;
	}
	conn_free(d, c);
}

static void on_conn(struct daemon *d, struct conn *c, uint32_t events)
{
	switch (c->state) {
	case CONN_NEW:
		handle_request(d, c);
		break;
	case CONN_QUEUED:
	case CONN_FOLLOW:
		/* nothing more is expected: anything readable is a hangup or junk */
		if (events & (EPOLLIN | EPOLLHUP | EPOLLERR | EPOLLRDHUP)) {
			struct user *u = c->state == CONN_QUEUED ? c->user : NULL;

			if (c->state == CONN_QUEUED)
				log_info("queued launch of %s withdrawn (client gone)",
				         c->user->name);
			conn_free(d, c);
			if (u)
				send_queue_positions(d, u);
		}
		break;
	case CONN_HTTP: {
		char buf[4096];
		ssize_t n = recv(c->src.fd, buf, sizeof(buf), MSG_DONTWAIT);
		_cleanup_free_ char *body = NULL, *resp = NULL;
		size_t len = 0;
		char *grown;
		int r;

		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		if (n <= 0) {
			conn_free(d, c);
			return;
		}
		grown = realloc(c->http, c->http_len + (size_t)n);
		if (!grown) {
			conn_free(d, c);
			return;
		}
		c->http = grown;
		memcpy(c->http + c->http_len, buf, (size_t)n);
		c->http_len += (size_t)n;
		if (c->http_len > 16384)
			c->http_len = 16384; /* the answer is 431 by then */
		if (metrics_text(d, &body) < 0) {
			conn_free(d, c);
			return;
		}
		r = metrics_http_answer(c->http, c->http_len, body, &resp, &len);
		if (r == -EAGAIN)
			return;
		if (r >= 0)
			(void)send(c->src.fd, resp, len, MSG_NOSIGNAL | MSG_DONTWAIT);
		conn_free(d, c);
		break;
	}
	}
}

static void accept_conn(struct daemon *d, int lfd, bool http)
{
	for (int i = 0; i < 64; i++) {
		int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
		struct conn *c;
		socklen_t len = sizeof(struct ucred);

		if (fd < 0)
			return;
		if (d->n_conns >= d->config->daemon_max_clients) {
			log_warning("too many clients (%u), refusing one", d->n_conns);
			close(fd);
			continue;
		}
		c = calloc(1, sizeof(*c));
		if (!c) {
			close(fd);
			return;
		}
		c->src = (struct source){.kind = SRC_CONN, .fd = fd};
		c->state = http ? CONN_HTTP : CONN_NEW;
		c->deadline = monotonic_usec() + d->config->daemon_client_timeout;
		if (!http && getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &c->cred, &len) < 0) {
			close(fd);
			free(c);
			continue;
		}
		c->next = d->conns;
		if (d->conns)
			d->conns->prev = c;
		d->conns = c;
		d->n_conns++;
		if (epoll_add(d, &c->src, EPOLLIN | EPOLLRDHUP) < 0)
			conn_free(d, c);
	}
}

/* ------------------------------------------------------------------------ */
/* sandbox ends and adoption */

static void sandbox_free(struct daemon *d, struct sandbox *s)
{
	if (s->prev)
		s->prev->next = s->next;
	else
		d->sandboxes = s->next;
	if (s->next)
		s->next->prev = s->prev;
	d->n_sandboxes--;
	if (s->src.fd >= 0)
		(void)epoll_ctl(d->epfd, EPOLL_CTL_DEL, s->src.fd, NULL);
	safe_close(s->src.fd);
	cgroup_free(s->cg);
	free(s->id);
	free(s->profile);
	free(s);
}

static void sandbox_ended(struct daemon *d, struct sandbox *s)
{
	struct user *u = s->user;
	uint64_t cpu = 0, io = 0;
	int code = -1, status = 0;

	if (s->child && waitpid(s->pid, &status, WNOHANG) == s->pid && WIFEXITED(status))
		code = WEXITSTATUS(status);
	if (exit_record_read(d, s->id, &code, &cpu, &io) >= 0)
		charge(d, s, cpu, io);
	else
		charge_running(d, s); /* gone without a record: what was last seen */
	log_info("sandbox %s of %s ended (exit %d)%s", s->id, u->name, code,
	         s->child ? "" : ", adopted");
	ledger_forget(d->ledger, s->id);
	d->ledger_dirty = true;
	records_remove(d, s->id);
	sandbox_free(d, s);
	save_ledger(d);
	if (u->running > 0)
		u->running--;
	dispatch(d, u);
}

/* The leaf, once the supervisor made it: the daemon reads usage and throttles there. */
static void sandbox_open_cgroup(struct daemon *d, struct sandbox *s)
{
	if (!s->cg)
		(void)cgroup_open(d->cg_mount, d->cg_parent, s->id, &s->cg);
}

static int adopt_one(struct daemon *d, const char *file)
{
	_cleanup_free_ char *path = NULL;
	json_error_t jerr;
	json_t *o;
	const char *id = NULL, *profile = NULL;
	json_int_t uid = -1, pid = 0, pid_start = 0, started = 0;
	struct sandbox *s;
	struct user *u;
	uint64_t now_start = 0;
	int r, pidfd;

	if (asprintf(&path, "%s/%s", d->records, file) < 0)
		return -ENOMEM;
	o = json_load_file(path, 0, &jerr);
	if (!o ||
	    json_unpack(o, "{s:s, s:I, s:s, s:I, s:I, s:I}", "id", &id, "uid", &uid, "profile",
	                &profile, "pid", &pid, "pid_start", &pid_start, "started", &started) < 0 ||
	    !cgroup_id_is_valid(id) || uid < 0 || pid <= 0) {
		log_warning("%s: not a sandbox record, removing it", path);
		json_decref(o);
		(void)unlink(path);
		return 0;
	}
	s = calloc(1, sizeof(*s));
	if (!s) {
		json_decref(o);
		return -ENOMEM;
	}
	s->id = strdup(id);
	s->profile = strdup(profile);
	json_decref(o);
	s->pid = (pid_t)pid;
	s->pid_start = (uint64_t)pid_start;
	s->started = (uint64_t)started;
	s->src = (struct source){.kind = SRC_SANDBOX, .fd = -1};
	r = user_get(d, (uid_t)uid, &u);
	if (!s->id || !s->profile || r < 0) {
		log_warning("sandbox record %s: unknown uid %lld, ignoring", file, (long long)uid);
		free(s->id);
		free(s->profile);
		free(s);
		return 0;
	}
	s->user = u;
	s->next = d->sandboxes;
	if (d->sandboxes)
		d->sandboxes->prev = s;
	d->sandboxes = s;
	d->n_sandboxes++;
	u->running++;
	pidfd = (int)pidfd_open(s->pid, 0);
	if (pidfd < 0 || proc_start_time(s->pid, &now_start) < 0 || now_start != s->pid_start) {
		/* ended while no daemon watched: charge what its supervisor recorded */
		safe_close(pidfd);
		sandbox_ended(d, s);
		return 0;
	}
	s->src.fd = pidfd;
	if (epoll_add(d, &s->src, EPOLLIN) < 0)
		return -errno;
	sandbox_open_cgroup(d, s);
	/* a daemon killed mid-throttle may have left it frozen; budgets decide again */
	if (s->cg)
		(void)cgroup_write(s->cg, "cgroup.freeze", "0");
	log_info("re-adopted sandbox %s of %s (supervisor pid %d)", s->id, u->name, (int)s->pid);
	{
		json_t *ev = daemon_event("event", "info", "sandbox-adopted", "success", u, NULL);

		if (ev)
			json_object_set_new(event_object(ev, "nbwarden"), "sandbox_id",
			                    json_string(s->id));
		emit(d, ev);
	}
	return 0;
}

static int adopt_all(struct daemon *d)
{
	_cleanup_(closedirp) DIR *dir = opendir(d->records);
	struct dirent *de;

	if (!dir)
		return -errno;
	while ((de = readdir(dir))) {
		size_t n = strlen(de->d_name);

		if (n > 5 && streq(de->d_name + n - 5, ".json")) {
			int r = adopt_one(d, de->d_name);

			if (r < 0)
				return r;
		}
	}
	return 0;
}

/* ------------------------------------------------------------------------ */
/* the audit log, followed: the event stream, kill and violation counts */

static void ring_push(struct daemon *d, const char *line, uid_t uid)
{
	char *copy = strdup(line);

	if (!copy)
		return;
	free(d->ring[d->ring_head]);
	d->ring[d->ring_head] = copy;
	d->ring_uid[d->ring_head] = uid;
	d->ring_head = (d->ring_head + 1) % EVENT_RING;
	if (d->ring_n < EVENT_RING)
		d->ring_n++;
}

static void on_event_line(struct daemon *d, const char *line)
{
	json_t *ev = json_loads(line, 0, NULL);
	const char *action, *uid_s, *reason;
	json_t *nbw;
	uint32_t uid = (uint32_t)-1;

	if (!ev)
		return;
	action = json_string_value(json_object_get(json_object_get(ev, "event"), "action"));
	uid_s = json_string_value(json_object_get(json_object_get(ev, "user"), "id"));
	if (uid_s && parse_uint32(uid_s, &uid) < 0)
		uid = (uint32_t)-1;
	nbw = json_object_get(ev, "nbwarden");
	reason = json_string_value(json_object_get(nbw, "reason"));
	if (streq(action, "sandbox-killed")) {
		const char *rule = json_string_value(json_object_get(nbw, "rule"));

		(void)metrics_count(d->metrics, METRIC_KILLS,
		                    rule     ? rule
		                    : reason ? reason
		                             : "unknown",
		                    monotonic_usec());
	} else if (action && json_object_get(nbw, "rule") &&
	           (streq(json_string_value(json_object_get(nbw, "verdict")), "deny") ||
	            streq(json_string_value(json_object_get(nbw, "verdict")), "kill")) &&
	           !streq(action, "launch-denied"))
		(void)metrics_count(d->metrics, METRIC_VIOLATIONS, action, monotonic_usec());
	json_decref(ev);
	ring_push(d, line, (uid_t)uid);
	for (struct conn *c = d->conns; c; c = c->next)
		if (c->state == CONN_FOLLOW && may_see(c, (uid_t)uid))
			send_event_line(c, line);
}

static void tail_open(struct daemon *d, bool at_end)
{
	struct stat st;

	d->tail_fd = safe_close(d->tail_fd);
	d->tail_len = 0;
	d->tail_fd = open(d->config->audit_path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (d->tail_fd < 0 || fstat(d->tail_fd, &st) < 0)
		return;
	d->tail_ino = st.st_ino;
	if (at_end)
		(void)lseek(d->tail_fd, 0, SEEK_END);
}

static void tail_read(struct daemon *d)
{
	struct stat st;

	for (int round = 0; round < 2; round++) {
		for (;;) {
			char *grown;
			ssize_t n;

			if (d->tail_fd < 0)
				break;
			if (d->tail_len + TAIL_CHUNK > MAX_TAIL_LINE + TAIL_CHUNK)
				d->tail_len = 0; /* a line this long is no event of ours */
			grown = realloc(d->tail_buf, d->tail_len + TAIL_CHUNK + 1);
			if (!grown)
				break;
			d->tail_buf = grown;
			n = read(d->tail_fd, d->tail_buf + d->tail_len, TAIL_CHUNK);
			if (n <= 0)
				break;
			d->tail_len += (size_t)n;
			d->tail_buf[d->tail_len] = 0;
			for (;;) {
				char *nl = memchr(d->tail_buf, '\n', d->tail_len);
				size_t used;

				if (!nl)
					break;
				*nl = 0;
				on_event_line(d, d->tail_buf);
				used = (size_t)(nl - d->tail_buf) + 1;
				memmove(d->tail_buf, nl + 1, d->tail_len - used);
				d->tail_len -= used;
			}
		}
		/* rotated: the old file is read to its end, the new one from its start */
		if (d->tail_fd >= 0 &&
		    (stat(d->config->audit_path, &st) < 0 || st.st_ino == d->tail_ino))
			break;
		tail_open(d, false);
	}
}

static void on_inotify(struct daemon *d)
{
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));

	while (read(d->inotify.fd, buf, sizeof(buf)) > 0)
		;
	tail_read(d);
}

/* ------------------------------------------------------------------------ */
/* the tick */

static void check_alerts(struct daemon *d)
{
	uint64_t v[_ALERT_KIND_MAX] = {0};
	unsigned fired = metrics_check_alerts(d->metrics, monotonic_usec(), v);

	for (int k = 0; k < _ALERT_KIND_MAX; k++) {
		char msg[200];
		json_t *ev;

		if (!(fired & (1u << k)))
			continue;
		if (k == ALERT_KILLS_PER_MINUTE)
			snprintf(msg, sizeof(msg),
			         "%llu sandboxes killed in the last minute (alert above %u)",
			         (unsigned long long)v[k],
			         d->config->daemon_alert_kills_per_minute);
		else
			snprintf(msg, sizeof(msg),
			         "p95 queue wait %.1f s over the last 5 minutes (alert above %.1f "
			         "s)",
			         (double)v[k] / 1e6,
			         (double)d->config->daemon_alert_queue_p95 / 1e6);
		log_warning("alert: %s", msg);
		ev = daemon_event("alert", "info", "alert", "success", NULL, msg);
		if (ev) {
			json_object_set_new(event_object(ev, "nbwarden"), "alert",
			                    json_pack("{s:s, s:I}", "name",
			                              alert_kind_to_string((enum alert_kind)k),
			                              "value", (json_int_t)v[k]));
			event_set_rule(ev,
			               k == ALERT_KILLS_PER_MINUTE ? "daemon.alert_kills_per_minute"
			                                           : "daemon.alert_queue_p95",
			               "alert");
		}
		emit(d, ev);
	}
}

static void on_tick(struct daemon *d)
{
	uint64_t expirations, now = monotonic_usec();

	(void)read(d->tick.fd, &expirations, sizeof(expirations));
	d->ticks++;
	/* timeouts: requests not sent in time, launches queued too long */
	for (struct conn *c = d->conns, *next; c; c = next) {
		next = c->next;
		if (c->deadline == 0 || now < c->deadline)
			continue;
		if (c->state == CONN_QUEUED) {
			struct user *u = c->user;
			char b[32];

			(void)metrics_queue_wait(d->metrics, now - c->queued_at, now);
			deny(d, c, EXIT_TEMPFAIL, "queue_timeout", "policy.queue_timeout",
			     "queue timeout: no free slot within %s (%u of %u kernels running)",
			     format_duration(u->role ? u->role->queue_timeout : 0, b), u->running,
			     u->role ? u->role->max_concurrent : 0);
			conn_free(d, c);
			send_queue_positions(d, u);
		} else if (c->state == CONN_NEW || c->state == CONN_HTTP) {
			char b;

			/* a request that arrived while we were busy is no slow client */
			if (c->state == CONN_NEW &&
			    recv(c->src.fd, &b, 1, MSG_PEEK | MSG_DONTWAIT) > 0) {
				handle_request(d, c);
				continue;
			}
			if (c->state == CONN_NEW)
				conn_error(c, EXIT_REFUSED, "request timeout");
			conn_free(d, c);
		}
	}
	throttle_duty_cycle(d);
	if (d->ticks % CHARGE_TICKS == 0) {
		for (struct sandbox *s = d->sandboxes; s; s = s->next) {
			sandbox_open_cgroup(d, s);
			charge_running(d, s);
		}
		enforce_budgets(d);
		check_alerts(d);
		tail_read(d);
	}
	if (d->ticks % SAVE_TICKS == 0)
		save_ledger(d);
	events_tick(d->ev);
}

/* ------------------------------------------------------------------------ */
/* set-up */

static int listen_unix(const char *path, int type, int *ret)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	_cleanup_close_ int fd = -1;

	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, type | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	(void)unlink(path);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return -errno;
	/* everyone may connect; the policy decides who may do what */
	if (chmod(path, 0666) < 0 || listen(fd, 128) < 0)
		return -errno;
	*ret = TAKE_FD(fd);
	return 0;
}

static int listen_metrics(const char *spec, int *ret)
{
	struct sockaddr_storage ss;
	_cleanup_close_ int fd = -1;
	int one = 1, r;

	if (spec[0] == '/')
		return listen_unix(spec, SOCK_STREAM, ret);
	r = config_parse_loopback(spec, &ss);
	if (r < 0)
		return r;
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss,
	         ss.ss_family == AF_INET ? sizeof(struct sockaddr_in)
	                                 : sizeof(struct sockaddr_in6)) < 0 ||
	    listen(fd, 64) < 0)
		return -errno;
	*ret = TAKE_FD(fd);
	return 0;
}

static int mkdir_p(const char *path, mode_t mode)
{
	_cleanup_free_ char *copy = strdup(path);

	if (!copy)
		return -ENOMEM;
	for (char *p = copy + 1; *p; p++)
		if (*p == '/') {
			*p = 0;
			if (mkdir(copy, 0755) < 0 && errno != EEXIST)
				return -errno;
			*p = '/';
		}
	if (mkdir(copy, mode) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

/* Our own cgroup2 path, from /proc/self/cgroup's "0::" line. */
static int own_cgroup(char **ret)
{
	_cleanup_fclose_ FILE *f = fopen("/proc/self/cgroup", "re");
	char line[4096];

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f))
		if (strncmp(line, "0::", 3) == 0) {
			line[strcspn(line, "\n")] = 0;
			*ret = strdup(line + 3);
			return *ret ? 0 : -ENOMEM;
		}
	return -ENOENT;
}

/*
 * Where sandboxes go. "delegated" (systemd's Delegate=yes): our own cgroup
 * is ours to manage, so we move into OWN/daemon (no processes in inner
 * nodes) and sandboxes go below OWN/sandboxes.
 */
static int setup_cgroups(struct daemon *d)
{
	_cleanup_free_ char *own = NULL, *procs = NULL, *leaf = NULL, *parent_abs = NULL;
	char pid[16];
	int r;

	r = cgroup_find_mount(&d->cg_mount);
	if (r < 0)
		return log_error_errno(r, "cannot find the cgroup2 hierarchy: %m");
	if (d->config->daemon_cgroup_parent) {
		d->cg_parent = strdup(d->config->daemon_cgroup_parent);
		if (!d->cg_parent)
			return log_oom();
	} else {
		r = own_cgroup(&own);
		if (r < 0)
			return log_error_errno(r, "cannot read our own cgroup: %m");
		if (streq(own, "/"))
			return log_error_errno(-EPERM,
			                       "cgroup_parent = delegated, but we run in the root "
			                       "cgroup: start the daemon from its systemd unit "
			                       "(Delegate=yes) or set cgroup_parent in %s",
			                       d->config_path);
		if (asprintf(&leaf, "%s%s/daemon", d->cg_mount, own) < 0 ||
		    asprintf(&d->cg_parent, "%s/sandboxes", own + 1) < 0)
			return log_oom();
		if (mkdir(leaf, 0755) < 0 && errno != EEXIST)
			return log_error_errno(-errno, "cannot create %s: %m", leaf);
		if (asprintf(&procs, "%s/cgroup.procs", leaf) < 0)
			return log_oom();
		snprintf(pid, sizeof(pid), "%d", (int)getpid());
		{
			_cleanup_close_ int fd = open(procs, O_WRONLY | O_CLOEXEC);

			if (fd < 0 || write(fd, pid, strlen(pid)) < 0)
				return log_error_errno(-errno, "cannot move into %s: %m", leaf);
		}
	}
	parent_abs = path_join(d->cg_mount, d->cg_parent);
	if (!parent_abs)
		return log_oom();
	r = mkdir_p(parent_abs, 0755);
	if (r < 0)
		return log_error_errno(r, "cannot create the sandbox cgroup parent %s: %m",
		                       parent_abs);
	/* throttling uses cpu.max where the hierarchy has the cpu controller */
	{
		_cleanup_free_ char *ctl = path_join(parent_abs, "cgroup.subtree_control");
		_cleanup_close_ int fd = ctl ? open(ctl, O_WRONLY | O_CLOEXEC) : -1;

		if (fd >= 0 && write(fd, "+cpu", 4) < 0)
			log_debug_errno(-errno, "no cpu controller below %s: throttling freezes",
			                parent_abs);
	}
	return 0;
}

static int setup(struct daemon *d)
{
	_cleanup_free_ char *error = NULL, *perrors = NULL;
	struct events_context ectx = {0};
	char **errors = NULL;
	sigset_t mask;
	struct rlimit rl;
	struct itimerspec its = {.it_interval.tv_nsec = (long)TICK_USEC * 1000,
	                         .it_value.tv_nsec = (long)TICK_USEC * 1000};
	int r, fd;

	r = config_load(d->config_path, true, true, &d->config, &errors);
	if (r < 0) {
		STRV_FOREACH (e, errors)
			log_error("%s", *e);
		strv_free(errors);
		return log_error_errno(r, "cannot load the configuration %s", d->config_path);
	}
	r = load_policy(d, &d->policy, &perrors);
	if (r < 0) {
		log_error("%s", perrors ? perrors : "");
		return log_error_errno(r, "cannot load the policy %s", d->config->daemon_policy);
	}
	/* 500 sandboxes want well over a thousand descriptors */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		(void)setrlimit(RLIMIT_NOFILE, &rl);
	}
	r = events_open(NULL, &ectx, &d->ev);
	if (r < 0)
		return log_error_errno(r, "cannot set up events: %m");
	r = events_attach_audit(d->ev, d->config, &error);
	if (r < 0)
		return log_error_errno(r, "cannot set up the audit log: %s",
		                       error ? error : strerror(-r));
	r = mkdir_p(d->config->daemon_state_dir, 0700);
	if (r < 0)
		return log_error_errno(r, "cannot create %s: %m", d->config->daemon_state_dir);
	d->state_dirfd =
		open(d->config->daemon_state_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (d->state_dirfd < 0)
		return log_error_errno(-errno, "cannot open %s: %m", d->config->daemon_state_dir);
	free(error);
	error = NULL;
	r = ledger_load(d->state_dirfd, &d->ledger, &error);
	if (r < 0)
		return log_error_errno(r,
		                       "cannot load the budget ledger: %s (refusing to start "
		                       "rather than forget what was spent; fix or move the file)",
		                       error ? error : strerror(-r));
	r = ratelimit_new(&d->rl);
	if (r >= 0)
		r = metrics_new(d->config->daemon_alert_kills_per_minute,
		                d->config->daemon_alert_queue_p95, &d->metrics);
	if (r < 0)
		return log_oom();
	if (asprintf(&d->records, "%s/sandboxes", d->config->daemon_run_dir) < 0)
		return log_oom();
	r = mkdir_p(d->records, 0700);
	if (r < 0)
		return log_error_errno(r, "cannot create %s: %m", d->records);
	r = setup_cgroups(d);
	if (r < 0)
		return r;

	d->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (d->epfd < 0)
		return log_error_errno(-errno, "epoll: %m");
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGCHLD);
	signal(SIGPIPE, SIG_IGN);
	if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0)
		return log_error_errno(-errno, "sigprocmask: %m");
	fd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	d->signal = (struct source){.kind = SRC_SIGNAL, .fd = fd};
	fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	d->tick = (struct source){.kind = SRC_TICK, .fd = fd};
	if (d->signal.fd < 0 || d->tick.fd < 0 || timerfd_settime(d->tick.fd, 0, &its, NULL) < 0 ||
	    epoll_add(d, &d->signal, EPOLLIN) < 0 || epoll_add(d, &d->tick, EPOLLIN) < 0)
		return log_error_errno(-errno, "cannot set up signals and timers: %m");

	/* re-adopt before listening: the running counts must be right for the first caller */
	r = adopt_all(d);
	if (r < 0)
		return log_error_errno(r, "cannot re-adopt running sandboxes from %s: %m",
		                       d->records);
	if (d->config->audit_path) {
		_cleanup_free_ char *dir = strdup(d->config->audit_path);

		fd = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
		d->inotify = (struct source){.kind = SRC_INOTIFY, .fd = fd};
		if (!dir || fd < 0 ||
		    inotify_add_watch(fd, dirname(dir), IN_MODIFY | IN_CREATE | IN_MOVED_TO) < 0 ||
		    epoll_add(d, &d->inotify, EPOLLIN) < 0)
			return log_error_errno(-errno, "cannot watch the audit log: %m");
		tail_open(d, true);
	}
	r = listen_unix(d->config->daemon_socket, SOCK_SEQPACKET, &fd);
	if (r < 0)
		return log_error_errno(r, "cannot listen on %s: %m", d->config->daemon_socket);
	d->listen = (struct source){.kind = SRC_LISTEN, .fd = fd};
	if (epoll_add(d, &d->listen, EPOLLIN) < 0)
		return log_error_errno(-errno, "epoll: %m");
	if (d->config->daemon_metrics_listen) {
		r = listen_metrics(d->config->daemon_metrics_listen, &fd);
		if (r < 0)
			return log_error_errno(r, "cannot listen for metrics on %s: %m",
			                       d->config->daemon_metrics_listen);
		d->metrics_listen = (struct source){.kind = SRC_METRICS_LISTEN, .fd = fd};
		if (epoll_add(d, &d->metrics_listen, EPOLLIN) < 0)
			return log_error_errno(-errno, "epoll: %m");
	}
	return 0;
}

static void on_signal(struct daemon *d)
{
	struct signalfd_siginfo si;

	while (read(d->signal.fd, &si, sizeof(si)) == sizeof(si)) {
		if (si.ssi_signo == SIGTERM || si.ssi_signo == SIGINT) {
			d->stop = true;
		} else if (si.ssi_signo == SIGHUP) {
			struct policy *p = NULL;
			_cleanup_free_ char *errors = NULL;

			if (load_policy(d, &p, &errors) < 0) {
				log_error("SIGHUP: policy rejected, keeping the old one:\n%s",
				          errors ? errors : "");
				emit(d, daemon_event("event", "change", "policy-reload", "failure",
				                     NULL, errors));
				continue;
			}
			emit(d, daemon_event("event", "change", "policy-reload", "success", NULL,
			                     "reloaded on SIGHUP"));
			policy_free(d->policy);
			d->policy = p;
			reresolve_roles(d);
			for (struct user *u = d->users; u; u = u->next)
				dispatch(d, u);
			log_info("SIGHUP: policy reloaded");
		}
		/* SIGCHLD: each supervisor's pidfd tells of its end */
	}
}

static void teardown(struct daemon *d)
{
	while (d->conns)
		conn_free(d, d->conns);
	/* running sandboxes stay: their supervisors do not need us */
	while (d->sandboxes) {
		struct sandbox *s = d->sandboxes;

		/* a throttle needs its daemon: lifted now, applied again by the next one */
		if (s->throttled && s->use_cpu_max && s->cg)
			(void)cgroup_write(s->cg, "cpu.max", s->cpu_max);
		if (s->frozen && s->cg)
			(void)cgroup_write(s->cg, "cgroup.freeze", "0");
		sandbox_free(d, s);
	}
	for (struct user *u = d->users, *next; u; u = next) {
		next = u->next;
		free(u->name);
		strv_free(u->groups);
		free(u->queue);
		free(u);
	}
	for (size_t i = 0; i < EVENT_RING; i++)
		free(d->ring[i]);
	free(d->tail_buf);
	safe_close(d->tail_fd);
	safe_close(d->listen.fd);
	safe_close(d->metrics_listen.fd);
	safe_close(d->signal.fd);
	safe_close(d->tick.fd);
	safe_close(d->inotify.fd);
	safe_close(d->epfd);
	safe_close(d->state_dirfd);
	ledger_free(d->ledger);
	ratelimit_free(d->rl);
	metrics_free(d->metrics);
	policy_free(d->policy);
	events_close(d->ev);
	config_free(d->config);
	free(d->cg_mount);
	free(d->cg_parent);
	free(d->records);
}

int daemon_main(const char *config_path)
{
	struct daemon d = {
		.config_path = config_path ? config_path : CONFIG_DEFAULT_PATH,
		.epfd = -1,
		.state_dirfd = -1,
		.tail_fd = -1,
		.listen.fd = -1,
		.metrics_listen.fd = -1,
		.signal.fd = -1,
		.tick.fd = -1,
		.inotify.fd = -1,
	};
	int r, code = 1;

	if (geteuid() != 0) {
		log_error("nbwarden daemon must run as root");
		return 1;
	}
	r = setup(&d);
	if (r < 0)
		goto out;
	emit(&d, daemon_event("event", "start", "daemon-start", "success", NULL, NULL));
	log_info("listening on %s; sandboxes below %s/%s; %u re-adopted", d.config->daemon_socket,
	         d.cg_mount, d.cg_parent, d.n_sandboxes);
	while (!d.stop) {
		struct epoll_event evs[64];
		int n = epoll_wait(d.epfd, evs, ELEMENTSOF(evs), -1);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			log_error_errno(-errno, "epoll_wait: %m");
			goto out;
		}
		for (int i = 0; i < n; i++) {
			struct source *src = evs[i].data.ptr;
			enum source_kind kind = src->kind; /* src may be freed below */

			switch (kind) {
			case SRC_LISTEN:
				accept_conn(&d, src->fd, false);
				break;
			case SRC_METRICS_LISTEN:
				accept_conn(&d, src->fd, true);
				break;
			case SRC_SIGNAL:
				on_signal(&d);
				break;
			case SRC_TICK:
				on_tick(&d);
				break;
			case SRC_INOTIFY:
				on_inotify(&d);
				break;
			case SRC_CONN:
				on_conn(&d, (struct conn *)src, evs[i].events);
				break;
			case SRC_SANDBOX:
				sandbox_ended(&d, (struct sandbox *)src);
				break;
			}
			/* a connection freed above may be named later in evs: stop the batch */
			if (kind == SRC_CONN || kind == SRC_SANDBOX || kind == SRC_TICK ||
			    kind == SRC_SIGNAL)
				break;
		}
	}
	code = 0;
out:
	if (d.ledger) {
		for (struct sandbox *s = d.sandboxes; s; s = s->next)
			charge_running(&d, s);
		d.ledger_dirty = true;
		save_ledger(&d);
	}
	if (d.ev)
		emit(&d, daemon_event("event", "end", "daemon-stop",
		                      code == 0 ? "success" : "failure", NULL, NULL));
	if (d.config && d.listen.fd >= 0)
		(void)unlink(d.config->daemon_socket);
	teardown(&d);
	return code;
}
