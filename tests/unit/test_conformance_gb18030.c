/*
 * test_conformance_gb18030.c - CPython's GB18030, GBK and GB2312 sample
 * texts and codec cases through hhmatch's GB18030 decoding
 * (connectors/instream.h; tests/data/conformance/gb18030; counts in
 * docs/conformance.md).
 *
 * The contract reads GB18030 and GBK (given, or detected when the header
 * is not UTF-8) and nothing narrower: every text is decoded as GB18030,
 * of which GBK and GB2312 are subsets.  A sample text must decode to its
 * UTF-8 twin when the encoding is given, when it is detected, and when
 * the bytes arrive one at a time (a character split across reads).  A
 * codec case must give what CPython's strict decoder of that codec gives:
 * the text, or an error (for hhmatch, the bytes refused: codec_decode).
 *
 * Every case where hhmatch differs is listed with the contract rule it
 * follows instead; anything else that differs fails, and so does a
 * listed case that agrees.
 */
#include <criterion/criterion.h>

#include "connectors/instream.h"

#include "conformance.h"

#define SUPERSET "the contract reads GB18030 (a superset): these bytes " \
	"are a valid GB18030 character outside the narrower codec, so they " \
	"decode"

static conf_diff diffs[] = {
	CONF_DIFF("codec", "gb2312 b'abc\\x81\\x81\\xc1\\xc4'", SUPERSET),
	CONF_DIFF("codec", "gb2312 b'\\xc1d'", SUPERSET),
	CONF_DIFF("codec", "gbk b'\\x834\\x831'", SUPERSET),
};
#define NDIFFS (sizeof diffs / sizeof diffs[0])

/* CPython's strict verdict on each byte string of codec_cases.json: the
 * UTF-8 text it decodes to, or NULL for an error.  codectests give
 * "strict" tuples their result; a byte string that appears only with
 * "replace" or "ignore" holds bytes those handlers replaced, so strict
 * decoding fails.  U+30FB's four bytes are codectests' own encoding of
 * it. */
static const struct {
	const char *name, *utf8;
} cpython[] = {
	{ "gb2312 b'abc\\x81\\x81\\xc1\\xc4'", NULL },
	{ "gb2312 b'abc\\xc8'", NULL },
	{ "gb2312 b'abc\\x81\\x81\\xc1\\xc4\\xc8'", NULL },
	{ "gb2312 b'\\xc1d'", NULL },
	{ "gbk b'abc\\x80\\x80\\xc1\\xc4'", NULL },
	{ "gbk b'abc\\x80\\x80\\xc1\\xc4\\xc8'", NULL },
	{ "gbk b'\\x834\\x831'", NULL },
	{ "gb18030 b'abc\\x849\\x849\\xc1\\xc4'", NULL },
	{ "gb18030 b'abc\\x842\\x80\\x80def'", NULL },
	{ "gb18030 b'abc\\x810\\x810def'", "abc\xc2\x80" "def" },
	{ "gb18030 b'abc\\x860\\x810def'", NULL },
	{ "gb18030 b'\\xff0\\x810'", NULL },
	{ "gb18030 b'\\x810\\xff0'", NULL },
	{ "gb18030 b'abc\\x819\\xff9\\xc1\\xc4'", NULL },
	{ "gb18030 b'abc\\xab6\\xff0def'", NULL },
	{ "gb18030 b'abc\\xbf8\\xff2\\xc1\\xc4'", NULL },
	{ "gb18030 b'\\x819\\xa79'", "\xe3\x83\xbb" },
};

typedef conf_decoded decoded;

static decoded decode_file(const char *rel, hh_encoding enc)
{
	ins_opts o = { .source = "conformance", .encoding = enc };
	hh_instream *in;
	hh_err err;

	cr_assert_eq(ins_open_file(conf_path(rel), &o, &in, &err), HH_OK, "%s",
		     err.msg);
	return conf_read_all(in, 1 << 12);
}

static decoded decode_bytes(const char *p, size_t n, size_t chunk,
			    hh_encoding enc)
{
	conf_mem m = { .p = p, .n = n, .chunk = chunk };
	ins_opts o = { .source = "conformance", .encoding = enc };
	hh_instream *in;
	hh_err err;

	cr_assert_eq(ins_open_pull(conf_pull, &m, "case.csv", &o, &in, &err), HH_OK,
		     "%s", err.msg);
	return conf_read_all(in, 1 << 12);
}

static int same_text(const decoded *d, const char *want, size_t n)
{
	return d->ok && d->n == n && memcmp(d->out, want, n) == 0;
}

