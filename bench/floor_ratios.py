#!/usr/bin/env python3
"""floor_ratios.py - each kernel's time per element against this machine's floor.

Reads a tpbench results file (Google Benchmark JSON) and prints, for every
indicators/* and pipeline/* benchmark in it, the median time per element, the
floor it is compared with (a calibration benchmark of the *same* file, per
element), their ratio, and the target from docs/performance.md where there is
one.  Used to write the table in docs/performance.md;
budgets/machines/epyc-zen4-avx512.json states the same ratios as gate ceilings.

Floors (bench/suite_calibration.c):
  stream        calibration/stream/hot/cpu/4194304: read + write, 16 bytes a point
  stream_1r3w   calibration/stream_1r3w/hot/cpu/1048576: one read + three writes,
                32 bytes a point (the floor of a kernel writing three columns: macd_scan)
  fma_chain     calibration/fma_chain/hot/cpu/1048576: one dependent FMA a point
  muladd_chain  calibration/muladd_chain/hot/cpu/1048576: a dependent mul + add

Usage:
  build/bench/tpbench --suite=indicators,calibration,pipeline --size=1048576,4194304,1000000 \\
      --profile=hot --benchmark_repetitions=5 --out=r.json
  bench/floor_ratios.py r.json [--metric=cpu_time|real_time] [--filter=REGEX]

The metric defaults to cpu_time: on a shared machine the wall clock also
counts other jobs' time slices.  Medians are taken over the repetitions
(Google Benchmark's *_median aggregate when the file has one).  Only the
standard library is used.
"""
import argparse
import json
import re
import statistics
import sys

FLOORS = {
    "stream": "calibration/stream/hot/cpu/4194304",
    "stream_1r3w": "calibration/stream_1r3w/hot/cpu/1048576",
    "fma_chain": "calibration/fma_chain/hot/cpu/1048576",
    "muladd_chain": "calibration/muladd_chain/hot/cpu/1048576",
}

# kernel -> (floor, target ns/elem or None, target ratio or None).  The floor
# is what bounds the kernel: memory for the element-wise and scan kernels,
# the dependent chain for the bit-exact recurrences.
# EXTRA: more (floor, target ratio) pairs a kernel is compared with, printed
# after the main one (issue 6: macd against 1 read + 3 writes as well).
# A floor missing from the file prints "-".
KERNELS = {
    "sma": ("stream", 0.65, 1.2),
    "ema": ("muladd_chain", 1.7, 1.1),
    "ema_scan": ("stream", 0.65, 1.2),
    "volatility": ("fma_chain", 2.4, None),
    "rolling_std": ("fma_chain", 2.4, 2.0),
    "volume_z": ("fma_chain", None, None),
    "kyles_lambda": ("fma_chain", None, None),
    "hasbrouck": ("fma_chain", None, None),
    "rsi": ("muladd_chain", 2.3, None),
    "macd": ("muladd_chain", 1.8, None),
    "macd_scan": ("stream_1r3w", 1.8, 1.2),
    "features": ("stream", None, None),
    "phase": ("fma_chain", 12.0, None),
    "entropy": ("stream", 1.0, None),
    "hurst": ("fma_chain", 3.8, None),
    "kuramoto": ("stream", None, None),
    "path": ("fma_chain", 40.0, None),
}

EXTRA = {
    "macd": [("stream_1r3w", 1.2)],
    "macd_scan": [("muladd_chain", None)],
}

TIME_UNIT_NS = {"ns": 1.0, "us": 1e3, "ms": 1e6, "s": 1e9}


def medians(results, metric):
    """name -> median of metric in ns over the repetitions."""
    agg, reps = {}, {}
    for b in results.get("benchmarks", []):
        name = b.get("run_name") or b.get("name", "")
        if b.get("error_occurred"):
            continue
        value = b.get(metric)
        if value is None:
            continue
        ns = float(value) * TIME_UNIT_NS.get(b.get("time_unit", "ns"), 1.0)
        if b.get("run_type") == "aggregate":
            if b.get("aggregate_name") == "median":
                agg[name] = ns
        else:
            reps.setdefault(name, []).append(ns)
    out = {name: statistics.median(v) for name, v in reps.items()}
    out.update(agg)
    return out


