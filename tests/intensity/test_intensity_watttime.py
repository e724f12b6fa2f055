"""WattTime API v3 against a local server; payloads built from the real SGIP/WattTime MOER series."""
from __future__ import annotations

import base64
import csv
import gzip
import json
from datetime import datetime, timezone
from urllib.parse import parse_qs

import pytest
from ci_payloads import ts
from werkzeug import Request, Response

from wattwise.intensity.base import ProviderError
from wattwise.intensity.cache import HourCache
from wattwise.intensity.http import HttpClient
from wattwise.intensity.watttime import LB_PER_MWH_TO_G_PER_KWH, WattTime

USER, PASSWORD = "ada", "s3cret"
KG_PER_KWH_TO_LB_PER_MWH = 1000 / 0.45359237


def moer(shared_data, month: str = "2020-03") -> dict[float, float]:
    """t -> MOER in kg CO2/kWh (SGIP_CAISO_PGE, 5-minute)."""
    path = shared_data / "moer-forecast-sgip-caiso-pge-2020" / f"SGIP_CAISO_PGE_{month}.csv.gz"
    with gzip.open(path, "rt", encoding="utf-8") as f:
        return {ts(r["time"]): float(r["moer"]) for r in csv.DictReader(f)}


def iso(t: float) -> str:
    return datetime.fromtimestamp(t, timezone.utc).isoformat()


def wt_payload(points, region="SGIP_CAISO_PGE", signal="co2_moer", **meta) -> dict:
    return {"data": [{"point_time": iso(t), "value": round(kg * KG_PER_KWH_TO_LB_PER_MWH, 6)} for t, kg in points],
            "meta": {"data_point_period_seconds": 300, "region": region, "signal_type": signal,
                     "units": "lbs_co2_per_mwh", "warnings": [], "model": {"date": "2022-10-01"}, **meta}}


def serve_login(server, token="tok-1"):
    auth = "Basic " + base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
    server.expect_request("/login", headers={"Authorization": auth}).respond_with_json({"token": token})


def historical_handler(series: dict[float, float], log: list, token="tok-1"):
    def handler(request: Request) -> Response:
        if request.headers.get("Authorization") != f"Bearer {token}":
            return Response(json.dumps({"error": "unauthorized"}), status=401, content_type="application/json")
        q = {k: v[0] for k, v in parse_qs(request.query_string.decode()).items()}
        log.append(q)
        a, b = ts(q["start"]), ts(q["end"])
        pts = [(t, v) for t, v in sorted(series.items()) if a <= t <= b]
        return Response(json.dumps(wt_payload(pts, q["region"], q["signal_type"])), content_type="application/json")
    return handler


def make(server, tmp_path, clock, **kw) -> WattTime:
    client = HttpClient(server.url_for(""), what="WattTime", sleep=lambda s: None)
    return WattTime(user=USER, password=PASSWORD, region="SGIP_CAISO_PGE", client=client,
                    cache=HourCache(tmp_path / "c"), clock=lambda: clock, **kw)


def test_units_conversion_is_exact():
    assert LB_PER_MWH_TO_G_PER_KWH == pytest.approx(453.59237 / 1000)


def test_login_then_historical_in_g_per_kwh(server, tmp_path, online, shared_data):
    series = moer(shared_data)
    serve_login(server)
    log: list = []
    server.expect_request("/v3/historical").respond_with_handler(historical_handler(series, log))
    start = ts("2020-03-10T08:00:00Z")
    p = make(server, tmp_path, ts("2020-04-01T00:00:00Z"))
    s = p.history("SGIP_CAISO_PGE", start, start + 6 * 3600)
    assert s.resolution_s == 300 and s.signal == "marginal"
    assert log[0]["region"] == "SGIP_CAISO_PGE" and log[0]["signal_type"] == "co2_moer"
    for k in range(0, 72, 7):
        t = start + k * 300
        assert s.value_at(t + 10) == pytest.approx(series[t] * 1000, rel=1e-6)  # kg/kWh -> g/kWh


