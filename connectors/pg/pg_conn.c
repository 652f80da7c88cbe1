/*
 * pg_conn.c - connections with hhmatch's session settings, and the
 * checked statement helper (see pg_conn.h).
 *
 * The URI reaches libpq as the dbname of PQconnectdbParams with
 * expand_dbname set, so libpq reads it exactly as it would read it on
 * the psql command line; table= and query= were taken out by
 * pg_uri_parse.  The session is set up before the handle is handed out,
 * so every statement of every caller runs under the same settings:
 * UTF8 (a source's COPY text is opened as UTF-8 whatever the caller
 * asked), ISO dates, and no notices on the terminal.
 *
 * Every message goes through fail(): the handle's context, the redacted
 * URI, what was being done, and libpq's text made one line and scrubbed
 * of the URI's passwords (libpq may echo a malformed token of the URI).
 */
#include "connectors/pg/pg_conn.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct pgc_conn {
	PGconn *pq;
	pg_uri uri;
	char *ctx; /* starts every message; "" for none */
};

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

hh_status pgc_connect(pg_uri *u, const char *ctx, hh_status fail_st,
		      pgc_conn **out, hh_err *err)
{
	const char *keys[] = {"dbname", "fallback_application_name", NULL};
	const char *vals[3] = {NULL, "hhmatch", NULL};
	pgc_conn *c = calloc(1, sizeof *c);
	PGresult *r;
	hh_status st;

	*out = NULL;
	if (!c || !(c->ctx = strdup(ctx ? ctx : ""))) {
		free(c);
		pg_uri_free(u);
		return hh_fail(err, HH_EINTERNAL, "out of memory connecting");
	}
	c->uri = *u;
	memset(u, 0, sizeof *u);
	vals[0] = c->uri.conn;
	c->pq = PQconnectdbParams(keys, vals, 1);
	if (!c->pq) {
		st = hh_fail(err, HH_EINTERNAL, "%s%s: out of memory connecting",
			     c->ctx, c->uri.shown);
		pgc_close(c);
		return st;
	}
	if (PQstatus(c->pq) != CONNECTION_OK) {
		st = pgc_fail(c, fail_st, NULL, "cannot connect", err);
		pgc_close(c);
		return st;
	}
	PQsetNoticeProcessor(c->pq, notice_drop, NULL);
	if (PQsetClientEncoding(c->pq, "UTF8") != 0) {
		st = pgc_fail(c, fail_st, NULL, "cannot set client encoding UTF8",
			      err);
		pgc_close(c);
		return st;
	}
	r = PQexec(c->pq, "SET DateStyle = 'ISO, YMD'; "
			  "SET client_min_messages = warning");
	if (PQresultStatus(r) != PGRES_COMMAND_OK) {
		st = pgc_fail(c, fail_st, r, "session setup failed", err);
		PQclear(r);
		pgc_close(c);
		return st;
	}
	PQclear(r);
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
	if (st == HH_OK && (u.table || u.query))
		st = hh_fail(err, HH_EUSAGE,
			     "%s: a store URI takes no table= or query=", u.shown);
	if (st != HH_OK) {
		pg_uri_free(&u);
		return st;
	}
	return pgc_connect(&u, ctx, fail_st, out, err);
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

hh_status pgc_exec(pgc_conn *c, hh_status fail_st, ExecStatusType want,
		   const char *what, const char *sql, int nparams,
		   const char *const *params, PGresult **out, hh_err *err)
{
	PGresult *r = nparams > 0 ? PQexecParams(c->pq, sql, nparams, NULL,
						 params, NULL, NULL, 0)
				  : PQexec(c->pq, sql);
	hh_status st;

	if (out)
		*out = NULL;
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
	if (st != HH_OK && PQstatus(c->pq) == CONNECTION_OK)
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
