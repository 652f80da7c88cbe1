/*
 * test_csv.c - connectors/csv.c: RFC 4180 corners, line numbers, CRLF,
 * BOM, blank lines, refill boundaries (a quoted field straddling the
 * buffer end, random records through tiny buffers and byte-at-a-time
 * streams), delimiters, GB18030 and gzip input, lenient quote handling,
 * and the record-too-long and stream errors with their line numbers.
 *
 * Every test writes its inputs in its own temporary folder (testdir.h).
 */
#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <zlib.h>

#include "connectors/csv.h"

#define TESTDIR_NAME "csv"
#include "testdir.h"

TestSuite(csv, .init = testdir_setup, .fini = testdir_teardown);

static csv_reader *open_csv(const char *path, hh_encoding enc,
			    const csv_opts *co)
{
	ins_opts o = { .source = "medical", .encoding = enc, .want_sha256 = 0 };
	hh_instream *in;
	csv_reader *r;
	hh_err e;
	cr_assert_eq(ins_open_file(path, &o, &in, &e), HH_OK, "%s", e.msg);
	cr_assert_eq(csv_open(in, co, &r, &e), HH_OK, "%s", e.msg);
	return r;
}

/* Records flattened to text: "LINE[!]:field|field|...\n" per record, so a
 * whole parse compares with one string. */
struct flat {
	char *s;
	size_t len, cap;
	hh_status st;
	hh_err err;
	size_t nrec;
};

static void flat_add(struct flat *f, const char *p, size_t n)
{
	if (f->len + n + 1 > f->cap) {
		f->cap = (f->len + n + 1) * 2;
		f->s = realloc(f->s, f->cap);
		cr_assert_not_null(f->s);
	}
	memcpy(f->s + f->len, p, n);
	f->len += n;
	f->s[f->len] = '\0';
}

static void flat_rec(struct flat *f, const hh_record *rec)
{
	char h[40];
	int k = snprintf(h, sizeof h, "%llu%s:", (unsigned long long)rec->line,
			 rec->malformed ? "!" : "");
	flat_add(f, h, (size_t)k);
	for (size_t i = 0; i < rec->nfields; i++) {
		if (i)
			flat_add(f, "|", 1);
		flat_add(f, rec->fields[i].ptr, rec->fields[i].len);
	}
	flat_add(f, "\n", 1);
	f->nrec++;
}

static struct flat parse_reader(csv_reader *r)
{
	struct flat f = { 0 };
	flat_add(&f, "", 0);
	for (;;) {
		hh_record rec;
		int got;
		f.st = csv_next(r, &rec, &got, &f.err);
		if (f.st != HH_OK || !got)
			break;
		flat_rec(&f, &rec);
	}
	csv_close(r);
	return f;
}

static struct flat parse_file(const char *name, const void *b, size_t n,
			      const csv_opts *co)
{
	const char *p = tpath(name);
	write_bytes(p, b, n);
	return parse_reader(open_csv(p, HH_ENC_AUTO, co));
}

static void expect_parse(const char *name, const char *text,
			 const char *want)
{
	struct flat f = parse_file(name, text, strlen(text), NULL);
	cr_assert_eq(f.st, HH_OK, "%s", f.err.msg);
	cr_assert_str_eq(f.s, want);
	free(f.s);
}

Test(csv, rfc4180_corners)
{
	expect_parse("a.csv",
		     "h1,h2,h3\n"
		     "\"a,b\",c,\"\"\n"            /* quoted comma, empty quoted */
		     "\"say \"\"hi\"\"\",\"\"\"\",x\n" /* doubled quotes */
		     ",,\n"                        /* all empty */
		     "a,b,\n"                      /* trailing empty field */
		     "\"\"\n"                      /* one empty quoted field */
		     "last,\"q\",z",               /* no final newline */
		     "1:h1|h2|h3\n"
		     "2:a,b|c|\n"
		     "3:say \"hi\"|\"|x\n"
		     "4:||\n"
		     "5:a|b|\n"
		     "6:\n"
		     "7:last|q|z\n");
}

