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
        return importlib.import_module(f"wwtables.{name}")
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
    assert rows[2].startswith("US,41.85,-87.65,America,America/Chicago")  # every zone of a country, by name
    assert rows[3].startswith("US,40.714,-74.006,America,America/New_York")
    assert len(rows) == 4


def test_country_distance_uses_the_closest_points():
    from wattwise.compare import country_distance_km

    assert country_distance_km("US", "CA") < 600  # Detroit/Toronto-scale, not New York to St John's
    assert 800 < country_distance_km("FR", "NO") < 1500
    assert country_distance_km("FR", "FR") == 0
    assert country_distance_km("FR", "XX") is None
