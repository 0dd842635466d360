// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests for supervisor/seccomp.c: the group table, expansion, and the
 * compiled program. The program is never loaded: a small classic-BPF
 * interpreter runs it on hand-made struct seccomp_data, so the tests see the
 * verdict the kernel would reach, without root and without a sandbox.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/personality.h>
#include <sys/syscall.h>

#include "profile.h"
#include "seccomp.h"
#include "util.h"

#define X32_BIT 0x40000000

#define RET_ALLOW    SECCOMP_RET_ALLOW
#define RET_NOTIFY   SECCOMP_RET_USER_NOTIF
#define RET_ERRNO(e) (SECCOMP_RET_ERRNO | ((uint32_t)(e)&SECCOMP_RET_DATA))

static const char *const special_rules[] = {
	"clone:namespaces", "ioctl:TIOCSTI", "ioctl:TIOCLINUX", "personality:change",
	"socket:packet",    "socket:raw",    "socket:ping",
};

/* ------------------------------------------------------------------------ */
/* helpers */

/* A struct list as the profile would hold it (origins unused here). */
static struct list make_list(const char *const *names, size_t n)
{
	struct list l = {.items = calloc(n ? n : 1, sizeof(struct item)), .n = n};

	assert_non_null(l.items);
	for (size_t i = 0; i < n; i++) {
		l.items[i].value = strdup(names[i]);
		assert_non_null(l.items[i].value);
		l.items[i].origin = (struct origin){"t.conf", (unsigned)i + 1};
	}
	return l;
}

static void free_list(struct list *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->items[i].value);
	free(l->items);
	*l = (struct list){0};
}

static char **expand1(const char *name)
{
	char *in[] = {(char *)name, NULL};
	char **out = NULL;
	int r = seccomp_expand(in, &out);

	if (r != 0)
		fail_msg("seccomp_expand(%s) = %d", name, r);
	assert_non_null(out);
	return out;
}

static bool is_special(const char *s)
{
	for (size_t i = 0; i < ELEMENTSOF(special_rules); i++)
		if (streq(s, special_rules[i]))
			return true;
	return false;
}

/*
 * Run a classic BPF program over one struct seccomp_data, as the kernel's
 * seccomp would. Fails the test on anything the kernel's checker would refuse
 * (unknown opcodes, jumps out of the program, reads out of bounds).
 */
