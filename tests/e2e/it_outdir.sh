#!/usr/bin/env bash
# it_outdir.sh - a run replaces only what hhmatch wrote, one run at a time,
# with the modes the umask gives.
#
# On the golden month: --out refused (exit 1, nothing changed on disk,
# and before any source is read) when it holds files hhmatch did not
# write, holds the inputs, the key, the config or rules file, is a file,
# or is, holds or lies inside --state, or is a symbolic link; --pg-out
# that cannot name a store; replaced when it is an earlier
# run's folder (it carries .hhmatch-run) or empty.  A second run on the
# same --out or --state fails at once (exit 3) naming the holder; a lock
# file left by a killed run does not block.  Outputs and state follow the
# umask (027: a group may read them).
#   bash tests/e2e/it_outdir.sh build/hhmatch
. "$(dirname "$0")/../lib.sh" "$@"

# The month and every folder tried live in $W; logs and snapshots in $T.
G=$HH_TEST_DATA/golden
W=$T/w
mkdir -p "$W/in"
cp "$G"/input/* "$W/in/"
make_key "$W/key"
cd "$W/in"
SRC=(--civil-affairs civil_affairs.csv --education education.tsv --hr hr.csv.gz
	--housing housing.csv --medical medical.csv)
run() { # STATUS LOG OUT [more options]
	local want=$1 log=$2 out=$3
	shift 3
	run_expect "$want" "$log" "$HH" run --period 202611 --key "$W/key" --out "$out" \
		"${SRC[@]}" --quiet "$@"
}
# refused RUN-OUT PATTERN WHAT [more options]: exit 1 with the message,
# and nothing changed in the inputs, the key or the folder tried.
refused() {
	local out=$1 pattern=$2 what=$3
	shift 3
	assert_refused 1 "$what" "$pattern" "$W/in" "$W/key" "$out" -- \
		"$HH" run --period 202611 --key "$W/key" --out "$out" "${SRC[@]}" --quiet "$@"
}

# a folder with someone's files
mkdir "$W/notes"
echo "keep me" >"$W/notes/plan.txt"
refused "$W/notes" "refusing to replace --out $W/notes: it holds files that hhmatch did not write" \
	"foreign folder"
# the inputs' own folder, and a folder above it
refused "$W/in" "refusing --out $W/in: it holds --civil-affairs" "the inputs' folder"
refused "$W" "refusing --out $W: it holds" "a folder above the inputs"
# a file
echo x >"$W/afile"
refused "$W/afile" "--out $W/afile is not a folder" "a file as --out"
# --out holding --state, and --out inside --state
refused "$W/o1" "refusing --out $W/o1: it is, holds or lies inside --state $W/o1/state" \
	"--out holding --state" --state "$W/o1/state"
[ ! -e "$W/o1" ] || fail "a refused run created $W/o1"
mkdir -p "$W/st"
refused "$W/st/out" "lies inside --state $W/st" "--out inside --state" --state "$W/st"
# the config and rules files
mkdir "$W/cfg"
printf 'hr = %s/in/hr.csv.gz\n' "$W" >"$W/cfg/month.conf"
refused "$W/cfg" "it holds the config file" "--out holding the config" --config "$W/cfg/month.conf"
printf 'flag_level = medium\n' >"$W/cfg/r.rules"
rm "$W/cfg/month.conf"
refused "$W/cfg" "it holds the rules file" "--out holding the rules" --rules "$W/cfg/r.rules"

# Checked before any source is read: a missing source is not even opened.
run 1 "$T/early.log" "$W/notes" --medical "$W/no-such-file.csv"
assert_contains "$T/early.log" "refusing to replace --out" "the --out check comes first"

# --pg-out is checked before any source is read as well.
run 1 "$T/pgout.log" "$W/pgo" --pg-out 'postgresql:///x?table=a.b' --medical "$W/no-such-file.csv"
assert_contains "$T/pgout.log" "--pg-out: postgresql:///x\?table=a.b: a store URI takes no table= or query=" \
	"--pg-out naming a table"
run 1 "$T/pgout2.log" "$W/pgo" --pg-out 'host=/tmp dbnmae=x' --medical "$W/no-such-file.csv"
assert_contains "$T/pgout2.log" 'invalid connection option "dbnmae"' "--pg-out with a misspelt option"
[ ! -e "$W/pgo" ] || fail "a refused run wrote --out"

# An earlier run's folder is replaced; an empty one is used.
run 0 "$T/r1.log" "$W/out"
[ -f "$W/out/.hhmatch-run" ] || fail "the run folder carries no mark"
echo stale >"$W/out/stale.csv"
run 0 "$T/r2.log" "$W/out"
[ ! -e "$W/out/stale.csv" ] || fail "the earlier run's folder was not replaced whole"
mkdir "$W/empty"
run 0 "$T/r3.log" "$W/empty"
[ -f "$W/empty/households.csv" ] || fail "an empty --out was not used"
# A symbolic link as --out (here to an earlier run's folder, which the
# run would otherwise accept and fail to rename onto only at the end):
# exit 1 at once naming it, the link, its folder and what is beside them
# as they were (with and without a trailing slash).
ln -s "$W/out" "$W/outlink"
for o in "$W/outlink" "$W/outlink/"; do
	assert_refused 1 "symlinked --out" "^hhmatch run: --out $o is a symbolic link; give the folder" \
		"$W/out" "$W/outlink" -- "$HH" run --period 202611 --key "$W/key" --out "$o" \
		"${SRC[@]}" --medical "$W/no-such-file.csv" --quiet
done
ls -A "$W" | grep -q '^\.outlink' && fail "a refused run left something beside the link: $(ls -A "$W")"
rm "$W/outlink"
ls -a "$W" | grep -q '\.lock$' && fail "a lock file was left beside --out: $(ls -a "$W")"

# One run at a time: hold the --out lock as a running hhmatch would.
exec 9>"$W/.out.lock"
flock -n 9 || fail "test setup: cannot lock"
echo "pid 4242 since 2026-11-30T05:00:00Z" >&9
snapshot "$W/out" >"$T/before"
run 3 "$T/busy.log" "$W/out"
assert_contains "$T/busy.log" "--out $W/out is in use by another hhmatch run \(pid 4242 since 2026-11-30T05:00:00Z\)" \
	"busy --out"
snapshot "$W/out" >"$T/after"
assert_file_eq "$T/before" "$T/after" "--out after the busy refusal"
exec 9>&-
# the same file, not held by anyone (a killed run's): no obstacle
echo "pid 1 since 2020-01-01T00:00:00Z" >"$W/.out.lock"
run 0 "$T/stale-lock.log" "$W/out"
# --state
mkdir -p "$W/state"
exec 9>"$W/state/.lock"
flock -n 9 || fail "test setup: cannot lock the state"
run 3 "$T/busy2.log" "$W/out2" --state "$W/state"
assert_contains "$T/busy2.log" "--state $W/state is in use by another hhmatch run" "busy --state"
[ ! -e "$W/out2" ] || fail "a refused run wrote --out"
exec 9>&-

# The umask decides the modes: 027 lets a group read, others nothing.
(umask 027 && run 0 "$T/u.log" "$W/shared" --state "$W/ustate")
assert_eq 750 "$(stat -c %a "$W/shared")" "--out folder mode under umask 027"
for f in households.csv flags.csv report.json alerts.jsonl; do
	assert_eq 640 "$(stat -c %a "$W/shared/$f")" "$f mode under umask 027"
done
assert_eq 750 "$(stat -c %a "$W/ustate/runs/202611")" "state run folder mode"
assert_eq 640 "$(stat -c %a "$W/ustate/runs/202611/households.csv")" "state file mode"
# the audit log, written by an audit query, follows the umask too
(umask 027 && run_expect 0 "$T/aq.log" "$HH" audit findings --code A_DECEASED \
	--state "$W/ustate" --purpose it_outdir --operator tester)
assert_eq 640 "$(stat -c %a "$W/ustate/audit.log")" "audit.log mode under umask 027"
(umask 002 && run 0 "$T/u3.log" "$W/team")
assert_eq 775 "$(stat -c %a "$W/team")" "--out folder mode under umask 002"
assert_eq 664 "$(stat -c %a "$W/team/report.json")" "report.json under umask 002"
assert_eq 664 "$(stat -c %a "$W/team/rejects.csv")" "rejects.csv under umask 002"
(umask 077 && run 0 "$T/u2.log" "$W/private")
assert_eq 700 "$(stat -c %a "$W/private")" "--out folder mode under umask 077"
assert_eq 600 "$(stat -c %a "$W/private/households.csv")" "households.csv under umask 077"
echo "it_outdir: ok"
