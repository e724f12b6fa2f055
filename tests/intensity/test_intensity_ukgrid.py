"""GB Carbon Intensity API against a local server serving NESO's real March 2023 forecasts and actuals."""
from __future__ import annotations

import json
import re

import pytest
from ci_payloads import gb_actuals, gb_period, gb_vintages, hits, ts
from werkzeug import Request, Response

from wattwise.intensity import account_for, resolve_intensity
from wattwise.intensity.base import ProviderError
from wattwise.intensity.cache import HourCache
from wattwise.intensity.http import HttpClient
from wattwise.intensity.ukgrid import UKGrid
from wattwise.units import J_PER_KWH

RANGE = re.compile(r"^/intensity/(\d{4}-\d\d-\d\dT\d\d:\d\dZ)/(\d{4}-\d\d-\d\dT\d\d:\d\dZ)$")
FW48 = re.compile(r"^/intensity/(\d{4}-\d\d-\d\dT\d\d:\d\dZ)/fw48h$")
REGIONAL = re.compile(r"^/regional/intensity/(\d{4}-\d\d-\d\dT\d\d:\d\dZ)/(\d{4}-\d\d-\d\dT\d\d:\d\dZ)/regionid/(\d+)$")


def serve_range(server, actuals, log):
    def handler(request: Request) -> Response:
        a, b = (ts(x) for x in RANGE.match(request.path).groups())
        log.append((a, b))
        data = [gb_period(t, f, act) for t, (f, act) in actuals.items() if a <= t < b]
        return Response(json.dumps({"data": data}), content_type="application/json")
    server.expect_request(RANGE).respond_with_handler(handler)


def provider(server, tmp_path, clock, **kw):
    client = HttpClient(server.url_for(""), what="GB Carbon Intensity API", sleep=lambda s: None)
    return UKGrid(client=client, cache=HourCache(tmp_path / "c"), clock=lambda: clock, **kw)


def test_history_prefers_actuals_and_falls_back_to_forecast(server, tmp_path, online, shared_data):
    actuals = gb_actuals(shared_data)
    log: list = []
    serve_range(server, actuals, log)
    p = provider(server, tmp_path, ts("2023-03-18T04:00:00Z"))
    start, end = ts("2023-03-15T00:00:00Z"), ts("2023-03-15T06:00:00Z")
    s = p.history("GB", start, end)
    assert s.resolution_s == 1800
    for t, (f, a) in actuals.items():
        if start <= t < end:
            assert s.value_at(t + 60) == (a if a is not None else f), t
    missing = ts("2023-03-15T02:00:00Z")  # no actual published for this half hour
    assert actuals[missing][1] is None and s.value_at(missing) == actuals[missing][0]


def test_hourly_emissions_match_a_hand_computation(server, tmp_path, online, shared_data, monkeypatch):
    """A 1.5 kW load from 06:10 to 17:50 on 15 March 2023, sampled in 7-second ticks, against NESO's data."""
    actuals = gb_actuals(shared_data)
    serve_range(server, actuals, [])
    monkeypatch.setenv("WATTWISE_UKGRID_URL", server.url_for(""))
    start, end = ts("2023-03-15T06:10:00Z"), ts("2023-03-15T17:50:00Z")
    segs, t = [], start
    while t < end:
        u = min(end, t + 7.0)
        segs.append((t, u, 1500.0 * (u - t)))
        t = u
    acct = account_for(resolve_intensity("GB"), provider="ukgrid", clock=lambda: ts("2023-03-18T04:00:00Z"))
    grams = acct.emissions_g(segs)
    # by hand: kWh in each half hour x that half hour's intensity
    expected = 0.0
    for t0, (f, a) in actuals.items():
        overlap = max(0.0, min(end, t0 + 1800) - max(start, t0))
        expected += 1.5 * overlap / 3600 * (a if a is not None else f)
    assert grams == pytest.approx(expected, rel=1e-9)
    i = acct.result_intensity(segs)
    assert i.method == "hourly" and i.zone == "GB" and i.extra["coverage_pct"] == 100.0
    total_kwh = sum(e for _, _, e in segs) / J_PER_KWH
    assert i.g_per_kwh == pytest.approx(expected / total_kwh)
    assert "NESO" in i.source and i.license.startswith("CC BY 4.0")
    # NESO's factors are operational (nuclear and wind at 0 g/kWh): the run is on the direct basis,
    # and the annual figure beside it (and for any gap) is GB's direct one, not the life-cycle default
    assert i.basis == "direct" and "direct basis throughout" in i.note
    assert i.extra["annual_g_per_kwh"] == resolve_intensity("GB", basis="direct").g_per_kwh


