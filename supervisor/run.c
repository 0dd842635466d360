// SPDX-License-Identifier: GPL-2.0-or-later
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/pidfd.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <bpf/libbpf.h>

#include "cgroup.h"
#include "cleanup.h"
#include "config.h"
#include "env.h"
#include "events.h"
#include "guard.h"
#include "jupyter.h"
#include "log.h"
#include "netns.h"
#include "proto.h"
#include "repeats.h"
#include "run.h"
#include "sandbox.h"
#include "strikes.h"
#include "sys.h"
#include "util.h"

extern char **environ;

/* Signals a caller may send us; each reaches the command exactly once. */
static const int forwarded_signals[] = {SIGINT,  SIGTERM, SIGHUP,   SIGQUIT,
                                        SIGUSR1, SIGUSR2, SIGWINCH, SIGCONT};

/* Budget checks (cpu_time, io_bytes, runaway) and suppression summaries, per tick. */
#define TICK_USEC        (100 * USEC_PER_MSEC) /* with a CPU-time or IO budget */
#define TICK_IDLE_USEC   USEC_PER_SEC          /* the longest tick */
#define SUMMARY_USEC     (60 * USEC_PER_SEC)   /* suppression summaries: once a minute */
#define RUNAWAY_BUSY     900                   /* per mille of one CPU that counts as "busy" */
#define SWEEP_INTERVAL_S 1 /* vanished sandboxes' eBPF entries: swept at most this often */

struct supervisor {
	const struct run_options *o;
	struct sandbox_plan *plan;
	struct cgroup *cg;
	struct events *ev;
	int init_pidfd;
	int sock;
	int sigfd;
	int timerfd;
	int parent_pidfd;
	int listener;
	/* outcome */
	bool exited; /* got SANDBOX_MSG_EXITED */
	int status;  /* the command's wait status */
	bool started;
	pid_t init_pid;   /* host pid of the sandbox's init */
	pid_t cmd_pid;    /* the command, as the host sees it (0 if unknown) */
	pid_t cmd_ns_pid; /* the command, inside the sandbox */
	int setup_error;  /* errno from SANDBOX_MSG_SETUP_FAILED */
	char setup_what[256];
	int exec_error;
	char *kill_reason;     /* set when we killed the sandbox */
	const char *kill_rule; /* and the rule it was for */
	char **skipped_limits; /* limits the host could not enforce (best-effort) */
	char **unresolved;     /* [network] allow hostnames that did not resolve */
	struct repeats repeats;
	/* the eBPF layer */
	struct guard *guard;
	struct guard_plan gplan;
	bool installed;
	int ring_fd;
	struct ring_buffer *ring;
	int64_t boot_to_real_ns;
	bool pending_exec_kill; /* a refused exec before the command was known to run */
	struct nbw_event pending;
	/* budgets */
	int tickfd;
	uint64_t ticks;
	uint64_t tick_usec;
	uint64_t last_usage, last_stall, last_usage_at, busy_usec;
	uint64_t prev_tick_busy, prev_tick_wall; /* the tick before: runaway's window */
	bool show_stats;
	/* daemon mode */
	int client_fd;
	char *client_message; /* what the client prints before exiting */
};

void run_options_init(struct run_options *o)
{
	*o = (struct run_options){
		.profile = "default",
		.client_fd = -1,
		.stdio = {-1, -1, -1},
		.events_fd = -1,
	};
}

static bool daemon_mode(const struct supervisor *s)
{
	return s->o->client_fd >= 0;
}

/* Daemon mode: one message to the client; it may be gone, which the loop notices. */
static void send_client(struct supervisor *s, struct proto_writer *w)
{
	_cleanup_free_ char *buf = NULL;
	size_t len;

	if (proto_finish(w, &buf, &len) < 0 || s->client_fd < 0)
		return;
	if (send(s->client_fd, buf, len, MSG_NOSIGNAL | MSG_DONTWAIT) < 0)
		log_debug_errno(-errno, "cannot send to the client: %m");
}

/* ------------------------------------------------------------------------ */
/* preparation */

static void print_errors(char **errors)
{
	STRV_FOREACH (e, errors)
		log_error("%s", *e);
}

/* The block device whose bandwidth io_read/io_write limit, as "MAJ:MIN" of the whole disk. */
static int io_device_number(const char *device, char buf[static 32], char **ret_error)
{
	struct stat st;
	unsigned maj, min;
	char sysdev[64], link[4096];

	if (device) {
		if (stat(device, &st) < 0 || !S_ISBLK(st.st_mode)) {
			if (asprintf(ret_error, "io_device '%s' is not a block device", device) < 0)
				*ret_error = NULL;
			return -EINVAL;
		}
		maj = major(st.st_rdev);
		min = minor(st.st_rdev);
	} else {
		if (stat("/", &st) < 0)
			return -errno;
		maj = major(st.st_dev);
		min = minor(st.st_dev);
	}
	/* io.max wants the disk, not a partition: climb from /sys/dev/block/M:m if needed */
	snprintf(sysdev, sizeof(sysdev), "/sys/dev/block/%u:%u/partition", maj, min);
	if (access(sysdev, F_OK) == 0) {
		_cleanup_fclose_ FILE *f = NULL;

		snprintf(sysdev, sizeof(sysdev), "/sys/dev/block/%u:%u/../dev", maj, min);
		f = fopen(sysdev, "re");
		if (!f || fscanf(f, "%u:%u", &maj, &min) != 2) {
			if (asprintf(ret_error, "cannot find the disk holding partition %u:%u", maj,
			             min) < 0)
				*ret_error = NULL;
			return -ENODEV;
		}
	}
	snprintf(sysdev, sizeof(sysdev), "/sys/dev/block/%u:%u", maj, min);
	if (readlink(sysdev, link, sizeof(link)) < 0) {
		if (asprintf(ret_error,
		             "io limits need a block device, but %u:%u (the %s) is not one", maj,
		             min, device ? "io_device" : "filesystem holding /") < 0)
			*ret_error = NULL;
		return -ENODEV;
	}
	snprintf(buf, 32, "%u:%u", maj, min);
	return 0;
}

/* [exec] allow: every entry must be reachable without symlinks; missing ones grant nothing. */
static int check_exec_allow(const struct profile *p)
{
	for (size_t i = 0; i < p->exec_allow.n; i++) {
		const struct item *it = &p->exec_allow.items[i];
		_cleanup_close_ int fd = -1;

		fd = sys_openat2(AT_FDCWD, it->value, O_PATH | O_CLOEXEC, 0,
		                 RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS);
		if (fd >= 0)
			continue;
		if (errno == ENOENT) {
			log_warning("%s:%u: [exec] allow '%s' does not exist, ignoring",
			            it->origin.file, it->origin.line, it->value);
			continue;
		}
		if (errno == ELOOP) {
			_cleanup_free_ char *real = realpath(it->value, NULL);

			log_error("%s:%u: [exec] allow '%s' goes through a symlink; name the real "
			          "file%s%s",
			          it->origin.file, it->origin.line, it->value, real ? ": " : "",
			          real ? real : "");
			return -ELOOP;
		}
		return log_error_errno(-errno, "%s:%u: [exec] allow '%s': %m", it->origin.file,
		                       it->origin.line, it->value);
	}
	return 0;
}

static int landlock_compile(struct sandbox_plan *plan)
{
	const struct profile *p = plan->profile;
	static const char *const dev_writable[] = {"/dev/null", "/dev/zero", "/dev/full",
	                                           "/dev/tty", "/dev/pts"};
	uint64_t write;
	int abi, r;

	abi = landlock_probe_abi();
	if (abi < 0)
		return log_error_errno(abi, "Landlock is not available on this kernel (it must be "
		                            "built in and listed in lsm=): the [exec] allow-list "
		                            "cannot be enforced, refusing to launch");
	r = landlock_plan_init(&plan->landlock, abi);
	if (r < 0)
		return log_error_errno(r, "Landlock ABI %d is too old: %m", abi);
	if (abi < 6)
		log_debug("Landlock ABI %d: no signal/abstract-socket scoping, namespaces cover it",
		          abi);
	write = landlock_write_access(abi);
	for (size_t i = 0; i < p->exec_allow.n; i++) {
		r = landlock_plan_add(&plan->landlock, p->exec_allow.items[i].value,
		                      LANDLOCK_ACCESS_FS_EXECUTE, true);
		if (r < 0)
			return log_error_errno(r, "cannot build the Landlock plan: %m");
	}
	for (size_t i = 0; i < plan->mounts.n_ops; i++) {
		const struct mount_op *op = &plan->mounts.ops[i];

		if (op->type != MOUNT_OP_BIND_RW && op->type != MOUNT_OP_TMPFS &&
		    !(op->type == MOUNT_OP_FILE && !op->into_tmpfs))
			continue;
		r = landlock_plan_add(&plan->landlock, op->target, write, false);
		if (r < 0)
			return log_error_errno(r, "cannot build the Landlock plan: %m");
	}
	for (size_t i = 0; i < ELEMENTSOF(dev_writable); i++) {
		r = landlock_plan_add(&plan->landlock, dev_writable[i],
		                      LANDLOCK_ACCESS_FS_WRITE_FILE, true);
		if (r < 0)
			return log_error_errno(r, "cannot build the Landlock plan: %m");
	}
	return 0;
}

