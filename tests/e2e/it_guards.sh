#!/bin/bash
# it_guards.sh - the delivery guards of `hhmatch run` (history/guards.h)
# and the engine's own refusals of a broken delivery, with the real binary.
#
# October (202610) is a generated month run into a state; November
# (202611) is the next generated month, broken in one way per case:
#   household_drop     a fifth of the roster households removed
#   source_missing     education not delivered
#   roster_link_drop   hr pseudonymised under another key (no key_id column)
#   hr_no_current      every hr row dated after the run period
#   medical_no_window  every settlement two years old
#   period_gap         --period 209912, and 202509 (before October, never run)
# Each refuses (exit 2) with its figures, and leaves --out, --state and the
# inputs exactly as they were (listing, modes, sizes, times and SHA-256);
# accepted by name (--accept NAME) the run succeeds, report.json lists what
# was accepted and the state's audit log holds one record for the run.
# Also: last month's files delivered again are warnings; several guards
# firing are named in one message; a roster with only a header, and one
# whose rows were all rejected, refuse the run (exit 2) with or without a
# state; a repeated row does not count toward max_reject_ratio, an invalid
# one does; an override the audit log cannot record is not published, and
# one without the audit key is refused (exit 1) before the run; an
# unknown --accept name is a usage error (exit 1).
. "$(dirname "$0")/../lib.sh" "$@"

"$HH" run --help 2>/dev/null | grep -q -- '--accept' || {
	echo "skip: hhmatch run has no --accept yet" >&2
	exit 77
}

make_key "$T/k.key"
"$HH" gen --out "$T/oct" --households 2000 --seed 11 --period 202610 --clean >/dev/null 2>&1 ||
	fail "gen october"
"$HH" gen --out "$T/nov" --households 2000 --seed 11 --period 202611 --clean >/dev/null 2>&1 ||
	fail "gen november"
rm "$T/oct/truth.csv" "$T/nov/truth.csv" "$T/oct/hhmatch.conf" "$T/nov/hhmatch.conf"

# run_month DIR PERIOD OUT STATE [option...]: hhmatch run on the extracts
# DIR holds (a source whose file is missing is not given); STATE "" for
# none.
run_month() {
	local d=$1 p=$2 o=$3 s=$4 src
	shift 4
	local args=(run --period "$p" --key "$T/k.key" --out "$o" --quiet)
	if [ -n "$s" ]; then args+=(--state "$s"); fi
	for src in civil-affairs:civil_affairs.csv education:education.csv hr:hr.csv.gz \
		housing:housing.csv medical:medical.csv.gz; do
		if [ -e "$d/${src#*:}" ]; then args+=("--${src%%:*}" "$d/${src#*:}"); fi
	done
	"$HH" "${args[@]}" "$@"
}

# refuse WHAT PATTERN PATH... -- cmd...: exit 2, the message, nothing
# changed under the PATHs (lib.sh assert_refused).
refuse() { assert_refused 2 "$@"; }

# accepted WHAT STATE OUT: the last record of STATE's audit log is the run
# of 202611 accepting WHAT (comma separated), and the chain verifies;
# OUT's report.json lists the same names.
accepted() {
	local names
	names=$(jq -r '[.accepted[].name] | join(",")' "$3/report.json")
	assert_eq "$1" "$names" "report.json accepted"
	tail -n 1 "$2/audit.log" >"$T/rec"
	assert_eq run "$(jq -r .purpose "$T/rec")" "audit record purpose"
	assert_eq "run 202611 $1 false" \
		"$(jq -r '[.query.command, .query.period, (.query.accepted | join(",")), .query.new_key] | join(" ")' "$T/rec")" \
		"audit record query"
	[ -n "$(jq -r .operator "$T/rec")" ] || fail "audit record without an operator"
	"$HH" audit verify-log --state "$2" >/dev/null 2>&1 || fail "audit log of $2 does not verify"
}

S=$T/state
O=$T/out
run_month "$T/oct" 202610 "$O" "$S" || fail "october"
[ ! -e "$S/audit.log" ] || fail "a run with nothing accepted wrote an audit record"
assert_eq 2000 "$(jq .households "$O/report.json")" "october households"
for k in accepted warnings; do
	assert_eq 0 "$(jq ".$k | length" "$O/report.json")" "october $k"
