/*
 * schema.c - parses schemas/sources.schema and validates rows against it.
 *
 * The schema text is copied once and tokenised in place; every name in
 * the structures points into that copy, and all tables are fixed-size
 * arrays inside struct schema, so a schema is one block plus its text and
 * schema_free is two frees.  The limits (columns, aliases, values) are far
 * above what the contract needs; exceeding one is an error naming the
 * line, not a silent truncation.
 */
#include "domain/schema.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "domain/idnum.h"
#include "domain/period.h"
#include "domain/pid.h"
#include "domain/rules.h"

extern const char hh_embed_sources_schema[];

#define MAX_SOURCES 8
#define MAX_ENUMS 24
#define MAX_ENUM_CODES 16
#define MAX_ENUM_LABELS 32
#define MAX_ALIASES 12

typedef struct {
	schema_enum pub; /* first: a schema_enum pointer is an enum_store's */
	const char *codes[MAX_ENUM_CODES];
	const char *labels[MAX_ENUM_LABELS];
	int label_value[MAX_ENUM_LABELS];
	size_t code_len[MAX_ENUM_CODES];   /* every row compares against */
	size_t label_len[MAX_ENUM_LABELS]; /* these: lengths first */
} enum_store;

typedef struct {
	schema_source pub;
	schema_col cols[SCHEMA_MAX_COLS];
	const char *aliases[SCHEMA_MAX_COLS][MAX_ALIASES];
} source_store;

struct schema {
	char *text;
	enum_store enums[MAX_ENUMS];
	size_t nenums;
	source_store sources[MAX_SOURCES];
	size_t nsources;
};

/* Splits line into whitespace-separated tokens (in place). */
static size_t tokenize(char *line, char **tok, size_t max)
{
	size_t n = 0;
	char *p = line;
	while (*p) {
		while (*p == ' ' || *p == '\t' || *p == '\r')
			*p++ = '\0';
		if (!*p)
			break;
		if (n == max)
			return max + 1;
		tok[n++] = p;
		while (*p && *p != ' ' && *p != '\t' && *p != '\r')
			p++;
	}
	return n;
}

static const enum_store *find_enum(const schema *s, const char *name)
{
	for (size_t i = 0; i < s->nenums; i++)
		if (!strcmp(s->enums[i].pub.name, name))
			return &s->enums[i];
	return NULL;
}

static hh_status parse_type(schema *s, schema_col *c, char *t,
			    const char *origin, int line, hh_err *err)
{
	static const struct {
		const char *name;
		col_type type;
	} simple[] = {
		{"text", COL_TEXT},     {"region", COL_REGION}, {"id", COL_ID},
		{"pid", COL_PID},       {"name", COL_NAME},     {"money", COL_MONEY},
		{"date", COL_DATE},     {"period", COL_PERIOD}, {"flag", COL_FLAG},
		{"sex", COL_SEX},
	};
	for (size_t i = 0; i < sizeof simple / sizeof simple[0]; i++)
		if (!strcmp(t, simple[i].name)) {
			c->type = simple[i].type;
			return HH_OK;
		}
	if (!strncmp(t, "enum:", 5)) {
		const enum_store *e = find_enum(s, t + 5);
		if (!e)
			return hh_fail(err, HH_EINTERNAL,
				       "%s: line %d: unknown enumeration '%s'",
				       origin, line, t + 5);
		c->type = COL_ENUM;
		c->en = &e->pub;
		return HH_OK;
	}
	if (!strncmp(t, "int:", 4)) {
		char *end;
		c->type = COL_INT;
		c->min = strtoll(t + 4, &end, 10);
		if (*end == ':') {
			c->max = strtoll(end + 1, &end, 10);
			if (!*end)
				return HH_OK;
		}
	}
	return hh_fail(err, HH_EINTERNAL, "%s: line %d: unknown column type '%s'",
		       origin, line, t);
}

static hh_status parse_presence(schema_col *c, const char *t,
				const char *origin, int line, hh_err *err)
{
	if (!strcmp(t, "required"))
		c->presence = PRES_REQUIRED;
	else if (!strcmp(t, "optional"))
		c->presence = PRES_OPTIONAL;
	else if (!strcmp(t, "identity"))
		c->presence = PRES_IDENTITY;
	else if (!strcmp(t, "withpid"))
		c->presence = PRES_WITHPID;
	else
		return hh_fail(err, HH_EINTERNAL,
			       "%s: line %d: unknown presence '%s'", origin,
			       line, t);
	return HH_OK;
}