#ifndef NBW_RUNTIME_DIR
#define NBW_RUNTIME_DIR "/run/nbwarden"
#endif

/*
 * Where compiled seccomp programs are cached: NBW_RUNTIME_DIR/seccomp, created
 * root-only. Without it (no /run), every launch compiles.
 */
static const char *seccomp_cache_dir(void)
{
	const char *dir = NBW_RUNTIME_DIR "/seccomp";

	if (mkdir(NBW_RUNTIME_DIR, 0755) < 0 && errno != EEXIST)
		return NULL;
	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		return NULL;
	return dir;
}

/*
 * [jupyter] connection_file: the file the command names, read as the caller
 * (in daemon mode the sandbox's user, else whoever ran nbwarden), checked,
 * and copied into the sandbox at the same path, in a private directory (docs/jupyter.md).
 */
/*
 * The channel of the connection file's port that a program on this host
 * already listens on (any address), or -1. The supervisor is in the host's
 * network namespace, where the kernel with mode = host will be.
 */
static int connection_port_in_use(const struct jupyter_connection *conn)
{
	static const char *const files[] = {"/proc/net/tcp", "/proc/net/tcp6"};

	for (size_t i = 0; i < ELEMENTSOF(files); i++) {
		_cleanup_fclose_ FILE *f = fopen(files[i], "re");
		_cleanup_free_ char *line = NULL;
		size_t cap = 0;

		if (!f)
			continue; /* no IPv6 */
		while (getline(&line, &cap, f) > 0) {
			int port = jupyter_proc_net_listen_port(line);

			for (int ch = 0; port > 0 && ch < _JUPYTER_CHANNEL_MAX; ch++)
				if (conn->ports[ch] == port)
					return ch;
		}
	}
	return -1;
}

static int connection_file_compile(const struct run_options *o, struct sandbox_plan *plan)
{
	const struct profile *p = plan->profile;
	const char *opt = p->jupyter_connection_file, *path = NULL;
	_cleanup_free_ char *canon = NULL, *data = NULL, *error = NULL;
	struct jupyter_connection conn;
	bool daemon = o->client_fd >= 0;
	size_t len;
	int r;

	if (!opt)
		return 0;
	/* every refusal below is about the file the caller named: the caller is told */
	plan->refusal_for_caller = true;
	r = jupyter_find_connection_file(plan->argv, opt, &path);
	if (r < 0)
		return log_error_errno(-EINVAL,
		                       "profile '%s' starts Jupyter kernels: the command must name "
		                       "the connection file as '%s PATH'%s",
		                       p->name, opt, r == -EINVAL ? " (the path is missing)" : "");
	if (path[0] != '/' || path_canonicalize(path, &canon) < 0)
		return log_error_errno(-EINVAL,
		                       "the connection file '%s' must be an absolute path without "
		                       "'..' (Jupyter passes one)",
		                       path);
	r = read_file_as(daemon ? plan->ident.uid : getuid(), daemon ? plan->ident.gid : getgid(),
	                 canon, JUPYTER_MAX_CONNECTION_FILE, &data, &len);
	if (r < 0)
		return log_error_errno(r, "cannot read the connection file '%s': %s", canon,
		                       r == -EINVAL  ? "not a regular file"
		                       : r == -EFBIG ? "too large"
		                                     : strerror(-r));
	r = jupyter_connection_parse(data, len, &conn, &error);
	if (r < 0)
		return log_error_errno(r, "the connection file '%s' is not usable: %s", canon,
		                       error ? error : strerror(-r));
	if (!conn.loopback && p->net_bind == NET_BIND_LOOPBACK)
		return log_error_errno(
			-EPERM,
			"the connection file '%s' asks the kernel to listen on %s, but "
			"profile '%s' allows listening on loopback only",
			canon, conn.ip, p->name);
	r = mount_plan_add_file(&plan->mounts, canon, data, len, plan->ident.uid, plan->ident.gid,
	                        &error);
	if (r < 0)
		return log_error_errno(r, "connection file '%s': %s", canon,
		                       error ? error : strerror(-r));
	/*
	 * The kernel may reach its own ports (ipykernel connects to its shell
	 * port). The caller wrote the file: its ports must be free, or the rules
	 * would open a way to whatever listens there.
	 */
	if (p->net_mode == NET_MODE_HOST) {
		int ch = connection_port_in_use(&conn);
		char **rules = NULL;

		if (ch >= 0)
			return log_error_errno(
				-EADDRINUSE,
				"the connection file '%s' names port %u (%s), on which "
				"a program of this host already listens; Jupyter "
				"picks free ports",
				canon, conn.ports[ch], jupyter_channel_key(ch));

		r = jupyter_connection_allow_rules(&conn, &rules);
		if (r < 0)
			return log_oom();
		STRV_FOREACH (rule, rules) {
			r = profile_add_net_rule(plan->profile, *rule, "[jupyter] connection_file");
			if (r < 0) {
				log_error_errno(r, "the connection file '%s': cannot allow '%s'",
				                canon, *rule);
				break;
			}
		}
		strv_free(rules);
	}
	if (r >= 0)
		plan->refusal_for_caller = false;
	return r < 0 ? r : 0;
}

#define STRIKES_DIR NBW_RUNTIME_DIR "/strikes"

/* A policy kill is a strike against this kernel; an exit on its own clears them. */
static void record_strike(struct supervisor *s)
{
	const struct profile *p = s->plan->profile;
	int r = 0;

	if (p->relaunch_strikes == VALUE_MAX || !s->plan->strikes_name[0])
		return;
	if (!s->kill_rule)
		r = strikes_clear(STRIKES_DIR, s->plan->strikes_name);
	else if (strikes_rule_counts(s->kill_rule))
		r = strikes_add(STRIKES_DIR, s->plan->strikes_name, s->kill_rule, realtime_usec(),
		                p->relaunch_cooldown * STRIKES_FORGET_FACTOR);
	if (r < 0)
		log_warning_errno(r, "cannot record the relaunch strikes: %m, ignoring");
}

/* After relaunch_strikes policy kills in a row, this kernel waits out relaunch_cooldown. */
static int relaunch_check(struct sandbox_plan *plan)
{
	const struct profile *p = plan->profile;
	_cleanup_free_ char *key = NULL;
	struct strikes st;
	const char *path = NULL;
	uint64_t wait;
	int r;

	/* the same kernel: its connection file, or else its command line */
	if (p->jupyter_connection_file &&
	    jupyter_find_connection_file(plan->argv, p->jupyter_connection_file, &path) >= 0)
		key = strdup(path);
	else
		key = strv_join(plan->argv, "\x1f");
	if (!key)
		return log_oom();
	strikes_name(plan->ident.uid, p->name, key, plan->strikes_name);
	if (p->relaunch_strikes == VALUE_MAX)
		return 0;
	r = strikes_load(STRIKES_DIR, plan->strikes_name, &st);
	if (r < 0) {
		log_warning_errno(r, "cannot read the relaunch strikes: %m, ignoring");
		return 0;
	}
	wait = strikes_wait(&st, realtime_usec(), p->relaunch_strikes, p->relaunch_cooldown);
	if (wait == 0)
		return 0;
	plan->relaunch_refused = true;
	plan->refusal_for_caller = true;
	return log_error_errno(-EAGAIN,
	                       "refused: this kernel was killed by policy %llu times in a row "
	                       "(last: %s); it may be started again in %llu s",
	                       (unsigned long long)st.count, st.rule, (unsigned long long)wait);
}

