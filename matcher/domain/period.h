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

/* The current month (UTC) as YYYYMM. */
int period_current(void);

#endif
