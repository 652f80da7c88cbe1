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
#  2. Truncation is visible: each answer prints the head it left ("audit
#     log head: N records, sha256 H"), STATE/audit.head holds N:H; with
#     the last record deleted, or the log emptied, verify-log fails
#     (exit 2) naming the missing record, against the anchor file and
#     against --expect-head; a log cut and written again fails against
#     --expect-head at the record that changed.
#  5. Authenticated records: every record has a mac under the audit key
#     (HHMATCH_AUDIT_KEY, lib.sh); with the chain and the anchor file
#     recomputed by someone without it (no secret needed for those), a
#     record edited, records reordered, the first or a middle one deleted,
#     a record forged whole, or its mac stripped after sealed ones
#     (downgrade) each fail verify-log (exit 2) at that record; the last
#     one deleted fails against --expect-head; a log stripped of every mac
#     fails as unauthenticated; another key fails at record 1; without a
#     key verify-log exits 2 (macs not checked) and a query is refused
#     (exit 1) with nothing logged; a query under another key is refused.
#  4. Real operators: every record names the OS account (os_user, as id
#     -un says); --operator adds a name beside it and cannot replace it;
#     over --pg the database session_user too (db_user).
#  3. With a PostgreSQL server (else exit 77 after the file checks): a
#     login holding hhmatch_audit_writer and hhmatch_audit_reader audits
#     over --pg (its records append), and its UPDATE, DELETE and TRUNCATE
#     of hhmatch.audit_log (and audit_head) are refused; the table owner
#     is refused by the trigger; a superuser DELETE of the last row fails
#     verify-log --pg against hhmatch.audit_head.
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

