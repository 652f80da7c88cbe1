#!/usr/bin/env bash
# it_minimise.sh - `hhmatch pseudonymize` writes only what the contract
# asks of the source (issue 11, items 4 and 6).
#
# A roster extract with columns the run does not need (an address with
# house numbers, a phone number, a column whose header is an ID number)
# and the ID number's stand-ins (出生日期, 性别), with a household whose
# incomes differ and a row repeated exactly, is pseudonymised: the
# output holds the contract's columns, pid, birth_date and sex from the ID
# number and key_id, nothing else; every dropped column is named on
# stderr (a header holding a number withheld) and counted in the summary.
# --keep copies an extra column (matched like headers: trimmed,
# case-insensitive); a --keep naming no column of the input, the ID or
# name column, or a column pseudonymize writes itself is a usage error
# (exit 1) with nothing written.  Every row's key_id is the first 8 hex
# of SHA-256 of the raw key bytes (computed here, and as the run's
# report.json gives it), the minimised extract runs to the same
# households.csv, findings.csv and rejects as the raw one, and a run
# under another key refuses it (exit 2) naming both key_ids.
#   bash tests/e2e/it_minimise.sh build/hhmatch
. "$(dirname "$0")/../lib.sh" "$@"

make_key "$T/key"
mkdir "$T/in"
cd "$T/in"
IDHDR=640104197701013077 # a valid ID number as a column header
cat >roster.csv <<EOF
户编号,身份证号,姓名,出生日期,性别,行政区划代码,类别,家庭年收入,家庭住址,Phone,$IDHDR
H1,64010419800304302X,刘一,19800304,2,640104001001,低保,4000,"兴庆区解放东街12号,3单元401",13900000001,x
H1,640104198201013032,陈二,19820101,1,640104001001,低保,4000,"兴庆区解放东街12号,3单元401",13900000002,x
H2,640104197506063052,张三,19750606,1,640104001002,低保边缘,90000,金凤区北京中路88号,13900000003,x
H2,640104197506063052,张三,19750606,1,640104001002,低保边缘,90000,金凤区北京中路88号,13900000003,x
H2,640104197808083067,李四,19780808,2,640104001002,低保边缘,91000,金凤区北京中路88号,13900000004,x
EOF
{
	awk -F, 'NR > 1 { print $2; print substr($2, 1, 17); print $3 }' roster.csv
	echo 解放东街
	echo 北京中路
	echo 1390000000
	echo "$IDHDR"
} >"$T/secrets"

# key_id = first 8 hex of SHA-256 of the raw key bytes (not of the hex text)
want_kid=$(printf "$(sed 's/../\\x&/g' "$T/key")" | sha256sum | cut -c1-8)
[[ $want_kid =~ ^[0-9a-f]{8}$ ]] || fail "test setup: key_id '$want_kid'"

pseudo() { # STATUS LOG OUT [--keep X]...
	local st=$1 log=$2 out=$3
	shift 3
	run_expect "$st" "$log" "$HH" pseudonymize --key "$T/key" --source civil_affairs \
		--in roster.csv --out "$out" --period 202611 "$@"
}

# every data row's key_id is the expected one
check_key_id() { # FILE
	local n vals
	n=$(csv_count , <"$1")
	assert_eq 5 "$n" "$1: data rows (the exact repeat kept for the run)"
	vals=$(csv_column , key_id <"$1" | sort | uniq -c | awk '{ print $1 " " $2 }')
	assert_eq "5 $want_kid" "$vals" "$1: key_id on every row"
}

# 1. Default: contract columns only.
pseudo 0 "$T/def.log" "$T/def.csv"
assert_eq "household_id,pid,region_code,category,household_income,repair_pids,name_key,birth_date,sex,id_region,key_id" \
	"$(head -1 "$T/def.csv")" "default output header"
check_key_id "$T/def.csv"
assert_eq "19800304 2" "$(csv_awk , 'if (rec == 2) print f[8] " " f[9]' <"$T/def.csv")" \
	"birth_date and sex from the ID number"
no_secrets_in "$T/def.csv" "$T/secrets" "default output: an ID number, a name, the address or phone"
no_secrets_in "$T/def.log" "$T/secrets" "pseudonymize's messages: an ID number, a name, the address or phone"
P="hhmatch pseudonymize: civil_affairs: column"
assert_contains "$T/def.log" "^$P 3 '姓名' dropped: names are never written$" "name dropped"
assert_contains "$T/def.log" "^$P 4 '出生日期' dropped: birth_date is written from the ID number instead$" \
	"出生日期 replaced"
assert_contains "$T/def.log" "^$P 5 '性别' dropped: sex is written from the ID number instead$" "性别 replaced"
assert_contains "$T/def.log" \
	"^$P 9 '家庭住址' dropped: not one of the contract's civil_affairs columns \(--keep copies it\)$" \
	"address dropped"
assert_contains "$T/def.log" "^$P 10 'Phone' dropped: " "phone dropped"
assert_contains "$T/def.log" "^$P 11 \(name withheld: it holds a number\) dropped: " \
	"ID-shaped header withheld"
assert_contains "$T/def.log" \
	"^hhmatch pseudonymize: civil_affairs: 5 rows read, 5 written, 0 rejected \(see .*\); input columns dropped: 6; key_id $want_kid$" \
	"summary"

