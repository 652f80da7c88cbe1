#!/usr/bin/env bash
# it_pg_query.sh - a PostgreSQL query= source runs one statement that only
# reads (issue 14), against the real server that scripts/test.sh starts
# (skips, exit 77, without PGHOST).
#
# The month's hr extract is loaded into a table src.hr; next to it are a
# table src.victim (3 rows), a sequence and a function that deletes from
# the table.  Then hr is given as a query:
#  1. SELECT * FROM src.hr reads: exit 0, the files' households and flags.
#  2. Each of these fails with exit 2 before any --out, the message naming
#     the source and the connection string (its password as ***), and
#     changes nothing (src.victim keeps its rows, the sequence was never
#     called, no table was made):
#      - the brief's `select 1) to stdout; drop table ...; --`, which closes
#        the COPY's parentheses and comments out the rest, in URI form with
#        a password and in key=value form;
#      - `with d as (delete ... returning *) select * from d`;
#      - a SELECT calling the deleting function, or nextval();
#      - SELECT ... INTO, which would create a table.
#  3. SIGTERM while the query waits for a lock another session holds
#     (LOCK TABLE src.hr in a psql of the test's): the run ends (exit 3,
#     "interrupted by a signal"; bound 10 s, no timed assertion), its
#     statement is cancelled on the server (no backend of hhmatch left),
#     and the other session still holds its lock.
# Everything lives in a database created for the run, dropped at exit.
#   eval "$(scripts/pg-test-server.sh start /tmp/hhpg)"
#   bash tests/e2e/it_pg_query.sh build/hhmatch
. "$(dirname "$0")/../lib.sh" "$@"

require_pg
pg_test_db it_pg_query

make_key "$T/key"
"$HH" gen --out "$T/g" --households 300 --seed 5 --key "$T/key" >"$T/gen.log" 2>&1 ||
	{ cat "$T/gen.log" >&2; fail "gen"; }
G=$T/g
FILES=(--civil-affairs "$G/civil_affairs.csv" --education "$G/education.csv"
	--housing "$G/housing.tsv" --medical "$G/medical.csv.gz")

# src.hr: the hr extract as text columns, named as its header
cols=$(gzip -dc "$G/hr.csv.gz" | sed -n 1p | tr -d '\r' |
	awk -F, '{ for (i = 1; i <= NF; i++) printf "%s\"%s\" text", (i > 1 ? ", " : ""), $i }')
sql -c "CREATE SCHEMA src; CREATE TABLE src.hr ($cols)"
gzip -dc "$G/hr.csv.gz" | sql -c "\\copy src.hr FROM STDIN WITH (FORMAT csv, HEADER)"
sql -c "CREATE TABLE src.victim AS SELECT g AS x FROM generate_series(1, 3) AS g;
	CREATE SEQUENCE src.seq;
	CREATE FUNCTION src.wipe() RETURNS text LANGUAGE plpgsql AS
		\$\$ BEGIN DELETE FROM src.victim; RETURN 'x'; END \$\$"
untouched() { # what
	assert_eq "3 0 0" "$(sql -c "SELECT (SELECT count(*) FROM src.victim) || ' ' ||
		(SELECT is_called::int FROM src.seq) || ' ' ||
		(SELECT count(*) FROM pg_class WHERE relname = 'made')")" \
		"$1: src.victim rows, src.seq called, src.made exists"
}

# ------------------------------------------------ 1: a query that reads
run_expect 0 "$T/files.log" "$HH" run --period 202611 --key "$T/key" --out "$T/of" --quiet \
	"${FILES[@]}" --hr "$G/hr.csv.gz"
run_expect 0 "$T/q.log" "$HH" run --period 202611 --key "$T/key" --out "$T/oq" --quiet \
	"${FILES[@]}" --hr "host=$PGHOST dbname=$DB query='SELECT * FROM src.hr'"
for f in households.csv flags.csv; do
	assert_file_eq "$T/of/$f" "$T/oq/$f" "$f from a query= hr source"
done
untouched "after a query that reads"

