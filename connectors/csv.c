/*
 * csv.c - streaming RFC 4180 record reader; see csv.h.
 *
 * One buffer of max_record + 2 bytes (room for a longest record and its
 * CRLF), and SCAN_PAD more so a 16-byte load may run past the end.  buf[pos..len) is text not yet returned; `line` is the physical
 * line of buf[pos].  When a record runs past len, the partial record is
 * moved to the front and the rest of the buffer is filled from the stream
 * (until full or end of input), so a record is scanned at most twice; a
 * record that still does not end once it fills the whole buffer is too
 * long.
 *
 * Two paths per record:
 *   fast   memchr finds the LF; one pass over the line, 16 bytes at a
 *          time (SSE2), marks delimiters and quotes; when it holds no
 *          quote at all (the common case) it is split at the marks,
 *          fields pointing straight into the buffer.
 *   quoted the full RFC 4180 state machine, run first as a dry scan that
 *          changes nothing (so it can be abandoned and rerun after a
 *          refill), and then, once the record is known to be complete,
 *          again to unescape doubled quotes in place.
 *
 * Leniency: a quote inside an unquoted field is kept as text, text after
 * a closing quote is appended to the field, and a quoted field open at
 * the end of input runs to the end; each sets `malformed`.  A lone CR is
 * data; CR is dropped only before LF (or at the very end of input) outside
 * quotes.  A record holding the input stream's 0xFF marker (a GB18030
 * sequence that could not be converted) is returned with bad_encoding.
 */
#include "connectors/csv.h"

#include "base/fsutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#define CSV_DEFAULT_MAX (1024u * 1024u)
#define CSV_LIMIT_MAX   (1024u * 1024u * 1024u) /* field lengths are 32-bit */
#define SCAN_PAD 16

struct csv_reader {
	hh_instream *in;
	char delim;
	size_t max_record;
	char *buf;
	size_t cap, len, pos;
	int eof;
	uint64_t line;
	hh_field *f;
	size_t fcap;
};

enum { SCAN_DONE, SCAN_MORE, SCAN_OOM };

static hh_status csv_fail(const csv_reader *r, hh_err *err, hh_status st,
			  uint64_t line, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

/* "SOURCE: FILE: line N: why" */
static hh_status csv_fail(const csv_reader *r, hh_err *err, hh_status st,
			  uint64_t line, const char *fmt, ...)
{
	char why[HH_ERR_MAX];
	const char *src = ins_source(r->in);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof why, fmt, ap);
	va_end(ap);
	if (src[0])
		return hh_fail(err, st, "%s: %s: line %llu: %s", src,
			       ins_name(r->in), (unsigned long long)line, why);
	return hh_fail(err, st, "%s: line %llu: %s", ins_name(r->in),
		       (unsigned long long)line, why);
}

static size_t count_lf(const char *p, size_t n)
{
	size_t c = 0;
	const char *end = p + n;

	while ((p = memchr(p, '\n', (size_t)(end - p))) != NULL) {
		c++;
		p++;
	}
	return c;
}

hh_status csv_open(hh_instream *in, const csv_opts *opts, csv_reader **out,
		   hh_err *err)
{
	csv_reader *r;
	size_t maxr = opts && opts->max_record ? opts->max_record
					       : CSV_DEFAULT_MAX;

	*out = NULL;
	if (!in)
		return hh_fail(err, HH_EINTERNAL, "csv_open: no input stream");
	if (maxr > CSV_LIMIT_MAX)
		maxr = CSV_LIMIT_MAX;
	r = calloc(1, sizeof *r);
	if (!r)
		goto oom;
	r->in = in;
	r->max_record = maxr;
	r->cap = maxr + 2;
	r->buf = calloc(1, r->cap + SCAN_PAD); /* zeroed: loads past len read defined bytes */
	r->fcap = 64;
	r->f = malloc(r->fcap * sizeof *r->f);
	if (!r->buf || !r->f)
		goto oom;
	r->line = 1;
	if (opts && opts->delim)
		r->delim = opts->delim;
	else
		r->delim = fs_has_suffix(ins_name(in), ".tsv") ||
				   fs_has_suffix(ins_name(in), ".tsv.gz")
			   ? '\t'
			   : ',';
	if (r->delim == '"' || r->delim == '\n' || r->delim == '\r') {
		hh_status s = hh_fail(err, HH_EUSAGE,
				      "%s: delimiter cannot be a quote or a line break",
				      ins_name(in));
		csv_close(r);
		return s;
	}
	*out = r;
	return HH_OK;
oom:
	if (r) {
		free(r->buf);
		free(r->f);
		free(r);
	}
	{
		hh_status s = hh_fail(err, HH_EINTERNAL,
				      "%s: out of memory opening the CSV reader",
				      ins_name(in));
		ins_close(in);
		return s;
	}
}

