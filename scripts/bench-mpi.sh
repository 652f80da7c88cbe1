#!/usr/bin/env bash
# bench-mpi.sh - `hhmatch run --mpi` (issue 17) on the skewed month across
# 1, 2, 3 and 4 ranks: the outputs against one process's, byte for byte;
# wall, CPU, memory, bytes exchanged and rows parsed per rank; the costs
# per row they imply; and the national month those costs model.
#
#   scripts/bench-mpi.sh        (~80 s on 2 quiet cores once the months are
#                               made; 4-5 min with the build and generation)
#   HH_MPI_BENCH_ROUNDS=1 HH_MPI_BENCH_DIRTY=0 scripts/bench-mpi.sh
#
# Needs a Debian 12 machine as root (or sudo); installs what is missing
# itself (scripts/bench/prepare.sh): scripts/setup.sh (the build, Open
# MPI), GNU time, jq, isal (igzip), binutils (addr2line).  Builds
# build-bench/hhmatch (RelWithDebInfo, as the other bench scripts) from
# the working tree, or takes HH_MPI_BENCH_HH (a build of yours; it must
# have debug information for the exchange split below).
#
# The month (generated once into HH_MPI_BENCH_DIR, reused while gen's
# binary and the key are unchanged): `hhmatch gen --clean --shape skewed`
# with HH_MPI_BENCH_HOUSEHOLDS households (200,000: 3.52 million rows,
# medical dominant in one gzip member), with raw ID numbers and names
# (HH_MPI_BENCH_FORM=raw, the default: every parsed row is HMAC'ed and
# name-digested, and the typos of the month are repaired on rank 0) or
# pre-pseudonymised (HH_MPI_BENCH_FORM=pid).
#
# Contestants, in alternating rounds, HH_MPI_BENCH_ROUNDS quiet runs each
# (default 3; quiet as bench.sh and bench-skew.sh define it: other
# processes took at most 10 % of the run's wall + 0.05 s in CPU, from
# /proc/stat; loaded runs are repeated up to HH_MPI_BENCH_MAX_ROUNDS
# rounds, then the medians take every run), medians over the quiet runs:
#   st_t1, st_t2   hhmatch run --threads 1, 2 (one process)
#   mpi_N          mpirun --oversubscribe -np N hhmatch run --mpi --threads 1
#                  for N in HH_MPI_BENCH_RANKS (1 2 3 4)
#   floor          what every rank does whatever N: igzip -dc of the gzip
#                  sources and cat of the plain ones but the roster, one
#                  after the other (inflate without the CSV split)
# This machine has 2 cores: at N > 2 ranks share them, so wall time at 3
# and 4 ranks measures correctness, bytes and memory, not speed-up (the
# report says so).  CPU figures do not depend on that.
#
# Every run of every contestant is compared with a reference run (one
# process, --threads 1, made first): every output file byte for byte;
# report.json without each source's seconds, table_bytes and
# duplicate_set_bytes, timings_seconds and threads (tests/e2e/it_morsel.sh's
# JQ), its keys in order; manifest.json without report.json's and
# .hhmatch-run's entries; .hhmatch-run but the name of its temporary
# folder.  Then a dirty month (`gen --seed 7`, HH_MPI_BENCH_DIRTY
# households, 20,000; 0 skips it: two-member gzip, GB18030 TSV, repeats,
# typos, malformed rows) at 2, 3 and 4 ranks with the default chunks and
# with HH_MPI_CHUNK_ROWS=7 (every reject and repeat near a chunk edge).
# Any difference is printed (which file, the first lines or JSON leaves
# that differ), its run folder kept under HH_MPI_BENCH_DIR/differs, the
# report headed FAILED, and the script exits 1 after writing it.
#
# What is measured in each MPI run, per rank:
#  - the engine's own line (rank 0, info level): `mpi: rank R of N: sent B
#    bytes, received B bytes in E exchanges, peak RSS M MB, parsed P rows,
#    persons K` (rank 0 takes its RSS before writing the outputs);
#  - /usr/bin/time around each rank: wall, user + sys CPU, peak RSS of the
#    whole process;
#  - a PMPI shim (C below, built with mpicc, LD_PRELOADed into each rank):
#    for every MPI call (blocking or not), the bytes to and from other
#    ranks, the calling thread's CPU inside it and waiting for it
#    (MPI_Test, MPI_Wait, and the nanosleep naps comm.c polls with), and
#    for each MPI_(I)alltoallv its callers, resolved with addr2line into
#    the engine's steps (matcher/engine/dist.c): exchange 1 (dist_read:
#    rows to their owners), repair (forward), counts and rejects
#    (results, late_counts), exchange 2 (roster_facts: pids asked by rank
#    0, records answered) and the final tally (final_findings).  CPU in
#    MPI and waiting is kept apart from the engine's CPU (the rest), and
#    the engine's CPU is split by step at those calls.
# Then one more run at 2 ranks under perf (HH_MPI_BENCH_PERF=0 skips it;
# nothing is installed for it): rank 1's ingest samples by what the code
# does (read, parse, settle, kernel, MPI, other: symbol lists below), to
# split the per-row CPU into parsing (all of a rank's threads share it)
# and settling (its threads share it by part of its table, 16 at most).
#
# Derived (build-bench/mpi.txt, section 3): bytes per row moved in
# exchange 1 and per roster person in exchange 2; least-squares fits over
# the ranks other than 0 at every N >= 2 of ingest CPU = fixed + per row
# x rows parsed (the fixed part is each rank's read of every whole stream:
# it does not shrink with N), of exchange 2's CPU per person answered, and
# of peak RSS = base + per person x persons held; rank 0's extra (roster,
# households, outputs) beyond that.  Section 4 applies them to the
# national month (HH_MPI_MODEL_* below; docs/distributed.md discusses it).
#
# Output: the tables, printed and written to build-bench/mpi.txt, and
# build-bench/mpi.json; logs, shim logs and each run's report.json in
# HH_MPI_BENCH_DIR/logs.
#
# Environment: HH_MPI_BENCH_HOUSEHOLDS (200000), HH_MPI_BENCH_ROUNDS (3),
# HH_MPI_BENCH_MAX_ROUNDS (3 x rounds), HH_MPI_BENCH_RANKS ("1 2 3 4"),
# HH_MPI_BENCH_FORM (raw), HH_MPI_BENCH_DIRTY (20000), HH_MPI_BENCH_PERF
# (1), HH_MPI_BENCH_DIR (build-bench/mpi), HH_MPI_BENCH_HH,
# HH_MPI_BENCH_REV (the revision to
# print; default git's, marked when matcher/ or connectors/ hold
# uncommitted changes); the model's HH_MPI_MODEL_ROWS (4e9 rows a month),
# HH_MPI_MODEL_ROSTER (66e6 roster persons), HH_MPI_MODEL_CORES (64 a
# node), HH_MPI_MODEL_RAM_GIB (256), HH_MPI_MODEL_GBIT (25),
# HH_MPI_MODEL_NODES ("1 2 4 8 16 32 64"), HH_MPI_MODEL_EFF (0.8: the
# efficiency assumed of a rank's parsing threads).  Open MPI's OMPI_MCA_*
# as usual (btl_vader_single_copy_mechanism defaults to none here:
# containers forbid the cross-memory attach).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

n=${HH_MPI_BENCH_HOUSEHOLDS:-200000}
runs=${HH_MPI_BENCH_ROUNDS:-3}
max_rounds=${HH_MPI_BENCH_MAX_ROUNDS:-$((3 * runs))}
ranks_list=${HH_MPI_BENCH_RANKS:-1 2 3 4}
form=${HH_MPI_BENCH_FORM:-raw}
dirty_n=${HH_MPI_BENCH_DIRTY:-20000}
bdir=${HH_MPI_BENCH_DIR:-$root/build-bench/mpi}
hh=${HH_MPI_BENCH_HH:-}
txt=$root/build-bench/mpi.txt
json=$root/build-bench/mpi.json
period=202611
seed=1
say() { echo "bench-mpi: $*" >&2; }
case $form in raw | pid) ;; *) say "HH_MPI_BENCH_FORM is raw or pid, not $form"; exit 1 ;; esac
t_start=$EPOCHREALTIME

# ---- dependencies and build (scripts/bench/prepare.sh) --------------------
. scripts/bench/prepare.sh
scripts/setup.sh
need=()
[ -x /usr/bin/time ] || need+=(time)
command -v jq >/dev/null || need+=(jq)
command -v igzip >/dev/null || need+=(isal)
command -v addr2line >/dev/null || need+=(binutils)
command -v mpirun >/dev/null || need+=(openmpi-bin)
command -v mpicc >/dev/null || need+=(libopenmpi-dev)
bench_install ${need[@]+"${need[@]}"}
if [ -z "$hh" ]; then
	say "building build-bench/hhmatch"
	bench_build
	hh=$root/build-bench/hhmatch
fi
if ! "$hh" run --help 2>&1 | grep -q -- '--mpi'; then
	say "FAILED: $hh has no run --mpi (issue 17)"
	exit 1
fi
if ! ldd "$hh" | grep -q 'libmpi\.'; then
	say "FAILED: $hh was built without MPI (libopenmpi-dev missing when it was configured;"
	say "        cmake -S . -B build-bench -DHH_WITH_MPI=ON, then run this again)"
	exit 1
