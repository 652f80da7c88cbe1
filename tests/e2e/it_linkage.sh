#!/usr/bin/env bash
# it_linkage.sh - rows without a usable ID linked by name, birth date and
# sex: D_ID_LINKED (issue 12, item 4; docs/semantics.md, Identity).
#
# A raw month.  The roster: 张三 (H1, born 1980-01-01, male), two persons
# named 李四 born 1985-03-03, female (H2 and H3), and 王五 (H4, exited).
# Medical rows without an ID:
#   - 张三, 1980-01-01, male: exactly one roster person -> linked, its
#     out_of_pocket counts in H1's oop_12m, a D_ID_LINKED finding;
#   - 李四, 1985-03-03, female: two roster persons -> rejected as before;
#   - 赵六: nobody on the roster -> rejected as before;
#   - 张三 with another birth date -> rejected;
#   - an ID that fails its check character but is no typo of a roster
#     member's ID, with 王五's name, birth date and sex -> linked (an
#     exited person is a roster person: linkage decides who the row is,
#     the household rules decide what counts).
# Every source's rows reversed and shuffled: the same households, flags
# and explanations, and the same findings and rejects but for line numbers.
#   bash tests/e2e/it_linkage.sh build/hhmatch
. "$(dirname "$0")/../lib.sh" "$@"

make_key "$T/key"
mkdir "$T/raw"
cd "$T/raw" || exit 1

# 张三 640122198001010016, 李四 640122198503030025 and 640122198503030041,
# 王五 640122197007070015; every check character is right.
cat >civil_affairs.csv <<'EOF'
household_id,id_number,name,region_code,category,household_income,status
H1,640122198001010016,张三,640122101,dibao,9000,active
H2,640122198503030025,李四,640122102,dibao,8000,active
H3,640122198503030041,李四,640122103,dibao,8000,active
H4,640122197007070015,王五,640122104,dibao,7000,exited
H4,640122199004040039,孙八,640122104,dibao,7000,active
EOF
cat >education.csv <<'EOF'
id_number,name,stage,status
640122199004040039,孙八,college,enrolled
EOF
cat >hr.csv <<'EOF'
id_number,name,employment_status
640122199004040039,孙八,employed
EOF
cat >housing.csv <<'EOF'
id_number,name,property_count
640122199004040039,孙八,0
EOF
# Lines 2-6 have no usable ID; the rest are valid.
cat >medical.csv <<'EOF'
id_number,name,birth_date,sex,settle_date,out_of_pocket
,张三,1980-01-01,1,2026-05-01,1234
,李四,1985-03-03,2,2026-05-02,500
,赵六,1970-07-07,1,2026-05-03,600
,张三,1980-01-02,1,2026-05-04,700
123456789012345678,王五,19700707,1,2026-05-05,800
640122199004040039,孙八,,,2026-05-06,100
EOF
# Valid rows, so that the three rejects stay under max_reject_ratio.
for d in 07 08 09 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 27 28; do
	echo "640122199004040039,孙八,,,2026-05-$d,10"
done >>medical.csv

run_month() {
	run_expect 0 "$T/run.log" "$HH" run --period 202611 --key "$T/key" --out "$2" \
		--civil-affairs "$1/civil_affairs.csv" --education "$1/education.csv" \
		--hr "$1/hr.csv" --housing "$1/housing.csv" --medical "$1/medical.csv" \
		--quiet
}

run_month "$T/raw" "$T/out"
O=$T/out
grep '^D_ID_LINKED,' "$O/findings.csv" >"$T/linked" || fail "no D_ID_LINKED"
assert_eq 2 "$(wc -l <"$T/linked")" "two rows linked"
assert_contains "$T/linked" \
	'^D_ID_LINKED,medical,H1,[0-9a-f]{64},"?medical line 2: no usable ID number \(missing_value\); the name, birth date and sex match exactly one roster person, and the row was linked to that person"?,640122101$' \
	"张三's row without an ID linked to H1's person"
assert_contains "$T/linked" \
	'^D_ID_LINKED,medical,H4,[0-9a-f]{64},"?medical line 6: no usable ID number \(bad_id_[a-z]+\);.*"?,640122104$' \
	"王五's row with an invalid ID linked (exited persons included)"
assert_eq 2 "$(jq -r '.findings.D_ID_LINKED' "$O/report.json")" "report.json counts D_ID_LINKED"
# H1's oop_12m holds the linked settlement (its only one).
row=$(csv_column , household_id <"$O/households.csv" | grep -n '^H1$' | cut -d: -f1)
oop=$(csv_column , oop_12m <"$O/households.csv" | sed -n "${row}p")
assert_eq 1234.00 "$oop" "H1's oop_12m includes the linked row"
# The other three rows without a usable ID are rejected with the reason of
# before: lines 3 (two persons), 4 (nobody), 5 (another birth date).
for l in 3 4 5; do
	assert_contains "$O/rejects.csv" "^medical,[^,]*,$l,missing_value,id_number$" "medical line $l rejected"
done
assert_eq 3 "$(grep -c '^medical,' "$O/rejects.csv")" "three medical rows rejected"
# No name and no ID in any output.
for n in 张三 李四 王五 赵六 640122198001010016 123456789012345678; do
	if grep -r "$n" "$O" >/dev/null; then fail "$n appears in the outputs"; fi
done
# Alerts: D_ID_LINKED is the data's own quality, not a caseworker's case.
if [ -f "$O/alerts.csv" ] && grep -q D_ID_LINKED "$O/alerts.csv"; then
	fail "D_ID_LINKED raised an alert"
fi

for how in tac shuf; do
	reorder_rows "$T/raw" "$T/raw-$how" $how
	run_month "$T/raw-$how" "$T/out-$how"
	for f in households.csv flags.csv explain.csv; do
		assert_file_eq "$O/$f" "$T/out-$how/$f" "rows by $how: $f"
	done
	# findings and rejects cite lines, which move with the rows: the
	# same once the line numbers are left out
	for d in "$O" "$T/out-$how"; do
		sed -E 's/line [0-9]+/line N/g' "$d/findings.csv" | sort >"$d/findings.nolines"
		cut -d, -f1,4,5 "$d/rejects.csv" | sort >"$d/rejects.nolines"
	done
	for f in findings rejects; do
		assert_file_eq "$O/$f.nolines" "$T/out-$how/$f.nolines" "rows by $how: $f.csv, lines left out"
	done
done