Test(csv, newlines_in_quotes_and_line_numbers)
{
	expect_parse("nl.csv",
		     "id,note\n"
		     "1,\"two\nlines\"\n"
		     "2,\"three\n\nlines\"\n"
		     "3,plain\n"
		     "\"4\n\",\"\"\"\n\"\"\"\n"
		     "5,end\n",
		     "1:id|note\n"
		     "2:1|two\nlines\n"
		     "4:2|three\n\nlines\n"
		     "7:3|plain\n"
		     "8:4\n|\"\n\"\n"
		     "11:5|end\n");
}

Test(csv, crlf)
{
	expect_parse("crlf.csv",
		     "a,b\r\n"
		     "1,\"x\r\ny\"\r\n"   /* CRLF inside quotes is data */
		     "2,c\rd\r\n"          /* a lone CR is data */
		     "\"3\",\"q\"\r\n"
		     "4,\r\n"
		     "5,last\r",          /* CR at the very end */
		     "1:a|b\n"
		     "2:1|x\r\ny\n"
		     "4:2|c\rd\n"
		     "5:3|q\n"
		     "6:4|\n"
		     "7:5|last\n");
}

Test(csv, bom_dropped)
{
	expect_parse("bom.csv", "\xEF\xBB\xBFid,name\n1,x\n",
		     "1:id|name\n2:1|x\n");
}

Test(csv, blank_lines_skipped)
{
	expect_parse("blank.csv", "\n\na,b\n\n\r\n1,2\n\n",
		     "3:a|b\n6:1|2\n");
	expect_parse("blanks_only.csv", "\n\r\n\n", "");
	expect_parse("empty.csv", "", "");
}

Test(csv, lenient_quotes_flag_malformed_and_continue)
{
	expect_parse("bad.csv",
		     "a,b,c\n"
		     "1,ab\"c,x\n"          /* quote inside an unquoted field */
		     "2,\"q\"tail,y\n"      /* text after the closing quote */
		     "3,ok,z\n"
		     "4,\"q\" \r\n"          /* space after the closing quote */
		     "5,\"open\nto the end",
		     "1:a|b|c\n"
		     "2!:1|ab\"c|x\n"
		     "3!:2|qtail|y\n"
		     "4:3|ok|z\n"
		     "5!:4|q \n"
		     "6!:5|open\nto the end\n");
}

Test(csv, tab_delimiter_from_name)
{
	const char *p;
	gzFile g;
	struct flat f;

	expect_parse("x.tsv", "a\tb,c\n\"1\t2\"\t3\n", "1:a|b,c\n2:1\t2|3\n");
	expect_parse("y.TSV", "a\tb\n", "1:a|b\n");
	expect_parse("z.csv", "a\tb,c\n", "1:a\tb|c\n");

	p = tpath("w.tsv.gz");
	g = gzopen(p, "wb");
	cr_assert_not_null(g);
	gzputs(g, "a\tb\n1\t2\n");
	gzclose(g);
	f = parse_reader(open_csv(p, HH_ENC_AUTO, NULL));
	cr_assert_eq(f.st, HH_OK, "%s", f.err.msg);
	cr_assert_str_eq(f.s, "1:a|b\n2:1|2\n");
	free(f.s);
}

Test(csv, delimiter_option_wins)
{
	csv_opts co = { ';', 0 };
	struct flat f = parse_file("semi.csv", "a;b,c\n", 6, &co);
	cr_assert_eq(f.st, HH_OK);
	cr_assert_str_eq(f.s, "1:a|b,c\n");
	free(f.s);
}

