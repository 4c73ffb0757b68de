#!/usr/bin/env bash
# merge_cli.sh - perfgate merge: real tpbench shards (one suite each) merge
# into a run the gate reads like one tpbench run; shards from another seed,
# commit, host or build are refused (exit 2, both files named) unless told
# otherwise; duplicate benchmarks are always refused; input is read by
# the reader check uses (gate/json.c); malformed JSON is named
# file:line:column; the output is written atomically (a failed merge leaves
# an existing output untouched).
. "$(dirname "$0")/lib.bash"
TB="$PG_BUILD_DIR/bench/tpbench"
export PERFGATE_GIT_COMMIT=0123456789abcdef0123456789abcdef01234567

# usage
expect 0 "$PG" merge --help
grep -q "^usage: perfgate merge" "$T/out" || fail "merge --help"
expect 2 "$PG" merge a.json
grep -q "out is required" "$T/err" || fail "missing -o not said"
expect 2 "$PG" merge --froce a.json -o x.json
grep -q "unknown option '--froce'; did you mean '--force'?" "$T/err" || fail "no suggestion"
expect 2 "$PG" merge "$T/none.json" -o "$T/x.json"

# two real shards, one suite each
run() { "$TB" --benchmark_min_time=0.001 --benchmark_repetitions=10 "$@" >/dev/null 2>"$T/tb.err" \
        || { cat "$T/tb.err" >&2; fail "tpbench $*"; }; }
run --suite=calibration --profile=hot --out="$T/cal.json"   # process/first: seconds, nothing to merge
run --suite=harness --out="$T/har.json"
expect 0 "$PG" merge "$T/cal.json" "$T/har.json" -o "$T/m.json"
grep -q "merged 2 files" "$T/err" || fail "merge summary"
python3 - "$T/cal.json" "$T/har.json" "$T/m.json" <<'PY' || fail "merged content"
import json, sys
a, b, m = (json.load(open(p)) for p in sys.argv[1:])
assert m["benchmarks"] == a["benchmarks"] + b["benchmarks"], "rows not concatenated in order"
assert m["context"] == a["context"], "context is not the first shard's"
pm = m["perfgate"]["benchmarks"]
assert set(pm) == set(a["perfgate"]["benchmarks"]) | set(b["perfgate"]["benchmarks"])
assert pm["harness/overhead/hot/cpu/1"] == b["perfgate"]["benchmarks"]["harness/overhead/hot/cpu/1"]
assert m["perfgate"]["suites"] == "calibration,harness", m["perfgate"]["suites"]
assert m["perfgate"]["git_commit"] == "0123456789abcdef0123456789abcdef01234567"
mg = m["perfgate"]["merged"]
assert [f["suites"] for f in mg["from"]] == ["calibration", "harness"]
assert mg["forced"] is False and mg["differences"] == []
PY
# the gate reads the merged run: every benchmark of both shards is judged
cat >"$T/b.json" <<'JSON'
{ "version": 1, "budgets": [ { "match": "*", "absolute": { "median_real_time": "10s" } } ] }
JSON
expect 0 "$PG" check --results "$T/m.json" --budgets "$T/b.json" --json "$T/v.json" --color never
for name in calibration/stream/hot/cpu/4194304 harness/overhead/hot/cpu/1; do
    grep -q "\"$name\"" "$T/v.json" || fail "$name not judged after the merge"
done
# merging the merged file with a third shard works too (no overlap)
run --suite=calibration --profile=hot --out="$T/dup.json"

# duplicates: always refused, even with --force
expect 2 "$PG" merge "$T/m.json" "$T/dup.json" -o "$T/x.json" --force
# (which one is named first follows the file's order: tpbench interleaves
# its repetitions, so that is not fixed)
grep -q "benchmark 'calibration/[^']*' is in '$T/m.json' and in '$T/dup.json'" "$T/err" \
    || fail "duplicate not named: $(cat "$T/err")"

