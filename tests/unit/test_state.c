/*
 * test_state.c - run history and alerts (history/state.c): every alert
 * kind from hand-made pairs of runs, findings alerts, ids stable across
 * reruns of a period, a rerun compared with the earlier period (never
 * with itself), and the first period with no history.
 */
#include <criterion/criterion.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/strbuf.h"
#include "history/alerts.h"
#include "history/state.h"

#define TESTDIR_NAME "state"
#include "testdir.h"

static void put(const char *dir, const char *name, const char *text)
{
	char p[2048];
	snprintf(p, sizeof p, "%s/%s", dir, name);
	FILE *f = fopen(p, "w");
	cr_assert_not_null(f, "%s", p);
	fputs(text, f);
	fclose(f);
}

static char *slurp(const char *dir, const char *name)
{
	char p[2048];
	snprintf(p, sizeof p, "%s/%s", dir, name);
	FILE *f = fopen(p, "r");
	cr_assert_not_null(f, "%s", p);
	static char buf[1 << 16];
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	buf[n] = '\0';
	fclose(f);
	return strdup(buf);
}

static const char hh_header[] =
	"household_id,region_code,category,members,household_income,income_per_capita,"
	"oop_12m,edu_net_fees,risk_score,risk_level,reasons\n";

/* A run folder from "ID level reasons" lines; flags.csv gets the medium
 * and high ones. */
static void make_run(const char *dir, const char *const *hh, const char *findings)
{
	strbuf hbuf = STRBUF_INIT, fbuf = STRBUF_INIT, fnd = STRBUF_INIT;
	sb_adds(&hbuf, hh_header);
	sb_adds(&fbuf, hh_header);
	for (; *hh; hh++) {
		char id[32], level[16], reasons[128] = "";
		int n = sscanf(*hh, "%31s %15s %127s", id, level, reasons);
		cr_assert_geq(n, 2);
		int flagged = !strcmp(level, "medium") || !strcmp(level, "high");
		strbuf *to[] = {&hbuf, flagged ? &fbuf : NULL};
		for (size_t i = 0; i < 2 && to[i]; i++)
			sb_addf(to[i], "%s,640104,dibao,2,1000.00,500.00,0.00,0.00,0,%s,%s\n",
				id, level, reasons);
	}
	sb_addf(&fnd, "code,source,household_id,pid,detail\n%s", findings);
	cr_assert(!hbuf.oom && !fbuf.oom && !fnd.oom);
	mkdir(dir, 0700);
	put(dir, "households.csv", sb_str(&hbuf));
	put(dir, "flags.csv", sb_str(&fbuf));
	put(dir, "findings.csv", sb_str(&fnd));
	put(dir, "report.json", "{\"period\": \"000000\", \"sources\": {}}\n");
	sb_release(&hbuf);
	sb_release(&fbuf);
	sb_release(&fnd);
}

/* The state folder and two run folders, in the test's temporary folder. */
static char state[1280], prev_out[1280], cur_out[1280];

static void setup(void)
{
	testdir_setup();
	snprintf(state, sizeof state, "%s", tpath("state"));
	snprintf(prev_out, sizeof prev_out, "%s", tpath("oct"));
	snprintf(cur_out, sizeof cur_out, "%s", tpath("nov"));
}

/* Entries of dir other than . and .. */
static int entries(const char *dir)
{
	DIR *d = opendir(dir);
	cr_assert_not_null(d, "%s", dir);
	int n = 0;
	for (struct dirent *e; (e = readdir(d));)
		n += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
	closedir(d);
	return n;
}

#define PID_A "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define PID_B "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
#define PID_C "cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc"

static const char *const oct_hh[] = {
	"H1 medium R_INCOME",        "H2 high R_INCOME;R_MEDICAL",
	"H3 medium R_MEDICAL",       "H4 high R_INCOME;R_CARE",
	"H6 medium R_ZEROJOB",       "H7 low R_DROPOUT",
	NULL};
static const char oct_findings[] =
	"A_DECEASED,medical,H1," PID_A ",deceased\n";

static const char *const nov_hh[] = {
	"H1 high R_INCOME;R_MEDICAL", /* escalated */
	"H2 medium R_MEDICAL",        /* de-escalated */
	"H3 low R_DROPOUT",           /* resolved, still low */
	/* H4 gone: resolved, none */
	"H5 medium R_DISASTER",       /* new */
	"H6 medium R_INCOME",         /* same level: no alert */
	"H7 high R_INCOME;R_JOBLOSS", /* new (was low) */
	NULL};
