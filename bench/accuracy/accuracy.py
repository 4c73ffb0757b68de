#!/usr/bin/python3
"""accuracy.py - measures perfgate's false-alarm and detection rates.

Run through bench/accuracy/run.sh (which builds the variants first).  For
each injected slowdown of pg_sma (0 = A/A, 2, 5, 10 %; slowdown.c) and each
mode it runs trials and counts, per benchmark and trial, whether the gate
flagged a regression:
  check         baseline run of tpbench_acc_0, then a run of the variant,
                `perfgate check --baseline` (Mann-Whitney + Hodges-Lehmann),
                judged twice on the same files: strict (budgets.json, 1 %)
                and default tolerances (budgets_default.json: hot 5 %);
  compare.py    Google Benchmark's U test on the very same two files
                (flagged: p < 0.05 and the head's median real time is larger);
  ab            `perfgate ab` interleaved, paired (with its confirmation
                looks), once with --budgets budgets.json (1 %) and once with
                budgets_default.json (5 %);
  instructions  `perfgate ab --mode instructions` (callgrind counts).
A/A trials are of two kinds, counted apart:
  same binary   every benchmark at level 0 (tpbench_acc_0 against itself);
  other binary  the untouched ema/rsi benchmarks at levels 2, 5, 10: the
                same kernel code, linked into a different binary (its code
                layout, and so its speed, may differ by a percent or two).
Trials run level by level inside one trial loop (trial 1 of every mode and
level, then trial 2, ...), so stopping early leaves balanced counts.  Every
verdict goes to $OUT_JSONL as it is made (default: accuracy-trials.jsonl in
the current folder); --table FILE reprints the table from such a file.
Rates come with 95 % Wilson intervals.

PROGRAM=foreign measures a Google Benchmark program that is not perfgate's
instead (tests/foreign/foreign_bench.cc, Debian's libbenchmark): level 0 is
foreign_bench, levels 2 and 5 foreign_bench_2pct and _5pct, whose
BM_Accumulate sums 2 or 5 % more numbers per iteration (BM_Copy is
untouched: the other-binary A/A); runs go through --benchmark_out.
"""
import json, math, os, subprocess, sys, tempfile, time

SRC = os.environ.get("PG_SOURCE_DIR", "")
BUILD = os.environ.get("PG_BUILD_DIR", "")
TRIALS = int(os.environ.get("TRIALS", "20"))
REPS = os.environ.get("REPS", "6")               # check: repetitions per run
ROUNDS = os.environ.get("ROUNDS", "")            # ab: --rounds ('' = perfgate's default)
PROGRAM = os.environ.get("PROGRAM", "tpbench")   # or "foreign"
FOREIGN = PROGRAM == "foreign"
FILTER = os.environ.get("FILTER", "." if FOREIGN else "^indicators/(sma|ema|rsi)/hot/cpu/(16384|65536)$")
LEVELS = [int(x) for x in os.environ.get("LEVELS", "0,2,5" if FOREIGN else "0,2,5,10").split(",")]
MODES = os.environ.get("MODES", "check,ab,ab-default,instructions").split(",")
INSTR_TRIALS = int(os.environ.get("INSTR_TRIALS", "2"))
CONFIRM = os.environ.get("CONFIRM", "10s")
OUT_JSONL = os.environ.get("OUT_JSONL", "accuracy-trials.jsonl")
PERFGATE = os.path.join(BUILD, "cli", "perfgate")
def VARIANT(pct):
    if FOREIGN:
        return os.path.join(BUILD, "tests", "foreign",
                            "foreign_bench" if pct == 0 else "foreign_bench_%dpct" % pct)
    return os.path.join(BUILD, "bench", "accuracy", "tpbench_acc_%d" % pct)
BUDGETS = os.path.join(SRC, "bench", "accuracy", "budgets.json")
BUDGETS_DEFAULT = os.path.join(SRC, "bench", "accuracy", "budgets_default.json")
COMPARE = "/usr/share/benchmark/compare.py"
AFFECTED = "BM_Accumulate/" if FOREIGN else "indicators/sma/"
ROWS = ["check", "check-default", "compare.py", "ab", "ab-default", "instructions"]

