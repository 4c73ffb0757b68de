#!/usr/bin/env bash
# bench/compare/run.sh - the side-by-side table of docs/performance.md:
# perfgate's kernels against TA-Lib's and TradePulse's numpy/pandas code, in
# one interleaved run.  Outside the product: `make build` and `make test`
# never build or run it, and nothing is downloaded.
#
#   bench/compare/run.sh [--talib-src DIR] [--rounds R] [--work DIR] [--markdown]
#
#   --talib-src DIR  a TA-Lib source tree (or TALIB_SRC=DIR): its C function
#                    sources are compiled into a static library here (ta-lib's
#                    src/ or c/src/ layout); without one the table has no TA-Lib
#                    column and says so
#   --rounds R       alternating rounds (default 3): each round runs the C
#                    program (perfgate + TA-Lib, 3 repetitions a benchmark in
#                    Google Benchmark's random interleaving) and then the pandas
#                    side (3 repetitions, shuffled); medians over all rounds
#   --work DIR       where to build and write (default a new temporary folder,
#                    kept: the results files and the table land there)
#   --markdown       print the table as Markdown (docs/performance.md)
#
# Before any timing, each pair is checked to compute the same numbers
# (talib_compare --check, pandas_side.py --check); a pair that differs stops
# the run with exit 1.  CPU time; ns per element at 4096 and 1,048,576.
# Needs cmake, a C/C++ compiler and Debian's libbenchmark-dev, libjansson-dev,
# libfftw3-dev (scripts/deps.sh) and python3-numpy, python3-pandas.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
talib=${TALIB_SRC:-}
rounds=3
work=
markdown=
while [ $# -gt 0 ]; do
    case $1 in
    --talib-src) talib=$2; shift 2 ;;
    --talib-src=*) talib=${1#*=}; shift ;;
    --rounds) rounds=$2; shift 2 ;;
    --rounds=*) rounds=${1#*=}; shift ;;
    --work) work=$2; shift 2 ;;
    --work=*) work=${1#*=}; shift ;;
    --markdown) markdown=--markdown; shift ;;
    -h | --help) sed -n '2,26p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "run.sh: unknown option '$1' (see --help)" >&2; exit 2 ;;
    esac
done
case $rounds in '' | *[!0-9]* | 0) echo "run.sh: --rounds wants a positive integer, found '$rounds'" >&2; exit 2 ;; esac
if [ -n "$talib" ] && [ ! -d "$talib" ]; then
    echo "run.sh: --talib-src '$talib' is not a directory" >&2
    exit 2
fi
work=${work:-$(mktemp -d /tmp/perfgate-compare.XXXXXX)}
mkdir -p "$work"
PY=/usr/bin/python3 # Debian's, with numpy and pandas
if [ -z "$talib" ]; then
    echo "run.sh: no TA-Lib source tree given (--talib-src DIR or TALIB_SRC): perfgate and pandas only" >&2
fi

echo "run.sh: building in $work/build" >&2
cmake -S "$ROOT/bench/compare" -B "$work/build" -DCMAKE_BUILD_TYPE=Release \
    -DTALIB_SRC="${talib:+$(cd "$talib" && pwd)}" >"$work/configure.log" 2>&1 ||
    { cat "$work/configure.log" >&2; exit 2; }
cmake --build "$work/build" --target talib_compare -j "${JOBS:-2}" >"$work/build.log" 2>&1 ||
    { tail -40 "$work/build.log" >&2; exit 2; }
bin=$work/build/talib_compare

# Same numbers first, then timing.
"$bin" --check | tee "$work/check.txt"
rm -rf "$work/data"
"$bin" --dump="$work/data"
"$PY" "$ROOT/bench/compare/pandas_side.py" --data "$work/data" --check | tee -a "$work/check.txt"

uptime | tee "$work/load.txt"
for i in $(seq "$rounds"); do
    echo "run.sh: round $i of $rounds" >&2
    "$bin" --benchmark_repetitions=3 --benchmark_enable_random_interleaving=true \
        --benchmark_min_time=0.2 --out="$work/c-$i.json" >"$work/c-$i.log"
    "$PY" "$ROOT/bench/compare/pandas_side.py" --data "$work/data" --reps 3 --seed "$i" \
        --out "$work/py-$i.json"
    uptime | tee -a "$work/load.txt"
done
"$PY" "$ROOT/bench/compare/table.py" $markdown --load "$work/load.txt" \
    --talib "${talib:-}" "$work"/c-*.json "$work"/py-*.json | tee "$work/table.txt"
echo "run.sh: results in $work" >&2
