# it_audit_household.sh - `hhmatch audit household` shows what each score
# is made of: every rule with its value, threshold, verdict and weight
# (from explain.csv), and every source row of the members marked as
# counted or not, with why (a settlement outside the medical window, an
# hr period after the run's, a member who exited), so that the counted
# settlements add up to the household's oop_12m exactly.
source "$(dirname "$0")/../lib.sh"

make_key "$T/k.key"
make_audit_key "$T/a.key"
"$HH" gen --out "$T/m" --households 300 --seed 11 --clean >/dev/null
(cd "$T/m" && "$HH" run --config hhmatch.conf --key "$T/k.key" --out "$T/o" --quiet)

# The households with medical costs, and a sample of the others.
awk -F, 'NR > 1 && $7 > 0 { print $1 }' "$T/o/households.csv" | head -n 40 >"$T/ids"
awk -F, 'NR > 1 && $7 == 0 { print $1 }' "$T/o/households.csv" | head -n 5 >>"$T/ids"
[ "$(wc -l <"$T/ids")" -ge 20 ] || fail "too few households with medical costs to check"
outside=0 checked=0
while read -r H; do
	(cd "$T/m" && "$HH" audit household --household "$H" --run "$T/o" --key "$T/k.key" \
		--log "$T/audit.log" --purpose "it_audit_household" --json) >"$T/a.json"
	want=$(awk -F, -v h="$H" '$1 == h { printf "%.2f", $7 }' "$T/o/households.csv")
	got=$(jq -r '.facts["out_of_pocket of the settlements that count"] // ""' "$T/a.json")
	case $got in "$want yuan in "*) ;; *) fail "$H: oop_12m $want, counted settlements say '$got'" ;; esac
	# The rules section: the verdicts are the household's reasons and the
	# weights that fired add up to its score.
	reasons=$(jq -r '[.sections.rules[] | select(.fired == "yes") | .rule] | join(";")' "$T/a.json")
	assert_eq "$(jq -r .facts.reasons "$T/a.json")" "$reasons" "$H: rules marked fired"
	score=$(jq -r '[.sections.rules[] | select(.fired == "yes") | .weight | tonumber] | add // 0' "$T/a.json")
	assert_eq "$(jq -r .facts.risk_score "$T/a.json")" "$score" "$H: sum of the weights"
	# the level and reasons as a caseworker reads them
	case $(jq -r .facts.risk_level "$T/a.json") in
	high) zh=高风险 ;; medium) zh=中风险 ;; low) zh=低风险 ;; *) zh=无风险 ;;
	esac
	assert_eq "$zh" "$(jq -r '.facts["风险等级"]' "$T/a.json")" "$H: 风险等级"
	nr=$(jq -r '.facts.reasons | split(";") | map(select(. != "")) | length' "$T/a.json")
	nz=$(jq -r '.facts["风险原因"] | if . == "无" then 0 else (split("；") | length) end' "$T/a.json")
	assert_eq "$nr" "$nz" "$H: one label per reason"
	n=$(jq '[.sections["source rows of the members"][]? | select(.counted | startswith("no (settled"))] | length' "$T/a.json")
	outside=$((outside + n))
	checked=$((checked + 1))
done <"$T/ids"
# gen writes settlements before the window too: the check above saw them
# left out of the sum, not merely absent.
[ "$outside" -gt 0 ] || fail "no settlement outside the window was shown: nothing was tested"
# --format csv exports the same answer: a block per part, each with its
# header row, the part's name first on every row.
H=$(head -n 1 "$T/ids")
(cd "$T/m" && "$HH" audit household --household "$H" --run "$T/o" --key "$T/k.key" \
	--log "$T/audit.log" --purpose "it_audit_household" --format csv) >"$T/a.csv"
(cd "$T/m" && "$HH" audit household --household "$H" --run "$T/o" --key "$T/k.key" \
	--log "$T/audit.log" --purpose "it_audit_household" --json) >"$T/a.json"
python3 - "$T/a.csv" "$T/a.json" <<'PY' || fail "--format csv differs from --json"
import csv, json, sys
blocks, cur = [], []
for line in open(sys.argv[1], encoding="utf-8").read().split("\n\n"):
    rows = list(csv.reader(line.strip("\n").splitlines()))
    if rows:
        blocks.append(rows)
ans = json.load(open(sys.argv[2], encoding="utf-8"))
facts = {r[1]: r[2] for r in blocks[0][1:]}
assert blocks[0][0] == ["section", "fact", "value"], blocks[0][0]
# the audit log head differs between the two queries (each is logged)
for k, v in ans["facts"].items():
    if k != "audit log head":
        assert facts[k] == v, (k, facts[k], v)
secs = {b[1][0] if len(b) > 1 else None: b for b in blocks[1:]}
for title, rows in ans["sections"].items():
    if not rows:
        continue
    b = secs[title]
    assert b[0][1:] == list(rows[0].keys()), (title, b[0])
    assert [r[1:] for r in b[1:]] == [list(r.values()) for r in rows], title
    assert all(r[0] == title for r in b[1:])
print("csv blocks:", len(blocks))
PY
rc=0
(cd "$T/m" && "$HH" audit household --household "$H" --run "$T/o" --log "$T/audit.log" \
	--purpose "it_audit_household" --format xml) >/dev/null 2>"$T/err" || rc=$?
assert_eq 1 "$rc" "--format xml: exit status"

# An unknown --code or a --region no household has is an error that lists
# what exists (it was "findings: 0" with exit 0).
ask() { (cd "$T/m" && "$HH" audit findings --run "$T/o" --log "$T/audit.log" \
	--purpose "it_audit_household" "$@"); }
rc=0
ask --code A_DECEASD >"$T/out" 2>"$T/err" || rc=$?
assert_eq 1 "$rc" "an unknown --code: exit status"
assert_contains "$T/err" "unknown finding code 'A_DECEASD': the codes are .*A_DECEASED" "the message"
REGION=$(awk -F, 'NR == 2 { print substr($2, 1, 6) }' "$T/o/households.csv")
rc=0
ask --code A_DECEASED --region 649999 >"$T/out" 2>"$T/err" || rc=$?
assert_eq 1 "$rc" "a --region without households: exit status"
assert_contains "$T/err" "no counted household in region 649999\\* in period 202611; the nearest regions of that length with households: .*$REGION" "the message"
ask --code A_DECEASED --region "$REGION" >"$T/out" || fail "a region that exists was refused"
ask --code A_DECEASED --region "${REGION:0:4}" >"$T/out" || fail "a 4-digit region was refused"
echo "it_audit_household: ok ($checked households, $outside settlements outside the window marked)"
