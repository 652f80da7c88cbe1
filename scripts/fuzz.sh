#!/usr/bin/env bash
# fuzz.sh - bounded fuzzing of every parser (tests/fuzz/, issue 14).
#   scripts/fuzz.sh [SECONDS_PER_TARGET]     (default 20)
# Builds the libFuzzer targets with clang in build-fuzz (-DHH_FUZZ=ON:
# every layer with coverage, AddressSanitizer and UBSan), then runs each
# target for SECONDS on a temporary copy of its corpus (the git tree never
# gets new corpus files), two at a time, with -rss_limit_mb=2048 and
# -timeout=10.  Prints the executions per target; exits 1 on any crash,
# leak, timeout or out-of-memory, naming the target, its log and the
# reproducer libFuzzer saved (kept in a folder under /tmp, which is then
# not removed).  A reproducer belongs in tests/fuzz/corpus/TARGET/ once
# the defect is fixed: ctest replays it in every build.
#   HH_FUZZ_BUILD=DIR  another build folder (default build-fuzz)
#   HH_FUZZ_ONLY="a b" only these targets (names without fuzz_)
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-20}
case $secs in
'' | *[!0-9]*) echo "usage: scripts/fuzz.sh [SECONDS_PER_TARGET]" >&2; exit 2 ;;
esac
build=${HH_FUZZ_BUILD:-build-fuzz}

CC=clang cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DHH_WERROR=ON \
	-DHH_FUZZ=ON >/dev/null
cmake --build "$build" -j"$(nproc)" --target hh_fuzz_all >/dev/null

if [ -n "${HH_FUZZ_ONLY:-}" ]; then
	read -r -a targets <<<"$HH_FUZZ_ONLY"
else
	targets=()
	for src in tests/fuzz/fuzz_*.c; do
		name=${src##*/fuzz_}
		targets+=("${name%.c}")
	done
fi

work=$(mktemp -d /tmp/hhmatch-fuzz.XXXXXX)
# The files the targets write for every input (fuzz_util.h) go to a
# tmpfs when there is one: on a disk, truncating them again and again
# costs more than the parse (ten times, on ext4 with discard).
scratch=$work
if [ -d /dev/shm ] && [ -w /dev/shm ]; then
	scratch=$(mktemp -d /dev/shm/hhmatch-fuzz.XXXXXX)
fi
# $work is kept when something was found: the logs and reproducers are in it.
keep=0
trap '[ "$scratch" = "$work" ] || rm -rf "$scratch"; [ "$keep" = 1 ] || rm -rf "$work"' EXIT

# fuzz_one NAME: runs one target; its log is $work/NAME.log, its status
# $work/NAME.rc.
fuzz_one() {
	local t=$1 dir=$work/$1
	mkdir -p "$dir/corpus" "$dir/artifacts" "$scratch/$t"
	cp -R "tests/fuzz/corpus/$t/." "$dir/corpus/"
	local rc=0
	# TMPDIR: the targets' private folders (fuzz_util.h) land in $scratch.
	# Leaks are findings too (LeakSanitizer, at the end and per input).
	TMPDIR=$scratch/$t ASAN_OPTIONS=detect_leaks=1:${ASAN_OPTIONS:-} \
		UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
		"$build/fuzz_$t" -max_total_time="$secs" -rss_limit_mb=2048 -timeout=10 \
		-print_final_stats=1 -artifact_prefix="$dir/artifacts/" \
		"$dir/corpus" >"$work/$t.log" 2>&1 || rc=$?
	echo "$rc" >"$work/$t.rc"
}

running=0
for t in "${targets[@]}"; do
	[ -x "$build/fuzz_$t" ] || { echo "fuzz.sh: no target fuzz_$t in $build" >&2; exit 2; }
	if [ "$running" -ge 2 ]; then
		wait -n || true
		running=$((running - 1))
	fi
	fuzz_one "$t" &
	running=$((running + 1))
done
wait || true

failed=0
for t in "${targets[@]}"; do
	rc=$(cat "$work/$t.rc" 2>/dev/null || echo missing)
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/$t.log" | tail -n 1)
	if [ "$rc" = 0 ]; then
		printf 'fuzz.sh: %-12s %10s executions in %ss\n' "$t" "${execs:-?}" "$secs"
		continue
	fi
	failed=1
	repro=$(ls "$work/$t/artifacts/" 2>/dev/null | head -n 1)
	kind=$(grep -m1 -oE 'ERROR: (AddressSanitizer|LeakSanitizer|UndefinedBehaviorSanitizer|libFuzzer)[^(]*|runtime error:.*|ALARM: working on the last Unit.*' \
		"$work/$t.log" || echo "exit status $rc")
	echo "fuzz.sh: $t FAILED after ${execs:-?} executions: $kind" >&2
	echo "fuzz.sh:   log: $work/$t.log" >&2
	if [ -n "$repro" ]; then
		echo "fuzz.sh:   reproducer: $work/$t/artifacts/$repro" >&2
		echo "fuzz.sh:   replay it: $build/fuzz_$t $work/$t/artifacts/$repro" >&2
	fi
done
if [ "$failed" = 1 ]; then
	keep=1
	exit 1
fi
echo "fuzz.sh: ${#targets[@]} targets, ${secs}s each: no crash, leak or timeout"
