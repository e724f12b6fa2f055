"""Loading the bundled CSV tables (lazily, once)."""
from __future__ import annotations

import csv
import functools
from importlib import resources


def open_table(name: str):
    return resources.files("wattwise").joinpath("data").joinpath(name).open("r", encoding="utf-8", newline="")


@functools.lru_cache(maxsize=None)
def table(name: str) -> tuple[dict[str, str], ...]:
    """Rows of a bundled CSV (lines starting with '#' are provenance comments)."""
    with open_table(name) as f:
        return tuple(csv.DictReader(line for line in f if not line.startswith("#")))
