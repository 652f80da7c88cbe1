#!/usr/bin/env bash
# alloc-sweep.sh - fails every allocation of a small month in turn and
# checks that hhmatch either ignores it or stops cleanly (issue 14).
#
#   scripts/alloc-sweep.sh BINARY [--step K | --trials N | --random R] [--max-seconds S]
#                          [--jobs J] [--offset O] [--calls A-B | --last K] [--threads T]
#                          [--only CASE] [--shim FILE] [--keep]
#
# The shim is tests/fault/failalloc.c (libhh_failalloc.so, built beside
# the binary in builds without a sanitizer; --shim or $HH_FAILALLOC names
# it elsewhere).  The month: `hhmatch gen` October (6 households) run with
# --state, and a November made from it (one household gone, so the
# household_drop guard fires and is accepted; one household's income
# raised and another's cut, so alerts are written; hr and medical .csv.gz,
# housing a GB18030 .tsv), run with --threads 1 --accept household_drop
# --sign-key: ingest, alerts, guards, manifest, signature and the audit log.
# Cases, each run once under the shim to count its allocation calls, then
# once per failed call N:
#   run           the November run, on a fresh copy of October's state
#   pseudonymize  the GB18030 housing TSV
#   verify        hhmatch verify --pubkey of the reference November run
#   audit         audit household --key on a fresh copy of November's state
# Each trial ends in one outcome:
#   same      exit 0, outputs identical to the reference run (timings, audit
#             times and hashes, the report's size and digest in the manifest
#             and the signature aside; the manifest, its signature and the
#             audit chain are checked with verify and verify-log instead)
#   error     exit 2 or 3, a message on stderr, nothing published (no --out,
#             no output file, nothing left beside them) and --state unchanged
#   lib       a crash or wrong outputs after a failed allocation inside a
#             library that mishandles it, where no caller can help: glibc
#             2.36's getpwuid_r (a failed call under it: NSS then asserts
#             in nss_database.c or dereferences the NULL); counted and
#             listed by library, not a defect.  caseworkers.xlsx has no
#             such excuse: its writer (connectors/xlsxw.c, zipw.c) is ours,
#             and a failed allocation there must end as "error"
#   defects:  crash (a signal), hang (killed after 20 s), wrong (exit 0 with
#             other outputs, or verify/verify-log failing on them), partial
#             (exit non-zero with something published or left), state (exit
#             non-zero with --state changed), silent (no message), exit-N
#             (another status)
# Prints a table of outcomes per case; exits 1 on any defect, listing N and
# the stderr of each (the first 20), 2 on a setup error.
# --step K tries every K-th call (from 1 + O, --offset); without it every
# call, unless --max-seconds S is given: K is then chosen from the time of a
# few trials so that the sweep fits in S seconds; trials not started
# within S are counted as "skipped" either way.  --trials N tries about N
# calls per case, evenly spaced (a step per case: the same calls on any
# machine, as a test wants).  --calls A-B tries only calls A to B (with
# --step; a window such as the option parsing after OpenSSL's set-up), and
# --last K the last K calls of each case (what runs after the outputs or
# the audit record are written).  --jobs J runs J trials at once (the
# default 1; outcomes do not depend on it).  --random R tries R calls
# picked at random per case instead.  --threads T runs the November run
# with T threads (default 1): which call fails then depends on scheduling,
# so use it with --random, to look, not as a test.  HH_FAIL_ALLOC_TRACE=1
# in the environment prints where each failed call came from (the shim's
# header comment).  Every call of every case, 2 trials at a time:
#   scripts/alloc-sweep.sh build/hhmatch --jobs 2
set -uo pipefail
export LC_ALL=C

# --trial CASE N: one trial, run by the sweep itself through xargs; the
# work folder and settings come from the environment (SW_*).
if [ "${1:-}" = --trial ]; then
	case_=$2 n=$3
	W=$SW_WORK HH=$SW_BIN
	if [ "$(date +%s)" -ge "$SW_DEADLINE" ]; then
		echo "$case_ $n skipped" >>"$W/results"
		exit 0
	fi
	t=$W/t/$case_.$n
	rm -rf "$t" && mkdir -p "$t" || exit 2
	# shellcheck source=/dev/null
	. "$W/lib.sh"
	trial "$case_" "$n" "$t"
	exit 0