static const char nov_findings[] =
	"A_DECEASED,medical,H1," PID_A ",deceased\n"        /* known: no alert */
	"A_PUBLIC_SECTOR,hr,H2," PID_B ",public sector\n"   /* new finding */
	"D_DUP_ROW,hr,," PID_B ",duplicate\n"               /* not an alerting code */
	"X_DISCOVERY,medical,," PID_C ",oop\n";              /* new finding, no household */

/* Field value of a JSON line (string values only), for the checks. */
static void field(const char *line, const char *key, char *out, size_t cap)
{
	char pat[64];
	snprintf(pat, sizeof pat, "\"%s\":\"", key);
	const char *p = strstr(line, pat);
	out[0] = '\0';
	if (!p)
		return;
	p += strlen(pat);
	const char *e = strchr(p, '"');
	snprintf(out, cap, "%.*s", (int)(e - p), p);
}

static int lines_of(char *text, char **lines, int max)
{
	int n = 0;
	for (char *p = text; *p && n < max;) {
		lines[n++] = p;
		char *e = strchr(p, '\n');
		if (!e)
			break;
		*e = '\0';
		p = e + 1;
	}
	return n;
}

static void run_two_months(void)
{
	hh_err err = {{0}};
	unsigned long n = 0;
	make_run(prev_out, oct_hh, oct_findings);
	cr_assert_eq(alerts_write(state, 202610, prev_out, &n, &err), HH_OK, "%s", err.msg);
	cr_assert_eq(state_save(state, 202610, prev_out, &err), HH_OK, "%s", err.msg);
	make_run(cur_out, nov_hh, nov_findings);
	cr_assert_eq(alerts_write(state, 202611, cur_out, &n, &err), HH_OK, "%s", err.msg);
	cr_assert_eq(n, 8);
}

Test(state, alert_kinds, .init = setup, .fini = testdir_teardown)
{
	run_two_months();
	char *text = slurp(cur_out, "alerts.jsonl");
	char *l[16];
	int n = lines_of(text, l, 16);
	cr_assert_eq(n, 8);
	/* sorted by household_id ("" first), then kind */
	static const char *const want[][5] = {
		/* household, kind, risk_level, previous_level, code */
		{"", "finding", "none", "none", "X_DISCOVERY"},
		{"H1", "escalated", "high", "medium", ""},
		{"H2", "de-escalated", "medium", "high", ""},
		{"H2", "finding", "medium", "high", "A_PUBLIC_SECTOR"},
		{"H3", "resolved", "low", "medium", ""},
		{"H4", "resolved", "none", "high", ""},
		{"H5", "new", "medium", "none", ""},
		{"H7", "new", "high", "low", ""},
	};
	for (int i = 0; i < n; i++) {
		char v[128];
		field(l[i], "household_id", v, sizeof v);
		cr_expect_str_eq(v, want[i][0], "line %d: %s", i + 1, l[i]);
		field(l[i], "kind", v, sizeof v);
		cr_expect_str_eq(v, want[i][1], "line %d: %s", i + 1, l[i]);
		field(l[i], "risk_level", v, sizeof v);
		cr_expect_str_eq(v, want[i][2], "line %d: %s", i + 1, l[i]);
		field(l[i], "previous_level", v, sizeof v);
		cr_expect_str_eq(v, want[i][3], "line %d: %s", i + 1, l[i]);
		field(l[i], "code", v, sizeof v);
		cr_expect_str_eq(v, want[i][4], "line %d: %s", i + 1, l[i]);
		field(l[i], "period", v, sizeof v);
		cr_expect_str_eq(v, "202611");
		field(l[i], "alert_id", v, sizeof v);
		cr_expect_eq(strlen(v), 32);
	}
	cr_expect(strstr(l[1], "\"reasons\":[\"R_INCOME\",\"R_MEDICAL\"]"), "%s", l[1]);
	cr_expect(strstr(l[4], "\"reasons\":[\"R_DROPOUT\"]"), "%s", l[4]);
	cr_expect(strstr(l[5], "\"reasons\":[]"), "%s", l[5]);
	cr_expect(strstr(l[0], "\"pid\":\"" PID_C "\""), "%s", l[0]);
	cr_expect(strstr(l[3], "\"reasons\":[\"A_PUBLIC_SECTOR\"]"), "%s", l[3]);
	free(text);
}

Test(state, alert_id_is_the_documented_hash, .init = setup, .fini = testdir_teardown)
{
	run_two_months();
	char *text = slurp(cur_out, "alerts.jsonl");
	char id[33];
	/* sha256("202611|H1|escalated|R_INCOME;R_MEDICAL")[:32] */
	alerts_id(202611, "H1", "escalated", "R_INCOME;R_MEDICAL", id);
	cr_expect(strstr(text, id), "%s not in %s", id, text);
	FILE *p = popen("printf '%s' '202611|H1|escalated|R_INCOME;R_MEDICAL' | sha256sum", "r");
	cr_assert_not_null(p);
	char sum[80] = "";
	cr_assert_not_null(fgets(sum, sizeof sum, p));
	pclose(p);
	cr_expect_eq(strncmp(sum, id, 32), 0, "%s vs %s", sum, id);
	free(text);
}

