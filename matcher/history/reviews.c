/*
 * reviews.c - caseworkers' decisions: the import into the state and the
 * rules the alerts apply (see reviews.h for the file, the rows accepted
 * and which decisions a run applies).
 *
 * The import reads the state once before the rows (every period's
 * flags.csv and alerts.jsonl: which households and alerts exist, and
 * what was reviewed), checks each row against it, and writes the new
 * decisions and the audit record under the state's lock, so a run never
 * sees half an import and two imports never interleave.  The order is:
 * the new reviews.jsonl written beside the old one, the audit record
 * appended, then the rename: an import that cannot be logged keeps
 * nothing.
 *
 * Months are counted on period indexes (year * 12 + month - 1), so a
 * decision of 2026-11-20 is in month 202611 and "3 months after" it is
 * 202702.
 */
#include "history/reviews.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/fsutil.h"
#include "base/json.h"
#include "base/strbuf.h"
#include "connectors/csv.h"
#include "connectors/pg/pg_store.h"
#include "connectors/pg/pg_uri.h"
#include "connectors/source.h"
#include "base/vec.h"
#include "domain/hashset.h"
#include "domain/period.h"
#include "domain/schema.h"
#include "history/auditlog.h"
#include "history/auditrec.h"
#include "history/runread.h"
#include "history/state.h"

extern const char hh_embed_reviews_schema[];

/* reviews.jsonl is read whole; one line per decision, far below this. */
#define REVIEWS_MAX ((size_t)1 << 30)
/* The inbox in the store (schemas/sql/009_reviews.sql). */
#define INBOX_TABLE "hhmatch.review_inbox"

static const char *const decision_codes[RV_COUNT] = {
	"confirmed", "false_positive", "moved", "deceased", "unreachable", "declined",
	"duplicate"};

const char *reviews_decision_code(review_decision d)
{
	return (unsigned)d < RV_COUNT ? decision_codes[d] : "";
}

static int decision_parse(const char *s, review_decision *out)
{
	for (int i = 0; i < RV_COUNT; i++)
		if (s && !strcmp(s, decision_codes[i])) {
			*out = (review_decision)i;
			return 0;
		}
	return -1;
}

/* --- the set kept in the state ---------------------------------------- */

struct reviews {
	json_t **obj;   /* one per line, owning the strings of v */
	review *v;
	size_t n;
	size_t *by_hh;  /* indexes into v by household, decided_on, seq */
};

static int cmp_by_hh(const void *a, const void *b, void *ctx)
{
	const review *v = ctx, *x = &v[*(const size_t *)a], *y = &v[*(const size_t *)b];
	int c = strcmp(x->household, y->household);
	if (!c)
		c = (x->decided_on > y->decided_on) - (x->decided_on < y->decided_on);
	if (!c)
		c = (x->seq > y->seq) - (x->seq < y->seq);
	return c;
}

void reviews_free(reviews *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->n; i++)
		json_decref(r->obj[i]);
	free(r->obj);
	free(r->v);
	free(r->by_hh);
	free(r);
}

size_t reviews_count(const reviews *r)
{
	return r ? r->n : 0;
}

const review *reviews_at(const reviews *r, size_t i)
{
	return r && i < r->n ? &r->v[i] : NULL;
}

/* "YYYY-MM-DD" -> YYYYMMDD, or -1. */
static int iso_date(const char *s)
{
	int d;
	return s && strlen(s) == 10 && !schema_parse_date(s, 10, &d) ? d : -1;
}

static const char *opt_str(const json_t *o, const char *key)
{
	const char *s = hj_str(o, key);
	return s ? s : "";
}

/* One line of reviews.jsonl into rv; NULL or what is wrong. */
static const char *line_review(const json_t *o, size_t lineno, review *rv)
{
	const json_t *seq = json_object_get(o, "seq");
	const char *per = hj_str(o, "period");
	memset(rv, 0, sizeof *rv);
	if (!json_is_integer(seq) || json_integer_value(seq) != (json_int_t)lineno)
		return "seq is not the line's number";
	rv->seq = (unsigned long)lineno;
	rv->household = hj_str(o, "household_id");
	rv->reviewer = hj_str(o, "reviewer");
	rv->reasons = hj_str(o, "reasons");
	if (!rv->household || !rv->reviewer || !rv->reasons)
		return "household_id, reviewer and reasons are needed";
	if (decision_parse(hj_str(o, "decision"), &rv->decision))
		return "not a known decision";
	if ((rv->decided_on = iso_date(hj_str(o, "decided_on"))) < 0)
		return "decided_on is not a date";
	char *end = NULL;
	long pv = per && per[0] ? strtol(per, &end, 10) : 0;
	if (!per || (per[0] && (strlen(per) != 6 || *end || pv % 100 < 1 || pv % 100 > 12)))
		return "period is not YYYYMM";
	rv->period = (int)pv;
	rv->level = rr_level(opt_str(o, "risk_level"));
	rv->alert_id = opt_str(o, "alert_id");
	rv->note = opt_str(o, "note");
	rv->code = opt_str(o, "code");
	return NULL;
}

