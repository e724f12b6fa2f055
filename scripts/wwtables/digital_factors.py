"""digital_factors.csv: the e-mail and video-call figures ``wattwise footprint`` uses.

Upstream: digital-activity-factors (a hand-built table of published per-unit footprints, each
with its citation and a verbatim quote from the page it was read on). Most rows were read in
secondary sources (blogs, a press release): every shipped row says so in ``read_in``, and
carries the published range where there is one.

Choices, one source per activity so that variants stay comparable:
- e-mail: How Bad Are Bananas? 2nd ed. (2020), laptop-to-laptop figures: short 0.3 g, long 17 g,
  with an image or attachment 50 g (the 2010 edition's figures are older and coarser).
- video call: Obringer et al. 2021 is the one source giving both a per-hour figure and the
  camera-off reduction (-96 %). It publishes only a range across services (150-1000 gCO2 per
  hour); wattwise uses the middle of that range as its central value and shows the range.
"""
from __future__ import annotations

import csv
from pathlib import Path

from ._util import write_csv

OUTPUTS = ["digital_factors.csv"]
LICENSE = "cited figure (no data licence applies)"
EMAIL = {"email:short": "email_short_laptop_2020", "email:long": "email_long_laptop_2020",
         "email:attachment": "email_attachment_2020"}
CALL = "videoconf_or_streaming_obringer2021"
CAMERA_OFF = "videoconf_camera_off_obringer2021"


def _read(shared: Path) -> dict[str, dict[str, str]]:
    with (shared / "digital-activity-factors" / "digital-activity-factors.csv").open(newline="", encoding="utf-8") as f:
        return {r["id"]: r for r in csv.DictReader(f)}


def _num(s: str) -> float | None:
    return float(s) if s.strip() else None


def _year(citation: str) -> int:
    import re

    return int(re.search(r"\((\d{4})\)", citation).group(1))


def build(shared: Path, out: Path) -> None:
    t = _read(shared)
    rows: list[list] = []
    first_2020 = t["email_spam_2020"]["boundary"]  # later rows of the same edition say "as above"
    for key, rid in EMAIL.items():
        r = t[rid]
        v = _num(r["value"])
        boundary = first_2020 if r["boundary"] == "as above" else r["boundary"]
        rows.append([key, "email", r["variant"], "gCO2e per email", v, _num(r["value_low"]), _num(r["value_high"]), v,
                     r["read_in"], r["source_citation"], r["location_in_source"], _year(r["source_citation"]), LICENSE,
                     f"boundary: {boundary}; read at {r['read_at'].split(' ; ')[0]}"])
    on, off = t[CALL], t[CAMERA_OFF]
    lo, hi = _num(on["value_low"]), _num(on["value_high"])
    mid = (lo + hi) / 2
    keep = 1 + _num(off["value"]) / 100  # -96 % -> 0.04
    cite = on["source_citation"]
    rows.append(["video-call:camera-on", "video-call", "camera on, per participant-hour", "gCO2 per participant.hour",
                 None, lo, hi, mid, on["read_in"], cite, on["location_in_source"], _year(cite), LICENSE,
                 "only a range across services is published; central value = its midpoint (wattwise's choice); "
                 f"gCO2 as printed; boundary: {on['boundary']}"])
    rows.append(["video-call:camera-off", "video-call", "camera off, per participant-hour", "gCO2 per participant.hour",
                 None, round(lo * keep, 6), round(hi * keep, 6), round(mid * keep, 6), off["read_in"], cite,
                 off["location_in_source"], _year(cite), LICENSE,
                 f"camera-on range x {keep:g} (the source's {off['value']} % for camera off; it gives no per-hour figure)"])
    write_csv(out / "digital_factors.csv",
              ["key", "kind", "variant", "unit", "value", "low", "high", "central", "read_in", "source", "location",
               "year", "license", "note"], sorted(rows, key=lambda x: x[0]),
              comment=("E-mail and video-call footprints as published (most read in secondary sources: see read_in).\n"
                       "`central` is the figure wattwise multiplies; `low`/`high` the published range where there is one.\n"
                       "Derived by scripts/wwtables/digital_factors.py; do not edit by hand."))