fi

usage() { sed -n '2,5p' "$0" >&2; exit 2; }
die() { echo "alloc-sweep: $*" >&2; exit 2; }

HH= step= random= trials= calls= last= budget= jobs=1 offset=0 threads=1 only= shim=${HH_FAILALLOC:-} keep=0
while [ $# -gt 0 ]; do
	case $1 in
	--step) step=${2:?}; shift 2 ;;
	--random) random=${2:?}; shift 2 ;;
	--trials) trials=${2:?}; shift 2 ;;
	--calls) calls=${2:?}; shift 2 ;;
	--last) last=${2:?}; shift 2 ;;
	--threads) threads=${2:?}; shift 2 ;;
	--max-seconds) budget=${2:?}; shift 2 ;;
	--jobs) jobs=${2:?}; shift 2 ;;
	--offset) offset=${2:?}; shift 2 ;;
	--only) only=${2:?}; shift 2 ;;
	--shim) shim=${2:?}; shift 2 ;;
	--keep) keep=1; shift ;;
	-h | --help) usage ;;
	-*) die "unknown option $1" ;;
	*) [ -z "$HH" ] || usage; HH=$1; shift ;;
	esac
done
[ -n "$HH" ] || usage
HH=$(realpath "$HH") && [ -x "$HH" ] || die "not an executable: $HH"
[ -n "$shim" ] || shim=$(dirname "$HH")/libhh_failalloc.so
[ -f "$shim" ] || die "no allocation shim at $shim (built beside the binary without a sanitizer)"
shim=$(realpath "$shim")
for v in "$step" "$random" "$trials" "$budget" "$jobs" "$offset" "$threads"; do
	case $v in '' | *[!0-9]*) [ -z "$v" ] || die "not a number: $v" ;; esac
done
[ -z "$step" ] || [ "$step" -ge 1 ] || die "--step must be at least 1"
[ "$jobs" -ge 1 ] || die "--jobs must be at least 1"
[ "$threads" -ge 1 ] || die "--threads must be at least 1"
case ${step:+s}${trials:+t}${random:+r} in ?? | ???) die "one of --step, --trials, --random" ;; esac
[ -z "$trials" ] || [ "$trials" -ge 1 ] || die "--trials must be at least 1"
from=1 to=
if [ -n "$calls" ]; then
	from=${calls%-*} to=${calls#*-}
	case $from$to in '' | *[!0-9]*) die "--calls A-B: two numbers" ;; esac
	[ -z "$trials$random" ] || die "--calls goes with --step"
fi
case $last in *[!0-9]*) die "--last K: a number" ;; esac
[ -z "$last" ] || [ -z "$calls$trials$random" ] || die "--last goes with --step"
cases="run pseudonymize verify audit"
if [ -n "$only" ]; then
	case " $cases " in *" $only "*) cases=$only ;; *) die "--only: one of $cases" ;; esac
fi

W=$(mktemp -d "${TMPDIR:-/tmp}/alloc-sweep.XXXXXX") || die "no work folder"
cleanup() { if [ "$keep" = 1 ]; then echo "alloc-sweep: work folder kept: $W" >&2; else rm -rf "$W"; fi; }
trap cleanup EXIT
trap 'exit 130' INT TERM
start=$(date +%s)

# lib.sh: what a trial needs, shared by the main script and the trials.
cat >"$W/lib.sh" <<EOF
W=$W
HH=$HH
SHIM=$shim
THREADS=$threads
M=$W/month
EOF
cat >>"$W/lib.sh" <<'EOF'
export HHMATCH_AUDIT_KEY=$M/audit.key

