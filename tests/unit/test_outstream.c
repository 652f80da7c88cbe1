/*
 * test_outstream.c - connectors/outstream.c: plain, gzip and GB18030
 * output give the bytes written whatever the cut points, gzip streams are
 * reproducible and may hold several members, and errors (a missing
 * folder, a full disk, text that is not UTF-8) reach outstream_close.
 */
#include <criterion/criterion.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zlib.h>

#include "connectors/outstream.h"

#define TESTDIR_NAME "outstream"
#include "testdir.h"

TestSuite(outstream, .init = testdir_setup, .fini = testdir_teardown);

/* CSV-like text of n bytes (so deflate finds matches, as in real use). */
static char *sample(size_t n)
{
	char *b = malloc(n);
	cr_assert_not_null(b);
	uint64_t x = 88172645463325252ULL;
	size_t i = 0;
	while (i < n) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		int len = snprintf(b + i, n - i, "6401%014llu,%llu.%02u,active\n",
				   (unsigned long long)(x % 100000000000000ULL),
				   (unsigned long long)(x >> 40), (unsigned)(x % 100));
		if (len < 0 || (size_t)len >= n - i)
			break;
		i += (size_t)len;
	}
	memset(b + i, 'z', n - i);
	return b;
}

/* Inflates every member of a gzip file; *members counts them. */
static char *gunzip(const char *path, size_t *len, int *members)
{
	size_t n;
	char *z = read_bytes(path, &n);
	size_t cap = 1 << 20, o = 0;
	char *out = malloc(cap);
	z_stream zs = {0};
	cr_assert_eq(inflateInit2(&zs, 15 + 16), Z_OK);
	zs.next_in = (unsigned char *)z;
	zs.avail_in = (uInt)n;
	*members = 0;
	while (zs.avail_in) {
		if (o == cap)
			out = realloc(out, cap *= 2);
		zs.next_out = (unsigned char *)out + o;
		zs.avail_out = (uInt)(cap - o);
		int rc = inflate(&zs, Z_NO_FLUSH);
		o = cap - zs.avail_out;
		if (rc == Z_STREAM_END) {
			(*members)++;
			inflateReset(&zs);
		} else {
			cr_assert_eq(rc, Z_OK, "inflate %s: %d", path, rc);
		}
	}
	inflateEnd(&zs);
	free(z);
	*len = o;
	return out;
}

/* Writes data[0..n) to path in pieces of the given sizes (cycled). */
static hh_status write_cut(const char *path, const outstream_opts *o, const char *data,
			   size_t n, const size_t *cuts, int ncuts, hh_err *err)
{
	outstream *s;
	hh_status st = outstream_open(path, o, &s, err);
	if (st != HH_OK)
		return st;
	for (size_t i = 0, k = 0; i < n; k++) {
		size_t c = cuts[k % (size_t)ncuts];
		if (c > n - i)
			c = n - i;
		outstream_write(s, data + i, c);
		i += c;
	}
	return outstream_close(s, err);
}

Test(outstream, plain_bytes_whatever_the_cuts)
{
	size_t n = 3 * 256 * 1024 + 77;
	char *data = sample(n);
	static const size_t cuts[] = {1, 7, 4096, 300000, 13, 262144, 5};
	hh_err err = {{0}};
	cr_assert_eq(write_cut(tpath("a.csv"), NULL, data, n, cuts, 7, &err), HH_OK, "%s",
		     err.msg);
	size_t m;
	char *back = read_bytes(tpath("a.csv"), &m);
	cr_assert_eq(m, n);
	cr_expect_eq(memcmp(back, data, n), 0);
	free(back);
	free(data);
}

