/*
 * test_schema.c - the built-in schemas (schemas/sources.schema), header
 * mapping with English and Chinese names, and row validation reasons.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "domain/schema.h"

static schema *sc;

static void setup(void)
{
	hh_err err;
	cr_assert_eq(schema_new(&sc, &err), HH_OK, "%s", err.msg);
}

static void teardown(void) { schema_free(sc); }

TestSuite(schema, .init = setup, .fini = teardown);

/* A record from a comma-separated line (no quoting needed in tests). */
typedef struct {
	char buf[1024];
	hh_field f[64];
	hh_record rec;
} rec_buf;

static const hh_record *mkrec(rec_buf *b, const char *line)
{
	snprintf(b->buf, sizeof b->buf, "%s", line);
	size_t n = 0;
	char *p = b->buf;
	for (;;) {
		char *c = strchr(p, ',');
		b->f[n].ptr = p;
		b->f[n].len = (uint32_t)(c ? (size_t)(c - p) : strlen(p));
		n++;
		if (!c)
			break;
		p = c + 1;
	}
	b->rec = (hh_record){.fields = b->f, .nfields = n, .line = 2};
	return &b->rec;
}

Test(schema, five_sources_with_contract_columns)
{
	const char *names[] = {"civil_affairs", "education", "hr", "housing", "medical"};
	cr_assert_eq(schema_nsources(sc), 5);
	for (int i = 0; i < 5; i++)
		cr_assert_not_null(schema_source_by_name(sc, names[i]), "%s", names[i]);
	const schema_source *ca = schema_source_by_name(sc, "civil_affairs");
	const char *req[] = {"household_id", "region_code", "category", "household_income"};
	for (int i = 0; i < 4; i++) {
		int c = schema_col_index(ca, req[i]);
		cr_assert_geq(c, 0);
		cr_assert_eq(ca->cols[c].presence, PRES_REQUIRED, "%s", req[i]);
	}
	cr_assert_eq(schema_col_index(ca, "no_such"), -1);
}

Test(schema, chinese_headers_map_to_canonical_columns)
{
	rec_buf b;
	schema_map m;
	hh_err err;
	const schema_source *ca = schema_source_by_name(sc, "civil_affairs");
	cr_assert_eq(schema_map_header(ca,
				       mkrec(&b, " 家庭编号 ,公民身份号码,行政区划代码,救助类别,家庭年收入,姓名,备注"),
				       &m, &err),
		     HH_OK, "%s", err.msg);
	cr_assert_eq(m.field_of_col[schema_col_index(ca, "household_id")], 0);
	cr_assert_eq(m.identity_col, schema_col_index(ca, "id_number"));
	cr_assert_eq(m.field_of_col[schema_col_index(ca, "name")], 5);
	cr_assert_not(m.has_pid);
	cr_assert_eq(m.nfields, 7); /* the unknown column 备注 is ignored, not fatal */
}

Test(schema, english_names_match_case_insensitively)
{
	rec_buf b;
	schema_map m;
	hh_err err;
	const schema_source *md = schema_source_by_name(sc, "medical");
	cr_assert_eq(schema_map_header(md, mkrec(&b, "ID_NUMBER,Settle_Date,OUT_OF_POCKET"),
				       &m, &err),
		     HH_OK, "%s", err.msg);
}

Test(schema, missing_required_column_names_it_and_the_accepted_names)
{
	rec_buf b;
	schema_map m;
	hh_err err;
	const schema_source *md = schema_source_by_name(sc, "medical");
	cr_assert_eq(schema_map_header(md, mkrec(&b, "id_number,settle_date"), &m, &err),
		     HH_EINPUT);
	cr_assert(strstr(err.msg, "'out_of_pocket'"), "%s", err.msg);
	cr_assert(strstr(err.msg, "个人自付"), "%s", err.msg);
}

Test(schema, identity_column_rules)
{
	rec_buf b;
	schema_map m;
	hh_err err;
	const schema_source *ho = schema_source_by_name(sc, "housing");
	cr_assert_eq(schema_map_header(ho, mkrec(&b, "property_count"), &m, &err), HH_EINPUT);
	cr_assert(strstr(err.msg, "id_number"), "%s", err.msg);
	cr_assert(strstr(err.msg, "身份证号"), "%s", err.msg);
	cr_assert_eq(schema_map_header(ho, mkrec(&b, "id_number,pid"), &m, &err), HH_EINPUT);
	cr_assert_eq(schema_map_header(ho, mkrec(&b, "pid,birth_date,sex"), &m, &err), HH_OK);
	cr_assert(m.has_pid);
	cr_assert_geq(m.field_of_col[schema_col_index(ho, "birth_date")], 0);
	/* birth_date is read only beside pid: with an ID number it is ignored */
	cr_assert_eq(schema_map_header(ho, mkrec(&b, "id_number,birth_date"), &m, &err), HH_OK);
	cr_assert_eq(m.field_of_col[schema_col_index(ho, "birth_date")], -1);
}

