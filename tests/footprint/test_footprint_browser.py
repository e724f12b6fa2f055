"""The footprint report and the dashboard's Projects page in a real headless Chromium (Debian's
package, driven by Playwright).

Checked: the report opens from a file:// URL with no request leaving it and no console error;
the pie has one slice per category and each slice's angle is its share in the legend table;
the small-shares bar chart holds the categories below 5 %; stored markup is shown, not run;
the dashboard's Projects page is reached from the navigation bar and from the runs list, and
obeys the dashboard's Content-Security-Policy (an inline style would be reported as an error).

Screenshots go to the test's tmp dir; with WATTWISE_UPDATE_SCREENSHOTS=1 they are also copied
to docs/screenshots/ (footprint-report.png, footprint-chart.png, projects.png).
"""
from __future__ import annotations

import math
import os
import re
import shutil
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
SHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed at /usr/bin/chromium "
                                                     "(apt-get install -y chromium)"),
]
sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed (pip install playwright)")


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser):
    ctx = browser.new_context(viewport={"width": 1280, "height": 900}, device_scale_factor=1)
    p = ctx.new_page()
    p.errors, p.urls = [], []
    p.on("console", lambda m: p.errors.append(m.text) if m.type == "error" else None)
    p.on("pageerror", lambda e: p.errors.append(str(e)))
    p.on("request", lambda r: p.urls.append(r.url))
    p.on("dialog", lambda d: (p.errors.append(f"dialog: {d.message}"), d.dismiss()))
    yield p
    ctx.close()


def shoot(page, name: str, tmp_path):
    out = tmp_path / f"{name}.png"
    page.screenshot(path=str(out), full_page=True)
    if os.environ.get("WATTWISE_UPDATE_SCREENSHOTS") == "1":
        SHOTS.mkdir(parents=True, exist_ok=True)
        shutil.copy(out, SHOTS / f"{name}.png")
    return out


@pytest.fixture
def example_store(tmp_path):
    from _example import build
    from wattwise.footprint import Ledger
    from wattwise.store import open_store

    path = tmp_path / "runs.db"
    st = open_store(path)
    build(st)
    Ledger("<b>evil</b>", store=st).add("other", gco2e=1200.0, source="<img src=x onerror=alert(1)>",
                                        note="<script>alert(2)</script>")
    st.close()
    return path


def _sweeps(page) -> dict[str, float]:
    """Degrees swept by each pie slice, read from the drawn SVG (arc end points around the centre)."""
    shapes = page.evaluate("""() => Array.from(document.querySelectorAll('svg.fp-pie path, svg.fp-pie circle'))
        .map(e => [e.dataset.category, e.tagName, e.getAttribute('d') || ''])""")
    out = {}
    for cat, tag, d in shapes:
        if tag == "circle":
            out[cat] = 360.0
            continue
        cx, cy, x1, y1, large, x2, y2 = (float(v) for v in re.match(
            r"M([\d.]+),([\d.]+) L([\d.\-]+),([\d.\-]+) A[\d.]+,[\d.]+ 0 (\d) 1 ([\d.\-]+),([\d.\-]+) Z", d).groups())
        a1, a2 = math.atan2(y1 - cy, x1 - cx), math.atan2(y2 - cy, x2 - cx)
        sweep = math.degrees((a2 - a1) % (2 * math.pi))
        out[cat] = sweep if not (large and sweep < 180) else 360 - sweep
    return out


