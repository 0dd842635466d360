// SPDX-License-Identifier: GPL-2.0-or-later
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <dirent.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/magic.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "cleanup.h"
#include "guard.h"
#include "guard.skel.h"
#include "log.h"
#include "sys.h"
#include "util.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(struct guard_bpf *, guard_bpf__destroy)
DEFINE_TRIVIAL_CLEANUP_FUNC(DIR *, closedir)

#define TRACEFS "/sys/kernel/tracing"

/* ------------------------------------------------------------------------ */
/* plan (pure) */

static void mask_addr(uint8_t a[16], uint8_t len)
{
	for (int bit = len; bit < 128; bit++)
		a[bit / 8] &= (uint8_t) ~(0x80 >> (bit % 8));
}

static int range_cmp(const void *x, const void *y)
{
	const struct nbw_port_range *a = x, *b = y;

	if (a->protos != b->protos)
		return a->protos - b->protos;
	return a->lo - b->lo;
}

/* Sort and merge ranges with the same protocols that overlap or touch. */
static size_t merge_ranges(struct nbw_port_range *r, size_t n)
{
	size_t out = 0;

	if (n == 0)
		return 0;
	qsort(r, n, sizeof(*r), range_cmp);
	for (size_t i = 1; i < n; i++) {
		struct nbw_port_range *last = &r[out];

		if (r[i].protos == last->protos && r[i].lo <= (uint32_t)last->hi + 1) {
			if (r[i].hi > last->hi)
				last->hi = r[i].hi;
		} else {
			r[++out] = r[i];
		}
	}
	return out + 1;
}

/* A rule's prefix with its host bits cleared, and where the rule came from. */
struct keyed_rule {
	uint8_t addr[16];
	uint8_t prefix;
	uint32_t idx;
};

static int keyed_cmp(const struct keyed_rule *a, uint8_t prefix, const uint8_t addr[16])
{
	if (a->prefix != prefix)
		return a->prefix < prefix ? -1 : 1;
	return memcmp(a->addr, addr, 16);
}

static int keyed_sort_cmp(const void *x, const void *y)
{
	const struct keyed_rule *a = x, *b = y;
	int r = keyed_cmp(a, b->prefix, b->addr);

	if (r)
		return r;
	return a->idx < b->idx ? -1 : a->idx > b->idx;
}

/* First element of the sorted array with this (prefix, address), or n. */
static size_t keyed_find(const struct keyed_rule *k, size_t n, uint8_t prefix,
                         const uint8_t addr[16])
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (keyed_cmp(&k[mid], prefix, addr) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < n && keyed_cmp(&k[lo], prefix, addr) == 0 ? lo : n;
}

/*
 * One trie entry per distinct prefix, in the order the rules first name
 * them. An entry holds the port ranges of every rule whose prefix contains
 * it (the trie answers with the longest match only), so for each prefix the
 * rules are looked up by each shorter prefix length in use: with the rules
 * sorted by (length, masked address) that is a binary search per length.
 */
int guard_plan_net(struct guard_plan *p, uint64_t cgid, const struct guard_net_rule *rules,
                   size_t n, char **ret_error)
{
	_cleanup_free_ struct nbw_port_range *tmp = NULL;
	_cleanup_free_ struct keyed_rule *keyed = NULL;
	bool used_len[129] = {false};

	*ret_error = NULL;
	if (n == 0)
		return 0;
	tmp = calloc(n, sizeof(*tmp));
	keyed = calloc(n, sizeof(*keyed));
	p->trie_keys = calloc(n, sizeof(*p->trie_keys));
	p->trie_values = calloc(n, sizeof(*p->trie_values));
	if (!tmp || !keyed || !p->trie_keys || !p->trie_values)
		return -ENOMEM;
	p->n_trie = 0;

	for (size_t i = 0; i < n; i++) {
		memcpy(keyed[i].addr, rules[i].addr, 16);
		mask_addr(keyed[i].addr, rules[i].prefix);
		keyed[i].prefix = rules[i].prefix;
		keyed[i].idx = (uint32_t)i;
		used_len[rules[i].prefix] = true;
	}
	qsort(keyed, n, sizeof(*keyed), keyed_sort_cmp);

	for (size_t i = 0; i < n; i++) {
		uint8_t addr[16];
		size_t at, nr = 0;

		memcpy(addr, rules[i].addr, 16);
		mask_addr(addr, rules[i].prefix);
		at = keyed_find(keyed, n, rules[i].prefix, addr);
		if (at == n || keyed[at].idx != i)
			continue; /* an earlier rule named this prefix */
		for (unsigned len = 0; len <= rules[i].prefix; len++) {
			uint8_t outer[16];

			if (!used_len[len])
				continue;
			memcpy(outer, addr, 16);
			mask_addr(outer, (uint8_t)len);
			for (at = keyed_find(keyed, n, (uint8_t)len, outer);
			     at < n && keyed_cmp(&keyed[at], (uint8_t)len, outer) == 0; at++) {
				const struct guard_net_rule *r = &rules[keyed[at].idx];

				tmp[nr++] = (struct nbw_port_range){
					.lo = r->port_lo, .hi = r->port_hi, .protos = r->protos};
			}
		}
		nr = merge_ranges(tmp, nr);
		if (nr > NBW_PORT_RANGES) {
			if (asprintf(
				    ret_error,
				    "more than %d distinct port ranges apply to one address prefix "
				    "after merging: simplify the [network] allow rules",
				    NBW_PORT_RANGES) < 0)
				*ret_error = NULL;
			return -E2BIG;
		}
		p->trie_keys[p->n_trie].prefixlen = 64u + rules[i].prefix;
		memcpy(p->trie_keys[p->n_trie].data, &cgid, 8);
		memcpy(p->trie_keys[p->n_trie].data + 8, addr, 16);
		memcpy(p->trie_values[p->n_trie].ranges, tmp, nr * sizeof(*tmp));
		p->trie_values[p->n_trie].n = (uint32_t)nr;
		p->n_trie++;
	}
	return 0;
}

