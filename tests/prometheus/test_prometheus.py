"""The Prometheus exporter, scraped over real HTTP and read with prometheus-client's own parsers.

Node sensors are wattwise.testing's kernel-shaped powercap tree and constant-power sensors;
everything else (the HTTP server, the exposition text, the parsers) is the real library.
"""
from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

pytest.importorskip("prometheus_client", reason="pip install prometheus-client (the [prometheus] extra)")
from prometheus_client.openmetrics.parser import text_string_to_metric_families as parse_openmetrics  # noqa: E402
from prometheus_client.parser import text_string_to_metric_families as parse_text  # noqa: E402

import wattwise  # noqa: E402
from wattwise.intensity import resolve_intensity  # noqa: E402
from wattwise.prometheus import serve  # noqa: E402
from wattwise.testing import ConstantPowerSensor, FakePowercap  # noqa: E402
from wattwise.units import J_PER_KWH  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
DEADLINE_S = 60.0


def scrape(url: str, openmetrics: bool = False) -> dict[str, list]:
    """{sample name: [Sample, ...]} from one real HTTP scrape, parsed by prometheus-client."""
    req = urllib.request.Request(url, headers={"Accept": "application/openmetrics-text; version=1.0.0"} if openmetrics else {})
    with urllib.request.urlopen(req, timeout=10) as r:
        ctype, text = r.headers["Content-Type"], r.read().decode()
    if openmetrics:
        assert ctype.startswith("application/openmetrics-text") and text.rstrip().endswith("# EOF")
    out: dict[str, list] = {}
    for fam in (parse_openmetrics if openmetrics else parse_text)(text):
        for s in fam.samples:
            out.setdefault(s.name, []).append(s)
    return out


def wait_for(cond, what: str):
    deadline = time.monotonic() + DEADLINE_S
    while time.monotonic() < deadline:
        v = cond()
        if v:
            return v
        time.sleep(0.05)
    pytest.fail(f"timed out waiting for {what}")


def value(samples, name, **labels):
    hits = [s.value for s in samples.get(name, []) if all(s.labels.get(k) == v for k, v in labels.items())]
    assert len(hits) <= 1, hits
    return hits[0] if hits else None


def test_node_metrics_count_the_energy_the_counters_advanced_by(tmp_path):
    fake = FakePowercap(tmp_path, sockets=2)
    gpu_w = 231.5
    exp = serve(0, node=True, region="FR", interval=0.1, pue=1.25, gpu=False, powercap_root=str(fake.root),
                sensors=None)
    try:
        fake.advance(0, package_j=41.5, dram_j=3.25)
        fake.advance(1, package_j=20.0, dram_j=1.5)

        def settled():
            s = scrape(exp.url)
            cpu = value(s, "wattwise_energy_joules_total", component="cpu", method="measured")
            return s if cpu == pytest.approx(61.5) else None
        s = wait_for(settled, "the cpu counter to reach 61.5 J")
        dram = value(s, "wattwise_energy_joules_total", component="dram", method="measured")
        assert dram == pytest.approx(4.75)
        src = [x.labels["source"] for x in s["wattwise_energy_joules_total"]]
        assert all(x.startswith("rapl:") for x in src), src
        fr = resolve_intensity("FR")
        assert value(s, "wattwise_grid_intensity_grams_per_kwh", zone="FR", source=fr.source) == fr.g_per_kwh
        # emissions follow the same ticks as energy: once both settle, facility energy x intensity
        want = (61.5 + 4.75) * 1.25 / J_PER_KWH * fr.g_per_kwh
        wait_for(lambda: value(scrape(exp.url), "wattwise_emissions_grams_total") == pytest.approx(want, rel=1e-9),
                 f"emissions of {want} g")
        om = scrape(exp.url, openmetrics=True)
        assert value(om, "wattwise_energy_joules_total", component="cpu") == pytest.approx(61.5)
        assert {x.labels["component"] for x in om["wattwise_power_watts"]} == {"cpu", "dram"}
    finally:
        exp.close()
    with pytest.raises(urllib.error.URLError):
        urllib.request.urlopen(exp.url or "http://127.0.0.1:1/metrics", timeout=5)


def test_power_gauge_is_watts():
    exp = serve(0, node=True, region="DE", interval=0.1, sensors=[ConstantPowerSensor("gpu:0", 231.5, source="test")])
    try:
        p = wait_for(lambda: value(scrape(exp.url), "wattwise_power_watts", component="gpu:0"), "a power reading")
        assert p == pytest.approx(231.5, rel=0.25)  # one tick's mean: watts, not mW or kW
    finally:
        exp.close()


