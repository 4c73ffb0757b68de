#!/usr/bin/python3
"""accuracy.py - measures perfgate's false-alarm and detection rates.

Run through bench/accuracy/run.sh (which builds the variants first).  For
each injected slowdown of pg_sma (0 = A/A, 2, 5, 10 %; slowdown.c) and each
mode it runs trials and counts, per benchmark and trial, whether the gate
flagged a regression:
  check         baseline run of tpbench_acc_0, then a run of the variant,
                `perfgate check --baseline` (Mann-Whitney + Hodges-Lehmann);
  compare.py    Google Benchmark's U test on the very same two files
                (flagged: p < 0.05 and the head's median is slower);
  ab            `perfgate ab` interleaved, paired (with confirmation);
  instructions  `perfgate ab --mode instructions` (callgrind counts).
Benchmarks other than sma are untouched by the variant, so their verdicts
count as A/A trials in every condition.  Rates come with 95 % Wilson
intervals.  Everything uses a 1 % tolerance (budgets.json, --tolerance 1%):
a slowdown of 2 % is then a regression the gate should catch.
"""
import json, math, os, subprocess, sys, tempfile, time

SRC = os.environ["PG_SOURCE_DIR"]
BUILD = os.environ["PG_BUILD_DIR"]
TRIALS = int(os.environ.get("TRIALS", "8"))
ROUNDS = os.environ.get("ROUNDS", "6")
FILTER = os.environ.get("FILTER", "^indicators/(sma|ema|rsi)/hot/cpu/(16384|65536)$")
LEVELS = [int(x) for x in os.environ.get("LEVELS", "0,2,5,10").split(",")]
MODES = os.environ.get("MODES", "check,ab,instructions").split(",")
PERFGATE = os.path.join(BUILD, "cli", "perfgate")
VARIANT = lambda pct: os.path.join(BUILD, "bench", "accuracy", "tpbench_acc_%d" % pct)
BUDGETS = os.path.join(SRC, "bench", "accuracy", "budgets.json")
COMPARE = "/usr/share/benchmark/compare.py"
AFFECTED = "indicators/sma/"

def wilson(k, n, z=1.959964):
    if n == 0:
        return (float("nan"), float("nan"))
    p = k / n
    d = 1 + z * z / n
    c = (p + z * z / (2 * n)) / d
    h = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / d
    return (max(0.0, c - h), min(1.0, c + h))

# tally[(mode, kind, level)] = [flagged, trials]; kind "aa" or "detect"
tally = {}
rounds_used = {}
def count(mode, name, level, flagged):
    kind = "detect" if (AFFECTED in name and level > 0) else "aa"
    key = (mode, kind, level if kind == "detect" else 0)
    t = tally.setdefault(key, [0, 0])
    t[0] += int(bool(flagged))
    t[1] += 1

def run(argv, **kw):
    return subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kw)

def tpbench(binary, out, reps):
    r = run([binary, "--benchmark_filter=" + FILTER, "--benchmark_repetitions=%d" % reps,
             "--benchmark_min_time=0.01", "--out=" + out])
    if r.returncode != 0:
        sys.exit("accuracy: %s failed: %s" % (binary, r.stderr[-500:]))

