#!/bin/bash
# it_month_over_month.sh - two months with --state: planted changes give
# exactly the expected alert kinds, a rerun gives identical alerts, the
# audit queries show the planted facts, the audit log verifies and then
# names the record that was edited or removed, and no raw ID number or
# name appears in any output, answer or log.
#
# October is a generated month; November is a copy of it with planted
# changes (the households are picked from October's outputs):
#   NEWH   not flagged in October; a member gets a 60000 yuan settlement -> new
#   RESH   medium on R_INCOME alone; its income is raised           -> resolved
#   ESCH   medium on R_INCOME alone; a member's house collapsed     -> escalated
#   DESH   high with R_DISASTER and 3 <= score-3 < 6; its members'
#          housing rows are removed                                 -> de-escalated
#   FINDH  a member is recorded working in the public sector        -> finding A_PUBLIC_SECTOR
. "$(dirname "$0")/../lib.sh" "$@"

"$HH" run --help 2>/dev/null | grep -q -- '--state' || {
	echo "skip: hhmatch run has no --state yet" >&2
	exit 77
}

make_key "$T/k.key"
S=$T/state
"$HH" gen --out "$T/oct" --households 400 --seed 20261 --period 202610 --clean \
	>/dev/null 2>&1 || fail "gen"
"$HH" run --config "$T/oct/hhmatch.conf" --key "$T/k.key" --out "$T/out_oct" \
	--state "$S" --quiet || fail "run october"
[ -s "$S/runs/202610/households.csv" ] || fail "october not kept in the state"
[ -f "$T/out_oct/alerts.jsonl" ] || fail "october has no alerts.jsonl"

H=$T/out_oct/households.csv
pick() { pick_household "$H" "$1"; }
USED="|"
NEWH=$(pick '$10=="none" && $4>=1'); USED="$USED$NEWH|"
RESH=$(pick '$10=="medium" && $11=="R_INCOME"'); USED="$USED$RESH|"
ESCH=$(pick '$10=="medium" && $11=="R_INCOME"'); USED="$USED$ESCH|"
DESH=$(pick '$10=="high" && $11 ~ /R_DISASTER/ && $9-3 >= 3 && $9-3 < 6'); USED="$USED$DESH|"
FINDH=$(pick '$10=="none" && $4>=1'); USED="$USED$FINDH|"
for v in NEWH RESH ESCH DESH FINDH; do
	[ -n "${!v}" ] || fail "no household for $v in the generated month"
done
note "planted: new $NEWH resolved $RESH escalated $ESCH de-escalated $DESH finding $FINDH"

CA=$T/oct/civil_affairs.csv
member() { # household -> "id,name" of its first active member
	awk -F, -v h="$1" '$1==h && ($9=="active" || $9=="") {print $2 "," $3; exit}' "$CA"
}

cp -r "$T/oct" "$T/nov"
sed -i 's/^period = .*/period = 202611/' "$T/nov/hhmatch.conf"
# NEWH: a large settlement in November
m=$(member "$NEWH"); NEW_ID=${m%%,*}
{ gzip -dc "$T/oct/medical.csv.gz"; echo "$m,2026-11-03,60000.00,90000.00,1,1,active"; } |
	gzip >"$T/nov/medical.csv.gz"
NEW_LINE=$(gzip -dc "$T/nov/medical.csv.gz" | wc -l)
# RESH: income raised
awk -F, -v OFS=, -v h="$RESH" '$1==h {$6="900000.00"} {print}' "$CA" >"$T/nov/civil_affairs.csv"
# ESCH: a member's house collapsed
echo "$(member "$ESCH"),0,D,collapsed,0" >>"$T/nov/housing.csv"
# DESH: the members' housing rows removed
awk -F, -v h="$DESH" '$1==h {print $2}' "$CA" >"$T/desh_ids"
grep -v -F -f "$T/desh_ids" "$T/nov/housing.csv" >"$T/nov/housing.tmp"
mv "$T/nov/housing.tmp" "$T/nov/housing.csv"
# FINDH: a member in the public sector
{ gzip -dc "$T/oct/hr.csv.gz"; echo "$(member "$FINDH"),202611,employed,public_sector,100.00,,"; } |
	gzip >"$T/nov/hr.csv.gz"

"$HH" run --config "$T/nov/hhmatch.conf" --key "$T/k.key" --out "$T/out_nov" \
	--state "$S" --quiet || fail "run november"
