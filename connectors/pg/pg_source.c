/*
 * pg_source.c - PostgreSQL tables and queries as sources: COPY slices as
 * an hh_instream (see pg_source.h).
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
 *    usable ctid) is run whole by every slice and its rows numbered in
 *    one order PostgreSQL guarantees whatever the plan:
 *      hh_row = row_number() OVER (ORDER BY hh_q::text COLLATE "C")
 *    the row's text (every column, as the record's output function
 *    writes it) compared bytewise; slice k of n keeps hh_row % n = k.
 *    Rows that tie are identical in every column, so which of them gets
 *    which number changes no byte of any output: a result with exact
 *    duplicates works.  So a row's number, its slice and every output
 *    are the same at 1, 2 or 16 slices (row_number() OVER () followed the
 *    plan, which differs between a slice's filtered query and the whole).
 *    The cost: every slice sorts the whole result by its text (work_mem,
 *    then temporary files), n sorts of it on the server at once.  This
 *    is exact only when the query returns the same rows every time it
 *    runs (no random(), no LIMIT without ORDER BY, no data changing
 *    between the slices' starts); otherwise give a table.
 *  Each slice reads its own snapshot; slices are consistent with each
 *  other for data that is not being modified during the run (an extract).
 *
 * Digest.  A source has no file whose bytes could be hashed, and the
 * bytes of one slice depend on the slice count, so a slice's "sha256"
 * (ins_sha256_hex) is the sum modulo 2^256 of the SHA-256 of each row it
 * read, one CopyData message each (the protocol sends one row per
 * message), as 256-bit big-endian numbers; slice 0 adds its header row.
 * pgsrc_sha256_add adds the slices' sums.  A row's text starts with its
 * hh_row, which does not depend on the slice count, so the sum is the
 * same whatever the slices and whatever order rows arrive in.  It tells
 * whether two reads saw the same rows; a sum of digests (a multiset
 * hash) is weaker than one SHA-256 against someone who crafts rows to
 * collide, so it is a fingerprint of the extract, not a seal (manifest
 * signatures seal the outputs).
 *
 * Values come out as the session (pg_conn.h) prints them: booleans as
 * t/f and timestamps as "YYYY-MM-DD HH:MM:SS"; cast them in a query
 * (`inpatient::int`, `settle_date::date`) when a column needs 0/1 or a
 * date.
 *
 * What a source may run.  query= must be exactly one SELECT, WITH,
 * VALUES or TABLE statement, and only read:
 *  - its first word (after blanks, comments and opening parentheses) is
 *    checked before connecting: anything else is refused;
 *  - every slice reads inside START TRANSACTION READ ONLY, so nothing it
 *    runs, a function it calls included, can change the database (a
 *    temporary table of its own aside, gone with the connection):
 *    PostgreSQL refuses with SQLSTATE 25006;
 *  - the query is first prepared alone (PQsendPrepare: parsed, never
 *    run), then the COPY around it is sent on the extended protocol
 *    (PQsendQueryParams), and that protocol refuses a string holding more
 *    than one statement.  So `SELECT 1) TO STDOUT; DROP TABLE x; COPY
 *    (SELECT 1`, which closes the COPY's parentheses to append
 *    statements, is refused by the server's own parser (SQLSTATE 42601)
 *    and nothing of it runs.  The server's parser is the judge, not a
 *    lexer of ours that would have to follow every quoting rule of every
 *    server version.
 *  A refused query is an input error (exit 2), like a table that cannot
 *  be read: the source as given cannot be read; every other result the
 *  server gives that is not the one expected fails the slice too, with
 *  the source and the redacted string in the message.
 *
 * Cancellation: opts->cancel reaches the connection (pg_conn.h).  The
 * COPY data is read without blocking (PQgetCopyData async, and a poll of
 * the socket between looks at the flag); once the flag is set the
 * running COPY is cancelled on the server (PQcancel) and the read fails
 * "SOURCE: URI: interrupted by a signal; nothing was published".
 *
 * Stream lifetime: ins_open_pull leaves the callback context to us, and
 * the stream never calls the callback again after end of input or an
 * error, so the callback closes the connection and frees its context at
 * that point.  A stream closed before either leaks its connection until
 * the process exits (instream.h has no close hook yet).
 */
