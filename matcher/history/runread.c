/*
 * runread.c - a published run read back (see runread.h).
 *
 * Tables are loaded whole: a run's households.csv is one row per roster
 * household (hundreds of thousands at province scale), which fits in
 * memory comfortably; each row is one allocation holding its cells.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/sha.h>

#include "connectors/csv.h"
#include "connectors/instream.h"
#include "base/kv.h"
#include "domain/idnum.h"
#include "domain/period.h"
#include "history/runread.h"

static char **row_copy(const hh_record *rec, size_t ncols)
{
	size_t bytes = ncols * sizeof(char *);
	for (size_t i = 0; i < ncols && i < rec->nfields; i++)
		bytes += rec->fields[i].len + 1;
	bytes += ncols; /* empty cells */
	char **cells = malloc(bytes);
	if (!cells)
		return NULL;
	char *p = (char *)(cells + ncols);
	for (size_t i = 0; i < ncols; i++) {
		size_t len = i < rec->nfields ? rec->fields[i].len : 0;
		if (len)
			memcpy(p, rec->fields[i].ptr, len);
		p[len] = '\0';
		cells[i] = p;
		p += len + 1;
	}
	return cells;
}

hh_status rr_table_load(const char *path, rr_table **out, hh_err *err)
{
	*out = NULL;
	hh_instream *in = NULL;
	csv_reader *r = NULL;
	ins_opts io = {.encoding = HH_ENC_UTF8};
	csv_opts co = {.delim = ','};
	HH_TRY(ins_open_file(path, &io, &in, err));
	HH_TRY(csv_open(in, &co, &r, err));
	rr_table *t = calloc(1, sizeof *t);
	hh_record rec;
	int got = 0;
	size_t cap = 0;
	hh_status st = t ? csv_next(r, &rec, &got, err)
			 : hh_fail(err, HH_EINTERNAL, "out of memory");
	if (st == HH_OK && !got)
		st = hh_fail(err, HH_EINPUT, "%s: empty file, expected a header row", path);
	if (st == HH_OK) {
		t->ncols = rec.nfields;
		t->header = row_copy(&rec, rec.nfields);
		if (!t->header)
			st = hh_fail(err, HH_EINTERNAL, "out of memory");
	}
	while (st == HH_OK) {
		st = csv_next(r, &rec, &got, err);
		if (st != HH_OK || !got)
			break;
		if (t->nrows == cap) {
			size_t nc = cap ? cap * 2 : 256;
			char ***nr = realloc(t->rows, nc * sizeof *nr);
			uint64_t *nl = nr ? realloc(t->lines, nc * sizeof *nl) : NULL;
			if (nr)
				t->rows = nr;
			if (!nl) {
				st = hh_fail(err, HH_EINTERNAL, "out of memory");
				break;
			}
			t->lines = nl;
			cap = nc;
		}
		char **cells = row_copy(&rec, t->ncols);
		if (!cells) {
			st = hh_fail(err, HH_EINTERNAL, "out of memory");
			break;
		}
		t->lines[t->nrows] = rec.line;
		t->rows[t->nrows++] = cells;
	}
	csv_close(r);
	if (st != HH_OK) {
		rr_table_free(t);
		return st;
	}
	*out = t;
	return HH_OK;
}

void rr_table_free(rr_table *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->nrows; i++)
		free(t->rows[i]);
	free(t->rows);
	free(t->lines);
	free(t->header);
	free(t);
}

int rr_col(const rr_table *t, const char *name)
{
	for (size_t i = 0; i < t->ncols; i++)
		if (!strcmp(t->header[i], name))
			return (int)i;
	return -1;
}

const char *rr_cell(const rr_table *t, size_t row, int col)
{
	if (col < 0 || (size_t)col >= t->ncols || row >= t->nrows)
		return "";
	return t->rows[row][col];
}

/* --- report.json ------------------------------------------------------ */

/* Skips a JSON string starting at p (on the quote); returns the byte
 * after the closing quote, or NULL. */
static const char *skip_str(const char *p)
{
	for (p++; *p; p++) {
		if (*p == '\\' && p[1])
			p++;
		else if (*p == '"')
			return p + 1;
	}
	return NULL;
}

/* The end of the object starting at p ('{'): one past its '}'. */
static const char *obj_end(const char *p)
{
	int depth = 0;
	while (*p) {
		if (*p == '"') {
			p = skip_str(p);
			if (!p)
				return NULL;
			continue;
		}
		if (*p == '{')
			depth++;
		else if (*p == '}' && --depth == 0)
			return p + 1;
		p++;
	}
	return NULL;
}

/* Finds "key": within [p, end) at the object's top level and returns a
 * pointer to its value (after the colon and spaces), or NULL. */
static const char *find_key(const char *p, const char *end, const char *key)
{
	size_t klen = strlen(key);
	int depth = 0;
	while (p < end && *p) {
		if (*p == '"') {
			const char *q = skip_str(p);
			if (!q || q > end)
				return NULL;
			if (depth == 1 && (size_t)(q - p - 2) == klen && !memcmp(p + 1, key, klen)) {
				while (*q == ' ' || *q == '\n' || *q == '\t' || *q == '\r')
					q++;
				if (*q == ':') {
					q++;
					while (*q == ' ' || *q == '\n' || *q == '\t' || *q == '\r')
						q++;
					return q;
				}
			}
			p = q;
			continue;
		}
		if (*p == '{' || *p == '[')
			depth++;
		else if (*p == '}' || *p == ']')
			depth--;
		p++;
	}
	return NULL;
}

