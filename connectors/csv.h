/*
 * csv.h - streaming RFC 4180 record reader.
 *
 * Reads records from an hh_instream: comma or tab separated, fields
 * optionally quoted ("..." may hold delimiters, doubled quotes and line
 * breaks), LF or CRLF line ends, final line end optional.  Each record
 * reports the physical line where it starts (the header is line 1), which
 * is what rejects.csv and error messages cite.
 *
 * Memory is bounded: the reader keeps one buffer of max_record bytes at
 * most; a record longer than that (say a 100 MB line with no newline) is
 * an input error naming the line, never an unbounded allocation.
 *
 * Quote misuse (a quote inside an unquoted field, text after a closing
 * quote) does not stop the stream: the record is returned with
 * `malformed` set, so the caller can reject that one row with a reason
 * and go on.  A quoted field still open at end of input is returned the
 * same way.  A record holding a GB18030 sequence the stream could not
 * convert (instream.h) is returned with `bad_encoding` set, for the same
 * reason: that row is rejected, the next one is read as usual.
 *
 * Lifetime: csv_open takes ownership of the instream; csv_close closes
 * both.  Field pointers stay valid until the next csv_next or csv_close.
 * Thread safety: one reader per thread.
 */
#ifndef HH_CSV_H
#define HH_CSV_H

#include <stddef.h>
#include <stdint.h>

#include "base/hh_error.h"
#include "base/record.h"
#include "connectors/instream.h"

typedef struct {
	char delim;          /* ',' or '\t'; 0 = from the name (.tsv -> tab) */
	size_t max_record;   /* bytes; 0 = default 1 MiB */
} csv_opts;

typedef struct csv_reader csv_reader;

/* Takes ownership of in (closed on failure too). */
hh_status csv_open(hh_instream *in, const csv_opts *opts, csv_reader **out,
		   hh_err *err);

/* Reads the next record into *rec.  Sets *got = 1 with a record, 0 at
 * end of input.  A blank line (no bytes at all) is skipped, not a record.
 * Errors: I/O or decoding from the stream, or a record over max_record;
 * the message names the stream and the line. */
hh_status csv_next(csv_reader *r, hh_record *rec, int *got, hh_err *err);

/* The underlying stream (still owned by the reader), for progress and
 * the SHA-256 at the end. */
hh_instream *csv_stream(csv_reader *r);

/* The delimiter in use (',' or '\t'). */
char csv_delimiter(const csv_reader *r);

void csv_close(csv_reader *r);

#endif
