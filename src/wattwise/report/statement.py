"""A paragraph for a paper's compute / environmental-impact statement.

Written to be pasted as is: it names the hardware, the hours, the energy, the emissions, the
region and the source of its intensity figure, and says which parts were measured and which
estimated (and how), so a reviewer can judge the figure without reading wattwise's docs.
"""
from __future__ import annotations

import math

from ..errors import UsageError
from ..units import J_PER_KWH, format_duration, format_energy_j, format_mass_g


def _num(x) -> float | None:
    try:
        f = float(x)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(f) else f


def _join(items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def _intensity_clause(inten: dict) -> str:
    g = _num(inten.get("g_per_kwh"))
    if g is None:
        return "an unknown grid carbon intensity"
    place = inten.get("name") or inten.get("zone") or "an unnamed region"
    zone = inten.get("zone")
    if inten.get("region") and inten.get("region") != zone:
        where = f"{place} ({inten['region']}, grid zone {zone})"
    elif zone and zone != place:
        where = f"{place} ({zone})"
    else:
        where = place
    method = inten.get("method")
    if method == "hourly":
        how = "hour-by-hour values over the run, energy-weighted mean shown"
    elif method == "user":
        how = "a value supplied by the user"
    else:
        how = f"annual average{' for ' + str(inten['year']) if inten.get('year') else ''}"
    src = inten.get("source") or "unknown source"
    lic = f", {inten['license']}" if inten.get("license") else ""
    signal = inten.get("signal") or "average"
    basis = f", {inten['basis']} basis" if inten.get("basis") in ("lifecycle", "direct") else ""
    guessed = ("; the region was not given and was guessed" if inten.get("estimated") else "")
    return f"{g:,.1f} gCO2e/kWh for {where} ({how}, {signal} emissions{basis}; source: {src}{lic}{guessed})"


def _methods_sentence(comps: list[dict], scope: str | None) -> str:
    measured = [f"{c['name']} ({c.get('source')})" for c in comps if c.get("method") == "measured"]
    modelled = [c["name"] for c in comps if c.get("method") == "modelled"]
    user = [c["name"] for c in comps if c.get("method") == "user"]
    missing = [f"{c['name']} ({c['reason']})" if c.get("reason") else c["name"]
               for c in comps if c.get("method") == "unavailable" or c.get("energy_kwh") is None]
    parts = []
    if measured:
        parts.append(f"the energy of {_join(measured)} was measured with the hardware's energy counters")
    if modelled:
        parts.append(f"the energy of {_join(modelled)} was estimated, not measured, from published power figures for "
                     f"the hardware and its utilisation")
    if user:
        parts.append(f"the power of {_join(user)} was supplied by the user")
    if missing:
        parts.append(f"{_join(missing)} could be neither measured nor estimated and {'is' if len(missing) == 1 else 'are'} "
                     f"not included")
    if not parts:
        return ""
    s = "; ".join(parts)
    s = s[0].upper() + s[1:] + "."
    if scope == "process":
        s += (" The figures are this job's share of the machine: its processes' share of the machine's busy CPU time"
              " and of its memory.")
    elif scope == "allocation":
        s += (" The figures are the idle power of the resources reserved for the job plus its share of the"
              " machine's dynamic power.")
    elif scope == "node":
        s += " The figures cover the whole machine while the job ran."
    return s


def statement_text(run: dict) -> str:
    """``run`` is ``store.get_run(id)`` with its ``"result"`` JSON (see ``store.run_result``)."""
    r = run.get("result")
    if not r:
        raise UsageError(f"run {run.get('run_id')} has no recorded result to describe; see: wattwise runs show {run.get('run_id')}")
    from .exports import hardware_used

    rid = run.get("run_id") or r.get("run_id")
    proj = f", project \"{r['project']}\"" if r.get("project") else ""
    dur = _num(r.get("duration_s")) or 0.0
    hours = dur / 3600
    hw = hardware_used(r)
    gpus = (r.get("hardware") or {}).get("gpus") or []
    gpu_hours = f", i.e. {len(gpus) * hours:.3g} GPU-hours" if gpus else ""
    e_kwh = _num(r.get("energy_kwh"))
    f_kwh = _num(r.get("facility_energy_kwh"))
    pue = _num(r.get("pue")) or 1.0
    g = _num(r.get("emissions_gco2e"))
    energy = format_energy_j(None if e_kwh is None else e_kwh * J_PER_KWH)
    if pue != 1.0 and f_kwh is not None:
        energy += (f" at the hardware ({format_energy_j(f_kwh * J_PER_KWH)} including the data centre's overhead, "
                   f"PUE {pue:g}{'; ' + r['pue_source'] if r.get('pue_source') and r['pue_source'] != 'user' else ''})")
    comps = r.get("components") or []
    est = any(c.get("method") == "modelled" for c in comps)
    parts = [
        f"The computation for this work (wattwise run {rid}{proj}) ran for {format_duration(dur)} "
        f"({hours:.3g} hours) on {hw}{gpu_hours}.",
    ]
    used = f"It used {'an estimated ' if est else ''}{energy} of electricity"
    if e_kwh is None:  # unknown is never written as a number
        parts.append("Its electricity use could not be determined, so no energy or emissions figure is given.")
    elif g is None:
        parts.append(f"{used}; no emissions figure could be computed.")
    else:
        parts.append(f"{used}, which corresponds to {format_mass_g(g)} of CO2-equivalent emissions at "
                     f"{_intensity_clause(r.get('intensity') or {})}.")
    m = _methods_sentence(comps, r.get("scope"))
    if m:
        parts.append(m)
    nc = r.get("not_counted") or []
    if nc:
        parts.append(f"Not included: {_join(list(nc))}.")
    if r.get("status") and r["status"] != "finished":
        parts.append(f"The run is recorded as {r['status']}; the figures cover only the part that was measured.")
    ver = r.get("wattwise_version") or run.get("wattwise_version")
    parts.append(f"Measured with wattwise{' ' + ver if ver else ''}.")
    return " ".join(parts)
