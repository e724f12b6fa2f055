"""The Models page's two charts as SVG geometry (drawn server-side: no script, works in reports).

The scatter: x is gCO2e per 1,000 inferences (logarithmic when the points span more than
20x), y the metric; points on the Pareto front are joined by a line. The per-group bars: one
bar per model in each subset, with its 95% interval as a whisker; the value axis spans the
intervals (it need not start at 0: accuracies of 0.95 and 0.99 would otherwise look alike),
and the figure says so. Only positions and labels are computed here; the templates draw them
with SVG presentation attributes (the dashboard's Content-Security-Policy forbids inline style).
"""
from __future__ import annotations

import math

W, H = 640, 320
LEFT, RIGHT, TOP, BOTTOM = 70, 20, 16, 44


def _ticks(lo: float, hi: float, n: int = 5) -> list[float]:
    if hi <= lo:
        return [lo]
    raw = (hi - lo) / n
    mag = 10 ** math.floor(math.log10(raw))
    step = next(s * mag for s in (1, 2, 2.5, 5, 10) if s * mag >= raw)
    start = math.ceil(lo / step) * step
    return [round(start + k * step, 12) for k in range(int((hi - start) / step + 1e-9) + 1)]


def _pad(lo: float, hi: float, log: bool) -> tuple[float, float]:
    if log:
        return lo / 1.3, hi * 1.3
    if hi == lo:
        d = abs(lo) * 0.1 or 1.0
        return lo - d, hi + d
    d = (hi - lo) * 0.08
    return lo - d, hi + d


def geometry(points: list[dict], fmt_x, fmt_y) -> dict | None:
    """points: [{x, y, label, front, color}] -> positions, axis ticks and the front's path."""
    pts = [p for p in points if p["x"] is not None and p["y"] is not None]
    if not pts:
        return None
    xs, ys = [p["x"] for p in pts], [p["y"] for p in pts]
    log = min(xs) > 0 and max(xs) / min(xs) > 20
    x0, x1 = _pad(min(xs), max(xs), log)
    y0, y1 = _pad(min(ys), max(ys), False)
    fx = (lambda v: math.log10(v)) if log else (lambda v: v)
    pw, ph = W - LEFT - RIGHT, H - TOP - BOTTOM

    def px(v):
        return LEFT + (fx(v) - fx(x0)) / (fx(x1) - fx(x0)) * pw

    def py(v):
        return TOP + (1 - (v - y0) / (y1 - y0)) * ph

    xt = [10 ** k for k in range(math.ceil(math.log10(x0)), math.floor(math.log10(x1)) + 1)] if log else _ticks(x0, x1)
    out = {"width": W, "height": H, "left": LEFT, "top": TOP, "right": W - RIGHT, "bottom": H - BOTTOM, "log": log,
           "xticks": [{"x": px(v), "label": fmt_x(v)} for v in xt if x0 <= v <= x1],
           "yticks": [{"y": py(v), "label": fmt_y(v)} for v in _ticks(y0, y1) if y0 <= v <= y1],
           "points": [dict(p, cx=px(p["x"]), cy=py(p["y"])) for p in pts]}
    front = sorted((p for p in out["points"] if p["front"]), key=lambda p: p["cx"])
    out["front_path"] = " ".join(f"{p['cx']:.1f},{p['cy']:.1f}" for p in front) if len(front) > 1 else ""
    for p in out["points"]:  # labels to the left of points in the right half, so they stay inside
        p["anchor"] = "end" if p["cx"] > (LEFT + W - RIGHT) / 2 else "start"
        p["tx"] = p["cx"] - 9 if p["anchor"] == "end" else p["cx"] + 9
    return out


def group_bars(keys: list[str], series: list[dict], fmt_y) -> dict | None:
    """keys: subset labels; series: [{label, colour, values: {key: (value, [lo, hi] or None)}}]."""
    vals = [v for s in series for v in s["values"].values() if v[0] is not None]
    if not keys or not vals:
        return None
    lows = [ci[0] if ci else v for v, ci in vals]
    highs = [ci[1] if ci else v for v, ci in vals]
    y0, y1 = _pad(min(lows), max(highs), False)
    width = max(W, LEFT + RIGHT + len(keys) * (24 * len(series) + 30))
    pw, ph = width - LEFT - RIGHT, H - TOP - BOTTOM
    slot = pw / len(keys)
    bar = slot * 0.8 / max(1, len(series))

    def py(v):
        return TOP + (1 - (v - y0) / (y1 - y0)) * ph

    bars = []
    for k, key in enumerate(keys):
        for i, s in enumerate(series):
            v, ci = s["values"].get(key, (None, None))
            if v is None:
                continue
            x = LEFT + k * slot + slot * 0.1 + i * bar
            top = py(v)
            bars.append({"x": x, "y": top, "w": bar * 0.9, "h": max(0.0, H - BOTTOM - top), "colour": s["colour"],
                         "mid": x + bar * 0.45, "lo": py(ci[0]) if ci else None, "hi": py(ci[1]) if ci else None,
                         "title": f"{s['label']}, {key}: {fmt_y(v)}" + (f" [{fmt_y(ci[0])}, {fmt_y(ci[1])}]" if ci else "")})
    return {"width": width, "height": H, "left": LEFT, "top": TOP, "right": width - RIGHT, "bottom": H - BOTTOM,
            "bars": bars, "yticks": [{"y": py(v), "label": fmt_y(v)} for v in _ticks(y0, y1) if y0 <= v <= y1],
            "xlabels": [{"x": LEFT + (k + 0.5) * slot, "label": key} for k, key in enumerate(keys)],
            "from_zero": y0 <= 0}
