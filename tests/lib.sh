# lib.sh - shared helpers for the end-to-end tests (tests/e2e/it_*.sh).
#
# Source it first thing; it reads the binary from $1 and the folders from
# HH_SRC / HH_TEST_DATA (set by CMake; defaulted from this file's location
# when a test is run by hand):
#   bash tests/e2e/it_golden.sh build/hhmatch
# It gives each test a private temporary folder $T (removed on exit) and
# these helpers; a failed assertion prints what differed and exits 1.
# Only bash, coreutils, awk, grep, gzip, sha256sum and jq (for the JSON
# outputs; scripts/setup.sh --test installs it) are used.
#
# Tests run under `set -euo pipefail`: a command that fails stops the test
# (a step nobody checked cannot pass silently), so a command expected to
# fail is written as one: `run_expect STATUS ...`, `if ! cmd; then`, or
# `rc=0; cmd || rc=$?`.  With pipefail, `producer | grep -q` can fail when
# grep stops reading early (the producer dies of SIGPIPE): write
# `producer | grep ... >/dev/null` instead, which reads everything.
set -euo pipefail
HH=${1:?usage: bash $0 /path/to/hhmatch}
case $HH in /*) ;; *) HH=$PWD/$HH ;; esac
[ -x "$HH" ] || { echo "not executable: $HH" >&2; exit 1; }
command -v jq >/dev/null || { echo "jq is needed (scripts/setup.sh --test installs it)" >&2; exit 1; }
HH_SRC=${HH_SRC:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
HH_TEST_DATA=${HH_TEST_DATA:-$HH_SRC/tests/data}
export LC_ALL=C
TEST_NAME=$(basename "$0" .sh)
T=$(mktemp -d "${TMPDIR:-/tmp}/hh-$TEST_NAME.XXXXXX")
# on_exit CMD: runs CMD (eval'ed) when the test ends, however it ends,
# before $T is removed; the last registered runs first.
_hh_on_exit=()
on_exit() { _hh_on_exit=("$1" "${_hh_on_exit[@]}"); }
_hh_exit() {
	set +e # clean up everything, whatever has already ended
	local c
	for c in "${_hh_on_exit[@]}"; do eval "$c"; done
	rm -rf "$T"
}
trap _hh_exit EXIT

fail() {
	echo "FAIL ($TEST_NAME): $*" >&2
	exit 1
}

note() {
	echo "-- $*" >&2
}

assert_eq() { # expected actual what
	[ "$1" = "$2" ] || fail "$3: expected '$1', got '$2'"
}

assert_file_eq() { # expected_file actual_file what
	if ! diff -u "$1" "$2" >"$T/.diff" 2>&1; then
		cat "$T/.diff" >&2
		fail "$3 differs from the expectation (diff above: - expected, + actual)"
	fi
}

assert_contains() { # file pattern(grep -E) what
	grep -Eq -- "$2" "$1" || { cat "$1" >&2; fail "$3: no match for /$2/"; }
}

# require_pg: skips the test (exit 77) unless a PostgreSQL server is at
# hand (PGHOST, as scripts/test.sh and scripts/pg-test-server.sh set it)
# and psql is installed; clears the libpq settings a caller's environment
# might add.
require_pg() {
	if [ -z "${PGHOST:-}" ]; then
		echo "skip: PGHOST is not set (run under scripts/test.sh or pg-test-server.sh)" >&2
		exit 77
	fi
	command -v psql >/dev/null || { echo "skip: no psql" >&2; exit 77; }
	unset PGAPPNAME PGOPTIONS PGPASSWORD
}

# pg_test_db NAME [OWNER]: a fresh database for the test (its name in
# $DB), dropped when the test ends.  sql SQL... runs psql on it: unaligned
# tuples on stdout, and a failing statement fails the command.
pg_test_db() {
	DB=hh_$1_$$_$(date +%s%N | tail -c 7)
	on_exit "psql -XAtq -d postgres -c 'DROP DATABASE IF EXISTS $DB WITH (FORCE)' >/dev/null 2>&1"
	psql -XAtq -v ON_ERROR_STOP=1 -d postgres -c "CREATE DATABASE $DB${2:+ OWNER $2}" >/dev/null ||
		fail "cannot create database $DB"
}
sql() { psql -XAtq -v ON_ERROR_STOP=1 -d "$DB" "$@"; }

# reorder_rows IN OUT tac|shuf: every IN/*.csv copied to OUT with its rows
# (not the header) reversed, or shuffled from a fixed random source, for
# tests that outputs never depend on row order.
reorder_rows() {
	local f
	mkdir -p "$2"
	[ -f "$T/.random" ] || head -c 65536 /dev/zero | tr '\0' 'k' >"$T/.random"
	for f in "$1"/*.csv; do
		{
			head -1 "$f"
			case $3 in
			tac) tail -n +2 "$f" | tac ;;
			*) tail -n +2 "$f" | shuf --random-source="$T/.random" ;;
			esac
		} >"$2/${f##*/}"
	done
}

