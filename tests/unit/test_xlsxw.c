/*
 * test_xlsxw.c - connectors/xlsxw.c: a workbook read back by Python's
 * openpyxl (and zipfile for the raw XML): text cells stay text and read
 * back as written (<, &, ", control characters, a literal "_x0041_",
 * Chinese, spaces at the ends; a byte that is not UTF-8 as U+FFFD),
 * numbers read back as the same doubles from their shortest decimal,
 * styles' number formats, fonts and fills, widths, row heights, frozen
 * rows, autofilter (with its hidden defined name), print setup, sheet
 * names that need escaping, document properties; sheets made apart and
 * added in order giving the bytes of sheets written in place; and the
 * misuses and failures that must be errors naming the file.  The cases
 * fuzz_xlsxw found: "_x0041" before a control character, a text's length
 * in UTF-16 units, an earlier error returned by xlsxw_part_add, sheet
 * names that differ only in bytes that are not UTF-8.
 *
 * Without a python3 that imports openpyxl the read-back test fails,
 * unless HH_ALLOW_NO_OPENPYXL=1 (then it is skipped), as it_workbook.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "connectors/xlsxw.h"

#define TESTDIR_NAME "xlsxw"
#include "testdir.h"

TestSuite(xlsxw, .init = testdir_setup, .fini = testdir_teardown);

/* A python3 that imports openpyxl, or NULL. */
static const char *openpyxl_python(void)
{
	static const char *const cands[] = {"python3", "/usr/bin/python3"};
	char cmd[256];
	for (size_t i = 0; i < sizeof cands / sizeof *cands; i++) {
		snprintf(cmd, sizeof cmd, "%s -c 'import openpyxl' 2>/dev/null", cands[i]);
		if (!system(cmd))
			return cands[i];
	}
	return NULL;
}

/* The numbers of row 3 of the first sheet, left to right. */
static const double numbers[] = {1234.5, 0.1, -0.5, 1e-7, 1.0 / 3, 123456789012345678.0,
				 4898.4, 0.026110045729458624, 9007199254740993.0, 1e300,
				 -0.0, 12.34, 100, 5966.40, 2.5e-320, 1e13 + 0.5};
#define NNUM (sizeof numbers / sizeof *numbers)

/* What openpyxl must read: the sheets, cells, formats and settings
 * below (Python text; argv: the workbook, the numbers as %.17g). */
