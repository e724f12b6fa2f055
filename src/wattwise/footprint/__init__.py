"""A project's whole footprint: measured runs plus travel, calls, e-mail and hardware.

``Ledger(project, store=None)`` records activities in the run store beside the project's runs
and shows them together: ``add``, ``import_csv``, ``show``, ``report`` (the verbs of
``wattwise footprint``). Factors come from bundled tables with their source, year and licence
(DESNZ 2025 for travel, cited figures for e-mail and video calls, the hardware catalogue for
embodied emissions, the intensity table for electricity). Loaded lazily: importing wattwise
does not import this package.
"""
from __future__ import annotations

_LAZY = {
    "Ledger": ("wattwise.footprint.ledger", "Ledger"),
    "Entry": ("wattwise.footprint.ledger", "Entry"),
    "Footprint": ("wattwise.footprint.summary", "Footprint"),
    "ImportProblems": ("wattwise.footprint.csvimport", "ImportProblems"),
    "KINDS": ("wattwise.footprint.kinds", "KINDS"),
    "CATEGORIES": ("wattwise.footprint.kinds", "CATEGORIES"),
}

__all__ = list(_LAZY)


def __getattr__(name: str):
    try:
        mod, attr = _LAZY[name]
    except KeyError:
        raise AttributeError(f"module 'wattwise.footprint' has no attribute {name!r}") from None
    import importlib

    value = getattr(importlib.import_module(mod), attr)
    globals()[name] = value
    return value
