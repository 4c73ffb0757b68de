#!/usr/bin/env python3
"""gen_results.py - writes a synthetic Google Benchmark JSON results file.

For perfgate's gate tests and its speed figure (10,000 benchmarks x 30
repetitions).  Standard library only.  Same arguments, same bytes: every
sample comes from random.Random(seed).

  gen_results.py --benchmarks 10000 --reps 30 --seed 1 --out R.json
  gen_results.py ... --slow 'indicators/b17/*=1.2'  (multiply matching medians)
  gen_results.py ... --aggregates                    (add mean/median/stddev/cv rows)
"""
import argparse
import fnmatch
import json
import random
import sys

KERNELS = ["ema", "sma", "rsi", "macd", "vol", "entropy", "hurst", "phase"]


def names(count):
    out = []
    i = 0
    while len(out) < count:
        k = KERNELS[i % len(KERNELS)]
        group = i // (len(KERNELS) * 2)
        prof = "hot" if (i // len(KERNELS)) % 2 == 0 else "cold"
        out.append("indicators/%s%d/%s/cpu/%d" % (k, group, prof, 1024 << (group % 8)))
        i += 1
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--benchmarks", type=int, default=100)
    ap.add_argument("--reps", type=int, default=10)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--noise", type=float, default=0.02, help="relative sd of samples")
    ap.add_argument("--slow", action="append", default=[], help="GLOB=FACTOR")
    ap.add_argument("--aggregates", action="store_true")
    ap.add_argument("--unit", default="ns", choices=["ns", "us", "ms", "s"])
    ap.add_argument("--out", default="-")
    a = ap.parse_args()
    rng = random.Random(a.seed)
    base = random.Random(12345)  # medians independent of --seed: runs are comparable
    slow = []
    for s in a.slow:
        pat, fac = s.rsplit("=", 1)
        slow.append((pat, float(fac)))
    scale = {"ns": 1.0, "us": 1e-3, "ms": 1e-6, "s": 1e-9}[a.unit]
    rows = []
    for fam, name in enumerate(names(a.benchmarks)):
        n = int(name.rsplit("/", 1)[1])
        med = n * base.uniform(0.5, 4.0)  # ns
        for pat, fac in slow:
            if fnmatch.fnmatchcase(name, pat):
                med *= fac
        samples = []
        for r in range(a.reps):
            rt = med * (1.0 + rng.gauss(0.0, a.noise)) * scale
            ct = rt * 0.98
            samples.append(rt)
            rows.append({
                "name": name, "family_index": fam, "per_family_instance_index": 0,
                "run_name": name, "run_type": "iteration", "repetitions": a.reps,
                "repetition_index": r, "threads": 1, "iterations": 1000,
                "real_time": rt, "cpu_time": ct, "time_unit": a.unit,
                "items_per_second": n / (ct / scale) * 1e9,
            })
        if a.aggregates and a.reps > 1:
            srt = sorted(samples)
            mean = sum(srt) / len(srt)
            mid = len(srt) // 2
            median = srt[mid] if len(srt) % 2 else 0.5 * (srt[mid - 1] + srt[mid])
            sd = (sum((x - mean) ** 2 for x in srt) / (len(srt) - 1)) ** 0.5
            for agg, v in (("mean", mean), ("median", median), ("stddev", sd), ("cv", sd / mean)):
                rows.append({
                    "name": name + "_" + agg, "family_index": fam,
                    "per_family_instance_index": 0, "run_name": name,
                    "run_type": "aggregate", "repetitions": a.reps, "threads": 1,
                    "aggregate_name": agg,
                    "aggregate_unit": "percentage" if agg == "cv" else "time",
                    "iterations": a.reps, "real_time": v, "cpu_time": v * 0.98,
                    "time_unit": a.unit,
                })
    doc = {
        "context": {
            "date": "2026-11-26T12:00:00+00:00", "host_name": "gen",
            "executable": "gen_results.py", "num_cpus": 2, "mhz_per_cpu": 2000,
            "cpu_scaling_enabled": False, "library_build_type": "release",
            "caches": [], "load_avg": [0.1, 0.1, 0.1],
        },
        "benchmarks": rows,
    }
    text = json.dumps(doc, indent=2) + "\n"
    if a.out == "-":
        sys.stdout.write(text)
    else:
        with open(a.out, "w") as f:
            f.write(text)


if __name__ == "__main__":
    main()
