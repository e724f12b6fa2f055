"""wattwise evaluate: score a model overall and per subset with its energy and emissions per 1,000
inferences; compare stored evaluations and their Pareto front; rate energy; print a model card."""
from __future__ import annotations

import argparse
import os
import shlex
import sys

from ..errors import UsageError
from ._common import add_json, add_store, positive_float

EPILOG = """examples:
  wattwise evaluate --model models.py:svc --data test.csv --label digit --group ink --region FR
  wattwise evaluate --model models:load --data test.parquet --label y --metric macro_f1 --json
  wattwise evaluate compare 3f2a 9b1c 77e0          # side by side, with the Pareto front
  wattwise evaluate compare --project digits
  wattwise evaluate rate 3f2a --task lm-arena-chat  # AI Energy Score stars vs the ML.ENERGY reference
  wattwise evaluate rate --wh-per-query 0.4 --hardware H100 --task lm-arena-chat
  wattwise evaluate card 3f2a --training-run 1c0d   # model-card block
"""


def _int(what: str, lo: int):
    def conv(text: str) -> int:
        try:
            v = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"invalid {what} '{text}': not a whole number") from None
        if v < lo:
            raise argparse.ArgumentTypeError(f"invalid {what} '{text}': must be >= {lo}")
        return v
    conv.__name__ = what
    return conv


def register(sub) -> None:
    p = sub.add_parser("evaluate", help="accuracy per subset, latency, energy and emissions per 1,000 inferences",
                       epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model", metavar="MODULE:CALLABLE", help="the model: an estimator, torch module, HF pipeline or "
                   "predict(batch) function; a function without arguments is called to build it")
    p.add_argument("--data", metavar="FILE", help="labelled data: .csv or .parquet (Parquet needs pyarrow)")
    p.add_argument("--label", metavar="COL", help="the column holding the true label or value")
    p.add_argument("--group", metavar="COL", action="append", default=[], help="a column to report subsets of (repeatable)")
    p.add_argument("--features", metavar="COL,COL", help="feature columns (default: all but the label and groups)")
    p.add_argument("--metric", default="accuracy", help="accuracy (default), balanced_accuracy, macro_f1, mae, rmse")
    p.add_argument("--region", help="where it runs, for emissions (e.g. FR, aws:us-east-1)")
    p.add_argument("--batch-size", type=_int("batch size", 1), help="items per predict call (default 1: per-request latency)")
    p.add_argument("--repeats", type=_int("repeats", 1), default=1, help="measured passes over the data (default 1)")
    p.add_argument("--warmup", type=_int("warm-up batches", 0), default=1, help="batches run before measuring (default 1)")
    p.add_argument("--idle", type=positive_float("idle seconds", lo_inclusive=True), default=1.0,
                   help="seconds of idle baseline measured for the idle share (default 1; 0 = none)")
    p.add_argument("--name", help="the model's name in tables (default: its class name)")
    p.add_argument("--project", help="project to file the run under")
    p.add_argument("--task", help="rate the GPU energy per query against the reference for this task (e.g. lm-arena-chat)")
    add_store(p)
    add_json(p)
    p.set_defaults(func=cmd_evaluate)

    s = p.add_subparsers(dest="evaluate_cmd", metavar="ACTION", parser_class=type(p))
    cp = s.add_parser("compare", help="stored evaluations side by side, per group, and their Pareto front",
                      epilog="example: wattwise evaluate compare 3f2a 9b1c --json")
    cp.add_argument("run_ids", nargs="*", metavar="RUN_ID")
    cp.add_argument("--project", help="compare the latest evaluations of this project (at most --limit)")
    cp.add_argument("--limit", type=_int("limit", 1), default=12)
    add_store(cp)
    add_json(cp)
    cp.set_defaults(func=cmd_compare)

    rp = s.add_parser("rate", help="1-5 stars for GPU energy per query (AI Energy Score bands, ML.ENERGY reference)",
                      epilog="example: wattwise evaluate rate 3f2a --task lm-arena-chat")
    rp.add_argument("run_id", nargs="?", metavar="RUN_ID")
    rp.add_argument("--task", required=True, help="reference task, e.g. lm-arena-chat, gpqa, text-to-image")
    rp.add_argument("--wh-per-query", type=positive_float("Wh per query", lo_inclusive=True),
                    help="rate this GPU energy per query instead of a stored run")
    rp.add_argument("--hardware", help="the GPU it was measured on (with --wh-per-query), e.g. H100")
    add_store(rp)
    add_json(rp)
    rp.set_defaults(func=cmd_rate)

    kp = s.add_parser("card", help="the model-card block: metric, per-group results, energy per 1k inferences",
                      epilog="example: wattwise evaluate card 3f2a --training-run 1c0d > card.yaml")
    kp.add_argument("run_id", metavar="RUN_ID")
    kp.add_argument("--training-run", metavar="RUN_ID", help="add this training run's co2_eq_emissions block")
    kp.add_argument("--task-type", help="model-index task type (e.g. image-classification)")
    kp.add_argument("--dataset", help="model-index dataset name (default: the data the evaluation used)")
    add_store(kp)
    kp.set_defaults(func=cmd_card)


