#!/usr/bin/env bash
# it_mpi.sh - `hhmatch run --mpi` across the ranks of `mpirun -np N` gives
# byte for byte the outputs of one process, fails as one process fails,
# and publishes nothing when a rank dies.
#
# Rank 0 reads the roster and writes everything; every rank reads the
# other sources but parses only its chunks of records (chunk k of
# HH_MPI_CHUNK_ROWS records, default 8192, is rank k mod N's), and rows
# travel to the rank owning their pid (docs/distributed.md).  Chunks of 7
# and of 1 record put a chunk boundary (and so a change of rank) on every
# repeat, typo, malformed row, quoted line break and encoding error; the
# default chunks leave small sources to rank 0 alone.  Checked, against
# one process (`--threads 1`, no --mpi):
#  - a dirty generated month (two-member gzip, GB18030 TSV, CRLF, BOM,
#    repeats, typos to repair, linkage, malformed rows) at 1, 2, 3 and 4
#    ranks, default chunks and chunks of 7 (and of 1 at 2 ranks, and two
#    threads a rank at 3): every file of --out, read as follows.  CSVs,
#    caseworkers.xlsx, report.html, alerts.jsonl: byte for byte.
#    report.json: without its timings, sizes and thread count (it_morsel's
#    JQ), keys in the same order.  manifest.json: byte for byte but for the
#    sha256 and bytes of report.json (timings) and .hhmatch-run (it names
#    the run's temporary folder), which are compared as just said.
#    .hhmatch-run: its temporary's random name masked.  The same files in
#    both folders, no lock or temporary left beside them, and no message
#    from any rank that one process does not print;
#  - a skewed month (rows out of person order, medical dominant), a month
#    of pid extracts (gen --pid-sources) and the dirty month with its
#    medical extract put through `hhmatch pseudonymize` (pid rows beside
#    raw rows, repair_pids and name_key to repair and link), at 2 and 3
#    ranks, default chunks and chunks of 7;
#  - two consecutive months with --state at 3 ranks (chunks of 7): both
#    months' outputs, alerts.jsonl with new, resolved and escalated alerts,
#    and every file of the state folder, as with one process;
#  - `run --mpi` started without mpirun (a job of one rank): the reference
#    outputs; in a build without MPI it is refused (exit 1, "built without
#    MPI") and the test is skipped, as it is without mpirun;
#  - failures at 3 ranks, as one process fails: a gzip source cut short,
#    and a pid extract whose key_id changes at a late row (chunk sizes
#    putting that row on each rank): the same exit status and the same
#    hhmatch lines on stderr (so printed once, not once per rank), no
#    --out and nothing beside it; --out refused (a folder hhmatch did not
#    write): exit 1, the same message once, nothing changed; a bad
#    HH_MPI_CHUNK_ROWS (passed with mpirun -x): exit 1, named once;
#  - a rank killed (kill -9 of rank 1, once as soon as it exists and once
#    when it has an input open) during a bigger month: mpirun exits
#    non-zero and reports the kill, --out is never created, no process of
#    the job is left, and the next run with that --out publishes the
#    month and leaves nothing beside it.  The killed job itself mostly
#    leaves nothing either: mpirun ends the other ranks with SIGTERM, then
#    SIGKILL, and rank 0, waiting on the dead rank, stops waiting at the
#    signal (comm.c, wait_for) and removes its temporary folder and lock
#    as a single run given SIGTERM does (it_signal.sh); but mpirun's
#    SIGKILL may come first, and then they are left as after a kill -9
#    (it_kill.sh): noted, not failed.  A run that finished before
#    the kill landed fails the test.
# Every mpirun is under `timeout`: a rank that hangs fails the test.
# Skipped (77) without mpirun or in a build without MPI.
#   bash tests/e2e/it_mpi.sh build/hhmatch
. "$(dirname "$0")/../lib.sh" "$@"

command -v mpirun >/dev/null || { echo "skip: no mpirun on PATH" >&2; exit 77; }
command -v timeout >/dev/null || fail "timeout (coreutils) is needed"

