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
 * increasing physical lines, from line 1.
 */
#ifndef HH_FUZZ_CSV_H
#define HH_FUZZ_CSV_H

#include <stdlib.h>

#include "connectors/csv.h"
#include "connectors/instream.h"

/* The record limit the targets read with: larger than any input
 * libFuzzer makes here, smaller than csv.h's 1 MiB default, whose zeroed
 * buffer per open would cost more than the parse. */
#define FUZZ_CSV_MAX (64u * 1024u)

/* Reads r to the end or its first error, then closes it. */
static inline void fuzz_csv_drain(csv_reader *r)
{
	hh_err err;
	hh_record rec;
	int got = 0;
	uint64_t last = 0;
	volatile unsigned sum = 0;
	while (csv_next(r, &rec, &got, &err) == HH_OK && got) {
		if (rec.line <= last)
			abort(); /* two records on one line, or lines going back */
		last = rec.line;
		for (size_t i = 0; i < rec.nfields; i++)
			for (uint32_t j = 0; j < rec.fields[i].len; j++)
				sum += (unsigned char)rec.fields[i].ptr[j];
	}
	(void)sum;
	hh_instream *in = csv_stream(r);
	(void)ins_encoding(in);
	(void)ins_raw_offset(in);
	(void)ins_sha256_hex(in);
	csv_close(r);
}

/* The input of an ins_open_pull stream: data in chunks of 1, 2, 3, 5,
 * 8, ... bytes (a few Fibonacci sizes, then again), capped by what the
 * stream asks for. */
typedef struct {
	const uint8_t *data;
	size_t size, off;
	unsigned turn;
} fuzz_pull;

static inline hh_status fuzz_pull_fn(void *ctx, char *buf, size_t cap, size_t *n, hh_err *err)
{
	static const size_t chunk[] = {1, 2, 3, 5, 8, 13, 4096, 7, 65536};
	fuzz_pull *p = ctx;
	(void)err;
	size_t want = chunk[p->turn++ % (sizeof chunk / sizeof chunk[0])];
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

/* Reads data through a pull stream in encoding enc with delim and
 * max_record. */
static inline void fuzz_csv_pull(const uint8_t *data, size_t size, hh_encoding enc, char delim,
			  size_t max_record)
{
	fuzz_pull p = {data, size, 0, 0};
	ins_opts io = {.source = "fuzz", .encoding = enc, .want_sha256 = 1};
	hh_instream *in = NULL;
	hh_err err;
	if (ins_open_pull(fuzz_pull_fn, &p, "input", &io, &in, &err) != HH_OK)
		return;
	csv_opts co = {.delim = delim, .max_record = max_record};
	csv_reader *r = NULL;
	if (csv_open(in, &co, &r, &err) != HH_OK)
		return;
	fuzz_csv_drain(r);
}

#endif
