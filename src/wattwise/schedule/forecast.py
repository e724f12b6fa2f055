"""Where a plan's intensity forecast comes from, and how old it is.

Sources, in the order ``load`` tries them for a spec:

- a series file or directory (CSV/JSON/Electricity Maps export, see ``wattwise.series``);
  a directory holding one entry per region (sub-folder or file named after the region, or
  whose rows name it in a ``Zone Id`` column) serves several regions;
- a provider name (``electricitymaps``, ``watttime``, ``ukgrid``), used through
  ``wattwise.intensity`` when that build exposes forecasts (see ``_provider``); a missing
  provider, credential or network never blocks: the plan says so and recommends running now;
- when the source holds only history (it ends before the planning time), a persistence
  forecast: each future interval takes the value of the same time one day earlier
  (``persistence="1d"``, default) or one week earlier (``"7d"``), from the latest day (week)
  the history covers. Simple and documented; day-ahead persistence is the usual baseline that
  real forecasts are judged against. History that ended more than ``max_age_s`` before now
  (default 2 days) is no forecast at all: last year's afternoon says nothing about tomorrow's.

A forecast states what it is: its issue time, its horizon, and its signal (``average`` or
``marginal``, from the source: a provider's series, a file's value column).
"""
from __future__ import annotations

import difflib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import UsageError
from ..series import Series, from_points, read_series
from ..units import iso
from .grid import Dense, densify

PROVIDERS = ("electricitymaps", "watttime", "ukgrid")
_ALIASES = {"em": "electricitymaps", "electricity-maps": "electricitymaps", "electricity_maps": "electricitymaps",
            "wt": "watttime", "gb": "ukgrid", "carbonintensity": "ukgrid", "carbon-intensity": "ukgrid",
            "uk": "ukgrid", "national-grid": "ukgrid"}
PERSISTENCE = {"1d": 86400.0, "7d": 7 * 86400.0}
MAX_AGE_S = 2 * 86400.0  # history ending longer ago than this does not make a persistence forecast
MARGINAL_COLUMNS = ("moer", "marginal")
SERIES_SUFFIXES = (".csv", ".gz", ".json")


@dataclass(frozen=True)
class Forecast:
    """A region's intensity from ``now`` on, with its provenance."""

    region: str
    dense: Dense
    source: str
    method: str  # file | provider | persistence-1d | persistence-7d
    issued_at: float | None  # when the figures were produced (file: modified time; persistence: history end)
    issued_basis: str
    notes: tuple[str, ...] = ()
    signal: str = "average"
    history: Dense | None = None  # what a persistence forecast was made from (for its track record)

    @property
    def horizon_end(self) -> float:
        return self.dense.end

    def horizon_s(self, now: float) -> float:
        """How far ahead of ``now`` the forecast reaches."""
        return max(0.0, self.horizon_end - now)

    def age_s(self, now: float) -> float | None:
        return None if self.issued_at is None else max(0.0, now - self.issued_at)

    def to_dict(self, now: float) -> dict[str, Any]:
        return {"region": self.region, "source": self.source, "method": self.method, "signal": self.signal,
                "issued_at": iso(self.issued_at), "issued_basis": self.issued_basis, "age_s": self.age_s(now),
                "resolution_s": self.dense.step, "horizon_end": iso(self.horizon_end), "horizon_s": self.horizon_s(now),
                "filled_gaps": [{"start": iso(a), "end": iso(b)} for a, b in self.dense.filled]}


@dataclass(frozen=True)
class NoForecast:
    """No usable forecast for a region, and why (the plan recommends running now)."""

    region: str
    reason: str
    data_age_s: float | None = None  # set when the only data was history too old to use


def signal_of(series: Series) -> str:
    """The series' signal: as declared, or marginal when its value column says so (WattTime MOER)."""
    col = (series.column or "").lower()
    if series.signal == "marginal" or any(k in col for k in MARGINAL_COLUMNS):
        return "marginal"
    return series.signal or "average"


