/*
 * pg.c - PostgreSQL as a source (pgsrc_open) and as a result store
 * (pgstore_publish), over libpq; see pg.h.
 *
 * URIs.  A source or store is a libpq connection URI; hhmatch adds two
 * query parameters of its own, `table` and `query` (URL-decoded, '+' is a
 * plus, not a space), and removes them before the URI reaches libpq, which
 * rejects parameters it does not know.  Everything else (host, port,
 * sslmode=verify-full, sslrootcert, PGHOST, PGSSLMODE, ~/.pgpass...)
 * is libpq's business.  Messages name a source by its URI as pg_redact
 * prints it: a password in the user part or in a `password=` parameter is
 * shown as "***", and libpq messages are scrubbed of it too.
 *
 * Table names.  `table=schema.name` is split at the first dot; a part
 * wrapped in double quotes ("a.b"."c ""d""") may hold dots and doubled
 * quotes.  Parts are used exactly as written (no case folding: `Foo` is
 * the table "Foo"), quoted with PQescapeIdentifier, and resolved with
 * to_regclass(); without a schema the search_path applies.
 *
 * Slices.  Each slice has its own connection and runs one
 *   COPY (SELECT <hh_row>, t.* FROM ... WHERE <slice>) TO STDOUT
 *        WITH (FORMAT csv, HEADER)
 * whose CopyData messages are handed to the CSV reader unchanged.
 *  - A plain table or materialized view is split by ctid block ranges:
 *    with B blocks (pg_relation_size / block_size), slice k of n reads
 *    blocks [k*B/n, (k+1)*B/n) with `ctid >= '(s,0)' AND ctid < '(e,0)'`
 *    (a TID range scan from PostgreSQL 14; older servers filter a
 *    sequential scan, still correct).  Slice 0 has no lower bound and the
 *    last slice no upper bound, so rows in blocks added meanwhile are not
 *    lost.  B is measured once per process for a given database and table
 *    and reused by the other slices (a small cache below), so all slices
 *    agree on the boundaries even while the table grows.
 *    hh_row = block * 65536 + line pointer, from the row's ctid: stable
 *    while the table is not updated or rewritten, unique within the table,
 *    and the row can be found again with
 *      WHERE ctid = format('(%s,%s)', hh_row / 65536, hh_row % 65536)::tid
 *  - A query (and a view, foreign or partitioned table, which have no
 *    usable ctid) is run whole by every slice and split by a hash of the
 *    whole row: (hashtext(t::text) & 2^31-1) % n = k.  This is exact only
 *    when the query returns the same rows every time it runs (no
 *    random(), no LIMIT without ORDER BY, no data changing between the
 *    slices' starts); otherwise give a table or use one slice.
 *    hh_row = (row_number() OVER () - 1) * n + k + 1: unique across the
 *    slices of one read, and stable for the same n and the same plan.
 *  Each slice reads its own snapshot; slices are consistent with each
 *  other for data that is not being modified during the run (an extract).
 *
 * Session settings: client_encoding UTF8 (so the stream is opened as
 * UTF-8 whatever the caller asked), DateStyle ISO, client_min_messages
 * warning; notices are dropped, never printed.  Booleans come out as t/f
 * and timestamps as "YYYY-MM-DD HH:MM:SS": cast them in a query
 * (`inpatient::int`, `settle_date::date`) when a column needs 0/1 or a date.
 *
 * Stream lifetime: ins_open_pull leaves the callback context to us, and
 * the stream never calls the callback again after end of input or an
 * error, so the callback closes the connection and frees its context at
 * that point.  A stream closed before either leaks its connection until
 * the process exits (instream.h has no close hook yet).
 *
 * Store: pgstore_publish, one transaction:
 *   advisory lock (publishers and migrations one at a time)
 *   -> migrations from schemas/sql/ not yet in hhmatch.schema_version
 *   -> delete the period's rows (runs, households, flags, findings,
 *      rejects, source_counts)
 *   -> runs row with report.json as jsonb, source_counts from it
 *   -> each CSV: COPY FROM STDIN into a temporary table whose columns
 *      follow the file's header (typed like the target table, unknown
 *      columns as text), then INSERT ... SELECT with the period added
 *      (findings get region_code from the period's households)
 *   -> alerts.jsonl, when present, into alert_outbox with ON CONFLICT
 *      (alert_id) DO NOTHING; a trigger NOTIFYs hhmatch_alerts at commit
 *   -> COMMIT.  Any failure rolls back: nothing of the run is committed.
 * The migrations are embedded by scripts/pg_sql.cmake; a build without it
 * still links (weak symbols) and publish then says so.
 */
#include "connectors/pg.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libpq-fe.h>

/* ------------------------------------------------------------------ */
/* Growable strings                                                     */

typedef struct {
	char *p;
	size_t len, cap;
	int oom;
} sbuf;

static void sb_addn(sbuf *b, const char *s, size_t n)
{
	if (b->oom)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 256;
		char *p;
		while (cap < b->len + n + 1)
			cap *= 2;
		p = realloc(b->p, cap);
		if (!p) {
			b->oom = 1;
			return;
		}
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void sb_add(sbuf *b, const char *s)
{
	sb_addn(b, s, strlen(s));
}

static void sb_printf(sbuf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void sb_printf(sbuf *b, const char *fmt, ...)
{
	char tmp[256];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof tmp, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof tmp) {
		b->oom = 1; /* only used for short numeric pieces */
		return;
	}
	sb_addn(b, tmp, (size_t)n);
}

/* The string, or NULL when an allocation failed (then freed). */
static char *sb_take(sbuf *b)
{
	if (b->oom || !b->p) {
		if (!b->oom && !b->p)
			return strdup("");
		free(b->p);
		b->p = NULL;
		return NULL;
	}
	return b->p;
}

static void sb_free(sbuf *b)
{
	free(b->p);
	b->p = NULL;
	b->len = b->cap = 0;
}

/* ------------------------------------------------------------------ */
/* URIs and redaction                                                   */

int pg_is_uri(const char *s)
{
	return s && (strncmp(s, "postgresql://", 13) == 0 ||
		     strncmp(s, "postgres://", 11) == 0);
}

/* Where the password of a URI's user part is: [*from, *to). */
static int uri_password_span(const char *uri, size_t *from, size_t *to)
{
	const char *p = strstr(uri, "://");
	const char *end, *at = NULL, *colon;

	if (!p || !pg_is_uri(uri))
		return 0;
	p += 3;
	end = p + strcspn(p, "/?#");
	for (const char *q = p; q < end; q++)
		if (*q == '@')
			at = q;
	if (!at)
		return 0;
	colon = memchr(p, ':', (size_t)(at - p));
	if (!colon)
		return 0;
	*from = (size_t)(colon + 1 - uri);
	*to = (size_t)(at - uri);
	return 1;
}

void pg_redact(const char *uri, char *out, size_t cap)
{
	size_t from = 0, to = 0, i = 0, o = 0;
	int has_user_pw;

	if (!out || cap == 0)
		return;
	if (!uri)
		uri = "";
	has_user_pw = uri_password_span(uri, &from, &to);
#define PUT(c)                          \
	do {                                \
		if (o + 1 < cap)                \
			out[o++] = (c);             \
	} while (0)
	while (uri[i]) {
		if (has_user_pw && i == from) {
			PUT('*');
			PUT('*');
			PUT('*');
			i = to;
			continue;
		}
		/* password=... as a URI parameter or a conninfo keyword */
		if (strncmp(uri + i, "password=", 9) == 0 &&
		    (i == 0 || strchr("?& \t", uri[i - 1]))) {
			for (size_t k = 0; k < 9; k++)
				PUT(uri[i + k]);
			i += 9;
			PUT('*');
			PUT('*');
			PUT('*');
			if (uri[i] == '\'') { /* quoted conninfo value */
				for (i++; uri[i] && uri[i] != '\''; i++)
					if (uri[i] == '\\' && uri[i + 1])
						i++;
				if (uri[i])
					i++;
			} else {
				while (uri[i] && !strchr("& \t#", uri[i]))
					i++;
			}
			continue;
		}
		PUT(uri[i]);
		i++;
	}
#undef PUT
	out[o] = '\0';
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Percent-decodes s[0..n) into a new string; NULL on a bad escape or
 * an encoded NUL (*bad = 1) or no memory (*bad = 0). */
static char *url_decode(const char *s, size_t n, int *bad)
{
	char *o = malloc(n + 1);
	size_t j = 0;

	*bad = 0;
	if (!o)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '%') {
			int h, l;
			if (i + 2 >= n) {
				free(o);
				*bad = 1;
				return NULL;
			}
			h = hexval((unsigned char)s[i + 1]);
			l = hexval((unsigned char)s[i + 2]);
			if (h < 0 || l < 0 || (h == 0 && l == 0)) {
				free(o);
				*bad = 1;
				return NULL;
			}
			o[j++] = (char)(h * 16 + l);
			i += 2;
		} else {
			o[j++] = s[i];
		}
	}
	o[j] = '\0';
	return o;
}