static const char check_py[] =
	"import sys, zipfile, openpyxl\n"
	"path, nums = sys.argv[1], [float(x) for x in open(sys.argv[2]).read().split()]\n"
	"z = zipfile.ZipFile(path)\n"
	"assert z.testzip() is None\n"
	"names = z.namelist()\n"
	"assert names[:3] == ['[Content_Types].xml', '_rels/.rels', 'xl/worksheets/sheet1.xml'], names\n"
	"s1 = z.read('xl/worksheets/sheet1.xml').decode()\n"
	"wbx = z.read('xl/workbook.xml').decode()\n"
	"for want in ['<v>1234.5</v>', '<v>0.1</v>', '<v>4898.4</v>', '<v>5966.4</v>',\n"
	"             '<v>0.026110045729458624</v>', 'a&lt;b &amp; c&gt;d \"q\"',\n"
	"             '_x0001_', '_x005F_x0041_', '<t xml:space=\"preserve\"> lead']:\n"
	"    assert want in s1, want\n"
	"assert 'name=\"a\\'b&amp;c\"' in wbx, wbx\n"
	"assert \"'a''b&amp;c'!$A$1:$B$3\" in wbx, wbx\n"
	"assert \"'640104'!$1:$1\" in wbx, wbx\n"
	"wb = openpyxl.load_workbook(path)\n"
	"assert wb.sheetnames == ['汇总', '640104', \"a'b&c\"], wb.sheetnames\n"
	"ws = wb['汇总']\n"
	"texts = ['a<b & c>d \"q\" \\'x\\'', 'line1\\nline2\\ttab', 'ctrl\\x01\\x1f end\\r',\n"
	"         '_x0041_ literal', '家庭编号；人均收入 4,092 < 6,000 ≥', 'bad \\ufffd byte',\n"
	"         ' lead and trail ']\n"
	"# openpyxl leaves _xHHHH_ in inline strings as it is; Excel decodes it\n"
	"from openpyxl.utils.escape import unescape\n"
	"got = [c.value for c in ws[1]]\n"
	"assert [unescape(t) for t in got[:len(texts)]] == texts, got\n"
	"assert all(c.data_type == 's' for c in ws[1][:len(texts)])\n"
	"assert ws['A1'].number_format == '@' and ws['A1'].font.b\n"
	"assert ws['H1'].value is None and ws['H1'].fill.fgColor.rgb == 'FFDDEBF7', ws['H1'].fill\n"
	"assert ws['H1'].border.left.style == 'thin' and ws['H1'].alignment.wrap_text\n"
	"assert ws['I1'].value is None\n"
	"assert ws.cell(2, 1).value is None and ws.cell(2, 2).value is None\n"
	"vals = [c.value for c in ws[3]]\n"
	"assert len(vals) == len(nums) + 1, vals\n"
	"for v, n in zip(vals, nums):\n"
	"    assert isinstance(v, (int, float)) and float(v) == n, (v, n)\n"
	"assert vals[-1] == '0042' and ws[3][-1].data_type == 's'\n"
	"fmts = [c.number_format for c in ws[3][:4]]\n"
	"assert fmts == ['#,##0.00', '0', '0.0%', 'General'], fmts\n"
	"assert ws['A5'].font.b and ws['A5'].font.sz == 14\n"
	"assert ws.row_dimensions[5].height == 48\n"
	"assert ws.column_dimensions['A'].width == 36.7109375, ws.column_dimensions['A'].width\n"
	"assert ws.column_dimensions['B'].width == 12.7109375\n"
	"assert ws.freeze_panes is None and ws.auto_filter.ref is None\n"
	"c = wb['640104']\n"
	"assert c.freeze_panes == 'A2', c.freeze_panes\n"
	"assert c.auto_filter.ref == 'A1:C4', c.auto_filter.ref\n"
	"assert c.page_setup.orientation == 'landscape' and str(c.page_setup.paperSize) == '9'\n"
	"assert c.sheet_properties.pageSetUpPr.fitToPage\n"
	"assert str(c.page_setup.fitToHeight) == '0'\n"
	"assert [[x.value for x in r] for r in c.iter_rows()] == [\n"
	"    ['家庭编号', '行政区划代码', '分值'], ['H640104000017', '640104001001', 71],\n"
	"    ['H640104000018', '640104001002', 70], ['H640104000019', '640104001003', 69]]\n"
	"assert c['A2'].data_type == 's' and c['B2'].number_format == '@'\n"
	"assert wb[\"a'b&c\"].auto_filter.ref == 'A1:B3'\n"
	"p = wb.properties\n"
	"assert (p.title, p.creator) == ('返贫风险 <监测> & 预警', 'hhmatch'), (p.title, p.creator)\n"
	"assert p.created.isoformat() == '2026-11-01T00:00:00', p.created\n"
	"print('ok')\n";

/* The county sheet's rows, into a workbook's current sheet or a part. */
static void county_rows(xlsxw *x, int head, int code, int integer)
{
	xlsxw_row(x, 0, 0);
	xlsxw_text(x, 0, "家庭编号", head);
	xlsxw_text(x, 1, "行政区划代码", head);
	xlsxw_text(x, 2, "分值", head);
	for (uint32_t r = 1; r <= 3; r++) {
		char hh[32], region[32];
		snprintf(hh, sizeof hh, "H6401040000%02u", 16 + r);
		snprintf(region, sizeof region, "640104001%03u", r);
		xlsxw_row(x, r, 0);
		xlsxw_text(x, 0, hh, code);
		xlsxw_text(x, 1, region, code);
		xlsxw_number(x, 2, 72 - r, integer);
	}
	xlsxw_autofilter(x, 0, 0, 3, 2);
}

static void last_rows(xlsxw *x)
{
	xlsxw_row(x, 0, 0);
	xlsxw_text(x, 0, "x", 0);
	xlsxw_autofilter(x, 0, 0, 2, 1);
}

