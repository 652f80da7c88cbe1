/*
 * pg_store.c - publishing a run folder into the PostgreSQL result store,
 * and the store's migrations (see pg_store.h).
 *
 * pgstore_publish, one transaction on one connection:
 *   advisory lock (publishers and migrations one at a time)
 *   -> migrations from schemas/sql/ not yet in hhmatch.schema_version
 *   -> delete the period's rows (runs, households, flags, findings,
 *      rejects, source_counts, explain)
 *   -> runs row with report.json as jsonb, source_counts from it, and
 *      manifest.json and manifest.sig as text (004_manifest.sql)
 *   -> each CSV: COPY FROM STDIN into a temporary table whose columns
 *      follow the file's header (read with connectors/csv.h; typed like
 *      the target table, unknown and repeated columns as text), then
 *      INSERT ... SELECT with the period added (findings get region_code
 *      from the period's households)
 *   -> alerts.jsonl, when present, into alert_outbox with ON CONFLICT
 *      (alert_id) DO NOTHING; a trigger NOTIFYs hhmatch_alerts at commit.
 *      The outbox is append-only: a rerun's retractions (kind retracted,
 *      the withdrawn id in column retracts, 003_alert_retractions.sql)
 *      are new rows, and no row a consumer may have read is deleted
 *   -> COMMIT.  Any failure rolls back: nothing of the run is committed.
 * The CSV bytes go to the server unchanged: the server's CSV parser reads
 * the rows, so a value the target column refuses is reported in the
 * server's words with the file's line (the COPY context).
 *
 * The migrations are embedded by scripts/pg_sql.cmake; a build without it
 * still links (weak symbols) and publish then says so.
 */
#include "connectors/pg/pg_store.h"

#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/fsutil.h"
#include "base/strbuf.h"
#include "connectors/csv.h"
#include "connectors/pg/pg_conn.h"

/* Set by gen/pg_sql_embed.c (scripts/pg_sql.cmake); weak so that a build
 * without it still links. */
extern const int hh_pg_migration_count __attribute__((weak));
extern const int hh_pg_migration_version[] __attribute__((weak));
extern const char *const hh_pg_migration_name[] __attribute__((weak));
extern const char *const hh_pg_migration_sql[] __attribute__((weak));

/* report.json is read whole; a larger one is not hhmatch's. */
#define REPORT_MAX (256u << 20)

typedef struct {
	pgc_conn *c;
	const char *dir;
	char period[16];
	hh_err *err;
} store;

/* Runs sql (params as text) and checks for want; see pgc_exec. */
static hh_status store_exec(store *s, ExecStatusType want, const char *what,
			    const char *sql, int n, const char *const *params,
			    PGresult **out)
{
	return pgc_exec(s->c, HH_EINTERNAL, want, what, sql, n, params, out,
			s->err);
}

/* Fails the publish with libpq's error of r (may be NULL). */
static hh_status store_fail(store *s, const PGresult *r, const char *what)
{
	return pgc_fail(s->c, HH_EINTERNAL, r, what, s->err);
}

/* BEGIN and the store's advisory lock. */
static hh_status store_begin(store *s)
{
	HH_TRY(store_exec(s, PGRES_COMMAND_OK, "BEGIN", "BEGIN", 0, NULL, NULL));
	return store_exec(s, PGRES_TUPLES_OK, "lock",
			  "SELECT pg_advisory_xact_lock(hashtext('hhmatch.store'))",
			  0, NULL, NULL);
}

