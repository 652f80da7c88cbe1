/*
 * json.h - JSON through jansson, with hhmatch's errors and strbuf.
 *
 * jansson does the parsing, escaping and formatting; this module adds
 * what every caller would otherwise repeat: loading a file with an error
 * that names it, line and column; dumping into a strbuf; and text that
 * may not be valid UTF-8 (file names), which JSON cannot hold as it is.
 *
 * Formats used by hhmatch: one-line records (alerts.jsonl, the audit log)
 * are HJ_LINE (compact, members in insertion order); report.json and
 * `audit --json` are HJ_PRETTY (two-space indent, insertion order).
 *
 * Lifetime: json_t values are jansson's, reference-counted (json_decref).
 * Thread safety: jansson is thread-safe for distinct values.
 */
#ifndef HH_JSON_H
#define HH_JSON_H

#include <jansson.h>

#include "base/hh_error.h"
#include "base/strbuf.h"

#define HJ_LINE (JSON_COMPACT | JSON_PRESERVE_ORDER)
#define HJ_PRETTY (JSON_INDENT(2) | JSON_PRESERVE_ORDER)

/* Parses the file at path (a whole JSON text).  A missing or unreadable
 * file is HH_EINPUT naming it; bad JSON is HH_EINPUT with the line and
 * column; an allocation that failed inside jansson is HH_EINTERNAL.  *out
 * is NULL on failure. */
hh_status hj_load_path(const char *path, json_t **out, hh_err *err);

/* json_loadb, but NULL (je->text "out of memory", je->line -1) when an
 * allocation failed inside jansson while it parsed: its lexer drops a
 * byte it cannot store and would otherwise return a shortened string as
 * if it had read it.  Every JSON text hhmatch reads goes through here or
 * the two functions around it.  Thread-safe. */
json_t *hj_loadb(const char *buf, size_t len, size_t flags, json_error_t *je);

/* Parses text[0..len); what names it in messages. */
hh_status hj_load_text(const char *text, size_t len, const char *what,
		       json_t **out, hh_err *err);

/* Appends j formatted with flags to b (sets b->oom on failure). */
void hj_dump(strbuf *b, const json_t *j, size_t flags);

/* A JSON string of s[0..len), which may hold bytes that are not UTF-8:
 * each such byte becomes U+FFFD.  *lossy (may be NULL) is set to 1 when
 * that happened.  NULL on no memory. */
json_t *hj_string_bytes(const char *s, size_t len, int *lossy);

/* Sets obj[key] to the text s (may not be UTF-8).  When s is not valid
 * UTF-8, obj[key "_hex"] also gets its bytes in hex, so a reader can
 * recover them exactly (hj_get_bytes).  -1 on no memory. */
int hj_set_bytes(json_t *obj, const char *key, const char *s);

/* The text recorded by hj_set_bytes under key (malloc'ed, NUL-terminated),
 * or NULL when the member is missing, not a string, or on no memory. */
char *hj_get_bytes(const json_t *obj, const char *key);

/* obj[key] as a string, or NULL when missing or not a string. */
const char *hj_str(const json_t *obj, const char *key);

#endif
