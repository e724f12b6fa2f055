"""Every bad series is refused with one line naming the file, the line and the value (exit 2).

What once passed: `inf`, `nan`, negative values and `1e308` from a series file went into stored
emissions and into JSON as `Infinity`; a g/MWh file was read as g/kWh; one `inf` in a forecast
cancelled an 83 % saving; one hour given twice with different values silently took the last;
a folder of several regions' files was merged into one zone.
"""
from __future__ import annotations

import json
import subprocess

import pytest
from ci_payloads import ts

from wattwise.errors import UsageError
from wattwise.intensity.base import ProviderError, series_from_points
from wattwise.series import MAX_G_PER_KWH, from_points, read_series

T0 = 1714521600  # 2024-05-01T00:00:00Z
HEADER = "datetime,g_per_kwh\n"


def _csv(path, rows, header=HEADER):
    path.write_text(header + "".join(f"{a},{b}\n" for a, b in rows))
    return path


def _rows(values, t0=T0, step=3600):
    return [(t0 + i * step, v) for i, v in enumerate(values)]


BAD_VALUES = [  # (cell, what the message says)
    ("inf", "not a finite number"),
    ("-inf", "not a finite number"),
    ("nan", "not a finite number"),
    ("NaN", "not a finite number"),
    ("-12.5", "negative"),
    ("1e308", "above the plausible maximum"),
    ("2000.5", "above the plausible maximum"),
]


@pytest.mark.parametrize("cell,msg", BAD_VALUES)
def test_bad_value_names_file_line_and_value(tmp_path, cell, msg):
    f = _csv(tmp_path / "s.csv", _rows([120, 130, cell, 140]))
    with pytest.raises(UsageError) as e:
        read_series(f)
    text = str(e.value)
    assert f"{f}: line 4" in text and cell in text and msg in text
    assert "\n" not in text


def test_g_per_mwh_file_is_refused_with_the_hint(tmp_path):
    f = _csv(tmp_path / "mwh.csv", _rows([352000.0, 348000.0, 90000.0]))
    with pytest.raises(UsageError, match=r"line 2.*352000.*look like g/MWh: divide them by 1000"):
        read_series(f)


def test_plausible_extremes_pass(tmp_path):
    f = _csv(tmp_path / "ok.csv", _rows([0, 0.4, 1180.0, MAX_G_PER_KWH, ""]))
    s = read_series(f)
    assert s.value_at(T0) == 0 and s.value_at(T0 + 3 * 3600) == MAX_G_PER_KWH


@pytest.mark.parametrize("stamp,msg", [
    ("yesterday", "invalid time"),
    ("2024-13-01T00:00Z", "invalid time"),
    ("1714521600000", "outside 1970-2200; epoch milliseconds"),
    ("inf", "invalid time"),
])
def test_bad_time_names_file_and_line(tmp_path, stamp, msg):
    f = tmp_path / "t.csv"
    f.write_text(HEADER + f"{T0},100\n{stamp},110\n")
    with pytest.raises(UsageError, match=rf"{f}: line 3.*{msg}"):
        read_series(f)


def test_rows_in_any_order_are_sorted(tmp_path):
    f = _csv(tmp_path / "u.csv", [(T0 + 7200, 30), (T0, 10), (T0 + 3600, 20)])
    assert read_series(f).g == (10, 20, 30)


def test_identical_duplicates_pass_different_ones_are_refused(tmp_path):
    ok = _csv(tmp_path / "same.csv", _rows([10, 20]) + [(T0 + 3600, 20)])
    assert read_series(ok).g == (10, 20)
    bad = _csv(tmp_path / "diff.csv", _rows([10, 20, 30]) + [(T0 + 3600, 25)])
    with pytest.raises(UsageError) as e:
        read_series(bad)
    text = str(e.value)
    assert f"{bad}: line 5" in text and "given twice" in text and "20 at" in text and "line 3" in text and "25" in text


def test_folder_of_several_zones_is_never_merged(tmp_path):
    d = tmp_path / "mixed"
    d.mkdir()
    hdr = "Datetime (UTC),Country,Zone Name,Zone Id,Carbon Intensity gCO₂eq/kWh (LCA)\n"
    (d / "a.csv").write_text(hdr + "2024-05-01 00:00:00,France,France,FR,30\n2024-05-01 01:00:00,France,France,FR,31\n")
    (d / "b.csv").write_text(hdr + "2024-05-02 00:00:00,Germany,Germany,DE,300\n")
    with pytest.raises(UsageError, match=r"several zones' series \(FR \(a.csv\), DE \(b.csv\)\)"):
        read_series(d)