/* A parsed source or store URI. */
typedef struct {
	char *conn;     /* for libpq: without table= and query= */
	char *table;    /* decoded, or NULL */
	char *query;    /* decoded, or NULL */
	char *password; /* decoded password, if the URI has one, for scrubbing */
	char shown[512];/* redacted, for messages */
} pg_uri;

static void pg_uri_free(pg_uri *u)
{
	free(u->conn);
	free(u->table);
	free(u->query);
	if (u->password) {
		memset(u->password, 0, strlen(u->password));
		free(u->password);
	}
	memset(u, 0, sizeof *u);
}

static hh_status pg_uri_parse(const char *uri, pg_uri *u, hh_err *err)
{
	const char *q;
	sbuf conn = {0};
	size_t from, to;
	int first = 1, bad = 0;

	memset(u, 0, sizeof *u);
	pg_redact(uri, u->shown, sizeof u->shown);
	if (!pg_is_uri(uri))
		return hh_fail(err, HH_EUSAGE,
			       "%s: not a PostgreSQL URI (postgresql://...)",
			       u->shown);
	if (uri_password_span(uri, &from, &to) && to > from) {
		u->password = url_decode(uri + from, to - from, &bad);
		if (!u->password && !bad)
			goto oom;
	}
	q = strchr(uri, '?');
	sb_addn(&conn, uri, q ? (size_t)(q - uri) : strlen(uri));
	while (q && *q) {
		const char *p = q + 1, *end = p + strcspn(p, "&#"), *eq;
		q = *end == '&' ? end : NULL;
		if (end == p)
			continue;
		eq = memchr(p, '=', (size_t)(end - p));
		if (eq && ((eq - p == 5 && strncmp(p, "table", 5) == 0) ||
			   (eq - p == 5 && strncmp(p, "query", 5) == 0))) {
			char **slot = p[0] == 't' ? &u->table : &u->query;
			char *v = url_decode(eq + 1, (size_t)(end - eq - 1),
					     &bad);
			if (!v) {
				sb_free(&conn);
				pg_uri_free(u);
				pg_redact(uri, u->shown, sizeof u->shown);
				if (!bad)
					goto oom;
				return hh_fail(err, HH_EUSAGE,
					       "%s: bad %%-escape in the %.5s parameter",
					       u->shown, p);
			}
			free(*slot);
			*slot = v;
			continue;
		}
		sb_add(&conn, first ? "?" : "&");
		sb_addn(&conn, p, (size_t)(end - p));
		first = 0;
	}
	u->conn = sb_take(&conn);
	if (!u->conn)
		goto oom;
	return HH_OK;
oom:
	sb_free(&conn);
	pg_uri_free(u);
	return hh_fail(err, HH_EINTERNAL, "out of memory parsing a URI");
}

/* ------------------------------------------------------------------ */
/* Connections and messages                                             */

static void notice_drop(void *arg, const char *message)
{
	(void)arg;
	(void)message;
}

/* One-line text of a libpq error: primary message, detail, and where
 * (COPY line or context), newlines folded, the password scrubbed. */
static void pq_errtext(const PGresult *r, PGconn *c, const pg_uri *u,
		       char *out, size_t cap)
{
	const char *prim = r ? PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY)
			     : NULL;
	size_t o = 0;

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
			m = c ? PQerrorMessage(c) : "";
		if (!m || !*m)
			m = "unknown error";
		snprintf(out, cap, "%s", m);
	}
	/* fold newlines and tabs, trim the end */
	for (size_t i = 0; out[i]; i++) {
		char ch = out[i];
		if (ch == '\n' || ch == '\r' || ch == '\t')
			ch = ' ';
		if (ch == ' ' && o > 0 && out[o - 1] == ' ')
			continue;
		out[o++] = ch;
	}
	while (o > 0 && out[o - 1] == ' ')
		o--;
	out[o] = '\0';
	/* never echo a password */
	if (u && u->password && u->password[0]) {
		size_t pl = strlen(u->password);
		char *from = out, *hit;
		while ((hit = strstr(from, u->password)) != NULL) {
			if (pl >= 3) {
				memmove(hit + 3, hit + pl, strlen(hit + pl) + 1);
				memcpy(hit, "***", 3);
				from = hit + 3;
			} else {
				memset(hit, '*', pl);
				from = hit + pl;
			}
		}
	}
}

