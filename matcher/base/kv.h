/*
 * kv.h - the `key = value` text format of rules files and config files.
 *
 * One setting per line; '#' starts a comment, also after a value;
 * blank lines are ignored; keys (letters, digits, '_', '.', '-') and
 * values are trimmed; a value may be quoted with double quotes to keep
 * leading/trailing spaces or a '#' (no escapes: a quoted value cannot
 * hold '"').  A UTF-8 BOM and CRLF line ends are accepted.  Lines are
 * reported 1-based, so every error names the file and line.  Errors
 * from the text are HH_EUSAGE and never quote the value.
 *
 * Pure functions; thread-safe.
 */
#ifndef HH_KV_H
#define HH_KV_H

#include "base/hh_error.h"

/* Called for each setting; key and value are NUL-terminated and valid
 * only during the call.  Return HH_OK to go on, or a failing status
 * (with err filled) to stop the parse. */
typedef hh_status (*kv_fn)(void *ctx, const char *key, const char *value,
			   int line, hh_err *err);

/* Parses text (NUL-terminated).  origin names it in messages (a path,
 * or "built-in rules").  A line without '=' is an error
 * "ORIGIN: line N: expected 'key = value'". */
hh_status kv_parse(const char *text, const char *origin, kv_fn fn, void *ctx,
		   hh_err *err);

/* Reads a whole file (up to 16 MiB) into a NUL-terminated malloc'ed
 * buffer the caller frees; *out untouched on error.  A file that cannot
 * be read (missing, unreadable, a folder, too large, or holding a NUL
 * byte) is HH_EINPUT, as every unreadable input file is (docs/semantics.md,
 * "Exit statuses"); what its text says wrong stays HH_EUSAGE. */
hh_status kv_read_file(const char *path, char **out, hh_err *err);

#endif
