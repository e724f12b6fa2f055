"""wattwise dashboard: serve the local web dashboard over the run store."""
from __future__ import annotations

import argparse
import sys

from ..errors import UsageError
from ._common import add_store

EPILOG = """examples:
  wattwise dashboard                      # http://127.0.0.1:8787 over your run store
  wattwise dashboard --port 9000 --store runs.db
  wattwise dashboard --host 0.0.0.0       # reachable from other machines: anyone who can reach it sees your runs
"""

DEFAULT_PORT = 8787
LOCAL_HOSTS = ["127.0.0.1", "localhost", "::1", "[::1]"]


def register(sub) -> None:
    p = sub.add_parser("dashboard", help="browse runs, compare them and see regions in a local web page",
                       epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter,
                       description="Serve a read-only web dashboard of the run store (needs the [web] extra).")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1: this machine only)")
    p.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port (default {DEFAULT_PORT}; 0 picks a free one)")
    add_store(p)
    p.set_defaults(func=main)


def main(args) -> int:
    import importlib.util

    missing = [m for m in ("starlette", "jinja2", "uvicorn") if importlib.util.find_spec(m) is None]
    if missing:
        sys.stderr.write(f"wattwise: the dashboard needs {', '.join(missing)}; install it with: "
                         f"pip install \"wattwise[web]\"\n")
        return 2
    if not (0 <= args.port <= 65535):
        raise UsageError(f"invalid port {args.port}; use 1-65535 (or 0 for any free port)")
    import socket

    import uvicorn

    from ..web import create_app

    hosts = None if args.host in ("0.0.0.0", "::", "") else sorted(set(LOCAL_HOSTS + [args.host]))
    app = create_app(args.store, allowed_hosts=hosts)
    fam = socket.AF_INET6 if ":" in args.host else socket.AF_INET
    sock = socket.socket(fam, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((args.host, args.port))
        sock.listen(128)  # accept (queue) connections from the moment the address is printed
    except OSError as e:
        sock.close()
        hint = f"; try another port, e.g. --port {args.port + 1}" if e.errno == 98 else ""
        raise UsageError(f"cannot listen on {args.host}:{args.port}: {e.strerror}{hint}") from None
    port = sock.getsockname()[1]
    shown = f"[{args.host}]" if ":" in args.host else args.host
    sys.stderr.write(f"wattwise: dashboard of {app.state.ctx.label} at http://{shown}:{port}/ (read-only; Ctrl-C to stop)\n")
    if hosts is None:
        sys.stderr.write("wattwise: warning: listening on all interfaces; anyone who can reach this machine can read your runs\n")
    sys.stderr.flush()
    config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off")
    server = uvicorn.Server(config)
    try:
        server.run(sockets=[sock])
    except KeyboardInterrupt:
        pass
    return 0
