#!/usr/bin/env bash
# build.sh - configures and builds hhmatch into a build folder.
#   scripts/build.sh [BUILD_DIR] [extra cmake options...]
#   (default BUILD_DIR: build; the binary is BUILD_DIR/hhmatch)
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${1:-build}
shift || true
cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" >/dev/null
cmake --build "$dir" -j"$(nproc)"
