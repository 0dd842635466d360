// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * attack: hostile attempts run *inside* a sandbox by the escape suite. Each
 * subcommand tries one way out and prints exactly one line:
 *
 *   result=DENIED errno=<NAME>      the attempt failed with that errno
 *   result=ALLOWED <detail>         it worked: the sandbox has a hole
 *
 * Static, so it runs with nothing but an [exec] allow entry for itself.
 * "attack list" prints the names of all attacks.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <linux/io_uring.h>
#include <linux/keyctl.h>
#include <linux/perf_event.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef __X32_SYSCALL_BIT
#define __X32_SYSCALL_BIT 0x40000000
#endif

static const char *arg1, *arg2, *arg3;

static int denied(int e)
{
	printf("result=DENIED errno=%s\n", strerrorname_np(e));
	return 0;
}

static int allowed(const char *what)
{
	printf("result=ALLOWED %s\n", what);
	return 0;
}

/* A syscall that must fail: r < 0 is denied with errno. */
static int expect_fail(long r, const char *what)
{
	return r < 0 ? denied(errno) : allowed(what);
}

static int a_exec_shell(void)
{
	char *argv[] = {"/bin/sh", "-c", "echo pwned", NULL};

	execv(argv[0], argv);
	return denied(errno);
}

static int a_exec_bin(void)
{
	char *argv[] = {(char *)arg1, NULL};

	execv(arg1, argv);
	return denied(errno);
}

/* Copy our own binary into a writable directory and run the copy. */
static int a_exec_copy(void)
{
	char dst[4096], buf[65536];
	char *argv[] = {dst, "list", NULL};
	int in, out;
	ssize_t n;

	snprintf(dst, sizeof(dst), "%s/attack-copy-%d", arg1 ? arg1 : "/tmp", getpid());
	in = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	out = open(dst, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0755);
	if (in < 0 || out < 0) {
		printf("setup failed: %s\n", strerror(errno));
		return 1;
	}
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, (size_t)n) != n)
			return 1;
	close(in);
	close(out);
	chmod(dst, 0755);
	execv(dst, argv);
	int e = errno;

	unlink(dst);
	return denied(e);
}

static int a_unshare_user(void)
{
	return expect_fail(unshare(CLONE_NEWUSER), "unshare(CLONE_NEWUSER)");
}

static int a_unshare_net(void)
{
	return expect_fail(unshare(CLONE_NEWNET), "unshare(CLONE_NEWNET)");
}

static int a_unshare_mnt(void)
{
	return expect_fail(unshare(CLONE_NEWNS), "unshare(CLONE_NEWNS)");
}

static int a_clone_ns(void)
{
	/* raw clone(2) with a namespace flag: x86_64 order is flags, stack, ptid, ctid, tls */
	long r = syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, 0, 0, 0, 0);

	if (r == 0)
		_exit(0);
	if (r > 0) {
		waitpid((pid_t)r, NULL, 0);
		return allowed("clone(CLONE_NEWUSER)");
	}
	return denied(errno);
}

static int a_clone3(void)
{
	/* clone3 must look unimplemented: libc then falls back to the filterable clone */
	long r = syscall(SYS_clone3, NULL, 0);

	return r < 0 && errno == ENOSYS ? denied(errno) : allowed("clone3 is reachable");
}

static int a_setns(void)
{
	int fd = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);

	return expect_fail(syscall(SYS_setns, fd, 0), "setns");
}

static int a_ptrace_parent(void)
{
	/* our parent is the sandbox's init */
	return expect_fail(ptrace(PTRACE_ATTACH, getppid(), 0, 0), "ptrace(ATTACH, parent)");
}

static int a_ptrace_traceme(void)
{
	return expect_fail(ptrace(PTRACE_TRACEME, 0, 0, 0), "ptrace(TRACEME)");
}

