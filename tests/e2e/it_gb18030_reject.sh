#!/usr/bin/env bash
# it_gb18030_reject.sh - a GB18030 sequence that glibc's iconv cannot
# convert rejects its row, not the source (issue 14).
#
# The golden month's education.tsv (GB18030, detected) gets three more
# rows, each a copy of a valid row whose name holds one such sequence:
#   line 14  0x84 0x31 0xA5 0x30: a well-formed four-byte code between the
#            last BMP mapping (0x84 0x31 0xA4 0x39) and the supplementary
#            planes (0x90 0x30 0x81 0x30), assigned to nothing
#   line 15  0x80, a byte no GB18030 character starts with
#   line 16  0xFF, likewise
# then a valid row of its own (line 17).  The run goes on: exit 0, each bad
# row in rejects.csv as bad_encoding with source, file and line, the
# counts adding up (rows_read = rows_accepted + rows_rejected), and the
# other sources' outputs as in the month without the extra rows.  The
# same holds when the file is gzip-compressed; and a bad sequence in the
# header still fails the source (exit 2, with the line).  No bad byte is
# in any output.
#   bash tests/e2e/it_gb18030_reject.sh build/hhmatch
. "$(dirname "$0")/../lib.sh" "$@"

G=$HH_TEST_DATA/golden
mkdir "$T/in"
cp "$G"/input/* "$T/in/"
make_key "$T/key"
# the golden education extract already rejects 2 of 12 rows; 3 more would
# pass the default 20 % that fails a run
printf 'max_reject_ratio = 0.5\n' >"$T/rules"
cd "$T/in" || exit 1

# fields 3.. of the first data row (valid), and a row of its own
rest=$(sed -n 2p education.tsv | cut -f3-)
{
	printf '640104201405053049\t\xc1\xf5\x84\x31\xa5\x30\t%s\n' "$rest"
	printf '640104201405053049\t\x80\xd0\xa1\t%s\n' "$rest"
	printf '640104201405053049\t\xc1\xf5\xff\t%s\n' "$rest"
	sed -n 3p education.tsv
} >>education.tsv
[ "$(wc -l <education.tsv)" = 17 ] || fail "education.tsv should have 17 lines"

run() { # OUT EDUCATION_FILE
	run_expect 0 "$T/run.log" "$HH" run --period 202611 --key "$T/key" --out "$1" \
		--rules "$T/rules" --civil-affairs civil_affairs.csv --education "$2" \
		--hr hr.csv.gz --housing housing.csv --medical medical.csv --quiet
}
check() { # OUT EDUCATION_FILE
	local O=$1 f=$2 R=$1/report.json
	check_report_counts "$R" civil_affairs education hr housing medical
	assert_eq 16 "$(json_source_num "$R" education rows_read)" "$f: education rows_read"
	assert_eq 6 "$(json_source_num "$R" education rows_rejected)" "$f: education rows_rejected"
	assert_eq 3 "$(json_source_reason "$R" education bad_encoding)" "$f: bad_encoding count"
	assert_eq gb18030 "$(jq -r .sources.education.encoding "$R")" "$f read as"
	grep '^education,' "$O/rejects.csv" | grep ',bad_encoding,' >"$T/bad.csv" || true
	assert_file_eq - "$T/bad.csv" "$f: bad_encoding rows of rejects.csv" <<EOF
education,$f,14,bad_encoding,
education,$f,15,bad_encoding,
education,$f,16,bad_encoding,
EOF
	if LC_ALL=C grep -l $'\x80\|\xff\|\x84\x31\xa5\x30' "$O"/*.csv "$O"/*.json >"$T/leak" 2>&1; then
		fail "$f: a bad byte is in $(cat "$T/leak")"
	fi
}

run "$T/o1" education.tsv
check "$T/o1" education.tsv
# rows of the good copy (line 17 repeats line 3): a duplicate, not lost
assert_eq 1 "$(json_source_reason "$T/o1/report.json" education duplicate_row)" "line 17 is read"

gzip -c education.tsv >education.tsv.gz
run "$T/o2" education.tsv.gz
check "$T/o2" education.tsv.gz
for f in households.csv flags.csv findings.csv; do
	assert_file_eq "$T/o1/$f" "$T/o2/$f" "$f from the gzip-compressed extract"
done

# in the header the same byte fails the source, with its line
{ printf '\xff'; cat education.tsv; } >bad_header.tsv
run_expect 2 "$T/hdr.log" "$HH" run --period 202611 --key "$T/key" --out "$T/o3" \
	--civil-affairs civil_affairs.csv --education bad_header.tsv --hr hr.csv.gz \
	--housing housing.csv --medical medical.csv --quiet
assert_contains "$T/hdr.log" "education: .*bad_header.tsv: line 1: not valid GB18030 at byte 0" \
	"a bad header: message"
[ ! -e "$T/o3" ] || fail "an --out after a bad header"

echo "ok: $TEST_NAME"
