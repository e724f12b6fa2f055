"""Provider payloads in each API's documented shape, built from real data in ../shared/data."""
from __future__ import annotations

import csv
from datetime import datetime, timezone


def hits(server, prefix: str) -> int:
    """Requests the local server received whose path starts with ``prefix``."""
    return sum(1 for req, _ in server.log if req.path.startswith(prefix))


def ts(text: str) -> float:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).replace(tzinfo=timezone.utc).timestamp()


def gb_actuals(shared_data) -> dict[float, tuple[int, int | None]]:
    """period start -> (forecast, actual or None), the latest scrape's view of each half hour."""
    path = shared_data / "uk-ci-forecast-vintages" / "gb_national_pt24h_final_forecast_and_actual.csv"
    out: dict[float, tuple[str, int, int | None]] = {}
    with path.open(newline="", encoding="utf-8") as f:
        for r in csv.DictReader(f):
            t = ts(r["from_utc"])
            a = r["actual_gco2_per_kwh"].strip()
            cur = out.get(t)
            if cur is None or r["scraped_at_utc"] > cur[0]:
                out[t] = (r["scraped_at_utc"], int(float(r["forecast_gco2_per_kwh"])), int(float(a)) if a else None)
    return {t: (f, a) for t, (_, f, a) in sorted(out.items())}


def gb_vintages(shared_data) -> dict[float, list[tuple[float, int]]]:
    """scrape time -> [(period start, forecast)] as the fw48h endpoint returned it."""
    path = shared_data / "uk-ci-forecast-vintages" / "gb_national_fw48h_forecast_vintages.csv"
    out: dict[float, list[tuple[float, int]]] = {}
    with path.open(newline="", encoding="utf-8") as f:
        for r in csv.DictReader(f):
            out.setdefault(ts(r["scraped_at_utc"]), []).append((ts(r["from_utc"]), int(float(r["forecast_gco2_per_kwh"]))))
    return {k: sorted(v) for k, v in sorted(out.items())}


def gb_period(t: float, forecast: int | None, actual: int | None) -> dict:
    """One half hour in the API's documented shape."""
    def fmt(x: float) -> str:
        return datetime.fromtimestamp(x, timezone.utc).strftime("%Y-%m-%dT%H:%MZ")

    v = actual if actual is not None else forecast
    index = "very low" if v < 60 else "low" if v < 140 else "moderate" if v < 220 else "high" if v < 330 else "very high"
    return {"from": fmt(t), "to": fmt(t + 1800), "intensity": {"forecast": forecast, "actual": actual, "index": index}}
