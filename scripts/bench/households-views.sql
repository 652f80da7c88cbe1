-- households-views.sql - scripts/bench-skew.sh's DuckDB contestant: the query
-- of households.sql with every extract read through a view (CREATE VIEW v_x
-- AS SELECT * FROM read_csv(...), typed columns, no auto-detection), so the
-- files stream into the aggregates instead of being materialised (issue 16),
-- and medical's 12-month window applied before its DISTINCT (an exact
-- duplicate row has the same settle_date, so filtering first gives the same
-- sums over fewer rows to deduplicate).  Of the forms that
-- scripts/bench/duckdb-variants.sh times (docs/benchmark.md), this one is
-- the fastest on the skewed month with DuckDB 1.5.6 that keeps file order
-- (preserve_insertion_order = false measured a little faster, but then
-- row_number() OVER () no longer numbers rows in file order).  The query's other
-- CTEs, its typed columns and the readings of the contract are
-- households.sql's (see its header): change both together.
SET threads = 2;

CREATE VIEW v_civil_affairs AS SELECT * FROM read_csv('{{DIR}}/civil_affairs.csv', header = true, auto_detect = false,
		columns = {'household_id': 'VARCHAR', 'pid': 'VARCHAR', 'birth_date': 'INTEGER',
			   'sex': 'TINYINT', 'region_code': 'VARCHAR', 'category': 'VARCHAR',
			   'household_income': 'DECIMAL(18,2)', 'relation': 'VARCHAR',
			   'disability_grade': 'TINYINT', 'status': 'VARCHAR'});
CREATE VIEW v_education AS SELECT * FROM read_csv('{{DIR}}/education.csv', header = true, auto_detect = false,
		columns = {'pid': 'VARCHAR', 'birth_date': 'INTEGER', 'sex': 'TINYINT',
			   'stage': 'VARCHAR', 'status': 'VARCHAR',
			   'annual_fees': 'DECIMAL(18,2)', 'aid_amount': 'DECIMAL(18,2)'});
CREATE VIEW v_hr AS SELECT * FROM read_csv('{{DIR}}/hr.csv.gz', header = true, auto_detect = false,
		columns = {'pid': 'VARCHAR', 'birth_date': 'INTEGER', 'sex': 'TINYINT',
			   'period': 'INTEGER', 'employment_status': 'VARCHAR',
			   'employer_type': 'VARCHAR', 'monthly_wage': 'DECIMAL(18,2)',
			   'unemployment_benefit': 'DECIMAL(18,2)',
			   'pension_monthly': 'DECIMAL(18,2)'});
CREATE VIEW v_housing AS SELECT * FROM read_csv('{{DIR}}/housing.csv', header = true, auto_detect = false,
		columns = {'pid': 'VARCHAR', 'birth_date': 'INTEGER', 'sex': 'TINYINT',
			   'property_count': 'INTEGER', 'dangerous_rating': 'VARCHAR',
			   'disaster_damage': 'VARCHAR', 'public_rental': 'TINYINT'});
CREATE VIEW v_medical AS SELECT * FROM read_csv('{{DIR}}/medical.csv.gz', header = true, auto_detect = false,
		columns = {'pid': 'VARCHAR', 'birth_date': 'INTEGER', 'sex': 'TINYINT',
			   'settle_date': 'DATE', 'out_of_pocket': 'DECIMAL(18,2)',
			   'total_cost': 'DECIMAL(18,2)', 'inpatient': 'TINYINT',
			   'major_disease': 'TINYINT', 'insured_status': 'VARCHAR'});

