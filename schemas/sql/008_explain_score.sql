-- explain.csv now says, per rule, whether it fired and the weight it
-- carried under the rules in effect, and the score and level they add up
-- to, so "why was this household flagged?" reads the verdict instead of
-- inferring it (a 0/1 rule showed only "value 0, threshold 1").  Periods
-- published before this migration keep NULL here; `audit household` then
-- takes the verdict from the household's reasons.
ALTER TABLE hhmatch.explain
	ADD COLUMN IF NOT EXISTS r_income_fired         smallint,
	ADD COLUMN IF NOT EXISTS r_income_weight        integer,
	ADD COLUMN IF NOT EXISTS r_medical_fired        smallint,
	ADD COLUMN IF NOT EXISTS r_medical_weight       integer,
	ADD COLUMN IF NOT EXISTS r_education_fired      smallint,
	ADD COLUMN IF NOT EXISTS r_education_weight     integer,
	ADD COLUMN IF NOT EXISTS r_dropout_fired        smallint,
	ADD COLUMN IF NOT EXISTS r_dropout_weight       integer,
	ADD COLUMN IF NOT EXISTS r_jobloss_fired        smallint,
	ADD COLUMN IF NOT EXISTS r_jobloss_weight       integer,
	ADD COLUMN IF NOT EXISTS r_income_drop_fired    smallint,
	ADD COLUMN IF NOT EXISTS r_income_drop_weight   integer,
	ADD COLUMN IF NOT EXISTS r_zerojob_fired        smallint,
	ADD COLUMN IF NOT EXISTS r_zerojob_weight       integer,
	ADD COLUMN IF NOT EXISTS r_disaster_fired       smallint,
	ADD COLUMN IF NOT EXISTS r_disaster_weight      integer,
	ADD COLUMN IF NOT EXISTS r_care_fired           smallint,
	ADD COLUMN IF NOT EXISTS r_care_weight          integer,
	ADD COLUMN IF NOT EXISTS risk_score             integer,
	ADD COLUMN IF NOT EXISTS risk_level             text;
