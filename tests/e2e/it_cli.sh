#!/usr/bin/env bash
# it_cli.sh - the command line an operator schedules (issue 15, part 4).
#
#   - every command and audit subcommand answers -h, --help and --version
#     with exit 0, the usage (or "hhmatch VERSION") on stdout and nothing
#     on stderr; --help is answered before a config file is read;
#   - a long option is matched exactly: an abbreviation (--conf) or an
#     unknown option is exit 1 naming it and the nearest valid one, and
#     nothing is written; a flag given a value or a second --config
#     likewise (another option given twice: the last one wins);
#   - every unreadable input file (source, --config, --rules, --key,
#     --sign-key, --audit-key; pseudonymize's --in and --key; gen's --key;
#     verify's --pubkey) is exit 2 and names the file;
#   - a ';'- or '|'-separated file named .csv gets a hint naming the
#     delimiter and --delimiter; with --delimiter (or the config key) the
#     run gives the same outputs as the comma file;
#   - --log-format json / HHMATCH_LOG_FORMAT=json writes one JSON object
#     per stderr line (jq), HHMATCH_LOG_LEVEL=error and --quiet drop the
#     summary, and the summary holds the total and per-phase times
#     (report.json's timings_seconds: ingest, repair, households, outputs,
#     total).
#   bash tests/e2e/it_cli.sh build/hhmatch
. "$(dirname "$0")/../lib.sh" "$@"

mkdir "$T/w"
golden_month
RUN=(run --period 202611 --key "$T/key")
VERSION=$("$HH" --version)
[[ $VERSION =~ ^hhmatch\ [0-9]+\.[0-9]+\.[0-9]+$ ]] || fail "hhmatch --version: '$VERSION'"

# --- -h, --help, --version everywhere ---------------------------------
# every command hhmatch --help lists, and the subcommands of audit and review
mapfile -t CMDS < <("$HH" --help | sed -n 's/^  \([a-z][a-z-]*\) .*/\1/p')
[ "${#CMDS[@]}" -ge 6 ] || fail "hhmatch --help lists ${#CMDS[@]} commands"
CMDS+=("audit person" "audit household" "audit findings" "audit verify-log")
if printf '%s\n' "${CMDS[@]}" | grep -qx review; then CMDS+=("review import"); fi
for c in "${CMDS[@]}"; do
	read -ra words <<<"$c"
	for o in -h --help --version; do
		rc=0
		"$HH" "${words[@]}" "$o" >"$T/h.out" 2>"$T/h.err" || rc=$?
		[ "$rc" = 0 ] || { cat "$T/h.err" >&2; fail "'hhmatch $c $o' exited $rc"; }
		[ ! -s "$T/h.err" ] || { cat "$T/h.err" >&2; fail "'hhmatch $c $o' wrote to stderr"; }
		if [ "$o" = --version ]; then
			assert_eq "$VERSION" "$(cat "$T/h.out")" "hhmatch $c --version"
		else
			head -1 "$T/h.out" | grep -Eq "^usage: hhmatch ${words[0]}" ||
				fail "hhmatch $c $o: stdout does not start with the usage: $(head -1 "$T/h.out")"
		fi
	done
done
# anywhere on the line, and before the config file is read
run_expect 0 "$T/hcfg.log" "$HH" "${RUN[@]}" --config "$T/no-such.conf" --help
assert_contains "$T/hcfg.log" '^usage: hhmatch run' "run --config MISSING --help"
run_expect 0 "$T/hmid.log" "$HH" audit findings --code A_DECEASED -h
assert_contains "$T/hmid.log" '^usage: hhmatch audit' "audit findings ... -h"

# --- long options exactly, once ------------------------------------------
# hh ARGS...: hhmatch ARGS, or ARGS as they are when they start with env
hh() {
	if [ "$1" = env ]; then "$@"; else "$HH" "$@"; fi
}
# usage_error NAME PATTERN ARGS...: exit 1, PATTERN on stderr, --out not made
usage_error() {
	local name=$1 pat=$2
	shift 2
	run_expect 1 "$T/$name.log" hh "$@"
	assert_contains "$T/$name.log" "$pat" "$name"
	[ ! -e "$T/w/o" ] || fail "$name: the refused command wrote --out"
}
usage_error conf "^hhmatch run: unknown option '--conf' \(did you mean '--config'\?\)$" \
	"${RUN[@]}" --out "$T/w/o" "${GOLDEN_SOURCES[@]}" --conf "$T/other.conf"
