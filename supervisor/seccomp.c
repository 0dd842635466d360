// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <linux/audit.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cleanup.h"
#include "seccomp.h"
#include "util.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(scmp_filter_ctx, seccomp_release)

/*
 * Special entries a group can carry besides plain syscall names. Each one
 * compiles into argument-filtered rules rather than a blanket denial.
 */
#define SPECIAL_CLONE_NS    "clone:namespaces"
#define SPECIAL_TIOCSTI     "ioctl:TIOCSTI"
#define SPECIAL_TIOCLINUX   "ioctl:TIOCLINUX"
#define SPECIAL_PERSONALITY "personality:change"
#define SPECIAL_PACKET      "socket:packet"
#define SPECIAL_RAW         "socket:raw"
#define SPECIAL_PING        "socket:ping"

struct group {
	const char *name;
	const char *const *members;
};

#define GROUP(n, ...)                     \
	{                                 \
		n, (const char *const[])  \
		{                         \
			__VA_ARGS__, NULL \
		}                         \
	}

static const struct group groups[] = {
	GROUP("@mount", "mount", "umount2", "pivot_root", "chroot", "move_mount", "open_tree",
              "fsopen", "fsconfig", "fsmount", "fspick", "mount_setattr"),
	GROUP("@ptrace", "ptrace", "process_vm_readv", "process_vm_writev", "pidfd_getfd"),
	GROUP("@bpf", "bpf"),
	GROUP("@perf", "perf_event_open"),
	GROUP("@io_uring", "io_uring_setup", "io_uring_enter", "io_uring_register"),
	GROUP("@userfaultfd", "userfaultfd"),
	GROUP("@keyring", "keyctl", "add_key", "request_key"),
	/* clone3 cannot be argument-filtered: it always gets ENOSYS so libc falls back to clone */
	GROUP("@namespaces", "unshare", "setns", "clone3", SPECIAL_CLONE_NS),
	GROUP("@module", "init_module", "finit_module", "delete_module", "create_module",
              "query_module", "get_kernel_syms"),
	GROUP("@kexec", "kexec_load", "kexec_file_load"),
	GROUP("@handle", "open_by_handle_at", "name_to_handle_at"),
	GROUP("@personality", SPECIAL_PERSONALITY),
	GROUP("@tty-inject", SPECIAL_TIOCSTI, SPECIAL_TIOCLINUX),
	GROUP("@swap", "swapon", "swapoff"),
	GROUP("@reboot", "reboot"),
	GROUP("@raw-io", "iopl", "ioperm"),
	GROUP("@clock", "settimeofday", "clock_settime", "clock_adjtime", "adjtimex"),
	GROUP("@syslog", "syslog"),
	GROUP("@accounting", "acct", "quotactl", "quotactl_fd"),
	GROUP("@cpu-emulation", "modify_ldt"),
	/* packet sockets are invisible to the cgroup network hooks: refuse them here */
	GROUP("@raw-sockets", SPECIAL_PACKET, SPECIAL_RAW, SPECIAL_PING),
	GROUP("@obsolete", "uselib", "ustat", "sysfs", "_sysctl", "lookup_dcookie", "nfsservctl",
              "vhangup", "afs_syscall", "tuxcall", "security", "vserver", "getpmsg", "putpmsg"),
	GROUP("@default", "@mount", "@ptrace", "@bpf", "@perf", "@io_uring", "@userfaultfd",
              "@keyring", "@namespaces", "@module", "@kexec", "@handle", "@personality",
              "@tty-inject", "@swap", "@reboot", "@raw-io", "@clock", "@syslog", "@accounting",
              "@cpu-emulation", "@raw-sockets", "@obsolete"),
};

static const struct group *group_find(const char *name)
{
	for (size_t i = 0; i < ELEMENTSOF(groups); i++)
		if (streq(groups[i].name, name))
			return &groups[i];
	return NULL;
}

