/*
 * repair.c - the rows set aside while the sources were read, resolved
 * once the whole roster is known (design in ingest.c's header comment):
 * ID repair (ingest_repairs: exactly one single-character change gives a
 * roster member with the same name -> D_ID_REPAIRED), and fallback
 * linkage (ingest_link_index, then ingest_links: exactly one roster person
 * with the same name, birth date and sex -> D_ID_LINKED).  Runs on the
 * engine's thread after the workers are joined; the index is built from
 * the complete roster before any row is linked, so the outcome never
 * depends on row order.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain/idnum.h"
#include "domain/pid.h"
#include "engine/engine_int.h"

typedef struct {
	const engine *e;
	uint64_t name_hash;
	uint8_t found[32];
	int matches;
} repair_ctx;

/* Called for each valid candidate ID: a match is a roster person with
 * the same name. */
static int repair_pid(repair_ctx *rc, const uint8_t pid[32], int by_key)
{
	const roster_person *p = ptab_find(rc->e->roster_persons, pid);
	if (!p)
		return 0;
	for (uint32_t i = p->first_row; i != UINT32_MAX;) {
		const roster_row *r = vec_at(&rc->e->roster, i);
		if ((by_key ? r->name_key : r->name_hash) == rc->name_hash) {
			if (rc->matches == 0 || memcmp(rc->found, pid, 32)) {
				memcpy(rc->found, pid, 32);
				rc->matches++;
			}
			break;
		}
		i = r->next_same_pid;
	}
	return rc->matches > 1; /* ambiguous: stop early */
}

static int repair_candidate(const char cand[19], void *ctx)
{
	uint8_t pid[32];
	pid_compute(((repair_ctx *)ctx)->e->cfg->key, cand, pid);
	return repair_pid(ctx, pid, 0);
}

/* A pid extract's candidates: repair_pids, the pids pseudonymize made of
 * the ID's candidates; an entry that is not a pid matches nobody. */
static void repair_keyed(const ingest *in, const deferred_row *d, repair_ctx *rc)
{
	int f = in->map.field_of_col[in->repair_pids_col];
	const char *s = d->buf + d->offsets[f];
	uint8_t pid[32];
	while (*s) {
		const char *end = strchr(s, ';');
		size_t len = end ? (size_t)(end - s) : strlen(s);
		if (!pid_from_hex(s, len, pid) && repair_pid(rc, pid, 1))
			return;
		s += len + (end != NULL);
	}
}

/* The record a set-aside row was, its fields pointing into d->buf
 * (fields holds SCHEMA_MAX_COLS * 2 entries, as ingest.c keeps at most). */
static hh_record deferred_record(const deferred_row *d, hh_field *fields)
{
	for (size_t f = 0; f < d->nfields && f < SCHEMA_MAX_COLS * 2; f++) {
		fields[f].ptr = d->buf + d->offsets[f];
		fields[f].len = d->offsets[f + 1] - d->offsets[f] - 1;
	}
	return (hh_record){.fields = fields, .nfields = d->nfields, .line = d->line};
}

hh_status ingest_repairs(engine *e, ingest *in)
{
	hh_field fields[SCHEMA_MAX_COLS * 2];
	for (size_t i = 0; i < in->deferred.n; i++) {
		deferred_row *d = vec_at(&in->deferred, i);
		if (!d->repairable)
			continue;
		repair_ctx rc = {.e = e, .name_hash = d->name_hash};
		if (d->by_key)
			repair_keyed(in, d, &rc);
		else
			idnum_repairs(d->bad_id, e->cfg->period, repair_candidate, &rc);
		if (rc.matches != 1) {
			if (!d->link_birth) { /* else ingest_links decides */
				d->done = 1;
				HH_TRY(ingest_count_reject(in, d->line, d->reason,
							   in->map.identity_col));
			}
			continue;
		}
		d->done = 1;
		hh_record rec = deferred_record(d, fields);
		schema_row row;
		int bad_col;
		if (d->by_key ? schema_parse_row_except(&in->map, &rec, &row, &bad_col,
							in->map.identity_col) != NULL
			      : schema_parse_row(&in->map, &rec, &row, &bad_col) != NULL) {
			HH_TRY(ingest_count_reject(in, d->line, d->reason,
						   in->map.identity_col));
			continue;
		}
		const roster_person *p = ptab_find(e->roster_persons, rc.found);
		const roster_row *rr = vec_at(&e->roster, p->first_row);
		const household *hh = vec_at(&e->households, rr->household);
		HH_TRY(ingest_accept_row(in, &row, rc.found, rr->birth, rr->sex, d->line));
		if (engine_add_finding(&in->findings, F_D_ID_REPAIRED, in->sid,
				       in->sid == SRC_CIVIL_AFFAIRS ? ingest_household_of(in, &row)
								    : hh->id,
				       rc.found,
				       "%s %s %llu: the ID number failed validation "
				       "(%s); exactly one single-character change "
				       "gives a roster member with the same name, "
				       "and the row was linked to that person",
				       in->src->name, ingest_where(in), (unsigned long long)d->line,
				       d->reason))
			return ingest_oom(in);
	}
	return HH_OK;
}

