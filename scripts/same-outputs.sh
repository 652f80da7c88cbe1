#!/usr/bin/env bash
# same-outputs.sh - does a refactored hhmatch give the same outputs as the
# binary it replaces?  Runs two builds on the same inputs and compares every
# output, byte for byte where the bytes are the contract.
#
#   scripts/same-outputs.sh OLD_BINARY NEW_BINARY [--quick]
#
# A typical use: build the commit before the refactor and the refactor, then:
#   git worktree add /tmp/old HEAD~1 && /tmp/old/scripts/build.sh
#   scripts/build.sh && scripts/same-outputs.sh /tmp/old/build/hhmatch build/hhmatch
#
# Prints one line per check, "same: ..." or "DIFFERS: ..." (with the first
# lines of the difference indented below it), and exits 1 when anything
# differs, 0 when everything is the same, 2 on a usage or setup error.
# What is compared (OLD's generated months are the input of both binaries):
#  1. gen: 20,000 and 200,000 households, dirty and --clean, and 20,000 with
#     --key --pid-sources: the folders of OLD and NEW, file by file.
#  2. run of each month with --threads 1 and 4: exit codes and every output
#     file; report.json as canonical JSON (jq -S) without its timings and
#     memory sizes, so that it may be written differently; stderr only
#     reported (a "note:" line), not counted.
#  3. two months (202610, 202611) with --state: both runs' outputs with
#     alerts.jsonl, and the state folder.
#  4. audit household / person / findings, plain and --json, over each
#     binary's state, the audit logs (times and hashes blanked) and
#     audit verify-log (must pass on both).
#  5. pseudonymize of the education CSV and the GB18030 housing TSV.
#  6. error cases: a missing source, a key of mode 0644, a bad --period, an
#     unknown option, a truncated gzip, a missing column: exit code and the
#     exact stderr text.
#  7. with PostgreSQL (HH_TEST_PG=1, or PGHOST set and psql reaching it):
#     civil_affairs and medical of a 20,000 month from tables, --pg-out into
#     one database per binary: the outputs as in 2 and the hhmatch.* tables
#     (sorted, without timestamp columns).  Without a server: "skipped".
#
# --quick leaves out the 200,000-household months: about 12 s instead of
# 35 s on a 2-core machine (PostgreSQL included).
# Environment: KEEP=1 keeps the work folder (its path is printed) to look
# at a difference; TMPDIR places it; SEED (7) seeds every generated month.
# To start a throwaway PostgreSQL for step 7:
#   d=$(mktemp -d /tmp/hhmatch-pg.XXXXXX); chmod 755 $d
#   eval "$(scripts/pg-test-server.sh start $d)"   # ... scripts/pg-test-server.sh stop $d
set -eEuo pipefail
# a failing command of the script itself (not of hhmatch): say where
trap 'echo "same-outputs: internal error at line $LINENO: $BASH_COMMAND" >&2; exit 2' ERR

usage() { sed -n '2,11p' "$0" >&2; exit 2; }
die() { echo "same-outputs: $*" >&2; exit 2; }

quick=0
args=()
for a in "$@"; do
	case $a in
	--quick) quick=1 ;;
	-h | --help) usage ;;
	*) args+=("$a") ;;
	esac
