#!/usr/bin/python3
"""pandas_side.py - TradePulse's numpy/pandas definitions of perfgate's kernels, checked
against perfgate's outputs and timed, for the side-by-side table (bench/compare/run.sh).

The definitions are those of /work/shared/KERNELS.md (TradePulse @ 0a51e938676f: the
feature pipeline's rolling/ewm calls, _rsi, _rolling_microstructure's per-row loop,
entropy, hurst_exponent, compute_phase, kuramoto_order), written with the same pandas
and numpy calls TradePulse makes.  The inputs and perfgate's outputs come from
`talib_compare --dump=DIR` (raw float64, DIR/<n>/in_*.f64 and out_*.f64).

  pandas_side.py --data DIR --check                 compare every kernel with perfgate's
  pandas_side.py --data DIR --reps R --out F.json   time each kernel R times (CPU time)

--check exits 1 when a definition does not give perfgate's numbers (within the
tolerance printed): a timing of different math is worthless.  Timing runs the kernels in
a shuffled order each repetition and records the process CPU time of each call, in ns,
as {"benchmarks": {"compare/<kernel>.pandas/hot/cpu/<n>": [ns, ...]}}.  TradePulse's
microstructure loop (kyles_lambda, hasbrouck, and features, which calls it twice) costs
tens of seconds at 1M rows: --slow-reps (default 1) repetitions of those at 1M.
Only numpy, pandas and the standard library are used (Debian's python3-numpy/-pandas).
"""
import argparse
import json
import os
import random
import sys
import time

import numpy as np
import pandas as pd

W = 20  # windows of sma, ema, volatility, rolling_std, volume_z
M = 50  # microstructure window


def load(d, name, dtype=np.float64):
    return np.fromfile(os.path.join(d, name + ".f64"), dtype=dtype)


# ---- TradePulse's definitions (KERNELS.md section 1) ---------------------------------


def sma(x):
    return pd.Series(x).rolling(window=W, min_periods=W).mean().to_numpy()


def ema(x):
    return pd.Series(x).ewm(span=W, adjust=False, min_periods=W).mean().to_numpy()


def volatility(x):
    return pd.Series(x).pct_change().rolling(window=W, min_periods=W).std().to_numpy()


def rolling_std(x):
    return pd.Series(x).rolling(window=W, min_periods=W).std().to_numpy()


def volume_z(v):
    s = pd.Series(v)
    r = s.rolling(window=W, min_periods=W)
    return ((s - r.mean()) / r.std()).to_numpy()


def _rsi(series, window):
    diff = series.diff()
    gain = diff.clip(lower=0.0)
    loss = -diff.clip(upper=0.0)
    avg_gain = gain.ewm(alpha=1.0 / window, adjust=False, min_periods=window).mean()
    avg_loss = loss.ewm(alpha=1.0 / window, adjust=False, min_periods=window).mean()
    rs = avg_gain / (avg_loss + 1e-12)
    return 100.0 - (100.0 / (1.0 + rs))


def rsi(x):
    return _rsi(pd.Series(x), 14).to_numpy()


def _macd(price):
    fast = price.ewm(span=12, adjust=False, min_periods=1).mean()
    slow = price.ewm(span=26, adjust=False, min_periods=1).mean()
    macd = fast - slow
    signal = macd.ewm(span=9, adjust=False, min_periods=1).mean()
    return fast, slow, macd, signal, macd - signal


def macd(x):
    _, _, m, s, h = _macd(pd.Series(x))
    return np.concatenate([m.to_numpy(), s.to_numpy(), h.to_numpy()])


def _rolling_microstructure(returns, signed_volume, window, func):
    if window <= 1:
        return pd.Series(np.nan, index=returns.index)
    values = np.column_stack((returns.to_numpy(), signed_volume.to_numpy()))
    result = np.full(len(values), np.nan, dtype=float)
    for idx in range(window - 1, len(values)):
        window_slice = values[idx - window + 1 : idx + 1]
        r = window_slice[:, 0]
        q = window_slice[:, 1]
        if np.isnan(r).all() or np.isnan(q).all():
            continue
        mask = np.isfinite(r) & np.isfinite(q)
        if not np.any(mask):
            continue
        result[idx] = func(r[mask], q[mask])
    return pd.Series(result, index=returns.index)


def _kyles_lambda_window(returns, signed_volume):
    q = signed_volume - np.mean(signed_volume)
    r = returns - np.mean(returns)
    den = np.sum(q * q)
    return 0.0 if den <= 0 else float(np.sum(q * r) / den)


def _hasbrouck_window(returns, signed_volume):
    return _kyles_lambda_window(returns, np.sign(signed_volume) * np.sqrt(np.abs(signed_volume)))


def kyles_lambda(ret, sv):
    return _rolling_microstructure(pd.Series(ret), pd.Series(sv), M, _kyles_lambda_window).to_numpy()


