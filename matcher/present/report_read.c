/*
 * report_read.c - report.html's first half (report_int.h): the run's
 * folder read back and counted, by county (present_county), level,
 * reason, alert kind and finding code; and the trend from the state;
 * with decisions in the state, the flagged households by last decision
 * and the backlog by county (history/reviews.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/fsutil.h"
#include "history/runread.h"
#include "history/state.h"
#include "present/report_int.h"

/* alerts.jsonl is read whole; a bigger one is not hhmatch's. */
#define MAX_JSON_BYTES (256u << 20)

int rp_tally_add(rp_tallies *t, const char *key)
{
	size_t lo = 0, hi = t->n;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = strcmp(t->v[mid].key, key);
		if (!c) {
			t->v[mid].n++;
			return 0;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (t->n == t->cap) {
		size_t cap = t->cap ? 2 * t->cap : 16;
		rp_tally *v = realloc(t->v, cap * sizeof *v);
		if (!v)
			return -1;
		t->v = v;
		t->cap = cap;
	}
	char *k = strdup(key);
	if (!k)
		return -1;
	memmove(&t->v[lo + 1], &t->v[lo], (t->n - lo) * sizeof *t->v);
	t->v[lo] = (rp_tally){k, 1};
	t->n++;
	return 0;
}

long rp_tally_get(const rp_tallies *t, const char *key)
{
	for (size_t i = 0; i < t->n; i++)
		if (!strcmp(t->v[i].key, key))
			return t->v[i].n;
	return 0;
}

void rp_tallies_free(rp_tallies *t)
{
	for (size_t i = 0; i < t->n; i++)
		free(t->v[i].key);
	free(t->v);
}

static hh_status load_table(const char *dir, const char *name, rr_table **t, hh_err *err)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	if (rr_table_load(path, t, err) != HH_OK)
		return hh_wrap(err, HH_EINTERNAL, "report.html: reading the run's %s", name);
	return HH_OK;
}

static hh_status need_col(const rr_table *t, const char *name, const char *file, int *col,
			  hh_err *err)
{
	*col = rr_col(t, name);
	if (*col < 0)
		return hh_fail(err, HH_EINTERNAL, "report.html: the run's %s has no column %s",
			       file, name);
	return HH_OK;
}

typedef char code_buf[16];

static int by_code(const void *a, const void *b)
{
	return strcmp(a, b); /* rp_county and code_buf both start with the code */
}

/* The counties of the run, into pg->c: the county of every region code
 * of households.csv and flags.csv, sorted and unique.  Made before the
 * counting, so that finding a county is a binary search and never an
 * insertion into a long array (thousands of counties with a long
 * --county-digits). */
static hh_status make_counties(rp_page *pg, const rr_table *const t[2], const int col[2],
			       hh_err *err)
{
	size_t n = t[0]->nrows + t[1]->nrows, u = 0;
	code_buf *codes = malloc((n ? n : 1) * sizeof *codes);
	if (!codes)
		return hh_fail(err, HH_EINTERNAL, "report.html: out of memory");
	for (size_t i = 0, k = 0; k < 2; k++)
		for (size_t r = 0; r < t[k]->nrows; r++, i++)
			present_county(rr_cell(t[k], r, col[k]), pg->cfg->county_digits, codes[i],
				       sizeof codes[i]);
	qsort(codes, n, sizeof *codes, by_code);
	for (size_t i = 0; i < n; i++)
		if (!u || strcmp(codes[u - 1], codes[i]))
			memmove(codes[u++], codes[i], sizeof *codes);
	pg->c = calloc(u ? u : 1, sizeof *pg->c);
	for (size_t i = 0; pg->c && i < u; i++)
		memcpy(pg->c[i].code, codes[i], sizeof pg->c[i].code);
	pg->nc = pg->c ? u : 0;
	free(codes);
	return pg->c ? HH_OK : hh_fail(err, HH_EINTERNAL, "report.html: out of memory");
}

static rp_county *county_of(rp_page *pg, const char *region)
{
	code_buf key;
	present_county(region, pg->cfg->county_digits, key, sizeof key);
	return bsearch(key, pg->c, pg->nc, sizeof *pg->c, by_code);
}

/* Adds the reasons of "R_INCOME;R_MEDICAL" to r (unknown codes are not
 * counted: the page lists the contract's reasons). */
static void add_reasons(const char *s, long r[R_COUNT])
{
	while (*s) {
		size_t n = strcspn(s, ";");
		for (int k = 0; k < R_COUNT; k++) {
			const char *name = rules_code_name((rule_code)k);
			if (strlen(name) == n && !strncmp(s, name, n))
				r[k]++;
		}
		s += n;
		if (*s)
			s++;
	}
}

/* Roster households by county (households.csv), flagged households by
 * county, level and reason (flags.csv). */
