#!/usr/bin/env bash
# it_pseudonymize.sh - departments deliver pid extracts instead of IDs.
#
# Each of the five golden sources (tests/data/golden/input: BOM, CRLF,
# GB18030, gzip, full-width / lower-case x / 15-digit IDs) is put through
# `hhmatch pseudonymize`; the month is then run from the pid extracts and
# must give the same households.csv and flags.csv as the run from raw ID
# numbers, and the same findings (code, source, household, pid).  Every
# pseudonymised row ends with the run's key_id, and a column outside the
# contract (medical's 备注) is dropped and reported (more in
# it_minimise.sh).  The fixture has no repairable ID (its bad IDs have the
# wrong length or a letter), so the raw run has no D_ID_REPAIRED that the
# pid run could not reproduce.  No raw ID number (in any spelling) and no
# name may appear in any file written, and pseudonymize's rejects name
# source, file, line and reason.  A --keep column's cell shaped like an ID
# number rejects its row (id_in_kept_column).
#   bash tests/e2e/it_pseudonymize.sh build/hhmatch
. "$(dirname "$0")/../lib.sh" "$@"

G=$HH_TEST_DATA/golden
mkdir "$T/p"
golden_month

run_expect 0 "$T/raw.log" "$HH" run --period 202611 --key "$T/key" --out "$T/raw" \
	"${GOLDEN_SOURCES[@]}" --threads 2 --quiet
grep -q D_ID_REPAIRED "$T/raw/findings.csv" && fail "fixture has a repaired ID: the comparison below assumes none"

declare -A IN=([civil_affairs]=civil_affairs.csv [education]=education.tsv
	[hr]=hr.csv.gz [housing]=housing.csv [medical]=medical.csv)
for s in civil_affairs education hr housing medical; do
	run_expect 0 "$T/ps-$s.log" "$HH" pseudonymize --key "$T/key" --source "$s" \
		--in "${IN[$s]}" --out "$T/p/$s.csv" --rejects "$T/p/$s.rejects.csv" --period 202611
	hdr=$(head -1 "$T/p/$s.csv")
	case ",$hdr," in *,pid,*) ;; *) fail "$s: pseudonymised header has no pid: $hdr" ;; esac
	case ",$hdr," in *,id_number,* | *,name,* | *身份证* | *姓名*) fail "$s: header keeps an ID or name column: $hdr" ;; esac
	case ",$hdr," in *,birth_date,sex,id_region,key_id,) ;; *) fail "$s: header does not end with birth_date,sex,id_region,key_id: $hdr" ;; esac
	# every row carries the run's key_id (the run computes it from the same key)
	kids=$(csv_column , key_id <"$T/p/$s.csv" | sort | uniq -c | awk '{ print $1 " " $2 }')
	assert_eq "$(csv_count , <"$T/p/$s.csv") $(jq -r .key_id "$T/raw/report.json")" "$kids" "$s: key_id on every row"
	head -1 "$T/p/$s.rejects.csv" | grep -q '^source,file,line,reason' ||
		fail "$s: rejects header: $(head -1 "$T/p/$s.rejects.csv")"
	# every data row: source, the input file, a line number, a reason
	awk -F, -v s="$s" -v f="${IN[$s]}" 'NR > 1 && !($1 == s && $2 == f && $3 ~ /^[0-9]+$/ && $4 ~ /^[a-z_]+$/) { print; bad = 1 }
		END { exit bad }' "$T/p/$s.rejects.csv" || fail "$s: malformed rejects row"
done
# medical's 备注 (free text, not a contract column) does not leave the department
assert_eq "pid,settle_date,out_of_pocket,insured_status,repair_pids,name_key,birth_date,sex,id_region,key_id" \
	"$(head -1 "$T/p/medical.csv")" "medical: pseudonymised header"
assert_contains "$T/ps-medical.log" "^hhmatch pseudonymize: medical: column 5 '备注' dropped: " "medical: 备注 reported"
assert_contains "$T/ps-medical.log" "input columns dropped: 1; key_id " "medical: dropped count"
if grep -F 复查 "$T/p/medical.csv" >/dev/null; then fail "medical: a 备注 value was copied"; fi
# --keep of a free-text column: a cell holding something shaped like an ID
# number (15 digits or more, ASCII or full-width, also in a row whose own
# ID fails and would otherwise be kept for repair) rejects its row,
# id_in_kept_column, naming source, file, line and the column; nothing of
# that row is written, other cells of the column are copied, and the
# counts add up.  The stand-ins of the ID number cannot be kept either.
mkdir "$T/k" "$T/kin"
cat >"$T/kin/m.csv" <<'CSV'
身份证号,姓名,结算日期,个人自付,参保状态,备注
640104197202023262,王五,2026-06-05,100,active,复查
640104197202023262,王五,2026-06-06,100,active,户主 640202197803175678 张三
640104197202023262,王五,2026-06-07,100,active,全角６４０２０２１９７８０３１７５６７８
640104197202023263,王五,2026-06-08,100,active,户主 640202197803175678 张三
640104197202023262,王五,2026-06-09,100,active,电话 13912345678
640104197202023262,王五,2026-06-10,100,active,旧证 640202780317567
CSV
run_expect 0 "$T/keep.log" "$HH" pseudonymize --key "$T/key" --source medical --in "$T/kin/m.csv" \
	--out "$T/k/out.csv" --period 202611 --keep 备注