static hh_status store_migrate(store *s)
{
	PGresult *r;
	int have, last;

	if (&hh_pg_migration_count == NULL || hh_pg_migration_count < 1)
		return hh_fail(s->err, HH_EINTERNAL,
			       "publishing to %s: this build has no store schema "
			       "(scripts/pg_sql.cmake was not included in the build)",
			       pgc_shown(s->c));
	last = hh_pg_migration_version[hh_pg_migration_count - 1];
	HH_TRY(store_exec(s, PGRES_COMMAND_OK, "creating the schema",
			  "CREATE SCHEMA IF NOT EXISTS hhmatch; "
			  "CREATE TABLE IF NOT EXISTS hhmatch.schema_version ("
			  " version integer PRIMARY KEY, name text NOT NULL,"
			  " applied timestamptz NOT NULL DEFAULT now())",
			  0, NULL, NULL));
	HH_TRY(store_exec(s, PGRES_TUPLES_OK, "reading the schema version",
			  "SELECT coalesce(max(version), 0) FROM hhmatch.schema_version",
			  0, NULL, &r));
	have = (int)strtol(PQgetvalue(r, 0, 0), NULL, 10);
	PQclear(r);
	if (have > last)
		return hh_fail(s->err, HH_EINTERNAL,
			       "publishing to %s: the store's schema is version %d, "
			       "newer than this hhmatch knows (%d); use a newer hhmatch",
			       pgc_shown(s->c), have, last);
	for (int i = 0; i < hh_pg_migration_count; i++) {
		char v[16], what[160];
		const char *params[2];
		if (hh_pg_migration_version[i] <= have)
			continue;
		snprintf(what, sizeof what, "migration %s",
			 hh_pg_migration_name[i]);
		HH_TRY(store_exec(s, PGRES_COMMAND_OK, what,
				  hh_pg_migration_sql[i], 0, NULL, NULL));
		snprintf(v, sizeof v, "%d", hh_pg_migration_version[i]);
		params[0] = v;
		params[1] = hh_pg_migration_name[i];
		HH_TRY(store_exec(s, PGRES_COMMAND_OK, what,
				  "INSERT INTO hhmatch.schema_version (version, name) "
				  "VALUES ($1, $2)",
				  2, params, NULL));
	}
	return HH_OK;
}

/* Streams the file at f (from its start) into a COPY FROM STDIN that is
 * already in progress, then ends it and checks the result.  The cancel
 * flag is looked at between chunks (the server takes COPY data as fast
 * as it comes); once it is set, the COPY is ended with an error, so the
 * server abandons it, and the publish fails as interrupted. */
static hh_status copy_file_in(store *s, FILE *f, const char *what)
{
	PGconn *pq = pgc_pq(s->c);
	char buf[256 * 1024];
	size_t n;
	PGresult *r = NULL;
	hh_status st;

	rewind(f);
	while ((n = fread(buf, 1, sizeof buf, f)) > 0) {
		if (pgc_cancel_requested(s->c)) {
			PQputCopyEnd(pq, PGC_INTERRUPTED);
			return pgc_interrupt(s->c, what, s->err);
		}
		if (PQputCopyData(pq, buf, (int)n) != 1)
			break;
	}
	if (ferror(f)) {
		PQputCopyEnd(pq, "read error");
		HH_TRY(pgc_result(s->c, what, &r, s->err));
		PQclear(r);
		return hh_fail(s->err, HH_EINTERNAL, "publishing %s: cannot read %s",
			       s->dir, what);
	}
	if (PQputCopyEnd(pq, NULL) != 1)
		return store_fail(s, NULL, what);
	HH_TRY(pgc_result(s->c, what, &r, s->err));
	st = PQresultStatus(r) == PGRES_COMMAND_OK ? HH_OK
						   : store_fail(s, r, what);
	PQclear(r);
	return st;
}

/* The names of the header row of the CSV file at path, trimmed of spaces
 * and lower-cased: *names is an array of *ncol strings in one allocation
 * (free(*names)).  The header must be the file's first line, on one line
 * (COPY ... HEADER skips exactly one). */