fi
[ "$(id -u)" -ne 0 ] || export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMPI_MCA_btl_vader_single_copy_mechanism=${OMPI_MCA_btl_vader_single_copy_mechanism:-none}
mkdir -p "$bdir/logs"
rm -rf "$bdir/logs"/* "$bdir/run" "$bdir/differs"

# ---- the PMPI shim ------------------------------------------------------------
cat >"$bdir/shim.c" <<'EOF'
/* bench-mpi.sh's PMPI shim: LD_PRELOADed into each rank, it logs to
 * $HH_MPI_SHIM_LOG.<rank>
 *   init INIT_WALL INIT_CPU PCPU_S T_S  (MPI_Init's wall and CPU, the process's
 *                                       CPU, CLOCK_MONOTONIC, when it returned)
 * then one line per MPI call the engine makes
 *   call SEQ FN BYTES_SENT BYTES_RECEIVED WALL_S CPU_S AT_S PCPU_S
 * (bytes to and from other ranks, as hhmatch's comm_stats counts them,
 * counted when a collective is started; CPU = the calling thread's CPU
 * inside the call, plus what it spent since the previous line waiting:
 * in MPI_Test and MPI_Wait, and in nanosleep between them (comm.c polls
 * a non-blocking collective with naps); WALL likewise; AT = seconds
 * since the process's MPI_Init returned, when the call started; PCPU =
 * the process's CPU, all threads, when it returned), an alltoallv's line
 * followed by
 *   at OFFSET...
 * its callers' return addresses in the executable (for addr2line), and
 * at MPI_Finalize (the waiting since the last line included)
 *   end FINALIZE_WALL FINALIZE_CPU PCPU_BEFORE PCPU_AFTER */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <execinfo.h>
#include <link.h>
#include <mpi.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static FILE *lf;
static int me, np = 1;
static pid_t mpi_tid;           /* the thread that called MPI_Init */
static double wait_cpu, wait_wall; /* since the last line */
static long seq;
static double t_init, init_wall, init_cpu;
static uintptr_t exe_base;

static int first_object(struct dl_phdr_info *i, size_t size, void *data)
{
	(void)size, (void)data;
	exe_base = (uintptr_t)i->dlpi_addr; /* the first object is the program */
	return 1;
}
static double clk(clockid_t c)
{
	struct timespec t;
	clock_gettime(c, &t);
	return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}
static long long tsz(MPI_Datatype t)
{
	int s = 0;
	PMPI_Type_size(t, &s);
	return s;
}
static void opened(double w0, double c0)
{
	init_wall = clk(CLOCK_MONOTONIC) - w0;
	init_cpu = clk(CLOCK_THREAD_CPUTIME_ID) - c0;
	t_init = clk(CLOCK_MONOTONIC);
	mpi_tid = gettid();
	dl_iterate_phdr(first_object, NULL);
	PMPI_Comm_rank(MPI_COMM_WORLD, &me);
	PMPI_Comm_size(MPI_COMM_WORLD, &np);
	const char *p = getenv("HH_MPI_SHIM_LOG");
	if (p) {
		char name[4096];
		snprintf(name, sizeof name, "%s.%d", p, me);
		lf = fopen(name, "w");
		if (lf)
			fprintf(lf, "init %.6f %.6f %.6f %.6f\n", init_wall, init_cpu,
				clk(CLOCK_PROCESS_CPUTIME_ID), t_init);
	}
}
int MPI_Init(int *argc, char ***argv)
{
	double w0 = clk(CLOCK_MONOTONIC), c0 = clk(CLOCK_THREAD_CPUTIME_ID);
	int rc = PMPI_Init(argc, argv);
	opened(w0, c0);
	return rc;
}
int MPI_Init_thread(int *argc, char ***argv, int req, int *prov)
{
	double w0 = clk(CLOCK_MONOTONIC), c0 = clk(CLOCK_THREAD_CPUTIME_ID);
	int rc = PMPI_Init_thread(argc, argv, req, prov);
	opened(w0, c0);
	return rc;
}
#define BEGIN double w0 = clk(CLOCK_MONOTONIC), c0 = clk(CLOCK_THREAD_CPUTIME_ID)
#define END(fn, s, r)                                                                  \
	do {                                                                           \
		if (lf)                                                                \
			fprintf(lf, "call %ld %s %lld %lld %.6f %.6f %.6f %.6f\n", ++seq, \
				fn, (long long)(s), (long long)(r),                      \
				clk(CLOCK_MONOTONIC) - w0 + wait_wall,                   \
				clk(CLOCK_THREAD_CPUTIME_ID) - c0 + wait_cpu,            \
				w0 - t_init, clk(CLOCK_PROCESS_CPUTIME_ID));             \
		wait_cpu = wait_wall = 0;                                              \
	} while (0)

/* where an alltoallv was called from: the executable's return addresses */
static void callers(void)
{
	if (!lf)
		return;
	void *bt[8];
	int n = backtrace(bt, 8);
	fputs("at", lf);
	for (int i = 1; i < n; i++) {
		Dl_info d;
		if (dladdr(bt[i], &d) && (uintptr_t)d.dli_fbase == exe_base)
			fprintf(lf, " %#lx", (unsigned long)((uintptr_t)bt[i] - exe_base - 1));
	}
	fputc('\n', lf);
}
static long long v_bytes(const int *counts, MPI_Datatype t)
{
	long long b = 0;
	for (int k = 0; k < np; k++)
		if (k != me)
			b += counts[k] * tsz(t);
	return b;
}

/* waiting: added to the next line */
#define WAIT_BEGIN                                                                     \
	int mine = lf && gettid() == mpi_tid;                                          \
	double w0 = mine ? clk(CLOCK_MONOTONIC) : 0, c0 = mine ? clk(CLOCK_THREAD_CPUTIME_ID) : 0
#define WAIT_END                                                                       \
	if (mine) {                                                                    \
		wait_wall += clk(CLOCK_MONOTONIC) - w0;                                \
		wait_cpu += clk(CLOCK_THREAD_CPUTIME_ID) - c0;                         \
	}
int MPI_Test(MPI_Request *req, int *flag, MPI_Status *st)
{
	WAIT_BEGIN;
	int rc = PMPI_Test(req, flag, st);
	WAIT_END;
	return rc;
}
int MPI_Wait(MPI_Request *req, MPI_Status *st)
{
	WAIT_BEGIN;
	int rc = PMPI_Wait(req, st);
	WAIT_END;
	return rc;
}
int nanosleep(const struct timespec *t, struct timespec *rem)
{
	static int (*real)(const struct timespec *, struct timespec *);
	if (!real)
		real = (int (*)(const struct timespec *, struct timespec *))dlsym(RTLD_NEXT, "nanosleep");
	WAIT_BEGIN;
	int rc = real(t, rem);
	WAIT_END;
	return rc;
}
int MPI_Ialltoallv(const void *sb, const int *sc, const int *sd, MPI_Datatype st, void *rb,
		   const int *rc_, const int *rd, MPI_Datatype rt, MPI_Comm comm, MPI_Request *req)
{
	BEGIN;
	int rc = PMPI_Ialltoallv(sb, sc, sd, st, rb, rc_, rd, rt, comm, req);
	END("alltoallv", v_bytes(sc, st), v_bytes(rc_, rt));
	callers();
	return rc;
}
int MPI_Ialltoall(const void *sb, int sc, MPI_Datatype st, void *rb, int rc_, MPI_Datatype rt,
		  MPI_Comm comm, MPI_Request *req)
{
	BEGIN;
	int rc = PMPI_Ialltoall(sb, sc, st, rb, rc_, rt, comm, req);
	END("alltoall", (long long)sc * tsz(st) * (np - 1), (long long)rc_ * tsz(rt) * (np - 1));
	return rc;
}
int MPI_Iallgather(const void *sb, int sc, MPI_Datatype st, void *rb, int rc_, MPI_Datatype rt,
		   MPI_Comm comm, MPI_Request *req)
{
	BEGIN;
	int rc = PMPI_Iallgather(sb, sc, st, rb, rc_, rt, comm, req);
	END("allgather", (long long)sc * tsz(st) * (np - 1), (long long)rc_ * tsz(rt) * (np - 1));
	return rc;
}
int MPI_Ibcast(void *b, int n, MPI_Datatype t, int root, MPI_Comm comm, MPI_Request *req)
{
	BEGIN;
	int rc = PMPI_Ibcast(b, n, t, root, comm, req);
	long long bytes = (long long)n * tsz(t);
	END("bcast", me == root ? bytes * (np - 1) : 0, me == root ? 0 : bytes);
	return rc;
}

