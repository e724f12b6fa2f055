"""The user's own intensity: a CSV/JSON time series (``--intensity-file``) or a fixed value.

Both follow the provider protocol so accounting treats them like any live source: a series file
answers for the span it covers (the rest is a reported gap), a fixed value answers for all time.
Nothing here touches the network.
"""
from __future__ import annotations

import os

from ..series import Series, read_series
from .base import HOUR, ProviderError, Reading, series_from_points


class SeriesFile:
    name = "file"
    license = "user-supplied"
    max_span_s = float("inf")

    def __init__(self, path: str | os.PathLike, *, column: str | None = None, signal: str = "average",
                 clock=None, basis: str | None = None):
        import time

        from .basis import EM_COLUMNS, basis_of_column

        self.path = path
        self.series: Series = read_series(path, column=column, signal=signal)  # UsageError on a bad file
        found = basis_of_column(self.series.column)
        if column is None and basis is not None and found is not None and found != basis:
            # an Electricity Maps export carries both columns: read the one on the asked basis
            self.series = read_series(path, column=EM_COLUMNS[basis], signal=signal)
            found = basis
        self.basis = found  # None: the file does not say
        self.signal = self.series.signal
        self.clock = clock or time.time

    def _zone(self, zone: str) -> str:
        return self.series.zone or zone

    def latest(self, zone: str) -> Reading:
        now = self.clock()
        v = self.series.value_at(now)
        t = now
        if v is None:  # the newest point at or before now
            past = [i for i, t0 in enumerate(self.series.t) if t0 <= now]
            if not past:
                raise ProviderError(f"{self.series.source} starts after now; use --at to pick a time it covers")
            i = past[-1]
            t, v = self.series.t[i], self.series.g[i]
        return Reading(t, v, self.series.resolution_s, self.series.source, self.signal, self._zone(zone))

    def history(self, zone: str, start: float, end: float) -> Series:
        s = self.series.slice(start, end)
        if not len(s):
            raise ProviderError(f"{self.series.source} does not cover {start:.0f}-{end:.0f}")
        return s

    def forecast(self, zone: str, hours: float = 24.0) -> Series:
        now = self.clock()
        s = self.series.slice(now, now + hours * HOUR)
        if not len(s):
            raise ProviderError(f"{self.series.source} has no values after now")
        return s


class FixedValue:
    """A constant the user chose (``--intensity G``): method 'user', no time dependence."""

    name = "fixed"
    license = "user-supplied"
    signal = "average"
    basis = None  # as the user states it
    max_span_s = float("inf")

    def __init__(self, g_per_kwh: float, *, clock=None):
        import time

        from ..errors import UsageError
        from ..series import check_value

        try:
            check_value(float(g_per_kwh), "fixed intensity")
        except UsageError as e:
            raise ProviderError(str(e)) from None
        self.g = float(g_per_kwh)
        self.clock = clock or time.time

    def latest(self, zone: str) -> Reading:
        return Reading(self.clock(), self.g, HOUR, "user-supplied value", self.signal, zone)

    def history(self, zone: str, start: float, end: float) -> Series:
        h0 = start - start % HOUR
        n = max(1, int((end - h0) // HOUR) + 1)
        return series_from_points([(h0 + k * HOUR, self.g) for k in range(n)], "user-supplied value", zone,
                                  self.signal, HOUR)

    def forecast(self, zone: str, hours: float = 24.0) -> Series:
        now = self.clock()
        return self.history(zone, now, now + hours * HOUR)
