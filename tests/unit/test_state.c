/*
 * test_state.c - run history and alerts (history/state.c, alerts.c):
 * every alert kind from hand-made pairs of runs, findings alerts, ids
 * stable across reruns of a period, a rerun compared with the earlier
 * period, and the first period with no history; reruns on corrected data:
 * retractions of what the previous run of the period gave (ids, members,
 * order), carried forward unchanged, re-issued alerts under new ids
 * (generations), and a damaged previous file refused.  The publication's
 * side (commands/publish.h): the intent written, read back and cleared,
 * an edited one refused; recovery rolling forward (--out holds the
 * intended manifest: the state keeps --out's files) and back (another
 * manifest, or no --out); a copy staged beside the kept one and then
 * committed; and the leftovers of killed runs removed by their exact
 * names, nothing else, never through a symbolic link.
 */
#include <criterion/criterion.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/hex.h"
#include "base/json.h"
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
	return read_bytes(p, NULL);
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

/* --- retractions: reruns of a period ------------------------------------ */

/* A run of 202611 written into cur_out, its alerts computed and the run
 * kept in the state, as a publication does; returns alerts.jsonl. */
static char *publish_nov(const char *const *hh, const char *findings)
{
	hh_err err = {{0}};
	unsigned long n = 0;
	make_run(cur_out, hh, findings);
	cr_assert_eq(alerts_write(state, 202611, cur_out, &n, &err), HH_OK, "%s", err.msg);
	cr_assert_eq(state_save(state, 202611, cur_out, &err), HH_OK, "%s", err.msg);
	return slurp(cur_out, "alerts.jsonl");
}

/* October kept, and the first run of November published. */
static char *first_nov(void)
{
	hh_err err = {{0}};
	unsigned long n = 0;
	make_run(prev_out, oct_hh, oct_findings);
	cr_assert_eq(alerts_write(state, 202610, prev_out, &n, &err), HH_OK, "%s", err.msg);
	cr_assert_eq(state_save(state, 202610, prev_out, &err), HH_OK, "%s", err.msg);
	return publish_nov(nov_hh, nov_findings);
}

/* The lines of an alerts.jsonl text, parsed: a NULL-terminated array
 * (free_lines), *n lines. */
static json_t **parse_lines(const char *text, int *n)
{
	char *copy = strdup(text);
	char *l[64];
	*n = copy[0] ? lines_of(copy, l, 64) : 0;
	json_t **lines = calloc((size_t)*n + 1, sizeof *lines);
	cr_assert_not_null(lines);
	for (int i = 0; i < *n; i++) {
		json_error_t je;
		lines[i] = json_loads(l[i], JSON_REJECT_DUPLICATES, &je);
		cr_assert_not_null(lines[i], "line %d: %s: %s", i + 1, je.text, l[i]);
	}
	free(copy);
	return lines;
}

static void free_lines(json_t **lines)
{
	for (json_t **p = lines; *p; p++)
		json_decref(*p);
	free(lines);
}

static const char *str_of(json_t *o, const char *key)
{
	const char *s = hj_str(o, key);
	return s ? s : "";
}

/* The line of kind for household hh (and code, when not NULL), or NULL. */
static json_t *line_of(json_t **lines, const char *hh, const char *kind, const char *code)
{
	for (; *lines; lines++)
		if (!strcmp(str_of(*lines, "household_id"), hh) &&
		    !strcmp(str_of(*lines, "kind"), kind) &&
		    (!code || !strcmp(str_of(*lines, "code"), code)))
			return *lines;
	return NULL;
}

static int count_kind(json_t **lines, const char *kind)
{
	int n = 0;
	for (; *lines; lines++)
		n += !strcmp(str_of(*lines, "kind"), kind);
	return n;
}

/* November corrected: H5 is not flagged after all (its new alert is
 * withdrawn), H7 is flagged on other reasons (a new alert with another
 * id: the first one is withdrawn), and the X_DISCOVERY finding is gone. */
