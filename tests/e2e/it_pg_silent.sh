#!/usr/bin/env bash
# it_pg_silent.sh - SIGTERM and Ctrl-C (SIGINT) end a command that is
# connecting to a "PostgreSQL server" which never answers (issue 14).
#
# The server is a listening socket of the test's own (python3) that
# accepts every connection and never sends a byte, so libpq, which has no
# timeout unless connect_timeout is given, would wait for ever.  Each case
# starts the command in the background, waits until the socket has
# accepted its connection (the command is then waiting in the connect),
# sends the signal and checks that the command ends before a generous
# bound (10 s; within about a second in practice, the time is printed), so
# a hang fails the test without any timed assertion that could flake:
#  1. run, a table source (hr) in 2 slices, SIGTERM: exit 3, "hr: ...:
#     interrupted by a signal; nothing was published", no --out.
#  2. the same with SIGINT (Ctrl-C), a key=value query source.
#  3. run --pg-out: the month is read from files, the store never answers;
#     SIGTERM: exit 3, "publishing ...: interrupted", no --out.
#  4. audit verify-log --pg, SIGTERM: the command ends (audit commands
#     leave signals their default action: killed by the signal, 143).
# Needs no PostgreSQL server; skips (exit 77) without python3.
#   bash tests/e2e/it_pg_silent.sh build/hhmatch
. "$(dirname "$0")/../lib.sh" "$@"

command -v python3 >/dev/null || { echo "skip: no python3" >&2; exit 77; }

# the silent server: its port in $T/port, one line per accepted
# connection in $T/accepted
python3 - "$T" <<'EOF' &
import os, socket, sys
d = sys.argv[1]
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(64)
with open(os.path.join(d, "port.tmp"), "w") as f:
    f.write(str(s.getsockname()[1]))
os.rename(os.path.join(d, "port.tmp"), os.path.join(d, "port"))
held = []
while True:
    c, _ = s.accept()
    held.append(c)
    with open(os.path.join(d, "accepted"), "a") as f:
        f.write("x\n")
EOF
SERVER=$!
BG_PIDS=""
on_exit 'kill $SERVER $BG_PIDS 2>/dev/null; wait 2>/dev/null'
for ((i = 0; i < 100; i++)); do [ -s "$T/port" ] && break; sleep 0.05; done
[ -s "$T/port" ] || fail "the silent server did not start"
PORT=$(cat "$T/port")
: >"$T/accepted"

make_key "$T/key"
"$HH" gen --out "$T/g" --households 200 --seed 4 --key "$T/key" >"$T/gen.log" 2>&1 ||
	{ cat "$T/gen.log" >&2; fail "gen"; }
G=$T/g
FILES=(--civil-affairs "$G/civil_affairs.csv" --education "$G/education.csv"
	--housing "$G/housing.tsv" --medical "$G/medical.csv.gz")
SILENT="host=127.0.0.1 port=$PORT dbname=hh user=hh"

# interrupt NAME SIGNAL WANT_RC PATTERN CMD...: runs CMD in the background
# until the silent server accepts one more connection, sends SIGNAL, and
# checks the exit status and the message.
interrupt() {
	local name=$1 sig=$2 want=$3 pat=$4 before pid i
	shift 4
	before=$(wc -l <"$T/accepted")
	"$@" >"$T/$name.log" 2>&1 &
	pid=$!
	BG_PIDS="$BG_PIDS $pid"
	for ((i = 0; i < 600; i++)); do
		[ "$(wc -l <"$T/accepted")" -gt "$before" ] && break
		alive "$pid" || { cat "$T/$name.log" >&2; fail "$name: ended before connecting"; }
		sleep 0.05
	done
	[ "$(wc -l <"$T/accepted")" -gt "$before" ] || fail "$name: no connection within 30 s"
	sleep 0.3 # well inside libpq's wait for the server's first byte
	alive "$pid" || { cat "$T/$name.log" >&2; fail "$name: ended by itself"; }
	stop_within "$name" "$pid" "$sig"
	[ "$STOP_RC" = "$want" ] || { cat "$T/$name.log" >&2; fail "$name: exit $STOP_RC after SIG$sig, expected $want"; }
	[ -z "$pat" ] || assert_contains "$T/$name.log" "$pat" "$name: message"
	note "$name: exit $STOP_RC, $STOP_MS ms after SIG$sig: $(head -c 200 "$T/$name.log")"
}

run_args() { # OUT
	echo run --period 202611 --key "$T/key" --out "$1" --quiet
}

# ------------------------------------------------ 1, 2: a source connecting
interrupt source-term TERM 3 "^hhmatch run: hr: host=127.0.0.1 port=$PORT .*interrupted by a signal; nothing was published" \
	"$HH" $(run_args "$T/o1") --threads 2 "${FILES[@]}" --hr "$SILENT table=hr"
[ ! -e "$T/o1" ] || fail "source-term: --out exists"
interrupt source-int INT 3 "^hhmatch run: hr: .*interrupted by a signal; nothing was published" \
	"$HH" $(run_args "$T/o2") "${FILES[@]}" --hr "$SILENT query='SELECT 1 AS id_number'"
[ ! -e "$T/o2" ] || fail "source-int: --out exists"

# ------------------------------------------------ 3: the store connecting
interrupt store-term TERM 3 "publishing .*host=127.0.0.1 port=$PORT .*interrupted by a signal" \
	"$HH" $(run_args "$T/o3") "${FILES[@]}" --hr "$G/hr.csv.gz" --pg-out "$SILENT"
[ ! -e "$T/o3" ] || fail "store-term: --out exists"

# ------------------------------------------------ 4: an audit query
interrupt audit-term TERM 143 "" \
	"$HH" audit verify-log --pg "$SILENT"

echo "ok: $TEST_NAME"
