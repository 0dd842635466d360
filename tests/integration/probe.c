// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * probe: a cooperative helper run *inside* sandboxes by the integration
 * tests. Static, so an [exec] allow entry for it is all it needs. Every
 * subcommand prints "key=value" lines the tests parse.
 *
 *   probe status                 identity, privileges, namespaces, visible pids
 *   probe exit N                 exit with status N
 *   probe raise SIG              kill itself with signal SIG (number)
 *   probe signals                report each forwarded signal; exit on SIGTERM or after 30 s
 *   probe daemonize TOKEN        leave a setsid()ed grandchild named TOKEN behind, then exit
 *   probe zombies                orphan children that exit; report zombies init left unreaped
 *   probe sleep SECONDS          sleep
 *   probe cat                    copy stdin to stdout
 *   probe write PATH             try to create/write PATH
 *   probe list PATH              list a directory
 *   probe net                    loopback bind/connect and interface list
 *   probe env                    print the environment
 *   probe rlimits                core and open-file limits
 *   probe spin [SECONDS]         burn CPU (at most SECONDS, default 60); prints when it began
 *   probe write-bytes PATH MIB   write MIB MiB to PATH, synced
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static void print_status_field(const char *want)
{
	char line[512];
	FILE *f = fopen("/proc/self/status", "re");

	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		size_t n = strlen(want);

		if (strncmp(line, want, n) == 0 && line[n] == ':') {
			char *v = line + n + 1;

			v += strspn(v, " \t");
			v[strcspn(v, "\n")] = 0;
			/* tabs inside (Uid: a b c d) become spaces */
			for (char *p = v; *p; p++)
				if (*p == '\t')
					*p = ' ';
			printf("%s=%s\n", want, v);
		}
	}
	fclose(f);
}

static int cmd_status(void)
{
	static const char *const fields[] = {"Uid",    "Gid",    "Groups", "NoNewPrivs", "Seccomp",
	                                     "CapEff", "CapPrm", "CapInh", "CapBnd",     "CapAmb"};
	char buf[4096], host[256];
	DIR *d;
	struct dirent *de;
	ssize_t n;
	int fd;

	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
		print_status_field(fields[i]);
	printf("pid=%d\nppid=%d\nsid=%d\npgid=%d\n", getpid(), getppid(), getsid(0), getpgid(0));
	gethostname(host, sizeof(host));
	printf("hostname=%s\n", host);
	if (getcwd(buf, sizeof(buf)))
		printf("cwd=%s\n", buf);
	fd = open("/proc/1/comm", O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		n = read(fd, buf, sizeof(buf) - 1);
		if (n > 0) {
			buf[n] = 0;
			buf[strcspn(buf, "\n")] = 0;
			printf("init_comm=%s\n", buf);
		}
		close(fd);
	}
	fd = open("/proc/self/cgroup", O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		n = read(fd, buf, sizeof(buf) - 1);
		if (n > 0) {
			buf[n] = 0;
			for (char *l = strtok(buf, "\n"); l; l = strtok(NULL, "\n"))
				if (strncmp(l, "0::", 3) == 0)
					printf("cgroup=%s\n", l + 3);
		}
		close(fd);
	}
	printf("pids=");
	d = opendir("/proc");
	while (d && (de = readdir(d)))
		if (de->d_name[0] >= '0' && de->d_name[0] <= '9')
			printf("%s,", de->d_name);
	if (d)
		closedir(d);
	printf("\n");
	return 0;
}

static const char *signame(int s)
{
	switch (s) {
	case SIGINT:
		return "INT";
	case SIGTERM:
		return "TERM";
	case SIGHUP:
		return "HUP";
	case SIGQUIT:
		return "QUIT";
	case SIGUSR1:
		return "USR1";
	case SIGUSR2:
		return "USR2";
	default:
		return "OTHER";
	}
}

static volatile sig_atomic_t counts[65];

static void on_signal(int s)
{
	if (s > 0 && s < 65)
		counts[s]++;
}

