/*
 * plans.c - phase 2 of `hhmatch gen` (see gen_int.h): the planted cases.
 *
 * A plan is a small, fully controlled household that must fire exactly
 * the rule or finding it is about, or, for a boundary plan, must not fire
 * it.  It writes its members (m_add, x_add), its rows in the person
 * sources (p_edu, p_hr, p_house, p_med: stored in g->prow[] and written
 * by person_sources.c in the household's turn) and its expectation into
 * truth.csv (R: a reason must fire; A: must be absent; truth_add for
 * findings).  Planted rows get no random dirt.
 *
 * Which households are planted depends on their index alone (plan_pick):
 * the first 4 x NPLANS households hold every plan once, at i % 4 == 1, so
 * 200 households cover them all; after that one household in 50 cycles
 * through the plans again.
 *
 * To add a case:
 *   1. write `static void pl_NAME(gen *g, uint32_t hi)` below, most often
 *      as family() (the neutral family that fires nothing) plus the one
 *      change the case is about, or single() for one-member households;
 *   2. say what must happen: R("CODE", "why") or A("CODE", "why"), or
 *      truth_add(g, "finding", ...) for a finding about a person;
 *   3. add {"NAME", pl_NAME} at the end of plans[] (at the bottom of
 *      this file);
 *   4. a new code: add it to truth_has_every_planted_code in
 *      tests/unit/test_gen.c.
 * Every generated month changes then (one more plan moves the rotation),
 * so tests or benchmarks that pin a month's bytes or counts move too.
 * Dates are relative to the run period (mdate, g->end, g->win_lo), so a
 * plan holds for any --period.
 */
#include <stdint.h>
#include <stdio.h>

#include "domain/period.h"
#include "gen/days.h"
#include "gen/gen_int.h"

/* --- the toolkit: members, rows, families ---------------------------- */

/* A planted member of household hi: relation rel, age on the last day of
 * the period (where: BIRTH_*), sex, roster status. */
static uint32_t m_add(gen *g, uint32_t hi, int rel, int age, int where, int sex,
		      int status)
{
	household *h = &H(g, hi);
	int birth = pop_birth_for_age(&g->r, age, g->end, where);
	uint32_t pi = pop_new_person(g, (int32_t)hi, birth, sex, pop_county_code(h->county));
	if (pi == UINT32_MAX)
		return 0;
	person *p = &P(g, pi);
	p->relation = (uint8_t)rel;
	p->status = (uint8_t)status;
	h = &H(g, hi);
	h->nmem++;
	return pi;
}

/* A planted person off the roster (discovery cases). */
static uint32_t x_add(gen *g, uint32_t hi, int age)
{
	household *h = &H(g, hi);
	int birth = pop_birth_for_age(&g->r, age, g->end, BIRTH_ANY);
	uint32_t pi = pop_new_person(g, -1, birth, 1 + (int)rng_below(&g->r, 2),
				     pop_county_code(h->county));
	if (pi == UINT32_MAX)
		return 0;
	H(g, hi).nextra++;
	return pi;
}

static void p_edu(gen *g, uint32_t pi, int stage, int status, int64_t fees, int64_t aid)
{
	edu_row *e = gen_push(g, &g->prow[SRC_EDUCATION]);
	if (!e)
		return;
	e->person = pi;
	e->stage = (uint8_t)stage;
	e->status = (uint8_t)status;
	e->fees = fees;
	e->aid = aid;
}

/* One hr row `back` months before the run period (-1: no period). */
static hr_row *p_hr(gen *g, uint32_t pi, int back, int emp, int employer,
		    int64_t wage, int64_t benefit, int64_t pension)
{
	hr_row *r = gen_push(g, &g->prow[SRC_HR]);
	if (!r)
		return NULL;
	r->person = pi;
	r->period = back < 0 ? 0 : period_add(g->period, -back);
	r->emp = (uint8_t)emp;
	r->employer = (uint8_t)employer;
	r->wage = wage;
	r->benefit = benefit;
	r->pension = pension;
	return r;
}

/* The three latest periods, unchanged. */
static void p_hr3(gen *g, uint32_t pi, int emp, int employer, int64_t wage,
		  int64_t benefit, int64_t pension)
{
	for (int back = 2; back >= 0; back--)
		p_hr(g, pi, back, emp, employer, wage, benefit, pension);
}

static void p_house(gen *g, uint32_t pi, int props, int rating, int damage)
{
	house_row *r = gen_push(g, &g->prow[SRC_HOUSING]);
	if (!r)
		return;
	r->person = pi;
	r->props = props;
	r->rating = (uint8_t)rating;
	r->damage = (uint8_t)damage;
}

