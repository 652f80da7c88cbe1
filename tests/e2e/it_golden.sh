#!/usr/bin/env bash
# it_golden.sh - one small mixed month diffed against committed outputs.
#
# tests/data/golden/input mixes what real deliveries look like:
#   civil_affairs.csv  UTF-8 with BOM, CRLF, Chinese headers (and " Category "
#                      to test trimming and case), Chinese enumeration labels,
#                      a lower-case x ID, a 15-digit ID, an exact repeat
#   education.tsv      GB18030, tab separated, Chinese headers (detected)
#   hr.csv.gz          two gzip members
#   housing.csv        a full-width ID number
#   medical.csv        Chinese headers, a quoted field holding a newline,
#                      a comma and doubled quotes (so later line numbers
#                      count physical lines), YYYYMMDD and YYYY-MM-DD
# and one row for each reject reason: column_count, malformed_quotes,
# bad_money, negative_money, bad_date, bad_enum, bad_int, bad_id_length,
# bad_id_char, missing_value (and duplicate_row).  The expected files in
# tests/data/golden/expected were reviewed line by line against the
# contract (see tests/data/golden/README.md); any diff fails the test.
#   bash tests/e2e/it_golden.sh build/hhmatch
. "$(dirname "$0")/../lib.sh" "$@"

G=$HH_TEST_DATA/golden
golden_month
run() { # OUT THREADS [OPTION...]
	local out=$1 threads=$2
	shift 2
	run_expect 0 "$T/run.log" "$HH" run --period 202611 --key "$T/key" --out "$out" \
		"${GOLDEN_SOURCES[@]}" --threads "$threads" --quiet "$@"
}
run "$T/out" 4
O=$T/out
for f in households.csv flags.csv findings.csv rejects.csv; do
	assert_file_eq "$G/expected/$f" "$O/$f" "$f"
done

R=$O/report.json
check_report_counts "$R" civil_affairs education hr housing medical
# rows_read is every record of the file (medical has one record on two lines)
for want in civil_affairs:29 education:12 hr:19 housing:8 medical:7; do
	assert_eq "${want#*:}" "$(json_source_num "$R" "${want%%:*}" rows_read)" "${want%%:*} rows_read"
done
for want in civil_affairs:duplicate_row:1 civil_affairs:bad_money:1 \
	civil_affairs:negative_money:1 civil_affairs:missing_value:1 \
	education:bad_enum:1 education:column_count:1 hr:bad_id_length:1 \
	hr:bad_id_char:1 hr:malformed_quotes:1 housing:bad_int:1 medical:bad_date:1; do
	IFS=: read -r s r n <<<"$want"
	assert_eq "$n" "$(json_source_reason "$R" "$s" "$r")" "$s rejects_by_reason $r"
done
assert_eq 4 "$(json_source_num "$R" civil_affairs rows_rejected)" "civil_affairs rows_rejected"
assert_eq 11 "$(awk -F, 'NR > 1' "$O/rejects.csv" | wc -l)" "rejects.csv rows"
assert_eq gb18030 "$(jq -r .sources.education.encoding "$R")" "education.tsv read as"
for sf in civil_affairs:civil_affairs.csv education:education.tsv hr:hr.csv.gz \
	housing:housing.csv medical:medical.csv; do
	s=${sf%%:*} f=${sf#*:}
	assert_eq "$f" "$(json_source_num "$R" "$s" file)" "report.json: $s file"
	assert_eq "$(sha256sum "$f" | cut -d' ' -f1)" "$(json_source_num "$R" "$s" sha256)" \
		"report.json: sha256 of $f"
done
# key_id: the first 8 hex characters of SHA-256 of the raw key bytes
esc=$(tr -d '\n' <"$T/key" | sed 's/../\\x&/g')
kid=$(printf "$esc" | sha256sum | cut -c1-8)
assert_eq "$kid" "$(jq -r .key_id "$R")" "report.json key_id"
assert_eq 17 "$(jq .households "$R")" "report.json households"

# explain.csv says how each score came about: per household, the rules
# marked fired are exactly households.csv's reasons, and risk_score and
# risk_level are the sum of their weights and households.csv's level.
awk -F, 'NR == FNR { if (FNR > 1) { score[$1] = $9; level[$1] = $10; why[$1] = $11 }; next }
	FNR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
	{
		sum = 0; fired = ""
		split("R_INCOME R_MEDICAL R_EDUCATION R_DROPOUT R_JOBLOSS R_INCOME_DROP R_ZEROJOB R_DISASTER R_CARE", r, " ")
		for (k = 1; k <= 9; k++)
			if ($col[r[k] "_fired"] == 1) {
				sum += $col[r[k] "_weight"]
				fired = fired (fired == "" ? "" : ";") r[k]
			}
		if (sum != $col["risk_score"] || sum != score[$1] || fired != why[$1] ||
		    $col["risk_level"] != level[$1])
			{ print "household " $1 ": explain says " fired " = " sum " (" $col["risk_level"] "), households.csv " why[$1] " = " score[$1] " (" level[$1] ")"; bad = 1 }
		n++
	}
	END { if (n != 17) print "explain.csv has " n " households, not 17"; exit bad || n != 17 }' \
	"$O/households.csv" "$O/explain.csv" >"$T/explain.check" ||
	{ cat "$T/explain.check" >&2; fail "explain.csv disagrees with households.csv"; }
assert_eq 3 "$(awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "R_MEDICAL_weight") c = i; next }
	{ print $c; exit }' "$O/explain.csv")" "explain.csv: R_MEDICAL weight under the default rules"

# No raw ID number (in any spelling of the input) and no name in the outputs.
awk -F, 'NR > 1 { print $2; print tolower($2); print substr($2, 1, 17) }' "$G/persons.csv" >"$T/secrets"
awk -F, 'NR > 1 { print $2; print $3 }' civil_affairs.csv | tr -d '\r' >>"$T/secrets"
gzip -dc hr.csv.gz | awk -F, 'NR > 1 { print $1; print $2 }' | tr -d '"' >>"$T/secrets"
awk -F, 'FNR > 1 { print $1 }' housing.csv medical.csv >>"$T/secrets"
sed -i '/^$/d' "$T/secrets"
no_secrets_in "$O" "$T/secrets" "a raw ID number or a name"

# The same bytes with one thread.
run "$T/out1" 1
for f in households.csv flags.csv findings.csv rejects.csv; do
	cmp -s "$O/$f" "$T/out1/$f" || fail "$f differs between --threads 4 and 1"
done
# --csv-bom: the same CSV bytes after a UTF-8 byte order mark (for Excel on
# Chinese Windows); the other files are unchanged, and verify passes.
run "$T/outbom" 1 --csv-bom
for f in households.csv flags.csv findings.csv rejects.csv explain.csv; do
	assert_eq efbbbf "$(head -c 3 "$T/outbom/$f" | od -An -tx1 | tr -d ' \n')" "$f starts with a BOM"
	tail -c +4 "$T/outbom/$f" | cmp -s - "$T/out1/$f" || fail "$f differs after its BOM"
done
# (timings aside: timings_seconds and each source's seconds)
untimed() { jq -S 'del(.timings_seconds) | del(.. | objects | .seconds)' "$1"; }
[ "$(untimed "$T/out1/report.json")" = "$(untimed "$T/outbom/report.json")" ] ||
	fail "report.json differs with --csv-bom"
"$HH" verify --run "$T/outbom" >/dev/null || fail "verify with --csv-bom"
echo "it_golden: ok"
