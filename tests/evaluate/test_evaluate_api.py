"""wattwise.evaluate on scikit-learn's bundled data with real estimators: per-group values against
direct computation with sklearn.metrics, energy per 1,000 inferences against the joules the fake
RAPL counters were advanced by, the run stored with one window per repeat."""
from __future__ import annotations

import json

import numpy as np
import pytest
from sklearn import metrics as skm

import wattwise
from wattwise.errors import UsageError
from wattwise.evaluate.intervals import wilson
from wattwise.store import open_store
from wattwise.units import J_PER_KWH


def _ink_bands(X, cuts):
    ink = (X > 0).sum(axis=1)
    return np.where(ink <= cuts[0], "light", np.where(ink <= cuts[1], "medium", "heavy"))


@pytest.fixture(scope="module")
def digit_models():
    from sklearn.datasets import load_digits
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import train_test_split
    from sklearn.neighbors import KNeighborsClassifier
    from sklearn.tree import DecisionTreeClassifier

    X, y = load_digits(return_X_y=True)
    Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=0.25, random_state=1, stratify=y)
    models = {"logreg": LogisticRegression(max_iter=3000).fit(Xtr, ytr),
              "knn": KNeighborsClassifier(3).fit(Xtr, ytr),
              "tree": DecisionTreeClassifier(random_state=0).fit(Xtr, ytr)}
    cuts = np.percentile((Xtr > 0).sum(axis=1), [100 / 3, 200 / 3])
    return models, Xte, yte, _ink_bands(Xte, cuts)


@pytest.mark.parametrize("key", ["logreg", "knn", "tree"])
def test_digits_per_group_accuracy_matches_direct_computation(digit_models, metered, tmp_path, key):
    models, X, y, ink = digit_models
    family = np.where(np.isin(y, [0, 6, 8, 9]), "round", np.where(np.isin(y, [1, 4, 7]), "straight", "mixed"))
    j_per_item = 0.37 + 0.11 * ["logreg", "knn", "tree"].index(key)  # continuous, model-specific
    model = models[key]
    ev = wattwise.evaluate(metered.charge(j_per_item)(model.predict), X, y, groups={"ink": ink, "family": family},
                           region="FR", store=str(tmp_path / "runs.db"), name=key, batch_size=16, repeats=2,
                           idle_s=0.05, **metered.kw)
    d = ev.to_dict()
    pred = model.predict(X)
    assert d["overall"]["value"] == pytest.approx(skm.accuracy_score(y, pred))
    assert d["overall"]["n"] == len(y)
    assert d["overall"]["ci95"] == pytest.approx(wilson(int((pred == y).sum()), len(y)))
    seen = set()
    for g in d["groups"]:
        values = {"ink": ink, "family": family}[g["grouping"]]
        mask = values == g["group"]
        assert g["n"] == int(mask.sum()) > 0
        assert g["value"] == pytest.approx(skm.accuracy_score(y[mask], pred[mask]))
        seen.add((g["grouping"], g["group"]))
    assert seen == {("ink", v) for v in ("light", "medium", "heavy")} | {("family", v) for v in ("round", "straight", "mixed")}
    worst = min(d["groups"], key=lambda g: g["value"])
    assert d["worst_group"]["value"] == worst["value"]
    by = {}
    for g in d["groups"]:
        by.setdefault(g["grouping"], []).append(g["value"])
    assert d["gaps"] == pytest.approx({k: max(v) - min(v) for k, v in by.items()})
    assert d["gap"] == pytest.approx(max(d["gaps"].values()))
    # energy: exactly the joules charged per item, per 1,000 inferences (node scope, measured RAPL)
    assert d["inferences"] == 2 * len(y)
    assert d["energy_kwh_per_1k"] == pytest.approx(j_per_item * 1000 / J_PER_KWH, rel=1e-6)
    assert d["emissions_gco2e_per_1k"] == pytest.approx(d["energy_kwh_per_1k"] * d["intensity"]["g_per_kwh"] * d["pue"], rel=1e-9)
    assert [(c["name"], c["method"]) for c in d["components"]] == [("cpu", "measured"), ("dram", "measured")]
    assert d["components"][0]["source"].startswith("rapl:")
    assert d["components"][0]["energy_kwh_per_1k"] == pytest.approx(d["energy_kwh_per_1k"], rel=1e-9)
    assert d["components"][1]["energy_kwh_per_1k"] == 0.0  # measured, and nothing drew DRAM energy
    assert d["idle_share"] == 0.0 and d["idle_power_w"] == 0.0  # nothing advanced the counters while idle
    assert d["latency_ms"]["p50"] > 0 and d["latency_ms"]["p95"] >= d["latency_ms"]["p50"]
    assert d["ci"] == {"level": 0.95, "method": "wilson"}
    json.dumps(d)  # plain JSON
    # the run is stored like any run, with its windows and the evaluation in its result
    st = open_store(tmp_path / "runs.db")
    run = st.get_run(ev.run_id)
    assert run["status"] == "finished" and run["name"] == key and run["command"].startswith("wattwise.evaluate")
    assert [w["name"] for w in run["windows"]] == ["idle", "repeat-0", "repeat-1"]
    assert run["result"]["evaluation"] == d
    assert wattwise.evaluate.load(ev.run_id[:6], st).to_dict() == d
    from wattwise.report.summary import format_summary
    from wattwise.store import run_result
    from wattwise.result import Measurement

    text = format_summary(Measurement.from_dict(run_result(st, ev.run_id)))
    assert f"evaluation  {key}: accuracy {d['overall']['value']:.3f}" in text and "per 1,000 inferences" in text


