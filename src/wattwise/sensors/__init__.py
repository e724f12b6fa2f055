"""Energy sensors: one module per source, one tiny protocol.

A sensor reports a cumulative energy counter in joules since it was opened
(``read_energy_j()``), the component it measures (``component``), and how (``method``,
``source``). ``attribution`` says what the counter covers, so that the meter can apply the
one attribution rule (``wattwise.measure.attribution``, docs/accounting.md): the node's CPU
(``"cpu-share"``: RAPL packages, the CPU model), the node's memory (``"memory-share"``: RAPL
DRAM, the RAM model), a whole device given to the job (``"device"``: a GPU it can see), or
a reading that is already the job's (``"none"``). Node-wide sensors may carry ``idle_w`` and
``busy_w`` (the node's idle and full-load power) for allocation scope and plans.

Detection is an ordered list of probes that record why they failed and never raise.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable


class SensorUnavailable(Exception):
    """A probe found no usable sensor; the message says why (and how to fix it, if it can be fixed)."""

    def __init__(self, message: str, *, fix: str | None = None, present: bool = False):
        super().__init__(message)
        self.fix = fix
        self.present = present  # hardware/driver is there but unusable (permissions, broken library)


@runtime_checkable
class Sensor(Protocol):
    component: str
    method: str
    source: str
    attribution: str

    def read_energy_j(self) -> float: ...


@dataclass
class Probe:
    """What one availability probe found."""

    name: str
    ok: bool
    detail: str
    fix: str | None = None
    present: bool = False
    info: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        d = {"name": self.name, "ok": self.ok, "detail": self.detail}
        if self.fix:
            d["fix"] = self.fix
        if self.info:
            d["info"] = self.info
        return d


def close_all(sensors) -> None:
    for s in sensors:
        close = getattr(s, "close", None)
        if close:
            try:
                close()
            except Exception:  # noqa: BLE001 - closing must never fail a run
                pass
