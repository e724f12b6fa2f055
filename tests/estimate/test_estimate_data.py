"""The shipped estimate tables are exactly what the builders derive from the upstream data."""
from __future__ import annotations

import importlib
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
DATA = REPO / "src" / "wattwise" / "data"


def _builder(name):
    sys.path.insert(0, str(REPO / "scripts"))
    try:
        return importlib.import_module(f"datasets.{name}")
    finally:
        sys.path.remove(str(REPO / "scripts"))


@pytest.mark.parametrize("name", ["hardware", "estimate_factors"])
def test_builder_reproduces_shipped_tables(name, shared_data, tmp_path):
    mod = _builder(name)
    mod.build(shared_data, tmp_path)
    for out in mod.OUTPUTS:
        assert (tmp_path / out).read_text() == (DATA / out).read_text(), f"{out} is stale: run scripts/build_data.py {name}"


def test_country_locations_builder(tmp_path):
    mod = _builder("country_locations")
    zt = tmp_path / "zone.tab"
    zt.write_text("# comment\nFR\t+4852+00220\tEurope/Paris\nUS\t+404251-0740023\tAmerica/New_York\tEastern\n"
                  "US\t+415100-0873900\tAmerica/Chicago\tCentral\n")
    mod.build(tmp_path, tmp_path, zone_tab=zt)
    rows = [line for line in (tmp_path / "country_locations.csv").read_text().splitlines() if not line.startswith("#")]
    assert rows[0].startswith("country,lat,lon,continent")
    assert rows[1].startswith("FR,48.867,2.333,Europe,Europe/Paris")
    assert rows[2].startswith("US,40.714,-74.006,America,America/New_York")  # first zone of the country only
    assert len(rows) == 3
