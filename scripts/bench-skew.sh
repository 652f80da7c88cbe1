#!/usr/bin/env bash
# bench-skew.sh - hhmatch on the skewed month of issue 16, against DuckDB,
# against the inflate floor, on raw ID numbers, and the identity of its
# outputs whatever the thread count.
#
#   HH_SKEW_MAX_ROUNDS=4 scripts/bench-skew.sh    (~3 min on 2 quiet cores)
#   HH_SKEW_BASE=/path/to/older/hhmatch scripts/bench-skew.sh (before/after)
#
# Needs a Debian 12 machine as root (or sudo); installs what is missing
# itself: scripts/setup.sh (the build), GNU time, gzip, isal (igzip), jq,
# nodejs and npm from apt, and @duckdb/node-api into
# scripts/bench/node_modules (the cache bench.sh uses too).  Builds
# build-bench/hhmatch (RelWithDebInfo) from the working tree: it generates
# the months and is the contestant.  HH_SKEW_BASE names an older build (it
# only needs `run`), timed in the same rounds at 1 and 2 threads for
# before/after figures under the same load, and whose outputs must be
# identical to this tree's.
#
# The months (generated once into HH_SKEW_DIR, reused while gen's binary and
# the key are unchanged), 200,000 households by default:
#   pid   `hhmatch gen --clean --shape skewed --pid-sources`: the person
#         sources' rows in random person order, medical dominant (about 10
#         settlements a person, one single-member gzip), pre-pseudonymised
#   raw   the same month without --pid-sources: raw ID numbers and names,
#         which hhmatch hashes (HMAC-SHA256) on every row
#
# Contestants, in alternating rounds, HH_SKEW_RUNS quiet runs each (default
# 3; a run is quiet when other processes took at most 10 % of its wall +
# 0.05 s in CPU, measured from /proc/stat as bench.sh does), medians over
# the quiet runs (fewer than HH_SKEW_RUNS when the rounds ran out, all runs
# when none was quiet; the report says which):
#   hh_t1, hh_t2, hh_t4   hhmatch run --threads 1, 2, 4 on the pid month
#   raw_t2                 hhmatch run --threads 2 on the raw month
#   base_t1, base_t2       HH_SKEW_BASE's run --threads 1, 2 (when set)
#   duckdb                 scripts/bench/households-views.sql under node
#                          (scripts/bench/run.mjs), SET threads = 2: every
#                          extract read through a view, typed columns (the
#                          fastest form tried: docs/benchmark.md)
#   floor                  igzip -dc of medical.csv.gz, the largest gzip
#                          member, alone (ISA-L's inflate on one core, as
#                          hhmatch inflates): the floor the ratio uses
#   floor_gzip             gzip -dc of the same (GNU gzip, zlib's inflate)
# DuckDB's wall is its query inside node (the process's, with node
# start-up, in brackets); its RSS includes node (~45 MB).  hhmatch's phases
# (report.json's timings_seconds: ingest, repair, households, outputs) are
# those of the run whose wall is the median.
#
# Before timing, DuckDB's households.csv must agree with hhmatch's on every
# household's risk_score and reasons (as bench.sh's gate).  After timing,
# hhmatch runs the pid month at 1, 2, 4 and 8 threads (and HH_SKEW_BASE at
# 2): every output file must be byte-identical to the 1-thread run's but
# report.json, manifest.json and .hhmatch-run, which are compared without
# what legitimately differs (report.json: timings_seconds, threads and each
# source's seconds, table_bytes and duplicate_set_bytes; manifest.json:
# report.json's and .hhmatch-run's size and SHA-256; .hhmatch-run: the name
# of the run's temporary folder).  Any other difference fails the script,
# but for the files named in HH_SKEW_BASE_DIFFERS (space separated) between
# HH_SKEW_BASE and this tree: for a known change of a file's bytes, such as
# caseworkers.xlsx's writer in f13bab4; they are reported all the same.
#
# Output: the tables, printed and written to HH_SKEW_DIR/report.md; logs
# (and every timed run's report.json) in HH_SKEW_DIR/logs.
#
# Environment: HH_SKEW_HOUSEHOLDS (200000), HH_SKEW_RUNS (3),
# HH_SKEW_MAX_ROUNDS (3 x runs), HH_SKEW_DIR (build-bench/skew), HH_SKEW_BASE,
# HH_SKEW_BASE_DIFFERS, HH_SKEW_REV (the revision to print; default git's,
# marked when matcher/ or connectors/ hold uncommitted changes).
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

