#!/usr/bin/env bash
# evidence_cli.sh - perfgate evidence / evidence verify: the bundle holds the
# results, budgets, verdicts, waivers, environment, history excerpt and
# report with a SHA-256 manifest sha256sum agrees with; the exit status is
# the gate's; verify names every changed, added and missing file (exit 1);
# bad input leaves no bundle behind (exit 2).
. "$(dirname "$0")/lib.bash"
GEN="$PG_SOURCE_DIR/tests/e2e/gen_results.py"

expect 0 "$PG" evidence --help
grep -q "^usage: perfgate evidence" "$T/out" || fail "evidence --help"
expect 0 "$PG" evidence verify --help
expect 2 "$PG" evidence --out "$T/x"
grep -q "results is required" "$T/err" || fail "missing --results not said"
expect 2 "$PG" evidence --out "$T/x" --results r.json --budgts b
grep -q "did you mean '--budgets'" "$T/err" || fail "no suggestion"
expect 2 "$PG" evidence verify
expect 2 "$PG" evidence verify "$T"
grep -q "MANIFEST.sha256" "$T/err" || fail "no manifest not said"

python3 "$GEN" --benchmarks 8 --reps 10 --seed 1 --out "$T/base.json"
python3 "$GEN" --benchmarks 8 --reps 10 --seed 2 --out "$T/head.json"
mkdir -p "$T/budgets"
cat >"$T/budgets/b.json" <<'JSON'
{ "version": 1,
  "budgets": [ { "match": "indicators/*", "absolute": { "median_real_time": "10s" } } ],
  "waivers": [ { "match": "indicators/ema0/*", "reason": "new allocator",
                 "ticket": "TP-9", "expires": "2030-01-01" } ] }
JSON
"$PG" history add "$T/base.json" --history "$T/h.sqlite" >/dev/null || fail "history add"
"$PG" history add "$T/head.json" --history "$T/h.sqlite" >/dev/null || fail "history add"
mkdir -p "$T/report/charts" && echo '<html></html>' >"$T/report/index.html" && echo png >"$T/report/charts/a.png"

B="$T/rel/v1.0"
expect 0 "$PG" evidence --out "$B" --results "$T/head.json" --budgets "$T/budgets" \
    --baseline "$T/base.json" --history "$T/h.sqlite" --report "$T/report" --today 2026-06-01
grep -q "gate PASSED" "$T/out" || fail "evidence summary"
for f in README.md results.json baseline.json budgets/b.json verdict.json summary.md junit.xml \
         verdicts.txt waivers.json environment.json history.json report/index.html \
         report/charts/a.png MANIFEST.sha256; do
    [ -f "$B/$f" ] || fail "$f not in the bundle"
done
ls "$T/rel" | grep -q tmp && fail "temporary folder left behind"
cmp -s "$B/results.json" "$T/head.json" || fail "results not copied byte for byte"
# the manifest lists every other file, sorted, and sha256sum agrees with it
[ "$(wc -l <"$B/MANIFEST.sha256")" -eq 13 ] || fail "manifest does not list 13 files"
cut -c67- "$B/MANIFEST.sha256" | sort -c || fail "manifest not sorted"
(cd "$B" && sha256sum --quiet -c MANIFEST.sha256) || fail "sha256sum disagrees with the manifest"
python3 - "$B" <<'PY' || fail "bundle content"
import json, sys
b = sys.argv[1]
w = json.load(open(b + "/waivers.json"))
assert w[0]["ticket"] == "TP-9" and w[0]["status"] == "active", w
env = json.load(open(b + "/environment.json"))
assert "benchmarks" not in (env["perfgate"] or {}) and env["bundle"]["perfgate_version"]
h = json.load(open(b + "/history.json"))
assert h["backend"] == "sqlite" and len(h["runs"]) == 2, h
v = json.load(open(b + "/verdict.json"))
assert v, "no verdicts"
readme = open(b + "/README.md").read()
assert "**Gate: PASSED**" in readme and "TP-9" in readme and "| benchmarks | 8 |" in readme
PY
expect 0 "$PG" evidence verify "$B"
grep -q "13 files match the manifest" "$T/out" || fail "verify summary"

# a bundle is written once
expect 2 "$PG" evidence --out "$B" --results "$T/head.json" --budgets "$T/budgets"
grep -q "already exists" "$T/err" || fail "existing bundle not refused"

# tampering: one changed, one added, one missing, each named, exit 1
cp -r "$B" "$T/t1"
echo '{}' >"$T/t1/verdict.json"
echo extra >"$T/t1/report/charts/extra.svg"
rm "$T/t1/budgets/b.json"
expect 1 "$PG" evidence verify "$T/t1"
grep -q "^changed: verdict.json$" "$T/err" || fail "changed file not named"
grep -q "^added: report/charts/extra.svg$" "$T/err" || fail "added file not named"
grep -q "^missing: budgets/b.json$" "$T/err" || fail "missing file not named"
grep -q "1 changed, 1 added, 1 missing" "$T/err" || fail "verify tally"
# a one-byte change of the results is caught
cp -r "$B" "$T/t2"
sed -i '0,/real_time/s/real_time/real_timf/' "$T/t2/results.json"
expect 1 "$PG" evidence verify "$T/t2"
grep -q "^changed: results.json$" "$T/err" || fail "edited results not caught"
# a manifest that points outside the bundle is refused
cp -r "$B" "$T/t3"
echo "$(sha256sum "$T/head.json" | cut -c1-64)  ../head.json" >>"$T/t3/MANIFEST.sha256"
expect 2 "$PG" evidence verify "$T/t3"
grep -q "MANIFEST.sha256:14:1: expected" "$T/err" || fail "escaping path not refused"

# the gate failing: the bundle is still written, says so, exit 1
cat >"$T/tight.json" <<'JSON'
{ "version": 1, "budgets": [ { "match": "*", "absolute": { "median_real_time": "1ns" } } ] }
JSON
expect 1 "$PG" evidence --out "$T/failed" --results "$T/head.json" --budgets "$T/tight.json"
grep -q "gate FAILED" "$T/out" || fail "failed gate not said"
grep -q "Gate: FAILED" "$T/failed/README.md" || fail "README does not say FAILED"
expect 0 "$PG" evidence verify "$T/failed"

# bad input: exit 2, no bundle, no temporary folder
printf '{"benchmarks": [\n  {"name": }]}' >"$T/bad.json"
expect 2 "$PG" evidence --out "$T/bad" --results "$T/bad.json" --budgets "$T/budgets"
grep -q "bad.json:2:" "$T/err" || fail "bad results not positioned"
[ -e "$T/bad" ] && fail "bundle written from bad input"
expect 2 "$PG" evidence --out "$T/bad" --results "$T/head.json" --budgets "$T/budgets" \
    --history "$T/nohistory.sqlite"
[ -e "$T/bad" ] && fail "bundle written without its history"
[ -e "$T/nohistory.sqlite" ] && fail "a missing history was created"
ls "$T" | grep -q 'bad.tmp' && fail "temporary folder left behind"
echo "evidence_cli: ok"