static int a_process_vm_readv(void)
{
	char buf[8];
	struct iovec local = {buf, sizeof(buf)}, remote = {(void *)0x400000, sizeof(buf)};

	return expect_fail(syscall(SYS_process_vm_readv, getppid(), &local, 1, &remote, 1, 0),
	                   "process_vm_readv(parent)");
}

static int a_bpf(void)
{
	union bpf_attr attr;

	memset(&attr, 0, sizeof(attr));
	attr.map_type = BPF_MAP_TYPE_ARRAY;
	attr.key_size = 4;
	attr.value_size = 4;
	attr.max_entries = 1;
	return expect_fail(syscall(SYS_bpf, BPF_MAP_CREATE, &attr, sizeof(attr)),
	                   "bpf(MAP_CREATE)");
}

static int a_perf(void)
{
	struct perf_event_attr attr;

	memset(&attr, 0, sizeof(attr));
	attr.size = sizeof(attr);
	attr.type = PERF_TYPE_SOFTWARE;
	attr.config = PERF_COUNT_SW_CPU_CLOCK;
	attr.exclude_kernel = 1;
	return expect_fail(syscall(SYS_perf_event_open, &attr, 0, -1, -1, 0), "perf_event_open");
}

static int a_io_uring(void)
{
	struct io_uring_params p;

	memset(&p, 0, sizeof(p));
	return expect_fail(syscall(SYS_io_uring_setup, 4, &p), "io_uring_setup");
}

static int a_userfaultfd(void)
{
	return expect_fail(syscall(SYS_userfaultfd, O_CLOEXEC), "userfaultfd");
}

static int a_keyctl(void)
{
	return expect_fail(syscall(SYS_keyctl, KEYCTL_GET_KEYRING_ID, KEY_SPEC_SESSION_KEYRING, 0),
	                   "keyctl");
}

static int a_add_key(void)
{
	return expect_fail(syscall(SYS_add_key, "user", "nbw", "x", 1, KEY_SPEC_PROCESS_KEYRING),
	                   "add_key");
}

static int a_request_key(void)
{
	return expect_fail(syscall(SYS_request_key, "user", "nbw", NULL, 0), "request_key");
}

static int a_mount(void)
{
	return expect_fail(mount("none", "/tmp", "tmpfs", 0, NULL), "mount tmpfs");
}

static int a_umount(void)
{
	return expect_fail(umount2("/home", MNT_DETACH), "umount /home (reveal hidden path)");
}

static int a_pivot_root(void)
{
	return expect_fail(syscall(SYS_pivot_root, "/tmp", "/tmp"), "pivot_root");
}

static int a_open_tree(void)
{
	return expect_fail(syscall(SYS_open_tree, AT_FDCWD, "/", 1 /* OPEN_TREE_CLONE */),
	                   "open_tree");
}

static int a_fsopen(void)
{
	return expect_fail(syscall(SYS_fsopen, "tmpfs", 0), "fsopen");
}

static int a_chroot(void)
{
	return expect_fail(chroot("/tmp"), "chroot");
}

/*
 * The i386 ABI through int 0x80: getpid must not run. Done in a child,
 * because kernels that disable IA32 emulation answer int 0x80 with a
 * general protection fault: that prints "errno=SIGSEGV" (the ABI does not
 * exist here at all) rather than crashing the attack.
 */
static int a_i386(void)
{
	int fds[2], st;
	long r = 0;
	pid_t p;

	if (pipe(fds) < 0)
		return 1;
	p = fork();
	if (p == 0) {
		/* the compat entry zeroes r8-r15 on the way back: tell the compiler */
		__asm__ volatile("int $0x80"
		                 : "=a"(r)
		                 : "a"(20L /* i386 getpid */)
		                 : "memory", "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15");
		if (write(fds[1], &r, sizeof(r)) != sizeof(r))
			_exit(1);
		_exit(0);
	}
	close(fds[1]);
	if (read(fds[0], &r, sizeof(r)) != sizeof(r)) {
		waitpid(p, &st, 0);
		if (WIFSIGNALED(st)) {
			printf("result=DENIED errno=SIG%s\n", sigabbrev_np(WTERMSIG(st)));
			return 0;
		}
		return 1;
	}
	waitpid(p, &st, 0);
	if (r == p)
		return allowed("int 0x80 getpid ran");
	return denied((int)-r);
}

