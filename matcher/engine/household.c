/*
 * household.c - from roster rows and per-person aggregates to households,
 * risk rules and findings.
 *
 * Works over data that fits in memory by construction (the roster and
 * one aggregate per person):
 *
 *   household_link_row   called by the roster worker for each roster row
 *                        it keeps: pid -> the person's rows, and which
 *                        households count the person
 *   household_evaluate   after every worker is joined: rows sorted by
 *                        (household, line); households evaluated in
 *                        parallel ranges: facts gathered from the four
 *                        aggregate tables, rules_eval, audit and dedup
 *                        findings per member, identity conflicts per
 *                        person (conflict.c); then discovery over
 *                        persons not counted.
 *
 * Households are evaluated in the order they arrived (the roster rows
 * are then read nearly in sequence) and put in household_id order at
 * the end, so households.csv needs no further sort; every finding is
 * produced in a deterministic order before the final sort of
 * findings.csv.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "connectors/csvw.h"
#include "engine/engine_int.h"
#include "domain/idnum.h"

static int counted(const engine *e, const roster_row *r)
{
	return r->status == e->c.st_active || r->status == e->c.st_gradual_exit;
}

void household_link_row(engine *e, uint32_t i, roster_person *p, int created)
{
	roster_row *r = vec_at(&e->roster, i);
	r->next_same_pid = UINT32_MAX;
	if (created)
		p->first_row = i;
	else
		((roster_row *)vec_at(&e->roster, p->last_row))->next_same_pid = i;
	p->last_row = i;
	if (!counted(e, r))
		return;
	if (!p->home)
		p->home = r->household + 1;
	else if (p->home != r->household + 1)
		p->multi = 1;
}

/* A household id with its first 16 bytes as two big-endian integers
 * (zero-padded), so most comparisons of the id sort are two integer
 * compares instead of strcmp through a pointer. */
typedef struct {
	uint64_t k0, k1;
	const char *id;
	uint32_t index;
} id_key;

static uint64_t be_prefix(const char *s, size_t len)
{
	uint64_t k = 0;
	for (size_t i = 0; i < 8; i++)
		k = k << 8 | (i < len ? (unsigned char)s[i] : 0);
	return k;
}

static int cmp_id_key(const void *a, const void *b)
{
	const id_key *x = a, *y = b;
	if (x->k0 != y->k0)
		return x->k0 < y->k0 ? -1 : 1;
	if (x->k1 != y->k1)
		return x->k1 < y->k1 ? -1 : 1;
	return strcmp(x->id, y->id);
}

/* Orders roster rows by (household, line) into rows[]: a counting sort
 * on the household index, then an insertion sort by line within each
 * household (rows arrive in line order except repaired ones, so the
 * groups are nearly sorted already).  start[] gets nh + 1 offsets. */
static hh_status sort_rows(const engine *e, uint32_t *rows, uint32_t *start,
			   hh_err *err)
{
	size_t nh = e->households.n, nr = e->roster.n;
	uint32_t *fill = malloc((nh + 1) * sizeof *fill);
	if (!fill)
		return hh_fail(err, HH_EINTERNAL, "out of memory sorting the roster");
	memset(start, 0, (nh + 1) * sizeof *start);
	for (size_t i = 0; i < nr; i++)
		start[((const roster_row *)vec_at(&e->roster, i))->household + 1]++;
	for (size_t h = 0; h < nh; h++)
		start[h + 1] += start[h];
	memcpy(fill, start, (nh + 1) * sizeof *fill);
	for (size_t i = 0; i < nr; i++)
		rows[fill[((const roster_row *)vec_at(&e->roster, i))->household]++] = (uint32_t)i;
	free(fill);
	for (size_t h = 0; h < nh; h++)
		for (uint32_t a = start[h] + 1; a < start[h + 1]; a++)
			for (uint32_t b = a; b > start[h]; b--) {
				const roster_row *x = vec_at(&e->roster, rows[b - 1]);
				const roster_row *y = vec_at(&e->roster, rows[b]);
				if (x->line <= y->line)
					break;
				uint32_t t = rows[b - 1];
				rows[b - 1] = rows[b];
				rows[b] = t;
			}
	return HH_OK;
}

