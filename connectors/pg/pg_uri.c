/*
 * pg_uri.c - PostgreSQL connection strings: recognising, parsing,
 * redaction, scrubbing (see pg_uri.h).
 *
 * Two forms, told apart by the prefix: a URI (postgresql://, postgres://)
 * or a key=value string, which this file splits into tokens exactly as
 * libpq's conninfo_parse does (fe-connect.c: a key up to '=' or a blank,
 * blanks around '=', a value in single quotes or up to a blank, backslash
 * escapes in both).  Which keys libpq knows is asked of libpq itself: the
 * options PQconninfoParse("") lists, so a newer libpq's keywords are known
 * without a change here.
 *
 * Where a password can be, and the span of it that is hidden:
 *  - the user part of a URI: libpq takes the first '@' before a '/' and
 *    the password after the first ':' before it.  Hidden: from that ':'
 *    to the LAST '@' before the first '/' or '?', which holds libpq's
 *    password and also one with an unencoded '@' or '#' in it.  The
 *    search stops at '?' because table= and query= values may hold an
 *    '@' (`?query=SELECT x @> y`), and their URIs need not have a path;
 *    a password must have its '?' %-encoded (RFC 3986) to be hidden.
 *  - a URI parameter (after the first '?', split at '&') whose
 *    %-decoded name is "password" in any case, or a name libpq does not
 *    know: its value.
 *  - a key=value token whose key is "password" in any case, or a key
 *    libpq does not know: its value, quotes included; and the words
 *    without '=' that follow a password value (libpq would refuse them).
 *  - in any string, "password=" at the start or after '?', '&', a space
 *    or a tab: the value up to '&', a blank or '#', or the quoted value
 *    (the rule of earlier versions, kept so that nothing they hid shows).
 * The rules report spans [from, to) to a callback.  pg_redact marks them
 * in a byte mask and prints each run of marked bytes, or an empty span,
 * as one "***": overlapping spans print once, and the walk advances one
 * byte per step whatever the spans are (an empty user-part password made
 * an earlier loop stand still forever).  pg_uri_parse keeps each span's
 * text, as written and decoded, to scrub libpq's messages with.
 */
#include "connectors/pg/pg_uri.h"

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libpq-fe.h>

#include "base/hex.h"
#include "base/strbuf.h"

#define MASK_HIDE 1  /* the byte is part of a password */
#define MASK_EMPTY 2 /* an empty password sits before this byte */

typedef void (*span_fn)(void *arg, const char *s, size_t from, size_t to);

/* 1 when s starts as a libpq URI does (libpq's prefixes are
 * case-sensitive). */
static int uri_form(const char *s)
{
	return strncmp(s, "postgresql://", 13) == 0 ||
	       strncmp(s, "postgres://", 11) == 0;
}

/* libpq's keywords: the option list of an empty connection string (every
 * keyword, no value; nothing is read from the environment).  NULL when
 * out of memory, and then no keyword is known: every value is hidden.
 * Free with PQconninfoFree. */
static PQconninfoOption *keywords_new(void)
{
	char *msg = NULL;
	PQconninfoOption *kw = PQconninfoParse("", &msg);

	if (msg)
		PQfreemem(msg);
	return kw;
}

/* 1 when k[0..n) is hhmatch's table or query. */
static int own_key(const char *k, size_t n)
{
	return n == 5 && (strncmp(k, "table", 5) == 0 || strncmp(k, "query", 5) == 0);
}

/* 1 when k[0..n) is a keyword libpq knows, or hhmatch's own. */
static int known_key(const PQconninfoOption *kw, const char *k, size_t n)
{
	if (own_key(k, n))
		return 1;
	for (; kw && kw->keyword; kw++)
		if (strlen(kw->keyword) == n && strncmp(kw->keyword, k, n) == 0)
			return 1;
	return 0;
}

/* From s[i], a value in single quotes (with backslash escapes): the index
 * after its closing quote, or the end of s. */
