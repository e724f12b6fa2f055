"""The exporter: a node sampler (optional), the collector, and prometheus-client's HTTP server."""
from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

from ..errors import MissingExtraError, UsageError


def _client():
    try:
        import prometheus_client
    except ImportError:
        raise MissingExtraError("prometheus", "prometheus_client", "the Prometheus exporter") from None
    return prometheus_client


@dataclass(frozen=True)
class NodeComponent:
    name: str
    method: str
    source: str
    energy_j: float | None
    power_w: float | None


@dataclass(frozen=True)
class NodeReading:
    components: tuple[NodeComponent, ...]
    intensity: Any
    emissions_g: float | None


class NodeSampler:
    """The whole node, sampled every ``interval`` s for as long as the exporter lives.

    Sensors, intensity, PUE and the emissions account are resolved by ``Tracker.prepare()`` in
    node scope (one rule for all of them); the sampler keeps only running totals, so memory
    stays flat however long it runs.
    """

    def __init__(self, region: str | None = None, interval: float = 5.0, **tracker_kwargs: Any):
        from ..tracker import Tracker

        kw = dict(tracker_kwargs, scope="node", store=False, install_handlers=False)
        self.tracker = Tracker(region=region, interval=interval, **kw).prepare()
        self.interval = self.tracker.interval
        self._lock = threading.Lock()
        self._power: dict[str, float] = {}
        self._emissions_g = 0.0
        self._last: tuple[float, float] | None = None  # (t, total J) at the previous tick
        self.meter = None

    def start(self) -> "NodeSampler":
        from ..meter import Meter

        t = self.tracker
        self.meter = Meter(t.sensors, t.tree, "node", self.interval, sink=self._on_rows, flush_interval=self.interval)
        self.meter.start()
        self._last = (self.meter.started_at, 0.0)
        return self

    def _on_rows(self, rows) -> None:
        """Each flush (one per tick): latest power per component, emissions of the new energy."""
        t = self.tracker
        by_t: dict[float, dict[str, tuple[float, float | None]]] = {}
        for ts, comp, cum_j, power in rows:
            by_t.setdefault(ts, {})[comp] = (cum_j, power)
        for ts in sorted(by_t):
            tick = by_t[ts]
            total = sum(v[0] for v in tick.values())
            t0, e0 = self._last
            g = t.account.emissions_g([(t0, ts, (total - e0) * t.pue)]) if total > e0 else 0.0
            with self._lock:
                self._emissions_g += g
                self._power.update({c: p for c, (_, p) in tick.items() if p is not None})
            self._last = (ts, total)
        m = self.meter  # the timeline feeds a run's final accounting; this sampler never ends: keep it short
        if m is not None and len(m.timeline_t) > 2:
            del m.timeline_t[:-1]
            del m.timeline_e[:-1]

    def reading(self) -> NodeReading:
        m, t = self.meter, self.tracker
        acc = dict(m.acc) if m is not None else {}
        with self._lock:
            power, emissions = dict(self._power), self._emissions_g
        comps = tuple(NodeComponent(s.component, s.method, s.source,
                                    None if (m is None or s.component in m.failed) else acc.get(s.component),
                                    power.get(s.component)) for s in t.sensors)
        return NodeReading(comps, t.intensity, emissions if comps else None)

    def close(self) -> None:
        if self.meter is not None:
            self.meter.stop()
        for s in self.tracker.sensors:
            close = getattr(s, "close", None)
            if close:
                try:
                    close()
                except Exception:  # noqa: BLE001
                    pass


class Exporter:
    """``serve()`` returns one; ``close()`` stops the server and the node sampler."""

    def __init__(self, *, node: bool = False, region: str | None = None, interval: float = 5.0, max_runs: int = 20,
                 **tracker_kwargs: Any):
        from .collector import WattwiseCollector

        self._pc = _client()
        if int(max_runs) < 0:
            raise UsageError(f"max_runs {max_runs} must be >= 0 (0: export no runs)")
        self.node = NodeSampler(region, interval, **tracker_kwargs).start() if node else None
        self.collector = WattwiseCollector(self.node, max_runs)
        self.registry = None
        self._server = self._thread = None
        self.host, self.port = None, None

    @property
    def url(self) -> str | None:
        return None if self.port is None else f"http://{self.host}:{self.port}/metrics"

    def register(self, registry=None) -> "Exporter":
        self.registry = registry if registry is not None else self._pc.REGISTRY
        self.registry.register(self.collector)
        return self

    def serve(self, port: int, host: str = "127.0.0.1") -> "Exporter":
        if not (0 <= int(port) <= 65535):
            raise UsageError(f"port {port} is out of range; use 1-65535 (0: any free port)")
        if self.registry is None:
            self.register(self._pc.CollectorRegistry(auto_describe=False))
        try:
            self._server, self._thread = self._pc.start_http_server(int(port), addr=host, registry=self.registry)
        except OSError as e:
            self.close()
            raise UsageError(f"cannot listen on {host}:{port}: {e.strerror or e}; pick another --port") from None
        self.host, self.port = host, self._server.server_port
        return self

    def close(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self.node is not None:
            self.node.close()
            self.node = None
            self.collector.node = None

    def __enter__(self) -> "Exporter":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
