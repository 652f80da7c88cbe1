/*
 * state.h - month over month: the run history kept in --state DIR (the
 * alerts that compare a run with it are history/alerts.h; the audit log
 * kept beside it is history/auditlog.h).
 *
 * Layout of DIR:
 *   DIR/runs/YYYYMM/    households.csv, flags.csv, findings.csv,
 *                       report.json, explain.csv, alerts.jsonl of the
 *                       latest run of that period (replaced by a rerun)
 *   DIR/audit.log       one JSON record per line, each carrying the
 *                       SHA-256 of the previous line (see history/auditlog.h)
 *
 * The publication (commands/publish.c) calls state_save after
 * publishing a run.
 *
 * Thread safety: none needed; called from one thread.  Two runs never
 * share a state folder at the same time: the publication holds
 * state_lock for the whole run.
 */
#ifndef HH_STATE_H
#define HH_STATE_H

#include <stddef.h>

#include "base/fsutil.h"
#include "base/hh_error.h"

/* Creates state_dir if needed and takes its lock (state_dir/.lock) for
 * the whole run, without waiting: a second run on the same state fails
 * at once naming the holder (fs_lock_take). */
hh_status state_lock(const char *state_dir, fs_lock **out, hh_err *err);

/* Copies the published run in out_dir into state_dir/runs/PERIOD,
 * replacing an earlier copy atomically.  The caller holds the lock. */
hh_status state_save(const char *state_dir, int period, const char *out_dir,
		     hh_err *err);

/* Periods kept in state_dir/runs, ascending; *out is malloc'ed (NULL and
 * n = 0 when there are none, or no state folder yet). */
hh_status state_periods(const char *state_dir, int **out, size_t *n, hh_err *err);

/* The latest kept period earlier than period, or 0 when there is none. */
hh_status state_previous(const char *state_dir, int period, int *prev, hh_err *err);

#endif
