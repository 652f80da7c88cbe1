#!/usr/bin/env bash
# it_kill.sh - kill -9 at every publication step, and at random moments:
# --out always holds a complete run, and the next run makes --out and
# --state agree and removes what the killed run left (issue 14).
#
# A small generated month is run with --state, alternately from two
# deliveries of the same period (seeds 1 and 2, told apart by the roster's
# sha256 in manifest.json), so that "the previous run" and "the new run"
# differ.  Each trial kills a run of the other delivery:
#   - at each named step of publish.h, which the run reaches and stops
#     itself at (HHMATCH_TEST_PAUSE_AT=STEP, the test hook: SIGSTOP, so
#     the kill lands exactly there);
#   - after a random delay (RANDOM seeded: the same draws each time,
#     taken modulo 1.5 times the measured length of one run), engine
#     writing included.
# After each kill: hhmatch verify --run passes on --out, which holds the
# previous or (from the exchange on) the new delivery's run.  Then a run
# that is refused by the period_gap guard (so that it publishes nothing
# itself) must have recovered: the kept files of --out and of
# --state/runs/202611 byte for byte equal, no publish.intent, no temporary
# left beside --out or in --state, and stderr saying what it did (rolled
# forward from the exchange on, rolled back when the intent was written
# and the rename not done).  Folders and files beside --out that have a
# temporary's name but are not hhmatch's (no mark inside, a link, a copy
# of a run folder) are left alone, and links are never followed.
# Finally the audit log (every killed run logs --new-key) verifies, an
# intent naming another --out is resolved under that --out's lock, and a
# recovering run that publishes says so in report.json.
#   bash tests/e2e/it_kill.sh build/hhmatch
. "$(dirname "$0")/../lib.sh" "$@"

# each delivery under its own key, and every run with --new-key: each
# run is a key change, logged in the state's audit log
make_key "$T/key1"
"$HH" keygen --out "$T/key2" >/dev/null
for s in 1 2; do
	"$HH" gen --out "$T/d$s" --households 300 --seed "$s" --clean >/dev/null
done
mkdir "$T/w"
OUT=$T/w/out
ST=$T/st
KEPT="households.csv flags.csv findings.csv explain.csv report.json alerts.jsonl"

# roster_sha DIR: the roster's sha256 as the run folder's manifest lists it
roster_sha() {
	jq -r '.inputs[] | select(.source == "civil_affairs") | .sha256' "$1/manifest.json"
}
sha_of_delivery() { sha256sum <"$T/d$1/civil_affairs.csv" | cut -c1-64; }
D1=$(sha_of_delivery 1)
D2=$(sha_of_delivery 2)

# month SEED OUT: the arguments of the run every trial makes (and kills),
# into RUN; "$HH" "${RUN[@]}" & gives the run's own pid in $!
month() {
	RUN=(run --config "$T/d$1/hhmatch.conf" --key "$T/key$1" --period 202611 --out "$2"
		--state "$ST" --quiet --new-key)
}
run_month() {
	month "$1" "$2"
	"$HH" "${RUN[@]}"
}
# a test that fails while a run is stopped does not leave it behind
victim=""
on_exit '[ -z "$victim" ] || kill -9 "$victim" 2>/dev/null'

# start SEED OUT [STEP]: a run in the background (stopping itself at STEP),
# its pid in victim
start() {
	month "$1" "$2"
	HHMATCH_TEST_PAUSE_AT=${3:-} "$HH" "${RUN[@]}" 2>"$T/killed.log" &
	victim=$!
}

# kill_victim: kill -9, the run's exit status in rc
kill_victim() {
	rc=0
	kill -9 "$victim" 2>/dev/null || true
	{ wait "$victim" || rc=$?; } 2>/dev/null # (not bash's "Killed" notice)
	victim=""
}

