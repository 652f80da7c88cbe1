/*
 * gen.c - `hhmatch gen`: a deterministic synthetic month (see gen.h), the
 * driver.  gen_month checks the options and the schema, then runs the
 * phases in order (gen_int.h lists them with their files):
 *
 *   1. population  pop_build: households and persons, planted or not
 *   2. (plans are built inside phase 1, in their household's turn)
 *   3. extracts    roster_write, person_source_write, in the forms below
 *   4. truth       truth_write: hhmatch.conf and truth.csv
 *
 * The skewed shape (gen.h) changes two things only: medical's drawn
 * settlements (bg_med) and the order of the person sources' rows
 * (extract.c, write_shuffled); the default shape's bytes are untouched.
 *
 * The enumeration values the generator writes are integers (gen_int.h);
 * check_schema holds them against schemas/sources.schema first, so a
 * reordered schema fails loudly instead of shifting every category.
 */
#include "gen/gen.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/fsutil.h"
#include "domain/period.h"
#include "gen/gen_int.h"

/* The codes behind gen_int.h's enumeration values, in order. */
static const struct {
	const char *name;
	const char *codes[7];
} enum_expect[NENUMS] = {
	{"category", {"dibao", "tekun", "dibao_edge", "monitored", "lifted", "other"}},
	{"ca_status", {"active", "gradual_exit", "exited"}},
	{"relation", {"head", "spouse", "child", "parent", "grandchild", "other"}},
	{"stage", {"preschool", "primary", "junior", "senior", "vocational",
		   "college", "graduate"}},
	{"edu_status", {"enrolled", "suspended", "dropped_out", "graduated"}},
	{"employment_status", {"employed", "flexible", "unemployed", "retired"}},
	{"employer_type", {"enterprise", "public_sector", "none"}},
	{"dangerous_rating", {"none", "A", "B", "C", "D"}},
	{"disaster_damage", {"none", "minor", "severe", "collapsed"}},
	{"insured_status", {"active", "terminated", "deceased"}},
};

static hh_status check_schema(gen *g)
{
	HH_TRY(schema_new(&g->sc, g->err));
	for (int s = 0; s < SRC_COUNT; s++) {
		g->src[s] = schema_source_by_name(g->sc, source_name((source_id)s));
		if (!g->src[s])
			return hh_fail(g->err, HH_EINTERNAL, "gen: the schema has no source %s",
				       source_name((source_id)s));
	}
	/* enumerations hang off columns; find each by name */
	for (int s = 0; s < SRC_COUNT; s++)
		for (size_t c = 0; c < g->src[s]->ncols; c++) {
			const schema_enum *en = g->src[s]->cols[c].en;
			if (!en)
				continue;
			for (int e = 0; e < NENUMS; e++)
				if (!strcmp(en->name, enum_expect[e].name))
					g->en[e] = en;
		}
	for (int e = 0; e < NENUMS; e++) {
		if (!g->en[e])
			return hh_fail(g->err, HH_EINTERNAL, "gen: the schema has no enumeration %s",
				       enum_expect[e].name);
		for (int v = 0; v < 7 && enum_expect[e].codes[v]; v++)
			if (schema_enum_code(g->en[e], enum_expect[e].codes[v]) != v)
				return hh_fail(g->err, HH_EINTERNAL,
					       "gen: enumeration %s of the schema no longer has %s in place %d",
					       enum_expect[e].name, enum_expect[e].codes[v], v);
	}
	return HH_OK;
}

/* Creates the output folder and its missing parents.  fs_mkdir_p takes an
 * existing path as done, so a file in the way is caught here, before the
 * first extract fails on it with a less direct message. */
static hh_status make_out_dir(gen *g, const char *dir)
{
	hh_status st = fs_mkdir_p(dir, 0777, g->err);
	if (st != HH_OK)
		return hh_wrap(g->err, st, "gen");
	struct stat sb;
	if (stat(dir, &sb) || !S_ISDIR(sb.st_mode))
		return hh_fail(g->err, HH_EINTERNAL, "gen: %s is not a folder", dir);
	return HH_OK;
}

