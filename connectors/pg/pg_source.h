/*
 * pg_source.h - a PostgreSQL table or query as a contract source.
 *
 * A source is a PostgreSQL connection string (pg_uri.h: a URI, libpq
 * key=value pairs or a service=) naming a table (table=schema.name) or a
 * query (query=SELECT...).  pgsrc_open opens one slice of it as an
 * hh_instream of CSV text with a header row (COPY ... TO STDOUT WITH
 * (FORMAT csv, HEADER)), so the same CSV reader, schemas, validation and
 * rejects serve files and tables alike.  Slices 0..n-1 together cover
 * every row exactly once; each slice has its own connection, so several
 * workers can pull at once.  A query is exactly one SELECT, WITH, VALUES
 * or TABLE statement and only reads (pg_source.c says how that is made
 * sure of).
 *
 * Row numbers: the COPY output's first column is `hh_row`, a stable
 * number for the row within the source, the same whatever the slice
 * count (pg_source.c says how it is made); the engine cites it instead
 * of a file line.
 *
 * Digest: a slice's ins_sha256_hex is not the SHA-256 of its bytes but
 * the sum modulo 2^256 of its rows' SHA-256 (pg_source.c, "Digest");
 * pgsrc_sha256_add adds slices, so the whole source's digest is the same
 * at any slice count.
 *
 * Errors name the source (ins_opts.source) and the redacted string; a
 * connection lost mid-COPY is an input error, never a short read.
 * opts->cancel (a signal's flag) is looked at while the slice connects,
 * waits for the COPY and waits for its rows; once it is set, the COPY is
 * cancelled on the server and the stream fails with HH_EINTERNAL,
 * "SOURCE: URI: interrupted by a signal; nothing was published".
 *
 * Thread safety: each stream belongs to one thread; slices of one
 * source may be opened and read from several threads at once.
 */
#ifndef HH_PG_SOURCE_H
#define HH_PG_SOURCE_H

#include "base/hh_error.h"
#include "connectors/instream.h"

/* Opens slice `slice` of `nslices` of the source at uri.  The stream's
 * name is the redacted string and its encoding UTF-8 (the session's), so
 * opts->encoding is ignored; opts may be NULL.  Usage errors (no or both
 * of table= and query=, a bad table name, a bad string) are HH_EUSAGE; a
 * failure to connect or to read, and a query that is not one SELECT,
 * WITH, VALUES or TABLE statement or that writes (found as it runs, so a
 * read fails with it), are HH_EINPUT; the cancel flag HH_EINTERNAL. */
hh_status pgsrc_open(const char *uri, int slice, int nslices,
		     const ins_opts *opts, hh_instream **out, hh_err *err);

/* to += from, both a slice's digest as ins_sha256_hex gives it (64 hex
 * digits): the digest of the two slices' rows together.  Leaves to
 * unchanged when either is not 64 hex digits (want_sha256 was 0). */
void pgsrc_sha256_add(char to[65], const char *from);

#endif
