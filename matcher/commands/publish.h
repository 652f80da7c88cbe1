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
 *   3. recovery, under the locks: an intent left in --state by a killed
 *      run is resolved (below), and the temporaries killed runs left are
 *      removed: ".OUT.tmp-XXXXXX" beside --out when it is a folder that
 *      holds the mark or nothing (one holding anything else is not
 *      hhmatch's and stays), and in --state runs/.YYYYMM.tmp-XXXXXX,
 *      .publish.intent.tmp-XXXXXX and audit.head.tmp (history/state.h's
 *      state_tidy); only those names.
 *      Each is said on stderr ("hhmatch run: recovered: ...", "hhmatch
 *      run: removed PATH, left by a killed run") and in the run's
 *      report.json, member "recovery": {"intent": {"period",
 *      "manifest_sha256", "out", "action": "rolled_forward" |
 *      "rolled_back"}, "removed": [paths]} (absent when there was
 *      nothing); the run goes on as usual;
 *   4. the guards that need no source (history/guards.h: the key against
 *      the history, the period's distance from the latest one);
 *   5. a temporary folder is made beside --out (".OUT.tmp-XXXXXX"), and
 *      the mark file is written into it at once.
 * publish_run:
 *   6. the engine writes the run's outputs into it (engine_run);
 *   7. the delivery guards compare the run with the latest earlier period
 *      (refusing, or recording in report.json what --accept let through);
 *   8. with --state, alerts.jsonl is added: the run against the latest
 *      earlier period in the history (history/alerts.h);
 *      then report.html and caseworkers.xlsx, and report.json's
 *      timings_seconds gets outputs and total (the run until here);
 *   9. an override (--accept, --new-key) is written to the audit log;
 *  10. manifest.json (history/manifest.h) is written, and with a signing
 *      key manifest.sig: last into the folder, so it lists every file of
 *      it (a step that adds a file must come before this one);
 *  11. with --state, the files the history keeps are copied from the
 *      folder into --state/runs/.YYYYMM.tmp-XXXXXX, fsync'ed (staged: a
 *      full --state fails here, before anything is published);
 *  12. with --pg-out, the folder is loaded into the PostgreSQL store in one
 *      transaction (connectors/pg/pg_store.h);
 *  13. with --state, the intent --state/publish.intent is written and
 *      fsync'ed: the period, the SHA-256 of the folder's manifest.json and
 *      the absolute --out;
 *  14. the folder is renamed into place at --out (or exchanged with the
 *      previous run there, which is then removed), and --out's parent
 *      fsync'ed;
 *  15. with --state, the staged copy is renamed into place as
 *      runs/YYYYMM (exchanged with the previous one, then removed), and
 *      the intent removed.
 * A failure or a cancellation before step 14 leaves --out as it was (and
 * --state as it was but for an audit record of step 9); a failure in step
 * 15 says that the outputs were published but not yet kept, and the
 * intent stays for the next run.
 *
 * Crash recovery (step 3).  kill -9 or a power loss can stop a run at any
 * moment; --out always holds the previous or the new complete run (the
 * rename is one step), and the intent says which the history must keep.
 * The next run with this --state, holding its lock and that of the
 * intent's --out (its own, or the other --out's taken for the
 * moment), compares the SHA-256 of --out/manifest.json with the intent:
 * equal, the rename happened and the run in --out is kept in --state
 * (rolled forward: its files copied again, whatever step 15 had done);
 * different or missing, the rename never happened (or a later run without
 * --state replaced --out) and the intent is dropped (rolled back: the
 * history is as before the killed run).  Without an intent, the runs
 * kept in --state are as the last run that got past step 15 left them
 * (a killed run may have left temporaries, and an audit record of step
 * 9).  A failed recovery fails the run (exit 3)
 * and leaves the intent for the next one.
 *
 * Test hook: HHMATCH_TEST_PAUSE_AT=STEP makes the run stop itself
 * (SIGSTOP) when it reaches STEP, so a test can kill -9 it exactly there
 * (tests/e2e/it_kill.sh); it is read in one place, publish.c's pause_at.
 * The steps: open (after 5), engine (after the engine's outputs),
 * alerts, audit, manifest, stage, intent, exchanged (the new run in
 * place, the previous one beside it not yet removed), rename, commit (the
 * staged copy in place, the intent not yet removed), done.
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
	/* fs_now_seconds() when the command started (report.json's
	 * timings_seconds.total counts from it); 0: unknown, total 0 */
	double started;
} publish_cfg;

typedef struct publication publication;

/* Steps 1-5.  pc (and what it points to) must outlive the publication. */
hh_status publish_open(const publish_cfg *pc, publication **out, hh_err *err);

/* Steps 6-15: runs e and publishes its outputs; *sum is the engine's
 * summary and *alerts the number of alerts written (0 without a state). */
hh_status publish_run(publication *p, engine *e, engine_summary *sum,
		      unsigned long *alerts, hh_err *err);

void publish_close(publication *p);

#endif
