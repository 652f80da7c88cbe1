/*
 * runread.c - a published run read back (see runread.h).
 *
 * Tables are loaded whole: a run's households.csv is one row per roster
 * household (hundreds of thousands at province scale), which fits in
 * memory comfortably; each row is one allocation holding its cells.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "connectors/csv.h"
#include "connectors/instream.h"
#include "base/json.h"
#include "domain/schema.h"
#include "domain/idnum.h"
#include "domain/period.h"
#include "history/runread.h"

static char **row_copy(const hh_record *rec, size_t ncols)
{
	size_t bytes = ncols * sizeof(char *);
	for (size_t i = 0; i < ncols && i < rec->nfields; i++)
		bytes += rec->fields[i].len + 1;
	bytes += ncols; /* empty cells */
	char **cells = malloc(bytes);
	if (!cells)
		return NULL;
	char *p = (char *)(cells + ncols);
	for (size_t i = 0; i < ncols; i++) {
		size_t len = i < rec->nfields ? rec->fields[i].len : 0;
		if (len)
			memcpy(p, rec->fields[i].ptr, len);
		p[len] = '\0';
		cells[i] = p;
		p += len + 1;
	}
	return cells;
}

hh_status rr_table_load(const char *path, rr_table **out, hh_err *err)
{
	*out = NULL;
	hh_instream *in = NULL;
	csv_reader *r = NULL;
	ins_opts io = {.encoding = HH_ENC_UTF8};
	csv_opts co = {.delim = ','};
	HH_TRY(ins_open_file(path, &io, &in, err));
	HH_TRY(csv_open(in, &co, &r, err));
	rr_table *t = calloc(1, sizeof *t);
	hh_record rec;
	int got = 0;
	size_t cap = 0;
	hh_status st = t ? csv_next(r, &rec, &got, err)
			 : hh_fail(err, HH_EINTERNAL, "out of memory");
	if (st == HH_OK && !got)
		st = hh_fail(err, HH_EINPUT, "%s: empty file, expected a header row", path);
	if (st == HH_OK) {
		t->ncols = rec.nfields;
		t->header = row_copy(&rec, rec.nfields);
		if (!t->header)
			st = hh_fail(err, HH_EINTERNAL, "out of memory");
	}
	while (st == HH_OK) {
		st = csv_next(r, &rec, &got, err);
		if (st != HH_OK || !got)
			break;
		if (t->nrows == cap) {
			size_t nc = cap ? cap * 2 : 256;
			char ***nr = realloc(t->rows, nc * sizeof *nr);
			uint64_t *nl = nr ? realloc(t->lines, nc * sizeof *nl) : NULL;
			if (nr)
				t->rows = nr;
			if (!nl) {
				st = hh_fail(err, HH_EINTERNAL, "out of memory");
				break;
			}
			t->lines = nl;
			cap = nc;
		}
		char **cells = row_copy(&rec, t->ncols);
		if (!cells) {
			st = hh_fail(err, HH_EINTERNAL, "out of memory");
			break;
		}
		t->lines[t->nrows] = rec.line;
		t->rows[t->nrows++] = cells;
	}
	csv_close(r);
	if (st != HH_OK) {
		rr_table_free(t);
		return st;
	}
	*out = t;
	return HH_OK;
}

void rr_table_free(rr_table *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->nrows; i++)
		free(t->rows[i]);
	free(t->rows);
	free(t->lines);
	free(t->header);
	free(t);
}

int rr_col(const rr_table *t, const char *name)
{
	for (size_t i = 0; i < t->ncols; i++)
		if (!strcmp(t->header[i], name))
			return (int)i;
	return -1;
}

const char *rr_cell(const rr_table *t, size_t row, int col)
{
	if (col < 0 || (size_t)col >= t->ncols || row >= t->nrows)
		return "";
	return t->rows[row][col];
}

/* --- report.json ------------------------------------------------------ */

static void copy_str(char *dst, size_t cap, const json_t *obj, const char *key)
{
	const char *v = hj_str(obj, key);
	snprintf(dst, cap, "%s", v ? v : "");
}

