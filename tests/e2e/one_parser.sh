#!/usr/bin/env bash
# one_parser.sh - every command reads a results file through the one
# reader check uses (gate/json.c), with the same rules (#18 item 6): a file
# with a UTF-8 byte order mark, an integer above 2^63 and 1e400 in fields
# the gate ignores is accepted by check, merge, evidence and history add
# alike, from a file and from a pipe; history add keeps its commit and
# environment from a pipe; malformed input gets the same file:line:column
# message from each of them.
. "$(dirname "$0")/lib.bash"
COMMIT=feedc0ffee0123456789abcdef0123456789abcd

# The odd file: a BOM, 2^64 and 1e400 where the gate does not look, and a
# perfgate block with the commit.
python3 - "$PG_SOURCE_DIR/tests/e2e/gate_data/good_results.json" "$T/odd.json" "$COMMIT" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
d["context"]["huge_int"] = "@HUGE_INT@"
d["context"]["far"] = "@FAR@"
d["perfgate"] = {"git_commit": sys.argv[3], "seed": 7,
                 "host": {"cpu_model": "Odd CPU", "hostname": "odd"}}
text = json.dumps(d, indent=1)
text = text.replace('"@HUGE_INT@"', "18446744073709551616").replace('"@FAR@"', "1e400")
open(sys.argv[2], "wb").write(b"\xef\xbb\xbf" + text.encode())
PY
cat >"$T/b.json" <<'JSON'
{ "version": 1, "budgets": [ { "match": "indicators/*", "absolute": { "median_real_time": "1s" } } ] }
JSON

# check accepts it, from a file and from a pipe
expect 0 "$PG" check --results "$T/odd.json" --budgets "$T/b.json" --color never
expect 0 sh -c "cat '$T/odd.json' | '$PG' check --results /dev/stdin --budgets '$T/b.json' --color never"

# merge accepts it and carries the odd members: 2^64 as a number, 1e400
# (which no double holds) as its own text
expect 0 "$PG" merge "$T/odd.json" -o "$T/m.json"
python3 - "$T/m.json" <<'PY' || fail "merged file: $(head -c 600 "$T/m.json")"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["context"]["huge_int"] == 18446744073709551616.0, d["context"]["huge_int"]
assert d["context"]["far"] == "1e400", d["context"]["far"]
assert len(d["benchmarks"]) == 10
PY
expect 0 sh -c "cat '$T/odd.json' | '$PG' merge /dev/stdin -o '$T/m2.json'"
python3 - "$T/m.json" "$T/m2.json" <<'PY' || fail "merge from a pipe differs from merge of the file"
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:])
for d in (a, b):  # where the inputs came from, the only difference
    d["perfgate"].pop("merged")
assert a == b
PY

# evidence accepts it; the bundle keeps the bytes judged, from a pipe too
expect 0 "$PG" evidence --out "$T/ev" --results "$T/odd.json" --budgets "$T/b.json"
cmp -s "$T/odd.json" "$T/ev/results.json" || fail "bundle's results.json is not the file"
python3 - "$T/ev/environment.json" "$COMMIT" <<'PY' || fail "environment.json"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["perfgate"]["git_commit"] == sys.argv[2], d["perfgate"]
assert d["context"]["far"] == "1e400", d["context"]
PY
grep -q "$COMMIT" "$T/ev/README.md" || fail "README lacks the commit"
expect 0 sh -c "cat '$T/odd.json' | '$PG' evidence --out '$T/ev2' --results /dev/stdin --budgets '$T/b.json'"
cmp -s "$T/odd.json" "$T/ev2/results.json" || fail "bundle from a pipe lost the results"

# history add keeps the commit and the environment, from a pipe too
expect 0 sh -c "cat '$T/odd.json' | '$PG' history add /dev/stdin --history '$T/h.sqlite'"
expect 0 "$PG" history show latest --history "$T/h.sqlite"
grep -q "$COMMIT" "$T/out" || { cat "$T/out"; fail "history add from a pipe dropped the commit"; }
grep -q "Odd CPU" "$T/out" || { cat "$T/out"; fail "history add from a pipe dropped the environment"; }

# malformed input: one message, one position, whichever command reads it
printf '{"benchmarks": [\n  {"name": 1,}]}' >"$T/bad.json"
want="bad.json:2:14: "
for cmd in "check --results $T/bad.json --budgets $T/b.json" \
           "merge $T/bad.json -o $T/x.json" \
           "evidence --out $T/evx --results $T/bad.json --budgets $T/b.json" \
           "history add $T/bad.json --history $T/h2.sqlite" \
           "compare $T/bad.json $T/odd.json"; do
    expect 2 $PG $cmd
    grep -q "$want" "$T/err" || { cat "$T/err"; fail "perfgate $cmd: no '$want'"; }
    msg=$(grep -o "$want.*" "$T/err" | head -1)
    [ -z "${first:-}" ] && first=$msg
    [ "$msg" = "$first" ] || fail "perfgate $cmd says '$msg', check says '$first'"
done
[ -e "$T/x.json" ] || [ -e "$T/evx" ] && fail "a refused input left output behind"
echo "one_parser: check, merge, evidence, history add and compare read alike: ok"
