# prepare.sh - what the benchmark scripts do before they measure, sourced
# by scripts/bench.sh, bench-skew.sh and bench-profile.sh from the
# repository's root once they have defined `say`:
#   bench_install PKG...  installs Debian packages with apt (as root, or
#                         through sudo); nothing when none is given
#   bench_build           builds build-bench/hhmatch (RelWithDebInfo, the
#                         hhmatch target only: the tests are not needed)
#   bench_duckdb          installs @duckdb/node-api into scripts/bench once
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

bench_duckdb() {
	if [ ! -d scripts/bench/node_modules/@duckdb/node-api ]; then
		say "npm install (scripts/bench)"
		(cd scripts/bench && npm install --no-audit --no-fund --loglevel=error >&2)
	fi
}
