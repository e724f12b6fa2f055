"""Tiny real models for the integration tests: built from configs with random weights, no hub download."""
from __future__ import annotations

from pathlib import Path

VOCAB, SEQ = 64, 8


def tiny_bert():
    import torch
    from transformers import BertConfig, BertForSequenceClassification

    torch.manual_seed(0)
    cfg = BertConfig(vocab_size=VOCAB, hidden_size=16, num_hidden_layers=1, num_attention_heads=2, intermediate_size=32,
                     max_position_embeddings=32, num_labels=2)
    return BertForSequenceClassification(cfg)


def text_dataset(n: int = 32):
    import torch

    class Toy(torch.utils.data.Dataset):
        """Random token ids with a label; item i is the same on every call and every process."""

        def __len__(self):
            return n

        def __getitem__(self, i):
            g = torch.Generator().manual_seed(i)
            return {"input_ids": torch.randint(0, VOCAB, (SEQ,), generator=g),
                    "attention_mask": torch.ones(SEQ, dtype=torch.long), "labels": torch.tensor(i % 2)}

    return Toy()


def hf_args(out_dir: str | Path, **kw):
    from transformers import TrainingArguments

    base = dict(output_dir=str(out_dir), num_train_epochs=2, per_device_train_batch_size=8, logging_steps=2,
                save_strategy="no", report_to="none", use_cpu=True, disable_tqdm=True, seed=0)
    base.update(kw)
    return TrainingArguments(**base)


def regression_module(pl, *, fail_in_epoch: int | None = None):
    """A LightningModule (of the given package: lightning.pytorch or pytorch_lightning) fitting y = Wx."""
    import torch
    from torch import nn

    class Regression(pl.LightningModule):
        def __init__(self):
            super().__init__()
            self.lin = nn.Linear(8, 1)

        def training_step(self, batch, i):
            if fail_in_epoch is not None and self.current_epoch == fail_in_epoch:
                raise RuntimeError("loss went NaN")
            x, y = batch
            loss = nn.functional.mse_loss(self.lin(x), y)
            self.log("train_loss", loss)
            return loss

        def configure_optimizers(self):
            return torch.optim.SGD(self.parameters(), lr=0.05)

    return Regression()


def regression_loader(n: int = 64, batch_size: int = 8):
    import torch

    g = torch.Generator().manual_seed(0)
    x = torch.randn(n, 8, generator=g)
    y = x @ torch.randn(8, 1, generator=g)
    return torch.utils.data.DataLoader(torch.utils.data.TensorDataset(x, y), batch_size=batch_size)
