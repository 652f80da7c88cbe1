/*
 * alerts.h - alerts.jsonl: what changed for each household since the
 * latest earlier period kept in the run history (history/state.h).
 *
 * The publication (commands/publish.c) calls alerts_write on the finished
 * temporary output folder before publishing it, so alerts.jsonl is
 * published with everything else, all or nothing.  The kinds, the order
 * of the lines and the members are described in alerts.c.
 *
 * alert_id = first 32 hex of SHA-256("PERIOD|subject|kind|detail"), so a
 * rerun of the same period on the same inputs gives the same ids.  A
 * rerun on corrected inputs withdraws what it no longer gives (kind
 * retracted, naming the withdrawn id) and never sends a withdrawn id
 * again (alerts.c has the rules).
 *
 * Thread safety: no shared state; distinct folders may be used from
 * several threads.
 */
#ifndef HH_ALERTS_H
#define HH_ALERTS_H

#include "base/hh_error.h"

/* Reads dir/households.csv, dir/flags.csv and dir/findings.csv of the run
 * of period, compares them with the latest period earlier than it in
 * state_dir (none: every flagged household is "new") and with the
 * previous run of the same period (state_dir/runs/PERIOD/alerts.jsonl,
 * when there is one: its retractions), and writes dir/alerts.jsonl.
 * *n_alerts gets the number of lines written.  A damaged alerts.jsonl in
 * the state is HH_EINPUT naming its file and line. */
hh_status alerts_write(const char *state_dir, int period, const char *dir,
		       unsigned long *n_alerts, hh_err *err);

/* 1 for the finding codes that alert (A_*, D_MULTI_HOUSEHOLD,
 * X_DISCOVERY). */
int alerts_for_code(const char *code);

/* alert_id: first 32 hex of SHA-256("PERIOD|subject|kind|detail"); -1
 * when it cannot be computed (no memory, or OpenSSL failed). */
int alerts_id(int period, const char *subject, const char *kind, const char *detail,
	      char out[33]);

#endif