int guard_plan_add_exec(struct guard_plan *p, uint32_t dev, uint64_t ino, uint8_t kind)
{
	struct guard_exec_entry *n;

	for (size_t i = 0; i < p->n_exec; i++)
		if (p->exec[i].dev == dev && p->exec[i].ino == ino) {
			/* "only as an interpreter" wins over "may be executed" */
			if (kind == NBW_EXEC_INTERP || p->exec[i].kind != NBW_EXEC_INTERP)
				p->exec[i].kind = kind;
			return 0;
		}
	n = realloc(p->exec, (p->n_exec + 1) * sizeof(*n));
	if (!n)
		return -ENOMEM;
	p->exec = n;
	p->exec[p->n_exec++] = (struct guard_exec_entry){.dev = dev, .ino = ino, .kind = kind};
	return 0;
}

void guard_plan_done(struct guard_plan *p)
{
	free(p->trie_keys);
	free(p->trie_values);
	free(p->exec);
	*p = (struct guard_plan){0};
}

struct nbw_policy guard_policy_from_profile(const struct profile *p)
{
	struct nbw_policy pol = {.flags = NBW_EXEC_GUARD};

	pol.flags |= p->net_mode == NET_MODE_HOST ? NBW_NET_FILTER : NBW_NET_PRIVATE;
	if (p->net_log == LOG_ALL)
		pol.flags |= NBW_NET_LOG_ALL;
	if (p->exec_log == LOG_ALL)
		pol.flags |= NBW_EXEC_LOG_ALL;
	if (p->violation_net == VIOLATION_KILL)
		pol.flags |= NBW_NET_KILL;
	if (p->violation_exec == VIOLATION_KILL)
		pol.flags |= NBW_EXEC_KILL;
	pol.bind = p->net_bind == NET_BIND_ANY    ? NBW_BIND_ANY
	           : p->net_bind == NET_BIND_NONE ? NBW_BIND_NONE
	                                          : NBW_BIND_LOOPBACK;
	return pol;
}

/* ------------------------------------------------------------------------ */
/* resolving the profile against the system */

int guard_resolve_rules(const struct profile *p, struct guard_net_rule **ret, size_t *ret_n,
                        char ***ret_unresolved)
{
	struct guard_net_rule *rules = NULL;
	size_t n = 0, cap = 0;

	for (size_t i = 0; i < p->n_net_allow; i++) {
		const struct net_rule *r = &p->net_allow[i];
		struct guard_net_rule base = {
			.prefix = r->prefix,
			.protos = r->proto == NET_PROTO_TCP   ? NBW_PROTO_TCP
		                  : r->proto == NET_PROTO_UDP ? NBW_PROTO_UDP
		                                              : NBW_PROTO_TCP | NBW_PROTO_UDP,
			.port_lo = r->port_lo,
			.port_hi = r->port_hi,
		};
		struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM};
		struct addrinfo *res = NULL;

		if (!r->host) {
			memcpy(base.addr, r->addr, 16);
			if (n == cap) {
				struct guard_net_rule *more =
					realloc(rules, (cap = cap ? cap * 2 : 16) * sizeof(*rules));

				if (!more)
					goto oom;
				rules = more;
			}
			rules[n++] = base;
			continue;
		}
		if (getaddrinfo(r->host, NULL, &hints, &res) != 0 || !res) {
			char *line = NULL;

			if (asprintf(&line,
			             "%s:%u: [network] allow %s does not resolve, it grants "
			             "nothing",
			             r->origin.file, r->origin.line, r->host) >= 0)
				(void)strv_consume(ret_unresolved, line);
			continue;
		}
		for (struct addrinfo *a = res; a; a = a->ai_next) {
			struct guard_net_rule one = base;

			if (a->ai_family == AF_INET) {
				memset(one.addr, 0, 10);
				one.addr[10] = one.addr[11] = 0xff;
				memcpy(one.addr + 12, &((struct sockaddr_in *)a->ai_addr)->sin_addr,
				       4);
			} else if (a->ai_family == AF_INET6) {
				memcpy(one.addr, &((struct sockaddr_in6 *)a->ai_addr)->sin6_addr,
				       16);
			} else {
				continue;
			}
			one.prefix = 128; /* a host */
			if (n == cap) {
				struct guard_net_rule *more =
					realloc(rules, (cap = cap ? cap * 2 : 16) * sizeof(*rules));

				if (!more) {
					freeaddrinfo(res);
					goto oom;
				}
				rules = more;
			}
			rules[n++] = one;
		}
		freeaddrinfo(res);
	}
	*ret = rules;
	*ret_n = n;
	return 0;
