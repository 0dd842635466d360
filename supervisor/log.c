// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "log.h"

static enum log_level max_level = LOG_LEVEL_INFO;
static const char *log_prefix = "nbwarden";
static char first_error[2048];

const char *log_first_error(void)
{
	return first_error[0] ? first_error : NULL;
}

void log_reset_first_error(void)
{
	first_error[0] = 0;
}

void log_set_level(enum log_level level)
{
	max_level = level;
}

enum log_level log_get_level(void)
{
	return max_level;
}

void log_set_prefix(const char *prefix)
{
	log_prefix = prefix;
}

int log_internalv(enum log_level level, int error, const char *fmt, va_list ap)
{
	static const char *const tags[_LOG_LEVEL_MAX] = {
		[LOG_LEVEL_ERROR] = "",
		[LOG_LEVEL_WARNING] = "warning: ",
		[LOG_LEVEL_INFO] = "",
		[LOG_LEVEL_DEBUG] = "debug: ",
	};
	int saved = errno;
	int e = abs(error);

	if (level <= max_level || (level == LOG_LEVEL_ERROR && !first_error[0])) {
		char buf[2048];

		/* "%m" in fmt expands to strerror(errno): make it the error we were given. */
		errno = e ? e : saved;
		vsnprintf(buf, sizeof(buf), fmt, ap);
		if (level <= max_level)
			fprintf(stderr, "%s: %s%s\n", log_prefix, tags[level], buf);
		if (level == LOG_LEVEL_ERROR && !first_error[0])
			snprintf(first_error, sizeof(first_error), "%s", buf);
	}
	errno = saved;
	/* An error path must never turn into success, even if handed 0 by mistake. */
	return e ? -e : -EINVAL;
}

int log_internal(enum log_level level, int error, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = log_internalv(level, error, fmt, ap);
	va_end(ap);
	return r;
}
