"""The recipes in docs/integrations.md run as written."""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import need
from wattwise.store import open_store

DOC = Path(__file__).resolve().parents[2] / "docs" / "integrations.md"


def _block_after(heading: str) -> str:
    text = DOC.read_text()
    section = text[text.index(heading):]
    return re.search(r"```python\n(.*?)```", section, re.S).group(1)


def test_plain_pytorch_loop_recipe(tmp_path):
    need("torch")
    code = _block_after("## A plain PyTorch loop")
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert p.returncode == 0, p.stderr[-3000:]
    lines = p.stdout.splitlines()
    assert [ln.split(":")[0] for ln in lines[:3]] == ["epoch 0", "epoch 1", "epoch 2"]
    assert all("at completion" in ln and "[estimate]" in ln for ln in lines[:3])
    assert re.match(r"^\d+\.\d{6} kWh, \d+\.\d{3} gCO2e, run [0-9a-f]{12}$", lines[3])
    assert [ln.split()[0] for ln in lines[4:]] == ["epoch-0", "epoch-1", "epoch-2"]
    run_id = lines[3].rsplit(" ", 1)[1]
    db = tmp_path / "xdg-data" / "wattwise" / "runs.db"  # the default store under this test's XDG_DATA_HOME
    stored = open_store(db).get_run(run_id)
    assert stored["project"] == "plain-loop" and len(stored["windows"]) == 3


@pytest.mark.parametrize("heading", ["## Hugging Face Trainer", "## Lightning"])
def test_callback_snippets_name_real_arguments(heading):
    """The snippets' callback arguments are the callbacks' own (checked without the frameworks)."""
    import inspect

    from wattwise.integrations._lightning_hooks import LightningHooks

    code = _block_after(heading)
    call = re.search(r"WattwiseCallback\((.*?)\)", code).group(1)
    names = re.findall(r"(\w+)=", call)
    params = inspect.signature(LightningHooks.__init__).parameters
    assert names and all(n in params for n in names), names