Test(csv, gzip_multi_member)
{
	const char *p = tpath("m.csv.gz");
	struct flat f;
	gzFile g;

	g = gzopen(p, "ab");
	gzputs(g, "id,note\n1,\"split ");
	gzclose(g);
	g = gzopen(p, "ab");
	gzputs(g, "across\nmembers\"\n2,x\n");
	gzclose(g);
	f = parse_reader(open_csv(p, HH_ENC_AUTO, NULL));
	cr_assert_eq(f.st, HH_OK, "%s", f.err.msg);
	cr_assert_str_eq(f.s, "1:id|note\n2:1|split across\nmembers\n4:2|x\n");
	free(f.s);
}

Test(csv, gzip_truncated_names_file)
{
	const char *p = tpath("medical.csv.gz");
	char text[4000], *raw;
	size_t n;
	FILE *fp;
	gzFile g;
	struct flat f;
	char pre[600];

	for (size_t i = 0; i < sizeof text; i++)
		text[i] = i % 20 == 19 ? '\n' : (char)('a' + i % 26);
	g = gzopen(p, "wb");
	gzwrite(g, text, sizeof text);
	gzclose(g);
	fp = fopen(p, "rb");
	raw = malloc(1 << 16);
	n = fread(raw, 1, 1 << 16, fp);
	fclose(fp);
	write_bytes(p, raw, n - 10);
	free(raw);
	f = parse_reader(open_csv(p, HH_ENC_AUTO, NULL));
	cr_assert_eq(f.st, HH_EINPUT);
	snprintf(pre, sizeof pre, "medical: %s: line ", p);
	cr_assert(strncmp(f.err.msg, pre, strlen(pre)) == 0, "%s", f.err.msg);
	cr_assert(strstr(f.err.msg,
			 "gzip stream truncated (file ends inside a member)"),
		  "%s", f.err.msg);
	free(f.s);
}

Test(csv, gb18030_auto_and_explicit)
{
	/* 姓名,身份证号 then 张三 in GB18030 */
	const char gb[] = "\xD0\xD5\xC3\xFB,\xC9\xED\xB7\xDD\xD6\xA4\xBA\xC5\n"
			  "\xD5\xC5\xC8\xFD,1\n";
	const char want[] = "1:\xE5\xA7\x93\xE5\x90\x8D|"
			    "\xE8\xBA\xAB\xE4\xBB\xBD\xE8\xAF\x81\xE5\x8F\xB7\n"
			    "2:\xE5\xBC\xA0\xE4\xB8\x89|1\n";
	const char *p = tpath("gb.csv");
	struct flat f;
	csv_reader *r;

	f = parse_file("gb.csv", gb, sizeof gb - 1, NULL);
	cr_assert_eq(f.st, HH_OK, "%s", f.err.msg);
	cr_assert_str_eq(f.s, want);
	free(f.s);

	r = open_csv(p, HH_ENC_GB18030, NULL);
	f = parse_reader(r);
	cr_assert_eq(f.st, HH_OK, "%s", f.err.msg);
	cr_assert_str_eq(f.s, want);
	free(f.s);
}

Test(csv, gb18030_unconvertible_sequence_flags_its_record)
{
	/* 0xFF (line 4) and an unassigned four-byte code (line 6) flag their
	 * records only; the quoted record before them and the rows after
	 * them read as usual (instream.h, issue 14) */
	const char gb[] = "\xD0\xD5\xC3\xFB,x\n1,\"a\nb\"\n2,\xFF\n3,c\n"
			  "\"4\x84\x31\xA5\x30\",d\n5,e\n";
	const char *p = tpath("medical.csv");
	csv_reader *r;
	hh_record rec;
	int got;
	hh_err e;
	char seen[64] = "";

	write_bytes(p, gb, sizeof gb - 1);
	r = open_csv(p, HH_ENC_AUTO, NULL);
	for (;;) {
		cr_assert_eq(csv_next(r, &rec, &got, &e), HH_OK, "%s", e.msg);
		if (!got)
			break;
		size_t l = strlen(seen);
		snprintf(seen + l, sizeof seen - l, "%llu%s ",
			 (unsigned long long)rec.line, rec.bad_encoding ? "?" : "");
	}
	cr_assert_str_eq(seen, "1 2 4? 5 6? 7 ");
	csv_close(r);
}

