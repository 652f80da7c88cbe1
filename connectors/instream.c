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
 * is not GB18030, say) are held back: the call returns the good text and
 * the next call returns the error.  The CSV reader relies on this to say
 * on which line the bad byte is.  Every message starts "SOURCE: FILE: ".
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
	char pend[8];         /* a converted character that did not fit */
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
		if (!in->iz)
			goto oom;
		isal_inflate_init(in->iz);
		in->iz->crc_flag = ISAL_GZIP;
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

/* One inflate step of the gzip backend over in->zin[0..zin_len) into
 * out[0..cap): advances zin, sets *made (bytes out) and *member_end (the
 * member's trailer was read and checked).  Returns 0, or -1 with *why for
 * corrupt data, or -2 with *why for an internal failure. */
#ifdef HH_HAVE_ISAL
static int gz_step(hh_instream *in, char *out, size_t cap, size_t *made,
		   int *member_end, const char **why)
{
	struct inflate_state *z = in->iz;
	z->next_in = in->zin;
	z->avail_in = (uint32_t)in->zin_len;
	z->next_out = (uint8_t *)out;
	z->avail_out = (uint32_t)cap;
	int ret = isal_inflate(z);
	*made = cap - z->avail_out;
	in->zin = z->next_in;
	in->zin_len = z->avail_in;
	*member_end = 0;
	if (ret < 0) {
		*why = ret == ISAL_INCORRECT_CHECKSUM ? "checksum mismatch"
		     : ret == ISAL_INVALID_WRAPPER ? "incorrect header check"
		     : "invalid compressed data";
		return -1;
	}
	if (z->block_state == ISAL_BLOCK_FINISH) {
		*member_end = 1;
		isal_inflate_reset(z);
		z->crc_flag = ISAL_GZIP;
	}
	return 0;
}
#else
static int gz_step(hh_instream *in, char *out, size_t cap, size_t *made,
		   int *member_end, const char **why)
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

/* gzip: inflates into dst until at least one byte is out or the input
 * ends cleanly between members.  Members follow one another (bgzip,
 * pigz); zero padding after the last is ignored, as gzip does. */
static hh_status gz_read(hh_instream *in, char *dst, size_t cap, size_t *n,
			 hh_err *err)
{
	size_t made = 0;

	if (cap > INS_MAXIO)
		cap = INS_MAXIO;
	while (made == 0) {
		if (in->zin_len == 0 && !in->raw_eof) {
			size_t got;
			hh_status s = raw_read(in, (char *)in->zbuf, INS_BUF,
					       &got, err);
			if (s != HH_OK)
				return s;
			in->zin = in->zbuf;
			in->zin_len = got;
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
			/* Judge the magic here: igzip waits for a whole
			 * header, and text named .gz is "corrupt", not
			 * "truncated". */
			if (in->zin[0] != 0x1f || (in->zin_len > 1 && in->zin[1] != 0x8b)) {
				if (in->members > 0)
					return ins_fail(in, err, HH_EINPUT,
							"gzip stream corrupt after member %u: "
							"incorrect header check", in->members);
				return ins_fail(in, err, HH_EINPUT,
						"gzip stream corrupt: incorrect header check");
			}
			in->in_member = 1;
		}
		size_t before = in->zin_len;
		int member_end;
		const char *why = NULL;
		int ret = gz_step(in, dst, cap, &made, &member_end, &why);
		if (ret == -2)
			return ins_fail(in, err, HH_EINTERNAL, "gzip: %s", why);
		if (ret == -1) {
			if (in->members > 0)
				return ins_fail(in, err, HH_EINPUT,
						"gzip stream corrupt after member %u: %s",
						in->members, why);
			return ins_fail(in, err, HH_EINPUT, "gzip stream corrupt: %s", why);
		}
		if (member_end) {
			in->in_member = 0;
			in->members++;
		} else if (made == 0 && in->zin_len == before && in->raw_eof) {
			return ins_fail(in, err, HH_EINPUT,
					"gzip stream truncated (file ends inside a member)");
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
 * the CSV reader adds) is enough to find them. */
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
		char *inp;
		size_t inleft, r;

		if (in->bpos == in->blen || in->need_more) {
			size_t got;
			hh_status s;

			if (out > dst)
				break; /* hand back what we have first */
			if (in->bytes_eof) {
				if (in->bpos < in->blen)
					return ins_fail(in, err, HH_EINPUT,
							"GB18030 input ends inside a multi-byte character");
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
					if (r == (size_t)-1 && errno == EILSEQ)
						return gb_bad(in, err);
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