/* The sample workbook; apart: its second and third sheets made apart
 * (the third first) and added in order. */
static void write_sample_as(const char *path, int apart)
{
	hh_err err = {{0}};
	xlsxw *x;
	xlsxw_props props = {.title = "返贫风险 <监测> & 预警", .author = "hhmatch",
			     .created = 1793491200 /* 2026-11-01T00:00:00Z */};
	cr_assert_eq(xlsxw_open(path, &props, 3, &x, &err), HH_OK, "%s", err.msg);
	int text = xlsxw_add_style(x, &(xlsxw_style){.bold = 1, .num_format = "@"});
	int head = xlsxw_add_style(x, &(xlsxw_style){.bold = 1, .fill = 1, .fill_rgb = 0xDDEBF7,
						   .border = 1, .wrap = 1, .valign_center = 1});
	int money = xlsxw_add_style(x, &(xlsxw_style){.num_format = "#,##0.00"});
	int integer = xlsxw_add_style(x, &(xlsxw_style){.num_format = "0"});
	int pct = xlsxw_add_style(x, &(xlsxw_style){.num_format = "0.0%"});
	int title = xlsxw_add_style(x, &(xlsxw_style){.bold = 1, .font_size = 14});
	int code = xlsxw_add_style(x, &(xlsxw_style){.num_format = "@"});
	cr_assert(text && head && money && integer && pct && title && code);

	double widths[] = {36, 12, 12};
	xlsxw_sheet summary = {.widths = widths, .nwidths = 3};
	cr_assert_eq(xlsxw_sheet_begin(x, "汇总", &summary, &err), HH_OK, "%s", err.msg);
	xlsxw_row(x, 0, 0);
	const char *texts[] = {"a<b & c>d \"q\" 'x'", "line1\nline2\ttab", "ctrl\x01\x1f end\r",
			       "_x0041_ literal", "家庭编号；人均收入 4,092 < 6,000 ≥",
			       "bad \xff byte", " lead and trail "};
	for (uint32_t k = 0; k < 7; k++)
		xlsxw_text(x, k, texts[k], k ? 0 : text);
	xlsxw_text(x, 7, "", head); /* a blank cell that keeps its style */
	xlsxw_text(x, 8, "", 0);    /* nothing at all */
	xlsxw_row(x, 2, 0);         /* row 2 (1-based) left out */
	for (uint32_t k = 0; k < NNUM; k++)
		xlsxw_number(x, k, numbers[k], k == 0 ? money : k == 1 ? integer : k == 2 ? pct : 0);
	xlsxw_text(x, NNUM, "0042", code);
	xlsxw_row(x, 4, 48);
	xlsxw_text(x, 0, "标题", title);
	cr_assert_eq(xlsxw_sheet_end(x, &err), HH_OK, "%s", err.msg);

	double cw[] = {15, 14, 0};
	xlsxw_sheet county = {.widths = cw, .nwidths = 3, .freeze_rows = 1, .landscape = 1,
			      .paper = 9, .fit_width = 1, .repeat_rows = 1};
	if (apart) {
		xlsxw *p2, *p3;
		cr_assert_eq(xlsxw_part_open(path, 3, code, "a'b&c", NULL, &p3, &err), HH_OK, "%s",
			     err.msg);
		last_rows(p3);
		cr_assert_eq(xlsxw_part_open(path, 2, code, "640104", &county, &p2, &err), HH_OK,
			     "%s", err.msg);
		county_rows(p2, head, code, integer);
		/* adding ends the summary */
		cr_assert_eq(xlsxw_part_add(x, p2, &err), HH_OK, "%s", err.msg);
		cr_assert_eq(xlsxw_part_add(x, p3, &err), HH_OK, "%s", err.msg);
	} else {
		cr_assert_eq(xlsxw_sheet_begin(x, "640104", &county, &err), HH_OK, "%s", err.msg);
		county_rows(x, head, code, integer);
		/* the next sheet ends this one */
		cr_assert_eq(xlsxw_sheet_begin(x, "a'b&c", NULL, &err), HH_OK, "%s", err.msg);
		last_rows(x);
	}
	cr_assert_eq(xlsxw_close(x, &err), HH_OK, "%s", err.msg);
}