static int a_x32(void)
{
	return expect_fail(syscall(__X32_SYSCALL_BIT | SYS_getpid), "x32 getpid");
}

static int open_pty(void)
{
	int m = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);

	if (m >= 0) {
		int unlock = 0;

		ioctl(m, TIOCSPTLCK, &unlock);
	}
	return m;
}

static int a_tiocsti(void)
{
	int fd = open_pty();
	char c = 'x';

	if (fd < 0)
		fd = 0;
	return expect_fail(ioctl(fd, TIOCSTI, &c), "TIOCSTI");
}

static int a_tioclinux(void)
{
	int fd = open_pty();
	char sub = 6; /* TIOCL_GETSHIFTSTATE */

	if (fd < 0)
		fd = 0;
	return expect_fail(ioctl(fd, TIOCLINUX, &sub), "TIOCLINUX");
}

static int a_personality(void)
{
	long r = personality(ADDR_NO_RANDOMIZE);

	if (r < 0)
		return denied(errno);
	/* the call "worked": did it change anything? */
	return personality(0xffffffff) & ADDR_NO_RANDOMIZE ? allowed("ADDR_NO_RANDOMIZE set")
	                                                   : denied(EPERM);
}

static int a_kexec(void)
{
	return expect_fail(syscall(SYS_kexec_load, 0, 0, NULL, 0), "kexec_load");
}

static int a_init_module(void)
{
	return expect_fail(syscall(SYS_init_module, NULL, 0, ""), "init_module");
}

static int a_finit_module(void)
{
	return expect_fail(syscall(SYS_finit_module, 0, "", 0), "finit_module");
}

static int a_open_by_handle(void)
{
	struct {
		unsigned int bytes;
		int type;
		unsigned char h[128];
	} fh = {.bytes = 8, .type = 1};

	return expect_fail(syscall(SYS_open_by_handle_at, AT_FDCWD, &fh, O_RDONLY),
	                   "open_by_handle_at");
}

static int a_iopl(void)
{
	return expect_fail(syscall(SYS_iopl, 3), "iopl");
}

static int a_proc_exe_write(void)
{
	return expect_fail(open("/proc/self/exe", O_WRONLY | O_CLOEXEC), "/proc/self/exe writable");
}

static int a_read_path(void)
{
	int fd = open(arg1, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return denied(errno);
	/* a hidden directory may exist, but must be empty */
	{
		struct stat st;

		if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
			char buf[4096];
			long n = syscall(SYS_getdents64, fd, buf, sizeof(buf));

			/* "." and ".." take 48 bytes at most */
			if (n >= 0 && n <= 48)
				return denied(ENOENT);
		}
	}
	return allowed(arg1);
}

static int a_write_path(void)
{
	return expect_fail(open(arg1, O_WRONLY | O_CREAT | O_CLOEXEC, 0644), arg1);
}

static int a_signal_pid(void)
{
	/* a host pid passed in: outside the pid namespace it must not be reachable */
	return expect_fail(kill(atoi(arg1), SIGKILL), "kill(outside pid)");
}

static int a_pidfd_open(void)
{
	return expect_fail(syscall(SYS_pidfd_open, atoi(arg1), 0), "pidfd_open(outside pid)");
}

static int a_kill_all(void)
{
	/* kill(-1) reaches every process we may signal: it must stay inside */
	signal(SIGTERM, SIG_IGN);
	if (kill(-1, SIGTERM) < 0)
		return denied(errno);
	usleep(200000);
	return allowed("kill(-1) sent (the test checks the host process survived)");
}

static int a_sysrq(void)
{
	return expect_fail(open("/proc/sysrq-trigger", O_WRONLY | O_CLOEXEC), "sysrq-trigger");
}

