/*
 * test_idnum.c - ID number normalisation, validation, 15-to-18 conversion,
 * one-typo repairs, dates and ages (matcher/idnum.c), and the conformance
 * vectors other projects' test suites assert (tests/data/conformance/ids).
 *
 * The published example 11010519491231002X (GB 11643-1999) anchors the
 * check-character arithmetic; other numbers are built with make_id so
 * that their check character is right and only the property under test
 * is wrong.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "domain/idnum.h"
#include "domain/period.h"

#include "conformance.h"

#define EXAMPLE "11010519491231002X"

static id_result norm(const char *raw, int period, char out[19])
{
	return idnum_normalize(raw, strlen(raw), period, out);
}

/* region(6) + date(8) + seq(3) + computed check character. */
static void make_id(char out[19], const char *region, const char *date,
		    const char *seq)
{
	memcpy(out, region, 6);
	memcpy(out + 6, date, 8);
	memcpy(out + 14, seq, 3);
	out[17] = idnum_check_char(out);
	out[18] = '\0';
}

Test(idnum, published_example_is_valid)
{
	char out[19];
	cr_assert_eq(idnum_check_char(EXAMPLE), 'X');
	cr_assert_eq(norm(EXAMPLE, 202611, out), ID_OK);
	cr_assert_str_eq(out, EXAMPLE);
	cr_assert_eq(idnum_birth_date(out), 19491231);
	cr_assert_eq(idnum_sex(out), 2); /* sequence 002: even, female */
	out[16] = '3';
	cr_assert_eq(idnum_sex(out), 1);
}

Test(idnum, normalises_case_fullwidth_and_spaces)
{
	static const char *const forms[] = {
		"11010519491231002x",
		"  11010519491231002X  ",
		"\t11010519491231002x\r\n",
		"\xe3\x80\x80" "11010519491231002X" "\xe3\x80\x80 ",
		/* １１０１０５１９４９１２３１００２Ｘ */
		"\xef\xbc\x91\xef\xbc\x91\xef\xbc\x90\xef\xbc\x91\xef\xbc\x90"
		"\xef\xbc\x95\xef\xbc\x91\xef\xbc\x99\xef\xbc\x94\xef\xbc\x99"
		"\xef\xbc\x91\xef\xbc\x92\xef\xbc\x93\xef\xbc\x91\xef\xbc\x90"
		"\xef\xbc\x90\xef\xbc\x92\xef\xbc\xb8",
		/* mixed: ASCII digits, full-width ２ and ｘ */
		"110105194912310\xef\xbc\x90\xef\xbc\x92\xef\xbd\x98",
	};
	for (size_t i = 0; i < sizeof forms / sizeof forms[0]; i++) {
		char out[19];
		cr_assert_eq(norm(forms[i], 202611, out), ID_OK, "form %zu", i);
		cr_assert_str_eq(out, EXAMPLE, "form %zu", i);
	}
}

Test(idnum, converts_15_digits)
{
	char out[19];
	cr_assert_eq(norm("110105491231002", 202611, out), ID_OK);
	cr_assert_str_eq(out, EXAMPLE);
	cr_assert_eq(norm(" 110105491231002\n", 202611, out), ID_OK);
	cr_assert_str_eq(out, EXAMPLE);
	/* Century is 19: 000229 is 1900-02-29, not a real date. */
	cr_assert_eq(norm("110105000229001", 202611, out), ID_BAD_DATE);
	/* No X anywhere in a 15-digit number. */
	cr_assert_eq(norm("11010549123100X", 202611, out), ID_BAD_CHAR);
}

