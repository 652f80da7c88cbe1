/*
 * test_period.c - domain/period.c, the one period parser and calendar:
 * what period_parse accepts and refuses, month lengths and period_end
 * over the leap-year rules (the 100- and 400-year exceptions included),
 * period_add over year boundaries both ways against a month-by-month
 * count, period_day's clamping, and period_current against the clock.
 */
#include <criterion/criterion.h>

#include <stdio.h>
#include <time.h>

#include "domain/period.h"

Test(period, parse_accepts_six_digits_with_a_real_month)
{
	cr_assert_eq(period_parse("202611"), 202611);
	cr_assert_eq(period_parse("202601"), 202601);
	cr_assert_eq(period_parse("202612"), 202612);
	cr_assert_eq(period_parse("100001"), 100001);
	cr_assert_eq(period_parse("999912"), 999912);
	/* every month of a year */
	for (int m = 1; m <= 12; m++) {
		char s[8];
		snprintf(s, sizeof s, "2026%02d", m);
		cr_assert_eq(period_parse(s), 202600 + m, "%s", s);
	}
}

Test(period, parse_refuses_everything_else)
{
	static const char *const bad[] = {
		"20261",   /* five digits */
		"202613",  /* month 13 */
		"202600",  /* month 0 */
		"2026110", /* seven digits */
		"abcdef",  "000001", /* year 0 */
		"099912",  /* year 999 */
		"",        "2026",   "2026-11", "2026/1", "2026 11", " 202611", "202611 ",
		"202611\n", "+20261", "-20261", "2026ab", "20261a", "２０２６１１", /* full-width */
		"0x7e9b",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		cr_assert_eq(period_parse(bad[i]), 0, "'%s' accepted", bad[i]);
	cr_assert_eq(period_parse(NULL), 0);
}

Test(period, month_days)
{
	static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	for (int m = 1; m <= 12; m++) {
		cr_assert_eq(period_month_days(2023, m), days[m - 1], "2023-%02d", m);
		cr_assert_eq(period_month_days(2024, m), m == 2 ? 29 : days[m - 1], "2024-%02d", m);
	}
	/* divisible by 4 leap, by 100 not, by 400 again */
	cr_assert_eq(period_month_days(2024, 2), 29);
	cr_assert_eq(period_month_days(2026, 2), 28);
	cr_assert_eq(period_month_days(1900, 2), 28);
	cr_assert_eq(period_month_days(2100, 2), 28);
	cr_assert_eq(period_month_days(2000, 2), 29);
	cr_assert_eq(period_month_days(2400, 2), 29);
}

Test(period, end_of_month)
{
	cr_assert_eq(period_end(202402), 20240229);
	cr_assert_eq(period_end(190002), 19000228);
	cr_assert_eq(period_end(200002), 20000229);
	cr_assert_eq(period_end(202302), 20230228);
	cr_assert_eq(period_end(202611), 20261130);
	cr_assert_eq(period_end(202612), 20261231);
	cr_assert_eq(period_end(202601), 20260131);
	cr_assert_eq(period_end(202604), 20260430);
	cr_assert_eq(period_end(100001), 10000131);
	cr_assert_eq(period_end(999912), 99991231);
	/* not periods */
	cr_assert_eq(period_end(202613), 0);
	cr_assert_eq(period_end(202600), 0);
	cr_assert_eq(period_end(99912), 0);
	cr_assert_eq(period_end(1000001), 0);
	cr_assert_eq(period_end(0), 0);
	cr_assert_eq(period_end(-202611), 0);
}

Test(period, add_across_years)
{
	cr_assert_eq(period_add(202611, 0), 202611);
	cr_assert_eq(period_add(202611, 1), 202612);
	cr_assert_eq(period_add(202611, 2), 202701);
	cr_assert_eq(period_add(202612, 1), 202701);
	cr_assert_eq(period_add(202611, 14), 202801);
	cr_assert_eq(period_add(202611, 120), 203611);
	cr_assert_eq(period_add(202601, -1), 202512);
	cr_assert_eq(period_add(202611, -11), 202512);
	cr_assert_eq(period_add(202611, -12), 202511);
	cr_assert_eq(period_add(202611, -14), 202509);
	cr_assert_eq(period_add(202601, -13), 202412);
	cr_assert_eq(period_add(202612, -24), 202412);
	cr_assert_eq(period_add(200001, -1), 199912);
}

Test(period, add_matches_counting_months)
{
	/* from every month of 2026, 0..400 months forward and back, one
	 * month at a time */
	for (int m0 = 1; m0 <= 12; m0++) {
		int p0 = 202600 + m0;
		int y = 2026, m = m0;
		for (int k = 0; k <= 400; k++) {
			cr_assert_eq(period_add(p0, k), y * 100 + m, "%d + %d", p0, k);
			cr_assert_eq(period_add(y * 100 + m, -k), p0, "%d - %d", y * 100 + m, k);
			if (++m > 12)
				m = 1, y++;
		}
		y = 2026, m = m0;
		for (int k = 0; k <= 400; k++) {
			cr_assert_eq(period_add(p0, -k), y * 100 + m, "%d - %d", p0, k);
			if (--m < 1)
				m = 12, y--;
		}
	}
}

Test(period, day_clamps_to_the_month)
{
	cr_assert_eq(period_day(202611, 1), 20261101);
	cr_assert_eq(period_day(202611, 15), 20261115);
	cr_assert_eq(period_day(202611, 30), 20261130);
	cr_assert_eq(period_day(202611, 31), 20261130);
	cr_assert_eq(period_day(202612, 31), 20261231);
	cr_assert_eq(period_day(202402, 29), 20240229);
	cr_assert_eq(period_day(202402, 31), 20240229);
	cr_assert_eq(period_day(202302, 29), 20230228);
	cr_assert_eq(period_day(190002, 29), 19000228);
	cr_assert_eq(period_day(200002, 30), 20000229);
	/* the last day is period_end's, for every month of a leap and a
	 * common year */
	for (int m = 1; m <= 12; m++) {
		cr_assert_eq(period_day(202400 + m, 31), period_end(202400 + m));
		cr_assert_eq(period_day(202500 + m, 99), period_end(202500 + m));
	}
}

/* Year and month (UTC) of t, by the days-from-civil inverse (Howard
 * Hinnant's algorithm), so that the check does not use the C library's
 * calendar that period.c uses. */
static int civil_period(time_t t)
{
	long long z = (long long)(t / 86400) + 719468;
	long long era = (z >= 0 ? z : z - 146096) / 146097;
	long long doe = z - era * 146097;
	long long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	long long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	long long mp = (5 * doy + 2) / 153;
	long long m = mp < 10 ? mp + 3 : mp - 9;
	long long y = yoe + era * 400 + (m <= 2);
	return (int)(y * 100 + m);
}

Test(period, civil_period_reference)
{
	/* the reference itself, on known instants */
	cr_assert_eq(civil_period(0), 197001);
	cr_assert_eq(civil_period(951782400), 200002);  /* 2000-02-29 00:00 UTC */
	cr_assert_eq(civil_period(951868799), 200002);  /* 2000-02-29 23:59:59 */
	cr_assert_eq(civil_period(951868800), 200003);  /* 2000-03-01 */
	cr_assert_eq(civil_period(1798761599), 202612); /* 2026-12-31 23:59:59 */
	cr_assert_eq(civil_period(1798761600), 202701); /* 2027-01-01 */
}

Test(period, current_is_this_month)
{
	time_t before = time(NULL);
	int p = period_current();
	time_t after = time(NULL);
	cr_assert_neq(period_end(p), 0, "%d is not a period", p);
	/* a month boundary may pass between the two readings */
	cr_assert(p == civil_period(before) || p == civil_period(after), "%d vs %d", p,
		  civil_period(before));
}

Test(period, months_between)
{
	cr_assert_eq(period_months_between(202611, 202611), 0);
	cr_assert_eq(period_months_between(202611, 202701), 2);
	cr_assert_eq(period_months_between(202701, 202611), -2);
	cr_assert_eq(period_months_between(202612, 209912), 876);
	for (int k = -30; k <= 30; k++)
		cr_assert_eq(period_months_between(202602, period_add(202602, k)), k, "k=%d", k);
}

Test(period, day_number_counts_days)
{
	cr_assert_eq(period_day_number(19700101), 0);
	cr_assert_eq(period_day_number(19691231), -1);
	cr_assert_eq(period_day_number(20000301) - period_day_number(20000228), 2); /* leap */
	cr_assert_eq(period_day_number(21000301) - period_day_number(21000228), 1);
	cr_assert_eq(period_day_number(20261130), 20787); /* date -d 2026-11-30 +%s / 86400 */
	/* every last day of a month is one before the next month's first */
	for (int p = 199901; p <= 203012; p = period_add(p, 1))
		cr_assert_eq(period_day_number(period_end(p)) + 1,
			     period_day_number(period_add(p, 1) * 100 + 1), "%d", p);
}

Test(period, day_iso)
{
	char out[PERIOD_ISO_SIZE];
	period_day_iso(20261105, out);
	cr_assert_str_eq(out, "2026-11-05");
	period_day_iso(10000101, out);
	cr_assert_str_eq(out, "1000-01-01");
}
