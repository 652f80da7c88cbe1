/*
 * csvw.h - buffered CSV output to a plain or gzip file.
 *
 * Fields are quoted only when they hold a comma, quote or line break
 * (RFC 4180), so plain values stay readable.  A name ending in ".gz" is
 * gzip-compressed (connectors/outstream.h does the file and the gzip).
 * Output goes to the path given; callers that need all-or-nothing files
 * write to a temporary name and rename.
 *
 * Lifetime: csvw_open / csvw_close (which reports any write error, and
 * fsyncs so a rename after it publishes complete data).
 * Thread safety: one writer per thread.
 */
#ifndef HH_CSVW_H
#define HH_CSVW_H

#include <stddef.h>
#include <stdint.h>

#include "base/hh_error.h"

typedef struct csvw csvw;

hh_status csvw_open(const char *path, csvw **out, hh_err *err);

/* One field; sep_before: write a comma first. */
void csvw_field(csvw *w, const char *s, size_t len, int sep_before);
void csvw_str(csvw *w, const char *s, int sep_before);
/* Raw bytes, no quoting (headers and numbers). */
void csvw_raw(csvw *w, const char *s, size_t len);
void csvw_printf(csvw *w, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void csvw_end_row(csvw *w);

/* Numbers without printf (the output files hold millions of them):
 * an integer, and an amount in fen written as yuan with two decimals.
 * sep_before: write a comma first. */
void csvw_int(csvw *w, int64_t v, int sep_before);
void csvw_yuan(csvw *w, int64_t fen, int sep_before);

/* The same yuan text into out (NUL-terminated), for messages and
 * details; returns its length. */
size_t csvw_fmt_yuan(int64_t fen, char out[32]);

/* Flushes, syncs and closes; NULL is a no-op returning HH_OK. */
hh_status csvw_close(csvw *w, hh_err *err);

#endif
