// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <jansson.h>

#include "client.h"
#include "cleanup.h"
#include "log.h"
#include "proto.h"
#include "user.h"
#include "util.h"

extern char **environ;

#define EXIT_CLIENT_FAILED 125

const char *client_socket_path(const char *option)
{
	const char *env = getenv("NBWARDEN_SOCKET");

	if (option)
		return option;
	return !isempty(env) ? env : CLIENT_DEFAULT_SOCKET;
}

static int client_connect(const char *path, int *ret)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	_cleanup_close_ int fd = -1;
	int size = PROTO_MAX_MESSAGE * 2;

	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	(void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof(size));
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return -errno;
	*ret = TAKE_FD(fd);
	return 0;
}

static int send_request(int fd, const struct request *r, const int *fds, unsigned n_fds)
{
	_cleanup_free_ char *buf = NULL;
	char cbuf[CMSG_SPACE(sizeof(int) * 4)] = {0};
	struct iovec iov;
	struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};
	size_t len;
	int r2;

	r2 = request_build(r, &buf, &len);
	if (r2 < 0)
		return r2;
	iov = (struct iovec){.iov_base = buf, .iov_len = len};
	if (n_fds > 0) {
		struct cmsghdr *cm;

		mh.msg_control = cbuf;
		mh.msg_controllen = CMSG_SPACE(sizeof(int) * n_fds);
		cm = CMSG_FIRSTHDR(&mh);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int) * n_fds);
		memcpy(CMSG_DATA(cm), fds, sizeof(int) * n_fds);
	}
	if (sendmsg(fd, &mh, MSG_NOSIGNAL) < 0)
		return -errno;
	return 0;
}

/* One message; 0 when the other side closed. */
static int recv_reply(int fd, struct proto_msg *m)
{
	_cleanup_free_ char *buf = malloc(PROTO_MAX_MESSAGE);
	ssize_t n;

	if (!buf)
		return -ENOMEM;
	do
		n = recv(fd, buf, PROTO_MAX_MESSAGE, 0);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return errno == ECONNRESET ? 0 : -errno;
	if (n == 0)
		return 0;
	return proto_parse(buf, (size_t)n, m) < 0 ? -EBADMSG : 1;
}

static int reply_code(const struct proto_msg *m)
{
	uint32_t code;

	if (parse_uint32(proto_get(m, "code") ? proto_get(m, "code") : "", &code) < 0 || code > 255)
		return EXIT_CLIENT_FAILED;
	return (int)code;
}

static void say(const char *what)
{
	if (!isempty(what))
		fprintf(stderr, "nbwarden: %s\n", what);
}

static int connect_or_say(const char *socket_path, int *ret)
{
	int r = client_connect(socket_path, ret);

	if (r < 0)
		log_error_errno(r, "cannot reach the nbwarden daemon at %s: %m%s", socket_path,
		                r == -ENOENT || r == -ECONNREFUSED ? " (is it running?)" : "");
	return r;
}

static int build_run_request(const struct run_options *o, struct request *req, int *ret_events_fd)
{
	_cleanup_free_ char *cwd = getcwd(NULL, 0);
	char *canon = NULL;

	if (strchr(o->profile, '/'))
		return log_error_errno(-EINVAL,
		                       "through the daemon, --profile takes a profile name, not a "
		                       "path ('%s')",
		                       o->profile);
	if (o->cgroup_parent || o->config_path)
		return log_error_errno(-EPERM,
		                       "--cgroup-parent and --config are for root (embedded "
		                       "mode); the daemon's configuration applies");
	if (o->user) {
		struct identity id = {0};
		int r = identity_resolve(o->user, &id);
		bool self = r >= 0 && id.uid == getuid();

		identity_done(&id);
		if (!self)
			return log_error_errno(-EPERM, "through the daemon a sandbox runs as you; "
			                               "--user may only name yourself");
	}
	if (o->cwd) {
		/* --cwd: entered inside the sandbox, as the caller */
		if (path_canonicalize(o->cwd, &canon) < 0)
			return log_error_errno(-EINVAL,
			                       "--cwd '%s' must be an absolute path without '..'",
			                       o->cwd);
	} else if (!cwd || path_canonicalize(cwd, &canon) < 0 || !streq(canon, cwd)) {
		free(canon);
		canon = strdup("/"); /* no usable directory: the sandbox starts in / */
	}
	*req = (struct request){.op = REQUEST_RUN,
	                        .profile = (char *)o->profile,
	                        .id = (char *)o->id,
	                        .cwd = canon,
	                        .argv = o->argv,
	                        .env = environ,
	                        .setenv = o->env,
	                        .stats = o->show_stats};
	if (!req->cwd)
		return log_oom();
	if (o->events_path) {
		int fd = streq(o->events_path, "-")
		                 ? fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, 3)
		                 : open(o->events_path,
		                        O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW |
		                                O_NOCTTY,
		                        0640);

		if (fd < 0) {
			int r = log_error_errno(-errno, "cannot open event log '%s': %m",
			                        o->events_path);

			free(req->cwd);
			return r;
		}
		req->events_fd = true;
		*ret_events_fd = fd;
	}
	return 0;
}

