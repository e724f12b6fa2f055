"""Every dashboard route, in process over HTTP (Starlette's TestClient): status, content,
escaping, the empty store and missing runs."""
from __future__ import annotations

import csv
import io
import json
import re

import pytest

pytest.importorskip("starlette")
pytest.importorskip("jinja2")

from starlette.testclient import TestClient  # noqa: E402

from wattwise.store import open_store  # noqa: E402
from wattwise.web import create_app  # noqa: E402
from wattwise.web.pages import PAGES  # noqa: E402


@pytest.fixture
def client(demo_store):
    path, ids = demo_store
    return TestClient(create_app(str(path))), ids


def nav_html(html: str) -> str:
    return re.search(r'<nav aria-label="pages">(.*?)</nav>', html, re.S).group(1)


# -- runs ---------------------------------------------------------------------------------
def test_runs_page_lists_runs_newest_first_with_units_and_badges(client):
    c, ids = client
    r = c.get("/")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/html")
    order = [m for m in re.findall(r'href="/runs/([0-9a-f]{12})"', r.text)]
    assert order == [ids["evil"], ids["hourly"], ids["vm"], ids["gpu"]]
    assert "Runs 1–4 of 4" in r.text
    assert "kWh" in r.text and "gCO2e" in r.text
    assert 'class="badge partly"' in r.text  # GPU run: measured cpu/gpu, modelled ram
    assert 'class="badge estimated"' in r.text  # VM run: everything modelled
    assert "what the numbers mean" in r.text.lower()


def test_runs_page_filters_by_project_and_text(client):
    c, ids = client
    r = c.get("/?project=bert")
    found = set(re.findall(r'href="/runs/([0-9a-f]{12})"', r.text))
    assert found == {ids["gpu"], ids["vm"]}
    r = c.get("/?q=tokenizer")
    assert set(re.findall(r'href="/runs/([0-9a-f]{12})"', r.text)) == {ids["vm"]}
    r = c.get("/?q=no-such-thing-anywhere")
    assert r.status_code == 200 and "No run matches" in r.text


@pytest.mark.parametrize("sort", ["start", "run_id", "project", "name", "duration", "energy", "emissions", "region",
                                  "method", "status"])
def test_runs_page_sorts_by_every_column(client, sort):
    c, ids = client
    asc = c.get(f"/?sort={sort}&dir=asc")
    desc = c.get(f"/?sort={sort}&dir=desc")
    assert asc.status_code == desc.status_code == 200
    a = re.findall(r'href="/runs/([0-9a-f]{12})"', asc.text)
    d = re.findall(r'href="/runs/([0-9a-f]{12})"', desc.text)
    assert sorted(a) == sorted(d) == sorted(ids.values())
    assert f'aria-sort="{"ascending"}"' in asc.text


def test_runs_page_sort_order_is_right_for_numbers(client):
    c, ids = client
    d = re.findall(r'href="/runs/([0-9a-f]{12})"', c.get("/?sort=energy&dir=desc").text)
    assert d[0] == ids["hourly"]  # 4 h of GPU training: the most energy
    assert d[-1] == ids["vm"]  # 15 min on a small VM: the least


def test_runs_page_paginates(store_path, many_runs):
    many_runs(store_path, 60)
    c = TestClient(create_app(str(store_path)))
    p1 = c.get("/?per=25")
    assert "Runs 1–25 of 60" in p1.text
    ids1 = re.findall(r'href="/runs/([0-9a-f]{12})"', p1.text)
    p3 = c.get("/?per=25&page=3")
    ids3 = re.findall(r'href="/runs/([0-9a-f]{12})"', p3.text)
    assert len(ids1) == 25 and len(ids3) == 10 and not set(ids1) & set(ids3)
    assert 'rel="next"' in p1.text and 'rel="prev"' not in p1.text
    # out-of-range and malformed pages clamp instead of failing
    assert "Runs 51–60 of 60" in c.get("/?per=25&page=99").text
    assert "Runs 1–25 of 60" in c.get("/?per=25&page=abc").text
    assert c.get("/?per=7").status_code == 200  # unknown page size falls back to 50


def test_runs_page_keeps_filters_in_sort_and_page_links(store_path, many_runs):
    many_runs(store_path, 30, project="p1")
    c = TestClient(create_app(str(store_path)))
    html = c.get("/?project=p1&per=25").text
    assert 'href="/?project=p1&amp;sort=energy&amp;dir=desc&amp;per=25"' in html
    assert "project=p1&amp;page=2&amp;per=25" in html


