"""wattwise regions: the bundled regions and their annual figures, cleanest first."""
from __future__ import annotations

import argparse
import sys

from ._common import add_json

EPILOG = """examples:
  wattwise regions                      # every country, grid zone and cloud region
  wattwise regions --provider gcp       # Google Cloud regions, cleanest first
  wattwise regions --kind zone --json   # sub-national grid zones as JSON
"""


def register(sub) -> None:
    p = sub.add_parser("regions", help="list regions with their annual grid intensity, cleanest first", epilog=EPILOG,
                       formatter_class=argparse.RawDescriptionHelpFormatter,
                       description="List bundled regions (countries, grid zones, cloud regions) with their annual "
                                   "carbon intensity in gCO2e/kWh, its year, source and license.")
    p.add_argument("--provider", choices=["aws", "gcp", "azure"], help="only this cloud provider's regions")
    p.add_argument("--kind", choices=["country", "zone", "cloud"], help="only countries, grid zones or cloud regions")
    add_json(p)
    p.set_defaults(func=main)


def select(provider: str | None = None, kind: str | None = None) -> list:
    from .. import regions

    out = [r for r in regions.all_regions() if r.kind != "world"]
    if provider:
        out = [r for r in out if r.provider == provider]
    if kind:
        out = [r for r in out if r.kind == kind]
    return sorted(out, key=lambda r: (r.g_per_kwh is None, r.g_per_kwh if r.g_per_kwh is not None else 0.0, r.id))


def main(args) -> int:
    rows = select(args.provider, args.kind)
    if args.json:
        from ..cli import emit_json

        emit_json({"regions": [r.to_dict() for r in rows], "count": len(rows),
                   "unit": "gCO2e/kWh (annual average; see each row's source and year)"})
        return 0
    out = sys.stdout
    idw = max([len(r.id) for r in rows] + [2])
    namew = min(44, max([len(r.name) for r in rows] + [4]))
    out.write(f"{'id':<{idw}}  {'name':<{namew}}  {'gCO2e/kWh':>9}  {'year':>4}  {'zone':<13} source\n")
    for r in rows:
        g = "-" if r.g_per_kwh is None else f"{r.g_per_kwh:,.1f}"
        name = r.name if len(r.name) <= namew else r.name[: namew - 1] + "…"
        src = r.source if len(r.source) <= 70 else r.source[:69] + "…"
        out.write(f"{r.id:<{idw}}  {name:<{namew}}  {g:>9}  {r.year or '':>4}  {(r.zone or ''):<13} {src}\n")
    sys.stderr.write(f"wattwise: {len(rows)} regions; annual averages in gCO2e/kWh, cleanest first "
                     f"(wattwise intensity ID explains one figure)\n")
    return 0
