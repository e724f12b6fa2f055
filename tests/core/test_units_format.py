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