def test_runs_of_this_process_are_exported_while_they_live_and_bounded(tmp_path):
    exp = serve(0, max_runs=2)
    trackers = []
    try:
        for i, w in enumerate((10.0, 20.0, 40.0)):
            t = wattwise.Tracker(project=f"p{i}", region="FR", interval=0.1, store=False, install_handlers=False,
                                 sensors=[ConstantPowerSensor("gpu:0", w, source="test:const")]).start()
            trackers.append(t)
            wait_for(lambda: t.meter.ticks > 0, "a tick")
        s = wait_for(lambda: (x := scrape(exp.url)).get("wattwise_run_energy_joules_total") and
                     len(x["wattwise_run_energy_joules_total"]) == 2 and x, "two runs")
        ids = {x.labels["run_id"] for x in s["wattwise_run_energy_joules_total"]}
        assert ids == {trackers[1].run_id, trackers[2].run_id}  # the newest two
        lab = {x.labels["run_id"]: x.labels for x in s["wattwise_run_energy_joules_total"]}
        assert lab[trackers[2].run_id] == {"run_id": trackers[2].run_id, "project": "p2", "component": "gpu:0",
                                           "method": "measured", "source": "test:const"}
        assert "wattwise_energy_joules_total" not in s  # no node series without node=True
        assert {x.labels["run_id"] for x in s["wattwise_run_emissions_grams_total"]} == ids
        for t in trackers:
            t.stop()
        s = scrape(exp.url)
        assert "wattwise_run_energy_joules_total" not in s and "wattwise_run_emissions_grams_total" not in s
    finally:
        for t in trackers:
            t.stop()
        exp.close()


def test_run_counter_matches_the_run_result():
    exp = serve(0)
    try:
        with wattwise.track(project="same", region="FR", interval=0.1, store=False,
                            sensors=[ConstantPowerSensor("cpu", 55.0)]) as run:
            e = wait_for(lambda: value(scrape(exp.url), "wattwise_run_energy_joules_total", run_id=run.run_id), "energy")
            assert e > 0
        assert run.result.component("cpu").energy_j >= e  # the counter never runs ahead of the run
    finally:
        exp.close()


def _cli_env(tmp_path, **extra):
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"), WATTWISE_OFFLINE="1", XDG_DATA_HOME=str(tmp_path / "data"), **extra)
    return env


def test_cli_exporter_serves_until_sigterm(tmp_path):
    fake = FakePowercap(tmp_path / "sys", sockets=1)
    p = subprocess.Popen([sys.executable, "-m", "wattwise", "exporter", "--port", "0", "--interval", "0.1", "--region", "FR",
                          "--no-gpu"], env=_cli_env(tmp_path, WATTWISE_POWERCAP_ROOT=str(fake.root)),
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = p.stderr.readline()
        m = re.search(r"serving (http://\S+/metrics)", line)
        assert m, line
        fake.advance(0, package_j=12.75)
        wait_for(lambda: value(scrape(m.group(1)), "wattwise_energy_joules_total", component="cpu") == pytest.approx(12.75),
                 "12.75 J")
        p.send_signal(signal.SIGTERM)
        out, err = p.communicate(timeout=60)
        assert p.returncode == 0, err
        assert "exporter stopped" in err and "Traceback" not in err
    finally:
        if p.poll() is None:
            p.kill()


@pytest.mark.parametrize("args, msg", [
    (["--port", "70000"], "out of range"),
    (["--pue", "0.5"], "PUE"),
    (["--region", "Atlantis"], "region"),
    (["--scope", "process"], "invalid choice"),
])
def test_cli_bad_input_is_one_line_exit_2(tmp_path, args, msg):
    out = subprocess.run([sys.executable, "-m", "wattwise", "exporter", *args], env=_cli_env(tmp_path),
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 2 and msg in out.stderr and "Traceback" not in out.stderr, out.stderr
    assert len(out.stderr.strip().splitlines()) == 1


def test_port_in_use_is_a_usage_error(tmp_path):
    exp = serve(0)
    try:
        out = subprocess.run([sys.executable, "-m", "wattwise", "exporter", "--port", str(exp.port)], env=_cli_env(tmp_path),
                             capture_output=True, text=True, timeout=60)
        assert out.returncode == 2 and "cannot listen" in out.stderr and "Traceback" not in out.stderr
    finally:
        exp.close()


def test_missing_client_names_the_extra():
    code = ("import sys\nsys.modules['prometheus_client'] = None\nfrom wattwise.cli import main\n"
            "sys.exit(main(['exporter', '--port', '0']))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                         env=dict(os.environ, PYTHONPATH=str(ROOT / "src")))
    assert out.returncode == 2 and 'pip install "wattwise[prometheus]"' in out.stderr, out.stderr


def test_import_wattwise_prometheus_is_light():
    code = ("import sys\nimport wattwise.prometheus\nimport json\n"
            "print(json.dumps(sorted(m for m in sys.modules if m.startswith(('prometheus_client', 'wattwise.tracker')))))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                         env=dict(os.environ, PYTHONPATH=str(ROOT / "src")))
    assert json.loads(out.stdout) == []


def test_grafana_dashboard_queries_only_exported_metrics():
    from wattwise.prometheus import collector

    names = {getattr(collector, k) for k in ("ENERGY", "POWER", "INTENSITY", "EMISSIONS", "RUN_ENERGY", "RUN_EMISSIONS")}
    exposed = {n + "_total" if n.endswith(("joules", "grams")) else n for n in names}
    dash = json.loads((ROOT / "docs" / "prometheus" / "grafana-dashboard.json").read_text())
    exprs = [t["expr"] for p in dash["panels"] for t in p.get("targets", [])]
    assert len(exprs) >= 5
    for e in exprs:
        used = set(re.findall(r"\bwattwise_[a-z_]+", e))
        assert used and used <= exposed, (e, used - exposed)