static void p_med(gen *g, uint32_t pi, int date, int64_t oop, int inpatient, int insured)
{
	med_row *r = gen_push(g, &g->prow[SRC_MEDICAL]);
	if (!r)
		return;
	r->person = pi;
	r->date = date;
	r->oop = oop;
	r->total = inpatient ? oop * 3 : oop + oop / 2;
	r->inpatient = (uint8_t)inpatient;
	r->major = (uint8_t)(inpatient && oop >= YUAN(10000));
	r->insured = (uint8_t)insured;
}

/* A date `back` months before the run period, day d. */
static int mdate(const gen *g, int back, int d)
{
	return period_day(period_add(g->period, -back), d);
}

/* The day before the 12-month medical window: a settlement on it must
 * not count. */
static int day_before_window(const gen *g)
{
	return days_to_ymd(days_from_ymd(g->win_lo) - 1);
}

/* The neutral planted family, which fires nothing: head 45 employed
 * (3000 a month), spouse 43 in flexible work (2000), child 12 at primary
 * school; income 60000 for three, category monitored.  Plans start from
 * it and change one thing.  rows = 0 leaves out the hr and education rows
 * so the plan can write its own. */
static void family(gen *g, uint32_t hi, int rows, uint32_t m[3])
{
	household *h = &H(g, hi);
	h->category = CAT_MONITORED;
	h->income = YUAN(60000);
	m[0] = m_add(g, hi, REL_HEAD, 45, BIRTH_ANY, 1, ST_ACTIVE);
	m[1] = m_add(g, hi, REL_SPOUSE, 43, BIRTH_ANY, 2, ST_ACTIVE);
	m[2] = m_add(g, hi, REL_CHILD, 12, BIRTH_ANY, 1 + (int)rng_below(&g->r, 2), ST_ACTIVE);
	if (g->oom)
		return;
	P(g, m[2]).sname = P(g, m[0]).sname;
	if (rows) {
		p_hr3(g, m[0], EMP_EMPLOYED, ER_ENTERPRISE, YUAN(3000), -1, -1);
		p_hr3(g, m[1], EMP_FLEXIBLE, ER_NONE, YUAN(2000), -1, -1);
		p_edu(g, m[2], STG_PRIMARY, ED_ENROLLED, -1, -1);
	}
}

/* A one-member household (R_CARE cases). */
static uint32_t single(gen *g, uint32_t hi, int age, int where, int cat)
{
	household *h = &H(g, hi);
	h->category = (uint8_t)cat;
	h->income = YUAN(9000);
	return m_add(g, hi, REL_HEAD, age, where, 1 + (int)rng_below(&g->r, 2), ST_ACTIVE);
}

typedef void (*plan_fn)(gen *g, uint32_t hi);

/* The expectation of a plan about its household: reason or finding code
 * must fire (R) or must not (A); d says why, for whoever reads truth.csv. */
#define R(code, d) truth_add(g, "reason", code, -1, hi, -1, 0, d)
#define A(code, d) truth_add(g, "absent", code, -1, hi, -1, 0, d)

/* --- the plans ------------------------------------------------------ */

static void pl_income(gen *g, uint32_t hi)
{
	uint32_t m[3];
	family(g, hi, 0, m);
	H(g, hi).category = CAT_DIBAO;
	H(g, hi).income = YUAN(12000);
	p_hr3(g, m[0], EMP_FLEXIBLE, ER_NONE, YUAN(800), -1, -1);
	p_hr3(g, m[1], EMP_FLEXIBLE, ER_NONE, YUAN(400), -1, -1);
	p_edu(g, m[2], STG_PRIMARY, ED_ENROLLED, -1, -1);
	R("R_INCOME", "12000/3 members = 4000 per capita");
}

static void pl_income_edge(gen *g, uint32_t hi)
{
	uint32_t m[3];
	family(g, hi, 1, m);
	H(g, hi).income = YUAN(18000);
	m_add(g, hi, REL_PARENT, 74, BIRTH_ANY, 2, ST_EXITED);
	A("R_INCOME", "18000/3 counted members = 6000 exactly (not below); the exited 4th member does not count");
}

static void pl_medical(gen *g, uint32_t hi)
{
	uint32_t m[3];
	family(g, hi, 1, m);
	p_med(g, m[1], mdate(g, 9, 3), YUAN(4000), 1, INS_ACTIVE);
	p_med(g, m[1], mdate(g, 5, 17), YUAN(5000), 1, INS_ACTIVE);
	p_med(g, m[1], mdate(g, 1, 28), YUAN(3000) + 50, 0, INS_ACTIVE);
	p_med(g, m[1], mdate(g, 13, 11), YUAN(20000), 1, INS_ACTIVE);
	R("R_MEDICAL", "oop_12m 12000.50 (a 20000 settlement 13 months back is outside the window)");
}