def wilson(k, n, z=1.959964):
    if n == 0:
        return (float("nan"), float("nan"))
    p = k / n
    d = 1 + z * z / n
    c = (p + z * z / (2 * n)) / d
    h = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / d
    return (max(0.0, c - h), min(1.0, c + h))

log = None
def record(mode, name, level, flagged, **extra):
    rec = dict(mode=mode, benchmark=name, level=level, flagged=bool(flagged), **extra)
    log.write(json.dumps(rec) + "\n")
    log.flush()

def run(argv, **kw):
    return subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kw)

def tpbench(binary, out):
    outargs = ["--benchmark_out=" + out, "--benchmark_out_format=json"] if FOREIGN else ["--out=" + out]
    r = run([binary, "--benchmark_filter=" + FILTER, "--benchmark_repetitions=" + REPS,
             "--benchmark_min_time=0.01"] + outargs)
    if r.returncode != 0:
        sys.exit("accuracy: %s failed: %s" % (binary, r.stderr[-500:]))

def check_verdicts(tmp, base, head, budgets, mode, level):
    verdicts = os.path.join(tmp, mode + ".json")
    r = run([PERFGATE, "check", "--results", head, "--baseline", base, "--budgets", budgets,
             "--json", verdicts, "--color", "never"])
    if r.returncode not in (0, 1):
        sys.exit("accuracy: check failed: " + r.stderr[-500:])
    with open(verdicts) as f:
        doc = json.load(f)
    for v in doc.get("verdicts", doc if isinstance(doc, list) else []):
        if str(v.get("metric", "")).startswith("regression:"):
            record(mode, v["benchmark"], level,
                   v.get("verdict") == "regression" or v.get("kind") == "regression",
                   ratio=v.get("ratio"), metric=v.get("metric"))

def trial_check(tmp, level):
    base, head = os.path.join(tmp, "base.json"), os.path.join(tmp, "head.json")
    tpbench(VARIANT(0), base)
    tpbench(VARIANT(level), head)
    check_verdicts(tmp, base, head, BUDGETS, "check", level)
    check_verdicts(tmp, base, head, BUDGETS_DEFAULT, "check-default", level)
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
            record("compare.py", b["name"], level, p < 0.05 and slower)

def trial_ab(tmp, level, mode):
    out = os.path.join(tmp, "ab.json")
    argv = [PERFGATE, "ab", "--base", VARIANT(0), "--head", VARIANT(level),
            "--budgets", BUDGETS_DEFAULT if mode == "ab-default" else BUDGETS,
            "--confirm-budget", CONFIRM, "--benchmark_filter=" + FILTER, "--json", out,
            "--color", "never", "--workdir", os.path.join(tmp, "work")]
    if ROUNDS:
        argv += ["--rounds", ROUNDS]
    if mode == "instructions":
        argv += ["--mode", "instructions"]
    t0 = time.time()
    r = run(argv)
    wall = time.time() - t0
    if r.returncode not in (0, 1):
        sys.exit("accuracy: ab failed: " + r.stderr[-800:])
    with open(out) as f:
        doc = json.load(f)
    for b in doc["benchmarks"]:
        record(mode, b["benchmark"], level, b["final"]["verdict"] == "regression",
               verdict=b["final"]["verdict"], ratio=b["final"]["ratio"],
               lo=b["final"]["ratio_lo"], hi=b["final"]["ratio_hi"], rounds=b["rounds"],
               wall=wall)

def kind_of(rec):
    if AFFECTED in rec["benchmark"] and rec["level"] > 0:
        return "detect"
    return "aa-same" if rec["level"] == 0 else "aa-other"

def cell(recs):
    n = len(recs)
    if n == 0:
        return "-"
    k = sum(r["flagged"] for r in recs)
    lo, hi = wilson(k, n)
    return "%d/%d = %.1f %% [%.1f, %.1f]" % (k, n, 100 * k / n, 100 * lo, 100 * hi)

