#!/usr/bin/env python3
"""gate_runs.py - the table of bench/accuracy/gate_runs.sh: whole-gate verdicts.

    bench/accuracy/gate_runs.py gate-runs/trials.jsonl [--markdown]

For each kind of trial (normal: the default gate on a fresh clone; slowed:
the same clone with tpbench_slowed) it counts red runs with a 95 % Wilson
interval, gives the gate's own time (the line "gate: ... in N s"), the load
average at the start, and, over the normal trials, every verdict that
failed and the closest call: the largest median/ceiling of any relative or
absolute limit (how near the default budgets came to a false alarm).
Standard library only.
"""
import json
import os
import statistics
import sys
from collections import defaultdict

from accuracy import wilson  # the same interval as the accuracy table


def main():
    path = sys.argv[1]
    rows = [json.loads(line) for line in open(path) if line.strip()]
    kinds = defaultdict(list)
    for r in rows:
        kinds[r["kind"]].append(r)
    print("| trials | runs | red (exit 1) | exit 2 | red rate [95 % Wilson] | gate s, median (max) | load1 at start, median (range) |")
    print("|---|---|---|---|---|---|---|")
    for kind in ("normal", "slowed"):
        rs = kinds.get(kind, [])
        if not rs:
            continue
        red = sum(1 for r in rs if r["exit"] == 1)
        bad = sum(1 for r in rs if r["exit"] not in (0, 1))
        lo, hi = wilson(red, len(rs))
        gs = [r["gate_s"] for r in rs if r.get("gate_s") is not None]
        loads = [r["load1"] for r in rs]
        print("| %s | %d | %d | %d | %.0f %% [%.0f, %.0f] | %s | %.2f (%.2f-%.2f) |" % (
            kind, len(rs), red, bad, 100.0 * red / len(rs), 100 * lo, 100 * hi,
            "%.0f (%.0f)" % (statistics.median(gs), max(gs)) if gs else "-",
            statistics.median(loads), min(loads), max(loads)))

    fails = defaultdict(int)
    closest = defaultdict(float)
    nverdicts = []
    for r in kinds.get("normal", []):
        vpath = os.path.join(r["dir"], "verdict.json")
        if not os.path.exists(vpath):
            continue
        d = json.load(open(vpath))
        nverdicts.append(len(d["verdicts"]))
        for v in d["verdicts"]:
            if v.get("fails"):
                fails[(v["benchmark"], v["verdict"])] += 1
            # A relative limit is a ratio to the calibration ("ratio"); the
            # others bound the median itself.
            lim = v.get("limit")
            val = v.get("ratio") if v.get("unit") == "ratio" else v.get("median")
            if isinstance(lim, (int, float)) and isinstance(val, (int, float)) and lim > 0:
                closest[v["benchmark"]] = max(closest[v["benchmark"]], val / lim)
    if nverdicts:
        print("\nverdicts per normal run: %d-%d" % (min(nverdicts), max(nverdicts)))
    if fails:
        print("\nfailing verdicts in normal trials:")
        for (b, k), c in sorted(fails.items(), key=lambda x: -x[1]):
            print("  %dx %s %s" % (c, k, b))
    if closest:
        print("\nclosest calls (largest median/ceiling over the normal trials):")
        for b, q in sorted(closest.items(), key=lambda x: -x[1])[:10]:
            print("  %.2f %s" % (q, b))


if __name__ == "__main__":
    main()
