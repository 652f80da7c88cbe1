/*
 * rules.h - the risk rules, audit thresholds and their settings.
 *
 * The defaults are schemas/rules.default, embedded at build time and
 * parsed by the same code as a `--rules FILE` override, so the contract's
 * numbers live in exactly one place.  All money is kept in fen (int64) and
 * ratios in parts per 10,000 (basis points), so every comparison is exact
 * integer arithmetic: no rounding can move a household across a line.
 *
 * rules_eval takes one household's facts and reports, for every rule,
 * whether it fired together with the value and threshold it compared,
 * which is what households.csv and the audit explanation both need.
 *
 * Lifetime: rules_new / rules_free.  A rules object is immutable after
 * rules_new and may be shared by threads.
 */
#ifndef HH_RULES_H
#define HH_RULES_H

#include <stddef.h>
#include <stdint.h>

#include "base/hh_error.h"
#include "base/json.h"
#include "base/strbuf.h"

/* In the contract's order: reasons are listed in this order. */
typedef enum {
	R_INCOME,
	R_MEDICAL,
	R_EDUCATION,
	R_DROPOUT,
	R_JOBLOSS,
	R_INCOME_DROP,
	R_ZEROJOB,
	R_DISASTER,
	R_CARE,
	R_COUNT
} rule_code;

typedef enum { LEVEL_NONE, LEVEL_LOW, LEVEL_MEDIUM, LEVEL_HIGH } risk_level;

typedef struct {
	int64_t fen;       /* income line for regions starting with prefix */
	char prefix[16];
} rules_region_line;

typedef struct rules {
	int64_t income_line_fen;          /* default income line */
	rules_region_line *region_lines;  /* sorted by prefix length, longest first */
	size_t n_region_lines;
	int64_t medical_oop_fen;
	int64_t medical_income_bp;        /* 0.5 -> 5000 */
	int medical_window_months;
	int64_t education_income_bp;
	int dropout_age_min, dropout_age_max;
	int working_age_min, working_age_max;
	int64_t income_drop_bp;
	int care_age;
	int care_disability_grade;
	int weight[R_COUNT];
	int level_high, level_medium, level_low;
	risk_level flag_level;
	int multi_property_count;
	int64_t high_income_multiple_bp;
	int64_t discovery_oop_fen;
	int64_t max_reject_bp;            /* 10000 = checks off */
	/* delivery guards (history/guards.h), against the latest earlier run */
	int64_t guard_household_drop_bp;  /* counted households may fall by this share */
	int64_t guard_roster_link_drop_bp;/* a source's share of roster persons, likewise */
	int guard_max_period_gap;         /* months after the latest kept period */
	/* caseworkers' decisions (history/reviews.h), read back by the alerts */
	int review_suppress_months;       /* a false_positive holds this long */
	int review_follow_up_months;      /* a confirmed household's follow-up */
	int review_backlog_days;          /* an alert undecided this long is backlog */
} rules;

/* What rules_eval needs of one household (counted members only). */
typedef struct {
	const char *region_code;
	size_t region_len;
	int members;
	int64_t household_income_fen;
	int64_t oop_12m_fen;
	int64_t edu_net_fen;
	int dropout_child;        /* a member aged in the dropout range dropped out */
	int jobloss;              /* a working-age member unemployed or on benefit */
	int income_drop;          /* a working-age member's wage halved */
	int able_working;         /* able working-age members */
	int able_working_in_hr;   /* ... of whom present in hr */
	int able_working_employed;/* ... of whom employed or flexible */
	int disaster;             /* severe/collapsed damage or rating C/D */
	int single_care;          /* the one member is >= care_age or grade 1-2 */
} rules_facts;

/* value/threshold per rule (all in fen, or 0/1 for the flag rules):
 *   R_INCOME     income per capita, truncated (0 when members is 0) /
 *                the region's income line; fires on
 *                household_income < line x members, exactly
 *   R_MEDICAL    oop_12m / the smallest oop_12m that fires:
 *                max(1, min(medical_oop, ceil(ratio x household_income)))
 *   R_EDUCATION  edu_net / max(1, ceil(ratio x household_income))
 *   the others   the fact (R_ZEROJOB: its whole condition) as 0/1 / 1
 * so, weight aside, a rule fires exactly when value >= threshold
 * (R_INCOME: when value < threshold).  A rule with weight 0 is off:
 * value and threshold are still filled in, fired stays 0. */
typedef struct {
	int fired[R_COUNT];
	int64_t value[R_COUNT];      /* what was compared */
	int64_t threshold[R_COUNT];  /* what it was compared with */
	int score;
	risk_level level;
	int flagged;
	int64_t income_line_fen;     /* the line that applied */
} rules_result;

/* Built-in defaults, then override_path (NULL: none) on top.  In the
 * override an unknown key, a bad value or a key set twice is HH_EUSAGE
 * with "PATH: line N: KEY: ..."; *out is untouched on error. */
hh_status rules_new(const char *override_path, rules **out, hh_err *err);
void rules_free(rules *r);

/* Income line for a region code: the longest configured prefix wins. */
int64_t rules_income_line(const rules *r, const char *region, size_t len);

void rules_eval(const rules *r, const rules_facts *f, rules_result *out);

/* The settings in effect, canonically: one "key = value\n" line per key
 * of schemas/rules.default in the order of rules.c's table, then one
 * "income_line.PREFIX = value" line per region line, sorted by PREFIX.
 * Values are written as a rules file gives them (yuan "6000" or
 * "6000.50", ratios "0.5", whole numbers, levels by name), so the text is
 * itself a rules file that sets every key, and two rules objects that
 * behave the same give the same text whatever file set them.  Appends to
 * out; -1 on no memory. */
int rules_canonical_text(const rules *r, strbuf *out);

/* Lower-case hex SHA-256 of rules_canonical_text (report.json and
 * manifest.json "rules_sha256"); -1 on failure. */
int rules_sha256(const rules *r, char out[65]);

/* The same settings as a JSON object of strings, key -> value, in the
 * same order (report.json "rules"); NULL on no memory.  The caller owns
 * the reference. */
json_t *rules_settings_json(const rules *r);

/* "R_INCOME"...; "high"/"medium"/"low"/"none". */
const char *rules_code_name(rule_code c);
const char *rules_level_name(risk_level l);

/* Parses a yuan amount ("12", "12.5", "12.34") to fen: 0 on success,
 * -1 when malformed, -2 when negative.  Shared with row validation.
 * Exactly s[0..len), no trimming: digits, then optionally '.' and 1 or
 * 2 digits; at most 15 integer digits after leading zeros (so fen stays
 * below 10^17); a '-' before an otherwise valid amount, "-0" included,
 * is -2.  *fen is written only on success. */
int rules_parse_yuan(const char *s, size_t len, int64_t *fen);

#endif
