"""PostgreSQL run store, for a team sharing one database (``pip install "wattwise[postgres]"``).

Same tables, migrations and queries as the SQLite store (``base.BaseStore``); this module is
the psycopg 3 plumbing. Migrations run in one transaction under an advisory lock, so many
first connections at once (a job array starting) neither race nor half-apply. Writes that
read then modify one run take a per-run advisory lock, as SQLite's BEGIN IMMEDIATE does.
Connection trouble (wrong URL, password, database, unreachable server) becomes a one-line
``StoreError`` naming the fix; connecting gives up after ``connect_timeout`` seconds
(default 10; set it in the URL or PGCONNECT_TIMEOUT).
"""
from __future__ import annotations

import os
import random
import re
import threading
import time
import zlib

from ..errors import MissingExtraError, StoreError
from .base import BaseStore
from .schema import LATEST, MIGRATIONS

CONNECT_TIMEOUT_S = 10
MIGRATION_LOCK = 0x77617474  # pg_advisory_xact_lock(bigint) key for migrations ("watt")
RUN_LOCK_CLASS = 0x7277  # first key of pg_advisory_xact_lock(int, int) for per-run locks
_TEXT_COLUMNS = {"project", "region", "status", "run_id", "name", "component"}
_URL_FORM = "postgresql://USER:PASSWORD@HOST:PORT/DBNAME"


def _psycopg():
    try:
        import psycopg
    except ImportError:
        raise MissingExtraError("postgres", "psycopg", "the PostgreSQL run store") from None
    return psycopg


def mask_url(url: str) -> str:
    """The URL with its password replaced by ***, fit to print and log."""
    url = re.sub(r"(://[^:/@?#]*:)[^@/?#]*@", r"\1***@", url)
    return re.sub(r"(?i)(password=)[^&\s]*", r"\1***", url)


class _Tx:
    """The cursor-like view base.BaseStore writes through: ``?`` placeholders become ``%s``."""

    def __init__(self, conn):
        self._conn = conn

    def execute(self, sql: str, params=()):
        return self._conn.execute(_pg_sql(sql), tuple(params))

    def executemany(self, sql: str, rows) -> None:
        with self._conn.cursor() as cur:
            cur.executemany(_pg_sql(sql), rows)


def _pg_sql(sql: str) -> str:
    return sql.replace("%", "%%").replace("?", "%s")


