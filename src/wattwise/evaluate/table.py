"""Evaluations as text: a side-by-side summary, the per-group table, and the Pareto front.

Every figure carries its unit; energy and emissions say "(estimate)" when a component was
modelled rather than measured, and unknown figures print as "unknown", never 0.
"""
from __future__ import annotations

from ..units import J_PER_KWH, format_energy_j, format_mass_g
from .front import labels, pareto


fmt_grams = format_mass_g  # 3 significant figures down to µgCO2e: the shared rule in units.py
fmt_joules = format_energy_j


def fmt_value(v, metric: str | None = None) -> str:
    if v is None:
        return "unknown"
    return f"{v:.4f}" if metric in ("mae", "rmse") or abs(v) >= 10 else f"{v:.3f}"


def fmt_ci(ci) -> str:
    return "" if not ci else f"[{ci[0]:.3f}, {ci[1]:.3f}]"


def fmt_cell(r: dict, metric: str | None) -> str:
    if not r or r.get("value") is None:
        return "unknown"
    return f"{fmt_value(r['value'], metric)} {fmt_ci(r.get('ci95'))} n={r['n']}".replace("  ", " ")


def estimated(d: dict) -> bool:
    return any(c.get("method") == "modelled" for c in d.get("components") or [])


def fmt_energy_1k(d: dict) -> str:
    e = d.get("energy_kwh_per_1k")
    return "unknown" if e is None else fmt_joules(e * J_PER_KWH) + (" (estimate)" if estimated(d) else "")


def fmt_emissions_1k(d: dict) -> str:
    g = d.get("emissions_gco2e_per_1k")
    return "unknown" if g is None else fmt_grams(g) + (" (estimate)" if estimated(d) else "")


def fmt_ms(v) -> str:
    return "unknown" if v is None else (f"{v:.3f} ms" if v < 10 else f"{v:,.1f} ms")


def fmt_worst(d: dict) -> str:
    w = d.get("worst_group")
    if not w:
        return "-"
    return f"{w['grouping']}={w['group']}: {fmt_value(w['value'], d.get('metric'))} (n={w['n']})"


def summary_rows(dicts: list[dict]) -> list[tuple[str, list[str]]]:
    metric = dicts[0].get("metric") if dicts else ""
    same = all(d.get("metric") == metric for d in dicts)
    rows = [
        ((metric if same else "metric") + " [95% CI]", [(f"{d.get('metric')} " if not same else "")
                                                      + fmt_cell(d.get("overall") or {}, d.get("metric")) for d in dicts]),
        ("interval method", [(d.get("ci") or {}).get("method", "?") for d in dicts]),
        ("worst group", [fmt_worst(d) for d in dicts]),
        ("gap (best - worst)", [fmt_value(d.get("gap"), d.get("metric")) for d in dicts]),
        ("latency p50 / p95 per item", [f"{fmt_ms((d.get('latency_ms') or {}).get('p50'))} / "
                                        f"{fmt_ms((d.get('latency_ms') or {}).get('p95'))}" for d in dicts]),
        ("inferences measured", [f"{d.get('inferences')} ({d.get('repeats')} x {d.get('items')}, batch {d.get('batch_size')})"
                                 for d in dicts]),
        ("energy per 1,000 inferences", [fmt_energy_1k(d) for d in dicts]),
        ("emissions per 1,000 inferences", [fmt_emissions_1k(d) for d in dicts]),
        ("idle share of that energy", ["unknown" if d.get("idle_share") is None else f"{d['idle_share'] * 100:.0f} %"
                                       for d in dicts]),
        ("grid intensity", [_intensity(d) for d in dicts]),
        ("energy measured by", [", ".join(f"{c['name']} {c['method']}" for c in d.get("components") or []) or "-"
                                for d in dicts]),
        ("run", [d.get("run_id") or "-" for d in dicts]),
    ]
    if any(d.get("rating") for d in dicts):
        rows.append(("energy rating", [fmt_rating(d.get("rating")) for d in dicts]))
    return rows


def _intensity(d: dict) -> str:
    i = d.get("intensity") or {}
    return "unknown" if i.get("g_per_kwh") is None else f"{i['g_per_kwh']:,.1f} gCO2e/kWh ({i.get('zone')})"


def fmt_rating(r: dict | None) -> str:
    if not r:
        return "-"
    if r.get("stars") is None:
        return f"none: {r.get('reason')}"
    return f"{r['stars']} of 5 stars ({r['task']}, {r['hardware_class']})"


def group_rows(dicts: list[dict]) -> list[tuple[str, list[str]]]:
    keys = []
    for d in dicts:
        for g in d.get("groups") or []:
            k = (g["grouping"], g["group"])
            if k not in keys:
                keys.append(k)
    rows = []
    for grouping, group in keys:
        cells = []
        for d in dicts:
            r = next((g for g in d.get("groups") or [] if (g["grouping"], g["group"]) == (grouping, group)), None)
            cells.append(fmt_cell(r, d.get("metric")) if r else "-")
        rows.append((f"{grouping}={group}", cells))
    return rows


def grid(head: list[str], rows: list[tuple[str, list[str]]]) -> str:
    table = [head] + [[label, *cells] for label, cells in rows]
    widths = [max(len(r[i]) for r in table) for i in range(len(head))]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in table)


def render(evaluations, *, with_front: bool | None = None) -> str:
    from .result import as_dict

    dicts = [as_dict(e) for e in evaluations]
    head = [""] + labels(dicts)
    out = [grid(head, summary_rows(dicts))]
    groups = group_rows(dicts)
    if groups:
        out.append("\nper group (value [95% CI] n)\n" + grid(["group"] + head[1:], groups))
    if with_front if with_front is not None else len(dicts) > 1:
        out.append("\n" + front_line(dicts))
    return "\n".join(out)


def front_line(dicts: list[dict]) -> str:
    metrics = {d.get("metric") for d in dicts}
    if len(metrics) > 1:
        return "Pareto front: none (the evaluations use different metrics)"
    m = next(iter(metrics))
    best = "min" if dicts and dicts[0].get("higher_is_better") is False else "max"
    front = pareto(dicts)
    names = ", ".join(front) if front else "none (no emissions figure)"
    return f"Pareto front ({best} {m}, min gCO2e per 1,000 inferences): {names}"


def summary_lines(extra: dict) -> list[str]:
    """Lines for a run's one-screen summary: its counted requests (``usage``) and its ``evaluation``."""
    lines = []
    u = extra.get("usage")
    if u:
        e, g = u.get("energy_kwh_per_request"), u.get("emissions_gco2e_per_request")
        s = (f"  requests    {u['requests']:,} counted: {fmt_joules(None if e is None else e * J_PER_KWH)} and "
             f"{fmt_grams(g)} per request")
        if u.get("tokens"):
            ek, gk = u.get("energy_kwh_per_1k_tokens"), u.get("emissions_gco2e_per_1k_tokens")
            s += (f"; {u['tokens']:,} tokens: {fmt_joules(None if ek is None else ek * J_PER_KWH)} and "
                  f"{fmt_grams(gk)} per 1,000 tokens")
        lines.append(s + " (idle time included)")
    d = extra.get("evaluation")
    if d:
        lines.append(f"  evaluation  {d.get('name')}: {d.get('metric')} {fmt_cell(d.get('overall') or {}, d.get('metric'))}; "
                     f"{fmt_energy_1k(d)} and {fmt_emissions_1k(d)} per 1,000 inferences "
                     f"(wattwise evaluate compare {d.get('run_id')})")
    return lines