/* The slot of a linkage key: its own, or the empty one where it goes. */
static link_slot *link_find(const engine *e, uint64_t nh, int32_t birth, int8_t sex)
{
	uint64_t h = nh ^ ((uint64_t)(uint32_t)birth << 2 | (uint8_t)sex) *
				  0x9E3779B97F4A7C15ull;
	for (size_t i = (size_t)(h ^ h >> 29) & e->link_mask;;
	     i = (i + 1) & e->link_mask) {
		link_slot *sl = &e->link_tab[i];
		if (!sl->name_hash ||
		    (sl->name_hash == nh && sl->birth == birth && sl->sex == sex))
			return sl;
	}
}

hh_status ingest_link_index(engine *e, hh_err *err)
{
	int wanted = 0;
	for (int s = 0; s < SRC_COUNT && !wanted; s++)
		for (size_t i = 0; i < e->in[s].deferred.n && !wanted; i++) {
			const deferred_row *d = vec_at(&e->in[s].deferred, i);
			wanted = !d->done && d->link_birth;
		}
	if (!wanted)
		return HH_OK;
	size_t cap = 16;
	while (cap < e->roster.n * 4) /* each row twice: name_hash, name_key */
		cap *= 2;
	e->link_tab = calloc(cap, sizeof *e->link_tab);
	if (!e->link_tab)
		return hh_fail(err, HH_EINTERNAL, "linking rows without an ID: out of memory");
	e->link_mask = cap - 1;
	for (uint32_t i = 0; i < e->roster.n; i++) {
		const roster_row *r = vec_at(&e->roster, i);
		if (!r->birth || !r->sex)
			continue;
		const uint64_t keys[2] = {r->name_hash, r->name_key};
		for (int k = 0; k < 2; k++) {
			if (!keys[k])
				continue;
			link_slot *sl = link_find(e, keys[k], r->birth, r->sex);
			if (!sl->name_hash) {
				*sl = (link_slot){.name_hash = keys[k], .birth = r->birth,
						  .sex = r->sex, .row = i};
			} else if (memcmp(((const roster_row *)vec_at(&e->roster,
								       sl->row))->pid,
					  r->pid, 32)) {
				sl->ambiguous = 1; /* two persons */
			}
		}
	}
	return HH_OK;
}

/* The household a finding about roster person p names: the smallest
 * household id among their roster rows, whatever the rows' order. */
static const char *person_household(const engine *e, const roster_person *p)
{
	const char *best = NULL;
	for (uint32_t i = p->first_row; i != UINT32_MAX;) {
		const roster_row *r = vec_at(&e->roster, i);
		const char *id = ((const household *)vec_at(&e->households, r->household))->id;
		if (!best || strcmp(id, best) < 0)
			best = id;
		i = r->next_same_pid;
	}
	return best;
}

hh_status ingest_links(engine *e, ingest *in)
{
	hh_field fields[SCHEMA_MAX_COLS * 2];
	for (size_t i = 0; i < in->deferred.n; i++) {
		deferred_row *d = vec_at(&in->deferred, i);
		if (d->done)
			continue;
		d->done = 1;
		const link_slot *sl = e->link_tab
			? link_find(e, d->name_hash, d->link_birth, d->link_sex) : NULL;
		hh_record rec = deferred_record(d, fields);
		schema_row row;
		int bad_col;
		if (!d->link_birth || !sl || !sl->name_hash || sl->ambiguous ||
		    schema_parse_row_except(&in->map, &rec, &row, &bad_col,
					    in->map.identity_col)) {
			/* no roster person, or several: rejected as before */
			HH_TRY(ingest_count_reject(in, d->line, d->reason,
						   in->map.identity_col));
			continue;
		}
		const roster_row *rr = vec_at(&e->roster, sl->row);
		const roster_person *p = ptab_find(e->roster_persons, rr->pid);
		uint8_t pid[32];
		memcpy(pid, rr->pid, 32); /* accept_row may grow the roster */
		int32_t birth = rr->birth;
		int8_t sex = rr->sex;
		const char *hid = in->sid == SRC_CIVIL_AFFAIRS ? ingest_household_of(in, &row)
							      : person_household(e, p);
		HH_TRY(ingest_accept_row(in, &row, pid, birth, sex, d->line));
		if (engine_add_finding(&in->findings, F_D_ID_LINKED, in->sid, hid, pid,
				       "%s %s %llu: no usable ID number (%s); the "
				       "name, birth date and sex match exactly one "
				       "roster person, and the row was linked to that "
				       "person",
				       in->src->name, ingest_where(in), (unsigned long long)d->line,
				       d->reason))
			return ingest_oom(in);
	}
	return HH_OK;
}
