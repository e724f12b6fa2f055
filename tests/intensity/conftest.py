"""Fixtures for the intensity tests: a real local HTTP server per test, fixed clocks, a network guard."""
from __future__ import annotations

import socket

import pytest


@pytest.fixture(scope="session")
def _http_server():
    from pytest_httpserver import HTTPServer

    s = HTTPServer(threaded=True)
    s.start()
    yield s
    if s.is_running():
        s.stop()


@pytest.fixture
def server(_http_server):
    """A real threaded HTTP server (pytest-httpserver), with no handlers and an empty log per test."""
    _http_server.clear()
    yield _http_server
    _http_server.clear()


@pytest.fixture
def fast_http(monkeypatch):
    """Short timeouts and pauses so error-path tests take milliseconds, not minutes."""
    monkeypatch.setenv("WATTWISE_HTTP_TIMEOUT", "0.5")
    monkeypatch.setenv("WATTWISE_HTTP_BACKOFF", "0.01")
    monkeypatch.setenv("WATTWISE_HTTP_RETRIES", "2")
    monkeypatch.setenv("WATTWISE_HTTP_MAX_WAIT", "2")


@pytest.fixture
def online(monkeypatch):
    """Lift the suite-wide WATTWISE_OFFLINE=1 (only for tests that talk to the local server)."""
    monkeypatch.delenv("WATTWISE_OFFLINE", raising=False)


class Guard:
    def __init__(self):
        self.attempts: list[str] = []


@pytest.fixture
def no_network(monkeypatch):
    """Fail (and record) any attempt to open a network connection from this process."""
    guard = Guard()

    def deny(*args, **kwargs):
        guard.attempts.append(repr(args[1:] if args else kwargs)[:120])
        raise OSError("network blocked by the test's socket guard")

    monkeypatch.setattr(socket.socket, "connect", deny)
    monkeypatch.setattr(socket.socket, "connect_ex", deny)
    monkeypatch.setattr(socket, "create_connection", deny)
    monkeypatch.setattr(socket, "getaddrinfo", deny)
    return guard
