"""Plain, frozen result types. Their ``to_dict()`` is the JSON contract (see DESIGN.md)."""
from __future__ import annotations

from dataclasses import dataclass, field, asdict
from typing import Any

from .units import J_PER_KWH, iso

METHODS = ("measured", "modelled", "user", "unavailable")


def _kwh(j: float | None) -> float | None:
    return None if j is None else j / J_PER_KWH


@dataclass(frozen=True)
class Component:
    """Energy of one component (``cpu``, ``dram``, ``ram``, ``gpu:0``) with its provenance.

    ``energy_j`` is None (never 0) when it could not be known; ``reason`` then says why.
    ``attribution`` names the rule that made a node's energy the job's (``RULES`` in
    ``wattwise.measure.attribution``; docs/accounting.md).
    """

    name: str
    energy_j: float | None
    method: str
    source: str
    reason: str | None = None
    mean_power_w: float | None = None
    attribution: str | None = None

    def to_dict(self) -> dict[str, Any]:
        d = {
            "name": self.name,
            "energy_kwh": _kwh(self.energy_j),
            "method": self.method,
            "source": self.source,
        }
        if self.mean_power_w is not None:
            d["mean_power_w"] = self.mean_power_w
        if self.reason:
            d["reason"] = self.reason
        if self.attribution:
            d["attribution"] = self.attribution
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "Component":
        e = d.get("energy_kwh")
        return cls(d["name"], None if e is None else e * J_PER_KWH, d["method"], d["source"],
                   d.get("reason"), d.get("mean_power_w"), d.get("attribution"))


@dataclass(frozen=True)
class Intensity:
    """A grid carbon intensity and where it came from."""

    zone: str
    g_per_kwh: float
    source: str
    signal: str = "average"  # average | marginal
    year: int | None = None
    datetime: str | None = None
    method: str = "annual"  # annual | hourly | user
    license: str | None = None
    name: str | None = None
    region: str | None = None  # the id the user gave (e.g. gcp:europe-west1) when it differs from zone
    region_from: str | None = None  # how the region was chosen
    estimated: bool = False  # True when the region itself is a guess (time zone, world average)
    note: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    basis: str | None = None  # lifecycle | direct; None: not known (e.g. a value the user typed)

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "zone": self.zone,
            "g_per_kwh": self.g_per_kwh,
            "source": self.source,
            "signal": self.signal,
            "basis": self.basis,
            "method": self.method,
        }
        if self.year is not None:
            d["year"] = self.year
        if self.datetime is not None:
            d["datetime"] = self.datetime
        for k in ("license", "name", "region", "region_from", "note"):
            v = getattr(self, k)
            if v is not None:
                d[k] = v
        if self.estimated:
            d["estimated"] = True
        d.update(self.extra)
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "Intensity":
        known = {f for f in cls.__dataclass_fields__ if f != "extra"}
        kw = {k: v for k, v in d.items() if k in known}
        extra = {k: v for k, v in d.items() if k not in known}
        return cls(**kw, extra=extra)


@dataclass(frozen=True)
class WindowResult:
    """A named span inside a run (an epoch, a step, an evaluation)."""

    name: str
    start: float
    end: float
    energy_j: float | None
    emissions_g: float | None
    components: dict[str, float | None] = field(default_factory=dict)
    parent: str | None = None

    @property
    def duration_s(self) -> float:
        return self.end - self.start

    def to_dict(self) -> dict[str, Any]:
        d = {
            "name": self.name,
            "start": iso(self.start),
            "end": iso(self.end),
            "duration_s": self.duration_s,
            "energy_kwh": _kwh(self.energy_j),
            "emissions_gco2e": self.emissions_g,
            "components": {k: _kwh(v) for k, v in self.components.items()},
        }
        if self.parent:
            d["parent"] = self.parent
        return d