static int prepare(const struct run_options *o, struct sandbox_plan *plan, struct cgroup **ret_cg,
                   char ***ret_skipped)
{
	_cleanup_free_ char *error = NULL, *mount = NULL, *parent = NULL;
	char **errors = NULL;
	const char *search_dirs[8];
	struct profile_search search = {search_dirs};
	struct cgroup_settings settings;
	char devnum[32];
	const char *user;
	bool hit;
	int r;

	/* profile: the daemon's profile_dir first, if it names one */
	if (o->profile_dir) {
		const struct profile_search *def = profile_search_default();
		size_t n = 0;

		search_dirs[n++] = o->profile_dir;
		for (size_t i = 0; def->dirs[i] && n < ELEMENTSOF(search_dirs) - 1; i++)
			search_dirs[n++] = def->dirs[i];
		search_dirs[n] = NULL;
	}
	r = profile_load(o->profile, o->profile_dir ? &search : profile_search_default(),
	                 PROFILE_LOAD_STRICT_OWNER, &plan->profile, &errors);
	if (r < 0) {
		print_errors(errors);
		strv_free(errors);
		return r;
	}
	strv_free(errors);

	/* identity */
	user = o->user ? o->user : plan->profile->user;
	r = identity_resolve(user, &plan->ident);
	if (r < 0)
		return log_error_errno(r, "unknown user '%s'%s", user, r == -ESRCH ? "" : ": %m");
	if (plan->ident.uid == 0 && !plan->profile->allow_root)
		return log_error_errno(-EPERM,
		                       "refusing to run as uid 0 inside the sandbox: profile "
		                       "'%s' does not set allow_root = yes",
		                       plan->profile->name);

	/* sandbox id */
	if (o->id) {
		if (!cgroup_id_is_valid(o->id))
			return log_error_errno(
				-EINVAL, "invalid --id '%s' (1-64 of A-Z a-z 0-9 _ -)", o->id);
		plan->id = strdup(o->id);
	} else {
		r = cgroup_id_generate(&plan->id);
		if (r < 0)
			return log_error_errno(r, "cannot generate a sandbox id: %m");
	}
	if (!plan->id)
		return log_oom();
	snprintf(plan->hostname, sizeof(plan->hostname), "%s", "nbwarden");

	/* command and environment */
	plan->argv = strv_copy(o->argv);
	if (!plan->argv)
		return log_oom();
	STRV_FOREACH (e, o->env) {
		const char *eq = strchr(*e, '=');

		if (!eq || !env_name_is_valid(*e, (size_t)(eq - *e)))
			return log_error_errno(-EINVAL, "invalid --env '%s' (expected NAME=value)",
			                       *e);
	}
	r = env_build(o->caller_env ? o->caller_env : environ, plan->profile, &plan->ident, o->env,
	              &plan->envp);
	if (r < 0)
		return log_error_errno(r, "cannot build the environment: %m");
	r = env_check_debug(plan->profile, plan->envp, plan->argv, &error);
	if (r < 0)
		return log_error_errno(r, "%s", error ? error : "debug setting refused");

	/* working directory */
	if (o->cwd) {
		r = path_canonicalize(o->cwd, &plan->cwd);
		if (r < 0)
			return log_error_errno(
				r, "--cwd '%s' must be an absolute path without '..'", o->cwd);
	} else {
		/* NULL is fine: home or / then; entered after the uid change, as the caller */
		plan->caller_cwd = o->caller_cwd ? strdup(o->caller_cwd) : getcwd(NULL, 0);
	}

	/* filesystem */
	r = mount_plan_compile(plan->profile, plan->ident.home, &plan->mounts, &error);
	if (r < 0)
		return log_error_errno(r, "%s", error ? error : "cannot compile mounts: %m");
	r = mount_plan_open_sources(&plan->mounts, &error);
	if (r < 0)
		return log_error_errno(r, "%s", error ? error : "cannot open writable paths: %m");
	r = connection_file_compile(o, plan);
	if (r < 0)
		return r;
	r = relaunch_check(plan);
	if (r < 0)
		return r;
	r = check_exec_allow(plan->profile);
	if (r < 0)
		return r;
	r = landlock_compile(plan);
	if (r < 0)
		return r;

	/* seccomp */
	r = seccomp_compile_cached(&plan->profile->syscall_deny, seccomp_cache_dir(),
	                           &plan->seccomp, &hit);
	if (r < 0)
		return log_error_errno(r, "cannot compile the seccomp filter: %m");
	log_debug("seccomp filter: %zu instructions%s", plan->seccomp.n_insns,
	          hit ? " (cached)" : "");

	/* network: a private namespace, or the host's filtered by the eBPF layer */
	plan->private_net = plan->profile->net_mode == NET_MODE_NONE;
	plan->nofile = plan->profile->limits.nofile;

	/* cgroup, last: it is the first thing that leaves a trace on the host */
	r = cgroup_find_mount(&mount);
	if (r < 0)
		return log_error_errno(r,
		                       "cannot find a cgroup2 mount in /proc/self/mountinfo: %m");
	r = cgroup_parent_canonicalize(o->cgroup_parent ? o->cgroup_parent : CGROUP_DEFAULT_PARENT,
	                               &parent);
	if (r < 0)
		return log_error_errno(r, "invalid --cgroup-parent '%s'", o->cgroup_parent);
	if (plan->profile->limits.io_read != VALUE_MAX ||
	    plan->profile->limits.io_write != VALUE_MAX) {
		r = io_device_number(plan->profile->limits.io_device, devnum, &error);
		if (r < 0)
			return log_error_errno(r, "%s",
			                       error ? error : "cannot find the IO device");
	}
	r = cgroup_settings_compile(&plan->profile->limits, devnum, &settings);
	if (r < 0)
		return log_error_errno(r, "cannot compile cgroup limits: %m");
	r = cgroup_create(mount, parent, plan->id, &settings, plan->profile->limits.enforce, ret_cg,
	                  ret_skipped, &error);
	STRV_FOREACH (s, *ret_skipped)
		log_warning("%s (enforce = best-effort), ignoring", *s);
	if (r < 0)
		return log_error_errno(r, "%s", error ? error : "cannot create the cgroup: %m");
	return 0;
}

/* ------------------------------------------------------------------------ */
/* events */

/* The command is init's only child when it reports the start: its pid as we see it. */
static pid_t first_child(pid_t init_pid)
{
	char path[64];
	_cleanup_fclose_ FILE *f = NULL;
	int pid = 0;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/children", init_pid, init_pid);
	f = fopen(path, "re");
	if (!f || fscanf(f, "%d", &pid) != 1)
		return 0;
	return pid;
}

static json_t *process_object(const struct supervisor *s)
{
	json_t *args = json_array();
	const char *name;

	STRV_FOREACH (a, s->plan->argv)
		json_array_append_new(args, json_string(*a));
	name = strrchr(s->plan->argv[0], '/');
	name = name ? name + 1 : s->plan->argv[0];
	return json_pack("{s:s, s:o}", "name", name, "args", args);
}

/*
 * How often the sandbox ran into a cgroup limit without being killed for
 * it: "pids" (forks refused at pids.max), "memory_high" (throttled above
 * memory.high), "memory_max" (reclaim forced at memory.max). Zero counts are
 * left out; no object at all when every count is zero.
 */
static void add_limit_hits(struct supervisor *s, json_t *nbw)
{
	static const struct {
		const char *file, *key, *name;
	} hits[] = {
		{"pids.events", "max", "pids"},
		{"memory.events", "high", "memory_high"},
		{"memory.events", "max", "memory_max"},
	};
	json_t *o = json_object();

	for (size_t i = 0; o && i < ELEMENTSOF(hits); i++) {
		uint64_t n;

		if (cgroup_read_keyed(s->cg, hits[i].file, hits[i].key, &n) >= 0 && n > 0)
			json_object_set_new(o, hits[i].name, json_integer((json_int_t)n));
	}
	if (o && json_object_size(o) > 0)
		json_object_set_new(nbw, "limit_hits", o);
	else
		json_decref(o);
}

static void emit_lifecycle(struct supervisor *s, const char *type, const char *action,
                           const char *outcome, int exit_code)
{
	json_t *ev = event_new("event", "process", type, action, outcome);
	json_t *proc;

	if (!ev)
		return;
	proc = process_object(s);
	if (proc) {
		if (s->cmd_pid > 0)
			json_object_set_new(proc, "pid", json_integer(s->cmd_pid));
		if (s->started)
			json_object_set_new(event_object(ev, "nbwarden"), "sandbox_pid",
			                    json_integer(s->cmd_ns_pid));
		if (exit_code >= 0)
			json_object_set_new(proc, "exit_code", json_integer(exit_code));
		json_object_set_new(ev, "process", proc);
	}
	if (exit_code >= 0 && s->cg) {
		struct nbw_stats st;
		uint64_t v, rd, wr;

		if (cgroup_read_keyed(s->cg, "cpu.stat", "usage_usec", &v) >= 0)
			json_object_set_new(event_object(ev, "nbwarden"), "cpu_usec",
			                    json_integer((json_int_t)v));
		if (cgroup_read_u64(s->cg, "memory.peak", &v) >= 0 && v != VALUE_MAX)
			json_object_set_new(event_object(ev, "nbwarden"), "memory_peak",
			                    json_integer((json_int_t)v));
		if (s->guard && guard_read_stats(s->guard, s->cg->id, &st) >= 0)
			json_object_set_new(event_object(ev, "nbwarden"), "stats",
			                    json_pack("{s:I, s:I, s:I, s:I}", "net_tx_bytes",
			                              (json_int_t)st.net_tx_bytes, "net_rx_bytes",
			                              (json_int_t)st.net_rx_bytes, "net_denied",
			                              (json_int_t)st.net_denied, "exec_denied",
			                              (json_int_t)st.exec_denied));
		if (cgroup_read_io(s->cg, &rd, &wr) >= 0) {
			json_object_set_new(event_object(ev, "nbwarden"), "io_read_bytes",
			                    json_integer((json_int_t)rd));
			json_object_set_new(event_object(ev, "nbwarden"), "io_write_bytes",
			                    json_integer((json_int_t)wr));
		}
		add_limit_hits(s, event_object(ev, "nbwarden"));
		if (events_forward_dropped(s->ev) > 0)
			json_object_set_new(
				event_object(ev, "nbwarden"), "forward_dropped",
				json_integer((json_int_t)events_forward_dropped(s->ev)));
	}
	if (exit_code < 0) {
		static const char *const keys[] = {"limits_not_enforced", "hosts_unresolved"};
		char **lists[] = {s->skipped_limits, s->unresolved};

		for (size_t i = 0; i < ELEMENTSOF(keys); i++) {
			json_t *a;

			if (!lists[i] || !lists[i][0])
				continue;
			a = json_array();
			STRV_FOREACH (l, lists[i])
				json_array_append_new(a, json_string(*l));
			json_object_set_new(event_object(ev, "nbwarden"), keys[i], a);
		}
	}
	(void)events_emit(s->ev, ev);
}

/* ------------------------------------------------------------------------ */
/* supervision */

