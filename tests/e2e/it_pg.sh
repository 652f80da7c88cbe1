#!/usr/bin/env bash
# it_pg.sh - a month from PostgreSQL tables and queries, the result store,
# the alert outbox, dropped connections and password hygiene, against the
# real server that scripts/test.sh starts (skips, exit 77, without PGHOST).
#
#  1. A generated dirty month (BOM, CRLF, Chinese headers, quoted newlines,
#     GB18030 TSV, gzip) is loaded with psql \copy into all-text tables
#     named as the files' headers; medical goes to the hostile name
#     "it ""pg"" x"."medical 2026".  Records with the wrong number of fields
#     (column_count rejects) cannot live in a table, so they are dropped
#     from the files first, and the file run reads the same cleaned files.
#  2. Tables with --threads 1 and 3 and the files give byte-identical
#     households.csv, flags.csv and explain.csv; findings and rejects are
#     identical between the table runs and differ from the file run only in
#     line numbers (hh_row vs file line) and the file column; per-code and
#     per-reason counts are equal; rows_read = accepted + rejected = the
#     table's row count; every rejected hh_row finds its row by ctid.
#  3. A ?query= source gives the same households and flags.  Query sources
#     (one with exact duplicate rows) and tables at --threads 1, 2 and 4
#     give byte-identical rejects, findings, households and flags and the
#     same report.json counts.
#  4. --pg-out twice for one period keeps one copy of it; two months with
#     --state put each alert_id into the outbox once, reruns add nothing,
#     and a LISTEN hhmatch_alerts session gets one notification per
#     publish that added alerts and none for a rerun (checked against a
#     sentinel NOTIFY sent after the rerun, so no sleeping is involved).
#  5. pg_terminate_backend on a source's COPY ... TO STDOUT: exit 2, the
#     message names the source and says the connection was lost, no --out,
#     nothing committed.  On the publisher while it is in the transaction
#     (blocked on a lock held by the test, after every COPY FROM STDIN):
#     exit 3, nothing committed, the earlier run intact.  On the
#     publisher's COPY hh_load_* FROM STDIN itself (a race against a busy
#     server-side poller; retried with a bigger month when it misses).
#  6. A password in the URI (user part and password= parameter, sources
#     and --pg-out) appears in no output, message, progress line,
#     report.json or store row, also when a table is missing.
#  7. Every libpq form of connection string: key=value (blanks around
#     '=', quoted table and query), service= (a service file of the
#     test's), postgres://, as sources, --pg-out and in a config file,
#     give the files' households and flags.
#  8. A query= that closes the COPY's parentheses to append statements
#     (issue 14), in URI and key=value form, a DROP, and a write inside a
#     SELECT are refused with exit 2 before any --out; nothing they name
#     changed (it_pg_query.sh has more).
#  9. Against a server of the test's own that checks passwords: a wrong
#     one in key=value (plain and quoted) and URI form fails with exit 2,
#     a misspelt password key with exit 1, and no form of either password
#     is in any output; the right one in key=value form connects.
# Everything lives in a database created for the run (the store's schema
# is always `hhmatch`, which other tests replace in $PGDATABASE) and a role
# created for the run; both are dropped at exit, and the cluster of part 9
# is stopped and removed.
#   eval "$(scripts/pg-test-server.sh start /tmp/hhpg)"
#   bash tests/e2e/it_pg.sh build/hhmatch
. "$(dirname "$0")/../lib.sh" "$@"

require_pg

ROLE=hh_it_pg_r_$$_$(date +%s%N | tail -c 7)
PW=S3cr3t-pw
BG_PIDS=""
PW_SERVER="" # the password-checking server of part 9, while it runs
on_exit "psql -XAtq -d postgres -c 'DROP ROLE IF EXISTS $ROLE' >/dev/null 2>&1"
pg_test_db it_pg
# the background helpers and the second server go first, then the database
on_exit 'for p in $BG_PIDS; do kill "$p" 2>/dev/null; done; wait 2>/dev/null'
on_exit '[ -z "$PW_SERVER" ] || "$HH_SRC/scripts/pg-test-server.sh" stop "$PW_SERVER" >/dev/null 2>&1'
U="postgresql:///$DB"
HSCHEMA='it "pg" x'
HTABLE='medical 2026'
HQ='"it ""pg"" x"."medical 2026"' # as SQL and as ?table= wants it
uri_t() { printf '%s?table=%s' "$U" "$(urlenc "$1")"; }

# ---------------------------------------------------------------- 1: load
make_key "$T/key"
"$HH" gen --out "$T/D" --households 1500 --seed 3 --key "$T/key" >"$T/gen.log" 2>&1 ||
	{ cat "$T/gen.log" >&2; fail "gen"; }
"$HH" gen --out "$T/P1" --households 1500 --seed 3 --key "$T/key" --period 202610 \
	>"$T/gen.log" 2>&1 || { cat "$T/gen.log" >&2; fail "gen 202610"; }

