/*
 * auditstore.h - where `hhmatch audit` asks its questions and logs them:
 * one interface, two backends (after git's refs/refs-internal.h
 * struct ref_storage_be).
 *
 *   files       a run's output folder (--run DIR) or a period kept in a
 *               state folder (--state DIR [--period P]).  The run's
 *               source files can be re-read (report.json says where they
 *               are).  The log is a file (auditlog.h).
 *   postgresql  the result store of `hhmatch run --pg-out` (--pg URI
 *               [--period P]).  No roster or source rows.  The log is the
 *               table hhmatch.audit_log.
 *
 * With either, --log FILE (or --state's audit.log) adds the file log, so
 * a store keeps one or two logs; a record goes into every one of them,
 * the table first, with the same bytes (auditrec.h).
 *
 * A caller opens a store from what the user gave, reads the period's
 * tables filtered by household, pid or code, appends the query's record,
 * and closes the store.  It never asks which backend it has: whatever
 * differs (how the store is named, whether source rows can be re-read,
 * what is said when something is missing) comes from the store.
 *
 * Tables come back as runread.h's rr_table, the same columns and order
 * from both backends:
 *   AUDITSTORE_HOUSEHOLDS  households.csv's columns
 *   AUDITSTORE_FINDINGS    findings.csv's columns, then region_code (the
 *                          region of the finding's household, "" when
 *                          none)
 *   AUDITSTORE_EXPLAIN     explain.csv's columns, names in lower case
 * rows in the order of the run's files, cells as text ("" for none).
 *
 * Lifetime: auditstore_open or auditstore_open_logs, then auditstore_close
 * (NULL is a no-op).  What the store hands out (auditstore_info, gap
 * texts) lives until the store is closed, gap texts only until the next
 * call; tables belong to the caller (rr_table_free).
 * Thread safety: a store is used by one thread at a time (the PostgreSQL
 * backend holds one connection).
 */
#ifndef HH_AUDITSTORE_H
#define HH_AUDITSTORE_H

#include <stddef.h>

#include "base/hh_error.h"
#include "base/json.h"
#include "history/auditrec.h"
#include "history/runread.h"

typedef struct auditstore auditstore;

/* What the user gave (any may be NULL). */
typedef struct {
	const char *run;     /* --run DIR: a run's output folder */
	const char *state;   /* --state DIR: kept periods, and DIR/audit.log */
	const char *period;  /* --period YYYYMM with --state or --pg (default: the latest) */
	const char *log;     /* --log FILE: the file log */
	const char *pg;      /* --pg URI: the PostgreSQL result store */
} auditstore_where;

/* Checks that w names a store (logs_only: a log to verify) without
 * contradicting itself; HH_EUSAGE saying what is missing or too much. */
hh_status auditstore_where_check(const auditstore_where *w, int logs_only, hh_err *err);

/* Opens the run w names: the period (given or the latest) resolved, its
 * tables at hand.  Errors: HH_EUSAGE for a bad --period or one that does
 * not go with --run, HH_EINPUT for a run, period or store that is not
 * there. */
hh_status auditstore_open(const auditstore_where *w, auditstore **out, hh_err *err);

/* Opens only the logs w names (for verify-log): no run is read, and only
 * auditstore_nlogs, auditstore_verify and auditstore_close may be used. */
hh_status auditstore_open_logs(const auditstore_where *w, auditstore **out, hh_err *err);

void auditstore_close(auditstore *st);

/* What the answer says about the store. */
typedef struct {
	const char *kind;         /* "run" or "store": what was asked */
	const char *name;         /* the run's folder, or the URI with "***" for a password */
	int period;               /* the period asked about */
	const char *key_id;       /* the run's key_id ("" when not recorded) */
	const rr_report *sources; /* the run's source files to re-read; NULL when the
				     store cannot re-read them ... */
	const char *no_sources;   /* ... and then why, and where to ask instead */
	const char *explain_gap;  /* said of a household with a households row and no
				     explain row; NULL when there is nothing to say */
	int history;              /* 1: auditstore_periods lists the periods kept */
	const char *db_user;      /* the database session_user records name, NULL
				     for a store without one (files) */
} auditstore_info;

