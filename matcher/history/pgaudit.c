/*
 * pgaudit.c - audit queries and the audit log over the PostgreSQL result
 * store (see pgaudit.h).
 *
 * Reading.  Each pgaudit_rows call is one SELECT * over a fixed table,
 * filtered by period and by a fixed column against a JSON array of values
 * ($2, unpacked with jsonb_array_elements_text), and sorted as the run's
 * files are: households and explain by household_id, findings by code,
 * household_id, pid (none first), source (in the engine's source order,
 * passed as $3) and detail, all in byte order (COLLATE "C").  The result
 * becomes an rr_table laid out as runread.c lays its own out (each row
 * one allocation holding its cell pointers and then the cells), so
 * rr_table_free frees it.
 *
 * The log.  The text a record's hashes cover is rebuilt from the columns:
 *   {"seq":<id>,<members>,"prev_sha256":"<prev_sha256>"
 * where members come from pgaudit_members (the same bytes the file log
 * gets) with time = to_char(at AT TIME ZONE 'UTC', ...), and the pids as
 * text elements (fetched hex-encoded, so no separator or escape can blur
 * them).  sha256 = SHA-256(text); the record's line is
 *   text + ,"sha256":"<sha256>"}
 * and the next record's prev_sha256 is the SHA-256 of that line: exactly
 * the format of auditlog.h, checked in tests/it_audit_pg.sh by writing the
 * table's lines to a file and running `audit verify-log --log` on it.
 * Appending: BEGIN; LOCK TABLE ... IN EXCLUSIVE MODE (other appenders
 * wait, readers do not); read the last record; INSERT id = last + 1;
 * COMMIT.  The primary key on id would refuse a second record with the
 * same id even from a writer that skipped the lock.
 */
#include "history/pgaudit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "domain/sources.h"
#include "connectors/pg.h"

struct pgaudit {
	PGconn *conn;
	char *uri;          /* as given (may hold a password): for pg_errtext */
	char shown[512];    /* redacted */
};

static const char zeros[] =
	"0000000000000000000000000000000000000000000000000000000000000000";

/* The record's columns as SELECTed by LOG_COLS, in that order. */
#define LOG_COLS                                                               \
	"id, to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'),"    \
	" operator, purpose, query,"                                               \
	" coalesce((SELECT string_agg(encode(convert_to(p, 'UTF8'), 'hex'), ','"   \
	"  ORDER BY o) FROM unnest(pids) WITH ORDINALITY AS u(p, o)), ''),"        \
	" prev_sha256, sha256"

static hh_status fail(pgaudit *a, hh_status st, const PGresult *r, const char *what,
		      hh_err *err)
{
	char msg[700];
	pg_errtext(a->uri, r, a->conn, msg, sizeof msg);
	return hh_fail(err, st, "auditing %s: %s: %s", a->shown, what, msg);
}

/* Runs sql with n text parameters and checks for want; the result goes
 * to *out when out is not NULL. */
static hh_status exec(pgaudit *a, hh_status fail_st, ExecStatusType want, const char *what,
		      const char *sql, int n, const char *const *params, PGresult **out,
		      hh_err *err)
{
	PGresult *r = PQexecParams(a->conn, sql, n, NULL, params, NULL, NULL, 0);
	if (out)
		*out = NULL;
	if (PQresultStatus(r) != want) {
		hh_status st = fail(a, fail_st, r, what, err);
		PQclear(r);
		return st;
	}
	if (out)
		*out = r;
	else
		PQclear(r);
	return HH_OK;
}

void pgaudit_close(pgaudit *a)
{
	if (!a)
		return;
	if (a->conn)
		PQfinish(a->conn);
	if (a->uri) {
		memset(a->uri, 0, strlen(a->uri));
		free(a->uri);
	}
	free(a);
}

