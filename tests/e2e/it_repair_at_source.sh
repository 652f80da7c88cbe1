#!/usr/bin/env bash
# it_repair_at_source.sh - a pseudonymised extract's rows whose ID fails
# or is missing are repaired and linked as raw ones are (issue 12, item 5;
# docs/semantics.md, Identity).
#
# The roster of it_linkage (张三 H1, 王五 H4 exited, 孙八 H4).  Medical:
#   - line 2: 张三's ID with one digit changed -> D_ID_REPAIRED onto H1's
#     person, its out_of_pocket in H1's oop_12m;
#   - line 3: no ID, 王五, 1970-07-07, male -> D_ID_LINKED to H4's person;
#   - line 4: no ID, 赵六, nobody on the roster -> rejected.
# The raw run, then the same month with medical pseudonymised (pid empty,
# repair_pids, name_key, birth_date and sex): the same households and
# flags, the same D_ID_REPAIRED and D_ID_LINKED; the pid extract holds no
# ID number and no name.
#   bash tests/e2e/it_repair_at_source.sh build/hhmatch
. "$(dirname "$0")/../lib.sh" "$@"

make_key "$T/key"
mkdir "$T/raw"
cd "$T/raw" || exit 1

# 张三 640122198001010016, 王五 640122197007070015, 孙八 640122199004040039;
# every check character is right.
cat >civil_affairs.csv <<'EOF'
household_id,id_number,name,region_code,category,household_income,status
H1,640122198001010016,张三,640122101,dibao,9000,active
H4,640122197007070015,王五,640122104,dibao,7000,exited
H4,640122199004040039,孙八,640122104,dibao,7000,active
EOF
cat >education.csv <<'EOF'
id_number,name,stage,status
640122199004040039,孙八,college,enrolled
EOF
cat >hr.csv <<'EOF'
id_number,name,employment_status
640122199004040039,孙八,employed
EOF
cat >housing.csv <<'EOF'
id_number,name,property_count
640122199004040039,孙八,0
EOF
cat >medical.csv <<'EOF'
id_number,name,birth_date,sex,settle_date,out_of_pocket
640122198001013016,张三,,,2026-05-01,1234
,王五,19700707,1,2026-05-02,800
,赵六,1970-07-07,1,2026-05-03,600
EOF
# Valid rows, so that the reject stays under max_reject_ratio.
for d in 07 08 09 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 27 28; do
	echo "640122199004040039,孙八,,,2026-05-$d,10"
done >>medical.csv

run_month() { # MEDICAL OUT
	run_expect 0 "$T/run.log" "$HH" run --period 202611 --key "$T/key" --out "$2" \
		--civil-affairs "$T/raw/civil_affairs.csv" --education "$T/raw/education.csv" \
		--hr "$T/raw/hr.csv" --housing "$T/raw/housing.csv" --medical "$1" \
		--quiet
}

check_month() { # OUT
	local O=$1
	assert_eq 1 "$(grep -c '^D_ID_REPAIRED,medical,H1,' "$O/findings.csv")" \
		"$O: 张三's mistyped ID repaired onto H1's person"
	assert_eq 1 "$(grep -c '^D_ID_LINKED,medical,H4,' "$O/findings.csv")" \
		"$O: 王五's row without an ID linked to H4's person"
	local row oop
	row=$(csv_column , household_id <"$O/households.csv" | grep -n '^H1$' | cut -d: -f1)
	oop=$(csv_column , oop_12m <"$O/households.csv" | sed -n "${row}p")
	assert_eq 1234.00 "$oop" "$O: H1's oop_12m includes the repaired row"
	assert_eq 1 "$(grep -c '^medical,[^,]*,4,' "$O/rejects.csv")" "$O: 赵六's row rejected"
	assert_eq 1 "$(grep -c '^medical,' "$O/rejects.csv")" "$O: one medical row rejected"
}

run_month "$T/raw/medical.csv" "$T/out-raw"
check_month "$T/out-raw"

run_expect 0 "$T/ps.log" "$HH" pseudonymize --key "$T/key" --source medical \
	--in "$T/raw/medical.csv" --out "$T/medical.pid.csv" --period 202611
P=$T/medical.pid.csv
assert_eq "pid,settle_date,out_of_pocket,repair_pids,name_key,birth_date,sex,id_region,key_id" \
	"$(head -1 "$P")" "pid extract header"
# Lines 2-4 (rec 2-4 below, the header is rec 1) kept for the run: pid empty, 张三's candidates sorted, a name_key
# on each; 赵六's row is kept too (it has a name, birth date and sex).
assert_eq 25 "$(csv_count , <"$P")" "every row written"
cands=$(csv_awk , 'if (rec == 2) print f[4]' <"$P")
[[ $cands =~ ^[0-9a-f]{64}(\;[0-9a-f]{64})*$ ]] || fail "repair_pids: $cands"
assert_eq "$(tr ';' '\n' <<<"$cands" | LC_ALL=C sort | paste -sd';')" "$cands" "repair_pids sorted"
for r in 2 3 4; do
	[[ $(csv_awk , "if (rec == $r) print f[1] \"|\" f[5]" <"$P") =~ ^\|[0-9a-f]{16}$ ]] ||
		fail "row $r: no empty pid and name_key"
done
assert_eq "19700707 1" "$(csv_awk , 'if (rec == 3) print f[6] " " f[7]' <"$P")" \
	"王五's birth date and sex from the input"
for n in 张三 王五 赵六 孙八 640122198001013016 640122198001010016 6401221980010130; do
	if grep -q "$n" "$P"; then fail "$n appears in the pid extract"; fi
done

run_month "$P" "$T/out-pid"
check_month "$T/out-pid"
for f in households.csv flags.csv; do
	assert_file_eq "$T/out-raw/$f" "$T/out-pid/$f" "raw and pid runs: $f"
done