done
assert_eq false "$(jq .new_key "$O/report.json")" "october new_key"
# a copy of the state as October left it, for each accepted run
keep_state() { rm -rf "$T/s_$1"; cp -a "$S" "$T/s_$1"; }

# --- household_drop ----------------------------------------------------------
D=$T/c_drop
cp -r "$T/nov" "$D"
awk -F, 'NR == 1 || substr($1, length($1)) !~ /[05]/' "$T/nov/civil_affairs.csv" >"$D/civil_affairs.csv"
refuse household_drop \
	'^hhmatch run: roster households fell from 2000 \(202610\) to [0-9]+ \(202611\), -[0-9]+\.[0-9] %, more than the 10 % allowed \(guard_household_drop\); if this delivery is right, run again with --accept household_drop$' \
	"$O" "$S" "$D" -- run_month "$D" 202611 "$O" "$S"
keep_state drop
run_month "$D" 202611 "$T/o_drop" "$T/s_drop" --accept household_drop || fail "household_drop accepted"
accepted household_drop "$T/s_drop" "$T/o_drop"
h=$(jq .households "$T/o_drop/report.json")
pct=$(awk -v h="$h" 'BEGIN { printf "%.1f", (h - 2000) * 100 / 2000 }')
grep -qF "fell from 2000 (202610) to $h (202611), $pct %" "$T/refused.household_drop" ||
	fail "household_drop figures: $(cat "$T/refused.household_drop") (counted: $h)"
jq -r '.accepted[0].detail' "$T/o_drop/report.json" | grep -qF "to $h (202611)" ||
	fail "report.json: accepted household_drop without its figures"
[ -s "$T/s_drop/runs/202611/report.json" ] || fail "household_drop accepted: not kept in the state"
assert_eq "$(tail -n 1 "$T/s_drop/audit.log" | jq -r .audit_key_id)" \
	"$("$HH" audit verify-log --state "$T/s_drop" | sed -n 's/^authenticated: .* audit key //p')" \
	"the run's record sealed under the audit key"
# an override without the audit key, which would seal its record, is
# refused before the run
keep_state nokey
without_audit_key() { (unset HHMATCH_AUDIT_KEY; "$@"); }
assert_refused 1 no_audit_key \
	"^hhmatch run: --accept and --new-key are logged in the state's audit log, and the audit log is authenticated: give --audit-key FILE" \
	"$T/s_nokey" -- without_audit_key run_month "$D" 202611 "$T/o_nokey" "$T/s_nokey" \
	--accept household_drop
[ ! -e "$T/o_nokey" ] || fail "a refused override published"
# ... and accepted with --audit-key FILE instead of the environment
without_audit_key run_month "$D" 202611 "$T/o_nokey" "$T/s_nokey" --accept household_drop \
	--audit-key "$HHMATCH_AUDIT_KEY" || fail "household_drop accepted with --audit-key"
accepted household_drop "$T/s_nokey" "$T/o_nokey"
# an override that cannot be logged is not published: the last record
# cut short (its anchor names it, so this is no torn append to repair)
truncate -s -10 "$T/s_drop/audit.log"
refuse log_damaged \
	"^hhmatch run: the audit log .*/s_drop/audit.log ends in an incomplete record, and its head anchor says " \
	"$T/o_drop" "$T/s_drop" "$D" -- run_month "$D" 202611 "$T/o_drop" "$T/s_drop" --accept household_drop

# --- source_missing ----------------------------------------------------------
D=$T/c_missing
cp -r "$T/nov" "$D"
rm "$D/education.csv"
refuse source_missing \
	"^hhmatch run: education: delivered for 202610 \(.*/oct/education.csv\) and absent now; if the department did not deliver this month, run again with --accept source_missing$" \
	"$O" "$S" "$D" -- run_month "$D" 202611 "$O" "$S"
keep_state missing
run_month "$D" 202611 "$T/o_missing" "$T/s_missing" --accept source_missing || fail "source_missing accepted"
accepted source_missing "$T/s_missing" "$T/o_missing"
assert_eq education "$(jq -r '.accepted[0].source' "$T/o_missing/report.json")" "accepted source"

# --- roster_link_drop: hr pseudonymised under another key ---------------------
D=$T/c_link
cp -r "$T/nov" "$D"
"$HH" keygen --out "$T/other.key" >/dev/null
"$HH" pseudonymize --key "$T/other.key" --source hr --in "$T/nov/hr.csv.gz" \
	--out "$T/hr_other.csv" --period 202611 >/dev/null 2>&1 || fail "pseudonymize hr"
