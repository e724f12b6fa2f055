"""Units: base units inside (J, g, s), conversions only at the edges, exact constants."""
from __future__ import annotations

import re
from datetime import datetime, timezone

from .errors import UsageError

J_PER_KWH = 3.6e6
J_PER_WH = 3600.0
LBS_PER_KG = 1 / 0.45359237  # exact by definition of the avoirdupois pound

_DUR_RE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|sec|secs|m|min|mins|h|hr|hrs|d|day|days|w)?\s*$", re.I)
_DUR_UNITS = {
    "ms": 0.001, "s": 1, "sec": 1, "secs": 1, "m": 60, "min": 60, "mins": 60,
    "h": 3600, "hr": 3600, "hrs": 3600, "d": 86400, "day": 86400, "days": 86400, "w": 604800,
}


def j_to_kwh(j: float | None) -> float | None:
    return None if j is None else j / J_PER_KWH


def kwh_to_j(kwh: float | None) -> float | None:
    return None if kwh is None else kwh * J_PER_KWH


def parse_duration(text: str | float | int, *, what: str = "duration", default_unit: str = "s") -> float:
    """Parse '90s', '45m', '6h', '2d', '1h30m' or a bare number (in `default_unit`) into seconds."""
    if isinstance(text, (int, float)):
        value = float(text) * _DUR_UNITS[default_unit]
    else:
        s = str(text).strip().lower()
        parts = re.findall(r"(\d+(?:\.\d+)?)\s*([a-z]*)", s)
        if not s or not parts or re.sub(r"[\d.\sa-z]", "", s) or "".join(a + b for a, b in parts) != s.replace(" ", ""):
            raise UsageError(f"invalid {what} '{text}'; use a number with a unit, e.g. 90s, 45m, 6h, 2d")
        value = 0.0
        for num, unit in parts:
            unit = unit or default_unit
            if unit not in _DUR_UNITS:
                raise UsageError(f"invalid {what} '{text}': unknown unit '{unit}'; use s, m, h or d (e.g. 6h)")
            value += float(num) * _DUR_UNITS[unit]
    if value != value or value < 0:
        raise UsageError(f"invalid {what} '{text}': must be a non-negative duration")
    return value


def format_duration(seconds: float | None) -> str:
    if seconds is None:
        return "unknown"
    if seconds < 60:
        return f"{seconds:.1f} s"
    m, s = divmod(int(round(seconds)), 60)
    h, m = divmod(m, 60)
    d, h = divmod(h, 24)
    # zero parts are left out: "3 h", "2 h 5 min", not "3 h 0 min 0 s"
    if d:
        parts = [(d, "d"), (h, "h"), (m, "min")]
    elif h:
        parts = [(h, "h"), (m, "min"), (s, "s")]
    else:
        parts = [(m, "min"), (s, "s")]
    return " ".join(f"{v} {u}" for v, u in parts if v) or "0 s"


def format_energy_j(j: float | None) -> str:
    if j is None:
        return "unknown"
    kwh = j / J_PER_KWH
    if kwh >= 1:
        return f"{kwh:,.3f} kWh"
    wh = j / J_PER_WH
    if wh >= 0.01:
        return f"{wh:,.3f} Wh"
    if abs(j) >= 1 or j == 0:
        return f"{j:,.2f} J"
    # below a joule (a request's share): 3 significant figures, never "0.000 mJ"
    return f"{j * 1e3:.3g} mJ" if abs(j) >= 1e-3 else f"{j * 1e6:.3g} µJ"


def format_power_w(w: float | None) -> str:
    if w is None:
        return "unknown"
    if abs(w) >= 1000:
        return f"{w / 1000:,.2f} kW"
    if abs(w) >= 1:
        return f"{w:,.2f} W"
    return f"{w * 1000:,.1f} mW"


def format_mass_g(g: float | None) -> str:
    if g is None:
        return "unknown"
    if abs(g) >= 1e6:
        return f"{g / 1e6:,.2f} tCO2e"
    if abs(g) >= 1e3:
        return f"{g / 1e3:,.3f} kgCO2e"
    if abs(g) >= 0.01 or g == 0:
        return f"{g:,.3f} gCO2e"
    # below 10 mg (a request's or a short run's share): 3 significant figures, never "0.000 mgCO2e"
    return f"{g * 1e3:.3g} mgCO2e" if abs(g) >= 1e-3 else f"{g * 1e6:.3g} µgCO2e"


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def iso(ts: float | datetime | None) -> str | None:
    """ISO 8601 in UTC with an explicit offset, millisecond precision."""
    if ts is None:
        return None
    if isinstance(ts, (int, float)):
        ts = datetime.fromtimestamp(ts, timezone.utc)
    if ts.tzinfo is None:
        ts = ts.replace(tzinfo=timezone.utc)
    return ts.astimezone(timezone.utc).isoformat(timespec="milliseconds")


def parse_time(text: str, *, what: str = "time", now: datetime | None = None) -> datetime:
    """Parse an ISO 8601 time (UTC when no offset), 'now', or '+6h' relative to now."""
    s = str(text).strip()
    now = now or utcnow()
    if s.lower() == "now":
        return now
    if s.startswith("+"):
        from datetime import timedelta

        return now + timedelta(seconds=parse_duration(s[1:], what=what))
    try:
        dt = datetime.fromisoformat(s.replace("Z", "+00:00").replace(" ", "T", 1) if "T" not in s and " " in s else s.replace("Z", "+00:00"))
    except ValueError:
        raise UsageError(f"invalid {what} '{text}'; use ISO 8601, e.g. 2024-05-01T14:00Z, or +6h") from None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    return dt
