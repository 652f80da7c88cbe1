/*
 * cmd_audit.c - `hhmatch audit`: the on-demand questions auditors and
 * caseworkers ask about one run, each answered from the run's outputs
 * plus a re-read of the source files it recorded, and each logged.
 *
 *   person      everything known about one person (by --id, pseudonymised
 *               here with --key, or by --pid): roster rows, which sources
 *               hold the person and their rows (file:line and values),
 *               findings, and the history over every period in --state
 *   household   why a household was (not) flagged: its households.csv row,
 *               every rule's value, threshold and whether it fired
 *               (explain.csv), its findings, its members (pids, from the
 *               roster source) and every source row about a member
 *   findings    the findings of one code, optionally within a region
 *   verify-log  checks the audit log's hash chain (not itself logged)
 *
 * The run is --run DIR (a published output folder), --state DIR with
 * --period P (default: the latest period kept), or --pg URI with --period
 * P (default: the latest period in the store, connectors/pgaudit.h).  The source files are
 * re-read from the paths recorded in report.json (relative paths are
 * relative to the folder hhmatch run was started in); a file whose
 * SHA-256 differs from the recorded one gives a warning, since its rows
 * may no longer be the ones the run saw.
 *
 * From the store, the same queries read the store's tables instead of
 * the run's CSV files (the same code answers both); what only the source
 * files hold (members and their roster rows, source rows, which sources
 * hold a person) is listed under "not available from the store", and the
 * history covers every period in the store.
 *
 * Order of work: answer the query in memory, append the audit record
 * (auditlog.h; with --pg to the table hhmatch.audit_log, and to the file
 * log too when --log or --state is given), and only then print: a query
 * that cannot be logged prints nothing.  The record holds the query with any --id replaced by
 * its pid, and the pids the answer contains; never a raw ID or a name.
 * Rows are printed with their schema columns except the identity, name,
 * birth_date and sex columns.
 *
 * Output is an aligned table (width-aware for CJK text), or one JSON
 * document with --json: {"query":{...},"facts":{...},"warnings":[...],
 * "sections":{"title":[{column: value, ...}, ...]}}; values are strings.
 */
#include <getopt.h>
#include <stdarg.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "history/auditlog.h"
#include "commands/commands.h"
#include "connectors/csv.h"
#include "engine/engine.h"
#include "domain/idnum.h"
#include "domain/period.h"
#include "connectors/instream.h"
#include "connectors/pg.h"
#include "history/pgaudit.h"
#include "domain/pid.h"
#include "domain/rules.h"
#include "history/runread.h"
#include "domain/schema.h"
#include "history/state.h"

static const char audit_help[] =
	"usage: hhmatch audit person (--id ID --key FILE | --pid PID) WHERE WHO\n"
	"       hhmatch audit household --household ID [--key FILE] WHERE WHO\n"
	"       hhmatch audit findings --code CODE [--region PREFIX] WHERE WHO\n"
	"       hhmatch audit verify-log (--state DIR | --log FILE | --pg URI)\n"
	"\n"
	"WHERE: --run DIR (a run's output folder) or --state DIR [--period YYYYMM]\n"
	"       (default: the latest period kept in the state), or --pg URI\n"
	"       [--period YYYYMM]: the result store of hhmatch run --pg-out\n"
	"       (default: its latest period; source rows are not in the store)\n"
	"WHO:   --purpose TEXT (required: why the query is asked, e.g. a case\n"
	"       number; never a name or an ID number) [--operator NAME]\n"
	"       (default: the login name)\n"
	"\n"
	"Every query appends a record to the audit log (--log FILE, default\n"
	"STATE/audit.log; with --run and no --state, --log is required; with\n"
	"--pg, the table hhmatch.audit_log, and the file too when --log or\n"
	"--state is given):\n"
	"time, operator, purpose, the query (an --id as its pid) and the pids\n"
	"returned, chained by SHA-256 so that verify-log detects a changed,\n"
	"removed or reordered record.  --id - reads the ID number from stdin\n"
	"(keeps it out of the process list).  --key is needed to match raw ID\n"
	"numbers in the source files; sources delivered with pid need none.\n"
	"\n"
	"  --json    one JSON document instead of a table\n"
	"\n"
	"Exit status: 0 success (verify-log: log intact), 1 usage, 2 input error\n"
	"(verify-log: the chain is broken), 3 internal or output error.\n";

typedef struct {
	const char *sub, *run, *state, *period, *log, *operator_, *purpose, *key, *pg;
	const char *id, *pid, *household, *code, *region;
	int json;
} audit_opts;

/* --- the answer ------------------------------------------------------ */

#define MAX_SECTIONS 12

typedef struct {
	const char *title;
	int ncols;
	const char *cols[12];
	char ***rows;
	size_t n, cap;
} section;

typedef struct {
	const char *command;    /* the subcommand */
	jbuf query;             /* JSON members of the query after the command */
	char *facts[32][2];
	int nfacts;
	char *warnings[16];
	int nwarnings;
	section sec[MAX_SECTIONS];
	int nsec;
	char **pids;            /* returned pids (deduplicated when logged) */
	size_t npids, cappids;
	int oom;
} answer;

static char *dupstr(answer *a, const char *s)
{
	char *d = strdup(s ? s : "");
	if (!d)
		a->oom = 1;
	return d;
}

/* A formatted copy (up to 1023 bytes), owned by the answer. */
static char *vdupf(answer *a, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));
static char *vdupf(answer *a, const char *fmt, va_list ap)
{
	char buf[1024];
	vsnprintf(buf, sizeof buf, fmt, ap);
	return dupstr(a, buf);
}

