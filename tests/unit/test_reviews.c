/*
 * test_reviews.c - caseworkers' decisions (history/reviews.c) and what
 * the alerts do with them (history/alerts.c): the rules (which decision
 * a run of a period applies, false_positive kept unsent within its months
 * unless the level rises or a reason is added, follow_up marks, the
 * findings deceased and moved keep unsent), reviews.jsonl read back and a
 * damaged one refused by line, and the import on a hand-made state:
 * English and Chinese headers, a tab-separated file, each bad row named
 * by line and reason, counts that add up, a second import leaving the
 * file byte for byte, the audit record; then alerts_write over a state
 * with decisions (a new alert kept unsent and counted in report.json, a
 * follow_up, an A_DECEASED finding not sent, the decision carried); the
 * backlog (an undecided alert old enough, by review_backlog_days).
 */
#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/json.h"
#include "domain/pid.h"
#include "history/alerts.h"
#include "history/reviews.h"
#include "history/state.h"

#define TESTDIR_NAME "reviews"
#include "testdir.h"

TestSuite(reviews, .init = testdir_setup, .fini = testdir_teardown);

static void put(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	cr_assert_not_null(f, "%s", path);
	fputs(text, f);
	fclose(f);
}

/* A decision line of reviews.jsonl. */
#define LINE(seq, hh, dec, date, level, reasons)                                            \
	"{\"seq\":" #seq ",\"import\":\"0123456789abcdef\",\"household_id\":\"" hh "\","     \
	"\"decision\":\"" dec "\",\"reviewer\":\"r1\",\"decided_on\":\"" date "\","           \
	"\"period\":\"202610\",\"risk_level\":\"" level "\",\"reasons\":\"" reasons "\"}\n"

static reviews *load(const char *text)
{
	char d[1200];
	snprintf(d, sizeof d, "%s", tpath("st"));
	mkdir(d, 0700);
	put(tpath("st/reviews.jsonl"), text);
	reviews *r = NULL;
	int exists = 0;
	hh_err err = {{0}};
	cr_assert_eq(reviews_load(d, &r, &exists, &err), HH_OK, "%s", err.msg);
	cr_assert_eq(exists, 1);
	return r;
}

Test(reviews, last_decision_known_at_the_period)
{
	reviews *r = load(LINE(1, "H1", "false_positive", "2026-10-05", "medium", "R_INCOME")
			  LINE(2, "H1", "confirmed", "2026-11-20", "medium", "R_INCOME")
			  LINE(3, "H2", "moved", "2026-10-01", "high", "R_CARE")
			  LINE(4, "H1", "unreachable", "2026-10-30", "medium", "R_INCOME"));
	cr_assert_eq(reviews_count(r), 4);
	/* October: the latest dated in October, the 2nd is in November */
	const review *rv = reviews_last(r, "H1", 202610, 4);
	cr_assert_not_null(rv);
	cr_assert_eq(rv->decision, RV_UNREACHABLE);
	cr_assert_eq(reviews_last(r, "H1", 202611, 4)->decision, RV_CONFIRMED);
	/* what the first run of October knew: one line */
	cr_assert_eq(reviews_last(r, "H1", 202612, 1)->decision, RV_FALSE_POSITIVE);
	cr_assert_null(reviews_last(r, "H1", 202609, 4), "dated after September's end");
	cr_assert_null(reviews_last(r, "H3", 202612, 4));
	cr_assert_eq(reviews_last(r, "H2", 202610, 4)->decision, RV_MOVED);
	reviews_free(r);
}

