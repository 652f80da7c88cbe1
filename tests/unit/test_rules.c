/*
 * test_rules.c - the risk rules (domain/rules.c): the embedded defaults
 * against the contract's numbers, every rule at its boundary, scores and
 * levels, override files (thresholds, weights, per-region income lines,
 * and every kind of error), and rules_parse_yuan.
 */
#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "domain/rules.h"

#define YUAN(y) ((int64_t)(y) * 100)

#define TESTDIR_NAME "rules"
#include "testdir.h"

/* Writes text to name in the test's folder and returns the path (a
 * tpath result). */
static const char *write_rules(const char *name, const char *text)
{
	const char *path = tpath(name);
	write_bytes(path, text, strlen(text));
	return path;
}

static rules *defaults(void)
{
	rules *r = NULL;
	hh_err err = {{0}};
	cr_assert_eq(rules_new(NULL, &r, &err), HH_OK, "%s", err.msg);
	cr_assert_not_null(r);
	return r;
}

/* A household of `members` with the given income and nothing else. */
static rules_facts facts(int members, int64_t income_fen)
{
	rules_facts f;
	memset(&f, 0, sizeof f);
	f.region_code = "640104";
	f.region_len = 6;
	f.members = members;
	f.household_income_fen = income_fen;
	return f;
}

static rules_result eval(const rules *r, const rules_facts *f)
{
	rules_result res;
	rules_eval(r, f, &res);
	return res;
}

/* ---- defaults ---- */

Test(rules_defaults, contract_numbers)
{
	rules *r = defaults();
	cr_assert_eq(r->income_line_fen, YUAN(6000));
	cr_assert_eq(r->n_region_lines, 0);
	cr_assert_eq(r->medical_oop_fen, YUAN(10000));
	cr_assert_eq(r->medical_income_bp, 5000);
	cr_assert_eq(r->medical_window_months, 12);
	cr_assert_eq(r->education_income_bp, 3000);
	cr_assert_eq(r->dropout_age_min, 6);
	cr_assert_eq(r->dropout_age_max, 15);
	cr_assert_eq(r->working_age_min, 16);
	cr_assert_eq(r->working_age_max, 59);
	cr_assert_eq(r->income_drop_bp, 5000);
	cr_assert_eq(r->care_age, 80);
	cr_assert_eq(r->care_disability_grade, 2);
	cr_assert_eq(r->weight[R_INCOME], 3);
	cr_assert_eq(r->weight[R_MEDICAL], 3);
	cr_assert_eq(r->weight[R_EDUCATION], 2);
	cr_assert_eq(r->weight[R_DROPOUT], 2);
	cr_assert_eq(r->weight[R_JOBLOSS], 2);
	cr_assert_eq(r->weight[R_INCOME_DROP], 2);
	cr_assert_eq(r->weight[R_ZEROJOB], 3);
	cr_assert_eq(r->weight[R_DISASTER], 3);
	cr_assert_eq(r->weight[R_CARE], 2);
	cr_assert_eq(r->level_high, 6);
	cr_assert_eq(r->level_medium, 3);
	cr_assert_eq(r->level_low, 1);
	cr_assert_eq(r->flag_level, LEVEL_MEDIUM);
	cr_assert_eq(r->multi_property_count, 2);
	cr_assert_eq(r->high_income_multiple_bp, 30000);
	cr_assert_eq(r->discovery_oop_fen, YUAN(26000));
	cr_assert_eq(r->max_reject_bp, 2000);
	cr_assert_eq(r->guard_household_drop_bp, 1000);
	cr_assert_eq(r->guard_roster_link_drop_bp, 5000);
	cr_assert_eq(r->guard_max_period_gap, 3);
	cr_assert_eq(rules_income_line(r, "640104", 6), YUAN(6000));
	cr_assert_eq(rules_income_line(r, NULL, 0), YUAN(6000));
	rules_free(r);
	rules_free(NULL); /* a no-op */
}

