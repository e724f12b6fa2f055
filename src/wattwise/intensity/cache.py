"""On-disk cache of fetched intensity, under ``$XDG_CACHE_HOME/wattwise/intensity``.

Settled hours are stored by (provider, zone, signal) and UTC day, one small JSON file per day,
so a run, a later ``wattwise intensity --at`` or a re-run never fetches the same hour twice.
Forecasts are stored by the hour they were issued in; latest values for a few minutes. Files
are written atomically (temp file + rename); a corrupt file is ignored and rewritten.
"""
from __future__ import annotations

import json
import os
import re
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any


def cache_root() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "wattwise" / "intensity"


def _safe(key: str) -> Path:
    return Path(*[re.sub(r"[^A-Za-z0-9._-]", "_", part) or "_" for part in key.split("/")])


class HourCache:
    def __init__(self, root: str | os.PathLike | None = None):
        self.root = Path(root) if root else cache_root()

    # -- hours ----------------------------------------------------------------------------
    def _day_file(self, key: str, hour: float) -> tuple[Path, str]:
        d = datetime.fromtimestamp(hour, timezone.utc)
        return self.root / _safe(key) / f"{d:%Y-%m-%d}.json", f"{d:%H}"

    def get_hour(self, key: str, hour: float) -> list[tuple[float, float]] | None:
        path, hh = self._day_file(key, hour)
        data = _read(path)
        pts = data.get(hh)
        if pts is None:
            return None
        try:
            return [(float(t), float(g)) for t, g in pts]
        except (TypeError, ValueError):
            return None

    def put_hour(self, key: str, hour: float, points: list[tuple[float, float]]) -> None:
        self.put_hours(key, {hour: points})

    def put_hours(self, key: str, hours: dict[float, list[tuple[float, float]]]) -> None:
        """Store several hours with one read and one write per day file."""
        by_file: dict[Path, dict[str, list]] = {}
        for hour, points in hours.items():
            path, hh = self._day_file(key, hour)
            by_file.setdefault(path, {})[hh] = [[t, g] for t, g in points]
        for path, new in by_file.items():
            data = _read(path)
            data.update(new)
            _write(path, data)

    # -- metadata and whole payloads ------------------------------------------------------
    def get_meta(self, key: str) -> dict[str, Any]:
        return _read(self.root / _safe(key) / "meta.json")

    def put_meta(self, key: str, meta: dict[str, Any]) -> None:
        _write(self.root / _safe(key) / "meta.json", meta)

    def get_blob(self, key: str, name: str, max_age_s: float | None = None) -> Any:
        path = self.root / _safe(key) / f"{name}.json"
        if max_age_s is not None:
            try:
                if time.time() - path.stat().st_mtime > max_age_s:
                    return None
            except OSError:
                return None
        data = _read(path)
        return data.get("value") if data else None

    def put_blob(self, key: str, name: str, value: Any) -> None:
        _write(self.root / _safe(key) / f"{name}.json", {"value": value})


def _read(path: Path) -> dict:
    try:
        with path.open(encoding="utf-8") as f:
            data = json.load(f)
        return data if isinstance(data, dict) else {}
    except (OSError, ValueError):
        return {}


def _write(path: Path, data: dict) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".json")
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(data, f, separators=(",", ":"))
        os.replace(tmp, path)
    except OSError:
        pass  # an unwritable cache costs a refetch later, never the run
