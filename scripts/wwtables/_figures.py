"""One figure per zone and basis: the candidates each source offers, and the rule that picks one.

A grid intensity is on one *basis*: ``lifecycle`` (every emission of building, fuelling, running
and dismantling the plants, per kWh) or ``direct`` (only what the plants emit while running,
also called operational). The two differ by 10-60 % and in ranking (nuclear and hydro gain
most), so the tables carry both side by side and never mix them in one column.

Candidates by basis (all shippable, attributed; Electricity Maps series, ODbL, are never used):

- lifecycle: OWID / Ember per country (CC BY 4.0); Google region-carbon-info 2019-2020,
  whose column was "Lifecycle grid carbon intensity" (Apache-2.0), for the zone of each GCP
  region of those years;
- direct: Google region-carbon-info 2021 on ("Grid carbon intensity", operational gross
  emissions; Apache-2.0); Green Algorithms' carbonfootprint.com factors (generation emissions,
  some with T&D losses; CC BY 4.0) for countries, US states, Canadian provinces, Australian states.

The rule (``choose``): among a zone's own figures on a basis, the newest data year wins (on a
tie, the higher ``rank``); a finer geography beats a newer one, so the country's figure is
used only when the zone has none of its own on that basis, and then it says so
("national figure used for zone X"). No figure on a basis is an empty cell with the reason.
"""
from __future__ import annotations

import csv
import dataclasses
import re
from dataclasses import dataclass
from pathlib import Path

BASES = ("lifecycle", "direct")
FIELDS = ("g_per_kwh", "year", "source", "license", "note")

GOOGLE_SRC = "Google Cloud region-carbon-info (GoogleCloudPlatform/region-carbon-info@49f3f26)"
GOOGLE_LICENSE = "Apache-2.0"
GA_LICENSE = "CC BY 4.0"
GA_SRC = "Green Algorithms CI_aggregated.csv (green-algorithms-tool@30df2fe)"
# Green Algorithms codes that differ from the Electricity Maps / ISO 3166-2 id.
GA_IDS = {"CA-MT": "CA-MB", "AU-WA2": "AU-WA", "AU-WA1": "AU-WA-NWIS", "AU-NT2": "AU-NT-DKIS"}


@dataclass(frozen=True)
class Figure:
    g: float
    year: int | None
    source: str
    license: str
    basis: str
    note: str = ""
    rank: int = 0  # higher wins a tie on year


def choose(own: list[Figure]) -> Figure | None:
    """The newest of a zone's own figures on one basis (rank breaks a tie)."""
    return max(own, key=lambda f: (f.year or 0, f.rank)) if own else None


def national(fig: Figure, zone: str, country: str) -> Figure:
    """The country's figure standing in for a zone that has none of its own on this basis, labelled."""
    note = f"national figure used for zone {zone}: no bundled {fig.basis} figure for the zone itself"
    return dataclasses.replace(fig, source=f"country {country}: {fig.source}", note=_join(note, fig.note))


def stale(fig: Figure, nat: Figure, country: str) -> Figure:
    """A zone's own figure kept over a newer national one (geography first), with both years said."""
    note = (f"{fig.year} is the newest {fig.basis} figure for this zone that may be shipped; {country}'s national "
            f"figure is {nat.g:g} ({nat.year})")
    return dataclasses.replace(fig, note=_join(fig.note, note))


def columns() -> list[str]:
    return [f"{b}_{f}" for b in BASES for f in FIELDS]


def cells(figs: dict[str, Figure | None], reasons: dict[str, str]) -> list:
    """The per-basis cells of one row: a figure, or empty cells and the reason there is none."""
    out: list = []
    for b in BASES:
        f = figs.get(b)
        if f is None:
            out += [None, None, None, None, reasons.get(b) or f"no bundled {b} figure"]
        else:
            assert f.basis == b, (f, b)
            out += [round(f.g, 2), f.year, f.source, f.license, f.note]
    return out


def _join(a: str, b: str) -> str:
    return f"{a}; {b}" if a and b else (a or b)


# -- sources -------------------------------------------------------------------------------------
def google_years(shared: Path) -> dict[int, tuple[str, dict[str, dict]]]:
    """{year: (basis, {region: {"g", "cfe", "location"}})}; the basis follows the file's column name."""
    out: dict[int, tuple[str, dict[str, dict]]] = {}
    for p in sorted((shared / "gcp-region-carbon-info").glob("*.csv")):
        with p.open(newline="", encoding="utf-8-sig") as f:
            reader = csv.DictReader(f)
            col = next(c for c in reader.fieldnames if "carbon intensity" in c.lower())
            rows = {}
            for r in reader:
                g, cfe = r[col].strip(), r["Google CFE"].strip()
                rows[r["Google Cloud Region"].strip()] = {"g": float(g) if g else None,
                                                           "cfe": float(cfe) if cfe else None,
                                                           "location": r["Location"].strip()}
        out[int(p.stem)] = ("lifecycle" if "lifecycle" in col.lower() else "direct", rows)
    return out


