/*
 * test_zipw.c - connectors/zipw.c: archives read back by a zip reader
 * written here on zlib's inflate (every header field, the local headers
 * against the central directory), by Python's zipfile (testzip) and by
 * `unzip -t` where they are installed; entries, CRC-32s, names, dates,
 * an empty entry, entries larger than the writer's buffers, the same
 * bytes whatever the cut points, entries deflated ahead in memory writers
 * giving the same archive as written in place, and failures (a missing
 * folder, a folder as the target, a full disk, a memory writer misused)
 * reported as errors naming the file.
 */
#include <criterion/criterion.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "connectors/zipw.h"

#define TESTDIR_NAME "zipw"
#include "testdir.h"

TestSuite(zipw, .init = testdir_setup, .fini = testdir_teardown);

static unsigned rd16(const unsigned char *p)
{
	return p[0] | (unsigned)p[1] << 8;
}

static uint32_t rd32(const unsigned char *p)
{
	return rd16(p) | (uint32_t)rd16(p + 2) << 16;
}

typedef struct {
	char name[256];
	unsigned flags;
	uint32_t crc, csize, usize;
	unsigned char *data; /* inflated, malloc'ed */
} entry;

/* Raw-inflates n bytes at z into a new buffer of exactly want bytes. */
static unsigned char *inflate_all(const unsigned char *z, size_t n, size_t want)
{
	unsigned char *out = malloc(want + 1);
	cr_assert_not_null(out);
	z_stream zs = {0};
	cr_assert_eq(inflateInit2(&zs, -15), Z_OK);
	zs.next_in = (unsigned char *)z;
	zs.avail_in = (uInt)n;
	zs.next_out = out;
	zs.avail_out = (uInt)want + 1;
	cr_assert_eq(inflate(&zs, Z_FINISH), Z_STREAM_END, "the deflate stream does not end");
	cr_assert_eq(zs.total_out, want, "inflated %lu bytes, the header says %zu",
		     zs.total_out, want);
	cr_assert_eq(zs.total_in, n, "the deflate stream ends before its compressed size");
	inflateEnd(&zs);
	return out;
}

/* Reads the archive at path as a strict reader: the end record, every
 * central directory entry and its local header (which must agree: no
 * data descriptors), each entry inflated and its CRC-32 checked; the
 * directory must end where the end record starts.  Returns the entries
 * (*n of them); free_entries frees them. */
static entry *read_zip(const char *path, size_t *n)
{
	size_t len;
	unsigned char *z = (unsigned char *)read_bytes(path, &len);
	cr_assert_geq(len, 22, "%s: shorter than an end record", path);
	const unsigned char *end = z + len - 22;
	cr_assert_eq(rd32(end), 0x06054b50, "no end record at the end (no comment expected)");
	cr_assert_eq(rd16(end + 4), 0);
	cr_assert_eq(rd16(end + 6), 0);
	size_t count = rd16(end + 10), cd_size = rd32(end + 12), cd_off = rd32(end + 16);
	cr_assert_eq(rd16(end + 8), count);
	cr_assert_eq(cd_off + cd_size, len - 22, "the directory does not end at the end record");
	entry *es = calloc(count + 1, sizeof *es);
	const unsigned char *c = z + cd_off;
	size_t next_local = 0;
	for (size_t i = 0; i < count; i++) {
		entry *e = &es[i];
		cr_assert_eq(rd32(c), 0x02014b50, "entry %zu: no central header", i);
		cr_assert_eq(rd16(c + 6), 20, "version needed");
		e->flags = rd16(c + 8);
		cr_assert_eq(rd16(c + 10), 8, "method: deflate");
		cr_assert_eq(rd16(c + 12), 0, "time 00:00");
		cr_assert_eq(rd16(c + 14), 0x21, "date 1980-01-01");
		e->crc = rd32(c + 16);
		e->csize = rd32(c + 20);
		e->usize = rd32(c + 24);
		size_t nl = rd16(c + 28), xl = rd16(c + 30), cl = rd16(c + 32);
		cr_assert_eq(xl + cl, 0, "no extra field, no comment");
		size_t off = rd32(c + 42);
		cr_assert_lt(nl, sizeof e->name);
		memcpy(e->name, c + 46, nl);
		cr_assert_eq(off, next_local, "%s: entries not back to back", e->name);
		const unsigned char *l = z + off;
		cr_assert_eq(rd32(l), 0x04034b50, "%s: no local header", e->name);
		cr_assert_eq(rd16(l + 6), e->flags, "%s: flags differ", e->name);
		cr_assert_eq(rd16(l + 8), 8);
		cr_assert_eq(rd16(l + 10), 0);
		cr_assert_eq(rd16(l + 12), 0x21);
		cr_assert_eq(rd32(l + 14), e->crc, "%s: local CRC-32 not patched", e->name);
		cr_assert_eq(rd32(l + 18), e->csize, "%s: local size not patched", e->name);
		cr_assert_eq(rd32(l + 22), e->usize, "%s: local size not patched", e->name);
		cr_assert_eq(rd16(l + 26), nl);
		cr_assert_eq(rd16(l + 28), 0);
		cr_assert_eq(memcmp(l + 30, e->name, nl), 0);
		e->data = inflate_all(l + 30 + nl, e->csize, e->usize);
		cr_assert_eq((uint32_t)crc32(0, e->data, e->usize), e->crc, "%s: CRC-32", e->name);
		next_local = off + 30 + nl + e->csize;
		c += 46 + nl;
	}
	cr_assert_eq(next_local, cd_off, "bytes between the last entry and the directory");
	free(z);
	*n = count;
	return es;
}

