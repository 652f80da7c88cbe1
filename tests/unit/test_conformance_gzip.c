/*
 * test_conformance_gzip.c - other projects' gzip and deflate test streams
 * through hhmatch's gzip reader (connectors/instream.h on a ".gz" file),
 * in whichever inflate backend the build has (ISA-L or zlib; CI builds
 * both): Go compress/gzip's gunzip table and truncated stream, GNU gzip's
 * test inputs, tinf's gzip members and deflate streams, and files written
 * by gzip, pigz and bgzip (tests/data/conformance/gzip; counts in
 * docs/conformance.md).
 *
 * Each case is decoded or refused.  The expected verdict is the source
 * project's (its note); a decoded case must also give the right bytes:
 * base_large.csv for the tools' files, and otherwise what zlib's own
 * inflate makes of the stream (an independent decoder; the CRC-32 in
 * every gzip trailer checks it too).  tinf's deflate streams are raw
 * deflate, so each is wrapped in a gzip member whose trailer is the
 * CRC-32 and length of what zlib inflates from it (of what it inflated
 * before its error, for a stream zlib refuses), so that a reader accepting
 * a bad stream is not saved by a wrong trailer.
 *
 * Every case where hhmatch differs is listed with the contract rule it
 * follows instead; anything else that differs fails, and so does a
 * listed case that agrees.
 */
#include <criterion/criterion.h>

#include <zlib.h>

#include "connectors/instream.h"

#include "conformance.h"

#define TESTDIR_NAME "conf_gzip"
#include "testdir.h"

TestSuite(conformance_gzip, .init = testdir_setup, .fini = testdir_teardown);

#define TINF_BUFFER "a valid stream: tinf's error is its test's fixed-size " \
	"output buffer being full, not the stream (zlib and gzip decode it)"

static conf_diff diffs[] = {
	CONF_DIFF("gnu", "helin-segv (.Z compress data)", "the contract's "
		  "compression is gzip: a compress (.Z, LZW) stream is refused, "
		  "not being a gzip member (GNU gzip also reads .Z)"),
	CONF_DIFF("gnu", "mixed: plain text after a member", "a .gz source is "
		  "gzip only: bytes after the last member that are neither a "
		  "member nor NUL padding are corruption (gzip -d without -f "
		  "says so too; GNU's test passes them through with -f)"),
	CONF_DIFF("tinf", "inflate_errors: Uncompressed block writing one past end",
		  TINF_BUFFER),
	CONF_DIFF("tinf", "inflate_errors: Static literal writing one byte past end",
		  TINF_BUFFER),
	CONF_DIFF("tinf", "inflate_errors: Static match writing one byte past end",
		  TINF_BUFFER),
};
#define NDIFFS (sizeof diffs / sizeof diffs[0])

typedef conf_decoded decoded;

static void decoded_free(decoded *d)
{
	free(d->out);
	d->out = NULL;
}

/* Everything hhmatch's reader makes of the file at path. */
static decoded hh_decode(const char *path)
{
	ins_opts o = { .source = "conformance", .encoding = HH_ENC_UTF8 };
	hh_instream *in;
	decoded d = { .ok = 0 };

	if (ins_open_file(path, &o, &in, &d.err) != HH_OK)
		return d;
	return conf_read_all(in, 1 << 16);
}

static decoded hh_decode_bytes(const unsigned char *b, size_t n)
{
	const char *p = tpath("case.gz");
	write_bytes(p, b, n);
	return hh_decode(p);
}

/* zlib's inflate over b[0..n) with windowBits wb (-15 raw, 31 gzip), every
 * member in turn for gzip.  ok = the whole input decoded; out holds what
 * was made either way. */
static decoded zlib_decode(const unsigned char *b, size_t n, int wb)
{
	decoded d = { .ok = 0 };
	size_t cap = 1 << 16, off = 0;

	d.out = malloc(cap);
	cr_assert_not_null(d.out);
	do {
		z_stream z = { 0 };
		int ret;
		cr_assert_eq(inflateInit2(&z, wb), Z_OK);
		z.next_in = (unsigned char *)(uintptr_t)(b + off);
		z.avail_in = (uInt)(n - off);
		do {
			if (d.n == cap) {
				cap *= 2;
				d.out = realloc(d.out, cap);
				cr_assert_not_null(d.out);
			}
			z.next_out = (unsigned char *)d.out + d.n;
			z.avail_out = (uInt)(cap - d.n);
			ret = inflate(&z, Z_NO_FLUSH);
			d.n = cap - z.avail_out;
		} while (ret == Z_OK || (ret == Z_BUF_ERROR && z.avail_out == 0));
		off = n - z.avail_in;
		inflateEnd(&z);
		if (ret != Z_STREAM_END)
			return d;
	} while (wb > 0 && off < n);
	d.ok = off == n || wb < 0;
	return d;
}

