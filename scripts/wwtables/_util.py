"""Helpers shared by the dataset builders."""
from __future__ import annotations

import csv
from pathlib import Path


def write_csv(path: Path, header: list[str], rows: list[list], comment: str | None = None) -> None:
    """Write a CSV with an optional leading '# ...' provenance line; rows are sorted by the caller."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as f:
        if comment:
            for line in comment.strip().splitlines():
                f.write(f"# {line}\n")
        w = csv.writer(f, lineterminator="\n")
        w.writerow(header)
        for r in rows:
            w.writerow(["" if v is None else (f"{v:.6g}" if isinstance(v, float) else v) for v in r])
