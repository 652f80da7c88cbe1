/*
 * cmd_pseudonymize.c - `hhmatch pseudonymize`: one extract in, a
 * pseudonymised extract out, so that departments can deliver without raw
 * ID numbers (or anything else the run does not need) leaving them.
 *
 * The output carries only what the contract asks of the source: its
 * columns in schemas/sources.schema other than the identity ones, under
 * their canonical names (aliases resolved), in the input's order; the ID
 * number becomes pid (HMAC-SHA256 under the key) in its place; then come
 * repair_pids and name_key, empty unless the ID fails (below); birth_date,
 * sex and id_region (the schema's stand-ins for the ID number), derived
 * from the ID number; and key_id (the key's id, pid_key_id) ends every
 * row, so a run can refuse an extract made under another key.
 * Names are never written.  Any other input column (an address, a phone
 * number, a remark) is dropped unless the operator names it with --keep;
 * each dropped column is listed on stderr by its header name (column
 * names are not personal data; one holding a number is withheld)
 * and counted in the summary.  --keep of the ID or name column (or a
 * stand-in the ID number gives: birth date, sex, region) is refused
 * before any file is opened.  A kept column outside the contract is free
 * text nobody checked: a row whose kept cell holds something shaped like
 * an ID number (idnum_shaped) is rejected (id_in_kept_column) and never
 * echoed.  Names in free text cannot be told from other words, so the
 * help and docs/semantics.md say not to keep a column that may hold them.
 *
 * Rows are validated exactly as `hhmatch run` would (schema types, ID
 * rules) and invalid ones go to a rejects file with source, line and
 * reason.  A row whose ID number is missing or fails, with every other
 * value valid and a name, is kept for the run to repair or link, as it
 * would a raw row: pid stays empty, repair_pids holds the pids of every
 * single-character change that passes the check character (sorted, so
 * their order says nothing of where the typo was), name_key the keyed
 * digest of the name (pid_name_key, the run's own), and birth_date and sex
 * are the input's columns; none of it can be turned back into an ID or a
 * name without the key.  Such a row with no candidate and no birth date
 * and sex could link nobody: rejected as before.  Rows
 * repeated exactly are kept: deduplication is the run's job and needs the
 * repeats to report them.  Both files are written under temporary names
 * and renamed into place only when complete.
 */
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/log.h"
#include "base/strbuf.h"
#include "base/vec.h"
#include "commands/commands.h"
#include "commands/opts.h"
#include "connectors/csv.h"
#include "connectors/csvw.h"
#include "domain/delimhint.h"
#include "domain/idnum.h"
#include "domain/period.h"
#include "domain/pid.h"
#include "domain/schema.h"

/* The output column holding pid_key_id(key).  The contract names it and
 * the run checks it against its own key; it is spelled here because it is
 * written by this command, never copied from an input. */
static const char key_id_col[] = "key_id";

/* The columns that stand in for an ID that fails (sources.schema). */
static const char repair_pids_col[] = "repair_pids";
static const char name_key_col[] = "name_key";

/* Room for every candidate idnum_repairs can give: 18 places of at most
 * 10 other characters each, and 17 transpositions (197; about 1 in 11
 * pass the check character). */
#define MAX_REPAIRS 256

static const char pseudo_help[] =
	"usage: hhmatch pseudonymize --key FILE --source NAME --in FILE --out FILE\n"
	"           [--keep COLUMN]... [--rejects FILE] [--period YYYYMM]\n"
	"           [--encoding gb18030|utf-8] [--delimiter C]\n"
	"\n"
	"Writes the source's columns of the contract (canonical names), pid\n"
	"(HMAC-SHA256 of the normalised ID number under the key) instead of the\n"
	"ID number, birth_date, sex and id_region (its 6-digit region) from the\n"
	"ID number, and key_id (the key's id).  Names are never written.  Other input columns are dropped (listed\n"
	"on stderr) unless named with --keep (repeatable; a header name or alias,\n"
	"matched case-insensitively after trimming; the ID and name columns cannot\n"
	"be kept, nor birth date, sex or region).  A row whose kept cell holds\n"
	"something shaped like an ID number (15 digits or more) is rejected\n"
	"(id_in_kept_column) and not written.  Names in free text cannot be\n"
	"detected: never keep a column (a remark, an address) that may hold names.\n"
	"NAME is civil_affairs, education, hr, housing or medical.\n"
	"A row whose ID number is missing or fails, with a name, is written with\n"
	"pid empty, repair_pids (the pids of its possible corrections) and\n"
	"name_key (a keyed digest of the name) for the run to repair or link.\n"
	"Other rows that fail validation go to --rejects (default OUT.rejects.csv).\n"
	"--period (default: the current month) is the month birth dates may not\n"
	"follow.  --delimiter C reads the input split on C (one character such as\n"
	"';' or '|', or tab; default: tab for .tsv, else ',').\n"
	"\n"
	"  -h, --help        this text;  --version  hhmatch's version\n"
	"  --log-format F    messages as text (default) or json, one object a line\n"
	"\n"
	"Exit status: 0 success, 1 usage, 2 input error (--in or --key unreadable,\n"
	"a required column missing), 3 internal or output error.\n";