hh_status pgaudit_open(const char *uri, pgaudit **out, hh_err *err)
{
	*out = NULL;
	pgaudit *a = calloc(1, sizeof *a);
	if (!a || !(a->uri = strdup(uri))) {
		free(a);
		return hh_fail(err, HH_EINTERNAL, "out of memory");
	}
	pg_redact(uri, a->shown, sizeof a->shown);
	PGresult *r = NULL;
	hh_status st = pgstore_connect(uri, "auditing ", &a->conn, err);
	if (st == HH_OK)
		st = exec(a, HH_EINPUT, PGRES_TUPLES_OK, "looking for the store's tables",
			  "SELECT to_regclass('hhmatch.runs') IS NOT NULL,"
			  " to_regclass('hhmatch.audit_log') IS NOT NULL"
			  " AND to_regclass('hhmatch.explain') IS NOT NULL",
			  0, NULL, &r, err);
	if (st == HH_OK && strcmp(PQgetvalue(r, 0, 0), "t"))
		st = hh_fail(err, HH_EINPUT, "auditing %s: no hhmatch result store there (no "
			     "table hhmatch.runs); publish a run with hhmatch run --pg-out first",
			     a->shown);
	else if (st == HH_OK && strcmp(PQgetvalue(r, 0, 1), "t"))
		/* published by an hhmatch without the audit tables */
		st = pgstore_migrate(uri, err);
	PQclear(r);
	if (st != HH_OK) {
		pgaudit_close(a);
		return st;
	}
	*out = a;
	return HH_OK;
}

const char *pgaudit_shown(const pgaudit *a)
{
	return a->shown;
}

hh_status pgaudit_periods(pgaudit *a, int **out, size_t *n, hh_err *err)
{
	PGresult *r;
	*out = NULL;
	*n = 0;
	HH_TRY(exec(a, HH_EINPUT, PGRES_TUPLES_OK, "reading the periods",
		    "SELECT period FROM hhmatch.runs ORDER BY period", 0, NULL, &r, err));
	int rows = PQntuples(r);
	if (rows > 0) {
		*out = malloc((size_t)rows * sizeof **out);
		if (!*out) {
			PQclear(r);
			return hh_fail(err, HH_EINTERNAL, "out of memory");
		}
		for (int i = 0; i < rows; i++)
			(*out)[i] = (int)strtol(PQgetvalue(r, i, 0), NULL, 10);
		*n = (size_t)rows;
	}
	PQclear(r);
	return HH_OK;
}

hh_status pgaudit_key_id(pgaudit *a, int period, char out[16], hh_err *err)
{
	char p[16];
	const char *params[1] = {p};
	PGresult *r;
	snprintf(p, sizeof p, "%d", period);
	HH_TRY(exec(a, HH_EINPUT, PGRES_TUPLES_OK, "reading the run",
		    "SELECT coalesce(key_id, '') FROM hhmatch.runs WHERE period = $1::integer",
		    1, params, &r, err));
	hh_status st = HH_OK;
	if (PQntuples(r) != 1)
		st = hh_fail(err, HH_EINPUT, "period %06d is not in the store %s", period,
			     a->shown);
	else
		snprintf(out, 16, "%s", PQgetvalue(r, 0, 0));
	PQclear(r);
	return st;
}

/* --- rows as rr_table -------------------------------------------------- */

/* One allocation: n cell pointers, then the cells (runread.c's layout). */
static char **cells_new(const char *const *v, size_t n)
{
	size_t bytes = n * sizeof(char *);
	for (size_t i = 0; i < n; i++)
		bytes += strlen(v[i]) + 1;
	char **cells = malloc(bytes);
	if (!cells)
		return NULL;
	char *p = (char *)(cells + n);
	for (size_t i = 0; i < n; i++) {
		size_t len = strlen(v[i]);
		memcpy(p, v[i], len + 1);
		cells[i] = p;
		p += len + 1;
	}
	return cells;
}

/* The result's columns except `period` as an rr_table. */
static hh_status to_table(const PGresult *r, rr_table **out, hh_err *err)
{
	int nf = PQnfields(r), nr = PQntuples(r);
	int *cols = malloc((size_t)(nf ? nf : 1) * sizeof *cols);
	const char **v = malloc((size_t)(nf ? nf : 1) * sizeof *v);
	rr_table *t = calloc(1, sizeof *t);
	hh_status st = HH_OK;
	size_t nc = 0;
	if (!cols || !v || !t)
		goto oom;
	for (int f = 0; f < nf; f++)
		if (strcmp(PQfname(r, f), "period"))
			cols[nc++] = f;
	t->ncols = nc;
	for (size_t c = 0; c < nc; c++)
		v[c] = PQfname(r, cols[c]);
	if (!(t->header = cells_new(v, nc)))
		goto oom;
	if (nr > 0) {
		t->rows = calloc((size_t)nr, sizeof *t->rows);
		t->lines = calloc((size_t)nr, sizeof *t->lines);
		if (!t->rows || !t->lines)
			goto oom;
	}
	for (int i = 0; i < nr; i++) {
		for (size_t c = 0; c < nc; c++)
			v[c] = PQgetvalue(r, i, cols[c]); /* "" for NULL */
		if (!(t->rows[i] = cells_new(v, nc)))
			goto oom;
		t->nrows++;
	}
	*out = t;
	t = NULL;
	goto out;
oom:
	st = hh_fail(err, HH_EINTERNAL, "out of memory");
out:
	rr_table_free(t);
	free(cols);
	free(v);
	return st;
}