# which_run: 1 or 2, the delivery --out holds (verify must pass first)
which_run() {
	run_expect 0 "$T/verify.log" "$HH" verify --run "$OUT"
	case $(roster_sha "$OUT") in
	"$D1") echo 1 ;;
	"$D2") echo 2 ;;
	*) fail "--out holds a run of neither delivery" ;;
	esac
}

# wait_stopped PID: until the run has stopped itself (T) or ended
wait_stopped() {
	local s
	for _ in $(seq 600); do
		s=$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null || echo gone)
		case $s in T | Z | gone) return 0 ;; esac # stopped, or ended: the kill says which
		sleep 0.05
	done
	fail "the run never reached step $2"
}

# agree WHAT [OUT]: OUT (default --out) and the state's copy of 202611
# hold the same bytes, and nothing is left of killed runs
agree() {
	local f out=${2:-$OUT}
	for f in $KEPT; do
		[ -e "$out/$f" ] || [ "$f" = alerts.jsonl ] || [ "$f" = explain.csv ] ||
			fail "$1: $out has no $f"
		if [ -e "$out/$f" ]; then
			cmp -s "$out/$f" "$ST/runs/202611/$f" ||
				fail "$1: $out/$f and --state/runs/202611/$f differ"
		fi
	done
	[ ! -e "$ST/publish.intent" ] || fail "$1: publish.intent left in --state"
	assert_eq "out" "$(ls -A "$T/w" | tr '\n' ' ' | sed 's/ $//')" "$1: beside --out"
	[ ! -e "$T/w2" ] || assert_eq "out" "$(ls -A "$T/w2" | tr '\n' ' ' | sed 's/ $//')" \
		"$1: beside the other --out"
	assert_eq "" "$(find "$ST" -name '.*' | tr '\n' ' ')" "$1: temporaries in --state"
}

# recover WHAT SEED [OUT]: the run that must recover, refused by
# period_gap before it reads a source (so what it publishes is nothing),
# under the key of delivery SEED, the one --out holds; then agree on OUT
recover() {
	run_expect 2 "$T/recover.log" "$HH" run --config "$T/d$2/hhmatch.conf" --key "$T/key$2" \
		--period 202703 --out "$OUT" --state "$ST" --quiet
	assert_contains "$T/recover.log" "period_gap" "$1: the recovering run's refusal"
	agree "$1" "${3:-}"
}

run_month 1 "$OUT" 2>/dev/null || fail "the first run"
cur=1
declare -A outcome
trials=0

# kill_at STEP: one trial at a named step
kill_at() {
	local step=$1 next=$((3 - cur)) held
	start "$next" "$OUT" "$step"
	wait_stopped "$victim" "$step"
	kill_victim
	assert_eq 137 "$rc" "status of the run killed at $step"
	held=$(which_run)
	case $step in
	open | engine | alerts | audit | manifest | stage | intent) want=$cur ;;
	*) want=$next ;;
	esac
	assert_eq "$want" "$held" "the run --out holds after a kill at $step"
	recover "kill at $step" "$held"
	case $step in
	intent) assert_contains "$T/recover.log" "never got there; .* \(rolled back\)$" \
		"kill at $step: recovery" ;;
	exchanged | rename | commit) assert_contains "$T/recover.log" \
		"recovered: the run of period 202611 .* is now kept in --state .* \(rolled forward\)$" \
		"kill at $step: recovery" ;;
	*) if grep -q "recovered:" "$T/recover.log"; then
		cat "$T/recover.log" >&2
		fail "kill at $step: a recovery with no intent written"
	fi ;;
	esac
	case $step in
	open | engine | alerts | audit | manifest | stage | intent | exchanged)
		assert_contains "$T/recover.log" "^hhmatch run: removed .*/\.out\.tmp-[A-Za-z0-9]{6}, left by a killed run$" \
			"kill at $step: the temporary folder beside --out" ;;
	esac
	case $step in
	stage | intent | exchanged | rename)
		assert_contains "$T/recover.log" "^hhmatch run: removed .*/runs/\.202611\.tmp-[A-Za-z0-9]{6}, left by a killed run$" \
			"kill at $step: the staged copy in --state" ;;
	esac
	cur=$held
	trials=$((trials + 1))
	outcome[$step]="$((${outcome[$step]:-0} + 1))"
}

