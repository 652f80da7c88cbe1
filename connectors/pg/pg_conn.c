/*
 * pg_conn.c - connections with hhmatch's session settings, the checked
 * statement helper, and waits a signal can interrupt (see pg_conn.h).
 *
 * The connection string reaches libpq as the dbname of
 * PQconnectStartParams with expand_dbname set, so libpq reads it exactly
 * as it would on the psql command line (a URI, key=value or service=);
 * table= and query= were taken out by pg_uri_parse.  client_encoding
 * UTF8 follows it in the parameters, so it wins over the string's and the
 * environment's (a source's COPY text is opened as UTF-8).  The session is
 * set up before the handle is handed out, so every statement of every
 * caller runs under the same settings.
 *
 * Nothing here blocks in libpq: the connection is made with
 * PQconnectPoll, statements are sent with PQsend* and their results read
 * with PQconsumeInput/PQisBusy, and every wait is a poll(2) of the socket
 * of at most 100 ms between looks at the cancel flag.  (A blocking libpq
 * call cannot be interrupted: libpq retries its poll on EINTR.)  The only
 * blocking calls left are COMMIT and ROLLBACK in pgc_end, on purpose, and
 * PQcancel itself.
 *
 * Every message goes through pgc_fail: the handle's context, the redacted
 * string, what was being done, and libpq's text made one line and
 * scrubbed of the string's passwords (libpq may echo a malformed token).
 */
#include "connectors/pg/pg_conn.h"

#include <errno.h>
#include <poll.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/fsutil.h"

/* Longest wait between two looks at the cancel flag, in milliseconds. */
#define PGC_POLL_MS 100
/* How long an interrupted handle reads what the server still sends
 * before it gives up on a clean end (seconds). */
#define PGC_DRAIN_S 1.0

struct pgc_conn {
	PGconn *pq;
	pg_uri uri;
	char *ctx;                 /* starts every message; "" for none */
	const _Atomic int *cancel; /* NULL: no flag */
	int interrupted;           /* pgc_interrupt ran: only close is left */
};

enum { WAIT_READY, WAIT_CANCEL, WAIT_TIMEOUT };

static void notice_drop(void *arg, const char *message)
{
	(void)arg;
	(void)message;
}

/* libpq's text of r or of conn as one scrubbed line (see pg_conn.h). */
static void errtext(const PGresult *r, PGconn *conn, const pg_uri *u,
		    char *out, size_t cap)
{
	const char *prim = r ? PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY)
			     : NULL;

	if (prim) {
		const char *det = PQresultErrorField(r, PG_DIAG_MESSAGE_DETAIL);
		const char *ctx = PQresultErrorField(r, PG_DIAG_CONTEXT);
		snprintf(out, cap, "%s%s%s%s", prim, det ? " (" : "",
			 det ? det : "", det ? ")" : "");
		if (ctx) {
			size_t l = strlen(out);
			/* the first context line says where, e.g.
			 * "COPY x, line 3, column members: "abc"" */
			snprintf(out + l, cap - l, "; %.*s",
				 (int)strcspn(ctx, "\n"), ctx);
		}
	} else {
		const char *m = r ? PQresultErrorMessage(r) : "";
		if (!m || !*m)
			m = conn ? PQerrorMessage(conn) : "";
		if (!m || !*m)
			m = "unknown error";
		snprintf(out, cap, "%s", m);
	}
	pg_uri_scrub(u, out);
}

void pgc_errtext(pgc_conn *c, const PGresult *r, char *out, size_t cap)
{
	errtext(r, c->pq, &c->uri, out, cap);
}

hh_status pgc_fail(pgc_conn *c, hh_status st, const PGresult *r,
		   const char *what, hh_err *err)
{
	char msg[700];

	pgc_errtext(c, r, msg, sizeof msg);
	if (!what)
		return hh_fail(err, st, "%s%s: %s", c->ctx, c->uri.shown, msg);
	return hh_fail(err, st, "%s%s: %s: %s", c->ctx, c->uri.shown, what,
		       msg);
}

