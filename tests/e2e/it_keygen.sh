#!/usr/bin/env bash
# it_keygen.sh - `hhmatch keygen`, the command line.
#
# Usage errors (no --out, an unknown option, --out without a value, an
# extra argument) exit 1 and write no file; --help exits 0; a new key is
# 64 hex characters and a newline, mode 0600, and the key_id printed is
# the first 8 hex characters of SHA-256 of the key's raw bytes; an
# existing file is refused (exit 1) and left as it was; --out=FILE works.
# (pid_keygen itself, the file format and its errors: tests/unit/test_pid.c)
#   bash tests/e2e/it_keygen.sh build/hhmatch
. "$(dirname "$0")/../lib.sh" "$@"

K=$T/k.key
run_expect 1 "$T/noout.log" "$HH" keygen
assert_contains "$T/noout.log" '--out FILE is required' "keygen without --out"
run_expect 1 "$T/bogus.log" "$HH" keygen --bogus
assert_contains "$T/bogus.log" "unknown option '--bogus'" "keygen --bogus"
run_expect 1 "$T/novalue.log" "$HH" keygen --out
assert_contains "$T/novalue.log" "option '--out' needs a value" "keygen --out without a value"
run_expect 1 "$T/extra.log" "$HH" keygen --out "$K" more
assert_contains "$T/extra.log" "unexpected argument 'more'" "keygen with an extra argument"
[ ! -e "$K" ] || fail "a usage error wrote $K"
run_expect 0 "$T/help.log" "$HH" keygen --help
assert_contains "$T/help.log" '^usage: hhmatch keygen --out FILE' "keygen --help"

run_expect 0 "$T/ok.log" "$HH" keygen --out "$K"
assert_eq 600 "$(stat -c %a "$K")" "key file mode"
grep -Eqx '[0-9a-f]{64}' "$K" || fail "key file is not 64 lower-case hex characters: $(wc -c <"$K") bytes"
assert_eq 65 "$(wc -c <"$K")" "key file size (64 hex characters and a newline)"
kid=$(printf "$(tr -d '\n' <"$K" | sed 's/../\\x&/g')" | sha256sum | cut -c1-8)
assert_contains "$T/ok.log" "key_id $kid" "key_id printed"

cp "$K" "$T/k.before"
run_expect 1 "$T/again.log" "$HH" keygen --out "$K"
assert_contains "$T/again.log" 'already exists' "keygen over an existing file"
cmp -s "$T/k.before" "$K" || fail "keygen changed an existing key file"

run_expect 0 "$T/eq.log" "$HH" keygen --out="$T/k2.key"
[ -f "$T/k2.key" ] || fail "--out=FILE wrote no key"
cmp -s "$K" "$T/k2.key" && fail "two keys are the same"
echo "it_keygen: ok"
