"""The dashboard served by uvicorn on 127.0.0.1 from a background thread, for browser tests."""
from __future__ import annotations

import socket
import threading
import time
from contextlib import contextmanager


@contextmanager
def serve(path, *, label: str | None = None):
    import uvicorn

    from wattwise.web import create_app

    app = create_app(str(path))
    if label:  # cosmetic, for screenshots: a typical store path instead of pytest's tmp dir
        app.state.ctx.store()
        app.state.ctx.url = label
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(64)
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off"))
    th = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    th.start()
    deadline = time.time() + 30
    while not server.started and time.time() < deadline:
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        th.join(timeout=10)
        sock.close()
