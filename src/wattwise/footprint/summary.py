"""A project's whole footprint: measured runs from the store plus recorded activities, by category.

Runs count with the emissions stored for them (never recomputed) and say whether they are
``measured`` (every component read from a counter, run complete) or ``partial`` (some
component modelled or unavailable, or the run interrupted: figures up to its last sample).
Recorded activities count with the factor stored when they were recorded. Anything unknown
is listed under ``not_counted``, never counted as 0.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from .kinds import CATEGORIES
from .ledger import read_items

COMPUTE = ("compute-measured", "compute-estimated", "idle", "embodied")
ALWAYS_NOT_COUNTED = (
    "well-to-tank emissions of travel fuels (DESNZ publishes them as separate factors; not added)",
    "commuting, buildings (heating, lighting), food, purchases and services, unless recorded with --kind other "
    "or --kind electricity",
)


@dataclass(frozen=True)
class Footprint:
    project: str
    items: tuple[dict[str, Any], ...]
    not_counted: tuple[str, ...] = ()
    generated: str = field(default_factory=lambda: datetime.now(timezone.utc).isoformat(timespec="seconds"))

    @property
    def total_gco2e(self) -> float:
        return sum(i["gco2e"] for i in self.items)

    def categories(self, items=None) -> list[dict[str, Any]]:
        """Non-empty categories, largest first, each with its items, gCO2e and share of the total."""
        items = self.items if items is None else items
        total = self.total_gco2e
        out = []
        for key, label in CATEGORIES.items():
            its = [i for i in items if i["category"] == key]
            if not its:
                continue
            g = sum(i["gco2e"] for i in its)
            out.append({"category": key, "label": label, "gco2e": g,
                        "share_pct": 100.0 * g / total if total > 0 else None, "items": its, **_range(its)})
        out.sort(key=lambda c: -c["gco2e"])
        return out

    def months(self) -> list[dict[str, Any]]:
        """gCO2e per calendar month of the activities' dates, by category (the dashboard's timeline)."""
        by: dict[str, dict[str, float]] = {}
        for i in self.items:
            m = by.setdefault(i["date"][:7], {})
            m[i["category"]] = m.get(i["category"], 0.0) + i["gco2e"]
        if not by:
            return []
        first, last = min(by), max(by)
        y, m = int(first[:4]), int(first[5:])
        out = []
        while f"{y:04d}-{m:02d}" <= last:  # every month from the first to the last, empty ones included
            k = f"{y:04d}-{m:02d}"
            v = by.get(k, {})
            out.append({"month": k, "gco2e": sum(v.values()), "by_category": v})
            y, m = (y + 1, 1) if m == 12 else (y, m + 1)
        return out

    def factors(self) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        """Every distinct factor used, numbered (``ref``), and the items with their ``factor_ref``."""
        refs: dict[tuple, int] = {}
        out, items = [], []
        for i in self.items:
            k = (i.get("factor_key") or i["source"], i["factor_kg_per_unit"], i["unit"], i["source"])
            if k not in refs:
                refs[k] = len(refs) + 1
                f = {"ref": refs[k], "kind": i["kind"], "factor_kg_per_unit": i["factor_kg_per_unit"], "unit": i["unit"],
                     "source": i["source"], "year": i["year"], "license": i.get("license"),
                     "read_in": i.get("read_in"), "note": i.get("factor_note") or None}
                if i.get("gco2e_low") is not None and i["quantity"]:
                    f["range_kg_per_unit"] = [i["gco2e_low"] / i["quantity"] / 1000, i["gco2e_high"] / i["quantity"] / 1000]
                out.append(f)
            items.append(dict(i, factor_ref=refs[k]))
        return out, items

    def to_dict(self) -> dict[str, Any]:
        factors, items = self.factors()
        compute = sum(i["gco2e"] for i in items if i["category"] in COMPUTE)
        d = {"project": self.project, "total_gco2e": self.total_gco2e, "categories": self.categories(items),
             "compute_gco2e": compute, "non_compute_gco2e": self.total_gco2e - compute,
             "months": self.months(), "factors": factors, "not_counted": list(self.not_counted),
             "generated": self.generated}
        r = _range(items)
        if r:
            d["total_gco2e_low"], d["total_gco2e_high"] = r["gco2e_low"], r["gco2e_high"]
        return d


def _range(items) -> dict[str, float]:
    """Low and high totals where some item has a published range (the others count at their value)."""
    if not any(i.get("gco2e_low") is not None for i in items):
        return {}
    lo = sum(i["gco2e_low"] if i.get("gco2e_low") is not None else i["gco2e"] for i in items)
    hi = sum(i["gco2e_high"] if i.get("gco2e_high") is not None else i["gco2e"] for i in items)
    return {"gco2e_low": lo, "gco2e_high": hi}


def footprint(store, project: str) -> Footprint:
    runs, skipped = run_items(store, project)
    recorded = read_items(store, project)
    items = tuple(runs + recorded)
    return Footprint(project, items, tuple(skipped + _not_counted(items, runs)))


def _not_counted(items, runs) -> list[str]:
    out = list(ALWAYS_NOT_COUNTED)
    cats = {i["category"] for i in items}
    if runs and "embodied" not in cats and "hardware" not in cats:
        out.append("embodied (manufacturing) emissions of the hardware behind the measured runs: record them with "
                   "--kind hardware or --kind compute --embodied")
    if runs and "idle" not in cats:
        out.append("idle time of the hardware between runs (record it with --kind electricity or --kind compute "
                   "--idle-hours)")
    if any(i["kind"] == "flight" and (i.get("details") or {}).get("rf") is False for i in items):
        out.append("non-CO2 effects of flights recorded with --no-rf (radiative forcing)")
    empty = [label for key, label in CATEGORIES.items() if key not in cats and key not in ("idle", "embodied")]
    if empty:
        out.append("nothing recorded for: " + ", ".join(x.lower() for x in empty))
    return out


# -- runs ---------------------------------------------------------------------------------------------
def run_items(store, project: str) -> tuple[list[dict[str, Any]], list[str]]:
    """The project's runs as items (emissions as stored), and the runs that cannot be counted."""
    from ..store import run_result

    items, skipped = [], []
    stored = {r["run_id"]: r for r in store._q("SELECT run_id, result_json FROM runs WHERE project=?", (project,))}
    for r in store.list_runs(project=project, order="start", desc=False):
        res = run_result(store, r["run_id"]) if r["status"] in ("running", "interrupted") else \
            json.loads(stored.get(r["run_id"], {}).get("result_json") or "null")
        if not res or res.get("emissions_gco2e") is None or not res.get("facility_energy_kwh"):
            skipped.append(f"run {r['run_id']}: emissions unknown ({_why_unknown(res)})")
            continue
        items.append(_run_item(r, res))
    return items, skipped


