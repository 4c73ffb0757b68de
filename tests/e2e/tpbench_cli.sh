#!/usr/bin/env bash
# tpbench_cli.sh - tpbench end to end: usage errors (exit 2 with a message
# saying what is accepted), --list and the name format, a small real run
# whose JSON compare.py reads unchanged, seed determinism of the recorded
# input digests, every profile present, the perfgate block complete, and
# counters that degrade to "unavailable: <reason>" without a crash.
set -u
BUILD=${PG_BUILD_DIR:?PG_BUILD_DIR must point at the build directory}
TPBENCH="$BUILD/bench/tpbench"
PY=/usr/bin/python3
COMPARE=/usr/share/benchmark/compare.py
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
fails=0
fail() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }

# expect CODE STDERR_SUBSTRING -- ARGS...
expect() {
    local code=$1 needle=$2
    shift 3
    "$TPBENCH" "$@" >"$TMP/out" 2>"$TMP/err"
    local rc=$?
    [ "$rc" -eq "$code" ] || fail "tpbench $*: exit $rc, expected $code"
    grep -qF -- "$needle" "$TMP/err" || fail "tpbench $*: stderr lacks '$needle': $(cat "$TMP/err")"
}

# --- usage ---
"$TPBENCH" --help >"$TMP/help" 2>&1 || fail "--help exits $?"
grep -q "usage: tpbench" "$TMP/help" || fail "--help prints no usage"
grep -q "indicators, pipeline, calibration, harness" "$TMP/help" || fail "--help lists no suites"
expect 2 "tpbench: unknown option '--bogus': expected --seed=N, --suite=LIST" -- --bogus
expect 2 "tpbench: unknown suite 'nosuch': expected one of indicators, pipeline, calibration, harness" -- --suite=nosuch --list
expect 2 "unknown profile 'warm': expected hot, cold, first or all" -- --profile=warm
expect 2 "bad size 'big'" -- --size=big
expect 2 "unexpected argument 'stray'" -- stray
expect 2 "no benchmark matches" -- --suite=calibration --size=3
expect 2 "unknown Google Benchmark flag '--benchmark_nosuch=1'" -- --benchmark_nosuch=1 --suite=harness

# --- list and names ---
"$TPBENCH" --list >"$TMP/list" || fail "--list exits $?"
bad=$(grep -cvE '^[a-z0-9_.-]+/[a-z0-9_.-]+/(hot|cold|first)/[a-z0-9_.-]+/[0-9]+$' "$TMP/list")
[ "$bad" -eq 0 ] || fail "$bad names do not match suite/kernel/profile/device/n"
for k in sma ema ema_scan volatility rsi macd macd_scan features entropy hurst phase kuramoto; do
    for n in 4096 16384 65536 1048576; do
        for p in hot cold; do
            grep -qx "indicators/$k/$p/cpu/$n" "$TMP/list" || fail "missing indicators/$k/$p/cpu/$n"
        done
    done
done
for n in 4096 16384 65536 1048576; do
    grep -qx "indicators/phase/first/cpu/$n" "$TMP/list" || fail "missing phase first $n"
done
for n in 10000 1000000; do
    for p in hot cold first; do
        grep -qx "pipeline/path/$p/cpu/$n" "$TMP/list" || fail "missing pipeline/path/$p/cpu/$n"
    done
done
for k in stream stream_1r3w fma_chain muladd_chain fft; do
    grep -q "^calibration/$k/hot/cpu/" "$TMP/list" || fail "missing calibration $k"
done
for n in 4 64; do
    grep -qx "calibration/process/first/cpu/$n" "$TMP/list" || fail "missing calibration/process $n"
done
grep -qx "harness/overhead/hot/cpu/1" "$TMP/list" || fail "missing harness/overhead"
grep -qx "harness/overhead_native/hot/cpu/1" "$TMP/list" || fail "missing harness/overhead_native"
# Every indicator kernel has a hot and a cold benchmark at every size.
n_cold=$("$TPBENCH" --list --profile=cold --size=4096 | wc -l)
n_hot=$("$TPBENCH" --list --suite=indicators --profile=hot --size=4096 | wc -l)
[ "$n_cold" -ge 10 ] && [ "$n_cold" -eq "$n_hot" ] \
    || fail "--profile=cold --size=4096 lists $n_cold, expected one per indicator kernel ($n_hot)"

