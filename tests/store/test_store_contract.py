"""The run-store contract, run against SQLite and a real PostgreSQL server alike.

Every test takes the ``store``/``store_url`` fixture, parametrised over both backends, so the
two must answer every call identically (ordering, case-insensitive search and prefixes, NULLs,
float precision, idempotent finish, interrupted runs, many concurrent writers).
"""
from __future__ import annotations

import math
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from wattwise.errors import StoreError, UsageError
from wattwise.result import Component, Intensity, Measurement, WindowResult
from wattwise.store import open_store
from wattwise.store.schema import LATEST, MIGRATIONS

HERE = Path(__file__).resolve().parent
T0 = 1_767_225_600.123456  # 2026-01-01T00:00:00.123456Z: a REAL (float4) column would round this by ~64 s
HOST = socket.gethostname()


def measurement(run_id: str, *, start: float = T0, duration: float = 12.5, cpu_j: float | None = 100.0,
                ram_j: float | None = 20.0, status: str = "finished", project: str | None = "proj",
                windows: tuple = (), name: str | None = None, command: str = "python train.py") -> Measurement:
    comps = (Component("cpu", cpu_j, "measured", "rapl:package-0"),
             Component("ram", ram_j, "modelled", "Green Algorithms 0.3725 W/GB"))
    known = [e for e in (cpu_j, ram_j) if e is not None]
    emissions = sum(known) * 1.2 / 3.6e6 * 56.0 if known else None
    return Measurement(run_id=run_id, start=start, end=start + duration, components=comps,
                       intensity=Intensity("FR", 56.0, "test table", year=2023), pue=1.2, scope="process",
                       emissions_g=emissions, project=project, name=name, command=command, exit_code=0, host=HOST,
                       status=status, windows=windows)


def dead_pid() -> int:
    p = subprocess.Popen([sys.executable, "-c", "pass"])
    p.wait()
    return p.pid


# -- schema ---------------------------------------------------------------------------------------
def test_migrations_are_recorded_once(store, store_url):
    assert store.schema_version() == LATEST
    rows = store._q("SELECT version, name FROM schema_migrations ORDER BY version")
    assert [(r["version"], r["name"]) for r in rows] == [(v, n) for v, n, _ in MIGRATIONS]
    store.close()
    again = open_store(store_url)
    try:
        assert again._q("SELECT COUNT(*) AS n FROM schema_migrations")[0]["n"] == len(MIGRATIONS)
    finally:
        again.close()


def test_newer_schema_is_refused(store, store_url):
    store._tx(lambda c: c.execute("INSERT INTO schema_migrations VALUES (?, ?, ?)", (LATEST + 1, "future", time.time())))
    store.close()
    with pytest.raises(StoreError, match="newer than this wattwise"):
        open_store(store_url)


def test_readonly_open_of_an_empty_store_fails_cleanly(store_url):
    with pytest.raises(StoreError, match="wattwise run"):
        open_store(store_url, readonly=True)
    open_store(store_url).close()  # now it exists
    ro = open_store(store_url, readonly=True)
    try:
        assert ro.list_runs() == []
    finally:
        ro.close()


# -- writes and reads ---------------------------------------------------------------------------
def test_created_run_lists_as_running(store):
    store.create_run("r1aaaaaaaaaa", project="proj", name="n", command="python x.py", start_ts=T0, scope="process",
                     region="FR", pue=1.2, meta={"k": 1}, version="9.9")
    rows = store.list_runs()
    assert len(rows) == 1
    r = rows[0]
    assert (r["run_id"], r["project"], r["status"], r["host"], r["pid"]) == ("r1aaaaaaaaaa", "proj", "running", HOST, os.getpid())
    assert r["start_ts"] == T0  # exact: 8-byte floats on both engines
    assert r["energy_j"] is None and r["end_ts"] is None
    assert store.count_runs() == 1
    assert store.projects() == ["proj"]
    full = store.get_run("r1aaaaaaaaaa")
    assert full["meta"] == {"k": 1} and full["wattwise_version"] == "9.9" and full["result"] is None
    assert store.get_run("nope") is None


