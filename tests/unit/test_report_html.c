/*
 * test_report_html.c - present/report_html.h on hand-made run folders:
 * counts by county and level (a household without a region code
 * included), escaping of what the files hold, an absent source, the
 * levels shown with flag_level low, the trend over a state (a missing or
 * malformed period marked unreadable, one that cannot be opened failing
 * the page, a later period left out), the caps on
 * counties, and a missing output reported by name.  it_report_html runs
 * the real pipeline and a browser; this file pins the edge cases.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#define TESTDIR_NAME "report_html"
#include "testdir.h"

#include "base/strbuf.h"
#include "present/report_html.h"

TestSuite(report_html, .init = testdir_setup, .fini = testdir_teardown);

static void put_file(const char *dir, const char *name, const char *text)
{
	char path[2048];
	hh_err err = {{0}};
	snprintf(path, sizeof path, "%s/%s", dir, name);
	cr_assert_eq(fs_write_file(path, text, strlen(text), 0666, &err), HH_OK, "%s", err.msg);
}

static const char report_json[] =
	"{\"hhmatch_version\": \"0.1.0\", \"period\": \"202611\",\n"
	" \"key_id\": \"<k'\\\">\", \"rules_sha256\": \"feed\",\n"
	" \"rules\": {\"income_line\": \"6000\", \"flag_level\": \"low\"},\n"
	" \"sources\": {\n"
	"  \"civil_affairs\": {\"absent\": false, \"file\": \"<script>x</script>&.csv\",\n"
	"   \"sha256\": \"c0ffee\", \"encoding\": \"utf-8\", \"rows_read\": 10,\n"
	"   \"rows_accepted\": 9, \"rows_rejected\": 1,\n"
	"   \"rejects_by_reason\": {\"bad_id_check\": 1}, \"persons\": 9,\n"
	"   \"persons_on_roster\": 9},\n"
	"  \"education\": {\"absent\": true}}}\n";

/* A run folder "run" with four households in two counties and one
 * without a region code, three flagged (high, low, medium). */
static char *make_run(void)
{
	static char dir[2048];
	snprintf(dir, sizeof dir, "%s", tpath("run"));
	cr_assert_eq(mkdir(dir, 0777), 0);
	put_file(dir, "report.json", report_json);
	put_file(dir, "households.csv", "household_id,region_code\nH1,640104001\nH2,640104002\n"
					"H3,640105001\nH4,\n");
	put_file(dir, "flags.csv", "household_id,region_code,risk_level,reasons\n"
				   "H1,640104001,high,R_INCOME;R_MEDICAL\n"
				   "H3,640105001,low,R_CARE\nH4,,medium,R_INCOME\n");
	put_file(dir, "findings.csv", "code,source,household_id,pid,detail,region_code\n"
				      "D_DUP_ROW,hr,H1,ab12,line 3 repeats line 2,640104001\n");
	return dir;
}

static char *page_of(const char *dir)
{
	char path[2048], *text = NULL;
	hh_err err = {{0}};
	snprintf(path, sizeof path, "%s/%s", dir, REPORT_HTML_NAME);
	cr_assert_eq(fs_read_file(path, 1u << 24, HH_EINPUT, &text, NULL, &err), HH_OK, "%s",
		     err.msg);
	return text;
}

#define assert_has(page, s) cr_assert_not_null(strstr(page, s), "the page lacks %s", s)
#define assert_lacks(page, s) cr_assert_null(strstr(page, s), "the page holds %s", s)

