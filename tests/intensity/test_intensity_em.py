"""Electricity Maps API v3 against a real local server serving payloads in the documented shape."""
from __future__ import annotations

import csv
import json
import threading
import time
from datetime import datetime, timezone
from urllib.parse import parse_qs

import pytest
from ci_payloads import hits, ts
from werkzeug import Request, Response

from wattwise.intensity.base import ProviderError
from wattwise.intensity.cache import HourCache
from wattwise.intensity.electricitymaps import ElectricityMaps
from wattwise.intensity.http import HttpClient

TOKEN = "test-token-123"


def em_point(zone: str, t: float, g: float | None, estimated: bool = False) -> dict:
    iso = datetime.fromtimestamp(t, timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    return {"zone": zone, "carbonIntensity": g, "datetime": iso, "updatedAt": iso, "createdAt": iso,
            "emissionFactorType": "lifecycle", "isEstimated": estimated, "estimationMethod": None,
            "temporalGranularity": "hourly"}


def sample(shared_data) -> dict[float, float]:
    """The Electricity Maps US-CAL-CISO history sample (hourly, Jan 2020)."""
    with (shared_data / "em-api-sample-carbonscaler" / "data-sample.csv").open(encoding="utf-8") as f:
        return {ts(r["datetime"]): float(r["carbon_intensity_avg"]) for r in csv.DictReader(f)}


def range_handler(points: dict[float, float], zone: str, log: list):
    def handler(request: Request) -> Response:
        q = {k: v[0] for k, v in parse_qs(request.query_string.decode()).items()}
        log.append(q)
        a, b = ts(q["start"]), ts(q["end"])
        data = [em_point(zone, t, g) for t, g in sorted(points.items()) if a <= t <= b]
        return Response(json.dumps({"zone": q["zone"], "data": data, "temporalGranularity": "hourly"}),
                        content_type="application/json")
    return handler


def provider(server, tmp_path, clock, **kw) -> ElectricityMaps:
    client = kw.pop("client", None) or HttpClient(server.url_for(""), what="Electricity Maps",
                                                  headers={"auth-token": TOKEN}, sleep=lambda s: None)
    return ElectricityMaps(token=TOKEN, client=client, cache=HourCache(tmp_path / "cache"), clock=lambda: clock, **kw)


def test_latest_sends_token_and_parses(server, tmp_path, online):
    t = ts("2024-05-01T14:00:00Z")
    server.expect_request("/carbon-intensity/latest", query_string="zone=DE",
                          headers={"auth-token": TOKEN}).respond_with_json(em_point("DE", t, 322.0, estimated=True))
    r = provider(server, tmp_path, t + 600).latest("DE")
    assert (r.t, r.g_per_kwh, r.estimated, r.resolution_s) == (t, 322.0, True, 3600.0)
    assert "carbon-intensity/latest" in r.source


def test_past_range_replays_the_real_sample_and_caches_every_hour(server, tmp_path, online, shared_data):
    pts = sample(shared_data)
    log: list = []
    server.expect_request("/carbon-intensity/past-range", headers={"auth-token": TOKEN}).respond_with_handler(
        range_handler(pts, "US-CAL-CISO", log))
    start, end = ts("2020-01-01T00:00:00Z"), ts("2020-01-03T10:00:00Z")
    p = provider(server, tmp_path, ts("2020-03-01T00:00:00Z"))
    s = p.history("US-CAL-CISO", start, end)
    assert len(log) == 1 and log[0]["zone"] == "US-CAL-CISO"
    assert s.resolution_s == 3600 and s.value_at(start) == pytest.approx(332.39)
    for t, g in pts.items():
        if start <= t < end:
            assert s.value_at(t + 1800) == pytest.approx(g)
    # the same hours again, from a fresh provider on the same cache: no request at all
    p2 = provider(server, tmp_path, ts("2020-03-01T00:00:00Z"))
    s2 = p2.history("US-CAL-CISO", start + 7200, end - 3600)
    assert len(log) == 1 and p2.client.calls == 0
    assert s2.value_at(start + 7200) == pytest.approx(pts[start + 7200])


def test_long_span_is_fetched_in_ten_day_pieces(server, tmp_path, online):
    start = ts("2023-01-01T00:00:00Z")
    pts = {start + h * 3600: 100.0 + (h % 24) * 5 for h in range(25 * 24)}
    log: list = []
    server.expect_request("/carbon-intensity/past-range").respond_with_handler(range_handler(pts, "FR", log))
    s = provider(server, tmp_path, ts("2023-06-01T00:00:00Z")).history("FR", start, start + 25 * 86400)
    assert len(log) == 3
    for q in log:
        assert ts(q["end"]) - ts(q["start"]) <= 10 * 86400
    assert len(s) == 25 * 24 and s.value_at(start + 5 * 3600 + 10) == 125.0


def test_recent_hours_use_the_24h_history_endpoint(server, tmp_path, online):
    now = ts("2024-05-02T12:20:00Z")
    hist = [em_point("FR", now - 1200 - k * 3600, 40.0 + k) for k in range(24)][::-1]
    server.expect_request("/carbon-intensity/history", query_string="zone=FR").respond_with_json(
        {"zone": "FR", "history": hist})
    s = provider(server, tmp_path, now).history("FR", now - 3 * 3600, now)
    assert s.value_at(now - 1200 - 3600 + 5) == 41.0


def test_null_hours_become_gaps(server, tmp_path, online):
    start = ts("2023-03-01T00:00:00Z")
    data = [em_point("DE", start + h * 3600, None if 3 <= h < 6 else 300.0 + h) for h in range(12)]
    server.expect_request("/carbon-intensity/past-range").respond_with_json({"zone": "DE", "data": data})
    s = provider(server, tmp_path, ts("2023-04-01T00:00:00Z")).history("DE", start, start + 12 * 3600)
    assert s.value_at(start + 2 * 3600) == 302.0
    assert s.value_at(start + 4 * 3600) is None  # a 3-hour hole is longer than the 1-hour hold
    assert s.gaps and s.gaps[0][0] == start + 3 * 3600


def test_forecast_is_cached_within_the_hour(server, tmp_path, online):
    now = ts("2024-05-02T12:20:00Z")
    fc = [{"carbonIntensity": 200 + k, "datetime": datetime.fromtimestamp(now - 1200 + k * 3600, timezone.utc)
           .strftime("%Y-%m-%dT%H:%M:%S.000Z")} for k in range(24)]
    server.expect_request("/carbon-intensity/forecast").respond_with_json(
        {"zone": "DE", "forecast": fc, "updatedAt": "2024-05-02T12:00:00.000Z"})
    p = provider(server, tmp_path, now)
    s = p.forecast("DE", hours=24)
    s2 = p.forecast("DE", hours=24)
    assert s.value_at(now) == 200 and s2.value_at(now + 3600) == 201
    assert hits(server, "/carbon-intensity/forecast") == 1


@pytest.mark.parametrize("status,expect", [(401, "credentials"), (403, "credentials"), (404, "not known")])
def test_client_errors_are_not_retried_and_say_what_to_do(server, tmp_path, online, status, expect):
    server.expect_request("/carbon-intensity/latest").respond_with_json(
        {"status": "error", "message": "Invalid auth-token"}, status=status)
    p = provider(server, tmp_path, time.time())
    with pytest.raises(ProviderError) as e:
        p.latest("DE")
    assert f"HTTP {status}" in str(e.value) and expect in str(e.value) and e.value.status == status
    assert hits(server, "/carbon-intensity/latest") == 1


def test_server_errors_are_retried_then_succeed(server, tmp_path, online):
    t = ts("2024-05-01T14:00:00Z")
    server.expect_ordered_request("/carbon-intensity/latest").respond_with_data("upstream down", status=503)
    server.expect_ordered_request("/carbon-intensity/latest").respond_with_data("bad gateway", status=502)
    server.expect_ordered_request("/carbon-intensity/latest").respond_with_json(em_point("DE", t, 300.0))
    pauses: list[float] = []
    client = HttpClient(server.url_for(""), what="Electricity Maps", retries=3, backoff=0.25, sleep=pauses.append)
    r = provider(server, tmp_path, t, client=client).latest("DE")
    assert r.g_per_kwh == 300.0 and client.calls == 3
    assert pauses == [0.25, 0.5]  # exponential backoff


def test_429_retry_after_is_honoured(server, tmp_path, online):
    t = ts("2024-05-01T14:00:00Z")
    server.expect_ordered_request("/carbon-intensity/latest").respond_with_data(
        "slow down", status=429, headers={"Retry-After": "7"})
    server.expect_ordered_request("/carbon-intensity/latest").respond_with_json(em_point("DE", t, 280.0))
    pauses: list[float] = []
    client = HttpClient(server.url_for(""), what="Electricity Maps", retries=2, backoff=0.1, max_wait=30,
                        sleep=pauses.append)
    assert provider(server, tmp_path, t, client=client).latest("DE").g_per_kwh == 280.0
    assert pauses == [7.0]


def test_429_with_a_long_retry_after_gives_up_at_once(server, tmp_path, online):
    server.expect_request("/carbon-intensity/latest").respond_with_data(
        "quota", status=429, headers={"Retry-After": "3600"})
    pauses: list[float] = []
    client = HttpClient(server.url_for(""), what="Electricity Maps", retries=3, max_wait=30, sleep=pauses.append)
    with pytest.raises(ProviderError, match="retry after 3600 s"):
        provider(server, tmp_path, time.time(), client=client).latest("DE")
    assert pauses == [] and client.calls == 1


def test_truncated_and_malformed_bodies(server, tmp_path, online):
    good = json.dumps({"zone": "DE", "history": [em_point("DE", ts("2024-05-01T14:00:00Z"), 1.0)]})
    server.expect_request("/carbon-intensity/latest").respond_with_data(good[:37], content_type="application/json")
    p = provider(server, tmp_path, time.time())
    with pytest.raises(ProviderError, match="malformed or truncated JSON"):
        p.latest("DE")

    def short(request):  # a body that stops before its declared Content-Length
        r = Response(good[:60], content_type="application/json")
        r.headers["Content-Length"] = str(len(good))
        return r

    server.clear()
    server.expect_request("/carbon-intensity/latest").respond_with_handler(short)
    with pytest.raises(ProviderError) as e:
        provider(server, tmp_path, time.time()).latest("DE")
    assert "Electricity Maps" in str(e.value)


def test_slow_response_times_out(server, tmp_path, online):
    release = threading.Event()

    def slow(request):
        release.wait(5)
        return Response("{}", content_type="application/json")

    server.expect_request("/carbon-intensity/latest").respond_with_handler(slow)
    client = HttpClient(server.url_for(""), what="Electricity Maps", timeout=0.2, retries=1, sleep=lambda s: None)
    try:
        with pytest.raises(ProviderError, match=r"timed out after 0\.2 s \(after 2 attempts\)"):
            provider(server, tmp_path, time.time(), client=client).latest("DE")
    finally:
        release.set()
        time.sleep(0.2)  # let the server finish those requests before the next test


def test_offline_refuses_before_any_connection(server, tmp_path):
    # WATTWISE_OFFLINE=1 is set for the whole suite
    p = ElectricityMaps(token=TOKEN, base_url=server.url_for(""), cache=HourCache(tmp_path / "c"))
    with pytest.raises(ProviderError, match="WATTWISE_OFFLINE=1"):
        p.latest("DE")
    assert hits(server, "/") == 0


def test_missing_token_is_a_provider_error(monkeypatch):
    monkeypatch.delenv("WATTWISE_ELECTRICITYMAPS_TOKEN", raising=False)
    with pytest.raises(ProviderError, match="WATTWISE_ELECTRICITYMAPS_TOKEN"):
        ElectricityMaps()
