"""Where is this run? Explicit settings first, then an offline guess from the time zone.

Never calls the network. The result always says how the region was chosen, so a guess is
visible as a guess.
"""
from __future__ import annotations

import os
from pathlib import Path

ZONE_TAB_DIRS = ("/usr/share/zoneinfo", "/usr/lib/python3/dist-packages/tzdata/zoneinfo")


def system_timezone() -> str | None:
    tz = os.environ.get("TZ", "").lstrip(":")
    if tz and "/" in tz and not tz.startswith("/"):
        return tz
    try:
        name = Path("/etc/timezone").read_text().strip()
        if name:
            return name
    except OSError:
        pass
    try:
        target = os.readlink("/etc/localtime")
        if "zoneinfo/" in target:
            return target.split("zoneinfo/", 1)[1]
    except OSError:
        pass
    return None


def _zone_tab() -> dict[str, str]:
    dirs = list(ZONE_TAB_DIRS)
    try:
        import tzdata  # type: ignore[import-not-found]

        dirs.append(str(Path(tzdata.__file__).parent / "zoneinfo"))
    except ImportError:
        pass
    for d in dirs:
        p = Path(d) / "zone.tab"
        try:
            lines = p.read_text().splitlines()
        except OSError:
            continue
        out = {}
        for line in lines:
            if line.startswith("#") or not line.strip():
                continue
            parts = line.split("\t")
            if len(parts) >= 3:
                out[parts[2]] = parts[0]
        return out
    return {}


def country_from_timezone(tz: str | None) -> str | None:
    if not tz:
        return None
    return _zone_tab().get(tz)


def guess_region() -> tuple[str | None, str]:
    """(region id or None, how it was chosen)."""
    env = os.environ.get("WATTWISE_REGION")
    if env:
        return env, "WATTWISE_REGION"
    from .config import load_config

    cfg = load_config()
    if cfg.get("region"):
        return cfg["region"], f"config file {cfg['_path']}"
    cloud = None
    try:
        from .cloud import detect_cloud_region  # provided by the intensity layer when present

        cloud = detect_cloud_region()
    except ImportError:
        pass
    if cloud:
        return cloud
    tz = system_timezone()
    cc = country_from_timezone(tz)
    if cc:
        return cc, f"guessed from the system time zone {tz} (offline; pass --region to be sure)"
    return None, f"no region given and the system time zone ({tz or 'unset'}) names no country"
