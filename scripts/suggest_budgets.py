#!/usr/bin/env python3
"""suggest_budgets.py - default budgets from the measured spread of many gate runs.

    scripts/suggest_budgets.py RUN.json [RUN.json ...] [--prior budgets/default.json]
                               [--machine-margin 1.5] [--verdicts N] > budgets/default.json

How budgets/default.json is made (docs/budgets.md, docs/accuracy.md).  The
inputs are results files of `make gate` runs (tpbench with the gate's
flags), as many as there are: fresh processes, the other core busy, and more
than one kind of machine where they can be had.  Budgets per
suite/kernel/profile (a glob over the sizes whose ceilings are within 25 %
of each other, and an optional exact budget for each size beyond), each a
ceiling on the per-element time relative to a calibration benchmark of the
*same run*:

  - hot and cold: CPU time relative to the dependent-FMA chain
    (calibration/fma_chain); cold's CPU time is that of the timed call only
    (docs/harness.md);
  - first: CPU time relative to the fresh-process calibration
    (calibration/process/first), which costs what any first call costs on
    that machine (a new process, first-touched memory), so the ratio carries
    across machines where a ratio to an FMA chain does not.

The rule.  A gate run of V verdicts is a false alarm when any one verdict
fails; for the whole gate to cry wolf less than once in ten runs, each
verdict may fail at most p = 1 / (10 V) of the time.  For each benchmark the
runs give k per-run ratios (the gate's own estimate: median / median); their
logarithms have mean m and standard deviation s.  The next run's log ratio
lies below the one-sided prediction bound

    m + t(1 - p; k - 1) * s * sqrt(1 + 1/k)

with probability 1 - p (Student's t, which pays for estimating s from k
runs).  The ceiling is that bound (or the largest ratio seen, if larger)
times a machine margin (default 1.5) for machines nobody measured, rounded up to
two significant digits.  `--prior FILE` adds the ceilings of an earlier
file, measured on another machine, as a floor: a machine the new runs did
not see keeps the limits it was measured against.  Every other benchmark
of the run (calibration, harness, gpu) gets the budget it had, so none is
unbudgeted.  Standard library only.
"""
import argparse
import json
import math
import statistics
import sys
from collections import defaultdict

CHAIN = "calibration/fma_chain/hot/cpu/1048576"
PROCESS = "calibration/process/first/cpu/"
UNIT_NS = {"ns": 1.0, "us": 1e3, "ms": 1e6, "s": 1e9}


def nice(x):
    e = 10 ** math.floor(math.log10(x))
    return round(math.ceil(x / e * 10 - 1e-9) / 10 * e, 6)


def t_cdf(t, df):
    """Student's t CDF by Simpson's rule on its density (df >= 1)."""
    if t < 0:
        return 1.0 - t_cdf(-t, df)
    c = math.exp(math.lgamma((df + 1) / 2) - math.lgamma(df / 2)) / math.sqrt(df * math.pi)
    n = 2000
    h = t / n
    f = lambda x: c * (1 + x * x / df) ** (-(df + 1) / 2)
    s = f(0) + f(t) + sum((4 if i % 2 else 2) * f(i * h) for i in range(1, n))
    return 0.5 + s * h / 3


def t_quantile(q, df):
    lo, hi = 0.0, 1000.0
    for _ in range(100):
        mid = (lo + hi) / 2
        if t_cdf(mid, df) < q:
            lo = mid
        else:
            hi = mid
    return hi


def medians(path):
    """{name: {"real_time": ns, "cpu_time": ns, "items": items}} of one run."""
    d = json.load(open(path))
    items = {k: v.get("items_per_iteration", 1.0) for k, v in d["perfgate"]["benchmarks"].items()}
    samples = defaultdict(lambda: {"real_time": [], "cpu_time": []})
    for b in d["benchmarks"]:
        if b.get("run_type") != "iteration" or b.get("error_occurred"):
            continue
        u = UNIT_NS[b["time_unit"]]
        for m in ("real_time", "cpu_time"):
            samples[b["run_name"]][m].append(b[m] * u)
    out = {}
    for name, s in samples.items():
        out[name] = {m: statistics.median(v) for m, v in s.items() if v}
        out[name]["items"] = items.get(name, 1.0)
    return out


