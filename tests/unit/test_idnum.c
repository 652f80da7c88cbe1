/*
 * test_idnum.c - ID number normalisation, validation, 15-to-18 conversion,
 * one-typo repairs, dates and ages (matcher/idnum.c).
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