# make_key DEST: the committed test key, mode 0600 (hhmatch refuses a key
# readable by group or others, and git checks files out 0644).
make_key() {
	cp "$HH_TEST_DATA/test.key" "$1"
	chmod 600 "$1"
}

# golden_month: the golden month (tests/data/golden/input) copied into
# $T/in with the test key in $T/key, and the test moved into $T/in, where
# GOLDEN_SOURCES names its five extracts as run's options.
GOLDEN_SOURCES=(--civil-affairs civil_affairs.csv --education education.tsv --hr hr.csv.gz
	--housing housing.csv --medical medical.csv)
golden_month() {
	mkdir -p "$T/in"
	cp "$HH_TEST_DATA"/golden/input/* "$T/in/"
	make_key "$T/key"
	cd "$T/in"
}

# pick_household CSV CONDITION: the first household_id of a households.csv
# whose row meets the awk CONDITION ($4 members, $10 risk_level, $11
# reasons...) and that USED ("|id|id|") does not hold yet; nothing when
# none does.
pick_household() {
	awk -F, -v used="${USED:-}" "NR>1 && ($2) && index(used, \"|\" \$1 \"|\") == 0 {print \$1; exit}" "$1"
}

# openpyxl_python: a python3 that imports openpyxl (to read a workbook
# back), or nothing.
openpyxl_python() {
	local p
	for p in python3 /usr/bin/python3; do
		if command -v "$p" >/dev/null && "$p" -c 'import openpyxl' 2>/dev/null; then
			echo "$p"
			return 0
		fi
	done
	return 0
}

# alive PID: the process runs (an exited child stays a zombie until bash
# reaps it, and kill -0 still finds a zombie; once reaped, /proc/PID is
# gone, possibly between two reads, so it is read once)
alive() {
	local st
	st=$(sed -n 's/^State:[[:space:]]*//p' "/proc/$1/status" 2>/dev/null) || return 1
	[ -n "$st" ] && [ "${st:0:1}" != Z ]
}

# stop_within NAME PID SIG: sends SIG to the background job PID and waits
# up to 10 s for it to end (else kills it and fails); sets STOP_RC to its
# exit status and STOP_MS to the milliseconds from the signal to its end.
stop_within() {
	local name=$1 pid=$2 sig=$3 i t0
	t0=$(date +%s%N)
	kill -s "$sig" "$pid" || true # an end just now shows in the exit status
	for ((i = 0; i < 1000; i++)); do
		alive "$pid" || break
		sleep 0.01
	done
	STOP_MS=$((($(date +%s%N) - t0) / 1000000))
	if alive "$pid"; then
		kill -9 "$pid" 2>/dev/null || true
		fail "$name: still running 10 s after SIG$sig"
	fi
	STOP_RC=0
	wait "$pid" || STOP_RC=$?
}

