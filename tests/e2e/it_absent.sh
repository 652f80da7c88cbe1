#!/usr/bin/env bash
# it_absent.sh - departments that did not deliver.
#
# Only --civil-affairs is required.  With education, hr and housing left
# out: the run succeeds, report.json marks them absent, the same
# households are listed, and no rule that needs an absent source fires
# (R_EDUCATION, R_DROPOUT, R_JOBLOSS, R_INCOME_DROP, R_ZEROJOB,
# R_DISASTER), nor any finding drawn from one (A_PUBLIC_SECTOR,
# A_MULTI_PROPERTY, A_HIGH_INCOME).  Without --civil-affairs: exit 1.
#   bash tests/e2e/it_absent.sh build/hhmatch
. "$(dirname "$0")/../lib.sh" "$@"

make_key "$T/key"
cd "$HH_TEST_DATA/golden/input" || exit 1

run_expect 0 "$T/all.log" "$HH" run --period 202611 --key "$T/key" --out "$T/all" --quiet \
	--civil-affairs civil_affairs.csv --education education.tsv --hr hr.csv.gz \
	--housing housing.csv --medical medical.csv
run_expect 0 "$T/some.log" "$HH" run --period 202611 --key "$T/key" --out "$T/some" --quiet \
	--civil-affairs civil_affairs.csv --medical medical.csv

R=$T/some/report.json
for s in education hr housing; do
	assert_eq true "$(jq --arg s $s '.sources[$s].absent' "$R")" "report.json: $s absent"
done
assert_eq false "$(jq '.sources.medical.absent' "$R")" "report.json: medical absent"
assert_eq "$(csv_column , household_id <"$T/all/households.csv")" \
	"$(csv_column , household_id <"$T/some/households.csv")" "households listed"
bad=$(csv_column , reasons <"$T/some/households.csv" |
	grep -E 'R_EDUCATION|R_DROPOUT|R_JOBLOSS|R_INCOME_DROP|R_ZEROJOB|R_DISASTER' || true)
assert_eq "" "$bad" "reasons that need an absent source"
bad=$(csv_column , code <"$T/some/findings.csv" |
	grep -E 'A_PUBLIC_SECTOR|A_MULTI_PROPERTY|A_HIGH_INCOME' || true)
assert_eq "" "$bad" "findings drawn from an absent source"
# the full run does have some of them, so the check above can fail
csv_column , reasons <"$T/all/households.csv" | grep -E 'R_JOBLOSS|R_ZEROJOB|R_DISASTER|R_DROPOUT' >/dev/null ||
	fail "the full run fires none of the rules this test expects to vanish"

run_expect 1 "$T/none.log" "$HH" run --period 202611 --key "$T/key" --out "$T/none" \
	--medical medical.csv
assert_contains "$T/none.log" "--civil-affairs" "message for a missing roster"
echo "it_absent: absent sources reported, their rules silent"
