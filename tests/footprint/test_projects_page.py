"""The dashboard's Projects page over HTTP (Starlette's test client; the browser test drives it in Chromium)."""
from __future__ import annotations

import warnings

import pytest

pytest.importorskip("starlette")
pytest.importorskip("jinja2")
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

from _example import build  # noqa: E402
from _runs import T0, write_run  # noqa: E402
from wattwise.footprint import Ledger  # noqa: E402
from wattwise.store import open_store  # noqa: E402


@pytest.fixture
def client_for():
    def make(path):
        from wattwise.web import create_app

        return TestClient(create_app(str(path)))
    return make


def test_list_page_and_project_page(tmp_path, client_for):
    db = tmp_path / "runs.db"
    st = open_store(db)
    build(st)
    write_run(st, "only-runs-1", project="runs-only", start=T0, hours=1.5)
    Ledger("trips only", store=st).add("train", km=120, people=2)
    st.close()
    c = client_for(db)
    r = c.get("/projects")
    assert r.status_code == 200 and r.headers["content-security-policy"].startswith("default-src 'none'")
    for name in ("summarizer", "runs-only", "trips only"):
        assert name in r.text
    assert 'href="/projects/trips%20only"' in r.text
    assert r.text.index("summarizer") < r.text.index("runs-only")  # largest first
    r = c.get("/projects/summarizer")
    assert r.status_code == 200 and '<svg class="fp-pie"' in r.text and 'class="fp-timeline"' in r.text
    assert 'href="/static/footprint.css"' in r.text and "style=" not in r.text.split("<main>", 1)[1]
    assert c.get("/static/footprint.css").status_code == 200
    assert c.get("/projects/trips%20only").status_code == 200
    r = c.get("/projects/summarizer/report.html")
    assert r.status_code == 200 and r.headers["content-disposition"] == 'attachment; filename="footprint-summarizer.html"'
    assert "<style>" in r.text and "<script" not in r.text
    assert c.get("/projects/nobody").status_code == 404
    r = c.get("/?project=summarizer")
    assert 'href="/projects/summarizer"' in r.text


def test_empty_and_missing_stores(tmp_path, client_for):
    r = client_for(tmp_path / "absent.db").get("/projects")
    assert r.status_code == 200 and "No projects yet" in r.text


def test_nav_lists_the_page():
    from wattwise.web.pages import nav_pages

    assert "projects" in [p.key for p in nav_pages()]
