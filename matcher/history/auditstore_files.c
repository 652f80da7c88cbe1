/*
 * auditstore_files.c - the audit store over a run's folder: --run DIR, or
 * a period kept in --state DIR (DIR/runs/YYYYMM).  See auditstore.h.
 *
 * The run asked about is read when the store opens (report.json,
 * households.csv, findings.csv; explain.csv at its first use) and kept in
 * memory: a province's households.csv is hundreds of thousands of rows,
 * which fits comfortably, and every query filters it.  A kept period of
 * the history is read when asked for, and the last one read is kept, so
 * that its households and findings are read once each; a history period
 * whose files cannot be read is a gap, not an error, so the history shows
 * what it can.
 *
 * Findings carry region_code in findings.csv (the household's, or the
 * ID's for persons off the roster).  A run written before that column
 * existed gets its household's region_code from households.csv (as the
 * PostgreSQL store has it in its findings table): households are indexed
 * by household_id once, when the first finding is kept, and a household
 * listed twice gives its first row, as a scan would.
 */
#include <ctype.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/strbuf.h"
#include "history/auditstore_int.h"
#include "history/state.h"

/* The tables of one run folder, read when first needed. */
typedef struct {
	int period;            /* 0: nothing read yet */
	char *dir;
	rr_table *hh, *fnd, *explain;
	size_t *by_hid;        /* hh's rows sorted by household_id, or NULL */
} run_tables;

typedef struct {
	auditstore base;
	char *state, *run;     /* as given (NULL when not) */
	rr_report *rep;        /* the asked run's report.json */
	run_tables asked;      /* the run asked about */
	run_tables kept;       /* the kept period read last for the history */
	hh_err gap;            /* the text of the last gap */
} files_store;

static void tables_clear(run_tables *rt)
{
	free(rt->dir);
	rr_table_free(rt->hh);
	rr_table_free(rt->fnd);
	rr_table_free(rt->explain);
	free(rt->by_hid);
	memset(rt, 0, sizeof *rt);
}

static void files_close(auditstore *st)
{
	files_store *fs = (files_store *)st;
	tables_clear(&fs->asked);
	tables_clear(&fs->kept);
	rr_report_free(fs->rep);
	free(fs->state);
	free(fs->run);
	free(fs);
}

/* rt->dir/name into *t.  A failure of the run asked about is an error; of
 * a kept period, a gap (*gap set, HH_OK, *t NULL). */
static hh_status load(files_store *fs, run_tables *rt, const char *name, rr_table **t,
		      const char **gap, hh_err *err)
{
	strbuf path = STRBUF_INIT;
	sb_addf(&path, "%s/%s", rt->dir, name);
	if (path.oom)
		return hh_fail(err, HH_EINTERNAL, "out of memory");
	hh_status st = rr_table_load(sb_str(&path), t, rt == &fs->asked ? err : &fs->gap);
	sb_release(&path);
	if (st != HH_OK && rt != &fs->asked) {
		*gap = fs->gap.msg;
		return HH_OK;
	}
	return st;
}

/* Orders households.csv's rows by household_id, then by position. */
typedef struct {
	const rr_table *hh;
	int col;
} hid_order;

static int by_hid_cmp(const void *a, const void *b, void *ctx)
{
	const hid_order *o = ctx;
	size_t x = *(const size_t *)a, y = *(const size_t *)b;
	int c = strcmp(rr_cell(o->hh, x, o->col), rr_cell(o->hh, y, o->col));
	return c ? c : (x > y) - (x < y);
}

static hh_status index_households(run_tables *rt, hh_err *err)
{
	if (rt->by_hid)
		return HH_OK;
	size_t n = rt->hh->nrows;
	rt->by_hid = malloc((n ? n : 1) * sizeof *rt->by_hid);
	if (!rt->by_hid)
		return hh_fail(err, HH_EINTERNAL, "out of memory");
	for (size_t i = 0; i < n; i++)
		rt->by_hid[i] = i;
	hid_order o = {rt->hh, rr_col(rt->hh, "household_id")};
	qsort_r(rt->by_hid, n, sizeof *rt->by_hid, by_hid_cmp, &o);
	return HH_OK;
}

/* The region_code of household hid ("" when hid is empty or not in
 * households.csv); rt->by_hid is built (index_households). */