oom:
	free(rules);
	return -ENOMEM;
}

/* The kernel's s_dev of the filesystem a file is on: the MAJ:MIN of its mount. */
static int mount_dev(uint64_t mnt_id, uint32_t *ret)
{
	_cleanup_fclose_ FILE *f = fopen("/proc/self/mountinfo", "re");
	char line[4096];

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		unsigned long long id;
		unsigned maj, min;

		if (sscanf(line, "%llu %*u %u:%u", &id, &maj, &min) == 3 && id == mnt_id) {
			*ret = guard_kdev(maj, min);
			return 0;
		}
	}
	return -ENOENT;
}

static int file_identity(int fd, uint32_t *ret_dev, uint64_t *ret_ino, bool *ret_dir)
{
	struct statx stx;
	int r;

	*ret_dev = 0;
	*ret_ino = 0;
	*ret_dir = false;
	if (statx(fd, "", AT_EMPTY_PATH, STATX_TYPE | STATX_INO | STATX_MNT_ID, &stx) < 0)
		return -errno;
	if (!(stx.stx_mask & STATX_MNT_ID))
		return -EOPNOTSUPP;
	r = mount_dev(stx.stx_mnt_id, ret_dev);
	if (r < 0)
		return r;
	*ret_ino = stx.stx_ino;
	*ret_dir = S_ISDIR(stx.stx_mode);
	return 0;
}

/* The PT_INTERP path of an ELF file, or -ENOENT when it has none. */
static int elf_interpreter(int fd, char *buf, size_t size)
{
	Elf64_Ehdr eh;

	if (pread(fd, &eh, sizeof(eh), 0) != sizeof(eh) ||
	    memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0 || eh.e_ident[EI_CLASS] != ELFCLASS64 ||
	    eh.e_phentsize != sizeof(Elf64_Phdr))
		return -ENOENT;
	for (unsigned i = 0; i < eh.e_phnum && i < 64; i++) {
		Elf64_Phdr ph;

		if (pread(fd, &ph, sizeof(ph), (off_t)(eh.e_phoff + i * sizeof(ph))) != sizeof(ph))
			return -EIO;
		if (ph.p_type != PT_INTERP)
			continue;
		if (ph.p_filesz == 0 || ph.p_filesz >= size)
			return -ENAMETOOLONG;
		if (pread(fd, buf, ph.p_filesz, (off_t)ph.p_offset) != (ssize_t)ph.p_filesz)
			return -EIO;
		buf[ph.p_filesz] = 0;
		return 0;
	}
	return -ENOENT;
}

/* Mark the interpreter an ELF file names as "only as an interpreter". */
static int add_interpreter_of(struct guard_plan *p, int file)
{
	_cleanup_close_ int fd = -1;
	char interp[256];
	uint32_t dev;
	uint64_t ino;
	bool dir;
	int r;

	if (elf_interpreter(file, interp, sizeof(interp)) < 0)
		return 0;
	fd = open(interp, O_PATH | O_CLOEXEC); /* PT_INTERP is usually a symlink (/lib64) */
	if (fd < 0)
		return 0; /* an exec that names it will fail anyway */
	r = file_identity(fd, &dev, &ino, &dir);
	if (r < 0 || dir)
		return r < 0 ? r : 0;
	return guard_plan_add_exec(p, dev, ino, NBW_EXEC_INTERP);
}

int guard_plan_exec(struct guard_plan *p, const struct list *allow, char **ret_error)
{
	_cleanup_close_ int self = -1;
	int r;

	*ret_error = NULL;
	/*
	 * The system's loader, as named by our own binary, is an interpreter
	 * whether or not an allowed file names it (a profile may allow only
	 * static binaries and directories, and still list ld.so).
	 */
	self = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	if (self >= 0) {
		r = add_interpreter_of(p, self);
		if (r < 0)
			return r;
	}
	for (size_t i = 0; i < allow->n; i++) {
		const char *path = allow->items[i].value;
		_cleanup_close_ int fd = -1, file = -1;
		uint32_t dev;
		uint64_t ino;
		bool dir;

		fd = sys_openat2(AT_FDCWD, path, O_PATH | O_CLOEXEC, 0,
		                 RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS);
		if (fd < 0 && errno == ENOENT)
			continue; /* grants nothing; run.c has warned */
		if (fd < 0)
			return -errno;
		r = file_identity(fd, &dev, &ino, &dir);
		if (r < 0)
			goto fail;
		r = guard_plan_add_exec(p, dev, ino, dir ? NBW_EXEC_DIR : NBW_EXEC_FILE);
		if (r < 0 || dir)
			goto next;
		/* the interpreter the kernel loads for it: allowed, but never run directly */
		file = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
		if (file >= 0)
			r = add_interpreter_of(p, file);
	next:
		if (r < 0)
			goto fail;
		continue;
	fail:
		if (asprintf(ret_error, "%s:%u: [exec] allow '%s': %s", allow->items[i].origin.file,
		             allow->items[i].origin.line, path, strerror(-r)) < 0)
			*ret_error = NULL;
		return r;
	}
	return 0;
}

