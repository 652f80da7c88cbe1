/*
 * auditstore_pg.c - the audit store over the PostgreSQL result store of
 * `hhmatch run --pg-out` (schemas/sql/): a published run read back from
 * its tables, and the audit log kept as the table hhmatch.audit_log.  See
 * auditstore.h.
 *
 * Reading.  Each query is one SELECT * over a fixed table, filtered by
 * period and by a fixed column against a JSON array of values ($2,
 * unpacked with jsonb_array_elements_text), and sorted as the run's files
 * are: households and explain by household_id, findings by code,
 * household_id, pid (none first), source (in the engine's source order,
 * passed as $3) and detail, all in byte order (COLLATE "C").  The columns
 * are the table's without `period`: households and findings (with its
 * region_code last) in the order of the run's files, explain in lower
 * case, NULL as "".  The store holds no roster or source rows.
 *
 * The log.  A record of hhmatch.audit_log is the file log's record
 * (auditrec.h) kept as columns (os_user NULL: a record of the old shape,
 * 006_audit_operators.sql; db_user is the connection's session_user;
 * audit_key_id and mac NULL: a legacy record, 007_audit_macs.sql); the
 * bytes its hashes and mac cover are rebuilt from them by
 * auditrec_members and auditrec_text:
 *   {"seq":<id>,<members>[,"audit_key_id":..,"mac":..],"prev_sha256":"<prev_sha256>"
 * with time = to_char(at AT TIME ZONE 'UTC', ...) and the pids fetched
 * hex-encoded (so no separator or escape can blur them).  The record's
 * line is that text + ,"sha256":"<sha256>"} and the next record's
 * prev_sha256 is the SHA-256 of that line: tests/e2e/it_audit_pg.sh
 * writes the table's lines to a file and verifies them as a file log.
 * Appending: BEGIN; pg_advisory_xact_lock on hashtext('hhmatch.audit_log')
 * (other appenders wait, readers do not); read the last record; INSERT id = last + 1;
 * INSERT the new head (id, SHA-256 of the new line) into
 * hhmatch.audit_head (005_audit_trail.sql); COMMIT.  Verifying reads the
 * latest head first and checks the chain against it, so a last row
 * deleted (or every row) is seen.  005_audit_trail.sql also makes both
 * tables append-only (a writer role that may only SELECT and INSERT,
 * triggers refusing UPDATE, DELETE and TRUNCATE).  Ids are 1..N without gaps; the primary key on id would refuse
 * a second record with the same id even from a writer that skipped the
 * lock.  Opening a store whose audit tables are missing (published by an
 * older hhmatch) applies its migrations first, which needs a role that
 * may create tables.
 *
 * Every value reaches SQL as a parameter of PQexecParams; table and
 * column names come from fixed lists here, never from the user's text.
 * Statements run through connectors/pg/pg_conn.h's checked helper, whose
 * messages read "auditing URI: what: why" with the URI's passwords
 * hidden.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "base/hex.h"
#include "base/strbuf.h"
#include "connectors/pg/pg_conn.h"
#include "connectors/pg/pg_store.h"
#include "connectors/pg/pg_uri.h"
#include "domain/sources.h"
#include "history/auditstore_int.h"

typedef struct {
	auditstore base;
	pgc_conn *conn;     /* messages: "auditing URI: what: why", URI redacted */
	char key_id[16];
	char *db_user;      /* session_user, for the records' db_user */
} pg_store;

/* The record's columns as SELECTed by LOG_COLS, in that order. */
#define LOG_COLS                                                               \
	"id, to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'),"    \
	" operator, purpose, query,"                                               \
	" coalesce((SELECT string_agg(encode(convert_to(p, 'UTF8'), 'hex'), ','"   \
	"  ORDER BY o) FROM unnest(pids) WITH ORDINALITY AS u(p, o)), ''),"        \
	" prev_sha256, sha256, os_user, db_user, audit_key_id, mac"