def hasbrouck(ret, sv):
    return _rolling_microstructure(pd.Series(ret), pd.Series(sv), M, _hasbrouck_window).to_numpy()


def features(cols):
    """SignalFeaturePipeline.transform on a clean frame (no NaN, time-ordered)."""
    price = pd.Series(cols["close"])
    high, low = pd.Series(cols["high"]), pd.Series(cols["low"])
    volume = pd.Series(cols["volume"])
    bid, ask = pd.Series(cols["bid_volume"]), pd.Series(cols["ask_volume"])
    signed_volume = pd.Series(cols["signed_volume"])
    f = pd.DataFrame(index=price.index)
    returns = price.pct_change()
    f["return_1"] = returns
    for window in (5, 20, 60):
        f[f"sma_{window}"] = price.rolling(window=window, min_periods=window).mean()
        f[f"volatility_{window}"] = returns.rolling(window=window, min_periods=window).std()
        f[f"ema_{window}"] = price.ewm(span=window, adjust=False, min_periods=window).mean()
    f["rsi"] = _rsi(price, 14)
    fast, slow, m, s, h = _macd(price)
    f["macd_ema_fast"], f["macd_ema_slow"], f["macd"] = fast, slow, m
    f["macd_signal"], f["macd_histogram"] = s, h
    f["price_range"] = (high - low).astype(float)
    f["log_volume"] = np.log(volume.replace(0.0, np.nan))
    r = volume.rolling(window=20, min_periods=20)
    f["volume_z"] = (volume - r.mean()) / r.std()
    denom = bid + ask
    f["queue_imbalance"] = np.where(denom == 0.0, 0.0, (bid - ask) / denom)
    f[f"kyles_lambda_{M}"] = _rolling_microstructure(returns, signed_volume, M, _kyles_lambda_window)
    f[f"hasbrouck_{M}"] = _rolling_microstructure(returns, signed_volume, M, _hasbrouck_window)
    f["signed_volume_ema"] = signed_volume.ewm(span=M, adjust=False, min_periods=M).mean()
    return f


# ---- core/indicators (KERNELS.md sections 2-5) ------------------------------------


def entropy(x, bins=50):
    d = np.asarray(x, dtype=np.float32)
    d = d[np.isfinite(d)]
    if d.size == 0:
        return 0.0
    s = float(np.max(np.abs(d)))
    lo, hi = float(np.min(d)), float(np.max(d))
    if s != 0.0 and np.isfinite(s):
        lo, hi = lo / s, hi / s
        d = d / np.float32(s)
    if not hi > lo:
        lo, hi = float(np.min(d)) - 0.5, float(np.max(d)) + 0.5
    counts, _ = np.histogram(d, bins=bins, range=(lo, hi))
    p = counts[counts > 0] / counts.sum()
    return float(-np.sum(p * np.log(p)))


def hurst(x, min_lag=2, max_lag=50):
    d32 = np.asarray(x, dtype=np.float32)
    if d32.size < 2 * max_lag:
        return 0.5
    lags = np.arange(min_lag, max_lag + 1)
    tau = []
    for lag in lags:
        diff = (d32[lag:] - d32[:-lag]).astype(np.float64)
        var = np.mean(diff * diff) - np.mean(diff) ** 2
        tau.append(np.sqrt(var) if var > 0 else 0.0)
    h = np.polyfit(np.log(lags), np.log(np.asarray(tau)), 1)[0]
    return float(np.clip(h, 0.0, 1.0))


