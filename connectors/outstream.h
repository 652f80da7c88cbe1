/*
 * outstream.h - buffered output to one file: plain or gzip, optionally
 * transcoded from UTF-8 to GB18030 on the way.
 *
 * The one output sink of the code base: connectors/csvw.c writes the run's
 * CSV files through it, and `hhmatch gen` its synthetic extracts.  The
 * pipeline is  write -> buffer -> [iconv UTF-8 to GB18030] -> [deflate]
 * -> file.
 *
 * gzip is zlib level 1 (the writer, not the disk, is the bottleneck) with
 * a fixed header: no file name, no time, operating system 3 (Unix).  The
 * compressed bytes therefore depend only on the bytes written and the
 * zlib version, never on the clock, the path or how the writes were cut;
 * `hhmatch gen` relies on that for "same seed, same bytes".  A stream may
 * hold several gzip members (outstream_end_member), as bgzip and pigz
 * write.
 *
 * Errors after open (a failed write, a byte sequence that is not UTF-8 in
 * a transcoded stream) are sticky: later writes are dropped and
 * outstream_close reports the first one.  So a writer checks once, at the
 * end.
 *
 * Lifetime: outstream_open / outstream_close; close frees the stream
 * whatever happens, and NULL is a no-op.  The file is written where the
 * path says; callers that publish all-or-nothing write to a temporary
 * name and rename after a successful close (with sync set).
 * Thread safety: one stream per thread; streams share nothing.
 */
#ifndef HH_OUTSTREAM_H
#define HH_OUTSTREAM_H

#include <stddef.h>

#include "base/hh_error.h"

typedef struct outstream outstream;

typedef struct {
	int gzip;      /* 1: gzip-compress (see above) */
	int gb18030;   /* 1: the UTF-8 written is stored as GB18030 */
	int sync;      /* 1: outstream_close fsyncs before it closes */
	unsigned mode; /* permissions of a created file (before the umask);
			  0 means 0666 */
} outstream_opts;

/* Creates (or truncates) path.  opts may be NULL: plain, 0666, no sync.
 * Fails with HH_EINTERNAL ("cannot create PATH: why"). */
hh_status outstream_open(const char *path, const outstream_opts *opts,
			 outstream **out, hh_err *err);

/* Appends len bytes.  A transcoded stream may be cut anywhere, even
 * inside a UTF-8 sequence: the rest of it comes with the next write. */
void outstream_write(outstream *s, const void *data, size_t len);

/* gzip: ends the current member; the next byte written starts another.
 * A plain stream ignores it. */
void outstream_end_member(outstream *s);

/* Flushes everything (ending the gzip stream), fsyncs when asked, closes
 * and frees s.  Returns the first error of the stream's life
 * (HH_EINTERNAL, "cannot write PATH: why"), or HH_OK.  NULL: HH_OK. */
hh_status outstream_close(outstream *s, hh_err *err);

#endif
