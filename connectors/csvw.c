/*
 * csvw.c - buffered CSV writer, plain or gzip (see csvw.h).
 *
 * Fields collect in csvw's own buffer, so the many small writes of a row
 * (often a byte at a time while quoting) cost a memcpy and no call; a
 * full buffer goes to an outstream (connectors/outstream.h), which takes
 * it without copying and does the file, the gzip and the fsync.
 */
#include "connectors/csvw.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "connectors/outstream.h"

#define CSVW_BUF (256 * 1024)

struct csvw {
	outstream *os;
	size_t used;
	char buf[CSVW_BUF];
};

static void flush(csvw *w)
{
	outstream_write(w->os, w->buf, w->used);
	w->used = 0;
}

hh_status csvw_open(const char *path, csvw **out, hh_err *err)
{
	csvw *w = malloc(sizeof *w);
	if (!w)
		return hh_fail(err, HH_EINTERNAL, "out of memory opening %s", path);
	w->used = 0;
	size_t len = strlen(path);
	outstream_opts o = {.gzip = len > 3 && !strcmp(path + len - 3, ".gz"),
			    .sync = 1, .mode = 0666}; /* the umask decides */
	hh_status st = outstream_open(path, &o, &w->os, err);
	if (st != HH_OK) {
		free(w);
		return st;
	}
	*out = w;
	return HH_OK;
}

/* The bytes that do not fit: kept out of put() so that the common case
 * stays small enough to be inlined into the field writers. */
static void raw_spill(csvw *w, const char *s, size_t len)
{
	while (len) {
		if (w->used == CSVW_BUF)
			flush(w);
		size_t n = CSVW_BUF - w->used < len ? CSVW_BUF - w->used : len;
		memcpy(w->buf + w->used, s, n);
		w->used += n;
		s += n;
		len -= n;
	}
}

static inline void put(csvw *w, const char *s, size_t len)
{
	if (len <= CSVW_BUF - w->used) {
		memcpy(w->buf + w->used, s, len);
		w->used += len;
		return;
	}
	raw_spill(w, s, len);
}

void csvw_raw(csvw *w, const char *s, size_t len) { put(w, s, len); }

void csvw_field(csvw *w, const char *s, size_t len, int sep_before)
{
	if (sep_before)
		put(w, ",", 1);
	int quote = 0;
	for (size_t i = 0; i < len && !quote; i++)
		quote = s[i] == ',' || s[i] == '"' || s[i] == '\n' || s[i] == '\r';
	if (!quote) {
		put(w, s, len);
		return;
	}
	put(w, "\"", 1);
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '"')
			put(w, "\"", 1);
		put(w, s + i, 1);
	}
	put(w, "\"", 1);
}

void csvw_str(csvw *w, const char *s, int sep_before)
{
	csvw_field(w, s, strlen(s), sep_before);
}

void csvw_printf(csvw *w, const char *fmt, ...)
{
	char tmp[4096];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
	va_end(ap);
	if (n > 0)
		put(w, tmp, (size_t)n < sizeof tmp ? (size_t)n : sizeof tmp - 1);
}

void csvw_end_row(csvw *w) { put(w, "\n", 1); }

/* Digits of v, right-aligned ending at end; returns the first. */
static char *digits(uint64_t v, char *end)
{
	do {
		*--end = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	return end;
}

void csvw_int(csvw *w, int64_t v, int sep_before)
{
	char buf[24], *end = buf + sizeof buf;
	uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
	char *p = digits(u, end);
	if (v < 0)
		*--p = '-';
	if (sep_before)
		*--p = ',';
	put(w, p, (size_t)(end - p));
}

/* Yuan text of fen right-aligned ending at end; returns the first. */
static char *yuan(int64_t fen, char *end)
{
	uint64_t u = fen < 0 ? 0 - (uint64_t)fen : (uint64_t)fen;
	char *p = end;
	*--p = (char)('0' + u % 10);
	*--p = (char)('0' + u / 10 % 10);
	*--p = '.';
	p = digits(u / 100, p);
	if (fen < 0)
		*--p = '-';
	return p;
}

void csvw_yuan(csvw *w, int64_t fen, int sep_before)
{
	char buf[32], *end = buf + sizeof buf;
	char *p = yuan(fen, end);
	if (sep_before)
		*--p = ',';
	put(w, p, (size_t)(end - p));
}

size_t csvw_fmt_yuan(int64_t fen, char out[32])
{
	char buf[32], *end = buf + sizeof buf;
	char *p = yuan(fen, end);
	size_t n = (size_t)(end - p);
	memcpy(out, p, n);
	out[n] = '\0';
	return n;
}

hh_status csvw_close(csvw *w, hh_err *err)
{
	if (!w)
		return HH_OK;
	flush(w);
	hh_status st = outstream_close(w->os, err);
	free(w);
	return st;
}