typedef struct {
	const char *key, *source, *in, *out, *rejects, *period, *encoding, *delimiter;
	vec keep; /* const char *: the --keep arguments, in order */
} pseudo_opts;

/* What becomes of one input field. */
typedef enum {
	F_DROP, /* not written */
	F_PID,  /* the ID number: written as its pid */
	F_COPY, /* a contract column: copied as it is (the schema checked it) */
	F_KEEP  /* another column a --keep names: copied once screened */
} field_role;

typedef struct {
	const schema_map *map;
	csvw *out, *rej;
	const pid_key *key;
	const char *source, *in_path;
	const vec *keep;
	int period;
	unsigned char *role;                 /* field_role per input field */
	size_t *keep_of;                     /* per F_KEEP field: its --keep's index */
	uint64_t id_in_kept;                 /* rows rejected for a kept cell */
	int pid_col;                         /* the schema's pid column */
	int derived[SCHEMA_MAX_COLS];        /* birth_date, sex, id_region: from the ID */
	size_t nderived;
	int name_col, birth_col, sex_col;    /* -1: the source has none */
	uint8_t cands[MAX_REPAIRS][PID_BYTES]; /* repair_pids of the row at hand */
	size_t ncands;
	strbuf dropped;                      /* one stderr line per dropped column */
	uint64_t ndropped;
	uint64_t read, accepted, rejected;
} pseudo_ctx;

/* Header names compare case-insensitively (ASCII), as schema.c does. */
static int name_eq_field(hh_field a, hh_field b)
{
	return a.len == b.len && !strncasecmp(a.ptr, b.ptr, a.len);
}

static int name_eq(hh_field f, const char *name)
{
	return name_eq_field(f, (hh_field){name, (uint32_t)strlen(name)});
}

static hh_field field_of(const char *s)
{
	return schema_trim((hh_field){s, (uint32_t)strlen(s)});
}

/* The source's column named f (trimmed) by its canonical name or an
 * alias, as headers match; -1 when none.  Unlike schema_map_header this
 * also finds the pid stand-ins (birth_date, sex, id_region) in an ID number extract,
 * where the run ignores them. */
static int col_named(const schema_source *src, hh_field f)
{
	for (size_t c = 0; c < src->ncols; c++) {
		if (name_eq(f, src->cols[c].name))
			return (int)c;
		for (size_t a = 0; a < src->cols[c].naliases; a++)
			if (name_eq(f, src->cols[c].aliases[a]))
				return (int)c;
	}
	return -1;
}

static const char *keep_at(const vec *keep, size_t i)
{
	return *(const char **)vec_at(keep, i);
}

/* Refuses, before any file is opened, a --keep that can never be honoured:
 * empty, the ID number or the name (personal data that must not leave the
 * department), or a column this command writes itself (the stand-ins
 * derived from the ID number, key_id). */
static hh_status check_keeps(const schema_source *src, const vec *keep, hh_err *err)
{
	for (size_t i = 0; i < keep->n; i++) {
		const char *k = keep_at(keep, i);
		hh_field f = field_of(k);
		if (f.len == 0)
			return hh_fail(err, HH_EUSAGE, "--keep '%s': a column name is needed", k);
		if (name_eq(f, key_id_col))
			return hh_fail(err, HH_EUSAGE,
				       "--keep %s: %s is written from the key, not copied from "
				       "the input", k, key_id_col);
		int c = col_named(src, f);
		if (c < 0)
			continue;
		const schema_col *col = &src->cols[c];
		if (col->type == COL_ID || col->type == COL_NAME)
			return hh_fail(err, HH_EUSAGE,
				       "--keep %s: refusing to copy raw ID numbers/names out of "
				       "the department", k);
		if (col->presence == PRES_WITHPID)
			return hh_fail(err, HH_EUSAGE,
				       "--keep %s: %s is written from the ID number, not copied "
				       "from the input", k, col->name);
	}
	return HH_OK;
}

