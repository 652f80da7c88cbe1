#!/usr/bin/env bash
# bench.sh - hhmatch against DuckDB and against the I/O floor (issue 4).
#
#   scripts/bench.sh                       all sizes: 50000 200000 800000 households
#   HH_BENCH_SIZES="50000 200000" scripts/bench.sh
#
# Runs on a fresh Debian 12 machine as root: installs what is missing
# (scripts/setup.sh for the build, plus GNU time, gzip, nodejs and npm from
# apt), builds hhmatch (RelWithDebInfo, into build-bench/), and installs the
# npm package @duckdb/node-api (it ships DuckDB's native library) into
# scripts/bench/node_modules (git-ignored).
#
# Workload, per size: `hhmatch gen --clean --seed 1 --period 202611` months
# in two forms, both with hr and medical as .csv.gz and the other three
# sources as plain CSV:
#   pid   pre-pseudonymised extracts (--pid-sources --key): pid, birth_date, sex
#   raw   raw ID numbers and names (hhmatch computes the HMAC of every row)
#
# Contestants, per size, in alternating rounds (HH_BENCH_RUNS quiet runs
# each, default 3, median reported; see "Other load" below):
#   hhmatch pid, --threads 1      hhmatch run --config DIR/hhmatch.conf ...
#   hhmatch pid, --threads 2
#   hhmatch raw, --threads 2
#   DuckDB pid                     node scripts/bench/run.mjs households.sql:
#                                  one SQL script computing households.csv with
#                                  the contract's rules, read_csv straight from
#                                  the files, SET threads = 2
#   floor pid / floor raw          gzip -dc of each .gz file in parallel with
#                                  cat of each plain file, to /dev/null
# Every process runs under /usr/bin/time -v: wall, user+sys CPU, max RSS.
# DuckDB's wall is reported twice: the query (from opening the database to
# the end of the COPY, measured inside node: the figure the ratios use) and
# the whole node process (adds ~0.1-0.2 s of node and library start-up).
# Its RSS includes node's own ~45 MB.
#
# Correctness gate (before any timing): on the smallest size's pid month
# (50,000 households by default) DuckDB's households.csv must give every
# household the same risk_score and reasons as hhmatch's; mismatches are
# printed and the script fails.  It also says whether the files are
# byte-identical.
#
# Other load: on a shared machine, CPU taken by other processes during a run
# is measured from /proc/stat (machine busy time minus the run's own CPU).
# A run is quiet when that is at most 10 % of its wall (+ 0.05 s); loaded
# runs are repeated in further rounds (up to HH_BENCH_MAX_ROUNDS), and the
# report says which medians had to include loaded runs.
#
# Caches: the OS page cache is not dropped (that needs root and takes the
# other engineers' files with it); every file is read once during the gate
# or the first round, so all timed runs read warm files, the floor included.
#
# Output: the table and the machine, printed and written to docs/benchmark.md
# (HH_BENCH_DOC=path to write elsewhere, HH_BENCH_DOC= to skip).  Logs of every
# run in $HH_BENCH_DIR/logs.
#
# Environment:
#   HH_BENCH_SIZES   households per month, space separated (50000 200000 800000)
#   HH_BENCH_RUNS    quiet runs per contestant and size (3)
#   HH_BENCH_MAX_ROUNDS  rounds at most per size (3 x HH_BENCH_RUNS)
#   HH_BENCH_DIR     data, outputs and logs (build-bench/bench); months are
#                    generated once and reused when their marker file matches
#   HH_BENCH_DOC     the report file (docs/benchmark.md)
#   HH_BENCH_REV     the revision to print (default: git's, marked when
#                    matcher/ or connectors/ hold uncommitted changes)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

sizes=${HH_BENCH_SIZES:-50000 200000 800000}
runs=${HH_BENCH_RUNS:-3}
max_rounds=${HH_BENCH_MAX_ROUNDS:-$((3 * runs))}
bdir=${HH_BENCH_DIR:-$root/build-bench/bench}
doc=${HH_BENCH_DOC-docs/benchmark.md}
period=202611
seed=1
hh=$root/build-bench/hhmatch
say() { echo "bench: $*" >&2; }

# ---- dependencies -------------------------------------------------------
. scripts/bench/prepare.sh
scripts/setup.sh
need=()
[ -x /usr/bin/time ] || need+=(time)
command -v gzip >/dev/null || need+=(gzip)
command -v node >/dev/null || need+=(nodejs)
command -v npm >/dev/null || need+=(npm)
bench_install ${need[@]+"${need[@]}"}