int pgc_cancel_requested(const pgc_conn *c)
{
	return c->cancel && atomic_load(c->cancel);
}

/* Waits until the socket can be read (or written), at most until
 * deadline (0: none), looking at the cancel flag every PGC_POLL_MS when
 * watch_cancel.  A poll error counts as ready: libpq's next call says
 * what is wrong. */
static int wait_socket(pgc_conn *c, int for_write, double deadline,
		       int watch_cancel)
{
	for (;;) {
		struct pollfd p = {.fd = PQsocket(c->pq),
				   .events = for_write ? POLLOUT : POLLIN};
		int ms = PGC_POLL_MS, r;
		if (watch_cancel && pgc_cancel_requested(c))
			return WAIT_CANCEL;
		if (deadline > 0) {
			double left = deadline - fs_now_seconds();
			if (left <= 0)
				return WAIT_TIMEOUT;
			if (left * 1000 < ms)
				ms = (int)(left * 1000) + 1;
		}
		if (p.fd < 0)
			return WAIT_READY;
		r = poll(&p, 1, ms);
		if (r > 0 || (r < 0 && errno != EINTR))
			return WAIT_READY;
	}
}

/* Reads and drops what the server still sends for the interrupted
 * statement, up to deadline: the rest of a COPY TO STDOUT, the error of
 * the cancelled statement, the end of a COPY FROM STDIN. */
static void drain(pgc_conn *c, double deadline)
{
	PGconn *pq = c->pq;
	int copy_out = 0;

	while (PQstatus(pq) == CONNECTION_OK) {
		PGresult *r;
		ExecStatusType s;
		if (copy_out) {
			char *buf = NULL;
			int n = PQgetCopyData(pq, &buf, 1);
			if (buf)
				PQfreemem(buf);
			if (n > 0)
				continue;
			if (n == -2)
				return;
			if (n == -1) { /* COPY over: its result follows */
				copy_out = 0;
				continue;
			}
		} else if (!PQisBusy(pq)) {
			r = PQgetResult(pq);
			if (!r)
				return; /* the statement is over */
			s = PQresultStatus(r);
			PQclear(r);
			if (s == PGRES_COPY_OUT)
				copy_out = 1;
			else if (s == PGRES_COPY_IN)
				PQputCopyEnd(pq, PGC_INTERRUPTED);
			else if (s == PGRES_COPY_BOTH)
				return;
			continue;
		}
		if (wait_socket(c, 0, deadline, 0) == WAIT_TIMEOUT ||
		    !PQconsumeInput(pq))
			return;
	}
}

hh_status pgc_interrupt(pgc_conn *c, const char *what, hh_err *err)
{
	PGconn *pq = c->pq;

	if (pq && PQstatus(pq) == CONNECTION_OK && !c->interrupted) {
		/* ACTIVE: a statement (or a COPY) is in progress */
		if (PQtransactionStatus(pq) == PQTRANS_ACTIVE) {
			PGcancel *k = PQgetCancel(pq);
			char why[256];
			if (k) {
				PQcancel(k, why, sizeof why);
				PQfreeCancel(k);
			}
		}
		drain(c, fs_now_seconds() + PGC_DRAIN_S);
	}
	c->interrupted = 1;
	if (!what)
		return hh_fail(err, HH_EINTERNAL, "%s%s: " PGC_INTERRUPTED, c->ctx,
			       c->uri.shown);
	return hh_fail(err, HH_EINTERNAL, "%s%s: %s: " PGC_INTERRUPTED, c->ctx,
		       c->uri.shown, what);
}

void pgc_close(pgc_conn *c)
{
	if (!c)
		return;
	if (c->pq)
		PQfinish(c->pq);
	pg_uri_free(&c->uri);
	free(c->ctx);
	free(c);
}

/* libpq's connect_timeout for the connection (its string or
 * PGCONNECT_TIMEOUT) in seconds, as libpq reads it: 0 for none, and at
 * least 2. */
