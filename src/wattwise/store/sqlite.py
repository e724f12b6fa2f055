"""SQLite run store: WAL, busy timeout, ordered migrations, incremental sample writes.

Many ``wattwise run`` processes may share one file: writers take ``BEGIN IMMEDIATE`` with a
busy timeout and retry, so concurrent runs queue rather than fail. A run row is written
at start (status ``running``) and samples are appended as they come, so a killed job or a
killed wattwise still leaves its samples; ``runs list`` reports such a run as
``interrupted`` once its process is gone. The queries themselves live in ``base.BaseStore``,
shared with the PostgreSQL backend; this module is the SQLite plumbing.
"""
from __future__ import annotations

import os
import random
import sqlite3
import threading
import time
from pathlib import Path

from ..errors import StoreError
from .base import BaseStore, _mark_interrupted, _pid_alive  # noqa: F401 (re-exported)
from .schema import LATEST, MIGRATIONS

BUSY_TIMEOUT_MS = 30000


class SQLiteStore(BaseStore):
    backend = "sqlite"

    def __init__(self, path: str | os.PathLike, *, readonly: bool = False):
        self.path = Path(path).expanduser()
        self.url = str(self.path)
        self._lock = threading.RLock()
        if readonly and not self.path.exists():
            raise StoreError(f"no run store at {self.path} yet; run something with `wattwise run -- CMD` first, or pass --store")
        try:
            if not readonly:
                self.path.parent.mkdir(parents=True, exist_ok=True)
            self._conn = sqlite3.connect(str(self.path), timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None,
                                         check_same_thread=False)
            self._conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
            if not readonly:
                self._retry(lambda: self._conn.execute("PRAGMA journal_mode=WAL"))
            self._conn.execute("PRAGMA synchronous=NORMAL")
            self._migrate(readonly)
        except sqlite3.DatabaseError as e:
            raise StoreError(self._explain(e)) from None
        except OSError as e:
            raise StoreError(f"cannot create run store at {self.path}: {e.strerror}; pass --store PATH or set WATTWISE_STORE") from None

    # -- plumbing -------------------------------------------------------------------------
    def _explain(self, e: Exception) -> str:
        msg = str(e)
        if "file is not a database" in msg or "malformed" in msg:
            return (f"run store {self.path} is not a valid SQLite database ({msg}); move it aside "
                    f"(mv {self.path} {self.path}.bad) or pass --store PATH")
        if "readonly" in msg or "unable to open" in msg or "disk I/O" in msg:
            return f"run store {self.path} is not writable ({msg}); check permissions, or pass --store PATH / set WATTWISE_STORE"
        return f"run store {self.path}: {msg}"

    def _retry(self, fn, attempts: int = 60):
        delay = 0.01
        for i in range(attempts):
            try:
                return fn()
            except sqlite3.OperationalError as e:
                if "locked" not in str(e) and "busy" not in str(e) or i == attempts - 1:
                    raise
                time.sleep(delay + random.random() * delay)
                delay = min(delay * 2, 0.5)

    def _tx(self, fn):
        """Run fn(conn) in a BEGIN IMMEDIATE transaction, retrying on lock contention."""
        def attempt():
            with self._lock:
                c = self._conn
                c.execute("BEGIN IMMEDIATE")
                try:
                    out = fn(c)
                except BaseException:
                    c.execute("ROLLBACK")
                    raise
                c.execute("COMMIT")
                return out
        try:
            return self._retry(attempt)
        except sqlite3.DatabaseError as e:
            raise StoreError(self._explain(e)) from None

    def _migrate(self, readonly: bool) -> None:
        c = self._conn
        c.execute("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT, applied_at REAL)") if not readonly else None
        try:
            have = {r[0] for r in c.execute("SELECT version FROM schema_migrations")}
        except sqlite3.OperationalError:
            have = set()
        if have and max(have) > LATEST:
            raise StoreError(f"run store {self.path} has schema version {max(have)}, newer than this wattwise "
                             f"({LATEST}); upgrade wattwise")
        if readonly or all(v in have for v, _, _ in MIGRATIONS):
            return

        def apply(conn):
            done = {r[0] for r in conn.execute("SELECT version FROM schema_migrations")}
            for v, name, stmts in MIGRATIONS:
                if v in done:
                    continue
                for s in stmts:
                    conn.execute(s)
                conn.execute("INSERT INTO schema_migrations VALUES (?, ?, ?)", (v, name, time.time()))
        self._tx(apply)

    def schema_version(self) -> int:
        r = self._conn.execute("SELECT MAX(version) FROM schema_migrations").fetchone()
        return r[0] or 0

    def close(self) -> None:
        with self._lock:
            try:
                self._conn.close()
            except Exception:  # noqa: BLE001
                pass

    def _q(self, sql: str, params=()) -> list[dict]:
        with self._lock:
            cur = self._conn.execute(sql, params)
            cols = [d[0] for d in cur.description]
            return [dict(zip(cols, r)) for r in cur.fetchall()]