unset HH_MPI_CHUNK_ROWS HH_MORSEL_ROWS
# mpirun as root (containers, CI), no CMA between ranks (containers often
# forbid process_vm_readv), more ranks than cores
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMPI_MCA_btl_vader_single_copy_mechanism=none OMPI_MCA_rmaps_base_oversubscribe=1
# Under ASan (scripts/test.sh exports ASAN_OPTIONS for that build): what
# Open MPI keeps past MPI_Finalize on purpose is suppressed
# (lsan-mpi.supp), which needs whole stacks and components that stay
# loaded for its patterns to match; hhmatch's own leaks are still leaks.
if [ -n "${ASAN_OPTIONS:-}" ]; then
	export ASAN_OPTIONS="$ASAN_OPTIONS:fast_unwind_on_malloc=0"
	export LSAN_OPTIONS="suppressions=$(cd "$(dirname "$0")" && pwd)/lsan-mpi.supp:fast_unwind_on_malloc=0"
	export OMPI_MCA_mca_base_component_disable_dlclose=1
fi
# Under TSan (scripts/test.sh runs the threaded tests there): the ranks'
# own threads (rank 0's roster worker beside the main thread, the parse
# threads, the household threads) are what is checked, on the dirty month
# at 2 and 3 ranks with several threads each; the shared-memory transport
# only (Open MPI's TCP transport takes its locks in an order TSan reports
# inside MPI_Init).
TSAN_ONLY=""
if [ -n "${TSAN_OPTIONS:-}" ]; then
	TSAN_ONLY=1
	export OMPI_MCA_btl=self,vader
fi
HH_EXE=$(readlink -f "$HH")

make_key "$T/key"
JQ='walk(if type == "object" then del(.seconds, .timings_seconds, .table_bytes, .duplicate_set_bytes) else . end) | del(.threads)'
# manifest.json but for the two files whose bytes are not comparable
MJQ='.outputs |= map(if .name == "report.json" or .name == ".hhmatch-run" then del(.sha256, .bytes) else . end)'

# what a failed assertion leaves running is killed by its pid: JOBS,
# timeout's process groups (mpirun in them), RANKS, the ranks seen (each
# rank is a process group of its own)
JOBS="" RANKS=""
on_exit 'for p in $JOBS; do kill -9 -- "-$p" 2>/dev/null; done; for p in $RANKS; do kill -9 "$p" 2>/dev/null; done'

# hh_lines LOG: hhmatch's own lines of a log (mpirun's banners left out)
hh_lines() { grep '^hhmatch' "$1" || true; }

# mpi NP CHUNK LOG hhmatch-args...: `mpirun -np NP hhmatch ARGS` with
# HH_MPI_CHUNK_ROWS=CHUNK given to every rank (default: unset), stdout and
# stderr to LOG, at most 120 s; its exit status in MRC.
mpi() {
	local np=$1 chunk=$2 log=$3
	shift 3
	local t0
	MRC=0
	t0=$(date +%s)
	if [ "$chunk" = default ]; then
		timeout -k 10 120 mpirun --oversubscribe -np "$np" "$HH" "$@" >"$log" 2>&1 || MRC=$?
	else
		HH_MPI_CHUNK_ROWS=$chunk timeout -k 10 120 mpirun --oversubscribe -np "$np" \
			-x HH_MPI_CHUNK_ROWS "$HH" "$@" >"$log" 2>&1 || MRC=$?
	fi
	if [ "$MRC" = 124 ] || [ $(($(date +%s) - t0)) -ge 119 ]; then
		cat "$log" >&2
		fail "mpirun -np $np (chunks $chunk) still running after 120 s: $*"
	fi
	return 0
}

