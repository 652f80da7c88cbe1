# lib.sh - shared helpers for the end-to-end tests (tests/it_*.sh).
#
# Source it after setting nothing; it reads the binary from $1 and the
# folders from HH_SRC / HH_TEST_DATA (set by CMake; defaulted from this
# file's location when a test is run by hand):
#   bash tests/it_golden.sh build/hhmatch
# It gives each test a private temporary folder $T (removed on exit) and
# these helpers; a failed assertion prints what differed and exits 1.
# Only bash, coreutils, awk, grep, gzip and sha256sum are used.
set -u
HH=${1:?usage: bash $0 /path/to/hhmatch}
case $HH in /*) ;; *) HH=$PWD/$HH ;; esac
[ -x "$HH" ] || { echo "not executable: $HH" >&2; exit 1; }
HH_SRC=${HH_SRC:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
HH_TEST_DATA=${HH_TEST_DATA:-$HH_SRC/tests/data}
export LC_ALL=C
TEST_NAME=$(basename "$0" .sh)
T=$(mktemp -d "${TMPDIR:-/tmp}/hh-$TEST_NAME.XXXXXX")
trap 'rm -rf "$T"' EXIT

fail() {
	echo "FAIL ($TEST_NAME): $*" >&2
	exit 1
}

note() {
	echo "-- $*" >&2
}

assert_eq() { # expected actual what
	[ "$1" = "$2" ] || fail "$3: expected '$1', got '$2'"
}

assert_file_eq() { # expected_file actual_file what
	if ! diff -u "$1" "$2" >"$T/.diff" 2>&1; then
		cat "$T/.diff" >&2
		fail "$3 differs from the expectation (diff above: - expected, + actual)"
	fi
}

assert_contains() { # file pattern(grep -E) what
	grep -Eq -- "$2" "$1" || { cat "$1" >&2; fail "$3: no match for /$2/"; }
}

# make_key DEST: the committed test key, mode 0600 (hhmatch refuses a key
# readable by group or others, and git checks files out 0644).
make_key() {
	cp "$HH_TEST_DATA/test.key" "$1"
	chmod 600 "$1"
}

# run_expect STATUS LOG cmd...: runs cmd, stderr+stdout to LOG, and fails
# unless it exits with STATUS.
run_expect() {
	local want=$1 log=$2 rc=0
	shift 2
	"$@" >"$log" 2>&1 || rc=$?
	if [ "$rc" != "$want" ]; then
		cat "$log" >&2
		fail "'$*' exited $rc, expected $want"
	fi
}

# json_source_num REPORT SOURCE FIELD: a number from report.json's
# per-source block (the file is written one field per line).
json_source_num() {
	awk -v src="\"$2\":" -v key="\"$3\":" '
		$1 == src { inside = 1; next }
		inside && $1 == key { v = $2; sub(/,$/, "", v); print v; exit }
		inside && /^    }/ { exit }' "$1"
}

# json_source_reason REPORT SOURCE REASON: the count of one reject reason
# in that source's rejects_by_reason (0 when absent).
json_source_reason() {
	awk -v src="\"$2\":" -v r="\"$3\"" '
		$1 == src { inside = 1; next }
		inside && /"rejects_by_reason"/ {
			n = 0
			line = $0; sub(/.*\{/, "", line); sub(/\}.*/, "", line)
			k = split(line, kv, ",")
			for (i = 1; i <= k; i++) {
				split(kv[i], p, ":"); gsub(/[ "]/, "", p[1]); gsub(/ /, "", p[2])
				if ("\"" p[1] "\"" == r) n = p[2]
			}
			print n + 0; exit
		}' "$1"
}

# check_report_counts REPORT SOURCE...: rows_read = accepted + rejected,
# and the per-reason counts add up to rows_rejected, for each source.
check_report_counts() {
	local rep=$1 s rd ac rj sum
	shift
	for s in "$@"; do
		rd=$(json_source_num "$rep" "$s" rows_read)
		ac=$(json_source_num "$rep" "$s" rows_accepted)
		rj=$(json_source_num "$rep" "$s" rows_rejected)
		[ -n "$rd" ] && [ -n "$ac" ] && [ -n "$rj" ] ||
			fail "report.json: no row counts for $s"
		[ "$rd" -eq $((ac + rj)) ] ||
			fail "report.json: $s rows_read $rd != accepted $ac + rejected $rj"
		sum=$(awk -v src="\"$s\":" '
			$1 == src { inside = 1; next }
			inside && /"rejects_by_reason"/ {
				line = $0; sub(/.*\{/, "", line); sub(/\}.*/, "", line)
				k = split(line, kv, ","); t = 0
				for (i = 1; i <= k; i++) { split(kv[i], p, ":"); t += p[2] }
				print t; exit
			}' "$rep")
		[ "$sum" -eq "$rj" ] ||
			fail "report.json: $s rejects_by_reason sums to $sum, rows_rejected is $rj"
	done
}

# label_pids MAP FILE: replaces @label tokens in FILE (stdout) with the
# pid from MAP (CSV: label,id_number,pid; pids computed independently of
# hhmatch, with the test key).
label_pids() {
	awk -F, -v OFS=, '
		NR == FNR { if (FNR > 1) pid[$1] = $3; next }
		{
			for (i = 1; i <= NF; i++)
				if (substr($i, 1, 1) == "@") {
					k = substr($i, 2)
					if (!(k in pid)) { print "unknown label " k > "/dev/stderr"; exit 1 }
					$i = pid[k]
				}
			print
		}' "$1" "$2"
}

# no_secrets_in DIR PATTERNFILE what: fails when any fixed string of
# PATTERNFILE (one per line) occurs in any file under DIR.
no_secrets_in() {
	local hits
	sed '/^$/d' "$2" >"$T/.secrets"
	[ -s "$T/.secrets" ] || fail "$3: empty list of strings to look for"
	if hits=$(grep -rlF -f "$T/.secrets" "$1"); then
		grep -rnoF -f "$T/.secrets" "$1" | head -5 >&2
		fail "$3: found in $hits"
	fi
}