Test(csv, record_too_long)
{
	size_t n = 3 * 1024 * 1024;
	char *t = malloc(n);
	char want[700];
	struct flat f;

	cr_assert_not_null(t);
	memcpy(t, "a,b\n1,2\n", 8);
	memset(t + 8, 'x', n - 8); /* no line end for 3 MB */
	f = parse_file("medical.csv", t, n, NULL);
	cr_assert_eq(f.st, HH_EINPUT);
	cr_assert_eq(f.nrec, 2, "the records before it are read");
	snprintf(want, sizeof want,
		 "medical: %s: line 3: record longer than 1048576 bytes (no line end found); is this a CSV file?",
		 tpath("medical.csv"));
	cr_assert_str_eq(f.err.msg, want);
	free(f.s);

	/* an unclosed quote running on says so */
	t[8] = '"';
	f = parse_file("medical.csv", t, n, NULL);
	cr_assert_eq(f.st, HH_EINPUT);
	cr_assert(strstr(f.err.msg, "line 3: record longer than 1048576 bytes (a quoted field"),
		  "%s", f.err.msg);
	free(f.s);

	/* a long line that does end, and one at the end of input */
	t[8] = 'x';
	t[n - 1] = '\n';
	f = parse_file("medical.csv", t, n, NULL);
	cr_assert_eq(f.st, HH_EINPUT);
	cr_assert(strstr(f.err.msg, "line 3: record longer than 1048576 bytes"),
		  "%s", f.err.msg);
	free(f.s);
	free(t);
}

Test(csv, max_record_is_exact)
{
	/* records of exactly max_record bytes pass; one byte more fails */
	csv_opts co = { 0, 10 };
	struct flat f;

	f = parse_file("e.csv", "0123456789\r\n\"12345678\"\nabc", 26, &co);
	cr_assert_eq(f.st, HH_OK, "%s", f.err.msg);
	cr_assert_str_eq(f.s, "1:0123456789\n2:12345678\n3:abc\n");
	free(f.s);

	f = parse_file("e.csv", "0123456789\nabc\n0123456789A\n", 27, &co);
	cr_assert_eq(f.st, HH_EINPUT);
	cr_assert_eq(f.nrec, 2);
	cr_assert(strstr(f.err.msg, "line 3: record longer than 10 bytes"),
		  "%s", f.err.msg);
	free(f.s);

	f = parse_file("e.csv", "0123456789A", 11, &co);
	cr_assert_eq(f.st, HH_EINPUT);
	cr_assert(strstr(f.err.msg, "line 1: record longer than 10 bytes"),
		  "%s", f.err.msg);
	free(f.s);
}

/* The reader's buffer is max_record + 2 bytes (1 MiB + 2 by default): put
 * a quoted field with doubled quotes, a delimiter and a line break right
 * across the end of the first fill, then more records. */
