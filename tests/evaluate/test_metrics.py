"""Metrics and intervals against independent references: scikit-learn's metrics, SciPy's Wilson
interval, and a bootstrap written here from the documented recipe with scikit-learn's metrics."""
from __future__ import annotations

import numpy as np
import pytest
from sklearn import metrics as skm

from wattwise.errors import UsageError
from wattwise.evaluate.grouping import one
from wattwise.evaluate.intervals import bootstrap, wilson
from wattwise.evaluate.metrics import get_metric

REF = {"accuracy": skm.accuracy_score, "balanced_accuracy": skm.balanced_accuracy_score,
       "macro_f1": lambda t, p: skm.f1_score(t, p, average="macro", zero_division=0),
       "mae": skm.mean_absolute_error, "rmse": lambda t, p: float(np.sqrt(skm.mean_squared_error(t, p)))}


def _labels(rng, n, k):
    """Classes from continuous draws (not hand-picked): truth, and a prediction right ~70% of the time."""
    t = np.floor(rng.random(n) * k).astype(int)
    wrong = rng.random(n) < 0.3
    p = np.where(wrong, np.floor(rng.random(n) * (k + 1)).astype(int), t)  # may predict a class absent from t
    return t, p


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("name", ["accuracy", "balanced_accuracy", "macro_f1"])
def test_classification_metrics_match_sklearn(name, seed):
    rng = np.random.default_rng(seed)
    t, p = _labels(rng, int(20 + rng.random() * 300), int(2 + rng.random() * 8))
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # sklearn warns about classes only in y_pred
        want = REF[name](t, p)
    assert get_metric(name)(t, p) == pytest.approx(want, abs=1e-12)


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("name", ["mae", "rmse"])
def test_regression_metrics_match_sklearn(name, seed):
    rng = np.random.default_rng(seed)
    t = rng.normal(50, 20, 200)
    p = t + rng.normal(0, 5, 200)
    assert get_metric(name)(t, p) == pytest.approx(REF[name](t, p), rel=1e-12)


def test_text_labels_work_like_sklearn():
    t = np.array(["cat", "dog", "dog", "bird", "cat", "dog"])
    p = np.array(["cat", "cat", "dog", "bird", "dog", "dog"])
    for name in ("accuracy", "balanced_accuracy", "macro_f1"):
        assert get_metric(name)(t, p) == pytest.approx(REF[name](t, p))


@pytest.mark.parametrize("k,n", [(0, 1), (1, 1), (0, 17), (17, 17), (3, 10), (47, 53), (512, 540), (1, 1000)])
def test_wilson_matches_scipy(k, n):
    from scipy.stats import binomtest

    ci = binomtest(k, n).proportion_ci(confidence_level=0.95, method="wilson")
    lo, hi = wilson(k, n)
    assert lo == pytest.approx(ci.low, abs=1e-12) and hi == pytest.approx(ci.high, abs=1e-12)
    assert 0.0 <= lo <= k / n <= hi <= 1.0


@pytest.mark.parametrize("name", ["balanced_accuracy", "macro_f1", "mae"])
def test_bootstrap_is_the_documented_percentile_recipe(name):
    """Reference: default_rng(seed).integers(0, n, (B, n)), the metric per draw (sklearn's), np.percentile 2.5/97.5."""
    rng = np.random.default_rng(11)
    if name == "mae":
        t = rng.normal(0, 1, 150)
        p = t + rng.normal(0, 0.5, 150)
    else:
        t, p = _labels(rng, 150, 4)
    B, seed = 300, 7
    idx = np.random.default_rng(seed).integers(0, len(t), (B, len(t)))
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        stats = [REF[name](t[i], p[i]) for i in idx]
    want = np.percentile(stats, [2.5, 97.5])
    got = bootstrap(get_metric(name), t, p, resamples=B, seed=seed)
    assert got == pytest.approx(list(want), abs=1e-12)
    assert got[0] <= get_metric(name)(t, p) <= got[1]


def test_accuracy_uses_wilson_and_others_the_bootstrap():
    t = np.array([0, 1, 1, 0, 1, 1, 1, 0, 0, 1])
    p = np.array([0, 1, 0, 0, 1, 1, 0, 0, 1, 1])
    acc = one(get_metric("accuracy"), t, p, resamples=200, seed=0)
    assert acc == {"value": 0.7, "ci95": wilson(7, 10), "n": 10}
    f1 = one(get_metric("macro_f1"), t, p, resamples=200, seed=3)
    assert f1["ci95"] == bootstrap(get_metric("macro_f1"), t, p, resamples=200, seed=3)


def test_metric_names_and_callables():
    assert get_metric("Balanced-Accuracy").name == "balanced_accuracy"
    assert get_metric("f1").name == "macro_f1"
    assert get_metric("rmse").higher_is_better is False

    def top_bucket(t, p):
        return float(np.mean((t > 5) == (p > 5)))

    m = get_metric(top_bucket)
    assert m.name == "top_bucket" and m.higher_is_better and not m.proportion
    with pytest.raises(UsageError, match="did you mean 'accuracy'"):
        get_metric("acuracy")
    with pytest.raises(UsageError, match="metric must be a name"):
        get_metric(3)
