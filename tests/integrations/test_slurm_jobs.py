"""Slurm and torchrun jobs: the job recorded on the run, `runs list --job` and the job total.

The multi-node test runs real tracker processes, one per task, each in its own UTS namespace
(``unshare --uts``) so each "node" has its own host name, as on a cluster; it skips where
unshare is not permitted.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from wattwise.distributed import job_info
from wattwise.errors import UsageError
from wattwise.integrations.slurm import job_total, parse_job
from wattwise.result import Component, Intensity, Measurement
from wattwise.store import open_store

HERE = Path(__file__).resolve().parent
SLURM_ENV = {"SLURM_JOB_ID": "48213", "SLURM_JOB_NODELIST": "gpu[07-08]", "SLURM_JOB_NUM_NODES": "2",
             "SLURM_JOB_ACCOUNT": "nlp-lab", "SLURM_JOB_PARTITION": "a100", "SLURM_JOB_NAME": "bert-ft",
             "SLURM_NTASKS": "4"}


def test_job_info_reads_slurm_array_and_torchrun_environments():
    plain = job_info(dict(SLURM_ENV, SLURMD_NODENAME="gpu07"))
    assert plain.to_dict() == {"scheduler": "slurm", "job_id": "48213", "array_task": None, "node_list": "gpu[07-08]",
                               "nodes": 2, "account": "nlp-lab", "partition": "a100", "name": "bert-ft", "node": "gpu07"}
    arr = job_info({"SLURM_JOB_ID": "48230", "SLURM_ARRAY_JOB_ID": "48213", "SLURM_ARRAY_TASK_ID": "7"})
    assert (arr.job_id, arr.array_task, arr.label, arr.slurm_job_id) == ("48213", "7", "48213_7", "48230")
    tr = job_info({"TORCHELASTIC_RUN_ID": "ft-run-3", "PET_NNODES": "2"})
    assert (tr.scheduler, tr.job_id, tr.nodes) == ("torchrun", "ft-run-3", 2)
    assert job_info({"TORCHELASTIC_RUN_ID": "none"}) is None and job_info({}) is None


@pytest.mark.parametrize("text, want", [("1234", ("1234", None)), ("1234_5", ("1234", "5")), (" 77 ", ("77", None))])
def test_parse_job(text, want):
    assert parse_job(text) == want


@pytest.mark.parametrize("bad", ["", "1234_", "12%", "_5", "12 34"])
def test_parse_job_rejects_what_sacct_never_prints(bad):
    with pytest.raises(UsageError, match="sacct"):
        parse_job(bad)


def _wattwise(*args, env=None):
    return subprocess.run([sys.executable, "-m", "wattwise", *args], capture_output=True, text=True, timeout=120, env=env)


def _can_unshare() -> bool:
    if not shutil.which("unshare"):
        return False
    return subprocess.run(["unshare", "--uts", "--", "true"], capture_output=True).returncode == 0


@pytest.mark.skipif(not _can_unshare(), reason="needs unshare --uts (root or user namespaces) to give each fake node its own host name")
def test_two_node_job_total_sums_one_measuring_run_per_node(tmp_path):
    store = str(tmp_path / "runs.db")
    open_store(store).close()  # migrated once, before four writers start
    watts = {"gpu07": 137.5, "gpu08": 61.25}
    procs = []
    for node, w in watts.items():
        for local in (0, 1):
            env = dict(os.environ, **SLURM_ENV, SLURMD_NODENAME=node, SLURM_LOCALID=str(local),
                       SLURM_PROCID=str(2 * list(watts).index(node) + local), PYTHONPATH=str(HERE.parents[1] / "src"))
            cmd = ["unshare", "--uts", "--", "sh", "-c", 'hostname "$0" && exec "$@"', node,
                   sys.executable, str(HERE / "slurm_worker.py"), store, str(w)]
            procs.append(subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
    for p in procs:
        out, err = p.communicate(timeout=120)
        assert p.returncode == 0, err
    out = _wattwise("runs", "list", "--job", "48213", "--store", store, "--json")
    assert out.returncode == 0, out.stderr
    d = json.loads(out.stdout.strip().splitlines()[-1])
    assert len(d["runs"]) == 4 and {r["host"] for r in d["runs"]} == set(watts)
    s = open_store(store, readonly=True)
    measuring = [s.get_run(r["run_id"]) for r in d["runs"] if r["energy_kwh"] is not None]
    assert sorted(r["host"] for r in measuring) == sorted(watts)  # one measuring run per node
    for r in measuring:  # each node's run measured that node's own draw
        assert r["energy_j"] == pytest.approx(watts[r["host"]] * r["duration_s"], rel=0.05)
        meta = r["meta"]["job"]
        assert (meta["job_id"], meta["account"], meta["partition"], meta["node_list"]) == ("48213", "nlp-lab", "a100", "gpu[07-08]")
    job = d["job"]
    assert job["nodes"] == 2 and sorted(job["runs_counted"]) == sorted(r["run_id"] for r in measuring)
    assert job["energy_kwh"] == pytest.approx(sum(r["energy_j"] for r in measuring) / 3.6e6, rel=1e-12)
    assert len(job["excluded"]) == 2 and all("local rank 0 measures" in x["reason"] for x in job["excluded"])
    text = _wattwise("runs", "list", "--job", "48213", "--store", store)
    assert text.returncode == 0
    assert "job 48213:" in text.stdout and "2 node(s), 2 run(s) counted, 2 excluded" in text.stdout
    assert "not counted" in text.stderr


T0 = 1_767_225_600.0


def _m(run_id, start, dur, joules, scope, host):
    return Measurement(run_id=run_id, start=start, end=start + dur, components=(Component("cpu", joules, "measured", "rapl"),),
                       intensity=Intensity("FR", 56.0, "test"), pue=1.0, scope=scope,
                       emissions_g=None if joules is None else joules / 3.6e6 * 56.0, host=host, project="p")


def _store_job(store, runs, job="900", task=None):
    for m in runs:
        store.create_run(m.run_id, project="p", start_ts=m.start, scope=m.scope, host=m.host)
        store.finish_run(m)
        store.set_job(m.run_id, job, task)


def test_a_run_inside_a_node_scope_run_on_the_same_host_is_not_counted_twice(tmp_path):
    s = open_store(tmp_path / "runs.db")
    outer = _m("aaaa01", T0, 600.0, 9000.0, "node", "n1")         # wattwise run --scope node -- torchrun ...
    inner = _m("aaaa02", T0 + 30, 500.0, 7000.0, "node", "n1")    # the Trainer callback inside it
    other = _m("aaaa03", T0 + 1, 598.0, 4321.5, "node", "n2")     # the second node
    _store_job(s, [outer, inner, other])
    t = job_total("900", s.job_runs("900"))
    assert sorted(t["runs_counted"]) == ["aaaa01", "aaaa03"]
    assert t["energy_kwh"] == pytest.approx((9000.0 + 4321.5) / 3.6e6)
    assert t["excluded"][0]["run_id"] == "aaaa02" and "aaaa01" in t["excluded"][0]["reason"]
    assert t["warnings"] == []


def test_partial_overlap_of_node_runs_is_counted_with_a_warning_and_array_tasks_filter(tmp_path):
    s = open_store(tmp_path / "runs.db")
    _store_job(s, [_m("bbbb01", T0, 100.0, 500.0, "node", "n1"), _m("bbbb02", T0 + 50, 100.0, 250.0, "node", "n1")], task="3")
    _store_job(s, [_m("bbbb03", T0, 100.0, 125.0, "process", "n1")], task="4")
    t = job_total("900", s.job_runs("900", "3"), "3")
    assert t["energy_kwh"] == pytest.approx(750.0 / 3.6e6) and "overlap" in t["warnings"][0]
    assert [r["run_id"] for r in s.job_runs("900", "4")] == ["bbbb03"]
    assert len(s.job_runs("900")) == 3 and s.job_runs("901") == []


def test_unknown_energy_stays_null_never_zero(tmp_path):
    s = open_store(tmp_path / "runs.db")
    _store_job(s, [_m("cccc01", T0, 10.0, None, "node", "n1")])
    t = job_total("900", s.job_runs("900"))
    assert t["energy_kwh"] is None and t["emissions_gco2e"] is None and t["runs_counted"] == []


def test_runs_list_job_on_a_store_without_job_columns_and_bad_ids(tmp_path):
    import sqlite3

    db = tmp_path / "old.db"
    open_store(db).close()
    con = sqlite3.connect(db)  # as a store written only by a wattwise before the job columns
    con.execute("DELETE FROM schema_migrations WHERE version > 1")
    con.commit()
    con.close()
    os.chmod(db, 0o444)
    out = _wattwise("runs", "list", "--job", "1234", "--store", str(db), "--json")
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout.splitlines()[-1])["runs"] == []
    bad = _wattwise("runs", "list", "--job", "12%", "--store", str(db))
    assert bad.returncode == 2 and "invalid job id" in bad.stderr and "Traceback" not in bad.stderr