static const char *const nov_fixed_hh[] = {
	"H1 high R_INCOME;R_MEDICAL", "H2 medium R_MEDICAL", "H3 low R_DROPOUT",
	"H5 low R_CARE",              "H6 medium R_INCOME",  "H7 high R_INCOME;R_DISASTER",
	NULL};
static const char nov_fixed_findings[] =
	"A_DECEASED,medical,H1," PID_A ",deceased\n"
	"A_PUBLIC_SECTOR,hr,H2," PID_B ",public sector\n";

Test(state, rerun_retracts_what_it_no_longer_produces, .init = setup,
     .fini = testdir_teardown)
{
	int n1, n2;
	char *first = first_nov();
	json_t **l1 = parse_lines(first, &n1);
	char h5_new[33], h7_new[33], disc[33], want[33];
	snprintf(h5_new, sizeof h5_new, "%s", str_of(line_of(l1, "H5", "new", NULL), "alert_id"));
	snprintf(h7_new, sizeof h7_new, "%s", str_of(line_of(l1, "H7", "new", NULL), "alert_id"));
	snprintf(disc, sizeof disc, "%s",
		 str_of(line_of(l1, "", "finding", "X_DISCOVERY"), "alert_id"));
	cr_assert_eq(strlen(h5_new) + strlen(h7_new) + strlen(disc), 96);

	char *second = publish_nov(nov_fixed_hh, nov_fixed_findings);
	json_t **l2 = parse_lines(second, &n2);
	/* 8 alerts before; H5's and X_DISCOVERY's gone, H7's replaced: 6 + 3
	 * retractions */
	cr_assert_eq(n2, 9, "%s", second);
	cr_expect_eq(count_kind(l2, "retracted"), 3);

	json_t *r = line_of(l2, "H5", "retracted", NULL);
	cr_assert_not_null(r, "%s", second);
	cr_expect_str_eq(str_of(r, "retracts"), h5_new);
	cr_expect_str_eq(str_of(r, "retracted_kind"), "new");
	cr_expect_str_eq(str_of(r, "period"), "202611");
	cr_expect_str_eq(str_of(r, "risk_level"), "low", "the household's level now");
	cr_expect_str_eq(str_of(r, "previous_level"), "none", "H5 was not there in October");
	cr_expect_eq(json_array_size(json_object_get(r, "reasons")), 1);
	cr_expect_null(json_object_get(r, "code"));
	/* the documented id: kind retracted, detail the withdrawn id */
	alerts_id(202611, "H5", "retracted", h5_new, want);
	cr_expect_str_eq(str_of(r, "alert_id"), want);

	r = line_of(l2, "H7", "retracted", NULL);
	cr_assert_not_null(r, "%s", second);
	cr_expect_str_eq(str_of(r, "retracts"), h7_new);
	json_t *h7 = line_of(l2, "H7", "new", NULL);
	cr_assert_not_null(h7);
	cr_expect_str_neq(str_of(h7, "alert_id"), h7_new, "other reasons, another id");
	cr_expect_null(json_object_get(h7, "generation"));

	r = line_of(l2, "", "retracted", "X_DISCOVERY");
	cr_assert_not_null(r, "%s", second);
	cr_expect_str_eq(str_of(r, "retracts"), disc);
	cr_expect_str_eq(str_of(r, "retracted_kind"), "finding");
	cr_expect_str_eq(str_of(r, "pid"), PID_C);
	cr_expect_str_eq(str_of(r, "risk_level"), "none");
	alerts_id(202611, "/" PID_C, "retracted", disc, want);
	cr_expect_str_eq(str_of(r, "alert_id"), want);

	/* order: household, then kind with retracted last, members in the
	 * documented order */
	cr_expect_str_eq(str_of(l2[0], "kind"), "retracted");  /* "" first */
	cr_expect_str_eq(str_of(l2[n2 - 2], "kind"), "new");   /* H7 */
	cr_expect_str_eq(str_of(l2[n2 - 1], "kind"), "retracted");
	char *h5line = strstr(second, "\"household_id\":\"H5\"");
	cr_assert_not_null(h5line);
	cr_expect(strstr(h5line, "\"kind\":\"retracted\",\"risk_level\":\"low\",\"reasons\":"
			 "[\"R_CARE\"],\"previous_level\":\"none\",\"retracts\":\""),
		  "%s", second);
	cr_expect(strstr(second, "\"previous_level\":\"none\",\"code\":\"X_DISCOVERY\",\"pid\":\""
			 PID_C "\",\"retracts\":\"") != NULL, "%s", second);
	free_lines(l1);
	free_lines(l2);
	free(first);
	free(second);
}

