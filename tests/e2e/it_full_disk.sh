#!/usr/bin/env bash
# it_full_disk.sh - a full disk under --out, then --state, then the audit
# log: exit 3 naming the file, nothing partial left, and the same command
# works once there is room again (issue 14).
#
# A small tmpfs (mount -t tmpfs: the test command runs as root; exit 77
# when mounting is not permitted) is filled with a filler file so that:
#   1. --out's run cannot be written: exit 3 naming a file in the
#      temporary folder beside --out; --out still the previous run
#      (verify passes, same manifest), nothing beside it, --state as it
#      was;
#   2. --state's copy cannot be staged: exit 3 naming a file under
#      --state/runs; --out and --state as they were (nothing published:
#      the copy is staged before the rename);
#   3. the audit log cannot take a record: an audit query (whose record
#      crosses into a page the disk cannot give: a short write) and a
#      logged run (--new-key; its record fits in the log's last page and
#      the anchor's temporary is what cannot be written) each exit 3
#      naming the file, the log and its anchor byte for byte as they were
#      (the part written is truncated away); the query prints no answer,
#      the run publishes nothing;
# and after each, with the filler removed, the same command succeeds (and
# `hhmatch audit verify-log` passes on the log).  Last, half a record
# appended to the log (a torn tail) is repaired by the next query, which
# records the repair first, and the log verifies.
#   bash tests/e2e/it_full_disk.sh build/hhmatch
. "$(dirname "$0")/../lib.sh" "$@"

if [ "$(id -u)" != 0 ]; then
	echo "skip: mounting a tmpfs needs root" >&2
	exit 77
fi
M=$T/mnt
mkdir "$M"
if ! mount -t tmpfs -o size=2m tmpfs "$M" 2>"$T/mount.log"; then
	echo "skip: mount -t tmpfs is not permitted here: $(cat "$T/mount.log")" >&2
	exit 77
fi
on_exit "umount '$M'"

make_key "$T/key1"
"$HH" keygen --out "$T/key2" >/dev/null
for s in 1 2; do
	"$HH" gen --out "$T/d$s" --households 300 --seed "$s" --clean >/dev/null
done

# run_month SEED OUT STATE [args]: a run of delivery SEED (under key1,
# unless args give another --key)
run_month() {
	local s=$1 out=$2 st=$3
	shift 3
	"$HH" run --config "$T/d$s/hhmatch.conf" --key "$T/key1" --period 202611 --out "$out" \
		--state "$st" --quiet "$@"
}

# fill: the tmpfs left without a free byte (the filler's own write fails
# at the end, as it should)
fill() {
	head -c 8M /dev/zero >"$M/filler" 2>/dev/null || true
	assert_eq 0 "$(df -B1 --output=avail "$M" | tail -n 1 | tr -d ' ')" "free bytes after filling"
}
unfill() { rm -f "$M/filler"; }

# sums PATH...: the bytes of every file below the paths (not their times:
# a log truncated back to its length is the same log)
sums() { find "$@" -type f -exec sha256sum {} + | sort -k2; }

roster_of() { jq -r '.inputs[] | select(.source == "civil_affairs") | .sha256' "$1/manifest.json"; }

# --- 1. --out ------------------------------------------------------------------
mkdir "$M/w"
run_month 1 "$M/w/out" "$T/st1" || fail "the first run"
prev=$(roster_of "$M/w/out")
fill
assert_refused 3 out_full \
	"^hhmatch run: cannot write $M/w/\.out\.tmp-[A-Za-z0-9]{6}/[a-z_.-]+: No space left on device$" \
	"$M/w" "$T/st1" -- run_month 2 "$M/w/out" "$T/st1"
run_expect 0 "$T/verify.log" "$HH" verify --run "$M/w/out"
assert_eq "$prev" "$(roster_of "$M/w/out")" "--out after a full disk: the previous run"
assert_eq out "$(ls -A "$M/w")" "beside --out after a full disk"
unfill
run_expect 0 "$T/again.log" run_month 2 "$M/w/out" "$T/st1"
run_expect 0 "$T/verify.log" "$HH" verify --run "$M/w/out"
assert_eq "$(sha256sum <"$T/d2/civil_affairs.csv" | cut -c1-64)" "$(roster_of "$M/w/out")" \
	"--out once there is room"
cmp -s "$M/w/out/households.csv" "$T/st1/runs/202611/households.csv" ||
	fail "--out and --state differ once there is room"
rm -rf "$M/w"
echo "full --out: exit 3, --out and --state unchanged; the same run then succeeds" >&2

# --- 2. --state ----------------------------------------------------------------
run_month 1 "$T/out2" "$M/st2" || fail "the first run"
fill
assert_refused 3 state_full \
	"^hhmatch run: cannot write $M/st2/runs/\.202611\.tmp-[A-Za-z0-9]{6}/[a-z_.]+: No space left on device$" \
	"$T/out2" "$M/st2" -- run_month 2 "$T/out2" "$M/st2"
