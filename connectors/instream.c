/*
 * instream.c - a source's bytes as UTF-8 text; see instream.h.
 *
 * Three layers, each pulling from the one below:
 *
 *   raw     read(2) on the file, or the pull callback.  Every raw byte
 *           passes through here once: it is counted (raw_offset) and, when
 *           asked, fed to SHA-256.
 *   bytes   the raw bytes themselves, or for a ".gz" name the output of
 *           inflate over every gzip member in turn (after Z_STREAM_END,
 *           inflateReset and go on while input remains; zero padding after
 *           the last member is ignored, as gzip does).
 *   text    UTF-8 out.  UTF-8 input is handed straight through; GB18030
 *           input goes through iconv.
 *
 * Buffers are allocated once at open and never grow: `zbuf` holds
 * compressed input, `bbuf` holds bytes that have been looked at (the first
 * line, sniffed to choose the encoding) or are waiting for iconv.  On the
 * UTF-8 path, once bbuf is drained, reads and inflate write directly into
 * the caller's buffer, so a plain file costs one read(2) and no copy.
 *
 * Errors found after some text was produced in the same call (a byte that
 * is not GB18030 in the first line, say) are held back: the call returns
 * the good text and the next call returns the error.  The CSV reader
 * relies on this to say on which line the bad byte is.  Every message
 * starts "SOURCE: FILE: ".
 *
 * A GB18030 sequence iconv cannot convert after the first line (glibc
 * refuses single bytes 0x80 and 0xFF, and four-byte codes that map to no
 * character, e.g. 0x84 0x31 0xA5 0x30 beyond the BMP's last mapping) is
 * one row's fault, not the file's: it comes out as the byte 0xFF, which
 * UTF-8 never holds, followed by its own bytes, so the CSV reader rejects
 * that row (bad_encoding) and the rows around it are read as usual.
 */
#include "connectors/instream.h"

#include "base/fsutil.h"
#include "base/hex.h"

#include <errno.h>
#include <fcntl.h>
#include <iconv.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <zlib.h>
#ifdef HH_HAVE_ISAL
#include <isa-l/crc.h>
#include <isa-l/igzip_lib.h>
#endif

#define INS_BUF   (256u * 1024u) /* zbuf and bbuf */
#define INS_SNIFF (64u * 1024u)  /* bytes of the first line checked */
#define INS_MAXIO (1u << 30)     /* largest single read or inflate */

enum ins_kind { INS_PLAIN, INS_GZIP, INS_PULL };

struct hh_instream {
	enum ins_kind kind;
	int fd;
	ins_pull_fn pull;
	void *pull_ctx;
	char *name;
	char *source;
	hh_encoding enc;      /* as asked, then as chosen at the first read */
	int started;          /* first read done (BOM and encoding settled) */

	uint64_t raw_off;
	uint64_t raw_size;
	int raw_eof;

	/* gzip: ISA-L's igzip when the build has it (about three times
	 * zlib's inflate speed), else zlib */
#ifdef HH_HAVE_ISAL
	struct inflate_state *iz;
	int iz_started;       /* the member's state is set up */
	int iz_phase;         /* where in the member (enum iz_phase) */
	int iz_last;          /* the block being inflated is the member's last */
	uint32_t iz_crc;      /* CRC-32 of the member's output so far */
	uint32_t iz_size;     /* ... and its length mod 2^32 */
	unsigned char *hist;  /* the member's latest output (the window) */
	size_t hist_len;
	unsigned char trl[8]; /* the member's trailer, as it arrives */
	unsigned trl_n;
	/* the member's header as isal_read_gzip_header has read it so far:
	 * it resumes from here (flags, header CRC) when the header spans
	 * reads; ISA-L's own gzip mode starts afresh each call and so
	 * misreads such a header */
	struct isal_gzip_header iz_hdr;
#endif
	z_stream zs;
	int z_init;
	int in_member;        /* inside a gzip member (end of input = truncated) */
	unsigned char *zin;   /* compressed input not yet inflated ... */
	size_t zin_len;       /* ... and its length */
	unsigned members;     /* members completed */
	unsigned char *zbuf;

	/* bytes layer output that has been looked at or awaits iconv */
	char *bbuf;
	size_t bpos, blen;
	uint64_t bbase;       /* bytes-layer offset of bbuf[0] */
	int bytes_eof;
	int need_more;        /* iconv wants more input than bbuf holds */

	/* GB18030 */
	iconv_t cd;
	int sniffed;          /* GB18030 was chosen by AUTO (for hints) */
	int header_done;      /* a LF has come out: the first line is over */
	uint64_t bad_seqs;    /* unconvertible sequences put out as markers */
	char pend[8];         /* a converted character (or marker) that did not fit */
	size_t ppos, plen;

	EVP_MD_CTX *md;
	char hex[65];

	hh_status deferred;   /* error to return at the next read */
	hh_err derr;
};

