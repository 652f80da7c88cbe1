#!/bin/bash
# it_review.sh - the caseworker loop: decisions imported into --state
# shape the next months' alerts, every import is in the audit log, and a
# rerun of a period is identical after later imports.
#
# May is a generated month; June, July and August are copies of it with
# planted changes (households picked from May's outputs):
#   FPH   medium on R_INCOME alone, reviewed false_positive in May
#         June: income raised -> resolved (carrying the decision)
#         July: income back, same reason and level -> new kept unsent
#               (report.json reviews.suppressed.new = 1)
#         August: a member's house collapsed (R_DISASTER, high)
#               -> escalated, sent
#   CONH  medium on R_INCOME alone, reviewed confirmed on 2026-05-26
#         -> no follow_up in June or July, follow_up in August
#         (review_follow_up_months = 3)
#   NEWJ  not flagged in May; a large settlement in July -> new in July,
#         undecided but not in July's backlog (the others alerted in May
#         or June and undecided are)
# The decisions file has Chinese headers and labels and is GB18030; its
# bad rows (a household the state never saw, a decision that is none, a
# date after today, a note holding an ID number) are rejected with their
# lines, and importing it twice leaves reviews.jsonl byte for byte.  With
# PGHOST (scripts/test.sh), the store's hhmatch.review_inbox is imported
# the same way (without it the test ends skipped, exit 77; with
# HH_TEST_PG=1 a missing server fails it).  report.html and
# caseworkers.xlsx show July's flagged households by last decision and the
# backlog by county (no openpyxl fails the test unless
# HH_ALLOW_NO_OPENPYXL=1).
. "$(dirname "$0")/../lib.sh" "$@"

make_key "$T/k.key"
S=$T/state
"$HH" gen --out "$T/may" --households 400 --seed 20265 --period 202605 --clean \
	>/dev/null 2>&1 || fail "gen"
run_month() { # PERIOD -> runs $T/PERIOD/hhmatch.conf into $T/out_PERIOD
	"$HH" run --config "$T/$1/hhmatch.conf" --key "$T/k.key" --out "$T/out_$1" \
		--state "$S" --quiet 2>"$T/run_$1.log" || { cat "$T/run_$1.log" >&2; fail "run $1"; }
}
month_from_may() { # NAME PERIOD: a copy of May for PERIOD
	cp -r "$T/may" "$T/$1"
	sed -i "s/^period = .*/period = $2/" "$T/$1/hhmatch.conf"
}
month_from_may 202605 202605
run_month 202605

H=$T/out_202605/households.csv
pick() { pick_household "$H" "$1"; }
USED="|"
FPH=$(pick '$10=="medium" && $11=="R_INCOME" && $4>=2'); USED="$USED$FPH|"
CONH=$(pick '$10=="medium" && $11=="R_INCOME" && $4>=2'); USED="$USED$CONH|"
NEWJ=$(pick '$10=="none" && $4>=1'); USED="$USED$NEWJ|"
[ -n "$FPH" ] && [ -n "$CONH" ] && [ -n "$NEWJ" ] || fail "no households to review in the generated month"
note "false positive $FPH, confirmed $CONH"
CA=$T/may/civil_affairs.csv
member() { # household -> "id,name" of its first active member
	awk -F, -v h="$1" '$1==h && ($9=="active" || $9=="") {print $2 "," $3; exit}' "$CA"
}
alert_of() { # FILE HOUSEHOLD KIND -> alert_id
	jq -r --arg h "$2" --arg k "$3" 'select(.household_id == $h and .kind == $k) | .alert_id' "$1"
}
kinds_of() { # FILE HOUSEHOLD -> its alerts' kinds, space separated
	jq -r --arg h "$2" 'select(.household_id == $h) | .kind' "$1" | tr '\n' ' ' | sed 's/ $//'
}
FPA=$(alert_of "$T/out_202605/alerts.jsonl" "$FPH" new)
[ -n "$FPA" ] || fail "no new alert for $FPH in May"

