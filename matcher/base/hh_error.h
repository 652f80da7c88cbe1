/*
 * hh_error.h - errors as values, shared by matcher/ and connectors/.
 *
 * Every fallible function returns an hh_status and, on failure, fills a
 * caller-owned hh_err with one message in the style of the PostgreSQL
 * message guide: lower case, what failed, on what, and why; a hint after
 * "; " when there is one.  The status doubles as the process exit code
 * (contract: 1 usage, 2 input, 3 internal or output), so main() returns it
 * unchanged and nothing below main() ever calls exit().
 *
 * Messages never contain a raw ID number or a name: callers pass the
 * source name, file and line, never field contents of identity columns.
 *
 * Thread safety: an hh_err belongs to one thread; the functions here keep
 * no state.
 */
#ifndef HH_ERROR_H
#define HH_ERROR_H

#include <stdarg.h>

typedef enum {
	HH_OK = 0,
	HH_EUSAGE = 1,    /* bad command line or config */
	HH_EINPUT = 2,    /* a source unreadable, corrupt or invalid */
	HH_EINTERNAL = 3  /* output, resources, or a bug */
} hh_status;

#define HH_ERR_MAX 1024

typedef struct {
	char msg[HH_ERR_MAX];
} hh_err;

/* Formats msg into err and returns status, so callers can write
 * `return hh_fail(err, HH_EINPUT, "...", ...);`.  err may be NULL. */
hh_status hh_fail(hh_err *err, hh_status status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Prepends "prefix: " to an existing message (for adding context such as
 * the source and file as an error travels up).  Returns status. */
hh_status hh_wrap(hh_err *err, hh_status status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Forward a failing status unchanged. */
#define HH_TRY(expr)                                   \
	do {                                               \
		hh_status hh_try_st_ = (expr);                 \
		if (hh_try_st_ != HH_OK)                       \
			return hh_try_st_;                         \
	} while (0)

#endif
