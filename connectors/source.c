/* source.c - files and PostgreSQL behind one source interface (see source.h). */
#include "connectors/source.h"

#include <stdio.h>
#include <sys/stat.h>

#include "base/fsutil.h"
#include "connectors/pg/pg_source.h"
#include "connectors/pg/pg_uri.h"

/* Slices of one PostgreSQL source read at once, at most. */
#define SRC_MAX_PG_SLICES 16

void src_describe(const char *loc, src_info *out)
{
	struct stat st;
	out->remote = pg_is_uri(loc);
	if (out->remote) {
		pg_redact(loc, out->display, sizeof out->display);
		out->max_slices = SRC_MAX_PG_SLICES;
		out->size_hint = 0;
		return;
	}
	snprintf(out->display, sizeof out->display, "%s", loc);
	out->max_slices = 1;
	out->size_hint = stat(loc, &st) == 0 ? (uint64_t)st.st_size : 0;
	/* a gzip file holds about four times its size in text */
	if (fs_has_suffix(loc, ".gz"))
		out->size_hint *= 4;
}

hh_status src_open(const char *loc, int slice, int nslices, const ins_opts *opts,
		   hh_instream **out, hh_err *err)
{
	if (pg_is_uri(loc))
		return pgsrc_open(loc, slice, nslices, opts, out, err);
	return ins_open_file(loc, opts, out, err);
}

void src_sha256_absorb(char to[65], const char *from)
{
	pgsrc_sha256_add(to, from);
}
