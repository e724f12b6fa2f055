"""The ledger in the run store, on SQLite and a real PostgreSQL server alike: migration, round trip,
history kept as recorded, all-or-nothing imports, runs counted as stored."""
from __future__ import annotations

import json

import pytest

import _ref
from _runs import T0, write_run
from wattwise.errors import UsageError
from wattwise.footprint import Ledger
from wattwise.footprint.csvimport import ImportProblems
from wattwise.store import open_store
from wattwise.store.schema import MIGRATIONS


def test_migration_creates_the_ledger_on_both_backends(store):
    versions = [r["version"] for r in store._q("SELECT version FROM schema_migrations ORDER BY version")]
    assert versions == [v for v, _, _ in MIGRATIONS] and any(n == "footprint ledger" for _, n, _ in MIGRATIONS)
    assert store._q("SELECT COUNT(*) AS n FROM footprint_activities")[0]["n"] == 0


def test_add_and_read_back(store, store_url):
    led = Ledger("proj", store=store)
    e = led.add("flight", origin="LHR", destination="JFK", round_trip=True, people=3, date="2025-06-02",
                who="ana", note="ICML")
    assert len(e.items) == 1 and e.items[0]["factor_kg_per_unit"] == _ref.travel("flight:long:economy:rf")
    again = Ledger("proj", store=store_url)  # a second connection (another process would do the same)
    try:
        [got] = again.entries()
    finally:
        again.close()
    assert got.entry == e.entry and got.date == "2025-06-02" and (got.who, got.note) == ("ana", "ICML")
    i = got.items[0]
    assert i["gco2e"] == pytest.approx(_ref.km("LHR", "JFK") * 6 * _ref.travel("flight:long:economy:rf") * 1000, rel=1e-12)
    assert i["source"].startswith("DESNZ") and i["year"] == 2025 and i["details"]["people"] == 3
    assert Ledger("other-project", store=store).entries() == []


def test_history_keeps_the_factor_it_was_recorded_with(store, monkeypatch):
    """A later factor table (next year's DESNZ release) must not rewrite what was recorded."""
    from wattwise.footprint import factors as F

    led = Ledger("hist", store=store)
    led.add("train", km=100, date="2025-01-15")
    before = led.show().to_dict()
    new = dict(F.travel_factors())
    old = new["train:national"]
    new["train:national"] = F.Factor(old.key, old.kg_per_unit * 3, old.unit, "DESNZ 2026 (hypothetical)", 2026, old.license)
    monkeypatch.setattr(F, "travel_factors", lambda: new)
    led.add("train", km=100, date="2025-02-15")
    items = led.show().to_dict()["categories"][0]["items"]
    assert [i["year"] for i in items] == [2025, 2026]
    assert items[0]["gco2e"] == before["total_gco2e"] == pytest.approx(100 * old.kg_per_unit * 1000)
    assert items[1]["gco2e"] == pytest.approx(3 * items[0]["gco2e"])


def test_show_counts_runs_as_stored_and_marks_them(store):
    m1 = write_run(store, "r1", project="p", start=T0, hours=5.5, region="FR")
    m2 = write_run(store, "r2", project="p", start=T0 + 86400 * 40, hours=2.25, region="DE", cpu_method="modelled")
    write_run(store, "r3", project="someone-else", start=T0, hours=1, region="DE")
    led = Ledger("p", store=store)
    led.add("email", count=1000, date="2025-03-01")
    d = led.show().to_dict()
    runs = next(c for c in d["categories"] if c["category"] == "compute-measured")["items"]
    assert [i["run_id"] for i in runs] == ["r1", "r2"]
    assert [i["gco2e"] for i in runs] == pytest.approx([m1.emissions_g, m2.emissions_g], rel=1e-12)
    assert all(i["basis"] == "partial" and "ram modelled" in i["description"] for i in runs)  # RAM is modelled
    assert "cpu modelled" in runs[1]["description"]
    assert d["total_gco2e"] == pytest.approx(m1.emissions_g + m2.emissions_g + 1000 * _ref.digital("email:short"))
    assert d["compute_gco2e"] == pytest.approx(m1.emissions_g + m2.emissions_g)
    assert sum(c["share_pct"] for c in d["categories"]) == pytest.approx(100.0)
    assert [m["month"] for m in d["months"]] == ["2025-01", "2025-02", "2025-03"]
    assert any("embodied" in x for x in d["not_counted"])
    json.dumps(d)  # the JSON contract serialises as is


