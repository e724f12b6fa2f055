"""Intensity forecast files for the Schedule page tests, in the series contract format
(``datetime,g_per_kwh``, ISO 8601 UTC), read by the real ``wattwise.series`` parser."""
from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

T0 = 1_767_225_600.0  # 2026-01-01T00:00:00Z, the planning time of most tests
NOW = "2026-01-01T00:00Z"

# 24 hours: dirty except two clean pairs of hours (02-04 and 10-12) and a fairly clean afternoon
TWO_VALLEYS = [420, 410, 90, 95, 400, 430, 440, 450, 430, 380, 85, 80, 300, 250, 240, 260, 350, 420, 470, 480, 460,
               450, 440, 430]


def write_forecast(path: Path, values, *, t0: float = T0, step: float = 3600.0) -> Path:
    lines = ["datetime,g_per_kwh"]
    for i, v in enumerate(values):
        lines.append(f"{datetime.fromtimestamp(t0 + i * step, timezone.utc).strftime('%Y-%m-%dT%H:%M:%SZ')},{v}")
    path.write_text("\n".join(lines) + "\n")
    return path
