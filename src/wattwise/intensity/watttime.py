"""WattTime API v3: marginal (``co2_moer``, default) or average (``co2_aoer``) emission rates.

As documented: ``GET /login`` with HTTP basic auth returns ``{"token": ...}`` (valid 30 min),
sent as ``Authorization: Bearer``; ``GET /v3/historical``, ``/v3/forecast`` and
``/v3/signal-index`` take ``region`` and ``signal_type``; data responses are
``{"data": [{"point_time", "value"}], "meta": {"units": "lbs_co2_per_mwh", ...}}`` at
5-minute resolution. Historical requests are split into 30-day pieces, as the official client does.

Environment: ``WATTWISE_WATTTIME_USER`` / ``WATTWISE_WATTTIME_PASSWORD`` (required),
``WATTWISE_WATTTIME_REGION`` (a WattTime region such as ``CAISO_NORTH``; see /v3/my-access),
``WATTWISE_WATTTIME_SIGNAL`` (``co2_moer`` or ``co2_aoer``), ``WATTWISE_WATTTIME_URL``
(default https://api.watttime.org).
"""
from __future__ import annotations

import os
import re

from ..series import Series
from .base import HOUR, FetchingProvider, ProviderError, Reading, check_g, parse_ts, series_from_points, utc_iso

DEFAULT_URL = "https://api.watttime.org"
LB_PER_MWH_TO_G_PER_KWH = 0.45359237  # exact: 1 lb = 453.59237 g, 1 MWh = 1000 kWh
UNITS = {"lbs_co2_per_mwh": LB_PER_MWH_TO_G_PER_KWH, "g_co2_per_kwh": 1.0, "kg_co2_per_mwh": 1.0}
SIGNALS = {"co2_moer": "marginal", "co2_aoer": "average"}
TOKEN_TTL_S = 25 * 60  # the token lives 30 minutes; renew a little early


