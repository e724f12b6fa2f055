"""The impact statement, the self-contained HTML report, and the commands that print them."""
from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from wattwise.errors import UsageError
from wattwise.intensity.static import static_intensity
from wattwise.report.statement import statement_text
from wattwise.store import open_store, run_result
from wattwise.units import format_energy_j, format_mass_g

REPO = Path(__file__).resolve().parents[2]


def _run(path, rid):
    st = open_store(path, readonly=True)
    run = st.get_run(rid)
    run["result"] = run_result(st, rid)
    return st, run


def test_statement_names_hardware_hours_energy_emissions_region_source_and_method(demo_store):
    path, ids = demo_store
    _, run = _run(path, ids["gpu"])
    text = statement_text(run)
    de = static_intensity("DE")
    assert "wattwise run a1b2c3d4e5f6" in text and 'project "bert"' in text
    assert "1 x NVIDIA A100-SXM4-40GB" in text and "Xeon(R) Gold 6248" in text
    assert "(3 hours)" in text and "3 GPU-hours" in text
    assert format_energy_j(run["energy_j"]) in text
    assert format_mass_g(run["emissions_g"]) in text
    assert f"{de.g_per_kwh:,.1f} gCO2e/kWh for Germany (DE)" in text
    assert f"annual average for {de.year}" in text and de.source in text and de.license in text
    assert "cpu (rapl:package-0) and gpu:0 (nvml:total_energy) was measured" in text
    assert "ram was estimated" in text
    assert "embodied (manufacturing) emissions" in text
    assert "\n" not in text  # one paragraph


def test_statement_for_an_estimated_run_says_estimated(demo_store):
    path, ids = demo_store
    _, run = _run(path, ids["vm"])
    text = statement_text(run)
    assert "used an estimated" in text and "GPU-hours" not in text
    assert "cpu and ram was estimated, not measured, from published power figures" in text


def test_statement_for_hourly_intensity(demo_store):
    path, ids = demo_store
    _, run = _run(path, ids["hourly"])
    assert "hour-by-hour values over the run" in statement_text(run)


def test_statement_without_result_is_a_usage_error():
    with pytest.raises(UsageError, match="no recorded result"):
        statement_text({"run_id": "abc", "result": None})


def test_report_is_one_offline_file(demo_store):
    from wattwise.report.html import render_report

    path, ids = demo_store
    st = open_store(path, readonly=True)
    html = render_report(st, ids["gpu"])
    assert html.startswith("<!doctype html>")
    # nothing loaded from anywhere: no src/href to files or hosts, a CSP that forbids it anyway
    assert not re.search(r'<(script|link|img|iframe)[^>]+(src|href)=', html)
    assert "default-src 'none'" in html
    assert "Chart.js v4" in html and "wwBands" in html  # the charting code is inline
    assert html.count("</script>") == html.count("<script")
    for t in ("a1b2c3d4e5f6", "epoch 2", "rapl:package-0", "co2_eq_emissions:", "The computation for this work",
              "What is not counted"):
        assert t in html, t
    rec = re.search(r'<pre class="block"><code>(\{.*?)</code></pre>', html, re.S).group(1)
    import html as h

    assert json.loads(h.unescape(rec))["run_id"] == ids["gpu"]
    assert "/runs/a1b2c3d4e5f6/export" not in html  # no links into a dashboard that is not there


def test_report_escapes_markup(demo_store):
    from wattwise.report.html import render_report

    path, ids = demo_store
    html = render_report(open_store(path, readonly=True), ids["evil"])
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_report_for_unknown_run_is_a_usage_error(demo_store):
    from wattwise.report.html import render_report

    with pytest.raises(UsageError, match="no run"):
        render_report(open_store(demo_store[0], readonly=True), "ffffffffffff")


def test_cli_statement_and_report(demo_store, tmp_path, wattwise_cmd):
    path, ids = demo_store
    r = subprocess.run([*wattwise_cmd, "runs", "statement", ids["gpu"][:6], "--store", str(path)],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("The computation for this work (wattwise run a1b2c3d4e5f6")
    out = tmp_path / "report.html"
    r = subprocess.run([*wattwise_cmd, "runs", "report", ids["gpu"], "-o", str(out), "--store", str(path)],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    assert "a1b2c3d4e5f6" in out.read_text()
    r = subprocess.run([*wattwise_cmd, "runs", "statement", "ffffffffffff", "--store", str(path)],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 2 and r.stderr.startswith("wattwise: error:") and len(r.stderr.strip().splitlines()) == 1


def test_shipped_chart_library_matches_the_lockfile():
    lock = json.loads((REPO / "scripts/web/package-lock.json").read_text())
    want = lock["packages"]["node_modules/chart.js"]["version"]
    js = (REPO / "src/wattwise/web/static/chart.umd.min.js").read_text()
    assert f"Chart.js v{want}" in js[:300]
    lic = (REPO / "src/wattwise/web/static/chart.LICENSE.txt").read_text()
    assert f"Chart.js {want}" in lic and "MIT" in lic


def test_web_modules_stay_out_of_import_wattwise():
    code = ("import sys, wattwise; wattwise.__version__; "
            "print([m for m in ('starlette', 'jinja2', 'uvicorn', 'wattwise.web') if m in sys.modules])")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert r.stdout.strip() == "[]"
