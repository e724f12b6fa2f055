"""Fixtures for the training-framework integration tests.

The framework tests use the real libraries (torch, transformers + accelerate, lightning) and
skip with a clear message where they are not installed; CI installs none of them. To run them:

    .venv/bin/pip install torch==2.13.0   # the CPU build; see docs/integrations.md
    .venv/bin/pip install transformers accelerate lightning
"""
from __future__ import annotations

import importlib.util
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
INSTALL = ("pip install torch==2.13.0 transformers accelerate lightning mlflow-skinny wandb tensorboard keras; "
           "the tested versions are pinned in .ci/run")


def _have(mod: str) -> bool:
    try:
        return importlib.util.find_spec(mod) is not None
    except (ImportError, ValueError):
        return False


def need(*mods: str) -> None:
    """Skip the test unless every module is installed, saying what to install."""
    missing = [m for m in mods if not _have(m)]
    if missing:
        pytest.skip(f"{', '.join(missing)} not installed; these tests use the real libraries ({INSTALL})")


@pytest.fixture
def hf_env(monkeypatch):
    """transformers without any network: no hub, no telemetry."""
    need("torch", "transformers", "accelerate")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("TRANSFORMERS_OFFLINE", "1")
    monkeypatch.setenv("HF_HUB_DISABLE_TELEMETRY", "1")
    monkeypatch.setenv("TOKENIZERS_PARALLELISM", "false")
    monkeypatch.setenv("WANDB_DISABLED", "true")


@pytest.fixture
def pl_env():
    need("torch", "lightning")


def run_workers(cmd: list[str], env: dict[str, str], timeout: float = 240.0) -> subprocess.CompletedProcess:
    """Run a distributed job in its own process group; on timeout (a deadlock) kill the whole group."""
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, start_new_session=True)
    try:
        out, err = p.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, signal.SIGKILL)
        out, err = p.communicate()
        pytest.fail(f"distributed job still running after {timeout:g} s (deadlock?): {' '.join(cmd)}\n{err[-3000:]}")
    return subprocess.CompletedProcess(cmd, p.returncode, out, err)


def worker_env(tmp_path: Path) -> dict[str, str]:
    """The environment for a distributed worker script: this test's isolated dirs, offline."""
    env = dict(os.environ)
    env.update(HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", HF_HUB_DISABLE_TELEMETRY="1", TOKENIZERS_PARALLELISM="false",
               PYTHONPATH=str(HERE), OMP_NUM_THREADS="1")
    return env