# drop_bad_records DELIM: the extract on stdin without the records whose
# field count differs from the header's; every other byte unchanged.
drop_bad_records() {
	awk -v D="$1" '
	function nfields(s,    i, c, inq, n, len) {
		n = 1; inq = 0; len = length(s)
		for (i = 1; i <= len; i++) {
			c = substr(s, i, 1)
			if (c == "\"") inq = !inq
			else if (c == D && !inq) n++
		}
		return n
	}
	{
		raw = pending ? raw "\n" $0 : $0
		t = $0; q += gsub(/"/, "", t)
		if (q % 2) { pending = 1; next }
		pending = 0; q = 0
		if (++rec == 1) { hn = nfields(raw); print raw; next }
		if (nfields(raw) == hn) print raw
	}
	END { if (pending) print raw }'
}
F=$T/F
mkdir "$F"
drop_bad_records , <"$T/D/civil_affairs.csv" >"$F/civil_affairs.csv"
drop_bad_records , <"$T/D/education.csv" >"$F/education.csv"
gzip -dc "$T/D/hr.csv.gz" | drop_bad_records , | gzip -n >"$F/hr.csv.gz"
drop_bad_records "$(printf '\t')" <"$T/D/housing.tsv" >"$F/housing.tsv"
gzip -dc "$T/D/medical.csv.gz" | drop_bad_records , | gzip -n >"$F/medical.csv.gz"
cp "$T/D/hhmatch.conf" "$F/"
cmp -s <(head -c 3 "$F/civil_affairs.csv") <(printf '\357\273\277') ||
	fail "civil_affairs.csv lost its BOM"
grep -q $'\r$' "$F/civil_affairs.csv" || fail "civil_affairs.csv lost its CRLF"

sql -c "CREATE SCHEMA src; CREATE SCHEMA $(printf '"%s"' "${HSCHEMA//\"/\"\"}");
	CREATE TABLE src.hh_stop (x int)"
# load QTABLE DELIM < utf-8 extract: a table of text columns named as the header
load() {
	local qt=$1 d=$2 cols
	cat >"$T/load.in"
	cols=$(csv_awk "$d" 'if (rec == 1) {
			for (i = 1; i <= nf; i++) { n = f[i]; gsub(/"/, "\"\"", n)
				printf "%s\"%s\" text", (i > 1 ? ", " : ""), n }
			exit }' <"$T/load.in")
	[ -n "$cols" ] || fail "no header for $qt"
	sql -c "CREATE TABLE $qt ($cols)"
	if [ "$d" = , ]; then
		sql -c "\\copy $qt FROM pstdin WITH (FORMAT csv, HEADER true)" <"$T/load.in"
	else
		sql -c "\\copy $qt FROM pstdin WITH (FORMAT csv, HEADER true, DELIMITER E'\\t')" <"$T/load.in"
	fi
}
load src.civil_affairs , <"$F/civil_affairs.csv"
load src.education , <"$F/education.csv"
gzip -dc "$F/hr.csv.gz" | load src.hr ,
iconv -f GB18030 -t UTF-8 "$F/housing.tsv" | load src.housing "$(printf '\t')"
gzip -dc "$F/medical.csv.gz" | load "$HQ" ,
sql -c "GRANT SELECT ON ALL TABLES IN SCHEMA src TO PUBLIC" # for the role in part 6

SRC=(--civil-affairs "$(uri_t src.civil_affairs)" --education "$(uri_t src.education)"
	--hr "$(uri_t src.hr)" --housing "$(uri_t src.housing)" --medical "$(uri_t "$HQ")")
trun() { # OUT THREADS [more args]: a 202611 run from the tables
	local out=$1 th=$2
	shift 2
	run_expect 0 "$T/run.log" "$HH" run --period 202611 --key "$T/key" --out "$out" \
		--threads "$th" --quiet "${SRC[@]}" "$@"
}

# ------------------------------------------------ 2: tables vs files
run_expect 0 "$T/run.log" "$HH" run --config "$F/hhmatch.conf" --key "$T/key" \
	--out "$T/of" --threads 2 --quiet
trun "$T/t1" 1
trun "$T/t3" 3
for s in civil_affairs education hr housing medical; do
	assert_eq 0 "$(json_source_reason "$T/of/report.json" $s column_count)" \
		"files: $s column_count rejects after dropping the bad records"
done
for f in households.csv flags.csv explain.csv; do
	cmp -s "$T/of/$f" "$T/t1/$f" || { diff "$T/of/$f" "$T/t1/$f" | head >&2; fail "$f: tables (1 thread) differ from files"; }
	cmp -s "$T/of/$f" "$T/t3/$f" || { diff "$T/of/$f" "$T/t3/$f" | head >&2; fail "$f: tables (3 threads) differ from files"; }
done
for f in findings.csv rejects.csv; do
	cmp -s "$T/t1/$f" "$T/t3/$f" || { diff "$T/t1/$f" "$T/t3/$f" | head >&2; fail "$f differs between --threads 1 and 3 from tables"; }
done
# findings without line numbers (D_DUP_ROW, D_ID_REPAIRED cite them)
nolines() { sed -E 's/(line|hh_row) [0-9]+/POS N/g' "$1" | sort; }
nolines "$T/of/findings.csv" >"$T/f.files"
nolines "$T/t1/findings.csv" >"$T/f.tables"
assert_file_eq "$T/f.files" "$T/f.tables" "findings.csv (files vs tables, line numbers removed)"
awk -F, 'NR > 1 { print $1 }' "$T/of/findings.csv" | sort | uniq -c >"$T/fc.files"
awk -F, 'NR > 1 { print $1 }' "$T/t1/findings.csv" | sort | uniq -c >"$T/fc.tables"
assert_file_eq "$T/fc.files" "$T/fc.tables" "findings per code (files vs tables)"
# rejects: source,file,line,reason,column -> source,reason,column
rej() { csv_awk , 'if (rec > 1) print f[1] "," f[4] "," f[5]' <"$1" | sort; }
rej "$T/of/rejects.csv" >"$T/r.files"
rej "$T/t1/rejects.csv" >"$T/r.tables"
assert_file_eq "$T/r.files" "$T/r.tables" "rejects.csv (files vs tables, file and line removed)"
[ -s "$T/r.tables" ] || fail "no rejects at all: the dirty month should have some"
for R in "$T/t1/report.json" "$T/t3/report.json"; do
	check_report_counts "$R" civil_affairs education hr housing medical
done
for sq in civil_affairs:src.civil_affairs education:src.education hr:src.hr \
	housing:src.housing "medical:$HQ"; do
	s=${sq%%:*}
	n=$(sql -c "SELECT count(*) FROM ${sq#*:}")
	assert_eq "$n" "$(json_source_num "$T/of/report.json" $s rows_read)" "$s: file rows_read vs table rows"
	for r in t1 t3; do
		assert_eq "$n" "$(json_source_num "$T/$r/report.json" $s rows_read)" "$s: $r rows_read vs table rows"
		for why in $(jq -r --arg s "$s" '.sources[$s].rejects_by_reason | keys[]' "$T/of/report.json"); do
			assert_eq "$(json_source_reason "$T/of/report.json" $s $why)" \
				"$(json_source_reason "$T/$r/report.json" $s $why)" "$s $why ($r vs files)"
		done
	done
	# each rejected hh_row is a row of the table
	rows=$(csv_awk , 'if (rec > 1 && f[1] == "'"$s"'") printf "%s(%s)", (n++ ? "," : ""), f[3]' <"$T/t1/rejects.csv")
	if [ -n "$rows" ]; then
		want=$(grep -c "^$s," "$T/r.tables")
		got=$(sql -c "SELECT count(*) FROM ${sq#*:} AS t JOIN (VALUES $rows) AS r(h)
			ON t.ctid = format('(%s,%s)', r.h / 65536, r.h % 65536)::tid")
		assert_eq "$want" "$got" "$s: rejected hh_rows that find their row by ctid"
	fi
done
grep -q '"file": "postgresql:///' "$T/t1/report.json" || fail "report.json does not name the table sources"
note "tables = files: $(($(wc -l <"$T/t1/households.csv") - 1)) households, $(wc -l <"$T/r.tables") rejects"

# ------------------------------------------------ 2b: the tables across ranks
# run --mpi from the same tables (every rank reads each table with its own
# COPY): every output of the run folder as the single run's at 1 thread;
# and --pg-out written once, by rank 0.  Not under the sanitizers (it_mpi
# runs MPI under ASan; TSan would report inside Open MPI), nor without
# mpirun or in a build without MPI.
if command -v mpirun >/dev/null && [ -z "${TSAN_OPTIONS:-}${ASAN_OPTIONS:-}" ]; then
	export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
	export OMPI_MCA_btl_vader_single_copy_mechanism=none OMPI_MCA_rmaps_base_oversubscribe=1
	rc=0
	HH_MPI_CHUNK_ROWS=5 timeout -k 10 120 mpirun -x HH_MPI_CHUNK_ROWS --oversubscribe -np 3 \
		"$HH" run --mpi --period 202611 --key "$T/key" --out "$T/tm" --threads 2 --quiet \
		"${SRC[@]}" >"$T/mpi.log" 2>&1 || rc=$?
	if [ "$rc" = 1 ] && grep -q "built without MPI" "$T/mpi.log"; then
		note "2b skipped: built without MPI"
	else
		[ "$rc" = 0 ] || { cat "$T/mpi.log" >&2; fail "run --mpi from tables: exit $rc"; }
		for f in households.csv flags.csv explain.csv findings.csv rejects.csv caseworkers.xlsx; do
			cmp -s "$T/t1/$f" "$T/tm/$f" || fail "$f: tables under mpirun -np 3 differ from one process"
		done
		JQ='walk(if type == "object" then del(.seconds, .timings_seconds, .table_bytes, .duplicate_set_bytes) else . end) | del(.threads)'
		assert_eq "$(jq "$JQ" "$T/t1/report.json")" "$(jq "$JQ" "$T/tm/report.json")" \
			"report.json: tables under mpirun -np 3 and one process"
	fi
fi

# ------------------------------------------------ 3: a query source
Q='SELECT h.*, 1 AS "extra, col" FROM src.hr AS h WHERE h.id_number IS NOT NULL OR true'
SRCQ=("${SRC[@]}")
SRCQ[5]="$U?query=$(urlenc "$Q")"
run_expect 0 "$T/run.log" "$HH" run --period 202611 --key "$T/key" --out "$T/tq" \
	--threads 3 --quiet "${SRCQ[@]}"
for f in households.csv flags.csv; do
	cmp -s "$T/of/$f" "$T/tq/$f" || fail "$f from a ?query= hr source differs"
done
assert_eq "$(sql -c 'SELECT count(*) FROM src.hr')" "$(json_source_num "$T/tq/report.json" hr rows_read)" \
	"hr rows_read from the query"
# The same bytes at 1, 2 and 4 threads (slices): medical as a query whose
# result holds exact duplicate rows (its first block twice: they tie in
# the numbering order), hr as a query, the rest as tables.
QM="SELECT * FROM $HQ AS m UNION ALL SELECT * FROM $HQ AS m WHERE m.ctid < '(1,0)'"
SRCQ[9]="$U?query=$(urlenc "$QM")"
for th in 1 2 4; do
	run_expect 0 "$T/run.log" "$HH" run --period 202611 --key "$T/key" --out "$T/tq$th" \
		--threads $th --quiet "${SRCQ[@]}"
	jq -S '.sources | map_values({rows_read, rows_accepted, rows_rejected, rejects_by_reason, sha256})' \
		"$T/tq$th/report.json" >"$T/tq$th.counts"
done
for th in 2 4; do
	for f in rejects.csv findings.csv households.csv flags.csv; do
		cmp -s "$T/tq1/$f" "$T/tq$th/$f" || { diff "$T/tq1/$f" "$T/tq$th/$f" | head >&2; fail "$f: query sources at --threads 1 and $th differ"; }
	done
	assert_file_eq "$T/tq1.counts" "$T/tq$th.counts" "report.json counts, query sources at --threads 1 and $th"
done
assert_eq "$(sql -c "SELECT count(*) FROM ($QM) AS q")" "$(json_source_num "$T/tq1/report.json" medical rows_read)" \
	"medical rows_read from the query with duplicates"
grep -q '^D_DUP_ROW,medical,' "$T/tq1/findings.csv" || fail "the duplicated block of the medical query gives no D_DUP_ROW"

# ------------------------------------------------ 4: store and outbox
# The listener: psql reads commands from a fifo we feed; notifications are
# printed after each command.
mkfifo "$T/listen.fifo"
psql -XAtq -d "$DB" <"$T/listen.fifo" >"$T/listen.out" 2>&1 &
BG_PIDS="$BG_PIDS $!"
exec 7>"$T/listen.fifo"
echo "LISTEN hhmatch_alerts; SELECT 'listening';" >&7
listen_wait() { # PATTERN: pokes the listener until its output matches
	local i
	for ((i = 0; i < 200; i++)); do
		grep -q -- "$1" "$T/listen.out" && return 0
		echo "SELECT 'poke';" >&7
		sleep 0.05
	done
	cat "$T/listen.out" >&2
	fail "listener: no '$1' within 10 s"
}
listen_wait '^listening$'

P=(--pg-out "$U")
S=$T/state
run_expect 0 "$T/run.log" "$HH" run --config "$T/P1/hhmatch.conf" --key "$T/key" \
	--out "$T/p1" --state "$S" --quiet "${P[@]}"
listen_wait 'hhmatch_alerts" with payload "202610"'
trun "$T/p2" 3 --state "$S" "${P[@]}"
[ -s "$T/p2/alerts.jsonl" ] || fail "the second month has no alerts"
listen_wait 'hhmatch_alerts" with payload "202611"'
assert_eq 2 "$(grep -c 'hhmatch_alerts' "$T/listen.out")" "notifications after two publishes with new alerts"
sql -c "SELECT alert_id, created FROM hhmatch.alert_outbox ORDER BY 1" >"$T/outbox.1"
trun "$T/p2b" 3 --state "$S" "${P[@]}"
trun "$T/p2c" 1 "${P[@]}" # without --state: no alerts.jsonl; outbox untouched
cmp -s "$T/p2/alerts.jsonl" "$T/p2b/alerts.jsonl" || fail "the rerun's alerts differ"
sql -c "NOTIFY hhmatch_alerts, 'sentinel'"
listen_wait 'payload "sentinel"'
assert_eq 3 "$(grep -c 'hhmatch_alerts' "$T/listen.out")" \
	"notifications after the reruns (only the sentinel may follow the first two)"
echo '\q' >&7
exec 7>&-

cat "$T/p1/alerts.jsonl" "$T/p2/alerts.jsonl" | grep -o '"alert_id":"[^"]*"' | cut -d'"' -f4 |
	sort -u >"$T/ids.want"
sql -c "SELECT alert_id FROM hhmatch.alert_outbox ORDER BY 1" >"$T/ids.got"
assert_file_eq "$T/ids.want" "$T/ids.got" "alert_outbox alert_ids (each alert once)"
sql -c "SELECT alert_id, created FROM hhmatch.alert_outbox ORDER BY 1" >"$T/outbox.2"
cmp -s "$T/outbox.1" "$T/outbox.2" || fail "a rerun changed alert_outbox rows"
store_counts() { # PERIOD -> runs households flags findings rejects source_counts
	sql -c "SELECT (SELECT count(*) FROM hhmatch.runs WHERE period = $1) || ' ' ||
		(SELECT count(*) FROM hhmatch.households WHERE period = $1) || ' ' ||
		(SELECT count(*) FROM hhmatch.flags WHERE period = $1) || ' ' ||
		(SELECT count(*) FROM hhmatch.findings WHERE period = $1) || ' ' ||
		(SELECT count(*) FROM hhmatch.rejects WHERE period = $1) || ' ' ||
		(SELECT count(*) FROM hhmatch.source_counts WHERE period = $1)"
}
lines() { echo $(($(wc -l <"$1") - 1)); }
O=$T/p2c
want="1 $(lines "$O/households.csv") $(lines "$O/flags.csv") $(lines "$O/findings.csv") $(csv_count , <"$O/rejects.csv") 5"
assert_eq "$want" "$(store_counts 202611)" "store rows for 202611 after three publishes"
O=$T/p1
want="1 $(lines "$O/households.csv") $(lines "$O/flags.csv") $(lines "$O/findings.csv") $(csv_count , <"$O/rejects.csv") 5"
assert_eq "$want" "$(store_counts 202610)" "store rows for 202610"
assert_eq 2 "$(sql -c 'SELECT count(*) FROM hhmatch.runs')" "hhmatch.runs rows"
# the stored households are the file's rows
sql -c "\\copy (SELECT household_id, region_code, category, members, household_income,
	income_per_capita, oop_12m, edu_net_fees, risk_score, risk_level, reasons
	FROM hhmatch.households WHERE period = 202611 ORDER BY household_id COLLATE \"C\")
	TO STDOUT WITH (FORMAT csv)" >"$T/hh.db"
tail -n +2 "$T/p2c/households.csv" | sort >"$T/hh.file"
assert_file_eq "$T/hh.file" "$T/hh.db" "hhmatch.households vs households.csv"
assert_eq "$(json_source_num "$T/p2c/report.json" medical rows_rejected)" \
	"$(sql -c "SELECT rows_rejected FROM hhmatch.source_counts WHERE period = 202611 AND source = 'medical'")" \
	"source_counts medical rows_rejected"
snapshot() { # the store's content, to show a failed publish changed nothing
	sql -c "SELECT period, published, md5(report::text) FROM hhmatch.runs ORDER BY 1"
	sql -c "SELECT md5(string_agg(t::text, '|' ORDER BY t::text)) FROM hhmatch.households AS t"
	sql -c "SELECT md5(string_agg(t::text, '|' ORDER BY t::text)) FROM hhmatch.findings AS t"
	sql -c "SELECT md5(string_agg(t::text, '|' ORDER BY t::text)) FROM hhmatch.rejects AS t"
	sql -c "SELECT md5(string_agg(t::text, '|' ORDER BY t::text)) FROM hhmatch.source_counts AS t"
	sql -c "SELECT md5(string_agg(t::text, '|' ORDER BY t::text)) FROM hhmatch.alert_outbox AS t"
}
snapshot >"$T/store.before"

# ------------------------------------------------ 5: dropped connections
# src.hh_kill(pattern, min_age, timeout): polls pg_stat_activity (a fresh
# snapshot each time) for another backend of this database running a
# statement LIKE pattern for at least min_age, terminates it and says
# which; 'none' after the timeout or once src.hh_stop has a row.
sql -c "CREATE FUNCTION src.hh_kill(pat text, min_age interval, timeout interval)
RETURNS text LANGUAGE plpgsql AS \$\$
DECLARE t0 timestamptz := clock_timestamp(); v record;
BEGIN
	LOOP
		PERFORM pg_stat_clear_snapshot();
		SELECT pid, query INTO v FROM pg_stat_activity
		 WHERE datname = current_database() AND pid <> pg_backend_pid()
		   AND state = 'active' AND query LIKE pat
		   AND clock_timestamp() - query_start >= min_age
		 LIMIT 1;
		IF FOUND THEN
			PERFORM pg_terminate_backend(v.pid);
			RETURN 'killed: ' || left(v.query, 50);
		END IF;
		IF clock_timestamp() - t0 > timeout OR EXISTS (SELECT 1 FROM src.hh_stop) THEN
			RETURN 'none';
		END IF;
		IF min_age > interval '0' THEN PERFORM pg_sleep(0.002); END IF;
	END LOOP;
END \$\$"
killer_start() { # PATTERN MIN_AGE
	sql -c "TRUNCATE src.hh_stop"
	psql -XAtq -d "$DB" -c "SELECT src.hh_kill('$1', '$2', '120 s')" >"$T/kill.out" 2>&1 &
	KILLER=$!
	BG_PIDS="$BG_PIDS $KILLER"
	local i
	for ((i = 0; i < 200; i++)); do
		[ "$(sql -c "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()
			AND query LIKE 'SELECT src.hh_kill(%' AND state = 'active'")" = 1 ] && return 0
		sleep 0.05
	done
	fail "the killer session did not start"
}
killer_result() { # stops the killer if still polling; prints what it did
	sql -c "INSERT INTO src.hh_stop VALUES (1)"
	wait "$KILLER"
	cat "$T/kill.out"
}
no_out() { # OUT: neither the folder nor a temporary sibling exists
	[ ! -e "$1" ] || fail "$1 exists after a failed run"
	ls -a "$(dirname "$1")" | grep -q "^\.$(basename "$1")\.tmp" && fail "a temporary folder beside $1 was left behind"
	return 0
}

# 5a: the source's COPY TO STDOUT.  A big medical table (the month's rows
# repeated) keeps the COPY busy long enough to be found mid-stream.
big=150
sql -c "CREATE TABLE src.medical_big AS SELECT m.* FROM $HQ AS m, generate_series(1, $big) AS g"
SRCB=("${SRC[@]}")
SRCB[9]=$(uri_t src.medical_big)
for th in 3 1; do
	for attempt in 1 2; do
		killer_start 'COPY (SELECT%medical\_big%' '50 ms'
		rc=0
		"$HH" run --period 202611 --key "$T/key" --out "$T/k$th" --threads "$th" --quiet \
			"${SRCB[@]}" "${P[@]}" >"$T/k.log" 2>&1 || rc=$?
		k=$(killer_result)
		case $k in killed:*) break ;; esac
		# missed: the COPYs ended within 50 ms; double the table
		note "attempt $attempt: medical_big was read before the poller saw it; doubling it"
		rm -rf "$T/k$th"
		sql -c "INSERT INTO src.medical_big SELECT * FROM src.medical_big"
	done
	case $k in killed:*) ;; *) cat "$T/k.log" >&2; fail "no COPY of medical_big to terminate ($k)" ;; esac
	[ "$rc" = 2 ] || { cat "$T/k.log" >&2; fail "source connection terminated (--threads $th): exit $rc, expected 2"; }
	# mid-stream the connector says "connection lost during COPY"; when the
	# backend dies before libpq has seen the COPY start (a starved client
	# thread), "connection lost before COPY"
	assert_contains "$T/k.log" \
		"^hhmatch run: medical: postgresql:///$DB\\?table=src\\.medical_big: .*connection lost (during|before) COPY" \
		"source connection terminated (--threads $th): message"
	no_out "$T/k$th"
	snapshot >"$T/store.after"
	assert_file_eq "$T/store.before" "$T/store.after" "the store after a source connection was terminated"
	note "source COPY terminated with --threads $th: $(head -c 300 "$T/k.log")"
