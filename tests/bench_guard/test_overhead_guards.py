"""Guards for wattwise's own overhead that do not depend on timing (see bench/bench_overhead.py).

Each test pins down one thing that made import, tracker start or the 1 s sampler tick cost
more than its budget (import <= 10 ms, start <= 50 ms CPU, <= 0.3 CPU-s/h at 1 s):
heavy modules pulled in at import or start, bundled CPU tables parsed in full at start, and
files opened on every sampler tick. A regression shows here as a module name, a row count
or a file count, not as a flaky timing.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time

import pytest

from wattwise import cpuinfo, procs

# Never needed by `import wattwise` (its API is lazy): third-party extras, and standard
# library modules that cost milliseconds each (sqlite3, csv, json, importlib.resources...).
HEAVY_AT_IMPORT = ("numpy", "httpx", "starlette", "jinja2", "uvicorn", "psycopg", "pynvml", "torch", "pandas",
                   "sqlite3", "csv", "json", "logging", "importlib.resources", "zipfile", "difflib", "socket", "uuid",
                   "dataclasses", "asyncio", "ssl", "email", "http.client", "urllib.request", "decimal")
# Not needed to construct and start a Tracker (offline, default SQLite store) either.
# (difflib only suggests names for typos; gzip and the hourly accounting only serve live or file
# intensity series, which the offline default does not use.)
HEAVY_AT_START = ("numpy", "httpx", "starlette", "jinja2", "uvicorn", "psycopg", "torch", "pandas", "logging",
                  "importlib.resources", "zipfile", "socket", "uuid", "asyncio", "ssl", "email", "http.client",
                  "urllib.request", "decimal", "tempfile", "shutil", "subprocess", "platform", "difflib", "gzip",
                  "wattwise.intensity.accounting", "wattwise.series")


def _modules_after(code: str, env_extra: dict | None = None) -> list[str]:
    env = dict(os.environ, **(env_extra or {}))
    # NVML's own client (pynvml, via ctypes) is what the [nvidia] extra costs, not wattwise: load it first
    script = "import sys\ntry:\n    import pynvml\nexcept ImportError:\n    pass\nbefore = set(sys.modules)\n" + code + \
             "\n_new = sorted(set(sys.modules) - before)\nimport json as _j\nprint(_j.dumps(_new))\n"
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=120)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_import_wattwise_loads_nothing_heavy():
    """`import wattwise` must stay at the cost of its own __init__ (target: <= 10 ms over bare Python)."""
    new = _modules_after("import wattwise")
    assert [m for m in new if m.startswith("wattwise.")] == []
    assert sorted(set(new) & set(HEAVY_AT_IMPORT)) == []


def test_tracker_start_loads_nothing_heavy(tmp_path):
    """Starting a tracker once imported logging, uuid, socket and importlib.resources (+zipfile): ~25 ms of 50."""
    code = ("import wattwise\n"
            "t = wattwise.Tracker(project='guard', region='FR', interval=1.0).start()\n"
            "t.stop()\n")
    new = _modules_after(code, {"XDG_DATA_HOME": str(tmp_path / "data"), "WATTWISE_OFFLINE": "1"})
    assert "wattwise.tracker" in new and "sqlite3" in new  # it did start, with its default store
    assert sorted(set(new) & set(HEAVY_AT_START)) == []


def test_exact_region_id_builds_one_region_not_all():
    """Resolving 'FR' once built all ~450 regions and their aliases: ~10 ms of every tracker start."""
    code = ("from wattwise import regions\n"
            "assert regions.resolve('FR').name == 'France'\n"
            "assert regions.get('WORLD') is not None and regions.get('nope') is None\n"
            "print(regions._load.cache_info().currsize)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["0"]


def test_one_region_lookup_equals_the_full_table():
    from wattwise import regions

    regs, _ = regions._load()
    assert len(regs) > 200
    for rid, reg in regs.items():
        assert regions._region(rid) == reg, rid
    # aliases and case still resolve (through the full table)
    assert regions.resolve("fr").id == "FR"
    assert regions.resolve("France").id == "FR"


@pytest.fixture
def rows_read(monkeypatch):
    """Record how many rows of each bundled CPU table get parsed."""
    seen: dict[str, int] = {}
    real_rows, real_table = cpuinfo._rows_mentioning, cpuinfo.table

    def rows(name, needles):
        out = real_rows(name, needles)
        seen[name] = seen.get(name, 0) + len(out)
        return out

    def table(name):
        out = real_table(name)
        seen[name] = seen.get(name, 0) + len(out)
        return out

    cpuinfo._tdp_index_for.cache_clear()
    monkeypatch.setattr(cpuinfo, "_rows_mentioning", rows)
    monkeypatch.setattr(cpuinfo, "table", table)
    yield seen
    cpuinfo._tdp_index_for.cache_clear()


def test_vm_power_model_reads_no_tdp_row(rows_read):
    """On a VM the 5,000-row TDP table is not used, so it must not be parsed (it cost ~30 ms at start)."""
    info = cpuinfo.CpuInfo(vendor="AuthenticAMD", model_name="AMD EPYC", family=0x19, model=0x01, logical_cpus=2,
                           hypervisor=True)
    pm = cpuinfo.cpu_power_model(info)
    assert pm.basis == "ccf-vcpu" and "EPYC 3rd Gen" in pm.source
    assert rows_read.get("cpu_tdp.csv", 0) == 0
    assert rows_read.get("cpu_microarchitectures.csv", 0) == 0  # "AMD EPYC" has no model number to look up


def test_bare_metal_lookup_parses_only_candidate_rows(rows_read):
    info = cpuinfo.CpuInfo(vendor="GenuineIntel", model_name="Intel(R) Xeon(R) Gold 6248 CPU @ 2.50GHz", family=6,
                           model=0x55, stepping=7, logical_cpus=80, sockets=2)
    pm = cpuinfo.cpu_power_model(info)
    assert pm.basis == "tdp" and "6248" in pm.source
    assert 0 < rows_read["cpu_tdp.csv"] < 50  # of ~5,000
    assert rows_read["cpu_microarchitectures.csv"] < 50  # of ~1,500


NAMES = ["Intel(R) Xeon(R) Gold 6248 CPU @ 2.50GHz", "AMD EPYC 7B13", "AMD EPYC", "AMD EPYC 7763 64-Core Processor",
         "Intel(R) Core(TM) i7-8700K CPU @ 3.70GHz", "AMD Ryzen 9 5950X 16-Core Processor",
         "Intel(R) Xeon(R) Platinum 8375C CPU @ 2.90GHz", "Intel(R) Xeon(R) CPU E5-2686 v4 @ 2.30GHz",
         "Intel(R) Xeon(R) CPU @ 2.20GHz", "Apple M2", "AMD Ryzen 7 PRO 4750U with Radeon Graphics"]


def _full_scan_match(name: str):
    """The original lookup over every row of the table, as the reference."""
    import difflib

    q = cpuinfo.normalize(name)
    numbers = [t for t in q.split() if any(c.isdigit() for c in t)]
    if not numbers:
        return None
    by_norm, by_token = cpuinfo._tdp_index()
    if q in by_norm:
        return by_norm[q]["model"], "exact"
    qtok, best = set(q.split()), None
    for c in {c for t in numbers for c in by_token.get(t, [])}:
        ctok = set(c.split())
        cnum = {t for t in ctok if any(ch.isdigit() for ch in t)}
        if not cnum or not cnum <= qtok:
            continue
        score = difflib.SequenceMatcher(None, q, c).ratio()
        if ctok <= qtok:
            score = max(score, 0.95)
        if best is None or score > best[1]:
            best = (c, score)
    if best and best[1] >= 0.6:
        return by_norm[best[0]]["model"], "high" if best[1] >= 0.9 else "medium"
    return None


def _full_scan_arch(name: str):
    q = f" {cpuinfo.normalize(name)} "
    for frag, arch in cpuinfo._arch_fragments():
        if frag and any(c.isdigit() for c in frag) and f" {frag} " in q:
            return arch
    return None


def test_prefiltered_lookups_match_the_full_scan():
    """Parsing only candidate rows must give exactly the matches a scan of every row gives."""
    rows = cpuinfo.table("cpu_tdp.csv")
    frags = cpuinfo.table("cpu_microarchitectures.csv")
    names = NAMES + [r["model"] for r in rows[::25]] + [f"Intel(R) Xeon(R) {r['model_fragment']} CPU" for r in frags[::10]]
    for name in names:
        m = cpuinfo.match_tdp(name)
        assert (None if m is None else (m.model, m.confidence)) == _full_scan_match(name), name
        arch, how = cpuinfo.microarchitecture(cpuinfo.CpuInfo(model_name=name))
        assert (arch if how.startswith("model name") else None) == _full_scan_arch(name), name


def test_tree_of_this_process_alone_matches_proc(monkeypatch):
    """The one-pread fast path gives what walking /proc/<pid>/stat gives."""
    tree = procs.ProcessTree()
    f = procs._stat_fields(os.getpid())
    walked = (int(f[11]) + int(f[12]) + int(f[13]) + int(f[14])) / procs.CLK_TCK
    assert abs(tree.cpu_s - walked) <= 0.05
    assert tree.rss_bytes == pytest.approx(int(f[21]) * procs.PAGE, rel=0.2)


def test_tree_still_counts_a_busy_child():
    """With a child alive, the poll walks the tree and counts the child's CPU time."""
    tree = procs.ProcessTree()
    before = tree.cpu_s
    child = subprocess.Popen([sys.executable, "-c", "import time\nt=time.process_time()\n"
                              "while time.process_time() - t < 0.6: pass\ntime.sleep(30)"])
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            tree.poll()
            if tree.cpu_s - before >= 0.5:
                break
            time.sleep(0.1)
        assert tree.cpu_s - before >= 0.5
        assert tree.rss_bytes > 0
    finally:
        child.kill()
        child.wait()


_OPENED: list | None = None
_OWNER: int | None = None


def _audit(event, args):
    # builtins.open, io.open and os.open all raise "open"; only this test's thread counts
    # (a tracker left running by another test may read files on its own thread).
    if event == "open" and _OPENED is not None and threading.get_ident() == _OWNER:
        _OPENED.append(str(args[0]))


def test_sampler_tick_opens_no_file(tmp_path):
    """A tick for a process without children reads a kept-open descriptor: no open() per tick.

    Each syscall costs 10-25 us when the caches are cold, as they are once a second; the
    first version opened and closed /proc files several times per tick.
    """
    global _OPENED, _OWNER
    import wattwise

    sys.addaudithook(_audit)  # cannot be removed; inert while _OPENED is None
    t = wattwise.Tracker(region="FR", store=False, interval=3600, install_handlers=False).start()
    try:
        t.meter._tick(record=True)  # warm: the descriptor is opened once
        _OWNER = threading.get_ident()
        _OPENED = []
        for _ in range(50):
            t.meter._tick(record=True)
        opened, _OPENED = _OPENED, None
        assert opened == []
        assert t.meter.ticks >= 51
    finally:
        _OPENED = None
        t.stop()
