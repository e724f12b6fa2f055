"""Electricity Maps API v3: average (consumption-based) carbon intensity per zone.

Requests follow the v3 documentation: ``GET /carbon-intensity/latest?zone=Z``,
``/carbon-intensity/history?zone=Z`` (the last 24 h), ``/carbon-intensity/past-range?zone=Z&start=&end=``
(at most 10 days of hourly data per request) and ``/carbon-intensity/forecast?zone=Z``, with the
token in the ``auth-token`` header. Responses carry ``carbonIntensity`` (gCO2eq/kWh, may be null)
and ``datetime`` per point, under ``history``, ``data`` or ``forecast``.

Environment: ``WATTWISE_ELECTRICITYMAPS_TOKEN`` (required), ``WATTWISE_ELECTRICITYMAPS_URL``
(default https://api.electricitymaps.com/v3), ``WATTWISE_ELECTRICITYMAPS_FACTOR`` (``lifecycle``,
the API default, or ``direct``; an explicit ``basis`` / ``--basis`` wins). The factor is the
intensity's ``basis``.
"""
from __future__ import annotations

import os

from ..series import Series
from .base import HOUR, FetchingProvider, ProviderError, Reading, check_g, parse_ts, series_from_points, utc_iso

DEFAULT_URL = "https://api.electricitymaps.com/v3"
HISTORY_WINDOW_S = 24 * HOUR


class ElectricityMaps(FetchingProvider):
    name = "electricitymaps"
    signal = "average"
    license = "Electricity Maps API terms (attribute Electricity Maps)"
    max_span_s = 10 * 86400.0  # past-range limit for hourly data
    settle_s = 2 * HOUR  # estimated values are revised shortly after the hour

    def __init__(self, *, token: str | None = None, base_url: str | None = None, factor: str | None = None,
                 basis: str | None = None, client=None, **kw):
        token = token or os.environ.get("WATTWISE_ELECTRICITYMAPS_TOKEN")
        if not token:
            raise ProviderError("Electricity Maps needs an API token: set WATTWISE_ELECTRICITYMAPS_TOKEN")
        self.factor = (basis or factor or os.environ.get("WATTWISE_ELECTRICITYMAPS_FACTOR") or "lifecycle").lower()
        if self.factor not in ("lifecycle", "direct"):
            raise ProviderError(f"WATTWISE_ELECTRICITYMAPS_FACTOR must be 'lifecycle' or 'direct', not '{self.factor}'")
        if client is None:
            from .http import HttpClient

            client = HttpClient(base_url or os.environ.get("WATTWISE_ELECTRICITYMAPS_URL") or DEFAULT_URL,
                                what="Electricity Maps", headers={"auth-token": token})
        super().__init__(client=client, **kw)

    @property
    def basis(self) -> str:
        return self.factor

    def cache_key(self, zone: str) -> str:
        return f"{self.name}/{zone}/{self.factor}"

    def source_label(self, what: str) -> str:
        return f"Electricity Maps API v3 ({what}, {self.factor} factors)"

    def _params(self, zone: str, **kw) -> dict:
        p = {"zone": zone, **kw}
        if self.factor != "lifecycle":
            p["emissionFactorType"] = self.factor
        return p

    def latest(self, zone: str) -> Reading:
        body = self.client.get_json("/carbon-intensity/latest", params=self._params(zone))
        pts, est = _points([body] if isinstance(body, dict) else body, "latest")
        if not pts:
            raise ProviderError(f"Electricity Maps: no current value for zone {zone}")
        t, g = pts[-1]
        return Reading(t, g, HOUR, self.source_label("carbon-intensity/latest"), self.signal, zone, bool(est),
                       {"updated_at": body.get("updatedAt")} if isinstance(body, dict) and body.get("updatedAt") else {})

    def _fetch_points(self, zone: str, start: float, end: float):
        now = self.clock()
        if start >= now - HISTORY_WINDOW_S + 60:  # the free 24-hour endpoint covers it
            body = self.client.get_json("/carbon-intensity/history", params=self._params(zone))
            key = "history"
        else:
            body = self.client.get_json("/carbon-intensity/past-range",
                                        params=self._params(zone, start=utc_iso(start), end=utc_iso(end)))
            key = "data"
        items = _items(body, key)
        pts, est = _points(items, key)
        return [p for p in pts if start - HOUR < p[0] < end], {"resolution_s": HOUR, "estimated_points": est or None}

    def forecast(self, zone: str, hours: float = 24.0) -> Series:
        issued = int(self.clock() // HOUR)
        key = self.cache_key(zone)
        body = self.cache.get_blob(key, f"forecast-{issued}") if self.cache is not None else None
        if body is None:
            body = self.client.get_json("/carbon-intensity/forecast",
                                        params=self._params(zone, horizonHours=int(max(1, min(72, round(hours))))))
            if self.cache is not None:
                self.cache.put_blob(key, f"forecast-{issued}", body)
        pts, _ = _points(_items(body, "forecast"), "forecast")
        if not pts:
            raise ProviderError(f"Electricity Maps: empty forecast for zone {zone}")
        return series_from_points(pts, self.source_label("carbon-intensity/forecast"), zone, self.signal, HOUR)


def _items(body, key: str) -> list:
    if not isinstance(body, dict):
        raise ProviderError(f"Electricity Maps: unexpected response shape (no '{key}' list)")
    items = body.get(key)
    if items is None:
        for alt in ("data", "history", "forecast"):
            if isinstance(body.get(alt), list):
                items = body[alt]
                break
    if not isinstance(items, list):
        raise ProviderError(f"Electricity Maps: unexpected response shape (no '{key}' list)")
    return items


def _points(items: list, what: str) -> tuple[list[tuple[float, float]], int]:
    pts, est = [], 0
    for it in items:
        if not isinstance(it, dict) or "datetime" not in it:
            raise ProviderError(f"Electricity Maps: {what} item without 'datetime': {str(it)[:80]}")
        v = it.get("carbonIntensity")
        if v is None:
            continue  # the API reports unknown hours as null: a gap
        try:
            g = float(v)
        except (TypeError, ValueError):
            raise ProviderError(f"Electricity Maps: non-numeric carbonIntensity {v!r}") from None
        t = parse_ts(it["datetime"])
        pts.append((t, check_g(g, f"Electricity Maps {what}: carbonIntensity at {it['datetime']}")))
        est += bool(it.get("isEstimated"))
    return pts, est
