"""One task of a fake multi-node Slurm job: every task tracks, local rank 0 measures its node.

argv: store URL, node watts. The job's identity comes from the SLURM_* environment the test
sets, the node's name from the UTS namespace the test runs this in (unshare --uts).
"""
import sys
import time

import wattwise
from wattwise.testing import ConstantPowerSensor

store, watts = sys.argv[1], float(sys.argv[2])
with wattwise.track(project="slurm-job", region="FR", interval=0.1, store=store, install_handlers=False,
                    sensors=[ConstantPowerSensor("cpu", watts, source="test:constant")]) as run:
    deadline = time.monotonic() + 60
    while run.meter.ticks < 3 and time.monotonic() < deadline:  # some samples on the measuring rank
        time.sleep(0.01)
print(run.result.run_id)
