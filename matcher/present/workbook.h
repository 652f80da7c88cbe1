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
 * connectors/zipw.h dates every zip entry 1980-01-01.
 *
 * Thread safety: none shared; one call per thread at a time.  The call
 * itself makes the county sheets on up to cfg->threads threads, with the
 * same bytes at any count.
 */
#ifndef HH_WORKBOOK_H
#define HH_WORKBOOK_H

#include "base/hh_error.h"
#include "present/present.h"

/* The file name inside a run folder. */
#define WORKBOOK_FILE "caseworkers.xlsx"

/* Reads RUN_DIR's flags.csv, explain.csv, households.csv and report.json
 * and writes RUN_DIR/caseworkers.xlsx (cfg: county_digits, period and
 * threads; lang is ignored), fsync'ed.  A missing or malformed input is
 * HH_EINTERNAL naming the file (the run wrote them); so is a workbook
 * that cannot be written (a full disk, a failed allocation: an error
 * like any other, nothing half-done is reported as success; a failing
 * sheet's worker stops the others and its error is the one returned).
 * On failure
 * a partial file may remain in RUN_DIR (the run's temporary folder,
 * removed with it). */
hh_status workbook_write(const char *run_dir, const present_cfg *cfg, hh_err *err);

#endif
