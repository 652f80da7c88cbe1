#!/usr/bin/env bash
# it_report_html.sh - report.html, the run as a page for people: its
# numbers are the CSV outputs' numbers, it holds no raw ID number, name or
# pid, fetches nothing, is the same bytes at any thread count, speaks
# English with --lang en, is listed in the manifest, and renders in
# headless Chromium (text and screenshots).
#
# Two generated months (October, then November with another seed) run
# with --state, so November's page has a trend of two periods and alerts.
# The page is read with awk: each table row is one line carrying
# data-county / data-source / data-period / data-kind / data-code, and
# each number a data-k naming it (matcher/present/report_html.c).
#
# The browser part needs Debian's chromium (scripts/setup.sh --test; or
# HH_CHROMIUM=PATH).  Without it the other checks still run, and the test
# then fails, unless HH_ALLOW_NO_BROWSER=1 (then it is reported as
# skipped).  Screenshots
# are kept in $HH_ARTIFACTS (default ./artifacts: the build folder under
# ctest): report.png (1280 wide) and report-phone.png (390 wide).
. "$(dirname "$0")/../lib.sh" "$@"

START=$PWD
make_key "$T/k.key"
cd "$T"
"$HH" gen --out oct --households 1500 --seed 41 --period 202610 >/dev/null 2>&1 || fail "gen october"
"$HH" gen --out nov --households 1500 --seed 42 --period 202611 >/dev/null 2>&1 || fail "gen november"
run_expect 0 "$T/run.log" "$HH" run --config oct/hhmatch.conf --key k.key --out out_oct \
	--state state --quiet
cp -a state state4
run_expect 0 "$T/run.log" "$HH" run --config nov/hhmatch.conf --key k.key --out out \
	--state state --threads 1 --quiet
O=$T/out
P=$O/report.html
[ -s "$P" ] || fail "no report.html in the run's folder"
note "report.html: $(wc -c <"$P") bytes for 1500 households"