static hh_status count_counties(rp_page *pg, const char *dir, hh_err *err)
{
	rr_table *t[2] = {NULL, NULL};
	int col[2], lc = -1, rsc = -1;
	hh_status st = load_table(dir, "households.csv", &t[0], err);
	if (st == HH_OK)
		st = need_col(t[0], "region_code", "households.csv", &col[0], err);
	if (st == HH_OK)
		st = load_table(dir, "flags.csv", &t[1], err);
	if (st == HH_OK)
		st = need_col(t[1], "region_code", "flags.csv", &col[1], err);
	if (st == HH_OK)
		st = need_col(t[1], "risk_level", "flags.csv", &lc, err);
	if (st == HH_OK)
		st = need_col(t[1], "reasons", "flags.csv", &rsc, err);
	if (st == HH_OK)
		st = make_counties(pg, (const rr_table *const *)t, col, err);
	for (size_t i = 0; st == HH_OK && i < t[0]->nrows; i++) {
		county_of(pg, rr_cell(t[0], i, col[0]))->households++;
		pg->all.households++;
	}
	for (size_t i = 0; st == HH_OK && i < t[1]->nrows; i++) {
		rp_county *c = county_of(pg, rr_cell(t[1], i, col[1]));
		int lv = rr_level(rr_cell(t[1], i, lc));
		if (lv < 0) {
			st = hh_fail(err, HH_EINTERNAL,
				     "report.html: the run's flags.csv line %llu: unknown risk_level",
				     (unsigned long long)t[1]->lines[i]);
			break;
		}
		c->level[lv]++;
		c->flagged++;
		pg->all.level[lv]++;
		pg->all.flagged++;
		add_reasons(rr_cell(t[1], i, rsc), c->reason);
		add_reasons(rr_cell(t[1], i, rsc), pg->all.reason);
	}
	rr_table_free(t[0]);
	rr_table_free(t[1]);
	return st;
}

static hh_status count_findings(rp_page *pg, const char *dir, hh_err *err)
{
	rr_table *t;
	int cc;
	HH_TRY(load_table(dir, "findings.csv", &t, err));
	hh_status st = need_col(t, "code", "findings.csv", &cc, err);
	for (size_t i = 0; st == HH_OK && i < t->nrows; i++)
		if (rp_tally_add(&pg->codes, rr_cell(t, i, cc)))
			st = hh_fail(err, HH_EINTERNAL, "report.html: out of memory");
	rr_table_free(t);
	return st;
}

/* alerts.jsonl, when the run wrote one: the number of alerts by kind. */
static hh_status count_alerts(rp_page *pg, const char *dir, hh_err *err)
{
	char path[4096], *text = NULL;
	size_t len = 0;
	snprintf(path, sizeof path, "%s/alerts.jsonl", dir);
	if (access(path, F_OK))
		return HH_OK;
	HH_TRY(fs_read_file(path, MAX_JSON_BYTES, HH_EINTERNAL, &text, &len, err));
	hh_status st = HH_OK;
	long line = 0;
	for (char *s = text; st == HH_OK && *s;) {
		char *nl = strchr(s, '\n');
		size_t n = nl ? (size_t)(nl - s) : strlen(s);
		line++;
		if (n) {
			json_error_t je;
			json_t *j = hj_loadb(s, n, 0, &je);
			const char *kind = j ? hj_str(j, "kind") : NULL;
			if (!kind)
				st = hh_fail(err, HH_EINTERNAL,
					     "report.html: the run's alerts.jsonl line %ld: %s", line,
					     j ? "an alert without a kind" : je.text);
			else if (rp_tally_add(&pg->kinds, kind))
				st = hh_fail(err, HH_EINTERNAL, "report.html: out of memory");
			else
				pg->alerts++;
			json_decref(j);
		}
		s += n + (nl != NULL);
	}
	free(text);
	return st;
}

/* After rr_table_load refused path (it reports a file it cannot open or
 * read as it reports a malformed one): HH_OK when the file is missing or
 * can be read to its end, so what was refused is its content; an error
 * naming the path when it is there but cannot be opened or read (a
 * permission, an I/O error). */
static hh_status trend_file_readable(const char *path, hh_err *err)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT || errno == ENOTDIR
			       ? HH_OK
			       : hh_fail(err, HH_EINTERNAL, "report.html: the trend: %s: cannot open: %s",
					 path, strerror(errno));
	char buf[16384];
	ssize_t r;
	int e = 0;
	while ((r = read(fd, buf, sizeof buf)) != 0)
		if (r < 0 && errno != EINTR) {
			e = errno;
			break;
		}
	close(fd);
	/* a folder in the file's place is a damaged period, not a failing disk */
	if (e && e != EISDIR)
		return hh_fail(err, HH_EINTERNAL, "report.html: the trend: %s: cannot read: %s",
			       path, strerror(e));
	return HH_OK;
}

/* A period's flags.csv (path) by level; readable = 0 when the file is
 * missing or malformed (the trend says so rather than failing the run over
 * an old period).  Running out of memory, a permission or an I/O error
 * reading it is an error: the page must not depend on how much memory
 * there was or on a disk that failed for a moment. */
