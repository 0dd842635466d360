// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The connect() latency the eBPF hooks add, as a ratio to the same connects
 * with no hooks, for allow-lists of 1, 1,000 and 10,000 entries, in one run
 * (scripts/bench-bpf.sh prints it; goal: <= 1.10x at 10,000 entries).
 *
 * It uses nbwarden's own eBPF layer (libnbwarden.a) the way a launch does,
 * and nothing else of the sandbox, so only the hooks differ:
 *
 *   <cgroup2>/nbwarden-bench.<pid>/hooked/        hooks attached here
 *   <cgroup2>/nbwarden-bench.<pid>/hooked/leaf/   a "sandbox": policy + N rules
 *   <cgroup2>/nbwarden-bench.<pid>/plain/         no hooks (checked)
 *
 * A child moves itself into leaf or plain and times each connect() to a
 * loopback listener of ours, allowed by the list. Rounds alternate between
 * the two so that drift on a shared machine hits both alike; the figure is
 * the median over the rounds of the ratio of the two medians of per-call
 * times in that round (the table also shows the overall medians, from
 * which the ratio is not computed). Two kinds of connect:
 * TCP (a full loopback handshake, what a kernel's client does) and UDP (no
 * handshake: the hook's own cost dominates, the worst case).
 *
 * Everything it creates (cgroups, map entries, the links it pinned) is
 * removed at exit, also on failure.
 */
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cgroup.h"
#include "cleanup.h"
#include "guard.h"
#include "log.h"
#include "profile.h"
#include "util.h"

#define ROUNDS 12 /* alternating rounds per configuration */

static unsigned calls = 2000; /* connects per round */
static char base[512], hooked[600], leaf[700], plain[600];
static int listen_fd = -1, udp_fd = -1;
static struct sockaddr_in target;

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static void *acceptor(void *arg)
{
	(void)arg;
	for (;;) {
		int fd = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC);

		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			return NULL; /* shut down at exit */
		}
		close(fd);
	}
}

static int enter(const char *cg)
{
	char path[800], pid[32];
	int fd, n;

	snprintf(path, sizeof(path), "%s/cgroup.procs", cg);
	n = snprintf(pid, sizeof(pid), "%d", getpid());
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0 || write(fd, pid, (size_t)n) != n) {
		fprintf(stderr, "bench-connect: cannot enter %s: %m\n", cg);
		return -1;
	}
	close(fd);
	return 0;
}

/* One round in cgroup cg: per-call connect() times into out[calls]. Runs in a child. */
static int round_in(const char *cg, int type, uint64_t *out)
{
	struct linger rst = {.l_onoff = 1, .l_linger = 0};

	if (enter(cg) < 0)
		return -1;
	for (unsigned i = 0; i < calls; i++) {
		int fd = socket(AF_INET, type | SOCK_CLOEXEC, 0);
		uint64_t t0, t1;
		int r;

		if (fd < 0)
			return -1;
		/* reset rather than TIME_WAIT: thousands of connects must not use up ports */
		(void)setsockopt(fd, SOL_SOCKET, SO_LINGER, &rst, sizeof(rst));
		t0 = now_ns();
		r = connect(fd, (struct sockaddr *)&target, sizeof(target));
		t1 = now_ns();
		close(fd);
		if (r < 0) {
			fprintf(stderr, "bench-connect: connect in %s: %m\n", cg);
			return -1;
		}
		out[i] = t1 - t0;
	}
	return 0;
}

/* Run a round in a child (it moves itself into cg); the times come back through a pipe. */
static int run_round(const char *cg, int type, uint64_t *out)
{
	int p[2], status;
	size_t want = calls * sizeof(*out), got = 0;
	pid_t pid;

	if (pipe2(p, O_CLOEXEC) < 0)
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		int r = round_in(cg, type, out);

		if (r == 0 && write(p[1], out, want) != (ssize_t)want)
			r = -1;
		_exit(r == 0 ? 0 : 1);
	}
	close(p[1]);
	while (got < want) {
		ssize_t n = read(p[0], (char *)out + got, want - got);

		if (n <= 0)
			break;
		got += (size_t)n;
	}
	close(p[0]);
	if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0 ||
	    got != want)
		return -1;
	return 0;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static double median(uint64_t *v, size_t n)
{
	qsort(v, n, sizeof(*v), cmp_u64);
	return n % 2 ? (double)v[n / 2] : ((double)v[n / 2 - 1] + (double)v[n / 2]) / 2;
}

/* A deterministic allow-list of n entries: ours first, then addresses nobody uses. */
static struct guard_net_rule *make_rules(size_t n, uint16_t port)
{
	struct guard_net_rule *r = calloc(n, sizeof(*r));
	uint32_t x = 2463534242u;

