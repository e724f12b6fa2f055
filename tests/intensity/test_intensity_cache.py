"""The on-disk hour cache and the import cost of the intensity layer."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

from wattwise.intensity.base import FetchingProvider, ProviderError
from wattwise.intensity.cache import HourCache, cache_root

H = 1_700_000_000 - 1_700_000_000 % 3600


def test_roundtrip_and_corrupt_files(tmp_path):
    c = HourCache(tmp_path)
    assert c.get_hour("p/Z/average", H) is None
    c.put_hours("p/Z/average", {H: [(H, 1.0), (H + 1800, 2.0)], H + 3600: []})
    assert c.get_hour("p/Z/average", H) == [(H, 1.0), (H + 1800, 2.0)]
    assert c.get_hour("p/Z/average", H + 3600) == []  # a settled gap is remembered as a gap
    day = next((tmp_path / "p" / "Z" / "average").glob("*.json"))
    day.write_text("{not json")
    assert c.get_hour("p/Z/average", H) is None  # ignored, and rewritten on the next put
    c.put_hour("p/Z/average", H, [(H, 3.0)])
    assert c.get_hour("p/Z/average", H) == [(H, 3.0)] and json.loads(day.read_text())  # valid JSON again


def test_cache_lives_under_xdg_cache_home(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xc"))
    assert cache_root() == tmp_path / "xc" / "wattwise" / "intensity"


class Fake(FetchingProvider):
    name = "fake"
    settle_s = 3600.0

    def __init__(self, **kw):
        super().__init__(**kw)
        self.asked: list[tuple[float, float]] = []

    def _fetch_points(self, zone, start, end):
        self.asked.append((start, end))
        pts = [(t, 100.0) for t in range(int(start), int(end), 900) if not (H + 7200 <= t < H + 10800)]
        return pts, {"resolution_s": 900.0}


def test_only_missing_hours_are_fetched_and_unsettled_hours_are_not_kept(tmp_path):
    now = H + 6 * 3600 + 600
    c = HourCache(tmp_path)
    p = Fake(cache=c, clock=lambda: now)
    p.history("Z", H, now)
    assert p.asked == [(H, now)]
    p2 = Fake(cache=c, clock=lambda: now)
    p2.history("Z", H, now)
    # hours 0-4 settled (hour 2 is a gap, but younger than 6 h: asked again); 5 and 6 are too recent
    assert p2.asked == [(H + 2 * 3600, H + 3 * 3600), (H + 5 * 3600, now)]
    later = H + 30 * 3600
    p3 = Fake(cache=c, clock=lambda: later)
    p3.history("Z", H, H + 7 * 3600)
    p4 = Fake(cache=c, clock=lambda: later)
    p4.history("Z", H, H + 7 * 3600)
    assert p4.asked == []  # everything, including the old gap, is settled now


def test_empty_answer_is_a_provider_error(tmp_path):
    class Empty(Fake):
        def _fetch_points(self, zone, start, end):
            return [], {}

    with pytest.raises(ProviderError, match="no data for zone Z"):
        Empty(cache=HourCache(tmp_path), clock=lambda: H + 86400).history("Z", H, H + 3600)


def test_import_stays_light():
    code = ("import sys, wattwise, wattwise.intensity, wattwise.regions, wattwise.cloud, wattwise.intensity.query;"
            "bad = [m for m in ('httpx', 'numpy', 'pycountry', 'wattwise.intensity.electricitymaps') if m in sys.modules];"
            "print(bad)")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert r.stdout.strip() == "[]", r.stdout + r.stderr