def cmd_evaluate(args) -> int:
    missing = [f"--{k}" for k in ("model", "data", "label") if not getattr(args, k)]
    if missing:
        raise UsageError(f"evaluate needs {', '.join(missing)} (or an action: compare, rate, card)")
    from ..evaluate.data import load
    from ..evaluate.loading import load_model

    features = [f.strip() for f in args.features.split(",") if f.strip()] if args.features else None
    ds = load(args.data, args.label, args.group, features)
    model = load_model(args.model)
    from ..evaluate.core import ModelError, evaluate

    try:
        ev = evaluate(model, ds.X, ds.y, groups=ds.groups or None, metric=args.metric, batch_size=args.batch_size,
                      repeats=args.repeats, warmup=args.warmup, region=args.region, name=args.name, store=args.store,
                      project=args.project, task=args.task, idle_s=args.idle, dataset=os.path.basename(args.data),
                      command=_command_line(args))
    except ModelError as e:  # the user's model failed on the data: one line, as bad input
        raise UsageError(f"{e} on {args.data}") from None
    _print([ev], args.json, single=True)
    if not args.json:
        for w in ev.data.get("warnings") or []:
            sys.stderr.write(f"wattwise: warning: {w}\n")
        if not any("not stored" in w for w in ev.data.get("warnings") or []):
            sys.stderr.write(f"wattwise: stored as run {ev.run_id}; compare with: "
                             f"wattwise evaluate compare {ev.run_id} RUN_ID...\n")
    return 0


def _command_line(args) -> str:
    parts = ["wattwise", "evaluate", "--model", args.model, "--data", args.data, "--label", args.label]
    for g in args.group:
        parts += ["--group", g]
    if args.metric != "accuracy":
        parts += ["--metric", args.metric]
    return " ".join(shlex.quote(p) for p in parts)


def _print(evs, as_json: bool, single: bool = False) -> None:
    from ..evaluate.table import render

    if as_json:
        from ..cli import emit_json
        from ..evaluate.front import pareto

        if single:
            emit_json(evs[0].to_dict())
            return
        same = len({e.metric for e in evs}) == 1
        emit_json({"evaluations": [e.to_dict() for e in evs], "front": pareto(evs) if same else None})
        return
    sys.stdout.write(render(evs) + "\n")


def _store(url):
    from ..store import open_store

    return open_store(url, readonly=True)


def cmd_compare(args) -> int:
    from ..evaluate.result import Evaluation
    from ..evaluate.stored import compare, evaluations

    if not args.run_ids and not args.project:
        raise UsageError("give the evaluation runs to compare (RUN_ID ...) or --project P")
    st = _store(args.store)
    if args.run_ids:
        evs = compare(args.run_ids, st)
    else:
        evs = [Evaluation.from_dict(d) for d in evaluations(st, project=args.project, limit=args.limit)]
        if not evs:
            raise UsageError(f"no evaluations in project '{args.project}' in {st.url}")
    _print(evs, args.json)
    return 0


def cmd_rate(args) -> int:
    from ..evaluate.rating import rate, rate_energy

    if args.wh_per_query is not None:
        if args.run_id or not args.hardware:
            raise UsageError("--wh-per-query needs --hardware (e.g. H100) and no RUN_ID")
        r = rate_energy(args.wh_per_query, task=args.task, hardware=args.hardware)
    elif args.run_id:
        from ..store import run_result

        st = _store(args.store)
        rid = st.resolve_id(args.run_id)
        res = run_result(st, rid) or {}
        r = rate(res.get("evaluation") or res, task=args.task)
    else:
        raise UsageError("give a RUN_ID (an evaluation or a service run with counted requests) "
                         "or --wh-per-query X --hardware GPU")
    if args.json:
        from ..cli import emit_json

        emit_json(r.to_dict())
    else:
        sys.stdout.write(f"{r}\n  bands (Wh per {r.query}): " + " | ".join(f"{x:.4g}" for x in r.band_edges_wh)
                         + f"\n  method: {r.method}\n  reference: {r.source}, {r.license}\n")
    return 0


def cmd_card(args) -> int:
    from ..evaluate.card import model_card
    from ..evaluate.stored import load
    from ..store import run_result

    st = _store(args.store)
    ev = load(args.run_id, st)
    training = None
    if args.training_run:
        training = run_result(st, st.resolve_id(args.training_run))
    sys.stdout.write(model_card(ev.data, training, task_type=args.task_type, dataset=args.dataset))
    return 0