# -- empty and missing --------------------------------------------------------------------
def test_empty_store_file_missing_shows_how_to_start(store_path):
    c = TestClient(create_app(str(store_path)))
    r = c.get("/")
    assert r.status_code == 200
    assert "No runs yet" in r.text and "wattwise run" in r.text
    assert not store_path.exists()  # read-only: the dashboard creates nothing
    assert c.get("/runs/abc").status_code == 404
    assert c.get("/compare?run=abc&run=def").status_code == 404


def test_empty_but_existing_store(store_path):
    open_store(store_path).close()
    c = TestClient(create_app(str(store_path)))
    assert "No runs yet" in c.get("/").text


def test_missing_run_is_a_404_page(client):
    c, _ = client
    r = c.get("/runs/ffffffffffff")
    assert r.status_code == 404
    assert "Not found" in r.text and "no run with id" in r.text
    assert '<nav aria-label="pages">' in r.text  # a real page, with navigation back
    assert c.get("/runs/ffffffffffff/export/csv").status_code == 404
    assert c.get("/runs/ffffffffffff/report.html").status_code == 404


def test_unknown_path_is_a_404_page(client):
    c, _ = client
    r = c.get("/no/such/page")
    assert r.status_code == 404 and "There is no page at /no/such/page" in r.text


def test_writes_are_refused(client):
    c, ids = client
    for method in ("post", "put", "delete", "patch"):
        r = getattr(c, method)(f"/runs/{ids['gpu']}")
        assert r.status_code == 405
        assert "never changes them" in r.text


def test_corrupt_store_gives_an_error_page_not_a_traceback(tmp_path):
    bad = tmp_path / "bad.db"
    bad.write_bytes(b"this is not a database" * 100)
    r = TestClient(create_app(str(bad))).get("/")
    assert r.status_code == 503
    assert "not a valid SQLite database" in r.text and "Traceback" not in r.text


# -- run detail ---------------------------------------------------------------------------
def test_run_page_shows_figures_provenance_and_charts(client):
    c, ids = client
    r = c.get(f"/runs/{ids['gpu']}")
    assert r.status_code == 200
    html = r.text
    for text in ("bert-base fine-tune", "rapl:package-0", "nvml:total_energy", "Green Algorithms", "Germany",
                 "annual average", "What is not counted", "embodied (manufacturing) emissions", "epoch 1", "epoch 3",
                 "co2_eq_emissions:", "For a paper", "kWh", "gCO2e"):
        assert text in html, text
    assert 'data-chart="power"' in html and 'data-chart="emissions"' in html
    assert 'data-chart="intensity"' not in html  # annual figure: no hour-by-hour chart
    data = json.loads(re.search(r'<script type="application/json" id="chart-power">(.*?)</script>', html, re.S).group(1))
    assert [d["label"] for d in data["datasets"]] == ["cpu", "gpu:0", "ram"]
    assert [b["name"] for b in data["bands"]] == ["epoch 1", "epoch 2", "epoch 3"]
    assert data["bands"][0]["x0"] == 0 and data["bands"][2]["x1"] == pytest.approx(3.0)  # hours
    # ram is modelled at a constant 14 W: the chart's power is exact (energy difference / time)
    assert all(p == pytest.approx(14.0) for p in data["datasets"][2]["data"])
    for fmt in ("csv", "jsonl", "codecarbon", "model-card", "json"):
        assert f'href="/runs/{ids["gpu"]}/export/{fmt}"' in html
    assert f'href="/runs/{ids["gpu"]}/report.html"' in html


def test_run_page_cumulative_emissions_end_at_the_runs_total(client, demo_store):
    c, ids = client
    html = c.get(f"/runs/{ids['gpu']}").text
    em = json.loads(re.search(r'id="chart-emissions">(.*?)</script>', html, re.S).group(1))
    st = open_store(demo_store[0], readonly=True)
    total_g = st.get_run(ids["gpu"])["emissions_g"]
    assert em["ylabel"] == "cumulative emissions (gCO2e)"
    assert em["y"][-1] == pytest.approx(total_g, rel=1e-6)
    assert all(b >= a for a, b in zip(em["y"], em["y"][1:]))


def test_run_page_hourly_intensity_chart(client):
    c, ids = client
    html = c.get(f"/runs/{ids['hourly']}").text
    assert 'data-chart="intensity"' in html
    assert "hour by hour" in html
    it = json.loads(re.search(r'id="chart-intensity">(.*?)</script>', html, re.S).group(1))
    assert len(it["y"]) >= 5 and it["ylabel"] == "grid intensity (gCO2e/kWh)"


