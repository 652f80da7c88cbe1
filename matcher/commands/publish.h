/*
 * publish.h - the publication pipeline of `hhmatch run`: all or nothing,
 * and never over anything hhmatch did not write.
 *
 * publish_open, before any source is read:
 *   1. --out is checked: missing, an empty folder, or a folder an earlier
 *      run wrote (it carries the mark file PUBLISH_MARK) may be replaced;
 *      anything else is refused (HH_EUSAGE, nothing touched), and so is
 *      an --out that is, holds or lies inside --state, or that holds an
 *      input, the key, or the config or rules file (replacing --out
 *      would delete them); --pg-out must be a store's connection string;
 *   2. --out and --state are locked for the whole run (a lock file beside
 *      --out, and --state/.lock): a second run on either fails at once;
 *   3. the guards that need no source (history/guards.h: the key against
 *      the history, the period's distance from the latest one);
 *   4. a temporary folder is made beside --out (".OUT.tmp-XXXXXX").
 * publish_run:
 *   5. the engine writes the run's outputs into it (engine_run), and the
 *      mark file is added;
 *   6. the delivery guards compare the run with the latest earlier period
 *      (refusing, or recording in report.json what --accept let through);
 *   7. with --state, alerts.jsonl is added: the run against the latest
 *      earlier period in the history (history/alerts.h);
 *      then report.html, the run as a page for people (present/report_html.h);
 *   8. an override (--accept, --new-key) is written to the audit log;
 *   9. manifest.json (history/manifest.h) is written, and with a signing
 *      key manifest.sig: last into the folder, so it lists every file of
 *      it (a step that adds a file must come before this one);
 *  10. with --pg-out, the folder is loaded into the PostgreSQL store in one
 *      transaction (connectors/pg/pg_store.h);
 *  11. the folder is renamed into place at --out (or exchanged with the
 *      previous run there, which is then removed);
 *  12. with --state, the published run is kept in the history.
 * A failure or a cancellation before step 11 leaves --out as it was; a
 * failure in step 12 says that the outputs were published but not kept (a
 * rerun of the period is safe).  publish_close removes what is left of
 * the temporary folder and releases the locks.
 *
 * Files and folders are created as the umask says (base/fsutil.h).
 *
 * Lifetime: publish_open / publish_close (NULL is a no-op); publish_run
 * at most once in between.  Thread safety: one thread.
 */
#ifndef HH_PUBLISH_H
#define HH_PUBLISH_H

#include <stddef.h>

#include "base/sign.h"
#include "engine/engine.h"
#include "history/guards.h"
#include "present/present.h"

/* The file that marks a folder as a run's outputs. */
#define PUBLISH_MARK ".hhmatch-run"

/* A file the run reads, which --out must never hold. */
typedef struct {
	const char *path;
	const char *what;     /* "the key", "--medical", "the config file" */
} publish_input;

typedef struct {
	int period;                /* YYYYMM */
	const char *out_dir;
	const char *state_dir;     /* NULL, or the run history */
	const char *pg_out;        /* NULL, or a store to publish into */
	const publish_input *inputs;
	size_t ninputs;
	guards *guards;            /* the delivery guards (--accept, --new-key) */
	const rules *rules;        /* their thresholds */
	const char *key_id;        /* the run's key */
	const sign_key *sign_key;  /* NULL, or the private key that signs the manifest */
	const pid_key *audit_key;  /* NULL, or the key that seals guards_log's record */
	/* NULL, or the run's signal flag (engine_cfg.cancel): the store's
	 * publication stops at it too */
	const _Atomic int *cancel;
	present_cfg present;       /* report.html and caseworkers.xlsx */
} publish_cfg;

typedef struct publication publication;

/* Steps 1-4.  pc (and what it points to) must outlive the publication. */
hh_status publish_open(const publish_cfg *pc, publication **out, hh_err *err);

/* Steps 5-12: runs e and publishes its outputs; *sum is the engine's
 * summary and *alerts the number of alerts written (0 without a state). */
hh_status publish_run(publication *p, engine *e, engine_summary *sum,
		      unsigned long *alerts, hh_err *err);

void publish_close(publication *p);

#endif
