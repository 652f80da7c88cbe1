/*
 * extract.c - one extract file of `hhmatch gen` (see gen_int.h): its
 * form, its header and the fields every row starts with.
 *
 * The form (extract_form, chosen in gen.c) says how the file is written:
 * comma or tab separated, LF or CRLF, with or without a BOM, canonical or
 * Chinese header and labels, UTF-8 or GB18030, plain or gzip (the last
 * two by connectors/outstream.h).  Column names, aliases and labels come
 * from the schema (schemas/sources.schema), never from literals here; the
 * one column spelled here is the deliberately unknown `address` column of
 * the dirty roster.
 *
 * extract_open also marks which fields dirt may break (dirt.c): the
 * identity, one money field, one enumeration and one date.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gen/gen_int.h"

/* Column order written, after the identity columns (id_number, name; or
 * pid, birth_date, sex).  The roster has household_id first. */
static const char *const src_cols[SRC_COUNT][8] = {
	{"region_code", "category", "household_income", "relation",
	 "disability_grade", "status", NULL},
	{"stage", "status", "annual_fees", "aid_amount", NULL},
	{"period", "employment_status", "employer_type", "monthly_wage",
	 "unemployment_benefit", "pension_monthly", NULL},
	{"property_count", "dangerous_rating", "disaster_damage",
	 "public_rental", NULL},
	{"settle_date", "out_of_pocket", "total_cost", "inpatient",
	 "major_disease", "insured_status", NULL},
};

/* Per source, a value that is no code and no label of the enumeration
 * dirt breaks (a malformed row's bad_enum). */
static const char *const bad_enum[SRC_COUNT] = {"低收入", "transferred", "part_time",
						"flood", "suspended"};

const char *extract_enum_text(const extract *w, int e, int v)
{
	const schema_enum *en = w->g->en[e];
	if (w->zh)
		for (size_t i = 0; i < en->nlabels; i++)
			if (en->label_value[i] == v)
				return en->labels[i];
	return en->codes[v];
}

void extract_ident(extract *w, row *r, uint32_t pi)
{
	gen *g = w->g;
	const person *p = &P(g, pi);
	if (g->pidsrc) {
		char hex[PID_HEX + 1];
		pid_to_hex(g->pids[pi], hex);
		row_add(r, hex, PID_HEX);
		row_date(r, p->birth, 1);
		row_addu(r, p->sex);
	} else {
		char name[32];
		row_add(r, p->id, 18);
		row_add(r, name, pop_name_utf8(p, name));
	}
}

void extract_put(extract *w, const char *text, size_t n)
{
	if (w->shuffle && w->line > 0)
		sb_add(&w->rows, text, n);
	else
		outstream_write(w->os, text, n);
	/* memchr: a row is mostly bytes that are not a line end */
	const char *end = text + n;
	for (const char *p = text; (p = memchr(p, '\n', (size_t)(end - p))); p++)
		w->line++;
}

/* The header: canonical names, or the first Chinese alias. */
static void write_header(extract *w, const char *const *cols, int ncols)
{
	row r;
	row_reset(&r);
	const schema_source *src = w->g->src[w->src];
	for (int i = 0; i < ncols; i++) {
		const char *name = cols[i];
		int ci = schema_col_index(src, cols[i]);
		if (w->zh && ci >= 0) {
			const schema_col *c = &src->cols[ci];
			for (size_t a = 0; a < c->naliases; a++)
				if ((unsigned char)c->aliases[a][0] >= 0x80) {
					name = c->aliases[a];
					break;
				}
		} else if (w->zh && !strcmp(name, "address")) {
			name = "住址"; /* not in the schema on purpose */
		}
		row_adds(&r, name);
	}
	size_t n = row_join(&r, w->sep, w->eol, w->out);
	extract_put(w, w->out, n);
}