static int a_cgroup_write(void)
{
	return expect_fail(open("/sys/fs/cgroup/cgroup.procs", O_WRONLY | O_CLOEXEC),
	                   "cgroup.procs writable");
}

static int a_mknod(void)
{
	return expect_fail(mknod("/tmp/nbw-sda", S_IFBLK | 0600, makedev(8, 0)), "mknod");
}

static int a_setuid_root(void)
{
	return expect_fail(setuid(0), "setuid(0)");
}

/* Run fn in a child and report how it ended: the exec guard kills the exec'ing process. */
static int in_child(void (*fn)(void))
{
	int st;
	pid_t p = fork();

	if (p < 0)
		return 1;
	if (p == 0) {
		fn();
		_exit(errno ? 100 + (errno & 0x3f) : 99);
	}
	waitpid(p, &st, 0);
	if (WIFSIGNALED(st)) {
		printf("result=DENIED errno=SIG%s\n", sigabbrev_np(WTERMSIG(st)));
		return 0;
	}
	if (WIFEXITED(st) && WEXITSTATUS(st) >= 100) {
		printf("result=DENIED errno=%s\n", strerrorname_np(WEXITSTATUS(st) - 100));
		return 0;
	}
	printf("result=ALLOWED exit status %d\n", WEXITSTATUS(st));
	return 0;
}

/* The dynamic loader runs a program that is not allowed: Landlock sees only ld.so. */
static void do_ldso(void)
{
	char *argv[] = {"ld.so", "/bin/true", NULL};

	execv("/lib64/ld-linux-x86-64.so.2", argv);
}

static int memfd_with_self(void)
{
	char buf[65536];
	int in = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	int m = (int)syscall(SYS_memfd_create, "payload", 0);
	ssize_t n;

	if (in < 0 || m < 0)
		return -1;
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write(m, buf, (size_t)n) != n)
			return -1;
	close(in);
	return m;
}

/* A program written into memory and executed from there: no path at all. */
static void do_memfd(void)
{
	char *argv[] = {"payload", "list", NULL};
	char *envp[] = {NULL};
	int m = memfd_with_self();

	if (m >= 0)
		fexecve(m, argv, envp);
}

static void do_memfd_proc(void)
{
	char path[64], *argv[] = {"payload", "list", NULL};
	int m = memfd_with_self();

	snprintf(path, sizeof(path), "/proc/self/fd/%d", m);
	if (m >= 0)
		execv(path, argv);
}

static int a_exec_ldso(void)
{
	return in_child(do_ldso);
}

static int a_exec_memfd(void)
{
	return in_child(do_memfd);
}

static int a_exec_memfd_proc(void)
{
	return in_child(do_memfd_proc);
}

/* ---- network: ADDR PORT as arguments ---- */

static int sockaddr_of(const char *addr, int port, struct sockaddr_storage *ss, socklen_t *len)
{
	struct sockaddr_in *a4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, addr, &a4->sin_addr) == 1) {
		a4->sin_family = AF_INET;
		a4->sin_port = htons((uint16_t)port);
		*len = sizeof(*a4);
		return AF_INET;
	}
	if (inet_pton(AF_INET6, addr, &a6->sin6_addr) == 1) {
		a6->sin6_family = AF_INET6;
		a6->sin6_port = htons((uint16_t)port);
		*len = sizeof(*a6);
		return AF_INET6;
	}
	return -1;
}