def test_several_estimators_on_iris_and_a_regression_set(metered):
    from sklearn.datasets import load_diabetes, load_iris
    from sklearn.ensemble import RandomForestRegressor
    from sklearn.linear_model import Ridge
    from sklearn.naive_bayes import GaussianNB
    from sklearn.svm import SVC

    X, y = load_iris(return_X_y=True)
    species = np.array(["setosa", "versicolor", "virginica"])[y]
    wide = np.where(X[:, 3] > np.median(X[:, 3]), "wide petals", "narrow petals")
    for model in (GaussianNB().fit(X[::2], species[::2]), SVC().fit(X[::2], species[::2])):
        ev = wattwise.evaluate(model, X[1::2], species[1::2], groups=wide[1::2], metric="macro_f1", store=False,
                               idle_s=0, resamples=200, **metered.kw)
        pred = model.predict(X[1::2])
        assert ev.overall["value"] == pytest.approx(skm.f1_score(species[1::2], pred, average="macro"))
        for g in ev.groups:
            m = wide[1::2] == g["group"]
            assert g["grouping"] == "group"
            assert g["value"] == pytest.approx(skm.f1_score(species[1::2][m], pred[m], average="macro"))
            assert g["ci95"][0] <= g["value"] <= g["ci95"][1]
        assert ev.to_dict()["ci"] == {"level": 0.95, "method": "bootstrap", "kind": "percentile", "resamples": 200, "seed": 0}
        assert ev.name == type(model).__name__

    X, y = load_diabetes(return_X_y=True)
    sex = np.where(X[:, 1] > 0, "sex=1", "sex=0")  # the dataset's sex column (standardised)
    for model in (Ridge().fit(X[:300], y[:300]), RandomForestRegressor(20, random_state=0).fit(X[:300], y[:300])):
        for metric, ref in (("mae", skm.mean_absolute_error),
                            ("rmse", lambda t, p: np.sqrt(skm.mean_squared_error(t, p)))):
            ev = wattwise.evaluate(model, X[300:], y[300:], groups={"sex": sex[300:]}, metric=metric, store=False,
                                   idle_s=0, batch_size=32, resamples=200, **metered.kw)
            pred = model.predict(X[300:])
            assert ev.overall["value"] == pytest.approx(ref(y[300:], pred))
            vals = {}
            for g in ev.groups:
                m = sex[300:] == g["group"]
                vals[g["group"]] = g["value"]
                assert g["value"] == pytest.approx(ref(y[300:][m], pred[m]))
            assert ev.worst_group["value"] == max(vals.values())  # lower is better: the worst is the largest error
            assert ev.gap == pytest.approx(abs(vals["sex=1"] - vals["sex=0"]))


