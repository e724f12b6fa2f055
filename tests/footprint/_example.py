"""The worked example of docs/footprint.md: three training runs, a conference trip for three,
weekly calls for a year and the team's e-mail, in one project.

    python tests/footprint/_example.py /tmp/example.db
    wattwise footprint show --project summarizer --store /tmp/example.db

The runs are written through the store's write API as the tracker writes them (8 GPUs at
300 W, CPU 150 W measured, RAM modelled); everything else goes through ``Ledger.add``, as
``wattwise footprint add`` does.
"""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _runs import T0, write_run  # noqa: E402

PROJECT = "summarizer"
DAY = 86400.0


def build(store) -> str:
    from wattwise.footprint import Ledger

    write_run(store, "5a1e0c0f0001", project=PROJECT, name="baseline 8xA100", start=T0 + 20 * DAY, hours=12, region="FR")
    write_run(store, "5a1e0c0f0002", project=PROJECT, name="sweep lr 3e-4", start=T0 + 70 * DAY, hours=20, region="DE")
    write_run(store, "5a1e0c0f0003", project=PROJECT, name="final model", start=T0 + 140 * DAY, hours=30, region="FR")
    led = Ledger(PROJECT, store=store)
    led.add("train", km=35, people=3, round_trip=True, type="national", date="2025-12-01", note="to Heathrow and back")
    led.add("flight", origin="LHR", destination="YVR", round_trip=True, people=3, date="2025-12-01",
            note="NeurIPS, Vancouver")
    led.add("hotel", nights=5, rooms=3, country="Canada", date="2025-12-01", note="NeurIPS, Vancouver")
    led.add("video-call", hours=1, people=6, repeat=52, date="2025-06-30", note="weekly project call, one year")
    led.add("email", count=33_000, size="short", date="2025-12-31", note="6 people x 25 a working day")
    led.add("email", count=300, size="attachment", date="2025-12-31", note="drafts and figures sent around")
    return PROJECT


if __name__ == "__main__":
    from wattwise.store import open_store

    st = open_store(sys.argv[1])
    print(build(st))
    st.close()
