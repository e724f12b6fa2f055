"""Charts as inline SVG, computed here: a pie, bars for the small shares, and a monthly timeline.

No script runs, so the report opens offline in any browser and the dashboard's CSP (scripts
from the server only, no inline styles) needs nothing new: colours are SVG presentation
attributes. Every mark carries a ``<title>`` (hover text, read by screen readers) and a
``data-category``; the numbers are also in the tables beside the charts.
"""
from __future__ import annotations

import math
from html import escape

COLORS = {  # Okabe-Ito based, distinguishable with the common colour-vision deficiencies
    "compute-measured": "#0072B2", "compute-estimated": "#56B4E9", "idle": "#7F7F7F", "embodied": "#CC79A7",
    "hardware": "#882255", "electricity": "#F0E442", "travel": "#D55E00", "meetings": "#009E73",
    "digital": "#E69F00", "other": "#44546A",
}
SMALL_SHARE_PCT = 5.0


def color(category: str) -> str:
    return COLORS.get(category, "#44546A")


def _fmt(x: float) -> str:
    return f"{x:.2f}".rstrip("0").rstrip(".")


def pie(slices: list[dict], *, size: int = 300, label: str = "share of the footprint by category") -> str:
    """slices: [{category, label, gco2e, share_pct}] (share of the total, in %)."""
    r, c = size / 2 - 2, size / 2
    parts = [f'<svg class="fp-pie" role="img" aria-label="{escape(label)}" viewBox="0 0 {size} {size}" '
             f'width="{size}" height="{size}" xmlns="http://www.w3.org/2000/svg">']
    shown = [s for s in slices if s["gco2e"] > 0]
    total = sum(s["gco2e"] for s in shown)
    angle = -math.pi / 2
    for s in shown:
        frac = s["gco2e"] / total
        tip = escape(f"{s['label']}: {s['share_pct']:.1f} %")
        attrs = f'fill="{color(s["category"])}" stroke="#fff" stroke-width="1" data-category="{escape(s["category"])}"'
        if frac >= 0.999999:
            parts.append(f'<circle cx="{_fmt(c)}" cy="{_fmt(c)}" r="{_fmt(r)}" {attrs}><title>{tip}</title></circle>')
            break
        end = angle + 2 * math.pi * frac
        x1, y1 = c + r * math.cos(angle), c + r * math.sin(angle)
        x2, y2 = c + r * math.cos(end), c + r * math.sin(end)
        large = 1 if frac > 0.5 else 0
        d = f"M{_fmt(c)},{_fmt(c)} L{_fmt(x1)},{_fmt(y1)} A{_fmt(r)},{_fmt(r)} 0 {large} 1 {_fmt(x2)},{_fmt(y2)} Z"
        parts.append(f'<path d="{d}" {attrs}><title>{tip}</title></path>')
        angle = end
    parts.append("</svg>")
    return "".join(parts)


def bars(rows: list[dict], *, width: int = 640, value_label=None, label: str = "small shares") -> str:
    """Horizontal bars scaled to the largest of ``rows`` ([{category, label, gco2e, share_pct}])."""
    value_label = value_label or (lambda r: f"{r['share_pct']:.2f} %")
    h, gap = 22, 8
    text_w = 12 + 7 * max((len(r["label"]) for r in rows), default=10)  # ~7 px per character at 12 px
    val_w = 12 + 7 * max((len(value_label(r)) for r in rows), default=8)
    top = max((r["gco2e"] for r in rows), default=0) or 1
    height = len(rows) * (h + gap) + gap
    bar_w = max(80, width - text_w - val_w)
    width = text_w + bar_w + val_w
    out = [f'<svg class="fp-bars" role="img" aria-label="{escape(label)}" viewBox="0 0 {width} {height}" '
           f'width="{width}" height="{height}" xmlns="http://www.w3.org/2000/svg">']
    for i, r in enumerate(rows):
        y = gap + i * (h + gap)
        w = max(1.0, bar_w * r["gco2e"] / top)
        out.append(f'<text x="{text_w - 6}" y="{y + h * 0.7:.1f}" text-anchor="end" font-size="12">{escape(r["label"])}</text>'
                   f'<rect x="{text_w}" y="{y}" width="{_fmt(w)}" height="{h}" fill="{color(r["category"])}" '
                   f'data-category="{escape(r["category"])}">'
                   f'<title>{escape(r["label"])}: {escape(value_label(r))}</title></rect>'
                   f'<text x="{text_w + w + 6:.1f}" y="{y + h * 0.7:.1f}" font-size="12">{escape(value_label(r))}</text>')
    out.append("</svg>")
    return "".join(out)


def timeline(months: list[dict], labels: dict[str, str], fmt, *, width: int = 760, height: int = 240) -> str:
    """Stacked monthly bars: months = [{month: 'YYYY-MM', gco2e, by_category: {category: gCO2e}}]."""
    left, bottom, top_pad = 70, 40, 10
    n = max(len(months), 1)
    plot_w, plot_h = width - left - 10, height - bottom - top_pad
    top = max((m["gco2e"] for m in months), default=0) or 1
    slot = plot_w / n
    bw = max(2.0, min(48.0, slot * 0.7))
    out = [f'<svg class="fp-timeline" role="img" aria-label="CO2e by month" viewBox="0 0 {width} {height}" '
           f'width="{width}" height="{height}" xmlns="http://www.w3.org/2000/svg">',
           f'<line x1="{left}" y1="{top_pad + plot_h}" x2="{width - 10}" y2="{top_pad + plot_h}" stroke="#94a3b8"/>',
           f'<text x="{left - 6}" y="{top_pad + 10}" text-anchor="end" font-size="11">{escape(fmt(top))}</text>',
           f'<text x="{left - 6}" y="{top_pad + plot_h}" text-anchor="end" font-size="11">0</text>']
    every = max(1, math.ceil(n / 12))
    for i, m in enumerate(months):
        x = left + i * slot + (slot - bw) / 2
        y = top_pad + plot_h
        for cat in labels:
            g = m["by_category"].get(cat, 0.0)
            if g <= 0:
                continue
            hgt = plot_h * g / top
            y -= hgt
            out.append(f'<rect x="{_fmt(x)}" y="{_fmt(y)}" width="{_fmt(bw)}" height="{_fmt(max(hgt, 0.5))}" '
                       f'fill="{color(cat)}" data-category="{escape(cat)}" data-month="{m["month"]}">'
                       f'<title>{m["month"]} {escape(labels[cat])}: {escape(fmt(g))}</title></rect>')
        if i % every == 0:
            out.append(f'<text x="{_fmt(x + bw / 2)}" y="{height - bottom + 16}" text-anchor="middle" font-size="11">'
                       f'{m["month"]}</text>')
    out.append("</svg>")
    return "".join(out)


def swatch(category: str) -> str:
    return (f'<svg class="fp-swatch" width="12" height="12" aria-hidden="true" xmlns="http://www.w3.org/2000/svg">'
            f'<rect width="12" height="12" fill="{color(category)}"/></svg>')