/* Starts fetching everything evaluate_one will look up for a row. */
static void prefetch_row(const engine *e, const roster_row *r)
{
	ptab_prefetch(e->roster_persons, r->pid);
	for (int s = SRC_EDUCATION; s < SRC_COUNT; s++)
		if (e->in[s].agg)
			ptab_prefetch(e->in[s].agg, r->pid);
}

/* What one thread of the household pass produces: its households in
 * order, and its findings (all sorted at output). */
typedef struct {
	engine *e;
	const uint32_t *rows, *start;
	size_t h0, h1;          /* households [h0, h1) */
	size_t nout;            /* rows written to out_households from h0 on */
	vec findings;           /* finding_rec */
	size_t on_roster[SRC_COUNT]; /* roster persons found in each source */
	hh_status status;
	hh_err err;
} hh_part;

static const void *find_in(const engine *e, source_id s, const uint8_t pid[32])
{
	return e->in[s].agg ? ptab_find(e->in[s].agg, pid) : NULL;
}

static void look_up(const engine *e, const uint8_t pid[32], person_aggs *pa)
{
	pa->ed = find_in(e, SRC_EDUCATION, pid);
	pa->hr = find_in(e, SRC_HR, pid);
	pa->ho = find_in(e, SRC_HOUSING, pid);
	pa->md = find_in(e, SRC_MEDICAL, pid);
}

typedef struct {
	engine *e;
	vec *findings;
	const household *hh;
	rules_facts f;
	int64_t wages_pensions; /* sum of latest monthly wage + pension */
} hh_acc;

static hh_status member_findings(hh_acc *a, const roster_row *r,
				 const roster_person *p, const hr_agg *hr,
				 const housing_agg *ho, const med_agg *md,
				 hh_err *err)
{
	engine *e = a->e;
	const rules *ru = e->cfg->rules;
	vec *fv = a->findings;
	hh_status st = HH_OK;
	if (md && md->deceased)
		st |= engine_add_finding(fv, F_A_DECEASED, SRC_MEDICAL, a->hh->id, r->pid,
					 "medical insurance records insured_status "
					 "deceased for a counted member of household %s",
					 a->hh->id);
	if (hr && hr->employer == e->c.emp_public_sector + 1)
		st |= engine_add_finding(fv, F_A_PUBLIC_SECTOR, SRC_HR, a->hh->id, r->pid,
					 "hr period %d records employer_type "
					 "public_sector for a counted member",
					 hr->period);
	if (ho && ho->property_count >= ru->multi_property_count)
		st |= engine_add_finding(fv, F_A_MULTI_PROPERTY, SRC_HOUSING, a->hh->id,
					 r->pid,
					 "housing records property_count %d (audit "
					 "threshold %d)",
					 ho->property_count, ru->multi_property_count);
	if (p->multi) {
		/* The person's rows are few: the households counting them are
		 * counted by looking back along the chain. */
		char others[256] = "";
		size_t used = 0;
		unsigned households = 0;
		for (uint32_t i = p->first_row; i != UINT32_MAX;) {
			const roster_row *o = vec_at(&e->roster, i);
			int seen = !counted(e, o);
			for (uint32_t k = p->first_row; !seen && k != i;) {
				const roster_row *q = vec_at(&e->roster, k);
				seen = counted(e, q) && q->household == o->household;
				k = q->next_same_pid;
			}
			i = o->next_same_pid;
			if (seen)
				continue;
			households++;
			if (o->household != r->household && used < 200)
				used += (size_t)snprintf(others + used, sizeof others - used,
							 "%s%s", used ? ", " : "",
							 ((const household *)vec_at(&e->households,
										    o->household))->id);
		}
		st |= engine_add_finding(fv, F_D_MULTI_HOUSEHOLD, SRC_CIVIL_AFFAIRS,
					 a->hh->id, r->pid,
					 "counted (active or gradual_exit) in %u "
					 "households: here and %s; counts in each "
					 "until corrected",
					 households, others);
	}
	if (st != HH_OK)
		return hh_fail(err, HH_EINTERNAL, "out of memory adding findings");
	return HH_OK;
}