usage_error conf_eq "unknown option '--conf' \(did you mean '--config'\?\)" \
	"${RUN[@]}" --out "$T/w/o" "${GOLDEN_SOURCES[@]}" --conf="$T/other.conf"
usage_error threads_abbrev "unknown option '--thr' \(did you mean '--threads'\?\)" \
	"${RUN[@]}" --out "$T/w/o" "${GOLDEN_SOURCES[@]}" --thr 2
usage_error misspelt "unknown option '--medicl' \(did you mean '--medical'\?\)" \
	"${RUN[@]}" --out "$T/w/o" --civil-affairs civil_affairs.csv --medicl medical.csv
usage_error pseudo_abbrev "^hhmatch pseudonymize: unknown option '--sour' \(did you mean '--source'\?\)" \
	pseudonymize --key "$T/key" --sour hr --in hr.csv.gz --out "$T/w/o"
usage_error keygen_abbrev "unknown option '--ou' \(did you mean '--out'\?\)" keygen --ou "$T/w/o"
usage_error verify_abbrev "unknown option '--pub' \(did you mean '--pubkey'\?\)" \
	verify --run "$T/w" --pub "$T/key"
usage_error gen_abbrev "unknown option '--house' \(did you mean '--households'\?\)" \
	gen --out "$T/w/o" --house 3 --seed 1
usage_error audit_abbrev "^hhmatch audit: unknown option '--cod' \(did you mean '--code'\?\)" \
	audit findings --cod A_DECEASED --run "$T/w" --purpose t
usage_error far_unknown "^hhmatch run: unknown option '--bogus'$" \
	"${RUN[@]}" --out "$T/w/o" "${GOLDEN_SOURCES[@]}" --bogus
usage_error short_unknown "unknown option '-x'" "${RUN[@]}" --out "$T/w/o" "${GOLDEN_SOURCES[@]}" -x
usage_error flag_value "option '--quiet' takes no value" \
	"${RUN[@]}" --out "$T/w/o" "${GOLDEN_SOURCES[@]}" --quiet=yes
usage_error no_value "option '--out' needs a value" "${RUN[@]}" "${GOLDEN_SOURCES[@]}" --out
printf 'civil-affairs = civil_affairs.csv\n' >"$T/in/a.conf"
cp "$T/in/a.conf" "$T/in/b.conf"
usage_error config_twice "^hhmatch run: option '--config' given twice; give it once$" \
	"${RUN[@]}" --out "$T/w/o" --config "$T/in/a.conf" --config "$T/in/b.conf"
# any other option may repeat, the last one winning (scripts override a
# base command line so): the second --period is the run's
run_expect 0 "$T/period2.log" "$HH" "${RUN[@]}" --out "$T/w/p2" "${GOLDEN_SOURCES[@]}" --quiet \
	--period 202610
assert_eq 202610 "$(jq -r .period "$T/w/p2/report.json")" "the last --period given"
# an option holding an ID number's shape is not quoted back
usage_error id_shaped "unknown option \(withheld" \
	audit findings --code A_DECEASED --run "$T/w" --purpose t --110101194912310022
grep -q 110101194912310022 "$T/id_shaped.log" && fail "an ID-shaped option was echoed"
# the value of an option is a value, whatever it looks like
run_expect 0 "$T/valdash.log" "$HH" keygen --out --sign
[ -f "$T/in/--sign" ] || fail "keygen --out --sign: the value '--sign' was not the file"
# --encoding, one per source
run_expect 0 "$T/enc2.log" "$HH" "${RUN[@]}" --out "$T/w/enc2" "${GOLDEN_SOURCES[@]}" --quiet \
	--encoding hr=utf-8 --encoding medical=utf-8

