#!/usr/bin/env bash
# setup.sh - installs what hhmatch needs to build and test, from Debian's
# packages, when it is missing (idempotent; a no-op on a ready machine).
#   scripts/setup.sh          build dependencies
#   scripts/setup.sh --test   also the test dependencies (Criterion, PostgreSQL)
set -euo pipefail

pkgs=(build-essential cmake pkg-config libpq-dev libssl-dev zlib1g-dev
      libxxhash-dev libisal-dev libjansson-dev)
# Open MPI: run --mpi across the ranks of mpirun (a build without it
# refuses --mpi); openmpi-bin is mpirun itself.
pkgs+=(libopenmpi-dev openmpi-bin)
if [ "${1:-}" = "--test" ]; then
	# jq reads the JSON outputs in the end-to-end tests; clang builds the
	# code a second time (Release) to catch what GCC does not warn about.
	pkgs+=(libcriterion-dev postgresql gzip jq clang)
	# man renders the installed hhmatch(1) (it_install: man -l, lexgrog);
	# systemd-analyze verifies the units where systemd is installed.
	pkgs+=(man-db groff-base)
	# libFuzzer (clang -fsanitize=fuzzer, scripts/fuzz.sh): clang only
	# recommends it.
	pkgs+=(libclang-rt-14-dev)
	# python3-openpyxl opens caseworkers.xlsx as a reader would (it_workbook).
	pkgs+=(python3-openpyxl)
	# chromium renders report.html headless (it_report_html: its text and
	# screenshots); a CJK font, so that the screenshots show the Chinese.
	pkgs+=(chromium fonts-wqy-microhei)
fi

missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
		missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	echo "setup: installing ${missing[*]}" >&2
	export DEBIAN_FRONTEND=noninteractive
	sudo_cmd=""
	[ "$(id -u)" -eq 0 ] || sudo_cmd=sudo
	$sudo_cmd apt-get update -qq
	$sudo_cmd apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
fi