static hh_status pg_connect(const pg_uri *u, hh_status fail_st,
			    const char *what, PGconn **out, hh_err *err)
{
	const char *keys[] = {"dbname", "fallback_application_name", NULL};
	const char *vals[] = {u->conn, "hhmatch", NULL};
	char msg[600];
	PGconn *c;
	PGresult *r;

	*out = NULL;
	c = PQconnectdbParams(keys, vals, 1);
	if (!c)
		return hh_fail(err, HH_EINTERNAL,
			       "%s%s: out of memory connecting", what, u->shown);
	if (PQstatus(c) != CONNECTION_OK) {
		pq_errtext(NULL, c, u, msg, sizeof msg);
		PQfinish(c);
		return hh_fail(err, fail_st, "%s%s: cannot connect: %s", what,
			       u->shown, msg);
	}
	PQsetNoticeProcessor(c, notice_drop, NULL);
	if (PQsetClientEncoding(c, "UTF8") != 0) {
		pq_errtext(NULL, c, u, msg, sizeof msg);
		PQfinish(c);
		return hh_fail(err, fail_st,
			       "%s%s: cannot set client encoding UTF8: %s", what,
			       u->shown, msg);
	}
	r = PQexec(c, "SET DateStyle = 'ISO, YMD'; "
		      "SET client_min_messages = warning");
	if (PQresultStatus(r) != PGRES_COMMAND_OK) {
		pq_errtext(r, c, u, msg, sizeof msg);
		PQclear(r);
		PQfinish(c);
		return hh_fail(err, fail_st, "%s%s: session setup failed: %s",
			       what, u->shown, msg);
	}
	PQclear(r);
	*out = c;
	return HH_OK;
}

/* PQescapeIdentifier into a malloc'd string (free with free()). */
static char *quote_ident(PGconn *c, const char *s)
{
	char *q = PQescapeIdentifier(c, s, strlen(s));
	char *r;

	if (!q)
		return NULL;
	r = strdup(q);
	PQfreemem(q);
	return r;
}

/* ------------------------------------------------------------------ */
/* Sources                                                              */

/* Splits "schema.name" (parts optionally in double quotes) into parts;
 * *schema is NULL when there is no dot.  Returns 0 on a malformed name. */
static int split_table(const char *s, char **schema, char **name)
{
	char *parts[2] = {NULL, NULL};
	int np = 0;
	const char *p = s;

	*schema = *name = NULL;
	while (np < 2) {
		sbuf b = {0};
		if (*p == '"') {
			for (p++;; p++) {
				if (!*p)
					goto bad_b;
				if (*p == '"') {
					if (p[1] == '"') {
						sb_addn(&b, p, 1);
						p++;
						continue;
					}
					p++;
					break;
				}
				sb_addn(&b, p, 1);
			}
			if (*p && *p != '.')
				goto bad_b;
		} else {
			size_t n = strcspn(p, ".");
			sb_addn(&b, p, n);
			p += n;
		}
		if (b.len == 0)
			goto bad_b;
		parts[np] = sb_take(&b);
		if (!parts[np])
			goto bad;
		np++;
		if (*p != '.')
			break;
		p++;
		continue;
bad_b:
		sb_free(&b);
		goto bad;
	}
	if (*p)
		goto bad;
	if (np == 2) {
		*schema = parts[0];
		*name = parts[1];
	} else {
		*name = parts[0];
	}
	return 1;
bad:
	free(parts[0]);
	free(parts[1]);
	return 0;
}

/* Block counts measured once per process per (connection, table), so that
 * the slices of one read split at the same boundaries. */
#define BLOCK_CACHE 32
#define BLOCK_KEY 1024
static struct {
	char key[BLOCK_KEY];
	long long blocks;
} block_cache[BLOCK_CACHE];
static int block_cache_n;
static pthread_mutex_t block_cache_mu = PTHREAD_MUTEX_INITIALIZER;

typedef struct {
	PGconn *conn;
	char *row;       /* current CopyData message (libpq memory) */
	size_t row_len, row_off;
	int done;        /* COPY finished, connection closed */
	pg_uri uri;
	char source[128];
} pgsrc;

static void pgsrc_free(pgsrc *s)
{
	if (!s)
		return;
	if (s->row)
		PQfreemem(s->row);
	if (s->conn)
		PQfinish(s->conn);
	pg_uri_free(&s->uri);
	free(s);
}

static int lost_connection(PGconn *c, const PGresult *r)
{
	const char *st = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;

	if (PQstatus(c) == CONNECTION_BAD)
		return 1;
	if (!st)
		return r == NULL;
	/* 08: connection exception; 57P01-57P03: admin/crash shutdown,
	 * cannot connect now (pg_terminate_backend gives 57P01) */
	return strncmp(st, "08", 2) == 0 || strncmp(st, "57P0", 4) == 0;
}

/* Fails the stream: fills err, closes everything.  The stream will not
 * call us again. */
static hh_status pgsrc_fail(pgsrc *s, const PGresult *r, hh_err *err)
{
	char msg[700];
	hh_status st;
	int lost = lost_connection(s->conn, r);

	pq_errtext(r, s->conn, &s->uri, msg, sizeof msg);
	st = hh_fail(err, HH_EINPUT, "%s%s%s: %s: %s", s->source,
		     s->source[0] ? ": " : "", s->uri.shown,
		     lost ? "connection lost during COPY" : "COPY failed", msg);
	pgsrc_free(s);
	return st;
}

static hh_status pgsrc_pull(void *ctx, char *buf, size_t cap, size_t *n,
			    hh_err *err)
{
	pgsrc *s = ctx;
	int consumed = 0;

	*n = 0;
	if (s->done) {
		pgsrc_free(s); /* end of input: never called again */
		return HH_OK;
	}
	while (*n < cap) {
		int len;

		if (s->row_off < s->row_len) {
			size_t k = s->row_len - s->row_off;
			if (k > cap - *n)
				k = cap - *n;
			memcpy(buf + *n, s->row + s->row_off, k);
			s->row_off += k;
			*n += k;
			continue;
		}
		if (s->row) {
			PQfreemem(s->row);
			s->row = NULL;
			s->row_len = s->row_off = 0;
		}
		/* Fill the buffer with what has arrived; block only when
		 * there is nothing to hand over yet. */
		len = PQgetCopyData(s->conn, &s->row, 1);
		if (len == 0 && *n > 0 && !consumed) {
			consumed = 1;
			if (PQconsumeInput(s->conn))
				continue;
		}
		if (len == 0 && *n > 0)
			return HH_OK;
		if (len == 0)
			len = PQgetCopyData(s->conn, &s->row, 0);
		if (len > 0) {
			s->row_len = (size_t)len;
			continue;
		}
		if (len == -1) {
			/* COPY done: its result says whether it all went */
			PGresult *r = PQgetResult(s->conn);
			PGresult *more;
			if (PQresultStatus(r) != PGRES_COMMAND_OK) {
				hh_status st = pgsrc_fail(s, r, err);
				PQclear(r);
				return st;
			}
			PQclear(r);
			while ((more = PQgetResult(s->conn)) != NULL)
				PQclear(more);
			if (*n > 0) {
				/* hand these over; the next call says end */
				PQfinish(s->conn);
				s->conn = NULL;
				s->done = 1;
				return HH_OK;
			}
			pgsrc_free(s); /* end of input: never called again */
			return HH_OK;
		}
		{
			/* -2: the connection broke */
			PGresult *r = PQgetResult(s->conn);
			hh_status st = pgsrc_fail(s, r, err);
			PQclear(r);
			return st;
		}
	}
	return HH_OK;
}