Test(report_html, counties_levels_escaping_and_absent_sources)
{
	char *dir = make_run();
	present_cfg cfg = {.lang = LANG_ZH, .county_digits = 6, .period = 202611};
	hh_err err = {{0}};
	cr_assert_eq(report_html_write(dir, &cfg, &err), HH_OK, "%s", err.msg);
	char *p = page_of(dir);
	assert_has(p, "<tr data-county=\"640104\"><th scope=\"row\">640104</th>"
		      "<td class=\"n\" data-k=\"households\">2</td>"
		      "<td class=\"n\" data-k=\"flagged\">1</td><td class=\"n\" data-k=\"high\">1</td>"
		      "<td class=\"n\" data-k=\"medium\">0</td><td class=\"n\" data-k=\"low\">0</td>"
		      "<td class=\"n\">50.0%</td></tr>");
	assert_has(p, "<tr data-county=\"\"><th scope=\"row\">（无）</th>"
		      "<td class=\"n\" data-k=\"households\">1</td>");
	assert_has(p, "<tr data-county=\"*\"><th>合计</th><td class=\"n\" data-k=\"households\">4</td>"
		      "<td class=\"n\" data-k=\"flagged\">3</td>");
	/* reasons by county, as labels */
	assert_has(p, "<td class=\"n\" data-k=\"R_INCOME\">2</td>");
	assert_has(p, "人均收入低于标准");
	/* what the files hold is escaped */
	assert_has(p, "&lt;script&gt;x&lt;/script&gt;&amp;.csv");
	assert_has(p, "&lt;k&#39;&quot;&gt;");
	assert_lacks(p, "<script");
	assert_lacks(p, "ab12"); /* the finding's pid */
	assert_lacks(p, "H1");
	/* data quality: an absent source, a reject reason's label */
	assert_has(p, "<tr data-source=\"education\"><th scope=\"row\">教育</th>"
		      "<td colspan=\"7\">本期未提供</td></tr>");
	assert_has(p, "身份证号校验位错误");
	assert_has(p, "没有历史记录");
	assert_has(p, "<tr data-code=\"D_DUP_ROW\">");
	free(p);
}

Test(report_html, english)
{
	char *dir = make_run();
	present_cfg cfg = {.lang = LANG_EN, .county_digits = 4, .period = 202611};
	hh_err err = {{0}};
	cr_assert_eq(report_html_write(dir, &cfg, &err), HH_OK, "%s", err.msg);
	char *p = page_of(dir);
	assert_has(p, "<html lang=\"en\">");
	assert_has(p, "<title>Households at risk of falling back into poverty 2026-11</title>");
	/* four digits: one county holds both */
	assert_has(p, "<tr data-county=\"6401\"><th scope=\"row\">6401</th>"
		      "<td class=\"n\" data-k=\"households\">3</td>");
	assert_has(p, "not delivered");
	free(p);
}

Test(report_html, trend_over_the_state)
{
	char *dir = make_run();
	char state[2048];
	snprintf(state, sizeof state, "%s", tdir);
	hh_err err = {{0}};
	static const char *const periods[] = {"202609", "202610", "202612"};
	for (size_t i = 0; i < 3; i++) {
		char d[2100];
		snprintf(d, sizeof d, "%s/runs/%s", tdir, periods[i]);
		cr_assert_eq(fs_mkdir_p(d, 0777, &err), HH_OK, "%s", err.msg);
		if (i != 1) /* 202610's flags.csv is missing */
			put_file(d, "flags.csv", "household_id,region_code,risk_level,reasons\n"
						 "H1,640104001,high,R_INCOME\nH2,640104002,high,R_CARE\n"
						 "H9,640104009,none,\n");
	}
	put_file(dir, "alerts.jsonl",
		 "{\"alert_id\":\"a1\",\"kind\":\"new\",\"household_id\":\"H3\"}\n"
		 "{\"alert_id\":\"a2\",\"kind\":\"new\",\"household_id\":\"H4\"}\n"
		 "{\"alert_id\":\"a3\",\"kind\":\"finding\",\"pid\":\"ab12\"}\n");
	present_cfg cfg = {.lang = LANG_ZH, .county_digits = 6, .state_dir = state,
			   .period = 202611};
	cr_assert_eq(report_html_write(dir, &cfg, &err), HH_OK, "%s", err.msg);
	char *p = page_of(dir);
	assert_has(p, "<tr data-period=\"202609\"><th scope=\"row\">2026年9月</th>"
		      "<td class=\"n\" data-k=\"flagged\">2</td><td class=\"n\" data-k=\"high\">2</td>");
	assert_has(p, "<tr data-period=\"202610\"><th scope=\"row\">2026年10月</th>"
		      "<td colspan=\"4\">无法读取</td></tr>");
	assert_has(p, "<tr data-period=\"202611\"><th scope=\"row\">2026年11月</th>"
		      "<td class=\"n\" data-k=\"flagged\">3</td>");
	assert_lacks(p, "202612");
	assert_has(p, "<tr data-kind=\"new\"><th scope=\"row\">新增预警</th><td><code>new</code></td>"
		      "<td class=\"n\" data-k=\"count\">2</td></tr>");
	assert_has(p, "<tr data-kind=\"finding\">");
	assert_lacks(p, "ab12");
	free(p);
}

/* An earlier period's flags.csv that is malformed is marked unreadable,
 * one that is there but cannot be opened fails the page (exit 3 for the
 * run), as running out of memory does. */