Test(state, unchanged_rerun_after_a_retraction_is_identical, .init = setup,
     .fini = testdir_teardown)
{
	free(first_nov());
	char *second = publish_nov(nov_fixed_hh, nov_fixed_findings);
	char *third = publish_nov(nov_fixed_hh, nov_fixed_findings);
	/* the retractions are carried forward with their ids: nothing new */
	cr_expect_str_eq(third, second);
	char saved[1400];
	snprintf(saved, sizeof saved, "%s/runs/202611", state);
	char *kept = slurp(saved, "alerts.jsonl");
	cr_expect_str_eq(kept, third);
	free(second);
	free(third);
	free(kept);
}

/* The line of text holding "alert_id":"id" (copied), or NULL. */
static char *line_with_id(const char *text, const char *id)
{
	char pat[64];
	snprintf(pat, sizeof pat, "{\"alert_id\":\"%s\"", id);
	const char *p = strstr(text, pat);
	if (!p)
		return NULL;
	return strndup(p, strcspn(p, "\n"));
}

Test(state, withdrawn_alert_comes_back_under_a_new_id, .init = setup,
     .fini = testdir_teardown)
{
	int n;
	char *first = first_nov();
	json_t **l = parse_lines(first, &n);
	char x[33], want[33];
	snprintf(x, sizeof x, "%s", str_of(line_of(l, "H5", "new", NULL), "alert_id"));
	free_lines(l);
	char *withdrawn = publish_nov(nov_fixed_hh, nov_fixed_findings);
	l = parse_lines(withdrawn, &n);
	char *rx = line_with_id(withdrawn, str_of(line_of(l, "H5", "retracted", NULL), "alert_id"));
	cr_assert_not_null(rx);
	free_lines(l);

	/* H5 flagged again as at first: re-issued as generation 1 */
	char *back = publish_nov(nov_hh, nov_findings);
	l = parse_lines(back, &n);
	json_t *a = line_of(l, "H5", "new", NULL);
	cr_assert_not_null(a, "%s", back);
	alerts_id(202611, "H5", "new", "R_DISASTER#1", want);
	cr_expect_str_eq(str_of(a, "alert_id"), want);
	cr_expect_str_neq(str_of(a, "alert_id"), x);
	cr_expect_eq(json_integer_value(json_object_get(a, "generation")), 1);
	/* the retraction the consumer has seen stays, byte for byte */
	cr_expect(strstr(back, rx), "%s not in %s", rx, back);
	/* X_DISCOVERY and H7's first alert are back too; H7's corrected one
	 * is withdrawn */
	a = line_of(l, "", "finding", "X_DISCOVERY");
	cr_assert_not_null(a);
	alerts_id(202611, "/" PID_C, "finding", "X_DISCOVERY#1", want);
	cr_expect_str_eq(str_of(a, "alert_id"), want);
	cr_expect_eq(json_integer_value(json_object_get(line_of(l, "H7", "new", NULL),
							 "generation")), 1);
	json_t *h7r = line_of(l, "H7", "retracted", NULL);
	cr_assert_not_null(h7r, "%s", back);
	cr_expect_str_eq(str_of(h7r, "retracted_kind"), "new");
	/* alerts no rerun touched keep their ids and carry no generation */
	cr_expect_null(json_object_get(line_of(l, "H1", "escalated", NULL), "generation"));
	free_lines(l);

	/* unchanged: the same generation again */
	char *again = publish_nov(nov_hh, nov_findings);
	cr_expect_str_eq(again, back);

	/* withdrawn a second time: both retractions, ordered by id; back
	 * again: generation 2 */
	char *twice = publish_nov(nov_fixed_hh, nov_fixed_findings);
	l = parse_lines(twice, &n);
	json_t *h5r[2] = {NULL, NULL};
	int k = 0;
	for (json_t **p = l; *p; p++)
		if (!strcmp(str_of(*p, "household_id"), "H5") && k < 2)
			h5r[k++] = *p;
	cr_assert_eq(k, 2, "%s", twice);
	cr_expect_str_eq(str_of(h5r[0], "kind"), "retracted");
	cr_expect_str_eq(str_of(h5r[1], "kind"), "retracted");
	cr_expect_lt(strcmp(str_of(h5r[0], "alert_id"), str_of(h5r[1], "alert_id")), 0);
	alerts_id(202611, "H5", "new", "R_DISASTER#1", want);
	cr_expect(!strcmp(str_of(h5r[0], "retracts"), want) ||
		  !strcmp(str_of(h5r[1], "retracts"), want), "%s", twice);
	free_lines(l);
	char *third = publish_nov(nov_hh, nov_findings);
	l = parse_lines(third, &n);
	alerts_id(202611, "H5", "new", "R_DISASTER#2", want);
	cr_expect_str_eq(str_of(line_of(l, "H5", "new", NULL), "alert_id"), want);
	cr_expect_eq(json_integer_value(json_object_get(line_of(l, "H5", "new", NULL),
							 "generation")), 2);
	free_lines(l);
	free(first);
	free(withdrawn);
	free(rx);
	free(back);
	free(again);
	free(twice);
	free(third);
}

