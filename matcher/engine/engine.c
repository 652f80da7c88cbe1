/*
 * engine.c - orchestration of the monthly run (design in engine.h):
 * workers over sources, the repair pass, households, and the outputs
 * written into the folder the caller gives (commands/publish.c puts that
 * folder in place).
 */

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "engine/engine_int.h"
#include "base/fsutil.h"
#include "domain/idnum.h"
#include "domain/period.h"
#include "connectors/source.h"

static const char *const finding_names[F_COUNT] = {
	"A_DECEASED",     "A_HIGH_INCOME",   "A_MULTI_PROPERTY",
	"A_PUBLIC_SECTOR", "D_DUP_ROW",      "D_ID_CONFLICT", "D_ID_LINKED", "D_ID_REPAIRED",
	"D_INCONSISTENT_INCOME", "D_MULTI_HOUSEHOLD", "X_DISCOVERY"};

const char *engine_finding_name(finding_code c) { return finding_names[c]; }

hh_status engine_check_cancel(const engine *e, hh_err *err)
{
	if (e->cfg->cancel && atomic_load(e->cfg->cancel))
		return hh_fail(err, HH_EINTERNAL,
			       "interrupted by a signal; nothing was published");
	return HH_OK;
}

/* Column and enumeration lookups; a miss means the built-in schema and
 * the engine disagree, which is a bug, reported as an internal error. */
typedef struct {
	const schema *s;
	int missing;
	char what[128];
} resolver;

static int col(resolver *r, const char *src, const char *name)
{
	const schema_source *ss = schema_source_by_name(r->s, src);
	int i = ss ? schema_col_index(ss, name) : -1;
	if (i < 0 && !r->missing) {
		r->missing = 1;
		snprintf(r->what, sizeof r->what, "column %s.%s", src, name);
	}
	return i;
}

static int code(resolver *r, const char *src, const char *column, const char *value)
{
	int i = col(r, src, column);
	if (i < 0)
		return -1;
	const schema_col *c = &schema_source_by_name(r->s, src)->cols[i];
	int v = c->en ? schema_enum_code(c->en, value) : -1;
	if (v < 0 && !r->missing) {
		r->missing = 1;
		snprintf(r->what, sizeof r->what, "value %s of %s.%s", value, src, column);
	}
	return v;
}

static hh_status resolve_columns(engine *e, hh_err *err)
{
	resolver r = {.s = e->cfg->schema};
	engine_cols *c = &e->c;
	c->household_id = col(&r, "civil_affairs", "household_id");
	c->region_code = col(&r, "civil_affairs", "region_code");
	c->category = col(&r, "civil_affairs", "category");
	c->household_income = col(&r, "civil_affairs", "household_income");
	c->relation = col(&r, "civil_affairs", "relation");
	c->disability_grade = col(&r, "civil_affairs", "disability_grade");
	c->ca_status = col(&r, "civil_affairs", "status");
	c->cat_dibao = code(&r, "civil_affairs", "category", "dibao");
	c->cat_tekun = code(&r, "civil_affairs", "category", "tekun");
	c->st_active = code(&r, "civil_affairs", "status", "active");
	c->st_gradual_exit = code(&r, "civil_affairs", "status", "gradual_exit");
	c->stage = col(&r, "education", "stage");
	c->edu_status = col(&r, "education", "status");
	c->annual_fees = col(&r, "education", "annual_fees");
	c->aid_amount = col(&r, "education", "aid_amount");
	c->edu_enrolled = code(&r, "education", "status", "enrolled");
	c->edu_dropped_out = code(&r, "education", "status", "dropped_out");
	c->employment_status = col(&r, "hr", "employment_status");
	c->employer_type = col(&r, "hr", "employer_type");
	c->monthly_wage = col(&r, "hr", "monthly_wage");
	c->unemployment_benefit = col(&r, "hr", "unemployment_benefit");
	c->pension_monthly = col(&r, "hr", "pension_monthly");
	c->hr_period = col(&r, "hr", "period");
	c->emp_employed = code(&r, "hr", "employment_status", "employed");
	c->emp_flexible = code(&r, "hr", "employment_status", "flexible");
	c->emp_unemployed = code(&r, "hr", "employment_status", "unemployed");
	c->emp_public_sector = code(&r, "hr", "employer_type", "public_sector");
	c->property_count = col(&r, "housing", "property_count");
	c->dangerous_rating = col(&r, "housing", "dangerous_rating");
	c->disaster_damage = col(&r, "housing", "disaster_damage");
	c->public_rental = col(&r, "housing", "public_rental");
	c->dmg_severe = code(&r, "housing", "disaster_damage", "severe");
	c->dmg_collapsed = code(&r, "housing", "disaster_damage", "collapsed");
	c->rating_c = code(&r, "housing", "dangerous_rating", "C");
	c->rating_d = code(&r, "housing", "dangerous_rating", "D");
	c->settle_date = col(&r, "medical", "settle_date");
	c->out_of_pocket = col(&r, "medical", "out_of_pocket");
	c->insured_status = col(&r, "medical", "insured_status");
	c->ins_deceased = code(&r, "medical", "insured_status", "deceased");
	if (r.missing)
		return hh_fail(err, HH_EINTERNAL,
			       "the built-in schema has no %s, which the engine needs",
			       r.what);
	const schema_source *ca = schema_source_by_name(e->cfg->schema, "civil_affairs");
	e->category_codes = ca->cols[c->category].en->codes;
	return HH_OK;
}

