#!/usr/bin/env bash
# it_retract.sh - reruns of a period with --state withdraw the alerts the
# corrected data no longer gives, in alerts.jsonl and in the PostgreSQL
# outbox, and send nothing again.
#
# A generated month of 202611 is delivered twice:
#   D1  with two errors: household RETH (medium on R_INCOME alone) as
#       generated, and an hr row putting a member of FINDH in the public
#       sector (an A_PUBLIC_SECTOR finding alert);
#   D2  corrected: RETH's income raised (no longer flagged), the hr row
#       gone.
# Files (always):
#   1. D1 into a fresh --state: `new` for RETH, `finding` for FINDH.
#   2. D2, the same period: a `retracted` line for each, naming the first
#      run's alert_id in `retracts`, with the documented id; every other
#      line of the first run unchanged; order kept.
#   3. D2 again: alerts.jsonl byte-identical (same ids, nothing new).
#   4. D1 again: both alerts re-issued under new ids (generation 1), the
#      retractions still there byte for byte; 5. D1 again: identical.
#   6. A damaged alerts.jsonl in the state: exit 2 naming file and line,
#      --out untouched.
# PostgreSQL (skipped, exit 77, without a server): the same sequence with
# --pg-out into a database made for the test; a consumer that has taken
# every row finds exactly the two retractions after step 2, nothing after
# step 3, the two re-issued alerts after step 4; no row is ever deleted;
# hhmatch.alerts_in_force holds the alerts of the latest run that stand.
#   bash tests/e2e/it_retract.sh build/hhmatch
. "$(dirname "$0")/../lib.sh" "$@"

make_key "$T/k.key"
"$HH" gen --out "$T/m" --households 400 --seed 11 --period 202611 --clean \
	>"$T/gen.log" 2>&1 || { cat "$T/gen.log" >&2; fail "gen"; }
"$HH" run --config "$T/m/hhmatch.conf" --key "$T/k.key" --out "$T/probe" --quiet ||
	fail "run of the generated month"
H=$T/probe/households.csv
RETH=$(awk -F, 'NR>1 && $10=="medium" && $11=="R_INCOME" {print $1; exit}' "$H")
FINDH=$(awk -F, 'NR>1 && $10=="none" && $4>=1 {print $1; exit}' "$H")
[ -n "$RETH" ] && [ -n "$FINDH" ] || fail "no household to plant on (RETH '$RETH', FINDH '$FINDH')"
note "retracted: $RETH (new) and the finding of $FINDH"

# D1 and D2 share every file but the roster and hr
CA=$T/m/civil_affairs.csv
member() { # household -> "id,name" of its first active member
	awk -F, -v h="$1" '$1==h && ($9=="active" || $9=="") {print $2 "," $3; exit}' "$CA"
}
cp -r "$T/m" "$T/D1"
{ gzip -dc "$T/m/hr.csv.gz"; echo "$(member "$FINDH"),202611,employed,public_sector,100.00,,"; } |
	gzip >"$T/D1/hr.csv.gz"
cp -r "$T/m" "$T/D2"
awk -F, -v OFS=, -v h="$RETH" '$1==h {$6="900000.00"} {print}' "$CA" >"$T/D2/civil_affairs.csv"

