/*
 * fuzz_csv.h - the part the three CSV targets share (fuzz_csv_plain,
 * fuzz_csv_gzip, fuzz_csv_gb18030): reading every record of a
 * csv_reader to the end or to its first error, touching every byte of
 * every field (so AddressSanitizer sees a field that points outside the
 * reader's buffer), and a pull callback that hands the input over in
 * chunks of changing sizes, so that records, quotes, CRLF pairs and
 * multi-byte characters fall across the stream's buffer boundaries.
 *
 * What is checked besides memory safety: records start on strictly
 * increasing physical lines, from line 1; and the records, flags, final
 * status, encoding and digest do not depend on how the input was cut
 * into reads (fuzz_csv_pull reads it both ways and compares).
 */
#ifndef HH_FUZZ_CSV_H
#define HH_FUZZ_CSV_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "connectors/csv.h"
#include "connectors/instream.h"

/* The record limit the targets read with: larger than any input
 * libFuzzer makes here, smaller than csv.h's 1 MiB default, whose zeroed
 * buffer per open would cost more than the parse. */
#define FUZZ_CSV_MAX (64u * 1024u)

/* FNV-1a over what a reader delivered, to compare two readings. */
static inline uint64_t fuzz_fnv(uint64_t h, const void *p, size_t n)
{
	const unsigned char *b = p;
	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * UINT64_C(1099511628211);
	return h;
}

/* Reads r to the end or its first error, touching every byte, then
 * closes it.  Returns a digest of everything it delivered: each record's
 * line, flags and fields, the final status, the encoding and the raw
 * bytes' SHA-256. */
static inline uint64_t fuzz_csv_drain(csv_reader *r)
{
	hh_err err;
	hh_record rec;
	int got = 0;
	uint64_t last = 0, h = UINT64_C(14695981039346656037);
	hh_status st;
	while ((st = csv_next(r, &rec, &got, &err)) == HH_OK && got) {
		if (rec.line <= last)
			abort(); /* two records on one line, or lines going back */
		last = rec.line;
		h = fuzz_fnv(h, &rec.line, sizeof rec.line);
		h = fuzz_fnv(h, &rec.nfields, sizeof rec.nfields);
		h = fuzz_fnv(h, &rec.malformed, sizeof rec.malformed);
		for (size_t i = 0; i < rec.nfields; i++) {
			h = fuzz_fnv(h, &rec.fields[i].len, sizeof rec.fields[i].len);
			h = fuzz_fnv(h, rec.fields[i].ptr, rec.fields[i].len);
		}
	}
	h = fuzz_fnv(h, &st, sizeof st);
	hh_instream *in = csv_stream(r);
	hh_encoding enc = ins_encoding(in);
	h = fuzz_fnv(h, &enc, sizeof enc);
	(void)ins_raw_offset(in);
	if (st == HH_OK) {
		const char *sha = ins_sha256_hex(in);
		h = fuzz_fnv(h, sha, strlen(sha));
	}
	csv_close(r);
	return h;
}

/* The input of an ins_open_pull stream: data in chunks of 1, 2, 3, 5,
 * 8, ... bytes (a few Fibonacci sizes, then again), or (whole) as much
 * as the stream asks for each time. */
typedef struct {
	const uint8_t *data;
	size_t size, off;
	unsigned turn;
	int whole;
} fuzz_pull;

static inline hh_status fuzz_pull_fn(void *ctx, char *buf, size_t cap, size_t *n, hh_err *err)
{
	static const size_t chunk[] = {1, 2, 3, 5, 8, 13, 4096, 7, 65536};
	fuzz_pull *p = ctx;
	(void)err;
	size_t want = p->whole ? cap : chunk[p->turn++ % (sizeof chunk / sizeof chunk[0])];
	if (want > cap)
		want = cap;
	if (want > p->size - p->off)
		want = p->size - p->off;
	if (want)
		memcpy(buf, p->data + p->off, want);
	p->off += want;
	*n = want;
	return HH_OK;
}

/* Reads data through a pull stream (whole: fuzz_pull) in encoding enc
 * with delim and max_record; the digest of fuzz_csv_drain, 0 when the
 * stream could not be opened. */
static inline uint64_t fuzz_csv_pull_once(const uint8_t *data, size_t size, int whole,
					  hh_encoding enc, char delim, size_t max_record)
{
	fuzz_pull p = {data, size, 0, 0, whole};
	ins_opts io = {.source = "fuzz", .encoding = enc, .want_sha256 = 1};
	hh_instream *in = NULL;
	hh_err err;
	if (ins_open_pull(fuzz_pull_fn, &p, "input", &io, &in, &err) != HH_OK)
		return 0;
	csv_opts co = {.delim = delim, .max_record = max_record};
	csv_reader *r = NULL;
	if (csv_open(in, &co, &r, &err) != HH_OK)
		return 0;
	return fuzz_csv_drain(r);
}

/* Reads data twice through pull streams, in uneven chunks and in chunks
 * as large as the stream takes, and aborts when the two readings differ:
 * where a source's bytes are cut (a PostgreSQL COPY's rows, a pipe) must
 * never change its records.  Returns the digest. */
static inline uint64_t fuzz_csv_pull(const uint8_t *data, size_t size, hh_encoding enc,
				     char delim, size_t max_record)
{
	uint64_t uneven = fuzz_csv_pull_once(data, size, 0, enc, delim, max_record);
	uint64_t whole = fuzz_csv_pull_once(data, size, 1, enc, delim, max_record);
	if (uneven != whole) {
		fprintf(stderr, "fuzz_csv: the records depend on how the input was cut\n");
		abort();
	}
	return whole;
}

#endif
