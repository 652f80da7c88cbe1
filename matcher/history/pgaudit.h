/*
 * pgaudit.h - the PostgreSQL side of `hhmatch audit`: a published run read
 * back from the result store (connectors/pg.h, schemas/sql/), and the
 * audit log kept as the table hhmatch.audit_log.
 *
 * Reading: pgaudit_rows returns the store's rows of one period as the same
 * small tables (runread.h) that the audit reads from a run's CSV files:
 * the header is the table's column names without `period`, in table order
 * (households and findings in the order of households.csv and
 * findings.csv, findings with region_code added at the end; explain in
 * lower case), the cells are the values as text ("" for NULL), and rows
 * come sorted as hhmatch sorts its files.  The store holds no roster or
 * source rows: what the audit shows from re-reading the sources is not
 * available here, and the caller says so.
 *
 * Logging: a record of hhmatch.audit_log is the file log's record
 * (auditlog.h) kept as columns.  pgaudit_members builds the record's
 * members text from those columns, for both logs, so the two carry the
 * same bytes; the chain (seq = id, prev_sha256, sha256) is computed
 * exactly as auditlog.c does.  pgaudit_log_append locks the table (LOCK
 * TABLE ... IN EXCLUSIVE MODE) for reading the last record and inserting
 * the next, so concurrent appenders form one linear chain; ids are
 * max(id) + 1, 1..N without gaps.  schemas/sql/002_audit_log.sql
 * documents the table.
 *
 * Every value reaches SQL as a parameter of PQexecParams; table and
 * column names come from fixed lists here, never from the caller's text.
 * Messages show the URI as pg_redact prints it.
 *
 * Lifetime: pgaudit_open / pgaudit_close (NULL is a no-op); one
 * connection, used by one thread.
 */
#ifndef HH_PGAUDIT_H
#define HH_PGAUDIT_H

#include <stddef.h>

#include "history/auditlog.h"
#include "base/hh_error.h"
#include "history/runread.h"

typedef struct pgaudit pgaudit;

/* Connects to the store at uri.  When the store lacks the audit tables
 * (published by an older hhmatch) its migrations are applied first
 * (pgstore_migrate), which needs a role that may create tables.  A store
 * without hhmatch.runs is HH_EINPUT. */
hh_status pgaudit_open(const char *uri, pgaudit **out, hh_err *err);
void pgaudit_close(pgaudit *a);

/* The store's URI with any password replaced by "***". */
const char *pgaudit_shown(const pgaudit *a);

/* Periods in hhmatch.runs, ascending; *out malloc'ed (NULL, n = 0 when
 * there are none). */
hh_status pgaudit_periods(pgaudit *a, int **out, size_t *n, hh_err *err);

/* The key_id recorded for period ("" when none); HH_EINPUT when the
 * period is not in the store. */
hh_status pgaudit_key_id(pgaudit *a, int period, char out[16], hh_err *err);

typedef enum {
	PGA_HOUSEHOLDS, /* hhmatch.households */
	PGA_FINDINGS,   /* hhmatch.findings (with region_code) */
	PGA_EXPLAIN     /* hhmatch.explain (rule values and thresholds) */
} pga_table;

typedef enum {
	PGA_BY_HOUSEHOLD, /* household_id */
	PGA_BY_PID,       /* pid (findings only) */
	PGA_BY_CODE       /* code (findings only) */
} pga_by;

/* Rows of table for period whose `by` column equals one of values[0..n)
 * (n = 0: no rows); for PGA_FINDINGS, region (may be NULL) keeps those
 * whose region_code starts with it.  *out is freed with rr_table_free. */
hh_status pgaudit_rows(pgaudit *a, pga_table table, int period, pga_by by,
		       const char *const *values, size_t n, const char *region,
		       rr_table **out, hh_err *err);

/* One audit record's content.  time is "YYYY-MM-DDTHH:MM:SSZ"; query a
 * JSON object's text ({"command":...}); pids hex strings. */
typedef struct {
	const char *time, *operator_, *purpose, *query;
	const char *const *pids;
	size_t npids;
} pgaudit_record;

/* Appends to out the record's members as auditlog_append takes them:
 * "time":..,"operator":..,"purpose":..,"query":<query>,"pids":[..] */
void pgaudit_members(const pgaudit_record *r, jbuf *out);

/* Appends r to hhmatch.audit_log in one transaction; *id (may be NULL)
 * gets its id. */
hh_status pgaudit_log_append(pgaudit *a, const pgaudit_record *r, unsigned long *id,
			     hh_err *err);

/* Verifies the chain of hhmatch.audit_log in id order.  out->records
 * counts the intact records; out->broken is the id of the first broken
 * one (0: intact), out->why says what is wrong, out->head is the SHA-256
 * of the last record's line.  A broken chain is HH_OK. */
hh_status pgaudit_log_verify(pgaudit *a, auditlog_check *out, hh_err *err);

#endif