Test(idnum, failure_kinds)
{
	char out[19];
	cr_assert_eq(idnum_normalize("", 0, 202611, out), ID_EMPTY);
	cr_assert_eq(norm("   \t", 202611, out), ID_EMPTY);
	cr_assert_eq(norm("\xe3\x80\x80", 202611, out), ID_EMPTY);

	cr_assert_eq(norm("1101051949123100", 202611, out), ID_BAD_LENGTH);
	cr_assert_eq(norm("11010519491231002X1", 202611, out), ID_BAD_LENGTH);
	cr_assert_eq(norm("110105 19491231002X", 202611, out), ID_BAD_LENGTH);
	cr_assert_eq(norm("abc", 202611, out), ID_BAD_LENGTH);

	cr_assert_eq(norm("11010519491231002A", 202611, out), ID_BAD_CHAR);
	cr_assert_eq(norm("1101051949123100X2", 202611, out), ID_BAD_CHAR);
	cr_assert_eq(norm("11010519491231-02X", 202611, out), ID_BAD_CHAR);
	/* A CJK character is one (bad) character, so the length is 18. */
	cr_assert_eq(norm("1101051949123100\xe4\xb8\xad" "X", 202611, out),
		     ID_BAD_CHAR);
	/* An embedded NUL is a bad character, not the end. */
	cr_assert_eq(idnum_normalize("11010519491231\0" "02X", 18, 202611, out),
		     ID_BAD_CHAR);

	cr_assert_eq(norm("110105194912310021", 202611, out), ID_BAD_CHECK);
	cr_assert_str_eq(out, "110105194912310021"); /* kept for repair */

	cr_assert_str_eq(idnum_reason(ID_EMPTY), "bad_id_empty");
	cr_assert_str_eq(idnum_reason(ID_BAD_LENGTH), "bad_id_length");
	cr_assert_str_eq(idnum_reason(ID_BAD_CHAR), "bad_id_char");
	cr_assert_str_eq(idnum_reason(ID_BAD_REGION), "bad_id_region");
	cr_assert_str_eq(idnum_reason(ID_BAD_CHECK), "bad_id_check");
	cr_assert_str_eq(idnum_reason(ID_BAD_DATE), "bad_id_date");
	cr_assert_str_eq(idnum_reason(ID_FUTURE_DATE), "bad_id_future");
}

Test(idnum, calendar_dates)
{
	char id[19], out[19];

	make_id(id, "640122", "19900230", "001"); /* 30 February */
	cr_assert_eq(norm(id, 202611, out), ID_BAD_DATE);
	cr_assert_str_eq(out, id);
	make_id(id, "640122", "19900431", "001");
	cr_assert_eq(norm(id, 202611, out), ID_BAD_DATE);
	make_id(id, "640122", "19901301", "001");
	cr_assert_eq(norm(id, 202611, out), ID_BAD_DATE);
	make_id(id, "640122", "19900100", "001");
	cr_assert_eq(norm(id, 202611, out), ID_BAD_DATE);

	make_id(id, "640122", "20230229", "001"); /* common year */
	cr_assert_eq(norm(id, 202611, out), ID_BAD_DATE);
	make_id(id, "640122", "20240229", "001"); /* leap year */
	cr_assert_eq(norm(id, 202611, out), ID_OK);
	make_id(id, "640122", "20000229", "001"); /* divisible by 400 */
	cr_assert_eq(norm(id, 202611, out), ID_OK);
	make_id(id, "640122", "19000229", "001"); /* by 100, not 400 */
	cr_assert_eq(norm(id, 202611, out), ID_BAD_DATE);

	cr_assert(idnum_valid_date(20240229));
	cr_assert(!idnum_valid_date(20230229));
	cr_assert(idnum_valid_date(20000229));
	cr_assert(!idnum_valid_date(19000229));
	cr_assert(idnum_valid_date(19491231));
	cr_assert(!idnum_valid_date(19491232));
	cr_assert(!idnum_valid_date(20230631));
	cr_assert(!idnum_valid_date(101));
	cr_assert(!idnum_valid_date(0));
	cr_assert(!idnum_valid_date(-20240101));
}

Test(idnum, province_codes)
{
	static const char *const provinces[] = {
		"11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33",
		"34", "35", "36", "37", "41", "42", "43", "44", "45", "46", "50",
		"51", "52", "53", "54", "61", "62", "63", "64", "65", "71", "81",
		"82"};
	char id[19], out[19], region[7];
	int ok = 0;
	/* 9x is the foreigner's card (below): its province is in digits 2-3. */
	for (int code = 0; code < 90; code++) {
		snprintf(region, sizeof region, "%02d0102", code);
		make_id(id, region, "19800101", "001");
		int want = 0;
		for (size_t i = 0; i < sizeof provinces / sizeof provinces[0]; i++)
			want |= !strncmp(provinces[i], region, 2);
		id_result r = norm(id, 202611, out);
		cr_assert_eq(r, want ? ID_OK : ID_BAD_REGION, "code %02d", code);
		ok += want;
	}
	cr_assert_eq(ok, 34);

	make_id(id, "000000", "19800101", "001");
	cr_assert_eq(norm(id, 202611, out), ID_BAD_REGION);
	cr_assert_str_eq(out, id); /* kept for repair */
	make_id(id, "999999", "19800101", "001");
	cr_assert_eq(norm(id, 202611, out), ID_BAD_REGION);
	/* Region before date: both wrong reads as a bad region. */
	make_id(id, "000000", "19801301", "001");
	cr_assert_eq(norm(id, 202611, out), ID_BAD_REGION);
	/* 15 digits: the same rule on the converted number. */
	cr_assert_eq(norm("000105491231002", 202611, out), ID_BAD_REGION);
}

