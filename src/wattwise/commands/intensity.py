"""wattwise intensity: the intensity wattwise would use for a region, and why."""
from __future__ import annotations

import argparse
import sys

from ._common import add_basis, add_json

EPILOG = """examples:
  wattwise intensity FR                          # bundled annual figure, offline
  wattwise intensity Quebec --json               # names work too (-> CA-QC)
  wattwise intensity gcp:europe-west1            # the grid's figure, plus Google's own and CFE %
  wattwise intensity gcp:europe-west1 --basis direct   # operational (direct) figure instead of life-cycle
  wattwise intensity GB --provider ukgrid        # live, GB Carbon Intensity API
  wattwise intensity DE --at 2024-05-01T14:00Z   # a past hour (needs a provider or --series)
  wattwise intensity GB --provider ukgrid --forecast --json
"""


def register(sub) -> None:
    p = sub.add_parser("intensity", help="show the grid intensity used for a region, with its source", epilog=EPILOG,
                       formatter_class=argparse.RawDescriptionHelpFormatter,
                       description="Show the carbon intensity (gCO2e/kWh) wattwise would use for REGION: the bundled "
                                   "annual figure offline, or a live value when a provider is configured; says why.")
    p.add_argument("region", nargs="?", metavar="REGION",
                   help="FR, US-CAL-CISO, CA-QC, aws:us-east-1 ... or a name such as Quebec "
                        "(default: $WATTWISE_REGION, config, cloud detection, time-zone guess)")
    p.add_argument("--at", metavar="TIME", help="a time (ISO 8601, UTC unless an offset is given; 'now'; '+6h')")
    p.add_argument("--forecast", action="store_true", help="show the forecast (needs a provider or --series)")
    p.add_argument("--hours", type=float, default=24.0, help="forecast horizon in hours (default 24)")
    p.add_argument("--provider", metavar="NAME",
                   help="live provider: electricitymaps, watttime, ukgrid or static (default: $WATTWISE_PROVIDER, "
                        "config, or implied by credentials)")
    p.add_argument("--series", metavar="FILE", help="read intensities from this CSV/JSON series instead")
    add_basis(p)
    add_json(p)
    p.set_defaults(func=main)


def main(args) -> int:
    from ..intensity.query import query

    i = query(args.region, at=args.at, forecast=args.forecast, provider=args.provider, series=args.series,
              hours=args.hours, basis=args.basis)
    d = i.to_dict()
    if args.json:
        from ..cli import emit_json

        emit_json(d)
        return 0
    out = sys.stdout
    when = f"{i.year} annual average" if i.method == "annual" and i.year else (i.datetime or i.method)
    where = i.zone + (f" ({i.region})" if i.region and i.region != i.zone else "")
    basis = f"{i.basis} basis" if i.basis else "basis not stated"
    out.write(f"{where}: {i.g_per_kwh:,.1f} gCO2e/kWh, {basis}, {i.signal} signal, {when}\n")
    out.write(f"  source   {i.source}" + (f" [{i.license}]" if i.license else "") + "\n")
    if i.name and i.name != i.zone:
        out.write(f"  name     {i.name}\n")
    if i.region_from:
        out.write(f"  region   {i.region_from}\n")
    if "provider_g_per_kwh" in i.extra:  # beside the grid's figure, not instead of it
        cfe = i.extra.get("cfe_pct")
        out.write(f"  provider {i.extra['provider_g_per_kwh']} gCO2e/kWh, Google's own location-based figure "
                  f"({i.extra.get('provider_basis')} basis, {i.extra.get('provider_year')})"
                  + (f"; Google CFE {cfe}% (hourly carbon-free energy share)" if cfe is not None else "") + "\n")
    if i.extra.get("why"):
        out.write(f"  why      {i.extra['why']}\n")
    for row in (i.extra.get("forecast") or [])[:96]:
        out.write(f"  {row['datetime']}  {row['g_per_kwh']:8.1f} gCO2e/kWh\n")
    if i.note:
        sys.stderr.write(f"wattwise: note: {i.note}\n")
    return 0
