/*
 * test_instream.c - connectors/instream.c: plain, gzip (single, multi-member,
 * truncated, corrupt), pull callbacks, BOM, UTF-8 / GB18030 detection and
 * conversion (including characters split across buffer and call
 * boundaries), SHA-256 of the raw bytes, progress counters and errors.
 *
 * Every test writes its inputs under a fresh mkdtemp directory that the
 * suite's fini removes.
 */
#include <criterion/criterion.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/sha.h>
#include <jansson.h>
#include <zlib.h>

#include "connectors/instream.h"

#define TESTDIR_NAME "instream"
#include "testdir.h"

TestSuite(instream, .init = testdir_setup, .fini = testdir_teardown);

/* Appends one gzip member holding b[0..n) to path. */
static void gz_append(const char *path, const void *b, size_t n)
{
	gzFile g = gzopen(path, "ab");
	cr_assert_not_null(g);
	if (n)
		cr_assert_eq(gzwrite(g, b, (unsigned)n), (int)n);
	cr_assert_eq(gzclose(g), Z_OK);
}

static void *slurp_file(const char *path, size_t *n)
{
	FILE *f = fopen(path, "rb");
	char *b;
	long sz;
	cr_assert_not_null(f);
	fseek(f, 0, SEEK_END);
	sz = ftell(f);
	fseek(f, 0, SEEK_SET);
	b = malloc((size_t)sz + 1);
	cr_assert_not_null(b);
	cr_assert_eq(fread(b, 1, (size_t)sz, f), (size_t)sz);
	fclose(f);
	*n = (size_t)sz;
	return b;
}

/* Reads the whole stream with reads of at most `chunk` bytes. */
static hh_status read_all(hh_instream *in, size_t chunk, char **out,
			  size_t *n, hh_err *err)
{
	size_t cap = 1 << 16, len = 0;
	char *b = malloc(cap);
	cr_assert_not_null(b);
	for (;;) {
		size_t got;
		hh_status s;
		if (cap - len < chunk) {
			cap = cap * 2 + chunk;
			b = realloc(b, cap);
			cr_assert_not_null(b);
		}
		s = ins_read(in, b + len, chunk, &got, err);
		if (s != HH_OK) {
			*out = b;
			*n = len;
			return s;
		}
		if (got == 0)
			break;
		cr_assert(got <= chunk);
		len += got;
	}
	*out = b;
	*n = len;
	return HH_OK;
}

static hh_instream *open_ok(const char *path, hh_encoding enc, int sha)
{
	ins_opts o = { .source = "medical", .encoding = enc, .want_sha256 = sha };
	hh_instream *in = NULL;
	hh_err e;
	hh_status s = ins_open_file(path, &o, &in, &e);
	cr_assert_eq(s, HH_OK, "open %s: %s", path, e.msg);
	return in;
}

static void expect_content(const char *path, hh_encoding enc,
			   const void *want, size_t wn)
{
	size_t chunks[] = { 1, 3, 4096, 1 << 20 };
	for (size_t i = 0; i < sizeof chunks / sizeof chunks[0]; i++) {
		hh_instream *in = open_ok(path, enc, 0);
		char *b;
		size_t n;
		hh_err e;
		hh_status s = read_all(in, chunks[i], &b, &n, &e);
		cr_assert_eq(s, HH_OK, "%s", e.msg);
		cr_assert_eq(n, wn, "chunk %zu: %zu bytes, want %zu", chunks[i],
			     n, wn);
		cr_assert(memcmp(b, want, wn) == 0, "chunk %zu: content differs",
			  chunks[i]);
		free(b);
		ins_close(in);
	}
}

/* Reads path whole with encoding enc and checks the encoding chosen. */
static void expect_chosen(const char *path, hh_encoding enc, hh_encoding chosen)
{
	hh_instream *in = open_ok(path, enc, 0);
	char *b;
	size_t n;
	hh_err e;
	cr_assert_eq(read_all(in, 4096, &b, &n, &e), HH_OK, "%s", e.msg);
	cr_assert_eq(ins_encoding(in), chosen);
	free(b);
	ins_close(in);
}