/* Folds one counted member into the household's facts. */
static hh_status add_member(hh_acc *a, const roster_row *r,
			    const roster_person *p, const person_aggs *pa,
			    hh_err *err)
{
	engine *e = a->e;
	const rules *ru = e->cfg->rules;
	const engine_cols *c = &e->c;
	const edu_agg *ed = pa->ed;
	const hr_agg *hr = pa->hr;
	const housing_agg *ho = pa->ho;
	const med_agg *md = pa->md;
	int32_t birth = conflict_birth(e, p, r);
	int age = birth ? idnum_age(birth, e->period_end) : -1;
	int working = age >= ru->working_age_min && age <= ru->working_age_max;
	int severe = r->disability >= 1 && r->disability <= ru->care_disability_grade;

	a->f.members++;
	if (md)
		a->f.oop_12m_fen += md->oop_12m_fen;
	if (ed) {
		a->f.edu_net_fen += ed->net_fen;
		if (ed->dropout && age >= ru->dropout_age_min &&
		    age <= ru->dropout_age_max)
			a->f.dropout_child = 1;
	}
	if (hr) {
		a->wages_pensions += hr->wage + hr->pension;
		if (working && (hr->status == c->emp_unemployed || hr->benefit > 0))
			a->f.jobloss = 1;
		if (working && hr->earlier_wage_max > 0 &&
		    hr->wage * 10000 <= ru->income_drop_bp * hr->earlier_wage_max)
			a->f.income_drop = 1;
	}
	if (working && !severe) {
		a->f.able_working++;
		if (hr) {
			a->f.able_working_in_hr++;
			if (hr->status == c->emp_employed || hr->status == c->emp_flexible)
				a->f.able_working_employed++;
		}
	}
	if (ho && (ho->damage == c->dmg_severe + 1 || ho->damage == c->dmg_collapsed + 1 ||
		   ho->rating == c->rating_c + 1 || ho->rating == c->rating_d + 1))
		a->f.disaster = 1;
	if (age >= ru->care_age || severe)
		a->f.single_care = 1; /* kept only if members ends at 1 */
	return member_findings(a, r, p, hr, ho, md, err);
}

/* A person listed twice in one household counts once: is rows[i] a
 * repeat of a counted row before it? */
static int counted_before(const engine *e, const uint32_t *rows, size_t i)
{
	const roster_row *r = vec_at(&e->roster, rows[i]);
	for (size_t k = 0; k < i; k++) {
		const roster_row *o = vec_at(&e->roster, rows[k]);
		if (counted(e, o) && !memcmp(o->pid, r->pid, 32))
			return 1;
	}
	return 0;
}

static hh_status evaluate_one(hh_part *part, uint32_t h, const uint32_t *rows,
			      size_t n, hh_err *err)
{
	engine *e = part->e;
	const rules *ru = e->cfg->rules;
	hh_acc a = {.e = e, .findings = &part->findings, .hh = vec_at(&e->households, h)};
	int64_t income_min = INT64_MAX, income_max = -1;
	a.f.region_code = a.hh->region;
	a.f.region_len = strlen(a.hh->region);
	for (size_t i = 0; i < n; i++) {
		const roster_row *r = vec_at(&e->roster, rows[i]);
		if (r->income_fen < income_min)
			income_min = r->income_fen;
		if (r->income_fen > income_max)
			income_max = r->income_fen;
		int member = counted(e, r) && !counted_before(e, rows, i);
		const roster_person *p = ptab_find(e->roster_persons, r->pid);
		/* report.json's persons_on_roster: each person once, at the
		 * head of their rows */
		int head = rows[i] == p->first_row;
		if (!member && !head)
			continue;
		person_aggs pa;
		look_up(e, r->pid, &pa);
		if (head) {
			HH_TRY(conflict_roster_person(e, &part->findings, p, &pa, err));
			part->on_roster[SRC_EDUCATION] += pa.ed != NULL;
			part->on_roster[SRC_HR] += pa.hr != NULL;
			part->on_roster[SRC_HOUSING] += pa.ho != NULL;
			part->on_roster[SRC_MEDICAL] += pa.md != NULL;
		}
		if (member)
			HH_TRY(add_member(&a, r, p, &pa, err));
	}
	if (a.f.members == 0)
		return HH_OK; /* every member exited: not a counted household */
	if (a.f.members != 1)
		a.f.single_care = 0;
	a.f.household_income_fen = income_max;
	if (income_min != income_max) {
		char lo[32], hi[32];
		csvw_fmt_yuan(income_min, lo);
		csvw_fmt_yuan(income_max, hi);
		if (engine_add_finding(a.findings, F_D_INCONSISTENT_INCOME,
				       SRC_CIVIL_AFFAIRS, a.hh->id, NULL,
				       "household_income differs between the "
				       "household's %zu rows (from %s to %s yuan); "
				       "%s is used",
				       n, lo, hi, hi))
			return hh_fail(err, HH_EINTERNAL, "out of memory");
	}
	/* This part's region of out_households starts at its first
	 * household and has room for all of them (parts write disjoint
	 * regions; evaluate_parts closes the gaps). */
	household_out *o = vec_at(&e->out_households, part->h0 + part->nout++);
	memset(o, 0, sizeof *o);
	o->household = h;
	rules_result res;
	rules_eval(ru, &a.f, &res);
	o->f = a.f;
	o->score = (int16_t)res.score;
	o->level = (uint8_t)res.level;
	o->flagged = (uint8_t)res.flagged;
	for (int r = 0; r < R_COUNT; r++)
		if (res.fired[r])
			o->fired |= (uint16_t)(1u << r);
	if ((a.hh->category == e->c.cat_dibao || a.hh->category == e->c.cat_tekun) &&
	    12 * a.wages_pensions * 10000 >=
		    ru->high_income_multiple_bp * res.income_line_fen * a.f.members) {
		char sum[32], line[32];
		csvw_fmt_yuan(12 * a.wages_pensions, sum);
		csvw_fmt_yuan(res.income_line_fen, line);
		if (engine_add_finding(a.findings, F_A_HIGH_INCOME, SRC_HR, a.hh->id,
				       NULL,
				       "category %s; 12 x (monthly wages + pensions) "
				       "of the %d members = %s yuan a year, at least "
				       "%.2f x the income line %s per member",
				       e->category_codes[a.hh->category], a.f.members,
				       sum, (double)ru->high_income_multiple_bp / 10000.0,
				       line))
			return hh_fail(err, HH_EINTERNAL, "out of memory");
	}
	return HH_OK;
}

