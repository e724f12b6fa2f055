"""The footprint as HTML: one body shared by the self-contained report file and the dashboard page.

``body(d)`` renders ``Footprint.to_dict()``: totals, the pie chart with its legend, bars for the
small shares, compute against everything else, the monthly timeline, every item in a table,
every factor with its source, and what is not counted. ``render(fp)`` wraps it in a page with
its styles inline and a Content-Security-Policy that forbids any network request; no script.
Everything read from the store is escaped.
"""
from __future__ import annotations

import os
from html import escape
from typing import Any

from ..units import format_mass_g
from . import charts

STATIC = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "web", "static")
DESNZ_ATTRIBUTION = ("Contains public sector information licensed under the Open Government Licence v3.0 "
                     "(DESNZ GHG Conversion Factors 2025).")


def _share(p: float | None) -> str:
    return "–" if p is None else (f"{p:.1f} %" if p >= 0.1 else f"{p:.2g} %")


def _range(d: dict[str, Any], lo: str = "gco2e_low", hi: str = "gco2e_high", *, block: bool = False) -> str:
    if d.get(lo) is None:
        return ""
    text = f"range {escape(format_mass_g(d[lo]))} to {escape(format_mass_g(d[hi]))}"
    return f'<br><span class="muted small">{text}</span>' if block else f" ({text})"


def body(d: dict[str, Any]) -> str:
    cats = d["categories"]
    total = d["total_gco2e"]
    out = [f'<section class="fp-head"><h1>Footprint of project “{escape(d["project"])}”</h1>']
    if not cats:
        out.append('<p class="callout empty">Nothing yet: no measured runs and no recorded activities for this project. '
                   f'Record one with <code>wattwise footprint add --project {escape(d["project"])} --kind flight '
                   '--from LHR --to JFK</code>.</p></section>')
        return "".join(out + [_not_counted(d)])
    total_rng = _range(d, "total_gco2e_low", "total_gco2e_high")
    out.append(f'<p class="fp-total"><strong data-total-gco2e="{total:.6g}">{escape(format_mass_g(total))}</strong>'
               f'{total_rng} of CO2-equivalent: runs as measured, activities as estimated with the factors listed below.</p>')
    out.append(f'<p class="muted">{_counts(d)} · generated {escape(d["generated"])}</p></section>')
    out.append(_charts(cats))
    out.append(_compute_split(d))
    if d["months"]:
        labels = {c["category"]: c["label"] for c in cats}
        out.append('<section class="fp-timeline-box"><h2>By month</h2>'
                   + charts.timeline(d["months"], labels, format_mass_g) + "</section>")
    out.append(_table(cats, total))
    out.append(_factors(d["factors"]))
    out.append(_not_counted(d))
    return "".join(out)


def _counts(d: dict[str, Any]) -> str:
    items = [i for c in d["categories"] for i in c["items"]]
    runs = sum(1 for i in items if i["kind"] == "run")
    entries = len({i["entry"] for i in items if i.get("entry")})
    return f"{runs} measured run{'s' * (runs != 1)}, {entries} recorded activit{'ies' if entries != 1 else 'y'}"


def _charts(cats: list[dict[str, Any]]) -> str:
    legend = "".join(
        f'<tr><td>{charts.swatch(c["category"])} {escape(c["label"])}</td>'
        f'<td class="num">{escape(format_mass_g(c["gco2e"]))}</td><td class="num">{_share(c["share_pct"])}</td></tr>'
        for c in cats)
    small = [c for c in cats if c["share_pct"] is not None and c["share_pct"] < charts.SMALL_SHARE_PCT and c["gco2e"] > 0]
    small_fig = (f'<figure class="fp-small"><figcaption>Small shares (below {charts.SMALL_SHARE_PCT:g} % of the total), '
                 f'scaled to the largest of them</figcaption>'
                 f'{charts.bars(small, label="categories with small shares", value_label=_small_label)}'
                 "</figure>") if small else ""
    return ('<section class="fp-charts"><h2>Where it comes from</h2><div class="fp-row">'
            f'<figure class="fp-pie-box">{charts.pie(cats)}</figure>'
            f'<table class="fp-legend"><thead><tr><th scope="col">category</th><th scope="col" class="num">CO2e</th>'
            f'<th scope="col" class="num">share</th></tr></thead><tbody>{legend}</tbody></table></div>{small_fig}</section>')


def _small_label(r: dict[str, Any]) -> str:
    return f"{r['share_pct']:.2f} % ({format_mass_g(r['gco2e'])})"


def _compute_split(d: dict[str, Any]) -> str:
    total = d["total_gco2e"] or 1
    rows = [{"category": "compute-measured", "label": "Compute (runs, estimates, idle, embodied)",
             "gco2e": d["compute_gco2e"], "share_pct": 100 * d["compute_gco2e"] / total},
            {"category": "other", "label": "Everything else", "gco2e": d["non_compute_gco2e"],
             "share_pct": 100 * d["non_compute_gco2e"] / total}]
    fig = charts.bars(rows, label="compute against everything else",
                      value_label=lambda r: (f"{format_mass_g(r['gco2e'])} ({r['share_pct']:.1f} %)" if r["gco2e"] > 0
                                             else "none recorded"))
    return f'<section class="fp-split"><h2>Compute and everything else</h2>{fig}</section>'


