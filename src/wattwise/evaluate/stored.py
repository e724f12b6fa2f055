"""Evaluations read back from the run store (they live in each run's result under ``evaluation``)."""
from __future__ import annotations

from typing import Any

from ..errors import UsageError
from .result import Evaluation

SEARCH = "evaluate"  # evaluation runs' command: 'wattwise.evaluate NAME' (Python) or 'wattwise evaluate ...' (CLI)


def _open(store: Any):
    if store is None or isinstance(store, str) or hasattr(store, "__fspath__"):
        from ..store import open_store

        return open_store(store, readonly=True), True
    return store, False


def from_run(run: dict | None) -> dict | None:
    """The evaluation dict of a stored run (get_run's row), or None."""
    res = (run or {}).get("result") or {}
    ev = res.get("evaluation")
    return ev if isinstance(ev, dict) else None


def load(run_id: str, store: Any = None) -> Evaluation:
    """The Evaluation of a stored run (any unique prefix of its id)."""
    st, owned = _open(store)
    try:
        rid = st.resolve_id(run_id)
        ev = from_run(st.get_run(rid))
        if ev is None:
            raise UsageError(f"run {rid} is not an evaluation (it holds no evaluation result); "
                             "list evaluations with: wattwise evaluate compare --project P, or see the dashboard's Models page")
        return Evaluation.from_dict(ev)
    finally:
        if owned:
            st.close()


def compare(run_ids: list[str], store: Any = None) -> list[Evaluation]:
    st, owned = _open(store)
    try:
        return [load(r, st) for r in run_ids]
    finally:
        if owned:
            st.close()


def evaluations(store, *, project: str | None = None, limit: int = 200) -> list[dict]:
    """Stored evaluations, newest first: each evaluation dict with its run's project, start and status."""
    out = []
    for row in store.list_runs(project=project, search=SEARCH, limit=limit * 4):
        run = store.get_run(row["run_id"])
        ev = from_run(run)
        if ev is None:
            continue
        out.append(dict(ev, run_id=row["run_id"], project=row.get("project"), start_ts=row.get("start_ts"),
                        status=row.get("status")))
        if len(out) >= limit:
            break
    return out