Test(reviews, false_positive_holds_within_its_months_level_and_reasons)
{
	reviews *r = load(LINE(1, "H1", "false_positive", "2026-10-05", "medium",
			       "R_INCOME;R_CARE"));
	const review *rv = reviews_at(r, 0);
	const int medium = 2, high = 3, low = 1;
	cr_assert(reviews_suppresses(rv, 202610, 6, medium, "R_INCOME;R_CARE"));
	cr_assert(reviews_suppresses(rv, 202611, 6, low, "R_CARE"), "fewer reasons, lower");
	cr_assert(reviews_suppresses(rv, 202703, 6, medium, "R_INCOME"), "5 months on");
	cr_assert_not(reviews_suppresses(rv, 202704, 6, medium, "R_INCOME"), "6 months on");
	cr_assert_not(reviews_suppresses(rv, 202611, 6, high, "R_INCOME"), "level rose");
	cr_assert_not(reviews_suppresses(rv, 202611, 6, medium, "R_INCOME;R_MEDICAL"),
		      "a reason added");
	cr_assert_not(reviews_suppresses(rv, 202611, 0, medium, "R_INCOME"), "0 months: off");
	cr_assert_not(reviews_suppresses(NULL, 202611, 6, medium, "R_INCOME"));
	reviews_free(r);
	r = load(LINE(1, "H1", "confirmed", "2026-10-05", "medium", "R_INCOME"));
	cr_assert_not(reviews_suppresses(reviews_at(r, 0), 202611, 6, medium, "R_INCOME"),
		      "only false_positive keeps alerts unsent");
	reviews_free(r);
}

Test(reviews, follow_up_at_each_mark_from_the_period_compared_with)
{
	reviews *r = load(LINE(1, "H1", "confirmed", "2026-10-20", "medium", "R_INCOME"));
	const review *rv = reviews_at(r, 0);
	cr_assert_not(reviews_follow_up(rv, 202610, 202609, 3));
	cr_assert_not(reviews_follow_up(rv, 202612, 202611, 3));
	cr_assert(reviews_follow_up(rv, 202701, 202612, 3), "3 months after October");
	cr_assert_not(reviews_follow_up(rv, 202702, 202701, 3), "once per mark");
	cr_assert(reviews_follow_up(rv, 202704, 202703, 3), "and again 3 months later");
	cr_assert(reviews_follow_up(rv, 202702, 202611, 3), "a mark between runs is not lost");
	cr_assert(reviews_follow_up(rv, 202701, 0, 3), "no earlier period");
	reviews_free(r);
	r = load(LINE(1, "H1", "false_positive", "2026-10-20", "medium", "R_INCOME"));
	cr_assert_not(reviews_follow_up(reviews_at(r, 0), 202701, 202612, 3));
	reviews_free(r);
}

Test(reviews, findings_kept_unsent)
{
	reviews *r = load(LINE(1, "H1", "deceased", "2026-10-20", "medium", "R_INCOME")
			  LINE(2, "H2", "moved", "2026-10-20", "medium", "R_INCOME")
			  "{\"seq\":3,\"import\":\"0123456789abcdef\",\"household_id\":\"H3\","
			  "\"alert_id\":\"00ff\",\"decision\":\"false_positive\",\"reviewer\":\"r\","
			  "\"decided_on\":\"2026-10-20\",\"period\":\"202610\",\"risk_level\":\"none\","
			  "\"reasons\":\"\",\"code\":\"A_PUBLIC_SECTOR\"}\n");
	cr_assert(reviews_suppresses_finding(reviews_at(r, 0), 202611, 6, "A_DECEASED"));
	cr_assert_not(reviews_suppresses_finding(reviews_at(r, 0), 202611, 6, "A_PUBLIC_SECTOR"));
	cr_assert(reviews_suppresses_finding(reviews_at(r, 1), 202611, 6, "D_MULTI_HOUSEHOLD"));
	cr_assert(reviews_suppresses_finding(reviews_at(r, 2), 202611, 6, "A_PUBLIC_SECTOR"));
	cr_assert_not(reviews_suppresses_finding(reviews_at(r, 2), 202705, 6, "A_PUBLIC_SECTOR"));
	cr_assert_not(reviews_suppresses_finding(reviews_at(r, 2), 202611, 6, "A_DECEASED"));
	cr_assert_eq(reviews_at(r, 2)->level, 0);
	reviews_free(r);
}

