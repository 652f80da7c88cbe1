/*
 * roster.c - civil_affairs.csv, the low-income roster, in `hhmatch gen`
 * (phase 3, see gen_int.h): one row per roster member, household by
 * household, planted or not (a plan's roster rows are its members).
 *
 * In dirty mode the roster also carries an address column that the schema
 * does not know (the reader must ignore it); its values hold commas,
 * quotes and now and then a line break, so the reader's RFC 4180 quoting
 * and its line numbers are tested too.
 */
#include <stdio.h>
#include <stdlib.h>

#include "gen/gen_int.h"

/* The address of household h, in one of four spellings (the last two
 * rare): plain, with commas, with quotes, with a line break. */
static void ca_address(extract *w, row *r, const household *h)
{
	static const char *const towns[] = {"习岗", "金贵", "立岗", "洪广", "常信",
					    "暖泉", "望远", "杨和", "李俊", "胜利"};
	static const char *const villages[] = {"新平", "光明", "丰登", "红旗", "永安",
					       "兴隆", "团结", "和平", "幸福", "金星"};
	unsigned f = rng_below(&w->dirt, 1000);
	int style = f < 900 ? 0 : f < 985 ? 1 : f < 999 ? 2 : 3;
	char t[256];
	int n;
	const char *cn = pop_county_name(h->county), *tn = towns[h->town % 10],
		   *vn = villages[h->village % 10];
	unsigned grp = 1 + h->village % 9, num = 1 + (unsigned)rng_below(&w->dirt, 60);
	switch (style) {
	case 0: n = snprintf(t, sizeof t, "%s%s镇%s村%u组%u号", cn, tn, vn, grp, num); break;
	case 1: n = snprintf(t, sizeof t, "宁夏回族自治区%s,%s镇,%s村%u组%u号", cn, tn, vn, grp, num); break;
	case 2: n = snprintf(t, sizeof t, "%s%s镇\"%s\"新村%u组%u号", cn, tn, vn, grp, num); break;
	default: n = snprintf(t, sizeof t, "%s%s镇%s村\n%u组%u号", cn, tn, vn, grp, num); break;
	}
	row_add(r, t, (size_t)n);
}

static void ca_row(extract *w, row *r, uint32_t hi, uint32_t pi)
{
	gen *g = w->g;
	const household *h = &H(g, hi);
	const person *p = &P(g, pi);
	char hid[32], region[16];
	row_reset(r);
	pop_household_id(g, hi, hid);
	row_adds(r, hid);
	extract_ident(w, r, pi);
	if (w->address)
		ca_address(w, r, h);
	int n = snprintf(region, sizeof region, "%06d1%02u", pop_county_code(h->county),
			 (unsigned)h->town);
	if (h->region_len == 12)
		n += snprintf(region + n, sizeof region - (size_t)n, "2%02u", (unsigned)h->village);
	row_add(r, region, (size_t)n);
	row_adds(r, extract_enum_text(w, E_CATEGORY, h->category));
	int plain = w->dirty && rng_below(&w->dirt, 10) == 0;
	row_money(r, p->income >= 0 ? p->income : h->income, plain);
	row_adds(r, extract_enum_text(w, E_RELATION, p->relation));
	row_addu(r, p->disability);
	row_adds(r, extract_enum_text(w, E_CA_STATUS, p->status));
}

hh_status roster_write(gen *g, const extract_form *form)
{
	extract *w = malloc(sizeof *w);
	if (!w)
		return hh_fail(g->err, HH_EINTERNAL, "gen: out of memory");
	hh_status st = extract_open(g, w, SRC_CIVIL_AFFAIRS, form);
	row r;
	for (uint32_t hi = 0; st == HH_OK && hi < g->hhs.n; hi++) {
		const household *h = &H(g, hi);
		for (uint32_t k = 0; k < h->nmem; k++) {
			uint32_t pi = h->first + k;
			ca_row(w, &r, hi, pi);
			dirt_emit(w, &r, pi, h->plan < 0, SP_NONE);
		}
	}
	st = extract_close(w, st);
	free(w);
	return st;
}
