"""Every shipped table is exactly what its builder derives from the upstream files.

A figure may change only through scripts/build_data.py (and its scripts/wwtables/ module);
hand edits, or a builder changed without re-running it, fail here.
"""
from __future__ import annotations

import filecmp
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
DATA = REPO / "src" / "wattwise" / "data"


def test_all_tables_rebuild_identically(shared_data, tmp_path):
    pytest.importorskip("pycountry", reason="the builders need pycountry (in the [test] extra)")
    sys.path.insert(0, str(REPO / "scripts"))
    try:
        from build_data import main as build_main

        assert build_main(["--shared", str(shared_data), "--out", str(tmp_path)]) == 0
    finally:
        sys.path.remove(str(REPO / "scripts"))
    shipped = sorted(p.name for p in DATA.glob("*.csv"))
    built = sorted(p.name for p in tmp_path.glob("*.csv"))
    assert shipped == built, "a shipped table has no builder (or a builder's output is not committed)"
    for name in shipped:
        assert filecmp.cmp(tmp_path / name, DATA / name, shallow=False), f"{name} differs from its builder's output"


def test_every_row_names_source_and_license():
    import csv

    for path in DATA.glob("*.csv"):
        with path.open(encoding="utf-8") as f:
            rows = list(csv.DictReader(line for line in f if not line.startswith("#")))
        cols = set(rows[0]) if rows else set()
        assert "source" in cols or any(c.endswith("source") for c in cols), f"{path.name} has no source column"
        lic = [c for c in cols if "license" in c]
        assert lic, f"{path.name} has no license column"
        for r in rows:
            assert any(r.get(c) for c in cols if c == "source" or c.endswith("source")), f"{path.name}: row without source: {r}"
            assert any(r.get(c) for c in lic), f"{path.name}: row without license: {r}"