/* Digits (ASCII or full-width) in a header name: a column name has few,
 * an ID number, a phone number or a date of birth has many. */
static size_t header_digits(hh_field h)
{
	size_t n = 0;
	const unsigned char *p = (const unsigned char *)h.ptr;
	for (uint32_t i = 0; i < h.len; i++) {
		if (p[i] >= '0' && p[i] <= '9')
			n++;
		else if (i + 2 < h.len && p[i] == 0xef && p[i + 1] == 0xbc &&
			 p[i + 2] >= 0x90 && p[i + 2] <= 0x99)
			n++;
	}
	return n;
}

/* A header name for a message: control bytes shown as '?', and a name
 * holding 6 digits or more withheld, so that a header row which is really
 * a data row (or a stray value in it) never puts an ID number, or part of
 * one, on the terminal. */
static void add_header_name(strbuf *b, hh_field h)
{
	if (header_digits(h) >= 6) {
		sb_adds(b, "(name withheld: it holds a number)");
		return;
	}
	sb_addc(b, '\'');
	for (uint32_t i = 0; i < h.len; i++) {
		unsigned char ch = (unsigned char)h.ptr[i];
		sb_addc(b, ch < 0x20 || ch == 0x7f ? '?' : (char)ch);
	}
	sb_addc(b, '\'');
}

static void drop(pseudo_ctx *c, size_t f, hh_field h, const char *why)
{
	c->role[f] = F_DROP;
	c->ndropped++;
	sb_addf(&c->dropped, "%s: column %zu ", c->source, f + 1);
	add_header_name(&c->dropped, h);
	sb_addf(&c->dropped, " dropped: %s\n", why);
}

/* Decides every input field's fate from the header (c->role) and writes
 * the output header: kept fields in input order, under their canonical
 * names when they are the source's columns, then the stand-ins derived
 * from the ID number, then key_id.  Fails (HH_EUSAGE) on a --keep that
 * names no column of the header. */
static hh_status plan_fields(pseudo_ctx *c, const hh_record *hdr, hh_err *err)
{
	const schema_source *src = c->map->src;
	char why[256];
	int first = 1;
	unsigned char *used = calloc(c->keep->n + 1, 1);
	c->role = calloc(hdr->nfields + 1, 1);
	c->keep_of = calloc(hdr->nfields + 1, sizeof *c->keep_of);
	if (!used || !c->role || !c->keep_of) {
		free(used);
		return hh_fail(err, HH_EINTERNAL, "no memory for the header's %zu columns",
			       hdr->nfields);
	}
	for (size_t f = 0; f < hdr->nfields; f++) {
		hh_field h = schema_trim(hdr->fields[f]);
		int col = col_named(src, h);
		const schema_col *sc = col >= 0 ? &src->cols[col] : NULL;
		if (name_eq(h, key_id_col)) {
			drop(c, f, h, "key_id is written from the key instead");
			continue;
		}
		if (sc && sc->type == COL_NAME) {
			drop(c, f, h, "names are never written");
			continue;
		}
		if (sc && sc->presence == PRES_WITHPID) {
			snprintf(why, sizeof why, "%s is written from the ID number instead",
				 sc->name);
			drop(c, f, h, why);
			continue;
		}
		/* Only the ID number can be the identity here: an extract that
		 * already carries pid was refused. */
		if (sc && sc->presence == PRES_IDENTITY) {
			c->role[f] = F_PID;
			csvw_str(c->out, src->cols[c->pid_col].name, !first);
			first = 0;
			continue;
		}
		/* A contract column is copied whether or not --keep names it; an
		 * unknown one only when a --keep names it. */
		int kept = sc != NULL;
		for (size_t k = 0; k < c->keep->n; k++) {
			hh_field kf = field_of(keep_at(c->keep, k));
			if (sc ? col_named(src, kf) == col : name_eq_field(kf, h)) {
				used[k] = 1;
				kept = 1;
				c->keep_of[f] = k;
			}
		}
		if (!kept) {
			snprintf(why, sizeof why,
				 "not one of the contract's %s columns (--keep copies it)",
				 src->name);
			drop(c, f, h, why);
			continue;
		}
		c->role[f] = sc ? F_COPY : F_KEEP;
		if (sc)
			csvw_str(c->out, sc->name, !first);
		else
			csvw_field(c->out, hdr->fields[f].ptr, hdr->fields[f].len, !first);
		first = 0;
	}
	for (size_t k = 0; k < c->keep->n; k++)
		if (!used[k]) {
			const char *name = keep_at(c->keep, k);
			free(used);
			return hh_fail(err, HH_EUSAGE, "--keep %s: no such column in the header",
				       name);
		}
	free(used);
	csvw_str(c->out, repair_pids_col, 1);
	csvw_str(c->out, name_key_col, 1);
	for (size_t i = 0; i < c->nderived; i++)
		csvw_str(c->out, src->cols[c->derived[i]].name, 1);
	csvw_str(c->out, key_id_col, 1);
	csvw_end_row(c->out);
	return HH_OK;
}

