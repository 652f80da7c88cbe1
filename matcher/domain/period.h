/*
 * period.h - run periods (YYYYMM) and calendar days (YYYYMMDD) as ints.
 *
 * A period is valid when it is written as exactly six digits with a year
 * of 1000-9999 and a month of 01-12.  Pure functions, thread-safe.
 */
#ifndef HH_PERIOD_H
#define HH_PERIOD_H

/* A period written as exactly six digits YYYYMM with a real month, as
 * an int; 0 otherwise. */
int period_parse(const char *s);

/* Last day of the period YYYYMM, as YYYYMMDD; 0 if the period is not
 * valid. */
int period_end(int period);

/* period + months (months may be negative); period must be valid. */
int period_add(int period, int months);

/* Day d (clamped to the month's length) of a valid period, as YYYYMMDD. */
int period_day(int period, int d);

/* Days in month m (1-12) of year y, leap years counted. */
int period_month_days(int y, int m);

/* Months from the period from to the period to (negative when to is
 * earlier); both YYYYMM. */
int period_months_between(int from, int to);

/* Days since 1970-01-01 of the calendar day YYYYMMDD (proleptic
 * Gregorian; H. Hinnant's days_from_civil), for differences in days. */
long period_day_number(int yyyymmdd);

/* The day YYYYMMDD written "YYYY-MM-DD" into out (NUL-terminated, cut
 * to fit for a day that is not eight digits). */
#define PERIOD_ISO_SIZE 16
void period_day_iso(int yyyymmdd, char out[PERIOD_ISO_SIZE]);

/* The current month (UTC) as YYYYMM. */
int period_current(void);

#endif
