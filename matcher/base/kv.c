/*
 * kv.c - the `key = value` text format of rules files and config files
 * (see kv.h).
 *
 * kv_parse walks the text one line at a time and hands each setting to a
 * callback; it keeps no state between calls and allocates nothing (one
 * line's key and value are copied into a stack buffer, or a heap buffer
 * for the rare line longer than that).  The grammar, line by line:
 *
 *     line    = ws [ key ws '=' ws value ws ] [ '#' comment ]
 *     key     = 1*( ALPHA / DIGIT / '_' / '.' / '-' )
 *     value   = unquoted / '"' *( any but '"' ) '"'
 *
 * An unquoted value runs to the first '#' or the end of the line and is
 * trimmed; a quoted value keeps everything between its quotes (spaces and
 * '#' included; there are no escapes, so it cannot hold a '"'), and only
 * blanks or a comment may follow its closing quote.  A UTF-8 BOM at the
 * start and a CR before each LF are ignored.  Lines are numbered from 1.
 *
 * Messages name the origin and line and never quote the value (a config
 * value may be a connection string with a password in it).
 */
#include "base/kv.h"
#include "base/fsutil.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define KV_MAX_FILE (16u << 20)
#define KV_LINE_BUF 1024

static int is_blank(char c) { return c == ' ' || c == '\t' || c == '\r'; }

static int is_key_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-';
}

/* Parses one line [p, end) (no LF).  Returns HH_OK with *key == NULL for
 * a blank or comment line; otherwise fills key/value as NUL-terminated
 * strings inside buf (which must hold end - p + 2 bytes). */
static hh_status parse_line(const char *p, const char *end, char *buf,
			    const char **key, const char **value,
			    const char *origin, int line, hh_err *err)
{
	*key = *value = NULL;
	while (p < end && is_blank(*p))
		p++;
	if (p == end || *p == '#')
		return HH_OK;

	const char *k = p;
	while (p < end && is_key_char(*p))
		p++;
	size_t klen = (size_t)(p - k);
	while (p < end && is_blank(*p))
		p++;
	if (p == end || *p != '=') {
		/* "foo bar = 1" and "=1" are also malformed, but a line with
		 * no '=' at all is the common mistake: say that first. */
		const char *hash = memchr(k, '#', (size_t)(end - k));
		if (!memchr(k, '=', (size_t)((hash ? hash : end) - k)))
			return hh_fail(err, HH_EUSAGE,
				       "%s: line %d: expected 'key = value'",
				       origin, line);
		return hh_fail(err, HH_EUSAGE,
			       "%s: line %d: invalid key; keys are letters, "
			       "digits, '_', '.' and '-'",
			       origin, line);
	}
	if (klen == 0)
		return hh_fail(err, HH_EUSAGE,
			       "%s: line %d: missing key before '='", origin,
			       line);
	p++; /* '=' */
	while (p < end && is_blank(*p))
		p++;

	const char *v = p;
	size_t vlen;
	if (p < end && *p == '"') {
		v = ++p;
		while (p < end && *p != '"')
			p++;
		if (p == end)
			return hh_fail(err, HH_EUSAGE,
				       "%s: line %d: unterminated quoted value",
				       origin, line);
		vlen = (size_t)(p - v);
		p++; /* closing quote */
		while (p < end && is_blank(*p))
			p++;
		if (p < end && *p != '#')
			return hh_fail(err, HH_EUSAGE,
				       "%s: line %d: unexpected text after "
				       "the closing quote",
				       origin, line);
	} else {
		while (p < end && *p != '#')
			p++;
		const char *ve = p;
		while (ve > v && is_blank(ve[-1]))
			ve--;
		vlen = (size_t)(ve - v);
	}

	memcpy(buf, k, klen);
	buf[klen] = '\0';
	memcpy(buf + klen + 1, v, vlen);
	buf[klen + 1 + vlen] = '\0';
	*key = buf;
	*value = buf + klen + 1;
	return HH_OK;
}

hh_status kv_parse(const char *text, const char *origin, kv_fn fn, void *ctx,
		   hh_err *err)
{
	char small[KV_LINE_BUF];
	const char *p = text;
	int line = 0;

	if (!strncmp(p, "\xEF\xBB\xBF", 3))
		p += 3;
	while (*p) {
		const char *eol = strchr(p, '\n');
		const char *end = eol ? eol : p + strlen(p);
		size_t need = (size_t)(end - p) + 2;
		char *buf = small;
		const char *key, *value;
		hh_status st;

		line++;
		if (need > sizeof small) {
			buf = malloc(need);
			if (!buf)
				return hh_fail(err, HH_EINTERNAL,
					       "%s: line %d: out of memory",
					       origin, line);
		}
		st = parse_line(p, end, buf, &key, &value, origin, line, err);
		if (st == HH_OK && key)
			st = fn(ctx, key, value, line, err);
		if (buf != small)
			free(buf);
		if (st != HH_OK)
			return st;
		if (!eol)
			break;
		p = eol + 1;
	}
	return HH_OK;
}

hh_status kv_read_file(const char *path, char **out, hh_err *err)
{
	size_t n;
	char *text;
	HH_TRY(fs_read_file(path, KV_MAX_FILE, HH_EINPUT, &text, &n, err));
	if (memchr(text, '\0', n)) {
		free(text);
		return hh_fail(err, HH_EINPUT,
			       "\"%s\" contains a NUL byte; expected a text file", path);
	}
	*out = text;
	return HH_OK;
}
