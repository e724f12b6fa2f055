"""Region ids and the bundled annual intensity table.

Ids: ISO 3166-1 alpha-2 countries (``FR``), Electricity Maps zone ids (``US-CAL-CISO``) and
cloud regions (``aws:us-east-1``, ``gcp:europe-west1``, ``azure:westeurope``). Each bundled
table under ``data/`` (countries.csv, zones.csv, cloud_regions.csv when present) contributes
rows; every row carries its source, year and license. Unknown ids get suggestions from a
fuzzy match over ids, aliases and human names.

Every figure is on one *basis*: ``lifecycle`` (the default: emissions of building, fuelling,
running and dismantling the plants) or ``direct`` (what the plants emit while running). A
table row holds one figure per basis; a :class:`Region` shows one basis at a time
(``Region.on(basis)``), so a list built with one ``basis`` never mixes two. A region without a
figure on the asked basis has ``g_per_kwh`` None and a ``note`` saying why; no other basis
stands in for it.
"""
from __future__ import annotations

import dataclasses
import functools
import re
from dataclasses import dataclass, field
from typing import Any

from ._data import open_table, table
from .errors import UsageError

WORLD = "WORLD"
BASES = ("lifecycle", "direct")
DEFAULT_BASIS = "lifecycle"
_TABLES = (("countries.csv", "country"), ("zones.csv", "zone"), ("cloud_regions.csv", "cloud"))


def check_basis(basis: str | None) -> str:
    """The basis asked for (``lifecycle`` when None); a UsageError names the choices otherwise."""
    if basis is None:
        return DEFAULT_BASIS
    b = str(basis).strip().lower()
    if b not in BASES:
        raise UsageError(f"unknown basis '{basis}'; use lifecycle (emissions over the plants' life cycle, the "
                         f"default) or direct (operational emissions only)")
    return b


@dataclass(frozen=True)
class Figure:
    """One annual figure on one basis; ``g_per_kwh`` None means none is bundled and ``note`` says why."""

    g_per_kwh: float | None
    year: int | None
    source: str
    license: str
    note: str | None = None


@dataclass(frozen=True)
class Region:
    id: str
    kind: str  # country | zone | cloud | world
    name: str
    g_per_kwh: float | None
    year: int | None
    source: str
    license: str
    signal: str = "average"
    zone: str | None = None  # grid zone a cloud region sits in
    provider: str | None = None
    country: str | None = None
    pue: float | None = None
    pue_source: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    basis: str = DEFAULT_BASIS
    note: str | None = None  # a label ("national figure used for zone X") or why there is no figure
    figures: dict[str, Figure] = field(default_factory=dict)  # basis -> figure, both bases

    def on(self, basis: str | None) -> "Region":
        """This region as seen on ``basis``: its figure on that basis, or None and the reason."""
        b = check_basis(basis)
        if b == self.basis:
            return self
        f = self.figures.get(b) or Figure(None, None, "", "", f"no bundled {b} figure for {self.id}")
        return dataclasses.replace(self, basis=b, g_per_kwh=f.g_per_kwh, year=f.year, source=f.source,
                                   license=f.license, note=f.note)

    def to_dict(self) -> dict[str, Any]:
        d = {"id": self.id, "kind": self.kind, "name": self.name, "g_per_kwh": self.g_per_kwh, "year": self.year,
             "source": self.source or None, "license": self.license or None, "signal": self.signal, "basis": self.basis}
        if self.note:
            d["note"] = self.note
        for k in ("zone", "provider", "country", "pue", "pue_source"):
            v = getattr(self, k)
            if v is not None:
                d[k] = v
        d.update(self.extra)
        return d


def _f(v: str | None) -> float | None:
    try:
        return float(v) if v not in (None, "") else None
    except ValueError:
        return None


def _num(v: str):
    """Numeric extra columns (google_g_per_kwh, google_cfe_pct, ...) as numbers in JSON."""
    if re.fullmatch(r"-?\d+", v):
        return int(v)
    if re.fullmatch(r"-?\d*\.\d+(e-?\d+)?", v):
        return float(v)
    return v


def _i(v: str | None) -> int | None:
    f = _f(v)
    return None if f is None else int(f)


_FIGURE = ("g_per_kwh", "year", "source", "license", "note")
_CORE = {"id", "kind", "name", "signal", "zone", "provider", "country", "pue", "pue_source", "alpha3", "aliases",
         *(f"{b}_{f}" for b in BASES for f in _FIGURE)}
# Deprecated names of Google's own figures (before provider_*), still written for GCP rows.
_GOOGLE_ALIASES = (("provider_g_per_kwh", "google_g_per_kwh"), ("cfe_pct", "google_cfe_pct"),
                   ("provider_year", "google_year"))


def _figure(r: dict[str, str], basis: str) -> Figure:
    g = _f(r.get(f"{basis}_g_per_kwh"))
    return Figure(g, _i(r.get(f"{basis}_year")), r.get(f"{basis}_source") or "", r.get(f"{basis}_license") or "",
                  r.get(f"{basis}_note") or (None if g is not None else f"no bundled {basis} figure for {r['id']}"))


