/*
 * state.c - run history and alerts (see state.h).
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
 * The history is a copy of the published files per period, replaced
 * atomically (temporary folder, then rename or exchange) under an
 * exclusive flock on DIR/.lock.  Folders are created mode 0700: they hold
 * pids and household findings.
 */

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/fsutil.h"
#include "domain/idnum.h"
#include "domain/period.h"
#include "history/runread.h"
#include "history/state.h"

/* Files kept per period (rejects.csv is not: it can be large and later
 * runs and audits do not need it). */
static const char *const kept_files[] = {"households.csv", "flags.csv", "findings.csv",
					 "explain.csv", "report.json", "alerts.jsonl"};
#define N_KEPT (sizeof kept_files / sizeof kept_files[0])


hh_status state_periods(const char *state_dir, int **out, size_t *n, hh_err *err)
{
	char path[PATH_MAX];
	*out = NULL;
	*n = 0;
	snprintf(path, sizeof path, "%s/runs", state_dir);
	DIR *d = opendir(path);
	if (!d) {
		if (errno == ENOENT)
			return HH_OK;
		return hh_fail(err, HH_EINPUT, "cannot read state folder %s: %s", path,
			       strerror(errno));
	}
	size_t cap = 0;
	struct dirent *de;
	hh_status st = HH_OK;
	while ((de = readdir(d))) {
		if (!period_parse(de->d_name))
			continue;
		if (*n == cap) {
			cap = cap ? cap * 2 : 16;
			int *np = realloc(*out, cap * sizeof *np);
			if (!np) {
				st = hh_fail(err, HH_EINTERNAL, "out of memory");
				break;
			}
			*out = np;
		}
		(*out)[(*n)++] = period_parse(de->d_name);
	}
	closedir(d);
	if (st != HH_OK) {
		free(*out);
		*out = NULL;
		*n = 0;
		return st;
	}
	/* insertion sort: a state holds a few dozen periods */
	for (size_t i = 1; i < *n; i++)
		for (size_t j = i; j > 0 && (*out)[j - 1] > (*out)[j]; j--) {
			int t = (*out)[j];
			(*out)[j] = (*out)[j - 1];
			(*out)[j - 1] = t;
		}
	return HH_OK;
}

hh_status state_previous(const char *state_dir, int period, int *prev, hh_err *err)
{
	int *ps;
	size_t n;
	*prev = 0;
	HH_TRY(state_periods(state_dir, &ps, &n, err));
	for (size_t i = 0; i < n; i++)
		if (ps[i] < period)
			*prev = ps[i];
	free(ps);
	return HH_OK;
}

/* --- alerts ------------------------------------------------------------ */

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

