/*
 * ingest.c - one source's rows, from bytes to per-person aggregates.
 *
 * A worker thread runs ingest_source for one source: it opens the file
 * (or PostgreSQL slice), maps the header through the schema, and for each
 * record decides, in this order:
 *
 *   malformed quoting, wrong width     -> rejected
 *   a pid extract's key_id (in a row   -> the source is refused (exit 2):
 *   whose values parse) is not the        its pids would link nobody
 *   run's key
 *   a repeat of an earlier record      -> rejected duplicate_row, D_DUP_ROW
 *   (the same typed values, dedup.c;
 *   the same text when a type fails)
 *   a value fails its column's type    -> rejected with the reason
 *   ID number invalid, or no usable    -> set aside for repair when it
 *   ID (empty, not a pid) with every      could be a typo and a name is
 *   other value valid                     given, for linkage when name,
 *                                         birth date and sex are given;
 *                                         otherwise rejected
 *   otherwise                          -> accepted: folded into the
 *                                         source's aggregate (or kept as
 *                                         a roster row)
 *
 * Each ingest owns everything it writes (counts, rejects, findings,
 * aggregates), so workers share nothing but the immutable key, schema and
 * rules.  A source read in morsels by several workers (engine_int.h,
 * split_read) keeps that: the morsels are parsed in parallel
 * (prepare_record: only what handle_record computes without side
 * effects); their valid rows settle into the parts of the source's
 * table, each part owned by one worker at a time and taking the morsels
 * in file order (settle_parts, each part an ingest of its own); the
 * roster's valid rows and every other row are applied by one worker at a
 * time in file order (settle_morsel: the single worker's steps, row
 * after row).  The household table is written only there (or by the one
 * worker reading the roster without morsels); nobody else reads it until
 * all workers are joined.
 *
 * Set-aside rows are resolved by ingest_repairs once the roster is
 * complete: exactly one single-character substitution or adjacent
 * transposition that gives a valid ID of a roster member with the same
 * name links the row (D_ID_REPAIRED).  A row not repaired that gives a
 * name, birth date and sex is then linked by ingest_links to the one
 * roster person with the same three (D_ID_LINKED), looked up in an index
 * built once from the whole roster before any row is linked, so the
 * outcome never depends on row order.  A pid extract's row with an empty
 * pid takes the same path when pseudonymize left repair material: its
 * candidates are repair_pids and its name is name_key, compared with the
 * roster rows' pid_name_key (defer_keyed).  Anything else rejects the row
 * with the original reason.  Counts add up either way: every row read is
 * accepted or rejected exactly once.
 */
#include <ctype.h>
#include <sched.h>
#include <stddef.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <xxhash.h>

#include "connectors/csv.h"
#include "engine/engine_int.h"
#include "domain/delimhint.h"
#include "domain/idnum.h"
#include "connectors/source.h"
#include "base/fsutil.h"
#include "base/hex.h"

