#!/usr/bin/env bash
# bench-skew.sh - hhmatch on the skewed month of issue 16, against DuckDB
# and against the inflate floor.
#
#   scripts/bench-skew.sh
#   HH_SKEW_BASE=/path/to/older/hhmatch scripts/bench-skew.sh (before/after)
#
# The month: `hhmatch gen --clean --shape skewed --pid-sources` (200,000
# households by default): the person sources' rows in random person order,
# medical dominant (about 10 settlements a person, one single-member gzip).
# Like scripts/bench.sh it installs what is missing (setup.sh, GNU time,
# gzip, nodejs, npm; @duckdb/node-api into scripts/bench/node_modules, the
# cache bench.sh uses too) and builds build-bench/hhmatch, which generates
# the month and is the contestant.  HH_SKEW_BASE names an older build (it
# only needs `run`) timed in the same rounds at 1 and 2 threads, for
# before/after figures under the same load.
#
# Contestants, in alternating rounds, HH_SKEW_RUNS quiet runs each (default
# 3; a run is quiet when other processes took at most 10 % of its wall +
# 0.05 s in CPU, measured from /proc/stat as bench.sh does), medians:
#   hh_t1, hh_t2, hh_t4   hhmatch run --threads 1, 2, 4
#   base_t1, base_t2       HH_SKEW_BASE's run --threads 1, 2 (when set)
#   duckdb                 scripts/bench/households-views.sql under node
#                          (scripts/bench/run.mjs), SET threads = 2: every
#                          extract read through a view
#   floor                  gzip -dc of medical.csv.gz, the largest gzip
#                          member, alone (GNU gzip's inflate on one core;
#                          hhmatch inflates with ISA-L, about 2.5x faster)
# DuckDB's wall is its query inside node (the process's, with node
# start-up, in brackets); its RSS includes node (~45 MB).
#
# Before timing, DuckDB's households.csv must agree with hhmatch's on every
# household's risk_score and reasons (as bench.sh's gate).
#
# Environment: HH_SKEW_HOUSEHOLDS (200000), HH_SKEW_RUNS (3),
# HH_SKEW_MAX_ROUNDS (3 x runs), HH_SKEW_DIR (build-bench/skew), HH_SKEW_BASE.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

n=${HH_SKEW_HOUSEHOLDS:-200000}
runs=${HH_SKEW_RUNS:-3}
max_rounds=${HH_SKEW_MAX_ROUNDS:-$((3 * runs))}
bdir=${HH_SKEW_DIR:-$root/build-bench/skew}
period=202611
seed=1
gen_hh=$root/build-bench/hhmatch
hh=$gen_hh
base=${HH_SKEW_BASE:-}
say() { echo "bench-skew: $*" >&2; }