static hh_status read_header(store *s, const char *path, const char *what,
			     char ***names, int *ncol)
{
	ins_opts io = {.encoding = HH_ENC_UTF8};
	csv_opts co = {.delim = ','};
	hh_instream *in = NULL;
	csv_reader *r = NULL;
	hh_record rec;
	int got = 0;
	size_t bytes = 0;
	char **v, *t;
	hh_status st;

	*names = NULL;
	*ncol = 0;
	st = ins_open_file(path, &io, &in, s->err);
	if (st == HH_OK)
		st = csv_open(in, &co, &r, s->err);
	if (st == HH_OK)
		st = csv_next(r, &rec, &got, s->err);
	if (st != HH_OK) {
		csv_close(r);
		return hh_wrap(s->err, HH_EINTERNAL, "publishing %s", s->dir);
	}
	for (size_t i = 0; got && i < rec.nfields; i++) {
		const hh_field *f = &rec.fields[i];
		if (memchr(f->ptr, '\n', f->len) || memchr(f->ptr, '\r', f->len))
			got = 0;
		bytes += f->len + 1;
	}
	if (!got || rec.line != 1 || rec.malformed || rec.nfields > INT32_MAX) {
		csv_close(r);
		return hh_fail(s->err, HH_EINTERNAL,
			       "publishing %s: %s: no usable header row", s->dir,
			       what);
	}
	v = malloc(rec.nfields * sizeof *v + bytes);
	if (!v) {
		csv_close(r);
		return hh_fail(s->err, HH_EINTERNAL, "out of memory");
	}
	t = (char *)(v + rec.nfields);
	for (size_t i = 0; i < rec.nfields; i++) {
		const char *p = rec.fields[i].ptr;
		size_t n = rec.fields[i].len;
		while (n > 0 && p[0] == ' ')
			p++, n--;
		while (n > 0 && p[n - 1] == ' ')
			n--;
		v[i] = t;
		for (size_t k = 0; k < n; k++)
			*t++ = (char)tolower((unsigned char)p[k]);
		*t++ = '\0';
	}
	*names = v;
	*ncol = (int)rec.nfields;
	csv_close(r);
	return HH_OK;
}

/* The INSERT that moves the loaded rows into hhmatch.<table>. */
static void insert_sql(strbuf *q, const char *table, const char *tmp,
		       const strbuf *ins, const strbuf *sel, int want_region)
{
	sb_addf(q, "INSERT INTO hhmatch.%s (period", table);
	sb_adds(q, sb_str(ins));
	if (want_region)
		sb_adds(q, ", region_code");
	sb_adds(q, ") SELECT $1::integer");
	sb_adds(q, sb_str(sel));
	if (want_region)
		sb_adds(q, ", h.region_code");
	sb_addf(q, " FROM %s AS l", tmp);
	if (want_region)
		sb_adds(q, " LEFT JOIN hhmatch.households AS h "
			   "ON h.period = $1::integer "
			   "AND h.household_id = l.household_id");
}

