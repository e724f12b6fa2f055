"""`wattwise dashboard`: a real server on 127.0.0.1, the missing-extra message, bad ports."""
from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request

import pytest


def _start(cmd, env=None):
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    deadline = time.time() + 30
    line = ""
    while time.time() < deadline:
        line = p.stderr.readline()
        m = re.search(r"at (http://\S+)/ ", line)
        if m:
            return p, m.group(1)
        if p.poll() is not None:
            break
    p.kill()
    raise AssertionError(f"dashboard did not start: {line}{p.stderr.read()}")


def test_dashboard_serves_the_store_on_loopback(demo_store, wattwise_cmd):
    pytest.importorskip("uvicorn")
    path, ids = demo_store
    p, base = _start([*wattwise_cmd, "dashboard", "--port", "0", "--store", str(path)])
    try:
        assert base.startswith("http://127.0.0.1:")
        with urllib.request.urlopen(base + "/", timeout=10) as r:
            html = r.read().decode()
        assert r.status == 200 and ids["gpu"] in html
        with urllib.request.urlopen(f"{base}/runs/{ids['gpu']}", timeout=10) as r:
            assert "bert-base fine-tune" in r.read().decode()
        # the Host check: a page on another name (DNS rebinding) is refused
        req = urllib.request.Request(base + "/", headers={"Host": "evil.example"})
        with pytest.raises(urllib.error.HTTPError) as e:
            urllib.request.urlopen(req, timeout=10)
        assert e.value.code == 400
    finally:
        p.send_signal(signal.SIGINT)
        try:
            p.wait(timeout=15)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
    assert p.returncode == 0


def test_dashboard_without_the_web_extra_names_the_install_command(tmp_path):
    code = ("import sys; sys.modules['starlette'] = None; sys.modules['uvicorn'] = None; "
            "from wattwise.cli import main; sys.exit(main(['dashboard', '--store', sys.argv[1]]))")
    r = subprocess.run([sys.executable, "-c", code, str(tmp_path / "x.db")], capture_output=True, text=True, timeout=60)
    assert r.returncode == 2
    assert 'pip install "wattwise[web]"' in r.stderr
    assert "Traceback" not in r.stderr and len(r.stderr.strip().splitlines()) == 1


def test_dashboard_port_in_use_is_a_one_line_error(tmp_path, wattwise_cmd):
    pytest.importorskip("uvicorn")
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    s.listen(1)
    port = s.getsockname()[1]
    try:
        r = subprocess.run([*wattwise_cmd, "dashboard", "--port", str(port), "--store", str(tmp_path / "x.db")],
                           capture_output=True, text=True, timeout=60)
    finally:
        s.close()
    assert r.returncode == 2
    assert r.stderr.startswith(f"wattwise: error: cannot listen on 127.0.0.1:{port}")
    assert f"--port {port + 1}" in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1


def test_dashboard_bad_port(tmp_path, wattwise_cmd):
    r = subprocess.run([*wattwise_cmd, "dashboard", "--port", "70000", "--store", str(tmp_path / "x.db")],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 2 and "invalid port 70000" in r.stderr


def test_dashboard_help_has_an_example(wattwise_cmd):
    r = subprocess.run([*wattwise_cmd, "dashboard", "--help"], capture_output=True, text=True, timeout=60,
                       env=dict(os.environ))
    assert r.returncode == 0 and "wattwise dashboard --port" in r.stdout