static void pl_medical_window(gen *g, uint32_t hi)
{
	uint32_t m[3];
	family(g, hi, 1, m);
	p_med(g, m[0], g->win_lo, YUAN(6000), 1, INS_ACTIVE);
	p_med(g, m[0], g->end, YUAN(4000), 1, INS_ACTIVE);
	R("R_MEDICAL", "settlements on the first and last day of the window sum to 10000 exactly");
}

static void pl_medical_outside(gen *g, uint32_t hi)
{
	uint32_t m[3];
	family(g, hi, 1, m);
	p_med(g, m[0], mdate(g, 8, 10), YUAN(9000), 1, INS_ACTIVE);
	p_med(g, m[0], day_before_window(g), YUAN(5000), 1, INS_ACTIVE);
	A("R_MEDICAL", "oop_12m 9000; a 5000 settlement the day before the window must be ignored");
}

static void pl_medical_ratio(gen *g, uint32_t hi)
{
	household *h = &H(g, hi);
	h->category = CAT_LIFTED;
	h->income = YUAN(14000);
	uint32_t a = m_add(g, hi, REL_HEAD, 50, BIRTH_ANY, 1, ST_ACTIVE);
	uint32_t b = m_add(g, hi, REL_SPOUSE, 48, BIRTH_ANY, 2, ST_ACTIVE);
	p_hr3(g, a, EMP_EMPLOYED, ER_ENTERPRISE, YUAN(800), -1, -1);
	p_hr3(g, b, EMP_FLEXIBLE, ER_NONE, YUAN(300), -1, -1);
	p_med(g, b, mdate(g, 4, 20), YUAN(7000), 1, INS_ACTIVE);
	R("R_MEDICAL", "oop_12m 7000 = 0.5 x household_income 14000");
}

static void pl_education(gen *g, uint32_t hi)
{
	household *h = &H(g, hi);
	h->category = CAT_EDGE;
	h->income = YUAN(25000);
	uint32_t a = m_add(g, hi, REL_HEAD, 44, BIRTH_ANY, 1, ST_ACTIVE);
	uint32_t b = m_add(g, hi, REL_SPOUSE, 42, BIRTH_ANY, 2, ST_ACTIVE);
	uint32_t c = m_add(g, hi, REL_CHILD, 17, BIRTH_ANY, 1, ST_ACTIVE);
	uint32_t d = m_add(g, hi, REL_CHILD, 14, BIRTH_ANY, 2, ST_ACTIVE);
	p_hr3(g, a, EMP_FLEXIBLE, ER_NONE, YUAN(900), -1, -1);
	p_hr3(g, b, EMP_FLEXIBLE, ER_NONE, YUAN(500), -1, -1);
	p_edu(g, c, STG_SENIOR, ED_ENROLLED, YUAN(9000), YUAN(1000));
	p_edu(g, d, STG_JUNIOR, ED_ENROLLED, YUAN(500), YUAN(2500));
	R("R_EDUCATION", "net fees 8000 (9000-1000; the other child's aid above fees counts 0) >= 0.3 x 25000");
}

static void pl_education_edge(gen *g, uint32_t hi)
{
	uint32_t m[3];
	family(g, hi, 1, m);
	H(g, hi).income = YUAN(40000);
	uint32_t c = m_add(g, hi, REL_CHILD, 17, BIRTH_ANY, 1, ST_ACTIVE);
	uint32_t d = m_add(g, hi, REL_CHILD, 20, BIRTH_ANY, 2, ST_ACTIVE);
	p_edu(g, c, STG_SENIOR, ED_ENROLLED, YUAN(5000), YUAN(2000));
	p_edu(g, d, STG_COLLEGE, ED_SUSPENDED, YUAN(15000), 0);
	A("R_EDUCATION", "enrolled net fees 3000 < 0.3 x 40000; a suspended student's 15000 must not count");
}

static void pl_dropout_at(gen *g, uint32_t hi, int age, int where, int stage, int fire)
{
	uint32_t m[3];
	family(g, hi, 1, m);
	uint32_t c = m_add(g, hi, REL_CHILD, age, where, 1, ST_ACTIVE);
	p_edu(g, c, stage, ED_DROPPED, -1, -1);
	if (fire == 1)
		R("R_DROPOUT", age == 15 ? "dropout aged 15 (16 the day after the period)"
					 : "dropout aged 13");
	else
		A("R_DROPOUT", "dropout aged 16 (birthday on the last day of the period)");
}
static void pl_dropout(gen *g, uint32_t hi) { pl_dropout_at(g, hi, 13, BIRTH_ANY, STG_JUNIOR, 1); }
static void pl_dropout15(gen *g, uint32_t hi) { pl_dropout_at(g, hi, 15, BIRTH_OLDEST, STG_SENIOR, 1); }
static void pl_dropout16(gen *g, uint32_t hi) { pl_dropout_at(g, hi, 16, BIRTH_TODAY, STG_SENIOR, 0); }

