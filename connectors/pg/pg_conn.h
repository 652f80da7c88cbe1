/*
 * pg_conn.h - a PostgreSQL connection with hhmatch's session settings,
 * and the one checked way to run a statement on it.
 *
 * Every reader and writer of PostgreSQL goes through here: the sources
 * (pg_source.c), the result store (pg_store.c) and the audit store
 * (matcher/history/).  A pgc_conn is an opaque handle holding libpq's
 * PGconn, the parsed URI (for its redacted form and its passwords) and a
 * context that starts every message, so that a failure anywhere reads
 *
 *   CONTEXT URI: WHAT: libpq's message
 *
 * e.g. "auditing postgresql://u:***@db/x: reading hhmatch.audit_log:
 * relation ... does not exist", on one line, never with a password.
 *
 * Session settings: client_encoding UTF8, DateStyle ISO, YMD,
 * client_min_messages warning, fallback_application_name hhmatch;
 * notices are dropped, never printed.
 *
 * Lifetime: pgc_open / pgc_connect create, pgc_close frees (NULL is a
 * no-op).  Results handed out (PGresult) belong to the caller, who frees
 * them with PQclear.  The PGconn of pgc_pq belongs to the handle.
 * Thread safety: one handle is used by one thread at a time; distinct
 * handles are independent (libpq is thread-safe across connections).
 */
#ifndef HH_PG_CONN_H
#define HH_PG_CONN_H

#include <stddef.h>

#include <libpq-fe.h>

#include "base/hh_error.h"
#include "connectors/pg/pg_uri.h"

typedef struct pgc_conn pgc_conn;

/* Connects to the store at uri, which must take no table= or query=
 * (HH_EUSAGE), with the session settings.  ctx starts every message of
 * the handle ("auditing ", "publishing DIR to "; NULL for none) and is
 * copied.  A failure to connect or to set the session up returns
 * fail_st; a bad URI HH_EUSAGE (pg_uri_parse). */
hh_status pgc_open(const char *uri, const char *ctx, hh_status fail_st,
		   pgc_conn **out, hh_err *err);

/* As pgc_open, for a URI already parsed (a source: table= or query=
 * allowed).  Takes what *u holds: *u is zeroed whatever the outcome, and
 * pgc_uri gives it back for the life of the handle. */
hh_status pgc_connect(pg_uri *u, const char *ctx, hh_status fail_st,
		      pgc_conn **out, hh_err *err);

/* Closes the connection and frees the handle (NULL: nothing). */
void pgc_close(pgc_conn *c);

/* libpq's connection, for what the helpers below do not cover (COPY,
 * single-row mode).  Owned by the handle: never PQfinish it. */
PGconn *pgc_pq(pgc_conn *c);

/* The parsed URI, and its redacted form (for messages). */
const pg_uri *pgc_uri(const pgc_conn *c);
const char *pgc_shown(const pgc_conn *c);

/* Runs sql and checks that its result status is want.  With nparams > 0
 * the statement runs with params as text values $1..$n (PQexecParams);
 * with nparams 0 it runs as a simple query (PQexec), which may hold
 * several statements (migrations).  On success the result goes to *out
 * (the caller PQclears it) or, when out is NULL, is freed.  On failure
 * *out is NULL and the return is fail_st with the message
 * "CONTEXT URI: WHAT: libpq's message". */
hh_status pgc_exec(pgc_conn *c, hh_status fail_st, ExecStatusType want,
		   const char *what, const char *sql, int nparams,
		   const char *const *params, PGresult **out, hh_err *err);

/* Fails with status st and "CONTEXT URI: WHAT: MESSAGE", MESSAGE being
 * libpq's text of r (may be NULL: the connection's last error); without
 * what, "CONTEXT URI: MESSAGE".  For results the caller got itself
 * (COPY, single-row mode).  Returns st. */
hh_status pgc_fail(pgc_conn *c, hh_status st, const PGresult *r,
		   const char *what, hh_err *err);

/* libpq's error as one line into out (cap bytes): the primary message,
 * the detail in parentheses and the first line of the context (the COPY
 * line, say) of r, or else the connection's last error; passwords
 * scrubbed. */
void pgc_errtext(pgc_conn *c, const PGresult *r, char *out, size_t cap);

/* 1 when the failure in r (may be NULL) or the connection's state says
 * the connection is gone (SQLSTATE class 08, 57P01-57P03 such as
 * pg_terminate_backend), rather than a statement failing. */
int pgc_lost(pgc_conn *c, const PGresult *r);

/* Ends the transaction the caller began: when st is HH_OK, COMMIT (a
 * COMMIT that answers ROLLBACK, for a transaction that failed, is a
 * failure: HH_EINTERNAL with what in the message); otherwise ROLLBACK
 * while the connection lives.  Returns the outcome. */
hh_status pgc_end(pgc_conn *c, hh_status st, const char *what, hh_err *err);

/* name quoted as an SQL identifier (PQescapeIdentifier), malloc'ed
 * (free it with free()); NULL when out of memory. */
char *pgc_quote_ident(pgc_conn *c, const char *name);

#endif
