-- The caseworker loop (hhmatch review import --pg URI; docs/semantics.md,
-- "Decisions"): caseworker systems write their decisions about flagged
-- households to hhmatch.review_inbox, one row per decision, and
-- `hhmatch review import --state DIR --pg URI` reads the whole table
-- (every import reads it again: a decision already in the state is not
-- added twice, so rows need not be deleted), checks each row as it checks
-- a file's and keeps the accepted ones in the state, which the next runs
-- apply.  Columns and decisions as schemas/reviews.schema names them; the
-- row's number in messages is its id.  A row the import rejects stays here
-- and is named by id on the importer's stderr; correct it in place.
--
-- The column types are deliberately loose (text, a date): a row that a
-- stricter type would refuse at INSERT would never reach the import that
-- explains what is wrong with it.
CREATE TABLE IF NOT EXISTS hhmatch.review_inbox (
	id            bigserial PRIMARY KEY,
	household_id  text NOT NULL,
	alert_id      text,
	decision      text NOT NULL,
	reviewer      text NOT NULL,
	decided_on    date NOT NULL,
	note          text,
	submitted_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS review_inbox_household ON hhmatch.review_inbox (household_id);