const char *const *seccomp_group_names(void)
{
	static const char *names[ELEMENTSOF(groups) + 1];

	for (size_t i = 0; i < ELEMENTSOF(groups); i++)
		names[i] = groups[i].name;
	return names;
}

const char *const *seccomp_group_members(const char *group)
{
	const struct group *g = group_find(group);

	return g ? g->members : NULL;
}

bool seccomp_name_is_valid(const char *name)
{
	if (name[0] == '@')
		return group_find(name) != NULL;
	return seccomp_syscall_resolve_name(name) >= 0;
}

static int expand_one(const char *name, char ***acc, int depth)
{
	const struct group *g;

	if (depth > 4)
		return -ELOOP;
	if (name[0] != '@') {
		if (strv_contains(*acc, name))
			return 0;
		return strv_extend(acc, name);
	}
	g = group_find(name);
	if (!g)
		return -EINVAL;
	for (const char *const *m = g->members; *m; m++) {
		int r = expand_one(*m, acc, depth + 1);

		if (r < 0)
			return r;
	}
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int seccomp_expand(char *const *entries, char ***ret)
{
	char **acc = calloc(1, sizeof(char *));

	if (!acc)
		return -ENOMEM;
	for (size_t i = 0; entries && entries[i]; i++) {
		int r = expand_one(entries[i], &acc, 0);

		if (r < 0) {
			strv_free(acc);
			return r;
		}
	}
	qsort(acc, strv_length(acc), sizeof(char *), cmp_str);
	*ret = acc;
	return 0;
}

/* libseccomp returns -errno (or, for some calls, other negatives): normalise. */
static int scmp_err(int r)
{
	return r == 0 ? 0 : (r < 0 && r > -4096 ? r : -EINVAL);
}

static int add_special(scmp_filter_ctx ctx, uint32_t deny, const char *what)
{
	int r = 0;

	if (streq(what, SPECIAL_CLONE_NS)) {
		/* CLONE_NEWTIME (0x80) is not listed: for clone() that bit is the exit signal. */
		static const uint64_t ns_flags[] = {CLONE_NEWNS,    CLONE_NEWUTS, CLONE_NEWIPC,
		                                    CLONE_NEWUSER,  CLONE_NEWPID, CLONE_NEWNET,
		                                    CLONE_NEWCGROUP};

		for (size_t i = 0; i < ELEMENTSOF(ns_flags) && r == 0; i++)
			r = seccomp_rule_add(ctx, deny, SCMP_SYS(clone), 1,
			                     SCMP_A0(SCMP_CMP_MASKED_EQ, ns_flags[i], ns_flags[i]));
	} else if (streq(what, SPECIAL_TIOCSTI) || streq(what, SPECIAL_TIOCLINUX)) {
		/* the request is an unsigned int: ignore whatever is in the upper half */
		uint64_t req = streq(what, SPECIAL_TIOCSTI) ? TIOCSTI : TIOCLINUX;

		r = seccomp_rule_add(ctx, deny, SCMP_SYS(ioctl), 1,
		                     SCMP_A1(SCMP_CMP_MASKED_EQ, 0xffffffffULL, req));
	} else if (streq(what, SPECIAL_PACKET)) {
		/* AF_PACKET, and the obsolete SOCK_PACKET type of AF_INET */
		r = seccomp_rule_add(ctx, deny, SCMP_SYS(socket), 1,
		                     SCMP_A0(SCMP_CMP_MASKED_EQ, 0xffffffffULL, AF_PACKET));
		if (r == 0)
			r = seccomp_rule_add(ctx, deny, SCMP_SYS(socket), 2,
			                     SCMP_A0(SCMP_CMP_MASKED_EQ, 0xffffffffULL, AF_INET),
			                     SCMP_A1(SCMP_CMP_MASKED_EQ, 0xf, SOCK_PACKET));
	} else if (streq(what, SPECIAL_RAW)) {
		/* the type argument carries SOCK_CLOEXEC/SOCK_NONBLOCK above the low nibble */
		r = seccomp_rule_add(ctx, deny, SCMP_SYS(socket), 2,
		                     SCMP_A0(SCMP_CMP_MASKED_EQ, 0xffffffffULL, AF_INET),
		                     SCMP_A1(SCMP_CMP_MASKED_EQ, 0xf, SOCK_RAW));
		if (r == 0)
			r = seccomp_rule_add(ctx, deny, SCMP_SYS(socket), 2,
			                     SCMP_A0(SCMP_CMP_MASKED_EQ, 0xffffffffULL, AF_INET6),
			                     SCMP_A1(SCMP_CMP_MASKED_EQ, 0xf, SOCK_RAW));
	} else if (streq(what, SPECIAL_PING)) {
		r = seccomp_rule_add(ctx, deny, SCMP_SYS(socket), 3,
		                     SCMP_A0(SCMP_CMP_MASKED_EQ, 0xffffffffULL, AF_INET),
		                     SCMP_A1(SCMP_CMP_MASKED_EQ, 0xf, SOCK_DGRAM),
		                     SCMP_A2(SCMP_CMP_MASKED_EQ, 0xffffffffULL, IPPROTO_ICMP));
		if (r == 0)
			r = seccomp_rule_add(
				ctx, deny, SCMP_SYS(socket), 3,
				SCMP_A0(SCMP_CMP_MASKED_EQ, 0xffffffffULL, AF_INET6),
				SCMP_A1(SCMP_CMP_MASKED_EQ, 0xf, SOCK_DGRAM),
				SCMP_A2(SCMP_CMP_MASKED_EQ, 0xffffffffULL, IPPROTO_ICMPV6));
	} else if (streq(what, SPECIAL_PERSONALITY)) {
		/*
		 * Only PER_LINUX is allowed. The child sets it before the filter is
		 * loaded, so "set PER_LINUX" (0) and "query" (0xffffffff) are answered
		 * with 0, which is exactly what the kernel would say; any other
		 * persona (ADDR_NO_RANDOMIZE, READ_IMPLIES_EXEC, ...) is denied.
		 */
		r = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(0), SCMP_SYS(personality), 1,
		                     SCMP_A0(SCMP_CMP_MASKED_EQ, 0xffffffffULL, 0));
		if (r == 0)
			r = seccomp_rule_add(
				ctx, SCMP_ACT_ERRNO(0), SCMP_SYS(personality), 1,
				SCMP_A0(SCMP_CMP_MASKED_EQ, 0xffffffffULL, 0xffffffffULL));
		if (r == 0)
			r = seccomp_rule_add(ctx, deny, SCMP_SYS(personality), 1,
			                     SCMP_A0(SCMP_CMP_GT, 0));
	} else {
		r = -EINVAL;
	}
	return scmp_err(r);
}

