-- 001_init.sql - hhmatch result store, schema version 1.
--
-- Applied by pgstore_publish (connectors/pg.c) inside the publishing
-- transaction when hhmatch.schema_version says it has not been yet; every
-- statement is idempotent (IF NOT EXISTS) so that running it twice, or on a
-- store set up by hand, does no harm.  Later changes go in new files
-- (002_*.sql, ...): never edit a file that has shipped.  The files are
-- embedded in the binary at build time (scripts/pg_sql.cmake).
--
-- One run per period: publishing a period deletes that period's rows and
-- loads the new ones in the same transaction, so readers see the old run or
-- the new one, never a mix.  alert_outbox is the exception: an alert_id is
-- inserted once and kept whatever the reruns.
--
-- Consumer's side of the outbox: LISTEN hhmatch_alerts; a notification
-- (payload: the period) arrives when a commit added new alerts.  Then take
-- the unconsumed alerts and mark them in one transaction, for example
--   UPDATE hhmatch.alert_outbox SET consumed = now()
--    WHERE alert_id IN (SELECT alert_id FROM hhmatch.alert_outbox
--                        WHERE consumed IS NULL ORDER BY created, alert_id
--                        LIMIT 500 FOR UPDATE SKIP LOCKED)
--   RETURNING alert_id, period, household_id, kind, risk_level, reasons, payload;
-- and repeat until it returns nothing.  Poll the same query at start-up
-- (notifications sent while nobody listened are not replayed).

CREATE SCHEMA IF NOT EXISTS hhmatch;

CREATE TABLE IF NOT EXISTS hhmatch.schema_version (
	version  integer PRIMARY KEY,
	name     text NOT NULL,
	applied  timestamptz NOT NULL DEFAULT now()
);

-- One row per published period; report is report.json as written by the run.
CREATE TABLE IF NOT EXISTS hhmatch.runs (
	period     integer PRIMARY KEY CHECK (period BETWEEN 190001 AND 999912),
	key_id     text,
	version    text,
	started    timestamptz,
	published  timestamptz NOT NULL DEFAULT now(),
	report     jsonb NOT NULL
);

-- households.csv: one row per counted roster household.
CREATE TABLE IF NOT EXISTS hhmatch.households (
	period             integer NOT NULL,
	household_id       text NOT NULL,
	region_code        text NOT NULL,
	category           text NOT NULL,
	members            integer NOT NULL,
	household_income   numeric NOT NULL,
	income_per_capita  numeric,
	oop_12m            numeric,
	edu_net_fees       numeric,
	risk_score         integer NOT NULL,
	risk_level         text NOT NULL,
	reasons            text,
	PRIMARY KEY (period, household_id)
);
CREATE INDEX IF NOT EXISTS households_by_household
	ON hhmatch.households (household_id, period);
CREATE INDEX IF NOT EXISTS households_by_region
	ON hhmatch.households (period, region_code);

-- flags.csv: the flagged households (risk_level medium or high).
CREATE TABLE IF NOT EXISTS hhmatch.flags (
	period             integer NOT NULL,
	household_id       text NOT NULL,
	region_code        text NOT NULL,
	category           text NOT NULL,
	members            integer NOT NULL,
	household_income   numeric NOT NULL,
	income_per_capita  numeric,
	oop_12m            numeric,
	edu_net_fees       numeric,
	risk_score         integer NOT NULL,
	risk_level         text NOT NULL,
	reasons            text,
	PRIMARY KEY (period, household_id)
);
CREATE INDEX IF NOT EXISTS flags_by_household
	ON hhmatch.flags (household_id, period);

-- findings.csv; region_code is findings.csv's own column when the run
-- wrote one (the household's region, else the ID's: X_DISCOVERY has one
-- too), else filled at publish from the household.
CREATE TABLE IF NOT EXISTS hhmatch.findings (
	period        integer NOT NULL,
	code          text NOT NULL,
	source        text,
	household_id  text,
	pid           text,
	detail        text,
	region_code   text
);
CREATE INDEX IF NOT EXISTS findings_by_period
	ON hhmatch.findings (period, code);
CREATE INDEX IF NOT EXISTS findings_by_pid
	ON hhmatch.findings (pid, period);
CREATE INDEX IF NOT EXISTS findings_by_household
	ON hhmatch.findings (household_id, period);
CREATE INDEX IF NOT EXISTS findings_by_code_region
	ON hhmatch.findings (code, region_code, period);

-- rejects.csv; for a PostgreSQL source, line is the source's hh_row.
CREATE TABLE IF NOT EXISTS hhmatch.rejects (
	period  integer NOT NULL,
	source  text NOT NULL,
	file    text,
	line    bigint,
	reason  text NOT NULL
);
CREATE INDEX IF NOT EXISTS rejects_by_source
	ON hhmatch.rejects (period, source, line);

-- Per-source counts, taken from report.json at publish.
CREATE TABLE IF NOT EXISTS hhmatch.source_counts (
	period             integer NOT NULL,
	source             text NOT NULL,
	file               text,
	sha256             text,
	rows_read          bigint,
	rows_accepted      bigint,
	rows_rejected      bigint,
	persons            bigint,
	persons_on_roster  bigint,
	rejects_by_reason  jsonb,
	PRIMARY KEY (period, source)
);

-- alerts.jsonl, kept across reruns: one row per alert_id, ever.
CREATE TABLE IF NOT EXISTS hhmatch.alert_outbox (
	alert_id      text PRIMARY KEY,
	period        integer NOT NULL,
	household_id  text NOT NULL,
	kind          text NOT NULL,
	risk_level    text,
	reasons       text,
	payload       jsonb NOT NULL,
	created       timestamptz NOT NULL DEFAULT now(),
	consumed      timestamptz
);
CREATE INDEX IF NOT EXISTS alert_outbox_by_period
	ON hhmatch.alert_outbox (period, household_id);
CREATE INDEX IF NOT EXISTS alert_outbox_pending
	ON hhmatch.alert_outbox (created, alert_id) WHERE consumed IS NULL;

-- NOTIFY hhmatch_alerts, '<period>' for every newly inserted alert; the
-- server folds identical notifications of one transaction into one, and
-- delivers them only at commit (a rolled-back publish notifies nobody).
-- Rows skipped by ON CONFLICT DO NOTHING fire nothing.
CREATE OR REPLACE FUNCTION hhmatch.alert_outbox_notify() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	PERFORM pg_notify('hhmatch_alerts', NEW.period::text);
	RETURN NULL;
END
$$;

DO $$
BEGIN
	IF NOT EXISTS (SELECT 1 FROM pg_trigger
	                WHERE tgname = 'alert_outbox_notify'
	                  AND tgrelid = 'hhmatch.alert_outbox'::regclass) THEN
		CREATE TRIGGER alert_outbox_notify
			AFTER INSERT ON hhmatch.alert_outbox
			FOR EACH ROW EXECUTE FUNCTION hhmatch.alert_outbox_notify();
	END IF;
END
$$;