static hh_status ins_fail(const hh_instream *in, hh_err *err,
			  hh_status st, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* "SOURCE: FILE: why", or "FILE: why" without a source name. */
static hh_status ins_fail(const hh_instream *in, hh_err *err,
			  hh_status st, const char *fmt, ...)
{
	char why[HH_ERR_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof why, fmt, ap);
	va_end(ap);
	if (in->source[0])
		return hh_fail(err, st, "%s: %s: %s", in->source, in->name,
			       why);
	return hh_fail(err, st, "%s: %s", in->name, why);
}

/* strerror with a lower-case first letter, to fit the message style. */
static const char *errtext(int e, char *buf, size_t cap)
{
	snprintf(buf, cap, "%s", strerror(e));
	if (buf[0] >= 'A' && buf[0] <= 'Z' && !(buf[1] >= 'A' && buf[1] <= 'Z'))
		buf[0] = (char)(buf[0] - 'A' + 'a');
	return buf;
}

int ins_encoding_parse(const char *name, hh_encoding *out)
{
	if (!strcmp(name, "gb18030") || !strcmp(name, "gbk"))
		*out = HH_ENC_GB18030;
	else if (!strcmp(name, "utf-8") || !strcmp(name, "utf8"))
		*out = HH_ENC_UTF8;
	else
		return -1;
	return 0;
}

static hh_status ins_new(const char *name, const ins_opts *opts,
			 enum ins_kind kind, hh_instream **out, hh_err *err)
{
	hh_instream *in = calloc(1, sizeof *in);
	const char *src = opts && opts->source ? opts->source : "";

	*out = NULL;
	if (!in)
		return hh_fail(err, HH_EINTERNAL,
			       "%s: %s: out of memory opening the input", src,
			       name);
	in->kind = kind;
	in->fd = -1;
	in->cd = (iconv_t)-1;
	in->enc = opts ? opts->encoding : HH_ENC_AUTO;
	in->name = strdup(name);
	in->source = strdup(src);
	in->bbuf = malloc(INS_BUF);
	if (kind == INS_GZIP)
		in->zbuf = malloc(INS_BUF);
	if (!in->name || !in->source || !in->bbuf ||
	    (kind == INS_GZIP && !in->zbuf))
		goto oom;
	if (opts && opts->want_sha256) {
		in->md = EVP_MD_CTX_new();
		if (!in->md || EVP_DigestInit_ex(in->md, EVP_sha256(), NULL) != 1)
			goto oom;
	}
	if (kind == INS_GZIP) {
#ifdef HH_HAVE_ISAL
		in->iz = malloc(sizeof *in->iz);
		in->hist = malloc(2 * ISAL_DEF_HIST_SIZE);
		if (!in->iz || !in->hist)
			goto oom;
#else
		/* 15 + 16: a gzip wrapper only (a zlib or raw stream is an
		 * error, not silently accepted). */
		if (inflateInit2(&in->zs, 15 + 16) != Z_OK)
			goto oom;
		in->z_init = 1;
#endif
	}
	*out = in;
	return HH_OK;
oom:
	ins_close(in);
	return hh_fail(err, HH_EINTERNAL,
		       "%s: %s: out of memory opening the input", src, name);
}

hh_status ins_open_file(const char *path, const ins_opts *opts,
			hh_instream **out, hh_err *err)
{
	hh_instream *in;
	struct stat st;
	char eb[128];
	hh_status s;

	if (out)
		*out = NULL;
	if (!path || !out)
		return hh_fail(err, HH_EINTERNAL,
			       "ins_open_file: no path or no result pointer");
	s = ins_new(path, opts, fs_has_suffix(path, ".gz") ? INS_GZIP : INS_PLAIN,
		    &in, err);
	if (s != HH_OK)
		return s;
	in->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (in->fd < 0) {
		s = ins_fail(in, err, HH_EINPUT, "cannot open: %s",
			     errtext(errno, eb, sizeof eb));
		ins_close(in);
		return s;
	}
	if (fstat(in->fd, &st) == 0) {
		if (S_ISDIR(st.st_mode)) {
			s = ins_fail(in, err, HH_EINPUT,
				     "cannot read: is a directory");
			ins_close(in);
			return s;
		}
		if (S_ISREG(st.st_mode))
			in->raw_size = (uint64_t)st.st_size;
	}
#ifdef POSIX_FADV_SEQUENTIAL
	(void)posix_fadvise(in->fd, 0, 0, POSIX_FADV_SEQUENTIAL);
#endif
	*out = in;
	return HH_OK;
}

hh_status ins_open_pull(ins_pull_fn pull, void *ctx, const char *name,
			const ins_opts *opts, hh_instream **out, hh_err *err)
{
	hh_instream *in;
	hh_status s;

	if (out)
		*out = NULL;
	if (!pull || !out)
		return hh_fail(err, HH_EINTERNAL,
			       "ins_open_pull: no callback or no result pointer");
	s = ins_new(name ? name : "(stream)", opts, INS_PULL, &in, err);
	if (s != HH_OK)
		return s;
	in->pull = pull;
	in->pull_ctx = ctx;
	*out = in;
	return HH_OK;
}

static void sha_finish(hh_instream *in)
{
	unsigned char d[EVP_MAX_MD_SIZE];
	unsigned int n = 0;

	if (!in->md || in->hex[0])
		return;
	if (EVP_DigestFinal_ex(in->md, d, &n) != 1 || n != 32)
		return;
	hex_encode(d, n, in->hex);
}

/* Raw layer: up to cap bytes from the file or callback; *n = 0 at end. */
static hh_status raw_read(hh_instream *in, char *dst, size_t cap, size_t *n,
			  hh_err *err)
{
	char eb[128];

	*n = 0;
	if (in->raw_eof)
		return HH_OK;
	if (cap > INS_MAXIO)
		cap = INS_MAXIO;
	if (in->kind == INS_PULL) {
		hh_status s = in->pull(in->pull_ctx, dst, cap, n, err);
		if (s != HH_OK)
			return s;
		if (*n > cap)
			return ins_fail(in, err, HH_EINTERNAL,
					"pull callback returned more than asked");
	} else {
		ssize_t r;
		do
			r = read(in->fd, dst, cap);
		while (r < 0 && errno == EINTR);
		if (r < 0)
			return ins_fail(in, err, HH_EINPUT, "read failed: %s",
					errtext(errno, eb, sizeof eb));
		*n = (size_t)r;
	}
	if (*n == 0) {
		in->raw_eof = 1;
		sha_finish(in);
		return HH_OK;
	}
	in->raw_off += *n;
	if (in->md && EVP_DigestUpdate(in->md, dst, *n) != 1)
		return ins_fail(in, err, HH_EINTERNAL, "sha-256 update failed");
	return HH_OK;
}

/* Refills zbuf: the compressed bytes not yet inflated move to the front
 * and the rest of the buffer is read.  At the end of the file nothing is
 * added (raw_eof is then set). */
static hh_status gz_refill(hh_instream *in, hh_err *err)
{
	size_t got;

	if (in->zin_len >= INS_BUF) /* a step needs at most a few KiB */
		return ins_fail(in, err, HH_EINTERNAL, "gzip: no room to read");
	if (in->zin_len && in->zin != in->zbuf)
		memmove(in->zbuf, in->zin, in->zin_len);
	in->zin = in->zbuf;
	HH_TRY(raw_read(in, (char *)in->zbuf + in->zin_len, INS_BUF - in->zin_len,
			&got, err));
	in->zin_len += got;
	return HH_OK;
}

/* One inflate step of the gzip backend over in->zin[0..zin_len) into
 * out[0..cap), inside a member whose first four bytes gz_read checked:
 * advances zin, sets *made (bytes out), *member_end (the member's trailer
 * was read and checked) and *need_more (nothing can be done before more
 * compressed bytes arrive).  Returns 0, or -1 with *why (zlib's words)
 * for corrupt data, or -2 with *why for an internal failure. */
#ifdef HH_HAVE_ISAL
/*
 * ISA-L's inflate is fast but lenient: it takes a dynamic block whose
 * code-length code, or distance code, is incomplete (RFC 1951 and zlib
 * refuse both), and it has no way to stop between blocks.  So the member
 * is inflated one deflate block at a time: at each block's start its
 * header is checked here as zlib checks it (iz_check_header), the block's
 * BFINAL bit is set in ISA-L's bit buffer so that ISA-L stops at the
 * block's end, and for the next block ISA-L starts again at the bit where
 * it stopped, with the window (the last 32 KiB out) given as dictionary.
 * The gzip header is read by isal_read_gzip_header, the CRC-32, length
 * and trailer are checked here.  The cost: a header check and a 32 KiB
 * copy per block (blocks hold tens of KiB and more): within the noise on
 * a gzip -6 file, about 0.4 us per block on a stream of tiny blocks.
 * This leans on what ISA-L 2.30 does at the end of a final block: the
 * bits it read past the block stay in read_in/read_in_length (it rewinds
 * nothing), so the next block or the trailer starts there.  A version
 * that did otherwise would misplace the next block, which the CRC-32 of
 * every member and test_instream's multi-block streams catch at once.
 */
enum iz_phase { IZ_HEADER, IZ_BLOCK_START, IZ_BLOCK, IZ_TRAILER };

/* Bits of the compressed stream from ISA-L's position: its bit buffer
 * first, then the bytes not yet loaded. */
typedef struct {
	uint64_t bits;
	int nbits;
	const unsigned char *p;
	size_t n;
} iz_bits;

/* The next k (<= 16) bits, least significant first, into *v; 0 when the
 * input ends first. */
static int iz_get(iz_bits *b, int k, unsigned *v)
{
	while (b->nbits < k) {
		if (b->n == 0)
			return 0;
		b->bits |= (uint64_t)*b->p++ << b->nbits;
		b->n--;
		b->nbits += 8;
	}
	*v = (unsigned)(b->bits & ((1u << k) - 1));
	b->bits >>= k;
	b->nbits -= k;
	return 1;
}

/* zlib's inflate_table verdict on a code of n lengths: 0 when it may be
 * used, else -1: over-subscribed, or incomplete (allowed, for lit/len and
 * distances only, when it is one code of one bit; a code with no lengths
 * at all is allowed too, and fails only if a symbol is ever read). */
static int iz_code_ok(const unsigned short *len, unsigned n, int cl_code)
{
	unsigned count[16] = {0}, max = 0;
	int left = 1;

	for (unsigned i = 0; i < n; i++)
		count[len[i]]++;
	for (max = 15; max >= 1 && count[max] == 0; max--)
		;
	if (max == 0)
		return cl_code ? -1 : 0;
	for (unsigned l = 1; l <= 15; l++) {
		left <<= 1;
		left -= (int)count[l];
		if (left < 0)
			return -1;
	}
	return left > 0 && (cl_code || max != 1) ? -1 : 0;
}

/* One symbol of the code-length code (canonical, lengths len[0..19),
 * complete: checked before) into *sym, bit by bit as puff does. */
static int iz_decode(iz_bits *b, const unsigned short len[19], unsigned *sym)
{
	unsigned count[8] = {0}, order[19], offs[8];
	int code = 0, first = 0, index = 0;

	for (unsigned i = 0; i < 19; i++)
		count[len[i]]++;
	count[0] = 0;
	offs[1] = 0;
	for (unsigned l = 1; l < 7; l++)
		offs[l + 1] = offs[l] + count[l];
	for (unsigned i = 0; i < 19; i++)
		if (len[i])
			order[offs[len[i]]++] = i;
	for (unsigned l = 1; l <= 7; l++) {
		unsigned bit;
		if (!iz_get(b, 1, &bit))
			return 0;
		code |= (int)bit;
		if (code - (int)count[l] < first) {
			*sym = order[index + (code - first)];
			return 1;
		}
		index += (int)count[l];
		first += (int)count[l];
		first <<= 1;
		code <<= 1;
	}
	*sym = 0; /* not reached: the code is complete */
	return 1;
}

enum { IZ_HDR_OK, IZ_HDR_MORE, IZ_HDR_BAD };

/* Checks the header of the block that starts at ISA-L's position as
 * zlib's inflate would (inflate.c, TABLE to LEN): IZ_HDR_OK, IZ_HDR_BAD
 * with *why in zlib's words, or IZ_HDR_MORE when the input ends inside
 * the header. */
static int iz_check_header(const struct inflate_state *z, const unsigned char *p,
			   size_t n, const char **why)
{
	static const unsigned char order[19] = {16, 17, 18, 0, 8,  7, 9,  6, 10, 5,
						11, 4,  12, 3, 13, 2, 14, 1, 15};
	iz_bits b = {z->read_in, z->read_in_length, p, n};
	unsigned short lens[320] = {0}, cl[19] = {0};
	unsigned v, nlen, ndist, ncode, have = 0;

	if (!iz_get(&b, 3, &v))
		return IZ_HDR_MORE;
	if ((v >> 1) == 3) {
		*why = "invalid block type";
		return IZ_HDR_BAD;
	}
	if ((v >> 1) != 2)
		return IZ_HDR_OK; /* stored or fixed: nothing to build */
	if (!iz_get(&b, 5, &nlen) || !iz_get(&b, 5, &ndist) || !iz_get(&b, 4, &ncode))
		return IZ_HDR_MORE;
	nlen += 257;
	ndist += 1;
	ncode += 4;
	if (nlen > 286 || ndist > 30) {
		*why = "too many length or distance symbols";
		return IZ_HDR_BAD;
	}
	for (unsigned i = 0; i < ncode; i++) {
		if (!iz_get(&b, 3, &v))
			return IZ_HDR_MORE;
		cl[order[i]] = (unsigned short)v;
	}
	if (iz_code_ok(cl, 19, 1)) {
		*why = "invalid code lengths set";
		return IZ_HDR_BAD;
	}
	while (have < nlen + ndist) {
		unsigned sym, len = 0, copy, extra;
		if (!iz_decode(&b, cl, &sym))
			return IZ_HDR_MORE;
		if (sym < 16) {
			lens[have++] = (unsigned short)sym;
			continue;
		}
		if (sym == 16) {
			if (have == 0) {
				*why = "invalid bit length repeat";
				return IZ_HDR_BAD;
			}
			len = lens[have - 1];
			if (!iz_get(&b, 2, &extra))
				return IZ_HDR_MORE;
			copy = 3 + extra;
		} else if (sym == 17) {
			if (!iz_get(&b, 3, &extra))
				return IZ_HDR_MORE;
			copy = 3 + extra;
		} else {
			if (!iz_get(&b, 7, &extra))
				return IZ_HDR_MORE;
			copy = 11 + extra;
		}
		if (have + copy > nlen + ndist) {
			*why = "invalid bit length repeat";
			return IZ_HDR_BAD;
		}
		while (copy--)
			lens[have++] = (unsigned short)len;
	}
	if (lens[256] == 0) {
		*why = "invalid code -- missing end-of-block";
		return IZ_HDR_BAD;
	}
	if (iz_code_ok(lens, nlen, 0)) {
		*why = "invalid literal/lengths set";
		return IZ_HDR_BAD;
	}
	if (iz_code_ok(lens + nlen, ndist, 0)) {
		*why = "invalid distances set";
		return IZ_HDR_BAD;
	}
	return IZ_HDR_OK;
}

/* Keeps the last 32 KiB of the member's output in hist (the window the
 * next block may refer back into), copying at most 32 KiB per call. */
static void iz_hist_add(hh_instream *in, const unsigned char *p, size_t n)
{
	const size_t w = ISAL_DEF_HIST_SIZE;

	if (n >= w) {
		memcpy(in->hist, p + n - w, w);
		in->hist_len = w;
		return;
	}
	if (in->hist_len + n > 2 * w) {
		size_t keep = w - n;
		memmove(in->hist, in->hist + in->hist_len - keep, keep);
		in->hist_len = keep;
	}
	memcpy(in->hist + in->hist_len, p, n);
	in->hist_len += n;
}

/* The words of an ISA-L inflate error, as zlib would say them. */
static const char *iz_error(int ret)
{
	switch (ret) {
	case ISAL_INVALID_LOOKBACK:
		return "invalid distance too far back";
	case ISAL_INVALID_SYMBOL:
		return "invalid literal/length or distance code";
	default:
		return "invalid compressed data";
	}
}

static int gz_step(hh_instream *in, char *out, size_t cap, size_t *made,
		   int *member_end, int *need_more, const char **why)
{
	struct inflate_state *z = in->iz;
	int ret, v;

	*made = 0;
	*member_end = 0;
	*need_more = 0;
	if (!in->iz_started) {
		/* a new member: ISA-L from scratch, our sums too */
		isal_inflate_init(z);
		z->dict_length = 0;
		in->iz_phase = IZ_HEADER;
		in->iz_crc = 0;
		in->iz_size = 0;
		in->hist_len = 0;
		in->trl_n = 0;
		isal_gzip_header_init(&in->iz_hdr);
		in->iz_started = 1;
	}
	z->next_in = in->zin;
	z->avail_in = (uint32_t)in->zin_len;
	switch (in->iz_phase) {
	case IZ_HEADER:
		ret = isal_read_gzip_header(z, &in->iz_hdr);
		in->zin = z->next_in;
		in->zin_len = z->avail_in;
		if (ret == ISAL_END_INPUT) {
			*need_more = 1;
			return 0;
		}
		if (ret != ISAL_DECOMP_OK) {
			*why = ret == ISAL_UNSUPPORTED_METHOD ? "unknown compression method"
			     : ret == ISAL_INCORRECT_CHECKSUM ? "header crc mismatch"
			     : "incorrect header check";
			return -1;
		}
		z->crc_flag = ISAL_DEFLATE; /* the trailer is ours */
		in->iz_phase = IZ_BLOCK_START;
		return 0;
	case IZ_BLOCK_START:
		v = iz_check_header(z, in->zin, in->zin_len, why);
		if (v == IZ_HDR_BAD)
			return -1;
		if (v == IZ_HDR_MORE) {
			*need_more = 1;
			return 0;
		}
		if (z->read_in_length == 0) {
			/* the check saw at least 3 bits: a byte is there */
			z->read_in = *in->zin++;
			z->read_in_length = 8;
			in->zin_len--;
			z->next_in = in->zin;
			z->avail_in = (uint32_t)in->zin_len;
		}
		in->iz_last = (int)(z->read_in & 1);
		z->read_in |= 1; /* BFINAL: ISA-L stops at this block's end */
		in->iz_phase = IZ_BLOCK;
		/* fall through */
	case IZ_BLOCK: {
		size_t before = in->zin_len;
		z->next_out = (uint8_t *)out;
		z->avail_out = (uint32_t)cap;
		ret = isal_inflate(z);
		*made = cap - z->avail_out;
		in->zin = z->next_in;
		in->zin_len = z->avail_in;
		/* ISA-L keeps what it cannot use yet; should it ever leave
		 * input it cannot use, more is read rather than looping */
		*need_more = *made == 0 && in->zin_len && in->zin_len == before &&
			     z->block_state != ISAL_BLOCK_FINISH;
	}
		if (*made) {
			in->iz_crc = crc32_gzip_refl(in->iz_crc, (unsigned char *)out, *made);
			in->iz_size += (uint32_t)*made;
			iz_hist_add(in, (unsigned char *)out, *made);
		}
		if (ret < 0) {
			*why = iz_error(ret);
			return -1;
		}
		if (z->block_state != ISAL_BLOCK_FINISH)
			return 0;
		if (!in->iz_last) {
			/* the next block starts at the bit ISA-L stopped at */
			uint64_t bits = z->read_in;
			int32_t nbits = z->read_in_length;
			size_t h = in->hist_len < ISAL_DEF_HIST_SIZE ? in->hist_len
								     : ISAL_DEF_HIST_SIZE;
			isal_inflate_init(z);
			z->read_in = bits;
			z->read_in_length = nbits;
			z->dict_length = 0; /* the window, if any, is set below */
			if (h && isal_inflate_set_dict(z, in->hist + in->hist_len - h,
						       (uint32_t)h) != ISAL_DECOMP_OK) {
				*why = "isal_inflate_set_dict failed";
				return -2;
			}
			in->iz_phase = IZ_BLOCK_START;
			return 0;
		}
		/* the trailer starts at the next byte boundary */
		z->read_in >>= z->read_in_length % 8;
		z->read_in_length -= z->read_in_length % 8;
		while (z->read_in_length >= 8 && in->trl_n < 8) {
			in->trl[in->trl_n++] = (unsigned char)z->read_in;
			z->read_in >>= 8;
			z->read_in_length -= 8;
		}
		in->iz_phase = IZ_TRAILER;
		/* fall through */
	case IZ_TRAILER:
		while (in->trl_n < 8 && in->zin_len) {
			in->trl[in->trl_n++] = *in->zin++;
			in->zin_len--;
		}
		if (in->trl_n < 8) {
			*need_more = 1;
			return 0;
		}
		if (in->iz_crc != ((uint32_t)in->trl[0] | (uint32_t)in->trl[1] << 8 |
				   (uint32_t)in->trl[2] << 16 | (uint32_t)in->trl[3] << 24)) {
			*why = "incorrect data check";
			return -1;
		}
		if (in->iz_size != ((uint32_t)in->trl[4] | (uint32_t)in->trl[5] << 8 |
				    (uint32_t)in->trl[6] << 16 | (uint32_t)in->trl[7] << 24)) {
			*why = "incorrect length check";
			return -1;
		}
		*member_end = 1;
		in->iz_started = 0;
		return 0;
	}
	*why = "bad inflate phase";
	return -2;
}
#else
static int gz_step(hh_instream *in, char *out, size_t cap, size_t *made,
		   int *member_end, int *need_more, const char **why)
{
	z_stream *z = &in->zs;
	z->next_in = in->zin;
	z->avail_in = (uInt)in->zin_len;
	z->next_out = (unsigned char *)out;
	z->avail_out = (uInt)cap;
	int ret = inflate(z, Z_NO_FLUSH);
	*made = cap - z->avail_out;
	in->zin = z->next_in;
	in->zin_len = z->avail_in;
	*member_end = 0;
	*need_more = 0;
	switch (ret) {
	case Z_OK:
	case Z_BUF_ERROR: /* no progress possible: more input needed */
		return 0;
	case Z_STREAM_END:
		*member_end = 1;
		if (inflateReset(z) != Z_OK) {
			*why = "inflateReset failed";
			return -2;
		}
		return 0;
	case Z_DATA_ERROR:
		*why = z->msg ? z->msg : "bad data";
		return -1;
	case Z_MEM_ERROR:
		*why = "out of memory";
		return -2;
	default:
		*why = "inflate failed";
		return -2;
	}
}
#endif

/* A failure of the member being read: "corrupt" with why. */
static hh_status gz_corrupt(hh_instream *in, hh_err *err, const char *why)
{
	if (in->members > 0)
		return ins_fail(in, err, HH_EINPUT,
				"gzip stream corrupt after member %u: %s",
				in->members, why);
	return ins_fail(in, err, HH_EINPUT, "gzip stream corrupt: %s", why);
}

/* gzip: inflates into dst until at least one byte is out or the input
 * ends cleanly between members.  Members follow one another (bgzip,
 * pigz); zero padding after the last is ignored, as gzip does.  A
 * member's first four bytes are judged here, for both backends in the
 * same words as zlib: the magic, the compression method (8, deflate) and
 * the flags, whose reserved bits 5 to 7 must be clear (RFC 1952; ISA-L
 * would ignore them). */
static hh_status gz_read(hh_instream *in, char *dst, size_t cap, size_t *n,
			 hh_err *err)
{
	size_t made = 0;

	if (cap > INS_MAXIO)
		cap = INS_MAXIO;
	while (made == 0) {
		if (in->zin_len == 0 && !in->raw_eof) {
			HH_TRY(gz_refill(in, err));
			continue;
		}
		if (!in->in_member) {
			if (in->members > 0) {
				while (in->zin_len && *in->zin == 0) {
					in->zin++;
					in->zin_len--;
				}
				if (in->zin_len == 0 && !in->raw_eof)
					continue;
			}
			if (in->zin_len == 0) {
				if (in->members == 0)
					return ins_fail(in, err, HH_EINPUT,
							"not a gzip stream (the file is empty)");
				break; /* clean end after the last member */
			}
			if (in->zin_len < 4 && !in->raw_eof) {
				HH_TRY(gz_refill(in, err));
				continue;
			}
			/* Judged here: igzip waits for a whole header, and
			 * text named .gz is "corrupt", not "truncated". */
			if (in->zin[0] != 0x1f || (in->zin_len > 1 && in->zin[1] != 0x8b))
				return gz_corrupt(in, err, "incorrect header check");
			if (in->zin_len > 2 && in->zin[2] != 8)
				return gz_corrupt(in, err, "unknown compression method");
			if (in->zin_len > 3 && (in->zin[3] & 0xe0))
				return gz_corrupt(in, err, "unknown header flags set");
			in->in_member = 1;
		}
		size_t before = in->zin_len;
		int member_end, need_more;
		const char *why = NULL;
		int ret = gz_step(in, dst, cap, &made, &member_end, &need_more, &why);
		if (ret == -2)
			return ins_fail(in, err, HH_EINTERNAL, "gzip: %s", why);
		if (ret == -1)
			return gz_corrupt(in, err, why);
		if (member_end) {
			in->in_member = 0;
			in->members++;
		} else if (made == 0 && in->raw_eof &&
			   (need_more || in->zin_len == before)) {
			return ins_fail(in, err, HH_EINPUT,
					"gzip stream truncated (file ends inside a member)");
		} else if (need_more) {
			HH_TRY(gz_refill(in, err));
		}
	}
	*n = made;
	return HH_OK;
}

/* Bytes layer: decompressed (or plain) bytes; *n = 0 at end. */
static hh_status bytes_read(hh_instream *in, char *dst, size_t cap,
			    size_t *n, hh_err *err)
{
	if (in->kind == INS_GZIP)
		return gz_read(in, dst, cap, n, err);
	return raw_read(in, dst, cap, n, err);
}

/* Length of the valid UTF-8 prefix of s[0..n); *cut is set when the
 * string ends inside an otherwise valid multi-byte character. */
static size_t utf8_valid_prefix(const unsigned char *s, size_t n, int *cut)
{
	size_t i = 0;

	*cut = 0;
	while (i < n) {
		unsigned c = s[i];
		size_t k;
		unsigned lo = 0x80, hi = 0xBF;

		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xC2 && c <= 0xDF)
			k = 1;
		else if (c >= 0xE0 && c <= 0xEF) {
			k = 2;
			if (c == 0xE0)
				lo = 0xA0; /* overlong */
			else if (c == 0xED)
				hi = 0x9F; /* surrogates */
		} else if (c >= 0xF0 && c <= 0xF4) {
			k = 3;
			if (c == 0xF0)
				lo = 0x90;
			else if (c == 0xF4)
				hi = 0x8F;
		} else
			return i;
		for (size_t j = 1; j <= k; j++) {
			unsigned t;
			if (i + j >= n) {
				*cut = 1;
				return i;
			}
			t = s[i + j];
			if (t < (j == 1 ? lo : 0x80) || t > (j == 1 ? hi : 0xBF))
				return i;
		}
		i += k + 1;
	}
	return i;
}

