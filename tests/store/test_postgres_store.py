"""PostgreSQL-only behaviour: connection errors a user can act on, password masking, reconnects,
column types, the missing extra, and `wattwise run --store postgresql://...` end to end."""
from __future__ import annotations

import importlib.util
import json
import os
import socket
import subprocess
import sys
import time

import pytest

from wattwise.errors import MissingExtraError, StoreError
from wattwise.store import open_store


def _parts(url: str) -> dict:
    import psycopg

    return psycopg.conninfo.conninfo_to_dict(url)


def _with(url: str, **parts) -> str:
    """The URL with user/password/port/dbname replaced."""
    p = _parts(url)
    p.update({k: str(v) for k, v in parts.items()})
    auth = p.get("user", "") + (f":{p['password']}" if p.get("password") else "")
    return f"postgresql://{auth}@{p['host']}:{p.get('port', 5432)}/{p['dbname']}"


def _password(url: str) -> str:
    pw = _parts(url).get("password")
    if not pw:
        pytest.skip("the test server URL has no password, so password checks cannot be exercised")
    return pw


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _one_line_error(excinfo) -> str:
    msg = str(excinfo.value)
    assert "\n" not in msg and "Traceback" not in msg
    return msg


# -- connection errors -----------------------------------------------------------------------
def test_wrong_password(pg_url):
    _password(pg_url)
    with pytest.raises(StoreError) as ei:
        open_store(_with(pg_url, password="wrong-pw"))
    msg = _one_line_error(ei)
    assert f"rejected the password for user '{_parts(pg_url)['user']}'" in msg and "~/.pgpass" in msg
    assert "wrong-pw" not in msg


def test_unknown_database(pg_url):
    with pytest.raises(StoreError) as ei:
        open_store(_with(pg_url, dbname="no_such_db"))
    assert "database 'no_such_db' does not exist" in _one_line_error(ei)
    assert f"createdb -O {_parts(pg_url)['user']} no_such_db" in str(ei.value)


def test_refused_port(pg_url):
    port = _closed_port()
    with pytest.raises(StoreError) as ei:
        open_store(_with(pg_url, port=port))
    msg = _one_line_error(ei)
    assert f"127.0.0.1:{port}" in msg and "connection refused" in msg and "is the server running" in msg


def test_silent_server_times_out(pg_url):
    """A host that accepts TCP but never answers (a firewall, a hung server) must not hang wattwise."""
    with socket.socket() as srv:
        srv.bind(("127.0.0.1", 0))
        srv.listen(8)
        url = _with(pg_url, port=srv.getsockname()[1]) + "?connect_timeout=1"
        t = time.monotonic()
        with pytest.raises(StoreError) as ei:
            open_store(url)
        assert time.monotonic() - t < 10
    msg = _one_line_error(ei)
    assert "no answer from PostgreSQL" in msg and "within 1 s" in msg


def test_connect_timeout_default_and_override(pg_url):
    with socket.socket() as srv:
        srv.bind(("127.0.0.1", 0))
        srv.listen(8)
        from wattwise.store.postgres import PostgresStore

        t = time.monotonic()
        with pytest.raises(StoreError, match="within 2 s"):
            PostgresStore(_with(pg_url, port=srv.getsockname()[1]), connect_timeout=2)
        assert 1.5 < time.monotonic() - t < 10


@pytest.mark.parametrize("url, expect", [
    ("postgresql://wattwise:pw@[::1:5432/db", "invalid PostgreSQL URL"),
    ("postgresql://wattwise:pw@127.0.0.1:5432/db?bogus_option=1", "invalid PostgreSQL URL"),
    ("postgresql://wattwise:pw@127.0.0.1:notaport/db", "invalid integer value"),
    ("postgresql://wattwise:pw@host.invalid:5432/db?connect_timeout=3", "cannot resolve the PostgreSQL host"),
])
def test_bad_urls(url, expect):
    with pytest.raises(StoreError) as ei:
        open_store(url)
    msg = _one_line_error(ei)
    assert expect in msg and ":pw@" not in msg


