"""The Schedule page and /api/schedule, in process over HTTP: the plan is ``wattwise.schedule``'s
(and the printed ``wattwise schedule`` command's), the chart holds the forecast with the planned
slots as bands, no forecast means "run now", and bad input is a 422 next to the right field."""
from __future__ import annotations

import html as htmlmod
import json
import re
import shlex
import subprocess
from urllib.parse import parse_qsl, urlencode

import pytest

pytest.importorskip("starlette")
pytest.importorskip("jinja2")

from _forecasts import NOW, T0, TWO_VALLEYS, write_forecast  # noqa: E402
from starlette.testclient import TestClient  # noqa: E402

from wattwise.schedule import schedule, submit_line  # noqa: E402
from wattwise.units import format_mass_g  # noqa: E402
from wattwise.web import create_app  # noqa: E402
from wattwise.web import schedule_page as sp  # noqa: E402


@pytest.fixture
def c(tmp_path):
    return TestClient(create_app(str(tmp_path / "none.db")))


@pytest.fixture
def fc(tmp_path):
    return str(write_forecast(tmp_path / "de-forecast.csv", TWO_VALLEYS))


def field_error(html: str, field: str) -> str:
    m = re.search(rf'<span class="field-error" id="err-{field}" role="alert">(.*?)</span>', html, re.S)
    return htmlmod.unescape(m.group(1)) if m else ""


def invalid_fields(html: str) -> list[str]:
    return re.findall(r'name="(\w+)"[^>]*aria-invalid="true"', html)


def chart_of(html: str) -> dict:
    return json.loads(re.search(r'id="chart-schedule">(.*?)</script>', html, re.S).group(1))


def test_first_visit_explains_and_plans_nothing(c):
    r = c.get("/schedule")
    assert r.status_code == 200
    assert re.search(r'<a href="/schedule"[^>]*aria-current="page"', r.text)
    for name in sp.FIELDS:
        assert f'name="{name}"' in r.text, name
    assert "Fill in the region and a forecast source" in r.text
    assert 'id="chart-schedule"' not in r.text and "No forecast is available" not in r.text
    from wattwise.regions import all_regions

    regions = re.search(r'<datalist id="region-list">(.*?)</datalist>', r.text, re.S).group(1)
    assert regions.count("<option") == len(all_regions())


def test_flexible_start_plan_matches_the_api_and_draws_the_window(c, fc):
    q = {"region": "DE", "duration": "4h", "within": "12h", "forecast": fc, "now": NOW}
    r = c.get("/schedule?" + urlencode(q))
    assert r.status_code == 200, field_error(r.text, "forecast")
    want = schedule("4h", "12h", region="DE", forecast=fc, now=NOW)
    assert want.start == T0 + 10 * 3600 and want.slots == ((T0 + 10 * 3600, T0 + 14 * 3600),)
    assert "Start at 2026-01-01 10:00 UTC, in 10 h" in r.text
    assert f'id="plan-emissions">{format_mass_g(want.emissions_g)}<' in r.text
    assert f'id="plan-baseline">{format_mass_g(want.baseline_emissions_g)}<' in r.text
    assert f'id="plan-savings">{want.savings_pct:.1f} %<' in r.text
    assert want.baseline_emissions_g == pytest.approx(sum(TWO_VALLEYS[0:4]))  # 1 kW assumed: 1 kWh per hour
    assert want.emissions_g == pytest.approx(sum(TWO_VALLEYS[10:14]))
    assert "Power assumed." in r.text
    ch = chart_of(r.text)
    # the planning span: now .. now + window + duration, one point per forecast hour (+ the end)
    assert ch["x"] == [float(h) for h in range(17)]
    assert ch["y"][:16] == pytest.approx(TWO_VALLEYS[:16])
    runs = [b for b in ch["bands"] if b["name"] == "run"]
    assert [(b["x0"], b["x1"]) for b in runs] == [(10.0, 14.0)]
    now_band = [b for b in ch["bands"] if b["name"] == "start now"]
    assert [(b["x0"], b["x1"]) for b in now_band] == [(0.0, 4.0)]
    # the fallback table marks the hours the job runs
    rows = re.findall(r'<tr( class="run")?><td>2026-01-01 (\d\d):00 UTC</td>', r.text)
    assert [h for cls, h in rows if cls] == ["10", "11", "12", "13"]