def test_run_page_by_id_prefix_redirects_to_full_id(client):
    c, ids = client
    r = c.get(f"/runs/{ids['gpu'][:5]}", follow_redirects=False)
    assert r.status_code == 302 and r.headers["location"] == f"/runs/{ids['gpu']}"


def test_estimated_run_says_so_and_how(client):
    c, ids = client
    html = c.get(f"/runs/{ids['vm']}").text
    assert "Estimated figures." in html
    assert "None of this energy was read from a hardware meter" in " ".join(html.split())
    assert "ccf:EPYC 3rd Gen" in html
    gpu = " ".join(c.get(f"/runs/{ids['gpu']}").text.split())
    assert re.search(r"The energy of ram \([\d.]+ % of the energy\) was not read from a hardware meter", gpu)


def test_run_measured_by_the_real_tracker(tracked_store):
    path, m = tracked_store
    c = TestClient(create_app(str(path)))
    html = c.get(f"/runs/{m.run_id}").text
    assert "rapl:" in html and "nvml:" in html and "epoch 2" in html
    assert 'class="badge measured"' in html
    data = json.loads(re.search(r'id="chart-power">(.*?)</script>', html, re.S).group(1))
    assert {d["label"] for d in data["datasets"]} >= {"cpu", "gpu:0"}
    assert len(data["x"]) >= 5


# -- exports ------------------------------------------------------------------------------
def test_exports_download(client):
    c, ids = client
    r = c.get(f"/runs/{ids['gpu']}/export/csv")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert f'filename="wattwise-{ids["gpu"]}.csv"' in r.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert {x["record"] for x in rows} == {"run", "component", "window", "sample"}
    r = c.get(f"/runs/{ids['gpu']}/export/json")
    assert json.loads(r.text)["run_id"] == ids["gpu"]
    r = c.get(f"/runs/{ids['gpu']}/export/model-card")
    assert r.text.startswith("co2_eq_emissions:") and ".yaml" in r.headers["content-disposition"]
    r = c.get(f"/runs/{ids['gpu']}/export/codecarbon")
    assert r.text.startswith("timestamp,project_name,run_id")
    r = c.get(f"/runs/{ids['gpu']}/export/xlsx")
    assert r.status_code == 404 and "no export format" in r.text


def test_report_download_is_self_contained(client):
    c, ids = client
    r = c.get(f"/runs/{ids['gpu']}/report.html")
    assert r.status_code == 200
    assert "attachment" in r.headers["content-disposition"]
    assert "<script src=" not in r.text and "<link " not in r.text
    assert "Chart.js v" in r.text


# -- compare ------------------------------------------------------------------------------
def test_compare_two_runs(client):
    c, ids = client
    r = c.get(f"/compare?run={ids['gpu']}&run={ids['hourly']}")
    assert r.status_code == 200
    html = r.text
    assert 'data-chart="bars"' in html
    assert "Energy by part of the hardware" in html and "gpu:0" in html
    assert "Windows (energy · emissions)" in html and "epoch 2" in html
    data = json.loads(re.search(r'id="chart-compare-energy">(.*?)</script>', html, re.S).group(1))
    assert [d["label"] for d in data["datasets"]] == ["cpu", "gpu:0", "ram"]
    assert len(data["labels"]) == 2


def test_compare_accepts_typed_prefixes_and_explains_when_too_few(client):
    c, ids = client
    r = c.get("/compare")
    assert r.status_code == 200 and "Tick two or more runs" in r.text
    r = c.get(f"/compare?ids={ids['gpu'][:6]}+{ids['vm'][:6]}")
    assert r.status_code == 200 and ids["gpu"] in r.text and ids["vm"] in r.text and 'data-chart="bars"' in r.text
    r = c.get(f"/compare?run={ids['gpu']}&run=zzzz")
    assert r.status_code == 404 and "zzzz" in r.text


# -- regions and help ---------------------------------------------------------------------
def test_regions_cleanest_first_with_sources(client):
    c, _ = client
    r = c.get("/regions")
    assert r.status_code == 200
    vals = [float(x.replace(",", "")) for x in re.findall(r'<td class="num">([\d,.]+) gCO2e/kWh</td>', r.text)]
    assert len(vals) > 50 and vals == sorted(vals)
    assert "Sources" in r.text and "CC BY 4.0" in r.text
    fr = c.get("/regions?q=france").text
    assert "<code>FR</code>" in fr and "<code>DE</code>" not in fr
    assert c.get("/regions?kind=country").status_code == 200


