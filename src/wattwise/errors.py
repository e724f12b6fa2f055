"""Errors a user can act on.

`UsageError` is the one exception the CLI turns into a one-line message and exit code 2;
anything else reaching the CLI is a bug and is reported as such.
"""
from __future__ import annotations


class WattwiseError(Exception):
    """Base class for wattwise's own errors."""


class UsageError(WattwiseError, ValueError):
    """Bad input from the user: unknown region, malformed duration, unwritable store, ...

    The message is one line and, where one fits, names the fix.
    """


class StrictModeError(WattwiseError):
    """Raised under ``strict=True`` instead of falling back to an estimate."""


class StoreError(UsageError):
    """The run store cannot be opened, written or migrated."""


class MissingExtraError(UsageError):
    """An optional dependency is missing; the message names the install command."""

    def __init__(self, extra: str, module: str, what: str, install: str | None = None):
        # ``install`` names the command when the package is better installed on its own
        # (a training framework the user already chose: ``pip install transformers``).
        cmd = install or f'pip install "wattwise[{extra}]"'
        super().__init__(f"{what} needs the '{module}' package; install it with: {cmd}")
        self.extra = extra
        self.module = module