for step in open engine alerts audit manifest stage intent exchanged rename commit done; do
	kill_at "$step"
done

# what has a temporary's shape but is not hhmatch's stays: a folder
# holding something other than a run, and names of another shape
mkdir "$T/w/.out.tmp-keepMe" "$T/w/.out.tmp-12345"
echo "the operator's notes" >"$T/w/.out.tmp-keepMe/notes.txt"
echo "not a temporary" >"$T/w/.out.tmp-abcdef.txt"
start $((3 - cur)) "$OUT" engine
wait_stopped "$victim" engine
kill_victim
run_expect 2 "$T/recover.log" "$HH" run --config "$T/d$cur/hhmatch.conf" --key "$T/key$cur" \
	--period 202703 --out "$OUT" --state "$ST" --quiet
assert_contains "$T/recover.log" "^hhmatch run: removed .*/\.out\.tmp-[A-Za-z0-9]{6}, left by a killed run$" \
	"look-alikes: the killed run's temporary folder"
assert_eq ".out.tmp-12345 .out.tmp-abcdef.txt .out.tmp-keepMe out" "$(ls -A "$T/w" | sort | tr '\n' ' ' | sed 's/ $//')" \
	"look-alikes left beside --out"
rm -r "$T/w/.out.tmp-keepMe" "$T/w/.out.tmp-12345" "$T/w/.out.tmp-abcdef.txt"
agree "look-alikes"
trials=$((trials + 1))

# links with a leftover's exact name, in --state and beside --out, are not
# hhmatch's (it makes folders and files only): the recovering run never
# follows them (it used to empty the folders they point to) and leaves
# the links themselves, for whoever made them to remove.  A copy of a run
# folder beside --out under a leftover's shape (cp -a, a backup) carries
# the mark, but one naming the folder it was made in, not this one: it
# stays too.  A link inside the killed run's own temporary folder goes
# with the folder, and what it points to stays.
for v in 1 2 3 4; do
	mkdir "$T/victim$v"
	echo "victim $v" >"$T/victim$v/v.txt"
done
ln -s "$T/victim1" "$ST/runs/.202611.tmp-abc123"
ln -s "$T/victim2" "$ST/.publish.intent.tmp-xyz789"
ln -s "$T/victim3" "$T/w/.out.tmp-lnk123"
cp -a "$OUT" "$T/w/.out.tmp-backup"
mkdir "$T/w/.out.tmp-fifo00" # a pipe for a mark is not read (it would block)
mkfifo "$T/w/.out.tmp-fifo00/.hhmatch-run"
start $((3 - cur)) "$OUT" engine
wait_stopped "$victim" engine
ln -s "$T/victim4" "$(ls -d "$T"/w/.out.tmp-* | grep -Ev 'lnk123|backup|fifo00')/planted"
kill_victim
run_expect 2 "$T/recover.log" "$HH" run --config "$T/d$cur/hhmatch.conf" --key "$T/key$cur" \
	--period 202703 --out "$OUT" --state "$ST" --quiet
assert_contains "$T/recover.log" "^hhmatch run: removed .*/\.out\.tmp-[A-Za-z0-9]{6}, left by a killed run$" \
	"links: the killed run's temporary folder"
grep -E "removed .*(abc123|xyz789|lnk123|backup|fifo00)" "$T/recover.log" &&
	fail "links: a link or the backup was said removed"
for v in 1 2 3 4; do
	assert_eq "victim $v" "$(cat "$T/victim$v/v.txt" 2>/dev/null)" "links: what link $v points to"
