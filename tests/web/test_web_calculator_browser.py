"""The Calculator in a real headless Chromium (Debian's package, driven by Playwright): typing
updates the result in place, the address bar follows the inputs, bad input is marked next to
its field, the hardware list follows what is typed, and the page works without JavaScript.

Helpers (server, browser, screenshots) come from test_web_browser.py.
"""
from __future__ import annotations

from urllib.parse import parse_qsl, urlparse

import pytest

import test_web_browser as wb

pytestmark = wb.pytestmark
sync_api = wb.sync_api
browser = wb.browser
page = wb.page


@pytest.fixture(scope="module")
def url(tmp_path_factory):
    yield from wb.served_url(tmp_path_factory, "calc")


def emissions_text(page) -> str:
    return page.locator("#calc-emissions").inner_text()


def wait_result(page, **inputs):
    """Wait until the result shown is the one for these inputs (the JS sets data-query when it swaps it in)."""
    page.wait_for_function(
        """want => { const el = document.getElementById('calc-result');
                     if (!el || el.dataset.state === 'loading' || !el.dataset.query) return false;
                     const got = Object.fromEntries(new URLSearchParams(el.dataset.query));
                     return Object.entries(want).every(([k, v]) => got[k] === v); }""", arg=inputs, timeout=15000)


def test_typing_updates_the_result_and_the_address(page, url, tmp_path):
    from wattwise.estimate import estimate
    from wattwise.web.views import fmt_mass

    wb.load(page, url + "/calculator")
    assert wb.charts_drawn(page)[0] > 2000
    page.evaluate("window.__sameDocument = 1")  # survives only if no navigation happens
    page.fill("#f-hw", "H100")
    page.fill("#f-count", "8")
    page.fill("#f-hours", "72")
    page.fill("#f-region", "PL")
    page.uncheck("#f-embodied")
    wait_result(page, hw="H100", count="8", hours="72", region="PL")
    want = estimate(gpu="H100:8", hours=72, region="PL")
    assert emissions_text(page) == fmt_mass(want.emissions_gco2e)
    assert page.evaluate("window.__sameDocument") == 1
    q = dict(parse_qsl(urlparse(page.url).query))
    assert q == {"kind": "gpu", "hw": "H100", "count": "8", "hours": "72", "region": "PL"}
    assert urlparse(page.url).path == "/calculator"
    # the chart was redrawn for the new result: here plus the alternatives
    page.wait_for_function("document.querySelectorAll('#calc-result figure.chart[data-rendered] canvas').length === 1")
    assert wb.charts_drawn(page)[0] > 2000
    assert page.locator("table.alternatives tbody tr").count() == len(want.alternatives)
    assert "medium" in page.locator("table.hardware").inner_text() or "exact" in page.locator("table.hardware").inner_text()
    # utilisation halves the computing part
    page.fill("#f-util", "0.5")
    wait_result(page, util="0.5")
    assert emissions_text(page) == fmt_mass(estimate(gpu="H100:8", hours=72, region="PL", utilization=0.5).emissions_gco2e)
    assert page.watch.errors == []
    assert all(u.startswith(url) for u in page.watch.urls), page.watch.urls

    # the shared address shows the same result to someone else, even without JavaScript
    shared = page.url
    ctx = page.context.browser.new_context(java_script_enabled=False)
    try:
        other = ctx.new_page()
        other.goto(shared)
        assert other.locator("#calc-emissions").inner_text() == emissions_text(page)
    finally:
        ctx.close()


def test_bad_input_is_marked_next_to_the_field_then_cleared(page, url):
    wb.load(page, url + "/calculator")
    page.fill("#f-region", "Frnace")
    wait_result(page, region="Frnace")
    assert page.locator("#calc-result").get_attribute("data-state") == "invalid"
    assert "did you mean 'FR'" in page.locator("#err-region").inner_text()
    assert page.locator("#f-region").get_attribute("aria-invalid") == "true"
    assert page.locator("#calc-error").is_visible()
    assert "region=Frnace" in page.url  # even a wrong input can be shared (to ask about it)
    page.fill("#f-region", "FR")
    wait_result(page, region="FR")
    assert page.locator("#err-region").inner_text() == ""
    assert page.locator("#f-region").get_attribute("aria-invalid") is None
    assert page.locator("#calc-emissions").is_visible()
    assert page.watch.errors == [] or all("422" in e for e in page.watch.errors)


def test_hardware_list_follows_kind_and_typing(page, url):
    wb.load(page, url + "/calculator")
    page.select_option("#f-kind", "instance")
    page.fill("#f-hw", "p4d")
    page.wait_for_function("() => Array.from(document.querySelectorAll('#hw-list option')).some(o => o.value === 'p4d.24xlarge')")
    assert page.locator("#count-what").inner_text() == "(instances)"
    page.fill("#f-hw", "p4d.24xlarge")
    page.fill("#f-count", "1")
    wait_result(page, kind="instance", hw="p4d.24xlarge", count="1")
    assert "from instance p4d.24xlarge" in page.locator("table.hardware").inner_text()
    region_opts = page.evaluate("document.querySelectorAll('#region-list option').length")
    from wattwise.regions import all_regions

    assert region_opts == len(all_regions())


def test_calculator_without_javascript_submits_the_form(browser, url):
    ctx = browser.new_context(java_script_enabled=False)
    p = ctx.new_page()
    try:
        p.goto(url + "/calculator")
        p.fill("#f-hw", "T4")
        p.fill("#f-count", "4")
        p.fill("#f-hours", "10")
        p.fill("#f-region", "SE")
        p.click("form.calc button[type=submit]")
        p.wait_for_load_state()
        q = dict(parse_qsl(urlparse(p.url).query))
        assert q["hw"] == "T4" and q["count"] == "4" and q["region"] == "SE"
        from wattwise.estimate import estimate
        from wattwise.web.views import fmt_mass

        assert p.locator("#calc-emissions").inner_text() == fmt_mass(
            estimate(gpu="T4:4", hours=10, region="SE", embodied=True).emissions_gco2e)
        assert p.locator("figure.chart .chart-fallback table").is_visible()
    finally:
        ctx.close()


def test_calculator_screenshot(page, url, tmp_path):
    wb.load(page, url + "/calculator?kind=gpu&hw=A100-80GB&count=8&hours=72&region=DE&idle_hours=12&embodied=1")
    assert all(p > 2000 for p in wb.charts_drawn(page))
    assert page.watch.errors == []
    wb.shoot(page, "calculator", tmp_path)
