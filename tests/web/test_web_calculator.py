"""The Calculator page and its JSON endpoints, in process over HTTP: the numbers are those of
``wattwise.estimate`` (and of the command line the page prints), bad input is a 422 with the
UsageError's suggestion next to the right field, and everything typed is escaped."""
from __future__ import annotations

import json
import re
import shlex
import subprocess
import sys
from urllib.parse import parse_qsl, urlencode

import pytest

pytest.importorskip("starlette")
pytest.importorskip("jinja2")

from starlette.testclient import TestClient  # noqa: E402

from wattwise.estimate import estimate  # noqa: E402
from wattwise.web import create_app  # noqa: E402
from wattwise.web import calculator as calc  # noqa: E402
from wattwise.web.views import fmt_mass  # noqa: E402


@pytest.fixture
def c(tmp_path):
    return TestClient(create_app(str(tmp_path / "none.db")))


def field_error(html: str, field: str) -> str:
    m = re.search(rf'<span class="field-error" id="err-{field}" role="alert">(.*?)</span>', html, re.S)
    return m.group(1) if m else ""


def invalid_fields(html: str) -> list[str]:
    return re.findall(r'name="(\w+)"[^>]*aria-invalid="true"', html)


JOB = {"kind": "gpu", "hw": "A100-80GB", "count": "8", "hours": "72", "region": "FR", "embodied": "1"}


def test_first_visit_shows_a_worked_example(c):
    r = c.get("/calculator")
    assert r.status_code == 200
    assert "content-security-policy" in r.headers and "script-src 'self'" in r.headers["content-security-policy"]
    html = r.text
    assert re.search(r'<a href="/calculator"[^>]*aria-current="page"', html)
    assert '<script src="/static/calculator.js" defer></script>' in html
    for name in calc.FIELDS:
        assert f'name="{name}"' in html, name
    want = estimate(gpu=f"{calc.DEFAULTS['hw']}:{calc.DEFAULTS['count']}", hours=calc.DEFAULTS["hours"],
                    region=calc.DEFAULTS["region"], embodied=True)
    assert f'id="calc-emissions">{fmt_mass(want.emissions_gco2e)}<' in html
    assert 'data-chart="bars"' in html and 'id="chart-calc"' in html
    # the autocomplete lists: the GPU catalogue inline, every region inline
    hw_list = re.search(r'<datalist id="hw-list">(.*?)</datalist>', html, re.S).group(1)
    assert 'value="NVIDIA H100 SXM5 80GB"' in hw_list
    regions = re.search(r'<datalist id="region-list">(.*?)</datalist>', html, re.S).group(1)
    from wattwise.regions import all_regions

    assert regions.count("<option") == len(all_regions())


def test_result_matches_estimate_and_lists_breakdown_sources_and_alternatives(c):
    r = c.get("/calculator?" + urlencode(JOB))
    assert r.status_code == 200
    html = r.text
    est = estimate(gpu="A100-80GB:8", hours=72, region="FR", embodied=True)
    assert f'id="calc-emissions">{fmt_mass(est.emissions_gco2e)}<' in html
    assert fmt_mass(est.embodied_g) in html and fmt_mass(est.operational_gco2e) in html
    assert "NVIDIA A100 SXM4 80GB" in html and "exact match" in html
    assert "ML CO2 Impact" in html  # the TDP's source
    assert "Luccioni" in html  # the embodied usage's source
    assert est.pue_source.split(":")[0] in html
    for a in est.alternatives:
        assert f"<code>{a['region']}</code>" in html
        assert fmt_mass(a["emissions_gco2e"]) in html
    for q in est.equivalents:
        assert q["unit"] in html
    chart = json.loads(re.search(r'id="chart-calc">(.*?)</script>', html, re.S).group(1))
    assert chart["labels"][0] == "here: FR" and chart["labels"][1:] == [a["region"] for a in est.alternatives]
    assert [d["label"] for d in chart["datasets"]] == ["computing", "embodied"]
    unit = 1000.0 if chart["ylabel"] == "kgCO2e" else 1.0
    here = sum(d["data"][0] for d in chart["datasets"]) * unit
    assert here == pytest.approx(est.emissions_gco2e, rel=1e-5)
    for k, a in enumerate(est.alternatives, start=1):
        assert sum(d["data"][k] for d in chart["datasets"]) * unit == pytest.approx(a["emissions_gco2e"], rel=1e-5)