/*
 * After the request: the daemon's answers (queued, error), then the
 * supervisor's (started, exit). Signals before "started" wait for it; one
 * that would end us while queued withdraws the launch.
 */
static int run_loop(int conn, int sigfd, int parent_fd)
{
	bool started = false, queued = false, tty = isatty(STDERR_FILENO);
	int pending[16]; /* one per forwarded signal is plenty */
	unsigned n_pending = 0;

	for (;;) {
		struct pollfd p[3] = {{.fd = conn, .events = POLLIN},
		                      {.fd = sigfd, .events = POLLIN},
		                      {.fd = parent_fd, .events = POLLIN}};
		struct proto_msg m = {0};
		const char *type;
		int r;

		if (poll(p, 3, -1) < 0) {
			if (errno == EINTR)
				continue;
			return log_error_errno(-errno, "poll: %m"), EXIT_CLIENT_FAILED;
		}
		if (p[2].revents & POLLIN) {
			/*
			 * As in embedded mode: whoever started us (a Jupyter server) is
			 * gone, so the sandbox goes. Closing the connection makes its
			 * supervisor kill it (reason "client"); a queued launch is
			 * withdrawn.
			 */
			say("the process that started nbwarden exited; ending the sandbox");
			return started ? 128 + SIGKILL : 128 + SIGHUP;
		}
		if (p[1].revents & POLLIN) {
			struct signalfd_siginfo si;

			while (read(sigfd, &si, sizeof(si)) == sizeof(si)) {
				int sig = (int)si.ssi_signo;

				if (started) {
					struct request req = {.op = REQUEST_SIGNAL, .signo = sig};

					(void)send_request(conn, &req, NULL, 0);
				} else if (queued && (sig == SIGINT || sig == SIGTERM ||
				                      sig == SIGHUP || sig == SIGQUIT)) {
					if (tty)
						fputc('\n', stderr);
					say("launch withdrawn");
					return 128 + sig;
				} else if (n_pending < ELEMENTSOF(pending)) {
					pending[n_pending++] = sig;
				}
			}
		}
		if (!(p[0].revents & (POLLIN | POLLHUP | POLLERR)))
			continue;
		r = recv_reply(conn, &m);
		if (r <= 0) {
			proto_msg_done(&m);
			if (queued && tty)
				fputc('\n', stderr);
			say(started ? "lost the connection to the sandbox's supervisor"
			            : "the daemon closed the connection");
			return EXIT_CLIENT_FAILED;
		}
		type = proto_get(&m, "type");
		if (streq(type, "queued")) {
			fprintf(stderr,
			        "%snbwarden: queued: position %s (%s of %s kernels running)%s",
			        tty ? "\r\033[K" : "", proto_get(&m, "position"),
			        proto_get(&m, "running"), proto_get(&m, "limit"), tty ? "" : "\n");
			queued = true;
		} else if (streq(type, "started")) {
			if (queued) {
				fprintf(stderr, "%snbwarden: started %s\n", tty ? "\r\033[K" : "",
				        proto_get(&m, "id"));
				queued = false;
			}
			started = true;
			for (unsigned i = 0; i < n_pending; i++) {
				struct request req = {.op = REQUEST_SIGNAL, .signo = pending[i]};

				(void)send_request(conn, &req, NULL, 0);
			}
			n_pending = 0;
		} else if (streq(type, "error") || streq(type, "exit")) {
			int code = reply_code(&m);

			if (queued && tty)
				fputc('\n', stderr);
			say(proto_get(&m, "message"));
			if (proto_get(&m, "stats"))
				fputs(proto_get(&m, "stats"), stderr);
			proto_msg_done(&m);
			return code;
		}
		proto_msg_done(&m);
	}
}

