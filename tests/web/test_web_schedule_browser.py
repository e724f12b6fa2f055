"""The Schedule page in a real headless Chromium: the forecast chart is drawn with the planned
slots highlighted (green pixels where the job runs, none where it pauses), the form plans on
submit, and the page works without JavaScript. Helpers come from test_web_browser.py."""
from __future__ import annotations

import os
from urllib.parse import parse_qsl, urlencode, urlparse

import pytest

import test_web_browser as wb
from _forecasts import NOW, TWO_VALLEYS, write_forecast

pytestmark = wb.pytestmark
sync_api = wb.sync_api
browser = wb.browser
page = wb.page


@pytest.fixture(scope="module")
def url(tmp_path_factory):
    yield from wb.served_url(tmp_path_factory, "sched")


@pytest.fixture(scope="module")
def fc(tmp_path_factory):
    return str(write_forecast(tmp_path_factory.mktemp("fc") / "de-forecast.csv", TWO_VALLEYS))


def band_colour_at(page, hours: float) -> list[int]:
    """RGBA of the schedule chart's canvas just under the top of the plot area at ``hours``."""
    return page.evaluate("""h => {
        const canvas = document.querySelector('figure.chart[data-chart=schedule] canvas');
        const chart = window.Chart.getChart(canvas);
        const x = chart.scales.x.getPixelForValue(h), y = chart.chartArea.top + 40;
        const r = canvas.width / canvas.getBoundingClientRect().width;
        return Array.from(canvas.getContext('2d').getImageData(Math.round(x * r), Math.round(y * r), 1, 1).data); }""", hours)


def greenish(rgba) -> bool:
    r, g, b, a = rgba
    return a > 0 and g > r + 15 and g > b + 5


def test_chart_highlights_the_planned_slots(page, url, fc, tmp_path):
    q = {"region": "DE", "duration": "4h", "within": "12h", "policy": "pause-resume", "forecast": fc, "now": NOW}
    assert wb.load(page, url + "/schedule?" + urlencode(q)) == 1
    painted = wb.charts_drawn(page)
    assert len(painted) == 1 and painted[0] > 2000
    # the job runs 02-04 and 10-12: green there; it pauses 04-10 and after 12: not green
    for h in (2.5, 3.5, 10.5, 11.5):
        assert greenish(band_colour_at(page, h)), h
    for h in (6.5, 8.5, 13.5, 15.5):
        assert not greenish(band_colour_at(page, h)), h
    assert page.locator("figure.chart details > summary").count() == 1  # the numbers fold under the chart
    assert page.watch.errors == []
    assert all(u.startswith(url) for u in page.watch.urls), page.watch.urls


def test_form_plans_on_submit_and_the_address_holds_the_inputs(page, url, fc):
    wb.load(page, url + "/schedule")
    page.fill("#f-region", "DE")
    page.fill("#f-duration", "4")  # a bare number is hours
    page.fill("#f-within", "12h")
    page.fill("#f-forecast", fc)
    page.fill("#f-now", NOW)
    page.click("form.calc button[type=submit]")
    page.wait_for_load_state("networkidle")
    q = dict(parse_qsl(urlparse(page.url).query))
    assert q["region"] == "DE" and q["duration"] == "4" and q["forecast"] == fc
    page.wait_for_function("document.querySelectorAll('figure.chart[data-rendered]').length === 1")
    assert "Start at 2026-01-01 10:00 UTC" in page.locator("h2.result-head").inner_text()
    assert greenish(band_colour_at(page, 12.5)) and not greenish(band_colour_at(page, 2.5))
    assert "--duration 4h" in page.locator("#cmd-run").inner_text()
    assert page.watch.errors == []


def test_no_forecast_page_recommends_running_now(page, url):
    wb.load(page, url + "/schedule?" + urlencode({"region": "GB", "duration": "3h", "within": "12h"}))
    assert page.locator("#no-forecast").is_visible()
    assert page.locator("#cmd-now").inner_text() == "wattwise run --region GB -- python train.py"
    assert page.locator("figure.chart").count() == 0
    assert page.watch.errors == []


def test_schedule_without_javascript_shows_the_table(browser, url, fc):
    ctx = browser.new_context(java_script_enabled=False)
    p = ctx.new_page()
    try:
        p.goto(url + "/schedule?" + urlencode({"region": "DE", "duration": "4h", "within": "12h", "forecast": fc,
                                               "now": NOW, "policy": "pause-resume"}))
        assert p.locator("canvas").count() == 0
        table = p.locator("figure.chart .chart-fallback table")
        assert table.is_visible()
        assert table.locator("tbody tr.run").count() == 4  # 02, 03, 10 and 11 h
    finally:
        ctx.close()


def test_schedule_screenshot(page, url, fc, tmp_path):
    """The README's picture: real hourly data (Electricity Maps, GB, March 2023) when the reference data
    is at hand, else the synthetic two-valley forecast."""
    from pathlib import Path

    shared = Path(os.environ.get("WATTWISE_SHARED_DATA", wb.REPO.parent / "shared" / "data"))  # as tests/conftest.py
    real = shared / "ci-hourly-greendcc-em-2021-2024"
    if os.environ.get("WATTWISE_UPDATE_SCREENSHOTS") == "1" and not real.is_dir():
        pytest.skip("the README's screenshot uses the reference data (../shared/data), which is absent")
    if real.is_dir():
        q = {"region": "GB", "duration": "6h", "within": "18h", "policy": "pause-resume", "min_run": "1h",
             "max_pauses": "3", "forecast": str(real), "now": "2023-03-14T00:00Z", "cmd": "python train.py"}
    else:
        q = {"region": "DE", "duration": "4h", "within": "12h", "policy": "pause-resume", "forecast": fc, "now": NOW}
    assert wb.load(page, url + "/schedule?" + urlencode(q)) == 1
    assert all(p > 2000 for p in wb.charts_drawn(page))
    assert page.watch.errors == []
    wb.shoot(page, "schedule", tmp_path)