done

# 5b: the publisher, in its transaction after all of its COPY FROM STDIN:
# the test holds a lock on alert_outbox, so the publish of a rerun of
# 202611 (with --state: alerts) waits at its INSERT into the outbox.
cp -a "$S" "$T/state5"
mkfifo "$T/lock.fifo"
psql -XAtq -d "$DB" <"$T/lock.fifo" >"$T/lock.out" 2>&1 &
LOCKER=$!
BG_PIDS="$BG_PIDS $LOCKER"
exec 8>"$T/lock.fifo"
echo "BEGIN; LOCK TABLE hhmatch.alert_outbox IN ACCESS EXCLUSIVE MODE; SELECT 'locked';" >&8
for ((i = 0; i < 200; i++)); do grep -q '^locked$' "$T/lock.out" && break; sleep 0.05; done
grep -q '^locked$' "$T/lock.out" || fail "could not lock alert_outbox"
killer_start 'INSERT INTO hhmatch.alert_outbox%' '0'
rc=0
"$HH" run --period 202611 --key "$T/key" --out "$T/kp" --threads 2 --quiet \
	--state "$T/state5" "${SRC[@]}" "${P[@]}" >"$T/k.log" 2>&1 || rc=$?
k=$(killer_result)
echo "ROLLBACK;" >&8
exec 8>&-
wait "$LOCKER"
case $k in killed:*) ;; *) cat "$T/k.log" >&2; fail "the publisher was not found waiting ($k)" ;; esac
[ "$rc" = 3 ] || { cat "$T/k.log" >&2; fail "publisher terminated in its transaction: exit $rc, expected 3"; }
assert_contains "$T/k.log" "publishing .* to postgresql:///$DB" "publisher terminated: message"
no_out "$T/kp"
snapshot >"$T/store.after"
assert_file_eq "$T/store.before" "$T/store.after" "the store after the publisher was terminated"
note "publisher terminated in its transaction: $(head -c 300 "$T/k.log")"

