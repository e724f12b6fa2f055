"""View models: chart data from the store, badges, the store's edge sampling."""
from __future__ import annotations

import pytest

from wattwise.store import open_store
from wattwise.web import views


def test_samples_at_edges_gives_exact_mean_power_and_total(store_path, factory):
    T0, write_run = factory.T0, factory.write_run

    st = open_store(store_path)
    # 2,000 ticks of 3 components; cpu's power changes every tick
    m = write_run(st, "edge00000001", start=T0, duration_s=20_000, interval=10.0, components={
        "cpu": ("measured", "rapl:package-0", lambda t: 50 + (t % 70)),
        "ram": ("modelled", "model", lambda t: 5.0)})
    rows = st.samples_at_edges("edge00000001", 100)
    ticks = sorted({r["t"] for r in rows})
    assert 90 <= len(ticks) <= 101
    assert ticks[-1] == T0 + 20_000  # the last sample is always included
    last = {r["component"]: r["energy_j"] for r in rows if r["t"] == ticks[-1]}
    assert last["cpu"] == pytest.approx(m.component("cpu").energy_j)
    # mean power between two edges equals the mean of the true per-tick power over that stretch
    cpu = {r["t"]: r["energy_j"] for r in rows if r["component"] == "cpu"}
    a, b = ticks[10], ticks[11]
    n0, n1 = round((a - T0) / 10), round((b - T0) / 10)
    true_mean = sum(50 + ((k * 10) % 70) for k in range(n0 + 1, n1 + 1)) / (n1 - n0)
    assert (cpu[b] - cpu[a]) / (b - a) == pytest.approx(true_mean)


def test_samples_at_edges_short_run_returns_every_sample(store_path, factory):
    write_run = factory.write_run

    st = open_store(store_path)
    write_run(st, "short0000001", duration_s=50, interval=10.0, components={"cpu": ("measured", "x", lambda t: 1.0)})
    assert len(st.samples_at_edges("short0000001", 400)) == 5
    assert st.samples_at_edges("nosuchrun000", 400) == []


def test_timeline_falls_back_to_downsampled_samples_on_stores_without_edges(demo_store):
    path, ids = demo_store
    st = open_store(path, readonly=True)

    class OldStore:  # a backend with only the original read API
        def __getattr__(self, name):
            if name == "samples_at_edges":
                raise AttributeError(name)
            return getattr(st, name)

    v = views.run_view(OldStore(), ids["gpu"])
    assert v["chart"] is not None and len(v["chart"]["power"]["x"]) > 100
    assert v["chart"]["emissions"]["y"][-1] == pytest.approx(st.get_run(ids["gpu"])["emissions_g"], rel=1e-6)


def test_run_without_samples_has_no_chart_but_a_page(store_path, factory):
    write_run = factory.write_run

    st = open_store(store_path)
    write_run(st, "nosamples001", duration_s=5, interval=10.0)  # shorter than one tick: no sample
    v = views.run_view(st, "nosamples001")
    assert v["chart"] is None and v["energy"]


@pytest.mark.parametrize("methods,kind", [
    ("measured", "measured"), ("measured,modelled", "partly"), ("modelled", "estimated"),
    ("modelled,unavailable", "estimated"), ("user", "user"), ("", "unknown"), (None, "unknown"),
    ("unavailable", "unknown"),
])
def test_badges(methods, kind):
    assert views.badge(methods)["kind"] == kind


def test_intensity_series_shapes():
    r = {"intensity": {"method": "hourly", "series": [{"datetime": "2026-01-01T01:00Z", "g_per_kwh": 200},
                                                        {"datetime": "2026-01-01T00:00Z", "g_per_kwh": 100},
                                                        {"datetime": "garbage", "g_per_kwh": 5}]}}
    s = views.intensity_series(r)
    assert [g for _, g in s] == [100, 200]
    assert views.intensity_series({"intensity_timeline": [[1_767_225_600, 50.0]]}) == [(1_767_225_600.0, 50.0)]
    assert views.intensity_series({"intensity": {}}) == []


def test_formatting_carries_units():
    assert views.fmt_power(0.5) == "500.0 mW" and views.fmt_power(1500) == "1.50 kW"
    assert views.fmt_intensity(None) == "unknown" and views.fmt_intensity(float("nan")) == "unknown"
    assert views.fmt_intensity(56.04) == "56.0 gCO2e/kWh"
    assert views.fmt_time(0) == "1970-01-01 00:00:00 UTC"
