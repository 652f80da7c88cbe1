/*
 * alerts.c - what changed since the previous period (see alerts.h).
 *
 * Alerts compare the run being published (the temporary folder) with the
 * latest period EARLIER than it kept in DIR/runs/, never with an earlier
 * run of the same period, so a rerun of a month gives the same alerts and
 * the same alert ids:
 *
 *   household kinds (flagged = listed in flags.csv; levels and reasons
 *   from households.csv, ordered none < low < medium < high):
 *     new           flagged now, not flagged (or absent) before
 *     escalated     flagged in both, level now higher
 *     de-escalated  flagged in both, level now lower
 *     resolved      flagged before, not now; risk_level is the current
 *                   level, or "none" when the household is gone
 *   (flagged in both at the same level: no alert, even if reasons changed)
 *   finding       an audit finding (A_*, D_MULTI_HOUSEHOLD, X_DISCOVERY)
 *                 whose (code, household_id, pid) is not in the earlier
 *                 period's findings.csv
 *
 * Each line of alerts.jsonl: alert_id, period, household_id, kind,
 * risk_level, reasons, previous_level, and for findings also code and pid.
 * alert_id = first 32 hex of SHA-256("PERIOD|SUBJECT|KIND|DETAIL"):
 * SUBJECT is the household_id for household kinds, and
 * "household_id/pid" for findings (either part may be empty: one person
 * may be a finding in two households); DETAIL is the reasons joined by
 * ';' for household kinds and the code for findings.  Lines are sorted by
 * household_id, then kind in the order above, then code and pid.
 *
 */

#include "history/alerts.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/fsutil.h"
#include "base/hex.h"
#include "base/json.h"
#include "base/strbuf.h"
#include "history/runread.h"
#include "history/state.h"

typedef enum { K_NEW, K_ESCALATED, K_DEESCALATED, K_RESOLVED, K_FINDING } alert_kind;
static const char *const kind_names[] = {"new", "escalated", "de-escalated", "resolved",
					 "finding"};

typedef struct {
	const char *household;   /* points into a table */
	alert_kind kind;
	const char *level, *prev_level;
	const char *reasons;     /* ';'-joined */
	const char *code, *pid;  /* findings */
} alert;

/* One run's view: households (sorted by id), which are flagged, and the
 * alerting findings. */
typedef struct {
	rr_table *hh, *flags, *fnd;
	size_t *order;      /* households.csv rows sorted by household_id */
	int c_id, c_level, c_reasons;
	int f_id;
	int x_code, x_hh, x_pid;
	size_t *forder;     /* alerting findings sorted by code, hh, pid */
	size_t nf;
} run_view;

/* Households rows by household_id (qsort_r: no file-scope state, so
 * two runs in one process may compute alerts at once). */
static int cmp_rows(const void *a, const void *b, void *ctx)
{
	const run_view *v = ctx;
	return strcmp(rr_cell(v->hh, *(const size_t *)a, v->c_id),
		      rr_cell(v->hh, *(const size_t *)b, v->c_id));
}

static int find_cmp3(const run_view *v, size_t row, const char *code, const char *hh,
		     const char *pid)
{
	int c = strcmp(rr_cell(v->fnd, row, v->x_code), code);
	if (!c)
		c = strcmp(rr_cell(v->fnd, row, v->x_hh), hh);
	if (!c)
		c = strcmp(rr_cell(v->fnd, row, v->x_pid), pid);
	return c;
}

static int cmp_find_key(const void *a, const void *b, void *ctx)
{
	const run_view *v = ctx;
	size_t y = *(const size_t *)b;
	return find_cmp3(v, *(const size_t *)a, rr_cell(v->fnd, y, v->x_code),
			 rr_cell(v->fnd, y, v->x_hh), rr_cell(v->fnd, y, v->x_pid));
}

int alerts_for_code(const char *code)
{
	return !strncmp(code, "A_", 2) || !strcmp(code, "D_MULTI_HOUSEHOLD") ||
	       !strcmp(code, "X_DISCOVERY");
}

static void view_free(run_view *v)
{
	rr_table_free(v->hh);
	rr_table_free(v->flags);
	rr_table_free(v->fnd);
	free(v->order);
	free(v->forder);
}