def test_finish_records_everything(store):
    w = (WindowResult("epoch 1", T0, T0 + 5, 40.0, 0.001, {"cpu": 30.0, "ram": 10.0}),
         WindowResult("epoch 2", T0 + 5, T0 + 12.5, 80.0, 0.002, {"cpu": 70.0, "ram": None}, parent="train"))
    store.create_run("r2bbbbbbbbbb", project="proj", start_ts=T0)
    m = measurement("r2bbbbbbbbbb", windows=w)
    store.finish_run(m)
    r = store.get_run("r2bbbbbbbbbb")
    assert r["status"] == "finished"
    assert r["start_ts"] == T0 and r["end_ts"] == T0 + 12.5 and r["duration_s"] == 12.5
    assert r["energy_j"] == 120.0 and r["facility_energy_j"] == pytest.approx(144.0)
    assert r["emissions_g"] == m.emissions_g and r["intensity_g_per_kwh"] == 56.0
    assert r["methods"] == "measured,modelled" and r["region"] == "FR" and r["exit_code"] == 0
    assert r["result"] == m.to_dict()
    assert r["components"] == [
        {"name": "cpu", "energy_j": 100.0, "method": "measured", "source": "rapl:package-0", "reason": None},
        {"name": "ram", "energy_j": 20.0, "method": "modelled", "source": "Green Algorithms 0.3725 W/GB", "reason": None}]
    assert [(x["seq"], x["name"], x["parent"], x["start_ts"], x["energy_j"]) for x in r["windows"]] == [
        (0, "epoch 1", None, T0, 40.0), (1, "epoch 2", "train", T0 + 5, 80.0)]
    assert r["meta"] == {}


def test_finish_is_idempotent_and_replaces(store):
    store.create_run("r3cccccccccc", start_ts=T0)
    store.finish_run(measurement("r3cccccccccc", duration=5, windows=(WindowResult("a", T0, T0 + 1, 1.0, None),)),
                     status="running")  # a checkpoint
    assert store.get_run("r3cccccccccc")["status"] == "running"
    final = measurement("r3cccccccccc", duration=9, cpu_j=300.0, ram_j=None)
    store.finish_run(final)
    store.finish_run(final)
    assert store.count_runs() == 1
    r = store.get_run("r3cccccccccc")
    assert r["status"] == "finished" and r["duration_s"] == 9 and r["energy_j"] == 300.0
    assert [c["energy_j"] for c in r["components"]] == [300.0, None]
    assert r["windows"] == []


def test_finish_without_create_inserts(store):
    store.finish_run(measurement("r4dddddddddd"))
    assert [r["run_id"] for r in store.list_runs()] == ["r4dddddddddd"]
    assert store.get_run("r4dddddddddd")["host"] == HOST


def test_update_meta_merges(store):
    store.create_run("r5eeeeeeeeee", start_ts=T0, meta={"a": 1, "b": 2})
    store.update_meta("r5eeeeeeeeee", b=3, c=[1, 2])
    store.update_meta("r5eeeeeeeeee", d={"x": None})
    assert store.get_run("r5eeeeeeeeee")["meta"] == {"a": 1, "b": 3, "c": [1, 2], "d": {"x": None}}


def test_delete_removes_every_row(store):
    for rid in ("r6ffffffffff", "r7keepkeepke"):
        store.create_run(rid, start_ts=T0)
        store.append_samples(rid, [(T0, "cpu", 1.0, 2.0)])
        store.finish_run(measurement(rid, windows=(WindowResult("w", T0, T0 + 1, 1.0, None),)))
    store.delete_run("r6ffffffffff")
    assert store.get_run("r6ffffffffff") is None and store.sample_count("r6ffffffffff") == 0
    for t in ("components", "windows"):
        assert store._q(f"SELECT COUNT(*) AS n FROM {t} WHERE run_id=?", ("r6ffffffffff",))[0]["n"] == 0
    kept = store.get_run("r7keepkeepke")
    assert len(kept["components"]) == 2 and len(kept["windows"]) == 1 and store.sample_count("r7keepkeepke") == 1


