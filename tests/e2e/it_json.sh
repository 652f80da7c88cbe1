#!/usr/bin/env bash
# it_json.sh - the JSON outputs stay valid JSON whatever the inputs are
# called, and a file name that is not UTF-8 can still be opened again.
#
# The golden month is run with its medical extract renamed to a GB18030
# name (保险.csv, bytes that are not UTF-8).  report.json must parse (jq),
# carry the name with U+FFFD in "file" and its exact bytes in "file_hex"
# and "path_hex", and `hhmatch audit household --run` must re-read that
# file (it finds its rows by report.json's path).  alerts.jsonl and the
# audit log must parse line by line.
#   bash tests/e2e/it_json.sh build/hhmatch
. "$(dirname "$0")/../lib.sh" "$@"
command -v jq >/dev/null || fail "jq is needed (scripts/setup.sh --test installs it)"

golden_month
med=$(printf '\xb1\xa3\xcf\xd5.csv') # 保险.csv in GB18030
mv medical.csv "$med"
run_expect 0 "$T/run.log" "$HH" run --period 202611 --key "$T/key" --out "$T/out" \
	--civil-affairs civil_affairs.csv --education education.tsv --hr hr.csv.gz \
	--housing housing.csv --medical "$med" --state "$T/state" --quiet

R=$T/out/report.json
jq -e . "$R" >/dev/null || fail "report.json is not valid JSON"
want_hex=$(printf '%s' "$med" | od -An -tx1 | tr -d ' \n')
assert_eq "$want_hex" "$(jq -r '.sources.medical.file_hex' "$R")" "medical file_hex"
path_hex=$(jq -r '.sources.medical.path_hex' "$R")
assert_eq "$(printf '%s' "$T/in/$med" | od -An -tx1 | tr -d ' \n')" "$path_hex" "medical path_hex"
assert_eq $'\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd.csv' \
	"$(jq -r '.sources.medical.file' "$R")" "medical file shown with U+FFFD"
assert_eq null "$(jq '.sources.education.file_hex' "$R")" "a UTF-8 name has no file_hex"
assert_eq 17 "$(jq '.households' "$R")" "households"

while IFS= read -r line; do
	printf '%s' "$line" | jq -e . >/dev/null || fail "alerts.jsonl line is not JSON: $line"
done <"$T/out/alerts.jsonl"

# The audit re-reads the medical file by its recorded path: a household
# with medical rows must list them.
hh=$(awk -F, 'NR > 1 && $7 != "0.00" { print $1; exit }' "$T/out/households.csv")
[ -n "$hh" ] || fail "test setup: no household with medical costs in the golden month"
run_expect 0 "$T/audit.out" "$HH" audit household --household "$hh" --run "$T/out" --log "$T/audit.log" \
	--key "$T/key" --purpose "it_json" --operator tester --json
jq -e . "$T/audit.out" >/dev/null || fail "audit --json output is not valid JSON"
while IFS= read -r line; do
	printf "%s" "$line" | jq -e . >/dev/null || fail "audit log record is not JSON: $line"
done <"$T/audit.log"
grep -q medical "$T/audit.out" || fail "audit did not re-read the medical file with a GB18030 name"
echo "it_json: ok"
