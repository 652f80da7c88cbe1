/*
 * dedup.c - row fingerprints for D_DUP_ROW: which rows of a source repeat
 * an earlier one.  ingest.c puts each fingerprint in the source's rowset.
 *
 * Rows are repeats when they mean the same (contract: "compared by typed
 * value"): a valid row is fingerprinted from its typed values, so `6000`
 * and `6000.00` (fen), `2026-05-01` and `20260501` (YYYYMMDD), `低保` and
 * `dibao` (the enumeration's index), `11010519491231002x` and its 15-digit
 * or full-width forms (the normalised ID) are one value.  What enters it:
 * the contract's columns the file has (unknown columns are ignored, as the
 * run ignores them, so a raw extract and its pseudonymised copy find the
 * same repeats), each present value typed, and which of them are present.
 * A row that fails its column types has no typed values: it is
 * fingerprinted from its text (fields after CSV unquoting), in a separate
 * hash domain (another seed), so it only ever repeats a row of the same
 * text.
 *
 * Both run once per row: no allocation (the ingest's scratch buffer grows
 * to the longest row and stays), one XXH3-128 over a packed buffer.
 */
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "engine/engine_int.h"

/* Keeps the typed and the text fingerprints apart (the text one is
 * seeded with the record's width, a small number). */
#define TYPED_SEED 0x7479706564000000ull

static hh_status grow_scratch(ingest *in, size_t need)
{
	if (need <= in->scratch_cap)
		return HH_OK;
	char *p = realloc(in->scratch, need);
	if (!p)
		return hh_fail(&in->err, HH_EINTERNAL, "%s: %s: out of memory",
			       in->src->name, in->display_path);
	in->scratch = p;
	in->scratch_cap = need;
	return HH_OK;
}

/* Appends field f to buf in minimal CSV quoting (quoted only when it
 * holds the delimiter, a quote or a line feed). */
static size_t put_canonical(char *buf, hh_field f, char delim)
{
	size_t n = 0;
	int quote = memchr(f.ptr, delim, f.len) || memchr(f.ptr, '"', f.len) ||
		    memchr(f.ptr, '\n', f.len);
	if (quote)
		buf[n++] = '"';
	for (uint32_t i = 0; i < f.len; i++) {
		if (f.ptr[i] == '"')
			buf[n++] = '"';
		buf[n++] = f.ptr[i];
	}
	if (quote)
		buf[n++] = '"';
	return n;
}

hh_status dedup_fingerprint_text(ingest *in, const hh_record *rec, uint64_t *lo,
				 uint64_t *hi)
{
	const hh_field *f = rec->fields;
	size_t n = rec->nfields, total = 0;
	int contiguous = in->row_col <= 0;
	if (in->row_col == 0 && n > 1) {
		f++; /* a PostgreSQL source's hh_row numbers rows: not row content */
		n--;
	}
	/* A record whose fields lie back to back, one delimiter apart, had
	 * no quotes: its bytes in the reader's buffer are already the
	 * canonical form and are hashed in place. */
	for (size_t i = 0; i + 1 < n && contiguous; i++)
		contiguous = f[i + 1].ptr == f[i].ptr + f[i].len + 1;
	const char *bytes = f[0].ptr;
	if (contiguous) {
		total = (size_t)(f[n - 1].ptr + f[n - 1].len - f[0].ptr);
	} else {
		size_t need = n;
		for (size_t i = 0; i < n; i++)
			need += 2 * (size_t)f[i].len + 2;
		HH_TRY(grow_scratch(in, need));
		for (size_t i = 0; i < n; i++) {
			if ((int)i == in->row_col)
				continue;
			if (total)
				in->scratch[total++] = in->delim;
			total += put_canonical(in->scratch + total, f[i], in->delim);
		}
		bytes = in->scratch;
	}
	XXH128_hash_t h = XXH3_128bits_withSeed(bytes, total, n);
	*lo = h.low64;
	*hi = h.high64;
	return HH_OK;
}

/* Packs one text value: its length, then its bytes. */
static size_t put_text(char *buf, const char *p, uint32_t len)
{
	memcpy(buf, &len, sizeof len);
	memcpy(buf + sizeof len, p, len);
	return sizeof len + len;
}

hh_status dedup_fingerprint_typed(ingest *in, const schema_row *row,
				  const char *norm_id, uint64_t *lo, uint64_t *hi)
{
	const schema_source *src = in->src;
	int idc = in->map.identity_col;
	size_t need = sizeof row->present + 32;
	for (size_t c = 0; c < src->ncols; c++)
		if (row->present & (1u << c))
			need += 8 + sizeof(uint32_t) + row->str[c].len;
	HH_TRY(grow_scratch(in, need));
	char *b = in->scratch;
	size_t n = 0;
	memcpy(b, &row->present, sizeof row->present);
	n += sizeof row->present;
	for (size_t c = 0; c < src->ncols; c++) {
		if (!(row->present & (1u << c)))
			continue;
		switch (src->cols[c].type) {
		case COL_PID:
			memcpy(b + n, row->pid, 32);
			n += 32;
			break;
		case COL_ID:
			/* valid: the normalised 18 characters; otherwise the
			 * trimmed text (there is no typed value to compare) */
			n += (int)c == idc && norm_id
				? put_text(b + n, norm_id, 18)
				: put_text(b + n, row->str[c].ptr, row->str[c].len);
			break;
		case COL_TEXT:
		case COL_NAME:
		case COL_REGION:
			n += put_text(b + n, row->str[c].ptr, row->str[c].len);
			break;
		default: /* money in fen, dates, periods, ints, flags, enum codes */
			memcpy(b + n, &row->val[c], 8);
			n += 8;
			break;
		}
	}
	XXH128_hash_t h = XXH3_128bits_withSeed(b, n, TYPED_SEED);
	*lo = h.low64;
	*hi = h.high64;
	return HH_OK;
}