class WattTime(FetchingProvider):
    name = "watttime"
    basis = "direct"  # operating emission rates: no life-cycle emissions
    license = "WattTime API terms (attribute WattTime)"
    max_span_s = 30 * 86400.0
    settle_s = 900.0
    default_resolution_s = 300.0

    def __init__(self, *, user: str | None = None, password: str | None = None, region: str | None = None,
                 signal_type: str | None = None, base_url: str | None = None, client=None, basis: str | None = None,
                 **kw):
        from .basis import provider_basis

        provider_basis(self.name, basis)  # a UsageError when asked for life-cycle figures
        self.user = user or os.environ.get("WATTWISE_WATTTIME_USER")
        self.password = password or os.environ.get("WATTWISE_WATTTIME_PASSWORD")
        if not (self.user and self.password):
            raise ProviderError("WattTime needs WATTWISE_WATTTIME_USER and WATTWISE_WATTTIME_PASSWORD")
        self.region = region or os.environ.get("WATTWISE_WATTTIME_REGION") or None
        self.signal_type = (signal_type or os.environ.get("WATTWISE_WATTTIME_SIGNAL") or "co2_moer").lower()
        if self.signal_type not in SIGNALS:
            raise ProviderError(f"WattTime signal '{self.signal_type}' is not supported; use co2_moer or co2_aoer")
        self.signal = SIGNALS[self.signal_type]
        if client is None:
            from .http import HttpClient

            client = HttpClient(base_url or os.environ.get("WATTWISE_WATTTIME_URL") or DEFAULT_URL, what="WattTime")
        super().__init__(client=client, **kw)
        self._token: str | None = None
        self._token_at = 0.0

    # -- auth -----------------------------------------------------------------------------
    def _login(self) -> str:
        body = self.client.get_json("/login", auth=(self.user, self.password))
        token = body.get("token") if isinstance(body, dict) else None
        if not token:
            raise ProviderError("WattTime: login returned no token; check WATTWISE_WATTTIME_USER/_PASSWORD")
        self._token, self._token_at = token, self.clock()
        return token

    def _get(self, path: str, params: dict) -> dict:
        if self._token is None or self.clock() - self._token_at > TOKEN_TTL_S:
            self._login()
        try:
            body = self.client.get_json(path, params=params, headers={"Authorization": f"Bearer {self._token}"})
        except ProviderError as e:
            if e.status != 401:
                raise
            self._login()  # expired early: log in once more
            body = self.client.get_json(path, params=params, headers={"Authorization": f"Bearer {self._token}"})
        if not isinstance(body, dict):
            raise ProviderError(f"WattTime: unexpected response shape from {path}")
        return body

    def wt_region(self, zone: str) -> str:
        if self.region:
            return self.region
        if re.fullmatch(r"[A-Z0-9]+(_[A-Z0-9]+)+", zone or ""):
            return zone  # already a WattTime region id such as CAISO_NORTH
        raise ProviderError(f"WattTime has its own region ids; set WATTWISE_WATTTIME_REGION for zone {zone} "
                            f"(e.g. CAISO_NORTH; your regions are listed by WattTime's /v3/my-access)")

    def cache_key(self, zone: str) -> str:
        return f"{self.name}/{self.wt_region(zone)}/{self.signal_type}"

    def source_label(self, what: str) -> str:
        return f"WattTime API v3 ({what}, {self.signal_type})"

    # -- data -----------------------------------------------------------------------------
    def _parse(self, body: dict, what: str) -> tuple[list[tuple[float, float]], dict]:
        meta = body.get("meta") or {}
        units = str(meta.get("units") or "lbs_co2_per_mwh").lower()
        if units not in UNITS:
            raise ProviderError(f"WattTime: unsupported units '{units}' in the {what} response")
        k = UNITS[units]
        data = body.get("data")
        if not isinstance(data, list):
            raise ProviderError(f"WattTime: {what} response has no 'data' list")
        pts = []
        for it in data:
            if not isinstance(it, dict) or "point_time" not in it:
                raise ProviderError(f"WattTime: {what} item without 'point_time': {str(it)[:80]}")
            if it.get("value") is None:
                continue
            try:
                v = float(it["value"]) * k
            except (TypeError, ValueError):
                raise ProviderError(f"WattTime: non-numeric value {it.get('value')!r}") from None
            pts.append((parse_ts(it["point_time"]), check_g(v, f"WattTime {what}: value at {it['point_time']}")))
        res = meta.get("data_point_period_seconds")
        return pts, {"resolution_s": float(res) if res else None, "units": units}

    def _fetch_points(self, zone: str, start: float, end: float):
        body = self._get("/v3/historical", {"region": self.wt_region(zone), "signal_type": self.signal_type,
                                            "start": utc_iso(start), "end": utc_iso(end)})
        pts, meta = self._parse(body, "historical")
        if meta["resolution_s"] is None:
            meta["resolution_s"] = self.default_resolution_s
        return pts, meta

    def latest(self, zone: str) -> Reading:
        now = self.clock()
        s = self.history(zone, now - HOUR, now)
        t, g = s.t[-1], s.g[-1]
        extra = {"watttime_region": self.wt_region(zone)}
        try:  # the percentile is free for every region; a failure here is not a failure of the value
            idx = self._get("/v3/signal-index", {"region": self.wt_region(zone), "signal_type": self.signal_type})
            data = idx.get("data") or []
            if data and data[0].get("value") is not None:
                extra["signal_index_pct"] = float(data[0]["value"])
        except ProviderError:
            pass
        return Reading(t, g, s.resolution_s, self.source_label("historical"), self.signal, zone, False, extra)

    def forecast(self, zone: str, hours: float = 24.0) -> Series:
        issued = int(self.clock() // HOUR)
        key = self.cache_key(zone)
        body = self.cache.get_blob(key, f"forecast-{issued}") if self.cache is not None else None
        if body is None:
            body = self._get("/v3/forecast", {"region": self.wt_region(zone), "signal_type": self.signal_type,
                                              "horizon_hours": int(max(0, min(72, round(hours))))})
            if self.cache is not None:
                self.cache.put_blob(key, f"forecast-{issued}", body)
        pts, meta = self._parse(body, "forecast")
        if not pts:
            raise ProviderError(f"WattTime: empty forecast for {self.wt_region(zone)}")
        return series_from_points(pts, self.source_label("forecast"), zone, self.signal,
                                  meta["resolution_s"] or self.default_resolution_s)
