"""TensorBoard: a run's energy, emissions and power as scalars, its provenance as a text summary.

    from wattwise.integrations.tensorboard import log_to_tensorboard
    log_to_tensorboard(run, "runs/bert")        # the log dir your loss curves are in

Writes event files with TensorBoard's own writer and protos (no TensorFlow or PyTorch needed).
Live from a callback: ``report_to="tensorboard"``. Needs ``pip install tensorboard``.
"""
from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from ..errors import MissingExtraError

try:
    from tensorboard.compat.proto.event_pb2 import Event as _Event
    from tensorboard.compat.proto.summary_pb2 import Summary as _Summary
    from tensorboard.summary.writer.event_file_writer import EventFileWriter as _Writer
except ImportError as _e:  # pragma: no cover - exercised in a subprocess by the tests
    raise MissingExtraError("tensorboard", "tensorboard", "wattwise.integrations.tensorboard",
                            install='pip install tensorboard (or pip install "wattwise[tensorboard]")') from _e

from ._report import log_result

__all__ = ["TensorBoardReporter", "log_to_tensorboard"]


class TensorBoardReporter:
    """Scalars into an event file of ``log_dir`` (its own file: other writers there are untouched)."""

    def __init__(self, log_dir: str | Path):
        self.log_dir = str(log_dir)
        self.writer = _Writer(self.log_dir, filename_suffix=".wattwise")

    def log_metrics(self, metrics: dict[str, float], step: int | None = None) -> None:
        vals = [_Summary.Value(tag=k, simple_value=float(v)) for k, v in metrics.items()]
        self.writer.add_event(_Event(wall_time=time.time(), step=int(step or 0), summary=_Summary(value=vals)))
        self.writer.flush()

    def log_tags(self, tags: dict[str, str]) -> None:
        from tensorboard.plugins.text.summary_v2 import text_pb

        table = "| | |\n|---|---|\n" + "\n".join(f"| {k} | {v} |" for k, v in tags.items())
        self.writer.add_event(_Event(wall_time=time.time(), step=0, summary=text_pb("wattwise/provenance", table)))
        self.writer.flush()

    def close(self) -> None:
        self.writer.close()


def log_to_tensorboard(result: Any, log_dir: str | Path, *, step: int | None = None, windows: bool = True) -> str:
    """Log a finished run (Measurement, Tracker, callback or run JSON) to ``log_dir``; returns the directory."""
    r = TensorBoardReporter(log_dir)
    try:
        log_result(r, result, step=step, windows=windows)
    finally:
        r.close()
    return r.log_dir
