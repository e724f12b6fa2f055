"""A project's footprint ledger, kept in the run store beside its runs (SQLite or PostgreSQL).

Each recorded activity (an *entry*) is stored as its lines, and each line keeps the factor it
used (kg CO2e per unit), that factor's source, year and licence, and the CO2e it came to. A
later factor table therefore never changes what was recorded: history is read back as it was
written. Writes go through the store's transaction plumbing (``store._tx``), so an import of
many rows lands whole or not at all.
"""
from __future__ import annotations

import json
import os
import time
import uuid
from dataclasses import dataclass, field
from datetime import date as _date, datetime, timezone
from typing import Any

from ..errors import UsageError
from .kinds import Line, lines
from .params import text

TABLE = "footprint_activities"
COLUMNS = ("id", "entry", "project", "kind", "category", "day", "quantity", "unit", "factor_kg_per_unit", "gco2e",
           "gco2e_low", "gco2e_high", "source", "year", "license", "who", "note", "details_json", "created_ts")
_PROJECT, _WHO, _NOTE = text(200), text(100), text(1000, multiline=True)


@dataclass(frozen=True)
class Entry:
    """One recorded activity: its lines as stored (plain dicts, the JSON contract's items)."""

    entry: str
    project: str
    kind: str
    date: str
    who: str | None
    note: str | None
    items: tuple[dict[str, Any], ...] = field(default_factory=tuple)

    @property
    def gco2e(self) -> float:
        return sum(i["gco2e"] for i in self.items)

    def to_dict(self) -> dict[str, Any]:
        return {"entry": self.entry, "project": self.project, "kind": self.kind, "date": self.date, "who": self.who,
                "note": self.note, "gco2e": self.gco2e, "items": list(self.items)}


def check_project(project: Any) -> str:
    try:
        return _PROJECT(project)
    except ValueError as e:
        raise UsageError(f"project '{project}' {e}; give a project name, e.g. --project bert") from None


def parse_day(value: Any) -> str:
    """An activity's date as YYYY-MM-DD (default: today, UTC)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return datetime.now(timezone.utc).date().isoformat()
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, _date):
        d = value
    else:
        try:
            d = _date.fromisoformat(str(value).strip())
        except ValueError:
            raise UsageError(f"date '{value}': give YYYY-MM-DD, e.g. 2025-06-30") from None
    if not 1970 <= d.year <= 2100:
        raise UsageError(f"date '{value}': must be between 1970 and 2100")
    return d.isoformat()


def make_entry(project: str, kind: str, params: dict[str, Any], *, date: Any = None, who: Any = None,
               note: Any = None) -> Entry:
    """Check an activity and compute its lines (nothing is stored)."""
    project = check_project(project)
    day = parse_day(date)
    who_v = _opt(_WHO, "who", who)
    note_v = _opt(_NOTE, "note", note)
    computed = lines(kind, params)
    eid = uuid.uuid4().hex[:12]
    items = tuple(_item(f"{eid}-{i}", eid, ln, day, who_v, note_v) for i, ln in enumerate(computed))
    return Entry(eid, project, computed[0].kind, day, who_v, note_v, items)


def _opt(parse, what: str, v: Any) -> str | None:
    if v is None or (isinstance(v, str) and not v.strip()):
        return None
    try:
        return parse(v)
    except ValueError as e:
        raise UsageError(f"{what} '{v}' {e}") from None


def _item(lid: str, eid: str, ln: Line, day: str, who: str | None, note: str | None) -> dict[str, Any]:
    f = ln.factor
    return {"id": lid, "entry": eid, "kind": ln.kind, "category": ln.category, "date": day, "quantity": ln.quantity,
            "unit": f.unit, "factor_kg_per_unit": f.kg_per_unit, "gco2e": ln.gco2e, "gco2e_low": ln.bound("low"),
            "gco2e_high": ln.bound("high"), "source": f.source, "year": f.year, "license": f.license,
            "read_in": f.read_in, "factor_key": f.key, "factor_note": f.note, "description": ln.description,
            "details": ln.details, "who": who, "note": note,
            "basis": "user" if f.read_in == "user" else "estimate"}


# -- storage ----------------------------------------------------------------------------------------
_EXTRA = ("read_in", "factor_key", "factor_note", "description", "details", "basis")


def write(store, entries: list[Entry]) -> None:
    """Store entries in one transaction: all of them or none."""
    now = time.time()
    rows = [(i["id"], e.entry, e.project, i["kind"], i["category"], i["date"], i["quantity"], i["unit"],
             i["factor_kg_per_unit"], i["gco2e"], i["gco2e_low"], i["gco2e_high"], i["source"], i["year"], i["license"],
             i["who"], i["note"], json.dumps({k: i[k] for k in _EXTRA}, default=str), now)
            for e in entries for i in e.items]
    if rows:
        sql = f"INSERT INTO {TABLE} ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))})"
        store._tx(lambda c: c.executemany(sql, rows))


def has_ledger(store) -> bool:
    """Whether the store has the ledger table (a store opened read-only may predate it)."""
    if store.backend == "postgresql":
        return bool(store._q(f"SELECT to_regclass('{TABLE}') IS NOT NULL AS present")[0]["present"])
    return bool(store._q("SELECT 1 AS x FROM sqlite_master WHERE type='table' AND name=?", (TABLE,)))


def read_items(store, project: str) -> list[dict[str, Any]]:
    """The project's stored lines as items, oldest first."""
    if not has_ledger(store):
        return []
    rows = store._q(f"SELECT * FROM {TABLE} WHERE project=?", (project,))
    rows.sort(key=lambda r: (r["day"], r["created_ts"], r["id"]))
    return [_from_row(r) for r in rows]


