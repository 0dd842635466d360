// SPDX-License-Identifier: GPL-2.0-or-later
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
/*
 * SHA256_Init() and friends are deprecated in OpenSSL 3 in favour of EVP,
 * but EVP fetches its algorithm from a provider, 1-2 ms at the first call:
 * a cost every launch would pay. The low-level calls run the same code
 * without the fetch. The HMAC goes through EVP_MAC (only with a key).
 */
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/sha.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "audit.h"
#include "cleanup.h"
#include "log.h"
#include "util.h"

#define ZERO_HASH "0000000000000000000000000000000000000000000000000000000000000000"
#define HEAD_MAX  1024
/* ,"hash":"<64 hex>"} */
#define SUFFIX_LEN (sizeof(",\"hash\":\"\"}") - 1 + AUDIT_HASH_HEX)

static const char *const fsync_names[_AUDIT_FSYNC_MAX] = {
	[AUDIT_FSYNC_ALWAYS] = "always",
	[AUDIT_FSYNC_BATCH] = "batch",
	[AUDIT_FSYNC_NONE] = "none",
};

const char *audit_fsync_to_string(enum audit_fsync f)
{
	return f >= 0 && f < _AUDIT_FSYNC_MAX ? fsync_names[f] : NULL;
}

enum audit_fsync audit_fsync_from_string(const char *s)
{
	for (int i = 0; i < _AUDIT_FSYNC_MAX; i++)
		if (streq(s, fsync_names[i]))
			return i;
	return _AUDIT_FSYNC_INVALID;
}

/* ------------------------------------------------------------------------ */
/* hashing */

struct hasher {
	EVP_MAC *mac; /* HMAC-SHA-256 under a key; NULL: plain SHA-256 */
	EVP_MAC_CTX *mac_ctx;
};

static void hasher_done(struct hasher *h)
{
	EVP_MAC_CTX_free(h->mac_ctx);
	EVP_MAC_free(h->mac);
	*h = (struct hasher){0};
}

/* With a key, the HMAC is fetched once: OpenSSL 3 looks algorithms up by name. */
static int hasher_init(struct hasher *h, const unsigned char *key, size_t key_len)
{
	*h = (struct hasher){0};
	if (key_len > 0) {
		OSSL_PARAM params[] = {
			OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)"SHA256",
		                                         0),
			OSSL_PARAM_construct_end(),
		};

		h->mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
		h->mac_ctx = h->mac ? EVP_MAC_CTX_new(h->mac) : NULL;
		if (!h->mac_ctx || !EVP_MAC_init(h->mac_ctx, key, key_len, params)) {
			hasher_done(h);
			return -EIO;
		}
	}
	return 0;
}

static int hasher_hex(struct hasher *h, const void *data, size_t n, char hex[AUDIT_HASH_HEX + 1])
{
	static const char digits[] = "0123456789abcdef";
	unsigned char out[EVP_MAX_MD_SIZE];
	size_t len = 0;

	if (h->mac_ctx) {
		/* a NULL key re-initialises with the key given at first */
		if (!EVP_MAC_init(h->mac_ctx, NULL, 0, NULL) ||
		    !EVP_MAC_update(h->mac_ctx, data, n) ||
		    !EVP_MAC_final(h->mac_ctx, out, &len, sizeof(out)))
			return -EIO;
	} else {
		SHA256_CTX c;

		if (!SHA256_Init(&c) || !SHA256_Update(&c, data, n) || !SHA256_Final(out, &c))
			return -EIO;
		len = SHA256_DIGEST_LENGTH;
	}
	if (len != AUDIT_HASH_HEX / 2)
		return -EIO;
	for (size_t i = 0; i < len; i++) {
		hex[2 * i] = digits[out[i] >> 4];
		hex[2 * i + 1] = digits[out[i] & 15];
	}
	hex[AUDIT_HASH_HEX] = 0;
	return 0;
}

