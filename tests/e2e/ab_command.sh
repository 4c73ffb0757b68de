#!/usr/bin/env bash
# ab_command.sh - `perfgate ab --base-command --head-command`: two commands
# that write results in another harness's format, run round by round in
# alternating order and paired per benchmark.
#  - hyperfine on `perfgate compute sma` (2000 rows) against itself: no
#    regression (exit 0); against 100000 rows under the same -n name: a
#    regression (exit 1).
#  - pytest-benchmark (examples/python): both sides' benchmarks paired by
#    their pytest ids, two rounds.
#  - a command without {out}, an unclosed quote, a failing command: exit 2.
. "$(dirname "$0")/lib.bash"
. "$PG_SOURCE_DIR/tests/e2e/python_tools.bash"

price_csvs "$T"
hf() { echo "hyperfine -N --style none --runs 3 --export-json {out} -n 'compute sma' '$PG compute sma --input $T/$1.csv -o /dev/null'"; }
# 8 rounds: the signed-rank interval at ab's first-look level needs them
expect 0 "$PG" ab --rounds 8 --base-command "$(hf small)" --head-command "$(hf small)" --json "$T/aa.json"
grep -q "compute sma" "$T/out" || fail "A/A table lacks the command"
if grep -q "^regression" "$T/out"; then fail "A/A called a regression"; fi
expect 1 "$PG" ab --rounds 8 --base-command "$(hf small)" --head-command "$(hf large)"
grep -q "^regression *compute sma" "$T/out" || fail "fiftyfold input not a regression: $(cat "$T/out")"

cp -r "$PG_SOURCE_DIR/examples/python" "$T/py"
py="$PY -m pytest -q -p no:cacheprovider $T/py/tests -k 'sma and 1024 or calibration' --benchmark-json={out} --benchmark-save-data --benchmark-min-rounds=5 --benchmark-max-time=0.02"
expect 0 "$PG" ab --rounds 2 --base-command "$py" --head-command "$py" --format pytest-benchmark --json "$T/py.json"
"$PY" - "$T/py.json" <<'PY' || fail "pytest pairs: $(cat "$T/out")"
import json, sys
text = open(sys.argv[1]).read()
for name in ("test_indicators.py::test_sma[1024]", "test_indicators.py::test_calibration"):
    assert name in text, name
PY

expect 2 "$PG" ab --base-command "true" --head-command "true"
grep -q 'has no "{out}"' "$T/err" || fail "missing {out} not said"
expect 2 "$PG" ab --base-command "x '{out}" --head-command "true {out}"
grep -q "unclosed ' quote" "$T/err" || fail "unclosed quote not said"
expect 2 "$PG" ab --rounds 2 --base-command "false {out}" --head-command "false {out}"
grep -q "command failed in round 1" "$T/err" || fail "failing command not said"
echo ok
