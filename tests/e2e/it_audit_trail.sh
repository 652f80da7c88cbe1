#!/bin/bash
# it_audit_trail.sh - what the audit log may hold, through the real
# binary.
#
#  1. No personal data: an argument that reaches the log (--household,
#     --region, --code, --purpose, --operator, --period, the store's
#     paths) holding something shaped like an ID number (15 or 18 digits,
#     the last possibly X; full-width digits; inside longer text) is
#     refused with exit 1, the message names the option and never the
#     number, and nothing under the state changes (snapshot before and
#     after).  --id - reads the number from a pipe.
. "$(dirname "$0")/../lib.sh" "$@"

make_key "$T/k.key"
S=$T/state
"$HH" gen --out "$T/m" --households 60 --seed 4242 --period 202611 --clean >/dev/null 2>&1 ||
	fail "gen"
"$HH" run --config "$T/m/hhmatch.conf" --key "$T/k.key" --out "$T/out" --state "$S" --quiet ||
	fail "run"
HID=$(awk -F, 'NR == 2 {print $1}' "$T/out/households.csv")
ID=$(awk -F, 'NR == 2 {print $2}' "$T/m/civil_affairs.csv")
[ ${#ID} -eq 18 ] || fail "the generated roster's first ID is not 18 characters"
AU=(--state "$S" --purpose "ticket 2026-0042")
"$HH" audit household --household "$HID" "${AU[@]}" >/dev/null || fail "a first query"
[ "$(wc -l <"$S/audit.log")" -eq 1 ] || fail "the first query is not logged"

# --- 1. nothing shaped like an ID number reaches the log ---------------------
# the same number in full-width digits (U+FF10..U+FF19), X as U+FF38
fullwidth() {
	printf '%s' "$1" | sed -e 's/0/０/g; s/1/１/g; s/2/２/g; s/3/３/g; s/4/４/g' \
		-e 's/5/５/g; s/6/６/g; s/7/７/g; s/8/８/g; s/9/９/g; s/X/Ｘ/g'
}
FW=$(fullwidth "$ID")
ID15=${ID:0:6}${ID:8:9}
MSG='holds something shaped like an ID number; an audit log can never be cleaned, so it is refused \(nothing was logged\)'
refused() { # what option... : exit 1 naming the option, nothing in the state changed
	local what=$1 opt=$2
	shift 2
	assert_refused 1 "$what" "^hhmatch audit: $opt: $MSG\$" "$S" -- "$HH" audit "$@"
	if grep -q -F -e "$ID" -e "$FW" -e "$ID15" "$T/log"; then
		fail "$what: the refusal repeats the number"
	fi
}
refused purpose_text --purpose household --household "$HID" --state "$S" \
	--purpose "call from $ID about benefits"
refused purpose_fullwidth --purpose household --household "$HID" --state "$S" \
	--purpose "ticket ${FW}"
refused purpose_15 --purpose household --household "$HID" --state "$S" --purpose "re:$ID15."
refused purpose_mixed --purpose household --household "$HID" --state "$S" \
	--purpose "${ID:0:9}$(fullwidth "${ID:9:9}")"
refused household --household household --household "$ID" "${AU[@]}"
refused household_fullwidth --household household --household "$FW" "${AU[@]}"
refused operator --operator household --household "$HID" "${AU[@]}" --operator "op$ID"
refused code --code findings --code "A_$ID" "${AU[@]}"
refused region --region findings --code A_DECEASED --region "$FW" "${AU[@]}"
refused period --period findings --code A_DECEASED --period "$ID15" "${AU[@]}"
refused state --state household --household "$HID" --state "$T/$ID" --purpose x
# a pid is 64 hex characters, not refused for the digits it may hold;
# 14 digits in a row are not an ID number's shape
"$HH" audit household --household "$HID" --state "$S" --purpose "ticket ${ID:0:14}" \
	>/dev/null || fail "a 14-digit ticket number"
# --id - from a pipe: the pid is logged, the number never
echo "$ID" | "$HH" audit person --id - --key "$T/k.key" "${AU[@]}" >"$T/byid" 2>"$T/byid.err" ||
	{ cat "$T/byid.err" >&2; fail "person --id -"; }
[ "$(wc -l <"$S/audit.log")" -eq 3 ] || fail "expected 3 records, got $(wc -l <"$S/audit.log")"
if grep -q -F -e "$ID" -e "$ID15" "$S/audit.log" "$T/byid" "$T/byid.err"; then
	fail "the ID number reached the log or the answer"
fi
"$HH" audit verify-log --state "$S" >/dev/null || fail "verify-log"
echo "ok: $TEST_NAME"