# dump DIR raw|norm [SKIP]: every entry of DIR (type, mode, name) and every
# file's bytes, but entries named SKIP (a find -name pattern); norm blanks
# what differs between two correct runs: the timings in report.json, the
# temporary folder .hhmatch-run names, the size and digest of both in
# manifest.json, the signature, and the audit log's times and hashes
# (verify and verify-log check those instead).
dump() {
	(
		cd "$1" || exit 1
		find . -mindepth 1 -not -name "${3:-}" -printf '%y %m %P\n' | sort
		find . -type f -not -name "${3:-}" | sort | xargs -r -d '\n' awk -v norm="$2" '
		BEGIN { h = "[0-9a-f]"; for (i = 1; i < 64; i++) h = h "[0-9a-f]"
			tm = "[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9]Z" }
		FNR == 1 { print "== " FILENAME; base = FILENAME; sub(/.*\//, "", base); after = 0; intim = 0 }
		norm == "norm" {
			if (base == "manifest.sig") next
			if (base == "report.json") {
				if ($0 ~ /"timings_seconds"/) intim = 1
				if (intim || $0 ~ /"seconds":/) gsub(/: [0-9.eE+-]+/, ": T")
				if (intim && $0 ~ /}/) intim = 0
			}
			if (base == "manifest.json") {
				if (after > 0) { gsub(/: "?[0-9a-f]+"?/, ": X"); after-- }
				if ($0 ~ /"name": "(report\.json|\.hhmatch-run)"/) after = 2
			}
			if (base ~ /^audit\./) { gsub(h, "H"); gsub(tm, "T") }
			if (base == ".hhmatch-run") gsub(/\.tmp-[A-Za-z0-9]+/, ".tmp-X")
		}
		{ print }'
	)
}

# norm_text FILE: a command's stdout with audit hashes and times blanked.
norm_text() {
	awk 'BEGIN { h = "[0-9a-f]"; for (i = 1; i < 64; i++) h = h "[0-9a-f]"
		tm = "[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9]Z" }
		{ gsub(h, "H"); gsub(tm, "T"); print }' "$1"
}

# cmd CASE: the command of a case, run in the trial's folder (its outputs
# go there, named relatively: the audit log records the --state given),
# prefixed by the words of $RUN (the shim's environment: only hhmatch may
# see it, not bash or timeout, whose allocations would be counted too).
cmd() {
	case $1 in
	run) "${RUN[@]}" "$HH" run --config "$M/nov/hhmatch.conf" --key "$M/key" --out o \
		--state s --threads "$THREADS" --quiet --accept household_drop --sign-key "$M/sign.key" ;;
	pseudonymize) "${RUN[@]}" "$HH" pseudonymize --key "$M/key" --source housing \
		--in "$M/nov/housing.tsv" --out p/p.csv --rejects p/p.rejects.csv --period 202611 ;;
	verify) "${RUN[@]}" "$HH" verify --run "$M/nov.ref/o" --pubkey "$M/sign.key.pub" ;;
	audit) "${RUN[@]}" "$HH" audit household --household "$(cat "$M/audit.household")" --key "$M/key" \
		--state s --purpose alloc-sweep ;;
	esac
}

# prepare CASE DIR: the inputs a trial of CASE starts from.
prepare() {
	case $1 in
	run) cp -a "$M/state.oct" "$2/s" ;;
	pseudonymize) mkdir "$2/p" ;;
	audit) cp -a "$M/state.nov" "$2/s" ;;
	esac
}

# result CASE DIR: what the trial left, for comparison with the reference:
# its outputs (normalised), and for a case with a state the state's.
result() {
	case $1 in
	run) dump "$2/o" norm && dump "$2/s" norm ;;
	pseudonymize) dump "$2/p" norm ;;
	verify) norm_text "$2/out" ;;
	audit) norm_text "$2/out" && dump "$2/s" norm ;;
	esac
}

# checks CASE DIR: what a successful trial must also pass.
checks() {
	case $1 in
	run) "$HH" verify --run "$2/o" --pubkey "$M/sign.key.pub" &&
		"$HH" audit verify-log --state "$2/s" ;;
	audit) "$HH" audit verify-log --state "$2/s" ;;
	esac
}

