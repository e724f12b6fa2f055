"""Every user file is decoded by one rule: clear errors for bad bytes, never a traceback."""
from __future__ import annotations

import gzip
import subprocess
import sys

import pytest

from wattwise.errors import UsageError
from wattwise.textfile import read_text


def test_utf8_with_and_without_bom(tmp_path):
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    a.write_bytes("datetime,g_per_kwh\n".encode())
    b.write_bytes(b"\xef\xbb\xbf" + "datetime,g_per_kwh\n".encode())
    assert read_text(a) == read_text(b) == "datetime,g_per_kwh\n"


def test_gzip_is_read_transparently(tmp_path):
    p = tmp_path / "s.csv.gz"
    p.write_bytes(gzip.compress("x,y\n1,2\n".encode()))
    assert read_text(p) == "x,y\n1,2\n"


@pytest.mark.parametrize("raw, words", [
    ("datetime,g_per_kwh\n2024-01-01,12\nCaf\xe9,1\n".encode("cp1252"), ["offset 36", "0xe9", "Latin-1", "iconv"]),
    (b"\xff\xfe" + "datetime".encode("utf-16-le"), ["UTF-16", "offset 0"]),
    (b"PK\x03\x04\x00\x00binary", ["binary", "NUL byte at offset 4"]),
])
def test_bad_bytes_name_file_offset_and_fix(tmp_path, raw, words):
    p = tmp_path / "bad.csv"
    p.write_bytes(raw)
    with pytest.raises(UsageError) as ei:
        read_text(p, "series file")
    msg = str(ei.value)
    assert str(p) in msg and "\n" not in msg
    for w in words:
        assert w in msg


def test_missing_directory_and_bad_gzip(tmp_path):
    with pytest.raises(UsageError, match="not found"):
        read_text(tmp_path / "nope.csv")
    with pytest.raises(UsageError, match="is a directory"):
        read_text(tmp_path)
    bad = tmp_path / "x.csv.gz"
    bad.write_bytes(b"not gzip at all")
    with pytest.raises(UsageError, match="cannot read"):
        read_text(bad)


@pytest.mark.parametrize("argv_for", [
    lambda p: ["run", "--no-store", "--intensity-file", str(p), "--", sys.executable, "-c", "pass"],
    lambda p: ["estimate", "--gpu", "A100", "--hours", "1", "--catalogue", str(p)],
])
def test_cli_reports_latin1_files_in_one_line(tmp_path, wattwise_cmd, argv_for):
    p = tmp_path / "excel.csv"
    p.write_bytes("datetime,g_per_kwh\n2024-01-01T00:00Z,12 \xb5\n".encode("cp1252"))
    r = subprocess.run(wattwise_cmd + argv_for(p), capture_output=True, text=True, timeout=120)
    assert r.returncode == 2, r.stderr
    assert "Traceback" not in r.stderr and len(r.stderr.strip().splitlines()) == 1
    assert "not UTF-8" in r.stderr and str(p) in r.stderr


def test_latin1_config_file_is_reported(tmp_path, wattwise_cmd, monkeypatch):
    cfg = tmp_path / "config.toml"
    cfg.write_bytes('region = "M\xfcnchen"\n'.encode("latin-1"))
    monkeypatch.setenv("WATTWISE_CONFIG", str(cfg))
    r = subprocess.run(wattwise_cmd + ["estimate", "--gpu", "A100", "--hours", "1"], capture_output=True, text=True, timeout=120)
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert "config file" in r.stderr and "offset" in r.stderr and "fixed.toml" in r.stderr