hh_status extract_open(gen *g, extract *w, source_id src, const extract_form *form)
{
	memset(w, 0, sizeof *w);
	w->g = g;
	w->src = src;
	w->dirty = g->dirty;
	w->zh = form->zh;
	w->sep = strstr(form->file, ".tsv") ? '\t' : ',';
	w->eol = form->crlf ? "\r\n" : "\n";
	w->shuffle = g->shuffled[src];
	rng_seed(&w->dirt, g->o->seed, 0xd1e7000000ULL + (uint64_t)src);
	char path[4096];
	snprintf(path, sizeof path, "%s/%s", g->o->out_dir, form->file);
	outstream_opts o = {.gzip = form->gzip, .gb18030 = form->gb18030};
	hh_status st = outstream_open(path, &o, &w->os, g->err);
	if (st != HH_OK)
		return hh_wrap(g->err, st, "gen");
	if (form->bom)
		extract_put(w, "\xef\xbb\xbf", 3);
	const char *cols[ROW_MAXF];
	int n = 0;
	if (src == SRC_CIVIL_AFFAIRS)
		cols[n++] = "household_id";
	w->idcol = n;
	if (g->pidsrc) {
		cols[n++] = "pid";
		cols[n++] = "birth_date";
		cols[n++] = "sex";
	} else {
		cols[n++] = "id_number";
		cols[n++] = "name";
	}
	if (form->address) {
		cols[n++] = "address";
		w->address = 1;
	}
	w->moneycol = w->enumcol = w->datecol = -1;
	for (int i = 0; src_cols[src][i]; i++) {
		const char *c = src_cols[src][i];
		if (!strcmp(c, "household_income") || !strcmp(c, "annual_fees") ||
		    !strcmp(c, "monthly_wage") || !strcmp(c, "out_of_pocket"))
			w->moneycol = n;
		if (!strcmp(c, "category") || (src == SRC_EDUCATION && !strcmp(c, "status")) ||
		    !strcmp(c, "employment_status") || !strcmp(c, "disaster_damage") ||
		    !strcmp(c, "insured_status"))
			w->enumcol = n;
		if (!strcmp(c, "settle_date"))
			w->datecol = n;
		cols[n++] = c;
	}
	w->bad_enum = bad_enum[src];
	write_header(w, cols, n);
	return HH_OK;
}

/* Writes a shuffled extract's data rows (each one line: the skewed shape
 * is checked to write no line break inside a field) in an order drawn
 * from the file's own stream, and notes where each line went. */
static hh_status write_shuffled(extract *w)
{
	gen *g = w->g;
	const char *b = sb_str(&w->rows);
	size_t n = w->line > 1 ? (size_t)(w->line - 1) : 0;
	size_t *start = malloc((n + 1) * sizeof *start);
	uint32_t *order = malloc((n ? n : 1) * sizeof *order);
	uint32_t *to = malloc((n ? n : 1) * sizeof *to);
	if (w->rows.oom || !start || !order || !to) {
		free(start);
		free(order);
		free(to);
		return hh_fail(g->err, HH_EINTERNAL, "gen: out of memory");
	}
	size_t k = 0;
	for (size_t off = 0; k < n; k++) {
		start[k] = off;
		const char *nl = memchr(b + off, '\n', w->rows.len - off);
		off = (size_t)(nl - b) + 1;
	}
	start[n] = w->rows.len;
	rng r;
	rng_seed(&r, g->o->seed, 0x5bf1e000000ULL + (uint64_t)w->src);
	for (size_t i = 0; i < n; i++)
		order[i] = (uint32_t)i;
	for (size_t i = n; i > 1; i--) {
		size_t j = rng_below(&r, (uint32_t)i);
		uint32_t t = order[i - 1];
		order[i - 1] = order[j];
		order[j] = t;
	}
	for (size_t i = 0; i < n; i++) {
		uint32_t o = order[i];
		outstream_write(w->os, b + start[o], start[o + 1] - start[o]);
		to[o] = (uint32_t)(i + 2); /* line 1 is the header */
	}
	free(start);
	free(order);
	free(g->moved_to[w->src]);
	g->moved_to[w->src] = to;
	return HH_OK;
}

hh_status extract_close(extract *w, hh_status st)
{
	if (st == HH_OK)
		dirt_flush(w);
	if (st == HH_OK && w->shuffle)
		st = write_shuffled(w);
	sb_release(&w->rows);
	hh_status cs = outstream_close(w->os, st == HH_OK ? w->g->err : NULL);
	w->os = NULL;
	if (st != HH_OK)
		return st;
	return cs == HH_OK ? cs : hh_wrap(w->g->err, cs, "gen");
}
