#!/usr/bin/env bash
# demo.sh - the README's first command: the monthly run on a generated month.
# Installs what is missing, builds, generates a synthetic month with
# `hhmatch gen` (HH_DEMO_HOUSEHOLDS households, default 50000), makes a
# key, runs `hhmatch run`, and prints where the outputs are.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh build
households=${HH_DEMO_HOUSEHOLDS:-50000}
period=${HH_DEMO_PERIOD:-202611}
demo=demo
rm -rf "$demo/data"
mkdir -p "$demo"
[ -f "$demo/key" ] || build/hhmatch keygen --out "$demo/key"
build/hhmatch gen --out "$demo/data" --households "$households" --seed 1 \
	--period "$period" --key "$demo/key"
build/hhmatch run --config "$demo/data/hhmatch.conf" --key "$demo/key" \
	--period "$period" --out "$demo/out"
echo
echo "outputs: $(pwd)/$demo/out"
ls -l "$demo/out"
echo "flagged households: $(($(wc -l < "$demo/out/flags.csv") - 1)); first rows of flags.csv:"
head -5 "$demo/out/flags.csv"
echo "for people: $(pwd)/$demo/out/report.html (open it in a browser) and"
echo "            $(pwd)/$demo/out/caseworkers.xlsx (a sheet per county)"