static hh_status gen_run(gen *g)
{
	const gen_opts *o = g->o;
	HH_TRY(check_schema(g));
	HH_TRY(make_out_dir(g, o->out_dir));
	HH_TRY(pop_build(g));
	if (g->pidsrc) {
		g->pids = malloc(g->persons.n * sizeof *g->pids);
		if (!g->pids)
			return hh_fail(g->err, HH_EINTERNAL, "gen: out of memory");
		for (size_t i = 0; i < g->persons.n; i++)
			pid_compute(o->key, P(g, i).id, g->pids[i]);
	}
	/* Dirty mode varies every form the contract allows: the roster with
	 * Chinese headers and labels, CRLF, a BOM and an unknown address
	 * column; housing as a GB18030 TSV with Chinese headers and labels;
	 * medical as a two-member gzip. */
	const int d = g->dirty;
	const extract_form forms[SRC_COUNT] = {
		[SRC_CIVIL_AFFAIRS] = {.file = "civil_affairs.csv", .zh = d, .crlf = d,
				       .bom = d, .address = d},
		[SRC_EDUCATION] = {.file = "education.csv"},
		[SRC_HR] = {.file = "hr.csv.gz", .gzip = 1},
		[SRC_HOUSING] = {.file = d ? "housing.tsv" : "housing.csv", .gb18030 = d,
				 .zh = d},
		[SRC_MEDICAL] = {.file = "medical.csv.gz", .gzip = 1, .split = d && !g->skewed},
	};
	HH_TRY(roster_write(g, &forms[SRC_CIVIL_AFFAIRS]));
	for (int s = SRC_EDUCATION; s < SRC_COUNT; s++)
		HH_TRY(person_source_write(g, (source_id)s, &forms[s]));
	return truth_write(g, forms);
}

hh_status gen_month(const gen_opts *opts, hh_err *err)
{
	if (!opts || !opts->out_dir || !*opts->out_dir)
		return hh_fail(err, HH_EUSAGE, "gen: an output folder is required");
	if (opts->households == 0 || opts->households > 20000000)
		return hh_fail(err, HH_EUSAGE,
			       "gen: households must be between 1 and 20000000, not %llu",
			       (unsigned long long)opts->households);
	int period = opts->period ? opts->period : 202611;
	if (period / 100 < 2000 || period / 100 > 2099 || period % 100 < 1 || period % 100 > 12)
		return hh_fail(err, HH_EUSAGE, "gen: period %d is not a YYYYMM between 200001 and 209912",
			       period);
	if (opts->pid_sources && !opts->key)
		return hh_fail(err, HH_EUSAGE, "gen: pid sources need a key");
	/* Shuffled rows would leave dirt's truth wrong: a malformed row's
	 * line break, a repeat planted a few rows later. */
	if (opts->shape == GEN_SHAPE_SKEWED && !opts->clean)
		return hh_fail(err, HH_EUSAGE, "gen: the skewed shape needs --clean");
	gen *g = calloc(1, sizeof *g);
	if (!g)
		return hh_fail(err, HH_EINTERNAL, "gen: out of memory");
	g->o = opts;
	g->err = err;
	g->period = period;
	g->end = period_day(period, 31);
	g->win_lo = period_day(period_add(period, -11), 1);
	g->hist_lo = period_day(period_add(period, -14), 1);
	g->dirty = !opts->clean;
	g->pidsrc = opts->pid_sources;
	g->skewed = opts->shape == GEN_SHAPE_SKEWED;
	for (int s = SRC_EDUCATION; s < SRC_COUNT; s++)
		g->shuffled[s] = g->skewed;
	vec_init(&g->truth_moved, sizeof(truth_moved));
	rng_seed(&g->r, opts->seed, 0);
	vec_init(&g->persons, sizeof(person));
	vec_init(&g->hhs, sizeof(household));
	vec_init(&g->prow[SRC_EDUCATION], sizeof(edu_row));
	vec_init(&g->prow[SRC_HR], sizeof(hr_row));
	vec_init(&g->prow[SRC_HOUSING], sizeof(house_row));
	vec_init(&g->prow[SRC_MEDICAL], sizeof(med_row));
	vec_init(&g->prow[SRC_CIVIL_AFFAIRS], 1);
	hh_status st = gen_run(g);
	schema_free(g->sc);
	vec_free(&g->persons);
	vec_free(&g->hhs);
	for (int s = 0; s < SRC_COUNT; s++) {
		vec_free(&g->prow[s]);
		free(g->moved_to[s]);
	}
	vec_free(&g->truth_moved);
	free(g->ids.slot);
	free(g->pids);
	sb_release(&g->truth);
	free(g);
	return st;
}