Test(state, rerun_gives_identical_alerts, .init = setup, .fini = testdir_teardown)
{
	hh_err err = {{0}};
	unsigned long n = 0;
	run_two_months();
	char *first = slurp(cur_out, "alerts.jsonl");
	cr_assert_eq(state_save(state, 202611, cur_out, &err), HH_OK, "%s", err.msg);
	/* the same month again: compared with 202610, not with the saved 202611 */
	cr_assert_eq(alerts_write(state, 202611, cur_out, &n, &err), HH_OK, "%s", err.msg);
	char *second = slurp(cur_out, "alerts.jsonl");
	cr_expect_str_eq(first, second);
	cr_assert_eq(state_save(state, 202611, cur_out, &err), HH_OK, "%s", err.msg);
	char saved[1400];
	snprintf(saved, sizeof saved, "%s/runs/202611", state);
	char *kept = slurp(saved, "alerts.jsonl");
	cr_expect_str_eq(first, kept);
	/* no temporary folders left behind: the two periods only */
	snprintf(saved, sizeof saved, "%s/runs", state);
	cr_expect_eq(entries(saved), 2);
	free(first);
	free(second);
	free(kept);
}

Test(state, no_previous_period, .init = setup, .fini = testdir_teardown)
{
	hh_err err = {{0}};
	unsigned long n = 0;
	make_run(cur_out, nov_hh, nov_findings);
	cr_assert_eq(alerts_write(state, 202611, cur_out, &n, &err), HH_OK, "%s", err.msg);
	/* flagged: H1 H2 H5 H6 H7 new; findings A_DECEASED, A_PUBLIC_SECTOR,
	 * X_DISCOVERY (D_DUP_ROW does not alert) */
	cr_expect_eq(n, 8);
	char *text = slurp(cur_out, "alerts.jsonl");
	int news = 0, finds = 0;
	for (char *p = text; (p = strstr(p, "\"kind\":\"")); p++) {
		news += !strncmp(p, "\"kind\":\"new\"", 12);
		finds += !strncmp(p, "\"kind\":\"finding\"", 16);
	}
	cr_expect_eq(news, 5);
	cr_expect_eq(finds, 3);
	cr_expect_null(strstr(text, "D_DUP_ROW"));
	free(text);
}

Test(state, later_period_in_state_is_ignored, .init = setup, .fini = testdir_teardown)
{
	/* a run of 202610 when 202611 is already kept compares with nothing
	 * earlier: everything flagged is new */
	hh_err err = {{0}};
	unsigned long n = 0;
	make_run(cur_out, nov_hh, "");
	cr_assert_eq(state_save(state, 202611, cur_out, &err), HH_OK, "%s", err.msg);
	make_run(prev_out, oct_hh, "");
	cr_assert_eq(alerts_write(state, 202610, prev_out, &n, &err), HH_OK, "%s", err.msg);
	cr_expect_eq(n, 5); /* H1 H2 H3 H4 H6, all new */
}

Test(state, periods_listed_in_order, .init = setup, .fini = testdir_teardown)
{
	hh_err err = {{0}};
	make_run(cur_out, nov_hh, "");
	cr_assert_eq(state_save(state, 202611, cur_out, &err), HH_OK, "%s", err.msg);
	cr_assert_eq(state_save(state, 202512, cur_out, &err), HH_OK, "%s", err.msg);
	cr_assert_eq(state_save(state, 202601, cur_out, &err), HH_OK, "%s", err.msg);
	int *ps;
	size_t n;
	cr_assert_eq(state_periods(state, &ps, &n, &err), HH_OK);
	cr_assert_eq(n, 3);
	cr_expect_eq(ps[0], 202512);
	cr_expect_eq(ps[1], 202601);
	cr_expect_eq(ps[2], 202611);
	free(ps);
	int prev;
	cr_assert_eq(state_previous(state, 202611, &prev, &err), HH_OK);
	cr_expect_eq(prev, 202601);
	cr_assert_eq(state_previous(state, 202512, &prev, &err), HH_OK);
	cr_expect_eq(prev, 0);
	struct stat sb;
	cr_assert_eq(stat(state, &sb), 0);
	/* the history honours the umask (shared with a group of auditors
	 * through it, README) */
	mode_t mask = umask(0);
	umask(mask);
	cr_expect_eq(sb.st_mode & 0777, 0777 & ~mask, "state folder mode %o with umask %o",
		     (unsigned)(sb.st_mode & 0777), (unsigned)mask);
}
