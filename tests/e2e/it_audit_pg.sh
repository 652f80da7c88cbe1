#!/usr/bin/env bash
# it_audit_pg.sh - `hhmatch audit ... --pg`: the audit queries answered from
# the PostgreSQL result store, and the audit log as hhmatch.audit_log,
# against the real server that scripts/test.sh starts (skips, exit 77,
# without PGHOST).
#
#  1. A generated month is run once with --state and --pg-out into a
#     database created for the test (dropped at exit).
#  2. household, person --pid and findings --code (with and without
#     --region) over --pg give the same facts as over the state: the
#     household's level, reasons and aggregates, every rule's value,
#     threshold and fired, the finding lists, the person's history; what
#     the store lacks is said ("not available from the store").  person
#     --id over --pg makes the same pid as over the files.  --pg in
#     key=value and service= form (a service file of the test's) gives
#     the same rules and reasons, and verify-log takes key=value too.
#  3. hhmatch.audit_log has one row per --pg query, ids 1..N; a query with
#     --pg and --log writes the same members into both logs; the table's
#     records, written out as lines, pass `verify-log --log` (so the
#     table's chain is exactly auditlog.c's); verify-log --pg passes, and
#     after an UPDATE of record 2 fails with exit 2 naming record id 2;
#     an UPDATE of the last record with its sha256 recomputed fails on its
#     mac, and the log checked under another audit key fails at id 1.
#  4. No raw ID number or name, and no password of the URI, in any output,
#     message or row of audit_log.
#   eval "$(scripts/pg-test-server.sh start /tmp/hhpg)"
#   bash tests/e2e/it_audit_pg.sh build/hhmatch
. "$(dirname "$0")/../lib.sh" "$@"

require_pg

PW=Pw-n0t-sh0wn
pg_test_db it_audit_pg
# the server trusts local connections: the password is never asked for,
# but it is in the URI, so every message and row is checked for it
U="postgresql:///$DB?password=$PW"

# --- 1. a month, into the state and the store -------------------------------
make_key "$T/k.key"
"$HH" gen --out "$T/g" --households 300 --seed 4 --key "$T/k.key" >/dev/null 2>&1 ||
	fail "gen"
"$HH" run --config "$T/g/hhmatch.conf" --key "$T/k.key" --out "$T/out" --state "$T/st" \
	--pg-out "$U" --quiet >"$T/run.out" 2>&1 || { cat "$T/run.out" >&2; fail "run"; }
assert_eq 300 "$(sql -c "SELECT count(*) FROM hhmatch.explain")" "explain rows in the store"

F=$T/out/findings.csv
HID=$(awk -F, 'NR>1 && $10=="high" {print $1; exit}' "$T/out/households.csv")
FH=$(awk -F, 'NR>1 && $1 ~ /^A_/ && $3!="" && $4!="" {print $3; exit}' "$F")
PID=$(awk -F, 'NR>1 && $1 ~ /^A_/ && $3!="" && $4!="" {print $4; exit}' "$F")
CODE=$(awk -F, 'NR>1 && $1 ~ /^A_/ && $3!="" && $4!="" {print $1; exit}' "$F")
REGION=$(awk -F, -v h="$FH" '$1==h {print substr($2, 1, 4); exit}' "$T/out/households.csv")
for v in HID FH PID CODE REGION; do
	[ -n "${!v}" ] || fail "nothing for $v in the generated month"
done
note "household $HID, finding $CODE of $FH, region $REGION"

