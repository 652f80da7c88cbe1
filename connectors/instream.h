/*
 * instream.h - a source's bytes as UTF-8 text, whatever they arrive as.
 *
 * An hh_instream turns one input (a plain file, a gzip file with any
 * number of members, or bytes pulled from a callback such as a PostgreSQL
 * COPY) into a stream of UTF-8 bytes: the byte order mark is dropped and
 * GB18030/GBK input is converted with iconv.  The encoding is either
 * given, or (HH_ENC_AUTO) chosen by looking at the first line: valid
 * UTF-8 stays as it is, anything else is taken to be GB18030 (contract).
 *
 * The stream never holds more than a few fixed buffers (memory does not
 * grow with the file), and it can compute the SHA-256 of the raw bytes as
 * they are read, so report.json gets the file's digest without a second
 * pass.
 *
 * Errors name the source and the file: a corrupt or truncated gzip
 * stream, an unreadable file, or, in the first line (the header), bytes
 * that are not valid GB18030.  After the first line an unconvertible
 * GB18030 sequence is not an error: it comes out as the byte 0xFF (never
 * part of UTF-8 text) followed by the sequence's own bytes (1 to 4 bytes,
 * each 0x30 or above, so never a delimiter, quote or line end; different
 * bytes stay different) and is counted (ins_bad_sequences), so the row
 * holding it can be rejected alone (csv.h: bad_encoding).  UTF-8 input is
 * handed on unchecked.
 *
 * Lifetime: ins_open_* / ins_close.  ins_close(NULL) is a no-op.
 * Thread safety: one stream belongs to one thread at a time.
 */
#ifndef HH_INSTREAM_H
#define HH_INSTREAM_H

#include <stddef.h>
#include <stdint.h>

#include "base/hh_error.h"

typedef enum {
	HH_ENC_AUTO = 0, /* UTF-8 unless the first line is not valid UTF-8 */
	HH_ENC_UTF8,
	HH_ENC_GB18030   /* also accepts GBK, of which it is a superset */
} hh_encoding;

/* The encoding called name ("utf-8", "utf8", "gb18030", "gbk": what
 * --encoding, config files and report.json say) into *out; -1 when name
 * is none of them. */
int ins_encoding_parse(const char *name, hh_encoding *out);

typedef struct {
	const char *source;   /* source name for messages, e.g. "medical" */
	hh_encoding encoding;
	int want_sha256;      /* compute SHA-256 of the raw (undecoded) bytes */
	/* NULL, or a flag that a signal handler sets (the run's): a source
	 * that waits on a server (PostgreSQL) looks at it while it waits and,
	 * once set, stops and fails "interrupted by a signal".  Files ignore
	 * it: their reads do not wait, and the engine looks between rows. */
	const _Atomic int *cancel;
} ins_opts;

typedef struct hh_instream hh_instream;

/* Pulls up to cap raw bytes into buf; sets *n (0 = end of input).
 * Returns HH_OK or fills err. */
typedef hh_status (*ins_pull_fn)(void *ctx, char *buf, size_t cap, size_t *n,
				 hh_err *err);

/* Opens a file; a name ending in ".gz" is gunzipped (every member of a
 * multi-member stream, as written by bgzip or pigz).  path is copied. */
hh_status ins_open_file(const char *path, const ins_opts *opts,
			hh_instream **out, hh_err *err);

/* Wraps a pull callback (no gzip); name is used in messages (copied).
 * ctx stays owned by the caller and must outlive the stream. */
hh_status ins_open_pull(ins_pull_fn pull, void *ctx, const char *name,
			const ins_opts *opts, hh_instream **out, hh_err *err);

/* Reads up to cap bytes of UTF-8 text into buf; *n = 0 at end of input.
 * A multi-byte character may be split across two calls.  An error found
 * after some text was decoded is reported by the next call, so the text
 * before a bad byte is always delivered first; after an error, every
 * later call returns the same error. */
hh_status ins_read(hh_instream *in, char *buf, size_t cap, size_t *n,
		   hh_err *err);

/* The encoding in use once the first read has happened. */
hh_encoding ins_encoding(const hh_instream *in);

/* Raw bytes consumed so far and the raw size (0 when unknown), for
 * progress lines. */
uint64_t ins_raw_offset(const hh_instream *in);
uint64_t ins_raw_size(const hh_instream *in);

/* GB18030 sequences that could not be converted and came out as 0xFF so
 * far (0 for UTF-8: its bytes pass unchecked). */
uint64_t ins_bad_sequences(const hh_instream *in);

/* The file or stream name given at open. */
const char *ins_name(const hh_instream *in);

/* The source name from the options ("" when none was given).  Every
 * error message from the stream starts "SOURCE: NAME: " (or "NAME: "
 * without a source), so layers above can add to it, e.g. a line number. */
const char *ins_source(const hh_instream *in);

/* After the last read returned *n = 0: lower-case hex SHA-256 of the raw
 * bytes (65 bytes with NUL).  Empty string when want_sha256 was 0. */
const char *ins_sha256_hex(const hh_instream *in);

/* For a pull source whose digest is not that of its bytes (a PostgreSQL
 * slice: pg_source.h): hex (64 hex digits) replaces the raw bytes' SHA-256
 * as ins_sha256_hex's answer.  Called before the read that returns
 * *n = 0 (the callback's last call); ignored when want_sha256 was 0. */
void ins_set_sha256_hex(hh_instream *in, const char *hex);

void ins_close(hh_instream *in);

#endif