# --- every unreadable input file: exit 2, naming it ----------------------
# unreadable NAME FILE-PATTERN ARGS...: exit 2, the file named, nothing written
unreadable() {
	local name=$1 pat=$2
	shift 2
	run_expect 2 "$T/$name.log" hh "$@"
	assert_contains "$T/$name.log" "$pat" "$name names the file"
	[ ! -e "$T/w/o" ] || fail "$name: the failed command wrote --out"
}
mkdir "$T/adir"
unreadable config 'no-such\.conf' "${RUN[@]}" --out "$T/w/o" --config "$T/no-such.conf"
unreadable config_dir 'adir.*is a directory' "${RUN[@]}" --out "$T/w/o" --config "$T/adir"
unreadable rules 'no-such\.rules' "${RUN[@]}" --out "$T/w/o" "${GOLDEN_SOURCES[@]}" --rules "$T/no-such.rules"
unreadable key 'no-such\.key' run --period 202611 --key "$T/no-such.key" --out "$T/w/o" "${GOLDEN_SOURCES[@]}"
unreadable sign_key 'no-such\.sk' "${RUN[@]}" --out "$T/w/o" "${GOLDEN_SOURCES[@]}" --sign-key "$T/no-such.sk"
unreadable audit_key 'no-such\.ak' "${RUN[@]}" --out "$T/w/o" "${GOLDEN_SOURCES[@]}" --audit-key "$T/no-such.ak"
unreadable audit_key_env 'no-such\.ak' env HHMATCH_AUDIT_KEY="$T/no-such.ak" \
	"$HH" "${RUN[@]}" --out "$T/w/o" "${GOLDEN_SOURCES[@]}"
unreadable roster 'no-such\.csv' "${RUN[@]}" --out "$T/w/o" --civil-affairs "$T/no-such.csv"
unreadable medical 'no-such\.csv' "${RUN[@]}" --out "$T/w/o" "${GOLDEN_SOURCES[@]}" --medical "$T/no-such.csv"
printf 'civil-affairs = civil_affairs.csv\nmedical = no-such-in-config.csv\n' >"$T/in/m.conf"
unreadable config_source 'no-such-in-config\.csv' "${RUN[@]}" --out "$T/w/o" --config "$T/in/m.conf"
unreadable pseudo_in 'no-such\.csv' pseudonymize --key "$T/key" --source hr --in "$T/no-such.csv" \
	--out "$T/w/o"
# named once: "hr: FILE: cannot open", not "hr: FILE: hr: FILE: ..."
grep -Eq '([a-z_]+: [^ ]+: )\1' "$T/pseudo_in.log" && fail "pseudonymize repeats the file: $(cat "$T/pseudo_in.log")"
unreadable pseudo_key 'no-such\.key' pseudonymize --key "$T/no-such.key" --source hr --in hr.csv.gz \
	--out "$T/w/o"
unreadable gen_key 'no-such\.key' gen --out "$T/w/o" --households 3 --seed 1 --key "$T/no-such.key"
unreadable verify_pubkey 'no-such\.pub' verify --run "$T/w/enc2" --pubkey "$T/no-such.pub"
# a bad setting inside a readable config stays a usage error
printf 'colour = blue\n' >"$T/in/bad.conf"
usage_error config_setting "bad\.conf: line 1: unknown setting 'colour'" \
	"${RUN[@]}" --out "$T/w/o" --config "$T/in/bad.conf"

# --- the delimiter hint and --delimiter -----------------------------------
run_expect 0 "$T/base.log" "$HH" "${RUN[@]}" --out "$T/w/base" "${GOLDEN_SOURCES[@]}" --quiet
tr ',' ';' <civil_affairs.csv >roster_semi.csv
tr ',' '|' <civil_affairs.csv >roster_pipe.csv
SEMI=(--civil-affairs roster_semi.csv "${GOLDEN_SOURCES[@]:2}")
run_expect 2 "$T/semi.log" "$HH" "${RUN[@]}" --out "$T/w/o" "${SEMI[@]}"
assert_contains "$T/semi.log" "civil_affairs: roster_semi\.csv: line 1: required column '[a-z_]+' is missing" \
	"the ';' roster's error"
assert_contains "$T/semi.log" "split on ';' the header holds the source's columns: if the file is ';'-separated, say so with --delimiter 'civil_affairs=;'" \
	"the ';' hint"
