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
 *   DIR/reviews.jsonl   caseworkers' decisions, one per line, in the order
 *                       imported (history/reviews.h), when any were
 *   DIR/publish.intent  present only while a run is being published, or
 *                       after a run was killed while publishing: the
 *                       period, the SHA-256 of the new run's manifest.json
 *                       and the --out it goes to (state_intent_*)
 * and, left only by a killed run, temporaries state_tidy removes:
 *   DIR/runs/.YYYYMM.tmp-XXXXXX/   a period's copy being made or replaced
 *   DIR/.publish.intent.tmp-XXXXXX an intent being written
 *   DIR/audit.head.tmp             an anchor being written (auditlog_tidy)
 *
 * The publication (commands/publish.h has the protocol) stages the run's
 * copy (state_stage) before it renames the run into --out, writes the
 * intent between the two, commits the copy (state_commit) and clears the
 * intent after; the next run resolves an intent it finds
 * (state_recover) before anything else reads the history.
 *
 * Thread safety: none needed; called from one thread.  Two runs never
 * share a state folder at the same time: the publication holds
 * state_lock for the whole run.
 */
#ifndef HH_STATE_H
#define HH_STATE_H

#include <limits.h>
#include <stddef.h>

#include "base/fsutil.h"
#include "base/hh_error.h"

/* Creates state_dir if needed and takes its lock (state_dir/.lock) for
 * the whole run, without waiting: a second run on the same state fails
 * at once naming the holder (fs_lock_take). */
hh_status state_lock(const char *state_dir, fs_lock **out, hh_err *err);

/* Copies the published run in out_dir into state_dir/runs/PERIOD,
 * replacing an earlier copy atomically (state_stage, then state_commit).
 * The caller holds the lock. */
hh_status state_save(const char *state_dir, int period, const char *out_dir,
		     hh_err *err);

/* Copies the files kept of the run in run_dir into a new folder
 * state_dir/runs/.PERIOD.tmp-XXXXXX, fsync'ed, whose path goes to staged
 * (cap bytes).  On failure nothing is left and *staged is "". */
hh_status state_stage(const char *state_dir, int period, const char *run_dir,
		      char *staged, size_t cap, hh_err *err);

/* Puts the staged folder in place as state_dir/runs/PERIOD in one step
 * (fs_replace_dir), the previous copy removed; on failure the staged
 * folder is removed. */
hh_status state_commit(const char *state_dir, int period, const char *staged,
		       hh_err *err);

/* A publication in progress (DIR/publish.intent). */
typedef struct {
	int period;                /* YYYYMM */
	char manifest_sha256[65];  /* SHA-256 (hex) of the new run's manifest.json */
	char out[PATH_MAX];        /* the --out it is renamed to, absolute */
} state_intent;

/* Writes DIR/publish.intent: to a temporary file, fsync'ed, renamed, and
 * the folder fsync'ed, so that it is on disk whole or not at all before
 * the caller renames the run into --out. */
hh_status state_intent_write(const char *state_dir, const state_intent *in, hh_err *err);

/* Reads DIR/publish.intent into *in; *found = 0 (HH_OK) when there is
 * none.  One that does not parse is HH_EINPUT naming it (it was not
 * written by hhmatch: state_intent_write writes whole files only). */
hh_status state_intent_read(const char *state_dir, state_intent *in, int *found,
			    hh_err *err);

/* Removes DIR/publish.intent (a missing one is fine) and fsyncs DIR. */
hh_status state_intent_clear(const char *state_dir, hh_err *err);

/* The SHA-256 (hex) of run_dir/manifest.json into sha; "" when the
 * folder or the file does not exist (HH_OK), an error when it cannot be
 * read. */
hh_status state_manifest_sha256(const char *run_dir, char sha[65], hh_err *err);

/* What state_recover did with an intent. */
typedef enum {
	STATE_ROLLED_FORWARD = 1, /* --out holds the intended run: now kept */
	STATE_ROLLED_BACK = 2     /* it does not: the intent was dropped */
} state_recovery;

/* Resolves the intent in of a publication that did not finish (the
 * caller holds the state's lock and that of in->out): when
 * in->out/manifest.json hashes to in->manifest_sha256, the run there is
 * the one intended and is kept as period in->period (state_save: rolled
 * forward); otherwise (another manifest, none, no folder) the rename
 * never happened and nothing is kept (rolled back).  The intent is
 * cleared after either; on failure it stays for the next run. */
hh_status state_recover(const char *state_dir, const state_intent *in,
			state_recovery *did, hh_err *err);

/* Removes the temporaries killed runs left in state_dir (listed above),
 * calling said(path, ctx) (may be NULL) for each; the caller holds the
 * state's lock (the anchor's temporary is removed under the audit log's
 * lock, auditlog_tidy). */
hh_status state_tidy(const char *state_dir, void (*said)(const char *path, void *ctx),
		     void *ctx, hh_err *err);

/* Periods kept in state_dir/runs, ascending; *out is malloc'ed (NULL and
 * n = 0 when there are none, or no state folder yet). */
hh_status state_periods(const char *state_dir, int **out, size_t *n, hh_err *err);

/* The latest kept period earlier than period, or 0 when there is none. */
hh_status state_previous(const char *state_dir, int period, int *prev, hh_err *err);

#endif