hh_status pgaudit_rows(pgaudit *a, pga_table table, int period, pga_by by,
		       const char *const *values, size_t n, const char *region,
		       rr_table **out, hh_err *err)
{
	static const char *const tables[] = {"hhmatch.households", "hhmatch.findings",
					     "hhmatch.explain"};
	static const char *const cols[] = {"household_id", "pid", "code"};
	*out = NULL;
	if ((int)table < 0 || table > PGA_EXPLAIN || (int)by < 0 || by > PGA_BY_CODE ||
	    (table != PGA_FINDINGS && (by != PGA_BY_HOUSEHOLD || region)))
		return hh_fail(err, HH_EINTERNAL, "pgaudit_rows: no such query");
	jbuf vals = {0}, order = {0};
	jb_puts(&vals, "[");
	for (size_t i = 0; i < n; i++) {
		if (i)
			jb_puts(&vals, ",");
		jb_str(&vals, values[i]);
	}
	jb_puts(&vals, "]");
	jb_puts(&order, "{");
	for (int s = 0; s < SRC_COUNT; s++)
		jb_printf(&order, "%s%s", s ? "," : "", source_name((source_id)s));
	jb_puts(&order, "}");
	char p[16], sql[1024];
	snprintf(p, sizeof p, "%d", period);
	const char *params[4] = {p, vals.s, order.s, region};
	int np = 2;
	int len = snprintf(sql, sizeof sql,
			   "SELECT * FROM %s WHERE period = $1::integer AND %s IN "
			   "(SELECT jsonb_array_elements_text($2::jsonb))",
			   tables[table], cols[by]);
	if (table == PGA_FINDINGS) {
		np = 3;
		if (region) {
			np = 4;
			len += snprintf(sql + len, sizeof sql - (size_t)len,
					" AND left(coalesce(region_code, ''), length($4)) = $4");
		}
		snprintf(sql + len, sizeof sql - (size_t)len,
			 " ORDER BY code COLLATE \"C\", coalesce(household_id, '') COLLATE \"C\","
			 " pid IS NOT NULL, pid COLLATE \"C\","
			 " array_position($3::text[], source), detail COLLATE \"C\"");
	} else {
		snprintf(sql + len, sizeof sql - (size_t)len,
			 " ORDER BY household_id COLLATE \"C\"");
	}
	hh_status st = HH_OK;
	PGresult *r = NULL;
	if (vals.oom || order.oom)
		st = hh_fail(err, HH_EINTERNAL, "out of memory");
	else
		st = exec(a, HH_EINPUT, PGRES_TUPLES_OK, tables[table], sql, np, params, &r,
			  err);
	if (st == HH_OK)
		st = to_table(r, out, err);
	PQclear(r);
	jb_free(&vals);
	jb_free(&order);
	return st;
}

/* --- the log ----------------------------------------------------------- */

void pgaudit_members(const pgaudit_record *r, jbuf *out)
{
	jb_puts(out, "\"time\":");
	jb_str(out, r->time);
	jb_puts(out, ",\"operator\":");
	jb_str(out, r->operator_);
	jb_puts(out, ",\"purpose\":");
	jb_str(out, r->purpose);
	jb_puts(out, ",\"query\":");
	jb_puts(out, r->query);
	jb_puts(out, ",\"pids\":[");
	for (size_t i = 0; i < r->npids; i++) {
		if (i)
			jb_puts(out, ",");
		jb_str(out, r->pids[i]);
	}
	jb_puts(out, "]");
}