Test(idnum, foreigners_permanent_residence_card)
{
	char id[19], out[19];
	/* 9, province 64 (Ningxia), nationality 156-style code, birth date,
	 * sequence, the same check character. */
	make_id(id, "964840", "19850612", "013");
	cr_assert_eq(norm(id, 202611, out), ID_OK);
	cr_assert_str_eq(out, id);
	cr_assert_eq(idnum_birth_date(out), 19850612);
	cr_assert_eq(idnum_sex(out), 1);
	cr_assert_eq(idnum_region(out), 640000);
	make_id(id, "911250", "19850612", "013");
	cr_assert_eq(norm(id, 202611, out), ID_OK);
	cr_assert_eq(idnum_region(out), 110000);
	/* 9 and no province code. */
	make_id(id, "990840", "19850612", "013");
	cr_assert_eq(norm(id, 202611, out), ID_BAD_REGION);
	make_id(id, "900840", "19850612", "013");
	cr_assert_eq(norm(id, 202611, out), ID_BAD_REGION);
	/* A wrong check character is still a bad check. */
	make_id(id, "964840", "19850612", "013");
	id[17] = id[17] == '0' ? '1' : '0';
	cr_assert_eq(norm(id, 202611, out), ID_BAD_CHECK);
	/* A citizen's region is the first six digits. */
	make_id(id, "640122", "19850612", "013");
	cr_assert_eq(norm(id, 202611, out), ID_OK);
	cr_assert_eq(idnum_region(out), 640122);
}

Test(idnum, dates_start_in_1900)
{
	char id[19], out[19];
	make_id(id, "640122", "18000101", "001");
	cr_assert_eq(norm(id, 202611, out), ID_BAD_DATE);
	cr_assert_str_eq(out, id);
	make_id(id, "640122", "18991231", "001");
	cr_assert_eq(norm(id, 202611, out), ID_BAD_DATE);
	make_id(id, "640122", "19000101", "001");
	cr_assert_eq(norm(id, 202611, out), ID_OK);
	make_id(id, "640122", "00010101", "001");
	cr_assert_eq(norm(id, 202611, out), ID_BAD_DATE);
}

/* Other projects' verdicts (tests/data/conformance/ids/vectors.jsonl, one
 * assertion of one project's test suite per line: input, ext = valid,
 * invalid or either, and for a 15-digit number the 18-digit upgrade it
 * expects).  Where hhmatch's contract says otherwise, the assertion is
 * listed here, as "SRC INPUT", with why; these are the only
 * disagreements (conformance.h). */
#define NOTE_REGION "not a GB/T 2260 province-level code (83 is the " \
	"Taiwan residents' permit, 38/48/88/99 no province); the contract " \
	"lists the codes"
#define NOTE_CHECK "the check character is wrong: that project does not " \
	"verify it, the contract does"
#define NOTE_1900 "born before 1900-01-01: the contract's dates start there"
#define NOTE_PROVINCE_ONLY "the strict project checks the county code's " \
	"publication date; the contract checks the province only"

static conf_diff id_diffs[] = {
	CONF_DIFF("ids", "jxphp 830000199201300022", NOTE_REGION),
	CONF_DIFF("ids", "jxpy 500154199301135886", NOTE_PROVINCE_ONLY),
	CONF_DIFF("ids", "jxpy 830000199201300022", NOTE_REGION),
	CONF_DIFF("ids", "gog 830000199201300022", NOTE_REGION),
	CONF_DIFF("ids", "hutool 830000200209060065", NOTE_REGION),
	CONF_DIFF("ids", "stdnum1 486268198802140611", NOTE_REGION),
	CONF_DIFF("ids", "stdnum1 387908198001010226", NOTE_REGION),
	CONF_DIFF("ids", "stdnum1 38064219921117061X", NOTE_REGION),
	CONF_DIFF("ids", "is2 140622209101019893", NOTE_CHECK),
	CONF_DIFF("ids", "is2 140622209101019883", NOTE_CHECK),
	CONF_DIFF("ids", "rust1 440524188001010014", NOTE_1900),
	CONF_DIFF("ids", "jzmaven 110110190010109999", NOTE_CHECK),
	CONF_DIFF("ids", "jzmaven 99999919001010999X", NOTE_REGION),
	CONF_DIFF("ids", "jzmaven 888888201111118888", NOTE_REGION),
	CONF_DIFF("ids", "goid 11010119900307411X", NOTE_CHECK),
};