# 5c: the publisher's COPY hh_load_* FROM STDIN itself.  A bigger month
# (files) makes its households.csv take a while to stream; the poller does
# not sleep.  A miss (the COPYs were too quick) retries with twice the
# month; two misses fail the test.  (Both the table and the month are
# sized for a miss to be unlikely on a fast machine; see the notes.)
hh=${HH_IT_PG_PUBLISH_HOUSEHOLDS:-40000}
for attempt in 1 2; do
	rm -rf "$T/M" "$T/km"
	"$HH" gen --out "$T/M" --households "$hh" --seed 5 --key "$T/key" --clean \
		>"$T/gen.log" 2>&1 || fail "gen $hh"
	snapshot >"$T/store.before"
	killer_start 'COPY hh\_load\_%FROM STDIN%' '0'
	rc=0
	"$HH" run --config "$T/M/hhmatch.conf" --key "$T/key" --out "$T/km" --threads 2 \
		--quiet "${P[@]}" >"$T/k.log" 2>&1 || rc=$?
	k=$(killer_result)
	case $k in killed:*) break ;; esac
	[ "$rc" = 0 ] || { cat "$T/k.log" >&2; fail "publish of $hh households: exit $rc"; }
	note "attempt $attempt: the publisher's COPYs of $hh households ended before the poller saw them"
	hh=$((hh * 2))
