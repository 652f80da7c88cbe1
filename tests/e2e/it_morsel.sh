#!/usr/bin/env bash
# it_morsel.sh - morsel-driven ingest (issue 16) gives the single worker's
# outputs, whatever the thread count and the morsel size.
#
# With more than one thread, every local source is read in morsels that
# any worker parses, settled in file order (per part of the pid table for
# valid rows, morsel by morsel for the roster and the rest: engine_int.h,
# split_read).  HH_MORSEL_ROWS makes morsels of 1, 3 or 7 records, so
# that every repeat, typo, malformed row, quoted line break and encoding
# error of a dirty month falls on a morsel boundary somewhere.  Checked:
#  - a dirty generated month (two-member gzip, GB18030 TSV, CRLF, BOM,
#    repeats, typos, malformed rows) and a skewed one (rows out of person
#    order) at 2, 3, 4 and 8 threads and several morsel sizes: every CSV
#    output byte for byte, report.json without its timings, sizes and
#    thread count, its keys in the same order;
#  - a file with its own hh_row column numbered backwards: reject reasons
#    listed by the first hh_row each was met at, at any thread count;
#  - an education file whose names hold quoted line breaks and a repeat
#    of an earlier row a few records later: lines as the reader counts
#    them, D_DUP_ROW citing the first occurrence, as with one thread;
#  - a gzip source cut short after a repeat and a bad row: the same exit
#    code and message as with one thread (the rows before the cut are
#    decided first, as one worker decides them);
#  - a pid extract whose key_id changes at a late row: the same refusal;
#  - HH_MORSEL_ROWS that is not a number of rows: exit 1, named.
#   bash tests/e2e/it_morsel.sh build/hhmatch
. "$(dirname "$0")/../lib.sh" "$@"

make_key "$T/key"
JQ='walk(if type == "object" then del(.seconds, .timings_seconds, .table_bytes, .duplicate_set_bytes) else . end) | del(.threads)'