def elements(name):
    last = name.rsplit("/", 1)[-1]
    return int(last) if last.isdigit() and int(last) > 0 else None


def extras(kernel, per, floors):
    """[(floor, value or None, ratio or None, target ratio or None)] of EXTRA."""
    out = []
    for key, t in EXTRA.get(kernel, []):
        v = floors.get(key)
        out.append((key, v, per / v if v else None, t))
    return out


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("results", help="tpbench results file (JSON)")
    ap.add_argument("--metric", choices=("cpu_time", "real_time"), default="cpu_time")
    ap.add_argument("--filter", default=r"^(indicators|pipeline)/",
                    help="regex on benchmark names (default: indicators and pipeline)")
    ap.add_argument("--markdown", action="store_true", help="print a markdown table")
    args = ap.parse_args(argv)
    try:
        with open(args.results, encoding="utf-8") as f:
            results = json.load(f)
    except (OSError, ValueError) as e:
        print(f"floor_ratios: cannot read '{args.results}': {e}", file=sys.stderr)
        return 2
    med = medians(results, args.metric)
    floors = {}
    for key, name in FLOORS.items():
        if name in med and elements(name):
            floors[key] = med[name] / elements(name)
    if not floors:
        print("floor_ratios: no calibration benchmark in the file: run tpbench with "
              "--suite=...,calibration", file=sys.stderr)
        return 2
    pat = re.compile(args.filter)
    rows = []
    for name in sorted(med):
        if not pat.search(name) or name.startswith("calibration/"):
            continue
        n = elements(name)
        if not n:
            continue
        kernel = name.split("/")[1]
        floor_key, target, target_ratio = KERNELS.get(kernel, ("stream", None, None))
        per = med[name] / n
        hot_target = target is not None and "/hot/" in name
        if floor_key == "stream_1r3w" and floor_key not in floors:
            # The new floor is not in older files: no ratio ("-").
            rows.append((name, per, floor_key, None, None, target, target_ratio,
                         "-" if hot_target else "", extras(kernel, per, floors)))
            continue
        if floor_key not in floors:
            floor_key = "stream" if "stream" in floors else next(iter(floors))
        ratio = per / floors[floor_key]
        ex = extras(kernel, per, floors)
        met = ""
        if hot_target:
            ok = per <= target and (target_ratio is None or ratio <= target_ratio)
            for _, _, xr, xt in ex:
                if xt is not None and xr is not None:  # a floor not in the file: not judged
                    ok = ok and xr <= xt
            met = "yes" if ok else "no"
        rows.append((name, per, floor_key, floors[floor_key], ratio, target, target_ratio, met,
                     ex))

    def tgt(t, tr):
        if t is None:
            return "-"
        return f"<= {t:g}" + (f", <= {tr:g}x" if tr is not None else "")

    def num(v, fmt, suffix=""):
        return "-" if v is None else format(v, fmt) + suffix

    def also(ex):
        # "vs stream_1r3w 1.05x (<= 1.2x)", or "-" for a floor not in the file
        return "; ".join(f"vs {k} {num(r, '.2f', 'x')}" + (f" (<= {t:g}x)" if t else "")
                         for k, _, r, t in ex)

    if args.markdown:
        print(f"| benchmark | ns/elem ({args.metric}) | floor | ratio | target | met? |")
        print("|---|---|---|---|---|---|")
        for name, per, fk, fv, ratio, t, tr, met, ex in rows:
            more = f"; {also(ex)}" if ex else ""
            print(f"| `{name}` | {per:.3g} | {fk} {num(fv, '.3g')} | {num(ratio, '.2f', 'x')}"
                  f"{more} | {tgt(t, tr)} | {met or '-'} |")
    else:
        print("floors (ns/elem, %s): %s" % (args.metric, ", ".join(
            f"{k} {v:.3g}" for k, v in floors.items())))
        print(f"{'benchmark':44} {'ns/elem':>9} {'floor':>18} {'ratio':>7}  target")
        for name, per, fk, fv, ratio, t, tr, met, ex in rows:
            more = f"  [{also(ex)}]" if ex else ""
            print(f"{name:44} {per:9.3f} {fk + ' ' + num(fv, '.3f'):>18} "
                  f"{num(ratio, '6.2f', 'x'):>7}  {tgt(t, tr)} {met}{more}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