static int export_bpf(scmp_filter_ctx ctx, struct seccomp_program *ret)
{
	_cleanup_close_ int fd = -1;
	struct sock_filter *insns;
	off_t size;
	int r;

	fd = memfd_create("nbwarden-seccomp", MFD_CLOEXEC);
	if (fd < 0)
		return -errno;
	r = scmp_err(seccomp_export_bpf(ctx, fd));
	if (r < 0)
		return r;
	size = lseek(fd, 0, SEEK_END);
	if (size <= 0 || size % (off_t)sizeof(struct sock_filter) != 0 ||
	    size / (off_t)sizeof(struct sock_filter) > BPF_MAXINSNS)
		return -E2BIG;
	insns = malloc((size_t)size);
	if (!insns)
		return -ENOMEM;
	if (pread(fd, insns, (size_t)size, 0) != size) {
		free(insns);
		return -EIO;
	}
	ret->insns = insns;
	ret->n_insns = (size_t)size / sizeof(struct sock_filter);
	return 0;
}

static int expand_list(const struct list *deny, char ***ret)
{
	char **entries = NULL;
	int r = 0;

	for (size_t i = 0; i < deny->n && r >= 0; i++)
		r = strv_extend(&entries, deny->items[i].value);
	if (r >= 0)
		r = seccomp_expand(entries, ret);
	strv_free(entries);
	return r;
}

