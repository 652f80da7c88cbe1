/*
 * test_labels.c - domain/labels.h: the built-in labels (schemas/labels.schema
 * and the enumerations of sources.schema), lookups in both languages, and
 * the parser's refusals.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "domain/labels.h"
#include "present/present.h"

Test(labels, built_in_reasons_levels_and_enumerations)
{
	labels *l = NULL;
	hh_err err = {{0}};
	cr_assert_eq(labels_new(&l, &err), HH_OK, "%s", err.msg);
	cr_assert_str_eq(labels_get(l, "reason", "R_ZEROJOB", LANG_ZH), "零就业家庭");
	cr_assert_str_eq(labels_get(l, "reason", "R_ZEROJOB", LANG_EN),
			 "zero-employment household");
	cr_assert_str_eq(labels_get(l, "level", "high", LANG_ZH), "高风险");
	cr_assert_str_eq(labels_get(l, "kind", "de-escalated", LANG_EN), "de-escalated");
	/* from sources.schema: the first Chinese label of each code */
	cr_assert_str_eq(labels_get(l, "category", "dibao_edge", LANG_ZH), "低保边缘");
	cr_assert_str_eq(labels_get(l, "category", "dibao_edge", LANG_EN), "dibao_edge");
	cr_assert_str_eq(labels_get(l, "stage", "college", LANG_ZH), "高职");
	cr_assert_null(labels_get(l, "reason", "R_NOSUCH", LANG_ZH));
	cr_assert_null(labels_get(l, "nosuchgroup", "high", LANG_ZH));
	cr_assert_str_eq(labels_text(l, "reason", "R_NOSUCH", LANG_ZH), "R_NOSUCH");
	labels_free(l);
	labels_free(NULL);
}

Test(labels, every_finding_and_reason_has_both_labels)
{
	static const char *codes[] = {"R_INCOME", "R_MEDICAL", "R_EDUCATION", "R_DROPOUT",
				      "R_JOBLOSS", "R_INCOME_DROP", "R_ZEROJOB", "R_DISASTER",
				      "R_CARE"};
	static const char *findings[] = {"A_DECEASED", "A_PUBLIC_SECTOR", "A_MULTI_PROPERTY",
					 "A_HIGH_INCOME", "D_DUP_ROW", "D_MULTI_HOUSEHOLD",
					 "D_ID_REPAIRED", "D_ID_LINKED", "D_ID_CONFLICT",
					 "D_INCONSISTENT_INCOME", "X_DISCOVERY"};
	labels *l = NULL;
	hh_err err = {{0}};
	cr_assert_eq(labels_new(&l, &err), HH_OK, "%s", err.msg);
	for (size_t i = 0; i < sizeof codes / sizeof *codes; i++)
		cr_expect(labels_get(l, "reason", codes[i], LANG_ZH) &&
				  labels_get(l, "reason", codes[i], LANG_EN), "%s", codes[i]);
	for (size_t i = 0; i < sizeof findings / sizeof *findings; i++)
		cr_expect(labels_get(l, "finding", findings[i], LANG_ZH) &&
				  labels_get(l, "finding", findings[i], LANG_EN), "%s", findings[i]);
	labels_free(l);
}

Test(labels, parser_refuses_what_would_show_wrong)
{
	labels *l = NULL;
	hh_err err = {{0}};
	cr_assert_eq(labels_parse("group g\n  A  甲 | a\nend\n", "t", &l, &err), HH_OK);
	cr_assert_str_eq(labels_get(l, "g", "A", LANG_ZH), "甲");
	labels_free(l);
	cr_assert_neq(labels_parse("group g\n  A  甲\nend\n", "t", &l, &err), HH_OK);
	cr_assert(strstr(err.msg, "t line 2"), "%s", err.msg);
	cr_assert_neq(labels_parse("group g\n  A 甲 | a\n  A 乙 | b\nend\n", "t", &l, &err),
		      HH_OK);
	cr_assert(strstr(err.msg, "two entries"), "%s", err.msg);
	cr_assert_neq(labels_parse("group g\n  A 甲 | a\n", "t", &l, &err), HH_OK);
	cr_assert_neq(labels_parse("  A 甲 | a\n", "t", &l, &err), HH_OK);
}

Test(present, county_is_the_region_prefix)
{
	char c[13];
	cr_assert_str_eq(present_county("640122001001", 6, c, sizeof c), "640122");
	cr_assert_str_eq(present_county("6401", 6, c, sizeof c), "6401");
	cr_assert_str_eq(present_county("640122001001", 4, c, sizeof c), "6401");
}

Test(labels, join_labels_each_code_and_keeps_unknown_ones)
{
	labels *l = NULL;
	hh_err err = {{0}};
	cr_assert_eq(labels_new(&l, &err), HH_OK, "%s", err.msg);
	strbuf b = STRBUF_INIT;
	labels_join(l, "reason", "R_ZEROJOB;R_NOSUCH;R_CARE", "、", LANG_ZH, &b);
	cr_assert_str_eq(sb_str(&b), "零就业家庭、R_NOSUCH、高龄或重度残疾独居");
	sb_reset(&b);
	labels_join(l, "reason", "", "、", LANG_ZH, &b);
	cr_assert_str_eq(sb_str(&b), "");
	sb_release(&b);
	labels_free(l);
}