# an extract from before pseudonymize wrote key_id: nothing says which key
awk -F, -v OFS=, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i != "key_id") keep[++n] = i }
	{ line = $keep[1]; for (j = 2; j <= n; j++) line = line OFS $keep[j]; print line }' \
	"$T/hr_other.csv" | gzip >"$D/hr.csv.gz"
refuse roster_link_drop \
	"^hhmatch run: hr: .*/c_link/hr.csv.gz: the roster persons it holds fell from [0-9]+\.[0-9] % of the roster \([0-9]+ of [0-9]+, 202610\) to 0\.0 % \(0 of [0-9]+, 202611\), by more than the 50 % allowed \(guard_roster_link_drop\); if this delivery is right, run again with --accept roster_link_drop$" \
	"$O" "$S" "$D" -- run_month "$D" 202611 "$O" "$S"
keep_state link
run_month "$D" 202611 "$T/o_link" "$T/s_link" --accept roster_link_drop || fail "roster_link_drop accepted"
accepted roster_link_drop "$T/s_link" "$T/o_link"
assert_eq 0 "$(json_source_num "$T/o_link/report.json" hr persons_on_roster)" "hr persons on the roster"

# --- hr_no_current: every row after the run period (also without a state) ----
D=$T/c_hr
cp -r "$T/nov" "$D"
gzip -dc "$T/nov/hr.csv.gz" | awk -F, -v OFS=, '
	NR == 1 { for (i = 1; i <= NF; i++) if ($i == "period") c = i; print; next }
	{ $c = "202612"; print }' | gzip >"$D/hr.csv.gz"
refuse hr_no_current \
	"^hhmatch run: hr: .*/c_hr/hr.csv.gz: none of its [0-9]+ accepted rows is dated at or before the run period 202611 \(its periods run from 202612 to 202612\), so no employment, wage or pension would count; if this delivery is right, run again with --accept hr_no_current$" \
	"$O" "$S" "$D" -- run_month "$D" 202611 "$O" "$S"
refuse hr_no_current_solo "accept hr_no_current$" "$T/solo" "$D" -- \
	run_month "$D" 202611 "$T/solo" ""
run_month "$D" 202611 "$T/o_hr_solo" "" --accept hr_no_current || fail "hr_no_current accepted, no state"
assert_eq hr_no_current "$(jq -r '[.accepted[].name] | join(",")' "$T/o_hr_solo/report.json")" \
	"accepted without a state"
assert_eq 0 "$(json_source_num "$T/o_hr_solo/report.json" hr rows_current)" "hr rows_current"
keep_state hr
run_month "$D" 202611 "$T/o_hr" "$T/s_hr" --accept hr_no_current || fail "hr_no_current accepted"
accepted hr_no_current "$T/s_hr" "$T/o_hr"

# --- medical_no_window: every settlement two years old -----------------------
D=$T/c_med
cp -r "$T/nov" "$D"
gzip -dc "$T/nov/medical.csv.gz" | awk -F, -v OFS=, '
	NR == 1 { for (i = 1; i <= NF; i++) if ($i == "settle_date") c = i; print; next }
	{ $c = "2024-01-15"; print }' | gzip >"$D/medical.csv.gz"
refuse medical_no_window \
	"^hhmatch run: medical: .*/c_med/medical.csv.gz: none of its [0-9]+ accepted settlements falls in the window 2025-12-01 to 2026-11-30 \(they run from 2024-01-15 to 2024-01-15\), so no out-of-pocket cost would count; if this delivery is right, run again with --accept medical_no_window$" \
	"$O" "$S" "$D" -- run_month "$D" 202611 "$O" "$S"
refuse medical_no_window_solo "accept medical_no_window$" "$T/solo" "$D" -- \
	run_month "$D" 202611 "$T/solo" ""
keep_state med
run_month "$D" 202611 "$T/o_med" "$T/s_med" --accept medical_no_window || fail "medical_no_window accepted"
accepted medical_no_window "$T/s_med" "$T/o_med"
assert_eq 0 "$(json_source_num "$T/o_med/report.json" medical rows_in_window)" "medical rows_in_window"