/* gb18030.txt, gbk.txt, gb2312.txt against their -utf8.txt twins. */
Test(conformance_gb18030, sample_texts)
{
	static const char *const names[] = { "gb18030", "gbk", "gb2312" };
	conf_tally t = { .corpus = "texts" };

	for (size_t k = 0; k < sizeof names / sizeof names[0]; k++) {
		char rel[64], relu[64];
		size_t n, un;
		snprintf(rel, sizeof rel, "gb18030/%s.txt", names[k]);
		snprintf(relu, sizeof relu, "gb18030/%s-utf8.txt", names[k]);
		char *raw = conf_slurp(rel, &n), *want = conf_slurp(relu, &un);
		decoded given = decode_file(rel, HH_ENC_GB18030);
		decoded sniffed = decode_file(rel, HH_ENC_AUTO);
		decoded bytewise = decode_bytes(raw, n, 1, HH_ENC_GB18030);
		char detail[3 * HH_ERR_MAX + 64];

		snprintf(detail, sizeof detail, "given: %s, detected: %s, byte by byte: %s",
			 !given.ok ? given.err.msg : same_text(&given, want, un) ? "same" : "other text",
			 !sniffed.ok ? sniffed.err.msg : same_text(&sniffed, want, un) ? "same" : "other text",
			 !bytewise.ok ? bytewise.err.msg : same_text(&bytewise, want, un) ? "same" : "other text");
		conf_verdict(diffs, NDIFFS, &t, names[k],
			     same_text(&given, want, un) && same_text(&sniffed, want, un) &&
				     same_text(&bytewise, want, un),
			     detail);
		free(given.out);
		free(sniffed.out);
		free(bytewise.out);
		free(raw);
		free(want);
	}
	conf_finish(diffs, NDIFFS, &t, 3);
}

/*
 * A codec case's verdict in one of two places: alone (the first line,
 * where a source's header is: a bad byte there refuses the source), or
 * as a data row after the header line "h" (where a bad byte may instead
 * come out as the marker byte 0xFF, which UTF-8 never holds, so the row
 * is rejected alone).  Either way is a refusal.  Whole and byte by byte
 * must agree.  ok: decoded, with the row's text in *text.
 */
static int codec_decode(const unsigned char *b, size_t n, int as_row,
			const char *name, decoded *text)
{
	size_t len = n + (as_row ? 3 : 0), pre = as_row ? 2 : 0;
	char *in = malloc(len + 1);

	cr_assert_not_null(in);
	memcpy(in, "h\n", pre);
	memcpy(in + pre, b, n);
	if (as_row)
		in[len - 1] = '\n';
	decoded whole = decode_bytes(in, len, len ? len : 1, HH_ENC_GB18030);
	decoded one = decode_bytes(in, len, 1, HH_ENC_GB18030);
	cr_expect(whole.ok == one.ok && (!whole.ok || (whole.n == one.n &&
		  memcmp(whole.out, one.out, one.n) == 0)),
		  "codec: %s: byte by byte gives another result", name);
	free(one.out);
	free(in);
	if (whole.ok && memchr(whole.out, 0xFF, whole.n))
		whole.ok = 0;
	if (whole.ok && as_row) {
		cr_assert(whole.n >= 3 && !memcmp(whole.out, "h\n", 2) &&
			  whole.out[whole.n - 1] == '\n', "codec: %s: row lost", name);
		memmove(whole.out, whole.out + 2, whole.n - 3);
		whole.n -= 3;
	}
	*text = whole;
	return whole.ok;
}

/* codec_cases.json: each byte string decoded as GB18030 against
 * CPython's strict verdict, as a header and as a data row. */
Test(conformance_gb18030, codec_cases)
{
	json_t *doc = conf_json("gb18030/codec_cases.json");
	conf_tally t = { .corpus = "codec" };
	size_t i, nexp = sizeof cpython / sizeof cpython[0];
	json_t *c;

	json_array_foreach(json_object_get(doc, "cases"), i, c) {
		const char *name = hj_str(c, "name");
		size_t n, k;
		unsigned char *b = conf_unhex(hj_str(c, "hex"), &n);

		for (k = 0; k < nexp && strcmp(cpython[k].name, name); k++)
			;
		cr_assert(k < nexp, "codec: %s: no CPython verdict in the test", name);
		const char *want = cpython[k].utf8;
		decoded head, row;
		codec_decode(b, n, 0, name, &head);
		codec_decode(b, n, 1, name, &row);
		int agree = want ? same_text(&head, want, strlen(want)) &&
					   same_text(&row, want, strlen(want))
				 : !head.ok && !row.ok;
		char detail[64];
		snprintf(detail, sizeof detail, "as header: %s, as row: %s; CPython: %s",
			 head.ok ? "decoded" : "refused", row.ok ? "decoded" : "refused",
			 want ? "decodes" : "error");
		conf_verdict(diffs, NDIFFS, &t, name, agree, detail);
		free(head.out);
		free(row.out);
		free(b);
	}
	conf_finish(diffs, NDIFFS, &t, (unsigned)nexp);
	json_decref(doc);
}