static hh_status parse_all(schema *s, const char *origin, hh_err *err)
{
	enum { TOP, IN_ENUM, IN_SOURCE } state = TOP;
	char *p = s->text;
	int line = 0;
	while (p && *p) {
		char *nl = strchr(p, '\n');
		char *tok[MAX_ALIASES + 4];
		size_t n;
		if (nl)
			*nl = '\0';
		line++;
		char *hash = strchr(p, '#');
		if (hash)
			*hash = '\0';
		n = tokenize(p, tok, sizeof tok / sizeof tok[0]);
		p = nl ? nl + 1 : NULL;
		if (n == 0)
			continue;
		if (n > sizeof tok / sizeof tok[0])
			return hh_fail(err, HH_EINTERNAL,
				       "%s: line %d: too many words", origin, line);
		if (!strcmp(tok[0], "end")) {
			if (state == TOP)
				return hh_fail(err, HH_EINTERNAL,
					       "%s: line %d: 'end' without a block",
					       origin, line);
			state = TOP;
			continue;
		}
		if (state == TOP) {
			if (n >= 2 && !strcmp(tok[0], "enum")) {
				if (s->nenums == MAX_ENUMS)
					return hh_fail(err, HH_EINTERNAL,
						       "%s: line %d: too many enumerations",
						       origin, line);
				enum_store *e = &s->enums[s->nenums++];
				e->pub.name = tok[1];
				e->pub.codes = e->codes;
				e->pub.labels = e->labels;
				e->pub.label_value = e->label_value;
				state = IN_ENUM;
			} else if (n >= 3 && !strcmp(tok[0], "source")) {
				if (s->nsources == MAX_SOURCES)
					return hh_fail(err, HH_EINTERNAL,
						       "%s: line %d: too many sources",
						       origin, line);
				source_store *src = &s->sources[s->nsources++];
				src->pub.name = tok[1];
				src->pub.label = tok[2];
				src->pub.cols = src->cols;
				state = IN_SOURCE;
			} else {
				return hh_fail(err, HH_EINTERNAL,
					       "%s: line %d: expected 'enum NAME' or "
					       "'source NAME LABEL'",
					       origin, line);
			}
		} else if (state == IN_ENUM) {
			enum_store *e = &s->enums[s->nenums - 1];
			if (e->pub.ncodes == MAX_ENUM_CODES ||
			    e->pub.nlabels + n - 1 > MAX_ENUM_LABELS)
				return hh_fail(err, HH_EINTERNAL,
					       "%s: line %d: enumeration too large",
					       origin, line);
			int v = (int)e->pub.ncodes;
			e->code_len[e->pub.ncodes] = strlen(tok[0]);
			e->codes[e->pub.ncodes++] = tok[0];
			for (size_t i = 1; i < n; i++) {
				e->label_len[e->pub.nlabels] = strlen(tok[i]);
				e->labels[e->pub.nlabels] = tok[i];
				e->label_value[e->pub.nlabels++] = v;
			}
		} else {
			source_store *src = &s->sources[s->nsources - 1];
			if (n < 3)
				return hh_fail(err, HH_EINTERNAL,
					       "%s: line %d: expected 'COLUMN TYPE PRESENCE [ALIAS...]'",
					       origin, line);
			if (src->pub.ncols == SCHEMA_MAX_COLS)
				return hh_fail(err, HH_EINTERNAL,
					       "%s: line %d: too many columns",
					       origin, line);
			/* tok[] holds one word more than a column may have
			 * aliases (fuzz_schema's crash-too-many-aliases). */
			if (n - 3 > MAX_ALIASES)
				return hh_fail(err, HH_EINTERNAL,
					       "%s: line %d: more than %d aliases",
					       origin, line, MAX_ALIASES);
			size_t ci = src->pub.ncols++;
			schema_col *c = &src->cols[ci];
			c->name = tok[0];
			HH_TRY(parse_type(s, c, tok[1], origin, line, err));
			HH_TRY(parse_presence(c, tok[2], origin, line, err));
			c->aliases = src->aliases[ci];
			for (size_t i = 3; i < n; i++)
				src->aliases[ci][c->naliases++] = tok[i];
		}
	}
	if (state != TOP)
		return hh_fail(err, HH_EINTERNAL, "%s: missing 'end' at end of file",
			       origin);
	return HH_OK;
}