static const rr_table *sort_tab;
static int sort_col;
static int cmp_rows(const void *a, const void *b)
{
	return strcmp(rr_cell(sort_tab, *(const size_t *)a, sort_col),
		      rr_cell(sort_tab, *(const size_t *)b, sort_col));
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

static const run_view *sort_view;
static int cmp_find_key(const void *a, const void *b)
{
	const run_view *v = sort_view;
	size_t y = *(const size_t *)b;
	return find_cmp3(v, *(const size_t *)a, rr_cell(v->fnd, y, v->x_code),
			 rr_cell(v->fnd, y, v->x_hh), rr_cell(v->fnd, y, v->x_pid));
}

int state_alerting_code(const char *code)
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
	sort_tab = v->hh;
	sort_col = v->c_id;
	qsort(v->order, v->hh->nrows, sizeof *v->order, cmp_rows);
	/* findings: the alerting codes, sorted by (code, household, pid) */
	for (size_t i = 0; i < v->fnd->nrows; i++)
		if (state_alerting_code(rr_cell(v->fnd, i, v->x_code)))
			v->forder[v->nf++] = i;
	sort_view = v;
	qsort(v->forder, v->nf, sizeof *v->forder, cmp_find_key);
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

void state_alert_id(int period, const char *subject, const char *kind,
		    const char *detail, char out[33])
{
	jbuf b = {0};
	char hex[65];
	jb_printf(&b, "%06d|%s|%s|%s", period, subject, kind, detail);
	rr_sha256_hex(b.s ? b.s : "", b.n, hex);
	memcpy(out, hex, 32);
	out[32] = '\0';
	jb_free(&b);
}

static void put_reasons(jbuf *b, const char *reasons)
{
	jb_raw(b, "[", 1);
	const char *p = reasons;
	int first = 1;
	while (*p) {
		const char *e = strchr(p, ';');
		size_t len = e ? (size_t)(e - p) : strlen(p);
		if (len) {
			char code[64];
			snprintf(code, sizeof code, "%.*s", (int)len, p);
			if (!first)
				jb_raw(b, ",", 1);
			jb_str(b, code);
			first = 0;
		}
		p += len + (e ? 1 : 0);
	}
	jb_raw(b, "]", 1);
}

static void put_alert(jbuf *b, int period, const alert *a)
{
	char id[33], subject[512];
	if (a->kind == K_FINDING) {
		snprintf(subject, sizeof subject, "%s/%s", a->household, a->pid);
		state_alert_id(period, subject, "finding", a->code, id);
	} else
		state_alert_id(period, a->household, kind_names[a->kind], a->reasons, id);
	jb_printf(b, "{\"alert_id\":\"%s\",\"period\":\"%06d\",\"household_id\":", id, period);
	jb_str(b, a->household);
	jb_printf(b, ",\"kind\":\"%s\",\"risk_level\":\"%s\",\"reasons\":", kind_names[a->kind],
		  a->level);
	put_reasons(b, a->reasons);
	jb_printf(b, ",\"previous_level\":\"%s\"", a->prev_level);
	if (a->kind == K_FINDING) {
		jb_puts(b, ",\"code\":");
		jb_str(b, a->code);
		jb_puts(b, ",\"pid\":");
		jb_str(b, a->pid);
	}
	jb_puts(b, "}\n");
}

static hh_status write_file(const char *path, const char *data, size_t len, hh_err *err)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return hh_fail(err, HH_EINTERNAL, "cannot create %s: %s", path, strerror(errno));
	size_t off = 0;
	while (off < len) {
		ssize_t w = write(fd, data + off, len - off);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			int e = errno;
			close(fd);
			return hh_fail(err, HH_EINTERNAL, "cannot write %s: %s", path, strerror(e));
		}
		off += (size_t)w;
	}
	if (fsync(fd) || close(fd))
		return hh_fail(err, HH_EINTERNAL, "cannot write %s: %s", path, strerror(errno));
	return HH_OK;
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
	jbuf b = {0};
	if (st == HH_OK) {
		qsort(as, n, sizeof *as, cmp_alert);
		for (size_t i = 0; i < n; i++)
			put_alert(&b, period, &as[i]);
		if (b.oom)
			st = hh_fail(err, HH_EINTERNAL, "out of memory");
	}
	if (st == HH_OK) {
		char path[PATH_MAX];
		snprintf(path, sizeof path, "%s/alerts.jsonl", dir);
		st = write_file(path, b.s ? b.s : "", b.n, err);
	}
	if (st == HH_OK)
		*n_alerts = (unsigned long)n;
	jb_free(&b);
	free(as);
	free(cf);
	free(pf);
	return st;
}

hh_status state_alerts(const char *state_dir, int period, const char *dir,
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

/* --- state_save ----------------------------------------------------------- */

static hh_status mkdir_p(const char *path, hh_err *err)
{
	char buf[PATH_MAX];
	snprintf(buf, sizeof buf, "%s", path);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0700) && errno != EEXIST)
			return hh_fail(err, HH_EINTERNAL, "cannot create %s: %s", buf,
				       strerror(errno));
		*p = '/';
	}
	if (mkdir(buf, 0700) && errno != EEXIST)
		return hh_fail(err, HH_EINTERNAL, "cannot create %s: %s", buf, strerror(errno));
	return HH_OK;
}

