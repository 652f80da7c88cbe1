/*
 * output.c - the run's files: households.csv, flags.csv, findings.csv,
 * rejects.csv and report.json, written into a folder the caller chose
 * (engine.c writes into a temporary folder and renames it into place).
 *
 * Every list is sorted before it is written (findings by code, household,
 * pid; rejects by source and line), so the bytes depend only on the
 * inputs.  Fields are quoted only when they need it (RFC 4180).  Nothing
 * written here can hold a raw ID number or a name: rows carry pids, and
 * details are composed by the engine from codes and amounts.
 */
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "connectors/csvw.h"
#include "engine/engine_int.h"


static hh_status open_in(const char *dir, const char *name, csvw **w,
			 hh_err *err)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	return csvw_open(path, w, err);
}

/* The i-th household in id order.  out_households is in evaluation
 * order, so the walk is at random: later records, and the id and region
 * text of the ones after them, are fetched meanwhile. */
static const household_out *out_at(const engine *e, size_t i)
{
	const vec *v = &e->out_households;
	if (i + 16 < v->n) {
		const char *o = vec_at(v, e->out_order[i + 16]);
		__builtin_prefetch(o);
		__builtin_prefetch(o + v->size - 1);
	}
	if (i + 8 < v->n) {
		const household_out *o = vec_at(v, e->out_order[i + 8]);
		const household *h = vec_at(&e->households, o->household);
		__builtin_prefetch(h->id);
		__builtin_prefetch(h->region);
	}
	return vec_at(v, e->out_order[i]);
}

static void put_household(csvw *f, const engine *e, const household_out *o)
{
	const household *h = vec_at(&e->households, o->household);
	int first = 1;
	csvw_str(f, h->id, 0);
	csvw_str(f, h->region, 1);
	csvw_str(f, e->category_codes[h->category], 1);
	int64_t income = o->f.household_income_fen;
	int members = o->f.members;
	csvw_int(f, members, 1);
	csvw_yuan(f, income, 1);
	csvw_yuan(f, members ? (income + members / 2) / members : 0, 1);
	csvw_yuan(f, o->f.oop_12m_fen, 1);
	csvw_yuan(f, o->f.edu_net_fen, 1);
	csvw_int(f, o->score, 1);
	csvw_str(f, rules_level_name((risk_level)o->level), 1);
	csvw_raw(f, ",", 1);
	for (int r = 0; r < R_COUNT; r++)
		if (o->fired & (1u << r)) {
			if (!first)
				csvw_raw(f, ";", 1);
			csvw_str(f, rules_code_name((rule_code)r), 0);
			first = 0;
		}
	csvw_end_row(f);
}

static const char households_header[] =
	"household_id,region_code,category,members,household_income,"
	"income_per_capita,oop_12m,edu_net_fees,risk_score,risk_level,reasons\n";

static hh_status write_households(engine *e, const char *dir, int flagged_only,
				  hh_err *err)
{
	csvw *w;
	HH_TRY(open_in(dir, flagged_only ? "flags.csv" : "households.csv", &w, err));
	csvw_raw(w, households_header, sizeof households_header - 1);
	for (size_t i = 0; i < e->out_households.n; i++) {
		const household_out *h = out_at(e, i);
		if (!flagged_only || h->flagged)
			put_household(w, e, h);
	}
	return csvw_close(w, err);
}

/* explain.csv: for every household, each rule's compared value and
 * threshold (money in yuan, counts and 0/1 flags as integers), so an
 * auditor can see why a rule fired or did not without rerunning. */
static int rule_is_money(int r)
{
	return r == R_INCOME || r == R_MEDICAL || r == R_EDUCATION;
}

static hh_status write_explain(engine *e, const char *dir, hh_err *err)
{
	csvw *w;
	HH_TRY(open_in(dir, "explain.csv", &w, err));
	csvw_printf(w, "household_id,income_line");
	for (int r = 0; r < R_COUNT; r++)
		csvw_printf(w, ",%s_value,%s_threshold", rules_code_name((rule_code)r),
			    rules_code_name((rule_code)r));
	csvw_end_row(w);
	for (size_t i = 0; i < e->out_households.n; i++) {
		const household_out *o = out_at(e, i);
		const household *h = vec_at(&e->households, o->household);
		csvw_str(w, h->id, 0);
		rules_result res;
		rules_eval(e->cfg->rules, &o->f, &res);
		csvw_yuan(w, res.income_line_fen, 1);
		for (int r = 0; r < R_COUNT; r++) {
			void (*put)(csvw *, int64_t, int) = rule_is_money(r) ? csvw_yuan : csvw_int;
			put(w, res.value[r], 1);
			put(w, res.threshold[r], 1);
		}
		csvw_end_row(w);
	}
	return csvw_close(w, err);
}