def test_help_page_explains_units(client):
    c, _ = client
    html = c.get("/help").text
    for t in ("kWh", "gCO2e", "PUE", "estimated", "measured", "Scope"):
        assert t in html


# -- escaping and headers -----------------------------------------------------------------
def test_markup_in_stored_names_is_shown_not_run(client):
    c, ids = client
    for url in ("/", f"/runs/{ids['evil']}", f"/compare?run={ids['evil']}&run={ids['gpu']}", "/?project=%3Cscript%3E",
                f"/runs/{ids['evil']}/report.html"):
        html = c.get(url).text
        assert "<script>alert(1)</script>" not in html, url
        assert "<img src=x onerror" not in html, url
        assert "<b>bold</b>" not in html, url
    html = c.get(f"/runs/{ids['evil']}").text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;img src=x onerror=alert(2)&gt;" in html
    # the project list in the filter escapes too
    assert "&lt;script&gt;alert(1)&lt;/script&gt;</option>" in c.get("/").text


def test_markup_in_urls_is_escaped_in_the_404_page(client):
    c, _ = client
    r = c.get("/runs/%3Cscript%3Ealert(1)%3C%2Fscript%3E")
    assert r.status_code == 404
    assert "<script>alert(1)" not in r.text and "&lt;script&gt;alert(1)" in r.text


def test_security_headers_forbid_other_origins(client):
    c, _ = client
    r = c.get("/")
    csp = r.headers["content-security-policy"]
    assert "default-src 'none'" in csp and "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["server-timing"].startswith("app;dur=")
    assert "https://" not in r.text and "http://" not in r.text  # no CDN, nothing remote


def test_allowed_hosts_reject_dns_rebinding(demo_store):
    path, _ = demo_store
    c = TestClient(create_app(str(path), allowed_hosts=["127.0.0.1", "localhost"]), base_url="http://evil.example")
    assert c.get("/").status_code == 400
    ok = TestClient(create_app(str(path), allowed_hosts=["127.0.0.1", "localhost"]), base_url="http://127.0.0.1:8787")
    assert ok.get("/").status_code == 200


def test_static_assets_are_served_from_the_package(client):
    c, _ = client
    js = c.get("/static/chart.umd.min.js")
    assert js.status_code == 200 and "Chart.js v4" in js.text[:200]
    assert "sourceMappingURL" not in js.text
    assert c.get("/static/app.js").status_code == 200
    assert c.get("/static/app.css").status_code == 200
    assert c.get("/static/favicon.svg").status_code == 200
    assert c.get("/static/nope.js").status_code == 404


# -- navigation ---------------------------------------------------------------------------
def test_navigation_lists_only_pages_this_build_has(client):
    c, _ = client
    nav = nav_html(c.get("/").text)
    for p in PAGES:
        assert (f'href="{p.path}"' in nav) == p.available(), p.key
    for p in PAGES:
        if p.module and not p.available():
            assert c.get(p.path).status_code == 404


def test_page_availability_follows_importable_modules():
    from wattwise.web.pages import Page

    assert Page("x", "X", "/x", "", capability="json", module="wattwise.web.views").available()
    assert not Page("x", "X", "/x", "", capability="wattwise.no_such_capability").available()
    assert not Page("x", "X", "/x", "", capability="json", module="wattwise.web.no_such_page").available()


def test_interrupted_run_is_shown_from_its_samples(store_path):
    """A run whose measuring process died leaves only its row and samples; the page rebuilds it."""
    import subprocess
    import sys

    from wattwise.intensity.static import static_intensity

    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    st = open_store(store_path)
    st.create_run("dead00000001", project="killed", start_ts=1_767_225_600.0, scope="node", region="FR", pue=1.0,
                  pid=int(dead.stdout), meta={"interval_s": 1.0, "intensity": static_intensity("FR").to_dict(),
                                              "components": [{"name": "cpu", "method": "measured",
                                                              "source": "rapl:package-0"}]})
    st.append_samples("dead00000001", [(1_767_225_600.0 + k, "cpu", 50.0 * k, 50.0) for k in range(1, 61)])
    st.close()
    c = TestClient(create_app(str(store_path)))
    assert "interrupted" in c.get("/").text
    html = c.get("/runs/dead00000001").text
    assert "status interrupted" in html and "rebuilt from the samples" in html
    assert "rapl:package-0" in html and 'data-chart="power"' in html
    data = json.loads(re.search(r'id="chart-power">(.*?)</script>', html, re.S).group(1))
    assert data["datasets"][0]["data"][-1] == pytest.approx(50.0)