static void reject(pseudo_ctx *c, uint64_t line, const char *reason, int col)
{
	c->rejected++;
	csvw_str(c->rej, c->source, 0);
	csvw_str(c->rej, c->in_path, 1);
	csvw_printf(c->rej, ",%" PRIu64 ",%s,%s\n", line, reason,
		    col >= 0 ? c->map->src->cols[col].name : "");
}

/* 1 when a --keep column's cell of rec holds something shaped like an ID
 * number; the row is then rejected (id_in_kept_column, the column as its
 * --keep named it) and nothing of it is written.  A row with the
 * header's width only (role covers those fields). */
static int kept_holds_id(pseudo_ctx *c, const hh_record *rec)
{
	for (size_t fi = 0; fi < rec->nfields; fi++) {
		if (c->role[fi] != F_KEEP || !idnum_shaped(rec->fields[fi].ptr, rec->fields[fi].len))
			continue;
		hh_field k = field_of(keep_at(c->keep, c->keep_of[fi]));
		c->rejected++;
		c->id_in_kept++;
		csvw_str(c->rej, c->source, 0);
		csvw_str(c->rej, c->in_path, 1);
		csvw_printf(c->rej, ",%" PRIu64 ",id_in_kept_column", rec->line);
		/* a column name holding a number is withheld, as on stderr */
		csvw_field(c->rej, k.ptr, header_digits(k) >= 6 ? 0 : k.len, 1);
		csvw_end_row(c->rej);
		return 1;
	}
	return 0;
}

/* Collects a candidate ID's pid (idnum_repairs). */
static int add_candidate(const char cand[19], void *ctx)
{
	pseudo_ctx *c = ctx;
	if (c->ncands < MAX_REPAIRS)
		pid_compute(c->key, cand, c->cands[c->ncands++]);
	return 0;
}

static int cmp_pid(const void *a, const void *b)
{
	return memcmp(a, b, PID_BYTES);
}

/* A row whose ID is missing or fails (reason), every other value valid;
 * bad is the normalised ID when it may be a typo, else NULL.  Written
 * with repair material when it has a name and either a candidate or a
 * birth date and sex; otherwise rejected with reason. */
static void convert_unidentified(pseudo_ctx *c, const hh_record *rec,
				 const schema_row *row, const char *bad,
				 const char *reason)
{
	const schema_map *m = c->map;
	int64_t birth = 0, sex = 0;
	int linkable = c->birth_col >= 0 && c->sex_col >= 0 &&
		       schema_read_unread(m, rec, c->birth_col, &birth) &&
		       schema_read_unread(m, rec, c->sex_col, &sex);
	c->ncands = 0;
	if (bad)
		idnum_repairs(bad, c->period, add_candidate, c);
	if (c->name_col < 0 || !(row->present & (1u << c->name_col)) ||
	    (!c->ncands && !linkable)) {
		reject(c, rec->line, reason, m->identity_col);
		return;
	}
	qsort(c->cands, c->ncands, PID_BYTES, cmp_pid);
	int first = 1;
	for (size_t fi = 0; fi < rec->nfields; fi++) {
		if (c->role[fi] == F_DROP)
			continue;
		if (c->role[fi] == F_PID)
			csvw_str(c->out, "", !first);
		else
			csvw_field(c->out, rec->fields[fi].ptr, rec->fields[fi].len, !first);
		first = 0;
	}
	/* hex and ';' need no quoting */
	csvw_printf(c->out, ",");
	for (size_t i = 0; i < c->ncands; i++) {
		char hex[PID_HEX + 1];
		pid_to_hex(c->cands[i], hex);
		csvw_printf(c->out, "%s%s", i ? ";" : "", hex);
	}
	hh_field n = row->str[c->name_col];
	csvw_printf(c->out, ",%016" PRIx64, pid_name_key(c->key, n.ptr, n.len));
	for (size_t i = 0; i < c->nderived; i++) {
		col_type t = m->src->cols[c->derived[i]].type;
		if (linkable && (t == COL_DATE || t == COL_SEX))
			csvw_int(c->out, t == COL_DATE ? birth : sex, 1);
		else
			csvw_str(c->out, "", 1); /* no region without an ID */
	}
	csvw_str(c->out, pid_key_id(c->key), 1);
	csvw_end_row(c->out);
	c->accepted++;
}

