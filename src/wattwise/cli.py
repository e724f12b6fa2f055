"""The ``wattwise`` command: a thin layer over the public API.

Each subcommand lives in ``wattwise.commands.<name>`` with ``register(subparsers)`` (which sets
``func``) so commands load lazily and stay independent. Conventions: ``--json`` prints one
JSON object as the last line of stdout; wattwise's own messages go to stderr; exit code 2
with a one-line error for bad input.
"""
from __future__ import annotations

import argparse
import importlib
import json
import sys

COMMANDS = ["run", "runs", "estimate", "schedule", "simulate", "intensity", "regions", "doctor", "dashboard", "footprint", "exporter", "evaluate"]


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # one line, exit 2, no usage dump
        self.exit(2, f"wattwise: error: {message} (see: {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    from . import __version__

    p = _Parser(prog="wattwise", description="Measure, estimate and reduce the carbon footprint of ML runs.",
                formatter_class=argparse.RawDescriptionHelpFormatter,
                epilog="Example: wattwise run --region FR -- python train.py")
    p.add_argument("--version", action="version", version=f"wattwise {__version__}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name in COMMANDS:
        try:
            mod = importlib.import_module(f"wattwise.commands.{name}")
        except ModuleNotFoundError as e:
            if e.name == f"wattwise.commands.{name}":
                continue  # capability not built in this version
            raise
        mod.register(sub)
    return p


def emit_json(obj) -> None:
    try:
        text = json.dumps(obj, default=str, allow_nan=False)
    except ValueError:  # NaN/inf is not JSON: an unknown number is null, never 'NaN' or 'Infinity'
        text = json.dumps(_finite(obj), default=str, allow_nan=False)
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


def _finite(o):
    if isinstance(o, float):
        return o if o == o and o not in (float("inf"), float("-inf")) else None
    if isinstance(o, dict):
        return {k: _finite(v) for k, v in o.items()}
    if isinstance(o, (list, tuple)):
        return [_finite(v) for v in o]
    return o


def err(msg: str) -> None:
    sys.stderr.write(f"wattwise: {msg}\n")
    sys.stderr.flush()


def main(argv: list[str] | None = None) -> int:
    from .errors import UsageError

    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help(sys.stderr)
        return 2
    try:
        return int(args.func(args) or 0)
    except UsageError as e:
        err(f"error: {e}")
        return 2
    except KeyboardInterrupt:
        err("interrupted")
        return 130
    except BrokenPipeError:
        try:
            sys.stdout = open("/dev/null", "w")  # noqa: SIM115
        except OSError:
            pass
        return 0


if __name__ == "__main__":
    sys.exit(main())
