/*
 * idnum.c - national ID numbers (GB 11643-1999): normalise, validate,
 * convert 15 to 18 digits, enumerate one-typo repairs.  See idnum.h.
 *
 * idnum_normalize runs once per input row (tens of millions a month), so it
 * is a single pass over the bytes with no allocation, no locale functions
 * (no isdigit/isspace, which consult the locale) and no library calls.
 * Input is UTF-8 (connectors transcode GB18030 before rows reach here); the
 * full-width forms it folds are
 *     U+3000 (ideographic space)   E3 80 80   trimmed like ASCII whitespace
 *     U+FF10..U+FF19 (０-９)        EF BC 90..99
 *     U+FF38 (Ｘ)                   EF BC B8
 *     U+FF58 (ｘ)                   EF BD 98
 * Any other non-ASCII sequence counts as one bad character.
 *
 * Order of checks, so that each row gets the most specific reason:
 * empty, length (in characters), characters, region, calendar date, check
 * character, future date.  A bad region or date is reported before a bad
 * check because a typo in those digits usually breaks both, and "bad
 * region" or "bad date" says more.
 *
 * Regions: the first two digits must be a province-level code of GB/T 2260
 * (11-15, 21-23, 31-37, 41-46, 50-54, 61-65, 71, 81, 82).  The foreigner's
 * permanent residence ID card (2023) puts '9' in front of such a code and
 * keeps the citizen's layout from digit 7 on (birth date, sequence, the
 * same check character), so it is validated the same way.  830000 (the
 * residence permit of Taiwan residents) is not in the contract's list and
 * is rejected like any other unknown code.
 *
 * Invariant of a normalised number: 17 ASCII digits and '0'-'9' or 'X'.
 */
#include "domain/idnum.h"
#include "domain/period.h"

#include <string.h>

/* ISO 7064 MOD 11-2 weights (2^(17-i) mod 11) and the mapping of the
 * weighted sum mod 11 to the check character. */
static const unsigned char weights[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6,
					  3, 7, 9, 10, 5, 8, 4, 2};
static const char check_map[11] = "10X98765432";

/* Province-level codes of GB/T 2260, indexed by the two digits: one load
 * per row on the hot path. */
static const unsigned char province[100] = {
	[11] = 1, [12] = 1, [13] = 1, [14] = 1, [15] = 1,
	[21] = 1, [22] = 1, [23] = 1,
	[31] = 1, [32] = 1, [33] = 1, [34] = 1, [35] = 1, [36] = 1, [37] = 1,
	[41] = 1, [42] = 1, [43] = 1, [44] = 1, [45] = 1, [46] = 1,
	[50] = 1, [51] = 1, [52] = 1, [53] = 1, [54] = 1,
	[61] = 1, [62] = 1, [63] = 1, [64] = 1, [65] = 1,
	[71] = 1, [81] = 1, [82] = 1,
};

/* 1 if the number opens with a province code, or '9' and one. */
static int valid_region(const char id[18])
{
	if (id[0] == '9')
		return province[(id[1] - '0') * 10 + (id[2] - '0')];
	return province[(id[0] - '0') * 10 + (id[1] - '0')];
}

char idnum_check_char(const char first17[17])
{
	unsigned sum = 0;
	for (int i = 0; i < 17; i++)
		sum += weights[i] * (unsigned)(first17[i] - '0');
	return check_map[sum % 11];
}

int idnum_valid_date(int yyyymmdd)
{
	if (yyyymmdd <= 0)
		return 0;
	int y = yyyymmdd / 10000, m = yyyymmdd / 100 % 100, d = yyyymmdd % 100;
	if (y < 1 || y > 9999 || m < 1 || m > 12 || d < 1)
		return 0;
	return d <= period_month_days(y, m);
}

int idnum_age(int birth, int date)
{
	int age = date / 10000 - birth / 10000;
	/* Not yet had this year's birthday (MMDD compared as a number).
	 * Someone born on 29 February comes of age on 1 March in common
	 * years. */
	if (date % 10000 < birth % 10000)
		age--;
	return age;
}