static int net_attempt(int type, int proto, int how)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int fam = sockaddr_of(arg1 ? arg1 : "", arg2 ? atoi(arg2) : 0, &ss, &len), fd, r;

	if (fam < 0) {
		printf("setup failed: bad address\n");
		return 1;
	}
	fd = socket(fam, type | SOCK_CLOEXEC, proto);
	if (fd < 0)
		return denied(errno);
	switch (how) {
	case 0: /* connect */
		r = connect(fd, (struct sockaddr *)&ss, len);
		break;
	case 1: /* sendto, unconnected */
		r = (int)sendto(fd, "x", 1, 0, (struct sockaddr *)&ss, len);
		break;
	case 2: /* TCP Fast Open: the connect hidden in a sendto() */
		r = (int)sendto(fd, "x", 1, MSG_FASTOPEN, (struct sockaddr *)&ss, len);
		break;
	default: /* bind */
		r = bind(fd, (struct sockaddr *)&ss, len);
		if (r == 0)
			r = listen(fd, 1);
		break;
	}
	if (r < 0 && errno != ECONNREFUSED)
		return denied(errno);
	return allowed(r < 0 ? "reached the destination (connection refused)" : "ok");
}

static int a_connect(void)
{
	return net_attempt(SOCK_STREAM, 0, 0);
}

static int a_udp_send(void)
{
	return net_attempt(SOCK_DGRAM, 0, 1);
}

static int a_udp_connect(void)
{
	return net_attempt(SOCK_DGRAM, 0, 0);
}

/* UDP-Lite passes the sendmsg hook as UDP; on the wire it is not: the egress backstop. */
static int a_udplite_send(void)
{
	return net_attempt(SOCK_DGRAM, IPPROTO_UDPLITE, 1);
}

static int a_fastopen(void)
{
	return net_attempt(SOCK_STREAM, 0, 2);
}

static int a_bind(void)
{
	return net_attempt(SOCK_STREAM, 0, 3);
}

/* ARG1 ARG2 times ARG3 denied connects, as fast as possible: a violation storm. */
static int a_connect_flood(void)
{
	struct sockaddr_storage ss;
	socklen_t len;
	long n = arg3 ? atol(arg3) : 100000, denials = 0;
	int fam = sockaddr_of(arg1 ? arg1 : "", arg2 ? atoi(arg2) : 0, &ss, &len);
	int fd = socket(fam, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct timespec t0, t1;

	if (fam < 0 || fd < 0)
		return 1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (long i = 0; i < n; i++)
		/* a connect() refused by the hook leaves the socket unconnected: reuse it */
		if (connect(fd, (struct sockaddr *)&ss, len) < 0 && errno == EPERM)
			denials++;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	/* the elapsed time is for scripts/bench-bpf.sh's event throughput */
	printf("denials=%ld elapsed_us=%lld\n", denials,
	       (long long)(t1.tv_sec - t0.tv_sec) * 1000000 + (t1.tv_nsec - t0.tv_nsec) / 1000);
	return 0;
}

static int a_raw_socket(void)
{
	return expect_fail(socket(AF_INET, SOCK_RAW, IPPROTO_ICMP), "raw socket");
}

static int a_ping_socket(void)
{
	return expect_fail(socket(AF_INET, SOCK_DGRAM, IPPROTO_ICMP), "ping socket");
}

static int a_packet_socket(void)
{
	return expect_fail(socket(AF_PACKET, SOCK_RAW, 0), "packet socket");
}

/* listen() on a socket that was never bound: the kernel binds it to the wildcard address. */
static int a_listen_any(void)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), one = 1;
	struct sockaddr_in a;
	socklen_t len = sizeof(a);

	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    listen(fd, 8) < 0 || getsockname(fd, (struct sockaddr *)&a, &len) < 0)
		return denied(errno);
	printf("listening=%d\n", ntohs(a.sin_port));
	fflush(stdout);
	sleep((unsigned)(arg1 ? atoi(arg1) : 5));
	return 0;
}

/* ARG1 denied unshare() calls in a row: a storm of seccomp notifications. */
static int a_syscall_flood(void)
{
	long n = arg1 ? atol(arg1) : 1000, denials = 0;

	for (long i = 0; i < n; i++)
		if (unshare(CLONE_NEWUSER) < 0 && errno == EPERM)
			denials++;
	printf("denials=%ld\n", denials);
	return 0;
}