# --- small real runs: seeds 7, 7 and 8 ---
run() { # OUT SEED [more flags]
    local out=$1 seed=$2
    shift 2
    "$TPBENCH" --suite=indicators,harness --size=4096,1 --first-children=2 --seed="$seed" \
        --benchmark_min_time=0.002 --out="$out" "$@" >"$out.txt" 2>&1 ||
        fail "tpbench run (seed $seed) exits $?: $(tail -5 "$out.txt")"
}
run "$TMP/a.json" 7
run "$TMP/b.json" 7
run "$TMP/c.json" 8 --benchmark_repetitions=2

"$PY" "$COMPARE" benchmarks "$TMP/a.json" "$TMP/b.json" >"$TMP/cmp" 2>&1 ||
    fail "compare.py a b exits $?: $(tail -5 "$TMP/cmp")"
"$PY" "$COMPARE" benchmarks "$TMP/a.json" "$TMP/c.json" >"$TMP/cmp2" 2>&1 ||
    fail "compare.py a c exits $?: $(tail -5 "$TMP/cmp2")"
grep -q "indicators/macd/hot/cpu/4096" "$TMP/cmp" || fail "compare.py output lacks macd"

"$PY" - "$TMP/a.json" "$TMP/b.json" "$TMP/c.json" <<'PYEOF' || fail "results checks (above)"
import json, re, sys
a, b, c = (json.load(open(p)) for p in sys.argv[1:4])
bad = []
name_re = re.compile(r'^[a-z0-9_.-]+/[a-z0-9_.-]+/(hot|cold|first)/[a-z0-9_.-]+/[0-9]+$')
for run in (a, b, c):
    for x in run["benchmarks"]:
        fields = ["name", "run_name", "run_type", "repetitions", "real_time", "cpu_time",
                  "time_unit", "iterations"]
        if x["run_type"] == "iteration":  # Google Benchmark gives aggregates none
            fields.append("repetition_index")
        for f in fields:
            if f not in x:
                bad.append("%s lacks %s" % (x.get("name"), f))
        if not name_re.match(x["run_name"]):
            bad.append("bad run_name %r" % x["run_name"])
profiles = {x["run_name"].split("/")[2] for x in a["benchmarks"]}
if profiles != {"hot", "cold", "first"}:
    bad.append("profiles in results: %s" % sorted(profiles))
first = [x for x in a["benchmarks"] if x["run_name"] == "indicators/phase/first/cpu/4096"
         and x["run_type"] == "iteration"]
if len(first) != 2:
    bad.append("first: %d samples, expected 2 (one per child)" % len(first))
pg = a["perfgate"]
for k in ("schema_version", "perfgate_version", "timestamp", "seed", "generator", "profiles",
          "suites", "first_children", "cold_eviction", "git_commit", "build_type", "compiler",
          "host", "papi", "cuda", "counters", "benchmarks"):
    if k not in pg:
        bad.append("perfgate lacks " + k)
# phase ran in this process, so its FFTW wisdom was looked for: the file it
# imported, or why none ("none: <reason>"), never "not loaded yet".
fw = pg.get("fftw_wisdom", "")
if not (fw.endswith("phase.wisdom") or (fw.startswith("none: ") and "not loaded" not in fw)):
    bad.append("perfgate.fftw_wisdom %r" % fw)
for k in ("cpu_model", "cores", "governor", "kernel"):
    if k not in pg["host"]:
        bad.append("perfgate.host lacks " + k)
for k in ("c", "c_flags", "cxx", "cxx_flags"):
    if k not in pg["compiler"]:
        bad.append("perfgate.compiler lacks " + k)
if not re.match(r'^[0-9a-f]{40}$|^unknown$', pg["git_commit"]):
    bad.append("git_commit %r" % pg["git_commit"])
if (a["perfgate"]["seed"], c["perfgate"]["seed"]) != (7, 8):
    bad.append("seeds recorded %s %s" % (a["perfgate"]["seed"], c["perfgate"]["seed"]))
names = {x["run_name"] for x in a["benchmarks"]}
if set(pg["benchmarks"]) != names:
    bad.append("perfgate.benchmarks %s != results %s" % (sorted(set(pg["benchmarks"]) ^ names), ""))