def test_pause_resume_plan_with_commands_that_reproduce_it(c, fc, wattwise_cmd):
    q = {"region": "DE", "duration": "4h", "within": "12h", "policy": "pause-resume", "forecast": fc, "now": NOW,
         "cmd": "python train.py --lr 3e-4"}
    r = c.get("/schedule?" + urlencode(q))
    assert r.status_code == 200
    want = schedule("4h", "12h", region="DE", forecast=fc, now=NOW, pause_resume=True)
    h = lambda k: T0 + k * 3600  # noqa: E731
    assert want.slots == ((h(2), h(4)), (h(10), h(12)))
    assert want.emissions_g == pytest.approx(90 + 95 + 85 + 80)
    assert "(1 pause)" in r.text
    slots = re.findall(r'<tr class="(run|pause)"><th scope="row">\w+</th><td>2026-01-01 (\d\d:\d\d) UTC</td>', r.text)
    assert slots == [("run", "02:00"), ("pause", "04:00"), ("run", "10:00")]
    ch = chart_of(r.text)
    assert [(b["x0"], b["x1"]) for b in ch["bands"] if b["name"] == "run"] == [(2.0, 4.0), (10.0, 12.0)]

    run_cmd = htmlmod.unescape(re.search(r'<code id="cmd-run">(.*?)</code>', r.text, re.S).group(1))
    assert shlex.split(run_cmd) == ["wattwise", "run", "--region", "DE", "--within", "12h", "--duration", "4h",
                                    "--forecast", fc, "--pause-resume", "--", "python", "train.py", "--lr", "3e-4"]
    for fmt in sp.SUBMIT_FORMATS:
        line = htmlmod.unescape(re.search(rf'<code class="submit-{fmt}">(.*?)</code>', r.text, re.S).group(1))
        assert line == submit_line(want, fmt, "python train.py --lr 3e-4")
    # the printed `wattwise schedule` command gives the same plan
    printed = htmlmod.unescape(re.search(r'<td class="small"><code>(wattwise schedule .*?)</code>', r.text, re.S).group(1))
    argv = shlex.split(printed)
    i = argv.index("--format")
    out = subprocess.run(wattwise_cmd + argv[1:i] + ["--json"], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    cli = json.loads(out.stdout.strip().splitlines()[-1])
    api = c.get("/api/schedule?" + urlencode(q)).json()
    assert api["ok"] is True
    for k in ("start", "end", "slots", "emissions_gco2e", "baseline_emissions_gco2e", "savings_pct", "policy"):
        assert cli[k] == api["schedule"][k], k
    assert api["schedule"] == json.loads(json.dumps(want.to_dict()))


def test_no_forecast_says_so_and_recommends_running_now(c):
    r = c.get("/schedule?" + urlencode({"region": "DE", "duration": "6h", "within": "12h"}))
    assert r.status_code == 200
    assert "No forecast is available" in r.text and "run now" in r.text
    assert "no forecast source given" in r.text
    assert htmlmod.unescape(re.search(r'<code id="cmd-now">(.*?)</code>', r.text).group(1)) == \
        "wattwise run --region DE -- python train.py"
    assert 'id="chart-schedule"' not in r.text
    d = c.get("/api/schedule?" + urlencode({"region": "DE", "duration": "6h", "within": "12h"})).json()
    assert d["ok"] is True and d["schedule"]["available"] is False and d["schedule"]["policy"] == "now"
    assert d["commands"]["submit"] == []
    # a provider while offline: no network call, the same recommendation
    r = c.get("/schedule?" + urlencode({"region": "DE", "duration": "6h", "within": "12h", "forecast": "electricitymaps"}))
    assert r.status_code == 200 and "No forecast is available" in r.text and "WATTWISE_OFFLINE" in r.text


def test_history_only_becomes_a_persistence_forecast(c, fc):
    later = "2026-01-03T00:00Z"  # the file ends 2026-01-02 00:00
    r = c.get("/schedule?" + urlencode({"region": "DE", "duration": "4h", "within": "12h", "forecast": fc, "now": later}))
    assert r.status_code == 200
    assert "persistence-1d" in r.text and "the history repeated" in r.text
    ch = chart_of(r.text)
    assert ch["y"][:16] == pytest.approx(TWO_VALLEYS[:16])  # same hour, one day earlier (the last day held)


def test_several_regions_choose_the_cleanest(c, tmp_path):
    d = tmp_path / "forecasts"
    d.mkdir()
    write_forecast(d / "DE.csv", TWO_VALLEYS)
    write_forecast(d / "FR.csv", [40] * 24)
    r = c.get("/schedule?" + urlencode({"region": "DE", "regions": "FR", "duration": "4h", "within": "12h",
                                        "forecast": str(d), "now": NOW}))
    assert r.status_code == 200
    assert "Start now, in FR" in r.text
    table = re.search(r'<table class="data regions-plan">(.*?)</table>', r.text, re.S).group(1)
    assert "<code>FR</code> <strong>chosen</strong>" in table and "<code>DE</code>" in table
    assert f'id="plan-emissions">{format_mass_g(160)}<' in r.text


@pytest.mark.parametrize("extra,field,says", [
    ({"region": "Germny"}, "region", "did you mean 'DE'"),
    ({"region": ""}, "region", "choose the region"),
    ({"duration": ""}, "duration", "expected run time"),
    ({"duration": "soon"}, "duration", "invalid duration 'soon'"),
    ({"duration": "0"}, "duration", "must be > 0"),
    ({"within": "", "by": ""}, "within", "or a deadline"),
    ({"within": "30d"}, "within", "14 days"),
    ({"within": "", "by": "2020-01-01T00:00Z"}, "by", "does not fit before the deadline"),
    ({"forecast": "electricmaps"}, "forecast", "did you mean the provider 'electricitymaps'"),
    ({"forecast": "/no/such/dir/forecast.csv"}, "forecast", "forecast file not found"),
    ({"min_run": "1h"}, "min_run", "Pause & Resume only"),
    ({"policy": "pause-resume", "max_pauses": "1.5"}, "max_pauses", "whole number"),
    ({"policy": "pause-resume", "idle_w": "lots"}, "idle_w", "not a number"),
    ({"power_w": "-5"}, "power_w", "a number > 0"),
    ({"now": "teatime"}, "now", "teatime"),
    ({"now": "2025-06-01T00:00Z"}, "forecast", "starts at"),
])
def test_bad_input_is_shown_next_to_its_field(c, fc, extra, field, says):
    q = {"region": "DE", "duration": "4h", "within": "12h", "forecast": fc, "now": NOW, **extra}
    r = c.get("/schedule?" + urlencode(q))
    assert r.status_code == 422, r.text[-2000:]
    assert says in field_error(r.text, field)
    assert invalid_fields(r.text) == [field]
    assert 'id="plan-error"' in r.text and "Traceback" not in r.text
    a = c.get("/api/schedule?" + urlencode(q))
    assert a.status_code == 422 and a.json()["field"] == field and says in a.json()["error"]


def test_only_series_files_are_read(c, tmp_path):
    secret = tmp_path / "notes.txt"
    secret.write_text("datetime,g_per_kwh\nsecret,1\n")
    r = c.get("/schedule?" + urlencode({"region": "DE", "duration": "4h", "within": "12h", "forecast": str(secret)}))
    assert r.status_code == 422 and "is not a series file" in field_error(r.text, "forecast")
    assert "secret," not in r.text


def test_what_is_typed_is_escaped(c, fc):
    r = c.get("/schedule?" + urlencode({"region": "DE", "duration": "4h", "within": "12h", "forecast": fc, "now": NOW,
                                        "cmd": "<script>alert(1)</script>"}))
    assert r.status_code == 200
    assert "<script>alert(1)" not in r.text and "&lt;script&gt;alert(1)&lt;/script&gt;" in r.text
    r = c.get("/schedule?" + urlencode({"region": "<img src=x onerror=alert(2)>", "duration": "4h", "within": "1h"}))
    assert r.status_code == 422 and "<img src=x" not in r.text


def test_share_link_round_trips(c, fc):
    q = {"region": "DE", "duration": "4h", "within": "12h", "policy": "pause-resume", "forecast": fc, "now": NOW,
         "max_pauses": "1", "min_run": "2h", "idle_w": "50", "cmd": "python x.py"}
    r = c.get("/schedule?" + urlencode(q))
    assert r.status_code == 200
    link = htmlmod.unescape(re.search(r'<a id="plan-link" href="([^"]+)"', r.text).group(1))
    assert dict(parse_qsl(link.split("?", 1)[1])) == {**q, "persistence": "1d"}
    assert c.get(link).text.count('id="plan-emissions"') == 1
    want = schedule("4h", "12h", region="DE", forecast=fc, now=NOW, pause_resume=True, max_pauses=1, min_run="2h",
                    idle_w=50)
    assert f'id="plan-emissions">{format_mass_g(want.emissions_g)}<' in r.text


def test_schedule_is_read_only(c):
    for path in ("/schedule", "/api/schedule"):
        r = c.post(path, data={"region": "DE"})
        assert r.status_code == 405


def test_greendcc_example_from_the_docs(c, shared_data):
    """docs/schedule.md: a 6 h job in DE within 12 h from 2023-06-01 00:00 UTC starts at 09:00 and saves 29.3 %."""
    src = shared_data / "ci-hourly-greendcc-em-2021-2024"
    r = c.get("/schedule?" + urlencode({"region": "DE", "duration": "6h", "within": "12h", "forecast": str(src),
                                        "now": "2023-06-01T00:00Z"}))
    assert r.status_code == 200
    assert "Start at 2023-06-01 09:00 UTC, in 9 h" in r.text
    assert 'id="plan-savings">29.3 %<' in r.text
    assert "file DE-LU" in r.text
