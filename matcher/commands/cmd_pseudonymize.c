/*
 * cmd_pseudonymize.c - `hhmatch pseudonymize`: one extract in, the same
 * extract out with `pid` instead of the ID number, so that departments
 * can deliver without raw IDs ever leaving them.
 *
 * The output is a canonical extract: known columns get their canonical
 * names (Chinese or English aliases are resolved), the ID number becomes
 * pid, the name is dropped, birth_date and sex are added from the ID
 * number, and every other column is kept as it was.  Rows are validated
 * exactly as `hhmatch run` would (schema types, ID rules) and invalid
 * ones go to a rejects file with source, line and reason; there is no ID
 * repair here, since that needs the roster.  Rows repeated exactly are
 * kept: deduplication is the run's job and needs the repeats to report
 * them.  Both files are written under temporary names and renamed into
 * place only when complete.
 */
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "commands/commands.h"
#include "connectors/csv.h"
#include "connectors/csvw.h"
#include "domain/idnum.h"
#include "domain/period.h"
#include "domain/pid.h"
#include "domain/schema.h"

static const char pseudo_help[] =
	"usage: hhmatch pseudonymize --key FILE --source NAME --in FILE --out FILE\n"
	"           [--rejects FILE] [--period YYYYMM] [--encoding gb18030|utf-8]\n"
	"\n"
	"Writes a canonical extract with pid (HMAC-SHA256 of the normalised ID\n"
	"number under the key) instead of the ID number and without names.\n"
	"NAME is civil_affairs, education, hr, housing or medical.  Rows that\n"
	"fail validation go to --rejects (default OUT.rejects.csv).  --period\n"
	"(default: the current month) is the month birth dates may not follow.\n";

typedef struct {
	const char *key, *source, *in, *out, *rejects, *period, *encoding;
} pseudo_opts;

typedef struct {
	const schema_map *map;
	csvw *out, *rej;
	const pid_key *key;
	const char *source, *in_path;
	int period;
	int birth_col, sex_col, name_col;
	uint64_t read, accepted, rejected;
} pseudo_ctx;

static void reject(pseudo_ctx *c, uint64_t line, const char *reason, int col)
{
	c->rejected++;
	csvw_str(c->rej, c->source, 0);
	csvw_str(c->rej, c->in_path, 1);
	csvw_printf(c->rej, ",%" PRIu64 ",%s,%s\n", line, reason,
		    col >= 0 ? c->map->src->cols[col].name : "");
}

static void write_header(pseudo_ctx *c, const hh_record *hdr)
{
	const schema_map *m = c->map;
	int first = 1;
	for (size_t f = 0; f < hdr->nfields; f++) {
		int col = -1;
		for (size_t k = 0; k < m->src->ncols; k++)
			if (m->field_of_col[k] == (int)f)
				col = (int)k;
		if (col == c->name_col)
			continue;
		if (col == m->identity_col)
			csvw_str(c->out, "pid", !first);
		else if (col >= 0)
			csvw_str(c->out, m->src->cols[col].name, !first);
		else
			csvw_field(c->out, hdr->fields[f].ptr, hdr->fields[f].len, !first);
		first = 0;
	}
	csvw_printf(c->out, ",birth_date,sex\n");
}

static void convert_row(pseudo_ctx *c, const hh_record *rec)
{
	schema_row row;
	int bad_col;
	char id[19], hex[65];
	uint8_t pid[32];
	const schema_map *m = c->map;
	c->read++;
	const char *why = schema_parse_row(m, rec, &row, &bad_col);
	if (why) {
		reject(c, rec->line, why, bad_col);
		return;
	}
	hh_field f = row.str[m->identity_col];
	id_result r = idnum_normalize(f.ptr, f.len, c->period, id);
	if (r != ID_OK) {
		reject(c, rec->line, idnum_reason(r), m->identity_col);
		return;
	}
	pid_compute(c->key, id, pid);
	pid_to_hex(pid, hex);
	int first = 1;
	for (size_t fi = 0; fi < rec->nfields; fi++) {
		if (c->name_col >= 0 && m->field_of_col[c->name_col] == (int)fi)
			continue;
		if (m->field_of_col[m->identity_col] == (int)fi)
			csvw_str(c->out, hex, !first);
		else
			csvw_field(c->out, rec->fields[fi].ptr, rec->fields[fi].len, !first);
		first = 0;
	}
	csvw_printf(c->out, ",%d,%d\n", idnum_birth_date(id), idnum_sex(id));
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
	if (st != HH_OK)
		return hh_wrap(err, st, "line 1");
	if (m->has_pid)
		return hh_fail(err, HH_EINPUT,
			       "line 1: the extract already carries pid, not ID numbers");
	write_header(c, &rec);
	csvw_printf(c->rej, "source,file,line,reason,column\n");
	for (;;) {
		HH_TRY(csv_next(r, &rec, &got, err));
		if (!got)
			return HH_OK;
		convert_row(c, &rec);
	}
}