Test(state, rerun_of_the_first_period_retracts_too, .init = setup,
     .fini = testdir_teardown)
{
	/* no earlier period: everything is new, and a rerun withdraws what
	 * it no longer flags */
	hh_err err = {{0}};
	unsigned long n = 0;
	make_run(cur_out, nov_hh, "");
	cr_assert_eq(alerts_write(state, 202611, cur_out, &n, &err), HH_OK, "%s", err.msg);
	cr_assert_eq(state_save(state, 202611, cur_out, &err), HH_OK, "%s", err.msg);
	char *text = publish_nov(nov_fixed_hh, "");
	int k;
	json_t **l = parse_lines(text, &k);
	/* H5 no longer flagged; H7 new with other reasons */
	cr_expect_eq(count_kind(l, "retracted"), 2, "%s", text);
	json_t *r = line_of(l, "H5", "retracted", NULL);
	cr_assert_not_null(r);
	cr_expect_str_eq(str_of(r, "previous_level"), "none");
	free_lines(l);
	free(text);
}

Test(state, a_state_without_the_periods_alerts_retracts_nothing, .init = setup,
     .fini = testdir_teardown)
{
	/* a period kept without alerts.jsonl (alerts were never computed for
	 * it): this run is the first with alerts */
	free(first_nov());
	char saved[1400];
	snprintf(saved, sizeof saved, "%s/runs/202611/alerts.jsonl", state);
	cr_assert_eq(unlink(saved), 0);
	char *text = publish_nov(nov_fixed_hh, nov_fixed_findings);
	cr_expect_null(strstr(text, "retracted"), "%s", text);
	free(text);
}

Test(state, damaged_earlier_alerts_are_an_input_error, .init = setup,
     .fini = testdir_teardown)
{
	hh_err err = {{0}};
	unsigned long n = 0;
	free(first_nov());
	char saved[1400];
	snprintf(saved, sizeof saved, "%s/runs/202611", state);
	put(saved, "alerts.jsonl",
	    "{\"alert_id\":\"a\",\"household_id\":\"H1\",\"kind\":\"new\"}\n\n{broken\n");
	make_run(cur_out, nov_hh, nov_findings);
	cr_assert_eq(alerts_write(state, 202611, cur_out, &n, &err), HH_EINPUT);
	cr_expect(strstr(err.msg, "the previous run of 202611 in the state: "), "%s", err.msg);
	cr_expect(strstr(err.msg, "runs/202611/alerts.jsonl line 3: not valid JSON"), "%s",
		  err.msg);
	put(saved, "alerts.jsonl",
	    "{\"alert_id\":\"a\",\"household_id\":\"H1\",\"kind\":\"retracted\"}\n");
	cr_assert_eq(alerts_write(state, 202611, cur_out, &n, &err), HH_EINPUT);
	cr_expect(strstr(err.msg, "line 1: a retraction without retracts"), "%s", err.msg);
	put(saved, "alerts.jsonl", "[1,2]\n");
	cr_assert_eq(alerts_write(state, 202611, cur_out, &n, &err), HH_EINPUT);
	cr_expect(strstr(err.msg, "line 1: not an alert"), "%s", err.msg);
}