Test(rules_names, codes_and_levels)
{
	const char *want[R_COUNT] = {
		"R_INCOME",      "R_MEDICAL", "R_EDUCATION",
		"R_DROPOUT",     "R_JOBLOSS", "R_INCOME_DROP",
		"R_ZEROJOB",     "R_DISASTER", "R_CARE"};
	for (int c = 0; c < R_COUNT; c++)
		cr_assert_str_eq(rules_code_name((rule_code)c), want[c]);
	cr_assert_str_eq(rules_code_name(R_COUNT), "unknown");
	cr_assert_str_eq(rules_level_name(LEVEL_NONE), "none");
	cr_assert_str_eq(rules_level_name(LEVEL_LOW), "low");
	cr_assert_str_eq(rules_level_name(LEVEL_MEDIUM), "medium");
	cr_assert_str_eq(rules_level_name(LEVEL_HIGH), "high");
}

/* ---- each rule at its boundary ---- */

Test(rules_eval, income_boundary)
{
	rules *r = defaults();
	rules_facts f = facts(3, YUAN(18000)); /* exactly 6000 per capita */
	rules_result res = eval(r, &f);
	cr_assert_eq(res.fired[R_INCOME], 0);
	cr_assert_eq(res.value[R_INCOME], YUAN(6000));
	cr_assert_eq(res.threshold[R_INCOME], YUAN(6000));
	cr_assert_eq(res.income_line_fen, YUAN(6000));

	f.household_income_fen = YUAN(18000) - 1; /* one fen below */
	res = eval(r, &f);
	cr_assert_eq(res.fired[R_INCOME], 1);
	cr_assert_eq(res.value[R_INCOME], (YUAN(18000) - 1) / 3);
	cr_assert_eq(res.score, 3);
	cr_assert_eq(res.level, LEVEL_MEDIUM);
	cr_assert_eq(res.flagged, 1);

	f = facts(1, 0); /* no income at all */
	cr_assert_eq(eval(r, &f).fired[R_INCOME], 1);

	f = facts(0, 0); /* no counted members: never fires */
	res = eval(r, &f);
	cr_assert_eq(res.fired[R_INCOME], 0);
	cr_assert_eq(res.value[R_INCOME], 0);
	cr_assert_eq(res.score, 0);
	rules_free(r);
}

Test(rules_eval, income_no_overflow)
{
	rules *r = defaults();
	/* the largest amount rules_parse_yuan accepts, many members */
	rules_facts f = facts(1000000, YUAN(999999999999999LL));
	cr_assert_eq(eval(r, &f).fired[R_INCOME], 0);
	f.members = 2000000000;
	f.household_income_fen = YUAN(1000);
	cr_assert_eq(eval(r, &f).fired[R_INCOME], 1);
	rules_free(r);
}

Test(rules_eval, medical_boundary)
{
	rules *r = defaults();
	rules_facts f = facts(1, YUAN(1000000)); /* high income */

	f.oop_12m_fen = YUAN(10000); /* exactly 10000 yuan */
	rules_result res = eval(r, &f);
	cr_assert_eq(res.fired[R_MEDICAL], 1);
	cr_assert_eq(res.value[R_MEDICAL], YUAN(10000));
	cr_assert_eq(res.threshold[R_MEDICAL], YUAN(10000));

	f.oop_12m_fen = YUAN(10000) - 1; /* 9999.99 */
	res = eval(r, &f);
	cr_assert_eq(res.fired[R_MEDICAL], 0);
	cr_assert_eq(res.threshold[R_MEDICAL], YUAN(10000));

	/* oop exactly half of the income fires; one fen less does not */
	f = facts(1, YUAN(8000) + 2);
	f.oop_12m_fen = YUAN(4000) + 1;
	res = eval(r, &f);
	cr_assert_eq(res.fired[R_MEDICAL], 1);
	cr_assert_eq(res.threshold[R_MEDICAL], YUAN(4000) + 1);
	f.oop_12m_fen = YUAN(4000);
	cr_assert_eq(eval(r, &f).fired[R_MEDICAL], 0);

	/* odd income: half is 4000.005 yuan, so 4000.01 is the first */
	f = facts(1, YUAN(8000) + 1);
	f.oop_12m_fen = YUAN(4000) + 1;
	res = eval(r, &f);
	cr_assert_eq(res.fired[R_MEDICAL], 1);
	cr_assert_eq(res.threshold[R_MEDICAL], YUAN(4000) + 1);
	f.oop_12m_fen = YUAN(4000);
	cr_assert_eq(eval(r, &f).fired[R_MEDICAL], 0);

	/* nothing paid with no income: does not fire */
	f = facts(1, 0);
	f.oop_12m_fen = 0;
	res = eval(r, &f);
	cr_assert_eq(res.fired[R_MEDICAL], 0);
	cr_assert_eq(res.threshold[R_MEDICAL], 1);
	/* one fen paid with no income: fires on the ratio */
	f.oop_12m_fen = 1;
	cr_assert_eq(eval(r, &f).fired[R_MEDICAL], 1);

	/* huge amounts do not overflow */
	f = facts(1, YUAN(999999999999999LL));
	f.oop_12m_fen = YUAN(999999999999999LL);
	res = eval(r, &f);
	cr_assert_eq(res.fired[R_MEDICAL], 1);
	cr_assert_eq(res.threshold[R_MEDICAL], YUAN(10000));
	rules_free(r);
}

