#!/usr/bin/env bash
# duckdb-variants.sh - the forms of DuckDB's query tried for
# scripts/bench-skew.sh's contestant, timed against each other on the
# skewed month; the fastest that gives the same households.csv is the
# contestant (households-views.sql).  Figures in docs/benchmark.md.
#
#   scripts/bench-skew.sh                    (first: makes the month and node_modules)
#   scripts/bench/duckdb-variants.sh         (~1.5 min on quiet cores)
#   HH_DUCK_RUNS=5 scripts/bench/duckdb-variants.sh
#
# Needs what bench-skew.sh installs (node, @duckdb/node-api in
# scripts/bench/node_modules, GNU time; perl, in every Debian) and its pid
# month in HH_SKEW_DIR/skewed-HH_SKEW_HOUSEHOLDS.  Every variant is made
# from households-views.sql (so the query and its readings of the contract
# stay one) and runs with SET threads = 2:
#   views             the contestant: every extract through a view over
#                     read_csv with typed columns (auto_detect = false),
#                     medical's 12-month window applied before its DISTINCT
#   views-auto        the same views over read_csv's auto-detection
#   tables            CREATE TABLE ... AS read_csv (typed) first, then the query
#   tables-auto       the same with auto-detection
#   tables-concurrent the typed tables loaded at once, one connection each
#                     (run-concurrent.mjs): medical's gzip is read while the
#                     four other extracts are
#   ctes              households.sql (bench.sh's peer): read_csv straight in
#                     the CTEs, medical's window inside its sum
#   views-late-window views with medical's window inside its sum, after the
#                     DISTINCT over all its rows (the contestant until 2026-11-30)
#   views-unordered   views with SET preserve_insertion_order = false (the
#                     query's row_number() OVER () then no longer promises
#                     file order: shown for its figures only)
# Each variant's households.csv must be byte-identical to the contestant's
# (which bench-skew.sh's gate checks against hhmatch's); a variant that
# differs is marked.  Wall is the query inside node; RSS includes node.
# Rounds alternate the variants; a run is quiet when other processes took
# at most 10 % of its wall + 0.05 s of CPU (/proc/stat, as bench-skew.sh);
# variants without HH_DUCK_RUNS quiet runs run again, up to
# HH_DUCK_MAX_ROUNDS rounds; medians over the quiet runs, however few (over
# all runs when none was quiet: the last column says).
#
# Environment: HH_SKEW_HOUSEHOLDS (200000), HH_SKEW_DIR (build-bench/skew),
# HH_DUCK_RUNS (3), HH_DUCK_MAX_ROUNDS (2 x runs).
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
n=${HH_SKEW_HOUSEHOLDS:-200000}
bdir=${HH_SKEW_DIR:-$root/build-bench/skew}
rounds=${HH_DUCK_RUNS:-3}
max_rounds=${HH_DUCK_MAX_ROUNDS:-$((2 * rounds))}
dir=$bdir/skewed-$n
[ -f "$dir/medical.csv.gz" ] || { echo "duckdb-variants: no month in $dir: run scripts/bench-skew.sh first" >&2; exit 1; }
[ -d scripts/bench/node_modules/@duckdb/node-api ] || { echo "duckdb-variants: run scripts/bench-skew.sh first (npm install)" >&2; exit 1; }

work=$bdir/duckdb-variants
rm -rf "$work"
mkdir -p "$work"
src=scripts/bench/households-views.sql
cp "$src" "$work/views.sql"
perl -0pe "s/read_csv\('([^']*)', header = true, auto_detect = false,\s*columns = \{[^}]*\}\)/read_csv('\$1')/g" "$src" >"$work/views-auto.sql"
sed 's/^CREATE VIEW/CREATE TABLE/' "$src" >"$work/tables.sql"
sed 's/^CREATE VIEW/CREATE TABLE/' "$work/views-auto.sql" >"$work/tables-auto.sql"
cp scripts/bench/households.sql "$work/ctes.sql"
perl -0pe "s/CAST\(sum\(out_of_pocket\) \* 100 AS BIGINT\) AS oop_fen\s*FROM \(SELECT DISTINCT \* FROM v_medical\s*WHERE settle_date BETWEEN DATE '2025-12-01' AND DATE '2026-11-30'\)/CAST(sum(CASE WHEN settle_date BETWEEN DATE '2025-12-01' AND DATE '2026-11-30'\n\t\t\t     THEN out_of_pocket ELSE 0 END) * 100 AS BIGINT) AS oop_fen\n\tFROM (SELECT DISTINCT * FROM v_medical)/" "$src" >"$work/views-late-window.sql"
sed 's/^SET threads = 2;/SET threads = 2;\nSET preserve_insertion_order = false;/' "$src" >"$work/views-unordered.sql"
# each variant must differ from views.sql where it says it does
[ "$(grep -c "auto_detect" "$work/views-auto.sql")" -eq 0 ] && ! grep -q "WHERE settle_date" "$work/views-late-window.sql" &&
	grep -q "preserve_insertion_order" "$work/views-unordered.sql" ||
	{ echo "duckdb-variants: a variant was not made (households-views.sql changed?)" >&2; exit 1; }

