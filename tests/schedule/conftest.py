"""Fixtures for the scheduler tests (helpers live in schedule_helpers.py)."""
from __future__ import annotations

from pathlib import Path

import pytest
from schedule_helpers import HOURLY


@pytest.fixture
def hourly_dir(shared_data) -> Path:
    d = shared_data / HOURLY
    if not d.is_dir():
        pytest.skip(f"{d} not found")
    return d