/* First read: look at the first line, drop a BOM, settle the encoding. */
static hh_status start(hh_instream *in, hh_err *err)
{
	size_t scanned = 0;
	const char *lf = NULL;
	unsigned char *b = (unsigned char *)in->bbuf;

	in->started = 1;
	/* Fill until the first LF, INS_SNIFF bytes (+ a BOM), or the end. */
	while (in->blen < INS_SNIFF + 4 && !in->bytes_eof) {
		size_t got;
		hh_status s = bytes_read(in, in->bbuf + in->blen,
					 INS_BUF - in->blen, &got, err);
		if (s != HH_OK)
			return s;
		if (got == 0) {
			in->bytes_eof = 1;
			break;
		}
		in->blen += got;
		lf = memchr(in->bbuf + scanned, '\n', in->blen - scanned);
		if (lf)
			break;
		scanned = in->blen;
	}

	/* Common wrong files, named plainly so the user can act. */
	if (in->blen >= 2 && ((b[0] == 0xFF && b[1] == 0xFE) ||
			      (b[0] == 0xFE && b[1] == 0xFF)))
		return ins_fail(in, err, HH_EINPUT,
				"the file is UTF-16 (byte order mark 0x%02x 0x%02x), which is not supported; save it as UTF-8 or GB18030",
				b[0], b[1]);
	if (in->kind != INS_GZIP && in->blen >= 3 && b[0] == 0x1F &&
	    b[1] == 0x8B && b[2] == 0x08)
		return ins_fail(in, err, HH_EINPUT,
				"the data is gzip-compressed but the name does not end in .gz; rename it");
	if (in->blen >= 4 && memcmp(b, "PK\x03\x04", 4) == 0)
		return ins_fail(in, err, HH_EINPUT,
				"the data is a zip archive (an .xlsx workbook?), not CSV; export it as CSV");

	if (in->blen >= 3 && b[0] == 0xEF && b[1] == 0xBB && b[2] == 0xBF) {
		in->bpos = 3;
		if (in->enc == HH_ENC_AUTO)
			in->enc = HH_ENC_UTF8;
	}

	if (in->enc == HH_ENC_AUTO) {
		size_t end = in->blen, ok;
		int cut, limited = 0;

		lf = memchr(in->bbuf + in->bpos, '\n', in->blen - in->bpos);
		if (lf)
			end = (size_t)(lf - in->bbuf);
		if (end - in->bpos > INS_SNIFF) {
			end = in->bpos + INS_SNIFF;
			limited = 1;
		}
		if (!lf && !in->bytes_eof)
			limited = 1;
		ok = utf8_valid_prefix(b + in->bpos, end - in->bpos, &cut);
		if (ok == end - in->bpos || (cut && limited))
			in->enc = HH_ENC_UTF8;
		else {
			in->enc = HH_ENC_GB18030;
			in->sniffed = 1;
		}
	}

	if (in->enc == HH_ENC_GB18030) {
		if (in->bpos == 0 && in->blen >= 4 && b[0] == 0x84 &&
		    b[1] == 0x31 && b[2] == 0x95 && b[3] == 0x33)
			in->bpos = 4; /* U+FEFF in GB18030 */
		in->cd = iconv_open("UTF-8", "GB18030");
		if (in->cd == (iconv_t)-1) {
			char eb[128];
			return ins_fail(in, err, HH_EINTERNAL,
					"cannot convert from GB18030: iconv_open: %s",
					errtext(errno, eb, sizeof eb));
		}
	}
	return HH_OK;
}

