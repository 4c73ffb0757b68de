#!/usr/bin/env bash
# python_ab.sh - A/A and 5 % detection of `perfgate ab --base-command
# --head-command` on a Python suite (examples/python, pytest-benchmark):
# docs/accuracy.md, "perfgate ab on commands".
#   bench/accuracy/python_ab.sh BUILD_DIR [TRIALS] [ROUNDS]
# Each trial runs one A/A session (both sides TP_SLOWDOWN=1) and one with
# the head 5 % slower (TP_SLOWDOWN=1.05: a busy wait of 5 % of each
# indicator's time; the calibration is never slowed), alternating, and
# prints every benchmark's verdict; the counts at the end.
set -u
build=${1:?build dir}
trials=${2:-5}
rounds=${3:-8}
src=$(cd "$(dirname "$0")/../.." && pwd)
PG=$(cd "$build" && pwd)/cli/perfgate
PY=/usr/bin/python3
"$PY" -c 'import pytest_benchmark, pandas' || { echo "needs Debian's python3-pytest-benchmark and python3-pandas" >&2; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp -r "$src/examples/python" "$work/py"
export PYTHONDONTWRITEBYTECODE=1
cmd() {
    echo "env TP_SLOWDOWN=$1 $PY -m pytest -q -p no:cacheprovider $work/py/tests" \
         "-k 'sma or ema or calibration' --benchmark-json={out} --benchmark-save-data" \
         "--benchmark-min-rounds=10 --benchmark-max-time=0.05"
}
for t in $(seq 1 "$trials"); do
    for kind in aa 5pct; do
        slow=1; [ "$kind" = 5pct ] && slow=1.05
        "$PG" ab --rounds "$rounds" --base-command "$(cmd 1)" --head-command "$(cmd $slow)" \
            --json "$work/$kind-$t.json" >/dev/null 2>&1
        echo "trial $t $kind: exit $?"
    done
done
"$PY" - "$work" <<'PY'
import collections, glob, json, sys
counts = collections.defaultdict(collections.Counter)
for f in sorted(glob.glob(sys.argv[1] + "/*.json")):
    kind = f.rsplit("/", 1)[1].split("-")[0]
    for b in json.load(open(f))["benchmarks"]:
        who = "calibration" if b["benchmark"].endswith("test_calibration") else "indicators"
        counts[(kind, who)][b["verdict"]] += 1
for (kind, who), c in sorted(counts.items()):
    print(f"{kind:5} {who:12} " + ", ".join(f"{v} {n}" for v, n in sorted(c.items())))
PY