Test(rules_eval, education_boundary)
{
	rules *r = defaults();
	rules_facts f = facts(2, YUAN(10000));

	f.edu_net_fen = YUAN(3000); /* exactly 0.3 x income */
	rules_result res = eval(r, &f);
	cr_assert_eq(res.fired[R_EDUCATION], 1);
	cr_assert_eq(res.value[R_EDUCATION], YUAN(3000));
	cr_assert_eq(res.threshold[R_EDUCATION], YUAN(3000));
	f.edu_net_fen = YUAN(3000) - 1;
	cr_assert_eq(eval(r, &f).fired[R_EDUCATION], 0);

	/* 0.3 x 10000.01 = 3000.003: the first firing amount is 3000.01 */
	f = facts(2, YUAN(10000) + 1);
	f.edu_net_fen = YUAN(3000);
	res = eval(r, &f);
	cr_assert_eq(res.fired[R_EDUCATION], 0);
	cr_assert_eq(res.threshold[R_EDUCATION], YUAN(3000) + 1);
	f.edu_net_fen = YUAN(3000) + 1;
	cr_assert_eq(eval(r, &f).fired[R_EDUCATION], 1);

	/* net 0 with income 0 does not fire; one fen does */
	f = facts(2, 0);
	cr_assert_eq(eval(r, &f).fired[R_EDUCATION], 0);
	f.edu_net_fen = 1;
	cr_assert_eq(eval(r, &f).fired[R_EDUCATION], 1);
	rules_free(r);
}

Test(rules_eval, flag_rules)
{
	rules *r = defaults();
	rules_facts f = facts(1, YUAN(1000000));
	struct {
		int *fact;
		rule_code code;
	} flags[] = {
		{&f.dropout_child, R_DROPOUT}, {&f.jobloss, R_JOBLOSS},
		{&f.income_drop, R_INCOME_DROP}, {&f.disaster, R_DISASTER},
		{&f.single_care, R_CARE},
	};
	for (size_t i = 0; i < sizeof flags / sizeof flags[0]; i++) {
		rules_result res = eval(r, &f);
		cr_assert_eq(res.fired[flags[i].code], 0);
		cr_assert_eq(res.score, 0);
		*flags[i].fact = 1;
		res = eval(r, &f);
		cr_assert_eq(res.fired[flags[i].code], 1, "%s",
			     rules_code_name(flags[i].code));
		cr_assert_eq(res.value[flags[i].code], 1);
		cr_assert_eq(res.threshold[flags[i].code], 1);
		cr_assert_eq(res.score, r->weight[flags[i].code]);
		*flags[i].fact = 0;
	}
	rules_free(r);
}

Test(rules_eval, zerojob_combinations)
{
	rules *r = defaults();
	struct {
		int able, in_hr, employed, fires;
	} cases[] = {
		{0, 0, 0, 0}, /* nobody able and of working age */
		{1, 1, 0, 1}, /* one, in hr, not employed */
		{1, 0, 0, 0}, /* one, absent from hr: unknown, not zero */
		{1, 1, 1, 0}, /* employed */
		{3, 3, 0, 1}, /* all three in hr, none employed */
		{3, 2, 0, 0}, /* one of three missing from hr */
		{3, 3, 1, 0}, /* one of three employed */
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		rules_facts f = facts(3, YUAN(1000000));
		f.able_working = cases[i].able;
		f.able_working_in_hr = cases[i].in_hr;
		f.able_working_employed = cases[i].employed;
		rules_result res = eval(r, &f);
		cr_assert_eq(res.fired[R_ZEROJOB], cases[i].fires, "case %zu",
			     i);
		cr_assert_eq(res.value[R_ZEROJOB], cases[i].fires);
		cr_assert_eq(res.score, cases[i].fires ? 3 : 0);
	}
	rules_free(r);
}

