"""The local dashboard (``wattwise dashboard``): server-rendered pages over the run store.

Behind the ``[web]`` extra (Starlette, Jinja2, uvicorn), imported only when used. Charts use
the Chart.js build shipped in ``static/`` (no CDN); every page also works without JavaScript,
showing tables where the charts would be.
"""
from __future__ import annotations


def require_web(what: str = "the dashboard", modules: tuple[str, ...] = ("starlette", "jinja2")) -> None:
    """Raise MissingExtraError naming ``pip install "wattwise[web]"`` if a web dependency is absent."""
    import importlib.util

    from ..errors import MissingExtraError

    for m in modules:
        if importlib.util.find_spec(m) is None:
            raise MissingExtraError("web", m, what)


def create_app(store_url=None, **kw):
    """The ASGI app; see :func:`wattwise.web.app.create_app`."""
    require_web()
    from .app import create_app as _create

    return _create(store_url, **kw)


__all__ = ["create_app", "require_web"]