done
[ ${#args[@]} -eq 2 ] || usage
OLD=$(realpath "${args[0]}")
NEW=$(realpath "${args[1]}")
for b in "$OLD" "$NEW"; do
	[ -f "$b" ] && [ -x "$b" ] || die "$b: not an executable file"
done
SEED=${SEED:-7}
# sort order and the C library's messages must not depend on the caller
export LC_ALL=C

# jq canonicalises report.json; install it as scripts/setup.sh installs
# packages when it is missing.
if ! command -v jq >/dev/null; then
	echo "same-outputs: installing jq" >&2
	sudo_cmd=""
	[ "$(id -u)" -eq 0 ] || sudo_cmd=sudo
	export DEBIAN_FRONTEND=noninteractive
	{ $sudo_cmd apt-get update -qq && $sudo_cmd apt-get install -y -qq --no-install-recommends jq; } >&2 ||
		die "jq is missing and could not be installed (apt-get install jq)"
fi

# PostgreSQL: decided now, so that a requested but unreachable server stops
# the script before it spends minutes on the rest.
pg=0
if [ "${HH_TEST_PG:-}" = 1 ]; then
	command -v psql >/dev/null || die "HH_TEST_PG=1 but there is no psql"
	psql -XAtq -c 'select 1' >/dev/null || die "HH_TEST_PG=1 but psql -c 'select 1' fails"
	pg=1
elif [ -n "${PGHOST:-}" ] && command -v psql >/dev/null &&
	psql -XAtq -c 'select 1' >/dev/null 2>&1; then
	pg=1
fi

W=$(mktemp -d "${TMPDIR:-/tmp}/same-outputs.XXXXXX")
case $W in *[[:space:]]*) rmdir "$W"; die "TMPDIR has a blank in its path: $W" ;; esac
PGDBS=()
cleanup() {
	local db
	for db in "${PGDBS[@]}"; do
		psql -XAtq -d postgres -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1 || true
	done
	if [ -n "${KEEP:-}" ]; then
		echo "same-outputs: work folder kept: $W" >&2
	else
		rm -rf "$W"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM # (through cleanup)
# Each binary works in its own folder, $W/old and $W/new, and is given
# relative paths for everything it writes: outputs and audit answers that
# name a folder (--out, --state) then print the same text for both.  Inputs
# are absolute paths under $W/months, the same for both.
mkdir -p "$W/old/log" "$W/new/log" "$W/months" "$W/bad"
M=$W/months
start=$SECONDS
nsame=0
ndiff=0

same() { echo "same: $*"; nsame=$((nsame + 1)); }
differs() { echo "DIFFERS: $*"; ndiff=$((ndiff + 1)); }
note() { echo "note: $*"; }
# indent [N]: the first N (8) lines of stdin, indented and cut at 300
# characters; reads all of stdin, so that no writer dies of SIGPIPE
indent() { awk -v n="${1:-8}" 'NR <= n { print "    " substr($0, 1, 300) }'; }
# showdiff A B [N]: the first lines of diff A B (never fails: with
# set -e and pipefail, diff's exit 1 would end the script)
showdiff() { { diff -a "$1" "$2" || true; } | indent "${3:-8}"; }
section() { echo "-- $* ($((SECONDS - start)) s)"; }

# hh SIDE NAME ARGS...: SIDE's binary (old or new) with ARGS, in $W/SIDE;
# stdout, stderr and the exit code go to $W/SIDE/log/NAME.{out,err,rc}.
# Never fails: the exit code is something to compare.
hh() {
	local side=$1 name=$2 bin=$OLD rc=0
	shift 2
	[ "$side" = new ] && bin=$NEW
	(cd "$W/$side" && "$bin" "$@" >"log/$name.out" 2>"log/$name.err") || rc=$?
	echo "$rc" >"$W/$side/log/$name.rc"
}
# both NAME ARGS...: hh old and hh new
both() { hh old "$@"; hh new "$@"; }

# check_exit NAME WHAT [EXPECTED]: the two exit codes are equal (and
# EXPECTED, default 0: when both fail alike, the comparison of their
# outputs would prove nothing).  Stderr is only reported: a change in a
# progress or summary line is no change of the outputs.
check_exit() {
	local name=$1 what=$2 want=${3:-0} o n
	o=$(cat "$W/old/log/$name.rc")
	n=$(cat "$W/new/log/$name.rc")
	if [ "$o" != "$n" ]; then
		differs "$what: exit code $o (old) vs $n (new)"
		indent 4 <"$W/new/log/$name.err"
	elif [ "$o" != "$want" ]; then
		differs "$what: both exited $o, expected $want"
		indent 4 <"$W/old/log/$name.err"
	else
		cmp -s "$W/old/log/$name.err" "$W/new/log/$name.err" ||
			{ note "$what: stderr differs (not counted)"; showdiff "$W/old/log/$name.err" "$W/new/log/$name.err" 6; }
	fi
}

# blank_head FILE: FILE with the audit log's head hash blanked (it covers
# the records' times, so two runs never share it)
blank_head() { sed -E 's/(sha256[ :"]+)[0-9a-f]{64}/\1(hash)/g' "$1"; }

# check_answer NAME WHAT [EXPECTED]: exit codes, stdout and stderr all equal
# (for the commands whose messages are the contract: errors, audits).
check_answer() {
	local name=$1 what=$2 want=${3:-0} o n f
	o=$(cat "$W/old/log/$name.rc")
	n=$(cat "$W/new/log/$name.rc")
	if [ "$o" != "$n" ] || [ "$o" != "$want" ]; then
		differs "$what: exit code $o (old), $n (new), expected $want"
		indent 4 <"$W/new/log/$name.err"
		return
	fi
	for f in out err; do
		if ! cmp -s <(blank_head "$W/old/log/$name.$f") <(blank_head "$W/new/log/$name.$f"); then
			differs "$what: std$f differs"
			showdiff <(blank_head "$W/old/log/$name.$f") <(blank_head "$W/new/log/$name.$f")
			return
		fi
	done
	same "$what (exit $o)"
}

# The JSON filter for report.json: keys sorted, numbers as numbers, and the
# keys that vary from run to run removed wherever they are: per-source
# "seconds", "timings_seconds", and the memory sizes "table_bytes" and
# "duplicate_set_bytes" (sized by the implementation, not by the data).
JQ_REPORT='walk(if type == "object" then del(.seconds, .timings_seconds, .table_bytes, .duplicate_set_bytes) else . end)'
canon_report() { jq -S "$JQ_REPORT" "$@"; }
# canon_file FILE: canon_report of a file that NEW may have broken: a
# message instead of a failure
canon_file() { canon_report "$1" 2>&1 || echo "(not valid JSON)"; }

# manifest.json lists every output's size and SHA-256: report.json's vary
# with its timings (compared above without them), so its entry is dropped;
# every other entry must be equal.
JQ_MANIFEST='.outputs |= map(select(.name != "report.json"))'
canon_manifest() { jq -S "$JQ_MANIFEST" "$1" 2>&1 || echo "(not valid JSON)"; }

# file_diff A B: the first lines of the difference of two output files,
# report.json as it is compared, gzip files by their first differing byte
file_diff() {
	case $1 in
	*report.json) showdiff <(canon_file "$1") <(canon_file "$2") ;;
	*manifest.json) showdiff <(canon_manifest "$1") <(canon_manifest "$2") ;;
	*.gz) { cmp "$1" "$2" 2>&1 || true; } | indent 1 ;;
	*) showdiff "$1" "$2" ;;
	esac
}

