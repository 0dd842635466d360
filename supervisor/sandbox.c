// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The sandbox side of a launch. sandbox_child() runs as PID 1 of the new pid
 * namespace, already inside the new mount/ipc/uts(/net) namespaces and the
 * sandbox's cgroup leaf (clone3 with CLONE_INTO_CGROUP), and applies the plan
 * in this order, failing closed at the first error:
 *
 *   1. namespaces   cgroup namespace (rooted at the leaf), hostname; meanwhile the
 *                   supervisor brings loopback up and resolves the groups
 *   2. mounts       the new root (mount.c)
 *   3. cgroup       nothing left to do: we were spawned into the leaf
 *   4. rlimits      core 0, nofile, PER_LINUX persona
 *   5. identity     wait for the supervisor's go (loopback up, groups), then
 *                   bounding set + securebits (need CAP_SETPCAP, so first),
 *                   setgroups, setresgid, setresuid
 *   6. caps         clear effective/permitted/inheritable/ambient
 *   7. no_new_privs
 *   8. Landlock     write and execute allow-lists
 *   9. session      setsid, working directory
 *  10. seccomp      last: from here on denied syscalls go to the supervisor
 *  11. command      posix_spawn; we stay as the sandbox's init
 *
 * Everything (init included) runs under every restriction: init never execs
 * and only reads signals, reaps children, forwards signals and reports.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "caps.h"
#include "cleanup.h"
#include "sandbox.h"
#include "util.h"

extern char **environ;

static const char *const step_names[_STEP_MAX] = {
	[STEP_NAMESPACES] = "namespaces",     [STEP_MOUNTS] = "mounts",
	[STEP_RLIMITS] = "rlimits",           [STEP_IDENTITY] = "identity",
	[STEP_CAPABILITIES] = "capabilities", [STEP_NO_NEW_PRIVS] = "no_new_privs",
	[STEP_LANDLOCK] = "landlock",         [STEP_SESSION] = "session",
	[STEP_SECCOMP] = "seccomp",           [STEP_COMMAND] = "command",
};

const char *sandbox_step_to_string(enum sandbox_step s)
{
	return s >= 0 && s < _STEP_MAX ? step_names[s] : "?";
}

int sandbox_exec_exit_code(int error)
{
	return error == ENOENT || error == ENOTDIR || error == ENAMETOOLONG ? 127 : 126;
}

void sandbox_plan_done(struct sandbox_plan *p)
{
	profile_free(p->profile);
	free(p->id);
	identity_done(&p->ident);
	strv_free(p->argv);
	strv_free(p->envp);
	free(p->cwd);
	free(p->caller_cwd);
	mount_plan_done(&p->mounts);
	landlock_plan_done(&p->landlock);
	seccomp_program_done(&p->seccomp);
	*p = (struct sandbox_plan){0};
}

static void send_msg(int sock, uint32_t type, int error, int value, const char *what)
{
	struct sandbox_msg m = {.type = type, .error = error, .value = value};

	if (what)
		snprintf(m.what, sizeof(m.what), "%s", what);
	while (send(sock, &m, sizeof(m), MSG_NOSIGNAL) < 0 && errno == EINTR)
		;
}

static _Noreturn void fail_step(int sock, enum sandbox_step step, int r, const char *what)
{
	char buf[sizeof(((struct sandbox_msg *)0)->what)];

	snprintf(buf, sizeof(buf), "%s: %s", step_names[step], what ? what : "");
	send_msg(sock, SANDBOX_MSG_SETUP_FAILED, -r, step, buf);
	_exit(125);
}

static int send_fd(int sock, int fd)
{
	struct sandbox_msg m = {.type = SANDBOX_MSG_LISTENER};
	char control[CMSG_SPACE(sizeof(int))] = {0};
	struct iovec iov = {.iov_base = &m, .iov_len = sizeof(m)};
	struct msghdr mh = {
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = control,
		.msg_controllen = sizeof(control),
	};
	struct cmsghdr *c = CMSG_FIRSTHDR(&mh);

	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof(int));
	if (sendmsg(sock, &mh, MSG_NOSIGNAL) < 0)
		return -errno;
	return 0;
}