# same_as_one DIR NAME [run options]: runs the month's config with one
# thread, then with several threads and morsel sizes; every output equal
same_as_one() {
	local conf=$1 name=$2
	shift 2
	run_expect 0 "$T/$name-1.log" "$HH" run --config "$conf" --key "$T/key" \
		--out "$T/$name-1" --threads 1 --quiet "$@"
	jq "$JQ" "$T/$name-1/report.json" >"$T/$name-1.json"
	local t m
	for t in 2 3 4 8; do
		for m in 1 7 512; do
			[ "$t" = 2 ] || [ "$m" = 7 ] || continue
			local o=$T/$name-$t-$m
			HH_MORSEL_ROWS=$m run_expect 0 "$o.log" "$HH" run --config "$conf" \
				--key "$T/key" --out "$o" --threads "$t" --quiet "$@"
			for f in "$T/$name-1"/*.csv; do
				cmp -s "$f" "$o/$(basename "$f")" ||
					fail "$name: $(basename "$f") differs with $t threads, morsels of $m rows"
			done
			jq "$JQ" "$o/report.json" >"$o.json"
			assert_file_eq "$T/$name-1.json" "$o.json" "$name: report.json, $t threads, morsels of $m"
		done
	done
}

run_expect 0 "$T/gen.log" "$HH" gen --out "$T/dirty" --households 2500 --seed 99 --key "$T/key"
same_as_one "$T/dirty/hhmatch.conf" dirty
grep -q duplicate_row "$T/dirty-1/rejects.csv" || fail "the dirty month has no repeat to check"
grep -q column_count "$T/dirty-1/rejects.csv" || fail "the dirty month has no malformed row"

run_expect 0 "$T/gen2.log" "$HH" gen --out "$T/skew" --households 800 --seed 99 --key "$T/key" \
	--clean --shape skewed
same_as_one "$T/skew/hhmatch.conf" skew

# Quoted line breaks and a repeat two records later, each on a morsel
# boundary at some size: lines are the reader's, decisions in file order.
E=$T/quoted
cp -r "$T/skew" "$E"
{
	head -1 "$T/skew/education.csv"
	sed -n 2,4p "$T/skew/education.csv"
	first=$(sed -n 2p "$T/skew/education.csv")
	printf '%s\n' "$first" | awk -F, -v OFS=, '{ $2 = "\"line\nbreak\"" } 1'
	sed -n 5,6p "$T/skew/education.csv"
	printf '%s\n' "$first"
	printf '%s\n' "$first" | awk -F, -v OFS=, '{ $2 = "\"two\n\nbreaks\"" } 1'
	sed -n '7,$p' "$T/skew/education.csv"
} >"$E/education.csv"
same_as_one "$E/hhmatch.conf" quoted
grep -q '^education,[^,]*,9,duplicate_row' "$T/quoted-1/rejects.csv" ||
	fail "the repeat at line 9 of education.csv is not rejected: $(grep education "$T/quoted-1/rejects.csv" | head -5)"
assert_contains "$T/quoted-1/findings.csv" "line 9 repeats line 2 of education"
[ "$(jq '.sources.education.rows_read' "$T/quoted-1/report.json")" = \
	"$(($(wc -l <"$T/skew/education.csv") + 2))" ] || fail "education: rows_read is not the file's records"

# A file with its own hh_row column, numbered backwards: an invalid
# status near the top (hh_row 99999) and a negative fee at the end
# (hh_row 5).  Reasons are listed by the first hh_row each was met at,
# whatever the threads (one reader in file order met them the other way).
H=$T/hhrow
cp -r "$T/skew" "$H"
awk -F, -v OFS=, -v n="$(wc -l <"$T/skew/education.csv")" '
	NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; print $0, "hh_row"; next }
	NR == 3 { $col["status"] = "bogus"; print $0, 99999; next }
	NR == n { $col["annual_fees"] = "-3"; print $0, 5; next }
	{ print $0, n - NR + 10 }' "$T/skew/education.csv" >"$H/education.csv"
same_as_one "$H/hhmatch.conf" hhrow
[ "$(jq -c '.sources.education.rejects_by_reason' "$T/hhrow-1/report.json")" = \
	'{"negative_money":1,"bad_enum":1}' ] ||
	fail "hh_row order of the reasons: $(jq -c '.sources.education.rejects_by_reason' "$T/hhrow-1/report.json")"

# A gzip source cut short: the rows before the cut are decided, then the
# run fails the same way whatever the threads.
C=$T/cut
cp -r "$T/dirty" "$C"
size=$(stat -c %s "$T/dirty/hr.csv.gz")
head -c $((size * 2 / 3)) "$T/dirty/hr.csv.gz" >"$C/hr.csv.gz"
run_expect 2 "$T/cut-1.log" "$HH" run --config "$C/hhmatch.conf" --key "$T/key" \
	--out "$T/cut-1" --threads 1 --quiet
for m in 1 7 512; do
	HH_MORSEL_ROWS=$m run_expect 2 "$T/cut-$m.log" "$HH" run --config "$C/hhmatch.conf" \
		--key "$T/key" --out "$T/cut-4-$m" --threads 4 --quiet
	assert_file_eq "$T/cut-1.log" "$T/cut-$m.log" "the cut gzip's message, morsels of $m"
done

# key_id changing at a late row of a pid extract: the same refusal.
run_expect 0 "$T/gen3.log" "$HH" gen --out "$T/pid" --households 300 --seed 5 --key "$T/key" \
	--clean --pid-sources
P=$T/pid
gzip -dc "$P/medical.csv.gz" | awk -F, -v OFS=, 'NR == 1 { print $0, "key_id"; next }
	{ print $0, (NR == 700 ? "0badbeef" : "") }' | gzip >"$P/m.gz"
mv "$P/m.gz" "$P/medical.csv.gz"
run_expect 2 "$T/key-1.log" "$HH" run --config "$P/hhmatch.conf" --key "$T/key" \
	--out "$T/key-1" --threads 1 --quiet
assert_contains "$T/key-1.log" "line 700: pseudonymised under key_id 0badbeef"
for m in 1 64; do
	HH_MORSEL_ROWS=$m run_expect 2 "$T/key-$m.log" "$HH" run --config "$P/hhmatch.conf" \
		--key "$T/key" --out "$T/key-4-$m" --threads 4 --quiet
	assert_file_eq "$T/key-1.log" "$T/key-$m.log" "the key_id refusal, morsels of $m"
done

HH_MORSEL_ROWS=lots run_expect 1 "$T/bad.log" "$HH" run --config "$P/hhmatch.conf" \
	--key "$T/key" --out "$T/bad" --threads 2 --quiet
assert_contains "$T/bad.log" "HH_MORSEL_ROWS wants a number of rows from 1 to 1000000, not 'lots'"
echo "it_morsel: ok"
