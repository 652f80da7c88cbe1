/* hh_error.c - formatting for hh_err; see hh_error.h. */
#include "base/hh_error.h"

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
		char old[HH_ERR_MAX];
		va_list ap;
		memcpy(old, err->msg, sizeof old);
		va_start(ap, fmt);
		int n = vsnprintf(err->msg, sizeof err->msg, fmt, ap);
		va_end(ap);
		size_t used = n < 0 ? 0 : (size_t)n;
		if (used > sizeof err->msg - 1)
			used = sizeof err->msg - 1;
		/* Append ": " and the old message, truncating at the end. */
		const char *parts[2] = {": ", old};
		for (int p = 0; p < 2; p++)
			for (const char *c = parts[p]; *c && used < sizeof err->msg - 1; c++)
				err->msg[used++] = *c;
		err->msg[used] = '\0';
	}
	return status;
}