hh_status engine_add_finding(vec *v, finding_code code, source_id src,
			     const char *household_id, const uint8_t *pid,
			     const char *fmt, ...)
{
	finding_rec *f = vec_push(v);
	if (!f)
		return HH_EINTERNAL;
	char buf[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	f->code = (uint8_t)code;
	f->source = (uint8_t)src;
	f->household = household_id;
	if (pid) {
		f->has_pid = 1;
		memcpy(f->pid, pid, 32);
	}
	f->detail = strdup(buf);
	return f->detail ? HH_OK : HH_EINTERNAL;
}

void engine_finding_region(vec *v, int32_t id_region)
{
	((finding_rec *)vec_at(v, v->n - 1))->id_region = id_region;
}

hh_status ingest_oom(ingest *in)
{
	return hh_fail(&in->err, HH_EINTERNAL, "%s: %s: out of memory", in->src->name,
		       in->display_path);
}

hh_status ingest_count_reject(ingest *in, uint64_t line, const char *reason,
			      int col)
{
	/* No room for the row in rejects.csv: the run fails rather than
	 * count a row that rejects.csv would not list. */
	reject_rec *r = vec_push(&in->rejects);
	if (!r)
		return ingest_oom(in);
	in->rows_rejected++;
	r->source = (uint8_t)in->sid;
	r->line = line;
	r->reason = reason;
	r->col = (uint8_t)(col + 1);
	for (size_t i = 0; i < in->nreasons; i++)
		if (in->reasons[i].reason == reason ||
		    !strcmp(in->reasons[i].reason, reason)) {
			in->reasons[i].count++;
			if (line < in->reasons[i].first_line)
				in->reasons[i].first_line = line;
			return HH_OK;
		}
	if (in->nreasons < MAX_REASONS)
		in->reasons[in->nreasons++] = (reason_count){reason, 1, line};
	return HH_OK;
}

/* The keyed digest of a row's name (0: none given).  Names are compared
 * only as these digests, held in memory and never written: the seed comes
 * from the run's key (engine_new), so a digest says nothing without it. */
static uint64_t name_hash(const ingest *in, const schema_row *row)
{
	int col = in->name_col;
	if (col < 0 || !(row->present & (1u << col)))
		return 0;
	uint64_t h = XXH3_64bits_withSeed(row->str[col].ptr, row->str[col].len,
					  in->eng->name_seed);
	return h ? h : 1;
}

static int has(const schema_row *row, int col)
{
	return col >= 0 && (row->present & (1u << col));
}

/* A roster row's name as pid_name_key (0: none given), the digest a pid
 * extract's name_key holds: an HMAC, so only roster rows pay for it. */
static uint64_t name_key(const ingest *in, const schema_row *row)
{
	if (!has(row, in->name_col))
		return 0;
	hh_field f = row->str[in->name_col];
	return pid_name_key(in->eng->cfg->key, f.ptr, f.len);
}

/* Widens the range of periods or dates the source's accepted rows hold. */
static void note_span(ingest *in, int32_t v)
{
	if (!in->span_first || v < in->span_first)
		in->span_first = v;
	if (v > in->span_last)
		in->span_last = v;
}

/* The smaller of two ID regions, 0 (unknown) losing: the same whatever
 * the order of a person's rows. */
static int32_t min_region(int32_t kept, int32_t r)
{
	return r && (!kept || r < kept) ? r : kept;
}

/* Folds an accepted row of a non-roster source into its aggregate;
 * id_region is the row's ID region (0 unknown), nh its name's digest. */
hh_status ingest_fold(ingest *in, const schema_row *row, const uint8_t pid[32],
		      uint64_t line, int32_t id_region, uint64_t nh)
{
	const engine *e = in->eng;
	const engine_cols *c = &e->c;
	/* Extracts usually list a person's rows together (hr by person and
	 * period): the previous row's record is then this one's, and still
	 * valid, as nothing else has been added to the table since.  Not for
	 * a table other slices share. */
	void *rec = in->last_rec;
	if (!rec || in->lock || memcmp(in->last_pid, pid, 32)) {
		rec = ptab_upsert(in->agg, pid, NULL);
		if (!rec)
			return ingest_oom(in);
		in->last_rec = rec;
		memcpy(in->last_pid, pid, 32);
	}
	switch (in->sid) {
	case SRC_EDUCATION: {
		edu_agg *a = rec;
		int st = (int)row->val[c->edu_status];
		if (st == c->edu_enrolled) {
			int64_t fees = has(row, c->annual_fees) ? row->val[c->annual_fees] : 0;
			int64_t aid = has(row, c->aid_amount) ? row->val[c->aid_amount] : 0;
			if (fees > aid)
				a->net_fen += fees - aid;
			a->enrolled = 1;
		} else if (st == c->edu_dropped_out) {
			a->dropout = 1;
		}
		a->names_differ |= (uint8_t)engine_note_name(&a->name, nh);
		break;
	}
	case SRC_HR: {
		hr_agg *a = rec;
		int32_t p = has(row, c->hr_period) ? (int32_t)row->val[c->hr_period]
						   : e->cfg->period;
		note_span(in, p);
		a->names_differ |= (uint8_t)engine_note_name(&a->name, nh);
		if (p > e->cfg->period)
			break; /* after the run period: accepted, not counted */
		in->rows_counted++;
		int64_t wage = has(row, c->monthly_wage) ? row->val[c->monthly_wage] : 0;
		int take = 0;
		if (a->period == 0 || p > a->period) {
			if (a->period != 0 && a->latest_wage_max > a->earlier_wage_max)
				a->earlier_wage_max = a->latest_wage_max;
			a->latest_wage_max = wage;
			take = 1;
		} else if (p == a->period) {
			if (wage > a->latest_wage_max)
				a->latest_wage_max = wage;
			take = line > a->line;
		} else if (wage > a->earlier_wage_max) {
			a->earlier_wage_max = wage;
		}
		if (take) {
			a->period = p;
			a->line = line;
			a->status = (uint8_t)row->val[c->employment_status];
			a->employer = has(row, c->employer_type)
					      ? (uint8_t)(row->val[c->employer_type] + 1)
					      : 0;
			a->wage = wage;
			a->benefit = has(row, c->unemployment_benefit)
					     ? row->val[c->unemployment_benefit] : 0;
			a->pension = has(row, c->pension_monthly)
					     ? row->val[c->pension_monthly] : 0;
		}
		break;
	}
	case SRC_HOUSING: {
		housing_agg *a = rec;
		if (a->property_count == 0 && a->rating == 0 && a->damage == 0 &&
		    !a->public_rental)
			a->property_count = -1;
		if (has(row, c->property_count) &&
		    row->val[c->property_count] > a->property_count)
			a->property_count = (int32_t)row->val[c->property_count];
		if (has(row, c->dangerous_rating) &&
		    row->val[c->dangerous_rating] + 1 > a->rating)
			a->rating = (uint8_t)(row->val[c->dangerous_rating] + 1);
		if (has(row, c->disaster_damage) &&
		    row->val[c->disaster_damage] + 1 > a->damage)
			a->damage = (uint8_t)(row->val[c->disaster_damage] + 1);
		if (has(row, c->public_rental) && row->val[c->public_rental])
			a->public_rental = 1;
		a->id_region = min_region(a->id_region, id_region);
		a->names_differ |= (uint8_t)engine_note_name(&a->name, nh);
		break;
	}
	case SRC_MEDICAL: {
		med_agg *a = rec;
		int64_t d = row->val[c->settle_date];
		note_span(in, (int32_t)d);
		if (d >= e->window_start && d <= e->period_end) {
			a->oop_12m_fen += row->val[c->out_of_pocket];
			a->settlements_12m++;
			in->rows_counted++;
		}
		if (has(row, c->insured_status) &&
		    row->val[c->insured_status] == c->ins_deceased)
			a->deceased = 1;
		a->id_region = (uint32_t)min_region((int32_t)a->id_region, id_region);
		if (engine_note_name(&a->name, nh))
			a->names_differ = 1;
		break;
	}
	default:
		break;
	}
	return HH_OK;
}

/* The household a roster row belongs to, created on its first row (id
 * and region copied into the run's arena).  Called in file order, before
 * the row's duplicate check: a repeat names a household its original row
 * created already.  -1 on no memory. */
static int64_t roster_household(ingest *in, const schema_row *row)
{
	engine *e = in->eng;
	const engine_cols *c = &e->c;
	hh_field hid = row->str[c->household_id];
	int added = 0;
	/* Rosters list a household's members together: the previous row's
	 * household is the likely one, and comparing is cheaper than hashing. */
	int64_t h = e->last_household;
	if (h >= 0) {
		const household *ph = vec_at(&e->households, (size_t)h);
		if (strncmp(ph->id, hid.ptr, hid.len) || ph->id[hid.len] != '\0')
			h = -1;
	}
	if (h < 0) { /* the id is kept in the run's arena when new */
		const char *key;
		h = strtab_get_or_add(e->household_ids, hid.ptr, hid.len,
				      (uint32_t)e->households.n, &key, &added);
		if (h < 0)
			return -1;
		if (added) {
			household *hh = vec_push(&e->households);
			hh_field reg = row->str[c->region_code];
			if (!hh || !(hh->region = arena_strndup(e->strings, reg.ptr, reg.len)))
				return -1;
			hh->id = key;
			hh->category = (int8_t)row->val[c->category];
		}
	}
	e->last_household = h;
	return h;
}

/* Keeps an accepted roster row of household h (roster_household) and
 * links it to its person. */
static hh_status keep_roster_row(ingest *in, const schema_row *row,
				 const uint8_t pid[32], int32_t birth, int8_t sex,
				 uint64_t line, uint32_t h, uint64_t name_hash,
				 uint64_t nkey)
{
	engine *e = in->eng;
	const engine_cols *c = &e->c;
	int created;
	roster_person *p = ptab_upsert(e->roster_persons, pid, &created);
	roster_row *r = vec_push(&e->roster);
	if (!p || !r)
		return ingest_oom(in);
	memcpy(r->pid, pid, 32);
	r->line = line;
	r->income_fen = row->val[c->household_income];
	r->name_hash = name_hash;
	r->name_key = nkey;
	r->household = h;
	r->birth = birth;
	r->sex = sex;
	r->category = (int8_t)row->val[c->category];
	r->relation = has(row, c->relation) ? (int8_t)row->val[c->relation] : -1;
	r->status = has(row, c->ca_status) ? (int8_t)row->val[c->ca_status]
					   : (int8_t)c->st_active;
	r->disability = has(row, c->disability_grade)
				? (int8_t)row->val[c->disability_grade] : -1;
	household_link_row(e, (uint32_t)(e->roster.n - 1), p, created);
	return HH_OK;
}

/* A roster row's sex (1 male, 2 female): a pid extract's sex column (0
 * when not given), or a raw ID's own (norm: the normalised number), so
 * one pid cannot carry two. */
static int8_t row_sex(const ingest *in, const schema_row *row, const char *norm)
{
	if (!in->map.has_pid)
		return (int8_t)idnum_sex(norm);
	return has(row, in->sex_col) ? (int8_t)row->val[in->sex_col] : 0;
}

/* Accepts a repaired or linked row onto a roster person whose birth date
 * and sex are birth and sex (every other valid row is held back and
 * settled by settle_pending). */
hh_status ingest_accept_row(ingest *in, const schema_row *row, const uint8_t pid[32],
			    int32_t birth, int8_t sex, uint64_t line)
{
	in->rows_accepted++;
	if (in->sid != SRC_CIVIL_AFFAIRS && !dist_owns(in->eng, pid))
		return dist_forward_row(in, row, pid, line, name_hash(in, row));
	if (in->sid != SRC_CIVIL_AFFAIRS) /* repaired onto a roster person */
		return ingest_fold(in, row, pid, line, 0, name_hash(in, row));
	int64_t h = roster_household(in, row);
	if (h < 0)
		return ingest_oom(in);
	return keep_roster_row(in, row, pid, birth, sex, line, (uint32_t)h,
			       name_hash(in, row), name_key(in, row));
}

const char *ingest_household_of(ingest *in, const schema_row *row)
{
	int col = in->eng->c.household_id;
	if (in->sid != SRC_CIVIL_AFFAIRS || !has(row, col))
		return NULL;
	return arena_strndup(in->eng->strings, row->str[col].ptr,
			     row->str[col].len);
}

/* The 6-digit region of a valid row's ID: from the number, or a pid
 * extract's id_region (its first six digits); 0 unknown. */
static int32_t row_region(const ingest *in, const schema_row *row,
			  const char norm[19])
{
	if (!in->map.has_pid)
		return idnum_region(norm);
	if (!has(row, in->id_region_col))
		return 0;
	int32_t v = 0;
	for (int i = 0; i < 6; i++) /* 6-12 digits: checked by the schema */
		v = v * 10 + (row->str[in->id_region_col].ptr[i] - '0');
	return v;
}

/* Identity of a valid row: pid and birth date.  Returns an idnum reason
 * when the ID fails; fills bad[] for a possible repair. */
static id_result identify(const ingest *in, const schema_row *row, uint8_t pid[32],
			  int32_t *birth, char bad[19])
{
	const engine *e = in->eng;
	hh_field f = row->str[in->map.identity_col];
	if (in->map.has_pid) {
		memcpy(pid, row->pid, 32); /* decoded by schema_parse_row */
		*birth = has(row, in->birth_col) ? (int32_t)row->val[in->birth_col] : 0;
		return ID_OK;
	}
	id_result r = idnum_normalize(f.ptr, f.len, e->cfg->period, bad);
	if (r != ID_OK)
		return r;
	pid_compute(e->cfg->key, bad, pid);
	*birth = idnum_birth_date(bad);
	return ID_OK;
}

/* A row without a usable ID: its linkage key, the birth date and sex it
 * states (read from the columns even in an extract with id_number, whose
 * valid rows take them from the number), into *birth and *sex; 0 when
 * either is missing or invalid. */
static int32_t link_key(const ingest *in, const hh_record *rec, int8_t *sex)
{
	int64_t b, x;
	if (!schema_read_unread(&in->map, rec, in->birth_col, &b) ||
	    !schema_read_unread(&in->map, rec, in->sex_col, &x))
		return 0;
	*sex = (int8_t)x;
	return (int32_t)b;
}

/* Sets a row aside for ingest_repairs (repairable: bad may be a typo) or
 * ingest_links (birth: its linkage key; 0 none); reason is what rejects
 * it if neither links it. */
static hh_status defer_row(ingest *in, const hh_record *rec,
			   const char bad[19], const char *reason, uint64_t nh,
			   int repairable, int32_t birth, int8_t sex)
{
	deferred_row *d = vec_push(&in->deferred);
	size_t total = 0;
	if (!d)
		return ingest_oom(in);
	for (size_t i = 0; i < rec->nfields; i++)
		total += rec->fields[i].len + 1;
	d->buf = malloc(total ? total : 1);
	d->offsets = malloc((rec->nfields + 1) * sizeof *d->offsets);
	if (!d->buf || !d->offsets)
		return ingest_oom(in);
	size_t off = 0;
	for (size_t i = 0; i < rec->nfields; i++) {
		d->offsets[i] = (uint32_t)off;
		memcpy(d->buf + off, rec->fields[i].ptr, rec->fields[i].len);
		off += rec->fields[i].len;
		d->buf[off++] = '\0';
	}
	d->offsets[rec->nfields] = (uint32_t)off;
	d->nfields = rec->nfields;
	d->line = rec->line;
	memcpy(d->bad_id, bad, 19);
	d->reason = reason;
	d->name_hash = nh;
	d->repairable = (uint8_t)repairable;
	d->by_key = 0;
	d->link_birth = birth;
	d->link_sex = sex;
	d->done = 0;
	return HH_OK;
}

/* A pid extract's row with an empty pid, every other value valid: set
 * aside like a raw row whose ID fails when pseudonymize left repair
 * material (repair_pids and a name_key, or a name_key, birth date and
 * sex); rejected with why otherwise. */
static hh_status defer_keyed(ingest *in, const hh_record *rec,
			     const schema_row *row, const char *why)
{
	static const char no_id[19];
	uint8_t k[8];
	uint64_t nk = 0;
	int8_t sex = 0;
	if (has(row, in->name_key_col) && row->str[in->name_key_col].len == 16 &&
	    !hex_decode(row->str[in->name_key_col].ptr, sizeof k, k))
		for (int i = 0; i < 8; i++)
			nk = nk << 8 | k[i];
	int32_t b = nk ? link_key(in, rec, &sex) : 0;
	int repairable = nk && has(row, in->repair_pids_col);
	if (!repairable && !b)
		return ingest_count_reject(in, rec->line, why, in->map.identity_col);
	HH_TRY(defer_row(in, rec, no_id, why, nk, repairable, b, sex));
	((deferred_row *)vec_at(&in->deferred, in->deferred.n - 1))->by_key = 1;
	return HH_OK;
}

/* How a row's position reads in a detail: a file line, or the hh_row
 * number of a PostgreSQL source. */
const char *ingest_where(const ingest *in)
{
	return in->row_col >= 0 ? "hh_row" : "line";
}

const char ingest_dup_reason[] = "duplicate_row";

/* A repeat: the row at line is rejected, first is the occurrence that
 * counts (the smallest line with the same fingerprint). */
static hh_status report_dup(ingest *in, uint64_t line, uint64_t first,
			    const char *household_id, const uint8_t *pid,
			    int32_t id_region)
{
	HH_TRY(ingest_count_reject(in, line, ingest_dup_reason, -1));
	in->rows_duplicate++;
	if (engine_add_finding(&in->findings, F_D_DUP_ROW, in->sid, household_id, pid,
			       "%s %llu repeats %s %llu of %s (the same values "
			       "once read: amounts, dates, codes, ID); the repeat "
			       "was rejected and the row counts once",
			       ingest_where(in), (unsigned long long)line, ingest_where(in),
			       (unsigned long long)first, in->src->name))
		return ingest_oom(in);
	engine_finding_region(&in->findings, id_region);
	return HH_OK;
}

/* A valid row's duplicate check and fold (or keeping, for the roster). */
hh_status ingest_settle_row(ingest *in, const pending_row *p)
{
	uint64_t rejected;
	hh_status st;
	if (in->lock)
		pthread_mutex_lock(in->lock);
	int dup = rowset_add(in->dups, p->lo, p->hi, p->line, &rejected);
	if (dup < 0)
		st = ingest_oom(in);
	else if (dup)
		st = report_dup(in, rejected, rowset_line(in->dups, p->lo, p->hi),
				in->sid == SRC_CIVIL_AFFAIRS
			? ((const household *)vec_at(&in->eng->households, p->household))->id
			: NULL, p->pid, p->id_region);
	else {
		in->rows_accepted++;
		st = in->sid == SRC_CIVIL_AFFAIRS
			? keep_roster_row(in, &p->row, p->pid, p->birth, p->sex,
					  p->line, p->household, p->name_hash,
					  p->name_key)
			: ingest_fold(in, &p->row, p->pid, p->line, p->id_region,
			       p->name_hash);
	}
	if (in->lock)
		pthread_mutex_unlock(in->lock);
	return st;
}

/* The row held back one step (see handle_record) settles now: while the
 * next row was being parsed its memory was on its way into the cache. */
static hh_status settle_pending(ingest *in)
{
	if (!in->pend.full)
		return HH_OK;
	in->pend.full = 0;
	return ingest_settle_row(in, &in->pend);
}

/* A pid extract's key_id column, when the row has one, must name the
 * run's key: pids made under another key link nobody, and the rules that
 * need the source would go silent.  The value is printed only when it has
 * the shape of a key_id (8 hex characters): a misplaced column could hold
 * anything. */
static int key_id_ok(const ingest *in, const schema_row *row)
{
	if (!in->map.has_pid || !has(row, in->key_id_col))
		return 1;
	hh_field f = row->str[in->key_id_col];
	return f.len == 8 && !strncasecmp(f.ptr, pid_key_id(in->eng->cfg->key), 8);
}

static hh_status check_key_id(ingest *in, const schema_row *row, uint64_t line)
{
	if (key_id_ok(in, row))
		return HH_OK;
	hh_field f = row->str[in->key_id_col];
	const char *mine = pid_key_id(in->eng->cfg->key);
	int hex = f.len == 8;
	for (uint32_t i = 0; hex && i < f.len; i++)
		hex = isxdigit((unsigned char)f.ptr[i]) != 0;
	if (!hex)
		return hh_fail(&in->err, HH_EINPUT,
			       "%s: %s: %s %llu: the key_id column holds something "
			       "other than a key_id (8 hex characters); this run's "
			       "key is %s; pseudonymise the extract again with "
			       "hhmatch pseudonymize and this key",
			       in->src->name, in->display_path, ingest_where(in),
			       (unsigned long long)line, mine);
	return hh_fail(&in->err, HH_EINPUT,
		       "%s: %s: %s %llu: pseudonymised under key_id %.8s, this "
		       "run's key is %s; pseudonymise it again with this key",
		       in->src->name, in->display_path, ingest_where(in),
		       (unsigned long long)line, f.ptr, mine);
}

/* Decides one record.  The common case, a valid row, is held back one
 * step: its table slots are prefetched now and
 * it is settled when the next record comes, because a random probe into
 * tables of hundreds of megabytes costs as much as parsing a row, and this
 * way the two overlap.  Every other case settles the held row first and is
 * decided at once, so rows enter the duplicate set in file order. */
hh_status ingest_handle(ingest *in, const hh_record *rec)
{
	schema_row row;
	int bad_col;
	uint8_t pid[32];
	int32_t birth = 0;
	char bad[19];
	const char *why = rec->malformed ? "malformed_quotes"
		: rec->nfields != in->map.nfields ? "column_count" : NULL;
	if (why)
		return ingest_count_reject(in, rec->line, why, -1);
	uint64_t lo = 0, hi = 0;
	why = schema_parse_row(&in->map, rec, &row, &bad_col);
	if (!why)
		HH_TRY(check_key_id(in, &row, rec->line));
	id_result idr = why ? ID_EMPTY : identify(in, &row, pid, &birth, bad);
	if (why)
		HH_TRY(dedup_fingerprint_text(in, rec, &lo, &hi));
	else
		HH_TRY(dedup_fingerprint_typed(in, &row, idr == ID_OK ? bad : NULL,
					       &lo, &hi));
	if (!why && idr == ID_OK) {
		/* ingest_prepare decides every valid row of a source read in
		 * morsels (or across ranks) the same way: only a bug brings one here, where it
		 * would be folded outside its part's turn */
		if (in->split || in->dist)
			return hh_fail(&in->err, HH_EINTERNAL,
				       "%s: %s: %s %llu: a valid row was not prepared",
				       in->src->name, in->display_path, ingest_where(in),
				       (unsigned long long)rec->line);
		HH_TRY(settle_pending(in));
		pending_row *p = &in->pend;
		if (in->sid == SRC_CIVIL_AFFAIRS) {
			/* the row's text is gone by the time it settles */
			int64_t h = roster_household(in, &row);
			if (h < 0)
				return ingest_oom(in);
			p->household = (uint32_t)h;
			p->birth = birth;
			p->sex = row_sex(in, &row, bad);
			p->name_key = name_key(in, &row);
		}
		p->name_hash = name_hash(in, &row);
		p->full = 1;
		/* a roster row's region is its household's */
		p->id_region = in->sid == SRC_CIVIL_AFFAIRS ? 0 : row_region(in, &row, bad);
		p->lo = lo;
		p->hi = hi;
		p->line = rec->line;
		memcpy(p->pid, pid, 32);
		memcpy(p->row.val, row.val, sizeof row.val);
		p->row.present = row.present;
		if (!in->lock) { /* shared tables may be rehashed by another slice */
			rowset_prefetch(in->dups, lo);
			ptab_prefetch(in->agg ? in->agg : in->eng->roster_persons, pid);
		}
		return HH_OK;
	}
	HH_TRY(settle_pending(in));
	uint64_t rejected;
	if (in->lock)
		pthread_mutex_lock(in->lock);
	int dup = rowset_add(in->dups, lo, hi, rec->line, &rejected);
	uint64_t first = dup > 0 ? rowset_line(in->dups, lo, hi) : 0;
	if (in->lock)
		pthread_mutex_unlock(in->lock);
	if (dup < 0)
		return ingest_oom(in);
	if (dup) /* a valid row is settled above: this one has no pid */
		return report_dup(in, rejected, first, why ? NULL : ingest_household_of(in, &row),
				  NULL, 0);
	static const char no_id[19];
	int8_t sex = 0;
	if (why && bad_col == in->map.identity_col) {
		/* no usable ID (empty, or not a pid): linkable when every
		 * other value is valid and name, birth date and sex are given */
		int ignored;
		if (!schema_parse_row_except(&in->map, rec, &row, &ignored,
					     in->map.identity_col)) {
			if (in->map.has_pid)
				return defer_keyed(in, rec, &row, why);
			uint64_t nh = name_hash(in, &row);
			int32_t b = nh ? link_key(in, rec, &sex) : 0;
			if (b)
				return defer_row(in, rec, no_id, why, nh, 0, b, sex);
		}
	}
	if (why)
		return ingest_count_reject(in, rec->line, why, bad_col);
	uint64_t nh = name_hash(in, &row); /* the ID failed */
	int32_t b = nh ? link_key(in, rec, &sex) : 0;
	int repairable = nh && idnum_repairable(idr);
	if (repairable || b)
		return defer_row(in, rec, bad, idnum_reason(idr), nh, repairable,
				 b, sex);
	return ingest_count_reject(in, rec->line, idnum_reason(idr),
				   in->map.identity_col);
}

static hh_status open_reader(ingest *in, csv_reader **r)
{
	ins_opts o = {.source = in->src->name,
		      .encoding = in->encoding,
		      .want_sha256 = 1,
		      .cancel = in->eng->cfg->cancel};
	hh_instream *s;
	HH_TRY(src_open(in->path, in->slice, in->nslices, &o, &s, &in->err));
	csv_opts co = {.delim = in->delim};
	return csv_open(s, &co, r, &in->err);
}

/* Tells the source's tables how big they will end, projected from the
 * share of the file read so far (raw bytes, compressed for gzip), so
 * they grow to about that size and no further (vec.h, table_grown).  A
 * projection that falls short only means later growth.  Not for
 * PostgreSQL sources (no size known) or shared tables. */
static void project_sizes(ingest *in, uint64_t raw_done, uint64_t total)
{
	if (!raw_done || total <= raw_done || in->lock)
		return;
	double scale = (double)total / (double)raw_done * 1.03;
	/* a source read in morsels: its parts project their own tables */
	if (!in->split || in->sid == SRC_CIVIL_AFFAIRS) {
		ptab *t = in->agg ? in->agg : in->eng->roster_persons;
		ptab_expect(t, (size_t)((double)ptab_count(t) * scale));
	}
	rowset_expect(in->dups, (size_t)((double)rowset_count(in->dups) * scale));
}

/* The hh_row column a PostgreSQL source adds: its value replaces the
 * line in rejects and messages. */
static int find_row_column(const hh_record *hdr)
{
	for (size_t i = 0; i < hdr->nfields; i++)
		if (hdr->fields[i].len == 6 &&
		    !strncasecmp(hdr->fields[i].ptr, "hh_row", 6))
			return (int)i;
	return -1;
}

uint64_t ingest_row_number(const hh_record *rec, int col)
{
	uint64_t v = 0;
	if (col < 0 || (size_t)col >= rec->nfields)
		return rec->line;
	for (uint32_t i = 0; i < rec->fields[col].len; i++)
		v = v * 10 + (uint64_t)(rec->fields[col].ptr[i] - '0');
	return v;
}

/* --- morsel-driven reading (engine_int.h, split_read) ------------------ */

static void split_free(ingest *in);

hh_status ingest_split_init(ingest *in, size_t rows, int ring)
{
	split_read *sp = calloc(1, sizeof *sp);
	if (!sp)
		return HH_EINTERNAL;
	if (pthread_mutex_init(&sp->read_lock, NULL)) {
		free(sp);
		return HH_EINTERNAL;
	}
	if (pthread_mutex_init(&sp->lock, NULL)) {
		pthread_mutex_destroy(&sp->read_lock);
		free(sp);
		return HH_EINTERNAL;
	}
	if (pthread_cond_init(&sp->cond, NULL)) {
		pthread_mutex_destroy(&sp->lock);
		pthread_mutex_destroy(&sp->read_lock);
		free(sp);
		return HH_EINTERNAL;
	}
	sp->rows_per_morsel = rows ? rows : 1;
	sp->ring = ring < 2 ? 2 : ring > MORSEL_RING ? MORSEL_RING : ring;
	atomic_init(&sp->state, 0);
	atomic_init(&sp->part_failed, 0);
	int p = 0;
	for (; p < INGEST_PARTS; p++) {
		if (pthread_mutex_init(&sp->parts[p].lock, NULL))
			break;
		if (pthread_cond_init(&sp->parts[p].turn, NULL)) {
			pthread_mutex_destroy(&sp->parts[p].lock);
			break;
		}
	}
	in->split = sp;
	if (p < INGEST_PARTS) {
		sp->nparts_ready = p;
		split_free(in);
		return HH_EINTERNAL;
	}
	sp->nparts_ready = p;
	return HH_OK;
}

static void split_free(ingest *in)
{
	split_read *sp = in->split;
	if (!sp)
		return;
	for (int i = 0; i < MORSEL_RING; i++)
		ingest_morsel_free(&sp->slot[i]);
	for (int p = 0; p < sp->nparts_ready; p++) {
		ingest *pin = sp->parts[p].in;
		if (pin) {
			rowset_free(pin->dups);
			ingest_free(pin);
			free(pin);
		}
		pthread_cond_destroy(&sp->parts[p].turn);
		pthread_mutex_destroy(&sp->parts[p].lock);
	}
	pthread_cond_destroy(&sp->cond);
	pthread_mutex_destroy(&sp->lock);
	pthread_mutex_destroy(&sp->read_lock);
	free(sp);
	in->split = NULL;
}

void ingest_morsel_free(morsel *m)
{
	free(m->rec);
	free(m->fields);
	free(m->foff);
	free(m->text);
	free(m->rows);
	free(m->by_part);
	memset(m, 0, sizeof *m);
}

void ingest_morsel_point(morsel *m)
{
	for (size_t i = 0; i < m->nfields; i++)
		m->fields[i].ptr = m->text + m->foff[i];
}

/* Room in m for one more record of nf fields and up to text bytes. */
static int morsel_room(morsel *m, size_t rows, size_t nf, size_t text)
{
	if (!m->rows) {
		m->rows = malloc(rows * sizeof *m->rows);
		m->rec = malloc(rows * sizeof *m->rec);
		m->by_part = malloc(rows * sizeof *m->by_part);
		if (!m->rows || !m->rec || !m->by_part)
			return 0;
		m->rec_cap = rows;
	}
	if (m->nfields + nf > m->fields_cap) {
		size_t cap = (m->nfields + nf) * 2;
		hh_field *f = realloc(m->fields, cap * sizeof *f);
		if (f)
			m->fields = f;
		uint32_t *o = realloc(m->foff, cap * sizeof *o);
		if (o)
			m->foff = o;
		if (!f || !o)
			return 0;
		m->fields_cap = cap;
	}
	if (m->text_len + text > m->text_cap) {
		size_t cap = (m->text_len + text) * 2;
		char *t = realloc(m->text, cap);
		if (!t)
			return 0;
		m->text = t;
		m->text_cap = cap;
	}
	return 1;
}

/* Copies a record into m.  Its fields keep the layout dedup.c looks at:
 * a field that lay one byte after the previous one in the reader's
 * buffer does so in the copy, with the same byte between them (the text
 * fingerprint hashes such a record in place), any other is two bytes
 * away.  Offsets only: the text may still move (fields are pointed at
 * it once the morsel is read). */
int ingest_morsel_add(morsel *m, size_t rows, const hh_record *rec)
{
	size_t text = 0;
	for (size_t i = 0; i < rec->nfields; i++)
		text += rec->fields[i].len + 2;
	if (!morsel_room(m, rows, rec->nfields, text))
		return 0;
	morsel_rec *mr = &m->rec[m->n++];
	mr->first = (uint32_t)m->nfields;
	mr->n = (uint32_t)rec->nfields;
	mr->line = rec->line;
	mr->malformed = (uint8_t)(rec->malformed != 0);
	mr->bad_encoding = (uint8_t)(rec->bad_encoding != 0);
	for (size_t i = 0; i < rec->nfields; i++) {
		const hh_field *f = &rec->fields[i];
		if (i > 0) {
			const hh_field *p = &rec->fields[i - 1];
			if (f->ptr == p->ptr + p->len + 1)
				m->text[m->text_len++] = p->ptr[p->len];
			else { /* zeros: the gap travels as it is (dist.c) */
				m->text[m->text_len++] = '\0';
				m->text[m->text_len++] = '\0';
			}
		}
		m->foff[m->nfields] = (uint32_t)m->text_len;
		m->fields[m->nfields].len = f->len;
		m->nfields++;
		memcpy(m->text + m->text_len, f->ptr, f->len);
		m->text_len += f->len;
	}
	return 1;
}

/* Reads the next morsel into m (under read_lock).  A read error, or a
 * signal, ends the input after the records read before it: the error is
 * applied in its turn, after them, as the single worker would. */
static void read_morsel(ingest *in, split_read *sp, morsel *m)
{
	hh_record rec;
	int got;
	m->n = m->nfields = m->text_len = 0;
	m->end = engine_check_cancel(in->eng, &m->end_err);
	m->last = m->end != HH_OK;
	while (!m->last && m->n < sp->rows_per_morsel) {
		m->end = csv_next(sp->r, &rec, &got, &m->end_err);
		if (m->end != HH_OK || !got) {
			m->last = 1;
			break;
		}
		rec.line = ingest_row_number(&rec, sp->rowcol);
		if (!ingest_morsel_add(m, sp->rows_per_morsel, &rec)) {
			m->end = hh_fail(&m->end_err, HH_EINTERNAL, "%s: %s: out of memory",
					 in->src->name, in->display_path);
			m->last = 1;
		}
	}
	ingest_morsel_point(m);
	m->raw_done = ins_raw_offset(csv_stream(sp->r));
}

hh_record ingest_morsel_record(const morsel *m, size_t i)
{
	const morsel_rec *mr = &m->rec[i];
	return (hh_record){.fields = m->fields + mr->first, .nfields = mr->n,
			   .line = mr->line, .malformed = mr->malformed,
			   .bad_encoding = mr->bad_encoding};
}

/* The pure part of handle_record: p->full = 1 and *p filled when the
 * row is valid with a valid ID (the common case, settled into its part
 * by settle_parts, or for the roster in its turn by settle_morsel), 0
 * for anything else, which is decided by handle_record itself in the
 * record's turn, -1 when its fingerprint could not be made (no memory). */
void ingest_prepare(const ingest *in, char **scratch, size_t *cap,
			   const hh_record *rec, pending_row *p)
{
	/* parsed in place: copying the values out of a row just parsed
	 * stalls on the stores that wrote them */
	schema_row *row = &p->row;
	int bad_col;
	int32_t birth = 0;
	char bad[19];
	p->full = 0;
	if (rec->malformed || rec->nfields != in->map.nfields ||
	    schema_parse_row(&in->map, rec, row, &bad_col) || !key_id_ok(in, row) ||
	    identify(in, row, p->pid, &birth, bad) != ID_OK)
		return;
	if (dedup_typed_into(in, scratch, cap, row, bad, &p->lo, &p->hi)) {
		p->full = -1;
		return;
	}
	p->name_hash = name_hash(in, row);
	p->line = rec->line;
	p->full = 1;
	if (in->sid != SRC_CIVIL_AFFAIRS) {
		p->id_region = row_region(in, row, bad);
		return;
	}
	/* a roster row's region is its household's, found when it settles
	 * (settle_morsel) from the row's text, still in the morsel then */
	p->id_region = 0;
	p->birth = birth;
	p->sex = row_sex(in, row, bad);
	p->name_key = name_key(in, row);
}

/* How far ahead settle_part fetches the slots of the rows to come: a
 * probe into a table of tens of megabytes misses the cache, and several
 * in flight overlap. */
#define PREFETCH_AHEAD 4

/* Settles morsel m's valid rows of part p into the part's ingest, in
 * file order, and lets its tables know how big they are heading for
 * (project_sizes). */
static hh_status settle_part(ingest *pin, const morsel *m, unsigned p, uint64_t total)
{
	const uint32_t *idx = m->by_part + m->part_start[p];
	size_t n = m->part_start[p + 1] - m->part_start[p];
	if (m->raw_done && total > m->raw_done && n) {
		double scale = (double)total / (double)m->raw_done * 1.03;
		ptab_expect_part(pin->agg, p,
				 (size_t)((double)ptab_count_part(pin->agg, p) * scale));
		rowset_expect(pin->dups, (size_t)((double)rowset_count(pin->dups) * scale));
	}
	for (size_t i = 0; i < n; i++) {
		if (i + PREFETCH_AHEAD < n) {
			const pending_row *q = &m->rows[idx[i + PREFETCH_AHEAD]];
			rowset_prefetch(pin->dups, q->lo);
			ptab_prefetch(pin->agg, q->pid);
		}
		HH_TRY(ingest_settle_row(pin, &m->rows[idx[i]]));
	}
	return HH_OK;
}

/* Settles morsel m's valid rows part after part, each when the part has
 * settled the morsel before (its turn); a part that fails stops the
 * settling of every part (the run fails), but turns still pass so that
 * nobody waits for ever. */
static void settle_parts(ingest *in, const morsel *m)
{
	split_read *sp = in->split;
	for (unsigned p = 0; p < INGEST_PARTS; p++) {
		split_part *sq = &sp->parts[p];
		pthread_mutex_lock(&sq->lock);
		while (sq->next != m->seq)
			pthread_cond_wait(&sq->turn, &sq->lock);
		pthread_mutex_unlock(&sq->lock);
		/* the turn is this worker's alone: nobody else touches the part */
		if (!atomic_load(&sp->part_failed) &&
		    settle_part(sq->in, m, p, sp->total) != HH_OK) {
			pthread_mutex_lock(&sp->lock);
			if (!atomic_load(&sp->part_failed))
				sp->part_err = sq->in->err;
			atomic_store(&sp->part_failed, 1);
			pthread_mutex_unlock(&sp->lock);
		}
		pthread_mutex_lock(&sq->lock);
		sq->next++;
		pthread_cond_broadcast(&sq->turn);
		pthread_mutex_unlock(&sq->lock);
	}
}

/* Groups morsel m's valid rows by part (by_part, part_start). */
static void group_by_part(const ingest *in, morsel *m)
{
	uint32_t count[INGEST_PARTS] = {0};
	for (size_t i = 0; i < m->n; i++)
		if (m->rows[i].full > 0)
			count[ptab_part(in->agg, m->rows[i].pid)]++;
	m->part_start[0] = 0;
	for (unsigned p = 0; p < INGEST_PARTS; p++) {
		m->part_start[p + 1] = m->part_start[p] + count[p];
		count[p] = m->part_start[p];
	}
	for (size_t i = 0; i < m->n; i++)
		if (m->rows[i].full > 0)
			m->by_part[count[ptab_part(in->agg, m->rows[i].pid)]++] = (uint32_t)i;
}

/* Applies the rest of morsel m's records to the source, in order: the
 * single worker's loop body for each but the valid rows, which its parts
 * have settled already. */
static hh_status settle_morsel(ingest *in, morsel *m)
{
	split_read *sp = in->split;
	if (atomic_load(&sp->part_failed)) {
		pthread_mutex_lock(&sp->lock);
		in->err = sp->part_err;
		pthread_mutex_unlock(&sp->lock);
		return HH_EINTERNAL;
	}
	int roster = in->sid == SRC_CIVIL_AFFAIRS;
	for (size_t i = 0; i < m->n; i++) {
		pending_row *p = &m->rows[i];
		in->rows_read++;
		if (p->full > 0 && roster) {
			/* the roster's rows settle here, in file order: they make
			 * its households in that order */
			size_t k = i + PREFETCH_AHEAD;
			if (k < m->n && m->rows[k].full > 0) {
				rowset_prefetch(in->dups, m->rows[k].lo);
				ptab_prefetch(in->eng->roster_persons, m->rows[k].pid);
			}
			int64_t h = roster_household(in, &p->row);
			if (h < 0)
				return ingest_oom(in);
			p->household = (uint32_t)h;
			HH_TRY(ingest_settle_row(in, p));
			continue;
		}
		if (p->full > 0) /* settled in its part already */
			continue;
		if (p->full < 0)
			return ingest_oom(in);
		hh_record rec = ingest_morsel_record(m, i);
		HH_TRY(ingest_handle(in, &rec));
	}
	atomic_store(&in->prog_rows, in->rows_read);
	atomic_store(&in->prog_bytes, m->raw_done);
	project_sizes(in, m->raw_done, in->split->total);
	if (m->end != HH_OK)
		in->err = m->end_err;
	return m->end;
}

/* Settles the parsed morsels whose turn it is, while there are any and
 * nobody else is settling (whoever is, looks again when done). */
static void settle_ready(ingest *in)
{
	split_read *sp = in->split;
	for (;;) {
		pthread_mutex_lock(&sp->lock);
		morsel *m = &sp->slot[sp->next_settle % (uint64_t)sp->ring];
		if (sp->settling || sp->next_settle == sp->next_read || !m->ready) {
			pthread_mutex_unlock(&sp->lock);
			return;
		}
		sp->settling = 1;
		int failed = sp->failed;
		pthread_mutex_unlock(&sp->lock);
		hh_status st = failed ? HH_OK : settle_morsel(in, m);
		pthread_mutex_lock(&sp->lock);
		if (st != HH_OK && !sp->failed) {
			sp->failed = 1;
			sp->st = st;
		}
		m->ready = 0;
		sp->next_settle++;
		sp->settling = 0;
		pthread_cond_broadcast(&sp->cond);
		pthread_mutex_unlock(&sp->lock);
	}
}

/* Takes the next morsel of in, parses it and settles what can be: 1, or
 * 0 when there is nothing left to read. */
static int morsel_work(ingest *in, char **scratch, size_t *cap)
{
	split_read *sp = in->split;
	pthread_mutex_lock(&sp->read_lock);
	pthread_mutex_lock(&sp->lock);
	while (!sp->reading_done && !sp->failed &&
	       sp->next_read - sp->next_settle >= (uint64_t)sp->ring)
		pthread_cond_wait(&sp->cond, &sp->lock);
	if (sp->reading_done || sp->failed) {
		pthread_mutex_unlock(&sp->lock);
		pthread_mutex_unlock(&sp->read_lock);
		return 0;
	}
	morsel *m = &sp->slot[sp->next_read % (uint64_t)sp->ring];
	m->seq = sp->next_read++;
	pthread_mutex_unlock(&sp->lock);
	read_morsel(in, sp, m);
	if (m->last) {
		sp->reading_done = 1;
		atomic_store(&sp->state, 2);
	}
	pthread_mutex_unlock(&sp->read_lock);
	for (size_t i = 0; i < m->n; i++) {
		hh_record rec = ingest_morsel_record(m, i);
		ingest_prepare(in, scratch, cap, &rec, &m->rows[i]);
	}
	if (in->sid != SRC_CIVIL_AFFAIRS) {
		group_by_part(in, m);
		settle_parts(in, m);
	}
	pthread_mutex_lock(&sp->lock);
	m->ready = 1;
	pthread_mutex_unlock(&sp->lock);
	settle_ready(in);
	return 1;
}

int ingest_help(engine *e, char **scratch, size_t *cap)
{
	int did = 0, waiting = 0;
	for (int s = 0; s < SRC_COUNT; s++) {
		ingest *in = &e->in[s];
		if (!in->split)
			continue;
		int state = atomic_load(&in->split->state);
		if (state == 0)
			waiting = 1; /* its worker is opening it */
		else if (state == 1)
			while (morsel_work(in, scratch, cap))
				did = 1;
	}
	if (!did && waiting)
		sched_yield();
	return did || waiting;
}

void ingest_share(ingest *to, const ingest *from, int slice)
{
	memcpy(to, from, offsetof(ingest, status));
	to->slice = slice;
	vec_init(&to->rejects, sizeof(reject_rec));
	vec_init(&to->findings, sizeof(finding_rec));
	vec_init(&to->deferred, sizeof(deferred_row));
	to->agg = from->agg;
	to->dups = from->dups;
	if (slice >= 0)
		return;
	/* a part reads nothing itself: the source's header as read, and a
	 * duplicate set of its own (or none), which its maker gives it */
	to->split = NULL;
	to->dist = 0;
	to->row_col = from->row_col;
	to->delim = from->delim;
	to->map = from->map;
	to->dups = NULL;
}

/* Makes the parts' ingests: the source's settings (its header read), its
 * aggregate table, a duplicate set each. */
static hh_status parts_open(ingest *in)
{
	split_read *sp = in->split;
	for (int p = 0; p < INGEST_PARTS; p++) {
		ingest *pin = calloc(1, sizeof *pin);
		if (!pin)
			return ingest_oom(in);
		sp->parts[p].in = pin;
		ingest_share(pin, in, -1);
		if (!(pin->dups = rowset_new(1)))
			return ingest_oom(in);
	}
	return HH_OK;
}

/* The source's records after the header, read in morsels by this worker
 * and any that come to help (ingest_help); returns once every morsel
 * read is settled. */
static hh_status split_run(ingest *in, csv_reader *r, int rowcol)
{
	split_read *sp = in->split;
	char *scratch = NULL;
	size_t cap = 0;
	sp->r = r;
	sp->rowcol = rowcol;
	sp->total = ins_raw_size(csv_stream(r));
	dedup_plan(in);
	if (in->sid != SRC_CIVIL_AFFAIRS)
		HH_TRY(parts_open(in));
	atomic_store(&sp->state, 1);
	while (morsel_work(in, &scratch, &cap))
		;
	free(scratch);
	pthread_mutex_lock(&sp->lock);
	while (sp->next_settle != sp->next_read || sp->settling)
		pthread_cond_wait(&sp->cond, &sp->lock);
	hh_status st = sp->failed ? sp->st : HH_OK;
	pthread_mutex_unlock(&sp->lock);
	/* every morsel has settled: the parts' results join the source's */
	for (int p = 0; st == HH_OK && in->sid != SRC_CIVIL_AFFAIRS && p < INGEST_PARTS; p++) {
		ingest *pin = sp->parts[p].in;
		in->dup_bytes += rowset_bytes(pin->dups);
		rowset_free(pin->dups);
		pin->dups = NULL;
		st = ingest_absorb(in, pin);
		if (st == HH_OK) { /* emptied: what they held is the source's */
			vec_free(&pin->rejects);
			vec_free(&pin->findings);
		}
	}
	return st;
}

/* Opens in's source and maps its header: *rowcol is its hh_row field
 * (PostgreSQL), or -1. */
static hh_status open_source(ingest *in, csv_reader **r, int *rowcol)
{
	hh_record rec;
	int got;
	HH_TRY(open_reader(in, r));
	atomic_store(&in->prog_total, ins_raw_size(csv_stream(*r)));
	in->delim = csv_delimiter(*r);
	HH_TRY(csv_next(*r, &rec, &got, &in->err));
	if (!got)
		return hh_fail(&in->err, HH_EINPUT,
			       "%s: %s: the file is empty: a header row is required",
			       in->src->name, in->display_path);
	hh_status st = schema_map_header(in->src, &rec, &in->map, &in->err);
	if (st != HH_OK) {
		hh_wrap(&in->err, st, "%s: %s: line 1", in->src->name, in->display_path);
		char b[4], d = in->remote ? 0 : delimhint_find(in->src, &rec, csv_delimiter(*r));
		if (d) {
			size_t n = strlen(in->err.msg);
			snprintf(in->err.msg + n, sizeof in->err.msg - n,
				 "; split on '%s' the header holds the source's columns: if the "
				 "file is '%s'-separated, say so with --delimiter '%s=%s' (or "
				 "delimiter = %s=%s in the config)", delimhint_name(d, b),
				 delimhint_name(d, b), in->src->name, delimhint_name(d, b),
				 in->src->name, delimhint_name(d, b));
		}
		return st;
	}
	*rowcol = in->row_col = find_row_column(&rec);
	return HH_OK;
}

hh_status ingest_source(ingest *in)
{
	double t0 = fs_now_seconds();
	csv_reader *r = NULL;
	hh_record rec;
	int got, rowcol = -1;
	atomic_store(&in->prog_start_ns, (uint64_t)(fs_now_seconds() * 1e9));
	atomic_store(&in->prog_state, 1);
	hh_status st = open_source(in, &r, &rowcol);
	uint64_t n = 0;
	/* across ranks, every rank reads on, failed or not, to stay in step */
	if (in->dist) {
		st = dist_read(in, st == HH_OK ? r : NULL, rowcol, st);
		n = atomic_load(&in->prog_rows); /* records read: each rank reads all */
	} else if (st == HH_OK && in->split) {
		st = split_run(in, r, rowcol);
		n = in->rows_read;
	}
	for (; st == HH_OK && !in->split && !in->dist;) {
		st = csv_next(r, &rec, &got, &in->err);
		if (st != HH_OK || !got)
			break;
		rec.line = ingest_row_number(&rec, rowcol);
		in->rows_read++;
		st = ingest_handle(in, &rec);
		if (st != HH_OK)
			break;
		if ((++n & 4095) == 0) {
			uint64_t done = ins_raw_offset(csv_stream(r));
			atomic_store(&in->prog_rows, n);
			atomic_store(&in->prog_bytes, done);
			project_sizes(in, done, ins_raw_size(csv_stream(r)));
			st = engine_check_cancel(in->eng, &in->err);
		}
	}
	if (st == HH_OK)
		st = settle_pending(in);
	/* Every repeat has been seen: the set is not needed any more, and
	 * freeing it now lowers the run's peak (slices share theirs, freed by
	 * the engine after the join). */
	if (!in->lock) {
		in->dup_bytes += rowset_bytes(in->dups);
		rowset_free(in->dups);
		in->dups = NULL;
	}
	if (st == HH_OK) {
		hh_instream *s = csv_stream(r);
		snprintf(in->sha256, sizeof in->sha256, "%s", ins_sha256_hex(s));
		snprintf(in->encoding_used, sizeof in->encoding_used, "%s",
			 ins_encoding(s) == HH_ENC_GB18030 ? "gb18030" : "utf-8");
		atomic_store(&in->prog_bytes, ins_raw_offset(s));
	}
	atomic_store(&in->prog_rows, n);
	/* Connector errors already name the source and the file (and line);
	 * the engine's own messages above add them themselves.  Helpers
	 * stop at state 2 and never touch the reader again (split_run). */
	if (in->split)
		atomic_store(&in->split->state, 2);
	csv_close(r);
	in->status = st;
	in->seconds = fs_now_seconds() - t0;
	atomic_store(&in->prog_end_ns, (uint64_t)(fs_now_seconds() * 1e9));
	atomic_store(&in->prog_state, 2);
	return st;
}

void ingest_order_reasons(ingest *in)
{
	for (size_t i = 1; i < in->nreasons; i++)
		for (size_t j = i; j > 0 && in->reasons[j].first_line <
					    in->reasons[j - 1].first_line; j--) {
			reason_count t = in->reasons[j];
			in->reasons[j] = in->reasons[j - 1];
			in->reasons[j - 1] = t;
		}
}

hh_status ingest_absorb(ingest *to, ingest *from)
{
	to->rows_read += from->rows_read;
	to->rows_accepted += from->rows_accepted;
	to->rows_rejected += from->rows_rejected;
	to->rows_duplicate += from->rows_duplicate;
	to->rows_counted += from->rows_counted;
	/* a PostgreSQL source's digest covers every slice's rows (a part
	 * of a source read in morsels reads nothing itself) */
	if (from->slice > 0)
		src_sha256_absorb(to->sha256, from->sha256);
	if (from->span_first && (!to->span_first || from->span_first < to->span_first))
		to->span_first = from->span_first;
	if (from->span_last > to->span_last)
		to->span_last = from->span_last;
	if (from->seconds > to->seconds)
		to->seconds = from->seconds;
	for (size_t i = 0; i < from->nreasons; i++) {
		size_t j = 0;
		while (j < to->nreasons && strcmp(to->reasons[j].reason, from->reasons[i].reason))
			j++;
		if (j == to->nreasons && to->nreasons < MAX_REASONS)
			to->reasons[to->nreasons++] = from->reasons[i];
		else if (j < MAX_REASONS) {
			to->reasons[j].count += from->reasons[i].count;
			if (from->reasons[i].first_line < to->reasons[j].first_line)
				to->reasons[j].first_line = from->reasons[i].first_line;
		}
	}

	vec *pairs[3][2] = {{&to->rejects, &from->rejects},
			    {&to->findings, &from->findings},
			    {&to->deferred, &from->deferred}};
	/* room first: a vector half moved would leave items (and what they
	 * own) in both ingests */
	for (int k = 0; k < 3; k++)
		if (vec_reserve(pairs[k][0], pairs[k][0]->n + pairs[k][1]->n))
			return ingest_oom(to);
	for (int k = 0; k < 3; k++) {
		vec *dst = pairs[k][0], *src = pairs[k][1];
		for (size_t i = 0; i < src->n; i++) {
			void *item = vec_push(dst);
			if (!item)
				return ingest_oom(to);
			memcpy(item, vec_at(src, i), src->size);
		}
		src->n = 0; /* what the items own now belongs to `to` */
	}
	return HH_OK;
}

void ingest_free(ingest *in)
{
	for (size_t i = 0; i < in->deferred.n; i++) {
		deferred_row *d = vec_at(&in->deferred, i);
		free(d->buf);
		free(d->offsets);
	}
	vec_free(&in->deferred);
	for (size_t i = 0; i < in->findings.n; i++)
		free(((finding_rec *)vec_at(&in->findings, i))->detail);
	vec_free(&in->findings);
	vec_free(&in->rejects);
	free(in->scratch);
	split_free(in);
	if (in->slice == 0) {
		ptab_free(in->agg);
		rowset_free(in->dups);
	}
}
