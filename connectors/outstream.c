/*
 * outstream.c - buffered output to a file, plain or gzip, optionally
 * transcoded to GB18030 (see outstream.h).
 *
 * Bytes collect in one buffer; when it is full (or at a member end or
 * close) it is drained: transcoded through iconv into a second buffer
 * when asked, then deflated or written as they are.  A write at least a
 * buffer long into an empty buffer of a stream that is not transcoded
 * skips the copy (csvw hands over its own full buffers that way).
 *
 * Why the cut points do not matter: GB18030 is stateless, so a transcoded
 * buffer that ends inside a UTF-8 sequence keeps that tail for the next
 * drain and nothing else changes; deflate without flushes emits the same
 * bytes however its input was split.  So the file depends only on the
 * bytes written and on the member ends.
 */
#include "connectors/outstream.h"

#include <errno.h>
#include <fcntl.h>
#include <iconv.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#define OS_BUF (256 * 1024)
#define OS_ZOUT (256 * 1024)
/* UTF-8 to GB18030 at most doubles a text (two-byte UTF-8 may become four
 * bytes); a full E2BIG loop keeps it correct for any size anyway. */
#define OS_CONV (2 * OS_BUF)

struct outstream {
	char *path;
	int fd;
	int gzip, sync;
	z_stream zs;
	gz_header gzh;          /* zlib keeps a pointer to it */
	unsigned char *zout;
	iconv_t cd;             /* (iconv_t)-1 when not transcoding */
	char *conv;
	int failed;
	int saved_errno;
	size_t used;
	char buf[OS_BUF];
};

static void fail(outstream *s, int e)
{
	if (!s->failed) {
		s->failed = 1;
		s->saved_errno = e ? e : EIO;
	}
}

static void put_file(outstream *s, const void *p, size_t n)
{
	const char *c = p;
	while (n && !s->failed) {
		ssize_t w = write(s->fd, c, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			fail(s, errno);
			return;
		}
		c += w;
		n -= (size_t)w;
	}
}

static void put_deflate(outstream *s, const void *p, size_t n, int flush)
{
	s->zs.next_in = (unsigned char *)(uintptr_t)p;
	s->zs.avail_in = (uInt)n;
	int rc;
	do {
		s->zs.next_out = s->zout;
		s->zs.avail_out = OS_ZOUT;
		rc = deflate(&s->zs, flush);
		if (rc == Z_STREAM_ERROR) {
			fail(s, EIO);
			return;
		}
		put_file(s, s->zout, OS_ZOUT - s->zs.avail_out);
	} while (s->zs.avail_out == 0 || (flush == Z_FINISH && rc != Z_STREAM_END));
}

/* Bytes after transcoding: compressed or written as they are. */
static void put_encoded(outstream *s, const void *p, size_t n)
{
	if (s->gzip)
		put_deflate(s, p, n, Z_NO_FLUSH);
	else
		put_file(s, p, n);
}

/* Empties the buffer, except the incomplete UTF-8 sequence a transcoded
 * buffer may end with. */
static void drain(outstream *s)
{
	if (!s->used)
		return;
	if (s->cd == (iconv_t)-1) {
		put_encoded(s, s->buf, s->used);
		s->used = 0;
		return;
	}
	char *in = s->buf;
	size_t inl = s->used;
	while (inl) {
		char *out = s->conv;
		size_t outl = OS_CONV;
		size_t r = iconv(s->cd, &in, &inl, &out, &outl);
		int e = errno;
		put_encoded(s, s->conv, (size_t)(out - s->conv));
		if (r != (size_t)-1 || e == EINVAL)
			break;
		if (e != E2BIG) {
			fail(s, EILSEQ);
			inl = 0;
		}
	}
	memmove(s->buf, in, inl);
	s->used = inl;
}