def phase(x):
    x = np.nan_to_num(np.asarray(x, dtype=np.float64), nan=0.0, posinf=0.0, neginf=0.0)
    n = x.size
    spec = np.fft.rfft(x) * -1j
    spec[0] = 0
    if n % 2 == 0:
        spec[n // 2] = 0
    return np.arctan2(np.fft.irfft(spec, n), x)


def kuramoto(theta):
    t = np.asarray(theta, dtype=np.float64)
    t = t[np.isfinite(t.astype(np.float32))]
    if t.size == 0:
        return 0.0
    r = float(np.sqrt(np.sum(np.cos(t)) ** 2 + np.sum(np.sin(t)) ** 2) / t.size)
    return 0.0 if r < 1e-8 else min(max(r, 0.0), 1.0)


FRAME = ("ts", "open", "high", "low", "close", "volume", "bid_volume", "ask_volume", "signed_volume")

# kernel -> (call on the loaded inputs, relative tolerance against perfgate's output)
KERNELS = {
    "sma": (lambda a: sma(a["x"]), 1e-12),
    "ema": (lambda a: ema(a["x"]), 1e-12),
    "ema_scan": (lambda a: ema(a["x"]), 1e-12),
    "volatility": (lambda a: volatility(a["x"]), 1e-9),
    # the std of a price walk (up to ~350) from windowed sums: pandas' Welford add/remove and
    # perfgate's sums both cancel ~8 digits; at 1M they differ by ~4e-9 of the largest std
    "rolling_std": (lambda a: rolling_std(a["x"]), 1e-7),
    "volume_z": (lambda a: volume_z(a["volume"]), 1e-9),
    "kyles_lambda": (lambda a: kyles_lambda(a["x"], a["signed_volume"]), 1e-9),
    "hasbrouck": (lambda a: hasbrouck(a["x"], a["signed_volume"]), 1e-9),
    "rsi": (lambda a: rsi(a["x"]), 1e-12),
    "macd": (lambda a: macd(a["x"]), 1e-12),
    "macd_scan": (lambda a: macd(a["x"]), 1e-11),
    "features": (lambda a: features(a), 1e-9),
    "entropy": (lambda a: entropy(a["x"]), 1e-12),
    "hurst": (lambda a: hurst(a["x"]), 1e-9),
    "phase": (lambda a: phase(a["x"]), 1e-9),
    "kuramoto": (lambda a: kuramoto(a["x"]), 1e-9),
}
SLOW = {"kyles_lambda", "hasbrouck", "features"}  # TradePulse's per-row Python loop


def inputs(d, kernel):
    a = {}
    if os.path.exists(os.path.join(d, f"in_{kernel}.f64")):
        a["x"] = load(d, f"in_{kernel}")
    for c in FRAME:
        p = os.path.join(d, f"in_{kernel}_{c}.f64")
        if os.path.exists(p):
            a[c] = np.fromfile(p, dtype=np.float64)
    return a


def compare(kernel, got, want, rtol):
    """max |got - want| / max |want| over the rows both have; NaN where the other is not
    is a difference."""
    got = np.atleast_1d(np.asarray(got, dtype=np.float64)).ravel()
    want = np.atleast_1d(want).ravel()
    if got.shape != want.shape:
        return float("inf"), f"shape {got.shape} against {want.shape}"
    nan_g, nan_w = np.isnan(got), np.isnan(want)
    if (nan_g != nan_w).any():
        return float("inf"), f"{int((nan_g != nan_w).sum())} rows NaN on one side only"
    ok = ~nan_w
    scale = float(np.max(np.abs(want[ok]))) if ok.any() else 1.0
    diff = float(np.max(np.abs(got[ok] - want[ok]))) if ok.any() else 0.0
    return diff / (scale or 1.0), f"max |diff| {diff:.3g}, max |x| {scale:.3g}"


def check(root, sizes):
    bad = 0
    for n in sizes:
        d = os.path.join(root, str(n))
        for kernel, (fn, rtol) in KERNELS.items():
            a = inputs(d, kernel)
            got = fn(a)
            if kernel == "features":
                names = open(os.path.join(d, "features.names")).read().split()
                got = np.concatenate([got[c].to_numpy(dtype=np.float64) for c in names])
            want = load(d, f"out_{kernel}")
            rel, what = compare(kernel, got, want, rtol)
            same = rel <= rtol
            bad |= not same
            print(f"check {kernel:<12} pandas vs perfgate n={n:<8} {what} (relative {rel:.3g}, "
                  f"tolerance {rtol:g}): {'same' if same else 'DIFFERENT'}")
    return bad


def timing(root, sizes, reps, slow_reps, seed):
    rng = random.Random(seed)
    jobs = []
    for n in sizes:
        d = os.path.join(root, str(n))
        for kernel, (fn, _) in KERNELS.items():
            jobs.append((kernel, n, fn, inputs(d, kernel)))
    out = {}
    for rep in range(reps):
        rng.shuffle(jobs)
        for kernel, n, fn, a in jobs:
            if kernel in SLOW and n > 65536 and rep >= slow_reps:
                continue
            t0 = time.process_time_ns()
            fn(a)
            t1 = time.process_time_ns()
            out.setdefault(f"compare/{kernel}.pandas/hot/cpu/{n}", []).append(t1 - t0)
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", required=True, help="talib_compare --dump=DIR")
    ap.add_argument("--check", action="store_true")
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--slow-reps", type=int, default=1)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--out")
    args = ap.parse_args()
    sizes = sorted(int(s) for s in os.listdir(args.data) if s.isdigit())
    if not sizes:
        sys.exit(f"pandas_side.py: no sizes in '{args.data}' (expected talib_compare --dump=DIR)")
    if args.check:
        sys.exit(1 if check(args.data, sizes) else 0)
    res = timing(args.data, sizes, args.reps, args.slow_reps, args.seed)
    doc = {"pandas": pd.__version__, "numpy": np.__version__, "metric": "process CPU time, ns",
           "benchmarks": res}
    with open(args.out, "w") as f:
        json.dump(doc, f, indent=1)


if __name__ == "__main__":
    main()