# untouched CASE DIR: a failed trial must leave what it was given as it was
# and publish nothing: no entry in DIR but its input copy and its logs.
untouched() {
	local left
	left=$(cd "$2" && ls -A | grep -v -x -e out -e err -e s -e p | tr '\n' ' ')
	[ ! -d "$2/p" ] || left="$left$(ls -A "$2/p" | tr '\n' ' ')"
	if [ -n "$left" ]; then
		echo partial "left: $left"
		return
	fi
	case $1 in
	run)
		# A run with --accept logs its record before it publishes: one that
		# fails after that leaves the record of an attempt (semantics.md,
		# "Delivery guards"), which must be the reference's record, intact.
		dump "$2/s" raw 'audit.*' 2>/dev/null | cmp -s - "$M/state.oct.raw" || { echo state; return; }
		if [ -e "$2/s/audit.log" ] || [ -e "$2/s/audit.head" ]; then
			mkdir "$2/a" && cp -a "$2/s"/audit.* "$2/a/" &&
				dump "$2/a" norm 2>/dev/null | cmp -s - "$M/audit.attempt" &&
				"$HH" audit verify-log --state "$2/s" >/dev/null 2>&1 && rm -rf "$2/a" ||
				echo state "audit log"
		fi ;;
	audit) dump "$2/s" raw 2>/dev/null | cmp -s - "$M/state.nov.raw" || echo state ;;
	esac
}

# trial CASE N DIR: runs CASE with allocation call N failed and appends
# "CASE N OUTCOME [detail]" to $W/results.
trial() {
	local c=$1 n=$2 t=$3 rc=0 outcome detail=
	prepare "$c" "$t"
	RUN=(timeout -s KILL 20 env HH_FAIL_ALLOC="$n" HH_FAIL_ALLOC_TRACE="$t.trace" LD_PRELOAD="$SHIM")
	(cd "$t" && cmd "$c" >"$t/out" 2>"$t/err") || rc=$?
	if [ "$rc" = 137 ]; then
		outcome=hang
	elif [ "$rc" -gt 128 ]; then
		outcome=crash detail="signal $((rc - 128))"
	elif [ "$rc" = 0 ]; then
		if ! result "$c" "$t" 2>/dev/null | cmp -s - "$M/ref.$c"; then
			outcome=wrong detail="outputs differ from the reference"
		elif ! checks "$c" "$t" >"$t/check" 2>&1; then
			outcome=wrong detail="$(tr '\n' ' ' <"$t/check")"
		else
			outcome=same
		fi
	elif [ "$rc" = 2 ] || [ "$rc" = 3 ]; then
		detail=$(untouched "$c" "$t")
		if [ -n "$detail" ]; then
			outcome=${detail%% *}
		elif ! grep -q '[[:alnum:]]' "$t/err" || grep -q '(null)' "$t/err"; then
			outcome=silent
		else
			outcome=error
			grep -qiE 'memory|alloc' "$t/err" && detail=oom
		fi
	else
		outcome=exit-$rc
	fi
	if [ "$outcome" = crash ] || [ "$outcome" = wrong ]; then
		if grep -q '(getpwuid_r+' "$t.trace" 2>/dev/null ||
			grep -q 'nss_database.c:[0-9]*: nss_database_reload_1: Assertion' "$t/err"; then
			outcome=lib detail="glibc NSS"
		fi
	fi
	echo "$c $n $outcome $detail" >>"$W/results"
	if [ "$outcome" = same ] || [ "$outcome" = error ] || [ "$outcome" = lib ]; then
		rm -rf "$t" "$t.trace"
	fi
}
EOF
# shellcheck source=/dev/null
. "$W/lib.sh"

# The month.
mkdir -p "$M" "$W/t" || die "cannot create $M"
gen() { "$HH" gen --out "$M/$1" --households 6 --seed 7 --period "$2" >/dev/null 2>&1 || die "gen $2 failed"; }
gen oct 202610
"$HH" keygen --out "$M/key" >/dev/null || die "keygen failed"
"$HH" keygen --out "$M/audit.key" >/dev/null || die "keygen (audit key) failed"
"$HH" keygen --sign --out "$M/sign.key" >/dev/null || die "keygen --sign failed"
"$HH" run --config "$M/oct/hhmatch.conf" --key "$M/key" --out "$M/oct.out" --state "$M/state.oct" \
	--threads 1 --quiet || die "the October run failed"