/* --- the publication's intent and the leftovers of killed runs ---------- */

/* cur_out as a published run: nov's files and a manifest.json of text m */
static void published(const char *m)
{
	make_run(cur_out, nov_hh, nov_findings);
	put(cur_out, "manifest.json", m);
}

static state_intent intent_for(const char *out, int period, const char *manifest)
{
	state_intent in = {.period = period};
	snprintf(in.out, sizeof in.out, "%s", out);
	cr_assert_eq(hex_sha256(manifest, strlen(manifest), in.manifest_sha256), 0);
	return in;
}

Test(state, intent_round_trip, .init = setup, .fini = testdir_teardown)
{
	hh_err err = {{0}};
	cr_assert_eq(fs_mkdir_p(state, 0777, &err), HH_OK);
	state_intent in = intent_for("/srv/out with \"quotes\"\nand a line end", 202611, "{}"), got;
	int found = 1;
	cr_assert_eq(state_intent_read(state, &got, &found, &err), HH_OK, "%s", err.msg);
	cr_expect_eq(found, 0, "no intent before one is written");
	cr_assert_eq(state_intent_write(state, &in, &err), HH_OK, "%s", err.msg);
	cr_assert_eq(state_intent_read(state, &got, &found, &err), HH_OK, "%s", err.msg);
	cr_expect_eq(found, 1);
	cr_expect_eq(got.period, 202611);
	cr_expect_str_eq(got.out, in.out);
	cr_expect_str_eq(got.manifest_sha256, in.manifest_sha256);
	cr_expect_eq(entries(state), 1, "only publish.intent: its temporary was renamed");
	cr_assert_eq(state_intent_clear(state, &err), HH_OK, "%s", err.msg);
	cr_assert_eq(state_intent_read(state, &got, &found, &err), HH_OK, "%s", err.msg);
	cr_expect_eq(found, 0, "cleared");
	cr_expect_eq(state_intent_clear(state, &err), HH_OK, "clearing none is fine");
}

Test(state, edited_intent_is_refused, .init = setup, .fini = testdir_teardown)
{
	hh_err err = {{0}};
	state_intent in = intent_for("/srv/out", 202611, "{}"), got;
	cr_assert_eq(fs_mkdir_p(state, 0777, &err), HH_OK);
	cr_assert_eq(state_intent_write(state, &in, &err), HH_OK, "%s", err.msg);
	char *text = slurp(state, "publish.intent");
	char *sha = strstr(text, "manifest_sha256 ");
	cr_assert_not_null(sha);
	sha[16] = 'X'; /* not hex */
	put(state, "publish.intent", text);
	free(text);
	int found = 1;
	cr_expect_eq(state_intent_read(state, &got, &found, &err), HH_EINPUT);
	cr_expect_eq(found, 0);
	cr_expect(strstr(err.msg, "publish.intent is not an intent hhmatch wrote"), "%s", err.msg);
	put(state, "publish.intent", "hhmatch publish intent 1\nperiod 202611\n");
	cr_expect_eq(state_intent_read(state, &got, &found, &err), HH_EINPUT, "cut short");
}

