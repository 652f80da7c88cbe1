/*
 * test_sources.c - domain/sources.c, the five source names: the
 * contract's order, the schema's names and the command line's options,
 * lookups by either name and nothing else, and agreement with the
 * sources of the embedded schemas/sources.schema.
 */
#include <criterion/criterion.h>

#include <string.h>

#include "domain/schema.h"
#include "domain/sources.h"

Test(sources, contract_order_and_names)
{
	static const char *const names[] = {"civil_affairs", "education", "hr", "housing",
					    "medical"};
	static const char *const options[] = {"civil-affairs", "education", "hr", "housing",
					      "medical"};
	cr_assert_eq(SRC_COUNT, 5);
	cr_assert_eq(SRC_CIVIL_AFFAIRS, 0);
	cr_assert_eq(SRC_MEDICAL, 4);
	for (int s = 0; s < SRC_COUNT; s++) {
		cr_assert_str_eq(source_name((source_id)s), names[s]);
		cr_assert_str_eq(source_option((source_id)s), options[s]);
	}
	cr_assert_str_eq(source_name(SRC_EDUCATION), "education");
	cr_assert_str_eq(source_name(SRC_HR), "hr");
	cr_assert_str_eq(source_name(SRC_HOUSING), "housing");
}

Test(sources, option_is_the_name_with_dashes)
{
	for (int s = 0; s < SRC_COUNT; s++) {
		const char *n = source_name((source_id)s), *o = source_option((source_id)s);
		cr_assert_eq(strlen(n), strlen(o));
		for (size_t i = 0; n[i]; i++)
			cr_assert_eq(o[i], n[i] == '_' ? '-' : n[i], "%s vs %s", n, o);
	}
}

Test(sources, by_name_finds_both_spellings)
{
	for (int s = 0; s < SRC_COUNT; s++) {
		cr_assert_eq(source_by_name(source_name((source_id)s)), s);
		cr_assert_eq(source_by_name(source_option((source_id)s)), s);
	}
	cr_assert_eq(source_by_name("civil_affairs"), SRC_CIVIL_AFFAIRS);
	cr_assert_eq(source_by_name("civil-affairs"), SRC_CIVIL_AFFAIRS);
	cr_assert_eq(source_by_name("medical"), SRC_MEDICAL);
}

Test(sources, by_name_is_exact)
{
	static const char *const bad[] = {
		"",          "civil",     "civil affairs", "Civil_Affairs", "MEDICAL",
		"medical ",  " medical",  "medicals",      "med",           "hr\n",
		"civilaffairs", "civil__affairs", "education.csv", "民政",   "roster",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		cr_assert_eq(source_by_name(bad[i]), -1, "'%s' found", bad[i]);
}

Test(sources, the_schemas_sources)
{
	schema *sc = NULL;
	hh_err err = {{0}};
	cr_assert_eq(schema_new(&sc, &err), HH_OK, "%s", err.msg);
	cr_assert_eq(schema_nsources(sc), (size_t)SRC_COUNT);
	for (int s = 0; s < SRC_COUNT; s++) {
		const schema_source *src = schema_source_by_name(sc, source_name((source_id)s));
		cr_assert_not_null(src, "%s is not in the schema", source_name((source_id)s));
		cr_assert_str_eq(src->name, source_name((source_id)s));
	}
	schema_free(sc);
}
