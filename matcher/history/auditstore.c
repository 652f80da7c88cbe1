/*
 * auditstore.c - the audit store's front (see auditstore.h): picks the
 * backend from what the user gave, dispatches every operation to it, and
 * keeps the file log that goes with either backend.  The only place that
 * knows there are two backends is auditstore_open's choice.
 *
 * Logs: log 0 is the backend's own (the table) when it has one, the file
 * log comes after it; a record goes to each in that order, so a failure
 * of the table leaves the file untouched, as a query that cannot be
 * logged prints nothing.
 */
#include "history/auditstore.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/strbuf.h"
#include "domain/period.h"
#include "history/auditstore_int.h"

hh_status auditstore_where_check(const auditstore_where *w, int logs_only, hh_err *err)
{
	if (w->pg && !auditstore_pg_uri_ok(w->pg))
		return hh_fail(err, HH_EUSAGE, "--pg needs a PostgreSQL connection string (postgresql://... or key=value)");
	if (logs_only) {
		if (!w->log && !w->state && !w->pg)
			return hh_fail(err, HH_EUSAGE, "verify-log needs --state DIR, --log FILE "
				       "or --pg URI");
		return HH_OK;
	}
	if (w->pg && w->run)
		return hh_fail(err, HH_EUSAGE, "--run and --pg are two places to ask: give one");
	if (!w->run && !w->state && !w->pg)
		return hh_fail(err, HH_EUSAGE, "give --run DIR, --state DIR or --pg URI (see "
			       "hhmatch audit --help)");
	if (!w->log && !w->state && !w->pg)
		return hh_fail(err, HH_EUSAGE, "no audit log: with --run, give --log FILE (or use "
			       "--state DIR, whose audit.log is used)");
	return HH_OK;
}

hh_status auditstore_parse_period(const char *text, int *period, hh_err *err)
{
	*period = period_parse(text);
	if (!*period)
		return hh_fail(err, HH_EUSAGE, "bad --period '%s': expected YYYYMM", text);
	return HH_OK;
}

static hh_status open_store(const auditstore_where *w, int logs_only, auditstore **out,
			    hh_err *err)
{
	auditstore *st = NULL;
	*out = NULL;
	HH_TRY(w->pg ? auditstore_pg_open(w, logs_only, &st, err)
		     : auditstore_files_open(w, logs_only, &st, err));
	if (w->log || w->state) {
		strbuf p = STRBUF_INIT;
		if (w->log)
			sb_adds(&p, w->log);
		else
			sb_addf(&p, "%s/audit.log", w->state);
		st->log_path = sb_detach(&p, NULL);
		if (!st->log_path) {
			auditstore_close(st);
			return hh_fail(err, HH_EINTERNAL, "out of memory");
		}
	}
	*out = st;
	return HH_OK;
}

hh_status auditstore_open(const auditstore_where *w, auditstore **out, hh_err *err)
{
	return open_store(w, 0, out, err);
}

hh_status auditstore_open_logs(const auditstore_where *w, auditstore **out, hh_err *err)
{
	return open_store(w, 1, out, err);
}

void auditstore_close(auditstore *st)
{
	if (!st)
		return;
	free(st->log_path);
	st->be->close(st);
}

const auditstore_info *auditstore_info_of(const auditstore *st)
{
	return &st->info;
}

int auditstore_describe(const auditstore *st, json_t *query)
{
	return st->be->describe(st, query);
}

hh_status auditstore_periods(auditstore *st, int **out, size_t *n, hh_err *err)
{
	return st->be->periods(st, out, n, err);
}

hh_status auditstore_rows(auditstore *st, const auditstore_query *q, rr_table **out,
			  const char **gap, hh_err *err)
{
	*out = NULL;
	*gap = NULL;
	if ((int)q->table < 0 || q->table > AUDITSTORE_EXPLAIN || (int)q->by < 0 ||
	    q->by > AUDITSTORE_BY_REGION ||
	    (q->by == AUDITSTORE_BY_REGION && (q->table != AUDITSTORE_HOUSEHOLDS || q->region)) ||
	    (q->table == AUDITSTORE_EXPLAIN && q->by != AUDITSTORE_BY_HOUSEHOLD) ||
	    (q->table != AUDITSTORE_FINDINGS && q->region))
		return hh_fail(err, HH_EINTERNAL, "auditstore_rows: no such query");
	return st->be->rows(st, q, out, gap, err);
}