def test_password_is_masked_in_url(pg_url):
    s = open_store(pg_url)
    try:
        assert s.backend == "postgresql"
        assert ":***@" in s.url and _password(pg_url) not in s.url
        with pytest.raises(Exception, match="no run with id") as ei:
            s.resolve_id("zzz")
        assert _password(pg_url) not in str(ei.value)
    finally:
        s.close()
    from wattwise.store.postgres import mask_url

    assert mask_url("postgres://u:p%40ss@h/db") == "postgres://u:***@h/db"
    assert mask_url("postgresql://h/db?user=u&password=x&sslmode=require") == \
        "postgresql://h/db?user=u&password=***&sslmode=require"
    assert mask_url("postgresql://u@h:5432/db") == "postgresql://u@h:5432/db"


def test_missing_psycopg_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "psycopg", None)  # import psycopg -> ImportError
    with pytest.raises(MissingExtraError, match=r'pip install "wattwise\[postgres\]"'):
        open_store("postgresql://u:p@127.0.0.1:1/db")


# -- the server side -----------------------------------------------------------------------------
def test_columns_are_double_precision(pg_url):
    """Regression: migration 1 said REAL, which PostgreSQL stores as float4 (timestamps off by a minute)."""
    s = open_store(pg_url)
    try:
        types = {(r["table_name"], r["column_name"]): r["data_type"] for r in s._q(
            "SELECT table_name, column_name, data_type FROM information_schema.columns WHERE table_schema = current_schema()")}
    finally:
        s.close()
    for col in ("start_ts", "end_ts", "duration_s", "energy_j", "emissions_g", "pue"):
        assert types[("runs", col)] == "double precision"
    assert types[("samples", "t")] == "double precision"
    assert "real" not in types.values()


def test_reconnects_after_the_server_drops_the_connection(pg_url, pg_server):
    import psycopg

    s = open_store(pg_url)
    try:
        s.create_run("rc1111111111", start_ts=1.0)
        with psycopg.connect(pg_server.admin_url, autocommit=True) as admin:
            n = admin.execute("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                              " WHERE application_name = 'wattwise' AND datname = %s",
                              (pg_url.rsplit("/", 1)[1],)).fetchone()[0]
        assert n == 1
        s.append_samples("rc1111111111", [(1.0, "cpu", 1.0, None)])  # a write after the drop
        assert s.sample_count("rc1111111111") == 1
        with psycopg.connect(pg_server.admin_url, autocommit=True) as admin:
            admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'wattwise'"
                          " AND datname = %s", (pg_url.rsplit("/", 1)[1],))
        assert [r["run_id"] for r in s.list_runs()] == ["rc1111111111"]  # and a read
    finally:
        s.close()


def test_readonly_does_not_create_tables(pg_url):
    with pytest.raises(StoreError, match="no wattwise runs in"):
        open_store(pg_url, readonly=True)
    import psycopg

    with psycopg.connect(pg_url) as c:
        assert c.execute("SELECT to_regclass('schema_migrations')").fetchone()[0] is None


def test_foreign_runs_table_is_explained(pg_url):
    import psycopg

    with psycopg.connect(pg_url, autocommit=True) as c:
        c.execute("CREATE TABLE runs (id int)")
    with pytest.raises(StoreError) as ei:
        open_store(pg_url)
    assert "not created by wattwise" in _one_line_error(ei)


