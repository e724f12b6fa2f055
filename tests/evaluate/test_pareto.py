"""The Pareto front against a brute-force reference written here: for each point, is there another
at least as good on both axes and strictly better on one?"""
from __future__ import annotations

import random

import pytest

import wattwise
from wattwise.errors import UsageError
from wattwise.evaluate import Evaluation


def _ev(name, acc, g, metric="accuracy", hib=True, run_id=None):
    return {"name": name, "metric": metric, "higher_is_better": hib, "overall": {"value": acc, "ci95": None, "n": 100},
            "emissions_gco2e_per_1k": g, "run_id": run_id or f"{abs(hash(name)):012x}"}


def _brute(points, higher=True):
    out = []
    for n, a, g in points:
        dominated = False
        for m, b, h in points:
            if m == n:
                continue
            better_or_equal = (b >= a if higher else b <= a) and h <= g
            strictly = (b > a if higher else b < a) or h < g
            if better_or_equal and strictly:
                dominated = True
        if not dominated:
            out.append(n)
    return sorted(out)


@pytest.mark.parametrize("seed", range(25))
def test_front_matches_brute_force(seed):
    rng = random.Random(seed)
    pts = [(f"m{i}", rng.uniform(0.5, 1.0), rng.uniform(1e-6, 1e-2)) for i in range(rng.randint(1, 30))]
    if seed % 3 == 0 and len(pts) > 2:  # exact ties on one or both axes
        pts[1] = ("tie-both", pts[0][1], pts[0][2])
        pts[2] = ("tie-acc", pts[0][1], pts[2][2])
    evs = [_ev(*p) for p in pts]
    got = wattwise.pareto(evs)
    assert sorted(got) == _brute(pts)
    xs = [dict((p[0], p[2]) for p in pts)[n] for n in got]
    assert xs == sorted(xs)  # ordered by emissions


def test_identical_points_are_all_on_the_front_and_objects_work():
    a = Evaluation(_ev("a", 0.9, 1.0))
    b = _ev("b", 0.9, 1.0)
    c = _ev("c", 0.8, 2.0)
    assert sorted(wattwise.pareto([a, b, c])) == ["a", "b"]


def test_lower_is_better_metrics_and_other_axes():
    evs = [_ev("ridge", 40.0, 1.0, "mae", False), _ev("forest", 35.0, 5.0, "mae", False), _ev("bad", 50.0, 6.0, "mae", False)]
    assert wattwise.pareto(evs) == ["ridge", "forest"]
    for e, p95 in zip(evs, (3.0, 1.0, 9.0)):
        e["latency_ms"] = {"p50": 1.0, "p95": p95}
    assert wattwise.pareto(evs, x="latency_ms.p95") == ["forest"]  # faster and more accurate than ridge


def test_unplaceable_and_mixed_inputs():
    evs = [_ev("a", 0.9, None), _ev("b", 0.8, 1.0)]
    assert wattwise.pareto(evs) == ["b"]
    with pytest.raises(UsageError, match="different metrics"):
        wattwise.pareto([_ev("a", 0.9, 1.0), _ev("b", 3.0, 1.0, "mae", False)])
    with pytest.raises(UsageError, match="expected an Evaluation"):
        wattwise.pareto([3])
    # two evaluations of one model are told apart by their run id
    got = wattwise.pareto([_ev("svc", 0.9, 1.0, run_id="aaaa11112222"), _ev("svc", 0.9, 2.0, run_id="bbbb33334444")])
    assert got == ["svc (aaaa1111)"]