Test(csv, quoted_field_across_refill_boundary)
{
	const size_t bufsz = 1024 * 1024 + 2;
	const char q[] = "\"he said \"\"a,\nb\"\" ok\"";
	for (size_t back = 1; back < sizeof q + 2; back += 3) {
		size_t n = 0, cap = 2 * bufsz, lines = 1;
		char *t = malloc(cap), *want = malloc(cap);
		size_t wn = 0, start = bufsz - back, row = 0;
		struct flat f;

		cr_assert(t && want);
		/* filler rows "rowNNNNNN,x\n" up to start */
		while (n + 40 < start) {
			int k = snprintf(t + n, cap - n, "row%06zu,x\n", row);
			wn += (size_t)snprintf(want + wn, cap - wn,
					       "%zu:row%06zu|x\n", lines, row);
			n += (size_t)k;
			lines++;
			row++;
		}
		/* a padding row so that the quote starts exactly at start */
		{
			size_t pad = start - 2 - n - 1;
			memset(t + n, 'p', pad);
			t[n + pad] = '\n';
			n += pad + 1;
			wn += (size_t)snprintf(want + wn, cap - wn, "%zu:", lines);
			memset(want + wn, 'p', pad);
			wn += pad;
			want[wn++] = '\n';
			lines++;
		}
		cr_assert_eq(n + 2, start);
		n += (size_t)snprintf(t + n, cap - n, "k,%s,z\nafter,1\n", q);
		wn += (size_t)snprintf(want + wn, cap - wn,
				       "%zu:k|he said \"a,\nb\" ok|z\n%zu:after|1\n",
				       lines, lines + 2);
		f = parse_file("boundary.csv", t, n, NULL);
		cr_assert_eq(f.st, HH_OK, "%s", f.err.msg);
		cr_assert(f.len == wn && memcmp(f.s, want, wn) == 0,
			  "back=%zu: parse differs (got %zu bytes, want %zu)",
			  back, f.len, wn);
		free(f.s);
		free(t);
		free(want);
	}
}

/* Random records with every awkward character, written with random
 * quoting and line ends, read back through tiny buffers and through a
 * pull stream that hands out a few bytes at a time. */
struct gen {
	char *text;
	size_t tlen;
	char *want;
	size_t wlen;
	size_t maxrec;
};

static unsigned rnd(unsigned *s)
{
	*s = *s * 1103515245u + 12345u;
	return (*s >> 16) & 0x7fff;
}

static void gen_add(char **b, size_t *len, size_t *cap, const char *p,
		    size_t n)
{
	if (*len + n + 1 > *cap) {
		*cap = (*len + n + 1) * 2;
		*b = realloc(*b, *cap);
		cr_assert_not_null(*b);
	}
	memcpy(*b + *len, p, n);
	*len += n;
	(*b)[*len] = '\0';
}

static struct gen make_random(unsigned seed, int nrec, char delim)
{
	static const char *atoms[] = { "a", "b", "xyz", " ", ",", "\t", "\"",
				       "\n", "\r", "\r\n", "\xE4\xB8\xAD" };
	struct gen g = { 0 };
	size_t tcap = 0, wcap = 0;
	unsigned s = seed;
	size_t line = 1;

	gen_add(&g.want, &g.wlen, &wcap, "", 0);
	for (int r = 0; r < nrec; r++) {
		int nf = 1 + (int)(rnd(&s) % 6);
		size_t rstart = g.tlen, nls = 0;
		char h[32];
		int last = r == nrec - 1;

		snprintf(h, sizeof h, "%zu:", line);
		gen_add(&g.want, &g.wlen, &wcap, h, strlen(h));
		for (int i = 0; i < nf; i++) {
			char fld[200];
			size_t fl = 0;
			int na = (int)(rnd(&s) % 8), special = 0, quote;
			for (int k = 0; k < na; k++) {
				const char *a = atoms[rnd(&s) % 11];
				memcpy(fld + fl, a, strlen(a));
				fl += strlen(a);
			}
			for (size_t k = 0; k < fl; k++)
				if (fld[k] == delim || fld[k] == '"' ||
				    fld[k] == '\n' || fld[k] == '\r')
					special = 1;
			quote = special || rnd(&s) % 4 == 0 ||
				(nf == 1 && fl == 0);
			if (i)
				gen_add(&g.text, &g.tlen, &tcap, &delim, 1);
			if (quote)
				gen_add(&g.text, &g.tlen, &tcap, "\"", 1);
			for (size_t k = 0; k < fl; k++) {
				if (fld[k] == '"')
					gen_add(&g.text, &g.tlen, &tcap, "\"", 1);
				if (fld[k] == '\n')
					nls++;
				gen_add(&g.text, &g.tlen, &tcap, fld + k, 1);
			}
			if (quote)
				gen_add(&g.text, &g.tlen, &tcap, "\"", 1);
			if (i)
				gen_add(&g.want, &g.wlen, &wcap, "|", 1);
			gen_add(&g.want, &g.wlen, &wcap, fld, fl);
		}
		gen_add(&g.want, &g.wlen, &wcap, "\n", 1);
		if (g.tlen - rstart > g.maxrec)
			g.maxrec = g.tlen - rstart;
		if (!last || rnd(&s) % 2) {
			if (rnd(&s) % 2)
				gen_add(&g.text, &g.tlen, &tcap, "\r\n", 2);
			else
				gen_add(&g.text, &g.tlen, &tcap, "\n", 1);
		}
		line += 1 + nls;
		if (rnd(&s) % 10 == 0) { /* a blank line */
			gen_add(&g.text, &g.tlen, &tcap, "\n", 1);
			line++;
		}
	}
	return g;
}