static void kill_sandbox(struct supervisor *s, const char *rule, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* The profile's value of the [limits] key a "limits.KEY" rule names, as written. */
static const char *limit_value(const struct profile_limits *l, const char *rule,
                               char buf[static 32])
{
	if (streq(rule, "limits.memory") && l->memory != VALUE_MAX)
		return format_size(l->memory, buf);
	if (streq(rule, "limits.io_bytes"))
		return format_size(l->io_bytes, buf);
	if (streq(rule, "limits.cpu_time"))
		return format_duration(l->cpu_time, buf);
	if (streq(rule, "limits.wall_time"))
		return format_duration(l->wall_time, buf);
	if (streq(rule, "limits.runaway"))
		return format_duration(l->runaway, buf);
	return NULL;
}

static void kill_sandbox(struct supervisor *s, const char *rule, const char *fmt, ...)
{
	const char *dot = strchr(rule, '.'), *limit;
	char buf[32];
	json_t *ev;
	va_list ap;
	int r;

	if (s->kill_reason)
		return; /* first reason wins */
	s->kill_rule = rule;
	va_start(ap, fmt);
	if (vasprintf(&s->kill_reason, fmt, ap) < 0)
		s->kill_reason = strdup("killed");
	va_end(ap);
	/* the kill may wait: other supervisors must not wait for our audit lock meanwhile */
	events_release(s->ev);
	r = cgroup_kill(s->cg, 5000);
	if (r < 0)
		log_warning_errno(r, "cannot kill cgroup '%s': %m, killing init only", s->cg->path);
	(void)pidfd_send_signal(s->init_pidfd, SIGKILL, NULL, 0);

	ev = event_new("alert", "process", "end", "sandbox-killed", "success");
	if (ev) {
		json_t *msg = json_string(s->kill_reason);

		event_set_rule(ev, rule, "kill");
		json_object_set_new(ev, "message", msg);
		/* "limits.memory" -> "memory", "violations.exec" -> "exec", "parent" */
		json_object_set_new(event_object(ev, "nbwarden"), "reason",
		                    json_string(streq(rule, "syscalls.action") ? "syscall"
		                                : dot                          ? dot + 1
		                                                               : rule));
		limit = limit_value(&s->plan->profile->limits, rule, buf);
		if (limit)
			json_object_set_new(event_object(ev, "nbwarden"), "limit",
			                    json_string(limit));
		(void)events_emit(s->ev, ev);
	}
}

static void handle_notification(struct supervisor *s, struct seccomp_notif *req,
                                struct seccomp_notif_resp *resp, size_t req_size, size_t resp_size)
{
	char name[64], key[96];
	bool kill = s->plan->profile->syscall_action == SYSCALL_ACTION_KILL;

	memset(req, 0, req_size);
	if (ioctl(s->listener, SECCOMP_IOCTL_NOTIF_RECV, req) < 0) {
		if (errno != EINTR && errno != ENOENT)
			log_debug_errno(-errno, "seccomp notification: %m");
		return;
	}
	if (!kill) {
		/* answer first: the caller is blocked until we do */
		memset(resp, 0, resp_size);
		resp->id = req->id;
		resp->error = -EPERM;
		if (ioctl(s->listener, SECCOMP_IOCTL_NOTIF_SEND, resp) < 0 && errno != ENOENT)
			log_debug_errno(-errno, "seccomp answer: %m");
	}
	/* with action = kill the caller stays blocked until the kill below ends it */

	seccomp_describe_syscall(req->data.arch, req->data.nr, name, sizeof(name));
	snprintf(key, sizeof(key), "syscall-denied %s", name);
	if (repeats_note(&s->repeats, key, "syscall-denied")) {
		json_t *ev = event_new("alert", "intrusion_detection", "denied", "syscall-denied",
		                       "failure");

		if (ev) {
			char rule[80];

			/* other ABIs are refused whatever the deny list says */
			if (strchr(name, '/'))
				snprintf(rule, sizeof(rule), "syscalls.abi:%s", name);
			else
				snprintf(rule, sizeof(rule), "syscalls.deny:%s", name);
			event_set_rule(ev, rule, kill ? "kill" : "deny");
			json_object_set_new(ev, "process",
			                    json_pack("{s:i}", "pid", (int)req->pid));
			json_object_set_new(json_object_get(ev, "nbwarden"), "syscall",
			                    json_pack("{s:s, s:i, s:I, s:[I,I,I]}", "name", name,
			                              "nr", req->data.nr, "arch",
			                              (json_int_t)req->data.arch, "args",
			                              (json_int_t)req->data.args[0],
			                              (json_int_t)req->data.args[1],
			                              (json_int_t)req->data.args[2]));
			(void)events_emit(s->ev, ev);
		}
	}
	log_debug("denied syscall %s from pid %u", name, req->pid);
	if (kill)
		kill_sandbox(s, "syscalls.action", "forbidden system call '%s'", name);
}

/* ------------------------------------------------------------------------ */
/* the eBPF layer */

static bool is_interpreter(const struct supervisor *s, uint64_t dev, uint64_t ino)
{
	for (size_t i = 0; i < s->gplan.n_exec; i++)
		if (s->gplan.exec[i].dev == dev && s->gplan.exec[i].ino == ino)
			return s->gplan.exec[i].kind == NBW_EXEC_INTERP;
	return false;
}

static const char *guard_rule(const struct supervisor *s, const struct nbw_event *e)
{
	switch (e->type) {
	case NBW_EV_CONNECT:
	case NBW_EV_SENDMSG:
		/* in a private namespace it is the mode, not a missing rule, that refuses */
		return e->verdict != NBW_VERDICT_ALLOW && s->gplan.policy.flags & NBW_NET_PRIVATE
		               ? "network.mode"
		               : "network.allow";
	case NBW_EV_BIND:
	case NBW_EV_LISTEN:
		return "network.bind";
	case NBW_EV_SOCKET:
		return "network.socket";
	case NBW_EV_PACKET:
		return "network.packet";
	default:
		return is_interpreter(s, e->dev, e->ino) ? "exec.interpreter" : "exec.allow";
	}
}

/*
 * What makes two events "similar" for aggregation, as the summaries show it
 * (nbwarden.similar): with the action, the verdict and what was refused.
 */
static void guard_event_key(const struct nbw_event *e, const char *action, char *buf, size_t size)
{
	static const char *const verdicts[] = {"allow", "deny", "kill"};
	const char *verdict = e->verdict < ELEMENTSOF(verdicts) ? verdicts[e->verdict] : "deny";
	bool v4 = memcmp(e->addr, "\0\0\0\0\0\0\0\0\0\0\xff\xff", 12) == 0;
	char addr[INET6_ADDRSTRLEN] = "";

	if (e->type == NBW_EV_EXEC || e->type == NBW_EV_EXEC_REFUSED) {
		snprintf(buf, size, "%s %s %.*s", action, verdict, (int)sizeof(e->path) - 1,
		         e->path);
		return;
	}
	inet_ntop(v4 ? AF_INET : AF_INET6, v4 ? e->addr + 12 : e->addr, addr, sizeof(addr));
	snprintf(buf, size, "%s %s %s port %u protocol %u", action, verdict, addr, e->port,
	         e->proto);
}

static void kill_for_violation(struct supervisor *s, const struct nbw_event *e)
{
	char addr[INET6_ADDRSTRLEN];
	bool v4 = memcmp(e->addr, "\0\0\0\0\0\0\0\0\0\0\xff\xff", 12) == 0;

	if (e->type == NBW_EV_EXEC || e->type == NBW_EV_EXEC_REFUSED) {
		kill_sandbox(s, "violations.exec", "execution of '%.*s' denied",
		             (int)sizeof(e->path) - 1, e->path);
		return;
	}
	inet_ntop(v4 ? AF_INET : AF_INET6, v4 ? e->addr + 12 : e->addr, addr, sizeof(addr));
	switch (e->type) {
	case NBW_EV_SOCKET:
		kill_sandbox(s, "violations.network", "%s socket (protocol %u) refused",
		             e->family == AF_INET6 ? "an IPv6 raw or ping" : "a raw or ping",
		             e->proto);
		break;
	case NBW_EV_PACKET:
		kill_sandbox(s, "violations.network", "protocol %u packet to %s dropped", e->proto,
		             addr);
		break;
	default:
		kill_sandbox(s, "violations.network", "%s %s port %u denied",
		             e->type == NBW_EV_BIND ? "bind to" : "connection to", addr, e->port);
	}
}

static int on_guard_event(void *ctx, void *data, size_t size)
{
	struct supervisor *s = ctx;
	const struct nbw_event *e = data;
	char key[REPEATS_KEY_MAX];
	const char *action;
	json_t *ev;

	if (size < sizeof(*e))
		return 0;
	action = event_guard_action(e);
	if (!action)
		return 0;
	/* cheap first: in a flood, most events are only counted */
	guard_event_key(e, action, key, sizeof(key));
	if (repeats_note(&s->repeats, key, action)) {
		ev = event_from_guard(e, guard_rule(s, e), s->boot_to_real_ns);
		(void)events_emit(s->ev, ev);
	}
	if (e->verdict != NBW_VERDICT_KILL)
		return 0;
	/*
	 * A refused exec before the command is known to run may be the command's
	 * own: that is exit status 126, not a violation. Decide once init has
	 * said which (SANDBOX_MSG_STARTED or SANDBOX_MSG_EXEC_FAILED).
	 */
	if (e->type == NBW_EV_EXEC_REFUSED && !s->started) {
		if (!s->pending_exec_kill)
			s->pending = *e;
		s->pending_exec_kill = true;
		return 0;
	}
	kill_for_violation(s, e);
	return 0;
}

static void settle_pending_exec_kill(struct supervisor *s, bool final)
{
	if (!s->pending_exec_kill)
		return;
	if (s->exec_error && !s->started) {
		s->pending_exec_kill = false; /* it was the command itself: 126 */
		return;
	}
	if (s->started || final) {
		s->pending_exec_kill = false;
		kill_for_violation(s, &s->pending);
	}
}

/*
 * Events may be lost when a ring overflows; the counters never are. A kill
 * policy acts on the counters too, so a flood cannot hide a violation.
 */
static void check_guard_counters(struct supervisor *s)
{
	const struct nbw_policy *pol = &s->gplan.policy;
	struct nbw_stats st;

	if (!s->guard || guard_read_stats(s->guard, s->cg->id, &st) < 0)
		return;
	events_set_kernel_lost(s->ev, st.events_lost);
	if (st.events_lost == 0)
		return; /* no event was lost: the events have told us everything */
	if ((pol->flags & NBW_NET_KILL) && st.net_denied > 0)
		kill_sandbox(s, "violations.network", "%llu network violation(s)",
		             (unsigned long long)st.net_denied);
	/* the command's own refused exec (exit status 126) is not a violation */
	if ((pol->flags & NBW_EXEC_KILL) &&
	    st.exec_denied > (s->exec_error && !s->started ? 1u : 0u))
		kill_sandbox(s, "violations.exec", "%llu exec violation(s)",
		             (unsigned long long)st.exec_denied);
}

static int64_t boot_to_real(void)
{
	struct timespec real, boot;

	clock_gettime(CLOCK_REALTIME, &real);
	clock_gettime(CLOCK_BOOTTIME, &boot);
	return ((int64_t)real.tv_sec - boot.tv_sec) * 1000000000 + (real.tv_nsec - boot.tv_nsec);
}

/*
 * Attach the programs to the leaf's parent (once: later launches find them
 * pinned) and install this sandbox's policy, before it exists.
 */
/*
 * The sweep of vanished sandboxes' eBPF entries costs a few syscalls per
 * running sandbox: with 500 running, more than the rest of a launch. What it
 * removes is only ever left behind by a supervisor that was killed, so once a
 * second per cgroup parent is plenty. A stamp that cannot be kept: every time.
 */
static bool sweep_due(uint64_t parent_cgid)
{
	char path[96];
	struct timespec now;
	struct stat st;
	int fd;

	snprintf(path, sizeof(path), "/run/nbwarden/sweep-%llu", (unsigned long long)parent_cgid);
	clock_gettime(CLOCK_REALTIME, &now);
	if (stat(path, &st) == 0 && st.st_mtim.tv_sec <= now.tv_sec &&
	    now.tv_sec - st.st_mtim.tv_sec < SWEEP_INTERVAL_S)
		return false;
	(void)mkdir("/run/nbwarden", 0755);
	fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY, 0600);
	if (fd >= 0) {
		(void)futimens(fd, NULL);
		close(fd);
	}
	return true;
}