# --- period_gap: checked before any source is read ----------------------------
refuse period_gap \
	'^hhmatch run: period 209912 is 878 months after the latest period in the state \(202610\), more than the 3 allowed \(guard_max_period_gap\); if --period is right, run again with --accept period_gap$' \
	"$O" "$S" "$T/nov" -- run_month "$T/nov" 209912 "$O" "$S"
refuse period_gap_before \
	'^hhmatch run: period 202509 is before the latest period in the state \(202610\) and was never run; a run of it would enter the history behind later months; if --period is right, run again with --accept period_gap$' \
	"$O" "$S" "$T/nov" -- run_month "$T/nov" 202509 "$O" "$S"
# nothing is read: a missing source would otherwise be the error
refuse period_gap_first "accept period_gap$" "$O" "$S" -- \
	"$HH" run --period 209912 --key "$T/k.key" --out "$O" --state "$S" \
	--civil-affairs "$T/no-such-file.csv" --quiet
# four months after October (202702) is one too many by default
keep_state gap
run_month "$T/nov" 202702 "$T/o_gap" "$T/s_gap" --accept period_gap || fail "period_gap accepted"
assert_eq period_gap "$(jq -r '[.accepted[].name] | join(",")' "$T/o_gap/report.json")" \
	"report.json accepted period_gap"
assert_eq '{"command":"run","period":"202702","accepted":["period_gap"],"new_key":false}' \
	"$(tail -n 1 "$T/s_gap/audit.log" | jq -c .query)" "audit record of period_gap"
# a rules file moves the threshold: 4 months allowed
echo "guard_max_period_gap = 4" >"$T/gap.rules"
keep_state gap4
run_month "$T/nov" 202702 "$T/o_gap4" "$T/s_gap4" --rules "$T/gap.rules" || fail "guard_max_period_gap = 4"
[ ! -e "$T/s_gap4/audit.log" ] || fail "nothing was accepted, yet an audit record was written"

# --- several guards at once: one message names them all ---------------------
D=$T/c_two
cp -r "$T/c_drop" "$D"
rm "$D/education.csv"
refuse two \
	'^hhmatch run: 2 checks refused the run \(to accept the deliveries: --accept household_drop,source_missing\):$' \
	"$O" "$S" "$D" -- run_month "$D" 202611 "$O" "$S"
assert_contains "$T/log" '^  roster households fell from 2000 ' "first of two"
assert_contains "$T/log" '^  education: delivered for 202610 ' "second of two"
keep_state two
run_month "$D" 202611 "$T/o_two" "$T/s_two" --accept source_missing,household_drop ||
	fail "two guards accepted"
accepted household_drop,source_missing "$T/s_two" "$T/o_two"

# --- last month's files delivered again: warnings, not a refusal ------------
# November as October's files, the roster with one income corrected
D=$T/c_same
cp -r "$T/oct" "$D"
awk -F, -v OFS=, 'NR == 2 { $6 = "99999.00" } { print }' "$T/oct/civil_affairs.csv" >"$D/civil_affairs.csv"
keep_state same
run_month "$D" 202611 "$T/o_same" "$T/s_same" 2>"$T/same.err" || { cat "$T/same.err"; fail "same files"; }
sha=$(sha256sum "$D/hr.csv.gz" | cut -c1-12)
assert_contains "$T/same.err" \
	"^hhmatch run: warning: hr: .*/c_same/hr.csv.gz: the same bytes \(sha256 $sha\.\.\.\) as the file delivered for 202610; was last period's extract delivered again\?$" \
	"same-SHA warning on stderr"
assert_eq 4 "$(grep -c '^hhmatch run: warning: ' "$T/same.err")" "one warning per file delivered again"
assert_eq "same_sha256 education,same_sha256 hr,same_sha256 housing,same_sha256 medical" \
	"$(jq -r '[.warnings[] | "\(.name) \(.source)"] | join(",")' "$T/o_same/report.json")" \
	"same-SHA warnings in report.json"
[ ! -e "$T/s_same/audit.log" ] || fail "a warning alone wrote an audit record"
# an --accept that had nothing to accept is said, and not logged
keep_state unused
run_month "$T/nov" 202611 "$T/o_unused" "$T/s_unused" --accept hr_no_current 2>"$T/unused.err" ||
	fail "unused --accept"
