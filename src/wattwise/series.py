"""Intensity time series: reading files users and data portals produce.

A series is sorted (start time, gCO2e/kWh) points at a fixed resolution; a point holds for
[t, t + resolution). Accepted files (CSV or .csv.gz; a directory reads every file in it):

- the contract format: a header row with ``datetime`` (ISO 8601, UTC when no offset) and
  ``g_per_kwh``;
- Electricity Maps data-portal exports (``Datetime (UTC)``, ``Carbon Intensity gCO₂eq/kWh (LCA)``
  or ``(direct)``; LCA by default, matching the API's default ``lifecycle`` factors);
- Electricity Maps API history dumps (``datetime``/``zone_datetime`` + ``carbon_intensity_avg``
  or ``carbonIntensity``);
- simple ``Time,Carbon Intensity`` files (Let's Wait Awhile) and GB carbon-intensity
  exports (``from_utc`` + ``actual_gco2_per_kwh``/``forecast_gco2_per_kwh``);
- JSON: a list of ``{"datetime", "g_per_kwh"}`` objects, or ``{"data": [...]}`` in
  Electricity Maps' ``carbonIntensity`` shape.

Every series, from a file or a provider's payload, is checked the same way (``check_value``,
``check_time``, ``from_points``): values finite and within 0-``MAX_G_PER_KWH`` gCO2e/kWh (a
file in g/MWh is refused with that hint), times parseable and between 1970 and 2200, one time
given twice only with the same value, one zone per file and per folder. A bad series raises
UsageError with one line naming the file, the line (or item) and the value.
"""
from __future__ import annotations

import bisect
import csv
import gzip
import io
import json
import math
import os
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Sequence

from .errors import UsageError

# The plausible maximum of any grid intensity: the dirtiest grids' life-cycle averages stay near
# 1,100 gCO2e/kWh and marginal (coal unit) signals near 1,000-1,300; 2,000 leaves margin.
MAX_G_PER_KWH = 2000.0
MAX_TIME = 7258118400.0  # 2200-01-01T00:00Z: later "times" are units mistakes (ms, us since the epoch)
GAP_TOKENS = ("", "null", "none")  # an empty (or null) cell is a missing value: a reported gap

TIME_COLS = ("datetime", "Datetime (UTC)", "zone_datetime", "time", "Time", "from_utc", "timestamp_utc", "start", "point_time")
VALUE_COLS = ("g_per_kwh", "Carbon Intensity gCO₂eq/kWh (LCA)", "Carbon Intensity gCO₂eq/kWh (direct)",
              "carbon_intensity_avg", "carbonIntensity", "Carbon Intensity", "actual_gco2_per_kwh",
              "forecast_gco2_per_kwh", "intensity", "value")


@dataclass(frozen=True)
class Series:
    """Points (t, g/kWh): ``t`` epoch seconds (UTC) of each interval start; fixed ``resolution_s``."""

    t: tuple[float, ...]
    g: tuple[float, ...]
    resolution_s: float
    source: str = "user series"
    zone: str | None = None
    signal: str = "average"
    gaps: tuple[tuple[float, float], ...] = field(default=())  # missing [start, end) spans
    column: str | None = None

    def __len__(self) -> int:
        return len(self.t)

    @property
    def start(self) -> float:
        return self.t[0]

    @property
    def end(self) -> float:
        return self.t[-1] + self.resolution_s

    def value_at(self, ts: float) -> float | None:
        """Held value of the interval containing ts (None outside the series or in a gap)."""
        i = bisect.bisect_right(self.t, ts) - 1
        if i < 0 or ts >= self.t[i] + self.resolution_s:
            return None
        return self.g[i]

    def slice(self, start: float, end: float) -> "Series":
        i = max(0, bisect.bisect_right(self.t, start) - 1)
        j = bisect.bisect_left(self.t, end)
        return Series(self.t[i:j], self.g[i:j], self.resolution_s, self.source, self.zone, self.signal,
                      tuple(g for g in self.gaps if g[1] > start and g[0] < end), self.column)

    def mean_over(self, start: float, end: float) -> tuple[float | None, float]:
        """Time-weighted mean over [start, end) and the covered fraction (gaps and edges excluded)."""
        if end <= start:
            v = self.value_at(start)
            return v, 1.0 if v is not None else 0.0
        i = max(0, bisect.bisect_right(self.t, start) - 1)
        tot = cov = 0.0
        while i < len(self.t) and self.t[i] < end:
            a, b = max(start, self.t[i]), min(end, self.t[i] + self.resolution_s)
            if b > a:
                tot += self.g[i] * (b - a)
                cov += b - a
            i += 1
        return (tot / cov if cov > 0 else None), cov / (end - start)


def _parse_ts(text: str) -> float:
    s = text.strip()
    if s.replace(".", "", 1).isdigit() and len(s) >= 9:
        return float(s)
    s = s.replace("Z", "+00:00")
    if "T" not in s and " " in s:
        s = s.replace(" ", "T", 1)
    dt = datetime.fromisoformat(s)
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    return dt.timestamp()