static void sha_hex(const void *b, size_t n, char hex[65])
{
	unsigned char d[32];
	SHA256(b, n, d);
	for (int i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", d[i]);
}

Test(instream, plain_file_bytes_and_counters)
{
	const char txt[] = "a,b\n1,2\n";
	const char *p = tpath("x.csv");
	hh_instream *in;
	char *b;
	size_t n;
	hh_err e;

	write_bytes(p, txt, sizeof txt - 1);
	expect_content(p, HH_ENC_AUTO, txt, sizeof txt - 1);
	in = open_ok(p, HH_ENC_AUTO, 0);
	cr_assert_str_eq(ins_name(in), p);
	cr_assert_str_eq(ins_source(in), "medical");
	cr_assert_eq(ins_raw_size(in), sizeof txt - 1);
	cr_assert_eq(ins_raw_offset(in), 0);
	cr_assert_eq(read_all(in, 100, &b, &n, &e), HH_OK);
	cr_assert_eq(ins_raw_offset(in), sizeof txt - 1);
	cr_assert_eq(ins_encoding(in), HH_ENC_UTF8);
	cr_assert_str_eq(ins_sha256_hex(in), "", "no digest unless asked");
	free(b);
	ins_close(in);
	ins_close(NULL);
}

Test(instream, empty_file)
{
	const char *p = tpath("empty.csv");
	write_bytes(p, "", 0);
	expect_content(p, HH_ENC_AUTO, "", 0);
}

Test(instream, utf8_bom_dropped)
{
	const char txt[] = "\xEF\xBB\xBF\xE5\xA7\x93\xE5\x90\x8D,x\n";
	const char *p = tpath("bom.csv");
	write_bytes(p, txt, sizeof txt - 1);
	expect_content(p, HH_ENC_AUTO, txt + 3, sizeof txt - 4);
	expect_content(p, HH_ENC_UTF8, txt + 3, sizeof txt - 4);
}

Test(instream, bom_only_file)
{
	const char *p = tpath("bomonly.csv");
	write_bytes(p, "\xEF\xBB\xBF", 3);
	expect_content(p, HH_ENC_AUTO, "", 0);
}

Test(instream, utf8_chinese_header_stays_utf8)
{
	const char txt[] = "\xE5\xA7\x93\xE5\x90\x8D,\xE8\xBA\xAB\n\xD0\xD5\n";
	const char *p = tpath("u.csv");

	write_bytes(p, txt, sizeof txt - 1);
	/* only the first line decides: later bytes pass through as they are */
	expect_content(p, HH_ENC_AUTO, txt, sizeof txt - 1);
	expect_chosen(p, HH_ENC_AUTO, HH_ENC_UTF8);
}

/* 姓名 in GB18030 is D0 D5 C3 FB; in UTF-8 E5 A7 93 E5 90 8D. */
Test(instream, gb18030_auto_detected)
{
	const char gb[] = "\xD0\xD5\xC3\xFB,id\n\xD5\xC5\xC8\xFD,1\n";
	const char u8[] = "\xE5\xA7\x93\xE5\x90\x8D,id\n"
			  "\xE5\xBC\xA0\xE4\xB8\x89,1\n"; /* 张三 */
	const char *p = tpath("gb.csv");

	write_bytes(p, gb, sizeof gb - 1);
	expect_content(p, HH_ENC_AUTO, u8, sizeof u8 - 1);
	expect_content(p, HH_ENC_GB18030, u8, sizeof u8 - 1);
	expect_chosen(p, HH_ENC_AUTO, HH_ENC_GB18030);
}

Test(instream, gb18030_explicit_with_ascii_first_line)
{
	/* The first line is ASCII, so AUTO would keep UTF-8; explicit
	 * GB18030 converts the rest. */
	const char gb[] = "name,id\n\xD0\xD5\xC3\xFB,1\n";
	const char u8[] = "name,id\n\xE5\xA7\x93\xE5\x90\x8D,1\n";
	const char *p = tpath("gb2.csv");
	write_bytes(p, gb, sizeof gb - 1);
	expect_content(p, HH_ENC_GB18030, u8, sizeof u8 - 1);
	expect_content(p, HH_ENC_AUTO, gb, sizeof gb - 1);
}

Test(instream, gb18030_bom_dropped)
{
	const char gb[] = "\x84\x31\x95\x33\xD0\xD5,1\n";
	const char u8[] = "\xE5\xA7\x93,1\n";
	const char *p = tpath("gbbom.csv");
	write_bytes(p, gb, sizeof gb - 1);
	expect_content(p, HH_ENC_GB18030, u8, sizeof u8 - 1);
	expect_content(p, HH_ENC_AUTO, u8, sizeof u8 - 1);
}

/* Many 2- and 4-byte characters at every alignment, past several 256 KiB
 * buffers, so characters are split at buffer ends (iconv EINVAL). */
static void build_gb(size_t reps, char **gbp, size_t *gbn, char **u8p,
		     size_t *u8n)
{
	/* unit: 姓 (D0D5) a U+0080 (81308130) 名 (C3FB) € (A2E3) U+1F600
	 * (9439FC36) bc\n -- 18 bytes in, 19 out, so buffer ends fall at
	 * every offset within a character over the run */
	static const char gu[] = "\xD0\xD5" "a" "\x81\x30\x81\x30" "\xC3\xFB"
				 "\xA2\xE3" "\x94\x39\xFC\x36" "bc\n";
	static const char uu[] = "\xE5\xA7\x93" "a" "\xC2\x80" "\xE5\x90\x8D"
				 "\xE2\x82\xAC" "\xF0\x9F\x98\x80" "bc\n";
	size_t gl = sizeof gu - 1, ul = sizeof uu - 1;
	char *g = malloc(reps * gl + 8), *u = malloc(reps * ul + 8);
	cr_assert(g && u);
	for (size_t i = 0; i < reps; i++) {
		memcpy(g + i * gl, gu, gl);
		memcpy(u + i * ul, uu, ul);
	}
	*gbp = g;
	*gbn = reps * gl;
	*u8p = u;
	*u8n = reps * ul;
}

Test(instream, gb18030_split_across_buffers)
{
	char *g, *u;
	size_t gn, un;
	const char *p = tpath("gbbig.csv");

	build_gb(50000, &g, &gn, &u, &un);
	cr_assert(gn > 3 * 256 * 1024);
	write_bytes(p, g, gn);
	expect_content(p, HH_ENC_AUTO, u, un);
	expect_content(p, HH_ENC_GB18030, u, un);
	free(g);
	free(u);
}

Test(instream, gb18030_gzip_split_across_buffers)
{
	char *g, *u;
	size_t gn, un;
	const char *p = tpath("gbbig.csv.gz");

	build_gb(50000, &g, &gn, &u, &un);
	gz_append(p, g, gn / 2);
	gz_append(p, g + gn / 2, gn - gn / 2); /* splits inside a character */
	expect_content(p, HH_ENC_AUTO, u, un);
	free(g);
	free(u);
}

struct pull_ctx {
	const char *data;
	size_t len, pos, step;
	int fail_at_end;
};

static hh_status pull_fn(void *vctx, char *buf, size_t cap, size_t *n,
			 hh_err *err)
{
	struct pull_ctx *c = vctx;
	size_t k = c->len - c->pos;
	if (k == 0 && c->fail_at_end)
		return hh_fail(err, HH_EINPUT, "pg: connection lost");
	if (k > c->step)
		k = c->step;
	if (k > cap)
		k = cap;
	memcpy(buf, c->data + c->pos, k);
	c->pos += k;
	*n = k;
	return HH_OK;
}

Test(instream, pull_one_byte_at_a_time_gb18030)
{
	char *g, *u, *b;
	size_t gn, un, n;
	struct pull_ctx c;
	ins_opts o = { .source = "hr", .encoding = HH_ENC_AUTO, .want_sha256 = 1 };
	hh_instream *in;
	hh_err e;
	char want[65];

	build_gb(3000, &g, &gn, &u, &un); /* short: byte at a time */
	c = (struct pull_ctx){ g, gn, 0, 1, 0 };
	cr_assert_eq(ins_open_pull(pull_fn, &c, "copy", &o, &in, &e), HH_OK);
	cr_assert_eq(read_all(in, 1, &b, &n, &e), HH_OK, "%s", e.msg);
	cr_assert_eq(n, un);
	cr_assert(memcmp(b, u, un) == 0);
	cr_assert_eq(ins_encoding(in), HH_ENC_GB18030);
	cr_assert_eq(ins_raw_offset(in), gn);
	cr_assert_eq(ins_raw_size(in), 0, "size unknown for a pull stream");
	sha_hex(g, gn, want);
	cr_assert_str_eq(ins_sha256_hex(in), want);
	cr_assert_str_eq(ins_name(in), "copy");
	free(b);
	ins_close(in);
	free(g);
	free(u);
}

Test(instream, pull_error_is_passed_on_and_sticky)
{
	struct pull_ctx c = { "a,b\n", 4, 0, 2, 1 };
	ins_opts o = { .source = "hr", .encoding = HH_ENC_UTF8, .want_sha256 = 0 };
	hh_instream *in;
	hh_err e;
	char *b;
	size_t n;
	char buf[8];

	cr_assert_eq(ins_open_pull(pull_fn, &c, "copy", &o, &in, &e), HH_OK);
	cr_assert_eq(read_all(in, 16, &b, &n, &e), HH_EINPUT);
	cr_assert_eq(n, 4, "the bytes before the failure arrive first");
	cr_assert(strstr(e.msg, "connection lost"));
	memset(&e, 0, sizeof e);
	cr_assert_eq(ins_read(in, buf, sizeof buf, &n, &e), HH_EINPUT);
	cr_assert(strstr(e.msg, "connection lost"), "sticky: %s", e.msg);
	free(b);
	ins_close(in);
}

Test(instream, gb18030_invalid_bytes_in_the_header_error)
{
	/* 0xFF is never GB18030; in the first line (the header) it fails
	 * the stream, after the text before it */
	const char gb[] = "\xD0\xD5\xC3\xFB,i\xFF" "d\n\xD0\xD5,1\n";
	const char good[] = "\xE5\xA7\x93\xE5\x90\x8D,i";
	const char *p = tpath("bad.csv");
	hh_instream *in;
	char *b;
	size_t n;
	hh_err e;

	write_bytes(p, gb, sizeof gb - 1);
	in = open_ok(p, HH_ENC_AUTO, 0);
	cr_assert_eq(read_all(in, 4096, &b, &n, &e), HH_EINPUT);
	cr_assert_eq(n, sizeof good - 1, "text before the bad byte arrives");
	cr_assert(memcmp(b, good, n) == 0);
	cr_assert(strncmp(e.msg, "medical: ", 9) == 0, "%s", e.msg);
	cr_assert(strstr(e.msg, p), "%s", e.msg);
	cr_assert(strstr(e.msg, "not valid GB18030 at byte 6") && !strstr(e.msg, "0xff"), "%s",
		  e.msg);
	cr_assert(strstr(e.msg, "GB18030 was assumed"), "hint: %s", e.msg);
	cr_assert_eq(ins_bad_sequences(in), 0);
	free(b);
	ins_close(in);

	in = open_ok(p, HH_ENC_GB18030, 0);
	cr_assert_eq(read_all(in, 1, &b, &n, &e), HH_EINPUT);
	cr_assert(strstr(e.msg, "not valid GB18030"), "%s", e.msg);
	cr_assert_null(strstr(e.msg, "assumed"), "explicit: no hint");
	free(b);
	ins_close(in);
}

/* Issue 14: sequences glibc's iconv cannot convert after the header each
 * come out as 0xFF and their own bytes, the text around them intact,
 * whatever the read size (1 and 3: the marker split across reads).  0x84 0x31 0xA5 0x30 is a
 * well-formed four-byte code past the last one that maps into the BMP
 * (0x84 0x31 0xA4 0x39 = U+FFFF) and below the supplementary planes
 * (0x90 0x30 0x81 0x30): unassigned, so iconv refuses it; 0xE3 0x32 0x9A
 * 0x36 is past U+10FFFF; 0x80 and 0xFF are single bytes no GB18030
 * character starts with; the last line ends inside a character. */
Test(instream, gb18030_unconvertible_sequences_become_markers)
{
	const char gb[] = "\xD0\xD5\xC3\xFB,id\n"
			  "a\x84\x31\xA5\x30" "b,1\n"
			  "\xD5\xC5,\x80\n"
			  "c\xFF,\xE3\x32\x9A\x36\n"
			  "\x84\x31\xA4\x39,\x90\x30\x81\x30\n"
			  "d,\x81\x30";
	const char want[] = "\xE5\xA7\x93\xE5\x90\x8D,id\n"
			    "a\xFF\x84\x31\xA5\x30" "b,1\n"
			    "\xE5\xBC\xA0,\xFF\x80\n"
			    "c\xFF\xFF,\xFF\xE3\x32\x9A\x36\n"
			    "\xEF\xBF\xBF,\xF0\x90\x80\x80\n"
			    "d,\xFF\x81\x30";
	const size_t chunks[] = {1, 3, 4096};
	const char *p = tpath("marks.csv");
	const char *pz = tpath("marks.csv.gz");

	write_bytes(p, gb, sizeof gb - 1);
	gz_append(pz, gb, sizeof gb - 1);
	for (size_t i = 0; i < sizeof chunks / sizeof *chunks; i++)
		for (int z = 0; z < 2; z++) {
			hh_instream *in = open_ok(z ? pz : p, HH_ENC_GB18030, 0);
			char *b;
			size_t n;
			hh_err e;
			cr_assert_eq(read_all(in, chunks[i], &b, &n, &e), HH_OK,
				     "read size %zu: %s", chunks[i], e.msg);
			cr_assert_eq(n, sizeof want - 1, "read size %zu: %zu bytes", chunks[i], n);
			cr_assert(memcmp(b, want, n) == 0, "read size %zu", chunks[i]);
			cr_assert_eq(ins_bad_sequences(in), 5, "read size %zu", chunks[i]);
			free(b);
			ins_close(in);
		}
}

Test(instream, gb18030_header_ending_inside_a_character_error)
{
	const char gb[] = "\xD0\xD5\x81\x30";
	const char *p = tpath("trunc.csv");
	hh_instream *in;
	char *b;
	size_t n;
	hh_err e;

	write_bytes(p, gb, sizeof gb - 1);
	in = open_ok(p, HH_ENC_GB18030, 0);
	cr_assert_eq(read_all(in, 4096, &b, &n, &e), HH_EINPUT);
	cr_assert(strstr(e.msg, "ends inside a multi-byte character"), "%s",
		  e.msg);
	cr_assert(strstr(e.msg, p));
	free(b);
	ins_close(in);
}

Test(instream, utf8_explicit_passes_bytes_through)
{
	const char txt[] = "\xD0\xD5\xC3\xFB,id\n";
	const char *p = tpath("raw.csv");
	write_bytes(p, txt, sizeof txt - 1);
	expect_content(p, HH_ENC_UTF8, txt, sizeof txt - 1);
}

Test(instream, auto_long_first_line_cut_inside_character)
{
	/* A first line longer than the 64 KiB looked at, with a UTF-8
	 * character straddling the cut: still UTF-8. */
	size_t n = 70000;
	char *t = malloc(n);
	const char *p = tpath("long.csv");
	cr_assert_not_null(t);
	memset(t, 'a', n);
	for (size_t i = 1; i + 3 < n; i += 3 * 7) { /* 姓 at odd offsets */
		t[i] = (char)0xE5;
		t[i + 1] = (char)0xA7;
		t[i + 2] = (char)0x93;
	}
	t[n - 1] = '\n';
	write_bytes(p, t, n);
	expect_content(p, HH_ENC_AUTO, t, n);
	free(t);
}

Test(instream, gzip_single_member)
{
	const char txt[] = "a,b\n1,2\n";
	const char *p = tpath("one.csv.gz");
	hh_instream *in;
	char *b;
	size_t n, rn;
	hh_err e;
	void *raw;

	gz_append(p, txt, sizeof txt - 1);
	expect_content(p, HH_ENC_AUTO, txt, sizeof txt - 1);
	raw = slurp_file(p, &rn);
	in = open_ok(p, HH_ENC_AUTO, 0);
	cr_assert_eq(ins_raw_size(in), rn);
	cr_assert_eq(read_all(in, 4096, &b, &n, &e), HH_OK);
	cr_assert_eq(ins_raw_offset(in), rn);
	free(b);
	free(raw);
	ins_close(in);
}

Test(instream, gzip_multi_member)
{
	const char *p = tpath("multi.csv.GZ");
	const char want[] = "\xE5\xA7\x93,b\n1,2\n3,4\n5,6\n";

	/* BOM + header in the first member, rows in later ones, an empty
	 * member in between (as bgzip writes at the end) */
	gz_append(p, "\xEF\xBB\xBF\xE5\xA7\x93,b\n", 9);
	gz_append(p, "1,2\n", 4);
	gz_append(p, "", 0);
	gz_append(p, "3,4\n5,", 6);
	gz_append(p, "6\n", 2);
	expect_content(p, HH_ENC_AUTO, want, sizeof want - 1);
}

Test(instream, gzip_multi_member_large_with_sha)
{
	/* several MB across many members, checked byte for byte */
	size_t n = 3 * 1000 * 1000, rn, got;
	char *t = malloc(n), *b;
	const char *p = tpath("large.tsv.gz");
	unsigned s = 7;
	hh_instream *in;
	hh_err e;
	char want[65];
	void *raw;

	cr_assert_not_null(t);
	for (size_t i = 0; i < n; i++) {
		s = s * 1103515245u + 12345u;
		t[i] = (char)('a' + (s >> 16) % 26);
		if ((s >> 8) % 40 == 0)
			t[i] = '\n';
	}
	for (size_t off = 0; off < n; off += 700001)
		gz_append(p, t + off, off + 700001 > n ? n - off : 700001);
	in = open_ok(p, HH_ENC_AUTO, 1);
	cr_assert_eq(read_all(in, 1 << 20, &b, &got, &e), HH_OK, "%s", e.msg);
	cr_assert_eq(got, n);
	cr_assert(memcmp(b, t, n) == 0);
	raw = slurp_file(p, &rn);
	sha_hex(raw, rn, want);
	cr_assert_str_eq(ins_sha256_hex(in), want,
			 "digest is of the raw (compressed) bytes");
	free(raw);
	free(b);
	free(t);
	ins_close(in);
}

Test(instream, gzip_trailing_zero_padding_ignored)
{
	const char *p = tpath("pad.csv.gz");
	static const char zeros[512];
	FILE *f;

	gz_append(p, "a\n", 2);
	f = fopen(p, "ab");
	cr_assert_not_null(f);
	fwrite(zeros, 1, sizeof zeros, f);
	fclose(f);
	expect_content(p, HH_ENC_AUTO, "a\n", 2);
}

static void expect_error(const char *path, const char *fragment)
{
	hh_instream *in = open_ok(path, HH_ENC_AUTO, 0);
	char *b;
	size_t n;
	hh_err e;
	char pre[600];

	cr_assert_eq(read_all(in, 4096, &b, &n, &e), HH_EINPUT,
		     "%s should fail", path);
	snprintf(pre, sizeof pre, "medical: %s: ", path);
	cr_assert(strncmp(e.msg, pre, strlen(pre)) == 0,
		  "message names source and file: %s", e.msg);
	cr_assert(strstr(e.msg, fragment), "want \"%s\" in: %s", fragment,
		  e.msg);
	free(b);
	ins_close(in);
}

Test(instream, gzip_truncated)
{
	const char *p = tpath("medical.csv.gz"), *q = tpath("cut.csv.gz");
	char txt[5000];
	size_t n;
	char *raw;

	for (size_t i = 0; i < sizeof txt; i++)
		txt[i] = (char)('0' + i % 10);
	gz_append(p, txt, sizeof txt);
	raw = slurp_file(p, &n);
	/* cut in the deflate data, and cut in the 8-byte trailer */
	write_bytes(q, raw, n / 2);
	expect_error(q, "gzip stream truncated (file ends inside a member)");
	write_bytes(q, raw, n - 3);
	expect_error(q, "gzip stream truncated (file ends inside a member)");
	/* and inside the header of a second member */
	{
		FILE *f = fopen(q, "wb");
		fwrite(raw, 1, n, f);
		fwrite(raw, 1, 15, f);
		fclose(f);
	}
	expect_error(q, "gzip stream truncated");
	free(raw);
}

Test(instream, gzip_random_bytes)
{
	const char *p = tpath("noise.csv.gz");
	unsigned char junk[4096];
	unsigned s = 99;
	for (size_t i = 0; i < sizeof junk; i++) {
		s = s * 1103515245u + 12345u;
		junk[i] = (unsigned char)(s >> 16);
	}
	junk[0] = 'x'; /* not the gzip magic */
	write_bytes(p, junk, sizeof junk);
	expect_error(p, "gzip stream corrupt");
}

Test(instream, gzip_corrupt_inside_member)
{
	const char *p = tpath("c.csv.gz");
	char txt[20000], *raw;
	size_t n;
	for (size_t i = 0; i < sizeof txt; i++)
		txt[i] = (char)('a' + (i * 7919) % 26);
	gz_append(p, txt, sizeof txt);
	raw = slurp_file(p, &n);
	for (size_t i = 20; i < n - 8; i += 3)
		raw[i] = (char)(raw[i] ^ 0x5a);
	write_bytes(p, raw, n);
	expect_error(p, "gzip stream corrupt");
	free(raw);
}

Test(instream, gzip_garbage_after_member)
{
	const char *p = tpath("g.csv.gz");
	FILE *f;
	gz_append(p, "a\n", 2);
	f = fopen(p, "ab");
	fputs("trailing text", f);
	fclose(f);
	expect_error(p, "gzip stream corrupt after member 1");
}

Test(instream, gzip_empty_file)
{
	const char *p = tpath("empty.csv.gz");
	write_bytes(p, "", 0);
	expect_error(p, "not a gzip stream");
}

Test(instream, plain_text_named_gz)
{
	const char *p = tpath("plain.csv.gz");
	write_bytes(p, "a,b\n1,2\n", 8);
	expect_error(p, "gzip stream corrupt");
}

Test(instream, sha256_known_answer)
{
	const char *p = tpath("abc.csv");
	hh_instream *in;
	char *b;
	size_t n;
	hh_err e;

	write_bytes(p, "abc", 3);
	in = open_ok(p, HH_ENC_AUTO, 1);
	cr_assert_str_eq(ins_sha256_hex(in), "", "not before the end");
	cr_assert_eq(read_all(in, 2, &b, &n, &e), HH_OK);
	cr_assert_str_eq(ins_sha256_hex(in),
			 "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	free(b);
	ins_close(in);

	/* the digest covers the raw bytes, BOM included */
	write_bytes(p, "\xEF\xBB\xBF" "abc", 6);
	in = open_ok(p, HH_ENC_AUTO, 1);
	cr_assert_eq(read_all(in, 4096, &b, &n, &e), HH_OK);
	cr_assert_eq(n, 3);
	{
		char want[65];
		sha_hex("\xEF\xBB\xBF" "abc", 6, want);
		cr_assert_str_eq(ins_sha256_hex(in), want);
	}
	free(b);
	ins_close(in);

	/* empty input */
	write_bytes(p, "", 0);
	in = open_ok(p, HH_ENC_AUTO, 1);
	cr_assert_eq(read_all(in, 4096, &b, &n, &e), HH_OK);
	cr_assert_str_eq(ins_sha256_hex(in),
			 "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	free(b);
	ins_close(in);
}

Test(instream, missing_file)
{
	ins_opts o = { .source = "housing", .encoding = HH_ENC_AUTO, .want_sha256 = 0 };
	hh_instream *in = (hh_instream *)1;
	hh_err e;
	const char *p = tpath("nope.csv");

	cr_assert_eq(ins_open_file(p, &o, &in, &e), HH_EINPUT);
	cr_assert_null(in);
	cr_assert(strncmp(e.msg, "housing: ", 9) == 0, "%s", e.msg);
	cr_assert(strstr(e.msg, p));
	cr_assert(strstr(e.msg, "cannot open: no such file or directory"),
		  "%s", e.msg);
}

Test(instream, directory_is_an_error)
{
	ins_opts o = { .source = "housing", .encoding = HH_ENC_AUTO, .want_sha256 = 0 };
	hh_instream *in;
	hh_err e;
	cr_assert_eq(ins_open_file(tdir, &o, &in, &e), HH_EINPUT);
	cr_assert(strstr(e.msg, "is a directory"), "%s", e.msg);
}

Test(instream, no_options_and_no_source)
{
	const char *p = tpath("n.csv");
	hh_instream *in;
	hh_err e;
	write_bytes(p, "x\n", 2);
	cr_assert_eq(ins_open_file(p, NULL, &in, &e), HH_OK);
	cr_assert_str_eq(ins_source(in), "");
	ins_close(in);
	cr_assert_eq(ins_open_file(tpath("none.csv"), NULL, &in, &e),
		     HH_EINPUT);
	cr_assert(strncmp(e.msg, tdir, strlen(tdir)) == 0,
		  "starts with the file when there is no source: %s", e.msg);
}

Test(instream, wrong_kinds_of_file_are_named)
{
	const char *p = tpath("w.csv");
	char *gz;
	size_t n;

	write_bytes(p, "\xFF\xFE" "a\x00" ",\x00", 6);
	expect_error(p, "the file is UTF-16");
	write_bytes(p, "PK\x03\x04\x14\x00", 6);
	expect_error(p, "zip archive");
	gz_append(tpath("real.gz"), "a,b\n", 4);
	gz = slurp_file(tpath("real.gz"), &n);
	write_bytes(p, gz, n);
	expect_error(p, "gzip-compressed but the name does not end in .gz");
	free(gz);
}

/* ---- gzip: one verdict whatever the inflate backend (issue 14) ----
 *
 * The build inflates with ISA-L or with zlib (HH_WITH_ISAL; the test
 * command builds both).  Every stream must get zlib's verdict in both:
 * each stream below is read by the reader under test and by zlib's own
 * inflate (zlib_gunzip, with the reader's member rules: members one after
 * another, zero padding after the last, anything else an error), and the
 * two must agree, with the same bytes when both accept.  The streams are
 * every vector of ../shared/conformance/gzip (copied under
 * $HH_TEST_DATA/conformance/gzip): Go's, GNU gzip's and tinf's members
 * as they are, tinf's raw deflate streams wrapped in a gzip member under
 * three trailers (zeros; the CRC-32 and length of what zlib inflates; of
 * what the reader inflates), so that a reader accepting a bad stream is
 * never saved by a wrong trailer; members with a reserved flag bit; and
 * multi-block streams zlib writes (flushes, fixed and stored blocks,
 * members) read in several read sizes. */

typedef struct {
	int ok;
	unsigned char *out;
	size_t n, cap;
	char msg[HH_ERR_MAX];
} gz_verdict;

static void gv_room(gz_verdict *v, size_t more)
{
	if (v->n + more <= v->cap)
		return;
	v->cap = (v->n + more) * 2;
	v->out = realloc(v->out, v->cap);
	cr_assert_not_null(v->out);
}

/* zlib's verdict on the gzip bytes b[0..n). */
static gz_verdict zlib_gunzip(const unsigned char *b, size_t n)
{
	gz_verdict v = { 0 };
	size_t pos = 0;
	unsigned members = 0;

	gv_room(&v, 1 << 16);
	if (n == 0) {
		snprintf(v.msg, sizeof v.msg, "empty");
		return v;
	}
	for (;;) {
		z_stream z = { 0 };
		int r;
		if (members > 0) {
			while (pos < n && b[pos] == 0)
				pos++;
			if (pos == n) {
				v.ok = 1;
				return v;
			}
		}
		cr_assert_eq(inflateInit2(&z, 15 + 16), Z_OK);
		z.next_in = (unsigned char *)b + pos;
		z.avail_in = (uInt)(n - pos);
		do {
			gv_room(&v, 1 << 16);
			z.next_out = v.out + v.n;
			z.avail_out = (uInt)(v.cap - v.n);
			r = inflate(&z, Z_NO_FLUSH);
			v.n = v.cap - z.avail_out;
		} while (r == Z_OK);
		if (r != Z_STREAM_END) {
			snprintf(v.msg, sizeof v.msg, "%s", z.msg ? z.msg : "truncated");
			inflateEnd(&z);
			return v;
		}
		pos = n - z.avail_in;
		inflateEnd(&z);
		members++;
		if (pos == n) {
			v.ok = 1;
			return v;
		}
	}
}

/* The reader's verdict on the same bytes, as a ".gz" file read `chunk`
 * bytes at a time; the bytes it gave before an error are kept. */
static gz_verdict reader_gunzip(const unsigned char *b, size_t n, size_t chunk)
{
	const char *p = tpath("v.gz");
	ins_opts o = { .source = "hr", .encoding = HH_ENC_UTF8 };
	gz_verdict v = { 0 };
	hh_instream *in;
	hh_err e;

	write_bytes(p, b, n);
	cr_assert_eq(ins_open_file(p, &o, &in, &e), HH_OK, "%s", e.msg);
	for (;;) {
		size_t got;
		gv_room(&v, chunk);
		if (ins_read(in, (char *)v.out + v.n, chunk, &got, &e) != HH_OK) {
			snprintf(v.msg, sizeof v.msg, "%s", e.msg);
			break;
		}
		if (got == 0) {
			v.ok = 1;
			break;
		}
		v.n += got;
	}
	ins_close(in);
	return v;
}

/* Reads b[0..n) both ways and asserts they agree; returns the reader's
 * verdict (the caller frees out). */
static gz_verdict judge(const char *what, const unsigned char *b, size_t n, size_t chunk)
{
	gz_verdict ref = zlib_gunzip(b, n), got = reader_gunzip(b, n, chunk);

	cr_assert_eq(got.ok, ref.ok, "%s: the reader %s (%s), zlib %s (%s)", what,
		     got.ok ? "accepts" : "refuses", got.msg, ref.ok ? "accepts" : "refuses",
		     ref.msg);
	if (ref.ok)
		cr_assert(got.n == ref.n && memcmp(got.out, ref.out, ref.n) == 0,
			  "%s: the reader gives %zu bytes, zlib %zu", what, got.n, ref.n);
	free(ref.out);
	return got;
}

static unsigned char *unhex(const char *h, size_t *n)
{
	size_t len = strlen(h);
	unsigned char *b = malloc(len / 2 + 1);
	cr_assert_not_null(b);
	for (size_t i = 0; i < len / 2; i++) {
		unsigned x;
		cr_assert_eq(sscanf(h + 2 * i, "%2x", &x), 1, "bad hex %s", h);
		b[i] = (unsigned char)x;
	}
	*n = len / 2;
	return b;
}

/* A gzip member (no name, no flags) around the raw deflate stream
 * raw[0..n), whose trailer says crc and len. */
static unsigned char *gz_wrap(const unsigned char *raw, size_t n, uint32_t crc, uint32_t len,
			      size_t *out_n)
{
	static const unsigned char hdr[10] = { 0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3 };
	unsigned char *b = malloc(n + 18);
	cr_assert_not_null(b);
	memcpy(b, hdr, 10);
	memcpy(b + 10, raw, n);
	for (int i = 0; i < 4; i++) {
		b[10 + n + i] = (unsigned char)(crc >> (8 * i));
		b[14 + n + i] = (unsigned char)(len >> (8 * i));
	}
	*out_n = n + 18;
	return b;
}

/* What zlib inflates from a raw deflate stream (up to its error). */
static gz_verdict zlib_raw(const unsigned char *raw, size_t n)
{
	gz_verdict v = { 0 };
	z_stream z = { 0 };
	int r;

	cr_assert_eq(inflateInit2(&z, -15), Z_OK);
	z.next_in = (unsigned char *)raw;
	z.avail_in = (uInt)n;
	do {
		gv_room(&v, 1 << 16);
		z.next_out = v.out + v.n;
		z.avail_out = (uInt)(v.cap - v.n);
		r = inflate(&z, Z_NO_FLUSH);
		v.n = v.cap - z.avail_out;
	} while (r == Z_OK);
	v.ok = r == Z_STREAM_END;
	inflateEnd(&z);
	return v;
}

static json_t *gzip_vectors(void)
{
	const char *base = getenv("HH_TEST_DATA");
	char p[1024];
	json_error_t je;
	json_t *doc;

	cr_assert(base && *base, "HH_TEST_DATA is not set (ctest sets it)");
	snprintf(p, sizeof p, "%s/conformance/gzip/vectors.json", base);
	doc = json_load_file(p, 0, &je);
	cr_assert_not_null(doc, "%s: %s", p, je.text);
	return doc;
}

static const char *jstr(json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));
	cr_assert_not_null(s, "no %s", k);
	return s;
}

Test(instream, gzip_vectors_get_zlibs_verdict)
{
	json_t *doc = gzip_vectors(), *v;
	const char *members[][2] = { { "go", "vectors" }, { "gnu", "vectors" }, { "tinf", "gzip" } };
	unsigned char *base;
	size_t basen, i, k, judged = 0;

	/* a complete member for the cases that follow one (GNU's
	 * after_base): tinf's one-byte member */
	base = unhex(jstr(json_array_get(json_object_get(json_object_get(doc, "tinf"), "gzip"), 3),
			  "hex"), &basen);
	for (k = 0; k < 3; k++)
		json_array_foreach(json_object_get(json_object_get(doc, members[k][0]),
						   members[k][1]), i, v) {
			size_t n;
			unsigned char *b = unhex(jstr(v, "hex"), &n);
			if (json_is_true(json_object_get(v, "after_base"))) {
				unsigned char *all = malloc(basen + n);
				cr_assert_not_null(all);
				memcpy(all, base, basen);
				memcpy(all + basen, b, n);
				free(b);
				b = all;
				n += basen;
			}
			free(judge(jstr(v, "name"), b, n, 4096).out);
			free(b);
			judged++;
		}
	{
		/* Go's truncated stream, and every prefix of it */
		size_t n;
		unsigned char *b = unhex(jstr(json_object_get(json_object_get(doc, "go"),
							      "truncated"), "hex"), &n);
		for (size_t len = 0; len <= n; len++, judged++)
			free(judge("TestTruncatedStreams prefix", b, len, 4096).out);
		free(b);
	}
	json_array_foreach(json_object_get(json_object_get(doc, "tinf"), "deflate"), i, v) {
		size_t n, gn;
		unsigned char *raw = unhex(jstr(v, "hex"), &n), *g;
		gz_verdict z = zlib_raw(raw, n), r;
		char what[300];

		snprintf(what, sizeof what, "%s (zero trailer)", jstr(v, "name"));
		g = gz_wrap(raw, n, 0, 0, &gn);
		r = judge(what, g, gn, 4096);
		free(g);
		snprintf(what, sizeof what, "%s (zlib's trailer)", jstr(v, "name"));
		g = gz_wrap(raw, n, (uint32_t)crc32(0, z.out, (uInt)z.n), (uint32_t)z.n, &gn);
		free(judge(what, g, gn, 4096).out);
		free(g);
		snprintf(what, sizeof what, "%s (the reader's trailer)", jstr(v, "name"));
		g = gz_wrap(raw, n, (uint32_t)crc32(0, r.out, (uInt)r.n), (uint32_t)r.n, &gn);
		free(judge(what, g, gn, 4096).out);
		free(g);
		free(r.out);
		free(z.out);
		free(raw);
		judged += 3;
	}
	cr_log_info("%zu gzip streams judged as zlib does", judged);
	cr_assert_geq(judged, 100);
	free(base);
	json_decref(doc);
}

/* The two streams ISA-L 2.30 inflated and zlib refuses, each under the
 * trailer of what ISA-L made of it (nothing; four bytes): refused in both
 * builds, in zlib's words. */
Test(instream, gzip_incomplete_codes_refused)
{
	static const struct {
		const char *hex, *why;
		uint32_t crc, len;
	} bad[] = {
		/* tinf: underfull code-length code (missing len 2 code) */
		{ "05ca810000000000207feb0000", "invalid code lengths set", 0, 0 },
		/* tinf: underfull distance code (missing len 2 code) */
		{ "0dce810000000080a0fda9bb091a", "invalid distances set", 0x2144df1c, 4 },
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		size_t n, gn;
		unsigned char *raw = unhex(bad[i].hex, &n);
		unsigned char *g = gz_wrap(raw, n, bad[i].crc, bad[i].len, &gn);
		gz_verdict r = judge(bad[i].hex, g, gn, 4096);
		cr_assert(!r.ok);
		cr_assert(strstr(r.msg, "hr: ") == r.msg && strstr(r.msg, "v.gz: gzip stream corrupt: ") &&
				  strstr(r.msg, bad[i].why),
			  "%s", r.msg);
		free(r.out);
		free(g);
		free(raw);
	}
}

/* A match reaching back before the member's start (tinf's fixed block
 * "reading one byte before start"), in the first member and after one
 * whose output it could wrongly reach: refused in both builds. */
Test(instream, gzip_lookback_before_the_member_refused)
{
	size_t n, gn, hn;
	unsigned char *raw = unhex("63004200", &n);
	unsigned char *hello = unhex("1f8b0808c858134a000368656c6c6f2e74787400cb48cdc9c95728cf2f"
				     "ca49e102002d3b08af0c000000", &hn);
	unsigned char *g = gz_wrap(raw, n, 0, 0, &gn);
	unsigned char *two = malloc(hn + gn);
	gz_verdict r;

	cr_assert_not_null(two);
	memcpy(two, hello, hn);
	memcpy(two + hn, g, gn);
	r = judge("one member", g, gn, 4096);
	cr_assert(!r.ok && strstr(r.msg, "invalid distance too far back"), "%s", r.msg);
	free(r.out);
	r = judge("after a member", two, hn + gn, 4096);
	cr_assert(!r.ok && strstr(r.msg, "after member 1: invalid distance too far back"), "%s",
		  r.msg);
	free(r.out);
	free(two);
	free(g);
	free(hello);
	free(raw);
}

static unsigned char *extract_like(size_t n);

/* A gzip member written by zlib with the header fields given (NULL:
 * none), FHCRC when hcrc, holding data[0..n). */
static unsigned char *gz_with_header(const unsigned char *data, size_t n, const char *name,
				     const char *comment, size_t extra_len, int hcrc,
				     size_t *out_n)
{
	size_t cap = n + extra_len + (name ? strlen(name) : 0) +
		     (comment ? strlen(comment) : 0) + 65536;
	unsigned char *out = malloc(cap), *extra = NULL;
	gz_header h = { 0 };
	z_stream z = { 0 };

	cr_assert_not_null(out);
	if (extra_len) {
		extra = malloc(extra_len);
		cr_assert_not_null(extra);
		memset(extra, 'x', extra_len);
	}
	h.extra = extra;
	h.extra_len = (uInt)extra_len;
	h.name = (Bytef *)name;
	h.comment = (Bytef *)comment;
	h.hcrc = hcrc;
	cr_assert_eq(deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY), Z_OK);
	cr_assert_eq(deflateSetHeader(&z, &h), Z_OK);
	z.next_in = (unsigned char *)data;
	z.avail_in = (uInt)n;
	z.next_out = out;
	z.avail_out = (uInt)cap;
	cr_assert_eq(deflate(&z, Z_FINISH), Z_STREAM_END);
	*out_n = cap - z.avail_out;
	deflateEnd(&z);
	free(extra);
	return out;
}

