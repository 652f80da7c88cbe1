/*
 * test_pg.c - the PostgreSQL connector (connectors/pg/).
 *
 * Without a server (suite pg_uri): telling a connection string (URI,
 * key=value, service=) from a file path; parsing (table= and query=
 * taken out and decoded or unquoted, '#' ending the parameters, bad
 * escapes and quotes, what PQconninfoParse refuses), redaction of URIs,
 * key=value and service strings (user part, password= parameters and
 * keys, misspelt keys, a password with an unquoted blank, an empty
 * password, which once hung pg_redact; every short string over a hostile
 * alphabet terminates), scrubbing of libpq's messages, store URIs and
 * queries that are not one SELECT, WITH, VALUES or TABLE refused before
 * any connection.  Suite pg_cancel, without a server: a connection to a
 * peer that never answers is interrupted by the cancel flag within a
 * fraction of a second, and connect_timeout still bounds it.
 *
 * Against a real PostgreSQL (suites pg_conn and pg): the checked exec
 * helper's messages and COMMIT of a failed transaction; table sources
 * read in 1, 3 and 4 slices (every row exactly once, hh_row unique), a
 * table name with spaces and quotes, a query source, a query with exact
 * duplicate rows and a table giving the same hh_row and digest in 1, 2
 * and 4 slices, missing tables and
 * bad URIs, a backend terminated mid-COPY (an error, not a short read),
 * password redaction, key=value and service= sources, queries that try
 * to run more than one statement or to write (refused, nothing runs),
 * and the store: publish twice (one copy of the rows, alerts once,
 * NOTIFY at commit), a broken CSV (nothing committed).  Suite pg_cancel:
 * a sleeping query, a streaming COPY and a publish waiting for the
 * store's lock, each interrupted by the cancel flag within a second with
 * nothing left running on the server.
 *
 * The server tests are skipped unless PGHOST is set, e.g.
 *   eval "$(scripts/pg-test-server.sh start /tmp/hhpg)"
 *   ./build/test_pg
 *   scripts/pg-test-server.sh stop /tmp/hhpg
 * They create their own tables (schema "my schema", "hh test") and
 * replace the schema hhmatch in the database they are given.
 */
#include <criterion/criterion.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <libpq-fe.h>

#include "connectors/csv.h"
#include "connectors/pg/pg_conn.h"
#include "connectors/pg/pg_source.h"
#include "connectors/pg/pg_store.h"
#include "connectors/pg/pg_uri.h"

#define TESTDIR_NAME "pg"
#include "testdir.h"

