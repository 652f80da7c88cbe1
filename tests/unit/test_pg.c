/*
 * test_pg.c - the PostgreSQL connector (connectors/pg/).
 *
 * Without a server (suite pg_uri): URI parsing (table= and query=
 * taken out and decoded, '#' ending the parameters, bad escapes, what
 * PQconninfoParse refuses), redaction of URIs and key=value strings
 * (user part, password= parameters, an empty password, which once hung
 * pg_redact; every short string over a hostile alphabet terminates),
 * scrubbing of libpq's messages, and store URIs refused before any
 * connection.
 *
 * Against a real PostgreSQL (suites pg_conn and pg): the checked exec
 * helper's messages and COMMIT of a failed transaction; table sources
 * read in 1, 3 and 4 slices (every row exactly once, hh_row unique), a
 * table name with spaces and quotes, a query source, missing tables and
 * bad URIs, a backend terminated mid-COPY (an error, not a short read),
 * password redaction, and the store: publish twice (one copy of the rows,
 * alerts once, NOTIFY at commit), a broken CSV (nothing committed).
 *
 * The server tests are skipped unless PGHOST is set, e.g.
 *   eval "$(scripts/pg-test-server.sh start /tmp/hhpg)"
 *   ./build/test_pg
 *   scripts/pg-test-server.sh stop /tmp/hhpg
 * They create their own tables (schema "my schema", "hh test") and
 * replace the schema hhmatch in the database they are given.
 */
#include <criterion/criterion.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libpq-fe.h>

#include "connectors/csv.h"
#include "connectors/pg/pg_conn.h"
#include "connectors/pg/pg_source.h"
#include "connectors/pg/pg_store.h"
#include "connectors/pg/pg_uri.h"

/* The store's migrations, embedded by scripts/pg_sql.cmake. */
extern const int hh_pg_migration_count;
extern const int hh_pg_migration_version[];

#define NEED_PG()                                                        \
	do {                                                             \
		if (!getenv("PGHOST"))                                       \
			cr_skip_test("PGHOST is not set: no PostgreSQL to test " \
				     "against (scripts/pg-test-server.sh)");     \
	} while (0)

static void quiet(void *arg, const char *m)
{
	(void)arg;
	(void)m;
}

static PGconn *db(void)
{
	PGconn *c = PQconnectdb("");
	cr_assert_eq(PQstatus(c), CONNECTION_OK, "connect: %s",
		     PQerrorMessage(c));
	PQsetNoticeProcessor(c, quiet, NULL);
	return c;
}

static void exec(PGconn *c, const char *sql)
{
	PGresult *r = PQexec(c, sql);
	ExecStatusType st = PQresultStatus(r);
	cr_assert(st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK,
		  "%s: %s", sql, PQerrorMessage(c));
	PQclear(r);
}

static long long value(PGconn *c, const char *sql)
{
	PGresult *r = PQexec(c, sql);
	long long v;
	cr_assert_eq(PQresultStatus(r), PGRES_TUPLES_OK, "%s: %s", sql,
		     PQerrorMessage(c));
	cr_assert_eq(PQntuples(r), 1, "%s", sql);
	v = PQgetisnull(r, 0, 0) ? -1 : strtoll(PQgetvalue(r, 0, 0), NULL, 10);
	PQclear(r);
	return v;
}