/* Records per morsel: big enough that taking turns with the reader costs
 * nothing measurable, small enough that the morsels in flight stay in the
 * cache.  HH_MORSEL_ROWS overrides it, so that tests can cut sources into
 * morsels of a few rows (the outputs must not change). */
#define MORSEL_ROWS 512

/* A local source is read in morsels by any free worker when the run has
 * more than one (ingest.c); the roster's rows still settle one after the
 * other, in file order, as they build the household table. */
/* A number of rows from the environment variable name (tests cut
 * sources into pieces of a few rows with it), or def. */
static hh_status rows_from_env(const char *name, size_t def, size_t *out, hh_err *err)
{
	const char *v = getenv(name);
	*out = def;
	if (!v || !*v)
		return HH_OK;
	char *end;
	unsigned long n = strtoul(v, &end, 10);
	if (*end || n == 0 || n > 1000000)
		return hh_fail(err, HH_EUSAGE,
			       "%s wants a number of rows from 1 to 1000000, not '%s'", name, v);
	*out = n;
	return HH_OK;
}

static hh_status split_setup(engine *e, ingest *in, const src_info *info, hh_err *err)
{
	if (e->cfg->threads < 2 || info->remote || in->dist)
		return HH_OK;
	size_t rows;
	HH_TRY(rows_from_env("HH_MORSEL_ROWS", MORSEL_ROWS, &rows, err));
	if (ingest_split_init(in, rows, 2 * e->cfg->threads + 2) != HH_OK)
		return hh_fail(err, HH_EINTERNAL, "out of memory");
	return HH_OK;
}

const size_t engine_agg_size[SRC_COUNT] = {
	0, sizeof(edu_agg), sizeof(hr_agg), sizeof(housing_agg), sizeof(med_agg)};