static int connect_timeout(PGconn *pq)
{
	PQconninfoOption *opts = PQconninfo(pq);
	long t = 0;

	for (PQconninfoOption *o = opts; o && o->keyword; o++)
		if (strcmp(o->keyword, "connect_timeout") == 0 && o->val)
			t = strtol(o->val, NULL, 10);
	PQconninfoFree(opts);
	if (t <= 0)
		return 0;
	return t < 2 ? 2 : t > 86400 ? 86400 : (int)t;
}

/* Drives PQconnectPoll to the end, waiting on the socket as it asks. */
static hh_status connect_wait(pgc_conn *c, hh_status fail_st, hh_err *err)
{
	PostgresPollingStatusType ps = PGRES_POLLING_WRITING;
	int timeout = connect_timeout(c->pq);
	const char *host = PQhost(c->pq);
	double deadline = timeout ? fs_now_seconds() + timeout : 0;

	if (PQstatus(c->pq) == CONNECTION_BAD)
		return pgc_fail(c, fail_st, NULL, "cannot connect", err);
	while (ps != PGRES_POLLING_OK && ps != PGRES_POLLING_FAILED) {
		int w = wait_socket(c, ps == PGRES_POLLING_WRITING, deadline, 1);
		if (w == WAIT_CANCEL)
			return pgc_interrupt(c, "connecting", err);
		if (w == WAIT_TIMEOUT)
			return hh_fail(err, fail_st,
				       "%s%s: cannot connect: timeout expired (connect_timeout %d s)",
				       c->ctx, c->uri.shown, timeout);
		ps = PQconnectPoll(c->pq);
		/* libpq's timeout is per host: restart it on the next one */
		if (timeout && PQhost(c->pq) != host) {
			host = PQhost(c->pq);
			deadline = fs_now_seconds() + timeout;
		}
	}
	if (ps == PGRES_POLLING_FAILED)
		return pgc_fail(c, fail_st, NULL, "cannot connect", err);
	return HH_OK;
}

hh_status pgc_connect(pg_uri *u, const char *ctx, hh_status fail_st,
		      const _Atomic int *cancel, pgc_conn **out, hh_err *err)
{
	const char *keys[] = {"dbname", "fallback_application_name",
			      "client_encoding", NULL};
	const char *vals[] = {NULL, "hhmatch", "UTF8", NULL};
	pgc_conn *c = calloc(1, sizeof *c);
	hh_status st;

	*out = NULL;
	if (!c || !(c->ctx = strdup(ctx ? ctx : ""))) {
		free(c);
		pg_uri_free(u);
		return hh_fail(err, HH_EINTERNAL, "out of memory connecting");
	}
	c->uri = *u;
	memset(u, 0, sizeof *u);
	c->cancel = cancel;
	vals[0] = c->uri.conn;
	c->pq = PQconnectStartParams(keys, vals, 1);
	if (!c->pq) {
		st = hh_fail(err, HH_EINTERNAL, "%s%s: out of memory connecting",
			     c->ctx, c->uri.shown);
		pgc_close(c);
		return st;
	}
	st = connect_wait(c, fail_st, err);
	if (st == HH_OK) {
		PQsetNoticeProcessor(c->pq, notice_drop, NULL);
		st = pgc_exec(c, fail_st, PGRES_COMMAND_OK, "session setup failed",
			      "SET DateStyle = 'ISO, YMD'; "
			      "SET client_min_messages = warning",
			      0, NULL, NULL, err);
	}
	if (st != HH_OK) {
		pgc_close(c);
		return st;
	}
	*out = c;
	return HH_OK;
}

hh_status pgc_open(const char *uri, const char *ctx, hh_status fail_st,
		   pgc_conn **out, hh_err *err)
{
	pg_uri u;
	hh_status st;

	*out = NULL;
	st = pg_uri_parse(uri, &u, err);
	if (st == HH_OK)
		st = pg_uri_check_store(&u, err);
	if (st != HH_OK) {
		pg_uri_free(&u);
		return st;
	}
	return pgc_connect(&u, ctx, fail_st, NULL, out, err);
}

