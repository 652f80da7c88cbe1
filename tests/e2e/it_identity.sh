#!/usr/bin/env bash
# it_identity.sh - which ID numbers identify a person (issue 12).
#
# A hand-made month of one household (640122, Ningxia) and a medical
# extract: ID numbers whose first two digits are no GB/T 2260 province
# (000000, 999999) are rejected bad_id_region and a birth year 1800
# bad_id_date, while a foreigner's permanent residence ID card (9, a
# province code, the same check character) is a person like any other.
# Every ID below has a correct check character, so only the property
# under test is wrong.
#
# Repeats are found by meaning (D_DUP_ROW): a roster row written with the
# category's Chinese label and 20000.00 repeats the one with `dibao` and
# 20000, and a settlement of 6000 on 2026-05-01 (正常) is repeated by
# 6000.00 on 20260501 (active) and by the 15-digit form of the same ID.
#
# Regions for everyone: findings.csv's region_code is the household's, or
# for a person off the roster the region of the ID (the foreigner's card:
# its province and 0000), also from a pseudonymised extract (id_region,
# written by pseudonymize); `audit findings --region` lists a county's
# discoveries.
#   bash tests/e2e/it_identity.sh build/hhmatch
. "$(dirname "$0")/../lib.sh" "$@"

make_key "$T/key"
mkdir "$T/in"
cd "$T/in" || exit 1

cat >civil_affairs.csv <<'EOF'
household_id,id_number,region_code,category,household_income
H1,640122198001010016,640122101,dibao,20000
H1,640122198202020026,640122101,dibao,20000
H1,640122201003030031,640122101,dibao,20000
H1,640122198001010016,640122101,低保,20000.00
EOF

# Lines 2-4: the three rejected IDs.  Line 5: a foreigner's permanent
# residence card, off the roster, with 30000 yuan out of pocket (an
# X_DISCOVERY).  Lines 6-8: one settlement written three ways.  Line 9:
# a citizen of 640122 off the roster (X_DISCOVERY).  Lines 10-: the roster's own settlements, so that three
# rejects stay under max_reject_ratio.
{
	echo "id_number,settle_date,out_of_pocket,insured_status"
	echo "000000198001010013,2026-03-01,100,active"
	echo "999999198001010011,2026-03-01,100,active"
	echo "640122180001010010,2026-03-01,100,active"
	echo "96484019850612013X,2026-03-01,30000,active"
	echo "640122198202020026,2026-05-01,6000,正常"
	echo "640122198202020026,20260501,6000.00,active"
	echo "640122820202002,2026-05-01,6000.0,正常"
	echo "640122197005050053,2026-04-01,27000,active"
	for m in 01 02 03 04 05 06 07 08 09 10; do
		echo "640122198001010016,2026-$m-11,10,active"
		echo "640122198202020026,2026-$m-12,10,active"
	done
} >medical.csv

run_expect 0 "$T/run.log" "$HH" run --period 202611 --key "$T/key" --out "$T/out" \
	--civil-affairs civil_affairs.csv --medical medical.csv --quiet
O=$T/out

# rejects.csv: source,file,line,reason,column
assert_eq "medical,medical.csv,2,bad_id_region
medical,medical.csv,3,bad_id_region
medical,medical.csv,4,bad_id_date" \
	"$(awk -F, '$1 == "medical" && $4 != "duplicate_row" { print $1 "," $2 "," $3 "," $4 }' "$O/rejects.csv")" \
	"medical rejects"
assert_eq 2 "$(json_source_reason "$O/report.json" medical bad_id_region)" "bad_id_region count"
assert_eq 1 "$(json_source_reason "$O/report.json" medical bad_id_date)" "bad_id_date count"
check_report_counts "$O/report.json" civil_affairs medical

# The foreigner's card is accepted: its row is a discovery under its pid.
assert_eq 23 "$(json_source_num "$O/report.json" medical rows_accepted)" "medical rows accepted"
assert_eq 2 "$(grep -c '^X_DISCOVERY,medical,,[0-9a-f]\{64\},' "$O/findings.csv")" \
	"the foreigner's permanent residence card and the citizen off the roster are discoveries"