/* ---- score and level ---- */

Test(rules_eval, levels_with_defaults)
{
	rules *r = defaults();
	rules_facts f = facts(1, YUAN(1000000));
	rules_result res = eval(r, &f);
	cr_assert_eq(res.score, 0);
	cr_assert_eq(res.level, LEVEL_NONE);
	cr_assert_eq(res.flagged, 0);

	f.dropout_child = 1; /* 2 */
	res = eval(r, &f);
	cr_assert_eq(res.score, 2);
	cr_assert_eq(res.level, LEVEL_LOW);
	cr_assert_eq(res.flagged, 0);

	f.dropout_child = 0;
	f.disaster = 1; /* 3 */
	res = eval(r, &f);
	cr_assert_eq(res.score, 3);
	cr_assert_eq(res.level, LEVEL_MEDIUM);
	cr_assert_eq(res.flagged, 1);

	f.jobloss = 1; /* 3 + 2 */
	res = eval(r, &f);
	cr_assert_eq(res.score, 5);
	cr_assert_eq(res.level, LEVEL_MEDIUM);
	cr_assert_eq(res.flagged, 1);

	f.jobloss = 0;
	f.members = 1;
	f.household_income_fen = 0; /* R_INCOME 3 + R_DISASTER 3 */
	res = eval(r, &f);
	cr_assert_eq(res.score, 6);
	cr_assert_eq(res.level, LEVEL_HIGH);
	cr_assert_eq(res.flagged, 1);
	cr_assert_eq(res.fired[R_INCOME] + res.fired[R_DISASTER], 2);

	/* everything at once */
	f = facts(1, 0);
	f.oop_12m_fen = 1;
	f.edu_net_fen = 1;
	f.dropout_child = f.jobloss = f.income_drop = f.disaster = 1;
	f.single_care = 1;
	f.able_working = f.able_working_in_hr = 1;
	res = eval(r, &f);
	cr_assert_eq(res.score, 3 + 3 + 2 + 2 + 2 + 2 + 3 + 3 + 2);
	cr_assert_eq(res.level, LEVEL_HIGH);
	rules_free(r);
}

Test(rules_eval, levels_each_score, .init = testdir_setup,
     .fini = testdir_teardown)
{
	/* every flag rule weighs 1, so the score is the number of flags */
	const char *path = write_rules("ones.rules",
				       "weight.R_DROPOUT = 1\n"
				       "weight.R_JOBLOSS = 1\n"
				       "weight.R_INCOME_DROP = 1\n"
				       "weight.R_DISASTER = 1\n"
				       "weight.R_CARE = 1\n"
				       "weight.R_ZEROJOB = 1\n");
	rules *r = NULL;
	hh_err err;
	cr_assert_eq(rules_new(path, &r, &err), HH_OK, "%s", err.msg);
	const risk_level want[] = {LEVEL_NONE,   LEVEL_LOW,    LEVEL_LOW,
				   LEVEL_MEDIUM, LEVEL_MEDIUM, LEVEL_MEDIUM,
				   LEVEL_HIGH};
	for (int score = 0; score <= 6; score++) {
		rules_facts f = facts(1, YUAN(1000000));
		int *facts_in_order[] = {&f.dropout_child, &f.jobloss,
					 &f.income_drop,   &f.disaster,
					 &f.single_care};
		for (int i = 0; i < score && i < 5; i++)
			*facts_in_order[i] = 1;
		if (score == 6)
			f.able_working = f.able_working_in_hr = 1;
		rules_result res = eval(r, &f);
		cr_assert_eq(res.score, score);
		cr_assert_eq(res.level, want[score], "score %d", score);
		cr_assert_eq(res.flagged, want[score] >= LEVEL_MEDIUM);
	}
	rules_free(r);
}

/* ---- override files ---- */

TestSuite(rules_override, .init = testdir_setup, .fini = testdir_teardown);

