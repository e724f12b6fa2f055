"""Runs filed under a scheduler job (migration "job columns"), on SQLite and a real PostgreSQL alike."""
from __future__ import annotations

import pytest

from wattwise.integrations.slurm import job_total
from wattwise.result import Component, Intensity, Measurement

T0 = 1_767_225_600.123456


def _run(store, run_id, host, joules, job, task=None, start=T0):
    m = Measurement(run_id=run_id, start=start, end=start + 60.0, components=(Component("gpu:0", joules, "measured", "nvml"),),
                    intensity=Intensity("FR", 56.0, "test"), pue=1.1, scope="node", emissions_g=joules * 1.1 / 3.6e6 * 56.0,
                    host=host, project="llm")
    store.create_run(run_id, project="llm", start_ts=start, scope="node", host=host)
    store.finish_run(m)
    store.set_job(run_id, job, task)


def test_job_runs_filter_by_job_and_array_task_in_start_order(store):
    _run(store, "r2", "gpu08", 2000.0, "48213", start=T0 + 5)
    _run(store, "r1", "gpu07", 1000.0, "48213")
    _run(store, "r3", "gpu07", 400.0, "48213", "2", start=T0 + 100)
    _run(store, "r4", "gpu07", 300.0, "4821")
    store.create_run("r5", project="llm", start_ts=T0, host="gpu07")  # not in any job
    assert [r["run_id"] for r in store.job_runs("48213")] == ["r1", "r2", "r3"]
    assert [r["run_id"] for r in store.job_runs("48213", "2")] == ["r3"]
    assert [r["job_task"] for r in store.job_runs("48213")] == [None, None, "2"]
    t = job_total("48213", store.job_runs("48213"))
    assert t["nodes"] == 2 and t["facility_energy_kwh"] == pytest.approx(3400.0 * 1.1 / 3.6e6, rel=1e-12)
    assert t["emissions_gco2e"] == pytest.approx(3400.0 * 1.1 / 3.6e6 * 56.0, rel=1e-12)
