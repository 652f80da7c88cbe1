/*
 * runread.h - reading a published run back: its CSV outputs as small
 * in-memory tables, and the few fields of report.json that later
 * commands need (the sources' files, digests and encodings, the key_id).
 *
 * Used by state.c (alerts compare two runs) and cmd_audit.c (queries over
 * a run).  Only files hhmatch itself wrote are read here, so the parsers
 * are strict and small: CSV through connectors/csv.h, report.json by a
 * scanner that knows its shape (objects, strings, numbers, booleans).
 *
 * Also here: JSON string output into a growable buffer (jbuf), shared by
 * alerts.jsonl, the audit log and `audit --json`, and SHA-256 hex.
 *
 * Lifetime: rr_table_load / rr_table_free, rr_report_load /
 * rr_report_free; free(NULL) style no-ops.  Cells stay valid until the
 * table is freed.  Thread safety: none; one owner at a time.
 */
#ifndef HH_RUNREAD_H
#define HH_RUNREAD_H

#include <stddef.h>
#include <stdint.h>

#include "domain/sources.h"
#include "base/hh_error.h"

/* A CSV file with a header row: rows of NUL-terminated cells. */
typedef struct {
	size_t ncols, nrows;
	char **header;       /* ncols names */
	char ***rows;        /* nrows x ncols cells ("" when a row is short) */
	uint64_t *lines;     /* line where each row starts */
} rr_table;

/* Loads path (plain or .gz CSV written by hhmatch).  A missing file is
 * HH_EINPUT naming it; *out is NULL on failure. */
hh_status rr_table_load(const char *path, rr_table **out, hh_err *err);
void rr_table_free(rr_table *t);
/* Column index by exact header name, or -1. */
int rr_col(const rr_table *t, const char *name);
/* Cell text; "" for col < 0. */
const char *rr_cell(const rr_table *t, size_t row, int col);

/* report.json of a run: what the audit needs to re-read the sources. */
typedef struct {
	int period;
	char key_id[16];
	struct {
		int present;
		char *file;           /* as recorded (may be relative) */
		char sha256[65];
		char encoding[16];
	} src[SRC_COUNT];
} rr_report;

hh_status rr_report_load(const char *path, rr_report **out, hh_err *err);
void rr_report_free(rr_report *r);

/* Growable text buffer; on no memory it sets oom and stops growing. */
typedef struct {
	char *s;
	size_t n, cap;
	int oom;
} jbuf;

void jb_raw(jbuf *b, const char *s, size_t len);
void jb_puts(jbuf *b, const char *s);
void jb_printf(jbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A JSON string literal with quotes; control characters, quote and
 * backslash escaped, other bytes (UTF-8) as they are. */
void jb_str(jbuf *b, const char *s);
void jb_free(jbuf *b);

/* Lower-case hex SHA-256 of data (65 bytes with NUL). */
void rr_sha256_hex(const void *data, size_t len, char out[65]);

/* Risk level name to 0..3 (none, low, medium, high); -1 if unknown. */
int rr_level(const char *name);

#endif