/* Headers longer than one read of the file (256 KiB): a 300 KB name,
 * then a member with a 64 KiB extra field, a name, a 270 KB comment and
 * a header CRC.  ISA-L's gzip mode forgot the flags and the header CRC
 * between two reads of one header (refused a good file); now read in
 * both builds, and a wrong header CRC refused in both. */
Test(instream, gzip_headers_longer_than_a_read)
{
	unsigned char *data = extract_like(50000);
	char *name = malloc(300001), *comment = malloc(270001);
	size_t n1, n2, i;
	unsigned char *m1, *m2, *both;
	gz_verdict r;

	cr_assert(name && comment);
	memset(name, 'n', 300000);
	name[300000] = '\0';
	memset(comment, 'c', 270000);
	comment[270000] = '\0';
	m1 = gz_with_header(data, 50000, name, NULL, 0, 0, &n1);
	m2 = gz_with_header(data, 50000, "m.csv", comment, 65535, 1, &n2);
	both = malloc(n1 + n2);
	cr_assert_not_null(both);
	memcpy(both, m1, n1);
	memcpy(both + n1, m2, n2);
	r = judge("long headers", both, n1 + n2, 65536);
	cr_assert(r.ok && r.n == 100000 && memcmp(r.out, data, 50000) == 0 &&
			  memcmp(r.out + 50000, data, 50000) == 0, "%s", r.msg);
	free(r.out);
	/* the header CRC sits just before the deflate data: after the
	 * comment's NUL */
	for (i = n1 + 10; both[i] != 'c'; i++)
		;
	while (both[i])
		i++;
	both[i + 1] ^= 0x55;
	r = judge("long headers, wrong header CRC", both, n1 + n2, 65536);
	cr_assert(!r.ok && strstr(r.msg, "after member 1: header crc mismatch"), "%s", r.msg);
	free(r.out);
	free(both);
	free(m1);
	free(m2);
	free(name);
	free(comment);
	free(data);
}

