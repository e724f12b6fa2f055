"""``%load_ext wattwise`` and ``%%wattwise``, run by IPython's own InteractiveShell."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

pytest.importorskip("IPython", reason="pip install ipython (the [notebook] extra)")
from IPython.core.interactiveshell import InteractiveShell  # noqa: E402
from IPython.utils.capture import capture_output  # noqa: E402

from wattwise.result import Measurement  # noqa: E402
from wattwise.store import open_store  # noqa: E402
from wattwise.units import format_energy_j  # noqa: E402


@pytest.fixture
def ip(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("WATTWISE_OFFLINE", "1")
    shell = InteractiveShell.instance()
    shell.run_line_magic("load_ext", "wattwise")
    yield shell
    shell.user_ns.pop("_wattwise", None)


def test_cell_is_measured_stored_and_summarised(ip, tmp_path):
    db = tmp_path / "runs.db"
    with capture_output() as cap:
        ip.run_cell(f"%%wattwise --region FR --project nb --interval 0.1 --store {db}\n"
                    "total = sum(i * i for i in range(300_000))\nprint('cell says', total > 0)\ntotal % 7\n")
    assert "cell says True" in cap.stdout
    m = ip.user_ns["_wattwise"]
    assert isinstance(m, Measurement) and m.status == "finished" and m.exit_code == 0
    assert ip.user_ns["total"] == sum(i * i for i in range(300_000))  # the cell ran in the user's namespace
    outs = [o.data for o in cap.outputs]
    summary = next(d for d in outs if "text/html" in d)
    assert m.run_id in summary["text/plain"] and format_energy_j(m.energy_j) in summary["text/plain"]
    assert "<table>" in summary["text/html"] and "gCO2e/kWh, FR" in summary["text/html"]
    for c in m.components:
        assert f"<td>{c.name}</td>" in summary["text/html"]
    assert f": {sum(i * i for i in range(300_000)) % 7}" in cap.stdout  # the cell's Out[] still shown
    run = open_store(db, readonly=True).get_run(m.run_id)
    assert run["project"] == "nb" and run["energy_j"] == pytest.approx(m.energy_j)
    assert m._repr_html_() == summary["text/html"]


def test_failing_cell_is_stored_as_failed_and_the_error_shows(ip, tmp_path):
    db = tmp_path / "runs.db"
    with capture_output() as cap:
        ip.run_cell(f"%%wattwise --region DE --store {db}\nraise ValueError('bad batch')\n")
    assert "bad batch" in cap.stdout + cap.stderr
    m = ip.user_ns["_wattwise"]
    assert (m.status, m.exit_code) == ("failed", 1)
    assert open_store(db, readonly=True).get_run(m.run_id)["status"] == "failed"


def test_bad_options_are_one_usage_line_and_the_cell_does_not_run(ip):
    with capture_output() as cap:
        ip.run_cell("%%wattwise --region Atlantis --no-store\nran = True\n")
    assert "ran" not in ip.user_ns
    text = cap.stdout + cap.stderr
    assert "UsageError: %%wattwise: unknown region 'Atlantis'" in text and "Traceback" not in text
    with capture_output() as cap:
        ip.run_cell("%%wattwise --interval\nran = True\n")
    assert "UsageError" in cap.stdout + cap.stderr and "ran" not in ip.user_ns


def test_load_ext_entry_point_keeps_import_wattwise_light():
    code = ("import sys, json\nimport wattwise\nassert callable(wattwise.load_ipython_extension)\n"
            "print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in ('IPython', 'prometheus_client', 'mlflow',"
            " 'wandb', 'keras', 'tensorboard', 'torch') or m.startswith('wattwise.'))))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout) == []