hh_status auditstore_append(auditstore *st, const auditrec *rec, const pid_key *key,
			    auditrec_anchor heads[2], hh_err *err)
{
	strbuf m = STRBUF_INIT;
	auditrec_anchor h[2] = {{0}};
	size_t n = 0;
	auditrec_members(&m, rec);
	hh_status s = m.oom ? hh_fail(err, HH_EINTERNAL, "out of memory") : HH_OK;
	if (s == HH_OK && st->be->log_append) {
		s = st->be->log_append(st, rec, sb_str(&m), m.len, key, &h[n], err);
		h[n++].from = "audit_log";
	}
	if (s == HH_OK && st->log_path) {
		s = auditlog_append(st->log_path, sb_str(&m), key, &h[n], err);
		h[n++].from = "log";
	}
	if (s == HH_OK && heads)
		memcpy(heads, h, sizeof h);
	sb_release(&m);
	return s;
}

size_t auditstore_nlogs(const auditstore *st)
{
	return (st->be->log_verify ? 1u : 0u) + (st->log_path ? 1u : 0u);
}

void auditstore_anchors_named(auditstore_verdict *out, const auditrec_anchor *a, size_t n)
{
	size_t len = strlen(out->anchors);
	for (size_t i = 0; i < n && len < sizeof out->anchors; i++) {
		int w = snprintf(out->anchors + len, sizeof out->anchors - len, "%s%s",
				 len ? ", " : "", a[i].from);
		len += w > 0 ? (size_t)w : 0;
	}
}

void auditstore_seals_said(auditstore_verdict *out, const auditrec_seals *s)
{
	out->legacy = s->legacy;
	out->sealed = s->sealed;
	out->unchecked = s->unchecked;
}

hh_status auditstore_verify(auditstore *st, size_t i, const pid_key *key,
			    const auditrec_anchor *expect, auditstore_verdict *out, hh_err *err)
{
	memset(out, 0, sizeof *out);
	if (i >= auditstore_nlogs(st))
		return hh_fail(err, HH_EINTERNAL, "auditstore_verify: no log %zu", i);
	auditrec_seals seals = {.key = key};
	if (i == 0 && st->be->log_verify)
		return st->be->log_verify(st, &seals, expect, out, err);
	auditrec_anchor a[2];
	size_t n = 0;
	int found = 0;
	char ap[PATH_MAX];
	if (expect)
		a[n++] = *expect;
	/* the anchor is read before the log: an appender writes the log
	 * first, so the anchor read is never ahead of the log read */
	HH_TRY(auditlog_anchor_read(st->log_path, &a[n], &found, err));
	if (found && !auditlog_anchor_path(st->log_path, ap, sizeof ap))
		a[n++].from = ap;
	auditlog_check ck;
	HH_TRY(auditlog_verify(st->log_path, &seals, a, n, &ck, err));
	if (ck.broken)
		return hh_fail(err, HH_EINPUT, "%s: record %lu is broken: %s (records before it "
			       "are intact)", st->log_path, ck.broken, ck.why);
	out->label = "log";
	out->medium = "log";
	out->records = ck.records;
	memcpy(out->head, ck.head, sizeof out->head);
	auditstore_anchors_named(out, a, n);
	auditstore_seals_said(out, &seals);
	return HH_OK;
}

const char *auditstore_by_column(auditstore_by by)
{
	static const char *const cols[] = {"household_id", "pid", "code", "region_code"};
	return cols[by];
}

/* One allocation: n cell pointers, then the cells (runread.c's layout,
 * so that rr_table_free frees what is built here). */
static char **cells_new(const char *const *v, size_t n)
{
	size_t bytes = n * sizeof(char *);
	for (size_t i = 0; i < n; i++)
		bytes += strlen(v[i]) + 1;
	char **cells = malloc(bytes ? bytes : 1);
	if (!cells)
		return NULL;
	char *p = (char *)(cells + n);
	for (size_t i = 0; i < n; i++) {
		size_t len = strlen(v[i]);
		memcpy(p, v[i], len + 1);
		cells[i] = p;
		p += len + 1;
	}
	return cells;
}

rr_table *auditstore_table_new(const char *const *header, size_t ncols)
{
	rr_table *t = calloc(1, sizeof *t);
	if (!t)
		return NULL;
	t->ncols = ncols;
	if (!(t->header = cells_new(header, ncols))) {
		free(t);
		return NULL;
	}
	return t;
}

int auditstore_table_add(rr_table *t, const char *const *cells, uint64_t line)
{
	/* the capacity is implicit: 16 rows, doubled whenever nrows reaches
	 * it (rows and lines grow together) */
	size_t n = t->nrows;
	if (n == 0 || (n >= 16 && (n & (n - 1)) == 0)) {
		size_t cap = n ? n * 2 : 16;
		char ***nr = realloc(t->rows, cap * sizeof *nr);
		if (!nr)
			return -1;
		t->rows = nr;
		uint64_t *nl = realloc(t->lines, cap * sizeof *nl);
		if (!nl)
			return -1;
		t->lines = nl;
	}
	char **row = cells_new(cells, t->ncols);
	if (!row)
		return -1;
	t->rows[t->nrows] = row;
	t->lines[t->nrows++] = line;
	return 0;
}
