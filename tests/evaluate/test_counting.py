"""run.count(requests=, tokens=): per-request and per-1k-token energy and emissions over the run and
per window; thread-safe; bounded memory; bad counts refused."""
from __future__ import annotations

import threading

import pytest

import wattwise
from wattwise.errors import UsageError
from wattwise.evaluate.counting import MAX_ENTRIES, CountLog
from wattwise.units import J_PER_KWH


def test_per_request_and_per_token_over_the_run_and_windows(tmp_path):
    from wattwise.testing import FakePowercap

    fake = FakePowercap(tmp_path / "sys")
    with wattwise.track(region="DE", scope="node", powercap_root=str(fake.root), gpu=False, store=str(tmp_path / "r.db"),
                        install_handlers=False, interval=0.2) as run:
        with run.window("warm"):
            for _ in range(7):
                fake.advance(0, package_j=1.3)
                run.count(requests=1, tokens=41)
        with run.window("busy"):
            for _ in range(30):
                fake.advance(0, package_j=0.7, dram_j=0.05)
                run.count(requests=1)
            run.count(tokens=1234)
    m = run.result
    u = m.to_dict()["usage"]
    assert (u["requests"], u["tokens"]) == (37, 7 * 41 + 1234)
    assert u["energy_kwh_per_request"] == pytest.approx(m.energy_kwh / 37, rel=1e-12)
    assert u["emissions_gco2e_per_request"] == pytest.approx(m.emissions_g / 37, rel=1e-12)
    assert u["energy_kwh_per_1k_tokens"] == pytest.approx(m.energy_kwh / (7 * 41 + 1234) * 1000, rel=1e-12)
    assert m.energy_j == pytest.approx(7 * 1.3 + 30 * 0.75, rel=1e-6)
    w = {x["name"]: x for x in u["windows"]}
    assert (w["warm"]["requests"], w["warm"]["tokens"]) == (7, 287)
    assert (w["busy"]["requests"], w["busy"]["tokens"]) == (30, 1234)
    assert w["warm"]["energy_kwh_per_request"] == pytest.approx(7 * 1.3 / J_PER_KWH / 7, rel=1e-6)
    assert w["busy"]["energy_kwh_per_request"] == pytest.approx(0.75 / J_PER_KWH, rel=1e-6)
    assert w["busy"]["energy_kwh_per_1k_tokens"] == pytest.approx(30 * 0.75 / J_PER_KWH / 1234 * 1000, rel=1e-6)
    comps = {c["name"]: c for c in u["components"]}
    assert comps["dram"]["energy_kwh_per_request"] == pytest.approx(30 * 0.05 / J_PER_KWH / 37, rel=1e-6)
    assert u["count_resolution_s"] == 0.0
    from wattwise.store import open_store

    assert open_store(tmp_path / "r.db").get_run(m.run_id)["result"]["usage"] == u
    from wattwise.report.summary import format_summary

    line = next(x for x in format_summary(m).splitlines() if x.strip().startswith("requests"))
    assert "37 counted" in line and "per request" in line and "1,521 tokens" in line and "per 1,000 tokens" in line


def test_nothing_counted_is_null_and_no_count_no_block():
    from wattwise.testing import ConstantPowerSensor

    with wattwise.track(store=False, sensors=[ConstantPowerSensor("cpu", 5.0)], install_handlers=False) as run:
        pass
    assert "usage" not in run.result.to_dict()  # count() never called: no usage block
    with wattwise.track(store=False, sensors=[ConstantPowerSensor("cpu", 5.0)], install_handlers=False) as run:
        run.count(requests=0)  # a service that got no request: zero requests, per-request figures unknown
    u = run.result.to_dict()["usage"]
    assert u["requests"] == 0 and u["energy_kwh_per_request"] is None and u["emissions_gco2e_per_request"] is None
    with wattwise.track(store=False, sensors=[ConstantPowerSensor("cpu", 5.0)], install_handlers=False) as run:
        run.count(tokens=10)
    u = run.result.to_dict()["usage"]
    assert u["requests"] == 0 and u["energy_kwh_per_request"] is None and u["energy_kwh_per_1k_tokens"] > 0


def test_counts_from_many_threads_all_arrive():
    log = CountLog()

    def work():
        for _ in range(2000):
            log.add(requests=1, tokens=3)

    threads = [threading.Thread(target=work) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert (log.requests, log.tokens) == (16000, 48000)
    assert log.between(0, float("inf")) == (16000, 48000)


def test_the_log_stays_bounded_and_keeps_exact_totals():
    t = [1000.0]

    def clock():
        t[0] += 0.0001  # 10,000 counts a second
        return t[0]

    log = CountLog(clock=clock)
    for _ in range(3 * MAX_ENTRIES):
        log.add(requests=1)
    assert len(log.t) <= MAX_ENTRIES and log.resolution > 0
    assert log.requests == 3 * MAX_ENTRIES == log.between(0, 1e9)[0]
    mid = 1000.0 + 1.5 * MAX_ENTRIES * 0.0001
    first = log.between(0, mid)[0]
    assert abs(first - 1.5 * MAX_ENTRIES) <= log.resolution / 0.0001 + 1  # off by at most one resolution's worth


@pytest.mark.parametrize("kw,msg", [(dict(requests=-1), "requests must be >= 0"), (dict(tokens=1.5), "tokens must be a whole"),
                                    (dict(requests="many"), "requests must be a whole")])
def test_bad_counts_are_refused(kw, msg):
    from wattwise.testing import ConstantPowerSensor

    with wattwise.track(store=False, sensors=[ConstantPowerSensor("cpu", 1.0)], install_handlers=False) as run:
        with pytest.raises(UsageError, match=msg):
            run.count(**kw)
