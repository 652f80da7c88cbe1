/*
 * source.h - the source interface: where a departmental source's rows
 * come from, a file or PostgreSQL, behind one call.
 *
 * The engine names a source by what the user gave (a path, or a
 * PostgreSQL connection string with table= or query=: a postgresql://
 * URI, libpq key=value pairs or a service=; connectors/pg/pg_uri.h says
 * how one is told from a path) and reads it through here as an
 * hh_instream of CSV text with a header row; it never includes
 * connectors/pg/.  A file is read in one piece; a PostgreSQL source can
 * be read in slices, each on its own connection, that together cover
 * every row once.
 *
 * Thread safety: src_describe is pure; each stream src_open returns is
 * used by one thread.
 */
#ifndef HH_SOURCE_H
#define HH_SOURCE_H

#include <stdint.h>

#include "base/hh_error.h"
#include "connectors/instream.h"

typedef struct {
	int remote;          /* 1: a PostgreSQL table or query, no local file */
	int max_slices;      /* slices it can be read in at once (files: 1) */
	uint64_t size_hint;  /* bytes of text expected; 0 when unknown */
	char display[512];   /* the name for messages: the path, or the connection
			      * string with its passwords replaced by "***" */
} src_info;

/* What loc is, without opening it. */
void src_describe(const char *loc, src_info *out);

/* Opens slice `slice` of `nslices` (nslices <= max_slices) of loc.
 * opts->cancel reaches a PostgreSQL source's waits (pg_source.h). */
hh_status src_open(const char *loc, int slice, int nslices, const ins_opts *opts,
		   hh_instream **out, hh_err *err);

/* Merges the digest of one slice (from) into another's (to, 65 bytes),
 * as ins_sha256_hex gave them: for slices of one PostgreSQL source, the
 * digest of their rows together, whatever the slice count (pg_source.h).
 * A file is never read in slices. */
void src_sha256_absorb(char to[65], const char *from);

#endif