H=$M/oct.out/households.csv
pick() { awk -F, -v not="${2:-}" "NR > 1 && ($1) && \$1 != not { print \$1; exit }" "$H"; }
gone=$(pick '$10 == "none"')
cut=$(pick '$10 == "none"' "$gone")
raised=$(pick '$10 == "medium" && $11 == "R_INCOME"')
[ -n "$gone" ] && [ -n "$cut" ] && [ -n "$raised" ] || die "the October month lacks the households to change"
cp -a "$M/oct" "$M/nov"
sed -i 's/^period = .*/period = 202611/' "$M/nov/hhmatch.conf"
awk -F, -v OFS=, -v g="$gone" -v c="$cut" -v r="$raised" '
	$1 == g { next }
	$1 == c { $7 = "100.00" }
	$1 == r { $7 = "900000.00" }
	{ print }' "$M/oct/civil_affairs.csv" >"$M/nov/civil_affairs.csv"
echo "$raised" >"$M/audit.household"

# References: each case once without a failure, under the shim to count
# its allocation calls (and twice, to see that both are the same).
dump "$M/state.oct" raw >"$M/state.oct.raw"
RUN=()
mkdir -p "$M/nov.ref" && prepare run "$M/nov.ref"
(cd "$M/nov.ref" && cmd run >"$M/nov.ref/out" 2>"$M/nov.ref/err") ||
	{ cat "$M/nov.ref/err" >&2; die "the reference November run failed"; }
[ -s "$M/nov.ref/o/alerts.jsonl" ] || die "the reference run wrote no alerts"
[ -s "$M/nov.ref/s/audit.log" ] || die "the reference run logged no accepted guard"
cp -a "$M/nov.ref/s" "$M/state.nov"
mkdir "$M/attempt" && cp -a "$M/state.nov"/audit.* "$M/attempt/" && dump "$M/attempt" norm >"$M/audit.attempt"
dump "$M/state.nov" raw >"$M/state.nov.raw"
declare -A count
for c in $cases; do
	for i in 1 2; do
		r=$M/count.$c.$i
		rm -rf "$r" && mkdir -p "$r" && prepare "$c" "$r"
		RUN=(env HH_FAIL_ALLOC_COUNT="$r.n" LD_PRELOAD="$shim")
		(cd "$r" && cmd "$c" >"$r/out" 2>"$r/err") ||
			{ cat "$r/err" >&2; die "$c fails without an allocation failure"; }
		checks "$c" "$r" >/dev/null 2>&1 || die "$c: the reference outputs do not verify"
		result "$c" "$r" >"$M/ref.$c.$i" || die "$c: cannot read the reference outputs"
	done
	cmp -s "$M/ref.$c.1" "$M/ref.$c.2" || die "$c: two correct runs differ after normalisation"
	mv "$M/ref.$c.1" "$M/ref.$c"
	count[$c]=$(cat "$M/count.$c.1.n")
	c2=$(cat "$M/count.$c.2.n")
	# with threads the count may vary a little; else it must not
	if [ "$threads" -gt 1 ] && [ "$c" = run ]; then
		[ "$c2" -le "${count[$c]}" ] || count[$c]=$c2
	elif [ "${count[$c]}" != "$c2" ]; then
		die "$c: the number of allocation calls varies (${count[$c]}, $c2)"
	fi
done

