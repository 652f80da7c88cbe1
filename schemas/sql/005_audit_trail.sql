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