static int cmp_finding(const void *a, const void *b)
{
	const finding_rec *x = a, *y = b;
	int c;
	if (x->code != y->code)
		return x->code < y->code ? -1 : 1;
	c = strcmp(x->household ? x->household : "", y->household ? y->household : "");
	if (c)
		return c;
	if (x->has_pid != y->has_pid)
		return x->has_pid < y->has_pid ? -1 : 1;
	if ((c = memcmp(x->pid, y->pid, 32)))
		return c;
	if (x->source != y->source)
		return x->source < y->source ? -1 : 1;
	return strcmp(x->detail, y->detail);
}

static hh_status write_findings(engine *e, const char *dir, hh_err *err)
{
	csvw *w;
	char hex[65];
	qsort(e->findings.items, e->findings.n, sizeof(finding_rec), cmp_finding);
	HH_TRY(open_in(dir, "findings.csv", &w, err));
	csvw_printf(w, "code,source,household_id,pid,detail\n");
	for (size_t i = 0; i < e->findings.n; i++) {
		const finding_rec *fr = vec_at(&e->findings, i);
		if (fr->has_pid)
			pid_to_hex(fr->pid, hex);
		else
			hex[0] = '\0';
		csvw_printf(w, "%s,%s", engine_finding_name((finding_code)fr->code),
			    source_name((source_id)fr->source));
		csvw_str(w, fr->household ? fr->household : "", 1);
		csvw_str(w, hex, 1);
		csvw_str(w, fr->detail, 1);
		csvw_end_row(w);
	}
	return csvw_close(w, err);
}

static int cmp_reject(const void *a, const void *b)
{
	const reject_rec *x = a, *y = b;
	if (x->source != y->source)
		return x->source < y->source ? -1 : 1;
	return x->line < y->line ? -1 : x->line > y->line;
}

static hh_status write_rejects(engine *e, const char *dir, hh_err *err)
{
	csvw *w;
	vec all;
	vec_init(&all, sizeof(reject_rec));
	for (int s = 0; s < SRC_COUNT; s++) {
		const ingest *in = &e->in[s];
		for (size_t i = 0; i < in->rejects.n; i++) {
			reject_rec *r = vec_push(&all);
			if (!r) {
				vec_free(&all);
				return hh_fail(err, HH_EINTERNAL, "out of memory");
			}
			*r = *(reject_rec *)vec_at(&in->rejects, i);
		}
	}
	qsort(all.items, all.n, sizeof(reject_rec), cmp_reject);
	hh_status st = open_in(dir, "rejects.csv", &w, err);
	if (st != HH_OK) {
		vec_free(&all);
		return st;
	}
	csvw_printf(w, "source,file,line,reason,column\n");
	for (size_t i = 0; i < all.n; i++) {
		const reject_rec *r = vec_at(&all, i);
		const ingest *in = &e->in[r->source];
		csvw_str(w, in->src->name, 0);
		csvw_str(w, in->display_path, 1);
		csvw_printf(w, ",%" PRIu64 ",%s,%s\n", r->line, r->reason,
			r->col ? in->src->cols[r->col - 1].name : "");
	}
	vec_free(&all);
	return csvw_close(w, err);
}

/* A JSON string; the values written here are paths, codes and hex, but
 * escape properly anyway. */
static void put_json_str(csvw *f, const char *s)
{
	csvw_raw(f, "\"", 1);
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;
		if (ch == '"' || ch == '\\')
			csvw_printf(f, "\\%c", ch);
		else if (ch < 0x20)
			csvw_printf(f, "\\u%04x", ch);
		else
			csvw_raw(f, s, 1);
	}
	csvw_raw(f, "\"", 1);
}