# same_run REF OUT WHAT: every file of the run folder OUT compares with
# REF's as the header says; lists every file that differs (with cmp's
# answer and the first differing lines) before failing.
same_run() {
	local ref=$1 out=$2 what=$3 f b bad=""
	(cd "$ref" && ls -A) >"$T/.ls.ref"
	(cd "$out" && ls -A) >"$T/.ls.out"
	assert_file_eq "$T/.ls.ref" "$T/.ls.out" "$what: the files of --out"
	while read -r b; do
		f=$ref/$b
		case $b in
		report.json)
			jq "$JQ" "$f" >"$T/.a" && jq "$JQ" "$out/$b" >"$T/.b" || fail "$what: $b is not JSON"
			;;
		manifest.json)
			jq "$MJQ" "$f" >"$T/.a" && jq "$MJQ" "$out/$b" >"$T/.b" || fail "$what: $b is not JSON"
			;;
		.hhmatch-run)
			sed -E 's/^made in \..*\.tmp-[A-Za-z0-9]+$/made in (temporary)/' "$f" >"$T/.a"
			sed -E 's/^made in \..*\.tmp-[A-Za-z0-9]+$/made in (temporary)/' "$out/$b" >"$T/.b"
			;;
		*)
			cp "$f" "$T/.a"
			cp "$out/$b" "$T/.b"
			;;
		esac
		if ! cmp -s "$T/.a" "$T/.b"; then
			bad="$bad $b"
			{
				echo "== $what: $b differs: $(cmp "$T/.a" "$T/.b" 2>&1 | sed "s|$T/.a|reference|; s|$T/.b|mpi|")"
				case $b in
				*.xlsx) ;;
				*)
					diff "$T/.a" "$T/.b" >"$T/.d" || true
					head -8 "$T/.d"
					;;
				esac
			} >&2
		fi
	done <"$T/.ls.ref"
	[ -z "$bad" ] || fail "$what: differs from one process:$bad"
}

# same_messages REFLOG LOG WHAT: the same hhmatch lines as one process
same_messages() {
	hh_lines "$1" >"$T/.m1"
	hh_lines "$2" >"$T/.m2"
	if ! cmp -s "$T/.m1" "$T/.m2"; then
		echo "== whole log of the mpirun:" >&2
		cat "$2" >&2
	fi
	assert_file_eq "$T/.m1" "$T/.m2" "$3: hhmatch's messages"
}

# matrix NAME CONF CASES... : the month's config run by one process into
# $T/NAME-ref, then under mpirun for each case NP:CHUNK:THREADS, each
# compared with it
matrix() {
	local name=$1 conf=$2 c np chunk th o
	shift 2
	run_expect 0 "$T/$name-ref.log" "$HH" run --config "$conf" --key "$T/key" \
		--out "$T/$name-ref" --threads 1 --quiet
	for c in "$@"; do
		IFS=: read -r np chunk th <<<"$c"
		o=$T/$name-np$np-c$chunk-t$th
		mpi "$np" "$chunk" "$o.log" run --mpi --config "$conf" --key "$T/key" --out "$o" \
			--threads "$th" --quiet
		[ "$MRC" = 0 ] || { cat "$o.log" >&2; fail "$name: mpirun -np $np (chunks $chunk) exited $MRC"; }
		same_messages "$T/$name-ref.log" "$o.log" "$name, np $np, chunks $chunk"
		same_run "$T/$name-ref" "$o" "$name, mpirun -np $np, chunks of $chunk, $th thread(s) a rank"
	done
	# only rank 0 writes, and it leaves no lock or temporary beside --out
	o=$(cd "$T" && ls -A | grep -E "^\.$name-.*\.(lock|tmp-.*)\$" || true)
	assert_eq "" "$o" "$name: left beside the run folders"
	note "$name: $# runs under mpirun as one process"
}

# --- the dirty month; --mpi without mpirun (and the skip) ---------------
run_expect 0 "$T/gen.log" "$HH" gen --out "$T/dirty" --households 2500 --seed 99 --key "$T/key"
run_expect 0 "$T/dirty-ref.log" "$HH" run --config "$T/dirty/hhmatch.conf" --key "$T/key" \
	--out "$T/dirty-ref" --threads 1 --quiet
grep -q duplicate_row "$T/dirty-ref/rejects.csv" || fail "the dirty month has no repeat to check"
grep -q column_count "$T/dirty-ref/rejects.csv" || fail "the dirty month has no malformed row"
for f in households.csv flags.csv findings.csv rejects.csv explain.csv report.json manifest.json \
	caseworkers.xlsx report.html; do
	[ -s "$T/dirty-ref/$f" ] || fail "the reference run has no $f"
done

rc=0
timeout -k 10 120 "$HH" run --mpi --config "$T/dirty/hhmatch.conf" --key "$T/key" \
	--out "$T/dirty-single" --threads 1 --quiet >"$T/single.log" 2>&1 || rc=$?
if [ "$rc" = 1 ] && grep -q "built without MPI" "$T/single.log"; then
	[ ! -e "$T/dirty-single" ] || fail "a refused --mpi run wrote --out"
	echo "skip: $(hh_lines "$T/single.log" | head -1)" >&2
	exit 77