/* Runs a one-row, one-column query with text params; copies the value. */
static hh_status query_value(pgsrc *s, const char *sql, int nparams,
			     const char *const *params, char *out, size_t cap,
			     int *isnull, hh_err *err)
{
	char msg[600];
	PGresult *r = PQexecParams(s->conn, sql, nparams, NULL, params, NULL,
				   NULL, 0);

	if (PQresultStatus(r) != PGRES_TUPLES_OK) {
		pq_errtext(r, s->conn, &s->uri, msg, sizeof msg);
		PQclear(r);
		return hh_fail(err, HH_EINPUT, "%s%s%s: %s", s->source,
			       s->source[0] ? ": " : "", s->uri.shown, msg);
	}
	*isnull = PQntuples(r) == 0 || PQgetisnull(r, 0, 0);
	snprintf(out, cap, "%s", *isnull ? "" : PQgetvalue(r, 0, 0));
	PQclear(r);
	return HH_OK;
}

/* Builds the SELECT for a table: ctid slices for plain tables and
 * materialized views, hash slices otherwise. */
static hh_status table_select(pgsrc *s, int slice, int nslices, sbuf *sel,
			      int *hashed, hh_err *err)
{
	char *schema = NULL, *name = NULL, *qs = NULL, *qn = NULL;
	char kind[8], val[64], key[BLOCK_KEY];
	sbuf qual = {0};
	const char *params[1];
	long long blocks = -1;
	int isnull;
	hh_status st = HH_OK;

	if (!split_table(s->uri.table, &schema, &name))
		return hh_fail(err, HH_EUSAGE,
			       "%s%s%s: bad table name (schema.name, a part in double quotes may hold dots)",
			       s->source, s->source[0] ? ": " : "",
			       s->uri.shown);
	qn = quote_ident(s->conn, name);
	qs = schema ? quote_ident(s->conn, schema) : NULL;
	if (!qn || (schema && !qs)) {
		st = hh_fail(err, HH_EINTERNAL, "%s: cannot quote the table name",
			     s->uri.shown);
		goto out;
	}
	if (qs) {
		sb_add(&qual, qs);
		sb_add(&qual, ".");
	}
	sb_add(&qual, qn);
	if (qual.oom) {
		st = hh_fail(err, HH_EINTERNAL, "out of memory");
		goto out;
	}
	params[0] = qual.p;
	st = query_value(s,
			 "SELECT c.relkind FROM pg_class c WHERE c.oid = to_regclass($1)",
			 1, params, kind, sizeof kind, &isnull, err);
	if (st != HH_OK)
		goto out;
	if (isnull) {
		st = hh_fail(err, HH_EINPUT,
			     "%s%s%s: table %s not found (or not visible to this user)",
			     s->source, s->source[0] ? ": " : "", s->uri.shown,
			     qual.p);
		goto out;
	}
	if ((kind[0] == 'r' || kind[0] == 'm') && nslices > 1) {
		snprintf(key, sizeof key, "%s\n%s", s->uri.conn, qual.p);
		pthread_mutex_lock(&block_cache_mu);
		for (int i = 0; i < block_cache_n; i++)
			if (strcmp(block_cache[i].key, key) == 0)
				blocks = block_cache[i].blocks;
		pthread_mutex_unlock(&block_cache_mu);
		if (blocks < 0) {
			st = query_value(s,
					 "SELECT pg_relation_size(to_regclass($1)) / "
					 "current_setting('block_size')::bigint",
					 1, params, val, sizeof val, &isnull, err);
			if (st != HH_OK)
				goto out;
			blocks = isnull ? 0 : strtoll(val, NULL, 10);
			pthread_mutex_lock(&block_cache_mu);
			for (int i = 0; i < block_cache_n; i++)
				if (strcmp(block_cache[i].key, key) == 0)
					blocks = block_cache[i].blocks;
			if (block_cache_n < BLOCK_CACHE &&
			    strlen(key) < BLOCK_KEY - 1) {
				int dup = 0;
				for (int i = 0; i < block_cache_n; i++)
					dup |= strcmp(block_cache[i].key, key) == 0;
				if (!dup) {
					memcpy(block_cache[block_cache_n].key, key,
					       strlen(key) + 1);
					block_cache[block_cache_n].blocks = blocks;
					block_cache_n++;
				}
			}
			pthread_mutex_unlock(&block_cache_mu);
		}
	}
	if (kind[0] == 'r' || kind[0] == 'm') {
		sb_add(sel, "SELECT ((t.ctid::text::point)[0]::bigint * 65536 + "
			    "(t.ctid::text::point)[1]::bigint) AS hh_row, t.* FROM ");
		sb_add(sel, qual.p);
		sb_add(sel, " AS t");
		if (nslices > 1) {
			long long lo = blocks * slice / nslices;
			long long hi = blocks * (slice + 1) / nslices;
			const char *w = " WHERE ";
			if (slice > 0) {
				sb_printf(sel, "%st.ctid >= '(%lld,0)'::tid", w, lo);
				w = " AND ";
			}
			if (slice < nslices - 1)
				sb_printf(sel, "%st.ctid < '(%lld,0)'::tid", w, hi);
		}
	} else {
		sb_add(sel, "SELECT * FROM ");
		sb_add(sel, qual.p);
		*hashed = 1;
	}
out:
	free(schema);
	free(name);
	free(qs);
	free(qn);
	sb_free(&qual);
	return st;
}

/* Wraps a SELECT in the hash slicing of a query. */
static void query_select(const char *q, int slice, int nslices, sbuf *sel)
{
	size_t n = strlen(q);

	while (n > 0 && (isspace((unsigned char)q[n - 1]) || q[n - 1] == ';'))
		n--;
	if (nslices > 1)
		sb_printf(sel, "SELECT (row_number() OVER () - 1) * %d + %d "
			       "AS hh_row, t.* FROM (\n",
			  nslices, slice + 1);
	else
		sb_add(sel, "SELECT row_number() OVER () AS hh_row, t.* FROM (\n");
	sb_addn(sel, q, n);
	sb_add(sel, "\n) AS t");
	if (nslices > 1)
		sb_printf(sel, " WHERE (hashtext(t::text)::bigint & 2147483647) "
			       "%% %d = %d",
			  nslices, slice);
}

