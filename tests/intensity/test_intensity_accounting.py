"""Hour-by-hour accounting: splitting segments across intervals, gaps, fallbacks, refetch limits."""
from __future__ import annotations

import dataclasses

import pytest

from wattwise.intensity import AnnualAccount, account_for, resolve_intensity
from wattwise.intensity.accounting import HourlyAccount, integrate
from wattwise.intensity.base import ProviderError
from wattwise.intensity.userfile import FixedValue
from wattwise.series import from_points
from wattwise.units import J_PER_KWH

T0 = 1_700_000_000 - 1_700_000_000 % 3600  # an hour boundary


@pytest.mark.parametrize("res", [300, 900, 1800, 3600])
def test_segment_spanning_intervals_is_split_in_proportion(res):
    s = from_points([(T0 + k * res, 100.0 * (k + 1)) for k in range(4)], resolution_s=res)
    # one segment from 1/3 into interval 0 to 1/2 into interval 2, carrying 1 kWh
    a, b = T0 + res / 3, T0 + 2 * res + res / 2
    ev = integrate(s, [(a, b, J_PER_KWH)], fallback_g=999.0)
    span = b - a
    by_hand = ((res - res / 3) * 100 + res * 200 + (res / 2) * 300) / span  # g for 1 kWh
    assert ev.grams == pytest.approx(by_hand)
    assert ev.gap_j == 0 and ev.covered_j == pytest.approx(J_PER_KWH)


def test_many_small_ticks_equal_one_big_segment():
    s = from_points([(T0 + k * 900, v) for k, v in enumerate([50, 80, 20, 400, 10, 60])], resolution_s=900)
    big = integrate(s, [(T0, T0 + 5400, 5400 * 250.0)], 0).grams
    ticks = [(T0 + i * 5.0, T0 + (i + 1) * 5.0, 5 * 250.0) for i in range(1080)]
    assert integrate(s, ticks, 0).grams == pytest.approx(big, rel=1e-12)
    assert big == pytest.approx(250.0 * 900 / J_PER_KWH * (50 + 80 + 20 + 400 + 10 + 60))


def test_gaps_use_the_fallback_and_are_reported():
    # hourly points with hours 2-4 missing (a gap longer than the 1 h hold)
    pts = [(T0 + h * 3600, 200.0) for h in (0, 1, 5, 6)]
    s = from_points(pts, resolution_s=3600)
    segs = [(T0 + h * 3600, T0 + (h + 1) * 3600, J_PER_KWH) for h in range(7)]  # 1 kWh per hour
    ev = integrate(s, segs, fallback_g=50.0)
    assert ev.grams == pytest.approx(4 * 200 + 3 * 50)
    assert ev.gap_j == pytest.approx(3 * J_PER_KWH) and ev.gap_s == pytest.approx(3 * 3600)
    # energy before the series starts and after it ends is a gap too
    ev2 = integrate(s, [(T0 - 1800, T0 + 1800, J_PER_KWH), (T0 + 7 * 3600 - 600, T0 + 7 * 3600 + 600, J_PER_KWH)], 50.0)
    assert ev2.grams == pytest.approx(0.5 * 50 + 0.5 * 200 + 0.5 * 200 + 0.5 * 50)


def test_zero_length_segments_take_the_value_at_their_instant():
    s = from_points([(T0, 100.0), (T0 + 3600, 300.0)], resolution_s=3600)
    assert integrate(s, [(T0 + 4000, T0 + 4000, J_PER_KWH)], 0).grams == pytest.approx(300.0)


class CountingSource:
    name = "counting"
    license = "test"
    signal = "average"

    def __init__(self, series=None, fail: str | None = None):
        self.series, self.fail, self.calls = series, fail, 0

    def history(self, zone, start, end):
        self.calls += 1
        if self.fail:
            raise ProviderError(self.fail)
        return self.series


def test_hourly_account_result_intensity_is_energy_weighted():
    annual = resolve_intensity("DE")
    s = from_points([(T0, 100.0), (T0 + 3600, 500.0)], resolution_s=3600, source="test series")
    acct = HourlyAccount(annual, CountingSource(s))
    segs = [(T0, T0 + 3600, 3 * J_PER_KWH), (T0 + 3600, T0 + 7200, 1 * J_PER_KWH)]
    assert acct.emissions_g(segs) == pytest.approx(300 + 500)
    i = acct.result_intensity(segs)
    assert i.method == "hourly" and i.g_per_kwh == pytest.approx(800 / 4)  # not the time mean (300)
    assert i.source == "test series" and i.zone == "DE" and i.note is None
    assert i.extra["coverage_pct"] == 100.0 and i.extra["annual_g_per_kwh"] == annual.g_per_kwh
    assert i.to_dict()["datetime"].startswith("2023-11-14T22:00")