assert_eq "pid,settle_date,out_of_pocket,insured_status,备注,repair_pids,name_key,birth_date,sex,id_region,key_id" \
	"$(head -1 "$T/k/out.csv")" "--keep 备注: header"
assert_eq "复查|电话 13912345678" "$(csv_column , 备注 <"$T/k/out.csv" | paste -sd'|')" \
	"--keep 备注: the cells copied"
assert_eq "medical,$T/kin/m.csv,3,id_in_kept_column,备注
medical,$T/kin/m.csv,4,id_in_kept_column,备注
medical,$T/kin/m.csv,5,id_in_kept_column,备注
medical,$T/kin/m.csv,7,id_in_kept_column,备注" "$(tail -n +2 "$T/k/out.csv.rejects.csv")" \
	"--keep 备注: rejects"
assert_contains "$T/keep.log" "medical: 6 rows read, 2 written, 4 rejected " "--keep 备注: counts"
assert_contains "$T/keep.log" "medical: 4 rows rejected \(id_in_kept_column" "--keep 备注: warning"
printf '%s\n' 640202197803175678 ６４０２０２１９７８０３１７５６７８ 640202780317567 张三 王五 >"$T/k.secrets"
no_secrets_in "$T/k" "$T/k.secrets" "--keep 备注: an ID number or a name from a kept cell"
no_secrets_in "$T/keep.log" "$T/k.secrets" "--keep 备注: stderr"
run_expect 1 "$T/keep-sex.log" "$HH" pseudonymize --key "$T/key" --source medical --in "$T/kin/m.csv" \
	--out "$T/k/sex.csv" --keep 性别
assert_contains "$T/keep-sex.log" "--keep 性别: sex is written from the ID number, not copied" "--keep 性别"
"$HH" pseudonymize --help | grep -q "Names in free text cannot be" ||
	fail "pseudonymize --help does not say that names in kept columns cannot be detected"

# Pseudonymize rejects what the run rejects, except exact repeats (kept
# for the run to report) - the golden rejects.csv without duplicate_row.
cat "$T"/p/{civil_affairs,education,hr,housing,medical}.rejects.csv |
	{ grep -v '^source,' || true; } >"$T/ps.rejects"
awk -F, 'NR > 1 && $4 != "duplicate_row"' "$G/expected/rejects.csv" >"$T/ps.rejects.expected"
assert_file_eq "$T/ps.rejects.expected" "$T/ps.rejects" "pseudonymize rejects"

cd "$T/p" || exit 1
run_expect 0 "$T/pid.log" "$HH" run --period 202611 --key "$T/key" --out "$T/pid" \
	--civil-affairs civil_affairs.csv --education education.csv --hr hr.csv \
	--housing housing.csv --medical medical.csv --threads 2 --quiet
assert_file_eq "$T/raw/households.csv" "$T/pid/households.csv" "households.csv (pid extracts vs raw)"
assert_file_eq "$T/raw/flags.csv" "$T/pid/flags.csv" "flags.csv (pid extracts vs raw)"
cut -d, -f1-4 "$T/raw/findings.csv" >"$T/f.raw"
cut -d, -f1-4 "$T/pid/findings.csv" >"$T/f.pid"
assert_file_eq "$T/f.raw" "$T/f.pid" "findings (code,source,household_id,pid)"
check_report_counts "$T/pid/report.json" civil_affairs education hr housing medical
# the pid run rejects only the exact repeat of the roster
assert_eq "civil_affairs,civil_affairs.csv,duplicate_row" \
	"$(awk -F, 'NR > 1 { print $1 "," $2 "," $4 }' "$T/pid/rejects.csv")" "pid run rejects"

# No raw ID number (as delivered, upper/lower case x, 15-digit form,
# first 17 characters) and no name in any file written.
cd "$T/in" || exit 1
{
	awk -F, 'NR > 1 { print $2; print tolower($2); print substr($2, 1, 17) }' "$G/persons.csv"
	tr -d '\r' <civil_affairs.csv | awk -F, 'NR > 1 { print $2; print $3 }'
	gzip -dc hr.csv.gz | awk -F, 'NR > 1 { print $1; print $2 }' | tr -d '"'
	awk -F, 'NR > 1 && length($1) >= 15 { print $1 }' housing.csv medical.csv
	awk -F, 'NR > 1 && $3 != "" { print $3 }' civil_affairs.csv
} | sed '/^$/d' | sort -u >"$T/secrets"
grep -q '^640104411203123$' "$T/secrets" || fail "test setup: the 15-digit ID is not in the list"
no_secrets_in "$T/p" "$T/secrets" "pseudonymised extracts: a raw ID number or a name"
no_secrets_in "$T/pid" "$T/secrets" "pid run outputs: a raw ID number or a name"
no_secrets_in "$T/raw" "$T/secrets" "raw run outputs: a raw ID number or a name"
echo "it_pseudonymize: ok"
