/*
 * pg_store.h - the PostgreSQL result store: publishing a finished run
 * folder into it, and its schema's migrations.
 *
 * pgstore_publish loads a run folder (the CSV files and report.json that
 * `hhmatch run` wrote) into the hhmatch.* tables in one transaction,
 * replacing that period's earlier rows: either all of the run is
 * committed or none of it.  The alert outbox is the exception: its rows
 * are kept whatever the reruns (once per alert_id), and a rerun adds its
 * retractions of earlier alerts as rows, never deleting any.  The schema
 * is created and migrated from the versioned SQL files in schemas/sql/,
 * embedded in the binary by scripts/pg_sql.cmake.  Publishers and migrations take one advisory
 * lock, so they run one at a time against a store.
 *
 * Messages start "publishing DIR to URI: " (the URI redacted) and name
 * the file and what failed; every failure is HH_EINTERNAL (an output
 * error) except a bad URI or period (HH_EUSAGE).
 *
 * Thread safety: each call opens and closes its own connection.
 */
#ifndef HH_PG_STORE_H
#define HH_PG_STORE_H

#include "base/hh_error.h"

/* Publishes the run in dir (households.csv, flags.csv, findings.csv,
 * rejects.csv, report.json, and explain.csv and alerts.jsonl when
 * present) for period YYYYMM into the store at uri (no table= or
 * query=).  cancel (NULL: none) is the run's flag, set by its signal
 * handler: every wait of the publish (connecting, the advisory lock, each
 * statement, each COPY FROM STDIN chunk) looks at it, and once it is set
 * the statement in progress is cancelled and the publish fails
 * (HH_EINTERNAL, "publishing DIR to URI: WHAT: interrupted by a signal;
 * nothing was published"), the transaction rolled back by closing the
 * connection.  COMMIT itself is not interrupted: once sent, the publish
 * has happened or not, and the caller is told which. */
hh_status pgstore_publish_cancellable(const char *uri, const char *dir, int period,
				      const _Atomic int *cancel, hh_err *err);

/* pgstore_publish_cancellable without a cancel flag. */
hh_status pgstore_publish(const char *uri, const char *dir, int period, hh_err *err);

/* Applies the migrations from schemas/sql/ that the store at uri lacks,
 * in a transaction of its own, as pgstore_publish does before loading. */
hh_status pgstore_migrate(const char *uri, hh_err *err);

#endif
