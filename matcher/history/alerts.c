/*
 * alerts.c - what changed since the previous period, and what a rerun of
 * a period withdraws (see alerts.h).
 *
 * Alerts compare the run being published (the temporary folder) with the
 * latest period EARLIER than it kept in DIR/runs/, never with an earlier
 * run of the same period, so a rerun of a month on the same inputs gives
 * the same alerts and the same alert ids:
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
 *   follow_up     flagged now, and its caseworkers' decision is confirmed
 *                 and review_follow_up_months months (or a multiple) have
 *                 passed since it, counted from the earlier period
 *
 * Caseworkers' decisions (history/reviews.h: which ones a run of a period
 * applies) shape these: the household's last decision
 *   false_positive  keeps new and escalated from being sent while the
 *                   household is at no higher level and has no reason
 *                   that was not reviewed, for review_suppress_months
 *   deceased        keeps A_DECEASED findings of the household unsent
 *   moved           keeps D_MULTI_HOUSEHOLD findings unsent
 *   false_positive on a finding's alert keeps that code unsent as long
 * and every alert of a household with a decision carries it (members
 * decision, decided_on; in text too).  What is kept unsent is counted in
 * report.json's "reviews", with the number of decisions known, which a
 * rerun of the period reads back from the state so that it applies the
 * same ones.  The settings come from report.json's "rules".
 *
 * A rerun of a period (DIR/runs/PERIOD/alerts.jsonl holds the previous
 * run of the same period) must not leave a caseworker acting on an alert
 * the corrected data no longer gives, and must not send again what the
 * consumer has seen (it drops ids it knows).  So against that previous
 * file E:
 *   retracted     an alert of E that this run no longer produces; it
 *                 names the withdrawn id in `retracts` (and its kind in
 *                 `retracted_kind`); risk_level and reasons are the
 *                 household's in this run, as for resolved
 *   retractions of E are carried forward verbatim (same ids): a withdrawn
 *   id is never produced again, because an alert whose id E withdrew is
 *   re-issued under a new id (generation N: DETAIL becomes "DETAIL#N",
 *   the smallest N >= 1 whose id E has not withdrawn; member
 *   `generation`).  Retractions therefore accumulate over the reruns of
 *   a period, and an unchanged rerun writes E again byte for byte.
 *
 * Each line of alerts.jsonl: alert_id, period, household_id, kind,
 * risk_level, reasons, previous_level; then code and pid for findings
 * and retractions of findings; retracts and retracted_kind for
 * retractions; generation for a re-issued alert; decision and decided_on
 * for a household with a decision; last, text: the alert in
 * Chinese for people (kind, level, reasons as labels.schema names them).
 * alert_id = first 32 hex of SHA-256("PERIOD|SUBJECT|KIND|DETAIL"):
 * SUBJECT is the household_id for household kinds, and
 * "household_id/pid" for findings (either part may be empty: one person
 * may be a finding in two households) and their retractions; DETAIL is
 * the reasons joined by ';' for household kinds, the code for findings
 * and the withdrawn alert_id for retractions.  Lines are sorted by
 * household_id, then kind in the order above (follow_up after finding,
 * retracted last), then
 * code and pid, then alert_id.
 */

#include "history/alerts.h"
#include "domain/labels.h"
#include "domain/period.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/fsutil.h"
#include "base/hex.h"
#include "base/json.h"
#include "base/strbuf.h"
#include "history/reviews.h"
#include "history/runread.h"
#include "history/state.h"

/* The earlier run's alerts.jsonl is read whole; it holds one line per
 * change, far below this. */
#define EARLIER_MAX ((size_t)4 << 30)
/* The hint of a damaged earlier alerts.jsonl. */
#define EARLIER_FIX "; restore it from the alerts.jsonl that run published"

typedef enum {
	K_NEW, K_ESCALATED, K_DEESCALATED, K_RESOLVED, K_FINDING, K_FOLLOW_UP, K_RETRACTED
} alert_kind;
static const char *const kind_names[] = {"new", "escalated", "de-escalated", "resolved",
					 "finding", "follow_up", "retracted"};