hh_status pgsrc_open(const char *uri, int slice, int nslices,
		     const ins_opts *opts, hh_instream **out, hh_err *err)
{
	pgsrc *s;
	sbuf sel = {0}, copy = {0};
	ins_opts o = {0};
	PGresult *r;
	hh_status st;

	if (out)
		*out = NULL;
	if (!uri || !out || nslices < 1 || slice < 0 || slice >= nslices)
		return hh_fail(err, HH_EINTERNAL,
			       "pgsrc_open: bad arguments (slice %d of %d)",
			       slice, nslices);
	s = calloc(1, sizeof *s);
	if (!s)
		return hh_fail(err, HH_EINTERNAL, "out of memory");
	if (opts && opts->source)
		snprintf(s->source, sizeof s->source, "%s", opts->source);
	st = pg_uri_parse(uri, &s->uri, err);
	if (st != HH_OK) {
		if (s->source[0])
			hh_wrap(err, st, "%s", s->source);
		free(s);
		return st;
	}
	if (!s->uri.table == !s->uri.query) {
		st = hh_fail(err, HH_EUSAGE,
			     "%s%s%s: give exactly one of ?table=schema.name or ?query=SELECT...",
			     s->source, s->source[0] ? ": " : "", s->uri.shown);
		goto fail;
	}
	st = pg_connect(&s->uri, HH_EINPUT, "", &s->conn, err);
	if (st != HH_OK) {
		if (s->source[0])
			hh_wrap(err, st, "%s", s->source);
		goto fail;
	}
	if (s->uri.table) {
		int hashed = 0;
		st = table_select(s, slice, nslices, &sel, &hashed, err);
		if (st != HH_OK)
			goto fail;
		if (hashed) {
			/* no ctid: slice it as a query */
			char *q = sb_take(&sel);
			sel = (sbuf){0};
			if (!q) {
				st = hh_fail(err, HH_EINTERNAL, "out of memory");
				goto fail;
			}
			query_select(q, slice, nslices, &sel);
			free(q);
		}
	} else {
		query_select(s->uri.query, slice, nslices, &sel);
	}
	sb_add(&copy, "COPY (");
	if (sel.p)
		sb_add(&copy, sel.p);
	sb_add(&copy, ") TO STDOUT WITH (FORMAT csv, HEADER)");
	if (sel.oom || copy.oom) {
		st = hh_fail(err, HH_EINTERNAL, "out of memory");
		goto fail;
	}
	r = PQexec(s->conn, copy.p);
	if (PQresultStatus(r) != PGRES_COPY_OUT) {
		char msg[600];
		int lost = lost_connection(s->conn, r);
		pq_errtext(r, s->conn, &s->uri, msg, sizeof msg);
		PQclear(r);
		st = hh_fail(err, HH_EINPUT, "%s%s%s: %s: %s",
			     s->source, s->source[0] ? ": " : "", s->uri.shown,
			     lost ? "connection lost before COPY" : "cannot read", msg);
		goto fail;
	}
	PQclear(r);
	sb_free(&sel);
	sb_free(&copy);
	if (opts)
		o = *opts;
	o.encoding = HH_ENC_UTF8; /* client_encoding is UTF8 */
	st = ins_open_pull(pgsrc_pull, s, s->uri.shown, &o, out, err);
	if (st == HH_OK)
		return HH_OK;
	pgsrc_free(s);
	return st;
fail:
	sb_free(&sel);
	sb_free(&copy);
	pgsrc_free(s);
	return st;
}

/* ------------------------------------------------------------------ */
/* Store                                                                */

/* Set by gen/pg_sql_embed.c (scripts/pg_sql.cmake); weak so that a build
 * without it still links. */
extern const int hh_pg_migration_count __attribute__((weak));
extern const int hh_pg_migration_version[] __attribute__((weak));
extern const char *const hh_pg_migration_name[] __attribute__((weak));
extern const char *const hh_pg_migration_sql[] __attribute__((weak));

typedef struct {
	PGconn *conn;
	const pg_uri *uri;
	const char *dir;
	char period[16];
	hh_err *err;
} store;

/* Fails the publish with the libpq error of r (may be NULL). */
static hh_status store_fail(store *s, const PGresult *r, const char *what)
{
	char msg[700];

	pq_errtext(r, s->conn, s->uri, msg, sizeof msg);
	return hh_fail(s->err, HH_EINTERNAL, "publishing %s to %s: %s: %s",
		       s->dir, s->uri->shown, what, msg);
}

/* Ends the store's transaction: COMMIT when st is HH_OK (a COMMIT of a
 * failed transaction answers ROLLBACK, which is a failure too), else
 * ROLLBACK while the connection lives.  Returns the outcome. */
static hh_status store_finish(store *s, hh_status st)
{
	if (st == HH_OK) {
		PGresult *r = PQexec(s->conn, "COMMIT");
		if (PQresultStatus(r) != PGRES_COMMAND_OK ||
		    strcmp(PQcmdStatus(r), "COMMIT") != 0)
			st = store_fail(s, r, "COMMIT");
		PQclear(r);
	}
	if (st != HH_OK && PQstatus(s->conn) == CONNECTION_OK)
		PQclear(PQexec(s->conn, "ROLLBACK"));
	return st;
}

/* Runs sql (params as text) and checks for `want`; keeps the result in
 * *out when out is not NULL. */
static hh_status store_exec(store *s, ExecStatusType want, const char *what,
			    const char *sql, int n, const char *const *params,
			    PGresult **out)
{
	PGresult *r = n ? PQexecParams(s->conn, sql, n, NULL, params, NULL,
				       NULL, 0)
			: PQexec(s->conn, sql);
	hh_status st;

	if (out)
		*out = NULL;
	if (PQresultStatus(r) != want) {
		st = store_fail(s, r, what);
		PQclear(r);
		return st;
	}
	if (out)
		*out = r;
	else
		PQclear(r);
	return HH_OK;
}

static hh_status store_migrate(store *s)
{
	PGresult *r;
	int have = 0;
	hh_status st;

	if (&hh_pg_migration_count == NULL || hh_pg_migration_count < 1)
		return hh_fail(s->err, HH_EINTERNAL,
			       "publishing to %s: this build has no store schema "
			       "(scripts/pg_sql.cmake was not included in the build)",
			       s->uri->shown);
	st = store_exec(s, PGRES_COMMAND_OK, "creating the schema",
			"CREATE SCHEMA IF NOT EXISTS hhmatch; "
			"CREATE TABLE IF NOT EXISTS hhmatch.schema_version ("
			" version integer PRIMARY KEY, name text NOT NULL,"
			" applied timestamptz NOT NULL DEFAULT now())",
			0, NULL, NULL);
	if (st != HH_OK)
		return st;
	st = store_exec(s, PGRES_TUPLES_OK, "reading the schema version",
			"SELECT coalesce(max(version), 0) FROM hhmatch.schema_version",
			0, NULL, &r);
	if (st != HH_OK)
		return st;
	have = (int)strtol(PQgetvalue(r, 0, 0), NULL, 10);
	PQclear(r);
	if (have > hh_pg_migration_version[hh_pg_migration_count - 1])
		return hh_fail(s->err, HH_EINTERNAL,
			       "publishing to %s: the store's schema is version %d, "
			       "newer than this hhmatch knows (%d); use a newer hhmatch",
			       s->uri->shown, have,
			       hh_pg_migration_version[hh_pg_migration_count - 1]);
	for (int i = 0; i < hh_pg_migration_count; i++) {
		char v[16], what[160];
		const char *params[2];
		if (hh_pg_migration_version[i] <= have)
			continue;
		snprintf(what, sizeof what, "migration %s",
			 hh_pg_migration_name[i]);
		st = store_exec(s, PGRES_COMMAND_OK, what,
				hh_pg_migration_sql[i], 0, NULL, NULL);
		if (st != HH_OK)
			return st;
		snprintf(v, sizeof v, "%d", hh_pg_migration_version[i]);
		params[0] = v;
		params[1] = hh_pg_migration_name[i];
		st = store_exec(s, PGRES_COMMAND_OK, what,
				"INSERT INTO hhmatch.schema_version (version, name) "
				"VALUES ($1, $2)",
				2, params, NULL);
		if (st != HH_OK)
			return st;
	}
	return HH_OK;
}