Test(state, recover_rolls_forward_when_out_holds_the_intended_run, .init = setup,
     .fini = testdir_teardown)
{
	hh_err err = {{0}};
	/* the state keeps October's run as 202611; November's was renamed into
	 * --out and the run killed before its copy was committed */
	make_run(prev_out, oct_hh, oct_findings);
	cr_assert_eq(state_save(state, 202611, prev_out, &err), HH_OK, "%s", err.msg);
	published("{\"manifest\":\"november\"}\n");
	state_intent in = intent_for(cur_out, 202611, "{\"manifest\":\"november\"}\n");
	cr_assert_eq(state_intent_write(state, &in, &err), HH_OK, "%s", err.msg);
	state_recovery did = 0;
	cr_assert_eq(state_recover(state, &in, &did, &err), HH_OK, "%s", err.msg);
	cr_expect_eq(did, STATE_ROLLED_FORWARD);
	char kept[1400];
	snprintf(kept, sizeof kept, "%s/runs/202611", state);
	const char *files[] = {"households.csv", "flags.csv", "findings.csv", "report.json"};
	for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
		char *a = slurp(cur_out, files[i]), *b = slurp(kept, files[i]);
		cr_expect_str_eq(a, b, "%s kept as --out has it", files[i]);
		free(a);
		free(b);
	}
	char ip[1400];
	snprintf(ip, sizeof ip, "%s/publish.intent", state);
	cr_expect_neq(access(ip, F_OK), 0, "the intent is cleared");
}

Test(state, recover_rolls_back_when_out_holds_another_run, .init = setup,
     .fini = testdir_teardown)
{
	hh_err err = {{0}};
	make_run(prev_out, oct_hh, oct_findings);
	cr_assert_eq(state_save(state, 202611, prev_out, &err), HH_OK, "%s", err.msg);
	char *before = slurp(state, "runs/202611/households.csv");
	/* --out still holds the previous run: the rename never happened */
	published("{\"manifest\":\"october\"}\n");
	state_intent in = intent_for(cur_out, 202611, "{\"manifest\":\"november\"}\n");
	cr_assert_eq(state_intent_write(state, &in, &err), HH_OK, "%s", err.msg);
	state_recovery did = 0;
	cr_assert_eq(state_recover(state, &in, &did, &err), HH_OK, "%s", err.msg);
	cr_expect_eq(did, STATE_ROLLED_BACK);
	char *after = slurp(state, "runs/202611/households.csv");
	cr_expect_str_eq(after, before, "the state is as it was");
	free(before);
	free(after);
	int found = 1;
	state_intent got;
	cr_assert_eq(state_intent_read(state, &got, &found, &err), HH_OK, "%s", err.msg);
	cr_expect_eq(found, 0, "the intent is dropped");
	/* and an --out that is gone rolls back too */
	cr_assert_eq(state_intent_write(state, &in, &err), HH_OK, "%s", err.msg);
	fs_remove_tree(cur_out);
	cr_assert_eq(state_recover(state, &in, &did, &err), HH_OK, "%s", err.msg);
	cr_expect_eq(did, STATE_ROLLED_BACK);
}

Test(state, stage_then_commit, .init = setup, .fini = testdir_teardown)
{
	hh_err err = {{0}};
	make_run(prev_out, oct_hh, oct_findings);
	cr_assert_eq(state_save(state, 202611, prev_out, &err), HH_OK, "%s", err.msg);
	make_run(cur_out, nov_hh, nov_findings);
	char staged[1400], runs[1400];
	cr_assert_eq(state_stage(state, 202611, cur_out, staged, sizeof staged, &err), HH_OK,
		     "%s", err.msg);
	snprintf(runs, sizeof runs, "%s/runs", state);
	cr_expect_eq(entries(runs), 2, "202611 and the staged copy");
	char *kept = slurp(state, "runs/202611/households.csv");
	char *oct = slurp(prev_out, "households.csv");
	cr_expect_str_eq(kept, oct, "staging leaves the kept copy alone");
	free(kept);
	free(oct);
	cr_assert_eq(state_commit(state, 202611, staged, &err), HH_OK, "%s", err.msg);
	cr_expect_eq(entries(runs), 1, "the previous copy is removed");
	kept = slurp(state, "runs/202611/households.csv");
	char *nov = slurp(cur_out, "households.csv");
	cr_expect_str_eq(kept, nov);
	free(kept);
	free(nov);
}

static char said_paths[8][1400];
static int nsaid;