def test_provider_failure_falls_back_with_a_visible_note_and_is_not_hammered():
    annual = resolve_intensity("DE")
    src = CountingSource(fail="HTTP 503: maintenance")
    clock = [T0 + 10_000.0]
    acct = HourlyAccount(annual, src, clock=lambda: clock[0])
    segs = [(T0, T0 + 3600, J_PER_KWH)]
    assert acct.emissions_g(segs) == pytest.approx(annual.g_per_kwh)
    i = acct.result_intensity(segs)
    assert i.method == "annual" and "HTTP 503: maintenance" in i.note and "annual figure" in i.note
    for k in range(20):  # windows closing every few seconds during the run
        clock[0] += 5
        acct.emissions_g([(T0, T0 + 3600 + k * 5, J_PER_KWH)])
    assert src.calls == 1
    clock[0] += 700  # ten minutes later it is tried again
    acct.emissions_g([(T0, T0 + 9000, J_PER_KWH)])
    assert src.calls == 2


def test_partial_coverage_is_reported_in_the_note():
    annual = resolve_intensity("FR")
    s = from_points([(T0, 100.0)], resolution_s=3600, source="one hour")
    acct = HourlyAccount(annual, CountingSource(s))
    segs = [(T0, T0 + 3600, J_PER_KWH), (T0 + 3600, T0 + 7200, J_PER_KWH)]
    i = acct.result_intensity(segs)
    assert i.method == "hourly" and i.extra["coverage_pct"] == pytest.approx(50.0)
    assert i.g_per_kwh == pytest.approx((100 + annual.g_per_kwh) / 2)
    assert "50.0% of the energy" in i.note and str(annual.g_per_kwh) in i.note


def test_fixed_value_provider_equals_the_annual_account():
    annual = dataclasses.replace(resolve_intensity("PL"), g_per_kwh=321.0)
    segs = [(T0 + k * 7.0, T0 + (k + 1) * 7.0, 70.0) for k in range(1000)]
    hourly = HourlyAccount(annual, FixedValue(321.0))
    assert hourly.emissions_g(segs) == pytest.approx(AnnualAccount(annual).emissions_g(segs))


def test_account_for_choices(tmp_path, monkeypatch):
    fr = resolve_intensity("FR")
    assert isinstance(account_for(fr), AnnualAccount)  # default: nothing configured
    user = resolve_intensity("FR", intensity_g=12.0)
    assert isinstance(account_for(user, provider="ukgrid"), AnnualAccount)  # the user's value wins
    f = tmp_path / "s.csv"
    f.write_text("datetime,g_per_kwh\n2024-01-01T00:00Z,10\n2024-01-01T01:00Z,20\n")
    assert isinstance(account_for(fr, series=f), HourlyAccount)
    # a configured provider under WATTWISE_OFFLINE=1 (set suite-wide): annual, with a note, no network
    monkeypatch.setenv("WATTWISE_ELECTRICITYMAPS_TOKEN", "tok")
    a = account_for(fr)
    assert isinstance(a, AnnualAccount) and "WATTWISE_OFFLINE=1" in a.intensity.note
    from wattwise.errors import StrictModeError, UsageError

    with pytest.raises(StrictModeError):
        account_for(fr, strict=True)
    with pytest.raises(UsageError, match="did you mean 'electricitymaps'"):
        account_for(fr, provider="electricitymap5")


def test_public_api_wattwise_intensity(tmp_path):
    """Regression: the lazy `wattwise.intensity` name used to shadow the package with a function."""
    import wattwise
    import wattwise.intensity

    assert wattwise.intensity("Quebec").zone == "CA-QC"
    assert wattwise.intensity.account_for is account_for
    f = tmp_path / "s.csv"
    f.write_text("datetime,g_per_kwh\n2024-01-01T00:00Z,10\n2024-01-01T01:00Z,20\n")
    i = wattwise.intensity("DE", at="2024-01-01T01:15Z", series=f)
    assert (i.g_per_kwh, i.method, i.zone) == (20.0, "hourly", "DE")
