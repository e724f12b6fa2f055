"""`import wattwise` and reaching wattwise.evaluate / wattwise.pareto stay light: numpy, scikit-learn
and torch load only when an evaluation runs, and a scikit-learn evaluation never loads torch."""
from __future__ import annotations

import json
import subprocess
import sys


def _new_modules(code: str) -> list[str]:
    script = ("import sys\nbefore = set(sys.modules)\n" + code +
              "\nimport json as _j\nprint(_j.dumps(sorted(set(sys.modules) - before)))\n")
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_reaching_the_api_loads_no_heavy_module():
    new = _new_modules("import wattwise\nf = wattwise.evaluate\np = wattwise.pareto\nassert callable(f) and callable(p)\n"
                       "wattwise.evaluate.Evaluation; wattwise.evaluate.side_by_side")
    heavy = {"numpy", "sklearn", "torch", "transformers", "pandas", "scipy", "starlette", "jinja2"}
    assert not heavy & {m.split(".")[0] for m in new}


def test_pareto_of_dicts_needs_no_numpy():
    new = _new_modules("import wattwise\nd = dict(name='a', metric='accuracy', overall={'value': 0.9}, emissions_gco2e_per_1k=1.0)\n"
                       "assert wattwise.pareto([d]) == ['a']")
    assert "numpy" not in new


def test_a_scikit_learn_evaluation_does_not_load_torch():
    new = _new_modules("import wattwise\nfrom sklearn.datasets import load_iris\nfrom sklearn.naive_bayes import GaussianNB\n"
                       "X, y = load_iris(return_X_y=True)\n"
                       "wattwise.evaluate(GaussianNB().fit(X, y), X, y, store=False, idle_s=0, install_handlers=False)")
    assert "torch" not in new and "transformers" not in new
