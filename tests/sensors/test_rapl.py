"""RAPL via a fake powercap tree laid out like the kernel's."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest

from wattwise.sensors import SensorUnavailable
from wattwise.sensors.rapl import discover, open_rapl
from wattwise.testing import FakePowercap


def test_discovers_packages_and_dram_but_not_core_or_uncore(tmp_path):
    fake = FakePowercap(tmp_path, sockets=2, core=True, uncore=True, dram=True)
    found = discover(fake.root)
    assert [n for _, n in found["package"]] == ["package-0", "package-1"]
    assert len(found["dram"]) == 2
    sensors = open_rapl(fake.root)
    assert [s.component for s in sensors] == ["cpu", "dram"]
    fake.advance(0, package_j=10.0, dram_j=1.0, core_j=8.0)
    fake.advance(1, package_j=5.0, dram_j=0.5, core_j=4.0)
    cpu, dram = sensors
    # core (8 + 4 J) and uncore are inside the package: counting them would give 27 J
    assert cpu.read_energy_j() == pytest.approx(15.0)
    assert dram.read_energy_j() == pytest.approx(1.5)


def test_wraparound_is_corrected(tmp_path):
    fake = FakePowercap(tmp_path, sockets=1, max_energy_range_uj=5_000_000, start_uj=4_000_000)
    (cpu, dram) = open_rapl(fake.root)
    total = 0.0
    for step in (0.7, 2.5, 3.9, 1.2, 4.4):  # each step < range (5 J); several wraps
        fake.advance(0, package_j=step, dram_j=step / 10)
        total += step
        cpu.read_energy_j()
    assert cpu.read_energy_j() == pytest.approx(total, abs=1e-4)
    assert dram.read_energy_j() == pytest.approx(total / 10, abs=1e-4)


def test_psys_only_when_no_package(tmp_path):
    fake = FakePowercap(tmp_path, sockets=1, psys=True)
    assert [s.source for s in open_rapl(fake.root)][0] == "rapl:package-0"


def test_missing_root_says_why(tmp_path):
    with pytest.raises(SensorUnavailable, match="no powercap interface"):
        open_rapl(tmp_path / "nope")


def test_env_var_root(tmp_path, monkeypatch):
    fake = FakePowercap(tmp_path)
    monkeypatch.setenv("WATTWISE_POWERCAP_ROOT", str(fake.root))
    assert open_rapl()[0].component == "cpu"


def test_unreadable_counters_name_the_fix(tmp_path):
    """Kernels >= 5.10 make energy_uj root-only: say so and print the chmod command."""
    base = tmp_path / "pc"
    base.mkdir()
    fake = FakePowercap(base)
    fake.make_unreadable()
    code = ("import sys; from wattwise.sensors.rapl import open_rapl\n"
            "from wattwise.sensors import SensorUnavailable\n"
            f"try:\n    open_rapl({str(fake.root)!r})\nexcept SensorUnavailable as e:\n"
            "    print('MSG', e); print('FIX', e.fix); print('PRESENT', e.present)\n")
    kw = {}
    python = sys.executable
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    if os.geteuid() == 0:  # root reads anything: drop to 'nobody' to see what users see
        for p in [tmp_path, *tmp_path.parents]:
            if p == p.parent:
                break
            os.chmod(p, os.stat(p).st_mode | 0o005)
        for dirpath, dirs, files in os.walk(base):
            os.chmod(dirpath, 0o755)
        kw["user"] = 65534
        kw["group"] = 65534
        # the venv may live under /root (unreadable to nobody): use the system interpreter and the source tree
        import wattwise

        python = "/usr/bin/python3" if os.path.exists("/usr/bin/python3") else sys.executable
        env["PYTHONPATH"] = os.path.dirname(os.path.dirname(wattwise.__file__))
    out = subprocess.run([python, "-c", code], capture_output=True, text=True, env=env, **kw)
    assert "readable only by root" in out.stdout, out.stdout + out.stderr
    assert f"sudo chmod a+r {fake.root}/intel-rapl:*/energy_uj" in out.stdout
    assert "PRESENT True" in out.stdout