static int prepare_guard(struct supervisor *s)
{
	const struct profile *p = s->plan->profile;
	_cleanup_close_ int parent_fd = -1, mount_fd = -1;
	_cleanup_free_ char *error = NULL;
	_cleanup_free_ struct guard_net_rule *rules = NULL;
	size_t n_rules = 0;
	struct stat st;
	int r;

	parent_fd = open(s->cg->parent, O_DIRECTORY | O_RDONLY | O_CLOEXEC);
	mount_fd = open(s->cg->mount, O_DIRECTORY | O_RDONLY | O_CLOEXEC);
	if (parent_fd < 0 || mount_fd < 0 || fstat(parent_fd, &st) < 0)
		return log_error_errno(-errno, "cannot open cgroup '%s': %m", s->cg->parent);
	r = guard_open(parent_fd, (uint64_t)st.st_ino, &s->guard, &error);
	if (r < 0)
		return log_error_errno(r, "%s", error ? error : "cannot set up the eBPF layer: %m");
	if (sweep_due((uint64_t)st.st_ino)) {
		r = guard_sweep(s->guard, mount_fd);
		if (r > 0)
			log_debug("removed the eBPF entries of %d vanished sandbox(es)", r);
	}
	r = guard_retire_builds(s->guard, mount_fd);
	if (r > 0)
		log_debug("retired the eBPF programs of %d unused build(s)", r);

	s->gplan.policy = guard_policy_from_profile(p);
	r = guard_resolve_rules(p, &rules, &n_rules, &s->unresolved);
	if (r < 0)
		return log_error_errno(r, "cannot resolve [network] allow: %m");
	STRV_FOREACH (u, s->unresolved)
		log_warning("%s, ignoring", *u);
	r = guard_plan_net(&s->gplan, s->cg->id, rules, n_rules, &error);
	if (r < 0)
		return log_error_errno(r, "%s",
		                       error ? error : "cannot compile [network] allow: %m");
	r = guard_plan_exec(&s->gplan, &p->exec_allow, &error);
	if (r < 0)
		return log_error_errno(r, "%s", error ? error : "cannot compile [exec] allow: %m");
	r = guard_install(s->guard, s->cg->id, &s->gplan, &s->ring_fd);
	if (r < 0)
		return log_error_errno(r, "cannot install the sandbox's eBPF policy: %m");
	s->installed = true;
	s->ring = ring_buffer__new(s->ring_fd, on_guard_event, s, NULL);
	if (!s->ring)
		return log_error_errno(-errno, "cannot read the sandbox's event ring: %m");
	s->boot_to_real_ns = boot_to_real();
	return 0;
}

static void summary_event(void *ctx, const struct repeat *k, uint64_t n)
{
	struct supervisor *s = ctx;
	char action[80];
	json_t *ev;

	snprintf(action, sizeof(action), "%s-suppressed", k->action);
	ev = event_new("alert", "intrusion_detection", "denied", action, "failure");
	if (!ev)
		return;
	json_object_set_new(ev, "message",
	                    json_sprintf("%llu similar events suppressed", (unsigned long long)n));
	json_object_set_new(event_object(ev, "nbwarden"), "suppressed",
	                    json_integer((json_int_t)n));
	json_object_set_new(event_object(ev, "nbwarden"), "similar", json_string(k->key));
	(void)events_emit(s->ev, ev);
}

/*
 * The kernel's OOM killer ended a process of the sandbox: at memory.max (the
 * leaf has memory.oom.group set, so the kernel ends them all), or with the
 * whole host out of memory. Either way the sandbox is over: say why.
 */
static void check_oom(struct supervisor *s)
{
	const struct profile_limits *l = &s->plan->profile->limits;
	uint64_t n;
	char buf[32];

	if (s->kill_reason || cgroup_read_keyed(s->cg, "memory.events", "oom_kill", &n) < 0 ||
	    n == 0)
		return;
	if (l->memory != VALUE_MAX)
		kill_sandbox(s, "limits.memory",
		             "memory limit of %s reached (the kernel's OOM killer ended %llu "
		             "process(es))",
		             format_size(l->memory, buf), (unsigned long long)n);
	else
		kill_sandbox(s, "oom",
		             "the host ran out of memory (the kernel's OOM killer ended %llu "
		             "process(es))",
		             (unsigned long long)n);
}

/* The kernel's events, a burst at a time: the audit log is locked once for it. */
static void drain_ring(struct supervisor *s)
{
	events_hold(s->ev);
	(void)ring_buffer__consume(s->ring);
	events_release(s->ev);
}