# listing DIR: every entry's type, mode and relative path, sorted
listing() { (cd "$1" && find . -printf '%y %m %P\n' | sort); }

# compare_dirs WHAT A B: the same entries (names, types, modes), every file
# byte for byte, except report.json: canonical and without volatile keys.
compare_dirs() {
	local what=$1 a=$2 b=$3 f n=0 bad=()
	for f in "$a" "$b"; do
		[ -d "$f" ] || { differs "$what: no folder $f"; return; }
	done
	if ! diff <(listing "$a") <(listing "$b") >"$W/listing.diff"; then
		differs "$what: the files (names, types or modes) differ (< old, > new)"
		indent <"$W/listing.diff"
		return
	fi
	while IFS= read -r f; do
		n=$((n + 1))
		case ${f##*/} in
		report.json)
			cmp -s <(canon_file "$a/$f") <(canon_file "$b/$f") || bad+=("$f") ;;
		manifest.json)
			cmp -s <(canon_manifest "$a/$f") <(canon_manifest "$b/$f") || bad+=("$f") ;;
		*)
			cmp -s "$a/$f" "$b/$f" || bad+=("$f") ;;
		esac
	done < <(cd "$a" && find . -type f -printf '%P\n' | sort)
	if [ ${#bad[@]} -eq 0 ]; then
		same "$what ($n files)"
	else
		differs "$what: ${bad[*]}"
		for f in "${bad[@]}"; do
			echo "    $f (< old, > new):"
			file_diff "$a/$f" "$b/$f" | sed 's/^/  /'
		done
	fi
}

# gen_month NAME GEN_ARGS...: `gen` with both binaries; the two folders
# must be identical; OLD's becomes $M/NAME, the input of every later run.
gen_month() {
	local name=$1
	shift
	both "gen-$name" gen --out "gen-$name" "$@"
	check_exit "gen-$name" "gen $name"
	compare_dirs "gen $name" "$W/old/gen-$name" "$W/new/gen-$name"
	mv "$W/old/gen-$name" "$M/$name"
	rm -rf "$W/new/gen-$name" # the 200,000 months are 130 MB each
}

# run_month NAME: `run` of month NAME with both binaries at --threads 1
# and 4 (more workers than cores: the scheduling differs most from 1).
run_month() {
	local name=$1 t
	for t in 1 4; do
		both "run-$name-t$t" run --config "$M/$name/hhmatch.conf" --key "$KEY" \
			--period 202611 --out "run-$name-t$t" --threads "$t" --quiet
		check_exit "run-$name-t$t" "run $name --threads $t"
		compare_dirs "run $name --threads $t" "$W/old/run-$name-t$t" "$W/new/run-$name-t$t"
	done
}

months=(dirty-20000 clean-20000)
[ $quick = 1 ] || months+=(dirty-200000 clean-200000)
months+=(pids-20000)

# ---------------------------------------------------------------- keygen
# keygen is random: only its form is compared (a 0600 file of 64 hex
# digits and a newline, the message with the key_id blanked).  The runs
# use a fixed key instead, so that the pids in a difference are the same
# from one invocation of this script to the next.
section "keygen"
both keygen keygen --out month.key
for s in old new; do
	k=$W/$s/month.key
	if [ -f "$k" ] && [ "$(stat -c %a "$k")" = 600 ] && [ "$(wc -c <"$k")" = 65 ] &&
		grep -qxE '[0-9a-f]{64}' "$k"; then
		echo "$s: a key"
	else
		echo "$s: not a key of mode 0600, 64 hex digits and a newline"
	fi
	sed -Ei 's/key_id [0-9a-f]{8}/key_id X/' "$W/$s/log/keygen.out"
done >"$W/keygen.form"
if grep -q 'not a key' "$W/keygen.form"; then
	differs "keygen: $(grep 'not a key' "$W/keygen.form")"
else
	check_answer keygen "keygen (the key's form; the message with key_id blanked)"
fi
KEY=$W/month.key
(umask 077 && printf 'hhmatch same-outputs' | sha256sum | cut -c1-64 >"$KEY")
# the audit key that seals the audit log's records, for both binaries as a
# scheduler gives it (a binary from before sealed records ignores it)
export HHMATCH_AUDIT_KEY=$W/audit.key
(umask 077 && printf 'hhmatch same-outputs audit' | sha256sum | cut -c1-64 >"$HHMATCH_AUDIT_KEY")

# ---------------------------------------------------------------- 1. gen
section "1. gen"
gen_month dirty-20000 --households 20000 --seed "$SEED"
gen_month clean-20000 --households 20000 --seed "$SEED" --clean
if [ $quick = 0 ]; then
	gen_month dirty-200000 --households 200000 --seed "$SEED"
	gen_month clean-200000 --households 200000 --seed "$SEED" --clean
fi
gen_month pids-20000 --households 20000 --seed "$SEED" --key "$KEY" --pid-sources

# ---------------------------------------------------------------- 2. run
section "2. run"
for m in "${months[@]}"; do
	run_month "$m"
done

# ---------------------------------------------------------------- 3. --state
# October is generated with the same seed for period 202610; November is
# dirty-20000 (gen's default period is 202611).
section "3. month over month"
gen_month dirty-20000-202610 --households 20000 --seed "$SEED" --period 202610
for p in 202610 202611; do
	mdir=$M/dirty-20000-202610
	[ $p = 202611 ] && mdir=$M/dirty-20000
	both "mom-$p" run --config "$mdir/hhmatch.conf" --key "$KEY" --period "$p" \
		--out "mom-$p" --state state --threads 2 --quiet
	check_exit "mom-$p" "run $p --state"
	compare_dirs "run $p --state (outputs with alerts.jsonl)" "$W/old/mom-$p" "$W/new/mom-$p"
done
# before the audits, which add audit.log to the state
compare_dirs "state folder after 202610 and 202611" "$W/old/state" "$W/new/state"

# ---------------------------------------------------------------- 4. audit
# The subjects come from OLD's November: a flagged household that also
# has findings (every section of the answer filled), and the pid of the
# first A_DECEASED finding (on the roster, with source rows).
section "4. audit"
nov=$W/old/mom-202611
hid=$(awk -F, 'NR == FNR { if (FNR > 1) f[$3] = 1; next } FNR > 1 && ($1 in f) { print $1; exit }' \
	"$nov/findings.csv" "$nov/flags.csv")
pid=$(awk -F, '$1 == "A_DECEASED" { print $4; exit }' "$nov/findings.csv")
[ -n "$hid" ] && [ -n "$pid" ] || die "no household or pid to audit in $nov"
AU=(--state state --purpose test --operator tester)
# NAME|QUERY: K in QUERY stands for the key file (shorter check lines)
queries=(
	"household|household --household $hid --key K"
	"person-key|person --pid $pid --key K"
	"person|person --pid $pid"
	"findings-deceased|findings --code A_DECEASED"
	"findings-deceased-640104|findings --code A_DECEASED --region 640104"
	"findings-discovery-64|findings --code X_DISCOVERY --region 64"
)
for q in "${queries[@]}"; do
	name=${q%%|*}
	read -r -a qargs <<<"${q#*|}"
	for i in "${!qargs[@]}"; do
		[ "${qargs[$i]}" != K ] || qargs[$i]=$KEY
	done
	for json in "" --json; do
		both "audit-$name$json" audit "${qargs[@]}" "${AU[@]}" $json
		# the answers hold no clock time, so they are compared as they are
		check_answer "audit-$name$json" "audit ${q#*|}${json:+ $json}"
	done
done
# audit.log: one record per query with its time and a hash chain and mac
# over the times, so those are blanked; the rest (operator, purpose,
# query, pids, audit_key_id, order) must be the same.  verify-log must
# pass on both.
blank_log() {
	[ -f "$1" ] || { echo "(no audit.log)"; return 0; }
	sed -E 's/"time":"[^"]*"/"time":"T"/; s/"(prev_sha256|sha256|mac)":"[0-9a-f]{64}"/"\1":"H"/g' "$1"
}
if cmp -s <(blank_log "$W/old/state/audit.log") <(blank_log "$W/new/state/audit.log") &&
	[ -s "$W/old/state/audit.log" ]; then
	same "audit.log ($(wc -l <"$W/old/state/audit.log") records; times and hashes blanked)"
else
	differs "audit.log (times and hashes blanked)"
	showdiff <(blank_log "$W/old/state/audit.log") <(blank_log "$W/new/state/audit.log")
fi
both verify-log audit verify-log --state state
for s in old new; do
	sed -Ei 's/[0-9a-f]{64}/H/g' "$W/$s/log/verify-log.out" # the head hash covers the times
done
check_answer verify-log "audit verify-log (head hash blanked)"

# ---------------------------------------------------------------- 5. pseudonymize
section "5. pseudonymize"
for s in education:education.csv housing:housing.tsv; do
	src=${s%%:*}
	mkdir "$W/old/pseudo-$src" "$W/new/pseudo-$src" # it writes into a folder that exists
	both "pseudo-$src" pseudonymize --key "$KEY" --source "$src" --in "$M/dirty-20000/${s#*:}" \
		--out "pseudo-$src/out" --period 202611
	check_answer "pseudo-$src" "pseudonymize $src (messages)"
	compare_dirs "pseudonymize $src (output and rejects)" "$W/old/pseudo-$src" "$W/new/pseudo-$src"
done

# ---------------------------------------------------------------- 6. errors
section "6. error cases"
cp "$KEY" "$W/bad/open.key"
chmod 644 "$W/bad/open.key"
dm=$M/dirty-20000
f=$(stat -c %s "$dm/medical.csv.gz")
head -c $((f / 2)) "$dm/medical.csv.gz" >"$W/bad/medical.csv.gz"
sed '1s/id_number/idnum/' "$dm/education.csv" >"$W/bad/education.csv"
RUN=(run --config "$dm/hhmatch.conf" --out err-out --threads 2 --quiet)
errors=(
	"missing-source|2|--key $KEY --period 202611 --education $dm/no-such-file.csv"
	"key-0644|2|--key $W/bad/open.key --period 202611"
	"bad-period|1|--key $KEY --period 202613"
	"unknown-option|1|--key $KEY --period 202611 --no-such-option"
	"truncated-gzip|2|--key $KEY --period 202611 --medical $W/bad/medical.csv.gz"
	"missing-column|2|--key $KEY --period 202611 --education $W/bad/education.csv"
)
for e in "${errors[@]}"; do
	IFS='|' read -r name want rest <<<"$e"
	read -r -a eargs <<<"$rest"
	both "err-$name" "${RUN[@]}" "${eargs[@]}"
	check_answer "err-$name" "error: $name" "$want"
	# all or nothing: a failed run publishes no output folder
	for s in old new; do
		[ ! -e "$W/$s/err-out" ] || differs "error: $name: $s left err-out behind"
		rm -rf "$W/$s/err-out"
	done
done

# ---------------------------------------------------------------- 7. PostgreSQL
section "7. PostgreSQL"
if [ $pg = 0 ]; then
	echo "skipped: PostgreSQL (no server: set HH_TEST_PG=1 or PGHOST)"
else
	unset PGAPPNAME PGOPTIONS
	db=hh_same_$$_$(date +%s)
	PGDBS=("${db}_src" "${db}_old" "${db}_new")
	for d in "${PGDBS[@]}"; do
		psql -XAtq -v ON_ERROR_STOP=1 -d postgres -c "CREATE DATABASE $d" >/dev/null
	done
	sql() { psql -XAtq -v ON_ERROR_STOP=1 -d "$@"; }
	# The clean month: a dirty one has records with the wrong number of
	# fields, which cannot live in a table (tests/it_pg.sh drops them).
	pm=$M/clean-20000
	for s in civil_affairs medical; do
		f=$pm/$s.csv
		[ -f "$f" ] || f=$f.gz
		# (sed -n 1p, not head: head would end gzip with SIGPIPE)
		cols=$(gzip -dcf "$f" | sed -n '1{s/\r$//; s/,/" text, "/g; s/^/"/; s/$/" text/; p}')
		sql "${db}_src" -c "CREATE TABLE $s ($cols)"
		gzip -dcf "$f" | sql "${db}_src" -c "\\copy $s FROM pstdin WITH (FORMAT csv, HEADER true)"
	done
	U=postgresql:///${db}_src
	# --state too, so that the store's alert_outbox is filled and compared
	for t in 1 4; do
		for s in old new; do
			hh "$s" "pg-t$t" run --config "$pm/hhmatch.conf" --key "$KEY" --period 202611 \
				--civil-affairs "$U?table=civil_affairs" --medical "$U?table=medical" \
				--pg-out "postgresql:///${db}_$s" --state pg-state \
				--out "pg-t$t" --threads "$t" --quiet
		done
		check_exit "pg-t$t" "run from PostgreSQL --threads $t"
		compare_dirs "run from PostgreSQL --threads $t" "$W/old/pg-t$t" "$W/new/pg-t$t"
	done
	compare_dirs "state folder of the PostgreSQL runs" "$W/old/pg-state" "$W/new/pg-state"
	# store_dump DB: every hhmatch.* table, rows sorted, without the columns
	# of type timestamp (when applied, published, created); runs.report and
	# runs.manifest as report.json and manifest.json are compared (the
	# signature, when there is one, signs the manifest's exact bytes).
	store_dump() {
		local t cols
		for t in $(sql "$1" -c "SELECT table_name FROM information_schema.tables
				WHERE table_schema = 'hhmatch' ORDER BY 1"); do
			cols=$(sql "$1" -c "SELECT string_agg(quote_ident(column_name), ', ' ORDER BY ordinal_position)
				FROM information_schema.columns WHERE table_schema = 'hhmatch' AND table_name = '$t'
				AND data_type NOT LIKE 'timestamp%'
				AND NOT (table_name = 'runs' AND column_name IN ('report', 'manifest', 'manifest_sig'))")
			echo "== hhmatch.$t: $cols"
			sql "$1" -c "SELECT $cols FROM hhmatch.$t" | sort
			if [ "$t" = runs ]; then
				echo "== hhmatch.runs.report"
				sql "$1" -c "SELECT report FROM hhmatch.runs ORDER BY period" | canon_report
				echo "== hhmatch.runs.manifest"
				sql "$1" -c "SELECT manifest FROM hhmatch.runs WHERE manifest IS NOT NULL ORDER BY period" |
					jq -S "$JQ_MANIFEST"
			fi
		done
	}
	store_dump "${db}_old" >"$W/store.old"
	store_dump "${db}_new" >"$W/store.new"
	if cmp -s "$W/store.old" "$W/store.new"; then
		same "PostgreSQL store: $(grep -c '^== hhmatch\.[a-z_]*:' "$W/store.old") tables, $(grep -vc '^==' "$W/store.old") lines"
	else
		differs "PostgreSQL store (< old, > new)"
		showdiff "$W/store.old" "$W/store.new"
	fi
fi

# ---------------------------------------------------------------- summary
echo
if [ $ndiff -eq 0 ]; then
	echo "same-outputs: all $nsame checks same ($((SECONDS - start)) s)"
	exit 0
fi
echo "same-outputs: $ndiff of $((nsame + ndiff)) checks DIFFER ($((SECONDS - start)) s)"
exit 1