struct pull_ctx {
	const char *data;
	size_t len, pos;
	unsigned seed;
};

static hh_status pull_fn(void *vctx, char *buf, size_t cap, size_t *n,
			 hh_err *err)
{
	struct pull_ctx *c = vctx;
	size_t k = c->len - c->pos, step = 1 + rnd(&c->seed) % 7;
	(void)err;
	if (k > step)
		k = step;
	if (k > cap)
		k = cap;
	memcpy(buf, c->data + c->pos, k);
	c->pos += k;
	*n = k;
	return HH_OK;
}

Test(csv, random_records_small_buffers_and_pull)
{
	for (unsigned seed = 1; seed <= 30; seed++) {
		char delim = seed % 3 == 0 ? '\t' : ',';
		struct gen g = make_random(seed, 300, delim);
		size_t sizes[] = { g.maxrec, g.maxrec + 1, g.maxrec + 7, 0 };

		for (size_t i = 0; i < 4; i++) {
			csv_opts co = { delim, sizes[i] };
			struct flat f = parse_file("r.csv", g.text, g.tlen, &co);
			cr_assert_eq(f.st, HH_OK, "seed %u: %s", seed, f.err.msg);
			cr_assert_str_eq(f.s, g.want, "seed %u max %zu", seed,
					 sizes[i]);
			free(f.s);
		}
		{
			struct pull_ctx c = { g.text, g.tlen, 0, seed };
			ins_opts o = { .source = "pg", .encoding = HH_ENC_UTF8, .want_sha256 = 0 };
			csv_opts co = { delim, g.maxrec };
			hh_instream *in;
			csv_reader *r;
			hh_err e;
			struct flat f;

			cr_assert_eq(ins_open_pull(pull_fn, &c, "stream", &o, &in,
						   &e), HH_OK);
			cr_assert_eq(csv_open(in, &co, &r, &e), HH_OK);
			f = parse_reader(r);
			cr_assert_eq(f.st, HH_OK, "seed %u: %s", seed, f.err.msg);
			cr_assert_str_eq(f.s, g.want, "seed %u pull", seed);
			free(f.s);
		}
		if (g.maxrec > 1) {
			/* one byte less than the longest record: an error at
			 * the line of the first record that long */
			csv_opts co = { delim, g.maxrec - 1 };
			struct flat f = parse_file("r.csv", g.text, g.tlen, &co);
			cr_assert_eq(f.st, HH_EINPUT, "seed %u", seed);
			cr_assert(strstr(f.err.msg, "record longer than"), "%s",
				  f.err.msg);
			cr_assert_eq(strncmp(f.s, g.want, f.len), 0,
				     "records before the long one are right");
			free(f.s);
		}
		free(g.text);
		free(g.want);
	}
}

