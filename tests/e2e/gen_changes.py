#!/usr/bin/env python3
"""gen_changes.py - synthetic runs for the change-point tests (issue 22).

Writes OUT/PREFIXNN.json, Google Benchmark JSON, one file a run, from a
seeded generator: the same bytes every time.  Each run's level gets 1 %
noise, each of its 5 repetitions 0.5 % more.

  default      x/step 3 % slower from run 40, x/creep 0.4 % slower a run,
               x/flat and y/flat (history_changes.sh, report_changes.sh)
  --flat       only x/flat and y/flat
  --hostile F  also the benchmark named by the JSON string in file F (any
               bytes a name may hold), from its own generator (the others
               stay as they are), 6 % slower from run 20
"""
import argparse
import json
import math
import random


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--runs", type=int, default=60)
    ap.add_argument("--prefix", default="r")
    ap.add_argument("--seed", type=int, default=22)
    ap.add_argument("--flat", action="store_true")
    ap.add_argument("--hostile")
    a = ap.parse_args()
    hostile = json.load(open(a.hostile)) if a.hostile else None
    rng = random.Random(a.seed)
    rng2 = random.Random(a.seed + 1)
    for run in range(a.runs):
        level = {"x/flat": 42.0, "y/flat": 7e6}
        if not a.flat:
            level = {"x/step": 1000.0 * (1.03 if run >= 40 else 1.0),
                     "x/creep": 5e5 * 1.004 ** run, **level}
        series = [(n, lv, rng) for n, lv in level.items()]
        if hostile:
            series.append((hostile, 3e3 * (1.06 if run >= 20 else 1.0), rng2))
        rows = []
        for name, lv, r in series:
            med = lv * math.exp(r.gauss(0, 0.01))  # the run's level
            for rep in range(5):
                t = med * math.exp(r.gauss(0, 0.005))
                rows.append({"name": name, "run_name": name, "run_type": "iteration",
                             "repetitions": 5, "repetition_index": rep, "iterations": 100,
                             "real_time": t, "cpu_time": t, "time_unit": "ns"})
        doc = {"context": {"date": "2026-12-01T00:00:00+00:00", "host_name": "ci",
                           "num_cpus": 2, "library_build_type": "release"},
               "benchmarks": rows}
        with open("%s/%s%02d.json" % (a.out, a.prefix, run), "w") as f:
            json.dump(doc, f)


if __name__ == "__main__":
    main()
