"""Energy, emissions and idle share per 1,000 inferences, from a tracked run's windows.

Each repeat is one window of the run; the figures are the repeats' summed energy (device
energy, as the run's ``energy_kwh``) and emissions (facility energy x intensity, as the run's
``emissions_gco2e``) over the inferences they made. The idle share is the part of that energy
the same sensors report with the model doing nothing: the mean power of the ``idle`` window
(measured just before the repeats) times the repeats' duration, over their energy.
"""
from __future__ import annotations

from ..units import J_PER_KWH

IDLE_WINDOW = "idle"


def repeat_window(i: int) -> str:
    return f"repeat-{i}"


def _per_1k(total: float | None, inferences: int) -> float | None:
    return None if total is None or inferences <= 0 else total / inferences * 1000


def figures(m, repeats: int, items: int) -> dict:
    """energy_kwh_per_1k, emissions_gco2e_per_1k, components, idle_share... for ``repeats`` x ``items``."""
    names = {repeat_window(i) for i in range(repeats)}
    reps = [w for w in m.windows if w.name in names]
    inferences = items * len(reps)
    energies = [w.energy_j for w in reps]
    energy = None if not reps or any(e is None for e in energies) else sum(energies)
    grams = [w.emissions_g for w in reps]
    emissions = None if energy is None or any(g is None for g in grams) else sum(grams)
    e1k = _per_1k(energy, inferences)
    comps = []
    for c in m.components:
        vals = [w.components.get(c.name) for w in reps]
        known = c.energy_j is not None and vals and all(v is not None for v in vals)
        d = {"name": c.name, "energy_kwh_per_1k": _per_1k(sum(vals), inferences) / J_PER_KWH if known else None,
             "method": c.method, "source": c.source}
        if c.reason:
            d["reason"] = c.reason
        comps.append(d)
    return {
        "inferences": inferences,
        "energy_kwh_per_1k": None if e1k is None else e1k / J_PER_KWH,
        "emissions_gco2e_per_1k": _per_1k(emissions, inferences),
        "energy_kwh_per_1k_by_repeat": [None if w.energy_j is None or not items else w.energy_j / items * 1000 / J_PER_KWH
                                        for w in reps],
        "components": comps,
        "duration_s": sum(w.duration_s for w in reps) if reps else None,
        **_idle(m, reps, energy),
    }


def _idle(m, reps, energy: float | None) -> dict:
    idle = next((w for w in m.windows if w.name == IDLE_WINDOW), None)
    if idle is None or idle.energy_j is None or idle.duration_s <= 0:
        return {"idle_power_w": None, "idle_share": None}
    power = idle.energy_j / idle.duration_s
    if not energy:
        return {"idle_power_w": power, "idle_share": None}
    share = power * sum(w.duration_s for w in reps) / energy
    return {"idle_power_w": power, "idle_share": min(1.0, max(0.0, share))}
