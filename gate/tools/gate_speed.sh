#!/usr/bin/env bash
# gate_speed.sh - the gate's speed figure: `perfgate check` on N benchmarks x
# R repetitions against a baseline of the same size (default 10,000 x 30).
#   gate/tools/gate_speed.sh [BUILD_DIR] [N] [R]
# Generates both files with tests/e2e/gen_results.py (stdlib Python), warms
# the page cache, then times three runs of the check.  Not a test: a figure.
set -eu
SRC=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${1:-$SRC/build}
N=${2:-10000}
R=${3:-30}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
python3 "$SRC/tests/e2e/gen_results.py" --benchmarks "$N" --reps "$R" --seed 1 --out "$T/base.json"
python3 "$SRC/tests/e2e/gen_results.py" --benchmarks "$N" --reps "$R" --seed 2 \
    --slow 'indicators/ema1/*=1.3' --out "$T/head.json"
ls -l "$T"/*.json
cat "$T"/*.json >/dev/null
for i in 1 2 3; do
    /usr/bin/time -f "check: %e s wall, %U s user, %M KiB peak RSS" \
        "$BUILD/cli/perfgate" check --results "$T/head.json" --baseline "$T/base.json" \
        --budgets "$SRC/budgets/examples/example.json" --brief --color never >"$T/out" || true
done
tail -1 "$T/out"
