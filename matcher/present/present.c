/*
 * present.c - what report.html and the workbook share: the county a
 * region code belongs to (present.h).
 */
#include <stdio.h>
#include <string.h>

#include "present/present.h"

const char *present_county(const char *region_code, int digits, char *out, size_t cap)
{
	size_t n = strlen(region_code);
	if (digits > 0 && n > (size_t)digits)
		n = (size_t)digits;
	snprintf(out, cap, "%.*s", (int)n, region_code);
	return out;
}
