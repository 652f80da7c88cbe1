#!/usr/bin/env bash
# it_conflict.sh - one pid, several identities: D_ID_CONFLICT (issue 12).
#
# A raw month: person B is 王五 on the roster and 李四 in education, and
# person D, off the roster, is 赵六 in housing and 钱七 in medical; each
# gets one D_ID_CONFLICT naming the sources, never the names.
#
# A pid month: the roster pseudonymised, then edited as a department's
# extract could come: person A (alone in H1, unemployed in hr) on two
# rows with birth dates 19800101 and 19400101, person C on two rows with
# different sex.  Before the rule, the row order chose A's age (medium
# R_JOBLOSS;R_ZEROJOB at 46, low R_CARE at 86); the earliest birth date
# counts now, in any order (docs/semantics.md, Identity).
#
# Both months are run again with every source's rows reversed and
# shuffled (the header first): households.csv, flags.csv, findings.csv
# and explain.csv are byte-identical.
#   bash tests/e2e/it_conflict.sh build/hhmatch
. "$(dirname "$0")/../lib.sh" "$@"

make_key "$T/key"
mkdir "$T/raw" "$T/pid"
cd "$T/raw" || exit 1

# A 640122198001010016, B 640122198503030025, C 640122199004040039,
# D 64012219700707004X (off the roster); every check character is right.
cat >civil_affairs.csv <<'EOF'
household_id,id_number,name,region_code,category,household_income
H1,640122198001010016,张三,640122101,dibao,9000
H2,640122198503030025,王五,640122102,dibao,8000
H2,640122199004040039,孙八,640122102,dibao,8000
EOF
cat >education.csv <<'EOF'
id_number,name,stage,status,annual_fees,aid_amount
640122198503030025,李四,college,enrolled,3000,0
EOF
cat >hr.csv <<'EOF'
id_number,name,employment_status,monthly_wage
640122198001010016,张三,unemployed,0
640122199004040039,孙八,employed,2000
EOF
cat >housing.csv <<'EOF'
id_number,name,property_count,disaster_damage
64012219700707004X,赵六,1,collapsed
640122198503030025,王五,0,
EOF
cat >medical.csv <<'EOF'
id_number,name,settle_date,out_of_pocket
64012219700707004X,钱七,2026-05-01,500
640122198503030025,王五,2026-05-02,100
640122198001010016,张三,2026-06-01,200
EOF

# run_month IN OUT: the month in folder IN (one file per source).
run_month() {
	run_expect 0 "$T/run.log" "$HH" run --period 202611 --key "$T/key" --out "$2" \
		--civil-affairs "$1/civil_affairs.csv" --education "$1/education.csv" \
		--hr "$1/hr.csv" --housing "$1/housing.csv" --medical "$1/medical.csv" \
		--quiet
}

# same_outputs A B WHAT: the four files that must not see row order.
same_outputs() {
	for f in households.csv flags.csv findings.csv explain.csv; do
		assert_file_eq "$1/$f" "$2/$f" "$3: $f"
	done
}

run_month "$T/raw" "$T/out"
O=$T/out
grep '^D_ID_CONFLICT,' "$O/findings.csv" >"$T/conflicts" || fail "no D_ID_CONFLICT"
assert_eq 2 "$(wc -l <"$T/conflicts")" "one D_ID_CONFLICT per pid with different names"
assert_contains "$T/conflicts" \
	'^D_ID_CONFLICT,civil_affairs,H2,[0-9a-f]{64},"?one pid, different name on its rows in civil_affairs, education \(compared as keyed digests\)"?,640122102$' \
	"B: 王五 on the roster, 李四 in education"
assert_contains "$T/conflicts" \
	'^D_ID_CONFLICT,housing,,[0-9a-f]{64},"?one pid, different name on its rows in housing, medical \(compared as keyed digests\); not on the roster"?,640122$' \
	"D: 赵六 in housing, 钱七 in medical, off the roster"
assert_eq 2 "$(jq -r '.findings.D_ID_CONFLICT' "$O/report.json")" "report.json counts D_ID_CONFLICT"
# Names are compared, never written.
for n in 王五 李四 赵六 钱七 640122198503030025 64012219700707004X; do
	if grep -r "$n" "$O" >/dev/null; then fail "$n appears in the outputs"; fi
done
for how in tac shuf; do
	reorder_rows "$T/raw" "$T/raw-$how" $how
	run_month "$T/raw-$how" "$T/out-$how"
	same_outputs "$O" "$T/out-$how" "raw month, rows by $how"
done

# The pid month: A and C on two roster rows each, then A's birth date and
# C's sex edited on their second row.
cat >"$T/ca.csv" <<'EOF'
household_id,id_number,region_code,category,household_income
H1,640122198001010016,640122101,dibao,9000
H1,640122198001010016,640122101,dibao,9000
H2,640122198503030025,640122102,dibao,8000
H2,640122199004040039,640122102,dibao,8000
H2,640122199004040039,640122102,dibao,8000
EOF
run_expect 0 "$T/ps.log" "$HH" pseudonymize --key "$T/key" --source civil_affairs \
	--in "$T/ca.csv" --out "$T/ca.pid.csv" --period 202611
cp education.csv hr.csv housing.csv medical.csv "$T/pid/"
awk -F, -v OFS=, 'NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; print; next }
	NR == 3 { $col["birth_date"] = "19400101" }
	NR == 6 { $col["sex"] = ($col["sex"] == 1 ? 2 : 1) }
	{ print }' "$T/ca.pid.csv" >"$T/pid/civil_affairs.csv"
assert_eq 2 "$(csv_column , birth_date <"$T/pid/civil_affairs.csv" | sort -u | grep -c '^19[48]00101$')" \
	"A's rows carry two birth dates"
run_month "$T/pid" "$T/pout"
P=$T/pout
grep '^D_ID_CONFLICT,' "$P/findings.csv" >"$T/pconflicts" || fail "no D_ID_CONFLICT (pid month)"
assert_eq 4 "$(wc -l <"$T/pconflicts")" "D_ID_CONFLICT for A, C, and B and D (their names in the other sources)"
assert_contains "$T/pconflicts" \
	'^D_ID_CONFLICT,civil_affairs,H1,[0-9a-f]{64},"?one pid, different birth_date on its roster rows \(households H1\): ages use the earliest"?,640122101$' \
	"A: two birth dates"
assert_contains "$T/pconflicts" \
	'^D_ID_CONFLICT,civil_affairs,H2,[0-9a-f]{64},"?one pid, different sex on its roster rows \(households H2\)"?,640122102$' \
	"C: two sexes"
# A counts as born 19400101 (86): R_CARE, not R_JOBLOSS;R_ZEROJOB.
assert_contains "$P/households.csv" '^H1,.*,low,R_CARE$' "H1 decided by the earliest birth date"
if grep -E '^H1,.*R_JOBLOSS' "$P/households.csv" >/dev/null; then
	fail "H1 decided by the later birth date"
fi
for how in tac shuf; do
	reorder_rows "$T/pid" "$T/pid-$how" $how
	run_month "$T/pid-$how" "$T/pout-$how"
	same_outputs "$P" "$T/pout-$how" "pid month, rows by $how"
done
