/*
 * zipw.c - a streaming zip archive writer (see zipw.h).
 *
 * Bytes of the archive collect in one output buffer, drained to the file
 * when full: the headers and the compressor's output are copied into it.
 * An entry's data collects in an input buffer, so that the compressor and
 * the CRC-32 see large blocks however small the caller's pieces (xlsxw
 * writes a cell in several).  The compressor is always given whole
 * buffers (ZW_IN bytes from the entry's start, the last one shorter), and
 * writes into a buffer of its own, emptied only when full or at the
 * entry's end: ISA-L's output depends on how its input was cut and on
 * the room it was given to write, and this way the archive depends only
 * on the bytes of each entry, wherever the entry starts.  Whole buffers
 * of a large piece given when the buffer is empty are compressed from
 * where they lie, without the copy.
 *
 * A local header is written with its CRC-32 and sizes zero and patched
 * when its entry ends: in the output buffer when it is still there, with
 * pwrite when it has been drained (an entry of more than a buffer).
 * Readers find the same values in the central directory, which is what
 * most of them trust; the patch makes the local copy agree, so that a
 * reader walking the local headers (no data descriptors) agrees too.
 *
 * A memory writer (zipw_open_memory) is the same machine with its output
 * buffer drained into a growing buffer instead of a file, and no header:
 * its compressor sees the same whole buffers, so its bytes are those the
 * entry would have had in a file, and zipw_add_entry copies them behind a
 * local header that has its CRC-32 and sizes from the start (the bytes a
 * patched header ends with).
 */
#include "connectors/zipw.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/strbuf.h"
#include "base/vec.h"

#ifdef HH_HAVE_ISAL
#include <isa-l/crc.h>
#include <isa-l/igzip_lib.h>
#else
#include <zlib.h>
#endif

#define ZW_IN (128 * 1024)
#define ZW_OUT (128 * 1024)
/* 0xFFFFFFFF and 0xFFFF themselves mean "see the zip64 record" to a
 * reader, so the largest size, offset and count written are one less. */
#define ZW_MAX32 0xFFFFFFFFu
#define ZW_MAX_ENTRIES 0xFFFFu
/* DOS date of 1980-01-01: (year - 1980) << 9 | month << 5 | day; time 00:00 */
#define ZW_DATE 0x0021
#define ZW_TIME 0x0000
#define ZW_VERSION 20    /* 2.0: deflate */
#define ZW_DEFLATE 8
#define ZW_FLAG_UTF8 0x0800
#define ZW_LOCAL_LEN 30
#define ZW_CENTRAL_LEN 46
#define ZW_END_LEN 22

typedef struct {
	char *name;
	size_t name_len;
	uint16_t flags;
	uint32_t crc;
	uint64_t csize, usize, offset;
} zw_entry;

struct zipw {
	char *path;
	int fd;
	int memory;             /* a memory writer: drained into mem, no headers */
	strbuf mem;             /* its compressed bytes */
	int sync;
	int failed;
	int saved_errno;
	const char *why;        /* our own reason, else strerror(saved_errno) */
	uint64_t flushed;       /* archive bytes already in the file */
	vec ents;               /* zw_entry, in the archive's order */
	int in_entry;
	uint32_t crc;           /* of the current entry's data so far */
	uint64_t usize;         /* its uncompressed bytes so far */
	uint64_t data_start;    /* where its compressed data starts */
#ifdef HH_HAVE_ISAL
	struct isal_zstream *is;
	uint8_t *level_buf;
#else
	z_stream zs;
	int zs_ready;
#endif
	size_t in_used, out_used, cout_used;
	unsigned char in[ZW_IN];
	unsigned char out[ZW_OUT];
	unsigned char cout[ZW_OUT]; /* the compressor's output */
};

static void fail_errno(zipw *z, int e)
{
	if (!z->failed) {
		z->failed = 1;
		z->saved_errno = e ? e : EIO;
	}
}

static void fail_why(zipw *z, const char *why)
{
	if (!z->failed) {
		z->failed = 1;
		z->why = why;
	}
}

static hh_status report(const zipw *z, hh_err *err)
{
	if (!z->failed)
		return HH_OK;
	if (z->why)
		return hh_fail(err, HH_EINTERNAL, "cannot write %s: %s", z->path, z->why);
	return hh_fail(err, HH_EINTERNAL, "cannot write %s: %s", z->path,
		       strerror(z->saved_errno));
}

static zw_entry *entry(const zipw *z, size_t i)
{
	return (zw_entry *)z->ents.items + i;
}

static uint64_t pos(const zipw *z)
{
	return z->flushed + z->out_used;
}

