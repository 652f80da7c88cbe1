/*
 * fuzz_schema.c - libFuzzer target: the schema file and the row checks
 * it drives (matcher/domain/schema.h).
 *
 * Every input is used twice:
 *   - as the text of a schema file (schema_parse, the parser of
 *     schemas/sources.schema); an accepted schema is walked: every
 *     source the contract names, its columns found again by name, its
 *     enumeration codes found again by code;
 *   - as an extract under the built-in schema: read by the CSV reader
 *     (a pull stream, encoding from the first line), its first record
 *     mapped as the header of each of the five sources
 *     (schema_map_header), every later record validated against each
 *     source whose header mapped (schema_parse_row, the same without the
 *     identity column, schema_read_unread of every column).
 * Checked besides memory safety: a row reported invalid names a column
 * inside the source or none (-1).
 */
#include "fuzz_util.h"
#include "fuzz_csv.h"

#include "domain/schema.h"
#include "domain/sources.h"

static schema *builtin;

static void walk_schema(const schema *s)
{
	(void)schema_nsources(s);
	for (int i = 0; i < SRC_COUNT; i++) {
		const schema_source *src = schema_source_by_name(s, source_name((source_id)i));
		if (!src)
			continue;
		for (size_t c = 0; c < src->ncols; c++) {
			const schema_col *col = &src->cols[c];
			if (schema_col_index(src, col->name) < 0)
				abort(); /* a column that cannot be found by its name */
			if (col->en)
				for (size_t k = 0; k < col->en->ncodes; k++)
					if (schema_enum_code(col->en, col->en->codes[k]) < 0)
						abort();
		}
	}
}

static void check_row(const schema_map *map, const hh_record *rec)
{
	schema_row row;
	int bad = -1;
	int ncols = (int)map->src->ncols;
	const char *why = schema_parse_row(map, rec, &row, &bad);
	if (why && (bad < -1 || bad >= ncols))
		abort();
	bad = -1;
	why = schema_parse_row_except(map, rec, &row, &bad, map->identity_col);
	if (why && (bad < -1 || bad >= ncols))
		abort();
	for (int c = 0; c < ncols; c++) {
		int64_t v;
		(void)schema_read_unread(map, rec, c, &v);
	}
}

static void rows_under_builtin(const uint8_t *data, size_t size)
{
	fuzz_pull p = {data, size, 0, 0, 0};
	ins_opts io = {.source = "fuzz", .encoding = HH_ENC_AUTO};
	hh_instream *in = NULL;
	csv_reader *r = NULL;
	hh_err err;
	if (ins_open_pull(fuzz_pull_fn, &p, "input", &io, &in, &err) != HH_OK)
		return;
	csv_opts co = {.delim = ',', .max_record = FUZZ_CSV_MAX};
	if (csv_open(in, &co, &r, &err) != HH_OK)
		return;
	schema_map maps[SRC_COUNT];
	int mapped[SRC_COUNT] = {0};
	hh_record rec;
	int got = 0;
	if (csv_next(r, &rec, &got, &err) == HH_OK && got)
		for (int i = 0; i < SRC_COUNT; i++) {
			const schema_source *src =
				schema_source_by_name(builtin, source_name((source_id)i));
			mapped[i] = src && schema_map_header(src, &rec, &maps[i], &err) == HH_OK;
		}
	while (got && csv_next(r, &rec, &got, &err) == HH_OK && got)
		for (int i = 0; i < SRC_COUNT; i++)
			if (mapped[i])
				check_row(&maps[i], &rec);
	csv_close(r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	hh_err err;
	if (!builtin && schema_new(&builtin, &err) != HH_OK)
		fuzz_die(err.msg);

	char *text = fuzz_cstr(data, size);
	schema *s = NULL;
	if (schema_parse(text, "fuzz.schema", &s, &err) == HH_OK) {
		walk_schema(s);
		schema_free(s);
	}
	free(text);

	rows_under_builtin(data, size);
	return 0;
}
