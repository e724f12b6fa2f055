"""numpy, loaded only when an evaluation runs (``import wattwise`` must stay light)."""
from __future__ import annotations

from ..errors import MissingExtraError


def np():
    try:
        import numpy
    except ImportError:
        raise MissingExtraError("evaluate", "numpy", "wattwise.evaluate") from None
    return numpy


def to_python(v):
    """A numpy scalar as the plain Python value JSON can hold (NaN group labels become 'missing')."""
    item = getattr(v, "item", None)
    if item is not None:
        v = item()
    if isinstance(v, float) and v != v:
        return "missing"
    if v is None:
        return "missing"
    return v