static void write_sample(const char *path)
{
	write_sample_as(path, 0);
}

Test(xlsxw, read_back_by_openpyxl)
{
	const char *path = tpath("book.xlsx");
	write_sample(path);
	const char *py = openpyxl_python();
	if (!py) {
		const char *allow = getenv("HH_ALLOW_NO_OPENPYXL");
		if (allow && !strcmp(allow, "1"))
			cr_skip_test("no python3 with openpyxl");
		cr_assert_fail("python3 with openpyxl is needed (scripts/setup.sh --test)");
	}
	char nums[1400], script[1400], out[1400], cmd[6000];
	snprintf(nums, sizeof nums, "%s", tpath("nums"));
	snprintf(script, sizeof script, "%s", tpath("check.py"));
	snprintf(out, sizeof out, "%s", tpath("check.out"));
	FILE *f = fopen(nums, "w");
	cr_assert_not_null(f);
	for (size_t k = 0; k < NNUM; k++)
		fprintf(f, "%.17g\n", numbers[k]);
	fclose(f);
	write_bytes(script, check_py, sizeof check_py - 1);
	snprintf(cmd, sizeof cmd, "PYTHONIOENCODING=utf-8 %s '%s' '%s' '%s' >'%s' 2>&1", py, script,
		 path, nums, out);
	int rc = system(cmd);
	char *said = read_bytes(out, NULL);
	cr_expect_eq(rc, 0, "openpyxl's reading: %s", said);
	free(said);
}

Test(xlsxw, same_calls_same_bytes)
{
	size_t n1, n2;
	write_sample(tpath("1.xlsx"));
	write_sample(tpath("2.xlsx"));
	char *a = read_bytes(tpath("1.xlsx"), &n1), *b = read_bytes(tpath("2.xlsx"), &n2);
	cr_expect(n1 == n2 && !memcmp(a, b, n1), "two workbooks from the same calls differ");
	free(a);
	free(b);
}

/* Sheets made apart (as caseworkers.xlsx's county sheets are, by several
 * threads) give the bytes of the same sheets written in place. */
Test(xlsxw, sheets_apart_same_bytes)
{
	size_t n1, n2;
	write_sample_as(tpath("in_place.xlsx"), 0);
	write_sample_as(tpath("apart.xlsx"), 1);
	char *a = read_bytes(tpath("in_place.xlsx"), &n1), *b = read_bytes(tpath("apart.xlsx"), &n2);
	cr_expect(n1 == n2 && !memcmp(a, b, n1), "sheets made apart give other bytes");
	free(a);
	free(b);
}


/* Starts a workbook at path with one sheet "s" and row 0 begun. */
static xlsxw *one_sheet(const char *path)
{
	hh_err err = {{0}};
	xlsxw *x;
	cr_assert_eq(xlsxw_open(path, NULL, 1, &x, &err), HH_OK, "%s", err.msg);
	cr_assert_eq(xlsxw_sheet_begin(x, "s", NULL, &err), HH_OK, "%s", err.msg);
	xlsxw_row(x, 0, 0);
	return x;
}

/* xlsxw_close's error for x, which must name the file and say why. */
static void expect_close_error(xlsxw *x, const char *path, const char *why)
{
	hh_err err = {{0}};
	cr_expect_eq(xlsxw_close(x, &err), HH_EINTERNAL, "%s: no error at close", why);
	cr_expect_not_null(strstr(err.msg, path), "%s", err.msg);
	cr_expect_not_null(strstr(err.msg, why), "%s", err.msg);
}

/* A part added out of its place, or under a name the workbook has, is
 * an error of the workbook's; a part's own misuse is an error of the
 * add, and the part is freed either way. */
