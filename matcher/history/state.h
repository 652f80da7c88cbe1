/*
 * state.h - month over month: the run history kept in --state DIR, the
 * alerts that compare a run with the latest earlier period, and the
 * append-only, hash-chained audit log.
 *
 * Layout of DIR:
 *   DIR/runs/YYYYMM/    households.csv, flags.csv, findings.csv,
 *                       report.json, explain.csv, alerts.jsonl of the
 *                       latest run of that period (replaced by a rerun)
 *   DIR/audit.log       one JSON record per line, each carrying the
 *                       SHA-256 of the previous line (see state.c)
 *
 * The engine calls state_alerts on the finished temporary output folder
 * before publishing it (so alerts.jsonl is published with everything
 * else, all or nothing), and state_save after publishing.
 *
 * alert_id = first 32 hex of SHA-256("period|household_id or pid|kind|
 * reasons"), so a rerun of the same period gives the same ids.
 *
 * Thread safety: none needed; called from one thread.  Two runs must not
 * share a state folder at the same time (state_save takes a lock file).
 */
#ifndef HH_STATE_H
#define HH_STATE_H

#include <stddef.h>

#include <stddef.h>

#include "base/hh_error.h"

/* Reads dir/households.csv and dir/findings.csv of the run of period,
 * compares them with the latest period earlier than it in state_dir
 * (none: every flagged household is "new"), and writes dir/alerts.jsonl.
 * *n_alerts gets the number written. */
hh_status state_alerts(const char *state_dir, int period, const char *dir,
		       unsigned long *n_alerts, hh_err *err);

/* Copies the published run in out_dir into state_dir/runs/PERIOD,
 * replacing an earlier copy atomically. */
hh_status state_save(const char *state_dir, int period, const char *out_dir,
		     hh_err *err);

/* Periods kept in state_dir/runs, ascending; *out is malloc'ed (NULL and
 * n = 0 when there are none, or no state folder yet). */
hh_status state_periods(const char *state_dir, int **out, size_t *n, hh_err *err);

/* The latest kept period earlier than period, or 0 when there is none. */
hh_status state_previous(const char *state_dir, int period, int *prev, hh_err *err);

/* 1 for the finding codes that alert (A_*, D_MULTI_HOUSEHOLD,
 * X_DISCOVERY). */
int state_alerting_code(const char *code);

/* alert_id: first 32 hex of SHA-256("PERIOD|subject|kind|detail"). */
void state_alert_id(int period, const char *subject, const char *kind,
		    const char *detail, char out[33]);

/* Periods kept in state_dir/runs, ascending; *out is malloc'ed (NULL and
 * n = 0 when there are none, or no state folder yet). */
hh_status state_periods(const char *state_dir, int **out, size_t *n, hh_err *err);

/* The latest kept period earlier than period, or 0 when there is none. */
hh_status state_previous(const char *state_dir, int period, int *prev, hh_err *err);

/* 1 for the finding codes that alert (A_*, D_MULTI_HOUSEHOLD,
 * X_DISCOVERY). */
int state_alerting_code(const char *code);

/* alert_id: first 32 hex of SHA-256("PERIOD|subject|kind|detail"). */
void state_alert_id(int period, const char *subject, const char *kind,
		    const char *detail, char out[33]);

#endif
