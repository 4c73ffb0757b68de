#!/usr/bin/env bash
# gate_bad_inputs.sh - bad input as data (tests/e2e/gate_data/bad/<case>/).
#
# Each case holds `input` and `expected`: the exact stderr.  The case's
# name says which command reads the input:
#   lint-*      perfgate budgets lint --today 2026-06-01 input
#   results-*   perfgate check --results input --budgets <a good budget file>
#   baseline-*  perfgate check --results <good> --baseline input --budgets <good>
# Every case must exit 2 with exactly the expected message (file:line:column,
# JSON pointer, what was expected) and must not crash.
# PG_REGENERATE=1 rewrites the expected files (review the diff!).
set -u
: "${PG_BUILD_DIR:?}" "${PG_SOURCE_DIR:?}"
PG="$PG_BUILD_DIR/cli/perfgate"
DATA="$PG_SOURCE_DIR/tests/e2e/gate_data"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
cp "$DATA/good_results.json" "$T/good.json"
cp "$DATA/good_budgets.json" "$T/budgets.json"
failures=0
count=0
for dir in "$DATA"/bad/*/; do
    case=$(basename "$dir")
    count=$((count + 1))
    cp "$dir/input" "$T/input"
    case $case in
    lint-*) cmd=("$PG" budgets lint --today 2026-06-01 input) ;;
    results-*) cmd=("$PG" check --results input --budgets budgets.json) ;;
    baseline-*) cmd=("$PG" check --results good.json --baseline input --budgets budgets.json) ;;
    *) echo "unknown case kind: $case" >&2; failures=$((failures + 1)); continue ;;
    esac
    (cd "$T" && "${cmd[@]}" >"$T/out" 2>"$T/err")
    rc=$?
    if [ "${PG_REGENERATE:-0}" = 1 ]; then
        cp "$T/err" "$dir/expected"
    fi
    if [ $rc -ne 2 ]; then
        echo "FAIL $case: exit $rc, want 2" >&2
        cat "$T/err" >&2
        failures=$((failures + 1))
    elif ! diff -u "$dir/expected" "$T/err" >&2; then
        echo "FAIL $case: stderr differs from expected" >&2
        failures=$((failures + 1))
    fi
done
echo "$count cases, $failures failed"
[ $failures -eq 0 ]
