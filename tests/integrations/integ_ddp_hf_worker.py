"""One process of a 2-process torchrun job training a tiny BERT with the wattwise callback (see test_integ_transformers)."""
from __future__ import annotations

import json
import os
import sys

from transformers import Trainer

from _integ_models import hf_args, text_dataset, tiny_bert
from wattwise.integrations.transformers import WattwiseCallback


def main(out_dir: str, db: str) -> None:
    cb = WattwiseCallback(project="ddp", region="FR", interval=0.1, store=db)
    args = hf_args(out_dir, per_device_train_batch_size=4, logging_steps=1, ddp_backend="gloo")
    trainer = Trainer(model=tiny_bert(), args=args, train_dataset=text_dataset(), callbacks=[cb])
    trainer.train()
    rank = int(os.environ.get("RANK", "0"))
    keys = sorted({k for e in trainer.state.log_history for k in e if k.startswith("wattwise_")})
    with open(os.path.join(out_dir, f"rank{rank}.json"), "w") as f:
        json.dump({"rank": rank, "world": trainer.args.world_size, "run_id": cb.run_id, "metrics": cb.metrics,
                   "wattwise_keys": keys}, f)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