static int grow_fields(csv_reader *r)
{
	size_t ncap = r->fcap * 2;
	hh_field *nf = realloc(r->f, ncap * sizeof *nf);

	if (!nf)
		return -1;
	r->f = nf;
	r->fcap = ncap;
	return 0;
}

enum { SPLIT_QUOTED = -1, SPLIT_OOM = -2 };

/* Splits the line a..end on d into r->f: the number of fields, or
 * SPLIT_QUOTED when the line holds a quote (the caller takes the quoted
 * path; r->f is then garbage), or SPLIT_OOM. */
static long split_plain(csv_reader *r, const char *a, const char *end, char d)
{
	size_t nf = 0;
	const char *fs = a; /* the current field's start */
#ifdef __SSE2__
	const __m128i vd = _mm_set1_epi8(d), vq = _mm_set1_epi8('"');
	for (const char *p = a; p < end; p += 16) {
		__m128i x = _mm_loadu_si128((const __m128i *)(const void *)p);
		unsigned md = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(x, vd));
		unsigned mq = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(x, vq));
		if (end - p < 16) {
			unsigned keep = (1u << (end - p)) - 1;
			md &= keep;
			mq &= keep;
		}
		if (mq)
			return SPLIT_QUOTED;
		for (; md; md &= md - 1) {
			const char *x_at = p + __builtin_ctz(md);
			if (nf == r->fcap && grow_fields(r) != 0)
				return SPLIT_OOM;
			r->f[nf].ptr = fs;
			r->f[nf].len = (uint32_t)(x_at - fs);
			nf++;
			fs = x_at + 1;
		}
	}
#else
	if (memchr(a, '"', (size_t)(end - a)))
		return SPLIT_QUOTED;
	for (const char *x; (x = memchr(fs, d, (size_t)(end - fs))) != NULL; fs = x + 1) {
		if (nf == r->fcap && grow_fields(r) != 0)
			return SPLIT_OOM;
		r->f[nf].ptr = fs;
		r->f[nf].len = (uint32_t)(x - fs);
		nf++;
	}
#endif
	if (nf == r->fcap && grow_fields(r) != 0)
		return SPLIT_OOM;
	r->f[nf].ptr = fs;
	r->f[nf].len = (uint32_t)(end - fs);
	return (long)nf + 1;
}

#define PUSH(ptr_, len_)                                         \
	do {                                                         \
		if (nf == r->fcap && grow_fields(r) != 0)                \
			return SCAN_OOM;                                     \
		r->f[nf].ptr = (ptr_);                                   \
		r->f[nf].len = (uint32_t)(len_);                         \
		nf++;                                                    \
	} while (0)

/*
 * The quoted path: parses the record starting at r->pos.  With commit = 0
 * nothing is written and SCAN_MORE means the record runs past the data
 * (*inq says whether inside a quoted field).  With commit = 1 the record
 * is known to be complete: fields are built and unescaped in place.
 * On SCAN_DONE: *endp = the position after the record and its line end,
 * *clen = the record's length without its line end, *nlp = LFs inside it.
 */
