"""Fixtures for the estimate tests: cloud regions built as Region objects (until the cloud table ships)."""
from __future__ import annotations

import pytest

from wattwise import regions
from wattwise.regions import Region

CLOUD = [
    # id, g/kWh, pue (None: provider default), country
    ("aws:us-east-1", 379.1, None, "US"),
    ("aws:us-west-2", 240.0, None, "US"),
    ("aws:ca-central-1", 20.0, None, "CA"),
    ("aws:eu-north-1", 8.8, 1.1, "SE"),
    ("gcp:europe-west1", 100.0, 1.09, "BE"),
]


@pytest.fixture
def cloud_regions(monkeypatch):
    """Adds a few cloud regions (kind 'cloud', provider, country, zone, optional PUE) to whatever tables ship."""
    regs, aliases = regions._load()
    regs, aliases = dict(regs), dict(aliases)
    for rid, g, pue, country in CLOUD:
        if rid in regs:
            continue
        regs[rid] = Region(id=rid, kind="cloud", name=f"test {rid}", g_per_kwh=g, year=2023, source="test fixture",
                           license="test", zone=country, provider=rid.split(":")[0], country=country, pue=pue,
                           pue_source="test fixture PUE" if pue else None)
        aliases[rid] = rid
    monkeypatch.setattr(regions, "_load", lambda: (regs, aliases))
    return regs