/* Suites that write files get a private folder (tdir). */
TestSuite(pg, .init = testdir_setup, .fini = testdir_teardown);
TestSuite(pg_cancel, .init = testdir_setup, .fini = testdir_teardown);

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

	cr_assert_eq(pg_uri_parse("/data/x?password=Zq9sekret.csv", &u, &err), HH_EUSAGE);
	cr_assert_str_eq(err.msg, "/data/x?password=***: not a PostgreSQL connection string "
			 "(postgresql://... or libpq's key=value form)");
	cr_assert(has_secret(&u, "Zq9sekret.csv"));
	pg_uri_free(&u);
	cr_assert_eq(pg_uri_parse("/data/medical.csv", &u, &err), HH_EUSAGE);
	cr_assert(strstr(err.msg, "/data/medical.csv: not a PostgreSQL") == err.msg, "%s",
		  err.msg);
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
	cr_assert(strstr(err.msg, "postgresql://u:***@h/db?tabel=***: ") == err.msg, "%s",
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

Test(pg_uri, tells_connection_strings_from_file_paths)
{
	/* URIs, and key=value with a keyword libpq knows or table/query */
	cr_assert(pg_is_uri("postgres://x"));
	cr_assert(pg_is_uri("postgresql://"));
	cr_assert(pg_is_uri("host=db dbname=x"));
	cr_assert(pg_is_uri("service=extracts table=s.t"));
	cr_assert(pg_is_uri("  dbname = x"));
	cr_assert(pg_is_uri("table=s.t"));
	cr_assert(pg_is_uri("query='SELECT 1'"));
	cr_assert(pg_is_uri("sslmode=verify-full host=db"));
	/* a misspelt first key: a later keyword still says it (a string
	 * taken for a file would be printed whole, password and all) */
	cr_assert(pg_is_uri("hots=db password=Zq9sekret"));
	/* files */
	cr_assert(!pg_is_uri("/data/medical.csv"));
	cr_assert(!pg_is_uri("medical.csv.gz"));
	cr_assert(!pg_is_uri("data/a=b.csv"));
	cr_assert(!pg_is_uri("./host=a.csv")); /* the documented escape */
	cr_assert(!pg_is_uri("my extract=2026.csv"));
	cr_assert(!pg_is_uri("Host=db")); /* libpq's keywords are lower case */
	cr_assert(!pg_is_uri("POSTGRESQL://h/db"));
	cr_assert(!pg_is_uri(""));
	cr_assert(!pg_is_uri(NULL));
}

Test(pg_uri, parses_key_value_and_service_strings)
{
	pg_uri u;
	hh_err err = {{0}};

	cr_assert_eq(pg_uri_parse("host=/tmp dbname=x table=src.t sslmode=disable", &u, &err),
		     HH_OK, "%s", err.msg);
	cr_assert_str_eq(u.conn, "host=/tmp dbname=x sslmode=disable");
	cr_assert_str_eq(u.table, "src.t");
	cr_assert_null(u.query);
	cr_assert_str_eq(u.shown, "host=/tmp dbname=x table=src.t sslmode=disable");
	pg_uri_free(&u);

	/* quoted as libpq quotes: single quotes, backslash escapes, blanks
	 * around '='; the last of two wins */
	cr_assert_eq(pg_uri_parse("service=extracts query = 'SELECT 1' "
				  "query='SELECT \\'a b\\', x FROM t' application_name=hh",
				  &u, &err), HH_OK, "%s", err.msg);
	cr_assert_str_eq(u.conn, "service=extracts application_name=hh");
	cr_assert_str_eq(u.query, "SELECT 'a b', x FROM t");
	pg_uri_free(&u);
	cr_assert_eq(pg_uri_parse("table='\"my schema\".\"odd t\"' dbname=x", &u, &err), HH_OK,
		     "%s", err.msg);
	cr_assert_str_eq(u.table, "\"my schema\".\"odd t\"");
	cr_assert_str_eq(u.conn, "dbname=x");
	pg_uri_free(&u);
	/* only hhmatch's own: libpq's defaults (PGHOST...) for the rest */
	cr_assert_eq(pg_uri_parse("table=s.t", &u, &err), HH_OK, "%s", err.msg);
	cr_assert_str_eq(u.conn, "");
	pg_uri_free(&u);

	/* refused: an unterminated quote, a misspelt key (named by libpq,
	 * its value hidden), a word without '=' */
	cr_assert_eq(pg_uri_parse("dbname=x table='s.t", &u, &err), HH_EUSAGE);
	cr_assert_str_eq(err.msg, "dbname=x table='s.t: unterminated quoted string in "
				  "the table parameter");
	pg_uri_free(&u);
	cr_assert_eq(pg_uri_parse("host=/tmp tabel=s.t", &u, &err), HH_EUSAGE);
	cr_assert(strstr(err.msg, "host=/tmp tabel=***: ") == err.msg, "%s", err.msg);
	cr_assert(strstr(err.msg, "\"tabel\""), "%s", err.msg);
	pg_uri_free(&u);
	cr_assert_eq(pg_uri_parse("host=/tmp dbname", &u, &err), HH_EUSAGE);
	cr_assert(strstr(err.msg, "missing \"=\" after \"dbname\""), "%s", err.msg);
	pg_uri_free(&u);
	/* a store takes no table= or query=, in any form */
	cr_assert_eq(pg_uri_parse("dbname=x query='SELECT 1'", &u, &err), HH_OK);
	cr_assert_eq(pg_uri_check_store(&u, &err), HH_EUSAGE);
	cr_assert_str_eq(err.msg, "dbname=x query='SELECT 1': a store URI takes no table= "
				  "or query=");
	pg_uri_free(&u);
}

Test(pg_uri, redacts_key_value_and_service_strings_further)
{
	pg_uri u;
	hh_err err = {{0}};

	cr_assert_str_eq(redacted("service=prod password=Zq9 table=t"),
			 "service=prod password=*** table=t");
	cr_assert_str_eq(redacted("service=prod PASSWORD='Zq9 x'"), "service=prod PASSWORD=***");
	/* a misspelt key is still a password; in a URI too */
	cr_assert_str_eq(redacted("host=x pasword=hunter2 dbname=y"),
			 "host=x pasword=*** dbname=y");
	cr_assert_str_eq(redacted("postgresql://h/db?pasword=hunter2&table=t"),
			 "postgresql://h/db?pasword=***&table=t");
	/* known keys and ssl (libpq's URI alias) stay readable */
	cr_assert_str_eq(redacted("postgresql://h/db?ssl=true&sslmode=require&table=t"),
			 "postgresql://h/db?ssl=true&sslmode=require&table=t");
	/* a password with an unquoted blank: libpq splits it and refuses
	 * the string, echoing the second word; it is hidden and scrubbed */
	cr_assert_str_eq(redacted("host=x password=Zq9 sekret dbname=y"),
			 "host=x password=*** *** dbname=y");
	cr_assert_eq(pg_uri_parse("host=x password=Zq9 sekret dbname=y", &u, &err), HH_EUSAGE);
	cr_assert_null(strstr(err.msg, "sekret"), "%s", err.msg);
	cr_assert_null(strstr(err.msg, "Zq9"), "%s", err.msg);
	cr_assert(strstr(err.msg, "missing \"=\" after \"***\""), "%s", err.msg);
	pg_uri_free(&u);
	/* the unquoted value libpq sees is scrubbed too */
	cr_assert_eq(pg_uri_parse("host=x password='Zq\\'9s' dbname=y", &u, &err), HH_OK);
	cr_assert(has_secret(&u, "Zq'9s"));
	cr_assert(has_secret(&u, "'Zq\\'9s'"));
	pg_uri_free(&u);
}

Test(pg_uri, queries_that_are_not_one_select_are_refused_before_connecting)
{
	static const char *const bad[] = {
		"postgresql://u:Zq9sekret@127.0.0.1:1/x?query=DROP%20TABLE%20t",
		("postgresql://127.0.0.1:1/x?query=%20--%20hi%0A/*%20a%20/*%20b%20*/%20*/%20"
		 "DELETE%20FROM%20t"), /* one string: comments before the statement */
		"host=127.0.0.1 port=1 query='INSERT INTO t VALUES (1)'",
		"host=127.0.0.1 port=1 query=' ; '",
		"host=127.0.0.1 port=1 query=COPY",
	};
	hh_instream *in = NULL;
	hh_err err = {{0}};
	ins_opts o = {.source = "hr"};

	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		cr_assert_eq(pgsrc_open(bad[i], 0, 1, &o, &in, &err), HH_EINPUT, "%s: %s",
			     bad[i], err.msg);
		cr_assert_null(in);
		cr_assert(strstr(err.msg, "hr: ") == err.msg, "%s", err.msg);
		cr_assert(strstr(err.msg, "query= ") && strstr(err.msg, "SELECT, WITH, VALUES or TABLE"),
			  "%s", err.msg);
		cr_assert_null(strstr(err.msg, "Zq9sekret"), "%s", err.msg);
	}
	cr_assert(strstr(err.msg, "it starts with \"COPY\""), "%s", err.msg);
	/* the four kinds pass the check and go on to connect (port 1:
	 * refused), comments and parentheses skipped */
	static const char *const good[] = {
		"host=127.0.0.1 port=1 query='select 1'",
		"host=127.0.0.1 port=1 query='/* c */ (WITH a AS (SELECT 1) SELECT * FROM a)'",
		"host=127.0.0.1 port=1 query='VALUES (1)'",
		"host=127.0.0.1 port=1 query='--x\nTABLE t'",
	};
	for (size_t i = 0; i < sizeof good / sizeof *good; i++) {
		cr_assert_eq(pgsrc_open(good[i], 0, 1, &o, &in, &err), HH_EINPUT, "%s: %s",
			     good[i], err.msg);
		cr_assert(strstr(err.msg, "cannot connect"), "%s", err.msg);
		cr_assert_null(strstr(err.msg, "must be exactly one"), "%s", err.msg);
	}
}

