/*
 * report_html.h - report.html: the run as a page for people (a county
 * head, a caseworker's supervisor), written into every run folder.
 *
 * One self-contained UTF-8 file: inline CSS, charts as inline SVG bars
 * drawn from the numbers, no script, no font, image or link fetched from
 * anywhere; readable on a phone (viewport, tables that scroll sideways)
 * and printable (print CSS).  Chinese by default, English with
 * present_cfg.lang = LANG_EN; every code a person reads (reasons, levels,
 * findings, alert kinds, reject reasons, sources) is shown by its label
 * (domain/labels.h).
 *
 * What it shows, top to bottom: the run's key figures; flagged households
 * by county (present_county with cfg->county_digits) and level; the
 * reasons of the flagged households by county; the flagged households of
 * each period in cfg->state_dir up to this one, by level (the trend), and
 * this run's alerts by kind; data quality per source; findings by code;
 * the run's facts (period, key_id, version, inputs and their sha256, the
 * rules in effect and their sha256).
 *
 * It is made from the files in the run's folder (flags.csv,
 * households.csv, findings.csv, report.json, alerts.jsonl) and, for the
 * trend, the flags.csv of the earlier periods kept in the state, read
 * back through history/runread.h: never from the engine's memory.  It
 * holds counts, codes, labels and region codes only: no household id, no
 * pid, no raw ID number and no name.  Everything from a file is escaped
 * for HTML.  The bytes depend only on those files' contents (no clock, no
 * timing, no thread count, no path of the folder), so the same inputs
 * give the same page at any --threads.
 */
#ifndef HH_REPORT_HTML_H
#define HH_REPORT_HTML_H

#include "base/hh_error.h"
#include "present/present.h"

/* The file's name in a run folder. */
#define REPORT_HTML_NAME "report.html"

/* Writes DIR/report.html from the run's outputs in DIR (the temporary
 * folder of the publication: call it before manifest.json is written,
 * so the manifest lists the page).  cfg->state_dir may be NULL (no
 * trend).  A missing or unreadable output of the run is HH_EINTERNAL
 * naming it (the run wrote those files itself); a damaged run kept in
 * the state too.  Thread safety: one thread; touches only DIR and reads
 * the state. */
hh_status report_html_write(const char *dir, const present_cfg *cfg, hh_err *err);

#endif