def _from_row(r: dict[str, Any]) -> dict[str, Any]:
    extra = json.loads(r.get("details_json") or "{}")
    item = {"id": r["id"], "entry": r["entry"], "kind": r["kind"], "category": r["category"], "date": r["day"],
            "quantity": r["quantity"], "unit": r["unit"], "factor_kg_per_unit": r["factor_kg_per_unit"],
            "gco2e": r["gco2e"], "gco2e_low": r["gco2e_low"], "gco2e_high": r["gco2e_high"], "source": r["source"],
            "year": r["year"], "license": r["license"], "who": r["who"], "note": r["note"]}
    item.update({k: extra.get(k) for k in _EXTRA})
    return item


def ledger_projects(store) -> list[str]:
    if not has_ledger(store):
        return []
    return sorted(r["project"] for r in store._q(f"SELECT DISTINCT project FROM {TABLE}"))


def entries_of(items: list[dict[str, Any]], project: str) -> list[Entry]:
    out: dict[str, list[dict[str, Any]]] = {}
    for i in items:
        out.setdefault(i["entry"], []).append(i)
    return [Entry(eid, project, its[0]["kind"], its[0]["date"], its[0]["who"], its[0]["note"], tuple(its))
            for eid, its in out.items()]


def delete_entry(store, project: str, prefix: str) -> Entry:
    """Remove one entry (any unique prefix of its id) with all its lines."""
    p = str(prefix or "").strip().lower()
    matches = [e for e in entries_of(read_items(store, project), project) if e.entry.startswith(p)] if p else []
    if not matches:
        raise UsageError(f"no entry '{prefix}' in project '{project}'; list them with: wattwise footprint show "
                         f"--project {project}")
    if len(matches) > 1:
        raise UsageError(f"entry '{prefix}' is ambiguous ({', '.join(e.entry for e in matches[:5])}); give more characters")
    e = matches[0]
    store._tx(lambda c: c.execute(f"DELETE FROM {TABLE} WHERE project=? AND entry=?", (project, e.entry)))
    return e


# -- the public object ----------------------------------------------------------------------------------
class Ledger:
    """The footprint of one project: ``add`` activities, ``import_csv`` a survey, ``show``, ``report``.

    ``store`` is a store URL or path (default: $WATTWISE_STORE or the user's run store) or an
    open store; the store is opened on first use.

    >>> led = Ledger("bert", store="runs.db")
    >>> led.add("flight", origin="LHR", destination="JFK", round_trip=True, people=3, date="2025-06-02")
    >>> led.show().to_dict()["total_gco2e"]
    """

    def __init__(self, project: str, store: Any = None):
        self.project = check_project(project)
        self._store_arg = store
        self._store = None

    @property
    def store(self):
        if self._store is None:
            arg = self._store_arg
            if arg is not None and hasattr(arg, "_tx"):
                self._store = arg
            else:
                from ..store import open_store

                self._store = open_store(arg)
        return self._store

    def add(self, kind: str, *, date: Any = None, who: str | None = None, note: str | None = None, **params: Any) -> Entry:
        """Record one activity (see ``wattwise footprint add --help`` for each kind's options)."""
        e = make_entry(self.project, kind, params, date=date, who=who, note=note)
        write(self.store, [e])
        return e

    def import_csv(self, path: str | os.PathLike) -> list[Entry]:
        """Record every row of a CSV file, or none if any row is bad (``ImportProblems`` lists them)."""
        from .csvimport import read_csv

        entries = read_csv(path, default_project=self.project, only_project=self.project)
        write(self.store, entries)
        return entries

    def entries(self) -> list[Entry]:
        return entries_of(read_items(self.store, self.project), self.project)

    def remove(self, entry: str) -> Entry:
        return delete_entry(self.store, self.project, entry)

    def show(self):
        """The whole footprint: runs from the store plus the recorded activities, by category."""
        from .summary import footprint

        return footprint(self.store, self.project)

    def report(self, path: str | os.PathLike | None = None) -> str:
        """The self-contained HTML report; written to ``path`` when given."""
        from .report import render

        html = render(self.show())
        if path is not None:
            with open(path, "w", encoding="utf-8") as f:
                f.write(html)
        return html

    def close(self) -> None:
        if self._store is not None and self._store is not self._store_arg:
            self._store.close()
        self._store = None

    def __enter__(self) -> "Ledger":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