/* One case: expected verdict and (when it decodes) bytes, against
 * hhmatch's reader on the file at path. */
static void judge(conf_tally *t, const char *name, const char *path,
		  int want_ok, const char *want, size_t want_n)
{
	decoded d = hh_decode(path);
	int agree = d.ok == want_ok &&
		    (!d.ok || (d.n == want_n && memcmp(d.out, want, want_n) == 0));
	char detail[HH_ERR_MAX + 128];

	if (d.ok)
		snprintf(detail, sizeof detail, "decoded %zu bytes%s, expected %s",
			 d.n, want_ok ? " (other bytes)" : "", want_ok ? "them" : "an error");
	else
		snprintf(detail, sizeof detail, "refused (%s), expected %s", d.err.msg,
			 want_ok ? "it decoded" : "an error");
	conf_verdict(diffs, NDIFFS, t, name, agree, detail);
	decoded_free(&d);
}

static void judge_bytes(conf_tally *t, const char *name,
			const unsigned char *b, size_t n, int want_ok,
			const char *want, size_t want_n)
{
	write_bytes(tpath("case.gz"), b, n);
	judge(t, name, tpath("case.gz"), want_ok, want, want_n);
}

/* A verdict from a note; every note must say one way or the other. */
static int note_says_ok(const char *corpus, const char *name, const char *note)
{
	static const char *const ok[] = { "must succeed", "expects success",
					  "huffman block", "concatenation",
					  "length-distance pairs",
					  "decodes it as .Z", "passes it through" };
	static const char *const bad[] = { "must fail", "expects an error",
					   "Go expects" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		if (strstr(note, bad[i]))
			return 0;
	for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++)
		if (strstr(note, ok[i]))
			return 1;
	cr_assert_fail("%s: %s: note gives no verdict: %s", corpus, name, note);
	return 0;
}

/* Go's gunzipTests and TestTruncatedStreams; GNU gzip's inputs (a case
 * "after_base" is appended to a complete member: Go's hello.txt). */
static void run_vectors(const char *corpus, unsigned want)
{
	json_t *doc = conf_json("gzip/vectors.json");
	json_t *go = json_object_get(doc, "go");
	conf_tally t = { .corpus = corpus };
	size_t i, basen = 0;
	json_t *v;
	unsigned char *base = NULL;

	json_array_foreach(json_object_get(go, "vectors"), i, v)
		if (!strcmp(hj_str(v, "name"), "hello.txt"))
			base = conf_unhex(hj_str(v, "hex"), &basen);
	cr_assert_not_null(base);

	json_array_foreach(json_object_get(json_object_get(doc, corpus), "vectors"), i, v) {
		const char *name = hj_str(v, "name");
		size_t n;
		unsigned char *b = conf_unhex(hj_str(v, "hex"), &n);
		int ok = note_says_ok(corpus, name, hj_str(v, "note"));
		int after = json_is_true(json_object_get(v, "after_base"));
		decoded ref = zlib_decode(b, n, 31);
		if (after) {
			/* what GNU gzip gives: the member's text, then the
			 * bytes after it with its NUL padding dropped (it
			 * copies other bytes through with -f) */
			decoded_free(&ref);
			ref = zlib_decode(base, basen, 31);
			cr_assert(ref.n + n <= 1 << 16); /* zlib_decode's buffer */
			for (size_t k = 0; k < n; k++)
				if (b[k])
					ref.out[ref.n++] = (char)b[k];
			unsigned char *all = malloc(basen + n + 1);
			cr_assert_not_null(all);
			memcpy(all, base, basen);
			memcpy(all + basen, b, n);
			free(b);
			b = all;
			n += basen;
		}
		if (ok && !ref.ok) {
			/* GNU gzip reads .Z: helin-segv.sh expects two NULs */
			cr_assert(strstr(name, ".Z") != NULL, "%s: zlib refuses %s", corpus, name);
			memcpy(ref.out, "\0\0", 2);
			ref.n = 2;
		}
		judge_bytes(&t, name, b, n, ok, ref.out, ref.n);
		decoded_free(&ref);
		free(b);
	}

	if (!strcmp(corpus, "go")) {
		/* every proper prefix refused, the whole stream decoded */
		json_t *tr = json_object_get(go, "truncated");
		size_t n;
		unsigned char *b = conf_unhex(hj_str(tr, "hex"), &n);
		decoded ref = zlib_decode(b, n, 31), whole;
		size_t bad = n;
		cr_assert(ref.ok);
		for (size_t k = 0; k < n && bad == n; k++) {
			decoded d = hh_decode_bytes(b, k);
			if (d.ok)
				bad = k;
			decoded_free(&d);
		}
		whole = hh_decode_bytes(b, n);
		char detail[HH_ERR_MAX + 128];
		snprintf(detail, sizeof detail, "%s%zu", bad < n ?
			 "decoded a prefix of length " : "refused the whole stream: ",
			 bad < n ? bad : n);
		conf_verdict(diffs, NDIFFS, &t, "TestTruncatedStreams",
			     bad == n && whole.ok && whole.n == ref.n &&
				     memcmp(whole.out, ref.out, ref.n) == 0,
			     whole.ok ? detail : whole.err.msg);
		decoded_free(&whole);
		decoded_free(&ref);
		free(b);
	}
	conf_finish(diffs, NDIFFS, &t, want);
	free(base);
	json_decref(doc);
}

