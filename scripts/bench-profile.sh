#!/usr/bin/env bash
# bench-profile.sh - where one 2-thread run of the skewed month spends its
# CPU: perf record of `hhmatch run` on scripts/bench-skew.sh's pid month,
# then summaries into build-bench/profile.txt.
#
#   scripts/bench-profile.sh                 (~1-2 min: the run, then perf report)
#   HH_PROFILE_THREADS=1 scripts/bench-profile.sh
#
# Needs a Debian 12 machine as root (or sudo); installs what is missing
# itself: scripts/setup.sh (the build), perf (linux-perf) from apt.  Builds
# build-bench/hhmatch (RelWithDebInfo, as bench-skew.sh) from the working
# tree and generates the month into HH_SKEW_DIR (build-bench/skew) the way
# bench-skew.sh does, or reuses it when bench-skew.sh already made it.
#
# Recording: perf record -e cpu-clock (this VM exposes no hardware
# counters) at HH_PROFILE_FREQ Hz (499), --call-graph dwarf (the build has
# no frame pointers, so -g's frame-pointer chains stop at the first
# optimised frame), of every thread and of the forked caseworkers.xlsx
# writer.  Data in build-bench/profile.data (kept, for `perf report -i`).
#
# build-bench/profile.txt holds:
#   1. the run's report.json timings_seconds (its phases' wall);
#   2. samples per process (the engine, and the caseworkers.xlsx writer
#      where a build forks one) and per thread;
#   3. the top 25 symbols (self time) overall, then the top 15 of each
#      process;
#   4. the split by phase: every sample goes to the first of these found
#      from the root of its call chain: ingest (run_ingest, the ingest
#      workers), repair (ingest_repairs, ingest_link_index, ingest_links),
#      households (gather_findings, household_evaluate and its threads),
#      outputs (output_write_all and its writer threads), report.html
#      (report_html_write), workbook (workbook_*, or a forked writer
#      process as builds before f13bab4 had), manifest and publish
#      (manifest_write, note_timings, guards_*, alerts_write, state_*,
#      fs_put_dir), start-up and exit (other); each phase with its top
#      symbols;
#   5. inclusive shares (self + callees) of the phase functions.
#
# Environment: HH_SKEW_HOUSEHOLDS (200000), HH_SKEW_DIR (build-bench/skew),
# HH_PROFILE_THREADS (2), HH_PROFILE_FREQ (499), HH_SKEW_REV (the revision
# to print; default git's).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

n=${HH_SKEW_HOUSEHOLDS:-200000}
bdir=${HH_SKEW_DIR:-$root/build-bench/skew}
threads=${HH_PROFILE_THREADS:-2}
freq=${HH_PROFILE_FREQ:-499}
period=202611
seed=1
hh=$root/build-bench/hhmatch
data=$root/build-bench/profile.data
txt=$root/build-bench/profile.txt
say() { echo "bench-profile: $*" >&2; }

# ---- dependencies and build (scripts/bench/prepare.sh) --------------------
. scripts/bench/prepare.sh
scripts/setup.sh
if ! command -v perf >/dev/null || ! perf --version >/dev/null 2>&1; then
	bench_install linux-perf
fi
bench_build

# ---- the month (bench-skew.sh's pid month, same marker) -------------------
mkdir -p "$bdir"
key=$bdir/bench.key
[ -f "$key" ] || "$hh" keygen --out "$key" >/dev/null
dir=$bdir/skewed-$n
marker="gen --households $n --seed $seed --period $period --clean --shape skewed --pid-sources --key $key $(sha256sum "$hh" | cut -c1-16) $(cut -c1-16 "$key" | sha256sum | cut -c1-16)"
if [ ! -f "$dir/.bench-marker" ] || [ "$(cat "$dir/.bench-marker")" != "$marker" ]; then
	say "generating skewed-$n, $n households"
	rm -rf "$dir"
	"$hh" gen --out "$dir" --households "$n" --seed "$seed" --period "$period" \
		--clean --shape skewed --pid-sources --key "$key" >/dev/null
	echo "$marker" >"$dir/.bench-marker"
fi

# ---- record ------------------------------------------------------------------
out=$root/build-bench/profile-out
rm -rf "$out"
# a warm-up run: the month's files into the page cache
"$hh" run --config "$dir/hhmatch.conf" --key "$key" --period "$period" \
	--out "$out" --threads "$threads" --quiet
rm -rf "$out"
say "perf record: hhmatch run --threads $threads"
perf record -q -e cpu-clock -F "$freq" --call-graph dwarf,16384 -o "$data" -- \
	"$hh" run --config "$dir/hhmatch.conf" --key "$key" --period "$period" \
	--out "$out" --threads "$threads" --quiet 2>&1 | grep -v '^\[ perf record' >&2 || true
[ -f "$out/report.json" ] || { say "FAILED: the profiled run wrote no report.json"; exit 1; }

