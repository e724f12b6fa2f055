"""Fixtures for the evaluation tests: real scikit-learn data and models, deterministic energy.

``metered`` gives tracker keywords over a kernel-shaped fake powercap tree (node scope) and a
``charge(batch)`` that advances its package counter by a fixed, continuous number of joules
per item: the energy of an evaluation is then known exactly, independently of the code under test.
"""
from __future__ import annotations

import types

import pytest

pytest.importorskip("numpy")
pytest.importorskip("sklearn", reason="scikit-learn is in the [test] extra")


@pytest.fixture(scope="session")
def digits():
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    X, y = load_digits(return_X_y=True)
    Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=0.25, random_state=0, stratify=y)
    return types.SimpleNamespace(Xtr=Xtr, Xte=Xte, ytr=ytr, yte=yte)


@pytest.fixture
def metered(tmp_path):
    from wattwise.testing import FakePowercap

    fake = FakePowercap(tmp_path / "sys", sockets=1)  # package + dram zones: nothing is modelled

    def charge(j_per_item: float):
        def wrap(predict):
            def fn(batch):
                fake.advance(0, package_j=j_per_item * len(batch))
                return predict(batch)
            return fn
        return wrap

    kw = dict(scope="node", powercap_root=str(fake.root), gpu=False, install_handlers=False, interval=0.2)
    return types.SimpleNamespace(fake=fake, charge=charge, kw=kw)