def _make(r: dict[str, str], kind: str) -> Region:
    rid = r["id"]
    k = r.get("kind") or (WORLD.lower() if rid == WORLD else kind)
    figures = {b: _figure(r, b) for b in BASES}
    f = figures[DEFAULT_BASIS]
    extra = {k2: _num(v) for k2, v in r.items() if k2 not in _CORE and v not in (None, "")}
    if r.get("provider") == "gcp":
        extra.update({old: extra[new] for new, old in _GOOGLE_ALIASES if new in extra})
    return Region(
        id=rid, kind=k, name=r.get("name") or rid, g_per_kwh=f.g_per_kwh, year=f.year, source=f.source,
        license=f.license, signal=r.get("signal") or "average", zone=r.get("zone") or None,
        provider=r.get("provider") or None, country=r.get("country") or (rid if kind == "country" and rid != WORLD else None),
        pue=_f(r.get("pue")), pue_source=r.get("pue_source") or None, extra=extra, basis=DEFAULT_BASIS, note=f.note,
        figures=figures,
    )


@functools.lru_cache(maxsize=1)
def _rows() -> dict[str, tuple[dict[str, str], str]]:
    """Raw rows by id, later tables winning as in ``_load``: enough to answer an exact id."""
    out: dict[str, tuple[dict[str, str], str]] = {}
    for fname, kind in _TABLES:
        try:
            rows = table(fname)
        except FileNotFoundError:
            continue
        for r in rows:
            out[r["id"]] = (r, kind)
    return out


def _row_by_id(fname: str, rid: str) -> dict[str, str] | None:
    """The last row of a table whose first column (``id``) is ``rid``, parsing only that line.

    Every bundled table has one row per line. Raises LookupError when the table does not
    start with an ``id`` column (the caller then parses it whole).
    """
    import csv

    header, hit = None, None
    plain, quoted = rid + ",", '"' + rid.replace('"', '""') + '",'
    try:
        with open_table(fname) as f:
            for line in f:
                if line.startswith("#"):
                    continue
                if header is None:
                    header = line
                    if not line.startswith("id,"):
                        raise LookupError(fname)
                elif line.startswith(plain) or line.startswith(quoted):
                    hit = line
    except FileNotFoundError:
        return None
    if hit is None:
        return None
    rows = list(csv.DictReader([header, hit]))
    return rows[0] if rows else None


@functools.lru_cache(maxsize=None)
def _region(rid: str) -> Region | None:
    """One region by exact id, without parsing every table and building every region and alias
    (~10 ms at each tracker start). Later tables win, as in ``_load``."""
    try:
        for fname, kind in reversed(_TABLES):
            row = _row_by_id(fname, rid)
            if row is not None:
                return _make(row, kind)
        return None
    except LookupError:
        hit = _rows().get(rid)
        return None if hit is None else _make(*hit)


@functools.lru_cache(maxsize=1)
def _load() -> tuple[dict[str, Region], dict[str, str]]:
    regions: dict[str, Region] = {}
    aliases: dict[str, str] = {}
    for fname, kind in _TABLES:
        try:
            rows = table(fname)
        except FileNotFoundError:
            continue
        for r in rows:
            rid = r["id"]
            reg = _make(r, kind)
            regions[rid] = reg
            for a in [rid, r.get("alpha3"), reg.name, *(r.get("aliases") or "").split("|")]:
                if a:
                    aliases.setdefault(_key(a), rid)
    return regions, aliases


_LOAD = _load


def _key(s: str) -> str:
    return re.sub(r"[\s_]+", " ", s.strip().lower())


def all_regions(basis: str | None = None) -> list[Region]:
    """Every bundled region, each on ``basis`` (default lifecycle)."""
    b = check_basis(basis)
    return [r.on(b) for r in _load()[0].values()]


def _lookup(rid: str) -> Region | None:
    """An exact id. Until the full table is built, build just that region; once ``_load`` has
    run (or was replaced, as tests do), it is the authority."""
    if _load is _LOAD and _LOAD.cache_info().currsize == 0 and isinstance(rid, str):
        return _region(rid)
    return _load()[0].get(rid)


def get(rid: str, basis: str | None = None) -> Region | None:
    reg = _lookup(rid)
    return None if reg is None else reg.on(basis)


def suggest(text: str, n: int = 3) -> list[str]:
    regions, aliases = _load()
    k = _key(text)
    out: list[str] = []
    # "us-east1" -> "gcp:us-east1": a cloud region id typed without its provider prefix
    for rid in regions:
        if ":" in rid and rid.split(":", 1)[1].lower() == k:
            out.append(rid)
    import difflib

    for m in difflib.get_close_matches(k, list(aliases), n=n * 3, cutoff=0.72):
        rid = aliases[m]
        if rid not in out:
            out.append(rid)
    # substring on names ("Quebec" in "Canada - Quebec")
    if len(k) >= 4:
        for rid, reg in regions.items():
            if k in _key(reg.name) and rid not in out:
                out.append(rid)
    return out[:n]


def resolve(text: str, basis: str | None = None) -> Region:
    """The region for an id, alias or name, on ``basis``; a UsageError with suggestions otherwise."""
    return _resolve(text).on(basis)


def _resolve(text: str) -> Region:
    if text is None or not str(text).strip():
        raise UsageError("empty region; pass an id such as FR, US-CAL-CISO or aws:us-east-1 (see: wattwise regions)")
    t = str(text).strip()
    reg = _lookup(t)
    if reg is not None:
        return reg
    if ":" in t:
        p, r = t.split(":", 1)
        reg = _lookup(f"{p.lower()}:{r.lower()}")
        if reg is not None:
            return reg
    reg = _lookup(t.upper())
    if reg is not None:
        return reg
    regions, aliases = _load()
    rid = aliases.get(_key(t))
    if rid:
        return regions[rid]
    sugg = suggest(t)
    hint = f"; did you mean {' or '.join(repr(s) for s in sugg)}?" if sugg else "; see: wattwise regions"
    raise UsageError(f"unknown region '{t}'{hint}")