Test(rules_override, thresholds_weights_regions)
{
	const char *path = write_rules(
		"ningxia.rules",
		"# Ningxia lines\n"
		"income_line = 5000.5\n"
		"income_line.6401 = 6500\n"
		"income_line.640122 = \"7000.25\"   # Helan county\n"
		"medical_oop = 20000\n"
		"medical_income_ratio = 0.25\n"
		"weight.R_MEDICAL = 4\n"
		"weight.R_CARE = 0\n"
		"level_high = 8\n"
		"flag_level = high\n"
		"max_reject_ratio = 1\n");
	rules *r = NULL;
	hh_err err;
	cr_assert_eq(rules_new(path, &r, &err), HH_OK, "%s", err.msg);
	cr_assert_eq(r->income_line_fen, YUAN(5000) + 50);
	cr_assert_eq(r->medical_oop_fen, YUAN(20000));
	cr_assert_eq(r->medical_income_bp, 2500);
	cr_assert_eq(r->weight[R_MEDICAL], 4);
	cr_assert_eq(r->weight[R_CARE], 0);
	cr_assert_eq(r->weight[R_INCOME], 3); /* left alone: default */
	cr_assert_eq(r->education_income_bp, 3000);
	cr_assert_eq(r->level_high, 8);
	cr_assert_eq(r->flag_level, LEVEL_HIGH);
	cr_assert_eq(r->max_reject_bp, 10000);

	/* longest prefix first */
	cr_assert_eq(r->n_region_lines, 2);
	cr_assert_str_eq(r->region_lines[0].prefix, "640122");
	cr_assert_str_eq(r->region_lines[1].prefix, "6401");
	cr_assert_eq(rules_income_line(r, "640122", 6), YUAN(7000) + 25);
	cr_assert_eq(rules_income_line(r, "640122001001", 12),
		     YUAN(7000) + 25);
	cr_assert_eq(rules_income_line(r, "640105", 6), YUAN(6500));
	cr_assert_eq(rules_income_line(r, "650000", 6), YUAN(5000) + 50);
	cr_assert_eq(rules_income_line(r, "6401", 4), YUAN(6500));
	cr_assert_eq(rules_income_line(r, "640", 3), YUAN(5000) + 50);
	/* region_len counts, not a NUL: "6401229" cut to 5 is "64012" */
	cr_assert_eq(rules_income_line(r, "6401229", 5), YUAN(6500));

	/* rules_eval uses the region's line */
	rules_facts f = facts(2, YUAN(13000)); /* 6500 per capita */
	f.region_code = "640105";
	rules_result res = eval(r, &f);
	cr_assert_eq(res.income_line_fen, YUAN(6500));
	cr_assert_eq(res.fired[R_INCOME], 0);
	f.region_code = "640122";
	res = eval(r, &f);
	cr_assert_eq(res.income_line_fen, YUAN(7000) + 25);
	cr_assert_eq(res.fired[R_INCOME], 1);
	cr_assert_eq(res.score, 3);
	cr_assert_eq(res.level, LEVEL_MEDIUM);
	cr_assert_eq(res.flagged, 0); /* flag_level = high */
	f.region_code = "650000";
	cr_assert_eq(eval(r, &f).fired[R_INCOME], 0);

	/* new medical thresholds and weight */
	f = facts(1, YUAN(1000000));
	f.oop_12m_fen = YUAN(20000) - 1;
	cr_assert_eq(eval(r, &f).fired[R_MEDICAL], 0);
	f.oop_12m_fen = YUAN(20000);
	res = eval(r, &f);
	cr_assert_eq(res.fired[R_MEDICAL], 1);
	cr_assert_eq(res.score, 4);
	f = facts(1, YUAN(40000));
	f.oop_12m_fen = YUAN(10000); /* 0.25 x 40000 */
	cr_assert_eq(eval(r, &f).fired[R_MEDICAL], 1);

	/* weight 0 switches R_CARE off */
	f = facts(1, YUAN(1000000));
	f.single_care = 1;
	res = eval(r, &f);
	cr_assert_eq(res.fired[R_CARE], 0);
	cr_assert_eq(res.value[R_CARE], 1);
	cr_assert_eq(res.score, 0);
	cr_assert_eq(res.level, LEVEL_NONE);
	rules_free(r);
}