/* obj[key] as an integer, or -1 when it is missing or not one. */
static int64_t get_count(const json_t *obj, const char *key)
{
	const json_t *v = json_object_get(obj, key);
	return json_is_integer(v) ? (int64_t)json_integer_value(v) : -1;
}

/* obj[key] as a day YYYYMMDD ("2026-01-31" in report.json), or 0. */
static int get_day(const json_t *obj, const char *key)
{
	const char *v = hj_str(obj, key);
	int d = 0;
	if (!v || schema_parse_date(v, strlen(v), &d))
		return 0;
	return d;
}

/* The counts of one source's object (both sources that count rows name
 * their count and span differently). */
static void load_counts(rr_report *r, source_id s, const json_t *o)
{
	int med = s == SRC_MEDICAL;
	r->src[s].rows_accepted = get_count(o, "rows_accepted");
	r->src[s].persons = get_count(o, "persons");
	r->src[s].persons_on_roster = get_count(o, "persons_on_roster");
	r->src[s].rows_counted = get_count(o, med ? "rows_in_window" : "rows_current");
	copy_str(r->src[s].first, sizeof r->src[s].first, o, med ? "settle_first" : "period_first");
	copy_str(r->src[s].last, sizeof r->src[s].last, o, med ? "settle_last" : "period_last");
	if (med) {
		r->src[s].window_first = get_day(o, "window_first");
		r->src[s].window_last = get_day(o, "window_last");
	}
}

hh_status rr_report_load(const char *path, rr_report **out, hh_err *err)
{
	json_t *top;
	*out = NULL;
	HH_TRY(hj_load_path(path, &top, err));
	const json_t *srcs = json_object_get(top, "sources");
	if (!json_is_object(top) || !json_is_object(srcs)) {
		json_decref(top);
		return hh_fail(err, HH_EINPUT, "%s: not a report.json written by hhmatch", path);
	}
	rr_report *r = calloc(1, sizeof *r);
	if (!r) {
		json_decref(top);
		return hh_fail(err, HH_EINTERNAL, "out of memory");
	}
	char period[16];
	copy_str(period, sizeof period, top, "period");
	r->period = period_parse(period);
	copy_str(r->key_id, sizeof r->key_id, top, "key_id");
	r->new_key = json_is_true(json_object_get(top, "new_key"));
	r->households = get_count(top, "households");
	hh_status st = HH_OK;
	for (int s = 0; st == HH_OK && s < SRC_COUNT; s++) {
		const json_t *o = json_object_get(srcs, source_name((source_id)s));
		r->src[s].rows_accepted = r->src[s].persons = -1;
		r->src[s].persons_on_roster = r->src[s].rows_counted = -1;
		if (!json_is_object(o) || json_is_true(json_object_get(o, "absent")))
			continue;
		/* "path" is the absolute path (files only); "file" as given.
		 * Either may carry its exact bytes in "..._hex" (json.h). */
		const char *key = hj_str(o, "path") ? "path" : "file";
		if (!hj_str(o, key))
			continue;
		r->src[s].file = hj_get_bytes(o, key);
		r->src[s].given = hj_get_bytes(o, hj_str(o, "file") ? "file" : key);
		if (!r->src[s].file || !r->src[s].given) {
			st = hh_fail(err, HH_EINTERNAL, "out of memory");
			break;
		}
		r->src[s].present = 1;
		copy_str(r->src[s].sha256, sizeof r->src[s].sha256, o, "sha256");
		copy_str(r->src[s].encoding, sizeof r->src[s].encoding, o, "encoding");
		load_counts(r, (source_id)s, o);
	}
	json_decref(top);
	if (st != HH_OK) {
		rr_report_free(r);
		return st;
	}
	*out = r;
	return HH_OK;
}

void rr_report_free(rr_report *r)
{
	if (!r)
		return;
	for (int s = 0; s < SRC_COUNT; s++) {
		free(r->src[s].file);
		free(r->src[s].given);
	}
	free(r);
}

int rr_level(const char *name)
{
	static const char *const names[] = {"none", "low", "medium", "high"};
	for (int i = 0; i < 4; i++)
		if (!strcmp(name, names[i]))
			return i;
	return -1;
}