static void pl_jobloss(gen *g, uint32_t hi)
{
	uint32_t m[3];
	family(g, hi, 0, m);
	p_hr3(g, m[0], EMP_UNEMPLOYED, ER_NONE, -1, YUAN(1650), -1);
	p_hr3(g, m[1], EMP_EMPLOYED, ER_ENTERPRISE, YUAN(2500), -1, -1);
	p_edu(g, m[2], STG_PRIMARY, ED_ENROLLED, -1, -1);
	R("R_JOBLOSS", "head unemployed with unemployment benefit");
}

/* A household whose head (age, where) is unemployed; spouse employed. */
static void pl_jobloss_head(gen *g, uint32_t hi, int age, int where, int fire)
{
	household *h = &H(g, hi);
	h->category = CAT_LIFTED;
	h->income = YUAN(40000);
	uint32_t a = m_add(g, hi, REL_HEAD, age, where, 1, ST_ACTIVE);
	uint32_t b = m_add(g, hi, REL_SPOUSE, 55, BIRTH_ANY, 2, ST_ACTIVE);
	p_hr3(g, a, EMP_UNEMPLOYED, ER_NONE, -1, YUAN(1500), -1);
	p_hr3(g, b, EMP_EMPLOYED, ER_ENTERPRISE, YUAN(2600), -1, -1);
	if (fire)
		R("R_JOBLOSS", "unemployed head aged 59 (60 the day after the period)");
	else
		A("R_JOBLOSS", "unemployed head aged 60 (birthday on the last day of the period): not working age");
}
static void pl_jobloss59(gen *g, uint32_t hi) { pl_jobloss_head(g, hi, 59, BIRTH_OLDEST, 1); }
static void pl_jobloss60(gen *g, uint32_t hi) { pl_jobloss_head(g, hi, 60, BIRTH_TODAY, 0); }

static void pl_jobloss_young(gen *g, uint32_t hi, int age, int where, int fire)
{
	uint32_t m[3];
	family(g, hi, 1, m);
	uint32_t c = m_add(g, hi, REL_CHILD, age, where, 1, ST_ACTIVE);
	p_hr3(g, c, EMP_UNEMPLOYED, ER_NONE, -1, 0, -1);
	if (fire)
		R("R_JOBLOSS", "unemployed member aged 16 (birthday on the last day of the period)");
	else
		A("R_JOBLOSS", "unemployed member aged 15 (16 the day after the period)");
}
static void pl_jobloss16(gen *g, uint32_t hi) { pl_jobloss_young(g, hi, 16, BIRTH_TODAY, 1); }
static void pl_jobloss15(gen *g, uint32_t hi) { pl_jobloss_young(g, hi, 15, BIRTH_OLDEST, 0); }

static void pl_jobloss_recovered(gen *g, uint32_t hi)
{
	uint32_t m[3];
	family(g, hi, 0, m);
	/* written newest first: the latest period counts, not the last row */
	p_hr(g, m[0], 0, EMP_EMPLOYED, ER_ENTERPRISE, YUAN(3000), 0, -1);
	p_hr(g, m[0], 2, EMP_UNEMPLOYED, ER_NONE, 0, YUAN(1600), -1);
	p_hr(g, m[0], 1, EMP_UNEMPLOYED, ER_NONE, 0, YUAN(1600), -1);
	p_hr3(g, m[1], EMP_FLEXIBLE, ER_NONE, YUAN(2000), -1, -1);
	p_edu(g, m[2], STG_PRIMARY, ED_ENROLLED, -1, -1);
	A("R_JOBLOSS", "head unemployed two months back but employed without benefit in the latest period");
}

static void pl_income_drop_to(gen *g, uint32_t hi, int64_t latest, int fire)
{
	uint32_t m[3];
	family(g, hi, 0, m);
	p_hr(g, m[0], 3, EMP_EMPLOYED, ER_ENTERPRISE, YUAN(4000), -1, -1);
	p_hr(g, m[0], 2, EMP_EMPLOYED, ER_ENTERPRISE, YUAN(4200), -1, -1);
	p_hr(g, m[0], 1, EMP_EMPLOYED, ER_ENTERPRISE, YUAN(3900), -1, -1);
	p_hr(g, m[0], 0, EMP_EMPLOYED, ER_ENTERPRISE, latest, -1, -1);
	p_hr3(g, m[1], EMP_FLEXIBLE, ER_NONE, YUAN(2000), -1, -1);
	p_edu(g, m[2], STG_PRIMARY, ED_ENROLLED, -1, -1);
	if (fire)
		R("R_INCOME_DROP", "latest wage 2100.00 = half of the highest earlier wage 4200.00");
	else
		A("R_INCOME_DROP", "latest wage 2100.01 is more than half of 4200.00");
}
static void pl_income_drop(gen *g, uint32_t hi) { pl_income_drop_to(g, hi, YUAN(2100), 1); }
static void pl_income_drop_edge(gen *g, uint32_t hi) { pl_income_drop_to(g, hi, YUAN(2100) + 1, 0); }