def test_missing_create_permission_is_explained(pg_url, pg_server):
    import psycopg

    with psycopg.connect(pg_server.admin_url, autocommit=True) as c:
        try:
            c.execute("DROP ROLE IF EXISTS ww_reader")
            c.execute("CREATE ROLE ww_reader LOGIN PASSWORD 'readerpw'")
        except psycopg.errors.InsufficientPrivilege:
            pytest.skip("the test server's user may not create roles")
    try:
        with psycopg.connect(pg_url, autocommit=True) as c:  # as the owner: nobody else may create in public
            c.execute("REVOKE CREATE ON SCHEMA public FROM PUBLIC")
        with pytest.raises(StoreError) as ei:
            open_store(_with(pg_url, user="ww_reader", password="readerpw"))
        msg = _one_line_error(ei)
        assert "permission denied for schema public" in msg and "GRANT CREATE ON SCHEMA public TO ww_reader" in msg
    finally:
        with psycopg.connect(pg_server.admin_url, autocommit=True) as c:
            for _ in range(50):
                try:
                    c.execute("DROP ROLE IF EXISTS ww_reader")
                    break
                except psycopg.errors.DependentObjectsStillInUse:
                    time.sleep(0.1)


def test_team_roles_share_one_store(pg_url, pg_server):
    """docs/store.md's recipe: personal logins that act as one owner role can all write and migrate."""
    import secrets

    import psycopg

    sfx = secrets.token_hex(3)
    owner, alice, bob = f"ww_team_{sfx}", f"ww_alice_{sfx}", f"ww_bob_{sfx}"
    db = pg_url.rsplit("/", 1)[1]
    host = pg_server.base.split("@", 1)[1]
    with psycopg.connect(pg_server.admin_url, autocommit=True) as c:
        try:
            c.execute(f"CREATE ROLE {owner} NOLOGIN")
        except psycopg.errors.InsufficientPrivilege:
            pytest.skip("the test server's user may not create roles")
        for u in (alice, bob):
            c.execute(f"CREATE ROLE {u} LOGIN PASSWORD 'pw-{u}'")
            c.execute(f"GRANT {owner} TO {u}")
            c.execute(f"ALTER ROLE {u} SET role = '{owner}'")
        c.execute(f'ALTER DATABASE "{db}" OWNER TO {owner}')
    stores = []
    try:
        a = open_store(f"postgresql://{alice}:pw-{alice}@{host}/{db}")  # first: creates the tables
        stores.append(a)
        a.create_run("team00000001", project="team", start_ts=1.0)
        b = open_store(f"postgresql://{bob}:pw-{bob}@{host}/{db}")
        stores.append(b)
        b.create_run("team00000002", project="team", start_ts=2.0)
        b.update_meta("team00000001", reviewed_by="bob")
        assert [r["run_id"] for r in a.list_runs()] == ["team00000002", "team00000001"]
        assert a.get_run("team00000001")["meta"] == {"reviewed_by": "bob"}
        assert {r["tableowner"] for r in b._q("SELECT tableowner FROM pg_tables WHERE schemaname = current_schema()")} \
            == {owner}
    finally:
        for st in stores:
            st.close()
        with psycopg.connect(pg_url, autocommit=True) as c:
            c.execute(f"REASSIGN OWNED BY {owner}, {alice}, {bob} TO CURRENT_USER")
            c.execute(f"DROP OWNED BY {owner}, {alice}, {bob}")
        with psycopg.connect(pg_server.admin_url, autocommit=True) as c:
            c.execute(f'ALTER DATABASE "{db}" OWNER TO CURRENT_USER')
            for u in (alice, bob, owner):
                c.execute(f"DROP ROLE IF EXISTS {u}")


def test_store_in_its_own_schema(pg_url):
    """docs/store.md: ?options=-csearch_path%3Dwattwise keeps the tables out of public."""
    import psycopg

    with psycopg.connect(pg_url, autocommit=True) as c:
        c.execute("CREATE SCHEMA wattwise")
        c.execute("CREATE TABLE public.runs (id int)")  # someone else's table of the same name
    s = open_store(pg_url + "?options=-csearch_path%3Dwattwise")
    try:
        s.create_run("schema000001", start_ts=1.0)
        assert [r["run_id"] for r in s.list_runs()] == ["schema000001"]
    finally:
        s.close()
    with psycopg.connect(pg_url) as c:
        assert c.execute("SELECT count(*) FROM wattwise.runs").fetchone()[0] == 1
        assert c.execute("SELECT to_regclass('public.schema_migrations')").fetchone()[0] is None