# --- 2. the same facts from the store and from the files --------------------
N=0
ask() { # NAME ARGS... : over the state (NAME.f) and over the store (NAME.p)
	local name=$1
	shift
	"$HH" audit "$@" --state "$T/st" --key "$T/k.key" --purpose "it $name" --json \
		>"$T/q.$name.f" 2>"$T/e.$name.f" || { cat "$T/e.$name.f" >&2; fail "$name over the state"; }
	"$HH" audit "$@" --pg "$U" --key "$T/k.key" --purpose "it $name" --json \
		>"$T/q.$name.p" 2>"$T/e.$name.p" || { cat "$T/e.$name.p" >&2; fail "$name over --pg"; }
	N=$((N + 1))
}
rows() { # FILE PREFIX: the section rows starting with PREFIX (without the
	# "]", "," or "}" that end a section or the document after the row)
	grep -F "  {\"$2\":" "$1" | sed -E 's/\}[],}]*$/}/' || true
}
fact() { # FILE KEY: "KEY":"value" from the facts
	grep -o "\"$2\":\"[^\"]*\"" "$1" | head -1
}
same_rows() { # NAME PREFIX WHAT
	rows "$T/q.$1.f" "$2" >"$T/r.f"
	rows "$T/q.$1.p" "$2" >"$T/r.p"
	assert_file_eq "$T/r.f" "$T/r.p" "$3 over --pg vs the files"
}

ask household household --household "$HID"
for k in household region_code category members household_income income_per_capita \
	oop_12m edu_net_fees risk_score risk_level reasons income_line; do
	assert_eq "$(fact "$T/q.household.f" $k)" "$(fact "$T/q.household.p" $k)" "household $k"
done
assert_contains "$T/q.household.p" '"risk_level":"high"' "household level"
[ "$(rows "$T/q.household.p" rule | wc -l)" -ge 9 ] || fail "fewer than 9 rules over --pg"
same_rows household rule "rules (value, threshold, fired)"
same_rows household code "the household's findings"
assert_contains "$T/q.household.p" '"not available from the store":"members' \
	"household says what the store lacks"
assert_contains "$T/q.household.p" '"store":"postgresql:///' "household names the store"

ask finding_household household --household "$FH"
same_rows finding_household code "the findings of $FH"
[ "$(rows "$T/q.finding_household.p" code | wc -l)" -ge 1 ] || fail "no findings for $FH"

ask person person --pid "$PID"
same_rows person code "the person's findings"
same_rows person period "the person's history"
assert_contains "$T/q.person.p" "\"code\":\"$CODE\"" "person's finding"
assert_contains "$T/q.person.p" '"not available from the store":"roster rows, source rows' \
	"person says what the store lacks"

ask findings findings --code "$CODE"
same_rows findings code "findings --code $CODE"
ask findings_region findings --code "$CODE" --region "$REGION"
same_rows findings_region code "findings --code $CODE --region $REGION"
[ "$(rows "$T/q.findings_region.p" code | wc -l)" -ge 1 ] || fail "no findings in $REGION"

# person --id: pseudonymised on the spot, the same pid as over the files
awk -F, 'NR>1 && length($2) == 18 && $2 ~ /^[0-9]+[0-9Xx]$/ {print $2; exit}' "$T/g/civil_affairs.csv" >"$T/id.txt"
[ -s "$T/id.txt" ] || fail "no raw ID in the roster"
"$HH" audit person --id - --key "$T/k.key" --state "$T/st" --purpose "it by id" --json \
	<"$T/id.txt" >"$T/q.byid.f" 2>"$T/e.byid.f" || { cat "$T/e.byid.f" >&2; fail "person --id"; }
"$HH" audit person --id - --key "$T/k.key" --pg "$U" --purpose "it by id" --json \
	<"$T/id.txt" >"$T/q.byid.p" 2>"$T/e.byid.p" || { cat "$T/e.byid.p" >&2; fail "person --id --pg"; }
N=$((N + 1))
[ -n "$(fact "$T/q.byid.p" pid)" ] || fail "person --id over --pg has no pid"
assert_eq "$(fact "$T/q.byid.f" pid)" "$(fact "$T/q.byid.p" pid)" "pid of person --id"

# --pg in libpq's other forms: key=value and service= (a service file of
# the test's), each with the password that must not show
printf '[hh_it_audit]\nhost=%s\nport=%s\ndbname=%s\n' "$PGHOST" "${PGPORT:-5432}" "$DB" \
	>"$T/pg_service.conf"