	if (!r)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		r[i].addr[10] = r[i].addr[11] = 0xff;
		if (i == 0) {
			memcpy(r[i].addr + 12, &target.sin_addr, 4);
			r[i].prefix = 128;
			r[i].protos = NBW_PROTO_TCP | NBW_PROTO_UDP;
			r[i].port_lo = r[i].port_hi = port;
			continue;
		}
		x ^= x << 13, x ^= x >> 17, x ^= x << 5;
		if (i % 4 == 3) { /* 2001:db8::/32 hosts */
			memset(r[i].addr, 0, 16);
			r[i].addr[0] = 0x20, r[i].addr[1] = 0x01, r[i].addr[2] = 0x0d;
			r[i].addr[3] = 0xb8;
			memcpy(r[i].addr + 12, &x, 4);
			r[i].prefix = 128;
		} else { /* 10.0.0.0/8: hosts and /24 networks */
			r[i].addr[12] = 10;
			memcpy(r[i].addr + 13, &x, 3);
			r[i].prefix = i % 4 == 2 ? 96 + 24 : 128;
		}
		r[i].protos = i % 2 ? NBW_PROTO_TCP : NBW_PROTO_UDP;
		r[i].port_lo = r[i].port_hi = (uint16_t)(1 + x % 65000);
	}
	return r;
}

/* Are any programs of these types in effect for cg? (Another tool's hooks would skew "plain".) */
static int effective_programs(const char *cg)
{
	static const enum bpf_attach_type types[] = {
		BPF_CGROUP_INET4_CONNECT, BPF_CGROUP_UDP4_SENDMSG, BPF_CGROUP_INET_SOCK_CREATE,
		BPF_CGROUP_INET_EGRESS, BPF_CGROUP_INET_INGRESS};
	int fd = open(cg, O_RDONLY | O_DIRECTORY | O_CLOEXEC), total = 0;

	if (fd < 0)
		return -1;
	for (size_t i = 0; i < ELEMENTSOF(types); i++) {
		__u32 ids[16], n = ELEMENTSOF(ids);

		if (bpf_prog_query(fd, types[i], BPF_F_QUERY_EFFECTIVE, NULL, ids, &n) == 0)
			total += (int)n;
	}
	close(fd);
	return total;
}

static uint64_t cgroup_id_of(const char *path)
{
	struct stat st;

	return stat(path, &st) < 0 ? 0 : (uint64_t)st.st_ino;
}

struct result {
	double plain, hooked; /* medians of all per-call times */
	double ratio;         /* median over the rounds of hooked/plain in that round */
};

/* One configuration: n rules installed for leaf, ROUNDS alternating rounds of each type. */
static int measure(struct guard *g, const struct profile *prof, size_t n, uint16_t port,
                   struct result res[2], double *plan_ms, double *install_ms)
{
	static const int types[2] = {SOCK_STREAM, SOCK_DGRAM};
	_cleanup_free_ struct guard_net_rule *rules = make_rules(n, port);
	_cleanup_free_ uint64_t *a = calloc((size_t)ROUNDS * calls, sizeof(uint64_t));
	_cleanup_free_ uint64_t *b = calloc((size_t)ROUNDS * calls, sizeof(uint64_t));
	struct guard_plan plan = {.policy = guard_policy_from_profile(prof)};
	uint64_t cgid = cgroup_id_of(leaf), t0;
	char *error = NULL;
	int ring = -1, r;

	if (!rules || !a || !b || !cgid)
		return -ENOMEM;
	t0 = now_ns();
	r = guard_plan_net(&plan, cgid, rules, n, &error);
	*plan_ms = (double)(now_ns() - t0) / 1e6;
	t0 = now_ns();
	if (r >= 0)
		r = guard_install(g, cgid, &plan, &ring);
	*install_ms = (double)(now_ns() - t0) / 1e6;
	if (r < 0) {
		fprintf(stderr, "bench-connect: %s\n", error ? error : strerror(-r));
		free(error);
		guard_plan_done(&plan);
		return r;
	}
	for (int t = 0; t < 2 && r >= 0; t++) {
		for (int i = 0; i < ROUNDS && r >= 0; i++) {
			/* alternate which goes first, too */
			const char *first = i % 2 ? plain : leaf, *second = i % 2 ? leaf : plain;
			uint64_t *f = i % 2 ? a : b, *s = i % 2 ? b : a;

			r = run_round(first, types[t], f + (size_t)i * calls);
			if (r >= 0)
				r = run_round(second, types[t], s + (size_t)i * calls);
		}
		if (r >= 0) {
			/*
			 * Each round's pair ran back to back: their ratio is immune to
			 * the machine drifting between rounds, and the median of the
			 * ratios to a round hit by a neighbour's burst.
			 */
			uint64_t ratios[ROUNDS];

			for (int i = 0; i < ROUNDS; i++)
				ratios[i] = (uint64_t)(1e6 * median(b + (size_t)i * calls, calls) /
				                       median(a + (size_t)i * calls, calls));
			res[t].ratio = median(ratios, ROUNDS) / 1e6;
			res[t].plain = median(a, (size_t)ROUNDS * calls);
			res[t].hooked = median(b, (size_t)ROUNDS * calls);
		}
	}
	(void)guard_remove(g, cgid, &plan);
	close(ring);
	guard_plan_done(&plan);
	return r;
}

