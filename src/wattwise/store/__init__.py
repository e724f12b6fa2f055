"""Run storage: SQLite by default (one file for every run on this machine), PostgreSQL for teams.

``open_store(url)`` takes a path, ``sqlite:///path`` or ``postgresql://...``; with no
argument it uses ``WATTWISE_STORE`` or ``$XDG_DATA_HOME/wattwise/runs.db``.
Both backends implement the same small interface (see ``sqlite.SQLiteStore``).
"""
from __future__ import annotations

import os
from pathlib import Path


def default_store_path() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or os.path.join(os.path.expanduser("~"), ".local", "share")
    return Path(base) / "wattwise" / "runs.db"


def store_url(url: str | os.PathLike | None = None) -> str:
    if url is None or str(url) == "":
        url = os.environ.get("WATTWISE_STORE") or ""
        if not url:
            from ..config import load_config

            url = load_config().get("store") or str(default_store_path())
    return str(url)


def open_store(url: str | os.PathLike | None = None, *, readonly: bool = False):
    u = store_url(url)
    if u.startswith(("postgresql://", "postgres://")):
        from .postgres import PostgresStore

        return PostgresStore(u, readonly=readonly)
    if u.startswith("sqlite:///"):
        u = u[len("sqlite:///") - 1:] if u.startswith("sqlite:////") else u[len("sqlite:///"):]
    elif u.startswith("sqlite://"):
        u = u[len("sqlite://"):]
    from .sqlite import SQLiteStore

    return SQLiteStore(u, readonly=readonly)
