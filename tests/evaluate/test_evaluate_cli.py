"""`wattwise evaluate` through the real entry point: a CSV and a Parquet file, a model module, the
side-by-side comparison with the front, the rating and the model card; bad input exits 2 with one line."""
from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest
from sklearn import metrics as skm

MODELS = textwrap.dedent("""
    from sklearn.datasets import load_digits
    from sklearn.linear_model import LogisticRegression
    from sklearn.naive_bayes import GaussianNB

    X, y = load_digits(return_X_y=True)

    def logreg():
        return LogisticRegression(max_iter=3000).fit(X[:1200], y[:1200])

    nb = GaussianNB().fit(X[:1200], y[:1200])

    def broken(batch):
        raise ValueError("shapes do not match")
""")


@pytest.fixture
def workdir(tmp_path):
    from sklearn.datasets import load_digits

    (tmp_path / "models.py").write_text(MODELS)
    X, y = load_digits(return_X_y=True)
    X, y = X[1200:], y[1200:]
    ink = np.where((X > 0).sum(axis=1) > 30, "heavy", "light")
    with (tmp_path / "test.csv").open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow([f"px{i}" for i in range(64)] + ["digit", "ink"])
        for row, t, g in zip(X, y, ink):
            w.writerow([f"{v:g}" for v in row] + [int(t), g])
    return tmp_path, X, y, ink


def _run(cwd, *args, env_extra=None):
    env = dict(os.environ, WATTWISE_STORE=str(cwd / "runs.db"))
    env.update(env_extra or {})
    return subprocess.run([sys.executable, "-m", "wattwise", *args], cwd=cwd, capture_output=True, text=True, env=env,
                          timeout=300)


def test_evaluate_compare_rate_and_card(workdir):
    cwd, X, y, ink = workdir
    ids = {}
    for spec in ("models:logreg", "models.py:nb"):
        out = _run(cwd, "evaluate", "--model", spec, "--data", "test.csv", "--label", "digit", "--group", "ink",
                   "--region", "FR", "--idle", "0.1", "--batch-size", "32", "--json")
        assert out.returncode == 0, out.stderr
        d = json.loads(out.stdout.strip().splitlines()[-1])
        ids[d["name"]] = d["run_id"]
        from sklearn.linear_model import LogisticRegression
        from sklearn.naive_bayes import GaussianNB
        from sklearn.datasets import load_digits

        Xa, ya = load_digits(return_X_y=True)
        model = (LogisticRegression(max_iter=3000) if "logreg" in spec else GaussianNB()).fit(Xa[:1200], ya[:1200])
        pred = model.predict(X)
        assert d["overall"]["value"] == pytest.approx(skm.accuracy_score(y, pred))
        for g in d["groups"]:
            m = ink == g["group"]
            assert g["value"] == pytest.approx(skm.accuracy_score(y[m], pred[m])) and g["n"] == int(m.sum())
        assert d["dataset"] == "test.csv" and d["energy_kwh_per_1k"] > 0 and d["emissions_gco2e_per_1k"] > 0
        assert {c["method"] for c in d["components"]} <= {"measured", "modelled"}
    assert set(ids) == {"LogisticRegression", "GaussianNB"}

    out = _run(cwd, "evaluate", "compare", *ids.values())
    assert out.returncode == 0, out.stderr
    text = out.stdout
    assert "LogisticRegression" in text and "GaussianNB" in text and "ink=heavy" in text and "ink=light" in text
    assert "Pareto front (max accuracy, min gCO2e per 1,000 inferences):" in text
    assert "per 1,000 inferences" in text and "(estimate)" in text  # modelled CPU/RAM on this machine
    out = _run(cwd, "evaluate", "compare", *[i[:6] for i in ids.values()], "--json")
    d = json.loads(out.stdout.strip().splitlines()[-1])
    import wattwise

    assert d["front"] == wattwise.pareto(d["evaluations"]) and d["front"]
    out = _run(cwd, "evaluate", "compare", "--project", "nope")
    assert out.returncode == 2 and out.stderr.count("\n") == 1 and "no evaluations in project 'nope'" in out.stderr

    out = _run(cwd, "evaluate", "rate", ids["GaussianNB"], "--task", "lm-arena-chat")
    assert out.returncode == 2 and "no measured GPU energy" in out.stderr and "Traceback" not in out.stderr
    out = _run(cwd, "evaluate", "rate", "--wh-per-query", "0.05", "--hardware", "NVIDIA H100 80GB HBM3", "--task",
               "lm-arena-chat", "--json")
    r = json.loads(out.stdout.strip().splitlines()[-1])
    assert out.returncode == 0 and r["stars"] in range(1, 6) and r["hardware_class"] == "H100"

    yaml = pytest.importorskip("yaml")
    out = _run(cwd, "evaluate", "card", ids["LogisticRegression"])
    card = yaml.safe_load(out.stdout)
    metrics = card["model-index"][0]["results"][0]["metrics"]
    assert card["model-index"][0]["name"] == "LogisticRegression"
    assert [m["type"] for m in metrics][:3] == ["accuracy"] * 3
    assert any(m["type"] == "energy_kwh_per_1k_inferences" and m["value"] > 0 for m in metrics)
    assert "co2_eq_emissions (training)" in out.stdout


