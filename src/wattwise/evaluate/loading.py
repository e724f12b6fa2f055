"""``--model MODULE:CALLABLE``: import the model a command line names.

MODULE is a dotted module name (found from the current directory too) or a path to a .py
file. The attribute is used as it is (an estimator, a torch module, a pipeline, or a predict
function taking a batch), except a function taking no arguments, which is called once as a
factory (``def load(): return joblib.load("svc.joblib")``).
"""
from __future__ import annotations

import difflib
import importlib
import importlib.util
import inspect
import os
import sys
from typing import Any

from ..errors import UsageError


def _module(spec: str):
    if spec.endswith(".py") or os.sep in spec:
        if not os.path.isfile(spec):
            raise UsageError(f"model file '{spec}' not found")
        name = "_wattwise_model_" + os.path.splitext(os.path.basename(spec))[0]
        s = importlib.util.spec_from_file_location(name, spec)
        mod = importlib.util.module_from_spec(s)
        sys.modules[name] = mod
        s.loader.exec_module(mod)
        return mod
    if os.getcwd() not in sys.path and "" not in sys.path:
        sys.path.insert(0, os.getcwd())
    try:
        return importlib.import_module(spec)
    except ModuleNotFoundError as e:
        if e.name and spec.startswith(e.name):
            raise UsageError(f"no module '{spec}' (looked in the current directory and the Python path); "
                             "give MODULE:CALLABLE, e.g. models:svc or path/to/models.py:svc") from None
        raise


def load_model(spec: str) -> Any:
    if ":" not in spec:
        raise UsageError(f"--model '{spec}' needs MODULE:CALLABLE, e.g. models:svc or models.py:load")
    mod_name, attr = spec.rsplit(":", 1)
    obj: Any = _module(mod_name)
    for part in attr.split("."):
        if not hasattr(obj, part):
            names = [n for n in dir(obj) if not n.startswith("_")]
            close = difflib.get_close_matches(part, names, n=1)
            raise UsageError(f"'{mod_name}' has no '{attr}'" + (f"; did you mean '{close[0]}'?" if close else ""))
        obj = getattr(obj, part)
    if inspect.isfunction(obj) and _no_required_args(obj):
        try:
            return obj()
        except Exception as e:  # noqa: BLE001 - the user's factory
            raise UsageError(f"calling {spec}() to build the model failed: {type(e).__name__}: {e}") from None
    return obj


def _no_required_args(fn) -> bool:
    try:
        params = inspect.signature(fn).parameters.values()
    except (TypeError, ValueError):
        return False
    return all(p.default is not p.empty or p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD) for p in params)
