#!/usr/bin/env python3
"""suggest_budgets.py - budgets from a measured tpbench run, with margins.

    scripts/suggest_budgets.py RESULTS.json [--margin-hot 3] [--margin-cold 4]
                               [--exclude-file budgets/machines/epyc-zen4-avx512.json] \
                               > budgets/default.json

How budgets/default.json was made (docs/budgets.md).  One budget per
suite/kernel/profile (a glob over the sizes), each a ceiling on the
per-element time relative to a calibration benchmark of the *same run*, so
the file holds on other machines:

  - hot: CPU time relative to the dependent-FMA chain (calibration/fma_chain):
    CPU time leaves out the time another process holds the core, and a
    latency-bound chain moves with the machine's clock like the kernels do
    (the memory stream does not: its time swings with the other core's
    traffic);
  - cold and first: real time (their CPU time also counts the untimed input
    refill and cache eviction, or the parent), relative to the same chain.

The ceiling is the largest ratio measured over the sizes times the margin
(default 3 hot, 4 cold/first), rounded up to two significant digits.  Globs
that another budget file already sets (--exclude-file) are left out, so the
two files do not overlap with conflicting limits.  Every other benchmark of
the run (calibration, harness) gets a budget too, so none is unbudgeted.
Standard library only.
"""
import argparse
import json
import math
import statistics
import sys
from collections import defaultdict

REF = "calibration/fma_chain/hot/cpu/1048576"
UNIT_NS = {"ns": 1.0, "us": 1e3, "ms": 1e6, "s": 1e9}


def nice(x):
    e = 10 ** math.floor(math.log10(x))
    return round(math.ceil(x / e * 10) / 10 * e, 6)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("results")
    ap.add_argument("--margin-hot", type=float, default=3.0)
    ap.add_argument("--margin-cold", type=float, default=4.0)
    ap.add_argument("--exclude-file", action="append", default=[])
    a = ap.parse_args()

    d = json.load(open(a.results))
    items = {k: v.get("items_per_iteration", 1.0) for k, v in d["perfgate"]["benchmarks"].items()}
    samples = defaultdict(lambda: {"real_time": [], "cpu_time": []})
    for b in d["benchmarks"]:
        if b.get("run_type") != "iteration" or b.get("error_occurred"):
            continue
        u = UNIT_NS[b["time_unit"]]
        for m in ("real_time", "cpu_time"):
            samples[b["run_name"]][m].append(b[m] * u)
    if REF not in samples:
        sys.exit("suggest_budgets: %s is not in %s" % (REF, a.results))
    ref = {m: statistics.median(samples[REF][m]) / items[REF] for m in ("real_time", "cpu_time")}

    taken = set()
    for f in a.exclude_file:
        for b in json.load(open(f))["budgets"]:
            taken.add(b["match"])

    worst = defaultdict(float)
    for name, s in samples.items():
        suite, kernel, profile, device, n = name.split("/")
        if suite in ("calibration", "harness"):
            continue
        metric = "cpu_time" if profile == "hot" else "real_time"
        ratio = statistics.median(s[metric]) / items[name] / ref[metric]
        key = (suite, kernel, profile, device)
        worst[key] = max(worst[key], ratio)

    budgets = []
    for (suite, kernel, profile, device), r in sorted(worst.items()):
        glob = "%s/%s/%s/%s/*" % (suite, kernel, profile, device)
        if glob in taken:
            continue
        hot = profile == "hot"
        b = {"match": glob,
             "relative": {"to": REF, "max_ratio": nice(r * (a.margin_hot if hot else a.margin_cold)),
                          "per_element": True, "metric": "cpu_time" if hot else "real_time"},
             "owner": "strategy" if suite == "pipeline" else "signals"}
        if profile == "first":
            b["repetitions"] = 5
            b["description"] = "first call in a fresh process: 5 child processes per make gate run"
        budgets.append(b)
    budgets += [
        {"match": "calibration/*/hot/cpu/*", "owner": "perfgate", "severity": "warn",
         "description": "the machine's floors: recorded and compared with the baseline, never a failure"},
        {"match": "harness/overhead/hot/cpu/1", "absolute": {"median_cpu_time": "10ns"}, "owner": "perfgate",
         "description": "the C API's cost per iteration (an indirect call); about 1.5 ns here"},
        {"match": "harness/overhead_native/hot/cpu/1", "owner": "perfgate", "severity": "warn",
         "description": "the same empty loop written against Google Benchmark: the reference for harness/overhead"},
        {"match": "gpu/*", "absolute": {"gpu_kernel_time": "20ms", "gpu_transfer_time": "200ms"}, "owner": "gpu",
         "optional": True,
         "description": "GPU kernels and host-device transfers at up to 16M points; tpbench runs the gpu suite "
                        "by default only where a GPU is present (optional: a run without it is no problem), "
                        "and asked for without one it times the CPU kernel (device cpu in the name) and these "
                        "limits are unavailable"},
    ]
    doc = {"$schema": "./schema.json", "version": 1,
           "description": "perfgate's default budgets: every default tpbench benchmark. Kernel ceilings are "
                          "per-element times relative to the dependent-FMA calibration chain of the same run "
                          "(hot: CPU time; cold and first: real time), about %gx (hot) and %gx (cold, first) "
                          "what a shared 2-core VM measures; made by scripts/suggest_budgets.py. Regressions "
                          "against a baseline follow TradePulse's rule (hot 5 %%, cold 10 %%)."
                          % (a.margin_hot, a.margin_cold),
           "defaults": {"repetitions": 10, "alpha": 0.05, "min_effect": "2%"},
           "budgets": budgets, "waivers": []}
    json.dump(doc, sys.stdout, indent=2)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