static size_t skip_quoted(const char *s, size_t i)
{
	for (i++; s[i] && s[i] != '\''; i++)
		if (s[i] == '\\' && s[i + 1])
			i++;
	return s[i] ? i + 1 : i;
}

/* One token of a key=value string: s[key, key_end) is the key; with
 * has_eq, s[val, end) the value as written (quotes included); without,
 * a word that lacks its '=' (end = key_end). */
typedef struct {
	size_t key, key_end, val, end;
	int has_eq;
} kv_token;

/* The token of s at *i (libpq's conninfo_parse splitting), advancing *i;
 * 0 at the end of s. */
static int next_token(const char *s, size_t *i, kv_token *t)
{
	size_t p = *i;

	while (isspace((unsigned char)s[p]))
		p++;
	if (!s[p]) {
		*i = p;
		return 0;
	}
	t->key = p;
	while (s[p] && s[p] != '=' && !isspace((unsigned char)s[p]))
		p++;
	t->key_end = p;
	while (isspace((unsigned char)s[p]))
		p++;
	t->has_eq = s[p] == '=';
	if (!t->has_eq) {
		t->val = t->end = t->key_end;
		*i = p;
		return 1;
	}
	p++;
	while (isspace((unsigned char)s[p]))
		p++;
	t->val = p;
	if (s[p] == '\'') {
		p = skip_quoted(s, p);
	} else {
		while (s[p] && !isspace((unsigned char)s[p]))
			p += s[p] == '\\' && s[p + 1] ? 2 : 1;
	}
	t->end = p;
	*i = p;
	return 1;
}

int pg_is_uri(const char *s)
{
	PQconninfoOption *kw;
	kv_token t;
	size_t i = 0;
	int yes = 0;

	if (!s)
		return 0;
	if (uri_form(s))
		return 1;
	if (!strchr(s, '='))
		return 0;
	/* without the keyword list (no memory), any KEY= counts: better a
	 * usage error than a password printed as a file name */
	kw = keywords_new();
	while (!yes && next_token(s, &i, &t))
		yes = t.has_eq && t.key_end > t.key &&
		      (!kw || known_key(kw, s + t.key, t.key_end - t.key));
	PQconninfoFree(kw);
	return yes;
}

/* Where a URI's authority starts (after "://"); uri is a URI. */
static const char *authority(const char *uri)
{
	return strstr(uri, "://") + 3;
}

/* The last '@' of the user part (before the first '/' or '?'), or
 * NULL. */
static const char *user_part_end(const char *uri)
{
	const char *p = authority(uri);
	const char *at = NULL;

	for (const char *q = p; *q && *q != '/' && *q != '?'; q++)
		if (*q == '@')
			at = q;
	return at;
}

/* Percent-decodes s[0..n) into a new string; NULL on a bad escape or an
 * encoded NUL (*bad = 1) or no memory (*bad = 0). */
static char *url_decode(const char *s, size_t n, int *bad)
{
	char *o = malloc(n + 1);
	size_t j = 0;

	*bad = 0;
	if (!o)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		uint8_t byte;
		if (s[i] != '%') {
			o[j++] = s[i];
			continue;
		}
		if (i + 2 >= n || hex_decode(s + i + 1, 1, &byte) != 0 ||
		    byte == 0) {
			free(o);
			*bad = 1;
			return NULL;
		}
		o[j++] = (char)byte;
		i += 2;
	}
	o[j] = '\0';
	return o;
}

/* A key=value value as libpq reads it (quotes and backslashes removed)
 * into a new string; NULL on an unterminated quote (*bad = 1) or no
 * memory (*bad = 0). */
static char *kv_decode(const char *v, size_t n, int *bad)
{
	char *o = malloc(n + 1);
	size_t j = 0, k = 0;
	int quoted = n > 0 && v[0] == '\'';

	*bad = 0;
	if (!o)
		return NULL;
	for (k = quoted; k < n; k++) {
		if (quoted && v[k] == '\'')
			break;
		if (v[k] == '\\' && k + 1 < n)
			k++;
		o[j++] = v[k];
	}
	if (quoted && k >= n) {
		free(o);
		*bad = 1;
		return NULL;
	}
	o[j] = '\0';
	return o;
}