# --- the import ----------------------------------------------------------
TOMORROW=$(date -d tomorrow +%Y-%m-%d)
printf '%s\n' \
	"家庭编号,预警编号,核查结论,核查人,核查日期,备注" \
	"$FPH,$FPA,误报,wang01,2026-05-25,收入核实无误" \
	"$CONH,,已核实帮扶,li02,2026-05-26," \
	"H999999999999,,误报,li02,2026-05-26," \
	"$CONH,,没有这个结论,li02,2026-05-26," \
	"$CONH,,已核实帮扶,li02,$TOMORROW," \
	"$CONH,,已核实帮扶,li02,2026-05-27,见 $(member "$CONH" | cut -d, -f1)" |
	iconv -f UTF-8 -t GB18030 >"$T/decisions.csv"
run_expect 2 "$T/imp1" "$HH" review import --state "$S" --in "$T/decisions.csv" \
	--operator clerk7
assert_contains "$T/imp1" "read 6, accepted 2 \(new 2, already imported 0\), rejected 4" "counts"
assert_contains "$T/imp1" "decisions.csv line 4: household_id: the state has never alerted or flagged" \
	"unknown household"
assert_contains "$T/imp1" "decisions.csv line 5: decision: not a decision" "bad decision"
assert_contains "$T/imp1" "decisions.csv line 6: decided_on: after today" "future date"
assert_contains "$T/imp1" "decisions.csv line 7: note: holds something shaped like an ID number" \
	"ID number in a note"
! grep -F "$(member "$CONH" | cut -d, -f1)" "$T/imp1" "$S/reviews.jsonl" "$S/audit.log" ||
	fail "the ID number of a refused note was echoed or kept"
! grep -F "收入核实无误" "$T/imp1" >/dev/null || fail "a note was echoed"
assert_eq 2 "$(wc -l <"$S/reviews.jsonl")" "decisions kept"
assert_eq "false_positive medium R_INCOME 202605 $FPA" \
	"$(jq -r --arg h "$FPH" 'select(.household_id == $h) | "\(.decision) \(.risk_level) \(.reasons) \(.period) \(.alert_id)"' "$S/reviews.jsonl")" \
	"the false positive kept with what was reviewed"
# again: nothing added, the file byte for byte, a second audit record
cp "$S/reviews.jsonl" "$T/reviews.first"
run_expect 2 "$T/imp2" "$HH" review import --state "$S" --in "$T/decisions.csv"
assert_contains "$T/imp2" "read 6, accepted 2 \(new 0, already imported 2\), rejected 4" "counts again"
cmp -s "$T/reviews.first" "$S/reviews.jsonl" || fail "a second import changed reviews.jsonl"
assert_eq "2" "$(grep -c '"purpose":"review import"' "$S/audit.log")" "import records"
SHA=$(sha256sum <"$T/decisions.csv" | cut -c1-64)
grep -F '"operator":"clerk7","purpose":"review import"' "$S/audit.log" |
	grep -F "\"sha256\":\"$SHA\",\"import\":\"${SHA:0:16}\",\"read\":6,\"accepted\":2,\"added\":2,\"rejected\":4" \
	>/dev/null || fail "the first import's record: $(head -1 "$S/audit.log")"
"$HH" audit verify-log --state "$S" >"$T/vl" 2>&1 || { cat "$T/vl" >&2; fail "verify-log"; }
# a tab-separated file with English headers and codes, every row good
printf 'household_id\tdecision\treviewer\tdecided_on\n%s\tconfirmed\tli02\t2026-05-26\n' \
	"$CONH" >"$T/again.csv"
run_expect 0 "$T/imp3" "$HH" review import --state "$S" --in "$T/again.csv"
assert_contains "$T/imp3" "read 1, accepted 1 \(new 0, already imported 1\), rejected 0" "tab file"
# refused before anything is read: no audit key, no --in, ID-shaped operator
run_expect 1 "$T/u1" env -u HHMATCH_AUDIT_KEY "$HH" review import --state "$S" --in "$T/again.csv"
assert_contains "$T/u1" "audit-key" "no audit key"
run_expect 1 "$T/u2" "$HH" review import --state "$S"
run_expect 2 "$T/u4" "$HH" review import --state "$T/no-state" --in "$T/again.csv"
assert_contains "$T/u4" "--state .*/no-state: no such folder" "a mistyped --state"
[ ! -e "$T/no-state" ] || fail "a mistyped --state was made"
run_expect 1 "$T/u3" "$HH" review import --state "$S" --in "$T/again.csv" \
	--operator 110101199003077777