def test_balanced_accuracy_and_a_custom_metric(digits, metered):
    from sklearn.linear_model import LogisticRegression

    model = LogisticRegression(max_iter=3000).fit(digits.Xtr, digits.ytr)
    pred = model.predict(digits.Xte)
    ev = wattwise.evaluate(model, digits.Xte, digits.yte, metric="balanced_accuracy", store=False, idle_s=0,
                           batch_size=64, resamples=100, **metered.kw)
    assert ev.overall["value"] == pytest.approx(skm.balanced_accuracy_score(digits.yte, pred))

    def even_odd(t, p):
        return float(np.mean(t % 2 == p % 2))

    ev = wattwise.evaluate(model, digits.Xte, digits.yte, metric=even_odd, store=False, idle_s=0, batch_size=64,
                           resamples=100, **metered.kw)
    assert ev.metric == "even_odd" and ev.overall["value"] == pytest.approx(np.mean(digits.yte % 2 == pred % 2))


def test_idle_share_is_the_idle_power_over_the_repeats_energy(digits, tmp_path):
    """Constant 3.3 W (a modelled RAM-like draw) plus 0.41 J per item on measured RAPL."""
    from sklearn.naive_bayes import GaussianNB

    from wattwise.testing import ConstantPowerSensor, FakePowercap
    from wattwise.sensors.rapl import open_rapl

    fake = FakePowercap(tmp_path / "sys", dram=False)
    model = GaussianNB().fit(digits.Xtr, digits.ytr)

    def predict(batch):
        fake.advance(0, package_j=0.41 * len(batch))
        return model.predict(batch)

    sensors = [*open_rapl(str(fake.root)), ConstantPowerSensor("ram", 3.3, method="modelled", source="test 3.3 W")]
    ev = wattwise.evaluate(predict, digits.Xte[:120], digits.yte[:120], store=False, idle_s=0.3, batch_size=8,
                           sensors=sensors, scope="node", install_handlers=False, interval=0.2)
    m = ev.measurement
    idle = next(w for w in m.windows if w.name == "idle")
    rep = next(w for w in m.windows if w.name == "repeat-0")
    # the sensor's clock and the window's clock are read microseconds apart: the idle power is ~3.3 W
    assert idle.energy_j / idle.duration_s == pytest.approx(3.3, rel=0.25)
    assert rep.energy_j - rep.components["ram"] == pytest.approx(0.41 * 120, rel=1e-6)
    want = idle.energy_j / idle.duration_s * rep.duration_s / rep.energy_j
    assert ev.to_dict()["idle_share"] == pytest.approx(want, rel=1e-9)
    assert 0 < ev.to_dict()["idle_power_w"]
    comps = {c["name"]: c for c in ev.components}
    assert comps["cpu"]["energy_kwh_per_1k"] == pytest.approx(410 / J_PER_KWH, rel=1e-6)
    assert comps["ram"]["method"] == "modelled"
    assert comps["ram"]["energy_kwh_per_1k"] == pytest.approx(rep.components["ram"] / 120 * 1000 / J_PER_KWH, rel=1e-9)


def test_unknown_energy_is_null_never_zero(digits, metered):
    """A GPU that reports neither energy nor power: its per-1k figure is null with the reason, not 0."""
    from sklearn.naive_bayes import GaussianNB

    from wattwise.testing import FakeGpu, FakeNVML

    model = GaussianNB().fit(digits.Xtr, digits.ytr)
    kw = dict(metered.kw, gpu=True, nvml=FakeNVML([FakeGpu("NVIDIA H100 80GB HBM3", energy_supported=False,
                                                           power_supported=False)]))
    ev = wattwise.evaluate(metered.charge(0.29)(model.predict), digits.Xte[:50], digits.yte[:50], store=False,
                           idle_s=0, **kw)
    comps = {c["name"]: c for c in ev.components}
    gpu = next(c for n, c in comps.items() if n.startswith("gpu"))
    assert gpu["energy_kwh_per_1k"] is None and gpu["method"] == "unavailable" and gpu["reason"]
    assert comps["cpu"]["energy_kwh_per_1k"] == pytest.approx(290 / J_PER_KWH, rel=1e-6)
    assert "unknown" in ev.table() or "unavailable" in ev.table()