static int cmd_signals(void)
{
	static const int sigs[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2};
	struct sigaction sa = {.sa_handler = on_signal};
	time_t end = time(NULL) + 30;
	int seen[65] = {0};

	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaction(sigs[i], &sa, NULL);
	printf("ready\n");
	fflush(stdout);
	/* bounded: 30 s at most, or until SIGTERM */
	while (time(NULL) < end && seen[SIGTERM] == 0) {
		usleep(10000);
		for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
			int s = sigs[i];

			while (seen[s] < counts[s]) {
				seen[s]++;
				printf("got=%s\n", signame(s));
				fflush(stdout);
			}
		}
	}
	return 0;
}

static int cmd_daemonize(const char *token)
{
	pid_t p = fork();

	if (p < 0)
		return 1;
	if (p == 0) {
		if (fork() != 0)
			_exit(0);
		/* the classic daemon: new session, detached, renamed */
		setsid();
		prctl(PR_SET_NAME, token);
		for (int i = 0; i < 3; i++)
			close(i);
		sleep(600);
		_exit(0);
	}
	waitpid(p, NULL, 0);
	usleep(100000);
	printf("daemonized=%s\n", token);
	return 0;
}

static int count_zombies(void)
{
	DIR *d = opendir("/proc");
	struct dirent *de;
	int z = 0;

	while (d && (de = readdir(d))) {
		char path[300], buf[512];
		int fd;
		ssize_t n;
		char *rp;

		if (de->d_name[0] < '0' || de->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/stat", de->d_name);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		n = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		if (n <= 0)
			continue;
		buf[n] = 0;
		rp = strrchr(buf, ')');
		if (rp && rp[1] == ' ' && rp[2] == 'Z')
			z++;
	}
	if (d)
		closedir(d);
	return z;
}

static int cmd_zombies(void)
{
	/* 5 orphans: each intermediate exits at once, its child exits a moment later */
	for (int i = 0; i < 5; i++) {
		pid_t p = fork();

		if (p == 0) {
			if (fork() == 0) {
				usleep(50000);
				_exit(0);
			}
			_exit(0);
		}
		waitpid(p, NULL, 0);
	}
	/* bounded wait for init to reap the orphans */
	for (int i = 0; i < 100 && count_zombies() > 0; i++)
		usleep(20000);
	printf("zombies=%d\n", count_zombies());
	return 0;
}

static int cmd_write(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);

	if (fd < 0) {
		printf("write=%s\n", strerrorname_np(errno));
		return 0;
	}
	if (write(fd, "x", 1) != 1)
		printf("write=%s\n", strerrorname_np(errno));
	else
		printf("write=ok\n");
	close(fd);
	return 0;
}

static int cmd_list(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *de;
	int n = 0;

	if (!d) {
		printf("list=%s\n", strerrorname_np(errno));
		return 0;
	}
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			n++;
	closedir(d);
	printf("list=ok\nentries=%d\n", n);
	return 0;
}

static int cmd_net(void)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof(a);
	struct if_nameindex *ifs = if_nameindex();
	int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), c;

	printf("interfaces=");
	for (struct if_nameindex *i = ifs; i && i->if_index; i++)
		printf("%s,", i->if_name);
	printf("\n");
	if (ifs)
		if_freenameindex(ifs);
	if (s < 0 || bind(s, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(s, 1) < 0 ||
	    getsockname(s, (struct sockaddr *)&a, &len) < 0) {
		printf("loopback=%s\n", strerrorname_np(errno));
		return 0;
	}
	c = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (c < 0 || connect(c, (struct sockaddr *)&a, sizeof(a)) < 0)
		printf("loopback=%s\n", strerrorname_np(errno));
	else
		printf("loopback=ok\n");
	return 0;
}

static int cmd_cat(void)
{
	char buf[4096];
	ssize_t n;

	while ((n = read(0, buf, sizeof(buf))) > 0)
		if (write(1, buf, (size_t)n) != n)
			return 1;
	return n < 0;
}

/* One TCP connect to 127.0.0.2:port: "ok", "refused" (it got there) or the errno name. */
static const char *try_connect(int port)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), r;

	if (fd < 0)
		return "socket-failed";
	inet_pton(AF_INET, "127.0.0.2", &a.sin_addr);
	r = connect(fd, (struct sockaddr *)&a, sizeof(a));
	close(fd);
	if (r == 0)
		return "ok";
	return errno == EPERM ? "EPERM" : errno == ECONNREFUSED ? "refused" : "error";
}