/* Every tick_period(): the budgets (cpu_time, io_bytes, runaway), counters and summaries. */
static void tick(struct supervisor *s)
{
	const struct profile_limits *l = &s->plan->profile->limits;
	uint64_t usage, rd, wr, expirations;
	char buf[32];

	if (read(s->tickfd, &expirations, sizeof(expirations)) != sizeof(expirations))
		expirations = 1;
	s->ticks += expirations;
	/* the kernel wakes us only for kills and a filling ring: the rest waits for this */
	if (s->ring)
		drain_ring(s);
	if (s->ticks % (SUMMARY_USEC / s->tick_usec) < expirations)
		repeats_flush(&s->repeats, summary_event, s);
	settle_pending_exec_kill(s, false);
	check_guard_counters(s);
	check_oom(s);
	if (cgroup_read_keyed(s->cg, "cpu.stat", "usage_usec", &usage) >= 0) {
		/* the real interval between the reads: a late tick must not look idle */
		uint64_t now = monotonic_usec();
		uint64_t wall =
			s->last_usage_at ? now - s->last_usage_at : expirations * s->tick_usec;

		if (l->cpu_time != VALUE_MAX && usage >= l->cpu_time)
			kill_sandbox(s, "limits.cpu_time", "CPU-time limit of %s reached",
			             format_duration(l->cpu_time, buf));
		uint64_t stall = 0;

		/*
		 * "busy": running or runnable (waiting for a CPU other work holds)
		 * for at least 90% of the tick; a loaded host does not hide a loop
		 */
		if (l->runaway == VALUE_MAX || cgroup_read_cpu_stall(s->cg, &stall) < 0)
			stall = s->last_stall; /* only a runaway limit needs it */
		/*
		 * Busy: this tick, or this tick and the one before taken together,
		 * so that one tick cut short by interrupts or accounting jitter (an
		 * emulated CPU) is not a pause; an idle tick still is.
		 */
		uint64_t busy = usage - s->last_usage + (stall - s->last_stall);

		if (busy >= wall * RUNAWAY_BUSY / 1000 ||
		    busy + s->prev_tick_busy >= (wall + s->prev_tick_wall) * RUNAWAY_BUSY / 1000)
			s->busy_usec += wall;
		else
			s->busy_usec = 0;
		s->prev_tick_busy = busy;
		s->prev_tick_wall = wall;
		s->last_usage = usage;
		s->last_stall = stall;
		s->last_usage_at = now;
		if (l->runaway != VALUE_MAX && s->busy_usec >= l->runaway)
			kill_sandbox(s, "limits.runaway", "busy on a CPU without a pause for %s",
			             format_duration(l->runaway, buf));
	}
	if (l->io_bytes != VALUE_MAX && cgroup_read_io(s->cg, &rd, &wr) >= 0 &&
	    rd + wr >= l->io_bytes)
		kill_sandbox(s, "limits.io_bytes", "IO limit of %s reached",
		             format_size(l->io_bytes, buf));
	/* bookkeeping last: an audit sync (a disk flush) must not delay a kill */
	events_tick(s->ev);
}

/* Always, budgets or not: the suppression summaries and the counters need it too. */
/*
 * How often the budgets are checked: every 100 ms with a cpu_time or
 * io_bytes limit; otherwise a twentieth of the runaway limit (5% precision),
 * at most once a second. Hundreds of idle sandboxes then cost little.
 */
static uint64_t tick_period(struct supervisor *s)
{
	const struct profile_limits *l = &s->plan->profile->limits;
	uint64_t t = TICK_IDLE_USEC;

	if (l->cpu_time != VALUE_MAX || l->io_bytes != VALUE_MAX)
		t = TICK_USEC;
	if (l->runaway != VALUE_MAX && l->runaway / 20 < t)
		t = l->runaway / 20;
	if (t < TICK_USEC)
		t = TICK_USEC;
	s->tick_usec = t;
	return t;
}

static int arm_tick(struct supervisor *s)
{
	struct itimerspec its = {
		.it_interval.tv_sec = (time_t)(tick_period(s) / USEC_PER_SEC),
		.it_interval.tv_nsec = (long)(tick_period(s) % USEC_PER_SEC * 1000),
	};

	its.it_value = its.it_interval;

	s->tickfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (s->tickfd < 0 || timerfd_settime(s->tickfd, 0, &its, NULL) < 0)
		return -errno;
	return 0;
}

/* After the sandbox: every event out of the ring, and the counters. */
static void finish_guard(struct supervisor *s)
{
	if (s->ring)
		drain_ring(s);
	settle_pending_exec_kill(s, true);
	check_guard_counters(s);
}

static void print_stats(struct supervisor *s, FILE *out)
{
	struct nbw_stats st = {0};
	uint64_t usage = 0, rd = 0, wr = 0;
	char a[32], b[32], c[32], d[32];

	(void)cgroup_read_keyed(s->cg, "cpu.stat", "usage_usec", &usage);
	if (s->guard)
		(void)guard_read_stats(s->guard, s->cg->id, &st);
	fprintf(out, "nbwarden: stats: cpu %llu.%03llus",
	        (unsigned long long)(usage / USEC_PER_SEC),
	        (unsigned long long)(usage % USEC_PER_SEC / 1000));
	if (cgroup_read_io(s->cg, &rd, &wr) >= 0)
		fprintf(out, ", io read %s written %s", format_size(rd, a), format_size(wr, b));
	else
		fprintf(out, ", io not measured (no io controller)");
	fprintf(out, ", net sent %s received %s, denied network %llu exec %llu\n",
	        format_size(st.net_tx_bytes, c), format_size(st.net_rx_bytes, d),
	        (unsigned long long)st.net_denied, (unsigned long long)st.exec_denied);
}

/* One message from the sandbox: 1 if one was handled, 0 if none is pending, <0 on error. */
static int recv_msg(struct supervisor *s)
{
	struct sandbox_msg m;
	char control[CMSG_SPACE(sizeof(int))];
	struct iovec iov = {.iov_base = &m, .iov_len = sizeof(m)};
	struct msghdr mh = {
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = control,
		.msg_controllen = sizeof(control),
	};
	ssize_t n;

	if (s->sock < 0)
		return 0;
	n = recvmsg(s->sock, &mh, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
	if (n < 0 && errno == EINTR)
		return 1; /* try again */
	if (n < 0 && errno == EAGAIN)
		return 0;
	if (n <= 0) {
		/* every sandbox process has closed its end (or it broke): stop listening */
		s->sock = safe_close(s->sock);
		return n < 0 ? -errno : 0;
	}
	if ((size_t)n != sizeof(m) || (mh.msg_flags & (MSG_TRUNC | MSG_CTRUNC)))
		return log_error_errno(-EBADMSG, "malformed message from the sandbox");
	m.what[sizeof(m.what) - 1] = 0;

	switch (m.type) {
	case SANDBOX_MSG_SETUP_FAILED:
		s->setup_error = m.error ? m.error : EIO;
		snprintf(s->setup_what, sizeof(s->setup_what), "%s", m.what);
		break;
	case SANDBOX_MSG_LISTENER: {
		struct cmsghdr *c = CMSG_FIRSTHDR(&mh);

		if (!c || c->cmsg_type != SCM_RIGHTS || c->cmsg_len != CMSG_LEN(sizeof(int)))
			return log_error_errno(-EBADMSG, "sandbox sent no seccomp listener");
		if (s->listener >= 0)
			close(s->listener);
		memcpy(&s->listener, CMSG_DATA(c), sizeof(int));
		break;
	}
	case SANDBOX_MSG_STARTED:
		s->started = true;
		s->cmd_ns_pid = m.value;
		/* init reaps nothing until we answer, so the command is still its child */
		s->cmd_pid = first_child(s->init_pid);
		(void)send(s->sock, "", 1, MSG_NOSIGNAL);
		emit_lifecycle(s, "start", "sandbox-start", "success", -1);
		break;
	case SANDBOX_MSG_EXEC_FAILED:
		s->exec_error = m.error ? m.error : EIO;
		break;
	case SANDBOX_MSG_EXITED:
		s->exited = true;
		s->status = m.value;
		break;
	default:
		return log_error_errno(-EBADMSG, "unknown message %u from the sandbox", m.type);
	}
	return 1;
}

/*
 * Work done while the sandbox builds its mounts, on the other CPU: bring its
 * loopback up and resolve the supplementary groups (NSS can be slow), then
 * tell it to go on. A failure is passed on, so the sandbox aborts its setup.
 */
static void send_go(struct supervisor *s)
{
	static struct sandbox_go go; /* 16 KiB: not on the stack */
	struct sandbox_plan *plan = s->plan;
	int r = 0;

	memset(&go, 0, offsetof(struct sandbox_go, groups));
	if (plan->private_net) {
		r = netns_loopback_up_in(s->init_pidfd);
		if (r < 0)
			log_error_errno(r, "cannot bring up loopback in the sandbox: %m");
	}
	if (r >= 0) {
		r = identity_resolve_groups(&plan->ident);
		if (r >= 0 && plan->ident.n_groups > SANDBOX_MAX_GROUPS)
			r = -E2BIG;
		if (r < 0)
			log_error_errno(r, "cannot resolve the groups of user '%s': %m",
			                plan->ident.name);
	}
	if (r >= 0) {
		go.n_groups = (uint32_t)plan->ident.n_groups;
		for (int i = 0; i < plan->ident.n_groups; i++)
			go.groups[i] = (uint32_t)plan->ident.groups[i];
	}
	go.error = r < 0 ? -r : 0;
	/* if the sandbox is already gone, supervise() finds out */
	(void)send(s->sock, &go,
	           offsetof(struct sandbox_go, groups) + go.n_groups * sizeof(uint32_t),
	           MSG_NOSIGNAL);
}

static int setup_signals(int *ret_fd)
{
	sigset_t mask;
	int fd;

	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&mask);
	for (size_t i = 0; i < ELEMENTSOF(forwarded_signals); i++)
		sigaddset(&mask, forwarded_signals[i]);
	sigaddset(&mask, SIGCHLD);
	/* blocked before clone3, so the child starts with them queued, never lost */
	if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0)
		return -errno;
	fd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	if (fd < 0)
		return -errno;
	*ret_fd = fd;
	return 0;
}

/*
 * Daemon mode: our own signals come from the daemon (the client's arrive as
 * "signal" messages). SIGTERM ends the sandbox, for the reason sigqueue()
 * gave; the others are ignored.
 */