Test(idnum, conformance_vectors)
{
	size_t n;
	char *text = conf_slurp("ids/vectors.jsonl", &n);
	conf_tally t = { .corpus = "ids" };
	unsigned upgrades = 0;

	for (char *line = text, *end; line < text + n; line = end + 1) {
		end = memchr(line, '\n', (size_t)(text + n - line));
		if (!end)
			end = text + n;
		if (end == line)
			continue;
		json_error_t je;
		json_t *v = json_loadb(line, (size_t)(end - line), 0, &je);
		cr_assert_not_null(v, "ids/vectors.jsonl: line %u: %s", t.cases + 1, je.text);
		const char *src = hj_str(v, "src"), *in = hj_str(v, "input");
		const char *ext = hj_str(v, "ext"), *up = hj_str(v, "upgrade");
		cr_assert(src && in && ext, "ids/vectors.jsonl: line %u: src, input "
			  "or ext missing", t.cases + 1);
		cr_assert(!strcmp(ext, "valid") || !strcmp(ext, "invalid") ||
			  !strcmp(ext, "either"), "%s %s: ext %s", src, in, ext);

		char out[19], name[128], detail[160];
		id_result r = idnum_normalize(in, strlen(in), 202611, out);
		int agree = !strcmp(ext, "either") ||
			    !strcmp(ext, "valid") == (r == ID_OK);
		if (up && r == ID_OK) {
			upgrades++;
			agree = agree && !strcmp(out, up);
		}
		snprintf(name, sizeof name, "%s %s", src, in);
		snprintf(detail, sizeof detail, "they say %s, hhmatch %s", ext,
			 idnum_reason(r));
		conf_verdict(id_diffs, sizeof id_diffs / sizeof id_diffs[0], &t, name,
			     agree, detail);
		json_decref(v);
	}
	conf_finish(id_diffs, sizeof id_diffs / sizeof id_diffs[0], &t, 243);
	cr_expect_eq(upgrades, 3, "15-to-18 upgrades checked: %u", upgrades);
	free(text);
}

Test(idnum, future_dates_against_the_period)
{
	char id[19], out[19];

	make_id(id, "640122", "20261201", "001");
	cr_assert_eq(norm(id, 202611, out), ID_FUTURE_DATE);
	cr_assert_str_eq(out, id);
	cr_assert_eq(norm(id, 202612, out), ID_OK);
	make_id(id, "640122", "20261130", "001"); /* last day of 202611 */
	cr_assert_eq(norm(id, 202611, out), ID_OK);
	make_id(id, "640122", "20240229", "001");
	cr_assert_eq(norm(id, 202402, out), ID_OK);
	cr_assert_eq(norm(id, 202401, out), ID_FUTURE_DATE);
	/* No period (pseudonymize): no upper bound. */
	make_id(id, "640122", "20991231", "001");
	cr_assert_eq(norm(id, 0, out), ID_OK);
	cr_assert_eq(norm(id, 202611, out), ID_FUTURE_DATE);
}

Test(idnum, period_end)
{
	cr_assert_eq(period_end(202611), 20261130);
	cr_assert_eq(period_end(202612), 20261231);
	cr_assert_eq(period_end(202601), 20260131);
	cr_assert_eq(period_end(202402), 20240229);
	cr_assert_eq(period_end(202302), 20230228);
	cr_assert_eq(period_end(200002), 20000229);
	cr_assert_eq(period_end(190002), 19000228);
	cr_assert_eq(period_end(202613), 0);
	cr_assert_eq(period_end(202600), 0);
	cr_assert_eq(period_end(0), 0);
	cr_assert_eq(period_end(2026), 0);
	cr_assert_eq(period_end(20261130), 0);
}

