/* csvw.c - buffered CSV writer, plain or gzip (see csvw.h). */
#include "connectors/csvw.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#define CSVW_BUF (256 * 1024)

struct csvw {
	char *path;
	int fd;
	gzFile gz;
	int failed;
	int saved_errno;
	size_t used;
	char buf[CSVW_BUF];
};

static void flush(csvw *w)
{
	if (!w->used || w->failed)
		return;
	if (w->gz) {
		if (gzwrite(w->gz, w->buf, (unsigned)w->used) != (int)w->used) {
			w->failed = 1;
			w->saved_errno = EIO;
		}
	} else {
		size_t off = 0;
		while (off < w->used) {
			ssize_t n = write(w->fd, w->buf + off, w->used - off);
			if (n < 0) {
				if (errno == EINTR)
					continue;
				w->failed = 1;
				w->saved_errno = errno;
				break;
			}
			off += (size_t)n;
		}
	}
	w->used = 0;
}

hh_status csvw_open(const char *path, csvw **out, hh_err *err)
{
	csvw *w = malloc(sizeof *w);
	if (!w)
		return hh_fail(err, HH_EINTERNAL, "out of memory opening %s", path);
	memset(w, 0, offsetof(csvw, buf));
	w->path = strdup(path);
	w->fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
	if (w->fd < 0 || !w->path) {
		hh_status st = hh_fail(err, HH_EINTERNAL, "cannot create %s: %s", path,
				       strerror(errno));
		if (w->fd >= 0)
			close(w->fd);
		free(w->path);
		free(w);
		return st;
	}
	size_t len = strlen(path);
	if (len > 3 && !strcmp(path + len - 3, ".gz")) {
		int fd2 = dup(w->fd);
		w->gz = fd2 >= 0 ? gzdopen(fd2, "wb1") : NULL;
		if (!w->gz) {
			if (fd2 >= 0)
				close(fd2);
			close(w->fd);
			free(w->path);
			free(w);
			return hh_fail(err, HH_EINTERNAL, "cannot start gzip output %s", path);
		}
	}
	*out = w;
	return HH_OK;
}

void csvw_raw(csvw *w, const char *s, size_t len)
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

void csvw_field(csvw *w, const char *s, size_t len, int sep_before)
{
	if (sep_before)
		csvw_raw(w, ",", 1);
	int quote = 0;
	for (size_t i = 0; i < len && !quote; i++)
		quote = s[i] == ',' || s[i] == '"' || s[i] == '\n' || s[i] == '\r';
	if (!quote) {
		csvw_raw(w, s, len);
		return;
	}
	csvw_raw(w, "\"", 1);
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '"')
			csvw_raw(w, "\"", 1);
		csvw_raw(w, s + i, 1);
	}
	csvw_raw(w, "\"", 1);
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
		csvw_raw(w, tmp, (size_t)n < sizeof tmp ? (size_t)n : sizeof tmp - 1);
}

void csvw_end_row(csvw *w) { csvw_raw(w, "\n", 1); }

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
	csvw_raw(w, p, (size_t)(end - p));
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
	csvw_raw(w, p, (size_t)(end - p));
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
	if (w->gz && gzclose(w->gz) != Z_OK && !w->failed) {
		w->failed = 1;
		w->saved_errno = EIO;
	}
	if (!w->failed && fsync(w->fd)) {
		w->failed = 1;
		w->saved_errno = errno;
	}
	if (close(w->fd) && !w->failed) {
		w->failed = 1;
		w->saved_errno = errno;
	}
	hh_status st = HH_OK;
	if (w->failed)
		st = hh_fail(err, HH_EINTERNAL, "cannot write %s: %s", w->path,
			     strerror(w->saved_errno));
	free(w->path);
	free(w);
	return st;
}