# --- June: FPH resolved, carrying its decision ---------------------------
month_from_may 202606 202606
awk -F, -v OFS=, -v h="$FPH" '$1==h {$6="900000.00"} {print}' "$CA" >"$T/202606/civil_affairs.csv"
run_month 202606
A=$T/out_202606/alerts.jsonl
assert_eq "resolved" "$(kinds_of "$A" "$FPH")" "June: $FPH"
assert_eq "false_positive 2026-05-25" \
	"$(jq -r --arg h "$FPH" 'select(.household_id == $h) | "\(.decision) \(.decided_on)"' "$A")" \
	"June: the resolved alert carries the decision"
jq -r --arg h "$FPH" 'select(.household_id == $h) | .text' "$A" | grep -F "（核查结论：误报，2026-05-25）" \
	>/dev/null || fail "June: the decision in the text: $(grep -F "$FPH" "$A")"
assert_eq "" "$(kinds_of "$A" "$CONH")" "June: nothing for $CONH"
assert_eq 0 "$(jq '.reviews.suppressed.new' "$T/out_202606/report.json")" "June: nothing kept"

# --- July: FPH back as it was reviewed: kept unsent, counted --------------
month_from_may 202607 202607
# NEWJ: not flagged before, a large settlement in July -> new in July (not
# in the backlog: its alert is days old)
m=$(member "$NEWJ")
{ gzip -dc "$T/may/medical.csv.gz"; echo "$m,2026-07-03,60000.00,90000.00,1,1,active"; } |
	gzip >"$T/202607/medical.csv.gz"
run_month 202607
assert_eq "new" "$(kinds_of "$T/out_202607/alerts.jsonl" "$NEWJ")" "July: $NEWJ"
A=$T/out_202607/alerts.jsonl
grep -F "\"household_id\":\"$FPH\"" "$T/out_202607/flags.csv" "$A" >/dev/null &&
	fail "July: $FPH alerted: $(grep -F "$FPH" "$A")"
grep -F "$FPH," "$T/out_202607/flags.csv" >/dev/null || fail "July: $FPH not flagged"
assert_eq "1 0 0 0" "$(jq -r '.reviews | "\(.suppressed.new) \(.suppressed.escalated) \(.suppressed.finding) \(.follow_up)"' \
	"$T/out_202607/report.json")" "July: report.json reviews"
assert_eq 2 "$(jq '.reviews.decisions_known' "$T/out_202607/report.json")" "July: decisions known"
assert_eq "" "$(kinds_of "$A" "$CONH")" "July: no follow_up yet for $CONH"
# report.html and caseworkers.xlsx: the last decisions and the backlog (a
# flagged household whose latest new, escalated or follow_up alert is
# from May or June, 30 days or more before July's end, and undecided)
FLAGGED=$(($(wc -l <"$T/out_202607/flags.csv") - 1))
jq -r 'select(.kind == "new" or .kind == "escalated" or .kind == "follow_up") |
	"\(.household_id) \(.period)"' "$T"/out_20260[567]/alerts.jsonl |
	sort -k1,1 -k2,2 | awk '{last[$1] = $2} END {for (h in last) print h, last[h]}' >"$T/asked"
BACKLOG=$(awk -F, 'NR > 1 {print $1}' "$T/out_202607/flags.csv" | sort >"$T/flagged.jul"
	awk -v f="$FPH" -v c="$CONH" '$1 != f && $1 != c && $2 < 202607 {print $1}' "$T/asked" |
	sort | comm -12 - "$T/flagged.jul" | wc -l)
