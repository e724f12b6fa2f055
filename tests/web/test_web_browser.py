"""The dashboard in a real headless Chromium (Debian's package, driven by Playwright).

Each page is served by uvicorn on 127.0.0.1 from a background thread. Checked: charts are
drawn (a canvas with painted pixels per chart), no console errors, no request leaves the
server, pages work without JavaScript, stored markup is not executed, forms and links work,
and the HTML report draws its charts from a file:// URL with no network.

Screenshots go to the test's tmp dir; with WATTWISE_UPDATE_SCREENSHOTS=1 they are also
written to docs/screenshots/ (the README's pictures).
"""
from __future__ import annotations

import math
import os
import shutil
import socket
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
REPO = Path(__file__).resolve().parents[2]
SHOTS = REPO / "docs" / "screenshots"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed at /usr/bin/chromium "
                                                     "(apt-get install -y chromium)"),
]
sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed (pip install playwright)")
pytest.importorskip("uvicorn")


@contextmanager
def serve(path, *, label: str | None = None):
    import uvicorn

    from wattwise.web import create_app

    app = create_app(str(path))
    if label:  # cosmetic, for the README's screenshots: a typical store path instead of pytest's tmp dir
        app.state.ctx.store()
        app.state.ctx.url = label
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(64)
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off"))
    th = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    th.start()
    deadline = time.time() + 20
    while not server.started and time.time() < deadline:
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        th.join(timeout=10)
        sock.close()


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield b
        b.close()


class Watch:
    """Console errors, page errors, dialogs and every requested URL of one page."""

    def __init__(self, page):
        self.errors, self.dialogs, self.urls = [], [], []
        page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: self.errors.append(str(e)))
        page.on("request", lambda r: self.urls.append(r.url))

        def dialog(d):
            self.dialogs.append(d.message)
            d.dismiss()
        page.on("dialog", dialog)


@pytest.fixture
def page(browser):
    ctx = browser.new_context(viewport={"width": 1280, "height": 900}, device_scale_factor=1)
    p = ctx.new_page()
    p.watch = Watch(p)
    yield p
    ctx.close()


def showcase(path):
    """Runs that tell a story: the same fine-tune on three grids, a 2-GPU LoRA run, an
    hour-by-hour run, an estimated CPU-only job."""
    from wattwise.store import open_store

    from _webruns import GPU_HW, T0, VM_HW, write_run

    def gpu_curve(epoch_s, base=255.0, n=1):
        def w(t):
            into = t % epoch_s
            if into < 60:  # data loading at the start of each epoch
                return 70.0 * n
            if epoch_s - into < 240:  # evaluation at its end
                return 150.0 * n
            return (base + 30 * math.sin(t / 97) + 12 * math.sin(t / 13)) * n
        return w

    st = open_store(path)
    comps = lambda e, n=1: {  # noqa: E731
        "cpu": ("measured", "rapl:package-0", lambda t: 88 + 14 * math.sin(t / 53)),
        **{f"gpu:{i}": ("measured", "nvml:total_energy", gpu_curve(e)) for i in range(n)},
        "ram": ("modelled", "Green Algorithms 0.3725 W/GB (Lannelongue et al. 2021, CC BY 4.0)", lambda t: 14.3)}
    two_gpu = dict(GPU_HW, gpus=[{"index": 0, "name": "NVIDIA A100-SXM4-40GB"}, {"index": 1, "name": "NVIDIA A100-SXM4-40GB"}])
    write_run(st, "a1b2c3d4e5f6", project="bert", name="bert-base fine-tune (Germany)", start=T0, duration_s=3 * 3600,
              interval=15.0, epochs=3, region="DE", components=comps(3600), command="python finetune.py --epochs 3")
    write_run(st, "b2c3d4e5f6a1", project="bert", name="bert-base fine-tune (France)", start=T0 + 4 * 3600,
              duration_s=3 * 3600, interval=15.0, epochs=3, region="FR", components=comps(3600),
              command="python finetune.py --epochs 3")
    write_run(st, "c3d4e5f6a1b2", project="bert", name="bert-base fine-tune (Poland)", start=T0 + 8 * 3600,
              duration_s=3 * 3600, interval=15.0, epochs=3, region="PL", components=comps(3600),
              command="python finetune.py --epochs 3")
    write_run(st, "d4e5f6a1b2c3", project="llama-lora", name="lora r=16, 2 GPUs", start=T0 + 12 * 3600,
              duration_s=2 * 3600, interval=10.0, epochs=4, region="BE", hardware=two_gpu,
              components=comps(1800, 2), pue=1.1, command="torchrun --nproc-per-node 2 lora.py")
    write_run(st, "e5f6a1b2c3d4", project="resnet", name="resnet50, hour-by-hour grid", start=T0 + 15 * 3600,
              duration_s=4 * 3600, interval=30.0, region="GB", components=comps(4 * 3600),
              series=[(T0 + (15 + h) * 3600, 140 + 70 * math.cos(h / 1.3)) for h in range(-1, 6)],
              command="python train_resnet.py")
    write_run(st, "f6a1b2c3d4e5", project="tokenizer", name="build vocabulary", start=T0 + 20 * 3600, duration_s=900,
              interval=5.0, hardware=VM_HW, region="US", command="python build_vocab.py", components={
                  "cpu": ("modelled", "ccf:EPYC 3rd Gen 0.46-1.96 W per vCPU x 8 vCPU(s)", lambda t: 11 + 3 * math.sin(t / 40)),
                  "ram": ("modelled", "Green Algorithms 0.3725 W/GB (Lannelongue et al. 2021, CC BY 4.0)", lambda t: 3.1)})
    st.close()