Test(reviews, damaged_file_refused_by_line)
{
	char d[1200];
	snprintf(d, sizeof d, "%s", tpath("st"));
	mkdir(d, 0700);
	const char *bad[] = {
		LINE(1, "H1", "confirmed", "2026-10-05", "medium", "R_INCOME") "{not json\n",
		LINE(1, "H1", "confirmed", "2026-10-05", "medium", "R_INCOME")
		LINE(3, "H1", "confirmed", "2026-10-05", "medium", "R_INCOME"),
		LINE(1, "H1", "confirmed", "2026-10-05", "medium", "R_INCOME")
		LINE(2, "H1", "approved", "2026-10-05", "medium", "R_INCOME"),
		LINE(1, "H1", "confirmed", "2026-10-05", "medium", "R_INCOME")
		LINE(2, "H1", "confirmed", "2026-13-05", "medium", "R_INCOME"),
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		put(tpath("st/reviews.jsonl"), bad[i]);
		reviews *r = NULL;
		int exists;
		hh_err err = {{0}};
		cr_assert_eq(reviews_load(d, &r, &exists, &err), HH_EINPUT, "case %zu", i);
		cr_assert_not_null(strstr(err.msg, "reviews.jsonl line 2: "), "%s", err.msg);
		cr_assert_null(r);
	}
	reviews *r = NULL;
	int exists = 1;
	hh_err err = {{0}};
	cr_assert_eq(reviews_load(tpath("none"), &r, &exists, &err), HH_OK, "%s", err.msg);
	cr_assert_eq(exists, 0);
	cr_assert_eq(reviews_count(r), 0);
	reviews_free(r);
}

/* --- the import ---------------------------------------------------------- */

static const char flags_oct[] =
	"household_id,region_code,category,members,household_income,income_per_capita,"
	"oop_12m,edu_net_fees,risk_score,risk_level,reasons\n"
	"H1,640104,dibao,2,1000.00,500.00,0.00,0.00,3,medium,R_INCOME\n"
	"H2,640104,dibao,2,1000.00,500.00,0.00,0.00,6,high,R_INCOME;R_CARE\n";
static const char alerts_oct[] =
	"{\"alert_id\":\"a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1\",\"period\":\"202610\","
	"\"household_id\":\"H1\",\"kind\":\"new\",\"risk_level\":\"medium\","
	"\"reasons\":[\"R_INCOME\"],\"previous_level\":\"none\",\"text\":\"x\"}\n"
	"{\"alert_id\":\"b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2\",\"period\":\"202610\","
	"\"household_id\":\"H3\",\"kind\":\"finding\",\"risk_level\":\"none\","
	"\"reasons\":[\"A_DECEASED\"],\"previous_level\":\"none\",\"code\":\"A_DECEASED\","
	"\"pid\":\"" "aaaa" "\",\"text\":\"x\"}\n";

static char state_dir[1200];
static pid_key *akey;

static void make_state(void)
{
	char d[1300];
	hh_err err = {{0}};
	snprintf(state_dir, sizeof state_dir, "%s", tpath("state"));
	snprintf(d, sizeof d, "%s/runs/202610", state_dir);
	cr_assert_eq(fs_mkdir_p(d, 0777, &err), HH_OK, "%s", err.msg);
	put(tpath("state/runs/202610/flags.csv"), flags_oct);
	put(tpath("state/runs/202610/households.csv"), flags_oct);
	put(tpath("state/runs/202610/findings.csv"), "code,source,household_id,pid,detail\n");
	put(tpath("state/runs/202610/alerts.jsonl"), alerts_oct);
	cr_assert_eq(pid_keygen(tpath("audit.key"), &err), HH_OK, "%s", err.msg);
	cr_assert_eq(pid_key_load(tpath("audit.key"), &akey, &err), HH_OK, "%s", err.msg);
}

static char rejected[4096];

static void on_reject(void *ctx, const char *msg)
{
	(void)ctx;
	size_t used = strlen(rejected);
	snprintf(rejected + used, sizeof rejected - used, "%s\n", msg);
}

static hh_status import(const char *file, reviews_import_result *res, hh_err *err)
{
	reviews_import_opts o = {.in = file, .operator_ = "clerk", .audit_key = akey,
				 .today = 20261130, .reject = on_reject};
	rejected[0] = '\0';
	return reviews_import(state_dir, &o, res, err);
}

