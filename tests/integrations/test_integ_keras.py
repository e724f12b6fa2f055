"""The Keras 3 callback with real Keras on the PyTorch backend (CPU), fitting a small dense model."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import need
from wattwise.store import open_store
from wattwise.units import J_PER_KWH

pytestmark = pytest.mark.filterwarnings("error::wattwise.integrations._session.WattwiseWarning")
HERE = Path(__file__).resolve().parent

# Keras picks its backend once, at import: run each fit in a fresh interpreter with KERAS_BACKEND=torch.
SCRIPT = r'''
import json, sys
import numpy as np
import keras
from wattwise.integrations.keras import WattwiseCallback

assert keras.backend.backend() == "torch", keras.backend.backend()
rng = np.random.default_rng(0)
x = rng.normal(size=(96, 8)).astype("float32")
y = (x @ rng.normal(size=(8, 1))).astype("float32")
model = keras.Sequential([keras.Input((8,)), keras.layers.Dense(16, activation="relu"), keras.layers.Dense(1)], name="regress")
model.compile(optimizer="sgd", loss="mse")
cb = WattwiseCallback(region="FR", interval=0.1, store=sys.argv[1], verbose=False)
mode = sys.argv[2]
if mode == "fail":
    class Boom(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            if epoch == 1:
                raise RuntimeError("diverged")
    try:
        model.fit(x, y, epochs=3, batch_size=16, verbose=0, callbacks=[cb, Boom()])
    except RuntimeError as e:
        print("RAISED", e)
    model.fit(x, y, epochs=1, batch_size=16, verbose=0, callbacks=[cb])
else:
    h = model.fit(x, y, epochs=3, batch_size=16, verbose=0, callbacks=[cb])
    print(json.dumps({"history": h.history, "metrics": cb.metrics, "run_id": cb.run_id,
                      "windows": [[w.name, w.energy_j] for w in cb.result.windows]}))
'''


def _fit(tmp_path, mode="ok"):
    need("keras", "torch")
    env = dict(os.environ, KERAS_BACKEND="torch", PYTHONPATH=str(HERE.parents[1] / "src"), OMP_NUM_THREADS="1",
               XDG_DATA_HOME=str(tmp_path / "data"))
    out = subprocess.run([sys.executable, "-c", SCRIPT, str(tmp_path / "runs.db"), mode], capture_output=True, text=True,
                         env=env, timeout=300)
    assert out.returncode == 0, out.stderr[-3000:]
    return out


def test_fit_is_one_run_with_a_window_and_logs_per_epoch(tmp_path):
    import json

    d = json.loads(_fit(tmp_path).stdout.strip().splitlines()[-1])
    h = d["history"]
    assert len(h["loss"]) == 3 and len(h["wattwise_epoch_energy_kwh"]) == 3
    assert [w[0] for w in d["windows"]] == ["epoch-0", "epoch-1", "epoch-2"]
    assert h["wattwise_epoch_energy_kwh"] == pytest.approx([w[1] / J_PER_KWH for w in d["windows"]])
    assert len(h["wattwise_projected_energy_kwh"]) == 3  # a projection from the first epoch on
    assert h["wattwise_energy_kwh"] == sorted(h["wattwise_energy_kwh"])  # cumulative
    run = open_store(tmp_path / "runs.db", readonly=True).get_run(d["run_id"])
    assert run["project"] == "regress" and run["status"] == "finished"
    assert d["metrics"]["wattwise_energy_kwh"] == pytest.approx(run["energy_j"] / J_PER_KWH)
    assert run["result"]["framework"] == "keras"


def test_a_fit_that_raises_is_interrupted_and_the_next_fit_is_a_new_run(tmp_path):
    out = _fit(tmp_path, "fail")
    assert "RAISED diverged" in out.stdout
    runs = open_store(tmp_path / "runs.db", readonly=True).list_runs(order="start", desc=False)
    assert [r["status"] for r in runs] == ["interrupted", "finished"]