static hh_status write_report(engine *e, const char *dir, hh_err *err)
{
	csvw *w;
	const engine_summary *s = e->sum;
	HH_TRY(open_in(dir, "report.json", &w, err));
	csvw *f = w;
	csvw_printf(f, "{\n  \"hhmatch_version\": \"%s\",\n  \"period\": \"%06d\",\n"
		   "  \"key_id\": \"%s\",\n  \"threads\": %d,\n  \"sources\": {\n",
		HH_VERSION, e->cfg->period, pid_key_id(e->cfg->key), e->cfg->threads);
	for (int i = 0; i < SRC_COUNT; i++) {
		const ingest *in = &e->in[i];
		csvw_printf(f, "    \"%s\": {", source_name((source_id)i));
		if (!in->path) {
			csvw_printf(f, "\"absent\": true}%s\n", i + 1 < SRC_COUNT ? "," : "");
			continue;
		}
		size_t persons = i == SRC_CIVIL_AFFAIRS ? ptab_count(e->roster_persons)
							: ptab_count(in->agg);
		size_t on_roster = i == SRC_CIVIL_AFFAIRS ? persons : e->on_roster[i];
		csvw_printf(f, "\n      \"absent\": false,\n      \"file\": ");
		put_json_str(f, in->display_path);
		char abs[PATH_MAX];
		if (!in->remote && realpath(in->path, abs)) {
			csvw_printf(f, ",\n      \"path\": ");
			put_json_str(f, abs);
		}
		csvw_printf(f, ",\n      \"sha256\": \"%s\",\n      \"encoding\": \"%s\",\n"
			   "      \"rows_read\": %" PRIu64 ",\n      \"rows_accepted\": %" PRIu64
			   ",\n      \"rows_rejected\": %" PRIu64 ",\n      \"rejects_by_reason\": {",
			in->sha256, in->encoding_used, in->rows_read, in->rows_accepted,
			in->rows_rejected);
		for (size_t r = 0; r < in->nreasons; r++)
			csvw_printf(f, "%s\"%s\": %" PRIu64, r ? ", " : "", in->reasons[r].reason,
				in->reasons[r].count);
		csvw_printf(f, "},\n      \"persons\": %zu,\n      \"persons_on_roster\": %zu,\n"
			   "      \"seconds\": %.3f,\n      \"table_bytes\": %zu,\n"
			   "      \"duplicate_set_bytes\": %zu\n    }%s\n",
			persons, on_roster, in->seconds,
			i == SRC_CIVIL_AFFAIRS ? ptab_bytes(e->roster_persons) + e->roster.cap * e->roster.size
					       : ptab_bytes(in->agg),
			in->dup_bytes, i + 1 < SRC_COUNT ? "," : "");
	}
	csvw_printf(f, "  },\n  \"households\": %" PRIu64 ",\n  \"flagged\": %" PRIu64
		   ",\n  \"risk_levels\": {\"high\": %" PRIu64 ", \"medium\": %" PRIu64
		   ", \"low\": %" PRIu64 ", \"none\": %" PRIu64 "},\n  \"findings\": {",
		s->households, s->flagged, s->level[LEVEL_HIGH], s->level[LEVEL_MEDIUM],
		s->level[LEVEL_LOW], s->level[LEVEL_NONE]);
	for (int c = 0; c < F_COUNT; c++)
		csvw_printf(f, "%s\"%s\": %" PRIu64, c ? ", " : "",
			engine_finding_name((finding_code)c), s->findings_by_code[c]);
	csvw_printf(f, "},\n  \"timings_seconds\": {\"ingest\": %.3f, \"repair\": %.3f, "
		   "\"households\": %.3f}\n}\n",
		e->t_ingest, e->t_repair, e->t_households);
	return csvw_close(w, err);
}

typedef struct {
	hh_status (*write)(engine *e, const char *dir, hh_err *err);
	engine *e;
	const char *dir;
	hh_status status;
	hh_err err;
} out_task;

static hh_status write_all_households(engine *e, const char *dir, hh_err *err)
{
	return write_households(e, dir, 0, err);
}

static hh_status write_flags(engine *e, const char *dir, hh_err *err)
{
	return write_households(e, dir, 1, err);
}

static void *run_task(void *arg)
{
	out_task *t = arg;
	t->status = t->write(t->e, t->dir, &t->err);
	return NULL;
}

/* The files are independent of one another, so each is written by its
 * own thread (they format and compress nothing in common); the first
 * failure in file order is reported. */
hh_status output_write_all(engine *e, const char *dir, hh_err *err)
{
	out_task tasks[] = {
		{write_all_households, e, dir, HH_OK, {{0}}},
		{write_explain, e, dir, HH_OK, {{0}}},
		{write_flags, e, dir, HH_OK, {{0}}},
		{write_findings, e, dir, HH_OK, {{0}}},
		{write_rejects, e, dir, HH_OK, {{0}}},
		{write_report, e, dir, HH_OK, {{0}}},
	};
	enum { N = sizeof tasks / sizeof tasks[0] };
	pthread_t th[N];
	int started[N] = {0};
	for (int i = 0; i < N; i++)
		started[i] = pthread_create(&th[i], NULL, run_task, &tasks[i]) == 0;
	for (int i = 0; i < N; i++) {
		if (started[i])
			pthread_join(th[i], NULL);
		else
			run_task(&tasks[i]);
	}
	for (int i = 0; i < N; i++)
		if (tasks[i].status != HH_OK) {
			*err = tasks[i].err;
			return tasks[i].status;
		}
	return HH_OK;
}