COPY (
WITH
ca AS (
	SELECT household_id, pid, birth_date, region_code, category,
	       CAST(household_income * 100 AS BIGINT) AS income_fen,
	       disability_grade, coalesce(status, 'active') AS status,
	       row_number() OVER () AS line
	FROM v_civil_affairs
),
hh AS (
	SELECT household_id,
	       arg_min(region_code, line) AS region_code,
	       arg_min(category, line) AS category,
	       max(income_fen) AS income_fen
	FROM ca GROUP BY household_id
),
-- counted members: distinct pids on active / gradual_exit rows; a person
-- listed twice in one household counts once, with the first such row
mem AS (
	SELECT household_id, pid,
	       arg_min_null(birth_date, line) AS birth_date,
	       arg_min_null(disability_grade, line) AS disability_grade
	FROM ca WHERE status IN ('active', 'gradual_exit')
	GROUP BY household_id, pid
),
edu AS (
	SELECT pid,
	       sum(CASE WHEN status = 'enrolled'
			THEN greatest(coalesce(annual_fees, 0) - coalesce(aid_amount, 0), 0)
			ELSE 0 END) * 100 AS net_fen,
	       bool_or(status = 'dropped_out') AS dropout
	FROM (SELECT DISTINCT * FROM v_education)
	GROUP BY pid
),
hr_rows AS (
	SELECT pid, coalesce(period, 202611) AS p, employment_status AS st,
	       CAST(coalesce(monthly_wage, 0) * 100 AS BIGINT) AS wage,
	       CAST(coalesce(unemployment_benefit, 0) * 100 AS BIGINT) AS benefit,
	       row_number() OVER () AS line
	FROM v_hr
),
hr AS (SELECT * FROM hr_rows WHERE p <= 202611),
hr_latest AS (
	SELECT pid, max(p) AS lp,
	       arg_max(st, p * 10000000000 + line) AS st,
	       arg_max(wage, p * 10000000000 + line) AS wage,
	       arg_max(benefit, p * 10000000000 + line) AS benefit
	FROM hr GROUP BY pid
),
hr_earlier AS (
	SELECT hr.pid, max(hr.wage) AS earlier_max
	FROM hr JOIN hr_latest l ON hr.pid = l.pid AND hr.p < l.lp
	GROUP BY hr.pid
),
housing AS (
	SELECT pid,
	       bool_or(disaster_damage IN ('severe', 'collapsed')
		       OR dangerous_rating IN ('C', 'D')) AS disaster
	FROM v_housing
	GROUP BY pid
),
med AS (
	SELECT pid,
	       CAST(sum(out_of_pocket) * 100 AS BIGINT) AS oop_fen
	FROM (SELECT DISTINCT * FROM v_medical
	      WHERE settle_date BETWEEN DATE '2025-12-01' AND DATE '2026-11-30')
	GROUP BY pid
),
m AS (
	SELECT mem.household_id,
	       coalesce(2026 - mem.birth_date // 10000
			- CASE WHEN 1130 < mem.birth_date % 10000 THEN 1 ELSE 0 END, -1) AS age,
	       coalesce(mem.disability_grade BETWEEN 1 AND 2, false) AS severe,
	       coalesce(med.oop_fen, 0) AS oop_fen,
	       coalesce(edu.net_fen, 0) AS edu_fen,
	       coalesce(edu.dropout, false) AS dropout,
	       l.pid IS NOT NULL AS in_hr, l.st, l.wage, l.benefit,
	       coalesce(e.earlier_max, 0) AS earlier_max,
	       coalesce(housing.disaster, false) AS disaster
	FROM mem
	LEFT JOIN med ON med.pid = mem.pid
	LEFT JOIN edu ON edu.pid = mem.pid
	LEFT JOIN hr_latest l ON l.pid = mem.pid
	LEFT JOIN hr_earlier e ON e.pid = mem.pid
	LEFT JOIN housing ON housing.pid = mem.pid
),
f AS (
	SELECT household_id,
	       count(*) AS members,
	       sum(oop_fen)::BIGINT AS oop_fen,
	       sum(edu_fen)::BIGINT AS edu_fen,
	       bool_or(dropout AND age BETWEEN 6 AND 15) AS r_dropout,
	       bool_or(age BETWEEN 16 AND 59 AND in_hr
		       AND (st = 'unemployed' OR benefit > 0)) AS r_jobloss,
	       bool_or(age BETWEEN 16 AND 59 AND in_hr AND earlier_max > 0
		       AND wage * 2 <= earlier_max) AS r_income_drop,
	       count(*) FILTER (age BETWEEN 16 AND 59 AND NOT severe) AS able,
	       count(*) FILTER (age BETWEEN 16 AND 59 AND NOT severe AND in_hr) AS able_hr,
	       count(*) FILTER (age BETWEEN 16 AND 59 AND NOT severe AND in_hr
				AND st IN ('employed', 'flexible')) AS able_emp,
	       bool_or(disaster) AS r_disaster,
	       bool_or(age >= 80 OR severe) AS care
	FROM m GROUP BY household_id
),
r AS (
	SELECT hh.household_id, hh.region_code, hh.category, f.members,
	       hh.income_fen, f.oop_fen, f.edu_fen,
	       hh.income_fen < 600000 * f.members AS r_income,
	       f.oop_fen > 0 AND (f.oop_fen >= 1000000 OR f.oop_fen * 2 >= hh.income_fen) AS r_medical,
	       f.edu_fen > 0 AND f.edu_fen * 10 >= hh.income_fen * 3 AS r_education,
	       f.r_dropout, f.r_jobloss, f.r_income_drop,
	       f.able >= 1 AND f.able_hr = f.able AND f.able_emp = 0 AS r_zerojob,
	       f.r_disaster,
	       f.members = 1 AND f.care AS r_care
	FROM f JOIN hh USING (household_id)
),
s AS (
	SELECT *,
	       (CASE WHEN r_income THEN 3 ELSE 0 END) + (CASE WHEN r_medical THEN 3 ELSE 0 END)
	       + (CASE WHEN r_education THEN 2 ELSE 0 END) + (CASE WHEN r_dropout THEN 2 ELSE 0 END)
	       + (CASE WHEN r_jobloss THEN 2 ELSE 0 END) + (CASE WHEN r_income_drop THEN 2 ELSE 0 END)
	       + (CASE WHEN r_zerojob THEN 3 ELSE 0 END) + (CASE WHEN r_disaster THEN 3 ELSE 0 END)
	       + (CASE WHEN r_care THEN 2 ELSE 0 END) AS risk_score
	FROM r
)
SELECT household_id, region_code, category, members,
       printf('%d.%02d', income_fen // 100, income_fen % 100) AS household_income,
       printf('%d.%02d', ((income_fen + members // 2) // members) // 100,
	      ((income_fen + members // 2) // members) % 100) AS income_per_capita,
       printf('%d.%02d', oop_fen // 100, oop_fen % 100) AS oop_12m,
       printf('%d.%02d', edu_fen // 100, edu_fen % 100) AS edu_net_fees,
       risk_score,
       CASE WHEN risk_score >= 6 THEN 'high' WHEN risk_score >= 3 THEN 'medium'
	    WHEN risk_score >= 1 THEN 'low' ELSE 'none' END AS risk_level,
       nullif(concat_ws(';',
	    CASE WHEN r_income THEN 'R_INCOME' END, CASE WHEN r_medical THEN 'R_MEDICAL' END,
	    CASE WHEN r_education THEN 'R_EDUCATION' END, CASE WHEN r_dropout THEN 'R_DROPOUT' END,
	    CASE WHEN r_jobloss THEN 'R_JOBLOSS' END, CASE WHEN r_income_drop THEN 'R_INCOME_DROP' END,
	    CASE WHEN r_zerojob THEN 'R_ZEROJOB' END, CASE WHEN r_disaster THEN 'R_DISASTER' END,
	    CASE WHEN r_care THEN 'R_CARE' END), '') AS reasons
FROM s
ORDER BY household_id
) TO '{{OUT}}' (FORMAT csv, HEADER true);
