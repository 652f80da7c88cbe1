-- 006_audit_operators.sql - who asked, as the system knows it.
--
-- A record names the OS account that ran hhmatch (os_user) and, over
-- this store, the database session_user (db_user); --operator NAME is
-- only a name beside them (operator, NULL when none was given).  The
-- record's text (auditrec.h) is rebuilt from the columns as
--   {"seq":<id>,"time":..,"os_user":..,"db_user":..[,"operator":..],
--    "purpose":..,...
-- and, for rows written before this migration (os_user NULL), in the old
-- shape {"seq":<id>,"time":..,"operator":..,"purpose":..,... so that they
-- keep verifying.
--
-- Applied like 001_init.sql; idempotent.
ALTER TABLE hhmatch.audit_log ADD COLUMN IF NOT EXISTS os_user text;
ALTER TABLE hhmatch.audit_log ADD COLUMN IF NOT EXISTS db_user text;
ALTER TABLE hhmatch.audit_log ALTER COLUMN operator DROP NOT NULL;
DO $$
BEGIN
	ALTER TABLE hhmatch.audit_log ADD CONSTRAINT audit_log_who
		CHECK (os_user IS NOT NULL OR operator IS NOT NULL);
EXCEPTION WHEN duplicate_object THEN
	NULL;
END
$$;