A=$T/out_nov/alerts.jsonl
kind_of() { # household [code] -> kinds of its alerts, space separated
	grep -F "\"household_id\":\"$1\"" "$A" | grep -F "${2:-}" |
		sed 's/.*"kind":"\([^"]*\)".*/\1/' | tr '\n' ' ' | sed 's/ $//'
}
assert_eq "new" "$(kind_of "$NEWH")" "alert for $NEWH"
assert_eq "resolved" "$(kind_of "$RESH")" "alert for $RESH"
assert_eq "escalated" "$(kind_of "$ESCH")" "alert for $ESCH"
assert_eq "de-escalated" "$(kind_of "$DESH")" "alert for $DESH"
assert_eq "finding" "$(kind_of "$FINDH" A_PUBLIC_SECTOR)" "finding alert for $FINDH"
grep -F "\"household_id\":\"$ESCH\"" "$A" | grep -q '"risk_level":"high".*"previous_level":"medium"' ||
	fail "escalated alert levels: $(grep -F "$ESCH" "$A")"
grep -F "\"household_id\":\"$RESH\"" "$A" | grep -q '"previous_level":"medium"' ||
	fail "resolved alert: $(grep -F "$RESH" "$A")"
# each alert says in Chinese what happened, for the person who reads it
assert_eq "风险升级：中风险 → 高风险" \
	"$(jq -r --arg h "$ESCH" 'select(.household_id == $h) | .text' "$A" | sed 's/；.*//')" \
	"escalated alert's text"
assert_eq "新增预警：" "$(jq -r --arg h "$NEWH" 'select(.household_id == $h) | .text' "$A" | sed 's/：.*/：/')" \
	"new alert's text"
jq -r --arg h "$FINDH" 'select(.household_id == $h and .kind == "finding") | .text' "$A" |
	grep -F "在机关事业单位就业" >/dev/null || fail "finding alert's text: $(grep -F "$FINDH" "$A")"
[ "$(jq -r 'select(.text == null or .text == "")' "$A" | wc -l)" -eq 0 ] || fail "an alert without text"
# sorted by household_id, then kind; every line has the contract's fields
awk -F'"household_id":"' '{split($2, a, "\""); print a[1]}' "$A" >"$T/order"
sort -c "$T/order" || fail "alerts.jsonl is not sorted by household_id"
! grep -v '"alert_id":"[0-9a-f]\{32\}","period":"202611","household_id":"[^"]*","kind":"[a-z-]*","risk_level":"[a-z]*","reasons":\[' "$A" >/dev/null ||
	fail "an alert line lacks a contract field"
[ -s "$S/runs/202611/alerts.jsonl" ] || fail "november not kept in the state"

# a rerun of November compares with October again: identical alerts
cp "$A" "$T/alerts.first"
"$HH" run --config "$T/nov/hhmatch.conf" --key "$T/k.key" --out "$T/out_nov" \
	--state "$S" --quiet || fail "rerun november"
cmp -s "$T/alerts.first" "$A" || fail "a rerun of 202611 changed alerts.jsonl"
cmp -s "$T/alerts.first" "$S/runs/202611/alerts.jsonl" || fail "state copy differs"
[ "$(ls -A "$S/runs" | wc -l)" -eq 2 ] || fail "state runs: $(ls -A "$S/runs")"

# --- audit ---------------------------------------------------------------
AU=(--state "$S" --operator tester --purpose "case 2026-11-001")
"$HH" audit household --household "$NEWH" --key "$T/k.key" "${AU[@]}" >"$T/q1" 2>"$T/q1.err" ||
	fail "audit household: $(cat "$T/q1.err")"
assert_contains "$T/q1" "^risk_level: +(medium|high)" "household level"
assert_contains "$T/q1" "R_MEDICAL +6[0-9]{4}\.[0-9]{2} +10000\.00 +yes" "R_MEDICAL value, threshold, fired"
assert_contains "$T/q1" "R_CARE .* (yes|no) +[0-9]+$" "every rule listed"
assert_contains "$T/q1" "medical +[0-9a-f]{64} +yes +[^ ]*medical\.csv\.gz +$NEW_LINE +settle_date=2026-11-03 out_of_pocket=60000\.00" \
	"the planted settlement with its file and line"