static hh_status need_col(const rr_table *t, const char *file, const char *name, int *col,
			  hh_err *err)
{
	*col = rr_col(t, name);
	if (*col < 0)
		return hh_fail(err, HH_EINPUT, "%s: no column %s", file, name);
	return HH_OK;
}

static hh_status view_load(const char *dir, run_view *v, hh_err *err)
{
	char p1[PATH_MAX], p2[PATH_MAX], p3[PATH_MAX];
	memset(v, 0, sizeof *v);
	snprintf(p1, sizeof p1, "%s/households.csv", dir);
	snprintf(p2, sizeof p2, "%s/flags.csv", dir);
	snprintf(p3, sizeof p3, "%s/findings.csv", dir);
	HH_TRY(rr_table_load(p1, &v->hh, err));
	HH_TRY(rr_table_load(p2, &v->flags, err));
	HH_TRY(rr_table_load(p3, &v->fnd, err));
	HH_TRY(need_col(v->hh, p1, "household_id", &v->c_id, err));
	HH_TRY(need_col(v->hh, p1, "risk_level", &v->c_level, err));
	HH_TRY(need_col(v->hh, p1, "reasons", &v->c_reasons, err));
	HH_TRY(need_col(v->flags, p2, "household_id", &v->f_id, err));
	HH_TRY(need_col(v->fnd, p3, "code", &v->x_code, err));
	HH_TRY(need_col(v->fnd, p3, "household_id", &v->x_hh, err));
	HH_TRY(need_col(v->fnd, p3, "pid", &v->x_pid, err));
	v->order = malloc((v->hh->nrows + 1) * sizeof *v->order);
	v->forder = malloc((v->fnd->nrows + 1) * sizeof *v->forder);
	if (!v->order || !v->forder)
		return hh_fail(err, HH_EINTERNAL, "out of memory");
	for (size_t i = 0; i < v->hh->nrows; i++)
		v->order[i] = i;
	qsort_r(v->order, v->hh->nrows, sizeof *v->order, cmp_rows, v);
	/* findings: the alerting codes, sorted by (code, household, pid) */
	for (size_t i = 0; i < v->fnd->nrows; i++)
		if (alerts_for_code(rr_cell(v->fnd, i, v->x_code)))
			v->forder[v->nf++] = i;
	qsort_r(v->forder, v->nf, sizeof *v->forder, cmp_find_key, v);
	return HH_OK;
}