# ---- dependencies and build (scripts/bench/prepare.sh) --------------------
. scripts/bench/prepare.sh
scripts/setup.sh
need=()
[ -x /usr/bin/time ] || need+=(time)
command -v gzip >/dev/null || need+=(gzip)
command -v igzip >/dev/null || need+=(isal)
command -v jq >/dev/null || need+=(jq)
command -v node >/dev/null || need+=(nodejs)
command -v npm >/dev/null || need+=(npm)
bench_install ${need[@]+"${need[@]}"}
bench_build
bench_duckdb

# ---- the months ------------------------------------------------------------
mkdir -p "$bdir/logs"
key=$bdir/bench.key
[ -f "$key" ] || "$gen_hh" keygen --out "$key" >/dev/null
dir=$bdir/skewed-$n
rawdir=$bdir/skewed-raw-$n
gen_sum=$(sha256sum "$gen_hh" | cut -c1-16)
key_sum=$(cut -c1-16 "$key" | sha256sum | cut -c1-16)
gen_month() { # DIR gen-options...
	local d=$1
	shift
	local marker="gen --households $n --seed $seed --period $period --clean --shape skewed $* $gen_sum $key_sum"
	[ -f "$d/.bench-marker" ] && [ "$(cat "$d/.bench-marker")" = "$marker" ] && return
	say "generating $(basename "$d"), $n households"
	rm -rf "$d"
	"$gen_hh" gen --out "$d" --households "$n" --seed "$seed" --period "$period" \
		--clean --shape skewed "$@" >/dev/null
	echo "$marker" >"$d/.bench-marker"
}
gen_month "$dir" --pid-sources --key "$key"
gen_month "$rawdir"

# ---- measurement (busy_s, timed: scripts/bench/prepare.sh) ---------------
hh_cmd() { # THREADS OUTDIR [BINARY [MONTH]]
	echo "${3:-$hh}" run --config "${4:-$dir}/hhmatch.conf" --key "$key" --period "$period" \
		--out "$2" --threads "$1" --quiet
}
duck_cmd() { # OUTCSV
	echo node scripts/bench/run.mjs scripts/bench/households-views.sql "$dir" "$1"
}

# ---- correctness gate ---------------------------------------------------------
say "gate: DuckDB and hhmatch on every household"
rm -rf "$bdir/gate-hhmatch"
$(hh_cmd 2 "$bdir/gate-hhmatch") || { say "FAILED: hhmatch's gate run"; exit 1; }
$(duck_cmd "$bdir/gate-duckdb.csv") 2>"$bdir/logs/gate-duckdb.err" ||
	{ say "FAILED: DuckDB's gate run (see $bdir/logs/gate-duckdb.err)"; exit 1; }
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
contestants="hh_t1 hh_t2 hh_t4 raw_t2 duckdb floor floor_gzip${base:+ base_t1 base_t2}"
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
		rm -rf "$bdir/out"
		case $c in
		hh_t*) line=$(timed "$L-$c" $(hh_cmd "${c#hh_t}" "$bdir/out")) ;;
		raw_t*) line=$(timed "$L-$c" $(hh_cmd "${c#raw_t}" "$bdir/out" "$hh" "$rawdir")) ;;
		base_t*) line=$(timed "$L-$c" $(hh_cmd "${c#base_t}" "$bdir/out" "$base")) ;;
		duckdb)
			line=$(timed "$L-duckdb" $(duck_cmd "$bdir/duckdb.csv"))
			line="$line $(sed -n 's/.*"wall_s":\([0-9.]*\).*/\1/p' "$L-duckdb.err")"
			;;
		floor) line=$(timed "$L-floor" bash -c 'igzip -dc "$1" >/dev/null' _ "$dir/medical.csv.gz") ;;
		floor_gzip) line=$(timed "$L-floor_gzip" bash -c 'gzip -dc "$1" >/dev/null' _ "$dir/medical.csv.gz") ;;
		esac
		[ ! -f "$bdir/out/report.json" ] || cp "$bdir/out/report.json" "$L-$c.report.json"
		echo "$c $r $line" >>"$results"
	done
