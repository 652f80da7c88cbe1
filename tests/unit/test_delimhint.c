/*
 * test_delimhint.c - domain/delimhint.h: which other delimiter would make
 * a header the source's.
 *
 * A header is given as the reader would hand it over after splitting on
 * the delimiter it used (one field when the real delimiter never
 * occurs), and the hint must name the delimiter that maps it: ';' and '|'
 * in a comma-read file, a tab in a .csv, ',' in a .tsv; none when the
 * header maps already under no other delimiter, when the other split
 * still lacks a required column, or when there is nothing to split on.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "domain/delimhint.h"

static schema *sc;

static void setup(void)
{
	hh_err err;
	cr_assert_eq(schema_new(&sc, &err), HH_OK, "%s", err.msg);
}

static void teardown(void) { schema_free(sc); }

TestSuite(delimhint, .init = setup, .fini = teardown);

/* The hint for header text split on used, as csv.c would split it. */
static char hint(const char *source, const char *text, char used)
{
	hh_field f[64];
	size_t n = 0;
	const char *start = text;
	for (const char *p = text;; p++) {
		if (*p == used || !*p) {
			f[n++] = (hh_field){start, (uint32_t)(p - start)};
			start = p + 1;
		}
		if (!*p)
			break;
	}
	hh_record rec = {.fields = f, .nfields = n, .line = 1};
	return delimhint_find(schema_source_by_name(sc, source), &rec, used);
}

Test(delimhint, finds_the_delimiter)
{
	cr_assert_eq(hint("housing", "id_number;property_count;dangerous_rating", ','), ';');
	cr_assert_eq(hint("housing", "id_number|property_count", ','), '|');
	cr_assert_eq(hint("housing", "id_number\tproperty_count", ','), '\t');
	cr_assert_eq(hint("housing", "id_number,property_count", '\t'), ',');
	/* Chinese aliases and the roster's required columns */
	cr_assert_eq(hint("civil_affairs", "家庭编号;身份证号码;姓名;行政区划代码;类别;家庭年收入;"
				  "与户主关系;残疾等级;状态", ','), ';');
	/* the reader split some of it already (a ',' inside): still found */
	cr_assert_eq(hint("housing", "id_number;property_count,x;y", ','), ';');
}

Test(delimhint, none_when_nothing_maps)
{
	/* no other delimiter in the text */
	cr_assert_eq(hint("housing", "idnumber", ','), 0);
	/* split on ';' the identity column is still missing */
	cr_assert_eq(hint("housing", "number;property_count", ','), 0);
	/* the roster without its household column */
	cr_assert_eq(hint("civil_affairs", "id_number;name", ','), 0);
	/* the delimiter in use is never suggested */
	cr_assert_eq(hint("housing", "id_number;property_count", ';'), 0);
	cr_assert_eq(delimhint_find(NULL, NULL, ','), 0);
}

Test(delimhint, names)
{
	char b[4];
	cr_assert_str_eq(delimhint_name('\t', b), "tab");
	cr_assert_str_eq(delimhint_name(';', b), ";");
	cr_assert_str_eq(delimhint_name('|', b), "|");
}
