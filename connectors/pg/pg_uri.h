/*
 * pg_uri.h - PostgreSQL connection strings of sources and stores:
 * recognising, parsing and redacting them.  Pure string work (libpq's own
 * parser included), testable without a server.
 *
 * A source or store is named by any libpq connection string ("URI" in
 * this module's names means any of them):
 *   - a URI:        postgresql://u@db/x?table=s.t   (or postgres://)
 *   - key=value:    host=/run/pg dbname=x table=s.t
 *   - a service:    service=extracts query='SELECT ...'
 *                   (pg_service.conf; PGSERVICEFILE)
 * hhmatch adds two parameters of its own, `table` and `query` (a URI
 * parameter, or a key=value pair quoted as libpq quotes values), and
 * takes them out before the rest reaches libpq.  Everything else (host,
 * port, sslmode, PGHOST, ~/.pgpass...) is libpq's business; what remains
 * is checked with libpq's own parser (PQconninfoParse) so that a misspelt
 * option is a usage error naming the option, not a failure to connect.
 *
 * Telling a connection string from a file path (pg_is_uri): a string
 * that starts with postgresql:// or postgres://, or that holds a word
 * KEYWORD= (blanks allowed before the '=') at its start or after a
 * blank, KEYWORD being a keyword the linked libpq knows (as
 * PQconninfoParse lists them: host, dbname, user, password, service,
 * sslmode...) or table or query.  Anything else is a file path; a file
 * whose name starts with such a word is named with a leading "./".
 * Erring towards a connection string is deliberate: a string taken for
 * a file is printed whole in messages, password and all.
 *
 * Redaction.  Messages and report.json name a source by its string with
 * every password shown as "***":
 *   - the password of a URI's user part (user:PASSWORD@host);
 *   - the value of a `password` parameter or key (any case, also with a
 *     %-encoded name), quoted or not, with blanks around '=';
 *   - the value of a parameter or key libpq does not know (a misspelt
 *     `pasword=` is still a password; libpq refuses the string anyway);
 *   - in key=value form, words without '=' right after a password (a
 *     password with an unquoted blank, which libpq splits and refuses).
 * A password that is present but empty is shown as "***" too.
 * Redaction covers what libpq would take as the password (a malformed
 * string may show more stars than it strictly needs), except a '?'
 * typed unencoded in the user part's password, which starts the
 * parameters here (RFC 3986 asks for %3F).  A password that libpq reads
 * from elsewhere (~/.pgpass, PGPASSWORD, the service file) never enters
 * a message: libpq does not echo it.
 *
 * Thread safety: every function is pure or works on the caller's
 * pg_uri only.
 */
#ifndef HH_PG_URI_H
#define HH_PG_URI_H

#include <stddef.h>

#include "base/hh_error.h"

/* 1 if s is a PostgreSQL connection string (a source or store) rather
 * than a file path, by the rule above; else 0.  s may be NULL. */
int pg_is_uri(const char *s);

/* Copies uri into out (cap bytes, truncated, always NUL-terminated when
 * cap > 0) with every password replaced by "***" (see above).  uri may be
 * any string, valid or not, and NULL (taken as "").  Terminates on any
 * input.  Without memory for its work it writes "***" alone, never the
 * password. */
void pg_redact(const char *uri, char *out, size_t cap);

/* A parsed source or store connection string.  Every member is owned by
 * the struct; pg_uri_free releases them (and wipes the passwords). */
typedef struct {
	char *conn;      /* the string without table= and query=, for libpq */
	char *table;     /* the value of table= (a URI's %-decoded, '+'
			  * staying '+'; a key=value's unquoted), or NULL */
	char *query;     /* the value of query=, likewise, or NULL */
	char *secrets;   /* the passwords as written and as decoded, each
			  * NUL-terminated, an empty string after the last;
			  * NULL when there is none (see pg_uri_scrub) */
	char shown[512]; /* the string as pg_redact prints it, for messages */
} pg_uri;

/* Parses uri into *u.  Fails with HH_EUSAGE when uri is not a PostgreSQL
 * connection string (pg_is_uri), a table= or query= value has a bad
 * %-escape, an encoded NUL or an unterminated quote, or what remains for
 * libpq is refused by PQconninfoParse (the message says which option and
 * why); with HH_EINTERNAL when out of memory.  Whatever the outcome,
 * u->shown holds the redacted string and u->secrets the passwords found,
 * and the caller calls pg_uri_free(u). */
hh_status pg_uri_parse(const char *uri, pg_uri *u, hh_err *err);

/* HH_EUSAGE ("URI: a store URI takes no table= or query=") when u names
 * a table or a query, which a store (--pg-out, audit --pg) cannot use;
 * else HH_OK. */
hh_status pg_uri_check_store(const pg_uri *u, hh_err *err);

/* Frees what u holds, wiping the passwords, and zeroes *u.  u may be
 * NULL; a zeroed pg_uri is fine too. */
void pg_uri_free(pg_uri *u);

/* Makes text one line (line breaks and tabs as single spaces) and
 * replaces, in it, every occurrence of one of u's passwords: by "***"
 * when it is 3 bytes or longer, else by as many '*' (so text never
 * grows).  For libpq's messages, which may echo a malformed token of the
 * string.  u may be NULL (one line only). */
void pg_uri_scrub(const pg_uri *u, char *text);

#endif