/* RFC 1952: FLG bits 5 to 7 are reserved and must be zero; zlib and GNU
 * gzip refuse a member with one set, and so must the reader, in either
 * build, in the first member and in a later one; a method other than 8
 * likewise. */
Test(instream, gzip_reserved_flags_refused)
{
	/* Go's hello.txt: FLG 0x08 (FNAME) */
	size_t n;
	unsigned char *b = unhex("1f8b0808c858134a000368656c6c6f2e74787400cb48cdc9c95728cf2fca49e1"
				 "02002d3b08af0c000000", &n);
	unsigned char *two = malloc(2 * n);
	cr_assert_not_null(two);
	free(judge("hello.txt", b, n, 4096).out);
	for (unsigned bit = 0x20; bit <= 0x80; bit <<= 1) {
		gz_verdict r;
		char what[64];
		snprintf(what, sizeof what, "FLG bit 0x%02x", bit);
		b[3] = (unsigned char)(0x08 | bit);
		r = judge(what, b, n, 4096);
		cr_assert(!r.ok && strstr(r.msg, "gzip stream corrupt: unknown header flags set"),
			  "%s: %s", what, r.msg);
		free(r.out);
		memcpy(two, b, n);
		two[3] = 0x08;
		memcpy(two + n, b, n);
		r = judge(what, two, 2 * n, 4096);
		cr_assert(!r.ok &&
				  strstr(r.msg, "corrupt after member 1: unknown header flags set"),
			  "%s, second member: %s", what, r.msg);
		free(r.out);
	}
	b[3] = 0x08;
	b[2] = 9;
	{
		gz_verdict r = judge("CM 9", b, n, 4096);
		cr_assert(!r.ok && strstr(r.msg, "unknown compression method"), "%s", r.msg);
		free(r.out);
	}
	free(two);
	free(b);
}