@dataclass(frozen=True)
class Measurement:
    """The record of one tracked run."""

    run_id: str
    start: float
    end: float
    components: tuple[Component, ...]
    intensity: Intensity
    pue: float
    scope: str
    emissions_g: float | None
    project: str | None = None
    name: str | None = None
    command: str | None = None
    exit_code: int | None = None
    host: str | None = None
    status: str = "finished"  # running | finished | interrupted
    pue_source: str | None = None
    hardware: dict[str, Any] = field(default_factory=dict)
    windows: tuple[WindowResult, ...] = ()
    warnings: tuple[str, ...] = ()
    not_counted: tuple[str, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def duration_s(self) -> float:
        return self.end - self.start

    @property
    def energy_j(self) -> float | None:
        """Device energy: the sum of known components; None if nothing is known."""
        known = [c.energy_j for c in self.components if c.energy_j is not None]
        return sum(known) if known else None

    @property
    def energy_kwh(self) -> float | None:
        return _kwh(self.energy_j)

    @property
    def facility_energy_j(self) -> float | None:
        e = self.energy_j
        return None if e is None else e * self.pue

    @property
    def facility_energy_kwh(self) -> float | None:
        return _kwh(self.facility_energy_j)

    @property
    def emissions_gco2e(self) -> float | None:
        return self.emissions_g

    @property
    def emissions_kg(self) -> float | None:
        return None if self.emissions_g is None else self.emissions_g / 1000

    def component(self, name: str) -> Component | None:
        for c in self.components:
            if c.name == name:
                return c
        return None

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "run_id": self.run_id,
            "project": self.project,
            "name": self.name,
            "command": self.command,
            "status": self.status,
            "start": iso(self.start),
            "end": iso(self.end),
            "duration_s": self.duration_s,
            "energy_kwh": self.energy_kwh,
            "facility_energy_kwh": self.facility_energy_kwh,
            "emissions_gco2e": self.emissions_g,
            "components": [c.to_dict() for c in self.components],
            "intensity": self.intensity.to_dict(),
            "pue": self.pue,
            "pue_source": self.pue_source,
            "scope": self.scope,
            "exit_code": self.exit_code,
            "host": self.host,
            "hardware": self.hardware,
            "windows": [w.to_dict() for w in self.windows],
            "warnings": list(self.warnings),
            "not_counted": list(self.not_counted),
        }
        d.update(self.extra)
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "Measurement":
        from .units import parse_time

        start = parse_time(d["start"]).timestamp()
        end = start + float(d["duration_s"])
        windows = tuple(
            WindowResult(
                w["name"], parse_time(w["start"]).timestamp(), parse_time(w["end"]).timestamp(),
                None if w.get("energy_kwh") is None else w["energy_kwh"] * J_PER_KWH,
                w.get("emissions_gco2e"),
                {k: (None if v is None else v * J_PER_KWH) for k, v in (w.get("components") or {}).items()},
                w.get("parent"),
            )
            for w in d.get("windows", [])
        )
        core = {"run_id", "project", "name", "command", "status", "start", "end", "duration_s", "energy_kwh",
                "facility_energy_kwh", "emissions_gco2e", "components", "intensity", "pue", "pue_source", "scope",
                "exit_code", "host", "hardware", "windows", "warnings", "not_counted"}
        return cls(
            run_id=d["run_id"], start=start, end=end,
            components=tuple(Component.from_dict(c) for c in d.get("components", [])),
            intensity=Intensity.from_dict(d["intensity"]), pue=float(d["pue"]), scope=d["scope"],
            emissions_g=d.get("emissions_gco2e"), project=d.get("project"), name=d.get("name"),
            command=d.get("command"), exit_code=d.get("exit_code"), host=d.get("host"),
            status=d.get("status", "finished"), pue_source=d.get("pue_source"),
            hardware=d.get("hardware") or {}, windows=windows, warnings=tuple(d.get("warnings", [])),
            not_counted=tuple(d.get("not_counted", [])),
            extra={k: v for k, v in d.items() if k not in core},
        )

    def _repr_html_(self) -> str:
        """A compact table in Jupyter (see wattwise.integrations.notebook)."""
        from .integrations.notebook import result_html

        return result_html(self)


__all__ = ["Component", "Intensity", "WindowResult", "Measurement", "METHODS", "asdict"]