done
for l in "$ST/runs/.202611.tmp-abc123" "$ST/.publish.intent.tmp-xyz789" "$T/w/.out.tmp-lnk123"; do
	[ -L "$l" ] || fail "links: $l was removed"
done
diff -r "$OUT" "$T/w/.out.tmp-backup" >/dev/null || fail "links: the backup beside --out changed"
rm "$ST/runs/.202611.tmp-abc123" "$ST/.publish.intent.tmp-xyz789" "$T/w/.out.tmp-lnk123"
[ -p "$T/w/.out.tmp-fifo00/.hhmatch-run" ] || fail "links: the folder holding a pipe was removed"
rm -r "$T/w/.out.tmp-backup" "$T/w/.out.tmp-fifo00"
agree "links"
trials=$((trials + 1))

# random moments: the length of a run, measured once, spans the delays
t0=$(date +%s%N)
run_month $((3 - cur)) "$OUT" 2>/dev/null || fail "the timed run"
t1=$(date +%s%N)
cur=$((3 - cur))
span_ms=$(((t1 - t0) / 1000000 * 3 / 2 + 1))
RANDOM=1411
finished=0 killed_old=0 killed_new=0
for i in $(seq 20); do
	next=$((3 - cur))
	delay=$((RANDOM % span_ms))
	start "$next" "$OUT"
	sleep "$(printf '%d.%03d' $((delay / 1000)) $((delay % 1000)))"
	kill_victim
	held=$(which_run)
	if [ "$rc" = 0 ]; then
		finished=$((finished + 1))
		assert_eq "$next" "$held" "random trial $i: a run that finished"
	elif [ "$rc" = 137 ]; then
		if [ "$held" = "$next" ]; then killed_new=$((killed_new + 1)); else killed_old=$((killed_old + 1)); fi
	else
		cat "$T/killed.log" >&2
		fail "random trial $i: the run exited $rc"
	fi
	recover "random trial $i (${delay} ms)" "$held"
	cur=$held
	trials=$((trials + 1))
done

# every killed run logged --new-key: the log is intact and authenticated
run_expect 0 "$T/verify-log.log" "$HH" audit verify-log --state "$ST"

# an intent naming another --out: resolved under that --out's lock, and
# what was left beside it removed
mkdir "$T/w2"
start 2 "$T/w2/out" rename
wait_stopped "$victim" rename
kill_victim
recover "an intent for another --out" "$cur" "$T/w2/out"
assert_contains "$T/recover.log" "published in $T/w2/out is now kept in --state .* \(rolled forward\)$" \
	"an intent for another --out: recovery"
assert_contains "$T/recover.log" "^hhmatch run: removed $T/st/runs/\.202611\.tmp-[A-Za-z0-9]{6}, left by a killed run$" \
	"an intent for another --out: the staged copy"
trials=$((trials + 1))

# a recovering run that publishes says so in report.json
start 1 "$OUT" rename
wait_stopped "$victim" rename
kill_victim
run_expect 0 "$T/last.log" run_month 2 "$OUT"
assert_eq rolled_forward "$(jq -r .recovery.intent.action "$OUT/report.json")" \
	"report.json: recovery.intent.action"
assert_eq 202611 "$(jq -r .recovery.intent.period "$OUT/report.json")" "report.json: recovery.intent.period"
jq -r '.recovery.removed[]' "$OUT/report.json" | grep -E '/runs/\.202611\.tmp-[A-Za-z0-9]{6}$' >/dev/null ||
	fail "report.json: recovery.removed does not name the staged copy"
agree "after a publishing recovery"
trials=$((trials + 1))

summary=""
for step in open engine alerts audit manifest stage intent exchanged rename commit done; do
	summary="$summary $step=${outcome[$step]}"
done
echo "it_kill: $trials kill trials passed; at steps:$summary;" \
	"20 random (${span_ms} ms span): $killed_old killed before the rename," \
	"$killed_new after it, $finished finished first; look-alikes 1, links 1, another --out 1, report.json 1"