def days_old(seconds: float) -> str:
    """'700 days', '1 day', '9 hours': how old data is, in the unit a reader expects."""
    if seconds >= 86400:
        d = int(seconds // 86400)
        return f"{d} day{'s' if d != 1 else ''}"
    h = max(1, int(round(seconds / 3600)))
    return f"{h} hour{'s' if h != 1 else ''}"


def canonical_provider(name: str) -> str | None:
    k = name.strip().lower()
    k = _ALIASES.get(k, k)
    return k if k in PROVIDERS else None


def _is_series_file(p: Path) -> bool:
    n = p.name.lower()
    return p.is_file() and not n.startswith(".") and n.endswith(SERIES_SUFFIXES)


def find_in_dir(d: Path, region: str) -> Path | None:
    """The entry of a per-region directory that holds ``region`` (by name, then by content)."""
    want = region.lower()
    entries = sorted(x for x in d.iterdir() if not x.name.startswith("."))
    for x in entries:
        stem = x.name.lower().split(".")[0]
        if stem == want or x.name.lower() == want:
            return x
    # the Electricity Maps folders name some zones differently (DE-LU/ holds DE): look inside
    for x in entries:
        if x.is_dir():
            files = [f for f in sorted(x.iterdir()) if _is_series_file(f)]
            if files and _zone_of(files[0]) == region.upper():
                return x
        elif _is_series_file(x) and _zone_of(x) == region.upper():
            return x
    return None


def _zone_of(path: Path) -> str | None:
    """The zone named in a file's first data row (Electricity Maps ``Zone Id``), cheaply."""
    import csv
    import gzip
    import io

    try:
        raw = gzip.open(path) if path.suffix == ".gz" else open(path, "rb")
        with io.TextIOWrapper(raw, encoding="utf-8-sig", newline="") as f:
            r = csv.reader(f)
            header = next(r, [])
            row = next(r, [])
        for col in ("Zone Id", "zone", "zone_id"):
            if col in header and len(row) > header.index(col):
                return row[header.index(col)].strip().upper() or None
    except (OSError, ValueError, StopIteration, EOFError):  # UnicodeDecodeError is a ValueError: the full read reports it
        return None
    return None


def dir_regions(d: Path) -> list[tuple[str, Path]]:
    """(region id, entry) for a directory of per-region sub-folders (e.g. the Electricity Maps yearly exports)."""
    out = []
    for x in sorted(d.iterdir()):
        if x.is_dir() and not x.name.startswith("."):
            files = [f for f in sorted(x.iterdir()) if _is_series_file(f)]
            if files:
                out.append((_zone_of(files[0]) or x.name, x))
    return out


def read_for_region(spec: str | os.PathLike, region: str | None) -> Series:
    """Read the series a file/directory spec holds for ``region``.

    A directory is either one series split over files (yearly exports of one zone) or one
    entry per region (sub-folders or files named after, or naming, their region).
    """
    p = Path(spec)
    if not p.exists():
        raise UsageError(f"forecast file not found: {p}")
    if not p.is_dir():
        return read_series(p)
    entries = [x for x in p.iterdir() if not x.name.startswith(".")]
    per_region = any(x.is_dir() for x in entries)
    if not per_region:
        zones = {_zone_of(x) for x in entries if _is_series_file(x)}
        per_region = len(zones - {None}) > 1 or (region is not None and find_in_dir(p, region) is not None
                                                  and any(x.name.lower().split(".")[0] == region.lower() for x in entries))
    if not per_region:
        return read_series(p)
    if region is None:
        raise UsageError(f"{p} holds one series per region; name the region (--region R)")
    hit = find_in_dir(p, region)
    if hit is None:
        names = [r for r, _ in dir_regions(p)] or sorted(x.name.split(".")[0] for x in entries)
        close = difflib.get_close_matches(region, names, n=1)
        hint = f"; did you mean '{close[0]}'?" if close else f"; it has: {', '.join(names[:20])}"
        raise UsageError(f"no series for region '{region}' in {p}{hint}")
    return read_series(hit)


def persistence(history: Dense, now: float, horizon_s: float, period: str = "1d") -> Dense:
    """Forecast [now, now + horizon) from history: the value one period (1d/7d) earlier, repeated."""
    P = PERSISTENCE[period]
    step = history.step
    # align the forecast grid to the history's grid so values map one to one
    k0 = int((now - history.t0) // step)
    t0 = history.t0 + k0 * step
    n = int((now + horizon_s - t0) // step) + 1
    vals = []
    for i in range(n):
        t = t0 + i * step
        back = max(1, int(-(-(t - history.end + step) // P)))  # smallest k with t - k*P inside the history
        src = t - back * P
        if src < history.t0:
            break
        vals.append(history.value_at(src))
    if not vals:
        raise UsageError(f"history too short for a {period} persistence forecast (needs at least {period} of data)")
    return Dense(t0, step, tuple(vals), (), history.source, history.zone, history.signal)


def _as_dense(obj: Any, what: str) -> Dense:
    if isinstance(obj, Dense):
        return obj
    if isinstance(obj, Series):
        d = densify(obj)
        sig = signal_of(obj)
        return d if d.signal == sig else Dense(d.t0, d.step, d.v, d.filled, d.source, d.zone, sig)
    pts = []
    for x in obj:  # points (t, g) or objects with datetime/g_per_kwh
        if isinstance(x, (tuple, list)):
            t, g = x[0], x[1]
        else:
            t = getattr(x, "datetime", None) or getattr(x, "t", None)
            g = getattr(x, "g_per_kwh", None)
        if isinstance(t, str):
            from ..units import parse_time

            t = parse_time(t).timestamp()
        elif hasattr(t, "timestamp"):
            t = t.timestamp()
        pts.append((float(t), float(g)))
    sig = getattr(obj, "signal", None) if getattr(obj, "signal", None) in ("average", "marginal") else "average"
    return densify(from_points(pts, source=what, what=what, signal=sig))


def _provider(name: str, region: str, now: float, horizon_s: float):
    """A provider forecast through ``wattwise.intensity``, if this build has one.

    Protocol looked for (first found wins): ``wattwise.intensity.forecast(zone, provider=name)``,
    or ``wattwise.intensity.get_provider(name)`` returning an object with ``forecast(zone)``;
    the result is a Series, a list of (epoch, g/kWh) points, or objects with ``datetime`` and
    ``g_per_kwh``. Optional ``history(zone, start, end)`` feeds the persistence fallback.
    Returns (Dense, issued_at, kind) or a NoForecast.
    """
    if os.environ.get("WATTWISE_OFFLINE", "").strip().lower() in ("1", "true", "yes", "on"):
        return NoForecast(region, f"{name} forecast not fetched: WATTWISE_OFFLINE is set (no network calls)")
    try:
        import wattwise.intensity as wi
    except ImportError as e:  # pragma: no cover - the package always has it
        return NoForecast(region, f"intensity providers unavailable ({e})")
    fn = getattr(wi, "forecast", None)
    prov = None
    if fn is None:
        getp = getattr(wi, "get_provider", None) or getattr(wi, "provider", None)
        if callable(getp):
            try:
                prov = getp(name)
            except Exception as e:  # noqa: BLE001 - a provider problem never blocks planning
                return NoForecast(region, f"{name} provider not usable: {e}")
            fn = getattr(prov, "forecast", None)
    if fn is None:
        return NoForecast(region, f"this build of wattwise has no {name} forecast provider; pass --forecast FILE")
    try:
        res = fn(region, provider=name) if prov is None else fn(region)
    except Exception as e:  # noqa: BLE001 - missing credential, network, rate limit: say so, never block
        return NoForecast(region, f"{name} forecast unavailable: {e}")
    if res is None or (hasattr(res, "__len__") and len(res) == 0):
        hist = getattr(prov, "history", None) or getattr(wi, "history", None)
        if hist is not None:
            try:
                h = hist(region, now - 8 * 86400, now) if prov is not None else hist(region, now - 8 * 86400, now, provider=name)
                return _as_dense(h, f"{name} history"), None, "history"
            except Exception as e:  # noqa: BLE001
                return NoForecast(region, f"{name} returned no forecast and no history: {e}")
        return NoForecast(region, f"{name} returned no forecast for {region}")
    issued = getattr(res, "issued_at", None) or getattr(res, "generated_at", None)
    try:
        return _as_dense(res, f"{name} forecast"), (float(issued) if issued else now), "provider"
    except (TypeError, ValueError, UsageError) as e:
        return NoForecast(region, f"{name} forecast not understood: {e}")


def load(spec: Any, region: str, now: float, horizon_s: float, *, persistence_period: str = "1d",
         max_age_s: float = MAX_AGE_S) -> Forecast | NoForecast:
    """The forecast for ``region`` from ``spec`` (path, provider name, Series, Dense, points or None).

    History only, ending more than ``max_age_s`` before ``now``: a NoForecast that says how old
    the newest data is (the plan then recommends starting now)."""
    if persistence_period not in PERSISTENCE:
        raise UsageError(f"unknown persistence period '{persistence_period}'; use 1d or 7d")
    if spec is None:
        return NoForecast(region, "no forecast source given (pass --forecast FILE or a provider such as electricitymaps)")
    notes: list[str] = []
    issued: float | None
    if isinstance(spec, (Series, Dense)) or (not isinstance(spec, (str, os.PathLike)) and hasattr(spec, "__iter__")):
        dense = _as_dense(spec, "user series")
        source, method, issued, basis = dense.source or "user series", "series", None, "not stated"
    else:
        text = str(spec)
        prov = canonical_provider(text) if not Path(text).exists() else None
        if prov is not None:
            got = _provider(prov, region, now, horizon_s)
            if isinstance(got, NoForecast):
                return got
            dense, issued, kind = got
            source, method, basis = f"{prov} {'forecast' if kind == 'provider' else 'history'}", "provider", "provider"
        else:
            p = Path(text)
            if not p.exists() and (os.sep in text or text.lower().endswith(SERIES_SUFFIXES)):
                raise UsageError(f"forecast file not found: {p}")
            if not p.exists():
                close = difflib.get_close_matches(text.lower(), list(PROVIDERS) + list(_ALIASES), n=1, cutoff=0.6)
                hint = f"; did you mean the provider '{canonical_provider(close[0])}'?" if close else \
                    f"; give a series file or one of: {', '.join(PROVIDERS)}"
                raise UsageError(f"forecast '{text}' is neither a file nor a known provider{hint}")
            s = read_for_region(p, region)
            dense = _as_dense(s, str(p))
            source, method = s.source, "file"
            issued, basis = p.stat().st_mtime, "file modified time"
    if dense.filled:
        hours = sum(b - a for a, b in dense.filled) / 3600
        notes.append(f"{len(dense.filled)} gap(s) in the forecast ({hours:.3g} h) filled by linear interpolation")
    step = dense.step
    history = None
    if dense.end <= now:
        # history only: persistence, if it is recent enough to say anything about the coming hours
        hist_end = dense.end
        if now - hist_end > max_age_s:
            return NoForecast(region, f"{source} ends {iso(hist_end)}, {days_old(now - hist_end)} before the planning "
                                      f"time; a persistence forecast needs data from the last {days_old(max_age_s)}",
                              now - hist_end)
        history = dense
        dense = persistence(dense, now, horizon_s, persistence_period)
        notes.append(f"{source} ends {iso(hist_end)}, before the planning time: persistence forecast "
                     f"(same time {'one day' if persistence_period == '1d' else 'one week'} earlier)")
        method = f"persistence-{persistence_period}"
        issued, basis = hist_end, "end of history"
    elif dense.t0 > now:
        if dense.t0 - now <= step + 1e-6:
            notes.append(f"forecast starts {dense.t0 - now:.0f} s after the planning time; its first value is held back to now")
            dense = Dense(dense.t0 - step, step, (dense.v[0],) + dense.v, dense.filled, dense.source, dense.zone, dense.signal)
        else:
            raise UsageError(f"forecast for {region} starts at {iso(dense.t0)}, after the planning time {iso(now)}; "
                             f"give a forecast that covers now (or plan as of another time with --now)")
    return Forecast(region, dense, source, method, issued, basis, tuple(notes), dense.signal, history)
