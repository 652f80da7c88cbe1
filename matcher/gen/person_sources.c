/*
 * person_sources.c - education, hr, housing and medical in `hhmatch gen`
 * (phase 3, see gen_int.h): the four extracts whose rows are about
 * persons, on the roster or not.
 *
 * One walker writes each of them household by household: a planted
 * household emits the rows its plan stored in g->prow[src]; every person
 * of a background household (members, then the people off the roster)
 * draws 0 or more rows from its own stream for this source
 * (person_source_rng), so one source's draws never shift another's.  The
 * bg_* functions hold the distributions: who is a student, who works and
 * for how much, who owns what house, who is in hospital and for what.
 * Every row then goes through dirt_emit.
 */
#include <stdlib.h>
#include <string.h>

#include "domain/idnum.h"
#include "domain/period.h"
#include "gen/days.h"
#include "gen/gen_int.h"

/* The stream of person pi for source src: background rows do not depend
 * on what other sources drew. */
static void person_source_rng(const gen *g, rng *r, uint32_t pi, source_id src)
{
	rng_seed(r, g->o->seed, ((uint64_t)pi << 4) | (uint64_t)(src + 1));
}

/* Age on the last day of the run period. */
static int age_of(const gen *g, const person *p) { return idnum_age(p->birth, g->end); }

/* --- education ----------------------------------------------------- */

static int bg_edu(const gen *g, const person *p, rng *r, edu_row *e)
{
	int age = age_of(g, p);
	int stage;
	uint32_t rate;
	if (age < 3 || age > 24)
		return 0;
	if (age <= 5) {
		stage = STG_PRE, rate = 850000;
	} else if (age <= 11) {
		stage = STG_PRIMARY, rate = 995000;
	} else if (age <= 14) {
		stage = STG_JUNIOR, rate = 990000;
	} else if (age <= 17) {
		stage = rng_chance(r, 300000) ? STG_VOC : STG_SENIOR, rate = 880000;
	} else if (age <= 21) {
		stage = STG_COLLEGE, rate = 400000;
	} else {
		stage = rng_chance(r, 400000) ? STG_GRAD : STG_COLLEGE, rate = 100000;
	}
	if (!rng_chance(r, rate))
		return 0;
	static const unsigned st_w[4] = {965, 12, 10, 13};
	e->stage = (uint8_t)stage;
	e->status = (uint8_t)RNG_PICK(r, st_w);
	if (e->status == ED_DROPPED && age > 17)
		e->status = ED_SUSPENDED;
	e->fees = e->aid = -1;
	/* compulsory schooling is free; senior, vocational and college
	 * students pay fees and many get national grants */
	switch (stage) {
	case STG_PRE:
		if (rng_chance(r, 400000))
			e->fees = YUAN(rng_range(r, 12, 48) * 100);
		break;
	case STG_SENIOR:
		e->fees = YUAN(rng_range(r, 8, 30) * 100);
		break;
	case STG_VOC:
		e->fees = YUAN(rng_range(r, 0, 25) * 100);
		break;
	case STG_COLLEGE:
		e->fees = YUAN(rng_range(r, 40, 120) * 100);
		break;
	case STG_GRAD:
		e->fees = YUAN(rng_range(r, 80, 160) * 100);
		break;
	}
	if (e->fees >= 0)
		e->aid = rng_chance(r, 500000) ? YUAN(rng_range(r, 10, 33) * 100) : 0;
	return 1;
}

static void edu_row_fill(extract *w, row *r, const edu_row *e)
{
	int plain = w->dirty && rng_below(&w->dirt, 10) == 0;
	row_reset(r);
	extract_ident(w, r, e->person);
	row_adds(r, extract_enum_text(w, E_STAGE, e->stage));
	row_adds(r, extract_enum_text(w, E_EDU_STATUS, e->status));
	row_money(r, e->fees, plain);
	row_money(r, e->aid, plain);
}

/* --- hr ------------------------------------------------------------ */