/* The bytes themselves are not quoted: they may be part of a name or an
 * ID number, which no message may show.  The offset (and the line, which
 * the CSV reader adds) is enough to find them.  Only the first line (the
 * header) fails so; later lines get a marker (gb_mark). */
static hh_status gb_bad(hh_instream *in, hh_err *err)
{
	return ins_fail(in, err, HH_EINPUT,
			"not valid GB18030 at byte %llu%s%s",
			(unsigned long long)(in->bbase + in->bpos),
			in->kind == INS_GZIP ? " of the decompressed data" : "",
			in->sniffed
				? "; the first line is not UTF-8, so GB18030 was assumed: give the encoding explicitly"
				: "");
}

/* How many bytes at s[0..n) a GB18030 decoder takes as one character:
 * four for lead, digit, lead, digit; two for lead, trail; else one.  An
 * unconvertible sequence is skipped whole, so its later bytes are not
 * read as characters of their own; none of them can be a delimiter, a
 * quote or a line end (all below 0x30). */
static size_t gb_seq_len(const unsigned char *s, size_t n)
{
	if (n < 2 || s[0] < 0x81 || s[0] > 0xFE)
		return 1;
	if (s[1] >= 0x30 && s[1] <= 0x39)
		return n >= 4 && s[2] >= 0x81 && s[2] <= 0xFE && s[3] >= 0x30 &&
				       s[3] <= 0x39
			       ? 4
			       : 1;
	return s[1] >= 0x40 && s[1] <= 0xFE && s[1] != 0x7F ? 2 : 1;
}