/*
 * Every 50 ms for at most SECONDS, connect to an allowed and a denied port of
 * 127.0.0.2 and print both outcomes, numbered; SIGTERM is ignored, so this
 * goes on while nbwarden's init waits out its grace after losing the
 * supervisor.
 */
static int cmd_net_watch(int allowed, int denied, int seconds)
{
	signal(SIGTERM, SIG_IGN);
	printf("ready\n");
	for (int i = 0; i < seconds * 20; i++) {
		const char *a = try_connect(allowed);

		struct timespec now;

		clock_gettime(CLOCK_MONOTONIC, &now);
		printf("%d t=%lld.%06ld allowed=%s denied=%s\n", i, (long long)now.tv_sec,
		       now.tv_nsec / 1000, a, try_connect(denied));
		usleep(50000);
	}
	return 0;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc < 2) {
		fprintf(stderr, "usage: probe COMMAND [ARG]\n");
		return 2;
	}
	if (!strcmp(argv[1], "status"))
		return cmd_status();
	if (!strcmp(argv[1], "exit") && argc > 2)
		return atoi(argv[2]);
	if (!strcmp(argv[1], "raise") && argc > 2) {
		signal(atoi(argv[2]), SIG_DFL);
		raise(atoi(argv[2]));
		return 99;
	}
	if (!strcmp(argv[1], "signals"))
		return cmd_signals();
	if (!strcmp(argv[1], "daemonize") && argc > 2)
		return cmd_daemonize(argv[2]);
	if (!strcmp(argv[1], "zombies"))
		return cmd_zombies();
	if (!strcmp(argv[1], "sleep") && argc > 2) {
		sleep((unsigned)atoi(argv[2]));
		return 0;
	}
	if (!strcmp(argv[1], "cat"))
		return cmd_cat();
	if (!strcmp(argv[1], "write") && argc > 2)
		return cmd_write(argv[2]);
	if (!strcmp(argv[1], "list") && argc > 2)
		return cmd_list(argv[2]);
	if (!strcmp(argv[1], "net"))
		return cmd_net();
	if (!strcmp(argv[1], "net-watch") && argc > 4)
		return cmd_net_watch(atoi(argv[2]), atoi(argv[3]), atoi(argv[4]));
	if (!strcmp(argv[1], "spin")) {
		time_t end = time(NULL) + (argc > 2 ? atoi(argv[2]) : 60);
		volatile unsigned long x = 0;
		struct timespec now;

		/* when the spinning starts (wall clock, as events carry it) */
		clock_gettime(CLOCK_REALTIME, &now);
		printf("since=%lld.%06ld\n", (long long)now.tv_sec, now.tv_nsec / 1000);
		fflush(stdout);

		while (time(NULL) < end)
			for (int i = 0; i < 1000000; i++)
				x += (unsigned long)i;
		return 0;
	}
	if (!strcmp(argv[1], "write-bytes") && argc > 3) {
		static char block[1 << 20];
		int fd = open(argv[2], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		int mib = atoi(argv[3]);

		if (fd < 0)
			return 1;
		memset(block, 'x', sizeof(block));
		for (int i = 0; i < mib; i++)
			if (write(fd, block, sizeof(block)) != (ssize_t)sizeof(block) ||
			    fdatasync(fd) < 0)
				return 1;
		close(fd);
		printf("written=%d\n", mib);
		return 0;
	}
	if (!strcmp(argv[1], "rlimits")) {
		struct rlimit core, nofile;

		getrlimit(RLIMIT_CORE, &core);
		getrlimit(RLIMIT_NOFILE, &nofile);
		printf("core=%llu/%llu\nnofile=%llu/%llu\n", (unsigned long long)core.rlim_cur,
		       (unsigned long long)core.rlim_max, (unsigned long long)nofile.rlim_cur,
		       (unsigned long long)nofile.rlim_max);
		return 0;
	}
	if (!strcmp(argv[1], "env")) {
		for (char **e = environ; *e; e++)
			printf("%s\n", *e);
		return 0;
	}
	fprintf(stderr, "probe: unknown command '%s'\n", argv[1]);
	return 2;
}