def google_zones(shared: Path, regions, basis: str) -> dict[str, Figure]:
    """Zone -> Google's newest figure on ``basis`` for the GCP region(s) in it.

    Google derives a region's figure from its grid zone's hourly data, so two regions in one zone
    must carry the same value; a mismatch means a wrong mapping and stops the build.
    """
    years = {y: rows for y, (b, rows) in google_years(shared).items() if b == basis}
    by_zone: dict[str, list] = {}
    for r in regions:
        if r.provider != "gcp" or not r.zone:
            continue
        for y in sorted(years, reverse=True):
            g = years[y].get(r.region, {}).get("g")
            if g is not None:
                by_zone.setdefault(r.zone, []).append((y, r.region, g))
                break
    out = {}
    for zone, vals in by_zone.items():
        year = max(y for y, _, _ in vals)
        vals = [(reg, g) for y, reg, g in vals if y == year]
        gs = [g for _, g in vals]
        if max(gs) - min(gs) > 0.01 * max(gs):
            raise SystemExit(f"GCP regions {vals} map to one zone {zone} but Google publishes different {year} "
                             f"figures; fix the mapping in _cloudmap.OVERRIDES")
        regs = ", ".join(f"gcp:{reg}" for reg, _ in vals)
        what = "life-cycle grid carbon intensity" if basis == "lifecycle" else "grid carbon intensity (operational)"
        out[zone] = Figure(gs[0], year, f"{GOOGLE_SRC} {year}: {what} published for {regs} "
                                        f"({years[year][vals[0][0]]['location']})",
                           GOOGLE_LICENSE, basis, rank=2)
    return out


def data_year(*texts: str) -> int | None:
    for t in texts:
        m = re.search(r"data from (\d{4})", t, re.I)
        if m:
            return int(m.group(1))
    for t in texts:
        ys = re.findall(r"(?<!\d)(20\d{2})(?!\d)", t)
        if ys:
            return int(ys[-1])
    return None


def green_algorithms_rows(shared: Path) -> list[dict[str, str]]:
    with (shared / "green-algorithms-v3" / "CI_aggregated.csv").open(newline="", encoding="utf-8") as f:
        lines = f.read().splitlines()[1:]  # line 1 holds units
    return list(csv.DictReader(lines))


def green_algorithms_direct(shared: Path) -> dict[str, Figure]:
    """id (country, zone or WORLD) -> Green Algorithms' figure, direct.

    carbonfootprint.com compiles generation (combustion) factors: AIB production mix, Climate
    Transparency power-sector intensity, EPA eGRID, Canada's NIR, the Australian NGA factors,
    DEFRA, IEA; some include T&D losses (said in the note). Rows citing Electricity Maps' app
    (whose default is life-cycle) or energypedia are left out: their basis is not stated.
    """
    out = {}
    for r in green_algorithms_rows(shared):
        src, comment = r["source"].strip(), r["comments"].strip()
        if not (src.startswith("carbonfootprint") or src.startswith("https://www.iea.org")):
            continue
        code = r["location"].strip()
        note = ""
        if "T&D" in comment or "transmission" in comment.lower():
            note = f"includes transmission and distribution losses ({comment})"
        out[GA_IDS.get(code, code)] = Figure(float(r["carbonIntensity"]), data_year(src, comment),
                                             f"{GA_SRC} citing {src}", GA_LICENSE, "direct", note, rank=1)
    return out


def ember_countries(shared: Path, zeros: dict[str, list[int]] | None = None) -> dict[str, tuple[str, Figure]]:
    """alpha-3 (or OWID_*) code -> (entity name, life-cycle figure), latest year (see countries.py)."""
    from .countries import COL, LICENSE, SOURCE

    best: dict[str, tuple[str, Figure]] = {}
    path = shared / "ci-country-annual-owid" / "owid_carbon_intensity_electricity_countries_2000_2024.csv"
    with path.open(newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            code, val = row["Code"].strip(), row[COL].strip()
            if not code or not val:
                continue
            year = int(row["Year"])
            if float(val) <= 0:  # see countries.py: no mix is zero over its life cycle
                if zeros is not None:
                    zeros.setdefault(code, []).append(year)
                continue
            if code not in best or year > best[code][1].year:
                best[code] = (row["Entity"], Figure(float(val), year, SOURCE, LICENSE, "lifecycle"))
    return best