static void pl_income_drop_noperiod(gen *g, uint32_t hi)
{
	uint32_t m[3];
	family(g, hi, 0, m);
	/* written first, so "the last row wins" would get it wrong too */
	p_hr(g, m[0], -1, EMP_EMPLOYED, ER_ENTERPRISE, YUAN(1500), -1, -1);
	p_hr(g, m[0], 2, EMP_EMPLOYED, ER_ENTERPRISE, YUAN(4000), -1, -1);
	p_hr(g, m[0], 1, EMP_EMPLOYED, ER_ENTERPRISE, YUAN(4000), -1, -1);
	p_hr3(g, m[1], EMP_FLEXIBLE, ER_NONE, YUAN(2000), -1, -1);
	p_edu(g, m[2], STG_PRIMARY, ED_ENROLLED, -1, -1);
	R("R_INCOME_DROP", "a row without period (the run period: 1500) after 4000 in the two months before");
}

static void pl_zerojob(gen *g, uint32_t hi)
{
	uint32_t m[3];
	family(g, hi, 0, m);
	H(g, hi).category = CAT_DIBAO;
	H(g, hi).income = YUAN(30000);
	p_hr3(g, m[0], EMP_UNEMPLOYED, ER_NONE, -1, 0, -1);
	p_hr3(g, m[1], EMP_UNEMPLOYED, ER_NONE, -1, 0, -1);
	p_edu(g, m[2], STG_PRIMARY, ED_ENROLLED, -1, -1);
	R("R_ZEROJOB", "both able working-age members unemployed");
	R("R_JOBLOSS", "both able working-age members unemployed");
}

static void pl_zerojob_missing(gen *g, uint32_t hi)
{
	uint32_t m[3];
	family(g, hi, 0, m);
	H(g, hi).income = YUAN(30000);
	p_hr3(g, m[0], EMP_UNEMPLOYED, ER_NONE, -1, 0, -1);
	p_edu(g, m[2], STG_PRIMARY, ED_ENROLLED, -1, -1);
	A("R_ZEROJOB", "the able working-age spouse is not present in hr");
	R("R_JOBLOSS", "head unemployed");
}

static void pl_zerojob_disabled(gen *g, uint32_t hi)
{
	household *h = &H(g, hi);
	h->category = CAT_DIBAO;
	h->income = YUAN(20000);
	uint32_t a = m_add(g, hi, REL_HEAD, 50, BIRTH_ANY, 1, ST_ACTIVE);
	uint32_t b = m_add(g, hi, REL_SPOUSE, 63, BIRTH_ANY, 2, ST_ACTIVE);
	P(g, a).disability = 1;
	p_hr3(g, a, EMP_UNEMPLOYED, ER_NONE, -1, 0, -1);
	p_hr3(g, b, EMP_RETIRED, ER_NONE, -1, -1, YUAN(200));
	A("R_ZEROJOB", "the only working-age member has disability grade 1 (not able)");
	R("R_JOBLOSS", "working-age head unemployed (ability does not matter)");
}

static void pl_disaster(gen *g, uint32_t hi, int who, int rating, int damage, int fire)
{
	uint32_t m[3];
	family(g, hi, 1, m);
	p_house(g, m[who], 1, rating, damage);
	if (fire == 1)
		R("R_DISASTER", "spouse's housing: disaster_damage severe");
	else if (fire == 2)
		R("R_DISASTER", "head's housing: dangerous_rating C");
	else
		A("R_DISASTER", "dangerous_rating B and disaster_damage minor only");
}
static void pl_disaster_damage(gen *g, uint32_t hi) { pl_disaster(g, hi, 1, DR_NONE, DD_SEVERE, 1); }
static void pl_disaster_rating(gen *g, uint32_t hi) { pl_disaster(g, hi, 0, DR_C, DD_NONE, 2); }
static void pl_disaster_minor(gen *g, uint32_t hi) { pl_disaster(g, hi, 0, DR_B, DD_MINOR, 0); }