# ---- dependencies and build (as bench.sh) ---------------------------------
scripts/setup.sh
need=()
[ -x /usr/bin/time ] || need+=(time)
command -v gzip >/dev/null || need+=(gzip)
command -v node >/dev/null || need+=(nodejs)
command -v npm >/dev/null || need+=(npm)
if [ ${#need[@]} -gt 0 ]; then
	say "installing ${need[*]}"
	sudo_cmd=""
	[ "$(id -u)" -eq 0 ] || sudo_cmd=sudo
	export DEBIAN_FRONTEND=noninteractive
	$sudo_cmd apt-get update -qq
	$sudo_cmd apt-get install -y -qq --no-install-recommends "${need[@]}" >&2
fi
cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build-bench --target hhmatch -j"$(nproc)" >/dev/null
if [ ! -d scripts/bench/node_modules/@duckdb/node-api ]; then
	say "npm install (scripts/bench)"
	(cd scripts/bench && npm install --no-audit --no-fund --loglevel=error >&2)
fi

# ---- the month -------------------------------------------------------------
mkdir -p "$bdir/logs"
key=$bdir/bench.key
[ -f "$key" ] || "$gen_hh" keygen --out "$key" >/dev/null
dir=$bdir/skewed-$n
marker="gen --households $n --seed $seed --period $period --clean --shape skewed --pid-sources $(sha256sum "$gen_hh" | cut -c1-16) $(cut -c1-16 "$key" | sha256sum | cut -c1-16)"
if [ ! -f "$dir/.bench-marker" ] || [ "$(cat "$dir/.bench-marker")" != "$marker" ]; then
	say "generating the skewed month, $n households"
	rm -rf "$dir"
	"$gen_hh" gen --out "$dir" --households "$n" --seed "$seed" --period "$period" \
		--clean --shape skewed --pid-sources --key "$key" >/dev/null
	echo "$marker" >"$dir/.bench-marker"
fi

# ---- measurement (bench.sh's) -----------------------------------------------
busy_s() {
	awk -v hz="$(getconf CLK_TCK)" '/^cpu / { printf "%.2f\n", ($2 + $3 + $4 + $7 + $8 + $9) / hz }' /proc/stat
}
# timed LOG cmd...: "wall user sys rss_kb other"
timed() {
	local log=$1
	shift
	local t0=$EPOCHREALTIME t1 b0 b1
	b0=$(busy_s)
	/usr/bin/time -v -o "$log.time" "$@" >"$log.out" 2>"$log.err" || {
		say "failed: $* (see $log.err)"
		cat "$log.err" >&2
		exit 1
	}
	t1=$EPOCHREALTIME
	b1=$(busy_s)
	awk -F': ' -v t0="$t0" -v t1="$t1" -v b0="$b0" -v b1="$b1" '
		/User time/ { u = $2 } /System time/ { s = $2 }
		/Maximum resident set size/ { r = $2 }
		END { o = b1 - b0 - u - s; if (o < 0) o = 0
			printf "%.3f %.2f %.2f %d %.2f\n", t1 - t0, u, s, r, o }' "$log.time"
}
hh_cmd() { # THREADS OUTDIR [BINARY]
	echo "${3:-$hh}" run --config "$dir/hhmatch.conf" --key "$key" --period "$period" \
		--out "$2" --threads "$1" --quiet
}
duck_cmd() { # OUTCSV
	echo node scripts/bench/run.mjs scripts/bench/households-views.sql "$dir" "$1"
}

# ---- correctness gate ---------------------------------------------------------
say "gate: DuckDB and hhmatch on every household"
rm -rf "$bdir/gate-hhmatch"
$(hh_cmd 2 "$bdir/gate-hhmatch")
$(duck_cmd "$bdir/gate-duckdb.csv") 2>"$bdir/logs/gate-duckdb.err"
awk -F, '
	FNR == 1 { next }
	NR == FNR { k[$1] = $9 FS $11; next }
	{ seen[$1] = 1; c++; if (k[$1] != $9 FS $11) { bad++; if (bad <= 10) print "differs: " $1 } }
	END { for (h in k) if (!(h in seen)) bad++
		printf "gate: %d households, %d mismatches\n", c, bad; exit bad > 0 }' \
	"$bdir/gate-hhmatch/households.csv" "$bdir/gate-duckdb.csv" >&2 ||
	{ say "FAILED: DuckDB and hhmatch disagree"; exit 1; }
rows=$(grep '"rows_read"' "$bdir/gate-hhmatch/report.json" | tr -dc '0-9\n' | awk '{ s += $1 } END { print s }')

# ---- rounds ----------------------------------------------------------------------
results=$bdir/results.txt # contestant round wall user sys rss other [query_wall]
: >"$results"
contestants="hh_t1 hh_t2 hh_t4 duckdb floor${base:+ base_t1 base_t2}"
quiet_runs() {
	awk -v c="$1" '$1 == c && $7 <= 0.1 * $3 + 0.05 { k++ } END { print k + 0 }' "$results"
}
for ((r = 1; r <= max_rounds; r++)); do
	todo=()
	for c in $contestants; do
		[ "$(quiet_runs "$c")" -ge "$runs" ] || todo+=("$c")
	done
	[ ${#todo[@]} -gt 0 ] || break
	say "round $r: ${todo[*]}"
	L=$bdir/logs/$r
	for c in "${todo[@]}"; do
		case $c in
		hh_t*)
			rm -rf "$bdir/out"
			line=$(timed "$L-$c" $(hh_cmd "${c#hh_t}" "$bdir/out"))
			;;
		base_t*)
			rm -rf "$bdir/out"
			line=$(timed "$L-$c" $(hh_cmd "${c#base_t}" "$bdir/out" "$base"))
			;;
		duckdb)
			line=$(timed "$L-duckdb" $(duck_cmd "$bdir/duckdb.csv"))
			line="$line $(sed -n 's/.*"wall_s":\([0-9.]*\).*/\1/p' "$L-duckdb.err")"
			;;
		floor) line=$(timed "$L-floor" bash -c 'gzip -dc "$1" >/dev/null' _ "$dir/medical.csv.gz") ;;
		esac
		echo "$c $r $line" >>"$results"
	done
