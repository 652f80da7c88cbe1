#!/usr/bin/env bash
# it_alloc_failure.sh - allocation failures end in a correct run or a clean
# error, never a crash, a hang or wrong outputs (issue 14).
#
# Uses the LD_PRELOAD shim tests/fault/failalloc.c (HH_FAILALLOC, set by
# CMake, else libhh_failalloc.so beside the binary); a sanitizer build has
# no shim (ASan and TSan replace malloc themselves) and skips (exit 77).
#  1. the shim: it counts a run's allocation calls the same way twice, and
#     a call number past the end fails nothing;
#  2. OpenSSL is initialised up front: failing one of the first calls
#     after start-up exits 3 with "cannot initialise OpenSSL" (before, a
#     failure inside OpenSSL's lazy set-up crashed in the first SHA256());
#  3. the calls right after `run --help` would stop are the run's options
#     (the config file's and the command line's copies): each one failed
#     ends cleanly (before, a failed strdup dropped --state, --sign-key, a
#     source... and the run went on without it);
#  4. the last 60 calls of each case: what runs after the outputs or the
#     audit record are written (before, a failed copy of the audit log's
#     head for the answer printed "(null)" or crashed after the record
#     was logged);
#  5. scripts/alloc-sweep.sh over a small month with --state, an accepted
#     guard, alerts, a signed manifest, gz and GB18030 sources, and over
#     pseudonymize, verify and an audit query, 2000 calls per case evenly
#     spaced (the same calls on any machine: about 1 in 10 of the run's, 1
#     in 3 of pseudonymize's, 1 in 7 of verify's, 1 in 4 of the query's;
#     about 6-8 minutes on 2 cores; a call skipped for time fails the
#     test, 1500 s being only a safety net): every tried
#     call ends in identical outputs or exit 2/3 with a message, nothing
#     published and the state unchanged.  The sweep is the reproducer of
#     the defects it found (a rejects row dropped, key_id from an unwritten
#     SHA-256, os_user "uid 0" and an audit answer without its rows after a
#     failed lookup); the whole sweep (every call) is
#     `scripts/alloc-sweep.sh BINARY --jobs 2`.
. "$(dirname "$0")/../lib.sh" "$@"

shim=${HH_FAILALLOC:-$(dirname "$HH")/libhh_failalloc.so}
if [ ! -f "$shim" ]; then
	echo "skip: no allocation shim ($shim): a sanitizer build" >&2
	exit 77
fi
if ! LD_PRELOAD=$shim "$HH" --version >/dev/null 2>&1; then
	echo "skip: $HH does not run with the shim preloaded (a sanitizer runtime?)" >&2
	exit 77
fi

# 1. The shim counts the same calls every time; a number past the end
# fails nothing.
make_key "$T/key"
"$HH" gen --out "$T/g" --households 3 --seed 5 >/dev/null 2>&1 || fail "gen"
n1=$(HH_FAIL_ALLOC_COUNT=$T/c1 LD_PRELOAD=$shim "$HH" pseudonymize --key "$T/key" --source housing \
	--in "$T/g/housing.tsv" --out "$T/p1.csv" --period 202611 >/dev/null 2>&1 && cat "$T/c1")
n2=$(HH_FAIL_ALLOC_COUNT=$T/c2 LD_PRELOAD=$shim "$HH" pseudonymize --key "$T/key" --source housing \
	--in "$T/g/housing.tsv" --out "$T/p2.csv" --period 202611 >/dev/null 2>&1 && cat "$T/c2")
[ -n "$n1" ] && [ "$n1" -gt 100 ] || fail "the shim counted '$n1' allocation calls"
assert_eq "$n1" "$n2" "allocation calls of two identical runs"
run_expect 0 "$T/past.log" env HH_FAIL_ALLOC=$((n1 + 1000)) LD_PRELOAD="$shim" \
	"$HH" pseudonymize --key "$T/key" --source housing --in "$T/g/housing.tsv" \
	--out "$T/p3.csv" --period 202611
assert_file_eq "$T/p1.csv" "$T/p3.csv" "pseudonymize with no call failed"

