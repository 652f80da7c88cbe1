/*
 * engine.h - the monthly run: read, link, aggregate, flag, publish.
 *
 * engine_run is the whole of `hhmatch run` below the command line:
 *
 *   1. ingest   every present source is a work item; --threads workers
 *               take them largest first.  Each worker parses, validates,
 *               pseudonymises and folds its rows into that source's
 *               per-person aggregate table (ptab, keyed by pid), and keeps
 *               its own rejects and findings: no lock is shared on the
 *               row path.  The roster (civil_affairs) keeps its rows and
 *               links each to its person as it reads them.  A
 *               PostgreSQL table is pulled in slices by several workers,
 *               which share that source's table under one lock.
 *   2. repair   rows whose ID failed validation but might be a typo were
 *               set aside; now that the whole roster is known they are
 *               repaired (one candidate on the roster with the same name)
 *               or rejected.
 *   3. households  roster members are grouped into households (in the
 *               order they arrived, split into ranges evaluated in
 *               parallel, while another thread sorts the household ids),
 *               looked up in the four aggregate tables, and the rules are
 *               applied; audit, dedup and discovery findings are produced.
 *   4. publish  outputs are written to a temporary folder beside --out;
 *               with --state, alerts against the latest earlier period
 *               are added; with --pg-out the folder is stored in
 *               PostgreSQL; then it is renamed into place, and kept in
 *               the state.
 *
 * Every output is sorted, so the bytes do not depend on the thread count.
 *
 * Thread safety: engine_run is re-entrant (no globals); it creates and
 * joins its own threads.  ThreadSanitizer runs over it in CI.
 */
#ifndef HH_ENGINE_H
#define HH_ENGINE_H

#include <stdint.h>

#include "base/hh_error.h"
#include "connectors/instream.h"
#include "domain/pid.h"
#include "domain/rules.h"
#include "domain/schema.h"
#include "domain/sources.h"

typedef struct {
	const char *path;          /* file or postgresql:// URI; NULL: absent */
	hh_encoding encoding;
} engine_source;

typedef struct {
	int period;                /* YYYYMM */
	const pid_key *key;
	const rules *rules;
	const schema *schema;
	engine_source src[SRC_COUNT];
	int threads;               /* >= 1 */
	const char *out_dir;
	int progress;              /* progress lines on stderr */
	const char *pg_out;        /* NULL, or a store to publish into */
	const char *state_dir;     /* NULL, or the run history (state.h) */
	/* NULL, or a flag a signal handler sets: the run stops at the next
	 * check (every few thousand rows, between phases) and publishes
	 * nothing, as for any other failure.  An atomic, not a sig_atomic_t:
	 * worker threads read it. */
	const _Atomic int *cancel;
} engine_cfg;

typedef struct {
	uint64_t rows_read, rows_accepted, rows_rejected;
	uint64_t households, flagged, level[4]; /* by risk_level */
	uint64_t findings;
	uint64_t findings_by_code[16];
	unsigned long alerts;      /* with state_dir */
} engine_summary;

/* Runs the month.  On success the outputs are in cfg->out_dir and *sum is
 * filled.  On failure nothing is left in out_dir (an earlier run's
 * outputs there stay as they were) and err says what failed. */
hh_status engine_run(const engine_cfg *cfg, engine_summary *sum, hh_err *err);

/* Finding codes, sorted by name (the order of findings.csv). */
typedef enum {
	F_A_DECEASED,
	F_A_HIGH_INCOME,
	F_A_MULTI_PROPERTY,
	F_A_PUBLIC_SECTOR,
	F_D_DUP_ROW,
	F_D_ID_REPAIRED,
	F_D_INCONSISTENT_INCOME,
	F_D_MULTI_HOUSEHOLD,
	F_X_DISCOVERY,
	F_COUNT
} finding_code;

const char *engine_finding_name(finding_code c);

#endif