hh_status schema_parse(const char *text, const char *origin, schema **out,
		       hh_err *err)
{
	schema *s = calloc(1, sizeof *s);
	if (!s || !(s->text = strdup(text))) {
		free(s);
		return hh_fail(err, HH_EINTERNAL, "%s: out of memory", origin);
	}
	hh_status st = parse_all(s, origin, err);
	if (st != HH_OK) {
		schema_free(s);
		return st;
	}
	*out = s;
	return HH_OK;
}

hh_status schema_new(schema **out, hh_err *err)
{
	return schema_parse(hh_embed_sources_schema, "built-in sources.schema",
			    out, err);
}

void schema_free(schema *s)
{
	if (!s)
		return;
	free(s->text);
	free(s);
}

const schema_source *schema_source_by_name(const schema *s, const char *name)
{
	for (size_t i = 0; i < s->nsources; i++)
		if (!strcmp(s->sources[i].pub.name, name))
			return &s->sources[i].pub;
	return NULL;
}

size_t schema_nsources(const schema *s) { return s->nsources; }


int schema_col_index(const schema_source *src, const char *name)
{
	for (size_t i = 0; i < src->ncols; i++)
		if (!strcmp(src->cols[i].name, name))
			return (int)i;
	return -1;
}

int schema_enum_code(const schema_enum *en, const char *code)
{
	for (size_t i = 0; i < en->ncodes; i++)
		if (!strcmp(en->codes[i], code))
			return (int)i;
	return -1;
}

/* ASCII white space, or the lead byte of U+3000 (E3 80 80): the only
 * bytes a value can start or end with and still need trimming.  Most
 * values need none, so the test comes first. */
static int trim_candidate(unsigned char c)
{
	return c == ' ' || (c >= '\t' && c <= '\r') || c == 0xe3 || c == 0x80;
}

static hh_field trim_slow(hh_field f)
{
	static const char ideo_space[] = "\xe3\x80\x80"; /* U+3000 */
	for (;;) {
		if (f.len && isspace((unsigned char)f.ptr[0])) {
			f.ptr++;
			f.len--;
		} else if (f.len >= 3 && !memcmp(f.ptr, ideo_space, 3)) {
			f.ptr += 3;
			f.len -= 3;
		} else {
			break;
		}
	}
	for (;;) {
		if (f.len && isspace((unsigned char)f.ptr[f.len - 1]))
			f.len--;
		else if (f.len >= 3 && !memcmp(f.ptr + f.len - 3, ideo_space, 3))
			f.len -= 3;
		else
			break;
	}
	return f;
}

static inline hh_field trim(hh_field f)
{
	if (f.len == 0 || (!trim_candidate((unsigned char)f.ptr[0]) &&
			   !trim_candidate((unsigned char)f.ptr[f.len - 1])))
		return f;
	return trim_slow(f);
}

hh_field schema_trim(hh_field f) { return trim(f); }

static int name_eq(hh_field f, const char *name)
{
	size_t n = strlen(name);
	return f.len == n && !strncasecmp(f.ptr, name, n);
}

static int col_matches(const schema_col *c, hh_field f)
{
	if (name_eq(f, c->name))
		return 1;
	for (size_t i = 0; i < c->naliases; i++)
		if (name_eq(f, c->aliases[i]))
			return 1;
	return 0;
}

static void accepted_names(const schema_col *c, char *buf, size_t cap)
{
	size_t used = (size_t)snprintf(buf, cap, "%s", c->name);
	for (size_t i = 0; i < c->naliases && used < cap; i++)
		used += (size_t)snprintf(buf + used, cap - used, ", %s",
					 c->aliases[i]);
}