# -- ids --------------------------------------------------------------------------------------
def test_prefix_resolution(store):
    store.create_run("a1b2c3000001", start_ts=T0)
    store.create_run("a1b2c4000002", start_ts=T0 + 1)
    store.create_run("ffff00000003", start_ts=T0 + 2)
    assert store.resolve_id("a1b2c3000001") == "a1b2c3000001"
    assert store.resolve_id("a1b2c3") == "a1b2c3000001"
    assert store.resolve_id("ff") == "ffff00000003"
    assert store.resolve_id("FFFF") == "ffff00000003"  # case-insensitive on both engines
    assert store.resolve_id("%ffff") == "ffff00000003"  # a % is not a wildcard
    with pytest.raises(UsageError, match=r"ambiguous \(a1b2c4000002, a1b2c3000001\)"):
        store.resolve_id("a1b2")
    with pytest.raises(UsageError, match="no run with id 'zzz'"):
        store.resolve_id("zzz")


# -- samples ----------------------------------------------------------------------------------
def test_samples_are_written_incrementally(store):
    store.create_run("s1aaaaaaaaaa", start_ts=T0)
    expected = []
    for batch in range(3):
        rows = [(T0 + batch * 10 + k, comp, float(batch * 100 + k), None if comp == "ram" and k == 0 else 1.25 * k)
                for k in range(4) for comp in ("ram", "cpu")]
        store.append_samples("s1aaaaaaaaaa", rows)
        expected += rows
        assert store.sample_count("s1aaaaaaaaaa") == len(expected)  # visible straight away, before finish
    store.append_samples("s1aaaaaaaaaa", [])
    got = store.samples("s1aaaaaaaaaa")
    want = sorted(expected, key=lambda r: (r[0], r[1]))
    assert [(s["t"], s["component"], s["energy_j"], s["power_w"]) for s in got] == want
    cpu = store.samples("s1aaaaaaaaaa", component="cpu")
    assert [s["t"] for s in cpu] == [r[0] for r in want if r[1] == "cpu"]
    assert store.sample_count("other") == 0 and store.samples("other") == []


def test_samples_downsampled(store):
    store.create_run("s2bbbbbbbbbb", start_ts=T0)
    rows = [(T0 + k, comp, float(k * (2 if comp == "cpu" else 1)), float(k % 7) + (0.5 if comp == "gpu:0" else 0))
            for k in range(100) for comp in ("cpu", "gpu:0")]
    store.append_samples("s2bbbbbbbbbb", rows)
    got = store.samples_downsampled("s2bbbbbbbbbb", buckets=10)
    width = 99 / 10
    groups: dict = {}
    for t, comp, e, p in rows:
        groups.setdefault((math.floor((t - T0) / width), comp), []).append((t, e, p))
    want = sorted(((min(x[0] for x in g), comp, sum(x[2] for x in g) / len(g), max(x[1] for x in g))
                   for (_, comp), g in groups.items()), key=lambda r: (r[0], r[1]))
    assert len(got) == len(want) == 22  # 10 buckets + the last sample's own, per component
    for g, w in zip(got, want):
        assert (g["t"], g["component"], g["energy_j"]) == (w[0], w[1], w[3])
        assert g["power_w"] == pytest.approx(w[2], rel=1e-12)
    assert store.samples_downsampled("nothing") == []


def test_samples_at_edges(store):
    store.create_run("s3cccccccccc", start_ts=T0)
    rows = [(T0 + 2 * k, comp, float(k), 1.0) for k in range(50) for comp in ("cpu", "gpu:0")]
    store.append_samples("s3cccccccccc", rows)
    got = store.samples_at_edges("s3cccccccccc", buckets=7)
    span = 98.0
    edges = [T0 + i * span / 7 for i in range(8)]
    ticks = sorted({max(T0 + 2 * k for k in range(50) if T0 + 2 * k <= e + 1e-9) for e in edges})
    assert [(g["t"], g["component"]) for g in got] == [(t, c) for t in ticks for c in ("cpu", "gpu:0")]
    assert got[-1]["t"] == T0 + 98 and got[0]["t"] == T0
    assert store.samples_at_edges("nothing") == []


# -- interrupted runs ---------------------------------------------------------------------------
def test_interrupted_status(store):
    store.create_run("i1deaddeadde", start_ts=T0, pid=dead_pid())
    store.create_run("i2alivealive", start_ts=T0 + 1)  # this process
    store.create_run("i3otherhosto", start_ts=T0 + 2, host="some-other-host", pid=dead_pid())
    store.finish_run(measurement("i4checkpoint", start=T0 + 3), status="running")
    store.update_meta("i4checkpoint")
    status = {r["run_id"]: r["status"] for r in store.list_runs()}
    # i4's row was created by a checkpoint alone, which records no pid: nothing vouches that it still runs
    assert status == {"i1deaddeadde": "interrupted", "i2alivealive": "running", "i3otherhosto": "running",
                      "i4checkpoint": "interrupted"}
    assert store.get_run("i1deaddeadde")["status"] == "interrupted"
    assert store.get_run("i3otherhosto")["status"] == "running"