# run DELIVERY STATE OUT [more options]: one run of 202611
run() {
	local d=$1 s=$2 o=$3
	shift 3
	run_expect 0 "$T/run.log" "$HH" run --config "$T/$d/hhmatch.conf" --key "$T/k.key" \
		--out "$o" --state "$s" --quiet "$@"
}
# id_of FILE HOUSEHOLD KIND: alert_id of that line (one line expected)
id_of() {
	local ids
	ids=$(jq -r --arg h "$2" --arg k "$3" \
		'select(.household_id == $h and .kind == $k) | .alert_id' "$1")
	[ "$(printf '%s\n' "$ids" | grep -c .)" -eq 1 ] ||
		fail "$1: expected one $3 line for $2, got '$ids'"
	printf '%s' "$ids"
}
# has_line FILE FILTER [jq args]: some line of FILE passes FILTER (slurped:
# jq 1.6's -e looks only at the last line's result)
has_line() {
	local f=$1 c=$2
	shift 2
	jq -e -s "$@" "any(.[]; $c)" "$f" >/dev/null
}
sha32() { printf '%s' "$1" | sha256sum | cut -c1-32; }
# check_order FILE: household_id ascending, retracted after the other
# kinds of a household, every line the contract's members first
check_order() {
	jq -r '[.household_id, (if .kind == "retracted" then 1 else 0 end)] | @tsv' "$1" >"$T/ord"
	sort -c -t "$(printf '\t')" -k1,1 -k2,2n "$T/ord" || fail "$1 is not in the documented order"
	jq -e -s 'all(.[]; (keys_unsorted[:6] == ["alert_id","period","household_id","kind",
		"risk_level","reasons"]) and ((.kind == "retracted") == has("retracts")))' "$1" \
		>/dev/null || fail "$1: a line without the contract's members, or retracts misplaced"
}

# --- files ------------------------------------------------------------------
S=$T/state
O=$T/out
run D1 "$S" "$O"
cp "$O/alerts.jsonl" "$T/a1"
X=$(id_of "$T/a1" "$RETH" new)
XF=$(jq -r --arg h "$FINDH" 'select(.household_id == $h and .code == "A_PUBLIC_SECTOR") | .alert_id' "$T/a1")
[ -n "$XF" ] || fail "the planted public-sector row gave no finding alert: $(grep -F "$FINDH" "$T/a1")"
assert_eq 0 "$(grep -c retracted "$T/a1" || true)" "retractions in the first run"

run D2 "$S" "$O"
cp "$O/alerts.jsonl" "$T/a2"
R=$(id_of "$T/a2" "$RETH" retracted)
assert_eq "$(sha32 "202611|$RETH|retracted|$X")" "$R" "the retraction's id"
has_line "$T/a2" '.household_id == $h and .kind == "retracted" and .retracts == $x and
	.retracted_kind == "new" and .risk_level == "none" and .period == "202611"' \
	--arg h "$RETH" --arg x "$X" ||
	fail "retraction of $RETH: $(grep -F "\"$RETH\"" "$T/a2")"
RF=$(id_of "$T/a2" "$FINDH" retracted)
has_line "$T/a2" '.household_id == $h and .kind == "retracted" and .retracts == $x and
	.retracted_kind == "finding" and .code == "A_PUBLIC_SECTOR"' --arg h "$FINDH" --arg x "$XF" || fail "retraction of the finding: $(grep -F "\"$FINDH\"" "$T/a2")"
PID=$(jq -r --arg x "$XF" 'select(.alert_id == $x) | .pid' "$T/a1")
assert_eq "$(sha32 "202611|$FINDH/$PID|retracted|$XF")" "$RF" "the finding retraction's id"
# nothing else changed: the first run's other lines, byte for byte
grep -v -F -e "\"alert_id\":\"$X\"" -e "\"alert_id\":\"$XF\"" "$T/a1" >"$T/a1.kept"
grep -v -F '"kind":"retracted"' "$T/a2" >"$T/a2.rest"
assert_file_eq "$T/a1.kept" "$T/a2.rest" "the rerun's alerts other than the retractions"
check_order "$T/a2"

run D2 "$S" "$O"
assert_file_eq "$T/a2" "$O/alerts.jsonl" "an unchanged rerun's alerts.jsonl"
assert_file_eq "$T/a2" "$S/runs/202611/alerts.jsonl" "the state's copy"

run D1 "$S" "$O"
cp "$O/alerts.jsonl" "$T/a4"
X1=$(id_of "$T/a4" "$RETH" new)
assert_eq "$(sha32 "202611|$RETH|new|R_INCOME#1")" "$X1" "the re-issued alert's id"
has_line "$T/a4" '.alert_id == $x and .generation == 1' --arg x "$X1" ||
	fail "re-issued alert: $(grep -F "$X1" "$T/a4")"
