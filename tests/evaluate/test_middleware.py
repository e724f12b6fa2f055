"""Per-request figures of real services: a Starlette app under uvicorn (ASGI) and a stdlib wsgiref
app (WSGI), each hit with real HTTP requests over a socket. The handlers advance the fake RAPL
package counter by a fixed number of joules per request, so the figure per request is known."""
from __future__ import annotations

import json
import socket
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import pytest

import wattwise
from wattwise.evaluate import ASGIMiddleware, WSGIMiddleware, count_requests
from wattwise.units import J_PER_KWH

REPO = Path(__file__).resolve().parents[2]
J_PER_REQUEST = 0.83


def _wait(cond, what: str, deadline_s: float = 30.0) -> None:
    end = time.monotonic() + deadline_s
    while not cond():
        if time.monotonic() > end:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.01)


@contextmanager
def serve_asgi(app):
    uvicorn = pytest.importorskip("uvicorn")
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(64)
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off"))
    th = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    th.start()
    _wait(lambda: server.started, "uvicorn to start")
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        th.join(timeout=10)
        sock.close()


@contextmanager
def serve_wsgi(app):
    from wsgiref.simple_server import WSGIRequestHandler, make_server

    class Quiet(WSGIRequestHandler):
        def log_message(self, *a):
            pass

    httpd = make_server("127.0.0.1", 0, app, handler_class=Quiet)
    th = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    th.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_port}"
    finally:
        httpd.shutdown()
        th.join(timeout=10)
        httpd.server_close()


def _tracker(tmp_path):
    from wattwise.testing import FakePowercap

    fake = FakePowercap(tmp_path / "sys")
    t = wattwise.Tracker(region="FR", scope="node", powercap_root=str(fake.root), gpu=False, store=str(tmp_path / "r.db"),
                         install_handlers=False, interval=0.2)
    return fake, t


def test_asgi_service_counts_requests_and_tokens(tmp_path):
    pytest.importorskip("starlette")
    httpx = pytest.importorskip("httpx")
    from starlette.applications import Starlette
    from starlette.responses import JSONResponse, PlainTextResponse
    from starlette.routing import Route

    fake, run = _tracker(tmp_path)

    async def generate(request):
        body = await request.json()
        fake.advance(0, package_j=J_PER_REQUEST)
        words = ["tok"] * int(body["n"])
        return JSONResponse({"text": " ".join(words)}, headers={"x-tokens": str(len(words))})

    async def health(request):
        return PlainTextResponse("ok")

    app = Starlette(routes=[Route("/generate", generate, methods=["POST"]), Route("/health", health)])
    wrapped = count_requests(app, run, tokens_header="X-Tokens", exclude_paths=["/health"])
    assert isinstance(wrapped, ASGIMiddleware)
    sizes = [3, 17, 8, 40, 1, 12, 25, 9]
    with run:
        with serve_asgi(wrapped) as url:
            with httpx.Client(timeout=30) as c:
                for i in range(3):
                    assert c.get(f"{url}/health").text == "ok"
                with run.window("traffic"):
                    for n in sizes:
                        r = c.post(f"{url}/generate", json={"n": n})
                        assert r.status_code == 200 and r.headers["x-tokens"] == str(n)
                    _wait(lambda: run._counts.requests == len(sizes), "the last request to be counted")
    u = run.result.to_dict()["usage"]
    assert u["requests"] == len(sizes) and u["tokens"] == sum(sizes)
    e = len(sizes) * J_PER_REQUEST / J_PER_KWH
    assert run.result.energy_kwh == pytest.approx(e, rel=1e-6)  # the counters moved only in the handler
    assert u["energy_kwh_per_request"] == pytest.approx(J_PER_REQUEST / J_PER_KWH, rel=1e-6)
    assert u["energy_kwh_per_1k_tokens"] == pytest.approx(e / sum(sizes) * 1000, rel=1e-6)
    assert u["emissions_gco2e_per_request"] == pytest.approx(run.result.emissions_g / len(sizes), rel=1e-12)
    w = u["windows"][0]
    assert w["name"] == "traffic" and w["requests"] == len(sizes) and w["tokens"] == sum(sizes)


def test_wsgi_service_counts_when_the_response_closes(tmp_path):
    httpx = pytest.importorskip("httpx")
    fake, run = _tracker(tmp_path)
    closed = []

    def app(environ, start_response):
        fake.advance(0, package_j=J_PER_REQUEST)
        status = "404 Not Found" if environ["PATH_INFO"] == "/missing" else "200 OK"
        start_response(status, [("Content-Type", "text/plain"), ("X-Tokens", "5")])

        class Body(list):
            def close(self):
                closed.append(environ["PATH_INFO"])
        return Body([b"hello"])

    wrapped = WSGIMiddleware(app, run, tokens_header="x-tokens")
    assert isinstance(count_requests(app, run), WSGIMiddleware)
    with run:
        with serve_wsgi(wrapped) as url:
            with httpx.Client(timeout=30) as c:
                for p in ["/a", "/b", "/missing", "/c"]:
                    c.get(url + p)
            _wait(lambda: run._counts.requests == 4, "four counted requests")
    u = run.result.to_dict()["usage"]
    assert closed == ["/a", "/b", "/missing", "/c"]  # the app's own close() still runs
    assert (u["requests"], u["tokens"]) == (4, 20)
    assert u["energy_kwh_per_request"] == pytest.approx(J_PER_REQUEST / J_PER_KWH, rel=1e-6)


def test_the_demo_service_example_runs(tmp_path):
    """examples/evaluate_service.py: serves a scikit-learn model (uvicorn), sends real requests in two phases
    (one client, then eight), prints the per-request figures of the run and of each phase."""
    pytest.importorskip("uvicorn")
    pytest.importorskip("httpx")
    out = subprocess.run([sys.executable, str(REPO / "examples" / "evaluate_service.py"), "--requests", "40",
                          "--store", str(tmp_path / "svc.db"), "--json"],
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    d = json.loads(out.stdout.strip().splitlines()[-1])
    u = d["usage"]
    assert u["requests"] == 80 and u["tokens"] == 0
    assert u["energy_kwh_per_request"] == pytest.approx(d["energy_kwh"] / 80, rel=1e-9)
    assert [(w["name"], w["requests"]) for w in u["windows"]] == [("sequential", 40), ("concurrent", 40)]
    assert d["project"] == "demo-service" and d["status"] == "finished"
    assert "per request" in out.stderr and "sequential" in out.stderr