static hh_status parse(int argc, char **argv, pseudo_opts *o, int *help, hh_err *err)
{
	static const struct option longopts[] = {
		{"key", required_argument, 0, 'k'},     {"source", required_argument, 0, 's'},
		{"in", required_argument, 0, 'i'},      {"out", required_argument, 0, 'o'},
		{"rejects", required_argument, 0, 'r'}, {"period", required_argument, 0, 'p'},
		{"encoding", required_argument, 0, 'e'}, {"help", no_argument, 0, 'h'},
		{0, 0, 0, 0}};
	int ch;
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
		case 'h': *help = 1; return HH_OK;
		default:
			return hh_fail(err, HH_EUSAGE, "unknown or incomplete option '%s'",
				       argv[optind - 1]);
		}
	}
	if (optind < argc)
		return hh_fail(err, HH_EUSAGE, "unexpected argument '%s'", argv[optind]);
	if (!o->key || !o->source || !o->in || !o->out)
		return hh_fail(err, HH_EUSAGE, "missing %s (see hhmatch pseudonymize --help)",
			       !o->key ? "--key" : !o->source ? "--source"
			       : !o->in ? "--in" : "--out");
	return HH_OK;
}

static hh_status run(const pseudo_opts *o, hh_err *err)
{
	schema *sc = NULL;
	pid_key *key = NULL;
	csv_reader *r = NULL;
	csvw *out = NULL, *rej = NULL;
	char out_tmp[PATH_MAX], rej_path[PATH_MAX], rej_tmp[PATH_MAX + 8];
	schema_map map;
	pseudo_ctx c = {.map = &map, .source = o->source, .in_path = o->in};
	hh_status st;

	c.period = o->period ? period_parse(o->period) : period_current();
	if (!c.period)
		return hh_fail(err, HH_EUSAGE, "bad --period '%s': expected YYYYMM", o->period);
	HH_TRY(schema_new(&sc, err));
	map.src = schema_source_by_name(sc, o->source);
	if (!map.src) {
		schema_free(sc);
		return hh_fail(err, HH_EUSAGE,
			       "unknown --source '%s': expected civil_affairs, education, hr, "
			       "housing or medical", o->source);
	}
	c.name_col = schema_col_index(map.src, "name");
	snprintf(rej_path, sizeof rej_path, "%s.rejects.csv", o->out);
	if (o->rejects)
		snprintf(rej_path, sizeof rej_path, "%s", o->rejects);
	snprintf(out_tmp, sizeof out_tmp, "%s.tmp", o->out);
	snprintf(rej_tmp, sizeof rej_tmp, "%s.tmp", rej_path);
	ins_opts io = {.source = o->source, .encoding = HH_ENC_AUTO};
	if (o->encoding && ins_encoding_parse(o->encoding, &io.encoding))
		return hh_fail(err, HH_EUSAGE, "bad --encoding '%s': expected gb18030 or utf-8",
			       o->encoding);
	hh_instream *in = NULL;
	csv_opts co = {0};
	st = pid_key_load(o->key, &key, err);
	if (st == HH_OK) {
		st = ins_open_file(o->in, &io, &in, err);
		if (st == HH_OK)
			st = csv_open(in, &co, &r, err);
		if (st != HH_OK)
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
	if (st == HH_OK && (rename(out_tmp, o->out) || rename(rej_tmp, rej_path)))
		st = hh_fail(err, HH_EINTERNAL, "cannot rename outputs into place");
	if (st != HH_OK) {
		remove(out_tmp);
		remove(rej_tmp);
	} else {
		fprintf(stderr, "hhmatch pseudonymize: %s: %" PRIu64 " rows read, %" PRIu64
			" written, %" PRIu64 " rejected (see %s)\n",
			o->source, c.read, c.accepted, c.rejected, rej_path);
	}
	csv_close(r);
	pid_key_free(key);
	schema_free(sc);
	return st;
}

hh_status cmd_pseudonymize(int argc, char **argv)
{
	pseudo_opts o = {0};
	hh_err err = {{0}};
	int help = 0;
	hh_status st = parse(argc, argv, &o, &help, &err);
	if (st == HH_OK && help) {
		fputs(pseudo_help, stdout);
		return HH_OK;
	}
	if (st == HH_OK)
		st = run(&o, &err);
	if (st != HH_OK)
		fprintf(stderr, "hhmatch pseudonymize: %s\n", err.msg);
	return st;
}