static void cleanup(struct guard *g)
{
	if (g) {
		(void)guard_detach(g, cgroup_id_of(hooked));
		guard_close(g);
	}
	(void)rmdir(leaf);
	(void)rmdir(hooked);
	(void)rmdir(plain);
	(void)rmdir(base);
}

int main(int argc, char **argv)
{
	static const size_t sizes[] = {1, 1000, 10000};
	_cleanup_free_ char *mount = NULL;
	_cleanup_close_ int hooked_fd = -1;
	struct profile *prof = NULL;
	struct guard *g = NULL;
	char **errors = NULL, *error = NULL;
	socklen_t len = sizeof(target);
	pthread_t thread;
	int r, failed = 0, one = 1;

	if (argc > 1)
		calls = (unsigned)strtoul(argv[1], NULL, 10);
	if (calls < 100 || calls > 100000) {
		fprintf(stderr, "usage: bench-connect [CALLS_PER_ROUND: 100..100000]\n");
		return 2;
	}
	log_set_level(LOG_LEVEL_WARNING);
	if (cgroup_find_mount(&mount) < 0) {
		fprintf(stderr, "bench-connect: no cgroup2 hierarchy\n");
		return 1;
	}
	snprintf(base, sizeof(base), "%s/nbwarden-bench.%d", mount, getpid());
	snprintf(hooked, sizeof(hooked), "%s/hooked", base);
	snprintf(leaf, sizeof(leaf), "%s/leaf", hooked);
	snprintf(plain, sizeof(plain), "%s/plain", base);
	if (mkdir(base, 0700) < 0 || mkdir(hooked, 0700) < 0 || mkdir(leaf, 0700) < 0 ||
	    mkdir(plain, 0700) < 0) {
		fprintf(stderr, "bench-connect: cannot create cgroups below %s: %m\n", base);
		cleanup(NULL);
		return 1;
	}

	/* the listener: 127.0.0.1, a port of the kernel's choosing, for TCP and UDP alike */
	target = (struct sockaddr_in){.sin_family = AF_INET,
	                              .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	listen_fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	udp_fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (listen_fd < 0 || udp_fd < 0 ||
	    setsockopt(listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    bind(listen_fd, (struct sockaddr *)&target, sizeof(target)) < 0 ||
	    listen(listen_fd, 4096) < 0 ||
	    getsockname(listen_fd, (struct sockaddr *)&target, &len) < 0 ||
	    bind(udp_fd, (struct sockaddr *)&target, sizeof(target)) < 0 ||
	    pthread_create(&thread, NULL, acceptor, NULL) != 0) {
		fprintf(stderr, "bench-connect: cannot listen on 127.0.0.1: %m\n");
		cleanup(NULL);
		return 1;
	}

	r = profile_load_string("[network]\nmode = host\n", "bench", NULL, &prof, &errors);
	hooked_fd = open(hooked, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (r >= 0 && hooked_fd >= 0)
		r = guard_open(hooked_fd, cgroup_id_of(hooked), &g, &error);
	if (r < 0 || hooked_fd < 0) {
		fprintf(stderr, "bench-connect: %s\n", error ? error : "cannot set up the guard");
		cleanup(g);
		return 1;
	}
	if (effective_programs(plain) != 0) {
		fprintf(stderr,
		        "bench-connect: %s has cgroup BPF programs in effect from an "
		        "ancestor: no baseline without hooks\n",
		        plain);
		cleanup(g);
		return 1;
	}

	printf("connect() to 127.0.0.1:%u, %d alternating rounds x %u calls; medians of "
	       "per-call times, median of per-round ratios\n",
	       ntohs(target.sin_port), ROUNDS, calls);
	printf("%-8s %9s %12s %6s %10s %8s\n", "entries", "plan", "map update", "kind", "no hooks",
	       "hooks");
	for (size_t i = 0; i < ELEMENTSOF(sizes); i++) {
		struct result res[2] = {0};
		double plan_ms = 0, install_ms = 0;

		r = measure(g, prof, sizes[i], ntohs(target.sin_port), res, &plan_ms, &install_ms);
		if (r < 0) {
			fprintf(stderr, "bench-connect: measuring %zu entries failed\n", sizes[i]);
			failed = 1;
			break;
		}
		for (int t = 0; t < 2; t++)
			printf("%-8zu %6.1f ms %9.1f ms %6s %7.2f us %5.2f us  ratio %.3f\n",
			       sizes[i], plan_ms, install_ms, t ? "udp" : "tcp", res[t].plain / 1e3,
			       res[t].hooked / 1e3, res[t].ratio);
		if (i == ELEMENTSOF(sizes) - 1)
			printf("RESULT connect ratio at %zu entries: tcp %.3f, udp %.3f (goal <= "
			       "1.10 "
			       "for tcp: %s)\n",
			       sizes[i], res[0].ratio, res[1].ratio,
			       res[0].ratio <= 1.10 ? "met" : "missed");
	}
	shutdown(listen_fd, SHUT_RDWR);
	profile_free(prof);
	cleanup(g);
	return failed;
}
