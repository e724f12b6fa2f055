"""A job's energy as a function of its own progress (job time), flat or measured.

Dodge et al. planned with each model's measured 5-minute energy series; the default here is
flat (constant power), and ``from_run`` takes a stored run's timeline (``--like RUN_ID``).
Energies are joules over job-time spans; pauses do not advance job time.
"""
from __future__ import annotations

import bisect
from dataclasses import dataclass

from ..errors import UsageError

DEFAULT_POWER_W = 1000.0  # labelled assumption when neither --power-w nor --like is given


@dataclass(frozen=True)
class Profile:
    """Cumulative energy (J) at job-time knots (s), piecewise linear, from 0 to ``duration_s``."""

    duration_s: float
    knots_t: tuple[float, ...]
    knots_e: tuple[float, ...]
    source: str
    assumed: bool = False
    flat_w: float | None = None  # set for constant power (lets the planner use O(n) paths)

    @classmethod
    def flat(cls, power_w: float | None, duration_s: float) -> "Profile":
        assumed = power_w is None
        p = DEFAULT_POWER_W if power_w is None else float(power_w)
        if not p > 0:
            raise UsageError(f"invalid power {power_w!r} W; give the job's average power, e.g. --power-w 300")
        src = (f"flat {p:g} W (assumed; pass --power-w or --like RUN_ID: emissions scale with power, savings do not)"
               if assumed else f"flat {p:g} W (user)")
        return cls(duration_s, (0.0, duration_s), (0.0, p * duration_s), src, assumed, p)

    @property
    def energy_j(self) -> float:
        return self.knots_e[-1]

    @property
    def mean_power_w(self) -> float:
        return self.energy_j / self.duration_s if self.duration_s > 0 else 0.0

    def cumulative(self, x: float) -> float:
        if self.flat_w is not None:
            return self.flat_w * min(max(x, 0.0), self.duration_s)
        t, e = self.knots_t, self.knots_e
        if x <= t[0]:
            return e[0]
        if x >= t[-1]:
            return e[-1]
        i = bisect.bisect_right(t, x) - 1
        w = (x - t[i]) / (t[i + 1] - t[i]) if t[i + 1] > t[i] else 0.0
        return e[i] + (e[i + 1] - e[i]) * w

    def energy(self, a: float, b: float) -> float:
        """Energy (J) of job time [a, b)."""
        if self.flat_w is not None:
            return self.flat_w * (min(b, self.duration_s) - max(a, 0.0)) if b > a else 0.0
        return self.cumulative(b) - self.cumulative(a)

    def stretched(self, duration_s: float) -> "Profile":
        """The same shape over another duration (energy scales with time: same power curve, rescaled)."""
        if abs(duration_s - self.duration_s) < 1e-9:
            return self
        k = duration_s / self.duration_s
        return Profile(duration_s, tuple(x * k for x in self.knots_t), tuple(x * k for x in self.knots_e),
                       self.source + f", stretched to {duration_s:g} s", self.assumed,
                       self.flat_w)


def from_samples(samples: list[dict], *, pue: float = 1.0, source: str = "run") -> Profile:
    """Samples (t, component, cumulative energy_j) of one run -> facility-energy profile."""
    by_t: dict[float, float] = {}
    last: dict[str, float] = {}
    for s in sorted(samples, key=lambda r: (r["t"], r["component"])):
        if s.get("energy_j") is None:
            continue
        last[s["component"]] = float(s["energy_j"])
        by_t[float(s["t"])] = sum(last.values())
    ts = sorted(by_t)
    if len(ts) < 2:
        raise UsageError(f"{source}: fewer than 2 energy samples; record it with a shorter --interval or use --power-w")
    t0, e0 = ts[0], by_t[ts[0]]
    kt = tuple(t - t0 for t in ts)
    ke = tuple((by_t[t] - e0) * pue for t in ts)
    if ke[-1] <= 0:
        raise UsageError(f"{source}: measured no energy; use --power-w instead")
    return Profile(kt[-1], kt, ke, f"measured profile of {source} ({ke[-1] / 3.6e6:.4g} kWh facility over {kt[-1]:.0f} s)")


def from_run(run_id: str, store_url: str | None = None) -> Profile:
    from ..store import open_store

    st = open_store(store_url)
    try:
        rid = st.resolve_id(run_id)
        row = st.get_run(rid)
        samples = st.samples(rid)
    finally:
        try:
            st.close()
        except Exception:  # noqa: BLE001
            pass
    pue = float((row or {}).get("pue") or 1.0)
    return from_samples(samples, pue=pue, source=f"run {rid}")