/* Close every inherited fd except the ones the plan hands us. */
static int close_other_fds(const struct sandbox_plan *p, int sock)
{
	int keep[64];
	size_t n = 0;
	unsigned lo = 3;

	keep[n++] = sock;
	for (size_t i = 0; i < p->mounts.n_ops && n < ELEMENTSOF(keep); i++)
		if (p->mounts.ops[i].source_fd >= 0)
			keep[n++] = p->mounts.ops[i].source_fd;
	if (n == ELEMENTSOF(keep))
		return -E2BIG;
	/* insertion sort: n is tiny */
	for (size_t i = 1; i < n; i++)
		for (size_t j = i; j > 0 && keep[j - 1] > keep[j]; j--) {
			int t = keep[j];

			keep[j] = keep[j - 1];
			keep[j - 1] = t;
		}
	for (size_t i = 0; i < n; i++) {
		if ((unsigned)keep[i] > lo && close_range(lo, (unsigned)keep[i] - 1, 0) < 0)
			return -errno;
		lo = (unsigned)keep[i] + 1;
	}
	if (close_range(lo, ~0U, 0) < 0)
		return -errno;
	return 0;
}

/* Is the supervisor still there? Its end of the socket closes when it dies. */
static bool supervisor_alive(int sock)
{
	struct pollfd p = {.fd = sock, .events = 0};

	return poll(&p, 1, 0) == 0 || !(p.revents & (POLLHUP | POLLERR));
}

static int set_rlimit(int resource, rlim_t value)
{
	struct rlimit rl = {value, value};

	return setrlimit(resource, &rl) < 0 ? -errno : 0;
}

/* Wait for the supervisor's go: loopback is up and here are the groups. */
static int receive_go(int sock, struct sandbox_go *go)
{
	ssize_t n;

	do
		n = recv(sock, go, sizeof(*go), 0);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	if (n == 0)
		_exit(125); /* the supervisor is gone */
	if ((size_t)n < offsetof(struct sandbox_go, groups) || go->n_groups > SANDBOX_MAX_GROUPS ||
	    (size_t)n != offsetof(struct sandbox_go, groups) + go->n_groups * sizeof(uint32_t))
		return -EBADMSG;
	return -go->error;
}

static int change_identity(const struct identity *id, const struct sandbox_go *go)
{
	if (setgroups(go->n_groups, (const gid_t *)go->groups) < 0)
		return -errno;
	if (setresgid(id->gid, id->gid, id->gid) < 0)
		return -errno;
	if (setresuid(id->uid, id->uid, id->uid) < 0)
		return -errno;
	return 0;
}

static int enter_cwd(const struct sandbox_plan *p)
{
	if (p->cwd)
		return chdir(p->cwd) < 0 ? -errno : 0;
	if (p->caller_cwd && chdir(p->caller_cwd) == 0)
		return 0;
	if (p->ident.home && chdir(p->ident.home) == 0)
		return 0;
	return chdir("/") < 0 ? -errno : 0;
}

/*
 * Start the command with posix_spawnp(): glibc spawns with CLONE_VM|CLONE_VFORK,
 * so init's page tables are not copied, and reports a failed exec as an
 * errno. Every signal disposition is reset and nothing is blocked. The PATH
 * search is execvp()'s (EACCES is remembered over later ENOENTs) and there is
 * no /bin/sh fallback for ENOEXEC.
 */
static int spawn_command(const struct sandbox_plan *p, pid_t *ret_pid)
{
	posix_spawnattr_t attr;
	sigset_t none, all;
	int r;

	sigemptyset(&none);
	sigfillset(&all);
	r = posix_spawnattr_init(&attr);
	if (r != 0)
		return -r;
	r = posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
	if (r == 0)
		r = posix_spawnattr_setsigmask(&attr, &none);
	if (r == 0)
		r = posix_spawnattr_setsigdefault(&attr, &all);
	/* posix_spawnp() searches the PATH of the calling process: make it the command's */
	environ = p->envp;
	if (r == 0)
		r = posix_spawnp(ret_pid, p->argv[0], NULL, &attr, p->argv, p->envp);
	posix_spawnattr_destroy(&attr);
	return -r;
}

