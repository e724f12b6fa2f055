"""95 % intervals for a metric: Wilson's score interval for proportions, a seeded bootstrap otherwise.

Wilson (1927) stays inside [0, 1] and keeps its coverage for small groups and for accuracies
near 0 or 1, where the normal approximation fails; it is what a per-subset accuracy needs.
For any other metric the interval is the percentile bootstrap: ``resamples`` draws of n
indices with replacement from ``numpy.random.default_rng(seed)`` (one ``integers(0, n,
(resamples, n))`` call), the metric on each draw, and the 2.5th and 97.5th percentiles
(numpy's default linear interpolation). A fixed seed makes the interval reproducible.
"""
from __future__ import annotations

import math

from ._np import np

Z95 = 1.959963984540054  # the 97.5th percentile of the standard normal distribution
RESAMPLES = 1000


def wilson(k: int, n: int, z: float = Z95) -> list[float] | None:
    """Wilson score interval for k successes in n trials (None when n is 0)."""
    if n <= 0:
        return None
    p = k / n
    z2 = z * z
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = z / (1 + z2 / n) * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n))
    return [max(0.0, centre - half), min(1.0, centre + half)]


def bootstrap(metric, y_true, y_pred, *, resamples: int = RESAMPLES, seed: int = 0) -> list[float] | None:
    """Percentile bootstrap interval of metric(y_true, y_pred); None for fewer than 2 items."""
    n = len(y_true)
    if n < 2:
        return None
    npm = np()
    idx = npm.random.default_rng(seed).integers(0, n, (resamples, n))
    stats = npm.array([metric(y_true[i], y_pred[i]) for i in idx], dtype=float)
    stats = stats[npm.isfinite(stats)]
    if not len(stats):
        return None
    lo, hi = npm.percentile(stats, [2.5, 97.5])
    return [float(lo), float(hi)]


def describe(proportion: bool, resamples: int, seed: int) -> dict:
    """How the intervals were computed, for the evaluation's dict."""
    if proportion:
        return {"level": 0.95, "method": "wilson"}
    return {"level": 0.95, "method": "bootstrap", "kind": "percentile", "resamples": resamples, "seed": seed}
