-- 003_alert_retractions.sql - withdrawn alerts in the outbox.
--
-- Applied like 001_init.sql (pgstore_publish); idempotent.
--
-- A rerun of a period that no longer produces an alert of the period's
-- previous run writes a line of kind 'retracted' into alerts.jsonl, naming
-- the withdrawn alert_id in `retracts` (matcher/history/alerts.c).  It is
-- loaded like every alert: a new row, inserted once per alert_id, with
-- NOTIFY hhmatch_alerts at commit.  The withdrawn row is never deleted or
-- changed (a consumer may have read it already): the retraction comes
-- after it, and a consumer undoes what it did for `retracts`.  A
-- retraction of an alert_id the consumer never saw (it started later)
-- needs nothing done.  An alert that comes back after a retraction is a
-- new row with a new alert_id (payload member `generation`), so a
-- consumer that drops the ids it has seen still receives it.
--
-- The consumer's query of 001_init.sql returns the new column too:
--   UPDATE hhmatch.alert_outbox SET consumed = now()
--    WHERE alert_id IN (SELECT alert_id FROM hhmatch.alert_outbox
--                        WHERE consumed IS NULL ORDER BY created, alert_id
--                        LIMIT 500 FOR UPDATE SKIP LOCKED)
--   RETURNING alert_id, period, household_id, kind, risk_level, reasons,
--             retracts, payload;
-- A retraction is always created after the alert it withdraws (a later
-- publish), so ORDER BY created hands them out in that order.

ALTER TABLE hhmatch.alert_outbox ADD COLUMN IF NOT EXISTS retracts text;

-- kind 'retracted' exactly when retracts is set
DO $$
BEGIN
	IF NOT EXISTS (SELECT 1 FROM pg_constraint
	                WHERE conname = 'alert_outbox_retracts'
	                  AND conrelid = 'hhmatch.alert_outbox'::regclass) THEN
		ALTER TABLE hhmatch.alert_outbox ADD CONSTRAINT alert_outbox_retracts
			CHECK ((kind = 'retracted') = (retracts IS NOT NULL));
	END IF;
END
$$;

CREATE INDEX IF NOT EXISTS alert_outbox_by_retracts
	ON hhmatch.alert_outbox (retracts) WHERE retracts IS NOT NULL;

-- The alerts that stand: every alert no retraction withdraws (a system
-- that starts from scratch, or reconciles, reads this instead of
-- replaying the outbox).
CREATE OR REPLACE VIEW hhmatch.alerts_in_force AS
SELECT a.alert_id, a.period, a.household_id, a.kind, a.risk_level, a.reasons,
       a.payload, a.created, a.consumed
  FROM hhmatch.alert_outbox AS a
 WHERE a.kind <> 'retracted'
   AND NOT EXISTS (SELECT 1 FROM hhmatch.alert_outbox AS r
                    WHERE r.retracts = a.alert_id);
