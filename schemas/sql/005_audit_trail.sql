-- 005_audit_trail.sql - the audit log's head, anchored outside the log.
--
-- A hash chain shows a record changed, removed or reordered anywhere but
-- at the end: what is left after its last records are deleted (or all of
-- them) is an intact chain.  So every append to hhmatch.audit_log inserts,
-- in the same transaction, the log's new head here: the number of records
-- and the SHA-256 of the last record's line (the prev_sha256 the next
-- record will carry).  `hhmatch audit verify-log --pg URI` checks the log
-- against the latest head (the row with the most records): a log that
-- holds fewer records, or whose record N hashes otherwise, fails naming
-- the first record that is not as anchored.  One row per append, never
-- updated, so the table is a second, unchained witness of the log's
-- growth.
--
-- Applied like 001_init.sql (pgstore_publish, or pgstore_migrate when an
-- audit finds a table missing); idempotent.
CREATE TABLE IF NOT EXISTS hhmatch.audit_head (
	records  bigint PRIMARY KEY CHECK (records >= 1),
	sha256   text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
	at       timestamptz NOT NULL DEFAULT now()
);

-- Append-only, by privileges and by triggers.
--
-- Two roles, created once per cluster (roles are cluster-wide, and several
-- databases of one cluster run these migrations: created only when
-- missing, and a concurrent creator's duplicate_object is not an error):
--   hhmatch_audit_writer  appends: INSERT into audit_log and audit_head,
--                         SELECT on audit_log (the last record, to chain
--                         to it); nothing else.  Appenders serialise on an
--                         advisory lock, not LOCK TABLE, which would ask
--                         for UPDATE.
--   hhmatch_audit_reader  SELECT on the store's tables (the run to answer
--                         from, the log and its heads to verify).
-- A login that runs `hhmatch audit --pg` needs both; an auditor who only
-- verifies needs the reader:
--   GRANT hhmatch_audit_reader, hhmatch_audit_writer TO caseworker_login;
--   GRANT hhmatch_audit_reader TO auditor_login;
-- Creating the roles needs CREATEROLE (or a DBA creates them first, and
-- this skips them).
--
-- The triggers refuse UPDATE and DELETE of any row, and TRUNCATE, to every
-- role but a superuser, so that not even the tables' owner (the role that
-- publishes and migrates) changes a record by mistake.  A superuser could
-- drop the triggers anyway; letting one through keeps deliberate repairs
-- (and the tests that tamper on purpose) possible, and what a superuser
-- does is still seen by verify-log: the chain names a changed or removed
-- record, audit_head a removed last one.
DO $$
BEGIN
	IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'hhmatch_audit_writer') THEN
		BEGIN
			CREATE ROLE hhmatch_audit_writer NOLOGIN;
		EXCEPTION WHEN duplicate_object OR unique_violation THEN
			NULL;
		END;
	END IF;
	IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'hhmatch_audit_reader') THEN
		BEGIN
			CREATE ROLE hhmatch_audit_reader NOLOGIN;
		EXCEPTION WHEN duplicate_object OR unique_violation THEN
			NULL;
		END;
	END IF;
END
$$;

REVOKE ALL ON hhmatch.audit_log, hhmatch.audit_head FROM PUBLIC;
GRANT USAGE ON SCHEMA hhmatch TO hhmatch_audit_writer, hhmatch_audit_reader;
GRANT SELECT, INSERT ON hhmatch.audit_log TO hhmatch_audit_writer;
GRANT INSERT ON hhmatch.audit_head TO hhmatch_audit_writer;
GRANT SELECT ON ALL TABLES IN SCHEMA hhmatch TO hhmatch_audit_reader;
-- tables later migrations create (run by the same role) are readable too
ALTER DEFAULT PRIVILEGES IN SCHEMA hhmatch GRANT SELECT ON TABLES TO hhmatch_audit_reader;

CREATE OR REPLACE FUNCTION hhmatch.audit_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	IF current_setting('is_superuser') = 'on' THEN
		RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
	END IF;
	RAISE EXCEPTION '%.% is append-only: % refused', TG_TABLE_SCHEMA, TG_TABLE_NAME, TG_OP
		USING HINT = 'audit records are never changed or removed; '
			'hhmatch audit verify-log names any that were';
END
$$;

DROP TRIGGER IF EXISTS audit_log_append_only ON hhmatch.audit_log;
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON hhmatch.audit_log
	FOR EACH ROW EXECUTE FUNCTION hhmatch.audit_append_only();
DROP TRIGGER IF EXISTS audit_log_no_truncate ON hhmatch.audit_log;
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON hhmatch.audit_log
	FOR EACH STATEMENT EXECUTE FUNCTION hhmatch.audit_append_only();
DROP TRIGGER IF EXISTS audit_head_append_only ON hhmatch.audit_head;
CREATE TRIGGER audit_head_append_only BEFORE UPDATE OR DELETE ON hhmatch.audit_head
	FOR EACH ROW EXECUTE FUNCTION hhmatch.audit_append_only();
DROP TRIGGER IF EXISTS audit_head_no_truncate ON hhmatch.audit_head;
CREATE TRIGGER audit_head_no_truncate BEFORE TRUNCATE ON hhmatch.audit_head
	FOR EACH STATEMENT EXECUTE FUNCTION hhmatch.audit_append_only();
