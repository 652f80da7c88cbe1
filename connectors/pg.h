/*
 * pg.h - PostgreSQL as a source and as a result store, over libpq.
 *
 * Sources: a contract source given as a postgresql:// URI naming a table
 * (?table=schema.name) or a query (?query=...).  pgsrc_open opens one
 * slice of it as an hh_instream of CSV text with a header row (COPY ...
 * TO STDOUT WITH (FORMAT csv, HEADER)), so the same CSV reader, schemas,
 * validation and rejects serve files and tables alike.  Slices 0..n-1
 * together cover every row exactly once; each slice uses its own
 * connection so several workers can pull at once.
 *
 * Row numbers: the COPY output's first column is `hh_row`, a stable
 * number for the row within the source (documented in pg.c); the engine
 * cites it instead of a file line.
 *
 * Store: pgstore_publish loads a finished run folder (the CSV files and
 * report.json that `hhmatch run` wrote) into the result tables in one
 * transaction, replacing that period's earlier rows; either all of the
 * run is committed or none of it.  The schema is created and migrated
 * from the versioned SQL files in schemas/sql/.
 *
 * Connection strings follow libpq (URIs, PGHOST, PGSSLMODE, ~/.pgpass...).
 * Passwords never appear in messages: pg_redact() strips them.
 *
 * Thread safety: each hh_instream / call uses its own connection.
 */
#ifndef HH_PG_H
#define HH_PG_H

#include <stddef.h>

#include "base/hh_error.h"
#include "connectors/instream.h"

/* 1 if s looks like a PostgreSQL source or store URI. */
int pg_is_uri(const char *s);

/* Copies uri into out (cap bytes) with any password replaced by "***". */
void pg_redact(const char *uri, char *out, size_t cap);

/* Opens slice `slice` of `nslices` of the source at uri. */
hh_status pgsrc_open(const char *uri, int slice, int nslices,
		     const ins_opts *opts, hh_instream **out, hh_err *err);

/* Publishes the run in dir (households.csv, flags.csv, findings.csv,
 * rejects.csv, report.json, and alerts.jsonl when present) for period
 * YYYYMM into the store at uri. */
hh_status pgstore_publish(const char *uri, const char *dir, int period,
			  hh_err *err);

/* For other readers and writers of the store (connectors/pgaudit.c).
 * struct pg_conn and struct pg_result are libpq's PGconn and PGresult. */
struct pg_conn;
struct pg_result;

/* Connects to the store at uri (no table= or query=) with the session
 * settings of the publisher (UTF8, ISO dates, notices dropped).  what
 * prefixes messages (e.g. "auditing "); the URI in them is redacted.  A
 * failure to connect is HH_EINPUT.  The caller closes with PQfinish. */
hh_status pgstore_connect(const char *uri, const char *what,
			  struct pg_conn **out, hh_err *err);

/* One line of libpq error text of r (may be NULL) or else of c, with the
 * password of uri scrubbed. */
void pg_errtext(const char *uri, const struct pg_result *r, struct pg_conn *c,
		char *out, size_t cap);

/* Applies the migrations from schemas/sql/ that the store at uri lacks,
 * in a transaction of its own, as pgstore_publish does before loading. */
hh_status pgstore_migrate(const char *uri, hh_err *err);

#endif