Test(xlsxw, sheets_apart_misuse)
{
	hh_err err = {{0}};
	const char *path = tpath("apart_bad.xlsx");
	xlsxw *x = one_sheet(path), *p;
	cr_assert_eq(xlsxw_part_open(path, 3, 0, "t", NULL, &p, &err), HH_OK, "%s", err.msg);
	cr_expect_eq(xlsxw_part_add(x, p, &err), HH_EINTERNAL, "sheet 3 added as sheet 2");
	cr_expect_not_null(strstr(err.msg, "added as sheet 2"), "%s", err.msg);
	expect_close_error(x, path, "added as sheet 2");
	x = one_sheet(path);
	cr_assert_eq(xlsxw_part_open(path, 2, 0, "S", NULL, &p, &err), HH_OK, "%s", err.msg);
	cr_expect_eq(xlsxw_part_add(x, p, &err), HH_EINTERNAL);
	expect_close_error(x, path, "earlier sheet");
	x = one_sheet(path);
	cr_assert_eq(xlsxw_part_open(path, 2, 0, "t", NULL, &p, &err), HH_OK, "%s", err.msg);
	xlsxw_row(p, 0, 0);
	xlsxw_text(p, 0, "a", 1); /* no style 1 in this part */
	cr_expect_eq(xlsxw_part_add(x, p, &err), HH_EINTERNAL);
	cr_expect_not_null(strstr(err.msg, "unknown style"), "%s", err.msg);
	cr_expect_not_null(strstr(err.msg, path), "%s", err.msg);
	cr_expect_eq(xlsxw_close(x, &err), HH_OK, "%s: the part's error is not the workbook's",
		     err.msg);
	/* an earlier error of the workbook's is the add's too */
	x = one_sheet(path);
	cr_expect_eq(xlsxw_sheet_begin(x, "a:b", NULL, &err), HH_EINTERNAL);
	cr_assert_eq(xlsxw_part_open(path, 2, 0, "t", NULL, &p, &err), HH_OK, "%s", err.msg);
	cr_expect_eq(xlsxw_part_add(x, p, &err), HH_EINTERNAL, "the workbook's error is lost");
	cr_expect_not_null(strstr(err.msg, "holds one of"), "%s", err.msg);
	expect_close_error(x, path, "holds one of");
	cr_expect_eq(xlsxw_part_open(path, 2, 0, "a/b", NULL, &p, &err), HH_EINTERNAL);
	cr_expect_null(p);
	cr_expect_not_null(strstr(err.msg, "holds one of"), "%s", err.msg);
	cr_expect_eq(xlsxw_part_open(path, 0, 0, "t", NULL, &p, &err), HH_EINTERNAL);
	cr_expect_null(p);
}

/* The XML of sheet1 of the workbook at path (its third entry),
 * NUL-terminated. */
static char *sheet1_xml(const char *path)
{
	size_t len, off = 0;
	unsigned char *z = (unsigned char *)read_bytes(path, &len);
	cr_assert_not_null(z);
#define LE16(p) ((unsigned)(p)[0] | (unsigned)(p)[1] << 8)
#define LE32(p) (LE16(p) | (uint32_t)LE16((p) + 2) << 16)
	for (int i = 0; i < 2; i++)
		off += 30 + LE16(z + off + 26) + LE32(z + off + 18);
	cr_assert(off + 30 < len);
	const unsigned char *h = z + off;
	uint32_t csize = LE32(h + 18), usize = LE32(h + 22);
	cr_assert_eq(memcmp(h + 30, "xl/worksheets/sheet1.xml", 24), 0);
	char *xml = malloc(usize + 1);
	cr_assert_not_null(xml);
	z_stream s = {0};
	cr_assert_eq(inflateInit2(&s, -15), Z_OK);
	s.next_in = (Bytef *)(h + 30 + LE16(h + 26));
	s.avail_in = csize;
	s.next_out = (Bytef *)xml;
	s.avail_out = usize;
	cr_assert_eq(inflate(&s, Z_FINISH), Z_STREAM_END);
	inflateEnd(&s);
#undef LE16
#undef LE32
	xml[usize] = '\0';
	free(z);
	return xml;
}

/* "_x0041" before a control character: the control's escape gives it a
 * closing underscore, so its own underscore is escaped too (Excel would
 * read "_x0041_x000D_" as "Ax000D_"). */