[ "$BACKLOG" -gt 0 ] || fail "July: no household to be in the backlog"
note "July: $FLAGGED flagged, $BACKLOG in the backlog"
html_n() { # DECISION-OR-COUNTY-ATTR VALUE KEY -> the number in that row's cell
	grep -o "<tr data-$1=\"$2\">.*data-k=\"$3\">[0-9]*<" "$T/out_202607/report.html" |
		sed 's/.*>\([0-9]*\)<$/\1/'
}
assert_eq 1 "$(html_n decision false_positive flagged)" "report.html: flagged false positives"
assert_eq 1 "$(html_n decision confirmed flagged)" "report.html: flagged confirmed"
assert_eq $((FLAGGED - 2)) "$(html_n decision none flagged)" "report.html: flagged without a decision"
[ "$BACKLOG" -lt $((FLAGGED - 2)) ] || fail "July: $NEWJ, alerted in July, counted in the backlog"
grep -o '<table id="county-backlog">.*' "$T/out_202607/report.html" >/dev/null ||
	fail "report.html: no backlog table"
assert_eq "$BACKLOG" "$(grep -o '<tr data-county="\*">.*data-k="backlog">[0-9]*<' \
	"$T/out_202607/report.html" | sed 's/.*>\([0-9]*\)<$/\1/')" "report.html: the backlog's total"
grep -F "$FPH" "$T/out_202607/report.html" >/dev/null && fail "report.html names a household"
PY=$(openpyxl_python)
if [ -n "$PY" ]; then
	PYTHONIOENCODING=utf-8 "$PY" - "$T/out_202607/caseworkers.xlsx" "$FPH" "$CONH" "$BACKLOG" "$NEWJ" >"$T/wb" 2>&1 <<'PY' ||
import sys, openpyxl
wb = openpyxl.load_workbook(sys.argv[1])
fph, conh, backlog, newj = sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5]
rows = {}
for ws in wb.worksheets[1:]:
    head = [c.value for c in ws[1]]
    assert head[-2:] == ["核查结论", "待核查积压"], head
    for r in ws.iter_rows(min_row=2, values_only=True):
        rows[r[0]] = r
assert rows[fph][-2:] == ("误报（2026-05-25）", None), rows[fph]
assert rows[conh][-2:] == ("已核实帮扶（2026-05-26）", None), rows[conh]
assert rows[newj][-2:] == (None, None), rows[newj]
late = sum(1 for r in rows.values() if r[-1] == "是")
assert late == backlog, (late, backlog)
cells = [c for row in wb.worksheets[0].iter_rows(values_only=True) for c in row]
assert "按县（区）待核查积压（预警后超过规定天数仍无核查结论）" in cells
PY
		{ cat "$T/wb" >&2; fail "caseworkers.xlsx: decisions and backlog"; }
elif [ "${HH_ALLOW_NO_OPENPYXL:-}" = 1 ]; then
	note "skip the workbook's check: no openpyxl (HH_ALLOW_NO_OPENPYXL=1)"
else
	fail "python3 with openpyxl is needed for the workbook's check (scripts/setup.sh --test installs python3-openpyxl; HH_ALLOW_NO_OPENPYXL=1 skips it)"
fi

# --- August: FPH escalates (sent); CONH followed up ----------------------
month_from_may 202608 202608
echo "$(member "$FPH"),0,D,collapsed,0" >>"$T/202608/housing.csv"
run_month 202608
A=$T/out_202608/alerts.jsonl
assert_eq "escalated" "$(kinds_of "$A" "$FPH")" "August: $FPH"
assert_eq "high medium R_INCOME,R_DISASTER false_positive" \
	"$(jq -r --arg h "$FPH" 'select(.household_id == $h) | "\(.risk_level) \(.previous_level) \(.reasons | join(",")) \(.decision)"' "$A")" \
	"August: the escalation"
assert_eq "follow_up" "$(kinds_of "$A" "$CONH")" "August: $CONH"
assert_eq "帮扶回访：中风险；人均收入低于标准（核查结论：已核实帮扶，2026-05-26）" \
	"$(jq -r --arg h "$CONH" 'select(.household_id == $h) | .text' "$A")" "August: follow_up text"
assert_eq "0 1" "$(jq -r '.reviews | "\(.suppressed.new) \(.follow_up)"' "$T/out_202608/report.json")" \
	"August: report.json reviews"