# 2. The calls right after start-up are OpenSSL's initialisation: `hhmatch
# --version` stops before it, so its count (plus the stdout buffer it
# allocates) marks where main begins.  Each of the 40 calls from there
# fails cleanly: exit 3 naming OpenSSL, or a correct run (OpenSSL goes on
# without its error strings when their tables cannot grow); the first ones
# (its locks and tables) must fail the initialisation.
base=$(HH_FAIL_ALLOC_COUNT=$T/cv LD_PRELOAD=$shim "$HH" --version >/dev/null && cat "$T/cv")
ossl=0
for n in $(seq $((base - 1)) $((base + 40))); do
	rm -f "$T/p4.csv" "$T/p4.csv.rejects.csv"
	rc=0
	HH_FAIL_ALLOC=$n LD_PRELOAD=$shim "$HH" pseudonymize --key "$T/key" --source housing \
		--in "$T/g/housing.tsv" --out "$T/p4.csv" --period 202611 >"$T/init.log" 2>&1 || rc=$?
	case $rc in
	0) assert_file_eq "$T/p1.csv" "$T/p4.csv" "pseudonymize with call $n failed" ;;
	3)
		if grep -q 'cannot initialise OpenSSL' "$T/init.log"; then
			ossl=$((ossl + 1))
		fi
		[ ! -e "$T/p4.csv" ] || fail "call $n failed: exit 3 but $T/p4.csv was written"
		grep -q '[[:alnum:]]' "$T/init.log" || fail "call $n failed: exit 3 without a message"
		;;
	*) cat "$T/init.log" >&2; fail "call $n failed: exit $rc" ;;
	esac
done
[ "$ossl" -ge 1 ] || fail "only $ossl of the calls after start-up failed OpenSSL's initialisation"
note "OpenSSL initialisation: $ossl failed calls, each a clean exit 3"

# 3. The options: every call from just before where `run --help` stops.
help=$(HH_FAIL_ALLOC_COUNT=$T/ch LD_PRELOAD=$shim "$HH" run --help >/dev/null && cat "$T/ch")
if ! bash "$HH_SRC/scripts/alloc-sweep.sh" "$HH" --shim "$shim" --only run \
	--calls $((help - 5))-$((help + 60)) --step 1 >"$T/options.log" 2>&1; then
	cat "$T/options.log" >&2
	fail "a failed allocation while reading the run's options (above)"
fi
cat "$T/options.log" >&2

# 4. The end of each case.
if ! bash "$HH_SRC/scripts/alloc-sweep.sh" "$HH" --shim "$shim" --last 60 --step 1 \
	>"$T/last.log" 2>&1; then
	cat "$T/last.log" >&2
	fail "a failed allocation at the end of a command (above)"
fi
cat "$T/last.log" >&2

# 5. The sweep.
# The run at 2 threads reading every source in morsels of 3 rows (parts
# settling in parallel, their results absorbed at the end): which call
# fails depends on scheduling, so calls picked at random; each must still
# end as the same outputs or a clean error.
if ! HH_MORSEL_ROWS=3 bash "$HH_SRC/scripts/alloc-sweep.sh" "$HH" --shim "$shim" --only run \
	--threads 2 --random 200 --jobs 2 >"$T/threads.log" 2>&1; then
	cat "$T/threads.log" >&2
	fail "a failed allocation in a 2-thread run (above)"
fi
cat "$T/threads.log" >&2

if ! bash "$HH_SRC/scripts/alloc-sweep.sh" "$HH" --shim "$shim" --trials 2000 --max-seconds 1500 >"$T/sweep.log" 2>&1; then
	cat "$T/sweep.log" >&2
	fail "the allocation sweep found defects (above)"
fi
cat "$T/sweep.log" >&2
# Every call the sweep chose must have been tried: a call skipped for
# time would pass untested (the table's last column).
skipped=$(awk '$1 ~ /^(run|pseudonymize|verify|audit)$/ && NF >= 12 { s += $NF } END { print s + 0 }' "$T/sweep.log")
[ "$skipped" = 0 ] || fail "$skipped calls of the sweep were skipped for time, not tried"
