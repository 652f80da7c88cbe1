#!/usr/bin/env bash
# it_gen_cli.sh - `hhmatch gen`, the command line.
#
# Usage errors (--households not a number, no --out, an unknown option,
# --pid-sources without --key, a --period that is not YYYYMM) exit 1 with
# the message and the --help hint on stderr, nothing on stdout, and write
# nothing; --help exits 0 with the usage on stdout and writes nothing; an
# output folder that cannot be made (a file in the way) exits 3 and names
# the path.  Every command runs in an empty folder W with --out below it,
# so "writes nothing" is "W stays empty".  A small clean run shows that W
# does get the files when the options are right.
# (gen_month itself, the month it writes: tests/unit/test_gen.c and
# tests/e2e/it_gen_e2e.sh)
#   bash tests/e2e/it_gen_cli.sh build/hhmatch
. "$(dirname "$0")/../lib.sh" "$@"

W=$T/w
mkdir "$W"

# gen_in_w NAME ARGS...: runs `hhmatch gen ARGS` in W, stdout to
# $T/NAME.out, stderr to $T/NAME.err; its exit status in $rc.
gen_in_w() {
	local name=$1
	shift
	rc=0
	(cd "$W" && "$HH" gen "$@" >"$T/$name.out" 2>"$T/$name.err") || rc=$?
}

w_is_empty() { # what
	[ -z "$(ls -A "$W")" ] || fail "$1 wrote $(ls -A "$W" | tr '\n' ' ')"
}

# usage_case NAME MESSAGE ARGS...: gen ARGS is a usage error saying MESSAGE.
usage_case() {
	local name=$1 msg=$2
	shift 2
	gen_in_w "$name" "$@"
	assert_eq 1 "$rc" "gen $* exit status"
	[ ! -s "$T/$name.out" ] || fail "gen $* wrote to stdout: $(cat "$T/$name.out")"
	assert_eq "hhmatch gen: $msg
(hhmatch gen --help lists the options)" "$(cat "$T/$name.err")" "gen $* message"
	w_is_empty "gen $*"
}

usage_case households "--households wants a positive whole number, not 'ten'" \
	--out out --households ten --seed 1
usage_case noout "--out DIR is required" --households 5 --seed 1
usage_case bogus "unknown option '--bogus'" --out out --households 5 --seed 1 --bogus
usage_case nokey "--pid-sources needs --key FILE" \
	--out out --households 5 --seed 1 --pid-sources
usage_case period_dash "--period wants YYYYMM, not '2026-11'" \
	--out out --households 5 --seed 1 --period 2026-11
usage_case period_month "--period wants YYYYMM, not '202613'" \
	--out out --households 5 --seed 1 --period 202613

for args in "--help" "--out out --households 5 --seed 1 --help"; do
	# shellcheck disable=SC2086 # the words of args are the options
	gen_in_w help $args
	assert_eq 0 "$rc" "gen $args exit status"
	assert_contains "$T/help.out" '^usage: hhmatch gen --out DIR --households N --seed S' "gen $args"
	assert_contains "$T/help.out" '^  --period YYYYMM ' "gen $args"
	[ ! -s "$T/help.err" ] || fail "gen $args wrote to stderr: $(cat "$T/help.err")"
	w_is_empty "gen $args"
done

# The output folder cannot be made: exit 3 and the path, nothing beside it.
printf 'x' >"$T/file"
gen_in_w infile --out "$T/file/out" --households 5 --seed 1
assert_eq 3 "$rc" "gen --out under a file: exit status"
assert_eq "hhmatch gen: cannot create $T/file/out: Not a directory" "$(cat "$T/infile.err")" \
	"gen --out under a file: message"
gen_in_w isfile --out "$T/file" --households 5 --seed 1
assert_eq 3 "$rc" "gen --out a file: exit status"
assert_eq "hhmatch gen: $T/file is not a folder" "$(cat "$T/isfile.err")" "gen --out a file: message"
assert_eq x "$(cat "$T/file")" "the file in the way"
w_is_empty "gen with an output folder it cannot make"

# The same folder with right options: --out is relative to the working
# folder, and the parents are made.
gen_in_w ok --out out/month --households 20 --seed 1 --clean
assert_eq 0 "$rc" "gen --out out/month exit status"
assert_eq "civil_affairs.csv education.csv hhmatch.conf housing.csv hr.csv.gz medical.csv.gz truth.csv" \
	"$(ls "$W/out/month" | tr '\n' ' ' | sed 's/ $//')" "files of a clean month"
echo "it_gen_cli: ok"