#include "connectors/pg/pg_source.h"

#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>

#include "base/hex.h"
#include "base/strbuf.h"
#include "connectors/pg/pg_conn.h"

/* Splits "schema.name" (parts optionally in double quotes) into parts;
 * *schema is NULL when there is no dot.  Returns 0 on a malformed name
 * (or no memory). */
static int split_table(const char *s, char **schema, char **name)
{
	char *parts[2] = {NULL, NULL};
	int np = 0;
	const char *p = s;

	*schema = *name = NULL;
	while (np < 2) {
		strbuf b = STRBUF_INIT;
		if (*p == '"') {
			for (p++;; p++) {
				if (!*p)
					goto bad_b;
				if (*p == '"') {
					if (p[1] == '"') {
						sb_addc(&b, '"');
						p++;
						continue;
					}
					p++;
					break;
				}
				sb_addc(&b, *p);
			}
			if (*p && *p != '.')
				goto bad_b;
		} else {
			size_t n = strcspn(p, ".");
			sb_add(&b, p, n);
			p += n;
		}
		if (b.len == 0)
			goto bad_b;
		parts[np] = sb_detach(&b, NULL);
		if (!parts[np])
			goto bad;
		np++;
		if (*p != '.')
			break;
		p++;
		continue;
bad_b:
		sb_release(&b);
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
	pgc_conn *c;
	char *row;       /* current CopyData message (libpq memory) */
	size_t row_len, row_off;
	int done;        /* COPY finished, connection closed */
	int slice;
	int header_seen; /* the first message (the header row) was summed or skipped */
	unsigned char sum[32]; /* the rows' digests added (see the top) */
	hh_instream *in; /* the stream, told the digest at the end */
	char ctx[132];   /* "SOURCE: ", or "" without a source name */
} pgsrc;

/* to += d modulo 2^256, both big-endian. */
static void sum_add(unsigned char to[32], const unsigned char d[32])
{
	unsigned carry = 0;

	for (int i = 31; i >= 0; i--) {
		carry += (unsigned)to[i] + d[i];
		to[i] = (unsigned char)carry;
		carry >>= 8;
	}
}

void pgsrc_sha256_add(char to[65], const char *from)
{
	unsigned char a[32], b[32];

	if (hex_decode(to, 32, a) != 0 || strlen(to) != 64 ||
	    hex_decode(from, 32, b) != 0 || strlen(from) != 64)
		return;
	sum_add(a, b);
	hex_encode(a, 32, to);
}

/* Adds the digest of one CopyData message (a row) to the slice's sum;
 * only slice 0 counts the header, which every slice receives.  0 when
 * OpenSSL fails. */
static int sum_row(pgsrc *s, const char *row, size_t len)
{
	unsigned char d[EVP_MAX_MD_SIZE];
	unsigned int n = 0;

	if (!s->header_seen++ && s->slice != 0)
		return 1;
	if (EVP_Digest(row, len, d, &n, EVP_sha256(), NULL) != 1 || n != 32)
		return 0;
	sum_add(s->sum, d);
	return 1;
}

/* Tells the stream the slice's digest (the rows' sum in hex). */
static void sum_finish(pgsrc *s)
{
	char hex[65];

	hex_encode(s->sum, sizeof s->sum, hex);
	ins_set_sha256_hex(s->in, hex);
}

static void pgsrc_free(pgsrc *s)
{
	if (!s)
		return;
	if (s->row)
		PQfreemem(s->row);
	pgc_close(s->c);
	free(s);
}

/* The failure of a statement of the source (r may be NULL: the
 * connection's error): a lost connection as lost_what, a query that is
 * not one statement or that tries to write as what it is, anything else
 * as what; all input errors (the source cannot be read as given). */
static hh_status source_fail(pgsrc *s, const PGresult *r, const char *lost_what,
			     const char *what, hh_err *err)
{
	const char *code = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;

	if (pgc_lost(s->c, r))
		return pgc_fail(s->c, HH_EINPUT, r, lost_what, err);
	if (code && strcmp(code, "42601") == 0 && pgc_uri(s->c)->query)
		return pgc_fail(s->c, HH_EINPUT, r,
				"query= must be exactly one SELECT, WITH, VALUES or TABLE statement",
				err);
	if (code && strcmp(code, "25006") == 0)
		return pgc_fail(s->c, HH_EINPUT, r,
				"a source may only read (it is read in a READ ONLY transaction)",
				err);
	return pgc_fail(s->c, HH_EINPUT, r, what, err);
}

/* Fails the stream: fills err, closes everything.  The stream will not
 * call us again. */
static hh_status pgsrc_fail(pgsrc *s, const PGresult *r, hh_err *err)
{
	hh_status st = source_fail(s, r, "connection lost during COPY", "COPY failed",
				   err);
	pgsrc_free(s);
	return st;
}

/* The stream is interrupted (the cancel flag): cancel the COPY, fail. */
static hh_status pgsrc_interrupt(pgsrc *s, hh_err *err)
{
	hh_status st = pgc_interrupt(s->c, NULL, err);
	pgsrc_free(s);
	return st;
}

static hh_status pgsrc_pull(void *ctx, char *buf, size_t cap, size_t *n,
			    hh_err *err)
{
	pgsrc *s = ctx;
	PGconn *pq;
	int consumed = 0;

	*n = 0;
	if (s->done) {
		pgsrc_free(s); /* end of input: never called again */
		return HH_OK;
	}
	/* also while rows stream in: the engine looks only every few
	 * thousand rows, and a COPY left running would outlive the run */
	if (pgc_cancel_requested(s->c))
		return pgsrc_interrupt(s, err);
	pq = pgc_pq(s->c);
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
		/* Fill the buffer with what has arrived; wait only when there
		 * is nothing to hand over yet. */
		len = PQgetCopyData(pq, &s->row, 1);
		if (len == 0 && *n > 0) {
			if (!consumed && PQconsumeInput(pq)) {
				consumed = 1;
				continue;
			}
			return HH_OK;
		}
		if (len == 0) {
			hh_status st = pgc_wait_copy(s->c, NULL, err);
			if (st != HH_OK) {
				pgsrc_free(s);
				return st;
			}
			/* a dead line: the async read would say "nothing
			 * yet" for ever */
			if (PQstatus(pq) != CONNECTION_BAD)
				continue;
			len = -2;
		}
		if (len > 0) {
			s->row_len = (size_t)len;
			if (!sum_row(s, s->row, s->row_len)) {
				pgsrc_free(s);
				return hh_fail(err, HH_EINTERNAL,
					       "SHA-256 failed (OpenSSL)");
			}
			continue;
		}
		if (len == -1) {
			/* COPY done: its result says whether it all went */
			PGresult *r = NULL;
			hh_status st = pgc_result(s->c, NULL, &r, err);
			if (st != HH_OK) {
				pgsrc_free(s);
				return st;
			}
			if (PQresultStatus(r) != PGRES_COMMAND_OK) {
				st = pgsrc_fail(s, r, err);
				PQclear(r);
				return st;
			}
			PQclear(r);
			sum_finish(s);
			if (*n > 0) {
				/* hand these over; the next call says end */
				pgc_close(s->c);
				s->c = NULL;
				s->done = 1;
				return HH_OK;
			}
			pgsrc_free(s); /* end of input: never called again */
			return HH_OK;
		}
		{
			/* -2: the connection broke (a dead line has no result,
			 * only the connection's error) */
			PGresult *r = PQstatus(pq) == CONNECTION_BAD ? NULL : PQgetResult(pq);
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
	PGresult *r;

	HH_TRY(pgc_exec(s->c, HH_EINPUT, PGRES_TUPLES_OK, NULL, sql, nparams,
			params, &r, err));
	*isnull = PQntuples(r) == 0 || PQgetisnull(r, 0, 0);
	snprintf(out, cap, "%s", *isnull ? "" : PQgetvalue(r, 0, 0));
	PQclear(r);
	return HH_OK;
}

/* The table's block count for slicing, from the cache or measured (and
 * then cached, unless another slice got there first). */
static hh_status table_blocks(pgsrc *s, const char *qual,
			      const char *const *params, long long *blocks,
			      hh_err *err)
{
	char key[BLOCK_KEY], val[64];
	int isnull;

	*blocks = -1;
	snprintf(key, sizeof key, "%s\n%s", pgc_uri(s->c)->conn, qual);
	pthread_mutex_lock(&block_cache_mu);
	for (int i = 0; i < block_cache_n; i++)
		if (strcmp(block_cache[i].key, key) == 0)
			*blocks = block_cache[i].blocks;
	pthread_mutex_unlock(&block_cache_mu);
	if (*blocks >= 0)
		return HH_OK;
	HH_TRY(query_value(s,
			   "SELECT pg_relation_size(to_regclass($1)) / "
			   "current_setting('block_size')::bigint",
			   1, params, val, sizeof val, &isnull, err));
	*blocks = isnull ? 0 : strtoll(val, NULL, 10);
	pthread_mutex_lock(&block_cache_mu);
	for (int i = 0; i < block_cache_n; i++)
		if (strcmp(block_cache[i].key, key) == 0)
			*blocks = block_cache[i].blocks;
	if (block_cache_n < BLOCK_CACHE && strlen(key) < BLOCK_KEY - 1) {
		int dup = 0;
		for (int i = 0; i < block_cache_n; i++)
			dup |= strcmp(block_cache[i].key, key) == 0;
		if (!dup) {
			memcpy(block_cache[block_cache_n].key, key, strlen(key) + 1);
			block_cache[block_cache_n].blocks = *blocks;
			block_cache_n++;
		}
	}
	pthread_mutex_unlock(&block_cache_mu);
	return HH_OK;
}

/* Builds the SELECT for a table: ctid slices for plain tables and
 * materialized views, hash slices otherwise (*hashed = 1). */
static hh_status table_select(pgsrc *s, int slice, int nslices, strbuf *sel,
			      int *hashed, hh_err *err)
{
	char *schema = NULL, *name = NULL, *qs = NULL, *qn = NULL;
	char kind[8];
	strbuf qual = STRBUF_INIT;
	const char *params[1];
	long long blocks = -1;
	int isnull;
	hh_status st = HH_OK;

	if (!split_table(pgc_uri(s->c)->table, &schema, &name))
		return hh_fail(err, HH_EUSAGE,
			       "%s%s: bad table name (schema.name, a part in double quotes may hold dots)",
			       s->ctx, pgc_shown(s->c));
	qn = pgc_quote_ident(s->c, name);
	qs = schema ? pgc_quote_ident(s->c, schema) : NULL;
	if (!qn || (schema && !qs)) {
		st = hh_fail(err, HH_EINTERNAL, "%s: cannot quote the table name",
			     pgc_shown(s->c));
		goto out;
	}
	if (qs) {
		sb_adds(&qual, qs);
		sb_adds(&qual, ".");
	}
	sb_adds(&qual, qn);
	if (qual.oom) {
		st = hh_fail(err, HH_EINTERNAL, "out of memory");
		goto out;
	}
	params[0] = qual.buf;
	st = query_value(s,
			 "SELECT c.relkind FROM pg_class c WHERE c.oid = to_regclass($1)",
			 1, params, kind, sizeof kind, &isnull, err);
	if (st != HH_OK)
		goto out;
	if (isnull) {
		st = hh_fail(err, HH_EINPUT,
			     "%s%s: table %s not found (or not visible to this user)",
			     s->ctx, pgc_shown(s->c), qual.buf);
		goto out;
	}
	if (kind[0] != 'r' && kind[0] != 'm') {
		sb_adds(sel, "SELECT * FROM ");
		sb_adds(sel, qual.buf);
		*hashed = 1;
		goto out;
	}
	if (nslices > 1) {
		st = table_blocks(s, qual.buf, params, &blocks, err);
		if (st != HH_OK)
			goto out;
	}
	sb_adds(sel, "SELECT ((t.ctid::text::point)[0]::bigint * 65536 + "
		     "(t.ctid::text::point)[1]::bigint) AS hh_row, t.* FROM ");
	sb_adds(sel, qual.buf);
	sb_adds(sel, " AS t");
	if (nslices > 1) {
		long long lo = blocks * slice / nslices;
		long long hi = blocks * (slice + 1) / nslices;
		const char *w = " WHERE ";
		if (slice > 0) {
			sb_addf(sel, "%st.ctid >= '(%lld,0)'::tid", w, lo);
			w = " AND ";
		}
		if (slice < nslices - 1)
			sb_addf(sel, "%st.ctid < '(%lld,0)'::tid", w, hi);
	}
out:
	free(schema);
	free(name);
	free(qs);
	free(qn);
	sb_release(&qual);
	return st;
}

/* The length of q without trailing blanks and semicolons. */
static size_t query_len(const char *q)
{
	size_t n = strlen(q);

	while (n > 0 && (isspace((unsigned char)q[n - 1]) || q[n - 1] == ';'))
		n--;
	return n;
}

/* Wraps a SELECT in the numbering and slicing of a query (see the top). */
static void query_select(const char *q, int slice, int nslices, strbuf *sel)
{
	if (nslices > 1)
		sb_adds(sel, "SELECT * FROM (");
	sb_adds(sel, "SELECT row_number() OVER (ORDER BY hh_q::text COLLATE \"C\") "
		     "AS hh_row, hh_q.* FROM (\n");
	sb_add(sel, q, query_len(q));
	sb_adds(sel, "\n) AS hh_q");
	if (nslices > 1)
		sb_addf(sel, ") AS hh_s WHERE hh_row %% %d = %d", nslices, slice);
}

/* The COPY statement of the slice into *copy. */
static hh_status slice_copy(pgsrc *s, int slice, int nslices, strbuf *copy,
			    hh_err *err)
{
	const pg_uri *u = pgc_uri(s->c);
	strbuf sel = STRBUF_INIT;

	if (u->table) {
		int hashed = 0;
		HH_TRY(table_select(s, slice, nslices, &sel, &hashed, err));
		if (hashed) {
			/* no ctid: slice it as a query */
			char *q = sb_detach(&sel, NULL);
			if (!q)
				return hh_fail(err, HH_EINTERNAL, "out of memory");
			query_select(q, slice, nslices, &sel);
			free(q);
		}
	} else {
		query_select(u->query, slice, nslices, &sel);
	}
	sb_adds(copy, "COPY (");
	sb_adds(copy, sb_str(&sel));
	sb_adds(copy, ") TO STDOUT WITH (FORMAT csv, HEADER)");
	if (sel.oom || copy->oom) {
		sb_release(&sel);
		return hh_fail(err, HH_EINTERNAL, "out of memory");
	}
	sb_release(&sel);
	return HH_OK;
}

/* Past blanks, "--" comments, nested block comments and opening
 * parentheses from q: where the first word starts. */
static const char *first_word(const char *q)
{
	for (;;) {
		while (isspace((unsigned char)*q) || *q == '(')
			q++;
		if (q[0] == '-' && q[1] == '-') {
			q += strcspn(q, "\n");
		} else if (q[0] == '/' && q[1] == '*') {
			int depth = 0;
			do {
				if (q[0] == '/' && q[1] == '*')
					depth++, q += 2;
				else if (q[0] == '*' && q[1] == '/')
					depth--, q += 2;
				else
					q++;
			} while (depth > 0 && *q);
		} else {
			return q;
		}
	}
}

/* A query must start as a statement that returns rows and (in a READ
 * ONLY transaction) reads: SELECT, WITH, VALUES or TABLE.  Checked before
 * connecting; the server checks the rest (see the top). */
static hh_status check_query_word(const char *ctx, const char *shown, const char *q,
				  hh_err *err)
{
	static const char *const ok[] = {"select", "with", "values", "table"};
	const char *w = first_word(q);
	size_t n = 0;

	while (isalpha((unsigned char)w[n]) || w[n] == '_')
		n++;
	for (size_t i = 0; i < sizeof ok / sizeof *ok; i++)
		if (n == strlen(ok[i]) && strncasecmp(w, ok[i], n) == 0)
			return HH_OK;
	if (!*w)
		return hh_fail(err, HH_EINPUT, "%s%s: query= is empty: give one SELECT, "
			       "WITH, VALUES or TABLE statement", ctx, shown);
	return hh_fail(err, HH_EINPUT, "%s%s: query= must be exactly one SELECT, WITH, "
		       "VALUES or TABLE statement; it starts with \"%.*s\"", ctx, shown,
		       (int)(n ? (n > 32 ? 32 : n) : 1), w);
}

/* Has the server parse the query alone (prepared, never run): not one
 * statement, or not valid SQL, is a usage error in the server's words;
 * a missing table and the like are input errors. */
static hh_status prepare_query(pgsrc *s, hh_err *err)
{
	const char *q = pgc_uri(s->c)->query;
	char *text = strndup(q, query_len(q));
	PGresult *r = NULL;
	hh_status st;

	if (!text)
		return hh_fail(err, HH_EINTERNAL, "out of memory");
	st = PQsendPrepare(pgc_pq(s->c), "", text, 0, NULL)
		     ? pgc_result(s->c, NULL, &r, err)
		     : HH_OK;
	free(text);
	if (st == HH_OK && PQresultStatus(r) != PGRES_COMMAND_OK)
		st = source_fail(s, r, "connection lost before COPY", "cannot read", err);
	PQclear(r);
	return st;
}

hh_status pgsrc_open(const char *uri, int slice, int nslices,
		     const ins_opts *opts, hh_instream **out, hh_err *err)
{
	pgsrc *s;
	pg_uri u;
	strbuf copy = STRBUF_INIT;
	ins_opts o = {0};
	PGresult *r = NULL;
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
	s->slice = slice;
	if (opts && opts->source && opts->source[0])
		snprintf(s->ctx, sizeof s->ctx, "%.127s: ", opts->source);
	st = pg_uri_parse(uri, &u, err);
	if (st != HH_OK) {
		if (s->ctx[0])
			hh_wrap(err, st, "%.127s", opts->source);
		goto fail;
	}
	if (!u.table == !u.query) {
		st = hh_fail(err, HH_EUSAGE,
			     "%s%s: give exactly one of table=schema.name or query=SELECT...",
			     s->ctx, u.shown);
		goto fail;
	}
	if (u.query && (st = check_query_word(s->ctx, u.shown, u.query, err)) != HH_OK)
		goto fail;
	st = pgc_connect(&u, s->ctx, HH_EINPUT, opts ? opts->cancel : NULL, &s->c, err);
	if (st != HH_OK)
		goto fail;
	st = pgc_exec(s->c, HH_EINPUT, PGRES_COMMAND_OK, "cannot read",
		      "START TRANSACTION READ ONLY", 0, NULL, NULL, err);
	if (st == HH_OK && pgc_uri(s->c)->query)
		st = prepare_query(s, err);
	if (st == HH_OK)
		st = slice_copy(s, slice, nslices, &copy, err);
	if (st != HH_OK)
		goto fail;
	/* the extended protocol: one statement, never several */
	st = PQsendQueryParams(pgc_pq(s->c), copy.buf, 0, NULL, NULL, NULL, NULL, 0)
		     ? pgc_result(s->c, NULL, &r, err)
		     : HH_OK;
	if (st == HH_OK && PQresultStatus(r) != PGRES_COPY_OUT)
		st = source_fail(s, r, "connection lost before COPY", "cannot read", err);
	PQclear(r);
	if (st != HH_OK)
		goto fail;
	sb_release(&copy);
	if (opts)
		o = *opts;
	o.encoding = HH_ENC_UTF8; /* client_encoding is UTF8 */
	st = ins_open_pull(pgsrc_pull, s, pgc_shown(s->c), &o, out, err);
	if (st == HH_OK) {
		s->in = *out;
		return HH_OK;
	}
	pgsrc_free(s);
	return st;
fail:
	pg_uri_free(&u);
	sb_release(&copy);
	pgsrc_free(s);
	return st;
}