int MPI_Alltoallv(const void *sb, const int *sc, const int *sd, MPI_Datatype st, void *rb,
		  const int *rc_, const int *rd, MPI_Datatype rt, MPI_Comm comm)
{
	BEGIN;
	int rc = PMPI_Alltoallv(sb, sc, sd, st, rb, rc_, rd, rt, comm);
	END("alltoallv", v_bytes(sc, st), v_bytes(rc_, rt));
	callers();
	return rc;
}
int MPI_Alltoall(const void *sb, int sc, MPI_Datatype st, void *rb, int rc_, MPI_Datatype rt,
		 MPI_Comm comm)
{
	BEGIN;
	int rc = PMPI_Alltoall(sb, sc, st, rb, rc_, rt, comm);
	END("alltoall", (long long)sc * tsz(st) * (np - 1), (long long)rc_ * tsz(rt) * (np - 1));
	return rc;
}
int MPI_Allgather(const void *sb, int sc, MPI_Datatype st, void *rb, int rc_, MPI_Datatype rt,
		  MPI_Comm comm)
{
	BEGIN;
	int rc = PMPI_Allgather(sb, sc, st, rb, rc_, rt, comm);
	END("allgather", (long long)sc * tsz(st) * (np - 1), (long long)rc_ * tsz(rt) * (np - 1));
	return rc;
}
int MPI_Bcast(void *b, int n, MPI_Datatype t, int root, MPI_Comm comm)
{
	BEGIN;
	int rc = PMPI_Bcast(b, n, t, root, comm);
	long long bytes = (long long)n * tsz(t);
	END("bcast", me == root ? bytes * (np - 1) : 0, me == root ? 0 : bytes);
	return rc;
}
int MPI_Barrier(MPI_Comm comm)
{
	BEGIN;
	int rc = PMPI_Barrier(comm);
	END("barrier", 0, 0);
	return rc;
}
int MPI_Allreduce(const void *sb, void *rb, int n, MPI_Datatype t, MPI_Op op, MPI_Comm comm)
{
	BEGIN;
	int rc = PMPI_Allreduce(sb, rb, n, t, op, comm);
	END("allreduce", (long long)n * tsz(t) * (np - 1), (long long)n * tsz(t) * (np - 1));
	return rc;
}
int MPI_Finalize(void)
{
	double w0 = clk(CLOCK_MONOTONIC), c0 = clk(CLOCK_THREAD_CPUTIME_ID);
	double p0 = clk(CLOCK_PROCESS_CPUTIME_ID);
	int rc = PMPI_Finalize();
	if (lf) {
		fprintf(lf, "end %.6f %.6f %.6f %.6f\n", clk(CLOCK_MONOTONIC) - w0 + wait_wall,
			clk(CLOCK_THREAD_CPUTIME_ID) - c0 + wait_cpu, p0,
			clk(CLOCK_PROCESS_CPUTIME_ID));
		fclose(lf);
		lf = NULL;
	}
	return rc;
}
EOF
mpicc -O2 -shared -fPIC -Wall -Wextra "$bdir/shim.c" -o "$bdir/shim.so"
shim=$bdir/shim.so

# ---- the months -----------------------------------------------------------------
key=$bdir/bench.key
[ -f "$key" ] || "$hh" keygen --out "$key" >/dev/null
gen_sum=$(sha256sum "$hh" | cut -c1-16)
key_sum=$(cut -c1-16 "$key" | sha256sum | cut -c1-16)
gen_month() { # DIR HOUSEHOLDS SEED gen-options...
	local d=$1 hn=$2 s=$3
	shift 3
	local marker="gen --households $hn --seed $s --period $period $* $gen_sum $key_sum"
	[ -f "$d/.bench-marker" ] && [ "$(cat "$d/.bench-marker")" = "$marker" ] && return
	say "generating $(basename "$d"), $hn households"
	rm -rf "$d"
	"$hh" gen --out "$d" --households "$hn" --seed "$s" --period "$period" "$@" >/dev/null
	echo "$marker" >"$d/.bench-marker"
}
dir=$bdir/skewed-$form-$n
if [ "$form" = pid ]; then
	gen_month "$dir" "$n" "$seed" --clean --shape skewed --pid-sources --key "$key"
else
	gen_month "$dir" "$n" "$seed" --clean --shape skewed --key "$key"
fi
ddir=$bdir/dirty-$dirty_n
[ "$dirty_n" -eq 0 ] || gen_month "$ddir" "$dirty_n" 7 --key "$key"

# ---- running ----------------------------------------------------------------------
# Each rank under /usr/bin/time, with the shim: RANKLOG.<rank> holds
# "wall user sys maxrss_kb", SHIMLOG.<rank> the shim's lines.
rank_wrap='exec /usr/bin/time -f "%e %U %S %M" -o "$HH_MPI_RANKLOG.$OMPI_COMM_WORLD_RANK" env LD_PRELOAD="$HH_MPI_SHIM" "$@"'
run_cmd() { # CONTESTANT OUTDIR MONTHDIR LOGPREFIX: the command line
	local c=$1 out=$2 m=$3 l=$4
	case $c in
	st_t*) echo "$hh" run --config "$m/hhmatch.conf" --key "$key" --out "$out" --threads "${c#st_t}" ;;
	mpi_*) echo mpirun --oversubscribe -np "${c#mpi_}" -x HH_MPI_RANKLOG="$l.rank" -x HH_MPI_SHIM="$shim" \
		-x HH_MPI_SHIM_LOG="$l.shim" ${HH_MPI_CHUNK_ROWS:+-x HH_MPI_CHUNK_ROWS} \
		bash -c "'$rank_wrap'" _ "$hh" run --mpi --threads 1 --config "$m/hhmatch.conf" --key "$key" --out "$out" ;;
	esac
}
# run_mpi etc. go through eval for the quoted wrapper
run_c() { # LOG CONTESTANT OUTDIR MONTHDIR: timed, prints timed's line
	local cmd
	cmd=$(run_cmd "$2" "$3" "$4" "$1")
	eval "timed \"\$1\" $cmd"
}

# ---- identity ------------------------------------------------------------------------
JQ='walk(if type == "object" then del(.seconds, .timings_seconds, .table_bytes, .duplicate_set_bytes) else . end) | del(.threads)'
bad_runs=()
# same_run REF DIR LABEL: every file of DIR as REF's (see the header);
# prints what differs and how, returns 1 on any difference
same_run() {
	local a=$1 b=$2 label=$3 bad=0 f differ=()
	if [ "$(ls -A "$a")" != "$(ls -A "$b")" ]; then
		echo "identity: $label: FILES DIFFER: $(ls -A "$a" | tr '\n' ' ')/ $(ls -A "$b" | tr '\n' ' ')"
		bad=1
	fi
	while IFS= read -r f; do
		[ -f "$b/$f" ] || continue
		case $f in
		report.json)
			if ! cmp -s <(jq "$JQ" "$a/$f") <(jq "$JQ" "$b/$f"); then
				echo "identity: $label: report.json DIFFERS beyond timings and memory; leaves (reference -> this run):"
				jq -n -r --argjson a "$(jq "$JQ" "$a/$f")" --argjson b "$(jq "$JQ" "$b/$f")" '
					[($a, $b) | paths(type != "object" and type != "array")] | unique
					| map(. as $p | select(($a | getpath($p)) != ($b | getpath($p)))
					      | "    \(map(tostring) | join(".")): \($a | getpath($p) | tojson) -> \($b | getpath($p) | tojson)")
					| .[:20][]'
				[ "$(jq -c "$JQ | [paths]" "$a/$f")" = "$(jq -c "$JQ | [paths]" "$b/$f")" ] ||
					echo "    (and the keys or their order differ)"
				bad=1
			fi
			;;
		manifest.json) ;; # below
		.hhmatch-run)
			cmp -s <(sed 's/\.tmp-[A-Za-z0-9]*/.tmp-X/' "$a/$f") <(sed 's/\.tmp-[A-Za-z0-9]*/.tmp-X/' "$b/$f") ||
				{ echo "identity: $label: .hhmatch-run DIFFERS"; bad=1; }
			;;
		*)
			cmp -s "$a/$f" "$b/$f" && continue
			bad=1
			differ+=("$f")
			echo "identity: $label: $f DIFFERS: $(cmp "$a/$f" "$b/$f" 2>&1 | head -1 | sed 's/^.* differ: //'); $(wc -c <"$a/$f") -> $(wc -c <"$b/$f") bytes"
			case $f in
			*.csv) diff "$a/$f" "$b/$f" | head -8 | sed 's/^/    /' ;;
			*.html) diff <(sed 's/></>\n</g' "$a/$f") <(sed 's/></>\n</g' "$b/$f") | head -8 | cut -c1-200 | sed 's/^/    /' ;;
			esac
			;;
		esac
	done < <(ls -A "$a")
	# manifest.json: but the entries of report.json, .hhmatch-run and the
	# files reported above
	local skip keep='del(.outputs[]? | select(.name as $n | $skip | index($n)))'
	skip=$(printf '%s\n' report.json .hhmatch-run ${differ[@]+"${differ[@]}"} | jq -R . | jq -s -c .)
	cmp -s <(jq --argjson skip "$skip" "$keep" "$a/manifest.json") <(jq --argjson skip "$skip" "$keep" "$b/manifest.json") || {
		echo "identity: $label: manifest.json DIFFERS (beyond the entries of report.json, .hhmatch-run and the files above):"
		diff <(jq --argjson skip "$skip" "$keep" "$a/manifest.json") <(jq --argjson skip "$skip" "$keep" "$b/manifest.json") | head -10 | sed 's/^/    /'
		bad=1
	}
	return $bad
}
check_same() { # REF DIR LABEL: same_run, and keeps DIR when it differs
	local out
	if out=$(same_run "$1" "$2" "$3"); then
		return 0
	fi
	echo "$out" >&2
	echo "$out" >>"$bdir/differences.txt"
	mkdir -p "$bdir/differs"
	local keep
	keep=$bdir/differs/$(echo "$3" | tr -c 'A-Za-z0-9_-' _)
	rm -rf "$keep"
	mv "$2" "$keep"
	bad_runs+=("$3")
	say "FAILED: $3: the outputs differ from the reference run's (kept in $keep)"
	return 0
}
: >"$bdir/differences.txt"