static void fact(answer *a, const char *k, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void fact(answer *a, const char *k, const char *fmt, ...)
{
	if (a->nfacts >= 32)
		return;
	va_list ap;
	va_start(ap, fmt);
	a->facts[a->nfacts][1] = vdupf(a, fmt, ap);
	va_end(ap);
	a->facts[a->nfacts++][0] = dupstr(a, k);
}

static void warn(answer *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void warn(answer *a, const char *fmt, ...)
{
	if (a->nwarnings >= 16)
		return;
	va_list ap;
	va_start(ap, fmt);
	a->warnings[a->nwarnings++] = vdupf(a, fmt, ap);
	va_end(ap);
}

static section *new_section(answer *a, const char *title, const char *cols)
{
	section *s = &a->sec[a->nsec++];
	s->title = title;
	/* cols: comma separated, static text */
	static char store[MAX_SECTIONS][256];
	char *c = store[a->nsec - 1];
	snprintf(c, 256, "%s", cols);
	for (char *p = c; p && s->ncols < 12;) {
		s->cols[s->ncols++] = p;
		p = strchr(p, ',');
		if (p)
			*p++ = '\0';
	}
	return s;
}

/* Adds a row of s->ncols strings. */
static void add_row(answer *a, section *s, ...)
{
	if (s->n == s->cap) {
		size_t nc = s->cap ? s->cap * 2 : 16;
		char ***nr = realloc(s->rows, nc * sizeof *nr);
		if (!nr) {
			a->oom = 1;
			return;
		}
		s->rows = nr;
		s->cap = nc;
	}
	char **r = calloc((size_t)s->ncols, sizeof *r);
	if (!r) {
		a->oom = 1;
		return;
	}
	va_list ap;
	va_start(ap, s);
	for (int i = 0; i < s->ncols; i++)
		r[i] = dupstr(a, va_arg(ap, const char *));
	va_end(ap);
	s->rows[s->n++] = r;
}

static void add_pid(answer *a, const char *pid)
{
	if (!pid || !pid[0])
		return;
	for (size_t i = 0; i < a->npids; i++)
		if (!strcmp(a->pids[i], pid))
			return;
	if (a->npids == a->cappids) {
		size_t nc = a->cappids ? a->cappids * 2 : 16;
		char **np = realloc(a->pids, nc * sizeof *np);
		if (!np) {
			a->oom = 1;
			return;
		}
		a->pids = np;
		a->cappids = nc;
	}
	a->pids[a->npids++] = dupstr(a, pid);
}

static void answer_free(answer *a)
{
	jb_free(&a->query);
	for (int i = 0; i < a->nfacts; i++) {
		free(a->facts[i][0]);
		free(a->facts[i][1]);
	}
	for (int i = 0; i < a->nwarnings; i++)
		free(a->warnings[i]);
	for (int i = 0; i < a->nsec; i++) {
		section *s = &a->sec[i];
		for (size_t r = 0; r < s->n; r++) {
			for (int c = 0; c < s->ncols; c++)
				free(s->rows[r][c]);
			free(s->rows[r]);
		}
		free(s->rows);
	}
	for (size_t i = 0; i < a->npids; i++)
		free(a->pids[i]);
	free(a->pids);
}

/* Display width of UTF-8 text: East Asian characters take two columns. */
static size_t width(const char *s)
{
	size_t w = 0;
	for (const unsigned char *p = (const unsigned char *)s; *p;) {
		unsigned cp = *p;
		int n = cp < 0x80 ? 1 : cp < 0xE0 ? 2 : cp < 0xF0 ? 3 : 4;
		if (n == 3)
			cp = ((cp & 0x0F) << 12) | ((p[1] & 0x3Fu) << 6) | (p[2] & 0x3Fu);
		w += (n == 3 && cp >= 0x2E80) || n == 4 ? 2 : 1;
		for (int i = 0; i < n && *p; i++)
			p++;
	}
	return w;
}

static void pad(FILE *f, const char *s, size_t w, int last)
{
	fputs(s, f);
	if (!last)
		for (size_t i = width(s); i < w + 2; i++)
			fputc(' ', f);
}

static void print_table(const answer *a, FILE *f)
{
	size_t kw = 0;
	for (int i = 0; i < a->nfacts; i++)
		if (width(a->facts[i][0]) > kw)
			kw = width(a->facts[i][0]);
	for (int i = 0; i < a->nfacts; i++) {
		fprintf(f, "%s:", a->facts[i][0]);
		for (size_t j = width(a->facts[i][0]); j < kw + 1; j++)
			fputc(' ', f);
		fprintf(f, "%s\n", a->facts[i][1]);
	}
	for (int i = 0; i < a->nwarnings; i++)
		fprintf(f, "warning: %s\n", a->warnings[i]);
	for (int i = 0; i < a->nsec; i++) {
		const section *s = &a->sec[i];
		fprintf(f, "\n%s (%zu)\n", s->title, s->n);
		if (!s->n)
			continue;
		size_t w[12];
		for (int c = 0; c < s->ncols; c++) {
			w[c] = width(s->cols[c]);
			for (size_t r = 0; r < s->n; r++)
				if (width(s->rows[r][c]) > w[c])
					w[c] = width(s->rows[r][c]);
		}
		fputs("  ", f);
		for (int c = 0; c < s->ncols; c++)
			pad(f, s->cols[c], w[c], c + 1 == s->ncols);
		fputs("\n  ", f);
		for (int c = 0; c < s->ncols; c++) {
			for (size_t j = 0; j < w[c]; j++)
				fputc('-', f);
			if (c + 1 < s->ncols)
				fputs("  ", f);
		}
		fputc('\n', f);
		for (size_t r = 0; r < s->n; r++) {
			fputs("  ", f);
			for (int c = 0; c < s->ncols; c++)
				pad(f, s->rows[r][c], w[c], c + 1 == s->ncols);
			fputc('\n', f);
		}
	}
}

static void print_json(const answer *a, FILE *f)
{
	jbuf b = {0};
	jb_puts(&b, "{\"query\":{\"command\":");
	jb_str(&b, a->command);
	jb_raw(&b, a->query.s ? a->query.s : "", a->query.n);
	jb_puts(&b, "},\n\"facts\":{");
	for (int i = 0; i < a->nfacts; i++) {
		if (i)
			jb_puts(&b, ",");
		jb_str(&b, a->facts[i][0]);
		jb_puts(&b, ":");
		jb_str(&b, a->facts[i][1]);
	}
	jb_puts(&b, "},\n\"warnings\":[");
	for (int i = 0; i < a->nwarnings; i++) {
		if (i)
			jb_puts(&b, ",");
		jb_str(&b, a->warnings[i]);
	}
	jb_puts(&b, "],\n\"sections\":{");
	for (int i = 0; i < a->nsec; i++) {
		const section *s = &a->sec[i];
		jb_puts(&b, i ? ",\n" : "\n");
		jb_str(&b, s->title);
		jb_puts(&b, ":[");
		for (size_t r = 0; r < s->n; r++) {
			jb_puts(&b, r ? ",\n  {" : "\n  {");
			for (int c = 0; c < s->ncols; c++) {
				if (c)
					jb_puts(&b, ",");
				jb_str(&b, s->cols[c]);
				jb_puts(&b, ":");
				jb_str(&b, s->rows[r][c]);
			}
			jb_puts(&b, "}");
		}
		jb_puts(&b, "]");
	}
	jb_puts(&b, "}}\n");
	if (b.s)
		fputs(b.s, f);
	jb_free(&b);
}

/* --- the run --------------------------------------------------------- */

typedef struct {
	const audit_opts *o;
	char dir[PATH_MAX];       /* the run's folder */
	int period;
	rr_report *rep;
	rr_table *hh, *fnd, *explain;
	pid_key *key;
	schema *sc;
	answer *a;
	pgaudit *pg;              /* --pg: the store; else NULL */
	char key_id[16];          /* the run's key_id */
} audit_ctx;

static hh_status parse_period(const char *text, int *p, hh_err *err)
{
	char *end;
	*p = (int)strtol(text, &end, 10);
	if (*end || strlen(text) != 6 || !period_end(*p))
		return hh_fail(err, HH_EUSAGE, "bad --period '%s': expected YYYYMM", text);
	return HH_OK;
}

static hh_status load_key(audit_ctx *c, const char *key_id, hh_err *err)
{
	if (!c->o->key)
		return HH_OK;
	HH_TRY(pid_key_load(c->o->key, &c->key, err));
	if (key_id[0] && strcmp(pid_key_id(c->key), key_id))
		return hh_fail(err, HH_EUSAGE,
			       "the key %s (key_id %s) is not the key of the run (key_id %s)",
			       c->o->key, pid_key_id(c->key), key_id);
	return HH_OK;
}

/* --pg: the period (given or the store's latest) and its key_id; the
 * tables are read by each query (pg_rows), only the rows it needs. */
static hh_status open_store(audit_ctx *c, char key_id[16], hh_err *err)
{
	const audit_opts *o = c->o;
	HH_TRY(pgaudit_open(o->pg, &c->pg, err));
	if (o->period) {
		HH_TRY(parse_period(o->period, &c->period, err));
	} else {
		int *ps;
		size_t n;
		HH_TRY(pgaudit_periods(c->pg, &ps, &n, err));
		c->period = n ? ps[n - 1] : 0;
		free(ps);
		if (!c->period)
			return hh_fail(err, HH_EINPUT, "no run in the store %s",
				       pgaudit_shown(c->pg));
	}
	HH_TRY(pgaudit_key_id(c->pg, c->period, key_id, err));
	snprintf(c->dir, sizeof c->dir, "%s", pgaudit_shown(c->pg));
	HH_TRY(load_key(c, key_id, err));
	return schema_new(&c->sc, err);
}

/* --pg: *t (freed first) gets the period's rows of table whose `by`
 * column is one of values[0..n). */
static hh_status pg_rows(audit_ctx *c, int period, pga_table table, pga_by by,
			 const char *const *values, size_t n, rr_table **t, hh_err *err)
{
	rr_table_free(*t);
	*t = NULL;
	return pgaudit_rows(c->pg, table, period, by, values, n,
			    table == PGA_FINDINGS ? c->o->region : NULL, t, err);
}

/* What the store cannot answer, said plainly. */
static void not_in_store(audit_ctx *c, const char *what)
{
	fact(c->a, "not available from the store", "%s (the store keeps no roster or "
	     "source rows: ask over the run's folder or --state for them)", what);
}

static hh_status open_run(audit_ctx *c, hh_err *err)
{
	const audit_opts *o = c->o;
	if (o->pg)
		return open_store(c, c->key_id, err);
	if (o->run) {
		if (o->period)
			return hh_fail(err, HH_EUSAGE, "--period selects a run kept in --state; "
				       "it does not go with --run");
		snprintf(c->dir, sizeof c->dir, "%s", o->run);
	} else {
		int p = 0;
		if (o->period) {
			HH_TRY(parse_period(o->period, &p, err));
		} else {
			int *ps;
			size_t n;
			HH_TRY(state_periods(o->state, &ps, &n, err));
			p = n ? ps[n - 1] : 0;
			free(ps);
			if (!p)
				return hh_fail(err, HH_EINPUT, "no run kept in state folder %s",
					       o->state);
		}
		snprintf(c->dir, sizeof c->dir, "%s/runs/%06d", o->state, p);
		if (access(c->dir, F_OK))
			return hh_fail(err, HH_EINPUT, "period %06d is not kept in state folder %s",
				       p, o->state);
	}
	char path[PATH_MAX + 32];
	snprintf(path, sizeof path, "%s/report.json", c->dir);
	HH_TRY(rr_report_load(path, &c->rep, err));
	c->period = c->rep->period;
	snprintf(path, sizeof path, "%s/households.csv", c->dir);
	HH_TRY(rr_table_load(path, &c->hh, err));
	snprintf(path, sizeof path, "%s/findings.csv", c->dir);
	HH_TRY(rr_table_load(path, &c->fnd, err));
	snprintf(c->key_id, sizeof c->key_id, "%s", c->rep->key_id);
	HH_TRY(load_key(c, c->rep->key_id, err));
	return schema_new(&c->sc, err);
}

/* One row of a re-read source, handed to a visitor. */
typedef struct {
	source_id sid;
	const char *file;
	uint64_t line;
	const char *pid;          /* hex */
	const schema_map *map;
	const hh_record *rec;
	const schema_row *row;
} src_row;

typedef void (*row_fn)(audit_ctx *c, const src_row *r, void *ctx);

/* The row's values as "column=value ...", without identity, name,
 * birth_date and sex.  Enumerations by their English code. */
static void row_values(const src_row *r, char *buf, size_t cap)
{
	size_t used = 0;
	buf[0] = '\0';
	const schema_source *s = r->map->src;
	for (size_t k = 0; k < s->ncols; k++) {
		const schema_col *col = &s->cols[k];
		if (col->type == COL_ID || col->type == COL_PID || col->type == COL_NAME ||
		    col->type == COL_SEX || !strcmp(col->name, "birth_date") ||
		    !(r->row->present & (1u << k)) || r->map->field_of_col[k] < 0)
			continue;
		char v[128];
		if (col->type == COL_ENUM && col->en && r->row->val[k] >= 0 &&
		    (size_t)r->row->val[k] < col->en->ncodes)
			snprintf(v, sizeof v, "%s", col->en->codes[r->row->val[k]]);
		else {
			hh_field f = schema_trim(r->rec->fields[r->map->field_of_col[k]]);
			snprintf(v, sizeof v, "%.*s", (int)(f.len < 100 ? f.len : 100), f.ptr);
		}
		int n = snprintf(buf + used, cap - used, "%s%s=%s", used ? " " : "", col->name, v);
		if (n < 0 || (size_t)n >= cap - used)
			break;
		used += (size_t)n;
	}
}

/* Re-reads one source of the run; fn sees each valid row with its pid.
 * Returns 0 when the source could not be read (a warning says why), -1
 * when it carries raw IDs and there is no key, 1 otherwise. */
static int scan_source(audit_ctx *c, source_id sid, row_fn fn, void *ctx)
{
	const char *file = c->rep->src[sid].file;
	const char *name = source_name(sid);
	if (!c->rep->src[sid].present)
		return 0;
	hh_err err = {{0}};
	hh_instream *in = NULL;
	csv_reader *rd = NULL;
	ins_opts io = {.source = name, .want_sha256 = 1,
		       .encoding = !strcmp(c->rep->src[sid].encoding, "gb18030") ? HH_ENC_GB18030
										 : HH_ENC_UTF8};
	csv_opts co = {0};
	if (ins_open_file(file, &io, &in, &err) != HH_OK || csv_open(in, &co, &rd, &err) != HH_OK) {
		warn(c->a, "cannot re-read the %s source: %s (paths in report.json are as given to "
			   "hhmatch run: run the audit from the same folder)", name, err.msg);
		return 0;
	}
	schema_map map;
	hh_record rec;
	int got = 0, result = 1;
	hh_status st = csv_next(rd, &rec, &got, &err);
	if (st == HH_OK && got)
		st = schema_map_header(schema_source_by_name(c->sc, name), &rec, &map, &err);
	if (st == HH_OK && got && !map.has_pid && !c->key)
		result = -1;
	while (st == HH_OK && got && result == 1) {
		st = csv_next(rd, &rec, &got, &err);
		if (st != HH_OK || !got)
			break;
		schema_row row;
		int bad;
		if (schema_parse_row(&map, &rec, &row, &bad))
			continue;
		hh_field f = row.str[map.identity_col];
		char hex[PID_HEX + 1];
		uint8_t pid[PID_BYTES];
		if (map.has_pid) {
			if (pid_from_hex(f.ptr, f.len, pid))
				continue;
		} else {
			char id[19];
			if (idnum_normalize(f.ptr, f.len, c->period, id) != ID_OK)
				continue;
			pid_compute(c->key, id, pid);
			memset(id, 0, sizeof id);
		}
		pid_to_hex(pid, hex);
		src_row r = {.sid = sid, .file = file, .line = rec.line, .pid = hex, .map = &map,
			     .rec = &rec, .row = &row};
		fn(c, &r, ctx);
	}
	if (st != HH_OK)
		warn(c->a, "re-reading the %s source stopped: %s", name, err.msg);
	else if (result == 1 && strcmp(ins_sha256_hex(in), c->rep->src[sid].sha256))
		warn(c->a, "%s changed since the run (its SHA-256 is not the one in report.json): "
			   "the rows shown may not be the ones the run read", file);
	csv_close(rd);
	return result;
}

/* Column by name, ignoring case: the store's explain columns are
 * explain.csv's header in lower case. */
static int col_ci(const rr_table *t, const char *name)
{
	for (size_t i = 0; i < t->ncols; i++)
		if (!strcasecmp(t->header[i], name))
			return (int)i;
	return -1;
}

static int find_row(const rr_table *t, const char *col, const char *value)
{
	int c = rr_col(t, col);
	for (size_t i = 0; i < t->nrows; i++)
		if (!strcmp(rr_cell(t, i, c), value))
			return (int)i;
	return -1;
}

static void findings_section(audit_ctx *c, const char *title, const rr_table *fnd,
			     const char *by_col, const char *value)
{
	section *s = new_section(c->a, title, "code,source,household_id,pid,detail");
	int k = rr_col(fnd, by_col);
	for (size_t i = 0; i < fnd->nrows; i++)
		if (!strcmp(rr_cell(fnd, i, k), value)) {
			add_row(c->a, s, rr_cell(fnd, i, 0), rr_cell(fnd, i, 1), rr_cell(fnd, i, 2),
				rr_cell(fnd, i, 3), rr_cell(fnd, i, 4));
			add_pid(c->a, rr_cell(fnd, i, 3));
		}
}

/* --- household -------------------------------------------------------- */

typedef struct {
	section *members, *rows;
	char **pids;
	size_t n, cap;
	const char *household;
} hh_ctx;

static void member_row(audit_ctx *c, const src_row *r, void *ctx)
{
	hh_ctx *h = ctx;
	int k = schema_col_index(r->map->src, "household_id");
	hh_field f = r->row->str[k];
	if (f.len != strlen(h->household) || memcmp(f.ptr, h->household, f.len))
		return;
	char vals[1024], at[64];
	row_values(r, vals, sizeof vals);
	snprintf(at, sizeof at, "%llu", (unsigned long long)r->line);
	int sk = schema_col_index(r->map->src, "status");
	int counted = !(r->row->present & (1u << sk)) || r->row->val[sk] != 2; /* exited */
	add_row(c->a, h->members, r->pid, counted ? "yes" : "no (exited)", r->file, at, vals);
	add_pid(c->a, r->pid);
	if (h->n == h->cap) {
		size_t nc = h->cap ? h->cap * 2 : 16;
		char **np = realloc(h->pids, nc * sizeof *np);
		if (!np)
			return;
		h->pids = np;
		h->cap = nc;
	}
	h->pids[h->n++] = strdup(r->pid);
}

static void contributing_row(audit_ctx *c, const src_row *r, void *ctx)
{
	hh_ctx *h = ctx;
	for (size_t i = 0; i < h->n; i++)
		if (h->pids[i] && !strcmp(h->pids[i], r->pid)) {
			char vals[1024], at[64];
			row_values(r, vals, sizeof vals);
			snprintf(at, sizeof at, "%llu", (unsigned long long)r->line);
			add_row(c->a, h->rows, source_name(r->sid), r->pid, r->file, at, vals);
			return;
		}
}

static hh_status q_household(audit_ctx *c, hh_err *err)
{
	answer *a = c->a;
	const char *id = c->o->household;
	jb_puts(&a->query, ",\"household\":");
	jb_str(&a->query, id);
	if (c->pg) {
		HH_TRY(pg_rows(c, c->period, PGA_HOUSEHOLDS, PGA_BY_HOUSEHOLD, &id, 1, &c->hh, err));
		HH_TRY(pg_rows(c, c->period, PGA_FINDINGS, PGA_BY_HOUSEHOLD, &id, 1, &c->fnd, err));
		HH_TRY(pg_rows(c, c->period, PGA_EXPLAIN, PGA_BY_HOUSEHOLD, &id, 1, &c->explain,
			       err));
	}
	int row = find_row(c->hh, "household_id", id);
	fact(a, "household", "%s", id);
	if (row < 0) {
		fact(a, "in households.csv", "no (not a counted roster household in %06d)",
		     c->period);
	} else {
		for (size_t k = 1; k < c->hh->ncols; k++)
			fact(a, c->hh->header[k], "%s", rr_cell(c->hh, (size_t)row, (int)k));
	}
	/* rules */
	char path[PATH_MAX + 32];
	snprintf(path, sizeof path, "%s/explain.csv", c->dir);
	if (c->pg)
		; /* read above */
	else if (access(path, F_OK))
		warn(a, "this run has no explain.csv: rule values are not available");
	else
		HH_TRY(rr_table_load(path, &c->explain, err));
	if (row >= 0 && c->explain) {
		int er = find_row(c->explain, "household_id", id);
		if (er < 0 && c->pg)
			warn(a, "the store has no rule values for this household (the period "
				"was published by an hhmatch that did not store explain.csv)");
		section *s = new_section(a, "rules", "rule,value,threshold,fired");
		const char *reasons = rr_cell(c->hh, (size_t)row, rr_col(c->hh, "reasons"));
		fact(a, "income_line", "%s", rr_cell(c->explain, (size_t)er,
						     col_ci(c->explain, "income_line")));
		for (int r = 0; er >= 0 && r < R_COUNT; r++) {
			const char *code = rules_code_name((rule_code)r);
			char vc[64], tc[64];
			snprintf(vc, sizeof vc, "%s_value", code);
			snprintf(tc, sizeof tc, "%s_threshold", code);
			int fired = 0;
			size_t cl = strlen(code);
			for (const char *p = reasons; (p = strstr(p, code)); p += cl)
				if ((p == reasons || p[-1] == ';') && (p[cl] == ';' || !p[cl]))
					fired = 1;
			add_row(a, s, code, rr_cell(c->explain, (size_t)er, col_ci(c->explain, vc)),
				rr_cell(c->explain, (size_t)er, col_ci(c->explain, tc)),
				fired ? "yes" : "no");
		}
	}
	findings_section(c, "findings", c->fnd, "household_id", id);
	if (c->pg) {
		not_in_store(c, "members and their roster rows, source rows of the members");
		return HH_OK;
	}
	hh_ctx h = {.household = id};
	h.members = new_section(a, "members", "pid,counted,file,line,values");
	int got = scan_source(c, SRC_CIVIL_AFFAIRS, member_row, &h);
	if (got < 0)
		warn(a, "the civil_affairs source carries raw ID numbers: give --key to list the "
			"members and their rows");
	if (got > 0 && h.n) {
		h.rows = new_section(a, "source rows of the members", "source,pid,file,line,values");
		for (int s = SRC_EDUCATION; s < SRC_COUNT; s++)
			if (scan_source(c, (source_id)s, contributing_row, &h) < 0)
				warn(a, "the %s source carries raw ID numbers: give --key to match its "
					"rows", source_name((source_id)s));
	}
	for (size_t i = 0; i < h.n; i++)
		free(h.pids[i]);
	free(h.pids);
	return HH_OK;
}

/* --- person ----------------------------------------------------------- */

typedef struct {
	const char *pid;
	section *roster, *rows;
	int held[SRC_COUNT];
	char households[16][64];
	int nh;
} person_ctx;

static void person_row(audit_ctx *c, const src_row *r, void *ctx)
{
	person_ctx *p = ctx;
	if (strcmp(r->pid, p->pid))
		return;
	char vals[1024], at[64];
	row_values(r, vals, sizeof vals);
	snprintf(at, sizeof at, "%llu", (unsigned long long)r->line);
	p->held[r->sid]++;
	if (r->sid == SRC_CIVIL_AFFAIRS) {
		int k = schema_col_index(r->map->src, "household_id");
		char hid[64];
		snprintf(hid, sizeof hid, "%.*s", (int)r->row->str[k].len, r->row->str[k].ptr);
		int seen = 0;
		for (int i = 0; i < p->nh; i++)
			seen |= !strcmp(p->households[i], hid);
		if (!seen && p->nh < 16)
			snprintf(p->households[p->nh++], 64, "%s", hid);
		add_row(c->a, p->roster, hid, r->file, at, vals);
	} else
		add_row(c->a, p->rows, source_name(r->sid), r->file, at, vals);
}

static hh_status person_pid(audit_ctx *c, char out[PID_HEX + 1], hh_err *err)
{
	const audit_opts *o = c->o;
	uint8_t pid[PID_BYTES];
	if (o->pid) {
		if (pid_from_hex(o->pid, strlen(o->pid), pid))
			return hh_fail(err, HH_EUSAGE, "--pid is not 64 hex characters");
		pid_to_hex(pid, out);
		return HH_OK;
	}
	if (!c->key)
		return hh_fail(err, HH_EUSAGE, "--id needs --key FILE (the run's key) to make the pid");
	char raw[128], id[19];
	if (!strcmp(o->id, "-")) {
		if (!fgets(raw, sizeof raw, stdin))
			return hh_fail(err, HH_EUSAGE, "--id -: nothing on stdin");
		raw[strcspn(raw, "\r\n")] = '\0';
	} else
		snprintf(raw, sizeof raw, "%s", o->id);
	id_result r = idnum_normalize(raw, strlen(raw), 0, id);
	memset(raw, 0, sizeof raw);
	if (r != ID_OK)
		return hh_fail(err, HH_EUSAGE, "--id is not a valid ID number (%s)",
			       idnum_reason(r));
	pid_compute(c->key, id, pid);
	memset(id, 0, sizeof id);
	pid_to_hex(pid, out);
	return HH_OK;
}

/* The person's rows in the run's source files: roster and source rows,
 * which sources hold the person, the roster households. */
static void person_sources(audit_ctx *c, person_ctx *p)
{
	answer *a = c->a;
	p->roster = new_section(a, "roster rows", "household_id,file,line,values");
	p->rows = new_section(a, "source rows", "source,file,line,values");
	int got[SRC_COUNT];
	for (int s = 0; s < SRC_COUNT; s++) {
		got[s] = scan_source(c, (source_id)s, person_row, p);
		if (got[s] < 0)
			warn(a, "the %s source carries raw ID numbers: give --key (with --pid) or "
				"--id --key to match its rows", source_name((source_id)s));
	}
	char held[256] = "";
	for (int s = 0; s < SRC_COUNT; s++)
		if (p->held[s])
			snprintf(held + strlen(held), sizeof held - strlen(held), "%s%s (%d rows)",
				 held[0] ? ", " : "", source_name((source_id)s), p->held[s]);
	fact(a, "sources holding the person", "%s", held[0] ? held : "none");
	fact(a, "on the roster", "%s", p->held[SRC_CIVIL_AFFAIRS] ? "yes"
				       : got[SRC_CIVIL_AFFAIRS] > 0 ? "no" : "unknown");
	section *hs = new_section(a, "households", "household_id,risk_level,reasons");
	int lc = rr_col(c->hh, "risk_level"), rc = rr_col(c->hh, "reasons");
	for (int i = 0; i < p->nh; i++) {
		int r = find_row(c->hh, "household_id", p->households[i]);
		add_row(a, hs, p->households[i],
			r >= 0 ? rr_cell(c->hh, (size_t)r, lc) : "(not counted)",
			r >= 0 ? rr_cell(c->hh, (size_t)r, rc) : "");
	}
}

static hh_status q_person(audit_ctx *c, hh_err *err)
{
	answer *a = c->a;
	char pid[PID_HEX + 1];
	HH_TRY(person_pid(c, pid, err));
	jb_puts(&a->query, ",\"pid\":");
	jb_str(&a->query, pid);
	if (c->o->id)
		jb_puts(&a->query, ",\"by\":\"id\"");
	add_pid(a, pid);
	fact(a, "pid", "%s", pid);
	person_ctx p = {.pid = pid};
	const char *pids[1] = {pid};
	if (c->pg) {
		not_in_store(c, "roster rows, source rows, which sources hold the person, the "
			     "person's roster households");
		HH_TRY(pg_rows(c, c->period, PGA_FINDINGS, PGA_BY_PID, pids, 1, &c->fnd, err));
	} else {
		person_sources(c, &p);
	}
	findings_section(c, "findings", c->fnd, "pid", pid);
	/* households named by findings join the history */
	int pc = rr_col(c->fnd, "pid"), hc = rr_col(c->fnd, "household_id");
	for (size_t i = 0; i < c->fnd->nrows; i++) {
		const char *h = rr_cell(c->fnd, i, hc);
		if (strcmp(rr_cell(c->fnd, i, pc), pid) || !h[0])
			continue;
		int seen = 0;
		for (int k = 0; k < p.nh; k++)
			seen |= !strcmp(p.households[k], h);
		if (!seen && p.nh < 16)
			snprintf(p.households[p.nh++], 64, "%s", h);
	}
	if (!c->o->state && !c->pg)
		return HH_OK;
	section *hist = new_section(a, "history", "period,household_id,risk_level,reasons,findings");
	int *ps;
	size_t n;
	if (c->pg)
		HH_TRY(pgaudit_periods(c->pg, &ps, &n, err));
	else
		HH_TRY(state_periods(c->o->state, &ps, &n, err));
	const char *hids[16];
	for (int k = 0; k < p.nh; k++)
		hids[k] = p.households[k];
	for (size_t i = 0; i < n; i++) {
		char dir[PATH_MAX + 32], path[PATH_MAX + 64], per[16];
		rr_table *hh = NULL, *fnd = NULL;
		snprintf(dir, sizeof dir, "%s/runs/%06d", c->o->state ? c->o->state : "", ps[i]);
		snprintf(per, sizeof per, "%06d", ps[i]);
		snprintf(path, sizeof path, "%s/households.csv", dir);
		hh_err e2 = {{0}};
		if (c->pg) {
			hh_status st = pg_rows(c, ps[i], PGA_HOUSEHOLDS, PGA_BY_HOUSEHOLD, hids,
					       (size_t)p.nh, &hh, err);
			if (st == HH_OK)
				st = pg_rows(c, ps[i], PGA_FINDINGS, PGA_BY_PID, pids, 1, &fnd, err);
			if (st != HH_OK) {
				rr_table_free(hh);
				free(ps);
				return st;
			}
		} else if (rr_table_load(path, &hh, &e2) != HH_OK) {
			warn(a, "history: %s", e2.msg);
			continue;
		}
		snprintf(path, sizeof path, "%s/findings.csv", dir);
		if (!c->pg && rr_table_load(path, &fnd, &e2) != HH_OK) {
			warn(a, "history: %s", e2.msg);
			rr_table_free(hh);
			continue;
		}
		char codes[512] = "";
		for (size_t f = 0; f < fnd->nrows; f++)
			if (!strcmp(rr_cell(fnd, f, 3), pid))
				snprintf(codes + strlen(codes), sizeof codes - strlen(codes), "%s%s",
					 codes[0] ? ";" : "", rr_cell(fnd, f, 0));
		int any = 0;
		for (int k = 0; k < p.nh; k++) {
			int r = find_row(hh, "household_id", p.households[k]);
			if (r < 0)
				continue;
			add_row(a, hist, per, p.households[k],
				rr_cell(hh, (size_t)r, rr_col(hh, "risk_level")),
				rr_cell(hh, (size_t)r, rr_col(hh, "reasons")), codes);
			any = 1;
		}
		if (!any && codes[0])
			add_row(a, hist, per, "", "", "", codes);
		rr_table_free(hh);
		rr_table_free(fnd);
	}
	free(ps);
	return HH_OK;
}

/* --- findings --------------------------------------------------------- */

static hh_status q_findings(audit_ctx *c, hh_err *err)
{
	answer *a = c->a;
	const char *code = c->o->code, *region = c->o->region;
	jb_puts(&a->query, ",\"code\":");
	jb_str(&a->query, code);
	if (region) {
		jb_puts(&a->query, ",\"region\":");
		jb_str(&a->query, region);
	}
	if (c->pg)
		HH_TRY(pg_rows(c, c->period, PGA_FINDINGS, PGA_BY_CODE, &code, 1, &c->fnd, err));
	section *s = new_section(a, "findings", "code,source,household_id,region_code,pid,detail");
	/* the store's findings carry their household's region_code */
	int hc = c->hh ? rr_col(c->hh, "household_id") : -1;
	int rc = c->hh ? rr_col(c->hh, "region_code") : -1;
	int frc = rr_col(c->fnd, "region_code");
	for (size_t i = 0; i < c->fnd->nrows; i++) {
		if (strcmp(rr_cell(c->fnd, i, 0), code))
			continue;
		const char *hid = rr_cell(c->fnd, i, 2), *reg = "";
		if (frc >= 0)
			reg = rr_cell(c->fnd, i, frc);
		for (size_t r = 0; frc < 0 && hid[0] && r < c->hh->nrows; r++)
			if (!strcmp(rr_cell(c->hh, r, hc), hid)) {
				reg = rr_cell(c->hh, r, rc);
				break;
			}
		if (region && strncmp(reg, region, strlen(region)))
			continue;
		add_row(a, s, code, rr_cell(c->fnd, i, 1), hid, reg, rr_cell(c->fnd, i, 3),
			rr_cell(c->fnd, i, 4));
		add_pid(a, rr_cell(c->fnd, i, 3));
	}
	fact(a, "code", "%s", code);
	if (region)
		fact(a, "region", "%s*", region);
	fact(a, "findings", "%zu", s->n);
	return HH_OK;
}

/* --- the log ---------------------------------------------------------- */

/* A run of 15 or more digits looks like an ID number: refuse it in the
 * free-text fields that go into the log. */
static int looks_like_id(const char *s)
{
	int run = 0;
	for (; *s; s++) {
		run = (*s >= '0' && *s <= '9') ? run + 1 : 0;
		if (run >= 15)
			return 1;
	}
	return 0;
}

/* Appends the query's record to the table (--pg) and to the file log
 * (log_path, when not NULL), with the same members in both. */
static hh_status log_query(audit_ctx *c, const char *log_path, const char *operator_,
			   hh_err *err)
{
	answer *a = c->a;
	jbuf q = {0}, m = {0};
	char now[32];
	time_t t = time(NULL);
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(now, sizeof now, "%Y-%m-%dT%H:%M:%SZ", &tm);
	jb_puts(&q, "{\"command\":");
	jb_str(&q, c->o->sub);
	jb_raw(&q, a->query.s ? a->query.s : "", a->query.n);
	jb_puts(&q, "}");
	pgaudit_record rec = {.time = now, .operator_ = operator_, .purpose = c->o->purpose,
			      .query = q.s ? q.s : "", .pids = (const char *const *)a->pids,
			      .npids = a->npids};
	pgaudit_members(&rec, &m);
	hh_status st = m.oom || q.oom ? hh_fail(err, HH_EINTERNAL, "out of memory") : HH_OK;
	if (st == HH_OK && c->pg)
		st = pgaudit_log_append(c->pg, &rec, NULL, err);
	if (st == HH_OK && log_path)
		st = auditlog_append(log_path, m.s, NULL, err);
	jb_free(&q);
	jb_free(&m);
	return st;
}

/* --- command line ----------------------------------------------------- */

static hh_status parse(int argc, char **argv, audit_opts *o, int *help, hh_err *err)
{
	enum { O_RUN = 256, O_STATE, O_PERIOD, O_LOG, O_OPERATOR, O_PURPOSE, O_KEY, O_ID,
	       O_PID, O_HOUSEHOLD, O_CODE, O_REGION, O_JSON, O_HELP, O_PG };
	static const struct option longopts[] = {
		{"run", required_argument, 0, O_RUN},
		{"state", required_argument, 0, O_STATE},
		{"period", required_argument, 0, O_PERIOD},
		{"log", required_argument, 0, O_LOG},
		{"operator", required_argument, 0, O_OPERATOR},
		{"purpose", required_argument, 0, O_PURPOSE},
		{"key", required_argument, 0, O_KEY},
		{"id", required_argument, 0, O_ID},
		{"pid", required_argument, 0, O_PID},
		{"household", required_argument, 0, O_HOUSEHOLD},
		{"code", required_argument, 0, O_CODE},
		{"region", required_argument, 0, O_REGION},
		{"json", no_argument, 0, O_JSON},
		{"pg", required_argument, 0, O_PG},
		{"help", no_argument, 0, O_HELP},
		{0, 0, 0, 0}};
	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		*help = argc >= 2;
		return argc < 2 ? hh_fail(err, HH_EUSAGE, "missing subcommand: person, household, "
					  "findings or verify-log (see hhmatch audit --help)")
				: HH_OK;
	}
	o->sub = argv[1];
	if (strcmp(o->sub, "person") && strcmp(o->sub, "household") &&
	    strcmp(o->sub, "findings") && strcmp(o->sub, "verify-log"))
		return hh_fail(err, HH_EUSAGE, "unknown subcommand '%s': expected person, "
			       "household, findings or verify-log", o->sub);
	optind = 1;
	opterr = 0;
	int ch;
	while ((ch = getopt_long(argc - 1, argv + 1, "", longopts, NULL)) != -1) {
		switch (ch) {
		case O_RUN: o->run = optarg; break;
		case O_STATE: o->state = optarg; break;
		case O_PERIOD: o->period = optarg; break;
		case O_LOG: o->log = optarg; break;
		case O_OPERATOR: o->operator_ = optarg; break;
		case O_PURPOSE: o->purpose = optarg; break;
		case O_KEY: o->key = optarg; break;
		case O_ID: o->id = optarg; break;
		case O_PID: o->pid = optarg; break;
		case O_HOUSEHOLD: o->household = optarg; break;
		case O_CODE: o->code = optarg; break;
		case O_REGION: o->region = optarg; break;
		case O_JSON: o->json = 1; break;
		case O_PG: o->pg = optarg; break;
		case O_HELP: *help = 1; return HH_OK;
		default: {
			/* name the option only: a value may be an ID number */
			const char *arg = argv[optind];
			size_t n = strcspn(arg, "=");
			return hh_fail(err, HH_EUSAGE, "unknown or incomplete option '%.*s'",
				       (int)(n > 40 ? 40 : n), arg);
		}
		}
	}
	if (optind < argc - 1)
		return hh_fail(err, HH_EUSAGE, "unexpected argument (see hhmatch audit --help)");
	if (o->pg && !pg_is_uri(o->pg))
		return hh_fail(err, HH_EUSAGE, "--pg needs a postgresql:// URI");
	if (!strcmp(o->sub, "verify-log")) {
		if (!o->log && !o->state && !o->pg)
			return hh_fail(err, HH_EUSAGE, "verify-log needs --state DIR, --log FILE "
				       "or --pg URI");
		return HH_OK;
	}
	if (o->pg && o->run)
		return hh_fail(err, HH_EUSAGE, "--run and --pg are two places to ask: give one");
	if (!o->run && !o->state && !o->pg)
		return hh_fail(err, HH_EUSAGE, "give --run DIR, --state DIR or --pg URI (see "
			       "hhmatch audit --help)");
	if (!o->log && !o->state && !o->pg)
		return hh_fail(err, HH_EUSAGE, "no audit log: with --run, give --log FILE (or use "
			       "--state DIR, whose audit.log is used)");
	if (!o->purpose || !o->purpose[0])
		return hh_fail(err, HH_EUSAGE, "--purpose is required: every query is logged with "
			       "why it was asked (a case or ticket number, never a name)");
	if (looks_like_id(o->purpose) || (o->operator_ && looks_like_id(o->operator_)))
		return hh_fail(err, HH_EUSAGE, "--purpose and --operator must not hold an ID "
			       "number (they are logged)");
	if (!strcmp(o->sub, "person") && !!o->id == !!o->pid)
		return hh_fail(err, HH_EUSAGE, "person needs --id ID (with --key) or --pid PID");
	if (!strcmp(o->sub, "household") && !o->household)
		return hh_fail(err, HH_EUSAGE, "household needs --household ID");
	if (!strcmp(o->sub, "findings") && !o->code)
		return hh_fail(err, HH_EUSAGE, "findings needs --code CODE");
	return HH_OK;
}

/* verify-log --pg: the chain in hhmatch.audit_log, by id. */
static hh_status verify_table(const audit_opts *o, hh_err *err)
{
	pgaudit *pg = NULL;
	auditlog_check ck;
	hh_status st = pgaudit_open(o->pg, &pg, err);
	if (st == HH_OK)
		st = pgaudit_log_verify(pg, &ck, err);
	if (st == HH_OK && ck.broken)
		st = hh_fail(err, HH_EINPUT, "%s: hhmatch.audit_log: record id %lu is broken: %s "
			     "(records before it are intact)", pgaudit_shown(pg), ck.broken, ck.why);
	if (st == HH_OK) {
		printf("audit_log intact: %lu records\n", ck.records);
		if (ck.records)
			printf("head sha256: %s (keep it elsewhere: removing the last records "
			       "cannot be detected from the table alone)\n", ck.head);
	}
	pgaudit_close(pg);
	return st;
}

static hh_status verify_log(const audit_opts *o, hh_err *err)
{
	if (o->pg) {
		HH_TRY(verify_table(o, err));
		if (!o->log && !o->state)
			return HH_OK;
	}
	char path[PATH_MAX];
	snprintf(path, sizeof path, "%s", o->log ? o->log : "");
	if (!o->log)
		snprintf(path, sizeof path, "%s/audit.log", o->state);
	auditlog_check ck;
	HH_TRY(auditlog_verify(path, &ck, err));
	if (ck.broken)
		return hh_fail(err, HH_EINPUT, "%s: record %lu is broken: %s (records before it "
			       "are intact)", path, ck.broken, ck.why);
	printf("log intact: %lu records\n", ck.records);
	if (ck.records)
		printf("head sha256: %s (keep it elsewhere: removing the last records cannot be "
		       "detected from the log alone)\n", ck.head);
	return HH_OK;
}

static hh_status run_query(const audit_opts *o, hh_err *err)
{
	answer a = {.command = o->sub};
	audit_ctx c = {.o = o, .a = &a};
	char log_path[PATH_MAX];
	snprintf(log_path, sizeof log_path, "%s", o->log ? o->log : "");
	if (!o->log && o->state)
		snprintf(log_path, sizeof log_path, "%s/audit.log", o->state);
	const char *op = o->operator_;
	if (!op)
		op = getlogin();
	if (!op)
		op = getenv("USER");
	char opbuf[32];
	if (!op) {
		snprintf(opbuf, sizeof opbuf, "uid %u", (unsigned)getuid());
		op = opbuf;
	}
	hh_status st = open_run(&c, err);
	if (st == HH_OK) {
		if (o->pg) { /* --state then only says where the file log is */
			jb_puts(&a.query, ",\"pg\":");
			jb_str(&a.query, pgaudit_shown(c.pg));
		} else if (o->state) {
			jb_puts(&a.query, ",\"state\":");
			jb_str(&a.query, o->state);
		}
		if (o->run) {
			jb_puts(&a.query, ",\"run\":");
			jb_str(&a.query, o->run);
		}
		jb_printf(&a.query, ",\"period\":\"%06d\"", c.period);
		fact(&a, o->pg ? "store" : "run", "%s (period %06d, key_id %s)", c.dir, c.period,
		     c.key_id);
		if (!strcmp(o->sub, "household"))
			st = q_household(&c, err);
		else if (!strcmp(o->sub, "person"))
			st = q_person(&c, err);
		else
			st = q_findings(&c, err);
	}
	if (st == HH_OK && (a.oom || a.query.oom))
		st = hh_fail(err, HH_EINTERNAL, "out of memory");
	if (st == HH_OK)
		st = log_query(&c, log_path[0] ? log_path : NULL, op, err);
	if (st == HH_OK) {
		if (o->json)
			print_json(&a, stdout);
		else
			print_table(&a, stdout);
		if (fflush(stdout))
			st = hh_fail(err, HH_EINTERNAL, "cannot write the answer");
	}
	answer_free(&a);
	rr_report_free(c.rep);
	rr_table_free(c.hh);
	rr_table_free(c.fnd);
	rr_table_free(c.explain);
	pid_key_free(c.key);
	schema_free(c.sc);
	pgaudit_close(c.pg);
	return st;
}

hh_status cmd_audit(int argc, char **argv)
{
	audit_opts o = {0};
	hh_err err = {{0}};
	int help = 0;
	hh_status st = parse(argc, argv, &o, &help, &err);
	if (st == HH_OK && help) {
		fputs(audit_help, stdout);
		return HH_OK;
	}
	if (st == HH_OK)
		st = !strcmp(o.sub, "verify-log") ? verify_log(&o, &err) : run_query(&o, &err);
	if (st != HH_OK)
		fprintf(stderr, "hhmatch audit: %s\n", err.msg);
	return st;
}
