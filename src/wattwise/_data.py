"""Loading the bundled CSV tables (lazily, once).

The tables sit next to this module as plain files in every normal install, so they are
opened by path: ``importlib.resources`` costs more to import (zipfile, pathlib readers)
than reading a table, and a tracker's start-up budget is tens of milliseconds. A zipped
install (no real directory) still works through ``importlib.resources``.
"""
from __future__ import annotations

import functools
import os

_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data")


def open_table(name: str):
    path = os.path.join(_DIR, name)
    if os.path.isdir(_DIR):
        return open(path, "r", encoding="utf-8", newline="")
    from importlib import resources

    return resources.files("wattwise").joinpath("data").joinpath(name).open("r", encoding="utf-8", newline="")


@functools.lru_cache(maxsize=None)
def table(name: str) -> tuple[dict[str, str], ...]:
    """Rows of a bundled CSV (lines starting with '#' are provenance comments)."""
    import csv

    with open_table(name) as f:
        return tuple(csv.DictReader(line for line in f if not line.startswith("#")))
