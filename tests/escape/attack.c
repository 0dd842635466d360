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
#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <linux/io_uring.h>
#include <linux/keyctl.h>
#include <linux/perf_event.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef __X32_SYSCALL_BIT
#define __X32_SYSCALL_BIT 0x40000000
#endif

static const char *arg1;

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
};

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc < 2) {
		fprintf(stderr, "usage: attack NAME [ARG] | attack list\n");
		return 2;
	}
	arg1 = argc > 2 ? argv[2] : NULL;
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
