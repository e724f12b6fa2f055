"""Count a web service's requests into a tracked run: ASGI and WSGI middleware.

Each HTTP request the app answers (its response started) is one ``run.count(requests=1)``,
counted when the response is complete. An app that knows how many tokens a response holds
sets a response header (``tokens_header``, e.g. ``x-tokens``) and the middleware counts those
too; or the app calls ``run.count(tokens=m)`` itself. ``exclude_paths`` (health checks,
/metrics) are not counted. The run's result then holds energy and gCO2e per request and per
1,000 tokens (see :mod:`.counting`).
"""
from __future__ import annotations

import inspect
from typing import Any, Iterable


def _tokens(headers, name: bytes | None) -> int:
    if not name:
        return 0
    for k, v in headers:
        k = k if isinstance(k, bytes) else k.encode("latin-1")
        if k.lower() == name:
            try:
                n = int(v.decode("latin-1") if isinstance(v, bytes) else v)
            except ValueError:
                return 0
            return max(0, n)
    return 0


class ASGIMiddleware:
    """``app = ASGIMiddleware(app, run)`` where ``run`` is a started ``wattwise.Tracker``."""

    def __init__(self, app, run, *, tokens_header: str | None = None, exclude_paths: Iterable[str] = ()):
        self.app, self.run = app, run
        self.tokens_header = tokens_header.lower().encode("latin-1") if tokens_header else None
        self.exclude = frozenset(exclude_paths)

    async def __call__(self, scope, receive, send):
        if scope.get("type") != "http" or scope.get("path") in self.exclude:
            return await self.app(scope, receive, send)
        state = {"started": False, "tokens": 0}

        async def counted_send(message):
            if message.get("type") == "http.response.start":
                state["started"] = True
                state["tokens"] = _tokens(message.get("headers") or [], self.tokens_header)
            await send(message)

        try:
            await self.app(scope, receive, counted_send)
        finally:
            if state["started"]:
                self.run.count(requests=1, tokens=state["tokens"])


class WSGIMiddleware:
    """``app = WSGIMiddleware(app, run)``; counts when the server closes the response iterable."""

    def __init__(self, app, run, *, tokens_header: str | None = None, exclude_paths: Iterable[str] = ()):
        self.app, self.run = app, run
        self.tokens_header = tokens_header.lower().encode("latin-1") if tokens_header else None
        self.exclude = frozenset(exclude_paths)

    def __call__(self, environ, start_response):
        if environ.get("PATH_INFO") in self.exclude:
            return self.app(environ, start_response)
        state = {"started": False, "tokens": 0}

        def counted_start(status, headers, exc_info=None):
            state["started"] = True
            state["tokens"] = _tokens(headers, self.tokens_header)
            return start_response(status, headers, exc_info) if exc_info else start_response(status, headers)

        return _Counted(self.app(environ, counted_start), lambda: state["started"] and self.run.count(
            requests=1, tokens=state["tokens"]))


class _Counted:
    """The app's response iterable; close() closes it, then counts the request once."""

    def __init__(self, inner, on_close):
        self.inner, self.on_close, self.done = inner, on_close, False

    def __iter__(self):
        return iter(self.inner)

    def close(self):
        try:
            close = getattr(self.inner, "close", None)
            if close:
                close()
        finally:
            if not self.done:
                self.done = True
                self.on_close()


def count_requests(app, run, **kw: Any):
    """Wrap ``app`` in the ASGI or WSGI middleware, whichever it is (a coroutine ``__call__`` is ASGI)."""
    call = app if inspect.isfunction(app) or inspect.ismethod(app) else getattr(type(app), "__call__", app)
    if inspect.iscoroutinefunction(call):
        return ASGIMiddleware(app, run, **kw)
    return WSGIMiddleware(app, run, **kw)
