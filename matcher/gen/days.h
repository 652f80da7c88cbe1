/*
 * days.h - day numbers for the generator's date arithmetic: a calendar
 * day YYYYMMDD to a count of days and back (proleptic Gregorian; H.
 * Hinnant's days_from_civil / civil_from_days).
 *
 * Periods, month lengths and ages are domain/period.h's and
 * domain/idnum.h's; only the generator counts days (birth dates in a
 * year-long range, settlement dates across fifteen months, the day before
 * a window), so this stays here.  Pure static inline functions.
 */
#ifndef HH_GEN_DAYS_H
#define HH_GEN_DAYS_H

#include <stdint.h>

/* Days since 1970-01-01 of year y, month m (1-12), day d. */
static inline int64_t days_from_civil(int y, int m, int d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;
	int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/* Days since 1970-01-01 of the day YYYYMMDD. */
static inline int64_t days_from_ymd(int ymd)
{
	return days_from_civil(ymd / 10000, ymd / 100 % 100, ymd % 100);
}

/* The day z days after 1970-01-01, as YYYYMMDD. */
static inline int days_to_ymd(int64_t z)
{
	z += 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	int64_t doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t y = yoe + era * 400;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153;
	int64_t d = doy - (153 * mp + 2) / 5 + 1;
	int64_t m = mp + (mp < 10 ? 3 : -9);
	y += m <= 2;
	return (int)(y * 10000 + m * 100 + d);
}

#endif
