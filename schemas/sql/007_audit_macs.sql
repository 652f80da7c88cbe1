-- 007_audit_macs.sql - every audit record authenticated by a mac.
--
-- A record appended from now on carries the id of the audit key (the
-- first 8 hex of SHA-256 of the key, `hhmatch audit --audit-key FILE`)
-- and the HMAC-SHA256 under that key of its text (auditrec.h).  The
-- record's text is rebuilt from the columns as
--   {"seq":<id>,...,"pids":[..],"audit_key_id":..,"mac":..,"prev_sha256":..
-- and, for rows written before this migration (both NULL), without the
-- two members, so that they keep verifying as legacy records: verify-log
-- accepts them only before the first record with a mac.  The audit key is
-- not the run's key, and it is never in the store: whoever can write this
-- table but does not hold the key cannot write a record that verifies.
--
-- Applied like 001_init.sql; idempotent.
ALTER TABLE hhmatch.audit_log ADD COLUMN IF NOT EXISTS audit_key_id text;
ALTER TABLE hhmatch.audit_log ADD COLUMN IF NOT EXISTS mac text;
DO $$
BEGIN
	ALTER TABLE hhmatch.audit_log ADD CONSTRAINT audit_log_mac
		CHECK ((audit_key_id IS NULL AND mac IS NULL) OR
		       (audit_key_id ~ '^[0-9a-f]{8}$' AND mac ~ '^[0-9a-f]{64}$'));
EXCEPTION WHEN duplicate_object THEN
	NULL;
END
$$;