/* Parses text (NUL-terminated, len bytes) into r. */
static hh_status parse_lines(reviews *r, char *text, size_t len, const char *path,
			     hh_err *err)
{
	size_t lines = 1;
	for (size_t i = 0; i < len; i++)
		lines += text[i] == '\n';
	r->obj = calloc(lines, sizeof *r->obj);
	r->v = calloc(lines, sizeof *r->v);
	r->by_hh = calloc(lines, sizeof *r->by_hh);
	if (!r->obj || !r->v || !r->by_hh)
		return hh_fail(err, HH_EINTERNAL, "out of memory");
	char *p = text;
	for (size_t lineno = 1; p < text + len; lineno++) {
		char *e = memchr(p, '\n', (size_t)(text + len - p));
		size_t n = e ? (size_t)(e - p) : (size_t)(text + len - p);
		json_error_t je;
		json_t *o = hj_loadb(p, n, JSON_REJECT_DUPLICATES, &je);
		if (!o)
			return hh_fail(err, HH_EINPUT, "%s line %zu: not valid JSON: %s; restore "
				       "the file from a copy of the state", path, lineno, je.text);
		r->obj[r->n] = o;
		const char *why = line_review(o, lineno, &r->v[r->n]);
		r->n++;
		if (why)
			return hh_fail(err, HH_EINPUT, "%s line %zu: not a decision: %s; restore "
				       "the file from a copy of the state", path, lineno, why);
		p += n + 1;
	}
	for (size_t i = 0; i < r->n; i++)
		r->by_hh[i] = i;
	qsort_r(r->by_hh, r->n, sizeof *r->by_hh, cmp_by_hh, r->v);
	return HH_OK;
}

hh_status reviews_load(const char *state_dir, reviews **out, int *exists, hh_err *err)
{
	char path[PATH_MAX];
	char *text = NULL;
	size_t len = 0;
	*out = NULL;
	*exists = 0;
	snprintf(path, sizeof path, "%s/" REVIEWS_FILE, state_dir);
	reviews *r = calloc(1, sizeof *r);
	if (!r)
		return hh_fail(err, HH_EINTERNAL, "out of memory");
	hh_status st = HH_OK;
	if (access(path, F_OK) == 0 || errno != ENOENT) {
		*exists = 1;
		st = fs_read_file(path, REVIEWS_MAX, HH_EINPUT, &text, &len, err);
		if (st == HH_OK)
			st = parse_lines(r, text, len, path, err);
	}
	free(text);
	if (st != HH_OK) {
		reviews_free(r);
		return st;
	}
	*out = r;
	return HH_OK;
}

