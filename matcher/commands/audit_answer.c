/*
 * audit_answer.c - an audit query's answer and its text and JSON
 * renderings (see audit_answer.h).
 */
#include "commands/audit_answer.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "base/json.h"
#include "base/strbuf.h"

static char *dupstr(answer *a, const char *s)
{
	char *d = strdup(s ? s : "");
	if (!d)
		a->oom = 1;
	return d;
}

/* A formatted copy (up to 1023 bytes), owned by the answer. */
static char *vdupf(answer *a, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));
static char *vdupf(answer *a, const char *fmt, va_list ap)
{
	char buf[1024];
	vsnprintf(buf, sizeof buf, fmt, ap);
	return dupstr(a, buf);
}

void answer_fact(answer *a, const char *key, const char *fmt, ...)
{
	if (a->nfacts >= ANSWER_MAX_FACTS)
		return;
	va_list ap;
	va_start(ap, fmt);
	a->facts[a->nfacts][1] = vdupf(a, fmt, ap);
	va_end(ap);
	a->facts[a->nfacts++][0] = dupstr(a, key);
}

void answer_warn(answer *a, const char *fmt, ...)
{
	if (a->nwarnings >= ANSWER_MAX_WARNINGS)
		return;
	va_list ap;
	va_start(ap, fmt);
	a->warnings[a->nwarnings++] = vdupf(a, fmt, ap);
	va_end(ap);
}

static void section_free(answer_section *s)
{
	for (size_t r = 0; r < s->n; r++) {
		for (int c = 0; c < s->ncols; c++)
			free(s->rows[r][c]);
		free(s->rows[r]);
	}
	free(s->rows);
}

answer_section *answer_section_new(answer *a, const char *title, const char *cols)
{
	if (a->nsec == ANSWER_MAX_SECTIONS) { /* a bug: fail the answer, keep going */
		a->oom = 1;
		section_free(&a->sec[--a->nsec]);
	}
	answer_section *s = &a->sec[a->nsec++];
	memset(s, 0, sizeof *s);
	s->title = title;
	snprintf(s->colbuf, sizeof s->colbuf, "%s", cols);
	for (char *p = s->colbuf; p && s->ncols < ANSWER_MAX_COLS;) {
		s->cols[s->ncols++] = p;
		p = strchr(p, ',');
		if (p)
			*p++ = '\0';
	}
	return s;
}

void answer_row(answer *a, answer_section *s, ...)
{
	if (s->n == s->cap) {
		size_t nc = s->cap ? s->cap * 2 : 16;
		char ***nr = realloc(s->rows, nc * sizeof *nr);
		if (!nr) {
			a->oom = 1;
			return;
		}
		s->rows = nr;
		s->cap = nc;
	}
	char **r = calloc((size_t)s->ncols, sizeof *r);
	if (!r) {
		a->oom = 1;
		return;
	}
	va_list ap;
	va_start(ap, s);
	for (int i = 0; i < s->ncols; i++)
		r[i] = dupstr(a, va_arg(ap, const char *));
	va_end(ap);
	s->rows[s->n++] = r;
}

void answer_pid(answer *a, const char *pid)
{
	if (!pid || !pid[0])
		return;
	for (size_t i = 0; i < a->npids; i++)
		if (!strcmp(a->pids[i], pid))
			return;
	if (a->npids == a->cappids) {
		size_t nc = a->cappids ? a->cappids * 2 : 16;
		char **np = realloc(a->pids, nc * sizeof *np);
		if (!np) {
			a->oom = 1;
			return;
		}
		a->pids = np;
		a->cappids = nc;
	}
	a->pids[a->npids++] = dupstr(a, pid);
}

void answer_free(answer *a)
{
	for (int i = 0; i < a->nfacts; i++) {
		free(a->facts[i][0]);
		free(a->facts[i][1]);
	}
	for (int i = 0; i < a->nwarnings; i++)
		free(a->warnings[i]);
	for (int i = 0; i < a->nsec; i++)
		section_free(&a->sec[i]);
	for (size_t i = 0; i < a->npids; i++)
		free(a->pids[i]);
	free(a->pids);
}

/* --- text ------------------------------------------------------------- */

/* Display width of UTF-8 text: East Asian characters take two columns. */
static size_t width(const char *s)
{
	size_t w = 0;
	for (const unsigned char *p = (const unsigned char *)s; *p;) {
		unsigned cp = *p;
		int n = cp < 0x80 ? 1 : cp < 0xE0 ? 2 : cp < 0xF0 ? 3 : 4;
		if (n == 3)
			cp = ((cp & 0x0F) << 12) | ((p[1] & 0x3Fu) << 6) | (p[2] & 0x3Fu);
		w += (n == 3 && cp >= 0x2E80) || n == 4 ? 2 : 1;
		for (int i = 0; i < n && *p; i++)
			p++;
	}
	return w;
}

static void pad(FILE *f, const char *s, size_t w, int last)
{
	fputs(s, f);
	if (!last)
		for (size_t i = width(s); i < w + 2; i++)
			fputc(' ', f);
}