# urlenc TEXT: TEXT percent-encoded for a URI (all but letters, digits
# and ._~- escaped), on stdout.
urlenc() {
	local s=$1 i c o=
	for ((i = 0; i < ${#s}; i++)); do
		c=${s:i:1}
		case $c in
		[a-zA-Z0-9._~-]) o+=$c ;;
		*) o+=$(printf '%%%02X' "'$c") ;;
		esac
	done
	printf %s "$o"
}

# make_audit_key DEST: a fresh audit key (hhmatch keygen: random, mode
# 0600), the key that seals the audit log's records; not the run's key.
make_audit_key() {
	"$HH" keygen --out "$1" >/dev/null
}

# Every test runs as a scheduler would: with the audit key named once in
# the environment, so that every audit query and every logged run seals
# its record.  A test that checks what happens without it unsets it.
make_audit_key "$T/audit.key"
export HHMATCH_AUDIT_KEY=$T/audit.key

# run_expect STATUS LOG cmd...: runs cmd, stderr+stdout to LOG, and fails
# unless it exits with STATUS.
run_expect() {
	local want=$1 log=$2 rc=0
	shift 2
	"$@" >"$log" 2>&1 || rc=$?
	if [ "$rc" != "$want" ]; then
		cat "$log" >&2
		fail "'$*' exited $rc, expected $want"
	fi
}

# json_source_num REPORT SOURCE FIELD: a value from report.json's
# per-source block (.sources.SOURCE.FIELD; nothing when it is missing).
json_source_num() {
	jq -r --arg s "$2" --arg f "$3" '.sources[$s][$f] | select(. != null)' "$1"
}

# json_source_reason REPORT SOURCE REASON: the count of one reject reason
# in that source's rejects_by_reason (0 when absent).
json_source_reason() {
	jq -r --arg s "$2" --arg r "$3" '.sources[$s].rejects_by_reason[$r] // 0' "$1"
}

# check_report_counts REPORT SOURCE...: rows_read = accepted + rejected,
# and the per-reason counts add up to rows_rejected, for each source.
check_report_counts() {
	local rep=$1 s rd ac rj sum
	shift
	jq -e . "$rep" >/dev/null || fail "$rep is not valid JSON"
	for s in "$@"; do
		rd=$(json_source_num "$rep" "$s" rows_read)
		ac=$(json_source_num "$rep" "$s" rows_accepted)
		rj=$(json_source_num "$rep" "$s" rows_rejected)
		[ -n "$rd" ] && [ -n "$ac" ] && [ -n "$rj" ] ||
			fail "report.json: no row counts for $s"
		[ "$rd" -eq $((ac + rj)) ] ||
			fail "report.json: $s rows_read $rd != accepted $ac + rejected $rj"
		sum=$(jq -r --arg s "$s" '[(.sources[$s].rejects_by_reason // {})[]] | add // 0' "$rep")
		[ "$sum" -eq "$rj" ] ||
			fail "report.json: $s rejects_by_reason sums to $sum, rows_rejected is $rj"
	done
}

# label_pids MAP FILE: replaces @label tokens in FILE (stdout) with the
# pid from MAP (CSV: label,id_number,pid; pids computed independently of
# hhmatch, with the test key).
label_pids() {
	awk -F, -v OFS=, '
		NR == FNR { if (FNR > 1) pid[$1] = $3; next }
		{
			for (i = 1; i <= NF; i++)
				if (substr($i, 1, 1) == "@") {
					k = substr($i, 2)
					if (!(k in pid)) { print "unknown label " k > "/dev/stderr"; exit 1 }
					$i = pid[k]
				}
			print
		}' "$1" "$2"
}

# no_secrets_in DIR PATTERNFILE what: fails when any fixed string of
# PATTERNFILE (one per line) occurs in any file under DIR.
no_secrets_in() {
	local hits
	sed '/^$/d' "$2" >"$T/.secrets"
	[ -s "$T/.secrets" ] || fail "$3: empty list of strings to look for"
	if hits=$(grep -rlF -f "$T/.secrets" "$1"); then
		grep -rnoF -f "$T/.secrets" "$1" | head -5 >&2 || true # SIGPIPE when more
		fail "$3: found in $hits"
	fi
}

# csv_awk DELIM 'HANDLER' ['END']: runs awk over the RFC 4180 records on
# stdin (quoted fields may hold the delimiter, doubled quotes and line
# breaks; blank lines are not records; a trailing CR and a leading BOM are
# dropped).  HANDLER runs once per record and sees f[1..nf] (the unquoted
# fields) and rec (the record number, header = 1); END runs at the end.
# Reads extracts without a CSV library (CI has only awk).
csv_awk() {
	awk -v D="$1" '
	function split_rec(s,    i, c, inq, cur, len) {
		nf = 0
		if (index(s, "\"") == 0) { nf = split(s, f, D); if (s == "") nf = 1; return }
		cur = ""; inq = 0; len = length(s)
		for (i = 1; i <= len; i++) {
			c = substr(s, i, 1)
			if (inq) {
				if (c == "\"") {
					if (substr(s, i + 1, 1) == "\"") { cur = cur "\""; i++ }
					else inq = 0
				} else cur = cur c
			} else if (c == "\"") inq = 1
			else if (c == D) { f[++nf] = cur; cur = "" }
			else cur = cur c
		}
		f[++nf] = cur
	}
	function quotes(s,    t) { t = s; return gsub(/"/, "", t) }
	function handle() {
		'"$2"'
	}
	function record() {
		rec++
		if (rec == 1) sub(/^\357\273\277/, "", buf)
		split_rec(buf)
		handle()
	}
	{
		sub(/\r$/, "")
		if (pending) { buf = buf "\n" $0; q += quotes($0) }
		else { if ($0 == "") next; buf = $0; q = quotes($0) }
		if (q % 2) { pending = 1; next }
		pending = 0
		record()
	}
	END {
		if (pending) record()
		'"${3:-}"'
	}'
}

# csv_column DELIM REGEX: the values of the column whose header matches
# REGEX (awk, whole name), from the extract on stdin.
csv_column() {
	HH_RE=$2 csv_awk "$1" '
		if (rec == 1) {
			for (i = 1; i <= nf; i++)
				if (f[i] ~ ("^(" ENVIRON["HH_RE"] ")$")) col = i
		} else if (col && f[col] != "")
			print f[col]'
}

# csv_count DELIM: the number of data records (header excluded) on stdin.
csv_count() {
	csv_awk "$1" '' 'print (rec > 0 ? rec - 1 : 0)'
}

# snapshot PATH...: every file and folder below the paths with its type
# and mode, and for files their size, time and SHA-256, sorted (a missing
# path is listed as such).  Two snapshots compared with assert_file_eq show
# that a refused run changed nothing on disk, not even by rewriting a file
# with the same bytes.
snapshot() {
	local p
	for p in "$@"; do
		if [ ! -e "$p" ]; then
			echo "missing $p"
			continue
		fi
		find "$p" -printf '%y %m %s %T@ %p\n' | sort -k5 | while read -r type mode size t path; do
			if [ "$type" = f ]; then
				echo "$type $mode $size $t $path $(sha256sum <"$path" | cut -c1-64)"
			else
				echo "$type $mode $path"
			fi
		done
	done
}

# assert_refused STATUS WHAT PATTERN PATH... -- cmd...: cmd exits with
# STATUS, its output matches PATTERN (grep -E), and nothing under the
# PATHs changed.  The output is kept in $T/log and $T/refused.WHAT.
assert_refused() {
	local status=$1 what=$2 pat=$3 paths=()
	shift 3
	while [ "$1" != "--" ]; do paths+=("$1"); shift; done
	shift
	snapshot "${paths[@]}" >"$T/.before"
	run_expect "$status" "$T/log" "$@"
	assert_contains "$T/log" "$pat" "$what: message"
	snapshot "${paths[@]}" >"$T/.after"
	assert_file_eq "$T/.before" "$T/.after" "$what: what the refused run could touch"
	cp "$T/log" "$T/refused.$what"
}
