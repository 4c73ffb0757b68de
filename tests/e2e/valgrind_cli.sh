#!/usr/bin/env bash
# valgrind_cli.sh - the main perfgate paths under valgrind memcheck on small
# real inputs: compute, check (every output), compare, budgets lint, history
# add/list/show, baseline export, report, and bad input (exit 2).  Any
# invalid read/write, use of uninitialised memory or definite/indirect leak
# fails the test (--error-exitcode=99).  Skipped (exit 0 with a note) where
# valgrind is not installed or the build is sanitized (ASan and valgrind do
# not mix).
set -u
src=${PG_SOURCE_DIR:?}
bld=${PG_BUILD_DIR:?}
pg=$bld/cli/perfgate
if ! command -v valgrind >/dev/null 2>&1; then
  echo "valgrind_cli: valgrind not installed, skipped"; exit 77
fi
if grep -q 'PERFGATE_SANITIZE:BOOL=ON\|PERFGATE_FUZZ:BOOL=ON' "$bld/CMakeCache.txt" 2>/dev/null; then
  echo "valgrind_cli: sanitized build, skipped (make sanitize covers it)"; exit 77
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work" || exit 1
fail() { echo "FAIL: $*" >&2; exit 1; }

# Valgrind 3.19 cannot decode some AVX2 encodings the compiler emits in the
# kernels' AVX2 clones (vmovq xmm, xmm as 66 0F D6), nor AVX-512: run the
# portable build of the same kernel source instead (kernels/cpu/isa.h).
export PERFGATE_ISA=portable

vg() { # expected-exit label args...: runs perfgate under memcheck
  local want=$1 label=$2; shift 2
  valgrind --quiet --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect \
    --show-leak-kinds=definite,indirect --track-origins=no --log-file="vg.$label.log" \
    "$pg" "$@" >"out.$label" 2>"err.$label"
  local rc=$?
  if [ "$rc" -eq 99 ] || [ -s "vg.$label.log" ]; then
    cat "vg.$label.log" >&2
    fail "$label: valgrind reported errors"
  fi
  [ "$rc" -eq "$want" ] || { cat "err.$label" >&2; fail "$label: exit $rc, expected $want"; }
  runs=$((runs + 1))
}
runs=0

python3 "$src/tests/e2e/gen_results.py" --benchmarks 12 --reps 5 --seed 1 --out a.json || fail gen
python3 "$src/tests/e2e/gen_results.py" --benchmarks 12 --reps 5 --seed 2 \
  --slow 'indicators/ema*=1.3' --out b.json || fail gen
cat >budgets.json <<'EOF'
{ "version": 1,
  "budgets": [
    { "match": "indicators/ema*", "absolute": { "median_real_time": "1s" },
      "regression": { "max": "5%" }, "owner": "signals" },
    { "match": "indicators/sma*", "absolute": { "median_real_time": "1ns" }, "severity": "warn" }
  ],
  "waivers": [ { "match": "indicators/rsi*", "reason": "r", "ticket": "T-1", "expires": "2999-01-01" } ] }
EOF
python3 - <<'EOF'
import random
random.seed(5)
with open('ohlcv.csv', 'w') as f:
    f.write('timestamp,open,high,low,close,volume\n')
    p = 100.0
    for i in range(300):
        p *= 1 + random.gauss(0, 0.01)
        f.write('%d,%.4f,%.4f,%.4f,%.4f,%d\n' % (i, p, p * 1.01, p * 0.99, p, 1000 + i))
EOF

vg 0 budgets_lint budgets lint budgets.json
vg 2 budgets_bad budgets lint a.json
vg 1 check check --results b.json --budgets budgets.json --baseline a.json \
  --json v.json --junit j.xml --markdown m.md --today 2026-01-01
vg 2 check_bad check --results budgets.json --budgets budgets.json
vg 0 compare compare a.json b.json
vg 0 compute_ema compute ema --input ohlcv.csv --param windows=5,20 --output ema.csv
vg 0 compute_pipeline compute pipeline --input ohlcv.csv --output pipe.csv
vg 0 history_add1 history add a.json --history h.sqlite --commit c1
vg 0 history_add2 history add b.json --history h.sqlite --budgets budgets.json --baseline a.json \
  --commit c2
vg 0 history_list history list --history h.sqlite
vg 0 history_show history show --history h.sqlite
vg 0 baseline_export baseline export --out base.json --history h.sqlite --run 1
vg 0 report report --history h.sqlite --out rep

echo "valgrind_cli: $runs perfgate runs under memcheck, no errors, no leaks"
exit 0
