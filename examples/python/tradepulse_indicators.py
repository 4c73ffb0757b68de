"""TradePulse-style indicators in numpy/pandas, the way TradePulse writes
them: a seeded price series, SMA, EMA and Wilder's RSI over it.

TP_SLOWDOWN=k (default 1) makes every indicator k times as slow: the
whole part of k is how many times it is computed, the fraction a busy wait
of that fraction of one computation's time.  TP_SLOWDOWN=10 is the slowed
variant perfgate's end-to-end test must catch (tests/e2e/gate_python.sh);
1.05 is the 5 % slowdown of docs/accuracy.md.
"""
import os
import time

import numpy as np
import pandas as pd

SLOWDOWN = max(1.0, float(os.environ.get("TP_SLOWDOWN", "1")))


def price_series(n, seed=7):
    """A seeded geometric random walk of n prices, as TradePulse's fixtures."""
    rng = np.random.default_rng(seed)
    returns = rng.normal(0.0, 0.01, n)
    return pd.Series(100.0 * np.exp(np.cumsum(returns)), name="close")


def _repeat(fn):
    def slowed(*args, **kwargs):
        start = time.perf_counter()
        out = fn(*args, **kwargs)
        once = time.perf_counter() - start
        for _ in range(int(SLOWDOWN) - 1):
            out = fn(*args, **kwargs)
        until = time.perf_counter() + (SLOWDOWN - int(SLOWDOWN)) * once
        while time.perf_counter() < until:
            pass
        return out

    slowed.__name__ = fn.__name__
    slowed.__doc__ = fn.__doc__
    return slowed


@_repeat
def sma(prices, window=20):
    """Simple moving average over window prices."""
    return prices.rolling(window, min_periods=window).mean()


@_repeat
def ema(prices, span=20):
    """Exponential moving average (span, adjust=False), as TradePulse's signals."""
    return prices.ewm(span=span, adjust=False, min_periods=span).mean()


@_repeat
def rsi(prices, window=14):
    """Wilder's relative strength index, 0..100."""
    delta = prices.diff()
    gain = delta.clip(lower=0.0)
    loss = -delta.clip(upper=0.0)
    avg_gain = gain.ewm(alpha=1.0 / window, adjust=False, min_periods=window).mean()
    avg_loss = loss.ewm(alpha=1.0 / window, adjust=False, min_periods=window).mean()
    rs = avg_gain / avg_loss
    return 100.0 - 100.0 / (1.0 + rs)


def calibration(prices):
    """The calibration workload: a fixed amount of pandas work that no
    indicator change touches (never slowed), which budgets divide by."""
    return prices.rolling(50, min_periods=1).sum()