static bool is_hex_hash(const char *s, size_t n)
{
	if (n != AUDIT_HASH_HEX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return true;
}

/*
 * Split a line (without newline) into the hashed part and its hash: the line
 * must end with ,"hash":"HEX"} or ,"hmac":"HEX"}. *ret_body_len is the length
 * of the bytes before the comma; the hashed bytes are those plus "}".
 */
static int split_line(const char *line, size_t len, size_t *ret_body_len, bool *ret_hmac,
                      const char **ret_hex)
{
	const char *s;

	if (len < SUFFIX_LEN + 2 || line[len - 1] != '}' || line[len - 2] != '"')
		return -EINVAL;
	s = line + len - SUFFIX_LEN;
	if (strncmp(s, ",\"hash\":\"", 9) != 0 && strncmp(s, ",\"hmac\":\"", 9) != 0)
		return -EINVAL;
	if (!is_hex_hash(s + 9, AUDIT_HASH_HEX))
		return -EINVAL;
	*ret_body_len = len - SUFFIX_LEN;
	*ret_hmac = s[3] == 'm'; /* ,"hmac" */
	*ret_hex = s + 9;
	return 0;
}

/* The hash of a record line: over its body plus the closing brace. */
static int line_digest(struct hasher *h, const char *line, size_t body_len,
                       char hex[AUDIT_HASH_HEX + 1])
{
	_cleanup_free_ char *buf = malloc(body_len + 1);

	if (!buf)
		return -ENOMEM;
	memcpy(buf, line, body_len);
	buf[body_len] = '}';
	return hasher_hex(h, buf, body_len + 1, hex);
}

/* seq and the hash written in a complete record line; read, not verified. */
static int line_chain_fields(const char *line, size_t len, uint64_t *ret_seq,
                             char ret_hash[AUDIT_HASH_HEX + 1])
{
	const char *hex, *p;
	size_t body;
	bool hmac;
	char *end;
	unsigned long long v;

	if (split_line(line, len, &body, &hmac, &hex) < 0)
		return -EINVAL;
	/* the writer puts ,"seq":N last, just before the hash */
	p = body > 0 ? line + body : NULL;
	while (p && p > line && p[-1] >= '0' && p[-1] <= '9')
		p--;
	if (!p || p == line + body || p - line < 7 || memcmp(p - 7, ",\"seq\":", 7) != 0)
		return -EINVAL;
	errno = 0;
	v = strtoull(p, &end, 10);
	if (errno || end != line + body)
		return -EINVAL;
	*ret_seq = v;
	memcpy(ret_hash, hex, AUDIT_HASH_HEX);
	ret_hash[AUDIT_HASH_HEX] = 0;
	return 0;
}

/* ------------------------------------------------------------------------ */
/* the head file: the last acknowledged record, and the chain's anchor */

struct head {
	uint64_t seq, offset, inode, base_seq;
	char hash[AUDIT_HASH_HEX + 1], base_hash[AUDIT_HASH_HEX + 1];
};

static int head_parse(const char *text, size_t len, struct head *ret)
{
	json_t *j = json_loadb(text, len, 0, NULL);
	const char *hash = NULL, *base_hash = NULL;
	json_int_t seq = -1, offset = -1, inode = -1, base_seq = -1;
	int r = -EINVAL;

	if (j &&
	    json_unpack(j, "{s:I, s:s, s:I, s:I, s:I, s:s}", "seq", &seq, "hash", &hash, "offset",
	                &offset, "inode", &inode, "base_seq", &base_seq, "base_hash",
	                &base_hash) == 0 &&
	    seq >= 0 && offset >= 0 && inode >= 0 && base_seq >= 0 &&
	    is_hex_hash(hash, strlen(hash)) && is_hex_hash(base_hash, strlen(base_hash))) {
		*ret = (struct head){.seq = (uint64_t)seq,
		                     .offset = (uint64_t)offset,
		                     .inode = (uint64_t)inode,
		                     .base_seq = (uint64_t)base_seq};
		memcpy(ret->hash, hash, AUDIT_HASH_HEX + 1);
		memcpy(ret->base_hash, base_hash, AUDIT_HASH_HEX + 1);
		r = 0;
	}
	json_decref(j);
	return r;
}

static int head_read(const char *path, struct head *ret)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	char buf[HEAD_MAX];
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf));
	if (n < 0)
		return -errno;
	return head_parse(buf, (size_t)n, ret);
}

/* Replace the head atomically: a new file renamed over the old one. */
static int head_write(const char *path, const struct head *h, bool sync)
{
	_cleanup_free_ char *tmp = NULL;
	_cleanup_close_ int fd = -1;
	char buf[HEAD_MAX];
	int n;

	n = snprintf(buf, sizeof(buf),
	             "{\"base_hash\":\"%s\",\"base_seq\":%llu,\"hash\":\"%s\",\"inode\":%llu,"
	             "\"offset\":%llu,\"seq\":%llu}\n",
	             h->base_hash, (unsigned long long)h->base_seq, h->hash,
	             (unsigned long long)h->inode, (unsigned long long)h->offset,
	             (unsigned long long)h->seq);
	if (n < 0 || (size_t)n >= sizeof(buf))
		return -EINVAL;
	if (asprintf(&tmp, "%s.tmp", path) < 0)
		return -ENOMEM;
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0640);
	if (fd < 0)
		return -errno;
	if (write(fd, buf, (size_t)n) != n)
		return errno ? -errno : -EIO;
	if (sync && fdatasync(fd) < 0)
		return -errno;
	if (rename(tmp, path) < 0)
		return -errno;
	return 0;
}

/* ------------------------------------------------------------------------ */
/* the writer */

struct audit {
	char *path, *head_path, *lock_path;
	struct audit_config cfg;
	unsigned char *key;
	struct hasher hasher;
	int lock_fd, log_fd;
	uint64_t log_ino, end; /* the live file we know, and where it ends */
	char file_day[9];      /* YYYYMMDD of its first record, "" if unknown */
	bool known;            /* seq/hash/end are current (checked under the lock) */
	uint64_t seq;
	char hash[AUDIT_HASH_HEX + 1];
	char prev_hash[AUDIT_HASH_HEX + 1]; /* the last record's prev_hash */
	uint64_t base_seq;
	char base_hash[AUDIT_HASH_HEX + 1];
	unsigned unsynced;
	int64_t unsynced_since;
	uint64_t appended;
	bool held; /* audit_hold(): the lock is ours until audit_release() */
	char *line;
	size_t line_size;
};

static int64_t now_usec(const struct audit *a)
{
	struct timespec ts;

	if (a->cfg.now_usec)
		return a->cfg.now_usec();
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void day_of(int64_t usec, char buf[9])
{
	time_t t = (time_t)(usec / 1000000);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, 9, "%Y%m%d", &tm);
}

/*
 * The last complete line of fd (size bytes), cutting a torn remainder off
 * when may_truncate. Reads backwards in growing windows: a launch reads a few
 * kilobytes, not the largest record possible.
 */
