"""The dashboard's Models page, the HTML report's evaluation block: served in process over HTTP
(Starlette's TestClient) and, for the charts, in real headless Chromium."""
from __future__ import annotations

import json
import re
import socket
import threading
import time
import warnings
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("starlette")
pytest.importorskip("jinja2")
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient  # noqa: E402

import wattwise  # noqa: E402
from wattwise.web import create_app  # noqa: E402

CHROMIUM = Path("/usr/bin/chromium")


@pytest.fixture(scope="module")
def evaluated(tmp_path_factory):
    """Three digit classifiers (project 'digits'), one regression and one model named with markup."""
    from sklearn.datasets import load_diabetes, load_digits
    from sklearn.linear_model import LogisticRegression, Ridge
    from sklearn.naive_bayes import GaussianNB
    from sklearn.tree import DecisionTreeClassifier

    from wattwise.testing import FakePowercap

    tmp = tmp_path_factory.mktemp("models")
    db = str(tmp / "runs.db")
    fake = FakePowercap(tmp / "sys")
    kw = dict(scope="node", powercap_root=str(fake.root), gpu=False, install_handlers=False, store=db, region="FR",
              idle_s=0, batch_size=32)

    def charged(model, j):
        def predict(batch):
            fake.advance(0, package_j=j * len(batch))
            return model.predict(batch)
        return predict

    X, y = load_digits(return_X_y=True)
    ink = np.where((X[1200:] > 0).sum(axis=1) > 30, "heavy", "light")
    ids = {}
    for name, model, j in (("logreg", LogisticRegression(max_iter=3000), 0.61), ("bayes", GaussianNB(), 0.13),
                           ("tree", DecisionTreeClassifier(random_state=0), 0.97)):
        model.fit(X[:1200], y[:1200])
        ids[name] = wattwise.evaluate(charged(model, j), X[1200:], y[1200:], groups={"ink": ink}, name=name,
                                      project="digits", **kw).run_id
    Xd, yd = load_diabetes(return_X_y=True)
    ids["ridge"] = wattwise.evaluate(charged(Ridge().fit(Xd[:300], yd[:300]), 0.2), Xd[300:], yd[300:], metric="mae",
                                     name="ridge", project="diabetes", **kw).run_id
    ids["evil"] = wattwise.evaluate(charged(GaussianNB().fit(X[:1200], y[:1200]), 0.3), X[1200:1300], y[1200:1300],
                                    name="<script>alert(1)</script>", project="<b>x</b>", **kw).run_id
    with wattwise.track(store=db, sensors=[], install_handlers=False):  # an ordinary run is not a model
        pass
    return db, ids


@pytest.fixture
def client(evaluated):
    return TestClient(create_app(evaluated[0]))


def test_the_page_lists_models_with_front_groups_and_cards(client, evaluated):
    db, ids = evaluated
    r = client.get("/models?project=digits")
    assert r.status_code == 200 and "script-src 'self'" in r.headers["content-security-policy"]
    html = r.text
    assert re.search(r'<a href="/models"[^>]*aria-current="page"', html)
    table = html[html.index('<table class="data models">'):]
    table = table[:table.index("</table>")]
    rows = re.findall(r'<tr( class="front")?>\s*<th scope="row">(\w+)', table)
    assert {name for _, name in rows} == {"logreg", "bayes", "tree"}
    front = wattwise.pareto([wattwise.evaluate.load(ids[n], db) for n in ("logreg", "bayes", "tree")])
    assert sorted(name for cls, name in rows if cls) == sorted(front)
    for n in ("logreg", "bayes", "tree"):
        assert f'href="/runs/{ids[n]}"' in html
    # the scatter: one point per model, the front's members marked and joined
    points = re.findall(r'<g class="point( on-front)?" data-name="([^"]+)">', html)
    assert sorted(n for _, n in points) == ["bayes", "logreg", "tree"]
    assert sorted(n for f, n in points if f) == sorted(front)
    assert ('<polyline class="front"' in html) == (len(front) > 1)
    # per-group bars: a bar per model and subset, titled with its value and interval, in the table's order
    bars = re.findall(r'<g class="bar"><rect [^>]*><title>([^<]+)</title>', html)
    assert len(bars) == 3 * 2
    ev = wattwise.evaluate.load(ids["bayes"], db)
    for g in ev.groups:
        lo, hi = g["ci95"]
        want = f"bayes, ink={g['group']}: {g['value']:.3f} [{lo:.3f}, {hi:.3f}]"
        assert want in bars
    assert [b.split(",")[0] for b in bars[:3]] == [name for _, name in rows] == ["tree", "bayes", "logreg"]  # newest first
    assert "does not start at 0" in html
    assert "µgCO2e" in html or "mgCO2e" in html
    assert html.count("model-index:") == 3  # a model-card block per model