static void drain(zipw *z)
{
	const unsigned char *p = z->out;
	size_t n = z->out_used;
	if (z->memory && n && !z->failed) {
		sb_add(&z->mem, p, n);
		if (z->mem.oom)
			fail_why(z, "out of memory");
		n = 0;
	}
	while (n && !z->failed) {
		ssize_t w = write(z->fd, p, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			fail_errno(z, errno);
			break;
		}
		p += w;
		n -= (size_t)w;
	}
	z->flushed += z->out_used;
	z->out_used = 0;
}

/* Raw archive bytes (headers, names) into the output buffer. */
static void emit(zipw *z, const void *data, size_t len)
{
	const unsigned char *p = data;
	while (len && !z->failed) {
		size_t k = ZW_OUT - z->out_used < len ? ZW_OUT - z->out_used : len;
		memcpy(z->out + z->out_used, p, k);
		z->out_used += k;
		p += k;
		len -= k;
		if (z->out_used == ZW_OUT)
			drain(z);
	}
}

/* Overwrites archive bytes [off, off + len) written earlier: the part
 * already drained with pwrite, the rest in the output buffer. */
static void patch(zipw *z, uint64_t off, const unsigned char *data, size_t len)
{
	while (len && off < z->flushed && !z->failed) {
		size_t k = z->flushed - off < len ? (size_t)(z->flushed - off) : len;
		ssize_t w = pwrite(z->fd, data, k, (off_t)off);
		if (w < 0) {
			if (errno != EINTR)
				fail_errno(z, errno);
			continue;
		}
		off += (uint64_t)w;
		data += w;
		len -= (size_t)w;
	}
	if (len && !z->failed)
		memcpy(z->out + (off - z->flushed), data, len);
}

static unsigned char *le16(unsigned char *p, unsigned v)
{
	p[0] = (unsigned char)v;
	p[1] = (unsigned char)(v >> 8);
	return p + 2;
}

static unsigned char *le32(unsigned char *p, uint32_t v)
{
	p = le16(p, v & 0xFFFFu);
	return le16(p, v >> 16);
}

/* The compressor's output into the archive's. */
static void spill(zipw *z)
{
	emit(z, z->cout, z->cout_used);
	z->cout_used = 0;
}

/* Compresses p[0, n) (n <= ZW_IN) into the archive; finish: it is the
 * entry's last piece, and the deflate stream ends with it. */
static void squeeze(zipw *z, const unsigned char *p, size_t n, int finish)
{
#ifdef HH_HAVE_ISAL
	z->crc = crc32_gzip_refl(z->crc, p, (uint64_t)n);
#else
	z->crc = (uint32_t)crc32(z->crc, p, (uInt)n);
#endif
	z->usize += n;
#ifdef HH_HAVE_ISAL
	struct isal_zstream *s = z->is;
	s->next_in = (uint8_t *)(uintptr_t)p;
	s->avail_in = (uint32_t)n;
	s->end_of_stream = (uint16_t)finish;
	s->flush = NO_FLUSH;
	do {
		s->next_out = z->cout + z->cout_used;
		s->avail_out = (uint32_t)(ZW_OUT - z->cout_used);
		int rc = isal_deflate(s);
		z->cout_used = ZW_OUT - s->avail_out;
		if (rc != COMP_OK) {
			fail_why(z, "the compressor failed (isal_deflate)");
			return;
		}
		if (z->cout_used == ZW_OUT)
			spill(z);
	} while (!z->failed &&
		 (s->avail_in || (finish && s->internal_state.state != ZSTATE_END)));
#else
	z->zs.next_in = (Bytef *)(uintptr_t)p;
	z->zs.avail_in = (uInt)n;
	int rc;
	do {
		z->zs.next_out = z->cout + z->cout_used;
		z->zs.avail_out = (uInt)(ZW_OUT - z->cout_used);
		rc = deflate(&z->zs, finish ? Z_FINISH : Z_NO_FLUSH);
		z->cout_used = ZW_OUT - z->zs.avail_out;
		if (rc == Z_STREAM_ERROR) {
			fail_why(z, "the compressor failed (deflate)");
			return;
		}
		if (z->cout_used == ZW_OUT)
			spill(z);
	} while (!z->failed && (z->zs.avail_in || (finish && rc != Z_STREAM_END)));
#endif
}

static void compressor_reset(zipw *z)
{
#ifdef HH_HAVE_ISAL
	isal_deflate_reset(z->is);
#else
	deflateReset(&z->zs);
#endif
}