Test(xlsxw, underscore_before_a_control)
{
	hh_err err = {{0}};
	const char *path = tpath("underscore.xlsx");
	xlsxw *x = one_sheet(path);
	xlsxw_text(x, 0, "_x0041\r", 0);
	xlsxw_text(x, 1, "_x0041\x01", 0);
	xlsxw_text(x, 2, "_x0041\n", 0);
	xlsxw_text(x, 3, "_x004\x01", 0);
	cr_assert_eq(xlsxw_close(x, &err), HH_OK, "%s", err.msg);
	char *xml = sheet1_xml(path);
	static const char *const want[] = {
		"<t xml:space=\"preserve\">_x005F_x0041_x000D_</t>", "<t>_x005F_x0041_x0001_</t>",
		"<t xml:space=\"preserve\">_x0041\n</t>", "<t>_x004_x0001_</t>"};
	for (size_t i = 0; i < sizeof want / sizeof *want; i++)
		cr_expect_not_null(strstr(xml, want[i]), "%s not in %s", want[i], xml);
	free(xml);
}

Test(xlsxw, misuse_is_an_error)
{
	hh_err err = {{0}};
	const char *path = tpath("bad.xlsx");
	static const struct {
		const char *name, *why;
	} names[] = {{"", "is empty"},
		     {"a[1]", "holds one of"},
		     {"a/b", "holds one of"},
		     {"'quoted'", "apostrophe"},
		     {"这个名字有三十二个字符这个名字有三十二个字符这个名字有三十二个字符这个", "31"},
		     {"S", "earlier sheet"}};
	for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
		xlsxw *x = one_sheet(path);
		cr_expect_eq(xlsxw_sheet_begin(x, names[i].name, NULL, &err), HH_EINTERNAL,
			     "sheet name '%s' accepted", names[i].name);
		cr_expect_not_null(strstr(err.msg, names[i].why), "%s", err.msg);
		expect_close_error(x, path, names[i].why);
	}
	xlsxw *x = one_sheet(path);
	xlsxw_text(x, 3, "a", 0);
	xlsxw_text(x, 2, "b", 0);
	expect_close_error(x, path, "out of order");
	x = one_sheet(path);
	xlsxw_row(x, 0, 0);
	expect_close_error(x, path, "out of order");
	x = one_sheet(path);
	xlsxw_number(x, 0, NAN, 0);
	expect_close_error(x, path, "not finite");
	x = one_sheet(path);
	xlsxw_number(x, 0, INFINITY, 0);
	expect_close_error(x, path, "not finite");
	x = one_sheet(path);
	xlsxw_text(x, 0, "a", 99);
	expect_close_error(x, path, "unknown style");
	x = one_sheet(path);
	{
		/* 32,767 characters fit (Chinese: 3 bytes each); one more does not */
		size_t n = XLSXW_MAX_CHARS;
		char *big = malloc(3 * (n + 1) + 1);
		cr_assert_not_null(big);
		for (size_t i = 0; i < n + 1; i++)
			memcpy(big + 3 * i, "户", 3);
		big[3 * n] = '\0';
		xlsxw_text(x, 0, big, 0);
		cr_assert_eq(xlsxw_close(x, &err), HH_OK, "%s", err.msg);
		x = one_sheet(path);
		memcpy(big + 3 * n, "户", 4);
		xlsxw_text(x, 0, big, 0);
		free(big);
		expect_close_error(x, path, "Excel holds at most 32,767");
	}
	{
		/* Excel counts UTF-16 units: 16,384 characters beyond U+FFFF are
		 * 32,768; a byte that is not UTF-8 is one U+FFFD */
		size_t n = XLSXW_MAX_CHARS / 2 + 1;
		char *big = malloc(4 * n + 1);
		cr_assert_not_null(big);
		for (size_t i = 0; i < n; i++)
			memcpy(big + 4 * i, "\xF0\xA0\x80\x80", 4); /* U+20000 */
		big[4 * n] = '\0';
		x = one_sheet(path);
		xlsxw_text(x, 0, big, 0);
		expect_close_error(x, path, "a text of 32768 characters");
		memset(big, 0x80, 2 * n);
		big[2 * n] = '\0';
		x = one_sheet(path);
		xlsxw_text(x, 0, big, 0);
		free(big);
		expect_close_error(x, path, "a text of 32768 characters");
		x = one_sheet(path);
		xlsxw_text(x, 0, "a\x80\x80", 0);
		cr_expect_eq(xlsxw_close(x, &err), HH_OK, "%s", err.msg);
	}
	{
		/* a name of 31 bytes that are not UTF-8 is 31 U+FFFD; of 32,
		 * too long */
		char name[33];
		memset(name, 0x80, 32);
		name[31] = '\0';
		x = one_sheet(path);
		cr_expect_eq(xlsxw_sheet_begin(x, name, NULL, &err), HH_OK, "%s", err.msg);
		expect_close_error(x, path, "2 sheets written, 1 announced");
		name[31] = (char)0x80;
		name[32] = '\0';
		x = one_sheet(path);
		cr_expect_eq(xlsxw_sheet_begin(x, name, NULL, &err), HH_EINTERNAL);
		expect_close_error(x, path, "longer than 31");
	}
	{
		/* names the same as written: a byte that is not UTF-8 is U+FFFD */
		static const char *const later[] = {"A\xFE", "a\xEF\xBF\xBD"};
		for (size_t i = 0; i < 2; i++) {
			cr_assert_eq(xlsxw_open(path, NULL, 2, &x, &err), HH_OK, "%s", err.msg);
			cr_assert_eq(xlsxw_sheet_begin(x, "a\xFF", NULL, &err), HH_OK, "%s", err.msg);
			cr_expect_eq(xlsxw_sheet_begin(x, later[i], NULL, &err), HH_EINTERNAL,
				     "sheet name '%s' accepted after 'a\\xFF'", later[i]);
			expect_close_error(x, path, "earlier sheet");
		}
	}
	x = one_sheet(path);
	for (int i = 0; i < 33; i++)
		xlsxw_add_style(x, &(xlsxw_style){.bold = 1});
	expect_close_error(x, path, "more than 32");
	cr_assert_eq(xlsxw_open(path, NULL, 0, &x, &err), HH_OK, "%s", err.msg);
	expect_close_error(x, path, "without a sheet");
	cr_assert_eq(xlsxw_open(path, NULL, 2, &x, &err), HH_OK, "%s", err.msg);
	cr_assert_eq(xlsxw_sheet_begin(x, "s", NULL, &err), HH_OK, "%s", err.msg);
	expect_close_error(x, path, "1 sheets written, 2 announced");
	cr_expect_eq(xlsxw_close(NULL, &err), HH_OK);
}