def table(recs):
    lines = ["| mode | A/A same binary | A/A other binary | 2 % detected | 5 % detected | 10 % detected |",
             "|---|---|---|---|---|---|"]
    label = {"check": "check, 1 % tolerance", "check-default": "check, default 5 %",
             "compare.py": "compare.py U test (real time)", "ab": "ab, 1 % tolerance",
             "ab-default": "ab, default 5 %", "instructions": "instructions, 1 %"}
    for mode in ROWS:
        mr = [r for r in recs if r["mode"] == mode]
        if not mr:
            continue
        cells = [cell([r for r in mr if kind_of(r) == "aa-same"]),
                 cell([r for r in mr if kind_of(r) == "aa-other"])]
        for lv in (2, 5, 10):
            cells.append(cell([r for r in mr if kind_of(r) == "detect" and r["level"] == lv]))
        lines.append("| %s | %s |" % (label[mode], " | ".join(cells)))
    out = ["\n".join(lines), ""]
    for mode in ("ab", "ab-default"):
        mr = [r for r in recs if r["mode"] == mode]
        if not mr:
            continue
        aa = [r for r in mr if kind_of(r) != "detect"]
        inc = sum(r.get("verdict") == "inconclusive" for r in aa)
        rounds = sorted(r["rounds"] for r in mr)
        walls = sorted({(r["level"], r["wall"]) for r in mr}, key=lambda x: x[1])
        w = [x[1] for x in walls]
        out.append("%s: A/A benchmark-trials inconclusive %d/%d; rounds per benchmark median %d, "
                   "max %d; wall per run median %.1f s, max %.1f s" %
                   (mode, inc, len(aa), rounds[len(rounds) // 2], rounds[-1], w[len(w) // 2], w[-1]))
    for lv in (2, 5, 10):
        # the time effect actually injected: median paired ratio of sma in ab
        rs = sorted(r["ratio"] for r in recs if r["mode"] in ("ab", "ab-default")
                    and kind_of(r) == "detect" and r["level"] == lv and r.get("ratio"))
        if rs:
            out.append("ab: " + AFFECTED + " head/base time at %d %%: median %.4f (quartiles %.4f, %.4f; %d runs)" %
                       (lv, rs[len(rs) // 2], rs[len(rs) // 4], rs[3 * len(rs) // 4], len(rs)))
    for lv in (2, 5, 10):
        ratios = sorted({round(r["ratio"], 5) for r in recs
                         if r["mode"] == "instructions" and kind_of(r) == "detect" and r["level"] == lv})
        if ratios:
            out.append("instructions: " + AFFECTED + " head/base at %d %%: %s" % (lv, ", ".join("%.5f" % x for x in ratios)))
    return "\n".join(out)

def main():
    global log
    global AFFECTED
    if len(sys.argv) == 3 and sys.argv[1] == "--table":
        with open(sys.argv[2]) as f:
            recs = [json.loads(l) for l in f if l.strip() and not l.startswith("#")]
        # the program the trials ran (their header says; older files: tpbench)
        if any(r.get("program") == "foreign" for r in recs if "start" in r):
            AFFECTED = "BM_Accumulate/"
        print(table([r for r in recs if "mode" in r]))
        return
    log = open(OUT_JSONL, "a")
    t0 = time.time()
    log.write(json.dumps({"start": time.strftime("%Y-%m-%d %H:%M:%S"), "loadavg": os.getloadavg(),
                          "trials": TRIALS, "modes": MODES, "levels": LEVELS, "confirm": CONFIRM,
                          "rounds": ROUNDS or "default", "reps": REPS, "filter": FILTER,
                          "program": PROGRAM}) + "\n")
    for i in range(TRIALS):
        for level in LEVELS:
            for mode in MODES:
                if mode == "instructions" and i >= INSTR_TRIALS:
                    continue
                with tempfile.TemporaryDirectory() as tmp:
                    if mode == "check":
                        trial_check(tmp, level)
                    else:
                        trial_ab(tmp, level, mode)
        print("accuracy: trial %d of %d done (%.0f s, load %.2f)" %
              (i + 1, TRIALS, time.time() - t0, os.getloadavg()[0]), file=sys.stderr)
        log.write(json.dumps({"trial_done": i + 1, "elapsed": time.time() - t0,
                              "loadavg": os.getloadavg()}) + "\n")
        log.flush()
    log.close()
    with open(OUT_JSONL) as f:
        recs = [json.loads(l) for l in f if l.strip()]
    print(table([r for r in recs if "mode" in r]))
    print("trials: %d per mode and level (instructions: %d); program %s; filter %s; %.0f s" %
          (TRIALS, INSTR_TRIALS, PROGRAM, FILTER, time.time() - t0))

if __name__ == "__main__":
    main()