static int last_line(int fd, uint64_t *size, bool may_truncate, char **ret, size_t *ret_len)
{
	size_t window = 16384;

	*ret = NULL;
	*ret_len = 0;
	for (;;) {
		size_t want = *size < window ? (size_t)*size : window;
		_cleanup_free_ char *buf = NULL;
		size_t end, start;
		ssize_t n;

		if (want == 0)
			return 0;
		buf = malloc(want + 1);
		if (!buf)
			return -ENOMEM;
		n = pread(fd, buf, want, (off_t)(*size - want));
		if (n < 0)
			return -errno;
		if ((size_t)n != want)
			return -EIO;
		end = want;
		while (end > 0 && buf[end - 1] != '\n')
			end--;
		if (end == 0 && want < *size) {
			if (window > AUDIT_MAX_LINE)
				return -EBADMSG; /* a "line" longer than any record */
			window *= 4;
			continue;
		}
		if (end < want) {
			/* a writer died mid-line: that record was never acknowledged */
			if (!may_truncate)
				return -EBADMSG;
			log_debug("audit: cutting a torn record of %zu bytes", want - end);
			if (ftruncate(fd, (off_t)(*size - (want - end))) < 0)
				return -errno;
			*size -= want - end;
			continue;
		}
		if (end == 0)
			return 0;
		start = end - 1;
		while (start > 0 && buf[start - 1] != '\n')
			start--;
		if (start == 0 && want < *size) {
			if (window > AUDIT_MAX_LINE)
				return -EBADMSG;
			window *= 4;
			continue;
		}
		*ret_len = end - 1 - start;
		*ret = strndup(buf + start, *ret_len);
		return *ret ? 0 : -ENOMEM;
	}
}

/* YYYYMMDD of the first record's @timestamp, "" if there is none. */
static void first_day(int fd, char day[9])
{
	char buf[4096];
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);
	const char *p;

	day[0] = 0;
	if (n <= 0)
		return;
	buf[n] = 0;
	p = strstr(buf, "\"@timestamp\":\"");
	if (!p || strlen(p) < 24 || p[18] != '-' || p[21] != '-')
		return;
	p += 14;
	memcpy(day, p, 4);
	memcpy(day + 4, p + 5, 2);
	memcpy(day + 6, p + 8, 2);
	day[8] = 0;
}

static int rotated_cmp(const void *x, const void *y)
{
	return strcmp(*(char *const *)x, *(char *const *)y);
}

