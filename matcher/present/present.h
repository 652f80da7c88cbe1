/*
 * present.h - the layer that writes what people read from a run: a
 * self-contained report.html (present/report_html.h) and the
 * caseworkers' workbook caseworkers.xlsx (present/workbook.h).
 *
 * Both are made from the run's folder as history/runread.h reads it back
 * (households.csv, flags.csv, findings.csv, explain.csv, rejects.csv,
 * report.json, alerts.jsonl), never from the engine's memory: the
 * presentation can change without touching the join, and what a person
 * sees is exactly what the CSV outputs say.  They are written before
 * manifest.json, so the manifest lists them.  Like every output they
 * hold pseudonyms at most, never a raw ID number or a name, and they are
 * the same bytes for the same inputs whatever the thread count (no
 * timings, no clock).  They touch different files and share no state
 * (each reads the run's files into its own tables, with its own labels;
 * jansson's allocation-failure count in base/json.h is per thread), so
 * they may be written at the same time on two threads.
 *
 * This header holds what both need: the settings, and the county a
 * region code belongs to.
 */
#ifndef HH_PRESENT_H
#define HH_PRESENT_H

#include <stdatomic.h>
#include <stddef.h>

#include "domain/labels.h"

/* The default length of the region-code prefix that names a county
 * (640122 of 640122001001). */
#define PRESENT_COUNTY_DIGITS 6

typedef struct {
	hh_lang lang;            /* report.html's language (LANG_ZH by default) */
	int county_digits;       /* 2-12: how many leading digits name a county */
	const char *state_dir;   /* NULL, or the run history (trends, earlier periods) */
	int period;              /* the run's YYYYMM */
	int threads;             /* threads the workbook's county sheets may use
				    (--threads; below 1: one); never changes a byte */
	const atomic_int *stop;  /* NULL, or set by a thread writing beside the
				    workbook when it failed: the workbook then
				    gives up at its next sheet, with an error */
} present_cfg;

/* The county of REGION_CODE: its first DIGITS characters, into out (cap
 * >= 13); a code shorter than DIGITS is its own county.  Returns out. */
const char *present_county(const char *region_code, int digits, char *out, size_t cap);

#endif
