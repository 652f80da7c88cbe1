#!/usr/bin/env bash
# bench-ab.sh - is a change faster?  Two hhmatch binaries, alternating runs
# on one month, medians side by side (what docs/benchmark.md's per-change
# figures were measured with).
#
#   scripts/bench-ab.sh OLD_BINARY NEW_BINARY [MONTH_DIR]
#
# A typical use: build the parent commit and the change, then compare:
#   git worktree add /tmp/old HEAD~1 && /tmp/old/scripts/build.sh
#   scripts/build.sh && scripts/bench-ab.sh /tmp/old/build/hhmatch build/hhmatch
#
# MONTH_DIR holds a month written by `hhmatch gen` (its hhmatch.conf and the
# key it was made with, KEY below); default: the 200,000-household pid month
# that scripts/bench.sh generates (build-bench/bench/pid-200000).  Run
# scripts/bench.sh once first on a fresh machine: it installs GNU time and
# generates the months.
#
# The two binaries run in turns (A B A B ...), so a change in the machine's
# load or in how warm its memory is falls on both; each run is timed by
# /usr/bin/time.  Printed per binary: the medians of wall, user and system
# CPU seconds and peak RSS, then every wall time, and the ratio of the
# medians (new / old).  Also checked: the two give byte-identical
# households.csv, flags.csv, findings.csv, rejects.csv and explain.csv.
#
# Environment: RUNS (7), THREADS (2), KEY (build-bench/bench/bench.key).
set -euo pipefail
cd "$(dirname "$0")/.."

[ $# -ge 2 ] || { sed -n '2,12p' "$0" >&2; exit 1; }
old=$(realpath "$1")
new=$(realpath "$2")
month=$(realpath "${3:-build-bench/bench/pid-200000}")
key=$(realpath "${KEY:-build-bench/bench/bench.key}")
runs=${RUNS:-7}
threads=${THREADS:-2}
for f in "$old" "$new" "$month/hhmatch.conf" "$key"; do
	[ -e "$f" ] || { echo "bench-ab: $f: not found" >&2; exit 1; }
done

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for i in $(seq "$runs"); do
	for side in old new; do
		bin=$old
		[ $side = new ] && bin=$new
		rm -rf "$work/out-$side"
		/usr/bin/time -f "$side %e %U %S %M" -a -o "$work/times" \
			"$bin" run --config "$month/hhmatch.conf" --key "$key" \
			--out "$work/out-$side" --threads "$threads" --quiet
	done
done

for f in households.csv flags.csv findings.csv rejects.csv explain.csv; do
	cmp -s "$work/out-old/$f" "$work/out-new/$f" ||
		echo "bench-ab: $f differs between the two binaries"
done

awk -v runs="$runs" '
function median(a, n,   i, j, t) {
	for (i = 2; i <= n; i++)
		for (j = i; j > 1 && a[j - 1] > a[j]; j--) {
			t = a[j]; a[j] = a[j - 1]; a[j - 1] = t
		}
	return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
{
	k = $1; n[k]++
	wall[k, n[k]] = $2; user[k, n[k]] = $3; sys[k, n[k]] = $4; rss[k, n[k]] = $5
	walls[k] = walls[k] sprintf(" %.2f", $2)
}
END {
	for (s = 1; s <= 2; s++) {
		k = s == 1 ? "old" : "new"
		for (i = 1; i <= n[k]; i++) {
			w[i] = wall[k, i]; u[i] = user[k, i]; y[i] = sys[k, i]; r[i] = rss[k, i]
		}
		mw[k] = median(w, n[k])
		printf "%s  wall %.3f s  user %.2f s  sys %.2f s  rss %.0f MB   walls:%s\n",
			k, mw[k], median(u, n[k]), median(y, n[k]), median(r, n[k]) / 1024, walls[k]
	}
	printf "new / old wall: %.3f (medians of %d runs each)\n", mw["new"] / mw["old"], runs
}' "$work/times"