def test_measured_runs_and_interrupted_runs(store):
    from wattwise.result import Component, Measurement
    from wattwise.intensity.static import static_intensity

    comps = (Component("gpu", 3.6e7, "measured", "nvml:total_energy"), Component("cpu", 7.2e6, "measured", "rapl:package-0"))
    store.create_run("full", project="q", start_ts=T0, scope="process", region="FR", pue=1.0, host="h", pid=1)
    store.finish_run(Measurement(run_id="full", start=T0, end=T0 + 3600, components=comps,
                                 intensity=static_intensity("FR"), pue=1.0, scope="process",
                                 emissions_g=12.0 * static_intensity("FR").g_per_kwh, project="q", status="finished"))
    store.create_run("cut", project="q", start_ts=T0, scope="process", region="FR", pue=1.0, host="other-host", pid=1,
                     meta={"intensity": static_intensity("FR").to_dict(),
                           "components": [{"name": "gpu", "method": "measured", "source": "nvml"}]})
    store.append_samples("cut", [(T0 + 60, "gpu", 36000.0, 600.0)])
    store.create_run("empty", project="q", start_ts=T0, scope="process", region="FR", pue=1.0, host="other-host", pid=1)
    d = Ledger("q", store=store).show().to_dict()
    items = {i["run_id"]: i for c in d["categories"] for i in c["items"]}
    assert items["full"]["basis"] == "measured"
    assert items["full"]["gco2e"] == pytest.approx(12.0 * static_intensity("FR").g_per_kwh)
    assert items["cut"]["basis"] == "partial" and "running: figures up to the last stored sample" in items["cut"]["description"]
    assert items["cut"]["gco2e"] == pytest.approx(0.01 * static_intensity("FR").g_per_kwh)
    assert "empty" not in items and any(x.startswith("run empty: emissions unknown") for x in d["not_counted"])


def _csv(path, text):
    path.write_text(text, encoding="utf-8")
    return path


def test_import_is_all_or_nothing_with_every_bad_row_reported(store, tmp_path):
    path = _csv(tmp_path / "survey.csv",
                "kind,date,who,from,to,return,class,people,km,hours,count,note\n"
                "flight,2025-05-01,ana,LHR,JFK,yes,economy,2,,,,ok\n"
                "flight,2025-05-02,bo,LHR,JKF,,,,,,,typo in a code\n"
                "train,2025-05-03,cy,,,,,,-40,,,negative\n"
                "\n"
                "email,2025-05-04,dee,,,,,,,,25,\"a note\nover two lines\"\n"
                "videocall,2025-05-05,ed,,,,,,,1,,unknown kind\n"
                "email,31/05/2025,fa,,,,,,,,5,bad date\n")
    led = Ledger("survey", store=store)
    with pytest.raises(ImportProblems) as e:
        led.import_csv(path)
    probs = e.value.problems
    assert [p.split(":", 1)[0] for p in probs] == ["line 3", "line 4", "line 8", "line 9"]
    assert "unknown airport code 'JKF'; did you mean JFK" in probs[0]
    assert "km '-40'" in probs[1] and "did you mean video-call" in probs[2] and "date '31/05/2025'" in probs[3]
    assert led.entries() == []  # nothing half-imported
    good = _csv(tmp_path / "good.csv", "\ufeffKind,Date,From,To,Return,People,Count,Size,Note\n"
                                       "flight,2025-05-01,LHR,JFK,yes,2,,,\n"
                                       "email,2025-05-04,,,,,25,long,\"a note, with a comma\"\n")
    entries = led.import_csv(good)
    assert [e.kind for e in entries] == ["flight", "email"]
    assert [e.kind for e in led.entries()] == ["flight", "email"]
    assert led.entries()[1].note == "a note, with a comma"