Test(reviews, import_checks_every_row)
{
	make_state();
	put(tpath("d.csv"),
	    "家庭编号,预警编号,核查结论,核查人,核查日期,备注,其他\n"
	    "H1,a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1,误报,wang,2026-11-05,ok,x\n" /* 2 */
	    "H2,,已核实帮扶,wang,20261106,,x\n"                                  /* 3 */
	    "H9,,误报,wang,2026-11-05,,x\n"                                      /* 4 */
	    "H2,a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1,误报,wang,2026-11-05,,x\n"      /* 5 */
	    "H2,ffff,误报,wang,2026-11-05,,x\n"                                  /* 6 */
	    "H2,,maybe,wang,2026-11-05,,x\n"                                     /* 7 */
	    "H2,,误报,wang,2026-11-31,,x\n"                                      /* 8 */
	    "H2,,误报,wang,2026-12-01,,x\n"                                      /* 9 */
	    "H2,,误报,,2026-11-05,,x\n"                                          /* 10 */
	    "H2,,误报,wang,2026-11-05,call 11010119900307777X,x\n"               /* 11 */
	    "H2,,误报,wang\n"                                                    /* 12 */
	    "H3,b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2,deceased,wang,2026-11-07,,x\n"  /* 13 */
	    "H2,,已核实帮扶,wang,2026-11-06,,x\n");                              /* 14: again */
	reviews_import_result res;
	hh_err err = {{0}};
	cr_assert_eq(import(tpath("d.csv"), &res, &err), HH_OK, "%s", err.msg);
	cr_assert_eq(res.read, 13);
	cr_assert_eq(res.accepted, 4);
	cr_assert_eq(res.added, 3);
	cr_assert_eq(res.rejected, 9);
	cr_assert_eq(res.read, res.accepted + res.rejected);
	const char *want[] = {
		"d.csv line 4: household_id: the state has never alerted or flagged",
		"d.csv line 5: alert_id: an alert of another household",
		"d.csv line 6: alert_id: the state has no such alert",
		"d.csv line 7: decision: not a decision",
		"d.csv line 8: decided_on: not a date",
		"d.csv line 9: decided_on: after today",
		"d.csv line 10: reviewer: empty, and it is required",
		"d.csv line 11: note: holds something shaped like an ID number",
		"d.csv line 12: not as many fields as the header",
	};
	for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
		cr_assert_not_null(strstr(rejected, want[i]), "%s\nin:\n%s", want[i], rejected);
	cr_assert_null(strstr(rejected, "11010119900307777X"), "the note was echoed");
	char *kept = read_bytes(tpath("state/reviews.jsonl"), NULL);
	char *l2 = strchr(kept, '\n') + 1, *l3 = strchr(l2, '\n') + 1;
	/* the false positive with what its alert said; H2 with its flags */
	cr_assert(strstr(kept, "{\"seq\":1,\"import\":\"") == kept, "%s", kept);
	cr_assert_not_null(strstr(kept, "\"household_id\":\"H1\",\"alert_id\":\"a1a1a1a1a1a1a1a1"
				  "a1a1a1a1a1a1a1a1\",\"decision\":\"false_positive\",\"reviewer\":"
				  "\"wang\",\"decided_on\":\"2026-11-05\",\"note\":\"ok\",\"period\":"
				  "\"202610\",\"risk_level\":\"medium\",\"reasons\":\"R_INCOME\"}\n"));
	cr_assert(strncmp(l2, "{\"seq\":2,", 9) == 0, "%s", l2);
	cr_assert_not_null(strstr(l2, "\"decision\":\"confirmed\",\"reviewer\":\"wang\","
				  "\"decided_on\":\"2026-11-06\",\"period\":\"202610\","
				  "\"risk_level\":\"high\",\"reasons\":\"R_INCOME;R_CARE\"}"), "%s", l2);
	cr_assert_not_null(strstr(l3, "\"code\":\"A_DECEASED\""), "%s", l3);
	/* the import's id: the file's sha256 */
	char imp[32];
	snprintf(imp, sizeof imp, "\"import\":\"%.16s\"", res.sha256);
	cr_assert_not_null(strstr(kept, imp), "%s", kept);
	/* a second import: accepted again, nothing added, same bytes */
	cr_assert_eq(import(tpath("d.csv"), &res, &err), HH_OK, "%s", err.msg);
	cr_assert_eq(res.added, 0);
	cr_assert_eq(res.accepted, 4);
	cr_assert_eq(res.known, 3);
	char *again = read_bytes(tpath("state/reviews.jsonl"), NULL);
	cr_assert_str_eq(again, kept);
	/* two records in the audit log, with the counts */
	char *log = read_bytes(tpath("state/audit.log"), NULL);
	cr_assert_not_null(strstr(log, "\"seq\":2,"), "%s", log);
	cr_assert_not_null(strstr(log, "\"operator\":\"clerk\",\"purpose\":\"review import\""));
	cr_assert_not_null(strstr(log, "\"read\":13,\"accepted\":4,\"added\":3,\"rejected\":9,"
				  "\"decisions_known\":3}"), "%s", log);
	free(kept);
	free(again);
	free(log);
	pid_key_free(akey);
}

