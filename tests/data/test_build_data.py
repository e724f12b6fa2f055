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


def _pinned_package_missing() -> dict[str, str]:
    """Builders whose input is a pinned package, not ../shared/data, mapped to why they cannot run here
    (airports.csv needs airportsdata at its pinned version, Python >= 3.11)."""
    sys.path.insert(0, str(REPO / "scripts"))
    try:
        from wwtables import airports
    finally:
        sys.path.remove(str(REPO / "scripts"))
    try:
        from importlib.metadata import PackageNotFoundError, version

        have = version("airportsdata")
    except PackageNotFoundError:
        return {"airports": "airportsdata is not installed"}
    return {} if have == airports.VERSION else {"airports": f"airportsdata {have} is not the pinned {airports.VERSION}"}


def test_all_tables_rebuild_identically(shared_data, tmp_path):
    pytest.importorskip("pycountry", reason="the builders need pycountry (in the [test] extra)")
    import importlib
    import pkgutil

    missing = _pinned_package_missing()
    sys.path.insert(0, str(REPO / "scripts"))
    try:
        import wwtables
        from build_data import main as build_main

        names = sorted(m.name for m in pkgutil.iter_modules(wwtables.__path__) if not m.name.startswith("_"))
        left_out = {o for n in missing for o in importlib.import_module(f"wwtables.{n}").OUTPUTS}
        assert build_main(["--shared", str(shared_data), "--out", str(tmp_path),
                           *[n for n in names if n not in missing]]) == 0
    finally:
        sys.path.remove(str(REPO / "scripts"))
    shipped = sorted(p.name for p in DATA.glob("*.csv") if p.name not in left_out)
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


def test_airports_table_rebuilds_from_the_pinned_package(tmp_path):
    """airports.csv comes from the airportsdata package (pinned in the [test] extra), not ../shared/data."""
    why = _pinned_package_missing().get("airports")
    if why:
        pytest.skip(f"{why}: pip install -e '.[test]' on Python >= 3.11")
    sys.path.insert(0, str(REPO / "scripts"))
    try:
        from wwtables import airports

        airports.build(tmp_path, tmp_path)
    finally:
        sys.path.remove(str(REPO / "scripts"))
    assert filecmp.cmp(tmp_path / "airports.csv", DATA / "airports.csv", shallow=False)
    assert filecmp.cmp(tmp_path / "airports.LICENSE.md", DATA / "airports.LICENSE.md", shallow=False)