static hh_status ingest_init(engine *e, source_id s, hh_err *err)
{
	ingest *in = &e->in[s];
	const engine_source *cs = &e->cfg->src[s];
	in->eng = e;
	in->sid = s;
	in->src = schema_source_by_name(e->cfg->schema, source_name(s));
	in->name_col = schema_col_index(in->src, "name");
	in->birth_col = schema_col_index(in->src, "birth_date");
	in->sex_col = schema_col_index(in->src, "sex");
	in->key_id_col = schema_col_index(in->src, "key_id");
	in->repair_pids_col = schema_col_index(in->src, "repair_pids");
	in->name_key_col = schema_col_index(in->src, "name_key");
	in->id_region_col = schema_col_index(in->src, "id_region");
	vec_init(&in->rejects, sizeof(reject_rec));
	vec_init(&in->findings, sizeof(finding_rec));
	vec_init(&in->deferred, sizeof(deferred_row));
	if (!cs->path)
		return HH_OK;
	in->path = cs->path;
	in->encoding = cs->encoding;
	in->delim = cs->delim;
	src_info info;
	src_describe(cs->path, &info);
	snprintf(in->display_buf, sizeof in->display_buf, "%s", info.display);
	in->display_path = in->display_buf;
	in->remote = info.remote;
	in->size_hint = info.size_hint;
	/* A source that can be read in slices (PostgreSQL: one connection
	 * each) is, by as many workers as there are threads.  The roster is
	 * kept whole: its rows build the household table in order. */
	in->nslices = 1;
	/* Across ranks, the roster is rank 0's (its rows make the households
	 * in file order); every other source is read by every rank, each
	 * parsing its share (dist.c). */
	in->dist = e->comm && s != SRC_CIVIL_AFFAIRS;
	if (info.max_slices > 1 && s != SRC_CIVIL_AFFAIRS && e->cfg->threads > 1 && !in->dist) {
		int n = e->cfg->threads < MAX_SLICES ? e->cfg->threads : MAX_SLICES;
		in->nslices = n < info.max_slices ? n : info.max_slices;
	}
	/* with lines: D_DUP_ROW cites the first occurrence as well */
	in->dups = rowset_new(1);
	if (s != SRC_CIVIL_AFFAIRS)
		in->agg = ptab_new(engine_agg_size[s], 0, INGEST_PART_BITS);
	else
		e->roster_persons = ptab_new(sizeof(roster_person), 0, 0);
	if (!in->dups || (s == SRC_CIVIL_AFFAIRS ? !e->roster_persons : !in->agg))
		return hh_fail(err, HH_EINTERNAL, "out of memory");
	if (in->nslices == 1)
		return split_setup(e, in, &info, err);
	if (pthread_mutex_init(&e->locks[s], NULL))
		return hh_fail(err, HH_EINTERNAL, "cannot create a lock");
	in->lock = &e->locks[s];
	e->slices[s] = calloc((size_t)in->nslices - 1, sizeof(ingest));
	if (!e->slices[s])
		return hh_fail(err, HH_EINTERNAL, "out of memory");
	for (int k = 1; k < in->nslices; k++)
		ingest_share(&e->slices[s][k - 1], in, k);
	return HH_OK;
}

/* Every slice of source s, slice 0 first; NULL past the last. */
static ingest *slice_at(engine *e, int s, int k)
{
	if (k == 0)
		return &e->in[s];
	return k < e->in[s].nslices && e->slices[s] ? &e->slices[s][k - 1] : NULL;
}

typedef struct {
	engine *e;
	ingest *order[SRC_COUNT * MAX_SLICES];
	int n;
	_Atomic int next;
} work_queue;

/* Takes the sources (largest first), then helps with those still being
 * read in morsels. */
static void *worker(void *arg)
{
	work_queue *q = arg;
	char *scratch = NULL;
	size_t cap = 0;
	for (;;) {
		int i = atomic_fetch_add(&q->next, 1);
		if (i < q->n)
			ingest_source(q->order[i]);
		else if (!ingest_help(q->e, &scratch, &cap))
			break;
	}
	free(scratch);
	return NULL;
}

static int cmp_size_desc(const void *a, const void *b)
{
	const ingest *x = *(ingest *const *)a, *y = *(ingest *const *)b;
	if (x->size_hint != y->size_hint)
		return x->size_hint > y->size_hint ? -1 : 1;
	if (x->sid != y->sid)
		return x->sid < y->sid ? -1 : 1;
	return x->slice < y->slice ? -1 : x->slice > y->slice;
}