done
case $k in killed:*) ;; *) fail "could not catch the publisher in COPY FROM STDIN twice" ;; esac
[ "$rc" = 3 ] || { cat "$T/k.log" >&2; fail "publisher terminated during COPY FROM STDIN: exit $rc, expected 3"; }
assert_contains "$T/k.log" "publishing .* to postgresql:///$DB" "publisher terminated during COPY: message"
no_out "$T/km"
snapshot >"$T/store.after"
assert_file_eq "$T/store.before" "$T/store.after" "the store after the publisher's COPY was terminated"
note "publisher terminated in COPY FROM STDIN ($k): $(head -c 300 "$T/k.log")"

# ------------------------------------------------ 6: passwords
sql -c "CREATE ROLE $ROLE LOGIN PASSWORD '$PW';
	GRANT CONNECT, CREATE, TEMP ON DATABASE $DB TO $ROLE;
	GRANT USAGE ON SCHEMA src, $(printf '"%s"' "${HSCHEMA//\"/\"\"}") TO $ROLE;
	GRANT SELECT ON ALL TABLES IN SCHEMA src, $(printf '"%s"' "${HSCHEMA//\"/\"\"}") TO $ROLE;
	GRANT USAGE, CREATE ON SCHEMA hhmatch TO $ROLE;
	GRANT ALL ON ALL TABLES IN SCHEMA hhmatch TO $ROLE"