assert_eq "" "$(find "$M/st2" -name '.*')" "temporaries in --state after a full disk"
unfill
run_expect 0 "$T/again.log" run_month 2 "$T/out2" "$M/st2"
for f in households.csv flags.csv findings.csv report.json alerts.jsonl; do
	cmp -s "$T/out2/$f" "$M/st2/runs/202611/$f" || fail "$f: --out and --state differ once there is room"
done
rm -rf "$M/st2" "$T/out2"
echo "full --state: exit 3, --out and --state unchanged; the same run then succeeds" >&2

# --- 3. the audit log --------------------------------------------------------
ST=$M/st3
run_month 1 "$T/out3" "$ST" || fail "the first run"
HID=$(sed -n 2p "$ST/runs/202611/households.csv" | cut -d, -f1)
query() { "$HH" audit household --household "$HID" --state "$ST" --purpose "full disk test"; }
# queries until the log's last page has less room than a record: the
# next record is written in part, then the disk is full
for _ in $(seq 200); do
	query >/dev/null || fail "an audit query with room"
	size=$(stat -c %s "$ST/audit.log")
	[ $((4096 - size % 4096)) -lt 150 ] && break
done
[ $((4096 - size % 4096)) -lt 150 ] || fail "the audit log never came near a page's end"
fill
sums "$ST" >"$T/before"
rc=0
query >"$T/answer" 2>"$T/query.log" || rc=$?
assert_eq 3 "$rc" "an audit query on a full disk"
assert_contains "$T/query.log" \
	"^hhmatch audit: nothing was appended to audit log $ST/audit.log: cannot write $ST/audit.log: No space left on device$" \
	"an audit query on a full disk: message"
[ ! -s "$T/answer" ] || fail "an audit query that could not be logged answered"
sums "$ST" >"$T/after"
assert_file_eq "$T/before" "$T/after" "the state after a query on a full disk"
unfill
query >/dev/null 2>"$T/query.log" || fail "the same query once there is room"
run_expect 0 "$T/verify-log.log" "$HH" audit verify-log --state "$ST"

# a logged run (another key, --new-key): the log's last page, just begun
# by the query, has room for its record, but the disk none for the
# anchor's temporary: the record goes too, and nothing is published
sums "$T/out3" >"$T/out.before"
fill
sums "$ST" >"$T/before"
rc=0
run_month 2 "$T/out3" "$ST" --key "$T/key2" --new-key 2>"$T/run.log" || rc=$?
assert_eq 3 "$rc" "a logged run on a full disk"
assert_contains "$T/run.log" \
	"^hhmatch run: nothing was appended to audit log $ST/audit.log: cannot write $ST/audit\.head\.tmp: No space left on device$" \
	"a logged run on a full disk: message"
sums "$ST" >"$T/after"
assert_file_eq "$T/before" "$T/after" "the state after a logged run on a full disk"
sums "$T/out3" >"$T/out.after"
assert_file_eq "$T/out.before" "$T/out.after" "--out after a logged run on a full disk"
unfill
run_expect 0 "$T/again.log" run_month 2 "$T/out3" "$ST" --key "$T/key2" --new-key
assert_eq run "$(tail -n 1 "$ST/audit.log" | jq -r .purpose)" "the run's record once there is room"
run_expect 0 "$T/verify-log.log" "$HH" audit verify-log --state "$ST"
echo "full audit log: a query and a logged run exit 3, the log unchanged; both then succeed and the log verifies" >&2

# half a record at the end (what an older hhmatch left on a full disk, or
# a power loss during a write): the next query repairs it, records the
# repair before its own record, and the log verifies
tail -n 1 "$ST/audit.log" | head -c 100 >>"$ST/audit.log"
run_expect 2 "$T/torn.log" "$HH" audit verify-log --state "$ST"
query >/dev/null 2>"$T/query.log" || { cat "$T/query.log" >&2; fail "a query after a torn tail"; }
assert_eq "repair 100" "$(tail -n 2 "$ST/audit.log" | head -n 1 | jq -r '[(.purpose | split(":")[0]), .query.torn_bytes] | join(" ")')" \
	"the repair record"
assert_eq "full disk test" "$(tail -n 1 "$ST/audit.log" | jq -r .purpose)" "the query's record after the repair"
run_expect 0 "$T/verify-log.log" "$HH" audit verify-log --state "$ST"
echo "torn tail: repaired by the next query, recorded, and the log verifies" >&2
echo "it_full_disk: 4 full-disk cases, each exit 3 with nothing partial, each succeeding once there is room; a torn tail repaired"