# The trials' list: CASE N, every step-th call.
export SW_WORK=$W SW_BIN=$HH SW_DEADLINE=$((start + ${budget:-999999999}))
list() { # STEP
	local c n k
	if [ -n "$trials" ]; then
		for c in $cases; do
			k=$(((count[$c] + trials - 1) / trials))
			for ((n = 1 + offset; n <= count[$c]; n += k)); do echo "$c $n"; done
		done
		return
	fi
	if [ -n "$random" ]; then
		for c in $cases; do
			shuf -i "1-${count[$c]}" -n "$random" | sort -n | sed "s/^/$c /"
		done
		return
	fi
	for c in $cases; do
		n=$((from + offset))
		[ -z "$last" ] || n=$((count[$c] > last ? count[$c] - last + 1 + offset : 1 + offset))
		while [ "$n" -le "${count[$c]}" ] && [ "$n" -le "${to:-${count[$c]}}" ]; do
			echo "$c $n"
			n=$((n + $1))
		done
	done
}
: >"$W/results"
if [ -z "$step" ] && [ -z "$random" ] && [ -z "$trials" ] && [ -n "$budget" ]; then
	# Calibrate: 8 trials spread over the cases (counted as results too),
	# then the step that fits what is left of the budget.
	t0=$(date +%s%N)
	list 1 | awk 'NR % 997 == 1' | head -8 >"$W/calib"
	xargs -P "$jobs" -L 1 bash "$0" --trial <"$W/calib"
	per=$((($(date +%s%N) - t0) / 8 / 1000000)) # ms per trial (at J jobs)
	left=$((SW_DEADLINE - $(date +%s)))
	total=$(list 1 | wc -l)
	step=$(((total * per + left * 1000 - 1) / (left * 1000 > 0 ? left * 1000 : 1)))
	[ "$step" -ge 1 ] || step=1
	list "$step" | grep -v -x -F -f "$W/calib" | xargs -P "$jobs" -L 1 bash "$0" --trial
else
	step=${step:-1}
	list "$step" | xargs -P "$jobs" -L 1 bash "$0" --trial
fi
end=$(date +%s)

# The table.
if [ -n "$trials" ]; then
	how="about $trials calls per case, evenly spaced (from call $((1 + offset)))"
elif [ -n "$random" ]; then
	how="$random calls at random per case"
else
	how="step $step (from call $((from + offset))${to:+ to $to})"
	[ -z "$last" ] || how="step $step over the last $last calls of each case"
fi
echo "alloc-sweep: $HH, $how, --threads $threads, $jobs job(s), $((end - start)) s"
printf '%-13s %8s %6s %6s %6s %6s %6s %6s %6s %6s %6s %8s\n' case calls tried same error oom lib crash hang wrong other skipped
defects=0
for c in $cases; do
	awk -v c="$c" -v calls="${count[$c]}" '
		$1 == c { tried++; o[$3]++; if ($3 == "error" && $4 == "oom") oom++ }
		END {
			other = tried - o["same"] - o["error"] - o["lib"] - o["crash"] - o["hang"] - o["wrong"] - o["skipped"]
			printf "%-13s %8d %6d %6d %6d %6d %6d %6d %6d %6d %6d %8d\n", c, calls, tried - o["skipped"],
				o["same"], o["error"], oom, o["lib"], o["crash"], o["hang"], o["wrong"], other, o["skipped"]
		}' "$W/results"
done
echo "(same: exit 0, identical outputs; error: exit 2/3, message, nothing published; oom: of those, the message names memory or allocation; lib: a library's own failure, below)"
libs=$(awk '$3 == "lib" { $1 = $2 = $3 = ""; sub(/^ +/, ""); n[$0]++ } END { for (l in n) { printf "%s%s: %d", s, l, n[l]; s = ", " } }' "$W/results")
[ -z "$libs" ] || echo "lib: $libs (crashes or wrong outputs after an allocation failed inside the library)"
bad=$(awk '$3 != "same" && $3 != "error" && $3 != "lib" && $3 != "skipped"' "$W/results" | sort -k1,1 -k2,2n)
if [ -n "$bad" ]; then
	defects=$(echo "$bad" | wc -l)
	echo
	echo "alloc-sweep: $defects defect(s):"
	echo "$bad" | head -20 | while read -r c n outcome detail; do
		echo "-- $c, call $n: $outcome${detail:+ ($detail)}"
		grep -v '^hhmatch [a-z]*: warning:' "$W/t/$c.$n/err" | tail -n 3 | sed 's/^/   stderr: /'
	done
	echo "(rerun one: HH_FAIL_ALLOC=N HH_FAIL_ALLOC_TRACE=1 LD_PRELOAD=$shim $HH ... ; --keep keeps the folders)"
	exit 1
fi
exit 0