def test_an_unusable_store_leaves_the_evaluation_unstored_with_a_warning(digits, tmp_path):
    from sklearn.naive_bayes import GaussianNB

    (tmp_path / "file").write_text("not a directory")
    model = GaussianNB().fit(digits.Xtr, digits.ytr)
    ev = wattwise.evaluate(model, digits.Xte[:30], digits.yte[:30], store=str(tmp_path / "file" / "runs.db"), idle_s=0,
                           install_handlers=False)
    assert ev.overall["n"] == 30
    assert any(w.startswith("run not stored") for w in ev.to_dict()["warnings"])


def test_bad_input_is_a_usage_error(digits):
    from sklearn.naive_bayes import GaussianNB

    model = GaussianNB().fit(digits.Xtr, digits.ytr)
    X, y = digits.Xte[:20], digits.yte[:20]
    cases = [
        (dict(y=y[:5]), "X has 20 items and y has 5"),
        (dict(groups={"g": ["a"] * 3}), "grouping 'g' has 3 values for 20 items"),
        (dict(metric="f2"), "unknown metric 'f2'"),
        (dict(batch_size=0), "batch_size must be a whole number >= 1"),
        (dict(repeats=1.5), "repeats must be a whole number"),
        (dict(idle_s=-1), "idle_s -1 is not a number of seconds >= 0"),
        (dict(colour="red"), "unknown keyword"),
        (dict(y=np.array([str(v) for v in y])), "predictions look like numbers"),
    ]
    for kw, msg in cases:
        args = dict(y=y, store=False, idle_s=0)
        args.update(kw)
        yy = args.pop("y")
        with pytest.raises(UsageError, match=msg):
            wattwise.evaluate(model, X, yy, **args)
    with pytest.raises(UsageError, match="one prediction per item"):
        wattwise.evaluate(lambda b: [0], X, y, store=False, idle_s=0, batch_size=4)
    with pytest.raises(UsageError, match=r"shape \(4, 10\).*wrap it to return their argmax"):
        wattwise.evaluate(model.predict_proba, X, y, store=False, idle_s=0, batch_size=4)
    from wattwise.evaluate.core import ModelError

    def broken(batch):
        raise KeyError("pixel_64")

    with pytest.raises(ModelError, match="the model raised KeyError: 'pixel_64'") as info:
        wattwise.evaluate(broken, X, y, store=False, idle_s=0)
    assert isinstance(info.value.__cause__, KeyError)
    with pytest.raises(UsageError, match="cannot evaluate a int"):
        wattwise.evaluate(3, X, y, store=False, idle_s=0)


def test_pandas_frames_and_a_plain_callable(metered):
    pd = pytest.importorskip("pandas")
    from sklearn.datasets import load_wine
    from sklearn.ensemble import RandomForestClassifier

    data = load_wine(as_frame=True)
    df, y = data.data, data.target
    model = RandomForestClassifier(30, random_state=0).fit(df.iloc[::2], y.iloc[::2])
    ev = wattwise.evaluate(model, df.iloc[1::2], y.iloc[1::2], groups={"alcohol": pd.cut(df.alcohol.iloc[1::2], 2).astype(str)},
                           store=False, idle_s=0, batch_size=10, **metered.kw)
    assert ev.overall["value"] == pytest.approx(skm.accuracy_score(y.iloc[1::2], model.predict(df.iloc[1::2])))
    assert sum(g["n"] for g in ev.groups) == len(y.iloc[1::2])
