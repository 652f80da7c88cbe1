/*
 * zipw.h - a streaming zip archive writer: entries added one after
 * another, each deflated as its bytes come, into one file.
 *
 * The sink under connectors/xlsxw.h (an XLSX is a zip of XML parts); a
 * sheet's part is tens of MB, so an entry's data is given in pieces of
 * any size and never held whole.  Memory is fixed at open: an input
 * buffer, the compressor's output buffer, the archive's output buffer and
 * the compressor's state, plus one small record per entry for the central
 * directory; nothing is allocated per piece.
 *
 * What is written: per entry a local header, the deflated data (ISA-L's
 * isal_deflate at level 1 when the build has HH_HAVE_ISAL, else zlib's
 * deflate at level 1: the archive is written once and read by a person's
 * spreadsheet, so speed wins over the last few percent of size), then the
 * central directory and its end record.  The local header is written
 * before the data with its CRC-32 and sizes zero, and patched in place
 * when the entry ends (so no data descriptors).  Every entry is dated
 * 1980-01-01 00:00 (the earliest DOS date) and carries no extra field,
 * so the same entries with the same bytes give the same archive, whatever
 * the clock, however the data was cut into pieces and wherever in the
 * archive an entry starts.  No ZIP64: an
 * entry or an archive reaching 4 GiB, or more than 65,535 entries, is an
 * error (this project's largest workbook is well under 100 MB).
 *
 * Errors are sticky, as in outstream.h: zipw_write returns nothing, and
 * the first failure (a failed write, a full disk, an archive too large)
 * is reported by the next zipw_begin, zipw_end or zipw_close, with a
 * message naming the file.  Later writes are dropped.
 *
 * An entry may also be compressed ahead, apart from the archive: a
 * memory writer (zipw_open_memory) deflates one entry into memory, on
 * any thread, and zipw_add_entry copies it into the archive later, in
 * the archive's order.  The archive's bytes are the same as when the
 * entry is written into it directly: the compressor is given the same
 * whole buffers, and the local header gets the CRC-32 and sizes a
 * direct write patches in.  Such an entry costs its compressed bytes in
 * memory until it is added.
 *
 * Lifetime: zipw_open (or zipw_open_memory) / zipw_close; zipw_close
 * frees the writer whatever happens, and NULL is a no-op.  A failed
 * archive is left as it is on disk, partial: callers that publish
 * all-or-nothing write into a temporary place.  Names are copied.
 * Thread safety: one writer per thread; writers share nothing
 * (zipw_add_entry reads the memory writer: neither may be in use by
 * another thread meanwhile).
 */
#ifndef HH_ZIPW_H
#define HH_ZIPW_H

#include <stddef.h>

#include "base/hh_error.h"

typedef struct zipw zipw;

/* Creates (or truncates) path, mode 0666 less the umask.  sync: 1 means
 * zipw_close fsyncs the file before it closes it.  Fails with
 * HH_EINTERNAL ("cannot create PATH: why", or out of memory). */
hh_status zipw_open(const char *path, int sync, zipw **out, hh_err *err);

/* A memory writer: one entry, begun with zipw_begin, written with
 * zipw_write and kept deflated in memory, for zipw_add_entry; nothing
 * touches the file system.  path names the archive the entry is for in
 * messages.  Fails with HH_EINTERNAL (out of memory). */
hh_status zipw_open_memory(const char *path, zipw **out, hh_err *err);

/* Starts the entry name (a path inside the archive, '/'-separated, at
 * most 65,535 bytes, UTF-8), ending the current one if there is one.
 * The names are not checked for duplicates.  Returns the writer's first
 * error, if any. */
hh_status zipw_begin(zipw *z, const char *name, hh_err *err);

/* Appends len bytes to the current entry (no-op after an error).
 * Writing with no entry begun is an error (reported later, as the rest). */
void zipw_write(zipw *z, const void *data, size_t len);

/* Ends the current entry: the compressor's last bytes, the local
 * header's CRC-32 and sizes.  No entry begun: nothing to do.  Returns
 * the writer's first error, if any. */
hh_status zipw_end(zipw *z, hh_err *err);

/* Ends m's entry (m from zipw_open_memory) and appends it to z as z's
 * next entry (ending z's current one): the same bytes as if it had been
 * written into z with zipw_begin, zipw_write and zipw_end.  m is left to
 * its caller, for zipw_close.  Returns m's first error (a second entry
 * begun in m, no memory) or z's, if any. */
hh_status zipw_add_entry(zipw *z, zipw *m, hh_err *err);

/* Ends the current entry, writes the central directory, fsyncs when
 * asked at open, closes the file and frees z.  Returns the first error
 * of the writer's life (HH_EINTERNAL naming the file), or HH_OK.
 * NULL: HH_OK. */
hh_status zipw_close(zipw *z, hh_err *err);

#endif
