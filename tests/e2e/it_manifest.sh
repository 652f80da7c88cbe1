#!/usr/bin/env bash
# it_manifest.sh - signed run manifests (issue 13 item 6) with the real
# binary, on the golden month (tests/data/golden/input).
#
#  1. keygen --sign: private key 0600, public key beside it, the
#     fingerprint printed and no key bytes; an existing file is refused.
#  2. run --sign-key: manifest.json lists every file of the folder (the
#     mark and report.json included) with its sha256, and every input with
#     its row counts; manifest.sig names the key; verify --pubkey passes.
#  3. Tampering, each on a fresh copy of the run folder, each exit 2 and
#     naming the file: one byte of flags.csv flipped; a file added; a file
#     deleted; manifest.sig removed; manifest.json edited; the wrong
#     public key (another keygen --sign).
#  4. A signing key file of mode 0644 is refused (exit 2) before anything
#     is written.
#  5. report.json carries the rules in effect and rules_sha256; a rules
#     override changes both, and manifest.json agrees with report.json.
#  6. With a PostgreSQL server (PGHOST), --pg-out keeps manifest.json and
#     manifest.sig byte for byte in hhmatch.runs, and the stored manifest
#     verifies under the public key.
#   bash tests/e2e/it_manifest.sh build/hhmatch
. "$(dirname "$0")/../lib.sh" "$@"

golden_month
run() { # OUT [OPTION...]
	local out=$1
	shift
	run_expect 0 "$T/run.log" "$HH" run --period 202611 --key "$T/key" --out "$out" \
		"${GOLDEN_SOURCES[@]}" --quiet "$@"
}

note "1. keygen --sign"
run_expect 0 "$T/keygen.log" "$HH" keygen --out "$T/sign.key" --sign
assert_eq 600 "$(stat -c %a "$T/sign.key")" "private key mode"
assert_eq 644 "$(stat -c %a "$T/sign.key.pub")" "public key mode"
assert_contains "$T/sign.key.pub" "BEGIN PUBLIC KEY" "public key file"
# the fingerprint: first 16 hex of SHA-256 of the raw 32-byte public key
# (the last 32 bytes of the DER SubjectPublicKeyInfo)
fpr=$(grep -v -- ----- "$T/sign.key.pub" | base64 -d | tail -c 32 | sha256sum | cut -c1-16)
assert_contains "$T/keygen.log" "fingerprint $fpr" "keygen prints the fingerprint"
secret=$(grep -v -- ----- "$T/sign.key" | tr -d '\n')
if grep -F -- "$secret" "$T/keygen.log" >/dev/null; then
	fail "keygen printed the private key"
fi
assert_refused 1 keygen_exists "already exists" "$T/sign.key" "$T/sign.key.pub" -- \
	"$HH" keygen --out "$T/sign.key" --sign

note "2. run --sign-key, verify --pubkey"
run "$T/out" --sign-key "$T/sign.key"
O=$T/out
M=$O/manifest.json
[ -f "$O/manifest.sig" ] || fail "no manifest.sig"
assert_eq "$fpr" "$(jq -r .key_fingerprint "$O/manifest.sig")" "manifest.sig names the key"
assert_eq ed25519 "$(jq -r .algorithm "$O/manifest.sig")" "manifest.sig algorithm"
want=$(cd "$O" && find . -maxdepth 1 -type f ! -name manifest.json ! -name manifest.sig \
	-printf '%f\n' | sort)
assert_eq "$want" "$(jq -r '.outputs[].name' "$M")" "manifest outputs: every file, sorted"
for f in $want; do
	assert_eq "$(sha256sum <"$O/$f" | cut -c1-64)" \
		"$(jq -r --arg f "$f" '.outputs[] | select(.name == $f) | .sha256' "$M")" \
		"manifest sha256 of $f"
done
jq -e '.outputs[] | select(.name == ".hhmatch-run")' "$M" >/dev/null ||
	fail "the mark file is not in the manifest"
for s in civil_affairs education hr housing medical; do
	for k in file sha256 rows_read rows_accepted rows_rejected; do
		assert_eq "$(jq -r --arg s "$s" --arg k "$k" '.sources[$s][$k]' "$O/report.json")" \
			"$(jq -r --arg s "$s" --arg k "$k" '.inputs[] | select(.source == $s) | .[$k]' "$M")" \
			"manifest input $s $k"
	done
done
for k in period key_id rules_sha256; do
	assert_eq "$(jq -r ".$k" "$O/report.json")" "$(jq -r ".$k" "$M")" "manifest $k"
done
run_expect 0 "$T/verify.log" "$HH" verify --run "$O" --pubkey "$T/sign.key.pub"
assert_contains "$T/verify.log" "every output matches manifest.json, signed by key $fpr" \
	"verify ok"
run_expect 0 "$T/verify.log" "$HH" verify --run "$O"
assert_contains "$T/verify.log" "signature not checked" "verify without --pubkey"