# -- end to end ----------------------------------------------------------------------------------
def test_cli_run_stores_into_postgres(pg_url, wattwise_cmd, tmp_path):
    r = subprocess.run([*wattwise_cmd, "run", "--store", pg_url, "--region", "FR", "--json", "--", sys.executable, "-c",
                        "print('hello from the job')"], capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.strip().splitlines()
    assert lines[0] == "hello from the job"
    out = json.loads(lines[-1])
    if _parts(pg_url).get("password"):
        assert _password(pg_url) not in r.stderr and f"stored in   postgresql://{_parts(pg_url)['user']}:***@" in r.stderr
    s = open_store(pg_url)
    try:
        row = s.get_run(out["run_id"])
        assert row["status"] == "finished" and row["exit_code"] == 0 and row["region"] == "FR"
        assert row["energy_j"] == pytest.approx(out["energy_kwh"] * 3.6e6, rel=1e-9)
        assert row["result"]["run_id"] == out["run_id"] and s.sample_count(out["run_id"]) >= 1
        assert s.resolve_id(out["run_id"][:6]) == out["run_id"]
    finally:
        s.close()


def test_cli_uses_wattwise_store_env(pg_url, wattwise_cmd, tmp_path):
    env = {**os.environ, "WATTWISE_STORE": pg_url}
    r = subprocess.run([*wattwise_cmd, "run", "--region", "DE", "--json", "--", sys.executable, "-c", "pass"],
                       capture_output=True, text=True, timeout=120, env=env, cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    run_id = json.loads(r.stdout.strip().splitlines()[-1])["run_id"]
    s = open_store(pg_url)
    try:
        assert [x["run_id"] for x in s.list_runs()] == [run_id]
    finally:
        s.close()
    assert not (tmp_path / "xdg-data" / "wattwise" / "runs.db").exists()


def test_cli_bad_store_url_is_one_line_and_runs_nothing(pg_url, wattwise_cmd, tmp_path):
    _password(pg_url)
    marker = tmp_path / "ran"
    r = subprocess.run([*wattwise_cmd, "run", "--store", _with(pg_url, password="nope"), "--", sys.executable, "-c",
                        f"open({str(marker)!r}, 'w')"], capture_output=True, text=True, timeout=120)
    assert r.returncode == 2
    err = r.stderr.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("wattwise: error: PostgreSQL at 127.0.0.1:") and "Traceback" not in r.stderr
    assert "rejected the password" in err[0] and "nope" not in err[0]
    assert not marker.exists()


@pytest.mark.skipif(importlib.util.find_spec("wattwise.commands.runs") is None,
                    reason="`wattwise runs` is not in this build yet (commands/runs.py)")
def test_cli_runs_list_reads_postgres(pg_url, wattwise_cmd):
    ids = []
    for project in ("alpha", "beta"):
        r = subprocess.run([*wattwise_cmd, "run", "--store", pg_url, "--project", project, "--region", "FR", "--json", "--",
                            sys.executable, "-c", "pass"], capture_output=True, text=True, timeout=120)
        assert r.returncode == 0, r.stderr
        ids.append(json.loads(r.stdout.strip().splitlines()[-1])["run_id"])
    r = subprocess.run([*wattwise_cmd, "runs", "list", "--store", pg_url, "--json"], capture_output=True, text=True,
                       timeout=120)
    assert r.returncode == 0, r.stderr
    runs = json.loads(r.stdout.strip().splitlines()[-1])["runs"]
    assert sorted(x["run_id"] for x in runs) == sorted(ids)
    for x in runs:
        assert {"run_id", "project", "start", "duration_s", "energy_kwh", "emissions_gco2e"} <= set(x)
    assert sorted(x["project"] for x in runs) == ["alpha", "beta"]