# region_code: the ID's region for the two discoveries (the foreigner's
# card: province 64 and 0000), the household's for everything else.
head -1 "$O/findings.csv" | grep -q ',region_code$' || fail "findings.csv has no region_code column"
assert_eq "D_DUP_ROW 640122101
D_DUP_ROW 640122101
D_DUP_ROW 640122101
X_DISCOVERY 640000
X_DISCOVERY 640122" \
	"$(csv_awk , 'if (rec > 1) print f[1] " " f[nf]' <"$O/findings.csv" | sort)" \
	"findings.csv region_code"
# ... so a county lists its own discoveries.
"$HH" audit findings --code X_DISCOVERY --region 6401 --run "$O" --log "$T/audit.log" \
	--purpose it_identity --json >"$T/q.json" || fail "audit findings --region 6401"
assert_eq 1 "$(jq -r .facts.findings "$T/q.json")" "X_DISCOVERY in 6401"
"$HH" audit findings --code X_DISCOVERY --region 64 --run "$O" --log "$T/audit.log" \
	--purpose it_identity --json >"$T/q.json" || fail "audit findings --region 64"
assert_eq 2 "$(jq -r .facts.findings "$T/q.json")" "X_DISCOVERY in 64"

# The same regions from a pseudonymised medical extract (id_region).
run_expect 0 "$T/ps.log" "$HH" pseudonymize --key "$T/key" --source medical \
	--in medical.csv --out "$T/medical.pid.csv" --period 202611
head -1 "$T/medical.pid.csv" | grep -q ',id_region,key_id$' || fail "no id_region in the pid extract"
run_expect 0 "$T/run2.log" "$HH" run --period 202611 --key "$T/key" --out "$T/out2" \
	--civil-affairs civil_affairs.csv --medical "$T/medical.pid.csv" --quiet
assert_eq "$(grep '^X_DISCOVERY' "$O/findings.csv")" "$(grep '^X_DISCOVERY' "$T/out2/findings.csv")" \
	"discoveries (with region_code) from the pid extract"

# Repeats by meaning: rejected as duplicate_row, one D_DUP_ROW each,
# citing the repeat's line and the first occurrence's.
assert_eq "civil_affairs,civil_affairs.csv,5,duplicate_row
medical,medical.csv,7,duplicate_row
medical,medical.csv,8,duplicate_row" \
	"$(awk -F, '$4 == "duplicate_row" { print $1 "," $2 "," $3 "," $4 }' "$O/rejects.csv")" \
	"duplicate_row rejects"
grep '^D_DUP_ROW,' "$O/findings.csv" >"$T/dups" || fail "no D_DUP_ROW"
assert_eq 3 "$(wc -l <"$T/dups")" "D_DUP_ROW findings"
assert_contains "$T/dups" '^D_DUP_ROW,civil_affairs,H1,[0-9a-f]{64},"?line 5 repeats line 2 of' "roster repeat"
assert_contains "$T/dups" '^D_DUP_ROW,medical,,[0-9a-f]{64},"?line 7 repeats line 6 of' "medical repeat (6000.00, 20260501)"
assert_contains "$T/dups" '^D_DUP_ROW,medical,,[0-9a-f]{64},"?line 8 repeats line 6 of' "medical repeat (15-digit ID)"
# ... and the settlement counts once: 6000 of 20000 does not reach
# R_MEDICAL's half of the income.
assert_contains "$O/households.csv" '^H1,640122101,dibao,3,20000\.00,6666\.67,6200\.00,' "H1's oop_12m counts the settlement once"

# No ID number in any output.
printf '%s\n' 000000198001010013 999999198001010011 640122180001010010 \
	96484019850612013X 640122198001010016 640122197005050053 >"$T/ids"
no_secrets_in "$O" "$T/ids" "outputs"
no_secrets_in "$T/out2" "$T/ids" "outputs from the pid extract"
