"""One formatter per quantity; small values keep 3 significant figures instead of printing 0."""
from __future__ import annotations

import pytest

from wattwise.units import format_energy_j, format_mass_g


@pytest.mark.parametrize("g, text", [(0.0, "0.000 gCO2e"), (0.004321, "4.32 mgCO2e"), (1.5e-7, "0.15 µgCO2e"),
                                     (2.5e-4, "250 µgCO2e"), (0.02, "0.020 gCO2e"), (1234.5, "1.234 kgCO2e"), (None, "unknown")])
def test_mass(g, text):
    assert format_mass_g(g) == text


@pytest.mark.parametrize("j, text", [(0.0, "0.00 J"), (0.5, "500 mJ"), (2.04e-5, "20.4 µJ"), (3.0, "3.00 J"), (None, "unknown")])
def test_energy(j, text):
    assert format_energy_j(j) == text


def test_durations_leave_out_zero_parts():
    from wattwise.units import format_duration

    assert format_duration(3 * 3600) == "3 h"
    assert format_duration(2 * 3600 + 300) == "2 h 5 min"
    assert format_duration(86400 + 60) == "1 d 1 min"
    assert format_duration(61) == "1 min 1 s"
    assert format_duration(12.34) == "12.3 s"


def test_json_never_carries_nan_or_infinity(capsys):
    import json

    from wattwise.cli import emit_json

    emit_json({"a": float("nan"), "b": [1.0, float("inf")], "c": {"d": -float("inf"), "e": 2.5}})
    line = capsys.readouterr().out.strip()
    assert json.loads(line) == {"a": None, "b": [1.0, None], "c": {"d": None, "e": 2.5}}
    assert "NaN" not in line and "Infinity" not in line