Test(xlsxw, write_failures_are_errors)
{
	hh_err err = {{0}};
	xlsxw *x = (xlsxw *)1;
	cr_expect_eq(xlsxw_open(tpath("no/such/b.xlsx"), NULL, 1, &x, &err), HH_EINTERNAL);
	cr_expect_null(x);
	cr_expect_not_null(strstr(err.msg, "no/such/b.xlsx"), "%s", err.msg);
	if (access("/dev/full", W_OK) != 0)
		return;
	/* a sheet of some MB: the disk fills while rows come */
	cr_assert_eq(xlsxw_open("/dev/full", NULL, 1, &x, &err), HH_OK, "%s", err.msg);
	cr_assert_eq(xlsxw_sheet_begin(x, "s", NULL, &err), HH_OK, "%s", err.msg);
	for (uint32_t r = 0; r < 50000; r++) {
		xlsxw_row(x, r, 0);
		char t[32];
		snprintf(t, sizeof t, "H%011u", r * 2654435761u);
		xlsxw_text(x, 0, t, 0);
		xlsxw_number(x, 1, r * 1.25, 0);
	}
	cr_expect_eq(xlsxw_sheet_end(x, &err), HH_EINTERNAL, "a full disk at the sheet's end");
	cr_expect_not_null(strstr(err.msg, "No space left on device"), "%s", err.msg);
	expect_close_error(x, "/dev/full", "No space left on device");
}
