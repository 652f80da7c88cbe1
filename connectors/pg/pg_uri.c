/*
 * pg_uri.c - PostgreSQL URIs: parsing, redaction, scrubbing (see
 * pg_uri.h).
 *
 * Where a password can be, as libpq reads a string (fe-connect.c), and
 * the span of it that is hidden:
 *  - the user part of a URI: libpq takes the first '@' before a '/' and
 *    the password after the first ':' before it.  Hidden: from that ':'
 *    to the LAST '@' before the first '/' or '?', which holds libpq's
 *    password and also one with an unencoded '@' or '#' in it.  The
 *    search stops at '?' because table= and query= values may hold an
 *    '@' (`?query=SELECT x @> y`), and their URIs need not have a path;
 *    a password must have its '?' %-encoded (RFC 3986) to be hidden.
 *  - a URI parameter (after the first '?', split at '&') whose
 *    %-decoded name is "password" in any case: its value.
 *  - a key=value string, split into tokens as libpq splits it (blanks
 *    around '=', a value in single quotes or with backslash escapes): the
 *    value of a "password" key, quotes included.
 *  - in any string, "password=" at the start or after '?', '&', a space
 *    or a tab: the value up to '&', a blank or '#', or the quoted value
 *    (the rule of earlier versions, kept so that nothing they hid shows).
 * The rules report spans [from, to) to a callback.  pg_redact marks them
 * in a byte mask and prints each run of marked bytes, or an empty span,
 * as one "***": overlapping spans print once, and the walk advances one
 * byte per step whatever the spans are (an empty user-part password made
 * the earlier loop stand still forever).  pg_uri_parse keeps each span's
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

int pg_is_uri(const char *s)
{
	return s && (strncmp(s, "postgresql://", 13) == 0 ||
		     strncmp(s, "postgres://", 11) == 0);
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

/* 1 when s[0..n), %-decoded, is "password" in any case. */
static int is_password_key(const char *s, size_t n, int encoded)
{
	int bad, yes;
	char *k;

	if (!encoded || !memchr(s, '%', n))
		return n == 8 && strncasecmp(s, "password", 8) == 0;
	k = url_decode(s, n, &bad);
	yes = k && strcasecmp(k, "password") == 0;
	free(k);
	return yes;
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

static void uri_spans(const char *s, span_fn fn, void *arg)
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
		if (eq && is_password_key(p, (size_t)(eq - p), 1))
			fn(arg, s, (size_t)(eq + 1 - s), (size_t)(end - s));
	}
}

/* key=value tokens as libpq's conninfo_parse splits them; a token with
 * no '=' is skipped (libpq would refuse the string). */
static void conninfo_spans(const char *s, span_fn fn, void *arg)
{
	size_t i = 0;

	while (s[i]) {
		size_t key, key_end, val;
		if (isspace((unsigned char)s[i])) {
			i++;
			continue;
		}
		key = i;
		while (s[i] && s[i] != '=' && !isspace((unsigned char)s[i]))
			i++;
		key_end = i;
		while (isspace((unsigned char)s[i]))
			i++;
		if (s[i] != '=')
			continue;
		i++;
		while (isspace((unsigned char)s[i]))
			i++;
		val = i;
		if (s[i] == '\'') {
			i = skip_quoted(s, i);
		} else {
			while (s[i] && !isspace((unsigned char)s[i]))
				i += s[i] == '\\' && s[i + 1] ? 2 : 1;
		}
		if (is_password_key(s + key, key_end - key, 0))
			fn(arg, s, val, i);
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
	if (pg_is_uri(s))
		uri_spans(s, fn, arg);
	else
		conninfo_spans(s, fn, arg);
	legacy_spans(s, fn, arg);
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

	if (n == 0)
		return;
	sb_add(b, v, n);
	sb_addc(b, '\0');
	if (pg_is_uri(s)) {
		int bad;
		char *d = url_decode(v, n, &bad);
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
	} else if (v[0] == '\'' || memchr(v, '\\', n)) {
		/* the value libpq sees: quotes and backslashes removed */
		size_t k = v[0] == '\'' ? 1 : 0, start = b->len;
		for (; k < n && !(v[0] == '\'' && v[k] == '\''); k++) {
			if (v[k] == '\\' && k + 1 < n)
				k++;
			sb_addc(b, v[k]);
		}
		if (b->len > start)
			sb_addc(b, '\0');
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
 * URI is a usage error in libpq's words. */
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
		return hh_fail(err, HH_EINTERNAL, "%s: out of memory parsing the URI",
			       u->shown);
	pg_uri_scrub(u, msg);
	st = hh_fail(err, HH_EUSAGE, "%s: %s", u->shown, msg);
	PQfreemem(msg);
	return st;
}

hh_status pg_uri_parse(const char *uri, pg_uri *u, hh_err *err)
{
	const char *q;
	strbuf conn = STRBUF_INIT;
	int first = 1, bad = 0;

	memset(u, 0, sizeof *u);
	if (!uri)
		uri = "";
	pg_redact(uri, u->shown, sizeof u->shown);
	if (keep_secrets(uri, u) != 0)
		goto oom;
	if (!pg_is_uri(uri))
		return hh_fail(err, HH_EUSAGE,
			       "%s: not a PostgreSQL URI (postgresql://...)",
			       u->shown);
	q = strchr(uri, '?');
	sb_add(&conn, uri, q ? (size_t)(q - uri) : strlen(uri));
	/* parameters up to a '#', which ends them */
	while (q && *q) {
		const char *p = q + 1, *end = p + strcspn(p, "&#"), *eq;
		q = *end == '&' ? end : NULL;
		if (end == p)
			continue;
		eq = memchr(p, '=', (size_t)(end - p));
		if (eq && eq - p == 5 &&
		    (strncmp(p, "table", 5) == 0 || strncmp(p, "query", 5) == 0)) {
			char **slot = p[0] == 't' ? &u->table : &u->query;
			char *v = url_decode(eq + 1, (size_t)(end - eq - 1), &bad);
			if (!v) {
				sb_release(&conn);
				if (!bad)
					goto oom;
				return hh_fail(err, HH_EUSAGE,
					       "%s: bad %%-escape in the %.5s parameter",
					       u->shown, p);
			}
			free(*slot);
			*slot = v;
			continue;
		}
		sb_adds(&conn, first ? "?" : "&");
		sb_add(&conn, p, (size_t)(end - p));
		first = 0;
	}
	u->conn = sb_detach(&conn, NULL);
	if (!u->conn)
		goto oom;
	return check_conninfo(u, err);
oom:
	sb_release(&conn);
	return hh_fail(err, HH_EINTERNAL, "out of memory parsing a URI");
}