assert_contains "$T/unused.err" \
	'^hhmatch run: warning: --accept hr_no_current: the guard did not fire; nothing was accepted under it$' \
	"unused --accept"
assert_eq 0 "$(jq '.accepted | length' "$T/o_unused/report.json")" "nothing accepted"
[ ! -e "$T/s_unused/audit.log" ] || fail "an unused --accept wrote an audit record"

# --- usage: an unknown name, and the names in --help --------------------------
snapshot "$O" "$S" >"$T/before"
run_expect 1 "$T/log" run_month "$T/nov" 202611 "$O" "$S" --accept household_dorp
assert_contains "$T/log" "^hhmatch run: --accept: unknown guard 'household_dorp' \(the guards: period_gap, household_drop, source_missing, roster_link_drop, hr_no_current, medical_no_window\)$" \
	"unknown --accept name"
snapshot "$O" "$S" >"$T/after"
assert_file_eq "$T/before" "$T/after" "a usage error"
"$HH" run --help >"$T/help"
for g in period_gap household_drop source_missing roster_link_drop hr_no_current medical_no_window; do
	assert_contains "$T/help" "^  $g " "--help lists $g"
done

# --- the roster: only a header, or no row accepted ---------------------------
D=$T/c_empty
mkdir "$D"
head -n 1 "$T/nov/civil_affairs.csv" >"$D/civil_affairs.csv"
cp "$T/nov/hr.csv.gz" "$D/"
refuse empty_roster \
	"^hhmatch run: civil_affairs: .*/c_empty/civil_affairs.csv: no data rows \(only a header\?\): refusing to run on an empty roster$" \
	"$O" "$S" "$D" -- run_month "$D" 202611 "$O" "$S"
refuse empty_roster_solo "refusing to run on an empty roster$" "$T/solo" "$D" -- \
	run_month "$D" 202611 "$T/solo" ""
echo "max_reject_ratio = 1" >"$T/lenient.rules"
{ head -n 1 "$T/nov/civil_affairs.csv"; sed -n '2,4p' "$T/nov/civil_affairs.csv" |
	awk -F, -v OFS=, '{ $6 = "12a"; print }'; } >"$D/civil_affairs.csv"
refuse all_rejected \
	"^hhmatch run: civil_affairs: .*/c_empty/civil_affairs.csv: none of its 3 data rows was accepted \(all were rejected\): refusing to run on an empty roster$" \
	"$T/solo" "$D" -- run_month "$D" 202611 "$T/solo" "" --rules "$T/lenient.rules"

# --- max_reject_ratio counts invalid rows, not repeats ------------------------
D=$T/c_dup
mkdir "$D"
sed -n '1,3p;3p' "$T/nov/civil_affairs.csv" >"$D/civil_affairs.csv"
run_month "$D" 202611 "$T/o_dup" "" || fail "a 3-row roster with one repeat"
assert_eq 1 "$(json_source_reason "$T/o_dup/report.json" civil_affairs duplicate_row)" \
	"the repeat is reported"
assert_eq 1 "$(grep -c ',duplicate_row,' "$T/o_dup/rejects.csv")" "the repeat in rejects.csv"
check_report_counts "$T/o_dup/report.json" civil_affairs
{ sed -n '1,3p' "$T/nov/civil_affairs.csv"; sed -n 4p "$T/nov/civil_affairs.csv" |
	awk -F, -v OFS=, '{ $6 = "12a"; print }'; } >"$D/civil_affairs.csv"
refuse invalid_ratio \
	"^hhmatch run: civil_affairs: .*/c_dup/civil_affairs.csv: too many invalid rows: 1 of 3 \(more than 20\.0%\); " \
	"$T/solo" "$D" -- run_month "$D" 202611 "$T/solo" ""
{ sed -n '1,3p;3p' "$T/nov/civil_affairs.csv"; sed -n 4p "$T/nov/civil_affairs.csv" |
	awk -F, -v OFS=, '{ $6 = "12a"; print }'; } >"$D/civil_affairs.csv"
refuse invalid_ratio_dup \
	"^hhmatch run: civil_affairs: .*/c_dup/civil_affairs.csv: too many invalid rows: 1 of 3 \(more than 20\.0%, not counting 1 repeated row\); " \
	"$T/solo" "$D" -- run_month "$D" 202611 "$T/solo" ""

note "every guard refused, was accepted by name, and left nothing behind"
