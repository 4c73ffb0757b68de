#!/usr/bin/env bash
# gate_fail_closed.sh - what the gate cannot judge is never a pass, as data
# (tests/e2e/gate_data/closed/<case>/).
#
# Each case holds `cmd` (perfgate's arguments, one line, run inside a copy
# of the case folder so paths in messages are the case's own), the files it
# names, and what must come out: `expected_rc`, `expected_stdout`,
# `expected_stderr`, exactly.  The cases: no benchmarks; a budget that
# matches nothing (a typo fails, "optional" passes, only optional ones
# judge nothing); a zero baseline or calibration; a waiver that matches
# nothing; a "machine" file selected by CPU flags and a calibration range;
# `budgets lint --results`.
# PG_REGENERATE=1 rewrites the expected files (review the diff!).
set -u
: "${PG_BUILD_DIR:?}" "${PG_SOURCE_DIR:?}"
PG="$PG_BUILD_DIR/cli/perfgate"
DATA="$PG_SOURCE_DIR/tests/e2e/gate_data/closed"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
failures=0
count=0
for dir in "$DATA"/*/; do
    case=$(basename "$dir")
    count=$((count + 1))
    rm -rf "$T/case"
    mkdir "$T/case"
    for f in "$dir"*; do
        case $(basename "$f") in expected_*) ;; *) cp "$f" "$T/case/" ;; esac
    done
    read -r -a args <"$dir/cmd"
    (cd "$T/case" && "$PG" "${args[@]}" >"$T/out" 2>"$T/err")
    rc=$?
    if [ "${PG_REGENERATE:-0}" = 1 ]; then
        echo "$rc" >"$dir/expected_rc"
        cp "$T/out" "$dir/expected_stdout"
        cp "$T/err" "$dir/expected_stderr"
    fi
    want=$(cat "$dir/expected_rc")
    if [ "$rc" -ne "$want" ]; then
        echo "FAIL $case: exit $rc, want $want" >&2
        cat "$T/out" "$T/err" >&2
        failures=$((failures + 1))
        continue
    fi
    for s in stdout stderr; do
        got=$T/out
        [ $s = stderr ] && got=$T/err
        if ! diff -u "$dir/expected_$s" "$got" >&2; then
            echo "FAIL $case: $s differs from expected_$s" >&2
            failures=$((failures + 1))
        fi
    done
done
echo "$count cases, $failures failed"
[ $failures -eq 0 ]