static void daemon_signal(struct supervisor *s, const struct signalfd_siginfo *si)
{
	if (si->ssi_signo != SIGTERM)
		return;
	switch (si->ssi_code == SI_QUEUE ? si->ssi_int : RUN_STOP_OTHER) {
	case RUN_STOP_ADMIN:
		kill_sandbox(s, "admin", "killed by its owner or an administrator (nbwarden kill)");
		break;
	case RUN_STOP_BUDGET_CPU:
		kill_sandbox(s, "budget.cpu", "the rolling 24-hour CPU budget is exhausted");
		break;
	case RUN_STOP_BUDGET_IO:
		kill_sandbox(s, "budget.io", "the rolling 24-hour IO budget is exhausted");
		break;
	default:
		kill_sandbox(s, "supervisor", "the supervisor was told to stop (SIGTERM)");
		break;
	}
}

/* Daemon mode: what the client sends: "signal" requests, or its hangup. */
static void handle_client(struct supervisor *s)
{
	_cleanup_free_ char *buf = malloc(PROTO_MAX_MESSAGE + 1);
	struct request req;
	ssize_t n;

	if (!buf)
		return;
	for (;;) {
		n = recv(s->client_fd, buf, PROTO_MAX_MESSAGE + 1, MSG_DONTWAIT);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		if (n <= 0) {
			s->client_fd = safe_close(s->client_fd);
			kill_sandbox(s, "client", "the client disconnected");
			return;
		}
		if (request_parse(buf, (size_t)n, &req, NULL) < 0 || req.op != REQUEST_SIGNAL) {
			log_debug("sandbox %s: ignoring a malformed message from the client",
			          s->plan->id);
			request_done(&req);
			continue;
		}
		if (pidfd_send_signal(s->init_pidfd, req.signo, NULL, 0) < 0 && errno != ESRCH)
			log_debug_errno(-errno, "cannot forward signal %d: %m", req.signo);
		request_done(&req);
	}
}

static void handle_signals(struct supervisor *s)
{
	struct signalfd_siginfo si;

	while (read(s->sigfd, &si, sizeof(si)) == sizeof(si)) {
		if (si.ssi_signo == SIGCHLD)
			continue; /* the init pidfd tells us */
		if (daemon_mode(s)) {
			daemon_signal(s, &si);
			continue;
		}
		if (pidfd_send_signal(s->init_pidfd, (int)si.ssi_signo, NULL, 0) < 0 &&
		    errno != ESRCH)
			log_debug_errno(-errno, "cannot forward signal %u: %m", si.ssi_signo);
	}
}

static int supervise(struct supervisor *s, size_t req_size, size_t resp_size)
{
	_cleanup_free_ struct seccomp_notif *req = malloc(req_size);
	_cleanup_free_ struct seccomp_notif_resp *resp = malloc(resp_size);
	bool init_alive = true;

	if (!req || !resp)
		return log_oom();
	while (init_alive) {
		struct pollfd p[9] = {
			{.fd = s->init_pidfd, .events = POLLIN},
			{.fd = s->sock, .events = POLLIN},
			{.fd = s->sigfd, .events = POLLIN},
			{.fd = s->timerfd, .events = POLLIN},
			{.fd = s->parent_pidfd, .events = POLLIN},
			{.fd = s->listener, .events = POLLIN},
			{.fd = s->ring ? ring_buffer__epoll_fd(s->ring) : -1, .events = POLLIN},
			{.fd = s->tickfd, .events = POLLIN},
			{.fd = s->client_fd, .events = POLLIN},
		};

		if (poll(p, ELEMENTSOF(p), -1) < 0) {
			if (errno == EINTR)
				continue;
			return log_error_errno(-errno, "poll: %m");
		}
		if (p[1].revents & (POLLIN | POLLHUP | POLLERR))
			while (recv_msg(s) > 0)
				;
		if (p[5].revents & POLLIN)
			handle_notification(s, req, resp, req_size, resp_size);
		if (p[5].revents & (POLLHUP | POLLERR)) {
			s->listener = safe_close(s->listener);
		}
		if (p[2].revents & POLLIN)
			handle_signals(s);
		if (p[3].revents & POLLIN) {
			char buf[32];

			kill_sandbox(s, "limits.wall_time", "wall-clock limit of %s reached",
			             format_duration(s->plan->profile->limits.wall_time, buf));
			s->timerfd = safe_close(s->timerfd);
		}
		if (p[4].revents & POLLIN) {
			kill_sandbox(s, "parent", "the process that started nbwarden exited");
			s->parent_pidfd = safe_close(s->parent_pidfd);
		}
		if (p[6].revents & POLLIN)
			drain_ring(s);
		if (p[7].revents & POLLIN)
			tick(s);
		if (p[8].revents & (POLLIN | POLLHUP | POLLERR))
			handle_client(s);
		if (p[0].revents & POLLIN)
			init_alive = false;
	}
	/* the last messages may still be queued behind init's exit */
	while (recv_msg(s) > 0)
		;
	/* an OOM kill ends init at once, before any tick could notice */
	check_oom(s);
	return 0;
}

/*
 * A line for whoever started the launch: on our stderr in embedded mode; in
 * daemon mode for the client to print (and in the operator's log).
 */