/* ---- cancellation ---- */

/* Sets *flag after ms milliseconds (a signal handler's stand-in). */
typedef struct {
	_Atomic int *flag;
	int ms;
} raiser;

static void *raise_later(void *arg)
{
	raiser *r = arg;
	usleep((useconds_t)r->ms * 1000);
	atomic_store(r->flag, 1);
	return NULL;
}

/* Sets *flag once a backend with application_name app runs a COPY (or
 * after 5 s), noting in found whether it saw one. */
typedef struct {
	_Atomic int *flag;
	const char *app;
	int found;
} watcher;

static void *raise_when_running(void *arg)
{
	watcher *w = arg;
	PGconn *c = PQconnectdb("");
	char sql[256];

	snprintf(sql, sizeof sql, "SELECT 1 FROM pg_stat_activity WHERE application_name = "
		 "'%s' AND state = 'active' AND query LIKE 'COPY %%'", w->app);
	for (int t = 0; t < 5000 && !w->found; t += 20) {
		PGresult *r = PQexec(c, sql);
		w->found = PQntuples(r) == 1;
		PQclear(r);
		if (!w->found)
			usleep(20 * 1000);
	}
	PQfinish(c);
	atomic_store(w->flag, 1);
	return NULL;
}

static double now_s(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* A TCP peer on 127.0.0.1 that accepts connections (the kernel does)
 * and never answers: libpq waits for the server's reply forever.
 * Returns the listening socket; *port its port. */
static int silent_peer(int *port)
{
	struct sockaddr_in a = {.sin_family = AF_INET};
	socklen_t len = sizeof a;
	int s = socket(AF_INET, SOCK_STREAM, 0);

	cr_assert_geq(s, 0);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	cr_assert_eq(bind(s, (struct sockaddr *)&a, sizeof a), 0);
	cr_assert_eq(listen(s, 8), 0);
	cr_assert_eq(getsockname(s, (struct sockaddr *)&a, &len), 0);
	*port = ntohs(a.sin_port);
	return s;
}

Test(pg_cancel, connecting_to_a_silent_peer_is_interrupted, .timeout = 20)
{
	_Atomic int flag = 0;
	raiser r = {&flag, 300};
	pthread_t th;
	hh_instream *in = NULL;
	hh_err err = {{0}};
	ins_opts o = {.source = "hr", .cancel = &flag};
	char uri[160];
	int port, s = silent_peer(&port);
	double t0, dt;

	snprintf(uri, sizeof uri, "host=127.0.0.1 port=%d password=Zq9sekret table=t", port);
	cr_assert_eq(pthread_create(&th, NULL, raise_later, &r), 0);
	t0 = now_s();
	cr_assert_eq(pgsrc_open(uri, 0, 1, &o, &in, &err), HH_EINTERNAL, "%s", err.msg);
	dt = now_s() - t0;
	pthread_join(th, NULL);
	cr_assert_null(in);
	cr_assert_lt(dt, 1.0, "answered the flag after %.2f s", dt);
	cr_assert_geq(dt, 0.25, "%.2f s", dt);
	cr_assert(strstr(err.msg, "hr: host=127.0.0.1 port=") == err.msg, "%s", err.msg);
	cr_assert(strstr(err.msg, "password=*** table=t: connecting: interrupted by a signal; "
				  "nothing was published"),
		  "%s", err.msg);
	close(s);
}

Test(pg_cancel, connect_timeout_still_bounds_a_silent_peer, .timeout = 20)
{
	pgc_conn *c = NULL;
	hh_err err = {{0}};
	char uri[160];
	int port, s = silent_peer(&port);
	double t0 = now_s(), dt;

	snprintf(uri, sizeof uri, "postgresql://127.0.0.1:%d/x?connect_timeout=2", port);
	cr_assert_eq(pgc_open(uri, "auditing ", HH_EINPUT, &c, &err), HH_EINPUT);
	dt = now_s() - t0;
	cr_assert_null(c);
	cr_assert(dt >= 1.9 && dt < 4, "gave up after %.2f s", dt);
	cr_assert(strstr(err.msg, "cannot connect: timeout expired"), "%s", err.msg);
	close(s);
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

/* A row as read: its hh_row and its id. */
typedef struct {
	uint64_t hh_row;
	long id;
} numbered;

static int cmp_numbered(const void *a, const void *b)
{
	return cmp_u64(&((const numbered *)a)->hh_row, &((const numbered *)b)->hh_row);
}

/* Reads every slice of uri (id in column 1) into rows (cap entries),
 * sorted by hh_row, and the slices' digests added, as the engine merges
 * them, into digest.  Returns the row count. */
static size_t read_numbered(const char *uri, int nslices, numbered *rows, size_t cap,
			    char digest[65])
{
	size_t nrows = 0;
	char b[64];

	for (int k = 0; k < nslices; k++) {
		hh_instream *in = NULL;
		csv_reader *r = NULL;
		hh_record rec;
		hh_err err = {{0}};
		ins_opts o = {.source = "medical", .want_sha256 = 1};
		int got = 0;

		cr_assert_eq(pgsrc_open(uri, k, nslices, &o, &in, &err), HH_OK,
			     "slice %d/%d: %s", k, nslices, err.msg);
		cr_assert_eq(csv_open(in, NULL, &r, &err), HH_OK, "%s", err.msg);
		cr_assert_eq(csv_next(r, &rec, &got, &err), HH_OK, "%s", err.msg);
		for (;;) {
			cr_assert_eq(csv_next(r, &rec, &got, &err), HH_OK, "%s",
				     err.msg);
			if (!got)
				break;
			cr_assert_lt(nrows, cap);
			rows[nrows].hh_row = strtoull(field(&rec, 0, b, sizeof b), NULL, 10);
			rows[nrows].id = strtol(field(&rec, 1, b, sizeof b), NULL, 10);
			nrows++;
		}
		cr_assert_eq(strlen(ins_sha256_hex(csv_stream(r))), 64);
		if (k == 0)
			snprintf(digest, 65, "%s", ins_sha256_hex(csv_stream(r)));
		else
			pgsrc_sha256_add(digest, ins_sha256_hex(csv_stream(r)));
		csv_close(r);
	}
	qsort(rows, nrows, sizeof *rows, cmp_numbered);
	for (size_t i = 1; i < nrows; i++)
		cr_assert_neq(rows[i].hh_row, rows[i - 1].hh_row, "hh_row %llu twice",
			      (unsigned long long)rows[i].hh_row);
	return nrows;
}

/* Issue 12: a query's rows (exact duplicates among them) and a table's
 * get the same hh_row, and the source the same digest, at any slice
 * count; a changed row changes the digest. */
Test(pg, rows_and_digest_do_not_depend_on_the_slice_count)
{
	static const char *const uris[] = {
		/* the table, then its first 300 rows again in another order */
		"postgresql://?query=SELECT%20*%20FROM%20%22my%20schema%22.hh_det"
		"%20UNION%20ALL%20(SELECT%20*%20FROM%20%22my%20schema%22.hh_det"
		"%20WHERE%20id%20%3C%3D%20300%20ORDER%20BY%20id%20DESC)",
		"postgresql://?table=%22my%20schema%22.hh_det",
	};
	enum { CAP = NROWS + 300 };
	int ns[] = {2, 4};
	char dq[65], d[65];
	numbered *first = calloc(CAP, sizeof *first), *rows = calloc(CAP, sizeof *rows);
	PGconn *c;

	NEED_PG();
	c = db();
	make_odd_table(c, "hh_det");
	for (size_t u = 0; u < sizeof uris / sizeof *uris; u++) {
		size_t n1 = read_numbered(uris[u], 1, first, CAP, dq);

		cr_assert_eq(n1, u == 0 ? NROWS + 300 : NROWS, "%zu rows", n1);
		for (size_t t = 0; t < sizeof ns / sizeof *ns; t++) {
			size_t n = read_numbered(uris[u], ns[t], rows, CAP, d);
			cr_assert_eq(n, n1, "%d slices: %zu rows", ns[t], n);
			cr_assert(memcmp(rows, first, n * sizeof *rows) == 0,
				  "%s: %d slices number the rows differently",
				  uris[u], ns[t]);
			cr_assert_str_eq(d, dq, "%s: %d slices", uris[u], ns[t]);
		}
	}
	/* dq is the table's; the query's digest changes with one row */
	read_numbered(uris[0], 2, rows, CAP, dq);
	exec(c, "UPDATE \"my schema\".hh_det SET note = note || '.' WHERE id = 500");
	read_numbered(uris[0], 2, rows, CAP, d);
	cr_assert_str_neq(d, dq, "a changed row left the digest as it was");
	free(first);
	free(rows);
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

static void put(const char *dir, const char *name, const char *text)
{
	char path[1400];
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

Test(pg, publish_is_idempotent_and_atomic)
{
	PGconn *c, *l;
	hh_err err = {{0}};
	char bad[1400];
	const char *rundir = tdir;

	NEED_PG();
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
	snprintf(bad, sizeof bad, "%s", tpath("bad"));
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
}

/* ---- what a source may be and may run ---- */

Test(pg, key_value_and_service_sources)
{
	PGconn *c;
	int *seen = calloc(NROWS + 1, sizeof *seen);
	hh_instream *in = NULL;
	hh_err err = {{0}};
	ins_opts o = {.source = "hr"};
	const char *v;
	char svc[2048];
	int n = 0;

	NEED_PG();
	c = db();
	make_odd_table(c, "\"kv t\"");
	/* key=value, the rest from libpq's environment (PGHOST...) */
	cr_assert_eq(read_all("table='\"my schema\".\"kv t\"' application_name=hh_test_kv", 2,
			      seen, NROWS, 1, "full name"), NROWS);
	/* service=: the settings from a service file */
	n += snprintf(svc + n, sizeof svc - (size_t)n, "[hh_unit]\n");
	if ((v = getenv("PGHOST")))
		n += snprintf(svc + n, sizeof svc - (size_t)n, "host=%s\n", v);
	if ((v = getenv("PGPORT")))
		n += snprintf(svc + n, sizeof svc - (size_t)n, "port=%s\n", v);
	if ((v = getenv("PGDATABASE")))
		n += snprintf(svc + n, sizeof svc - (size_t)n, "dbname=%s\n", v);
	write_bytes(tpath("pg_service.conf"), svc, (size_t)n);
	cr_assert_eq(setenv("PGSERVICEFILE", tpath("pg_service.conf"), 1), 0);
	memset(seen, 0, (NROWS + 1) * sizeof *seen);
	cr_assert_eq(read_all("service=hh_unit table='\"my schema\".\"kv t\"'", 1, seen, NROWS,
			      1, "full name"), NROWS);
	/* a service the file lacks: an input error naming it */
	cr_assert_eq(pgsrc_open("service=hh_nope password=Zq9sekret table=t", 0, 1, &o, &in,
				&err), HH_EINPUT);
	cr_assert(strstr(err.msg, "hr: service=hh_nope password=*** table=t: cannot connect: "),
		  "%s", err.msg);
	cr_assert(strstr(err.msg, "hh_nope"), "%s", err.msg);
	free(seen);
	PQfinish(c);
}

Test(pg, a_query_cannot_run_more_than_one_statement_or_write)
{
	static const char *const several[] = {
		/* issue 14: closes the COPY's parentheses to append statements */
		"postgresql://?query=SELECT%201)%20TO%20STDOUT;%20DROP%20TABLE%20public.hh_victim;"
		"%20COPY%20(SELECT%201",
		"query='SELECT 1 AS x) AS t) TO STDOUT WITH (FORMAT csv); "
		"DROP TABLE public.hh_victim; COPY (SELECT 1'",
		"query='SELECT 1; DROP TABLE public.hh_victim'",
		/* issue 14's brief: the rest of the COPY commented out */
		"query='select 1) to stdout; drop table public.hh_victim; --'",
		/* one statement, but it would create a table */
		"query='SELECT * INTO public.hh_new FROM public.hh_victim'",
	};
	PGconn *c;
	hh_instream *in = NULL;
	csv_reader *r = NULL;
	hh_record rec;
	hh_err err = {{0}};
	ins_opts o = {.source = "hr"};
	hh_status st;
	int got = 0;

	NEED_PG();
	c = db();
	exec(c, "DROP TABLE IF EXISTS public.hh_victim, public.hh_new");
	exec(c, "DROP SEQUENCE IF EXISTS public.hh_seq");
	exec(c, "CREATE TABLE public.hh_victim (id integer)");
	exec(c, "INSERT INTO public.hh_victim VALUES (1), (2), (3)");
	exec(c, "CREATE SEQUENCE public.hh_seq");
	for (size_t i = 0; i < sizeof several / sizeof *several; i++) {
		cr_assert_eq(pgsrc_open(several[i], 0, 1, &o, &in, &err), HH_EINPUT, "%s: %s",
			     several[i], err.msg);
		cr_assert_null(in);
		cr_assert(strstr(err.msg, ": query= must be exactly one SELECT, WITH, VALUES or "
					  "TABLE statement: "), "%s", err.msg);
		cr_assert(strstr(err.msg, "syntax error") ||
				  strstr(err.msg, "cannot insert multiple commands") ||
				  strstr(err.msg, "SELECT ... INTO is not allowed here"),
			  "%s", err.msg);
	}
	cr_assert_eq(value(c, "SELECT count(*) FROM public.hh_victim"), 3);
	cr_assert_eq(value(c, "SELECT count(*) FROM pg_class WHERE relname = 'hh_new'"), 0);

	/* a write inside a SELECT: refused by the READ ONLY transaction as
	 * it runs (when the COPY has started: the read fails) */
	st = pgsrc_open("query='SELECT nextval(\\'public.hh_seq\\') AS x'", 0, 1, &o, &in, &err);
	if (st == HH_OK) {
		cr_assert_eq(csv_open(in, NULL, &r, &err), HH_OK, "%s", err.msg);
		while ((st = csv_next(r, &rec, &got, &err)) == HH_OK && got)
			;
		csv_close(r);
	}
	cr_assert_eq(st, HH_EINPUT, "%s", err.msg);
	cr_assert(strstr(err.msg, "a source may only read (it is read in a READ ONLY "
				  "transaction): cannot execute nextval() in a read-only "
				  "transaction"), "%s", err.msg);
	cr_assert_eq(value(c, "SELECT is_called::int FROM public.hh_seq"), 0);
	/* a data-modifying WITH cannot be wrapped in the COPY: nothing runs */
	cr_assert_eq(pgsrc_open("query='with d as (delete from public.hh_victim returning *) "
				"select * from d'", 0, 1, &o, &in, &err), HH_EINPUT, "%s", err.msg);
	cr_assert_null(in);
	cr_assert(strstr(err.msg, "hr: query='with d as ") == err.msg, "%s", err.msg);
	cr_assert_eq(value(c, "SELECT count(*) FROM public.hh_victim"), 3);
	exec(c, "DROP TABLE public.hh_victim");
	exec(c, "DROP SEQUENCE public.hh_seq");
	PQfinish(c);
}

/* ---- cancellation, against a server ---- */

/* The backends with application_name app, after waiting up to wait_ms
 * for them to go (a closed connection's backend exits a moment later). */
static long long backends(PGconn *c, const char *app, int wait_ms)
{
	char sql[256];
	long long n = 0;

	snprintf(sql, sizeof sql, "SELECT count(*) FROM pg_stat_activity "
		 "WHERE application_name = '%s'", app);
	for (int t = 0; t <= wait_ms; t += 20) {
		PQclear(PQexec(c, "SELECT pg_stat_clear_snapshot()"));
		if ((n = value(c, sql)) == 0)
			break;
		usleep(20 * 1000);
	}
	return n;
}

Test(pg_cancel, a_sleeping_query_is_cancelled_on_the_server, .timeout = 60)
{
	_Atomic int flag = 0;
	watcher w = {&flag, "hh_test_sleep", 0};
	pthread_t th;
	PGconn *c;
	hh_instream *in = NULL;
	csv_reader *r = NULL;
	hh_record rec;
	hh_err err = {{0}};
	ins_opts o = {.source = "hr", .cancel = &flag};
	int got = 0;
	double t0, dt;
	hh_status st;

	NEED_PG();
	c = db();
	/* the server sends nothing, not even the header, before the sleep
	 * ends: the flag finds the source waiting in the open or the first
	 * read, and a backend that was not cancelled would sleep on; the
	 * flag is raised once the backend runs the COPY */
	cr_assert_eq(pthread_create(&th, NULL, raise_when_running, &w), 0);
	t0 = now_s();
	st = pgsrc_open("query='SELECT pg_sleep(30), 1 AS x' application_name=hh_test_sleep",
			0, 1, &o, &in, &err);
	if (st == HH_OK) {
		cr_assert_eq(csv_open(in, NULL, &r, &err), HH_OK, "%s", err.msg);
		while ((st = csv_next(r, &rec, &got, &err)) == HH_OK && got)
			;
	}
	dt = now_s() - t0;
	pthread_join(th, NULL);
	cr_assert(w.found, "the COPY was never seen running");
	cr_assert_eq(st, HH_EINTERNAL, "%s", err.msg);
	cr_assert_lt(dt, 1.5, "%.2f s from the start to the interruption", dt);
	cr_assert(strstr(err.msg, "hr: query='SELECT pg_sleep(30), 1 AS x' "
				  "application_name=hh_test_sleep: ") == err.msg, "%s", err.msg);
	cr_assert(strstr(err.msg, "interrupted by a signal; nothing was published"), "%s",
		  err.msg);
	csv_close(r);
	cr_assert_eq(backends(c, "hh_test_sleep", 1000), 0);
	PQfinish(c);
}

Test(pg_cancel, a_streaming_copy_is_cancelled_on_the_server, .timeout = 60)
{
	_Atomic int flag = 0;
	PGconn *c;
	hh_instream *in = NULL;
	csv_reader *r = NULL;
	hh_record rec;
	hh_err err = {{0}};
	ins_opts o = {.source = "medical", .cancel = &flag};
	int got = 0;
	long rows = 0;
	double t0, dt;
	hh_status st;

	NEED_PG();
	c = db();
	/* a table, which streams as it is read (a query is sorted whole
	 * first); its rows are 32 kB of text but compress to a few bytes, so
	 * 160 MB stream from a 2 MB table and the COPY is still running
	 * when the flag is set */
	exec(c, "DROP TABLE IF EXISTS public.hh_stream");
	exec(c, "CREATE TABLE public.hh_stream AS SELECT g, repeat('x', 32000) AS pad "
		"FROM generate_series(1, 5000) AS g");
	cr_assert_eq(pgsrc_open("postgresql://?application_name=hh_test_stream"
				"&table=public.hh_stream",
				0, 1, &o, &in, &err), HH_OK, "%s", err.msg);
	cr_assert_eq(csv_open(in, NULL, &r, &err), HH_OK, "%s", err.msg);
	while (rows < 1000 && csv_next(r, &rec, &got, &err) == HH_OK && got)
		rows++;
	cr_assert_eq(rows, 1000, "%s", err.msg);
	atomic_store(&flag, 1);
	t0 = now_s();
	while ((st = csv_next(r, &rec, &got, &err)) == HH_OK && got)
		rows++;
	dt = now_s() - t0;
	cr_assert_eq(st, HH_EINTERNAL, "%s", err.msg);
	cr_assert_lt(dt, 1.0, "stopped %.2f s after the flag", dt);
	cr_assert(strstr(err.msg, "interrupted by a signal; nothing was published"), "%s",
		  err.msg);
	csv_close(r);
	cr_assert_eq(backends(c, "hh_test_stream", 1000), 0);
	PQfinish(c);
}

Test(pg_cancel, a_publish_waiting_for_the_lock_is_interrupted, .timeout = 60)
{
	_Atomic int flag = 0;
	raiser ra = {&flag, 300};
	pthread_t th;
	PGconn *c;
	hh_err err = {{0}};
	double t0, dt;
	hh_status st;

	NEED_PG();
	c = db();
	exec(c, "DROP SCHEMA IF EXISTS hhmatch CASCADE");
	make_run(tdir, "2");
	cr_assert_eq(pgstore_publish("postgresql://", tdir, 202403, &err), HH_OK, "%s",
		     err.msg);
	exec(c, "DELETE FROM hhmatch.households WHERE household_id = 'H2'");
	/* another publisher holds the store's lock */
	exec(c, "SELECT pg_advisory_lock(hashtext('hhmatch.store'))");
	cr_assert_eq(pthread_create(&th, NULL, raise_later, &ra), 0);
	t0 = now_s();
	st = pgstore_publish_cancellable("postgresql://?application_name=hh_test_pub", tdir,
					 202403, &flag, &err);
	dt = now_s() - t0;
	pthread_join(th, NULL);
	exec(c, "SELECT pg_advisory_unlock(hashtext('hhmatch.store'))");
	cr_assert_eq(st, HH_EINTERNAL, "%s", err.msg);
	cr_assert_lt(dt, 1.0, "answered the flag after %.2f s", dt);
	cr_assert(strstr(err.msg, " to postgresql://?application_name=hh_test_pub: lock: "
				  "interrupted by a signal; nothing was published"), "%s", err.msg);
	cr_assert_eq(backends(c, "hh_test_pub", 1000), 0);
	/* nothing of the interrupted publish: H2 is still gone */
	cr_assert_eq(value(c, "SELECT count(*) FROM hhmatch.households"), 2);
	/* a flag set before the publish stops it at once */
	t0 = now_s();
	cr_assert_eq(pgstore_publish_cancellable("postgresql://", tdir, 202403, &flag, &err),
		     HH_EINTERNAL);
	cr_assert_lt(now_s() - t0, 0.5);
	cr_assert(strstr(err.msg, "connecting: interrupted by a signal"), "%s", err.msg);
	PQfinish(c);
}