def test_folder_of_unnamed_regions_overlapping_is_refused(tmp_path):
    d = tmp_path / "two"
    d.mkdir()
    _csv(d / "fr.csv", _rows([30, 31]))
    _csv(d / "de.csv", _rows([300, 310]))
    with pytest.raises(UsageError, match="given twice with different values.*several regions' files"):
        read_series(d)


def test_one_file_with_two_zones_is_refused(tmp_path):
    f = tmp_path / "z.csv"
    f.write_text("datetime,Zone Id,g_per_kwh\n2024-05-01T00:00Z,FR,30\n2024-05-01T01:00Z,DE,300\n")
    with pytest.raises(UsageError, match=rf"{f}: line 3: zone 'DE' differs from 'FR'"):
        read_series(f)


@pytest.mark.parametrize("value", ["NaN", "Infinity", "-5", "5e6"])
def test_json_series_checked_too(tmp_path, value):
    f = tmp_path / "s.json"
    f.write_text('[{"datetime": "2024-05-01T00:00Z", "g_per_kwh": 10}, {"datetime": "2024-05-01T01:00Z", "g_per_kwh": '
                 + value + "}]")
    with pytest.raises(UsageError, match=rf"{f}: item 1"):
        read_series(f)


@pytest.mark.parametrize("g", [float("inf"), float("nan"), -1.0, 1e308])
def test_points_from_any_source_are_checked(g):
    with pytest.raises(UsageError, match="value for 2024-05-01T01:00"):
        from_points([(T0, 10.0), (T0 + 3600, g)], what="test source")
    with pytest.raises(ProviderError):  # a provider's payload: a provider failure, never a number
        series_from_points([(T0, 10.0), (T0 + 3600, g)], "provider", "DE", "average", 3600)


def test_electricity_maps_payload_with_infinity_is_a_provider_error(server, tmp_path, online):
    from test_intensity_em import em_point, provider

    now = ts("2024-05-02T12:20:00Z")
    fc = [{"carbonIntensity": 200 + k, "datetime": f"2024-05-02T{12 + k:02d}:00:00.000Z"} for k in range(6)]
    fc[3]["carbonIntensity"] = 1e309  # what json.dumps writes as Infinity
    server.expect_request("/carbon-intensity/forecast").respond_with_data(
        json.dumps({"zone": "DE", "forecast": fc}), content_type="application/json")
    with pytest.raises(ProviderError, match="not a finite number"):
        provider(server, tmp_path, now).forecast("DE", hours=6)
    server.expect_request("/carbon-intensity/latest").respond_with_json(em_point("DE", now - 1200, -40.0))
    with pytest.raises(ProviderError, match="negative"):
        provider(server, tmp_path, now).latest("DE")


BAD_FILE = "datetime,g_per_kwh\n{t0},100\n{t1},inf\n"


@pytest.mark.parametrize("argv", [
    ["run", "--no-store", "--region", "FR", "--intensity-file", "{f}", "--", "true"],
    ["schedule", "--duration", "1h", "--within", "3h", "--region", "GB", "--forecast", "{f}"],
    ["run", "--no-store", "--region", "GB", "--within", "3h", "--duration", "1h", "--forecast", "{f}", "--", "true"],
    ["simulate", "--series", "{f}", "--duration", "1h", "--window", "3h"],
])
def test_cli_refuses_a_bad_series_in_one_line(tmp_path, wattwise_cmd, argv):
    import time

    t0 = int(time.time()) // 3600 * 3600
    f = tmp_path / "bad.csv"
    f.write_text(BAD_FILE.format(t0=t0, t1=t0 + 3600))
    r = subprocess.run(wattwise_cmd + [a.replace("{f}", str(f)) for a in argv], capture_output=True, text=True, timeout=120)
    assert r.returncode == 2, r.stdout + r.stderr
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in r.stderr, r.stderr
    assert f"{f}: line 3" in lines[0] and "'inf'" in lines[0]