/* ------------------------------------------------------------------------ */
/* loading, pinning, attaching */

enum map_index { M_POLICY, M_STATS, M_ALLOW, M_EXEC, M_RING, _M_MAX };

static const char *const map_names[_M_MAX] = {
	[M_POLICY] = "policy_map", [M_STATS] = "stats_map", [M_ALLOW] = "allow_map",
	[M_EXEC] = "exec_map",     [M_RING] = "ring_map",
};

/* The cgroup hooks and where they attach. */
static const struct {
	const char *prog;
	enum bpf_attach_type type;
} cgroup_hooks[] = {
	{"egress_connect4", BPF_CGROUP_INET4_CONNECT},
	{"egress_connect6", BPF_CGROUP_INET6_CONNECT},
	{"egress_sendmsg4", BPF_CGROUP_UDP4_SENDMSG},
	{"egress_sendmsg6", BPF_CGROUP_UDP6_SENDMSG},
	{"egress_bind4", BPF_CGROUP_INET4_BIND},
	{"egress_bind6", BPF_CGROUP_INET6_BIND},
	{"net_sock_create", BPF_CGROUP_INET_SOCK_CREATE},
	{"net_egress", BPF_CGROUP_INET_EGRESS},
	{"net_ingress", BPF_CGROUP_INET_INGRESS},
};

static const char *const exec_refused_progs[] = {"exec_enter_execve", "exec_enter_execveat",
                                                 "exec_exit_execve", "exec_exit_execveat"};

struct guard {
	char dir[128]; /* GUARD_PIN_ROOT/<tag> */
	int map_fd[_M_MAX];
	int users_fd; /* <dir>/users, locked shared while this build is in use */
	bool kill_in_hook;
};

bool guard_kills_in_hook(const struct guard *g)
{
	return g->kill_in_hook;
}

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	_cleanup_free_ char *buf = NULL;
	size_t n;

	if (level == LIBBPF_DEBUG && log_get_level() < LOG_LEVEL_DEBUG)
		return 0;
	/* whole: a verifier log runs to many kilobytes, and its end says why */
	if (vasprintf(&buf, fmt, ap) < 0)
		return 0;
	/* libbpf's own warnings are details for the operator who asked (-v) */
	for (char *line = buf, *end; *line; line = end) {
		n = strcspn(line, "\n");
		end = line + n + (line[n] == '\n');
		log_debug("libbpf: %.*s", (int)n, line);
	}
	return 0;
}

