"""wattwise footprint: a project's whole footprint (runs plus travel, calls, e-mail, hardware)."""
from __future__ import annotations

import argparse
import sys

from ..errors import UsageError
from ._common import add_json, add_store

EPILOG = """examples:
  wattwise footprint add --project bert --kind flight --from LHR --to JFK --return --people 3
  wattwise footprint add --project bert --kind video-call --hours 1 --people 5 --repeat 52
  wattwise footprint add --project bert --kind email --count 4000
  wattwise footprint import survey.csv --project bert
  wattwise footprint show --project bert --json
  wattwise footprint report --project bert -o bert-footprint.html
"""


def _kinds_help() -> str:
    from ..footprint.kinds import KINDS

    rows = []
    for k in KINDS.values():
        opts = " ".join(("--no-rf" if p.cli == "negflag" else f"--{p.flag}" + ("" if p.cli == "flag" else
                         f" {p.flag.upper().replace('-', '_')}")) for p in k.params if p.name != "repeat")
        rows.append(f"  {k.name:<12} {k.help}\n  {'':<12} {opts}")
    return ("kinds and their options (every kind also takes --repeat N, --date, --who, --note):\n" + "\n".join(rows)
            + "\n\n" + EPILOG)


def _add_kind_options(ap: argparse.ArgumentParser) -> None:
    from ..footprint.kinds import KINDS

    seen: dict[str, tuple] = {}  # flag -> (param, {help: [kinds]})
    for k in KINDS.values():
        for p in k.params:
            seen.setdefault(p.flag, (p, {}))[1].setdefault(p.help, []).append(k.name)
    g = ap.add_argument_group("options of the kinds (each applies only to the kinds named)")
    for flag, (p, helps) in seen.items():
        text = "; ".join(f"{'any kind' if len(ks) == len(KINDS) else ', '.join(ks)}: {h}" for h, ks in helps.items())
        if p.cli == "flag":
            g.add_argument(f"--{flag}", dest=p.name, action="store_const", const=True, default=None, help=text)
        elif p.cli == "negflag":
            g.add_argument(f"--no-{flag}", dest=p.name, action="store_const", const=False, default=None, help=text)
        else:
            g.add_argument(f"--{flag}", dest=p.name, metavar=flag.upper().replace("-", "_"), default=None, help=text)