def _table(cats: list[dict[str, Any]], total: float) -> str:
    rows = []
    for c in cats:
        rows.append(f'<tr class="group"><th colspan="5" scope="rowgroup">{charts.swatch(c["category"])} '
                    f'{escape(c["label"])}</th><td class="num"><strong>{escape(format_mass_g(c["gco2e"]))}</strong>'
                    f'</td><td class="num">{_share(c["share_pct"])}</td></tr>')
        for i in c["items"]:
            who = f'<br><span class="muted small">{escape(i["who"])}</span>' if i.get("who") else ""
            note = f'<br><span class="muted small">{escape(i["note"])}</span>' if i.get("note") else ""
            ref = f'<a href="#factor-{i["factor_ref"]}">[{i["factor_ref"]}]</a>'
            rows.append(
                f'<tr data-kind="{escape(i["kind"])}"><td class="nowrap">{escape(i["date"])}</td><td>{escape(i["kind"])}'
                f' <span class="badge {_badge(i["basis"])}">{escape(i["basis"])}</span></td>'
                f'<td>{escape(i["description"])}{who}{note}</td>'
                f'<td class="num">{i["quantity"]:,.6g} {escape(i["unit"])}</td>'
                f'<td class="num">{i["factor_kg_per_unit"]:.6g} kg/{escape(i["unit"])} {ref}</td>'
                f'<td class="num">{escape(format_mass_g(i["gco2e"]))}{_range(i, block=True)}</td>'
                f'<td class="num">{_share(100 * i["gco2e"] / total if total > 0 else None)}</td></tr>')
    return ('<section class="fp-items"><h2>Every item</h2><div class="scroll"><table class="fp-table"><thead><tr>'
            '<th scope="col">date</th><th scope="col">kind</th><th scope="col">what</th><th scope="col" class="num">'
            'quantity</th><th scope="col" class="num">factor</th><th scope="col" class="num">CO2e</th>'
            f'<th scope="col" class="num">share</th></tr></thead><tbody>{"".join(rows)}</tbody></table></div></section>')


def _badge(basis: str) -> str:
    return {"measured": "measured", "partial": "partly", "user": "user"}.get(basis, "estimated")


def _factors(factors: list[dict[str, Any]]) -> str:
    lis = []
    for f in factors:
        rng = f.get("range_kg_per_unit")
        rng_t = f" (published range {rng[0]:.6g} to {rng[1]:.6g})" if rng else ""
        read = f'; <em>read in {escape(f["read_in"])}</em>' if str(f.get("read_in") or "").startswith("secondary") else ""
        lic = f"; licence: {escape(f['license'])}" if f.get("license") else ""
        year = f", {f['year']}" if f.get("year") else ""
        note = f'<br><span class="muted small">{escape(f["note"])}</span>' if f.get("note") else ""
        lis.append(f'<li id="factor-{f["ref"]}" value="{f["ref"]}"><strong>{f["factor_kg_per_unit"]:.6g} kg CO2e per '
                   f'{escape(f["unit"])}</strong>{rng_t} ({escape(f["kind"])}): {escape(f["source"])}{year}{lic}{read}'
                   f"{note}</li>")
    attribution = (f'<p class="muted small">{escape(DESNZ_ATTRIBUTION)}</p>'
                   if any("DESNZ" in f["source"] for f in factors) else "")
    return f'<section class="fp-factors"><h2>Every factor, with its source</h2><ol>{"".join(lis)}</ol>{attribution}</section>'


def _not_counted(d: dict[str, Any]) -> str:
    lis = "".join(f"<li>{escape(x)}</li>" for x in d["not_counted"])
    return f'<section class="fp-not-counted"><h2>Not counted</h2><ul>{lis}</ul></section>'


def stylesheet() -> str:
    parts = []
    for name in ("app.css", "footprint.css"):
        with open(os.path.join(STATIC, name), encoding="utf-8") as f:
            parts.append(f.read())
    return "\n".join(parts).replace("</style", "<\\/style")


def render(fp) -> str:
    """A self-contained HTML page (styles inline, no script, no network)."""
    from .. import __version__

    d = fp.to_dict()
    return ('<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; "
            "img-src data:\">"
            f'<meta name="generator" content="wattwise {escape(__version__)}">'
            f'<title>Footprint of {escape(d["project"])} · wattwise</title><style>{stylesheet()}</style></head>'
            f'<body class="report"><header class="top"><span class="brand">⚡ wattwise footprint</span>'
            f'<span class="muted">generated {escape(d["generated"])} by wattwise {escape(__version__)}</span></header>'
            f'<main>{body(d)}<section class="muted small"><h2>About this report</h2><p>One file with its data and '
            "styles inside; it loads nothing and runs no script. Charts are SVG drawn by wattwise. Figures are grams "
            "or tonnes of CO2-equivalent (gCO2e, tCO2e); each item names the factor it used, as recorded at the time."
            "</p></section></main></body></html>\n")