# mpi_lines ERR N: the engine's per-rank lines as "rank n sent recv exch rss parsed persons";
# fails loudly when there are not N of them, one per rank
mpi_re='mpi: rank ([0-9]+) of ([0-9]+): sent ([0-9]+) bytes, received ([0-9]+) bytes in ([0-9]+) exchanges, peak RSS ([0-9]+) MB, parsed ([0-9]+) rows, persons ([0-9]+)'
mpi_lines() {
	local err=$1 np=$2 got
	got=$(sed -nE "s/.*$mpi_re.*/\1 \2 \3 \4 \5 \6 \7 \8/p" "$err")
	if [ "$(echo "$got" | awk -v n="$np" 'NF == 8 && $2 == n { seen[$1]++ } END { for (r = 0; r < n; r++) if (seen[r] != 1) exit 1 }'; echo $?)" != 0 ]; then
		say "FAILED: $err has not one 'mpi: rank R of $np: ...' line per rank:"
		grep 'mpi:' "$err" >&2 || say "  (no mpi: line at all)"
		return 1
	fi
	echo "$got"
}

# ---- the exchanges, by the engine's step ----------------------------------------------------
# classes ADDR...: "addr class" for the return addresses the shim logged
# (the first of a call's frames that addr2line places in one of dist.c's
# steps names it)
classes() {
	[ $# -gt 0 ] || return 0
	addr2line -a -f -i -e "$hh" "$@" | awk '
		/^0x[0-9a-f]+$/ { a = $1; sub(/^0x0*/, "", a); i = 0; next }
		{ if (i++ % 2) next
		  if (a in c) next
		  if ($1 == "dist_read") c[a] = "e1"
		  else if ($1 == "forward") c[a] = "rep"
		  else if ($1 == "results" || $1 == "late_counts") c[a] = "gat"
		  else if ($1 == "roster_facts") c[a] = "e2"
		  else if ($1 == "final_findings") c[a] = "tal" }
		END { for (a in c) print a, c[a] }'
}
# shim_sum SHIMLOG CLASSFILE: one line of the rank's figures (see the
# header of ranks.txt below)
shim_sum() {
	awk -v cf="$2" '
		BEGIN { while ((getline l < cf) > 0) { split(l, f, " "); cls[f[1]] = f[2] }
			nk = split("e1 rep gat e2 tal oth", K, " ")
			# steps of the engine, each ended by the last alltoallv of
			# its classes
			split("e1 rep,gat e2 tal", B, " ") }
		$1 == "init" { iw = $2; ic = $3; p_init = $4; start = $4 - $3 }
		$1 == "call" { mcpu += $7; mwall += $6; last_p = $9; last_at = $8 + $6
			if ($3 == "alltoallv") { ps = $4; pr = $5; pend = 1; pc = $7; pp = $9; pat = $8 + $6 }
			else { ctl_s += $4; ctl_r += $5 }
			n_calls++; cpu_in[n_calls] = $7; p_end[n_calls] = $9; at_end[n_calls] = $8 + $6 }
		$1 == "at" && pend { pend = 0; k = "oth"
			for (i = 2; i <= NF; i++) { a = $i; sub(/^0x0*/, "", a); if (a in cls) { k = cls[a]; break } }
			S[k] += ps; R[k] += pr; lastcall[k] = n_calls; if (k == "e1") ne1++ }
		$1 == "end" { fw = $2; fc = $3; p_fin0 = $4; p_fin1 = $5 }
		END {
			# engine CPU per step: the process CPU between the last
			# calls of two steps, less the CPU inside MPI calls meanwhile
			prev = 0; pcpu_prev = p_init
			for (j = 1; j <= 4; j++) {
				e = 0; nb = split(B[j], bc, ",")
				for (q = 1; q <= nb; q++) if (lastcall[bc[q]] > e) e = lastcall[bc[q]]
				if (!e) { step[j] = 0; wend[j] = (j > 1 ? wend[j - 1] : 0); continue }
				inmpi = 0
				for (i = prev + 1; i <= e; i++) inmpi += cpu_in[i]
				step[j] = p_end[e] - pcpu_prev - inmpi
				wend[j] = at_end[e]
				prev = e; pcpu_prev = p_end[e]
			}
			inmpi = 0
			for (i = prev + 1; i <= n_calls; i++) inmpi += cpu_in[i]
			tail = p_fin0 - pcpu_prev - inmpi
			printf "%.4f %.4f %.4f %.4f %.4f", mcpu + ic + fc, mwall + iw + fw, iw, start, fw
			for (i = 1; i <= nk; i++) printf " %d %d", S[K[i]], R[K[i]]
			printf " %d %d %d", ctl_s, ctl_r, ne1
			printf " %.4f %.4f %.4f %.4f %.4f", step[1], step[2], step[3], step[4], tail
			printf " %.4f %.4f %.4f %.4f %.4f\n", wend[1], wend[2], wend[3], wend[4], last_at
		}' "$1"
}
ranks_hdr="c round n rank sent recv exch rss_mb parsed persons r_wall r_user r_sys r_rss_kb mpi_cpu mpi_wall init_wall start_cpu fin_wall e1_s e1_r rep_s rep_r gat_s gat_r e2_s e2_r tal_s tal_r oth_s oth_r ctl_s ctl_r e1_rounds cpu_ingest cpu_repair cpu_facts cpu_house cpu_tail at_ingest at_repair at_facts at_house at_end"
# collect C ROUND LOG: appends the run's ranks to ranks.txt; 1 when its
# figures cannot be read
collect() {
	local c=$1 r=$2 l=$3 np=${1#mpi_} lines k addrs
	lines=$(mpi_lines "$l.err" "$np") || return 1
	addrs=$(cat "$l".shim.* 2>/dev/null | awk '$1 == "at" { for (i = 2; i <= NF; i++) print $i }' | sort -u)
	# shellcheck disable=SC2086
	classes $addrs >"$l.classes"
	if [ "$np" -gt 1 ] && ! grep -q ' e1$' "$l.classes"; then
		say "WARNING: $l: addr2line placed no MPI_Alltoallv in dist_read: no debug information in $hh?"
		say "         (exchange 1's bytes and the CPU per step below are then wrong; build RelWithDebInfo)"
	fi
	for ((k = 0; k < np; k++)); do
		[ -f "$l.rank.$k" ] && [ -f "$l.shim.$k" ] || { say "FAILED: $l: no time or shim log of rank $k"; return 1; }
		echo "$c $r $np $k $(echo "$lines" | awk -v k="$k" '$1 == k { print $3, $4, $5, $6, $7, $8 }') $(cat "$l.rank.$k") $(shim_sum "$l.shim.$k" "$l.classes")"
	done >>"$bdir/ranks.txt"
}

# ---- the reference run, and what the month is ------------------------------------------
say "reference: one process, --threads 1"
ref=$bdir/ref/out
rm -rf "$bdir/ref"
mkdir -p "$bdir/ref"
"$hh" run --config "$dir/hhmatch.conf" --key "$key" --out "$ref" --threads 1 --quiet ||
	{ say "FAILED: the reference run"; exit 1; }
"$hh" verify --run "$ref" >/dev/null || { say "FAILED: hhmatch verify of the reference run"; exit 1; }
sources="civil_affairs education hr housing medical"
month=$bdir/month.txt # source rows_read rows_accepted persons persons_on_roster file_bytes text_bytes
: >"$month"
for s in $sources; do
	f=$(jq -r --arg s "$s" '.sources[$s].path' "$ref/report.json")
	case $f in
	*.gz) tb=$(igzip -dc "$f" | wc -c) ;;
	*) tb=$(stat -c %s "$f") ;;
	esac
	echo "$s $(jq -r --arg s "$s" '.sources[$s] | "\(.rows_read) \(.rows_accepted) \(.persons) \(.persons_on_roster)"' "$ref/report.json") $(stat -c %s "$f") $tb" >>"$month"
done
households=$(jq .households "$ref/report.json")
floor_files=()
for s in education hr housing medical; do
	floor_files+=("$(jq -r --arg s "$s" '.sources[$s].path' "$ref/report.json")")
done
floor_sh='for f; do case $f in *.gz) igzip -dc "$f" ;; *) cat "$f" ;; esac; done >/dev/null'

# ---- rounds --------------------------------------------------------------------------
results=$bdir/results.txt # contestant round wall user sys rss_kb other
: >"$results"
echo "$ranks_hdr" >"$bdir/ranks.txt"
contestants="st_t1 st_t2 floor"
for k in $ranks_list; do contestants="$contestants mpi_$k"; done
quiet_runs() {
	awk -v c="$1" '$1 == c && $7 <= 0.1 * $3 + 0.05 { k++ } END { print k + 0 }' "$results"
}
mkdir -p "$bdir/run"
for ((r = 1; r <= max_rounds; r++)); do
	todo=()
	for c in $contestants; do
		[ "$(quiet_runs "$c")" -ge "$runs" ] || todo+=("$c")
	done
	[ ${#todo[@]} -gt 0 ] || break
	say "round $r: ${todo[*]}"
	L=$bdir/logs/$r
	for c in "${todo[@]}"; do
		out=$bdir/run/$c-$r/out
		rm -rf "${out%/out}"
		mkdir -p "${out%/out}"
		case $c in
		floor)
			line=$(timed "$L-floor" bash -c "$floor_sh" _ "${floor_files[@]}")
			;;
		*)
			line=$(run_c "$L-$c" "$c" "$out" "$dir")
			cp "$out/report.json" "$L-$c.report.json"
			check_same "$ref" "$out" "$c round $r"
			if [[ $c == mpi_* ]] && ! collect "$c" "$r" "$L-$c"; then
				bad_runs+=("$c round $r: no per-rank figures")
			fi
			rm -rf "${out%/out}"
			;;
		esac
		echo "$c $r $line" >>"$results"
	done
