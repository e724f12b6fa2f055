"""Optional user config file: ``$WATTWISE_CONFIG`` or ``~/.config/wattwise/config.toml``.

Keys: region, store, pue, interval, project. TOML; on Python < 3.11 a minimal
``key = "value"`` reader is used.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any


def config_path() -> Path:
    env = os.environ.get("WATTWISE_CONFIG")
    if env:
        return Path(env)
    base = os.environ.get("XDG_CONFIG_HOME") or os.path.join(os.path.expanduser("~"), ".config")
    return Path(base) / "wattwise" / "config.toml"


def load_config() -> dict[str, Any]:
    p = config_path()
    if not p.exists():
        return {}
    from .textfile import read_text

    text = read_text(p, "config file")  # a config that exists but cannot be read is an error, not ignored
    try:
        import tomllib

        data = tomllib.loads(text)
    except ImportError:
        data = {}
        for line in text.splitlines():
            if "=" in line and not line.lstrip().startswith("#"):
                k, v = line.split("=", 1)
                data[k.strip()] = v.strip().strip('"').strip("'")
    except Exception as e:  # noqa: BLE001 - a broken config must be reported, not crash
        from .errors import UsageError

        raise UsageError(f"config file {p} is not valid TOML: {e}") from None
    data["_path"] = str(p)
    return data
