"""Turn a model into ``predict(batch) -> predictions``: scikit-learn, PyTorch, HF pipelines, callables.

Detection never imports a framework: it looks at the object's class (its module and MRO), so
``evaluate`` on a scikit-learn model does not load torch. Each adapter returns a ``Predictor``
(the function plus a one-line description stored with the evaluation).
"""
from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import Any, Callable

from ..errors import UsageError


@dataclass(frozen=True)
class Predictor:
    fn: Callable[[Any], Any]
    kind: str  # sklearn | torch | hf-pipeline | callable
    description: str
    default_name: str

    def __call__(self, batch):
        return self.fn(batch)


def _classes(obj) -> list[tuple[str, str]]:
    return [(c.__module__ or "", c.__name__) for c in type(obj).__mro__]


def _is_hf_pipeline(obj) -> bool:
    return any(m.startswith("transformers.pipelines") and n == "Pipeline" for m, n in _classes(obj))


def _is_torch_module(obj) -> bool:
    return "torch" in sys.modules and any(m.startswith("torch.nn.modules") and n == "Module" for m, n in _classes(obj))


def as_predictor(model: Any, *, classification: bool = True, label_ids: bool = False) -> Predictor:
    """The adapter for ``model``; ``label_ids`` makes an HF pipeline return label ids, not names."""
    if isinstance(model, Predictor):
        return model
    if _is_hf_pipeline(model):
        return hf_pipeline(model, label_ids=label_ids)
    if _is_torch_module(model):
        return torch_module(model, argmax=classification)
    predict = getattr(model, "predict", None)
    if callable(predict):
        return sklearn(model)
    if callable(model):
        name = getattr(model, "__name__", None) or type(model).__name__
        return Predictor(model, "callable", f"callable {name}", name)
    raise UsageError(f"cannot evaluate a {type(model).__name__}: give a callable over a batch, an object with "
                     ".predict (scikit-learn), a torch.nn.Module or a transformers pipeline")


def sklearn(model) -> Predictor:
    """Any object with ``.predict(X_batch)`` (scikit-learn estimators and pipelines, XGBoost, ...)."""
    name = type(model).__name__
    if name == "Pipeline" and getattr(model, "steps", None):
        name = type(model.steps[-1][1]).__name__
    return Predictor(model.predict, "sklearn", f"{type(model).__module__}.{type(model).__name__}.predict", name)


def torch_module(module, *, argmax: bool = True) -> Predictor:
    """A torch.nn.Module in eval mode under ``torch.inference_mode()``; 2-D outputs -> argmax for classification."""
    import torch

    module.eval()
    first = next(module.parameters(), None)
    device = first.device if first is not None else torch.device("cpu")
    dtype = first.dtype if first is not None and first.is_floating_point() else None

    def predict(batch):
        x = batch if isinstance(batch, torch.Tensor) else torch.as_tensor(batch)
        x = x.to(device=device, dtype=dtype) if x.is_floating_point() and dtype is not None else x.to(device)
        with torch.inference_mode():
            out = module(x)
        out = getattr(out, "logits", out)
        if argmax and out.ndim == 2 and out.shape[1] > 1:
            out = out.argmax(dim=1)
        out = out.detach().cpu()
        if out.ndim == 2 and out.shape[1] == 1:  # one regression output per item
            out = out[:, 0]
        return out.numpy()

    return Predictor(predict, "torch", f"torch module {type(module).__name__} on {device}", type(module).__name__)


def _label(out, label2id):
    if isinstance(out, list):  # top-k lists: the first is the prediction
        out = out[0] if out else None
    if isinstance(out, dict):
        for key in ("label", "generated_text", "answer", "translation_text", "summary_text"):
            if key in out:
                v = out[key]
                return label2id[v] if label2id is not None and key == "label" else v
    return out


def hf_pipeline(pipe, *, label_ids: bool = False) -> Predictor:
    """A transformers ``pipeline``: one call per batch; each output's label (or generated text).

    ``label_ids`` maps label names to ids with the model's ``config.label2id`` (for integer ``y``).
    """
    label2id = None
    if label_ids:
        label2id = dict(getattr(getattr(getattr(pipe, "model", None), "config", None), "label2id", None) or {})
        if not label2id:
            raise UsageError("y holds label ids, but this pipeline's model has no config.label2id to map its label "
                             "names; pass y as label names (e.g. 'LABEL_1')")

    def predict(batch):
        items = batch.tolist() if hasattr(batch, "tolist") else list(batch)
        return [_label(o, label2id) for o in pipe(items)]

    task = getattr(pipe, "task", "") or "pipeline"
    model = type(getattr(pipe, "model", pipe)).__name__
    return Predictor(predict, "hf-pipeline", f"transformers pipeline '{task}' ({model})", model)
