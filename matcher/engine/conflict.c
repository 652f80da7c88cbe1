/*
 * conflict.c - one pid, several identities: D_ID_CONFLICT, and which
 * facts of such a person count.
 *
 * A pid stands for one ID number, and a raw ID gives its own birth date
 * and sex, so only what rows state beside the pid can disagree: a pid
 * extract's birth_date and sex columns on the roster (the only source
 * whose birth dates the rules use), and names on the rows of any source.
 * Names are compared as digests keyed by the run's key (ingest.c,
 * name_hash); neither a name nor a digest is ever written.
 *
 * Nothing here may depend on row order, because the order of an extract
 * means nothing:
 *   - a conflicted person's age comes from the earliest birth date of
 *     their roster rows (conflict_birth), whichever row is read first;
 *   - each aggregate keeps the smallest name digest and whether another
 *     was seen (engine_note_name), which any order gives alike;
 *   - a finding names the kinds of conflict, the households (sorted) and
 *     the sources, never lines, which move when rows do; it is filed
 *     under the smallest of the person's household ids.
 *
 * One finding per pid: roster persons from the household pass
 * (conflict_roster_person, at the person's first row), persons off the
 * roster from one pass over the aggregates (conflict_off_roster).
 */
#include <stdio.h>
#include <string.h>

#include "engine/engine_int.h"

int32_t conflict_birth(const engine *e, const roster_person *p,
		       const roster_row *r)
{
	if (p->first_row == p->last_row)
		return r->birth;
	int32_t birth = 0;
	for (uint32_t i = p->first_row; i != UINT32_MAX;) {
		const roster_row *o = vec_at(&e->roster, i);
		if (o->birth && (!birth || o->birth < birth))
			birth = o->birth;
		i = o->next_same_pid;
	}
	return birth;
}

/* The name digest a source's record holds, and whether its rows carried
 * different names. */
static uint64_t agg_name(source_id s, const void *rec, int *differ)
{
	switch (s) {
	case SRC_EDUCATION:
		*differ = ((const edu_agg *)rec)->names_differ;
		return ((const edu_agg *)rec)->name;
	case SRC_HR:
		*differ = ((const hr_agg *)rec)->names_differ;
		return ((const hr_agg *)rec)->name;
	case SRC_HOUSING:
		*differ = ((const housing_agg *)rec)->names_differ;
		return ((const housing_agg *)rec)->name;
	case SRC_MEDICAL:
		*differ = ((const med_agg *)rec)->names_differ;
		return ((const med_agg *)rec)->name;
	default:
		*differ = 0;
		return 0;
	}
}

/* Folds source s's record (NULL: absent) into the names seen: *kept the
 * smallest digest, bit s of *named when the source gave a name, and of
 * *against when it disagrees with ref (the roster's name; 0 none) or
 * within itself.  1 when a name disagrees with one seen before or within
 * the source. */
static int note_source(source_id s, const void *rec, uint64_t ref, uint64_t *kept,
		       unsigned *named, unsigned *against)
{
	int differ = 0;
	uint64_t name = rec ? agg_name(s, rec, &differ) : 0;
	if (!name)
		return 0;
	*named |= 1u << s;
	if (differ || (ref && name != ref))
		*against |= 1u << s;
	return engine_note_name(kept, name) | differ;
}

/* "civil_affairs, education": the sources in named, in source order. */
static void list_sources(unsigned named, char *out, size_t cap)
{
	size_t used = 0;
	out[0] = '\0';
	for (int s = 0; s < SRC_COUNT && used < cap; s++)
		if (named & (1u << s))
			used += (size_t)snprintf(out + used, cap - used, "%s%s",
						 used ? ", " : "",
						 source_name((source_id)s));
}

#define MAX_LISTED 8

/* Adds id to ids[] (sorted, each once), keeping the MAX_LISTED smallest:
 * the same list whatever order a person's rows came in. */
static void add_id(const char **ids, size_t *n, const char *id)
{
	size_t k = 0;
	while (k < *n && strcmp(ids[k], id) < 0)
		k++;
	if ((k < *n && !strcmp(ids[k], id)) || k == MAX_LISTED)
		return;
	size_t end = *n < MAX_LISTED ? *n : MAX_LISTED - 1;
	memmove(ids + k + 1, ids + k, (end - k) * sizeof *ids);
	ids[k] = id;
	if (*n < MAX_LISTED)
		(*n)++;
}

