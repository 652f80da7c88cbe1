/*
 * pg_uri.h - PostgreSQL source and store URIs: recognising, parsing and
 * redacting them.  Pure string work, testable without a server.
 *
 * A source or store is a libpq connection URI (postgresql:// or
 * postgres://); hhmatch adds two query parameters of its own, `table`
 * and `query`, and takes them out before the rest reaches libpq.
 * Everything else (host, port, sslmode, PGHOST, ~/.pgpass...) is libpq's
 * business; what remains is checked with libpq's own parser
 * (PQconninfoParse) so that a misspelt option is a usage error naming
 * the option, not a failure to connect.
 *
 * Redaction.  Messages and report.json name a source by its URI with
 * every password shown as "***": the password of the user part
 * (user:PASSWORD@host), the value of a `password` parameter (also with
 * a %-encoded name), and in a `key=value` connection string the value of
 * `password` (quoted or not, with spaces around '=').  A password that is
 * present but empty is shown as "***" too.  Redaction covers what libpq
 * would take as the password (a malformed URI may show more stars than
 * it strictly needs), except a '?' typed unencoded in the user part's
 * password, which starts the parameters here (RFC 3986 asks for %3F).
 *
 * Thread safety: every function is pure or works on the caller's
 * pg_uri only.
 */
#ifndef HH_PG_URI_H
#define HH_PG_URI_H

#include <stddef.h>

#include "base/hh_error.h"

/* 1 if s starts with postgresql:// or postgres:// (a source or store
 * URI rather than a file), else 0.  s may be NULL. */
int pg_is_uri(const char *s);

/* Copies uri into out (cap bytes, truncated, always NUL-terminated when
 * cap > 0) with every password replaced by "***" (see above).  uri may be
 * a URI or a key=value connection string, valid or not, and NULL (taken
 * as "").  Terminates on any input.  Without memory for its work it
 * writes "***" alone, never the password. */
void pg_redact(const char *uri, char *out, size_t cap);

/* A parsed source or store URI.  Every member is owned by the struct;
 * pg_uri_free releases them (and wipes the passwords). */
typedef struct {
	char *conn;      /* the URI without table= and query=, for libpq */
	char *table;     /* %-decoded value of table= ('+' stays '+'), or NULL */
	char *query;     /* %-decoded value of query=, or NULL */
	char *secrets;   /* the passwords as written and as decoded, each
			  * NUL-terminated, an empty string after the last;
			  * NULL when there is none (see pg_uri_scrub) */
	char shown[512]; /* the URI as pg_redact prints it, for messages */
} pg_uri;

/* Parses uri into *u.  Fails with HH_EUSAGE when uri is not a PostgreSQL
 * URI, a table= or query= value has a bad %-escape or an encoded NUL, or
 * what remains for libpq is refused by PQconninfoParse (the message says
 * which option and why); with HH_EINTERNAL when out of memory.  Whatever
 * the outcome, u->shown holds the redacted URI and u->secrets the
 * passwords found, and the caller calls pg_uri_free(u). */
hh_status pg_uri_parse(const char *uri, pg_uri *u, hh_err *err);

/* Frees what u holds, wiping the passwords, and zeroes *u.  u may be
 * NULL; a zeroed pg_uri is fine too. */
void pg_uri_free(pg_uri *u);

/* Replaces, in the NUL-terminated text, every occurrence of one of u's
 * passwords: by "***" when it is 3 bytes or longer, else by as many '*'
 * (so text never grows).  For libpq's messages, which may echo a
 * malformed token of the URI. */
void pg_uri_scrub(const pg_uri *u, char *text);

#endif