Test(idnum, age_at_birthdays)
{
	cr_assert_eq(idnum_age(19491231, 20241230), 74);
	cr_assert_eq(idnum_age(19491231, 20241231), 75);
	cr_assert_eq(idnum_age(19491231, 20250101), 75);
	cr_assert_eq(idnum_age(20100615, 20260614), 15);
	cr_assert_eq(idnum_age(20100615, 20260615), 16);
	cr_assert_eq(idnum_age(20261130, 20261130), 0);
	/* Born 29 February: a year older on 1 March in common years. */
	cr_assert_eq(idnum_age(20000229, 20230228), 22);
	cr_assert_eq(idnum_age(20000229, 20230301), 23);
	cr_assert_eq(idnum_age(20000229, 20240228), 23);
	cr_assert_eq(idnum_age(20000229, 20240229), 24);
	/* Age at the end of the run period, as the rules take it. */
	cr_assert_eq(idnum_age(19461130, period_end(202611)), 80);
	cr_assert_eq(idnum_age(19461201, period_end(202611)), 79);
}

/* ---- repairs ---- */

#define MAXC 256

typedef struct {
	char c[MAXC][19];
	size_t n;
	size_t stop_after; /* 0: never stop */
} collect;

static int collect_fn(const char cand[19], void *ctx)
{
	collect *k = ctx;
	cr_assert_eq(strlen(cand), 18);
	if (k->n < MAXC)
		memcpy(k->c[k->n], cand, 19);
	k->n++;
	return k->stop_after && k->n >= k->stop_after;
}

static int contains(const collect *k, const char *id)
{
	for (size_t i = 0; i < k->n && i < MAXC; i++)
		if (!strcmp(k->c[i], id))
			return 1;
	return 0;
}

/* Every candidate valid, distinct, not bad itself, and one substitution
 * or one adjacent transposition away from bad. */
static void check_candidates(const collect *k, const char *bad, int period)
{
	cr_assert_lt(k->n, MAXC);
	for (size_t i = 0; i < k->n; i++) {
		char out[19];
		const char *c = k->c[i];
		cr_assert_eq(norm(c, period, out), ID_OK, "candidate %zu", i);
		cr_assert_str_neq(c, bad);
		for (size_t j = 0; j < i; j++)
			cr_assert_str_neq(c, k->c[j], "duplicate candidate");
		int diff[18], nd = 0;
		for (int p = 0; p < 18; p++)
			if (c[p] != bad[p])
				diff[nd++] = p;
		int subst = nd == 1;
		int transp = nd == 2 && diff[1] == diff[0] + 1 &&
			     c[diff[0]] == bad[diff[1]] &&
			     c[diff[1]] == bad[diff[0]];
		cr_assert(subst || transp, "candidate %zu is not one typo away",
			  i);
	}
}

Test(idnum, repair_substitution)
{
	char bad[19] = EXAMPLE, out[19];
	bad[14] = '7'; /* sequence 002 typed as 702 */
	cr_assert_eq(norm(bad, 202611, out), ID_BAD_CHECK);

	collect k = {.n = 0};
	size_t n = idnum_repairs(out, 202611, collect_fn, &k);
	cr_assert_eq(n, k.n);
	cr_assert(contains(&k, EXAMPLE));
	check_candidates(&k, bad, 202611);
	/* At most one digit per place fixes the check (weights are units
	 * mod 11), plus transpositions: a few dozen at most. */
	cr_assert_geq(n, 2);
	cr_assert_leq(n, 18 + 17);
}

Test(idnum, repair_transposition)
{
	char bad[19] = EXAMPLE, out[19];
	bad[15] = '2'; /* 002 typed as 020 */
	bad[16] = '0';
	cr_assert_eq(norm(bad, 202611, out), ID_BAD_CHECK);

	collect k = {.n = 0};
	size_t n = idnum_repairs(out, 202611, collect_fn, &k);
	cr_assert(contains(&k, EXAMPLE));
	check_candidates(&k, bad, 202611);
	cr_assert_leq(n, 18 + 17);
}

Test(idnum, repair_of_a_bad_date)
{
	char bad[19] = EXAMPLE, out[19];
	bad[10] = '3'; /* month 12 typed as 32 */
	cr_assert_eq(norm(bad, 202611, out), ID_BAD_DATE);

	collect k = {.n = 0};
	idnum_repairs(out, 202611, collect_fn, &k);
	cr_assert(contains(&k, EXAMPLE));
	check_candidates(&k, bad, 202611);
}

Test(idnum, repair_of_the_check_character)
{
	char bad[19] = EXAMPLE, out[19];
	bad[17] = '5';
	cr_assert_eq(norm(bad, 202611, out), ID_BAD_CHECK);

	collect k = {.n = 0};
	idnum_repairs(out, 202611, collect_fn, &k);
	cr_assert(contains(&k, EXAMPLE)); /* 5 -> X in the last place */
	check_candidates(&k, bad, 202611);
	/* X never moves into the body. */
	for (size_t i = 0; i < k.n; i++)
		cr_assert_null(memchr(k.c[i], 'X', 17));
}