hh_status engine_ingest_local(engine *e, hh_err *err)
{
	work_queue q = {.e = e};
	for (int s = 0; s < SRC_COUNT; s++)
		for (int k = 0; e->in[s].path && !e->in[s].dist && slice_at(e, s, k); k++)
			q.order[q.n++] = slice_at(e, s, k);
	qsort(q.order, (size_t)q.n, sizeof q.order[0], cmp_size_desc);
	int split = 0;
	for (int s = 0; s < SRC_COUNT; s++)
		split |= e->in[s].split != NULL;
	int nt = e->cfg->threads < q.n || split ? e->cfg->threads : q.n;
	pthread_t th[64];
	int started = 0;
	for (; started < nt && started < 64; started++)
		if (pthread_create(&th[started], NULL, worker, &q))
			break;
	if (started == 0)
		worker(&q); /* no thread could start: do the work here */
	for (int i = 0; i < started; i++)
		pthread_join(th[i], NULL);
	for (int s = 0; s < SRC_COUNT; s++)
		for (int k = 0; e->in[s].path && !e->in[s].dist && slice_at(e, s, k); k++) {
			ingest *in = slice_at(e, s, k);
			if (in->status != HH_OK) {
				*err = in->err;
				return in->status;
			}
		}
	for (int s = 0; s < SRC_COUNT; s++) {
		if (e->in[s].dist) /* dist.c gathers its results */
			continue;
		for (int k = 1; e->in[s].path && slice_at(e, s, k); k++)
			if (ingest_absorb(&e->in[s], slice_at(e, s, k)) != HH_OK) {
				*err = e->in[s].err;
				return HH_EINTERNAL;
			}
		ingest_order_reasons(&e->in[s]);
		if (e->in[s].lock) {
			e->in[s].dup_bytes = rowset_bytes(e->in[s].dups);
			rowset_free(e->in[s].dups);
			e->in[s].dups = NULL;
		}
	}
	return HH_OK;
}

/* max_reject_ratio bounds the share of invalid rows.  Exact repeats
 * (duplicate_row) are reported but are not invalid: they count neither
 * among the invalid rows nor among the rows those are a share of, so a
 * file of three rows, one of them a repeat, passes. */
static hh_status check_reject_ratio(const engine *e, hh_err *err)
{
	const rules *ru = e->cfg->rules;
	for (int s = 0; s < SRC_COUNT; s++) {
		const ingest *in = &e->in[s];
		uint64_t rows = in->rows_read - in->rows_duplicate;
		uint64_t invalid = in->rows_rejected - in->rows_duplicate;
		if (!in->path || rows == 0 || ru->max_reject_bp >= 10000)
			continue;
		if ((int64_t)(invalid * 10000) <= ru->max_reject_bp * (int64_t)rows)
			continue;
		char repeats[64] = "";
		if (in->rows_duplicate)
			snprintf(repeats, sizeof repeats, ", not counting %" PRIu64 " repeated row%s",
				 in->rows_duplicate, in->rows_duplicate == 1 ? "" : "s");
		return hh_fail(err, HH_EINPUT,
			       "%s: %s: too many invalid rows: %" PRIu64 " of %" PRIu64
			       " (more than %.1f%%%s); see the reasons by running with a "
			       "higher max_reject_ratio in --rules",
			       in->src->name, in->display_path, invalid, rows,
			       (double)ru->max_reject_bp / 100.0, repeats);
	}
	return HH_OK;
}

/* A roster with no accepted row (a failed export that kept only its
 * header, or one whose every row was rejected) would publish a month
 * without households, and with --state resolve every household's alert. */
static hh_status check_roster(const engine *e, hh_err *err)
{
	const ingest *in = &e->in[SRC_CIVIL_AFFAIRS];
	if (in->rows_accepted > 0)
		return HH_OK;
	if (in->rows_read == 0)
		return hh_fail(err, HH_EINPUT,
			       "%s: %s: no data rows (only a header?): refusing to run "
			       "on an empty roster",
			       in->src->name, in->display_path);
	return hh_fail(err, HH_EINPUT,
		       "%s: %s: none of its %" PRIu64 " data rows was accepted (all "
		       "were rejected): refusing to run on an empty roster",
		       in->src->name, in->display_path, in->rows_read);
}

static void summarise(engine *e)
{
	engine_summary *s = e->sum;
	memset(s, 0, sizeof *s);
	for (int i = 0; i < SRC_COUNT; i++) {
		s->rows_read += e->in[i].rows_read;
		s->rows_accepted += e->in[i].rows_accepted;
		s->rows_rejected += e->in[i].rows_rejected;
	}
	for (size_t i = 0; i < e->out_households.n; i++) {
		const household_out *o = vec_at(&e->out_households, i);
		s->households++;
		s->level[o->level]++;
		s->flagged += o->flagged != 0;
	}
	for (size_t i = 0; i < e->findings.n; i++)
		s->findings_by_code[((finding_rec *)vec_at(&e->findings, i))->code]++;
	s->findings = e->findings.n;
}

