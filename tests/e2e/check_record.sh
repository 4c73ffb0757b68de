#!/usr/bin/env bash
# check_record.sh - `perfgate check --record` records the run with exactly
# the verdicts it printed: judged on --today 2099-01-01, sma0's waiver has
# expired, so sma0 is a regression (and the gate fails), and the history
# shows that verdict, where judging again today (`history add --budgets`)
# says waived.  A history
# that cannot be opened is a warning; the verdict's exit status stands.
set -u
: "${PG_BUILD_DIR:?}" "${PG_SOURCE_DIR:?}"
PG="$PG_BUILD_DIR/cli/perfgate"
GEN="$PG_SOURCE_DIR/tests/e2e/gen_results.py"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

python3 "$GEN" --benchmarks 2 --reps 10 --seed 5 --out "$T/base.json" || fail "gen base"
python3 "$GEN" --benchmarks 2 --reps 10 --seed 6 --slow 'indicators/sma0/*=1.5' --out "$T/head.json" \
    || fail "gen head"
cat >"$T/b.json" <<'JSON'
{
  "version": 1,
  "budgets": [
    { "match": "indicators/*", "regression": { "max": "5%" }, "owner": "kernels" }
  ],
  "waivers": [
    { "match": "indicators/sma0/*", "reason": "known: new rounding", "ticket": "TP-1",
      "expires": "2098-12-31" }
  ]
}
JSON
"$PG" check --results "$T/head.json" --baseline "$T/base.json" --budgets "$T/b.json" \
    --today 2099-01-01 --json "$T/v.json" --record --history "$T/h.sqlite" --color never \
    >"$T/out" 2>"$T/err"
rc=$?
[ $rc -eq 1 ] || { cat "$T/out" "$T/err"; fail "an expired waiver should fail the gate (exit $rc)"; }
grep -q "recorded as run 1" "$T/err" || { cat "$T/err"; fail "check did not say it recorded the run"; }
grep -Eq '^expired-waiver +indicators/sma0/\* ' "$T/out" || { cat "$T/out"; fail "no expired-waiver"; }

"$PG" history show 1 --history "$T/h.sqlite" >"$T/show" 2>&1 || fail "history show"
grep -Eq '^regression .* indicators/sma0/hot/cpu/1024$' "$T/show" \
    || { cat "$T/show"; fail "the history lacks check's verdict on sma0 (its waiver expired)"; }
grep -q "indicators/ema0/hot/cpu/1024" "$T/show" || { cat "$T/show"; fail "the history lacks the passing verdict"; }
grep -q "unbudgeted" "$T/show" && fail "unbudgeted rows recorded"
grep -Eq '^pass .* kernels +indicators/ema0/hot/cpu/1024$' "$T/show" \
    || { cat "$T/show"; fail "history show lacks the budget's owner"; }

# Judging again, as history add does, decides otherwise today: the reason
# check records its own verdicts.
"$PG" history add "$T/head.json" --budgets "$T/b.json" --baseline "$T/base.json" \
    --history "$T/h.sqlite" >/dev/null 2>&1 || fail "history add"
"$PG" history show 2 --history "$T/h.sqlite" >"$T/show2" 2>&1 || fail "history show 2"
grep -Eq '^waived .* indicators/sma0/hot/cpu/1024$' "$T/show2" \
    || { cat "$T/show2"; fail "history add, judging today, should say waived"; }

# A history that cannot be made (its folder would be a file): a warning, and
# the verdict's status.
"$PG" check --results "$T/base.json" --baseline "$T/base.json" --budgets "$T/b.json" \
    --record --history "$T/b.json/h.sqlite" --color never >"$T/out3" 2>"$T/err3"
rc=$?
[ $rc -eq 0 ] || { cat "$T/out3" "$T/err3"; fail "A/A with --record to a bad history: exit $rc, want 0"; }
grep -q "warning: the run was not recorded" "$T/err3" || { cat "$T/err3"; fail "no warning"; }
echo "ok"