UP="postgresql://$ROLE:$PW@127.0.0.1:$PGPORT/$DB"
UQ="postgresql://$ROLE@127.0.0.1:$PGPORT/$DB?password=$PW"
SRCP=(--civil-affairs "$UP?table=src.civil_affairs" --education "$UQ&table=src.education"
	--hr "$UP?table=src.hr" --housing "$UQ&table=src.housing"
	--medical "$UP?table=$(urlenc "$HQ")")
mkdir "$T/pw"
rc=0
"$HH" run --period 202611 --key "$T/key" --out "$T/pw/out" --threads 2 \
	"${SRCP[@]}" --pg-out "$UQ" >"$T/pw/stdout" 2>"$T/pw/stderr" || rc=$?
[ "$rc" = 0 ] || { cat "$T/pw/stderr" >&2; fail "run with passwords in the URIs: exit $rc"; }
cmp -s "$T/of/households.csv" "$T/pw/out/households.csv" || fail "households.csv over 127.0.0.1 differs"
# failures that print the URI: a missing table, a missing database
"$HH" run --period 202611 --key "$T/key" --out "$T/pw/out2" --threads 2 \
	--civil-affairs "$UP?table=src.nope" >"$T/pw/fail1.out" 2>&1 && fail "a missing table was accepted"
