"""Zero egress by default: a socket guard proves no connection is even attempted.

The guard replaces socket connect/getaddrinfo in the process under test and records every
attempt to a file, so a failure swallowed by a fallback still fails the test.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import pytest

GUARD = textwrap.dedent("""
    import socket, sys
    LOG = sys.argv.pop(1)

    def deny(*args, **kwargs):
        with open(LOG, "a") as f:
            f.write(repr(args[1:])[:200] + "\\n")
        raise OSError("network blocked by the socket guard")

    socket.socket.connect = deny
    socket.socket.connect_ex = deny
    socket.create_connection = deny
    socket.getaddrinfo = deny
    from wattwise.cli import main
    sys.exit(main(sys.argv[1:]))
""")


@pytest.fixture
def guarded(tmp_path):
    script = tmp_path / "guarded.py"
    script.write_text(GUARD)
    log = tmp_path / "connections.log"

    def run(args, env_extra=None, drop=("WATTWISE_OFFLINE",)):
        env = {k: v for k, v in os.environ.items() if k not in drop}
        env.update(env_extra or {})
        r = subprocess.run([sys.executable, str(script), str(log), *args], capture_output=True, text=True, env=env,
                           timeout=120, cwd=tmp_path)
        attempts = log.read_text() if log.exists() else ""
        return r, attempts
    return run


def test_intensity_without_a_provider_makes_no_connection(guarded):
    r, attempts = guarded(["intensity", "FR", "--json"])
    assert r.returncode == 0, r.stderr
    assert attempts == ""
    d = json.loads(r.stdout.strip().splitlines()[-1])
    assert d["zone"] == "FR" and d["method"] == "annual" and "nothing was fetched" in d["why"]


def test_default_tracked_run_makes_no_connection(guarded):
    r, attempts = guarded(["run", "--json", "--no-store", "--interval", "0.2", "--", sys.executable, "-c",
                           "import time; time.sleep(0.5)"])
    assert r.returncode == 0, r.stderr
    assert attempts == ""
    d = json.loads(r.stdout.strip().splitlines()[-1])
    assert d["intensity"]["method"] == "annual"


def test_offline_wins_over_configured_credentials(guarded):
    env = {"WATTWISE_OFFLINE": "1", "WATTWISE_ELECTRICITYMAPS_TOKEN": "tok", "WATTWISE_ELECTRICITYMAPS_URL":
           "http://192.0.2.1:9", "WATTWISE_CLOUD_METADATA": "1"}
    r, attempts = guarded(["intensity", "DE", "--json"], env_extra=env, drop=())
    assert r.returncode == 0, r.stderr
    assert attempts == ""
    d = json.loads(r.stdout.strip().splitlines()[-1])
    assert d["method"] == "annual" and "WATTWISE_OFFLINE=1" in d["note"]
    r, attempts = guarded(["run", "--json", "--no-store", "--provider", "electricitymaps", "--region", "DE", "--",
                           sys.executable, "-c", "pass"], env_extra=env, drop=())
    assert r.returncode == 0, r.stderr
    assert attempts == ""
    assert "WATTWISE_OFFLINE=1" in json.loads(r.stdout.strip().splitlines()[-1])["intensity"]["note"]


def test_the_guard_itself_catches_a_connection(guarded):
    """Control: with a provider configured and offline lifted, the guard records the attempt."""
    env = {"WATTWISE_ELECTRICITYMAPS_TOKEN": "tok", "WATTWISE_ELECTRICITYMAPS_URL": "http://127.0.0.1:9/v3",
           "WATTWISE_HTTP_RETRIES": "0"}
    r, attempts = guarded(["intensity", "DE", "--json"], env_extra=env)
    assert r.returncode == 0, r.stderr
    assert attempts != ""
    d = json.loads(r.stdout.strip().splitlines()[-1])
    assert d["method"] == "annual" and "live intensity unavailable" in d["note"]


def test_in_process_tracker_default_is_offline(no_network, monkeypatch):
    monkeypatch.delenv("WATTWISE_OFFLINE", raising=False)
    import wattwise

    with wattwise.Tracker(region="FR", store=False, interval=0.1, install_handlers=False) as t:
        sum(i * i for i in range(10000))
    assert t.result.intensity.method == "annual" and t.result.emissions_g is not None
    assert no_network.attempts == []
