/*
 * workbook.h - caseworkers.xlsx: the flagged households of a run as an
 * Excel workbook for the caseworkers of each county, in Chinese whatever
 * --lang says (caseworkers read Chinese; --lang is report.html's).
 *
 * Sheets: 汇总 first (the period, key_id, the county prefix length, and
 * three tables: flagged households by county and level with the counted
 * households beside them, flagged households by reason, and by county
 * and reason), then one sheet per county that has flagged households,
 * named by its county code (present_county), in code order.  A county
 * with no flagged household gets no sheet; its row in the summary shows
 * its counted households and 0.
 *
 * A county sheet lists exactly that county's rows of flags.csv, highest
 * risk_score first, then by household_id: household_id and region_code
 * as text cells (never numbers, so 12-digit codes stay whole), category,
 * level and reasons as Chinese labels (domain/labels.h; reasons joined
 * by "；"), members, the money columns and the score as numbers, and the
 * facts behind each reason from explain.csv ("人均收入 4,092 < 6,000").
 * Header row frozen and filtered.  No pid, raw ID number or name: the
 * inputs (flags.csv, explain.csv, households.csv, report.json) hold none
 * but pids, and no pid is read.
 *
 * The same run folder gives the same bytes: the document's created time
 * is the first day of the period (00:00 UTC), never the clock, and
 * libxlsxwriter dates every zip entry 1980-01-01.
 *
 * Thread safety: one call at a time per process (libxlsxwriter formats
 * the created time with gmtime()).
 */
#ifndef HH_WORKBOOK_H
#define HH_WORKBOOK_H

#include "base/hh_error.h"
#include "present/present.h"

/* The file name inside a run folder. */
#define WORKBOOK_FILE "caseworkers.xlsx"

/* Reads RUN_DIR's flags.csv, explain.csv, households.csv and report.json
 * and writes RUN_DIR/caseworkers.xlsx (cfg: county_digits and period;
 * lang is ignored).  A missing or malformed input is HH_EINTERNAL naming
 * the file (the run wrote them); so is a workbook that cannot be
 * written.  On failure a partial file may remain in RUN_DIR (the run's
 * temporary folder, removed with it).
 *
 * The workbook is written by a child process: libxlsxwriter 1.1 does not
 * check all of its own allocations and, when one fails, may dereference
 * the NULL; in a child that is a clean error of this call (HH_EINTERNAL,
 * nothing published), not the run's crash.  The child closes every
 * descriptor it inherits but its pipes (so --out's and the state's
 * locks die with the parent) and is killed when the parent dies. */
hh_status workbook_write(const char *run_dir, const present_cfg *cfg, hh_err *err);

/* The same in two steps, for a run: workbook_writer_start forks the
 * writer early, while the process is still small (a child's resident
 * set counts the parent's pages it shares, so a writer forked after the
 * engine would look as large as the whole run), and before any other
 * thread exists; it waits until workbook_writer_run asks it to write
 * RUN_DIR/caseworkers.xlsx and reports as workbook_write does.
 * workbook_writer_free ends a writer that was never asked (it writes
 * nothing) and reaps it; NULL is a no-op.  run_dir and cfg are read in
 * the child as they were at the start.  One thread. */
typedef struct workbook_writer workbook_writer;
hh_status workbook_writer_start(const char *run_dir, const present_cfg *cfg,
				workbook_writer **out, hh_err *err);
hh_status workbook_writer_run(workbook_writer *w, hh_err *err);
/* workbook_writer_run in two halves, so the caller can work meanwhile
 * (a run writes report.html while the child writes the workbook): ask
 * once, then wait once for the verdict. */
hh_status workbook_writer_ask(workbook_writer *w, hh_err *err);
hh_status workbook_writer_wait(workbook_writer *w, hh_err *err);
void workbook_writer_free(workbook_writer *w);

#endif
