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

/* How a column's value is packed into the typed fingerprint. */
enum { FP_VAL, FP_TEXT, FP_ID, FP_PID };

/* The columns this file maps (the others are never present), so the row
 * loop neither walks absent columns nor looks at types. */
static void plan(ingest *in)
{
	const schema_source *src = in->src;
	in->fp_n = 0;
	for (size_t c = 0; c < src->ncols; c++) {
		if (in->map.field_of_col[c] < 0)
			continue;
		uint8_t kind;
		switch (src->cols[c].type) {
		case COL_PID:
			kind = FP_PID;
			break;
		case COL_ID:
			kind = (int)c == in->map.identity_col ? FP_ID : FP_TEXT;
			break;
		case COL_TEXT:
		case COL_NAME:
		case COL_REGION:
			kind = FP_TEXT;
			break;
		default: /* money in fen, dates, periods, ints, flags, enum codes */
			kind = FP_VAL;
			break;
		}
		in->fp_col[in->fp_n] = (uint8_t)c;
		in->fp_kind[in->fp_n++] = kind;
	}
	in->fp_planned = 1;
}

/* Packs one text value: its length, then its bytes. */
static size_t put_text(char *buf, const char *p, uint32_t len)
{
	memcpy(buf, &len, sizeof len);
	memcpy(buf + sizeof len, p, len);
	return sizeof len + len;
}

void dedup_plan(ingest *in)
{
	if (!in->fp_planned)
		plan(in);
}

int dedup_typed_into(const ingest *in, char **scratch, size_t *cap,
		     const schema_row *row, const char *norm_id, uint64_t *lo,
		     uint64_t *hi)
{
	uint32_t present = row->present;
	/* Room for every value at its widest (8 bytes, a pid 32, text its
	 * length and 4): grown only for a longer row than any before. */
	size_t need = sizeof present + 32 + 36 * (size_t)in->fp_n;
	for (unsigned k = 0; k < in->fp_n; k++)
		if (in->fp_kind[k] == FP_TEXT || in->fp_kind[k] == FP_ID)
			need += row->str[in->fp_col[k]].len;
	if (need > *cap) {
		char *p = realloc(*scratch, need);
		if (!p)
			return -1;
		*scratch = p;
		*cap = need;
	}
	char *b = *scratch;
	size_t n = 0;
	memcpy(b, &present, sizeof present);
	n += sizeof present;
	for (unsigned k = 0; k < in->fp_n; k++) {
		unsigned c = in->fp_col[k];
		if (!(present >> c & 1))
			continue;
		switch (in->fp_kind[k]) {
		case FP_VAL:
			memcpy(b + n, &row->val[c], 8);
			n += 8;
			break;
		case FP_PID:
			memcpy(b + n, row->pid, 32);
			n += 32;
			break;
		case FP_ID:
			/* valid: the normalised 18 characters; otherwise the
			 * trimmed text (there is no typed value to compare) */
			if (norm_id) {
				n += put_text(b + n, norm_id, 18);
				break;
			}
			/* fall through */
		default:
			n += put_text(b + n, row->str[c].ptr, row->str[c].len);
			break;
		}
	}
	XXH128_hash_t h = XXH3_128bits_withSeed(b, n, TYPED_SEED);
	*lo = h.low64;
	*hi = h.high64;
	return 0;
}

hh_status dedup_fingerprint_typed(ingest *in, const schema_row *row,
				  const char *norm_id, uint64_t *lo, uint64_t *hi)
{
	dedup_plan(in);
	if (dedup_typed_into(in, &in->scratch, &in->scratch_cap, row, norm_id, lo, hi))
		return hh_fail(&in->err, HH_EINTERNAL, "%s: %s: out of memory",
			       in->src->name, in->display_path);
	return HH_OK;
}
