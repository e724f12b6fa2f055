"""SQLite run store: WAL, busy timeout, ordered migrations, incremental sample writes.

Many ``wattwise run`` processes may share one file: writers take ``BEGIN IMMEDIATE`` with a
busy timeout and retry, so concurrent runs queue rather than fail. A run row is written
at start (status ``running``) and samples are appended as they come, so a killed job or a
killed wattwise still leaves its samples; ``runs list`` reports such a run as
``interrupted`` once its process is gone.
"""
from __future__ import annotations

import json
import os
import random
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any, Iterable

from ..errors import StoreError
from .schema import LATEST, MIGRATIONS

BUSY_TIMEOUT_MS = 30000


def _hostname() -> str:
    """socket.gethostname() without importing socket (both read uname's nodename)."""
    try:
        return os.uname().nodename
    except AttributeError:  # not POSIX
        import socket

        return socket.gethostname()


class SQLiteStore:
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

    # -- writes ---------------------------------------------------------------------------
    def create_run(self, run_id: str, *, project=None, name=None, command=None, start_ts: float, scope=None,
                   region=None, pue=None, host=None, pid=None, meta: dict | None = None, version: str | None = None) -> None:
        self._tx(lambda c: c.execute(
            "INSERT INTO runs (run_id, project, name, command, status, start_ts, host, pid, scope, region, pue, meta_json,"
            " wattwise_version) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (run_id, project, name, command, "running", start_ts, host or _hostname(), pid or os.getpid(), scope,
             region, pue, json.dumps(meta or {}), version)))

    def append_samples(self, run_id: str, rows: Iterable[tuple[float, str, float, float | None]]) -> None:
        rows = [(run_id, *r) for r in rows]
        if rows:
            self._tx(lambda c: c.executemany("INSERT INTO samples VALUES (?,?,?,?,?)", rows))

    def finish_run(self, m, *, status: str | None = None) -> None:
        """Record a finished Measurement (idempotent: replaces an earlier record of the same run)."""
        d = m.to_dict()
        methods = ",".join(sorted({c.method for c in m.components}))

        def write(c):
            exists = c.execute("SELECT 1 FROM runs WHERE run_id=?", (m.run_id,)).fetchone()
            vals = (m.project, m.name, m.command, status or m.status, m.start, m.end, m.duration_s, m.exit_code, m.host,
                    m.scope, m.intensity.region or m.intensity.zone, m.pue, m.energy_j, m.facility_energy_j, m.emissions_g,
                    m.intensity.g_per_kwh, methods, json.dumps(d))
            if exists:
                c.execute("UPDATE runs SET project=?, name=?, command=?, status=?, start_ts=?, end_ts=?, duration_s=?,"
                          " exit_code=?, host=?, scope=?, region=?, pue=?, energy_j=?, facility_energy_j=?, emissions_g=?,"
                          " intensity_g_per_kwh=?, methods=?, result_json=? WHERE run_id=?", (*vals, m.run_id))
            else:
                c.execute("INSERT INTO runs (project, name, command, status, start_ts, end_ts, duration_s, exit_code, host,"
                          " scope, region, pue, energy_j, facility_energy_j, emissions_g, intensity_g_per_kwh, methods,"
                          " result_json, run_id) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", (*vals, m.run_id))
            c.execute("DELETE FROM components WHERE run_id=?", (m.run_id,))
            c.executemany("INSERT INTO components VALUES (?,?,?,?,?,?)",
                          [(m.run_id, x.name, x.energy_j, x.method, x.source, x.reason) for x in m.components])
            c.execute("DELETE FROM windows WHERE run_id=?", (m.run_id,))
            c.executemany("INSERT INTO windows VALUES (?,?,?,?,?,?,?,?,?)",
                          [(m.run_id, i, w.name, w.parent, w.start, w.end, w.energy_j, w.emissions_g,
                            json.dumps(w.components)) for i, w in enumerate(m.windows)])
        self._tx(write)

    def update_meta(self, run_id: str, **meta: Any) -> None:
        def upd(c):
            r = c.execute("SELECT meta_json FROM runs WHERE run_id=?", (run_id,)).fetchone()
            cur = json.loads(r[0] or "{}") if r else {}
            cur.update(meta)
            c.execute("UPDATE runs SET meta_json=? WHERE run_id=?", (json.dumps(cur), run_id))
        self._tx(upd)

    def delete_run(self, run_id: str) -> None:
        def rm(c):
            for t in ("samples", "windows", "components", "runs"):
                c.execute(f"DELETE FROM {t} WHERE run_id=?", (run_id,))
        self._tx(rm)

    # -- reads ----------------------------------------------------------------------------
    _ORDER = {"start": "start_ts", "duration": "duration_s", "energy": "energy_j", "emissions": "emissions_g",
              "project": "project", "region": "region", "status": "status", "run_id": "run_id"}

    def _q(self, sql: str, params=()) -> list[sqlite3.Row]:
        with self._lock:
            cur = self._conn.execute(sql, params)
            cols = [d[0] for d in cur.description]
            return [dict(zip(cols, r)) for r in cur.fetchall()]

    def _where(self, project=None, search=None, status=None):
        where, params = [], []
        if project:
            where.append("project = ?")
            params.append(project)
        if status:
            where.append("status = ?")
            params.append(status)
        if search:
            where.append("(run_id LIKE ? OR project LIKE ? OR name LIKE ? OR command LIKE ? OR region LIKE ?)")
            params.extend([f"%{search}%"] * 5)
        return (" WHERE " + " AND ".join(where)) if where else "", params

    def list_runs(self, *, project=None, search=None, status=None, order="start", desc=True, limit=None, offset=0) -> list[dict]:
        col = self._ORDER.get(order.lstrip("-"), "start_ts")
        w, p = self._where(project, search, status)
        sql = (f"SELECT run_id, project, name, command, status, start_ts, end_ts, duration_s, exit_code, host, pid, scope,"
               f" region, pue, energy_j, facility_energy_j, emissions_g, intensity_g_per_kwh, methods FROM runs{w}"
               f" ORDER BY {col} {'DESC' if desc else 'ASC'}, run_id")
        if limit is not None:
            sql += f" LIMIT {int(limit)} OFFSET {int(offset)}"
        rows = self._q(sql, p)
        for r in rows:
            _mark_interrupted(r)
        return rows

    def count_runs(self, *, project=None, search=None, status=None) -> int:
        w, p = self._where(project, search, status)
        return self._q(f"SELECT COUNT(*) AS n FROM runs{w}", p)[0]["n"]

    def projects(self) -> list[str]:
        return [r["project"] for r in self._q("SELECT DISTINCT project FROM runs WHERE project IS NOT NULL ORDER BY project")]

    def resolve_id(self, prefix: str) -> str:
        rows = self._q("SELECT run_id FROM runs WHERE run_id LIKE ? ORDER BY start_ts DESC LIMIT 5", (prefix.replace("%", "") + "%",))
        if not rows:
            from ..errors import UsageError

            raise UsageError(f"no run with id '{prefix}' in {self.url}; list runs with: wattwise runs list")
        if len(rows) > 1 and rows[0]["run_id"] != prefix:
            from ..errors import UsageError

            raise UsageError(f"run id '{prefix}' is ambiguous ({', '.join(r['run_id'] for r in rows)}); give more characters")
        return rows[0]["run_id"]

    def get_run(self, run_id: str) -> dict | None:
        rows = self._q("SELECT * FROM runs WHERE run_id=?", (run_id,))
        if not rows:
            return None
        r = rows[0]
        _mark_interrupted(r)
        r["result"] = json.loads(r["result_json"]) if r.get("result_json") else None
        r["meta"] = json.loads(r["meta_json"]) if r.get("meta_json") else {}
        r["components"] = self._q("SELECT name, energy_j, method, source, reason FROM components WHERE run_id=? ORDER BY name", (run_id,))
        r["windows"] = self._q("SELECT * FROM windows WHERE run_id=? ORDER BY seq", (run_id,))
        return r

    def samples(self, run_id: str, *, component: str | None = None) -> list[dict]:
        if component:
            return self._q("SELECT t, component, energy_j, power_w FROM samples WHERE run_id=? AND component=? ORDER BY t",
                           (run_id, component))
        return self._q("SELECT t, component, energy_j, power_w FROM samples WHERE run_id=? ORDER BY t, component", (run_id,))

    def sample_count(self, run_id: str) -> int:
        return self._q("SELECT COUNT(*) AS n FROM samples WHERE run_id=?", (run_id,))[0]["n"]

    def samples_downsampled(self, run_id: str, buckets: int = 500) -> list[dict]:
        """Mean power and last cumulative energy per component in at most `buckets` time buckets (for charts)."""
        span = self._q("SELECT MIN(t) AS a, MAX(t) AS b FROM samples WHERE run_id=?", (run_id,))[0]
        if span["a"] is None:
            return []
        width = max((span["b"] - span["a"]) / buckets, 1e-9)
        return self._q(
            "SELECT MIN(t) AS t, component, AVG(power_w) AS power_w, MAX(energy_j) AS energy_j FROM samples"
            " WHERE run_id=? GROUP BY CAST((t - ?) / ? AS INTEGER), component ORDER BY t, component",
            (run_id, span["a"], width))


def _pid_alive(pid: int | None) -> bool:
    if not pid:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _mark_interrupted(r: dict) -> None:
    if r.get("status") == "running" and r.get("host") == _hostname() and not _pid_alive(r.get("pid")):
        r["status"] = "interrupted"