variants="views views-auto tables tables-auto tables-concurrent ctes views-late-window views-unordered"
res=$work/results.txt # variant round query_wall wall user sys rss_kb same other
: >"$res"
# quiet runs as bench-skew.sh: other processes took at most 10 % of the wall + 0.05 s
busy_s() {
	awk -v hz="$(getconf CLK_TCK)" '/^cpu / { printf "%.2f\n", ($2 + $3 + $4 + $7 + $8 + $9) / hz }' /proc/stat
}
quiet_runs() {
	awk -v v="$1" '$1 == v && $9 <= 0.1 * $4 + 0.05 { k++ } END { print k + 0 }' "$res"
}
for ((r = 1; r <= max_rounds; r++)); do
	todo=()
	for v in $variants; do
		[ "$(quiet_runs "$v")" -ge "$rounds" ] || todo+=("$v")
	done
	[ ${#todo[@]} -gt 0 ] || break
	echo "duckdb-variants: round $r: ${todo[*]}" >&2
	for v in "${todo[@]}"; do
		runner=scripts/bench/run.mjs sql=$work/$v.sql
		[ "$v" != tables-concurrent ] || runner=scripts/bench/run-concurrent.mjs sql=$work/tables.sql
		b0=$(busy_s)
		/usr/bin/time -f "%e %U %S %M" -o "$work/$v.time" node "$runner" "$sql" "$dir" "$work/$v.csv" 2>"$work/$v.err"
		b1=$(busy_s)
		q=$(sed -n 's/.*"wall_s":\([0-9.]*\).*/\1/p' "$work/$v.err")
		same=same
		[ "$v" = views ] || cmp -s "$work/views.csv" "$work/$v.csv" || same=DIFFERS
		read -r w u sy rss <"$work/$v.time"
		other=$(awk -v a="$b0" -v b="$b1" -v u="$u" -v s="$sy" 'BEGIN { o = b - a - u - s; printf "%.2f", o < 0 ? 0 : o }')
		echo "$v $r $q $w $u $sy $rss $same $other" >>"$res"
	done
done
med() { # VARIANT FIELD (3 query wall, 4 process wall, 5 user, 6 sys, 7 rss kB, cpu): over quiet runs, or all when none was
	local all=0
	[ "$(quiet_runs "$1")" -gt 0 ] || all=1
	awk -v v="$1" -v f="$2" -v all="$all" '$1 == v && (all || $9 <= 0.1 * $4 + 0.05) { x[++k] = (f == "cpu") ? $5 + $6 : $f }
		END { for (i = 1; i <= k; i++) for (j = i + 1; j <= k; j++) if (x[j] < x[i]) { t = x[i]; x[i] = x[j]; x[j] = t }
			m = (k % 2) ? x[(k + 1) / 2] : (x[k / 2] + x[k / 2 + 1]) / 2
			if (f == 7) printf "%.0f", m / 1024; else if (f == "cpu") printf "%.2f", m; else printf "%.3f", m }' "$res"
}
echo "DuckDB variants on $dir, $(date -u '+%Y-%m-%d %H:%M UTC'), medians of $rounds quiet runs, alternating rounds"
echo
echo "| variant | query wall s (process) | CPU s | RSS MB | households.csv | quiet runs |"
echo "|---|---:|---:|---:|---|---:|"
for v in $variants; do
	s=$(awk -v v="$v" '$1 == v && $8 != "same" { d = 1 } END { print d ? "DIFFERS from views" : "identical" }' "$res")
	echo "| $v | $(med "$v" 3) ($(med "$v" 4)) | $(med "$v" cpu) | $(med "$v" 7) | $s | $(quiet_runs "$v") of $(awk -v v="$v" '$1 == v { k++ } END { print k + 0 }' "$res") |"
done | tee "$work/report.md"