# ---- report ----------------------------------------------------------------------
say "perf report (dwarf unwinding takes a while)"
rep() { perf report -i "$data" --stdio --no-header -q "$@" 2>/dev/null; }
top() { # N perf-report-options...: the first N lines (no SIGPIPE under pipefail)
	local k=$1
	shift
	rep "$@" >"$data.part"
	head -"$k" "$data.part"
}
script=$root/build-bench/profile.script
perf script -i "$data" -F pid,tid,period,ip,sym 2>/dev/null >"$script"
main_pid=$(awk 'NF && $1 ~ /^[0-9]+\/[0-9]+$/ { split($1, a, "/"); print a[1]; exit }' "$script")
rev=$(bench_rev "${HH_SKEW_REV:-}")
{
	echo "hhmatch run --threads $threads on $dir"
	echo "$(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPUs, hhmatch $rev, perf $(perf --version | cut -d' ' -f3),"
	echo "cpu-clock at $freq Hz, --call-graph dwarf; data: $data"
	echo
	echo "== 1. phases (report.json timings_seconds, wall seconds)"
	jq -c '.timings_seconds' "$out/report.json"
	echo
	echo "== 2. samples per process (the engine is $main_pid; another would be a forked workbook writer), then per thread"
	awk '$1 ~ /^[0-9]+\/[0-9]+$/ { split($1, a, "/"); c[a[1]]++; t++ }
		END { for (p in c) printf "%8.2f%%  %6d samples  process %s\n", 100 * c[p] / t, c[p], p }' "$script" |
		sort -rn >"$data.procs"
	cat "$data.procs"
	echo
	top 20 --no-children --sort pid -g none
	echo
	echo "== 3. top 25 symbols, self time, all processes"
	top 25 --no-children --sort dso,sym -g none
	for p in $(awk '{ print $5 }' "$data.procs"); do
		echo
		echo "-- top 15 symbols of process $p$([ "$p" = "$main_pid" ] && echo ' (engine)' || echo ' (forked: the workbook writer)')"
		top 15 --no-children --pid="$p" --sort dso,sym -g none
	done
	echo
	echo "== 4. samples by phase (first phase function from the root of each call chain)"
	awk -v main="$main_pid" '
		function phase_of(sym) {
			if (sym == "run_ingest" || sym == "worker" || sym ~ /^(ingest_help|morsel_|settle_|split_read)/) return "ingest"
			if (sym ~ /^ingest_(repairs|link_index|links)$/) return "repair"
			if (sym ~ /^(gather_findings|household_evaluate|evaluate_range|rank_by_id)$/) return "households"
			if (sym == "output_write_all" || sym == "run_task") return "outputs (csv)"
			if (sym == "report_html_write") return "report.html"
			if (sym ~ /^workbook_/) return "workbook"
			if (sym ~ /^(manifest_write|note_timings|note_recovery|edit_report|guards_|alerts_write|fs_put_dir|state_)/) return "manifest and publish"
			return ""
		}
		function flush() {
			if (!insample) return
			ph = ""
			if (pid != main) ph = "workbook (child process)"
			else for (i = nf; i >= 1 && ph == ""; i--) ph = phase_of(fr[i])
			# ISA-L has no unwind tables, so its chains stop in it: its inflate
			# is ingest, its deflate the workbook (zipw), its crc32 either
			# (the workbook on the main thread, ingest on the workers)
			if (ph == "" && nf && fr[nf] ~ /^(decode_huffman|isal_inflate|inflate_)/) ph = "ingest"
			if (ph == "" && nf && fr[nf] ~ /^(isal_deflate|encode_deflate|isal_update_histogram|gen_icf)/) ph = "workbook"
			if (ph == "" && nf && fr[nf] ~ /^crc32_gzip/) ph = (tid == pid) ? "workbook" : "ingest"
			if (ph == "") ph = "other (start-up, exit, kernel)"
			cnt[ph]++; total++
			leaf = nf ? fr[1] : "?"
			sc[ph SUBSEP leaf]++
			insample = 0; nf = 0
		}
		/^ *[0-9]+\/[0-9]+ / { flush(); split($1, a, "/"); pid = a[1]; tid = a[2]; insample = 1; next }
		NF == 0 { flush(); next }
		insample && NF >= 2 { s = $2; sub(/\+0x[0-9a-f]+$/, "", s); fr[++nf] = s }
		END {
			flush()
			fflush()
			for (p in cnt) printf "%6.1f %%  %6d  %s\n", 100 * cnt[p] / total, cnt[p], p | "sort -rn"
			close("sort -rn")
			print ""
			print "top symbols (self) of each phase, % of all samples:"
			for (k in sc) { split(k, b, SUBSEP); printf "%s\t%6.1f %%  %s\n", b[1], 100 * sc[k] / total, b[2] }
		}' "$script" | awk -F'\t' '
		NF < 2 { print; next }
		{ line[$1] = line[$1] "\n" $2 }
		END { for (p in line) { print "-- " p; fflush(); print substr(line[p], 2) | "sort -rn | head -8"; close("sort -rn | head -8") } }'
	echo
	echo "== 5. inclusive shares (children included) of the phase functions"
	rep --children --sort sym -g none |
		grep -E ' (run_ingest|worker|ingest_repairs|ingest_links?|ingest_link_index|household_evaluate|evaluate_range|rank_by_id|gather_findings|output_write_all|run_task|report_html_write|workbook_[a-z_]+|writer_child|write_here|manifest_write|note_timings|engine_run|publish_run)$' || true
} >"$txt"
rm -f "$script" "$data.part" "$data.procs"
rm -rf "$out"
cat "$txt"