def check_value(v: float, where: str, raw: str | None = None) -> float:
    """``v`` if it is a plausible intensity (finite, 0-MAX gCO2e/kWh); else a UsageError naming ``where``."""
    shown = raw if raw is not None else repr(v)
    if not math.isfinite(v):
        raise UsageError(f"{where}: intensity '{shown}' is not a finite number; leave the cell empty for a missing value")
    if v < 0:
        raise UsageError(f"{where}: intensity {shown} is negative; gCO2e/kWh is >= 0")
    if v > MAX_G_PER_KWH:
        hint = (f"; the values look like g/MWh: divide them by 1000 to get gCO2e/kWh" if v <= MAX_G_PER_KWH * 1000
                else "")
        raise UsageError(f"{where}: intensity {shown} gCO2e/kWh is above the plausible maximum "
                         f"{MAX_G_PER_KWH:,.0f}{hint}")
    return v


def check_time(t: float, where: str, raw: str) -> float:
    """``t`` (epoch seconds) if it lies between 1970 and 2200; else a UsageError naming ``where``."""
    if not (math.isfinite(t) and 0 <= t < MAX_TIME):
        hint = "; epoch milliseconds? divide by 1000" if math.isfinite(t) and t >= MAX_TIME else ""
        raise UsageError(f"{where}: time '{raw}' is outside 1970-2200{hint}")
    return t


def _open_text(path: Path) -> io.TextIOBase:
    from .textfile import open_text

    return open_text(path, "series file")


def _pick(header: Sequence[str], cands: Sequence[str], want: str | None) -> str | None:
    if want:
        return want if want in header else None
    for c in cands:
        if c in header:
            return c
    lower = {h.lower(): h for h in header}
    for c in cands:
        if c.lower() in lower:
            return lower[c.lower()]
    return None


def _read_csv(path: Path, column: str | None) -> tuple[list[tuple], str, str]:
    pts: list[tuple[float, float]] = []
    try:
        with _open_text(path) as f:
            lines = (ln for ln in f if not ln.startswith("#"))
            reader = csv.reader(lines)
            try:
                header = next(reader)
            except StopIteration:
                raise UsageError(f"{path}: empty file; expected a header row with 'datetime' and 'g_per_kwh'") from None
            tcol = _pick(header, TIME_COLS, None)
            vcol = _pick(header, VALUE_COLS, column)
            if tcol is None or vcol is None:
                missing = "a time column ('datetime')" if tcol is None else f"a value column ('{column or 'g_per_kwh'}')"
                raise UsageError(f"{path}: line 1: no {missing}; header is: {', '.join(header[:8])}")
            ti, vi = header.index(tcol), header.index(vcol)
            zone, zone_line = None, None
            zi = header.index("Zone Id") if "Zone Id" in header else (header.index("zone_name") if "zone_name" in header else None)
            for lineno, row in enumerate(reader, start=2):
                if not row or all(not c.strip() for c in row):
                    continue
                if len(row) <= max(ti, vi):
                    raise UsageError(f"{path}: line {lineno}: expected at least {max(ti, vi) + 1} columns, got {len(row)}")
                where = f"{path}: line {lineno}"
                try:
                    t = _parse_ts(row[ti])
                except (ValueError, OverflowError):
                    raise UsageError(f"{where}, column {ti + 1} ({tcol}): invalid time '{row[ti]}';"
                                     f" use ISO 8601, e.g. 2024-05-01T14:00:00Z") from None
                check_time(t, f"{where}, column {ti + 1} ({tcol})", row[ti])
                raw = row[vi].strip()
                if raw.lower() in GAP_TOKENS:
                    continue  # a gap: reported by the caller
                try:
                    v = float(raw)
                except ValueError:
                    raise UsageError(f"{where}, column {vi + 1} ({vcol}): '{raw}' is not a number") from None
                pts.append((t, check_value(v, f"{where}, column {vi + 1} ({vcol})", raw), where))
                z = row[zi].strip() if zi is not None and len(row) > zi else ""
                if z and zone is None:
                    zone, zone_line = z, lineno
                elif z and z != zone:
                    raise UsageError(f"{where}: zone '{z}' differs from '{zone}' (line {zone_line}); one zone per file"
                                     f" (split the file by zone, or use a folder with one file per region)")
    except (OSError, EOFError, gzip.BadGzipFile) as e:
        raise UsageError(f"{path}: cannot read: {e}") from None
    return pts, vcol, zone or ""