Test(conformance_gzip, go)
{
	run_vectors("go", 10);
}

Test(conformance_gzip, gnu)
{
	run_vectors("gnu", 7);
}

static void le32(unsigned char *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

/* tinf: its gzip members as they are; its deflate streams each wrapped
 * in a gzip member (header without options, zlib's CRC-32 and length). */
Test(conformance_gzip, tinf)
{
	json_t *doc = conf_json("gzip/vectors.json");
	json_t *tinf = json_object_get(doc, "tinf");
	conf_tally t = { .corpus = "tinf" };
	size_t i;
	json_t *v;

	json_array_foreach(json_object_get(tinf, "gzip"), i, v) {
		size_t n;
		unsigned char *b = conf_unhex(hj_str(v, "hex"), &n);
		decoded ref = zlib_decode(b, n, 31);
		cr_expect(ref.ok, "tinf: zlib refuses %s", hj_str(v, "name"));
		judge_bytes(&t, hj_str(v, "name"), b, n, 1, ref.out, ref.n);
		decoded_free(&ref);
		free(b);
	}
	json_array_foreach(json_object_get(tinf, "deflate"), i, v) {
		const char *name = hj_str(v, "name");
		size_t n;
		unsigned char *raw = conf_unhex(hj_str(v, "hex"), &n);
		decoded ref = zlib_decode(raw, n, -15);
		static const unsigned char hdr[10] = { 0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3 };
		unsigned char *b = malloc(n + 18);
		cr_assert_not_null(b);
		memcpy(b, hdr, 10);
		memcpy(b + 10, raw, n);
		le32(b + 10 + n, (uint32_t)crc32(0, (const unsigned char *)ref.out,
						 (uInt)ref.n));
		le32(b + 14 + n, (uint32_t)ref.n);
		judge_bytes(&t, name, b, n + 18,
			    note_says_ok("tinf", name, hj_str(v, "note")), ref.out, ref.n);
		decoded_free(&ref);
		free(b);
		free(raw);
	}
	conf_finish(diffs, NDIFFS, &t, 48);
	json_decref(doc);
}

/* Files written by gzip 1.12, pigz 2.6 and bgzip 1.16 from base_large.csv:
 * each decodes to it, except pigz -z's zlib stream, which GNU gzip
 * refuses (not gzip). */
Test(conformance_gzip, tools)
{
	static const char *const names[] = {
		"bgzip-level0.gz", "bgzip-level9.gz", "bgzip.gz", "gzip-1.gz",
		"gzip-9.gz", "gzip-cat-two-files.gz", "gzip-n.gz",
		"gzip-with-name.gz", "pigz-b32.gz", "pigz-independent-b32.gz",
		"pigz-zlib-format.gz", "pigz.gz",
	};
	conf_tally t = { .corpus = "tools" };
	size_t n;
	char *want = conf_slurp("gzip/base_large.csv", &n);

	for (size_t k = 0; k < sizeof names / sizeof names[0]; k++) {
		char rel[128];
		snprintf(rel, sizeof rel, "gzip/tools/%s", names[k]);
		judge(&t, names[k], conf_path(rel), strstr(names[k], "zlib") == NULL,
		      want, n);
	}
	conf_finish(diffs, NDIFFS, &t, 12);
	free(want);
}