static int scan_quoted(csv_reader *r, int commit, size_t *endp, size_t *clen,
		       uint64_t *nlp, int *inq, size_t *nfp, int *malp)
{
	char *b = r->buf;
	const size_t s = r->pos, len = r->len;
	const int eof = r->eof;
	const char d = r->delim;
	size_t p = s, nf = 0;
	uint64_t nl = 0;
	int mal = 0;

	*inq = 0;
	for (;;) {
		if (p < len && b[p] == '"') {
			size_t cs = p + 1, q = cs, w = cs;

			for (;;) {
				char *c = memchr(b + q, '"', len - q);
				size_t qe = c ? (size_t)(c - b) : len;

				nl += count_lf(b + q, qe - q);
				if (commit && w != q)
					memmove(b + w, b + q, qe - q);
				w += qe - q;
				if (!c) {
					if (!eof) {
						*inq = 1;
						return SCAN_MORE;
					}
					mal = 1; /* quote still open at end */
					p = len;
					break;
				}
				if (qe + 1 == len && !eof)
					return SCAN_MORE;
				if (qe + 1 < len && b[qe + 1] == '"') {
					if (commit)
						b[w] = '"';
					w++;
					q = qe + 2;
					continue;
				}
				p = qe + 1; /* after the closing quote */
				break;
			}
			if (p < len && b[p] != d && b[p] != '\n') {
				if (b[p] == '\r' && p + 1 == len && !eof)
					return SCAN_MORE;
				if (!(b[p] == '\r' &&
				      (p + 1 == len || b[p + 1] == '\n'))) {
					/* text after the closing quote */
					size_t t = p, te;
					mal = 1;
					while (t < len && b[t] != d && b[t] != '\n')
						t++;
					if (t == len && !eof)
						return SCAN_MORE;
					te = t;
					if (te > p && b[te - 1] == '\r' &&
					    (te == len || b[te] == '\n'))
						te--;
					if (commit && w != p)
						memmove(b + w, b + p, te - p);
					w += te - p;
					p = te;
				}
			}
			PUSH(b + cs, w - cs);
		} else {
			size_t t = p, fe;

			while (t < len && b[t] != d && b[t] != '\n') {
				if (b[t] == '"')
					mal = 1;
				t++;
			}
			if (t == len && !eof)
				return SCAN_MORE;
			fe = t;
			if (fe > p && b[fe - 1] == '\r' &&
			    (fe == len || b[fe] == '\n'))
				fe--;
			PUSH(b + p, fe - p);
			p = fe;
		}
		/* at a delimiter, a line end, or the end of input */
		if (p < len && b[p] == d) {
			p++;
			continue;
		}
		*clen = p - s;
		if (p < len && b[p] == '\r')
			p++;
		if (p < len && b[p] == '\n')
			p++;
		*endp = p;
		*nlp = nl;
		*nfp = nf;
		*malp = mal;
		return SCAN_DONE;
	}
}

/* 1 when the record's text p[0..n) holds the stream's marker of an
 * unconvertible GB18030 sequence (0xFF, instream.h).  Looked for only
 * once the stream has put one out, so clean input costs nothing. */
static int has_marker(const csv_reader *r, const char *p, size_t n)
{
	return ins_bad_sequences(r->in) > 0 && memchr(p, 0xFF, n) != NULL;
}

/* Moves the unread tail to the front and fills the buffer from the
 * stream until it is full or the input ends. */
static hh_status refill(csv_reader *r, hh_err *err)
{
	if (r->pos > 0) {
		memmove(r->buf, r->buf + r->pos, r->len - r->pos);
		r->len -= r->pos;
		r->pos = 0;
	}
	while (r->len < r->cap && !r->eof) {
		size_t n;
		hh_status s = ins_read(r->in, r->buf + r->len, r->cap - r->len,
				       &n, err);
		if (s != HH_OK) {
			/* The stream delivers all text before a bad byte, so
			 * the error is on the line where the buffer ends. */
			uint64_t line = r->line + count_lf(r->buf, r->len);
			const char *src = ins_source(r->in);
			const char *name = ins_name(r->in);
			char pre[HH_ERR_MAX];
			size_t pl;

			if (!err)
				return s;
			if (src[0])
				snprintf(pre, sizeof pre, "%s: %s: ", src, name);
			else
				snprintf(pre, sizeof pre, "%s: ", name);
			pl = strlen(pre);
			if (strncmp(err->msg, pre, pl) == 0) {
				char rest[HH_ERR_MAX];
				memcpy(rest, err->msg + pl, sizeof rest - pl);
				rest[sizeof rest - pl - 1] = '\0';
				return hh_fail(err, s, "%sline %llu: %s", pre,
					       (unsigned long long)line, rest);
			}
			return hh_wrap(err, s, "%sline %llu", pre,
				       (unsigned long long)line);
		}
		if (n == 0)
			r->eof = 1;
		r->len += n;
	}
	return HH_OK;
}

