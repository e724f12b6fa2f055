"""The Jinja2 environment shared by the dashboard and the self-contained report.

Autoescaping is on for every template, so anything read from the store (a project named
``<script>``, a command line, a window name) is shown as text, never run. Chart data goes
into ``<script type="application/json">`` through ``tojson``, which escapes ``<``, ``>``,
``&`` and quotes, so it cannot close the element.
"""
from __future__ import annotations

from ..errors import UsageError

import functools
from importlib import resources


@functools.lru_cache(maxsize=1)
def environment():
    import jinja2

    from .. import __version__
    from . import views

    env = jinja2.Environment(
        loader=jinja2.PackageLoader("wattwise.web", "templates"),
        autoescape=True, trim_blocks=True, lstrip_blocks=True,
    )
    env.globals.update(version=__version__, fmt_energy=views.fmt_energy, fmt_mass=views.fmt_mass,
                       fmt_time=views.fmt_time, fmt_intensity=views.fmt_intensity)
    return env


def render(template: str, **ctx) -> str:
    return environment().get_template(template).render(**ctx)


@functools.lru_cache(maxsize=None)
def static_text(name: str) -> str:
    """A file from web/static (for inlining into the self-contained report)."""
    return resources.files("wattwise.web").joinpath("static").joinpath(name).read_text(encoding="utf-8")


class FieldError(UsageError):
    """A UsageError that belongs to one form field (shown next to it)."""

    def __init__(self, field: str | None, message: str):
        super().__init__(message)
        self.field = field

