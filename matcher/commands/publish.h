/*
 * publish.h - the publication pipeline of `hhmatch run`: all or nothing.
 *
 *   1. a temporary folder is made beside --out (".OUT.tmp-XXXXXX");
 *   2. the engine writes the run's outputs into it (engine_run);
 *   3. with --state, alerts.jsonl is added: the run against the latest
 *      earlier period in the history (history/state.h);
 *   4. with --pg-out, the folder is loaded into the PostgreSQL store in one
 *      transaction (connectors/pg/);
 *   5. the folder is renamed into place at --out (or exchanged with the
 *      previous run there, which is then removed);
 *   6. with --state, the published run is kept in the history.
 * A failure or a cancellation before step 5 removes the temporary folder
 * and leaves --out as it was; a failure in step 6 says that the outputs
 * were published but not kept (a rerun of the period is safe).
 *
 * Thread safety: one publication at a time per --out and --state.
 */
#ifndef HH_PUBLISH_H
#define HH_PUBLISH_H

#include "engine/engine.h"

typedef struct {
	int period;                /* YYYYMM */
	const char *out_dir;
	const char *state_dir;     /* NULL, or the run history */
	const char *pg_out;        /* NULL, or a store to publish into */
} publish_cfg;

/* Runs e (engine_run) and publishes its outputs as above; *sum is the
 * engine's summary and *alerts the number of alerts written (0 without
 * a state). */
hh_status publish_run(const publish_cfg *pc, engine *e, engine_summary *sum,
		      unsigned long *alerts, hh_err *err);

#endif