/* One data row.  A valid row has the header's width (schema_parse_row
 * rejects any other), so c->role covers every field. */
static void convert_row(pseudo_ctx *c, const hh_record *rec)
{
	schema_row row;
	int bad_col;
	char id[19], hex[65];
	uint8_t pid[32];
	const schema_map *m = c->map;
	c->read++;
	const char *why = schema_parse_row(m, rec, &row, &bad_col);
	int unidentified = why && bad_col == m->identity_col &&
			   !schema_parse_row_except(m, rec, &row, &bad_col, m->identity_col);
	if (why && !unidentified) {
		reject(c, rec->line, why, bad_col);
		return;
	}
	if (kept_holds_id(c, rec))
		return;
	if (unidentified) {
		convert_unidentified(c, rec, &row, NULL, why);
		return;
	}
	hh_field f = row.str[m->identity_col];
	id_result r = idnum_normalize(f.ptr, f.len, c->period, id);
	if (r != ID_OK) {
		convert_unidentified(c, rec, &row,
				     idnum_repairable(r) ? id : NULL,
				     idnum_reason(r));
		return;
	}
	pid_compute(c->key, id, pid);
	pid_to_hex(pid, hex);
	int first = 1;
	for (size_t fi = 0; fi < rec->nfields; fi++) {
		if (c->role[fi] == F_DROP)
			continue;
		if (c->role[fi] == F_PID)
			csvw_str(c->out, hex, !first);
		else
			csvw_field(c->out, rec->fields[fi].ptr, rec->fields[fi].len, !first);
		first = 0;
	}
	csvw_str(c->out, "", 1); /* repair_pids, name_key: the ID is valid */
	csvw_str(c->out, "", 1);
	for (size_t i = 0; i < c->nderived; i++)
		csvw_int(c->out, m->src->cols[c->derived[i]].type == COL_DATE ? idnum_birth_date(id)
			 : m->src->cols[c->derived[i]].type == COL_SEX ? idnum_sex(id)
			 : idnum_region(id), 1);
	csvw_str(c->out, pid_key_id(c->key), 1);
	csvw_end_row(c->out);
	c->accepted++;
}

static hh_status convert(pseudo_ctx *c, csv_reader *r, hh_err *err)
{
	hh_record rec;
	int got;
	HH_TRY(csv_next(r, &rec, &got, err));
	if (!got)
		return hh_fail(err, HH_EINPUT, "the file is empty: a header row is required");
	schema_map *m = (schema_map *)c->map;
	hh_status st = schema_map_header(m->src, &rec, m, err);
	if (st != HH_OK) {
		hh_wrap(err, st, "line 1");
		char b[4], d = delimhint_find(m->src, &rec, csv_delimiter(r));
		size_t n = strlen(err->msg);
		if (d)
			snprintf(err->msg + n, sizeof err->msg - n,
				 "; split on '%s' the header holds the source's columns: if the "
				 "file is '%s'-separated, say so with --delimiter '%s'",
				 delimhint_name(d, b), delimhint_name(d, b), delimhint_name(d, b));
		return st;
	}
	if (m->has_pid)
		return hh_fail(err, HH_EINPUT,
			       "line 1: the extract already carries pid, not ID numbers");
	HH_TRY(plan_fields(c, &rec, err));
	csvw_printf(c->rej, "source,file,line,reason,column\n");
	for (;;) {
		HH_TRY(csv_next(r, &rec, &got, err));
		if (!got)
			return HH_OK;
		convert_row(c, &rec);
	}
}