Test(report_html, trend_malformed_period_marked_unopenable_fails)
{
	char *dir = make_run();
	char state[2048], d[2100], path[2200];
	snprintf(state, sizeof state, "%s", tdir);
	hh_err err = {{0}};
	snprintf(d, sizeof d, "%s/runs/202609", tdir);
	cr_assert_eq(fs_mkdir_p(d, 0777, &err), HH_OK, "%s", err.msg);
	put_file(d, "flags.csv", ""); /* refused: no header row */
	present_cfg cfg = {.lang = LANG_ZH, .county_digits = 6, .state_dir = state,
			   .period = 202611};
	cr_assert_eq(report_html_write(dir, &cfg, &err), HH_OK, "%s", err.msg);
	char *p = page_of(dir);
	assert_has(p, "<tr data-period=\"202609\"><th scope=\"row\">2026年9月</th>"
		      "<td colspan=\"4\">无法读取</td></tr>");
	free(p);
	/* root opens a file of mode 000 all the same: nothing to check then */
	if (geteuid() == 0)
		return;
	snprintf(d, sizeof d, "%s/runs/202610", tdir);
	cr_assert_eq(fs_mkdir_p(d, 0777, &err), HH_OK, "%s", err.msg);
	put_file(d, "flags.csv", "household_id,region_code,risk_level,reasons\n");
	snprintf(path, sizeof path, "%s/flags.csv", d);
	cr_assert_eq(chmod(path, 0), 0);
	cr_assert_eq(report_html_write(dir, &cfg, &err), HH_EINTERNAL);
	cr_assert_not_null(strstr(err.msg, "202610/flags.csv: cannot open: Permission denied"),
			   "%s", err.msg);
	cr_assert_eq(chmod(path, 0644), 0);
}

Test(report_html, many_counties_are_capped)
{
	char dir[2048];
	snprintf(dir, sizeof dir, "%s", tpath("many"));
	cr_assert_eq(mkdir(dir, 0777), 0);
	put_file(dir, "report.json", report_json);
	strbuf h = STRBUF_INIT, f = STRBUF_INIT;
	sb_adds(&h, "household_id,region_code\n");
	sb_adds(&f, "household_id,region_code,risk_level,reasons\n");
	for (int i = 0; i < 250; i++) {
		sb_addf(&h, "H%d,640104%06d\n", i, i);
		sb_addf(&f, "H%d,640104%06d,%s,R_INCOME\n", i, i, i % 5 ? "medium" : "high");
	}
	put_file(dir, "households.csv", sb_str(&h));
	put_file(dir, "flags.csv", sb_str(&f));
	put_file(dir, "findings.csv", "code,source,household_id,pid,detail,region_code\n");
	sb_release(&h);
	sb_release(&f);
	present_cfg cfg = {.lang = LANG_EN, .county_digits = 12, .period = 202611};
	hh_err err = {{0}};
	cr_assert_eq(report_html_write(dir, &cfg, &err), HH_OK, "%s", err.msg);
	char *p = page_of(dir);
	size_t rows = 0;
	for (const char *s = p; (s = strstr(s, "<tr data-county=\"6401")); s++)
		rows++;
	cr_assert_eq(rows, 2 * 200, "county rows in the two tables: %zu", rows);
	assert_has(p, "The chart draws the 40 counties with the most flagged households (of 250)");
	assert_has(p, "The table lists the 200 counties with the most flagged households (of 250)");
	/* the total still covers every county */
	assert_has(p, "<tr data-county=\"*\"><th>Total</th><td class=\"n\" data-k=\"households\">250</td>");
	assert_has(p, "This run has no findings.");
	free(p);
}

Test(report_html, a_missing_output_is_named)
{
	char *dir = make_run();
	char path[2100];
	snprintf(path, sizeof path, "%s/flags.csv", dir);
	cr_assert_eq(unlink(path), 0);
	present_cfg cfg = {.lang = LANG_ZH, .county_digits = 6, .period = 202611};
	hh_err err = {{0}};
	cr_assert_eq(report_html_write(dir, &cfg, &err), HH_EINTERNAL);
	cr_assert_not_null(strstr(err.msg, "flags.csv"), "%s", err.msg);
	snprintf(path, sizeof path, "%s/%s", dir, REPORT_HTML_NAME);
	cr_assert_neq(access(path, F_OK), 0, "a page written after a failure");
}
