/*
 * report_int.h - what the two halves of report.html share, inside
 * present/ only (report_html.h states the page's contract):
 *   report_read.c  reads the run's folder (and the flags.csv of the
 *                  earlier periods kept in --state) back through
 *                  history/runread.h and counts it into an rp_page;
 *   report_html.c  writes the page from those counts.
 * Nothing is kept per household: counts by county, level, reason, alert
 * kind and finding code, and report.json as jansson read it.
 *
 * Lifetime: the owner zeroes an rp_page and sets cfg and lang, rp_read
 * fills it, rp_free frees what it holds (also after a failed rp_read).
 * Thread safety: one thread.
 */
#ifndef HH_REPORT_INT_H
#define HH_REPORT_INT_H

#include <stddef.h>

#include "base/hh_error.h"
#include "base/json.h"
#include "base/strbuf.h"
#include "domain/labels.h"
#include "domain/rules.h"
#include "history/reviews.h"
#include "present/present.h"

/* The trend shows at most this many periods (the latest, this one last). */
#define RP_TREND_MAX 24

/* One county's counts (and, as rp_page.all, every county's). */
typedef struct {
	char code[16];          /* the county: a region code's prefix */
	long households;        /* counted roster households */
	long level[4];          /* flagged households by rr_level */
	long flagged;
	long reason[R_COUNT];   /* flagged households citing each reason */
	long backlog;           /* flagged households in the caseworkers' backlog */
} rp_county;

/* A count per text key (alert kinds, finding codes), sorted by key. */
typedef struct {
	char *key;
	long n;
} rp_tally;

typedef struct {
	rp_tally *v;
	size_t n, cap;
} rp_tallies;

/* The flagged households of one period of the trend, by rr_level. */
typedef struct {
	int period;
	int readable;             /* 0: its flags.csv could not be read */
	long level[4];
} rp_point;

/* A run read back, and the page being written from it. */
typedef struct {
	const present_cfg *cfg;
	hh_lang lang;
	labels *lb;
	json_t *report;           /* report.json */
	rp_county *c;             /* sorted by code */
	size_t nc;
	rp_county all;            /* every county together */
	int lv[4];                /* the levels shown (rr_level), from high down */
	size_t nl;
	const rp_county **sel;    /* the counties a chart or table shows (report_html.c) */
	int have_state;
	rp_point trend[RP_TREND_MAX];
	size_t ntrend;
	rp_tallies kinds, codes;
	long alerts;
	/* the caseworkers' decisions (history/reviews.h), when the state has
	 * any: flagged households by their last decision ([RV_COUNT]: none) */
	int have_reviews;
	long decided[RV_COUNT + 1];
	strbuf b;                 /* the page (report_html.c) */
} rp_page;

/* Reads the run in dir (report.json, households.csv, flags.csv,
 * findings.csv, alerts.jsonl when present) and, with cfg->state_dir, the
 * trend; sets the levels shown.  A missing or damaged output of the run
 * is HH_EINTERNAL naming it; an earlier period that cannot be read is
 * marked unreadable instead. */
hh_status rp_read(rp_page *pg, const char *dir, hh_err *err);
void rp_free(rp_page *pg);

/* Counts by text key: add one to key's count (0, or -1 on no memory);
 * key's count (0 when absent); free the keys. */
int rp_tally_add(rp_tallies *t, const char *key);
long rp_tally_get(const rp_tallies *t, const char *key);
void rp_tallies_free(rp_tallies *t);

#endif