typedef struct {
	const char *household;   /* points into a table or an earlier line */
	alert_kind kind;
	const char *level, *prev_level;
	const char *reasons;     /* ';'-joined */
	const char *code, *pid;  /* findings, and retractions of findings */
	const char *retracts;    /* retractions: the withdrawn alert_id ... */
	const char *retracted_kind; /* ... and its kind */
	unsigned generation;     /* 0, or N for the N-th re-issue */
	const char *line;        /* a retraction carried forward: its line */
	const review *decision;  /* the household's decision, or NULL */
	char id[33];
} alert;

/* The caseworkers' decisions this run applies, and what they kept. */
typedef struct {
	reviews *rv;
	int exists;              /* the state has reviews.jsonl */
	unsigned long known;     /* its first lines that count (reviews.h) */
	int period, prev;        /* this run's, the one compared with (0) */
	int suppress_months, follow_up_months;
	unsigned long kept[K_RETRACTED + 1]; /* alerts kept unsent, by kind */
	unsigned long follow_ups;
} applied;

typedef struct {
	alert *v;
	size_t n, cap;
} alert_list;

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

/* The previous run of the same period: its alerts.jsonl, one parsed
 * object per line, and the ids its retractions withdraw (sorted). */
typedef struct {
	char *text;             /* the file; each line NUL-terminated in place */
	json_t **obj;
	const char **raw;       /* each line's text, into text */
	size_t n;
	const char **withdrawn; /* into obj */
	size_t nw;
} earlier_run;

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

/* 1 when id is in the sorted array ids[0..n). */
static int in_sorted(const char *const *ids, size_t n, const char *id)
{
	return n && bsearch(&id, ids, n, sizeof *ids, cmp_str) != NULL;
}

