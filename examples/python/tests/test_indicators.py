"""pytest-benchmark tests of the indicators: one benchmark per indicator
and size, named by pytest as tests/test_indicators.py::test_sma[65536].

Run (from examples/python):
    python3 -m pytest tests --benchmark-json=results.json --benchmark-save-data
"""
import math
import os
import sys

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
import tradepulse_indicators as tp  # noqa: E402

SIZES = [1024, 65536]


@pytest.fixture(scope="module", params=SIZES, ids=str)
def prices(request):
    return tp.price_series(request.param)


def test_sma(benchmark, prices):
    out = benchmark(tp.sma, prices)
    assert len(out) == len(prices) and math.isclose(out.iloc[-1], prices.iloc[-20:].mean())


def test_ema(benchmark, prices):
    out = benchmark(tp.ema, prices)
    assert len(out) == len(prices) and out.iloc[:19].isna().all()


def test_rsi(benchmark, prices):
    out = benchmark(tp.rsi, prices)
    assert ((out.dropna() >= 0) & (out.dropna() <= 100)).all()


def test_calibration(benchmark):
    """The run's calibration benchmark (budgets' "relative": {"to": ...})."""
    prices = tp.price_series(65536, seed=1)
    benchmark(tp.calibration, prices)