# --- 2. the head, anchored outside the log -----------------------------------
"$HH" audit findings --code A_DECEASED "${AU[@]}" >"$T/a4" || fail "a fourth query"
HEAD4=$(sed -n 's/^audit log head: *4 records, sha256 \([0-9a-f]\{64\}\)$/\1/p' "$T/a4")
[ ${#HEAD4} -eq 64 ] || fail "the answer does not print the head: $(cat "$T/a4")"
assert_eq "4:$HEAD4" "$(cat "$S/audit.head")" "STATE/audit.head"
assert_eq "$HEAD4" "$(tail -n 1 "$S/audit.log" | tr -d '\n' | sha256sum | cut -c1-64)" \
	"the head is the last line's SHA-256"
"$HH" audit verify-log --state "$S" --expect-head "4:$HEAD4" >"$T/v.ok" || fail "verify-log, anchors"
assert_contains "$T/v.ok" "^head anchors matched: --expect-head, $S/audit.head$" "anchors named"
cp "$S/audit.log" "$T/log.good"
cp "$S/audit.head" "$T/head.good"
verify_fails() { # what pattern [verify-log options]
	local what=$1 pat=$2
	shift 2
	run_expect 2 "$T/v.$what" "$HH" audit verify-log --state "$S" "$@"
	assert_contains "$T/v.$what" "$pat" "verify-log: $what"
}
sed -i '$d' "$S/audit.log"
verify_fails last_deleted "record 4 is broken: missing: the head anchor in $S/audit.head says 4 records"
: >"$S/audit.log"
verify_fails emptied "record 1 is broken: missing: the head anchor in $S/audit.head says 4 records"
# the anchor file removed too: the head an answer printed still sees it
rm "$S/audit.head"
"$HH" audit verify-log --state "$S" >"$T/v.noanchor" || fail "an empty log without an anchor"
assert_contains "$T/v.noanchor" "^no head anchor found" "no anchor said plainly"
verify_fails expected "record 1 is broken: missing: the head anchor in --expect-head says 4" \
	--expect-head "4:$HEAD4"
# cut after record 2 and written again up to 4: intact chain, other records
head -n 2 "$T/log.good" >"$S/audit.log"
"$HH" audit findings --code A_DECEASED "${AU[@]}" >/dev/null || fail "append after a cut"
"$HH" audit findings --code A_DECEASED "${AU[@]}" >/dev/null || fail "append after a cut"
verify_fails rewritten "record 4 is broken: its line's sha256 is not $HEAD4, the head anchor in --expect-head" \
	--expect-head "4:$HEAD4"
run_expect 1 "$T/v.badexpect" "$HH" audit verify-log --state "$S" --expect-head "4:nothex"
cp "$T/log.good" "$S/audit.log"
cp "$T/head.good" "$S/audit.head"
"$HH" audit verify-log --state "$S" >/dev/null || fail "the log put back"

# --- 5. authenticated records ----------------------------------------------------
"$HH" audit verify-log --state "$S" >"$T/v.sealed" || fail "verify-log with the audit key"
assert_contains "$T/v.sealed" "^authenticated: records 1\.\.4 have a mac under audit key [0-9a-f]{8}$" \
	"the seals reported"
assert_eq 4 "$(jq -r 'select(.mac | test("^[0-9a-f]{64}$")) | .audit_key_id' "$S/audit.log" | wc -l)" \
	"every record has a mac"
# what someone without the key can do: edit lines, renumber their seq and
# recompute the whole chain and the anchor file (as issue 13's script did)
recompute() { # log: prev_sha256 and sha256 of every line, then audit.head
	local prev=0000000000000000000000000000000000000000000000000000000000000000
	local l text own n=0
	while IFS= read -r l; do
		n=$((n + 1))
		l=$(printf '%s' "$l" | sed -E "s/^\{\"seq\":[0-9]+,/{\"seq\":$n,/")
		text="${l%,\"sha256\":*}"
		text="${text%,\"prev_sha256\":*},\"prev_sha256\":\"$prev\""
		own=$(printf '%s' "$text" | sha256sum | cut -c1-64)
		l="$text,\"sha256\":\"$own\"}"
		printf '%s\n' "$l"
		prev=$(printf '%s' "$l" | sha256sum | cut -c1-64)
	done <"$1" >"$1.new"
	mv "$1.new" "$1"
	echo "$n:$prev" >"${1%.log}.head"
}
forged() { # what bad-record pattern: $S/audit.log was forged, verify-log fails there
	recompute "$S/audit.log"
	verify_fails "$1" "record $2 is broken: $3"
	cp "$T/log.good" "$S/audit.log"
	cp "$T/head.good" "$S/audit.head"
}
sed -i -E '2s/"purpose":"[^"]*"/"purpose":"edited"/' "$S/audit.log"
grep '"purpose":"edited"' "$S/audit.log" >/dev/null || fail "the edit did not happen"
forged edited 2 "its mac does not match its content"
for k in 1 3 2 4; do sed -n "${k}p" "$T/log.good"; done >"$S/audit.log"
forged reordered 2 "its mac does not match its content"
sed -i 1d "$S/audit.log"
forged first_deleted 1 "its mac does not match its content"
sed -i 2d "$S/audit.log"
forged middle_deleted 2 "its mac does not match its content"
# the last record removed: what is left is sealed and chained, so only an
# anchor the forger cannot rewrite sees it (an answer's head, the table's)
sed -i '$d' "$S/audit.log"
recompute "$S/audit.log"
verify_fails last_deleted_anchor_rewritten "record 4 is broken: missing: the head anchor in --expect-head says 4" \
	--expect-head "4:$HEAD4"
cp "$T/log.good" "$S/audit.log"
cp "$T/head.good" "$S/audit.head"
# a record forged whole, its seal copied from the record before it
tail -n 1 "$T/log.good" | sed 's/"seq":4,/"seq":5,/' >>"$S/audit.log"
forged forged_record 5 "its mac does not match its content"
# downgrade: the macs stripped, from the last record or from all of them
unseal='s/,"audit_key_id":"[0-9a-f]{8}","mac":"[0-9a-f]{64}"//'
sed -i -E "4$unseal" "$S/audit.log"
forged downgraded_last 4 "it has no mac, after authenticated records"
sed -i -E "$unseal" "$S/audit.log"
recompute "$S/audit.log"
run_expect 2 "$T/v.unsealed" "$HH" audit verify-log --state "$S"
assert_contains "$T/v.unsealed" "^no record has a mac: records 1\.\.4" "a log stripped of its macs"
assert_contains "$T/v.unsealed" "is intact but not authenticated" "... is not authenticated"
cp "$T/log.good" "$S/audit.log"
cp "$T/head.good" "$S/audit.head"
# another key, or none
make_audit_key "$T/other.key"
verify_fails other_key "record 1 is broken: its mac is under audit key [0-9a-f]{8}, not under the key given" \
	--audit-key "$T/other.key"
run_expect 2 "$T/v.nokey" env -u HHMATCH_AUDIT_KEY "$HH" audit verify-log --state "$S"
assert_contains "$T/v.nokey" "^macs not checked: give --audit-key FILE" "verify-log without the key"
assert_contains "$T/v.nokey" "its macs were not checked" "... exits 2, saying why"
"$HH" audit verify-log --state "$S" --audit-key "$HHMATCH_AUDIT_KEY" >/dev/null ||
	fail "verify-log --audit-key FILE"
# no key, no question: nothing is answered or logged
snapshot "$S" >"$T/snap.before"
run_expect 1 "$T/q.nokey" env -u HHMATCH_AUDIT_KEY "$HH" audit findings --code A_DECEASED "${AU[@]}"
assert_contains "$T/q.nokey" "the audit log is authenticated: give --audit-key FILE" "a query without the key"
snapshot "$S" >"$T/snap.after"
assert_file_eq "$T/snap.before" "$T/snap.after" "nothing logged without the key"
run_expect 1 "$T/q.otherkey" "$HH" audit findings --code A_DECEASED "${AU[@]}" --audit-key "$T/other.key"
assert_contains "$T/q.otherkey" "is authenticated under audit key" "a query under another key"
chmod 644 "$T/other.key"
run_expect 2 "$T/q.openkey" "$HH" audit findings --code A_DECEASED "${AU[@]}" --audit-key "$T/other.key"
assert_contains "$T/q.openkey" "chmod 600" "an audit key others can read"

# --- 4. who asked ---------------------------------------------------------------
ME=$(id -un 2>/dev/null || echo "uid $(id -u)")
"$HH" audit findings --code A_DECEASED "${AU[@]}" >/dev/null || fail "a query without --operator"
tail -n 1 "$S/audit.log" >"$T/rec.plain"
assert_eq "$ME" "$(jq -r .os_user "$T/rec.plain")" "os_user"
assert_eq "null null" "$(jq -r '"\(.operator) \(.db_user)"' "$T/rec.plain")" \
	"no operator or db_user unless given"
"$HH" audit findings --code A_DECEASED "${AU[@]}" --operator "Officer 7" >/dev/null ||
	fail "a query with --operator"
tail -n 1 "$S/audit.log" >"$T/rec.op"
assert_eq "$ME|Officer 7" "$(jq -r '"\(.os_user)|\(.operator)"' "$T/rec.op")" \
	"--operator beside the account"
run_expect 1 "$T/op.empty" "$HH" audit findings --code A_DECEASED "${AU[@]}" --operator ""
"$HH" audit verify-log --state "$S" >/dev/null || fail "verify-log with the new records"

# --- PostgreSQL --------------------------------------------------------------
require_pg
W=hh_it_audit_w_$$        # a login with the writer and reader roles
O=hh_it_audit_owner_$$    # a login owning the store, not a superuser
on_exit "psql -XAtq -d postgres -c 'DROP ROLE IF EXISTS $O' >/dev/null 2>&1"
on_exit "psql -XAtq -d postgres -c 'DROP ROLE IF EXISTS $W' >/dev/null 2>&1"
psql -XAtq -v ON_ERROR_STOP=1 -d postgres -c "CREATE ROLE $O LOGIN CREATEROLE" >/dev/null
pg_test_db it_audit_trail "$O"
# the store is published (and migrated) by its owner, as in production
U="postgresql:///$DB?user=$O"
"$HH" run --config "$T/m/hhmatch.conf" --key "$T/k.key" --out "$T/out.pg" --pg-out "$U" \
	--quiet || fail "run --pg-out"
for i in 1 2 3; do
	"$HH" audit household --household "$HID" --pg "$U" --purpose "pg ticket $i" >"$T/p$i" ||
		fail "audit --pg $i"
done
assert_contains "$T/p3" "^audit log head: *3 records, sha256 [0-9a-f]{64}$" "head printed over --pg"
assert_eq 3 "$(sql -c "SELECT max(records) FROM hhmatch.audit_head")" "hhmatch.audit_head"
"$HH" audit verify-log --pg "$U" >"$T/vp.ok" || fail "verify-log --pg"
assert_contains "$T/vp.ok" "^head anchors matched: hhmatch.audit_head$" "the table's anchor"

# --- 3. append-only -----------------------------------------------------------
sql -c "CREATE ROLE $W LOGIN; GRANT hhmatch_audit_writer, hhmatch_audit_reader TO $W" >/dev/null
UW="postgresql:///$DB?user=$W"
"$HH" audit household --household "$HID" --pg "$UW" --purpose "pg as writer" >"$T/pw" 2>&1 ||
	{ cat "$T/pw" >&2; fail "audit --pg as a login holding the writer role"; }
assert_contains "$T/pw" "^audit log head: *4 records" "the writer's record appended"
assert_eq "$ME|$W|null" \
	"$(sql -c "SELECT os_user || '|' || db_user || '|' || coalesce(operator, 'null') FROM hhmatch.audit_log WHERE id = 4")" \
	"the writer's record names the account and the database user"
"$HH" audit verify-log --pg "$UW" >/dev/null || fail "verify-log --pg as the writer"
refused_sql() { # what user statement: psql as user fails with pattern
	local what=$1 user=$2 stmt=$3 pat=$4 rc=0
	psql -XAtq -v ON_ERROR_STOP=1 -U "$user" -d "$DB" -c "$stmt" >"$T/sql.$what" 2>&1 || rc=$?
	[ "$rc" -ne 0 ] || fail "$what: $user could run: $stmt"
	assert_contains "$T/sql.$what" "$pat" "$what"
}
refused_sql w_update "$W" "UPDATE hhmatch.audit_log SET purpose = 'x' WHERE id = 2" \
	"permission denied"
refused_sql w_delete "$W" "DELETE FROM hhmatch.audit_log WHERE id = 4" "permission denied"
refused_sql w_truncate "$W" "TRUNCATE hhmatch.audit_log" "permission denied"
refused_sql w_head "$W" "DELETE FROM hhmatch.audit_head" "permission denied"
refused_sql o_update "$O" "UPDATE hhmatch.audit_log SET purpose = 'x' WHERE id = 2" \
	"hhmatch.audit_log is append-only: UPDATE refused"
refused_sql o_delete "$O" "DELETE FROM hhmatch.audit_log WHERE id = 4" \
	"hhmatch.audit_log is append-only: DELETE refused"
refused_sql o_truncate "$O" "TRUNCATE hhmatch.audit_log" \
	"hhmatch.audit_log is append-only: TRUNCATE refused"
refused_sql o_head "$O" "DELETE FROM hhmatch.audit_head WHERE records = 4" \
	"hhmatch.audit_head is append-only: DELETE refused"
assert_eq 4 "$(sql -c "SELECT count(*) FROM hhmatch.audit_log")" "rows after the refusals"
"$HH" audit verify-log --pg "$U" >/dev/null || fail "verify-log --pg after the refusals"
# a superuser passes the trigger: what it removed is seen all the same
sql -c "DELETE FROM hhmatch.audit_log WHERE id = 4" >/dev/null
run_expect 2 "$T/vp.last" "$HH" audit verify-log --pg "$U"
assert_contains "$T/vp.last" "record id 4 is broken: missing: the head anchor in hhmatch.audit_head says 4 records" \
	"a deleted last row"
echo "ok: $TEST_NAME"