/* The text a record's sha256 covers (auditlog.h): into *b, replacing
 * what was there; own gets its SHA-256. */
static void record_text(unsigned long seq, const char *members, const char *prev, jbuf *b,
			char own[65])
{
	b->n = 0;
	jb_printf(b, "{\"seq\":%lu,%s,\"prev_sha256\":\"%s\"", seq, members, prev);
	rr_sha256_hex(b->s ? b->s : "", b->n, own);
}

static int hexval(int c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Row i of a LOG_COLS result: the record's members into *m, its text
 * into *text (with its own hash in own) and its whole line's SHA-256 into
 * line_hash.  Returns 0 when the pids column cannot be decoded. */
static int row_record(const PGresult *r, int i, jbuf *m, jbuf *text, char own[65],
		      char line_hash[65])
{
	const char *hex = PQgetvalue(r, i, 5);
	size_t n = 0, cap = 1;
	for (const char *p = hex; *p; p++)
		cap += *p == ',';
	char **pids = calloc(cap, sizeof *pids);
	int ok = pids != NULL;
	for (const char *p = hex; ok && *p;) {
		size_t l = strcspn(p, ",");
		char *s = malloc(l / 2 + 1);
		if (!s || l % 2) {
			free(s);
			ok = 0;
			break;
		}
		for (size_t k = 0; k < l / 2; k++) {
			int h = hexval(p[2 * k]), lo = hexval(p[2 * k + 1]);
			if (h < 0 || lo < 0)
				ok = 0;
			s[k] = (char)(h * 16 + lo);
		}
		s[l / 2] = '\0';
		pids[n++] = s;
		p += l + (p[l] == ',');
	}
	if (ok) {
		pgaudit_record rec = {.time = PQgetvalue(r, i, 1),
				      .operator_ = PQgetvalue(r, i, 2),
				      .purpose = PQgetvalue(r, i, 3),
				      .query = PQgetvalue(r, i, 4),
				      .pids = (const char *const *)pids,
				      .npids = n};
		m->n = 0;
		pgaudit_members(&rec, m);
		record_text(strtoul(PQgetvalue(r, i, 0), NULL, 10), m->s ? m->s : "",
			    PQgetvalue(r, i, 6), text, own);
		jb_printf(text, ",\"sha256\":\"%s\"}", PQgetvalue(r, i, 7));
		rr_sha256_hex(text->s ? text->s : "", text->n, line_hash);
		ok = !m->oom && !text->oom;
	}
	for (size_t k = 0; pids && k < n; k++)
		free(pids[k]);
	free(pids);
	return ok;
}

hh_status pgaudit_log_append(pgaudit *a, const pgaudit_record *rec, unsigned long *id,
			     hh_err *err)
{
	PGresult *r = NULL;
	jbuf m = {0}, text = {0}, pids = {0};
	char prev[65], own[65], line_hash[65], seq[24];
	unsigned long s = 1;
	memcpy(prev, zeros, 65);
	hh_status st = exec(a, HH_EINTERNAL, PGRES_COMMAND_OK, "BEGIN", "BEGIN", 0, NULL,
			    NULL, err);
	if (st == HH_OK) /* appenders one at a time: one linear chain */
		st = exec(a, HH_EINTERNAL, PGRES_COMMAND_OK, "locking hhmatch.audit_log",
			  "LOCK TABLE hhmatch.audit_log IN EXCLUSIVE MODE", 0, NULL, NULL, err);
	if (st == HH_OK)
		st = exec(a, HH_EINTERNAL, PGRES_TUPLES_OK, "reading the last audit record",
			  "SELECT " LOG_COLS " FROM hhmatch.audit_log ORDER BY id DESC LIMIT 1",
			  0, NULL, &r, err);
	if (st == HH_OK && PQntuples(r) == 1) {
		if (!row_record(r, 0, &m, &text, own, line_hash))
			st = hh_fail(err, HH_EINTERNAL, "auditing %s: out of memory", a->shown);
		memcpy(prev, line_hash, 65);
		s = strtoul(PQgetvalue(r, 0, 0), NULL, 10) + 1;
	}
	PQclear(r);
	r = NULL;
	if (st == HH_OK) {
		m.n = 0;
		pgaudit_members(rec, &m);
		record_text(s, m.s ? m.s : "", prev, &text, own);
		jb_puts(&pids, "[");
		for (size_t i = 0; i < rec->npids; i++) {
			if (i)
				jb_puts(&pids, ",");
			jb_str(&pids, rec->pids[i]);
		}
		jb_puts(&pids, "]");
		if (m.oom || text.oom || pids.oom)
			st = hh_fail(err, HH_EINTERNAL, "out of memory");
	}
	if (st == HH_OK) {
		snprintf(seq, sizeof seq, "%lu", s);
		const char *params[8] = {seq, rec->time, rec->operator_, rec->purpose,
					 rec->query, pids.s, prev, own};
		st = exec(a, HH_EINTERNAL, PGRES_COMMAND_OK, "appending to hhmatch.audit_log",
			  "INSERT INTO hhmatch.audit_log (id, at, operator, purpose, query, pids,"
			  " prev_sha256, sha256) VALUES ($1::bigint, $2::timestamptz, $3, $4, $5,"
			  " ARRAY(SELECT e FROM jsonb_array_elements_text($6::jsonb)"
			  "  WITH ORDINALITY AS x(e, o) ORDER BY o), $7, $8)",
			  8, params, NULL, err);
	}
	if (st == HH_OK) {
		/* a COMMIT of a failed transaction answers ROLLBACK */
		r = PQexec(a->conn, "COMMIT");
		if (PQresultStatus(r) != PGRES_COMMAND_OK || strcmp(PQcmdStatus(r), "COMMIT"))
			st = fail(a, HH_EINTERNAL, r, "COMMIT of the audit record", err);
		PQclear(r);
	} else if (PQstatus(a->conn) == CONNECTION_OK) {
		PQclear(PQexec(a->conn, "ROLLBACK"));
	}
	if (st == HH_OK && id)
		*id = s;
	jb_free(&m);
	jb_free(&text);
	jb_free(&pids);
	return st;
}

hh_status pgaudit_log_verify(pgaudit *a, auditlog_check *out, hh_err *err)
{
	memset(out, 0, sizeof *out);
	if (!PQsendQueryParams(a->conn,
			       "SELECT " LOG_COLS " FROM hhmatch.audit_log ORDER BY id", 0,
			       NULL, NULL, NULL, NULL, 0) ||
	    !PQsetSingleRowMode(a->conn))
		return fail(a, HH_EINPUT, NULL, "reading hhmatch.audit_log", err);
	char prev[65], own[65], line_hash[65];
	memcpy(prev, zeros, 65);
	jbuf m = {0}, text = {0};
	hh_status st = HH_OK;
	unsigned long k = 0;
	PGresult *r;
	while ((r = PQgetResult(a->conn)) != NULL) {
		ExecStatusType rs = PQresultStatus(r);
		if (rs == PGRES_SINGLE_TUPLE && st == HH_OK && !out->broken) {
			k++;
			unsigned long id = strtoul(PQgetvalue(r, 0, 0), NULL, 10);
			if (!row_record(r, 0, &m, &text, own, line_hash)) {
				st = hh_fail(err, HH_EINTERNAL, "auditing %s: out of memory",
					     a->shown);
			} else if (strcmp(own, PQgetvalue(r, 0, 7))) {
				snprintf(out->why, sizeof out->why, "its content does not match "
					 "its sha256 (the record was changed)");
			} else if (strcmp(prev, PQgetvalue(r, 0, 6))) {
				snprintf(out->why, sizeof out->why, "%s",
					 k == 1 ? "prev_sha256 is not zeros: records before it "
						  "were removed"
						: "prev_sha256 does not match the record before it "
						  "(a record was removed, reordered or changed)");
			} else if (id != k) {
				snprintf(out->why, sizeof out->why,
					 "its id should be %lu: records before it were removed", k);
			}
			if (out->why[0])
				out->broken = id ? id : k;
			else {
				memcpy(prev, line_hash, 65);
				out->records = k;
			}
		} else if (rs != PGRES_SINGLE_TUPLE && rs != PGRES_TUPLES_OK && st == HH_OK) {
			st = fail(a, HH_EINPUT, r, "reading hhmatch.audit_log", err);
		}
		PQclear(r);
	}
	if (st == HH_OK && !out->broken && out->records)
		memcpy(out->head, prev, 65);
	jb_free(&m);
	jb_free(&text);
	return st;
}