static void *evaluate_range(void *arg)
{
	hh_part *part = arg;
	engine *e = part->e;
	const uint32_t *rows = part->rows, *start = part->start;
	size_t h1 = part->h1;
	for (size_t h = part->h0; h < h1 && part->status == HH_OK; h++) {
		/* the rows of household h + 2 are fetched meanwhile */
		for (uint32_t k = h + 3 <= h1 ? start[h + 2] : 0;
		     h + 3 <= h1 && k < start[h + 3]; k++)
			prefetch_row(e, vec_at(&e->roster, rows[k]));
		if (start[h + 1] > start[h])
			part->status = evaluate_one(part, (uint32_t)h, rows + start[h],
						    start[h + 1] - start[h], &part->err);
	}
	return NULL;
}

/* Appends every item of src to dst (items own their memory: it moves). */
static int vec_append(vec *dst, vec *src)
{
	for (size_t i = 0; i < src->n; i++) {
		void *it = vec_push(dst);
		if (!it)
			return -1;
		memcpy(it, vec_at(src, i), src->size);
	}
	src->n = 0;
	return 0;
}

static hh_status evaluate_parts(engine *e, const uint32_t *rows, const uint32_t *start,
				hh_err *err)
{
	size_t nh = e->households.n, nr = e->roster.n;
	int n = e->cfg->threads < 1 ? 1 : e->cfg->threads < 16 ? e->cfg->threads : 16;
	hh_part parts[16];
	pthread_t th[16];
	int started[16] = {0};
	size_t h = 0;
	for (int i = 0; i < n; i++) {
		hh_part *p = &parts[i];
		memset(p, 0, sizeof *p);
		p->e = e;
		p->rows = rows;
		p->start = start;
		p->h0 = h;
		size_t goal = nr * (size_t)(i + 1) / (size_t)n;
		while (h < nh && (i == n - 1 || start[h] < goal))
			h++;
		p->h1 = h;
		vec_init(&p->findings, sizeof(finding_rec));
	}
	if (vec_reserve(&e->out_households, nh))
		return hh_fail(err, HH_EINTERNAL, "out of memory");
	for (int i = 1; i < n; i++)
		started[i] = pthread_create(&th[i], NULL, evaluate_range, &parts[i]) == 0;
	evaluate_range(&parts[0]);
	for (int i = 1; i < n; i++) {
		if (started[i])
			pthread_join(th[i], NULL);
		else
			evaluate_range(&parts[i]);
	}
	hh_status st = HH_OK;
	size_t total = 0;
	for (int i = 0; i < n; i++) {
		if (st == HH_OK && parts[i].status != HH_OK) {
			st = parts[i].status;
			*err = parts[i].err;
		}
		for (int s = 0; s < SRC_COUNT; s++)
			e->on_roster[s] += parts[i].on_roster[s];
		memmove(vec_at(&e->out_households, total),
			vec_at(&e->out_households, parts[i].h0),
			parts[i].nout * sizeof(household_out));
		total += parts[i].nout;
		if (st == HH_OK && vec_append(&e->findings, &parts[i].findings))
			st = hh_fail(err, HH_EINTERNAL, "out of memory");
		for (size_t k = 0; k < parts[i].findings.n; k++)
			free(((finding_rec *)vec_at(&parts[i].findings, k))->detail);
		vec_free(&parts[i].findings);
	}
	e->out_households.n = total;
	return st;
}