hh_status conflict_roster_person(const engine *e, vec *v, const roster_person *p,
				 const person_aggs *pa, hh_err *err)
{
	uint64_t name = 0;
	unsigned named = 0;
	int names = 0, births = 0, sexes = 0;
	int32_t birth = 0;
	int8_t sex = 0;
	const char *ids[MAX_LISTED];
	size_t nids = 0;
	for (uint32_t i = p->first_row; i != UINT32_MAX;) {
		const roster_row *r = vec_at(&e->roster, i);
		if (r->name_hash) {
			named |= 1u << SRC_CIVIL_AFFAIRS;
			names |= engine_note_name(&name, r->name_hash);
		}
		births |= r->birth && birth && r->birth != birth;
		if (!birth)
			birth = r->birth;
		sexes |= r->sex && sex && r->sex != sex;
		if (!sex)
			sex = r->sex;
		add_id(ids, &nids,
		       ((const household *)vec_at(&e->households, r->household))->id);
		i = r->next_same_pid;
	}
	/* A roster that agrees with itself is what the others are measured
	 * against: the finding names it and the sources that differ from it. */
	uint64_t ref = names ? 0 : name;
	unsigned against = named;
	names |= note_source(SRC_EDUCATION, pa->ed, ref, &name, &named, &against);
	names |= note_source(SRC_HR, pa->hr, ref, &name, &named, &against);
	names |= note_source(SRC_HOUSING, pa->ho, ref, &name, &named, &against);
	names |= note_source(SRC_MEDICAL, pa->md, ref, &name, &named, &against);
	if (!names && !births && !sexes)
		return HH_OK;
	char hs[256] = "", srcs[128];
	size_t used = 0;
	for (size_t k = 0; k < nids && used < sizeof hs; k++)
		used += (size_t)snprintf(hs + used, sizeof hs - used, "%s%s",
					 used ? ", " : "", ids[k]);
	list_sources(ref ? against : named, srcs, sizeof srcs);
	char d[480];
	used = (size_t)snprintf(d, sizeof d, "one pid, different ");
	if (births)
		used += (size_t)snprintf(d + used, sizeof d - used,
					 "birth_date on its roster rows (households "
					 "%s): ages use the earliest; ", hs);
	if (sexes && used < sizeof d)
		used += (size_t)snprintf(d + used, sizeof d - used,
					 "sex on its roster rows (households %s); ", hs);
	if (names && used < sizeof d)
		used += (size_t)snprintf(d + used, sizeof d - used,
					 "name on its rows in %s (compared as keyed "
					 "digests); ", srcs);
	if (used >= 2 && used < sizeof d)
		d[used - 2] = '\0'; /* the last "; " */
	if (engine_add_finding(v, F_D_ID_CONFLICT, SRC_CIVIL_AFFAIRS, ids[0],
			       ((const roster_row *)vec_at(&e->roster, p->first_row))->pid,
			       "%s", d))
		return hh_fail(err, HH_EINTERNAL, "out of memory adding findings");
	return HH_OK;
}

/* The 6-digit ID region an off-roster person's records hold (housing,
 * medical; the smaller), 0 unknown. */
static int32_t off_roster_region(const engine *e, const uint8_t *pid)
{
	const housing_agg *ho = e->in[SRC_HOUSING].agg
		? ptab_find(e->in[SRC_HOUSING].agg, pid) : NULL;
	const med_agg *md = e->in[SRC_MEDICAL].agg
		? ptab_find(e->in[SRC_MEDICAL].agg, pid) : NULL;
	int32_t a = ho ? ho->id_region : 0, b = md ? (int32_t)md->id_region : 0;
	return a && (!b || a < b) ? a : b;
}

hh_status conflict_off_roster(engine *e, hh_err *err)
{
	for (int s = SRC_EDUCATION; s < SRC_COUNT; s++) {
		ptab *t = e->in[s].agg;
		size_t cur = 0;
		const uint8_t *pid;
		void *rec;
		while (t && ptab_next(t, &cur, &pid, &rec)) {
			int differ;
			uint64_t name = agg_name((source_id)s, rec, &differ);
			if (!name || ptab_find(e->roster_persons, pid) || !dist_owns(e, pid))
				continue;
			/* reported from the first source that names the person */
			int earlier = 0;
			for (int o = SRC_EDUCATION; o < s && !earlier; o++) {
				const void *r = e->in[o].agg ? ptab_find(e->in[o].agg, pid) : NULL;
				int dd;
				earlier = r && agg_name((source_id)o, r, &dd) != 0;
			}
			if (earlier)
				continue;
			uint64_t kept = 0;
			unsigned named = 0, against = 0;
			int names = note_source((source_id)s, rec, 0, &kept, &named, &against);
			for (int o = s + 1; o < SRC_COUNT; o++)
				names |= note_source((source_id)o,
						     e->in[o].agg ? ptab_find(e->in[o].agg, pid)
								  : NULL,
						     0, &kept, &named, &against);
			if (!names)
				continue;
			char srcs[128];
			list_sources(named, srcs, sizeof srcs);
			if (engine_add_finding(&e->findings, F_D_ID_CONFLICT, (source_id)s,
					       NULL, pid,
					       "one pid, different name on its rows in "
					       "%s (compared as keyed digests); not on "
					       "the roster", srcs))
				return hh_fail(err, HH_EINTERNAL, "out of memory adding findings");
			engine_finding_region(&e->findings, off_roster_region(e, pid));
		}
	}
	return HH_OK;
}