static int bg_hr(const gen *g, const person *p, rng *r, hr_row *out)
{
	int age = age_of(g, p);
	int roster = p->hh >= 0;
	if (age < 16)
		return 0;
	int old = age >= 60;
	/* Rural roster members are often outside the social insurance
	 * records; the rest of the population mostly inside them. */
	uint32_t cover = roster ? (old ? 300000 : 550000) : (old ? 550000 : 750000);
	if (!rng_chance(r, cover))
		return 0;
	int cat = roster ? ((const household *)g->hhs.items)[p->hh].category : -1;
	int emp, employer = ER_NONE;
	int64_t wage = -1, benefit = -1, pension = -1;
	if (old) {
		static const unsigned w_old[4] = {5, 10, 0, 85};
		emp = RNG_PICK(r, w_old);
	} else if (roster) {
		static const unsigned w_ro[4] = {40, 38, 12, 2};
		emp = RNG_PICK(r, w_ro);
	} else {
		static const unsigned w_nr[4] = {68, 22, 6, 2};
		emp = RNG_PICK(r, w_nr);
	}
	if (emp == EMP_RETIRED && !old && !(p->sex == 2 && age >= 50))
		emp = EMP_FLEXIBLE;
	switch (emp) {
	case EMP_EMPLOYED:
		employer = rng_chance(r, roster ? 5000 : 180000) ? ER_PUBLIC : ER_ENTERPRISE;
		if (!roster)
			wage = YUAN(rng_range(r, 2800, 9000));
		else if (cat == CAT_DIBAO || cat == CAT_TEKUN)
			wage = YUAN(rng_range(r, 1000, 2000));
		else
			wage = YUAN(rng_range(r, 1800, 4200));
		break;
	case EMP_FLEXIBLE:
		/* dibao and tekun households are on assistance because their
		 * earnings are small: keep A_HIGH_INCOME a rare audit finding */
		wage = cat == CAT_DIBAO || cat == CAT_TEKUN ? YUAN(rng_range(r, 400, 1500))
							    : YUAN(rng_range(r, 600, 3000));
		break;
	case EMP_UNEMPLOYED:
		benefit = rng_chance(r, 550000) ? YUAN(rng_range(r, 1600, 1800)) : 0;
		break;
	default:
		/* rural basic pensions are a couple of hundred yuan, urban
		 * enterprise pensions a few thousand */
		pension = roster && rng_chance(r, cat == CAT_DIBAO || cat == CAT_TEKUN ? 950000 : 700000)
				  ? YUAN(rng_range(r, 150, 400))
				  : YUAN(rng_range(r, 1800, 4500));
		break;
	}
	int n = rng_chance(r, 600000) ? 3 : 6;
	if (g->skewed) /* the latest month or two: medical dominates */
		n = n == 3 ? 1 : 2;
	int lag = rng_chance(r, 80000); /* extract a month behind */
	/* a few people lose their job or part of their pay in the latest
	 * month: the background also has some R_JOBLOSS / R_INCOME_DROP */
	int change = emp == EMP_EMPLOYED && rng_chance(r, 25000) ? 1 + (int)rng_below(r, 2) : 0;
	for (int k = 0; k < n; k++) {
		hr_row *h = &out[k];
		memset(h, 0, sizeof *h);
		h->period = period_add(g->period, -(n - 1 - k) - lag);
		h->emp = (uint8_t)emp;
		h->employer = (uint8_t)employer;
		/* wages vary a little from month to month */
		h->wage = wage < 0 ? -1 : wage + YUAN((int64_t)rng_below(r, 301) - 150);
		h->benefit = benefit;
		h->pension = pension;
		if (k == n - 1 && change == 1) {
			h->emp = EMP_UNEMPLOYED;
			h->employer = ER_NONE;
			h->wage = -1;
			h->benefit = YUAN(1700);
		} else if (k == n - 1 && change == 2) {
			h->wage = wage * 2 / 5 / 100 * 100;
		}
	}
	return n;
}

static void hr_row_fill(extract *w, row *r, const hr_row *h)
{
	int plain = w->dirty && rng_below(&w->dirt, 10) == 0;
	row_reset(r);
	extract_ident(w, r, h->person);
	if (h->period)
		row_addu(r, (uint64_t)h->period);
	else
		row_add(r, "", 0);
	row_adds(r, extract_enum_text(w, E_EMP, h->emp));
	row_adds(r, extract_enum_text(w, E_EMPLOYER, h->employer));
	row_money(r, h->wage, plain);
	row_money(r, h->benefit, plain);
	row_money(r, h->pension, plain);
}