XF1=$(jq -r --arg h "$FINDH" 'select(.household_id == $h and .kind == "finding") | .alert_id' "$T/a4")
assert_eq "$(sha32 "202611|$FINDH/$PID|finding|A_PUBLIC_SECTOR#1")" "$XF1" "the re-issued finding's id"
grep -F '"kind":"retracted"' "$T/a2" >"$T/r2"
grep -F '"kind":"retracted"' "$T/a4" >"$T/r4"
assert_file_eq "$T/r2" "$T/r4" "the retractions, carried forward"
grep -F -e "\"alert_id\":\"$X\"" -e "\"alert_id\":\"$XF\"" "$T/a4" >/dev/null &&
	fail "a withdrawn id was sent again"
check_order "$T/a4"
run D1 "$S" "$O"
assert_file_eq "$T/a4" "$O/alerts.jsonl" "an unchanged rerun after a re-issue"

# a damaged copy in the state refuses the run (exit 2), naming the file and
# line, and publishes nothing
K=$S/runs/202611/alerts.jsonl
printf '{broken\n' >>"$K"
run_expect 2 "$T/bad.log" "$HH" run --config "$T/D2/hhmatch.conf" --key "$T/k.key" \
	--out "$O" --state "$S" --quiet
assert_contains "$T/bad.log" "runs/202611/alerts\.jsonl line $(($(wc -l <"$T/a4") + 1)): not valid JSON" \
	"the refusal"
assert_file_eq "$T/a4" "$O/alerts.jsonl" "--out after the refused run"

# --- PostgreSQL -------------------------------------------------------------
require_pg
pg_test_db it_retract
PG=(--pg-out "postgresql:///$DB")
# consume: what a caseworker system takes (the recipe of 003), sorted
consume() {
	sql -c "UPDATE hhmatch.alert_outbox SET consumed = now()
		WHERE alert_id IN (SELECT alert_id FROM hhmatch.alert_outbox
		                    WHERE consumed IS NULL FOR UPDATE SKIP LOCKED)
		RETURNING alert_id, kind, coalesce(retracts, '-')" | sort
}
S2=$T/state2
run D1 "$S2" "$O" "${PG[@]}"
assert_eq t "$(sql -c "SELECT max(version) >= 3 FROM hhmatch.schema_version")" "store schema version 003 applied"
consume >"$T/c1"
assert_eq "$(wc -l <"$T/a1")" "$(wc -l <"$T/c1")" "rows consumed after the first run"

run D2 "$S2" "$O" "${PG[@]}"
consume >"$T/c2"
printf '%s|retracted|%s\n' "$R" "$X" "$RF" "$XF" | sort >"$T/c2.want"
assert_file_eq "$T/c2.want" "$T/c2" "rows a consumer takes after the corrected rerun"
assert_eq 1 "$(sql -c "SELECT count(*) FROM hhmatch.alert_outbox
	WHERE alert_id = '$X' AND consumed IS NOT NULL")" "the withdrawn alert's row, kept"
assert_eq "$RETH" "$(sql -c "SELECT household_id FROM hhmatch.alert_outbox WHERE retracts = '$X'")" \
	"the retraction's household"

run D2 "$S2" "$O" "${PG[@]}"
consume >"$T/c3"
[ ! -s "$T/c3" ] || { cat "$T/c3" >&2; fail "an unchanged rerun added outbox rows"; }

run D1 "$S2" "$O" "${PG[@]}"
consume >"$T/c4"
printf '%s|%s|-\n' "$X1" new "$XF1" finding | sort >"$T/c4.want"
assert_file_eq "$T/c4.want" "$T/c4" "rows a consumer takes after the re-issue"
assert_eq "$(($(wc -l <"$T/a1") + 4))" "$(sql -c "SELECT count(*) FROM hhmatch.alert_outbox")" \
	"outbox rows: the first run's, two retractions, two re-issues"
jq -r 'select(.kind != "retracted") | .alert_id' "$O/alerts.jsonl" | sort >"$T/force.want"
sql -c "SELECT alert_id FROM hhmatch.alerts_in_force ORDER BY 1" >"$T/force.got"
assert_file_eq "$T/force.want" "$T/force.got" "hhmatch.alerts_in_force"
echo "ok: $TEST_NAME"
