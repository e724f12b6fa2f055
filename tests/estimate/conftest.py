"""Fixtures for the estimate tests: cloud regions built as Region objects (until the cloud table ships)."""
from __future__ import annotations

import pytest

from wattwise import regions
from wattwise.regions import Region

CLOUD = [
    # id, g/kWh, pue (None: provider default), country[, access when not public]
    ("aws:us-east-1", 379.1, None, "US"),
    ("aws:us-west-2", 240.0, None, "US"),
    ("aws:ca-central-1", 20.0, None, "CA"),
    ("aws:eu-north-1", 8.8, 1.1, "SE"),
    ("gcp:europe-west1", 100.0, 1.09, "BE"),
    ("aws:us-gov-west-1", 80.0, None, "US", "AWS GovCloud (restricted access)"),
]


@pytest.fixture
def cloud_regions(monkeypatch):
    """Replaces the bundled cloud regions (if any ship) with these few, so expectations do not drift with the data."""
    regs, aliases = regions._load()
    regs = {k: v for k, v in regs.items() if v.kind != "cloud"}
    aliases = {k: v for k, v in aliases.items() if v in regs}
    for rid, g, pue, country, *access in CLOUD:
        regs[rid] = Region(id=rid, kind="cloud", name=f"test {rid}", g_per_kwh=g, year=2023, source="test fixture",
                           license="test", zone=country, provider=rid.split(":")[0], country=country, pue=pue,
                           pue_source="test fixture PUE" if pue else None,
                           extra={"access": access[0]} if access else {})
        aliases[rid] = rid
    monkeypatch.setattr(regions, "_load", lambda: (regs, aliases))
    return regs


ZONES = [  # id, g/kWh, country
    ("US-TEST-DIRTY", 600.0, "US"),
    ("US-TEST-CLEAN1", 50.0, "US"),
    ("US-TEST-CLEAN2", 60.0, "US"),
    ("CA-TEST-HYDRO", 5.0, "CA"),
    ("CA-TEST-HYDRO2", 6.0, "CA"),
]


@pytest.fixture
def zone_regions(monkeypatch):
    """Replaces bundled grid zones (if any ship) with a few test zones in the US and Canada."""
    regs, aliases = regions._load()
    regs = {k: v for k, v in regs.items() if v.kind != "zone"}
    aliases = {k: v for k, v in aliases.items() if v in regs}
    for zid, g, country in ZONES:
        regs[zid] = Region(id=zid, kind="zone", name=f"test {zid}", g_per_kwh=g, year=2024, source="test fixture",
                           license="test", zone=zid, country=country)
        aliases[zid.lower()] = zid
    monkeypatch.setattr(regions, "_load", lambda: (regs, aliases))
    return regs