def test_forecast_replays_an_issued_vintage(server, tmp_path, online, shared_data):
    vintages = gb_vintages(shared_data)
    issued = ts("2023-03-15T08:01:00Z")
    rows = vintages[issued]

    def handler(request: Request) -> Response:
        frm = ts(FW48.match(request.path).group(1))
        assert frm == ts("2023-03-15T08:00:00Z")  # the current half hour, as the API expects
        return Response(json.dumps({"data": [gb_period(t, f, None) for t, f in rows]}),
                        content_type="application/json")

    server.expect_request(FW48).respond_with_handler(handler)
    p = provider(server, tmp_path, issued)
    s = p.forecast("GB")
    assert len(s) == 96 and s.resolution_s == 1800
    # a value 24 h ahead, exactly as the 08:01Z vintage published it
    target = ts("2023-03-16T08:00:00Z")
    assert s.value_at(target + 1) == dict(rows)[target]
    p.forecast("GB")
    assert hits(server, "/intensity/") == 1  # same issue hour: served from the cache


def test_regional_shape(server, tmp_path, online, shared_data):
    actuals = gb_actuals(shared_data)

    def handler(request: Request) -> Response:
        a, b, rid = REGIONAL.match(request.path).groups()
        periods = [gb_period(t, f, None) for t, (f, _) in actuals.items() if ts(a) <= t < ts(b)]
        for p in periods:
            del p["intensity"]["actual"]  # regional periods publish forecasts only
            p["generationmix"] = [{"fuel": "wind", "perc": 40.0}, {"fuel": "gas", "perc": 60.0}]
        body = {"data": {"regionid": int(rid), "dnoregion": "UKPN London", "shortname": "London", "data": periods}}
        return Response(json.dumps(body), content_type="application/json")

    server.expect_request(REGIONAL).respond_with_handler(handler)
    p = provider(server, tmp_path, ts("2023-03-18T04:00:00Z"), region="London")
    assert p.regionid == 13
    s = p.history("GB", ts("2023-03-16T00:00:00Z"), ts("2023-03-16T03:00:00Z"))
    assert s.value_at(ts("2023-03-16T01:00:00Z")) == actuals[ts("2023-03-16T01:00:00Z")][0]
    assert "region 13 London" in s.source


def test_latest_and_fourteen_day_windows(server, tmp_path, online):
    server.expect_request("/intensity").respond_with_json(
        {"data": [gb_period(ts("2023-03-15T12:00:00Z"), 150, 141)]})
    p = provider(server, tmp_path, ts("2023-03-15T12:10:00Z"))
    r = p.latest("GB")
    assert (r.g_per_kwh, r.estimated, r.extra["index"]) == (141, False, "moderate")
    flat = {ts("2023-01-01T00:00:00Z") + k * 1800: (100, 90) for k in range(20 * 48)}
    log: list = []
    serve_range(server, flat, log)
    p.history("GB", ts("2023-01-01T00:00:00Z"), ts("2023-01-21T00:00:00Z"))
    assert len(log) == 2 and all(b - a <= 14 * 86400 for a, b in log)


def test_other_zones_are_refused_and_the_run_falls_back(server, tmp_path, online, monkeypatch):
    monkeypatch.setenv("WATTWISE_UKGRID_URL", server.url_for(""))
    with pytest.raises(ProviderError, match="Great Britain only"):
        provider(server, tmp_path, ts("2023-03-18T04:00:00Z")).latest("FR")
    acct = account_for(resolve_intensity("FR"), provider="ukgrid")
    segs = [(ts("2023-03-15T06:00:00Z"), ts("2023-03-15T07:00:00Z"), 3.6e6)]
    # the fallback is FR's annual figure on the provider's (direct) basis: one basis for the whole run
    assert acct.emissions_g(segs) == pytest.approx(resolve_intensity("FR", basis="direct").g_per_kwh)
    i = acct.result_intensity(segs)
    assert i.method == "annual" and "Great Britain only" in i.note and i.basis == "direct"
    assert hits(server, "/") == 0


def test_unknown_region_name_is_explained():
    with pytest.raises(ProviderError, match="13 = London"):
        UKGrid(region="Atlantis")


def test_series_helpers_for_schedulers(server, tmp_path, online, shared_data, monkeypatch):
    from wattwise.intensity import forecast_series, history_series

    actuals = gb_actuals(shared_data)
    serve_range(server, actuals, [])
    monkeypatch.setenv("WATTWISE_UKGRID_URL", server.url_for(""))
    s = history_series("GB", ts("2023-03-15T00:00:00Z"), ts("2023-03-15T02:00:00Z"), provider="ukgrid",
                       clock=lambda: ts("2023-03-18T04:00:00Z"))
    assert s.value_at(ts("2023-03-15T01:00:00Z")) == actuals[ts("2023-03-15T01:00:00Z")][1]
    with pytest.raises(ProviderError, match="no time series"):
        forecast_series("GB")