for name, info in pg["benchmarks"].items():
    if name.startswith("harness/"):
        continue
    da = info["input_digest"]
    db = b["perfgate"]["benchmarks"][name]["input_digest"]
    dc = c["perfgate"]["benchmarks"][name]["input_digest"]
    if not re.match(r'^fnv1a64:[0-9a-f]{16}$', da):
        bad.append("%s digest %r" % (name, da))
    if da != db:
        bad.append("%s: same seed, digests differ: %s %s" % (name, da, db))
    if da == dc:
        bad.append("%s: seeds 7 and 8, same digest %s" % (name, da))
# the same input for every profile of a kernel
for k in ("sma", "phase"):
    ds = {pg["benchmarks"]["indicators/%s/%s/cpu/4096" % (k, p)]["input_digest"]
          for p in (["hot", "cold", "first"] if k == "phase" else ["hot", "cold"])}
    if len(ds) != 1:
        bad.append("%s: profiles saw different inputs %s" % (k, ds))
for m in bad:
    print("  " + m)
sys.exit(1 if bad else 0)
PYEOF

# --- counters degrade ---
"$TPBENCH" --suite=indicators --size=4096 --profile=hot,first --first-children=1 \
    --benchmark_filter=phase --benchmark_min_time=0.002 \
    --counters=instructions,cycles,cache,branch,software,bogus::EVENT \
    --out="$TMP/k.json" >"$TMP/k.txt" 2>&1 || fail "counters run exits $?: $(tail -5 "$TMP/k.txt")"
"$PY" - "$TMP/k.json" <<'PYEOF' || fail "counter checks (above)"
import json, sys
d = json.load(open(sys.argv[1]))
ev = d["perfgate"]["counters"]["events"]
bad = []
want = ["PAPI_TOT_INS", "PAPI_TOT_CYC", "PAPI_L1_DCM", "PAPI_L2_DCM", "PAPI_L3_TCM",
        "PAPI_BR_INS", "PAPI_BR_MSP", "perf::PAGE-FAULTS", "perf::CONTEXT-SWITCHES",
        "perf::TASK-CLOCK", "bogus::EVENT"]
if list(ev) != want:
    bad.append("events %s" % list(ev))
if not ev.get("bogus::EVENT", "").startswith("unavailable: "):
    bad.append("bogus::EVENT: %r" % ev.get("bogus::EVENT"))
runs = [x for x in d["benchmarks"] if x["run_type"] == "iteration"]
if {x["run_name"] for x in runs} != {"indicators/phase/hot/cpu/4096", "indicators/phase/first/cpu/4096"}:
    bad.append("ran %s" % sorted({x["run_name"] for x in runs}))
for x in runs:
    for e, st in ev.items():
        if not (st.startswith("available") or st.startswith("unavailable: ")):
            bad.append("%s status %r" % (e, st))
        if st.startswith("available") != (e in x) or (e in x) != (e + "_per_item" in x):
            bad.append("%s: %s is %s but counter present=%s" % (x["name"], e, st, e in x))
    short = d["perfgate"]["benchmarks"][x["run_name"]]["counters"]
    for e, st in ev.items():
        if short[e] != ("available" if st.startswith("available") else st):
            bad.append("%s short status %r" % (e, short[e]))
    if "peak_rss_bytes" not in x:
        bad.append("no peak_rss_bytes in " + x["name"])
print("counter status on this machine:")
for e, st in ev.items():
    print("  %-24s %s" % (e, st))
for m in bad:
    print("  " + m)
sys.exit(1 if bad else 0)
PYEOF

# --- repetitions interleaved by default, and said ---
for flag in "" --benchmark_enable_random_interleaving=false --benchmark_enable_random_interleaving=true; do
    "$TPBENCH" --suite=harness --profile=hot --benchmark_repetitions=2 \
        --benchmark_min_time=0.001 $flag --out="$TMP/il.json" >/dev/null 2>&1 || fail "run with '$flag'"
    want=true; [ "$flag" = --benchmark_enable_random_interleaving=false ] && want=false
    got=$("$PY" -c 'import json,sys; print(str(json.load(open(sys.argv[1]))["perfgate"]["interleaved"]).lower())' "$TMP/il.json")
    [ "$got" = "$want" ] || fail "'$flag': interleaved $got, expected $want"
done

if [ "$fails" -ne 0 ]; then
    echo "$fails check(s) failed" >&2
    exit 1
fi
echo "tpbench_cli: all checks passed"