/* A writer with its compressor, not yet writing anywhere. */
static hh_status make(const char *path, zipw **out, hh_err *err)
{
	*out = NULL;
	zipw *z = calloc(1, sizeof *z);
	if (!z || !(z->path = strdup(path))) {
		free(z);
		return hh_fail(err, HH_EINTERNAL, "cannot write %s: out of memory", path);
	}
	z->fd = -1;
	z->mem = (strbuf)STRBUF_INIT;
	vec_init(&z->ents, sizeof(zw_entry));
#ifdef HH_HAVE_ISAL
	z->is = calloc(1, sizeof *z->is);
	z->level_buf = malloc(ISAL_DEF_LVL1_DEFAULT);
	if (!z->is || !z->level_buf) {
		zipw_close(z, NULL);
		return hh_fail(err, HH_EINTERNAL, "cannot write %s: out of memory", path);
	}
	isal_deflate_init(z->is);
	z->is->level = 1;
	z->is->level_buf = z->level_buf;
	z->is->level_buf_size = ISAL_DEF_LVL1_DEFAULT;
#else
	/* raw deflate (negative window bits): zip has its own headers */
	if (deflateInit2(&z->zs, 1, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
		zipw_close(z, NULL);
		return hh_fail(err, HH_EINTERNAL, "cannot write %s: out of memory", path);
	}
	z->zs_ready = 1;
#endif
	*out = z;
	return HH_OK;
}

hh_status zipw_open(const char *path, int sync, zipw **out, hh_err *err)
{
	zipw *z;
	*out = NULL;
	HH_TRY(make(path, &z, err));
	z->sync = sync;
	z->fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
	if (z->fd < 0) {
		int e = errno;
		zipw_close(z, NULL);
		return hh_fail(err, HH_EINTERNAL, "cannot create %s: %s", path, strerror(e));
	}
	*out = z;
	return HH_OK;
}

hh_status zipw_open_memory(const char *path, zipw **out, hh_err *err)
{
	HH_TRY(make(path, out, err));
	(*out)->memory = 1;
	return HH_OK;
}

/* The checks before an entry is added, and its record (name copied);
 * NULL when z failed. */
static zw_entry *new_entry(zipw *z, const char *name)
{
	size_t len = strlen(name);
	uint16_t flags = 0;
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)name[i] >= 0x80)
			flags = ZW_FLAG_UTF8; /* bit 11: the name is UTF-8 */
	if (len > 0xFFFF)
		fail_why(z, "an entry name is longer than 65,535 bytes");
	else if (z->ents.n >= (z->memory ? 1 : ZW_MAX_ENTRIES - 1))
		fail_why(z, z->memory ? "a second entry in a memory writer (a bug)"
				      : "more than 65,534 entries (zip64 is not written)");
	else if (pos(z) >= ZW_MAX32)
		fail_why(z, "the archive reaches 4 GiB (zip64 is not written)");
	char *copy = z->failed ? NULL : malloc(len + 1);
	zw_entry *e = copy ? vec_push(&z->ents) : NULL;
	if (!z->failed && !e) {
		free(copy);
		fail_why(z, "out of memory");
	}
	if (z->failed)
		return NULL;
	memcpy(copy, name, len + 1);
	*e = (zw_entry){.name = copy, .name_len = len, .flags = flags, .offset = pos(z)};
	return e;
}

/* The fields the local and the central header share, in their order:
 * version needed, flags, method, time, date, CRC-32, sizes, name length. */
static unsigned char *entry_fields(unsigned char *p, const zw_entry *e)
{
	p = le16(p, ZW_VERSION);
	p = le16(p, e->flags);
	p = le16(p, ZW_DEFLATE);
	p = le16(p, ZW_TIME);
	p = le16(p, ZW_DATE);
	p = le32(p, e->crc);
	p = le32(p, (uint32_t)e->csize);
	p = le32(p, (uint32_t)e->usize);
	return le16(p, (unsigned)e->name_len);
}

/* e's local header, with what is known of its CRC-32 and sizes. */
static void local_header(zipw *z, const zw_entry *e)
{
	unsigned char h[ZW_LOCAL_LEN], *p = h;
	p = le32(p, 0x04034b50);
	p = entry_fields(p, e);
	le16(p, 0);     /* no extra field */
	emit(z, h, sizeof h);
	emit(z, e->name, e->name_len);
}

hh_status zipw_begin(zipw *z, const char *name, hh_err *err)
{
	HH_TRY(zipw_end(z, err));
	const zw_entry *e = new_entry(z, name);
	if (!e)
		return report(z, err);
	/* CRC-32 and sizes zero: patched when the entry ends */
	if (!z->memory)
		local_header(z, e);
	z->in_entry = 1;
	z->crc = 0;
	z->usize = 0;
	z->data_start = pos(z);
	return report(z, err);
}