done
rm -rf "$bdir/out" "$bdir/duckdb.csv"

# ---- report ----------------------------------------------------------------------
med() { # CONTESTANT FIELD (3 wall, 4 user, 5 sys, 6 rss, 8 query wall, cpu)
	local all=0
	[ "$(quiet_runs "$1")" -ge "$runs" ] || all=1
	awk -v c="$1" -v f="$2" -v all="$all" '
		$1 == c && (all || $7 <= 0.1 * $3 + 0.05) { v[++k] = (f == "cpu") ? $4 + $5 : $f }
		END {
			if (!k) { print "nan"; exit }
			for (i = 1; i <= k; i++) for (j = i + 1; j <= k; j++)
				if (v[j] < v[i]) { t = v[i]; v[i] = v[j]; v[j] = t }
			print (k % 2) ? v[(k + 1) / 2] : (v[k / 2] + v[k / 2 + 1]) / 2
		}' "$results"
}
div() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "nan" }'; }
mb() { awk -v k="$1" 'BEGIN { printf "%.0f", k / 1024 }'; }
rev=$(git rev-parse --short HEAD 2>/dev/null || echo '?')
[ -z "$(git status --porcelain -- matcher connectors 2>/dev/null)" ] || rev="$rev + uncommitted changes"
loaded=""
for c in $contestants; do
	q=$(quiet_runs "$c")
	[ "$q" -ge "$runs" ] || loaded="$loaded $c($q quiet)"
done
h1=$(med hh_t1 3) h2=$(med hh_t2 3) h4=$(med hh_t4 3)
h2r=$(med hh_t2 6) dq=$(med duckdb 8) dw=$(med duckdb 3) dr=$(med duckdb 6) fl=$(med floor 3)
{
	echo "Skewed month: $n households, $rows rows, $(du -b "$dir/medical.csv.gz" | cut -f1) bytes of medical.csv.gz;"
	echo "$(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPUs, hhmatch $rev${base:+ (base: $base)}; medians of $runs quiet runs${loaded:+ (all runs for:$loaded)}"
	echo
	echo "| contestant | wall s | CPU s | RSS MB |"
	echo "|---|---:|---:|---:|"
	for c in hh_t1 hh_t2 hh_t4 ${base:+base_t1 base_t2}; do
		echo "| ${c%_t*} ${c#*_t} thread(s) | $(med "$c" 3) | $(med "$c" cpu) | $(mb "$(med "$c" 6)") |"
	done
	echo "| DuckDB (views, 2 threads) | $dq ($dw) | $(med duckdb cpu) | $(mb "$dr") |"
	echo "| floor: gzip -dc medical.csv.gz | $fl | $(med floor cpu) | |"
	echo
	echo "| ratio | value | target |"
	echo "|---|---:|---:|"
	echo "| DuckDB wall / hhmatch 2t wall | $(div "$dq" "$h2") | >= 5 |"
	echo "| DuckDB RSS / hhmatch 2t RSS | $(div "$dr" "$h2r") | >= 5 |"
	echo "| hhmatch 1t / 2t wall | $(div "$h1" "$h2") | >= 1.8 |"
	echo "| hhmatch 1t / 4t wall | $(div "$h1" "$h4") | |"
	echo "| hhmatch 2t wall / floor | $(div "$h2" "$fl") | |"
	if [ -n "$base" ]; then
		echo "| base 2t wall / hhmatch 2t wall | $(div "$(med base_t2 3)" "$h2") | |"
		echo "| base 1t / 2t wall | $(div "$(med base_t1 3)" "$(med base_t2 3)") | |"
	fi
} | tee "$bdir/report.md"