# rows PAGE TABLE KEY...: the rows of <table id="TABLE">, one line each:
# the row's data-county/source/period/kind/code, then its data-k cells
# KEY... in that order; sorted.
rows() {
	awk -v table="$2" -v keys="${*:3}" '
		index($0, "<table id=\"" table "\">") { on = 1; next }
		on && index($0, "</table>") { on = 0 }
		on && match($0, /<tr data-[a-z]+="[^"]*"/) {
			tr = substr($0, RSTART, RLENGTH); sub(/^[^"]*"/, "", tr); sub(/"$/, "", tr)
			line = tr; n = split(keys, k, " ")
			for (i = 1; i <= n; i++) {
				v = "?"
				if (match($0, "data-k=\"" k[i] "\">[^<]*")) {
					v = substr($0, RSTART, RLENGTH); sub(/^[^>]*>/, "", v)
				}
				line = line " " v
			}
			print line
		}' "$1" | LC_ALL=C sort
}

# --- the numbers are the CSVs' -------------------------------------------
# flagged households by county (6 digits) and level; roster households
col() { head -1 "$1" | tr ',' '\n' | grep -nx "$2" | cut -d: -f1; }
RC=$(col "$O/flags.csv" region_code); LV=$(col "$O/flags.csv" risk_level)
RS=$(col "$O/flags.csv" reasons); HRC=$(col "$O/households.csv" region_code)
awk -F, -v rc="$RC" -v lv="$LV" -v hrc="$HRC" '
	FNR == 1 { f++; next }
	f == 1 { c = substr($hrc, 1, 6); hh[c]++; th++ }
	f == 2 { c = substr($rc, 1, 6); fl[c]++; n[c, $lv]++; tf++; tn[$lv]++ }
	END {
		for (c in hh) print c, hh[c], fl[c] + 0, n[c, "high"] + 0, n[c, "medium"] + 0
		print "*", th, tf, tn["high"] + 0, tn["medium"] + 0
	}' "$O/households.csv" "$O/flags.csv" | LC_ALL=C sort >"$T/want.levels"
[ "$(wc -l <"$T/want.levels")" -gt 5 ] || fail "the generated month has too few counties"
rows "$P" county-levels households flagged high medium >"$T/got.levels"
assert_file_eq "$T/want.levels" "$T/got.levels" "households and flagged by county and level"
flagged=$(($(wc -l <"$O/flags.csv") - 1))
households=$(($(wc -l <"$O/households.csv") - 1))
grep -q "data-k=\"flagged\"><small>[^<]*</small><b>$flagged</b>" "$P" || fail "card: flagged $flagged"
grep -q "data-k=\"households\"><small>[^<]*</small><b>$households</b>" "$P" ||
	fail "card: households $households"

# reasons by county
REASONS="R_INCOME R_MEDICAL R_EDUCATION R_DROPOUT R_JOBLOSS R_INCOME_DROP R_ZEROJOB R_DISASTER R_CARE"
awk -F, -v rc="$RC" -v rs="$RS" -v reasons="$REASONS" '
	NR == 1 { next }
	{
		c = substr($rc, 1, 6); fl[c]++; tf++
		m = split($rs, r, ";"); for (i = 1; i <= m; i++) { n[c, r[i]]++; t[r[i]]++ }
	}
	END {
		k = split(reasons, R, " ")
		for (c in fl) { line = c " " fl[c]; for (i = 1; i <= k; i++) line = line " " n[c, R[i]] + 0; print line }
		line = "* " tf; for (i = 1; i <= k; i++) line = line " " t[R[i]] + 0; print line
	}' "$O/flags.csv" | LC_ALL=C sort >"$T/want.reasons"
# shellcheck disable=SC2086
rows "$P" county-reasons flagged $REASONS >"$T/got.reasons"
assert_file_eq "$T/want.reasons" "$T/got.reasons" "reasons of the flagged households by county"
grep -q "因病：医疗自付负担重" "$P" || fail "reasons are not shown by their Chinese labels"

# data quality: report.json's counts per source
jq -r '.sources | to_entries[] | select(.value.absent | not) |
	"\(.key) \(.value.rows_read) \(.value.rows_accepted) \(.value.rows_rejected) \(.value.persons) \(.value.persons_on_roster)"' \
	"$O/report.json" | LC_ALL=C sort >"$T/want.sources"
rows "$P" sources rows_read rows_accepted rows_rejected persons persons_on_roster >"$T/got.sources"
assert_file_eq "$T/want.sources" "$T/got.sources" "rows and persons per source"
[ "$(wc -l <"$T/got.sources")" = 5 ] || fail "data quality: not five sources"
# rejects by reason: the sum over sources equals rejects.csv's count
for r in $(jq -r '[.sources[].rejects_by_reason // {} | keys[]] | unique[]' "$O/report.json"); do
	want=$(R=$r csv_awk , 'if (rec > 1 && f[4] == ENVIRON["R"]) n++' 'print n + 0' <"$O/rejects.csv")
	got=$(awk -v r="$r" 'index($0, "<tr data-reason=\"" r "\">") && match($0, /data-k="total">[0-9]+/) {
		print substr($0, RSTART + 15, RLENGTH - 15) }' "$P")
	assert_eq "$want" "$got" "rejected rows for $r"
done
grep -q "身份证号校验位错误" "$P" || fail "reject reasons are not shown by their labels"

# findings by code
csv_awk , 'if (rec > 1) n[f[1]]++' 'for (c in n) print c, n[c]' <"$O/findings.csv" |
	LC_ALL=C sort >"$T/want.findings"
rows "$P" finding-codes count >"$T/got.findings"
assert_file_eq "$T/want.findings" "$T/got.findings" "findings by code"

# the trend (both periods from their own flags.csv) and this run's alerts
printf '%s %s\n' 202610 $(($(wc -l <out_oct/flags.csv) - 1)) 202611 "$flagged" >"$T/want.trend"
rows "$P" trend flagged >"$T/got.trend"
assert_file_eq "$T/want.trend" "$T/got.trend" "flagged households per period"
jq -r .kind "$O/alerts.jsonl" | LC_ALL=C sort | uniq -c | awk '{ print $2, $1 }' >"$T/want.alerts"
[ -s "$T/want.alerts" ] || fail "november has no alerts to show"
rows "$P" alerts count | LC_ALL=C sort >"$T/got.alerts"
assert_file_eq "$T/want.alerts" "$T/got.alerts" "alerts by kind"

# the facts: period, key_id, rules sha256, every input's sha256
for v in 202611 "$(jq -r .key_id "$O/report.json")" "$(jq -r .rules_sha256 "$O/report.json")" \
	$(jq -r '.sources[].sha256' "$O/report.json"); do
	grep -qF "$v" "$P" || fail "report.html does not show $v"
done

# --- what it must never hold ------------------------------------------------
# an ID-number-shaped run of digits, any raw ID or name of the inputs, a
# pid, a household id
if grep -Eo '(^|[^0-9A-Za-z])[0-9]{17}[0-9Xx]([^0-9A-Za-z]|$)|(^|[^0-9A-Za-z])[0-9]{15}([^0-9A-Za-z]|$)' "$P"; then
	fail "report.html holds an ID number"
fi
for m in oct nov; do
	csv_column , 'id_number|身份证号|身份证号码|公民身份号码|证件号码' <"$m/civil_affairs.csv"
	csv_column , 'name|姓名' <"$m/civil_affairs.csv"
done | awk 'length($0) >= 2' | sort -u >"$T/secrets"
[ "$(wc -l <"$T/secrets")" -gt 1000 ] || fail "too few IDs and names read from the inputs"
csv_awk , 'if (rec > 1) { if (f[3] != "") print f[3]; if (f[4] != "") print f[4] }' \
	<"$O/findings.csv" >>"$T/secrets"
awk -F, 'NR > 1 { print $1 }' "$O/households.csv" >>"$T/secrets"
no_secrets_in "$P" "$T/secrets" "a raw ID number, a name, a household id or a pid"
if grep -Eio 'https?://|<script|<link|<img|<iframe|@import|url\(' "$P"; then
	fail "report.html refers to something outside itself"
fi
if grep -F -e ".tmp-" -e "$T" "$P"; then
	fail "report.html names the temporary folder or the test's folder"
fi

# --- the same bytes at any thread count; English with --lang en ---------------
run_expect 0 "$T/run.log" "$HH" run --config nov/hhmatch.conf --key k.key --out out4 \
	--state state4 --threads 4 --quiet
cmp "$P" out4/report.html || fail "report.html differs between --threads 1 and 4"
run_expect 0 "$T/run.log" "$HH" run --config nov/hhmatch.conf --key k.key --out out_en \
	--lang en --quiet
E=out_en/report.html
grep -q '<html lang="en">' "$E" || fail "--lang en: not an English page"
for h in "Flagged households by county and level" "Reasons by county" "Data quality by source" \
	"Findings by code" "About this run" "income per person below the line"; do
	grep -qF "$h" "$E" || fail "--lang en: no '$h'"
done
grep -qF "No history: this run had no --state" "$E" || fail "no state: the page does not say so"
if grep -P '[^\x00-\x7F]' "$E" | head -3 >&2; then
	fail "--lang en: text that is not ASCII (Chinese?) in the English page"
fi
rows "$E" county-levels households flagged high medium >"$T/got.en"
assert_file_eq "$T/want.levels" "$T/got.en" "--lang en: counties and levels"

# --- the manifest lists it; verify sees a change ---------------------------------
assert_eq 1 "$(jq '[.outputs[] | select(.name == "report.html")] | length' "$O/manifest.json")" \
	"manifest.json lists report.html"
run_expect 0 "$T/verify.log" "$HH" verify --run "$O"
cp -a "$O" "$T/tampered"
sed -i 's/<b>'"$flagged"'<\/b>/<b>1<\/b>/' "$T/tampered/report.html"
run_expect 2 "$T/verify.log" "$HH" verify --run "$T/tampered"
assert_contains "$T/verify.log" 'report\.html' "verify names the changed report.html"

# --- headless Chromium: what a reader sees ------------------------------------
# HH_CHROMIUM names another browser binary (empty: none)
browser=${HH_CHROMIUM-$(command -v chromium || command -v chromium-browser || true)}
if [ -z "$browser" ]; then
	if [ "${HH_ALLOW_NO_BROWSER:-}" = 1 ]; then
		echo "skip: no chromium (HH_ALLOW_NO_BROWSER=1): the page was not rendered" >&2
		exit 77
	fi
	fail "chromium is not installed (scripts/setup.sh --test installs it; HH_ALLOW_NO_BROWSER=1 to skip the browser checks)"
fi
A=${HH_ARTIFACTS:-artifacts}
case $A in /*) ;; *) A=$START/$A ;; esac
mkdir -p "$A"
chrome() { # chromium options...: headless, its profile in $T, no network
	timeout 120 "$browser" --headless --no-sandbox --disable-gpu --hide-scrollbars \
		--no-first-run --user-data-dir="$T/chrome" --proxy-server=127.0.0.1:9 "$@" \
		2>>"$T/chrome.log"
}
chrome --dump-dom "file://$P" >"$T/dom.html" || { cat "$T/chrome.log" >&2; fail "chromium --dump-dom"; }
rows "$T/dom.html" county-levels households flagged high medium >"$T/dom.levels"
assert_file_eq "$T/want.levels" "$T/dom.levels" "rendered page: counties and levels"
rows "$T/dom.html" sources rows_read rows_accepted rows_rejected persons persons_on_roster >"$T/dom.sources"
assert_file_eq "$T/want.sources" "$T/dom.sources" "rendered page: rows per source"
[ "$(grep -o '<svg' "$T/dom.html" | wc -l)" -ge 5 ] || fail "rendered page: fewer than five charts"
png_size() { # PNG -> "WIDTH HEIGHT"
	od -An -tu1 -j16 -N8 "$1" | awk '{ print $1 * 16777216 + $2 * 65536 + $3 * 256 + $4, $5 * 16777216 + $6 * 65536 + $7 * 256 + $8 }'
}
chrome --screenshot="$A/report.png" --window-size=1280,2400 "file://$P" >/dev/null ||
	{ cat "$T/chrome.log" >&2; fail "chromium --screenshot"; }
assert_eq "1280 2400" "$(png_size "$A/report.png")" "screenshot size"
chrome --screenshot="$A/report-phone.png" --window-size=390,1600 "file://$P" >/dev/null ||
	{ cat "$T/chrome.log" >&2; fail "chromium --screenshot (phone)"; }
assert_eq "390 1600" "$(png_size "$A/report-phone.png")" "phone screenshot size"
chrome --print-to-pdf="$T/report.pdf" --no-pdf-header-footer "file://$P" >/dev/null ||
	{ cat "$T/chrome.log" >&2; fail "chromium --print-to-pdf"; }
assert_eq "%PDF" "$(head -c 4 "$T/report.pdf")" "printed page"
echo "screenshots: $A/report.png $A/report-phone.png"
