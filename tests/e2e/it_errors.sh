#!/usr/bin/env bash
# it_errors.sh - runs that must fail, and fail cleanly.
#
# Exit 2 (input error) with a message naming the source and the file for:
# a truncated .csv.gz, an empty file, random bytes, a missing required
# column (the message names the column and the accepted names), too many
# rejected rows, a 3 MB line without a line end (the message says "line").
# Exit 1 for usage errors.  A key file readable by others is refused with
# a "chmod 600" hint.  After every failure --out does not exist, no
# temporary folder is left beside it, and an --out holding an earlier
# successful run is left byte for byte as it was.
# The base month is tests/data/golden/input; each case swaps in one file.
#   bash tests/e2e/it_errors.sh build/hhmatch
. "$(dirname "$0")/../lib.sh" "$@"

mkdir "$T/w"
golden_month

# A previous good run, to check that failures leave it alone.
run_expect 0 "$T/good.log" "$HH" run --period 202611 --key "$T/key" --out "$T/w/prev" \
	"${GOLDEN_SOURCES[@]}" --quiet
(cd "$T/w/prev" && sha256sum ./*) >"$T/prev.sums"
ls -A "$T/w" >"$T/w.listing"

# Later findings that are engine bugs (see the comments where they are
# recorded); checked last so that every other assertion still runs.
KNOWN_BUGS=()

# expect_fail STATUS NAME PATTERN... -- ARGS...: runs `hhmatch run` with the
# base sources overridden by ARGS, first into a fresh --out and then into
# the folder of the earlier run; checks the status, each PATTERN (grep -E)
# in the message, and that nothing was written.
expect_fail() {
	local want=$1 name=$2 pats=() p out log
	shift 2
	while [ "$1" != -- ]; do pats+=("$1"); shift; done
	shift
	for out in "$T/w/new" "$T/w/prev"; do
		log=$T/$name.log
		run_expect "$want" "$log" "$HH" run --period 202611 --key "$T/key" --out "$out" \
			"${GOLDEN_SOURCES[@]}" --quiet "$@"
		for p in "${pats[@]}"; do
			grep -Eq -- "$p" "$log" || { cat "$log" >&2; fail "$name: message lacks /$p/"; }
		done
		[ ! -e "$T/w/new" ] || fail "$name: --out was created"
		ls -A "$T/w" | cmp -s - "$T/w.listing" ||
			fail "$name: left files beside --out: $(ls -A "$T/w" | tr '\n' ' ')"
		(cd "$T/w/prev" && sha256sum ./*) | cmp -s - "$T/prev.sums" ||
			fail "$name: the earlier run's outputs changed"
	done
	# "SOURCE: FILE: SOURCE: FILE:" - the prefix is repeated (BUG, see below)
	if grep -Eq '([a-z_]+: [^ ]+: )\1' "$log"; then
		KNOWN_BUGS+=("$name: message repeats its source/file prefix: $(head -1 "$log")")
	fi
}

# Truncated gzip (the last 30 bytes cut off).
sz=$(wc -c <hr.csv.gz)
head -c $((sz - 30)) hr.csv.gz >trunc.csv.gz
expect_fail 2 truncated_gzip '(^|[^a-z_])hr[: ]' 'trunc\.csv\.gz' -- --hr trunc.csv.gz

# Empty file.
: >empty.csv
expect_fail 2 empty_file 'education' 'empty\.csv' -- --education empty.csv

# Random bytes: deterministic ones (a SHA-256 chain), then fresh ones.
for i in $(seq 128); do
	h=$(printf 'hhmatch-noise-%d' "$i" | sha256sum | cut -c1-64)
	printf "$(sed 's/../\\x&/g' <<<"$h")"
done >noise.csv
expect_fail 2 noise_housing 'housing' 'noise\.csv' -- --housing noise.csv
expect_fail 2 noise_roster 'civil_affairs' 'noise\.csv' -- --civil-affairs noise.csv
head -c 4096 /dev/urandom >urandom.csv
cp urandom.csv "$T/urandom.keep"
if ! (expect_fail 2 urandom_medical 'medical' 'urandom\.csv' -- --medical urandom.csv); then
	od -An -tx1 "$T/urandom.keep" | head -20 >&2
	fail "random bytes as medical (first bytes above)"
fi

# A missing required column: region_code (行政区划代码) taken out.
awk -F, -v OFS=, '{ $4 = ""; sub(/,,/, ","); print }' civil_affairs.csv >nocol.csv
grep -q 行政区划代码 <(head -1 nocol.csv) && fail "test setup: column still there"
expect_fail 2 missing_column 'civil_affairs' 'nocol\.csv' 'region_code' '行政区划代码' \
	-- --civil-affairs nocol.csv

# Too many rejected rows: 3 of 10 (30%) fails; 2 of 10 (20%, not more) passes.
{
	echo "id_number,property_count"
	awk -F, 'NR > 1 && NR <= 8 { print $2 ",0" }' "$HH_TEST_DATA/golden/persons.csv"
	echo "640104198001011234,0"
	echo "640104198001011234X,0"
	echo ",0"
} >bad30.csv
expect_fail 2 too_many_rejects 'housing' 'bad30\.csv' -- --housing bad30.csv
grep -v '^,0$' bad30.csv >bad20.csv
awk -F, 'NR == 9 { print $2 ",0" }' "$HH_TEST_DATA/golden/persons.csv" >>bad20.csv
assert_eq 11 "$(wc -l <bad20.csv)" "bad20.csv lines"
run_expect 0 "$T/bad20.log" "$HH" run --period 202611 --key "$T/key" --out "$T/ok20" \
	"${GOLDEN_SOURCES[@]}" --housing bad20.csv --quiet
assert_eq 2 "$(json_source_num "$T/ok20/report.json" housing rows_rejected)" "bad20 rejects"
rm -rf "$T/ok20"

# A 3 MB line with no line end.
{
	echo "id_number,settle_date,out_of_pocket"
	head -c 3000000 /dev/zero | tr '\0' 7
} >long.csv
expect_fail 2 long_line 'medical' 'long\.csv' 'line' -- --medical long.csv

# Usage errors: exit 1.
expect_fail 1 bad_period_13 'period' -- --period 202613
expect_fail 1 bad_period_short 'period' -- --period 20261
expect_fail 1 bad_period_text 'period' -- --period 2026ab
expect_fail 1 unknown_option 'bogus' -- --bogus
expect_fail 1 key_without_value 'key' -- --key
expect_fail 1 bad_threads 'threads' -- --threads 0
log=$T/nokey.log
run_expect 1 "$log" "$HH" run --period 202611 --out "$T/w/new" "${GOLDEN_SOURCES[@]}"
assert_contains "$log" '--key' "missing --key message"
[ ! -e "$T/w/new" ] || fail "missing --key: --out was created"
run_expect 1 "$log" "$HH" run --period 202611 --key "$T/key" --out "$T/w/new" \
	--education education.tsv
assert_contains "$log" '--civil-affairs' "missing --civil-affairs message"

# A key file readable by group and others is refused.
cp "$HH_TEST_DATA/test.key" "$T/key644"
chmod 644 "$T/key644"
rc=0
"$HH" run --period 202611 --key "$T/key644" --out "$T/w/new" "${GOLDEN_SOURCES[@]}" \
	>"$log" 2>&1 || rc=$?
[ "$rc" -ne 0 ] || fail "a key file with mode 0644 was accepted"
assert_contains "$log" 'chmod 600' "key mode message"
[ ! -e "$T/w/new" ] || fail "key 0644: --out was created"
(cd "$T/w/prev" && sha256sum ./*) | cmp -s - "$T/prev.sums" || fail "key 0644: earlier run changed"

# BUG (reported): when the CSV reader or the gzip layer fails, its message
# already starts "SOURCE: FILE:" and ingest_source wraps it again, giving
# e.g. "hr: trunc.csv.gz: hr: trunc.csv.gz: line 18: gzip stream truncated".
# Expected: the source and file named once.
if [ ${#KNOWN_BUGS[@]} -gt 0 ]; then
	printf '  %s\n' "${KNOWN_BUGS[@]}" >&2
	fail "error messages repeat their source/file prefix (engine bug)"
fi
echo "it_errors: ok"