static void said(const char *path, void *ctx)
{
	(void)ctx;
	if (nsaid < 8)
		snprintf(said_paths[nsaid], sizeof said_paths[0], "%s", path);
	nsaid++;
}

Test(state, tidy_removes_only_what_killed_runs_leave, .init = setup,
     .fini = testdir_teardown)
{
	hh_err err = {{0}};
	char p[1400];
	snprintf(p, sizeof p, "%s/runs/.202611.tmp-Ab3dE9", state);
	cr_assert_eq(fs_mkdir_p(p, 0777, &err), HH_OK);
	put(p, "households.csv", "half a copy");
	snprintf(p, sizeof p, "%s/runs/202611", state);
	cr_assert_eq(fs_mkdir_p(p, 0777, &err), HH_OK);
	put(state, ".publish.intent.tmp-x1Y2z3", "half an intent");
	put(state, "audit.log", "");
	put(state, "audit.head.tmp", "1:");
	/* not hhmatch's, or not of that shape: kept */
	put(state, ".notes.tmp-abcdef", "the operator's");
	put(state, ".publish.intent.tmp-abc", "too short a suffix");
	snprintf(p, sizeof p, "%s/runs", state);
	put(p, ".2026.tmp-abcdef", "not a period");
	put(p, ".202611.tmp-ab_def", "not a mkdtemp suffix");
	cr_assert_eq(state_tidy(state, said, NULL, &err), HH_OK, "%s", err.msg);
	cr_expect_eq(nsaid, 3, "three removed");
	cr_expect_eq(entries(state), 4, "runs, audit.log and two files that are not ours");
	cr_expect_eq(entries(p), 3, "202611 and two names that are not ours");
	int intent_said = 0;
	for (int i = 0; i < nsaid && i < 8; i++)
		intent_said |= strstr(said_paths[i], "/.publish.intent.tmp-x1Y2z3") != NULL;
	cr_expect(intent_said, "the intent's temporary named");
}

Test(state, temp_names, .init = setup, .fini = testdir_teardown)
{
	cr_expect_eq(fs_temp_base(".out.tmp-AbC123"), 3);
	cr_expect_eq(fs_temp_base(".my.out.tmp-000000"), 6);
	cr_expect_eq(fs_temp_base("out.tmp-AbC123"), 0, "no leading dot");
	cr_expect_eq(fs_temp_base("..tmp-AbC123"), 0, "no name");
	cr_expect_eq(fs_temp_base(".out.tmp-AbC12"), 0, "five characters");
	cr_expect_eq(fs_temp_base(".out.tmp-AbC12-"), 0, "not alphanumeric");
	cr_expect_eq(fs_temp_base(".out.tmpxAbC123"), 0);
	cr_expect_eq(fs_temp_base(".out.tmp-AbC12\xe9"), 0, "not mkdtemp's alphabet");
}

/* a folder victim (under the test folder) holding one file, for a link to
 * point at: what no removal may touch */
static void victim(const char *name, char *path, size_t cap)
{
	hh_err err = {{0}};
	snprintf(path, cap, "%s", tpath(name));
	cr_assert_eq(fs_mkdir_p(path, 0777, &err), HH_OK);
	put(path, "keep.txt", "not hhmatch's");
}

static int victim_whole(const char *path)
{
	char f[1500];
	snprintf(f, sizeof f, "%s/keep.txt", path);
	return access(f, F_OK) == 0;
}

static int is_link(const char *path)
{
	struct stat sb;
	return lstat(path, &sb) == 0 && S_ISLNK(sb.st_mode);
}

/* A link with a leftover's exact name is not a run's (hhmatch makes
 * folders and files): state_tidy leaves the link, and never opens what it
 * points to (it used to remove every file there). */
