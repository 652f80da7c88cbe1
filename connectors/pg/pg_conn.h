/*
 * pg_conn.h - a PostgreSQL connection with hhmatch's session settings,
 * the one checked way to run a statement on it, and waits that a signal
 * can interrupt.
 *
 * Every reader and writer of PostgreSQL goes through here: the sources
 * (pg_source.c), the result store (pg_store.c) and the audit store
 * (matcher/history/).  A pgc_conn is an opaque handle holding libpq's
 * PGconn, the parsed connection string (for its redacted form and its
 * passwords) and a context that starts every message, so that a failure
 * anywhere reads
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
 * Cancellation.  A handle may carry a cancel flag (pgc_connect's cancel:
 * the run's, which its SIGINT/SIGTERM handler sets).  Every wait of the
 * handle (connecting, a statement's result, COPY data) polls the socket
 * 100 ms at a time and looks at the flag in between; once it is set, the
 * statement in progress is cancelled on the server (PQcancel), what the
 * server still sends is read and dropped for up to a second, and the call
 * fails with HH_EINTERNAL and "CONTEXT URI: WHAT: interrupted by a signal;
 * nothing was published" (the caller rolls back or drops what it was
 * doing).  A signal is so answered within about 0.1 s plus the cancel
 * request's round trip.  The handle is then only good for pgc_close
 * (pgc_end does not send ROLLBACK on it: closing the connection rolls the
 * transaction back).  connect_timeout (or PGCONNECT_TIMEOUT) bounds the
 * connection to each host as libpq would, except that a host that times
 * out fails the attempt instead of moving on to the next host of a
 * multi-host string.  A server that cannot be reached at all may hold
 * PQcancel for its own connection attempt.
 *
 * Lifetime: pgc_open / pgc_connect create, pgc_close frees (NULL is a
 * no-op).  Results handed out (PGresult) belong to the caller, who frees
 * them with PQclear.  The PGconn of pgc_pq belongs to the handle.
 * Thread safety: one handle is used by one thread at a time; distinct
 * handles are independent (libpq is thread-safe across connections).
 * The cancel flag is only read.
 */
#ifndef HH_PG_CONN_H
#define HH_PG_CONN_H

#include <stddef.h>

#include <libpq-fe.h>

#include "base/hh_error.h"
#include "connectors/pg/pg_uri.h"

typedef struct pgc_conn pgc_conn;

/* The message tail of an interrupted wait. */
#define PGC_INTERRUPTED "interrupted by a signal; nothing was published"

/* Connects to the store at uri, which must take no table= or query=
 * (HH_EUSAGE), with the session settings and no cancel flag (the audit
 * queries, which a signal simply ends).  ctx starts every message of the
 * handle ("auditing "; NULL for none) and is copied.  A failure to
 * connect or to set the session up returns fail_st; a bad string
 * HH_EUSAGE (pg_uri_parse). */
hh_status pgc_open(const char *uri, const char *ctx, hh_status fail_st,
		   pgc_conn **out, hh_err *err);

/* As pgc_open, for a string already parsed (a source: table= or query=
 * allowed), with the cancel flag cancel (NULL: none) for every wait of
 * the handle, the connection's included.  Takes what *u holds: *u is
 * zeroed whatever the outcome, and pgc_uri gives it back for the life of
 * the handle. */
hh_status pgc_connect(pg_uri *u, const char *ctx, hh_status fail_st,
		      const _Atomic int *cancel, pgc_conn **out, hh_err *err);

/* Closes the connection and frees the handle (NULL: nothing). */
void pgc_close(pgc_conn *c);

/* libpq's connection, for what the helpers below do not cover (COPY).
 * Owned by the handle: never PQfinish it. */
PGconn *pgc_pq(pgc_conn *c);

/* The parsed string, and its redacted form (for messages). */
const pg_uri *pgc_uri(const pgc_conn *c);
const char *pgc_shown(const pgc_conn *c);

/* Runs sql and checks that its result status is want.  With params
 * (nparams of them, possibly 0) the statement runs alone on the extended
 * protocol (PQsendQueryParams, text values $1..$n), which refuses a
 * string of several statements; with params NULL (nparams 0) as a simple
 * query, which may hold several statements (migrations), the last
 * result counting as PQexec's does.  On success the result goes to *out
 * (the caller PQclears it) or, when out is NULL, is freed.  On failure
 * *out is NULL and the return is fail_st with the message
 * "CONTEXT URI: WHAT: libpq's message", or the interruption (above). */
hh_status pgc_exec(pgc_conn *c, hh_status fail_st, ExecStatusType want,
		   const char *what, const char *sql, int nparams,
		   const char *const *params, PGresult **out, hh_err *err);

/* After the caller sent a statement itself (PQsendQueryParams,
 * PQsendPrepare...): waits for its result as PQexec would (the last one;
 * a COPY's as soon as it starts) into *out, which may be NULL when libpq
 * has none (its connection error says why).  HH_OK, or the interruption
 * (above) with *out NULL. */
hh_status pgc_result(pgc_conn *c, const char *what, PGresult **out, hh_err *err);

/* During COPY TO STDOUT, when PQgetCopyData(async) has nothing: waits
 * until more arrives and consumes it.  HH_OK (also when the connection
 * failed: the next PQgetCopyData says so), or the interruption. */
hh_status pgc_wait_copy(pgc_conn *c, const char *what, hh_err *err);

/* 1 when the handle's cancel flag is set. */
int pgc_cancel_requested(const pgc_conn *c);

/* Cancels what runs on the connection (PQcancel when a statement is in
 * progress), drops what the server still sends (up to about a second),
 * and fails with HH_EINTERNAL and the interruption message.  For a
 * caller that saw pgc_cancel_requested; during COPY FROM STDIN, end the
 * COPY (PQputCopyEnd with an error) first. */
hh_status pgc_interrupt(pgc_conn *c, const char *what, hh_err *err);

/* Fails with status st and "CONTEXT URI: WHAT: MESSAGE", MESSAGE being
 * libpq's text of r (may be NULL: the connection's last error); without
 * what, "CONTEXT URI: MESSAGE".  For results the caller got itself
 * (COPY).  Returns st. */
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
 * while the connection lives and was not interrupted.  COMMIT is never
 * cancelled: once sent, its outcome is waited for, so that a signal
 * cannot leave it unknown.  Returns the outcome. */
hh_status pgc_end(pgc_conn *c, hh_status st, const char *what, hh_err *err);

/* name quoted as an SQL identifier (PQescapeIdentifier), malloc'ed
 * (free it with free()); NULL when out of memory. */
char *pgc_quote_ident(pgc_conn *c, const char *name);

#endif