static hh_status too_long(const csv_reader *r, hh_err *err, int inq)
{
	if (inq)
		return csv_fail(r, err, HH_EINPUT, r->line,
				"record longer than %zu bytes (a quoted field opened in it is not closed); is there a stray quote?",
				r->max_record);
	return csv_fail(r, err, HH_EINPUT, r->line,
			"record longer than %zu bytes (no line end found); is this a CSV file?",
			r->max_record);
}

hh_status csv_next(csv_reader *r, hh_record *rec, int *got, hh_err *err)
{
	*got = 0;
	for (;;) {
		char *b = r->buf;
		const size_t s = r->pos, len = r->len;
		char *nlp;
		size_t e, ce;
		long nplain;
		int inq = 0;

		if (s == len) {
			if (r->eof)
				return HH_OK;
			goto more;
		}
		nlp = memchr(b + s, '\n', len - s);
		if (!nlp && !r->eof) {
			/* Only when the buffer is full is it worth a scan, to
			 * say whether an open quote is what ran on. */
			if (s == 0 && len == r->cap && memchr(b, '"', len))
				goto more_or_quoted;
			goto more;
		}
		e = nlp ? (size_t)(nlp - b) : len;
		ce = e;
		if (ce > s && b[ce - 1] == '\r')
			ce--;
		if (ce == s) { /* blank line */
			r->pos = nlp ? e + 1 : len;
			r->line++;
			continue;
		}
		nplain = split_plain(r, b + s, b + ce, r->delim);
		if (nplain == SPLIT_OOM)
			goto oom;
		if (nplain != SPLIT_QUOTED) { /* fast path: no quote on the line */
			if (ce - s > r->max_record)
				return too_long(r, err, 0);
			rec->fields = r->f;
			rec->nfields = (size_t)nplain;
			rec->line = r->line;
			rec->malformed = 0;
			rec->bad_encoding = has_marker(r, b + s, ce - s);
			r->line++;
			r->pos = nlp ? e + 1 : len;
			*got = 1;
			return HH_OK;
		}
	more_or_quoted: {
		size_t end, clen, nf;
		uint64_t nl;
		int mal, rc;

		rc = scan_quoted(r, r->eof, &end, &clen, &nl, &inq, &nf, &mal);
		if (rc == SCAN_OOM)
			goto oom;
		if (rc == SCAN_MORE)
			goto more;
		if (!r->eof) {
			rc = scan_quoted(r, 1, &end, &clen, &nl, &inq, &nf,
					 &mal);
			if (rc != SCAN_DONE)
				goto oom; /* cannot be MORE: same data */
		}
		if (clen > r->max_record)
			return too_long(r, err, 0);
		rec->fields = r->f;
		rec->nfields = nf;
		rec->line = r->line;
		rec->malformed = mal;
		rec->bad_encoding = has_marker(r, b + s, end - s);
		r->line += 1 + nl;
		r->pos = end;
		*got = 1;
		return HH_OK;
	}
	more:
		if (r->pos == 0 && r->len == r->cap)
			return too_long(r, err, inq);
		{
			hh_status st = refill(r, err);
			if (st != HH_OK)
				return st;
		}
	}
oom:
	return csv_fail(r, err, HH_EINTERNAL, r->line,
			"out of memory for the fields of a record");
}

char csv_delimiter(const csv_reader *r) { return r->delim; }

hh_instream *csv_stream(csv_reader *r)
{
	return r->in;
}

void csv_close(csv_reader *r)
{
	if (!r)
		return;
	ins_close(r->in);
	free(r->buf);
	free(r->f);
	free(r);
}
