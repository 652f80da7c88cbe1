/*
 * test_gen.c - `hhmatch gen` (matcher/gen/): the synthetic month is
 * deterministic, well-formed and carries its planted cases.  Small runs
 * (200 households) keep it fast.  The command line (commands/cmd_gen.c)
 * is not linked into the unit tests; tests/e2e/it_gen_cli.sh runs it.
 * Each test writes into its own folder from testdir.h; gen_month creates
 * the output folders below it, as the command does.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "gen/gen.h"
#include "domain/idnum.h"
#include "domain/pid.h"

#define TESTDIR_NAME "gen"
#include "testdir.h"

TestSuite(gen, .init = testdir_setup, .fini = testdir_teardown);

static const char *const files_dirty[] = {"civil_affairs.csv", "education.csv",
					  "hr.csv.gz", "housing.tsv", "medical.csv.gz",
					  "hhmatch.conf", "truth.csv"};
static const char *const files_clean[] = {"civil_affairs.csv", "education.csv",
					  "hr.csv.gz", "housing.csv", "medical.csv.gz",
					  "hhmatch.conf", "truth.csv"};
#define NFILES 7

/* dir/name into p (the output folders are under $TMPDIR, of any length). */
static void file_path(char p[1600], const char *dir, const char *name)
{
	int n = snprintf(p, 1600, "%s/%s", dir, name);
	cr_assert(n > 0 && n < 1600, "path too long: %s/%s", dir, name);
}

/* Whole file (decompressed when gz, multi-member included). */
static char *slurp(const char *dir, const char *name, size_t *len)
{
	char p[1600];
	file_path(p, dir, name);
	gzFile f = gzopen(p, "rb");
	cr_assert_not_null(f, "cannot open %s", p);
	size_t cap = 1 << 16, n = 0;
	char *b = malloc(cap + 1);
	int r;
	while ((r = gzread(f, b + n, (unsigned)(cap - n))) > 0) {
		n += (size_t)r;
		if (n == cap)
			b = realloc(b, (cap *= 2) + 1);
	}
	gzclose(f);
	b[n] = 0;
	*len = n;
	return b;
}