# ---- build (the hhmatch target only: tests are not needed here) ----------
bench_build
"$hh" gen --help >/dev/null

bench_duckdb

# ---- data ----------------------------------------------------------------
mkdir -p "$bdir/logs"
key=$bdir/bench.key
[ -f "$key" ] || "$hh" keygen --out "$key" >/dev/null

# gen_month DIR N FORM: generates once; the marker records the command
gen_month() {
	local dir=$1 n=$2 form=$3 args=()
	[ "$form" = pid ] && args=(--pid-sources --key "$key")
	local marker="gen --households $n --seed $seed --period $period --clean ${args[*]} $(sha256sum "$hh" | cut -c1-16) $(cut -c1-16 "$key" | sha256sum | cut -c1-16)"
	if [ -f "$dir/.bench-marker" ] && [ "$(cat "$dir/.bench-marker")" = "$marker" ]; then
		return
	fi
	say "generating $form month, $n households"
	rm -rf "$dir"
	"$hh" gen --out "$dir" --households "$n" --seed "$seed" --period "$period" \
		--clean "${args[@]}" >/dev/null
	for f in civil_affairs.csv education.csv hr.csv.gz housing.csv medical.csv.gz; do
		[ -f "$dir/$f" ] || { say "gen did not write $dir/$f"; exit 1; }
	done
	echo "$marker" >"$dir/.bench-marker"
}

# ---- measurement (busy_s, timed: scripts/bench/prepare.sh) ---------------
hh_cmd() { # DIR THREADS OUTDIR: the command line of one hhmatch run
	echo "$hh" run --config "$1/hhmatch.conf" --key "$key" --period "$period" \
		--out "$3" --threads "$2" --quiet
}
run_hhmatch() { # DIR THREADS OUTDIR
	rm -rf "$3"
	$(hh_cmd "$@")
}
# timed_hh LOG DIR THREADS: one timed hhmatch run into $bdir/out
timed_hh() {
	local log=$1
	shift
	rm -rf "$bdir/out"
	timed "$log" $(hh_cmd "$@" "$bdir/out")
}

floor() { # DIR
	local pids=() f
	for f in "$1"/*.csv.gz; do gzip -dc "$f" >/dev/null & pids+=($!); done
	for f in "$1"/*.csv; do
		case $f in */truth.csv) continue ;; esac
		cat "$f" >/dev/null & pids+=($!)
	done
	for p in "${pids[@]}"; do wait "$p"; done
}
export -f floor

duck_cmd() { # DIR OUTCSV
	echo node scripts/bench/run.mjs scripts/bench/households.sql "$1" "$2"
}

results=$bdir/results.txt # size contestant round wall user sys rss other [query_wall]
contestants="hh_pid_t1 hh_pid_t2 hh_raw_t2 duckdb floor_pid floor_raw"
# quiet_runs SIZE CONTESTANT: runs during which other processes took at
# most 10 % of the run's wall (+ 0.05 s) in CPU: on 2 CPUs anything more
# takes CPU from a 2-thread contestant
quiet_runs() {
	awk -v n="$1" -v c="$2" '$1 == n && $2 == c && $8 <= 0.1 * $4 + 0.05 { k++ } END { print k + 0 }' "$results"
}
: >"$results"

for n in $sizes; do
	gen_month "$bdir/pid-$n" "$n" pid
	gen_month "$bdir/raw-$n" "$n" raw
done

# ---- correctness gate ----------------------------------------------------
gate_n=$(echo $sizes | tr ' ' '\n' | sort -n | head -1)
gdir=$bdir/pid-$gate_n
say "correctness gate on the $gate_n-household pid month"
run_hhmatch "$gdir" 2 "$bdir/gate-hhmatch"
$(duck_cmd "$gdir" "$bdir/gate-duckdb.csv") 2>"$bdir/logs/gate-duckdb.err"
awk -F, '
	FNR == 1 { next }
	NR == FNR { score[$1] = $9; reasons[$1] = $11; other[$1] = $2 FS $3 FS $4 FS $5 FS $6 FS $7 FS $8; next }
	{
		seen[$1] = 1; n++
		if (!($1 in score)) { bad++; if (bad <= 20) print "only in DuckDB: " $1; next }
		if (score[$1] != $9 || reasons[$1] != $11) {
			bad++
			if (bad <= 20) printf "%s: hhmatch %s [%s], DuckDB %s [%s]\n", $1, score[$1], reasons[$1], $9, $11
		}
		if (other[$1] != $2 FS $3 FS $4 FS $5 FS $6 FS $7 FS $8) {
			diffcols++
			if (diffcols <= 5) print "other columns differ: " $1 >"/dev/stderr"
		}
	}
	END {
		for (h in score) if (!(h in seen)) { bad++; if (bad <= 20) print "only in hhmatch: " h }
		printf "gate: %d households compared, %d risk_score/reasons mismatches, %d with other columns differing\n", n, bad, diffcols
		exit bad > 0
	}' "$bdir/gate-hhmatch/households.csv" "$bdir/gate-duckdb.csv" || {
	say "FAILED: DuckDB and hhmatch disagree (above)"
	exit 1
}
if cmp -s "$bdir/gate-hhmatch/households.csv" "$bdir/gate-duckdb.csv"; then
	gate_msg="households.csv byte-identical ($(($(wc -l <"$bdir/gate-duckdb.csv") - 1)) households)"
