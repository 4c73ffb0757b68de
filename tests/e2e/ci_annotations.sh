#!/usr/bin/env bash
# ci_annotations.sh - scripts/gh_annotations.py turns the failing verdicts of
# `perfgate check --json` into GitHub ::error commands on the budget's file
# and line (relative to the checkout), with the owner; passing verdicts give
# none; a hostile benchmark name (newline, "::", %, comma, colon) stays
# inside one escaped command; unreadable input exits 2.
set -u
: "${PG_BUILD_DIR:?}" "${PG_SOURCE_DIR:?}"
PG="$PG_BUILD_DIR/cli/perfgate"
ANN="$PG_SOURCE_DIR/scripts/gh_annotations.py"
GEN="$PG_SOURCE_DIR/tests/e2e/gen_results.py"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

mkdir -p "$T/repo/budgets"
cat >"$T/repo/budgets/b.json" <<'JSON'
{
  "version": 1,
  "budgets": [
    { "match": "indicators/sma0/*", "regression": { "max": "5%" }, "owner": "kernels-team" },
    { "match": "indicators/ema0/*", "regression": { "max": "5%" } }
  ]
}
JSON
python3 "$GEN" --benchmarks 2 --reps 10 --seed 3 --out "$T/base.json" || fail "gen base"
python3 "$GEN" --benchmarks 2 --reps 10 --seed 4 --slow 'indicators/sma0/*=1.5' --out "$T/head.json" \
    || fail "gen head"
(cd "$T/repo" && "$PG" check --results "$T/head.json" --baseline "$T/base.json" --budgets budgets/b.json \
    --json "$T/v.json" --color never >"$T/check.out" 2>&1)
[ $? -eq 1 ] || { cat "$T/check.out"; fail "the slowed sma should fail the check"; }

python3 "$ANN" "$T/v.json" --root "$T/repo" >"$T/ann" || fail "annotations exit $?"
[ "$(wc -l <"$T/ann")" -eq 1 ] || { cat "$T/ann"; fail "want exactly one annotation (only sma fails)"; }
grep -Eq '^::error file=budgets/b\.json,line=4,title=regression \(regression%3A(cpu|real)_time\) indicators/sma0/hot/cpu/1024::indicators/sma0/hot/cpu/1024: .* \(owner: kernels-team\)$' "$T/ann" \
    || { cat "$T/ann"; fail "annotation lacks file, line, title or owner"; }

# A hostile name cannot break out of its command.
python3 - "$T/v.json" "$T/hostile.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
v = next(v for v in d["verdicts"] if v["fails"])
v["benchmark"] = "evil\n::set-output name=x::1,a:b%0A"
v["budget_file"] = "b,ad:file.json"
json.dump(d, open(sys.argv[2], "w"))
PY
python3 "$ANN" "$T/hostile.json" --root "$T/repo" >"$T/ann2" || fail "hostile: exit $?"
[ "$(wc -l <"$T/ann2")" -eq 1 ] || { cat "$T/ann2"; fail "a hostile name split the command"; }
grep -q '^::set-output' "$T/ann2" && fail "a hostile name started a command"
grep -Fq 'file=b%2Cad%3Afile.json' "$T/ann2" || { cat "$T/ann2"; fail "file property not escaped"; }
grep -Fq '::evil%0A::set-output name=x::1,a:b%250A' "$T/ann2" || { cat "$T/ann2"; fail "message not escaped"; }

# Nothing fails: nothing printed.  Bad input: exit 2 with the file named.
"$PG" check --results "$T/base.json" --baseline "$T/base.json" --budgets "$T/repo/budgets/b.json" \
    --json "$T/pass.json" --color never >/dev/null 2>&1 || fail "A/A check should pass"
python3 "$ANN" "$T/pass.json" >"$T/ann3" || fail "pass: exit $?"
[ -s "$T/ann3" ] && { cat "$T/ann3"; fail "a passing gate gave annotations"; }
echo '{"verdicts": [' >"$T/bad.json"
python3 "$ANN" "$T/bad.json" >"$T/ann4" 2>"$T/err4"; [ $? -eq 2 ] || fail "malformed JSON: want exit 2"
grep -q "bad.json" "$T/err4" || fail "malformed JSON: file not named"
echo "ok"