static int is_counted_person(const engine *e, const uint8_t pid[32])
{
	const roster_person *p = ptab_find(e->roster_persons, pid);
	return p && p->home != 0;
}

static const char *roster_state(const engine *e, const uint8_t pid[32])
{
	return ptab_find(e->roster_persons, pid) ? "on the roster only as exited"
						 : "not on the roster";
}

/* X_DISCOVERY: persons not counted on the roster with large medical
 * costs or a collapsed house (应保尽保). One finding per person. */
static hh_status discovery(engine *e, hh_err *err)
{
	const rules *ru = e->cfg->rules;
	ptab *med = e->in[SRC_MEDICAL].agg, *hous = e->in[SRC_HOUSING].agg;
	size_t cur = 0;
	const uint8_t *pid;
	void *rec;
	char amount[32], line[32];
	while (med && ptab_next(med, &cur, &pid, &rec)) {
		const med_agg *m = rec;
		if (m->oop_12m_fen < ru->discovery_oop_fen || is_counted_person(e, pid) ||
		    !dist_owns(e, pid))
			continue;
		const housing_agg *ho = hous ? ptab_find(hous, pid) : NULL;
		int collapsed = ho && ho->damage == e->c.dmg_collapsed + 1;
		csvw_fmt_yuan(m->oop_12m_fen, amount);
		csvw_fmt_yuan(ru->discovery_oop_fen, line);
		if (engine_add_finding(&e->findings, F_X_DISCOVERY, SRC_MEDICAL, NULL, pid,
				       "%s; out-of-pocket medical costs of %s yuan "
				       "in the 12 months to the period (discovery "
				       "line %s)%s",
				       roster_state(e, pid), amount, line,
				       collapsed ? "; housing also records a "
						   "collapsed house" : ""))
			return hh_fail(err, HH_EINTERNAL, "out of memory");
		engine_finding_region(&e->findings, (int32_t)m->id_region);
	}
	cur = 0;
	while (hous && ptab_next(hous, &cur, &pid, &rec)) {
		const housing_agg *ho = rec;
		if (ho->damage != e->c.dmg_collapsed + 1 || is_counted_person(e, pid) ||
		    !dist_owns(e, pid))
			continue;
		const med_agg *m = med ? ptab_find(med, pid) : NULL;
		if (m && m->oop_12m_fen >= ru->discovery_oop_fen)
			continue; /* reported with the medical finding above */
		if (engine_add_finding(&e->findings, F_X_DISCOVERY, SRC_HOUSING, NULL, pid,
				       "%s; housing records disaster_damage "
				       "collapsed",
				       roster_state(e, pid)))
			return hh_fail(err, HH_EINTERNAL, "out of memory");
		engine_finding_region(&e->findings, ho->id_region);
	}
	return HH_OK;
}

/* Moves item i of v to position dest[i], for every i, in place (by
 * following the permutation's cycles); dest is consumed.  tmp holds one
 * item. */
static void permute(vec *v, uint32_t *dest, void *tmp)
{
	for (size_t i = 0; i < v->n; i++)
		while (dest[i] != i) {
			uint32_t j = dest[i];
			memcpy(tmp, vec_at(v, j), v->size);
			memcpy(vec_at(v, j), vec_at(v, i), v->size);
			memcpy(vec_at(v, i), tmp, v->size);
			dest[i] = dest[j];
			dest[j] = j;
		}
}

/* The household id sort, run beside the household evaluation (it needs
 * nothing the evaluation writes): rank[h] = household h's place in id
 * order.  Rosters often come sorted already: that is checked first. */