static int compile_expanded(char **expanded, struct seccomp_program *ret)
{
	_cleanup_(seccomp_releasep) scmp_filter_ctx ctx = NULL;
	int r;

	ctx = seccomp_init(SCMP_ACT_ALLOW);
	if (!ctx)
		return -ENOMEM;
	/* Every other ABI (i386 via int 0x80, x32) is denied outright. */
	r = scmp_err(seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_NOTIFY));
	if (r < 0)
		return r;
	/* We set no_new_privs ourselves, at the documented step. */
	r = scmp_err(seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0));
	if (r < 0)
		return r;

	STRV_FOREACH (e, expanded) {
		if (strchr(*e, ':')) {
			r = add_special(ctx, SCMP_ACT_NOTIFY, *e);
		} else {
			int nr = seccomp_syscall_resolve_name(*e);

			if (nr == __NR_SCMP_ERROR)
				return -EINVAL;
			if (nr < 0)
				continue; /* not a syscall on this ABI */
			/* clone3 must look "not implemented" or libc will not fall back */
			r = scmp_err(seccomp_rule_add(
				ctx, nr == __NR_clone3 ? SCMP_ACT_ERRNO(ENOSYS) : SCMP_ACT_NOTIFY,
				nr, 0));
		}
		if (r < 0)
			return r;
	}
	return export_bpf(ctx, ret);
}

int seccomp_compile(const struct list *deny, struct seccomp_program *ret)
{
	char **expanded = NULL;
	int r;

	r = expand_list(deny, &expanded);
	if (r >= 0)
		r = compile_expanded(expanded, ret);
	strv_free(expanded);
	return r;
}

/* ------------------------------------------------------------------------ */
/* cache: "NBWSECC1" | u32 key length | key | u32 instruction count | instructions */

#define CACHE_MAGIC "NBWSECC1"

static char *cache_key(char **expanded)
{
	const struct scmp_version *v = seccomp_version();
	size_t len = 128;
	char *key, *p;

	STRV_FOREACH (e, expanded)
		len += strlen(*e) + 1;
	key = malloc(len);
	if (!key)
		return NULL;
	p = key + sprintf(key, "nbwarden seccomp 1\nlibseccomp %u.%u.%u\napi %u\n", v->major,
	                  v->minor, v->micro, seccomp_api_get());
	STRV_FOREACH (e, expanded)
		p += sprintf(p, "%s\n", *e);
	return key;
}

/* A cache file or directory we may trust: ours, and nobody else can write it. */
static bool trusted(int fd, bool dir)
{
	struct stat st;

	return fstat(fd, &st) == 0 && st.st_uid == geteuid() && !(st.st_mode & 022) &&
	       (dir ? S_ISDIR(st.st_mode) : S_ISREG(st.st_mode) && !(st.st_mode & 077));
}

static int cache_read(int dfd, const char *name, const char *key, struct seccomp_program *ret)
{
	_cleanup_close_ int fd = -1;
	_cleanup_free_ char *buf = NULL;
	size_t klen = strlen(key), want;
	uint32_t l, n;
	struct stat st;

	fd = openat(dfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0 || !trusted(fd, false) || fstat(fd, &st) < 0)
		return -ENOENT;
	want = 8 + 4 + klen + 4;
	if ((size_t)st.st_size < want || (size_t)st.st_size > want + BPF_MAXINSNS * 8)
		return -EBADMSG;
	buf = malloc((size_t)st.st_size);
	if (!buf || pread(fd, buf, (size_t)st.st_size, 0) != st.st_size)
		return -EIO;
	memcpy(&l, buf + 8, 4);
	memcpy(&n, buf + 12 + klen, 4);
	if (memcmp(buf, CACHE_MAGIC, 8) != 0 || l != klen || memcmp(buf + 12, key, klen) != 0 ||
	    n == 0 || (size_t)st.st_size != want + (size_t)n * sizeof(struct sock_filter))
		return -EBADMSG;
	ret->insns = malloc((size_t)n * sizeof(struct sock_filter));
	if (!ret->insns)
		return -ENOMEM;
	memcpy(ret->insns, buf + want, (size_t)n * sizeof(struct sock_filter));
	ret->n_insns = n;
	return 0;
}

