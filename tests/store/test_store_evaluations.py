"""Evaluations (wattwise.evaluate) and counted requests round-trip through both backends: stored by
the evaluation itself, found by the Models page's query, read back by `evaluate compare`."""
from __future__ import annotations

import pytest

import wattwise

pytest.importorskip("sklearn", reason="scikit-learn is in the [test] extra")


def test_evaluations_and_usage_on_both_backends(store_url, tmp_path):
    from sklearn.datasets import load_iris
    from sklearn.naive_bayes import GaussianNB

    from wattwise.evaluate.stored import evaluations
    from wattwise.store import open_store
    from wattwise.testing import FakePowercap

    fake = FakePowercap(tmp_path / "sys")
    kw = dict(scope="node", powercap_root=str(fake.root), gpu=False, install_handlers=False, idle_s=0)
    X, y = load_iris(return_X_y=True)
    model = GaussianNB().fit(X[::2], y[::2])
    evs = [wattwise.evaluate(model, X[1::2], y[1::2], name=f"nb-{i}", project="Iris", store=store_url, **kw) for i in range(2)]
    with wattwise.track(project="Iris", store=store_url, scope="node", powercap_root=str(fake.root), gpu=False,
                        install_handlers=False) as run:
        fake.advance(0, package_j=8.8)
        run.count(requests=4, tokens=100)
    st = open_store(store_url)
    try:
        found = evaluations(st, project="Iris")
        assert [d["name"] for d in found] == ["nb-1", "nb-0"]  # newest first; the service run is not a model
        assert found[0]["overall"] == evs[1].overall
        assert [e.to_dict() for e in wattwise.evaluate.compare([e.run_id for e in evs], st)] == [e.to_dict() for e in evs]
        u = st.get_run(run.result.run_id)["result"]["usage"]
        assert (u["requests"], u["tokens"]) == (4, 100)
        assert u["energy_kwh_per_request"] == pytest.approx(8.8 / 3.6e6 / 4, rel=1e-6)
    finally:
        st.close()
