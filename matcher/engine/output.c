/*
 * output.c - the run's files: households.csv, flags.csv, findings.csv,
 * rejects.csv and report.json, written into a folder the caller chose
 * (commands/publish.c makes it a temporary folder and renames it into
 * place).  report.json goes through jansson (base/json.h).
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

#include "base/fsutil.h"
#include "base/json.h"
#include "connectors/csvw.h"
#include "engine/engine_int.h"


static hh_status open_in(const engine *e, const char *dir, const char *name, csvw **w,
			 hh_err *err)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	HH_TRY(csvw_open(path, w, err));
	if (e->cfg->csv_bom)
		csvw_raw(*w, "\xEF\xBB\xBF", 3);
	return HH_OK;
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
	HH_TRY(open_in(e, dir, flagged_only ? "flags.csv" : "households.csv", &w, err));
	csvw_raw(w, households_header, sizeof households_header - 1);
	for (size_t i = 0; i < e->out_households.n; i++) {
		const household_out *h = out_at(e, i);
		if (!flagged_only || h->flagged)
			put_household(w, e, h);
	}
	return csvw_close(w, err);
}

/* explain.csv: for every household, each rule's compared value and
 * threshold (money in yuan, counts and 0/1 flags as integers), whether
 * it fired and the weight it carries under the rules in effect, then the
 * score and level they add up to, so an auditor can see why a rule fired
 * or did not, and how the score came about, without rerunning. */
static int rule_is_money(int r)
{
	return r == R_INCOME || r == R_MEDICAL || r == R_EDUCATION;
}

static hh_status write_explain(engine *e, const char *dir, hh_err *err)
{
	csvw *w;
	HH_TRY(open_in(e, dir, "explain.csv", &w, err));
	csvw_printf(w, "household_id,income_line");
	for (int r = 0; r < R_COUNT; r++) {
		const char *code = rules_code_name((rule_code)r);
		csvw_printf(w, ",%s_value,%s_threshold,%s_fired,%s_weight", code, code, code,
			    code);
	}
	csvw_printf(w, ",risk_score,risk_level");
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
			csvw_int(w, res.fired[r], 1);
			csvw_int(w, e->cfg->rules->weight[r], 1);
		}
		csvw_int(w, res.score, 1);
		csvw_str(w, rules_level_name(res.level), 1);
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

/* The household whose id is id (e->households is in id order once
 * household_evaluate has run), or NULL. */
