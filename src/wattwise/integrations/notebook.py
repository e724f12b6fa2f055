"""Jupyter and IPython: ``%load_ext wattwise`` then ``%%wattwise`` measures a cell.

    %load_ext wattwise
    %%wattwise --region FR --project bert
    trainer.train()

The cell runs as usual (its output and its last expression's value appear as always); then a
compact summary appears: an HTML table in Jupyter, one line in a terminal. The result is in
``_wattwise`` (a ``wattwise.Measurement``, which renders as the same table) and stored like any
run (``--no-store`` to skip). A cell that raises is stored as ``failed`` (Ctrl-C: ``interrupted``)
and the exception shows as usual. Options: ``%%wattwise --help``.
"""
from __future__ import annotations

import argparse
import html
import shlex

from ..units import format_duration, format_energy_j, format_mass_g, format_power_w

__all__ = ["load_ipython_extension", "RunSummary", "result_html", "result_text"]


class _Args(argparse.ArgumentParser):
    def error(self, message):
        from IPython.core.error import UsageError

        raise UsageError(f"%%wattwise: {message} (see: %%wattwise --help)")

    def exit(self, status=0, message=None):
        if message:
            self.error(message.strip())
        raise _Help()


class _Help(Exception):
    pass


def _parser() -> argparse.ArgumentParser:
    p = _Args(prog="%%wattwise", description="Measure this cell's energy and emissions.", add_help=True)
    p.add_argument("--region", help="grid region: FR, US-CAL-CISO, aws:us-east-1 ...")
    p.add_argument("--project", help="project name to group runs (default: notebook)")
    p.add_argument("--name", help="a name for this run")
    p.add_argument("--interval", type=float, default=1.0, help="sampling interval in seconds (default 1)")
    p.add_argument("--scope", choices=["process", "node"], default="process")
    p.add_argument("--pue", type=float, help="power usage effectiveness (default 1.0 or the cloud provider's)")
    p.add_argument("--store", help="run store: SQLite path or postgresql:// URL")
    p.add_argument("--no-store", action="store_true", help="do not store the run")
    return p


def load_ipython_extension(ipython) -> None:
    """Register the ``%%wattwise`` cell magic (``%load_ext wattwise`` calls this)."""
    ipython.register_magic_function(_magic(ipython), magic_kind="cell", magic_name="wattwise")


def _magic(ipython):
    def wattwise(line: str, cell: str):
        from ..tracker import Tracker

        try:
            a = _parser().parse_args(shlex.split(line or ""))
        except _Help:
            return None
        from ..errors import UsageError

        try:
            t = Tracker(project=a.project or "notebook", region=a.region, interval=a.interval, scope=a.scope,
                        store=False if a.no_store else a.store, pue=a.pue, name=a.name, install_handlers=False,
                        command="%%wattwise cell")
            t.start()
        except UsageError as e:  # IPython shows its own UsageError as one line, without a traceback
            from IPython.core.error import UsageError as IPythonUsageError

            raise IPythonUsageError(f"%%wattwise: {e}") from None
        res = None
        try:
            res = ipython.run_cell(cell, store_history=False)
        finally:
            err = getattr(res, "error_in_exec", None) if res is not None else KeyboardInterrupt()
            if isinstance(err, KeyboardInterrupt):
                m = t.stop(exit_code=130, status="interrupted")
            else:
                m = t.stop(exit_code=1 if err is not None or (res is not None and res.error_before_exec) else 0,
                           status="failed" if err is not None else "finished")
        ipython.user_ns["_wattwise"] = m
        from IPython.display import display

        display(RunSummary(m))
        return None
    wattwise.__doc__ = _parser().format_help()
    return wattwise


class RunSummary:
    """What ``%%wattwise`` displays: HTML in Jupyter, one line as text."""

    def __init__(self, m):
        self.m = m

    def __repr__(self) -> str:
        return result_text(self.m)

    def _repr_html_(self) -> str:
        return result_html(self.m)


def _estimate(m) -> bool:
    return any(c.method == "modelled" for c in m.components) or bool(m.intensity.estimated)


def result_text(m) -> str:
    """``wattwise: cell run 3f2a... (finished, 2.1 s): 41.2 J device energy, 0.00051 gCO2e (estimate) ...``."""
    i = m.intensity
    comps = ", ".join(f"{c.name} {format_energy_j(c.energy_j)} {c.method}" for c in m.components)
    return (f"wattwise: run {m.run_id} ({m.status}, {format_duration(m.duration_s)}): {format_energy_j(m.energy_j)} "
            f"device energy, {format_mass_g(m.emissions_g)}{' (estimate)' if _estimate(m) else ''} at "
            f"{i.g_per_kwh:g} gCO2e/kWh ({i.zone}); {comps}")


def result_html(m) -> str:
    """A small self-contained table: totals with units, intensity and its source, each component's provenance."""
    e = html.escape
    i = m.intensity
    rows = [("run", f"{m.run_id} ({m.status}, {format_duration(m.duration_s)})"),
            ("device energy", format_energy_j(m.energy_j)),
            ("facility energy", f"{format_energy_j(m.facility_energy_j)} (PUE {m.pue:g})"),
            ("emissions", format_mass_g(m.emissions_g) + (" (estimate)" if _estimate(m) else "")),
            ("intensity", f"{i.g_per_kwh:g} gCO2e/kWh, {i.zone} ({i.method}{', ' + str(i.year) if i.year else ''}; {i.source})")]
    head = "".join(f"<tr><th style='text-align:left'>{e(k)}</th><td style='text-align:left'>{e(v)}</td></tr>" for k, v in rows)
    comp = "".join(f"<tr><td>{e(c.name)}</td><td>{e(format_energy_j(c.energy_j))}</td>"
                   f"<td>{e(format_power_w(c.mean_power_w) if c.mean_power_w is not None else '-')}</td>"
                   f"<td>{e(c.method)}</td><td>{e(c.source)}</td></tr>" for c in m.components)
    warn = "".join(f"<li>{e(w)}</li>" for w in m.warnings)
    return (f"<div class='wattwise-run'><table>{head}</table>"
            f"<table><tr><th>component</th><th>energy</th><th>mean power</th><th>method</th><th>source</th></tr>{comp}</table>"
            + (f"<ul>{warn}</ul>" if warn else "") + "</div>")