static const int forwarded[] = {SIGINT,  SIGTERM, SIGHUP,   SIGQUIT,
                                SIGUSR1, SIGUSR2, SIGWINCH, SIGCONT};

/*
 * The supervisor is gone (killed, crashed): its end of sock closed. Ask the
 * command to finish, and leave (ending the sandbox) after SANDBOX_ORPHAN_GRACE_MS
 * at the latest. Every restriction holds meanwhile: the eBPF programs are
 * pinned, not held by the supervisor, and a call the seccomp filter would
 * have reported fails with ENOSYS once nobody listens.
 */
static int start_orphan_grace(pid_t cmd)
{
	struct itimerspec its = {
		.it_value.tv_sec = SANDBOX_ORPHAN_GRACE_MS / 1000,
		.it_value.tv_nsec = SANDBOX_ORPHAN_GRACE_MS % 1000 * 1000000L,
	};
	int tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);

	kill(cmd, SIGTERM);
	if (tfd < 0 || timerfd_settime(tfd, 0, &its, NULL) < 0)
		_exit(0); /* no timer: no grace */
	return tfd;
}

/*
 * PID 1: forward signals to the command, reap everything, report the
 * command's status; watch the supervisor.
 */
static _Noreturn void init_loop(int sock, pid_t cmd)
{
	struct pollfd pfd[3] = {{.events = POLLIN}, {.fd = sock, .events = POLLIN}, {.fd = -1}};
	sigset_t mask;
	int status = 0;
	bool cmd_running = true;

	sigemptyset(&mask);
	for (size_t i = 0; i < ELEMENTSOF(forwarded); i++)
		sigaddset(&mask, forwarded[i]);
	sigaddset(&mask, SIGCHLD);
	pfd[0].fd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	if (pfd[0].fd < 0) {
		/* cannot supervise: take the command down with us */
		kill(cmd, SIGKILL);
		send_msg(sock, SANDBOX_MSG_SETUP_FAILED, errno, STEP_COMMAND, "init: signalfd");
		_exit(125);
	}
	/* from here the socket, not SIGKILL, tells of the supervisor's death (see above) */
	if (prctl(PR_SET_PDEATHSIG, 0) < 0)
		_exit(0);
	while (cmd_running) {
		struct signalfd_siginfo si;

		if (poll(pfd, ELEMENTSOF(pfd), -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (pfd[2].revents & POLLIN)
			break; /* the grace is over */
		if (pfd[1].revents & (POLLIN | POLLHUP | POLLERR)) {
			char c;
			ssize_t n = recv(sock, &c, sizeof(c), MSG_DONTWAIT);

			/* nothing is sent to init any more: readable means closed */
			if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
				pfd[1].fd = -1;
				pfd[2].fd = start_orphan_grace(cmd);
				pfd[2].events = POLLIN;
			}
		}
		while (read(pfd[0].fd, &si, sizeof(si)) == sizeof(si)) {
			if (si.ssi_signo != SIGCHLD) {
				kill(cmd, (int)si.ssi_signo);
				continue;
			}
			for (;;) {
				int st;
				pid_t pid = waitpid(-1, &st, WNOHANG);

				if (pid <= 0)
					break;
				if (pid == cmd) {
					status = st;
					cmd_running = false;
				}
			}
		}
	}
	if (pfd[1].fd >= 0)
		send_msg(sock, SANDBOX_MSG_EXITED, 0, status, NULL);
	/* Leaving: the kernel kills whatever is left in the pid namespace. */
	_exit(0);
}

_Noreturn void sandbox_child(const struct sandbox_plan *p, int sock)
{
	static struct sandbox_go go; /* 16 KiB: not on the stack */
	const char *path = NULL;
	char what[256];
	int listener = -1, r;
	pid_t cmd = 0;

	/* Die with the supervisor; checked again after the uid change, which clears it. */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || !supervisor_alive(sock))
		_exit(125);
	/* daemon mode: the client's stdio, passed by SCM_RIGHTS, becomes ours */
	for (int i = 0; i < 3; i++)
		if (p->stdio[i] >= 0 && p->stdio[i] != i && dup2(p->stdio[i], i) < 0)
			fail_step(sock, STEP_NAMESPACES, -errno, "take the client's stdio");
	r = close_other_fds(p, sock);
	if (r < 0)
		fail_step(sock, STEP_NAMESPACES, r, "close inherited file descriptors");

	/* 1. namespaces: pid/mnt/ipc/uts/net came from clone3; cgroup must follow the move */
	if (unshare(CLONE_NEWCGROUP) < 0)
		fail_step(sock, STEP_NAMESPACES, -errno, "unshare cgroup namespace");
	if (sethostname(p->hostname, strlen(p->hostname)) < 0)
		fail_step(sock, STEP_NAMESPACES, -errno, "sethostname");
	/* loopback: the supervisor brings it up from outside meanwhile (see step 5) */

	/* 2. mounts */
	r = mount_apply(&p->mounts, what, sizeof(what));
	if (r < 0)
		fail_step(sock, STEP_MOUNTS, r, what);

	/* 3. cgroup: clone3(CLONE_INTO_CGROUP) already put us in the leaf */

	/* 4. rlimits */
	if (set_rlimit(RLIMIT_CORE, 0) < 0 || set_rlimit(RLIMIT_NOFILE, (rlim_t)p->nofile) < 0)
		fail_step(sock, STEP_RLIMITS, -errno, "setrlimit");
	if (personality(PER_LINUX) < 0)
		fail_step(sock, STEP_RLIMITS, -errno, "personality");

	/* 5. identity (the bounding set first: dropping it needs CAP_SETPCAP) */
	r = receive_go(sock, &go);
	if (r < 0)
		fail_step(sock, STEP_IDENTITY, r, "supervisor: groups and loopback");
	r = caps_drop_bounding();
	if (r < 0)
		fail_step(sock, STEP_IDENTITY, r, "drop the capability bounding set");
	r = change_identity(&p->ident, &go);
	if (r < 0)
		fail_step(sock, STEP_IDENTITY, r, "setgroups/setresgid/setresuid");

	/* 6. capabilities */
	r = caps_drop_all();
	if (r < 0)
		fail_step(sock, STEP_CAPABILITIES, r, "clear capability sets");
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || !supervisor_alive(sock))
		_exit(125);

	/* 7. no_new_privs */
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		fail_step(sock, STEP_NO_NEW_PRIVS, -errno, "prctl");

	/* 8. Landlock */
	r = landlock_apply(&p->landlock, &path);
	if (r < 0)
		fail_step(sock, STEP_LANDLOCK, r, path ? path : "restrict self");

	/* 9. session and working directory (as the target user) */
	if (setsid() < 0)
		fail_step(sock, STEP_SESSION, -errno, "setsid");
	r = enter_cwd(p);
	if (r < 0)
		fail_step(sock, STEP_SESSION, r, p->cwd ? p->cwd : "working directory");

	/* 10. seccomp, last */
	r = seccomp_apply(&p->seccomp, &listener);
	if (r < 0)
		fail_step(sock, STEP_SECCOMP, r, "load filter");
	r = send_fd(sock, listener);
	if (r < 0)
		fail_step(sock, STEP_SECCOMP, r, "hand the listener to the supervisor");
	close(listener);

	/* 11. the command */
	r = spawn_command(p, &cmd);
	if (r < 0) {
		send_msg(sock, SANDBOX_MSG_EXEC_FAILED, -r, 0, p->argv[0]);
		send_msg(sock, SANDBOX_MSG_EXITED, 0, W_EXITCODE(sandbox_exec_exit_code(-r), 0),
		         NULL);
		_exit(0);
	}
	send_msg(sock, SANDBOX_MSG_STARTED, 0, cmd, NULL);
	/*
	 * Reap nothing until the supervisor has seen the command in our children
	 * (that is how it learns the command's pid on the host); signals queue.
	 */
	{
		char ack;
		ssize_t n;

		do
			n = recv(sock, &ack, sizeof(ack), 0);
		while (n < 0 && errno == EINTR);
		if (n <= 0) {
			kill(cmd, SIGKILL);
			_exit(125);
		}
	}
	init_loop(sock, cmd);
}
