#!/usr/bin/env bash
# build.sh BUILD_DIR - builds the accuracy variants of tpbench by hand:
# BUILD_DIR/bench/accuracy/tpbench_acc_{0,2,5,10} (pg_sma slowed by 0, 2, 5
# and 10 % of its CPU time, bench/accuracy/slowdown.c).  PG_ACC_WORK="F2 F5
# F10" sets the work fractions of levels 2, 5, 10; the default is the
# time-calibrated one of bench/accuracy/CMakeLists.txt ("0.02 0.05 0.10" gives
# the older work-calibrated variants).  It reuses the objects and the link
# line of the test-only target tpbench_slowed (tests/CMakeLists.txt), so
# build that first: cmake --build BUILD_DIR --target tpbench_slowed.
# (bench/accuracy/CMakeLists.txt does the same as a CMake target once the
# top-level CMakeLists.txt adds the folder.)
set -euo pipefail
build=$(cd "${1:?usage: build.sh BUILD_DIR}" && pwd)
src=$(cd "$(dirname "$0")/../.." && pwd)
dir=$build/tests/CMakeFiles/tpbench_slowed.dir
[ -f "$dir/link.txt" ] || { echo "build.sh: build tpbench_slowed first" >&2; exit 2; }
out=$build/bench/accuracy
mkdir -p "$out"
cc=${CC:-cc}
read -r w2 w5 w10 <<<"${PG_ACC_WORK:-0.007 0.036 0.086}"
for pct in 0 2 5 10; do
  case $pct in 0) frac=0.0 ;; 2) frac=$w2 ;; 5) frac=$w5 ;; 10) frac=$w10 ;; esac
  "$cc" -std=c11 -O3 -DNDEBUG -Wall -Wextra -I"$src/kernels" -I"$src/common" \
    -DPG_ACC_SLOWDOWN="$frac" -c "$src/bench/accuracy/slowdown.c" -o "$out/slowdown_$pct.o"
  line=$(cat "$dir/link.txt")
  line=${line//CMakeFiles\/tpbench_slowed.dir\/e2e\/slowed_sma.c.o/$out/slowdown_$pct.o}
  line=${line//-o tpbench_slowed/-o $out/tpbench_acc_$pct}
  (cd "$build/tests" && eval "$line")
done
echo "built $out/tpbench_acc_{0,2,5,10}"
