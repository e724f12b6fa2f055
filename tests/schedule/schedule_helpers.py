"""Helpers shared by the scheduler tests."""
from __future__ import annotations

from pathlib import Path

HOURLY = "ci-hourly-greendcc-em-2021-2024"
ZONE_DIRS = ("AU-NSW", "AU-VIC", "BR-SP", "CA-ON", "CL-SIC", "DE-LU", "GB", "IN-WE", "JP-TK", "KR", "SG",
             "US-CAL-CISO", "US-MIDA-PJM", "US-NY-NYIS", "US-TEX-ERCO", "ZA")


def write_series(path: Path, t0: float, step: float, values, *, epoch: bool = True) -> Path:
    """A contract-format series file (datetime, g_per_kwh)."""
    from datetime import datetime, timezone

    lines = ["datetime,g_per_kwh"]
    for i, v in enumerate(values):
        t = t0 + i * step
        ts = f"{t:.0f}" if epoch else datetime.fromtimestamp(t, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        lines.append(f"{ts},{v}")
    path.write_text("\n".join(lines) + "\n")
    return path
