#!/usr/bin/env bash
# it_install.sh - what an operator gets from `cmake --install`.
#
# Installs the build folder of the binary under test into a fresh prefix
# and checks: bin/hhmatch runs (--version, the same as the build's);
# share/man/man1/hhmatch.1 renders with `man -l` (and groff -ww) without a
# warning and its
# NAME section names hhmatch (lexgrog when installed, else the source);
# lib/systemd/system holds hhmatch-monthly.service (Type=oneshot, running
# `hhmatch run --config /etc/hhmatch/hhmatch.conf` from the installed
# bindir) and hhmatch-monthly.timer (monthly, Persistent=true), and
# `systemd-analyze verify` accepts both (skipped only when systemd-analyze
# is absent); share/doc/hhmatch/hhmatch.conf.example is a config hhmatch
# reads (its settings are known: a run on it stops at the first missing
# file, exit 2, not at a setting, exit 1).
#   bash tests/e2e/it_install.sh build/hhmatch
. "$(dirname "$0")/../lib.sh" "$@"

BUILD=$(dirname "$HH")
[ -f "$BUILD/cmake_install.cmake" ] || { echo "skip: $BUILD is not a CMake build folder" >&2; exit 77; }
P=$T/prefix
cmake --install "$BUILD" --prefix "$P" >"$T/install.log" 2>&1 ||
	{ cat "$T/install.log" >&2; fail "cmake --install failed"; }

# the binary
[ -x "$P/bin/hhmatch" ] || fail "no bin/hhmatch"
assert_eq "$("$HH" --version)" "$("$P/bin/hhmatch" --version)" "the installed binary's version"

# the man page
MAN=$P/share/man/man1/hhmatch.1
[ -f "$MAN" ] || fail "no share/man/man1/hhmatch.1"
command -v man >/dev/null || fail "man is needed (scripts/setup.sh --test installs man-db)"
MANWIDTH=80 man -l "$MAN" >"$T/man.txt" 2>"$T/man.err" || { cat "$T/man.err" >&2; fail "man -l failed"; }
[ ! -s "$T/man.err" ] || { cat "$T/man.err" >&2; fail "man -l warned"; }
# and with every groff warning on (an undefined macro, a bad escape)
if command -v groff >/dev/null; then
	groff -man -ww -z -Tutf8 "$MAN" >"$T/groff.err" 2>&1 || true
	[ ! -s "$T/groff.err" ] || { cat "$T/groff.err" >&2; fail "groff -ww warned"; }
fi
if command -v lexgrog >/dev/null; then
	lexgrog "$MAN" >"$T/lexgrog.txt" || fail "lexgrog finds no NAME section"
	assert_contains "$T/lexgrog.txt" '"hhmatch - ' "the NAME section (lexgrog)"
else
	grep -A1 '^\.SH NAME' "$MAN" | grep -Eq '^hhmatch \\- ' || fail "no NAME section naming hhmatch"
fi
# every command, the exit statuses and the environment are in it
for w in 'hhmatch keygen' 'hhmatch pseudonymize' 'hhmatch run' 'hhmatch verify' \
	'hhmatch audit person' 'verify-log' 'hhmatch gen' 'EXIT STATUS' 'HHMATCH_AUDIT_KEY' \
	'HHMATCH_LOG_FORMAT' 'HHMATCH_LOG_LEVEL' 'EXAMPLES' '--delimiter' '--log-format'; do
	grep -qF -- "$w" "$T/man.txt" || fail "the man page lacks '$w'"
done
# every long option the commands' --help lists is in the man page
for c in keygen pseudonymize run verify gen "audit" "review"; do
	read -ra words <<<"$c"
	"$HH" "${words[@]}" --help | grep -oE -- '--[a-z][a-z-]+' | sort -u >"$T/opts.txt"
	while read -r o; do
		grep -qF -- "$o" "$T/man.txt" || fail "the man page lacks $o (hhmatch $c --help has it)"
	done <"$T/opts.txt"
done

# the systemd units
SVC=$P/lib/systemd/system/hhmatch-monthly.service
TMR=$P/lib/systemd/system/hhmatch-monthly.timer
[ -f "$SVC" ] || fail "no lib/systemd/system/hhmatch-monthly.service"
[ -f "$TMR" ] || fail "no lib/systemd/system/hhmatch-monthly.timer"
assert_contains "$SVC" '^Type=oneshot$' "the service's type"
assert_contains "$SVC" '^ExecStart=.*/bin/hhmatch" run --config /etc/hhmatch/hhmatch\.conf --period ' \
	"the service's command"
grep -q '@HH_' "$SVC" && fail "the service still holds a CMake placeholder"
assert_contains "$SVC" '^RestartPreventExitStatus=1 2$' "usage and input errors are not retried"
assert_contains "$TMR" '^OnCalendar=\*-\*-05 02:00:00$' "the timer's day"
assert_contains "$TMR" '^Persistent=true$' "the timer catches up after downtime"
if command -v systemd-analyze >/dev/null; then
	# the service runs /bin/sh (the binary's path is the build's prefix,
	# not $P); Documentation=man:hhmatch(1) must resolve in $P's man pages
	(cd "$P/lib/systemd/system" && MANPATH=$P/share/man SYSTEMD_LOG_LEVEL=warning \
		systemd-analyze verify ./hhmatch-monthly.service ./hhmatch-monthly.timer) \
		>"$T/verify.log" 2>&1 || { cat "$T/verify.log" >&2; fail "systemd-analyze verify failed"; }
	# warnings about the units themselves count too (not the host's own units)
	if grep -E 'hhmatch-monthly\.(service|timer)' "$T/verify.log" >"$T/verify.ours"; then
		cat "$T/verify.ours" >&2
		fail "systemd-analyze verify warned about the units"
	fi
	# the timer's schedule: the 5th of a month, 02:00
	systemd-analyze calendar '*-*-05 02:00:00' >"$T/cal.log" 2>&1 || fail "the timer's calendar"
	assert_contains "$T/cal.log" 'Next elapse: .* [0-9]{4}-[0-9]{2}-05 02:00:00' "the next elapse"
else
	note "systemd-analyze is absent: the units were not verified"
fi
# the service's period: the month before today's, YYYYMM
cmd=$(sed -n 's/^ExecStart=\/bin\/sh -c //p' "$SVC" | sed "s/^'//; s/'\$//; s/\\\$\\\$/\$/g; s/%%/%/g")
period=$(eval "echo ${cmd#*--period }")
assert_eq "$(date -u -d "$(date -u +%Y-%m-01) -1 month" +%Y%m)" "$period" "the service's --period"

# the example config: every setting known, paths its own
EX=$P/share/doc/hhmatch/hhmatch.conf.example
[ -f "$EX" ] || fail "no share/doc/hhmatch/hhmatch.conf.example"
[ ! -e /etc/hhmatch/month.key ] || { note "a real /etc/hhmatch/month.key: config not run"; exit 0; }
run_expect 2 "$T/example.log" env -u HHMATCH_AUDIT_KEY "$P/bin/hhmatch" run \
	--config "$EX" --period 202611 --out "$T/o"
assert_contains "$T/example.log" '/etc/hhmatch/(month|audit)\.key' "the example config's first missing file"
echo "it_install: ok"