static void print_section(const answer_section *s, FILE *f)
{
	fprintf(f, "\n%s (%zu)\n", s->title, s->n);
	if (!s->n)
		return;
	size_t w[ANSWER_MAX_COLS];
	for (int c = 0; c < s->ncols; c++) {
		w[c] = width(s->cols[c]);
		for (size_t r = 0; r < s->n; r++)
			if (width(s->rows[r][c]) > w[c])
				w[c] = width(s->rows[r][c]);
	}
	fputs("  ", f);
	for (int c = 0; c < s->ncols; c++)
		pad(f, s->cols[c], w[c], c + 1 == s->ncols);
	fputs("\n  ", f);
	for (int c = 0; c < s->ncols; c++) {
		for (size_t j = 0; j < w[c]; j++)
			fputc('-', f);
		if (c + 1 < s->ncols)
			fputs("  ", f);
	}
	fputc('\n', f);
	for (size_t r = 0; r < s->n; r++) {
		fputs("  ", f);
		for (int c = 0; c < s->ncols; c++)
			pad(f, s->rows[r][c], w[c], c + 1 == s->ncols);
		fputc('\n', f);
	}
}

void answer_print_text(const answer *a, FILE *f)
{
	size_t kw = 0;
	for (int i = 0; i < a->nfacts; i++)
		if (width(a->facts[i][0]) > kw)
			kw = width(a->facts[i][0]);
	for (int i = 0; i < a->nfacts; i++) {
		fprintf(f, "%s:", a->facts[i][0]);
		for (size_t j = width(a->facts[i][0]); j < kw + 1; j++)
			fputc(' ', f);
		fprintf(f, "%s\n", a->facts[i][1]);
	}
	for (int i = 0; i < a->nwarnings; i++)
		fprintf(f, "warning: %s\n", a->warnings[i]);
	for (int i = 0; i < a->nsec; i++)
		print_section(&a->sec[i], f);
}

/* --- CSV -------------------------------------------------------------- */

/* One cell, quoted when it holds a comma, a quote or a line break. */
static void csv_cell(FILE *f, const char *s, int first)
{
	if (!first)
		fputc(',', f);
	if (!strpbrk(s, ",\"\r\n")) {
		fputs(s, f);
		return;
	}
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

void answer_print_csv(const answer *a, FILE *f)
{
	int blocks = 0;
	if (a->nfacts) {
		fputs("section,fact,value\n", f);
		for (int i = 0; i < a->nfacts; i++) {
			csv_cell(f, "facts", 1);
			csv_cell(f, a->facts[i][0], 0);
			csv_cell(f, a->facts[i][1], 0);
			fputc('\n', f);
		}
		blocks++;
	}
	if (a->nwarnings) {
		fputs(blocks++ ? "\nsection,warning\n" : "section,warning\n", f);
		for (int i = 0; i < a->nwarnings; i++) {
			csv_cell(f, "warnings", 1);
			csv_cell(f, a->warnings[i], 0);
			fputc('\n', f);
		}
	}
	for (int i = 0; i < a->nsec; i++) {
		const answer_section *s = &a->sec[i];
		if (blocks++)
			fputc('\n', f);
		csv_cell(f, "section", 1);
		for (int c = 0; c < s->ncols; c++)
			csv_cell(f, s->cols[c], 0);
		fputc('\n', f);
		for (size_t r = 0; r < s->n; r++) {
			csv_cell(f, s->title, 1);
			for (int c = 0; c < s->ncols; c++)
				csv_cell(f, s->rows[r][c], 0);
			fputc('\n', f);
		}
	}
}

/* --- JSON ------------------------------------------------------------- */

/* s as a JSON string, escaped by jansson. */
static void put_str(strbuf *b, const char *s)
{
	json_t *j = hj_string_bytes(s, strlen(s), NULL);
	if (!j) {
		b->oom = 1;
		return;
	}
	hj_dump(b, j, HJ_LINE | JSON_ENCODE_ANY);
	json_decref(j);
}

hh_status answer_print_json(const answer *a, const char *query, FILE *f, hh_err *err)
{
	strbuf b = STRBUF_INIT;
	sb_adds(&b, "{\"query\":");
	sb_adds(&b, query);
	sb_adds(&b, ",\n\"facts\":{");
	for (int i = 0; i < a->nfacts; i++) {
		if (i)
			sb_addc(&b, ',');
		put_str(&b, a->facts[i][0]);
		sb_addc(&b, ':');
		put_str(&b, a->facts[i][1]);
	}
	sb_adds(&b, "},\n\"warnings\":[");
	for (int i = 0; i < a->nwarnings; i++) {
		if (i)
			sb_addc(&b, ',');
		put_str(&b, a->warnings[i]);
	}
	sb_adds(&b, "],\n\"sections\":{");
	for (int i = 0; i < a->nsec; i++) {
		const answer_section *s = &a->sec[i];
		sb_adds(&b, i ? ",\n" : "\n");
		put_str(&b, s->title);
		sb_adds(&b, ":[");
		for (size_t r = 0; r < s->n; r++) {
			sb_adds(&b, r ? ",\n  {" : "\n  {");
			for (int c = 0; c < s->ncols; c++) {
				if (c)
					sb_addc(&b, ',');
				put_str(&b, s->cols[c]);
				sb_addc(&b, ':');
				put_str(&b, s->rows[r][c]);
			}
			sb_addc(&b, '}');
		}
		sb_addc(&b, ']');
	}
	sb_adds(&b, "}}\n");
	hh_status st = HH_OK;
	if (b.oom)
		st = hh_fail(err, HH_EINTERNAL, "out of memory");
	else
		fwrite(b.buf, 1, b.len, f);
	sb_release(&b);
	return st;
}