static int ensure_fs(const char *path, const char *type, long magic)
{
	struct statfs s;

	if (statfs(path, &s) == 0 && (long)s.f_type == magic)
		return 0;
	if (mount(type, path, type, MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=0700") < 0)
		return -errno;
	log_debug("mounted %s on %s", type, path);
	return 0;
}

static int mkdir_p(const char *path, mode_t mode)
{
	char buf[256];

	if (strlen(path) >= sizeof(buf))
		return -ENAMETOOLONG;
	strcpy(buf, path);
	for (char *p = buf + 1; *p; p++)
		if (*p == '/') {
			*p = 0;
			if (mkdir(buf, mode) < 0 && errno != EEXIST)
				return -errno;
			*p = '/';
		}
	if (mkdir(buf, mode) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

/* Remove every pin in a bpffs directory (its files; directories are left). */
static int unpin_all(const char *dir)
{
	_cleanup_close_ int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d;
	struct dirent *de;

	if (dfd < 0)
		return -errno;
	d = fdopendir(dfd);
	if (!d)
		return -errno;
	dfd = -1;
	while ((de = readdir(d)))
		if (de->d_type == DT_REG)
			(void)unlinkat(dirfd(d), de->d_name, 0);
	closedir(d);
	return 0;
}

static int pin_path(char *buf, size_t size, const struct guard *g, const char *sub,
                    const char *name)
{
	if ((size_t)snprintf(buf, size, "%s/%s/%s", g->dir, sub, name) >= size)
		return -ENAMETOOLONG;
	return 0;
}

/* bpf_send_signal() from a cgroup sock_addr program: loaded through the verifier. */
static bool probe_kill_in_hook(void)
{
	return libbpf_probe_bpf_helper(BPF_PROG_TYPE_CGROUP_SOCK_ADDR, BPF_FUNC_send_signal,
	                               NULL) == 1;
}

static bool have_exec_refused_tracepoints(void)
{
	if (ensure_fs(TRACEFS, "tracefs", TRACEFS_MAGIC) < 0)
		return false;
	return access(TRACEFS "/events/syscalls/sys_enter_execve/id", F_OK) == 0 &&
	       access(TRACEFS "/events/syscalls/sys_exit_execveat/id", F_OK) == 0;
}

/* First use of this build's programs on this boot: load, pin, attach the global ones. */
static int open_skeleton(struct guard *g, bool btf_tracing, bool refused, struct guard_bpf **ret)
{
	struct guard_bpf *skel = guard_bpf__open();
	int r;

	if (!skel) {
		r = -errno;
		return r < 0 ? r : -ENOMEM;
	}
	skel->rodata->kill_in_sock_hooks = g->kill_in_hook;
	bpf_program__set_autoload(btf_tracing ? skel->progs.exec_guard_raw : skel->progs.exec_guard,
	                          false);
	if (!refused)
		for (size_t i = 0; i < ELEMENTSOF(exec_refused_progs); i++)
			bpf_program__set_autoload(
				bpf_object__find_program_by_name(skel->obj, exec_refused_progs[i]),
				false);
	r = guard_bpf__load(skel);
	if (r < 0) {
		guard_bpf__destroy(skel);
		return r;
	}
	*ret = skel;
	return 0;
}

/* First use of this build's programs on this boot: load, pin, attach the global ones. */
static int load_and_pin(struct guard *g, char **ret_error)
{
	_cleanup_(guard_bpf__destroyp) struct guard_bpf *skel = NULL;
	struct bpf_program *prog;
	char path[256];
	bool refused;
	int r;

	g->kill_in_hook = probe_kill_in_hook();
	refused = have_exec_refused_tracepoints();
	if (!refused)
		log_warning(
			"syscall tracepoints unavailable: execs refused by Landlock will not be "
			"logged as events, ignoring");
	/* the exec guard: a BTF-typed tracepoint where it loads, a raw one otherwise */
	r = open_skeleton(g, true, refused, &skel);
	if (r < 0) {
		log_debug_errno(r, "tp_btf exec guard did not load (%m), trying a raw tracepoint");
		r = open_skeleton(g, false, refused, &skel);
	}
	if (r < 0) {
		if (asprintf(ret_error,
		             "cannot load the eBPF programs: %s (run with -v for the verifier's "
		             "output)",
		             strerror(-r)) < 0)
			*ret_error = NULL;
		return r;
	}

	/* maps first: with the maps pinned, the state is usable */
	for (int i = 0; i < _M_MAX; i++) {
		struct bpf_map *m = bpf_object__find_map_by_name(skel->obj, map_names[i]);

		r = pin_path(path, sizeof(path), g, "maps", map_names[i]);
		if (r < 0 || !m)
			return r < 0 ? r : -ENOENT;
		r = bpf_map__pin(m, path);
		if (r < 0)
			return r;
	}
	bpf_object__for_each_program(prog, skel->obj)
	{
		if (!bpf_program__autoload(prog))
			continue;
		r = pin_path(path, sizeof(path), g, "progs", bpf_program__name(prog));
		if (r >= 0)
			r = bpf_program__pin(prog, path);
		if (r < 0)
			return r;
	}
	/* the tracing programs attach globally, once */
	bpf_object__for_each_program(prog, skel->obj)
	{
		enum bpf_prog_type type = bpf_program__type(prog);
		struct bpf_link *link;

		if (!bpf_program__autoload(prog) ||
		    (type != BPF_PROG_TYPE_TRACING && type != BPF_PROG_TYPE_TRACEPOINT &&
		     type != BPF_PROG_TYPE_RAW_TRACEPOINT))
			continue;
		link = bpf_program__attach(prog);
		if (!link)
			return -errno;
		r = pin_path(path, sizeof(path), g, "links/global", bpf_program__name(prog));
		if (r >= 0)
			r = bpf_link__pin(link, path);
		/* the pin holds the attachment; our handle can go */
		bpf_link__disconnect(link);
		bpf_link__destroy(link);
		if (r < 0)
			return r;
	}
	/* a marker that this directory is complete, with what was probed: a pinned map */
	r = pin_path(path, sizeof(path), g, "", "ready");
	if (r >= 0) {
		_cleanup_close_ int fd = -1;
		uint32_t key = 0, value = g->kill_in_hook;

		fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "nbw_ready", sizeof(key), sizeof(value), 1,
		                    NULL);
		if (fd < 0 || bpf_map_update_elem(fd, &key, &value, BPF_ANY) < 0 ||
		    bpf_obj_pin(fd, path) < 0)
			r = -errno;
	}
	return r;
}

/* Attach the cgroup hooks to one parent cgroup, from the pinned programs. */
static int attach_parent(struct guard *g, int parent_fd, uint64_t parent_id)
{
	char dir[64], path[256];
	int r;

	snprintf(dir, sizeof(dir), "links/%llu", (unsigned long long)parent_id);
	r = pin_path(path, sizeof(path), g, dir, "");
	if (r < 0)
		return r;
	r = mkdir_p(path, 0700);
	if (r < 0)
		return r;
	for (size_t i = 0; i < ELEMENTSOF(cgroup_hooks); i++) {
		_cleanup_close_ int prog = -1, link = -1;

		r = pin_path(path, sizeof(path), g, dir, cgroup_hooks[i].prog);
		if (r < 0)
			return r;
		if (access(path, F_OK) == 0)
			continue; /* attached by an earlier nbwarden */
		r = pin_path(path, sizeof(path), g, "progs", cgroup_hooks[i].prog);
		if (r < 0)
			return r;
		prog = bpf_obj_get(path);
		if (prog < 0)
			return -errno;
		link = bpf_link_create(prog, parent_fd, cgroup_hooks[i].type, NULL);
		if (link < 0)
			return -errno;
		r = pin_path(path, sizeof(path), g, dir, cgroup_hooks[i].prog);
		if (r >= 0 && bpf_obj_pin(link, path) < 0)
			r = -errno;
		if (r < 0)
			return r;
	}
	return 0;
}

static const char *object_tag(char buf[static 17])
{
	size_t size = 0;
	const void *elf = guard_bpf__elf_bytes(&size);

	snprintf(buf, 17, "%016llx", (unsigned long long)fnv1a(elf, size));
	return buf;
}

/*
 * Take this build's "in use" lock (shared; another build retiring this one
 * takes it exclusively, see retire_builds()). If a retirement removed the
 * directory meanwhile, it is made again, and the setup starts from scratch.
 */
static int lock_users(struct guard *g)
{
	char path[256];
	int r;

	r = pin_path(path, sizeof(path), g, "users", "");
	if (r < 0)
		return r;
	for (int attempt = 0; attempt < 3; attempt++) {
		_cleanup_close_ int fd = -1;
		struct stat a, b;

		r = mkdir_p(path, 0700);
		if (r < 0)
			return r;
		fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0 && errno == ENOENT)
			continue;
		if (fd < 0 || flock(fd, LOCK_SH) < 0)
			return -errno;
		if (fstat(fd, &a) == 0 && stat(path, &b) == 0 && a.st_ino == b.st_ino) {
			g->users_fd = TAKE_FD(fd);
			return 0;
		}
	}
	return -EAGAIN;
}

int guard_open(int parent_fd, uint64_t parent_id, struct guard **ret, char **ret_error)
{
	_cleanup_close_ int lock = -1;
	struct guard *g = NULL;
	char tag[17], path[256];
	int r;

	*ret_error = NULL;
	libbpf_set_print(libbpf_print);
	r = ensure_fs("/sys/fs/bpf", "bpf", BPF_FS_MAGIC);
	if (r < 0) {
		if (asprintf(ret_error, "cannot mount bpffs on /sys/fs/bpf: %s", strerror(-r)) < 0)
			*ret_error = NULL;
		return r;
	}
	g = calloc(1, sizeof(*g));
	if (!g)
		return -ENOMEM;
	for (int i = 0; i < _M_MAX; i++)
		g->map_fd[i] = -1;
	g->users_fd = -1;
	snprintf(g->dir, sizeof(g->dir), "%s/%s", GUARD_PIN_ROOT, object_tag(tag));

	r = lock_users(g);
	if (r >= 0) {
		lock = open(g->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (lock < 0 || flock(lock, LOCK_EX) < 0)
			r = -errno;
	}
	if (r >= 0 && pin_path(path, sizeof(path), g, "", "ready") >= 0 && access(path, F_OK) < 0) {
		/* first use on this boot (or an earlier attempt died half-way): start over */
		static const char *const subs[] = {"maps", "progs", "links/global"};

		for (size_t i = 0; i < ELEMENTSOF(subs) && r >= 0; i++) {
			r = pin_path(path, sizeof(path), g, subs[i], "");
			if (r >= 0)
				r = mkdir_p(path, 0700);
			if (r >= 0)
				r = unpin_all(path);
		}
		if (r >= 0)
			r = load_and_pin(g, ret_error);
	} else if (r >= 0) {
		_cleanup_close_ int fd = bpf_obj_get(path);
		uint32_t key = 0, value = 0;

		if (fd < 0 || bpf_map_lookup_elem(fd, &key, &value) < 0)
			r = -errno;
		g->kill_in_hook = value;
	}
	if (r >= 0)
		r = attach_parent(g, parent_fd, parent_id);
	for (int i = 0; i < _M_MAX && r >= 0; i++) {
		r = pin_path(path, sizeof(path), g, "maps", map_names[i]);
		if (r >= 0) {
			g->map_fd[i] = bpf_obj_get(path);
			if (g->map_fd[i] < 0)
				r = -errno;
		}
	}
	if (r < 0) {
		if (!*ret_error && asprintf(ret_error, "cannot set up the eBPF programs in %s: %s",
		                            g->dir, strerror(-r)) < 0)
			*ret_error = NULL;
		guard_close(g);
		return r;
	}
	*ret = g;
	return 0;
}

void guard_close(struct guard *g)
{
	if (!g)
		return;
	for (int i = 0; i < _M_MAX; i++)
		safe_close(g->map_fd[i]);
	safe_close(g->users_fd);
	free(g);
}

/* ------------------------------------------------------------------------ */
/* per sandbox */

static int update(int fd, const void *key, const void *value)
{
	return bpf_map_update_elem(fd, key, value, BPF_ANY) < 0 ? -errno : 0;
}

static void exec_key(struct nbw_exec_key *k, uint64_t cgid, const struct guard_exec_entry *e)
{
	*k = (struct nbw_exec_key){.cgroup_id = cgid, .ino = e->ino, .dev = e->dev};
}

int guard_install(struct guard *g, uint64_t cgid, const struct guard_plan *p, int *ret_ring_fd)
{
	struct nbw_stats zero = {0};
	_cleanup_close_ int ring = -1;
	int r;

	ring = bpf_map_create(BPF_MAP_TYPE_RINGBUF, "nbw_ring", 0, 0, NBW_EVENT_RING_SIZE, NULL);
	if (ring < 0)
		return -errno;
	r = update(g->map_fd[M_STATS], &cgid, &zero);
	if (r >= 0)
		r = update(g->map_fd[M_RING], &cgid, &ring);
	for (size_t i = 0; i < p->n_trie && r >= 0; i++)
		r = update(g->map_fd[M_ALLOW], &p->trie_keys[i], &p->trie_values[i]);
	for (size_t i = 0; i < p->n_exec && r >= 0; i++) {
		struct nbw_exec_key k;

		exec_key(&k, cgid, &p->exec[i]);
		r = update(g->map_fd[M_EXEC], &k, &p->exec[i].kind);
	}
	/* the policy last: until it is there, the programs ignore this cgroup */
	if (r >= 0)
		r = update(g->map_fd[M_POLICY], &cgid, &p->policy);
	if (r < 0) {
		(void)guard_remove(g, cgid, p);
		return r;
	}
	*ret_ring_fd = TAKE_FD(ring);
	return 0;
}

int guard_remove(struct guard *g, uint64_t cgid, const struct guard_plan *p)
{
	int r = 0;

	/* the policy first: from here on the programs ignore this cgroup */
	if (bpf_map_delete_elem(g->map_fd[M_POLICY], &cgid) < 0 && errno != ENOENT)
		r = -errno;
	for (size_t i = 0; i < p->n_trie; i++)
		if (bpf_map_delete_elem(g->map_fd[M_ALLOW], &p->trie_keys[i]) < 0 &&
		    errno != ENOENT)
			r = -errno;
	for (size_t i = 0; i < p->n_exec; i++) {
		struct nbw_exec_key k;

		exec_key(&k, cgid, &p->exec[i]);
		if (bpf_map_delete_elem(g->map_fd[M_EXEC], &k) < 0 && errno != ENOENT)
			r = -errno;
	}
	if (bpf_map_delete_elem(g->map_fd[M_RING], &cgid) < 0 && errno != ENOENT)
		r = -errno;
	if (bpf_map_delete_elem(g->map_fd[M_STATS], &cgid) < 0 && errno != ENOENT)
		r = -errno;
	return r;
}

int guard_read_stats(const struct guard *g, uint64_t cgid, struct nbw_stats *ret)
{
	return bpf_map_lookup_elem(g->map_fd[M_STATS], &cgid, ret) < 0 ? -errno : 0;
}

/* Does the cgroup with this id still exist? Asked by file handle: cgroup ids are handles. */
static bool cgroup_exists(int mount_fd, uint64_t cgid)
{
	struct {
		struct file_handle fh;
		uint64_t id;
	} h = {.fh = {.handle_bytes = sizeof(uint64_t), .handle_type = 0xfe /* FILEID_KERNFS */}};
	int fd;

	h.id = cgid;
	fd = open_by_handle_at(mount_fd, &h.fh, O_RDONLY | O_CLOEXEC | O_DIRECTORY);
	if (fd >= 0) {
		close(fd);
		return true;
	}
	return errno != ESTALE && errno != ENOENT;
}

/* Delete every key of a map that carries cgid at offset off: collect, then delete. */
static void delete_keys_of(int fd, size_t key_size, size_t off, uint64_t cgid)
{
	_cleanup_free_ uint8_t *keys = NULL;
	uint8_t next[64], cur[64], *prev = NULL;
	size_t n = 0, cap = 0;

	if (key_size > sizeof(next))
		return;
	while (bpf_map_get_next_key(fd, prev, next) == 0) {
		if (memcmp(next + off, &cgid, 8) == 0) {
			if (n == cap) {
				uint8_t *more =
					realloc(keys, (cap = cap ? cap * 2 : 64) * key_size);

				if (!more)
					break;
				keys = more;
			}
			memcpy(keys + n++ * key_size, next, key_size);
		}
		/* continue from this key: next is overwritten, so keep a copy */
		memcpy(cur, next, key_size);
		prev = cur;
	}
	for (size_t i = 0; i < n; i++)
		(void)bpf_map_delete_elem(fd, keys + i * key_size);
}

int guard_detach(struct guard *g, uint64_t parent_id)
{
	char dir[64], path[256];
	int r;

	snprintf(dir, sizeof(dir), "links/%llu", (unsigned long long)parent_id);
	r = pin_path(path, sizeof(path), g, dir, "");
	if (r < 0)
		return r;
	r = unpin_all(path);
	if (r < 0)
		return r == -ENOENT ? 0 : r;
	return rmdir(path) < 0 ? -errno : 0;
}

/* Detach from parents that no longer exist: their links pin programs for nothing. */
static int sweep_links(struct guard *g, int cgroup_mount_fd)
{
	_cleanup_(closedirp) DIR *d = NULL;
	char path[256];
	struct dirent *de;
	uint64_t stale[64];
	size_t n = 0;

	if (pin_path(path, sizeof(path), g, "links", "") < 0 || !(d = opendir(path)))
		return 0;
	while ((de = readdir(d)) && n < ELEMENTSOF(stale)) {
		char *end;
		unsigned long long id = strtoull(de->d_name, &end, 10);

		/* "global" and dot entries are not cgroup ids */
		if (de->d_type == DT_DIR && *de->d_name != '\0' && *end == '\0' && id > 0 &&
		    !cgroup_exists(cgroup_mount_fd, id))
			stale[n++] = id;
	}
	for (size_t i = 0; i < n; i++) {
		log_debug("detaching the eBPF hooks from vanished cgroup %llu",
		          (unsigned long long)stale[i]);
		(void)guard_detach(g, stale[i]);
	}
	return (int)n;
}

/* Remove a bpffs directory tree of pins (at most a few levels deep). */
static void remove_tree(int parent, const char *name, int depth)
{
	_cleanup_(closedirp) DIR *d = NULL;
	struct dirent *de;
	int fd;

	fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return;
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return;
	}
	while ((de = readdir(d))) {
		if (streq(de->d_name, ".") || streq(de->d_name, ".."))
			continue;
		if (de->d_type == DT_DIR && depth > 0)
			remove_tree(dirfd(d), de->d_name, depth - 1);
		else
			(void)unlinkat(dirfd(d), de->d_name, 0);
	}
	(void)unlinkat(parent, name, AT_REMOVEDIR);
}

/* Does a build still enforce anything: a policy entry whose cgroup exists? */
static bool build_in_use(const char *tag, int cgroup_mount_fd)
{
	_cleanup_close_ int map = -1;
	char path[PATH_MAX];
	uint64_t key, next, *prev = NULL;
	int n;

	n = snprintf(path, sizeof(path), "%s/%s/maps/%s", GUARD_PIN_ROOT, tag, map_names[M_POLICY]);
	if (n < 0 || (size_t)n >= sizeof(path))
		return true;
	map = bpf_obj_get(path);
	if (map < 0)
		return errno != ENOENT; /* in doubt, it is in use */
	while (bpf_map_get_next_key(map, prev, &next) == 0) {
		if (cgroup_exists(cgroup_mount_fd, next))
			return true;
		key = next;
		prev = &key;
	}
	return false;
}

/*
 * Detach and unpin the programs of other builds (an upgrade, a rebuild)
 * that no supervisor uses and no sandbox needs any more: left alone, every
 * build since boot would stay attached, each adding its hooks to every
 * connect() and exec. A supervisor holds its build's "users" lock for its
 * whole run; a build directory without one is not touched.
 */
static int retire_builds(struct guard *g, int cgroup_mount_fd)
{
	_cleanup_(closedirp) DIR *root = opendir(GUARD_PIN_ROOT);
	const char *ours = strrchr(g->dir, '/') + 1;
	struct dirent *de;
	int n = 0;

	if (!root)
		return 0;
	while ((de = readdir(root))) {
		_cleanup_close_ int dir = -1, users = -1;

		if (de->d_type != DT_DIR || strlen(de->d_name) != 16 ||
		    strspn(de->d_name, "0123456789abcdef") != 16 || streq(de->d_name, ours))
			continue;
		dir = openat(dirfd(root), de->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (dir < 0)
			continue;
		users = openat(dir, "users", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		/* in use, being set up, or still enforcing for a sandbox: not now */
		if (users < 0 || flock(users, LOCK_EX | LOCK_NB) < 0 ||
		    flock(dir, LOCK_EX | LOCK_NB) < 0 || build_in_use(de->d_name, cgroup_mount_fd))
			continue;
		log_debug("retiring the eBPF programs of build %s", de->d_name);
		remove_tree(dirfd(root), de->d_name, 3);
		n++;
	}
	return n;
}

int guard_sweep(struct guard *g, int cgroup_mount_fd)
{
	uint64_t key, next, stale[64];
	uint64_t *prev = NULL;
	size_t n = 0;

	while (n < ELEMENTSOF(stale) &&
	       bpf_map_get_next_key(g->map_fd[M_POLICY], prev, &next) == 0) {
		key = next;
		prev = &key;
		if (!cgroup_exists(cgroup_mount_fd, key))
			stale[n++] = key;
	}
	for (size_t i = 0; i < n; i++) {
		log_debug("removing the eBPF entries of vanished sandbox cgroup %llu",
		          (unsigned long long)stale[i]);
		(void)bpf_map_delete_elem(g->map_fd[M_POLICY], &stale[i]);
		delete_keys_of(g->map_fd[M_ALLOW], sizeof(struct nbw_trie_key),
		               offsetof(struct nbw_trie_key, data), stale[i]);
		delete_keys_of(g->map_fd[M_EXEC], sizeof(struct nbw_exec_key),
		               offsetof(struct nbw_exec_key, cgroup_id), stale[i]);
		(void)bpf_map_delete_elem(g->map_fd[M_RING], &stale[i]);
		(void)bpf_map_delete_elem(g->map_fd[M_STATS], &stale[i]);
	}
	return (int)n + sweep_links(g, cgroup_mount_fd);
}

int guard_retire_builds(struct guard *g, int cgroup_mount_fd)
{
	return retire_builds(g, cgroup_mount_fd);
}