# --- a later import does not change a rerun of August ---------------------
cp "$A" "$T/aug.first"
printf '%s\n' "household_id,decision,reviewer,decided_on" \
	"$CONH,unreachable,li02,2026-08-20" "$FPH,confirmed,wang01,2026-09-02" >"$T/later.csv"
run_expect 0 "$T/imp4" "$HH" review import --state "$S" --in "$T/later.csv"
assert_eq 4 "$(wc -l <"$S/reviews.jsonl")" "decisions after the later import"
run_month 202608
cmp -s "$T/aug.first" "$A" || { diff "$T/aug.first" "$A" >&2; fail "a rerun of August after a later import changed alerts.jsonl"; }
assert_eq 2 "$(jq '.reviews.decisions_known' "$T/out_202608/report.json")" "rerun: decisions known"
"$HH" verify --run "$T/out_202608" >/dev/null || fail "verify August"
# audit household: what was decided about it, by whom, when (no note)
"$HH" audit household --state "$S" --household "$FPH" --purpose "case 2026-R-1" \
	--key "$T/k.key" >"$T/q" 2>&1 || { cat "$T/q" >&2; fail "audit household"; }
assert_contains "$T/q" "^decisions \(2\)" "audit household: its decisions"
assert_contains "$T/q" "^  2026-05-25 +false_positive +wang01 +$FPA +202605 +medium +R_INCOME +1$" \
	"audit household: the false positive"
assert_contains "$T/q" "^  2026-09-02 +confirmed +wang01 +202608 +high +R_INCOME;R_DISASTER +4$" \
	"audit household: the later decision, with what was flagged then"
! grep -F "收入核实无误" "$T/q" >/dev/null || fail "audit household showed a note"
"$HH" audit verify-log --state "$S" >"$T/vl" 2>&1 || { cat "$T/vl" >&2; fail "verify-log at the end"; }
assert_contains "$T/vl" "authenticated: records 1\.\.[0-9]+ have a mac" "the log is sealed"

# --- the store's inbox -----------------------------------------------------
# HH_TEST_PG=1 (scripts/test.sh) means a server must be there: its absence
# fails the test; without it, the test is reported skipped (77), not passed
if [ "${HH_TEST_PG:-}" = 1 ]; then
	[ -n "${PGHOST:-}" ] && command -v psql >/dev/null ||
		fail "HH_TEST_PG=1 but no PostgreSQL for the inbox part (PGHOST unset or no psql)"
	psql -XAtq -d postgres -c 'select 1' >/dev/null ||
		fail "HH_TEST_PG=1 but the PostgreSQL server at PGHOST=$PGHOST does not answer"
fi
require_pg
pg_test_db it_review
U="postgresql:///$DB"
"$HH" review import --state "$S" --pg "$U" >"$T/pg0" 2>&1 || { cat "$T/pg0" >&2; fail "empty inbox"; }
assert_contains "$T/pg0" "read 0, accepted 0" "empty inbox"
sql -c "INSERT INTO hhmatch.review_inbox (household_id, decision, reviewer, decided_on, note)
	VALUES ('$CONH', '已死亡', 'zhao3', '2026-08-25', 'hospital record'),
	       ('H000', 'moved', 'zhao3', '2026-08-25', NULL)"
BADID=$(sql -c "SELECT id FROM hhmatch.review_inbox WHERE household_id = 'H000'")
run_expect 2 "$T/pg1" "$HH" review import --state "$S" --pg "$U" --operator inbox
assert_contains "$T/pg1" "read 2, accepted 1 \(new 1, already imported 0\), rejected 1" "inbox counts"
assert_contains "$T/pg1" "postgresql:///$DB id $BADID: household_id: the state has never" \
	"the inbox's bad row named by its id"
assert_eq "deceased zhao3 2026-08-25" \
	"$(tail -1 "$S/reviews.jsonl" | jq -r '"\(.decision) \(.reviewer) \(.decided_on)"')" "inbox decision kept"
run_expect 2 "$T/pg2" "$HH" review import --state "$S" --pg "$U"
assert_contains "$T/pg2" "accepted 1 \(new 0, already imported 1\)" "the inbox again"
"$HH" audit verify-log --state "$S" >/dev/null 2>&1 || fail "verify-log after the inbox"
