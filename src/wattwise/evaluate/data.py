"""A labelled table for ``wattwise evaluate --data FILE``: CSV always, Parquet with pyarrow or pandas.

Features are every column that is neither the label nor a grouping (or the ``features`` given).
Numeric features become a float matrix; a single text column becomes a 1-D array of strings
(for text pipelines). Labels are integers when every value is a whole number, floats when all
are numbers, text otherwise. An empty cell in a numeric feature is NaN.
"""
from __future__ import annotations

import csv
import difflib
import os
from dataclasses import dataclass
from typing import Any

from ..errors import MissingExtraError, UsageError
from ._np import np


@dataclass(frozen=True)
class Dataset:
    X: Any
    y: Any
    groups: dict[str, list]
    features: list[str]


def read_columns(path: str) -> dict[str, list]:
    """{column: values} of a .csv or .parquet file."""
    if not os.path.isfile(path):
        raise UsageError(f"data file '{path}' not found")
    low = path.lower()
    if low.endswith((".parquet", ".pq")):
        return _parquet(path)
    if not low.endswith((".csv", ".tsv", ".txt")):
        raise UsageError(f"cannot read '{path}': give a .csv or .parquet file")
    try:
        with open(path, newline="", encoding="utf-8-sig") as f:
            reader = csv.reader(f, delimiter="\t" if low.endswith(".tsv") else ",")
            head = next(reader, None)
            if not head:
                raise UsageError(f"'{path}' is empty; it needs a header row and one row per item")
            cols: dict[str, list] = {h.strip(): [] for h in head}
            names = list(cols)
            for i, row in enumerate(reader, start=2):
                if not row:
                    continue
                if len(row) != len(names):
                    raise UsageError(f"'{path}' line {i} has {len(row)} fields, the header {len(names)}")
                for name, v in zip(names, row):
                    cols[name].append(v)
    except UnicodeDecodeError:
        raise UsageError(f"'{path}' is not UTF-8 text; save it as UTF-8 CSV") from None
    return cols


def _parquet(path: str) -> dict[str, list]:
    try:
        import pyarrow.parquet as pq
    except ImportError:
        try:
            import pandas
        except ImportError:
            raise MissingExtraError("parquet", "pyarrow", "reading .parquet files", install="pip install pyarrow") from None
        return {str(k): list(v) for k, v in pandas.read_parquet(path).to_dict("list").items()}
    try:
        return {str(k): v for k, v in pq.read_table(path).to_pydict().items()}
    except Exception as e:  # noqa: BLE001 - a damaged or non-parquet file
        raise UsageError(f"cannot read '{path}' as Parquet: {e}") from None


def _column(cols: dict, name: str, what: str) -> list:
    if name not in cols:
        close = difflib.get_close_matches(name, list(cols), n=1)
        raise UsageError(f"{what} column '{name}' is not in the data" + (f"; did you mean '{close[0]}'?" if close
                         else f" (columns: {', '.join(list(cols)[:20])})"))
    return cols[name]


def _numbers(values: list) -> list[float] | None:
    out = []
    for v in values:
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            out.append(float(v))
            continue
        if v is None or (isinstance(v, str) and not v.strip()):
            out.append(float("nan"))
            continue
        try:
            out.append(float(v))
        except (TypeError, ValueError):
            return None
    return out


def labels(values: list):
    npm = np()
    nums = _numbers(values)
    if nums is None or any(x != x for x in nums):
        return npm.asarray([str(v) for v in values])
    if all(x == int(x) for x in nums):
        return npm.asarray([int(x) for x in nums])
    return npm.asarray(nums)


def load(path: str, label: str, groups: list[str] = (), features: list[str] | None = None) -> Dataset:
    cols = read_columns(path)
    y = labels(_column(cols, label, "label"))
    grouping = {g: [str(v) for v in _column(cols, g, "group")] for g in groups}
    feats = list(features) if features else [c for c in cols if c != label and c not in grouping]
    if not feats:
        raise UsageError("no feature columns left besides the label and groups; pass --features")
    raw = {f: _column(cols, f, "feature") for f in feats}
    npm = np()
    numeric = {f: _numbers(v) for f, v in raw.items()}
    text = [f for f, v in numeric.items() if v is None]
    if text and len(feats) == 1:
        return Dataset(npm.asarray([str(v) for v in raw[feats[0]]]), y, grouping, feats)
    if text:
        raise UsageError(f"feature column(s) {', '.join(text)} are not numeric; choose columns with --features "
                         "(numbers, or a single text column for a text model)")
    X = npm.column_stack([npm.asarray(numeric[f], dtype=float) for f in feats])
    return Dataset(X, y, grouping, feats)