class PostgresStore(BaseStore):
    backend = "postgresql"

    # PostgreSQL spellings of what SQLite does by default (see base.py)
    _like = "ILIKE"
    _bucket = "FLOOR((t - ?) / ?)"

    def _like_arg(self, text: str) -> str:
        return text.replace("\\", "\\\\")  # LIKE's default escape character in PostgreSQL, literal in SQLite

    def _order_text(self, col: str) -> str:
        return f'{col} COLLATE "C"' if col in _TEXT_COLUMNS else col

    def _order_by(self, col: str, desc: bool) -> str:
        return (f"{self._order_text(col)} {'DESC NULLS LAST' if desc else 'ASC NULLS FIRST'},"
                f" {self._order_text('run_id')}")

    def _lock_run(self, c, run_id: str) -> None:
        key = zlib.crc32(run_id.encode()) - 2**31  # any int4; collisions only serialise two runs' writes
        c.execute("SELECT pg_advisory_xact_lock(?::integer, ?::integer)", (RUN_LOCK_CLASS, key))

    def __init__(self, url: str, *, readonly: bool = False, connect_timeout: float | None = None):
        self._dsn = str(url)
        self.url = mask_url(self._dsn)
        self._readonly = readonly
        self._connect_timeout = connect_timeout
        self._lock = threading.RLock()
        self._psycopg = _psycopg()
        self._conn = None
        with self._lock:
            self._connect()
            try:
                self._migrate(readonly)
            except BaseException:
                self.close()
                raise

    # -- connecting -----------------------------------------------------------------------
    def _params(self) -> dict:
        try:
            return self._psycopg.conninfo.conninfo_to_dict(self._dsn)
        except self._psycopg.Error as e:
            raise StoreError(f"invalid PostgreSQL URL {self.url}: {_one_line(e)}; expected {_URL_FORM}") from None

    def _server(self) -> str:
        p = self._params()
        host = p.get("host") or os.environ.get("PGHOST") or "localhost (default socket)"
        port = p.get("port") or os.environ.get("PGPORT") or "5432"
        db = p.get("dbname") or os.environ.get("PGDATABASE") or p.get("user") or "(default database)"
        return f"{host}:{port}/{db}"

    def _connect(self) -> None:
        pg = self._psycopg
        p = self._params()
        kw: dict = {"autocommit": True}
        if self._connect_timeout is not None:
            kw["connect_timeout"] = max(1, round(self._connect_timeout))
        elif "connect_timeout" not in p and not os.environ.get("PGCONNECT_TIMEOUT"):
            kw["connect_timeout"] = CONNECT_TIMEOUT_S
        if "application_name" not in p and not os.environ.get("PGAPPNAME"):
            kw["application_name"] = "wattwise"
        self._timeout = kw.get("connect_timeout") or p.get("connect_timeout") or os.environ.get("PGCONNECT_TIMEOUT")
        try:
            self._conn = pg.connect(self._dsn, **kw)
        except pg.ProgrammingError as e:  # libpq could not parse the URL
            raise StoreError(f"invalid PostgreSQL URL {self.url}: {_one_line(e)}; expected {_URL_FORM}") from None
        except pg.Error as e:
            raise StoreError(self._explain_connect(e, p)) from None

    def _explain_connect(self, e: Exception, p: dict) -> str:
        msg = _one_line(e)
        where = self._server()
        user = p.get("user") or os.environ.get("PGUSER") or "(your login name)"
        db = p.get("dbname") or os.environ.get("PGDATABASE") or user
        low = msg.lower()
        if "password authentication failed" in low or "no password supplied" in low:
            return (f"PostgreSQL at {where} rejected the password for user '{user}'; fix USER:PASSWORD in the store URL "
                    f"({_URL_FORM}) or put the password in ~/.pgpass")
        if re.search(r'database ".*" does not exist', msg):
            return f"database '{db}' does not exist on {where}; create it (createdb -O {user} {db}) or fix DBNAME in the store URL"
        if re.search(r'role ".*" does not exist', msg):
            return f"PostgreSQL user '{user}' does not exist on {where}; create it (createuser -P {user}) or fix USER in the store URL"
        if "timeout expired" in low or "timed out" in low:
            return (f"no answer from PostgreSQL at {where} within {self._timeout} s; check the host and port in the store URL, "
                    f"the server and the firewall (or raise ?connect_timeout=SECONDS)")
        if "resolve host" in low or "translate host name" in low:
            return f"cannot resolve the PostgreSQL host in {self.url} ({msg}); fix HOST in the store URL"
        if "connection refused" in low or "no such file or directory" in low:
            return (f"cannot connect to PostgreSQL at {where}: connection refused; is the server running there? "
                    f"Check HOST and PORT in the store URL ({_URL_FORM}) or WATTWISE_STORE")
        if "pg_hba.conf" in low:
            return (f"PostgreSQL at {where} does not accept connections from this machine for user '{user}' ({msg}); "
                    f"ask its administrator to allow it in pg_hba.conf")
        return f"cannot connect to PostgreSQL at {where}: {msg}; check the store URL ({_URL_FORM})"

    def _explain(self, e: Exception) -> str:
        msg = _one_line(e)
        sqlstate = getattr(e, "sqlstate", None)
        if sqlstate == "42501" or "permission denied" in msg:
            user = self._params().get("user") or "your user"
            return (f"PostgreSQL store {self.url}: {msg}; give '{user}' its own database (createdb -O {user} DBNAME) "
                    f"or, as the owner, GRANT CREATE ON SCHEMA public TO {user}")
        if sqlstate == "42P07":  # duplicate table: someone else's 'runs' table
            return (f"PostgreSQL store {self.url}: {msg}, not created by wattwise; use a database of its own, or a schema "
                    f"via ?options=-csearch_path%3Dwattwise in the URL")
        return f"PostgreSQL store {self.url}: {msg}"

    def _connection(self):
        """The open connection, reconnecting once if the server dropped it (restart, idle timeout)."""
        if self._conn is None or self._conn.closed or self._conn.broken:
            self._connect()
        return self._conn

    # -- running statements ---------------------------------------------------------------
    def _tx(self, fn, attempts: int = 8):
        """Run fn(c) in one transaction; retry on deadlock/serialisation failure and once on a dropped connection."""
        pg = self._psycopg
        retryable = (pg.errors.SerializationFailure, pg.errors.DeadlockDetected)
        delay = 0.01
        reconnected = False
        for i in range(attempts):
            try:
                with self._lock:
                    conn = self._connection()
                    with conn.transaction():
                        return fn(_Tx(conn))
            except retryable:
                if i == attempts - 1:
                    raise StoreError(f"PostgreSQL store {self.url}: gave up after {attempts} conflicting attempts") from None
                time.sleep(delay + random.random() * delay)
                delay = min(delay * 2, 0.5)
            except pg.OperationalError as e:
                if reconnected or not (self._conn is None or self._conn.closed or self._conn.broken):
                    raise StoreError(self._explain(e)) from None
                reconnected = True  # the connection died (server restart): reconnect and try again once
            except pg.Error as e:
                raise StoreError(self._explain(e)) from None

    def _q(self, sql: str, params=()) -> list[dict]:
        pg = self._psycopg
        for attempt in (0, 1):
            try:
                with self._lock:
                    cur = self._connection().execute(_pg_sql(sql), tuple(params))
                    cols = [d[0] for d in cur.description]
                    return [dict(zip(cols, r)) for r in cur.fetchall()]
            except pg.OperationalError as e:
                if attempt or not (self._conn.closed or self._conn.broken):
                    raise StoreError(self._explain(e)) from None
            except pg.Error as e:
                raise StoreError(self._explain(e)) from None
        raise AssertionError("unreachable")

    # -- schema ---------------------------------------------------------------------------
    def _applied(self) -> set[int] | None:
        """Applied migration versions, or None when this database has no wattwise schema yet."""
        if self._q("SELECT to_regclass('schema_migrations') IS NOT NULL AS present")[0]["present"] is False:
            return None
        return {r["version"] for r in self._q("SELECT version FROM schema_migrations")}

    def _migrate(self, readonly: bool) -> None:
        have = self._applied()
        if have and max(have) > LATEST:
            raise StoreError(f"run store {self.url} has schema version {max(have)}, newer than this wattwise "
                             f"({LATEST}); upgrade wattwise")
        if have is not None and all(v in have for v, _, _ in MIGRATIONS):
            return
        if readonly:
            if have is None:
                raise StoreError(f"no wattwise runs in {self.url} yet; record one with "
                                 f"`wattwise run --store URL -- CMD` first, or check the URL")
            return

        def apply(c):
            c.execute("SELECT pg_advisory_xact_lock(?::bigint)", (MIGRATION_LOCK,))  # held until commit: one migrator at a time
            c.execute("CREATE TABLE IF NOT EXISTS schema_migrations"
                      " (version INTEGER PRIMARY KEY, name TEXT, applied_at DOUBLE PRECISION)")
            done = {r[0] for r in c.execute("SELECT version FROM schema_migrations")}
            if done and max(done) > LATEST:
                raise StoreError(f"run store {self.url} has schema version {max(done)}, newer than this wattwise "
                                 f"({LATEST}); upgrade wattwise")
            for v, name, stmts in MIGRATIONS:
                if v in done:
                    continue
                for s in stmts:
                    c.execute(s)
                c.execute("INSERT INTO schema_migrations VALUES (?, ?, ?)", (v, name, time.time()))
        self._tx(apply)

    def schema_version(self) -> int:
        return self._q("SELECT MAX(version) AS v FROM schema_migrations")[0]["v"] or 0

    def close(self) -> None:
        with self._lock:
            try:
                if self._conn is not None:
                    self._conn.close()
            except Exception:  # noqa: BLE001
                pass


def _one_line(e: Exception) -> str:
    """libpq's message, without its multi-line layout and connection preamble."""
    text = " ".join(str(e).split())
    text = re.sub(r'^connection (failed|is bad): ', "", text)
    text = re.sub(r'connection to server (at|on) "[^"]*"(, port \d+)?( \([^)]*\))? failed: ', "", text)
    text = re.sub(r"(FATAL|ERROR): +", "", text)
    return mask_url(text.strip().rstrip(".")) or type(e).__name__  # libpq may echo the URL back