export PGSERVICEFILE=$T/pg_service.conf
for form in kv svc; do
	case $form in
	kv) W="host=$PGHOST dbname = $DB password=$PW" ;;
	*) W="service=hh_it_audit password='$PW'" ;;
	esac
	"$HH" audit household --household "$HID" --pg "$W" --key "$T/k.key" \
		--purpose "it $form" --json >"$T/q.$form.p" 2>"$T/e.$form.p" ||
		{ cat "$T/e.$form.p" >&2; fail "household over --pg in $form form"; }
	N=$((N + 1))
	rows "$T/q.household.p" rule >"$T/r.f"
	rows "$T/q.$form.p" rule >"$T/r.p"
	assert_file_eq "$T/r.f" "$T/r.p" "rules over --pg in $form form vs the URI"
	assert_eq "$(fact "$T/q.household.p" reasons)" "$(fact "$T/q.$form.p" reasons)" \
		"reasons over --pg in $form form"
	assert_contains "$T/q.$form.p" '"store":"(host|service)=[^"]*password=\*\*\*' \
		"the store named with its password hidden ($form)"
done

# --- 3. the log --------------------------------------------------------------
assert_eq "$N" "$(sql -c "SELECT count(*) FROM hhmatch.audit_log")" "audit_log rows"
assert_eq "1 $N" "$(sql -c "SELECT min(id) || ' ' || max(id) FROM hhmatch.audit_log")" \
	"audit_log ids"
assert_eq 1 "$(sql -c "SELECT count(*) FROM hhmatch.audit_log WHERE query::jsonb->>'by' = 'id'")" \
	"the query by ID is logged by pid"
# with --log as well: the record goes into both, with the same members
"$HH" audit household --household "$HID" --pg "$U" --log "$T/both.log" --purpose "it both" \
	>/dev/null 2>"$T/e.both" || { cat "$T/e.both" >&2; fail "--pg with --log"; }
N=$((N + 1))
assert_eq "$N" "$(sql -c "SELECT count(*) FROM hhmatch.audit_log")" "audit_log rows after --log"
"$HH" audit verify-log --log "$T/both.log" >/dev/null || fail "the file log of --pg --log"
# the table's records as the file log's lines: same format, same chain
line_sql="SELECT '{\"seq\":' || id || ',\"time\":\"'
  || to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') || '\"'
  || CASE WHEN os_user IS NULL THEN ',\"operator\":' || to_json(operator)::text
     ELSE ',\"os_user\":' || to_json(os_user)::text
       || coalesce(',\"db_user\":' || to_json(db_user)::text, '')
       || coalesce(',\"operator\":' || to_json(operator)::text, '') END
  || ',\"purpose\":' || to_json(purpose)::text
  || ',\"query\":' || query || ',\"pids\":' || array_to_json(pids)::text
  || coalesce(',\"audit_key_id\":\"' || audit_key_id || '\",\"mac\":\"' || mac || '\"', '')
  || ',\"prev_sha256\":\"' || prev_sha256 || '\",\"sha256\":\"' || sha256 || '\"}'
  FROM hhmatch.audit_log"
sql -c "$line_sql ORDER BY id" >"$T/table.log"
"$HH" audit verify-log --log "$T/table.log" >"$T/v.table" 2>&1 ||
	{ cat "$T/v.table" >&2; fail "the table's records are not auditlog.c records"; }
# the last record's members are the file record's (both without seq,
# mac and hashes: the mac covers seq, which differs between the logs)
members() { sed -e 's/^{"seq":[0-9]*,//' -e 's/,"mac":"[0-9a-f]*","prev_sha256".*$//'; }
assert_eq "$(members <"$T/both.log")" "$(tail -1 "$T/table.log" | members)" \
	"members in the file log and the table"

"$HH" audit verify-log --pg "$U" >"$T/v.ok" 2>&1 || { cat "$T/v.ok" >&2; fail "verify-log --pg"; }
assert_contains "$T/v.ok" "audit_log intact: $N records" "verify-log --pg count"
"$HH" audit verify-log --pg "dbname=$DB password=$PW" >"$T/v.kv" 2>&1 ||
	{ cat "$T/v.kv" >&2; fail "verify-log --pg in key=value form"; }