static void free_entries(entry *es, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(es[i].data);
	free(es);
}

/* Python's zipfile and unzip, where installed, agree that path is sound. */
static void other_readers(const char *path)
{
	char cmd[2048];
	if (!system("python3 -c 'import zipfile' 2>/dev/null")) {
		snprintf(cmd, sizeof cmd,
			 "python3 -c 'import sys, zipfile; z = zipfile.ZipFile(sys.argv[1]); "
			 "sys.exit(z.testzip() is not None)' '%s'", path);
		cr_expect_eq(system(cmd), 0, "python3 zipfile testzip: %s", path);
	}
	if (!system("command -v unzip >/dev/null 2>&1")) {
		snprintf(cmd, sizeof cmd, "unzip -tqq '%s'", path);
		cr_expect_eq(system(cmd), 0, "unzip -t: %s", path);
	}
}

/* Text of n bytes that deflate compresses (rows of figures); with noise,
 * bytes it cannot (so the compressed data outgrows the output buffer). */
static unsigned char *sample(size_t n, int noise)
{
	unsigned char *b = malloc(n);
	cr_assert_not_null(b);
	uint64_t x = 88172645463325252ULL;
	size_t i = 0;
	while (i < n) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		if (noise) {
			b[i++] = (unsigned char)x;
			continue;
		}
		char row[64];
		int len = snprintf(row, sizeof row, "<row><c>H6401%06u</c><c>%u.%02u</c></row>",
				   (unsigned)(x % 1000), (unsigned)(x >> 54), (unsigned)(x % 100));
		for (int k = 0; k < len && i < n; k++)
			b[i++] = (unsigned char)row[k];
	}
	return b;
}

/* Writes data[0, n) in pieces of 1, 2, 3... up to max bytes. */
static void write_cut(zipw *z, const unsigned char *data, size_t n, size_t max)
{
	size_t k = 1;
	for (size_t i = 0; i < n;) {
		size_t m = n - i < k ? n - i : k;
		zipw_write(z, data + i, m);
		i += m;
		k = k % max + 1;
	}
}