else
	gate_msg="risk_score and reasons agree on every household (files not byte-identical)"
fi
say "gate passed: $gate_msg"
duck_version=$(node --input-type=module -e "
	import { DuckDBInstance } from '$root/scripts/bench/node_modules/@duckdb/node-api/lib/index.js';
	const c = await (await DuckDBInstance.create(':memory:')).connect();
	const r = await c.runAndReadAll('select version()');
	console.log(r.getRows()[0][0]);" 2>/dev/null || echo '?')

# rows read (all five sources) of a month, from hhmatch's report.json
rows_of() {
	grep '"rows_read"' "$1/report.json" | tr -dc '0-9\n' | awk '{ s += $1 } END { print s }'
}

# ---- timed rounds --------------------------------------------------------
declare -A rows
for n in $sizes; do
	pdir=$bdir/pid-$n
	rdir=$bdir/raw-$n
	# every round runs, in this order, each contestant that still has
	# fewer than $runs quiet runs; at most $max_rounds rounds
	for ((r = 1; r <= max_rounds; r++)); do
		todo=()
		for c in $contestants; do
			[ "$(quiet_runs "$n" "$c")" -ge "$runs" ] || todo+=("$c")
		done
		[ ${#todo[@]} -gt 0 ] || break
		say "size $n, round $r: ${todo[*]}"
		L=$bdir/logs/$n-$r
		for c in "${todo[@]}"; do
			case $c in
			hh_pid_t1) line=$(timed_hh "$L-hh-pid-t1" "$pdir" 1) ;;
			hh_pid_t2)
				line=$(timed_hh "$L-hh-pid-t2" "$pdir" 2)
				[ -n "${rows[$n]:-}" ] || rows[$n]=$(rows_of "$bdir/out")
				;;
			hh_raw_t2) line=$(timed_hh "$L-hh-raw-t2" "$rdir" 2) ;;
			duckdb)
				line=$(timed "$L-duckdb" $(duck_cmd "$pdir" "$bdir/duckdb.csv"))
				line="$line $(sed -n 's/.*"wall_s":\([0-9.]*\).*/\1/p' "$L-duckdb.err")"
				;;
			floor_pid) line=$(timed "$L-floor-pid" bash -c 'floor "$1"' _ "$pdir") ;;
			floor_raw) line=$(timed "$L-floor-raw" bash -c 'floor "$1"' _ "$rdir") ;;
			esac
			echo "$n $c $r $line" >>"$results"
		done
	done
	du_pid=$(du -sb --exclude=truth.csv "$pdir" | cut -f1)
	echo "$n bytes_pid 0 $du_pid 0 0 0 0" >>"$results"
	echo "$n rows 0 ${rows[$n]} 0 0 0 0" >>"$results"
done
rm -rf "$bdir/out" "$bdir/duckdb.csv"

# ---- report --------------------------------------------------------------
# med SIZE CONTESTANT FIELD: median over the quiet runs when there are
# $runs of them, else over all runs (fields: 4 wall, 5 user, 6 sys, 7 rss,
# 8 other processes' CPU, 9 query wall; "cpu" = user + sys)
med() {
	local all=0
	[ "$(quiet_runs "$1" "$2")" -ge "$runs" ] || all=1
	awk -v n="$1" -v c="$2" -v f="$3" -v all="$all" '
		$1 == n && $2 == c && (all || $8 <= 0.1 * $4 + 0.05) { v[++k] = (f == "cpu") ? $5 + $6 : $f }
		END {
			if (!k) { print "nan"; exit }
			for (i = 1; i <= k; i++) for (j = i + 1; j <= k; j++)
				if (v[j] < v[i]) { t = v[i]; v[i] = v[j]; v[j] = t }
			print (k % 2) ? v[(k + 1) / 2] : (v[k / 2] + v[k / 2 + 1]) / 2
		}' "$results"
}
div() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "nan" }'; }
mb() { awk -v k="$1" 'BEGIN { printf "%.0f", k / 1024 }'; }