hh_status schema_map_header(const schema_source *src, const hh_record *hdr,
			    schema_map *map, hh_err *err)
{
	memset(map, 0, sizeof *map);
	map->src = src;
	map->nfields = hdr->nfields;
	map->identity_col = -1;
	for (size_t c = 0; c < SCHEMA_MAX_COLS; c++)
		map->field_of_col[c] = -1;
	for (size_t f = 0; f < hdr->nfields; f++) {
		hh_field name = schema_trim(hdr->fields[f]);
		for (size_t c = 0; c < src->ncols; c++) {
			if (!col_matches(&src->cols[c], name))
				continue;
			if (map->field_of_col[c] >= 0)
				return hh_fail(err, HH_EINPUT,
					       "column '%s' appears twice in the header "
					       "(fields %d and %zu)",
					       src->cols[c].name,
					       map->field_of_col[c] + 1, f + 1);
			map->field_of_col[c] = (int)f;
		}
	}
	for (size_t c = 0; c < src->ncols; c++) {
		const schema_col *col = &src->cols[c];
		if (col->presence == PRES_IDENTITY && map->field_of_col[c] >= 0) {
			if (map->identity_col >= 0)
				return hh_fail(err, HH_EINPUT,
					       "the header has both '%s' and '%s'; "
					       "give one identity column",
					       src->cols[map->identity_col].name,
					       col->name);
			map->identity_col = (int)c;
			map->has_pid = col->type == COL_PID;
		}
	}
	if (map->identity_col < 0) {
		char a[512], b[512];
		int idc = schema_col_index(src, "id_number");
		int pidc = schema_col_index(src, "pid");
		accepted_names(&src->cols[idc], a, sizeof a);
		accepted_names(&src->cols[pidc], b, sizeof b);
		return hh_fail(err, HH_EINPUT,
			       "required column 'id_number' is missing (accepted "
			       "names: %s; or a 'pid' column: %s)",
			       a, b);
	}
	for (size_t c = 0; c < src->ncols; c++) {
		const schema_col *col = &src->cols[c];
		map->header_field_of_col[c] = map->field_of_col[c];
		if (col->presence == PRES_WITHPID && !map->has_pid)
			map->field_of_col[c] = -1;
		if (col->presence == PRES_REQUIRED && map->field_of_col[c] < 0) {
			char a[512];
			accepted_names(col, a, sizeof a);
			return hh_fail(err, HH_EINPUT,
				       "required column '%s' is missing (accepted "
				       "names: %s)",
				       col->name, a);
		}
	}
	return HH_OK;
}

int schema_parse_date(const char *s, size_t len, int *out)
{
	char d[8];
	size_t n = 0;
	for (size_t i = 0; i < len; i++) {
		if (isdigit((unsigned char)s[i])) {
			if (n == 8)
				return -1;
			d[n++] = s[i];
		} else if (!((s[i] == '-' || s[i] == '/') && (i == 4 || i == 7) &&
			     len == 10)) {
			return -1;
		}
	}
	if (n != 8)
		return -1;
	int v = 0;
	for (int i = 0; i < 8; i++)
		v = v * 10 + (d[i] - '0');
	if (!idnum_valid_date(v))
		return -1;
	*out = v;
	return 0;
}

