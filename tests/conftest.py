"""Shared fixtures. Area-specific fixtures live in tests/<area>/conftest.py."""
from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(os.environ.get("WATTWISE_SHARED_DATA", REPO.parent / "shared" / "data"))


@pytest.fixture(autouse=True)
def _isolated_env(tmp_path, monkeypatch):
    """Every test gets its own store, config and data dirs, no region, and no network config."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg-cache"))
    for var in ("WATTWISE_STORE", "WATTWISE_REGION", "WATTWISE_CONFIG", "WATTWISE_POWERCAP_ROOT",
                "WATTWISE_ELECTRICITYMAPS_TOKEN", "WATTWISE_WATTTIME_USER", "WATTWISE_WATTTIME_PASSWORD",
                "CUDA_VISIBLE_DEVICES", "RANK", "LOCAL_RANK", "WORLD_SIZE", "SLURM_PROCID", "SLURM_LOCALID",
                "SLURM_NTASKS", "SLURM_NPROCS", "OMPI_COMM_WORLD_SIZE"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("WATTWISE_OFFLINE", "1")
    yield


@pytest.fixture
def shared_data() -> Path:
    if not SHARED_DATA.is_dir():
        pytest.skip(f"reference data not found at {SHARED_DATA} (set WATTWISE_SHARED_DATA)")
    return SHARED_DATA


@pytest.fixture
def wattwise_cmd() -> list[str]:
    """The real CLI entry point, run as a subprocess."""
    return [sys.executable, "-m", "wattwise"]