fi
[ "$rc" = 0 ] || { cat "$T/single.log" >&2; fail "run --mpi without mpirun exited $rc"; }
same_messages "$T/dirty-ref.log" "$T/single.log" "--mpi without mpirun"
same_run "$T/dirty-ref" "$T/dirty-single" "run --mpi without mpirun"

rm -rf "$T/dirty-ref"
if [ -n "$TSAN_ONLY" ]; then
	matrix dirty "$T/dirty/hhmatch.conf" 2:50:3 3:7:2
	echo "it_mpi: ok (under TSan: the dirty month at 2 and 3 ranks, threads 3 and 2)"
	exit 0
fi
matrix dirty "$T/dirty/hhmatch.conf" 1:default:1 1:7:1 2:default:1 2:7:1 2:1:1 \
	3:default:1 3:7:1 3:7:2 4:default:1 4:7:1

# --- skewed, pid extracts, pid beside raw -------------------------------
run_expect 0 "$T/gen2.log" "$HH" gen --out "$T/skew" --households 800 --seed 99 --key "$T/key" \
	--clean --shape skewed
matrix skew "$T/skew/hhmatch.conf" 2:default:1 2:7:1 3:default:1 3:7:1

run_expect 0 "$T/gen3.log" "$HH" gen --out "$T/pidm" --households 1500 --seed 12 --key "$T/key" \
	--pid-sources
matrix pid "$T/pidm/hhmatch.conf" 2:default:1 2:7:1 3:default:1 3:7:1

X=$T/mixed
cp -r "$T/dirty" "$X"
run_expect 0 "$T/ps.log" "$HH" pseudonymize --key "$T/key" --source medical \
	--in "$X/medical.csv.gz" --out "$X/medical.pid.csv" --period 202611
rm "$X/medical.csv.gz"
sed -i 's/^medical = .*/medical = medical.pid.csv/' "$X/hhmatch.conf"
csv_column , repair_pids <"$X/medical.pid.csv" | grep . >/dev/null ||
	fail "the pseudonymised medical extract has no row to repair"
matrix mixed "$X/hhmatch.conf" 2:default:1 2:7:1 3:default:1 3:7:1

# --- two months with --state --------------------------------------------
run_expect 0 "$T/gen4.log" "$HH" gen --out "$T/oct" --households 1500 --seed 31 --period 202610 \
	--key "$T/key" --clean
cp -r "$T/oct" "$T/nov"
sed -i 's/^period = .*/period = 202611/' "$T/nov/hhmatch.conf"
# November: households ending in 0 or 5 get a high income (resolved),
# those ending in 3 none (new or escalated); every 9th housing row goes
awk -F, -v OFS=, 'NR > 1 && $1 ~ /[05]$/ { $6 = "900000.00" } NR > 1 && $1 ~ /3$/ { $6 = "0.00" } 1' \
	"$T/oct/civil_affairs.csv" >"$T/nov/civil_affairs.csv"
awk 'NR == 1 || NR % 9' "$T/oct/housing.csv" >"$T/nov/housing.csv"
for m in oct nov; do
	run_expect 0 "$T/st1-$m.log" "$HH" run --config "$T/$m/hhmatch.conf" --key "$T/key" \
		--out "$T/st1-$m" --state "$T/st1" --threads 1 --quiet
done
for k in new resolved escalated; do
	grep -q "\"kind\":\"$k\"" "$T/st1-nov/alerts.jsonl" || fail "november has no $k alert to compare"
done
for m in oct nov; do
	mpi 3 7 "$T/st3-$m.log" run --mpi --config "$T/$m/hhmatch.conf" --key "$T/key" \
		--out "$T/st3-$m" --state "$T/st3" --threads 1 --quiet
	[ "$MRC" = 0 ] || { cat "$T/st3-$m.log" >&2; fail "--state, $m: mpirun exited $MRC"; }
	same_messages "$T/st1-$m.log" "$T/st3-$m.log" "--state, $m"
	same_run "$T/st1-$m" "$T/st3-$m" "--state, $m, mpirun -np 3"