static int parse_int(const char *s, size_t len, int64_t *out)
{
	int64_t v = 0;
	if (len == 0 || len > 15)
		return -1;
	for (size_t i = 0; i < len; i++) {
		if (!isdigit((unsigned char)s[i]))
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 0;
}

static int parse_enum(const schema_enum *en, hh_field f)
{
	const enum_store *e = (const enum_store *)en;
	/* Codes are ASCII: a first byte that differs in more than case
	 * (bit 0x20) rules a code out without the call. */
	for (size_t i = 0; i < en->ncodes; i++)
		if (f.len == e->code_len[i] &&
		    ((f.ptr[0] ^ en->codes[i][0]) & ~0x20) == 0 &&
		    !strncasecmp(f.ptr, en->codes[i], f.len))
			return (int)i;
	for (size_t i = 0; i < en->nlabels; i++)
		if (f.len == e->label_len[i] && !memcmp(f.ptr, en->labels[i], f.len))
			return en->label_value[i];
	return -1;
}

/* Validates one value; returns a reason or NULL. */
static const char *parse_value(const schema_col *c, hh_field f,
			       int64_t *val, uint8_t pid[32])
{
	int64_t v;
	int d;
	switch (c->type) {
	case COL_TEXT:
	case COL_ID:
	case COL_NAME:
		return NULL;
	case COL_PID: {
		/* All zeros is no HMAC output: it marks empty slots in ptab.
		 * Asked of the text: reading the decoded bytes back at once
		 * stalls on the stores that just wrote them. */
		if (pid_from_hex(f.ptr, f.len, pid))
			return "bad_pid";
		for (size_t i = 0; i < PID_HEX; i++)
			if (f.ptr[i] != '0')
				return NULL;
		return "bad_pid";
	}
	case COL_REGION:
		if (f.len < 6 || f.len > 12 || parse_int(f.ptr, f.len, &v))
			return "bad_region";
		return NULL;
	case COL_MONEY:
		switch (rules_parse_yuan(f.ptr, f.len, val)) {
		case 0:
			return NULL;
		case -2:
			return "negative_money";
		default:
			return "bad_money";
		}
	case COL_INT:
		if (parse_int(f.ptr, f.len, &v) || v < c->min || v > c->max)
			return "bad_int";
		*val = v;
		return NULL;
	case COL_DATE:
		if (schema_parse_date(f.ptr, f.len, &d))
			return "bad_date";
		*val = d;
		return NULL;
	case COL_PERIOD:
		if (f.len != 6 || parse_int(f.ptr, 6, &v) ||
		    !period_end((int)v))
			return "bad_period";
		*val = v;
		return NULL;
	case COL_FLAG:
		if (f.len != 1 || (f.ptr[0] != '0' && f.ptr[0] != '1'))
			return "bad_flag";
		*val = f.ptr[0] - '0';
		return NULL;
	case COL_SEX:
		if (f.len != 1 || (f.ptr[0] != '1' && f.ptr[0] != '2'))
			return "bad_sex";
		*val = f.ptr[0] - '0';
		return NULL;
	case COL_ENUM:
		d = parse_enum(c->en, f);
		if (d < 0)
			return "bad_enum";
		*val = d;
		return NULL;
	}
	return "bad_value";
}


int schema_read_unread(const schema_map *map, const hh_record *rec, int col,
		       int64_t *val)
{
	if (col < 0 || (size_t)col >= map->src->ncols ||
	    map->header_field_of_col[col] < 0)
		return 0;
	/* A map reading that one column: parse_value keeps one caller, the
	 * row loop, where it is inlined (not a hot path here). */
	schema_map one = *map;
	schema_row row;
	int bad;
	for (size_t c = 0; c < SCHEMA_MAX_COLS; c++)
		one.field_of_col[c] = -1;
	one.field_of_col[col] = map->header_field_of_col[col];
	one.identity_col = -1;
	if (schema_parse_row(&one, rec, &row, &bad) ||
	    !(row.present & (1u << col)))
		return 0;
	*val = row.val[col];
	return 1;
}

const char *schema_parse_row_except(const schema_map *map, const hh_record *rec,
				    schema_row *row, int *bad_col, int skip_col)
{
	/* a map without that column: schema_parse_row's loop, the hot path,
	 * stays as it is */
	schema_map less = *map;
	if (skip_col >= 0 && (size_t)skip_col < SCHEMA_MAX_COLS)
		less.field_of_col[skip_col] = -1;
	if (skip_col == map->identity_col)
		less.identity_col = -1;
	return schema_parse_row(&less, rec, row, bad_col);
}

const char *schema_parse_row(const schema_map *map, const hh_record *rec,
			     schema_row *row, int *bad_col)
{
	const schema_source *src = map->src;
	*bad_col = -1;
	row->present = 0;
	if (rec->bad_encoding)
		return "bad_encoding";
	if (rec->malformed)
		return "malformed_quotes";
	if (rec->nfields != map->nfields)
		return "column_count";
	for (size_t c = 0; c < src->ncols; c++) {
		int fi = map->field_of_col[c];
		if (fi < 0)
			continue;
		hh_field f = trim(rec->fields[fi]);
		const schema_col *col = &src->cols[c];
		if (f.len == 0) {
			if (col->presence == PRES_REQUIRED ||
			    (int)c == map->identity_col) {
				*bad_col = (int)c;
				return "missing_value";
			}
			continue;
		}
		row->str[c] = f;
		const char *why = parse_value(col, f, &row->val[c], row->pid);
		if (why) {
			*bad_col = (int)c;
			return why;
		}
		row->present |= 1u << c;
	}
	return NULL;
}