/* Loads dir/<table>.csv into hhmatch.<table> for the period. */
static hh_status load_csv(store *s, const char *table)
{
	char path[4096], sql[256], what[160], tmp[80];
	char **names = NULL;
	int ncol = 0, *use = NULL;
	FILE *f;
	PGresult *cols = NULL;
	strbuf create = STRBUF_INIT, ins = STRBUF_INIT, sel = STRBUF_INIT;
	strbuf q = STRBUF_INIT;
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
	st = read_header(s, path, what, &names, &ncol);
	if (st != HH_OK)
		goto out;
	use = calloc((size_t)ncol, sizeof *use);
	if (!use) {
		st = hh_fail(s->err, HH_EINTERNAL, "out of memory");
		goto out;
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

	sb_addf(&create, "CREATE TEMP TABLE %s (", tmp);
	for (int i = 0; i < ncol; i++) {
		const char *type = "text";
		char *qi;
		int repeat = strcmp(names[i], "period") == 0;
		for (int j = 0; j < i && !repeat; j++)
			repeat = strcmp(names[i], names[j]) == 0;
		/* a repeat (or period, which we set) is loaded and ignored */
		for (int r = 0; !repeat && r < PQntuples(cols); r++)
			if (strcmp(PQgetvalue(cols, r, 0), names[i]) == 0) {
				type = PQgetvalue(cols, r, 1);
				use[i] = 1;
			}
		if (use[i]) {
			qi = pgc_quote_ident(s->c, names[i]);
		} else {
			char alias[32];
			snprintf(alias, sizeof alias, "hh_ignored_%d", i + 1);
			qi = strdup(alias);
		}
		if (!qi) {
			st = hh_fail(s->err, HH_EINTERNAL, "out of memory");
			goto out;
		}
		sb_adds(&create, i ? ", " : "");
		sb_adds(&create, qi);
		sb_adds(&create, " ");
		sb_adds(&create, type);
		if (use[i]) {
			sb_adds(&ins, ", ");
			sb_adds(&ins, qi);
			sb_adds(&sel, ", l.");
			sb_adds(&sel, qi);
		}
		free(qi);
		if (use[i] && strcmp(names[i], "region_code") == 0)
			has_region = 1;
		if (use[i] && strcmp(names[i], "household_id") == 0)
			has_household = 1;
	}
	sb_adds(&create, ") ON COMMIT DROP");

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
	insert_sql(&q, table, tmp, &ins, &sel, want_region);
	if (create.oom || ins.oom || sel.oom || q.oom) {
		st = hh_fail(s->err, HH_EINTERNAL, "out of memory");
		goto out;
	}
	st = store_exec(s, PGRES_COMMAND_OK, what, create.buf, 0, NULL, NULL);
	if (st != HH_OK)
		goto out;
	snprintf(sql, sizeof sql,
		 "COPY %s FROM STDIN WITH (FORMAT csv, HEADER true)", tmp);
	st = store_exec(s, PGRES_COPY_IN, what, sql, 0, NULL, NULL);
	if (st == HH_OK)
		st = copy_file_in(s, f, what);
	params[0] = s->period;
	if (st == HH_OK)
		st = store_exec(s, PGRES_COMMAND_OK, what, q.buf, 1, params, NULL);
	if (st == HH_OK) {
		snprintf(sql, sizeof sql, "DROP TABLE %s", tmp);
		st = store_exec(s, PGRES_COMMAND_OK, what, sql, 0, NULL, NULL);
	}
out:
	PQclear(cols);
	sb_release(&create);
	sb_release(&ins);
	sb_release(&sel);
	sb_release(&q);
	free(use);
	free(names);
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
	if (fs_read_file(path, REPORT_MAX, HH_EINTERNAL, &json, NULL, s->err) != HH_OK)
		return hh_wrap(s->err, HH_EINTERNAL, "publishing %s", s->dir);
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

/* manifest.json and manifest.sig into the period's runs row
 * (004_manifest.sql), byte for byte: the signature is over those bytes.
 * A folder without a manifest (written before manifests) leaves NULLs. */
static hh_status load_manifest(store *s)
{
	char path[4096];
	char *man = NULL, *sig = NULL;
	const char *params[3];
	hh_status st;

	snprintf(path, sizeof path, "%s/manifest.json", s->dir);
	if (access(path, F_OK) != 0)
		return HH_OK;
	if (fs_read_file(path, REPORT_MAX, HH_EINTERNAL, &man, NULL, s->err) != HH_OK)
		return hh_wrap(s->err, HH_EINTERNAL, "publishing %s", s->dir);
	snprintf(path, sizeof path, "%s/manifest.sig", s->dir);
	if (access(path, F_OK) == 0 &&
	    fs_read_file(path, REPORT_MAX, HH_EINTERNAL, &sig, NULL, s->err) != HH_OK) {
		free(man);
		return hh_wrap(s->err, HH_EINTERNAL, "publishing %s", s->dir);
	}
	params[0] = s->period;
	params[1] = man;
	params[2] = sig;
	st = store_exec(s, PGRES_COMMAND_OK, "manifest.json",
			"UPDATE hhmatch.runs SET manifest = $2, manifest_sig = $3 "
			"WHERE period = $1::integer", 3, params, NULL);
	free(man);
	free(sig);
	return st;
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
		" kind, risk_level, reasons, retracts, payload) "
		"SELECT j->>'alert_id', coalesce((j->>'period')::integer, $1::integer),"
		" j->>'household_id', j->>'kind', j->>'risk_level',"
		" CASE jsonb_typeof(j->'reasons') WHEN 'array' THEN"
		"  (SELECT string_agg(x, ';') FROM jsonb_array_elements_text(j->'reasons') AS x)"
		"  ELSE j->>'reasons' END,"
		" j->>'retracts', j FROM (SELECT line::jsonb AS j FROM hh_load_alerts"
		"         WHERE line IS NOT NULL AND btrim(line) <> '') AS a "
		"ON CONFLICT (alert_id) DO NOTHING",
		1, params, NULL);
	if (st == HH_OK)
		st = store_exec(s, PGRES_COMMAND_OK, "alerts.jsonl",
				"DROP TABLE hh_load_alerts", 0, NULL, NULL);
	return st;
}

/* Everything of the run inside the transaction, after the lock. */
static hh_status load_run(store *s)
{
	static const char *const tables[] = {"households", "flags",
					     "findings", "rejects"};
	/* the period's earlier run, table by table (fixed names, not input) */
	static const char *const period_tables[] = {
		"households", "flags", "findings", "rejects", "source_counts", "runs",
		"explain"};
	const char *params[1] = {s->period};
	char path[4096];

	HH_TRY(store_migrate(s));
	for (size_t i = 0; i < sizeof period_tables / sizeof *period_tables; i++) {
		char sql[128];
		snprintf(sql, sizeof sql, "DELETE FROM hhmatch.%s WHERE period = $1::integer",
			 period_tables[i]);
		HH_TRY(store_exec(s, PGRES_COMMAND_OK, "deleting the earlier run", sql,
				  1, params, NULL));
	}
	HH_TRY(load_report(s));
	HH_TRY(load_manifest(s));
	for (size_t i = 0; i < sizeof tables / sizeof *tables; i++)
		HH_TRY(load_csv(s, tables[i]));
	/* explain.csv when the run wrote one (002_audit_log.sql) */
	snprintf(path, sizeof path, "%s/explain.csv", s->dir);
	if (access(path, F_OK) == 0)
		HH_TRY(load_csv(s, "explain"));
	return load_alerts(s);
}

hh_status pgstore_publish_cancellable(const char *uri, const char *dir, int period,
				      const _Atomic int *cancel, hh_err *err)
{
	store s = {.dir = dir, .err = err};
	strbuf ctx = STRBUF_INIT;
	pg_uri u;
	hh_status st;

	if (!uri || !dir)
		return hh_fail(err, HH_EINTERNAL, "pgstore_publish: no uri or dir");
	if (period < 190001 || period > 999912 || period % 100 < 1 ||
	    period % 100 > 12)
		return hh_fail(err, HH_EUSAGE, "publishing %s: bad period %d",
			       dir, period);
	snprintf(s.period, sizeof s.period, "%d", period);
	sb_addf(&ctx, "publishing %s to ", dir);
	if (ctx.oom)
		return hh_fail(err, HH_EINTERNAL, "out of memory");
	st = pg_uri_parse(uri, &u, err);
	if (st == HH_OK)
		st = pg_uri_check_store(&u, err);
	if (st == HH_OK)
		st = pgc_connect(&u, ctx.buf, HH_EINTERNAL, cancel, &s.c, err);
	pg_uri_free(&u);
	sb_release(&ctx);
	if (st != HH_OK)
		return st;
	st = store_begin(&s);
	if (st == HH_OK)
		st = load_run(&s);
	st = pgc_end(s.c, st, "COMMIT", err);
	pgc_close(s.c);
	return st;
}

hh_status pgstore_publish(const char *uri, const char *dir, int period, hh_err *err)
{
	return pgstore_publish_cancellable(uri, dir, period, NULL, err);
}

hh_status pgstore_migrate(const char *uri, hh_err *err)
{
	store s = {.dir = "the store schema", .err = err};
	hh_status st;

	st = pgc_open(uri, "migrating ", HH_EINTERNAL, &s.c, err);
	if (st != HH_OK)
		return st;
	st = store_begin(&s);
	if (st == HH_OK)
		st = store_migrate(&s);
	st = pgc_end(s.c, st, "COMMIT", err);
	pgc_close(s.c);
	return st;
}