done
(cd "$T/st1" && find . | sort) >"$T/st1.ls"
(cd "$T/st3" && find . | sort) >"$T/st3.ls"
assert_file_eq "$T/st1.ls" "$T/st3.ls" "the state folder's files"
while read -r f; do
	[ -f "$T/st1/$f" ] || continue
	case $f in
	*/report.json)
		jq "$JQ" "$T/st1/$f" >"$T/.a"
		jq "$JQ" "$T/st3/$f" >"$T/.b"
		assert_file_eq "$T/.a" "$T/.b" "--state: $f"
		;;
	*) cmp "$T/st1/$f" "$T/st3/$f" || fail "--state: $f differs under mpirun -np 3" ;;
	esac
done <"$T/st1.ls"
note "--state: two months at 3 ranks as one process"

# --- failures -----------------------------------------------------------
# fails_alike NAME STATUS CONF [CHUNK...]: one process and mpirun -np 3
# (each chunk size) exit STATUS with the same messages, and leave nothing
# where --out would be
fails_alike() {
	local name=$1 want=$2 conf=$3 chunk
	shift 3
	mkdir "$T/$name"
	run_expect "$want" "$T/$name-ref.log" "$HH" run --config "$conf" --key "$T/key" \
		--out "$T/$name/out" --threads 1 --quiet
	assert_eq "" "$(ls -A "$T/$name")" "$name, one process: left beside --out"
	for chunk in "$@"; do
		mpi 3 "$chunk" "$T/$name-$chunk.log" run --mpi --config "$conf" --key "$T/key" \
			--out "$T/$name/out" --threads 1 --quiet
		[ "$MRC" = "$want" ] || { cat "$T/$name-$chunk.log" >&2; fail "$name: mpirun -np 3 (chunks $chunk) exited $MRC, one process $want"; }
		same_messages "$T/$name-ref.log" "$T/$name-$chunk.log" "$name, mpirun -np 3, chunks $chunk"
		assert_eq "" "$(ls -A "$T/$name")" "$name, mpirun -np 3, chunks $chunk: left beside --out"
	done
}

C=$T/cut
cp -r "$T/dirty" "$C"
size=$(stat -c %s "$T/dirty/hr.csv.gz")
head -c $((size * 2 / 3)) "$T/dirty/hr.csv.gz" >"$C/hr.csv.gz"
fails_alike cutgz 2 "$C/hhmatch.conf" default 7 1
assert_contains "$T/cutgz-ref.log" "gzip stream truncated" "the cut gzip's message"

run_expect 0 "$T/gen5.log" "$HH" gen --out "$T/kid" --households 300 --seed 5 --key "$T/key" \
	--clean --pid-sources
gzip -dc "$T/kid/medical.csv.gz" | awk -F, -v OFS=, 'NR == 1 { print $0, "key_id"; next }
	{ print $0, (NR == 700 ? "0badbeef" : "") }' | gzip >"$T/kid/m.gz"
mv "$T/kid/m.gz" "$T/kid/medical.csv.gz"
# chunks of 1, 2, 5 and 7 records put line 700 on each of the three ranks
fails_alike keyid 2 "$T/kid/hhmatch.conf" default 1 2 5 7
assert_contains "$T/keyid-ref.log" "line 700: pseudonymised under key_id 0badbeef" "the key_id refusal"

# --out refused: a folder of someone else's files, left as it was, and
# nothing made beside it (no lock, no temporary)
N=$T/nr/notes
mkdir -p "$N"
echo "mine" >"$N/a.txt"
run_expect 1 "$T/notes-ref.log" "$HH" run --config "$T/dirty/hhmatch.conf" --key "$T/key" \
	--out "$N" --threads 1 --quiet
assert_contains "$T/notes-ref.log" "refusing to replace --out" "the refusal of --out"
snapshot "$T/nr" >"$T/notes.before"
mpi 3 default "$T/notes-3.log" run --mpi --config "$T/dirty/hhmatch.conf" --key "$T/key" \
	--out "$N" --threads 1 --quiet
[ "$MRC" = 1 ] || { cat "$T/notes-3.log" >&2; fail "--out refused: mpirun -np 3 exited $MRC, not 1"; }
same_messages "$T/notes-ref.log" "$T/notes-3.log" "--out refused, mpirun -np 3"
snapshot "$T/nr" >"$T/notes.after"
assert_file_eq "$T/notes.before" "$T/notes.after" "the refused --out and its folder"

# a bad HH_MPI_CHUNK_ROWS reaches the ranks (mpirun -x) and is named once
HH_MPI_CHUNK_ROWS=lots run_expect 1 "$T/lots-ref.log" timeout -k 10 120 "$HH" run --mpi \
	--config "$T/dirty/hhmatch.conf" --key "$T/key" --out "$T/lots" --threads 1 --quiet