/* Reads a whole (small) file into a NUL-terminated buffer. */
static hh_status read_small(store *s, const char *path, size_t max,
			    char **out)
{
	FILE *f = fopen(path, "rb");
	sbuf b = {0};
	char buf[65536];
	size_t n;

	*out = NULL;
	if (!f)
		return hh_fail(s->err, HH_EINTERNAL, "publishing %s: cannot open %s: %s",
			       s->dir, path, strerror(errno));
	while ((n = fread(buf, 1, sizeof buf, f)) > 0) {
		sb_addn(&b, buf, n);
		if (b.len > max) {
			fclose(f);
			sb_free(&b);
			return hh_fail(s->err, HH_EINTERNAL,
				       "publishing %s: %s is larger than %zu bytes",
				       s->dir, path, max);
		}
	}
	if (ferror(f)) {
		fclose(f);
		sb_free(&b);
		return hh_fail(s->err, HH_EINTERNAL, "publishing %s: cannot read %s",
			       s->dir, path);
	}
	fclose(f);
	*out = sb_take(&b);
	if (!*out)
		return hh_fail(s->err, HH_EINTERNAL, "out of memory");
	return HH_OK;
}

/* Streams the file at f (from its start) into a COPY FROM STDIN that is
 * already in progress, then ends it and checks the result. */
static hh_status copy_file_in(store *s, FILE *f, const char *what)
{
	char buf[256 * 1024];
	size_t n;
	PGresult *r;
	hh_status st;

	rewind(f);
	while ((n = fread(buf, 1, sizeof buf, f)) > 0)
		if (PQputCopyData(s->conn, buf, (int)n) != 1)
			break;
	if (ferror(f)) {
		PQputCopyEnd(s->conn, "read error");
		while ((r = PQgetResult(s->conn)) != NULL)
			PQclear(r);
		return hh_fail(s->err, HH_EINTERNAL, "publishing %s: cannot read %s",
			       s->dir, what);
	}
	if (PQputCopyEnd(s->conn, NULL) != 1)
		return store_fail(s, NULL, what);
	r = PQgetResult(s->conn);
	st = PQresultStatus(r) == PGRES_COMMAND_OK ? HH_OK
						   : store_fail(s, r, what);
	PQclear(r);
	while ((r = PQgetResult(s->conn)) != NULL)
		PQclear(r);
	return st;
}

/* Splits a CSV header line into lower-cased, trimmed names. Returns the
 * count, or -1 when the line is not a plain header. */
#define MAX_COLS 64
static int parse_header(char *line, char *names[MAX_COLS])
{
	int n = 0;
	char *p = line;

	if ((unsigned char)p[0] == 0xEF && (unsigned char)p[1] == 0xBB &&
	    (unsigned char)p[2] == 0xBF)
		p += 3;
	p[strcspn(p, "\r\n")] = '\0';
	for (;;) {
		char *start, *w;
		if (n == MAX_COLS)
			return -1;
		while (*p == ' ')
			p++;
		if (*p == '"') {
			start = w = ++p;
			for (;; p++) {
				if (!*p)
					return -1;
				if (*p == '"') {
					if (p[1] == '"') {
						*w++ = '"';
						p++;
						continue;
					}
					p++;
					break;
				}
				*w++ = *p;
			}
			*w = '\0';
			while (*p == ' ')
				p++;
			if (*p && *p != ',')
				return -1;
		} else {
			start = p;
			p += strcspn(p, ",");
			w = p;
			while (w > start && w[-1] == ' ')
				w--;
			if (*p) {
				*p = '\0';
				if (w < p)
					*w = '\0';
				names[n++] = start;
				for (char *c = start; *c; c++)
					*c = (char)tolower((unsigned char)*c);
				p++;
				continue;
			}
			*w = '\0';
			names[n++] = start;
			for (char *c = start; *c; c++)
				*c = (char)tolower((unsigned char)*c);
			return n;
		}
		names[n++] = start;
		for (char *c = start; *c; c++)
			*c = (char)tolower((unsigned char)*c);
		if (!*p)
			return n;
		p++; /* the comma */
	}
}