static const household *household_by_id(const engine *e, const char *id)
{
	size_t lo = 0, hi = e->households.n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const household *h = vec_at(&e->households, mid);
		int c = strcmp(h->id, id);
		if (!c)
			return h;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* findings.csv's region_code: the household's region when the finding
 * names one; for a person on the roster (exited included) the region of
 * the household of their first roster row; for anyone else the region of
 * their ID (the number, or a pid extract's id_region); else empty. */
static void finding_region(const engine *e, const finding_rec *fr, char out[16])
{
	const household *h = fr->household ? household_by_id(e, fr->household) : NULL;
	const roster_person *p = !h && fr->has_pid && e->roster_persons
		? ptab_find(e->roster_persons, fr->pid) : NULL;
	if (p)
		h = vec_at(&e->households,
			   ((const roster_row *)vec_at(&e->roster, p->first_row))->household);
	if (h)
		snprintf(out, 16, "%s", h->region);
	else if (fr->id_region)
		snprintf(out, 16, "%06d", (int)fr->id_region);
	else
		out[0] = '\0';
}

static hh_status write_findings(engine *e, const char *dir, hh_err *err)
{
	csvw *w;
	char hex[65], region[16];
	if (e->findings.n)
		qsort(e->findings.items, e->findings.n, sizeof(finding_rec), cmp_finding);
	HH_TRY(open_in(e, dir, "findings.csv", &w, err));
	csvw_printf(w, "code,source,household_id,pid,detail,region_code\n");
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
		finding_region(e, fr, region);
		csvw_str(w, region, 1);
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
	if (all.n) /* qsort's base may not be NULL, even for no items */
		qsort(all.items, all.n, sizeof(reject_rec), cmp_reject);
	hh_status st = open_in(e, dir, "rejects.csv", &w, err);
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

/* JSON numbers for report.json.  Timings are rounded to milliseconds and
 * printed with few digits (report.json is read by people too). */
static json_t *num(uint64_t v) { return json_integer((json_int_t)v); }
static json_t *seconds(double v) { return json_real((double)(int64_t)(v * 1000 + 0.5) / 1000); }

/* obj[key] = v; a value that could not be made (NULL: no memory) or not
 * be set marks *bad, so no report short of a member is written. */
static void set(json_t *obj, const char *key, json_t *v, int *bad)
{
	if (!obj || json_object_set_new(obj, key, v))
		*bad = 1;
}

/* "YYYYMM" or "YYYY-MM-DD" of a period or date kept as a number. */
static json_t *day_or_month(int32_t v)
{
	char b[16];
	if (v > 999999)
		snprintf(b, sizeof b, "%04d-%02d-%02d", v / 10000, v / 100 % 100, v % 100);
	else
		snprintf(b, sizeof b, "%06d", v);
	return json_string(b);
}

/* What the delivery guards (history/guards.h) read of hr and medical:
 * how many accepted rows the run counts, and which periods or dates the
 * accepted rows span (hr: rows_current, period_first, period_last;
 * medical: rows_in_window, window_first, window_last, settle_first,
 * settle_last). */
static void report_counted(const engine *e, const ingest *in, json_t *o, int *bad)
{
	if (in->sid != SRC_HR && in->sid != SRC_MEDICAL)
		return;
	int hr = in->sid == SRC_HR;
	set(o, hr ? "rows_current" : "rows_in_window", num(in->rows_counted), bad);
	if (!hr) {
		set(o, "window_first", day_or_month(e->window_start), bad);
		set(o, "window_last", day_or_month(e->period_end), bad);
	}
	if (in->span_first) {
		set(o, hr ? "period_first" : "settle_first", day_or_month(in->span_first), bad);
		set(o, hr ? "period_last" : "settle_last", day_or_month(in->span_last), bad);
	}
}

/* One source's object in report.json; NULL on no memory. */
static json_t *report_source(const engine *e, int i)
{
	const ingest *in = &e->in[i];
	json_t *o = json_object();
	int bad = 0;
	if (!in->path) {
		set(o, "absent", json_true(), &bad);
		if (bad) {
			json_decref(o);
			return NULL;
		}
		return o;
	}
	size_t persons = i == SRC_CIVIL_AFFAIRS ? ptab_count(e->roster_persons)
		: e->comm ? e->persons[i] /* rank 0 holds its own share, and copies */
			  : ptab_count(in->agg);
	size_t on_roster = i == SRC_CIVIL_AFFAIRS ? persons : e->on_roster[i];
	set(o, "absent", json_false(), &bad);
	bad |= hj_set_bytes(o, "file", in->display_path) != 0;
	char abs[PATH_MAX];
	if (!in->remote && realpath(in->path, abs))
		bad |= hj_set_bytes(o, "path", abs) != 0;
	set(o, "sha256", json_string(in->sha256), &bad);
	set(o, "encoding", json_string(in->encoding_used), &bad);
	set(o, "rows_read", num(in->rows_read), &bad);
	set(o, "rows_accepted", num(in->rows_accepted), &bad);
	set(o, "rows_rejected", num(in->rows_rejected), &bad);
	json_t *reasons = json_object();
	for (size_t r = 0; r < in->nreasons; r++)
		set(reasons, in->reasons[r].reason, num(in->reasons[r].count), &bad);
	set(o, "rejects_by_reason", reasons, &bad);
	set(o, "persons", num(persons), &bad);
	set(o, "persons_on_roster", num(on_roster), &bad);
	report_counted(e, in, o, &bad);
	set(o, "seconds", seconds(in->seconds), &bad);
	set(o, "table_bytes",
			    num(i == SRC_CIVIL_AFFAIRS
					? ptab_bytes(e->roster_persons) + e->roster.cap * e->roster.size
					: ptab_bytes(in->agg)), &bad);
	set(o, "duplicate_set_bytes", num(in->dup_bytes), &bad);
	if (bad) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static hh_status write_report(engine *e, const char *dir, hh_err *err)
{
	const engine_summary *s = e->sum;
	char period[16];
	snprintf(period, sizeof period, "%06d", e->cfg->period);
	json_t *r = json_object(), *srcs = json_object(), *levels = json_object(),
	       *findings = json_object(), *timings = json_object();
	int bad = 0;
	set(r, "hhmatch_version", json_string(HH_VERSION), &bad);
	set(r, "period", json_string(period), &bad);
	set(r, "key_id", json_string(pid_key_id(e->cfg->key)), &bad);
	/* The rules in effect (defaults with --rules applied) and the digest
	 * of their canonical text: two runs with the same rules_sha256
	 * applied the same thresholds, whatever files set them. */
	char rules_sha[65] = "";
	bad |= rules_sha256(e->cfg->rules, rules_sha) != 0;
	set(r, "rules_sha256", json_string(rules_sha), &bad);
	set(r, "rules", rules_settings_json(e->cfg->rules), &bad);
	set(r, "threads", json_integer(e->cfg->threads), &bad);
	for (int i = 0; i < SRC_COUNT; i++) {
		json_t *o = report_source(e, i);
		set(srcs, source_name((source_id)i), o, &bad);
	}
	set(r, "sources", srcs, &bad);
	set(r, "households", num(s->households), &bad);
	set(r, "flagged", num(s->flagged), &bad);
	set(levels, "high", num(s->level[LEVEL_HIGH]), &bad);
	set(levels, "medium", num(s->level[LEVEL_MEDIUM]), &bad);
	set(levels, "low", num(s->level[LEVEL_LOW]), &bad);
	set(levels, "none", num(s->level[LEVEL_NONE]), &bad);
	set(r, "risk_levels", levels, &bad);
	for (int c = 0; c < F_COUNT; c++)
		set(findings, engine_finding_name((finding_code)c),
				    num(s->findings_by_code[c]), &bad);
	set(r, "findings", findings, &bad);
	set(timings, "ingest", seconds(e->t_ingest), &bad);
	set(timings, "repair", seconds(e->t_repair), &bad);
	set(timings, "households", seconds(e->t_households), &bad);
	set(r, "timings_seconds", timings, &bad);
	strbuf b = STRBUF_INIT;
	if (!bad)
		hj_dump(&b, r, HJ_PRETTY | JSON_REAL_PRECISION(9));
	json_decref(r);
	sb_addc(&b, '\n');
	hh_status st;
	if (bad || b.oom) {
		st = hh_fail(err, HH_EINTERNAL, "cannot write report.json: out of memory");
	} else {
		char path[PATH_MAX];
		snprintf(path, sizeof path, "%s/report.json", dir);
		st = fs_write_file(path, b.buf, b.len, 0666, err);
	}
	sb_release(&b);
	return st;
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