/* Moves every ingest's findings into the engine's list. */
hh_status engine_gather_findings(engine *e, hh_err *err)
{
	for (int s = 0; s < SRC_COUNT; s++) {
		vec *v = &e->in[s].findings;
		for (size_t i = 0; i < v->n; i++) {
			finding_rec *f = vec_push(&e->findings);
			if (!f)
				return hh_fail(err, HH_EINTERNAL, "out of memory");
			*f = *(finding_rec *)vec_at(v, i);
		}
		v->n = 0; /* details now belong to e->findings */
	}
	return HH_OK;
}

hh_status engine_new(const engine_cfg *cfg, engine **out, hh_err *err)
{
	engine *e = calloc(1, sizeof *e);
	*out = NULL;
	if (!e)
		return hh_fail(err, HH_EINTERNAL, "out of memory");
	e->cfg = cfg;
	e->comm = cfg->comm;
	e->nranks = 1;
	if (e->comm) {
		e->rank = comm_rank(e->comm);
		e->nranks = comm_size(e->comm);
	}
	e->period_end = period_end(cfg->period);
	int y = cfg->period / 100, m = cfg->period % 100 - (cfg->rules->medical_window_months - 1);
	while (m < 1) {
		m += 12;
		y--;
	}
	e->window_start = y * 10000 + m * 100 + 1;
	vec_init(&e->households, sizeof(household));
	vec_init(&e->roster, sizeof(roster_row));
	vec_init(&e->findings, sizeof(finding_rec));
	vec_init(&e->out_households, sizeof(household_out));
	e->strings = arena_new();
	/* Names are compared as digests keyed by the run's key: the seed is
	 * the start of an HMAC of a fixed label, so it is secret with the key. */
	uint8_t seed[PID_BYTES] = {0};
	if (cfg->key)
		pid_hmac(cfg->key, "hhmatch name digest", 19, seed);
	memcpy(&e->name_seed, seed, sizeof e->name_seed);
	e->household_ids = e->strings ? strtab_new(e->strings) : NULL;
	e->last_household = -1;
	hh_status st = (!e->household_ids || !e->strings)
			       ? hh_fail(err, HH_EINTERNAL, "out of memory")
			       : resolve_columns(e, err);
	if (st == HH_OK && e->comm)
		st = rows_from_env("HH_MPI_CHUNK_ROWS", DIST_CHUNK_ROWS, &e->chunk_rows, err);
	/* Every source and slice is set up before any worker starts, so
	 * engine_progress may read them from another thread at any time. */
	for (int s = 0; st == HH_OK && s < SRC_COUNT; s++)
		st = ingest_init(e, (source_id)s, err);
	if (st != HH_OK) {
		engine_free(e);
		return st;
	}
	*out = e;
	return HH_OK;
}

/* Once the files are written nothing reads the tables they were made
 * from, while the caller still makes report.html and the workbook from
 * those files: their memory goes back now, not at engine_free, so the two
 * never add up.  What engine_progress reads stays. */
static void release_tables(engine *e)
{
	for (int s = 0; s < SRC_COUNT; s++) {
		ptab_free(e->in[s].agg);
		e->in[s].agg = NULL;
		for (int k = 1; e->in[s].path && slice_at(e, s, k); k++)
			slice_at(e, s, k)->agg = NULL; /* they shared slice 0's */
	}
	ptab_free(e->roster_persons);
	e->roster_persons = NULL;
	vec_free(&e->roster);
	vec_free(&e->out_households);
	free(e->out_order);
	e->out_order = NULL;
}

hh_status engine_repair(engine *e, hh_err *err)
{
	HH_TRY(ingest_repairs(e, &e->in[SRC_CIVIL_AFFAIRS]));
	for (int s = SRC_EDUCATION; s < SRC_COUNT; s++)
		if (e->in[s].path)
			HH_TRY(ingest_repairs(e, &e->in[s]));
	/* then linkage, from the roster as repairs left it */
	HH_TRY(ingest_link_index(e, err));
	for (int s = SRC_CIVIL_AFFAIRS; s < SRC_COUNT; s++)
		if (e->in[s].path)
			HH_TRY(ingest_links(e, &e->in[s]));
	free(e->link_tab);
	e->link_tab = NULL;
	return HH_OK;
}