static const char *region_of(const run_tables *rt, const char *hid)
{
	const rr_table *hh = rt->hh;
	int hc = rr_col(hh, "household_id"), rc = rr_col(hh, "region_code");
	if (!hid[0])
		return "";
	size_t lo = 0, hi = hh->nrows;
	while (lo < hi) { /* the first row whose household_id is not below hid */
		size_t mid = lo + (hi - lo) / 2;
		if (strcmp(rr_cell(hh, rt->by_hid[mid], hc), hid) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < hh->nrows && !strcmp(rr_cell(hh, rt->by_hid[lo], hc), hid))
		return rr_cell(hh, rt->by_hid[lo], rc);
	return "";
}

/* Reads what q needs from rt's folder.  *src is the table to filter;
 * NULL with *gap set when the folder lacks it. */
static hh_status need(files_store *fs, run_tables *rt, const auditstore_query *q,
		      const rr_table **src, const char **gap, hh_err *err)
{
	*src = NULL;
	if (!rt->hh)
		HH_TRY(load(fs, rt, "households.csv", &rt->hh, gap, err));
	if (*gap)
		return HH_OK;
	if (q->table == AUDITSTORE_HOUSEHOLDS) {
		*src = rt->hh;
		return HH_OK;
	}
	if (q->table == AUDITSTORE_FINDINGS) {
		if (!rt->fnd)
			HH_TRY(load(fs, rt, "findings.csv", &rt->fnd, gap, err));
		*src = *gap ? NULL : rt->fnd;
		return HH_OK;
	}
	if (!rt->explain) {
		strbuf path = STRBUF_INIT;
		sb_addf(&path, "%s/explain.csv", rt->dir);
		if (path.oom)
			return hh_fail(err, HH_EINTERNAL, "out of memory");
		int missing = access(sb_str(&path), F_OK) != 0;
		sb_release(&path);
		if (missing) {
			*gap = "this run has no explain.csv: rule values are not available";
			return HH_OK;
		}
		HH_TRY(load(fs, rt, "explain.csv", &rt->explain, gap, err));
	}
	*src = rt->explain;
	return HH_OK;
}

/* The rows of src that q keeps, as auditstore.h lays them out. */
static hh_status filter(run_tables *rt, const rr_table *src, const auditstore_query *q,
			rr_table **out, hh_err *err)
{
	int fnd = q->table == AUDITSTORE_FINDINGS;
	int own_region = fnd ? rr_col(src, "region_code") : -1;
	if (own_region >= 0)
		fnd = 0; /* findings.csv has its own: nothing to add */
	size_t nc = src->ncols + (size_t)fnd;
	const char **v = malloc((nc ? nc : 1) * sizeof *v);
	rr_table *t = NULL;
	if (!v)
		return hh_fail(err, HH_EINTERNAL, "out of memory");
	for (size_t c = 0; c < src->ncols; c++)
		v[c] = src->header[c];
	if (fnd)
		v[src->ncols] = "region_code";
	t = auditstore_table_new(v, nc);
	if (t && q->table == AUDITSTORE_EXPLAIN) /* the store's column names */
		for (size_t c = 0; c < nc; c++)
			for (char *p = t->header[c]; *p; p++)
				*p = (char)tolower((unsigned char)*p);
	int by = rr_col(src, auditstore_by_column(q->by));
	int hc = rr_col(src, "household_id");
	size_t rlen = q->region ? strlen(q->region) : 0;
	for (size_t i = 0; t && i < src->nrows; i++) {
		const char *key = rr_cell(src, i, by);
		size_t k = 0;
		if (q->by == AUDITSTORE_BY_REGION) /* a prefix */
			while (k < q->n && strncmp(key, q->values[k], strlen(q->values[k])))
				k++;
		else
			while (k < q->n && strcmp(key, q->values[k]))
				k++;
		if (k == q->n)
			continue;
		for (size_t c = 0; c < src->ncols; c++)
			v[c] = src->rows[i][c];
		if (fnd && index_households(rt, err) != HH_OK) {
			rr_table_free(t);
			free(v);
			return HH_EINTERNAL;
		}
		if (fnd)
			v[src->ncols] = region_of(rt, rr_cell(src, i, hc));
		const char *region = own_region >= 0 ? v[own_region] : v[nc - 1];
		if (q->region && strncmp(region, q->region, rlen))
			continue;
		if (auditstore_table_add(t, v, src->lines[i])) {
			rr_table_free(t);
			t = NULL;
		}
	}
	free(v);
	if (!t)
		return hh_fail(err, HH_EINTERNAL, "out of memory");
	*out = t;
	return HH_OK;
}

static hh_status files_rows(auditstore *st, const auditstore_query *q, rr_table **out,
			    const char **gap, hh_err *err)
{
	files_store *fs = (files_store *)st;
	run_tables *rt = &fs->asked;
	if (q->period != AUDITSTORE_ASKED && !fs->state)
		return hh_fail(err, HH_EINTERNAL, "no state folder to read period %06d from",
			       q->period);
	if (q->period != AUDITSTORE_ASKED && fs->kept.period != q->period) {
		tables_clear(&fs->kept);
		strbuf dir = STRBUF_INIT;
		sb_addf(&dir, "%s/runs/%06d", fs->state, q->period);
		fs->kept.dir = sb_detach(&dir, NULL);
		if (!fs->kept.dir)
			return hh_fail(err, HH_EINTERNAL, "out of memory");
		fs->kept.period = q->period;
	}
	if (q->period != AUDITSTORE_ASKED)
		rt = &fs->kept;
	const rr_table *src;
	HH_TRY(need(fs, rt, q, &src, gap, err));
	return src ? filter(rt, src, q, out, err) : HH_OK;
}

static hh_status files_periods(auditstore *st, int **out, size_t *n, hh_err *err)
{
	files_store *fs = (files_store *)st;
	*out = NULL;
	*n = 0;
	return fs->state ? state_periods(fs->state, out, n, err) : HH_OK;
}

static int files_describe(const auditstore *st, json_t *query)
{
	const files_store *fs = (const files_store *)st;
	if (fs->state && hj_set_bytes(query, "state", fs->state))
		return -1;
	if (fs->run && hj_set_bytes(query, "run", fs->run))
		return -1;
	return 0;
}

static const struct auditstore_be files_be = {
	.name = "files",
	.periods = files_periods,
	.rows = files_rows,
	.describe = files_describe,
	.close = files_close,
};

/* The folder of the run w asks about. */
static hh_status run_dir(const auditstore_where *w, char **dir, hh_err *err)
{
	strbuf d = STRBUF_INIT;
	int p = 0;
	if (w->run) {
		if (w->period)
			return hh_fail(err, HH_EUSAGE, "--period selects a run kept in --state; "
				       "it does not go with --run");
		sb_adds(&d, w->run);
	} else {
		if (w->period) {
			HH_TRY(auditstore_parse_period(w->period, &p, err));
		} else {
			int *ps;
			size_t n;
			HH_TRY(state_periods(w->state, &ps, &n, err));
			p = n ? ps[n - 1] : 0;
			free(ps);
			if (!p)
				return hh_fail(err, HH_EINPUT, "no run kept in state folder %s",
					       w->state);
		}
		sb_addf(&d, "%s/runs/%06d", w->state, p);
	}
	if (!(*dir = sb_detach(&d, NULL)))
		return hh_fail(err, HH_EINTERNAL, "out of memory");
	if (!w->run && access(*dir, F_OK))
		return hh_fail(err, HH_EINPUT, "period %06d is not kept in state folder %s", p,
			       w->state);
	return HH_OK;
}

static hh_status open_run(files_store *fs, const auditstore_where *w, hh_err *err)
{
	HH_TRY(run_dir(w, &fs->asked.dir, err));
	strbuf path = STRBUF_INIT;
	sb_addf(&path, "%s/report.json", fs->asked.dir);
	hh_status st = path.oom ? hh_fail(err, HH_EINTERNAL, "out of memory")
				: rr_report_load(sb_str(&path), &fs->rep, err);
	sb_release(&path);
	HH_TRY(st);
	fs->asked.period = fs->rep->period;
	const char *gap = NULL;
	HH_TRY(load(fs, &fs->asked, "households.csv", &fs->asked.hh, &gap, err));
	HH_TRY(load(fs, &fs->asked, "findings.csv", &fs->asked.fnd, &gap, err));
	fs->base.info = (auditstore_info){
		.kind = "run",
		.name = fs->asked.dir,
		.period = fs->rep->period,
		.key_id = fs->rep->key_id,
		.sources = fs->rep,
		.history = fs->state != NULL,
	};
	return HH_OK;
}

static char *dup_or_null(const char *s, int *oom)
{
	char *d = s ? strdup(s) : NULL;
	*oom |= s && !d;
	return d;
}

hh_status auditstore_files_open(const auditstore_where *w, int logs_only, auditstore **out,
				hh_err *err)
{
	*out = NULL;
	int oom = 0;
	files_store *fs = calloc(1, sizeof *fs);
	if (!fs)
		return hh_fail(err, HH_EINTERNAL, "out of memory");
	fs->base.be = &files_be;
	fs->state = dup_or_null(w->state, &oom);
	fs->run = dup_or_null(w->run, &oom);
	hh_status st = oom ? hh_fail(err, HH_EINTERNAL, "out of memory") : HH_OK;
	if (st == HH_OK && !logs_only)
		st = open_run(fs, w, err);
	if (st != HH_OK) {
		files_close(&fs->base);
		return st;
	}
	*out = &fs->base;
	return HH_OK;
}