/* Loads dir/<table>.csv into hhmatch.<table> for the period. */
static hh_status load_csv(store *s, const char *table)
{
	char path[4096], line[8192], sql[256], what[160], tmp[80];
	char *names[MAX_COLS];
	int ncol, use[MAX_COLS];
	FILE *f;
	PGresult *cols = NULL;
	sbuf create = {0}, ins = {0}, sel = {0};
	hh_status st = HH_OK;
	int has_region = 0, has_household = 0, want_region = 0;
	const char *params[1];

	snprintf(what, sizeof what, "%s.csv", table);
	snprintf(tmp, sizeof tmp, "hh_load_%s", table);
	snprintf(path, sizeof path, "%s/%s.csv", s->dir, table);
	f = fopen(path, "rb");
	if (!f)
		return hh_fail(s->err, HH_EINTERNAL,
			       "publishing %s: cannot open %s: %s", s->dir,
			       what, strerror(errno));
	if (!fgets(line, sizeof line, f) ||
	    (ncol = parse_header(line, names)) < 1) {
		fclose(f);
		return hh_fail(s->err, HH_EINTERNAL,
			       "publishing %s: %s: no usable header row", s->dir,
			       what);
	}

	/* the target's columns: name, type, required */
	snprintf(sql, sizeof sql, "hhmatch.%s", table);
	params[0] = sql;
	st = store_exec(s, PGRES_TUPLES_OK, what,
			"SELECT attname, format_type(atttypid, atttypmod), "
			"attnotnull AND NOT atthasdef FROM pg_attribute "
			"WHERE attrelid = $1::regclass AND attnum > 0 "
			"AND NOT attisdropped ORDER BY attnum",
			1, params, &cols);
	if (st != HH_OK)
		goto out;

	sb_printf(&create, "CREATE TEMP TABLE %s (", tmp);
	for (int i = 0; i < ncol; i++) {
		const char *type = "text";
		char *qi;
		use[i] = 0;
		for (int j = 0; j < i; j++)
			if (strcmp(names[i], names[j]) == 0)
				goto unknown; /* a repeat: load, ignore */
		if (strcmp(names[i], "period") == 0)
			goto unknown;
		for (int r = 0; r < PQntuples(cols); r++)
			if (strcmp(PQgetvalue(cols, r, 0), names[i]) == 0) {
				type = PQgetvalue(cols, r, 1);
				use[i] = 1;
			}
unknown:
		if (use[i]) {
			qi = quote_ident(s->conn, names[i]);
		} else {
			char alias[32];
			snprintf(alias, sizeof alias, "hh_ignored_%d", i + 1);
			qi = strdup(alias);
		}
		if (!qi) {
			st = hh_fail(s->err, HH_EINTERNAL, "out of memory");
			goto out;
		}
		sb_add(&create, i ? ", " : "");
		sb_add(&create, qi);
		sb_add(&create, " ");
		sb_add(&create, type);
		if (use[i]) {
			sb_add(&ins, ", ");
			sb_add(&ins, qi);
			sb_add(&sel, ", l.");
			sb_add(&sel, qi);
		}
		free(qi);
		if (use[i] && strcmp(names[i], "region_code") == 0)
			has_region = 1;
		if (use[i] && strcmp(names[i], "household_id") == 0)
			has_household = 1;
	}
	sb_add(&create, ") ON COMMIT DROP");

	/* required columns present? */
	for (int r = 0; r < PQntuples(cols); r++) {
		const char *cn = PQgetvalue(cols, r, 0);
		int found = 0;
		if (strcmp(cn, "region_code") == 0 &&
		    strcmp(table, "findings") == 0)
			want_region = !has_region && has_household;
		if (strcmp(cn, "period") == 0 || PQgetvalue(cols, r, 2)[0] != 't')
			continue;
		for (int i = 0; i < ncol; i++)
			found |= use[i] && strcmp(names[i], cn) == 0;
		if (!found) {
			st = hh_fail(s->err, HH_EINTERNAL,
				     "publishing %s: %s: missing column %s",
				     s->dir, what, cn);
			goto out;
		}
	}
	if (create.oom || ins.oom || sel.oom) {
		st = hh_fail(s->err, HH_EINTERNAL, "out of memory");
		goto out;
	}
	st = store_exec(s, PGRES_COMMAND_OK, what, create.p, 0, NULL, NULL);
	if (st != HH_OK)
		goto out;
	snprintf(sql, sizeof sql,
		 "COPY %s FROM STDIN WITH (FORMAT csv, HEADER true)", tmp);
	st = store_exec(s, PGRES_COPY_IN, what, sql, 0, NULL, NULL);
	if (st != HH_OK)
		goto out;
	st = copy_file_in(s, f, what);
	if (st != HH_OK)
		goto out;

	{
		sbuf q = {0};
		params[0] = s->period;
		sb_printf(&q, "INSERT INTO hhmatch.%s (period", table);
		sb_add(&q, ins.p ? ins.p : "");
		if (want_region)
			sb_add(&q, ", region_code");
		sb_add(&q, ") SELECT $1::integer");
		sb_add(&q, sel.p ? sel.p : "");
		if (want_region)
			sb_add(&q, ", h.region_code");
		sb_printf(&q, " FROM %s AS l", tmp);
		if (want_region)
			sb_add(&q, " LEFT JOIN hhmatch.households AS h "
				   "ON h.period = $1::integer "
				   "AND h.household_id = l.household_id");
		if (q.oom) {
			sb_free(&q);
			st = hh_fail(s->err, HH_EINTERNAL, "out of memory");
			goto out;
		}
		st = store_exec(s, PGRES_COMMAND_OK, what, q.p, 1, params, NULL);
		sb_free(&q);
		if (st != HH_OK)
			goto out;
		snprintf(sql, sizeof sql, "DROP TABLE %s", tmp);
		st = store_exec(s, PGRES_COMMAND_OK, what, sql, 0, NULL, NULL);
	}
out:
	PQclear(cols);
	sb_free(&create);
	sb_free(&ins);
	sb_free(&sel);
	fclose(f);
	return st;
}

static hh_status load_report(store *s)
{
	char path[4096];
	char *json = NULL;
	const char *params[2];
	PGresult *r;
	hh_status st;

	snprintf(path, sizeof path, "%s/report.json", s->dir);
	st = read_small(s, path, 256u << 20, &json);
	if (st != HH_OK)
		return st;
	params[0] = s->period;
	params[1] = json;
	st = store_exec(s, PGRES_TUPLES_OK, "report.json",
		"INSERT INTO hhmatch.runs (period, key_id, version, started, report) "
		"SELECT $1::integer, j->>'key_id', "
		" coalesce(j->>'hhmatch_version', j->>'version', j#>>'{hhmatch,version}'), "
		" CASE WHEN coalesce(j->>'started', j#>>'{timings,started}') "
		"       ~ '^\\d{4}-\\d\\d-\\d\\d[ T]\\d\\d:\\d\\d' "
		"  THEN coalesce(j->>'started', j#>>'{timings,started}')::timestamptz END, "
		" j FROM (SELECT $2::jsonb AS j) AS x "
		"RETURNING coalesce(report->>'period', '')",
		2, params, &r);
	free(json);
	if (st != HH_OK)
		return st;
	if (PQgetvalue(r, 0, 0)[0] && strcmp(PQgetvalue(r, 0, 0), s->period)) {
		st = hh_fail(s->err, HH_EINTERNAL,
			     "publishing %s: report.json is for period %s, not %s",
			     s->dir, PQgetvalue(r, 0, 0), s->period);
		PQclear(r);
		return st;
	}
	PQclear(r);
	/* per-source counts: report.json's "sources", an object keyed by
	 * source name or an array of objects with a "source" member; absent
	 * sources (not objects) are skipped */
	params[0] = s->period;
	return store_exec(s, PGRES_COMMAND_OK, "report.json: source counts",
		"INSERT INTO hhmatch.source_counts (period, source, file, sha256,"
		" rows_read, rows_accepted, rows_rejected, persons,"
		" persons_on_roster, rejects_by_reason) "
		"SELECT $1::integer, e.name, e.v->>'file', e.v->>'sha256',"
		" (e.v->>'rows_read')::bigint, (e.v->>'rows_accepted')::bigint,"
		" (e.v->>'rows_rejected')::bigint, (e.v->>'persons')::bigint,"
		" (e.v->>'persons_on_roster')::bigint,"
		" coalesce(e.v->'rejects_by_reason', e.v->'rejects') "
		"FROM hhmatch.runs AS r, LATERAL ("
		"  SELECT o.key AS name, o.value AS v FROM jsonb_each("
		"   CASE WHEN jsonb_typeof(r.report->'sources') = 'object'"
		"   THEN r.report->'sources' ELSE '{}'::jsonb END) AS o"
		"  UNION ALL"
		"  SELECT coalesce(a.value->>'source', a.value->>'name'), a.value"
		"  FROM jsonb_array_elements("
		"   CASE WHEN jsonb_typeof(r.report->'sources') = 'array'"
		"   THEN r.report->'sources' ELSE '[]'::jsonb END) AS a"
		") AS e "
		"WHERE r.period = $1::integer AND jsonb_typeof(e.v) = 'object'"
		" AND e.name IS NOT NULL",
		1, params, NULL);
}

/* alerts.jsonl: one JSON object a line.  COPY in CSV mode with a
 * delimiter and a quote that valid JSON text cannot hold raw (0x01,
 * 0x02) takes each line verbatim. */