Test(outstream, gzip_same_bytes_for_any_cuts)
{
	size_t n = 2 * 1024 * 1024 + 12345;
	char *data = sample(n);
	outstream_opts o = {.gzip = 1};
	hh_err err = {{0}};
	static const size_t whole[] = {(size_t)-1};
	static const size_t small[] = {3, 1000, 1, 65536, 99};
	static const size_t large[] = {262144, 700000};
	cr_assert_eq(write_cut(tpath("a.gz"), &o, data, n, whole, 1, &err), HH_OK, "%s", err.msg);
	cr_assert_eq(write_cut(tpath("b.gz"), &o, data, n, small, 5, &err), HH_OK, "%s", err.msg);
	cr_assert_eq(write_cut(tpath("c.gz"), &o, data, n, large, 2, &err), HH_OK, "%s", err.msg);
	size_t na, nb, nc;
	char *a = read_bytes(tpath("a.gz"), &na);
	char *b = read_bytes(tpath("b.gz"), &nb);
	char *c = read_bytes(tpath("c.gz"), &nc);
	cr_expect(na == nb && !memcmp(a, b, na), "small cuts changed the gzip bytes");
	cr_expect(na == nc && !memcmp(a, c, na), "large cuts changed the gzip bytes");
	/* fixed header: deflate, no flags, no time, fast (xfl 4), Unix */
	static const unsigned char hdr[10] = {0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 4, 3};
	cr_expect_eq(memcmp(a, hdr, sizeof hdr), 0, "gzip header");
	size_t m;
	int members;
	char *back = gunzip(tpath("a.gz"), &m, &members);
	cr_expect_eq(members, 1);
	cr_assert_eq(m, n);
	cr_expect_eq(memcmp(back, data, n), 0);
	free(back);
	free(a);
	free(b);
	free(c);
	free(data);
}

Test(outstream, gzip_members)
{
	outstream_opts o = {.gzip = 1};
	hh_err err = {{0}};
	outstream *s;
	cr_assert_eq(outstream_open(tpath("m.gz"), &o, &s, &err), HH_OK, "%s", err.msg);
	outstream_write(s, "first,member\n", 13);
	outstream_end_member(s);
	outstream_write(s, "second\n", 7);
	cr_assert_eq(outstream_close(s, &err), HH_OK, "%s", err.msg);
	size_t m;
	int members;
	char *back = gunzip(tpath("m.gz"), &m, &members);
	cr_expect_eq(members, 2);
	cr_assert_eq(m, 20u);
	cr_expect_eq(memcmp(back, "first,member\nsecond\n", 20), 0);
	free(back);
}

Test(outstream, end_member_of_plain_is_nothing)
{
	hh_err err = {{0}};
	outstream *s;
	cr_assert_eq(outstream_open(tpath("p.csv"), NULL, &s, &err), HH_OK, "%s", err.msg);
	outstream_write(s, "a\n", 2);
	outstream_end_member(s);
	outstream_write(s, "b\n", 2);
	cr_assert_eq(outstream_close(s, &err), HH_OK, "%s", err.msg);
	size_t m;
	char *back = read_bytes(tpath("p.csv"), &m);
	cr_expect(m == 4 && !memcmp(back, "a\nb\n", 4));
	free(back);
}

Test(outstream, gb18030_cut_inside_characters)
{
	/* 中 D6D0, 文 CEC4, U+3000 A1A1, then ASCII */
	static const char utf8[] = "\xe4\xb8\xad\xe6\x96\x87\xe3\x80\x80,x\n";
	static const char gb[] = "\xd6\xd0\xce\xc4\xa1\xa1,x\n";
	outstream_opts o = {.gb18030 = 1};
	hh_err err = {{0}};
	static const size_t one[] = {1};
	cr_assert_eq(write_cut(tpath("g.tsv"), &o, utf8, sizeof utf8 - 1, one, 1, &err), HH_OK,
		     "%s", err.msg);
	size_t m;
	char *back = read_bytes(tpath("g.tsv"), &m);
	cr_assert_eq(m, sizeof gb - 1);
	cr_expect_eq(memcmp(back, gb, m), 0);
	free(back);
}