/* --- housing ------------------------------------------------------- */

static int bg_house(const gen *g, const person *p, rng *r, house_row *h)
{
	int roster = p->hh >= 0;
	if (age_of(g, p) < 18 || !rng_chance(r, roster ? 350000 : 400000))
		return 0;
	static const unsigned props_ro[4] = {350, 635, 12, 3}, props_nr[4] = {20, 55, 18, 7};
	static const unsigned rate_ro[5] = {820, 70, 60, 40, 10}, rate_nr[5] = {930, 40, 20, 8, 2};
	static const unsigned dmg_ro[4] = {930, 45, 20, 5}, dmg_nr[4] = {970, 23, 5, 2};
	h->props = roster ? RNG_PICK(r, props_ro) : RNG_PICK(r, props_nr);
	h->rating = (uint8_t)(roster ? RNG_PICK(r, rate_ro) : RNG_PICK(r, rate_nr));
	h->damage = (uint8_t)(roster ? RNG_PICK(r, dmg_ro) : RNG_PICK(r, dmg_nr));
	h->rental = (uint8_t)rng_chance(r, roster ? 60000 : 30000);
	return 1;
}

static void house_row_fill(extract *w, row *r, const house_row *h)
{
	row_reset(r);
	extract_ident(w, r, h->person);
	row_addu(r, (uint64_t)h->props);
	row_adds(r, extract_enum_text(w, E_RATING, h->rating));
	row_adds(r, extract_enum_text(w, E_DAMAGE, h->damage));
	row_addu(r, h->rental);
}

/* --- medical ------------------------------------------------------- */

static int cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;
	return (x > y) - (x < y);
}

/* The skewed shape's medical source dominates (issue 16): about half as
 * many persons as in the default shape have settlements, but 5 to 15 of
 * them (1.9 M rows at 200,000 households, as in the issue), while hr
 * holds one or two months a person instead of three or six (bg_hr). */
#define MED_MAX 16

static int bg_med(const gen *g, const person *p, rng *r, med_row *out)
{
	static const unsigned n_w[7] = {58, 20, 10, 6, 3, 2, 1};
	int n = RNG_PICK(r, n_w);
	if (age_of(g, p) >= 60 && rng_chance(r, 400000))
		n++;
	if (!n)
		return 0;
	if (g->skewed) {
		if (!rng_chance(r, 480000))
			return 0;
		n = (int)rng_range(r, 5, 15);
	}
	/* distinct dates over the 15 months, so no two rows are equal */
	int days[MED_MAX];
	int64_t lo = days_from_ymd(g->hist_lo), span = days_from_ymd(g->end) - lo + 1;
	for (int k = 0; k < n; k++) {
		int d;
		int again;
		do {
			d = (int)(lo + rng_below(r, (uint32_t)span));
			again = 0;
			for (int j = 0; j < k; j++)
				again |= days[j] == d;
		} while (again);
		days[k] = d;
	}
	qsort(days, (size_t)n, sizeof days[0], cmp_int);
	for (int k = 0; k < n; k++) {
		med_row *m = &out[k];
		memset(m, 0, sizeof *m);
		m->date = days_to_ymd(days[k]);
		m->inpatient = (uint8_t)rng_chance(r, 180000);
		int64_t total;
		uint32_t share; /* out-of-pocket share, per mille */
		if (m->inpatient) {
			m->major = (uint8_t)rng_chance(r, 80000);
			total = m->major ? YUAN(rng_range(r, 40000, 250000)) : YUAN(rng_range(r, 3000, 40000));
			share = m->major ? 150 + rng_below(r, 200) : 200 + rng_below(r, 250);
		} else {
			total = (int64_t)rng_range(r, 3000, 150000);
			share = 300 + rng_below(r, 701);
		}
		m->total = total;
		m->oop = total * share / 1000;
		m->insured = INS_ACTIVE;
	}
	uint32_t x = rng_below(r, 1000000);
	int old = age_of(g, p) >= 75;
	if (x < (old ? 6000u : 1500u))
		out[n - 1].insured = INS_DECEASED;
	else if (x < 4500)
		out[n - 1].insured = INS_TERMINATED;
	return n;
}