note "3. tampering"
fresh() { rm -rf "$T/copy" && cp -a "$O" "$T/copy"; }
verify_fails() { # WHAT PATTERN [--pubkey FILE]
	local what=$1 pat=$2
	shift 2
	run_expect 2 "$T/verify.$what" "$HH" verify --run "$T/copy" "$@"
	assert_contains "$T/verify.$what" "$pat" "verify after $what"
}
fresh
printf '\x01' | dd of="$T/copy/flags.csv" bs=1 seek=20 count=1 conv=notrunc 2>/dev/null
verify_fails flip "verify: $T/copy/flags.csv: sha256 differs from manifest.json"
fresh
echo "x" >"$T/copy/notes.txt"
verify_fails extra "$T/copy/notes.txt: not in manifest.json"
fresh
rm "$T/copy/findings.csv"
verify_fails delete "$T/copy/findings.csv: missing"
fresh
rm "$T/copy/manifest.sig"
verify_fails nosig "manifest.sig: missing" --pubkey "$T/sign.key.pub"
fresh
# flags.csv edited and its hash in manifest.json edited to match: only the
# signature can tell
printf 'x' >>"$T/copy/flags.csv"
sha=$(sha256sum <"$T/copy/flags.csv" | cut -c1-64)
jq --indent 2 --arg s "$sha" '(.outputs[] | select(.name == "flags.csv") | .sha256) = $s' \
	"$M" >"$T/copy/manifest.json"
run_expect 0 "$T/verify.rehash" "$HH" verify --run "$T/copy"
verify_fails rehash "manifest.sig: the signature does not verify" --pubkey "$T/sign.key.pub"
fresh
run_expect 0 "$T/keygen2.log" "$HH" keygen --out "$T/other.key" --sign
verify_fails wrongkey "signature does not verify under --pubkey.*signed with another key" \
	--pubkey "$T/other.key.pub"

note "4. a signing key readable by others"
cp "$T/sign.key" "$T/open.key"
chmod 644 "$T/open.key"
assert_refused 2 open_key "signing key file .*open.key is readable by group or others" \
	"$T/out" "$T/out2" -- \
	"$HH" run --period 202611 --key "$T/key" --out "$T/out2" \
	--civil-affairs civil_affairs.csv --quiet --sign-key "$T/open.key"

note "5. report.json: the rules in effect and their sha256"
R=$O/report.json
jq -e '.rules_sha256 | test("^[0-9a-f]{64}$")' "$R" >/dev/null || fail "no rules_sha256"
assert_eq 6000 "$(jq -r '.rules.income_line' "$R")" "rules.income_line"
assert_eq medium "$(jq -r '.rules.flag_level' "$R")" "rules.flag_level"
printf 'income_line = 6500\nincome_line.6401 = 7000\n' >"$T/rules.override"
run "$T/out3" --rules "$T/rules.override"
R3=$T/out3/report.json
assert_eq 6500 "$(jq -r '.rules.income_line' "$R3")" "overridden income_line"
assert_eq 7000 "$(jq -r '.rules["income_line.6401"]' "$R3")" "region income line"
[ "$(jq -r .rules_sha256 "$R")" != "$(jq -r .rules_sha256 "$R3")" ] ||
	fail "a rules override left rules_sha256 unchanged"
assert_eq "$(jq -r .rules_sha256 "$R3")" "$(jq -r .rules_sha256 "$T/out3/manifest.json")" \
	"manifest rules_sha256 with an override"
[ ! -e "$T/out3/manifest.sig" ] || fail "manifest.sig without --sign-key"
run_expect 0 "$T/verify3.log" "$HH" verify --run "$T/out3"
run_expect 2 "$T/verify3.log" "$HH" verify --run "$T/out3" --pubkey "$T/sign.key.pub"
# the same settings written differently are the same rules
printf 'income_line = 6000.00\n' >"$T/rules.same"
run "$T/out4" --rules "$T/rules.same"
assert_eq "$(jq -r .rules_sha256 "$R")" "$(jq -r .rules_sha256 "$T/out4/report.json")" \
	"rules_sha256 of the defaults written out"

note "6. the store keeps the manifest"
if [ -z "${PGHOST:-}" ] || ! command -v psql >/dev/null; then
	note "skipped: no PostgreSQL server (PGHOST)"
	exit 0
fi
unset PGAPPNAME PGOPTIONS PGPASSWORD
pg_test_db it_manifest
run "$T/out5" --sign-key "$T/sign.key" --pg-out "postgresql:///$DB"
mkdir "$T/fromdb"
# psql's unaligned output ends the value with a newline of its own
psql -XAtq -v ON_ERROR_STOP=1 -d "$DB" \
	-c "SELECT manifest FROM hhmatch.runs WHERE period = 202611" | head -c -1 >"$T/fromdb/manifest.json"
psql -XAtq -v ON_ERROR_STOP=1 -d "$DB" \
	-c "SELECT manifest_sig FROM hhmatch.runs WHERE period = 202611" | head -c -1 >"$T/fromdb/manifest.sig"
cmp "$T/out5/manifest.json" "$T/fromdb/manifest.json" || fail "stored manifest.json differs"
cmp "$T/out5/manifest.sig" "$T/fromdb/manifest.sig" || fail "stored manifest.sig differs"
# the stored manifest verifies the published folder under the key
cp "$T/fromdb/manifest.json" "$T/fromdb/manifest.sig" "$T/out5/"
run_expect 0 "$T/verify5.log" "$HH" verify --run "$T/out5" --pubkey "$T/sign.key.pub"
