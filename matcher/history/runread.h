/*
 * runread.h - reading a published run back: its CSV outputs as small
 * in-memory tables, and the fields of report.json that later commands
 * need (the sources' files, digests and encodings, the key_id; the counts
 * the delivery guards compare).
 *
 * Used by alerts.c (alerts compare two runs), the audit store's files
 * backend (queries over a run) and guards.c (a delivery against the
 * previous period's).  CSV is read through connectors/csv.h,
 * report.json through jansson (base/json.h).
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

/* report.json of a run: what the audit needs to re-read the sources,
 * and what the delivery guards compare.  Counts are -1 when the report
 * does not hold them (an older hhmatch wrote it). */
typedef struct {
	int period;
	char key_id[16];
	int new_key;              /* the run started a new baseline (--new-key) */
	int64_t households;       /* counted roster households */
	struct {
		int present;
		char *file;           /* absolute path when recorded, else as given */
		char *given;          /* as given on the command line (messages) */
		char sha256[65];
		char encoding[16];
		int64_t rows_accepted, persons, persons_on_roster;
		int64_t rows_counted; /* hr rows_current, medical rows_in_window */
		char first[16], last[16]; /* hr period_first/last, medical settle_first/last
					     ("" when none) */
		int window_first, window_last; /* medical: the settlements that count,
						  YYYYMMDD (0 when not recorded) */
	} src[SRC_COUNT];
} rr_report;

hh_status rr_report_load(const char *path, rr_report **out, hh_err *err);
void rr_report_free(rr_report *r);

/* Risk level name to 0..3 (none, low, medium, high); -1 if unknown. */
int rr_level(const char *name);

#endif