static hh_status parse(int *argc_, char **argv, pseudo_opts *o, opts_verdict *verdict,
		       hh_err *err)
{
	static const struct option longopts[] = {
		{"key", required_argument, 0, 'k'},     {"source", required_argument, 0, 's'},
		{"in", required_argument, 0, 'i'},      {"out", required_argument, 0, 'o'},
		{"rejects", required_argument, 0, 'r'}, {"period", required_argument, 0, 'p'},
		{"encoding", required_argument, 0, 'e'}, {"keep", required_argument, 0, 'K'},
		{"delimiter", required_argument, 0, 'd'}, {0, 0, 0, 0}};
	static const opts_spec spec = {longopts, "", NULL};
	int ch;
	const char **slot;
	HH_TRY(opts_check(&spec, argc_, argv, verdict, err));
	if (*verdict != OPTS_WORK)
		return HH_OK;
	int argc = *argc_;
	optind = 1;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (ch) {
		case 'k': o->key = optarg; break;
		case 's': o->source = optarg; break;
		case 'i': o->in = optarg; break;
		case 'o': o->out = optarg; break;
		case 'r': o->rejects = optarg; break;
		case 'p': o->period = optarg; break;
		case 'e': o->encoding = optarg; break;
		case 'd': o->delimiter = optarg; break;
		case 'K':
			slot = vec_push(&o->keep);
			if (!slot)
				return hh_fail(err, HH_EINTERNAL, "no memory for --keep %s", optarg);
			*slot = optarg;
			break;
		default: /* opts_check let nothing else through */
			return hh_fail(err, HH_EUSAGE, "bad command line");
		}
	}
	if (optind < argc)
		return hh_fail(err, HH_EUSAGE, "unexpected argument '%s'", opts_shown(argv[optind]));
	if (!o->key || !o->source || !o->in || !o->out)
		return hh_fail(err, HH_EUSAGE, "missing %s (see hhmatch pseudonymize --help)",
			       !o->key ? "--key" : !o->source ? "--source"
			       : !o->in ? "--in" : "--out");
	return HH_OK;
}

/* The pid column (written in the ID number's place) and the stand-ins the
 * ID number gives (birth_date, sex, id_region), from the schema. */
static void schema_roles(pseudo_ctx *c)
{
	const schema_source *src = c->map->src;
	c->name_col = c->birth_col = c->sex_col = -1;
	for (size_t k = 0; k < src->ncols; k++) {
		const schema_col *col = &src->cols[k];
		if (col->type == COL_NAME)
			c->name_col = (int)k;
		if (col->presence == PRES_WITHPID && col->type == COL_DATE)
			c->birth_col = (int)k;
		if (col->presence == PRES_WITHPID && col->type == COL_SEX)
			c->sex_col = (int)k;
		if (col->presence == PRES_IDENTITY && col->type == COL_PID)
			c->pid_col = (int)k;
		if (col->presence == PRES_WITHPID &&
		    (col->type == COL_DATE || col->type == COL_SEX || col->type == COL_REGION))
			c->derived[c->nderived++] = (int)k;
	}
}

