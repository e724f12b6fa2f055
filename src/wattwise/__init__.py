"""wattwise: measure, convert, estimate and reduce the carbon footprint of ML runs.

Public API (stable, see DESIGN.md): ``Tracker``, ``track``, ``estimate``, ``schedule``, ``evaluate``, ``pareto``.
Import is kept light: submodules load on first use.
"""
from __future__ import annotations

__version__ = "0.1.0"

_LAZY = {
    "Tracker": ("wattwise.tracker", "Tracker"),
    "track": ("wattwise.tracker", "track"),
    "Measurement": ("wattwise.result", "Measurement"),
    "Component": ("wattwise.result", "Component"),
    "Intensity": ("wattwise.result", "Intensity"),
    "UsageError": ("wattwise.errors", "UsageError"),
    "StrictModeError": ("wattwise.errors", "StrictModeError"),
    "estimate": ("wattwise.estimate", "estimate"),
    "Estimate": ("wattwise.estimate", "Estimate"),
    "report_progress": ("wattwise.projection", "report_progress"),
    "report_epoch": ("wattwise.projection", "report_epoch"),
    "schedule": ("wattwise.schedule", "schedule"),
    "simulate": ("wattwise.schedule", "simulate"),
    "CarbonGate": ("wattwise.schedule.gate", "CarbonGate"),
    "intensity": ("wattwise.intensity", None),  # the package itself: callable, wattwise.intensity("FR")
    "footprint": ("wattwise.footprint", None),  # wattwise.footprint.Ledger(project, store=None)
    "evaluate": ("wattwise.evaluate", None),  # the package itself: callable, wattwise.evaluate(predict, X, y)
    "pareto": ("wattwise.evaluate.front", "pareto"),
}

__all__ = ["__version__", *_LAZY]


def load_ipython_extension(ipython) -> None:
    """``%load_ext wattwise``: adds the ``%%wattwise`` cell magic (wattwise.integrations.notebook)."""
    from .integrations.notebook import load_ipython_extension as load

    load(ipython)


def __getattr__(name: str):
    try:
        mod, attr = _LAZY[name]
    except KeyError:
        raise AttributeError(f"module 'wattwise' has no attribute {name!r}") from None
    import importlib

    module = importlib.import_module(mod)
    value = module if attr is None else getattr(module, attr)
    globals()[name] = value
    return value


def __dir__():
    return sorted(list(globals()) + list(_LAZY))