/* gzip bytes zlib writes for data[0..n): level, strategy, a flush every
 * `every` bytes of input (0: none), split into `members` members. */
static unsigned char *zlib_gzip(const unsigned char *data, size_t n, int level, int strategy,
				size_t every, int flush, int members, size_t *out_n)
{
	size_t cap = n + n / 2 + 4096 * (size_t)members + (every ? n / every * 16 : 0) + 65536;
	unsigned char *out = malloc(cap);
	size_t len = 0, per = n / (size_t)members + 1;

	cr_assert_not_null(out);
	for (size_t start = 0; start < n; start += per) {
		size_t end = start + per < n ? start + per : n;
		z_stream z = { 0 };
		cr_assert_eq(deflateInit2(&z, level, Z_DEFLATED, 15 + 16, 8, strategy), Z_OK);
		z.next_out = out + len;
		z.avail_out = (uInt)(cap - len);
		for (size_t p = start; p < end;) {
			size_t step = every && end - p > every ? every : end - p;
			z.next_in = (unsigned char *)data + p;
			z.avail_in = (uInt)step;
			p += step;
			cr_assert_eq(deflate(&z, p == end ? Z_FINISH : every ? flush : Z_NO_FLUSH),
				     p == end ? Z_STREAM_END : Z_OK);
		}
		len = cap - z.avail_out;
		deflateEnd(&z);
	}
	*out_n = len;
	return out;
}

