/*
 * conformance.h - what the conformance tests (test_conformance_*.c,
 * test_idnum.c) share: the vectors' folder, JSON loading, hex, an
 * in-memory pull source, a stream read to its end, and the bookkeeping of
 * cases that differ.
 *
 * The vectors live in $HH_TEST_DATA/conformance (a byte-for-byte copy of
 * other projects' test data; docs/conformance.md).  Each test runs every
 * case through hhmatch's own code and calls conf_verdict with whether
 * hhmatch agrees with the case's expected result.  A test lists every
 * case it expects to differ, with a one-line reason (which contract rule,
 * or a known defect with its issue); conf_verdict fails a
 * difference that is not listed and a listed case that now agrees, and
 * conf_finish fails a listed case that does not exist, so the list stays
 * exactly the set of differences.
 *
 * Criterion runs each test in its own process, so the static state of a
 * list (seen counts) is per test.  Include once per test file.
 */
#ifndef HH_CONFORMANCE_H
#define HH_CONFORMANCE_H

#include <criterion/criterion.h>
#include <criterion/logging.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/json.h"
#include "connectors/instream.h"

/* A case hhmatch is expected to differ on, and why (which contract rule,
 * or for a known defect its issue); seen is counted by conf_verdict. */
typedef struct {
	const char *corpus, *name, *why;
	int seen;
} conf_diff;

#define CONF_DIFF(corpus, name, why) { corpus, name, why, 0 }

/* Counts per corpus, for the summary line (docs/conformance.md quotes it). */
typedef struct {
	const char *corpus;
	unsigned cases, agree, differ;
} conf_tally;

/* $HH_TEST_DATA/conformance/rel in one of four rotating buffers. */
static inline const char *conf_path(const char *rel)
{
	static char bufs[4][1024];
	static unsigned k;
	const char *base = getenv("HH_TEST_DATA");
	char *b = bufs[k++ % 4];

	cr_assert(base && *base, "HH_TEST_DATA is not set (ctest sets it)");
	int n = snprintf(b, sizeof bufs[0], "%s/conformance/%s", base, rel);
	cr_assert(n > 0 && (size_t)n < sizeof bufs[0], "path too long: %s", rel);
	return b;
}

/* The whole file at rel (NUL-terminated; *n without the NUL). */
static inline char *conf_slurp(const char *rel, size_t *n)
{
	const char *p = conf_path(rel);
	FILE *f = fopen(p, "rb");
	cr_assert_not_null(f, "cannot open %s", p);
	size_t cap = 1 << 16, len = 0;
	char *b = malloc(cap + 1);
	cr_assert_not_null(b);
	for (size_t got; (got = fread(b + len, 1, cap - len, f)) > 0;) {
		len += got;
		if (len == cap) {
			cap *= 2;
			b = realloc(b, cap + 1);
			cr_assert_not_null(b);
		}
	}
	cr_assert(!ferror(f), "cannot read %s", p);
	fclose(f);
	b[len] = '\0';
	*n = len;
	return b;
}

/* 1 if o[0..w) ends with a high surrogate escape (\ud800-\udbff): a low
 * one after it is half of a real pair, not an escaped byte. */
static inline int conf_after_high(const char *o, size_t w)
{
	return w >= 6 && o[w - 6] == '\\' && o[w - 5] == 'u' &&
	       (o[w - 4] == 'd' || o[w - 4] == 'D') && strchr("89abAB", o[w - 3]) &&
	       o[w - 3] != '\0';
}

/*
 * Loads a vectors file.  Some inputs hold bytes that are not UTF-8, which
 * the files write as Python's surrogateescape does (\udcXX for byte XX),
 * and jansson refuses lone surrogates; each such escape is rewritten to
 * \u0000 followed by the two hex digits, which conf_bytes turns back into
 * the byte.
 */
static inline json_t *conf_json(const char *rel)
{
	size_t n, w = 0;
	char *t = conf_slurp(rel, &n);
	char *o = malloc(2 * n + 1);
	json_t *j;
	json_error_t je;

	cr_assert_not_null(o);
	for (size_t r = 0; r < n;) {
		if (t[r] != '\\' || r + 1 == n) {
			o[w++] = t[r++];
			continue;
		}
		if (r + 6 <= n && t[r + 1] == 'u' &&
		    (t[r + 2] == 'd' || t[r + 2] == 'D') &&
		    (t[r + 3] == 'c' || t[r + 3] == 'C') && !conf_after_high(o, w)) {
			memcpy(o + w, "\\u0000", 6);
			o[w + 6] = t[r + 4];
			o[w + 7] = t[r + 5];
			w += 8;
			r += 6;
			continue;
		}
		o[w++] = t[r++]; /* an escape: its backslash and next char */
		o[w++] = t[r++];
	}
	free(t);
	/* JSON_ALLOW_NUL: jansson refuses \u0000 otherwise */
	j = json_loadb(o, w, JSON_ALLOW_NUL | JSON_REJECT_DUPLICATES, &je);
	cr_assert_not_null(j, "%s: line %d: %s", rel, je.line, je.text);
	free(o);
	return j;
}