Test(schema, duplicate_column_is_an_error)
{
	rec_buf b;
	schema_map m;
	hh_err err;
	const schema_source *ho = schema_source_by_name(sc, "housing");
	cr_assert_eq(schema_map_header(ho, mkrec(&b, "id_number,房产套数,property_count"), &m,
				       &err),
		     HH_EINPUT);
	cr_assert(strstr(err.msg, "twice"), "%s", err.msg);
}

/* Validates one medical row against a fixed header; returns the reason. */
static const char *medical_row(const char *line, schema_row *row, int *bad)
{
	static rec_buf hb, rb;
	static schema_map m;
	hh_err err;
	const schema_source *md = schema_source_by_name(sc, "medical");
	cr_assert_eq(schema_map_header(md,
				       mkrec(&hb, "id_number,settle_date,out_of_pocket,"
						  "inpatient,insured_status,total_cost"),
				       &m, &err),
		     HH_OK);
	return schema_parse_row(&m, mkrec(&rb, line), row, bad);
}

Test(schema, row_values_are_typed)
{
	schema_row row;
	int bad;
	const schema_source *md = schema_source_by_name(sc, "medical");
	cr_assert_null(medical_row("x,2026-02-28,12.5,1,死亡,", &row, &bad));
	cr_assert_eq(row.val[schema_col_index(md, "settle_date")], 20260228);
	cr_assert_eq(row.val[schema_col_index(md, "out_of_pocket")], 1250);
	cr_assert_eq(row.val[schema_col_index(md, "inpatient")], 1);
	int st = schema_col_index(md, "insured_status");
	cr_assert_eq(row.val[st], schema_enum_code(md->cols[st].en, "deceased"));
	cr_assert_not(row.present & (1u << schema_col_index(md, "total_cost")));
	cr_assert_null(medical_row("x,20260228,0,0,deceased,3", &row, &bad));
	cr_assert_eq(row.val[st], schema_enum_code(md->cols[st].en, "deceased"));
	/* codes match whatever their case; a near miss does not */
	cr_assert_null(medical_row("x,20260228,0,0,DeCeAsEd,3", &row, &bad));
	cr_assert_eq(row.val[st], schema_enum_code(md->cols[st].en, "deceased"));
	cr_assert_null(medical_row("x,20260228,0,0,ACTIVE,3", &row, &bad));
	cr_assert_eq(row.val[st], schema_enum_code(md->cols[st].en, "active"));
	cr_assert_str_eq(medical_row("x,20260228,0,0,deceasee,3", &row, &bad), "bad_enum");
	cr_assert_str_eq(medical_row("x,20260228,0,0,$eceased,3", &row, &bad), "bad_enum");
}

Test(schema, row_reject_reasons)
{
	schema_row row;
	int bad;
	const schema_source *md = schema_source_by_name(sc, "medical");
	struct {
		const char *line, *reason, *col;
	} cases[] = {
		{"x,2026-02-30,1,0,active,", "bad_date", "settle_date"},
		{"x,2026-02-28,-1,0,active,", "negative_money", "out_of_pocket"},
		{"x,2026-02-28,1.234,0,active,", "bad_money", "out_of_pocket"},
		{"x,2026-02-28,1,2,active,", "bad_flag", "inpatient"},
		{"x,2026-02-28,1,0,alive,", "bad_enum", "insured_status"},
		{"x,,1,0,active,", "missing_value", "settle_date"},
		{",2026-02-28,1,0,active,", "missing_value", "id_number"},
		{"x,2026-02-28,1,0,active", "column_count", NULL},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const char *why = medical_row(cases[i].line, &row, &bad);
		cr_assert_not_null(why, "%s", cases[i].line);
		cr_assert_str_eq(why, cases[i].reason, "%s", cases[i].line);
		if (cases[i].col)
			cr_assert_eq(bad, schema_col_index(md, cases[i].col), "%s", cases[i].line);
	}
}

Test(schema, trim_handles_ideographic_space)
{
	hh_field f = {.ptr = "\xe3\x80\x80 abc \xe3\x80\x80", .len = 11};
	hh_field t = schema_trim(f);
	cr_assert_eq(t.len, 3);
	cr_assert(!memcmp(t.ptr, "abc", 3));
}

Test(schema, bad_schema_text_is_rejected_with_line)
{
	schema *s = NULL;
	hh_err err;
	cr_assert_neq(schema_parse("source x 甲\n  a nosuchtype required\nend\n", "t", &s, &err),
		      HH_OK);
	cr_assert(strstr(err.msg, "line 2"), "%s", err.msg);
	cr_assert_neq(schema_parse("enum e\n  a b\n", "t", &s, &err), HH_OK);
	cr_assert(strstr(err.msg, "end"), "%s", err.msg);
}