def test_report_opens_offline_and_the_pie_matches_the_table(page, example_store, tmp_path):
    from wattwise.footprint import Ledger

    out = tmp_path / "footprint.html"
    led = Ledger("summarizer", store=str(example_store))
    led.report(out)
    led.close()
    page.route("**/*", lambda route: route.continue_() if route.request.url.startswith("file://") else route.abort())
    page.goto(out.as_uri())
    assert [u for u in page.urls if not u.startswith("file://")] == [] and page.errors == []
    legend = page.evaluate("""() => Array.from(document.querySelectorAll('table.fp-legend tbody tr'))
        .map(r => [r.cells[0].innerText.trim(), parseFloat(r.cells[2].innerText)])""")
    labels = {"Travel": "travel", "Meetings (video calls)": "meetings", "Compute: measured runs": "compute-measured",
              "Digital (e-mail)": "digital"}
    shares = {labels[name]: pct for name, pct in legend}
    assert set(shares) == set(labels.values()) and sum(shares.values()) == pytest.approx(100, abs=0.3)
    sweeps = _sweeps(page)
    assert set(sweeps) == set(shares)
    for cat, pct in shares.items():  # the legend rounds to 0.1 %: 0.36 degrees
        assert sweeps[cat] == pytest.approx(pct * 3.6, abs=0.4), (cat, sweeps[cat], pct)
    small = page.evaluate("() => Array.from(document.querySelectorAll('svg.fp-bars rect')).map(r => r.dataset.category)")
    assert set(small[:3]) == {c for c, p in shares.items() if p < 5}
    overflow = page.evaluate("() => { const s = document.querySelector('section.fp-items .scroll');"
                             " return s.scrollWidth - s.clientWidth; }")
    assert overflow <= 0, f"the items table is {overflow} px wider than the page at 1280 px"
    box = page.locator("svg.fp-pie").bounding_box()
    assert box["width"] > 200 and box["height"] > 200
    assert page.locator("section.fp-factors li").count() >= 6 and "Open Government Licence" in page.content()
    shoot(page, "footprint-report", tmp_path)
    chart = tmp_path / "footprint-chart.png"  # the pie, its legend and the small-shares bars alone
    page.locator("section.fp-charts").screenshot(path=str(chart))
    if os.environ.get("WATTWISE_UPDATE_SCREENSHOTS") == "1":
        shutil.copy(chart, SHOTS / "footprint-chart.png")


def test_stored_markup_is_text(page, example_store, tmp_path):
    from wattwise.footprint import Ledger

    out = tmp_path / "evil.html"
    with Ledger("<b>evil</b>", store=str(example_store)) as led:
        led.report(out)
    page.goto(out.as_uri())
    assert page.errors == [] and page.locator("b", has_text="evil").count() == 0
    assert "<script>alert(2)</script>" in page.locator("section.fp-items").inner_text()
    assert "<img src=x onerror=alert(1)>" in page.locator("section.fp-factors").inner_text()


def test_projects_page_from_the_nav_and_the_runs_list(page, example_store, tmp_path):
    pytest.importorskip("uvicorn")
    from _serve import serve

    with serve(example_store, label="~/.local/share/wattwise/runs.db") as url:
        page.goto(url + "/")
        page.click("header.top nav >> text=Projects")
        page.wait_for_url(url + "/projects")
        rows = page.locator("table.fp-projects tbody tr")
        assert rows.count() == 2 and "summarizer" in rows.first.inner_text()
        rows.first.locator("a").click()
        page.wait_for_url(url + "/projects/summarizer")
        assert page.locator("svg.fp-pie path").count() == 4
        assert page.locator("svg.fp-timeline rect").count() >= 5
        assert page.locator("h1").inner_text() == "Footprint of project “summarizer”"
        shoot(page, "projects", tmp_path)
        page.goto(url + "/?project=summarizer")
        page.click("text=The whole footprint of project summarizer")
        page.wait_for_url(url + "/projects/summarizer")
        with page.expect_download() as dl:
            page.click("text=download the report")
        assert dl.value.suggested_filename == "footprint-summarizer.html"
        page.goto(url + "/projects/" + "%3Cb%3Eevil%3C%2Fb%3E")
        assert page.locator("h1").inner_text() == "Footprint of project “<b>evil</b>”"
        assert page.errors == [], page.errors  # CSP: no inline style or script was refused
        assert all(u.startswith(url) for u in page.urls)
        resp = page.goto(url + "/projects/no-such-project")
        assert resp.status == 404 and "There is no project 'no-such-project'" in page.content()