# the engine's revision: HH_BENCH_REV, else git (saying so when matcher/ or
# connectors/ hold uncommitted changes, which the build then includes)
rev=${HH_BENCH_REV:-}
if [ -z "$rev" ]; then
	rev=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
	[ -n "$(git status --porcelain -- matcher connectors CMakeLists.txt 2>/dev/null)" ] &&
		rev="$rev + uncommitted changes"
fi
cpu_model=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')
mem_total=$(awk '/MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)
report=$bdir/report.md
{
	echo "# hhmatch benchmark"
	echo
	echo "Generated by \`scripts/bench.sh\` (HH_BENCH_SIZES=\"$sizes\", medians of $runs quiet runs per contestant, alternating rounds)."
	echo
	echo "Machine: $(nproc) CPUs, $cpu_model, $mem_total RAM; $(uname -sr);"
	echo "$(date -u '+%Y-%m-%d %H:%M UTC'); hhmatch $rev (RelWithDebInfo),"
	echo "DuckDB $duck_version via @duckdb/node-api on node $(node --version), $(gzip --version | head -1)."
	echo
	echo "Correctness gate ($gate_n-household pid month): $gate_msg."
	echo
	echo "Workload: \`hhmatch gen --clean --seed $seed --period $period\`; hr and medical .csv.gz, the other"
	echo "three plain CSV. pid = pre-pseudonymised extracts (pid, birth_date, sex), raw = ID numbers."
	echo "Files warm in the page cache for every timed run (caches are not dropped)."
	echo "Wall in seconds, CPU = user + sys seconds, RSS = peak resident MB (/usr/bin/time -v)."
	echo "DuckDB wall = the query inside node (process wall in brackets, with node start-up); its RSS includes node (~45 MB)."
	echo "Floor = gzip -dc of each .gz in parallel with cat of each plain file (wall)."
	echo
	echo "| households | rows | pid MB | hhmatch 1t wall / CPU / RSS | hhmatch 2t wall / CPU / RSS | raw 2t wall | DuckDB wall / CPU / RSS | floor pid (raw) | DuckDB/hh wall | DuckDB/hh RSS | hh/floor | raw/pid | rows/s hh 2t | rows/s DuckDB |"
	echo "|---:|---:|---:|---|---|---:|---|---:|---:|---:|---:|---:|---:|---:|"
	for n in $sizes; do
		rw=$(med "$n" rows 4)
		h1w=$(med "$n" hh_pid_t1 4) h1c=$(med "$n" hh_pid_t1 cpu) h1r=$(med "$n" hh_pid_t1 7)
		h2w=$(med "$n" hh_pid_t2 4) h2c=$(med "$n" hh_pid_t2 cpu) h2r=$(med "$n" hh_pid_t2 7)
		raw=$(med "$n" hh_raw_t2 4)
		dq=$(med "$n" duckdb 9) dw=$(med "$n" duckdb 4) dc=$(med "$n" duckdb cpu) dr=$(med "$n" duckdb 7)
		fp=$(med "$n" floor_pid 4) fr=$(med "$n" floor_raw 4)
		printf '| %s | %s | %s | %s / %s / %s | %s / %s / %s | %s | %s (%s) / %s / %s | %s (%s) | %s | %s | %s | %s | %s | %s |\n' \
			"$n" "$rw" "$(mb $(($(med "$n" bytes_pid 4) / 1024)))" \
			"$h1w" "$h1c" "$(mb "$h1r")" "$h2w" "$h2c" "$(mb "$h2r")" "$raw" \
			"$dq" "$dw" "$dc" "$(mb "$dr")" "$fp" "$fr" \
			"$(div "$dq" "$h2w")" "$(div "$dr" "$h2r")" "$(div "$h2w" "$fp")" "$(div "$raw" "$h2w")" \
			"$(awk -v r="$rw" -v w="$h2w" 'BEGIN { printf "%.2f M", r / w / 1e6 }')" \
			"$(awk -v r="$rw" -v w="$dq" 'BEGIN { printf "%.2f M", r / w / 1e6 }')"
	done
	echo
	echo "Other load: the machine is shared. A run is quiet when other processes (and the hypervisor's"
	echo "steal) took at most 10 % of its wall (+ 0.05 s) in CPU; loaded runs are repeated, up to"
	echo "$max_rounds rounds, and the medians above are over $runs quiet runs of each contestant"
	echo "(over all its runs, marked here, when it did not get $runs quiet ones):"
	echo
	for n in $sizes; do
		line="$n households: $(awk -v n="$n" '$1 == n && $2 != "rows" && $2 != "bytes_pid" { k++; if ($8 > 0.1 * $4 + 0.05) l++ }
			END { printf "%d runs, %d of them loaded and repeated", k, l }' "$results")"
		for c in $contestants; do
			q=$(quiet_runs "$n" "$c")
			[ "$q" -ge "$runs" ] || line="$line; $c: only $q quiet runs, median of all its runs"
		done
		echo "- $line"
	done
	first=$(echo $sizes | awk '{ print $1 }')
	set -- $sizes
	if [ $# -gt 1 ]; then
		echo
		echo "Scaling against the $first-household month (1.00 = linear: the ratio grows exactly with the data):"
		echo
		echo "| households | x size | hh 1t wall | hh 2t wall | hh 2t RSS | 2t speed-up over 1t | raw 2t wall | DuckDB wall | DuckDB RSS |"
		echo "|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
		for n in $sizes; do
			x=$(div "$n" "$first")
			rel() { awk -v a="$(med "$n" "$1" "$2")" -v b="$(med "$first" "$1" "$2")" -v x="$x" 'BEGIN { printf "%.2f", a / b / x }'; }
			printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' "$n" "$x" \
				"$(rel hh_pid_t1 4)" "$(rel hh_pid_t2 4)" "$(rel hh_pid_t2 7)" \
				"$(div "$(med "$n" hh_pid_t1 4)" "$(med "$n" hh_pid_t2 4)")" \
				"$(rel hh_raw_t2 4)" "$(rel duckdb 9)" "$(rel duckdb 7)"
		done
		echo
		echo "(Each cell: the figure at that size / the figure at $first households / x size.)"
	fi
	if echo " $sizes " | grep -q ' 200000 '; then
		n=200000
		h2w=$(med $n hh_pid_t2 4) h2r=$(med $n hh_pid_t2 7) dq=$(med $n duckdb 9)
		dr=$(med $n duckdb 7) fp=$(med $n floor_pid 4) raw=$(med $n hh_raw_t2 4)
		verdict() { awk -v a="$1" -v b="$2" 'BEGIN { print (a <= b) ? "met" : "NOT met" }'; }
		echo
		echo "Targets (200,000-household pid month, 2 threads):"
		echo
		echo "| target | measured | |"
		echo "|---|---|---|"
		echo "| hhmatch wall <= 1/3 DuckDB's | $h2w s vs $dq s: DuckDB/hhmatch = $(div "$dq" "$h2w") (need >= 3) | $(verdict "$(awk -v a="$h2w" 'BEGIN{print a*3}')" "$dq") |"
		echo "| hhmatch RSS <= 1/4 DuckDB's | $(mb "$h2r") MB vs $(mb "$dr") MB: $(div "$dr" "$h2r") (need >= 4) | $(verdict "$(awk -v a="$h2r" 'BEGIN{print a*4}')" "$dr") |"
		echo "| hhmatch wall <= 1.5 x floor | $h2w s vs $fp s: $(div "$h2w" "$fp") | $(verdict "$h2w" "$(awk -v a="$fp" 'BEGIN{print a*1.5}')") |"
		echo "| raw <= 1.3 x pid | $raw s vs $h2w s: $(div "$raw" "$h2w") | $(verdict "$raw" "$(awk -v a="$h2w" 'BEGIN{print a*1.3}')") |"
	fi
} >"$report"
cat "$report"
if [ -n "$doc" ]; then
	# keep any analysis below the marker line in the document
	tail=""
	if [ -f "$doc" ] && grep -q '^<!-- end of generated results -->' "$doc"; then
		tail=$(sed -n '/^<!-- end of generated results -->/,$p' "$doc" | tail -n +2)
	fi
	{
		cat "$report"
		echo
		echo "<!-- end of generated results -->"
		[ -n "$tail" ] && printf '%s\n' "$tail"
	} >"$doc"
	say "wrote $doc"
fi