def test_import_checks_columns_and_projects(store, tmp_path):
    led = Ledger("mine", store=store)
    with pytest.raises(ImportProblems, match="1 problem") as e:
        led.import_csv(_csv(tmp_path / "a.csv", "kind,frm,to\nflight,LHR,JFK\n"))
    assert e.value.problems == ["line 1: unknown column 'frm' (did you mean from?)"]
    with pytest.raises(ImportProblems) as e:
        led.import_csv(_csv(tmp_path / "b.csv", "project,kind,count\nmine,email,3\ntheirs,email,4\n"))
    assert e.value.problems == ["line 3: project 'theirs' is not this ledger's project 'mine'"]
    with pytest.raises(UsageError, match="no rows to import"):
        led.import_csv(_csv(tmp_path / "c.csv", "kind,count\n"))
    with pytest.raises(UsageError, match="cannot read"):
        led.import_csv(tmp_path / "missing.csv")
    assert led.entries() == []


def test_a_failing_write_leaves_nothing(store, monkeypatch):
    """One transaction: if the database refuses a line midway, none of the entry's lines stay."""
    from wattwise.footprint import ledger as L

    led = Ledger("tx", store=store)
    e = L.make_entry("tx", "flight", {"origin": "EDI", "via": "LHR", "destination": "JFK"})
    broken = L.Entry(e.entry, e.project, e.kind, e.date, e.who, e.note, (e.items[0], dict(e.items[1], id=e.items[0]["id"])))
    with pytest.raises(Exception):
        L.write(store, [broken])  # duplicate primary key on the second line
    assert led.entries() == []


def test_remove_by_prefix(store):
    led = Ledger("rm", store=store)
    a = led.add("email", count=10)
    b = led.add("email", count=20)
    with pytest.raises(UsageError, match="no entry 'zzz'"):
        led.remove("zzz")
    assert led.remove(a.entry[:8]).entry == a.entry
    assert [e.entry for e in led.entries()] == [b.entry]


def test_a_store_opened_read_only_before_the_ledger_existed(tmp_path):
    """The dashboard opens stores read-only, without migrating: an old store shows runs, no ledger."""
    import sqlite3

    path = tmp_path / "old.db"
    c = sqlite3.connect(path)
    c.execute("CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT, applied_at REAL)")
    for s in MIGRATIONS[0][2]:
        c.execute(s)
    c.execute("INSERT INTO schema_migrations VALUES (1, ?, 0)", (MIGRATIONS[0][1],))
    c.commit()
    c.close()
    ro = open_store(path, readonly=True)
    from wattwise.footprint.ledger import has_ledger, ledger_projects

    assert not has_ledger(ro) and ledger_projects(ro) == []
    assert Ledger("x", store=ro).show().to_dict()["categories"] == []
    ro.close()
    rw = open_store(path)  # opened for writing, it migrates
    assert has_ledger(rw)
    rw.close()


def test_project_names_are_checked(store):
    with pytest.raises(UsageError, match="project '' is empty"):
        Ledger("", store=store)
    with pytest.raises(UsageError, match="date '2025-13-01'"):
        Ledger("p", store=store).add("email", count=1, date="2025-13-01")


def test_a_store_without_the_ledger_table_reads_as_empty(store):
    """Both backends: a store whose ledger table is absent (read-only, older schema) shows no activity, no error."""
    from wattwise.footprint.ledger import has_ledger, ledger_projects

    write_run(store, "r1", project="p", start=T0, hours=1.0)
    assert has_ledger(store)
    store._tx(lambda c: c.execute("DROP TABLE footprint_activities"))
    assert not has_ledger(store) and ledger_projects(store) == []
    d = Ledger("p", store=store).show().to_dict()
    assert [c["category"] for c in d["categories"]] == ["compute-measured"]
