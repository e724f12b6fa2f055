"""CSV import: one activity per row (a survey, an expense export), all rows or none.

Columns: ``kind`` (required), ``project`` (else the --project given), ``date`` (YYYY-MM-DD),
``who``, ``note``, and the options of each kind under their command-line names without dashes
(``from``, ``to``, ``via``, ``return``, ``class``, ``rf``, ``people``, ``km``, ``type``, ``nights``,
``country``, ``hours``, ``camera``, ``count``, ``size``, ``kg``, ``device``, ``kwh``, ``region``,
``gco2e``, ``source``, ...). An empty cell means "not given". Every row is checked by the same
rule as ``footprint add``; every bad row is reported with its line number and nothing is stored.
"""
from __future__ import annotations

import csv
import difflib
import os

from ..errors import UsageError
from .kinds import ALIASES, KINDS
from .ledger import Entry, make_entry

COMMON = ("project", "kind", "date", "who", "note")
MAX_ROWS = 100_000


class ImportProblems(UsageError):
    """Bad rows of an import; ``problems`` holds one line per bad row."""

    def __init__(self, path: str, problems: list[str]):
        self.problems = problems
        super().__init__(f"nothing imported from {path}: {len(problems)} problem{'s' if len(problems) != 1 else ''}")


def _columns() -> set[str]:
    return set(COMMON) | set(ALIASES) | {p.name for k in KINDS.values() for p in k.params}


def _norm(col: str) -> str:
    return col.strip().lower().replace("-", "_").replace(" ", "_")


def read_csv(path: str | os.PathLike, *, default_project: str | None = None,
             only_project: str | None = None) -> list[Entry]:
    """Check every row and compute its entry; raise ImportProblems if any row is bad."""
    name = os.fspath(path)
    try:
        with open(name, newline="", encoding="utf-8-sig") as f:
            return _read(f, name, default_project, only_project)
    except OSError as e:
        raise UsageError(f"cannot read {name}: {e.strerror}") from None
    except UnicodeDecodeError:
        raise UsageError(f"{name} is not UTF-8 text; save the sheet as CSV UTF-8") from None


def _read(f, name: str, default_project: str | None, only_project: str | None) -> list[Entry]:
    reader = csv.reader(f)
    header = next(reader, None)
    if not header:
        raise UsageError(f"{name} is empty; the first line names the columns (kind, date, ... see docs/footprint.md)")
    cols = [_norm(c) for c in header]
    known = _columns()
    bad = [c for c in cols if c and c not in known]
    if bad:
        hints = []
        for c in bad:
            close = difflib.get_close_matches(c, sorted(known), n=1)
            hints.append(f"'{c}'" + (f" (did you mean {close[0]}?)" if close else ""))
        raise ImportProblems(name, [f"line 1: unknown column{'s' if len(bad) > 1 else ''} {', '.join(hints)}"])
    if "kind" not in cols:
        raise ImportProblems(name, ["line 1: no 'kind' column"])
    problems: list[str] = []
    entries: list[Entry] = []
    line = reader.line_num + 1
    for row in reader:
        start, line = line, reader.line_num + 1
        if not any(c.strip() for c in row) or row[0].lstrip().startswith("#"):
            continue
        if len(entries) + len(problems) >= MAX_ROWS:
            problems.append(f"line {start}: more than {MAX_ROWS:,} rows; split the file")
            break
        if len(row) > len(cols):
            problems.append(f"line {start}: {len(row)} cells but {len(cols)} columns")
            continue
        cells = {c: v for c, v in zip(cols, row) if c}
        try:
            entries.append(_entry(cells, default_project, only_project))
        except UsageError as e:
            problems.append(f"line {start}: {e}")
    if problems:
        raise ImportProblems(name, problems)
    if not entries:
        raise UsageError(f"{name} has no rows to import")
    return entries


def _entry(cells: dict[str, str], default_project: str | None, only_project: str | None) -> Entry:
    project = (cells.get("project") or "").strip() or default_project
    if not project:
        raise UsageError("no project: fill the 'project' column or pass --project")
    if only_project is not None and project != only_project:
        raise UsageError(f"project '{project}' is not this ledger's project '{only_project}'")
    params = {k: v for k, v in cells.items() if k not in COMMON}
    return make_entry(project, cells.get("kind", ""), params, date=cells.get("date"), who=cells.get("who"),
                      note=cells.get("note"))