done
rm -rf "$bdir/out" "$bdir/duckdb.csv"

# ---- identity: outputs whatever the thread count, and against HH_SKEW_BASE ----------
# same_run A B LABEL: every file of run folder B as A's (see the header for
# what report.json, manifest.json and .hhmatch-run may differ in); prints
# what differs, returns 1 on any difference that is not allowed.
report_clean='del(.timings_seconds, .threads)
	| if .sources then .sources |= map_values(del(.seconds, .table_bytes, .duplicate_set_bytes)) else . end'
same_run() {
	local a=$1 b=$2 label=$3 allowed=${4:-} bad=0 f differ=()
	if [ "$(ls -A "$a")" != "$(ls -A "$b")" ]; then
		echo "identity: $label: FILES DIFFER: $(ls -A "$a" | tr '\n' ' ')/ $(ls -A "$b" | tr '\n' ' ')"
		bad=1
	fi
	while IFS= read -r f; do
		[ -f "$b/$f" ] || continue
		case $f in
		report.json)
			# not -S: the order of the keys (reject reasons) is part of the bytes
			cmp -s <(jq "$report_clean" "$a/$f") <(jq "$report_clean" "$b/$f") ||
				{ echo "identity: $label: report.json DIFFERS beyond timings and memory"; bad=1; }
			;;
		manifest.json | .hhmatch-run) ;; # below
		*)
			cmp -s "$a/$f" "$b/$f" && continue
			differ+=("$f")
			if [[ " $allowed " == *" $f "* ]]; then
				echo "identity: $label: $f differs (allowed: HH_SKEW_BASE_DIFFERS)"
			else
				echo "identity: $label: $f DIFFERS"
				bad=1
			fi
			;;
		esac
	done < <(ls -A "$a")
	# manifest.json: but the size and SHA-256 of report.json, .hhmatch-run
	# and the files reported above
	local keep='del(.outputs[] | select(.name as $n | $skip | index($n)))'
	cmp -s <(jq -S --argjson skip "$(printf '%s\n' report.json .hhmatch-run "${differ[@]}" | jq -R . | jq -s .)" "$keep" "$a/manifest.json") \
		<(jq -S --argjson skip "$(printf '%s\n' report.json .hhmatch-run "${differ[@]}" | jq -R . | jq -s .)" "$keep" "$b/manifest.json") ||
		{ echo "identity: $label: manifest.json DIFFERS"; bad=1; }
	# .hhmatch-run names the run's temporary folder (a random suffix)
	cmp -s <(sed 's/\.tmp-[A-Za-z0-9]*/.tmp-X/' "$a/.hhmatch-run") <(sed 's/\.tmp-[A-Za-z0-9]*/.tmp-X/' "$b/.hhmatch-run") ||
		{ echo "identity: $label: .hhmatch-run DIFFERS"; bad=1; }
	# report.json's leaves that differ (array indexes as [], sources as *)
	local what
	what=$(jq -n -r --slurpfile a "$a/report.json" --slurpfile b "$b/report.json" '
		[($a[0], $b[0]) | paths(type != "object" and type != "array")] | unique
		| map(. as $p | select(($a[0] | getpath($p)) != ($b[0] | getpath($p)))
		      | if .[0] == "sources" and length == 3 then ["sources", "*", .[2]] else . end
		      | map(if type == "number" then "[]" else . end) | join(".") | gsub("\\.\\[\\]"; "[]"))
		| unique | join(", ")')
	[ $bad -ne 0 ] || echo "identity: $label: identical${differ[*]:+ but ${differ[*]}} (report.json differs in: ${what:-nothing})"
	return $bad
}
say "identity: the pid month at 1, 2, 4 and 8 threads${base:+, and HH_SKEW_BASE at 2}"
idir=$bdir/ident
rm -rf "$idir"
for t in 1 2 4 8; do
	mkdir -p "$idir/t$t"
	$(hh_cmd "$t" "$idir/t$t/out") 2>"$bdir/logs/ident-t$t.err" ||
		{ say "FAILED: the $t-thread identity run (see $bdir/logs/ident-t$t.err)"; exit 1; }
	"$hh" verify --run "$idir/t$t/out" >/dev/null 2>>"$bdir/logs/ident-t$t.err" ||
		{ say "FAILED: hhmatch verify of the $t-thread run"; exit 1; }