def register(sub) -> None:
    p = sub.add_parser("footprint", help="a project's whole footprint: runs plus travel, calls, e-mail, hardware",
                       description="Record what a project emits besides its runs, and see it all together.",
                       epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    fs = p.add_subparsers(dest="footprint_cmd", metavar="ACTION", parser_class=type(p))

    ap = fs.add_parser("add", help="record one activity", epilog=_kinds_help(),
                       usage="wattwise footprint add --project P --kind KIND [kind options] [--date D] [--who W] [--note N]",
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--project", required=True)
    ap.add_argument("--kind", required=True, help="flight, train, bus, car, ferry, taxi, hotel, video-call, email, "
                    "hardware, electricity, compute or other (see below)")
    ap.add_argument("--date", help="when it happened, YYYY-MM-DD (default: today)")
    ap.add_argument("--who", help="who (optional)")
    ap.add_argument("--note", help="a note (optional)")
    _add_kind_options(ap)
    add_store(ap)
    add_json(ap)
    ap.set_defaults(func=cmd_add)

    ip = fs.add_parser("import", help="record every row of a CSV file (all rows or none)",
                       epilog="example: wattwise footprint import survey.csv --project bert\n"
                              "columns: kind, date, who, note, project, and each kind's options without dashes "
                              "(from, to, class, people, km, hours, count, ...); see docs/footprint.md",
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    ip.add_argument("file", metavar="FILE.csv")
    ip.add_argument("--project", help="project of the rows whose 'project' cell is empty")
    add_store(ip)
    add_json(ip)
    ip.set_defaults(func=cmd_import)

    sp = fs.add_parser("show", help="the footprint by category, with every item and factor",
                       epilog="example: wattwise footprint show --project bert --json")
    sp.add_argument("--project", required=True)
    add_store(sp)
    add_json(sp)
    sp.set_defaults(func=cmd_show)

    rp = fs.add_parser("report", help="a self-contained HTML page with the pie chart",
                       epilog="example: wattwise footprint report --project bert -o bert-footprint.html")
    rp.add_argument("--project", required=True)
    rp.add_argument("-o", "--output", help="output file (default: footprint-<project>.html)")
    add_store(rp)
    rp.set_defaults(func=cmd_report)

    dp = fs.add_parser("remove", help="remove one recorded activity",
                       epilog="example: wattwise footprint remove 7b14 --project bert")
    dp.add_argument("entry", help="entry id (any unique prefix), as shown by show")
    dp.add_argument("--project", required=True)
    add_store(dp)
    dp.set_defaults(func=cmd_remove)
    p.set_defaults(func=lambda a: (p.print_help(sys.stderr), 2)[1])


def _params(args) -> dict:
    from ..footprint.kinds import KINDS

    return {p.name: getattr(args, p.name, None) for k in KINDS.values() for p in k.params}


def _open(url):
    from ..store import open_store

    return open_store(url)


def cmd_add(args) -> int:
    from ..footprint.ledger import Ledger
    from ..footprint.params import ParamError

    store = _open(args.store)
    try:
        e = Ledger(args.project, store=store).add(args.kind, date=args.date, who=args.who, note=args.note,
                                                  **_params(args))
    except ParamError as x:
        raise UsageError(f"--{x.flag} {x.value}: {x.reason}") from None
    if args.json:
        from ..cli import emit_json

        emit_json(e.to_dict())
    sys.stderr.write(_recorded(e) + "\n")
    return 0


def _recorded(e) -> str:
    from ..units import format_mass_g

    head = f"recorded {e.kind} in project '{e.project}' on {e.date}: {format_mass_g(e.gco2e)} (entry {e.entry})"
    return "\n".join([head] + [f"  {_line(i)}" for i in e.items])


def _line(i: dict) -> str:
    from ..units import format_mass_g

    rng = (f" (range {format_mass_g(i['gco2e_low'])} to {format_mass_g(i['gco2e_high'])})"
           if i.get("gco2e_low") is not None else "")
    read = f"; read in {i['read_in']}" if str(i.get("read_in") or "").startswith("secondary") else ""
    year = f", {i['year']}" if i.get("year") else ""
    return (f"{i['description']}: {i['quantity']:,.6g} {i['unit']} x {i['factor_kg_per_unit']:.6g} kgCO2e/{i['unit']}"
            f" = {format_mass_g(i['gco2e'])}{rng} [{i['source']}{year}{read}]")


def cmd_import(args) -> int:
    from ..cli import err
    from ..footprint.csvimport import ImportProblems, read_csv
    from ..footprint.ledger import check_project, write

    default = check_project(args.project) if args.project else None
    try:
        entries = read_csv(args.file, default_project=default)
    except ImportProblems as x:
        for p in x.problems:
            err(p)
        raise
    store = _open(args.store)
    write(store, entries)
    from ..units import format_mass_g

    projects = sorted({e.project for e in entries})
    total = sum(e.gco2e for e in entries)
    if args.json:
        from ..cli import emit_json

        emit_json({"imported": len(entries), "projects": projects, "gco2e": total, "entries": [e.to_dict() for e in entries]})
    sys.stderr.write(f"imported {len(entries)} activities from {args.file} into {', '.join(projects)}: "
                     f"{format_mass_g(total)}\n")
    return 0


def cmd_show(args) -> int:
    from ..footprint.ledger import Ledger

    fp = Ledger(args.project, store=_open(args.store)).show()
    d = fp.to_dict()
    if args.json:
        from ..cli import emit_json

        emit_json(d)
        return 0
    sys.stdout.write(format_footprint(d) + "\n")
    return 0


def _mass(g: float) -> str:
    from ..units import format_mass_g

    return format_mass_g(g) if g > 0 else "none"


def format_footprint(d: dict) -> str:
    """The footprint as text: categories and items with a numbered factor each, then the factors and what is not counted."""
    from ..units import format_mass_g

    if not d["categories"]:
        return (f"project '{d['project']}' has no runs and no recorded activities yet; add one with: "
                f"wattwise footprint add --project {d['project']} --kind flight --from LHR --to JFK")
    rng = (f" (range {format_mass_g(d['total_gco2e_low'])} to {format_mass_g(d['total_gco2e_high'])}: some figures are "
           "published as ranges)") if "total_gco2e_low" in d else ""
    out = [f"Footprint of project '{d['project']}': {format_mass_g(d['total_gco2e'])}{rng}",
           f"compute {_mass(d['compute_gco2e'])}, everything else {_mass(d['non_compute_gco2e'])}", ""]
    for c in d["categories"]:
        share = f"{c['share_pct']:.1f} %" if c["share_pct"] is not None else "-"
        out.append(f"{c['label']:<40} {format_mass_g(c['gco2e']):>16} {share:>8}")
        for i in c["items"]:
            rng_i = (f" (range {format_mass_g(i['gco2e_low'])} to {format_mass_g(i['gco2e_high'])})"
                     if i.get("gco2e_low") is not None else "")
            tag = i["basis"] if i["kind"] == "run" else f"{i['basis']}, entry {i['entry']}"
            out.append(f"  {i['date']}  {i['kind']:<11} {i['description']}: {i['quantity']:,.6g} {i['unit']} x "
                       f"{i['factor_kg_per_unit']:.6g} kg = {format_mass_g(i['gco2e'])}{rng_i} [{i['factor_ref']}] ({tag})")
    out += ["", "Factors (kg CO2e per unit):"]
    for f in d["factors"]:
        read = f"; read in {f['read_in']}" if str(f.get("read_in") or "").startswith("secondary") else ""
        year = f", {f['year']}" if f.get("year") else ""
        r = f.get("range_kg_per_unit")
        rr = f" (published range {r[0]:.6g} to {r[1]:.6g})" if r else ""
        out.append(f"  [{f['ref']}] {f['factor_kg_per_unit']:.6g} per {f['unit']}{rr}: {f['source']}{year}{read}")
    out += ["", "Not counted:"] + [f"  - {x}" for x in d["not_counted"]]
    return "\n".join(out)


def cmd_report(args) -> int:
    from ..footprint.ledger import Ledger

    led = Ledger(args.project, store=_open(args.store))
    out = args.output or f"footprint-{''.join(c if c.isalnum() or c in '-_' else '_' for c in led.project)}.html"
    try:
        led.report(out)
    except OSError as e:
        raise UsageError(f"cannot write {out}: {e.strerror}") from None
    sys.stderr.write(f"wrote {out}\n")
    return 0


def cmd_remove(args) -> int:
    from ..footprint.ledger import Ledger
    from ..units import format_mass_g

    e = Ledger(args.project, store=_open(args.store)).remove(args.entry)
    sys.stderr.write(f"removed entry {e.entry} ({e.kind} on {e.date}, {format_mass_g(e.gco2e)}) from project "
                     f"'{e.project}'\n")
    return 0