PGconn *pgc_pq(pgc_conn *c)
{
	return c->pq;
}

const pg_uri *pgc_uri(const pgc_conn *c)
{
	return &c->uri;
}

const char *pgc_shown(const pgc_conn *c)
{
	return c->uri.shown;
}

hh_status pgc_result(pgc_conn *c, const char *what, PGresult **out, hh_err *err)
{
	PGresult *last = NULL, *r;

	*out = NULL;
	for (;;) {
		ExecStatusType s;
		while (PQisBusy(c->pq)) {
			if (wait_socket(c, 0, 0, 1) == WAIT_CANCEL) {
				PQclear(last);
				return pgc_interrupt(c, what, err);
			}
			if (PQconsumeInput(c->pq))
				continue;
			/* a dead line: no result, the connection's error
			 * says why (PQgetResult would add "invalid socket") */
			if (PQstatus(c->pq) == CONNECTION_BAD) {
				PQclear(last);
				return HH_OK;
			}
			break; /* PQgetResult reports it */
		}
		r = PQgetResult(c->pq);
		if (!r)
			break;
		PQclear(last);
		last = r;
		s = PQresultStatus(r);
		/* as PQexec: a COPY hands over at once, a dead line ends it */
		if (s == PGRES_COPY_IN || s == PGRES_COPY_OUT || s == PGRES_COPY_BOTH ||
		    PQstatus(c->pq) == CONNECTION_BAD)
			break;
	}
	*out = last;
	return HH_OK;
}

hh_status pgc_wait_copy(pgc_conn *c, const char *what, hh_err *err)
{
	if (wait_socket(c, 0, 0, 1) == WAIT_CANCEL)
		return pgc_interrupt(c, what, err);
	PQconsumeInput(c->pq);
	return HH_OK;
}

hh_status pgc_exec(pgc_conn *c, hh_status fail_st, ExecStatusType want,
		   const char *what, const char *sql, int nparams,
		   const char *const *params, PGresult **out, hh_err *err)
{
	PGresult *r = NULL;
	int sent = params ? PQsendQueryParams(c->pq, sql, nparams, NULL, params,
					       NULL, NULL, 0)
			  : PQsendQuery(c->pq, sql);
	hh_status st = HH_OK;

	if (out)
		*out = NULL;
	if (sent)
		st = pgc_result(c, what, &r, err);
	if (st != HH_OK)
		return st;
	if (PQresultStatus(r) != want) {
		st = pgc_fail(c, fail_st, r, what, err);
		PQclear(r);
		return st;
	}
	if (out)
		*out = r;
	else
		PQclear(r);
	return HH_OK;
}

int pgc_lost(pgc_conn *c, const PGresult *r)
{
	const char *st = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;

	if (PQstatus(c->pq) == CONNECTION_BAD)
		return 1;
	if (!st)
		return r == NULL;
	/* 08: connection exception; 57P01-57P03: admin/crash shutdown,
	 * cannot connect now (pg_terminate_backend gives 57P01) */
	return strncmp(st, "08", 2) == 0 || strncmp(st, "57P0", 4) == 0;
}

hh_status pgc_end(pgc_conn *c, hh_status st, const char *what, hh_err *err)
{
	if (st == HH_OK) {
		PGresult *r = PQexec(c->pq, "COMMIT");
		if (PQresultStatus(r) != PGRES_COMMAND_OK ||
		    strcmp(PQcmdStatus(r), "COMMIT") != 0)
			st = pgc_fail(c, HH_EINTERNAL, r, what, err);
		PQclear(r);
	}
	if (st != HH_OK && !c->interrupted && PQstatus(c->pq) == CONNECTION_OK)
		PQclear(PQexec(c->pq, "ROLLBACK"));
	return st;
}

char *pgc_quote_ident(pgc_conn *c, const char *name)
{
	char *q = PQescapeIdentifier(c->pq, name, strlen(name));
	char *r;

	if (!q)
		return NULL;
	r = strdup(q);
	PQfreemem(q);
	return r;
}
