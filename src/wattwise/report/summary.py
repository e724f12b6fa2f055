"""The one-screen summary printed at the end of ``wattwise run`` (and by ``runs show``)."""
from __future__ import annotations

from ..result import Measurement
from ..units import format_duration, format_energy_j, format_mass_g, format_power_w


def intensity_line(i) -> str:
    when = f"{i.year}" if i.year else (i.datetime or "")
    how = {"annual": "annual average", "hourly": "hour-by-hour, energy-weighted mean", "user": "user value"}.get(i.method, i.method)
    s = f"{i.g_per_kwh:,.1f} gCO2e/kWh ({i.zone}{' ' + i.name if i.name and i.name != i.zone else ''}; {how}"
    s += f" {when}" if when and i.method == "annual" else ""
    basis = getattr(i, "basis", None)
    s += f", {i.signal} signal, {basis + ' basis' if basis else 'basis not stated'}; source: {i.source}"
    if i.license:
        s += f", {i.license}"
    s += ")"
    return s


def format_summary(m: Measurement, store: str | None = None) -> str:
    lines = []
    status = m.status if m.status != "finished" else "finished"
    code = "" if m.exit_code is None else f", exit code {m.exit_code}"
    scope = {"process": " (this job's share of the machine)", "allocation": " (the resources reserved for this job)",
             "node": " (whole machine)"}.get(m.scope, "")
    lines.append(f"wattwise: run {m.run_id} {status} in {format_duration(m.duration_s)}{code}; scope: {m.scope}{scope}")
    est = any(c.method == "modelled" for c in m.components)
    lines.append(f"  energy      {format_energy_j(m.energy_j)} device"
                 + (" (includes modelled estimates, see below)" if est else "")
                 + f"; {format_energy_j(m.facility_energy_j)} with PUE {m.pue:g} ({m.pue_source or 'user'})")
    lines.append(f"  emissions   {format_mass_g(m.emissions_g)}" + (" (estimate)" if est or m.intensity.estimated else ""))
    lines.append(f"  intensity   {intensity_line(m.intensity)}")
    if m.intensity.region_from and m.intensity.region_from != "explicit":
        lines.append(f"  region      {m.intensity.region_from}")
    if m.intensity.note:
        lines.append(f"  NOTE        {m.intensity.note}")
    w = max([len(c.name) for c in m.components] + [9])
    lines.append(f"  {'component':<{w}}  {'energy':>12}  {'mean power':>10}  {'method':<11}  source")
    for c in m.components:
        p = "" if c.mean_power_w is None else format_power_w(c.mean_power_w)
        src = c.source if not c.reason else f"{c.source} ({c.reason})"
        lines.append(f"  {c.name:<{w}}  {format_energy_j(c.energy_j):>12}  {p:>10}  {c.method:<11}  {src}")
    lines.extend(attribution_lines(m))
    if m.windows:
        lines.append(f"  windows     " + "; ".join(f"{x.name}: {format_energy_j(x.energy_j)}" for x in m.windows[:8])
                     + (f" (+{len(m.windows) - 8} more)" if len(m.windows) > 8 else ""))
    if "usage" in m.extra or "evaluation" in m.extra:  # run.count() / wattwise.evaluate
        from ..evaluate.table import summary_lines

        lines.extend(summary_lines(m.extra))
    if m.not_counted:
        lines.append(f"  not counted {', '.join(m.not_counted)}")
    for warn in m.warnings:
        lines.append(f"  warning     {warn}")
    if store:
        lines.append(f"  stored in   {store}  (wattwise runs show {m.run_id})")
    return "\n".join(lines)


def attribution_lines(m: Measurement) -> list[str]:
    """One line per attribution rule used: which components, and the rule in words."""
    from ..measure.attribution import RULES

    by_rule: dict[str, list[str]] = {}
    for c in m.components:
        if c.attribution:
            by_rule.setdefault(c.attribution, []).append(c.name)
    return [f"  attribution {', '.join(names)}: {rule} = {RULES.get(rule, rule)}" for rule, names in by_rule.items()]
