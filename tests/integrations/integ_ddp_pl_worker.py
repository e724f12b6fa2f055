"""A 2-process Lightning DDP fit on the CPU with the wattwise callback (see test_integ_lightning).

Lightning's subprocess launcher starts the second rank by running this script again.
"""
from __future__ import annotations

import json
import os
import sys

import lightning.pytorch as pl

from _integ_models import regression_loader, regression_module
from wattwise.integrations.lightning import WattwiseCallback


def main(out_dir: str, db: str) -> None:
    cb = WattwiseCallback(project="pl-ddp", region="DE", interval=0.1, store=db)
    trainer = pl.Trainer(max_epochs=2, accelerator="cpu", devices=2, strategy="ddp", callbacks=[cb],
                         logger=pl.loggers.CSVLogger(out_dir), enable_progress_bar=False, enable_checkpointing=False,
                         enable_model_summary=False, log_every_n_steps=1)
    trainer.fit(regression_module(pl), regression_loader())
    with open(os.path.join(out_dir, f"rank{trainer.global_rank}.json"), "w") as f:
        json.dump({"rank": trainer.global_rank, "local": trainer.local_rank, "world": trainer.world_size,
                   "run_id": cb.run_id, "metrics": cb.metrics}, f)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