Test(rules_override, ratio_thresholds_round_up)
{
	/* 0.0001 x 100.01 yuan = 1.0001 fen: the first amount that reaches
	 * it is 2 fen, and that is the threshold reported */
	const char *path = write_rules("tiny.rules",
				       "education_income_ratio = 0.0001\n"
				       "medical_income_ratio = 1.2345\n");
	rules *r = NULL;
	hh_err err;
	cr_assert_eq(rules_new(path, &r, &err), HH_OK, "%s", err.msg);
	cr_assert_eq(r->education_income_bp, 1);
	cr_assert_eq(r->medical_income_bp, 12345);
	rules_facts f = facts(1, 10001);
	f.edu_net_fen = 1;
	rules_result res = eval(r, &f);
	cr_assert_eq(res.threshold[R_EDUCATION], 2);
	cr_assert_eq(res.fired[R_EDUCATION], 0);
	f.edu_net_fen = 2;
	cr_assert_eq(eval(r, &f).fired[R_EDUCATION], 1);

	/* 1.2345 x 100 fen = 123.45 fen: 124 fires, 123 does not */
	f = facts(1, 100);
	f.oop_12m_fen = 123;
	res = eval(r, &f);
	cr_assert_eq(res.threshold[R_MEDICAL], 124);
	cr_assert_eq(res.fired[R_MEDICAL], 0);
	f.oop_12m_fen = 124;
	cr_assert_eq(eval(r, &f).fired[R_MEDICAL], 1);
	rules_free(r);
}

Test(rules_override, empty_file_keeps_defaults)
{
	const char *path = write_rules("empty.rules", "# nothing\n");
	rules *r = NULL;
	hh_err err;
	cr_assert_eq(rules_new(path, &r, &err), HH_OK, "%s", err.msg);
	cr_assert_eq(r->income_line_fen, YUAN(6000));
	cr_assert_eq(r->level_high, 6);
	rules_free(r);
}

/* Expects rules_new(file with text) to fail with exactly msg, where "F"
 * in msg stands for the file's path. */
static void expect_error(const char *text, const char *msg)
{
	const char *path = write_rules("bad.rules", text);
	char want[512];
	const char *f = strstr(msg, "F");
	cr_assert_not_null(f);
	snprintf(want, sizeof want, "%.*s%s%s", (int)(f - msg), msg, path,
		 f + 1);
	rules *r = (rules *)&want; /* must stay untouched */
	hh_err err;
	cr_assert_eq(rules_new(path, &r, &err), HH_EUSAGE, "for: %s", text);
	cr_assert_str_eq(err.msg, want);
	cr_assert_eq(r, (rules *)&want);
}

Test(rules_override, unknown_keys)
{
	expect_error("income_line = 6000\n\n\nmedcal_oop = 10000\n",
		     "F: line 4: unknown setting 'medcal_oop'; did you mean "
		     "'medical_oop'?");
	expect_error("# x\nweight.R_FOO = 2\n",
		     "F: line 2: unknown setting 'weight.R_FOO'");
	expect_error("colour = blue\n", "F: line 1: unknown setting 'colour'");
	expect_error("Income_Line = 6000\n",
		     "F: line 1: unknown setting 'Income_Line'; did you mean "
		     "'income_line'?");
	expect_error("income_line.64a1 = 6000\n",
		     "F: line 1: income_line.64a1: expected a region-code "
		     "prefix of 2 to 12 digits after 'income_line.'");
	expect_error("income_line.6 = 6000\n",
		     "F: line 1: income_line.6: expected a region-code prefix "
		     "of 2 to 12 digits after 'income_line.'");
	expect_error("income_line.6401220010011 = 6000\n",
		     "F: line 1: income_line.6401220010011: expected a "
		     "region-code prefix of 2 to 12 digits after "
		     "'income_line.'");
	expect_error("income_line. = 6000\n",
		     "F: line 1: income_line.: expected a region-code prefix "
		     "of 2 to 12 digits after 'income_line.'");
	expect_error("medical_oop 10000\n",
		     "F: line 1: expected 'key = value'");
}