/* 1 when a URI parameter's value is to be hidden: its %-decoded name is
 * "password" in any case, or a name libpq does not know ("ssl" is
 * libpq's URI alias of sslmode=require).  An undecodable name is hidden
 * too: libpq refuses it. */
static int hide_uri_param(const PQconninfoOption *kw, const char *s, size_t n)
{
	int bad, hide;
	char *k = url_decode(s, n, &bad);

	if (!k)
		return 1;
	hide = strcasecmp(k, "password") == 0 ||
	       !(strcmp(k, "ssl") == 0 || known_key(kw, k, strlen(k)));
	free(k);
	return hide;
}

static void uri_spans(const char *s, const PQconninfoOption *kw, span_fn fn,
		      void *arg)
{
	const char *at = user_part_end(s), *q;

	if (at) {
		const char *p = authority(s);
		const char *colon = memchr(p, ':', (size_t)(at - p));
		if (colon)
			fn(arg, s, (size_t)(colon + 1 - s), (size_t)(at - s));
	}
	for (q = strchr(s, '?'); q; q = strchr(q + 1, '&')) {
		const char *p = q + 1, *end = p + strcspn(p, "&");
		const char *eq = memchr(p, '=', (size_t)(end - p));
		if (eq && hide_uri_param(kw, p, (size_t)(eq - p)))
			fn(arg, s, (size_t)(eq + 1 - s), (size_t)(end - s));
	}
}

/* key=value tokens: the value of a password or unknown key, and the
 * words without '=' after a password value. */
static void conninfo_spans(const char *s, const PQconninfoOption *kw, span_fn fn,
			   void *arg)
{
	size_t i = 0;
	kv_token t;
	int after_password = 0;

	while (next_token(s, &i, &t)) {
		const char *k = s + t.key;
		size_t kn = t.key_end - t.key;
		if (!t.has_eq) {
			if (after_password)
				fn(arg, s, t.key, t.key_end);
			continue;
		}
		after_password = kn == 8 && strncasecmp(k, "password", 8) == 0;
		if (after_password || !known_key(kw, k, kn))
			fn(arg, s, t.val, t.end);
	}
}

/* "password=" after a separator, in any string (see the top). */
static void legacy_spans(const char *s, span_fn fn, void *arg)
{
	for (size_t i = 0; s[i]; i++) {
		size_t v, end;
		if (strncasecmp(s + i, "password=", 9) != 0 ||
		    (i > 0 && !strchr("?& \t", s[i - 1])))
			continue;
		v = i + 9;
		end = s[v] == '\'' ? skip_quoted(s, v) : v + strcspn(s + v, "& \t#");
		fn(arg, s, v, end);
	}
}

static void password_spans(const char *s, span_fn fn, void *arg)
{
	PQconninfoOption *kw = keywords_new();

	if (uri_form(s))
		uri_spans(s, kw, fn, arg);
	else if (pg_is_uri(s))
		conninfo_spans(s, kw, fn, arg);
	legacy_spans(s, fn, arg);
	PQconninfoFree(kw);
}

static void mark_span(void *arg, const char *s, size_t from, size_t to)
{
	unsigned char *mask = arg;

	(void)s;
	if (from == to)
		mask[from] |= MASK_EMPTY;
	for (size_t k = from; k < to; k++)
		mask[k] |= MASK_HIDE;
}

void pg_redact(const char *uri, char *out, size_t cap)
{
	size_t n, o = 0;
	unsigned char *mask;

	if (!out || cap == 0)
		return;
	if (!uri)
		uri = "";
	n = strlen(uri);
	mask = calloc(n + 1, 1);
	if (!mask) {
		snprintf(out, cap, "***");
		return;
	}
	password_spans(uri, mark_span, mask);
#define PUT(c)                          \
	do {                                \
		if (o + 1 < cap)                \
			out[o++] = (c);             \
	} while (0)
#define PUT_STARS() do { PUT('*'); PUT('*'); PUT('*'); } while (0)
	for (size_t i = 0; i <= n; i++) {
		if (i < n && (mask[i] & MASK_HIDE)) {
			PUT_STARS();
			while (i + 1 < n && (mask[i + 1] & MASK_HIDE))
				i++;
			continue;
		}
		if ((mask[i] & MASK_EMPTY) && !(i > 0 && (mask[i - 1] & MASK_HIDE)))
			PUT_STARS();
		if (i < n)
			PUT(uri[i]);
	}
#undef PUT_STARS
#undef PUT
	out[o] = '\0';
	free(mask);
}