void zipw_write(zipw *z, const void *data, size_t len)
{
	const unsigned char *p = data;
	if (z->failed || !len)
		return;
	if (!z->in_entry) {
		fail_why(z, "data written outside an entry (a bug)");
		return;
	}
	while (len && !z->failed) {
		if (!z->in_used && len >= ZW_IN) {
			squeeze(z, p, ZW_IN, 0);
			p += ZW_IN;
			len -= ZW_IN;
			continue;
		}
		size_t k = ZW_IN - z->in_used < len ? ZW_IN - z->in_used : len;
		memcpy(z->in + z->in_used, p, k);
		z->in_used += k;
		p += k;
		len -= k;
		if (z->in_used == ZW_IN) {
			squeeze(z, z->in, ZW_IN, 0);
			z->in_used = 0;
		}
	}
}

hh_status zipw_end(zipw *z, hh_err *err)
{
	if (!z->in_entry || z->failed)
		return report(z, err);
	squeeze(z, z->in, z->in_used, 1);
	spill(z);
	z->in_used = 0;
	z->in_entry = 0;
	zw_entry *e = entry(z, z->ents.n - 1);
	e->crc = z->crc;
	e->usize = z->usize;
	e->csize = pos(z) - z->data_start;
	if (e->usize >= ZW_MAX32 || e->csize >= ZW_MAX32)
		fail_why(z, "an entry reaches 4 GiB (zip64 is not written)");
	if (z->memory) {
		drain(z); /* the whole entry in mem */
	} else {
		unsigned char f[12], *p = f;
		p = le32(p, e->crc);
		p = le32(p, (uint32_t)e->csize);
		le32(p, (uint32_t)e->usize);
		patch(z, e->offset + 14, f, sizeof f);
	}
	compressor_reset(z);
	return report(z, err);
}

hh_status zipw_add_entry(zipw *z, zipw *m, hh_err *err)
{
	HH_TRY(zipw_end(z, err));
	if (!m->memory || m->ents.n != 1)
		fail_why(m, "an entry added from a writer that is not a memory writer of one "
			    "entry (a bug)");
	HH_TRY(zipw_end(m, err));
	const zw_entry *me = entry(m, 0);
	zw_entry *e = new_entry(z, me->name);
	if (!e)
		return report(z, err);
	e->crc = me->crc;
	e->csize = me->csize;
	e->usize = me->usize;
	local_header(z, e);
	emit(z, m->mem.buf, m->mem.len);
	return report(z, err);
}

/* The central directory and its end record. */
static void directory(zipw *z)
{
	uint64_t start = pos(z);
	for (size_t i = 0; i < z->ents.n && !z->failed; i++) {
		const zw_entry *e = entry(z, i);
		unsigned char h[ZW_CENTRAL_LEN], *p = h;
		p = le32(p, 0x02014b50);
		p = le16(p, ZW_VERSION); /* made by: 2.0, MS-DOS attributes */
		p = entry_fields(p, e);
		p = le16(p, 0);          /* extra field */
		p = le16(p, 0);          /* comment */
		p = le16(p, 0);          /* disk */
		p = le16(p, 0);          /* internal attributes */
		p = le32(p, 0);          /* external attributes */
		le32(p, (uint32_t)e->offset);
		emit(z, h, sizeof h);
		emit(z, e->name, e->name_len);
	}
	uint64_t size = pos(z) - start;
	if (start >= ZW_MAX32 || size >= ZW_MAX32 || pos(z) >= ZW_MAX32)
		fail_why(z, "the archive reaches 4 GiB (zip64 is not written)");
	unsigned char h[ZW_END_LEN], *p = h;
	p = le32(p, 0x06054b50);
	p = le16(p, 0);                      /* this disk */
	p = le16(p, 0);                      /* the directory's disk */
	p = le16(p, (unsigned)z->ents.n);    /* entries on this disk */
	p = le16(p, (unsigned)z->ents.n);    /* entries */
	p = le32(p, (uint32_t)size);
	p = le32(p, (uint32_t)start);
	le16(p, 0);                          /* comment */
	emit(z, h, sizeof h);
}

hh_status zipw_close(zipw *z, hh_err *err)
{
	if (!z)
		return HH_OK;
	if (z->fd >= 0) {
		zipw_end(z, NULL);
		directory(z);
		drain(z);
		if (!z->failed && z->sync && fsync(z->fd))
			fail_errno(z, errno);
		if (close(z->fd) && !z->failed)
			fail_errno(z, errno);
	}
	hh_status st = report(z, err);
#ifdef HH_HAVE_ISAL
	free(z->level_buf);
	free(z->is);
#else
	if (z->zs_ready)
		deflateEnd(&z->zs);
#endif
	for (size_t i = 0; i < z->ents.n; i++)
		free(entry(z, i)->name);
	vec_free(&z->ents);
	sb_release(&z->mem);
	free(z->path);
	free(z);
	return st;
}