done

# ---- the dirty month: identity only --------------------------------------------------
if [ "$dirty_n" -gt 0 ]; then
	say "identity: the dirty month ($dirty_n households) at 2, 3 and 4 ranks, chunks of 8192 and 7 rows"
	dref=$bdir/run/dirty-ref/out
	rm -rf "${dref%/out}"
	mkdir -p "${dref%/out}"
	"$hh" run --config "$ddir/hhmatch.conf" --key "$key" --out "$dref" --threads 1 --quiet ||
		{ say "FAILED: the dirty month's reference run"; exit 1; }
	for k in 2 3 4; do
		for chunk in "" 7; do
			out=$bdir/run/dirty-$k-${chunk:-default}/out
			rm -rf "${out%/out}"
			mkdir -p "${out%/out}"
			l=$bdir/logs/dirty-$k-${chunk:-default}
			if [ -n "$chunk" ]; then
				HH_MPI_CHUNK_ROWS=$chunk run_c "$l" "mpi_$k" "$out" "$ddir" >/dev/null
			else
				(unset HH_MPI_CHUNK_ROWS; run_c "$l" "mpi_$k" "$out" "$ddir" >/dev/null)
			fi
			check_same "$dref" "$out" "dirty month, $k ranks, chunks of ${chunk:-8192 (default)} rows"
			mpi_lines "$l.err" "$k" >/dev/null || bad_runs+=("dirty month, $k ranks, chunks ${chunk:-default}: mpi: lines")
			rm -rf "${out%/out}"
		done
	done
	rm -rf "${dref%/out}"
