/*
 * row.h - one generated row: fields assembled in a scratch buffer, then
 * joined with a separator and quoted (RFC 4180) into the text of a line.
 *
 * Rows live on the stack and are reused (row_reset); nothing is
 * allocated.  A row holds at most ROW_MAXF fields and ROW_BYTES bytes of
 * field text, which the generator's widest row (the dirty roster with its
 * address) stays far below; row_join's output needs ROW_JOINED bytes.
 *
 * Thread safety: a row belongs to its caller.
 */
#ifndef HH_GEN_ROW_H
#define HH_GEN_ROW_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define ROW_MAXF 16
#define ROW_BYTES 2048
/* Every byte quoted twice, plus the quotes, separators and end of line. */
#define ROW_JOINED (2 * ROW_BYTES + 4 * ROW_MAXF)

typedef struct {
	char buf[ROW_BYTES];
	uint16_t off[ROW_MAXF], len[ROW_MAXF];
	int n;
	size_t used;
} row;

static inline void row_reset(row *r) { r->n = 0, r->used = 0; }

/* Appends the field s[0..n). */
static inline void row_add(row *r, const char *s, size_t n)
{
	r->off[r->n] = (uint16_t)r->used;
	r->len[r->n] = (uint16_t)n;
	memcpy(r->buf + r->used, s, n);
	r->used += n;
	r->n++;
}

static inline void row_adds(row *r, const char *s) { row_add(r, s, strlen(s)); }

/* An unsigned number in decimal. */
void row_addu(row *r, uint64_t v);

/* Fen as yuan with two decimals ("1234.50"); plain: "1234" for whole
 * yuan (dirty files mix both).  -1 is an empty field. */
void row_money(row *r, int64_t fen, int plain);

/* YYYYMMDD as "2026-11-30", or compact: "20261130". */
void row_date(row *r, int ymd, int compact);

/* dst = src with field i replaced by s[0..n) (n < 0: field removed). */
void row_replace(row *dst, const row *src, int i, const char *s, int n);

/* Joins the fields with sep, quoting where a comma-separated field needs
 * it, and ends with eol.  out holds ROW_JOINED bytes; returns the length
 * written (no NUL). */
size_t row_join(const row *r, char sep, const char *eol, char *out);

#endif