static void tell(struct supervisor *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void tell(struct supervisor *s, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (daemon_mode(s)) {
		free(s->client_message);
		if (vasprintf(&s->client_message, fmt, ap) < 0)
			s->client_message = NULL;
		else
			log_info("sandbox %s: told the client: %s", s->plan->id, s->client_message);
	} else {
		fputs("nbwarden: ", stderr);
		vfprintf(stderr, fmt, ap);
		fputc('\n', stderr);
	}
	va_end(ap);
}

static int outcome(struct supervisor *s)
{
	const struct sandbox_plan *plan = s->plan;

	if (s->kill_reason) {
		tell(s, "sandbox %s killed: %s", plan->id, s->kill_reason);
		return EXIT_KILLED;
	}
	if (s->setup_error) {
		log_error("cannot set up sandbox %s: %s: %s", plan->id, s->setup_what,
		          strerror(s->setup_error));
		/* the details may name host paths: the client gets the step only */
		if (daemon_mode(s))
			tell(s, "cannot set up sandbox %s; the operator's log has the details",
			     plan->id);
		return EXIT_SETUP_FAILED;
	}
	if (s->exec_error) {
		if (daemon_mode(s))
			tell(s, "cannot execute '%s': %s%s", plan->argv[0], strerror(s->exec_error),
			     s->exec_error == EACCES ? " (not in the profile's [exec] allow-list?)"
			                             : "");
		else
			log_error("cannot execute '%s': %s%s", plan->argv[0],
			          strerror(s->exec_error),
			          s->exec_error == EACCES
			                  ? " (not in the profile's [exec] allow-list?)"
			                  : "");
	}
	if (s->exited) {
		if (WIFEXITED(s->status))
			return WEXITSTATUS(s->status);
		if (WIFSIGNALED(s->status))
			return 128 + WTERMSIG(s->status);
	}
	log_error("sandbox %s ended without reporting the command's status", plan->id);
	if (daemon_mode(s))
		tell(s, "sandbox %s ended without reporting the command's status", plan->id);
	return EXIT_SETUP_FAILED;
}

/*
 * Daemon mode, at the end: what the daemon charges to the caller's budget
 * (written atomically next to the daemon's record of the sandbox), then the
 * exit status for the client, with the line to print and --stats.
 */
static void finish_client(struct supervisor *s, int code)
{
	struct proto_writer w = {0};
	uint64_t usage = 0, rd = 0, wr = 0;

	if (s->cg) {
		(void)cgroup_read_keyed(s->cg, "cpu.stat", "usage_usec", &usage);
		(void)cgroup_read_io(s->cg, &rd, &wr);
	}
	if (s->o->exit_record) {
		_cleanup_free_ char *tmp = NULL;
		_cleanup_fclose_ FILE *f = NULL;

		if (asprintf(&tmp, "%s.tmp", s->o->exit_record) >= 0)
			f = fopen(tmp, "we");
		if (f) {
			fprintf(f, "code=%d\ncpu_usec=%llu\nio_bytes=%llu\n", code,
			        (unsigned long long)usage, (unsigned long long)rd + wr);
			if (fflush(f) != 0 || fsync(fileno(f)) < 0 ||
			    rename(tmp, s->o->exit_record) < 0)
				log_warning_errno(-errno, "cannot write %s: %m, ignoring",
				                  s->o->exit_record);
		}
	}
	if (s->client_fd < 0)
		return;
	if (!s->client_message && !s->started && s->plan->refusal_for_caller && log_first_error())
		tell(s, "%s", log_first_error());
	if (!s->client_message && !s->started && code == EXIT_SETUP_FAILED)
		tell(s, "the sandbox%s%s could not be prepared; the operator's log has the details",
		     s->plan->id ? " " : "", s->plan->id ? s->plan->id : "");
	proto_add(&w, "type", "exit");
	proto_addf(&w, "code", "%d", code);
	if (s->client_message)
		proto_add(&w, "message", s->client_message);
	if (s->show_stats && s->cg) {
		_cleanup_free_ char *text = NULL;
		size_t len = 0;
		FILE *f = open_memstream(&text, &len);

		if (f) {
			print_stats(s, f);
			fclose(f);
			if (text)
				proto_add(&w, "stats", text);
		}
	}
	send_client(s, &w);
}

/*
 * The audit log and its forwarding, per nbwarden.conf: part of the
 * protection, so a launch that cannot record is refused (the refusal still
 * reaches the events file, and the audit log if only forwarding failed).
 */
static int attach_audit(struct supervisor *s, const char *config_path)
{
	const char *path = config_path ? config_path : CONFIG_DEFAULT_PATH;
	_cleanup_free_ char *error = NULL;
	struct config *c = NULL;
	char **errors = NULL;
	int r;

	/* the default file may be missing (every default applies); a named one may not */
	r = config_load(path, !config_path, true, &c, &errors);
	if (r < 0) {
		STRV_FOREACH (e, errors)
			log_error("%s", *e);
		strv_free(errors);
		return log_error_errno(r, "cannot load the configuration %s", path);
	}
	r = events_attach_audit(s->ev, c, &error);
	config_free(c);
	if (r < 0)
		return log_error_errno(r, "cannot set up the audit log: %s",
		                       error ? error : strerror(-r));
	return 0;
}

static int notif_sizes(size_t *ret_req, size_t *ret_resp)
{
	struct seccomp_notif_sizes sz;

	if (syscall(SYS_seccomp, SECCOMP_GET_NOTIF_SIZES, 0, &sz) < 0)
		return -errno;
	*ret_req = sz.seccomp_notif > sizeof(struct seccomp_notif) ? sz.seccomp_notif
	                                                           : sizeof(struct seccomp_notif);
	*ret_resp = sz.seccomp_notif_resp > sizeof(struct seccomp_notif_resp)
	                    ? sz.seccomp_notif_resp
	                    : sizeof(struct seccomp_notif_resp);
	return 0;
}

int run_main(const struct run_options *o)
{
	struct sandbox_plan plan = {.stdio = {o->stdio[0], o->stdio[1], o->stdio[2]}};
	struct supervisor s = {.o = o,
	                       .client_fd = o->client_fd,
	                       .plan = &plan,
	                       .show_stats = o->show_stats,
	                       .ring_fd = -1,
	                       .tickfd = -1,
	                       .init_pidfd = -1,
	                       .sock = -1,
	                       .sigfd = -1,
	                       .timerfd = -1,
	                       .parent_pidfd = -1,
	                       .listener = -1};
	struct events_context ectx;
	int socks[2] = {-1, -1}, r, code = EXIT_SETUP_FAILED;
	size_t req_size = 0, resp_size = 0;
	struct clone_args args = {0};
	long pid;

	/*
	 * Signals first: from here on a SIGINT to our process group (a Ctrl-C,
	 * a Jupyter interrupt while we start) is queued and forwarded to the
	 * command once it runs, never the death of a half-built sandbox.
	 */
	r = setup_signals(&s.sigfd);
	if (r < 0) {
		log_error_errno(r, "cannot set up signal handling: %m");
		return EXIT_SETUP_FAILED;
	}
	ectx = (struct events_context){.sandbox_id = o->id, .profile = o->profile};
	if (o->events_fd >= 0)
		r = events_open_fd(o->events_fd, &ectx, &s.ev);
	else
		r = events_open(o->events_path, &ectx, &s.ev);
	if (r < 0) {
		log_error_errno(r, "cannot open event log '%s': %m", o->events_path);
		goto out;
	}
	log_reset_first_error();
	if (geteuid() != 0) {
		log_error("nbwarden run must be started as root (embedded mode); unprivileged "
		          "launches go through the nbwarden daemon");
		goto refused;
	}
	r = attach_audit(&s, o->config_path);
	if (r < 0)
		goto refused;
	r = notif_sizes(&req_size, &resp_size);
	if (r < 0) {
		log_error_errno(r, "seccomp user notification is not available: %m");
		goto refused;
	}
	r = prepare(o, &plan, &s.cg, &s.skipped_limits);
	if (r < 0) {
		if (plan.relaunch_refused)
			code = EXIT_TEMPFAIL;
		goto refused;
	}
	r = prepare_guard(&s);
	if (r < 0)
		goto refused;
	r = arm_tick(&s);
	if (r < 0) {
		log_error_errno(r, "cannot arm the budget timer: %m");
		goto refused;
	}

	ectx = (struct events_context){.sandbox_id = plan.id,
	                               .profile = plan.profile->name,
	                               .user_name = plan.ident.name,
	                               .uid = plan.ident.uid,
	                               .cgroup_id = s.cg->id};
	events_set_context(s.ev, &ectx);

	/* embedded: follow whoever started us; daemon mode: the client's connection */
	s.parent_pidfd = daemon_mode(&s) ? -1 : parent_pidfd_open();
	if (s.parent_pidfd == -2) {
		log_error("the calling process has already exited, not launching");
		goto refused;
	}
	if (plan.profile->limits.wall_time != VALUE_MAX) {
		struct itimerspec its = {
			.it_value.tv_sec = (time_t)(plan.profile->limits.wall_time / USEC_PER_SEC),
			.it_value.tv_nsec =
				(long)(plan.profile->limits.wall_time % USEC_PER_SEC) * 1000,
		};

		s.timerfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
		if (s.timerfd < 0 || timerfd_settime(s.timerfd, 0, &its, NULL) < 0) {
			log_error_errno(-errno, "cannot arm the wall-clock timer: %m");
			goto refused;
		}
	}
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, socks) < 0) {
		log_error_errno(-errno, "socketpair: %m");
		goto refused;
	}

	args.flags = CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWIPC | CLONE_NEWUTS |
	             (plan.private_net ? CLONE_NEWNET : 0) | CLONE_INTO_CGROUP | CLONE_PIDFD;
	args.pidfd = (uint64_t)(uintptr_t)&s.init_pidfd;
	args.cgroup = (uint64_t)s.cg->fd;
	args.exit_signal = SIGCHLD;
	fflush(NULL);
	pid = sys_clone3(&args);
	if (pid < 0) {
		log_error_errno(-errno, "cannot create the sandbox (clone3): %m");
		goto refused;
	}
	if (pid == 0) {
		close(socks[0]);
		sandbox_child(&plan, socks[1]);
	}
	s.init_pid = (pid_t)pid;
	socks[1] = safe_close(socks[1]);
	s.sock = TAKE_FD(socks[0]);
	/* the child has its own copies of the bind sources now */
	mount_plan_done(&plan.mounts);
	send_go(&s);
	if (daemon_mode(&s)) {
		struct proto_writer w = {0};

		proto_add(&w, "type", "started");
		proto_add(&w, "id", plan.id);
		send_client(&s, &w);
	}

	r = supervise(&s, req_size, resp_size);
	(void)waitid(P_PIDFD, (id_t)s.init_pidfd, NULL, WEXITED);
	/* the last events may name a violation that decides the outcome */
	finish_guard(&s);
	code = r < 0 ? EXIT_SETUP_FAILED : outcome(&s);
	record_strike(&s);
	if (s.setup_error) {
		json_t *ev =
			event_new("event", "process", "start", "sandbox-setup-failed", "failure");

		if (ev) {
			json_object_set_new(ev, "message", json_string(s.setup_what));
			(void)events_emit(s.ev, ev);
		}
	} else {
		/* what was only counted, then the exit: the last event of a sandbox */
		repeats_flush(&s.repeats, summary_event, &s);
		emit_lifecycle(&s, "end", "sandbox-exit", s.kill_reason ? "failure" : "success",
		               code);
	}
	if (s.show_stats && !daemon_mode(&s))
		print_stats(&s, stderr);
	goto out;
refused:
	/* nothing ran: tell the SOC why, as the operator was told */
	{
		json_t *ev = event_new("event", "process", "denied", "sandbox-refused", "failure");

		if (ev) {
			const char *why = log_first_error();

			json_object_set_new(ev, "message", json_string(why ? why : "refused"));
			if (plan.relaunch_refused)
				event_set_rule(ev, "violations.relaunch_cooldown", "deny");
			if (plan.id)
				ectx.sandbox_id = plan.id;
			if (plan.ident.name) {
				ectx.user_name = plan.ident.name;
				ectx.uid = plan.ident.uid;
			}
			events_set_context(s.ev, &ectx);
			(void)events_emit(s.ev, ev);
		}
	}
out:
	if (daemon_mode(&s))
		finish_client(&s, code);
	if (s.cg) {
		uint64_t cgid = s.cg->id;

		r = cgroup_destroy(s.cg);
		if (r < 0)
			log_warning_errno(r, "cannot remove the sandbox cgroup: %m, ignoring");
		/* only once nothing can run in it any more: the policy outlives a failed kill */
		if (r >= 0 && s.installed) {
			r = guard_remove(s.guard, cgid, &s.gplan);
			if (r < 0)
				log_warning_errno(r,
				                  "cannot remove the sandbox's eBPF entries: %m, "
				                  "ignoring (the next launch sweeps them)");
		}
	}
	ring_buffer__free(s.ring);
	safe_close(s.ring_fd);
	safe_close(s.tickfd);
	guard_close(s.guard);
	guard_plan_done(&s.gplan);
	strv_free(s.unresolved);
	events_close(s.ev);
	safe_close(socks[0]);
	safe_close(socks[1]);
	safe_close(s.sock);
	safe_close(s.sigfd);
	safe_close(s.timerfd);
	safe_close(s.parent_pidfd);
	safe_close(s.listener);
	safe_close(s.init_pidfd);
	free(s.kill_reason);
	free(s.client_message);
	strv_free(s.skipped_limits);
	sandbox_plan_done(&plan);
	return code;
}