def test_token_expiry_triggers_one_new_login(server, tmp_path, online, shared_data):
    series = moer(shared_data)
    server.expect_oneshot_request("/login").respond_with_json({"token": "old"})
    server.expect_oneshot_request("/login").respond_with_json({"token": "tok-1"})
    log: list = []
    server.expect_request("/v3/historical").respond_with_handler(historical_handler(series, log, token="tok-1"))
    start = ts("2020-03-02T00:00:00Z")
    s = make(server, tmp_path, ts("2020-04-01T00:00:00Z")).history("X", start, start + 3600)
    assert len(s) == 12 and len(log) == 1
    assert [r.path for r, _ in server.log].count("/login") == 2


def test_long_history_is_split_in_30_day_pieces(server, tmp_path, online, shared_data):
    series = {}
    for month in ("2020-01", "2020-02", "2020-03"):
        series.update(moer(shared_data, month))
    serve_login(server)
    log: list = []
    server.expect_request("/v3/historical").respond_with_handler(historical_handler(series, log))
    start, end = ts("2020-01-01T00:00:00Z"), ts("2020-03-05T00:00:00Z")
    s = make(server, tmp_path, ts("2020-06-01T00:00:00Z")).history("X", start, end)
    assert len(log) == 3 and all(ts(q["end"]) - ts(q["start"]) <= 30 * 86400 for q in log)
    assert len(s) == (end - start) / 300


def test_forecast_and_signal_index(server, tmp_path, online, shared_data):
    series = moer(shared_data)
    now = ts("2020-03-10T12:02:00Z")
    serve_login(server)
    t0 = now - 120
    fc = wt_payload([(t0 + k * 300, series[t0 + k * 300]) for k in range(36)], generated_at=iso(t0))
    server.expect_request("/v3/forecast").respond_with_json(fc)
    log: list = []
    server.expect_request("/v3/historical").respond_with_handler(historical_handler(series, log))
    server.expect_request("/v3/signal-index").respond_with_json(
        {"data": [{"point_time": iso(t0), "value": 37.0}], "meta": {"units": "percentile", "signal_type": "co2_moer"}})
    p = make(server, tmp_path, now)
    f = p.forecast("X", hours=3)
    assert f.value_at(now) == pytest.approx(series[t0] * 1000, rel=1e-6) and len(f) == 36
    r = p.latest("X")
    assert r.extra["signal_index_pct"] == 37.0 and r.signal == "marginal"
    assert r.g_per_kwh == pytest.approx(series[t0] * 1000, rel=1e-6)


def test_average_signal_and_region_required(server, tmp_path, online, monkeypatch):
    monkeypatch.delenv("WATTWISE_WATTTIME_REGION", raising=False)
    p = WattTime(user=USER, password=PASSWORD, signal_type="co2_aoer", base_url=server.url_for(""),
                 cache=HourCache(tmp_path / "c"))
    assert p.signal == "average"
    with pytest.raises(ProviderError, match="WATTWISE_WATTTIME_REGION"):
        p.wt_region("US-CAL-CISO")
    assert p.wt_region("CAISO_NORTH") == "CAISO_NORTH"


def test_bad_login_is_reported(server, tmp_path, online):
    server.expect_request("/login").respond_with_json({"error": "invalid credentials"}, status=403)
    with pytest.raises(ProviderError, match="HTTP 403"):
        make(server, tmp_path, ts("2020-04-01T00:00:00Z")).history("X", ts("2020-03-01T00:00:00Z"),
                                                                    ts("2020-03-01T01:00:00Z"))


def test_unknown_units_are_refused(server, tmp_path, online):
    serve_login(server)
    body = wt_payload([(ts("2020-03-01T00:00:00Z"), 0.3)])
    body["meta"]["units"] = "tons_per_fortnight"
    server.expect_request("/v3/historical").respond_with_json(body)
    with pytest.raises(ProviderError, match="unsupported units"):
        make(server, tmp_path, ts("2020-04-01T00:00:00Z")).history("X", ts("2020-03-01T00:00:00Z"),
                                                                    ts("2020-03-01T01:00:00Z"))