static uint32_t bpf_run(const struct seccomp_program *prog, const struct seccomp_data *d)
{
	uint32_t A = 0, X = 0, M[BPF_MEMWORDS] = {0};
	const uint8_t *data = (const uint8_t *)d;

	for (size_t pc = 0; pc < prog->n_insns; pc++) {
		const struct sock_filter *f = &prog->insns[pc];
		uint32_t k = f->k, src;

		switch (BPF_CLASS(f->code)) {
		case BPF_LD:
			if (f->code == (BPF_LD | BPF_W | BPF_ABS)) {
				if (k % 4 || k + 4 > sizeof(*d))
					fail_msg("pc %zu: load at offset %u", pc, k);
				memcpy(&A, data + k, 4);
			} else if (f->code == (BPF_LD | BPF_IMM)) {
				A = k;
			} else if (f->code == (BPF_LD | BPF_MEM)) {
				assert_true(k < BPF_MEMWORDS);
				A = M[k];
			} else if (f->code == (BPF_LD | BPF_W | BPF_LEN)) {
				A = sizeof(*d);
			} else {
				fail_msg("pc %zu: unsupported load 0x%x", pc, f->code);
			}
			break;
		case BPF_LDX:
			if (f->code == (BPF_LDX | BPF_IMM))
				X = k;
			else if (f->code == (BPF_LDX | BPF_MEM) && k < BPF_MEMWORDS)
				X = M[k];
			else if (f->code == (BPF_LDX | BPF_W | BPF_LEN))
				X = sizeof(*d);
			else
				fail_msg("pc %zu: unsupported ldx 0x%x", pc, f->code);
			break;
		case BPF_ST:
			assert_true(k < BPF_MEMWORDS);
			M[k] = A;
			break;
		case BPF_STX:
			assert_true(k < BPF_MEMWORDS);
			M[k] = X;
			break;
		case BPF_ALU:
			src = BPF_SRC(f->code) == BPF_X ? X : k;
			switch (BPF_OP(f->code)) {
			case BPF_ADD:
				A += src;
				break;
			case BPF_SUB:
				A -= src;
				break;
			case BPF_MUL:
				A *= src;
				break;
			case BPF_DIV:
				assert_true(src != 0);
				A /= src;
				break;
			case BPF_AND:
				A &= src;
				break;
			case BPF_OR:
				A |= src;
				break;
			case BPF_XOR:
				A ^= src;
				break;
			case BPF_LSH:
				A = src < 32 ? A << src : 0;
				break;
			case BPF_RSH:
				A = src < 32 ? A >> src : 0;
				break;
			case BPF_NEG:
				A = -A;
				break;
			default:
				fail_msg("pc %zu: unsupported alu 0x%x", pc, f->code);
			}
			break;
		case BPF_JMP: {
			bool t;

			src = BPF_SRC(f->code) == BPF_X ? X : k;
			if (BPF_OP(f->code) == BPF_JA) {
				if (pc + 1 + k >= prog->n_insns)
					fail_msg("pc %zu: ja out of the program", pc);
				pc += k;
				break;
			}
			switch (BPF_OP(f->code)) {
			case BPF_JEQ:
				t = A == src;
				break;
			case BPF_JGT:
				t = A > src;
				break;
			case BPF_JGE:
				t = A >= src;
				break;
			case BPF_JSET:
				t = (A & src) != 0;
				break;
			default:
				fail_msg("pc %zu: unsupported jump 0x%x", pc, f->code);
				return 0;
			}
			if (pc + 1 + (t ? f->jt : f->jf) >= prog->n_insns)
				fail_msg("pc %zu: jump out of the program", pc);
			pc += t ? f->jt : f->jf;
			break;
		}
		case BPF_RET:
			return BPF_RVAL(f->code) == BPF_A ? A : k;
		case BPF_MISC:
			if (BPF_MISCOP(f->code) == BPF_TAX)
				X = A;
			else
				A = X;
			break;
		default:
			fail_msg("pc %zu: unknown class 0x%x", pc, f->code);
		}
	}
	fail_msg("program ran off its end");
	return 0;
}

static uint32_t run_arch3(const struct seccomp_program *p, uint32_t arch, int nr, uint64_t a0,
                          uint64_t a1, uint64_t a2)
{
	struct seccomp_data d = {
		.nr = nr,
		.arch = arch,
		.instruction_pointer = 0x401000,
		.args = {a0, a1, a2, 0, 0, 0},
	};

	return bpf_run(p, &d);
}

static uint32_t run_arch(const struct seccomp_program *p, uint32_t arch, int nr, uint64_t a0,
                         uint64_t a1)
{
	return run_arch3(p, arch, nr, a0, a1, 0);
}

static uint32_t run(const struct seccomp_program *p, int nr, uint64_t a0, uint64_t a1)
{
	return run_arch(p, AUDIT_ARCH_X86_64, nr, a0, a1);
}