run_expect 0 "$T/semi_ok.log" "$HH" "${RUN[@]}" --out "$T/w/semi" "${SEMI[@]}" --quiet \
	--delimiter 'civil_affairs=;'
for f in households.csv flags.csv findings.csv; do
	assert_file_eq "$T/w/base/$f" "$T/w/semi/$f" "$f of the ';' roster read with --delimiter"
done
printf 'civil-affairs = roster_pipe.csv\ndelimiter = civil_affairs=|\n' >"$T/in/pipe.conf"
run_expect 0 "$T/pipe.log" "$HH" "${RUN[@]}" --out "$T/w/pipe" --config "$T/in/pipe.conf" \
	"${GOLDEN_SOURCES[@]:2}" --quiet
assert_file_eq "$T/w/base/households.csv" "$T/w/pipe/households.csv" \
	"households.csv of the '|' roster read with the config's delimiter"
usage_error bad_delim "bad --delimiter 'civil_affairs=ab'" "${RUN[@]}" --out "$T/w/o" "${GOLDEN_SOURCES[@]}" \
	--delimiter civil_affairs=ab
run_expect 2 "$T/psemi.log" "$HH" pseudonymize --key "$T/key" --source civil_affairs \
	--in roster_semi.csv --out "$T/w/o"
assert_contains "$T/psemi.log" "say so with --delimiter ';'" "pseudonymize's ';' hint"
run_expect 0 "$T/pcomma.log" "$HH" pseudonymize --key "$T/key" --source civil_affairs \
	--in civil_affairs.csv --out "$T/w/p_comma.csv"
run_expect 0 "$T/psemi_ok.log" "$HH" pseudonymize --key "$T/key" --source civil_affairs \
	--in roster_semi.csv --out "$T/w/p_semi.csv" --delimiter ';'
assert_file_eq "$T/w/p_comma.csv" "$T/w/p_semi.csv" "pseudonymize --delimiter ';'"

# --- log levels and the journal's JSON -------------------------------------
run_expect 0 "$T/text.log" "$HH" "${RUN[@]}" --out "$T/w/text" "${GOLDEN_SOURCES[@]}"
assert_contains "$T/text.log" '^hhmatch run: [0-9]+ rows read' "the summary"
assert_contains "$T/text.log" '^  time [0-9]+\.[0-9]{2} s: ingest [0-9.]+ s \(civil_affairs [0-9.]+, education [0-9.]+, hr [0-9.]+, housing [0-9.]+, medical [0-9.]+\), repair [0-9.]+ s, households [0-9.]+ s, outputs [0-9.]+ s, publication [0-9.]+ s$' \
	"the summary's total and per-phase times"
# report.json: the engine's phases, outputs and the total until the manifest
jq -e '.timings_seconds | (keys | sort) == ["households", "ingest", "outputs", "repair", "total"]
	and ([.[] | type == "number" and . >= 0] | all) and .total >= .outputs and .total >= .ingest' \
	"$T/w/text/report.json" >/dev/null || fail "report.json's timings_seconds: $(jq -c .timings_seconds "$T/w/text/report.json")"
# json_lines FILE: every line one JSON object with time, level, command, message
json_lines() {
	[ -s "$1" ] || fail "$1: no log lines"
	while IFS= read -r line; do
		jq -e 'type == "object" and (.time | test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T")) and
			(.level | IN("error", "warn", "notice", "info")) and (.command | type == "string") and
			(.message | type == "string")' <<<"$line" >/dev/null ||
			fail "$1: not a JSON log record: $line"
	done <"$1"
}
rc=0
"$HH" "${RUN[@]}" --out "$T/w/json" "${GOLDEN_SOURCES[@]}" --log-format json 2>"$T/json.err" || rc=$?
assert_eq 0 "$rc" "run --log-format json"
json_lines "$T/json.err"
jq -se 'map(select(.level == "info" and .command == "run" and
	(.message | test("time [0-9.]+ s: ingest")))) | length == 1' "$T/json.err" >/dev/null ||
	fail "the JSON summary is not one info record with the times: $(cat "$T/json.err")"
rc=0
HHMATCH_LOG_FORMAT=json "$HH" "${RUN[@]}" --out "$T/w/o" "${GOLDEN_SOURCES[@]}" \
	--medical "$T/no-such.csv" 2>"$T/jsonerr.err" || rc=$?
