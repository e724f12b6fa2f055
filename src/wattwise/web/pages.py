"""The dashboard's pages and the navigation bar: which pages exist in this build.

A page that depends on a capability (the calculator on ``wattwise.estimate``, the schedule
page on ``wattwise.schedule``) is listed only when both the capability and the page's own
module are importable, so a build without them shows no dead link. Extension point: a page
module (e.g. ``wattwise/web/calculator.py``) exposes ``routes(ctx) -> list[starlette Route]``,
where ``ctx`` is the app's :class:`~wattwise.web.app.Context` (``ctx.render(request, template,
active=..., **vars)``, ``ctx.store()``); add its ``Page`` below and its template under
``templates/``. No other file changes.
"""
from __future__ import annotations

import importlib.util
from dataclasses import dataclass


@dataclass(frozen=True)
class Page:
    key: str
    label: str
    path: str
    title: str  # tooltip in the navigation bar: what the page is for, in plain words
    capability: str | None = None  # module the page needs (e.g. wattwise.estimate)
    module: str | None = None  # module providing routes(ctx); None for the core pages in app.py

    def available(self) -> bool:
        return all(_importable(m) for m in (self.capability, self.module) if m)


def _importable(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):
        return False


PAGES: tuple[Page, ...] = (
    Page("runs", "Runs", "/", "every measured run, newest first"),
    Page("compare", "Compare", "/compare", "two or more runs side by side"),
    Page("projects", "Projects", "/projects", "each project's whole footprint: runs plus travel, calls and e-mail",
         capability="wattwise.footprint", module="wattwise.web.projects_page"),
    Page("calculator", "Calculator", "/calculator", "estimate a job before running it",
         capability="wattwise.estimate", module="wattwise.web.calculator"),
    Page("schedule", "Schedule", "/schedule", "find the cleanest time to run",
         capability="wattwise.schedule", module="wattwise.web.schedule_page"),
    Page("models", "Models", "/models", "models compared: accuracy per subset, energy and gCO2e per 1,000 inferences",
         capability="wattwise.evaluate", module="wattwise.web.models_page"),
    Page("regions", "Regions", "/regions", "grid carbon intensity by place, cleanest first"),
    Page("help", "What the numbers mean", "/help", "units, methods and what is counted"),
)


def nav_pages() -> list[Page]:
    """The pages this build can show, in navigation order."""
    return [p for p in PAGES if p.available()]