# a different seed: refused, then merged with --force and recorded
run --suite=harness --seed=8 --out="$T/seed8.json"
echo keep >"$T/x.json"
expect 2 "$PG" merge "$T/cal.json" "$T/seed8.json" -o "$T/x.json"
grep -q "'$T/seed8.json' has seed 8 but '$T/cal.json' has 7" "$T/err" || fail "seed refusal"
[ "$(cat "$T/x.json")" = keep ] || fail "a refused merge touched the output"
expect 0 "$PG" merge "$T/cal.json" "$T/seed8.json" -o "$T/x.json" --force
grep -q "warning: seed" "$T/err" || fail "forced difference not reported"
python3 -c "import json,sys; m=json.load(open(sys.argv[1]))['perfgate']['merged']; assert m['forced'] and 'seed' in m['differences'][0]" "$T/x.json" \
    || fail "forced difference not recorded"

# another commit, another build type, another host: doctored copies
doctor() { # in out python-statement-on-pg
    python3 - "$1" "$2" "$3" <<'PY'
import json, sys
d = json.load(open(sys.argv[1])); pg = d["perfgate"]
exec(sys.argv[3])
json.dump(d, open(sys.argv[2], "w"))
PY
}
doctor "$T/har.json" "$T/commit.json" 'pg["git_commit"] = "f" * 40'
expect 2 "$PG" merge "$T/cal.json" "$T/commit.json" -o "$T/x.json"
grep -q "git_commit" "$T/err" || fail "commit refusal"
doctor "$T/har.json" "$T/debug.json" 'pg["build_type"] = "Debug" if pg["build_type"] != "Debug" else "Release"'
other=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['perfgate']['build_type'])" "$T/debug.json")
mine=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['perfgate']['build_type'])" "$T/cal.json")
expect 2 "$PG" merge "$T/cal.json" "$T/debug.json" -o "$T/x.json"
grep -q "build_type \"$other\" but '$T/cal.json' has \"$mine\"" "$T/err" || fail "build type refusal"
doctor "$T/har.json" "$T/ver.json" 'pg["perfgate_version"] = "9.9.9"'
expect 2 "$PG" merge "$T/cal.json" "$T/ver.json" -o "$T/x.json"
grep -q "perfgate_version" "$T/err" || fail "version refusal"
doctor "$T/har.json" "$T/host.json" 'pg["host"]["cpu_model"] = "Other CPU"; pg["host"]["hostname"] = "runner-2"'
expect 2 "$PG" merge "$T/cal.json" "$T/host.json" -o "$T/x.json"
grep -q "allow-different-hosts" "$T/err" || fail "host refusal does not name the option"
expect 0 "$PG" merge "$T/cal.json" "$T/host.json" -o "$T/x.json" --allow-different-hosts
# --allow-different-hosts does not let another commit through
expect 2 "$PG" merge "$T/cal.json" "$T/commit.json" -o "$T/x.json" --allow-different-hosts
# a foreign Google Benchmark file (no perfgate block) beside a perfgate one
doctor "$T/har.json" "$T/foreign.json" 'del d["perfgate"]'
expect 2 "$PG" merge "$T/cal.json" "$T/foreign.json" -o "$T/x.json"
grep -q "has none" "$T/err" || fail "missing perfgate block not said"

# malformed input: file:line:column
printf '{"benchmarks": [\n  {"name": 1,}]}' >"$T/bad.json"
expect 2 "$PG" merge "$T/cal.json" "$T/bad.json" -o "$T/x.json"
grep -q "bad.json:2:14: " "$T/err" || fail "no position for malformed JSON"
echo '[1, 2]' >"$T/arr.json"
expect 2 "$PG" merge "$T/arr.json" -o "$T/x.json"
grep -q "arr.json:1:1: expected '{' (a Google Benchmark results object)" "$T/err" \
    || fail "wrong shape not said"
# a repeated member is read as check reads it (the last one wins), not
# refused here and accepted there
python3 - "$T/cal.json" "$T/dupkey.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
text = json.dumps(d)
# the first "benchmarks" member is an empty decoy; the last one is the data
open(sys.argv[2], "w").write('{"benchmarks": [], ' + text[1:])
PY
expect 0 "$PG" merge "$T/dupkey.json" -o "$T/dk.json"
python3 -c 'import json,sys; assert len(json.load(open(sys.argv[1]))["benchmarks"]) == len(json.load(open(sys.argv[2]))["benchmarks"]) > 0' \
    "$T/dk.json" "$T/cal.json" || fail "repeated member: the last one is not the one merged"
# no temporary files left behind
ls "$T" | grep -q '\.tmp' && fail "temporary file left behind"
echo "merge_cli: ok"