# 2. --keep copies extra columns, matched like headers; contract columns
#    named by --keep (canonical or alias) are copied once, as always.
pseudo 0 "$T/keep.log" "$T/keep.csv" --keep 家庭住址 --keep ' PHONE ' --keep 家庭年收入 --keep region_code
assert_eq "household_id,pid,region_code,category,household_income,家庭住址,Phone,repair_pids,name_key,birth_date,sex,id_region,key_id" \
	"$(head -1 "$T/keep.csv")" "--keep output header"
assert_eq "兴庆区解放东街12号,3单元401" "$(csv_column , 家庭住址 <"$T/keep.csv" | head -1)" \
	"kept address (quoted comma intact)"
check_key_id "$T/keep.csv"
assert_contains "$T/keep.log" "input columns dropped: 4; " "summary with --keep"
if grep -E "'(家庭住址|Phone)' dropped" "$T/keep.log" >/dev/null; then
	fail "a kept column is reported dropped: $(cat "$T/keep.log")"
fi

# 3. Refusals: exit 1, the message, nothing written.
refused() { # LOG MESSAGE --keep X...
	local log=$1 msg=$2
	shift 2
	pseudo 1 "$log" "$T/no.csv" "$@"
	assert_eq "$msg" "$(cat "$log")" "message for $*"
	[ ! -e "$T/no.csv" ] && [ ! -e "$T/no.csv.rejects.csv" ] || fail "$*: an output was written"
	[ -z "$(find "$T" -name '*.tmp')" ] || fail "$*: a temporary file was left"
}
R="refusing to copy raw ID numbers/names out of the department"
refused "$T/r1.log" "hhmatch pseudonymize: --keep id_number: $R" --keep id_number
refused "$T/r2.log" "hhmatch pseudonymize: --keep 身份证号: $R" --keep 身份证号
refused "$T/r3.log" "hhmatch pseudonymize: --keep  ID_CARD : $R" --keep ' ID_CARD '
refused "$T/r3.log" "hhmatch pseudonymize: --keep  ID_CARD : $R" --keep 家庭住址 --keep ' ID_CARD '
refused "$T/r4.log" "hhmatch pseudonymize: --keep 姓名: $R" --keep 姓名
refused "$T/r5.log" "hhmatch pseudonymize: --keep name: $R" --keep name
refused "$T/r6.log" \
	"hhmatch pseudonymize: civil_affairs: roster.csv: --keep 家庭电话: no such column in the header" \
	--keep 家庭住址 --keep 家庭电话
refused "$T/r7.log" \
	"hhmatch pseudonymize: civil_affairs: roster.csv: --keep relation: no such column in the header" \
	--keep relation
refused "$T/r8.log" \
	"hhmatch pseudonymize: --keep 出生日期: birth_date is written from the ID number, not copied from the input" \
	--keep 出生日期
refused "$T/r9.log" \
	"hhmatch pseudonymize: --keep key_id: key_id is written from the key, not copied from the input" \
	--keep key_id
refused "$T/r10.log" "hhmatch pseudonymize: --keep '  ': a column name is needed" --keep '  '

# 4. The run: key_id as report.json has it, and the same households from
#    the raw roster, the minimised extract and the one with kept columns.
run_expect 0 "$T/run-raw.log" "$HH" run --period 202611 --key "$T/key" --out "$T/raw" \
	--civil-affairs roster.csv --quiet
assert_eq "$want_kid" "$(jq -r .key_id "$T/raw/report.json")" "report.json key_id"
csv_column , risk_level <"$T/raw/households.csv" | grep -vx none >/dev/null ||
	fail "test setup: no household at risk, the comparison below would be weak"
assert_eq "D_DUP_ROW D_INCONSISTENT_INCOME" "$(csv_column , code <"$T/raw/findings.csv" | sort | xargs)" \
	"test setup: raw run's findings"
for v in def keep; do
	mkdir "$T/p-$v"
	cp "$T/$v.csv" "$T/p-$v/roster.csv"
	run_expect 0 "$T/run-$v.log" "$HH" run --period 202611 --key "$T/key" --out "$T/pid-$v" \
		--civil-affairs "$T/p-$v/roster.csv" --quiet
	assert_file_eq "$T/raw/households.csv" "$T/pid-$v/households.csv" "households.csv ($v extract vs raw)"
	assert_file_eq "$T/raw/findings.csv" "$T/pid-$v/findings.csv" "findings.csv ($v extract vs raw)"
	assert_file_eq <(cut -d, -f1,3- "$T/raw/rejects.csv") <(cut -d, -f1,3- "$T/pid-$v/rejects.csv") \
		"rejects.csv but the file ($v extract vs raw)"
	assert_eq 4 "$(json_source_num "$T/pid-$v/report.json" civil_affairs rows_accepted)" \
		"$v extract: rows accepted by the run"
done
# 5. A pid extract made under another key is refused by the run (exit 2),
#    naming both key_ids: the key_id column is what lets it tell.
printf '%064d\n' 7 >"$T/key2"
chmod 600 "$T/key2"
kid2=$(printf "$(sed 's/../\\x&/g' "$T/key2")" | sha256sum | cut -c1-8)
run_expect 2 "$T/run-key2.log" "$HH" run --period 202611 --key "$T/key2" --out "$T/pid-key2" \
	--civil-affairs "$T/p-def/roster.csv" --quiet
assert_contains "$T/run-key2.log" "$want_kid" "other key's refusal names the extract's key_id"
assert_contains "$T/run-key2.log" "$kid2" "other key's refusal names the run's key_id"
[ ! -e "$T/pid-key2" ] || fail "a run refused for its key wrote --out"
echo "it_minimise: ok"