const auditstore_info *auditstore_info_of(const auditstore *st);

/* Adds to query the members that name the store ("state", "run" or
 * "pg", the URI redacted).  -1 on no memory. */
int auditstore_describe(const auditstore *st, json_t *query);

/* The periods kept (state folder or store), ascending; *out malloc'ed
 * (NULL and *n = 0 when there are none). */
hh_status auditstore_periods(auditstore *st, int **out, size_t *n, hh_err *err);

typedef enum {
	AUDITSTORE_HOUSEHOLDS,
	AUDITSTORE_FINDINGS,
	AUDITSTORE_EXPLAIN
} auditstore_table;

typedef enum {
	AUDITSTORE_BY_HOUSEHOLD, /* household_id */
	AUDITSTORE_BY_PID,       /* pid (findings) */
	AUDITSTORE_BY_CODE,      /* code (findings) */
	AUDITSTORE_BY_REGION     /* households whose region_code starts with a value */
} auditstore_by;

/* period value meaning "the run the store was opened on" (with --run and
 * --state both given, the run's folder rather than the state's copy). */
#define AUDITSTORE_ASKED 0

typedef struct {
	auditstore_table table;
	int period;                 /* AUDITSTORE_ASKED or one of auditstore_periods */
	auditstore_by by;
	const char *const *values;  /* rows whose `by` column is one of these */
	size_t n;                   /* 0: no rows */
	const char *region;         /* findings: keep region_code starting with it (may be NULL) */
} auditstore_query;

/* The rows q asks for into *out.  When the store does not have the table
 * for that period (a run without explain.csv, a kept period whose files
 * cannot be read) the result is HH_OK with *out NULL and *gap saying why;
 * errors (the run asked about unreadable, the server failing) are
 * errors. */
hh_status auditstore_rows(auditstore *st, const auditstore_query *q, rr_table **out,
			  const char **gap, hh_err *err);

/* Appends the record to every log the store keeps (the table first, then
 * the file), with the same members in each, sealed under key (the audit
 * key, not NULL: auditrec.h), and anchors each log's new head
 * outside it (auditlog.h; the table hhmatch.audit_head).  heads (may be
 * NULL) gets one head per log, in auditstore_verify's order, from = the
 * log's label ("log" or "audit_log"). */
hh_status auditstore_append(auditstore *st, const auditrec *rec, const pid_key *key,
			    auditrec_anchor heads[2], hh_err *err);

/* The logs the store keeps: 1 or 2. */
size_t auditstore_nlogs(const auditstore *st);

/* A log's verdict when its chain is intact. */
typedef struct {
	const char *label;        /* "log" or "audit_log": what is intact */
	const char *medium;       /* "log" or "table": what the head cannot vouch for alone */
	unsigned long records;
	char head[65];            /* SHA-256 of the last record's line ("" when empty) */
	char anchors[512];        /* the head anchors that matched, "" when none was found */
	unsigned long legacy;     /* records 1..legacy have no mac (written before macs) */
	unsigned long sealed;     /* the records after them, each with a mac ... */
	int unchecked;            /* ... not checked (1) when no audit key was given */
} auditstore_verdict;

/* Verifies log i (0 .. auditstore_nlogs - 1), every record's mac under
 * key (NULL: macs are not checked, out->unchecked says whether there
 * were any; see auditrec_seal_check for legacy records), and its head against every
 * anchor within reach: the log's own (STATE/audit.head beside a file
 * log, the table hhmatch.audit_head) and expect (may be NULL: an
 * auditor's --expect-head).  A broken chain, or a log that differs from
 * an anchor, is HH_EINPUT naming the log, the first bad record and what
 * is wrong. */
hh_status auditstore_verify(auditstore *st, size_t i, const pid_key *key,
			    const auditrec_anchor *expect, auditstore_verdict *out, hh_err *err);

#endif
