"""GB Carbon Intensity API (NESO, api.carbonintensity.org.uk): half-hourly, no key needed.

National: ``GET /intensity`` (current half hour), ``/intensity/{from}/{to}`` (at most 14 days per
request), ``/intensity/{from}/fw48h`` (48 h forecast); each returns
``{"data": [{"from", "to", "intensity": {"forecast", "actual", "index"}}]}``. Regional (when
``WATTWISE_UKGRID_REGION`` names one of the 17 region ids, e.g. 13 = London):
``/regional/regionid/{id}``, ``/regional/intensity/{from}/{to}/regionid/{id}`` and
``/regional/intensity/{from}/fw48h/regionid/{id}``, which nest the periods one level deeper
and publish forecasts only. Times in paths are ``YYYY-MM-DDThh:mmZ``. The actual (estimated from
metered generation) is used where published, the forecast otherwise. Data: CC BY 4.0, "Contains
data from the National Energy System Operator's Carbon Intensity API".

Environment: ``WATTWISE_UKGRID_URL`` (default https://api.carbonintensity.org.uk),
``WATTWISE_UKGRID_REGION``.
"""
from __future__ import annotations

import os

from ..series import Series
from .base import HOUR, FetchingProvider, ProviderError, Reading, check_g, parse_ts, series_from_points, utc_minute

DEFAULT_URL = "https://api.carbonintensity.org.uk"
HALF_HOUR = 1800.0
REGIONS = {
    1: "North Scotland", 2: "South Scotland", 3: "North West England", 4: "North East England", 5: "Yorkshire",
    6: "North Wales & Merseyside", 7: "South Wales", 8: "West Midlands", 9: "East Midlands", 10: "East England",
    11: "South West England", 12: "South England", 13: "London", 14: "South East England", 15: "England",
    16: "Scotland", 17: "Wales",
}


def region_id(value: str | int | None) -> int | None:
    if value in (None, ""):
        return None
    s = str(value).strip()
    if s.isdigit() and int(s) in REGIONS:
        return int(s)
    for k, name in REGIONS.items():
        if name.lower() == s.lower():
            return k
    raise ProviderError(f"unknown GB region '{value}'; use an id 1-17 (e.g. 13 = London) or a name: "
                        + ", ".join(REGIONS.values()))


class UKGrid(FetchingProvider):
    name = "ukgrid"
    basis = "direct"  # per-fuel factors with nuclear and renewables at 0 g/kWh: operational
    signal = "average"
    license = "CC BY 4.0 (NESO Carbon Intensity API)"
    max_span_s = 14 * 86400.0
    settle_s = 2 * HOUR  # actuals are published an hour or two after each half hour
    default_resolution_s = HALF_HOUR

    def __init__(self, *, base_url: str | None = None, region: str | int | None = None, client=None,
                 basis: str | None = None, **kw):
        from .basis import provider_basis

        provider_basis(self.name, basis)  # a UsageError when asked for life-cycle figures
        self.regionid = region_id(region if region is not None else os.environ.get("WATTWISE_UKGRID_REGION"))
        if client is None:
            from .http import HttpClient

            client = HttpClient(base_url or os.environ.get("WATTWISE_UKGRID_URL") or DEFAULT_URL,
                                what="GB Carbon Intensity API")
        super().__init__(client=client, **kw)

    def _check(self, zone: str) -> None:
        if (zone or "").upper() not in ("GB", "UK"):
            raise ProviderError(f"the GB Carbon Intensity API covers Great Britain only (zone GB), not '{zone}'")

    def cache_key(self, zone: str) -> str:
        return f"{self.name}/GB" + (f"-region{self.regionid}" if self.regionid else "") + "/average"

    def source_label(self, what: str) -> str:
        where = f"region {self.regionid} {REGIONS[self.regionid]}" if self.regionid else "national"
        return f"GB Carbon Intensity API, NESO ({where}, {what})"

    def _periods(self, body) -> list[dict]:
        if not isinstance(body, dict) or "data" not in body:
            raise ProviderError("GB Carbon Intensity API: unexpected response shape (no 'data')")
        data = body["data"]
        if self.regionid:  # {"data": {"regionid", "shortname", "data": [...]}} or [{"regionid", ..., "data": [...]}]
            if isinstance(data, list):
                data = data[0] if data else {}
            if not isinstance(data, dict) or not isinstance(data.get("data"), list):
                raise ProviderError("GB Carbon Intensity API: regional response without a 'data' list")
            data = data["data"]
        if not isinstance(data, list):
            raise ProviderError("GB Carbon Intensity API: 'data' is not a list")
        return data

    def _points(self, periods: list[dict]) -> tuple[list[tuple[float, float]], int]:
        pts, actuals = [], 0
        for p in periods:
            if not isinstance(p, dict) or "from" not in p or not isinstance(p.get("intensity"), dict):
                raise ProviderError(f"GB Carbon Intensity API: malformed period {str(p)[:80]}")
            i = p["intensity"]
            v = i.get("actual")
            if v is None:
                v = i.get("forecast")
            else:
                actuals += 1
            if v is None:
                continue
            try:
                g = float(v)
            except (TypeError, ValueError):
                raise ProviderError(f"GB Carbon Intensity API: non-numeric intensity {v!r}") from None
            pts.append((parse_ts(p["from"]), check_g(g, f"GB Carbon Intensity API: intensity from {p['from']}")))
        return pts, actuals

    def latest(self, zone: str) -> Reading:
        self._check(zone)
        path = f"/regional/regionid/{self.regionid}" if self.regionid else "/intensity"
        periods = self._periods(self.client.get_json(path))
        pts, actuals = self._points(periods)
        if not pts:
            raise ProviderError("GB Carbon Intensity API: no current value")
        t, g = pts[-1]
        idx = (periods[-1].get("intensity") or {}).get("index")
        return Reading(t, g, HALF_HOUR, self.source_label("actual" if actuals else "forecast"), self.signal, "GB",
                       not actuals, {"index": idx} if idx else {})

    def _fetch_points(self, zone: str, start: float, end: float):
        self._check(zone)
        a, b = utc_minute(start), utc_minute(end)
        path = f"/regional/intensity/{a}/{b}/regionid/{self.regionid}" if self.regionid else f"/intensity/{a}/{b}"
        pts, actuals = self._points(self._periods(self.client.get_json(path)))
        return pts, {"resolution_s": HALF_HOUR, "actual_points": actuals}

    def forecast(self, zone: str, hours: float = 48.0) -> Series:
        self._check(zone)
        now = self.clock()
        issued = int(now // HOUR)
        key = self.cache_key(zone)
        body = self.cache.get_blob(key, f"forecast-{issued}") if self.cache is not None else None
        if body is None:
            start = utc_minute(now - now % HALF_HOUR)
            path = (f"/regional/intensity/{start}/fw48h/regionid/{self.regionid}" if self.regionid
                    else f"/intensity/{start}/fw48h")
            body = self.client.get_json(path)
            if self.cache is not None:
                self.cache.put_blob(key, f"forecast-{issued}", body)
        pts, _ = self._points(self._periods(body))
        if not pts:
            raise ProviderError("GB Carbon Intensity API: empty forecast")
        return series_from_points(pts, self.source_label("fw48h forecast"), "GB", self.signal, HALF_HOUR)
