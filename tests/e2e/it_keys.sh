#!/bin/bash
# it_keys.sh - the key a run is made under, against the history and the
# pid extracts (history/guards.h, engine/ingest.c), with the real binary.
#
#   - October under key 1 is kept in a state; November under key 2 is
#     refused (exit 2) naming both key_ids, and --out, --state and the
#     inputs are left exactly as they were;
#   - with --new-key it runs: report.json says new_key, the alerts are
#     those of a first run (byte for byte the alerts of November under
#     key 2 in an empty state: only new and finding), and the audit log
#     holds one record for the run;
#   - a rerun of November under key 2 is still that baseline (same
#     alerts, new_key) without --new-key; under key 1 it is refused;
#     December under key 2 compares with November as usual;
#   - --new-key with the state's own key is said (a warning) and changes
#     nothing;
#   - a pid extract whose key_id column names another key refuses its
#     source (exit 2) naming both key_ids; under its own key it runs; a
#     key_id column holding something else is refused without echoing it.
. "$(dirname "$0")/../lib.sh" "$@"

"$HH" run --help 2>/dev/null | grep -q -- '--new-key' || {
	echo "skip: hhmatch run has no --new-key yet" >&2
	exit 77
}

make_key "$T/k1.key"
"$HH" keygen --out "$T/k2.key" >"$T/keygen.out" || fail "keygen"
K2=$(sed -n 's/.*key_id \([0-9a-f]\{8\}\).*/\1/p' "$T/keygen.out")
[ ${#K2} -eq 8 ] || fail "keygen printed no key_id: $(cat "$T/keygen.out")"
for p in 202610 202611 202612; do
	"$HH" gen --out "$T/m$p" --households 2000 --seed 12 --period "$p" --clean \
		>/dev/null 2>&1 || fail "gen $p"
	rm "$T/m$p/truth.csv"
done

# refuse WHAT PATTERN PATH... -- cmd...: exit 2, the message, nothing
# changed under the PATHs (lib.sh assert_refused).
refuse() { assert_refused 2 "$@"; }

# month PERIOD KEY OUT STATE [option...]: the generated month (STATE ""
# for none)
month() {
	local p=$1 k=$2 o=$3 s=$4
	shift 4
	local args=(run --config "$T/m$p/hhmatch.conf" --key "$k" --out "$o" --quiet)
	if [ -n "$s" ]; then args+=(--state "$s"); fi
	"$HH" "${args[@]}" "$@"
}

kinds() { jq -r .kind "$1" | sort -u | tr '\n' ' ' | sed 's/ $//'; }

S=$T/state
O=$T/out
month 202610 "$T/k1.key" "$O" "$S" || fail "october under key 1"
K1=$(jq -r .key_id "$O/report.json")
[ "$K1" != "$K2" ] || fail "two keys with one key_id"

# --- another key: refused, nothing touched ---------------------------------
refuse key_change \
	"^hhmatch run: this run's key \(key_id $K2\) is not the key of period 202610 in the state \(key_id $K1\): pids under two keys never match; run with that key, or with --new-key to start a new baseline \(alerts will not compare with earlier periods\)$" \
	"$O" "$S" "$T/m202611" -- month 202611 "$T/k2.key" "$O" "$S"

# --- --new-key: a new baseline ------------------------------------------------
month 202611 "$T/k2.key" "$T/fresh" "$T/fresh_state" || fail "november under key 2, empty state"
month 202611 "$T/k2.key" "$O" "$S" --new-key || fail "november under key 2 with --new-key"
assert_eq true "$(jq .new_key "$O/report.json")" "report.json new_key"
assert_eq "$K2" "$(jq -r .key_id "$O/report.json")" "report.json key_id"
assert_eq "finding new" "$(kinds "$O/alerts.jsonl")" "alert kinds of a new baseline"
cmp -s "$T/fresh/alerts.jsonl" "$O/alerts.jsonl" ||
	fail "--new-key alerts differ from those of a first run"
tail -n 1 "$S/audit.log" >"$T/rec"
assert_eq '{"command":"run","period":"202611","accepted":[],"new_key":true}' \
	"$(jq -c .query "$T/rec")" "audit record of the key change"
assert_eq run "$(jq -r .purpose "$T/rec")" "audit record purpose"
"$HH" audit verify-log --state "$S" >/dev/null || fail "audit log does not verify"
assert_eq "$K2" "$(jq -r .key_id "$S/runs/202611/report.json")" "state keeps the new key_id"

# a rerun of the baseline under its key is the same baseline
cp "$O/alerts.jsonl" "$T/alerts.first"
month 202611 "$T/k2.key" "$O" "$S" || fail "rerun of november under key 2"
assert_eq true "$(jq .new_key "$O/report.json")" "rerun of a baseline: new_key"
cmp -s "$T/alerts.first" "$O/alerts.jsonl" || fail "a rerun of the baseline changed its alerts"
assert_eq 2 "$(wc -l <"$S/audit.log")" "one record per baseline run"
# ... and under the old key it is refused, naming the kept run
refuse key_rerun \
	"^hhmatch run: this run's key \(key_id $K1\) is not the key of the kept run of 202611 in the state \(key_id $K2\): " \
	"$O" "$S" "$T/m202611" -- month 202611 "$T/k1.key" "$O" "$S"

# December compares with November: not a baseline, nothing logged
month 202612 "$T/k2.key" "$O" "$S" || fail "december under key 2"
assert_eq false "$(jq .new_key "$O/report.json")" "december new_key"
assert_eq 2 "$(wc -l <"$S/audit.log")" "december logged nothing"
# --new-key with the key the state already has: said, nothing changes
month 202612 "$T/k2.key" "$O" "$S" --new-key 2>"$T/same.err" || fail "--new-key with the same key"
assert_contains "$T/same.err" \
	"^hhmatch run: warning: --new-key: the key \(key_id $K2\) is the key of 202612 already; alerts compare with the latest earlier period as usual$" \
	"--new-key with the same key"
assert_eq false "$(jq .new_key "$O/report.json")" "december rerun new_key"
assert_eq new_key_unused "$(jq -r '.warnings[].name' "$O/report.json")" "warning in report.json"

# --- a pid extract made under another key ------------------------------------
P=$T/pid
mkdir "$P"
"$HH" pseudonymize --key "$T/k2.key" --source medical --in "$T/m202611/medical.csv.gz" \
	--out "$T/medical_k2.csv" --period 202611 >/dev/null 2>&1 || fail "pseudonymize"
# pseudonymize writes key_id; an older one did not: add it then
if head -n 1 "$T/medical_k2.csv" | tr ',' '\n' | grep -qx key_id; then
	cp "$T/medical_k2.csv" "$P/medical.csv"
else
	awk -v k="$K2" '{ print $0 "," (NR == 1 ? "key_id" : k) }' "$T/medical_k2.csv" >"$P/medical.csv"
fi
cp "$T/m202611/civil_affairs.csv" "$P/"
run_pid() { # KEY OUT: the roster and the pid medical extract
	"$HH" run --period 202611 --key "$1" --out "$2" --quiet \
		--civil-affairs "$P/civil_affairs.csv" --medical "$P/medical.csv"
}
refuse pid_key \
	"^hhmatch run: medical: .*/pid/medical.csv: line 2: pseudonymised under key_id $K2, this run's key is $K1; pseudonymise it again with this key$" \
	"$T/o_pid" "$P" -- run_pid "$T/k1.key" "$T/o_pid"
run_pid "$T/k2.key" "$T/o_pid2" || fail "a pid extract under the run's own key"
[ "$(json_source_num "$T/o_pid2/report.json" medical persons_on_roster)" -gt 0 ] ||
	fail "the pid extract under the run's key links nobody"
# a key_id cell that is not a key_id: refused, its text never echoed
awk -F, -v OFS=, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "key_id") c = i }
	NR == 3 { $c = "640381196212285185" } { print }' "$P/medical.csv" >"$P/m.tmp"
mv "$P/m.tmp" "$P/medical.csv"
refuse pid_key_bad \
	"^hhmatch run: medical: .*/pid/medical.csv: line 3: the key_id column holds something other than a key_id \(8 hex characters\); this run's key is $K2; " \
	"$T/o_pid3" "$P" -- run_pid "$T/k2.key" "$T/o_pid3"
! grep -q 640381196212285185 "$T/log" || fail "the key_id cell was echoed"

note "a key change is refused, --new-key starts a baseline, a foreign pid extract is refused"
