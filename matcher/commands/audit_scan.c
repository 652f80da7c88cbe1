/*
 * audit_scan.c - the run's source files read again, for the rows of a
 * person or a household that the outputs only count (see audit_int.h).
 *
 * The files are the ones report.json recorded (relative paths are
 * relative to the folder hhmatch run was started in), read with the
 * recorded encoding through the same reader, schema and ID rules as the
 * run, and each valid row's pid made as the run made it (--key for raw ID
 * numbers, the pid column as it is otherwise).  A file whose SHA-256
 * differs from the recorded one gives a warning, since its rows may no
 * longer be the ones the run saw.  A row the run rejected is skipped
 * here too; nothing about a row (values, ID number) reaches a message.
 */
#include <stdio.h>
#include <string.h>

#include "commands/audit_int.h"
#include "connectors/csv.h"
#include "connectors/instream.h"
#include "domain/idnum.h"

void audit_row_values(const audit_src_row *r, char *buf, size_t cap)
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

void audit_row_line(const audit_src_row *r, char buf[24])
{
	snprintf(buf, 24, "%llu", (unsigned long long)r->line);
}

/* The pid of the row's identity column as hex; 0 when the row has none
 * the run would have accepted. */
static int row_pid(audit_ctx *c, const schema_map *map, const schema_row *row,
		   char hex[PID_HEX + 1])
{
	hh_field f = row->str[map->identity_col];
	uint8_t pid[PID_BYTES];
	if (map->has_pid) {
		if (pid_from_hex(f.ptr, f.len, pid))
			return 0;
	} else {
		char id[19];
		if (idnum_normalize(f.ptr, f.len, c->info->period, id) != ID_OK)
			return 0;
		pid_compute(c->key, id, pid);
		memset(id, 0, sizeof id);
	}
	pid_to_hex(pid, hex);
	return 1;
}

int audit_scan_source(audit_ctx *c, source_id sid, audit_row_fn fn, void *ctx)
{
	const rr_report *rep = c->info->sources;
	const char *file = rep->src[sid].file;
	const char *name = source_name(sid);
	if (!rep->src[sid].present)
		return 0;
	hh_err err = {{0}};
	hh_instream *in = NULL;
	csv_reader *rd = NULL;
	ins_opts io = {.source = name, .want_sha256 = 1, .encoding = HH_ENC_UTF8};
	/* what the run recorded; anything else was read as UTF-8 */
	ins_encoding_parse(rep->src[sid].encoding, &io.encoding);
	csv_opts co = {0};
	hh_status st = ins_open_file(file, &io, &in, &err);
	if (st == HH_OK)
		st = csv_open(in, &co, &rd, &err);
	/* A source gone or changed is worth a warning beside the answer; out
	 * of memory is not the source's fault, and the answer fails whole. */
	if (st == HH_EINTERNAL) { /* csv_open closed in */
		c->a->oom = 1;
		return 0;
	}
	if (st != HH_OK) {
		answer_warn(c->a, "cannot re-read the %s source: %s (paths in report.json are as "
			    "given to hhmatch run: run the audit from the same folder)", name,
			    err.msg);
		return 0;
	}
	schema_map map;
	hh_record rec;
	int got = 0, result = 1;
	st = csv_next(rd, &rec, &got, &err);
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
		char hex[PID_HEX + 1];
		if (schema_parse_row(&map, &rec, &row, &bad) || !row_pid(c, &map, &row, hex))
			continue;
		audit_src_row r = {.sid = sid, .file = file, .line = rec.line, .pid = hex,
				   .map = &map, .rec = &rec, .row = &row};
		fn(c, &r, ctx);
	}
	if (st == HH_EINTERNAL)
		c->a->oom = 1;
	else if (st != HH_OK)
		answer_warn(c->a, "re-reading the %s source stopped: %s", name, err.msg);
	else if (result == 1 && strcmp(ins_sha256_hex(in), rep->src[sid].sha256))
		answer_warn(c->a, "%s changed since the run (its SHA-256 is not the one in "
			    "report.json): the rows shown may not be the ones the run read", file);
	csv_close(rd);
	return result;
}