Test(zipw, entries_names_dates_crcs)
{
	const char *path = tpath("a.zip");
	hh_err err = {{0}};
	zipw *z;
	cr_assert_eq(zipw_open(path, 1, &z, &err), HH_OK, "%s", err.msg);
	cr_assert_eq(zipw_begin(z, "[Content_Types].xml", &err), HH_OK, "%s", err.msg);
	zipw_write(z, "<Types/>", 8);
	cr_assert_eq(zipw_begin(z, "empty", &err), HH_OK, "%s", err.msg); /* ends the one before */
	cr_assert_eq(zipw_begin(z, "xl/worksheets/sheet1.xml", &err), HH_OK, "%s", err.msg);
	const char *text = "<row r=\"1\"><c><is><t>家庭编号</t></is></c></row>";
	zipw_write(z, text, strlen(text));
	cr_assert_eq(zipw_end(z, &err), HH_OK, "%s", err.msg);
	cr_assert_eq(zipw_end(z, &err), HH_OK, "ending twice is nothing");
	cr_assert_eq(zipw_begin(z, "文件/名.xml", &err), HH_OK, "%s", err.msg);
	zipw_write(z, "x", 1);
	cr_assert_eq(zipw_close(z, &err), HH_OK, "%s", err.msg);

	size_t n;
	entry *es = read_zip(path, &n);
	cr_assert_eq(n, 4);
	cr_expect_str_eq(es[0].name, "[Content_Types].xml");
	cr_expect_eq(es[0].usize, 8);
	cr_expect_eq(memcmp(es[0].data, "<Types/>", 8), 0);
	cr_expect_str_eq(es[1].name, "empty");
	cr_expect_eq(es[1].usize, 0);
	cr_expect_eq(es[1].crc, 0);
	cr_expect_str_eq(es[2].name, "xl/worksheets/sheet1.xml");
	cr_expect_eq(es[2].usize, strlen(text));
	cr_expect_eq(memcmp(es[2].data, text, strlen(text)), 0);
	cr_expect_eq(es[2].flags, 0, "an ASCII name: no UTF-8 flag");
	cr_expect_str_eq(es[3].name, "文件/名.xml");
	cr_expect_eq(es[3].flags, 0x0800, "a UTF-8 name says so (bit 11)");
	free_entries(es, n);
	other_readers(path);
}

Test(zipw, empty_archive_and_null)
{
	const char *path = tpath("none.zip");
	hh_err err = {{0}};
	zipw *z;
	cr_assert_eq(zipw_open(path, 0, &z, &err), HH_OK, "%s", err.msg);
	cr_assert_eq(zipw_close(z, &err), HH_OK, "%s", err.msg);
	size_t n;
	entry *es = read_zip(path, &n);
	cr_expect_eq(n, 0);
	free_entries(es, n);
	cr_expect_eq(zipw_close(NULL, &err), HH_OK);
}

/* Entries larger than the input and output buffers (128 KiB each): text
 * in small and large pieces, noise that does not compress (its local
 * header is drained before the entry ends, and patched with pwrite), and
 * one piece of several MB given at once. */
Test(zipw, entries_larger_than_the_buffers)
{
	const char *path = tpath("big.zip");
	size_t nt = 3u << 20, nn = 1u << 20;
	unsigned char *text = sample(nt, 0), *noise = sample(nn, 1);
	hh_err err = {{0}};
	zipw *z;
	cr_assert_eq(zipw_open(path, 0, &z, &err), HH_OK, "%s", err.msg);
	cr_assert_eq(zipw_begin(z, "text_cut", &err), HH_OK, "%s", err.msg);
	write_cut(z, text, nt, 4000);
	cr_assert_eq(zipw_begin(z, "noise", &err), HH_OK, "%s", err.msg);
	write_cut(z, noise, nn, 70000);
	cr_assert_eq(zipw_begin(z, "text_whole", &err), HH_OK, "%s", err.msg);
	zipw_write(z, text, nt);
	cr_assert_eq(zipw_close(z, &err), HH_OK, "%s", err.msg);

	size_t n;
	entry *es = read_zip(path, &n);
	cr_assert_eq(n, 3);
	cr_expect_eq(es[0].usize, nt);
	cr_expect_eq(memcmp(es[0].data, text, nt), 0);
	cr_expect_gt(es[1].csize, 128u * 1024, "noise compressed to %u bytes", es[1].csize);
	cr_expect_eq(es[1].usize, nn);
	cr_expect_eq(memcmp(es[1].data, noise, nn), 0);
	cr_expect_eq(memcmp(es[2].data, text, nt), 0);
	cr_expect_eq(es[0].crc, es[2].crc);
	cr_expect_eq(es[0].csize, es[2].csize, "the same bytes deflate the same, however cut");
	cr_expect_lt(es[0].csize, nt / 2, "level 1 still compresses text");
	free_entries(es, n);
	other_readers(path);
	free(text);
	free(noise);
}