static void med_row_fill(extract *w, row *r, const med_row *m)
{
	int plain = w->dirty && rng_below(&w->dirt, 10) == 0;
	int compact = w->dirty && rng_below(&w->dirt, 7) == 0;
	row_reset(r);
	extract_ident(w, r, m->person);
	row_date(r, m->date, compact);
	row_money(r, m->oop, plain);
	row_money(r, m->total, plain);
	row_addu(r, m->inpatient);
	row_addu(r, m->major);
	row_adds(r, extract_enum_text(w, E_INSURED, m->insured));
}

/* --- the four person sources, one walker ---------------------------- */

typedef union {
	edu_row e[1];
	hr_row h[8];
	house_row o[1];
	med_row m[MED_MAX];
} any_rows;

static int bg_rows(const gen *g, source_id src, const person *p, rng *r, any_rows *u)
{
	switch (src) {
	case SRC_EDUCATION: return p->hh >= 0 ? bg_edu(g, p, r, u->e) : 0;
	case SRC_HR: return bg_hr(g, p, r, u->h);
	case SRC_HOUSING: return bg_house(g, p, r, u->o);
	default: return bg_med(g, p, r, u->m);
	}
}

static void fill_row(extract *w, row *r, source_id src, const void *rows, size_t k)
{
	switch (src) {
	case SRC_EDUCATION: edu_row_fill(w, r, (const edu_row *)rows + k); break;
	case SRC_HR: hr_row_fill(w, r, (const hr_row *)rows + k); break;
	case SRC_HOUSING: house_row_fill(w, r, (const house_row *)rows + k); break;
	default: med_row_fill(w, r, (const med_row *)rows + k); break;
	}
}

static uint32_t prow_person(source_id src, const void *rows, size_t k)
{
	switch (src) {
	case SRC_EDUCATION: return ((const edu_row *)rows)[k].person;
	case SRC_HR: return ((const hr_row *)rows)[k].person;
	case SRC_HOUSING: return ((const house_row *)rows)[k].person;
	default: return ((const med_row *)rows)[k].person;
	}
}

static int prow_special(source_id src, const void *rows, size_t k)
{
	switch (src) {
	case SRC_EDUCATION: return ((const edu_row *)rows)[k].special;
	case SRC_HR: return ((const hr_row *)rows)[k].special;
	case SRC_HOUSING: return ((const house_row *)rows)[k].special;
	default: return ((const med_row *)rows)[k].special;
	}
}

hh_status person_source_write(gen *g, source_id src, const extract_form *form)
{
	extract *w = malloc(sizeof *w);
	if (!w)
		return hh_fail(g->err, HH_EINTERNAL, "gen: out of memory");
	hh_status st = extract_open(g, w, src, form);
	row r;
	any_rows u;
	for (uint32_t hi = 0; st == HH_OK && hi < g->hhs.n; hi++) {
		const household *h = &H(g, hi);
		if (form->split && hi == g->hhs.n / 2)
			outstream_end_member(w->os);
		if (h->plan >= 0) {
			const void *rows = (const char *)g->prow[src].items;
			for (uint32_t k = 0; k < h->nrows[src]; k++) {
				size_t j = h->row0[src] + k;
				fill_row(w, &r, src, rows, j);
				dirt_emit(w, &r, prow_person(src, rows, j), 0, prow_special(src, rows, j));
			}
			continue;
		}
		for (uint32_t k = 0; k < h->nmem + h->nextra; k++) {
			uint32_t pi = h->first + k;
			rng pr;
			person_source_rng(g, &pr, pi, src);
			memset(&u, 0, sizeof u);
			int n = bg_rows(g, src, &P(g, pi), &pr, &u);
			for (int j = 0; j < n; j++) {
				switch (src) {
				case SRC_EDUCATION: u.e[j].person = pi; break;
				case SRC_HR: u.h[j].person = pi; break;
				case SRC_HOUSING: u.o[j].person = pi; break;
				default: u.m[j].person = pi; break;
				}
				fill_row(w, &r, src, &u, (size_t)j);
				dirt_emit(w, &r, pi, 1, SP_NONE);
			}
		}
	}
	st = extract_close(w, st);
	free(w);
	return st;
}