Test(reviews, import_tab_separated_and_input_errors)
{
	make_state();
	put(tpath("t.csv"), "household_id\tdecision\treviewer\tdecided_on\nH1\tmoved\tli\t2026-11-02\n");
	reviews_import_result res;
	hh_err err = {{0}};
	cr_assert_eq(import(tpath("t.csv"), &res, &err), HH_OK, "%s", err.msg);
	cr_assert_eq(res.accepted, 1);
	cr_assert_eq(res.rejected, 0, "%s", rejected);
	/* a required column missing: the file, the column, the names */
	put(tpath("m.csv"), "household_id,reviewer,decided_on\nH1,li,2026-11-02\n");
	cr_assert_eq(import(tpath("m.csv"), &res, &err), HH_EINPUT);
	cr_assert_not_null(strstr(err.msg, "m.csv: required column 'decision' is missing "
				  "(accepted names: decision, 核查结论, 结论)"), "%s", err.msg);
	/* no such folder (and none made), then a folder without runs */
	snprintf(state_dir, sizeof state_dir, "%s", tpath("empty"));
	cr_assert_eq(import(tpath("t.csv"), &res, &err), HH_EINPUT);
	cr_assert_not_null(strstr(err.msg, "empty: no such folder"), "%s", err.msg);
	cr_assert_neq(access(state_dir, F_OK), 0);
	mkdir(state_dir, 0700);
	cr_assert_eq(import(tpath("t.csv"), &res, &err), HH_EINPUT);
	cr_assert_not_null(strstr(err.msg, "has no runs"), "%s", err.msg);
	pid_key_free(akey);
}

/* --- applied by the alerts ----------------------------------------------- */

static void run_folder(const char *dir, const char *households, const char *findings)
{
	char p[1400];
	hh_err err = {{0}};
	cr_assert_eq(fs_mkdir_p(dir, 0777, &err), HH_OK, "%s", err.msg);
	static const char hdr[] =
		"household_id,region_code,category,members,household_income,income_per_capita,"
		"oop_12m,edu_net_fees,risk_score,risk_level,reasons\n";
	size_t len = strlen(hdr) + strlen(households) + 1;
	char *all = malloc(len);
	snprintf(all, len, "%s%s", hdr, households);
	snprintf(p, sizeof p, "%s/households.csv", dir);
	put(p, all);
	snprintf(p, sizeof p, "%s/flags.csv", dir);
	put(p, all); /* every row here is flagged */
	snprintf(p, sizeof p, "%s/findings.csv", dir);
	put(p, findings);
	snprintf(p, sizeof p, "%s/report.json", dir);
	put(p, "{\"period\": \"202611\", \"sources\": {}, \"rules\": {\"review_suppress_months\": "
	       "\"6\", \"review_follow_up_months\": \"3\"}}\n");
	free(all);
}