fi
# ---- perf: what a rank's per-row CPU is made of ---------------------------------------
# One more run at 2 ranks under perf (cpu-clock, CLOCK_MONOTONIC stamps);
# rank 1's samples between its MPI_Init and its last exchange 1 (the
# shim's clock) go to: read (inflate, CSV split, the reading loop), parse
# (what --threads threads share: ID check, HMAC, typed values,
# fingerprints, the wire record), settle (what the rank does with the
# rows it receives: duplicate set, tables, fold; its threads take one of
# the 16 parts of its table each at a time), kernel, MPI, other.  The
# model divides parsing by the rank's threads and settling by at most 16.
perf_frac=""
: >"$bdir/perf.txt"
if [ "${HH_MPI_BENCH_PERF:-1}" != 0 ] && command -v perf >/dev/null && perf --version >/dev/null 2>&1; then
	say "perf: rank 1's ingest at 2 ranks"
	pl=$bdir/logs/perf
	out=$bdir/run/perf/out
	rm -rf "${out%/out}" "$pl".*
	mkdir -p "${out%/out}"
	if HH_MPI_SHIM_LOG=$pl.shim mpirun --oversubscribe -np 2 -x HH_MPI_SHIM_LOG -x HH_MPI_SHIM="$shim" \
		bash -c 'exec perf record -q -k CLOCK_MONOTONIC -e cpu-clock -F 999 -o "$0.$OMPI_COMM_WORLD_RANK" env LD_PRELOAD="$HH_MPI_SHIM" "$@"' \
		"$pl.data" "$hh" run --mpi --threads 1 --config "$dir/hhmatch.conf" --key "$key" --out "$out" \
		>"$pl.out" 2>"$pl.err"; then
		check_same "$ref" "$out" "the perf run (2 ranks)"
		addrs=$(awk '$1 == "at" { for (i = 2; i <= NF; i++) print $i }' "$pl.shim.1" | sort -u)
		# shellcheck disable=SC2086
		classes $addrs >"$pl.classes"
		t0=$(awk '$1 == "init" { print $5 }' "$pl.shim.1")
		t1=$(shim_sum "$pl.shim.1" "$pl.classes" | awk -v t0="$t0" '{ print t0 + $26 }')
		perf script -i "$pl.data.1" -F time,ip,sym,dso 2>/dev/null | awk -v t0="$t0" -v t1="$t1" '
			{ t = $1; sub(/:$/, "", t); t += 0
			  if (t < t0 || t > t1) next
			  dso = $NF; gsub(/[()]/, "", dso); sub(/^.*\//, "", dso)
			  sym = ""; for (i = 3; i < NF; i++) sym = sym (i > 3 ? " " : "") $i
			  if (sym == "" || sym ~ /^\[unknown\]$/) sym = dso
			  if (dso ~ /kernel/) b = "kernel"
			  else if (dso ~ /^(libmpi|libopen-pal|libopen-rte|mca_|libevent|libpmix|libhwloc)/ || sym ~ /^(PMPI_|MPI_|opal_|ompi_|comm_)/) b = "mpi"
			  else if (dso ~ /^libisal/ || dso ~ /^libz\./ || sym ~ /^(csv_|ins_|iz_|crc32|dist_read$|same_input)/) b = "read"
			  else if (dso ~ /^(libcrypto|libxxhash)/ || sym ~ /^(ingest_prepare|parse_range|parse_chunk|schema_|idnum_|validate18|rules_parse|period_|pid_|dedup_typed|identify|put_row|put_record|ingest_morsel|ingest_row_number|__strncasecmp|strncasecmp|__strncmp|strlen|EVP_|SHA256|HMAC|OPENSSL)/) b = "parse"
			  else if (sym ~ /^(get_row|get_record|take_round|ingest_settle|ingest_fold|ingest_reject|rowset_|ptab_|rehash|table_|settle|fold_|own_open|dedup_)/) b = "settle"
			  else b = "other"
			  n++; c[b]++; cs[b, sym]++ }
			END {
				if (!n) exit
				printf "frac %.4f\n", (c["parse"] + c["settle"]) ? c["parse"] / (c["parse"] + c["settle"]) : 0
				for (b in c) {
					line = ""; k = 0
					# the six largest symbols of the bucket
					for (j = 0; j < 6; j++) {
						best = ""; bv = 0
						for (key in cs) { split(key, q, SUBSEP); if (q[1] == b && cs[key] > bv && !(key in used)) { bv = cs[key]; best = key } }
						if (best == "") break
						used[best] = 1; split(best, q, SUBSEP)
						line = line (k++ ? ", " : "") q[2] sprintf(" %.1f%%", 100 * bv / n)
					}
					printf "bucket %s %d %.1f %s\n", b, c[b], 100 * c[b] / n, line
				}
				printf "samples %d\n", n
			}' >"$bdir/perf.txt"
		perf_frac=$(awk '$1 == "frac" { print $2 }' "$bdir/perf.txt")
	else
		say "perf: the run failed (see $pl.err); the model assumes parse and settle alike"
	fi
	rm -rf "${out%/out}"
fi

rm -rf "$bdir/run"

# ---- report ------------------------------------------------------------------------------
quiet_or_all() { # CONTESTANT: 1 when the medians must take all its runs (none was quiet)
	[ "$(quiet_runs "$1")" -gt 0 ] && echo 0 || echo 1
}
med() { # CONTESTANT FIELD (3 wall, 4 user, 5 sys, 6 rss, cpu)
	awk -v c="$1" -v f="$2" -v all="$(quiet_or_all "$1")" '
		$1 == c && (all || $7 <= 0.1 * $3 + 0.05) { v[++k] = (f == "cpu") ? $4 + $5 : $f }
		END {
			if (!k) { print "nan"; exit }
			for (i = 1; i <= k; i++) for (j = i + 1; j <= k; j++)
				if (v[j] < v[i]) { t = v[i]; v[i] = v[j]; v[j] = t }
			m = (k % 2) ? v[(k + 1) / 2] : (v[k / 2] + v[k / 2 + 1]) / 2
			printf (f == 3) ? "%.3f\n" : (f == 6) ? "%d\n" : "%.2f\n", m
		}' "$results"
}
# the rounds the medians take, per contestant ("c r" lines)
awk '{ print }' "$results" | while read -r c r w rest; do
	all=$(quiet_or_all "$c")
	o=$(echo "$rest" | awk '{ print $4 }')
	if [ "$all" = 1 ] || awk -v o="$o" -v w="$w" 'BEGIN { exit !(o <= 0.1 * w + 0.05) }'; then echo "$c $r"; fi
done >"$bdir/used.txt"
# the medians of every field of ranks.txt per (contestant, rank) over the
# rounds the medians take: ranks-median.txt, ranks.txt's columns but round
awk '
	FILENAME == ARGV[1] { use[$1 " " $2] = 1; next }
	FNR == 1 { nf = NF; for (i = 1; i <= NF; i++) h[i] = $i
		printf "%s", h[1]; for (i = 3; i <= NF; i++) printf " %s", h[i]; print ""; next }
	($1 " " $2) in use { key = $1 " " $4; if (!(key in n)) keys[++nk] = key
		n[key]++; for (i = 3; i <= nf; i++) v[key, i, n[key]] = $i; c[key] = $1 }
	END {
		for (q = 1; q <= nk; q++) {
			key = keys[q]; k = n[key]
			printf "%s", c[key]
			for (i = 3; i <= nf; i++) {
				for (j = 1; j <= k; j++) a[j] = v[key, i, j] + 0
				for (j = 1; j <= k; j++) for (l = j + 1; l <= k; l++)
					if (a[l] < a[j]) { t = a[j]; a[j] = a[l]; a[l] = t }
				printf " %s", (k % 2) ? a[(k + 1) / 2] : (a[k / 2] + a[k / 2 + 1]) / 2
			}
			print ""
		}
	}' "$bdir/used.txt" "$bdir/ranks.txt" >"$bdir/ranks-median.txt"
# nothing deterministic may vary between rounds: bytes, exchanges, rows, persons
varying=$(awk 'NR > 1 { k = $1 " " $4; v = $5 " " $6 " " $7 " " $9 " " $10
		if ((k in s) && s[k] != v) print k; s[k] = v }' "$bdir/ranks.txt" | sort -u | tr '\n' ';')

rev=$(bench_rev "${HH_MPI_BENCH_REV:-}")
loaded=""
for c in $contestants; do
	q=$(quiet_runs "$c")
	[ "$q" -ge "$runs" ] || loaded="$loaded $c($q)"
done

# All the arithmetic in one awk: the tables, the derived costs, the model.
model_rows=${HH_MPI_MODEL_ROWS:-4e9}
model_roster=${HH_MPI_MODEL_ROSTER:-66e6}
model_cores=${HH_MPI_MODEL_CORES:-64}
model_ram=${HH_MPI_MODEL_RAM_GIB:-256}
model_gbit=${HH_MPI_MODEL_GBIT:-25}
model_nodes=${HH_MPI_MODEL_NODES:-1 2 4 8 16 32 64}
model_eff=${HH_MPI_MODEL_EFF:-0.8}
ident_note="every run identical to one process's"
[ ${#bad_runs[@]} -eq 0 ] || ident_note="OUTPUTS DIFFER: $(printf '%s; ' "${bad_runs[@]}")"
{
	[ ${#bad_runs[@]} -eq 0 ] || {
		echo "FAILED: outputs differ from the reference run's (one process, --threads 1; details in $bdir/differences.txt):"
		printf -- '- %s\n' "${bad_runs[@]}"
		sed 's/^/  /' "$bdir/differences.txt"
		echo
	}
	echo "hhmatch run --mpi on the skewed month ($form IDs): $n households, $(awk '{ s += $2 } END { print s }' "$month") rows"
	echo "$(date -u '+%Y-%m-%d %H:%M UTC') (the script ran $(awk -v a="$t_start" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.0f", b - a }') s), $(nproc) CPUs ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(awk '/MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)), hhmatch $rev, $(mpirun --version 2>/dev/null | head -1)"
	echo "medians of $runs quiet runs${loaded:+ (quiet runs for:$loaded; medians over those, over all runs where none was quiet)}; chunks of ${HH_MPI_CHUNK_ROWS:-8192 (default)} rows"
	echo "command: mpirun --oversubscribe -np N hhmatch run --mpi --threads 1 --config $(basename "$dir")/hhmatch.conf --key KEY --out DIR"
	echo "(each rank under /usr/bin/time with the PMPI shim LD_PRELOADed: scripts/bench-mpi.sh)"
	echo "identity: $ident_note${varying:+; FIGURES VARY BETWEEN ROUNDS for: $varying}"
	if [ "$(nproc)" -le 2 ]; then
		echo "NOTE: this machine has $(nproc) cores: at 3 and 4 ranks the ranks share them (--oversubscribe),"
		echo "so wall time there measures nothing about speed-up; bytes, rows, memory and the engine's CPU do."
	fi
	echo
	awk -v nh="$households" -v ranks="$ranks_list" -v mrows="$model_rows" -v mroster="$model_roster" \
		-v cores="$model_cores" -v ram_gib="$model_ram" -v gbit="$model_gbit" -v mnodes="$model_nodes" -v eff="$model_eff" \
		-v med_st1="$(med st_t1 3) $(med st_t1 cpu) $(med st_t1 6)" \
		-v med_st2="$(med st_t2 3) $(med st_t2 cpu) $(med st_t2 6)" \
		-v med_floor="$(med floor 3) $(med floor cpu)" -v perf_frac="$perf_frac" -v perf_file="$bdir/perf.txt" \
		-v med_mpi="$(for k in $ranks_list; do printf '%s:%s:%s:%s;' "$k" "$(med "mpi_$k" 3)" "$(med "mpi_$k" cpu)" "$(med "mpi_$k" 6)"; done)" \
		-f - "$month" "$bdir/ranks-median.txt" <<'AWK'
function mb(b) { return sprintf("%.1f", b / 1048576) }
function gib(b) { return sprintf("%.1f", b / 1073741824) }
function fit(name, xs, ys, k,   i, sx, sy, sxx, sxy, d) {
	# least squares y = A + B x over k points; sets FA[name], FB[name]
	if (k < 2) { FA[name] = "nan"; FB[name] = "nan"; return }
	for (i = 1; i <= k; i++) { sx += xs[i]; sy += ys[i]; sxx += xs[i] * xs[i]; sxy += xs[i] * ys[i] }
	d = k * sxx - sx * sx
	if (d == 0) { FA[name] = "nan"; FB[name] = "nan"; return }
	FB[name] = (k * sxy - sx * sy) / d
	FA[name] = (sy - FB[name] * sx) / k
	FN[name] = k
}
function dur(s) { return s < 120 ? sprintf("%.0f s", s) : s < 7200 ? sprintf("%.1f min", s / 60) : sprintf("%.1f h", s / 3600) }
function sci(x) { return x >= 1e9 ? sprintf("%.2f G", x / 1e9) : x >= 1e6 ? sprintf("%.1f M", x / 1e6) : sprintf("%.0f", x) }
FILENAME == ARGV[1] {
	src[++ns] = $1; rows[$1] = $2; acc[$1] = $3; pers[$1] = $4; onr[$1] = $5; fb[$1] = $6; tb[$1] = $7
	next
}
FNR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
{
	c = $1; k = $(col["rank"]); np = $(col["n"])
	for (f in col) V[c, k, f] = $(col[f])
	nr[c] = np
}
END {
	split(med_st1, S1, " "); split(med_st2, S2, " "); split(med_floor, FL, " ")
	nm = split(med_mpi, MM, ";")
	for (i = 1; i <= nm; i++) if (MM[i] != "") { split(MM[i], q, ":"); MW[q[1]] = q[2]; MC[q[1]] = q[3]; MR[q[1]] = q[4] }
	nk = split(ranks, RK, " ")

	# ---- 1. the month
	print "== 1. the month (report.json of the reference run; text = the bytes a reader splits, inflated)"
	print ""
	print "| source | rows | accepted | persons | on the roster | file MB | text MB | text bytes / row | rows / person |"
	print "|---|---:|---:|---:|---:|---:|---:|---:|---:|"
	for (i = 1; i <= ns; i++) {
		s = src[i]
		printf "| %s | %d | %d | %d | %d | %s | %s | %.0f | %.2f |\n", s, rows[s], acc[s], pers[s], onr[s], mb(fb[s]), mb(tb[s]), tb[s] / rows[s], rows[s] / (pers[s] ? pers[s] : 1)
		if (s != "civil_affairs") { xr += rows[s]; xa += acc[s]; xp += pers[s]; xt += tb[s]; xf += fb[s] }
	}
	R = onr["civil_affairs"]; rr = rows["civil_affairs"]
	printf "| the four others | %d | %d | %d | | %s | %s | %.0f | %.2f |\n", xr, xa, xp, mb(xf), mb(xt), xt / xr, xr / xp
	printf "\n%d households; roster persons %d\n\n", nh, R

	# ---- 2. runs
	print "== 2. runs"
	print ""
	print "wall: the whole run; CPU: user + sys of every process (mpirun and the ranks); engine CPU: the ranks' CPU outside MPI"
	print "calls and comm.c's naps between polls (there a rank waits for the others, or MPI copies); RSS: the largest process"
	print ""
	print "| run | wall s | CPU s | engine CPU s | in MPI calls s | largest RSS MB | bytes sent, all ranks MB | exchanges |"
	print "|---|---:|---:|---:|---:|---:|---:|---:|"
	printf "| one process, --threads 1 | %s | %s | %s | | %.0f | | |\n", S1[1], S1[2], S1[2], S1[3] / 1024
	printf "| one process, --threads 2 | %s | %s | %s | | %.0f | | |\n", S2[1], S2[2], S2[2], S2[3] / 1024
	for (i = 1; i <= nk; i++) {
		n = RK[i]; c = "mpi_" n
		if (!(c in nr)) { printf "| --mpi, %d rank(s) | %s | %s | (no per-rank figures) | | %.0f | | |\n", n, MW[n], MC[n], MR[n] / 1024; continue }
		ec = 0; mc = 0; sb = 0
		for (k = 0; k < n; k++) { ec += V[c, k, "r_user"] + V[c, k, "r_sys"] - V[c, k, "mpi_cpu"]; mc += V[c, k, "mpi_cpu"]; sb += V[c, k, "sent"] }
		EC[n] = ec
		printf "| --mpi, %d rank(s)%s | %s | %s | %.2f | %.2f | %.0f | %s | %d |\n", n, (n > 2 ? " (oversubscribed)" : ""), MW[n], MC[n], ec, mc, MR[n] / 1024, mb(sb), V[c, 0, "exch"]
	}
	printf "| floor: inflate / cat of the four streams every rank reads | %s | %s | | | | | |\n", FL[1], FL[2]
	print ""
	print "Per rank (engine line: sent, received, exchanges, peak RSS before rank 0's outputs, rows parsed, persons held;"
	print "/usr/bin/time: peak RSS of the whole process, CPU; shim: bytes by step, CPU outside MPI calls by step):"
	print ""
	print "| ranks | rank | parsed rows | persons | sent MB | received MB | exch. 1 sent / recv MB | exch. 2 sent / recv MB | other sent / recv MB | exchanges | RSS MB (line / process) | CPU s | engine CPU s | ingest / repair+counts / exch. 2 / households / tail s | rank wall s |"
	print "|---:|---:|---:|---:|---:|---:|---|---|---|---:|---|---:|---:|---|---:|"
	for (i = 1; i <= nk; i++) {
		n = RK[i]; c = "mpi_" n
		if (!(c in nr)) continue
		for (k = 0; k < n; k++) {
			os = V[c, k, "rep_s"] + V[c, k, "gat_s"] + V[c, k, "tal_s"] + V[c, k, "oth_s"]
			orr = V[c, k, "rep_r"] + V[c, k, "gat_r"] + V[c, k, "tal_r"] + V[c, k, "oth_r"]
			printf "| %d | %d | %d | %d | %s | %s | %s / %s | %s / %s | %s / %s | %d | %d / %.0f | %.2f | %.2f | %.2f / %.2f / %.2f / %.2f / %.2f | %.2f |\n",
				n, k, V[c, k, "parsed"], V[c, k, "persons"], mb(V[c, k, "sent"]), mb(V[c, k, "recv"]),
				mb(V[c, k, "e1_s"]), mb(V[c, k, "e1_r"]), mb(V[c, k, "e2_s"]), mb(V[c, k, "e2_r"]), mb(os), mb(orr),
				V[c, k, "exch"], V[c, k, "rss_mb"], V[c, k, "r_rss_kb"] / 1024,
				V[c, k, "r_user"] + V[c, k, "r_sys"], V[c, k, "r_user"] + V[c, k, "r_sys"] - V[c, k, "mpi_cpu"],
				V[c, k, "cpu_ingest"], V[c, k, "cpu_repair"], V[c, k, "cpu_facts"], V[c, k, "cpu_house"], V[c, k, "cpu_tail"],
				V[c, k, "r_wall"]
		}
	}
	print ""
	print "Rank 0's steps on the clock (seconds since its MPI_Init; the critical path): end of exchange 1 / of repair and"
	print "counts / of exchange 2 / of households and tally / its last MPI call (then the outputs, then MPI_Finalize):"
	print ""
	for (i = 1; i <= nk; i++) {
		n = RK[i]; c = "mpi_" n
		if (!(c in nr)) continue
		printf "- %d rank(s): %.2f / %.2f / %.2f / %.2f / %.2f; whole rank 0 %.2f s\n", n, V[c, 0, "at_ingest"], V[c, 0, "at_repair"], V[c, 0, "at_facts"], V[c, 0, "at_house"], V[c, 0, "at_end"], V[c, 0, "r_wall"]
	}
	print ""

	# ---- 3. costs per row
	print "== 3. costs per row, person and rank (derived from section 2)"
	print ""
	kx = 0; ky = 0; ke = 0
	for (i = 1; i <= nk; i++) {
		n = RK[i]; c = "mpi_" n
		if (!(c in nr) || n < 2) continue
		f = (n - 1) / n
		e1 = 0; e2a = 0; e2r = 0; oth = 0
		for (k = 0; k < n; k++) {
			e1 += V[c, k, "e1_s"]; oth += V[c, k, "rep_s"] + V[c, k, "gat_s"] + V[c, k, "tal_s"] + V[c, k, "oth_s"]
			if (k > 0) {
				kx++; PX[kx] = V[c, k, "parsed"]; PY[kx] = V[c, k, "cpu_ingest"]
				MX[kx] = V[c, k, "persons"]; MY[kx] = V[c, k, "r_rss_kb"] * 1024
				HY[kx] = V[c, k, "cpu_house"]
				FX[kx] = V[c, k, "e2_r"]; FY[kx] = V[c, k, "cpu_facts"]
			}
		}
		e2a = V[c, 0, "e2_s"]; e2r = V[c, 0, "e2_r"]
		fit_ns = fit_ns (fit_ns == "" ? "" : ", ") n
		W[n] = e1 / (xr * f); E1T[n] = e1; A2[n] = e2a / (R * f); R2[n] = e2r / (R * f); OT[n] = oth
		last_n = n
	}
	fit("ingest", PX, PY, kx); fit("rss", MX, MY, kx); fit("facts", FX, FY, kx); fit("house", MX, HY, kx)
	print "| ranks | exchange 1: MB put on the wire (all ranks) | bytes per row that left its reader (rows x (N-1)/N) | per valid row of the month | exchange 2: bytes per roster person asked / answered | other steps MB (repair, counts, rejects, findings, tally) |"
	print "|---:|---:|---:|---:|---|---:|"
	for (i = 1; i <= nk; i++) {
		n = RK[i]
		if (!(n in W)) continue
		printf "| %d | %s | %.1f | %.1f | %.1f / %.1f | %s |\n", n, mb(E1T[n]), W[n], E1T[n] / xa, A2[n], R2[n], mb(OT[n])
	}
	print ""
	if (FA["ingest"] == "nan") {
		print "(the fits need ranks other than 0 at two or more rank counts >= 2: not enough runs)"
		print ""
	} else {
		# per-row CPU, single process, for comparison
		st_row = S1[2] / (xr + rr)
		printf "Least squares over the %d ranks other than 0 at %s ranks (x = that rank's figure):\n", FN["ingest"], fit_ns
		printf "- ingest CPU (engine, outside MPI) = %.3f s + %.0f ns x rows parsed.  The fixed part is what every rank does\n", FA["ingest"], FB["ingest"] * 1e9
		printf "  whatever N: inflate and split every non-roster stream whole (%s MB of text, %.0f ns per row of the\n", mb(xt), FA["ingest"] / xr * 1e9
		printf "  four sources), plus start-up.  The floor (igzip -dc / cat of them, no CSV split) took %s s CPU.\n", FL[2]
		printf "  Per parsed row (ID check, HMAC, typed values, fingerprint, wire record, and the owner's\n"
		printf "  duplicate check and fold of the row it receives): %.0f ns.\n", FB["ingest"] * 1e9
		FB["facts"] *= A2[last_n] # per byte asked -> per roster person asked
		printf "- exchange 2 CPU of an owner = %.3f s + %.0f ns x roster persons it answers\n", FA["facts"], FB["facts"] * 1e9
		printf "- households step of an owner (discoveries and ID conflicts off the roster) = %.3f s + %.0f ns x persons held\n", FA["house"], FB["house"] * 1e9
		printf "- peak RSS = %s MB + %.0f bytes x persons held (a person-source record with its rows' duplicate-set share;\n", mb(FA["rss"]), FB["rss"]
		printf "  this month has %.2f rows per person-source record)\n", xr / xp
		c = "mpi_" last_n
		r0_ing = V[c, 0, "cpu_ingest"] - (FA["ingest"] + FB["ingest"] * V[c, 0, "parsed"])
		r0_mem = V[c, 0, "r_rss_kb"] * 1024 - (FA["rss"] + FB["rss"] * V[c, 0, "persons"])
		printf "- rank 0 at %d ranks, beyond an owner of its share: ingest %.2f s CPU more (the roster: %d rows, %.0f ns a row),\n", last_n, r0_ing, rr, r0_ing / rr * 1e9
		printf "  repair and counts %.2f s, exchange 2 %.2f s, households %.2f s (%.1f us a household), outputs %.2f s\n", V[c, 0, "cpu_repair"], V[c, 0, "cpu_facts"], V[c, 0, "cpu_house"], V[c, 0, "cpu_house"] / nh * 1e6, V[c, 0, "cpu_tail"]
		printf "  (%.1f us a household); peak RSS %s MB more than an owner of its persons: %.0f bytes per roster person\n", V[c, 0, "cpu_tail"] / nh * 1e6, mb(r0_mem), r0_mem / R
		printf "- one process, --threads 1: %.0f ns CPU per row of the month, all steps (%s s / %d rows)\n", st_row * 1e9, S1[2], xr + rr
		print ""
		pf = perf_frac + 0
		if (perf_frac == "") {
			pf = 0.5
			print "(no perf run: the model takes half of the per-row CPU as what a rank's threads share)"
		} else {
			while ((getline l < perf_file) > 0) {
				split(l, q, " ")
				if (q[1] == "samples") ps = q[2]
				if (q[1] == "bucket") { pb[q[2]] = q[4]; t = l; sub(/^bucket [^ ]+ [^ ]+ [^ ]+ /, "", t); ptop[q[2]] = t }
			}
			printf "Rank 1 at 2 ranks under perf, its ingest step (%d cpu-clock samples at 999 Hz), by what the code does:\n", ps
			print ""
			print "| part | share | largest symbols (share of the step) |"
			print "|---|---:|---|"
			split("read parse settle kernel mpi other", PO, " ")
			for (j = 1; j <= 6; j++) if (PO[j] in pb) printf "| %s | %.1f %% | %s |\n", PO[j], pb[PO[j]], ptop[PO[j]]
			print ""
			printf "parse / (parse + settle) = %.2f: of the %.0f ns a row, %.0f ns are parsing (the rank's --threads\n", pf, FB["ingest"] * 1e9, FB["ingest"] * pf * 1e9
			printf "threads share it) and %.0f ns settling (measured at --threads 1; its threads share it too, by part).  Kernel time is\n", FB["ingest"] * (1 - pf) * 1e9
			print "mostly the naps of a waiting rank and fresh pages; it and the rest are left in the per-row figure as measured."
			print ""
		}

		# ---- 4. the national month
		sx = (mrows - mroster * rr / R) / xr    # scale of the four sources
		sr = mroster / R                        # scale of the roster
		nat_rows = xr * sx; nat_pers = xp * sx; nat_text = xt * sx; nat_file = xf * sx
		print "== 4. the national month, modelled from section 3 (assumptions first; docs/distributed.md)"
		print ""
		printf "Assumed: %s rows a month, %s roster persons (%s roster rows at this month's %.4f a person); the other\n", sci(mrows), sci(mroster), sci(mroster * rr / R), rr / R
		printf "%s rows split among education, hr, housing and medical as in this month, each with this month's rows per\n", sci(nat_rows)
		printf "person and text bytes per row: so %s person-source records (the persons the extracts hold), %s GB of\n", sci(nat_pers), sprintf("%.0f", nat_text / 1e9)
		printf "text to inflate and split (%s GB of files).  Scale from this month: x %.0f (four sources), x %.1f (roster).\n", sprintf("%.0f", nat_file / 1e9), sx, sr
		printf "Nodes: %d cores, %d GiB, %d Gbit/s (line rate; traffic between ranks of one node left out).\n", cores, ram_gib, gbit
		print "CPU as measured here, on one core of this VM.  A rank's reader thread reads every stream whole; its"
		printf "--threads threads parse its chunks (%.0f %% of the per-row CPU, perf above), assumed at %.0f %% efficiency\n", pf * 100, eff * 100
		printf "(one process: 1 -> 2 threads measured %.2fx above); its threads settle the rows it receives, one of\n", S1[1] / S2[1]
		print "the 16 parts of its table each at a time (so at most 16 at once), at the same efficiency."
		print "Rank 0 reads the roster meanwhile with its workers (on the critical path only if that takes longer"
		print "than the other sources).  The steps after ingest are taken at the one-thread CPU measured here"
		print "(upper bounds: rank 0's households and outputs use its threads too)."
		print ""
		for (s = 1; s <= ns; s++) if (src[s] != "civil_affairs")
			printf "  %s: %s rows, %s person records, %s GB text\n", src[s], sci(rows[src[s]] * sx), sci(pers[src[s]] * sx), sprintf("%.0f", tb[src[s]] * sx / 1e9)
		print ""
		t_stream = FA["ingest"] * sx
		r0_extra_mem = r0_mem * sr
		t_roster1 = r0_ing * sr
		r0_tail = (V[c, 0, "cpu_repair"] + V[c, 0, "cpu_facts"] + V[c, 0, "cpu_house"] + V[c, 0, "cpu_tail"]) * sr
		bw = gbit * 1e9 / 8
		nn = split(mnodes, NN, " ")
		for (layout = 1; layout <= 2; layout++) {
			rpn = (layout == 1) ? cores : 1
			par = (layout == 1) ? 1 : cores * eff
			# settling: the rank's threads, one part of its table each at a
			# time (16 parts: dist.c)
			spar = (layout == 1) ? 1 : (cores < 16 ? cores : 16) * eff
			if (layout == 1)
				printf "One rank per core (-np nodes x %d, --threads 1):\n\n", cores
			else
				printf "\nOne rank per node (-np nodes, --threads %d):\n\n", cores
			print "| nodes | ranks | rows parsed / rank | exch. 1 total TB | exch. 1 out of each node GB | time on the network | memory / rank GiB | memory / node GiB (node 0) | fits in 90 % of RAM | read every stream (fixed) | parse + fold | roster (rank 0, meanwhile) | exch. 2 + households step, owners | rank 0: repair, exch. 2, households, outputs | estimate |"
			print "|---:|---:|---:|---:|---:|---:|---:|---|---|---:|---:|---:|---:|---:|---:|"
			for (i = 1; i <= nn; i++) {
				nodes = NN[i]; N = nodes * rpn
				per_rows = nat_rows / N
				e1_total = W[last_n] * nat_rows * (N - 1) / N
				e1_node = (N > 1) ? e1_total / nodes * (N - rpn) / (N - 1) : 0
				t_net = e1_node / bw + (A2[last_n] + R2[last_n]) * mroster * (N - 1) / N / bw
				mem_rank = FA["rss"] + FB["rss"] * nat_pers / N
				mem_node = rpn * mem_rank
				t_parse = FB["ingest"] * per_rows * (pf / par + (1 - pf) / spar)
				t_roster = t_roster1 / par
				t_owner = FA["facts"] + FB["facts"] * mroster / N + FA["house"] + FB["house"] * nat_pers / N
				t_ing = t_stream + t_parse
				if (t_roster > t_ing) t_ing = t_roster
				tot = t_ing + t_owner + t_net + r0_tail
				fits = (mem_node + r0_extra_mem <= 0.9 * ram_gib * 1073741824) ? "yes" : "NO"
				printf "| %d | %d | %s | %.2f | %.0f | %s | %.2f | %.0f (%.0f) | %s | %s | %s | %s | %s | %s | %s |\n", nodes, N, sci(per_rows), e1_total / 1e12, e1_node / 1e9, dur(t_net), mem_rank / 1073741824, mem_node / 1073741824, (mem_node + r0_extra_mem) / 1073741824, fits, dur(t_stream), dur(t_parse), dur(t_roster), dur(t_owner), dur(r0_tail), dur(tot)
			}
		}
		print ""
		printf "Read every stream (%s per rank, whatever N): each rank inflates and splits all %s GB of the four\n", dur(t_stream), sprintf("%.0f", nat_text / 1e9)
		printf "sources' text (%.0f ns a row here).  No N shortens it: with rank 0's steps after ingest (%s) it is\n", FA["ingest"] / xr * 1e9, dur(r0_tail)
		printf "the floor of the run, %s.  One rank per core reads the month %d times on each node (%s of CPU\n", dur(t_stream + r0_tail), cores, dur(t_stream * cores)
		print "a node for reading alone); one rank per node reads it once a node."
		need = FB["rss"] * nat_pers
		printf "Memory: %s GiB of person records in all (%.0f bytes x %s), plus %s MB a rank; rank 0 adds %s GiB\n", sprintf("%.0f", need / 1073741824), FB["rss"], sci(nat_pers), mb(FA["rss"]), gib(r0_extra_mem)
		printf "(the roster and its persons' records).  With 90 %% of a node's RAM usable, the month needs\n"
		for (layout = 1; layout <= 2; layout++) {
			rpn = (layout == 1) ? cores : 1
			usable = 0.9 * ram_gib * 1073741824 - rpn * FA["rss"]
			nm = (need + r0_extra_mem) / usable
			printf "%s%d node(s) (%.2f) with one rank per %s", (layout == 1 ? "" : " and "), (nm == int(nm)) ? nm : int(nm) + 1, nm, (layout == 1 ? "core" : "node")
		}
		print "."
		print "estimate = the longer of (read + parse and fold) and rank 0's roster, + network + the owners' later"
		print "steps + rank 0's steps after ingest.  A rank reads a round, exchanges it, then settles what it got, so"
		print "the network time adds to the reading; the owners' later steps overlap rank 0's in part (counted in full)."
	}
}
AWK
} >"$txt.part"
mv "$txt.part" "$txt"
cat "$txt"

# ---- mpi.json ---------------------------------------------------------------------------
jq -n --arg rev "$rev" --arg date "$(date -u '+%Y-%m-%dT%H:%M:%SZ')" --argjson households "$households" \
	--arg form "$form" --argjson cpus "$(nproc)" --argjson runs "$runs" \
	--arg identity "$ident_note" --arg varying "$varying" \
	--rawfile month "$month" --rawfile results "$results" --rawfile ranks "$bdir/ranks-median.txt" \
	--rawfile used "$bdir/used.txt" --arg text "$(cat "$txt")" '
	def rows($s): $s | split("\n") | map(select(length > 0) | split(" "));
	def num: if test("^-?[0-9.]+(e[-+]?[0-9]+)?$") then tonumber else . end;
	(rows($ranks)) as $r
	| ($r[0]) as $h
	| ($used | split("\n") | map(select(length > 0))) as $u
	| {
		revision: $rev, date: $date, form: $form, households: $households, cpus: $cpus,
		oversubscribed_above: $cpus, rounds: $runs, identity: $identity,
		figures_varying_between_rounds: $varying,
		month: (rows($month) | map({source: .[0], rows: (.[1] | tonumber), accepted: (.[2] | tonumber),
			persons: (.[3] | tonumber), persons_on_roster: (.[4] | tonumber),
			file_bytes: (.[5] | tonumber), text_bytes: (.[6] | tonumber)})),
		runs: (rows($results) | map({contestant: .[0], round: (.[1] | tonumber), wall_s: (.[2] | tonumber),
			user_s: (.[3] | tonumber), sys_s: (.[4] | tonumber), max_rss_kb: (.[5] | tonumber),
			other_load_s: (.[6] | tonumber), in_medians: ((.[0] + " " + .[1]) as $k | any($u[]; . == $k))})),
		ranks_median: ($r[1:] | map(. as $row | [range(0; $h | length) | {key: $h[.], value: ($row[.] | num)}] | from_entries)),
		report: $text
	}' >"$json"

t_end=$EPOCHREALTIME
say "$(awk -v a="$t_start" -v b="$t_end" 'BEGIN { printf "done in %.0f s", b - a }'); $txt, $json"
if [ ${#bad_runs[@]} -ne 0 ]; then
	say "FAILED: outputs differ from the reference run's (one process, --threads 1):"
	printf '  %s\n' "${bad_runs[@]}" >&2
	exit 1
fi