"$HH" run --period 202611 --key "$T/key" --out "$T/pw/out3" --threads 2 \
	--civil-affairs "postgresql://$ROLE:$PW@127.0.0.1:$PGPORT/${DB}_nope?table=src.x" \
	>"$T/pw/fail2.out" 2>&1 && fail "a missing database was accepted"
"$HH" run --period 202611 --key "$T/key" --out "$T/pw/out4" --threads 2 \
	"${SRC[@]}" --pg-out "postgresql://$ROLE:$PW@127.0.0.1:$PGPORT/${DB}_nope" \
	>"$T/pw/fail3.out" 2>&1 && fail "a missing store database was accepted"
assert_contains "$T/pw/fail1.out" 'src\.nope' "missing table message"
assert_contains "$T/pw/fail1.out" "$ROLE:\*\*\*@" "missing table message shows the redacted URI"
echo "$PW" >"$T/pw.list"
no_secrets_in "$T/pw" "$T/pw.list" "the password"
assert_contains "$T/pw/out/report.json" "password=\*\*\*" "report.json: redacted password= parameter"
assert_eq "0 0 0" "$(sql -c "SELECT count(*) FROM hhmatch.runs WHERE report::text LIKE '%$PW%'") \
$(sql -c "SELECT count(*) FROM hhmatch.source_counts WHERE file LIKE '%$PW%'") \
$(sql -c "SELECT count(*) FROM hhmatch.rejects WHERE file LIKE '%$PW%'")" \
	"rows of the store holding the password"
assert_eq 5 "$(sql -c "SELECT count(*) FROM hhmatch.source_counts WHERE period = 202611 AND file LIKE '%***%'")" \
	"source_counts files with the redacted password"


# ------------------------------------------------ 7: connection string forms
# Every libpq form as a source, --pg-out and in a config file: key=value
# (blanks around '=', a quoted table name, a quoted query), service= (a
# service file of the test's), postgres:// (the short prefix).  Same
# households and flags as from the files.
cat >"$T/pg_service.conf" <<SVC
[hh_it_pg]
host=$PGHOST
port=${PGPORT:-5432}
dbname=$DB
SVC
export PGSERVICEFILE=$T/pg_service.conf
KV="host=$PGHOST dbname = $DB"
SRCK=(--civil-affairs "$KV table=src.civil_affairs"
	--education "service=hh_it_pg table=src.education application_name=hh_it_kv"
	--hr "postgres:///$DB?table=src.hr"
	--housing "$KV query='SELECT * FROM src.housing'"
	--medical "$KV table='$HQ'")
run_expect 0 "$T/run.log" "$HH" run --period 202611 --key "$T/key" --out "$T/tk" --threads 3 \
	--quiet "${SRCK[@]}" --pg-out "service=hh_it_pg"
for f in households.csv flags.csv; do
	cmp -s "$T/of/$f" "$T/tk/$f" || fail "$f from key=value and service= sources differs"
done
assert_eq 1 "$(sql -c "SELECT count(*) FROM hhmatch.runs WHERE period = 202611")" \
	"the run stored through --pg-out service=hh_it_pg"
jq -e --arg f "$KV table=src.civil_affairs" '.sources.civil_affairs.file == $f' \
	"$T/tk/report.json" >/dev/null || fail "report.json does not name the key=value source as given"
# in a config file: a connection string is not a path relative to it
mkdir "$T/cf"
printf 'period = 202611\ncivil-affairs = %s table=src.civil_affairs\nhr = %s\n' \
	"$KV" "service=hh_it_pg table=src.hr" >"$T/cf/pg.conf"
run_expect 0 "$T/run.log" "$HH" run --config "$T/cf/pg.conf" --key "$T/key" --out "$T/tc" --quiet
assert_eq "$(json_source_num "$T/tk/report.json" hr rows_read)" \
	"$(json_source_num "$T/tc/report.json" hr rows_read)" "hr rows_read from a config file's service="