/* Copies the JSON string at v (unescaping \" \\ \/ and \uXXXX below
 * 0x80) into a malloc'ed string, or NULL. */
static char *str_value(const char *v)
{
	if (!v || *v != '"')
		return NULL;
	const char *e = skip_str(v);
	if (!e)
		return NULL;
	char *s = malloc((size_t)(e - v));
	if (!s)
		return NULL;
	size_t n = 0;
	for (const char *p = v + 1; p < e - 1; p++) {
		if (*p == '\\') {
			p++;
			if (*p == 'u' && p + 4 < e) {
				s[n++] = (char)strtol((char[]){p[1], p[2], p[3], p[4], 0}, NULL, 16);
				p += 4;
			} else
				s[n++] = *p == 'n' ? '\n' : *p == 't' ? '\t' : *p;
		} else
			s[n++] = *p;
	}
	s[n] = '\0';
	return s;
}

static void copy_str(char *dst, size_t cap, const char *v)
{
	char *s = str_value(v);
	snprintf(dst, cap, "%s", s ? s : "");
	free(s);
}

hh_status rr_report_load(const char *path, rr_report **out, hh_err *err)
{
	*out = NULL;
	char *text = NULL;
	if (kv_read_file(path, &text, err) != HH_OK)
		return HH_EINPUT;
	rr_report *r = calloc(1, sizeof *r);
	if (!r) {
		free(text);
		return hh_fail(err, HH_EINTERNAL, "out of memory");
	}
	const char *top = strchr(text, '{');
	const char *tend = top ? obj_end(top) : NULL;
	const char *srcs = tend ? find_key(top, tend, "sources") : NULL;
	const char *send = srcs && *srcs == '{' ? obj_end(srcs) : NULL;
	if (!send) {
		free(text);
		free(r);
		return hh_fail(err, HH_EINPUT, "%s: not a report.json written by hhmatch", path);
	}
	char period[16] = "";
	copy_str(period, sizeof period, find_key(top, tend, "period"));
	r->period = period_parse(period);
	copy_str(r->key_id, sizeof r->key_id, find_key(top, tend, "key_id"));
	for (int s = 0; s < SRC_COUNT; s++) {
		const char *o = find_key(srcs, send, source_name((source_id)s));
		const char *oend = o && *o == '{' ? obj_end(o) : NULL;
		if (!oend)
			continue;
		const char *absent = find_key(o, oend, "absent");
		if (absent && !strncmp(absent, "true", 4))
			continue;
		/* "path" is the absolute path (files only); "file" as given */
		r->src[s].file = str_value(find_key(o, oend, "path"));
		if (!r->src[s].file)
			r->src[s].file = str_value(find_key(o, oend, "file"));
		if (!r->src[s].file)
			continue;
		r->src[s].present = 1;
		copy_str(r->src[s].sha256, sizeof r->src[s].sha256,
			 find_key(o, oend, "sha256"));
		copy_str(r->src[s].encoding, sizeof r->src[s].encoding,
			 find_key(o, oend, "encoding"));
	}
	free(text);
	*out = r;
	return HH_OK;
}

void rr_report_free(rr_report *r)
{
	if (!r)
		return;
	for (int s = 0; s < SRC_COUNT; s++)
		free(r->src[s].file);
	free(r);
}

/* --- jbuf --------------------------------------------------------------- */

static int jb_grow(jbuf *b, size_t more)
{
	if (b->oom)
		return 0;
	if (b->n + more + 1 <= b->cap)
		return 1;
	size_t nc = b->cap ? b->cap : 256;
	while (nc < b->n + more + 1)
		nc *= 2;
	char *ns = realloc(b->s, nc);
	if (!ns) {
		b->oom = 1;
		return 0;
	}
	b->s = ns;
	b->cap = nc;
	return 1;
}

void jb_raw(jbuf *b, const char *s, size_t len)
{
	if (!jb_grow(b, len))
		return;
	memcpy(b->s + b->n, s, len);
	b->n += len;
	b->s[b->n] = '\0';
}

void jb_puts(jbuf *b, const char *s)
{
	jb_raw(b, s, strlen(s));
}

void jb_printf(jbuf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || !jb_grow(b, (size_t)n))
		return;
	va_start(ap, fmt);
	vsnprintf(b->s + b->n, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->n += (size_t)n;
}

void jb_str(jbuf *b, const char *s)
{
	jb_raw(b, "\"", 1);
	const char *run = s;
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;
		if (ch != '"' && ch != '\\' && ch >= 0x20)
			continue;
		jb_raw(b, run, (size_t)(s - run));
		if (ch == '"' || ch == '\\')
			jb_printf(b, "\\%c", ch);
		else if (ch == '\n')
			jb_puts(b, "\\n");
		else
			jb_printf(b, "\\u%04x", ch);
		run = s + 1;
	}
	jb_raw(b, run, (size_t)(s - run));
	jb_raw(b, "\"", 1);
}

void jb_free(jbuf *b)
{
	free(b->s);
	b->s = NULL;
	b->n = b->cap = 0;
}

void rr_sha256_hex(const void *data, size_t len, char out[65])
{
	unsigned char md[SHA256_DIGEST_LENGTH];
	SHA256(data, len, md);
	for (int i = 0; i < SHA256_DIGEST_LENGTH; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
}

int rr_level(const char *name)
{
	static const char *const names[] = {"none", "low", "medium", "high"};
	for (int i = 0; i < 4; i++)
		if (!strcmp(name, names[i]))
			return i;
	return -1;
}
