"""The metric families: built from wattwise's own readings at each scrape, by prometheus-client.

Node (``wattwise exporter``, or ``serve(node=True)``):

- ``wattwise_energy_joules_total{component,method,source}``: counter, device energy since the
  exporter started (node scope);
- ``wattwise_power_watts{component}``: gauge, mean power over the last sampling interval;
- ``wattwise_grid_intensity_grams_per_kwh{zone,source,basis}``: gauge, the intensity in use;
- ``wattwise_emissions_grams_total``: counter, facility energy (x PUE) x intensity, gCO2e.

Runs of this process, while they run (bounded: the ``max_runs`` newest):

- ``wattwise_run_energy_joules_total{run_id,project,component,method,source}``;
- ``wattwise_run_emissions_grams_total{run_id,project}``.

Runs use their own names so that ``sum(wattwise_energy_joules_total)`` never adds a run to the
node that contains it. A component whose energy is unknown has no series (unknown is absent,
never 0).
"""
from __future__ import annotations

from typing import Iterable

ENERGY = "wattwise_energy_joules"
POWER = "wattwise_power_watts"
INTENSITY = "wattwise_grid_intensity_grams_per_kwh"
EMISSIONS = "wattwise_emissions_grams"
RUN_ENERGY = "wattwise_run_energy_joules"
RUN_EMISSIONS = "wattwise_run_emissions_grams"


def basis_label(intensity) -> str:
    """``lifecycle`` | ``direct`` (the shared vocabulary), or empty where the figure does not say."""
    b = getattr(intensity, "basis", None) or (getattr(intensity, "extra", None) or {}).get("basis") or ""
    b = str(b).strip().lower()
    return "direct" if b.startswith("direct") else ("lifecycle" if b.startswith("lifecycle") else "")


class WattwiseCollector:
    """A prometheus-client custom collector over a node sampler (optional) and this process's live trackers."""

    def __init__(self, node=None, max_runs: int = 20):
        self.node = node
        self.max_runs = max(0, int(max_runs))

    def describe(self):
        return []  # metrics are known only at collection time; never collect at registration

    def collect(self) -> Iterable:
        from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

        if self.node is not None:
            yield from self._node(CounterMetricFamily, GaugeMetricFamily)
        if self.max_runs:
            yield from self._runs(CounterMetricFamily)

    def _node(self, Counter, Gauge):
        n = self.node.reading()
        energy = Counter(ENERGY, "Device energy since the exporter started (node scope), joules.",
                         labels=["component", "method", "source"])
        power = Gauge(POWER, "Mean power over the last sampling interval, watts.", labels=["component"])
        for c in n.components:
            if c.energy_j is not None:
                energy.add_metric([c.name, c.method, c.source], c.energy_j)
            if c.power_w is not None:
                power.add_metric([c.name], c.power_w)
        yield energy
        yield power
        i = n.intensity
        g = Gauge(INTENSITY, "Grid carbon intensity in use, gCO2e per kWh.", labels=["zone", "source", "basis"])
        g.add_metric([i.zone, i.source, basis_label(i)], i.g_per_kwh)
        yield g
        e = Counter(EMISSIONS, "Emissions since the exporter started: facility energy (x PUE) x intensity, gCO2e.")
        if n.emissions_g is not None:
            e.add_metric([], n.emissions_g)
        yield e

    def _runs(self, Counter):
        from ..projection import _emissions_so_far
        from ..tracker import LIVE

        trackers = sorted((t for t in list(LIVE) if t.meter is not None and t.result is None),
                          key=lambda t: t.meter.started_at or 0.0, reverse=True)[:self.max_runs]
        energy = Counter(RUN_ENERGY, "Device energy of a wattwise run of this process while it runs, joules.",
                         labels=["run_id", "project", "component", "method", "source"])
        emissions = Counter(RUN_EMISSIONS, "Emissions of a wattwise run of this process so far, gCO2e.",
                            labels=["run_id", "project"])
        for t in trackers:
            acc = dict(t.meter.acc)
            project = t.project or ""
            for s in t.sensors:
                if s.component in acc and s.component not in t.meter.failed:
                    energy.add_metric([t.run_id, project, s.component, s.method, s.source], acc[s.component])
            g = _emissions_so_far(t, float(sum(acc.values())))
            if g is not None:
                emissions.add_metric([t.run_id, project], g)
        yield energy
        yield emissions