/* The sequence at bbuf[bpos] (seq bytes) cannot be converted: past the
 * first line, 0xFF (never a byte of UTF-8, so the CSV reader can tell it;
 * instream.h) and the sequence's own bytes go out in its place, so that
 * different bytes stay different (a repeated row is still a repeat), and
 * the stream goes on.  What does not fit in out waits in pend.  Returns
 * 0, 1 when out is full (hand it back: pend comes next), or -1 in the
 * first line (an error). */
static int gb_mark(hh_instream *in, char **out, size_t *outleft, size_t seq)
{
	char m[sizeof in->pend];
	size_t len, k;

	if (!in->header_done)
		return -1;
	len = seq < sizeof m - 1 ? seq : sizeof m - 1;
	m[0] = (char)0xFF;
	memcpy(m + 1, in->bbuf + in->bpos, len);
	len++;
	in->bpos += seq;
	in->bad_seqs++;
	k = len < *outleft ? len : *outleft;
	memcpy(*out, m, k);
	*out += k;
	*outleft -= k;
	if (k == len)
		return *outleft == 0;
	memcpy(in->pend, m + k, len - k);
	in->ppos = 0;
	in->plen = len - k;
	return 1;
}

/* GB18030 text: iconv from bbuf into dst. */
static hh_status gb_read(hh_instream *in, char *dst, size_t cap, size_t *n,
			 hh_err *err)
{
	char *out = dst;
	size_t outleft = cap;

	*n = 0;
	if (in->ppos < in->plen) {
		size_t k = in->plen - in->ppos;
		if (k > cap)
			k = cap;
		memcpy(dst, in->pend + in->ppos, k);
		in->ppos += k;
		*n = k;
		return HH_OK;
	}
	while (outleft > 0) {
		char *inp, *from = out;
		size_t inleft, r;

		if (in->bpos == in->blen || in->need_more) {
			size_t got;
			hh_status s;

			if (out > dst)
				break; /* hand back what we have first */
			if (in->bytes_eof) {
				if (in->bpos < in->blen) {
					/* the input ends inside a character */
					if (gb_mark(in, &out, &outleft,
						    in->blen - in->bpos) >= 0)
						continue;
					return ins_fail(in, err, HH_EINPUT,
							"GB18030 input ends inside a multi-byte character");
				}
				break;
			}
			if (in->bpos > 0) {
				memmove(in->bbuf, in->bbuf + in->bpos,
					in->blen - in->bpos);
				in->bbase += in->bpos;
				in->blen -= in->bpos;
				in->bpos = 0;
			}
			s = bytes_read(in, in->bbuf + in->blen,
				       INS_BUF - in->blen, &got, err);
			if (s != HH_OK)
				return s;
			if (got == 0)
				in->bytes_eof = 1;
			in->blen += got;
			in->need_more = 0;
			continue;
		}
		inp = in->bbuf + in->bpos;
		inleft = in->blen - in->bpos;
		r = iconv(in->cd, &inp, &inleft, &out, &outleft);
		in->bpos = (size_t)(inp - in->bbuf);
		if (!in->header_done && memchr(from, '\n', (size_t)(out - from)))
			in->header_done = 1;
		if (r != (size_t)-1)
			continue;
		if (errno == E2BIG) {
			if (out == dst) {
				/* cap is smaller than one character */
				char *po = in->pend;
				size_t pl = sizeof in->pend;
				inp = in->bbuf + in->bpos;
				inleft = in->blen - in->bpos;
				r = iconv(in->cd, &inp, &inleft, &po, &pl);
				in->bpos = (size_t)(inp - in->bbuf);
				in->ppos = 0;
				in->plen = sizeof in->pend - pl;
				if (in->plen == 0) {
					if (r == (size_t)-1 && errno == EILSEQ) {
						if (gb_mark(in, &out, &outleft,
							    gb_seq_len((unsigned char *)inp,
								       inleft)) >= 0)
							break;
						return gb_bad(in, err);
					}
					in->need_more = 1;
					continue;
				}
				return gb_read(in, dst, cap, n, err);
			}
			break;
		}
		if (errno == EINVAL) {
			in->need_more = 1; /* a character split at the end */
			continue;
		}
		if (errno == EILSEQ) {
			if (outleft > 0 && in->header_done) {
				if (gb_mark(in, &out, &outleft,
					    gb_seq_len((unsigned char *)inp, inleft)))
					break;
				continue;
			}
			if (in->header_done)
				break; /* no room for the marker: next call */
			if (out > dst) {
				in->deferred = gb_bad(in, &in->derr);
				break;
			}
			return gb_bad(in, err);
		}
		{
			char eb[128];
			return ins_fail(in, err, HH_EINTERNAL,
					"iconv failed: %s",
					errtext(errno, eb, sizeof eb));
		}
	}
	*n = (size_t)(out - dst);
	return HH_OK;
}

