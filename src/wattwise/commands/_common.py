"""Argument helpers shared by subcommands."""
from __future__ import annotations

import argparse

from ..errors import UsageError
from ..units import parse_duration


def duration(what: str):
    def conv(text: str) -> float:
        try:
            return parse_duration(text, what=what)
        except UsageError as e:
            raise argparse.ArgumentTypeError(str(e)) from None
    conv.__name__ = what
    return conv


def positive_float(what: str, lo: float = 0.0, hi: float | None = None, lo_inclusive: bool = False):
    def conv(text: str) -> float:
        try:
            v = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"invalid {what} '{text}': not a number") from None
        if v != v or (v < lo if lo_inclusive else v <= lo) or (hi is not None and v > hi):
            rng = f"{'>=' if lo_inclusive else '>'} {lo:g}" + (f" and <= {hi:g}" if hi is not None else "")
            raise argparse.ArgumentTypeError(f"invalid {what} '{text}': must be {rng}")
        return v
    conv.__name__ = what
    return conv


def add_store(p: argparse.ArgumentParser) -> None:
    p.add_argument("--store", metavar="URL", help="run store: a SQLite path or postgresql:// URL "
                   "(default: $WATTWISE_STORE or ~/.local/share/wattwise/runs.db)")


def add_json(p: argparse.ArgumentParser) -> None:
    p.add_argument("--json", action="store_true", help="print one JSON object as the last line of stdout")


def add_basis(p: argparse.ArgumentParser) -> None:
    p.add_argument("--basis", choices=["lifecycle", "direct"],
                   help="intensity basis: lifecycle (default: the plants' whole life cycle) or direct (operational "
                        "emissions only); every figure shown and compared is on this one basis")
