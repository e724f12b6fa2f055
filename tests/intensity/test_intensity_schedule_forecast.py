"""`wattwise schedule --forecast electricitymaps` end to end against a local server in the API's shape."""
from __future__ import annotations

import json
import subprocess
import sys
import time
from datetime import datetime, timezone

from werkzeug import Request, Response

TOKEN = "sched-token"


def _iso(t: float) -> str:
    return datetime.fromtimestamp(t, timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def test_schedule_uses_the_provider_forecast(server, online, monkeypatch):
    hour0 = int(time.time() // 3600 * 3600)
    dip = hour0 + 6 * 3600  # a clean 2-hour dip six hours from now

    def forecast(request: Request) -> Response:
        assert request.headers.get("auth-token") == TOKEN
        fc = [{"carbonIntensity": 80.0 if dip <= hour0 + k * 3600 < dip + 2 * 3600 else 400.0 + k,
               "datetime": _iso(hour0 + k * 3600)} for k in range(48)]
        return Response(json.dumps({"zone": "DE", "forecast": fc, "updatedAt": _iso(hour0)}),
                        content_type="application/json")

    server.expect_request("/carbon-intensity/forecast").respond_with_handler(forecast)
    monkeypatch.setenv("WATTWISE_ELECTRICITYMAPS_URL", server.url_for("").rstrip("/"))
    monkeypatch.setenv("WATTWISE_ELECTRICITYMAPS_TOKEN", TOKEN)
    p = subprocess.run([sys.executable, "-m", "wattwise", "schedule", "--duration", "2h", "--within", "12h",
                        "--region", "DE", "--forecast", "electricitymaps", "--json"],
                       capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stderr
    d = json.loads(p.stdout.strip().splitlines()[-1])
    start = datetime.fromisoformat(d["start"]).timestamp()
    assert abs(start - dip) < 3600  # planning cells are anchored at "now": the job starts within an hour of the dip
    assert d["savings_pct"] > 50
    assert "electricitymaps" in json.dumps(d).lower()