Test(rules_override, bad_values)
{
	expect_error("a_comment_first = 1\n", /* sanity: unknown first */
		     "F: line 1: unknown setting 'a_comment_first'");
	expect_error("\n\n\nmedical_oop = abc\n",
		     "F: line 4: medical_oop: expected an amount in yuan, got "
		     "'abc'");
	expect_error("medical_oop = 1,000\n",
		     "F: line 1: medical_oop: expected an amount in yuan, got "
		     "'1,000'");
	expect_error("medical_oop =\n",
		     "F: line 1: medical_oop: expected an amount in yuan, got "
		     "''");
	expect_error("income_line = -1\n",
		     "F: line 1: income_line: expected an amount in yuan, got "
		     "'-1' (amounts are never negative)");
	expect_error("income_line.6401 = 1.234\n",
		     "F: line 1: income_line.6401: expected an amount in "
		     "yuan, got '1.234'");
	expect_error("medical_income_ratio = 50%\n",
		     "F: line 1: medical_income_ratio: expected a decimal "
		     "from 0 to 100 with up to 4 decimals, got '50%'");
	expect_error("education_income_ratio = 0.12345\n",
		     "F: line 1: education_income_ratio: expected a decimal "
		     "from 0 to 100 with up to 4 decimals, got '0.12345'");
	expect_error("max_reject_ratio = 1.5\n",
		     "F: line 1: max_reject_ratio: expected a decimal from 0 "
		     "to 1 with up to 4 decimals, got '1.5'");
	expect_error("income_drop_ratio = .5\n",
		     "F: line 1: income_drop_ratio: expected a decimal from 0 "
		     "to 1 with up to 4 decimals, got '.5'");
	expect_error("weight.R_CARE = 101\n",
		     "F: line 1: weight.R_CARE: expected a whole number from "
		     "0 to 100, got '101'");
	expect_error("weight.R_CARE = -1\n",
		     "F: line 1: weight.R_CARE: expected a whole number from "
		     "0 to 100, got '-1'");
	expect_error("weight.R_CARE = 2.0\n",
		     "F: line 1: weight.R_CARE: expected a whole number from "
		     "0 to 100, got '2.0'");
	expect_error("care_age = 99999999999\n",
		     "F: line 1: care_age: expected a whole number from 0 to "
		     "150, got '99999999999'");
	expect_error("level_low = 0\n",
		     "F: line 1: level_low: expected a whole number from 1 to "
		     "1000, got '0'");
	expect_error("flag_level = none\n",
		     "F: line 1: flag_level: expected low, medium or high, "
		     "got 'none'");
	expect_error("flag_level = Medium\n",
		     "F: line 1: flag_level: expected low, medium or high, "
		     "got 'Medium'");
	expect_error("medical_oop = 1\nmedical_oop = 2\n",
		     "F: line 2: medical_oop is already set on line 1");
	expect_error("income_line.6401 = 1\n#\nincome_line.6401 = 2\n",
		     "F: line 3: income_line.6401 is already set on line 1");
	expect_error("income_line.6401 = 1\nincome_line.6401 = \"x\"\n",
		     "F: line 2: income_line.6401: expected an amount in "
		     "yuan, got 'x'");
}

Test(rules_override, guard_settings)
{
	const char *path = write_rules("guards.rules",
				       "guard_household_drop = 0.25\n"
				       "guard_roster_link_drop = 1\n"
				       "guard_max_period_gap = 12\n");
	rules *r = NULL;
	hh_err err;
	cr_assert_eq(rules_new(path, &r, &err), HH_OK, "%s", err.msg);
	cr_assert_eq(r->guard_household_drop_bp, 2500);
	cr_assert_eq(r->guard_roster_link_drop_bp, 10000);
	cr_assert_eq(r->guard_max_period_gap, 12);
	cr_assert_eq(r->max_reject_bp, 2000); /* left alone: default */
	rules_free(r);
	expect_error("guard_household_drop = 1.1\n",
		     "F: line 1: guard_household_drop: expected a decimal "
		     "from 0 to 1 with up to 4 decimals, got '1.1'");
	expect_error("guard_roster_link_drop = -0.5\n",
		     "F: line 1: guard_roster_link_drop: expected a decimal "
		     "from 0 to 1 with up to 4 decimals, got '-0.5'");
	expect_error("guard_max_period_gap = 0\n",
		     "F: line 1: guard_max_period_gap: expected a whole "
		     "number from 1 to 1200, got '0'");
	expect_error("guard_max_period_gap = 1201\n",
		     "F: line 1: guard_max_period_gap: expected a whole "
		     "number from 1 to 1200, got '1201'");
	expect_error("guard_household_dorp = 0.2\n",
		     "F: line 1: unknown setting 'guard_household_dorp'; did "
		     "you mean 'guard_household_drop'?");
}