Test(csv, stream_accessor_and_sha)
{
	const char *p = tpath("s.csv");
	ins_opts o = { .source = "edu", .encoding = HH_ENC_AUTO, .want_sha256 = 1 };
	hh_instream *in;
	csv_reader *r;
	hh_err e;
	hh_record rec;
	int got;

	write_bytes(p, "abc", 3);
	cr_assert_eq(ins_open_file(p, &o, &in, &e), HH_OK);
	cr_assert_eq(csv_open(in, NULL, &r, &e), HH_OK);
	cr_assert_eq(csv_stream(r), in);
	cr_assert_eq(csv_next(r, &rec, &got, &e), HH_OK);
	cr_assert_eq(got, 1);
	cr_assert_eq(rec.nfields, 1);
	cr_assert_eq(csv_next(r, &rec, &got, &e), HH_OK);
	cr_assert_eq(got, 0);
	cr_assert_str_eq(ins_sha256_hex(csv_stream(r)),
			 "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	cr_assert_eq(ins_raw_offset(csv_stream(r)), 3);
	csv_close(r);
	csv_close(NULL);
}

Test(csv, many_fields)
{
	/* more fields than the initial field array holds */
	char t[4000];
	size_t n = 0;
	csv_reader *r;
	hh_record rec;
	int got;
	hh_err e;
	const char *p = tpath("wide.csv");

	for (int i = 0; i < 500; i++)
		n += (size_t)snprintf(t + n, sizeof t - n, i ? ",%d" : "%d", i);
	t[n++] = '\n';
	write_bytes(p, t, n);
	r = open_csv(p, HH_ENC_AUTO, NULL);
	cr_assert_eq(csv_next(r, &rec, &got, &e), HH_OK);
	cr_assert_eq(got, 1);
	cr_assert_eq(rec.nfields, 500);
	cr_assert_eq(rec.fields[499].len, 3);
	cr_assert(memcmp(rec.fields[499].ptr, "499", 3) == 0);
	csv_close(r);
}

/* The plain-line split reads 16 bytes at a time: delimiters at every
 * offset within a block, lines of every length around a block, a quote
 * only in the last byte of a long line (the quoted path must take it),
 * and a quote just after a line's end (it must not). */
Test(csv, plain_lines_at_every_block_offset)
{
	const size_t cap = 1 << 16;
	char *text = malloc(cap), *want = malloc(cap);
	cr_assert(text && want);
	size_t tl = 0, wl = 0;
	unsigned line = 1;
	for (int width = 0; width < 40; width++) {
		/* fields of `width` letters, as many as fit in 70 bytes */
		int n = 70 / (width + 1) + 1;
		wl += (size_t)snprintf(want + wl, cap - wl, "%u:", line++);
		for (int f = 0; f < n; f++) {
			for (int k = 0; k < width; k++) {
				text[tl++] = (char)('a' + (f + k) % 26);
				want[wl++] = (char)('a' + (f + k) % 26);
			}
			text[tl++] = f + 1 < n ? ',' : '\n';
			want[wl++] = f + 1 < n ? '|' : '\n';
		}
	}
	/* a 37-byte line whose only quote is its last byte: a lenient
	 * quote inside an unquoted field, kept as text, flagged */
	tl += (size_t)snprintf(text + tl, cap - tl, "abcdefghijklmnop,qrstuvwxyz,0123456\"\n");
	wl += (size_t)snprintf(want + wl, cap - wl,
			       "%u!:abcdefghijklmnop|qrstuvwxyz|0123456\"\n", line++);
	/* a plain line followed at once by a quoted one */
	tl += (size_t)snprintf(text + tl, cap - tl, "x,y\n\"q,1\",z");
	wl += (size_t)snprintf(want + wl, cap - wl, "%u:x|y\n%u:q,1|z\n", line, line + 1);
	cr_assert(tl < cap && wl < cap);
	expect_parse("blocks.csv", text, want);
	free(text);
	free(want);
}
