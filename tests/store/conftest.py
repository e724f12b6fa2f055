"""A real PostgreSQL server for the store tests, and a store URL fixture over both backends.

With WATTWISE_TEST_POSTGRES_URL set (a superuser or a user allowed to CREATE DATABASE; CI may
provide one) the tests use that server. Otherwise a throwaway cluster is started under /tmp
with the PostgreSQL binaries found on this machine (PATH, /usr/lib/postgresql/*/bin, or
WATTWISE_TEST_PG_BINDIR), as an unprivileged user when running as root, since initdb
refuses root. Password authentication is on for TCP, so wrong-password handling is tested
against the real server. Each test gets a fresh database, dropped afterwards. The tests skip
only when no PostgreSQL binaries exist (Debian: apt-get install -y postgresql).
"""
from __future__ import annotations

import glob
import os
import pwd
import secrets
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import pytest

PG_USER = "wattwise"
PG_PASSWORD = "s3cret-pw"


def find_pg_bindir() -> Path | None:
    env = os.environ.get("WATTWISE_TEST_PG_BINDIR")
    candidates = [Path(env)] if env else []
    which = shutil.which("initdb")
    if which:
        candidates.append(Path(os.path.realpath(which)).parent)
    pg_config = shutil.which("pg_config")
    if pg_config:
        try:
            out = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True, timeout=10).stdout.strip()
            if out:
                candidates.append(Path(out))
        except (OSError, subprocess.SubprocessError):
            pass

    def version(p: str) -> float:
        try:
            return float(Path(p).parent.name)
        except ValueError:
            return 0.0
    candidates += [Path(p) for p in sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=version, reverse=True)]
    candidates += [Path("/usr/local/pgsql/bin")]
    for c in candidates:
        if (c / "initdb").is_file() and (c / "pg_ctl").is_file() and (c / "postgres").is_file():
            return c
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class PgServer:
    admin_url: str  # connects to a maintenance database with the right to create databases
    base: str  # scheme://user:password@host:port, to which "/dbname" is appended

    def url(self, dbname: str) -> str:
        return f"{self.base}/{dbname}"


class _Cluster:
    """initdb + pg_ctl in a temp dir, owned by an unprivileged user when we are root."""

    def __init__(self, bindir: Path):
        self.bindir = bindir
        self.run_as = None
        parent = None
        if os.geteuid() == 0:
            for name in ("postgres", "nobody"):
                try:
                    self.run_as = pwd.getpwnam(name)
                    break
                except KeyError:
                    continue
            if self.run_as is None:
                raise RuntimeError("running as root and no 'postgres' or 'nobody' user to run the test cluster as")
            parent = "/tmp"  # pytest's own tmp dirs are 0700 root: the server user could not enter them
        self.dir = Path(tempfile.mkdtemp(prefix="wattwise-pg-", dir=parent))
        self.data = self.dir / "data"
        self.log = self.dir / "server.log"
        if self.run_as:
            os.chown(self.dir, self.run_as.pw_uid, self.run_as.pw_gid)
        os.chmod(self.dir, 0o700)
        self.port = None

    def _run(self, args: list[str], **kw) -> subprocess.CompletedProcess:
        env = {"PATH": f"{self.bindir}:/usr/bin:/bin", "HOME": str(self.dir), "LC_ALL": "C.UTF-8", "LANG": "C.UTF-8",
               "TZ": "UTC"}
        extra = {}
        if self.run_as:
            extra = {"user": self.run_as.pw_uid, "group": self.run_as.pw_gid, "extra_groups": []}
        return subprocess.run([str(self.bindir / args[0]), *args[1:]], cwd=self.dir, env=env, capture_output=True,
                              text=True, **extra, **kw)

    def start(self) -> None:
        pwfile = self.dir / "pw"
        pwfile.write_text(PG_PASSWORD + "\n")
        if self.run_as:
            os.chown(pwfile, self.run_as.pw_uid, self.run_as.pw_gid)
        r = self._run(["initdb", "-D", str(self.data), "-U", PG_USER, "--pwfile", str(pwfile), "-E", "UTF8",
                       "--locale=C.UTF-8", "--auth-local=trust", "--auth-host=scram-sha-256", "--no-sync"], timeout=180)
        if r.returncode != 0:  # some builds lack the C.UTF-8 locale: fall back to plain C
            shutil.rmtree(self.data, ignore_errors=True)
            r = self._run(["initdb", "-D", str(self.data), "-U", PG_USER, "--pwfile", str(pwfile), "-E", "UTF8",
                           "--locale=C", "--auth-local=trust", "--auth-host=scram-sha-256", "--no-sync"], timeout=180)
        if r.returncode != 0:
            raise RuntimeError(f"initdb failed: {r.stdout}\n{r.stderr}")
        last = ""
        for _ in range(5):  # the port may be taken between choosing and binding it
            self.port = _free_port()
            opts = (f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off"
                    f" -c full_page_writes=off -c max_connections=120")
            r = self._run(["pg_ctl", "-D", str(self.data), "-l", str(self.log), "-w", "-t", "60", "-o", opts, "start"],
                          timeout=120)
            if r.returncode == 0:
                return
            last = self.log.read_text(errors="replace")[-2000:] if self.log.exists() else r.stderr
        raise RuntimeError(f"pg_ctl start failed: {last}")

    def stop(self) -> None:
        if self.data.exists():
            self._run(["pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop"], timeout=60)
        shutil.rmtree(self.dir, ignore_errors=True)