@pytest.fixture(scope="module")
def showcase_url(tmp_path_factory):
    path = tmp_path_factory.mktemp("showcase") / "runs.db"
    showcase(path)
    with serve(path, label="~/.local/share/wattwise/runs.db") as url:
        yield url


def shoot(page, name: str, tmp_path, full_page=True):
    out = tmp_path / f"{name}.png"
    page.screenshot(path=str(out), full_page=full_page)
    if os.environ.get("WATTWISE_UPDATE_SCREENSHOTS") == "1":
        SHOTS.mkdir(parents=True, exist_ok=True)
        shutil.copy(out, SHOTS / f"{name}.png")
    return out


def charts_drawn(page) -> list[int]:
    """Painted (non-transparent) pixels per chart canvas."""
    return page.evaluate("""() => Array.from(document.querySelectorAll('figure.chart canvas')).map(c => {
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        let n = 0; for (let i = 3; i < d.length; i += 4) if (d[i]) n++; return n; })""")


def load(page, url):
    page.goto(url)
    page.wait_for_load_state("networkidle")
    n = page.locator("figure.chart").count()
    if n:
        page.wait_for_function(f"document.querySelectorAll('figure.chart[data-rendered]').length === {n}", timeout=10000)
    return n


@pytest.mark.parametrize("name,path,charts", [
    ("runs", "/", 0),
    ("run", "/runs/a1b2c3d4e5f6", 2),
    ("run-hourly", "/runs/e5f6a1b2c3d4", 3),
    ("compare", "/compare?run=a1b2c3d4e5f6&run=b2c3d4e5f6a1&run=c3d4e5f6a1b2", 2),
    ("regions", "/regions", 0),
    ("help", "/help", 0),
])
def test_page_loads_and_draws_its_charts(page, showcase_url, tmp_path, name, path, charts):
    n = load(page, showcase_url + path)
    assert n == charts
    painted = charts_drawn(page)
    assert len(painted) == charts and all(p > 2000 for p in painted), painted
    assert page.watch.errors == []
    assert all(u.startswith(showcase_url) for u in page.watch.urls), page.watch.urls
    if name.startswith("run-") or name == "run":  # the data tables fold into a "show the numbers" box
        assert page.locator("figure.chart details > summary").count() >= 1
    shoot(page, name, tmp_path, full_page=name not in ("regions",))


