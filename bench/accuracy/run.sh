#!/usr/bin/env bash
# run.sh [BUILD_DIR] - perfgate's accuracy harness: builds the slowed
# variants (build.sh) and runs accuracy.py, which prints the table of
# docs/accuracy.md.  TRIALS=N (default 8), ROUNDS, FILTER, LEVELS, MODES
# and CONFIRM tune it.  Takes about 10 minutes at the defaults on a
# 2-core VM.  Not a ctest test (it is long and measures the machine).
set -euo pipefail
src=$(cd "$(dirname "$0")/../.." && pwd)
build=$(cd "${1:-$src/build}" && pwd)
cmake --build "$build" --target perfgate tpbench_slowed >/dev/null
"$src/bench/accuracy/build.sh" "$build" >/dev/null
PG_SOURCE_DIR=$src PG_BUILD_DIR=$build exec /usr/bin/python3 "$src/bench/accuracy/accuracy.py"