assert_contains "$T/v.kv" "audit_log intact: $N records" "verify-log --pg in key=value form"
P2=$(sql -c "SELECT purpose FROM hhmatch.audit_log WHERE id = 2")
sql -c "UPDATE hhmatch.audit_log SET purpose = 'x' WHERE id = 2" >/dev/null
rc=0
"$HH" audit verify-log --pg "$U" >"$T/v.bad" 2>&1 || rc=$?
assert_eq 2 "$rc" "verify-log --pg after an UPDATE"
assert_contains "$T/v.bad" "record id 2 is broken: its content does not match" \
	"the changed record named"
echo "UPDATE hhmatch.audit_log SET purpose = :'p' WHERE id = 2" | sql -v p="$P2" >/dev/null
"$HH" audit verify-log --pg "$U" >"$T/v.again" 2>&1 ||
	{ cat "$T/v.again" >&2; fail "verify-log --pg after undoing the UPDATE"; }
# the last record edited with its sha256 recomputed (no secret needed):
# its mac, checked before the head, names it
PN=$(sql -c "SELECT purpose FROM hhmatch.audit_log WHERE id = $N")
SN=$(sql -c "SELECT sha256 FROM hhmatch.audit_log WHERE id = $N")
sql -c "UPDATE hhmatch.audit_log SET purpose = 'forged' WHERE id = $N" >/dev/null
text=$(sql -c "$line_sql WHERE id = $N")
text=${text%,\"sha256\":*}
echo "UPDATE hhmatch.audit_log SET sha256 = :'h' WHERE id = $N" |
	sql -v h="$(printf '%s' "$text" | sha256sum | cut -c1-64)" >/dev/null
run_expect 2 "$T/v.forged" "$HH" audit verify-log --pg "$U"
assert_contains "$T/v.forged" "record id $N is broken: its mac does not match its content" \
	"an edit with its sha256 recomputed"
# and checked under another key, the first record fails
"$HH" keygen --out "$T/other.key" >/dev/null
run_expect 2 "$T/v.otherkey" "$HH" audit verify-log --pg "$U" --audit-key "$T/other.key"
assert_contains "$T/v.otherkey" "record id 1 is broken: its mac is under audit key" \
	"verify-log --pg under another key"
echo "UPDATE hhmatch.audit_log SET purpose = :'p', sha256 = :'h' WHERE id = $N" |
	sql -v p="$PN" -v h="$SN" >/dev/null
"$HH" audit verify-log --pg "$U" >"$T/v.again2" 2>&1 ||
	{ cat "$T/v.again2" >&2; fail "verify-log --pg after undoing the forgery"; }
# a removed record names the one after the gap
sql -c "DELETE FROM hhmatch.audit_log WHERE id = 3" >/dev/null
rc=0
"$HH" audit verify-log --pg "$U" >"$T/v.gap" 2>&1 || rc=$?
assert_eq 2 "$rc" "verify-log --pg after a DELETE"
assert_contains "$T/v.gap" "record id 4 is broken: prev_sha256 does not match" \
	"the record after the gap named"

# --- 4. no raw ID, name or password anywhere ----------------------------------
awk -F, 'NR>1 {if (length($2) == 18 && $2 ~ /^[0-9]+[0-9Xx]$/) print $2; if (length($3) >= 4) print $3}' \
	"$T/g/civil_affairs.csv" | sort -u >"$T/secrets"
echo "$PW" >>"$T/secrets"
sql -c "SELECT t::text FROM hhmatch.audit_log AS t" >"$T/table.rows"
for f in "$T"/q.* "$T"/e.* "$T"/v.* "$T/both.log" "$T/table.rows" "$T/run.out"; do
	if grep -q -F -f "$T/secrets" "$f"; then
		fail "a raw ID number, a name or the password appears in $f"
	fi
done
echo "ok: $TEST_NAME"