static hh_status run(const pseudo_opts *o, hh_err *err)
{
	schema *sc = NULL;
	pid_key *key = NULL;
	csv_reader *r = NULL;
	csvw *out = NULL, *rej = NULL;
	char out_tmp[PATH_MAX], rej_path[PATH_MAX], rej_tmp[PATH_MAX + 8];
	schema_map map;
	pseudo_ctx c = {.map = &map, .source = o->source, .in_path = o->in,
			.keep = &o->keep, .dropped = STRBUF_INIT};
	hh_status st;

	c.period = o->period ? period_parse(o->period) : period_current();
	if (!c.period)
		return hh_fail(err, HH_EUSAGE, "bad --period '%s': expected YYYYMM",
				       opts_shown(o->period));
	HH_TRY(schema_new(&sc, err));
	map.src = schema_source_by_name(sc, o->source);
	if (!map.src) {
		schema_free(sc);
		return hh_fail(err, HH_EUSAGE,
			       "unknown --source '%s': expected civil_affairs, education, hr, "
			       "housing or medical", opts_shown(o->source));
	}
	st = check_keeps(map.src, &o->keep, err);
	if (st != HH_OK) {
		schema_free(sc);
		return st;
	}
	schema_roles(&c);
	snprintf(rej_path, sizeof rej_path, "%s.rejects.csv", o->out);
	if (o->rejects)
		snprintf(rej_path, sizeof rej_path, "%s", o->rejects);
	snprintf(out_tmp, sizeof out_tmp, "%s.tmp", o->out);
	snprintf(rej_tmp, sizeof rej_tmp, "%s.tmp", rej_path);
	ins_opts io = {.source = o->source, .encoding = HH_ENC_AUTO};
	if (o->encoding && ins_encoding_parse(o->encoding, &io.encoding)) {
		schema_free(sc);
		return hh_fail(err, HH_EUSAGE, "bad --encoding '%s': expected gb18030 or utf-8",
			       opts_shown(o->encoding));
	}
	hh_instream *in = NULL;
	csv_opts co = {0};
	if (o->delimiter && opts_delimiter(o->delimiter, &co.delim)) {
		schema_free(sc);
		return hh_fail(err, HH_EUSAGE, "bad --delimiter '%s': expected one character such "
			       "as ';' or '|' (not a quote, letter or digit) or tab",
			       opts_shown(o->delimiter));
	}
	st = pid_key_load(o->key, &key, err);
	if (st == HH_OK) {
		/* the stream's messages name the source and the file already */
		st = ins_open_file(o->in, &io, &in, err);
		if (st == HH_OK && (st = csv_open(in, &co, &r, err)) != HH_OK)
			hh_wrap(err, st, "%s: %s", o->source, o->in);
	}
	if (st == HH_OK)
		st = csvw_open(out_tmp, &out, err);
	if (st == HH_OK)
		st = csvw_open(rej_tmp, &rej, err);
	if (st == HH_OK) {
		c.out = out;
		c.rej = rej;
		c.key = key;
		st = convert(&c, r, err);
		if (st != HH_OK && st != HH_EINTERNAL)
			hh_wrap(err, st, "%s: %s", o->source, o->in);
	}
	hh_status cs = csvw_close(out, st == HH_OK ? err : NULL);
	if (st == HH_OK)
		st = cs;
	cs = csvw_close(rej, st == HH_OK ? err : NULL);
	if (st == HH_OK)
		st = cs;
	if (st == HH_OK && c.dropped.oom)
		st = hh_fail(err, HH_EINTERNAL, "no memory for the list of dropped columns");
	if (st == HH_OK && (rename(out_tmp, o->out) || rename(rej_tmp, rej_path)))
		st = hh_fail(err, HH_EINTERNAL, "cannot rename outputs into place");
	if (st != HH_OK) {
		remove(out_tmp);
		remove(rej_tmp);
	} else {
		for (const char *l = sb_str(&c.dropped), *nl; (nl = strchr(l, '\n')); l = nl + 1)
			log_info("%.*s", (int)(nl - l), l);
		if (c.id_in_kept)
			log_warn("%s: %" PRIu64 " rows rejected (id_in_kept_column, see %s): a "
				 "--keep column held something shaped like an ID number, which "
				 "must not leave the department; those rows were not written",
				 o->source, c.id_in_kept, rej_path);
		log_info("%s: %" PRIu64 " rows read, %" PRIu64
			" written, %" PRIu64 " rejected (see %s); input columns dropped: %"
			PRIu64 "; key_id %s\n",
			o->source, c.read, c.accepted, c.rejected, rej_path, c.ndropped,
			pid_key_id(key));
	}
	sb_release(&c.dropped);
	free(c.role);
	free(c.keep_of);
	csv_close(r);
	pid_key_free(key);
	schema_free(sc);
	return st;
}

hh_status cmd_pseudonymize(int argc, char **argv)
{
	pseudo_opts o = {0};
	hh_err err = {{0}};
	opts_verdict verdict = OPTS_WORK;
	vec_init(&o.keep, sizeof(const char *));
	hh_status st = parse(&argc, argv, &o, &verdict, &err);
	if (st != HH_OK || !opts_answered(verdict, pseudo_help)) {
		if (st == HH_OK)
			st = run(&o, &err);
		if (st != HH_OK)
			log_error("%s", err.msg);
	}
	vec_free(&o.keep);
	return st;
}