static void pl_care(gen *g, uint32_t hi)
{
	single(g, hi, 84, BIRTH_ANY, CAT_TEKUN);
	R("R_CARE", "one member aged 84");
}
static void pl_care80(gen *g, uint32_t hi)
{
	single(g, hi, 80, BIRTH_TODAY, CAT_TEKUN);
	R("R_CARE", "one member aged 80 (birthday on the last day of the period)");
}
static void pl_care79(gen *g, uint32_t hi)
{
	single(g, hi, 79, BIRTH_OLDEST, CAT_TEKUN);
	A("R_CARE", "one member aged 79 (80 the day after the period)");
}
static void pl_care_disabled(gen *g, uint32_t hi)
{
	uint32_t a = single(g, hi, 45, BIRTH_ANY, CAT_TEKUN);
	P(g, a).disability = 2;
	R("R_CARE", "one member with disability grade 2");
}
static void pl_care_exited(gen *g, uint32_t hi)
{
	uint32_t a = single(g, hi, 85, BIRTH_ANY, CAT_DIBAO);
	P(g, a).status = ST_GRADUAL;
	m_add(g, hi, REL_SPOUSE, 83, BIRTH_ANY, 2 - (P(g, a).sex == 2), ST_EXITED);
	R("R_CARE", "one counted member (gradual_exit) aged 85; the spouse has exited");
}

static void pl_deceased(gen *g, uint32_t hi)
{
	uint32_t m[3];
	family(g, hi, 1, m);
	uint32_t p = m_add(g, hi, REL_PARENT, 78, BIRTH_ANY, 1, ST_ACTIVE);
	p_med(g, p, mdate(g, 2, 14), YUAN(300), 0, INS_DECEASED);
	truth_add(g, "finding", "A_DECEASED", SRC_MEDICAL, hi, p, 0, "insured_status deceased");
}

static void pl_public_sector(gen *g, uint32_t hi)
{
	uint32_t m[3];
	family(g, hi, 0, m);
	H(g, hi).category = CAT_LIFTED;
	p_hr3(g, m[0], EMP_EMPLOYED, ER_PUBLIC, YUAN(5200), -1, -1);
	p_hr3(g, m[1], EMP_FLEXIBLE, ER_NONE, YUAN(2000), -1, -1);
	p_edu(g, m[2], STG_PRIMARY, ED_ENROLLED, -1, -1);
	truth_add(g, "finding", "A_PUBLIC_SECTOR", SRC_HR, hi, m[0], 0, "employer_type public_sector");
}

static void pl_multi_property(gen *g, uint32_t hi)
{
	uint32_t m[3];
	family(g, hi, 1, m);
	p_house(g, m[0], 2, DR_NONE, DD_NONE);
	truth_add(g, "finding", "A_MULTI_PROPERTY", SRC_HOUSING, hi, m[0], 0, "property_count 2");
}

static void pl_high_income_at(gen *g, uint32_t hi, int cat, int64_t pension, int fire)
{
	household *h = &H(g, hi);
	h->category = (uint8_t)cat;
	h->income = YUAN(20000);
	uint32_t a = m_add(g, hi, REL_HEAD, 52, BIRTH_ANY, 1, ST_ACTIVE);
	uint32_t b = m_add(g, hi, REL_SPOUSE, 61, BIRTH_ANY, 2, ST_ACTIVE);
	p_hr3(g, a, EMP_EMPLOYED, ER_ENTERPRISE, YUAN(1500), -1, -1);
	p_hr3(g, b, EMP_RETIRED, ER_NONE, -1, -1, pension);
	if (fire)
		truth_add(g, "finding", "A_HIGH_INCOME", SRC_HR, hi, -1, 0,
			  "dibao: 12 x (1500 + 1500) / 2 = 18000 = 3 x income_line");
	else if (cat == CAT_DIBAO)
		A("A_HIGH_INCOME", "dibao: 12 x (1500 + 1499.99) / 2 < 18000");
	else
		A("A_HIGH_INCOME", "category dibao_edge: the finding is for dibao and tekun only");
}
static void pl_high_income(gen *g, uint32_t hi) { pl_high_income_at(g, hi, CAT_DIBAO, YUAN(1500), 1); }
static void pl_high_income_below(gen *g, uint32_t hi) { pl_high_income_at(g, hi, CAT_DIBAO, YUAN(1500) - 1, 0); }
static void pl_high_income_edge(gen *g, uint32_t hi) { pl_high_income_at(g, hi, CAT_EDGE, YUAN(3000), 0); }

static void pl_dup_row(gen *g, uint32_t hi)
{
	uint32_t m[3];
	family(g, hi, 0, m);
	p_hr(g, m[0], 2, EMP_EMPLOYED, ER_ENTERPRISE, YUAN(3000), -1, -1);
	p_hr(g, m[0], 1, EMP_EMPLOYED, ER_ENTERPRISE, YUAN(3000), -1, -1);
	hr_row *r = p_hr(g, m[0], 0, EMP_EMPLOYED, ER_ENTERPRISE, YUAN(3000), -1, -1);
	if (r)
		r->special = SP_DUP; /* truth is written with the line numbers */
	p_hr3(g, m[1], EMP_FLEXIBLE, ER_NONE, YUAN(2000), -1, -1);
	p_edu(g, m[2], STG_PRIMARY, ED_ENROLLED, -1, -1);
}