typedef struct {
	const engine *e;
	uint32_t *rank;
	int failed;
} id_sort;

static void *rank_by_id(void *arg)
{
	id_sort *job = arg;
	const vec *hs = &job->e->households;
	size_t nh = hs->n;
	id_key *keys = malloc((nh + 1) * sizeof *keys);
	if (!keys) {
		job->failed = 1;
		return NULL;
	}
	for (size_t i = 0; i < nh; i++) {
		const char *id = ((const household *)vec_at(hs, i))->id;
		size_t len = strlen(id);
		keys[i] = (id_key){be_prefix(id, len),
				   len > 8 ? be_prefix(id + 8, len - 8) : 0, id,
				   (uint32_t)i};
	}
	size_t sorted_upto = 1;
	while (sorted_upto < nh && cmp_id_key(&keys[sorted_upto - 1], &keys[sorted_upto]) < 0)
		sorted_upto++;
	if (sorted_upto < nh)
		qsort(keys, nh, sizeof *keys, cmp_id_key);
	for (size_t i = 0; i < nh; i++)
		job->rank[keys[i].index] = (uint32_t)i;
	free(keys);
	return NULL;
}

/* Puts households in id order (rank from rank_by_id, consumed),
 * renumbers the roster rows and out_households to match, and lists
 * out_households in that order in e->out_order. */
static hh_status apply_rank(engine *e, uint32_t *rank, hh_err *err)
{
	size_t nh = e->households.n, no = e->out_households.n;
	uint32_t *counted_at = calloc(nh + 1, sizeof *counted_at);
	e->out_order = malloc((no + 1) * sizeof *e->out_order);
	if (!counted_at || !e->out_order) {
		free(counted_at);
		return hh_fail(err, HH_EINTERNAL, "out of memory sorting households");
	}
	for (size_t i = 0; i < e->roster.n; i++) {
		roster_row *r = vec_at(&e->roster, i);
		r->household = rank[r->household];
	}
	/* out_households holds the counted households only: each is listed
	 * at its rank among them */
	for (size_t i = 0; i < no; i++) {
		household_out *o = vec_at(&e->out_households, i);
		o->household = rank[o->household];
		counted_at[o->household + 1] = 1;
	}
	for (size_t h = 0; h < nh; h++)
		counted_at[h + 1] += counted_at[h];
	for (size_t i = 0; i < no; i++)
		e->out_order[counted_at[((household_out *)vec_at(&e->out_households, i))->household]] =
			(uint32_t)i;
	free(counted_at);
	household tmp;
	permute(&e->households, rank, &tmp);
	return HH_OK;
}

hh_status household_discover(engine *e, hh_err *err)
{
	HH_TRY(discovery(e, err));
	return conflict_off_roster(e, err);
}

hh_status household_evaluate(engine *e, hh_err *err)
{
	size_t nh = e->households.n, nr = e->roster.n;
	uint32_t *rows = malloc((nr + 1) * sizeof *rows);
	uint32_t *start = malloc((nh + 2) * sizeof *start);
	id_sort job = {.e = e, .rank = malloc((nh + 1) * sizeof(uint32_t))};
	pthread_t th;
	int threaded = 0;
	hh_status st = HH_OK;
	if (!rows || !start || !job.rank) {
		st = hh_fail(err, HH_EINTERNAL, "out of memory sorting households");
		goto out;
	}
	threaded = pthread_create(&th, NULL, rank_by_id, &job) == 0;
	/* Households are evaluated in the order they arrived, which keeps
	 * the walk over roster rows close to sequential (a roster lists a
	 * household's members together); they are put in id order after. */
	st = sort_rows(e, rows, start, err);
	/* In parallel: each thread takes a run of households with about as
	 * many rows as the others; results are joined in order. */
	if (st == HH_OK)
		st = evaluate_parts(e, rows, start, err);
	if (st == HH_OK)
		st = household_discover(e, err);
	if (threaded)
		pthread_join(th, NULL);
	else
		rank_by_id(&job);
	if (st == HH_OK && job.failed)
		st = hh_fail(err, HH_EINTERNAL, "out of memory sorting households");
	if (st == HH_OK)
		st = apply_rank(e, job.rank, err);
out:
	free(rows);
	free(start);
	free(job.rank);
	return st;
}
