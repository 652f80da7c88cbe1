/* hh_error.c - formatting for hh_err; see hh_error.h. */
#include "hh_error.h"

#include <stdio.h>
#include <string.h>

hh_status hh_fail(hh_err *err, hh_status status, const char *fmt, ...)
{
	if (err) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(err->msg, sizeof err->msg, fmt, ap);
		va_end(ap);
	}
	return status;
}

hh_status hh_wrap(hh_err *err, hh_status status, const char *fmt, ...)
{
	if (err) {
		char prefix[HH_ERR_MAX];
		char old[HH_ERR_MAX];
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(prefix, sizeof prefix, fmt, ap);
		va_end(ap);
		memcpy(old, err->msg, sizeof old);
		snprintf(err->msg, sizeof err->msg, "%s: %s", prefix, old);
	}
	return status;
}