static void pl_multi_household(gen *g, uint32_t hi)
{
	uint32_t m[3];
	family(g, hi, 1, m);
	g->multi_src = m[2]; /* the partner household (next) lists this child too */
}

/* The household after pl_multi_household: a neutral family that also
 * lists that household's child (same ID, same name) as a grandchild. */
static void pl_multi_partner(gen *g, uint32_t hi)
{
	uint32_t m[3];
	family(g, hi, 1, m);
	person *p = gen_push(g, &g->persons);
	if (!p)
		return;
	*p = P(g, g->multi_src);
	p->hh = (int32_t)hi;
	p->relation = REL_GRANDCHILD;
	H(g, hi).nmem++;
	char d[96], a[32], b[32];
	pop_household_id(g, (size_t)P(g, g->multi_src).hh, a);
	pop_household_id(g, hi, b);
	snprintf(d, sizeof d, "active on %s and %s", a, b);
	truth_add(g, "finding", "D_MULTI_HOUSEHOLD", SRC_CIVIL_AFFAIRS, -1, g->multi_src, 0, d);
}

static void pl_id_repaired(gen *g, uint32_t hi)
{
	uint32_t m[3];
	family(g, hi, 0, m);
	p_hr(g, m[0], 2, EMP_EMPLOYED, ER_ENTERPRISE, YUAN(3000), -1, -1);
	p_hr(g, m[0], 1, EMP_EMPLOYED, ER_ENTERPRISE, YUAN(3000), -1, -1);
	hr_row *r = p_hr(g, m[0], 0, EMP_EMPLOYED, ER_ENTERPRISE, YUAN(3000), -1, -1);
	if (r && !g->pidsrc)
		r->special = SP_TYPO; /* truth is written with the line number */
	p_hr3(g, m[1], EMP_FLEXIBLE, ER_NONE, YUAN(2000), -1, -1);
	p_edu(g, m[2], STG_PRIMARY, ED_ENROLLED, -1, -1);
}

static void pl_inconsistent(gen *g, uint32_t hi)
{
	uint32_t m[3];
	family(g, hi, 1, m);
	H(g, hi).income = YUAN(19500);
	P(g, m[0]).income = YUAN(15000);
	truth_add(g, "finding", "D_INCONSISTENT_INCOME", SRC_CIVIL_AFFAIRS, hi, -1, 0,
		  "household_income 15000 / 19500 / 19500");
	A("R_INCOME", "the largest household_income (19500 / 3 = 6500) is used; the smallest would fire");
}

static void pl_inconsistent_exited(gen *g, uint32_t hi)
{
	uint32_t m[3];
	family(g, hi, 1, m);
	uint32_t p = m_add(g, hi, REL_PARENT, 76, BIRTH_ANY, 2, ST_EXITED);
	P(g, p).income = YUAN(66000);
	truth_add(g, "finding", "D_INCONSISTENT_INCOME", SRC_CIVIL_AFFAIRS, hi, -1, 0,
		  "only the exited member's row differs: 60000 / 66000");
}

static void pl_discovery_medical(gen *g, uint32_t hi)
{
	uint32_t m[3];
	family(g, hi, 1, m);
	uint32_t x = x_add(g, hi, 55);
	p_med(g, x, mdate(g, 7, 2), YUAN(15000), 1, INS_ACTIVE);
	p_med(g, x, mdate(g, 3, 19), YUAN(11000), 1, INS_ACTIVE);
	p_med(g, x, mdate(g, 14, 5), YUAN(9000), 1, INS_ACTIVE);
	truth_add(g, "finding", "X_DISCOVERY", SRC_MEDICAL, -1, x, 0,
		  "not on the roster; oop_12m 26000 (plus 9000 outside the window)");
}

static void pl_discovery_collapsed(gen *g, uint32_t hi)
{
	uint32_t m[3];
	family(g, hi, 1, m);
	uint32_t x = x_add(g, hi, 67);
	p_house(g, x, 1, DR_D, DD_COLLAPSED);
	truth_add(g, "finding", "X_DISCOVERY", SRC_HOUSING, -1, x, 0,
		  "not on the roster; disaster_damage collapsed");
}

static void pl_discovery_exited(gen *g, uint32_t hi)
{
	uint32_t m[3];
	family(g, hi, 1, m);
	uint32_t p = m_add(g, hi, REL_PARENT, 71, BIRTH_ANY, 1, ST_EXITED);
	p_med(g, p, mdate(g, 6, 9), YUAN(30000), 1, INS_ACTIVE);
	truth_add(g, "finding", "X_DISCOVERY", SRC_MEDICAL, -1, p, 0,
		  "on the roster only as exited; oop_12m 30000");
	A("R_MEDICAL", "the 30000 belongs to an exited member who does not count");
}