enum { LC_ID, LC_TIME, LC_OPERATOR, LC_PURPOSE, LC_QUERY, LC_PIDS, LC_PREV, LC_OWN,
       LC_OS_USER, LC_DB_USER, LC_KEY_ID, LC_MAC };

/* A nullable column of a LOG_COLS row: NULL for SQL NULL. */
static const char *opt_value(const PGresult *r, int i, int col)
{
	return PQgetisnull(r, i, col) ? NULL : PQgetvalue(r, i, col);
}

int auditstore_pg_uri_ok(const char *uri)
{
	return pg_is_uri(uri);
}

static void pg_close(auditstore *st)
{
	pg_store *ps = (pg_store *)st;
	pgc_close(ps->conn);
	free(ps->db_user);
	free(ps);
}

static hh_status pg_periods(auditstore *st, int **out, size_t *n, hh_err *err)
{
	pg_store *ps = (pg_store *)st;
	PGresult *r;
	*out = NULL;
	*n = 0;
	HH_TRY(pgc_exec(ps->conn, HH_EINPUT, PGRES_TUPLES_OK, "reading the periods",
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

/* The key_id recorded for period ("" when none); HH_EINPUT when the
 * period is not in the store. */
static hh_status key_id(pg_store *ps, int period, hh_err *err)
{
	char p[16];
	const char *params[1] = {p};
	PGresult *r;
	snprintf(p, sizeof p, "%d", period);
	HH_TRY(pgc_exec(ps->conn, HH_EINPUT, PGRES_TUPLES_OK, "reading the run",
			"SELECT coalesce(key_id, '') FROM hhmatch.runs WHERE period = $1::integer",
			1, params, &r, err));
	hh_status st = HH_OK;
	if (PQntuples(r) != 1)
		st = hh_fail(err, HH_EINPUT, "period %06d is not in the store %s", period,
			     pgc_shown(ps->conn));
	else
		snprintf(ps->key_id, sizeof ps->key_id, "%s", PQgetvalue(r, 0, 0));
	PQclear(r);
	return st;
}

/* --- rows as rr_table -------------------------------------------------- */

/* The result's columns except `period` as an rr_table. */
static hh_status to_table(const PGresult *r, rr_table **out, hh_err *err)
{
	int nf = PQnfields(r), nr = PQntuples(r);
	int *cols = malloc((size_t)(nf ? nf : 1) * sizeof *cols);
	const char **v = malloc((size_t)(nf ? nf : 1) * sizeof *v);
	rr_table *t = NULL;
	size_t nc = 0;
	if (cols && v) {
		for (int f = 0; f < nf; f++)
			if (strcmp(PQfname(r, f), "period"))
				cols[nc++] = f;
		for (size_t c = 0; c < nc; c++)
			v[c] = PQfname(r, cols[c]);
		t = auditstore_table_new(v, nc);
	}
	for (int i = 0; t && i < nr; i++) {
		for (size_t c = 0; c < nc; c++)
			v[c] = PQgetvalue(r, i, cols[c]); /* "" for NULL */
		if (auditstore_table_add(t, v, 0)) {
			rr_table_free(t);
			t = NULL;
		}
	}
	free(cols);
	free(v);
	if (!t)
		return hh_fail(err, HH_EINTERNAL, "out of memory");
	*out = t;
	return HH_OK;
}

/* A JSON array of strings (for jsonb_array_elements_text). */
static void json_array_of(strbuf *b, const char *const *values, size_t n)
{
	json_t *a = json_array();
	for (size_t i = 0; a && i < n; i++)
		if (json_array_append_new(a, hj_string_bytes(values[i], strlen(values[i]), NULL))) {
			json_decref(a);
			a = NULL;
		}
	if (!a)
		b->oom = 1;
	else
		hj_dump(b, a, HJ_LINE);
	json_decref(a);
}

static hh_status pg_rows(auditstore *st, const auditstore_query *q, rr_table **out,
			 const char **gap, hh_err *err)
{
	static const char *const tables[] = {"hhmatch.households", "hhmatch.findings",
					     "hhmatch.explain"};
	pg_store *ps = (pg_store *)st;
	int period = q->period == AUDITSTORE_ASKED ? st->info.period : q->period;
	strbuf vals = STRBUF_INIT, order = STRBUF_INIT, sql = STRBUF_INIT;
	char p[16];
	(void)gap; /* every table is in the store */
	json_array_of(&vals, q->values, q->n);
	sb_addc(&order, '{');
	for (int s = 0; s < SRC_COUNT; s++)
		sb_addf(&order, "%s%s", s ? "," : "", source_name((source_id)s));
	sb_addc(&order, '}');
	snprintf(p, sizeof p, "%d", period);
	const char *params[4] = {p, sb_str(&vals), sb_str(&order), q->region};
	int np = 2;
	if (q->by == AUDITSTORE_BY_REGION)
		sb_addf(&sql, "SELECT * FROM %s WHERE period = $1::integer AND EXISTS "
			"(SELECT FROM jsonb_array_elements_text($2::jsonb) v "
			"WHERE left(region_code, length(v)) = v)", tables[q->table]);
	else
		sb_addf(&sql, "SELECT * FROM %s WHERE period = $1::integer AND %s IN "
			"(SELECT jsonb_array_elements_text($2::jsonb))",
			tables[q->table], auditstore_by_column(q->by));
	if (q->table == AUDITSTORE_FINDINGS) {
		np = 3;
		if (q->region) {
			np = 4;
			sb_adds(&sql, " AND left(coalesce(region_code, ''), length($4)) = $4");
		}
		sb_adds(&sql, " ORDER BY code COLLATE \"C\", coalesce(household_id, '') COLLATE"
			" \"C\", pid IS NOT NULL, pid COLLATE \"C\","
			" array_position($3::text[], source), detail COLLATE \"C\"");
	} else {
		sb_adds(&sql, " ORDER BY household_id COLLATE \"C\"");
	}
	hh_status s = HH_OK;
	PGresult *r = NULL;
	if (vals.oom || order.oom || sql.oom)
		s = hh_fail(err, HH_EINTERNAL, "out of memory");
	else
		s = pgc_exec(ps->conn, HH_EINPUT, PGRES_TUPLES_OK, tables[q->table],
			     sb_str(&sql), np, params, &r, err);
	if (s == HH_OK)
		s = to_table(r, out, err);
	PQclear(r);
	sb_release(&vals);
	sb_release(&order);
	sb_release(&sql);
	return s;
}

static int pg_describe(const auditstore *st, json_t *query)
{
	const pg_store *ps = (const pg_store *)st;
	return hj_set_bytes(query, "pg", pgc_shown(ps->conn));
}

/* --- the log ----------------------------------------------------------- */

/* The pids column of a LOG_COLS row ("hex,hex,...", each pid's bytes in
 * hex) as strings into *pids (*n of them, each malloc'ed); -1 when it
 * cannot be decoded or on no memory. */
static int decode_pids(const char *hex, char ***pids, size_t *n)
{
	size_t cap = 1;
	for (const char *p = hex; *p; p++)
		cap += *p == ',';
	*n = 0;
	*pids = calloc(cap, sizeof **pids);
	if (!*pids)
		return -1;
	for (const char *p = hex; *p;) {
		size_t l = strcspn(p, ",");
		char *s = l % 2 ? NULL : malloc(l / 2 + 1);
		if (!s || hex_decode(p, l / 2, (uint8_t *)s)) {
			free(s);
			return -1;
		}
		s[l / 2] = '\0';
		(*pids)[(*n)++] = s;
		p += l + (p[l] == ',');
	}
	return 0;
}

static void free_pids(char **pids, size_t n)
{
	for (size_t k = 0; pids && k < n; k++)
		free(pids[k]);
	free(pids);
}

/* Row i of a LOG_COLS result rebuilt: own gets the SHA-256 of its text,
 * line_hash the SHA-256 of its whole line (with the sha256 as stored),
 * line (may be NULL) the line.  -1 when the pids cannot be decoded, on no
 * memory or a failed digest. */
static int row_record(const PGresult *r, int i, char own[65], char line_hash[65],
		      strbuf *line)
{
	char **pids = NULL;
	size_t n = 0;
	int rc = decode_pids(PQgetvalue(r, i, LC_PIDS), &pids, &n);
	strbuf m = STRBUF_INIT, text = STRBUF_INIT;
	auditrec_seal seal;
	int sealed = !PQgetisnull(r, i, LC_MAC) && !PQgetisnull(r, i, LC_KEY_ID);
	if (sealed) { /* the CHECK of 007_audit_macs.sql keeps them hex */
		snprintf(seal.key_id, sizeof seal.key_id, "%s", PQgetvalue(r, i, LC_KEY_ID));
		snprintf(seal.mac, sizeof seal.mac, "%s", PQgetvalue(r, i, LC_MAC));
	}
	if (rc == 0) {
		auditrec rec = {.time = PQgetvalue(r, i, LC_TIME),
				.os_user = opt_value(r, i, LC_OS_USER),
				.db_user = opt_value(r, i, LC_DB_USER),
				.operator_ = opt_value(r, i, LC_OPERATOR),
				.purpose = PQgetvalue(r, i, LC_PURPOSE),
				.query = PQgetvalue(r, i, LC_QUERY),
				.pids = (const char *const *)pids,
				.npids = n};
		auditrec_members(&m, &rec);
		rc = auditrec_text(&text, strtoul(PQgetvalue(r, i, LC_ID), NULL, 10), sb_str(&m),
				   m.len, sealed ? &seal : NULL, PQgetvalue(r, i, LC_PREV), own);
		auditrec_close(&text, PQgetvalue(r, i, LC_OWN));
		if (rc == 0 && (m.oom || text.oom || hex_sha256(sb_str(&text), text.len, line_hash)))
			rc = -1;
		if (rc == 0 && line) {
			sb_add(line, text.buf, text.len);
			rc = line->oom ? -1 : 0;
		}
	}
	free_pids(pids, n);
	sb_release(&m);
	sb_release(&text);
	return rc;
}

static hh_status pg_log_append(auditstore *st, const auditrec *rec, const char *members,
			       size_t len, const pid_key *key, auditrec_anchor *head, hh_err *err)
{
	pg_store *ps = (pg_store *)st;
	pgc_conn *c = ps->conn;
	PGresult *r = NULL;
	strbuf text = STRBUF_INIT, pids = STRBUF_INIT;
	char prev[65], own[65], seq[24];
	unsigned long s = 1;
	memcpy(prev, auditrec_zeros, 65);
	hh_status rs = pgc_exec(c, HH_EINTERNAL, PGRES_COMMAND_OK, "BEGIN", "BEGIN", 0, NULL,
				NULL, err);
	/* appenders one at a time: one linear chain.  An advisory lock, not
	 * LOCK TABLE, which would ask the appending role for UPDATE (the
	 * writer role of 005_audit_trail.sql may only SELECT and INSERT) */
	if (rs == HH_OK)
		rs = pgc_exec(c, HH_EINTERNAL, PGRES_TUPLES_OK, "locking hhmatch.audit_log",
			      "SELECT pg_advisory_xact_lock(hashtext('hhmatch.audit_log'))", 0,
			      NULL, NULL, err);
	if (rs == HH_OK)
		rs = pgc_exec(c, HH_EINTERNAL, PGRES_TUPLES_OK, "reading the last audit record",
			      "SELECT " LOG_COLS " FROM hhmatch.audit_log ORDER BY id DESC LIMIT 1",
			      0, NULL, &r, err);
	if (rs == HH_OK && PQntuples(r) == 1) {
		if (row_record(r, 0, own, prev, NULL))
			rs = hh_fail(err, HH_EINTERNAL, "auditing %s: cannot rebuild the last "
				     "audit record (out of memory)", pgc_shown(c));
		else if (!PQgetisnull(r, 0, LC_KEY_ID) &&
			 strncmp(PQgetvalue(r, 0, LC_KEY_ID), pid_key_id(key), 8))
			rs = hh_fail(err, HH_EUSAGE, "auditing %s: hhmatch.audit_log is "
				     "authenticated under audit key %.8s, and the key given is "
				     "%.8s: give that log's key", pgc_shown(c),
				     PQgetvalue(r, 0, LC_KEY_ID), pid_key_id(key));
		s = strtoul(PQgetvalue(r, 0, LC_ID), NULL, 10) + 1;
	}
	PQclear(r);
	auditrec_seal seal;
	if (rs == HH_OK) {
		int rc = auditrec_seal_make(key, s, members, len, prev, &seal);
		if (!rc)
			rc = auditrec_text(&text, s, members, len, &seal, prev, own);
		auditrec_close(&text, own);
		json_array_of(&pids, rec->pids, rec->npids);
		if (text.oom || pids.oom)
			rs = hh_fail(err, HH_EINTERNAL, "out of memory");
		else if (rc || hex_sha256(text.buf, text.len, head->sha256))
			rs = hh_fail(err, HH_EINTERNAL, "auditing %s: SHA-256 failed",
				     pgc_shown(c));
		head->records = s;
	}
	if (rs == HH_OK) {
		snprintf(seq, sizeof seq, "%lu", s);
		const char *params[12] = {seq, rec->time, rec->operator_, rec->purpose,
					  rec->query, sb_str(&pids), prev, own, rec->os_user,
					  rec->db_user, seal.key_id, seal.mac};
		rs = pgc_exec(c, HH_EINTERNAL, PGRES_COMMAND_OK, "appending to hhmatch.audit_log",
			      "INSERT INTO hhmatch.audit_log (id, at, operator, purpose, query, pids,"
			      " prev_sha256, sha256, os_user, db_user, audit_key_id, mac) VALUES"
			      " ($1::bigint, $2::timestamptz, $3, $4, $5,"
			      " ARRAY(SELECT e FROM jsonb_array_elements_text($6::jsonb)"
			      "  WITH ORDINALITY AS x(e, o) ORDER BY o), $7, $8, $9, $10, $11, $12)",
			      12, params, NULL, err);
	}
	if (rs == HH_OK) { /* the head, anchored in the same transaction */
		const char *hp[2] = {seq, head->sha256};
		rs = pgc_exec(c, HH_EINTERNAL, PGRES_COMMAND_OK, "anchoring the audit log's head",
			      "INSERT INTO hhmatch.audit_head (records, sha256) VALUES "
			      "($1::bigint, $2)", 2, hp, NULL, err);
	}
	/* a COMMIT of a failed transaction answers ROLLBACK: pgc_end says so */
	rs = pgc_end(c, rs, "COMMIT of the audit record", err);
	sb_release(&text);
	sb_release(&pids);
	return rs;
}

/* One row of the chain checked against the record before it (prev, the
 * hash of its line, updated when the row is intact) and its seal; *why
 * set when it is broken. */
static hh_status check_row(pg_store *ps, const PGresult *r, unsigned long k, char prev[65],
			   auditrec_seals *seals, auditrec_anchor *anchors, size_t n,
			   char *why, size_t cap, hh_err *err)
{
	char own[65], line_hash[65];
	strbuf line = STRBUF_INIT;
	if (row_record(r, 0, own, line_hash, &line)) {
		sb_release(&line);
		return hh_fail(err, HH_EINTERNAL, "auditing %s: cannot rebuild audit record %s "
			       "(out of memory)", pgc_shown(ps->conn), PQgetvalue(r, 0, LC_ID));
	}
	const char *w = auditrec_check(PQgetvalue(r, 0, LC_OWN), own, PQgetvalue(r, 0, LC_PREV),
				       prev, k == 1, NULL);
	unsigned long id = strtoul(PQgetvalue(r, 0, LC_ID), NULL, 10);
	auditrec_parts p;
	if (w)
		snprintf(why, cap, "%s", w);
	else if (id != k)
		snprintf(why, cap, "its id should be %lu: records before it were removed", k);
	else if ((w = auditrec_parse(line.buf, line.len, &p)) != NULL)
		snprintf(why, cap, "%s", w);
	else if (!auditrec_seal_check(seals, line.buf, &p, why, cap))
		memcpy(prev, line_hash, 65);
	sb_release(&line);
	if (!why[0])
		auditrec_anchor_see(anchors, n, k, line_hash);
	return HH_OK;
}

/* The latest head of hhmatch.audit_head into a[*n] (from its name), when
 * there is one. */
static hh_status table_anchor(pg_store *ps, auditrec_anchor *a, size_t *n, hh_err *err)
{
	PGresult *r = NULL;
	HH_TRY(pgc_exec(ps->conn, HH_EINPUT, PGRES_TUPLES_OK, "reading hhmatch.audit_head",
			"SELECT records, sha256 FROM hhmatch.audit_head ORDER BY records DESC "
			"LIMIT 1", 0, NULL, &r, err));
	if (PQntuples(r) == 1) {
		memset(&a[*n], 0, sizeof a[*n]);
		a[*n].records = strtoul(PQgetvalue(r, 0, 0), NULL, 10);
		snprintf(a[*n].sha256, sizeof a[*n].sha256, "%s", PQgetvalue(r, 0, 1));
		a[(*n)++].from = "hhmatch.audit_head";
	}
	PQclear(r);
	return HH_OK;
}

static hh_status pg_log_verify(auditstore *st, auditrec_seals *seals,
				const auditrec_anchor *expect, auditstore_verdict *out, hh_err *err)
{
	pg_store *ps = (pg_store *)st;
	PGconn *pq = pgc_pq(ps->conn);
	auditrec_anchor anchors[2];
	size_t na = 0;
	if (expect)
		anchors[na++] = *expect;
	/* the head before the log: an appender commits both at once, and a
	 * head read first is never ahead of the log read after it */
	HH_TRY(table_anchor(ps, anchors, &na, err));
	/* row by row: the log may be long */
	if (!PQsendQueryParams(pq, "SELECT " LOG_COLS " FROM hhmatch.audit_log ORDER BY id", 0,
			       NULL, NULL, NULL, NULL, 0) ||
	    !PQsetSingleRowMode(pq))
		return pgc_fail(ps->conn, HH_EINPUT, NULL, "reading hhmatch.audit_log", err);
	char prev[65], why[256] = "";
	memcpy(prev, auditrec_zeros, 65);
	hh_status s = HH_OK;
	unsigned long k = 0, broken = 0;
	PGresult *r;
	/* every result is read, even after a broken record, so that the
	 * connection is ready for the next command */
	while ((r = PQgetResult(pq)) != NULL) {
		ExecStatusType rs = PQresultStatus(r);
		if (rs == PGRES_SINGLE_TUPLE && s == HH_OK && !broken) {
			k++;
			s = check_row(ps, r, k, prev, seals, anchors, na, why, sizeof why, err);
			if (s == HH_OK && why[0]) {
				unsigned long id = strtoul(PQgetvalue(r, 0, LC_ID), NULL, 10);
				broken = id ? id : k;
			}
		} else if (rs != PGRES_SINGLE_TUPLE && rs != PGRES_TUPLES_OK && s == HH_OK) {
			s = pgc_fail(ps->conn, HH_EINPUT, r, "reading hhmatch.audit_log", err);
		}
		PQclear(r);
	}
	if (s == HH_OK && !broken)
		auditrec_anchor_verdict(anchors, na, k, why, sizeof why, &broken);
	if (s == HH_OK && broken)
		s = hh_fail(err, HH_EINPUT, "%s: hhmatch.audit_log: record id %lu is broken: %s "
			    "(records before it are intact)", pgc_shown(ps->conn), broken, why);
	if (s != HH_OK)
		return s;
	out->label = "audit_log";
	out->medium = "table";
	out->records = k;
	if (k)
		memcpy(out->head, prev, 65);
	auditstore_anchors_named(out, anchors, na);
	auditstore_seals_said(out, seals);
	return HH_OK;
}

static const struct auditstore_be pg_be = {
	.name = "postgresql",
	.periods = pg_periods,
	.rows = pg_rows,
	.describe = pg_describe,
	.log_append = pg_log_append,
	.log_verify = pg_log_verify,
	.close = pg_close,
};

/* Connects, and makes sure the store has hhmatch's tables (applying the
 * audit tables' migrations to a store published by an older hhmatch). */
static hh_status connect_store(pg_store *ps, const char *uri, hh_err *err)
{
	PGresult *r = NULL;
	HH_TRY(pgc_open(uri, "auditing ", HH_EINPUT, &ps->conn, err));
	HH_TRY(pgc_exec(ps->conn, HH_EINPUT, PGRES_TUPLES_OK, "looking for the store's tables",
			"SELECT to_regclass('hhmatch.runs') IS NOT NULL,"
			" to_regclass('hhmatch.audit_log') IS NOT NULL"
			" AND to_regclass('hhmatch.explain') IS NOT NULL"
			" AND to_regclass('hhmatch.audit_head') IS NOT NULL"
			" AND EXISTS (SELECT FROM information_schema.columns WHERE"
			"  table_schema = 'hhmatch' AND table_name = 'audit_log'"
			"  AND column_name = 'mac'), session_user",
			0, NULL, &r, err));
	hh_status st = HH_OK;
	if (strcmp(PQgetvalue(r, 0, 0), "t"))
		st = hh_fail(err, HH_EINPUT, "auditing %s: no hhmatch result store there (no "
			     "table hhmatch.runs); publish a run with hhmatch run --pg-out first",
			     pgc_shown(ps->conn));
	else if (strcmp(PQgetvalue(r, 0, 1), "t"))
		st = pgstore_migrate(uri, err);
	if (st == HH_OK && !(ps->db_user = strdup(PQgetvalue(r, 0, 2))))
		st = hh_fail(err, HH_EINTERNAL, "out of memory");
	PQclear(r);
	return st;
}

/* The period asked about (given, or the store's latest) and its key_id. */
static hh_status open_period(pg_store *ps, const char *given, hh_err *err)
{
	int period = 0;
	if (given) {
		HH_TRY(auditstore_parse_period(given, &period, err));
	} else {
		int *all;
		size_t n;
		HH_TRY(pg_periods(&ps->base, &all, &n, err));
		period = n ? all[n - 1] : 0;
		free(all);
		if (!period)
			return hh_fail(err, HH_EINPUT, "no run in the store %s", pgc_shown(ps->conn));
	}
	HH_TRY(key_id(ps, period, err));
	ps->base.info = (auditstore_info){
		.kind = "store",
		.name = pgc_shown(ps->conn),
		.period = period,
		.key_id = ps->key_id,
		.no_sources = "the store keeps no roster or source rows: ask over the run's "
			      "folder or --state for them",
		.explain_gap = "the store has no rule values for this household (the period "
			       "was published by an hhmatch that did not store explain.csv)",
		.history = 1,
		.db_user = ps->db_user,
	};
	return HH_OK;
}

hh_status auditstore_pg_open(const auditstore_where *w, int logs_only, auditstore **out,
			     hh_err *err)
{
	*out = NULL;
	pg_store *ps = calloc(1, sizeof *ps);
	if (!ps)
		return hh_fail(err, HH_EINTERNAL, "out of memory");
	ps->base.be = &pg_be;
	hh_status st = connect_store(ps, w->pg, err);
	if (st == HH_OK && !logs_only)
		st = open_period(ps, w->period, err);
	if (st != HH_OK) {
		pg_close(&ps->base);
		return st;
	}
	*out = &ps->base;
	return HH_OK;
}
