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
EOF

# Lines 2-4: the three rejected IDs.  Line 5: a foreigner's permanent
# residence card, off the roster, with 30000 yuan out of pocket (an
# X_DISCOVERY).  Lines 6-: the roster's own settlements, so that three
# rejects stay under max_reject_ratio.
{
	echo "id_number,settle_date,out_of_pocket,insured_status"
	echo "000000198001010013,2026-03-01,100,active"
	echo "999999198001010011,2026-03-01,100,active"
	echo "640122180001010010,2026-03-01,100,active"
	echo "96484019850612013X,2026-03-01,30000,active"
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
	"$(awk -F, '$1 == "medical" { print $1 "," $2 "," $3 "," $4 }' "$O/rejects.csv")" \
	"medical rejects"
assert_eq 2 "$(json_source_reason "$O/report.json" medical bad_id_region)" "bad_id_region count"
assert_eq 1 "$(json_source_reason "$O/report.json" medical bad_id_date)" "bad_id_date count"
check_report_counts "$O/report.json" civil_affairs medical

# The foreigner's card is accepted: its row is a discovery under its pid.
assert_eq 21 "$(json_source_num "$O/report.json" medical rows_accepted)" "medical rows accepted"
assert_eq 1 "$(grep -c '^X_DISCOVERY,medical,,[0-9a-f]\{64\},' "$O/findings.csv")" \
	"the foreigner's permanent residence card is a discovery"

# No ID number in any output.
printf '%s\n' 000000198001010013 999999198001010011 640122180001010010 \
	96484019850612013X 640122198001010016 >"$T/ids"
no_secrets_in "$O" "$T/ids" "outputs"
