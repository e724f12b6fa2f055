"""`wattwise footprint` through the real entry point (a subprocess), as a user types it."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

import _ref

HERE = Path(__file__).resolve().parent


def ww(cmd, *args, store, check=True):
    p = subprocess.run([*cmd, "footprint", *args, "--store", str(store)], capture_output=True, text=True, timeout=120)
    if check:
        assert p.returncode == 0, p.stderr
    return p


def last_json(p) -> dict:
    return json.loads(p.stdout.strip().splitlines()[-1])


def test_add_show_report_remove(wattwise_cmd, tmp_path):
    db = tmp_path / "runs.db"
    p = ww(wattwise_cmd, "add", "--project", "conf", "--kind", "flight", "--from", "lhr", "--to", "JFK", "--return",
           "--people", "3", "--date", "2025-06-02", "--who", "team", "--json", store=db)
    e = last_json(p)
    want = _ref.km("LHR", "JFK") * 6 * _ref.travel("flight:long:economy:rf") * 1000
    assert e["gco2e"] == pytest.approx(want, rel=1e-9) and e["items"][0]["details"]["rf"] is True
    assert "recorded flight in project 'conf' on 2025-06-02" in p.stderr and "with radiative forcing" in p.stderr
    p = ww(wattwise_cmd, "add", "--project", "conf", "--kind", "flight", "--from", "LHR", "--to", "JFK", "--no-rf",
           "--date", "2025-06-03", "--json", store=db)
    assert last_json(p)["items"][0]["factor_kg_per_unit"] == _ref.travel("flight:long:economy:no-rf")
    assert "without radiative forcing (--no-rf)" in p.stderr
    ww(wattwise_cmd, "add", "--project", "conf", "--kind", "video-call", "--hours", "1", "--people", "5", "--repeat", "52",
       "--camera", "off", "--date", "2025-03-01", store=db)
    d = last_json(ww(wattwise_cmd, "show", "--project", "conf", "--json", store=db))
    assert set(d) >= {"project", "total_gco2e", "categories", "not_counted", "factors", "months"}
    for c in d["categories"]:
        assert set(c) >= {"category", "gco2e", "share_pct", "items"}
        for i in c["items"]:
            assert set(i) >= {"kind", "gco2e", "factor_kg_per_unit", "unit", "source", "year"}
    assert [c["category"] for c in d["categories"]] == ["travel", "meetings"]
    text = ww(wattwise_cmd, "show", "--project", "conf", store=db).stdout
    assert "Footprint of project 'conf'" in text and "Factors (kg CO2e per unit):" in text and "Not counted:" in text
    out = tmp_path / "conf.html"
    p = ww(wattwise_cmd, "report", "--project", "conf", "-o", str(out), store=db)
    html = out.read_text(encoding="utf-8")
    assert "<svg class=\"fp-pie\"" in html and "<script" not in html and "DESNZ GHG Conversion Factors" in html
    second = d["categories"][0]["items"][1]["entry"]
    ww(wattwise_cmd, "remove", second[:6], "--project", "conf", store=db)
    d2 = last_json(ww(wattwise_cmd, "show", "--project", "conf", "--json", store=db))
    assert d2["total_gco2e"] == pytest.approx(d["total_gco2e"] - d["categories"][0]["items"][1]["gco2e"])


@pytest.mark.parametrize("args,needle", [
    (["--kind", "flight", "--from", "LHR", "--to", "JKF"], "unknown airport code 'JKF'; did you mean JFK"),
    (["--kind", "flight", "--from", "LON", "--to", "JFK"], "LON is a city code"),
    (["--kind", "train", "--km", "-5"], "--km -5: must be a number > 0"),
    (["--kind", "train", "--km", "9e9"], "<= 50,000"),
    (["--kind", "email", "--count", "12", "--from", "LHR"], "'from' does not apply to kind 'email'"),
    (["--kind", "flght", "--from", "LHR", "--to", "JFK"], "unknown kind 'flght'; did you mean flight?"),
    (["--kind", "other", "--gco2e", "300"], "kind 'other' needs source"),
    (["--kind", "email", "--count", "3", "--date", "yesterday"], "date 'yesterday': give YYYY-MM-DD"),
])
def test_bad_input_one_line_exit_2_nothing_stored(wattwise_cmd, tmp_path, args, needle):
    db = tmp_path / "runs.db"
    p = ww(wattwise_cmd, "add", "--project", "x", *args, store=db, check=False)
    assert p.returncode == 2 and needle in p.stderr
    assert len(p.stderr.strip().splitlines()) == 1 and "Traceback" not in p.stderr
    assert last_json(ww(wattwise_cmd, "show", "--project", "x", "--json", store=db))["categories"] == []


def test_import_reports_each_bad_row_and_stores_nothing(wattwise_cmd, tmp_path):
    db = tmp_path / "runs.db"
    bad = tmp_path / "bad.csv"
    bad.write_text("project,kind,from,to,km,count\np,flight,LHR,JFK,,\np,flight,LHR,XXQ,,\np,train,,,-1,\np,email,,,,10\n",
                   encoding="utf-8")
    p = ww(wattwise_cmd, "import", str(bad), store=db, check=False)
    lines = p.stderr.strip().splitlines()
    assert p.returncode == 2 and "Traceback" not in p.stderr
    assert lines[0].startswith("wattwise: line 3: unknown airport code 'XXQ'")
    assert lines[1].startswith("wattwise: line 4: km '-1'")
    assert lines[-1] == f"wattwise: error: nothing imported from {bad}: 2 problems"
    assert last_json(ww(wattwise_cmd, "show", "--project", "p", "--json", store=db))["categories"] == []
    good = tmp_path / "good.csv"
    good.write_text("kind,from,to,count\nflight,LHR,JFK,\nemail,,,10\n", encoding="utf-8")
    p = ww(wattwise_cmd, "import", str(good), "--project", "p", "--json", store=db)
    assert last_json(p)["imported"] == 2 and "imported 2 activities" in p.stderr
    p = ww(wattwise_cmd, "import", str(good), store=db, check=False)  # no project anywhere
    assert p.returncode == 2 and "line 2: no project: fill the 'project' column or pass --project" in p.stderr


def test_worked_example_json_adds_up(wattwise_cmd, tmp_path):
    """The docs' example: three runs, a conference trip for three, weekly calls, e-mail."""
    db = tmp_path / "example.db"
    subprocess.run([sys.executable, str(HERE / "_example.py"), str(db)], check=True, capture_output=True, timeout=120)
    d = last_json(ww(wattwise_cmd, "show", "--project", "summarizer", "--json", store=db))
    cats = {c["category"]: c for c in d["categories"]}
    assert set(cats) == {"compute-measured", "travel", "meetings", "digital"}
    flight = next(i for i in cats["travel"]["items"] if i["kind"] == "flight")
    assert flight["gco2e"] == pytest.approx(_ref.km("LHR", "YVR") * 6 * _ref.travel("flight:long:economy:rf") * 1000)
    assert cats["meetings"]["gco2e"] == pytest.approx(312 * _ref.digital("video-call:camera-on"))
    assert d["total_gco2e"] == pytest.approx(sum(c["gco2e"] for c in d["categories"]))
    assert d["total_gco2e_low"] < d["total_gco2e"] < d["total_gco2e_high"]
    assert len(cats["compute-measured"]["items"]) == 3


def test_help_lists_every_kind(wattwise_cmd):
    p = subprocess.run([*wattwise_cmd, "footprint", "add", "--help"], capture_output=True, text=True, timeout=60)
    from wattwise.footprint.kinds import KINDS

    assert p.returncode == 0 and all(f"  {k:<12}" in p.stdout for k in KINDS)
    assert "--from FROM" in p.stdout and "--no-rf" in p.stdout


def test_the_docs_csv_example_imports(wattwise_cmd, tmp_path):
    """docs/footprint.md's CSV example is a valid import (the docs must not drift from the code)."""
    doc = (HERE.parents[1] / "docs" / "footprint.md").read_text(encoding="utf-8")
    block = doc.split("```csv\n", 1)[1].split("```", 1)[0]
    (tmp_path / "survey.csv").write_text(block, encoding="utf-8")
    p = ww(wattwise_cmd, "import", str(tmp_path / "survey.csv"), "--project", "docs", "--json", store=tmp_path / "r.db")
    d = last_json(p)
    assert d["imported"] == len(block.strip().splitlines()) - 1
    assert [e["kind"] for e in d["entries"]] == ["flight", "hotel", "train", "video-call", "email"]