static hh_status copy_file(const char *from, const char *to, hh_err *err)
{
	char *data = NULL;
	size_t len = 0, cap = 0;
	int fd = open(from, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return hh_fail(err, HH_EINTERNAL, "cannot open %s: %s", from, strerror(errno));
	for (;;) {
		if (len == cap) {
			cap = cap ? cap * 2 : 1 << 16;
			char *nd = realloc(data, cap);
			if (!nd) {
				free(data);
				close(fd);
				return hh_fail(err, HH_EINTERNAL, "out of memory");
			}
			data = nd;
		}
		ssize_t r = read(fd, data + len, cap - len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			int e = errno;
			free(data);
			close(fd);
			return hh_fail(err, HH_EINTERNAL, "cannot read %s: %s", from, strerror(e));
		}
		if (r == 0)
			break;
		len += (size_t)r;
	}
	close(fd);
	hh_status st = write_file(to, data ? data : "", len, err);
	free(data);
	return st;
}

static void fsync_dir(const char *path)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
}

hh_status state_save(const char *state_dir, int period, const char *out_dir, hh_err *err)
{
	char runs[PATH_MAX], tmp[PATH_MAX + 32], final[PATH_MAX + 16], lockp[PATH_MAX];
	if (strlen(state_dir) > PATH_MAX - 64 || strlen(out_dir) > PATH_MAX - 64)
		return hh_fail(err, HH_EUSAGE, "state or output folder name too long");
	snprintf(runs, sizeof runs, "%s/runs", state_dir);
	HH_TRY(mkdir_p(runs, err));
	snprintf(lockp, sizeof lockp, "%s/.lock", state_dir);
	int lk = open(lockp, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (lk < 0)
		return hh_fail(err, HH_EINTERNAL, "cannot open %s: %s", lockp, strerror(errno));
	if (flock(lk, LOCK_EX)) {
		close(lk);
		return hh_fail(err, HH_EINTERNAL, "cannot lock %s: %s", lockp, strerror(errno));
	}
	snprintf(tmp, sizeof tmp, "%s/.%06d.tmp-XXXXXX", runs, period);
	snprintf(final, sizeof final, "%s/%06d", runs, period);
	hh_status st = HH_OK;
	if (!mkdtemp(tmp))
		st = hh_fail(err, HH_EINTERNAL, "cannot create a folder in %s: %s", runs,
			     strerror(errno));
	else
		chmod(tmp, 0700);
	for (size_t i = 0; st == HH_OK && i < N_KEPT; i++) {
		char from[PATH_MAX], to[PATH_MAX + 64];
		snprintf(from, sizeof from, "%s/%s", out_dir, kept_files[i]);
		snprintf(to, sizeof to, "%s/%s", tmp, kept_files[i]);
		if (access(from, F_OK) && (!strcmp(kept_files[i], "alerts.jsonl") ||
					   !strcmp(kept_files[i], "explain.csv")))
			continue; /* optional */
		st = copy_file(from, to, err);
	}
	if (st == HH_OK) {
		fsync_dir(tmp);
		if (rename(tmp, final)) {
			if (errno != EEXIST && errno != ENOTEMPTY)
				st = hh_fail(err, HH_EINTERNAL, "cannot rename %s to %s: %s", tmp,
					     final, strerror(errno));
			else if (renameat2(AT_FDCWD, tmp, AT_FDCWD, final, RENAME_EXCHANGE))
				st = hh_fail(err, HH_EINTERNAL, "cannot replace %s: %s", final,
					     strerror(errno));
			/* tmp now holds the replaced copy */
		}
		fsync_dir(runs);
	}
	if (tmp[0] && access(tmp, F_OK) == 0)
		fs_remove_tree(tmp);
	flock(lk, LOCK_UN);
	close(lk);
	return st;
}
