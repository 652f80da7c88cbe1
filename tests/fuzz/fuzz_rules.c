/*
 * fuzz_rules.c - libFuzzer target: a `--rules FILE` override
 * (matcher/domain/rules.h, rules_new over the embedded defaults).
 *
 * The input is the override file's bytes, written to the target's
 * private folder.  When it is accepted, the rules are used as a run uses
 * them (rules_eval on an empty and on a very large household, the
 * income line of a region, the report's JSON and digest), and the
 * canonical text is checked to be what rules.h promises: itself a rules
 * file that, read back, gives the same canonical text.
 */
#include "fuzz_util.h"

#include "base/json.h"
#include "base/strbuf.h"
#include "domain/rules.h"

static void use_rules(const rules *r)
{
	static const char region[] = "640122001001";
	rules_facts none = {.region_code = region, .region_len = 12};
	rules_facts big = {.region_code = region,
			   .region_len = 6,
			   .members = 1000,
			   .household_income_fen = INT64_C(99999999999999999),
			   .oop_12m_fen = INT64_C(99999999999999999),
			   .edu_net_fen = INT64_C(99999999999999999),
			   .dropout_child = 1,
			   .jobloss = 1,
			   .income_drop = 1,
			   .able_working = 3,
			   .able_working_in_hr = 3,
			   .disaster = 1,
			   .single_care = 1};
	rules_result res;
	rules_eval(r, &none, &res);
	rules_eval(r, &big, &res);
	(void)rules_income_line(r, region, 12);
	(void)rules_income_line(r, region, 0);
	char hex[65];
	(void)rules_sha256(r, hex);
	json_t *j = rules_settings_json(r);
	json_decref(j);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *path = fuzz_write("rules.txt", data, size);
	rules *r = NULL;
	hh_err err;
	if (rules_new(path, &r, &err) != HH_OK)
		return 0;
	use_rules(r);

	strbuf canon = STRBUF_INIT, again = STRBUF_INIT;
	if (rules_canonical_text(r, &canon) != 0)
		fuzz_die("out of memory");
	rules_free(r);
	r = NULL;
	const char *back = fuzz_write("canonical.txt", (const uint8_t *)sb_str(&canon), canon.len);
	if (rules_new(back, &r, &err) != HH_OK) {
		fprintf(stderr, "canonical rules text refused: %s\n", err.msg);
		abort();
	}
	if (rules_canonical_text(r, &again) != 0)
		fuzz_die("out of memory");
	if (again.len != canon.len || memcmp(sb_str(&again), sb_str(&canon), canon.len) != 0) {
		fprintf(stderr, "canonical rules text changed when read back\n");
		abort();
	}
	rules_free(r);
	sb_release(&canon);
	sb_release(&again);
	return 0;
}
