# prepare.sh - what the benchmark scripts do before they measure, sourced
# by scripts/bench.sh, bench-skew.sh, bench-mpi.sh and bench-profile.sh from the
# repository's root once they have defined `say`:
#   bench_install PKG...  installs Debian packages with apt (as root, or
#                         through sudo); nothing when none is given
#   bench_build           builds build-bench/hhmatch (RelWithDebInfo, the
#                         hhmatch target only: the tests are not needed)
#   bench_duckdb          installs @duckdb/node-api into scripts/bench once
#   bench_rev [REV]       REV, or the commit measured (+ "uncommitted
#                         changes" when matcher/ or connectors/ hold some)
#   busy_s, timed         the measurement of a run (below)
# The callers run scripts/setup.sh first (the build's own dependencies) and
# decide which of their tools are missing.

bench_install() {
	[ $# -gt 0 ] || return 0
	say "installing $*"
	local sudo_cmd=""
	[ "$(id -u)" -eq 0 ] || sudo_cmd=sudo
	export DEBIAN_FRONTEND=noninteractive
	$sudo_cmd apt-get update -qq
	$sudo_cmd apt-get install -y -qq --no-install-recommends "$@" >&2
}

bench_build() {
	cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	cmake --build build-bench --target hhmatch -j"$(nproc)" >/dev/null
}

bench_rev() {
	if [ -n "${1:-}" ]; then
		echo "$1"
		return
	fi
	local rev
	rev=$(git rev-parse --short HEAD 2>/dev/null || echo '?')
	[ -z "$(git status --porcelain -- matcher connectors 2>/dev/null)" ] || rev="$rev + uncommitted changes"
	echo "$rev"
}

bench_duckdb() {
	if [ ! -d scripts/bench/node_modules/@duckdb/node-api ]; then
		say "npm install (scripts/bench)"
		(cd scripts/bench && npm install --no-audit --no-fund --loglevel=error >&2)
	fi
}

# CPU seconds the whole machine spent busy so far (user, nice, system, irq,
# softirq, steal), to tell how much other processes took during a run
busy_s() {
	awk -v hz="$(getconf CLK_TCK)" '/^cpu / { printf "%.2f\n", ($2 + $3 + $4 + $7 + $8 + $9) / hz }' /proc/stat
}

# timed LOG cmd...: runs cmd under /usr/bin/time -v (output to LOG.time;
# cmd's output to LOG.out and LOG.err; paths must not hold spaces);
# prints "wall user sys rss_kb other", other = CPU seconds that the rest
# of the machine (other processes, the hypervisor's steal) took meanwhile
timed() {
	local log=$1
	shift
	local t0=$EPOCHREALTIME t1 b0 b1
	b0=$(busy_s)
	/usr/bin/time -v -o "$log.time" "$@" >"$log.out" 2>"$log.err" || {
		say "failed: $* (see $log.err)"
		cat "$log.err" >&2
		exit 1
	}
	t1=$EPOCHREALTIME
	b1=$(busy_s)
	# wall from the shell's clock (time -v rounds it to 10 ms)
	awk -F': ' -v t0="$t0" -v t1="$t1" -v b0="$b0" -v b1="$b1" '
		/User time/ { u = $2 } /System time/ { s = $2 }
		/Maximum resident set size/ { r = $2 }
		END { o = b1 - b0 - u - s; if (o < 0) o = 0
			printf "%.3f %.2f %.2f %d %.2f\n", t1 - t0, u, s, r, o }' "$log.time"
}