@pytest.fixture(scope="session")
def pg_server():
    """A running PostgreSQL server (external via WATTWISE_TEST_POSTGRES_URL, or a throwaway cluster)."""
    ext = os.environ.get("WATTWISE_TEST_POSTGRES_URL")
    if ext:
        import psycopg

        p = psycopg.conninfo.conninfo_to_dict(ext)
        auth = quote(p.get("user", ""), safe="") + (":" + quote(p["password"], safe="") if p.get("password") else "")
        host = p.get("host", "localhost")
        base = f"postgresql://{auth}@{host}:{p.get('port', '5432')}" if not host.startswith("/") else None
        if base is None:
            raise RuntimeError("WATTWISE_TEST_POSTGRES_URL must name a TCP host, e.g. postgresql://user:pw@127.0.0.1:5432/postgres")
        yield PgServer(admin_url=ext, base=base)
        return
    bindir = find_pg_bindir()
    if bindir is None:
        pytest.skip("no PostgreSQL server binaries (initdb, pg_ctl) on this machine: apt-get install -y postgresql, "
                    "or set WATTWISE_TEST_POSTGRES_URL")
    cluster = _Cluster(bindir)
    try:
        cluster.start()
        base = f"postgresql://{PG_USER}:{PG_PASSWORD}@127.0.0.1:{cluster.port}"
        yield PgServer(admin_url=f"{base}/postgres", base=base)
    finally:
        cluster.stop()


@pytest.fixture
def pg_url(pg_server):
    """A fresh, empty database on the test server; dropped after the test."""
    import psycopg

    name = f"wattwise_test_{secrets.token_hex(4)}"
    with psycopg.connect(pg_server.admin_url, autocommit=True) as c:
        c.execute(f'CREATE DATABASE "{name}"')
    yield pg_server.url(name)
    with psycopg.connect(pg_server.admin_url, autocommit=True) as c:
        for _ in range(50):
            try:
                c.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                break
            except psycopg.errors.ObjectInUse:
                time.sleep(0.1)


@pytest.fixture(params=["sqlite", "postgres"])
def store_url(request, tmp_path):
    """The same contract test runs against both backends."""
    if request.param == "sqlite":
        return str(tmp_path / "runs.db")
    return request.getfixturevalue("pg_url")


@pytest.fixture
def store(store_url):
    from wattwise.store import open_store

    s = open_store(store_url)
    yield s
    s.close()