/* Household row of id in a view, or SIZE_MAX (binary search). */
static size_t find_hh(const run_view *v, const char *id)
{
	size_t lo = 0, hi = v->hh->nrows;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = strcmp(rr_cell(v->hh, v->order[mid], v->c_id), id);
		if (!c)
			return v->order[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return (size_t)-1;
}

static int has_finding(const run_view *v, const char *code, const char *hh, const char *pid)
{
	size_t lo = 0, hi = v->nf;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = find_cmp3(v, v->forder[mid], code, hh, pid);
		if (!c)
			return 1;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return 0;
}

/* Flagged household ids as a sorted array of strings. */
static const char **flagged_ids(const run_view *v)
{
	const char **ids = malloc((v->flags->nrows + 1) * sizeof *ids);
	if (!ids)
		return NULL;
	for (size_t i = 0; i < v->flags->nrows; i++)
		ids[i] = rr_cell(v->flags, i, v->f_id);
	return ids;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int is_flagged(const char **ids, size_t n, const char *id)
{
	return bsearch(&id, ids, n, sizeof *ids, cmp_str) != NULL;
}

static int cmp_alert(const void *a, const void *b)
{
	const alert *x = a, *y = b;
	int c = strcmp(x->household, y->household);
	if (c)
		return c;
	if (x->kind != y->kind)
		return x->kind < y->kind ? -1 : 1;
	c = strcmp(x->code ? x->code : "", y->code ? y->code : "");
	if (c)
		return c;
	return strcmp(x->pid ? x->pid : "", y->pid ? y->pid : "");
}

int alerts_id(int period, const char *subject, const char *kind, const char *detail,
	      char out[33])
{
	strbuf b = STRBUF_INIT;
	char hex[65];
	sb_addf(&b, "%06d|%s|%s|%s", period, subject, kind, detail);
	int rc = b.oom ? -1 : hex_sha256(b.buf, b.len, hex);
	sb_release(&b);
	if (rc)
		return -1;
	memcpy(out, hex, 32);
	out[32] = '\0';
	return 0;
}

/* The reasons "R_A;R_B" as a JSON array; NULL on no memory. */
static json_t *reasons_array(const char *reasons)
{
	json_t *arr = json_array();
	const char *p = reasons;
	while (arr && *p) {
		const char *e = strchr(p, ';');
		size_t len = e ? (size_t)(e - p) : strlen(p);
		if (len && json_array_append_new(arr, hj_string_bytes(p, len, NULL))) {
			json_decref(arr);
			return NULL;
		}
		p += len + (e ? 1 : 0);
	}
	return arr;
}

/* Appends a's line to b; -1 on no memory.  Members in this order:
 * alert_id, period, household_id, kind, risk_level, reasons,
 * previous_level, and for findings code and pid. */
static int put_alert(strbuf *b, int period, const alert *a)
{
	char id[33], subject[512], per[16];
	int rc;
	if (a->kind == K_FINDING) {
		snprintf(subject, sizeof subject, "%s/%s", a->household, a->pid);
		rc = alerts_id(period, subject, "finding", a->code, id);
	} else {
		rc = alerts_id(period, a->household, kind_names[a->kind], a->reasons, id);
	}
	snprintf(per, sizeof per, "%06d", period);
	json_t *o = json_object();
	int bad = rc != 0 || !o;
	bad |= json_object_set_new(o, "alert_id", json_string(id));
	bad |= json_object_set_new(o, "period", json_string(per));
	bad |= json_object_set_new(o, "household_id",
				   hj_string_bytes(a->household, strlen(a->household), NULL));
	bad |= json_object_set_new(o, "kind", json_string(kind_names[a->kind]));
	bad |= json_object_set_new(o, "risk_level", hj_string_bytes(a->level, strlen(a->level), NULL));
	bad |= json_object_set_new(o, "reasons", reasons_array(a->reasons));
	bad |= json_object_set_new(o, "previous_level",
				   hj_string_bytes(a->prev_level, strlen(a->prev_level), NULL));
	if (a->kind == K_FINDING) {
		bad |= json_object_set_new(o, "code", hj_string_bytes(a->code, strlen(a->code), NULL));
		bad |= json_object_set_new(o, "pid", hj_string_bytes(a->pid, strlen(a->pid), NULL));
	}
	if (!bad)
		hj_dump(b, o, HJ_LINE);
	json_decref(o);
	sb_addc(b, '\n');
	return bad || b->oom ? -1 : 0;
}

static hh_status grow_alerts(alert **as, size_t *n, size_t *cap, hh_err *err)
{
	if (*n < *cap)
		return HH_OK;
	size_t nc = *cap ? *cap * 2 : 256;
	alert *na = realloc(*as, nc * sizeof *na);
	if (!na)
		return hh_fail(err, HH_EINTERNAL, "out of memory");
	*as = na;
	*cap = nc;
	return HH_OK;
}

static hh_status compute(const run_view *cur, const run_view *prev, int period,
			 const char *dir, unsigned long *n_alerts, hh_err *err)
{
	static const char *const none = "none";
	const char **cf = flagged_ids(cur);
	const char **pf = prev ? flagged_ids(prev) : NULL;
	alert *as = NULL;
	size_t n = 0, cap = 0;
	hh_status st = HH_OK;
	if (!cf || (prev && !pf))
		st = hh_fail(err, HH_EINTERNAL, "out of memory");
	size_t ncf = cur->flags->nrows, npf = prev ? prev->flags->nrows : 0;
	if (st == HH_OK) {
		qsort(cf, ncf, sizeof *cf, cmp_str);
		if (pf)
			qsort(pf, npf, sizeof *pf, cmp_str);
	}
	/* flagged now: new, escalated, de-escalated */
	for (size_t i = 0; st == HH_OK && i < ncf; i++) {
		size_t row = find_hh(cur, cf[i]);
		if (row == (size_t)-1)
			continue; /* flags.csv lists only households.csv rows */
		const char *lvl = rr_cell(cur->hh, row, cur->c_level);
		alert a = {.household = cf[i], .level = lvl, .prev_level = none,
			   .reasons = rr_cell(cur->hh, row, cur->c_reasons)};
		size_t prow = prev ? find_hh(prev, cf[i]) : (size_t)-1;
		if (prow != (size_t)-1)
			a.prev_level = rr_cell(prev->hh, prow, prev->c_level);
		if (!pf || !is_flagged(pf, npf, cf[i]))
			a.kind = K_NEW;
		else {
			int now = rr_level(lvl), was = rr_level(a.prev_level);
			if (now == was)
				continue;
			a.kind = now > was ? K_ESCALATED : K_DEESCALATED;
		}
		st = grow_alerts(&as, &n, &cap, err);
		if (st == HH_OK)
			as[n++] = a;
	}
	/* flagged before, not now: resolved */
	for (size_t i = 0; st == HH_OK && i < npf; i++) {
		if (is_flagged(cf, ncf, pf[i]))
			continue;
		size_t prow = find_hh(prev, pf[i]);
		size_t row = find_hh(cur, pf[i]);
		alert a = {.household = pf[i], .kind = K_RESOLVED, .level = none,
			   .prev_level = prow != (size_t)-1
						 ? rr_cell(prev->hh, prow, prev->c_level) : none,
			   .reasons = ""};
		if (row != (size_t)-1) {
			a.level = rr_cell(cur->hh, row, cur->c_level);
			a.reasons = rr_cell(cur->hh, row, cur->c_reasons);
		}
		st = grow_alerts(&as, &n, &cap, err);
		if (st == HH_OK)
			as[n++] = a;
	}
	/* audit findings not in the earlier period */
	for (size_t i = 0; st == HH_OK && i < cur->nf; i++) {
		size_t fr = cur->forder[i];
		const char *code = rr_cell(cur->fnd, fr, cur->x_code);
		const char *hh = rr_cell(cur->fnd, fr, cur->x_hh);
		const char *pid = rr_cell(cur->fnd, fr, cur->x_pid);
		if (i > 0 && !find_cmp3(cur, cur->forder[i - 1], code, hh, pid))
			continue; /* same (code, household, pid) twice */
		if (prev && has_finding(prev, code, hh, pid))
			continue;
		size_t row = hh[0] ? find_hh(cur, hh) : (size_t)-1;
		alert a = {.household = hh, .kind = K_FINDING, .code = code, .pid = pid,
			   .level = row != (size_t)-1 ? rr_cell(cur->hh, row, cur->c_level)
						      : none,
			   .prev_level = none, .reasons = code};
		if (prev && hh[0]) {
			size_t prow = find_hh(prev, hh);
			if (prow != (size_t)-1)
				a.prev_level = rr_cell(prev->hh, prow, prev->c_level);
		}
		st = grow_alerts(&as, &n, &cap, err);
		if (st == HH_OK)
			as[n++] = a;
	}
	strbuf b = STRBUF_INIT;
	if (st == HH_OK) {
		qsort(as, n, sizeof *as, cmp_alert);
		int bad = 0;
		for (size_t i = 0; i < n; i++)
			bad |= put_alert(&b, period, &as[i]);
		if (bad)
			st = hh_fail(err, HH_EINTERNAL, "cannot write alerts.jsonl: out of memory");
	}
	if (st == HH_OK) {
		char path[PATH_MAX];
		snprintf(path, sizeof path, "%s/alerts.jsonl", dir);
		st = fs_write_file(path, sb_str(&b), b.len, 0600, err);
	}
	if (st == HH_OK)
		*n_alerts = (unsigned long)n;
	sb_release(&b);
	free(as);
	free(cf);
	free(pf);
	return st;
}

hh_status alerts_write(const char *state_dir, int period, const char *dir,
		       unsigned long *n_alerts, hh_err *err)
{
	run_view cur, prev;
	int pp = 0;
	*n_alerts = 0;
	HH_TRY(state_previous(state_dir, period, &pp, err));
	hh_status st = view_load(dir, &cur, err);
	int have_prev = 0;
	if (st == HH_OK && pp) {
		char pdir[PATH_MAX];
		snprintf(pdir, sizeof pdir, "%s/runs/%06d", state_dir, pp);
		st = view_load(pdir, &prev, err);
		have_prev = 1;
		if (st != HH_OK)
			hh_wrap(err, st, "state period %06d", pp);
	}
	if (st == HH_OK)
		st = compute(&cur, have_prev ? &prev : NULL, period, dir, n_alerts, err);
	view_free(&cur);
	if (have_prev)
		view_free(&prev);
	return st;
}