static hh_status load_alerts(store *s)
{
	char path[4096];
	const char *params[1];
	FILE *f;
	hh_status st;

	snprintf(path, sizeof path, "%s/alerts.jsonl", s->dir);
	f = fopen(path, "rb");
	if (!f) {
		if (errno == ENOENT)
			return HH_OK;
		return hh_fail(s->err, HH_EINTERNAL,
			       "publishing %s: cannot open alerts.jsonl: %s",
			       s->dir, strerror(errno));
	}
	st = store_exec(s, PGRES_COMMAND_OK, "alerts.jsonl",
			"CREATE TEMP TABLE hh_load_alerts (line text) ON COMMIT DROP",
			0, NULL, NULL);
	if (st == HH_OK)
		st = store_exec(s, PGRES_COPY_IN, "alerts.jsonl",
				"COPY hh_load_alerts FROM STDIN WITH (FORMAT csv, "
				"DELIMITER E'\\x01', QUOTE E'\\x02')",
				0, NULL, NULL);
	if (st == HH_OK)
		st = copy_file_in(s, f, "alerts.jsonl");
	fclose(f);
	if (st != HH_OK)
		return st;
	params[0] = s->period;
	st = store_exec(s, PGRES_COMMAND_OK, "alerts.jsonl",
		"INSERT INTO hhmatch.alert_outbox (alert_id, period, household_id,"
		" kind, risk_level, reasons, payload) "
		"SELECT j->>'alert_id', coalesce((j->>'period')::integer, $1::integer),"
		" j->>'household_id', j->>'kind', j->>'risk_level',"
		" CASE jsonb_typeof(j->'reasons') WHEN 'array' THEN"
		"  (SELECT string_agg(x, ';') FROM jsonb_array_elements_text(j->'reasons') AS x)"
		"  ELSE j->>'reasons' END,"
		" j FROM (SELECT line::jsonb AS j FROM hh_load_alerts"
		"         WHERE line IS NOT NULL AND btrim(line) <> '') AS a "
		"ON CONFLICT (alert_id) DO NOTHING",
		1, params, NULL);
	if (st == HH_OK)
		st = store_exec(s, PGRES_COMMAND_OK, "alerts.jsonl",
				"DROP TABLE hh_load_alerts", 0, NULL, NULL);
	return st;
}

hh_status pgstore_publish(const char *uri, const char *dir, int period,
			  hh_err *err)
{
	static const char *const tables[] = {"households", "flags",
					     "findings", "rejects"};
	pg_uri u;
	store s = {0};
	const char *params[1];
	hh_status st;

	if (!uri || !dir)
		return hh_fail(err, HH_EINTERNAL, "pgstore_publish: no uri or dir");
	if (period < 190001 || period > 999912 || period % 100 < 1 ||
	    period % 100 > 12)
		return hh_fail(err, HH_EUSAGE, "publishing %s: bad period %d",
			       dir, period);
	st = pg_uri_parse(uri, &u, err);
	if (st != HH_OK)
		return st;
	if (u.table || u.query) {
		st = hh_fail(err, HH_EUSAGE,
			     "%s: a store URI takes no table= or query=", u.shown);
		pg_uri_free(&u);
		return st;
	}
	s.uri = &u;
	s.dir = dir;
	s.err = err;
	snprintf(s.period, sizeof s.period, "%d", period);
	st = pg_connect(&u, HH_EINTERNAL, "publishing to ", &s.conn, err);
	if (st != HH_OK) {
		pg_uri_free(&u);
		return st;
	}
	params[0] = s.period;
	st = store_exec(&s, PGRES_COMMAND_OK, "BEGIN", "BEGIN", 0, NULL, NULL);
	if (st == HH_OK) /* one publisher or migration at a time */
		st = store_exec(&s, PGRES_TUPLES_OK, "lock",
				"SELECT pg_advisory_xact_lock(hashtext('hhmatch.store'))",
				0, NULL, NULL);
	if (st == HH_OK)
		st = store_migrate(&s);
	/* The period's earlier run, table by table (fixed names, not input). */
	static const char *const period_tables[] = {
		"households", "flags", "findings", "rejects", "source_counts", "runs",
		"explain"};
	for (size_t i = 0; st == HH_OK && i < sizeof period_tables / sizeof *period_tables;
	     i++) {
		char sql[128];
		snprintf(sql, sizeof sql, "DELETE FROM hhmatch.%s WHERE period = $1::integer",
			 period_tables[i]);
		st = store_exec(&s, PGRES_COMMAND_OK, "deleting the earlier run", sql, 1,
				params, NULL);
	}
	if (st == HH_OK)
		st = load_report(&s);
	for (size_t i = 0; st == HH_OK && i < sizeof tables / sizeof *tables; i++)
		st = load_csv(&s, tables[i]);
	if (st == HH_OK) { /* explain.csv when the run wrote one (002_audit_log.sql) */
		char path[4096];
		snprintf(path, sizeof path, "%s/explain.csv", dir);
		if (access(path, F_OK) == 0)
			st = load_csv(&s, "explain");
	}
	if (st == HH_OK)
		st = load_alerts(&s);
	st = store_finish(&s, st);
	PQfinish(s.conn);
	pg_uri_free(&u);
	return st;
}

/* ------------------------------------------------------------------ */
/* For other store readers and writers (connectors/pgaudit.c)           */

hh_status pgstore_connect(const char *uri, const char *what,
			  struct pg_conn **out, hh_err *err)
{
	pg_uri u;
	hh_status st;

	*out = NULL;
	st = pg_uri_parse(uri, &u, err);
	if (st != HH_OK)
		return st;
	if (u.table || u.query)
		st = hh_fail(err, HH_EUSAGE, "%s: a store URI takes no table= or query=",
			     u.shown);
	else
		st = pg_connect(&u, HH_EINPUT, what, out, err);
	pg_uri_free(&u);
	return st;
}

void pg_errtext(const char *uri, const struct pg_result *r, struct pg_conn *c,
		char *out, size_t cap)
{
	pg_uri u;
	hh_err ignored;

	if (pg_uri_parse(uri, &u, &ignored) != HH_OK) {
		/* unparsable: show libpq's text with no password to scrub */
		memset(&u, 0, sizeof u);
	}
	pq_errtext(r, c, &u, out, cap);
	pg_uri_free(&u);
}

hh_status pgstore_migrate(const char *uri, hh_err *err)
{
	pg_uri u;
	store s = {0};
	hh_status st;

	st = pg_uri_parse(uri, &u, err);
	if (st != HH_OK)
		return st;
	s.uri = &u;
	s.dir = "the store schema";
	s.err = err;
	st = pg_connect(&u, HH_EINTERNAL, "migrating ", &s.conn, err);
	if (st != HH_OK) {
		pg_uri_free(&u);
		return st;
	}
	st = store_exec(&s, PGRES_COMMAND_OK, "BEGIN", "BEGIN", 0, NULL, NULL);
	if (st == HH_OK)
		st = store_exec(&s, PGRES_TUPLES_OK, "lock",
				"SELECT pg_advisory_xact_lock(hashtext('hhmatch.store'))",
				0, NULL, NULL);
	if (st == HH_OK)
		st = store_migrate(&s);
	st = store_finish(&s, st);
	PQfinish(s.conn);
	pg_uri_free(&u);
	return st;
}
