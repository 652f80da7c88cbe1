#!/usr/bin/env bash
# it_gzip_strict.sh - a gzip extract gets the same verdict whichever inflate
# the build uses (issue 14: ISA-L accepted two streams zlib, GNU gzip and
# RFC 1952 refuse, so a build option decided exit 0 or 2).
#
# The golden month's hr.csv.gz (two members) is run as it is (exit 0), then
# spoilt three ways, each an input error (exit 2) naming the source, the
# file and why, with nothing published:
#  1. a reserved flag bit (FLG 0x20, 0x40, 0x80) in its first member's
#     header: "unknown header flags set";
#  2. the same in its second member: "corrupt after member 1";
#  3. a third member whose dynamic block has an incomplete code-length code
#     (tinf's "underfull code length in code length code"; it inflates to
#     nothing, so its all-zero trailer is right): "invalid code lengths set".
# GNU gzip refuses all three too (checked when gzip is at hand).  The test
# command runs this test in the ISA-L build and in the zlib one.
#   bash tests/e2e/it_gzip_strict.sh build/hhmatch
. "$(dirname "$0")/../lib.sh" "$@"

golden_month

run() { # STATUS LOG HR_FILE
	run_expect "$1" "$2" "$HH" run --period 202611 --key "$T/key" --out "$T/out" \
		--civil-affairs civil_affairs.csv --education education.tsv --hr "$3" \
		--housing housing.csv --medical medical.csv --quiet
}
run 0 "$T/ok.log" hr.csv.gz
rm -rf "$T/out"

# spoilt NAME WHY: hhmatch and GNU gzip refuse NAME, hhmatch with WHY
spoilt() {
	run 2 "$T/$1.log" "$1"
	assert_contains "$T/$1.log" "^hhmatch run: hr: $1: .*$2" "$1: message"
	[ ! -e "$T/out" ] || fail "$1: --out exists"
	if command -v gzip >/dev/null && gzip -t "$1" 2>/dev/null; then
		fail "$1: GNU gzip accepts it: the test's stream is wrong"
	fi
}

# the second member starts after the first one's 8-byte trailer: find it
# as the second gzip magic with deflate and flags (1f 8b 08)
second=$(od -An -v -tx1 hr.csv.gz | tr -s ' \n' '  ' |
	awk '{ for (i = 4; i <= NF - 2; i++) if ($i == "1f" && $(i + 1) == "8b" && $(i + 2) == "08") { print i - 1; exit } }')
[ -n "$second" ] || fail "hr.csv.gz: no second member found"

# set_byte OUT OFFSET VALUE: hr.csv.gz with one byte replaced
set_byte() {
	cp hr.csv.gz "$1"
	printf "\\x$3" | dd of="$1" bs=1 seek="$2" conv=notrunc status=none
}
flg1=$(od -An -tx1 -j 3 -N 1 hr.csv.gz | tr -d ' ')
flg2=$(od -An -tx1 -j $((second + 3)) -N 1 hr.csv.gz | tr -d ' ')
for bit in 20 40 80; do
	set_byte "flg$bit.csv.gz" 3 "$(printf %02x $((0x$flg1 | 0x$bit)))"
	spoilt "flg$bit.csv.gz" "gzip stream corrupt: unknown header flags set"
	set_byte "flg2nd$bit.csv.gz" $((second + 3)) "$(printf %02x $((0x$flg2 | 0x$bit)))"
	spoilt "flg2nd$bit.csv.gz" "gzip stream corrupt after member 1: unknown header flags set"
done

{
	cat hr.csv.gz
	printf '\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03'  # header: no flags
	printf '\x05\xca\x81\x00\x00\x00\x00\x00\x20\x7f\xeb\x00\x00' # the block
	printf '\x00\x00\x00\x00\x00\x00\x00\x00'          # CRC-32 and length of nothing
} >clc.csv.gz
spoilt clc.csv.gz "gzip stream corrupt after member 2: invalid code lengths set"

echo "ok: $TEST_NAME"
