"""Four real `wattwise run` processes started together never add up to more than their machine.

What broke: the CPU model charged every job the idle power of its whole allocation, so eight
concurrent `wattwise run -- sleep 6` added up to 8.4 W on a machine whose model caps at 3.4 W,
while the RAPL path shared the node by CPU time. A node-scope run measures the same seconds
(it starts before the jobs and ends after them), on the CPU model and on a fake powercap tree
whose counters follow the machine's real load.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time

import pytest

BUSY = "import time\nt=time.time()\nwhile time.time()-t<{s}: pass"
HALF = "import time\nt=time.time()\nwhile time.time()-t<{s}:\n u=time.time()\n while time.time()-u<0.02: pass\n time.sleep(0.02)"
JOBS = {"busy": [sys.executable, "-c", BUSY.format(s=1.5)], "busy2": [sys.executable, "-c", BUSY.format(s=1.5)],
        "half": [sys.executable, "-c", HALF.format(s=1.5)], "sleep": ["sleep", "1.5"]}


def _drive(fake, stop):
    """A CPU package: 10 W idle + 15 W per busy CPU of the whole machine (/proc/stat), every 50 ms."""
    def busy():
        with open("/proc/stat") as f:
            p = [int(x) for x in f.readline().split()[1:8]]
        return (p[0] + p[1] + p[2] + p[5] + p[6]) / os.sysconf("SC_CLK_TCK")

    b0, t0 = busy(), time.monotonic()
    while not stop.wait(0.05):
        b1, t1 = busy(), time.monotonic()
        fake.advance(0, package_j=10.0 * (t1 - t0) + 15.0 * max(0.0, b1 - b0), dram_j=2.0 * (t1 - t0))
        b0, t0 = b1, t1


def _result(out: str) -> dict:
    return json.loads(out.strip().splitlines()[-1])


def _energies(d: dict) -> tuple[dict[str, float], dict[str, str]]:
    return {c["name"]: c["energy_kwh"] * 3.6e6 for c in d["components"]}, {c["name"]: c.get("attribution") for c in d["components"]}


def _wait_for_samples(db, deadline_s: float = 60.0) -> None:
    from wattwise.store import open_store

    end = time.monotonic() + deadline_s
    while time.monotonic() < end:
        if db.exists():
            st = open_store(str(db))
            try:
                runs = st.list_runs()
                if runs and st.sample_count(runs[0]["run_id"]) > 0:
                    return
            finally:
                st.close()
        time.sleep(0.05)
    raise AssertionError("the node-scope run stored no sample")


def _node_between(db, run_id: str, comp: str, a: float, b: float) -> float:
    """The node run's energy over [a, b], from its stored cumulative samples (linear between ticks)."""
    from wattwise.store import open_store

    st = open_store(str(db))
    pts = [(s["t"], s["energy_j"]) for s in st.samples(run_id, component=comp)]
    st.close()

    def at(t):
        for (t0, e0), (t1, e1) in zip(pts, pts[1:]):
            if t0 <= t <= t1:
                return e0 + (e1 - e0) * (t - t0) / (t1 - t0) if t1 > t0 else e1
        raise AssertionError(f"{t} outside the node run's samples {pts[0][0]}-{pts[-1][0]}")
    return at(b) - at(a)


@pytest.mark.parametrize("path", ["model", "rapl"])
def test_four_concurrent_runs_sum_to_at_most_the_node(tmp_path, wattwise_cmd, path):
    env = dict(os.environ)
    stop = threading.Event()
    if path == "rapl":
        from wattwise.testing import FakePowercap

        fake = FakePowercap(tmp_path / "pc")
        env["WATTWISE_POWERCAP_ROOT"] = str(fake.root)
        threading.Thread(target=_drive, args=(fake, stop), daemon=True).start()
    common = [*wattwise_cmd, "run", "--no-gpu", "--region", "FR", "--interval", "0.2", "--json"]
    flag, db = tmp_path / "done", tmp_path / "node.db"
    node = subprocess.Popen([*common, "--store", str(db), "--flush-interval", "0.2", "--scope", "node", "--",
                             sys.executable, "-c",
                             f"import os, time\nwhile not os.path.exists({str(flag)!r}): time.sleep(0.02)"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        _wait_for_samples(db)  # the node run is measuring and storing (a condition, not a clock)
        jobs = {n: subprocess.Popen([*common, "--no-store", "--", *cmd], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                    text=True, env=env) for n, cmd in JOBS.items()}
        raw = {}
        for n, p in jobs.items():
            out, err = p.communicate(timeout=120)
            assert p.returncode == 0, err
            raw[n] = _result(out)
    finally:
        flag.write_text("1")
        out, _ = node.communicate(timeout=120)
        stop.set()
    from wattwise.units import parse_time

    res = {n: _energies(d) for n, d in raw.items()}
    node_d = _result(out)
    node_e, node_rules = _energies(node_d)
    cpu, mem = "cpu", ("ram" if path == "model" else "dram")
    # the node's energy over exactly the seconds the jobs ran (first start to last end), plus one
    # sampling interval of its mean power at each edge for the tick granularity
    a = min(parse_time(d["start"]).timestamp() for d in raw.values())
    b = max(parse_time(d["end"]).timestamp() for d in raw.values())
    for comp in (cpu, mem):
        window = _node_between(db, node_d["run_id"], comp, a, b)
        slack = 2 * 0.2 * node_e[comp] / node_d["duration_s"]
        jobs = sum(e[comp] for e, _ in res.values())
        assert jobs <= window + slack, (comp, jobs, window, slack, res)
    assert res["sleep"][0][cpu] < 0.05 * res["busy"][0][cpu]  # a sleeping job draws ~0 from the CPU
    assert res["busy"][1] == {cpu: "cpu-time-share", mem: "memory-share"}
    assert node_rules == {cpu: "whole-node", mem: "whole-node"}


def test_a_sleeping_job_in_each_scope(wattwise_cmd):
    """`wattwise run -- sleep` was charged ~0.95 W of modelled idle power in process scope. Now:
    ~0 W in process scope; its reserved vCPUs' idle power in allocation scope (here no cpuset,
    quota or Slurm limit: the whole machine); the machine's idle and more in node scope."""
    out = {}
    for scope in ("process", "allocation", "node"):
        r = subprocess.run([*wattwise_cmd, "run", "--no-store", "--no-gpu", "--region", "FR", "--interval", "0.2",
                            "--scope", scope, "--json", "--", "sleep", "0.6"], capture_output=True, text=True, timeout=120)
        assert r.returncode == 0, r.stderr
        out[scope] = _result(r.stdout)
    cpu = {s: next(c for c in d["components"] if c["name"] == "cpu") for s, d in out.items()}
    pm = out["node"]["hardware"]["cpu"]["power_model"]
    idle_w = pm["vcpus"] * pm["min_w_per_vcpu"]
    alloc = out["allocation"]["hardware"]["allocation"]
    assert cpu["process"]["mean_power_w"] < 0.05 * idle_w
    assert cpu["allocation"]["mean_power_w"] >= 0.95 * idle_w * alloc["cpus"] / alloc["node_cpus"]
    assert cpu["node"]["mean_power_w"] >= 0.95 * idle_w
    assert [cpu[s]["attribution"] for s in out] == ["cpu-time-share", "allocation-cpu", "whole-node"]
    assert "allocation" in out["allocation"]["scope"] and alloc["cpus_from"]