def _why_unknown(res) -> str:
    if not res:
        return "no result stored"
    if res.get("facility_energy_kwh") in (None, 0):
        return "no energy recorded"
    return "no carbon intensity"


def _run_item(r: dict[str, Any], res: dict[str, Any]) -> dict[str, Any]:
    from ..units import iso

    comps = res.get("components") or []
    partial = [f"{c['name']} {c['method']}" for c in comps if c.get("method") != "measured"]
    incomplete = res.get("status") in ("running", "interrupted")
    inten = res.get("intensity") or {}
    kwh, g = res["facility_energy_kwh"], res["emissions_gco2e"]
    why = ([f"{res['status']}: figures up to the last stored sample"] if incomplete else []) + partial
    name = f" ({r['name']})" if r.get("name") else ""
    return {"id": r["run_id"], "run_id": r["run_id"], "entry": None, "kind": "run", "category": "compute-measured",
            "date": (iso(r["start_ts"]) or "")[:10], "quantity": kwh, "unit": "kWh",
            "factor_kg_per_unit": g / kwh / 1000.0, "gco2e": g, "gco2e_low": None, "gco2e_high": None,
            "source": f"{inten.get('source', 'unknown intensity source')} ({inten.get('zone', '?')}, "
                      f"{inten.get('method', 'annual')})", "year": inten.get("year"), "license": inten.get("license"),
            "read_in": "measured", "factor_key": f"run-intensity:{inten.get('zone')}:{inten.get('source')}",
            "factor_note": None, "who": None, "note": None,
            "basis": "partial" if why else "measured",
            "description": f"run {r['run_id']}{name}, {r['status']}: {kwh:,.4g} kWh facility energy "
                           f"(PUE {res.get('pue') or 1:g})"
                           + (f"; {'; '.join(why)}" if why else ""),
            "details": {"status": r["status"], "methods": sorted({c.get("method") for c in comps})}}