Test(state, tidy_never_follows_links, .init = setup, .fini = testdir_teardown)
{
	hh_err err = {{0}};
	char v1[1400], v2[1400], runs[1400], l1[1500], l2[1500], l3[1500], vf[1500];
	victim("victim1", v1, sizeof v1);
	victim("victim2", v2, sizeof v2);
	snprintf(vf, sizeof vf, "%s/keep.txt", v2);
	snprintf(runs, sizeof runs, "%s/runs", state);
	cr_assert_eq(fs_mkdir_p(runs, 0777, &err), HH_OK);
	snprintf(l1, sizeof l1, "%s/.202611.tmp-abc123", runs);
	snprintf(l2, sizeof l2, "%s/.publish.intent.tmp-xyz789", state);
	snprintf(l3, sizeof l3, "%s/.publish.intent.tmp-fil123", state);
	cr_assert_eq(symlink(v1, l1), 0);
	cr_assert_eq(symlink(v2, l2), 0);
	cr_assert_eq(symlink(vf, l3), 0, "a link to a file");
	cr_assert_eq(state_tidy(state, said, NULL, &err), HH_OK, "%s", err.msg);
	cr_expect_eq(nsaid, 0, "nothing removed");
	cr_expect(victim_whole(v1), "what runs/.202611.tmp-abc123 points to is whole");
	cr_expect(victim_whole(v2), "what .publish.intent.tmp-xyz789 points to is whole");
	cr_expect(is_link(l1) && is_link(l2) && is_link(l3), "the links are left");
}

/* Removing a folder never goes through a link in it, nor through the
 * folder itself when it is a link: the links go, their targets stay. */
Test(state, remove_tree_never_follows_links, .init = setup, .fini = testdir_teardown)
{
	hh_err err = {{0}};
	char v1[1400], v2[1400], v3[1400], d[1400], sub[1500], l[1600], top[1700];
	victim("victim1", v1, sizeof v1);
	victim("victim2", v2, sizeof v2);
	victim("victim3", v3, sizeof v3);
	snprintf(d, sizeof d, "%s", tpath(".out.tmp-AbCdEf"));
	snprintf(sub, sizeof sub, "%s/sub", d);
	cr_assert_eq(fs_mkdir_p(sub, 0777, &err), HH_OK);
	put(d, ".hhmatch-run", "mark");
	snprintf(l, sizeof l, "%s/to-a-folder", d);
	cr_assert_eq(symlink(v1, l), 0);
	snprintf(l, sizeof l, "%s/.hhmatch-run-link", sub);
	cr_assert_eq(symlink(v2, l), 0);
	snprintf(l, sizeof l, "%s/keep.txt", v1);
	snprintf(top, sizeof top, "%s/to-a-file", sub);
	cr_assert_eq(symlink(l, top), 0);
	fs_remove_tree_last(d, ".hhmatch-run");
	cr_expect_neq(access(d, F_OK), 0, "%s is gone", d);
	cr_expect(victim_whole(v1) && victim_whole(v2), "the links' targets are whole");
	snprintf(top, sizeof top, "%s", tpath(".out.tmp-L1nk00"));
	cr_assert_eq(symlink(v3, top), 0);
	fs_remove_tree_last(top, ".hhmatch-run");
	cr_expect(victim_whole(v3), "a link given to remove is not entered");
	cr_expect(!is_link(top) && access(top, F_OK) != 0, "the link itself is removed");
	cr_assert_eq(symlink(v3, top), 0);
	fs_remove_tree(top);
	cr_expect(victim_whole(v3) && !is_link(top), "fs_remove_tree: the same");
}

Test(state, remove_tree_last_removes_everything, .init = setup, .fini = testdir_teardown)
{
	hh_err err = {{0}};
	char d[1400], sub[1500];
	snprintf(d, sizeof d, "%s", tpath(".out.tmp-AbCdEf"));
	snprintf(sub, sizeof sub, "%s/sub", d);
	cr_assert_eq(fs_mkdir_p(sub, 0777, &err), HH_OK);
	put(d, ".hhmatch-run", "mark");
	put(d, "households.csv", "x");
	put(sub, "f", "y");
	fs_remove_tree_last(d, ".hhmatch-run");
	cr_expect_neq(access(d, F_OK), 0, "%s is gone", d);
	put(tdir, "plain", "a file");
	fs_remove_tree_last(tpath("plain"), ".hhmatch-run");
	cr_expect_neq(access(tpath("plain"), F_OK), 0, "a file is removed too");
}
