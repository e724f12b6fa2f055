"""The options an activity takes, and one parser per option shared by the CLI, CSV import and Python.

Values arrive as text (command line, CSV cell) or typed (Python); each parser accepts both and
raises ``ParamError`` naming the option, the value and the rule it broke. Limits are there to
catch typos (a comma lost, a unit mixed up), not to judge: they lie far above any real trip.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Callable

from ..errors import UsageError

TRUE = {"1", "true", "yes", "y", "on"}
FALSE = {"0", "false", "no", "n", "off"}


class ParamError(UsageError):
    """A bad option value: which option, what was given, and why it is refused."""

    def __init__(self, flag: str, value: Any, reason: str):
        super().__init__(f"{flag} '{value}': {reason}")
        self.flag, self.value, self.reason = flag, value, reason


@dataclass(frozen=True)
class Param:
    name: str  # keyword in Python (``origin``)
    flag: str  # command-line option without dashes and CSV column (``from``)
    parse: Callable[[Any], Any]  # raises ValueError with the reason
    help: str
    default: Any = None
    cli: str = "value"  # value | flag (--X sets True) | negflag (--no-X sets False)

    def read(self, value: Any) -> Any:
        try:
            return self.parse(value)
        except ValueError as e:
            raise ParamError(self.flag, value, str(e)) from None


def number(lo: float, hi: float, *, whole: bool = False, lo_open: bool = True) -> Callable[[Any], float]:
    """A finite number in (lo, hi] (or [lo, hi] with lo_open=False); whole numbers only if ``whole``."""
    def parse(v: Any) -> float:
        if isinstance(v, bool):
            raise ValueError("not a number")
        try:
            x = float(str(v).replace("_", "").strip()) if isinstance(v, str) else float(v)
        except (TypeError, ValueError):
            raise ValueError("not a number") from None
        if not math.isfinite(x):
            raise ValueError("not a finite number")
        if whole and x != int(x):
            raise ValueError("must be a whole number")
        low_ok = x > lo if lo_open else x >= lo
        if not low_ok or x > hi:
            kind = "a whole number" if whole else "a number"
            raise ValueError(f"must be {kind} {'>' if lo_open else '>='} {lo:g} and <= {hi:,g}")
        return int(x) if whole else x
    return parse


def choice(*options: str) -> Callable[[Any], str]:
    def parse(v: Any) -> str:
        s = str(v).strip().lower()
        if s not in options:
            import difflib

            close = difflib.get_close_matches(s, options, n=1)
            hint = f"did you mean {close[0]}? " if close else ""
            raise ValueError(f"{hint}choose from {', '.join(options)}")
        return s
    return parse


def boolean(v: Any) -> bool:
    if isinstance(v, bool):
        return v
    s = str(v).strip().lower()
    if s in TRUE:
        return True
    if s in FALSE:
        return False
    raise ValueError("give yes or no")


def text(max_len: int = 300, *, multiline: bool = False) -> Callable[[Any], str]:
    allowed = {"\n", "\t"} if multiline else set()

    def parse(v: Any) -> str:
        s = str(v).strip()
        if not s:
            raise ValueError("is empty")
        if len(s) > max_len:
            raise ValueError(f"is longer than {max_len} characters")
        if any(ord(c) < 32 and c not in allowed for c in s):
            raise ValueError("contains control characters")
        return s
    return parse