static void pl_discovery_below(gen *g, uint32_t hi)
{
	uint32_t m[3];
	family(g, hi, 1, m);
	uint32_t x = x_add(g, hi, 58);
	p_med(g, x, mdate(g, 4, 4), YUAN(26000) - 1, 1, INS_ACTIVE);
	p_med(g, x, day_before_window(g), YUAN(5000), 1, INS_ACTIVE);
	truth_add(g, "absent", "X_DISCOVERY", -1, -1, x, 0,
		  "oop_12m 25999.99; 5000 the day before the window must be ignored");
}

static void pl_none(gen *g, uint32_t hi)
{
	uint32_t m[3];
	family(g, hi, 1, m);
}

/* --- the table: a new plan goes at its end --------------------------- */

static const struct {
	const char *name; /* the case, for a reader of this table */
	plan_fn fn;
} plans[] = {
	{"income", pl_income},
	{"income_edge", pl_income_edge},
	{"medical", pl_medical},
	{"medical_window", pl_medical_window},
	{"medical_outside", pl_medical_outside},
	{"medical_ratio", pl_medical_ratio},
	{"education", pl_education},
	{"education_edge", pl_education_edge},
	{"dropout", pl_dropout},
	{"dropout15", pl_dropout15},
	{"dropout16", pl_dropout16},
	{"jobloss", pl_jobloss},
	{"jobloss59", pl_jobloss59},
	{"jobloss60", pl_jobloss60},
	{"jobloss16", pl_jobloss16},
	{"jobloss15", pl_jobloss15},
	{"jobloss_recovered", pl_jobloss_recovered},
	{"income_drop", pl_income_drop},
	{"income_drop_edge", pl_income_drop_edge},
	{"income_drop_noperiod", pl_income_drop_noperiod},
	{"zerojob", pl_zerojob},
	{"zerojob_missing", pl_zerojob_missing},
	{"zerojob_disabled", pl_zerojob_disabled},
	{"disaster_damage", pl_disaster_damage},
	{"disaster_rating", pl_disaster_rating},
	{"disaster_minor", pl_disaster_minor},
	{"care", pl_care},
	{"care80", pl_care80},
	{"care79", pl_care79},
	{"care_disabled", pl_care_disabled},
	{"care_exited", pl_care_exited},
	{"deceased", pl_deceased},
	{"public_sector", pl_public_sector},
	{"multi_property", pl_multi_property},
	{"high_income", pl_high_income},
	{"high_income_below", pl_high_income_below},
	{"high_income_edge", pl_high_income_edge},
	{"dup_row", pl_dup_row},
	{"multi_household", pl_multi_household},
	{"id_repaired", pl_id_repaired},
	{"inconsistent", pl_inconsistent},
	{"inconsistent_exited", pl_inconsistent_exited},
	{"discovery_medical", pl_discovery_medical},
	{"discovery_collapsed", pl_discovery_collapsed},
	{"discovery_exited", pl_discovery_exited},
	{"discovery_below", pl_discovery_below},
};
#define NPLANS ((int)(sizeof plans / sizeof plans[0]))
/* Two plans outside the table: the partner of multi_household (always the
 * household after it), and a neutral family where multi_household would
 * fall on the last household and have no partner. */
#define PLAN_MULTI_PARTNER NPLANS
#define PLAN_NONE (NPLANS + 1)

int plan_pick(const gen *g, uint32_t i)
{
	int prev = i > 0 ? H(g, i - 1).plan : -1;
	if (prev >= 0 && prev < NPLANS && plans[prev].fn == pl_multi_household)
		return PLAN_MULTI_PARTNER;
	int plan = -1;
	if (i % 4 == 1 && i / 4 < (uint32_t)NPLANS)
		plan = (int)(i / 4);
	else if (i >= 4u * NPLANS && i % 50 == 25)
		plan = (int)((i / 50) % NPLANS);
	/* the pair needs the next household: the last one gets none */
	if (plan >= 0 && plans[plan].fn == pl_multi_household && i + 1 >= g->o->households)
		plan = PLAN_NONE;
	return plan;
}

void plan_plant(gen *g, uint32_t hi)
{
	int plan = H(g, hi).plan;
	size_t n0[SRC_COUNT];
	for (int s = 0; s < SRC_COUNT; s++)
		n0[s] = g->prow[s].n;
	if (plan < NPLANS)
		plans[plan].fn(g, hi);
	else if (plan == PLAN_MULTI_PARTNER)
		pl_multi_partner(g, hi);
	else
		pl_none(g, hi);
	household *h = &H(g, hi);
	for (int s = 0; s < SRC_COUNT; s++) {
		h->row0[s] = (uint32_t)n0[s];
		h->nrows[s] = (uint32_t)(g->prow[s].n - n0[s]);
	}
}