Test(idnum, repairs_respect_the_period)
{
	/* Born 20261201 is valid in 202612 but a candidate only then. */
	char good[19], bad[19];
	make_id(good, "640122", "20261201", "001");
	memcpy(bad, good, 19);
	bad[15] = bad[15] == '9' ? '8' : (char)(bad[15] + 1);

	collect k = {.n = 0};
	idnum_repairs(bad, 202612, collect_fn, &k);
	cr_assert(contains(&k, good));
	collect k2 = {.n = 0};
	idnum_repairs(bad, 202611, collect_fn, &k2);
	cr_assert(!contains(&k2, good));
	check_candidates(&k2, bad, 202611);
}

Test(idnum, repairs_deduplicate_equal_neighbours)
{
	/* Many equal adjacent digits: their transpositions would give the
	 * input itself, which must never be a candidate. */
	char good[19], bad[19];
	make_id(good, "111111", "19991111", "111");
	memcpy(bad, good, 19);
	bad[0] = '2';
	collect k = {.n = 0};
	size_t n = idnum_repairs(bad, 202611, collect_fn, &k);
	cr_assert(contains(&k, good));
	check_candidates(&k, bad, 202611);
	cr_assert_leq(n, 18 + 17);
}

Test(idnum, repairs_stop_when_asked_and_refuse_garbage)
{
	char bad[19] = EXAMPLE;
	bad[14] = '7';
	collect k = {.n = 0, .stop_after = 1};
	cr_assert_eq(idnum_repairs(bad, 202611, collect_fn, &k), 1);
	cr_assert_eq(k.n, 1);

	collect k2 = {.n = 0};
	cr_assert_eq(idnum_repairs("1101051949123100AX", 202611, collect_fn,
				   &k2), 0);
	cr_assert_eq(idnum_repairs("11010519491231002Y", 202611, collect_fn,
				   &k2), 0);
	cr_assert_eq(k2.n, 0);
}

/* Every single substitution of a valid number is caught (MOD 11-2 detects
 * all single errors) and the repairs of it include the original. */
Test(idnum, every_single_substitution_is_detected_and_repairable)
{
	for (int p = 0; p < 18; p++) {
		int top = p == 17 ? 11 : 10;
		for (int v = 0; v < top; v++) {
			char bad[19] = EXAMPLE, out[19];
			char ch = v == 10 ? 'X' : (char)('0' + v);
			if (ch == bad[p])
				continue;
			bad[p] = ch;
			id_result r = norm(bad, 202611, out);
			cr_assert_neq(r, ID_OK, "place %d value %c", p, ch);
			if (r != ID_BAD_CHECK && r != ID_BAD_DATE &&
			    r != ID_FUTURE_DATE)
				continue;
			collect k = {.n = 0};
			idnum_repairs(out, 202611, collect_fn, &k);
			cr_assert(contains(&k, EXAMPLE), "place %d value %c", p,
				  ch);
		}
	}
}

Test(idnum, parse_period)
{
	cr_assert_eq(period_parse("202611"), 202611);
	cr_assert_eq(period_parse("202401"), 202401);
	cr_assert_eq(period_parse("202613"), 0);
	cr_assert_eq(period_parse("202600"), 0);
	cr_assert_eq(period_parse("202611x"), 0);
	cr_assert_eq(period_parse("20261"), 0);
	cr_assert_eq(period_parse(" 202611"), 0);
	cr_assert_eq(period_parse(""), 0);
	cr_assert_eq(period_parse(NULL), 0);
}

Test(idnum, repair_of_a_bad_region)
{
	char good[19], bad[19], out[19];
	make_id(good, "640122", "19800101", "001");
	memcpy(bad, good, 19);
	bad[0] = '0'; /* 040122...: no such province */
	cr_assert_eq(norm(bad, 202611, out), ID_BAD_REGION);
	cr_assert(idnum_repairable(ID_BAD_REGION));
	cr_assert(!idnum_repairable(ID_BAD_CHAR));
	collect k = {.n = 0};
	idnum_repairs(out, 202611, collect_fn, &k);
	cr_assert(contains(&k, good));
	check_candidates(&k, bad, 202611);
}