/* The same entries give the same archive, whatever the pieces. */
Test(zipw, same_bytes_whatever_the_cuts)
{
	size_t nt = 600000;
	unsigned char *text = sample(nt, 0);
	char *bytes[2];
	size_t len[2];
	for (int k = 0; k < 2; k++) {
		const char *path = tpath(k ? "b.zip" : "a.zip");
		hh_err err = {{0}};
		zipw *z;
		cr_assert_eq(zipw_open(path, 0, &z, &err), HH_OK, "%s", err.msg);
		cr_assert_eq(zipw_begin(z, "a.xml", &err), HH_OK, "%s", err.msg);
		if (k)
			zipw_write(z, text, nt);
		else
			write_cut(z, text, nt, 97);
		cr_assert_eq(zipw_begin(z, "b.xml", &err), HH_OK, "%s", err.msg);
		zipw_write(z, "b", 1);
		cr_assert_eq(zipw_close(z, &err), HH_OK, "%s", err.msg);
		bytes[k] = read_bytes(path, &len[k]);
	}
	cr_expect_eq(len[0], len[1]);
	cr_expect_eq(memcmp(bytes[0], bytes[1], len[0]), 0, "archives differ");
	free(bytes[0]);
	free(bytes[1]);
	free(text);
}

Test(zipw, errors_name_the_file)
{
	hh_err err = {{0}};
	zipw *z = (zipw *)1;
	/* a folder that does not exist, and a folder as the target */
	cr_expect_eq(zipw_open(tpath("no/such/x.zip"), 0, &z, &err), HH_EINTERNAL);
	cr_expect_null(z);
	cr_expect_not_null(strstr(err.msg, "cannot create"), "%s", err.msg);
	cr_expect_not_null(strstr(err.msg, "no/such/x.zip"), "%s", err.msg);
	cr_expect_eq(zipw_open(tdir, 0, &z, &err), HH_EINTERNAL);
	cr_expect_not_null(strstr(err.msg, tdir), "%s", err.msg);
	/* a folder without write permission (root writes anyway) */
	const char *ro = tpath("ro");
	cr_assert_eq(mkdir(ro, 0555), 0);
	if (geteuid() != 0) {
		char p[1400];
		snprintf(p, sizeof p, "%s/x.zip", ro);
		cr_expect_eq(zipw_open(p, 0, &z, &err), HH_EINTERNAL);
		cr_expect_not_null(strstr(err.msg, "Permission denied"), "%s", err.msg);
	}
	/* a full disk: the data does not fit, and close says so */
	if (access("/dev/full", W_OK) == 0) {
		size_t nn = 1u << 20;
		unsigned char *noise = sample(nn, 1);
		cr_assert_eq(zipw_open("/dev/full", 0, &z, &err), HH_OK, "%s", err.msg);
		cr_expect_eq(zipw_begin(z, "a", &err), HH_OK, "%s", err.msg);
		zipw_write(z, noise, nn);
		cr_expect_eq(zipw_begin(z, "b", &err), HH_EINTERNAL,
			     "the failure shows at the next call");
		cr_expect_not_null(strstr(err.msg, "cannot write /dev/full"), "%s", err.msg);
		cr_expect_not_null(strstr(err.msg, "No space left on device"), "%s", err.msg);
		memset(&err, 0, sizeof err);
		cr_expect_eq(zipw_close(z, &err), HH_EINTERNAL);
		cr_expect_not_null(strstr(err.msg, "cannot write /dev/full"), "%s", err.msg);
		/* small enough to stay in the buffer: it fails at close */
		cr_assert_eq(zipw_open("/dev/full", 0, &z, &err), HH_OK, "%s", err.msg);
		cr_expect_eq(zipw_begin(z, "a", &err), HH_OK, "%s", err.msg);
		zipw_write(z, "abc", 3);
		cr_expect_eq(zipw_close(z, &err), HH_EINTERNAL, "a full disk is never a success");
		free(noise);
	}
	/* data outside an entry is a bug, reported */
	cr_assert_eq(zipw_open(tpath("bug.zip"), 0, &z, &err), HH_OK, "%s", err.msg);
	zipw_write(z, "x", 1);
	cr_expect_eq(zipw_close(z, &err), HH_EINTERNAL);
	cr_expect_not_null(strstr(err.msg, "outside an entry"), "%s", err.msg);
}

/* Writes the entries of the test below into path: a small one, 600 KB of
 * text and 300 KB of noise (more than the buffers), another small one;
 * with apart, the two large ones deflated ahead in memory writers (the
 * noise first) and added in order. */