/* Alert ids copied out of a list (char[33] each), for a sorted set. */
static int cmp_id(const void *a, const void *b)
{
	return strcmp(a, b);
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
	if (!c)
		c = strcmp(x->pid ? x->pid : "", y->pid ? y->pid : "");
	/* two retractions of one household (a re-issued alert withdrawn
	 * again) differ only in their ids */
	return c ? c : strcmp(x->id, y->id);
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

/* a->id for the alert as it stands; for any kind but retracted, the
 * first generation whose id the earlier run has not withdrawn (see the
 * top of the file).  -1 on no memory or a hash failure. */
static int alert_make_id(int period, const earlier_run *er, alert *a)
{
	strbuf subject = STRBUF_INIT, detail = STRBUF_INIT;
	const char *d = a->kind == K_FINDING     ? a->code
			: a->kind == K_RETRACTED ? a->retracts
						 : a->reasons;
	int rc = 0;
	sb_adds(&subject, a->household);
	if (a->pid) {
		sb_addc(&subject, '/');
		sb_adds(&subject, a->pid);
	}
	for (a->generation = 0;; a->generation++) {
		sb_reset(&detail);
		sb_adds(&detail, d);
		if (a->generation)
			sb_addf(&detail, "#%u", a->generation);
		if (subject.oom || detail.oom ||
		    alerts_id(period, sb_str(&subject), kind_names[a->kind], sb_str(&detail),
			      a->id)) {
			rc = -1;
			break;
		}
		if (a->kind == K_RETRACTED || !in_sorted(er->withdrawn, er->nw, a->id))
			break;
	}
	sb_release(&subject);
	sb_release(&detail);
	return rc;
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

static json_t *text(const char *s)
{
	return hj_string_bytes(s, strlen(s), NULL);
}

/* "（核查结论：误报，2026-11-20）" after an alert's text when its household
 * has a decision. */
static void decision_text(strbuf *b, const labels *lb, const alert *a)
{
	char date[PERIOD_ISO_SIZE];
	if (!a->decision)
		return;
	period_day_iso(a->decision->decided_on, date);
	sb_addf(b, "（核查结论：%s，%s）",
		labels_text(lb, "decision", reviews_decision_code(a->decision->decision),
			    LANG_ZH), date);
}

/* The alert in Chinese for the person who reads it in a caseworker
 * system ("风险升级：低风险 → 中风险；零就业家庭、因病：医疗自付负担重"):
 * labels from schemas/labels.schema, codes themselves when one has no
 * label.  Appends to b. */
static void human_text(strbuf *b, const labels *lb, const alert *a)
{
	const char *kind = labels_text(lb, "kind", kind_names[a->kind], LANG_ZH);
	const char *level = labels_text(lb, "level", a->level, LANG_ZH);
	sb_addf(b, "%s：", kind);
	if (a->kind == K_RETRACTED) {
		sb_addf(b, "撤回此前的%s提醒（%s）", labels_text(lb, "kind", a->retracted_kind,
							     LANG_ZH), a->retracts);
		return;
	}
	if (a->code && a->pid) {
		sb_adds(b, labels_text(lb, "finding", a->code, LANG_ZH));
		decision_text(b, lb, a);
		return;
	}
	if (a->prev_level[0] && strcmp(a->prev_level, a->level) && a->kind != K_NEW)
		sb_addf(b, "%s → %s", labels_text(lb, "level", a->prev_level, LANG_ZH), level);
	else
		sb_adds(b, level);
	if (a->reasons && *a->reasons) {
		sb_adds(b, "；");
		labels_join(lb, "reason", a->reasons, "、", LANG_ZH, b);
	}
	decision_text(b, lb, a);
}

/* Appends a's line to b; -1 on no memory.  Members in the order given at
 * the top of the file; a retraction carried forward is its earlier line,
 * byte for byte. */
static int put_alert(strbuf *b, int period, const labels *lb, const alert *a)
{
	char per[16];
	if (a->line) {
		sb_adds(b, a->line);
		sb_addc(b, '\n');
		return b->oom ? -1 : 0;
	}
	snprintf(per, sizeof per, "%06d", period);
	json_t *o = json_object();
	int bad = !o;
	bad |= json_object_set_new(o, "alert_id", json_string(a->id));
	bad |= json_object_set_new(o, "period", json_string(per));
	bad |= json_object_set_new(o, "household_id", text(a->household));
	bad |= json_object_set_new(o, "kind", json_string(kind_names[a->kind]));
	bad |= json_object_set_new(o, "risk_level", text(a->level));
	bad |= json_object_set_new(o, "reasons", reasons_array(a->reasons));
	bad |= json_object_set_new(o, "previous_level", text(a->prev_level));
	if (a->code && a->pid) {
		bad |= json_object_set_new(o, "code", text(a->code));
		bad |= json_object_set_new(o, "pid", text(a->pid));
	}
	if (a->kind == K_RETRACTED) {
		bad |= json_object_set_new(o, "retracts", text(a->retracts));
		bad |= json_object_set_new(o, "retracted_kind", text(a->retracted_kind));
	}
	if (a->generation)
		bad |= json_object_set_new(o, "generation", json_integer(a->generation));
	if (a->decision) {
		char date[PERIOD_ISO_SIZE];
		period_day_iso(a->decision->decided_on, date);
		bad |= json_object_set_new(o, "decision", json_string(reviews_decision_code(
								   a->decision->decision)));
		bad |= json_object_set_new(o, "decided_on", json_string(date));
	}
	strbuf t = STRBUF_INIT;
	human_text(&t, lb, a);
	bad |= t.oom || json_object_set_new(o, "text", text(sb_str(&t)));
	sb_release(&t);
	if (!bad)
		hj_dump(b, o, HJ_LINE);
	json_decref(o);
	sb_addc(b, '\n');
	return bad || b->oom ? -1 : 0;
}

static hh_status list_push(alert_list *l, const alert *a, hh_err *err)
{
	if (l->n == l->cap) {
		size_t nc = l->cap ? l->cap * 2 : 256;
		alert *nv = realloc(l->v, nc * sizeof *nv);
		if (!nv)
			return hh_fail(err, HH_EINTERNAL, "out of memory");
		l->v = nv;
		l->cap = nc;
	}
	l->v[l->n++] = *a;
	return HH_OK;
}

/* The household's level in v, or "none" when it is not there. */
static const char *level_in(const run_view *v, const char *hh)
{
	size_t row = v && hh[0] ? find_hh(v, hh) : (size_t)-1;
	return row != (size_t)-1 ? rr_cell(v->hh, row, v->c_level) : "none";
}

/* new, escalated, de-escalated, resolved and finding: cur against prev
 * (NULL: no earlier period). */
static hh_status collect_changes(const run_view *cur, const run_view *prev, applied *ap,
				 alert_list *l, hh_err *err)
{
	static const char *const none = "none";
	const char **cf = flagged_ids(cur);
	const char **pf = prev ? flagged_ids(prev) : NULL;
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
		alert a = {.household = cf[i], .level = lvl, .prev_level = level_in(prev, cf[i]),
			   .reasons = rr_cell(cur->hh, row, cur->c_reasons),
			   .decision = reviews_last(ap->rv, cf[i], ap->period, ap->known)};
		if (reviews_follow_up(a.decision, ap->period, ap->prev, ap->follow_up_months)) {
			alert f = a;
			f.kind = K_FOLLOW_UP;
			ap->follow_ups++;
			st = list_push(l, &f, err);
		}
		if (!pf || !in_sorted(pf, npf, cf[i]))
			a.kind = K_NEW;
		else {
			int now = rr_level(lvl), was = rr_level(a.prev_level);
			if (now == was)
				continue;
			a.kind = now > was ? K_ESCALATED : K_DEESCALATED;
		}
		if (a.kind != K_DEESCALATED &&
		    reviews_suppresses(a.decision, ap->period, ap->suppress_months, rr_level(lvl),
				       a.reasons)) {
			ap->kept[a.kind]++;
			continue;
		}
		if (st == HH_OK)
			st = list_push(l, &a, err);
	}
	/* flagged before, not now: resolved */
	for (size_t i = 0; st == HH_OK && i < npf; i++) {
		if (in_sorted(cf, ncf, pf[i]))
			continue;
		size_t row = find_hh(cur, pf[i]);
		alert a = {.household = pf[i], .kind = K_RESOLVED, .level = none,
			   .prev_level = level_in(prev, pf[i]), .reasons = "",
			   .decision = reviews_last(ap->rv, pf[i], ap->period, ap->known)};
		if (row != (size_t)-1) {
			a.level = rr_cell(cur->hh, row, cur->c_level);
			a.reasons = rr_cell(cur->hh, row, cur->c_reasons);
		}
		st = list_push(l, &a, err);
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
		alert a = {.household = hh, .kind = K_FINDING, .code = code, .pid = pid,
			   .level = level_in(cur, hh), .prev_level = level_in(prev, hh),
			   .reasons = code,
			   .decision = hh[0] ? reviews_last(ap->rv, hh, ap->period, ap->known)
					     : NULL};
		if (reviews_suppresses_finding(a.decision, ap->period, ap->suppress_months,
					       code)) {
			ap->kept[K_FINDING]++;
			continue;
		}
		st = list_push(l, &a, err);
	}
	free(cf);
	free(pf);
	return st;
}

/* The retractions against the previous run of the period: every alert of
 * er whose id this run does not produce (the ids of l's alerts, already
 * set), and er's own retractions, carried forward. */
static hh_status add_retractions(const run_view *cur, const run_view *prev, int period,
				 const earlier_run *er, alert_list *l, hh_err *err)
{
	/* copied: l->v moves as retractions are added */
	size_t nfresh = l->n;
	char (*ids)[33] = malloc((nfresh + 1) * sizeof *ids);
	if (!ids)
		return hh_fail(err, HH_EINTERNAL, "out of memory");
	for (size_t i = 0; i < nfresh; i++)
		memcpy(ids[i], l->v[i].id, sizeof ids[i]);
	qsort(ids, nfresh, sizeof *ids, cmp_id);
	hh_status st = HH_OK;
	for (size_t i = 0; st == HH_OK && i < er->n; i++) {
		const json_t *o = er->obj[i];
		const char *id = hj_str(o, "alert_id"), *kind = hj_str(o, "kind");
		alert a = {.household = hj_str(o, "household_id"), .kind = K_RETRACTED,
			   .code = hj_str(o, "code"), .pid = hj_str(o, "pid")};
		if (!strcmp(kind, kind_names[K_RETRACTED])) {
			a.line = er->raw[i];
			snprintf(a.id, sizeof a.id, "%s", id);
		} else if (nfresh && bsearch(id, ids, nfresh, sizeof *ids, cmp_id)) {
			continue; /* produced again */
		} else {
			size_t row = a.household[0] ? find_hh(cur, a.household) : (size_t)-1;
			a.retracts = id;
			a.retracted_kind = kind;
			a.level = level_in(cur, a.household);
			a.reasons = row != (size_t)-1 ? rr_cell(cur->hh, row, cur->c_reasons) : "";
			a.prev_level = level_in(prev, a.household);
			if (alert_make_id(period, er, &a))
				st = hh_fail(err, HH_EINTERNAL, "cannot compute an alert id");
		}
		if (st == HH_OK)
			st = list_push(l, &a, err);
	}
	free(ids);
	return st;
}

/* dir/alerts.jsonl: cur against prev (NULL: no earlier period) and
 * against er (the previous run of this period; empty when none). */
static hh_status compute(const run_view *cur, const run_view *prev, const earlier_run *er,
			 applied *ap, const char *dir, unsigned long *n_alerts, hh_err *err)
{
	alert_list l = {0};
	int period = ap->period;
	hh_status st = collect_changes(cur, prev, ap, &l, err);
	for (size_t i = 0; st == HH_OK && i < l.n; i++)
		if (alert_make_id(period, er, &l.v[i]))
			st = hh_fail(err, HH_EINTERNAL, "cannot compute an alert id");
	if (st == HH_OK)
		st = add_retractions(cur, prev, period, er, &l, err);
	strbuf b = STRBUF_INIT;
	labels *lb = NULL;
	if (st == HH_OK)
		st = labels_new(&lb, err);
	if (st == HH_OK) {
		qsort(l.v, l.n, sizeof *l.v, cmp_alert);
		int bad = 0;
		for (size_t i = 0; i < l.n; i++)
			bad |= put_alert(&b, period, lb, &l.v[i]);
		if (bad)
			st = hh_fail(err, HH_EINTERNAL, "cannot write alerts.jsonl: out of memory");
	}
	if (st == HH_OK) {
		char path[PATH_MAX];
		snprintf(path, sizeof path, "%s/alerts.jsonl", dir);
		st = fs_write_file(path, sb_str(&b), b.len, 0666, err);
	}
	if (st == HH_OK)
		*n_alerts = (unsigned long)l.n;
	labels_free(lb);
	sb_release(&b);
	free(l.v);
	return st;
}

static void earlier_free(earlier_run *er)
{
	for (size_t i = 0; i < er->n; i++)
		json_decref(er->obj[i]);
	free(er->obj);
	free(er->raw);
	free(er->withdrawn);
	free(er->text);
}

/* Checks one line of the earlier file and notes what it withdraws. */
static hh_status earlier_line(earlier_run *er, const char *path, size_t lineno, hh_err *err)
{
	const json_t *o = er->obj[er->n - 1];
	const char *kind = hj_str(o, "kind");
	if (!hj_str(o, "alert_id") || !hj_str(o, "household_id") || !kind)
		return hh_fail(err, HH_EINPUT,
			       "%s line %zu: not an alert (alert_id, household_id and kind "
			       "are needed)" EARLIER_FIX, path, lineno);
	if (strcmp(kind, kind_names[K_RETRACTED]))
		return HH_OK;
	if (!(er->withdrawn[er->nw] = hj_str(o, "retracts")))
		return hh_fail(err, HH_EINPUT,
			       "%s line %zu: a retraction without retracts" EARLIER_FIX, path,
			       lineno);
	er->nw++;
	return HH_OK;
}

/* Reads state_dir/runs/PERIOD/alerts.jsonl, the previous run of this
 * period, into er (left empty when there is none). */
static hh_status earlier_load(const char *state_dir, int period, earlier_run *er,
			      hh_err *err)
{
	char path[PATH_MAX];
	size_t len, lines = 1;
	memset(er, 0, sizeof *er);
	snprintf(path, sizeof path, "%s/runs/%06d/alerts.jsonl", state_dir, period);
	if (access(path, F_OK) != 0 && errno == ENOENT)
		return HH_OK; /* the first run of the period */
	HH_TRY(fs_read_file(path, EARLIER_MAX, HH_EINPUT, &er->text, &len, err));
	for (size_t i = 0; i < len; i++)
		lines += er->text[i] == '\n';
	er->obj = malloc(lines * sizeof *er->obj);
	er->raw = malloc(lines * sizeof *er->raw);
	er->withdrawn = malloc(lines * sizeof *er->withdrawn);
	if (!er->obj || !er->raw || !er->withdrawn)
		return hh_fail(err, HH_EINTERNAL, "out of memory");
	char *p = er->text;
	for (size_t lineno = 1; p < er->text + len; lineno++) {
		char *e = memchr(p, '\n', (size_t)(er->text + len - p));
		size_t n = e ? (size_t)(e - p) : (size_t)(er->text + len - p);
		p[n] = '\0';
		json_error_t je;
		json_t *o = n ? hj_loadb(p, n, JSON_REJECT_DUPLICATES, &je) : NULL;
		if (n && !o)
			return hh_fail(err, HH_EINPUT, "%s line %zu: not valid JSON: %s" EARLIER_FIX,
				       path, lineno, je.text);
		if (o) {
			er->obj[er->n] = o;
			er->raw[er->n++] = p;
			HH_TRY(earlier_line(er, path, lineno, err));
		}
		p += n + 1;
	}
	if (er->nw)
		qsort(er->withdrawn, er->nw, sizeof *er->withdrawn, cmp_str);
	return HH_OK;
}

/* A whole number from report.json's "rules" (written as text), or def. */
static int rule_int(const json_t *report, const char *key, int def)
{
	const char *s = hj_str(json_object_get(report, "rules"), key);
	char *end;
	long v = s ? strtol(s, &end, 10) : def;
	return s && (*end || end == s || v < 0 || v > 1200) ? def : (int)v;
}

/* The decisions the run of period applies: reviews.jsonl, as many lines
 * as the state's earlier run of the period knew (none recorded: 0), or
 * all of them for a first run; the settings from dir/report.json. */
static hh_status applied_load(const char *state_dir, int period, int prev, const char *dir,
			      applied *ap, hh_err *err)
{
	char path[PATH_MAX];
	json_t *top = NULL;
	memset(ap, 0, sizeof *ap);
	ap->period = period;
	ap->prev = prev;
	HH_TRY(reviews_load(state_dir, &ap->rv, &ap->exists, err));
	ap->known = (unsigned long)reviews_count(ap->rv);
	snprintf(path, sizeof path, "%s/runs/%06d/report.json", state_dir, period);
	if (ap->exists && access(path, F_OK) == 0) {
		HH_TRY(hj_load_path(path, &top, err));
		json_t *k = json_object_get(json_object_get(top, "reviews"), "decisions_known");
		unsigned long was = json_is_integer(k) && json_integer_value(k) > 0
					    ? (unsigned long)json_integer_value(k) : 0;
		ap->known = was < ap->known ? was : ap->known;
		json_decref(top);
	}
	snprintf(path, sizeof path, "%s/report.json", dir);
	ap->suppress_months = 6;
	ap->follow_up_months = 3;
	if (access(path, F_OK) == 0) {
		HH_TRY(hj_load_path(path, &top, err));
		ap->suppress_months = rule_int(top, "review_suppress_months", 6);
		ap->follow_up_months = rule_int(top, "review_follow_up_months", 3);
		json_decref(top);
	}
	return HH_OK;
}

/* report.json's "reviews": the decisions known (what a rerun applies)
 * and the alerts they kept unsent or added.  Only with a reviews.jsonl
 * in the state: runs without decisions keep their bytes. */
static hh_status applied_note(const applied *ap, const char *dir, hh_err *err)
{
	char path[PATH_MAX];
	struct stat sb;
	json_t *top;
	if (!ap->exists)
		return HH_OK;
	snprintf(path, sizeof path, "%s/report.json", dir);
	if (stat(path, &sb) || hj_load_path(path, &top, err) != HH_OK)
		return hh_fail(err, HH_EINTERNAL, "cannot read back the run's %s", path);
	json_t *r = json_object(), *kept = json_object();
	int bad = !r || !kept;
	bad |= json_object_set_new(r, "decisions_known", json_integer((json_int_t)ap->known));
	bad |= json_object_set_new(kept, "new", json_integer((json_int_t)ap->kept[K_NEW]));
	bad |= json_object_set_new(kept, "escalated",
				   json_integer((json_int_t)ap->kept[K_ESCALATED]));
	bad |= json_object_set_new(kept, "finding", json_integer((json_int_t)ap->kept[K_FINDING]));
	bad |= json_object_set_new(r, "suppressed", kept);
	bad |= json_object_set_new(r, "follow_up", json_integer((json_int_t)ap->follow_ups));
	bad |= json_object_set_new(top, "reviews", r);
	strbuf b = STRBUF_INIT;
	if (!bad)
		hj_dump(&b, top, HJ_PRETTY | JSON_REAL_PRECISION(9));
	json_decref(top);
	sb_addc(&b, '\n');
	hh_status st = bad || b.len < 2 || b.oom
			       ? hh_fail(err, HH_EINTERNAL, "cannot note the decisions in %s", path)
			       : fs_write_file(path, b.buf, b.len, sb.st_mode & 0777, err);
	sb_release(&b);
	return st;
}

hh_status alerts_write(const char *state_dir, int period, const char *dir,
		       unsigned long *n_alerts, hh_err *err)
{
	run_view cur, prev;
	earlier_run er;
	int pp = 0;
	*n_alerts = 0;
	HH_TRY(state_previous(state_dir, period, &pp, err));
	/* A run that starts a new baseline (report.json "new_key", a key
	 * change: history/guards.h) is compared with no earlier period. */
	char rpath[PATH_MAX];
	rr_report *rep = NULL;
	snprintf(rpath, sizeof rpath, "%s/report.json", dir);
	if (access(rpath, F_OK) == 0) {
		HH_TRY(rr_report_load(rpath, &rep, err));
		if (rep->new_key)
			pp = 0;
		rr_report_free(rep);
	}
	applied ap;
	hh_status st = applied_load(state_dir, period, pp, dir, &ap, err);
	if (st != HH_OK) {
		reviews_free(ap.rv);
		return hh_wrap(err, st, "the caseworkers' decisions in the state");
	}
	st = earlier_load(state_dir, period, &er, err);
	if (st != HH_OK) {
		earlier_free(&er);
		reviews_free(ap.rv);
		return hh_wrap(err, st, "the previous run of %06d in the state", period);
	}
	st = view_load(dir, &cur, err);
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
		st = compute(&cur, have_prev ? &prev : NULL, &er, &ap, dir, n_alerts, err);
	if (st == HH_OK)
		st = applied_note(&ap, dir, err);
	reviews_free(ap.rv);
	view_free(&cur);
	if (have_prev)
		view_free(&prev);
	earlier_free(&er);
	return st;
}
