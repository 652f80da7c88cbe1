/* period.c - periods and calendar days (see period.h). */
#include "domain/period.h"

#include <stdio.h>
#include <time.h>

int period_month_days(int y, int m)
{
	static const int len[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	return m == 2 && leap ? 29 : len[m - 1];
}

int period_end(int period)
{
	if (period <= 0)
		return 0;
	int y = period / 100, m = period % 100;
	if (y < 1000 || y > 9999 || m < 1 || m > 12)
		return 0;
	return y * 10000 + m * 100 + period_month_days(y, m);
}

int period_parse(const char *s)
{
	int v = 0;
	if (!s)
		return 0;
	for (int i = 0; i < 6; i++) {
		if (s[i] < '0' || s[i] > '9')
			return 0;
		v = v * 10 + (s[i] - '0');
	}
	if (s[6] != '\0' || !period_end(v))
		return 0;
	return v;
}

int period_add(int period, int months)
{
	int idx = (period / 100) * 12 + (period % 100 - 1) + months;
	return (idx / 12) * 100 + idx % 12 + 1;
}

int period_months_between(int from, int to)
{
	return (to / 100 * 12 + to % 100 - 1) - (from / 100 * 12 + from % 100 - 1);
}

long period_day_number(int yyyymmdd)
{
	int y = yyyymmdd / 10000, m = yyyymmdd / 100 % 100, d = yyyymmdd % 100;
	y -= m <= 2;
	long era = (y >= 0 ? y : y - 399) / 400;
	long yoe = y - era * 400;
	long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

void period_day_iso(int yyyymmdd, char out[PERIOD_ISO_SIZE])
{
	snprintf(out, PERIOD_ISO_SIZE, "%04d-%02d-%02d", yyyymmdd / 10000, yyyymmdd / 100 % 100,
		 yyyymmdd % 100);
}

int period_day(int period, int d)
{
	int n = period_month_days(period / 100, period % 100);
	return period * 100 + (d > n ? n : d);
}

int period_current(void)
{
	time_t now = time(NULL);
	struct tm tm;
	if (!gmtime_r(&now, &tm))
		return 0;
	return (tm.tm_year + 1900) * 100 + tm.tm_mon + 1;
}
