"""Fixtures for the footprint tests: a store URL over both backends (SQLite and a real PostgreSQL
server, the same throwaway cluster tests/store uses), and realistic runs written through the
store's real write API, as the tracker writes them."""
from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

_spec = importlib.util.spec_from_file_location("_store_conftest", Path(__file__).parents[1] / "store" / "conftest.py")
_store = sys.modules.setdefault("_store_conftest", importlib.util.module_from_spec(_spec))
_spec.loader.exec_module(_store)
pg_server = _store.pg_server  # noqa: F811 - re-exported fixtures
pg_url = _store.pg_url


@pytest.fixture(params=["sqlite", "postgres"])
def store_url(request, tmp_path):
    """The same test runs against SQLite and a real PostgreSQL server."""
    if request.param == "sqlite":
        return str(tmp_path / "runs.db")
    return request.getfixturevalue("pg_url")


@pytest.fixture
def store(store_url):
    from wattwise.store import open_store

    s = open_store(store_url)
    yield s
    s.close()