# -- listing ------------------------------------------------------------------------------------
@pytest.fixture
def populated(store):
    specs = [  # run_id, project, start offset, cpu_j (None: unknown energy), command, name
        ("l1alpha00001", "alpha", 0, 50.0, "python train.py --lr 1", "first"),
        ("l2beta000002", "Beta", 1, 10.0, "python eval.py", None),
        ("l3gamma00003", "gamma", 2, None, "bash job.sh", "Nightly Run"),
        ("l4noproj0004", None, 3, 30.0, "python TRAIN.py", None),
        ("l5alpha00005", "alpha", 4, 70.0, "python a\\b.py", None),
    ]
    for rid, project, off, cpu, cmd, name in specs:
        store.create_run(rid, project=project, command=cmd, name=name, start_ts=T0 + off)
        store.finish_run(measurement(rid, start=T0 + off, project=project, cpu_j=cpu, ram_j=None, command=cmd, name=name))
    store.create_run("l6running006", project="alpha", start_ts=T0 + 5, command="python long.py")
    return store


def ids(rows):
    return [r["run_id"] for r in rows]


def test_list_order_and_nulls(populated):
    s = populated
    assert ids(s.list_runs()) == ["l6running006", "l5alpha00005", "l4noproj0004", "l3gamma00003", "l2beta000002",
                                  "l1alpha00001"]
    assert ids(s.list_runs(desc=False))[0] == "l1alpha00001"
    # NULL energy (unknown, and the running run) sorts last descending and first ascending, ties by run_id
    assert ids(s.list_runs(order="energy")) == ["l5alpha00005", "l1alpha00001", "l4noproj0004", "l2beta000002",
                                                "l3gamma00003", "l6running006"]
    assert ids(s.list_runs(order="energy", desc=False)) == ["l3gamma00003", "l6running006", "l2beta000002",
                                                            "l4noproj0004", "l1alpha00001", "l5alpha00005"]
    # text sorts bytewise (uppercase first) on both engines, whatever the server's locale
    assert [r["project"] for r in s.list_runs(order="project", desc=False)] == [None, "Beta", "alpha", "alpha", "alpha",
                                                                               "gamma"]
    assert ids(s.list_runs(order="bogus")) == ids(s.list_runs())  # unknown key: start time
    assert s.projects() == ["Beta", "alpha", "gamma"]


def test_list_filters_and_pages(populated):
    s = populated
    assert ids(s.list_runs(project="alpha")) == ["l6running006", "l5alpha00005", "l1alpha00001"]
    assert ids(s.list_runs(status="running")) == ["l6running006"]
    assert ids(s.list_runs(search="train")) == ["l4noproj0004", "l1alpha00001"]  # case-insensitive
    assert ids(s.list_runs(search="nightly")) == ["l3gamma00003"]  # matches the name
    assert ids(s.list_runs(search="a\\b")) == ["l5alpha00005"]  # a backslash is literal
    assert ids(s.list_runs(search="BETA")) == ["l2beta000002"]
    assert ids(s.list_runs(project="alpha", search="long", status="running")) == ["l6running006"]
    assert ids(s.list_runs(limit=2)) == ["l6running006", "l5alpha00005"]
    assert ids(s.list_runs(limit=2, offset=4)) == ["l2beta000002", "l1alpha00001"]
    assert s.list_runs(limit=2, offset=10) == []
    assert s.count_runs() == 6
    assert s.count_runs(project="alpha") == 3 and s.count_runs(search="python") == 5 and s.count_runs(status="x") == 0
    row = s.list_runs(search="eval")[0]
    assert set(row) == {"run_id", "project", "name", "command", "status", "start_ts", "end_ts", "duration_s",
                        "exit_code", "host", "pid", "scope", "region", "pue", "energy_j", "facility_energy_j",
                        "emissions_g", "intensity_g_per_kwh", "methods"}
    assert row["energy_j"] == 10.0 and row["emissions_g"] == pytest.approx(10.0 * 1.2 / 3.6e6 * 56.0, rel=1e-12)