int client_run(const struct run_options *o, const char *socket_path)
{
	_cleanup_close_ int conn = -1, sigfd = -1, events_fd = -1, parent_fd = -1;
	struct request req = {0};
	sigset_t mask;
	int fds[4] = {STDIN_FILENO, STDOUT_FILENO, STDERR_FILENO, -1};
	int r, code;

	/* blocked first: a Ctrl-C while we start reaches the command once it runs */
	sigemptyset(&mask);
	/* the daemon's list: it refuses to forward any other */
	for (int sig = 1; sig < NSIG; sig++)
		if (proto_signal_is_forwarded(sig))
			sigaddset(&mask, sig);
	if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0 ||
	    (sigfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK)) < 0) {
		log_error_errno(-errno, "cannot set up signal handling: %m");
		return EXIT_CLIENT_FAILED;
	}
	signal(SIGPIPE, SIG_IGN);
	parent_fd = parent_pidfd_open();
	if (parent_fd == -2) {
		log_error("the process that started nbwarden exited; not launching");
		return EXIT_CLIENT_FAILED;
	}
	r = build_run_request(o, &req, &events_fd);
	if (r < 0)
		return EXIT_CLIENT_FAILED;
	fds[3] = events_fd;
	r = connect_or_say(socket_path, &conn);
	if (r >= 0) {
		r = send_request(conn, &req, fds, events_fd >= 0 ? 4 : 3);
		if (r < 0)
			log_error_errno(r, "cannot send the launch request: %m%s",
			                r == -EMSGSIZE ? " (arguments and environment too large)"
			                               : "");
	}
	free(req.cwd);
	if (r < 0)
		return EXIT_CLIENT_FAILED;
	events_fd = safe_close(events_fd);
	code = run_loop(conn, sigfd, parent_fd);
	return code;
}

/* An event as one readable line: time, action, outcome, who, what, why. */
static void print_event(const char *line)
{
	json_t *ev = json_loads(line, 0, NULL);
	json_t *e, *nbw;
	const char *msg, *rule, *sid;

	if (!ev) {
		puts(line);
		return;
	}
	e = json_object_get(ev, "event");
	nbw = json_object_get(ev, "nbwarden");
	msg = json_string_value(json_object_get(ev, "message"));
	rule = json_string_value(json_object_get(nbw, "rule"));
	sid = json_string_value(json_object_get(nbw, "sandbox_id"));
	printf("%s %-28s %-8s user=%s", json_string_value(json_object_get(ev, "@timestamp")),
	       json_string_value(json_object_get(e, "action")),
	       json_string_value(json_object_get(e, "outcome")),
	       json_string_value(json_object_get(json_object_get(ev, "user"), "name")) ?: "-");
	if (sid)
		printf(" sandbox=%s", sid);
	if (rule)
		printf(" rule=%s", rule);
	if (msg)
		printf(" %s", msg);
	putchar('\n');
	json_decref(ev);
}

int client_command(const struct request *req, const char *socket_path)
{
	_cleanup_close_ int conn = -1;
	int r;

	signal(SIGPIPE, SIG_IGN);
	r = connect_or_say(socket_path, &conn);
	if (r < 0)
		return EXIT_CLIENT_FAILED;
	r = send_request(conn, req, NULL, 0);
	if (r < 0) {
		log_error_errno(r, "cannot send the request: %m");
		return EXIT_CLIENT_FAILED;
	}
	for (;;) {
		struct proto_msg m = {0};
		const char *type;
		int code;

		r = recv_reply(conn, &m);
		if (r <= 0) {
			proto_msg_done(&m);
			say("the daemon closed the connection");
			return EXIT_CLIENT_FAILED;
		}
		type = proto_get(&m, "type");
		if (streq(type, "data")) {
			const char *t = proto_get(&m, "text");

			if (t && req->op == REQUEST_EVENTS && !req->json) {
				print_event(t);
			} else if (t) {
				fputs(t, stdout);
				/* event lines come one per message */
				if (req->op == REQUEST_EVENTS)
					fputc('\n', stdout);
			}
			fflush(stdout);
			proto_msg_done(&m);
			continue;
		}
		if (streq(type, "error")) {
			say(proto_get(&m, "message"));
			code = reply_code(&m);
			proto_msg_done(&m);
			return code;
		}
		if (streq(type, "end")) {
			code = reply_code(&m);
			proto_msg_done(&m);
			return code;
		}
		proto_msg_done(&m);
	}
}
