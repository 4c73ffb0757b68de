#!/usr/bin/env bash
# gate_cli.sh - perfgate check / compare / budgets lint: usage, exit codes,
# waivers in every output, the shipped example budget file.
. "$(dirname "$0")/lib.bash"
GEN="$PG_SOURCE_DIR/tests/e2e/gen_results.py"
EX="$PG_SOURCE_DIR/budgets/examples/example.json"

# usage
expect 0 "$PG" check --help
grep -q "^usage: perfgate check" "$T/out" || fail "check --help"
expect 2 "$PG" check --results x.json
grep -q "budgets is required" "$T/err" || fail "missing --budgets not said"
expect 2 "$PG" check --resluts x.json --budgets "$EX"
grep -q "unknown option '--resluts'; did you mean '--results'?" "$T/err" || fail "no suggestion"
expect 2 "$PG" check --results "$T/none.json" --budgets "$EX"
grep -q "none.json: cannot open" "$T/err" || fail "missing file"
expect 2 "$PG" budgets lnt
grep -q "did you mean 'lint'" "$T/err" || fail "budgets suggestion"
expect 2 "$PG" compare only-one.json

# the shipped example lints before its waiver expires, not after
expect 0 "$PG" budgets lint --today 2026-12-31 "$EX"
grep -q "1 budget file, 3 budgets, 1 waivers: ok" "$T/out" || fail "lint summary"
expect 2 "$PG" budgets lint --today 2027-01-01 "$EX"
grep -q "example.json:13:38: waiver for \"pipeline/\*/cold/cpu/1000000\" (TP-123) expired on 2026-12-31" "$T/err" \
    || fail "expired waiver position"

# a run with the waived benchmark breaching: waived while active, in every output
python3 "$GEN" --benchmarks 16 --reps 10 --seed 1 --out "$T/base.json"
python3 "$GEN" --benchmarks 16 --reps 10 --seed 2 --out "$T/head.json"
python3 - "$T/head.json" "$T/head2.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
rows = [dict(r) for r in d["benchmarks"] if r["run_name"] == "indicators/ema0/hot/cpu/1024"]
for r in rows:
    r["name"] = r["run_name"] = "pipeline/path/cold/cpu/1000000"
    r["real_time"] *= 1000
d["benchmarks"] += rows
json.dump(d, open(sys.argv[2], "w"))
PY
cat >"$T/b.json" <<'JSON'
{ "version": 1,
  "budgets": [ { "match": "indicators/*", "regression": { "max": "5%" } },
               { "match": "pipeline/*", "absolute": { "median_real_time": "1ms" } } ],
  "waivers": [ { "match": "pipeline/*/cold/cpu/1000000", "reason": "new allocator",
                 "ticket": "TP-123", "expires": "2026-12-31" } ] }
JSON
expect 0 "$PG" check --results "$T/head2.json" --baseline "$T/base.json" --budgets "$T/b.json" \
    --today 2026-12-31 --color never --junit "$T/j.xml" --markdown "$T/m.md" --json "$T/v.json"
grep -Eq "^waived +pipeline/path/cold/cpu/1000000 +median_real_time" "$T/out" || fail "not waived"
for f in "$T/out" "$T/j.xml" "$T/m.md" "$T/v.json"; do
    grep -q "TP-123" "$f" || fail "active waiver missing from $(basename "$f")"
done
# the day after: the waiver expired, the gate fails on both counts
expect 1 "$PG" check --results "$T/head2.json" --baseline "$T/base.json" --budgets "$T/b.json" \
    --today 2027-01-01 --color never --brief
grep -Eq "^expired-waiver +pipeline/\*/cold/cpu/1000000 +waiver" "$T/out" || fail "no expired-waiver verdict"
grep -Eq "^breach +pipeline/path/cold/cpu/1000000" "$T/out" || fail "breach not reinstated"

# colour: never without a terminal unless asked; NO_COLOR wins over auto
# (head2.json: b.json's pipeline budget matches nothing in head.json, which fails)
expect 0 "$PG" check --results "$T/head2.json" --budgets "$T/b.json" --today 2026-06-01 --color always
grep -q $'\033\[' "$T/out" || fail "--color always gave no colour"
if command -v script >/dev/null; then  # a pseudo-terminal, so "auto" sees a TTY
    tty_run() { script -qec "$1" /dev/null </dev/null >"$T/tty" 2>&1; }
    tty_run "'$PG' check --results '$T/head2.json' --budgets '$T/b.json' --today 2026-06-01"
    grep -q $'\033\[' "$T/tty" || fail "no colour on a terminal"
    tty_run "NO_COLOR=1 '$PG' check --results '$T/head2.json' --budgets '$T/b.json' --today 2026-06-01"
    grep -q "gate passed" "$T/tty" || fail "NO_COLOR run failed"
    grep -q $'\033\[' "$T/tty" && fail "colour despite NO_COLOR"
fi

# compare: same data both sides -> ratio 1, nothing significant
expect 0 "$PG" compare --color never "$T/base.json" "$T/base.json"
grep -q "16 benchmarks; 0 significantly slower in B, 0 faster" "$T/out" || fail "compare summary"
grep -Eq "^indicators/ema0/hot/cpu/1024 .* 1\.000x \[" "$T/out" || fail "compare ratio"
echo ok