assert_contains "$T/q1" "^members \([1-9]" "members listed"
NEW_PID=$(grep -A3 '^members' "$T/q1" | tail -1 | awk '{print $1}')
[ ${#NEW_PID} -eq 64 ] || fail "member pid: $NEW_PID"

"$HH" audit household --household "$NEWH" --key "$T/k.key" --json "${AU[@]}" >"$T/q1.json" ||
	fail "audit household --json"
jq -e . "$T/q1.json" >/dev/null || fail "--json is not one JSON document"
assert_contains "$T/q1.json" '"rule":"R_MEDICAL","value":"6[0-9]{4}\.[0-9]{2}","threshold":"10000\.00","fired":"yes"' "json rule row"

"$HH" audit person --id "$NEW_ID" --key "$T/k.key" "${AU[@]}" >"$T/q2" 2>"$T/q2.err" ||
	fail "audit person: $(cat "$T/q2.err")"
assert_contains "$T/q2" "^on the roster: +yes" "roster membership"
assert_contains "$T/q2" "^  $NEWH " "the person's household"
assert_contains "$T/q2" "^  20261[01] +$NEWH" "history across periods"
echo "$NEW_ID" | "$HH" audit person --id - --key "$T/k.key" "${AU[@]}" >"$T/q2b" ||
	fail "audit person --id -"
"$HH" audit person --id "$NEW_ID" "${AU[@]}" >/dev/null 2>"$T/q3.err" && fail "--id without --key"
"$HH" audit person --pid "$NEW_PID" --key "$T/k.key" "${AU[@]}" >"$T/q4" || fail "audit person --pid"
assert_contains "$T/q4" "^pid: +$NEW_PID" "person by pid"

"$HH" audit findings --code A_PUBLIC_SECTOR "${AU[@]}" >"$T/q5" || fail "audit findings"
assert_contains "$T/q5" "A_PUBLIC_SECTOR +hr +$FINDH" "planted finding listed"
REG=$(awk -F, -v h="$FINDH" '$1==h {print substr($2,1,6)}' "$H")
"$HH" audit findings --code A_PUBLIC_SECTOR --region "$REG" --period 202611 "${AU[@]}" >"$T/q6" ||
	fail "audit findings --region"
assert_contains "$T/q6" "$FINDH" "finding within its region"
# a region no household has is an error naming the ones that exist
rc=0
"$HH" audit findings --code A_PUBLIC_SECTOR --region 999 "${AU[@]}" >"$T/q7" 2>&1 || rc=$?
assert_eq 1 "$rc" "findings in region 999: exit status"
assert_contains "$T/q7" "no counted household in region 999\\* .*nearest regions of that length with households: 640" "no household in region 999"

# usage errors: no purpose, no log location
rc=0; "$HH" audit findings --code A_DECEASED --state "$S" >/dev/null 2>&1 || rc=$?
assert_eq 1 "$rc" "no --purpose"
rc=0; "$HH" audit findings --code A_DECEASED --run "$T/out_nov" --purpose x >/dev/null 2>&1 || rc=$?
assert_eq 1 "$rc" "--run without --log"
"$HH" audit findings --code A_DECEASED --run "$T/out_nov" --purpose x --log "$T/run.log" \
	>/dev/null || fail "--run with --log"
"$HH" audit verify-log --log "$T/run.log" >/dev/null || fail "separate log"

# --- the log ----------------------------------------------------------------
L=$S/audit.log
N=$(wc -l <"$L")
# 7: the query refused for region 999 answered nothing, so it is not logged
[ "$N" -eq 7 ] || fail "expected 7 logged queries, got $N"
"$HH" audit verify-log --state "$S" >"$T/v1" || fail "verify-log on an intact log"
assert_contains "$T/v1" "^log intact: 7 records" "intact"
grep -q "\"pid\":\"$NEW_PID\"" "$L" || fail "the person query logs the pid"
grep -q '"purpose":"case 2026-11-001"' "$L" || fail "purpose logged"
cp "$L" "$T/log.good"
sed -i '3s/tester/tesTer/' "$L"
rc=0; "$HH" audit verify-log --state "$S" >/dev/null 2>"$T/v2" || rc=$?
assert_eq 2 "$rc" "verify-log after an edit"
assert_contains "$T/v2" "record 3 is broken" "edited record named"
cp "$T/log.good" "$L"
sed -i '5d' "$L"
rc=0; "$HH" audit verify-log --state "$S" >/dev/null 2>"$T/v3" || rc=$?
assert_eq 2 "$rc" "verify-log after a deletion"
assert_contains "$T/v3" "record 5 is broken: prev_sha256" "record after the gap named"
cp "$T/log.good" "$L"

# --- no raw ID number or name anywhere ---------------------------------------
awk -F, 'NR>1 {print $2; print $3}' "$T/oct/civil_affairs.csv" | sort -u | grep -v '^$' >"$T/secrets"
for f in "$T"/out_oct/* "$T"/out_nov/* "$S"/runs/*/* "$L" "$T"/q* "$T"/v*; do
	if grep -q -F -f "$T/secrets" "$f"; then
		fail "a raw ID number or name appears in $f"
	fi
done
echo "ok: $TEST_NAME"