/* PATH.YYYYMMDDTHHMMSSZ or PATH.YYYYMMDDTHHMMSSZ.N */
static bool is_rotated_name(const char *base, const char *name)
{
	size_t bl = strlen(base);
	const char *s;

	if (strncmp(name, base, bl) != 0 || name[bl] != '.')
		return false;
	s = name + bl + 1;
	for (int i = 0; i < 16; i++) {
		bool digit = s[i] >= '0' && s[i] <= '9';

		if (i == 8 ? s[i] != 'T' : i == 15 ? s[i] != 'Z' : !digit)
			return false;
	}
	if (s[16] == 0)
		return true;
	if (s[16] != '.' || !s[17])
		return false;
	for (s += 17; *s; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

int audit_list_files(const char *path, char ***ret)
{
	_cleanup_free_ char *dir = NULL;
	const char *slash = strrchr(path, '/'), *base;
	char **l = NULL;
	DIR *d;
	struct dirent *de;
	size_t n;
	int r;

	dir = slash ? strndup(path, slash == path ? 1 : (size_t)(slash - path)) : strdup(".");
	if (!dir)
		return -ENOMEM;
	base = slash ? slash + 1 : path;
	d = opendir(dir);
	if (!d)
		return -errno;
	while ((de = readdir(d)))
		if (is_rotated_name(base, de->d_name)) {
			r = strv_consume(&l, path_join(dir, de->d_name));
			if (r < 0) {
				closedir(d);
				strv_free(l);
				return r;
			}
		}
	closedir(d);
	n = strv_length(l);
	if (l && n > 1)
		qsort(l, n, sizeof(*l), rotated_cmp);
	if (access(path, F_OK) == 0) {
		r = strv_extend(&l, path);
		if (r < 0) {
			strv_free(l);
			return r;
		}
	}
	if (!l) {
		l = calloc(1, sizeof(*l));
		if (!l)
			return -ENOMEM;
	}
	*ret = l;
	return 0;
}

/* A closed file's last record: the line, its seq and hash (-EBADMSG: none). */
static int file_last_record(const char *path, char **ret_line, uint64_t *ret_seq,
                            char ret_hash[AUDIT_HASH_HEX + 1])
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	_cleanup_free_ char *line = NULL;
	struct stat st;
	uint64_t size;
	size_t len;
	int r;

	if (fd < 0 || fstat(fd, &st) < 0)
		return -errno;
	size = (uint64_t)st.st_size;
	r = last_line(fd, &size, false, &line, &len);
	if (r < 0)
		return r;
	if (!line || line_chain_fields(line, len, ret_seq, ret_hash) < 0)
		return -EBADMSG;
	*ret_line = TAKE_PTR(line);
	return 0;
}

/* The chain state from the newest rotated file's last record, if any. */
static int newest_rotated_end(const struct audit *a, bool *found, uint64_t *seq,
                              char hash[AUDIT_HASH_HEX + 1])
{
	char **files = NULL;
	int r = audit_list_files(a->path, &files);
	size_t n;

	*found = false;
	if (r < 0)
		return r;
	if (!files)
		return 0;
	n = strv_length(files);
	if (n > 0 && streq(files[n - 1], a->path))
		n--;
	if (n > 0) {
		_cleanup_free_ char *line = NULL;

		r = file_last_record(files[n - 1], &line, seq, hash);
		*found = r >= 0;
		if (r == -EBADMSG)
			r = 0; /* not a record: the chain cannot go on from there */
	}
	strv_free(files);
	return r < 0 ? r : 0;
}

static int open_log(struct audit *a)
{
	struct stat st;

	a->log_fd = safe_close(a->log_fd);
	a->log_fd = open(a->path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0640);
	if (a->log_fd < 0)
		return -errno;
	if (fstat(a->log_fd, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode))
		return -EINVAL;
	a->log_ino = (uint64_t)st.st_ino;
	a->known = false;
	return 0;
}

/*
 * Under the lock: make sure we write to the live file and know the chain's
 * end. Cheap when we were the last writer: one stat and one fstat.
 */
static int learn_end(struct audit *a)
{
	_cleanup_free_ char *line = NULL;
	_cleanup_close_ int rfd = -1;
	struct head h = {0};
	struct stat st;
	uint64_t size;
	size_t len;
	bool have_head;
	int r;

	/* one stat of the name tells both: still the live file, and its size */
	if (stat(a->path, &st) < 0 || (uint64_t)st.st_ino != a->log_ino) {
		r = open_log(a); /* rotated (or removed) by another writer */
		if (r < 0)
			return r;
		if (fstat(a->log_fd, &st) < 0)
			return -errno;
	}
	size = (uint64_t)st.st_size;
	if (a->known && size == a->end)
		return 0;

	/* another writer went before us, or we just opened the file */
	rfd = open(a->path, O_RDWR | O_CLOEXEC | O_NOFOLLOW);
	if (rfd < 0)
		return -errno;
	r = last_line(rfd, &size, true, &line, &len);
	if (r < 0)
		return r;
	have_head = head_read(a->head_path, &h) >= 0;
	if (have_head) {
		a->base_seq = h.base_seq;
		memcpy(a->base_hash, h.base_hash, sizeof(h.base_hash));
	}
	if (line && line_chain_fields(line, len, &a->seq, a->hash) < 0) {
		/*
		 * The file does not end with a record: someone wrote into it. No
		 * event may be lost for that: go on from the head (verify will
		 * point at the damage).
		 */
		log_warning("audit: %s does not end with an audit record, continuing from "
		            "its head; run 'nbwarden audit verify'",
		            a->path);
		a->seq = have_head ? h.seq : 0;
		memcpy(a->hash, have_head ? h.hash : ZERO_HASH, sizeof(a->hash));
	} else if (!line) {
		bool found = false;

		/* an empty live file: the chain goes on from the last rotated one */
		r = newest_rotated_end(a, &found, &a->seq, a->hash);
		if (r < 0)
			return r;
		if (!found) {
			a->seq = a->base_seq;
			memcpy(a->hash, a->base_hash, sizeof(a->hash));
			if (a->seq == 0)
				memcpy(a->hash, ZERO_HASH, sizeof(a->hash));
		}
	}
	first_day(rfd, a->file_day);
	a->end = size;
	a->known = true;
	return 0;
}

static int write_head(struct audit *a, bool sync)
{
	struct head h = {
		.seq = a->seq, .offset = a->end, .inode = a->log_ino, .base_seq = a->base_seq};

	memcpy(h.hash, a->hash, sizeof(h.hash));
	memcpy(h.base_hash, a->base_hash, sizeof(h.base_hash));
	return head_write(a->head_path, &h, sync);
}

static int64_t parse_timestamp(const char *s);

/* Remove rotated files past the retention age; the anchor moves past them. */
static int apply_retention(struct audit *a)
{
	char **files = NULL;
	int64_t cutoff;
	int r;

	if (a->cfg.retention_days == 0)
		return 0;
	cutoff = now_usec(a) - (int64_t)a->cfg.retention_days * 86400 * 1000000;
	r = audit_list_files(a->path, &files);
	if (r < 0)
		return r;
	STRV_FOREACH (f, files) {
		_cleanup_free_ char *line = NULL;
		struct tm tm = {0};
		const char *stamp = *f + strlen(a->path) + 1, *ts;
		uint64_t seq;
		char hash[AUDIT_HASH_HEX + 1];
		int64_t newest;

		if (streq(*f, a->path))
			break;
		if (file_last_record(*f, &line, &seq, hash) < 0 || !line) {
			log_debug("audit: not removing unreadable %s", *f);
			break;
		}
		/* a file's age is its newest record's; failing that, when it was rotated */
		ts = strstr(line, "\"@timestamp\":\"");
		newest = parse_timestamp(ts ? ts + 14 : NULL);
		if (newest == INT64_MIN) {
			if (!strptime(stamp, "%Y%m%dT%H%M%SZ", &tm))
				break;
			newest = (int64_t)timegm(&tm) * 1000000;
		}
		if (newest >= cutoff)
			break; /* oldest first: the rest are younger */
		/* anchor first: a crash between the two leaves a file too many, not a gap */
		a->base_seq = seq;
		memcpy(a->base_hash, hash, sizeof(hash));
		r = write_head(a, a->cfg.fsync != AUDIT_FSYNC_NONE);
		if (r < 0)
			break;
		if (unlink(*f) < 0) {
			r = -errno;
			break;
		}
		log_debug("audit: removed %s (past %u days)", *f, a->cfg.retention_days);
	}
	strv_free(files);
	return r < 0 ? r : 0;
}

static int rotate(struct audit *a)
{
	_cleanup_free_ char *name = NULL;
	char stamp[32];
	time_t t = (time_t)(now_usec(a) / 1000000);
	struct tm tm;
	int r;

	if (a->cfg.fsync != AUDIT_FSYNC_NONE && fdatasync(a->log_fd) < 0)
		return -errno;
	gmtime_r(&t, &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm);
	for (int i = 0; i < 1000; i++) {
		free(name);
		name = NULL;
		if ((i == 0 ? asprintf(&name, "%s.%s", a->path, stamp)
		            : asprintf(&name, "%s.%s.%d", a->path, stamp, i)) < 0)
			return -ENOMEM;
		if (access(name, F_OK) < 0 && errno == ENOENT)
			break;
	}
	if (rename(a->path, name) < 0)
		return -errno;
	r = open_log(a);
	if (r < 0)
		return r;
	a->end = 0;
	a->file_day[0] = 0;
	a->known = true; /* the chain goes on from what we had */
	r = write_head(a, a->cfg.fsync != AUDIT_FSYNC_NONE);
	if (r < 0)
		return r;
	log_debug("audit: rotated to %s", name);
	return apply_retention(a);
}

/*
 * The log first, then the head, unsynced: the head may lag behind the log
 * after a crash (a weaker anchor for the newest records), never run ahead of
 * it (which would look like records cut off). One disk flush per sync point.
 */
static int do_sync(struct audit *a)
{
	if (a->cfg.fsync != AUDIT_FSYNC_NONE && fdatasync(a->log_fd) < 0)
		return -errno;
	a->unsynced = 0;
	return write_head(a, false);
}

static int lock(struct audit *a)
{
	while (flock(a->lock_fd, LOCK_EX) < 0)
		if (errno != EINTR)
			return -errno;
	return 0;
}

static void unlock(struct audit *a)
{
	(void)flock(a->lock_fd, LOCK_UN);
}

int audit_open(const struct audit_config *c, struct audit **ret, char **ret_error)
{
	struct audit *a = calloc(1, sizeof(*a));
	int r;

	*ret_error = NULL;
	if (!a)
		return -ENOMEM;
	a->lock_fd = a->log_fd = -1;
	a->cfg = *c;
	if (a->cfg.batch_usec == 0)
		a->cfg.batch_usec = 100 * USEC_PER_MSEC;
	if (a->cfg.batch_records == 0)
		a->cfg.batch_records = 1024;
	a->path = strdup(c->path);
	if (!a->path || asprintf(&a->head_path, "%s.head", c->path) < 0 ||
	    asprintf(&a->lock_path, "%s.lock", c->path) < 0) {
		audit_close(a);
		return -ENOMEM;
	}
	a->cfg.path = a->path;
	if (c->key_len > 0) {
		a->key = malloc(c->key_len);
		if (!a->key) {
			audit_close(a);
			return -ENOMEM;
		}
		memcpy(a->key, c->key, c->key_len);
		a->cfg.key = a->key;
	}
	memcpy(a->base_hash, ZERO_HASH, sizeof(a->base_hash));
	r = hasher_init(&a->hasher, a->key, c->key_len);
	if (r < 0) {
		(void)asprintf(ret_error, "cannot set up SHA-256 (OpenSSL)");
		audit_close(a);
		return r;
	}
	/* the log's own directory (not its parents): /var/log/nbwarden by default */
	{
		_cleanup_free_ char *dir = strdup(a->path);
		char *slash = dir ? strrchr(dir, '/') : NULL;

		if (slash && slash != dir) {
			*slash = 0;
			if (mkdir(dir, 0750) < 0 && errno != EEXIST) {
				r = -errno;
				(void)asprintf(ret_error, "cannot create %s: %s", dir,
				               strerror(-r));
				audit_close(a);
				return r;
			}
		}
	}
	a->lock_fd = open(a->lock_path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0640);
	if (a->lock_fd < 0) {
		r = -errno;
		(void)asprintf(ret_error, "cannot open %s: %s", a->lock_path, strerror(-r));
		audit_close(a);
		return r;
	}
	r = lock(a);
	if (r >= 0)
		r = open_log(a);
	if (r >= 0)
		r = learn_end(a);
	unlock(a);
	if (r < 0) {
		(void)asprintf(ret_error, "cannot open %s: %s", a->path, strerror(-r));
		audit_close(a);
		return r;
	}
	*ret = a;
	return 0;
}

int audit_hold(struct audit *a)
{
	int r;

	if (a->held)
		return 0;
	r = lock(a);
	if (r < 0)
		return r;
	r = learn_end(a);
	if (r < 0) {
		unlock(a);
		return r;
	}
	a->held = true;
	return 0;
}

void audit_release(struct audit *a)
{
	if (!a || !a->held)
		return;
	a->held = false;
	unlock(a);
}

/* ,"prev_hash":"<64 hex>","seq":<20 digits> */
#define CHAIN_FIELDS_MAX (sizeof(",\"prev_hash\":\"\",\"seq\":") - 1 + AUDIT_HASH_HEX + 20)

int audit_append_json(struct audit *a, const char *json, size_t json_len, const char **ret_line,
                      size_t *ret_len)
{
	char hex[AUDIT_HASH_HEX + 1];
	size_t body_len, len;
	int64_t now = now_usec(a);
	char today[9];
	ssize_t n;
	int r = 0;

	if (json_len < 2 || json[0] != '{' || json[json_len - 1] != '}' ||
	    json_len + CHAIN_FIELDS_MAX + SUFFIX_LEN + 1 > AUDIT_MAX_LINE)
		return json_len < 2 ? -EINVAL : -E2BIG;
	if (!a->held) {
		r = lock(a);
		if (r < 0)
			return r;
		r = learn_end(a);
		if (r < 0)
			goto out;
	}
	day_of(now, today);
	if (a->end > 0 && ((a->cfg.rotate_size != VALUE_MAX && a->end >= a->cfg.rotate_size) ||
	                   (a->cfg.rotate_daily && a->file_day[0] && !streq(a->file_day, today)))) {
		r = rotate(a);
		if (r < 0)
			goto out;
	}
	if (a->line_size < json_len + CHAIN_FIELDS_MAX + SUFFIX_LEN + 2) {
		size_t size = json_len + CHAIN_FIELDS_MAX + SUFFIX_LEN + 2;
		char *bigger = realloc(a->line, size);

		if (!bigger) {
			r = -ENOMEM;
			goto out;
		}
		a->line = bigger;
		a->line_size = size;
	}
	/* the record: the event with ,"prev_hash":"…","seq":N before its closing brace */
	memcpy(a->line, json, json_len - 1);
	body_len = json_len - 1;
	body_len += (size_t)snprintf(a->line + body_len, a->line_size - body_len,
	                             "%s\"prev_hash\":\"%s\",\"seq\":%llu", json_len > 2 ? "," : "",
	                             a->hash, (unsigned long long)a->seq + 1);
	a->line[body_len] = '}';
	r = hasher_hex(&a->hasher, a->line, body_len + 1, hex);
	if (r < 0)
		goto out;
	len = body_len + (size_t)snprintf(a->line + body_len, a->line_size - body_len,
	                                  ",\"%s\":\"%s\"}\n", a->key ? "hmac" : "hash", hex);
	/* one write per record; a short one is undone, never left half there */
	n = write(a->log_fd, a->line, len);
	if (n != (ssize_t)len) {
		r = n < 0 ? -errno : -EIO;
		if (n > 0)
			(void)ftruncate(a->log_fd, (off_t)a->end);
		a->known = false;
		goto out;
	}
	if (a->end == 0)
		memcpy(a->file_day, today, sizeof(today));
	a->end += len;
	a->seq++;
	memcpy(a->prev_hash, a->hash, sizeof(a->hash));
	memcpy(a->hash, hex, sizeof(hex));
	a->appended++;
	if (a->unsynced++ == 0)
		a->unsynced_since = now;
	if (a->cfg.fsync == AUDIT_FSYNC_ALWAYS || a->unsynced >= a->cfg.batch_records ||
	    now - a->unsynced_since >= (int64_t)a->cfg.batch_usec)
		r = do_sync(a);
	a->line[len - 1] = 0;
	if (ret_line)
		*ret_line = a->line;
	if (ret_len)
		*ret_len = len - 1;
out:
	if (!a->held)
		unlock(a);
	return r;
}

int audit_append(struct audit *a, json_t *ev, const char **ret_line, size_t *ret_len)
{
	_cleanup_free_ char *json = json_dumps(ev, JSON_COMPACT | JSON_SORT_KEYS);
	int r;

	if (!json)
		return -ENOMEM;
	r = audit_append_json(a, json, strlen(json), ret_line, ret_len);
	if (r < 0)
		return r;
	/* what the record says, for whoever looks at ev next (a converter) */
	if (json_object_set_new(ev, "seq", json_integer((json_int_t)a->seq)) < 0 ||
	    json_object_set_new(ev, "prev_hash", json_string(a->prev_hash)) < 0)
		return -ENOMEM;
	return 0;
}

int audit_sync(struct audit *a)
{
	int r;

	if (!a || a->unsynced == 0)
		return 0;
	if (a->held)
		return do_sync(a);
	r = lock(a);
	if (r < 0)
		return r;
	/* the head must describe the file as it is: others may have written since */
	r = learn_end(a);
	if (r >= 0)
		r = do_sync(a);
	unlock(a);
	return r;
}

int audit_tick(struct audit *a)
{
	if (!a || a->unsynced == 0 || now_usec(a) - a->unsynced_since < (int64_t)a->cfg.batch_usec)
		return 0;
	return audit_sync(a);
}

int audit_close(struct audit *a)
{
	int r;

	if (!a)
		return 0;
	r = a->log_fd >= 0 ? audit_sync(a) : 0;
	audit_release(a);
	safe_close(a->log_fd);
	safe_close(a->lock_fd);
	hasher_done(&a->hasher);
	if (a->key)
		OPENSSL_cleanse(a->key, a->cfg.key_len);
	free(a->key);
	free(a->line);
	free(a->path);
	free(a->head_path);
	free(a->lock_path);
	free(a);
	return r;
}

uint64_t audit_appended(const struct audit *a)
{
	return a ? a->appended : 0;
}

uint64_t audit_last_seq(const struct audit *a)
{
	return a->seq;
}

const char *audit_last_hash(const struct audit *a, bool *ret_hmac)
{
	if (ret_hmac)
		*ret_hmac = a->key != NULL;
	return a->hash;
}

int audit_read_key(const char *path, unsigned char **ret, size_t *ret_len, char **ret_error)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	unsigned char *buf;
	struct stat st;
	ssize_t n;

	*ret_error = NULL;
	if (fd < 0 || fstat(fd, &st) < 0) {
		int r = -errno;

		(void)asprintf(ret_error, "cannot read the audit key %s: %s", path, strerror(-r));
		return r;
	}
	if (!S_ISREG(st.st_mode) || st.st_uid != 0 || (st.st_mode & 077)) {
		(void)asprintf(ret_error,
		               "refusing the audit key %s: it must be a regular file owned by "
		               "root and readable by nobody else (mode 0600 or 0400)",
		               path);
		return -EPERM;
	}
	if (st.st_size < 32 || st.st_size > 4096) {
		(void)asprintf(ret_error,
		               "the audit key %s must hold 32 to 4096 bytes (e.g. head -c 64 "
		               "/dev/urandom)",
		               path);
		return -EINVAL;
	}
	buf = malloc((size_t)st.st_size);
	if (!buf)
		return -ENOMEM;
	n = read(fd, buf, (size_t)st.st_size);
	if (n != st.st_size) {
		free(buf);
		(void)asprintf(ret_error, "cannot read the audit key %s", path);
		return -EIO;
	}
	*ret = buf;
	*ret_len = (size_t)n;
	return 0;
}