static hh_status count_period(const char *path, rp_point *p, hh_err *err)
{
	rr_table *t = NULL;
	hh_status st = rr_table_load(path, &t, err);
	if (st == HH_EINTERNAL)
		return hh_wrap(err, st, "report.html: the trend");
	if (st != HH_OK)
		HH_TRY(trend_file_readable(path, err));
	p->readable = st == HH_OK && rr_col(t, "risk_level") >= 0;
	for (size_t i = 0; p->readable && i < t->nrows; i++) {
		int lv = rr_level(rr_cell(t, i, rr_col(t, "risk_level")));
		if (lv >= 0)
			p->level[lv]++;
	}
	rr_table_free(t);
	return HH_OK;
}

/* The trend: the latest earlier periods of the state, then this run. */
static hh_status count_trend(rp_page *pg, hh_err *err)
{
	const char *sd = pg->cfg->state_dir;
	pg->have_state = sd != NULL;
	if (!sd)
		return HH_OK;
	int *ps = NULL;
	size_t n = 0, first = 0, earlier = 0;
	HH_TRY(state_periods(sd, &ps, &n, err));
	while (earlier < n && ps[earlier] < pg->cfg->period)
		earlier++;
	if (earlier > RP_TREND_MAX - 1)
		first = earlier - (RP_TREND_MAX - 1);
	for (size_t i = first; i < earlier; i++) {
		char path[4096];
		rp_point *p = &pg->trend[pg->ntrend++];
		snprintf(path, sizeof path, "%s/runs/%06d/flags.csv", sd, ps[i]);
		p->period = ps[i];
		if (count_period(path, p, err) != HH_OK) {
			free(ps);
			return HH_EINTERNAL;
		}
	}
	free(ps);
	rp_point *cur = &pg->trend[pg->ntrend++];
	cur->period = pg->cfg->period;
	cur->readable = 1;
	memcpy(cur->level, pg->all.level, sizeof cur->level);
	return HH_OK;
}

/* The flagged households by their last decision, and the backlog by
 * county (nothing when the state has no decisions). */
static hh_status count_decisions(rp_page *pg, const char *dir, hh_err *err)
{
	reviews_status *rs = NULL;
	rr_table *t = NULL;
	int c_id = -1, c_region = -1;
	if (!pg->cfg->state_dir)
		return HH_OK;
	hh_status st = reviews_status_load(pg->cfg->state_dir, pg->cfg->period, dir, &rs, err);
	if (st == HH_OK && rs)
		st = load_table(dir, "flags.csv", &t, err);
	if (st == HH_OK && rs)
		st = need_col(t, "household_id", "flags.csv", &c_id, err);
	if (st == HH_OK && rs)
		st = need_col(t, "region_code", "flags.csv", &c_region, err);
	for (size_t i = 0; st == HH_OK && rs && i < t->nrows; i++) {
		const char *hh = rr_cell(t, i, c_id);
		const review *rv = reviews_status_last(rs, hh);
		pg->decided[rv ? (int)rv->decision : RV_COUNT]++;
		if (reviews_status_backlog(rs, hh)) {
			county_of(pg, rr_cell(t, i, c_region))->backlog++;
			pg->all.backlog++;
		}
	}
	pg->have_reviews = rs != NULL;
	rr_table_free(t);
	reviews_status_free(rs);
	return st;
}

hh_status rp_read(rp_page *pg, const char *dir, hh_err *err)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/report.json", dir);
	if (hj_load_path(path, &pg->report, err) != HH_OK)
		return hh_wrap(err, HH_EINTERNAL, "report.html: reading the run's report.json");
	if (!json_is_object(json_object_get(pg->report, "sources")))
		return hh_fail(err, HH_EINTERNAL,
			       "report.html: the run's report.json has no sources");
	/* the levels shown: from high down to the rules' flag_level (or the
	 * lowest level flags.csv holds, should that be lower) */
	const char *fl = hj_str(json_object_get(pg->report, "rules"), "flag_level");
	int min_level = fl && rr_level(fl) >= 0 ? rr_level(fl) : LEVEL_MEDIUM;
	HH_TRY(labels_new(&pg->lb, err));
	HH_TRY(count_counties(pg, dir, err));
	HH_TRY(count_findings(pg, dir, err));
	HH_TRY(count_alerts(pg, dir, err));
	HH_TRY(count_trend(pg, err));
	HH_TRY(count_decisions(pg, dir, err));
	for (int lv = LEVEL_HIGH; lv >= 0; lv--)
		if (lv >= min_level || pg->all.level[lv])
			pg->lv[pg->nl++] = lv;
	return HH_OK;
}

void rp_free(rp_page *pg)
{
	json_decref(pg->report);
	labels_free(pg->lb);
	free(pg->c);
	free(pg->sel);
	rp_tallies_free(&pg->kinds);
	rp_tallies_free(&pg->codes);
	sb_release(&pg->b);
}
