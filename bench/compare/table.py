#!/usr/bin/python3
"""table.py - the side-by-side table from bench/compare/run.sh's results files.

  table.py [--markdown] [--load FILE] [--talib DIR] c-1.json ... py-1.json ...

c-*.json are talib_compare's (Google Benchmark JSON, compare/<kernel>.<impl>/hot/cpu/<n>,
one row per repetition), py-*.json pandas_side.py's ({"benchmarks": {name: [ns, ...]}}).
Every cell is the median CPU time of all the samples of all rounds, per element (ns);
the ratios divide by perfgate's median of the same kernel and size.  TA-Lib's EMA and
MACD stand against ema_scan and macd_scan too (they compute the same numbers), as do
pandas' ewm calls.  Standard library only.
"""
import argparse
import json
import re
import statistics
import sys

ORDER = ["sma", "ema", "ema_scan", "rsi", "macd", "macd_scan", "rolling_std", "volatility",
         "volume_z", "kyles_lambda", "hasbrouck", "features", "entropy", "hurst", "phase",
         "kuramoto"]
SAME_AS = {"ema_scan": "ema", "macd_scan": "macd"}  # the TA-Lib row that computes the same
NAME = re.compile(r"^compare/([a-z0-9_]+)\.(perfgate|talib|pandas)/hot/cpu/([0-9]+)$")
TALIB_HOW = {"rolling_std": "STDDEV x sqrt(20/19)", "volatility": "ROCP + STDDEV",
             "volume_z": "SMA + STDDEV"}


def samples(paths):
    out = {}
    for p in paths:
        doc = json.load(open(p))
        rows = doc.get("benchmarks")
        if isinstance(rows, dict):  # pandas_side.py
            for name, v in rows.items():
                out.setdefault(name, []).extend(float(x) for x in v)
            continue
        for r in rows:
            if r.get("run_type", "iteration") != "iteration" or r.get("error_occurred"):
                continue
            unit = {"ns": 1, "us": 1e3, "ms": 1e6, "s": 1e9}[r.get("time_unit", "ns")]
            out.setdefault(r.get("run_name", r["name"]), []).append(r["cpu_time"] * unit)
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--markdown", action="store_true")
    ap.add_argument("--load", help="uptime lines of the run")
    ap.add_argument("--talib", default="", help="the TA-Lib tree used (for the heading)")
    ap.add_argument("files", nargs="+")
    a = ap.parse_args()
    s = samples(a.files)
    med = {}
    for name, v in s.items():
        m = NAME.match(name)
        if m:
            med[(m.group(1), m.group(2), int(m.group(3)))] = (statistics.median(v) / int(m.group(3)),
                                                               len(v))
    sizes = sorted({k[2] for k in med})
    if not sizes:
        sys.exit("table.py: no compare/* benchmarks in those files")
    if a.load:
        print("load (uptime) before and after each round:")
        for line in open(a.load):
            print("  " + line.strip())
    print("TA-Lib: " + (a.talib or "not given (no TA-Lib column)"))
    print("CPU time per element, ns, median over all samples of all rounds (samples in brackets)")
    print()
    head = ["kernel", "n", "perfgate", "TA-Lib", "TA-Lib / perfgate", "pandas/numpy",
            "pandas / perfgate"]
    rows = []
    for k in ORDER:
        for n in sizes:
            pg = med.get((k, "perfgate", n))
            if not pg:
                continue
            ta = med.get((SAME_AS.get(k, k), "talib", n))
            pd_ = med.get((k, "pandas", n))
            cell = lambda x: f"{x[0]:.3g} [{x[1]}]" if x else "-"
            ratio = lambda x: f"{x[0] / pg[0]:.3g}x" if x else "-"
            label = k
            if ta and k in TALIB_HOW:
                label += f" (TA-Lib: {TALIB_HOW[k]})"
            if ta and k in SAME_AS:
                label += f" (TA-Lib: {SAME_AS[k].upper()})"
            rows.append([label, str(n), cell(pg), cell(ta), ratio(ta), cell(pd_), ratio(pd_)])
    if a.markdown:
        print("| " + " | ".join(head) + " |")
        print("|" + "---|" * len(head))
        for r in rows:
            print("| " + " | ".join(r) + " |")
    else:
        w = [max(len(r[i]) for r in rows + [head]) for i in range(len(head))]
        for r in [head] + rows:
            print("  ".join(c.ljust(w[i]) for i, c in enumerate(r)))


if __name__ == "__main__":
    main()
