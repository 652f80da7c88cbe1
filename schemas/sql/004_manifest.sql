-- 004_manifest.sql - each run's manifest, kept with the run.
--
-- Applied like 001_init.sql (pgstore_publish); idempotent.
--
-- manifest.json (matcher/history/manifest.h: the SHA-256 of every input
-- and output of the run, the rules in effect) and, for a run made with
-- `hhmatch run --sign-key`, manifest.sig (the Ed25519 signature of
-- manifest.json's exact bytes, and the signing key's fingerprint).  Both
-- are text holding the files' exact bytes, not jsonb: jsonb re-formats, and
-- a signature only verifies over the bytes that were signed.  An auditor
-- can write them back out and check them:
--   psql -Atc "SELECT manifest FROM hhmatch.runs WHERE period = 202611" > manifest.json
-- (psql adds a newline: strip the last one, or compare with the run folder's
-- copy).  NULL for runs published before this migration.

ALTER TABLE hhmatch.runs ADD COLUMN IF NOT EXISTS manifest text;
ALTER TABLE hhmatch.runs ADD COLUMN IF NOT EXISTS manifest_sig text;
