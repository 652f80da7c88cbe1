#!/usr/bin/env bash
# test.sh - the README's second command, and what CI runs (.ci/run).
# Installs what is missing; builds with warnings as errors (HH_WERROR) in
# Release with GCC and with clang, installed into a fresh prefix; starts a
# throwaway PostgreSQL on a local socket; runs every test (the layering
# check among them) in the normal build and under AddressSanitizer +
# UndefinedBehaviorSanitizer, the threaded runs under ThreadSanitizer and
# the gzip tests against the zlib fallback; and stops the server whatever
# happens.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --test

pgdir=$(mktemp -d /tmp/hhmatch-pg.XXXXXX)
chmod 755 "$pgdir"
cleanup() { scripts/pg-test-server.sh stop "$pgdir" >/dev/null 2>&1 || true; }
trap cleanup EXIT
eval "$(scripts/pg-test-server.sh start "$pgdir")"
export HH_TEST_PG=1

jobs=$(nproc)
# What packagers and users build: Release, with GCC and with clang, and
# `cmake --install` into a fresh prefix gives bin/hhmatch, the man page,
# the systemd units and the example config (it_install checks them).
for cc in gcc clang; do
	CC=$cc scripts/build.sh "build-release-$cc" -DCMAKE_BUILD_TYPE=Release -DHH_WERROR=ON
done
prefix=$(mktemp -d /tmp/hhmatch-prefix.XXXXXX)
cmake --install build-release-gcc --prefix "$prefix" >/dev/null
"$prefix/bin/hhmatch" --version >/dev/null
for f in share/man/man1/hhmatch.1 lib/systemd/system/hhmatch-monthly.service \
	lib/systemd/system/hhmatch-monthly.timer share/doc/hhmatch/hhmatch.conf.example; do
	[ -f "$prefix/$f" ] || { echo "test.sh: cmake --install gave no $f" >&2; exit 1; }
done
rm -rf "$prefix"

scripts/build.sh build-test -DHH_WERROR=ON
(cd build-test && ctest --output-on-failure -j"$jobs") 2>&1 | tee build-test/ctest.log
# it_full_disk and it_kill skip themselves (77) where they cannot work
# (no root, mount -t tmpfs not permitted); run as root, a skip is a failure
# here, not a pass hidden among the skips.
if [ "$(id -u)" = 0 ] && grep -E '(it_full_disk|it_kill)\b.*(Skipped|Not Run)' build-test/ctest.log; then
	echo "test.sh: it_full_disk or it_kill was skipped although running as root" >&2
	exit 1
fi

scripts/build.sh build-asan -DHH_WERROR=ON -DHH_SANITIZE=ON
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
(cd build-asan && ctest --output-on-failure -j"$jobs")
# Every parser fuzzed for 20 s (scripts/fuzz.sh: clang, libFuzzer, ASan and
# UBSan, in build-fuzz); any crash, leak or timeout fails with its reproducer.
scripts/fuzz.sh 20
# ThreadSanitizer over the runs that use threads: workers, PostgreSQL
# slices sharing tables, parallel households and outputs, signals.
scripts/build.sh build-tsan -DHH_WERROR=ON -DHH_TSAN=ON
(cd build-tsan && TSAN_OPTIONS=halt_on_error=1 ctest --output-on-failure -j"$jobs" \
	-R 'it_gen_e2e|it_pg|it_golden|it_boundaries|it_signal|it_month_over_month|it_morsel|it_workbook|it_mpi')

# The zlib fallback (machines without ISA-L): the gzip and reader tests.
scripts/build.sh build-zlib -DHH_WERROR=ON -DHH_WITH_ISAL=OFF
(cd build-zlib && ctest --output-on-failure -j"$jobs" -R 'test_instream|test_csv|test_conformance_gzip|it_golden|it_errors|it_gzip_strict|it_gb18030_reject')
echo "test.sh: all tests passed (Release GCC and clang builds, install; normal, ASan+UBSan, TSan builds; zlib fallback)"