assert_eq 2 "$rc" "a missing source with HHMATCH_LOG_FORMAT=json"
json_lines "$T/jsonerr.err"
assert_eq error "$(jq -r .level "$T/jsonerr.err")" "the error's level"
jq -r .message "$T/jsonerr.err" | grep -q 'no-such\.csv' || fail "the JSON error lacks the file"
rc=0
HHMATCH_LOG_FORMAT=json "$HH" "${RUN[@]}" --conf x 2>"$T/jsonusage.err" || rc=$?
assert_eq 1 "$rc" "an unknown option with HHMATCH_LOG_FORMAT=json"
json_lines "$T/jsonusage.err"
rc=0
HHMATCH_LOG_LEVEL=error "$HH" "${RUN[@]}" --out "$T/w/quietenv" "${GOLDEN_SOURCES[@]}" 2>"$T/lvl.err" || rc=$?
assert_eq 0 "$rc" "HHMATCH_LOG_LEVEL=error"
[ ! -s "$T/lvl.err" ] || fail "HHMATCH_LOG_LEVEL=error still wrote: $(cat "$T/lvl.err")"
run_expect 0 "$T/quiet.log" "$HH" "${RUN[@]}" --out "$T/w/quiet" "${GOLDEN_SOURCES[@]}" --quiet
[ ! -s "$T/quiet.log" ] || fail "--quiet still wrote: $(cat "$T/quiet.log")"
usage_error bad_level "bad HHMATCH_LOG_LEVEL: expected error, warn, notice or info" \
	env HHMATCH_LOG_LEVEL=loud "$HH" "${RUN[@]}" --out "$T/w/o" "${GOLDEN_SOURCES[@]}"
usage_error bad_format "bad --log-format: expected text or json" "${RUN[@]}" --out "$T/w/o" \
	"${GOLDEN_SOURCES[@]}" --log-format yaml

# A value shaped like an ID number, typed into the wrong place, is never
# echoed: not as a stray argument, an option's value, a command, or a
# source's name (which report.json and rejects.csv would carry).
ID=11010519491231002X
withheld() { # name command...
	local name=$1
	shift
	rc=0
	"$@" >"$T/$name.out" 2>"$T/$name.err" || rc=$?
	[ "$rc" -ne 0 ] || fail "$name: accepted"
	! grep -F -e "$ID" -e "${ID:0:15}" "$T/$name.out" "$T/$name.err" >/dev/null ||
		fail "$name: the number was echoed: $(cat "$T/$name.err")"
	[ -s "$T/$name.err" ] || fail "$name: refused without a message"
}
withheld id_operand hh "${RUN[@]}" --out "$T/w/o" "${GOLDEN_SOURCES[@]}" "$ID"
withheld id_period hh run --period "$ID" --key "$T/key" --out "$T/w/o" "${GOLDEN_SOURCES[@]}"
withheld id_threads hh "${RUN[@]}" --out "$T/w/o" "${GOLDEN_SOURCES[@]}" --threads "$ID"
withheld id_lang hh "${RUN[@]}" --out "$T/w/o" "${GOLDEN_SOURCES[@]}" --lang "$ID"
withheld id_county hh "${RUN[@]}" --out "$T/w/o" "${GOLDEN_SOURCES[@]}" --county-digits "$ID"
withheld id_encoding hh "${RUN[@]}" --out "$T/w/o" "${GOLDEN_SOURCES[@]}" --encoding "hr=$ID"
withheld id_delimiter hh "${RUN[@]}" --out "$T/w/o" "${GOLDEN_SOURCES[@]}" --delimiter "hr=$ID"
withheld id_source hh "${RUN[@]}" --out "$T/w/o" "${GOLDEN_SOURCES[@]}" --hr "$T/$ID.csv"
withheld id_command hh "$ID"
withheld id_keygen hh keygen --out "$T/w/k2" "$ID"
withheld id_verify hh verify --run "$T/w" "$ID"
withheld id_gen hh gen --out "$T/w/g" --households "$ID" --seed 1
withheld id_pseudonymize hh pseudonymize --key "$T/key" --source "$ID" --in x --out "$T/w/p"
echo "it_cli: ok"
