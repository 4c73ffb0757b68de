#!/usr/bin/env bash
# run.sh [BUILD_DIR] - perfgate's accuracy harness: builds the slowed
# variants (build.sh) and runs accuracy.py, which prints the table of
# docs/accuracy.md.  TRIALS=N (default 20), ROUNDS, REPS, FILTER, LEVELS, MODES
# CONFIRM and OUT_JSONL tune it; PROGRAM=foreign measures the foreign Google
# Benchmark program (tests/foreign) instead of tpbench.  Takes about 40 minutes at the defaults on a
# 2-core VM.  Not a ctest test (it is long and measures the machine).
set -euo pipefail
src=$(cd "$(dirname "$0")/../.." && pwd)
build=$(cd "${1:-$src/build}" && pwd)
# The CMake targets tpbench_acc_* when the tree has them, else build.sh.
if [ "${PROGRAM:-tpbench}" = foreign ]; then
  cmake --build "$build" --target perfgate foreign_bench foreign_bench_2pct foreign_bench_5pct \
    >/dev/null
elif ! cmake --build "$build" --target perfgate tpbench_acc_0 tpbench_acc_2 tpbench_acc_5 \
     tpbench_acc_10 >/dev/null 2>&1; then
  cmake --build "$build" --target perfgate tpbench_slowed >/dev/null
  "$src/bench/accuracy/build.sh" "$build" >/dev/null
fi
PG_SOURCE_DIR=$src PG_BUILD_DIR=$build exec /usr/bin/python3 "$src/bench/accuracy/accuracy.py"
