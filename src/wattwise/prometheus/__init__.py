"""Prometheus / OpenMetrics export: energy, power, grid intensity and emissions as ``/metrics``.

Two ways to run it (both need ``pip install "wattwise[prometheus]"``, i.e. prometheus-client):

- standalone, like node_exporter: ``wattwise exporter --port 9184 --region FR`` samples the
  whole node and serves it;
- in-process: ``wattwise.prometheus.serve(9184)`` exports every tracker running in this
  process while it runs (``run_id``, ``project`` labels; at most ``max_runs`` of them), and
  with ``node=True`` the node as well. ``wattwise.prometheus.register(registry)`` adds the same
  collector to a registry you already serve.

Metric names (DESIGN.md's contract) are in ``collector.py``. The text is written by
prometheus-client, never by hand. Importing this package loads nothing heavy; the client
library is imported when a collector is built. See docs/prometheus.md.
"""
from __future__ import annotations

from typing import Any

__all__ = ["serve", "register", "Exporter", "DEFAULT_PORT"]

DEFAULT_PORT = 9184


def __getattr__(name: str):
    if name == "Exporter":
        from .exporter import Exporter

        return Exporter
    raise AttributeError(f"module 'wattwise.prometheus' has no attribute {name!r}")


def serve(port: int = DEFAULT_PORT, host: str = "127.0.0.1", *, node: bool = False, region: str | None = None,
          interval: float = 5.0, max_runs: int = 20, **tracker_kwargs: Any):
    """Serve ``/metrics`` on ``host:port`` from a daemon thread; returns the running ``Exporter``.

    ``port=0`` picks a free port (``exporter.port`` says which). ``node=True`` also samples the
    whole node (``region``, ``interval`` and Tracker keywords such as ``pue`` apply to it).
    """
    from .exporter import Exporter

    return Exporter(node=node, region=region, interval=interval, max_runs=max_runs, **tracker_kwargs).serve(port, host)


def register(registry=None, *, max_runs: int = 20):
    """Add the live-runs collector to ``registry`` (default: prometheus-client's global REGISTRY)."""
    from .exporter import Exporter

    return Exporter(node=False, max_runs=max_runs).register(registry)