Test(rules_override, cross_key_checks)
{
	expect_error("level_medium = 7\n",
		     "F: level_low (1), level_medium (7) and level_high (6) "
		     "must not decrease");
	expect_error("dropout_age_min = 16\n",
		     "F: dropout_age_min (16) is above dropout_age_max (15)");
	expect_error("working_age_max = 10\n",
		     "F: working_age_min (16) is above working_age_max (10)");
	/* moving both ends together is fine */
	const char *path = write_rules("ok.rules", "level_medium = 7\n"
						   "level_high = 9\n");
	rules *r = NULL;
	hh_err err;
	cr_assert_eq(rules_new(path, &r, &err), HH_OK, "%s", err.msg);
	cr_assert_eq(r->level_medium, 7);
	rules_free(r);
}

Test(rules_override, missing_file)
{
	const char *path = tpath("nope.rules");
	rules *r = NULL;
	hh_err err;
	cr_assert_eq(rules_new(path, &r, &err), HH_EINPUT);
	cr_assert(strstr(err.msg, "nope.rules"), "%s", err.msg);
	cr_assert_null(r);
}

/* ---- rules_parse_yuan ---- */

Test(rules_parse_yuan, table)
{
	struct {
		const char *s;
		int rc;
		int64_t fen;
	} cases[] = {
		{"0", 0, 0},
		{"12", 0, 1200},
		{"12.5", 0, 1250},
		{"12.34", 0, 1234},
		{"12.05", 0, 1205},
		{"0.01", 0, 1},
		{"007", 0, 700},
		{"10000", 0, 1000000},
		{"999999999999999", 0, 99999999999999900LL},
		{"999999999999999.99", 0, 99999999999999999LL},
		{"0000000000000000001", 0, 100}, /* leading zeros are free */
		{"1000000000000000", -1, 0},     /* 16 integer digits */
		{"99999999999999999999999", -1, 0},
		{"", -1, 0},
		{"1.234", -1, 0},
		{"1,000", -1, 0},
		{"abc", -1, 0},
		{"1e3", -1, 0},
		{"1.", -1, 0},
		{".5", -1, 0},
		{"+1", -1, 0},
		{" 1", -1, 0},
		{"1 ", -1, 0},
		{"1.2.3", -1, 0},
		{"-", -1, 0},
		{"--1", -1, 0},
		{"-abc", -1, 0},
		{"-1", -2, 0},
		{"-0.5", -2, 0},
		{"-0", -2, 0},
		{"１２", -1, 0}, /* full-width digits are not amounts */
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		int64_t fen = -12345;
		int rc = rules_parse_yuan(cases[i].s, strlen(cases[i].s), &fen);
		cr_assert_eq(rc, cases[i].rc, "'%s': rc %d", cases[i].s, rc);
		if (rc == 0)
			cr_assert_eq(fen, cases[i].fen, "'%s': %lld",
				     cases[i].s, (long long)fen);
		else
			cr_assert_eq(fen, -12345, "'%s' wrote *fen",
				     cases[i].s);
	}
}

Test(rules_parse_yuan, uses_len_not_nul)
{
	int64_t fen = 0;
	cr_assert_eq(rules_parse_yuan("12.34xyz", 5, &fen), 0);
	cr_assert_eq(fen, 1234);
	cr_assert_eq(rules_parse_yuan("12,5", 2, &fen), 0);
	cr_assert_eq(fen, 1200);
	cr_assert_eq(rules_parse_yuan("5", 0, &fen), -1);
}

/* Every amount written with 0, 1 or 2 decimals reads back to its fen. */
Test(rules_parse_yuan, roundtrip)
{
	uint64_t seed = 42;
	for (int i = 0; i < 100000; i++) {
		seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
		int64_t fen = (int64_t)((seed >> 8) % 100000000000000000ULL);
		if (i % 3 == 0)
			fen %= 10000000; /* plenty of small amounts too */
		char buf[40];
		int64_t got = -1;
		if (fen % 100 == 0)
			snprintf(buf, sizeof buf, "%lld",
				 (long long)(fen / 100));
		else if (fen % 10 == 0)
			snprintf(buf, sizeof buf, "%lld.%lld",
				 (long long)(fen / 100),
				 (long long)(fen % 100 / 10));
		else
			snprintf(buf, sizeof buf, "%lld.%02lld",
				 (long long)(fen / 100),
				 (long long)(fen % 100));
		cr_assert_eq(rules_parse_yuan(buf, strlen(buf), &got), 0,
			     "%s", buf);
		cr_assert_eq(got, fen, "%s", buf);
	}
}