static int digits_value(const char *s, int n)
{
	int v = 0;
	for (int i = 0; i < n; i++)
		v = v * 10 + (s[i] - '0');
	return v;
}

int idnum_birth_date(const char id[18])
{
	return digits_value(id + 6, 8);
}

int idnum_sex(const char id[18])
{
	return (id[16] - '0') % 2 ? 1 : 2;
}

const char *idnum_reason(id_result r)
{
	switch (r) {
	case ID_OK:
		return "ok";
	case ID_EMPTY:
		return "bad_id_empty";
	case ID_BAD_LENGTH:
		return "bad_id_length";
	case ID_BAD_CHAR:
		return "bad_id_char";
	case ID_BAD_REGION:
		return "bad_id_region";
	case ID_BAD_CHECK:
		return "bad_id_check";
	case ID_BAD_DATE:
		return "bad_id_date";
	case ID_FUTURE_DATE:
		return "bad_id_future";
	}
	return "bad_id";
}

int idnum_repairable(id_result r)
{
	return r == ID_BAD_REGION || r == ID_BAD_CHECK || r == ID_BAD_DATE ||
	       r == ID_FUTURE_DATE;
}

int idnum_region(const char id[18])
{
	if (id[0] == '9')
		return digits_value(id + 1, 2) * 10000;
	return digits_value(id, 6);
}

/* Validates the region, date and check character of 18 characters whose
 * first 17 are digits and whose last is a digit or 'X'.  end is the last
 * day of the run period as YYYYMMDD, or 0 for no upper bound. */
static id_result validate18(const char id[18], int end)
{
	if (!valid_region(id))
		return ID_BAD_REGION;
	int birth = digits_value(id + 6, 8);
	/* The contract's dates start in 1900: earlier ones are typos (or
	 * placeholders such as 18000101), never a living person. */
	if (birth < 19000101 || !idnum_valid_date(birth))
		return ID_BAD_DATE;
	if (idnum_check_char(id) != id[17])
		return ID_BAD_CHECK;
	if (end && birth > end)
		return ID_FUTURE_DATE;
	return ID_OK;
}

static int is_ascii_space(unsigned char c)
{
	return c == ' ' || (c >= '\t' && c <= '\r');
}

/* Length of the whitespace sequence (ASCII or U+3000) at p, 0 if none. */
static size_t space_at(const unsigned char *p, const unsigned char *end)
{
	if (p < end && is_ascii_space(*p))
		return 1;
	if (end - p >= 3 && p[0] == 0xE3 && p[1] == 0x80 && p[2] == 0x80)
		return 3;
	return 0;
}

/* Length of a whitespace sequence ending just before e, 0 if none. */
static size_t space_before(const unsigned char *b, const unsigned char *e)
{
	if (e > b && is_ascii_space(e[-1]))
		return 1;
	if (e - b >= 3 && e[-3] == 0xE3 && e[-2] == 0x80 && e[-1] == 0x80)
		return 3;
	return 0;
}