static inline int conf_hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* A JSON string's bytes (malloc'ed, NUL-terminated, *n without it), with
 * the surrogate-escaped bytes of conf_json restored. */
static inline char *conf_bytes(const json_t *s, size_t *n)
{
	cr_assert(json_is_string(s), "not a string");
	const char *p = json_string_value(s);
	size_t len = json_string_length(s), w = 0;
	char *o = malloc(len + 1);

	cr_assert_not_null(o);
	for (size_t r = 0; r < len;) {
		if (p[r] == '\0' && r + 2 < len &&
		    conf_hexval(p[r + 1]) >= 0 && conf_hexval(p[r + 2]) >= 0) {
			o[w++] = (char)(conf_hexval(p[r + 1]) * 16 + conf_hexval(p[r + 2]));
			r += 3;
			continue;
		}
		o[w++] = p[r++];
	}
	o[w] = '\0';
	*n = w;
	return o;
}

/* hex digits to bytes (malloc'ed, at least 1 byte, *n the count). */
static inline unsigned char *conf_unhex(const char *hex, size_t *n)
{
	size_t len = strlen(hex);
	unsigned char *o = malloc(len / 2 + 1);

	cr_assert_not_null(o);
	cr_assert(len % 2 == 0, "odd hex length %zu", len);
	for (size_t i = 0; i < len / 2; i++) {
		int hi = conf_hexval(hex[2 * i]), lo = conf_hexval(hex[2 * i + 1]);
		cr_assert(hi >= 0 && lo >= 0, "not hex: %s", hex);
		o[i] = (unsigned char)(hi * 16 + lo);
	}
	*n = len / 2;
	return o;
}

/* An in-memory source for ins_open_pull, handing out at most chunk bytes
 * per call (1 = byte by byte, so every buffer boundary is crossed). */
typedef struct {
	const char *p;
	size_t n, off, chunk;
} conf_mem;

static inline hh_status conf_pull(void *ctx, char *buf, size_t cap, size_t *n,
				  hh_err *err)
{
	conf_mem *m = ctx;
	size_t k = m->n - m->off;

	(void)err;
	if (k > m->chunk)
		k = m->chunk;
	if (k > cap)
		k = cap;
	memcpy(buf, m->p + m->off, k);
	m->off += k;
	*n = k;
	return HH_OK;
}

/* What a reader made of its input: ok = 1 when it read to the end, else
 * 0 with err; out[0..n) (malloc'ed) is the text it gave before. */
typedef struct {
	int ok;
	char *out;
	size_t n;
	hh_err err;
} conf_decoded;

/* Reads in to its end (ins_read into a buffer of cap bytes at first,
 * doubled as needed) and closes it. */
static inline conf_decoded conf_read_all(hh_instream *in, size_t cap)
{
	conf_decoded d = { .ok = 1 };

	d.out = malloc(cap);
	cr_assert_not_null(d.out);
	for (;;) {
		size_t got;
		if (d.n == cap) {
			cap *= 2;
			d.out = realloc(d.out, cap);
			cr_assert_not_null(d.out);
		}
		if (ins_read(in, d.out + d.n, cap - d.n, &got, &d.err) != HH_OK) {
			d.ok = 0;
			break;
		}
		if (got == 0)
			break;
		d.n += got;
	}
	ins_close(in);
	return d;
}

static inline conf_diff *conf_find(conf_diff *list, size_t nlist,
				   const char *corpus, const char *name)
{
	for (size_t i = 0; i < nlist; i++)
		if (!strcmp(list[i].corpus, corpus) && !strcmp(list[i].name, name))
			return &list[i];
	return NULL;
}

/* Records one case: agree or not, against the list of expected
 * differences.  detail says what hhmatch did (for the failure message). */
static inline void conf_verdict(conf_diff *list, size_t nlist, conf_tally *t,
				const char *name, int agree, const char *detail)
{
	conf_diff *d = conf_find(list, nlist, t->corpus, name);

	t->cases++;
	if (d)
		d->seen++;
	if (agree) {
		t->agree++;
		cr_expect(d == NULL,
			  "%s: %s: listed as differing (%s) but hhmatch now agrees: "
			  "take it off the list", t->corpus, name, d ? d->why : "");
		return;
	}
	t->differ++;
	cr_expect(d != NULL, "%s: %s: hhmatch differs and nobody explained why: %s",
		  t->corpus, name, detail ? detail : "");
}

/* After a corpus: every listed case of it was met exactly once, and the
 * corpus has the number of cases expected (a file cut short fails). */
static inline void conf_finish(conf_diff *list, size_t nlist,
			       const conf_tally *t, unsigned want_cases)
{
	for (size_t i = 0; i < nlist; i++)
		if (!strcmp(list[i].corpus, t->corpus))
			cr_expect_eq(list[i].seen, 1, "%s: %s: listed case met %d times",
				     t->corpus, list[i].name, list[i].seen);
	cr_expect_eq(t->cases, want_cases, "%s: %u cases, expected %u",
		     t->corpus, t->cases, want_cases);
	cr_log_info("conformance %s: %u cases, %u agree, %u differ",
		    t->corpus, t->cases, t->agree, t->differ);
}

#endif