/* Collects the spans' texts into a strbuf, as written and decoded. */
static void keep_span(void *arg, const char *s, size_t from, size_t to)
{
	strbuf *b = arg;
	const char *v = s + from;
	size_t n = to - from;
	int bad;
	char *d;

	if (n == 0)
		return;
	sb_add(b, v, n);
	sb_addc(b, '\0');
	/* the value libpq sees: %-decoded in a URI, unquoted in key=value */
	d = uri_form(s) ? url_decode(v, n, &bad) : kv_decode(v, n, &bad);
	if (!d && !bad)
		b->oom = 1;
	if (d && d[0] && (strlen(d) != n || memcmp(d, v, n) != 0)) {
		sb_adds(b, d);
		sb_addc(b, '\0');
	}
	if (d) {
		memset(d, 0, strlen(d));
		free(d);
	}
}

static void wipe_secrets(char *secrets)
{
	size_t n = 0;

	if (!secrets)
		return;
	while (secrets[n] || secrets[n + 1])
		n++;
	memset(secrets, 0, n);
	free(secrets);
}

void pg_uri_free(pg_uri *u)
{
	if (!u)
		return;
	free(u->conn);
	free(u->table);
	free(u->query);
	wipe_secrets(u->secrets);
	memset(u, 0, sizeof *u);
}

/* Fills u->secrets from uri's password spans; 0, or -1 on no memory. */
static int keep_secrets(const char *uri, pg_uri *u)
{
	strbuf b = STRBUF_INIT;
	size_t n = strlen(uri);

	/* room for every span as written and decoded (each byte is in at
	 * most three spans), so the buffer is never moved and leaves no
	 * copy of a password behind in freed memory */
	if (!sb_grow(&b, 16 * n + 16))
		return -1;
	password_spans(uri, keep_span, &b);
	if (b.oom) {
		if (b.buf)
			memset(b.buf, 0, b.cap);
		sb_release(&b);
		return -1;
	}
	if (b.len == 0) {
		sb_release(&b);
		return 0;
	}
	sb_addc(&b, '\0');
	u->secrets = sb_detach(&b, NULL);
	return 0;
}