assert_contains "$T/lots-ref.log" "HH_MPI_CHUNK_ROWS wants a number of rows" "a bad HH_MPI_CHUNK_ROWS"
mpi 3 lots "$T/lots-3.log" run --mpi --config "$T/dirty/hhmatch.conf" --key "$T/key" \
	--out "$T/lots" --threads 1 --quiet
[ "$MRC" = 1 ] || { cat "$T/lots-3.log" >&2; fail "HH_MPI_CHUNK_ROWS=lots: mpirun -np 3 exited $MRC, not 1"; }
same_messages "$T/lots-ref.log" "$T/lots-3.log" "HH_MPI_CHUNK_ROWS=lots, mpirun -np 3"
[ ! -e "$T/lots" ] || fail "HH_MPI_CHUNK_ROWS=lots: --out was written"

# A command line that cannot be read: the message once (rank 0's), the
# same status as one process
run_expect 1 "$T/bogus-ref.log" "$HH" run --mpi --bogus
mpi 3 default "$T/bogus-3.log" run --mpi --bogus
[ "$MRC" = 1 ] || { cat "$T/bogus-3.log" >&2; fail "--bogus: mpirun -np 3 exited $MRC, not 1"; }
same_messages "$T/bogus-ref.log" "$T/bogus-3.log" "--bogus, mpirun -np 3"

# Ranks that would cut different chunks (HH_MPI_CHUNK_ROWS differs on
# one rank): rank 0's size holds for all, the outputs are the month's
ref=$T/dirty-ref
mpirun_rank2_env() { # LOG OUT ARGS...: mpirun -np 3, rank 2 with HH_MPI_CHUNK_ROWS=5
	local log=$1 out=$2
	shift 2
	MRC=0
	timeout -k 10 120 mpirun --oversubscribe -np 3 bash -c \
		'if [ "$OMPI_COMM_WORLD_RANK" = 2 ]; then export HH_MPI_CHUNK_ROWS=5; fi; exec "$@"' \
		rank "$HH" run --mpi --config "$T/dirty/hhmatch.conf" --key "$T/key" --out "$out" \
		--threads 1 --quiet "$@" >"$log" 2>&1 || MRC=$?
}
mpirun_rank2_env "$T/chunks.log" "$T/chunks"
[ "$MRC" = 0 ] || { cat "$T/chunks.log" >&2; fail "HH_MPI_CHUNK_ROWS on rank 2 only: exit $MRC"; }
same_run "$ref" "$T/chunks" "HH_MPI_CHUNK_ROWS=5 on rank 2 only"

# One node that sees another file (rank 2's config names a copy whose
# medical extract has one more row): refused with exit 2, naming the
# source and the rank, once; nothing published
D2=$T/dirty2
cp -r "$T/dirty" "$D2"
{ gzip -dc "$T/dirty/medical.csv.gz"; gzip -dc "$T/dirty/medical.csv.gz" | tail -n 1; } |
	gzip >"$D2/medical.csv.gz"
MRC=0
timeout -k 10 120 mpirun --oversubscribe -np 3 bash -c \
	'c=$1; [ "$OMPI_COMM_WORLD_RANK" = 2 ] && c=$2; shift 2; exec "$@" --config "$c"' \
	rank "$T/dirty/hhmatch.conf" "$D2/hhmatch.conf" "$HH" run --mpi --key "$T/key" \
	--out "$T/other" --threads 1 --quiet >"$T/other.log" 2>&1 || MRC=$?
[ "$MRC" = 2 ] || { cat "$T/other.log" >&2; fail "another medical file on rank 2: exit $MRC, not 2"; }
assert_eq 1 "$(hh_lines "$T/other.log" | wc -l)" "another file on rank 2: one message"
assert_contains "$T/other.log" "medical: .*rank 2 read other data than rank 0" \
	"another file on rank 2: the message"
[ ! -e "$T/other" ] || fail "another file on rank 2: --out was published"

# --- a rank killed --------------------------------------------------------
B=$T/big
run_expect 0 "$T/gen6.log" "$HH" gen --out "$B" --households 60000 --seed 3 --key "$T/key"