static char *raw_file(const char *dir, const char *name, size_t *len)
{
	char p[1600];
	file_path(p, dir, name);
	FILE *f = fopen(p, "rb");
	cr_assert_not_null(f, "cannot open %s", p);
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	char *b = malloc((size_t)n + 1);
	cr_assert_eq(fread(b, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	b[n] = 0;
	*len = (size_t)n;
	return b;
}

static void run_gen(const char *dir, uint64_t n, uint64_t seed, int clean,
		    const pid_key *key, int pidsrc)
{
	gen_opts o = {.out_dir = dir, .households = n, .seed = seed,
		      .period = 202611, .clean = clean, .key = key,
		      .pid_sources = pidsrc};
	hh_err err = {{0}};
	hh_status st = gen_month(&o, &err);
	cr_assert_eq(st, HH_OK, "gen_month: %s", err.msg);
}

static char *first_line(const char *text)
{
	size_t n = strcspn(text, "\r\n");
	char *l = malloc(n + 1);
	memcpy(l, text, n);
	l[n] = 0;
	return l;
}

Test(gen, same_seed_same_bytes)
{
	const char *a = tpath("a"), *b = tpath("b");
	run_gen(a, 200, 42, 0, NULL, 0);
	run_gen(b, 200, 42, 0, NULL, 0);
	for (int i = 0; i < NFILES; i++) {
		size_t na, nb;
		char *x = raw_file(a, files_dirty[i], &na);
		char *y = raw_file(b, files_dirty[i], &nb);
		cr_expect(na == nb && !memcmp(x, y, na), "%s differs between runs",
			  files_dirty[i]);
		free(x);
		free(y);
	}
}

Test(gen, different_seed_differs)
{
	const char *a = tpath("a"), *b = tpath("b");
	run_gen(a, 200, 1, 1, NULL, 0);
	run_gen(b, 200, 2, 1, NULL, 0);
	const char *check[] = {"civil_affairs.csv", "hr.csv.gz", "truth.csv"};
	for (int i = 0; i < 3; i++) {
		size_t na, nb;
		char *x = slurp(a, check[i], &na);
		char *y = slurp(b, check[i], &nb);
		cr_expect(na != nb || memcmp(x, y, na), "%s is the same for two seeds",
			  check[i]);
		free(x);
		free(y);
	}
}

Test(gen, clean_roster_ids_valid)
{
	const char *d = tpath("out");
	run_gen(d, 200, 9, 1, NULL, 0);
	size_t n;
	char *t = slurp(d, "civil_affairs.csv", &n);
	cr_assert(n > 0);
	cr_expect(t[0] == 'h', "clean roster starts with the canonical header");
	cr_expect_null(strchr(t, '\r'), "clean files use LF");
	cr_expect_null(strchr(t, '"'), "clean roster needs no quoting");
	size_t rows = 0, members = 0;
	char *line = strchr(t, '\n') + 1;
	while (*line) {
		char *end = strchr(line, '\n');
		cr_assert_not_null(end);
		/* household_id,id_number,... */
		char *c1 = strchr(line, ',');
		char *c2 = strchr(c1 + 1, ',');
		char norm[19];
		id_result r = idnum_normalize(c1 + 1, (size_t)(c2 - c1 - 1), 202611, norm);
		cr_expect_eq(r, ID_OK, "roster row %zu: %s", rows + 2, idnum_reason(r));
		rows++;
		line = end + 1;
	}
	members = rows;
	/* household sizes 1-7, mean about 3 */
	cr_expect(members > 200 * 2 && members < 200 * 4, "%zu members", members);
	free(t);
}

Test(gen, truth_has_every_planted_code)
{
	static const char *const codes[] = {
		"reason,R_INCOME,", "reason,R_MEDICAL,", "reason,R_EDUCATION,",
		"reason,R_DROPOUT,", "reason,R_JOBLOSS,", "reason,R_INCOME_DROP,",
		"reason,R_ZEROJOB,", "reason,R_DISASTER,", "reason,R_CARE,",
		"finding,A_DECEASED,", "finding,A_PUBLIC_SECTOR,",
		"finding,A_MULTI_PROPERTY,", "finding,A_HIGH_INCOME,",
		"finding,D_DUP_ROW,", "finding,D_MULTI_HOUSEHOLD,",
		"finding,D_ID_REPAIRED,", "finding,D_INCONSISTENT_INCOME,",
		"finding,X_DISCOVERY,", "reject,duplicate_row,", "absent,R_CARE,",
		"absent,R_DROPOUT,", "absent,R_JOBLOSS,", "absent,R_MEDICAL,",
	};
	for (int clean = 0; clean <= 1; clean++) {
		const char *d = tpath(clean ? "clean" : "dirty");
		run_gen(d, 200, 3, clean, NULL, 0);
		size_t n;
		char *t = slurp(d, "truth.csv", &n);
		char *h = first_line(t);
		cr_expect_str_eq(h, "kind,code,source,household_id,id_number,pid,line,detail");
		free(h);
		for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++)
			cr_expect_not_null(strstr(t, codes[i]), "truth.csv (clean %d) lacks %s",
					   clean, codes[i]);
		free(t);
	}
}

/* Every duplicate_row reject in hr.csv.gz names a line whose text
 * appeared earlier in the file; the D_ID_REPAIRED line holds an ID that
 * fails its check. */
Test(gen, truth_lines_point_at_rows)
{
	const char *d = tpath("out");
	run_gen(d, 2000, 5, 0, NULL, 0);
	size_t n, tn;
	char *hr = slurp(d, "hr.csv.gz", &n);
	char *t = slurp(d, "truth.csv", &tn);
	size_t nl = 0, cap = 1024;
	char **lines = malloc(cap * sizeof *lines);
	lines[nl++] = NULL; /* 1-based */
	for (char *p = hr; *p;) {
		char *e = strchr(p, '\n');
		*e = 0;
		if (nl == cap)
			lines = realloc(lines, (cap *= 2) * sizeof *lines);
		lines[nl++] = p;
		p = e + 1;
	}
	int dups = 0, repairs = 0;
	for (char *p = strchr(t, '\n') + 1; *p; p = strchr(p, '\n') + 1) {
		long line = 0;
		char f[8][128];
		int k = 0;
		const char *q = p;
		for (k = 0; k < 8; k++) {
			size_t l = strcspn(q, ",\n");
			snprintf(f[k], sizeof f[k], "%.*s", (int)(l < 127 ? l : 127), q);
			q += l;
			if (*q != ',')
				break;
			q++;
		}
		const char *kind = f[0], *code = f[1], *src = f[2];
		line = strtol(f[6], NULL, 10);
		if (strcmp(src, "hr") || line == 0)
			continue;
		cr_assert(line >= 2 && (size_t)line < nl, "line %ld", line);
		if (!strcmp(kind, "reject") && !strcmp(code, "duplicate_row")) {
			int seen = 0;
			for (long j = 1; j < line && !seen; j++)
				seen = !strcmp(lines[j], lines[line]);
			cr_expect(seen, "hr line %ld is no repeat", line);
			dups++;
		}
		if (!strcmp(kind, "finding") && !strcmp(code, "D_ID_REPAIRED")) {
			char norm[19];
			const char *id = lines[line];
			cr_expect_eq(idnum_normalize(id, strcspn(id, ","), 202611, norm),
				     ID_BAD_CHECK);
			cr_expect_neq(memcmp(norm, f[4], 18), 0, "the row holds the typo");
			repairs++;
		}
	}
	cr_expect(dups > 0 && repairs > 0, "dups %d repairs %d", dups, repairs);
	free(lines);
	free(hr);
	free(t);
}

static int gz_members(const char *dir, const char *name)
{
	size_t n;
	char *b = raw_file(dir, name, &n);
	z_stream z = {0};
	cr_assert_eq(inflateInit2(&z, 15 + 16), Z_OK);
	unsigned char out[65536];
	int members = 0;
	z.next_in = (unsigned char *)b;
	z.avail_in = (uInt)n;
	while (z.avail_in) {
		z.next_out = out;
		z.avail_out = sizeof out;
		int rc = inflate(&z, Z_NO_FLUSH);
		if (rc == Z_STREAM_END) {
			members++;
			inflateReset(&z);
		} else {
			cr_assert_eq(rc, Z_OK);
		}
	}
	inflateEnd(&z);
	free(b);
	return members;
}

Test(gen, headers_and_forms)
{
	const char *d = tpath("dirty"), *c = tpath("clean");
	run_gen(d, 200, 8, 0, NULL, 0);
	run_gen(c, 200, 8, 1, NULL, 0);
	static const char *const clean_headers[5] = {
		"household_id,id_number,name,region_code,category,household_income,relation,disability_grade,status",
		"id_number,name,stage,status,annual_fees,aid_amount",
		"id_number,name,period,employment_status,employer_type,monthly_wage,unemployment_benefit,pension_monthly",
		"id_number,name,property_count,dangerous_rating,disaster_damage,public_rental",
		"id_number,name,settle_date,out_of_pocket,total_cost,inpatient,major_disease,insured_status",
	};
	for (int i = 0; i < 5; i++) {
		size_t n;
		char *t = slurp(c, files_clean[i], &n);
		char *h = first_line(t);
		cr_expect_str_eq(h, clean_headers[i]);
		free(h);
		free(t);
	}
	/* dirty: BOM, Chinese headers and CRLF in the roster; GB18030 TSV
	 * housing; a two-member medical gzip */
	size_t n;
	char *t = slurp(d, "civil_affairs.csv", &n);
	cr_expect(!memcmp(t, "\xef\xbb\xbf", 3), "BOM");
	cr_expect_not_null(strstr(t, "家庭编号"));
	cr_expect_not_null(strstr(t, "\r\n"));
	free(t);
	t = slurp(d, "housing.tsv", &n);
	cr_expect_not_null(strchr(t, '\t'));
	cr_expect_null(strstr(t, "身份证号"), "housing.tsv is not UTF-8");
	free(t);
	cr_expect_eq(gz_members(d, "medical.csv.gz"), 2);
	cr_expect_eq(gz_members(c, "medical.csv.gz"), 1);
	t = slurp(d, "hhmatch.conf", &n);
	cr_expect_not_null(strstr(t, "period = 202611\n"));
	cr_expect_not_null(strstr(t, "civil-affairs = civil_affairs.csv\n"));
	cr_expect_not_null(strstr(t, "encoding = housing=gb18030\n"));
	free(t);
}

Test(gen, pid_sources)
{
	uint8_t raw[32];
	for (int i = 0; i < 32; i++)
		raw[i] = (uint8_t)(i * 7 + 1);
	pid_key *k = pid_key_new(raw, sizeof raw);
	cr_assert_not_null(k);
	const char *d = tpath("out");
	run_gen(d, 200, 4, 1, k, 1);
	size_t n;
	char *t = slurp(d, "hr.csv.gz", &n);
	char *h = first_line(t);
	cr_expect_str_eq(h, "pid,birth_date,sex,period,employment_status,employer_type,"
			    "monthly_wage,unemployment_benefit,pension_monthly");
	free(h);
	/* a pid, then 8-digit birth date */
	const char *row = strchr(t, '\n') + 1;
	cr_expect_eq(strspn(row, "0123456789abcdef"), 64u);
	free(t);
	t = slurp(d, "truth.csv", &n);
	/* the D_MULTI_HOUSEHOLD finding carries the ID and its pid */
	char *m = strstr(t, "finding,D_MULTI_HOUSEHOLD,");
	cr_assert_not_null(m);
	char id[19], pid[65], want[65];
	cr_assert_eq(sscanf(m, "finding,D_MULTI_HOUSEHOLD,civil_affairs,,%18[0-9X],%64[0-9a-f],",
			    id, pid), 2);
	uint8_t bin[PID_BYTES];
	pid_compute(k, id, bin);
	pid_to_hex(bin, want);
	cr_expect_str_eq(pid, want);
	free(t);
	pid_key_free(k);
}

Test(gen, usage_errors)
{
	hh_err err = {{0}};
	const char *never = tpath("never");
	gen_opts o = {.out_dir = never, .households = 0, .seed = 1};
	cr_expect_eq(gen_month(&o, &err), HH_EUSAGE);
	o.households = 10;
	o.pid_sources = 1;
	cr_expect_eq(gen_month(&o, &err), HH_EUSAGE);
	o.pid_sources = 0;
	o.period = 202613;
	cr_expect_eq(gen_month(&o, &err), HH_EUSAGE);
	/* the options are checked before anything is written */
	cr_expect(access(never, F_OK) != 0 && errno == ENOENT, "a usage error created %s", never);
}

/* The output folder: missing parents are made; a file in its place or in
 * a parent's is an output error naming the path. */
Test(gen, out_folder)
{
	hh_err err = {{0}};
	gen_opts o = {.out_dir = tpath("x/y/z"), .households = 20, .seed = 1, .clean = 1};
	cr_assert_eq(gen_month(&o, &err), HH_OK, "gen_month: %s", err.msg);
	cr_expect_eq(access(tpath("x/y/z/truth.csv"), R_OK), 0);

	write_bytes(tpath("file"), "x", 1);
	o.out_dir = tpath("file");
	cr_expect_eq(gen_month(&o, &err), HH_EINTERNAL);
	char want[1400];
	snprintf(want, sizeof want, "gen: %s is not a folder", tpath("file"));
	cr_expect_str_eq(err.msg, want);

	o.out_dir = tpath("file/sub");
	cr_expect_eq(gen_month(&o, &err), HH_EINTERNAL);
	snprintf(want, sizeof want, "gen: cannot create %s: %s", tpath("file/sub"),
		 strerror(ENOTDIR));
	cr_expect_str_eq(err.msg, want);
}

Test(gen, month_of_another_period)
{
	const char *d = tpath("out");
	gen_opts o = {.out_dir = d, .households = 200, .seed = 77, .period = 202402};
	hh_err err = {{0}};
	cr_assert_eq(gen_month(&o, &err), HH_OK, "gen_month: %s", err.msg);
	for (int i = 0; i < NFILES; i++) {
		char p[1600];
		file_path(p, d, files_dirty[i]);
		cr_expect_eq(access(p, R_OK), 0, "%s missing", files_dirty[i]);
	}
	size_t n;
	char *t = slurp(d, "hhmatch.conf", &n);
	cr_expect_not_null(strstr(t, "period = 202402\n"));
	free(t);
}