hh_status ins_read(hh_instream *in, char *buf, size_t cap, size_t *n,
		   hh_err *err)
{
	hh_err *e = &in->derr; /* errors are kept: later reads repeat them */
	hh_status s = HH_OK;

	*n = 0;
	if (in->deferred == HH_OK && !in->started)
		in->deferred = start(in, e);
	if (in->deferred != HH_OK) {
		if (err)
			*err = in->derr;
		return in->deferred;
	}
	if (cap == 0)
		return HH_OK;
	if (in->enc == HH_ENC_GB18030) {
		s = gb_read(in, buf, cap, n, e);
	} else if (in->bpos < in->blen) {
		size_t k = in->blen - in->bpos;
		if (k > cap)
			k = cap;
		memcpy(buf, in->bbuf + in->bpos, k);
		in->bpos += k;
		*n = k;
	} else if (!in->bytes_eof) {
		s = bytes_read(in, buf, cap, n, e);
		if (s == HH_OK && *n == 0)
			in->bytes_eof = 1;
	}
	if (s != HH_OK) {
		in->deferred = s;
		if (err)
			*err = in->derr;
	}
	return s;
}

hh_encoding ins_encoding(const hh_instream *in)
{
	return in->enc;
}

uint64_t ins_raw_offset(const hh_instream *in)
{
	return in->raw_off;
}

uint64_t ins_raw_size(const hh_instream *in)
{
	return in->raw_size;
}

const char *ins_name(const hh_instream *in)
{
	return in->name;
}

const char *ins_source(const hh_instream *in)
{
	return in->source;
}

uint64_t ins_bad_sequences(const hh_instream *in)
{
	return in->bad_seqs;
}

const char *ins_sha256_hex(const hh_instream *in)
{
	return in->hex;
}

void ins_set_sha256_hex(hh_instream *in, const char *hex)
{
	/* sha_finish keeps a digest already set */
	if (in->md)
		snprintf(in->hex, sizeof in->hex, "%.64s", hex);
}

void ins_close(hh_instream *in)
{
	if (!in)
		return;
	if (in->fd >= 0)
		close(in->fd);
	if (in->z_init)
		inflateEnd(&in->zs);
#ifdef HH_HAVE_ISAL
	free(in->iz);
	free(in->hist);
#endif
	if (in->cd != (iconv_t)-1)
		iconv_close(in->cd);
	EVP_MD_CTX_free(in->md);
	free(in->zbuf);
	free(in->bbuf);
	free(in->name);
	free(in->source);
	free(in);
}