def test_parquet_input(workdir):
    pa = pytest.importorskip("pyarrow")
    import pyarrow.parquet as pq

    cwd, X, y, ink = workdir
    table = {f"px{i}": X[:, i].tolist() for i in range(64)}
    table.update(digit=y.tolist(), ink=ink.tolist())
    pq.write_table(pa.table(table), cwd / "test.parquet")
    out = _run(cwd, "evaluate", "--model", "models:nb", "--data", "test.parquet", "--label", "digit", "--group", "ink",
               "--idle", "0", "--batch-size", "64", "--json")
    assert out.returncode == 0, out.stderr
    d = json.loads(out.stdout.strip().splitlines()[-1])
    assert d["overall"]["n"] == len(y) and len(d["groups"]) == 2


def test_parquet_without_pyarrow_names_the_install(workdir):
    cwd = workdir[0]
    (cwd / "x.parquet").write_bytes(b"PAR1")
    code = ("import sys; sys.modules['pyarrow'] = None; sys.modules['pyarrow.parquet'] = None; sys.modules['pandas'] = None;"
            "from wattwise.cli import main; sys.exit(main(['evaluate', '--model', 'models:nb', '--data', 'x.parquet',"
            " '--label', 'digit']))")
    out = subprocess.run([sys.executable, "-c", code], cwd=cwd, capture_output=True, text=True, timeout=120)
    assert out.returncode == 2
    assert out.stderr.strip() == "wattwise: error: reading .parquet files needs the 'pyarrow' package; install it with: pip install pyarrow"


@pytest.mark.parametrize("args,msg", [
    (["--data", "test.csv", "--label", "digit"], "evaluate needs --model"),
    (["--model", "models:nb", "--data", "missing.csv", "--label", "digit"], "data file 'missing.csv' not found"),
    (["--model", "models:nb", "--data", "test.csv", "--label", "digits"], "did you mean 'digit'"),
    (["--model", "models:nb", "--data", "test.csv", "--label", "digit", "--group", "inc"], "group column 'inc'"),
    (["--model", "models:nope", "--data", "test.csv", "--label", "digit"], "'models' has no 'nope'"),
    (["--model", "models", "--data", "test.csv", "--label", "digit"], "needs MODULE:CALLABLE"),
    (["--model", "nomodule:x", "--data", "test.csv", "--label", "digit"], "no module 'nomodule'"),
    (["--model", "models:broken", "--data", "test.csv", "--label", "digit"], "the model raised ValueError: shapes do not match (predicting a batch of 1 item) on test.csv"),
    (["--model", "models:nb", "--data", "test.csv", "--label", "digit", "--metric", "f3"], "unknown metric 'f3'"),
    (["--model", "models:nb", "--data", "test.csv", "--label", "digit", "--batch-size", "0"], "must be >= 1"),
    (["--model", "models:nb", "--data", "test.csv", "--label", "digit", "--region", "Atlantis"], "Atlantis"),
    (["rate", "--task", "gpqa"], "give a RUN_ID"),
    (["--model", "models:nb", "--data", "test.csv", "--label", "digit", "--group", "digit"], "feature column(s) ink are not numeric"),
])
def test_bad_input_exits_2_with_one_line(workdir, args, msg):
    if "--model" in args and "--group" not in args and "--label" in args and "digits" not in args:
        args = [*args, "--group", "ink"]  # else: 'feature column(s) ink are not numeric' (tested below)
    out = _run(workdir[0], "evaluate", *args)
    assert out.returncode == 2, out.stderr
    assert msg in out.stderr and "Traceback" not in out.stderr
    assert out.stderr.strip().count("\n") == 0, out.stderr