def test_runs_page_filter_sort_and_compare_by_clicking(page, showcase_url):
    load(page, showcase_url + "/")
    assert page.locator("table.runs tbody tr").count() == 6
    page.select_option("select[name=project]", "bert")
    page.click("form.filters button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert "project=bert" in page.url
    assert page.locator("table.runs tbody tr").count() == 3
    page.click("thead >> text=Emissions")
    page.wait_for_load_state("networkidle")
    first = page.locator("table.runs tbody tr").first.inner_text()
    assert "Poland" in first  # the most carbon-intensive grid of the three comes first
    page.check("input[value=a1b2c3d4e5f6]")
    page.check("input[value=b2c3d4e5f6a1]")
    page.click("text=Compare selected")
    page.wait_for_function("document.querySelectorAll('figure.chart[data-rendered]').length === 2")
    assert "/compare?" in page.url
    assert page.locator("table.compare thead th").count() == 3
    page.click("nav[aria-label=pages] >> text=Regions")
    page.wait_for_load_state("networkidle")
    assert page.url.endswith("/regions") and page.locator("table.regions tbody tr").count() > 50
    assert page.watch.errors == []


def test_pages_work_without_javascript(browser, showcase_url):
    ctx = browser.new_context(java_script_enabled=False)
    p = ctx.new_page()
    try:
        p.goto(showcase_url + "/runs/a1b2c3d4e5f6")
        assert p.locator("canvas").count() == 0
        table = p.locator("figure.chart .chart-fallback table").first
        assert table.is_visible()
        assert table.locator("tbody tr").count() > 10
        p.goto(showcase_url + "/compare?run=a1b2c3d4e5f6&run=b2c3d4e5f6a1")
        assert p.locator("table.compare").is_visible()
    finally:
        ctx.close()


def test_stored_markup_is_shown_not_run(page, demo_store):
    path, ids = demo_store
    with serve(path) as url:
        for u in ("/", f"/runs/{ids['evil']}", f"/compare?run={ids['evil']}&run={ids['gpu']}"):
            load(page, url + u)
            assert page.get_by_text("<script>alert(1)</script>").count() >= 1, u
        assert page.watch.dialogs == []
        assert page.evaluate("document.querySelectorAll('main script:not([type]), main img').length") == 0
        assert page.watch.errors == []


def test_report_opens_offline_and_draws_charts(page, showcase_url, tmp_path):
    import urllib.request

    out = tmp_path / "report.html"
    with urllib.request.urlopen(showcase_url + "/runs/a1b2c3d4e5f6/report.html", timeout=30) as r:
        out.write_bytes(r.read())
    page.route("**/*", lambda route: route.continue_() if route.request.url.startswith("file://") else route.abort())
    page.goto(out.as_uri())
    page.wait_for_function("document.querySelectorAll('figure.chart[data-rendered]').length === 2", timeout=10000)
    assert all(p > 2000 for p in charts_drawn(page))
    assert page.watch.errors == []
    assert [u for u in page.watch.urls if not u.startswith("file://")] == []
    shoot(page, "report", tmp_path)


def test_navigation_bar_reaches_every_page(page, showcase_url):
    from wattwise.web.pages import nav_pages

    load(page, showcase_url + "/")
    for p in nav_pages():
        page.click(f"nav[aria-label=pages] a[href='{p.path}']")
        page.wait_for_load_state("networkidle")
        assert page.locator("h1").count() >= 1
        assert page.locator(f"nav[aria-label=pages] a[aria-current=page][href='{p.path}']").count() == 1
    assert page.watch.errors == []


def served_url(tmp_path_factory, name: str):
    """A dashboard on an empty store, for page tests that need no runs (calculator, schedule)."""
    with serve(tmp_path_factory.mktemp(name) / "runs.db", label="~/.local/share/wattwise/runs.db") as u:
        yield u