done
ident_bad=0
ident=$(
	bad=0
	for t in 2 4 8; do same_run "$idir/t1/out" "$idir/t$t/out" "1 vs $t threads" || bad=1; done
	if [ -n "$base" ]; then
		mkdir -p "$idir/base"
		$(hh_cmd 2 "$idir/base/out" "$base") 2>"$bdir/logs/ident-base.err" ||
			{ echo "identity: HH_SKEW_BASE's run FAILED (see $bdir/logs/ident-base.err)"; exit 1; }
		same_run "$idir/base/out" "$idir/t2/out" "HH_SKEW_BASE vs this tree, 2 threads" "${HH_SKEW_BASE_DIFFERS:-}" || bad=1
	fi
	exit $bad
) || ident_bad=1
echo "$ident" >&2
# the raw month is the pid month in another form: the same households (informative)
rm -rf "$bdir/out"
$(hh_cmd 2 "$bdir/out" "$hh" "$rawdir")
rawsame=""
for f in households.csv flags.csv explain.csv caseworkers.xlsx; do
	[ -f "$idir/t2/out/$f" ] || continue
	if cmp -s "$idir/t2/out/$f" "$bdir/out/$f"; then rawsame="$rawsame $f identical;"; else rawsame="$rawsame $f DIFFERS;"; fi
done
rm -rf "$bdir/out"

# ---- report ----------------------------------------------------------------------
quiet_or_all() { # CONTESTANT: 1 when the medians must take all its runs (none was quiet)
	[ "$(quiet_runs "$1")" -gt 0 ] && echo 0 || echo 1
}
med() { # CONTESTANT FIELD (3 wall, 4 user, 5 sys, 6 rss, 8 query wall, cpu)
	awk -v c="$1" -v f="$2" -v all="$(quiet_or_all "$1")" '
		$1 == c && (all || $7 <= 0.1 * $3 + 0.05) { v[++k] = (f == "cpu") ? $4 + $5 : $f }
		END {
			if (!k) { print "nan"; exit }
			for (i = 1; i <= k; i++) for (j = i + 1; j <= k; j++)
				if (v[j] < v[i]) { t = v[i]; v[i] = v[j]; v[j] = t }
			m = (k % 2) ? v[(k + 1) / 2] : (v[k / 2] + v[k / 2 + 1]) / 2
			printf (f == 3 || f == 8) ? "%.3f\n" : (f == 6) ? "%d\n" : "%.2f\n", m
		}' "$results"
}
med_round() { # CONTESTANT: the round of its median-wall run (the lower one of an even count)
	awk -v c="$1" -v all="$(quiet_or_all "$1")" '
		$1 == c && (all || $7 <= 0.1 * $3 + 0.05) { w[++k] = $3; r[k] = $2 }
		END {
			if (!k) exit
			for (i = 1; i <= k; i++) for (j = i + 1; j <= k; j++)
				if (w[j] < w[i]) { t = w[i]; w[i] = w[j]; w[j] = t; t = r[i]; r[i] = r[j]; r[j] = t }
			print r[int((k + 1) / 2)]
		}' "$results"
}
phases() { # CONTESTANT: " ingest | repair | households | outputs" of its median run
	local r f
	r=$(med_round "$1")
	f=$bdir/logs/$r-$1.report.json
	if [ -n "$r" ] && [ -f "$f" ]; then
		jq -r '.timings_seconds | "\(.ingest // "?") | \(.repair // "?") | \(.households // "?") | \(.outputs // "?")"' "$f"
	else
		echo "? | ? | ? | ?"
	fi
}
div() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "nan" }'; }
mb() { awk -v k="$1" 'BEGIN { printf "%.0f", k / 1024 }'; }
rev=$(bench_rev "${HH_SKEW_REV:-}")
loaded=""
for c in $contestants; do
	q=$(quiet_runs "$c")
	[ "$q" -ge "$runs" ] || loaded="$loaded $c($q)"