def reference(run, profile):
    if profile == "first":
        names = [n for n in run if n.startswith(PROCESS)]
        return max(names, key=lambda n: run[n]["items"]) if names else None
    return CHAIN if CHAIN in run else None


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("runs", nargs="+")
    ap.add_argument("--prior", help="an earlier budget file whose kernel ceilings stay as floors")
    ap.add_argument("--machine-margin", type=float, default=1.5)
    ap.add_argument("--verdicts", type=int, default=0, help="V (default: the benchmarks of the first run)")
    ap.add_argument("--report", action="store_true", help="print each budget's figures to stderr")
    a = ap.parse_args()

    runs = [medians(p) for p in a.runs]
    V = a.verdicts or len(runs[0])
    p = 1.0 / (10 * V)
    logs = defaultdict(lambda: defaultdict(list))   # glob -> name -> [log ratio]
    refs = {}
    for run in runs:
        for name, m in run.items():
            suite, kernel, profile, device, n = name.split("/")
            if suite in ("calibration", "harness", "gpu"):
                continue
            ref = reference(run, profile)
            if not ref:
                continue
            r = (m["cpu_time"] / m["items"]) / (run[ref]["cpu_time"] / run[ref]["items"])
            glob = "%s/%s/%s/%s/*" % (suite, kernel, profile, device)
            logs[glob][name].append(math.log(r))
            refs[glob] = ref

    prior = {}
    keep = []
    if a.prior:
        for b in json.load(open(a.prior))["budgets"]:
            if "relative" in b:
                prior[b["match"]] = (b["relative"]["to"], b["relative"]["max_ratio"])
            else:
                keep.append(b)

    budgets = []
    for glob in sorted(logs):
        # Each size's ceiling by the rule, then one glob for the sizes whose
        # ceilings lie within 25 % of the smallest, and an exact budget for
        # each size beyond (a 1M kernel that leaves the cache needs more room
        # than its 4096 one, and one glob at the largest ceiling would let a
        # 5x slowdown of the small sizes through).  The exact ones are
        # optional: a run of other sizes does not need them, and the glob
        # still fails closed when the kernel is missing.
        suite, kernel, profile, device, _ = glob.split("/")
        to, floor = prior.get(glob, (None, 0.0))
        floor = floor if to == refs[glob] else 0.0
        ceil = {}
        for name, ls in logs[glob].items():
            k = len(ls)
            bound = math.exp(max(ls))
            if k >= 3:
                m, s = statistics.mean(ls), statistics.stdev(ls)
                t = t_quantile(1 - p, k - 1)
                bound = max(bound, math.exp(m + t * s * math.sqrt(1 + 1 / k)))
            ceil[name] = max(nice(bound * a.machine_margin), floor)
            if a.report:
                sys.stderr.write("%-42s worst %8.3f bound %8.3f -> %8.3g (prior %g)\n"
                                 % (name, math.exp(max(ls)), bound, ceil[name], floor))
        low = min(ceil.values())
        group = [n for n in ceil if ceil[n] <= 1.25 * low]
        first = profile == "first"
        owner = "strategy" if suite == "pipeline" else "signals"

        def entry(match, limit, optional):
            b = {"match": match,
                 "relative": {"to": refs[glob], "max_ratio": limit, "per_element": True,
                              "metric": "cpu_time"},
                 "owner": owner}
            if optional:
                b["optional"] = True
            if first:
                b["repetitions"] = 5
                b["description"] = ("first call in a fresh process (5 child processes a run): CPU time "
                                    "of init + first call per point, against the fresh-process "
                                    "calibration's CPU time per page")
            return b

        budgets.append(entry(glob, max(ceil[n] for n in group), False))
        for n in sorted(ceil, key=lambda x: int(x.split("/")[-1])):
            if n not in group:
                budgets.append(entry(n, ceil[n], True))
    budgets += keep
    if not any(b["match"].startswith("calibration/process/") for b in keep):
        budgets.append({"match": "calibration/process/first/cpu/*", "owner": "perfgate", "severity": "warn",
                        "repetitions": 5,
                        "description": "what a fresh process costs (start /bin/true, first-touch N MiB): "
                                       "the reference of the first-call budgets, never a failure"})
    doc = {"$schema": "./schema.json", "version": 1,
           "description": ("perfgate's default budgets: every default tpbench benchmark. Kernel ceilings "
                           "are per-element CPU times relative to a calibration of the same run (hot and "
                           "cold: the dependent-FMA chain; first: the fresh-process calibration), set by "
                           "scripts/suggest_budgets.py from %d gate runs: the one-sided %.2g prediction "
                           "bound of each ratio (1 / (10 x %d verdicts)), x %.2g for unmeasured machines, "
                           "never below the earlier file's limit. Regressions against a baseline follow "
                           "TradePulse's rule (hot 5 %%, cold 10 %%)." % (len(runs), p, V, a.machine_margin)),
           "defaults": {"repetitions": 10, "alpha": 0.05, "min_effect": "2%"},
           "budgets": budgets, "waivers": []}
    json.dump(doc, sys.stdout, indent=2)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
