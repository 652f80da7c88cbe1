/* publish.c - the publication pipeline of `hhmatch run` (see publish.h). */
#include "commands/publish.h"

#include <limits.h>

#include "base/fsutil.h"
#include "connectors/pg/pg_store.h"
#include "history/alerts.h"
#include "history/state.h"

hh_status publish_run(const publish_cfg *pc, engine *e, engine_summary *sum,
		      unsigned long *alerts, hh_err *err)
{
	char tmp[PATH_MAX];
	*alerts = 0;
	HH_TRY(fs_temp_beside(pc->out_dir, tmp, sizeof tmp, err));
	hh_status st = engine_run(e, tmp, sum, err);
	if (st == HH_OK && pc->state_dir)
		st = alerts_write(pc->state_dir, pc->period, tmp, alerts, err);
	if (st == HH_OK)
		st = engine_check_cancel(e, err);
	if (st == HH_OK && pc->pg_out)
		st = pgstore_publish(pc->pg_out, tmp, pc->period, err);
	if (st == HH_OK)
		st = fs_replace_dir(tmp, pc->out_dir, err);
	if (st != HH_OK) {
		fs_remove_tree(tmp);
		return st;
	}
	if (pc->state_dir && (st = state_save(pc->state_dir, pc->period, pc->out_dir, err)))
		return hh_wrap(err, HH_EINTERNAL,
			       "outputs published in %s but not kept in the state %s "
			       "(a rerun of the period is safe)", pc->out_dir, pc->state_dir);
	return HH_OK;
}
