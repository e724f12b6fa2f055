"""Energy sensors: one module per source, one tiny protocol.

A sensor reports a cumulative energy counter in joules since it was opened
(``read_energy_j()``), the component it measures (``component``), and how (``method``,
``source``). ``attribution`` says whether, in process scope, the meter must scale its
deltas by the tracked processes' share of node CPU time (``"cpu-share"``: RAPL package and
DRAM) or whether the reading already belongs to the job (``"none"``: modelled CPU/RAM,
GPUs the job can see).

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
