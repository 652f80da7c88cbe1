#!/usr/bin/env bash
# it_conformance.sh - the gzip files of other tools, end to end
# (tests/data/conformance/gzip/tools; docs/conformance.md).
#
# base_large.csv (7,000 housing rows: quoted commas, doubled quotes,
# multi-line fields, multi-byte UTF-8) was compressed by gzip 1.12 (-1,
# -9, -n, with a name, two files concatenated), pigz 2.6 (default, -b 32,
# -i -b 32) and bgzip 1.16 (default, -l 0, -l 9).  Each file as the
# housing source must give the run the plain file gives: every row read
# and accepted, the same households, flags and findings.  pigz -z writes a
# zlib stream, not gzip: the run refuses it (exit 2) naming the source
# and the file, as GNU gzip refuses it.  The unit tests
# (test_conformance_gzip) check the decoded bytes; this checks the run.
#   bash tests/e2e/it_conformance.sh build/hhmatch
. "$(dirname "$0")/../lib.sh" "$@"

C=$HH_TEST_DATA/conformance/gzip
mkdir "$T/in"
cp "$HH_TEST_DATA/golden/input/civil_affairs.csv" "$T/in/"
make_key "$T/key"
cd "$T/in" || exit 1

run() { # STATUS HOUSING OUT
	run_expect "$1" "$T/run.log" "$HH" run --period 202611 --key "$T/key" \
		--out "$3" --civil-affairs civil_affairs.csv --housing "$2" --quiet
}

cp "$C/base_large.csv" housing.csv
run 0 housing.csv "$T/plain"
R=$T/plain/report.json
for f in rows_read rows_accepted persons; do
	assert_eq 7000 "$(json_source_num "$R" housing "$f")" "plain file: housing $f"
done

n=0
for gz in "$C"/tools/*.gz; do
	name=${gz##*/}
	[ "$name" = pigz-zlib-format.gz ] && continue
	cp "$gz" "housing-${name%.gz}.csv.gz"
	out=$T/out-${name%.gz}
	run 0 "housing-${name%.gz}.csv.gz" "$out"
	for f in rows_read rows_accepted rows_rejected persons persons_on_roster; do
		assert_eq "$(json_source_num "$R" housing "$f")" \
			"$(json_source_num "$out/report.json" housing "$f")" "$name: housing $f"
	done
	for f in households.csv flags.csv findings.csv; do
		assert_file_eq "$T/plain/$f" "$out/$f" "$name: $f"
	done
	n=$((n + 1))
done
assert_eq 11 "$n" "tool files read"

cp "$C/tools/pigz-zlib-format.gz" housing-zlib.csv.gz
run 2 housing-zlib.csv.gz "$T/zlib"
assert_contains "$T/run.log" '^hhmatch run: housing: housing-zlib\.csv\.gz: .*gzip' \
	"pigz -z's zlib stream refused"
[ ! -e "$T/zlib" ] || fail "a refused run left $T/zlib"