done
h1=$(med hh_t1 3) h2=$(med hh_t2 3) h4=$(med hh_t4 3) hr2=$(med raw_t2 3)
h2r=$(med hh_t2 6) dq=$(med duckdb 8) dw=$(med duckdb 3) dr=$(med duckdb 6) fl=$(med floor 3) flg=$(med floor_gzip 3)
{
	echo "Skewed month: $n households, $rows rows, $(du -b "$dir/medical.csv.gz" | cut -f1) bytes of medical.csv.gz"
	echo "(raw month: $(du -b "$rawdir/medical.csv.gz" | cut -f1));"
	echo "$(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPUs, hhmatch $rev${base:+ (base: $base)}; medians of $runs quiet runs${loaded:+ (quiet runs for:$loaded; medians over those, over all runs where none was quiet)}"
	echo
	echo "| contestant | wall s | CPU s | RSS MB | ingest s | repair s | households s | outputs s |"
	echo "|---|---:|---:|---:|---:|---:|---:|---:|"
	for c in hh_t1 hh_t2 hh_t4 raw_t2 ${base:+base_t1 base_t2}; do
		case $c in
		hh_t*) label="hhmatch ${c#hh_t} thread(s)" ;;
		raw_t*) label="hhmatch raw IDs ${c#raw_t} thread(s)" ;;
		base_t*) label="base ${c#base_t} thread(s)" ;;
		esac
		echo "| $label | $(med "$c" 3) | $(med "$c" cpu) | $(mb "$(med "$c" 6)") | $(phases "$c") |"
	done
	echo "| DuckDB (views, typed columns, 2 threads) | $dq ($dw) | $(med duckdb cpu) | $(mb "$dr") | | | | |"
	echo "| floor: igzip -dc medical.csv.gz | $fl | $(med floor cpu) | | | | | |"
	echo "| floor: gzip -dc medical.csv.gz | $flg | $(med floor_gzip cpu) | | | | | |"
	echo
	echo "| ratio | value | target |"
	echo "|---|---:|---:|"
	echo "| DuckDB wall / hhmatch 2t wall | $(div "$dq" "$h2") | >= 5 |"
	echo "| DuckDB RSS / hhmatch 2t RSS | $(div "$dr" "$h2r") | >= 5 |"
	echo "| DuckDB CPU / hhmatch 2t CPU (less sensitive to others' load) | $(div "$(med duckdb cpu)" "$(med hh_t2 cpu)") | |"
	echo "| hhmatch 1t / 2t wall | $(div "$h1" "$h2") | >= 1.8 |"
	echo "| hhmatch 1t / 4t wall | $(div "$h1" "$h4") | |"
	echo "| hhmatch raw 2t / pid 2t wall | $(div "$hr2" "$h2") | <= 1.2 |"
	echo "| hhmatch 2t wall / floor (igzip) | $(div "$h2" "$fl") | |"
	echo "| hhmatch 2t wall / floor (gzip) | $(div "$h2" "$flg") | |"
	if [ -n "$base" ]; then
		echo "| base 2t wall / hhmatch 2t wall | $(div "$(med base_t2 3)" "$h2") | |"
		echo "| base 1t / 2t wall | $(div "$(med base_t1 3)" "$(med base_t2 3)") | |"
	fi
	echo
	echo "Identity (outputs byte for byte; report.json without timings and memory figures):"
	echo "$ident" | sed 's/^identity: /- /'
	echo "- the raw month at 2 threads against the pid month's (informative: same month, other form):$rawsame"
} | tee "$bdir/report.md"
if [ $ident_bad -ne 0 ]; then
	say "FAILED: the outputs differ (see above and $idir)"
	exit 1
fi
rm -rf "$idir" # ~70 MB a run folder