Test(outstream, gb18030_and_gzip_across_buffers)
{
	/* "中," repeated past one buffer, so a drain ends inside a character */
	size_t reps = 200000, n = reps * 4;
	char *data = malloc(n);
	for (size_t i = 0; i < reps; i++)
		memcpy(data + 4 * i, "\xe4\xb8\xad,", 4);
	outstream_opts o = {.gzip = 1, .gb18030 = 1};
	hh_err err = {{0}};
	static const size_t whole[] = {(size_t)-1};
	cr_assert_eq(write_cut(tpath("g.gz"), &o, data, n, whole, 1, &err), HH_OK, "%s", err.msg);
	size_t m;
	int members;
	char *back = gunzip(tpath("g.gz"), &m, &members);
	cr_assert_eq(m, reps * 3);
	for (size_t i = 0; i < reps; i++)
		if (memcmp(back + 3 * i, "\xd6\xd0,", 3))
			cr_assert_fail("character %zu converted wrongly", i);
	free(back);
	free(data);
}

Test(outstream, gb18030_rejects_text_that_is_not_utf8)
{
	outstream_opts o = {.gb18030 = 1};
	hh_err err = {{0}};
	static const size_t whole[] = {100};
	cr_expect_eq(write_cut(tpath("bad.tsv"), &o, "ok\xff\xfe\n", 5, whole, 1, &err),
		     HH_EINTERNAL);
	cr_expect_not_null(strstr(err.msg, "cannot write"), "%s", err.msg);
	cr_expect_not_null(strstr(err.msg, "bad.tsv"), "%s", err.msg);
	/* a text that stops inside a character */
	cr_expect_eq(write_cut(tpath("cut.tsv"), &o, "ok\xe4\xb8", 4, whole, 1, &err),
		     HH_EINTERNAL);
	cr_expect_not_null(strstr(err.msg, "cut.tsv"), "%s", err.msg);
}

Test(outstream, errors_name_the_file)
{
	hh_err err = {{0}};
	outstream *s = NULL;
	cr_expect_eq(outstream_open(tpath("no/such/folder.csv"), NULL, &s, &err), HH_EINTERNAL);
	cr_expect_not_null(strstr(err.msg, "cannot create"), "%s", err.msg);
	cr_expect_not_null(strstr(err.msg, "folder.csv"), "%s", err.msg);
	cr_expect_eq(outstream_close(NULL, &err), HH_OK);

	/* a full disk shows at close, with the path and the system's reason */
	if (access("/dev/full", W_OK) == 0) {
		cr_assert_eq(outstream_open("/dev/full", NULL, &s, &err), HH_OK, "%s", err.msg);
		char *data = sample(600000);
		outstream_write(s, data, 600000);
		outstream_write(s, "more\n", 5);
		free(data);
		cr_expect_eq(outstream_close(s, &err), HH_EINTERNAL);
		cr_expect_not_null(strstr(err.msg, "cannot write /dev/full"), "%s", err.msg);
	}
}

Test(outstream, mode_and_truncation)
{
	umask(022);
	write_bytes(tpath("t.csv"), "old text that is longer\n", 24);
	outstream_opts o = {.mode = 0640, .sync = 1};
	hh_err err = {{0}};
	static const size_t whole[] = {100};
	cr_assert_eq(write_cut(tpath("new.csv"), &o, "new\n", 4, whole, 1, &err), HH_OK, "%s",
		     err.msg);
	struct stat sb;
	cr_assert_eq(stat(tpath("new.csv"), &sb), 0);
	cr_expect_eq(sb.st_mode & 0777, 0640u);
	cr_assert_eq(write_cut(tpath("t.csv"), NULL, "new\n", 4, whole, 1, &err), HH_OK, "%s",
		     err.msg);
	size_t m;
	char *back = read_bytes(tpath("t.csv"), &m);
	cr_expect(m == 4 && !memcmp(back, "new\n", 4), "the old file is truncated");
	free(back);
	cr_assert_eq(stat(tpath("t.csv"), &sb), 0);
	cr_expect_eq(sb.st_mode & 0777, 0644u, "an existing file keeps its mode");
}
