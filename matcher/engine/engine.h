/*
 * engine.h - the monthly run: read, link, aggregate, flag, write.
 *
 * engine_run is the join itself, below the command line and above the
 * publication (commands/publish.c puts the folder it writes in place):
 *
 *   1. ingest   every present source is a work item; --threads workers
 *               take them largest first.  Each worker parses, validates,
 *               pseudonymises and folds its rows into that source's
 *               per-person aggregate table (ptab, keyed by pid), and keeps
 *               its own rejects and findings: no lock is shared on the
 *               row path.  The roster (civil_affairs) keeps its rows and
 *               links each to its person as it reads them.  A
 *               PostgreSQL table is pulled in slices by several workers,
 *               which share that source's table under one lock.  With
 *               more than one thread, a local file is read in morsels
 *               of records: a worker that has no source left helps with
 *               any still being read, parsing morsels in parallel; valid
 *               rows settle into 16 parts of the source's table by pid
 *               (each part in file order, different parts at once), and
 *               the roster's rows, rejects and set-aside rows one morsel
 *               at a time in file order (engine_int.h, split_read), so
 *               one dominant source no longer leaves the other workers
 *               idle.
 *   2. repair   rows whose ID failed validation but might be a typo were
 *               set aside; now that the whole roster is known they are
 *               repaired (one candidate on the roster with the same name)
 *               or rejected.
 *   3. households  roster members are grouped into households (in the
 *               order they arrived, split into ranges evaluated in
 *               parallel, while another thread sorts the household ids),
 *               looked up in the four aggregate tables, and the rules are
 *               applied; audit, dedup and discovery findings are produced.
 *   4. outputs  households.csv, flags.csv, findings.csv, rejects.csv,
 *               explain.csv and report.json are written into the folder
 *               the caller gives (a temporary one: the caller publishes).
 *
 * Every output is sorted, so the bytes do not depend on the thread count.
 *
 * Lifetime: engine_new / engine_free (NULL is a no-op); engine_run once
 * per engine.  cfg and what it points to must outlive the engine.
 *
 * Thread safety: the engine is re-entrant (no globals); engine_run
 * creates and joins its own threads.  engine_progress may be called from
 * another thread while engine_run runs.  ThreadSanitizer runs over it in
 * CI.
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
	char delim;                /* a file's delimiter; 0: from its name (csv.h) */
} engine_source;

typedef struct {
	int period;                /* YYYYMM */
	const pid_key *key;
	const rules *rules;
	const schema *schema;
	engine_source src[SRC_COUNT];
	int threads;               /* >= 1 */
	/* NULL, or a flag a signal handler sets: the run stops at the next
	 * check (every few thousand rows, between phases) and publishes
	 * nothing, as for any other failure.  An atomic, not a sig_atomic_t:
	 * worker threads read it. */
	const _Atomic int *cancel;
	/* 1: every CSV output starts with a UTF-8 byte order mark, which
	 * Excel on Chinese Windows needs to read UTF-8 (run --csv-bom); 0:
	 * the contract's bytes. */
	int csv_bom;
	/* NULL: one process.  Else the job this process is a rank of (run
	 * --mpi): every rank makes an engine with the same settings and calls
	 * engine_run; rank 0 alone writes into dir (the others may pass
	 * NULL), and every rank returns the same status. */
	struct comm *comm;
} engine_cfg;

typedef struct {
	uint64_t rows_read, rows_accepted, rows_rejected;
	uint64_t households, flagged, level[4]; /* by risk_level */
	uint64_t findings;
	uint64_t findings_by_code[16];
	/* wall-clock seconds of the phases (report.json's timings_seconds;
	 * a source's own is engine_progress's seconds) */
	double seconds_ingest, seconds_repair, seconds_households, seconds_outputs;
} engine_summary;

typedef struct engine engine;

/* Checks the configuration against the schema and sets every source up
 * (nothing is read yet). */
hh_status engine_new(const engine_cfg *cfg, engine **out, hh_err *err);

/* Runs the month and writes the outputs into dir, an existing empty
 * folder; *sum is filled.  On failure err says what failed and dir may
 * hold partial files: the caller removes it. */
hh_status engine_run(engine *e, const char *dir, engine_summary *sum, hh_err *err);

typedef enum {
	ENGINE_SOURCE_WAITING,
	ENGINE_SOURCE_READING,
	ENGINE_SOURCE_DONE
} engine_source_state;

/* How far the reading of one source has come (all its slices together). */
typedef struct {
	int present;              /* the source was given */
	engine_source_state state;
	uint64_t rows;            /* rows read so far */
	uint64_t bytes, total;    /* raw bytes read so far, of total (0: unknown) */
	double seconds;           /* time spent reading it so far */
} engine_source_progress;

/* A snapshot of source s's progress; safe while engine_run runs. */
void engine_progress(const engine *e, source_id s, engine_source_progress *out);

/* HH_OK, or the error for a run cancelled through cfg->cancel ("nothing
 * was published"); the publication checks it between its steps too. */
hh_status engine_check_cancel(const engine *e, hh_err *err);

void engine_free(engine *e);

/* Finding codes, sorted by name (the order of findings.csv). */
typedef enum {
	F_A_DECEASED,
	F_A_HIGH_INCOME,
	F_A_MULTI_PROPERTY,
	F_A_PUBLIC_SECTOR,
	F_D_DUP_ROW,
	F_D_ID_CONFLICT,
	F_D_ID_LINKED,
	F_D_ID_REPAIRED,
	F_D_INCONSISTENT_INCOME,
	F_D_MULTI_HOUSEHOLD,
	F_X_DISCOVERY,
	F_COUNT
} finding_code;

const char *engine_finding_name(finding_code c);

#endif
