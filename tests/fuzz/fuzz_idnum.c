/*
 * fuzz_idnum.c - libFuzzer target: ID number normalisation, validation
 * and the one-typo repair search (matcher/domain/idnum.h).
 *
 * The input is one raw ID field (any bytes: full-width digits, spaces,
 * 15 or 18 characters or not).  It is normalised without a run period
 * and for the period 202611; the results are checked against idnum.h:
 *   - ID_OK: 18 characters whose check character is idnum_check_char of
 *     the first 17, a real birth date, a sex of 1 or 2, and normalising
 *     the normalised number again gives it back unchanged;
 *   - a repairable failure: every repair candidate (idnum_repairs) is a
 *     different number, 18 characters, valid for the same period, and
 *     the count returned is the number of candidates seen.
 */
#include "fuzz_util.h"

#include "domain/idnum.h"

typedef struct {
	const char *bad;
	int period;
	size_t seen;
} repair_ctx;

static int on_candidate(const char cand[19], void *ctx)
{
	repair_ctx *rc = ctx;
	char again[19];
	if (strlen(cand) != 18 || memcmp(cand, rc->bad, 18) == 0)
		abort();
	if (idnum_normalize(cand, 18, rc->period, again) != ID_OK || memcmp(again, cand, 18))
		abort(); /* a candidate that does not validate */
	rc->seen++;
	return 0;
}

static void check_ok(const char id[19], int period)
{
	char again[19];
	if (strlen(id) != 18 || idnum_check_char(id) != id[17])
		abort();
	int birth = idnum_birth_date(id);
	if (!idnum_valid_date(birth) || birth < 19000101)
		abort();
	int sex = idnum_sex(id);
	if (sex != 1 && sex != 2)
		abort();
	(void)idnum_region(id);
	(void)idnum_age(birth, 20261130);
	if (idnum_normalize(id, 18, period, again) != ID_OK || memcmp(again, id, 19))
		abort(); /* normalisation is not idempotent */
}

static void one(const uint8_t *data, size_t size, int period)
{
	char out[19];
	id_result r = idnum_normalize((const char *)data, size, period, out);
	(void)idnum_reason(r);
	if (r == ID_OK) {
		check_ok(out, period);
	} else if (idnum_repairable(r)) {
		if (strnlen(out, 19) != 18)
			abort();
		repair_ctx rc = {out, period, 0};
		size_t n = idnum_repairs(out, period, on_candidate, &rc);
		if (n != rc.seen)
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	one(data, size, 0);
	one(data, size, 202611);
	return 0;
}
