"""One careful HTTP GET for the live providers: timeouts, retries with backoff, 429 handling.

httpx (the ``[live]`` extra) is imported only here and only when a request is made.
``WATTWISE_OFFLINE=1`` refuses before anything is imported or opened. Every failure becomes a
:class:`ProviderError` whose message says what to do; nothing here raises anything else.

Settings (environment): ``WATTWISE_HTTP_TIMEOUT`` (seconds per request, default 10),
``WATTWISE_HTTP_RETRIES`` (default 3), ``WATTWISE_HTTP_BACKOFF`` (first pause, default 0.5 s,
doubling), ``WATTWISE_HTTP_MAX_WAIT`` (longest Retry-After honoured, default 30 s).
"""
from __future__ import annotations

import email.utils
import json
import time
from typing import Any, Callable

from .base import ProviderError, env_float, offline

RETRY_STATUS = (429, 500, 502, 503, 504)


class HttpClient:
    def __init__(self, base_url: str, *, what: str, headers: dict[str, str] | None = None,
                 timeout: float | None = None, retries: int | None = None, backoff: float | None = None,
                 max_wait: float | None = None, transport: Any = None, sleep: Callable[[float], None] = time.sleep):
        self.base_url = base_url.rstrip("/")
        self.what = what
        self.headers = dict(headers or {})
        self.timeout = timeout if timeout is not None else env_float("WATTWISE_HTTP_TIMEOUT", 10.0)
        self.retries = int(retries if retries is not None else env_float("WATTWISE_HTTP_RETRIES", 3))
        self.backoff = backoff if backoff is not None else env_float("WATTWISE_HTTP_BACKOFF", 0.5)
        self.max_wait = max_wait if max_wait is not None else env_float("WATTWISE_HTTP_MAX_WAIT", 30.0)
        self.transport = transport
        self.sleep = sleep
        self.calls = 0  # requests actually sent (tests count them)
        self._client = None

    def _httpx(self):
        if offline():
            raise ProviderError(f"{self.what}: not fetched because WATTWISE_OFFLINE=1")
        try:
            import httpx
        except ImportError:
            raise ProviderError(f"{self.what} needs the 'httpx' package; install it with: pip install \"wattwise[live]\"") from None
        if self._client is None:
            self._client = httpx.Client(timeout=httpx.Timeout(self.timeout, connect=min(self.timeout, 5.0)),
                                        transport=self.transport, follow_redirects=True)
        return httpx

    def get_json(self, path: str, *, params: dict[str, Any] | None = None, headers: dict[str, str] | None = None,
                 auth: tuple[str, str] | None = None) -> Any:
        httpx = self._httpx()
        url = self.base_url + path
        hdrs = {"Accept": "application/json", "User-Agent": _user_agent(), **self.headers, **(headers or {})}
        last = "no attempt made"
        for attempt in range(self.retries + 1):
            wait = self.backoff * (2 ** attempt)
            try:
                self.calls += 1
                r = self._client.get(url, params=params, headers=hdrs, auth=auth)
            except httpx.TimeoutException:
                last = f"timed out after {self.timeout:g} s"
            except httpx.TransportError as e:  # connection refused, reset, truncated body
                last = f"connection failed ({type(e).__name__}: {e})"
            else:
                if r.status_code == 200:
                    try:
                        return r.json()
                    except (ValueError, json.JSONDecodeError):
                        raise ProviderError(f"{self.what}: malformed or truncated JSON from {path} "
                                            f"({len(r.content)} bytes)") from None
                last = f"HTTP {r.status_code}{_detail(r)}"
                if r.status_code not in RETRY_STATUS:
                    raise ProviderError(f"{self.what}: {last}{_hint(r.status_code)}", status=r.status_code)
                ra = _retry_after(r.headers.get("Retry-After"))
                if ra is not None:
                    if ra > self.max_wait:
                        raise ProviderError(f"{self.what}: rate limited ({last}); the server asks to retry after "
                                            f"{ra:.0f} s, more than WATTWISE_HTTP_MAX_WAIT={self.max_wait:g} s")
                    wait = max(ra, 0.0)
            if attempt < self.retries:
                self.sleep(min(wait, self.max_wait))
        raise ProviderError(f"{self.what}: {last} (after {self.retries + 1} attempts)")

    def close(self) -> None:
        if self._client is not None:
            try:
                self._client.close()
            except Exception:  # noqa: BLE001
                pass
            self._client = None


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return float(value)
    except ValueError:
        pass
    try:
        dt = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, dt.timestamp() - time.time())


def _detail(r) -> str:
    text = ""
    try:
        body = r.json()
        if isinstance(body, dict):
            text = str(body.get("message") or body.get("error") or body.get("detail") or "")
    except (ValueError, json.JSONDecodeError):
        text = r.text[:120].strip()
    return f": {text}" if text else ""


def _hint(status: int) -> str:
    if status in (401, 403):
        return " (check the credentials: WATTWISE_ELECTRICITYMAPS_TOKEN or WATTWISE_WATTTIME_USER/_PASSWORD)"
    if status == 404:
        return " (zone or region not known to this provider?)"
    return ""


def _user_agent() -> str:
    from .. import __version__

    return f"wattwise/{__version__}"