def _read_json(path: Path) -> tuple[list[tuple], str, str]:
    try:
        from .textfile import read_text

        data = json.loads(read_text(path, "series file"))
    except UsageError:
        raise
    except (OSError, ValueError) as e:
        raise UsageError(f"{path}: not valid JSON: {e}") from None
    zone = ""
    if isinstance(data, dict):
        zone = data.get("zone", "")
        data = data.get("data") or data.get("history") or data.get("forecast") or []
    pts = []
    for i, item in enumerate(data):
        try:
            raw_t = str(item.get("datetime") or item.get("point_time") or item.get("from"))
            t = _parse_ts(raw_t)
            v = item.get("g_per_kwh", item.get("carbonIntensity", item.get("value")))
            if v is None:
                continue
            v = float(v)
        except (ValueError, AttributeError, TypeError, OverflowError):
            raise UsageError(f"{path}: item {i}: expected {{'datetime': ISO 8601, 'g_per_kwh': number}}") from None
        where = f"{path}: item {i}"
        pts.append((check_time(t, where, raw_t), check_value(v, where), where))
    return pts, "g_per_kwh", zone


def _dedupe(points: Sequence[tuple], what: str) -> dict[float, float]:
    """time -> value, every value checked; a time given twice with two values is refused (naming both)."""
    d: dict[float, float] = {}
    origin: dict[float, str] = {}
    for p in points:
        t, v = float(p[0]), float(p[1])
        where = p[2] if len(p) > 2 else f"{what}: value for {_iso(t)}"
        if len(p) <= 2:
            check_time(t, where, repr(t))
            check_value(v, where)
        if t in d and d[t] != v:
            raise UsageError(f"{where}: {_iso(t)} is given twice with different values ({d[t]:g} at {origin[t]}, "
                             f"{v:g} here); keep one (several regions' files in one folder? give one file per region)")
        d.setdefault(t, v)
        origin.setdefault(t, where)
    return d


def _iso(t: float) -> str:
    from .units import iso

    return iso(t) or repr(t)


def from_points(points: Sequence[tuple], *, source: str = "user series", zone: str | None = None,
                signal: str = "average", resolution_s: float | None = None, column: str | None = None,
                what: str = "series") -> Series:
    """Check, sort, de-duplicate, resample to the finest common step, and record gaps.

    ``points`` are (t, g/kWh) or (t, g/kWh, where) with ``where`` naming the file and line for
    messages. Identical duplicates are merged; a time given twice with different values is refused.

    A value holds until the next point when that is at most ``max(resolution, 1 h)`` away
    (coarser stretches of a mixed-resolution series, or a missing sub-hourly point); a
    longer silence is a gap, left unfilled and listed in ``gaps``.
    """
    if not points:
        raise UsageError(f"{what}: no data points")
    d = _dedupe(points, what)
    ts = sorted(d)
    if resolution_s is None:
        diffs = [b - a for a, b in zip(ts, ts[1:]) if b > a]
        if diffs:
            from collections import Counter

            common = Counter(round(x) for x in diffs).most_common()
            top = common[0][1]
            resolution_s = float(min(x for x, n in common if n >= max(1, top // 4)))
        else:
            resolution_s = 3600.0
    max_hold = max(resolution_s, 3600.0)
    t_out: list[float] = []
    g_out: list[float] = []
    gaps: list[tuple[float, float]] = []
    for i, a in enumerate(ts):
        nxt = ts[i + 1] if i + 1 < len(ts) else a + resolution_s
        stop = nxt if nxt - a <= max_hold + 1e-6 else a + resolution_s
        if stop < nxt:
            gaps.append((stop, nxt))
        k = a
        while k < stop - 1e-6:
            t_out.append(k)
            g_out.append(d[a])
            k += resolution_s
    return Series(tuple(t_out), tuple(g_out), float(resolution_s), source, zone, signal, tuple(gaps), column)


def read_series(path: str | os.PathLike, *, column: str | None = None, signal: str = "average") -> Series:
    p = Path(path)
    if not p.exists():
        raise UsageError(f"series file not found: {p}")
    files = sorted(x for x in p.iterdir() if x.is_file() and not x.name.startswith(".") and x.suffix.lower() not in (".md", ".txt")) if p.is_dir() else [p]
    if not files:
        raise UsageError(f"{p}: directory has no series files")
    pts: list[tuple] = []
    col, zone = None, None
    zones: dict[str, Path] = {}
    for f in files:
        if f.suffix.lower() == ".json":
            fp, c, z = _read_json(f)
        else:
            fp, c, z = _read_csv(f, column)
        pts.extend(fp)
        col, zone = c, zone or z or None
        if z:
            zones.setdefault(z, f)
    if len(zones) > 1:  # never merge regions into one zone silently
        listed = ", ".join(f"{z} ({f.name})" for z, f in zones.items())
        raise UsageError(f"{p}: the folder holds several zones' series ({listed}); give one zone's file, or "
                         f"put each region in its own sub-folder and name the region (--region / --regions)")
    if not pts:
        raise UsageError(f"{p}: no data rows; expected lines like '2024-05-01T00:00:00Z,123.4'")
    return from_points(pts, source=f"file {p.name}", zone=zone, signal=signal, column=col, what=str(p))