# -- concurrency -----------------------------------------------------------------------------
def _spawn_workers(store_url: str, n: int, sync: Path) -> list[subprocess.CompletedProcess]:
    sync.mkdir()
    procs = [subprocess.Popen([sys.executable, str(HERE / "store_worker.py"), store_url, str(i), str(sync)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for i in range(n)]
    deadline = time.time() + 120
    while len(list(sync.glob("ready-*"))) < n and time.time() < deadline and all(p.poll() is None for p in procs):
        time.sleep(0.02)
    (sync / "go").touch()  # all imported: they open the store and write at the same moment
    out = []
    for p in procs:
        stdout, stderr = p.communicate(timeout=180)
        out.append(subprocess.CompletedProcess(p.args, p.returncode, stdout, stderr))
    return out


def test_sixteen_concurrent_writer_processes(store_url, tmp_path):
    """Regression guard: first connections used to race on creating the schema; writers must queue, not fail."""
    results = _spawn_workers(store_url, 16, tmp_path / "sync")
    errors = [(r.returncode, r.stderr.strip()[-500:]) for r in results if r.returncode != 0 or r.stderr.strip()]
    assert errors == []
    s = open_store(store_url)
    try:
        assert s._q("SELECT COUNT(*) AS n FROM schema_migrations")[0]["n"] == len(MIGRATIONS)
        runs = s.list_runs(project="concurrency")
        assert len(runs) == 16 and s.count_runs() == 16
        for r in runs:
            assert r["status"] == "finished" and r["energy_j"] == pytest.approx(75.0)
            assert s.sample_count(r["run_id"]) == 50
            i = int(r["command"].split()[1])
            assert s.get_run(r["run_id"])["meta"] == {"worker": i, "finished_by": i}
        assert sorted(int(r["command"].split()[1]) for r in runs) == list(range(16))
    finally:
        s.close()


def test_concurrent_meta_updates_are_not_lost(store, store_url, tmp_path):
    store.create_run("m1metametame", start_ts=T0)
    code = ("import sys; from wattwise.store import open_store; s = open_store(sys.argv[1]); i = sys.argv[2]\n"
            "for k in range(15): s.update_meta('m1metametame', **{f'w{i}k{k}': k})\n")
    procs = [subprocess.Popen([sys.executable, "-c", code, store_url, str(i)], stderr=subprocess.PIPE, text=True)
             for i in range(4)]
    errs = [(p.wait(timeout=120), p.stderr.read()) for p in procs]
    assert errs == [(0, "")] * 4
    meta = store.get_run("m1metametame")["meta"]
    assert len(meta) == 60 and meta["w3k14"] == 14


def test_simultaneous_first_opens_migrate_once(store_url):
    """Regression guard: without the migration lock, fresh-database opens raced on CREATE TABLE."""
    import threading

    n = 12
    barrier = threading.Barrier(n)
    errors, stores = [], []

    def open_one():
        barrier.wait()
        try:
            stores.append(open_store(store_url))
        except Exception as e:  # noqa: BLE001 - the assertion below reports it
            errors.append(repr(e))
    threads = [threading.Thread(target=open_one) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    try:
        assert errors == [] and len(stores) == n
        assert stores[0]._q("SELECT COUNT(*) AS n FROM schema_migrations")[0]["n"] == len(MIGRATIONS)
    finally:
        for s in stores:
            s.close()


@pytest.mark.parametrize("form, expect", [
    ("sqlite:///{rel}", "{rel}"), ("sqlite:////{abs}", "/{abs}"), ("sqlite://{rel}", "{rel}"), ("/{abs}", "/{abs}"),
])
def test_sqlite_url_forms(form, expect, tmp_path, monkeypatch):
    """Regression: sqlite:////abs/path opened '//abs/path' (an extra slash shown in every message)."""
    monkeypatch.chdir(tmp_path)
    absolute = str(tmp_path / "a.db").lstrip("/")
    s = open_store(form.format(rel="r.db", abs=absolute))
    try:
        assert s.backend == "sqlite" and s.url == expect.format(rel="r.db", abs=absolute)
    finally:
        s.close()