# ------------------------------------------------ 2: queries that would write
# refused SOURCE PATTERN: hr given as SOURCE exits 2 with PATTERN in the
# message, which starts "hhmatch run: hr: " and shows no password; no
# --out; nothing changed.
n=0
refused() {
	n=$((n + 1))
	run_expect 2 "$T/r$n.log" "$HH" run --period 202611 --key "$T/key" --out "$T/or$n" \
		--quiet "${FILES[@]}" --hr "$1"
	assert_contains "$T/r$n.log" "^hhmatch run: hr: " "refused $n: the message names the source"
	assert_contains "$T/r$n.log" "$2" "refused $n: why"
	if grep -F 'Zq9pw' "$T/r$n.log" >/dev/null; then fail "refused $n: the password is in the message"; fi
	[ ! -e "$T/or$n" ] || fail "refused $n: --out exists"
	untouched "refused $n"
	note "refused $n: $(head -c 300 "$T/r$n.log")"
}
KV="host=$PGHOST dbname=$DB"
BRIEF='select 1) to stdout; drop table src.victim; --'
ONE="query= must be exactly one SELECT, WITH, VALUES or TABLE statement: "
refused "postgresql://${PGUSER:-$(id -un)}:Zq9pw@/$DB?host=$(urlenc "$PGHOST")&query=$(urlenc "$BRIEF")" \
	"hr: postgresql://[^ ]*:\\*\\*\\*@/$DB.*: $ONE"
refused "$KV password=Zq9pw query='$BRIEF'" "password=\\*\\*\\* .*: $ONE"
refused "$KV query='SELECT 1) TO STDOUT; DROP TABLE src.victim; COPY (SELECT 1'" "$ONE"
READONLY="a source may only read \\(it is read in a READ ONLY transaction\\): "
refused "$KV query='with d as (delete from src.victim returning *) select * from d'" \
	"with d as .*: "
refused "$KV query='SELECT src.wipe() AS id_number'" \
	"${READONLY}cannot execute DELETE in a read-only transaction"
refused "$KV query='SELECT nextval(\\'src.seq\\') AS id_number'" \
	"${READONLY}cannot execute nextval\\(\\) in a read-only transaction"
refused "$KV query='SELECT * INTO src.made FROM src.victim'" "$ONE"

# ------------------------------------------------ 3: a query waiting for a lock
# alive PID: the process runs (a zombie, not yet reaped by bash, does not)
BG_PIDS=""
on_exit 'for p in $BG_PIDS; do kill -9 "$p" 2>/dev/null; done; wait 2>/dev/null'
mkfifo "$T/lock.fifo"
psql -XAtq -d "$DB" <"$T/lock.fifo" >"$T/lock.out" 2>&1 &
BG_PIDS="$BG_PIDS $!"
exec 8>"$T/lock.fifo"
echo "BEGIN; LOCK TABLE src.hr IN ACCESS EXCLUSIVE MODE; SELECT 'locked';" >&8
for ((i = 0; i < 200; i++)); do grep -q '^locked$' "$T/lock.out" && break; sleep 0.05; done
grep -q '^locked$' "$T/lock.out" || fail "could not lock src.hr"
"$HH" run --period 202611 --key "$T/key" --out "$T/ol" --quiet "${FILES[@]}" \
	--hr "$KV query='SELECT * FROM src.hr'" >"$T/lock.log" 2>&1 &
pid=$!
BG_PIDS="$BG_PIDS $pid"
for ((i = 0; i < 600; i++)); do
	[ "$(sql -c "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()
		AND application_name = 'hhmatch' AND wait_event_type = 'Lock'")" -ge 1 ] && break
	alive "$pid" || { cat "$T/lock.log" >&2; fail "lock: the run ended first"; }
	sleep 0.05
done
stop_within lock "$pid" TERM
rc=$STOP_RC
[ "$rc" = 3 ] || { cat "$T/lock.log" >&2; fail "lock: exit $rc after SIGTERM, expected 3"; }
assert_contains "$T/lock.log" "^hhmatch run: hr: .*interrupted by a signal; nothing was published" \
	"lock: message"
[ ! -e "$T/ol" ] || fail "lock: --out exists"
for ((i = 0; i < 50; i++)); do
	n=$(sql -c "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()
		AND application_name = 'hhmatch'")
	[ "$n" = 0 ] && break
	sleep 0.02
done
assert_eq 0 "$n" "lock: hhmatch backends left on the server"
echo "SELECT 'still ' || count(*) FROM pg_locks WHERE relation = 'src.hr'::regclass AND granted;" >&8
for ((i = 0; i < 100; i++)); do grep -q '^still 1$' "$T/lock.out" && break; sleep 0.05; done
assert_contains "$T/lock.out" "^still 1$" "lock: the other session's lock"
echo 'ROLLBACK; \q' >&8
exec 8>&-
note "lock: $(head -c 250 "$T/lock.log")"

echo "ok: $TEST_NAME"
