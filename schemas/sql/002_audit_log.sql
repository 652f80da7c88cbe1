-- 002_audit_log.sql - what `hhmatch audit --pg` needs from the store:
-- the audit log of the queries, and each household's rule values.
--
-- Applied like 001_init.sql (pgstore_publish, or pgstore_migrate when an
-- audit finds the table missing); idempotent.
--
-- hhmatch.audit_log is the table form of the file log (matcher/auditlog.h):
-- one row per audit query, chained by SHA-256.  The record's text, from
-- which the hashes are computed, is rebuilt from the columns exactly as
-- the file log writes it (connectors/pgaudit.c):
--   {"seq":<id>,"time":"<at, UTC, YYYY-MM-DDTHH:MM:SSZ>","operator":<json>,
--    "purpose":<json>,"query":<query>,"pids":[<json>,...],
--    "prev_sha256":"<prev_sha256>"
-- sha256 is the SHA-256 of that text; prev_sha256 the SHA-256 of the
-- previous record's whole line (the text followed by ,"sha256":"..."}),
-- 64 zeros for id 1.  `hhmatch audit verify-log --pg URI` checks the
-- chain and names the first broken id.
--
-- id is not a sequence: an appender serialises with the others and takes
-- max(id) + 1, so ids run 1..N without the gaps a rolled-back nextval()
-- would leave, and a gap means a removed record.  (Since migration 005
-- appenders take pg_advisory_xact_lock(hashtext('hhmatch.audit_log'))
-- instead of LOCK TABLE, so the appending role needs only SELECT and
-- INSERT: the role hhmatch_audit_writer of 005.)  query is text, not jsonb, because jsonb reorders keys
-- and the hash covers the exact text; cast it (query::jsonb) to search.
CREATE TABLE IF NOT EXISTS hhmatch.audit_log (
	id           bigint PRIMARY KEY CHECK (id >= 1),
	at           timestamptz NOT NULL CHECK (at = date_trunc('second', at)),
	operator     text NOT NULL,
	purpose      text NOT NULL,
	query        text NOT NULL,
	pids         text[] NOT NULL DEFAULT '{}',
	prev_sha256  text NOT NULL CHECK (prev_sha256 ~ '^[0-9a-f]{64}$'),
	sha256       text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$')
);

-- explain.csv: every rule's compared value and threshold per household, so
-- that "why was this household flagged?" can be answered from the store.
-- Column names are explain.csv's header lower-cased (the publisher matches
-- header names case-insensitively); a rule added later adds columns here
-- in a new migration (until then its columns are not stored).
CREATE TABLE IF NOT EXISTS hhmatch.explain (
	period                   integer NOT NULL,
	household_id             text NOT NULL,
	income_line              numeric,
	r_income_value           numeric,
	r_income_threshold       numeric,
	r_medical_value          numeric,
	r_medical_threshold      numeric,
	r_education_value        numeric,
	r_education_threshold    numeric,
	r_dropout_value          numeric,
	r_dropout_threshold      numeric,
	r_jobloss_value          numeric,
	r_jobloss_threshold      numeric,
	r_income_drop_value      numeric,
	r_income_drop_threshold  numeric,
	r_zerojob_value          numeric,
	r_zerojob_threshold      numeric,
	r_disaster_value         numeric,
	r_disaster_threshold     numeric,
	r_care_value             numeric,
	r_care_threshold         numeric,
	PRIMARY KEY (period, household_id)
);
CREATE INDEX IF NOT EXISTS explain_by_household
	ON hhmatch.explain (household_id, period);
