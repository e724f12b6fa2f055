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
        u = u[len("sqlite:///"):]  # sqlite:///rel.db is relative, sqlite:////abs/runs.db absolute (SQLAlchemy's form)
    elif u.startswith("sqlite://"):
        u = u[len("sqlite://"):]
    from .sqlite import SQLiteStore

    return SQLiteStore(u, readonly=readonly)


def run_result(store, run_id: str) -> dict | None:
    """The run's result JSON; for a run killed before it could finish, rebuilt from its stored samples.

    A rebuilt result has status 'interrupted', covers the time up to the last flushed sample,
    and says so in its warnings.
    """
    run = store.get_run(run_id)
    if run is None:
        return None
    if run.get("result") and run["status"] != "interrupted":
        return run["result"]
    from ..result import Component, Intensity, Measurement
    from ..intensity import AnnualAccount

    meta = run.get("meta") or {}
    samples = store.samples(run_id)
    last: dict[str, dict] = {}
    for s in samples:
        last[s["component"]] = s
    known = {c["name"]: c for c in meta.get("components", [])}
    t_end = max((s["t"] for s in samples), default=run["start_ts"])
    dur = max(t_end - run["start_ts"], 0.0)
    comps = []
    for name in sorted(set(known) | set(last)):
        k = known.get(name, {})
        e = last[name]["energy_j"] if name in last else None
        comps.append(Component(name, e, k.get("method", "measured") if e is not None else "unavailable",
                               k.get("source", "unknown"), None if e is not None else "no sample was flushed before the interruption",
                               (e / dur) if e is not None and dur > 0 else None, k.get("attribution")))
    inten = Intensity.from_dict(meta["intensity"]) if meta.get("intensity") else None
    pue = run.get("pue") or 1.0
    total = sum(c.energy_j for c in comps if c.energy_j is not None)
    emissions = AnnualAccount(inten).emissions_g([(run["start_ts"], t_end, total * pue)]) if inten else None
    if inten is None:
        inten = Intensity(zone=run.get("region") or "unknown", g_per_kwh=float("nan"), source="unknown")
    m = Measurement(run_id=run_id, start=run["start_ts"], end=t_end, components=tuple(comps), intensity=inten, pue=pue,
                    scope=run.get("scope") or "process", emissions_g=emissions, project=run.get("project"), name=run.get("name"),
                    command=run.get("command"), exit_code=run.get("exit_code"), host=run.get("host"),
                    status=run["status"], pue_source=meta.get("pue_source"), hardware=meta.get("hardware") or {},
                    warnings=(("in progress: figures up to the last stored sample",) if run["status"] == "running" else
                              ("rebuilt from the samples stored before the run was interrupted; energy after the last "
                               "flush is missing",)), extra={"samples": len(samples) // max(len(last), 1)})
    return m.to_dict()