hh_status engine_checks(engine *e, hh_err *err)
{
	HH_TRY(check_reject_ratio(e, err));
	HH_TRY(check_roster(e, err));
	/* Every roster row is in: the id -> household map has done its job,
	 * and the household phase is where the run's memory peaks. */
	strtab_free(e->household_ids);
	e->household_ids = NULL;
	return HH_OK;
}

/* The run in one process: ingest, repairs, households. */
static hh_status run_local(engine *e, hh_err *err)
{
	double t = fs_now_seconds();
	HH_TRY(engine_ingest_local(e, err));
	e->t_ingest = fs_now_seconds() - t;

	HH_TRY(engine_check_cancel(e, err));
	t = fs_now_seconds();
	HH_TRY(engine_repair(e, err));
	e->t_repair = fs_now_seconds() - t;
	HH_TRY(engine_checks(e, err));

	HH_TRY(engine_check_cancel(e, err));
	t = fs_now_seconds();
	HH_TRY(engine_gather_findings(e, err));
	HH_TRY(household_evaluate(e, err));
	e->t_households = fs_now_seconds() - t;
	return HH_OK;
}

hh_status engine_run(engine *e, const char *dir, engine_summary *sum, hh_err *err)
{
	e->sum = sum;
	memset(sum, 0, sizeof *sum);
	HH_TRY(e->comm ? dist_run(e, err) : run_local(e, err));
	if (e->rank != 0) /* rank 0 holds the month now, and writes it */
		return HH_OK;
	summarise(e);
	sum->seconds_ingest = e->t_ingest;
	sum->seconds_repair = e->t_repair;
	sum->seconds_households = e->t_households;
	HH_TRY(engine_check_cancel(e, err));
	double t = fs_now_seconds();
	hh_status st = output_write_all(e, dir, err);
	sum->seconds_outputs = fs_now_seconds() - t;
	release_tables(e);
	return st;
}

void engine_progress(const engine *e, source_id s, engine_source_progress *out)
{
	uint64_t now = (uint64_t)(fs_now_seconds() * 1e9);
	uint64_t start = UINT64_MAX, end = 0;
	memset(out, 0, sizeof *out);
	out->present = e->in[s].path != NULL;
	out->state = ENGINE_SOURCE_DONE;
	for (int k = 0; out->present && k < e->in[s].nslices && (!k || e->slices[s]); k++) {
		const ingest *in = k ? &e->slices[s][k - 1] : &e->in[s];
		int st = atomic_load(&in->prog_state);
		uint64_t t0 = atomic_load(&in->prog_start_ns);
		uint64_t t1 = st == 2 ? atomic_load(&in->prog_end_ns) : now;
		out->rows += atomic_load(&in->prog_rows);
		out->bytes += atomic_load(&in->prog_bytes);
		out->total += atomic_load(&in->prog_total);
		if (st < (int)out->state)
			out->state = (engine_source_state)st;
		if (st > 0 && t0 < start)
			start = t0;
		if (st > 0 && t1 > end)
			end = t1;
	}
	out->seconds = end > start ? (double)(end - start) / 1e9 : 0;
}

void engine_free(engine *e)
{
	if (!e)
		return;
	for (int s = 0; s < SRC_COUNT; s++) {
		for (int k = 1; e->in[s].path && slice_at(e, s, k); k++)
			ingest_free(slice_at(e, s, k));
		free(e->slices[s]);
		if (e->in[s].lock)
			pthread_mutex_destroy(e->in[s].lock);
		ingest_free(&e->in[s]);
	}
	for (size_t i = 0; i < e->findings.n; i++)
		free(((finding_rec *)vec_at(&e->findings, i))->detail);
	vec_free(&e->findings);
	vec_free(&e->households);
	vec_free(&e->roster);
	vec_free(&e->out_households);
	free(e->out_order);
	ptab_free(e->roster_persons);
	free(e->link_tab);
	strtab_free(e->household_ids);
	dist_free(e);
	arena_free(e->strings);
	free(e);
}