# ------------------------------------------------ 8: a query runs one read
# The query of issue 14 closes the COPY's parentheses to run statements of
# its own: an input error (exit 2) in the server's words, in either form,
# before any --out; the table it would drop is still there.  So is a
# statement that is no SELECT, WITH, VALUES or TABLE, and a write inside a
# SELECT (the READ ONLY transaction).
sql -c "CREATE TABLE src.hh_victim AS SELECT 1 AS x; CREATE SEQUENCE src.hh_seq"
INJ='SELECT 1) TO STDOUT; DROP TABLE src.hh_victim; COPY (SELECT 1'
for hr in "$U?query=$(urlenc "$INJ")" "$KV query='$INJ'"; do
	run_expect 2 "$T/inj.log" "$HH" run --period 202611 --key "$T/key" --out "$T/ti" \
		--quiet "${SRC[@]:0:4}" --hr "$hr"
	assert_contains "$T/inj.log" "^hhmatch run: hr: .*: query= must be exactly one SELECT, WITH, VALUES or TABLE statement: syntax error at or near \"\\)\"" \
		"an injected statement: message"
	no_out "$T/ti"
done
run_expect 2 "$T/inj.log" "$HH" run --period 202611 --key "$T/key" --out "$T/ti" --quiet \
	"${SRC[@]:0:4}" --hr "$KV query='DROP TABLE src.hh_victim'"
assert_contains "$T/inj.log" "query= must be exactly one SELECT, WITH, VALUES or TABLE statement; it starts with \"DROP\"" \
	"a DROP as the query: message"
run_expect 2 "$T/inj.log" "$HH" run --period 202611 --key "$T/key" --out "$T/ti" --quiet \
	"${SRC[@]:0:4}" --hr "$KV query='SELECT nextval(\\'src.hh_seq\\') AS id_number, 1 AS employment_status'"
assert_contains "$T/inj.log" "a source may only read \\(it is read in a READ ONLY transaction\\): cannot execute nextval\\(\\) in a read-only transaction" \
	"a write in a SELECT: message"
no_out "$T/ti"
assert_eq "1 0" "$(sql -c "SELECT (SELECT count(*) FROM src.hh_victim) || ' ' || (SELECT is_called::int FROM src.hh_seq)")" \
	"src.hh_victim and src.hh_seq after the refused queries"

# ------------------------------------------------ 9: wrong passwords
# The shared test server trusts every connection, so a cluster of the
# test's own asks for passwords (scram-sha-256 on 127.0.0.1).  A wrong
# one fails with exit 2 in every form, and no form of it is in any
# output; the right one in key=value form reads a table.
PGPW=$(mktemp -d /tmp/hh-pgpw.XXXXXX)
chmod 755 "$PGPW"
PW_SERVER=$PGPW
(eval "$("$HH_SRC/scripts/pg-test-server.sh" start "$PGPW" 2>"$T/pgpw.log")" &&
	psql -XAtq -v ON_ERROR_STOP=1 -d postgres -c "CREATE ROLE hh_pw LOGIN PASSWORD '$PW';
		CREATE TABLE ca (household_id text); INSERT INTO ca VALUES ('H1');
		GRANT SELECT ON ca TO hh_pw" >/dev/null &&
	sed -i '1i host all all 127.0.0.1/32 scram-sha-256' "$(psql -XAtq -d postgres -c 'SHOW hba_file')" &&
	psql -XAtq -d postgres -c 'SELECT pg_reload_conf()' >/dev/null &&
	echo "$PGPORT" >"$T/pgpw.port") || { cat "$T/pgpw.log" >&2; fail "could not start a password-checking server"; }
P2=$(cat "$T/pgpw.port")
BAD=Wr0ng-$PW
mkdir "$T/wp"
i=0
for s in "host=127.0.0.1 port=$P2 dbname=postgres user=hh_pw password=$BAD table=ca" \
	"host=127.0.0.1 port=$P2 dbname=postgres user=hh_pw password='$BAD' table=ca" \
	"postgresql://hh_pw:$BAD@127.0.0.1:$P2/postgres?table=ca" \
	"host=127.0.0.1 port=$P2 dbname=postgres user=hh_pw passwrd=$BAD table=ca"; do
	i=$((i + 1))
	rc=0
	"$HH" run --period 202611 --key "$T/key" --out "$T/wp/out$i" --quiet --civil-affairs "$s" \
		>"$T/wp/$i.out" 2>"$T/wp/$i.err" || rc=$?
	case $i in
	4) want=1 ;; # the misspelt key: libpq refuses the string
	*) want=2 ;;
	esac
	[ "$rc" = "$want" ] || { cat "$T/wp/$i.err" >&2; fail "form $i with a wrong password: exit $rc, expected $want"; }
done
assert_contains "$T/wp/1.err" "civil_affairs: host=127.0.0.1 port=$P2 dbname=postgres user=hh_pw password=\\*\\*\\* table=ca: cannot connect: .*password authentication failed" \
	"a wrong password: message"
assert_contains "$T/wp/4.err" "passwrd=\\*\\*\\* .*invalid connection option \"passwrd\"" "a misspelt password key: message"
run_expect 2 "$T/wp/ok.log" "$HH" run --period 202611 --key "$T/key" --out "$T/wp/ok" --quiet \
	--civil-affairs "host=127.0.0.1 port=$P2 dbname=postgres user=hh_pw password=$PW table=ca"
# the right password connects and reads: the roster then lacks columns
assert_contains "$T/wp/ok.log" "line 1: required column 'id_number' is missing" "the right password"
printf '%s\n%s\n' "$BAD" "$PW" >"$T/pw2.list"
no_secrets_in "$T/wp" "$T/pw2.list" "a password of section 9"
"$HH_SRC/scripts/pg-test-server.sh" stop "$PGPW" >/dev/null 2>&1
PW_SERVER=

echo "it_pg: ok"
