/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Operator-facing logging to stderr. Modules log at debug level only; the
 * caller logs once, with context. The *_errno variants set errno to the
 * given error so "%m" works, and return the negative error for chaining:
 *
 *	return log_error_errno(r, "cannot create cgroup '%s': %m", path);
 */
#pragma once

#include <errno.h>
#include <stdarg.h>

enum log_level {
	LOG_LEVEL_ERROR,
	LOG_LEVEL_WARNING,
	LOG_LEVEL_INFO,
	LOG_LEVEL_DEBUG,
	_LOG_LEVEL_MAX,
};

void log_set_level(enum log_level level);
enum log_level log_get_level(void);
/* Prefix for every line, e.g. "nbwarden" or "nbwarden[init]". Not copied. */
void log_set_prefix(const char *prefix);

/*
 * The first error logged since log_reset_first_error(), without the prefix,
 * or NULL: refused launches carry it in their event.
 */
const char *log_first_error(void);
void log_reset_first_error(void);

int log_internal(enum log_level level, int error, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int log_internalv(enum log_level level, int error, const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));

#define log_error(...)   ((void)log_internal(LOG_LEVEL_ERROR, 0, __VA_ARGS__))
#define log_warning(...) ((void)log_internal(LOG_LEVEL_WARNING, 0, __VA_ARGS__))
#define log_info(...)    ((void)log_internal(LOG_LEVEL_INFO, 0, __VA_ARGS__))
#define log_debug(...)   ((void)log_internal(LOG_LEVEL_DEBUG, 0, __VA_ARGS__))

#define log_error_errno(e, ...)   log_internal(LOG_LEVEL_ERROR, (e), __VA_ARGS__)
#define log_warning_errno(e, ...) log_internal(LOG_LEVEL_WARNING, (e), __VA_ARGS__)
#define log_debug_errno(e, ...)   log_internal(LOG_LEVEL_DEBUG, (e), __VA_ARGS__)

#define log_oom() log_error_errno(-ENOMEM, "out of memory")
