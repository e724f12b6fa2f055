"""What the SQLite and PostgreSQL run stores share: the SQL of every read and write.

A backend supplies plumbing only: ``_tx(fn)`` runs ``fn(c)`` in one write transaction, where
``c.execute(sql, params)`` returns a cursor and ``c.executemany(sql, rows)`` inserts many rows;
``_q(sql, params)`` returns rows as dicts. SQL here uses ``?`` placeholders (the PostgreSQL
backend rewrites them). The few places where the engines disagree are hooks, so that both
backends answer every query identically: LIKE is case-insensitive in SQLite, NULLs sort
first in SQLite, text sorts bytewise in SQLite, and CAST(x AS INTEGER) truncates in SQLite
but rounds in PostgreSQL.
"""
from __future__ import annotations

import json
import os
from typing import Any, Iterable


def _hostname() -> str:
    """socket.gethostname() without importing socket (both read uname's nodename): tracker start is budgeted."""
    try:
        return os.uname().nodename
    except AttributeError:  # not POSIX
        import socket

        return socket.gethostname()


class BaseStore:
    backend = ""
    url = ""

    # -- dialect hooks (SQLite's spelling; PostgresStore overrides) ----------------------------
    _like = "LIKE"

    def _like_arg(self, text: str) -> str:
        return text

    def _order_by(self, col: str, desc: bool) -> str:
        return f"{col} {'DESC' if desc else 'ASC'}, run_id"

    def _order_text(self, col: str) -> str:
        return col

    _bucket = "CAST((t - ?) / ? AS INTEGER)"

    def _lock_run(self, c, run_id: str) -> None:
        """Serialise read-modify-write of one run (SQLite's BEGIN IMMEDIATE already does)."""

    # -- plumbing each backend provides ---------------------------------------------------------
    def _tx(self, fn):  # pragma: no cover - abstract
        raise TypeError(f"{type(self).__name__} must implement _tx")

    def _q(self, sql: str, params=()) -> list[dict]:  # pragma: no cover - abstract
        raise TypeError(f"{type(self).__name__} must implement _q")

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
            self._lock_run(c, m.run_id)
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
            self._lock_run(c, run_id)
            r = c.execute("SELECT meta_json FROM runs WHERE run_id=?", (run_id,)).fetchone()
            cur = json.loads(r[0] or "{}") if r else {}
            cur.update(meta)
            c.execute("UPDATE runs SET meta_json=? WHERE run_id=?", (json.dumps(cur), run_id))
        self._tx(upd)

    def delete_run(self, run_id: str) -> None:
        def rm(c):
            self._lock_run(c, run_id)
            for t in ("samples", "windows", "components", "runs"):
                c.execute(f"DELETE FROM {t} WHERE run_id=?", (run_id,))
        self._tx(rm)

    # -- reads ----------------------------------------------------------------------------
    _ORDER = {"start": "start_ts", "duration": "duration_s", "energy": "energy_j", "emissions": "emissions_g",
              "project": "project", "region": "region", "status": "status", "run_id": "run_id", "name": "name",
              "method": "methods"}

    def _where(self, project=None, search=None, status=None):
        where, params = [], []
        if project:
            where.append("project = ?")
            params.append(project)
        if status:
            where.append("status = ?")
            params.append(status)
        if search:
            like = self._like
            where.append(f"(run_id {like} ? OR project {like} ? OR name {like} ? OR command {like} ? OR region {like} ?)")
            params.extend([f"%{self._like_arg(search)}%"] * 5)
        return (" WHERE " + " AND ".join(where)) if where else "", params

    def list_runs(self, *, project=None, search=None, status=None, order="start", desc=True, limit=None, offset=0) -> list[dict]:
        col = self._ORDER.get(order.lstrip("-"), "start_ts")
        w, p = self._where(project, search, status)
        sql = (f"SELECT run_id, project, name, command, status, start_ts, end_ts, duration_s, exit_code, host, pid, scope,"
               f" region, pue, energy_j, facility_energy_j, emissions_g, intensity_g_per_kwh, methods FROM runs{w}"
               f" ORDER BY {self._order_by(col, desc)}")
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
        return [r["project"] for r in self._q(
            f"SELECT DISTINCT {self._order_text('project')} AS project FROM runs WHERE project IS NOT NULL ORDER BY project")]

    def resolve_id(self, prefix: str) -> str:
        rows = self._q(f"SELECT run_id FROM runs WHERE run_id {self._like} ? ORDER BY start_ts DESC LIMIT 5",
                       (self._like_arg(prefix.replace("%", "")) + "%",))
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
        r["components"] = self._q("SELECT name, energy_j, method, source, reason FROM components WHERE run_id=?"
                                  f" ORDER BY {self._order_text('name')}", (run_id,))
        r["windows"] = self._q("SELECT * FROM windows WHERE run_id=? ORDER BY seq", (run_id,))
        return r

    def samples(self, run_id: str, *, component: str | None = None) -> list[dict]:
        if component:
            return self._q("SELECT t, component, energy_j, power_w FROM samples WHERE run_id=? AND component=? ORDER BY t",
                           (run_id, component))
        return self._q("SELECT t, component, energy_j, power_w FROM samples WHERE run_id=?"
                       f" ORDER BY t, {self._order_text('component')}", (run_id,))

    def sample_count(self, run_id: str) -> int:
        return self._q("SELECT COUNT(*) AS n FROM samples WHERE run_id=?", (run_id,))[0]["n"]

    def _span(self, run_id: str) -> dict:
        """First and last sample time: two index seeks (MIN and MAX in one SELECT scan the run's rows)."""
        return self._q("SELECT (SELECT t FROM samples WHERE run_id=? ORDER BY t LIMIT 1) AS a,"
                       " (SELECT t FROM samples WHERE run_id=? ORDER BY t DESC LIMIT 1) AS b", (run_id, run_id))[0]

    def samples_at_edges(self, run_id: str, buckets: int = 400) -> list[dict]:
        """Every component's sample at the last tick at or before each of ``buckets`` + 1 evenly
        spaced instants over the run (for charts of long runs).

        Samples carry cumulative energy, so the mean power between two returned ticks is exactly
        the energy difference over the time difference. This costs ~``buckets`` index seeks
        instead of a scan and sort of every sample (300,000 samples: ~7 ms rather than ~300 ms).
        """
        span = self._span(run_id)
        if span["a"] is None:
            return []
        a, b, n = float(span["a"]), float(span["b"]), max(1, int(buckets))
        w = (b - a) / n
        # CROSS JOIN keeps SQLite from scanning the run's samples for each tick
        return self._q(
            "WITH RECURSIVE edges(k, edge) AS ("
            " SELECT 0, CAST(? AS DOUBLE PRECISION) UNION ALL SELECT k + 1, CASE WHEN k + 1 >= CAST(? AS INTEGER)"
            " THEN CAST(? AS DOUBLE PRECISION) ELSE CAST(? AS DOUBLE PRECISION) + (k + 1) * CAST(? AS DOUBLE PRECISION) END"
            " FROM edges WHERE k < CAST(? AS INTEGER)"
            "), ticks AS ("
            " SELECT DISTINCT (SELECT t FROM samples WHERE run_id = ? AND t <= edges.edge ORDER BY t DESC LIMIT 1) AS tt"
            " FROM edges"
            ") SELECT s.t AS t, s.component AS component, s.energy_j AS energy_j, s.power_w AS power_w"
            f" FROM ticks CROSS JOIN samples s WHERE s.run_id = ? AND s.t = ticks.tt ORDER BY s.t, {self._order_text('s.component')}",
            (a, n, b, a, w, n, run_id, run_id))

    def samples_downsampled(self, run_id: str, buckets: int = 500) -> list[dict]:
        """Mean power and last cumulative energy per component in at most `buckets` time buckets (for charts)."""
        span = self._span(run_id)
        if span["a"] is None:
            return []
        width = max((span["b"] - span["a"]) / buckets, 1e-9)
        return self._q(
            "SELECT MIN(t) AS t, component, AVG(power_w) AS power_w, MAX(energy_j) AS energy_j FROM samples"
            f" WHERE run_id=? GROUP BY {self._bucket}, component ORDER BY t, {self._order_text('component')}",
            (run_id, span["a"], width))

    # -- scheduler jobs (Slurm, torchrun): see wattwise.integrations.slurm ---------------------
    def set_job(self, run_id: str, job_id: str, task: str | None = None) -> None:
        """File a run under its scheduler job (and array task), for ``runs list --job``."""
        self._tx(lambda c: c.execute("UPDATE runs SET job_id=?, job_task=? WHERE run_id=?", (job_id, task, run_id)))

    def job_runs(self, job_id: str, task: str | None = None) -> list[dict]:
        """The runs of one job (every array task unless ``task``), oldest first, as list_runs rows plus job columns."""
        from .schema import JOB_MIGRATION, MIGRATIONS

        v = next(v for v, name, _ in MIGRATIONS if name == JOB_MIGRATION)
        if not self._q("SELECT version FROM schema_migrations WHERE version=?", (v,)):
            return []  # a store no wattwise with job columns has written to (opened read-only): no job runs
        sql = ("SELECT run_id, project, name, command, status, start_ts, end_ts, duration_s, exit_code, host, pid, scope,"
               " region, pue, energy_j, facility_energy_j, emissions_g, intensity_g_per_kwh, methods, job_id, job_task,"
               " meta_json FROM runs WHERE job_id = ?")
        params: list = [job_id]
        if task is not None:
            sql += " AND job_task = ?"
            params.append(task)
        rows = self._q(sql + f" ORDER BY {self._order_by('start_ts', False)}", params)
        for r in rows:
            _mark_interrupted(r)
        return rows


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
    """A 'running' run whose measuring process is gone from this host was killed: say so.

    Runs recorded on other hosts keep their stored status: their process cannot be checked from here.
    """
    if r.get("status") == "running" and r.get("host") == _hostname() and not _pid_alive(r.get("pid")):
        r["status"] = "interrupted"