#define assert_verdict(got, want)                                                  \
	do {                                                                       \
		uint32_t g_ = (got), w_ = (want);                                  \
		if (g_ != w_)                                                      \
			fail_msg("%s: verdict 0x%08x, want 0x%08x", #got, g_, w_); \
	} while (0)

static void compile_names(const char *const *names, size_t n, struct seccomp_program *ret)
{
	struct list l = make_list(names, n);
	int r = seccomp_compile(&l, ret);

	free_list(&l);
	if (r != 0)
		fail_msg("seccomp_compile() = %d", r);
	assert_non_null(ret->insns);
	assert_true(ret->n_insns > 0 && ret->n_insns <= BPF_MAXINSNS);
}

/* ------------------------------------------------------------------------ */
/* the group table */

static void test_groups_expand(void **state)
{
	const char *const *groups = seccomp_group_names();
	size_t n = 0;

	(void)state;
	assert_non_null(groups);
	for (; groups[n]; n++) {
		char **out;

		assert_true(groups[n][0] == '@');
		assert_non_null(seccomp_group_members(groups[n]));
		assert_non_null(seccomp_group_members(groups[n])[0]);
		assert_true(seccomp_name_is_valid(groups[n]));
		out = expand1(groups[n]);
		assert_true(strv_length(out) > 0);
		for (char **e = out; e && *e; e++)
			if ((*e)[0] == '@' || !(seccomp_name_is_valid(*e) || is_special(*e)))
				fail_msg("%s expands to '%s'", groups[n], *e);
		strv_free(out);
	}
	assert_int_equal(n, 23); /* the 22 groups of nbwarden.profile(5) and @default */
	assert_null(seccomp_group_members("@nope"));
	assert_null(seccomp_group_members("mount"));
}

/* Every member is a known group, a special rule, or a syscall of the native ABI: no typos. */
static void test_group_members_resolve(void **state)
{
	const char *const *groups = seccomp_group_names();

	(void)state;
	for (size_t g = 0; groups[g]; g++)
		for (const char *const *m = seccomp_group_members(groups[g]); *m; m++) {
			if ((*m)[0] == '@') {
				if (!seccomp_group_members(*m))
					fail_msg("%s: unknown nested group %s", groups[g], *m);
			} else if (strchr(*m, ':')) {
				if (!is_special(*m))
					fail_msg("%s: unknown special rule %s", groups[g], *m);
			} else if (!seccomp_name_is_valid(*m)) {
				fail_msg("%s: '%s' is not a syscall of this ABI", groups[g], *m);
			}
		}
}

static void test_name_is_valid(void **state)
{
	(void)state;
	assert_true(seccomp_name_is_valid("mount"));
	assert_true(seccomp_name_is_valid("memfd_create"));
	assert_true(seccomp_name_is_valid("@default"));
	assert_true(seccomp_name_is_valid("@tty-inject"));
	assert_false(seccomp_name_is_valid("@nope"));
	assert_false(seccomp_name_is_valid("@"));
	assert_false(seccomp_name_is_valid("notasyscall"));
	assert_false(seccomp_name_is_valid(""));
	assert_false(seccomp_name_is_valid("MOUNT"));
	/* special rules are group members, not names a profile can use */
	assert_false(seccomp_name_is_valid("clone:namespaces"));
}

static void test_default_contents(void **state)
{
	static const char *const must[] = {
		"mount",
		"umount2",
		"pivot_root",
		"move_mount",
		"open_tree",
		"fsopen",
		"fsmount",
		"fsconfig",
		"fspick",
		"mount_setattr",
		"ptrace",
		"process_vm_readv",
		"process_vm_writev",
		"bpf",
		"perf_event_open",
		"io_uring_setup",
		"io_uring_enter",
		"io_uring_register",
		"userfaultfd",
		"keyctl",
		"add_key",
		"request_key",
		"unshare",
		"setns",
		"clone3",
		"clone:namespaces",
		"init_module",
		"finit_module",
		"delete_module",
		"kexec_load",
		"kexec_file_load",
		"open_by_handle_at",
		"personality:change",
		"ioctl:TIOCSTI",
		"ioctl:TIOCLINUX",
	};
	char **def = expand1("@default");

	(void)state;
	for (size_t i = 0; i < ELEMENTSOF(must); i++)
		if (!strv_contains(def, must[i]))
			fail_msg("@default lacks %s", must[i]);
	/* and never the plain calls whose dangerous uses only are denied */
	assert_false(strv_contains(def, "clone"));
	assert_false(strv_contains(def, "ioctl"));
	assert_false(strv_contains(def, "personality"));
	assert_false(strv_contains(def, "getpid"));
	strv_free(def);
}

/* "@default: all the groups above" (nbwarden.profile(5)) */
static void test_default_is_union_of_groups(void **state)
{
	const char *const *groups = seccomp_group_names();
	char **def = expand1("@default"), **all = NULL;
	size_t n_groups = 0;

	(void)state;
	for (size_t g = 0; groups[g]; g++) {
		if (streq(groups[g], "@default"))
			continue;
		assert_int_equal(strv_extend(&all, groups[g]), 0);
		n_groups++;
	}
	assert_int_equal(n_groups, 22);
	{
		char **u = NULL;

		assert_int_equal(seccomp_expand(all, &u), 0);
		assert_int_equal(strv_length(u), strv_length(def));
		for (size_t i = 0; u[i]; i++)
			assert_string_equal(u[i], def[i]);
		strv_free(u);
	}
	strv_free(all);
	strv_free(def);
}

static void test_expand_sorted_unique(void **state)
{
	char *in[] = {"ptrace", "@mount", "mount", "@ptrace", "@mount", "bpf", "@default", NULL};
	char **out = NULL, **def;

	(void)state;
	assert_int_equal(seccomp_expand(in, &out), 0);
	for (size_t i = 0; out[i] && out[i + 1]; i++)
		if (strcmp(out[i], out[i + 1]) >= 0)
			fail_msg("not sorted and unique: '%s' then '%s'", out[i], out[i + 1]);
	def = expand1("@default");
	assert_int_equal(strv_length(out), strv_length(def));
	strv_free(def);
	strv_free(out);

	/* plain names pass through; the order of the input does not matter */
	{
		char *a[] = {"reboot", "acct", "@swap", NULL};
		char *b[] = {"swapoff", "acct", "swapon", "reboot", "acct", NULL};
		char **ea = NULL, **eb = NULL;

		assert_int_equal(seccomp_expand(a, &ea), 0);
		assert_int_equal(seccomp_expand(b, &eb), 0);
		assert_int_equal(strv_length(ea), 4);
		assert_int_equal(strv_length(eb), 4);
		assert_string_equal(ea[0], "acct");
		assert_string_equal(ea[1], "reboot");
		assert_string_equal(ea[2], "swapoff");
		assert_string_equal(ea[3], "swapon");
		for (size_t i = 0; i < 4; i++)
			assert_string_equal(ea[i], eb[i]);
		strv_free(ea);
		strv_free(eb);
	}

	/* nothing in, nothing out */
	{
		char *none[] = {NULL};

		out = NULL;
		assert_int_equal(seccomp_expand(none, &out), 0);
		assert_int_equal(strv_length(out), 0);
		strv_free(out);
		out = NULL;
		assert_int_equal(seccomp_expand(NULL, &out), 0);
		assert_int_equal(strv_length(out), 0);
		strv_free(out);
	}
}

static void test_expand_unknown_group(void **state)
{
	char *in[] = {"@mount", "@nope", NULL};
	char **out = (char **)0x1;
	struct seccomp_program prog = {NULL, 0};
	struct list l;

	(void)state;
	assert_int_equal(seccomp_expand(in, &out), -EINVAL);
	assert_ptr_equal(out, (char **)0x1);

	l = make_list((const char *const[]){"@nope"}, 1);
	assert_int_equal(seccomp_compile(&l, &prog), -EINVAL);
	assert_null(prog.insns);
	assert_int_equal(prog.n_insns, 0);
	free_list(&l);
}

/* ------------------------------------------------------------------------ */
/* the compiled program */

static void test_compile_default(void **state)
{
	struct seccomp_program def = {NULL, 0}, none = {NULL, 0};

	(void)state;
	compile_names((const char *const[]){"@default"}, 1, &def);
	compile_names(NULL, 0, &none);
	assert_true(def.n_insns > none.n_insns);

	/* ordinary calls pass */
	assert_verdict(run(&def, SYS_getpid, 0, 0), RET_ALLOW);
	assert_verdict(run(&def, SYS_read, 0, 0), RET_ALLOW);
	assert_verdict(run(&def, SYS_openat, 0, 0), RET_ALLOW);
	assert_verdict(run(&def, SYS_execve, 0, 0), RET_ALLOW);

	/* denied calls go to the supervisor */
	assert_verdict(run(&def, SYS_mount, 0, 0), RET_NOTIFY);
	assert_verdict(run(&def, SYS_umount2, 0, 0), RET_NOTIFY);
	assert_verdict(run(&def, SYS_pivot_root, 0, 0), RET_NOTIFY);
	assert_verdict(run(&def, SYS_ptrace, 0, 0), RET_NOTIFY);
	assert_verdict(run(&def, SYS_bpf, 0, 0), RET_NOTIFY);
	assert_verdict(run(&def, SYS_unshare, 0, 0), RET_NOTIFY);
	assert_verdict(run(&def, SYS_setns, 0, 0), RET_NOTIFY);
	assert_verdict(run(&def, SYS_keyctl, 0, 0), RET_NOTIFY);
	assert_verdict(run(&def, SYS_userfaultfd, 0, 0), RET_NOTIFY);
	assert_verdict(run(&def, SYS_io_uring_setup, 0, 0), RET_NOTIFY);
	assert_verdict(run(&def, SYS_open_by_handle_at, 0, 0), RET_NOTIFY);
	assert_verdict(run(&def, SYS_init_module, 0, 0), RET_NOTIFY);
	assert_verdict(run(&def, SYS_kexec_load, 0, 0), RET_NOTIFY);
	assert_verdict(run(&def, SYS_perf_event_open, 0, 0), RET_NOTIFY);

	/* clone3 looks unimplemented, so libc falls back to clone */
	assert_verdict(run(&def, SYS_clone3, 0, 0), RET_ERRNO(ENOSYS));

	/* clone: namespace flags denied, fork and threads not */
	assert_verdict(run(&def, SYS_clone, SIGCHLD, 0), RET_ALLOW);
	assert_verdict(run(&def, SYS_clone,
	                   CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD |
	                           CLONE_SYSVSEM | CLONE_SETTLS | CLONE_PARENT_SETTID |
	                           CLONE_CHILD_CLEARTID,
	                   0),
	               RET_ALLOW);
	{
		static const uint64_t ns[] = {CLONE_NEWNS,    CLONE_NEWUTS, CLONE_NEWIPC,
		                              CLONE_NEWUSER,  CLONE_NEWPID, CLONE_NEWNET,
		                              CLONE_NEWCGROUP};

		for (size_t i = 0; i < ELEMENTSOF(ns); i++) {
			assert_verdict(run(&def, SYS_clone, ns[i] | SIGCHLD, 0), RET_NOTIFY);
			assert_verdict(run(&def, SYS_clone, ns[i] | CLONE_VM | CLONE_THREAD, 0),
			               RET_NOTIFY);
		}
		assert_verdict(run(&def, SYS_clone, CLONE_NEWUSER | CLONE_NEWNS, 0), RET_NOTIFY);
	}

	/* ioctl: TIOCSTI and TIOCLINUX only, compared on the low 32 bits */
	assert_verdict(run(&def, SYS_ioctl, 0, TIOCSTI), RET_NOTIFY);
	assert_verdict(run(&def, SYS_ioctl, 0, TIOCSTI | (1ULL << 32)), RET_NOTIFY);
	assert_verdict(run(&def, SYS_ioctl, 0, TIOCLINUX), RET_NOTIFY);
	assert_verdict(run(&def, SYS_ioctl, 0, TCGETS), RET_ALLOW);
	assert_verdict(run(&def, SYS_ioctl, 0, FIONREAD), RET_ALLOW);

	/* personality: PER_LINUX and the query answered 0, any other persona denied */
	assert_verdict(run(&def, SYS_personality, PER_LINUX, 0), RET_ERRNO(0));
	assert_verdict(run(&def, SYS_personality, 0xffffffffULL, 0), RET_ERRNO(0));
	assert_verdict(run(&def, SYS_personality, ADDR_NO_RANDOMIZE, 0), RET_NOTIFY);
	assert_verdict(run(&def, SYS_personality, READ_IMPLIES_EXEC, 0), RET_NOTIFY);
	assert_verdict(run(&def, SYS_personality, PER_LINUX32, 0), RET_NOTIFY);

	/* socket: packet, raw and ping sockets denied, the rest not; type flags ignored */
	{
		const int fl = SOCK_CLOEXEC | SOCK_NONBLOCK;

		assert_verdict(run(&def, SYS_socket, AF_PACKET, SOCK_RAW), RET_NOTIFY);
		assert_verdict(run(&def, SYS_socket, AF_PACKET, SOCK_DGRAM | fl), RET_NOTIFY);
		assert_verdict(run(&def, SYS_socket, AF_INET, SOCK_PACKET), RET_NOTIFY);
		assert_verdict(run(&def, SYS_socket, AF_INET, SOCK_RAW | fl), RET_NOTIFY);
		assert_verdict(run(&def, SYS_socket, AF_INET6, SOCK_RAW), RET_NOTIFY);
		assert_verdict(run_arch3(&def, AUDIT_ARCH_X86_64, SYS_socket, AF_INET,
		                         SOCK_DGRAM | fl, IPPROTO_ICMP),
		               RET_NOTIFY);
		assert_verdict(run_arch3(&def, AUDIT_ARCH_X86_64, SYS_socket, AF_INET6, SOCK_DGRAM,
		                         IPPROTO_ICMPV6),
		               RET_NOTIFY);
		assert_verdict(
			run_arch3(&def, AUDIT_ARCH_X86_64, SYS_socket, AF_INET, SOCK_DGRAM, 0),
			RET_ALLOW);
		assert_verdict(run_arch3(&def, AUDIT_ARCH_X86_64, SYS_socket, AF_INET6, SOCK_DGRAM,
		                         IPPROTO_UDP),
		               RET_ALLOW);
		assert_verdict(run(&def, SYS_socket, AF_INET, SOCK_STREAM | fl), RET_ALLOW);
		assert_verdict(run(&def, SYS_socket, AF_INET6, SOCK_STREAM), RET_ALLOW);
		assert_verdict(run(&def, SYS_socket, AF_UNIX, SOCK_STREAM), RET_ALLOW);
		assert_verdict(run(&def, SYS_socket, AF_NETLINK, SOCK_RAW), RET_ALLOW);
	}

	/* other ABIs are denied whatever the list says */
	assert_verdict(run_arch(&def, AUDIT_ARCH_I386, 20 /* getpid */, 0, 0), RET_NOTIFY);
	assert_verdict(run(&def, X32_BIT | SYS_getpid, 0, 0), RET_NOTIFY);
	assert_verdict(run_arch(&none, AUDIT_ARCH_I386, 20, 0, 0), RET_NOTIFY);
	assert_verdict(run(&none, X32_BIT | SYS_getpid, 0, 0), RET_NOTIFY);
	assert_verdict(run_arch(&none, AUDIT_ARCH_AARCH64, 172, 0, 0), RET_NOTIFY);

	/* an empty list compiles, and denies nothing of the native ABI */
	assert_verdict(run(&none, SYS_mount, 0, 0), RET_ALLOW);
	assert_verdict(run(&none, SYS_clone3, 0, 0), RET_ALLOW);
	assert_verdict(run(&none, SYS_clone, CLONE_NEWUSER, 0), RET_ALLOW);
	assert_verdict(run(&none, SYS_personality, ADDR_NO_RANDOMIZE, 0), RET_ALLOW);
	assert_verdict(run(&none, SYS_getpid, 0, 0), RET_ALLOW);

	seccomp_program_done(&def);
	assert_null(def.insns);
	assert_int_equal(def.n_insns, 0);
	seccomp_program_done(&none);
}

static void test_compile_plain_names(void **state)
{
	struct seccomp_program p = {NULL, 0};

	(void)state;
	compile_names((const char *const[]){"ptrace", "memfd_create"}, 2, &p);
	assert_verdict(run(&p, SYS_ptrace, 0, 0), RET_NOTIFY);
	assert_verdict(run(&p, SYS_memfd_create, 0, 0), RET_NOTIFY);
	assert_verdict(run(&p, SYS_mount, 0, 0), RET_ALLOW);
	assert_verdict(run(&p, SYS_process_vm_readv, 0, 0), RET_ALLOW);
	seccomp_program_done(&p);
}

/*
 * nbwarden.profile(5): "Naming clone, ioctl or personality directly denies
 * every call of it", also next to @default, which holds their special rules.
 */
static void test_compile_whole_call_overrides_special(void **state)
{
	struct seccomp_program p = {NULL, 0};

	(void)state;
	compile_names((const char *const[]){"@default", "clone", "ioctl"}, 3, &p);
	assert_verdict(run(&p, SYS_clone, SIGCHLD, 0), RET_NOTIFY);
	assert_verdict(run(&p, SYS_clone, CLONE_NEWUSER, 0), RET_NOTIFY);
	assert_verdict(run(&p, SYS_ioctl, 0, TCGETS), RET_NOTIFY);
	assert_verdict(run(&p, SYS_ioctl, 0, TIOCSTI), RET_NOTIFY);
	assert_verdict(run(&p, SYS_getpid, 0, 0), RET_ALLOW);
	seccomp_program_done(&p);

	compile_names((const char *const[]){"personality"}, 1, &p);
	assert_verdict(run(&p, SYS_personality, PER_LINUX, 0), RET_NOTIFY);
	assert_verdict(run(&p, SYS_personality, ADDR_NO_RANDOMIZE, 0), RET_NOTIFY);
	seccomp_program_done(&p);

	compile_names((const char *const[]){"@default", "personality"}, 2, &p);
	assert_verdict(run(&p, SYS_personality, ADDR_NO_RANDOMIZE, 0), RET_NOTIFY);
	assert_verdict(run(&p, SYS_personality, PER_LINUX, 0), RET_NOTIFY);
	assert_verdict(run(&p, SYS_personality, 0xffffffffULL, 0), RET_NOTIFY);
	seccomp_program_done(&p);
}

/* ------------------------------------------------------------------------ */
/* describing a notification */

static void describe(uint32_t arch, int nr, const char *want)
{
	char buf[64];

	memset(buf, 'X', sizeof(buf));
	seccomp_describe_syscall(arch, nr, buf, sizeof(buf));
	assert_string_equal(buf, want);
}

static void test_describe_syscall(void **state)
{
	char small[8];

	(void)state;
	describe(AUDIT_ARCH_X86_64, 39, "getpid");
	describe(AUDIT_ARCH_X86_64, SYS_mount, "mount");
	describe(AUDIT_ARCH_X86_64, SYS_clone3, "clone3");
	describe(AUDIT_ARCH_I386, 20, "getpid/i386");
	describe(AUDIT_ARCH_I386, 21, "mount/i386");
	describe(AUDIT_ARCH_X86_64, 39 | X32_BIT, "getpid/x32");
	describe(AUDIT_ARCH_X86_64, 99999, "nr:99999");
	describe(AUDIT_ARCH_I386, 99999, "nr:99999/i386");

	/* truncated, still terminated */
	seccomp_describe_syscall(AUDIT_ARCH_X86_64, SYS_process_vm_readv, small, sizeof(small));
	assert_string_equal(small, "process");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_groups_expand),
		cmocka_unit_test(test_group_members_resolve),
		cmocka_unit_test(test_name_is_valid),
		cmocka_unit_test(test_default_contents),
		cmocka_unit_test(test_default_is_union_of_groups),
		cmocka_unit_test(test_expand_sorted_unique),
		cmocka_unit_test(test_expand_unknown_group),
		cmocka_unit_test(test_compile_default),
		cmocka_unit_test(test_compile_plain_names),
		cmocka_unit_test(test_compile_whole_call_overrides_special),
		cmocka_unit_test(test_describe_syscall),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