# job_ranks OUT: "rank pid" of each hhmatch process of the job writing
# OUT (its command line names OUT, its environment its rank)
job_ranks() {
	local p r
	for p in $(pgrep -f -- "--out $1( |$)" || true); do
		[ "$(readlink "/proc/$p/exe" 2>/dev/null)" = "$HH_EXE" ] || continue
		r=$( (tr '\0' '\n' <"/proc/$p/environ") 2>/dev/null | sed -n 's/^OMPI_COMM_WORLD_RANK=//p')
		[ -n "$r" ] && echo "$r $p"
	done
	return 0
}

# rank_reading PID: the process has one of the big month's extracts open
rank_reading() {
	local l
	for l in /proc/"$1"/fd/*; do
		case $(readlink "$l" 2>/dev/null) in "$B"/*) return 0 ;; esac
	done
	return 1
}

# kill_rank NAME WHEN: mpirun -np 3 on the big month; rank 1 killed (-9)
# as soon as it exists (WHEN=start) or once it has an extract open
# (WHEN=reading).  mpirun reports a rank killed by signal 9 with exit
# status 137, as timeout's -k would: a hang is told by the time taken.
kill_rank() {
	local name=$1 when=$2 job i v="" rc t0 ms pids="" left r p
	local w=$T/$name out=$T/$name/out
	mkdir "$w"
	t0=$(date +%s%N)
	timeout -k 10 120 mpirun --oversubscribe -np 3 "$HH" run --mpi --config "$B/hhmatch.conf" \
		--key "$T/key" --out "$out" --threads 1 --quiet >"$T/$name.log" 2>&1 &
	job=$!
	JOBS="$JOBS $job"
	for ((i = 0; i < 12000; i++)); do # up to 60 s at 5 ms
		v=$(job_ranks "$out" | awk '$1 == 1 { print $2 }')
		if [ -n "$v" ] && { [ "$when" = start ] || rank_reading "$v"; }; then
			pids=$(job_ranks "$out" | awk '{ print $2 }' | tr '\n' ' ')
			RANKS="$RANKS $pids"
			kill -9 "$v" || fail "$name: rank 1 ($v) could not be killed"
			break
		fi
		v=""
		alive "$job" || break
		sleep 0.005
	done
	rc=0
	wait "$job" || rc=$?
	ms=$((($(date +%s%N) - t0) / 1000000))
	if [ -z "$v" ]; then
		cat "$T/$name.log" >&2
		fail "$name: the job ended (exit $rc) before rank 1 could be killed ($when): make the month bigger"
	fi
	note "$name: rank 1 (pid $v) killed; mpirun exited $rc, $ms ms after it started"
	[ "$rc" != 0 ] || {
		cat "$T/$name.log" >&2
		fail "$name: mpirun exited 0: the run finished before the kill landed (make the month bigger), or a rank's death went unnoticed"
	}
	[ "$rc" != 124 ] && [ "$ms" -lt 119000 ] || fail "$name: the job still ran 120 s after rank 1 was killed"
	assert_contains "$T/$name.log" "rank 1 .*(signal 9|Killed)" "$name: mpirun's report of the kill"
	[ ! -e "$out" ] || fail "$name: --out was published although rank 1 was killed: $(ls -A "$out" | tr '\n' ' ')"
	# no process of the job left (mpirun has exited; give the kernel a moment)
	for ((i = 0; i < 100; i++)); do
		left=""
		for p in $pids; do alive "$p" && left="$left $p"; done
		r=$(pgrep -f -- "--out $out( |$)" || true)
		[ -z "$left$r" ] && break
		sleep 0.05
	done
	[ -z "$left$r" ] || fail "$name: processes of the job left running:$left $r"
	[ -z "$(ls -A "$w")" ] || note "$name: left beside --out: $(ls -A "$w" | tr '\n' ' ')"
	# the next run publishes the month and clears what the job left
	run_expect 0 "$T/$name-next.log" "$HH" run --config "$B/hhmatch.conf" --key "$T/key" \
		--out "$out" --threads 1 --quiet
	[ -s "$out/report.json" ] || fail "$name: the next run published no report.json"
	assert_eq "out" "$(ls -A "$w" | tr '\n' ' ' | sed 's/ $//')" "$name: beside --out after the next run"
}
kill_rank kill-start start
kill_rank kill-reading reading

echo "it_mpi: ok"
