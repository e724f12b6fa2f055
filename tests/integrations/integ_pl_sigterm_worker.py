"""A Lightning fit that receives SIGTERM in its second epoch (see test_integ_lightning).

Lightning handles SIGTERM itself (a clean stop, Slurm requeue); the callback must leave it so.
"""
from __future__ import annotations

import json
import os
import signal
import sys

import lightning.pytorch as pl
import torch
from torch import nn

from _integ_models import regression_loader
from wattwise.integrations.lightning import WattwiseCallback


class SelfTerminating(pl.LightningModule):
    def __init__(self):
        super().__init__()
        self.lin = nn.Linear(8, 1)

    def training_step(self, batch, i):
        if self.current_epoch == 1 and i == 2:
            os.kill(os.getpid(), signal.SIGTERM)  # as Slurm does at the time limit
        x, y = batch
        return nn.functional.mse_loss(self.lin(x), y)

    def configure_optimizers(self):
        return torch.optim.SGD(self.parameters(), lr=0.05)


def main(db: str) -> None:
    cb = WattwiseCallback(project="sigterm", region="DE", interval=0.1, store=db, verbose=False)
    trainer = pl.Trainer(max_epochs=3, accelerator="cpu", devices=1, callbacks=[cb], logger=False, enable_progress_bar=False,
                         enable_checkpointing=False, enable_model_summary=False)
    try:
        trainer.fit(SelfTerminating(), regression_loader())
    finally:
        m = cb.result
        print("RESULT " + json.dumps({"received_sigterm": trainer.received_sigterm, "run_id": cb.run_id,
                                      "status": m and m.status, "exit_code": m and m.exit_code,
                                      "windows": m and [w.name for w in m.windows]}), flush=True)


if __name__ == "__main__":
    main(sys.argv[1])