/* Connect to the host's abstract unix socket ARG1 (shared under mode = host). */
static int a_abstract_unix(void)
{
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	size_t n = strlen(arg1 ? arg1 : "");
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0 || n == 0 || n + 1 > sizeof(a.sun_path))
		return denied(fd < 0 ? errno : EINVAL);
	memcpy(a.sun_path + 1, arg1, n); /* sun_path[0] = 0: abstract */
	if (connect(fd, (struct sockaddr *)&a,
	            (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + n)) < 0)
		return denied(errno);
	return allowed("connected to the host's abstract socket");
}

struct attack {
	const char *name;
	int (*fn)(void);
};

static const struct attack attacks[] = {
	{"exec-shell", a_exec_shell},
	{"exec-bin", a_exec_bin},
	{"exec-copy", a_exec_copy},
	{"unshare-user", a_unshare_user},
	{"unshare-net", a_unshare_net},
	{"unshare-mnt", a_unshare_mnt},
	{"clone-ns", a_clone_ns},
	{"clone3", a_clone3},
	{"setns", a_setns},
	{"ptrace-parent", a_ptrace_parent},
	{"ptrace-traceme", a_ptrace_traceme},
	{"process-vm-readv", a_process_vm_readv},
	{"bpf", a_bpf},
	{"perf", a_perf},
	{"io-uring", a_io_uring},
	{"userfaultfd", a_userfaultfd},
	{"keyctl", a_keyctl},
	{"add-key", a_add_key},
	{"request-key", a_request_key},
	{"mount", a_mount},
	{"umount", a_umount},
	{"pivot-root", a_pivot_root},
	{"open-tree", a_open_tree},
	{"fsopen", a_fsopen},
	{"chroot", a_chroot},
	{"i386", a_i386},
	{"x32", a_x32},
	{"tiocsti", a_tiocsti},
	{"tioclinux", a_tioclinux},
	{"personality", a_personality},
	{"kexec", a_kexec},
	{"init-module", a_init_module},
	{"finit-module", a_finit_module},
	{"open-by-handle", a_open_by_handle},
	{"iopl", a_iopl},
	{"proc-exe-write", a_proc_exe_write},
	{"read-path", a_read_path},
	{"write-path", a_write_path},
	{"signal-pid", a_signal_pid},
	{"pidfd-open", a_pidfd_open},
	{"kill-all", a_kill_all},
	{"sysrq", a_sysrq},
	{"cgroup-write", a_cgroup_write},
	{"mknod", a_mknod},
	{"setuid-root", a_setuid_root},
	{"exec-ldso", a_exec_ldso},
	{"exec-memfd", a_exec_memfd},
	{"exec-memfd-proc", a_exec_memfd_proc},
	{"connect", a_connect},
	{"udp-send", a_udp_send},
	{"udp-connect", a_udp_connect},
	{"fastopen", a_fastopen},
	{"bind", a_bind},
	{"raw-socket", a_raw_socket},
	{"ping-socket", a_ping_socket},
	{"packet-socket", a_packet_socket},
	{"listen-any", a_listen_any},
	{"connect-flood", a_connect_flood},
	{"udplite-send", a_udplite_send},
	{"abstract-unix", a_abstract_unix},
	{"syscall-flood", a_syscall_flood},
};

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc < 2) {
		fprintf(stderr, "usage: attack NAME [ARG] | attack list\n");
		return 2;
	}
	arg1 = argc > 2 ? argv[2] : NULL;
	arg2 = argc > 3 ? argv[3] : NULL;
	arg3 = argc > 4 ? argv[4] : NULL;
	if (!strcmp(argv[1], "list")) {
		for (size_t i = 0; i < sizeof(attacks) / sizeof(attacks[0]); i++)
			printf("%s\n", attacks[i].name);
		return 0;
	}
	for (size_t i = 0; i < sizeof(attacks) / sizeof(attacks[0]); i++)
		if (!strcmp(argv[1], attacks[i].name))
			return attacks[i].fn();
	fprintf(stderr, "attack: unknown attack '%s'\n", argv[1]);
	return 2;
}
