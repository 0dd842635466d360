/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Pure helpers: string vectors, strict number/size/duration parsing and
 * lexical path canonicalization. Nothing here touches the system.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ELEMENTSOF(x)      (sizeof(x) / sizeof((x)[0]))
#define STRV_FOREACH(s, l) for (char **s = (l); s && *s; s++)

#define USEC_PER_MSEC 1000ULL
#define USEC_PER_SEC  1000000ULL
#define NSEC_PER_USEC 1000ULL

/* Sentinel for "no limit" in size/count values ("max" in profiles). */
#define VALUE_MAX UINT64_MAX

static inline bool streq(const char *a, const char *b)
{
	return a && b && __builtin_strcmp(a, b) == 0;
}

static inline bool isempty(const char *s)
{
	return !s || !*s;
}

/* NULL-terminated string vectors. */
void strv_free(char **l);
size_t strv_length(char *const *l);
bool strv_contains(char *const *l, const char *s);
/* Append s (ownership taken, freed on failure). */
int strv_consume(char ***l, char *s);
/* Append a copy of s. */
int strv_extend(char ***l, const char *s);
char **strv_copy(char *const *l);
/* The strings joined with sep between them; NULL on OOM. */
char *strv_join(char *const *l, const char *sep);
/* Split on whitespace; returns a new vector or NULL on OOM. */
char **strv_split_ws(const char *s);

/* Whole-string unsigned parse; rejects signs, spaces, trailing junk, overflow. */
int parse_uint64(const char *s, uint64_t *ret);
int parse_uint32(const char *s, uint32_t *ret);
/* "2G", "512M", "64k", "1.5G", "1073741824", "max" (VALUE_MAX); base 1024. */
int parse_size(const char *s, uint64_t *ret);
/* "8h", "90s", "1h30m", "500ms", "2d", plain seconds; result in microseconds. */
int parse_duration(const char *s, uint64_t *ret_usec);
/* "1.5" CPUs -> 1500 milli-CPUs; at most 3 decimals, 0.01 .. 4096. */
int parse_cpus(const char *s, uint32_t *ret_milli);
/* Count or "max" (VALUE_MAX). */
int parse_count(const char *s, uint64_t *ret);

/* Exact reverse of the parsers, for "profile show". buf must hold 32 bytes. */
const char *format_size(uint64_t v, char buf[static 32]);
const char *format_duration(uint64_t usec, char buf[static 32]);
const char *format_cpus(uint32_t milli, char buf[static 32]);
const char *format_count(uint64_t v, char buf[static 32]);

/*
 * Lexically canonicalize an absolute path: collapse "//", drop "." and a
 * trailing "/". A ".." component, a relative path or an empty path is
 * refused with -EINVAL, one of PATH_MAX or more with -ENAMETOOLONG. Nothing
 * is resolved on disk.
 */
int path_canonicalize(const char *path, char **ret);
/* True if path equals prefix or lies below it (both canonical). */
bool path_startswith(const char *path, const char *prefix);

/* Join with '/'; a or b may have slashes at the seam. */
char *path_join(const char *a, const char *b);

/* Environment names: [A-Za-z_][A-Za-z0-9_]*. */
bool env_name_is_valid(const char *name, size_t len);

/* 64-bit FNV-1a: a fast, stable, non-cryptographic hash (tags, lookup keys). */
uint64_t fnv1a(const void *data, size_t n);

/*
 * Write all n bytes, again after EINTR and short writes; 0 or -errno (-EIO
 * if write() returns 0). Async-signal-safe: fine after fork().
 */
int write_all(int fd, const char *p, size_t n);

/* CLOCK_MONOTONIC in microseconds: for intervals and deadlines. */
uint64_t monotonic_usec(void);
/* CLOCK_REALTIME in microseconds since the epoch: for what outlives the process. */
uint64_t realtime_usec(void);

/*
 * A pidfd of the parent process, which becomes readable when the parent
 * exits: -1 when there is none to follow (started by init, or pidfds are
 * unavailable), -2 when the parent is already gone.
 */
int parent_pidfd_open(void);