const review *reviews_last(const reviews *r, const char *household, int period,
			   unsigned long known)
{
	if (!r || !r->n)
		return NULL;
	size_t lo = 0, hi = r->n;
	while (lo < hi) { /* the first of the household */
		size_t mid = (lo + hi) / 2;
		if (strcmp(r->v[r->by_hh[mid]].household, household) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	const review *last = NULL;
	for (; lo < r->n && !strcmp(r->v[r->by_hh[lo]].household, household); lo++) {
		const review *rv = &r->v[r->by_hh[lo]];
		if (rv->seq <= known && rv->decided_on / 100 <= period)
			last = rv; /* ordered by decided_on, then seq */
	}
	return last;
}

/* 1 when every reason of now is among those of was (both ';'-joined). */
static int reasons_within(const char *now, const char *was)
{
	size_t wl = strlen(was);
	while (*now) {
		size_t len = strcspn(now, ";");
		int found = 0;
		for (const char *p = was; !found && p < was + wl;) {
			size_t l2 = strcspn(p, ";");
			found = l2 == len && !strncmp(p, now, len);
			p += l2 + (p[l2] == ';');
		}
		if (len && !found)
			return 0;
		now += len + (now[len] == ';');
	}
	return 1;
}

static int within(const review *rv, int period, int months)
{
	int d = period_months_between(rv->decided_on / 100, period);
	return d >= 0 && d < months;
}

int reviews_suppresses(const review *rv, int period, int months, int level,
		       const char *reasons)
{
	return rv && rv->decision == RV_FALSE_POSITIVE && within(rv, period, months) &&
	       level <= rv->level && reasons_within(reasons, rv->reasons);
}

int reviews_follow_up(const review *rv, int period, int prev, int months)
{
	if (!rv || rv->decision != RV_CONFIRMED || months < 1)
		return 0;
	int m = rv->decided_on / 100;
	int now = period_months_between(m, period) / months;
	int before = prev && period_months_between(m, prev) > 0
			     ? period_months_between(m, prev) / months : 0;
	return period_months_between(m, period) > 0 && now >= 1 && now > before;
}

int reviews_suppresses_finding(const review *rv, int period, int months, const char *code)
{
	if (!rv)
		return 0;
	if (rv->decision == RV_DECEASED)
		return !strcmp(code, "A_DECEASED");
	if (rv->decision == RV_MOVED)
		return !strcmp(code, "D_MULTI_HOUSEHOLD");
	return rv->decision == RV_FALSE_POSITIVE && !strcmp(rv->code, code) &&
	       within(rv, period, months);
}

/* --- what the state has alerted and flagged ---------------------------- */

typedef struct {
	const char *hh;
	int period;
	const char *level, *reasons;
} flagged_entry;

typedef struct {
	const char *id, *hh, *kind, *level, *code;
	char *reasons;  /* owned */
	int period;
} alert_entry;

typedef struct {
	rr_table **tables;
	json_t **alerts_json;
	size_t ntables, nalerts_json;
	flagged_entry *fl;
	size_t nfl, capfl;
	alert_entry *al;
	size_t nal, capal;
	const char **hh;  /* every household alerted or flagged, sorted */
	size_t nhh;
} state_index;

static void index_free(state_index *x)
{
	for (size_t i = 0; i < x->ntables; i++)
		rr_table_free(x->tables[i]);
	for (size_t i = 0; i < x->nalerts_json; i++)
		json_decref(x->alerts_json[i]);
	for (size_t i = 0; i < x->nal; i++)
		free(x->al[i].reasons);
	free(x->tables);
	free(x->alerts_json);
	free(x->fl);
	free(x->al);
	free(x->hh);
}

static int cmp_fl(const void *a, const void *b)
{
	const flagged_entry *x = a, *y = b;
	int c = strcmp(x->hh, y->hh);
	return c ? c : (x->period > y->period) - (x->period < y->period);
}

static int cmp_al(const void *a, const void *b)
{
	return strcmp(((const alert_entry *)a)->id, ((const alert_entry *)b)->id);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static hh_status index_flags(state_index *x, const char *state_dir, int period, hh_err *err)
{
	char path[PATH_MAX];
	rr_table *t;
	snprintf(path, sizeof path, "%s/runs/%06d/flags.csv", state_dir, period);
	HH_TRY(rr_table_load(path, &t, err));
	x->tables[x->ntables++] = t;
	int c_id = rr_col(t, "household_id"), c_lvl = rr_col(t, "risk_level"),
	    c_rs = rr_col(t, "reasons");
	if (c_id < 0 || c_lvl < 0 || c_rs < 0)
		return hh_fail(err, HH_EINPUT, "%s: household_id, risk_level or reasons missing",
			       path);
	for (size_t i = 0; i < t->nrows; i++) {
		if (x->nfl == x->capfl) {
			size_t nc = x->capfl ? 2 * x->capfl : 1024;
			flagged_entry *nv = realloc(x->fl, nc * sizeof *nv);
			if (!nv)
				return hh_fail(err, HH_EINTERNAL, "out of memory");
			x->fl = nv;
			x->capfl = nc;
		}
		x->fl[x->nfl++] = (flagged_entry){rr_cell(t, i, c_id), period,
						  rr_cell(t, i, c_lvl), rr_cell(t, i, c_rs)};
	}
	return HH_OK;
}

/* The reasons array of an alert joined by ';' (malloc'ed), or NULL. */
static char *join_reasons(const json_t *arr)
{
	strbuf b = STRBUF_INIT;
	size_t i;
	const json_t *v;
	json_array_foreach(arr, i, v)
	{
		if (i)
			sb_addc(&b, ';');
		sb_adds(&b, json_is_string(v) ? json_string_value(v) : "");
	}
	char *s = b.oom ? NULL : strdup(sb_str(&b));
	sb_release(&b);
	return s;
}

/* The alerts of period in dir/alerts.jsonl (none there: none). */
static hh_status index_alerts_in(state_index *x, const char *dir, int period, hh_err *err)
{
	char path[PATH_MAX];
	char *text = NULL;
	size_t len = 0;
	snprintf(path, sizeof path, "%s/alerts.jsonl", dir);
	if (access(path, F_OK) != 0 && errno == ENOENT)
		return HH_OK;
	HH_TRY(fs_read_file(path, REVIEWS_MAX, HH_EINPUT, &text, &len, err));
	hh_status st = HH_OK;
	char *p = text;
	for (size_t lineno = 1; st == HH_OK && p < text + len; lineno++) {
		char *e = memchr(p, '\n', (size_t)(text + len - p));
		size_t n = e ? (size_t)(e - p) : (size_t)(text + len - p);
		json_t *o = n ? hj_loadb(p, n, 0, NULL) : NULL;
		p += n + 1;
		if (!n)
			continue;
		if (!o || !hj_str(o, "alert_id") || !hj_str(o, "household_id") ||
		    !hj_str(o, "kind")) {
			json_decref(o);
			st = hh_fail(err, HH_EINPUT, "%s line %zu: not an alert", path, lineno);
			break;
		}
		if (x->nal == x->capal) {
			size_t nc = x->capal ? 2 * x->capal : 1024;
			alert_entry *na = realloc(x->al, nc * sizeof *na);
			json_t **nj = realloc(x->alerts_json, nc * sizeof *nj);
			if (na)
				x->al = na;
			if (nj)
				x->alerts_json = nj;
			if (!na || !nj) {
				json_decref(o);
				st = hh_fail(err, HH_EINTERNAL, "out of memory");
				break;
			}
			x->capal = nc;
		}
		x->alerts_json[x->nalerts_json++] = o;
		alert_entry *a = &x->al[x->nal];
		*a = (alert_entry){.id = hj_str(o, "alert_id"), .hh = hj_str(o, "household_id"),
				   .kind = hj_str(o, "kind"), .level = opt_str(o, "risk_level"),
				   .code = opt_str(o, "code"), .period = period,
				   .reasons = join_reasons(json_object_get(o, "reasons"))};
		if (!a->reasons) {
			st = hh_fail(err, HH_EINTERNAL, "out of memory");
			break;
		}
		x->nal++;
	}
	free(text);
	return st;
}

static hh_status index_alerts(state_index *x, const char *state_dir, int period, hh_err *err)
{
	char dir[PATH_MAX];
	snprintf(dir, sizeof dir, "%s/runs/%06d", state_dir, period);
	return index_alerts_in(x, dir, period, err);
}

static hh_status index_build(state_index *x, const char *state_dir, hh_err *err)
{
	int *periods = NULL;
	size_t np = 0;
	memset(x, 0, sizeof *x);
	HH_TRY(state_periods(state_dir, &periods, &np, err));
	hh_status st = HH_OK;
	if (!np)
		st = hh_fail(err, HH_EINPUT, "--state %s has no runs: decisions answer the "
			     "alerts of runs kept there (run with --state first)", state_dir);
	if (st == HH_OK && !(x->tables = calloc(np, sizeof *x->tables)))
		st = hh_fail(err, HH_EINTERNAL, "out of memory");
	for (size_t i = 0; st == HH_OK && i < np; i++) {
		st = index_flags(x, state_dir, periods[i], err);
		if (st == HH_OK)
			st = index_alerts(x, state_dir, periods[i], err);
	}
	free(periods);
	if (st != HH_OK)
		return st;
	qsort(x->fl, x->nfl, sizeof *x->fl, cmp_fl);
	qsort(x->al, x->nal, sizeof *x->al, cmp_al);
	if (!(x->hh = malloc((x->nfl + x->nal + 1) * sizeof *x->hh)))
		return hh_fail(err, HH_EINTERNAL, "out of memory");
	for (size_t i = 0; i < x->nfl; i++)
		x->hh[x->nhh++] = x->fl[i].hh;
	for (size_t i = 0; i < x->nal; i++)
		if (x->al[i].hh[0])
			x->hh[x->nhh++] = x->al[i].hh;
	qsort(x->hh, x->nhh, sizeof *x->hh, cmp_str);
	return HH_OK;
}

static const alert_entry *index_alert(const state_index *x, const char *id)
{
	alert_entry key = {.id = id};
	return x->nal ? bsearch(&key, x->al, x->nal, sizeof *x->al, cmp_al) : NULL;
}

/* The latest period at or before month in which hh is flagged, or NULL. */
static const flagged_entry *index_flagged(const state_index *x, const char *hh, int month)
{
	size_t lo = 0, hi = x->nfl;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (strcmp(x->fl[mid].hh, hh) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	const flagged_entry *best = NULL;
	for (; lo < x->nfl && !strcmp(x->fl[lo].hh, hh) && x->fl[lo].period <= month; lo++)
		best = &x->fl[lo];
	return best;
}

/* --- reading the decisions --------------------------------------------- */

/* The columns of schemas/reviews.schema, in its order. */
enum { C_HH, C_ALERT, C_DECISION, C_REVIEWER, C_DATE, C_NOTE, C_COUNT };
static const char *const col_names[C_COUNT] = {"household_id", "alert_id", "decision",
						"reviewer", "decided_on", "note"};

typedef struct {
	const reviews_import_opts *o;
	const char *name;        /* the file, or the inbox's redacted string */
	state_index ix;
	reviews *old;
	strbuf add;              /* the new lines */
	arena *key_text;         /* the keys' text ... */
	strtab *keys;            /* ... identity of every decision kept or added */
	uint32_t nkeys;
	char import_id[17];
	reviews_import_result *res;
	hh_err *err;
} import_ctx;

static int col_matches(const schema_col *c, hh_field f)
{
	f = schema_trim(f);
	if (f.len == strlen(c->name) && !strncasecmp(f.ptr, c->name, f.len))
		return 1;
	for (size_t i = 0; i < c->naliases; i++)
		if (f.len == strlen(c->aliases[i]) && !strncasecmp(f.ptr, c->aliases[i], f.len))
			return 1;
	return 0;
}

/* The header: schema_map_header wants an identity column, which a
 * decision has not; so mapped here the same way (names and aliases,
 * case-insensitive, trimmed).  *row_col: the inbox's id, or -1. */
static hh_status map_header(import_ctx *c, const schema_source *src, const hh_record *hdr,
			    schema_map *map, int *row_col)
{
	memset(map, 0, sizeof *map);
	map->src = src;
	map->nfields = hdr->nfields;
	map->identity_col = -1;
	*row_col = -1;
	for (size_t k = 0; k < SCHEMA_MAX_COLS; k++)
		map->field_of_col[k] = map->header_field_of_col[k] = -1;
	for (size_t f = 0; f < hdr->nfields; f++) {
		hh_field name = schema_trim(hdr->fields[f]);
		/* the inbox's rows are named by their id (009_reviews.sql) */
		if (c->o->pg && name.len == 2 && !memcmp(name.ptr, "id", 2))
			*row_col = (int)f;
		for (size_t k = 0; k < src->ncols; k++)
			if (col_matches(&src->cols[k], name)) {
				if (map->field_of_col[k] >= 0)
					return hh_fail(c->err, HH_EINPUT, "%s: column '%s' appears "
						       "twice in the header", c->name,
						       src->cols[k].name);
				map->field_of_col[k] = map->header_field_of_col[k] = (int)f;
			}
	}
	for (size_t k = 0; k < src->ncols; k++) {
		const schema_col *col = &src->cols[k];
		if (col->presence != PRES_REQUIRED || map->field_of_col[k] >= 0)
			continue;
		strbuf names = STRBUF_INIT;
		sb_adds(&names, col->name);
		for (size_t i = 0; i < col->naliases; i++)
			sb_addf(&names, ", %s", col->aliases[i]);
		hh_status st = hh_fail(c->err, HH_EINPUT, "%s: required column '%s' is missing "
				       "(accepted names: %s)", c->name, col->name,
				       sb_str(&names));
		sb_release(&names);
		return st;
	}
	return HH_OK;
}

/* What a row's reason code means, for the person fixing the file. */
static const char *reason_words(const char *why, int col)
{
	if (!strcmp(why, "missing_value"))
		return "empty, and it is required";
	if (!strcmp(why, "bad_date"))
		return "not a date (YYYY-MM-DD)";
	if (!strcmp(why, "bad_enum") && col == C_DECISION)
		return "not a decision (confirmed 已核实帮扶, false_positive 误报, moved 已迁出, "
		       "deceased 已死亡, unreachable 无法联系, declined 拒绝帮扶, duplicate 重复)";
	if (!strcmp(why, "column_count"))
		return "not as many fields as the header";
	if (!strcmp(why, "malformed_quotes"))
		return "a quote out of place";
	if (!strcmp(why, "bad_encoding"))
		return "bytes that are not GB18030 text";
	return why;
}

static void reject(import_ctx *c, uint64_t line, int col, const char *why)
{
	char msg[640];
	/* a file's rows by line, the inbox's by id */
	const char *where = c->o->pg ? "id" : "line";
	if (col >= 0)
		snprintf(msg, sizeof msg, "%s %s %llu: %s: %s", c->name, where,
			 (unsigned long long)line, col_names[col], why);
	else
		snprintf(msg, sizeof msg, "%s %s %llu: %s", c->name, where,
			 (unsigned long long)line, why);
	c->res->rejected++;
	if (c->o->reject)
		c->o->reject(c->o->ctx, msg);
}

static char *field_dup(hh_field f)
{
	char *s = malloc((size_t)f.len + 1);
	if (s) {
		memcpy(s, f.ptr, f.len);
		s[f.len] = '\0';
	}
	return s;
}

/* Adds the identity of a decision to the keys seen ("already kept"):
 * *known = 1 when it was there.  -1 on no memory. */
static int key_add(import_ctx *c, const char *hh, const char *alert, const char *decision,
		   const char *reviewer, int date, const char *note, int *known)
{
	strbuf b = STRBUF_INIT;
	const char *stored;
	int added = 0;
	sb_addf(&b, "%s\x1f%s\x1f%s\x1f%s\x1f%d\x1f%s", hh, alert, decision, reviewer, date,
		note);
	int64_t at = b.oom ? -1
			   : strtab_get_or_add(c->keys, b.buf, b.len, c->nkeys, &stored, &added);
	sb_release(&b);
	if (at < 0)
		return -1;
	c->nkeys += (uint32_t)added;
	*known = !added;
	return 0;
}

static hh_status keys_init(import_ctx *c)
{
	int known;
	if (!(c->key_text = arena_new()) || !(c->keys = strtab_new(c->key_text)))
		return hh_fail(c->err, HH_EINTERNAL, "out of memory");
	for (size_t i = 0; i < reviews_count(c->old); i++) {
		const review *rv = reviews_at(c->old, i);
		if (key_add(c, rv->household, rv->alert_id, decision_codes[rv->decision],
			    rv->reviewer, rv->decided_on, rv->note, &known))
			return hh_fail(c->err, HH_EINTERNAL, "out of memory");
	}
	return HH_OK;
}

/* The row's strings, checked; keeps it unless it is known. */
typedef struct {
	char *f[C_COUNT];
	review_decision decision;
	int date;
} row_values;

static void row_free(row_values *v)
{
	for (int k = 0; k < C_COUNT; k++)
		free(v->f[k]);
}

/* NULL when the row is a decision the state can take (*col the column
 * concerned otherwise), with the snapshot's alert or flags entry. */
static const char *row_check(import_ctx *c, const row_values *v, int *col,
			     const alert_entry **al, const flagged_entry **fl)
{
	*al = NULL;
	*fl = NULL;
	for (int k = 0; k < C_COUNT; k++)
		if (k != C_HH && k != C_ALERT && v->f[k] && auditrec_id_shaped(v->f[k])) {
			*col = k;
			return "holds something shaped like an ID number; the state keeps "
			       "decisions for good, so it is refused";
		}
	*col = C_DATE;
	if (v->date > c->o->today)
		return "after today";
	*col = C_HH;
	if (!c->ix.nhh || !bsearch(&v->f[C_HH], c->ix.hh, c->ix.nhh, sizeof *c->ix.hh, cmp_str))
		return "the state has never alerted or flagged this household";
	if (v->f[C_ALERT] && v->f[C_ALERT][0]) {
		*col = C_ALERT;
		if (!(*al = index_alert(&c->ix, v->f[C_ALERT])))
			return "the state has no such alert";
		if (strcmp((*al)->hh, v->f[C_HH]))
			return "an alert of another household";
	}
	*fl = index_flagged(&c->ix, v->f[C_HH], v->date / 100);
	*col = -1;
	return NULL;
}

/* Appends the kept line of an accepted, new decision to c->add. */
static hh_status add_line(import_ctx *c, const row_values *v, const alert_entry *al,
			  const flagged_entry *fl)
{
	char date[PERIOD_ISO_SIZE], per[16] = "";
	const char *level = "none", *reasons = "", *code = "";
	period_day_iso(v->date, date);
	int household_kind = al && (!strcmp(al->kind, "new") || !strcmp(al->kind, "escalated") ||
				    !strcmp(al->kind, "de-escalated") ||
				    !strcmp(al->kind, "follow_up"));
	if (household_kind) {
		snprintf(per, sizeof per, "%06d", al->period);
		level = al->level;
		reasons = al->reasons;
	} else if (fl) {
		snprintf(per, sizeof per, "%06d", fl->period);
		level = fl->level;
		reasons = fl->reasons;
	}
	if (al && !strcmp(al->kind, "finding"))
		code = al->code;
	json_t *o = json_object();
	int bad = !o;
	unsigned long seq = reviews_count(c->old) + c->res->added + 1;
	bad |= json_object_set_new(o, "seq", json_integer((json_int_t)seq));
	bad |= json_object_set_new(o, "import", json_string(c->import_id));
	bad |= hj_set_bytes(o, "household_id", v->f[C_HH]);
	if (v->f[C_ALERT] && v->f[C_ALERT][0])
		bad |= hj_set_bytes(o, "alert_id", v->f[C_ALERT]);
	bad |= json_object_set_new(o, "decision", json_string(decision_codes[v->decision]));
	bad |= hj_set_bytes(o, "reviewer", v->f[C_REVIEWER]);
	bad |= json_object_set_new(o, "decided_on", json_string(date));
	if (v->f[C_NOTE] && v->f[C_NOTE][0])
		bad |= hj_set_bytes(o, "note", v->f[C_NOTE]);
	bad |= json_object_set_new(o, "period", json_string(per));
	bad |= hj_set_bytes(o, "risk_level", level);
	bad |= hj_set_bytes(o, "reasons", reasons);
	if (code[0])
		bad |= hj_set_bytes(o, "code", code);
	if (!bad) {
		hj_dump(&c->add, o, HJ_LINE);
		sb_addc(&c->add, '\n');
	}
	json_decref(o);
	return bad || c->add.oom ? hh_fail(c->err, HH_EINTERNAL, "out of memory") : HH_OK;
}

/* One record of the file or inbox. */
static hh_status take_row(import_ctx *c, const schema_map *map, int row_col,
			  const hh_record *rec)
{
	schema_row row;
	int bad_col;
	uint64_t line = rec->line;
	c->res->read++;
	if (row_col >= 0 && (size_t)row_col < rec->nfields) {
		/* the inbox: the row's id, what its writer knows it by */
		char num[24];
		hh_field f = rec->fields[row_col];
		snprintf(num, sizeof num, "%.*s", (int)(f.len < 20 ? f.len : 20), f.ptr);
		line = strtoull(num, NULL, 10);
	}
	const char *why = schema_parse_row(map, rec, &row, &bad_col);
	if (why) {
		reject(c, line, bad_col, reason_words(why, bad_col));
		return HH_OK;
	}
	row_values v = {.decision = (review_decision)row.val[C_DECISION],
			.date = (int)row.val[C_DATE]};
	for (int k = 0; k < C_COUNT; k++)
		if ((row.present & (1u << k)) && k != C_DECISION && k != C_DATE &&
		    !(v.f[k] = field_dup(row.str[k]))) {
			row_free(&v);
			return hh_fail(c->err, HH_EINTERNAL, "out of memory");
		}
	int col;
	const alert_entry *al;
	const flagged_entry *fl;
	hh_status st = HH_OK;
	if ((why = row_check(c, &v, &col, &al, &fl))) {
		reject(c, line, col, why);
	} else {
		int known;
		if (key_add(c, v.f[C_HH], v.f[C_ALERT] ? v.f[C_ALERT] : "",
			    decision_codes[v.decision], v.f[C_REVIEWER], v.date,
			    v.f[C_NOTE] ? v.f[C_NOTE] : "", &known)) {
			st = hh_fail(c->err, HH_EINTERNAL, "out of memory");
		} else {
			c->res->accepted++;
			if (!known) {
				st = add_line(c, &v, al, fl);
				c->res->added++;
			}
		}
	}
	row_free(&v);
	return st;
}

/* Opens the decisions as CSV: the file (a header of one field holding a
 * tab: read again tab-separated), or the store's inbox. */
static hh_status open_input(import_ctx *c, csv_reader **r, hh_record *hdr)
{
	ins_opts io = {.source = "reviews", .encoding = HH_ENC_AUTO, .want_sha256 = 1};
	hh_instream *in = NULL;
	int got = 0;
	for (int pass = 0; pass < 2; pass++) {
		csv_opts co = {.delim = pass ? '\t' : 0};
		if (c->o->in) {
			HH_TRY(ins_open_file(c->o->in, &io, &in, c->err));
		} else {
			strbuf loc = STRBUF_INIT;
			sb_adds(&loc, c->o->pg);
			if (!strncmp(c->o->pg, "postgres", 8))
				sb_adds(&loc, strchr(c->o->pg, '?') ? "&" : "?");
			else
				sb_addc(&loc, ' ');
			sb_adds(&loc, "table=" INBOX_TABLE);
			hh_status st = loc.oom ? hh_fail(c->err, HH_EINTERNAL, "out of memory")
					       : src_open(sb_str(&loc), 0, 1, &io, &in, c->err);
			sb_release(&loc);
			HH_TRY(st);
		}
		HH_TRY(csv_open(in, &co, r, c->err));
		HH_TRY(csv_next(*r, hdr, &got, c->err));
		if (!got)
			return hh_fail(c->err, HH_EINPUT, "%s: empty: a header row is needed",
				       c->name);
		if (pass || !c->o->in || hdr->nfields != 1 ||
		    !memchr(hdr->fields[0].ptr, '\t', hdr->fields[0].len))
			return HH_OK;
		csv_close(*r);
		*r = NULL;
	}
	return HH_OK;
}

static hh_status read_rows(import_ctx *c, const schema_source *src)
{
	csv_reader *r = NULL;
	hh_record rec;
	schema_map map;
	int row_col, got = 1;
	hh_status st = open_input(c, &r, &rec);
	if (st == HH_OK)
		st = map_header(c, src, &rec, &map, &row_col);
	while (st == HH_OK && (st = csv_next(r, &rec, &got, c->err)) == HH_OK && got)
		st = take_row(c, &map, row_col, &rec);
	if (st == HH_OK) {
		const char *sha = ins_sha256_hex(csv_stream(r));
		snprintf(c->res->sha256, sizeof c->res->sha256, "%s", sha);
	}
	csv_close(r);
	return st;
}

/* --- the record and the file ------------------------------------------- */

static hh_status log_import(import_ctx *c, const char *state_dir)
{
	char now[32], os_user[256], path[PATH_MAX];
	time_t t = time(NULL);
	struct tm tm;
	if (!gmtime_r(&t, &tm) || !strftime(now, sizeof now, "%Y-%m-%dT%H:%M:%SZ", &tm))
		return hh_fail(c->err, HH_EINTERNAL, "cannot format the time of the audit record");
	if (!auditrec_os_user(os_user, sizeof os_user))
		return hh_fail(c->err, HH_EINTERNAL, "cannot look up the account this runs as "
			       "for the audit record: %s", strerror(errno));
	const reviews_import_result *res = c->res;
	json_t *q = json_object();
	int bad = !q;
	bad |= json_object_set_new(q, "command", json_string("review import"));
	bad |= hj_set_bytes(q, "source", c->name);
	bad |= json_object_set_new(q, "sha256", json_string(res->sha256));
	bad |= json_object_set_new(q, "import", json_string(c->import_id));
	bad |= json_object_set_new(q, "read", json_integer((json_int_t)res->read));
	bad |= json_object_set_new(q, "accepted", json_integer((json_int_t)res->accepted));
	bad |= json_object_set_new(q, "added", json_integer((json_int_t)res->added));
	bad |= json_object_set_new(q, "rejected", json_integer((json_int_t)res->rejected));
	bad |= json_object_set_new(q, "decisions_known", json_integer((json_int_t)res->known));
	strbuf qs = STRBUF_INIT, m = STRBUF_INIT;
	if (!bad)
		hj_dump(&qs, q, HJ_LINE);
	json_decref(q);
	auditrec rec = {.time = now, .os_user = os_user, .operator_ = c->o->operator_,
			.purpose = "review import", .query = sb_str(&qs)};
	if (!bad && !qs.oom)
		auditrec_members(&m, &rec);
	hh_status st;
	if (bad || qs.oom || m.oom) {
		st = hh_fail(c->err, HH_EINTERNAL, "out of memory");
	} else {
		auditrec_anchor head;
		snprintf(path, sizeof path, "%s/audit.log", state_dir);
		st = auditlog_append(path, sb_str(&m), c->o->audit_key, &head, c->err);
		if (st == HH_OK)
			auditrec_anchor_format(&head, c->res->head);
	}
	sb_release(&qs);
	sb_release(&m);
	return st;
}

/* Old lines and new ones to reviews.jsonl.tmp (fsync'ed); path gets the
 * final name. */
static hh_status write_staged(import_ctx *c, const char *state_dir, char *tmp, size_t cap,
			      char *path, size_t pcap)
{
	char *old = NULL;
	size_t len = 0;
	snprintf(path, pcap, "%s/" REVIEWS_FILE, state_dir);
	snprintf(tmp, cap, "%s/" REVIEWS_FILE ".tmp", state_dir);
	if (reviews_count(c->old))
		HH_TRY(fs_read_file(path, REVIEWS_MAX, HH_EINPUT, &old, &len, c->err));
	strbuf b = STRBUF_INIT;
	sb_add(&b, old ? old : "", len);
	sb_add(&b, c->add.buf ? c->add.buf : "", c->add.len);
	free(old);
	hh_status st = b.oom ? hh_fail(c->err, HH_EINTERNAL, "out of memory")
			     : fs_write_file(tmp, b.buf ? b.buf : "", b.len, 0666, c->err);
	sb_release(&b);
	return st;
}

hh_status reviews_import(const char *state_dir, const reviews_import_opts *o,
			 reviews_import_result *res, hh_err *err)
{
	memset(res, 0, sizeof *res);
	import_ctx c = {.o = o, .res = res, .err = err, .add = STRBUF_INIT};
	pg_uri u = {0};
	fs_lock *lock = NULL;
	schema *sch = NULL;
	int exists;
	hh_status st = schema_parse(hh_embed_reviews_schema, "built-in reviews.schema", &sch, err);
	const schema_source *src = st == HH_OK ? schema_source_by_name(sch, "reviews") : NULL;
	if (st == HH_OK && (!src || src->ncols != C_COUNT ||
			    src->cols[C_DECISION].en->ncodes != RV_COUNT))
		st = hh_fail(err, HH_EINTERNAL, "built-in reviews.schema does not match reviews.c");
	for (int k = 0; st == HH_OK && k < C_COUNT; k++)
		if (strcmp(src->cols[k].name, col_names[k]))
			st = hh_fail(err, HH_EINTERNAL, "built-in reviews.schema: column %d is "
				     "not %s", k + 1, col_names[k]);
	for (int k = 0; st == HH_OK && k < RV_COUNT; k++)
		if (strcmp(src->cols[C_DECISION].en->codes[k], decision_codes[k]))
			st = hh_fail(err, HH_EINTERNAL, "built-in reviews.schema: decision %d is "
				     "not %s", k + 1, decision_codes[k]);
	if (st == HH_OK && o->pg) {
		st = pg_uri_parse(o->pg, &u, err);
		if (st == HH_OK)
			st = pg_uri_check_store(&u, err);
		c.name = u.shown;
	} else {
		c.name = o->in;
	}
	struct stat sb;
	/* state_lock would make a missing folder: a mistyped --state must not */
	if (st == HH_OK && (stat(state_dir, &sb) || !S_ISDIR(sb.st_mode)))
		st = hh_fail(err, HH_EINPUT, "--state %s: no such folder: give the --state of the "
			     "runs whose alerts the decisions answer", state_dir);
	if (st == HH_OK)
		st = state_lock(state_dir, &lock, err);
	if (st == HH_OK)
		st = index_build(&c.ix, state_dir, err);
	if (st == HH_OK)
		st = reviews_load(state_dir, &c.old, &exists, err);
	if (st == HH_OK)
		st = keys_init(&c);
	if (st == HH_OK && o->pg)
		st = pgstore_migrate(o->pg, err); /* the inbox exists from 009 on */
	/* the import's id names the bytes read, known only at the end: the
	 * lines are made with a placeholder of the same length */
	memset(c.import_id, '0', 16);
	if (st == HH_OK)
		st = read_rows(&c, src);
	if (st == HH_OK) {
		memcpy(c.import_id, res->sha256[0] ? res->sha256 : "0000000000000000", 16);
		for (char *p = c.add.buf; p && (p = strstr(p, "\"import\":\"0000000000000000\""));
		     p += 26)
			memcpy(p + 10, c.import_id, 16);
		res->known = reviews_count(c.old) + res->added;
	}
	char tmp[PATH_MAX], path[PATH_MAX];
	tmp[0] = '\0';
	if (st == HH_OK && res->added)
		st = write_staged(&c, state_dir, tmp, sizeof tmp, path, sizeof path);
	if (st == HH_OK)
		st = log_import(&c, state_dir);
	if (st == HH_OK && tmp[0]) {
		if (rename(tmp, path))
			st = hh_fail(err, HH_EINTERNAL, "cannot rename %s to %s: %s (the audit "
				     "log records the import; import the file again)", tmp, path,
				     strerror(errno));
		else
			tmp[0] = '\0';
		fs_fsync_dir(state_dir);
	}
	if (tmp[0])
		unlink(tmp);
	strtab_free(c.keys);
	arena_free(c.key_text);
	sb_release(&c.add);
	reviews_free(c.old);
	index_free(&c.ix);
	schema_free(sch);
	pg_uri_free(&u);
	fs_lock_release(lock);
	return st;
}

/* --- the decisions as people see them ---------------------------------- */

/* A household's latest alert that asked for a look. */
typedef struct {
	const char *hh;
	int period;
} asked_entry;

struct reviews_status {
	reviews *rv;
	unsigned long known;
	int period, backlog_days;
	state_index ix;
	asked_entry *asked;  /* by household, then period */
	size_t nasked;
};

static int cmp_asked(const void *a, const void *b)
{
	const asked_entry *x = a, *y = b;
	int c = strcmp(x->hh, y->hh);
	return c ? c : (x->period > y->period) - (x->period < y->period);
}

void reviews_status_free(reviews_status *s)
{
	if (!s)
		return;
	reviews_free(s->rv);
	index_free(&s->ix);
	free(s->asked);
	free(s);
}

hh_status reviews_status_load(const char *state_dir, int period, const char *run_dir,
			      reviews_status **out, hh_err *err)
{
	char path[PATH_MAX];
	int exists, *periods = NULL;
	size_t np = 0;
	json_t *rep = NULL;
	*out = NULL;
	reviews_status *s = calloc(1, sizeof *s);
	if (!s)
		return hh_fail(err, HH_EINTERNAL, "out of memory");
	s->period = period;
	s->backlog_days = 30;
	hh_status st = reviews_load(state_dir, &s->rv, &exists, err);
	if (st == HH_OK && !exists) {
		reviews_status_free(s);
		return HH_OK;
	}
	snprintf(path, sizeof path, "%s/report.json", run_dir);
	if (st == HH_OK)
		st = hj_load_path(path, &rep, err);
	if (st == HH_OK) {
		const json_t *k = json_object_get(json_object_get(rep, "reviews"), "decisions_known");
		const char *d = hj_str(json_object_get(rep, "rules"), "review_backlog_days");
		char *end;
		long v = d ? strtol(d, &end, 10) : -1;
		s->known = json_is_integer(k) && json_integer_value(k) > 0
				   ? (unsigned long)json_integer_value(k) : 0;
		if (d && !*end && v >= 0 && v <= 100000)
			s->backlog_days = (int)v;
		json_decref(rep);
		st = state_periods(state_dir, &periods, &np, err);
	}
	/* the alerts that asked for a look: the earlier periods' and this run's */
	for (size_t i = 0; st == HH_OK && i < np && periods[i] < period; i++)
		st = index_alerts(&s->ix, state_dir, periods[i], err);
	free(periods);
	if (st == HH_OK)
		st = index_alerts_in(&s->ix, run_dir, period, err);
	if (st == HH_OK && !(s->asked = malloc((s->ix.nal + 1) * sizeof *s->asked)))
		st = hh_fail(err, HH_EINTERNAL, "out of memory");
	for (size_t i = 0; st == HH_OK && i < s->ix.nal; i++) {
		const alert_entry *a = &s->ix.al[i];
		if (a->hh[0] && (!strcmp(a->kind, "new") || !strcmp(a->kind, "escalated") ||
				 !strcmp(a->kind, "follow_up")))
			s->asked[s->nasked++] = (asked_entry){a->hh, a->period};
	}
	if (st != HH_OK) {
		reviews_status_free(s);
		return st;
	}
	qsort(s->asked, s->nasked, sizeof *s->asked, cmp_asked);
	*out = s;
	return HH_OK;
}

const review *reviews_status_last(const reviews_status *s, const char *household)
{
	return s ? reviews_last(s->rv, household, s->period, s->known) : NULL;
}

int reviews_status_backlog(const reviews_status *s, const char *household)
{
	if (!s || !s->nasked)
		return 0;
	size_t lo = 0, hi = s->nasked;
	while (lo < hi) { /* past the household's last entry */
		size_t mid = (lo + hi) / 2;
		if (strcmp(s->asked[mid].hh, household) <= 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (!lo || strcmp(s->asked[lo - 1].hh, household))
		return 0;
	int asked = s->asked[lo - 1].period;
	const review *rv = reviews_status_last(s, household);
	if (rv && rv->decided_on >= asked * 100 + 1)
		return 0;
	return period_day_number(period_end(s->period)) - period_day_number(period_end(asked)) >=
	       s->backlog_days;
}