/* ------------------------------------------------------------------------ */
/* verification */

static int fail(struct audit_verify_result *r, const char *file, size_t line, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int fail(struct audit_verify_result *r, const char *file, size_t line, const char *fmt, ...)
{
	_cleanup_free_ char *what = NULL;
	va_list ap;

	va_start(ap, fmt);
	if (vasprintf(&what, fmt, ap) < 0)
		what = NULL;
	va_end(ap);
	if (asprintf(&r->error, "%s:%zu: %s", file, line, what ? what : "broken record") < 0)
		r->error = NULL;
	return 1;
}

static int64_t parse_timestamp(const char *s)
{
	struct tm tm = {0};
	const char *rest = s ? strptime(s, "%Y-%m-%dT%H:%M:%S", &tm) : NULL;
	long usec = 0;

	if (!rest)
		return INT64_MIN;
	if (*rest == '.') {
		int digits = 0;

		for (rest++; *rest >= '0' && *rest <= '9' && digits < 6; rest++, digits++)
			usec = usec * 10 + (*rest - '0');
		for (; digits < 6; digits++)
			usec *= 10;
	}
	return (int64_t)timegm(&tm) * 1000000 + usec;
}

struct chain {
	bool have_prev;
	uint64_t prev_seq;
	char prev_hash[AUDIT_HASH_HEX + 1];
	bool anchor_pending; /* the head's base record is still ahead */
};

/* One complete line; 0 fine, 1 broken (error set), 2 stop (past --until). */
static int verify_line(struct hasher *h, const struct audit_verify_options *o,
                       const struct head *head, struct chain *c, const char *file, size_t lineno,
                       const char *line, size_t len, struct audit_verify_result *res)
{
	char hex[AUDIT_HASH_HEX + 1];
	const char *written, *prev_hash = NULL, *stamp = NULL;
	json_int_t seq = -1;
	size_t body;
	bool hmac, in_range;
	json_t *j;
	int64_t t;
	int r;

	if (split_line(line, len, &body, &hmac, &written) < 0)
		return fail(res, file, lineno, "not an audit record (no hash at the end)");
	{
		_cleanup_free_ char *canon = strndup(line, body + 1);

		if (!canon)
			return -ENOMEM;
		canon[body] = '}';
		j = json_loadb(canon, body + 1, JSON_REJECT_DUPLICATES, NULL);
	}
	if (!j || json_unpack(j, "{s:I, s:s}", "seq", &seq, "prev_hash", &prev_hash) < 0 ||
	    seq < 1 || !is_hex_hash(prev_hash, strlen(prev_hash))) {
		json_decref(j);
		return fail(res, file, lineno, "malformed record (no seq or prev_hash)");
	}
	(void)json_unpack(j, "{s:s}", "@timestamp", &stamp);
	t = parse_timestamp(stamp);
	if (t > o->until_usec && t != INT64_MIN) {
		json_decref(j);
		return 2;
	}
	in_range = t >= o->since_usec || o->since_usec == INT64_MIN;
	if (in_range) {
		if (hmac && o->key_len == 0) {
			json_decref(j);
			return fail(res, file, lineno,
			            "record carries an HMAC: the key is needed to verify it");
		}
		if (!hmac && o->key_len > 0) {
			json_decref(j);
			return fail(
				res, file, lineno,
				"record carries a plain hash where an HMAC is expected (a chain "
				"recomputed without the key?)");
		}
		r = line_digest(h, line, body, hex);
		if (r < 0) {
			json_decref(j);
			return r;
		}
		if (memcmp(hex, written, AUDIT_HASH_HEX) != 0) {
			json_decref(j);
			return fail(res, file, lineno,
			            "record seq %lld was altered (hash mismatch)", (long long)seq);
		}
		if (c->have_prev && ((uint64_t)seq != c->prev_seq + 1 ||
		                     memcmp(prev_hash, c->prev_hash, AUDIT_HASH_HEX) != 0)) {
			int ret =
				(uint64_t)seq != c->prev_seq + 1
					? fail(res, file, lineno,
			                       "record seq %lld follows seq %llu: records missing "
			                       "or reordered",
			                       (long long)seq, (unsigned long long)c->prev_seq)
					: fail(res, file, lineno,
			                       "record seq %lld does not chain to the record "
			                       "before "
			                       "it (prev_hash mismatch)",
			                       (long long)seq);

			json_decref(j);
			return ret;
		}
		if (!c->have_prev) {
			bool genesis = seq == 1 && streq(prev_hash, ZERO_HASH);
			bool anchored = head && (uint64_t)seq == head->base_seq + 1 &&
			                streq(prev_hash, head->base_hash);

			if (seq == 1 && !genesis) {
				json_decref(j);
				return fail(res, file, lineno,
				            "the first record does not start the chain");
			}
			if (head && !genesis && !anchored) {
				if ((uint64_t)seq > head->base_seq + 1 ||
				    o->since_usec != INT64_MIN) {
					if (o->since_usec == INT64_MIN) {
						json_decref(j);
						return fail(
							res, file, lineno,
							"records before seq %lld are missing (the "
							"chain starts after seq %llu)",
							(long long)seq,
							(unsigned long long)head->base_seq);
					}
				} else {
					c->anchor_pending = true;
				}
			}
		}
		if (res->records == 0)
			res->first_seq = (uint64_t)seq;
		if (c->anchor_pending && head && (uint64_t)seq == head->base_seq) {
			if (memcmp(hex, head->base_hash, AUDIT_HASH_HEX) != 0) {
				json_decref(j);
				return fail(res, file, lineno,
				            "record seq %lld is not the one the head anchors",
				            (long long)seq);
			}
			c->anchor_pending = false;
		}
		if (head && (uint64_t)seq == head->seq &&
		    memcmp(hex, head->hash, AUDIT_HASH_HEX) != 0) {
			json_decref(j);
			return fail(res, file, lineno,
			            "record seq %lld is not the one the head acknowledged",
			            (long long)seq);
		}
		res->records++;
	}
	c->have_prev = true;
	c->prev_seq = (uint64_t)seq;
	memcpy(c->prev_hash, written, AUDIT_HASH_HEX);
	c->prev_hash[AUDIT_HASH_HEX] = 0;
	res->last_seq = (uint64_t)seq;
	json_decref(j);
	return 0;
}

int audit_verify(char *const *files, const struct audit_verify_options *o,
                 struct audit_verify_result *ret)
{
	struct hasher h;
	struct head head = {0};
	struct chain c = {0};
	bool have_head = false, stopped = false;
	const char *last_file = NULL;
	size_t last_line_no = 0;
	int r;

	*ret = (struct audit_verify_result){0};
	if (o->head) {
		r = head_read(o->head, &head);
		if (r == -EINVAL)
			return fail(ret, o->head, 1, "not an audit head");
		if (r < 0 && r != -ENOENT)
			return r;
		have_head = r >= 0;
	}
	r = hasher_init(&h, o->key, o->key_len);
	if (r < 0)
		return r;
	for (size_t fi = 0; files && files[fi] && !stopped; fi++) {
		_cleanup_fclose_ FILE *f = fopen(files[fi], "re");
		_cleanup_free_ char *buf = NULL;
		size_t cap = 0, lineno = 0;
		ssize_t n;

		if (!f) {
			r = -errno;
			goto out;
		}
		last_file = files[fi];
		while ((n = getline(&buf, &cap, f)) > 0) {
			lineno++;
			if (buf[n - 1] != '\n') {
				/* a torn last line: fine if no acknowledged record can be in it */
				if (files[fi + 1] || (have_head && c.prev_seq < head.seq)) {
					r = fail(ret, files[fi], lineno, "record cut short%s",
					         files[fi + 1] ? "" : " (truncated)");
					goto out;
				}
				ret->torn_tail = true;
				break;
			}
			if ((size_t)n - 1 > AUDIT_MAX_LINE) {
				r = fail(ret, files[fi], lineno, "line too long for a record");
				goto out;
			}
			buf[n - 1] = 0;
			r = verify_line(&h, o, have_head ? &head : NULL, &c, files[fi], lineno, buf,
			                (size_t)n - 1, ret);
			if (r == 2) {
				stopped = true;
				break;
			}
			if (r != 0)
				goto out;
		}
		if (ferror(f)) {
			r = -EIO;
			goto out;
		}
		last_line_no = lineno;
	}
	r = 0;
	if (have_head && !stopped) {
		if (c.anchor_pending)
			r = fail(ret, last_file ? last_file : "(no files)", last_line_no,
			         "the chain never reaches seq %llu, where the head anchors it",
			         (unsigned long long)head.base_seq);
		else if (!c.have_prev ? head.seq > head.base_seq : c.prev_seq < head.seq)
			r = fail(ret, last_file ? last_file : "(no files)", last_line_no,
			         "the log ends at seq %llu, but records up to seq %llu were "
			         "acknowledged: records were cut off",
			         (unsigned long long)c.prev_seq, (unsigned long long)head.seq);
	}
out:
	hasher_done(&h);
	return r;
}

void audit_verify_result_done(struct audit_verify_result *r)
{
	free(r->error);
	r->error = NULL;
}