/* Text that compresses like an extract: lines of numbers and words, with
 * matches near and far (up to the whole 32 KiB window back). */
static unsigned char *extract_like(size_t n)
{
	static const char *const words[] = { "640104", "employed", "低保", "2026-03-03",
					     "none", "户主", "12000", "active" };
	unsigned char *b = malloc(n);
	uint32_t x = 12345;
	size_t i = 0;

	cr_assert_not_null(b);
	while (i < n) {
		x = x * 1103515245u + 12345u;
		const char *w = words[(x >> 16) % 8];
		char num[16];
		int k = snprintf(num, sizeof num, "%u", (x >> 8) % 100000);
		for (const char *s = w; *s && i < n; s++)
			b[i++] = (unsigned char)*s;
		for (int j = 0; j < k && i < n; j++)
			b[i++] = (unsigned char)num[j];
		if (i < n)
			b[i++] = (x >> 12) % 5 ? ',' : '\n';
	}
	return b;
}

Test(instream, gzip_multi_block_streams_in_every_read_size)
{
	static const struct {
		const char *what;
		int level, strategy, flush, members;
		size_t every;
	} kinds[] = {
		{ "level 6", 6, Z_DEFAULT_STRATEGY, Z_NO_FLUSH, 1, 0 },
		{ "level 9, 3 members", 9, Z_DEFAULT_STRATEGY, Z_NO_FLUSH, 3, 0 },
		{ "sync flush every 1000 bytes", 6, Z_DEFAULT_STRATEGY, Z_SYNC_FLUSH, 1, 1000 },
		{ "full flush every 777 bytes", 6, Z_DEFAULT_STRATEGY, Z_FULL_FLUSH, 1, 777 },
		{ "block flush every 50 bytes", 1, Z_DEFAULT_STRATEGY, Z_BLOCK, 1, 50 },
		{ "fixed codes", 6, Z_FIXED, Z_NO_FLUSH, 1, 0 },
		{ "huffman only", 6, Z_HUFFMAN_ONLY, Z_NO_FLUSH, 1, 0 },
		{ "stored", 0, Z_DEFAULT_STRATEGY, Z_NO_FLUSH, 2, 0 },
	};
	const size_t big = 1u << 20, small = 100000;
	unsigned char *data = extract_like(big);

	for (size_t i = 0; i < sizeof kinds / sizeof *kinds; i++) {
		const size_t sizes[][2] = { { big, 1u << 20 }, { big, 4099 }, { small, 1 } };
		for (size_t j = 0; j < 3; j++) {
			size_t n, len = sizes[j][0], chunk = sizes[j][1];
			unsigned char *g = zlib_gzip(data, len, kinds[i].level, kinds[i].strategy,
						     kinds[i].every, kinds[i].flush,
						     kinds[i].members, &n);
			char what[128];
			snprintf(what, sizeof what, "%s, %zu bytes read %zu at a time", kinds[i].what,
				 len, chunk);
			gz_verdict r = judge(what, g, n, chunk);
			cr_assert(r.ok && r.n == len && memcmp(r.out, data, len) == 0, "%s", what);
			free(r.out);
			free(g);
		}
	}
	free(data);
}