id_result idnum_normalize(const char *raw, size_t len, int period,
			  char out[19])
{
	const unsigned char *p = (const unsigned char *)raw;
	const unsigned char *end = p + len;
	size_t n;

	while ((n = space_at(p, end)) != 0)
		p += n;
	while ((n = space_before(p, end)) != 0)
		end -= n;
	if (p == end)
		return ID_EMPTY;

	/* One pass: fold each character to ASCII into buf (the first 18
	 * only), count characters, and note whether any is not a digit or
	 * X.  Length is judged before characters, so "abc" is a bad length
	 * and an 18-character string with a letter is a bad character. */
	char buf[18];
	size_t nchar = 0;
	int bad = 0;
	while (p < end) {
		unsigned char c = *p, a;
		if (c < 0x80) {
			a = c == 'x' ? 'X' : c;
			p++;
		} else if (end - p >= 3 && c == 0xEF && p[1] == 0xBC &&
			   p[2] >= 0x90 && p[2] <= 0x99) {
			a = (unsigned char)('0' + (p[2] - 0x90));
			p += 3;
		} else if (end - p >= 3 && c == 0xEF &&
			   ((p[1] == 0xBC && p[2] == 0xB8) ||
			    (p[1] == 0xBD && p[2] == 0x98))) {
			a = 'X';
			p += 3;
		} else {
			/* Some other UTF-8 character (or a stray byte):
			 * one bad character, continuation bytes and all. */
			a = 0;
			p++;
			while (p < end && (*p & 0xC0) == 0x80)
				p++;
		}
		if (!((a >= '0' && a <= '9') || a == 'X'))
			bad = 1;
		if (nchar < sizeof buf)
			buf[nchar] = (char)a;
		nchar++;
	}

	if (nchar == 18) {
		for (int i = 0; i < 17; i++)
			if (buf[i] == 'X')
				bad = 1;
		if (bad)
			return ID_BAD_CHAR;
		memcpy(out, buf, 18);
	} else if (nchar == 15) {
		for (int i = 0; i < 15; i++)
			if (buf[i] == 'X')
				bad = 1;
		if (bad)
			return ID_BAD_CHAR;
		/* Legacy: region(6) YYMMDD(6) sequence(3); century 19. */
		memcpy(out, buf, 6);
		out[6] = '1';
		out[7] = '9';
		memcpy(out + 8, buf + 6, 9);
		out[17] = idnum_check_char(out);
	} else {
		return ID_BAD_LENGTH;
	}
	out[18] = '\0';
	return validate18(out, period_end(period));
}

size_t idnum_repairs(const char bad[18], int period,
		     int (*fn)(const char cand[19], void *ctx), void *ctx)
{
	char c[19];
	size_t count = 0;
	int end = period_end(period);

	for (int i = 0; i < 17; i++)
		if (bad[i] < '0' || bad[i] > '9')
			return 0;
	if (!((bad[17] >= '0' && bad[17] <= '9') || bad[17] == 'X'))
		return 0;
	memcpy(c, bad, 18);
	c[18] = '\0';

	/* Substitutions.  A substitution changes exactly one place, a
	 * transposition of two different characters exactly two, so no
	 * candidate is produced twice; the only duplicate would be the input
	 * itself (a transposition of equal characters), which is skipped. */
	for (int i = 0; i < 18; i++) {
		char orig = c[i];
		int top = i == 17 ? 11 : 10;
		for (int v = 0; v < top; v++) {
			char ch = v == 10 ? 'X' : (char)('0' + v);
			if (ch == orig)
				continue;
			c[i] = ch;
			if (validate18(c, end) == ID_OK) {
				count++;
				if (fn(c, ctx)) {
					return count;
				}
			}
		}
		c[i] = orig;
	}

	/* Adjacent transpositions; 'X' may not move off the last place. */
	for (int i = 0; i < 17; i++) {
		if (c[i] == c[i + 1] || c[i + 1] == 'X')
			continue;
		char t = c[i];
		c[i] = c[i + 1];
		c[i + 1] = t;
		int ok = validate18(c, end) == ID_OK;
		if (ok) {
			count++;
			if (fn(c, ctx))
				return count;
		}
		c[i + 1] = c[i];
		c[i] = t;
	}
	return count;
}

int idnum_shaped(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	int run = 0;
	for (size_t i = 0; i < len; i++) {
		if (p[i] >= '0' && p[i] <= '9') {
			run++;
		} else if (i + 2 < len && p[i] == 0xEF && p[i + 1] == 0xBC && p[i + 2] >= 0x90 &&
			   p[i + 2] <= 0x99) {
			run++; /* a full-width digit, which idnum_normalize reads as one */
			i += 2;
		} else {
			run = 0;
		}
		if (run >= 15)
			return 1;
	}
	return 0;
}