def test_metrics_are_not_mixed_and_markup_is_text(client):
    html = client.get("/models").text
    assert "ridge" not in html  # another metric: offered in the selector, not mixed in
    assert '<option value="mae"' in html and "with another metric are not shown" in html
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    html = client.get("/models?metric=mae").text
    assert "ridge" in html and "logreg" not in html and "mae" in html
    assert client.get("/models?project=none").status_code == 200
    assert "No evaluations in this store" in client.get("/models?project=none").text


def test_empty_store_and_nav(tmp_path):
    c = TestClient(create_app(str(tmp_path / "nothing.db")))
    r = c.get("/models")
    assert r.status_code == 200 and "No evaluations in this store" in r.text and "wattwise.evaluate(" in r.text
    assert 'href="/models"' in c.get("/").text


def test_the_report_of_an_evaluation_run_has_its_block(client, evaluated):
    db, ids = evaluated
    html = client.get(f"/runs/{ids['logreg']}/report.html").text
    block = html[html.index('<section id="evaluation">'):]
    assert "Evaluation: logreg" in block and "ink=heavy" in block and "energy per 1,000 inferences" in block
    assert "model-index:" in block and "wilson" in block
    html = client.get(f"/runs/{ids['ridge']}/report.html").text
    assert "bootstrap" in html and "1000 resamples, seed 0" in html


def _serve(db):
    import uvicorn

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(64)
    server = uvicorn.Server(uvicorn.Config(create_app(db), log_level="warning", access_log=False, lifespan="off"))
    th = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    th.start()
    deadline = time.monotonic() + 30
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    return server, th, sock


@pytest.mark.browser
@pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed (apt-get install -y chromium)")
def test_models_page_in_a_real_browser(evaluated, tmp_path):
    sync_api = pytest.importorskip("playwright.sync_api")
    pytest.importorskip("uvicorn")
    server, th, sock = _serve(evaluated[0])
    url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    try:
        with sync_api.sync_playwright() as pw:
            b = pw.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox", "--disable-gpu"])
            page = b.new_page(viewport={"width": 1280, "height": 1000})
            errors, urls = [], []
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.on("request", lambda r: urls.append(r.url))
            page.goto(f"{url}/models?project=digits")
            page.wait_for_selector("#pareto-scatter circle", timeout=30000)
            assert page.locator("#pareto-scatter circle").count() == 3
            assert page.locator("#group-bars g.bar rect").count() == 6
            page.locator("#model-cards summary", has_text="logreg").click()  # a model card opens
            card = page.locator("#model-cards details[open] pre")
            assert card.is_visible() and 'name: "logreg"' in card.inner_text()
            box = page.locator("#pareto-scatter svg").bounding_box()
            assert box["width"] > 300 and box["height"] > 100
            page.screenshot(path=str(tmp_path / "models.png"), full_page=True)
            b.close()
    finally:
        server.should_exit = True
        th.join(timeout=10)
        sock.close()
    assert errors == []
    assert all(u.startswith(url) for u in urls)