def test_api_estimate_is_the_estimate_contract(c):
    r = c.get("/api/estimate?" + urlencode({**JOB, "idle_hours": "12", "util": "0.7", "pue": "1.2"}))
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/json")
    d = r.json()
    assert d["ok"] is True
    want = estimate(gpu="A100-80GB:8", hours=72, region="FR", embodied=True, idle_hours="12", utilization="0.7",
                    pue="1.2").to_dict()
    assert d["estimate"] == json.loads(json.dumps(want))
    assert d["estimate"]["breakdown"]["idle"]["included"] is True
    idle_row = re.search(r'<th scope="row">idle</th>(.*?)</tr>', d["html"], re.S).group(1)
    assert "idle for 12 h: count x idle power x hours" in idle_row
    assert fmt_mass(want["breakdown"]["idle"]["emissions_gco2e"]) in idle_row
    assert dict(parse_qsl(d["query"])) == {**JOB, "idle_hours": "12", "util": "0.7", "pue": "1.2"}
    assert f'id="calc-emissions">{fmt_mass(want["emissions_gco2e"])}<' in d["html"]
    assert "<html" not in d["html"]  # a fragment for the page to swap in


def test_printed_command_line_gives_the_same_numbers(c, wattwise_cmd):
    q = {"kind": "instance", "hw": "p4d.24xlarge", "count": "2", "hours": "3d", "region": "aws:us-east-1",
         "util": "70%", "idle_hours": "6", "embodied": "1"}
    d = c.get("/api/estimate?" + urlencode(q)).json()
    assert d["ok"], d
    cmd = re.search(r'<code id="calc-command">(.*?)</code>', d["html"], re.S).group(1)
    import html as htmlmod

    argv = shlex.split(htmlmod.unescape(cmd))
    assert argv[:2] == ["wattwise", "estimate"]
    out = subprocess.run(wattwise_cmd + argv[1:] + ["--json"], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    cli = json.loads(out.stdout.strip().splitlines()[-1])
    assert cli["emissions_gco2e"] == pytest.approx(d["estimate"]["emissions_gco2e"])
    assert cli["energy_kwh"] == pytest.approx(d["estimate"]["energy_kwh"])
    assert cli["inputs"]["instance"]["name"] == "p4d.24xlarge"


def test_cpu_and_measured_power(c):
    d = c.get("/api/estimate?" + urlencode({"kind": "cpu", "hw": "EPYC 7763", "count": "2", "hours": "10",
                                            "region": "DE"})).json()
    assert d["ok"], d
    assert d["estimate"]["inputs"]["hardware"][0]["unit"] == "socket"
    assert d["estimate"]["inputs"]["hardware"][0]["count"] == 2
    # a GPU missing from the catalogue works with a measured power (generic embodied figures, a warning)
    d = c.get("/api/estimate?" + urlencode({"hw": "Zorblax 9", "count": "4", "hours": "5", "power_w": "250",
                                            "region": "FR"})).json()
    assert d["ok"], d
    assert d["estimate"]["energy_kwh"] == pytest.approx(4 * 250 * 5 / 1000)
    assert "not in the catalogue" in d["html"]


@pytest.mark.parametrize("query,field,says", [
    ({"hw": "Z9000", "hours": "1"}, "hw", "unknown GPU 'Z9000'; did you mean"),
    ({"kind": "instance", "hw": "p4d.24xlarg", "hours": "1"}, "hw", "did you mean 'p4d.24xlarge'"),
    ({"kind": "cpu", "hw": "Pentium Quantum 9", "hours": "1"}, "hw", "unknown CPU"),
    ({"hw": "", "hours": "1"}, "hw", "choose the hardware"),
    ({"hw": "T4", "hours": "0"}, "hours", "must be > 0"),
    ({"hw": "T4", "hours": ""}, "hours", "is required"),
    ({"hw": "T4", "hours": "soon"}, "hours", "soon"),
    ({"hw": "T4", "hours": "nan"}, "hours", "nan"),
    ({"hw": "T4", "hours": "1e400"}, "hours", "100 years"),
    ({"hw": "T4", "hours": "1", "region": "Frnace"}, "region", "did you mean 'FR'"),
    ({"hw": "T4", "hours": "1", "pue": "0.5"}, "pue", "PUE 0.5 is out of range"),
    ({"hw": "T4", "hours": "1", "util": "70"}, "util", "did you mean 0.7"),
    ({"hw": "T4", "hours": "1", "count": "0"}, "count", "whole number >= 1"),
    ({"hw": "T4", "hours": "1", "count": "2.5"}, "count", "whole number"),
    ({"hw": "T4", "hours": "1", "count": "eight"}, "count", "invalid count"),
    ({"hw": "T4", "hours": "1", "count": "99999999"}, "count", "more than"),
    ({"hw": "T4", "hours": "1", "power_w": "-3"}, "power_w", "out of range"),
    ({"hw": "T4", "hours": "1", "idle_hours": "-2"}, "idle_hours", "idle-hours"),
])
def test_bad_input_is_shown_next_to_its_field(c, query, field, says):
    r = c.get("/calculator?" + urlencode(query))
    assert r.status_code == 422
    import html as htmlmod

    assert says in htmlmod.unescape(field_error(r.text, field))
    assert invalid_fields(r.text) == [field]
    assert 'class="callout warn" id="calc-error"' in r.text
    assert 'id="calc-emissions"' not in r.text  # no numbers for a job that could not be read
    a = c.get("/api/estimate?" + urlencode(query))
    assert a.status_code == 422
    d = a.json()
    assert d["ok"] is False and d["field"] == field and says in d["error"]
    assert "Traceback" not in r.text + a.text


def test_what_is_typed_is_escaped_and_overlong_input_is_cut(c):
    r = c.get("/calculator?" + urlencode({"hw": "<script>alert(1)</script>", "hours": "1",
                                          "region": '"><img src=x onerror=alert(2)>'}))
    assert r.status_code == 422
    assert "<script>alert(1)" not in r.text and "<img src=x" not in r.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in r.text
    d = c.get("/api/estimate?" + urlencode({"hw": "<b>x</b>" * 2000, "hours": "1"})).json()
    assert d["ok"] is False and "<b>" not in d["html"]
    assert len(d["query"]) < 2000  # each field is cut to calc.MAX_FIELD characters


def test_the_share_link_round_trips_the_inputs(c):
    q = {**JOB, "util": "0.6", "idle_hours": "4", "pue": "1.1", "power_w": ""}
    d = c.get("/api/estimate?" + urlencode(q)).json()
    link = re.search(r'<a id="calc-link" href="([^"]+)"', d["html"]).group(1).replace("&amp;", "&")
    assert link.startswith("/calculator?")
    again = c.get(link)
    assert again.status_code == 200
    assert f'id="calc-emissions">{fmt_mass(d["estimate"]["emissions_gco2e"])}<' in again.text
    f = calc.read_form(dict(parse_qsl(calc.query_string(calc.read_form(q)))))
    assert f == calc.read_form(q)
    # unchecked embodied is absent from the query and means "off", not the example's "on"
    off = calc.read_form({"hw": "T4", "hours": "2"})
    assert off["embodied"] == "" and off["kind"] == "gpu"


def test_alternative_links_recompute_for_that_region(c):
    d = c.get("/api/estimate?" + urlencode({"hw": "H100", "count": "8", "hours": "100", "region": "PL"})).json()
    alts = d["estimate"]["alternatives"]
    assert alts, "Poland's grid has cleaner neighbours"
    first = re.search(r'<a href="(/calculator\?[^"]+)">try it</a>', d["html"]).group(1).replace("&amp;", "&")
    assert dict(parse_qsl(first.split("?", 1)[1]))["region"] == alts[0]["region"]
    page = c.get(first).text
    assert f'id="calc-emissions">{fmt_mass(alts[0]["emissions_gco2e"])}<' in page


def test_hardware_and_region_lookups(c):
    g = c.get("/api/hardware?kind=gpu&q=h100").json()
    names = [i["value"] for i in g["items"]]
    assert names and all("H100" in n for n in names)
    assert any("TDP" in i["detail"] for i in g["items"])
    inst = c.get("/api/hardware?kind=instance&q=p4d").json()["items"]
    assert [i["value"] for i in inst][:2] == ["p4d.24xlarge", "p4de.24xlarge"]
    assert "A100" in inst[0]["detail"]
    cpu = c.get("/api/hardware?kind=cpu&q=epyc 7763").json()["items"]
    assert cpu and all("7763" in i["value"] for i in cpu)
    assert len(c.get("/api/hardware?kind=cpu").json()["items"]) == calc.SUGGEST  # capped, not 5,000 rows
    bad = c.get("/api/hardware?kind=quantum")
    assert bad.status_code == 400 and "gpu, instance, cpu" in bad.json()["error"]
    reg = c.get("/api/regions?q=france").json()["items"]
    assert reg[0]["value"] == "FR" and "gCO2e/kWh" in reg[0]["detail"]
    from wattwise.regions import all_regions

    assert len(c.get("/api/regions").json()["items"]) == len(all_regions())


def test_calculator_is_read_only(c):
    for path in ("/calculator", "/api/estimate"):
        r = c.post(path, data={"hw": "T4"})
        assert r.status_code == 405 and "Read-only" in r.text


def test_runs_with_no_store_and_a_store(demo_store):
    """The calculator needs no run store; with one, the pages still come from the same app."""
    path, _ = demo_store
    c = TestClient(create_app(str(path)))
    assert c.get("/calculator?" + urlencode(JOB)).status_code == 200
    assert c.get("/").status_code == 200