void pg_uri_scrub(const pg_uri *u, char *text)
{
	size_t o = 0;

	/* one line: line breaks and tabs as single spaces, no blank end */
	for (size_t i = 0; text[i]; i++) {
		char ch = text[i];
		if (ch == '\n' || ch == '\r' || ch == '\t')
			ch = ' ';
		if (ch == ' ' && o > 0 && text[o - 1] == ' ')
			continue;
		text[o++] = ch;
	}
	while (o > 0 && text[o - 1] == ' ')
		o--;
	text[o] = '\0';
	if (!u || !u->secrets)
		return;
	for (const char *sec = u->secrets; *sec; sec += strlen(sec) + 1) {
		size_t pl = strlen(sec);
		char *from = text, *hit;
		while ((hit = strstr(from, sec)) != NULL) {
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

/* Checks u->conn with libpq's parser: an unknown option or a malformed
 * string is a usage error in libpq's words. */
static hh_status check_conninfo(pg_uri *u, hh_err *err)
{
	char *msg = NULL;
	PQconninfoOption *opts = PQconninfoParse(u->conn, &msg);
	hh_status st;

	if (opts) {
		PQconninfoFree(opts);
		return HH_OK;
	}
	if (!msg)
		return hh_fail(err, HH_EINTERNAL, "%s: out of memory parsing the connection string",
			       u->shown);
	pg_uri_scrub(u, msg);
	st = hh_fail(err, HH_EUSAGE, "%s: %s", u->shown, msg);
	PQfreemem(msg);
	return st;
}

/* Sets *slot (u->table or u->query) to the decoded value v[0..n), the
 * last one given winning.  -1 on a bad value (*bad) or no memory. */
static int take_own(char **slot, const char *v, size_t n, int uri, int *bad)
{
	char *d = uri ? url_decode(v, n, bad) : kv_decode(v, n, bad);

	if (!d)
		return -1;
	free(*slot);
	*slot = d;
	return 0;
}

/* The URI form: table= and query= taken out of the parameters, the rest
 * kept as written, up to a '#', which ends them. */
static int split_uri(const char *uri, pg_uri *u, strbuf *conn, const char **badkey,
		     int *bad)
{
	const char *q = strchr(uri, '?');
	int first = 1;

	sb_add(conn, uri, q ? (size_t)(q - uri) : strlen(uri));
	while (q && *q) {
		const char *p = q + 1, *end = p + strcspn(p, "&#"), *eq;
		q = *end == '&' ? end : NULL;
		if (end == p)
			continue;
		eq = memchr(p, '=', (size_t)(end - p));
		if (eq && own_key(p, (size_t)(eq - p))) {
			*badkey = p;
			if (take_own(p[0] == 't' ? &u->table : &u->query, eq + 1,
				     (size_t)(end - eq - 1), 1, bad) != 0)
				return -1;
			continue;
		}
		sb_adds(conn, first ? "?" : "&");
		sb_add(conn, p, (size_t)(end - p));
		first = 0;
	}
	return 0;
}

/* The key=value form: table and query tokens taken out, every other
 * token kept as written (a malformed one too, for libpq to name). */
static int split_conninfo(const char *s, pg_uri *u, strbuf *conn, const char **badkey,
			  int *bad)
{
	size_t i = 0;
	kv_token t;

	while (next_token(s, &i, &t)) {
		if (t.has_eq && own_key(s + t.key, t.key_end - t.key)) {
			*badkey = s + t.key;
			if (take_own(s[t.key] == 't' ? &u->table : &u->query, s + t.val,
				     t.end - t.val, 0, bad) != 0)
				return -1;
			continue;
		}
		if (conn->len)
			sb_addc(conn, ' ');
		sb_add(conn, s + t.key, t.end - t.key);
	}
	return 0;
}

hh_status pg_uri_parse(const char *uri, pg_uri *u, hh_err *err)
{
	strbuf conn = STRBUF_INIT;
	const char *badkey = NULL;
	int bad = 0, rc;

	memset(u, 0, sizeof *u);
	if (!uri)
		uri = "";
	pg_redact(uri, u->shown, sizeof u->shown);
	if (keep_secrets(uri, u) != 0)
		goto oom;
	if (!pg_is_uri(uri))
		return hh_fail(err, HH_EUSAGE,
			       "%s: not a PostgreSQL connection string (postgresql://... "
			       "or libpq's key=value form)",
			       u->shown);
	rc = uri_form(uri) ? split_uri(uri, u, &conn, &badkey, &bad)
			   : split_conninfo(uri, u, &conn, &badkey, &bad);
	if (rc != 0) {
		sb_release(&conn);
		if (!bad)
			goto oom;
		return hh_fail(err, HH_EUSAGE, "%s: %s in the %.5s parameter", u->shown,
			       uri_form(uri) ? "bad %-escape" : "unterminated quoted string",
			       badkey);
	}
	u->conn = sb_detach(&conn, NULL);
	if (!u->conn)
		goto oom;
	return check_conninfo(u, err);
oom:
	sb_release(&conn);
	return hh_fail(err, HH_EINTERNAL, "out of memory parsing a connection string");
}

hh_status pg_uri_check_store(const pg_uri *u, hh_err *err)
{
	if (u->table || u->query)
		return hh_fail(err, HH_EUSAGE, "%s: a store URI takes no table= or query=",
			       u->shown);
	return HH_OK;
}