static char *field(const hh_record *rec, size_t i, char *buf, size_t cap)
{
	size_t n = rec->fields[i].len < cap - 1 ? rec->fields[i].len : cap - 1;
	memcpy(buf, rec->fields[i].ptr, n);
	buf[n] = '\0';
	return buf;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

/* Reads every slice of uri; counts each id (column idcol) into seen[],
 * checks the header and that hh_row is unique over all slices.  Returns
 * the number of rows. */
static size_t read_all(const char *uri, int nslices, int *seen, int maxid,
		       size_t idcol, const char *col2)
{
	uint64_t *rows = NULL;
	size_t nrows = 0, cap = 0;
	char b[64];

	for (int k = 0; k < nslices; k++) {
		hh_instream *in = NULL;
		csv_reader *r = NULL;
		hh_record rec;
		hh_err err = {{0}};
		ins_opts o = {.source = "civil_affairs"};
		int got = 0;
		size_t mine = 0;

		cr_assert_eq(pgsrc_open(uri, k, nslices, &o, &in, &err), HH_OK,
			     "slice %d/%d: %s", k, nslices, err.msg);
		cr_assert_eq(csv_open(in, NULL, &r, &err), HH_OK, "%s", err.msg);
		cr_assert_eq(csv_next(r, &rec, &got, &err), HH_OK, "%s", err.msg);
		cr_assert_eq(got, 1);
		cr_assert_str_eq(field(&rec, 0, b, sizeof b), "hh_row");
		cr_assert_str_eq(field(&rec, idcol, b, sizeof b), "id");
		if (col2)
			cr_assert_str_eq(field(&rec, 2, b, sizeof b), col2);
		for (;;) {
			long id;
			cr_assert_eq(csv_next(r, &rec, &got, &err), HH_OK, "%s",
				     err.msg);
			if (!got)
				break;
			cr_assert(!rec.malformed, "line %llu malformed",
				  (unsigned long long)rec.line);
			id = strtol(field(&rec, idcol, b, sizeof b), NULL, 10);
			cr_assert(id >= 1 && id <= maxid, "id %ld", id);
			seen[id]++;
			if (nrows == cap) {
				cap = cap ? cap * 2 : 1024;
				rows = realloc(rows, cap * sizeof *rows);
				cr_assert_not_null(rows);
			}
			rows[nrows++] = strtoull(field(&rec, 0, b, sizeof b),
						 NULL, 10);
			mine++;
		}
		if (nslices > 1 && maxid >= 1000)
			cr_assert_gt(mine, 0, "slice %d of %d is empty", k,
				     nslices);
		csv_close(r);
	}
	qsort(rows, nrows, sizeof *rows, cmp_u64);
	for (size_t i = 1; i < nrows; i++)
		cr_assert_neq(rows[i], rows[i - 1], "hh_row %llu twice",
			      (unsigned long long)rows[i]);
	free(rows);
	return nrows;
}

/* ---- URIs, without a server ---- */

static const char *redacted(const char *uri)
{
	static char out[512];
	pg_redact(uri, out, sizeof out);
	return out;
}

/* 1 when the NUL-separated list of u's secrets holds s. */
static int has_secret(const pg_uri *u, const char *s)
{
	if (!u->secrets)
		return 0;
	for (const char *p = u->secrets; *p; p += strlen(p) + 1)
		if (strcmp(p, s) == 0)
			return 1;
	return 0;
}

Test(pg_uri, redacts_the_user_part_and_password_parameters)
{
	char out[256];

	cr_assert_str_eq(redacted("postgresql://alice:s3cr%40t@db.example:5432/x?table=t"),
			 "postgresql://alice:***@db.example:5432/x?table=t");
	cr_assert_str_eq(redacted("postgres://u:pw@h"), "postgres://u:***@h");
	cr_assert_str_eq(redacted("postgresql://db/x?sslmode=verify-full&password=hunter2&table=t"),
			 "postgresql://db/x?sslmode=verify-full&password=***&table=t");
	/* a %-encoded or upper-case parameter name is still the password */
	cr_assert_str_eq(redacted("postgresql://h/db?pass%77ord=x1&table=t"),
			 "postgresql://h/db?pass%77ord=***&table=t");
	cr_assert_str_eq(redacted("postgresql://h/db?PASSWORD=x1"),
			 "postgresql://h/db?PASSWORD=***");
	/* '@' and '#' typed unencoded in the password (libpq reads up to
	 * an '@' before the first '/') */
	cr_assert_str_eq(redacted("postgresql://u:p@ss@h/db"), "postgresql://u:***@h/db");
	cr_assert_str_eq(redacted("postgresql://u:p#w@d@h/db?table=t"),
			 "postgresql://u:***@h/db?table=t");
	/* an '@' in a parameter is not a user part, with or without a path */
	cr_assert_str_eq(redacted("postgresql://h:5432?query=SELECT%20x%20@>%20y"),
			 "postgresql://h:5432?query=SELECT%20x%20@>%20y");
	cr_assert_str_eq(redacted("postgresql://?table=a:b@c"), "postgresql://?table=a:b@c");
	/* nothing to hide */
	cr_assert_str_eq(redacted("postgresql://bob@db/x"), "postgresql://bob@db/x");
	cr_assert_str_eq(redacted("postgresql:///x?host=/run/pg&table=a:b"),
			 "postgresql:///x?host=/run/pg&table=a:b");
	cr_assert_str_eq(redacted(NULL), "");
	/* truncated to the buffer, always terminated */
	pg_redact("postgresql://u:pw@h/x", out, 10);
	cr_assert_str_eq(out, "postgresq");
	pg_redact("postgresql://u:pw@h/x", out, 17);
	cr_assert_str_eq(out, "postgresql://u:*");
	cr_assert(pg_is_uri("postgres://x"));
	cr_assert(pg_is_uri("postgresql://"));
	cr_assert(!pg_is_uri("/data/medical.csv"));
	cr_assert(!pg_is_uri("host=db dbname=x"));
	cr_assert(!pg_is_uri(NULL));
}

Test(pg_uri, an_empty_password_is_shown_as_stars_and_terminates, .timeout = 5)
{
	cr_assert_str_eq(redacted("postgresql://u:@host/db"), "postgresql://u:***@host/db");
	cr_assert_str_eq(redacted("postgresql://u:@host/db?password=&table=t"),
			 "postgresql://u:***@host/db?password=***&table=t");
	cr_assert_str_eq(redacted("postgresql://:@h"), "postgresql://:***@h");
	cr_assert_str_eq(redacted("postgresql://u:@"), "postgresql://u:***@");
	cr_assert_str_eq(redacted("password="), "password=***");
}

Test(pg_uri, redacts_key_value_strings)
{
	cr_assert_str_eq(redacted("host=db password='a b' dbname=x"),
			 "host=db password=*** dbname=x");
	cr_assert_str_eq(redacted("host=db password = s3cret dbname=x"),
			 "host=db password = *** dbname=x");
	/* backslash escapes, in quotes and out of them */
	cr_assert_str_eq(redacted("password='it\\'s' dbname=x"), "password=*** dbname=x");
	cr_assert_str_eq(redacted("password=a\\ b dbname=x"), "password=*** dbname=x");
	cr_assert_str_eq(redacted("dbname=x\tpassword=pw"), "dbname=x\tpassword=***");
	cr_assert_str_eq(redacted("host=db dbname=x"), "host=db dbname=x");
	/* an unterminated quote hides the rest */
	cr_assert_str_eq(redacted("password='abc dbname=x"), "password=***");
}

Test(pg_uri, redaction_terminates_on_hostile_strings, .timeout = 60)
{
	static const char *const tok[] = {":", "@", "/", "?", "&", "=", "'", "\\",
					  " ", "password=", "#", "%4", "%", "u"};
	const size_t nt = sizeof tok / sizeof *tok;
	static const char *const prefix[] = {"postgresql://", ""};
	char in[128], out[64];

	for (size_t p = 0; p < 2; p++)
		for (size_t len = 0; len <= 4; len++) {
			size_t total = 1;
			for (size_t k = 0; k < len; k++)
				total *= nt;
			for (size_t n = 0; n < total; n++) {
				size_t v = n, o;
				pg_uri u;
				hh_err err;
				o = (size_t)snprintf(in, sizeof in, "%s", prefix[p]);
				for (size_t k = 0; k < len; k++, v /= nt)
					o += (size_t)snprintf(in + o, sizeof in - o, "%s",
							      tok[v % nt]);
				pg_redact(in, out, sizeof out);
				cr_assert_lt(strlen(out), sizeof out);
				(void)pg_uri_parse(in, &u, &err);
				cr_assert_str_eq(u.shown, redacted(in));
				pg_uri_free(&u);
			}
		}
}

Test(pg_uri, parse_takes_out_table_and_query)
{
	pg_uri u;
	hh_err err = {{0}};

	cr_assert_eq(pg_uri_parse("postgresql:///db?table=src.t&sslmode=disable&"
				  "application_name=x", &u, &err), HH_OK, "%s", err.msg);
	cr_assert_str_eq(u.conn, "postgresql:///db?sslmode=disable&application_name=x");
	cr_assert_str_eq(u.table, "src.t");
	cr_assert_null(u.query);
	cr_assert_null(u.secrets);
	pg_uri_free(&u);

	/* %-decoded; '+' is a plus; the last of two wins */
	cr_assert_eq(pg_uri_parse("postgresql://h/db?query=SELECT%201&query=SELECT%20a+b%2C%201",
				  &u, &err), HH_OK, "%s", err.msg);
	cr_assert_str_eq(u.query, "SELECT a+b, 1");
	cr_assert_str_eq(u.conn, "postgresql://h/db");
	pg_uri_free(&u);

	/* an '@' in a value, in a URI without a path */
	cr_assert_eq(pg_uri_parse("postgresql://h:5432?query=SELECT%20'a@b'", &u, &err),
		     HH_OK, "%s", err.msg);
	cr_assert_str_eq(u.query, "SELECT 'a@b'");
	cr_assert_str_eq(u.conn, "postgresql://h:5432");
	cr_assert_str_eq(u.shown, "postgresql://h:5432?query=SELECT%20'a@b'");
	cr_assert_null(u.secrets);
	pg_uri_free(&u);

	/* '#' ends the parameters */
	cr_assert_eq(pg_uri_parse("postgresql://h/db?table=t#x&query=y", &u, &err), HH_OK,
		     "%s", err.msg);
	cr_assert_str_eq(u.table, "t");
	cr_assert_null(u.query);
	cr_assert_str_eq(u.conn, "postgresql://h/db");
	pg_uri_free(&u);

	/* the passwords, as written and decoded, for scrubbing */
	cr_assert_eq(pg_uri_parse("postgresql://u:a%40b@h/db?password=c%2Bd", &u, &err),
		     HH_OK, "%s", err.msg);
	cr_assert(has_secret(&u, "a%40b"));
	cr_assert(has_secret(&u, "a@b"));
	cr_assert(has_secret(&u, "c%2Bd"));
	cr_assert(has_secret(&u, "c+d"));
	cr_assert_str_eq(u.shown, "postgresql://u:***@h/db?password=***");
	pg_uri_free(&u);
	pg_uri_free(&u); /* a zeroed struct is fine */
	pg_uri_free(NULL);
}

Test(pg_uri, parse_refuses_bad_uris)
{
	pg_uri u;
	hh_err err = {{0}};

	cr_assert_eq(pg_uri_parse("host=db password=Zq9sekret", &u, &err), HH_EUSAGE);
	cr_assert_str_eq(err.msg, "host=db password=***: not a PostgreSQL URI (postgresql://...)");
	cr_assert(has_secret(&u, "Zq9sekret"));
	pg_uri_free(&u);
	cr_assert_eq(pg_uri_parse("postgresql://?table=a%zz", &u, &err), HH_EUSAGE);
	cr_assert_str_eq(err.msg, "postgresql://?table=a%zz: bad %-escape in the table parameter");
	pg_uri_free(&u);
	cr_assert_eq(pg_uri_parse("postgresql://?query=a%00", &u, &err), HH_EUSAGE);
	pg_uri_free(&u);
	cr_assert_eq(pg_uri_parse("postgresql://?query=a%4", &u, &err), HH_EUSAGE);
	pg_uri_free(&u);

	/* what remains for libpq is checked by libpq: a misspelt option is
	 * named, with the URI redacted */
	cr_assert_eq(pg_uri_parse("postgresql://u:Zq9sekret@h/db?tabel=src.t", &u, &err),
		     HH_EUSAGE);
	cr_assert(strstr(err.msg, "postgresql://u:***@h/db?tabel=src.t: ") == err.msg, "%s",
		  err.msg);
	cr_assert(strstr(err.msg, "\"tabel\""), "%s", err.msg);
	cr_assert_null(strchr(err.msg, '\n'), "%s", err.msg);
	pg_uri_free(&u);
	/* libpq echoes a bad token of the URI: the password is scrubbed */
	cr_assert_eq(pg_uri_parse("postgresql://u:Zq9%zzsekret@h/db", &u, &err), HH_EUSAGE);
	cr_assert_null(strstr(err.msg, "Zq9"), "%s", err.msg);
	cr_assert_null(strstr(err.msg, "sekret"), "%s", err.msg);
	cr_assert(strstr(err.msg, "postgresql://u:***@h/db: "), "%s", err.msg);
	pg_uri_free(&u);
}

Test(pg_uri, scrub_folds_lines_and_hides_passwords)
{
	pg_uri u;
	hh_err err;
	char text[128];

	cr_assert_eq(pg_uri_parse("postgresql://u:a%40bc@h/db?password=xy", &u, &err), HH_OK);
	snprintf(text, sizeof text, "FATAL:  password a@bc or a%%40bc\nrejected\t(xy)  \n");
	pg_uri_scrub(&u, text);
	cr_assert_str_eq(text, "FATAL: password *** or *** rejected (**)");
	pg_uri_free(&u);
	snprintf(text, sizeof text, "one\r\ntwo");
	pg_uri_scrub(NULL, text);
	cr_assert_str_eq(text, "one two");
}

Test(pg_uri, store_uris_are_refused_before_connecting)
{
	pgc_conn *c = NULL;
	hh_err err = {{0}};

	cr_assert_eq(pgc_open("postgresql://u:Zq9sekret@127.0.0.1:1/db?table=t", "auditing ",
			      HH_EINPUT, &c, &err), HH_EUSAGE);
	cr_assert_null(c);
	cr_assert_str_eq(err.msg, "postgresql://u:***@127.0.0.1:1/db?table=t: a store URI "
				  "takes no table= or query=");
	cr_assert_eq(pgc_open("postgresql:///db?nonsense=1", NULL, HH_EINPUT, &c, &err),
		     HH_EUSAGE);
	cr_assert(strstr(err.msg, "\"nonsense\""), "%s", err.msg);
	cr_assert_eq(pgstore_publish("postgresql:///db?query=SELECT%201", "/nonexistent",
				     202403, &err), HH_EUSAGE);
	cr_assert_eq(pgstore_publish("postgresql:///db", "/nonexistent", 202413, &err),
		     HH_EUSAGE);
	pgc_close(NULL);
}

Test(pg_uri, connection_errors_never_show_the_password)
{
	hh_instream *in = NULL;
	pgc_conn *c = NULL;
	hh_err err = {{0}};

	/* port 1: nothing listens, the connection is refused */
	cr_assert_eq(pgsrc_open("postgresql://postgres:Zq9sekret@127.0.0.1:1/x"
				"?table=t&connect_timeout=2",
				0, 1, NULL, &in, &err),
		     HH_EINPUT);
	cr_assert_null(in);
	cr_assert(strstr(err.msg, "cannot connect"), "%s", err.msg);
	cr_assert_null(strstr(err.msg, "Zq9sekret"), "%s", err.msg);
	cr_assert(strstr(err.msg, "postgres:***@127.0.0.1:1"), "%s", err.msg);

	cr_assert_eq(pgc_open("postgresql://u@127.0.0.1:1/x?password=Zq9sekret&connect_timeout=2",
			      "auditing ", HH_EINPUT, &c, &err), HH_EINPUT);
	cr_assert_null(c);
	cr_assert(strstr(err.msg, "auditing postgresql://u@127.0.0.1:1/x?password=***"
				  "&connect_timeout=2: cannot connect: ") == err.msg,
		  "%s", err.msg);
	cr_assert_null(strstr(err.msg, "Zq9sekret"), "%s", err.msg);
}

/* ---- the connection helper, against a server ---- */

Test(pg_conn, exec_checks_and_names_what_failed)
{
	pgc_conn *c = NULL;
	PGresult *r = NULL;
	hh_err err = {{0}};
	const char *params[2] = {"40", "2"};

	NEED_PG();
	cr_assert_eq(pgc_open("postgresql://", "testing ", HH_EINPUT, &c, &err), HH_OK,
		     "%s", err.msg);
	cr_assert_str_eq(pgc_shown(c), "postgresql://");
	cr_assert_str_eq(pgc_uri(c)->conn, "postgresql://");
	cr_assert_eq(pgc_exec(c, HH_EINPUT, PGRES_TUPLES_OK, "adding",
			      "SELECT $1::int + $2::int, current_setting('DateStyle'),"
			      " current_setting('client_encoding')",
			      2, params, &r, &err), HH_OK, "%s", err.msg);
	cr_assert_str_eq(PQgetvalue(r, 0, 0), "42");
	cr_assert_str_eq(PQgetvalue(r, 0, 1), "ISO, YMD");
	cr_assert_str_eq(PQgetvalue(r, 0, 2), "UTF8");
	PQclear(r);
	/* several statements without parameters */
	cr_assert_eq(pgc_exec(c, HH_EINTERNAL, PGRES_TUPLES_OK, "two", "SELECT 1; SELECT 2",
			      0, NULL, &r, &err), HH_OK, "%s", err.msg);
	cr_assert_str_eq(PQgetvalue(r, 0, 0), "2");
	PQclear(r);
	/* a failure: the status asked for, "CONTEXT URI: WHAT: libpq" */
	r = (PGresult *)1;
	cr_assert_eq(pgc_exec(c, HH_EINTERNAL, PGRES_TUPLES_OK, "dividing", "SELECT 1/0",
			      0, NULL, &r, &err), HH_EINTERNAL);
	cr_assert_null(r);
	cr_assert_str_eq(err.msg, "testing postgresql://: dividing: division by zero");
	/* the wrong status is a failure too */
	cr_assert_eq(pgc_exec(c, HH_EINPUT, PGRES_COMMAND_OK, "selecting", "SELECT 1",
			      0, NULL, NULL, &err), HH_EINPUT);
	cr_assert(strstr(err.msg, "testing postgresql://: selecting: ") == err.msg, "%s",
		  err.msg);
	/* COMMIT of a failed transaction answers ROLLBACK: a failure */
	cr_assert_eq(pgc_exec(c, HH_EINPUT, PGRES_COMMAND_OK, "BEGIN", "BEGIN", 0, NULL,
			      NULL, &err), HH_OK);
	cr_assert_eq(pgc_exec(c, HH_EINPUT, PGRES_TUPLES_OK, "x", "SELECT 1/0", 0, NULL,
			      NULL, &err), HH_EINPUT);
	cr_assert_eq(pgc_end(c, HH_OK, "COMMIT of the test", &err), HH_EINTERNAL);
	cr_assert(strstr(err.msg, "testing postgresql://: COMMIT of the test: ") == err.msg,
		  "%s", err.msg);
	/* and the session is usable again */
	cr_assert_eq(pgc_exec(c, HH_EINPUT, PGRES_COMMAND_OK, "BEGIN", "BEGIN", 0, NULL,
			      NULL, &err), HH_OK);
	cr_assert_eq(pgc_end(c, HH_OK, "COMMIT", &err), HH_OK, "%s", err.msg);
	cr_assert_eq(pgc_exec(c, HH_EINPUT, PGRES_COMMAND_OK, "BEGIN", "BEGIN", 0, NULL,
			      NULL, &err), HH_OK);
	cr_assert_eq(pgc_end(c, HH_EINPUT, "COMMIT", &err), HH_EINPUT);
	cr_assert_eq(PQtransactionStatus(pgc_pq(c)), PQTRANS_IDLE);
	/* a statement's failure is not a lost connection */
	r = PQexec(pgc_pq(c), "SELECT 1/0");
	cr_assert_eq(pgc_lost(c, r), 0);
	PQclear(r);
	{
		char *q = pgc_quote_ident(c, "a \"b\"");
		cr_assert_str_eq(q, "\"a \"\"b\"\"\"");
		free(q);
	}
	pgc_close(c);
}

#define NROWS 10000
static const char odd_uri[] =
	"postgresql://?table=my%20schema.odd%20%22name%22%20t"
	"&application_name=hh_test_slices";

/* Creates "my schema".<qname> with NROWS rows (commas, quotes and line
 * breaks in some values). */
static void make_odd_table(PGconn *c, const char *qname)
{
	char sql[512];
	/* tests may run at once: a racing CREATE SCHEMA may fail, harmlessly */
	PQclear(PQexec(c, "CREATE SCHEMA IF NOT EXISTS \"my schema\""));
	snprintf(sql, sizeof sql, "DROP TABLE IF EXISTS \"my schema\".%s", qname);
	exec(c, sql);
	snprintf(sql, sizeof sql, "CREATE TABLE \"my schema\".%s "
		 "(id integer PRIMARY KEY, \"full name\" text, note text)", qname);
	exec(c, sql);
	snprintf(sql, sizeof sql, "INSERT INTO \"my schema\".%s "
		"SELECT g, 'person ' || g, CASE WHEN g %% 7 = 0 "
		"THEN E'a, \"quoted\"\\nsecond line' ELSE repeat('x', g %% 50) END "
		"FROM generate_series(1, 10000) AS g", qname);
	exec(c, sql);
}

Test(pg, table_slices_cover_every_row_once)
{
	PGconn *c;
	int ns[] = {1, 3, 4};

	NEED_PG();
	c = db();
	make_odd_table(c, "\"odd \"\"name\"\" t\"");
	for (size_t t = 0; t < sizeof ns / sizeof *ns; t++) {
		int *seen = calloc(NROWS + 1, sizeof *seen);
		size_t n = read_all(odd_uri, ns[t], seen, NROWS, 1,
				    "full name");
		cr_assert_eq(n, NROWS, "%d slices: %zu rows", ns[t], n);
		for (int id = 1; id <= NROWS; id++)
			cr_assert_eq(seen[id], 1, "%d slices: id %d seen %d times",
				     ns[t], id, seen[id]);
		free(seen);
	}
	/* the same table by its quoted name */
	{
		int *seen = calloc(NROWS + 1, sizeof *seen);
		size_t n = read_all("postgresql://?table=%22my%20schema%22."
				    "%22odd%20%22%22name%22%22%20t%22",
				    2, seen, NROWS, 1, "full name");
		cr_assert_eq(n, NROWS);
		free(seen);
	}
	PQfinish(c);
}

Test(pg, rows_appended_after_the_first_slice_are_not_lost)
{
	PGconn *c;
	int *seen = calloc(2 * NROWS + 1, sizeof *seen);
	hh_instream *in[4];
	hh_err err = {{0}};
	const char *uri = "postgresql://?table=public.hh_grow";

	NEED_PG();
	c = db();
	exec(c, "DROP TABLE IF EXISTS public.hh_grow");
	exec(c, "CREATE TABLE public.hh_grow (id integer, pad text)");
	exec(c, "INSERT INTO public.hh_grow SELECT g, repeat('p', 80) "
		"FROM generate_series(1, 10000) g");
	/* slice 0 opens (and measures the table), then the table grows,
	 * then the others open: their boundaries must still line up */
	cr_assert_eq(pgsrc_open(uri, 0, 4, NULL, &in[0], &err), HH_OK, "%s",
		     err.msg);
	exec(c, "INSERT INTO public.hh_grow SELECT g, repeat('p', 80) "
		"FROM generate_series(10001, 20000) g");
	for (int k = 1; k < 4; k++)
		cr_assert_eq(pgsrc_open(uri, k, 4, NULL, &in[k], &err), HH_OK,
			     "%s", err.msg);
	for (int k = 0; k < 4; k++) {
		csv_reader *r;
		hh_record rec;
		int got;
		char b[32];
		cr_assert_eq(csv_open(in[k], NULL, &r, &err), HH_OK);
		cr_assert_eq(csv_next(r, &rec, &got, &err), HH_OK);
		while (csv_next(r, &rec, &got, &err) == HH_OK && got)
			seen[strtol(field(&rec, 1, b, sizeof b), NULL, 10)]++;
		cr_assert(got == 0, "%s", err.msg);
		csv_close(r);
	}
	/* slice 0 saw the table before the insert (its own snapshot) */
	for (int id = 10001; id <= 2 * NROWS; id++)
		cr_assert_eq(seen[id], 1, "id %d seen %d times", id, seen[id]);
	for (int id = 1; id <= NROWS; id++)
		cr_assert_eq(seen[id], 1, "id %d seen %d times", id, seen[id]);
	free(seen);
	PQfinish(c);
}

Test(pg, query_source_in_slices)
{
	PGconn *c;
	const char *uri =
		"postgresql://?query=SELECT%20id%2C%20note%20FROM%20%22my%20schema%22."
		"%22q%20%22%22src%22%22%22%20WHERE%20id%20%3C%3D%205000%3B";

	NEED_PG();
	c = db();
	make_odd_table(c, "\"q \"\"src\"\"\"");
	for (int n = 1; n <= 3; n += 2) {
		int *seen = calloc(NROWS + 1, sizeof *seen);
		size_t got = read_all(uri, n, seen, NROWS, 1, "note");
		cr_assert_eq(got, 5000, "%d slices: %zu rows", n, got);
		for (int id = 1; id <= 5000; id++)
			cr_assert_eq(seen[id], 1, "id %d seen %d times", id,
				     seen[id]);
		free(seen);
	}
	PQfinish(c);
}

Test(pg, missing_table_and_bad_uris)
{
	hh_instream *in = NULL;
	hh_err err = {{0}};
	ins_opts o = {.source = "hr"};

	NEED_PG();
	cr_assert_eq(pgsrc_open("postgresql://?table=public.no_such_table", 0,
				1, &o, &in, &err),
		     HH_EINPUT);
	cr_assert_null(in);
	cr_assert(strstr(err.msg, "hr: postgresql://?table=public.no_such_table") ==
			  err.msg,
		  "%s", err.msg);
	cr_assert(strstr(err.msg, "not found"), "%s", err.msg);

	cr_assert_eq(pgsrc_open("postgresql://", 0, 1, &o, &in, &err),
		     HH_EUSAGE);
	cr_assert(strstr(err.msg, "table="), "%s", err.msg);
	cr_assert_eq(pgsrc_open("postgresql://?table=a&query=SELECT%201", 0, 1,
				&o, &in, &err),
		     HH_EUSAGE);
	cr_assert_eq(pgsrc_open("postgresql://?table=a%zz", 0, 1, &o, &in,
				&err),
		     HH_EUSAGE);
	cr_assert_eq(pgsrc_open("postgresql://?table=%22unterminated", 0, 1,
				&o, &in, &err),
		     HH_EUSAGE);
	/* a query that fails at run time */
	cr_assert_eq(pgsrc_open("postgresql://?query=SELECT%201%2F0", 0, 1, &o,
				&in, &err),
		     HH_EINPUT);
	cr_assert(strstr(err.msg, "division by zero"), "%s", err.msg);
}

Test(pg, terminated_backend_is_an_error)
{
	PGconn *c;
	hh_instream *in = NULL;
	csv_reader *r = NULL;
	hh_record rec;
	hh_err err = {{0}};
	ins_opts o = {.source = "medical"};
	int got = 0;
	long long rows = 0, killed;
	hh_status st;
	const char *uri = "postgresql://?table=public.hh_big"
			  "&application_name=hh_test_kill";

	NEED_PG();
	c = db();
	exec(c, "DROP TABLE IF EXISTS public.hh_big");
	exec(c, "CREATE TABLE public.hh_big (id integer, pad text)");
	exec(c, "INSERT INTO public.hh_big SELECT g, repeat('z', 200) "
		"FROM generate_series(1, 300000) g");
	cr_assert_eq(pgsrc_open(uri, 0, 1, &o, &in, &err), HH_OK, "%s",
		     err.msg);
	cr_assert_eq(csv_open(in, NULL, &r, &err), HH_OK, "%s", err.msg);
	cr_assert_eq(csv_next(r, &rec, &got, &err), HH_OK, "%s", err.msg);
	cr_assert_eq(csv_next(r, &rec, &got, &err), HH_OK, "%s", err.msg);
	killed = value(c, "SELECT count(pg_terminate_backend(pid)) "
			  "FROM pg_stat_activity "
			  "WHERE application_name = 'hh_test_kill'");
	cr_assert_eq(killed, 1);
	while ((st = csv_next(r, &rec, &got, &err)) == HH_OK && got)
		rows++;
	cr_assert_eq(st, HH_EINPUT, "read %lld rows and no error", rows);
	cr_assert_lt(rows, 300000);
	/* "SOURCE: URI: line N: connection lost during COPY: ..." (the
	 * CSV reader adds the line) */
	cr_assert(strstr(err.msg,
			 "medical: postgresql://?table=public.hh_big&application_name=hh_test_kill: ") ==
			  err.msg,
		  "%s", err.msg);
	cr_assert(strstr(err.msg, "connection lost during COPY: "), "%s",
		  err.msg);
	/* libpq's own words: the server's FATAL when it got through,
	 * else that the server closed the connection */
	cr_assert(strstr(err.msg, "terminating connection") ||
			  strstr(err.msg, "server closed the connection"),
		  "%s", err.msg);
	csv_close(r);
	PQfinish(c);
}

/* ---- store ---- */

static char rundir[64];

static void put(const char *dir, const char *name, const char *text)
{
	char path[256];
	FILE *f;
	snprintf(path, sizeof path, "%s/%s", dir, name);
	f = fopen(path, "w");
	cr_assert_not_null(f, "%s", path);
	fputs(text, f);
	fclose(f);
}

static void make_run(const char *dir, const char *members_h2)
{
	char h[1024];
	mkdir(dir, 0700);
	snprintf(h, sizeof h,
		 "household_id,region_code,category,members,household_income,"
		 "income_per_capita,oop_12m,edu_net_fees,risk_score,risk_level,reasons\n"
		 "H1,110101,dibao,3,12000.00,4000.00,15000.00,0.00,6,high,R_INCOME;R_MEDICAL\n"
		 "H2,110102,other,%s,90000.00,45000.00,0.00,0.00,0,none,\n"
		 "H3,120101,tekun,1,5000.00,5000.00,0.00,0.00,5,medium,R_INCOME;R_CARE\n",
		 members_h2);
	put(dir, "households.csv", h);
	put(dir, "flags.csv",
	    "household_id,region_code,category,members,household_income,"
	    "income_per_capita,oop_12m,edu_net_fees,risk_score,risk_level,reasons\n"
	    "H1,110101,dibao,3,12000.00,4000.00,15000.00,0.00,6,high,R_INCOME;R_MEDICAL\n"
	    "H3,120101,tekun,1,5000.00,5000.00,0.00,0.00,5,medium,R_INCOME;R_CARE\n");
	put(dir, "findings.csv",
	    "code,source,household_id,pid,detail\n"
	    "A_PUBLIC_SECTOR,hr,H1,aaaa,\"employer_type public_sector, \"\"x\"\"\"\n"
	    "X_DISCOVERY,medical,,bbbb,oop_12m 30000.00\n");
	put(dir, "rejects.csv",
	    "source,file,line,reason\n"
	    "medical,medical.csv,17,bad_id\n");
	put(dir, "report.json",
	    "{\"hhmatch_version\":\"0.1.0\",\"period\":\"202403\","
	    "\"key_id\":\"0badcafe\",\"started\":\"2024-04-01T02:00:00Z\","
	    "\"sources\":{\"civil_affairs\":{\"file\":\"ca.csv\",\"sha256\":\"ab\","
	    "\"rows_read\":10,\"rows_accepted\":9,\"rows_rejected\":1,"
	    "\"rejects\":{\"bad_id\":1},\"persons\":9,\"persons_on_roster\":9},"
	    "\"hr\":null}}\n");
	put(dir, "alerts.jsonl",
	    "{\"alert_id\":\"a1\",\"period\":202403,\"household_id\":\"H1\","
	    "\"kind\":\"new\",\"risk_level\":\"high\",\"reasons\":[\"R_INCOME\",\"R_MEDICAL\"]}\n"
	    "{\"alert_id\":\"a2\",\"period\":202403,\"household_id\":\"H3\","
	    "\"kind\":\"escalated\",\"risk_level\":\"medium\",\"reasons\":\"R_INCOME;R_CARE\"}\n");
}

/* Notifications on hhmatch_alerts with this payload, waiting up to
 * wait_ms for the first (delivery is asynchronous). */
static int notified(PGconn *l, const char *payload, int wait_ms)
{
	PGnotify *n;
	int hit = 0;
	for (int t = 0; t <= wait_ms; t += 50) {
		PQconsumeInput(l);
		while ((n = PQnotifies(l)) != NULL) {
			if (strcmp(n->relname, "hhmatch_alerts") == 0 &&
			    strcmp(n->extra, payload) == 0)
				hit++;
			PQfreemem(n);
		}
		if (hit)
			break;
		usleep(50 * 1000);
	}
	return hit;
}

static void rm_rf(const char *d)
{
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", d);
	cr_assert_eq(system(cmd), 0);
}

Test(pg, publish_is_idempotent_and_atomic)
{
	PGconn *c, *l;
	hh_err err = {{0}};
	char bad[80];

	NEED_PG();
	snprintf(rundir, sizeof rundir, "/tmp/hh_test_pg.XXXXXX");
	cr_assert_not_null(mkdtemp(rundir));
	c = db();
	l = db();
	exec(c, "DROP SCHEMA IF EXISTS hhmatch CASCADE");
	make_run(rundir, "2");

	cr_assert_eq(pgstore_publish("postgresql://", rundir, 202403, &err),
		     HH_OK, "%s", err.msg);
	exec(l, "LISTEN hhmatch_alerts");
	/* again, with the listener: same rows, no new alert, no notify */
	cr_assert_eq(pgstore_publish("postgresql://", rundir, 202403, &err),
		     HH_OK, "%s", err.msg);
	cr_assert_eq(notified(l, "202403", 300), 0);
	/* every embedded migration applied, the last one's version recorded */
	cr_assert_eq(value(c, "SELECT max(version) FROM hhmatch.schema_version"),
		     hh_pg_migration_version[hh_pg_migration_count - 1]);
	cr_assert_eq(value(c, "SELECT count(*) FROM hhmatch.runs"), 1);
	cr_assert_eq(value(c, "SELECT count(*) FROM hhmatch.households"), 3);
	cr_assert_eq(value(c, "SELECT count(*) FROM hhmatch.flags"), 2);
	cr_assert_eq(value(c, "SELECT count(*) FROM hhmatch.findings"), 2);
	cr_assert_eq(value(c, "SELECT count(*) FROM hhmatch.rejects"), 1);
	cr_assert_eq(value(c, "SELECT count(*) FROM hhmatch.source_counts"), 1);
	cr_assert_eq(value(c, "SELECT count(*) FROM hhmatch.alert_outbox"), 2);
	cr_assert_eq(value(c, "SELECT members FROM hhmatch.households "
			      "WHERE period = 202403 AND household_id = 'H2'"), 2);
	cr_assert_eq(value(c, "SELECT count(*) FROM hhmatch.findings WHERE "
			      "code = 'A_PUBLIC_SECTOR' AND region_code = '110101' "
			      "AND detail = 'employer_type public_sector, \"x\"'"), 1);
	cr_assert_eq(value(c, "SELECT count(*) FROM hhmatch.findings WHERE "
			      "code = 'X_DISCOVERY' AND household_id IS NULL "
			      "AND region_code IS NULL"), 1);
	cr_assert_eq(value(c, "SELECT count(*) FROM hhmatch.runs WHERE "
			      "key_id = '0badcafe' AND version = '0.1.0' "
			      "AND started = '2024-04-01T02:00:00Z'"), 1);
	cr_assert_eq(value(c, "SELECT rows_rejected FROM hhmatch.source_counts "
			      "WHERE source = 'civil_affairs'"), 1);
	cr_assert_eq(value(c, "SELECT count(*) FROM hhmatch.alert_outbox WHERE "
			      "alert_id = 'a1' AND reasons = 'R_INCOME;R_MEDICAL'"), 1);

	/* a new alert notifies the listener at commit */
	put(rundir, "alerts.jsonl",
	    "{\"alert_id\":\"a3\",\"period\":202403,\"household_id\":\"H2\","
	    "\"kind\":\"resolved\",\"risk_level\":\"none\",\"reasons\":[]}\n");
	cr_assert_eq(pgstore_publish("postgresql://", rundir, 202403, &err),
		     HH_OK, "%s", err.msg);
	cr_assert_eq(value(c, "SELECT count(*) FROM hhmatch.alert_outbox"), 3);
	cr_assert_eq(notified(l, "202403", 3000), 1);

	/* a broken CSV: an error naming the file and column, nothing of the
	 * new run committed, the earlier one untouched */
	snprintf(bad, sizeof bad, "%s/bad", rundir);
	make_run(bad, "two");
	put(bad, "alerts.jsonl",
	    "{\"alert_id\":\"a9\",\"period\":202403,\"household_id\":\"H9\","
	    "\"kind\":\"new\",\"risk_level\":\"high\",\"reasons\":[]}\n");
	cr_assert_eq(pgstore_publish("postgresql://", bad, 202403, &err),
		     HH_EINTERNAL);
	cr_assert(strstr(err.msg, "households.csv"), "%s", err.msg);
	cr_assert(strstr(err.msg, "members"), "%s", err.msg);
	cr_assert(strstr(err.msg, "\"two\""), "%s", err.msg);
	cr_assert_eq(value(c, "SELECT count(*) FROM hhmatch.households"), 3);
	cr_assert_eq(value(c, "SELECT count(*) FROM hhmatch.findings"), 2);
	cr_assert_eq(value(c, "SELECT count(*) FROM hhmatch.alert_outbox"), 3);
	cr_assert_eq(notified(l, "202403", 300), 0);
	/* the same broken folder as a new period leaves no trace either */
	cr_assert_eq(pgstore_publish("postgresql://", bad, 202404, &err),
		     HH_EINTERNAL);
	cr_assert_eq(value(c, "SELECT count(*) FROM hhmatch.runs"), 1);
	/* a report for another period is refused */
	cr_assert_eq(pgstore_publish("postgresql://", rundir, 202405, &err),
		     HH_EINTERNAL);
	cr_assert(strstr(err.msg, "report.json is for period 202403"), "%s",
		  err.msg);
	/* a missing required column */
	put(bad, "households.csv", "household_id,region_code\nH1,1101\n");
	cr_assert_eq(pgstore_publish("postgresql://", bad, 202403, &err),
		     HH_EINTERNAL);
	cr_assert(strstr(err.msg, "households.csv: missing column category"),
		  "%s", err.msg);
	cr_assert_eq(value(c, "SELECT count(*) FROM hhmatch.households"), 3);

	PQfinish(l);
	PQfinish(c);
	rm_rf(rundir);
}