static void cache_write(int dfd, const char *name, const char *key, const struct seccomp_program *p)
{
	char tmp[64];
	uint32_t l = (uint32_t)strlen(key), n = (uint32_t)p->n_insns;
	struct iovec iov[5] = {
		{CACHE_MAGIC, 8},
		{&l, 4},
		{(void *)key, l},
		{&n, 4},
		{p->insns, p->n_insns * sizeof(struct sock_filter)},
	};
	size_t total = 0;
	int fd;

	for (size_t i = 0; i < ELEMENTSOF(iov); i++)
		total += iov[i].iov_len;
	snprintf(tmp, sizeof(tmp), ".%s.%d", name, getpid());
	fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return;
	/* written whole, then renamed: readers see the old entry or the new one */
	if (writev(fd, iov, ELEMENTSOF(iov)) != (ssize_t)total || close(fd) < 0 ||
	    renameat(dfd, tmp, dfd, name) < 0)
		(void)unlinkat(dfd, tmp, 0);
}

int seccomp_compile_cached(const struct list *deny, const char *cache_dir,
                           struct seccomp_program *ret, bool *ret_hit)
{
	_cleanup_close_ int dfd = -1;
	_cleanup_free_ char *key = NULL;
	char **expanded = NULL, name[32];
	int r;

	*ret_hit = false;
	r = expand_list(deny, &expanded);
	if (r < 0)
		return r;
	key = cache_key(expanded);
	if (!key) {
		r = -ENOMEM;
		goto out;
	}
	snprintf(name, sizeof(name), "%016llx.bpf", (unsigned long long)fnv1a(key, strlen(key)));
	dfd = open(cache_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (dfd >= 0 && !trusted(dfd, true))
		dfd = safe_close(dfd);
	if (dfd >= 0 && cache_read(dfd, name, key, ret) == 0) {
		*ret_hit = true;
		r = 0;
		goto out;
	}
	r = compile_expanded(expanded, ret);
	if (r >= 0 && dfd >= 0)
		cache_write(dfd, name, key, ret);
out:
	strv_free(expanded);
	return r;
}

void seccomp_program_done(struct seccomp_program *p)
{
	free(p->insns);
	p->insns = NULL;
	p->n_insns = 0;
}

int seccomp_apply(const struct seccomp_program *p, int *ret_listener)
{
	struct sock_fprog prog = {
		.len = (unsigned short)p->n_insns,
		.filter = p->insns,
	};
	long fd;

	fd = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER, &prog);
	if (fd < 0)
		return -errno;
	*ret_listener = (int)fd;
	return 0;
}

void seccomp_describe_syscall(uint32_t audit_arch, int nr, char *buf, size_t size)
{
	uint32_t arch = audit_arch;
	const char *abi = NULL;
	char *name;

	if (audit_arch == AUDIT_ARCH_X86_64 && (nr & __X32_SYSCALL_BIT)) {
		arch = SCMP_ARCH_X32;
		abi = "x32";
	} else if (audit_arch == AUDIT_ARCH_I386) {
		abi = "i386";
	} else if (audit_arch != AUDIT_ARCH_X86_64) {
		abi = "foreign";
	}
	name = seccomp_syscall_resolve_num_arch(arch, nr);
	if (name)
		snprintf(buf, size, "%s%s%s", name, abi ? "/" : "", abi ? abi : "");
	else
		snprintf(buf, size, "nr:%d%s%s", nr, abi ? "/" : "", abi ? abi : "");
	free(name);
}
