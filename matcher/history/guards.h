/*
 * guards.h - the delivery guards of `hhmatch run`: a month that looks
 * broken against the run history is refused before anything is
 * published, unless the operator accepts it by name.
 *
 * A monthly run feeds caseworker systems, so a broken delivery (a failed
 * export, last month's file sent again, an extract pseudonymised under
 * another key) must not turn into thousands of false alerts.  The
 * publication (commands/publish.c) calls, in this order:
 *
 *   guards_new      with --accept and --new-key (a usage error for an
 *                   unknown name, before anything else is done);
 *   guards_before   before any source is read: the period against the
 *                   periods kept in --state, and the run's key_id against
 *                   the key_id of the run it would be compared with;
 *   guards_after    once the engine has written the run's folder (still
 *                   the temporary one) and before alerts and publication:
 *                   the run's report.json against the latest earlier
 *                   period's (counts, sources, digests), and two checks
 *                   that need no history (hr and medical rows the run can
 *                   use); it adds "accepted", "warnings" and "new_key" to
 *                   the folder's report.json;
 *   guards_log      after alerts, before anything is published (the
 *                   PostgreSQL store, --out): one record in the state's
 *                   audit log when something was accepted or a new key
 *                   started a new baseline, so no published override
 *                   lacks its record.
 *
 * The guards (names for --accept, in guards_names):
 *   period_gap         the period is more than guard_max_period_gap months
 *                      after the latest period kept, or before it and never
 *                      run
 *   household_drop     counted roster households fell by more than
 *                      guard_household_drop
 *   source_missing     a source delivered last period is absent
 *   roster_link_drop   a source's share of roster persons it holds fell by
 *                      more than guard_roster_link_drop
 *   hr_no_current      hr holds no row at or before the run period
 *   medical_no_window  medical holds no settlement in the medical window
 * The last two apply without history too.  A key change is not accepted
 * by name: --new-key says the new key is meant, and the run then starts a
 * new baseline: alerts compare it with no earlier period (guards_new_key).
 * A refusal is HH_EINPUT with the figures and the way to accept it; a
 * source with the same SHA-256 as last period's is a warning only.
 *
 * Lifetime: guards_new / guards_free (NULL is a no-op); the texts handed
 * out live until guards_free.  Thread safety: one thread at a time.
 */
#ifndef HH_GUARDS_H
#define HH_GUARDS_H

#include <stddef.h>

#include "base/hh_error.h"
#include "domain/pid.h"
#include "domain/rules.h"

typedef enum {
	GUARD_PERIOD_GAP,
	GUARD_HOUSEHOLD_DROP,
	GUARD_SOURCE_MISSING,
	GUARD_ROSTER_LINK_DROP,
	GUARD_HR_NO_CURRENT,
	GUARD_MEDICAL_NO_WINDOW,
	GUARD_COUNT
} guard_id;

/* A guard's name (for --accept) and what it refuses, in one line (for
 * `hhmatch run --help`), indexed by guard_id. */
typedef struct {
	const char *name;
	const char *what;
} guards_name;

extern const guards_name guards_names[GUARD_COUNT];

typedef struct guards guards;

/* accept: the --accept list ("household_drop,source_missing"; NULL or ""
 * for none; spaces around names are ignored); new_key: --new-key given.
 * An unknown name is HH_EUSAGE naming it and listing the names. */
hh_status guards_new(const char *accept, int new_key, guards **out, hh_err *err);
void guards_free(guards *g);

/* Checks period and key_id (the run's key, 8 hex) against state_dir
 * (NULL: no history, nothing to check).  The key is compared with the
 * run of the same period when it is kept (a rerun), else with the latest
 * earlier period, else with the earliest later one.  Reads only the
 * state; HH_EINPUT when a guard refuses, HH_EINPUT or HH_EINTERNAL when
 * the state cannot be read. */
hh_status guards_before(guards *g, const char *state_dir, int period, const char *key_id,
			const rules *ru, hh_err *err);

/* 1 when this run starts a new baseline (a key change with --new-key, or
 * a rerun of a period that started one): alerts must treat it as having
 * no earlier period.  Valid after guards_before. */
int guards_new_key(const guards *g);

/* Checks the run written into run_dir (its report.json) for period,
 * against the latest earlier period in state_dir (NULL: the checks that
 * need no history only), and adds the guards' outcome to
 * run_dir/report.json.  HH_EINPUT when a guard refuses (report.json is
 * then left as it was). */
hh_status guards_after(guards *g, const char *state_dir, int period, const char *run_dir,
		       const rules *ru, hh_err *err);

/* The warnings of guards_before and guards_after (a source identical to
 * last period's, an --accept name that had nothing to accept...), each
 * one line naming the source and file where there is one, to print as
 * "hhmatch run: warning: TEXT". */
size_t guards_nwarnings(const guards *g);
const char *guards_warning(const guards *g, size_t i);

/* With state_dir, and when a guard was accepted or the run starts a new
 * baseline: appends one record to state_dir/audit.log (operator: the
 * user the process runs as; purpose "run"; query {"command":"run",
 * "period":"YYYYMM","accepted":[names],"new_key":bool}), sealed under
 * audit_key (auditrec.h; NULL there is HH_EUSAGE, AUDITREC_KEY_NEEDED).
 * Otherwise does nothing. */
hh_status guards_log(const guards *g, const char *state_dir, int period,
		     const pid_key *audit_key, hh_err *err);

#endif
