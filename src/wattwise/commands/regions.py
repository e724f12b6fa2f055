"""wattwise regions: the bundled regions and their annual figures on one basis, cleanest first."""
from __future__ import annotations

import argparse
import sys

from ._common import add_basis, add_json

EPILOG = """examples:
  wattwise regions                      # every country, grid zone and cloud region (life-cycle figures)
  wattwise regions --provider gcp       # Google Cloud regions, cleanest first, Google's own figure beside
  wattwise regions --basis direct       # operational (direct) figures instead; never a mix of the two
  wattwise regions --kind zone --json   # sub-national grid zones as JSON
"""


def register(sub) -> None:
    p = sub.add_parser("regions", help="list regions with their annual grid intensity, cleanest first", epilog=EPILOG,
                       formatter_class=argparse.RawDescriptionHelpFormatter,
                       description="List bundled regions (countries, grid zones, cloud regions) with their annual "
                                   "carbon intensity in gCO2e/kWh on one basis (life-cycle by default), its year, "
                                   "source and license. A region without a figure on that basis says why.")
    p.add_argument("--provider", choices=["aws", "gcp", "azure"], help="only this cloud provider's regions")
    p.add_argument("--kind", choices=["country", "zone", "cloud"], help="only countries, grid zones or cloud regions")
    add_basis(p)
    add_json(p)
    p.set_defaults(func=main)


def select(provider: str | None = None, kind: str | None = None, basis: str | None = None) -> list:
    """Regions on one basis, cleanest first; those without a figure on it last."""
    from .. import regions

    out = [r for r in regions.all_regions(basis) if r.kind != "world"]
    if provider:
        out = [r for r in out if r.provider == provider]
    if kind:
        out = [r for r in out if r.kind == kind]
    return sorted(out, key=lambda r: (r.g_per_kwh is None, r.g_per_kwh if r.g_per_kwh is not None else 0.0, r.id))


def _beside(r) -> str:
    """The provider's own figure (Google's, for GCP) and CFE %, shown beside the grid's, never ranked."""
    e = r.extra
    if e.get("provider_g_per_kwh") is None:
        return ""
    cfe = f", CFE {e['cfe_pct']:g}%" if e.get("cfe_pct") is not None else ""
    return f"{e['provider_g_per_kwh']:,.1f} {e.get('provider_basis', '')} {e.get('provider_year', '')}{cfe}"


def main(args) -> int:
    from .. import regions

    basis = regions.check_basis(args.basis)
    rows = select(args.provider, args.kind, basis)
    missing = sum(r.g_per_kwh is None for r in rows)
    if args.json:
        from ..cli import emit_json

        emit_json({"regions": [r.to_dict() for r in rows], "count": len(rows), "basis": basis,
                   "unit": f"gCO2e/kWh (annual average, {basis} basis; see each row's source and year)"})
        return 0
    out = sys.stdout
    idw = max([len(r.id) for r in rows] + [2])
    namew = min(44, max([len(r.name) for r in rows] + [4]))
    beside = any(_beside(r) for r in rows)
    out.write(f"{'id':<{idw}}  {'name':<{namew}}  {'gCO2e/kWh':>9}  {'year':>4}  {'zone':<13} "
              + (f"{'provider own (basis, year, CFE)':<34} " if beside else "") + "source\n")
    for r in rows:
        g = "-" if r.g_per_kwh is None else f"{r.g_per_kwh:,.1f}"
        name = r.name if len(r.name) <= namew else r.name[: namew - 1] + "…"
        src = r.source if r.g_per_kwh is not None else f"({r.note})"
        src = src if len(src) <= 70 else src[:69] + "…"
        out.write(f"{r.id:<{idw}}  {name:<{namew}}  {g:>9}  {r.year or '':>4}  {(r.zone or ''):<13} "
                  + (f"{_beside(r):<34} " if beside else "") + f"{src}\n")
    none = f"; {missing} without a {basis} figure (listed last, with the reason)" if missing else ""
    sys.stderr.write(f"wattwise: {len(rows)} regions; annual averages in gCO2e/kWh on the {basis} basis, cleanest "
                     f"first{none} (wattwise intensity ID explains one figure)\n")
    return 0