Test(reviews, alerts_apply_the_decisions)
{
	hh_err err = {{0}};
	unsigned long n;
	snprintf(state_dir, sizeof state_dir, "%s", tpath("state"));
	/* October: only H4 flagged */
	run_folder(tpath("oct"), "H4,640104,dibao,2,1000.00,500.00,0.00,0.00,3,medium,R_INCOME\n",
		   "code,source,household_id,pid,detail\n");
	cr_assert_eq(alerts_write(state_dir, 202610, tpath("oct"), &n, &err), HH_OK, "%s", err.msg);
	cr_assert_eq(state_save(state_dir, 202610, tpath("oct"), &err), HH_OK, "%s", err.msg);
	put(tpath("state/reviews.jsonl"),
	    LINE(1, "H1", "false_positive", "2026-09-05", "medium", "R_INCOME")
	    LINE(2, "H2", "false_positive", "2026-09-05", "medium", "R_INCOME")
	    LINE(3, "H4", "confirmed", "2026-08-10", "medium", "R_INCOME")
	    LINE(4, "H3", "deceased", "2026-10-10", "medium", "R_INCOME")
	    LINE(5, "H5", "false_positive", "2026-12-01", "medium", "R_INCOME"));
	/* November: H1 back as reviewed (kept), H2 with a reason added (sent),
	 * H4 still flagged 3 months after its confirmation (follow_up), H3's
	 * A_DECEASED (kept), H5 decided after November (not applied) */
	run_folder(tpath("nov"),
		   "H1,640104,dibao,2,1000.00,500.00,0.00,0.00,3,medium,R_INCOME\n"
		   "H2,640104,dibao,2,1000.00,500.00,0.00,0.00,5,medium,R_INCOME;R_DROPOUT\n"
		   "H4,640104,dibao,2,1000.00,500.00,0.00,0.00,3,medium,R_INCOME\n"
		   "H5,640104,dibao,2,1000.00,500.00,0.00,0.00,3,medium,R_INCOME\n",
		   "code,source,household_id,pid,detail\n"
		   "A_DECEASED,medical,H3,aaaa,deceased\n"
		   "A_PUBLIC_SECTOR,hr,H3,bbbb,public sector\n");
	cr_assert_eq(alerts_write(state_dir, 202611, tpath("nov"), &n, &err), HH_OK, "%s", err.msg);
	char *a = read_bytes(tpath("nov/alerts.jsonl"), NULL);
	cr_assert_null(strstr(a, "\"household_id\":\"H1\""), "%s", a);
	cr_assert_not_null(strstr(a, "\"household_id\":\"H2\",\"kind\":\"new\""), "%s", a);
	cr_assert_not_null(strstr(a, "\"decision\":\"false_positive\",\"decided_on\":\"2026-09-05\","
				  "\"text\":\"新增预警：中风险；人均收入低于标准、义务教育阶段辍学（核查结论："
				  "误报，2026-09-05）\""), "%s", a);
	cr_assert_not_null(strstr(a, "\"household_id\":\"H4\",\"kind\":\"follow_up\""), "%s", a);
	cr_assert_null(strstr(a, "A_DECEASED"), "%s", a);
	cr_assert_not_null(strstr(a, "\"code\":\"A_PUBLIC_SECTOR\""), "%s", a);
	cr_assert_not_null(strstr(a, "\"household_id\":\"H5\",\"kind\":\"new\""), "%s", a);
	cr_assert_null(strstr(strstr(a, "\"household_id\":\"H5\""), "decision"), "%s", a);
	cr_assert_eq(n, 4);
	json_t *rep;
	cr_assert_eq(hj_load_path(tpath("nov/report.json"), &rep, &err), HH_OK, "%s", err.msg);
	json_t *rv = json_object_get(rep, "reviews");
	cr_assert_eq(json_integer_value(json_object_get(rv, "decisions_known")), 5);
	cr_assert_eq(json_integer_value(json_object_get(json_object_get(rv, "suppressed"), "new")), 1);
	cr_assert_eq(json_integer_value(json_object_get(json_object_get(rv, "suppressed"),
							"finding")), 1);
	cr_assert_eq(json_integer_value(json_object_get(rv, "follow_up")), 1);
	json_decref(rep);
	/* kept, then a decision imported later that a rerun must not apply */
	cr_assert_eq(state_save(state_dir, 202611, tpath("nov"), &err), HH_OK, "%s", err.msg);
	char *before = read_bytes(tpath("state/reviews.jsonl"), NULL);
	size_t len = strlen(before) + 512;
	char *more = malloc(len);
	snprintf(more, len, "%s%s", before,
		 LINE(6, "H2", "false_positive", "2026-11-02", "medium", "R_INCOME;R_DROPOUT"));
	put(tpath("state/reviews.jsonl"), more);
	put(tpath("nov/report.json"), "{\"period\": \"202611\", \"sources\": {}, \"rules\": {}}\n");
	cr_assert_eq(alerts_write(state_dir, 202611, tpath("nov"), &n, &err), HH_OK, "%s", err.msg);
	char *again = read_bytes(tpath("nov/alerts.jsonl"), NULL);
	cr_assert_str_eq(again, a, "a rerun applied a later import");
	free(a);
	free(again);
	free(before);
	free(more);
}

/* --- as people see them: last decisions and the backlog ------------------ */

