"""A run as one self-contained HTML file: styles, chart code and data inline; opens offline.

Same view model and page body as the dashboard's run page (``web/views.py``,
``web/templates/_run_body.html``), so the report and the dashboard never disagree. A
Content-Security-Policy meta tag forbids any network request from the file.
"""
from __future__ import annotations

import json
import re

from ..errors import UsageError


def render_report(store, run_id: str) -> str:
    from ..web import require_web

    require_web("HTML reports", modules=("jinja2",))
    from ..units import iso, utcnow
    from ..web import views
    from ..web.render import render, static_text

    v = views.run_view(store, run_id)
    if v is None:
        raise UsageError(f"no run '{run_id}' in {store.url}; list runs with: wattwise runs list")
    chart_js = static_text("chart.umd.min.js")
    m = re.search(r"Chart\.js v(\d[\w.\-]*)", chart_js[:400])
    # neither script may end the inline <script> element early
    js = (chart_js + "\n" + static_text("app.js")).replace("</script", "<\\/script")
    css = static_text("app.css").replace("</style", "<\\/style")
    return render("report.html", v=v, inline_css=css, inline_js=js, chart_version=m.group(1) if m else "",
                  generated=(iso(utcnow()) or "")[:19].replace("T", " ") + " UTC",
                  result_json=json.dumps(v["result"], indent=2, default=str), nav=[], active=None,
                  store_label=store.url, standalone=True, evaluation=_evaluation(v["result"]))


def _evaluation(result: dict):
    """The evaluation block's view when this run is an evaluation (wattwise.evaluate)."""
    if not (result or {}).get("evaluation"):
        return None
    from ..evaluate.views import report_view

    return report_view(result)