static void write_apart(const char *path, int apart, const unsigned char *text, size_t nt,
			const unsigned char *noise, size_t nn)
{
	hh_err err = {{0}};
	zipw *z, *m[2] = {NULL, NULL};
	cr_assert_eq(zipw_open(path, 0, &z, &err), HH_OK, "%s", err.msg);
	cr_assert_eq(zipw_begin(z, "head.xml", &err), HH_OK, "%s", err.msg);
	zipw_write(z, "<head/>", 7);
	if (apart) {
		for (int k = 1; k >= 0; k--) {
			cr_assert_eq(zipw_open_memory(path, &m[k], &err), HH_OK, "%s", err.msg);
			cr_assert_eq(zipw_begin(m[k], k ? "表/noise" : "text.xml", &err), HH_OK, "%s",
				     err.msg);
			write_cut(m[k], k ? noise : text, k ? nn : nt, 5000);
		}
		for (int k = 0; k < 2; k++) {
			cr_assert_eq(zipw_add_entry(z, m[k], &err), HH_OK, "%s", err.msg);
			cr_assert_eq(zipw_close(m[k], &err), HH_OK, "%s", err.msg);
		}
	} else {
		cr_assert_eq(zipw_begin(z, "text.xml", &err), HH_OK, "%s", err.msg);
		zipw_write(z, text, nt);
		cr_assert_eq(zipw_begin(z, "表/noise", &err), HH_OK, "%s", err.msg);
		zipw_write(z, noise, nn);
	}
	cr_assert_eq(zipw_begin(z, "tail.xml", &err), HH_OK, "%s", err.msg);
	zipw_write(z, "<tail/>", 7);
	cr_assert_eq(zipw_close(z, &err), HH_OK, "%s", err.msg);
}

/* Entries deflated ahead in memory give the archive of the same entries
 * written in place, wherever in the output buffer the entry starts. */
Test(zipw, entries_deflated_ahead_same_bytes)
{
	size_t nt = 600000, nn = 300000;
	unsigned char *text = sample(nt, 0), *noise = sample(nn, 1);
	write_apart(tpath("in_place.zip"), 0, text, nt, noise, nn);
	write_apart(tpath("ahead.zip"), 1, text, nt, noise, nn);
	size_t n1, n2;
	char *a = read_bytes(tpath("in_place.zip"), &n1), *b = read_bytes(tpath("ahead.zip"), &n2);
	cr_expect(n1 == n2 && !memcmp(a, b, n1), "entries deflated ahead give other bytes");
	size_t n;
	entry *es = read_zip(tpath("ahead.zip"), &n);
	cr_assert_eq(n, 4);
	cr_expect_str_eq(es[1].name, "text.xml");
	cr_expect_eq(memcmp(es[1].data, text, nt), 0);
	cr_expect_str_eq(es[2].name, "表/noise");
	cr_expect_eq(es[2].flags, 0x0800);
	cr_expect_eq(memcmp(es[2].data, noise, nn), 0);
	free_entries(es, n);
	other_readers(tpath("ahead.zip"));
	free(a);
	free(b);
	free(text);
	free(noise);
}

/* A memory writer holds one entry; only a memory writer's entry is added. */
Test(zipw, memory_writer_misuse)
{
	hh_err err = {{0}};
	zipw *z, *m;
	cr_assert_eq(zipw_open_memory("book.xlsx", &m, &err), HH_OK, "%s", err.msg);
	cr_assert_eq(zipw_begin(m, "a", &err), HH_OK, "%s", err.msg);
	cr_expect_eq(zipw_begin(m, "b", &err), HH_EINTERNAL);
	cr_expect_not_null(strstr(err.msg, "book.xlsx"), "%s", err.msg);
	cr_expect_not_null(strstr(err.msg, "second entry"), "%s", err.msg);
	cr_assert_eq(zipw_open(tpath("t.zip"), 0, &z, &err), HH_OK, "%s", err.msg);
	cr_expect_eq(zipw_add_entry(z, m, &err), HH_EINTERNAL, "a failed entry is not added");
	cr_expect_eq(zipw_close(m, &err), HH_EINTERNAL);
	zipw *other;
	cr_assert_eq(zipw_open(tpath("u.zip"), 0, &other, &err), HH_OK, "%s", err.msg);
	cr_assert_eq(zipw_begin(other, "x", &err), HH_OK, "%s", err.msg);
	cr_expect_eq(zipw_add_entry(z, other, &err), HH_EINTERNAL);
	cr_expect_not_null(strstr(err.msg, "not a memory writer"), "%s", err.msg);
	zipw_close(other, NULL);
	cr_expect_eq(zipw_close(z, &err), HH_OK, "%s: z is not failed by m's errors", err.msg);
	size_t n;
	entry *es = read_zip(tpath("t.zip"), &n);
	cr_expect_eq(n, 0);
	free_entries(es, n);
}
