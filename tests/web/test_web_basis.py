"""The dashboard on one intensity basis: the calculator's basis field and the regions page's filter.

Issue 10: the calculator's "cleaner regions" ranked life-cycle country figures against direct
cloud figures. Now the form's basis (life-cycle by default) holds for the intensity and every
alternative, and the regions page lists one basis at a time.
"""
from __future__ import annotations

import re
from urllib.parse import urlencode

import pytest

pytest.importorskip("starlette")
pytest.importorskip("jinja2")

from starlette.testclient import TestClient  # noqa: E402

from wattwise import regions  # noqa: E402
from wattwise.estimate import estimate  # noqa: E402
from wattwise.web import create_app  # noqa: E402

JOB = {"kind": "gpu", "hw": "A100-80GB", "count": "8", "hours": "72", "region": "gcp:us-east4"}


@pytest.fixture
def c(tmp_path):
    return TestClient(create_app(str(tmp_path / "none.db")))


@pytest.mark.parametrize("basis", ["", "direct"])
def test_calculator_estimate_and_alternatives_on_the_forms_basis(c, basis):
    q = {**JOB, "basis": basis} if basis else JOB
    d = c.get("/api/estimate?" + urlencode(q)).json()
    assert d["ok"], d
    want = basis or "lifecycle"
    e = d["estimate"]
    assert e["intensity"]["basis"] == want
    assert e["intensity"]["g_per_kwh"] == regions.get("gcp:us-east4", want).g_per_kwh
    assert e["alternatives"] and all(a["basis"] == want for a in e["alternatives"])
    ref = estimate(gpu="A100-80GB:8", hours=72, region="gcp:us-east4", basis=want)
    assert [a["region"] for a in e["alternatives"]] == [a["region"] for a in ref.alternatives]
    html = d["html"]
    assert ("direct (operational)" if basis else "life-cycle") in re.search(r'id="calc-basis">([^<]*)<', html).group(1)
    assert ("--basis direct" in html) == bool(basis)  # the equivalent command line


def test_calculator_form_offers_the_basis_and_reports_a_region_without_a_figure(c):
    page = c.get("/calculator?" + urlencode({**JOB, "basis": "direct"})).text
    assert re.search(r'<option value="direct" selected>direct \(operational\)</option>', page)
    r = c.get("/calculator?" + urlencode({**JOB, "region": "MY", "basis": "direct"}))
    assert r.status_code == 422 and "no bundled direct intensity" in r.text
    r = c.get("/api/estimate?" + urlencode({**JOB, "basis": "operational"}))
    assert r.status_code == 422 and r.json()["field"] == "basis"


def test_region_autocomplete_shows_figures_on_the_asked_basis(c):
    life = c.get("/api/regions?q=europe-west2").json()
    direct = c.get("/api/regions?q=europe-west2&basis=direct").json()
    assert life["basis"] == "lifecycle" and direct["basis"] == "direct"
    assert "210.89 gCO2e/kWh (lifecycle)" in life["items"][0]["detail"]
    assert "105.94 gCO2e/kWh (direct)" in direct["items"][0]["detail"]
    assert c.get("/api/regions?basis=nope").status_code == 400


def test_regions_page_lists_one_basis_and_says_which(c):
    life = c.get("/regions?kind=cloud").text
    direct = c.get("/regions?kind=cloud&basis=direct").text
    assert "(life-cycle basis)" in life and "(direct (operational) basis)" in direct

    def order(html):
        return re.findall(r"<td class=\"num\">\d+</td><td><code>([^<]+)</code>", html)

    lo, do = order(life), order(direct)
    assert lo.index("gcp:us-west2") > lo.index("gcp:europe-west2")  # Los Angeles dirtier than London
    assert set(lo) == set(do) and lo != do
    # regions without a direct figure come last, each with its reason
    assert do[-1] in ("aws:ap-southeast-5", "aws:me-south-1") and "no bundled direct figure" in direct
    assert "without a direct (operational) figure" in direct