static void alerts_file(const char *path, const char *const *lines)
{
	FILE *f = fopen(path, "w");
	cr_assert_not_null(f, "%s", path);
	for (; *lines; lines++)
		fprintf(f, "{\"alert_id\":\"%s\",\"period\":\"x\",\"household_id\":\"%.2s\","
			"\"kind\":\"%s\",\"risk_level\":\"medium\",\"reasons\":[\"R_INCOME\"]}\n",
			*lines, *lines, *lines + 3);
	fclose(f);
}

Test(reviews, backlog_is_an_old_undecided_alert)
{
	hh_err err = {{0}};
	char d[1300];
	snprintf(state_dir, sizeof state_dir, "%s", tpath("state"));
	snprintf(d, sizeof d, "%s/runs/202605", state_dir);
	cr_assert_eq(fs_mkdir_p(d, 0777, &err), HH_OK, "%s", err.msg);
	cr_assert_eq(fs_mkdir_p(tpath("jul"), 0777, &err), HH_OK, "%s", err.msg);
	/* May: H1 and H2 new, H5 new then (June) resolved, H6 de-escalated
	 * only; July: H3 new, H4 escalated; (the id's first two characters are
	 * the household, the rest the kind) */
	static const char *const may[] = {"H1 new", "H2 new", "H5 new", "H6 de-escalated", NULL};
	static const char *const jul[] = {"H3 new", "H4 escalated", NULL};
	alerts_file(tpath("state/runs/202605/alerts.jsonl"), may);
	alerts_file(tpath("jul/alerts.jsonl"), jul);
	put(tpath("state/reviews.jsonl"),
	    LINE(1, "H1", "false_positive", "2026-05-20", "medium", "R_INCOME")
	    LINE(2, "H2", "confirmed", "2026-04-28", "medium", "R_INCOME")
	    LINE(3, "H4", "confirmed", "2026-07-30", "medium", "R_INCOME"));
	put(tpath("jul/report.json"), "{\"reviews\": {\"decisions_known\": 2}, \"rules\": "
				      "{\"review_backlog_days\": \"30\"}}\n");
	reviews_status *s = NULL;
	cr_assert_eq(reviews_status_load(state_dir, 202607, tpath("jul"), &s, &err), HH_OK, "%s",
		     err.msg);
	cr_assert_not_null(s);
	cr_assert_not(reviews_status_backlog(s, "H1"), "decided after its alert");
	cr_assert(reviews_status_backlog(s, "H2"), "decided before its alert: in the backlog");
	cr_assert_not(reviews_status_backlog(s, "H3"), "alerted this period");
	cr_assert_not(reviews_status_backlog(s, "H4"), "alerted this period");
	cr_assert(reviews_status_backlog(s, "H5"));
	cr_assert_not(reviews_status_backlog(s, "H6"), "de-escalated asks for nothing");
	cr_assert_eq(reviews_status_last(s, "H1")->decision, RV_FALSE_POSITIVE);
	cr_assert_null(reviews_status_last(s, "H4"), "the third decision was not known to the run");
	reviews_status_free(s);
	/* May's end to July's end is 61 days */
	put(tpath("jul/report.json"), "{\"reviews\": {\"decisions_known\": 2}, \"rules\": "
				      "{\"review_backlog_days\": \"62\"}}\n");
	cr_assert_eq(reviews_status_load(state_dir, 202607, tpath("jul"), &s, &err), HH_OK, "%s",
		     err.msg);
	cr_assert_not(reviews_status_backlog(s, "H2"));
	reviews_status_free(s);
	put(tpath("jul/report.json"), "{\"reviews\": {\"decisions_known\": 2}, \"rules\": "
				      "{\"review_backlog_days\": \"61\"}}\n");
	cr_assert_eq(reviews_status_load(state_dir, 202607, tpath("jul"), &s, &err), HH_OK, "%s",
		     err.msg);
	cr_assert(reviews_status_backlog(s, "H2"));
	reviews_status_free(s);
	/* no reviews.jsonl: the loop is not in use, nothing to show */
	unlink(tpath("state/reviews.jsonl"));
	cr_assert_eq(reviews_status_load(state_dir, 202607, tpath("jul"), &s, &err), HH_OK, "%s",
		     err.msg);
	cr_assert_null(s);
}
