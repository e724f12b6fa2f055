"""wattwise runs: list, show, export, report and delete stored runs."""
from __future__ import annotations

import argparse
import sys

from ..errors import UsageError
from ._common import add_json, add_store

EPILOG = """examples:
  wattwise runs list --project bert
  wattwise runs show 3f2a            # any unique prefix of the run id
  wattwise runs export 3f2a --format codecarbon > emissions.csv
  wattwise runs export 3f2a --format model-card --training-type fine-tuning
  wattwise runs report 3f2a -o report.html
  wattwise runs statement 3f2a
"""


def register(sub) -> None:
    p = sub.add_parser("runs", help="list, show and export stored runs", epilog=EPILOG,
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    rs = p.add_subparsers(dest="runs_cmd", metavar="ACTION", parser_class=type(p))
    lp = rs.add_parser("list", help="list runs, newest first", epilog="example: wattwise runs list --project bert --json")
    lp.add_argument("--project")
    lp.add_argument("--search", help="text to look for in id, project, name, command, region")
    lp.add_argument("--limit", type=int, default=50, help="at most this many runs (default 50; 0 = all)")
    lp.add_argument("--sort", default="start", choices=["start", "duration", "energy", "emissions", "project", "region"])
    lp.add_argument("--job", metavar="ID", help="the runs of one Slurm/torchrun job (1234, or 1234_5 for an array task) "
                    "and the job's total over its nodes")
    add_store(lp)
    add_json(lp)
    lp.set_defaults(func=cmd_list)

    sp = rs.add_parser("show", help="show one run", epilog="example: wattwise runs show 3f2a --json")
    sp.add_argument("run_id")
    add_store(sp)
    add_json(sp)
    sp.set_defaults(func=cmd_show)

    ep = rs.add_parser("export", help="export one run", epilog="example: wattwise runs export 3f2a --format csv -o run.csv")
    ep.add_argument("run_id")
    ep.add_argument("--format", default="csv", help="csv | jsonl | codecarbon | model-card | json (default csv)")
    ep.add_argument("--training-type", help="model-card training_type (default: pre-training)")
    ep.add_argument("-o", "--output", help="write to this file instead of stdout")
    add_store(ep)
    ep.set_defaults(func=cmd_export)

    rp = rs.add_parser("report", help="a self-contained HTML report of one run",
                       epilog="example: wattwise runs report 3f2a -o report.html")
    rp.add_argument("run_id")
    rp.add_argument("-o", "--output", help="output file (default: wattwise-<id>.html)")
    add_store(rp)
    rp.set_defaults(func=cmd_report)

    tp = rs.add_parser("statement", help="a paragraph for a paper's compute/impact statement",
                       epilog="example: wattwise runs statement 3f2a")
    tp.add_argument("run_id")
    add_store(tp)
    tp.set_defaults(func=cmd_statement)

    dp = rs.add_parser("delete", help="delete one run and its samples", epilog="example: wattwise runs delete 3f2a --yes")
    dp.add_argument("run_id")
    dp.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    add_store(dp)
    dp.set_defaults(func=cmd_delete)
    p.set_defaults(func=lambda a: (p.print_help(sys.stderr), 2)[1])


def _open(args):
    import os

    from ..store import default_store_path, open_store

    if not args.store and not os.environ.get("WATTWISE_STORE") and not default_store_path().exists():
        from ..store import store_url

        if store_url(None) == str(default_store_path()):
            return open_store(None)  # first use: create the empty default store rather than fail
    return open_store(args.store, readonly=True)


def _fmt_row(r: dict) -> list[str]:
    from ..units import format_duration, format_energy_j, format_mass_g, iso

    est = "estimated" if r.get("methods") and "modelled" in r["methods"] else ("measured" if r.get("methods") else "")
    return [r["run_id"], r.get("project") or "-", (iso(r["start_ts"]) or "")[:19].replace("T", " "),
            format_duration(r.get("duration_s")), format_energy_j(r.get("energy_j")), format_mass_g(r.get("emissions_g")),
            r.get("region") or "-", est, r.get("status") or ""]


def cmd_list(args) -> int:
    from ..units import J_PER_KWH, iso

    store = _open(args)
    if getattr(args, "job", None):
        return _list_job(store, args)
    rows = store.list_runs(project=args.project, search=args.search, order=args.sort, limit=args.limit or None)
    if args.json:
        from ..cli import emit_json

        emit_json({"runs": [{
            "run_id": r["run_id"], "project": r.get("project"), "name": r.get("name"), "command": r.get("command"),
            "status": r["status"], "start": iso(r["start_ts"]), "end": iso(r.get("end_ts")), "duration_s": r.get("duration_s"),
            "energy_kwh": None if r.get("energy_j") is None else r["energy_j"] / J_PER_KWH,
            "emissions_gco2e": r.get("emissions_g"), "region": r.get("region"), "scope": r.get("scope"),
            "exit_code": r.get("exit_code"), "methods": (r.get("methods") or "").split(",") if r.get("methods") else [],
        } for r in rows], "store": store.url})
        return 0
    if not rows:
        sys.stderr.write(f"no runs in {store.url}; measure one with: wattwise run -- python train.py\n")
        return 0
    head = ["run id", "project", "start (UTC)", "duration", "energy", "emissions", "region", "method", "status"]
    table = [head] + [_fmt_row(r) for r in rows]
    widths = [max(len(x[i]) for x in table) for i in range(len(head))]
    for row in table:
        sys.stdout.write("  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip() + "\n")
    total = store.count_runs(project=args.project, search=args.search)
    if total > len(rows):
        sys.stderr.write(f"({len(rows)} of {total} runs shown; --limit 0 for all)\n")
    return 0


def _job_json_row(r: dict) -> dict:
    """A ``runs list --json`` row (the same fields as cmd_list's) plus where and under which job it ran."""
    from ..units import J_PER_KWH, iso

    d = {"run_id": r["run_id"], "project": r.get("project"), "name": r.get("name"), "command": r.get("command"),
         "status": r["status"], "start": iso(r["start_ts"]), "end": iso(r.get("end_ts")), "duration_s": r.get("duration_s"),
         "energy_kwh": None if r.get("energy_j") is None else r["energy_j"] / J_PER_KWH,
         "emissions_gco2e": r.get("emissions_g"), "region": r.get("region"), "scope": r.get("scope"),
         "exit_code": r.get("exit_code"), "methods": (r.get("methods") or "").split(",") if r.get("methods") else []}
    d.update(host=r.get("host"), job_id=r.get("job_id"), array_task=r.get("job_task"))
    return d


def _list_job(store, args) -> int:
    """``runs list --job ID``: the job's runs (every node, every array task unless one is named) and its total."""
    from ..integrations.slurm import format_total, job_total, parse_job

    job, task = parse_job(args.job)
    rows = store.job_runs(job, task)
    total = job_total(job, rows, task)
    if args.json:
        from ..cli import emit_json

        emit_json({"runs": [_job_json_row(r) for r in rows], "job": total, "store": store.url})
        return 0
    if not rows:
        sys.stderr.write(f"no runs of job {args.job} in {store.url}; runs started inside a Slurm or torchrun job are "
                         f"filed under its id\n")
        return 0
    head = ["run id", "project", "start (UTC)", "duration", "energy", "emissions", "region", "method", "status", "host"]
    table = [head] + [_fmt_row(r) + [r.get("host") or "-"] for r in rows]
    widths = [max(len(x[i]) for x in table) for i in range(len(head))]
    for row in table:
        sys.stdout.write("  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip() + "\n")
    sys.stdout.write(format_total(total) + "\n")
    for x in total["excluded"]:
        sys.stderr.write(f"wattwise: not counted: {x['run_id']} ({x['host']}): {x['reason']}\n")
    for w in total["warnings"]:
        sys.stderr.write(f"wattwise: warning: {w}\n")
    return 0


def cmd_show(args) -> int:
    from ..result import Measurement
    from ..store import run_result

    store = _open(args)
    rid = store.resolve_id(args.run_id)
    res = run_result(store, rid)
    if args.json:
        from ..cli import emit_json

        emit_json(res)
        return 0
    from ..report.summary import format_summary

    sys.stdout.write(format_summary(Measurement.from_dict(res)) + "\n")
    return 0


def _write(text: str, output: str | None) -> None:
    if output:
        try:
            with open(output, "w", encoding="utf-8") as f:
                f.write(text)
        except OSError as e:
            raise UsageError(f"cannot write {output}: {e.strerror}") from None
        sys.stderr.write(f"wrote {output}\n")
    else:
        sys.stdout.write(text)


def cmd_export(args) -> int:
    from ..report.exports import export_run

    store = _open(args)
    rid = store.resolve_id(args.run_id)
    _write(export_run(store, rid, args.format, training_type=args.training_type), args.output)
    if args.format == "codecarbon":  # its fixed columns have no room for a reason: say it here
        from ..report.exports import codecarbon_notes
        from ..store import run_result

        for why in codecarbon_notes(run_result(store, rid) or {}):
            sys.stderr.write(f"wattwise: note: {why}\n")
    return 0


def cmd_report(args) -> int:
    try:
        from ..report.html import render_report
    except ImportError:
        raise UsageError("HTML reports are not available in this build") from None
    store = _open(args)
    rid = store.resolve_id(args.run_id)
    _write(render_report(store, rid), args.output or f"wattwise-{rid}.html")
    return 0


def cmd_statement(args) -> int:
    try:
        from ..report.statement import statement_text
    except ImportError:
        raise UsageError("impact statements are not available in this build") from None
    from ..store import run_result

    store = _open(args)
    rid = store.resolve_id(args.run_id)
    run = store.get_run(rid)
    run["result"] = run_result(store, rid)
    sys.stdout.write(statement_text(run) + "\n")
    return 0


def cmd_delete(args) -> int:
    from ..store import open_store

    store = open_store(args.store)
    rid = store.resolve_id(args.run_id)
    if not args.yes:
        if not sys.stdin.isatty():
            raise UsageError(f"refusing to delete run {rid} without confirmation; pass --yes")
        if input(f"delete run {rid}? [y/N] ").strip().lower() not in ("y", "yes"):
            return 1
    store.delete_run(rid)
    sys.stderr.write(f"deleted run {rid}\n")
    return 0