static hh_status start_gzip(outstream *s)
{
	s->zout = malloc(OS_ZOUT);
	if (!s->zout || deflateInit2(&s->zs, 1, Z_DEFLATED, 15 + 16, 8,
				     Z_DEFAULT_STRATEGY) != Z_OK)
		return HH_EINTERNAL;
	s->gzip = 1;
	s->gzh.os = 3;
	if (deflateSetHeader(&s->zs, &s->gzh) != Z_OK)
		return HH_EINTERNAL;
	return HH_OK;
}

/* Frees what open allocated; the file descriptor is the caller's. */
static void release(outstream *s)
{
	if (s->gzip)
		deflateEnd(&s->zs);
	if (s->cd != (iconv_t)-1)
		iconv_close(s->cd);
	free(s->zout);
	free(s->conv);
	free(s->path);
	free(s);
}

hh_status outstream_open(const char *path, const outstream_opts *opts,
			 outstream **out, hh_err *err)
{
	static const outstream_opts plain = {0, 0, 0, 0};
	if (!opts)
		opts = &plain;
	outstream *s = malloc(sizeof *s);
	if (!s)
		return hh_fail(err, HH_EINTERNAL, "out of memory opening %s", path);
	memset(s, 0, offsetof(outstream, buf));
	s->cd = (iconv_t)-1;
	s->sync = opts->sync;
	s->path = strdup(path);
	s->fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
		     opts->mode ? opts->mode : 0666);
	if (s->fd < 0 || !s->path) {
		hh_status st = hh_fail(err, HH_EINTERNAL, "cannot create %s: %s", path,
				       strerror(errno));
		if (s->fd >= 0)
			close(s->fd);
		release(s);
		return st;
	}
	hh_status st = HH_OK;
	if (opts->gzip && start_gzip(s) != HH_OK)
		st = hh_fail(err, HH_EINTERNAL, "cannot start gzip output %s", path);
	if (st == HH_OK && opts->gb18030) {
		s->cd = iconv_open("GB18030", "UTF-8");
		if (s->cd == (iconv_t)-1)
			st = hh_fail(err, HH_EINTERNAL, "cannot convert to GB18030 for %s: %s",
				     path, strerror(errno));
		else if (!(s->conv = malloc(OS_CONV)))
			st = hh_fail(err, HH_EINTERNAL, "out of memory opening %s", path);
	}
	if (st != HH_OK) {
		close(s->fd);
		release(s);
		return st;
	}
	*out = s;
	return HH_OK;
}

void outstream_write(outstream *s, const void *data, size_t len)
{
	const char *p = data;
	if (s->failed)
		return;
	if (!s->used && len >= OS_BUF && s->cd == (iconv_t)-1) {
		put_encoded(s, p, len);
		return;
	}
	while (len) {
		size_t n = OS_BUF - s->used < len ? OS_BUF - s->used : len;
		memcpy(s->buf + s->used, p, n);
		s->used += n;
		p += n;
		len -= n;
		if (s->used == OS_BUF)
			drain(s);
	}
}

void outstream_end_member(outstream *s)
{
	if (!s->gzip)
		return;
	drain(s);
	put_deflate(s, "", 0, Z_FINISH);
	deflateReset(&s->zs);
	deflateSetHeader(&s->zs, &s->gzh);
}

hh_status outstream_close(outstream *s, hh_err *err)
{
	if (!s)
		return HH_OK;
	drain(s);
	if (s->used)
		fail(s, EILSEQ); /* the text ended inside a UTF-8 sequence */
	if (s->gzip)
		put_deflate(s, "", 0, Z_FINISH);
	if (s->sync && !s->failed && fsync(s->fd))
		fail(s, errno);
	if (close(s->fd))
		fail(s, errno);
	hh_status st = HH_OK;
	if (s->failed)
		st = hh_fail(err, HH_EINTERNAL, "cannot write %s: %s", s->path,
			     strerror(s->saved_errno));
	release(s);
	return st;
}