def trial_check(tmp, level):
    base, head = os.path.join(tmp, "base.json"), os.path.join(tmp, "head.json")
    tpbench(VARIANT(0), base, int(ROUNDS))
    tpbench(VARIANT(level), head, int(ROUNDS))
    verdicts = os.path.join(tmp, "check.json")
    r = run([PERFGATE, "check", "--results", head, "--baseline", base, "--budgets", BUDGETS,
             "--json", verdicts, "--color", "never"])
    if r.returncode not in (0, 1):
        sys.exit("accuracy: check failed: " + r.stderr[-500:])
    with open(verdicts) as f:
        doc = json.load(f)
    for v in doc.get("verdicts", doc if isinstance(doc, list) else []):
        if str(v.get("metric", "")).startswith("regression:"):
            count("check", v["benchmark"], level, v.get("verdict") == "regression" or v.get("kind") == "regression")
    cmp_json = os.path.join(tmp, "cmp.json")
    r = run(["/usr/bin/python3", COMPARE, "--no-color", "-d", cmp_json, "benchmarks", base, head])
    if r.returncode != 0:
        sys.exit("accuracy: compare.py failed: " + r.stderr[-500:])
    with open(cmp_json) as f:
        for b in json.load(f):
            u = b.get("utest") or {}
            p = u.get("time_pvalue")
            if p is None or b.get("run_type") == "aggregate":
                continue
            meas = b.get("measurements") or [{}]
            med = lambda v: sorted(v)[len(v) // 2]
            slower = med([m["real_time_other"] for m in meas]) > med([m["real_time"] for m in meas])
            count("compare.py", b["name"], level, p < 0.05 and slower)

def trial_ab(tmp, level, mode):
    out = os.path.join(tmp, "ab.json")
    argv = [PERFGATE, "ab", "--base", VARIANT(0), "--head", VARIANT(level), "--rounds", ROUNDS,
            "--tolerance", "1%", "--confirm-budget", os.environ.get("CONFIRM", "30s"),
            "--benchmark_filter=" + FILTER, "--json", out, "--color", "never",
            "--workdir", os.path.join(tmp, "work")]
    if mode == "instructions":
        argv += ["--mode", "instructions"]
    r = run(argv)
    if r.returncode not in (0, 1):
        sys.exit("accuracy: ab failed: " + r.stderr[-800:])
    with open(out) as f:
        doc = json.load(f)
    for b in doc["benchmarks"]:
        count(mode, b["benchmark"], level, b["final"]["verdict"] == "regression")
        if mode == "ab":
            rounds_used.setdefault(level, []).append(b["rounds"])
            if b["final"]["verdict"] == "inconclusive":
                count("ab-inconclusive", b["benchmark"], level, True)
            else:
                count("ab-inconclusive", b["benchmark"], level, False)
        if mode == "instructions" and AFFECTED in b["benchmark"]:
            effective.setdefault(level, set()).add(round(b["final"]["ratio"], 5))

effective = {}

def main():
    t0 = time.time()
    for level in LEVELS:
        for mode in MODES:
            n = 2 if mode == "instructions" else TRIALS
            for i in range(n):
                with tempfile.TemporaryDirectory() as tmp:
                    if mode == "check":
                        trial_check(tmp, level)
                    else:
                        trial_ab(tmp, level, mode)
            print("accuracy: %d%% %s done (%.0f s)" % (level, mode, time.time() - t0), file=sys.stderr)
    lines = []
    lines.append("| mode | A/A false alarms (per benchmark) | 2 % detected | 5 % detected | 10 % detected |")
    lines.append("|---|---|---|---|---|")
    for mode in ["check", "compare.py", "ab", "instructions"]:
        if mode not in MODES and not (mode == "compare.py" and "check" in MODES):
            continue
        cells = []
        for kind, level in [("aa", 0), ("detect", 2), ("detect", 5), ("detect", 10)]:
            k, n = tally.get((mode, kind, level), [0, 0])
            if n == 0:
                cells.append("-")
                continue
            lo, hi = wilson(k, n)
            cells.append("%d/%d = %.1f %% [%.1f, %.1f]" % (k, n, 100 * k / n, 100 * lo, 100 * hi))
        lines.append("| %s | %s |" % (mode, " | ".join(cells)))
    k, n = tally.get(("ab-inconclusive", "aa", 0), [0, 0])
    print("\n".join(lines))
    print("\nab: A/A benchmark-trials left inconclusive: %d/%d" % (k, n))
    for lv, used in sorted(rounds_used.items()):
        print("ab: %d %%: rounds per benchmark (with confirmation): median %d, max %d" %
              (lv, sorted(used)[len(used) // 2], max(used)))
    for lv, ratios in sorted(effective.items()):
        print("instructions: sma head/base at %d %%: %s" % (lv, ", ".join("%.5f" % r for r in sorted(ratios))))
    print("trials: %d per mode and level (instructions: 2); filter %s; rounds/repetitions %s; %.0f s" %
          (TRIALS, FILTER, ROUNDS, time.time() - t0))

main()
